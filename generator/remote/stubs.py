"""The Python stubs of the Open Inference Protocol v2, generated from ``grpc_predict_v2.proto``
with grpcio-tools' protoc and its gRPC plugin at generation time (never committed).

The output of grpcio-tools is used as it is, with two rewrites so that it lives inside a
generated package and next to anything else in the process:

* ``grpc_predict_v2_pb2_grpc.py`` imports its messages relatively (protoc writes an absolute
  ``import grpc_predict_v2_pb2``, which only works from ``sys.path``'s top level);
* ``grpc_predict_v2_pb2.py`` adds its descriptor to a private ``DescriptorPool`` instead of the
  process-wide default one, so a process that also imports another copy of the protocol
  (another sdkgen SDK, ``tritonclient``'s ``grpc_service.proto``, KServe's
  ``grpc_predict_v2.proto``: the same ``inference.*`` names) does not fail with "duplicate
  symbol" or "duplicate file name". The wire format does not depend on the pool; the service's
  method paths (``/inference.GRPCInferenceService/ModelInfer``) are unchanged.

The version of grpcio-tools is pinned (``versions.GRPCIO_TOOLS_VERSION``) because its output is
part of the generated SDK, which must be byte-identical wherever it is generated.
"""

from __future__ import annotations

import functools
import importlib.metadata
import tempfile
from pathlib import Path

from .. import versions
from ..errors import UserError

PROTO = Path(__file__).resolve().parent / "grpc_predict_v2.proto"
PB2 = "grpc_predict_v2_pb2.py"
PB2_GRPC = "grpc_predict_v2_pb2_grpc.py"

_POOL_FROM = "_descriptor_pool.Default().AddSerializedFile("
_POOL_TO = "_descriptor_pool.DescriptorPool().AddSerializedFile("
_IMPORT_FROM = "import grpc_predict_v2_pb2 as grpc__predict__v2__pb2\n"
_IMPORT_TO = "from . import grpc_predict_v2_pb2 as grpc__predict__v2__pb2\n"


def _header(name: str) -> str:
    return (f"# sdkgen: {name} is grpcio-tools {versions.GRPCIO_TOOLS_VERSION}'s output for sdkgen's "
            "grpc_predict_v2.proto\n# (Open Inference Protocol v2), generated with the SDK; see "
            "generator/remote/stubs.py for its two rewrites.\n")


def _rewrite(text: str, old: str, new: str, name: str) -> str:
    if text.count(old) != 1:
        raise UserError(f"grpcio-tools {versions.GRPCIO_TOOLS_VERSION}: {name} does not hold {old.strip()!r} once "
                        "(a changed protoc?): sdkgen cannot adapt it")
    return text.replace(old, new)


def _check_tools() -> None:
    try:
        have = importlib.metadata.version("grpcio-tools")
    except importlib.metadata.PackageNotFoundError:
        have = None
    if have != versions.GRPCIO_TOOLS_VERSION:
        found = f"found {have}" if have else "it is not installed"
        raise UserError(f"--remote: Python SDKs get their gRPC stubs from grpcio-tools=={versions.GRPCIO_TOOLS_VERSION} "
                        f"({found}): pip install 'grpcio-tools=={versions.GRPCIO_TOOLS_VERSION}' "
                        "(or sdkgen's [remote] extra)")


@functools.cache
def python() -> dict[str, bytes]:
    """The Python stubs, keyed by file name: ``grpc_predict_v2_pb2.py`` (messages) and
    ``grpc_predict_v2_pb2_grpc.py`` (the ``GRPCInferenceServiceStub`` client)."""
    _check_tools()
    from grpc_tools import protoc  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory(prefix="sdkgen-stubs-") as tmp:
        args = ["grpc_tools.protoc", f"-I{PROTO.parent}", f"--python_out={tmp}", f"--grpc_python_out={tmp}",
                PROTO.name]
        code = protoc.main(args)
        if code != 0:
            raise UserError(f"grpcio-tools' protoc failed on {PROTO} (exit {code})")
        pb2 = (Path(tmp) / PB2).read_text(encoding="utf-8")
        grpc = (Path(tmp) / PB2_GRPC).read_text(encoding="utf-8")
    pb2 = _rewrite(pb2, _POOL_FROM, _POOL_TO, PB2)
    grpc = _rewrite(grpc, _IMPORT_FROM, _IMPORT_TO, PB2_GRPC)
    first, rest = pb2.split("\n", 1)  # keep the coding line first
    pb2 = f"{first}\n{_header(PB2)}{rest}"
    grpc = _header(PB2_GRPC) + grpc
    return {PB2: pb2.encode("utf-8"), PB2_GRPC: grpc.encode("utf-8")}
