"""A local Triton Inference Server on loopback, for ``sdkgen check --remote`` and the remote tests.

Triton ships no pip package of its own, but the ``nvidia-pytriton`` wheel bundles a standalone
``tritonserver`` (2.51.0 in 0.7.0) with its libraries and the python backend. :func:`ensure`
makes it available without installing that wheel (its numpy<2 / protobuf pins would clash with
sdkgen's): ``pip download --no-deps`` of the pinned wheel (sha256-checked) into
``~/.cache/sdkgen/triton/<version>/``, then it unzips ``tritonserver/bin``, ``backends``,
``caches``, the bundled libraries and the python backend stub for the running Python version,
installs sdkgen's Python-based ``onnxruntime`` backend (``triton_backend/model.py``: the wheel
has no C++ onnxruntime backend) and creates the stub's venv (numpy<2 + the pinned onnxruntime).
Each step is done once and recorded; later calls only check.

:func:`serve` starts ``tritonserver`` on a model repository (what ``sdkgen deploy --triton``
writes), bound to 127.0.0.1 on free ports, in its own process group, waits until the server is
live and every model ready, yields the :class:`Endpoint` and always stops the server (SIGTERM to
the group, SIGKILL after a grace period), removing the python backend's shared-memory regions.

Everything that is missing is a :class:`~generator.errors.UserError` of one line saying what to
do (e.g. Debian's ``libpython3.11`` for the stub).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import itertools
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .. import versions
from ..errors import UserError

BACKEND_SHIM = Path(__file__).resolve().parent / "triton_backend" / "model.py"
_WHEEL_PREFIX = "pytriton/tritonserver/"
_LIBS_PREFIX = "nvidia_pytriton.libs/"
_STUB_VERSIONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")  # python_backend_stubs/ in the wheel
_READY = ".sdkgen-ready"
DEFAULT_START_TIMEOUT = 180.0  # seconds until every model is ready (5-6 s here; slow CI and big models)
STOP_GRACE = 20.0  # seconds between SIGTERM and SIGKILL


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cache_dir() -> Path:
    """``$SDKGEN_TRITON_CACHE``, else ``~/.cache/sdkgen/triton/<pytriton version>``."""
    env = os.environ.get("SDKGEN_TRITON_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "sdkgen" / "triton" / versions.PYTRITON_VERSION


@dataclasses.dataclass(frozen=True)
class Installation:
    """A prepared Triton: the server, its backends (python + sdkgen's onnxruntime) and the
    python backend stub's environment, for one Python version."""

    root: Path
    python_version: str  # "3.11": the stub's (and its venv's) Python
    server: Path  # bin/tritonserver
    backends: Path  # --backend-directory
    caches: Path  # --cache-directory
    lib: Path  # the wheel's bundled libraries (LD_LIBRARY_PATH)
    stub_env: Path  # the stub's venv; its bin/ goes first on PATH
    extra_lib_dirs: tuple[Path, ...] = ()  # e.g. the running Python's own libpython directory

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment tritonserver runs in."""
        env = dict(os.environ if base is None else base)
        libs = [str(self.lib), *map(str, self.extra_lib_dirs)]
        env["LD_LIBRARY_PATH"] = os.pathsep.join(libs + ([env["LD_LIBRARY_PATH"]] if env.get("LD_LIBRARY_PATH") else []))
        # The python backend stub finds its Python environment through PATH.
        env["PATH"] = os.pathsep.join([str(self.stub_env / "bin"), env.get("PATH", os.defpath)])
        env.pop("PYTHONHOME", None)
        env.pop("PYTHONPATH", None)
        return env


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A running server: where to reach it and what it serves."""

    grpc: str  # "127.0.0.1:PORT": the OIP v2 gRPC endpoint
    http: str  # "127.0.0.1:PORT": the OIP v2 REST endpoint
    models: tuple[str, ...]
    repository: Path
    log: Path  # the server's log (stdout and stderr)
    pid: int  # tritonserver's pid (= its process group)


# --- preparation -------------------------------------------------------------------------------


def _check_platform() -> None:
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise UserError(f"the local Triton (nvidia-pytriton {versions.PYTRITON_VERSION}) runs on Linux x86_64 only, "
                        f"not {sys.platform} {platform.machine()}")
    libc = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else None
    if libc and libc.startswith("glibc "):
        have = tuple(int(x) for x in libc.split()[1].split(".")[:2])
        if have < (2, 35):
            raise UserError(f"the local Triton (a manylinux_2_35 wheel) needs glibc >= 2.35, this system has {libc}")


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One preparer at a time per cache (other languages' tests may prepare it concurrently)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _run(cmd: Sequence[str], what: str, env: dict[str, str] | None = None, timeout: float = 1800) -> None:
    try:
        r = subprocess.run(list(cmd), capture_output=True, text=True, env=env, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UserError(f"{what}: {e}") from e
    if r.returncode != 0:
        lines = [ln for ln in (r.stderr or r.stdout).strip().splitlines() if ln.strip()]
        raise UserError(f"{what} failed (exit {r.returncode}): {lines[-1] if lines else 'no output'}")


def _wheel(root: Path) -> Path:
    """The pinned nvidia-pytriton wheel in the cache, downloaded with pip when missing."""
    whl = root / versions.PYTRITON_WHEEL
    if whl.is_file() and _sha256(whl) == versions.PYTRITON_WHEEL_SHA256:
        return whl
    req = f"nvidia-pytriton=={versions.PYTRITON_VERSION}"
    _log(f"triton: downloading {req} (about 55 MB, once) into {root}")
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
              "--disable-pip-version-check", "-q", "-d", tmp, req],
             f"pip download {req} (the local Triton's server; needs PyPI or a mirror, and pip in {sys.executable})")
        got = Path(tmp) / versions.PYTRITON_WHEEL
        if not got.is_file():
            found = ", ".join(sorted(p.name for p in Path(tmp).iterdir())) or "nothing"
            raise UserError(f"pip download {req} gave {found}, not {versions.PYTRITON_WHEEL} "
                            "(the local Triton needs Linux x86_64 with glibc >= 2.35)")
        digest = _sha256(got)
        if digest != versions.PYTRITON_WHEEL_SHA256:
            raise UserError(f"{versions.PYTRITON_WHEEL}: sha256 {digest} is not the pinned "
                            f"{versions.PYTRITON_WHEEL_SHA256} (a changed or corrupted download)")
        os.replace(got, whl)
    return whl


def _extract(whl: Path, dest: Path, pyv: str) -> None:
    """Unzip the server (bin, backends, caches, libs, the stub for ``pyv``) into ``dest`` atomically."""
    stub = f"{_WHEEL_PREFIX}python_backend_stubs/{pyv}/triton_python_backend_stub"
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    try:
        with zipfile.ZipFile(whl) as z:
            names = z.namelist()
            if stub not in names:
                have = sorted({n.split("/")[3] for n in names if n.startswith(f"{_WHEEL_PREFIX}python_backend_stubs/")
                               and n.count("/") >= 4})
                raise UserError(f"nvidia-pytriton {versions.PYTRITON_VERSION} has python backend stubs for Python "
                                f"{', '.join(have)}, not {pyv}: run sdkgen with one of those")
            for n in names:
                if n.endswith("/"):
                    continue
                if n.startswith(_LIBS_PREFIX):
                    rel = Path("lib") / n[len(_LIBS_PREFIX):]
                elif n.startswith(tuple(_WHEEL_PREFIX + d for d in ("bin/", "caches/", "backends/"))):
                    rel = Path(n[len(_WHEEL_PREFIX):])
                elif n == stub:
                    rel = Path("backends/python/triton_python_backend_stub")
                else:
                    continue
                if ".." in rel.parts:
                    raise UserError(f"{whl.name}: unexpected member {n!r}")
                out = tmp / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                with z.open(n) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        for exe in ("bin/tritonserver", "backends/python/triton_python_backend_stub"):
            (tmp / exe).chmod(0o755)
        (tmp / _READY).write_text(versions.PYTRITON_WHEEL_SHA256 + "\n")
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _stub_env(venv: Path) -> None:
    """The python backend stub's venv: numpy<2 and the pinned onnxruntime (nothing else)."""
    want = "\n".join(versions.TRITON_STUB_REQUIREMENTS) + "\n"
    marker = venv / _READY
    if marker.is_file() and marker.read_text() == want and (venv / "bin" / "python").exists():
        return
    _log(f"triton: creating the python backend stub's environment {venv} ({', '.join(versions.TRITON_STUB_REQUIREMENTS)})")
    shutil.rmtree(venv, ignore_errors=True)
    _run([sys.executable, "-m", "venv", str(venv)], f"{sys.executable} -m venv (the Triton stub's environment)")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
          "--only-binary=:all:", *versions.TRITON_STUB_REQUIREMENTS],
         f"pip install {' '.join(versions.TRITON_STUB_REQUIREMENTS)} (the Triton stub's environment)")
    marker.write_text(want)


