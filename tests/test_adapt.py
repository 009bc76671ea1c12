"""generator.adapt: the adapted embedded model computes exactly what the user's model computes
from the values the binding can build (signed bits, a sequence's tensors as data/counts/ranks/dims),
checked with real ONNX Runtime on edge values."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from generator import adapt, emit, reader, targets
from generator.errors import UnsupportedModel

ort.set_default_logger_severity(3)
_NP = {TensorProto.UINT16: np.uint16, TensorProto.UINT32: np.uint32, TensorProto.UINT64: np.uint64}


def _session(data: bytes, level: Any = ort.GraphOptimizationLevel.ORT_ENABLE_ALL) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.graph_optimization_level = level
    return ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("elem", [TensorProto.UINT16, TensorProto.UINT32, TensorProto.UINT64])
@pytest.mark.parametrize("level", [ort.GraphOptimizationLevel.ORT_DISABLE_ALL, ort.GraphOptimizationLevel.ORT_ENABLE_ALL])
def test_signed_bits_reach_the_model_as_the_same_unsigned_values(elem: int, level: Any) -> None:
    # y = x itself, and z = Cast(x, double): a cast chain the optimizer must not fuse into int->double.
    g = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"]), helper.make_node("Cast", ["x"], ["z"], to=TensorProto.DOUBLE)],
        "g", [helper.make_tensor_value_info("x", elem, ["n"])],
        [helper.make_tensor_value_info("y", elem, ["n"]), helper.make_tensor_value_info("z", TensorProto.DOUBLE, ["n"])])
    data = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8).SerializeToString()
    a = adapt.adapt(data, {"x": adapt.SIGNED_BITS})
    (feed,) = a.inputs["x"].feeds
    u = np.dtype(_NP[elem])
    want = np.array([0, 1, np.iinfo(u).max, np.iinfo(u).max - 1, np.iinfo(u).max // 2, np.iinfo(u).max // 2 + 1,
                     12345], dtype=u)
    bits = want.view(np.dtype(f"i{u.itemsize}"))  # what the Java SDK hands ORT: -1 for 65535...
    assert bits[2] == -1
    y, z = _session(a.data, level).run(None, {feed: bits})
    assert y.dtype == u and np.array_equal(y, want)
    assert np.array_equal(z, want.astype(np.float64))


def _seq_model(elem: int, opset: int, shape: list[Any] | None) -> bytes:
    st = helper.make_sequence_type_proto(helper.make_tensor_type_proto(elem, shape))
    if opset >= 14:
        nodes, init = [helper.make_node("Identity", ["s"], ["o"])], []
    else:  # Identity takes sequences from 14: insert and erase one tensor instead
        x = helper.make_tensor("x", elem, [1], [b"" if elem == TensorProto.STRING else 0])
        nodes = [helper.make_node("SequenceInsert", ["s", "x"], ["t"]), helper.make_node("SequenceErase", ["t"], ["o"])]
        init = [x]
    g = helper.make_graph(nodes, "g", [helper.make_value_info("s", st)], [helper.make_value_info("o", st)],
                          initializer=init)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=8 if opset >= 13 else 6).SerializeToString()


def _tensors(dt: Any, rng: np.random.Generator) -> list[np.ndarray]:
    def mk(shape: list[int]) -> np.ndarray:
        n = int(np.prod(shape))
        if dt is object:
            return np.array([f"s{i}\u00fc" for i in range(n)], dtype=object).reshape(shape)
        if dt is np.bool_:
            return rng.integers(0, 2, shape).astype(bool)
        if np.dtype(dt).kind in "iu":
            return rng.integers(0, 255, shape).astype(dt) - np.array(1, dtype=dt)  # 0 - 1 wraps for unsigned
        return rng.standard_normal(shape).astype(dt)

    return [mk([2, 3]), mk([]), mk([0]), mk([3, 0, 2]), mk([1]), mk([4, 1, 1, 2])]


_SEQ_TYPES = [(TensorProto.FLOAT, np.float32), (TensorProto.FLOAT16, np.float16), (TensorProto.BOOL, np.bool_),
              (TensorProto.STRING, object), (TensorProto.UINT16, np.uint16), (TensorProto.UINT64, np.uint64),
              (TensorProto.INT8, np.int8), (TensorProto.DOUBLE, np.float64), (TensorProto.INT64, np.int64)]


@pytest.mark.parametrize(("elem", "dt"), _SEQ_TYPES, ids=[TensorProto.DataType.Name(e) for e, _ in _SEQ_TYPES])
@pytest.mark.parametrize("opset", [11, 13, 17])
def test_sequences_are_rebuilt_exactly(elem: int, dt: Any, opset: int) -> None:
    a = adapt.adapt(_seq_model(elem, opset, None), {"s": adapt.SEQUENCE})
    onnx.checker.check_model(onnx.load_model_from_string(a.data), full_check=True)
    sess = _session(a.data)
    wire = {np.uint16: np.int16, np.uint64: np.int64}.get(dt, dt)
    for tensors in (_tensors(dt, np.random.default_rng(opset)), []):
        flat = [t.reshape(-1) for t in tensors]
        data = np.concatenate(flat) if flat else np.zeros(0, dtype=dt)
        feeds = dict(zip(a.inputs["s"].feeds, [
            data if dt is object else data.view(wire),
            np.array([t.size for t in tensors], dtype=np.int64), np.array([t.ndim for t in tensors], dtype=np.int64),
            np.array([d for t in tensors for d in t.shape], dtype=np.int64)]))
        (out,) = sess.run(None, feeds)
        assert len(out) == len(tensors)
        for got, want in zip(out, tensors):
            assert got.shape == want.shape and got.dtype == want.dtype
            assert got.tolist() == want.tolist() if dt is object else got.tobytes() == want.tobytes()
    if opset < 13:
        assert "ai.onnx opset 11 -> 13 (same schemas)" in a.changes


def test_a_sequence_below_opset_13_whose_operators_changed_is_refused() -> None:
    st = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    g = helper.make_graph(
        [helper.make_node("ConcatFromSequence", ["s"], ["c"], axis=0), helper.make_node("Softmax", ["c"], ["y"])],
        "g", [helper.make_value_info("s", st)], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    data = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)], ir_version=6).SerializeToString()
    with pytest.raises(UnsupportedModel, match="Loop, which carries sequences from ai.onnx opset 13.*Softmax"):
        emit.generate("java", [emit.ModelSource(reader.read_bytes(data), data, "m")], emit.Options())


def test_names_never_clash_and_the_registry_drives_what_is_adapted() -> None:
    vi = helper.make_tensor_value_info
    g = helper.make_graph([helper.make_node("Add", ["a", "sdkgen_x"], ["sdkgen_0_bits"])], "g",
                          [vi("a", TensorProto.UINT32, [2]), vi("sdkgen_x", TensorProto.UINT32, [2])],
                          [vi("sdkgen_0_bits", TensorProto.UINT32, [2])])
    data = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()
    m = reader.read_bytes(data)
    kinds = targets.adaptations("java", m)
    assert kinds == {"a": targets.ADAPT_SIGNED_BITS, "sdkgen_x": targets.ADAPT_SIGNED_BITS}
    assert targets.adaptations("python", m) == {} and targets.adaptations("go", m) == {}
    a = adapt.adapt(data, kinds)
    assert adapt.adapt(data, kinds) == a  # byte-identical across runs (sdkgen diff regenerates it)
    assert [a.inputs[n].feeds for n in ("a", "sdkgen_x")] == [("sdkgen1_0_bits",), ("sdkgen1_1_bits",)]
    (y,) = _session(a.data).run(None, {"sdkgen1_0_bits": np.array([-1, 2], np.int32),
                                       "sdkgen1_1_bits": np.array([1, 2], np.int32)})
    assert y.tolist() == [0, 4]  # 4294967295 + 1 wraps in uint32, as in the user's model
