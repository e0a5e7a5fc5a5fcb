"""Ch01 — 딥러닝 개요 & 신경망 기초 / deep-learning basics, NumPy only."""
