# dldrill:stub ace9f490878c · from solutions/ch03/__init__.py · 여러분의 파일 / yours to edit
"""Ch03 — PyTorch 완전 정복 / PyTorch: tensors, autograd, nn.Module, DataLoader, the training loop."""
