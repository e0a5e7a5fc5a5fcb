# dldrill:stub 51ace386ab23 · from solutions/ch05/cells.py · 여러분의 파일 / yours to edit
"""Recurrent cells by hand: one time step of an RNN and of an LSTM, and their parameter counts.

RNN은 타임스텝마다 이전 은닉 상태 h를 다음 입력과 함께 사용합니다 (커리큘럼 5-1). LSTM은 셀 상태 c와
네 개의 게이트로 장기 의존성을 기억합니다:
An RNN feeds its previous hidden state back in at every step (curriculum 5-1); an LSTM adds a cell
state c and four gates, in PyTorch's order (i, f, g, o):

    gates = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh        # (B, 4H), split in four
    i = σ(gates[:, 0:H])      입력 게이트 / input gate
    f = σ(gates[:, H:2H])     망각 게이트 / forget gate
    g = tanh(gates[:, 2H:3H]) 후보 셀 / candidate cell
    o = σ(gates[:, 3H:4H])    출력 게이트 / output gate
    c_t = f * c_prev + i * g
    h_t = o * tanh(c_t)

Parameters: a basic RNN has one set of weights, a GRU three (3×), an LSTM four (4×) (the
curriculum's table: 적음 / 중간 3배 / 많음 4배). Functions take and return `torch.Tensor`s and keep
their dtype.
"""

from __future__ import annotations

import torch


def rnn_cell(x_t: torch.Tensor, h_prev: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor,
             b: torch.Tensor) -> torch.Tensor:
    """One step of a basic (Elman) RNN: h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b).

    기본 RNN의 한 스텝. Shapes: x_t (B, I), h_prev (B, H), W_xh (I, H), W_hh (H, H), b (H,)
    -> h_t (B, H). Note the layout: here the weights multiply from the right (x @ W), so W_xh is
    the transpose of `nn.RNNCell.weight_ih` (4H가 아닌 (I, H) 모양: nn.RNNCell 가중치의 전치).
    Hint / 힌트: two matrix products, the bias, then `torch.tanh` (행렬곱 두 번 + 편향 + tanh).
    """
    raise NotImplementedError("TODO(ch05.cells.rnn_cell)")


def lstm_cell(x_t: torch.Tensor, h_prev: torch.Tensor, c_prev: torch.Tensor, W_ih: torch.Tensor,
              W_hh: torch.Tensor, b_ih: torch.Tensor,
              b_hh: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM step with PyTorch's weights and gate order (i, f, g, o); equals `nn.LSTMCell`.

    LSTM 한 스텝: nn.LSTMCell에 같은 가중치를 넣은 결과와 같아야 합니다.
    Shapes: x_t (B, I), h_prev (B, H), c_prev (B, H), W_ih (4H, I), W_hh (4H, H), b_ih (4H,),
    b_hh (4H,) -> (h_t (B, H), c_t (B, H)).
    Hint / 힌트: `gates = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh`, then
    `i, f, g, o = gates.chunk(4, dim=1)`; the forget gate multiplies the *cell* state c_prev, and
    g uses tanh, not sigmoid (망각 게이트는 c_prev에 곱하고, g는 tanh).
    """
    raise NotImplementedError("TODO(ch05.cells.lstm_cell)")


def recurrent_param_count(kind: str, input_size: int, hidden_size: int) -> int:
    """Number of parameters of one layer of `nn.RNN` / `nn.LSTM` / `nn.GRU` (both biases counted).

    한 층(단방향)의 파라미터 수. kind: "rnn" | "lstm" | "gru" (case-insensitive); anything else
    raises ValueError. Each gate block has W_ih (H, I), W_hh (H, H), b_ih (H,) and b_hh (H,):
    PyTorch keeps two bias vectors (PyTorch는 편향 벡터를 두 개 둡니다), and there are 1 (rnn),
    4 (lstm) or 3 (gru) blocks.
    Hint / 힌트: gates × (H·I + H·H + 2·H); check against
    `sum(p.numel() for p in nn.LSTM(I, H).parameters())`.
    """
    raise NotImplementedError("TODO(ch05.cells.recurrent_param_count)")
