"""Issue 10 in the Python SDK, end to end with real ONNX Runtime: hostile models, inputs and options.

Each SDK is generated (through the CLI where the issue was found there), imported from its src/
tree and run; the runtime's own unit tests (error texts, close under load, bfloat16/float8 bits)
are in runtime/python/tests/.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import ml_dtypes
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from generator import emit, ir, reader, writer
from generator.naming import python as naming

from .paths import REPO


def sdkgen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True,
                          cwd=cwd, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})


def save(tmp: Path, name: str, nodes: list[Any], ins: list[Any], outs: list[Any], **kw: Any) -> Path:
    m = helper.make_model(helper.make_graph(nodes, "g", ins, outs, **kw), ir_version=10,
                          opset_imports=[helper.make_opsetid("", 21)])
    p = tmp / f"{name}.onnx"
    onnx.save(m, p)
    return p


def run_python(code: str, src: Path, cwd: Path) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter in ``cwd`` with the SDK's src/ importable; it prints JSON."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDKGEN_")}
    env["PYTHONPATH"] = str(src)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    out: dict[str, Any] = json.loads(r.stdout)
    return out


@pytest.fixture
def imported() -> Iterator[Any]:
    """Import generated packages from their src/ trees; forget them afterwards."""
    added: list[str] = []

    def load(out: Path, package: str) -> ModuleType:
        added.append(str(out / "src"))
        sys.path.insert(0, added[-1])
        return importlib.import_module(package)

    yield load
    sys.path[:] = [p for p in sys.path if p not in added]
    for name in [n for n in sys.modules if any(getattr(sys.modules[n], "__file__", None) and
                                               str(sys.modules[n].__file__).startswith(a) for a in added)]:
        del sys.modules[name]


# --- #9: a model without inputs ------------------------------------------------------------------


def test_zero_input_model_runs(tmp_path: Path, imported: Any) -> None:
    """The ONNX node case test_constant: a Constant node, no inputs. run() takes nothing."""
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    p = save(tmp_path, "test_constant",
             [helper.make_node("Constant", [], ["values"], value=onnx.numpy_helper.from_array(value))], [],
             [helper.make_tensor_value_info("values", TensorProto.FLOAT, [2, 3])])
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "sdk"))
    assert r.returncode == 0, r.stderr
    assert "ml_dtypes" not in (tmp_path / "sdk" / "pyproject.toml").read_text()  # only SDKs that need it
    pkg = imported(tmp_path / "sdk", "test_constant")
    with pkg.TestConstant() as m:
        np.testing.assert_array_equal(m.run().values, value)
        np.testing.assert_array_equal(m.run_dict({})["values"], value)
        np.testing.assert_array_equal(m.run_positional()[0], value)
        with pytest.raises(pkg.ModelInputError) as e:
            m.run_dict({"x": value})
        assert (e.value.kind, e.value.input, e.value.expected, e.value.actual) == ("unknown", "x", "no inputs", '"x"')
        with pytest.raises(TypeError):
            m.run(x=value)  # no such keyword: Python's own error
    with pytest.raises(pkg.ModelClosedError):
        m.run()


# --- #10: package names that shadow the stdlib or the SDK's dependencies -------------------------


@pytest.mark.parametrize("name", ["numpy", "types", "test", "onnxruntime"])
def test_models_named_like_a_module_make_an_importable_sdk(tmp_path: Path, name: str) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    p = save(tmp_path, name, [helper.make_node("Neg", ["x"], ["y"])], [x],
             [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "sdk"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sdk" / "src" / f"{name}_").is_dir()
    cls = name.capitalize() if name != "onnxruntime" else "Onnxruntime"
    got = run_python(
        f"import json, numpy as np\nfrom {name}_ import {cls}\n"
        f"with {cls}() as m:\n    print(json.dumps(m.run(x=np.array([1.0, -2.0], np.float32)).y.tolist()))",
        tmp_path / "sdk" / "src", tmp_path)
    assert got == [-1.0, 2.0]  # type: ignore[comparison-overlap]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--package", "numpy"], "--package 'numpy': it would shadow the 'numpy' module of numpy"),
        (["--package", "types"], "--package 'types': it would shadow the standard library's 'types' module"),
        (["--package", "my-sdk"], "--package 'my-sdk': not a Python package name"),
        (["--version", "not a version"], "--version 'not a version': not a PEP 440 version"),
        (["--version", "1.0é"], "--version '1.0é': not a PEP 440 version"),
        (["--artifact-id", "naïve"], "--artifact-id 'naïve': not a Python distribution name"),
        (["--artifact-id", "-x"], "--artifact-id '-x': not a Python distribution name"),
    ],
)
def test_bad_options_are_one_line_errors(tmp_path: Path, flags: list[str], message: str) -> None:
    """#10 and #12: refused before anything is written, as Java refuses its Maven coordinates."""
    p = save(tmp_path, "m", [helper.make_node("Neg", ["x"], ["y"])],
             [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
             [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "sdk"), *flags)
    assert r.returncode == 2 and r.stderr.startswith("sdkgen: error: " + message), r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "sdk").exists()


