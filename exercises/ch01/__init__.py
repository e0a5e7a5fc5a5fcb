# dldrill:stub 1b9a7b09a0b0 · from solutions/ch01/__init__.py · 여러분의 파일 / yours to edit
"""Ch01 — 딥러닝 개요 & 신경망 기초 / deep-learning basics, NumPy only."""
