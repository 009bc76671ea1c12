"""Generated Python is product code: ruff (defaults), ruff format and mypy --strict on every golden."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .golden_cases import GOLDEN

PY_GOLDENS = sorted(p / "out" for p in GOLDEN.glob("python-*") if (p / "out").is_dir())
BIN = Path(sys.executable).parent


def run(*cmd: str, cwd: Path) -> None:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    assert r.returncode == 0, f"{' '.join(cmd)} in {cwd}:\n{r.stdout}\n{r.stderr}"


def test_python_goldens_exist() -> None:
    assert len(PY_GOLDENS) >= 3


@pytest.mark.parametrize("out", PY_GOLDENS, ids=[p.parent.name for p in PY_GOLDENS])
def test_ruff_clean_at_defaults(out: Path) -> None:
    # --isolated: the defaults a user without config gets, not this repo's settings.
    run(str(BIN / "ruff"), "check", "--isolated", "--no-cache", ".", cwd=out)
    run(str(BIN / "ruff"), "format", "--isolated", "--no-cache", "--check", ".", cwd=out)


@pytest.mark.parametrize("out", PY_GOLDENS, ids=[p.parent.name for p in PY_GOLDENS])
def test_mypy_strict(out: Path, tmp_path: Path) -> None:
    (pkg,) = [p.name for p in (out / "src").iterdir() if p.is_dir()]
    run(
        str(BIN / "mypy"),
        "--strict",
        "--no-incremental",
        "--cache-dir",
        os.fspath(tmp_path),
        "-p",
        pkg,
        cwd=out / "src",
    )
