"""Visible tests for ch01.perceptron — run them with `pytest exercises/ch01`.

The curriculum's own examples: AND and OR learned by one perceptron, XOR by two hand-set layers.
The hidden graders (`dldrill report`) also check the update rule step by step against the answer
key and convergence on a random linearly separable set.
"""

import numpy as np

from dldrill.grading import assert_close, tr

from ch01.perceptron import Perceptron, step, xor_two_layer

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def test_step_is_one_from_zero_on():
    assert step(0.0) == 1 and step(-0.5) == 0 and step(2.0) == 1
    assert_close(step(np.array([-1.0, 0.0, 1.0])), np.array([0, 1, 1]), rtol=0, atol=0,
                 hint=tr("계단 함수: x ≥ 0이면 1 (0에서도 1)",
                         "the step function: 1 where x ≥ 0 (1 at 0 too)"))


def test_predict_one_sample_and_a_batch():
    p = Perceptron(2)
    p.w, p.b = np.array([1.0, 1.0]), -1.5  # AND by hand / 손으로 정한 AND
    assert p.predict(np.array([1.0, 1.0])) == 1
    assert_close(p.predict(INPUTS), np.array([0, 0, 0, 1]), rtol=0, atol=0,
                 hint=tr("퍼셉트론 규칙: w += lr·(y − ŷ)·x, b += lr·(y − ŷ)",
                         "perceptron rule: w += lr·(y − ŷ)·x, b += lr·(y − ŷ)"))


def test_perceptron_learns_and():
    p = Perceptron(2, lr=0.1, seed=0)
    errors = p.fit(INPUTS, np.array([0, 0, 0, 1]), epochs=100)
    assert len(errors) == 100 and errors[-1] == 0
    assert_close(p.predict(INPUTS), np.array([0, 0, 0, 1]), rtol=0, atol=0,
                 hint=tr("퍼셉트론 규칙: w += lr·(y − ŷ)·x, b += lr·(y − ŷ)",
                         "perceptron rule: w += lr·(y − ŷ)·x, b += lr·(y − ŷ)"))


def test_perceptron_learns_or():
    p = Perceptron(2, lr=0.1, seed=0)
    errors = p.fit(INPUTS, np.array([0, 1, 1, 1]), epochs=100)
    assert errors[-1] == 0
    assert_close(p.predict(INPUTS), np.array([0, 1, 1, 1]), rtol=0, atol=0,
                 hint=tr("퍼셉트론 규칙: w += lr·(y − ŷ)·x, b += lr·(y − ŷ)",
                         "perceptron rule: w += lr·(y − ŷ)·x, b += lr·(y − ŷ)"))


def test_xor_by_hand_with_two_layers():
    for (x1, x2), expected in zip([(0, 0), (0, 1), (1, 0), (1, 1)], [0, 1, 1, 0], strict=True):
        assert xor_two_layer(x1, x2) == expected, f"XOR({x1}, {x2})"