# --- #3: external data in an embedded SDK ------------------------------------------------------


def test_embedded_external_data_runs_elsewhere_beside_a_foreign_weights_file(tmp_path: Path) -> None:
    """The model's weights live in weights.bin; the SDK runs from another directory, once with a
    foreign weights.bin there (same name and size, other values) and once with none, and always
    computes with the model's own weights."""
    model_dir, elsewhere = tmp_path / "model", tmp_path / "elsewhere"
    model_dir.mkdir()
    elsewhere.mkdir()
    w = np.linspace(-1, 1, 4096, dtype=np.float32)
    init = onnx.numpy_helper.from_array(w, "w")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4096])
    m = helper.make_model(helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g", [x],
                                            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4096])],
                                            initializer=[init]),
                          ir_version=10, opset_imports=[helper.make_opsetid("", 21)])
    onnx.save(m, model_dir / "ext.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
              location="weights.bin", size_threshold=0)
    assert (model_dir / "weights.bin").stat().st_size == w.nbytes
    r = sdkgen(str(model_dir / "ext.onnx"), "--lang", "python", "--out", str(tmp_path / "sdk"))
    assert r.returncode == 0, r.stderr
    code = ("import json, numpy as np\nfrom ext import Ext\n"
            "with Ext(intra_op_threads=1) as m:\n"
            "    print(json.dumps({'y': m.run(x=np.zeros(4096, np.float32)).y.tolist()}))")
    got = run_python(code, tmp_path / "sdk" / "src", elsewhere)
    assert np.array_equal(np.array(got["y"], np.float32), w)
    (elsewhere / "weights.bin").write_bytes(np.full(4096, 7, np.float32).tobytes())
    got = run_python(code, tmp_path / "sdk" / "src", elsewhere)
    assert np.array_equal(np.array(got["y"], np.float32), w)
    (model_dir / "weights.bin").unlink()  # the SDK does not need the model's directory either
    got = run_python(code, tmp_path / "sdk" / "src", model_dir)
    assert np.array_equal(np.array(got["y"], np.float32), w)


# --- #15: string inputs are never cast -----------------------------------------------------------


def test_string_inputs_are_never_cast(tmp_path: Path, imported: Any) -> None:
    x = helper.make_tensor_value_info("words", TensorProto.STRING, [3])
    p = save(tmp_path, "words", [helper.make_node("Identity", ["words"], ["out"])], [x],
             [helper.make_tensor_value_info("out", TensorProto.STRING, [3])])
    m, data = reader.read_file(p)
    gen = emit.generate("python", [emit.ModelSource(m, data, "words")], emit.Options(package="words_sdk"))
    writer.write_tree(tmp_path / "sdk", gen.files, marker=b"{}\n")
    pkg = imported(tmp_path / "sdk", "words_sdk")
    with pkg.Words() as model:
        for bad, actual in ((np.array(["a", None, 5], dtype=object), "NoneType at element 1"),
                            (np.array(["a", "b", 5], dtype=object), "int at element 2"),
                            (np.array(["a", "b", b"c"], dtype=object), "bytes at element 2")):
            with pytest.raises(pkg.ModelInputError) as e:
                model.run(words=bad)
            assert (e.value.kind, e.value.input, e.value.expected, e.value.actual) == (
                "value", "words", "strings", actual)
        with pytest.raises(pkg.ModelInputError) as e:
            model.run(words=np.array([1, 2, 3]))
        assert (e.value.kind, e.value.expected, e.value.actual) == ("type", "string", "int64")
        # strings UTF-8 cannot encode (ONNX Runtime raised UnicodeEncodeError): a value error too
        for bad in (np.array(["a", "b", "x\ud800"], dtype=object), np.array(["a", "b", "\udfff"])):
            with pytest.raises(pkg.ModelInputError) as e:
                model.run(words=bad)
            assert (e.value.kind, e.value.expected) == ("value", "strings")
            assert e.value.actual.startswith("unpaired surrogate U+D") and e.value.actual.endswith("at element 2")
        # what is valid passes intact, NUL characters and all (ONNX Runtime cut a str_ element at
        # its first NUL: the runtime passes such arrays as objects)
        for ok in (np.array(["a", "b\x00c", "日本"]), np.array(["\x00x", "b\x00", ""], dtype=object),
                   np.array(["a", np.str_("b"), ""], dtype=object)):
            assert model.run(words=ok).out.tolist() == ok.tolist()


