"""A real Open Inference Protocol v2 server for the remote tests: Triton on 127.0.0.1.

``triton(repo, log)`` serves a Triton model repository (``sdkgen deploy --triton``) and yields the
gRPC address ("127.0.0.1:PORT"); the whole process group is stopped afterwards. The tests need
nothing else. With the repository's Triton manager (``generator.remote.triton.serve``, from the
Python/infrastructure branch of issue 12) it is that; until it lands on main this falls back to
the research prototype's Triton (``/work/research/issue12``: tritonserver 2.51.0 unzipped from
the nvidia-pytriton 0.7.0 wheel into ``triton/dist2`` with the Python-based ``onnxruntime``
backend shim; its Python backend stub runs in the ``srv-stub`` venv, numpy<2 + onnxruntime
1.29.0). Delete the fallback once the manager is on main.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

RESEARCH = Path(os.environ.get("SDKGEN_TRITON_RESEARCH", "/work/research/issue12"))
DIST = RESEARCH / "triton" / "dist2"
STUB_VENV = RESEARCH / "srv-stub"


def available() -> str | None:
    """Why no server can be started here, or None."""
    for p in (DIST / "bin" / "tritonserver", STUB_VENV / "bin" / "python", DIST / "backends" / "onnxruntime"):
        if not p.exists():
            return f"{p}: not found (the research Triton; see tests/oip_server.py)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _ready(port: int, models: list[str], timeout: float = 1.0) -> bool:
    """Triton's HTTP readiness: the server, then every model."""
    import urllib.error
    import urllib.request

    try:
        for path in ["/v2/health/ready", *(f"/v2/models/{m}/ready" for m in models)]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
                if r.status != 200:
                    return False
        return True
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def triton(repo: Path, log: Path, start_timeout: float = 180) -> Iterator[str]:
    """Serve ``repo`` on 127.0.0.1 (gRPC and HTTP only, free ports); yield "127.0.0.1:<grpc port>"."""
    try:
        from generator.remote import triton as manager  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        manager = None
    if manager is not None and hasattr(manager, "serve"):
        with manager.serve(repo, log=log, timeout=start_timeout) as endpoint:
            yield endpoint.grpc
        return
    with _research_triton(repo, log, start_timeout) as addr:
        yield addr


@contextlib.contextmanager
def _research_triton(repo: Path, log: Path, start_timeout: float) -> Iterator[str]:
    why = available()
    if why is not None:
        raise RuntimeError(why)
    models = sorted(p.name for p in repo.iterdir() if (p / "config.pbtxt").is_file())
    http, grpc_port = free_port(), free_port()
    cache = log.parent / "triton-cache"
    cache.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LD_LIBRARY_PATH": str(DIST / "lib"), "PATH": f"{STUB_VENV / 'bin'}:{os.environ['PATH']}"}
    argv = [str(DIST / "bin" / "tritonserver"), f"--model-repository={repo}",
            f"--backend-directory={DIST / 'backends'}", f"--cache-directory={cache}",
            "--http-address=127.0.0.1", f"--http-port={http}",
            "--grpc-address=127.0.0.1", f"--grpc-port={grpc_port}",
            "--allow-metrics=false", "--allow-sagemaker=false", "--allow-vertex-ai=false",
            "--exit-on-error=true", "--strict-readiness=true", "--model-control-mode=none"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + start_timeout
        while not _ready(http, models):
            if proc.poll() is not None:
                raise RuntimeError(f"tritonserver exited with {proc.returncode}: {log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"tritonserver not ready after {start_timeout}s: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield f"127.0.0.1:{grpc_port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):  # whatever of the group is left (backend stubs)
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
