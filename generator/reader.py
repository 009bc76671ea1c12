"""ONNX file -> IR. The only module that imports ``onnx``; it never reads weights."""

from __future__ import annotations

import hashlib
import os
import stat
from typing import Any

import onnx
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]

from . import ir
from .errors import UserError

_DTYPES = {d.value: d for d in ir.DType}


# protobuf cannot parse a message of 2 GiB or more; a bigger file is not a model sdkgen can read.
MAX_MODEL_BYTES = 2**31 - 1


def read(path: str | os.PathLike[str]) -> ir.Model:
    """Read the signature of the model at ``path``; raise UserError on anything malformed."""
    return read_file(path)[0]


def read_file(path: str | os.PathLike[str]) -> tuple[ir.Model, bytes]:
    """The signature and the bytes of the model at ``path``, from one read of one regular file
    (so the embedded bytes are exactly the ones whose sha256 the IR records)."""
    p = os.fspath(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise UserError(f"{p}: no such file (expected an .onnx model file)") from None
    except OSError as e:
        raise UserError(f"{p}: cannot read: {e.strerror}") from e
    if stat.S_ISDIR(st.st_mode):
        raise UserError(f"{p}: is a directory (expected an .onnx model file)")
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"{p}: not a regular file (expected an .onnx model file, not a pipe or device)")
    if st.st_size > MAX_MODEL_BYTES:
        raise UserError(
            f"{p}: {st.st_size} bytes is over protobuf's 2 GiB limit for a model file "
            "(keep the weights in external data files next to it)"
        )
    try:
        with open(p, "rb") as f:
            data = f.read(MAX_MODEL_BYTES + 1)
    except OSError as e:
        raise UserError(f"{p}: cannot read: {e.strerror}") from e
    if len(data) > MAX_MODEL_BYTES:
        raise UserError(f"{p}: grew past protobuf's 2 GiB limit while being read")
    return read_bytes(data, p), data


def read_bytes(data: bytes, label: str = "<bytes>") -> ir.Model:
    if not data:
        raise UserError(f"{label}: file is empty (expected an ONNX ModelProto)")
    try:
        proto = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError) as e:
        raise UserError(
            f"{label}: not a valid ONNX model (protobuf decode failed: truncated or not ONNX): {e}"
        ) from e
    if proto.ir_version <= 0 or not proto.HasField("graph"):
        raise UserError(f"{label}: not an ONNX model (no ir_version or no graph in the protobuf)")
    return _model(proto, hashlib.sha256(data).hexdigest(), label)


def _model(m: Any, sha: str, label: str) -> ir.Model:
    g = m.graph
    inits = {t.name for t in g.initializer} | {t.name for t in g.sparse_initializer}
    required: list[ir.Value] = []
    overridable: list[ir.Value] = []
    for vi in g.input:
        v = _value(vi, f"{label}: input {_text(vi.name, f'{label}: an input name')!r}")
        (overridable if vi.name in inits else required).append(v)
    outputs = tuple(_value(vi, f"{label}: output {_text(vi.name, f'{label}: an output name')!r}") for vi in g.output)
    if not outputs:
        raise UserError(f"{label}: the graph has no outputs (expected at least one)")
    _unique(required + overridable, "input", label)
    _unique(list(outputs), "output", label)
    return ir.Model(
        graph_name=_text(g.name, f"{label}: the graph name"),
        doc=_text(m.doc_string or g.doc_string, f"{label}: the model's doc string"),
        producer_name=_text(m.producer_name, f"{label}: producer_name"),
        producer_version=_text(m.producer_version, f"{label}: producer_version"),
        domain=_text(m.domain, f"{label}: domain"),
        model_version=m.model_version,
        ir_version=m.ir_version,
        opsets=tuple(
            sorted((ir.Opset(o.domain, o.version) for o in m.opset_import), key=lambda o: o.domain)
        ),
        metadata=tuple(sorted((_text(p.key, f"{label}: a metadata key"), _text(p.value, f"{label}: metadata value"))
                              for p in m.metadata_props)),
        sha256=sha,
        inputs=tuple(required),
        outputs=outputs,
        overridable=tuple(overridable),
    )


def _text(value: Any, where: str) -> str:
    """A protobuf string field as str: Python's protobuf hands over bytes when the file's text is
    not valid UTF-8 (ONNX requires UTF-8), which no emitter could escape."""
    if isinstance(value, bytes):
        raise UserError(f"{where} is not valid UTF-8 text ({value[:40]!r}...; ONNX strings are UTF-8)")
    return str(value)


def _unique(values: list[ir.Value], what: str, label: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v.name in seen:
            raise UserError(f"{label}: two graph {what}s are both named {v.name!r}")
        seen.add(v.name)
    if "" in seen:
        raise UserError(f"{label}: a graph {what} has an empty name")


def _value(vi: Any, where: str) -> ir.Value:
    if not vi.HasField("type"):
        raise UserError(f"{where} has no type (expected a typed graph input/output)")
    return ir.Value(name=_text(vi.name, f"{where}: its name"), type=_type(vi.type, where),
                    doc=_text(vi.doc_string, f"{where}: its doc string"))


def _dtype(code: int, where: str) -> ir.DType:
    d = _DTYPES.get(code)
    if d is None:
        raise UserError(f"{where}: element type {code} is undefined or unknown to sdkgen")
    return d


def _type(t: Any, where: str) -> ir.ValueType:
    kind = t.WhichOneof("value")
    if kind == "tensor_type":
        tt = t.tensor_type
        shape: tuple[ir.Dim, ...] | None = None
        if tt.HasField("shape"):
            shape = tuple(_dim(d) for d in tt.shape.dim)
        return ir.TensorType(_dtype(tt.elem_type, where), shape)
    if kind == "sequence_type":
        return ir.SequenceType(_type(t.sequence_type.elem_type, where + " (sequence element)"))
    if kind == "map_type":
        mt = t.map_type
        return ir.MapType(_dtype(mt.key_type, where + " (map key)"), _type(mt.value_type, where))
    if kind == "optional_type":
        return ir.OptionalType(_type(t.optional_type.elem_type, where + " (optional element)"))
    if kind == "sparse_tensor_type":
        raise UserError(f"{where}: sparse tensors are not supported (expected a dense tensor)")
    raise UserError(f"{where}: has no type (expected tensor, sequence, map or optional)")


def _dim(d: Any) -> ir.Dim:
    which = d.WhichOneof("value")
    if which == "dim_value" and d.dim_value >= 0:
        return ir.Dim(value=d.dim_value)
    if which == "dim_param" and d.dim_param:
        return ir.Dim(symbol=_text(d.dim_param, "a symbolic dim"))
    return ir.Dim()
