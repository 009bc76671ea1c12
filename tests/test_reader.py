"""Reader: every dtype and shape kind into the IR; malformed files into one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnx.numpy_helper
import pytest
from onnx import TensorProto, helper

from generator import ir, reader
from generator.errors import UserError

from .paths import ORT_DATASETS, backend_cases


def _model_bytes(inputs: list[onnx.ValueInfoProto], outputs: list[onnx.ValueInfoProto], **kw: object) -> bytes:
    nodes = kw.pop("nodes", None) or []
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=kw.pop("initializer", None))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], **kw)  # type: ignore[arg-type]
    return bytes(m.SerializeToString())


def test_dtype_enum_covers_every_onnx_type() -> None:
    onnx_types = {name: num for name, num in TensorProto.DataType.items() if name != "UNDEFINED"}
    assert {d.name: d.value for d in ir.DType} == onnx_types


@pytest.mark.parametrize("dtype", [d for d in ir.DType])
def test_every_dtype_reads(dtype: ir.DType) -> None:
    vi = helper.make_tensor_value_info("x", dtype.value, [2])
    m = reader.read_bytes(_model_bytes([vi], [helper.make_tensor_value_info("y", dtype.value, [2])]))
    assert m.inputs[0].type == ir.TensorType(dtype, (ir.Dim(value=2),))


def test_shape_kinds() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, "batch", None])
    scalar = helper.make_tensor_value_info("s", TensorProto.INT64, [])
    unranked = helper.make_tensor_value_info("u", TensorProto.FLOAT, None)
    m = reader.read_bytes(_model_bytes([x, scalar, unranked], [x]))
    assert m.inputs[0].type == ir.TensorType(
        ir.DType.FLOAT, (ir.Dim(value=3), ir.Dim(symbol="batch"), ir.Dim())
    )
    assert m.inputs[1].type == ir.TensorType(ir.DType.INT64, ())
    assert m.inputs[2].type == ir.TensorType(ir.DType.FLOAT, None)
    assert ir.symbols(m) == ("batch",)
    assert ir.type_str(m.inputs[0].type) == "float[3,batch,?]"


def test_sequence_map_optional_nesting() -> None:
    seq = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, ["n"])
    mp = helper.make_value_info(
        "m",
        helper.make_map_type_proto(TensorProto.STRING, helper.make_tensor_type_proto(TensorProto.DOUBLE, None)),
    )
    opt = helper.make_value_info(
        "o", helper.make_optional_type_proto(helper.make_sequence_type_proto(
            helper.make_tensor_type_proto(TensorProto.INT32, [2])))
    )
    m = reader.read_bytes(_model_bytes([seq, mp, opt], [seq]))
    assert ir.type_str(m.inputs[0].type) == "seq(float[n])"
    assert ir.type_str(m.inputs[1].type) == "map(string,double[*])"
    assert ir.type_str(m.inputs[2].type) == "optional(seq(int32[2]))"


def test_initializer_inputs_are_overridable_not_required() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    w = helper.make_tensor_value_info("w", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    init = [helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])]
    data = _model_bytes([x, w], [y], nodes=[helper.make_node("Add", ["x", "w"], ["y"])], initializer=init)
    m = reader.read_bytes(data)
    assert [v.name for v in m.inputs] == ["x"]
    assert [v.name for v in m.overridable] == ["w"]


def test_metadata_sorted_and_model_fields() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    proto = onnx.load_model_from_string(_model_bytes([x], [x], producer_name="p", doc_string="d"))
    helper.set_model_props(proto, {"z": "1", "a": "2"})
    m = reader.read_bytes(proto.SerializeToString())
    assert m.metadata == (("a", "2"), ("z", "1"))
    assert (m.producer_name, m.doc) == ("p", "d")
    assert len(m.sha256) == 64


def test_logreg_signature() -> None:
    m = reader.read(ORT_DATASETS / "logreg_iris.onnx")
    assert [ir.type_str(v.type) for v in m.outputs] == ["int64[3]", "seq(map(int64,float[*]))"]


def test_every_backend_model_reads() -> None:
    cases = backend_cases()
    assert len(cases) >= 140
    for case in cases:
        m = reader.read(case / "model.onnx")
        assert m.outputs, case


def test_weights_are_never_loaded(tmp_path: Path) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    w = onnx.numpy_helper.from_array(np.array([1.0, 2.0], dtype=np.float32), "w")
    graph = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g", [x], [y], initializer=[w])
    model = helper.make_model(graph)
    onnx.save(model, tmp_path / "m.onnx", save_as_external_data=True, location="weights.bin",
              size_threshold=0, all_tensors_to_one_file=True)
    (tmp_path / "weights.bin").unlink()  # reading the signature must not need it
    assert reader.read(tmp_path / "m.onnx").inputs[0].name == "x"


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"", "file is empty"),
        (b"hello, world\n", "not a valid ONNX model"),
        (b"\x08\x07", "not an ONNX model"),  # valid protobuf, but no graph
    ],
)
def test_bad_files(tmp_path: Path, content: bytes | None, message: str) -> None:
    p = tmp_path / "m.onnx"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(UserError, match=message):
        reader.read(p)


def test_truncated_file(tmp_path: Path) -> None:
    data = (ORT_DATASETS / "logreg_iris.onnx").read_bytes()
    p = tmp_path / "t.onnx"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="truncated or not ONNX"):
        reader.read(p)


def test_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a directory"):
        reader.read(tmp_path)


def test_untyped_and_sparse_are_errors() -> None:
    untyped = onnx.ValueInfoProto(name="x")
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    with pytest.raises(UserError, match="input 'x' has no type"):
        reader.read_bytes(_model_bytes([untyped], [y]))
    sparse = helper.make_sparse_tensor_value_info("s", TensorProto.FLOAT, [2, 2])
    with pytest.raises(UserError, match="sparse tensors are not supported"):
        reader.read_bytes(_model_bytes([sparse], [y]))


def test_duplicate_names_are_errors() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    with pytest.raises(UserError, match="both named 'x'"):
        reader.read_bytes(_model_bytes([x, x], [x]))


def test_text_that_is_not_utf8_is_a_one_line_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from onnx import TensorProto, helper

    from generator import reader
    from generator.errors import UserError

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    data = helper.make_model(g, ir_version=10).SerializeToString().replace(b"\x0a\x01x", b"\x0a\x01\xff")
    try:
        reader.read_bytes(data, "m.onnx")
    except UserError as e:
        assert "not valid UTF-8" in str(e)
    else:
        raise AssertionError("expected a UserError")


def test_nul_in_a_name_is_refused_where_the_c_api_cannot_name_it() -> None:
    from onnx import TensorProto, helper

    from generator import reader, targets

    x = helper.make_tensor_value_info("a\x00b", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    g = helper.make_graph([helper.make_node("Identity", ["a\x00b"], ["y"])], "g", [x], [y])
    m = reader.read_bytes(helper.make_model(g, ir_version=10).SerializeToString())
    assert targets.refusals("python", m) == []
    for lang in ("java", "go"):
        (r,) = targets.refusals(lang, m)
        assert "NUL" in r.reason
