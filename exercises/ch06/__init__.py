# dldrill:stub 6cfcc87e6447 · from solutions/ch06/__init__.py · 여러분의 파일 / yours to edit
"""Ch06 — Transformer & Attention / Transformers: self-attention, positional encoding, masks, BERT vs GPT."""
