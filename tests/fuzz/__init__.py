"""Property-based fuzz of hostile model signatures in all three SDKs.

``spec`` (a model as data, its ONNX file, its inputs and expected outputs), ``strategies``
(hypothesis strategies), ``batch`` (the two properties, one SDK per language per batch),
``__main__`` (the long run: ``make fuzz``), ``quick`` (run a few models, e.g. the reproducers).
The CI corpus and the KNOWN list are in ``tests/test_fuzz.py``; docs/fuzz.md explains.
"""
