# dldrill:stub e5ca337eda41 · from solutions/ch02/__init__.py · 여러분의 파일 / yours to edit
"""Ch02 — TensorFlow / Keras 완전 정복 / TensorFlow and Keras: Sequential and Functional APIs,
callbacks, custom layers, saving and loading."""
