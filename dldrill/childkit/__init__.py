"""Generic pieces that graders build *inside* the submission's process (`student.call(...)`).

The child is the submission: anything here can be replaced by a student who has read the kit.
So these helpers only build plain library objects (seeded models, loaders) or copy raw data out
(states, shapes, a Keras graph, a figure's contents); none trains, runs a forward pass, takes a
gradient or loads an artifact on the learner's behalf, and the grader checks whatever comes back
against its own computation. This is the only part of `dldrill` (with `sandbox/` and a few plain
modules) that the child may import.
"""
