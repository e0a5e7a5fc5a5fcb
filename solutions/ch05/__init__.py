"""Ch05 — RNN / LSTM / GRU: 시계열 & 텍스트 / sequences, recurrent cells, LSTM models, Korean text."""
