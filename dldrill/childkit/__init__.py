"""Generic helpers that graders run *inside* the submission's process (`student.call(...)`).

They build plain-torch pieces (models, loaders, optimizers, spies) and copy state out, and they
return raw data only: every decision is made by the grader in its own process, because a
submission can patch anything in its own. Nothing here computes an exercise's answer. This is
the only part of `dldrill` (with `sandbox/` and a few plain modules) that the child may import.
"""
