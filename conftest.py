"""Repository-level pytest settings. The kit's plugin itself is `dldrill.plugin` (an entry point)."""

# Sample submissions are data for tests/test_samples.py, and benchmarks are scripts.
collect_ignore = ["fixtures", "benchmarks"]
