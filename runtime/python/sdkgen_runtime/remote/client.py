"""The gRPC client of a remote model; imported only when a model is opened remotely.

One :class:`RemoteSession` holds one gRPC channel (one HTTP/2 connection, reused by every call
and safe to share between threads) and the model's checks. At open it asks the server for the
model's metadata and refuses a signature that differs from the generated one. Every ``run``
checks the inputs exactly as in-process, sends them as raw contents, asks for the model's
outputs by name and decodes them, matched by name, into the same numpy types as in-process.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Mapping, Sequence
from types import EllipsisType
from typing import Any

import grpc  # type: ignore[import-untyped, unused-ignore]

from .. import checks
from ..checks import Spec
from ..errors import ModelClosedError, quote
from . import TLS, Cancellation, Metadata, codec
from .errors import (
    RemoteCancelledError,
    RemoteError,
    RemoteServerError,
    RemoteSignatureError,
    from_status,
)

# grpcio-tools' stubs, generated into the SDK (``_oip``): untyped code, loaded by name.
_pb: Any = importlib.import_module("._oip.grpc_predict_v2_pb2", __package__)
_pbg: Any = importlib.import_module("._oip.grpc_predict_v2_pb2_grpc", __package__)

# Channel options every remote model starts from (``options=`` adds to or overrides them):
# no 4 MB cap on responses (model outputs are often bigger), and a reconnect backoff of at
# most 10 s instead of 120 s, so a restarted server is used again soon.
DEFAULT_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
    ("grpc.max_reconnect_backoff_ms", 10_000),
)

_KEY = re.compile(r"[0-9a-z_.-]+")

Pairs = tuple[tuple[str, str | bytes], ...]


def _pairs(metadata: Metadata) -> Pairs:
    """Metadata as checked (key, value) pairs (a callable is called)."""
    items = metadata() if callable(metadata) else metadata
    if isinstance(items, Mapping):
        items = list(items.items())
    out: list[tuple[str, str | bytes]] = []
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise ValueError(f"metadata: expected (key, value) pairs, got {item!r}")
        key, value = item
        if (
            not isinstance(key, str)
            or not _KEY.fullmatch(key)
            or key.startswith("grpc-")
        ):
            raise ValueError(
                f"metadata key {key!r}: expected lower-case ASCII letters, digits, "
                "'-', '_' or '.' (and no 'grpc-' prefix)"
            )
        if key.endswith("-bin"):
            if not isinstance(value, bytes):
                raise ValueError(f"metadata {key!r}: a '-bin' key takes bytes")
        elif (
            not isinstance(value, str) or not value.isascii() or not value.isprintable()
        ):
            raise ValueError(
                f"metadata {key!r}: expected printable ASCII text (bytes need a "
                "key ending in '-bin')"
            )
        out.append((key, value))
    return tuple(out)


def _channel(address: str, tls: TLS | None, options: Sequence[tuple[str, Any]]) -> Any:
    opts = dict(DEFAULT_OPTIONS)
    opts.update(dict(options))
    if tls is None:
        return grpc.insecure_channel(address, options=list(opts.items()))
    if tls.server_name is not None:
        opts["grpc.ssl_target_name_override"] = tls.server_name
    creds = grpc.ssl_channel_credentials(
        root_certificates=tls.root_certificates,
        private_key=tls.private_key,
        certificate_chain=tls.certificate_chain,
    )
    return grpc.secure_channel(address, creds, options=list(opts.items()))


class _Connection:
    """The channel and its stub, shared by a session and its ``with_options`` views; closed
    when the session is closed and no call is in flight."""

    __slots__ = ("_inflight", "_lock", "channel", "closed", "stub")

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        self.stub = _pbg.GRPCInferenceServiceStub(channel)
        self._lock = threading.Lock()
        self._inflight = 0
        self.closed = False

    def enter(self) -> None:
        with self._lock:
            if self.closed:
                raise ModelClosedError
            self._inflight += 1

    def leave(self) -> None:
        with self._lock:
            self._inflight -= 1
            last = self.closed and self._inflight == 0
        if last:
            self.channel.close()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            idle = self._inflight == 0
        if idle:
            self.channel.close()


class RemoteSession:
    """The remote counterpart of :class:`..session.Session`: ``run`` takes the inputs in
    the model's order and returns the outputs in the model's order."""

    __slots__ = (
        "_cancel",
        "_conn",
        "_ins",
        "_metadata",
        "_output_names",
        "_outs",
        "_plan",
        "_timeout",
        "address",
        "inputs",
        "model_name",
        "model_version",
        "outputs",
    )

    def __init__(
        self,
        address: str,
        inputs: Sequence[Spec],
        outputs: Sequence[Spec],
        *,
        model_name: str,
        model_version: str = "",
        timeout: float | None = None,
        tls: TLS | None = None,
        metadata: Metadata = (),
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout={timeout!r}: expected seconds > 0, or None")
        self.address = address
        self.model_name = model_name
        self.model_version = model_version
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self._plan = checks.compile_plan(self.inputs)
        self._output_names = [s.name for s in self.outputs]
        self._timeout = timeout
        self._metadata = metadata if callable(metadata) else _pairs(metadata)
        self._cancel: Cancellation | None = None
        self._conn = _Connection(_channel(address, tls, options))
        try:
            ins, outs = self._check_signature()
        except BaseException:
            self._conn.close()
            raise
        self._ins = tuple(
            (s.name, codec.DATATYPES[s.elem or ""], s.elem or "", s.name in ins)
            for s in self.inputs
        )
        self._outs = tuple(
            (s.name, codec.DATATYPES[s.elem or ""], s.elem or "", s.name in outs)
            for s in self.outputs
        )

    # --- open ---------------------------------------------------------------------------

    def _check_signature(self) -> tuple[frozenset[str], frozenset[str]]:
        req = _pb.ModelMetadataRequest(name=self.model_name, version=self.model_version)
        try:
            md = self._call(self._conn.stub.ModelMetadata, req)
        except RemoteError as e:
            if e.code == "NOT_FOUND":  # the server does not serve that model (version)
                raise self._signature(
                    f"the server does not serve it ({e.detail})", e.code
                ) from None
            raise
        problems: list[str] = []
        found = []
        for direction, specs, served in (
            ("input", self.inputs, md.inputs),
            ("output", self.outputs, md.outputs),
        ):
            p, as_one = codec.compare(
                direction,
                specs,
                [(t.name, t.datatype, list(t.shape)) for t in served],
            )
            problems += p
            found.append(as_one)
        if problems:
            raise self._signature(
                "the served model does not match the SDK: "
                + "; ".join(problems)
                + "; regenerate the SDK for the served model, or serve this one"
            )
        return found[0], found[1]

    # --- calls --------------------------------------------------------------------------

    def _call(self, method: Any, request: Any, timeout: Any = ...) -> Any:
        """``method(request)`` with the session's deadline and metadata; a failed call
        raises the :class:`RemoteError` of its status."""
        md = _pairs(self._metadata) if callable(self._metadata) else self._metadata
        deadline = self._timeout if timeout is ... else timeout
        token = self._cancel
        try:
            if token is None:
                return method(request, timeout=deadline, metadata=md or None)
            call = method.future(request, timeout=deadline, metadata=md or None)
            if not token._attach(call):
                raise self._cancelled(
                    "cancelled before the call (its Cancellation was cancelled)"
                )
            try:
                return call.result()
            except grpc.FutureCancelledError:
                raise self._cancelled("cancelled by its Cancellation") from None
            finally:
                token._detach(call)
        except grpc.RpcError as e:
            code = e.code() if callable(getattr(e, "code", None)) else None
            details = e.details() if callable(getattr(e, "details", None)) else str(e)
            raise from_status(
                self.address,
                self.model_name,
                code.name if code is not None else "UNKNOWN",
                details or "",
            ) from None

    def run(self, *values: Any) -> list[Any]:
        """Check ``values`` (one per input, in order) and run remotely; the outputs come
        back in the model's order."""
        conn = self._conn
        if conn.closed:
            raise ModelClosedError
        feeds = checks.check(self._plan, values)
        req = _pb.ModelInferRequest(
            model_name=self.model_name, model_version=self.model_version
        )
        try:
            for name, datatype, elem, as_one in self._ins:
                value = feeds[name]
                req.inputs.add(
                    name=name,
                    datatype=datatype,
                    shape=(1,) if as_one else value.shape,
                )
                req.raw_input_contents.append(codec.encode(elem, value))
        except UnicodeEncodeError:
            # A str with an unpaired surrogate cannot be UTF-8: an input error.
            error = checks.unencodable(self._plan, feeds)
            if error is None:  # pragma: no cover - every str was checked
                raise
            raise error from None
        for name in self._output_names:
            req.outputs.add(name=name)
        conn.enter()
        try:
            resp = self._call(conn.stub.ModelInfer, req)
        finally:
            conn.leave()
        return self._decode(resp)

    def _decode(self, resp: Any) -> list[Any]:
        by_name = {o.name: (i, o) for i, o in enumerate(resp.outputs)}
        raw = resp.raw_output_contents
        out: list[Any] = []
        for spec, (name, datatype, elem, as_one) in zip(self.outputs, self._outs):
            got = by_name.get(name)
            if got is None:
                raise self._signature(
                    f"the response has no output {quote(name)} (it has "
                    f"{', '.join(quote(n) for n in by_name) or 'none'})"
                )
            i, o = got
            shape = tuple(o.shape)
            if o.datatype != datatype:
                raise self._signature(
                    f"output {quote(name)} came back as {o.datatype}, the SDK "
                    f"has {datatype}"
                )
            if as_one:
                ok = shape == (1,)
            else:
                want = spec.shape
                ok = want is None or (
                    len(shape) == len(want)
                    and all(
                        not isinstance(w, int) or w == g for w, g in zip(want, shape)
                    )
                )
            if not ok or any(d < 0 for d in shape):
                raise self._signature(
                    f"output {quote(name)} came back with shape "
                    f"{list(shape)}, the SDK has {spec.type_text}"
                )
            try:
                if raw:
                    if i >= len(raw):
                        raise codec.DecodeError(
                            f"{len(raw)} raw output contents for {len(resp.outputs)} "
                            "outputs"
                        )
                    value = codec.decode(elem, raw[i], shape)
                else:
                    value = codec.decode_contents(elem, datatype, o.contents, shape)
            except codec.DecodeError as e:
                raise RemoteServerError(
                    self.address,
                    self.model_name,
                    f"output {quote(name)}: {e}",
                ) from None
            out.append(value.reshape(()) if as_one else value)
        return out

    def _cancelled(self, detail: str) -> RemoteCancelledError:
        return RemoteCancelledError(
            self.address, self.model_name, f"CANCELLED: {detail}", "CANCELLED"
        )

    def _signature(self, detail: str, code: str = "") -> RemoteSignatureError:
        return RemoteSignatureError(self.address, self.model_name, detail, code)

    def run_dict(self, feeds: Mapping[str, Any]) -> list[Any]:
        """Like :meth:`run` with inputs keyed by the model's input names."""
        return self.run(*checks.order(self._plan, feeds))

    def run_positional(self, values: Sequence[Any]) -> list[Any]:
        """Like :meth:`run`; fewer values leave the last inputs absent."""
        n = len(self.inputs)
        if len(values) > n:
            raise checks.unknown_input(
                self._plan, "", f"{len(values)} positional values"
            )
        return self.run(*values, *([None] * (n - len(values))))

    def derive(
        self,
        timeout: float | None | EllipsisType,
        metadata: Metadata,
        cancel: Cancellation | None = None,
    ) -> RemoteSession:
        """A session on the same connection with another deadline, more metadata and,
        with ``cancel``, calls that token cancels."""
        if timeout is not ... and timeout is not None and not timeout > 0:
            raise ValueError(f"timeout={timeout!r}: expected seconds > 0, or None")
        view = RemoteSession.__new__(RemoteSession)
        for name in RemoteSession.__slots__:
            setattr(view, name, getattr(self, name))
        if timeout is not ...:
            view._timeout = timeout
        if cancel is not None:
            view._cancel = cancel
        if callable(metadata) or callable(self._metadata):
            base, extra = self._metadata, metadata

            def combined() -> Pairs:
                return _pairs(base) + _pairs(extra)

            view._metadata = combined
        else:
            view._metadata = _pairs(self._metadata) + _pairs(metadata)
        return view

    def close(self) -> None:
        """No new calls; the connection closes once the calls in flight are done."""
        self._conn.close()
