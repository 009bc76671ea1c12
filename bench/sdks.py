"""Generate the SDKs a benchmark measures and build one worker per language around them.

The worker names every generated identifier from the emitter's view model (``emit.generate(...).view``),
never by re-deriving it, and calls only the SDK's public API, so it follows the generator and the
runtimes as they change. Raw-binding code for the same models is generated next to it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path

import onnxruntime as ort

from generator import emit, ir, reader, versions, writer

from .common import run
from .driver import Worker

WORKERS = Path(__file__).resolve().parent / "workers"
ORT_LIB = Path(ort.__file__).parent / "capi" / f"libonnxruntime.so.{ort.__version__}"
PY_PACKAGE = "sdkgen_bench"
JAVA_PACKAGE = "sdkgen.bench"
GO_MODULE = "sdkgen.bench/models"


@dataclasses.dataclass(frozen=True)
class BenchModel:
    """One model every worker can open: its key (file ``<key>.onnx`` in the models folder, and the
    name its SDK types derive from), its file, and the dtype of every input/output."""

    key: str
    path: Path
    inputs: tuple[tuple[str, str], ...]  # (wire name, "float32" | "int64")
    outputs: tuple[tuple[str, str], ...]

    @staticmethod
    def of(key: str, path: Path) -> BenchModel:
        m, _ = reader.read_file(path)
        dt = {ir.DType.FLOAT: "float32", ir.DType.INT64: "int64"}

        def vals(vs: tuple[ir.Value, ...]) -> tuple[tuple[str, str], ...]:
            out = []
            for v in vs:
                elem = getattr(v.type, "elem", None)
                if not isinstance(v.type, ir.TensorType) or elem not in dt:
                    raise ValueError(f"{path.name}: {v.name} is {v.type}: the bench feeds float or int64 tensors")
                out.append((v.name, dt[elem]))
            return tuple(out)

        return BenchModel(key, path, vals(m.inputs), vals(m.outputs))


def stage_models(models: list[BenchModel], d: Path) -> Path:
    """The models folder every worker reads raw sessions from (``$BENCH_MODELS/<key>.onnx``)."""
    d.mkdir(parents=True, exist_ok=True)
    for m in models:
        shutil.copy2(m.path, d / f"{m.key}.onnx")
        for ext in (".pt", ".json"):  # the PyTorch rows' weights and config, when the model has them
            side = m.path.with_suffix(ext)
            if side.is_file():
                shutil.copy2(side, d / f"{m.key}{ext}")
    return d


def _sources(models: list[BenchModel]) -> list[emit.ModelSource]:
    return [emit.ModelSource(*reader.read_file(m.path), m.key) for m in models]


def _write(lang: str, models: list[BenchModel], out: Path, opts: emit.Options) -> object:
    g = emit.generate(lang, _sources(models), opts)
    writer.write_tree(out, g.files, marker=b"{}\n", force=True)
    return g.view


# --- Python -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PythonWorker:
    src: Path  # the generated package's src/ (PYTHONPATH)
    manifest: Path

    def command(self, python: str = sys.executable) -> list[str]:
        return [python, str(WORKERS / "worker.py"), str(self.manifest)]

    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.src)}


def build_python(models: list[BenchModel], out: Path) -> PythonWorker:
    view = _write("python", models, out / "sdk", emit.Options(package=PY_PACKAGE))
    manifest = {}
    for m, mv in zip(models, view.models):  # type: ignore[attr-defined]
        manifest[m.key] = {
            "package": view.package,  # type: ignore[attr-defined]
            "class": mv.class_name,
            "inputs": [[w, v.ident, d] for (w, d), v in zip(m.inputs, mv.inputs)],
            "outputs": [[w, v.ident, d] for (w, d), v in zip(m.outputs, mv.outputs)],
        }
    # torch rows: a pseudo-model with the same inputs (the worker builds bench.bert's module)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return PythonWorker(out / "sdk" / "src", out / "manifest.json")


# --- Go -----------------------------------------------------------------------------------------

_GO_ELEM = {"float32": "float32", "int64": "int64"}
_GO_FILL = {"float32": "fillFloat32", "int64": "fillInt64"}


def _go_model(m: BenchModel, mv: object, alias: str) -> str:
    ins = [(w, d, v.field) for (w, d), v in zip(m.inputs, mv.inputs)]  # type: ignore[attr-defined]
    out_dt, out_field = m.outputs[0][1], mv.outputs[0].field  # type: ignore[attr-defined]
    oe = _GO_ELEM[out_dt]
    fills = "\n".join(f"\tin{i} := {_GO_FILL[d]}({json.dumps(w)}, n)" for i, (w, d, _) in enumerate(ins))
    fields = ", ".join(f"{f}: {alias}.NewTensor(in{i}, dims...)" for i, (_, _, f) in enumerate(ins))
    names_in = ", ".join(json.dumps(w) for w, _, _ in ins)
    out_names = ", ".join(json.dumps(w) for w, _ in m.outputs)
    make = "\n".join(
        f"\t\tt{i}, err := ort.NewTensor(ort.Shape(dims), in{i})\n\t\tif err != nil {{\n\t\t\treturn err\n\t\t}}\n"
        f"\t\tdefer t{i}.Destroy()" for i in range(len(ins)))
    tensors = ", ".join(f"t{i}" for i in range(len(ins)))
    nils = ", ".join("nil" for _ in m.outputs)
    bound = "\n".join(
        f"\t\tb{i}, err := ort.NewTensor(ort.Shape(dims), make([]{_GO_ELEM[d]}, n))\n"
        f"\t\tif err != nil {{\n\t\t\treturn nil, err\n\t\t}}" for i, (_, d, _) in enumerate(ins))
    copies = "\n".join(f"\t\t\tcopy(b{i}.GetData(), in{i})" for i in range(len(ins)))
    bvals = ", ".join(f"b{i}" for i in range(len(ins)))
    return f"""
