"""End-to-end harness for the Java SDK: generate many modules, build them in ONE Maven reactor.

For each model: the module is generated with ``generator.emit.java``; inputs come from the
case's ``test_data_set_0/input_I.pb`` (or are made deterministically when a case has none);
Python ORT computes the reference outputs. A JUnit test written into each module's test tree
drives the *typed* API (the setter names come from the emitter's view model), checks that an
input error leaves the instance usable, and writes the outputs. Interchange is a tiny binary
format (see ``write_tensor``), not protobuf, so the runner needs nothing beyond the module.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import struct
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

from generator import emit, ir, reader
from generator.emit import java as java_emit
from generator.errors import UnsupportedModel

HERE = Path(__file__).resolve().parent
ort.set_default_logger_severity(3)
RUNNER_TEMPLATE = HERE / "java_e2e" / "E2eIO.java"

# ONNX dtype code -> numpy dtype for the interchange format.
_NP = {
    1: np.float32,
    2: np.uint8,
    3: np.int8,
    4: np.uint16,
    5: np.int16,
    6: np.int32,
    7: np.int64,
    9: np.bool_,
    10: np.float16,
    11: np.float64,
    12: np.uint32,
    13: np.uint64,
}


@dataclasses.dataclass
class Case:
    key: str  # unique, filesystem-safe
    model_path: Path
    module: Path = Path()
    data: Path = Path()
    error: str | None = None  # generation refused (UnsupportedModel) -> reason
    view: java_emit.SdkView | None = None
    expected: list[Any] = dataclasses.field(default_factory=list)


def write_tensor(path: Path, arr: np.ndarray, code: int) -> None:
    """``<i32 code><i32 rank><i64 dims...>`` then raw little-endian data (strings: i32 len + utf8)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<ii", code, arr.ndim))
        f.write(struct.pack(f"<{arr.ndim}q", *arr.shape))
        if code == 8:
            for s in arr.reshape(-1):
                b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
                f.write(struct.pack("<i", len(b)) + b)
        else:
            f.write(np.ascontiguousarray(arr, dtype=np.dtype(_NP[code]).newbyteorder("<")).tobytes())


