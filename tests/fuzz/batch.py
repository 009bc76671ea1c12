"""The fuzz's two properties, for a list of ``spec.FuzzModel``.

1. Generation (per model, per language; cheap): the reader reads the model or refuses it with a
   ``UserError``; ``emit.generate`` succeeds exactly when ``targets.refusals`` is empty, and
   otherwise raises ``UnsupportedModel`` (never anything else); generating twice gives the same
   bytes.
2. Build and run (per batch, per language): ONE SDK holding every model the language accepts
   goes through the language's checks (Python: ruff at defaults, ruff format --check, mypy
   --strict; Java: javac -Xlint:all -Werror of sources and generated tests, google-java-format;
   Go: gofmt -l, go vet, go build), then one process (a Python interpreter, a JVM, a Go binary:
   the testees of ``sdkgen check`` in integration/) calls every model's typed ``run`` once, and
   the outputs are compared with raw Python ONNX Runtime's (which, for these graphs, equal the
   inputs or the constants: that is checked too).

Only what a call needs stops a model (Python: its modules compile; Java: javac; Go: go vet);
the linters, formatters and type checkers are recorded as the model's "soft" failures and the
model is still called. A blocking check that fails is pinned on the models whose files it
names; failures it cannot pin (a shared file, a crash) are narrowed by bisecting the batch. The
models found guilty are dropped and the rest is built again, so one bad model does not hide the
others.

When raw Python ONNX Runtime cannot feed a model (element types numpy lacks; maps whose values
are not float), the model's definition is the oracle (``spec.expected``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from generator import emit, fixtures, ir, reader, targets, versions
from generator.check.cases import leaf_code
from generator.check.common import ort_library, proto_dir, protoc, tools_dir
from generator.check.compare import compare
from generator.check.go_lang import RUNNER_MODULE, _protoc_gen_go, go_env
from generator.check.java_lang import PROTOBUF_JAVA, _protoc_java
from generator.errors import UnsupportedModel, UserError

from . import spec
from .spec import FuzzModel

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LANGS = targets.LANGS
ENV = {"SDKGEN_INTRA_OP_THREADS": "1", "SDKGEN_INTER_OP_THREADS": "1"}


@dataclasses.dataclass
class Outcome:
    """What happened to one model in one language."""

    status: str  # ok | refused | fail | not-run
    stage: str = ""  # read, generate, lint, format, typecheck, compile, vet, build, run, compare
    detail: str = ""

    def short(self) -> str:
        first = self.detail.strip().splitlines()[0][:200] if self.detail.strip() else ""
        return f"{self.status}" + (f" at {self.stage}" if self.stage else "") + (f": {first}" if first else "")


@dataclasses.dataclass
class Case:
    key: str
    model: FuzzModel
    data: bytes = b""
    ir: ir.Model | None = None
    outcomes: dict[str, Outcome] = dataclasses.field(default_factory=dict)
    # raw ONNX Runtime: "" when it ran the call (then ``reference`` holds its outputs), else why not
    ort: str = ""
    inputs: list[Any] = dataclasses.field(default_factory=list)
    reference: list[Any] | None = None
    note: str = ""
    # failures of checks that do not stop the call (lint, format, type check), per language
    soft: dict[str, list[Outcome]] = dataclasses.field(default_factory=dict)

    def failures(self, lang: str) -> list[Outcome]:
        main = self.outcomes.get(lang)
        return [*self.soft.get(lang, []), *([main] if main is not None and main.status == "fail" else [])]


@dataclasses.dataclass
class Stats:
    examples: int = 0
    refused: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(LANGS, 0))
    sdks: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(LANGS, 0))
    builds: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(LANGS, 0))
    calls: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(LANGS, 0))
    ok: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(LANGS, 0))
    ort_cannot: int = 0
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)

    def add_time(self, what: str, t0: float) -> None:
        self.seconds[what] = self.seconds.get(what, 0.0) + time.monotonic() - t0


# --- property 1: reading and generation --------------------------------------------------------


def source(c: Case) -> emit.ModelSource:
    assert c.ir is not None
    return emit.ModelSource(c.ir, c.data, c.model.name)


def generation(c: Case, langs: Sequence[str] = LANGS) -> None:
    """Fills ``c.outcomes`` with the refusals and generation failures (property 1)."""
    try:
        c.data = c.model.onnx_bytes()
    except Exception as e:  # noqa: BLE001 - a bug of the fuzz itself, reported as such
        for lang in langs:
            c.outcomes[lang] = Outcome("fail", "fuzz", f"cannot build the ONNX model: {e!r}")
        return
    try:
        c.ir = reader.read_bytes(c.data, "fuzz.onnx")
    except UserError as e:
        for lang in langs:
            c.outcomes[lang] = Outcome("refused", "read", str(e))
        return
    except Exception as e:  # noqa: BLE001
        for lang in langs:
            c.outcomes[lang] = Outcome("fail", "read", f"the reader raised {type(e).__name__}, not UserError: {e}")
        return
    for lang in langs:
        refused = targets.refusals(lang, c.ir)
        try:
            first = emit.generate(lang, [source(c)], emit.Options())
        except UnsupportedModel as e:
            c.outcomes[lang] = (Outcome("refused", "generate", str(e)) if refused else Outcome(
                "fail", "generate", f"refused though targets.refusals is empty: {e}"))
            continue
        except UserError as e:
            c.outcomes[lang] = Outcome("fail", "generate", f"UserError that is not the registry's refusal "
                                       f"(refusals: {[str(r) for r in refused]}): {e}")
            continue
        except Exception as e:  # noqa: BLE001
            c.outcomes[lang] = Outcome("fail", "generate", f"{type(e).__name__} (not a UserError): {e}")
            continue
        if refused:
            c.outcomes[lang] = Outcome("fail", "generate", "generated though targets.refusals says: "
                                       + "; ".join(str(r) for r in refused))
            continue
        again = emit.generate(lang, [source(c)], emit.Options())
        if again.files != first.files:
            diff = sorted(k for k in set(first.files) | set(again.files) if first.files.get(k) != again.files.get(k))
            c.outcomes[lang] = Outcome("fail", "generate", f"not deterministic: {diff[:5]}")


# --- raw ONNX Runtime --------------------------------------------------------------------------


def _uses_bits(t: ir.ValueType) -> bool:
    if isinstance(t, ir.TensorType):
        return t.elem in spec.ORT_BITS
    if isinstance(t, ir.MapType):
        return _uses_bits(t.value)
    return _uses_bits(t.elem)


def reference(c: Case) -> None:
    """Run raw Python ONNX Runtime on the case's one call; ``c.ort`` says why not when it cannot.
    Models with element types numpy lacks are fed as OrtValues of their bits; their expected
    outputs are the model's definition (mirrors, constants)."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    assert c.ir is not None
    ort.set_default_logger_severity(4)
    try:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.log_severity_level = 4
        sess = ort.InferenceSession(c.data, so, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001
        c.ort = "ort-cannot-load: " + str(e).splitlines()[0][:300]
        return
    try:
        c.inputs = spec.inputs(c.model)
    except Exception as e:  # noqa: BLE001
        c.ort = f"fuzz-cannot-make-inputs: {e!r}"
        return
    want = spec.expected(c.model, c.inputs)
    bits = any(_uses_bits(v.type) for v in (*c.ir.inputs, *c.ir.outputs))
    try:
        if bits:
            feed = {v.name: (ort.OrtValue.ortvalue_from_numpy_with_onnx_type(spec.bits(x, v.type.elem), v.type.elem.value)
                             if isinstance(v.type, ir.TensorType) and v.type.elem in spec.ORT_BITS
                             else ort.OrtValue.ortvalue_from_numpy(np.asarray(x)))
                    for v, x in zip(c.ir.inputs, c.inputs)}
            sess.run_with_ort_values([v.name for v in c.ir.outputs], feed)
            got = want  # it runs; numpy cannot show these outputs: the definition is the oracle
        else:
            got = sess.run([v.name for v in c.ir.outputs], {v.name: x for v, x in zip(c.ir.inputs, c.inputs)})
    except Exception as e:  # noqa: BLE001
        msg = str(e).splitlines()[0][:300]
        if not any(s in msg for s in _PY_FEED):
            c.ort = "ort-cannot-run: " + msg
            return
        c.note = f"raw ORT's Python API cannot feed it ({msg}): the model's definition is the oracle"
        got = want
    for k, (v, w, g) in enumerate(zip(c.ir.outputs, want, got)):  # the oracle of the oracle
        problem, _ = _compare(w, g, v.type, f"raw ORT output {k}")
        if problem:
            c.ort = f"fuzz-bad-oracle: {problem}"
            return
    c.reference = list(got)


# Errors of ONNX Runtime's Python API building a value (not of ONNX Runtime running the model).
_PY_FEED = ("Unexpected input data type", "cannot be linked to C type", "Numpy_type",
            "expected to be of type")


def _compare(exp: Any, act: Any, t: ir.ValueType, where: str) -> tuple[str, float]:
    """Exact, NaN equal to NaN; types numpy lacks by their bits."""
    if isinstance(t, ir.TensorType) and t.elem in spec.ORT_BITS:
        e, a = spec.bits(exp, t.elem), spec.bits(act, t.elem)
        if e.shape != a.shape or not np.array_equal(e, a):
            got, want = f"{a.ravel()[:8].tolist()} {list(a.shape)}", f"{e.ravel()[:8].tolist()} {list(e.shape)}"
            return f"{where}: bits {got} != expected {want}", float("inf")
        return "", 0.0
    return compare(exp, act, t, 0.0, 0.0, where)


# --- shared helpers ----------------------------------------------------------------------------


def sh(cmd: Sequence[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 1800) -> tuple[int, str]:
    full = {**os.environ, **(env or {})}
    try:
        r = subprocess.run(list(cmd), cwd=cwd, env=full, capture_output=True, text=True, errors="replace",
                           timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        text = b"".join(x if isinstance(x, bytes) else (x or "").encode() for x in (e.stdout, e.stderr))
        return -9, f"timeout after {timeout}s: {' '.join(cmd)[:200]}\n{text.decode(errors='replace')}"
    return r.returncode, r.stdout + r.stderr


def write_files(root: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(root, ignore_errors=True)
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def write_sdk(root: Path, files: dict[str, bytes], owners: dict[str, str]) -> None:
    """Write the SDK as ``generator.writer`` would (a file name too long for the file system
    is a failure of the model that made it)."""
    too_long = [f"{root / rel}: File name too long" for rel in files
                if any(len(part.encode()) > 255 for part in rel.split("/"))]
    if too_long:  # checked first: the models at fault are found in one round, before any tool runs
        raise _blame("write", "\n\n".join(too_long), owners)
    try:
        write_files(root, files)
    except OSError as e:
        raise _blame("write", f"{e.filename}: {e.strerror}", owners) from None


def tail(s: str, n: int = 4000) -> str:
    return s if len(s) <= n else "..." + s[-n:]


class Problem(Exception):
    """A check failed: ``blame`` maps case keys to their part of the message; ``rest`` is what
    no case could be blamed for."""

    def __init__(self, stage: str, blame: dict[str, str], rest: str) -> None:
        super().__init__(stage)
        self.stage, self.blame, self.rest = stage, blame, rest
        self.stages = dict.fromkeys(blame, stage)  # the stage each model failed at


def merged(problems: list[Problem]) -> Problem:
    """All checks' failures at once (a model's first failing stage wins), so one build pins every
    model that fails any check."""
    out = Problem(problems[0].stage, {}, "\n".join(f"[{p.stage}] {p.rest}" for p in problems if p.rest.strip()))
    for p in problems:
        for k, msg in p.blame.items():
            if k not in out.blame:
                out.blame[k], out.stages[k] = msg, p.stages.get(k, p.stage)
    return out


def _blame(stage: str, output: str, owners: dict[str, str]) -> Problem:
    """Pin each line of a tool's output on the case owning a path it names (``owners``: path
    fragment -> case key; the longest fragment wins)."""
    blame: dict[str, list[str]] = {}
    rest: list[str] = []
    pats = [(re.compile(r"(?<![A-Za-z0-9_.-])" + re.escape(f) + r"(?![A-Za-z0-9_])"), k)
            for f, k in sorted(owners.items(), key=lambda fk: len(fk[0]), reverse=True)]
    # A line naming no file continues the message of the last one that did; after a blank line,
    # such lines head the next message (ruff format prints its verdict before the path).
    current: list[str] = rest
    pending: list[str] = []
    after_blank = False
    for line in output.splitlines():
        key = next((k for pat, k in pats if pat.search(line)), None)
        if key is not None:
            current = blame.setdefault(key, [])
            current += [*pending, line]
            pending, after_blank = [], False
        elif not line.strip():
            current += [*pending, line]
            pending, after_blank = [], True
        elif after_blank:
            pending.append(line)
        else:
            current.append(line)
    current += pending
    return Problem(stage, {k: "\n".join(v) for k, v in blame.items()}, "\n".join(rest))


# --- per language: build (static checks) and run ------------------------------------------------


class Lang:
    lang = ""

    def __init__(self, work: Path, stats: Stats) -> None:
        self.work = work
        self.stats = stats

    def generate(self, cases: list[Case]) -> emit.Generated:
        return emit.generate(self.lang, [source(c) for c in cases], self.options())

    def options(self) -> emit.Options:
        return emit.Options()

    def build(self, cases: list[Case], root: Path) -> Any:
        """Generate one SDK for ``cases`` under ``root`` and build it as far as a call needs;
        raise ``Problem``."""
        raise NotImplementedError

    def checks(self, built: Any, cases: list[Case], root: Path) -> Problem | None:
        """The checks a call does not need (linters, formatters, type checkers)."""
        return None

    def run(self, built: Any, cases: list[Case], root: Path) -> dict[str, str]:
        """Call every case's model once; write ``out/<key>/output_K.pb`` (or error.txt)."""
        raise NotImplementedError


def _set_dir(root: Path, c: Case) -> Path:
    return root / "out" / c.key


def _write_inputs(root: Path, c: Case) -> list[str]:
    assert c.ir is not None
    d = root / "in" / c.key
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (v, x) in enumerate(zip(c.ir.inputs, c.inputs)):
        fixtures.save_value(d / f"input_{i}.pb", x, v.type, v.name)
        paths.append(str(d / f"input_{i}.pb"))
    return paths


class Python(Lang):
    lang = "python"

    def __init__(self, work: Path, stats: Stats) -> None:
        super().__init__(work, stats)
        self.n = 0
        self.owners: dict[str, str] = {}

    def options(self) -> emit.Options:
        # the default package joins every model's name: a batch's would be enormous
        self.n += 1
        return emit.Options(package=f"fuzz_b{self.n}")

    def build(self, cases: list[Case], root: Path) -> Any:
        gen = self.generate(cases)
        sdk = root / "sdk"
        owners = {f"{m.module}.py": c.key for m, c in zip(gen.view.models, cases)}
        owners.update({m.model_file: c.key for m, c in zip(gen.view.models, cases) if m.model_file})
        write_sdk(sdk, gen.files, owners)
        bad = []
        for rel, data in gen.files.items():
            if rel.endswith(".py"):
                try:
                    compile(data, rel, "exec")
                except (SyntaxError, ValueError) as e:
                    bad.append(f"{rel}: {type(e).__name__}: {e}")
        if bad:  # a syntax error anywhere stops the package's import, so every call
            raise _blame("compile", "\n".join(bad), owners)
        self.owners = owners
        return gen

    def checks(self, built: Any, cases: list[Case], root: Path) -> Problem | None:
        sdk = root / "sdk"
        problems: list[Problem] = []
        for stage, cmd, cwd in (
            ("lint", [str(BIN / "ruff"), "check", "--isolated", "--no-cache", "--output-format", "concise", "."], sdk),
            ("format", [str(BIN / "ruff"), "format", "--isolated", "--no-cache", "--check", "."], sdk),
            ("typecheck", [str(BIN / "mypy"), "--strict", "--no-incremental", "--cache-dir", str(root / "mypy-cache"),
                           "--no-error-summary", "-p", built.view.package], sdk / "src"),
        ):
            rc, out = sh(cmd, cwd)
            if rc != 0:
                problems.append(_blame(stage, out, self.owners))
        return merged(problems) if problems else None

    def run(self, built: Any, cases: list[Case], root: Path) -> dict[str, str]:
        manifest = []
        for m, c in _views(built, cases):
            (root / "models").mkdir(exist_ok=True)
            (root / "models" / f"{c.key}.onnx").write_bytes(c.data)
            manifest.append({"key": c.key, "src": str(root / "sdk" / "src"), "package": built.view.package,
                             "class_name": m.class_name, "params": [v.ident for v in m.inputs],
                             "fields": [v.ident for v in m.outputs], "model": str(root / "models" / f"{c.key}.onnx"),
                             "sets": [{"inputs": _write_inputs(root, c), "out": str(_set_dir(root, c))}]})
        (root / "manifest.json").write_text(json.dumps({"package": built.view.package, "src": str(root / "sdk" / "src"),
                                                        "cases": manifest}, indent=1))
        rc, out = sh([sys.executable, str(REPO / "generator" / "check" / "runners" / "python" / "check_runner.py"),
                      str(root / "manifest.json")], root, ENV)
        return {"": f"python runner exited {rc}: {tail(out, 3000)}"} if rc != 0 else {}


class Java(Lang):
    lang = "java"
    GROUP = "fuzz"

    def __init__(self, work: Path, stats: Stats) -> None:
        super().__init__(work, stats)
        self.n = 0
        self.owners: dict[str, str] = {}
        self.srcs: list[str] = []

    def options(self) -> emit.Options:
        self.n += 1
        return emit.Options(package=f"fuzz.b{self.n}")

    def classpath(self) -> str:
        from tests import java_tools

        return java_tools.classpath(REPO / "build" / "java-tools")

    def build(self, cases: list[Case], root: Path) -> Any:
        from tests import java_tools

        gen = self.generate(cases)
        sdk = root / "sdk"
        owners = {}
        for m, c in zip(gen.view.models, cases):
            owners[f"{m.cls}.java"] = c.key
            owners[f"{m.cls}Test.java"] = c.key
            owners[f"{m.cls}.onnx"] = c.key
        write_sdk(sdk, gen.files, owners)
        srcs = sorted(str(p) for p in (sdk / "src").rglob("*.java"))
        classes = root / "classes"
        shutil.rmtree(classes, ignore_errors=True)
        args = root / "javac.args"
        args.write_text("\n".join(f'"{s}"' for s in srcs) + "\n")
        rc, out = sh([java_tools.tool("javac"), "--release", str(versions.JAVA_RELEASE), "-Xlint:all", "-Werror",
                      "-encoding", "UTF-8", "-Xmaxerrs", "10000", "-cp", self.classpath(), "-d", str(classes),
                      f"@{args}"], root)
        if rc != 0:
            raise _blame("compile", out, owners)
        self.owners, self.srcs = owners, srcs
        return gen

    def checks(self, built: Any, cases: list[Case], root: Path) -> Problem | None:
        from tests import java_tools

        changed = java_tools.gjf_changes(REPO / "build" / "java-tools", [Path(s) for s in self.srcs])
        if changed:
            return _blame("format", "\n".join(f"google-java-format would change {p}" for p in changed), self.owners)
        return None

    def _proto_classes(self) -> tuple[Path, Path]:
        """protobuf-java and the classes protoc makes from onnx's protos, compiled once."""
        from tests import java_tools

        jar = java_tools.m2() / "com/google/protobuf/protobuf-java" / PROTOBUF_JAVA / f"protobuf-java-{PROTOBUF_JAVA}.jar"
        if not jar.is_file():
            rc, out = sh([java_tools.tool("mvn"), "-B", "-q", "dependency:get",
                          f"-Dartifact=com.google.protobuf:protobuf-java:{PROTOBUF_JAVA}"], self.work)
            assert rc == 0 and jar.is_file(), out
        done = self.work / "java-proto" / "classes"
        if not (done / ".ok").is_file():
            src = self.work / "java-proto" / "src"
            shutil.rmtree(self.work / "java-proto", ignore_errors=True)
            src.mkdir(parents=True)
            rc, out = sh([str(_protoc_java(tools_dir())), f"-I{proto_dir()}", f"--java_out={src}",
                          "onnx/onnx-ml.proto", "onnx/onnx-data.proto"], self.work)
            assert rc == 0, out
            rc, out = sh([java_tools.tool("javac"), "--release", str(versions.JAVA_RELEASE), "-nowarn", "-cp",
                          str(jar), "-d", str(done), *map(str, sorted(src.rglob("*.java")))], self.work)
            assert rc == 0, out
            (done / ".ok").write_text("")
        return jar, done

    def run(self, built: Any, cases: list[Case], root: Path) -> dict[str, str]:
        from tests import java_tools

        jar, proto = self._proto_classes()
        sdk = built.view
        runner = root / "runner"
        shutil.rmtree(runner, ignore_errors=True)
        shutil.copytree(REPO / "generator" / "check" / "runners" / "java" / "src" / "main" / "java", runner)
        pkg_dir = runner / "sdkgen" / "check"
        lines = []
        for i, (m, c) in enumerate(_views(built, cases)):
            from generator.check.java_lang import _adapter
            (pkg_dir / f"Case{i}.java").write_text(_adapter(i, sdk, m))
            assert c.ir is not None
            lines.append("\t".join(["case", c.key, *(str(leaf_code(v.type)) for v in c.ir.outputs)]))
            lines.append("\t".join(["set", str(_set_dir(root, c)), *_write_inputs(root, c)]))
        from generator.check.java_lang import _cases
        text = _cases(sdk)
        text = re.sub(r"  static final CheckCase\[\] ALL = \{.*?\};", "  static final CheckCase[] ALL = {\n"
                      + "".join(f"    new Case{i}(),\n" for i in range(len(cases))) + "  };", text, flags=re.DOTALL)
        (pkg_dir / "Cases.java").write_text(text)
        (root / "manifest.tsv").write_text("\n".join(lines) + "\n")
        cp = ":".join([str(root / "classes"), str(root / "sdk" / "src" / "main" / "resources"), self.classpath(),
                       str(jar), str(proto)])
        out_classes = root / "runner-classes"
        rc, out = sh([java_tools.tool("javac"), "--release", str(versions.JAVA_RELEASE), "-nowarn", "-encoding", "UTF-8",
                      "-cp", cp, "-d", str(out_classes), *map(str, sorted(runner.rglob("*.java")))], root)
        if rc != 0:
            return {"": f"the Java runner does not compile against the SDK: {tail(out)}"}
        args = root / "java.args"  # a long command line crashes ORT's JNI environment (docs/check.md)
        args.write_text('-cp\n"' + f"{out_classes}:{cp}" + '"\n')
        rc, out = sh([java_tools.tool("java"), f"@{args}", "sdkgen.check.Runner", str(root / "manifest.tsv")], root,
                     ENV)
        (root / "runner.log").write_text(out)
        return {"": f"java runner exited {rc}: {tail(out, 3000)}"} if rc != 0 else {}


def _views(built: Any, cases: list[Case]) -> list[tuple[Any, Case]]:
    """The view of each of ``cases`` (a subset of the models ``built`` holds, by SDK name)."""
    by_name = {m.name: m for m in built.view.models}
    return [(by_name[c.model.name], c) for c in cases]


_READERS = {"float": "floats", "double": "doubles", "long": "longs", "int": "ints", "short": "shorts",
            "byte": "bytes", "boolean": "booleans", "String": "strings"}


def _java_adapter(i: int, package: str, m: Any) -> str:
    cls = f"{package}.{m.cls}"
    reads = [f"    var t{k} = Values.tensor(in[{k}]);" for k in range(len(m.inputs))]
    sets = [f"        .{inp.ident}(Values.{_READERS[inp.prim]}(t{k}), Values.shape(t{k}))"
            for k, inp in enumerate(m.inputs)]
    return "\n".join([
        "package sdkgen.check;", "", "import java.nio.file.Path;", "",
        f"final class Case{i} implements CheckCase {{",
        "  @Override", "  public AutoCloseable open() {", f"    return {cls}.create();", "  }", "",
        "  @Override", "  public Record run(AutoCloseable m, Path[] in) throws Exception {",
        *reads, f"    return (({cls}) m).run({cls}.inputs()", *sets, "        .build());", "  }", "}", "",
    ])


class Go(Lang):
    lang = "go"

    def __init__(self, work: Path, stats: Stats) -> None:
        super().__init__(work, stats)
        self.n = 0
        self.gofmt: Problem | None = None

    def go(self) -> str:
        return shutil.which("go") or "/usr/local/go/bin/go"

    def options(self) -> emit.Options:
        self.n += 1
        return emit.Options(module=f"fuzz.local/b{self.n}")

    def build(self, cases: list[Case], root: Path) -> Any:
        gen = self.generate(cases)
        sdk = root / "sdk"
        single = len(cases) == 1
        owners = {}
        if not single:
            for m, c in zip(gen.view.models, cases):
                owners.update({f"{m.dir}/{f}": c.key for f in ("model.go", "shared.go", "model_test.go", "model.onnx")})
                owners[f"{gen.view.module}/{m.dir}"] = c.key
                owners[f"sdk/{m.dir}"] = c.key  # the package's directory, as the writer names it
        else:
            owners.update({f: cases[0].key for f in gen.files})
        write_sdk(sdk, gen.files, owners)

        def blame(stage: str, out: str) -> Problem:
            if single:
                return Problem(stage, {cases[0].key: out}, "")
            return _blame(stage, out, owners)

        env = go_env(tools_dir())
        gofmt = shutil.which("gofmt") or "/usr/local/go/bin/gofmt"
        rc, out = sh([self.go(), "vet", "./..."], sdk, env)
        if rc != 0:
            raise blame("vet", out)
        rc, out = sh([gofmt, "-l", "."], sdk)
        self.gofmt = blame("format", out or f"gofmt exited {rc}") if rc != 0 or out.strip() else None
        return gen

    def checks(self, built: Any, cases: list[Case], root: Path) -> Problem | None:
        return self.gofmt

    def _runner(self, gen: Any, cases: list[Case], root: Path) -> str:
        """Build the testee (integration/go/check) with a registry of ``cases``' packages; "" or
        what went wrong."""
        env = go_env(tools_dir())
        runner = root / "runner"
        shutil.rmtree(runner, ignore_errors=True)
        shutil.copytree(REPO / "generator" / "check" / "runners" / "go", runner)
        protoc_out = self.work / "go-proto"
        if not (protoc_out / ".ok").is_file():
            _protoc_gen_go(tools_dir())
            shutil.rmtree(protoc_out, ignore_errors=True)
            protoc_out.mkdir(parents=True)
            protoc(["--go_out=.", f"--go_opt=module={RUNNER_MODULE}",
                    f"--go_opt=Monnx/onnx-ml.proto={RUNNER_MODULE}/onnxpb",
                    f"--go_opt=Monnx/onnx-data.proto={RUNNER_MODULE}/onnxpb"], protoc_out, env)
            (protoc_out / ".ok").write_text("")
        shutil.copytree(protoc_out / "onnxpb", runner / "onnxpb")
        from types import SimpleNamespace

        from generator.check.go_lang import _registry
        reg = _registry([(SimpleNamespace(model=c.ir), m) for m, c in _views(gen, cases)])  # type: ignore[misc]
        (runner / "cases_gen.go").write_text(reg)

        (root / "go.work").write_text(f"go {versions.GO_VERSION}\n\nuse (\n\t./runner\n\t./sdk\n)\n")
        rc, out = sh([self.go(), "build", "-o", str(root / "gofuzz"), "./runner"], root, env)
        return "" if rc == 0 else f"go build of the testee failed: {tail(out)}"

    def run(self, built: Any, cases: list[Case], root: Path) -> dict[str, str]:
        err = self._runner(built, cases, root)
        if err:
            return {"": err}
        manifest = {"cases": [{"key": c.key, "sets": [{"inputs": _write_inputs(root, c),
                                                         "out": str(_set_dir(root, c))}]} for c in cases]}
        (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
        rc, out = sh([str(root / "gofuzz"), str(root / "manifest.json")], root,
                     {**ENV, "ONNXRUNTIME_SHARED_LIBRARY_PATH": str(ort_library())})
        (root / "runner.log").write_text(out)
        return {"": f"go runner exited {rc}: {tail(out, 3000)}"} if rc != 0 else {}


DRIVERS: dict[str, type[Lang]] = {"python": Python, "java": Java, "go": Go}


# --- property 2: one SDK per language, built, checked and called --------------------------------


def build_and_run(lang: str, cases: list[Case], work: Path, stats: Stats,
                  log: Callable[[str], None] = lambda s: None) -> None:
    """Fills ``c.outcomes[lang]`` for every case the language generated (property 2)."""
    todo = [c for c in cases if lang not in c.outcomes]
    if not todo:
        return
    drv = DRIVERS[lang](work, stats)
    root = work / lang
    t0 = time.monotonic()
    good = _build_isolating(drv, todo, root, stats, log)
    stats.add_time(f"{lang} build", t0)
    if good is None:
        return
    built, ok_cases = good
    stats.sdks[lang] += 1
    t0 = time.monotonic()
    soft = drv.checks(built, ok_cases, root)
    stats.add_time(f"{lang} checks", t0)
    if soft is not None:
        by_key = {c.key: c for c in ok_cases}
        for k, msg in soft.blame.items():
            by_key[k].soft.setdefault(lang, []).append(Outcome("fail", soft.stages.get(k, soft.stage), msg))
        if soft.rest.strip() and not soft.blame:  # a shared file: every model's SDK has it
            for c in ok_cases:
                c.soft.setdefault(lang, []).append(Outcome("fail", soft.stage, "(a file of the whole SDK) " + soft.rest))
    runnable = [c for c in ok_cases if not c.ort]
    for c in ok_cases:
        if c.ort:
            c.outcomes[lang] = Outcome("not-run", "", c.ort)
    if not runnable:
        return
    # the SDK holds models raw ORT cannot run too: the testee calls only the runnable ones
    t0 = time.monotonic()
    for d in ("in", "out"):  # nothing of an earlier batch may pass for this one's results
        shutil.rmtree(root / d, ignore_errors=True)
    note = drv.run(built, runnable, root).get("", "")
    stats.calls[lang] += len(runnable)
    for c in runnable:
        c.outcomes[lang] = _judge(c, root, note)
        if c.outcomes[lang].status == "ok":
            stats.ok[lang] += 1
    stats.add_time(f"{lang} run", t0)


def _build_isolating(drv: Lang, cases: list[Case], root: Path, stats: Stats,
                     log: Callable[[str], None]) -> tuple[Any, list[Case]] | None:
    """Build the SDK of ``cases``; pin failures on models (by the paths the tools name, else by
    bisection), drop those and build the rest again."""
    remaining = list(cases)
    while remaining:
        stats.builds[drv.lang] += 1
        try:
            return drv.build(remaining, root), remaining
        except Problem as p:
            guilty = {k: v for k, v in p.blame.items() if k}
            stages: dict[str, str] = {}
            if not guilty:
                guilty = _bisect(drv, remaining, root, stats, p, log, stages)
            by_key = {c.key: c for c in remaining}
            for k, msg in guilty.items():
                stage = p.stages.get(k) or stages.get(k) or p.stage
                by_key[k].outcomes[drv.lang] = Outcome("fail", stage, msg or p.rest)
            log(f"{drv.lang}: {len(guilty)} of {len(remaining)} models fail at {p.stage}")
            remaining = [c for c in remaining if c.key not in guilty]
    return None


def _bisect(drv: Lang, cases: list[Case], root: Path, stats: Stats, p: Problem,
            log: Callable[[str], None], stages: dict[str, str]) -> dict[str, str]:
    """The models that fail a check alone or in the smallest failing half (a failure of the
    whole batch that no path names: a shared file, a crash, a conflict between models)."""
    if len(cases) == 1:
        return {cases[0].key: f"{p.stage}: {tail(p.rest)}"}
    half = len(cases) // 2
    found: dict[str, str] = {}
    for part in (cases[:half], cases[half:]):
        stats.builds[drv.lang] += 1
        try:
            drv.build(part, root)
        except Problem as q:
            pinned = {k: v for k, v in q.blame.items() if k}
            stages.update({k: q.stages.get(k, q.stage) for k in pinned})
            found.update(pinned or _bisect(drv, part, root, stats, q, log, stages))
    if not found:  # only the two halves together fail: blame the whole batch
        return {c.key: f"{p.stage} (only together with the other models of the batch): {tail(p.rest)}"
                for c in cases}
    return found


def _judge(c: Case, root: Path, note: str) -> Outcome:
    assert c.ir is not None and c.reference is not None
    d = _set_dir(root, c)
    if (d / "error.txt").is_file():
        return Outcome("fail", "run", (d / "error.txt").read_text(errors="replace"))
    for k, (v, want) in enumerate(zip(c.ir.outputs, c.reference)):
        p = d / f"output_{k}.pb"
        if not p.is_file():
            return Outcome("fail", "run", f"no output {k} written (runner died?) {note}")
        try:
            got = fixtures.load_value(p, v.type)
        except UserError as e:
            return Outcome("fail", "compare", str(e))
        msg, _ = _compare(want, got, v.type, f"output {k} {v.name!r}")
        if msg:
            return Outcome("fail", "compare", msg)
    return Outcome("ok")


# --- a whole batch ------------------------------------------------------------------------------


def run_batch(models: Sequence[FuzzModel], work: Path, stats: Stats, langs: Sequence[str] = LANGS,
              log: Callable[[str], None] = lambda s: None, build: bool = True) -> list[Case]:
    """Both properties for ``models``; one SDK per language. A model named like an earlier one
    gets a number (the generator refuses two models of one name: ``emit.check_models``)."""
    work = work.resolve()
    cases: list[Case] = []
    seen: set[str] = set()
    for i, m in enumerate(models):
        if m.name in seen:
            m = dataclasses.replace(m, name=f"{m.name}{i}")
        if m.name in seen:
            continue
        seen.add(m.name)
        cases.append(Case(f"m{i}", m))
    t0 = time.monotonic()
    for c in cases:
        generation(c, langs)
        stats.examples += 1
        for lang in langs:
            if lang in c.outcomes and c.outcomes[lang].status == "refused":
                stats.refused[lang] += 1
        if c.ir is not None and any(lang not in c.outcomes for lang in langs):
            reference(c)
            stats.ort_cannot += bool(c.ort)
    stats.add_time("generate", t0)
    if build:
        for lang in langs:
            build_and_run(lang, cases, work, stats, log)
    return cases
