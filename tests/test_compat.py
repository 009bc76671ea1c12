"""Generation refuses what the pinned ONNX Runtime cannot load, and says how to fix it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from generator import versions

from .test_cli import sdkgen


def _identity(tmp_path: Path, *, ir: int, opset: int, op: str = "Identity", elem: int = TensorProto.FLOAT,
              name: str = "m.onnx", **attrs: int) -> Path:
    x = helper.make_tensor_value_info("x", elem, [2])
    y = helper.make_tensor_value_info("y", elem, [2])
    g = helper.make_graph([helper.make_node(op, ["x"], ["y"], **attrs)], "g", [x], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir)
    p = tmp_path / name
    onnx.save(m, p)
    return p


def _embedded(out: Path) -> onnx.ModelProto:
    (p,) = [q for q in out.rglob("*.onnx")]
    return onnx.load(p, load_external_data=False)


def test_the_onnx_wheels_defaults_are_refused_with_the_fix(tmp_path: Path) -> None:
    p = _identity(tmp_path, ir=onnx.IR_VERSION, opset=onnx.defs.onnx_opset_version())
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"IR version {onnx.IR_VERSION} (ONNX Runtime {versions.ORT_VERSION} loads <= 13)" in r.stderr
    assert "ai.onnx opset 28 (ONNX Runtime 1.29.0 supports <= 26)" in r.stderr
    assert "ir_version=13" in r.stderr and "make_opsetid('', 26)" in r.stderr and "--downgrade" in r.stderr
    assert not (tmp_path / "o").exists()


def test_downgrade_embeds_a_lowered_copy_that_loads(tmp_path: Path) -> None:
    p = _identity(tmp_path, ir=14, opset=28)
    r = sdkgen(str(p), "--lang", "go", "--out", str(tmp_path / "o"), "--downgrade")
    assert r.returncode == 0, r.stderr
    assert "IR version 14 -> 13, ai.onnx opset 28 -> 26" in r.stderr
    m = _embedded(tmp_path / "o")
    assert m.ir_version == 13 and [o.version for o in m.opset_import] == [26]
    ort.InferenceSession(m.SerializeToString())
    assert onnx.load(p).ir_version == 14  # the user's file is untouched


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"op": "Cast", "to": TensorProto.FLOAT}, "ai.onnx operator Cast changed in opset 28"),
        ({"elem": TensorProto.FLOAT6E2M3}, "element type FLOAT6E2M3 (IR 14)"),
    ],
)
def test_downgrade_refuses_a_model_that_uses_something_newer(tmp_path: Path, kwargs: dict[str, int],
                                                             why: str) -> None:
    p = _identity(tmp_path, ir=14, opset=28, **kwargs)
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "o"), "--downgrade")
    assert r.returncode == 2 and why in r.stderr and "--downgrade cannot lower it" in r.stderr, r.stderr
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "--downgrade cannot help" in r.stderr, r.stderr


def test_downgrade_needs_an_embedded_model(tmp_path: Path) -> None:
    p = _identity(tmp_path, ir=14, opset=21)
    r = sdkgen(str(p), "--lang", "java", "--out", str(tmp_path / "o"), "--model-path", "--downgrade")
    assert r.returncode == 2 and "with --model-path the SDK loads the file as it is" in r.stderr


def test_an_operator_ort_lacks_fails_the_load_check(tmp_path: Path) -> None:
    p = _identity(tmp_path, ir=10, opset=17, op="NoSuchOp")
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "cannot load this model" in r.stderr and "--no-load-check" in r.stderr
    assert "NoSuchOp" in r.stderr
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "o"), "--no-load-check")
    assert r.returncode == 0, r.stderr


def _external(tmp_path: Path) -> Path:
    w = numpy_helper.from_array(np.arange(1024, dtype=np.float32).reshape(2, 512), "w")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 512])
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g", [x], [y], initializer=[w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
    d = tmp_path / "model"
    d.mkdir()
    onnx.save(m, d / "mm.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin",
              size_threshold=0)
    assert (d / "weights.bin").stat().st_size == 4096
    return d / "mm.onnx"


def test_external_data_is_inlined_into_the_embedded_copy(tmp_path: Path) -> None:
    p = _external(tmp_path)
    out = tmp_path / "o"
    r = sdkgen(str(p), "--lang", "python", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "external data inlined" in r.stderr
    m = _embedded(out)
    assert not any(onnx.external_data_helper.uses_external_data(t) for t in m.graph.initializer)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "weights.bin").write_bytes(b"\0" * 4096)  # a foreign file of the same name: never read
    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        got = ort.InferenceSession(m.SerializeToString()).run(None, {"x": np.ones((1, 2), np.float32)})[0]
    finally:
        os.chdir(cwd)
    assert got[0, 0] == 0 + 512 and got[0, 1] == 1 + 513


def test_external_data_stays_external_with_model_path(tmp_path: Path) -> None:
    p = _external(tmp_path)
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "o"), "--model-path")
    assert r.returncode == 0 and "inlined" not in r.stderr
    assert not list((tmp_path / "o").rglob("*.onnx"))


def test_missing_external_data_is_one_line(tmp_path: Path) -> None:
    p = _external(tmp_path)
    (p.parent / "weights.bin").unlink()
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "cannot read its external data" in r.stderr and "Traceback" not in r.stderr


def test_external_data_outside_the_model_directory_is_refused(tmp_path: Path) -> None:
    p = _external(tmp_path)
    m = onnx.load(p, load_external_data=False)
    for e in m.graph.initializer[0].external_data:
        if e.key == "location":
            e.value = "../../../../etc/hostname"
    onnx.save(m, p)
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "cannot read its external data" in r.stderr, r.stderr
