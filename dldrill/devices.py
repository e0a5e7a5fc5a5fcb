"""The kit's device choice: `--device cpu|cuda|auto` (auto by default).

Exercise functions take `device=None`, meaning "the kit's chosen device"; they call
`resolve_device(device)`. The pytest plugin and the sandbox publish the choice through the
`DLDRILL_DEVICE` environment variable so that a learner's code and the graders agree.
"""

from __future__ import annotations

import os
from typing import Any

CHOICES = ("cpu", "cuda", "auto")


def requested_device() -> str:
    value = os.environ.get("DLDRILL_DEVICE", "auto")
    return value if value in CHOICES else "auto"


def set_requested_device(value: str) -> None:
    if value not in CHOICES:
        raise ValueError(f"--device must be one of {CHOICES}, got {value!r}")
    os.environ["DLDRILL_DEVICE"] = value


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(device: Any = None) -> Any:
    """A `torch.device`: `device` itself when given, else the kit's choice.

    "auto" means CUDA when PyTorch sees a GPU, else the CPU. Asking for "cuda" on a machine
    without one raises RuntimeError with a readable message.
    """
    import torch

    if device is not None:
        return torch.device(device)
    choice = requested_device()
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for, but PyTorch sees no CUDA GPU here")
    return torch.device(choice)


def resolved_name() -> str:
    """'cpu' or 'cuda' for the current choice, importing torch only when needed."""
    choice = requested_device()
    if choice != "auto":
        return choice
    return "cuda" if cuda_available() else "cpu"
