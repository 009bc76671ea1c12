"""What the language drivers share: where the runners live, how a runner is started (on the
host or in a container), subprocesses, the ORT library."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError

# The runners ship in the wheel with the generator (generator/check/runners/<lang>/).
RUNNERS = Path(__file__).resolve().parent / "runners"
GENERATOR = Path(__file__).resolve().parent.parent  # the `generator` package (the Python runner imports it)


@dataclass
class LangRun:
    """A driver's answer. ``not_run[key] = (status, message)`` for cases it did not run
    ("unsupported": the emitter refused the model; "build-error"); the others' outputs are
    under ``<work>/<lang>/out/<key>/<set>/`` (output_K.pb or error.txt)."""

    not_run: dict[str, tuple[str, str]] = field(default_factory=dict)
    runner_note: str = ""  # e.g. the runner's exit status and stderr tail when it died
    timings: dict[str, float] = field(default_factory=dict)


def testee_name(lang: str, remote: object = None) -> str:
    """The table's column and the work dir of ``lang``'s runner: "go", or "go-remote" for its
    remote client (``remote``: the server's address, or any true value)."""
    return f"{lang}-remote" if remote else lang


def tools_dir() -> Path:
    """Where protoc-gen-go and Maven's protoc are kept between runs (not per work dir)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "sdkgen" / "check-tools"


def runner_dir(*parts: str) -> Path:
    d = RUNNERS.joinpath(*parts)
    if not d.exists():
        raise UserError(f"{d}: not found: this sdkgen installation is incomplete (reinstall it)")
    return d


@dataclass
class Testee:
    """How to start one language's runner. ``argv`` and ``env`` are for the host; in a container
    the same absolute paths are mounted (``reads`` read-only, ``writes`` read-write) and
    ``container_argv``/``container_env`` apply (e.g. the image's Python instead of the host's)."""

    lang: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    reads: list[Path] = field(default_factory=list)
    writes: list[Path] = field(default_factory=list)
    container_argv: list[str] | None = None
    container_env: dict[str, str] = field(default_factory=dict)
    mounts: dict[Path, str] = field(default_factory=dict)  # host path -> container path (read-only)


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


class Executor:
    """Runs a testee on the host. ``generator.check.docker.DockerExecutor`` runs it in a container."""

    label = "host"
    # Threads: on the host every runner uses one intra-op thread, like the Python reference, so
    # results are comparable bit for bit; in a CPU-limited container the SDKs' own rule decides.
    pin_threads = True

    def run(self, t: Testee, timeout: float = 3600) -> Finished:
        r = run(t.argv, t.cwd, t.env, timeout)
        return Finished(r.returncode, r.stdout, r.stderr)


def thread_env(executor: Executor) -> dict[str, str]:
    return {"SDKGEN_INTRA_OP_THREADS": "1", "SDKGEN_INTER_OP_THREADS": "1"} if executor.pin_threads else {}


def case_paths(cases: Sequence[Any]) -> list[Path]:
    """Every model file and fixture directory the cases read, as few directories as possible."""
    dirs = {c.model_path.resolve().parent for c in cases}
    for c in cases:
        dirs.update(s.dir.resolve() for s in c.sets)
    out: list[Path] = []
    for d in sorted(dirs, key=lambda p: len(p.parts)):
        if not any(d.is_relative_to(o) for o in out):
            out.append(d)
    return out


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
