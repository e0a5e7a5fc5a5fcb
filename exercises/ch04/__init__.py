# dldrill:stub dfcacfbce2dd · from solutions/ch04/__init__.py · 여러분의 파일 / yours to edit
"""Ch04 — CNN: 이미지 분류 완전 정복 / CNNs for image classification: convolution by hand, pooling,
the curriculum's CNNs (PyTorch and Keras), residual blocks, VGG blocks, data augmentation."""
