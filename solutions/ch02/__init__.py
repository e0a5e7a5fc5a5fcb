"""Ch02 — TensorFlow / Keras 완전 정복 / TensorFlow and Keras: Sequential and Functional APIs,
callbacks, custom layers, saving and loading."""
