"""Test fixtures in the ONNX backend-test layout, and ``sdkgen fixtures``.

A fixture directory holds ``test_data_set_N/input_I.pb`` and ``output_I.pb``, I in the
order of the model's required inputs (``ir.Model.inputs``) and outputs. A value file is a
``TensorProto``, or a ``SequenceProto`` / ``MapProto`` / ``OptionalProto`` for non-tensor
values: the layout ONNX's and ONNX Runtime's own test tools read. Values in Python are
what ONNX Runtime's Python API uses: numpy arrays, lists, dicts, and None for an empty
optional. With ``generator.reader`` this is the only module that imports ``onnx``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from onnx import helper, numpy_helper

from . import ir
from .errors import UserError

_SET = re.compile(r"test_data_set_(\d+)$")
_SEQ_KIND = {"tensor": 1, "sequence": 3, "map": 4, "optional": 5}


def np_dtype(d: ir.DType) -> Any:
    """The numpy dtype ONNX uses for ``d`` (ml_dtypes types for bfloat16 and float8)."""
    if d is ir.DType.STRING:
        return np.dtype(object)
    return helper.tensor_dtype_to_np_dtype(d.value)


def message_for(t: ir.ValueType) -> Any:
    """An empty protobuf message of the kind that stores a value of type ``t``."""
    if isinstance(t, ir.SequenceType):
        return onnx.SequenceProto()
    if isinstance(t, ir.MapType):
        return onnx.MapProto()
    if isinstance(t, ir.OptionalType):
        return onnx.OptionalProto()
    return onnx.TensorProto()


def _kind(t: ir.ValueType) -> str:
    if isinstance(t, ir.SequenceType):
        return "sequence"
    if isinstance(t, ir.MapType):
        return "map"
    if isinstance(t, ir.OptionalType):
        return "optional"
    return "tensor"


# --- protobuf <-> Python values ----------------------------------------------------------


def from_proto(msg: Any, t: ir.ValueType) -> Any:
    if isinstance(msg, onnx.TensorProto):
        return numpy_helper.to_array(msg)
    if isinstance(msg, onnx.SequenceProto):
        assert isinstance(t, ir.SequenceType)
        items = {1: msg.tensor_values, 3: msg.sequence_values, 4: msg.map_values, 5: msg.optional_values}
        return [from_proto(x, t.elem) for x in items.get(msg.elem_type, [])]
    if isinstance(msg, onnx.MapProto):
        assert isinstance(t, ir.MapType)
        keys: list[Any] = (
            [k.decode("utf-8") for k in msg.string_keys] if msg.key_type == onnx.TensorProto.STRING
            else [int(k) for k in msg.keys]
        )
        vals = from_proto(msg.values, ir.SequenceType(t.value))
        if len(keys) != len(vals):
            raise UserError(f"map has {len(keys)} keys but {len(vals)} values")
        return {k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v) for k, v in zip(keys, vals)}
    assert isinstance(msg, onnx.OptionalProto) and isinstance(t, ir.OptionalType)
    which = {1: "tensor_value", 3: "sequence_value", 4: "map_value", 5: "optional_value"}.get(msg.elem_type)
    if which is None or not msg.HasField(which):
        return None
    return from_proto(getattr(msg, which), t.elem)


def to_proto(value: Any, t: ir.ValueType, name: str = "") -> Any:
    if isinstance(t, ir.TensorType):
        arr = np.asarray(value)
        if t.elem is ir.DType.STRING:
            arr = np.array([x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in arr.ravel()],
                           dtype=object).reshape(arr.shape)
        elif arr.dtype != np_dtype(t.elem):
            arr = arr.astype(np_dtype(t.elem))
        return numpy_helper.from_array(arr, name)
    if isinstance(t, ir.SequenceType):
        seq = onnx.SequenceProto(name=name, elem_type=_SEQ_KIND[_kind(t.elem)])
        field = {ir.TensorType: seq.tensor_values, ir.SequenceType: seq.sequence_values,
                 ir.MapType: seq.map_values, ir.OptionalType: seq.optional_values}[type(t.elem)]
        for x in value:
            field.append(to_proto(x, t.elem))
        return seq
    if isinstance(t, ir.MapType):
        m = onnx.MapProto(name=name, key_type=t.key.value)
        items = sorted(value.items(), key=lambda kv: kv[0])
        if t.key is ir.DType.STRING:
            m.string_keys.extend(str(k).encode("utf-8") for k, _ in items)
        else:
            m.keys.extend(int(k) for k, _ in items)
        m.values.CopyFrom(to_proto([v for _, v in items], ir.SequenceType(t.value)))
        return m
    assert isinstance(t, ir.OptionalType)
    opt = onnx.OptionalProto(name=name, elem_type=_SEQ_KIND[_kind(t.elem)])
    if value is not None:
        field = {ir.TensorType: "tensor_value", ir.SequenceType: "sequence_value",
                 ir.MapType: "map_value", ir.OptionalType: "optional_value"}[type(t.elem)]
        getattr(opt, field).CopyFrom(to_proto(value, t.elem))
    return opt


def load_value(path: str | os.PathLike[str], t: ir.ValueType) -> Any:
    """Read one ``.pb`` value file holding a value of type ``t``."""
    msg = message_for(t)
    try:
        msg.ParseFromString(Path(path).read_bytes())
        return from_proto(msg, t)
    except (DecodeError, ValueError, TypeError, AssertionError) as e:
        raise UserError(f"{path}: not a valid {type(msg).__name__} for {ir.type_str(t)}: {e}") from e


def save_value(path: str | os.PathLike[str], value: Any, t: ir.ValueType, name: str = "") -> None:
    Path(path).write_bytes(to_proto(value, t, name).SerializeToString())


# --- fixture directories -----------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    """One ``test_data_set_N`` directory: its input files and expected output files, or, for a set
    that expects an input error (``error.json``, docs/errors.md), that error; then an input file
    may be absent (a missing input)."""

    dir: Path
    inputs: tuple[Path, ...]
    outputs: tuple[Path, ...]
    error: dict[str, str] | None = None

    @property
    def name(self) -> str:
        return self.dir.name


def data_sets(case_dir: str | os.PathLike[str], model: ir.Model) -> list[DataSet]:
    """The data sets under ``case_dir`` in numeric order; every input and output file must exist."""
    root = Path(case_dir)
    found = sorted(
        ((int(m.group(1)), p) for p in root.iterdir() if p.is_dir() and (m := _SET.match(p.name))),
        key=lambda x: x[0],
    ) if root.is_dir() else []
    if not found:
        raise UserError(f"{root}: no test_data_set_N directories (expected the ONNX backend-test layout)")
    out = []
    for _, d in found:
        ins = tuple(d / f"input_{i}.pb" for i in range(len(model.inputs)))
        if (d / "error.json").is_file():
            out.append(DataSet(d, ins, (), read_error(d / "error.json")))
            continue
        outs = tuple(d / f"output_{i}.pb" for i in range(len(model.outputs)))
        missing = [p.name for p in ins + outs if not p.is_file()]
        if missing:
            raise UserError(f"{d}: missing {', '.join(missing)} (model has {len(model.inputs)} required "
                            f"inputs and {len(model.outputs)} outputs)")
        out.append(DataSet(d, ins, outs))
    return out


ERROR_FIELDS = ("kind", "input", "expected")


def read_error(path: Path) -> dict[str, str]:
    """An expected (fixture) or caught (runner) input error: kind, input, expected[, actual]."""
    import json

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"{path}: not a JSON input error ({e})") from e
    if not isinstance(doc, dict) or not all(isinstance(doc.get(k), str) for k in ERROR_FIELDS):
        raise UserError(f"{path}: expected a JSON object with string fields {', '.join(ERROR_FIELDS)}")
    return {k: v for k, v in doc.items() if isinstance(v, str)}


def quote(name: str) -> str:
    """A wire name as the error contract quotes it (docs/errors.md): a JSON string, UTF-8 kept."""
    out = ['"']
    for ch in name:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out) + '"'


def _dims_text(t: ir.TensorType) -> str:
    assert t.shape is not None
    return "[" + ",".join(str(d) for d in t.shape) + "]"


def error_sets(model: ir.Model, rng: np.random.Generator, dims: dict[str, int]) -> list[tuple[list[Any], dict[str, str]]]:
    """Invalid input sets every typed API can express, each with the error it must raise:
    a missing input, a wrong rank, a wrong fixed dim, a symbolic dim inconsistent across inputs."""
    if not model.inputs:
        return []
    good = [synth_value(v.type, rng, dims) for v in model.inputs]
    out: list[tuple[list[Any], dict[str, str]]] = []
    first = model.inputs[0]
    out.append(([None, *good[1:]], {"kind": "missing", "input": first.name, "expected": ir.type_str(first.type)}))
    tensors = [(i, v) for i, v in enumerate(model.inputs)
               if isinstance(v.type, ir.TensorType) and v.type.shape is not None]
    for i, v in tensors:
        t = v.type
        assert isinstance(t, ir.TensorType) and t.shape is not None
        bad = list(good)
        bad[i] = np.expand_dims(good[i], -1)
        out.append((bad, {"kind": "rank", "input": v.name, "expected": f"rank {len(t.shape)} {_dims_text(t)}"}))
        break
    for i, v in tensors:
        t = v.type
        assert isinstance(t, ir.TensorType) and t.shape is not None
        axis = next((k for k, d in enumerate(t.shape) if d.value is not None), None)
        if axis is None:
            continue
        size = t.shape[axis].value
        assert size is not None
        shape = list(np.shape(good[i]))
        shape[axis] = size + 1
        bad = list(good)
        bad[i] = np.resize(good[i], shape).astype(good[i].dtype)
        out.append((bad, {"kind": "dim", "input": v.name, "expected": f"dim {axis} = {size}"}))
        break
    bound: dict[str, tuple[int, str, int]] = {}  # symbol -> (input index, name, size)
    for i, v in tensors:
        t = v.type
        assert isinstance(t, ir.TensorType) and t.shape is not None
        for axis, d in enumerate(t.shape):
            if d.symbol is None:
                continue
            if d.symbol not in bound:
                bound[d.symbol] = (i, v.name, int(np.shape(good[i])[axis]))
                continue
            j, earlier, size = bound[d.symbol]
            if j == i:
                continue
            shape = list(np.shape(good[i]))
            shape[axis] = size + 1
            bad = list(good)
            bad[i] = np.resize(good[i], shape).astype(good[i].dtype)
            out.append((bad, {"kind": "symbol", "input": v.name,
                              "expected": f"dim {axis} ({d.symbol}) = {size}, as bound by {quote(earlier)}"}))
            return out
    return out


# --- making fixtures -----------------------------------------------------------------------


def _shape(t: ir.TensorType, dims: dict[str, int]) -> tuple[int, ...]:
    if t.shape is None:
        return (2,)
    return tuple(d.value if d.value is not None else dims.get(d.symbol or "", 2 if d.symbol else 1)
                 for d in t.shape)


def synth_value(t: ir.ValueType, rng: np.random.Generator, dims: dict[str, int], scalar: bool = False) -> Any:
    """A deterministic value of type ``t``: symbolic dims from ``dims`` (default 2), unknown dims 1,
    floats standard normal, integers in [0, 2) (safe as indices), strings from a small set."""
    if isinstance(t, ir.TensorType):
        shape = () if scalar else _shape(t, dims)
        n = int(np.prod(shape, dtype=np.int64))
        if t.elem is ir.DType.STRING:
            return np.array([["a", "b", "c"][i] for i in rng.integers(0, 3, n)], dtype=object).reshape(shape)
        if t.elem is ir.DType.BOOL:
            return rng.integers(0, 2, shape).astype(bool)
        dt = np.dtype(np_dtype(t.elem))
        if t.elem in (ir.DType.COMPLEX64, ir.DType.COMPLEX128):
            return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
        if dt.kind in "iu":
            return rng.integers(0, 2, shape).astype(dt)
        return rng.standard_normal(shape).astype(dt)
    if isinstance(t, ir.SequenceType):
        return [synth_value(t.elem, rng, dims) for _ in range(2)]
    if isinstance(t, ir.MapType):
        keys: list[Any] = ["a", "b"] if t.key is ir.DType.STRING else [0, 1]
        return {k: synth_value(t.value, rng, dims, scalar=True).item() for k in keys}
    assert isinstance(t, ir.OptionalType)
    return synth_value(t.elem, rng, dims)


def parse_dims(specs: Sequence[str]) -> dict[str, int]:
    out = {}
    for s in specs:
        name, sep, val = s.partition("=")
        if not sep or not name or not val.isdigit():
            raise UserError(f"--dim {s!r}: expected NAME=SIZE, e.g. --dim batch=4")
        out[name] = int(val)
    return out


def npz_inputs(path: str | os.PathLike[str], model: ir.Model) -> list[list[Any]]:
    """Input sets from a user's ``.npz``: arrays keyed by input name, the first axis indexing cases
    when an array has one more axis than the input's rank, else a single case."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    missing = [v.name for v in model.inputs if v.name not in arrays]
    if missing:
        raise UserError(f"{path}: no array for input(s) {', '.join(map(repr, missing))} "
                        f"(keys: {', '.join(sorted(arrays))})")
    per: list[list[Any]] = []
    for v in model.inputs:
        a = arrays[v.name]
        rank = v.type.rank if isinstance(v.type, ir.TensorType) else None
        per.append(list(a) if rank is not None and a.ndim == rank + 1 else [a])
    n = max(len(p) for p in per)
    if any(len(p) not in (1, n) for p in per):
        raise UserError(f"{path}: inputs have different numbers of cases ({[len(p) for p in per]})")
    return [[p[i] if len(p) == n else p[0] for p in per] for i in range(n)]


