"""The errors of a remote model: one set of kinds in every sdkgen language (``docs/errors.md``,
"Remote").

Every call that reaches the server can fail with one of five kinds; the model stays usable
afterwards (the next call may succeed):

* ``unavailable``: the server cannot be reached or is shutting down (gRPC ``UNAVAILABLE``);
* ``deadline``: the call's deadline passed (``DEADLINE_EXCEEDED``);
* ``cancelled``: the call was cancelled (``CANCELLED``);
* ``server``: the server answered with an error (any other gRPC status: a failed inference, a
  refused request, an unknown model version) or with a response that cannot be decoded;
* ``signature``: the server's model does not match the one the SDK was generated for (at open,
  from ``ModelMetadata``; or a response whose outputs do not fit the signature).

The message is ``remote <kind>: model "<model>" at <address>: <detail>``; ``detail`` starts with
the gRPC status code's name when the server sent one.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from ..errors import SignatureMismatchError, quote

RemoteKind = Literal["unavailable", "deadline", "cancelled", "server", "signature"]
REMOTE_KINDS: Final[tuple[str, ...]] = get_args(RemoteKind)


class RemoteError(RuntimeError):
    """A remote call failed. ``kind`` says how (see :data:`RemoteKind`), ``address`` and
    ``model`` say where, ``code`` is the gRPC status code's name (``""`` when the client found
    the problem itself), ``detail`` what happened. The model stays usable."""

    kind: RemoteKind = "server"

    def __init__(self, address: str, model: str, detail: str, code: str = "") -> None:
        self.address = address
        self.model = model
        self.detail = detail
        self.code = code
        super().__init__(
            f"remote {self.kind}: model {quote(model)} at {address}: {detail}"
        )

    def __reduce__(self) -> tuple[type[RemoteError], tuple[str, ...]]:
        return type(self), (self.address, self.model, self.detail, self.code)


class RemoteUnavailableError(RemoteError):
    """The server cannot be reached (not running, refused, unreachable, shutting down)."""

    kind: RemoteKind = "unavailable"


class RemoteDeadlineError(RemoteError):
    """The call's deadline (``timeout``) passed before the server answered."""

    kind: RemoteKind = "deadline"


class RemoteCancelledError(RemoteError):
    """The call was cancelled before it completed."""

    kind: RemoteKind = "cancelled"


class RemoteServerError(RemoteError):
    """The server answered with an error, or with a response the SDK cannot decode."""

    kind: RemoteKind = "server"


class RemoteSignatureError(RemoteError, SignatureMismatchError):
    """The server's model does not match the signature the SDK was generated for (the
    remote twin of :class:`SignatureMismatchError`, which it also is)."""

    kind: RemoteKind = "signature"


KIND_ERRORS: Final[dict[str, type[RemoteError]]] = {
    "unavailable": RemoteUnavailableError,
    "deadline": RemoteDeadlineError,
    "cancelled": RemoteCancelledError,
    "server": RemoteServerError,
    "signature": RemoteSignatureError,
}

# gRPC status code name -> kind; every other code is "server".
GRPC_KINDS: Final[dict[str, RemoteKind]] = {
    "UNAVAILABLE": "unavailable",
    "DEADLINE_EXCEEDED": "deadline",
    "CANCELLED": "cancelled",
}


def from_status(address: str, model: str, code: str, details: str) -> RemoteError:
    """The error for a call that ended with gRPC status ``code`` (its name) and ``details``."""
    kind = GRPC_KINDS.get(code, "server")
    return KIND_ERRORS[kind](address, model, f"{code}: {details}", code)
