"""LSTM and GRU models from the curriculum, and one training loop for all of them.

- `LSTMPredictor` (커리큘럼 5-2): a two-layer bidirectional LSTM reads a window of a series; the
  last time step's output (forward and backward halves, 2H) goes through a small MLP head to the
  next value. 시계열 예측: 마지막 타임스텝의 양방향 출력 → MLP → 다음 값.
- `GRUClassifier`: a GRU reads a sequence; the last layer's final hidden state gives class logits.
  GRU 분류기: 마지막 층의 마지막 은닉 상태 → 로짓.
- `SentimentLSTM` (커리큘럼 5-3): embedding (padding_idx=0) · bidirectional LSTM · attention
  pooling · classifier with a sigmoid. Unlike the curriculum's sketch it *ignores padding*:
  the LSTM runs over the real tokens only (`pack_padded_sequence`) and the attention gives the
  padded positions weight exactly 0, so adding or removing padding changes nothing.
  커리큘럼 코드와 달리 패딩을 무시합니다: 패딩 위치의 어텐션 가중치는 정확히 0이고,
  패딩 길이를 바꿔도 출력이 같습니다.
- `train_model`: mini-batch training with Adam, a seeded shuffle and optional gradient clipping
  (RNN에서는 기울기 폭주를 막는 gradient clipping이 흔히 쓰입니다).
All inputs are batch first: (B, T, features) for series, (B, T) int64 ids for text.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LSTMPredictor(nn.Module):
    """Next-value forecaster: bidirectional LSTM, last time step, MLP head (curriculum 5-2).

    Layers: `nn.LSTM(input_size, hidden_size, num_layers, dropout=dropout if num_layers > 1
    else 0, batch_first=True, bidirectional=True)` · Linear(2·hidden_size, 32) · ReLU ·
    Dropout(dropout) · Linear(32, 1).
    Shapes: forward x (B, T, input_size) -> (B, 1), from the LSTM output at the last step t = T-1
    (both directions: 2·hidden_size features). 양방향이므로 2·hidden_size, 마지막 타임스텝만 사용.
    """

    def __init__(self, input_size: int = 1, hidden_size: int = 64, num_layers: int = 2,
                 dropout: float = 0.2):
        """Builds the LSTM and the head (LSTM과 출력 MLP를 만듭니다).

        Hint / 힌트: copy the curriculum's layers; `batch_first=True`, `bidirectional=True`, and
        the first Linear takes hidden_size * 2 features (양방향이므로 * 2).
        """
        super().__init__()
        # BEGIN SOLUTION
        self.lstm = nn.LSTM(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
                            dropout=dropout if num_layers > 1 else 0, batch_first=True,
                            bidirectional=True)
        self.fc = nn.Sequential(nn.Linear(hidden_size * 2, 32), nn.ReLU(), nn.Dropout(dropout),
                                nn.Linear(32, 1))
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, input_size) -> prediction (B, 1).

        Hint / 힌트: `out, _ = self.lstm(x)` has shape (B, T, 2H); take `out[:, -1, :]`
        (마지막 타임스텝) and pass it through the head.
        """
        # BEGIN SOLUTION
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])
        # END SOLUTION


class GRUClassifier(nn.Module):
    """Sequence classifier: a GRU, then a Linear on the last layer's final hidden state.

    Layers: `nn.GRU(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout if
    num_layers > 1 else 0)` · Linear(hidden_size, num_classes).
    Shapes: forward x (B, T, input_size) -> logits (B, num_classes) (no softmax; use
    `nn.CrossEntropyLoss`). With several layers the classifier reads the *last* layer's state
    (여러 층이면 마지막 층의 은닉 상태 h_n[-1]).
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int, num_layers: int = 1,
                 dropout: float = 0.0):
        """Builds the GRU and the output layer (GRU와 출력층).

        Hint / 힌트: `nn.GRU(..., batch_first=True)` and `nn.Linear(hidden_size, num_classes)`.
        """
        super().__init__()
        # BEGIN SOLUTION
        self.gru = nn.GRU(input_size, hidden_size, num_layers, batch_first=True,
                          dropout=dropout if num_layers > 1 else 0)
        self.fc = nn.Linear(hidden_size, num_classes)
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, input_size) -> logits (B, num_classes).

        Hint / 힌트: `_, h_n = self.gru(x)`; h_n has shape (num_layers, B, H): use `h_n[-1]`
        (h_n[0]은 첫 번째 층입니다).
        """
        # BEGIN SOLUTION
        _, h_n = self.gru(x)
        return self.fc(h_n[-1])
        # END SOLUTION


