"""Fixtures in the ONNX backend-test layout: value round trips, `sdkgen fixtures`, reading the wheel's data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from generator import fixtures, ir, reader
from generator.errors import UserError

from .paths import MODELS, ONNX_BACKEND_DATA, ORT_DATASETS

F32 = ir.TensorType(ir.DType.FLOAT, (ir.Dim(2),))


def T(d: ir.DType) -> ir.TensorType:
    return ir.TensorType(d, None)


@pytest.mark.parametrize(
    ("value", "t"),
    [
        (np.array([1.5, np.nan], dtype=np.float32), F32),
        (np.array([[1, -2]], dtype=np.int64), T(ir.DType.INT64)),
        (np.array(["a", "日本\n", ""], dtype=object), T(ir.DType.STRING)),
        (np.array([True, False]), T(ir.DType.BOOL)),
        (np.array(3.0, dtype=np.float16), T(ir.DType.FLOAT16)),
        ([np.array([1.0], dtype=np.float32), np.array([2.0, 3.0], dtype=np.float32)], ir.SequenceType(F32)),
        ({1: 0.5, 7: 0.25}, ir.MapType(ir.DType.INT64, ir.TensorType(ir.DType.FLOAT, None))),
        ({"x": 2}, ir.MapType(ir.DType.STRING, ir.TensorType(ir.DType.INT64, None))),
        ([{0: 0.5}], ir.SequenceType(ir.MapType(ir.DType.INT64, ir.TensorType(ir.DType.FLOAT, None)))),
        (None, ir.OptionalType(F32)),
        (np.array([4.0, 5.0], dtype=np.float32), ir.OptionalType(F32)),
    ],
)
def test_value_round_trip(tmp_path: Path, value: object, t: ir.ValueType) -> None:
    fixtures.save_value(tmp_path / "v.pb", value, t, "v")
    back = fixtures.load_value(tmp_path / "v.pb", t)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value, equal_nan=value.dtype.kind == "f")
    elif isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        assert all(np.array_equal(a, b) for a, b in zip(back, value))
    else:
        assert back == value


def test_messages_are_the_onnx_kinds(tmp_path: Path) -> None:
    seq = ir.SequenceType(F32)
    fixtures.save_value(tmp_path / "s.pb", [np.zeros(2, np.float32)], seq)
    msg = onnx.SequenceProto()
    msg.ParseFromString((tmp_path / "s.pb").read_bytes())
    assert msg.elem_type == onnx.SequenceProto.TENSOR and len(msg.tensor_values) == 1
    m = ir.MapType(ir.DType.INT64, ir.TensorType(ir.DType.FLOAT, None))
    fixtures.save_value(tmp_path / "m.pb", {2: 1.0, 1: 3.0}, m)
    mp = onnx.MapProto()
    mp.ParseFromString((tmp_path / "m.pb").read_bytes())
    assert list(mp.keys) == [1, 2] and mp.key_type == TensorProto.INT64


def test_reads_the_onnx_wheel_backend_data() -> None:
    case = ONNX_BACKEND_DATA / "pytorch-converted" / "test_Conv1d"
    m = reader.read(case / "model.onnx")
    sets = fixtures.data_sets(case, m)
    assert [s.name for s in sets] == ["test_data_set_0"]
    x = fixtures.load_value(sets[0].inputs[0], m.inputs[0].type)
    tp = onnx.TensorProto()
    tp.ParseFromString(sets[0].inputs[0].read_bytes())
    assert np.array_equal(x, numpy_helper.to_array(tp)) and x.dtype == np.float32


def test_missing_files_are_a_user_error(tmp_path: Path) -> None:
    m = reader.read(ORT_DATASETS / "mul_1.onnx")
    with pytest.raises(UserError, match="no test_data_set_N"):
        fixtures.data_sets(tmp_path, m)
    (tmp_path / "test_data_set_0").mkdir()
    with pytest.raises(UserError, match="missing input_0.pb"):
        fixtures.data_sets(tmp_path, m)


def _model_with_dims() -> bytes:
    vi = helper.make_tensor_value_info
    g = helper.make_graph(
        [helper.make_node("Add", ["x", "x"], ["y"]), helper.make_node("Cast", ["k"], ["c"], to=TensorProto.FLOAT)],
        "g",
        [vi("x", TensorProto.FLOAT, ["batch", 3]), vi("k", TensorProto.INT32, ["n"])],
        [vi("y", TensorProto.FLOAT, ["batch", 3]), vi("c", TensorProto.FLOAT, ["n"])],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m.SerializeToString()


def test_make_respects_dims_dtypes_and_is_deterministic(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(_model_with_dims())
    m = reader.read(path)
    fixtures.make(path, m, tmp_path / "a", cases=2, seed=5, dims={"batch": 4})
    fixtures.make(path, m, tmp_path / "b", cases=2, seed=5, dims={"batch": 4})
    sets = fixtures.data_sets(tmp_path / "a", m)
    assert len(sets) == 2
    x = fixtures.load_value(sets[0].inputs[0], m.inputs[0].type)
    k = fixtures.load_value(sets[0].inputs[1], m.inputs[1].type)
    assert x.shape == (4, 3) and x.dtype == np.float32
    assert k.shape == (2,) and k.dtype == np.int32  # unset symbolic dim: 2
    y = fixtures.load_value(sets[0].outputs[0], m.outputs[0].type)
    assert np.array_equal(y, x + x)  # expected outputs from ONNX Runtime
    for s in ("test_data_set_0/input_0.pb", "test_data_set_1/output_1.pb"):
        assert (tmp_path / "a" / s).read_bytes() == (tmp_path / "b" / s).read_bytes()
    fixtures.make(path, m, tmp_path / "a", cases=1, seed=6)
    assert len(fixtures.data_sets(tmp_path / "a", m)) == 1  # old sets are replaced


def test_npz_inputs(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(_model_with_dims())
    m = reader.read(path)
    xs = np.arange(12, dtype=np.float32).reshape(2, 2, 3)  # two cases of [2,3]
    np.savez(tmp_path / "in.npz", x=xs, k=np.array([1, 2, 3], dtype=np.int32))
    fixtures.make(path, m, tmp_path / "f", npz=tmp_path / "in.npz")
    sets = fixtures.data_sets(tmp_path / "f", m)
    assert len(sets) == 2
    assert np.array_equal(fixtures.load_value(sets[1].inputs[0], m.inputs[0].type), xs[1])
    np.savez(tmp_path / "bad.npz", x=xs)
    with pytest.raises(UserError, match="no array for input"):
        fixtures.make(path, m, tmp_path / "g", npz=tmp_path / "bad.npz")


def test_cli_fixtures(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "generator", "fixtures", str(MODELS / "tiny_transformer.onnx"), "-o",
         str(tmp_path / "fx"), "--cases", "2", "--dim", "batch=3"],
        capture_output=True, text=True, check=False,
    )
    assert r.returncode == 0, r.stderr
    m = reader.read(MODELS / "tiny_transformer.onnx")
    assert len(fixtures.data_sets(tmp_path / "fx", m)) == 2
    bad = subprocess.run([sys.executable, "-m", "generator", "fixtures", str(MODELS / "hostile.onnx"), "-o",
                          str(tmp_path / "x"), "--dim", "oops"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "expected NAME=SIZE" in bad.stderr
