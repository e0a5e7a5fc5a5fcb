# dldrill:stub 29af27eca2d4 · from solutions/ch10/__init__.py · 여러분의 파일 / yours to edit
"""Ch10 — 현업 면접 Q&A TOP 10 / Top-10 interview questions, each answer proved by code; a quiz."""
