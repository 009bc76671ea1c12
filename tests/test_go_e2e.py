"""End to end: generate Go SDKs, build them in one go.work workspace, run them on
recorded inputs and compare every output with raw Python ONNX Runtime.

One `go test -race` builds a single runner binary (integration/go/runner) that
imports every generated package, so cgo and -race are paid once, not per model.
The interchange is JSON + raw little-endian .bin files (see runner.go).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from generator import emit, ir, reader, versions
from generator.emit.go import ModelView, SdkView
from generator.errors import UnsupportedModel
from tests.paths import MODELS, ORT_DATASETS, REPO, backend_cases

ORT_LIB = Path(ort.__file__).parent / "capi" / f"libonnxruntime.so.{ort.__version__}"
RUNNER = REPO / "integration" / "go" / "runner"


def go_exe() -> str:
    exe = shutil.which("go") or "/usr/local/go/bin/go"
    assert Path(exe).is_file(), "Go is required for the Go SDK end-to-end tests"
    return exe


def go_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GOFLAGS="-buildvcs=false",
        ONNXRUNTIME_SHARED_LIBRARY_PATH=str(ORT_LIB),
        SDKGEN_INTRA_OP_THREADS="1",  # same as the Python reference: bitwise-comparable results
        CGO_ENABLED="1",
    )
    env.update(extra)
    return env


def go(args: list[str], cwd: Path, timeout: float = 3000, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([go_exe(), *args], cwd=cwd, env=go_env(**env), capture_output=True,
                          text=True, timeout=timeout, check=False)


# --- extra models: what onnxruntime_go gets wrong, and other value kinds -----------

def _model(nodes: list[Any], ins: list[Any], outs: list[Any], opset: int = 17, **kw: Any) -> bytes:
    g = helper.make_graph(nodes, kw.pop("graph", "g"), ins, outs, initializer=kw.pop("init", []))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m.SerializeToString()


def extra_models() -> dict[str, tuple[bytes, list[list[Any]]]]:
    """name -> (model bytes, input sets). Each catches a conversion bug if there is one."""
    vi = helper.make_tensor_value_info
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 5)).astype(np.float32) * 100
    out: dict[str, tuple[bytes, list[list[Any]]]] = {}
    # float16/bfloat16 outputs, fixed and symbolic shapes: onnxruntime_go v1.27.0 copies
    # one byte per element of ORT-allocated float16/bfloat16 outputs.
    out["cast_f16_bf16"] = (_model(
        [helper.make_node("Cast", ["x"], ["h"], to=TensorProto.FLOAT16),
         helper.make_node("Cast", ["x"], ["b"], to=TensorProto.BFLOAT16),
         helper.make_node("Cast", ["h"], ["back"], to=TensorProto.FLOAT)],
        [vi("x", TensorProto.FLOAT, ["n", 5])],
        [vi("h", TensorProto.FLOAT16, ["n", 5]), vi("b", TensorProto.BFLOAT16, ["n", 5]),
         vi("back", TensorProto.FLOAT, ["n", 5])]), [[x], [x[:1]]])
    # float16 input; float16 output with a fixed shape.
    out["f16_in_fixed_out"] = (_model(
        [helper.make_node("Flatten", ["h"], ["y"], axis=0)],
        [vi("h", TensorProto.FLOAT16, [3, 5])],
        [vi("y", TensorProto.FLOAT16, [1, 15])]), [[x.astype(np.float16)]])
    # rank-0 outputs (onnxruntime_go rejects ORT-allocated scalars), strings in and out.
    out["scalar_and_strings"] = (_model(
        [helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
         helper.make_node("Identity", ["t"], ["t2"])],
        [vi("x", TensorProto.FLOAT, [3, 5]), vi("t", TensorProto.STRING, ["k"])],
        [vi("s", TensorProto.FLOAT, []), vi("t2", TensorProto.STRING, ["k"])]),
        [[x, np.array(["a", "", "日本\n\"x\"", "z" * 300], dtype=object)]])
    # Issue 10: no inputs at all (the node case test_constant; onnxruntime_go panicked), rank-0
    # string and float16 inputs and a rank-0 float16 output (carried through an adapted embedded
    # copy), empty float16 inputs and outputs.
    out["no_inputs"] = (_model(
        [helper.make_node("Constant", [], ["y"], value=helper.make_tensor("c", TensorProto.FLOAT, [3], [1, -2, 3]))],
        [], [vi("y", TensorProto.FLOAT, [3])]), [[]])
    out["scalar_string_f16"] = (_model(
        [helper.make_node("Identity", ["s"], ["s2"]), helper.make_node("Neg", ["h"], ["h2"])],
        [vi("s", TensorProto.STRING, []), vi("h", TensorProto.FLOAT16, [])],
        [vi("s2", TensorProto.STRING, []), vi("h2", TensorProto.FLOAT16, [])]),
        [[np.array("scalar ü", dtype=object), np.array(1.5, dtype=np.float16)]])
    out["empty_f16"] = (_model(
        [helper.make_node("Identity", ["h"], ["h2"]), helper.make_node("CastLike", ["x", "like"], ["c"])],
        [vi("h", TensorProto.FLOAT16, ["n", 3]), vi("x", TensorProto.FLOAT, [2]), vi("like", TensorProto.FLOAT16, [0])],
        [vi("h2", TensorProto.FLOAT16, ["n", 3]), vi("c", TensorProto.FLOAT16, [2])]),
        [[np.zeros((0, 3), np.float16), np.array([0.5, 70000], np.float32), np.zeros(0, np.float16)]])
    # Optional tensor and sequence inputs and outputs (pointers in Go; onnxruntime_go has no
    # optional values), present, absent and an empty sequence; an empty sequence input.
    opt_t = helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, ["n"]))
    seq_t = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.INT64, None))
    opt_s = helper.make_optional_type_proto(seq_t)
    mv = helper.make_value_info
    ys = [np.array([1, 2], np.int64), np.array([[3]], np.int64)]
    out["optionals_and_empty_seq"] = (_model(
        [helper.make_node("Identity", ["x"], ["y"]), helper.make_node("OptionalHasElement", ["x"], ["x_has"]),
         helper.make_node("Identity", ["s"], ["t"]), helper.make_node("SequenceLength", ["q"], ["q_len"])],
        [mv("x", opt_t), mv("s", opt_s), mv("q", seq_t)],
        [mv("y", opt_t), vi("x_has", TensorProto.BOOL, []), mv("t", opt_s), vi("q_len", TensorProto.INT64, [])],
        opset=18),
        [[x[0], ys, ys], [None, None, []], [x[1], [], ys[:1]]])
    return out


# --- cases -----------------------------------------------------------------------

@dataclass
class Case:
    name: str
    model: bytes
    sets: list[list[Any]]  # per set: one value per required input
    ir: ir.Model | None = None
    module: str = ""
    problem: str = ""  # why it was not generated or not run
    results: list[str] = field(default_factory=list)


def _load_input(path: Path) -> Any:
    data = path.read_bytes()
    t = TensorProto()
    t.ParseFromString(data)
    return numpy_helper.to_array(t)


def backend_case(d: Path) -> Case:
    sets = []
    for s in sorted(d.glob("test_data_set_*")):
        files = sorted(s.glob("input_*.pb"), key=lambda p: int(p.stem.split("_")[1]))
        sets.append([_load_input(f) for f in files])
    return Case(f"{d.parent.name}/{d.name}", (d / "model.onnx").read_bytes(), sets)


def all_cases(backend: bool) -> list[Case]:
    cases = [Case(k, m, s) for k, (m, s) in extra_models().items()]
    iris = np.array([[5.1, 3.5], [6.2, 2.9], [7.7, 3.0]], dtype=np.float32)
    cases.append(Case("ort/logreg_iris", (ORT_DATASETS / "logreg_iris.onnx").read_bytes(), [[iris]]))
    cases.append(Case("ort/mul_1", (ORT_DATASETS / "mul_1.onnx").read_bytes(),
                      [[np.arange(6, dtype=np.float32).reshape(3, 2)]]))
    ids = np.array([[1, 5, 9, 2], [3, 3, 0, 7]], dtype=np.int64)
    cases.append(Case("tests/tiny_transformer", (MODELS / "tiny_transformer.onnx").read_bytes(),
                      [[ids, np.ones_like(ids)], [ids[:1, :3], np.array([[1, 1, 0]], dtype=np.int64)]]))
    hostile = reader.read(MODELS / "hostile.onnx")
    hsets = []
    for v in hostile.inputs:
        t = v.type
        assert isinstance(t, ir.TensorType) and t.shape is not None
        shape = [2 if d.symbol else int(d.value or 1) for d in t.shape]
        dt = helper.tensor_dtype_to_np_dtype(t.elem.value)
        hsets.append(np.array(["x", "\"", "\n"], dtype=object) if t.elem is ir.DType.STRING
                     else np.arange(np.prod(shape)).reshape(shape).astype(dt))
    cases.append(Case("tests/hostile", (MODELS / "hostile.onnx").read_bytes(), [hsets]))
    if backend:
        cases.extend(backend_case(d) for d in backend_cases())
    return cases


# --- interchange -------------------------------------------------------------------

def write_value(v: Any, d: Path, stem: str) -> dict[str, Any]:
    if v is None:  # an absent optional value
        return {"kind": "none"}
    if isinstance(v, np.ndarray):
        if v.dtype == object or v.dtype.kind in "US":
            return {"kind": "tensor", "dtype": "string", "shape": list(v.shape),
                    "strings": [s.decode() if isinstance(s, bytes) else str(s) for s in v.ravel()]}
        (d / f"{stem}.bin").write_bytes(np.ascontiguousarray(v).tobytes())
        return {"kind": "tensor", "dtype": str(v.dtype), "shape": list(v.shape), "file": f"{stem}.bin"}
    if isinstance(v, list):
        return {"kind": "seq", "items": [write_value(x, d, f"{stem}_{i}") for i, x in enumerate(v)]}
    if isinstance(v, dict):
        return {"kind": "map", "keys": list(v), "values": list(v.values())}
    raise TypeError(type(v))


_GO_DTYPES = {"float32": np.float32, "float64": np.float64, "int8": np.int8, "uint8": np.uint8,
              "int16": np.int16, "uint16": np.uint16, "int32": np.int32, "uint32": np.uint32,
              "int64": np.int64, "uint64": np.uint64, "bool": np.bool_, "complex64": np.complex64,
              "complex128": np.complex128}


def read_value(meta: dict[str, Any], d: Path) -> Any:
    if meta["kind"] == "none":
        return None
    if meta["kind"] == "tensor":
        if meta["dtype"] == "string":
            return np.array(meta.get("strings") or [], dtype=object).reshape(meta["shape"])
        raw = (d / meta["file"]).read_bytes()
        return np.frombuffer(raw, dtype=_GO_DTYPES[meta["dtype"]]).reshape(meta["shape"])
    if meta["kind"] == "seq":
        return [read_value(m, d) for m in meta.get("items") or []]
    return dict(zip(meta.get("keys") or [], meta.get("values") or []))


def _as_bits(ref: np.ndarray) -> np.ndarray:
    """float16 / bfloat16 reference arrays as the uint16 bits the Go SDK returns."""
    if ref.dtype == np.float16:
        return ref.view(np.uint16)
    if ref.dtype.name == "bfloat16" or ref.dtype.kind == "V":
        return ref.view(np.uint16)
    return ref


def compare(got: Any, ref: Any, where: str) -> str:
    """'' when equal (bitwise or within float tolerance), else a description."""
    if ref is None or got is None:  # absent optional values
        return "" if ref is None and got is None else f"{where}: {got!r} where ONNX Runtime gave {ref!r}"[:300]
    if isinstance(ref, np.ndarray):
        ref = _as_bits(ref)
        if not isinstance(got, np.ndarray):
            return f"{where}: expected an array, got {type(got).__name__}"
        if ref.dtype == object or got.dtype == object:
            eq = got.shape == ref.shape and [str(x) for x in got.ravel()] == [
                x.decode() if isinstance(x, bytes) else str(x) for x in ref.ravel()]
            return "" if eq else f"{where}: strings differ"
        if got.dtype != ref.dtype or got.shape != ref.shape:
            return f"{where}: {got.dtype}{list(got.shape)} != {ref.dtype}{list(ref.shape)}"
        if np.array_equal(got, ref, equal_nan=ref.dtype.kind in "fc"):
            return ""
        if ref.dtype.kind in "fc" and np.allclose(got, ref, rtol=1e-5, atol=1e-6, equal_nan=True):
            return ""
        return f"{where}: values differ (max abs diff {np.max(np.abs(got.astype(float) - ref.astype(float)))})"
    if isinstance(ref, list):
        if not isinstance(got, list) or len(got) != len(ref):
            return f"{where}: sequence length differs"
        return next((r for r in (compare(g, x, f"{where}[{i}]") for i, (g, x) in enumerate(zip(got, ref))) if r), "")
    if isinstance(ref, dict):
        if not isinstance(got, dict) or sorted(got) != sorted(ref):
            return f"{where}: map keys differ"
        bad = [k for k in ref if not np.isclose(np.float32(got[k]), np.float32(ref[k]), rtol=1e-6, atol=0)]
        return f"{where}: map values differ at {bad[:3]}" if bad else ""
    return f"{where}: cannot compare {type(ref).__name__}"


def _bf16_as_float(model: bytes) -> tuple[bytes, list[int]]:
    """numpy has no bfloat16, so Python ORT cannot return it: add an exact Cast to float
    after each bfloat16 output (the Go side's bits are compared with the top 16 bits)."""
    m = onnx.load_model_from_string(model)
    idx = [i for i, o in enumerate(m.graph.output) if o.type.tensor_type.elem_type == TensorProto.BFLOAT16]
    for i in idx:
        o = m.graph.output[i]
        m.graph.node.append(helper.make_node("Cast", [o.name], [o.name + "__f32"], to=TensorProto.FLOAT))
        o.name += "__f32"
        o.type.tensor_type.elem_type = TensorProto.FLOAT
    return m.SerializeToString(), idx


def reference(c: Case, inputs: list[Any]) -> list[Any]:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    model, bf16 = _bf16_as_float(c.model)
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    assert c.ir is not None
    feed = {v.name: x for v, x in zip(c.ir.inputs, inputs)}
    outs = list(sess.run(None, feed))
    for i in bf16:
        outs[i] = (np.ascontiguousarray(outs[i], dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
    return outs


# --- the workspace ---------------------------------------------------------------------

def build_workspace(work: Path, cases: list[Case]) -> list[Case]:
    """Generate every case's module, the runner's registry and go.work; return the cases built."""
    built: list[tuple[Case, ModelView]] = []
    (work / "m").mkdir(parents=True)
    shutil.copytree(RUNNER, work / "runner")
    for i, c in enumerate(cases):
        try:
            c.ir = reader.read_bytes(c.model, c.name)
            gen = emit.generate("go", [emit.ModelSource(c.ir, c.model, c.ir.graph_name or c.name)],
                                emit.Options(module=f"sdkgen.e2e/m{i}"))
        except UnsupportedModel as e:
            c.problem = f"unsupported: {e}"
            continue
        assert isinstance(gen.view, SdkView)
        (view,) = gen.view.models
        c.module = view.import_path
        for rel, data in gen.files.items():
            (work / "m" / str(i) / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / "m" / str(i) / rel).write_bytes(data)
        for n, inputs in enumerate(c.sets):
            d = work / "cases" / str(len(built)) / f"set_{n}"
            d.mkdir(parents=True)
            for k, v in enumerate(inputs):
                (d / f"in_{k}.json").write_text(json.dumps(write_value(v, d, f"in_{k}")))
        built.append((c, view))
    reg = ["// Code generated by tests/test_go_e2e.py. DO NOT EDIT.", "", "package runner", "", "import ("]
    reg += [f'\tp{i} "{v.import_path}"' for i, (_, v) in enumerate(built)]
    reg += [")", "", "func init() {"]
    for i, (c, v) in enumerate(built):
        i_t, o_t = f"p{i}.{v.inputs_type}", f"p{i}.{v.outputs_type}"
        reg.append(f"\tregister[{i_t}, {o_t}]({json.dumps(c.name)}, "
                   f"func() (model[{i_t}, {o_t}], error) {{ m, err := p{i}.{v.new_func}(); "
                   f"if err != nil {{ return nil, err }}; return m, nil }})")
    reg.append("}")
    (work / "runner" / "cases_gen.go").write_text("\n".join(reg) + "\n")
    uses = ["./runner"] + sorted(f"./m/{p.name}" for p in (work / "m").iterdir())
    (work / "go.work").write_text(f"go {versions.GO_VERSION}\n\nuse (\n" + "".join(f"\t{u}\n" for u in uses) + ")\n")
    return [c for c, _ in built]


def check_results(work: Path, built: list[Case]) -> tuple[list[str], dict[str, int]]:
    failures: list[str] = []
    stats = {"sets": 0, "equal": 0, "reference_failed": 0}
    for i, c in enumerate(built):
        for n, inputs in enumerate(c.sets):
            d = work / "cases" / str(i) / f"set_{n}"
            try:
                ref = reference(c, inputs)
            except Exception as e:  # noqa: BLE001 - raw ORT cannot run it (old opsets...)
                stats["reference_failed"] += 1
                if not (d / "error.txt").exists():  # the same library must fail the same way
                    failures.append(f"{c.name} set {n}: raw ORT failed ({str(e)[:200]}) but Go succeeded")
                continue
            stats["sets"] += 1
            if (d / "error.txt").exists():
                failures.append(f"{c.name} set {n}: Go failed: {(d / 'error.txt').read_text()[:400]}")
                continue
            problems = []
            for k, r in enumerate(ref):
                meta = json.loads((d / f"out_{k}.json").read_text())
                p = compare(read_value(meta, d), r, f"output {k}")
                if p:
                    problems.append(p)
            if problems:
                failures.append(f"{c.name} set {n}: " + "; ".join(problems))
            else:
                stats["equal"] += 1
    return failures, stats


def run_e2e(tmp: Path, backend: bool, race: bool) -> None:
    cases = all_cases(backend)
    t0 = time.monotonic()
    built = build_workspace(tmp, cases)
    unsupported = [c.name for c in cases if c.problem]
    args = ["test", "-count=1", "-timeout=1200s", "-run", "TestCases", "-v", "./runner"]
    if race:
        args.insert(1, "-race")
    res = go(args, tmp, SDKGEN_E2E_CASES=str(tmp / "cases"))
    t_go = time.monotonic() - t0
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    failures, stats = check_results(tmp, built)
    print(f"\ngo e2e: {len(built)} models built ({len(unsupported)} unsupported: {unsupported}), "
          f"{stats}, go build+run {t_go:.1f}s, total {time.monotonic() - t0:.1f}s")
    assert not failures, "\n".join(failures)
    assert stats["sets"] >= (100 if backend else 9)


@pytest.mark.slow
def test_e2e_extra_and_real_models_race(tmp_path: Path) -> None:
    """The fixtures for onnxruntime_go's conversion bugs plus the shared real models, with -race."""
    run_e2e(tmp_path, backend=False, race=True)


@pytest.mark.slow
def test_e2e_backend_suite(tmp_path: Path) -> None:
    """Every model of the onnx backend data (simple, pytorch-converted, pytorch-operator, light)."""
    run_e2e(tmp_path, backend=True, race=False)