# --- coverage: bfloat16 and float8 through a generated SDK ----------------------------------------

RAW = {
    TensorProto.BFLOAT16: (ml_dtypes.bfloat16, np.uint16),
    TensorProto.FLOAT8E4M3FN: (ml_dtypes.float8_e4m3fn, np.uint8),
    TensorProto.FLOAT8E4M3FNUZ: (ml_dtypes.float8_e4m3fnuz, np.uint8),
    TensorProto.FLOAT8E5M2: (ml_dtypes.float8_e5m2, np.uint8),
    TensorProto.FLOAT8E5M2FNUZ: (ml_dtypes.float8_e5m2fnuz, np.uint8),
}


def _raw_model(tmp: Path) -> Path:
    """For each type T: id_T = Identity(x_T) (T -> T), cast_T = Cast(f, to=T) and back_T =
    Cast(x_T, to=float); one float input f shared, symbolic dims."""
    ins = [helper.make_tensor_value_info("f", TensorProto.FLOAT, ["n"])]
    outs, nodes = [], []
    for t in RAW:
        n = TensorProto.DataType.Name(t).lower()
        ins.append(helper.make_tensor_value_info(f"x_{n}", t, ["batch", 4]))
        outs += [helper.make_tensor_value_info(f"id_{n}", t, ["batch", 4]),
                 helper.make_tensor_value_info(f"cast_{n}", t, ["n"]),
                 helper.make_tensor_value_info(f"back_{n}", TensorProto.FLOAT, ["batch", 4])]
        nodes += [helper.make_node("Identity", [f"x_{n}"], [f"id_{n}"]),
                  helper.make_node("Cast", ["f"], [f"cast_{n}"], to=t),
                  helper.make_node("Cast", [f"x_{n}"], [f"back_{n}"], to=TensorProto.FLOAT)]
    return save(tmp, "raw_types", nodes, ins, outs)


