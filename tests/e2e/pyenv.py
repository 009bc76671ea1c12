"""A fresh virtualenv with the pinned ONNX Runtime, for installing generated Python SDKs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator import versions


def make_venv(path: Path) -> Path:
    """Create ``path`` with onnxruntime (pinned), numpy, onnx (to read .pb fixtures) and flit_core."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    py = path / "bin" / "python"
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, f"onnxruntime=={versions.ORT_VERSION}", "numpy", "onnx", "flit_core>=3.9,<4"],
        check=True,
    )
    return py


def pip_install(py: Path, *targets: Path) -> None:
    """Install generated packages without build isolation (setuptools is in the venv) or deps."""
    r = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", *map(str, targets)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
