"""Input specs and the checks that enforce them before ONNX Runtime sees the data.

A generated model module describes each input and output with a :class:`Spec`.
:func:`compile_plan` turns a model's input specs into a :data:`Plan` once per
model: numpy dtype objects, ranks, fixed dims and, for every later use of a
symbolic dim, where it was bound first. :func:`compile_check` turns the plan into
one function, also once per model, that a session calls on every call: it builds
no dict or set beyond the feeds ONNX Runtime takes. :func:`check` walks the plan
and does the same (the reference the tests hold the compiled function to).
The checks never cast or copy: an array of the wrong dtype is an error.

A failed check raises :class:`ModelInputError` as ``docs/errors.md`` specifies
(one contract for every sdkgen language): inputs in signature order, and within
an input missing, type, rank, dim, symbol, value; the first failure is raised.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import numpy as np

from .errors import ModelInputError, quote

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

# Element types numpy has only through the ml_dtypes package, which ONNX Runtime's
# Python API cannot take as arrays: ONNX name -> (ml_dtypes type, ONNX type number,
# numpy dtype of the same bits). The SDK feeds their bits as an OrtValue of the ONNX
# type and copies outputs' bits back into ml_dtypes arrays (see session.py).
RAW: Final[Mapping[str, tuple[str, int, np.dtype[Any]]]] = {
    "BFLOAT16": ("bfloat16", 16, np.dtype(np.uint16)),
    "FLOAT8E4M3FN": ("float8_e4m3fn", 17, np.dtype(np.uint8)),
    "FLOAT8E4M3FNUZ": ("float8_e4m3fnuz", 18, np.dtype(np.uint8)),
    "FLOAT8E5M2": ("float8_e5m2", 19, np.dtype(np.uint8)),
    "FLOAT8E5M2FNUZ": ("float8_e5m2fnuz", 20, np.dtype(np.uint8)),
}

# numpy dtype name -> ONNX element name, for what an error says was given.
_ONNX_NAMES: Final[Mapping[str, str]] = {
    **{d.name: e.lower() for e, d in DTYPES.items()},
    **{ml: e.lower() for e, (ml, _, _) in RAW.items()},
    "complex64": "complex64",
    "complex128": "complex128",
}


def raw_dtype(elem: str) -> np.dtype[Any]:
    """The ml_dtypes dtype of ``elem`` (a key of :data:`RAW`); imports ml_dtypes, which
    only SDKs whose models use such types depend on."""
    ml_dtypes = importlib.import_module("ml_dtypes")
    dtype: np.dtype[Any] = np.dtype(getattr(ml_dtypes, RAW[elem][0]))
    return dtype


@dataclasses.dataclass(frozen=True)
class Spec:
    """One input or output: wire name, ONNX Runtime type string, element type, shape,
    and the declared type as ``sdkgen inspect`` prints it (derived for tensors when empty)."""

    name: str
    ort_type: str  # e.g. "tensor(float)", "seq(map(int64,tensor(float)))"
    elem: str | None = None  # ONNX element type name for tensors, else None
    shape: tuple[Dim, ...] | None = None  # None: rank unknown (or not a tensor)
    type: str = ""  # e.g. "float[batch,4]", "seq(float[*])"

    @property
    def type_text(self) -> str:
        """The declared type, e.g. ``float[batch,4]``, ``int64[*]``, ``seq(float[*])``."""
        if self.type or self.elem is None:
            return self.type or self.ort_type
        return self.elem.lower() + ("[*]" if self.shape is None else _dims(self.shape))


# Entry kinds: tensors first (kind <= _RAW).
_NUMERIC, _STRING, _RAW, _SEQ, _MAP, _OPTIONAL, _OTHER = range(7)

# One input's check: (name, kind, dtype, rank (-1: unknown), exact shape when every dim
# is fixed, ((axis, fixed size), ...), ((axis, input index, axis) of the first binding of
# the symbol at axis, ...), the spec, its index, and for a sequence of tensors the
# elements' dtype (None: strings) in a 1-tuple, else None).
Entry = tuple[
    str,
    int,
    np.dtype[Any] | None,
    int,
    tuple[int, ...] | None,
    tuple[tuple[int, int], ...],
    tuple[tuple[int, int, int], ...],
    Spec,
    int,
    tuple[np.dtype[Any] | None] | None,
]
Plan = tuple[Entry, ...]

_SEQ_OF_TENSOR = "seq(tensor("


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
        if kind <= _RAW and s.shape is not None:
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
        items: tuple[np.dtype[Any] | None] | None = None
        if kind == _SEQ and s.ort_type.startswith(_SEQ_OF_TENSOR):
            elem = s.ort_type[len(_SEQ_OF_TENSOR) : -2].upper()
            if elem == "STRING":
                items = (None,)
            elif elem in DTYPES:
                items = (DTYPES[elem],)
        out.append(
            (s.name, kind, dtype, rank, exact, tuple(fixed), tuple(links), s, i, items)
        )
    return tuple(out)


def _kind(s: Spec) -> tuple[int, np.dtype[Any] | None]:
    if s.elem == "STRING":
        return _STRING, None
    if s.elem is not None and s.elem in RAW:
        return _RAW, raw_dtype(s.elem)
    if s.elem is not None:
        return _NUMERIC, DTYPES[s.elem]
    for prefix, kind in (("seq(", _SEQ), ("map(", _MAP), ("optional(", _OPTIONAL)):
        if s.ort_type.startswith(prefix):
            return kind, None
    return _OTHER, None


def check(plan: Plan, values: Sequence[Any]) -> dict[str, Any]:
    """Check ``values`` (one per plan entry, in order; None for an absent optional)
    and return the feeds for ONNX Runtime; raises :class:`ModelInputError`.

    The reference walk of a plan; a session runs the same checks as one function
    per model (:func:`compile_check`)."""
    feeds: dict[str, Any] = {}
    ndarray = np.ndarray
    for entry, value in zip(plan, values):
        name, kind, dtype, rank, exact, fixed, links, _, _, _ = entry
        if kind == _NUMERIC or kind == _RAW:
            if type(value) is not ndarray and not isinstance(value, ndarray):
                raise _error(plan, entry, values)
            if value.dtype is not dtype and value.dtype != dtype:
                raise _error(plan, entry, values)
            if exact is not None:
                if value.shape != exact:
                    raise _error(plan, entry, values)
            elif rank >= 0:
                shape = value.shape
                if len(shape) != rank:
                    raise _error(plan, entry, values)
                for axis, size in fixed:
                    if shape[axis] != size:
                        raise _error(plan, entry, values)
                for axis, j, j_axis in links:
                    if shape[axis] != values[j].shape[j_axis]:
                        raise _error(plan, entry, values)
        elif kind == _OPTIONAL and value is None:
            continue
        else:
            value = _check_other(plan, entry, value, values)
        feeds[name] = value
    return feeds


def _check_other(plan: Plan, entry: Entry, value: Any, values: Sequence[Any]) -> Any:
    """Check one value of a string tensor, sequence, map, optional or other input (not
    an absent optional); return what to feed for it."""
    _, kind, _, rank, exact, fixed, links, _, _, items = entry
    if kind == _STRING:
        if not isinstance(value, np.ndarray):
            raise _error(plan, entry, values)
        if value.dtype.kind != "U" and value.dtype.kind != "O":
            raise _error(plan, entry, values)
        shape = value.shape
        if exact is not None:
            if shape != exact:
                raise _error(plan, entry, values)
        elif rank >= 0:
            if len(shape) != rank:
                raise _error(plan, entry, values)
            for axis, size in fixed:
                if shape[axis] != size:
                    raise _error(plan, entry, values)
            for axis, j, j_axis in links:
                if shape[axis] != values[j].shape[j_axis]:
                    raise _error(plan, entry, values)
        if value.dtype.kind == "O":
            if _non_string(value):
                raise _error(plan, entry, values)
        elif _inner_nul(value):
            value = value.astype(object)  # see _inner_nul
    elif value is None:
        raise _error(plan, entry, values)
    elif kind == _SEQ:
        if not isinstance(value, list):
            raise _error(plan, entry, values)
        if items is not None:
            if _bad_item(value, items[0]) is not None:
                raise _error(plan, entry, values)
            if items[0] is None and any(
                x.dtype.kind == "U" and _inner_nul(x) for x in value
            ):
                value = [
                    x.astype(object) if x.dtype.kind == "U" and _inner_nul(x) else x
                    for x in value
                ]
    elif kind == _MAP and not isinstance(value, dict):
        raise _error(plan, entry, values)
    return value


Check = Callable[[Sequence[Any]], dict[str, Any]]


def compile_check(plan: Plan) -> Check:
    """:func:`check` for one plan, as one function made once per model.

    The function takes a sequence of exactly one value per input. It checks numeric
    tensors inline: one ``if`` per input over its type, dtype, rank, fixed dims and
    symbol bindings, in the contract's order. Every other kind goes through the same
    code as :func:`check`, and every failure through :func:`_error`, so it accepts,
    feeds and refuses exactly what :func:`check` does. Only integers (indices, ranks,
    axes, sizes) are written into its source; names, dtypes and shapes are bound as
    variables.
    """
    env: dict[str, Any] = {
        "ndarray": np.ndarray,
        "_error": _error,
        "_check_other": _check_other,
        "plan": plan,
    }
    body: list[str] = []
    fed: list[tuple[int, str]] = []  # (input index, local to feed), in plan order
    shapes: dict[int, str] = {}  # input index -> the local holding its shape
    for i, entry in enumerate(plan):
        _, kind, dtype, rank, exact, fixed, links, _, _, _ = entry
        v = f"v{i}"
        env[f"e{i}"], env[f"n{i}"] = entry, entry[0]
        if kind == _NUMERIC or kind == _RAW:
            env[f"d{i}"] = dtype
            tests = [
                f"(type({v}) is not ndarray and not isinstance({v}, ndarray))",
                f"({v}.dtype is not d{i} and {v}.dtype != d{i})",
            ]
            if exact is not None:
                env[f"s{i}"] = exact
                tests.append(f"{v}.shape != s{i}")
            elif rank >= 0:
                sh = shapes[i] = f"sh{i}"
                tests.append(f"len({sh} := {v}.shape) != {int(rank)}")
                tests += [f"{sh}[{int(a)}] != {int(size)}" for a, size in fixed]
                tests += [
                    f"{sh}[{int(a)}] != {shapes.get(j, f'v{j}.shape')}[{int(b)}]"
                    for a, j, b in links
                ]
            body += [
                "    if " + " or ".join(tests) + ":",
                f"        raise _error(plan, e{i}, values)",
            ]
            fed.append((i, v))
        elif kind == _OPTIONAL:
            fed.append((i, v))
        else:
            body.append(f"    c{i} = _check_other(plan, e{i}, {v}, values)")
            fed.append((i, f"c{i}"))
    lines = ["def check(values):"]
    if plan:
        lines.append("    " + "".join(f"v{i}, " for i in range(len(plan))) + "= values")
    lines += body
    if all(e[1] != _OPTIONAL for e in plan):  # every input is fed: one dict display
        lines.append("    return {" + ", ".join(f"n{i}: {x}" for i, x in fed) + "}")
    else:
        lines.append("    f = {}")
        for i, x in fed:
            if plan[i][1] == _OPTIONAL:
                lines.append(f"    if {x} is not None:")
                lines.append(f"        f[n{i}] = {x}")
            else:
                lines.append(f"    f[n{i}] = {x}")
        lines.append("    return f")
    source = "\n".join(lines) + "\n"
    # As dataclasses and namedtuple make their methods: the source is only fixed
    # identifiers and int literals, every model string is a variable in ``env``.
    code = compile(source, "<sdkgen_runtime.checks.compile_check>", "exec")
    exec(code, env)  # noqa: S102
    fn: Check = env["check"]
    return fn


def _non_string(a: np.ndarray[Any, Any]) -> bool:
    """Whether an object array holds anything but str (ONNX Runtime would cast it)."""
    for x in a.flat:
        if type(x) is not str and not isinstance(x, str):
            return True
    return False


def _inner_nul(a: np.ndarray[Any, Any]) -> bool:
    """Whether a ``str_`` array has an element with a NUL before other characters.

    ONNX Runtime ends such an element at its first NUL (``"b\\x00c"`` becomes ``"b"``) but
    keeps the whole of a ``str`` in an object array, so the SDK passes those as objects.
    (numpy itself drops trailing NULs of ``str_`` elements, so any NUL left is inner.)
    """
    width = a.dtype.itemsize // 4
    if width < 2 or a.size == 0:
        return False
    if a.size <= 16:  # cheaper than the vectorised test for a few strings
        for x in a.flat:
            if "\x00" in x:
                return True
        return False
    z = np.ascontiguousarray(a).view(np.uint32).reshape(-1, width) == 0
    return bool((z[:, :-1] > z[:, 1:]).any())  # a zero code unit before a non-zero one


def _bad_item(items: list[Any], dtype: np.dtype[Any] | None) -> int | None:
    """The index of the first element of a sequence input that is not an array of
    ``dtype`` (None: strings), or None."""
    for i, x in enumerate(items):
        if not isinstance(x, np.ndarray):
            return i
        if dtype is None:
            if x.dtype.kind not in "UO" or (x.dtype.kind == "O" and _non_string(x)):
                return i
        elif x.dtype != dtype:
            return i
    return None


def order(plan: Plan, feeds: Mapping[str, Any]) -> list[Any]:
    """``feeds`` (wire name -> value) as values in the plan's order; refuses unknown
    names (the first in code-point order, so every language names the same one)."""
    names = {e[0] for e in plan}
    unknown = sorted(k for k in feeds if k not in names)
    if unknown:
        raise unknown_input(plan, unknown[0], quote(unknown[0]))
    return [feeds.get(e[0]) for e in plan]


def unknown_input(plan: Plan, name: str, actual: str) -> ModelInputError:
    """The error for a value the model has no input for."""
    expected = "one of " + ", ".join(quote(e[0]) for e in plan) if plan else "no inputs"
    return ModelInputError("unknown", name, expected, actual)


# --- errors (off the fast path) ----------------------------------------------------


def unencodable(plan: Plan, feeds: Mapping[str, Any]) -> ModelInputError | None:
    """After ONNX Runtime failed to encode a string as UTF-8: the first string element of
    ``feeds`` that cannot be (an unpaired surrogate), as an input error, or None."""
    for e in plan:
        value: Any = feeds.get(e[0])
        if value is None:
            continue
        if e[1] == _STRING:
            arrays = [value]
        elif e[1] == _SEQ and e[9] is not None and e[9][0] is None:
            arrays = list(value)
        else:
            continue
        for k, a in enumerate(arrays):
            for i, x in enumerate(a.flat):
                try:
                    x.encode("utf-8")
                except UnicodeEncodeError as err:
                    where = f"at element {i}" + (
                        f" of sequence element {k}" if e[1] == _SEQ else ""
                    )
                    bad = f"U+{ord(x[err.start]):04X}"
                    return ModelInputError(
                        "value", e[0], "strings", f"unpaired surrogate {bad} {where}"
                    )
    return None


def _dims(shape: Sequence[Dim]) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _given(value: Any) -> str:
    """What was given, as the contract names it: an array's ONNX element name (its
    dtype when it has none), else the Python type's name."""
    if isinstance(value, np.ndarray):
        dt = value.dtype
        name = "string" if dt.kind == "U" else _ONNX_NAMES.get(dt.name)
        return name if name is not None and dt.isnative else str(dt)
    return type(value).__name__


