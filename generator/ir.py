"""Language-neutral intermediate representation of a model's signature.

The reader (``generator.reader``) is the only producer; emitters only consume it.
Everything is a frozen dataclass so an IR value can be shared freely. Names here
are *wire names*: exactly what the model calls a tensor. Turning them into
identifiers is the job of ``generator.naming.<lang>``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Any


class DType(enum.Enum):
    """Every ``onnx.TensorProto.DataType`` except UNDEFINED, by its ONNX name and number."""

    FLOAT = 1
    UINT8 = 2
    INT8 = 3
    UINT16 = 4
    INT16 = 5
    INT32 = 6
    INT64 = 7
    STRING = 8
    BOOL = 9
    FLOAT16 = 10
    DOUBLE = 11
    UINT32 = 12
    UINT64 = 13
    COMPLEX64 = 14
    COMPLEX128 = 15
    BFLOAT16 = 16
    FLOAT8E4M3FN = 17
    FLOAT8E4M3FNUZ = 18
    FLOAT8E5M2 = 19
    FLOAT8E5M2FNUZ = 20
    UINT4 = 21
    INT4 = 22
    FLOAT4E2M1 = 23
    FLOAT8E8M0 = 24
    UINT2 = 25
    INT2 = 26
    FLOAT6E2M3 = 27
    FLOAT6E3M2 = 28


@dataclasses.dataclass(frozen=True)
class Dim:
    """One dimension: a fixed size, a symbolic name, or unknown (both None)."""

    value: int | None = None
    symbol: str | None = None

    @property
    def is_fixed(self) -> bool:
        return self.value is not None

    @property
    def is_symbolic(self) -> bool:
        return self.symbol is not None

    def __str__(self) -> str:
        if self.value is not None:
            return str(self.value)
        if self.symbol is not None:
            return self.symbol
        return "?"


@dataclasses.dataclass(frozen=True)
class TensorType:
    """A dense tensor. ``shape`` is None when even the rank is unknown."""

    elem: DType
    shape: tuple[Dim, ...] | None

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)


@dataclasses.dataclass(frozen=True)
class SequenceType:
    elem: ValueType


@dataclasses.dataclass(frozen=True)
class MapType:
    key: DType
    value: ValueType


@dataclasses.dataclass(frozen=True)
class OptionalType:
    elem: ValueType


ValueType = TensorType | SequenceType | MapType | OptionalType


@dataclasses.dataclass(frozen=True)
class Value:
    """A graph input or output in positional order."""

    name: str
    type: ValueType
    doc: str = ""


@dataclasses.dataclass(frozen=True)
class Opset:
    domain: str
    version: int


@dataclasses.dataclass(frozen=True)
class Model:
    graph_name: str
    doc: str
    producer_name: str
    producer_version: str
    domain: str
    model_version: int
    ir_version: int
    opsets: tuple[Opset, ...]
    metadata: tuple[tuple[str, str], ...]  # sorted by key
    sha256: str
    inputs: tuple[Value, ...]  # required inputs, graph order
    outputs: tuple[Value, ...]
    # Graph inputs that also have an initializer: ORT treats them as constants
    # a caller may override, so they are not required inputs.
    overridable: tuple[Value, ...] = ()


def type_str(t: ValueType) -> str:
    """A short human form, e.g. ``float32[batch,3,?]`` or ``seq(map(int64,float32))``."""
    if isinstance(t, TensorType):
        shape = "[*]" if t.shape is None else "[" + ",".join(str(d) for d in t.shape) + "]"
        return t.elem.name.lower() + shape
    if isinstance(t, SequenceType):
        return f"seq({type_str(t.elem)})"
    if isinstance(t, MapType):
        return f"map({t.key.name.lower()},{type_str(t.value)})"
    return f"optional({type_str(t.elem)})"


def _type_json(t: ValueType) -> dict[str, Any]:
    if isinstance(t, TensorType):
        shape: list[Any] | None = None
        if t.shape is not None:
            shape = [d.value if d.value is not None else d.symbol for d in t.shape]
        return {"kind": "tensor", "elem": t.elem.name, "shape": shape}
    if isinstance(t, SequenceType):
        return {"kind": "sequence", "elem": _type_json(t.elem)}
    if isinstance(t, MapType):
        return {"kind": "map", "key": t.key.name, "value": _type_json(t.value)}
    return {"kind": "optional", "elem": _type_json(t.elem)}


def _value_json(v: Value) -> dict[str, Any]:
    return {"name": v.name, "doc": v.doc, "type": _type_json(v.type)}


def to_json(m: Model) -> str:
    """The IR as JSON: a stable, golden-tested contract (unknown dims are ``null``)."""
    doc = {
        "graph_name": m.graph_name,
        "doc": m.doc,
        "producer_name": m.producer_name,
        "producer_version": m.producer_version,
        "domain": m.domain,
        "model_version": m.model_version,
        "ir_version": m.ir_version,
        "opsets": [{"domain": o.domain, "version": o.version} for o in m.opsets],
        "metadata": {k: v for k, v in m.metadata},
        "sha256": m.sha256,
        "inputs": [_value_json(v) for v in m.inputs],
        "outputs": [_value_json(v) for v in m.outputs],
        "overridable": [_value_json(v) for v in m.overridable],
    }
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"


def symbols(m: Model) -> tuple[str, ...]:
    """Symbolic dim names used by the inputs, in first-seen order."""
    seen: dict[str, None] = {}

    def walk(t: ValueType) -> None:
        if isinstance(t, TensorType):
            for d in t.shape or ():
                if d.symbol is not None:
                    seen.setdefault(d.symbol)
        elif isinstance(t, MapType):
            walk(t.value)
        else:
            walk(t.elem)

    for v in m.inputs:
        walk(v.type)
    return tuple(seen)
