"""Writes the small models of the runtime's edge-case tests (session_edge_test.go):

    python runtime/go/testdata/make_models.py

tests/test_runtime_go.py checks that the committed files are what this writes. The adapted
ones are what sdkgen embeds in a Go SDK (generator/adapt_go.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import onnx
from onnx import TensorProto as T
from onnx import helper as h

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from generator import adapt_go, reader  # noqa: E402


def _model(nodes: list[onnx.NodeProto], ins: list[onnx.ValueInfoProto], outs: list[onnx.ValueInfoProto]) -> bytes:
    m = h.make_model(h.make_graph(nodes, "g", ins, outs), opset_imports=[h.make_opsetid("", 17)])
    m.ir_version = 8
    return m.SerializeToString()


def _adapted(data: bytes) -> bytes:
    a = adapt_go.apply(reader.read_bytes(data), data)
    assert a is not None
    return a.data


def models() -> dict[str, bytes]:
    vi = h.make_tensor_value_info
    out = {}
    # No inputs (the ONNX node case test_constant): adapted with an unused input.
    out["zero_inputs.onnx"] = _adapted(_model(
        [h.make_node("Constant", [], ["y"], value=h.make_tensor("c", T.FLOAT, [2, 2], [1, 2, 3, 4]))],
        [], [vi("y", T.FLOAT, [2, 2])]))
    # Empty float16 inputs, unknown-rank float16 and string inputs, a float16 output whose
    # declared shape is wrong (Transpose gives [3,2]), strings in and out.
    out["edges.onnx"] = _model(
        [h.make_node("Identity", ["h"], ["h_out"]),
         h.make_node("Shape", ["u"], ["u_shape"]),
         h.make_node("Identity", ["s"], ["s_out"]),
         h.make_node("Transpose", ["t"], ["t_out"], perm=[1, 0])],
        [vi("h", T.FLOAT16, ["n", 3]), vi("u", T.FLOAT16, None), vi("s", T.STRING, None), vi("t", T.FLOAT16, [2, 3])],
        [vi("h_out", T.FLOAT16, ["n", 3]), vi("u_shape", T.INT64, [None]), vi("s_out", T.STRING, None),
         vi("t_out", T.FLOAT16, [2, 3])])
    # Scalar string and float16 inputs and a scalar float16 output: adapted through shape [1].
    out["scalars.onnx"] = _adapted(_model(
        [h.make_node("Identity", ["s"], ["s_out"]), h.make_node("Neg", ["f"], ["f_out"])],
        [vi("s", T.STRING, []), vi("f", T.FLOAT16, [])],
        [vi("s_out", T.STRING, []), vi("f_out", T.FLOAT16, [])]))
    # A sequence input, and the adapted copy that takes empty ones (with an element in front).
    seq = h.make_sequence_type_proto(h.make_tensor_type_proto(T.FLOAT, None))
    out["seqs.onnx"] = _model(
        [h.make_node("SequenceLength", ["xs"], ["n"]), h.make_node("Identity", ["xs"], ["ys"])],
        [h.make_value_info("xs", seq)], [vi("n", T.INT64, []), h.make_value_info("ys", seq)])
    out["seqs_adapted.onnx"] = _adapted(out["seqs.onnx"])
    # A sequence output whose elements turn out to be scalars: onnxruntime_go v1.27.0 panics
    # reading one back past the first element.
    out["seq_of_scalars.onnx"] = _model(
        [h.make_node("SequenceConstruct", ["a", "b"], ["ys"])],
        [vi("a", T.FLOAT, [1]), vi("b", T.FLOAT, [])], [h.make_value_info("ys", seq)])
    # Optional tensor and sequence inputs and outputs: adapted into values and bools.
    opt_t = h.make_optional_type_proto(h.make_tensor_type_proto(T.FLOAT, None))
    opt_s = h.make_optional_type_proto(seq)
    out["optionals.onnx"] = _adapted(_model(
        [h.make_node("Identity", ["x"], ["y"]), h.make_node("OptionalHasElement", ["x"], ["x_has"]),
         h.make_node("Identity", ["s"], ["t"])],
        [h.make_value_info("x", opt_t), h.make_value_info("s", opt_s)],
        [h.make_value_info("y", opt_t), vi("x_has", T.BOOL, []), h.make_value_info("t", opt_s)]))
    # Number outputs the SDK allocates from their declared shapes before the run (RunInto binds
    # them to the caller's memory): y = 2x as declared; t declared [n,3] where Transpose gives
    # [3,n]; c declared [4] where the constant (an initializer once optimised) is [2,2].
    out["declared.onnx"] = _model(
        [h.make_node("Constant", [], ["two"], value=h.make_tensor("two", T.FLOAT, [], [2.0])),
         h.make_node("Mul", ["x", "two"], ["y"]),
         h.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
         h.make_node("Constant", [], ["c"], value=h.make_tensor("c", T.FLOAT, [2, 2], [1, 2, 3, 4]))],
        [vi("x", T.FLOAT, ["n", 3])],
        [vi("y", T.FLOAT, ["n", 3]), vi("t", T.FLOAT, ["n", 3]), vi("c", T.FLOAT, [4])])
    return out


if __name__ == "__main__":
    for name, data in models().items():
        (HERE / name).write_bytes(data)
