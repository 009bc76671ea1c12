"""Per-language emitters. Each turns an IR model into a set of files.

Contract: ``emit(model, model_bytes, opts) -> dict[relative posix path, bytes]``.
Emitters are pure: no I/O, no clock, no absolute paths; ``generator.writer``
puts the result on disk.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Protocol

from .. import ir

LANGS = ("python", "java", "go")


@dataclasses.dataclass(frozen=True)
class Options:
    name: str | None = None  # model class / type name; default from the graph name
    package: str | None = None  # python package / java package / go package name
    module: str | None = None  # go module path
    group_id: str | None = None  # maven
    artifact_id: str | None = None  # maven; also the python distribution name
    version: str = "0.1.0"  # version of the generated SDK
    model_file: str = "model.onnx"  # name of the embedded model file
    embed: bool = True  # False: --model-path mode, the model is loaded from a path at run time


class Emitter(Protocol):
    def __call__(self, model: ir.Model, model_bytes: bytes, opts: Options) -> dict[str, bytes]: ...


def get(lang: str) -> Emitter:
    if lang not in LANGS:
        raise ValueError(lang)
    mod = importlib.import_module(f"{__name__}.{lang}")
    fn: Emitter = mod.emit
    return fn