def reference_session(model_path: str | os.PathLike[str]) -> Any:
    """Raw Python ONNX Runtime, one thread: the reference every SDK is compared with."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    ort.set_default_logger_severity(4)  # load failures are reported by the caller, once
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 4
    return ort.InferenceSession(os.fspath(model_path), so, providers=["CPUExecutionProvider"])


def write_set(d: Path, model: ir.Model, inputs: Sequence[Any], outputs: Sequence[Any],
              error: dict[str, str] | None = None) -> None:
    import json

    d.mkdir(parents=True, exist_ok=True)
    for i, (v, x) in enumerate(zip(model.inputs, inputs)):
        if x is None and (error is not None or not isinstance(v.type, ir.OptionalType)):
            continue  # a missing input: no file (an absent optional value is an empty OptionalProto)
        save_value(d / f"input_{i}.pb", x, v.type, v.name)
    for i, (v, x) in enumerate(zip(model.outputs, outputs)):
        save_value(d / f"output_{i}.pb", x, v.type, v.name)
    if error is not None:
        (d / "error.json").write_text(json.dumps(error, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def make(
    model_path: str | os.PathLike[str],
    model: ir.Model,
    out: str | os.PathLike[str],
    *,
    cases: int = 3,
    seed: int = 0,
    dims: dict[str, int] | None = None,
    npz: str | os.PathLike[str] | None = None,
    errors: bool = False,
) -> list[Path]:
    """Write ``out/test_data_set_N`` for N cases; expected outputs come from Python ONNX Runtime.
    With ``errors``, sets that expect an input error follow (``error_sets``)."""
    if npz is not None:
        input_sets = npz_inputs(npz, model)
    else:
        rng = np.random.default_rng(seed)
        input_sets = [[synth_value(v.type, rng, dims or {}) for v in model.inputs] for _ in range(cases)]
    try:
        sess = reference_session(model_path)
    except Exception as e:
        raise UserError(f"{model_path}: ONNX Runtime cannot load the model: {str(e).splitlines()[0]}") from e
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if old.is_dir() and _SET.match(old.name):
            shutil.rmtree(old)
    written = []
    for n, ins in enumerate(input_sets):
        try:
            outs = sess.run(None, {v.name: x for v, x in zip(model.inputs, ins)})
        except Exception as e:
            raise UserError(f"{model_path}: ONNX Runtime cannot run case {n}: {str(e).splitlines()[0]}") from e
        write_set(root / f"test_data_set_{n}", model, ins, outs)
        written.append(root / f"test_data_set_{n}")
    if errors:
        for k, (ins, err) in enumerate(error_sets(model, np.random.default_rng(seed + 1), dims or {})):
            d = root / f"test_data_set_{len(input_sets) + k}"
            write_set(d, model, ins, [], err)
            written.append(d)
    return written