func open_{m.key}(kind string, threads int, spin bool, dims []int64) (*runner, error) {{
	n := prod(dims)
{fills}
	inNames := []string{{{names_in}}}
	outNames := []string{{{out_names}}}
	switch kind {{
	case "sdk":
		var opts []{alias}.Option
		if threads > 0 {{
			opts = append(opts, {alias}.WithIntraOpThreads(threads), {alias}.WithInterOpThreads(1), {alias}.WithSpinning(spin))
		}}
		m, err := {alias}.{mv.new_func}(opts...)  // type: ignore
		if err != nil {{
			return nil, err
		}}
		ctx := context.Background()
		var last {alias}.{mv.outputs_type}
		cfg := m.Config()
		return &runner{{
			call: func() error {{
				var err error
				last, err = m.Run(ctx, {alias}.{mv.inputs_type}{{{fields}}})
				return err
			}},
			sum:   func() float64 {{ return sum(last.{out_field}.Data) }},
			close: func() {{ m.Close() }},
			info: map[string]any{{"config": map[string]any{{"intra_op_threads": cfg.IntraOpThreads,
				"inter_op_threads": cfg.InterOpThreads, "allow_spinning": cfg.AllowSpinning}}}},
		}}, nil
	case "sdk-into": // RunInto, one Outputs reused from call to call
		var opts []{alias}.Option
		if threads > 0 {{
			opts = append(opts, {alias}.WithIntraOpThreads(threads), {alias}.WithInterOpThreads(1), {alias}.WithSpinning(spin))
		}}
		m, err := {alias}.{mv.new_func}(opts...)  // type: ignore
		if err != nil {{
			return nil, err
		}}
		ctx := context.Background()
		var out {alias}.{mv.outputs_type}
		in := {alias}.{mv.inputs_type}{{{fields}}}
		cfg := m.Config()
		return &runner{{
			call:  func() error {{ return m.RunInto(ctx, in, &out) }},
			sum:   func() float64 {{ return sum(out.{out_field}.Data) }},
			close: func() {{ m.Close() }},
			info: map[string]any{{"config": map[string]any{{"intra_op_threads": cfg.IntraOpThreads,
				"inter_op_threads": cfg.InterOpThreads, "allow_spinning": cfg.AllowSpinning}}}},
		}}, nil
	case "raw-into":
		// RunInto by hand: the outputs' tensors made per call over buffers reused from call to call
		probe, err := open_{m.key}("raw", threads, spin, dims)
		if err != nil {{
			return nil, err
		}}
		if err := probe.call(); err != nil {{
			return nil, err
		}}
		outShape := probe.shape
		probe.close()
		if len(outNames) != 1 {{
			return nil, fmt.Errorf("raw-into: one output only")
		}}
		s, err := rawSession({json.dumps(m.key)}, inNames, outNames, threads, spin)
		if err != nil {{
			return nil, err
		}}
		buf := make([]{oe}, prod(outShape))
		return &runner{{call: func() error {{
{make}
			o, err := ort.NewTensor(ort.Shape(outShape), buf)
			if err != nil {{
				return err
			}}
			defer o.Destroy()
			return s.Run([]ort.Value{{{tensors}}}, []ort.Value{{o}})
		}}, sum: func() float64 {{ return sum(buf) }}, close: func() {{ s.Destroy() }}}}, nil
	case "raw":
		s, err := rawSession({json.dumps(m.key)}, inNames, outNames, threads, spin)
		if err != nil {{
			return nil, err
		}}
		var last []{oe}
		r := &runner{{}}
		r.call = func() error {{
{make}
		outs := []ort.Value{{{nils}}}
		if err := s.Run([]ort.Value{{{tensors}}}, outs); err != nil {{
			return err
		}}
		last = outs[0].(*ort.Tensor[{oe}]).GetData()
		r.shape = outs[0].GetShape()
		destroy(outs)
		return nil
	}}
	r.sum = func() float64 {{ return sum(last) }}
	r.close = func() {{ s.Destroy() }}
	return r, nil
	case "docs":
		// the output's shape, from one dynamic run
		probe, err := open_{m.key}("raw", threads, spin, dims)
		if err != nil {{
			return nil, err
		}}
		if err := probe.call(); err != nil {{
			return nil, err
		}}
		outShape := probe.shape
		probe.close()
{bound}
		o, err := ort.NewEmptyTensor[{oe}](ort.Shape(outShape))
		if err != nil {{
			return nil, err
		}}
		outVals := []ort.Value{{o}}
		if len(outNames) != 1 {{
			return nil, fmt.Errorf("docs: one output only")
		}}
		s, err := docsSession({json.dumps(m.key)}, inNames, outNames, []ort.Value{{{bvals}}}, outVals, threads, spin)
		if err != nil {{
			return nil, err
		}}
		return &runner{{call: func() error {{
{copies}
			return s.Run()
		}}, sum: func() float64 {{ return sum(o.GetData()) }}, close: func() {{ s.Destroy() }}}}, nil
	}}
	return nil, fmt.Errorf("unknown kind %q", kind)
}}
""".replace("  // type: ignore", "")


def go_exe() -> str:
    exe = shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(exe).is_file():
        raise RuntimeError("Go is required for the Go rows")
    return exe


def go_env() -> dict[str, str]:
    return {"GOFLAGS": "-mod=mod -buildvcs=false", "CGO_ENABLED": "1"}


def build_go(models: list[BenchModel], out: Path) -> Path:
    """The worker binary, built with cgo inside the generated module."""
    sdk = out / "sdk"
    view = _write("go", models, sdk, emit.Options(module=GO_MODULE))
    imports, funcs, cases = [], [], []
    for i, (m, mv) in enumerate(zip(models, view.models)):  # type: ignore[attr-defined]
        alias = f"m{i}"
        imports.append(f'\t{alias} "{mv.import_path}"')
        funcs.append(_go_model(m, mv, alias))
        cases.append(f'\tcase {json.dumps(m.key)}:\n\t\treturn open_{m.key}(kind, threads, spin, dims)')
    src = (WORKERS / "worker.go.in").read_text()
    src = src.replace("//IMPORTS", "\n".join(imports)).replace("//MODELS", "\n".join(funcs))
    src = src.replace("//OPENERS", "\n".join(cases))
    (sdk / "cmd" / "benchworker").mkdir(parents=True, exist_ok=True)
    (sdk / "cmd" / "benchworker" / "main.go").write_text(src)
    go = go_exe()
    run([str(Path(go).parent / "gofmt"), "-w", str(sdk / "cmd" / "benchworker" / "main.go")])
    binary = out / "benchworker"
    run([go, "build", "-trimpath", "-o", str(binary), "./cmd/benchworker"], cwd=sdk, env=go_env(), timeout=1200)
    return binary


# --- Java ---------------------------------------------------------------------------------------

_JAVA_PRIM = {"float32": "float", "int64": "long"}
_JAVA_FILL = {"float32": "fillFloat", "int64": "fillLong"}
_JAVA_BUF = {"float32": "FloatBuffer", "int64": "LongBuffer"}
_JAVA_GET = {"float32": "getFloatBuffer", "int64": "getLongBuffer"}


def _java_model(m: BenchModel, mv: object) -> str:
    cls = mv.cls  # type: ignore[attr-defined]
    ins = [(w, d, v.ident) for (w, d), v in zip(m.inputs, mv.inputs)]  # type: ignore[attr-defined]
    (out_wire, out_dt), out_ident = m.outputs[0], mv.outputs[0].ident  # type: ignore[attr-defined]
    op = _JAVA_PRIM[out_dt]
    fills = "\n".join(f"    {_JAVA_PRIM[d]}[] in{i} = {_JAVA_FILL[d]}({json.dumps(w)}, n);" for i, (w, d, _) in enumerate(ins))
    nested = "\n".join(f"    {_JAVA_PRIM[d]}[][] nest{i} = nest(in{i}, dims);" for i, (w, d, _) in enumerate(ins))
    setters = "".join(f".{ident}(in{i}, dims)" for i, (_, _, ident) in enumerate(ins))
    raw_tensors = "\n".join(
        f"        OnnxTensor t{i} = OnnxTensor.createTensor(env, {_JAVA_BUF[d]}.wrap(in{i}), dims);"
        for i, (_, d, _) in enumerate(ins))
    doc_tensors = "\n".join(f"        OnnxTensor t{i} = OnnxTensor.createTensor(env, nest{i});" for i in range(len(ins)))
    puts = "\n".join(f"          feed.put({json.dumps(w)}, t{i});" for i, (w, _, _) in enumerate(ins))
    closes = "\n".join(f"          t{i}.close();" for i in range(len(ins)))
    return f"""
  static Runner open_{m.key}(String kind, int threads, boolean spin, long[] dims) throws Exception {{
    int n = prod(dims);
{fills}
    Runner r = new Runner();
    {op}[][] last = new {op}[1][];
    {op}[][][] nested = new {op}[1][][];
    switch (kind) {{
      case "sdk": {{
        {cls} m = threads > 0
            ? {cls}.create(Options.builder().intraOpThreads(threads).interOpThreads(1).allowSpinning(spin).build())
            : {cls}.create();
        r.call = () -> last[0] = m.run({cls}.inputs(){setters}.build()).{out_ident}().data();
        r.close = m::close;
        SessionConfig c = m.config();
        r.info.put("config", Map.of("intra_op_threads", c.intraOpThreads(), "inter_op_threads", c.interOpThreads(),
            "allow_spinning", c.allowSpinning()));
        break;
      }}
      case "raw": {{
        OrtSession s = env.createSession(modelPath("{m.key}"), rawOptions(threads, spin));
        Set<String> outs = Set.of({json.dumps(out_wire)});
        r.call = () -> {{
{raw_tensors}
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {{
{puts}
          try (OrtSession.Result res = s.run(feed, outs)) {{
            OnnxTensor y = (OnnxTensor) res.get(0);
            last[0] = y.{_JAVA_GET[out_dt]}().array();
            y.getInfo().getShape();
          }}
        }} finally {{
{closes}
        }}
        }};
        r.close = s::close;
        break;
      }}
      case "docs": {{
        // ONNX Runtime's Java docs: tensors from nested arrays, results read with getValue()
        OrtSession s = env.createSession(modelPath("{m.key}"), rawOptions(threads, spin));
{nested}
        r.call = () -> {{
{doc_tensors}
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {{
{puts}
          try (OrtSession.Result res = s.run(feed)) {{
            nested[0] = ({op}[][]) res.get(0).getValue();
          }}
        }} finally {{
{closes}
        }}
        }};
        r.close = s::close;
        break;
      }}
      default:
        throw new IllegalArgumentException("unknown kind " + kind);
    }}
    r.sum = kind.equals("docs") ? () -> sum(flat(nested[0])) : () -> sum(last[0]);
    return r;
  }}