def _raw_ort_bits(path: Path, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Raw ONNX Runtime, every output bound to a buffer we own (IOBinding): the bits as written."""
    model = reader.read(path)
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    io = s.io_binding()
    for k, v in feeds.items():
        t = next(x.type for x in model.inputs if x.name == k)
        assert isinstance(t, ir.TensorType)
        bits = RAW[t.elem.value][1] if t.elem.value in RAW else v.dtype
        io.bind_ortvalue_input(k, ort.OrtValue.ortvalue_from_numpy_with_onnx_type(
            np.ascontiguousarray(v).view(bits), t.elem.value))
    out: dict[str, np.ndarray] = {}
    n, batch = feeds["f"].shape[0], next(v for k, v in feeds.items() if k != "f").shape[0]
    for o in model.outputs:
        t = o.type
        assert isinstance(t, ir.TensorType)
        shape = (n,) if o.name.startswith("cast_") else (batch, 4)
        out[o.name] = np.zeros(shape, RAW[t.elem.value][1] if t.elem.value in RAW else np.float32)
        io.bind_ortvalue_output(o.name, ort.OrtValue.ortvalue_from_numpy_with_onnx_type(out[o.name], t.elem.value))
    s.run_with_iobinding(io)
    return out


def test_bfloat16_and_float8_round_trip_through_the_generated_sdk(tmp_path: Path, imported: Any) -> None:
    """ml_dtypes arrays in and out of a generated SDK; every output's bits equal raw ORT's, and
    Identity gives back every bit pattern (NaNs included). The SDK requires ml_dtypes."""
    p = _raw_model(tmp_path)
    r = sdkgen(str(p), "--lang", "python", "--out", str(tmp_path / "sdk"))
    assert r.returncode == 0, r.stderr
    assert '"ml_dtypes>=' in (tmp_path / "sdk" / "pyproject.toml").read_text()
    assert "`ml_dtypes` arrays" in (tmp_path / "sdk" / "README.md").read_text()
    pkg = imported(tmp_path / "sdk", "raw_types")
    f = np.linspace(-500, 500, 37, dtype=np.float32)
    feeds: dict[str, np.ndarray] = {"f": f}
    for t, (dtype, bits) in RAW.items():
        every = np.arange(256, dtype=bits) * (257 if bits == np.uint16 else 1)  # every fp8 pattern, NaNs too
        feeds[f"x_{TensorProto.DataType.Name(t).lower()}"] = every.view(dtype).reshape(-1, 4)
    want = _raw_ort_bits(p, feeds)
    with pkg.RawTypes(intra_op_threads=1) as m:
        got = m.run(**dict(zip(naming.fields(list(feeds), "input"), feeds.values()))).as_dict()
        assert set(got) == set(want)
        for name, value in got.items():
            w = want[name]
            assert value.shape == w.shape and value.tobytes() == w.tobytes(), name  # the same bits
            if name.startswith("id_"):
                assert value.dtype == feeds["x_" + name[3:]].dtype
                assert np.array_equal(value.view(w.dtype), feeds["x_" + name[3:]].view(w.dtype))
        # strided inputs are the same values; the bits' dtype is never accepted for the float type
        strided = {k: (np.asfortranarray(v) if k != "f" else v) for k, v in feeds.items()}
        assert all(a.tobytes() == want[k].tobytes() for k, a in m.run_dict(strided).items())
        with pytest.raises(pkg.ModelInputError) as e:
            m.run_dict({**feeds, "x_bfloat16": feeds["x_bfloat16"].view(np.uint16)})
        assert (e.value.kind, e.value.input, e.value.expected, e.value.actual) == (
            "type", "x_bfloat16", "bfloat16", "uint16")


# --- #16: the fixtures' expected errors are what the SDK raises ------------------------------------


def test_the_sdk_raises_exactly_the_fixture_errors(tmp_path: Path, imported: Any) -> None:
    """generator.fixtures.error_sets (what `sdkgen fixtures --errors` writes and every language
    must reproduce: kind, input, expected) fed through run_dict of generated SDKs."""
    from generator import fixtures

    from .paths import MODELS, ORT_DATASETS

    paths = [MODELS / "tiny_transformer.onnx", MODELS / "hostile.onnx", MODELS / "decode_head.onnx",
             ORT_DATASETS / "logreg_iris.onnx"]
    sources = [emit.ModelSource(*reader.read_file(p), p.stem) for p in paths]
    gen = emit.generate("python", sources, emit.Options(package="fixture_errors"))
    writer.write_tree(tmp_path / "sdk", gen.files, marker=b"{}\n")
    pkg = imported(tmp_path / "sdk", "fixture_errors")
    seen = set()
    for src, mv in zip(sources, gen.view.models):
        with getattr(pkg, mv.class_name)(intra_op_threads=1) as model:
            for values, want in fixtures.error_sets(src.model, np.random.default_rng(1), {}):
                feeds = {v.name: x for v, x in zip(src.model.inputs, values) if x is not None}
                with pytest.raises(pkg.ModelInputError) as e:
                    model.run_dict(feeds)
                got = {"kind": e.value.kind, "input": e.value.input, "expected": e.value.expected}
                assert got == want, (src.name, str(e.value))
                assert str(e.value) == (f"input {fixtures.quote(want['input'])}: {want['kind']}: "
                                        f"expected {want['expected']}, got {e.value.actual}")
                seen.add(want["kind"])
    assert seen == {"missing", "rank", "dim", "symbol"}
