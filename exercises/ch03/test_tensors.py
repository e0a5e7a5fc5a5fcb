"""Visible tests for ch03.tensors — run them with `pytest exercises/ch03`.

Quick checks on small inputs; the hidden graders (`dldrill report`) also use float64, identical
points, channels-vs-width mix-ups and inputs big enough that a Python loop runs out of time.
"""

import torch

from dldrill.grading import assert_close, tr

from ch03.tensors import batched_outer, normalize_images, one_hot, pairwise_distances


def test_pairwise_distances_of_a_3_4_5_triangle():
    a = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    b = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    assert_close(pairwise_distances(a, b),
                 torch.tensor([[0.0, 3.0, 4.0], [5.0, 4.0, 3.0]]), atol=1e-5,
                 hint=tr("‖a_i − b_j‖ = sqrt(Σ (a_i − b_j)²): 브로드캐스팅 a[:, None] − b[None]",
                         "‖a_i − b_j‖ = sqrt(Σ (a_i − b_j)²): broadcast a[:, None] − b[None]"))


def test_batched_outer_shape_and_values():
    a = torch.tensor([[1.0, 2.0]])
    b = torch.tensor([[3.0, 4.0, 5.0]])
    out = batched_outer(a, b)
    assert out.shape == (1, 2, 3)
    assert_close(out[0], torch.tensor([[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]), atol=1e-5,
                 hint=tr("배치마다 외적: a[:, :, None] * b[:, None, :]",
                         "an outer product per batch: a[:, :, None] * b[:, None, :]"))


def test_one_hot_is_float32_with_num_classes_columns():
    out = one_hot(torch.tensor([2, 0]), num_classes=4)
    assert out.dtype == torch.float32
    assert_close(out, torch.tensor([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]]), atol=1e-5,
                 hint=tr("레이블 위치에 1인 (N, 클래스 수) 텐서",
                         "an (N, num_classes) tensor with 1 at each label"))


def test_normalize_images_per_channel():
    x = torch.ones(2, 3, 4, 5)
    out = normalize_images(x, mean=[0.0, 0.5, 1.0], std=[1.0, 0.5, 2.0])
    assert out.shape == x.shape
    assert_close(out[:, 0], torch.full((2, 4, 5), 1.0), atol=1e-5,
                 hint=tr("채널마다 (x − mean[c]) / std[c]: 채널 축(1)에 맞춰 view(1, C, 1, 1)",
                         "(x − mean[c]) / std[c] per channel: view(1, C, 1, 1) to line up with axis 1"))
    assert_close(out[:, 1], torch.full((2, 4, 5), 1.0), atol=1e-5,
                 hint=tr("채널마다 (x − mean[c]) / std[c]: 채널 축(1)에 맞춰 view(1, C, 1, 1)",
                         "(x − mean[c]) / std[c] per channel: view(1, C, 1, 1) to line up with axis 1"))
    assert_close(out[:, 2], torch.full((2, 4, 5), 0.0), atol=1e-5,
                 hint=tr("채널마다 (x − mean[c]) / std[c]: 채널 축(1)에 맞춰 view(1, C, 1, 1)",
                         "(x − mean[c]) / std[c] per channel: view(1, C, 1, 1) to line up with axis 1"))
