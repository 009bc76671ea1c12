"""The base class of every generated model class, and where embedded models come from."""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from .checks import Spec
from .config import ExecutionMode, OptimizationLevel, SessionConfig, session_config
from .session import Session


def embedded_model(module: str, file: str) -> bytes:
    """The bytes of ``file``, shipped as package data beside ``module`` (a module's
    ``__name__``)."""
    package = module.rpartition(".")[0]
    return (importlib.resources.files(package) / file).read_bytes()


class Model:
    """ONNX Runtime session for one model, with input checks.

    A generated class adds the typed ``run``; this base holds what every model has:
    the effective :attr:`config`, the generic entries :meth:`run_dict` and
    :meth:`run_positional`, and the lifecycle. Thread-safe: one instance may serve
    many threads. Use it as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        model: bytes | str | os.PathLike[str],
        inputs: Sequence[Spec],
        outputs: Sequence[Spec],
        *,
        intra_op_threads: int | None = None,
        inter_op_threads: int | None = None,
        allow_spinning: bool | None = None,
        execution_mode: ExecutionMode | None = None,
        graph_optimization_level: OptimizationLevel | None = None,
        providers: Sequence[str] | None = None,
    ) -> None:
        self._config = session_config(
            intra_op_threads=intra_op_threads,
            inter_op_threads=inter_op_threads,
            allow_spinning=allow_spinning,
            execution_mode=execution_mode,
            graph_optimization_level=graph_optimization_level,
            providers=providers,
        )
        self._session = Session(model, inputs, outputs, self._config)

    @property
    def config(self) -> SessionConfig:
        """Effective settings, each with its source in ``config.sources``."""
        return self._config

    @property
    def threads(self) -> tuple[int, int]:
        """Effective (intra-op, inter-op) thread counts."""
        return (self._config.intra_op_threads, self._config.inter_op_threads)

    def run_dict(self, feeds: Mapping[str, Any]) -> dict[str, Any]:
        """Run with inputs keyed by the model's input names; outputs keyed likewise."""
        names = [s.name for s in self._session.outputs]
        return dict(zip(names, self._session.run_dict(feeds)))

    def run_positional(self, *args: Any) -> list[Any]:
        """Run with inputs in the model's order (the last ones may be left out when
        optional); outputs in the model's order."""
        return self._session.run_positional(args)

    def close(self) -> None:
        """Release the ONNX Runtime session; later runs raise ModelClosedError."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
