"""dldrill: exercises, sandboxed graders and a progress report for a deep-learning curriculum.

Keep this module light: it is imported by the pytest plugin on every learner run, and by the
sandboxed child process before it imports any submission code.
"""

__version__ = "0.1.0"
