"""Tensors on the Open Inference Protocol v2 wire, and the signature check at open.

Raw contents (``raw_input_contents`` / ``raw_output_contents``) hold each tensor's elements
little-endian, row-major: BOOL one byte per element, BYTES each element as a little-endian
uint32 length and its bytes, FP16/BF16 their 16 bits. Strings travel as their UTF-8 bytes.
Nothing here imports gRPC: the tensor codec and the signature comparison are plain numpy.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from ..checks import DTYPES, RAW, Spec, raw_dtype
from ..errors import quote

# ONNX element type name -> OIP datatype (the protocol has no float8, complex or 4-bit types).
DATATYPES: Final[Mapping[str, str]] = {
    "BOOL": "BOOL",
    "UINT8": "UINT8",
    "UINT16": "UINT16",
    "UINT32": "UINT32",
    "UINT64": "UINT64",
    "INT8": "INT8",
    "INT16": "INT16",
    "INT32": "INT32",
    "INT64": "INT64",
    "FLOAT16": "FP16",
    "FLOAT": "FP32",
    "DOUBLE": "FP64",
    "STRING": "BYTES",
    "BFLOAT16": "BF16",
}

# The typed ``InferTensorContents`` field of each datatype (a server may answer without raw
# contents); FP16, BF16 have none.
CONTENTS_FIELDS: Final[Mapping[str, str]] = {
    "BOOL": "bool_contents",
    "INT8": "int_contents",
    "INT16": "int_contents",
    "INT32": "int_contents",
    "INT64": "int64_contents",
    "UINT8": "uint_contents",
    "UINT16": "uint_contents",
    "UINT32": "uint_contents",
    "UINT64": "uint64_contents",
    "FP32": "fp32_contents",
    "FP64": "fp64_contents",
    "BYTES": "bytes_contents",
}

_LITTLE = sys.byteorder == "little"


class DecodeError(ValueError):
    """A response tensor that does not hold what its datatype and shape say."""


def _bits_dtype(elem: str) -> np.dtype[Any]:
    """The numpy dtype of ``elem``'s bits (bfloat16: uint16)."""
    if elem in RAW:
        return RAW[elem][2]
    return DTYPES[elem]


def encode(elem: str, value: np.ndarray[Any, Any]) -> bytes:
    """The raw contents of a checked input array of element type ``elem``. A str that is
    not valid Unicode (an unpaired surrogate) raises :class:`UnicodeEncodeError`."""
    if elem == "STRING":
        parts: list[bytes] = []
        for x in value.flat:
            b = x.encode("utf-8")
            parts.append(len(b).to_bytes(4, "little"))
            parts.append(b)
        return b"".join(parts)
    if elem in RAW:
        value = value.view(RAW[elem][2])
    if not _LITTLE:  # pragma: no cover - big-endian hosts
        value = value.astype(value.dtype.newbyteorder("<"))
    return value.tobytes(order="C")


def _count(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def decode(elem: str, raw: bytes, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
    """A new (writable, native-order) array of element type ``elem`` from raw contents."""
    n = _count(shape)
    if elem == "STRING":
        return _decode_bytes(raw, shape, n)
    bits = _bits_dtype(elem)
    if len(raw) != n * bits.itemsize:
        raise DecodeError(
            f"{len(raw)} bytes of raw contents for {n} elements of "
            f"{bits.itemsize} byte(s) (shape {list(shape)})"
        )
    if elem == "BOOL":
        flags: np.ndarray[Any, Any] = np.frombuffer(raw, np.uint8) != 0
        return flags.reshape(shape)
    wire = np.frombuffer(raw, bits.newbyteorder("<")).reshape(shape)
    out = wire.astype(bits, copy=True)
    if elem in RAW:
        return out.view(raw_dtype(elem))
    return out


def _decode_bytes(raw: bytes, shape: tuple[int, ...], n: int) -> np.ndarray[Any, Any]:
    items: list[str] = []
    off, end = 0, len(raw)
    while off < end:
        if off + 4 > end:
            raise DecodeError(f"BYTES contents end inside an element's length at {off}")
        size = int.from_bytes(raw[off : off + 4], "little")
        off += 4
        if off + size > end:
            raise DecodeError(
                f"BYTES element {len(items)} of {size} bytes passes the end of "
                f"the contents ({end} bytes)"
            )
        try:
            items.append(raw[off : off + size].decode("utf-8"))
        except UnicodeDecodeError as e:
            raise DecodeError(
                f"BYTES element {len(items)} is not UTF-8 ({e.reason} at byte "
                f"{e.start}); the model's strings are text"
            ) from None
        off += size
    if len(items) != n:
        raise DecodeError(
            f"{len(items)} BYTES elements for shape {list(shape)} ({n} elements)"
        )
    out = np.empty(n, dtype=object)
    out[:] = items
    return out.reshape(shape)


def decode_contents(
    elem: str, datatype: str, contents: Any, shape: tuple[int, ...]
) -> np.ndarray[Any, Any]:
    """The same from typed ``InferTensorContents`` (servers that do not send raw contents)."""
    field = CONTENTS_FIELDS.get(datatype)
    if field is None:
        raise DecodeError(f"a {datatype} tensor without raw contents")
    values = list(getattr(contents, field))
    n = _count(shape)
    if len(values) != n:
        raise DecodeError(
            f"{len(values)} {field} values for shape {list(shape)} ({n} elements)"
        )
    if elem == "STRING":
        return _decode_bytes(
            b"".join(len(v).to_bytes(4, "little") + v for v in values), shape, n
        )
    return np.array(values, dtype=DTYPES[elem]).reshape(shape)


# --- the signature at open (ModelMetadata) --------------------------------------------


def _dims(shape: Sequence[Any]) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def compare(
    direction: str,
    specs: Sequence[Spec],
    served: Sequence[tuple[str, str, Sequence[int]]],
) -> tuple[list[str], frozenset[str]]:
    """Compare the SDK's ``specs`` of one direction ("input" or "output") with the server's
    (name, datatype, shape) tensors; -1 in a served shape is a variable dim.

    Returns the problems (empty: they match) and the names of the SDK's scalars that the
    server declares with shape [1] (how Triton serves a scalar of a model without
    batching), which travel with shape [1]. The server must serve the same names with the same
    datatypes and ranks; a dim the SDK fixes must be that size or variable on the server,
    and a dim the SDK lets vary must be variable there too."""
    problems: list[str] = []
    as_one: set[str] = set()
    by_name = {name: (dt, list(shape)) for name, dt, shape in served}
    for s in specs:
        where = f"{direction} {quote(s.name)}"
        got = by_name.pop(s.name, None)
        if got is None:
            problems.append(f"{where} is not served")
            continue
        datatype, shape = got
        want = DATATYPES.get(s.elem or "", "")
        if datatype != want:
            problems.append(
                f"{where}: datatype {datatype} on the server, {want} in the SDK"
            )
        if s.shape is None:
            continue  # the SDK does not know the rank: any shape
        if not s.shape and shape == [1]:
            as_one.add(s.name)
            continue
        bad = len(shape) != len(s.shape) or any(
            (isinstance(w, int) and g not in (w, -1))
            or (not isinstance(w, int) and g != -1)
            for w, g in zip(s.shape, shape)
        )
        if bad:
            problems.append(
                f"{where}: shape {_dims(shape)} on the server, {_dims(s.shape)} "
                "in the SDK"
            )
    for name in by_name:
        problems.append(f"{direction} {quote(name)} is served but not in the SDK")
    return problems, frozenset(as_one)
