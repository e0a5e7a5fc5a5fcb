"""Ch10 — 현업 면접 Q&A TOP 10 / Top-10 interview questions, each answer proved by code; a quiz."""
