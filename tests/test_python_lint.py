"""Generated Python is product code: ruff (defaults), ruff format and mypy --strict on every golden,
on an SDK of many models with colliding names, and on the runtime where it lives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from onnx import TensorProto, helper

from generator import emit, ir, reader, writer

from .golden_cases import GOLDEN, complete
from .paths import MODELS, ORT_DATASETS, REPO

PY_GOLDENS = sorted(p / "out" for p in GOLDEN.glob("python-*") if (p / "out").is_dir())
RUNTIME = REPO / "runtime" / "python"
BIN = Path(sys.executable).parent


def run(*cmd: str, cwd: Path) -> None:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, f"{' '.join(cmd)} in {cwd}:\n{r.stdout}\n{r.stderr}"


def _own_config(root: Path, tool: str) -> Path | None:
    """The SDK's pyproject.toml when it configures ``tool``: a remote SDK's does, to exclude the
    gRPC stubs (grpcio-tools' output as it is) from ruff and mypy."""
    p = root / "pyproject.toml"
    text = p.read_text() if p.is_file() else ""
    return p if f"[tool.{tool}]" in text or f"[[tool.{tool}." in text else None


def ruff_at_defaults(root: Path, *paths: str) -> None:
    # --isolated: the defaults a user without config gets, not this repo's settings; an SDK that
    # configures ruff itself (only to exclude the stubs) is checked with exactly that config.
    own = _own_config(root, "ruff")
    cfg = ["--config", os.fspath(own)] if own else ["--isolated"]
    run(str(BIN / "ruff"), "check", *cfg, "--no-cache", *paths, cwd=root)
    run(str(BIN / "ruff"), "format", *cfg, "--no-cache", "--check", *paths, cwd=root)


def mypy_strict(src: Path, package: str, cache: Path) -> None:
    own = _own_config(src.parent, "mypy")
    cfg = ["--config-file", os.fspath(own)] if own else []
    run(str(BIN / "mypy"), "--strict", *cfg, "--no-incremental", "--cache-dir", os.fspath(cache), "-p", package,
        cwd=src)


def test_python_goldens_exist() -> None:
    assert len(PY_GOLDENS) >= 4


@pytest.mark.parametrize("out", PY_GOLDENS, ids=[p.parent.name for p in PY_GOLDENS])
def test_ruff_clean_at_defaults(out: Path, tmp_path: Path) -> None:
    ruff_at_defaults(complete(out.parent, tmp_path / "sdk"), ".")


@pytest.mark.parametrize("out", PY_GOLDENS, ids=[p.parent.name for p in PY_GOLDENS])
def test_mypy_strict(out: Path, tmp_path: Path) -> None:
    sdk = complete(out.parent, tmp_path / "sdk")
    (pkg,) = [p.name for p in (sdk / "src").iterdir() if p.is_dir()]
    mypy_strict(sdk / "src", pkg, tmp_path / "cache")


def test_many_models_with_colliding_names(tmp_path: Path) -> None:
    """Names that collide across models, with the runtime or with imports; natural sort order."""
    iris, tf = reader.read_file(ORT_DATASETS / "logreg_iris.onnx"), reader.read_file(MODELS / "tiny_transformer.onnx")
    names = ["a-b", "a_b", "a", "a outputs", "runtime", "any", "*/", "日本", "Model", "m2", "m10", "m1", "C3D"]
    sources = [emit.ModelSource(*(iris if i % 2 else tf), n, embed=i % 3 != 0) for i, n in enumerate(names)]
    gen = emit.generate("python", sources, emit.Options(package="many"))
    writer.write_tree(tmp_path / "out", gen.files, marker=b"{}\n")
    assert len({m.class_name for m in gen.view.models}) == len(names)
    ruff_at_defaults(tmp_path / "out", ".")
    mypy_strict(tmp_path / "out" / "src", "many", tmp_path / "cache")


# Model text that broke `ruff format --check` (issue 10 #13): a tab-indented line, leading blanks
# (ruff dedents docstrings), a quote or backslash at either end, runs of quotes, odd whitespace.
HOSTILE_DOCS = [
    "First line\n\tindented with a tab\n    four spaces\nlast",
    "   leading spaces on the only line",
    "\tTab first\n\t\tand deeper",
    'ends with a quote"',
    '"starts with a quote',
    '"both"',
    'a""""b""',
    "ends with a backslash\\",
    "\\starts with one",
    "a\n \t x\n\t\t\ty\n",
    "# heading\n```\ncode\n```\n>>> 1 + 1",
    "na\u00efve \u00a0nbsp\u3000wide \U0001f600",
    "form\x0cfeed and vertical\x0btab",
    " \t ",
    "\n".join("\t" * i + "level" for i in range(12)),
]


def _doc_model(doc: str) -> tuple[bytes, ir.Model]:
    """y = Identity(x), ``doc`` as the model's, x's and y's doc (one doc per model: ruff leaves a
    whole docstring alone when one of its lines ends with a backslash, hiding the others)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])
    x.doc_string = y.doc_string = doc
    m = helper.make_model(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y]),
                          ir_version=10, opset_imports=[helper.make_opsetid("", 21)])
    m.doc_string = doc
    data = m.SerializeToString()
    return data, reader.read_bytes(data)


def test_hostile_docs_and_all_caps_names_stay_lint_clean(tmp_path: Path) -> None:
    """Issue 10 #13: each hostile doc as a model's doc (module docstring), its input's (Args) and
    output's (attribute docstring), the model named by the doc too; models named AB and C3D
    (ruff's isort orders all-caps names as constants): ruff check, ruff format --check and mypy
    --strict pass."""
    sources = [emit.ModelSource(*_doc_model(doc)[::-1], f"doc {i} {doc}") for i, doc in enumerate(HOSTILE_DOCS)]
    sources += [emit.ModelSource(*_doc_model("")[::-1], n) for n in ("AB", "C3D")]
    gen = emit.generate("python", sources, emit.Options(package="docs"))
    writer.write_tree(tmp_path / "out", gen.files, marker=b"{}\n")
    ruff_at_defaults(tmp_path / "out", ".")
    mypy_strict(tmp_path / "out" / "src", "docs", tmp_path / "cache")
    for name in ("AB", "C3D"):  # alone in their package, too
        g = emit.generate("python", [emit.ModelSource(*_doc_model("")[::-1], name)], emit.Options())
        writer.write_tree(tmp_path / name, g.files, marker=b"{}\n")
        ruff_at_defaults(tmp_path / name, ".")


def _nested(depth: int) -> ir.ValueType:
    t: ir.ValueType = ir.TensorType(ir.DType.STRING, None)
    for i in range(depth):
        t = [ir.SequenceType, lambda e: ir.MapType(ir.DType.INT64, e), ir.OptionalType][i % 3](t)  # type: ignore[operator]
    return t


def test_long_names_and_deep_types_stay_within_rufs_line_length(tmp_path: Path) -> None:
    """Identifiers are shortened (start + hash) past 32 characters, file names past 40, and an
    annotation that would pass 88 columns gets a module-level alias: ruff format changes nothing
    for 300- and 70,000-character names, optional string inputs and 12-deep nested types."""
    values = []
    for i, (name, t) in enumerate([
        ("s" * 300, ir.TensorType(ir.DType.STRING, (ir.Dim(symbol="n"),))),
        ("o" * 40, ir.OptionalType(ir.TensorType(ir.DType.STRING, None))),
        ("x", _nested(12)),
        ("w" * 70_000, ir.TensorType(ir.DType.FLOAT, (ir.Dim(symbol="d" * 500),))),
    ]):
        # the nested type holds maps of non-float values: an output only (not an input ORT builds)
        t_in = ir.TensorType(ir.DType.STRING, None) if name == "x" else t
        values.append(ir.Value(name, t_in, "doc " * 50))
        values.append(ir.Value(f"{name}{i}", t))
    model = ir.Model(graph_name="g", doc="", producer_name="", producer_version="", domain="", model_version=0,
                     ir_version=10, opsets=(), metadata=(), sha256="0" * 64, inputs=tuple(values[::2]),
                     outputs=tuple(values[1::2]))
    sources = [emit.ModelSource(model, b"", n) for n in ("m" * 70_000, "long " * 30, "Model")]
    for opts in ({}, {"package": "p" * 200}):  # a derived package is shortened, a user's is not
        gen = emit.generate("python", sources, emit.Options(**opts))
        out = tmp_path / ("out" if not opts else "user")
        writer.write_tree(out, gen.files, marker=b"{}\n")
        ruff_at_defaults(out, ".")
    mypy_strict(tmp_path / "out" / "src", emit.generate("python", sources, emit.Options()).view.package,
                tmp_path / "cache")


def test_runtime_in_place(tmp_path: Path) -> None:
    """The runtime source at the generated code's settings (it is copied verbatim into every SDK)."""
    ruff_at_defaults(RUNTIME, "sdkgen_runtime")
    mypy_strict(RUNTIME, "sdkgen_runtime", tmp_path)