"""


def ort_jar() -> Path:
    jar = (Path.home() / ".m2" / "repository" / "com" / "microsoft" / "onnxruntime" / "onnxruntime"
           / versions.ORT_VERSION / f"onnxruntime-{versions.ORT_VERSION}.jar")
    if not jar.is_file():
        mvn = shutil.which("mvn")
        if not mvn:
            raise RuntimeError("Maven is required to fetch the ONNX Runtime jar")
        run([mvn, "-q", "-B", "dependency:get", f"-Dartifact=com.microsoft.onnxruntime:onnxruntime:{versions.ORT_VERSION}"])
    return jar


@dataclasses.dataclass(frozen=True)
class JavaWorker:
    classes: Path
    jar: Path

    def command(self, java: str = "java", jvm: tuple[str, ...] = ()) -> list[str]:
        return [java, *jvm, "-cp", f"{self.classes}{os.pathsep}{self.jar}", "BenchWorker"]


def build_java(models: list[BenchModel], out: Path) -> JavaWorker:
    sdk = out / "sdk"
    view = _write("java", models, sdk, emit.Options(package=JAVA_PACKAGE))
    funcs, cases = [], []
    for m, mv in zip(models, view.models):  # type: ignore[attr-defined]
        funcs.append(_java_model(m, mv))
        cases.append(f'      case {json.dumps(m.key)}: return open_{m.key}(kind, threads, spin, dims);')
    src = (WORKERS / "BenchWorker.java.in").read_text().replace("PACKAGE", view.package)  # type: ignore[attr-defined]
    src = src.replace("//MODELS", "\n".join(funcs)).replace("//OPENERS", "\n".join(cases))
    (out / "BenchWorker.java").write_text(src)
    classes = out / "classes"
    jar = ort_jar()
    javac = shutil.which("javac")
    if not javac:
        raise RuntimeError("javac is required for the Java rows")
    srcs = sorted(str(p) for p in (sdk / "src" / "main" / "java").rglob("*.java"))
    run([javac, "--release", str(versions.JAVA_RELEASE), "-nowarn", "-d", str(classes), "-cp", str(jar),
         *srcs, str(out / "BenchWorker.java")], timeout=1200)
    shutil.copytree(sdk / "src" / "main" / "resources", classes, dirs_exist_ok=True)
    return JavaWorker(classes, jar)


# --- one SDK per language for a set of models, shared by the sections of one run ---------------


@dataclasses.dataclass(frozen=True)
class Built:
    models: Path  # $BENCH_MODELS
    python: PythonWorker
    go: Path
    java: JavaWorker


_BUILT: dict[tuple[tuple[str, str], ...], Built] = {}


def build_all(models: list[BenchModel], root: Path) -> Built:
    """The three workers for ``models``, built once per run (sections share them)."""
    key = tuple((m.key, str(m.path)) for m in models)
    if key not in _BUILT:
        d = root / f"sdks-{len(_BUILT)}"
        _BUILT[key] = Built(stage_models(models, d / "models"), build_python(models, d / "python"),
                            build_go(models, d / "go"), build_java(models, d / "java"))
    return _BUILT[key]


REPO = Path(__file__).resolve().parent.parent


def start(lang: str, built: Built, log_dir: Path, name: str = "", python: str = sys.executable,
          env: dict[str, str] | None = None) -> Worker:
    """A running worker of ``lang`` (python, go, java) over ``built``'s SDK."""
    base = {"BENCH_MODELS": str(built.models), "ONNXRUNTIME_SHARED_LIBRARY_PATH": str(ORT_LIB),
            "BENCH_REPO": str(REPO), **(env or {})}
    name = name or lang
    if lang == "python":
        return Worker(name, built.python.command(python), {**base, **built.python.env()}, log_dir / f"{name}.log")
    if lang == "go":
        return Worker(name, [str(built.go)], base, log_dir / f"{name}.log")
    if lang == "java":
        return Worker(name, built.java.command(), base, log_dir / f"{name}.log")
    raise ValueError(lang)
