"""Ten interview questions, each answer proved by a few lines of code. / 면접 Q&A TOP 10, 코드로 증명하기.

커리큘럼 10장의 질문마다 답을 말로만 하지 않고 작은 함수로 보여 줍니다.
The curriculum's chapter 10: for each classic interview question, a small function whose result
*is* the answer:

- Q1 기울기 소실 / vanishing gradients: `gradient_norms` — per-layer gradient norms of a deep
  net; with sigmoid they shrink layer after layer towards the input, with ReLU they do not.
- Q2 배치 정규화 / BatchNorm at inference: `batchnorm_inference` — the running statistics.
- Q3 드롭아웃 / Dropout: `dropout_expectation` — inverted dropout keeps the expectation.
- Q4 Adam: `adam_step` — both moments, bias correction, one update.
- Q5 풀링 / pooling: `global_average_pool` — GAP, (N, C, H, W) -> (N, C).
- Q6 Self-Attention vs RNN: `attention_cost` — FLOPs and sequential steps.
- Q7 전이 학습 vs 파인튜닝 / transfer learning vs fine-tuning: `trainable_fraction`.
- Q8 학습률 설정 / choosing the learning rate: `suggest_lr` — the LR finder's rule.
- Q9 경량화 / model compression: `quantize_int8` + `dequantize`, `magnitude_prune`,
  `distillation_loss`.
- Q10 배포 / deployment: `export_and_verify` — a TorchScript round trip, checked.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


# -- Q1 ---------------------------------------------------------------------------------------
def gradient_norms(depth: int, activation: str, width: int = 32, batch: int = 16,
                   seed: int = 0) -> list[float]:
    """Q1: the gradient norm of every layer's weight in a deep net. / 층별 기울기 노름.

    The net (everything float32, no bias), built exactly like this so that results are
    reproducible:

        g = torch.Generator().manual_seed(seed)
        W_1 ... W_depth = torch.randn(width, width, generator=g) * sqrt(2 / width)   # in order
        x = torch.randn(batch, width, generator=g)                                   # after them
        h = x;  for i in 1..depth:  h = act(h @ W_i.T)
        loss = h.sum()

    `activation` is "sigmoid", "tanh" or "relu" (anything else: ValueError). Returns
    [‖dloss/dW_1‖, ..., ‖dloss/dW_depth‖] (Frobenius norms, Python floats), the layer nearest the
    input FIRST. With sigmoid (σ' ≤ 0.25) the norms shrink by a large factor per layer towards the
    input (기울기 소실); with ReLU (He init) they stay of the same order.
    시그모이드는 입력 쪽으로 갈수록 기울기가 급격히 작아지고, ReLU는 비슷한 크기를 유지합니다.
    Hint / 힌트: make each W a leaf with `requires_grad_(True)` (or copy it into
    `nn.Linear(width, width, bias=False)`), call `loss.backward()`, read `W.grad.norm()`.
    """
    # BEGIN SOLUTION
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
    if activation not in acts:
        raise ValueError(f"activation must be one of {sorted(acts)}, got {activation!r}")
    act = acts[activation]
    g = torch.Generator().manual_seed(seed)
    weights = [(torch.randn(width, width, generator=g) * math.sqrt(2 / width)).requires_grad_(True)
               for _ in range(depth)]
    x = torch.randn(batch, width, generator=g)
    h = x
    for W in weights:
        h = act(h @ W.T)
    h.sum().backward()
    return [float(W.grad.norm()) for W in weights]
    # END SOLUTION


# -- Q2 ---------------------------------------------------------------------------------------
def batchnorm_inference(x: torch.Tensor, running_mean: torch.Tensor, running_var: torch.Tensor,
                        gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Q2: BatchNorm at inference time, by hand. / 추론 시 배치 정규화.

    x is (N, C) or (N, C, L); running_mean, running_var, gamma, beta are (C,). Returns
    `gamma * (x - running_mean) / sqrt(running_var + eps) + beta` per channel C (axis 1), the
    shape of x: what `nn.BatchNorm1d(C, eps=eps)` computes in eval mode. The batch's own
    statistics play no part (추론 시에는 학습 중 모은 이동 평균/분산을 씁니다).
    Hint / 힌트: reshape the (C,) vectors to (C,) for 2-D input and (C, 1) for 3-D input so that
    they line up with axis 1 (채널 축에 맞춰 브로드캐스트하세요).
    """
    # BEGIN SOLUTION
    shape = (1, -1) + (1,) * (x.dim() - 2)
    mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    return (x - mean) / torch.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)
    # END SOLUTION


