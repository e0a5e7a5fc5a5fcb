# dldrill:stub 326ed39778a2 · from solutions/ch07/__init__.py · 여러분의 파일 / yours to edit
"""Ch07 — Transfer Learning & Fine-tuning: freezing and heads, LoRA, the HuggingFace Trainer."""
