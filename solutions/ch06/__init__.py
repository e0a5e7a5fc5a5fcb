"""Ch06 — Transformer & Attention / Transformers: self-attention, positional encoding, masks, BERT vs GPT."""
