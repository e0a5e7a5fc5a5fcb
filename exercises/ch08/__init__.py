# dldrill:stub 33cfeea56908 · from solutions/ch08/__init__.py · 여러분의 파일 / yours to edit
"""Ch08 — 정규화 & 최적화 심화 / Regularization and optimization: dropout, normalization, early stopping,
optimizers and learning-rate schedules written by hand."""
