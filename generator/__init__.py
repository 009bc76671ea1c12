"""sdkgen: typed, checked SDKs around ONNX Runtime from a model's signature."""

__version__ = "0.1.0"
