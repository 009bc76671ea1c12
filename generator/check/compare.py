"""Compare an SDK's outputs with the expected ones: exact for integers, bools and strings;
``|actual - expected| <= atol + rtol * |expected|`` for floats, NaN equal to NaN."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ir
from ..fixtures import np_dtype


def _py(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _num(a: Any) -> Any:
    a = np.asarray(a)
    if a.dtype.kind == "c":
        return a.astype(np.complex128)
    return a.astype(np.float64)


def compare_tensor(exp: Any, act: Any, rtol: float, atol: float, where: str) -> tuple[str, float]:
    e, a = np.asarray(exp), np.asarray(act)
    if e.dtype != a.dtype:
        return f"{where}: dtype {a.dtype} != expected {e.dtype}", 0.0
    if e.shape != a.shape:
        return f"{where}: shape {list(a.shape)} != expected {list(e.shape)}", 0.0
    if e.size == 0:
        return "", 0.0
    if e.dtype == object or e.dtype.kind in "biuUSM":
        if e.dtype == object:
            eq = np.array([x == y for x, y in zip(e.ravel(), a.ravel())], dtype=bool)
        else:
            eq = (e == a).ravel()
        if eq.all():
            return "", 0.0
        i = int(np.argmin(eq))
        return f"{where}: element {i} is {_py(a.ravel()[i])!r}, expected {_py(e.ravel()[i])!r}", float("inf")
    ef, af = _num(e).ravel(), _num(a).ravel()
    enan, anan = np.isnan(ef), np.isnan(af)
    if (enan != anan).any():
        i = int(np.argmax(enan != anan))
        return f"{where}: element {i} is {af[i]}, expected {ef[i]} (NaN mismatch)", float("inf")
    fin = ~enan
    ef, af = ef[fin], af[fin]
    inf = np.isinf(ef) | np.isinf(af)
    if (ef[inf] != af[inf]).any():
        i = int(np.argmax(inf & (ef != af)))
        return f"{where}: element {i} is {af[i]}, expected {ef[i]} (infinity mismatch)", float("inf")
    ef, af = ef[~inf], af[~inf]
    if ef.size == 0:
        return "", 0.0
    diff = np.abs(af - ef)
    err = float(diff.max())
    bad = diff > atol + rtol * np.abs(ef)
    if bad.any():
        i = int(np.argmax(bad))
        return (f"{where}: max abs error {err:.3g} (element {i}: {af[i]} vs expected {ef[i]}; "
                f"rtol {rtol:g}, atol {atol:g})"), err
    return "", err


def compare(exp: Any, act: Any, t: ir.ValueType, rtol: float, atol: float, where: str) -> tuple[str, float]:
    """('' if equal within tolerance else a description, max abs error)."""
    if isinstance(t, ir.TensorType):
        return compare_tensor(exp, act, rtol, atol, where)
    if isinstance(t, ir.OptionalType):
        if exp is None or act is None:
            if exp is None and act is None:
                return "", 0.0
            got, want = ("empty" if x is None else "a value" for x in (act, exp))
            return f"{where}: {got}, expected {want}", float("inf")
        return compare(exp, act, t.elem, rtol, atol, where)
    if isinstance(t, ir.SequenceType):
        if len(exp) != len(act):
            return f"{where}: sequence of {len(act)} items, expected {len(exp)}", float("inf")
        worst = 0.0
        for i, (e, a) in enumerate(zip(exp, act)):
            msg, err = compare(e, a, t.elem, rtol, atol, f"{where}[{i}]")
            if msg:
                return msg, err
            worst = max(worst, err)
        return "", worst
    assert isinstance(t, ir.MapType)
    if sorted(exp) != sorted(act):
        return f"{where}: map keys {sorted(act)[:5]} != expected {sorted(exp)[:5]}", float("inf")
    worst = 0.0
    vt = t.value
    for k in sorted(exp):
        e, a = exp[k], act[k]
        if isinstance(vt, ir.TensorType):
            e, a = np.asarray(e, dtype=np_dtype(vt.elem)), np.asarray(a, dtype=np_dtype(vt.elem))
        msg, err = compare(e, a, vt, rtol, atol, f"{where}[{k!r}]")
        if msg:
            return msg, err
        worst = max(worst, err)
    return "", worst
