"""One ONNX Runtime session plus its model's checks; safe to share between threads."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import onnxruntime as ort  # type: ignore[import-untyped]

from . import checks
from .checks import Spec
from .config import SessionConfig, session_options
from .errors import ModelClosedError, SignatureMismatchError

Signature = list[tuple[str, str, int | None]]  # (name, ORT type string, rank or None)


class Session:
    """The checked session of one model: ``run`` takes the inputs in the model's order.

    Closing drops the ONNX Runtime session; a run already in flight keeps its own
    reference and finishes, later runs raise :class:`ModelClosedError`.
    """

    __slots__ = ("_output_names", "_plan", "_session", "config", "inputs", "outputs")

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
        self._output_names = [s.name for s in self.outputs]
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
        result: list[Any] = session.run(
            self._output_names, checks.check(self._plan, values)
        )
        return result

    def run_dict(self, feeds: Mapping[str, Any]) -> list[Any]:
        """Like :meth:`run` with inputs keyed by the model's input names."""
        return self.run(*checks.order(self._plan, feeds))

    def close(self) -> None:
        self._session = None


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
