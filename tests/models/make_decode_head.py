"""Build tests/models/decode_head.onnx: the second model of the two-model SDK tests.

    python tests/models/make_decode_head.py [OUT]

It takes what tests/models/tiny_transformer.onnx returns (``logits`` float32[batch,sequence,64])
and decodes it: ``token_ids`` int64[batch,sequence] (ArgMax, which can feed the transformer's
``input_ids`` again), ``scores`` float16[batch,sequence] (the max logit, as float16) and
``tokens`` string[batch,sequence] (a 64-word vocabulary looked up with Gather). So one SDK holding
both models passes a tensor output of one model straight to the other, and the pair covers
int64, float16 and string outputs with symbolic batch/sequence dims.
"""

from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

VOCAB = [f"tok{i:02d}" for i in range(64)]


def build() -> onnx.ModelProto:
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence", 64])
    outs = [
        helper.make_tensor_value_info("token_ids", TensorProto.INT64, ["batch", "sequence"]),
        helper.make_tensor_value_info("scores", TensorProto.FLOAT16, ["batch", "sequence"]),
        helper.make_tensor_value_info("tokens", TensorProto.STRING, ["batch", "sequence"]),
    ]
    vocab = numpy_helper.from_array(np.array(VOCAB, dtype=object), "vocab")
    nodes = [
        helper.make_node("ArgMax", ["logits"], ["token_ids"], axis=2, keepdims=0),
        helper.make_node("ReduceMax", ["logits"], ["max"], axes=[2], keepdims=0),
        helper.make_node("Cast", ["max"], ["scores"], to=TensorProto.FLOAT16),
        helper.make_node("Gather", ["vocab", "token_ids"], ["tokens"], axis=0),
    ]
    g = helper.make_graph(nodes, "decode_head", [logits], outs, initializer=[vocab])
    # ONNX Runtime 1.29 loads IR version <= 13; onnx 1.23's make_model writes 14 by default.
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=13,
                          producer_name="sdkgen-tests")
    m.doc_string = "Decodes tiny_transformer logits: best token id, its score (float16) and its text."
    onnx.checker.check_model(m, full_check=True)
    return m


if __name__ == "__main__":
    onnx.save(build(), sys.argv[1] if len(sys.argv) > 1 else "tests/models/decode_head.onnx")