def _python_lib_dirs(pyv: str) -> tuple[Path, ...]:
    """The running Python's own libpython directory when it was built shared (pyenv, python.org),
    so the stub embeds the same Python as its venv; empty for Debian's python3 (which has none)."""
    import sysconfig

    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir and (Path(libdir) / f"libpython{pyv}.so.1.0").is_file():
        return (Path(libdir),)
    return ()


def missing_libraries(inst: Installation) -> list[str]:
    """The shared libraries the server or the stub need that the dynamic linker cannot find
    (``ldd`` with the server's environment); empty when ``ldd`` is not available."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    missing: list[str] = []
    env = inst.env()
    for exe in (inst.server, inst.backends / "python" / "triton_python_backend_stub"):
        r = subprocess.run([ldd, str(exe)], capture_output=True, text=True, env=env, check=False)
        for line in r.stdout.splitlines():
            if "=> not found" in line:
                lib = line.split("=>")[0].strip()
                if lib not in missing:
                    missing.append(lib)
    return missing


def _require_libraries(inst: Installation) -> None:
    missing = missing_libraries(inst)
    if not missing:
        return
    libpython = f"libpython{inst.python_version}.so.1.0"
    if libpython in missing:
        raise UserError(f"Triton's python backend stub needs {libpython}, which is not installed: install it "
                        f"(Debian/Ubuntu: apt-get install libpython{inst.python_version})")
    raise UserError(f"the local Triton needs shared libraries this system lacks: {', '.join(missing)}")


def ensure(*, python_version: str | None = None) -> Installation:
    """Prepare (once) and return the local Triton for ``python_version`` (default: the running one)."""
    _check_platform()
    pyv = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    if pyv not in _STUB_VERSIONS:
        raise UserError(f"nvidia-pytriton {versions.PYTRITON_VERSION} has python backend stubs for Python "
                        f"{', '.join(_STUB_VERSIONS)}, not {pyv}: run sdkgen with one of those")
    root = cache_dir()
    server = root / f"server-py{pyv}"
    with _locked(root):
        marker = server / _READY
        if not (marker.is_file() and marker.read_text().strip() == versions.PYTRITON_WHEEL_SHA256):
            _extract(_wheel(root), server, pyv)
        shim = server / "backends" / "onnxruntime" / "model.py"
        if not shim.is_file() or shim.read_bytes() != BACKEND_SHIM.read_bytes():
            shim.parent.mkdir(parents=True, exist_ok=True)
            tmp = shim.with_suffix(".tmp")
            tmp.write_bytes(BACKEND_SHIM.read_bytes())
            os.replace(tmp, shim)
        venv = root / f"stub-py{pyv}"
        _stub_env(venv)
    inst = Installation(
        root=root,
        python_version=pyv,
        server=server / "bin" / "tritonserver",
        backends=server / "backends",
        caches=server / "caches",
        lib=server / "lib",
        stub_env=venv,
        extra_lib_dirs=_python_lib_dirs(pyv) if python_version is None else (),
    )
    _require_libraries(inst)
    return inst


# --- running ------------------------------------------------------------------------------------


def models_in(repository: Path) -> tuple[str, ...]:
    """The model names of a Triton repository: its directories holding a config.pbtxt."""
    if not repository.is_dir():
        raise UserError(f"{repository}: not a directory (expected a Triton model repository, e.g. from "
                        "`sdkgen deploy --triton`)")
    names = tuple(sorted(p.name for p in repository.iterdir() if (p / "config.pbtxt").is_file()))
    if not names:
        raise UserError(f"{repository}: no <model>/config.pbtxt in it (write one with `sdkgen deploy --triton`)")
    return names


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def command(inst: Installation, repository: Path, http_port: int, grpc_port: int, shm_prefix: str) -> list[str]:
    """tritonserver's command line: loopback only, no metrics/SageMaker/Vertex endpoints, every
    model of the repository loaded at start, exit when one fails."""
    return [
        str(inst.server),
        f"--model-repository={repository}",
        f"--backend-directory={inst.backends}",
        f"--cache-directory={inst.caches}",
        "--http-address=127.0.0.1",
        f"--http-port={http_port}",
        "--grpc-address=127.0.0.1",
        f"--grpc-port={grpc_port}",
        "--allow-metrics=false",
        "--allow-sagemaker=false",
        "--allow-vertex-ai=false",
        "--exit-on-error=true",
        "--strict-readiness=true",
        "--model-control-mode=none",
        f"--exit-timeout-secs={int(STOP_GRACE) - 5}",
        f"--backend-config=python,shm-region-prefix-name={shm_prefix}",
    ]


def _orphan_guard() -> list[str]:
    """A prefix for the server's command line that gives it SIGTERM should the process that
    started it die without stopping it (util-linux ``setpriv --pdeathsig``; nothing without it)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def _get(url: str, timeout: float = 2.0) -> int:
    """HTTP status of GET ``url`` on loopback (never through a proxy), 0 when not answering."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as r:
            status: int = r.status
            return status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):
        return 0


def log_tail(log: Path, n: int = 25) -> str:
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    errors = [ln for ln in lines if ln[:1] == "E" or "error" in ln.lower()]
    picked = errors[-8:] if errors else lines[-n:]
    return "\n".join(picked)


_counter = itertools.count()


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group ``pgid``, from /proc."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            out.append(int(d.name))
    return out


def _stop(proc: subprocess.Popen[bytes], grace: float | None = None) -> None:
    """SIGTERM to the server's process group; SIGKILL to whatever is left of it after ``grace`` s."""
    grace = STOP_GRACE if grace is None else grace
    pgid = proc.pid
    deadline = time.monotonic() + grace
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    # The leader may be gone while its stubs linger in the group a moment.
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is None or group_members(pgid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        proc.wait()
        end = time.monotonic() + 10
        while group_members(pgid) and time.monotonic() < end:
            time.sleep(0.05)


def _remove_shm(prefix: str) -> None:
    shm = Path("/dev/shm")
    if shm.is_dir():
        for p in shm.glob(prefix + "*"):
            with contextlib.suppress(OSError):
                p.unlink()


@contextlib.contextmanager
def serve(
    repository: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_START_TIMEOUT,
    log: str | os.PathLike[str] | None = None,
    installation: Installation | None = None,
    grpc_port: int | None = None,
    echo: Callable[[str], None] = _log,
) -> Iterator[Endpoint]:
    """Serve the Triton model repository ``repository`` on 127.0.0.1 for the ``with`` block.

    Waits (up to ``timeout`` s) for ServerLive and every model's ModelReady; the server's output
    goes to ``log`` (default: a temporary file, removed afterwards unless something failed).
    The ports are free ones, unless ``grpc_port`` is given (e.g. to restart a server where its
    clients expect it). The server is stopped when the block ends, however it ends.
    """
    repo = Path(repository).absolute()
    models = models_in(repo)
    inst = installation or ensure()
    own_log = log is None
    log_path = Path(log) if log is not None else Path(tempfile.mkstemp(prefix="sdkgen-triton-", suffix=".log")[1])
    ok = False
    last = ""
    for attempt in range(3):  # a port taken between choosing and binding: try other ports
        http_port, gport = free_port(), grpc_port or free_port()
        while gport == http_port:
            http_port = free_port()
        shm_prefix = f"sdkgen_{os.getpid()}_{next(_counter)}_"
        t0 = time.monotonic()
        with open(log_path, "wb") as out:
            argv = [*_orphan_guard(), *command(inst, repo, http_port, gport, shm_prefix)]
            proc = subprocess.Popen(argv, env=inst.env(), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, cwd=repo, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{http_port}/v2"
            status = _wait_ready(proc, base, models, timeout)
            if status == "ready":
                echo(f"triton: serving {len(models)} model(s) on grpc 127.0.0.1:{gport} "
                     f"(ready after {time.monotonic() - t0:.1f}s, pid {proc.pid}, log {log_path})")
                yield Endpoint(f"127.0.0.1:{gport}", f"127.0.0.1:{http_port}", models, repo, log_path, proc.pid)
                ok = True
                return
            text = log_path.read_text(errors="replace")
            if status == "exited" and "ddress already in use" in text and attempt < 2 and grpc_port is None:
                continue
            if status == "exited":
                raise UserError(f"tritonserver exited with {proc.returncode} before every model was ready "
                                f"(log {log_path}):\n{log_tail(log_path)}")
            if _get(f"{base}/health/live") != 200:
                why = "the server is not live"
            else:
                why = "models not ready: " + ", ".join(
                    m for m in models if _get(f"{base}/models/{urllib.parse.quote(m, safe='')}/ready") != 200)
            last = f"tritonserver was not ready after {timeout:.0f}s ({why}; log {log_path}):\n{log_tail(log_path)}"
            raise UserError(last)
        finally:
            _stop(proc)
            _remove_shm(shm_prefix)
            if own_log and ok:
                with contextlib.suppress(OSError):
                    log_path.unlink()
    raise UserError(last or f"tritonserver could not bind free ports (log {log_path})")


def _wait_ready(proc: subprocess.Popen[bytes], base: str, models: Sequence[str], timeout: float) -> str:
    """"ready" when the server is live and every model ready, "exited", or "timeout"."""
    deadline = time.monotonic() + timeout
    pending = list(models)
    live = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return "exited"
        if not live:
            live = _get(f"{base}/health/live") == 200
        if live:
            pending = [m for m in pending if _get(f"{base}/models/{urllib.parse.quote(m, safe='')}/ready") != 200]
            if not pending:
                return "ready"
        time.sleep(0.1)
    return "exited" if proc.poll() is not None else "timeout"