class SentimentLSTM(nn.Module):
    """Sentiment classifier with attention pooling that ignores padding (curriculum 5-3).

    Layers: Embedding(vocab_size, embed_dim, padding_idx=0) · `nn.LSTM(embed_dim, hidden_dim,
    n_layers, batch_first=True, dropout=dropout if n_layers > 1 else 0, bidirectional=True)` ·
    attention Linear(2·hidden_dim, 1) · classifier Dropout(dropout) · Linear(2·hidden_dim, 64) ·
    ReLU · Linear(64, 1) · Sigmoid.
    Input: ids (B, T) int64, right-padded with 0 as `text.encode` makes them; a row's length is
    its number of non-zero ids (a row of padding only counts as length 1).
    입력은 뒤쪽이 0으로 채워진 id (B, T); 길이 = 0이 아닌 id의 수 (전부 패딩이면 1).
    forward(x) -> probability of "positive" (B, 1) in (0, 1).
    forward(x, return_attention=True) -> (probability (B, 1), attention weights (B, T)): each
    row sums to 1 and is exactly 0 at the padded positions (패딩 위치의 가중치는 정확히 0).
    """

    def __init__(self, vocab_size: int, embed_dim: int = 128, hidden_dim: int = 256,
                 n_layers: int = 2, dropout: float = 0.3):
        """Builds the layers above (위의 층들을 만듭니다).

        Hint / 힌트: as in the curriculum, with `padding_idx=0` in the embedding and
        `dropout if n_layers > 1 else 0` for the LSTM (한 층이면 LSTM dropout은 0).
        """
        super().__init__()
        # BEGIN SOLUTION
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, n_layers, batch_first=True,
                            dropout=dropout if n_layers > 1 else 0, bidirectional=True)
        self.attention = nn.Linear(hidden_dim * 2, 1)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_dim * 2, 64),
                                        nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())
        # END SOLUTION

    def forward(self, x: torch.Tensor, return_attention: bool = False) -> Any:
        """ids (B, T) -> probability (B, 1) [, attention weights (B, T)].

        Hint / 힌트:
        1. `lengths = (x != 0).sum(1).clamp(min=1)`;
        2. `nn.utils.rnn.pack_padded_sequence(emb, lengths.cpu(), batch_first=True,
           enforce_sorted=False)` → LSTM → `pad_packed_sequence(..., batch_first=True,
           total_length=T)`, so that neither direction reads the padding (역방향도 패딩을 읽지 않게);
        3. attention scores (B, T); set the padded positions to `-inf` with `masked_fill` before
           `torch.softmax(..., dim=1)` (softmax 전에 패딩 위치를 -inf로);
        4. context = Σ_t weight_t · out_t (B, 2H) → classifier.
        """
        # BEGIN SOLUTION
        T = x.shape[1]
        lengths = (x != 0).sum(dim=1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(x), lengths.cpu(),
                                                   batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
        valid = torch.arange(T, device=x.device)[None, :] < lengths[:, None]
        scores = self.attention(out).squeeze(-1).masked_fill(~valid, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        context = (out * weights.unsqueeze(-1)).sum(dim=1)
        prob = self.classifier(context)
        return (prob, weights) if return_attention else prob
        # END SOLUTION


def train_model(model: nn.Module, X: Any, y: Any, criterion: nn.Module, epochs: int = 10,
                lr: float = 1e-2, batch_size: int = 32, seed: int = 0,
                clip_norm: float | None = None) -> list[float]:
    """Trains `model` on (X, y) with Adam in shuffled mini-batches; returns the loss per epoch.

    미니배치 학습 (Adam, 시드로 고정한 셔플, 선택적 gradient clipping). 반환: 에폭마다 샘플당 평균 손실.
    - X, y: arrays or tensors; floating ones become float32, integer ones int64 (ids, class
      labels). Give y the shape the criterion wants: (N, 1) float for MSELoss / BCELoss with a
      (B, 1) output, (N,) int for CrossEntropyLoss.
    - Reproducible: `torch.manual_seed(seed)` first (dropout masks), then one loader created
      before the epochs: `DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
      generator=torch.Generator().manual_seed(seed))` (시드를 준 Generator로 섞는 DataLoader 하나).
    - Optimizer: `torch.optim.Adam(model.parameters(), lr=lr)`, created once.
    - Every batch: zero_grad → forward → loss → backward → (clip_grad_norm_ to `clip_norm`) →
      step; `model.train()` at the start of every epoch.
    - The epoch's loss is the mean over samples: Σ loss.item() · batch size / N, measured on each
      batch before its update (배치 크기로 가중한 평균).
    Hint / 힌트: the ch03 loop (ch03의 학습 루프와 같습니다), with its own optimizer and loader.
    """
    # BEGIN SOLUTION
    def tensor(a: Any) -> torch.Tensor:
        """float32 features, int64 labels (whatever came in)."""
        t = torch.as_tensor(a)
        return t.float() if t.is_floating_point() else t.long()

    X, y = tensor(X), tensor(y)
    torch.manual_seed(seed)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        model.train()
        total, seen = 0.0, 0
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            loss = criterion(model(X_batch), y_batch)
            loss.backward()
            if clip_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
            total += loss.item() * len(X_batch)
            seen += len(X_batch)
        losses.append(total / seen)
    return losses
    # END SOLUTION