# -- Q3 ---------------------------------------------------------------------------------------
def dropout_expectation(p: float, n: int, generator: torch.Generator) -> float:
    """Q3: inverted dropout on n ones; returns the mean of the output. / 드롭아웃의 기댓값.

    Training-mode dropout as `nn.Dropout(p)` does it: each of n units (all equal to 1.0) is dropped
    (set to 0) with probability p, independently, using `generator` for every random draw; the
    kept units are multiplied by 1 / (1 - p). Returns the mean of the n outputs as a float:
    (number kept) / (n (1 - p)), whose expectation is exactly 1, the input's value, so nothing
    changes at inference. (The curriculum's classic form multiplies by (1 - p) at inference
    instead; both keep the expectation.) p must be in [0, 1): otherwise ValueError.
    학습 중 살아남은 뉴런을 1/(1-p)배 하면 기댓값이 입력과 같아져 추론 때 아무것도 곱하지 않아도 됩니다.
    Hint / 힌트: `keep = torch.rand(n, generator=generator) >= p` (or `torch.bernoulli` with the
    generator), then `(keep / (1 - p)).mean()`.
    """
    # BEGIN SOLUTION
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    keep = torch.rand(n, generator=generator) >= p
    out = keep.to(torch.float64) / (1 - p)
    return float(out.mean())
    # END SOLUTION


