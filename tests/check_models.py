"""Small models for `sdkgen check` that cover value kinds the backend data lacks: sequence and map
inputs, optional and sequence-of-int32 outputs, unsigned and float16 tensors, strings and scalars.
Some of them a language's SDK refuses by design; integration/failures/<lang>.tsv lists those."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import onnx
from onnx import TensorProto, helper

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
