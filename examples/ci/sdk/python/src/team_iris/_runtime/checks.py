"""Input specs and the checks that enforce them before ONNX Runtime sees the data.

A generated model module describes each input and output with a :class:`Spec`.
:func:`compile_plan` turns a model's input specs into a :data:`Plan` once per
model: numpy dtype objects, ranks, fixed dims and, for every later use of a
symbolic dim, where it was bound first. :func:`check` then walks the plan on
every call without building any dict or set beyond the feeds ONNX Runtime takes.
The checks never cast or copy: an array of the wrong dtype is an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from .errors import ModelInputError

Dim = int | str | None

# ONNX element type name -> the numpy dtype the SDK accepts (exactly; no silent casts).
DTYPES: Final[Mapping[str, np.dtype[Any]]] = {
    "FLOAT": np.dtype(np.float32),
    "DOUBLE": np.dtype(np.float64),
    "FLOAT16": np.dtype(np.float16),
    "INT8": np.dtype(np.int8),
    "INT16": np.dtype(np.int16),
    "INT32": np.dtype(np.int32),
    "INT64": np.dtype(np.int64),
    "UINT8": np.dtype(np.uint8),
    "UINT16": np.dtype(np.uint16),
    "UINT32": np.dtype(np.uint32),
    "UINT64": np.dtype(np.uint64),
    "BOOL": np.dtype(np.bool_),
}


@dataclasses.dataclass(frozen=True)
class Spec:
    """One input or output: wire name, ONNX Runtime type string, element type, shape."""

    name: str
    ort_type: str  # e.g. "tensor(float)", "seq(map(int64,tensor(float)))"
    elem: str | None = None  # ONNX element type name for tensors, else None
    shape: tuple[Dim, ...] | None = None  # None: rank unknown (or not a tensor)


# Entry kinds.
_NUMERIC, _STRING, _SEQ, _MAP, _OPTIONAL, _OTHER = range(6)

# One input's check: (name, kind, dtype, rank (-1: unknown), exact shape when every
# dim is fixed, ((axis, fixed size), ...), ((axis, input index, axis) of the first
# binding of the symbol at axis, ...), spec).
Entry = tuple[
    str,
    int,
    np.dtype[Any] | None,
    int,
    tuple[int, ...] | None,
    tuple[tuple[int, int], ...],
    tuple[tuple[int, int, int], ...],
    Spec,
]
Plan = tuple[Entry, ...]


def compile_plan(specs: Sequence[Spec]) -> Plan:
    """Precompute the checks of ``specs`` (a model's inputs, in order)."""
    # symbol -> (input index, axis) that binds it first
    first: dict[str, tuple[int, int]] = {}
    out: list[Entry] = []
    for i, s in enumerate(specs):
        kind, dtype = _kind(s)
        rank, exact = -1, None
        fixed: list[tuple[int, int]] = []
        links: list[tuple[int, int, int]] = []
        if kind in (_NUMERIC, _STRING) and s.shape is not None:
            rank = len(s.shape)
            for axis, d in enumerate(s.shape):
                if isinstance(d, int):
                    fixed.append((axis, d))
                elif isinstance(d, str):
                    if d in first:
                        links.append((axis, *first[d]))
                    else:
                        first[d] = (i, axis)
            if len(fixed) == rank:
                exact, fixed = tuple(d for _, d in fixed), []
        out.append((s.name, kind, dtype, rank, exact, tuple(fixed), tuple(links), s))
    return tuple(out)


def _kind(s: Spec) -> tuple[int, np.dtype[Any] | None]:
    if s.elem == "STRING":
        return _STRING, None
    if s.elem is not None:
        return _NUMERIC, DTYPES[s.elem]
    for prefix, kind in (("seq(", _SEQ), ("map(", _MAP), ("optional(", _OPTIONAL)):
        if s.ort_type.startswith(prefix):
            return kind, None
    return _OTHER, None


def check(plan: Plan, values: Sequence[Any]) -> dict[str, Any]:
    """Check ``values`` (one per plan entry, in order; None for an absent optional)
    and return the feeds for ONNX Runtime; raises :class:`ModelInputError`."""
    feeds: dict[str, Any] = {}
    ndarray = np.ndarray
    for (name, kind, dtype, rank, exact, fixed, links, spec), value in zip(
        plan, values
    ):
        if kind == _NUMERIC:
            if type(value) is not ndarray and not isinstance(value, ndarray):
                raise _not_an_array(spec, value)
            if value.dtype is not dtype and value.dtype != dtype:
                raise _wrong_dtype(spec, value)
        elif kind == _STRING:
            if type(value) is not ndarray and not isinstance(value, ndarray):
                raise _not_an_array(spec, value)
            if value.dtype.kind not in "UO":
                raise ModelInputError(
                    "type", name, "dtype str_ or object (strings)", str(value.dtype)
                )
        else:
            if value is None:
                if kind == _OPTIONAL:
                    continue
                raise _missing(name)
            if kind == _SEQ and not isinstance(value, list):
                raise ModelInputError(
                    "type", name, f"list for {spec.ort_type}", _describe(value)
                )
            if kind == _MAP and not isinstance(value, dict):
                raise ModelInputError(
                    "type", name, f"dict for {spec.ort_type}", _describe(value)
                )
            feeds[name] = value
            continue
        if exact is not None:
            if value.shape != exact:
                raise _shape_error(spec, value, values, plan)
        elif rank >= 0:
            shape = value.shape
            if len(shape) != rank:
                raise _shape_error(spec, value, values, plan)
            for axis, size in fixed:
                if shape[axis] != size:
                    raise _shape_error(spec, value, values, plan)
            for axis, j, j_axis in links:
                if shape[axis] != values[j].shape[j_axis]:
                    raise _shape_error(spec, value, values, plan)
        feeds[name] = value
    return feeds


def order(plan: Plan, feeds: Mapping[str, Any]) -> list[Any]:
    """``feeds`` (wire name -> value) as values in the plan's order; refuses unknown names."""
    names = {e[0] for e in plan}
    unknown = sorted(k for k in feeds if k not in names)
    if unknown:
        raise ModelInputError(
            "unknown",
            unknown[0],
            "one of " + ", ".join(repr(e[0]) for e in plan),
            "an unknown input name",
        )
    return [feeds.get(e[0]) for e in plan]


# --- errors (off the fast path) ----------------------------------------------------


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"{a.dtype}{list(a.shape)}"
    return type(a).__name__


def _shape_str(shape: tuple[Dim, ...]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _missing(name: str) -> ModelInputError:
    return ModelInputError("missing", name, "a value", "nothing (missing input)")


def _not_an_array(spec: Spec, value: Any) -> ModelInputError:
    if value is None:
        return _missing(spec.name)
    elem = (spec.elem or "").lower()
    return ModelInputError(
        "type", spec.name, f"numpy.ndarray of {elem}", _describe(value)
    )


def _wrong_dtype(spec: Spec, value: Any) -> ModelInputError:
    want = DTYPES[spec.elem or ""]
    return ModelInputError(
        "type",
        spec.name,
        f"dtype {want}",
        f"dtype {value.dtype}",
        f"input {spec.name!r}: expected dtype {want}, got {value.dtype} (sdkgen never "
        f"casts; convert with .astype(numpy.{want}))",
    )


def _shape_error(
    spec: Spec, value: Any, values: Sequence[Any], plan: Plan
) -> ModelInputError:
    """The first mismatch of ``value``'s shape, in the order the checks are specified:
    rank, then each axis (a fixed dim, or a symbol against where it was bound first)."""
    name, shape, want = spec.name, value.shape, spec.shape or ()
    if len(shape) != len(want):
        return ModelInputError(
            "rank",
            name,
            f"rank {len(want)} {_shape_str(want)}",
            f"rank {value.ndim} {list(shape)}",
        )
    index = next(i for i, e in enumerate(plan) if e[7] is spec)
    bound: dict[str, tuple[int, str]] = {}
    for i, e in enumerate(plan[: index + 1]):
        s = e[7]
        if e[1] not in (_NUMERIC, _STRING) or s.shape is None:
            continue
        got_shape = shape if i == index else values[i].shape
        for axis, (dim, got) in enumerate(zip(s.shape, got_shape)):
            if isinstance(dim, int) and got != dim and i == index:
                return ModelInputError(
                    "dim",
                    name,
                    f"dim {axis} = {dim}",
                    f"{got}",
                    f"input {name!r} dim {axis} is {got} but the model fixes it to "
                    f"{dim} (expected shape {_shape_str(want)})",
                )
            if isinstance(dim, str):
                prev = bound.setdefault(dim, (got, s.name))
                if prev[0] != got and i == index:
                    return ModelInputError(
                        "symbol",
                        name,
                        f"dim {axis} ({dim}) = {prev[0]}",
                        f"{got}",
                        f"input {name!r} dim {axis} ({dim}) is {got} but {prev[1]!r} "
                        f"bound {dim}={prev[0]}",
                    )
    raise AssertionError(f"input {name!r}: no shape mismatch found")  # pragma: no cover
