"""What the language drivers share: where the runners live, subprocesses, the ORT library."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError

REPO = Path(__file__).resolve().parent.parent.parent
INTEGRATION = REPO / "integration"


@dataclass
class LangRun:
    """A driver's answer. ``not_run[key] = (status, message)`` for cases it did not run
    ("unsupported": the emitter refused the model; "build-error"); the others' outputs are
    under ``<work>/<lang>/out/<key>/<set>/`` (output_K.pb or error.txt)."""

    not_run: dict[str, tuple[str, str]] = field(default_factory=dict)
    runner_note: str = ""  # e.g. the runner's exit status and stderr tail when it died
    timings: dict[str, float] = field(default_factory=dict)


def tools_dir() -> Path:
    """Where protoc-gen-go and Maven's protoc are kept between runs (not per work dir)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "sdkgen" / "check-tools"


def runner_dir(*parts: str) -> Path:
    d = INTEGRATION.joinpath(*parts)
    if not d.exists():
        raise UserError(f"{d}: not found; `sdkgen check` runs from a source checkout of sdkgen "
                        "(its runners live in integration/)")
    return d


def run(cmd: Sequence[str], cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run(list(cmd), cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=timeout, check=False)


def tail(text: str, n: int = 3000) -> str:
    return text if len(text) <= n else "..." + text[-n:]


def tool(name: str, *fallbacks: str) -> str:
    exe = shutil.which(name) or next((f for f in fallbacks if Path(f).is_file()), None)
    if exe is None:
        raise UserError(f"{name} not found on PATH: `sdkgen check` needs it for this language")
    return exe


def ort_library() -> Path:
    """The ONNX Runtime C library shipped in the onnxruntime wheel (the Go SDK loads it)."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    lib = Path(ort.__file__).parent / "capi" / f"libonnxruntime.so.{ort.__version__}"
    if not lib.is_file():
        raise UserError(f"{lib}: not found (the Go SDK needs the ONNX Runtime shared library)")
    return lib


def proto_dir() -> Path:
    """The directory holding onnx/onnx-ml.proto and onnx/onnx-data.proto (the onnx wheel's)."""
    import importlib.util

    spec = importlib.util.find_spec("onnx")
    assert spec is not None and spec.origin is not None
    root = Path(spec.origin).parent.parent
    if not (root / "onnx" / "onnx-data.proto").is_file():
        raise UserError(f"{root}/onnx/onnx-data.proto not found (it ships in the onnx wheel)")
    return root


def protoc(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    """grpcio-tools' bundled protoc on onnx-ml.proto + onnx-data.proto (SequenceProto, MapProto...)."""
    try:
        import grpc_tools  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as e:
        raise UserError("grpcio-tools is not installed (pip install grpcio-tools): `sdkgen check` "
                        "generates the fixture readers of Java and Go with its protoc") from e
    r = run([sys.executable, "-m", "grpc_tools.protoc", f"-I{proto_dir()}", *args,
             "onnx/onnx-ml.proto", "onnx/onnx-data.proto"], cwd, env)
    if r.returncode != 0:
        raise UserError(f"protoc failed: {tail(r.stdout + r.stderr)}")


def fresh(d: Path) -> Path:
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
