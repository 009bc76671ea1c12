"""Generated Python is product code: ruff (defaults), ruff format and mypy --strict on every golden,
on an SDK of many models with colliding names, and on the runtime where it lives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import emit, reader, writer

from .golden_cases import GOLDEN, complete
from .paths import MODELS, ORT_DATASETS, REPO

PY_GOLDENS = sorted(p / "out" for p in GOLDEN.glob("python-*") if (p / "out").is_dir())
RUNTIME = REPO / "runtime" / "python"
BIN = Path(sys.executable).parent


def run(*cmd: str, cwd: Path) -> None:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, f"{' '.join(cmd)} in {cwd}:\n{r.stdout}\n{r.stderr}"


def ruff_at_defaults(root: Path, *paths: str) -> None:
    # --isolated: the defaults a user without config gets, not this repo's settings.
    run(str(BIN / "ruff"), "check", "--isolated", "--no-cache", *paths, cwd=root)
    run(str(BIN / "ruff"), "format", "--isolated", "--no-cache", "--check", *paths, cwd=root)


def mypy_strict(src: Path, package: str, cache: Path) -> None:
    run(str(BIN / "mypy"), "--strict", "--no-incremental", "--cache-dir", os.fspath(cache), "-p", package, cwd=src)


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


def test_runtime_in_place(tmp_path: Path) -> None:
    """The runtime source at the generated code's settings (it is copied verbatim into every SDK)."""
    ruff_at_defaults(RUNTIME, "sdkgen_runtime")
    mypy_strict(RUNTIME, "sdkgen_runtime", tmp_path)
