"""Ch09 — 실전 프로젝트 / Projects: MNIST 99%, CIFAR-10 with a ResNet and augmentation, a Korean
sentiment service, training tricks (mixed precision, gradient accumulation, clipping, export) and
plots of training curves and confusion matrices."""
