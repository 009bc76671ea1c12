"""The Go SDK's adapted embedded models (generator/adapt_go.py): what onnxruntime_go cannot carry
as it is (a model without inputs, rank-0 string/float16/... values) is rewritten so it can, the
adapted copy computes what the model does, the SDK's spec names the adapted graph's values, and a
--model-path SDK, which loads the file as it is, refuses such a model."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto as T
from onnx import helper as h

from generator import adapt_go, emit, reader, targets
from generator.errors import UnsupportedModel

from .paths import REPO


def _bytes(nodes: list[Any], ins: list[Any], outs: list[Any], opset: int = 17) -> bytes:
    m = h.make_model(h.make_graph(nodes, "g", ins, outs), opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 8
    return m.SerializeToString()


def constant() -> bytes:
    """The ONNX node case test_constant: no inputs."""
    return _bytes([h.make_node("Constant", [], ["y"], value=h.make_tensor("c", T.FLOAT, [2], [1.5, -2]))],
                  [], [h.make_tensor_value_info("y", T.FLOAT, [2])])


def scalars(opset: int = 17) -> bytes:
    vi = h.make_tensor_value_info
    # The input f is an output too: its adapted input and output get different names.
    neg = "Neg" if opset >= 7 else "Identity"  # ORT runs no float16 Neg at opset 4
    return _bytes([h.make_node("Identity", ["s"], ["s_out"]), h.make_node(neg, ["f"], ["f_out"])],
                  [vi("s", T.STRING, []), vi("f", T.FLOAT16, [])],
                  [vi("s_out", T.STRING, []), vi("f_out", T.FLOAT16, []), vi("f", T.FLOAT16, [])], opset)


def _run(data: bytes, feed: dict[str, Any]) -> list[Any]:
    return list(ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, feed))


def test_plan() -> None:
    assert adapt_go.plan(reader.read_bytes(constant())) == adapt_go.Plan(pad=True)
    p = adapt_go.plan(reader.read_bytes(scalars()))
    # Scalar string inputs are made with rank 1; scalar string outputs come back fine.
    assert p == adapt_go.Plan(inputs=(("s", "scalar"), ("f", "scalar")), outputs=(("f_out", "scalar"), ("f", "scalar")))
    assert not adapt_go.plan(reader.read(REPO / "tests" / "models" / "tiny_transformer.onnx"))
    assert adapt_go.apply(reader.read(REPO / "tests" / "models" / "tiny_transformer.onnx"), b"") is None


def test_adapted_constant_computes_the_same() -> None:
    data = constant()
    a = adapt_go.apply(reader.read_bytes(data), data)
    assert a is not None and a.pad == "sdkgen_pad" and not a.feeds
    assert [i.name for i in onnx.load_model_from_string(a.data).graph.input] == ["sdkgen_pad"]
    np.testing.assert_array_equal(_run(a.data, {"sdkgen_pad": np.array(False)})[0], _run(data, {})[0])


def test_scalars_before_opset_5_are_refused() -> None:
    m = reader.read_bytes(scalars(4))
    assert not adapt_go.plan(m)
    found = targets.refusals("go", m)
    assert [r.where for r in found] == ["input 's'", "input 'f'", "output 'f_out'", "output 'f'"]
    assert "cannot reshape it before ai.onnx opset 5 (the model imports 4)" in found[0].reason


@pytest.mark.parametrize("opset", [5, 17])
def test_adapted_scalars_compute_the_same(opset: int) -> None:
    data = scalars(opset)
    a = adapt_go.apply(reader.read_bytes(data), data)
    assert a is not None and a.pad == ""
    assert a.feeds == {("input", "s"): "s__sdkgen", ("input", "f"): "f__sdkgen",
                       ("output", "f_out"): "f_out__sdkgen", ("output", "f"): "f__sdkgen2"}
    s, f = np.array("a\x00b日", dtype=object), np.array(1.5, dtype=np.float16)
    want = _run(data, {"s": s, "f": f})
    got = _run(a.data, {"s__sdkgen": s.reshape(1), "f__sdkgen": f.reshape(1)})
    assert [g.shape for g in got] == [(), (1,), (1,)]
    assert got[0] == want[0] and got[1][0] == want[1] and got[2][0] == want[2]


def test_fresh_names_do_not_collide() -> None:
    vi = h.make_tensor_value_info
    data = _bytes([h.make_node("Identity", ["s"], ["s__sdkgen"]), h.make_node("Identity", ["s__sdkgen"], ["y"])],
                  [vi("s", T.STRING, [])], [vi("y", T.STRING, [])])
    a = adapt_go.apply(reader.read_bytes(data), data)
    assert a is not None and a.feeds == {("input", "s"): "s__sdkgen2"}
    assert _run(a.data, {"s__sdkgen2": np.array(["x"], dtype=object)})[0] == "x"


def test_model_path_refuses_what_needs_an_adapted_copy() -> None:
    m = reader.read_bytes(scalars())
    assert targets.refusals("go", m) == []
    found = targets.refusals("go", m, embed=False)
    assert [r.where for r in found] == ["input 's'", "input 'f'", "output 'f_out'", "output 'f'"]
    assert all(r.reason == targets.MODEL_PATH_REASON for r in found)
    with pytest.raises(UnsupportedModel, match=r"the model: cannot carry a model without inputs.*--model-path"):
        emit.generate("go", [emit.ModelSource(reader.read_bytes(constant()), constant(), "c", embed=False)],
                      emit.Options())
    assert targets.refusals("python", reader.read_bytes(constant()), embed=False) == []


def test_emitter_embeds_the_adapted_copy() -> None:
    data = scalars()
    files = emit.emit("go", [emit.ModelSource(reader.read_bytes(data), data, "scalars")], emit.Options())
    again = emit.emit("go", [emit.ModelSource(reader.read_bytes(data), data, "scalars")], emit.Options())
    assert files == again  # byte-identical across runs (sdkgen diff regenerates and compares)
    a = adapt_go.apply(reader.read_bytes(data), data)
    assert a is not None and files["model.onnx"] == a.data != data
    src = files["model.go"].decode()
    assert f'const ModelSHA256 = "{hashlib.sha256(a.data).hexdigest()}"' in src
    assert "adapted by sdkgen" in src
    assert re.search(r'\{Name: "s", .*, Adapt: ortrt\.AdaptScalar, Feed: "s__sdkgen"\}', src)
    assert re.search(r'\{Name: "s_out", .*Dims: \[\]ortrt\.Dim\{\}\}', src)
    files = emit.emit("go", [emit.ModelSource(reader.read_bytes(constant()), constant(), "c")], emit.Options())
    assert '\tPad: "sdkgen_pad",\n' in files["model.go"].decode()


def test_runtime_testdata_is_current() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_models", REPO / "runtime" / "go" / "testdata" / "make_models.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, data in mod.models().items():
        assert (REPO / "runtime" / "go" / "testdata" / name).read_bytes() == data, f"run {spec.origin}"


def _seq_model(opset: int = 17) -> bytes:
    seq = h.make_sequence_type_proto(h.make_tensor_type_proto(T.FLOAT, [2]))
    return _bytes([h.make_node("SequenceLength", ["xs"], ["n"])], [h.make_value_info("xs", seq)],
                  [h.make_tensor_value_info("n", T.INT64, [])], opset)


def test_sequence_inputs_take_empty_sequences_when_embedded() -> None:
    data = _seq_model()
    m = reader.read_bytes(data)
    p = adapt_go.plan(m)
    assert p.seq_inputs == ("xs",) and not p.reasons()  # not needed: --model-path keeps it as it is
    assert targets.refusals("go", m, embed=False) == []
    a = adapt_go.apply(m, data)
    assert a is not None and a.kinds == {("input", "xs"): "seq"}
    front = np.zeros(0, np.float32)
    assert _run(a.data, {"xs__sdkgen": [front]})[0] == 0
    assert _run(a.data, {"xs__sdkgen": [front, np.ones(2, np.float32)]})[0] == 1
    assert not adapt_go.plan(reader.read_bytes(_seq_model(10)))  # SequenceErase is opset 11
    files = emit.emit("go", [emit.ModelSource(m, data, "seqs", embed=False)], emit.Options())
    assert "Adapt" not in files["model.go"].decode()


def test_sequence_outputs_of_scalars_are_refused() -> None:
    seq = h.make_sequence_type_proto(h.make_tensor_type_proto(T.FLOAT, []))
    data = _bytes([h.make_node("SplitToSequence", ["x"], ["ys"], keepdims=0)],
                  [h.make_tensor_value_info("x", T.FLOAT, [3])], [h.make_value_info("ys", seq)])
    (r,) = targets.refusals("go", reader.read_bytes(data))
    assert r.where == "output 'ys'" and "cannot read a scalar back from a sequence" in r.reason
    # and inputs: a sequence of declared rank-0 tensors could never be made (the fuzz found one)
    data = _bytes([h.make_node("ConcatFromSequence", ["xs"], ["y"], axis=0, new_axis=1)],
                  [h.make_value_info("xs", seq)], [h.make_tensor_value_info("y", T.FLOAT, None)])
    (r,) = targets.refusals("go", reader.read_bytes(data))
    assert r.where == "input 'xs'" and "cannot make a rank-0 tensor to put in a sequence" in r.reason
    assert targets.refusals("python", reader.read_bytes(data)) == []
    opt = h.make_optional_type_proto(seq)  # inside an optional as well (the node case test_loop16_seq_none)
    data = _bytes([h.make_node("OptionalGetElement", ["xs"], ["ys"]),
                   h.make_node("ConcatFromSequence", ["ys"], ["y"], axis=0, new_axis=1)],
                  [h.make_value_info("xs", opt)], [h.make_tensor_value_info("y", T.FLOAT, None)], 18)
    (r,) = targets.refusals("go", reader.read_bytes(data))
    assert r.where == "input 'xs'" and "cannot make a rank-0 tensor to put in a sequence" in r.reason


def _optional_model(opset: int) -> bytes:
    opt = h.make_optional_type_proto(h.make_sequence_type_proto(h.make_tensor_type_proto(T.FLOAT, [2])))
    return _bytes([h.make_node("Identity", ["x"], ["y"])], [h.make_value_info("x", opt)],
                  [h.make_value_info("y", opt)], opset)


def test_optionals_cross_as_a_value_and_a_bool() -> None:
    data = _optional_model(16)
    m = reader.read_bytes(data)
    assert adapt_go.plan(m) == adapt_go.Plan(inputs=(("x", "optional"),), outputs=(("y", "optional"),))
    a = adapt_go.apply(m, data)
    assert a is not None and a.has == {("input", "x"): "x__sdkgen_has", ("output", "y"): "y__sdkgen_has"}
    front = np.zeros(1, np.float32)  # the sequence's element in front, which the copy drops
    seq = [np.array([1, 2], np.float32), np.array([3, 4], np.float32)]
    for given in (seq, [], None):
        want = _run(data, {"x": given})[0]
        value, present = _run(a.data, {"x__sdkgen": [front, *(given or [])], "x__sdkgen_has": np.array(given is not None)})
        assert bool(present) == (want is not None)
        if want is not None:
            assert [list(v) for v in value] == [list(v) for v in want]
    files = emit.emit("go", [emit.ModelSource(m, data, "opt")], emit.Options())
    src = files["model.go"].decode()
    assert "\tX *[]Tensor[float32]\n" in src and "\tY *[]Tensor[float32]\n" in src
    assert "ortrt.PutOptional(c, 0, in.X, ortrt.PutTensorSeq[float32])" in src
    assert "out.Y = ortrt.GetOptional(c, 0, ortrt.GetTensorSeq[float32])" in src
    assert 'Adapt: ortrt.AdaptOptional, Feed: "x__sdkgen", Has: "x__sdkgen_has"}' in src
    assert [r.where for r in targets.refusals("go", m, embed=False)] == ["input 'x'", "output 'y'"]


def test_optional_inputs_need_opset_16() -> None:
    found = targets.refusals("go", reader.read_bytes(_optional_model(15)))
    assert [r.where for r in found] == ["input 'x'"]  # the output is carried at opset 15 too
    assert "If, which returns optionals from ai.onnx opset 16 on (the model imports 15)" in found[0].reason
