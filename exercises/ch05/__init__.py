# dldrill:stub 67c25e78a7fe · from solutions/ch05/__init__.py · 여러분의 파일 / yours to edit
"""Ch05 — RNN / LSTM / GRU: 시계열 & 텍스트 / sequences, recurrent cells, LSTM models, Korean text."""
