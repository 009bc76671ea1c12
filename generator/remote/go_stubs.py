"""The Go gRPC stubs of the Open Inference Protocol v2, generated from ``grpc_predict_v2.proto``.

A Go SDK generated with ``--remote`` gets them as its ``internal/oip`` package. They are made at
generation time, never committed: grpcio-tools' protoc (``python -m grpc_tools.protoc``, what
sdkgen's own Python already uses for ``sdkgen check``) with protoc-gen-go and
protoc-gen-go-grpc at the versions pinned in ``generator.versions``, each installed once with
``go install`` into ``~/.cache/sdkgen/go-plugins/<name>@<version>/`` (``$XDG_CACHE_HOME`` is
honoured). The output does not depend on the SDK's module path (the stubs import nothing of
it), so it is generated once per (proto, protoc, plugins) and kept in
``~/.cache/sdkgen/go-stubs/<key>/``; generation is deterministic for a given protoc.

The stubs register ``grpc_predict_v2.proto`` and the ``inference.*`` messages in protobuf-go's
global registry, as every generated protobuf package does: one binary cannot link two
packages registering the same names (see the Go SDK's README for the workaround).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import versions
from ..errors import UserError

PROTO = Path(__file__).resolve().parent / "grpc_predict_v2.proto"
GO_PACKAGE = "oip"  # the stubs' package name (the SDK's internal/oip)
# The stubs' own Go import path as protoc-gen-go sees it. Nothing imports it by this path (the
# SDK's runtime imports <module>/internal/oip), so it stays fixed and the output is module-free.
_IMPORT_PATH = "sdkgen.local/oip"
PLUGINS = {
    "protoc-gen-go": ("google.golang.org/protobuf/cmd/protoc-gen-go", versions.PROTOBUF_GO_VERSION),
    "protoc-gen-go-grpc": ("google.golang.org/grpc/cmd/protoc-gen-go-grpc", versions.PROTOC_GEN_GO_GRPC_VERSION),
}
FILES = ("grpc_predict_v2.pb.go", "grpc_predict_v2_grpc.pb.go")


def cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "sdkgen"


def _go() -> str:
    exe = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").is_file() else None)
    if exe is None:
        raise UserError("--remote: the Go SDK's gRPC stubs are generated with protoc-gen-go and protoc-gen-go-grpc, "
                        "installed with `go install`: go not found on PATH (install Go)")
    return exe


def _protoc_version() -> str:
    try:
        from importlib.metadata import version

        import grpc_tools  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as e:
        raise UserError(f"--remote: grpcio-tools is not installed (pip install grpcio-tools=="
                        f"{versions.GRPCIO_TOOLS_VERSION}): the Go SDK's gRPC stubs are generated with its "
                        "protoc") from e
    return version("grpcio-tools")


def plugin(name: str) -> Path:
    """The plugin's executable, ``go install``-ed into the cache the first time."""
    pkg, ver = PLUGINS[name]
    bindir = cache_root() / "go-plugins" / f"{name}@{ver}"
    exe = bindir / name
    if exe.is_file():
        return exe
    bindir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=bindir.parent))
    try:
        env = {**os.environ, "GOBIN": str(tmp), "GOFLAGS": "", "GO111MODULE": "on"}
        r = subprocess.run([_go(), "install", f"{pkg}@{ver}"], cwd=tmp, env=env, capture_output=True, text=True,
                           timeout=900, check=False)
        if r.returncode != 0 or not (tmp / name).is_file():
            raise UserError(f"--remote: `go install {pkg}@{ver}` failed: {(r.stdout + r.stderr)[-2000:]}")
        try:
            tmp.rename(bindir)  # atomic: a concurrent install that won leaves its copy in place
        except OSError:
            if not exe.is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return exe


def _key(proto: bytes, protoc: str) -> str:
    h = hashlib.sha256(proto)
    for part in (protoc, *(f"{n}@{v}" for n, (_, v) in sorted(PLUGINS.items())), GO_PACKAGE, _IMPORT_PATH):
        h.update(b"\0" + part.encode())
    return h.hexdigest()[:32]


def stubs() -> dict[str, bytes]:
    """The stub files (``FILES``), as protoc writes them, for the SDK's ``internal/oip``."""
    proto = PROTO.read_bytes()
    protoc = _protoc_version()
    cached = cache_root() / "go-stubs" / _key(proto, protoc)
    if all((cached / f).is_file() for f in FILES):
        return {f: (cached / f).read_bytes() for f in FILES}
    gen, grpc_gen = plugin("protoc-gen-go"), plugin("protoc-gen-go-grpc")
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".stubs-", dir=cached.parent))
    try:
        m = f"Mgrpc_predict_v2.proto={_IMPORT_PATH};{GO_PACKAGE}"
        r = subprocess.run(
            [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO.parent}",
             f"--plugin=protoc-gen-go={gen}", f"--plugin=protoc-gen-go-grpc={grpc_gen}",
             f"--go_out={tmp}", "--go_opt=paths=source_relative", f"--go_opt={m}",
             f"--go-grpc_out={tmp}", "--go-grpc_opt=paths=source_relative", f"--go-grpc_opt={m}",
             PROTO.name],
            cwd=tmp, capture_output=True, text=True, timeout=300, check=False)
        if r.returncode != 0 or not all((tmp / f).is_file() for f in FILES):
            raise UserError(f"--remote: protoc failed on {PROTO.name}: {(r.stdout + r.stderr)[-2000:]}")
        out = {f: (tmp / f).read_bytes() for f in FILES}
        try:
            tmp.rename(cached)
        except OSError:  # another process cached it first: same bytes
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
