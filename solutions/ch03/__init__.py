"""Ch03 — PyTorch 완전 정복 / PyTorch: tensors, autograd, nn.Module, DataLoader, the training loop."""