def _error(plan: Plan, entry: Entry, values: Sequence[Any]) -> ModelInputError:
    """The first failed check of ``entry``'s value, in the contract's order."""
    name, kind, dtype, rank, spec, index = (
        entry[0],
        entry[1],
        entry[2],
        entry[3],
        entry[7],
        entry[8],
    )
    value = values[index]
    if value is None:
        return ModelInputError("missing", name, spec.type_text, "nothing")
    if kind == _SEQ:
        if not isinstance(value, list):
            return ModelInputError("type", name, "sequence", _given(value))
        items = entry[9]
        assert items is not None
        i = _bad_item(value, items[0])
        assert i is not None
        elem = "string" if items[0] is None else _ONNX_NAMES[items[0].name]
        return ModelInputError(
            "value",
            name,
            f"numpy arrays of {elem}",
            f"{_given(value[i])} at element {i}",
        )
    if kind == _MAP:
        return ModelInputError("type", name, "map", _given(value))
    if not isinstance(value, np.ndarray):
        return ModelInputError("type", name, "tensor", _given(value))
    if (value.dtype.kind not in "UO") if kind == _STRING else (value.dtype != dtype):
        return ModelInputError("type", name, (spec.elem or "").lower(), _given(value))
    shape = value.shape
    want = spec.shape or ()
    got = f"(shape {_dims(shape)})"
    if rank >= 0 and len(shape) != rank:
        return ModelInputError(
            "rank",
            name,
            f"rank {rank} {_dims(want)}",
            f"rank {len(shape)} {_dims(shape)}",
        )
    for axis, d in enumerate(want):
        if isinstance(d, int) and shape[axis] != d:
            return ModelInputError(
                "dim", name, f"dim {axis} = {d}", f"{shape[axis]} {got}"
            )
    for axis, j, j_axis in entry[6]:
        bound = (shape if j == index else values[j].shape)[j_axis]
        if shape[axis] != bound:
            return ModelInputError(
                "symbol",
                name,
                f"dim {axis} ({want[axis]}) = {bound}, as bound by {quote(plan[j][0])}",
                f"{shape[axis]} {got}",
            )
    if kind == _STRING:
        for i, x in enumerate(value.flat):
            if not isinstance(x, str):
                return ModelInputError(
                    "value", name, "strings", f"{_given(x)} at element {i}"
                )
    raise AssertionError(f"input {name!r}: no failed check")  # pragma: no cover
