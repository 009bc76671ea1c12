"""One ONNX Runtime session plus its model's checks; safe to share between threads."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]

from . import checks
from .checks import RAW, Spec
from .config import SessionConfig, session_options
from .errors import ModelClosedError, SignatureMismatchError

Signature = list[tuple[str, str, int | None]]  # (name, ORT type string, rank or None)


class Session:
    """The checked session of one model: ``run`` takes the inputs in the model's order.

    Closing drops the ONNX Runtime session; a run already in flight keeps its own
    reference and finishes, later runs raise :class:`ModelClosedError`.

    bfloat16 and float8 values (ml_dtypes arrays) cross the Python API as bits: inputs
    as OrtValues of their ONNX type, and a model with such outputs runs through
    ``run_with_ort_values`` with its outputs' bits copied into new arrays.
    """

    __slots__ = (
        "_check",
        "_output_names",
        "_plain",
        "_plan",
        "_raw_inputs",
        "_raw_outputs",
        "_run_options",
        "_session",
        "config",
        "inputs",
        "outputs",
    )

    def __init__(
        self,
        model: bytes | str | os.PathLike[str],
        inputs: Sequence[Spec],
        outputs: Sequence[Spec],
        config: SessionConfig,
    ) -> None:
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self.config = config
        self._plan = checks.compile_plan(self.inputs)
        self._check = checks.compile_check(self._plan)
        self._output_names = [s.name for s in self.outputs]
        # (name, ONNX type number, dtype of the bits) of each bfloat16/float8 input
        self._raw_inputs = tuple(
            (s.name, RAW[s.elem][1], RAW[s.elem][2])
            for s in self.inputs
            if s.elem is not None and s.elem in RAW
        )
        # per output: the ml_dtypes dtype of a bfloat16/float8 one, else None
        self._raw_outputs = (
            tuple(
                checks.raw_dtype(s.elem)
                if s.elem is not None and s.elem in RAW
                else None
                for s in self.outputs
            )
            if any(s.elem in RAW for s in self.outputs if s.elem is not None)
            else ()
        )
        self._plain = not (self._raw_inputs or self._raw_outputs)
        # One default RunOptions for every run, shared by all threads (a run only
        # reads it; ORT's Node.js binding does the same). Passing None instead costs
        # about 0.4 µs more per call (measured, onnxruntime 1.29.0).
        self._run_options = ort.RunOptions()
        source = model if isinstance(model, bytes) else os.fspath(model)
        session = ort.InferenceSession(
            source,
            sess_options=session_options(config),
            providers=list(config.providers),
        )
        _check_drift("inputs", session.get_inputs(), self.inputs)
        _check_drift("outputs", session.get_outputs(), self.outputs)
        self._session: Any = session

    def run(self, *values: Any) -> list[Any]:
        """Check ``values`` (one per input, in order; None for an absent optional) and
        run; the outputs come back in the model's order."""
        session = self._session
        if session is None:
            raise ModelClosedError
        feeds = self._check(values)
        try:
            if self._plain:
                result: list[Any] = session.run(
                    self._output_names, feeds, self._run_options
                )
            else:
                result = self._run_raw(session, feeds)
        except Exception:  # ORT raises its own types, or UnicodeEncodeError
            # A str with an unpaired surrogate cannot be UTF-8: an input error, not ORT's.
            error = checks.unencodable(self._plan, feeds)
            if error is None:
                raise
            raise error from None
        return result

    def run_dict(self, feeds: Mapping[str, Any]) -> list[Any]:
        """Like :meth:`run` with inputs keyed by the model's input names."""
        return self.run(*checks.order(self._plan, feeds))

    def run_positional(self, values: Sequence[Any]) -> list[Any]:
        """Like :meth:`run`; fewer values leave the last inputs absent (None)."""
        n = len(self.inputs)
        if len(values) > n:
            raise checks.unknown_input(
                self._plan, "", f"{len(values)} positional values"
            )
        return self.run(*values, *([None] * (n - len(values))))

    def _run_raw(self, session: Any, feeds: dict[str, Any]) -> list[Any]:
        for name, onnx_type, bits in self._raw_inputs:
            feeds[name] = ort.OrtValue.ortvalue_from_numpy_with_onnx_type(
                _contiguous(feeds[name]).view(bits), onnx_type
            )
        if not self._raw_outputs:
            result: list[Any] = session.run(
                self._output_names, feeds, self._run_options
            )
            return result
        # generator.targets lets only numeric tensor inputs and tensor outputs come here.
        values = {
            k: v
            if isinstance(v, ort.OrtValue)
            else ort.OrtValue.ortvalue_from_numpy(_contiguous(v))
            for k, v in feeds.items()
        }
        outs = session.run_with_ort_values(
            self._output_names, values, self._run_options
        )
        return [
            o.numpy() if dtype is None else _copy_bits(o, dtype)
            for o, dtype in zip(outs, self._raw_outputs)
        ]

    def close(self) -> None:
        self._session = None


def _contiguous(a: Any) -> Any:
    """``a``, or a C-ordered copy: OrtValues read an array's buffer as it is."""
    return a if a.flags.c_contiguous else a.copy(order="C")


def _copy_bits(value: Any, dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """A new ``dtype`` array with the bits of the CPU tensor OrtValue ``value``."""
    out = np.empty(tuple(value.shape()), dtype)
    n = value.tensor_size_in_bytes()
    if n != out.nbytes or value.device_name().lower() != "cpu":
        raise RuntimeError(
            f"ONNX Runtime returned {value.data_type()} of {n} bytes on "
            f"{value.device_name()} for {out.nbytes} bytes of {dtype} on the CPU"
        )
    if n:
        ctypes.memmove(out.ctypes.data, value.data_ptr(), n)
    return out


def _signature(args: Sequence[Any]) -> Signature:
    out: Signature = []
    for a in args:
        tensor = a.type.startswith("tensor(") and isinstance(a.shape, list)
        out.append((a.name, a.type, len(a.shape) if tensor else None))
    return out


def _spec_signature(specs: Sequence[Spec]) -> Signature:
    return [
        (s.name, s.ort_type, len(s.shape) if s.shape is not None else None)
        for s in specs
    ]


def _check_drift(what: str, loaded: Sequence[Any], specs: Sequence[Spec]) -> None:
    got, want = _signature(loaded), _spec_signature(specs)
    # A tensor whose rank the generator knew must keep it; unknown ranks match anything.
    norm = [(n, t, r if w[2] is not None else None) for (n, t, r), w in zip(got, want)]
    if len(got) != len(want) or norm != want:
        raise SignatureMismatchError(
            f"the loaded model's {what} do not match the generated SDK: "
            f"expected {want}, got {got}; regenerate the SDK for this model"
        )
