"""Ch07 — Transfer Learning & Fine-tuning: freezing and heads, LoRA, the HuggingFace Trainer."""
