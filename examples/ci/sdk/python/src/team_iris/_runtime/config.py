"""Session settings: explicit option, then ``SDKGEN_*`` environment, then defaults."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

import onnxruntime as ort  # type: ignore[import-untyped]

from . import threads

ExecutionMode = Literal["sequential", "parallel"]
OptimizationLevel = Literal["disable", "basic", "extended", "all"]

ENV_EXECUTION_MODE = "SDKGEN_EXECUTION_MODE"
ENV_GRAPH_OPTIMIZATION_LEVEL = "SDKGEN_GRAPH_OPTIMIZATION_LEVEL"

_EXECUTION_MODES: Mapping[str, Any] = {
    "sequential": ort.ExecutionMode.ORT_SEQUENTIAL,
    "parallel": ort.ExecutionMode.ORT_PARALLEL,
}
_OPT_LEVELS: Mapping[str, Any] = {
    "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


@dataclasses.dataclass(frozen=True)
class SessionConfig:
    """Effective session settings (after options, environment and container defaults)."""

    intra_op_threads: int
    inter_op_threads: int
    allow_spinning: bool
    execution_mode: ExecutionMode
    graph_optimization_level: OptimizationLevel
    providers: tuple[str, ...]
    # setting -> "option" | "env" | "container" | "default"
    sources: Mapping[str, str] = dataclasses.field(hash=False)


def _choice(
    setting: str,
    option: str | None,
    env_var: str,
    allowed: Mapping[str, Any],
    default: str,
    environ: Mapping[str, str],
) -> tuple[str, str]:
    """(value, source) for an enumerated setting: option, then environment, then default."""
    value, source = option, "option"
    if value is None:
        value, source = environ.get(env_var) or None, "env"
        setting = env_var
    if value is None:
        return default, "default"
    if value not in allowed:
        raise ValueError(f"{setting}={value!r}: expected one of {', '.join(allowed)}")
    return value, source


def session_config(
    *,
    intra_op_threads: int | None = None,
    inter_op_threads: int | None = None,
    allow_spinning: bool | None = None,
    execution_mode: ExecutionMode | None = None,
    graph_optimization_level: OptimizationLevel | None = None,
    providers: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    root: str = "/",
) -> SessionConfig:
    """Resolve every setting: explicit option, then ``SDKGEN_*`` environment, then defaults
    (threads: the container rule of :mod:`.threads`, read under ``root``)."""
    env = os.environ if environ is None else environ
    th = threads.resolve(intra_op_threads, inter_op_threads, allow_spinning, env, root)
    sources: dict[str, str] = dict(th.source)
    mode, sources["execution_mode"] = _choice(
        "execution_mode",
        execution_mode,
        ENV_EXECUTION_MODE,
        _EXECUTION_MODES,
        "sequential",
        env,
    )
    level, sources["graph_optimization_level"] = _choice(
        "graph_optimization_level",
        graph_optimization_level,
        ENV_GRAPH_OPTIMIZATION_LEVEL,
        _OPT_LEVELS,
        "all",
        env,
    )
    return SessionConfig(
        intra_op_threads=th.intra_op_threads,
        inter_op_threads=th.inter_op_threads,
        allow_spinning=th.allow_spinning,
        execution_mode=mode,  # type: ignore[arg-type]
        graph_optimization_level=level,  # type: ignore[arg-type]
        providers=tuple(providers) if providers else ("CPUExecutionProvider",),
        sources=MappingProxyType(sources),
    )


def session_options(cfg: SessionConfig) -> Any:
    """ONNX Runtime ``SessionOptions`` carrying ``cfg`` (docs/threads.md, "What every SDK
    passes to ONNX Runtime")."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = cfg.intra_op_threads
    so.inter_op_num_threads = cfg.inter_op_threads
    so.execution_mode = _EXECUTION_MODES[cfg.execution_mode]
    so.graph_optimization_level = _OPT_LEVELS[cfg.graph_optimization_level]
    spin = "1" if cfg.allow_spinning else "0"
    so.add_session_config_entry("session.intra_op.allow_spinning", spin)
    so.add_session_config_entry("session.inter_op.allow_spinning", spin)
    return so
