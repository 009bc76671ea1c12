"""`pip install .` (not editable) yields a working `sdkgen` with the templates and runtimes inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator import runtime_src

from .paths import REPO

pytestmark = pytest.mark.slow


def test_wheel_ships_templates_and_works(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
        check=True,
    )
    (wheel,) = tmp_path.glob("sdkgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "templates"], cwd=REPO, capture_output=True, text=True, check=True)
    templates = tracked.stdout.split()
    assert templates, "no templates in the repo?"
    missing = [t for t in templates if f"generator/{t}" not in names]
    assert not missing, f"not in the wheel: {missing}"
    runtime = [f"generator/runtime/python/sdkgen_runtime/{rel}" for rel in runtime_src.files("python")]
    assert not [r for r in runtime if r not in names], "the Python runtime is not (all) in the wheel"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True)
    out = tmp_path / "out"
    r = subprocess.run(
        [str(venv / "bin" / "sdkgen"), str(REPO / "examples" / "logreg_iris.onnx"), "--lang", "python", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the repo: templates must come from the installed wheel
        check=False,
    )
    assert r.returncode == 0, r.stderr
    golden = REPO / "tests" / "golden" / "python-logreg" / "out"
    rel = "src/logreg_iris/_logreg_iris.py"
    assert (out / rel).read_bytes() == (golden / rel).read_bytes(), rel
    runtime = REPO / "runtime" / "python" / "sdkgen_runtime" / "checks.py"
    assert (out / "src/logreg_iris/_runtime/checks.py").read_bytes() == runtime.read_bytes()
