"""Imported once by the sample runner's fork server, so that every fork starts warm."""

import numpy  # noqa: F401
import pytest  # noqa: F401
import torch
import torch._dynamo

import dldrill.grading
import dldrill.plugin  # noqa: F401

torch.set_num_threads(1)
