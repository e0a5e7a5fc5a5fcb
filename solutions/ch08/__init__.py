"""Ch08 — 정규화 & 최적화 심화 / Regularization and optimization: dropout, normalization, early stopping,
optimizers and learning-rate schedules written by hand."""
