"""Generate one SDK in a test: the emit contract (generator.emit.generate) for one model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator import emit, ir, reader


def emit_model(lang: str, model: ir.Model, data: bytes, name: str, *, embed: bool = True,
               **opts: Any) -> dict[str, bytes]:
    return emit.emit(lang, [emit.ModelSource(model, data, name, embed)], emit.Options(**opts))


def emit_file(lang: str, path: Path, name: str | None = None, *, embed: bool = True,
              **opts: Any) -> dict[str, bytes]:
    model, data = reader.read_file(path)
    return emit_model(lang, model, data, name or emit.default_name(str(path)), embed=embed, **opts)