# -- Q4 ---------------------------------------------------------------------------------------
def adam_step(param: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int,
              lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
              eps: float = 1e-8) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Q4: the t-th Adam update (t = 1 for the first step). / Adam 한 스텝.

    m, v are the moments after step t - 1 (zeros before the first step); all tensors share one
    shape. Returns new tensors (param, m, v), the inputs left unchanged:

        m = beta1 * m + (1 - beta1) * grad            # 1차 모멘트 (Momentum)
        v = beta2 * v + (1 - beta2) * grad ** 2       # 2차 모멘트 (RMSProp)
        m_hat = m / (1 - beta1 ** t);  v_hat = v / (1 - beta2 ** t)     # 편향 보정
        param = param - lr * m_hat / (sqrt(v_hat) + eps)

    Equal to `torch.optim.Adam([param], lr, betas=(beta1, beta2), eps=eps)`'s t-th step.
    m, v는 0에서 시작하므로 초반 추정이 0 쪽으로 치우칩니다: (1 - beta ** t)로 나눠 보정합니다.
    Hint / 힌트: eps goes outside the square root; t counts from 1 (t는 1부터 셉니다).
    """
    # BEGIN SOLUTION
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v
    # END SOLUTION


# -- Q5 ---------------------------------------------------------------------------------------
def global_average_pool(x: torch.Tensor) -> torch.Tensor:
    """Q5: Global Average Pooling, (N, C, H, W) -> (N, C). / 전역 평균 풀링.

    Each channel's feature map is averaged over its H x W positions: equal to
    `F.adaptive_avg_pool2d(x, 1).flatten(1)`. Modern CNNs use it instead of Flatten before the
    classifier: no parameters, any input size (파라미터가 없고 입력 크기에 무관합니다).
    Hint / 힌트: the mean over the two spatial axes, `dim=(2, 3)` (공간 축 두 개의 평균).
    """
    # BEGIN SOLUTION
    return x.mean(dim=(2, 3))
    # END SOLUTION


# -- Q6 ---------------------------------------------------------------------------------------
def attention_cost(n: int, d: int) -> dict[str, int]:
    """Q6: the cost of self-attention vs an RNN on a sequence of n tokens of width d. / 연산량 비교.

    Returns a dict of Python ints, with these keys exactly. FLOPs count a multiply-add as 2:

    - "attention_flops": 4·n²·d — the scores Q Kᵀ ((n, d) @ (d, n): n²·d multiply-adds) plus the
      weighted sum of values ((n, n) @ (n, d): n²·d multiply-adds); projections, scaling and
      softmax are not counted.
    - "rnn_flops": 4·n·d² — n steps of h_t = tanh(W_xh x_t + W_hh h_{t-1}) with input and hidden
      size d: two (d, d) matrix-vector products, 2·d² multiply-adds, per step (bias, tanh not
      counted).
    - "attention_sequential_steps": 1 — every position is computed at once (병렬 처리).
    - "rnn_sequential_steps": n — step t needs h_{t-1} (순차 처리, 병렬화 불가).
    - "attention_score_entries": n² — the size of one head's score matrix (the memory cost).

    Attention costs more FLOPs than the RNN exactly when n > d, but needs one step, not n.
    n > d일 때 어텐션의 연산량이 더 크지만, 순차 단계는 1번뿐입니다.
    Hint / 힌트: an (a, b) @ (b, c) product takes a·b·c multiply-adds (행렬 곱의 곱셈-덧셈 수).
    """
    # BEGIN SOLUTION
    return {
        "attention_flops": 2 * (n * n * d) + 2 * (n * n * d),
        "rnn_flops": n * 2 * (2 * d * d),
        "attention_sequential_steps": 1,
        "rnn_sequential_steps": n,
        "attention_score_entries": n * n,
    }
    # END SOLUTION


# -- Q7 ---------------------------------------------------------------------------------------
def trainable_fraction(model: nn.Module) -> float:
    """Q7: the fraction of the model's parameters (elements) that will be trained. / 학습 파라미터 비율.

    (Σ numel of the parameters with requires_grad) / (Σ numel of all parameters), over
    `model.parameters()`: a parameter shared by two layers counts once; buffers (BatchNorm's
    running statistics) are not parameters. A model without parameters gives 0.0. Feature
    extraction (frozen backbone, new head) gives a small fraction, full fine-tuning 1.0, LoRA
    about 0.27% for BERT-base (커리큘럼 7장 예시).
    Hint / 힌트: `p.numel()` and `p.requires_grad` for p in `model.parameters()`.
    """
    # BEGIN SOLUTION
    total = trainable = 0
    for p in model.parameters():
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return trainable / total if total else 0.0
    # END SOLUTION


# -- Q8 ---------------------------------------------------------------------------------------
def suggest_lr(lrs: Any, losses: Any) -> float:
    """Q8: the LR finder's suggestion: where the loss falls fastest. / LR Finder의 추천 학습률.

    `lrs` (increasing, > 0) and `losses` are sequences (lists, arrays or 1-D tensors) of the same
    length ≥ 2: the loss measured after training briefly at each learning rate. The rule
    (steepest descent in log scale): for each segment i = 0 .. len - 2,

        slope_i = (losses[i+1] - losses[i]) / (log(lrs[i+1]) - log(lrs[i]))

    and the suggestion is `lrs[i*]` (a float, the *start* of the segment) where i* is the index of
    the most negative slope. Not the lr of the minimum loss: by then the loss is about to blow
    up; the steepest point is well before it (손실이 최소인 지점은 이미 발산 직전이므로, 가장 가파르게
    떨어지는 구간의 시작 학습률을 고릅니다).
    Hint / 힌트: the spacing of log(lr) may be uneven: divide by it (로그 간격으로 나누세요).
    """
    # BEGIN SOLUTION
    lr = torch.as_tensor(lrs, dtype=torch.float64).reshape(-1)
    loss = torch.as_tensor(losses, dtype=torch.float64).reshape(-1)
    slopes = (loss[1:] - loss[:-1]) / (torch.log(lr[1:]) - torch.log(lr[:-1]))
    return float(lr[int(torch.argmin(slopes))])
    # END SOLUTION


# -- Q9 ---------------------------------------------------------------------------------------
def quantize_int8(w: torch.Tensor) -> tuple[torch.Tensor, float, int]:
    """Q9: affine (asymmetric) per-tensor INT8 quantization. / INT8 양자화 (FP32 → INT8, 4배 경량화).

    With qmin, qmax = -128, 127 and the range widened to include 0 (so that 0.0 is exact):

        lo, hi = min(w.min(), 0), max(w.max(), 0)
        scale = (hi - lo) / 255               (1.0 when hi == lo)
        zero_point = round(qmin - lo / scale), clamped to [qmin, qmax]      # a Python int
        q = clamp(round(w / scale) + zero_point, qmin, qmax)  as torch.int8

    Returns (q with w's shape and dtype torch.int8, scale as a Python float, zero_point as a
    Python int). Promise: `dequantize(q, scale, zero_point)` differs from w by at most scale / 2
    in every element (반올림 오차는 원소마다 scale/2 이하).
    Hint / 힌트: `torch.round` (not truncation) before the cast; without the zero point a range
    that is not centred on 0 wastes levels and clips (영점 없이 하면 범위가 잘립니다).
    """
    # BEGIN SOLUTION
    qmin, qmax = -128, 127
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = (hi - lo) / (qmax - qmin) if hi > lo else 1.0
    zero_point = int(min(max(round(qmin - lo / scale), qmin), qmax))
    q = torch.clamp(torch.round(w / scale) + zero_point, qmin, qmax).to(torch.int8)
    return q, scale, zero_point
    # END SOLUTION


def dequantize(q: torch.Tensor, scale: float, zero_point: int) -> torch.Tensor:
    """Q9: back to float32: `(q - zero_point) * scale`, q's shape. / 역양자화.

    Hint / 힌트: convert q to float32 before subtracting (int8 arithmetic overflows: int8로
    빼면 넘칩니다).
    """
    # BEGIN SOLUTION
    return (q.to(torch.float32) - zero_point) * scale
    # END SOLUTION


def magnitude_prune(w: torch.Tensor, sparsity: float) -> torch.Tensor:
    """Q9: zero the k = round(sparsity · w.numel()) weights of smallest |w|. / 크기 기반 가지치기.

    Returns a new tensor (w's shape and dtype; w unchanged) with exactly k more zeros at the k
    entries of smallest magnitude |w| (a large negative weight is important too), the others
    untouched: what `torch.nn.utils.prune.l1_unstructured(..., amount=sparsity)` does. sparsity
    in [0, 1] (otherwise ValueError): 0 keeps everything, 1 zeroes everything. `round` is Python's.
    절댓값이 가장 작은 k개만 0으로 만듭니다 (값이 아니라 크기 기준).
    Hint / 힌트: `torch.topk(w.abs().flatten(), k, largest=False).indices`.
    """
    # BEGIN SOLUTION
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparsity must be in [0, 1], got {sparsity}")
    k = round(sparsity * w.numel())
    out = w.clone()
    if k:
        idx = torch.topk(w.abs().flatten(), k, largest=False).indices
        out.view(-1)[idx] = 0
    return out
    # END SOLUTION


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                      labels: torch.Tensor, T: float, alpha: float) -> torch.Tensor:
    """Q9: Hinton's knowledge-distillation loss, a scalar tensor. / 지식 증류 손실.

    Logits are (B, K), labels (B,) class indices. The convention (Hinton et al., 2015):

        alpha · T² · KL( softmax(teacher/T) ‖ softmax(student/T) )  +  (1 - alpha) · CE(student, labels)

    KL is summed over the K classes and averaged over the batch (`F.kl_div(log_q, p,
    reduction="batchmean")`), CE is `F.cross_entropy` (batch mean). The T² keeps the soft term's
    gradients the same size whatever T (soft 손실의 기울기는 1/T²로 작아지므로 T²를 곱합니다).
    Differentiable with respect to student_logits; the teacher is a constant.
    Hint / 힌트: `F.kl_div` takes the *student's log*-probabilities first and the teacher's
    probabilities second (입력은 학생의 log_softmax, 타깃은 교사의 softmax).
    """
    # BEGIN SOLUTION
    log_q = F.log_softmax(student_logits / T, dim=-1)
    p = F.softmax(teacher_logits.detach() / T, dim=-1)
    soft = F.kl_div(log_q, p, reduction="batchmean") * T * T
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1 - alpha) * hard
    # END SOLUTION


# -- Q10 --------------------------------------------------------------------------------------
def export_and_verify(model: nn.Module, example: torch.Tensor) -> float:
    """Q10: TorchScript round trip, then the largest output difference. / TorchScript 내보내기 검증.

    Puts `model` in eval mode, exports it with `torch.jit.script` (or `torch.jit.trace(model,
    example)`), saves it to a file in a fresh temporary folder (`torch.jit.save`), loads it back
    (`torch.jit.load`), and returns max |model(example) - loaded(example)| as a Python float,
    both outputs computed in eval mode under `torch.no_grad()`. About 0 for a faithful export:
    the check to run before shipping a model (배포 전에 내보낸 모델이 원본과 같은 출력을 내는지 확인).
    Hint / 힌트: `tempfile.TemporaryDirectory()`; call `model.eval()` first (Dropout!). torch
    marks TorchScript deprecated: `warnings.catch_warnings()` keeps the output clean.
    """
    # BEGIN SOLUTION
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(model)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.pt"
            torch.jit.save(scripted, str(path))
            loaded = torch.jit.load(str(path))
    with torch.no_grad():
        expected = model(example)
        got = loaded(example)
    return float((expected - got).abs().max())
    # END SOLUTION
