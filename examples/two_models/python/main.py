"""Two models, one SDK: the transformer's logits go, as they are, into the decode head.

    sdkgen tests/models/tiny_transformer.onnx tests/models/decode_head.onnx \
        --lang python --out pair-python
    pip install ./pair-python
    python examples/two_models/python/main.py [--json]

Both model classes come from one package (default name: the models' names joined,
``tiny_transformer_decode_head``) with one runtime: the numpy array one returns is a valid
input of the other, with no conversion, and both raise the same ``ModelInputError``.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from tiny_transformer_decode_head import DecodeHead, ModelInputError, TinyTransformer

input_ids = (np.arange(10, dtype=np.int64).reshape(2, 5) * 7) % 64
attention_mask = np.ones((2, 5), np.int64)

with TinyTransformer(intra_op_threads=1) as transformer, DecodeHead(intra_op_threads=1) as head:
    logits = transformer.run(input_ids=input_ids, attention_mask=attention_mask).logits
    decoded = head.run(logits=logits)  # model A's output object, as is, into model B
    # ... and B's token ids back into A once
    again = transformer.run(input_ids=decoded.token_ids, attention_mask=attention_mask).logits
    error = "none"
    try:
        head.run(logits=logits[:, :, :32])
    except ModelInputError as e:  # one error type for both models; e.kind == "dim"
        error = str(e)

if "--json" in sys.argv[1:]:
    print(json.dumps({
        "token_ids": decoded.token_ids.tolist(),
        "scores": decoded.scores.astype(float).tolist(),
        "tokens": decoded.tokens.tolist(),
        "logits_again": again.tolist(),
        "error": error,
    }))
else:
    print("token ids:", decoded.token_ids.tolist())
    print("scores (float16):", decoded.scores.tolist())
    print("tokens:", decoded.tokens.tolist())
    print("fed back, logits:", again.shape, again.dtype)
    print("checked error:", error)
