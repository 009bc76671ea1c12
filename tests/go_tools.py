"""The Go toolchain for the tests: the `go` command with cgo and the pinned ORT library."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import onnxruntime as ort

ORT_LIB = Path(ort.__file__).parent / "capi" / f"libonnxruntime.so.{ort.__version__}"


def go_exe() -> str:
    exe = shutil.which("go") or "/usr/local/go/bin/go"
    assert Path(exe).is_file(), "Go is required for the Go SDK tests"
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
