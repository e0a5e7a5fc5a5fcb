"""Visible tests for ch05.models — run them with `pytest exercises/ch05`.

Shapes and the padding rule; the hidden graders compare your models with the curriculum's given
the same weights, follow train_model's losses epoch by epoch, forecast a noisy sine and classify
Korean movie reviews (>= 85%).
"""

import torch

from dldrill.grading import assert_close, tr

from ch05.models import GRUClassifier, LSTMPredictor, SentimentLSTM


def test_lstm_predictor_shape():
    torch.manual_seed(0)
    model = LSTMPredictor(input_size=1, hidden_size=8, num_layers=2).eval()
    assert model(torch.randn(3, 12, 1)).shape == (3, 1)


def test_gru_classifier_shape():
    torch.manual_seed(0)
    assert GRUClassifier(4, 8, 3, num_layers=2)(torch.randn(5, 6, 4)).shape == (5, 3)


def test_sentiment_lstm_ignores_padding():
    torch.manual_seed(0)
    model = SentimentLSTM(vocab_size=20, embed_dim=8, hidden_dim=8, n_layers=1).eval()
    x = torch.tensor([[5, 6, 7, 0, 0], [3, 4, 5, 6, 7]])
    with torch.no_grad():
        prob, weights = model(x, return_attention=True)
        more_padding = model(torch.cat([x, torch.zeros(2, 3, dtype=torch.long)], dim=1))
    assert prob.shape == (2, 1) and weights.shape == (2, 5)
    assert bool(((prob > 0) & (prob < 1)).all())
    assert weights[0, 3:].abs().sum() == 0  # no attention on the padding
    assert_close(weights.sum(dim=1), torch.ones(2),
                 hint=tr("어텐션 가중치는 시간 축(dim=1)으로 softmax",
                         "attention weights: a softmax over time (dim=1)"))
    assert_close(more_padding, prob, atol=1e-6,  # extra padding changes nothing
                 hint=tr("패딩 위치는 마스크로 가리세요 (softmax 전에 −inf)",
                         "mask the padding positions (−inf before the softmax)"))
