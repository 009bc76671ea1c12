"""Small models for `sdkgen check` that cover value kinds the backend data lacks: sequence and map
inputs, optional and sequence-of-int32 outputs, unsigned and float16 tensors, strings and scalars;
and models with hand-picked inputs (backend layout: model.onnx + test_data_set_N, expected outputs
from raw Python ORT) for what bindings get wrong: float16/bfloat16 outputs of fixed and symbolic
shape, rank-0 outputs, odd strings, no inputs at all, rank-0 string/float16 inputs, empty float16
tensors, optional values present and absent, empty sequences. What a language cannot carry is
refused by the targets registry with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

from generator import fixtures, reader

vi = helper.make_tensor_value_info


def _save(path: Path, nodes: list[Any], ins: list[Any], outs: list[Any], opset: int = 18) -> Path:
    g = helper.make_graph(nodes, path.stem, ins, outs)
    imports = [helper.make_opsetid("", opset), helper.make_opsetid("ai.onnx.ml", 3)]
    m = helper.make_model(g, opset_imports=imports)
    m.ir_version = 8
    onnx.checker.check_model(m)
    path.write_bytes(m.SerializeToString())
    return path


def write_all(d: Path) -> list[Path]:
    d.mkdir(parents=True, exist_ok=True)
    seq_f = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, ["n"]))
    seq_i = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.INT32, [1, 3]))
    map_sf = helper.make_map_type_proto(TensorProto.STRING, helper.make_tensor_type_proto(TensorProto.FLOAT, []))
    opt_f = helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, ["n"]))
    return [
        _save(d / "types_seq_input.onnx",
              [helper.make_node("ConcatFromSequence", ["xs"], ["y"], axis=0)],
              [helper.make_value_info("xs", seq_f)], [vi("y", TensorProto.FLOAT, ["m"])]),
        _save(d / "types_map_input.onnx",
              [helper.make_node("DictVectorizer", ["m"], ["y"], domain="ai.onnx.ml",
                                string_vocabulary=["a", "b", "c"])],
              [helper.make_value_info("m", map_sf)], [vi("y", TensorProto.FLOAT, [1, 3])]),
        _save(d / "types_optional_output.onnx",
              [helper.make_node("Optional", ["x"], ["y"])],
              [vi("x", TensorProto.FLOAT, ["n"])], [helper.make_value_info("y", opt_f)]),
        _save(d / "types_seq_int32_output.onnx",
              [helper.make_node("SplitToSequence", ["x"], ["ys"], axis=0, keepdims=1)],
              [vi("x", TensorProto.INT32, [2, 3])], [helper.make_value_info("ys", seq_i)]),
        _save(d / "types_uint16_input.onnx",
              [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.UINT64)],
              [vi("x", TensorProto.UINT16, ["n"])], [vi("y", TensorProto.UINT64, ["n"])]),
        _save(d / "types_float16_scalar_strings.onnx",
              [helper.make_node("Cast", ["x"], ["h"], to=TensorProto.FLOAT16),
               helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
               helper.make_node("Identity", ["t"], ["t2"])],
              [vi("x", TensorProto.FLOAT, [3, 5]), vi("t", TensorProto.STRING, ["k"])],
              [vi("h", TensorProto.FLOAT16, [3, 5]), vi("s", TensorProto.FLOAT, []),
               vi("t2", TensorProto.STRING, ["k"])]),
    ]


def _model(nodes: list[Any], ins: list[Any], outs: list[Any], opset: int = 17) -> onnx.ModelProto:
    m = helper.make_model(helper.make_graph(nodes, "g", ins, outs), opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def _reference(m: onnx.ModelProto, feed: dict[str, Any]) -> list[Any]:
    """Raw Python ORT, one thread. numpy has no bfloat16, so ORT cannot return one: an exact Cast to
    float follows each bfloat16 output, and ml_dtypes turns the values back into bfloat16."""
    m = onnx.ModelProto.FromString(m.SerializeToString())
    bf16 = [i for i, o in enumerate(m.graph.output) if o.type.tensor_type.elem_type == TensorProto.BFLOAT16]
    for i in bf16:
        o = m.graph.output[i]
        m.graph.node.append(helper.make_node("Cast", [o.name], [o.name + "__f32"], to=TensorProto.FLOAT))
        o.name += "__f32"
        o.type.tensor_type.elem_type = TensorProto.FLOAT
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    outs = list(ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"]).run(None, feed))
    for i in bf16:
        outs[i] = np.asarray(outs[i], np.float32).astype(ml_dtypes.bfloat16)
    return outs


def _case(d: Path, name: str, m: onnx.ModelProto, sets: list[list[Any]]) -> Path:
    """d/name/model.onnx with one test_data_set per input set; expected outputs from raw ORT."""
    case = d / name
    case.mkdir(parents=True, exist_ok=True)
    (case / "model.onnx").write_bytes(m.SerializeToString())
    sig = reader.read(case / "model.onnx")
    for k, inputs in enumerate(sets):
        outs = _reference(m, {v.name: x for v, x in zip(sig.inputs, inputs)})
        fixtures.write_set(case / f"test_data_set_{k}", sig, inputs, outs)
    return case / "model.onnx"


def write_cases(d: Path) -> list[Path]:
    """The hand-picked-input models (moved here from the Go end-to-end suite: each catches a
    conversion bug a binding had)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 5)).astype(np.float32) * 100
    out = [
        # float16/bfloat16 outputs, fixed and symbolic shapes: onnxruntime_go v1.27.0 copies one
        # byte per element of ORT-allocated float16/bfloat16 outputs.
        _case(d, "cast_f16_bf16", _model(
            [helper.make_node("Cast", ["x"], ["h"], to=TensorProto.FLOAT16),
             helper.make_node("Cast", ["x"], ["b"], to=TensorProto.BFLOAT16),
             helper.make_node("Cast", ["h"], ["back"], to=TensorProto.FLOAT)],
            [vi("x", TensorProto.FLOAT, ["n", 5])],
            [vi("h", TensorProto.FLOAT16, ["n", 5]), vi("b", TensorProto.BFLOAT16, ["n", 5]),
             vi("back", TensorProto.FLOAT, ["n", 5])]), [[x], [x[:1]]]),
        _case(d, "f16_in_fixed_out", _model(
            [helper.make_node("Flatten", ["h"], ["y"], axis=0)],
            [vi("h", TensorProto.FLOAT16, [3, 5])], [vi("y", TensorProto.FLOAT16, [1, 15])]),
            [[x.astype(np.float16)]]),
        # rank-0 outputs (onnxruntime_go rejects ORT-allocated scalars), strings in and out.
        _case(d, "scalar_and_strings", _model(
            [helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0), helper.make_node("Identity", ["t"], ["t2"])],
            [vi("x", TensorProto.FLOAT, [3, 5]), vi("t", TensorProto.STRING, ["k"])],
            [vi("s", TensorProto.FLOAT, []), vi("t2", TensorProto.STRING, ["k"])]),
            [[x, np.array(["a", "", "日本\n\"x\"", "z" * 300], dtype=object)]]),
        # no inputs at all (the node case test_constant: onnxruntime_go panicked), rank-0 string and
        # float16 inputs and a rank-0 float16 output, empty float16 inputs and outputs.
        _case(d, "no_inputs", _model(
            [helper.make_node("Constant", [], ["y"], value=helper.make_tensor("c", TensorProto.FLOAT, [3], [1, -2, 3]))],
            [], [vi("y", TensorProto.FLOAT, [3])]), [[]]),
        _case(d, "scalar_string_f16", _model(
            [helper.make_node("Identity", ["s"], ["s2"]), helper.make_node("Neg", ["h"], ["h2"])],
            [vi("s", TensorProto.STRING, []), vi("h", TensorProto.FLOAT16, [])],
            [vi("s2", TensorProto.STRING, []), vi("h2", TensorProto.FLOAT16, [])]),
            [[np.array("scalar ü", dtype=object), np.array(1.5, dtype=np.float16)]]),
        _case(d, "empty_f16", _model(
            [helper.make_node("Identity", ["h"], ["h2"]), helper.make_node("CastLike", ["x", "like"], ["c"])],
            [vi("h", TensorProto.FLOAT16, ["n", 3]), vi("x", TensorProto.FLOAT, [2]),
             vi("like", TensorProto.FLOAT16, [0])],
            [vi("h2", TensorProto.FLOAT16, ["n", 3]), vi("c", TensorProto.FLOAT16, [2])]),
            [[np.zeros((0, 3), np.float16), np.array([0.5, 70000], np.float32), np.zeros(0, np.float16)]]),
    ]
    # Optional tensor and sequence inputs and outputs, present, absent and an empty sequence; an
    # empty sequence input.
    opt_t = helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, ["n"]))
    seq_t = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.INT64, None))
    opt_s = helper.make_optional_type_proto(seq_t)
    mv = helper.make_value_info
    ys = [np.array([1, 2], np.int64), np.array([[3]], np.int64)]
    out.append(_case(d, "optionals_and_empty_seq", _model(
        [helper.make_node("Identity", ["x"], ["y"]), helper.make_node("OptionalHasElement", ["x"], ["x_has"]),
         helper.make_node("Identity", ["s"], ["t"]), helper.make_node("SequenceLength", ["q"], ["q_len"])],
        [mv("x", opt_t), mv("s", opt_s), mv("q", seq_t)],
        [mv("y", opt_t), vi("x_has", TensorProto.BOOL, []), mv("t", opt_s), vi("q_len", TensorProto.INT64, [])],
        opset=18), [[x[0], ys, ys], [None, None, []], [x[1], [], ys[:1]]]))
    return out


def mixed_io(path: Path) -> Path:
    """A model with string, float16 and bool inputs (n: a symbolic dim), echoed and doubled."""
    T = TensorProto
    nodes = [helper.make_node("Identity", ["text"], ["text_out"]),
             helper.make_node("Identity", ["half"], ["half_out"]),
             helper.make_node("Not", ["flag"], ["flag_out"]),
             helper.make_node("Cast", ["half"], ["half_f"], to=T.FLOAT),
             helper.make_node("Mul", ["half_f", "two"], ["doubled"])]
    g = helper.make_graph(
        nodes, "mixed_io",
        [vi("text", T.STRING, ["n"]), vi("half", T.FLOAT16, ["n", 2]), vi("flag", T.BOOL, ["n"])],
        [vi("text_out", T.STRING, ["n"]), vi("half_out", T.FLOAT16, ["n", 2]), vi("flag_out", T.BOOL, ["n"]),
         vi("doubled", T.FLOAT, ["n", 2])],
        initializer=[onnx.numpy_helper.from_array(np.array(2.0, np.float32), "two")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="sdkgen-tests")
    m.ir_version = 8
    onnx.save(m, str(path))
    return path