def read_tensor(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    code, rank = struct.unpack_from("<ii", raw, 0)
    shape = struct.unpack_from(f"<{rank}q", raw, 8)
    off = 8 + 8 * rank
    if code == 8:
        out = []
        for _ in range(int(np.prod(shape, dtype=np.int64))):
            (n,) = struct.unpack_from("<i", raw, off)
            out.append(raw[off + 4 : off + 4 + n].decode("utf-8"))
            off += 4 + n
        return np.array(out, dtype=object).reshape(shape)
    return np.frombuffer(raw[off:], dtype=np.dtype(_NP[code]).newbyteorder("<")).reshape(shape)


def _make_input(v: ir.Value, rng: np.random.Generator) -> np.ndarray:
    t = v.type
    assert isinstance(t, ir.TensorType)
    shape = [1] if t.shape is None else [d.value if d.value is not None else 2 for d in t.shape]
    code = t.elem.value
    if code == 8:
        return np.array([f"s{i}" for i in range(int(np.prod(shape)))], dtype=object).reshape(shape)
    if code == 9:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    dt = np.dtype(_NP[code])
    if dt.kind in "iu":
        return rng.integers(0, 10, size=shape).astype(dt)
    return rng.standard_normal(size=shape).astype(dt)


def _inputs_for(case_dir: Path, m: ir.Model) -> list[np.ndarray]:
    ds = case_dir / "test_data_set_0"
    files = [ds / f"input_{i}.pb" for i in range(len(m.inputs))]
    if ds.is_dir() and all(f.is_file() for f in files):
        out = []
        for f in files:
            tp = onnx.TensorProto()
            tp.ParseFromString(f.read_bytes())
            out.append(numpy_helper.to_array(tp))
        return out
    rng = np.random.default_rng(0)
    return [_make_input(v, rng) for v in m.inputs]


def prepare(case: Case, work: Path, index: int) -> None:
    """Generate the module, the inputs, the reference outputs and the JUnit driver."""
    m = reader.read(case.model_path)
    pkg = f"sdkgen.e2e.c{index}"
    src = emit.ModelSource(m, case.model_path.read_bytes(), m.graph_name or case.key)
    opts = emit.Options(package=pkg, artifact_id=f"c{index}")
    try:
        gen = emit.generate("java", [src], opts)
    except UnsupportedModel as e:  # recorded; the test asserts on it
        case.error = f"{type(e).__name__}: {e}"
        return
    files = gen.files
    case.view = gen.view
    case.module = work / f"c{index}"
    case.data = work / "data" / f"c{index}"
    shutil.rmtree(case.module, ignore_errors=True)
    for rel, data in files.items():
        p = case.module / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    case.data.mkdir(parents=True, exist_ok=True)
    for old in case.data.glob("*.bin"):
        old.unlink()
    arrays = _inputs_for(case.model_path.parent, m)
    for i, (v, a) in enumerate(zip(m.inputs, arrays)):
        assert isinstance(v.type, ir.TensorType)
        write_tensor(case.data / f"in_{i}.bin", np.asarray(a), v.type.elem.value)
    try:
        sess = ort.InferenceSession(str(case.model_path), providers=["CPUExecutionProvider"])
        feed = {v.name: a for v, a in zip(m.inputs, arrays)}
        case.expected = sess.run([v.name for v in m.outputs], feed)
    except Exception as e:  # noqa: BLE001 - raw ORT itself cannot run it: nothing to compare against
        case.error = f"python-ort: {str(e).splitlines()[0][:200]}"
        shutil.rmtree(case.module, ignore_errors=True)
        return
    test_dir = case.module / "src" / "test" / "java" / pkg.replace(".", "/")
    io_src = RUNNER_TEMPLATE.read_text().replace("sdkgen.e2e", pkg)
    (test_dir / "E2eIO.java").write_text(io_src)
    (test_dir / "E2eTest.java").write_text(_driver(gen.view, pkg, case.data))


_READERS = {"float": "floats", "double": "doubles", "long": "longs", "int": "ints", "short": "shorts",
            "byte": "bytes", "boolean": "booleans", "String": "strings"}


def _driver(sdk: java_emit.SdkView, pkg: str, data: Path) -> str:
    (m,) = sdk.models
    cls = m.cls
    sets = [
        f'        .{inp.ident}(E2eIO.{_READERS[inp.prim]}(d.resolve("in_{i}.bin")), E2eIO.shape(d.resolve("in_{i}.bin")))'
        for i, inp in enumerate(m.inputs)
    ]
    writes = [f'      E2eIO.write(d.resolve("out_{j}.bin"), out.{o.ident}());' for j, o in enumerate(m.outputs)]
    first_missing = ""
    if m.inputs:
        first_missing = (
            f"    try {{\n      m.run({cls}.inputs().build());\n"
            '      throw new AssertionError("missing inputs were accepted");\n'
            "    } catch (ModelInputException expected) {\n      // the instance must stay usable\n    }\n"
        )
    return f"""package {pkg};

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import {sdk.runtime_package}.ModelInputException;

class E2eTest {{
  @Test
  void runsTheCaseAndWritesOutputs() throws Exception {{
    Path d = Path.of({json.dumps(str(data))});
    try ({cls} m = {cls}.create()) {{
{first_missing}      {cls}.Inputs in = {cls}.inputs()
{chr(10).join(sets)}
        .build();
      {cls}.Outputs out = m.run(in);
{chr(10).join(writes)}
    }}
  }}
}}
"""


def reactor_pom(work: Path, modules: list[str]) -> None:
    mods = "\n".join(f"    <module>{m}</module>" for m in modules)
    (work / "pom.xml").write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sdkgen.e2e</groupId>
  <artifactId>reactor</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <modules>
{mods}
  </modules>
</project>
"""
    )


def run_maven(
    work: Path, threads: int = 1, timeout: float = 3000, extra: list[str] | None = None
) -> tuple[int, str, float]:
    """``mvn verify`` over the reactor; fails (not skips) when mvn is missing."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise AssertionError("mvn not found on PATH: the Java end-to-end tests need Maven and a JDK 17")
    cmd = [mvn, "-B", "-q", "-fae", "verify", f"-T{threads}", *(extra or [])]
    if os.environ.get("SDKGEN_MVN_OFFLINE") == "1":
        cmd.insert(1, "-o")
    t0 = time.monotonic()
    p = subprocess.run(cmd, check=False, cwd=work, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


def read_output(path: Path) -> Any:
    if path.with_suffix(".json").is_file():
        return json.loads(path.with_suffix(".json").read_text())
    return read_tensor(path)


def compare(expected: Any, actual: Any, where: str) -> bool:
    """Assert equality (tight tolerance for floats); return True when bit-exact."""
    if isinstance(expected, list):  # sequence
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: sequence length"
        exact = True
        for k, (e, a) in enumerate(zip(expected, actual)):
            exact &= compare(e, a, f"{where}[{k}]")
        return exact
    if isinstance(expected, dict):  # map: JSON keys are strings
        assert isinstance(actual, dict), where
        assert sorted(str(k) for k in expected) == sorted(actual), f"{where}: map keys"
        exact = True
        for k, v in expected.items():
            a = actual[str(k)]
            assert np.isclose(a, v, rtol=1e-6, atol=1e-7), f"{where}[{k}]: {a} != {v}"
            exact &= bool(np.float32(a) == np.float32(v))
        return exact
    e = np.asarray(expected)
    a = np.asarray(actual)
    assert e.shape == a.shape, f"{where}: shape {a.shape} != {e.shape}"
    if e.dtype == object or e.dtype.kind in "biuUS":
        assert a.tolist() == e.tolist(), f"{where}: values differ"
        return True
    np.testing.assert_allclose(
        a.astype(np.float64), e.astype(np.float64), rtol=1e-5, atol=1e-6, err_msg=where
    )
    return bool(np.array_equal(a, e, equal_nan=True))
