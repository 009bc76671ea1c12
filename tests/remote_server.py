"""A real Open Inference Protocol v2 server for the remote tests: Triton on 127.0.0.1 only, stopped
(its whole process group) afterwards.

TEMPORARY: until the repo's Triton manager (generator/remote/triton.py) is on main, this starts the
research prototype's server (/work/research/issue12: Triton 2.51.0 unzipped from the
nvidia-pytriton 0.7.0 wheel, its python backend stub in a venv with numpy<2 + onnxruntime 1.29.0,
and the python-based "onnxruntime" backend shim). ``Triton`` is the one thing the tests use; what
they need from the manager: start on free loopback ports for a repository ``sdkgen deploy --triton``
wrote, wait until every model is ready, the gRPC target, stop, and start again on the same ports.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

RESEARCH = Path("/work/research/issue12")
DIST = RESEARCH / "triton" / "dist2"  # bin/tritonserver, backends/{python,onnxruntime}, lib/
STUB_VENV = RESEARCH / "srv-stub"  # the python backend stub's environment: numpy<2, onnxruntime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Triton:
    """``with Triton(repo, log) as t:`` serves ``repo`` at ``t.target`` (gRPC); ``stop``/``start``
    kill and bring it back on the same ports."""

    def __init__(self, repo: Path, log: Path, *, timeout: float = 120) -> None:
        for need in (DIST / "bin" / "tritonserver", STUB_VENV / "bin" / "python"):
            assert need.exists(), f"{need} is missing: run /work/research/issue12/setup.sh (temporary server)"
        self.repo, self.log, self.timeout = repo, log, timeout
        self.grpc_port, self.http_port = free_port(), free_port()
        self.target = f"127.0.0.1:{self.grpc_port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.cache = log.parent / "triton-cache"

    def start(self) -> None:
        assert self.proc is None, "already running"
        self.cache.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "LD_LIBRARY_PATH": str(DIST / "lib"),
               "PATH": f"{STUB_VENV / 'bin'}:{os.environ.get('PATH', '')}"}
        argv = [str(DIST / "bin" / "tritonserver"), f"--model-repository={self.repo}",
                f"--backend-directory={DIST / 'backends'}", f"--cache-directory={self.cache}",
                "--http-address=127.0.0.1", f"--http-port={self.http_port}",
                "--grpc-address=127.0.0.1", f"--grpc-port={self.grpc_port}",
                "--allow-metrics=false", "--allow-sagemaker=false", "--allow-vertex-ai=false",
                "--exit-on-error=true", "--strict-readiness=true", "--model-control-mode=none"]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise AssertionError(f"tritonserver exited with {code}: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/v2/health/ready", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"tritonserver not ready after {self.timeout}s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass
        self.proc = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
