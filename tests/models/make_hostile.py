"""Build tests/models/hostile.onnx: a tiny valid model whose every string is an attack.

    python tests/models/make_hostile.py [OUT]

Names collide after sanitising (``a-b``/``a_b``), are keywords in Python, Java
and Go, start with digits, have no ASCII at all, and carry comment terminators,
quotes, backslashes, newlines, U+2028 and Java ``\\u`` escapes. Doc strings try to
close comments and docstrings and inject code. Every SDK must compile, pass its
linters and keep the wire names intact.
"""

from __future__ import annotations

import sys

import onnx
from onnx import TensorProto, helper

INJECT = "*/ \"\"\" \\u002a\\u002f \n}\nfunc init() { panic(1) }\n# \u2028 \u2029 \x85 \r\n'''"

# (wire name, element type); input i feeds output i through Identity.
NAMES = [
    ("class", TensorProto.FLOAT),
    ("a-b", TensorProto.INT64),
    ("a_b", TensorProto.INT32),
    ("0", TensorProto.DOUBLE),
    ("*/x", TensorProto.FLOAT),
    ('q"uote\\back', TensorProto.BOOL),
    ("new\nline", TensorProto.UINT8),
    ("\u00fcber\u2028\u65e5\u672c", TensorProto.INT8),
    ("\u65e5\u672c", TensorProto.INT16),
    ("func", TensorProto.STRING),
    ("self", TensorProto.FLOAT),
    ("String", TensorProto.FLOAT),
    ("\\u002a\\u002f", TensorProto.FLOAT),
]


def build() -> onnx.ModelProto:
    inputs, outputs, nodes = [], [], []
    for i, (name, elem) in enumerate(NAMES):
        shape: list[str | int] = ["batch", 2] if i % 2 == 0 else [3]
        vi = helper.make_tensor_value_info(name, elem, shape)
        vi.doc_string = f"input {i} {INJECT}"
        inputs.append(vi)
        out_name = "out " + name if i % 3 else name + "_out"
        vo = helper.make_tensor_value_info(out_name, elem, shape)
        vo.doc_string = f"output {i} {INJECT}"
        outputs.append(vo)
        nodes.append(helper.make_node("Identity", [name], [out_name], name=f"n{i}"))
    graph = helper.make_graph(nodes, 'hostile */ """ graph\nname', inputs, outputs, doc_string=INJECT)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17)],
        producer_name="sdkgen-tests */",
        doc_string="Model doc " + INJECT,
    )
    model.ir_version = 8
    helper.set_model_props(model, {"k\n*/": 'v\u2028"""', "author": "x\\u002a\\u002f"})
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    onnx.save(build(), sys.argv[1] if len(sys.argv) > 1 else "tests/models/hostile.onnx")
