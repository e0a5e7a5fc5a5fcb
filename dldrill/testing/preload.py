"""Imported once by the sample runner's fork server, so that every fork starts warm."""

import numpy  # noqa: F401
import pytest  # noqa: F401
import torch
import torch._dynamo

import dldrill.grading
import dldrill.plugin  # noqa: F401

torch.set_num_threads(1)

# ch07 and ch09's transformer samples: transformers and peft cost 2-4 CPU-seconds to import, once
# here instead of once per sample (optional: the hf extra may be absent).
try:
    import peft  # noqa: F401
    import transformers  # noqa: F401
except ImportError:
    pass
