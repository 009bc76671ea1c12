"""The regeneration contract: ``<out>/.sdkgen``, a machine-readable record of how a tree was made.

It holds the sdkgen version, the language and options, every model (its path relative to the
output directory, name, embed flag and sha256) and every generated file with its sha256. From it
``sdkgen diff`` regenerates the tree in memory and shows what differs. The record is
deterministic: no timestamps, no absolute paths, keys sorted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from . import __version__, emit
from .errors import UserError

NAME = ".sdkgen"
FORMAT = 1


@dataclasses.dataclass(frozen=True)
class ModelRecord:
    path: str  # POSIX, relative to the output directory
    name: str
    embed: bool
    sha256: str  # of the model file (an embedded copy may differ: see ``changes``)
    downgrade: bool = False
    load_check: bool = True
    optimize: bool = False  # the embedded copy is ONNX Runtime's offline-optimised one (written only when true)


@dataclasses.dataclass(frozen=True)
class Record:
    sdkgen_version: str
    lang: str
    options: Mapping[str, str | bool]  # only the options the user set
    models: tuple[ModelRecord, ...]
    files: Mapping[str, str]  # relative path -> sha256

    def to_bytes(self) -> bytes:
        doc = {
            "format": FORMAT,
            "generator": "sdkgen",
            "sdkgen_version": self.sdkgen_version,
            "lang": self.lang,
            "options": dict(sorted(self.options.items())),
            "models": [{k: v for k, v in dataclasses.asdict(m).items() if k != "optimize" or v} for m in self.models],
            "files": dict(sorted(self.files.items())),
        }
        return (json.dumps(doc, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative_model_path(model_path: str, out: str) -> str:
    """The model file's path relative to the output directory, POSIX style."""
    rel = os.path.relpath(os.path.abspath(model_path), os.path.abspath(out))
    return PurePosixPath(*Path(rel).parts).as_posix()


class _Loaded(Protocol):
    @property
    def entry(self) -> Any: ...
    @property
    def file_sha256(self) -> str: ...


def make(
    lang: str,
    opts: emit.Options,
    given: Sequence[str],
    models: Sequence[_Loaded],
    files: Mapping[str, bytes],
    out: str,
) -> Record:
    """The record of one generated tree (``models``: ``project.LoadedModel``s)."""
    return Record(
        sdkgen_version=__version__,
        lang=lang,
        options={k: v if isinstance(v := getattr(opts, k), bool) else str(v) for k in given},
        models=tuple(
            ModelRecord(relative_model_path(m.entry.path, out), m.entry.name, m.entry.embed, m.file_sha256,
                        m.entry.downgrade, m.entry.load_check, m.entry.optimize)
            for m in models
        ),
        files={rel: sha256(data) for rel, data in files.items()},
    )


def _field(doc: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    v = doc.get(key)
    if not isinstance(v, kind):
        raise UserError(f"{where}: {key}: expected {kind.__name__}, got {v!r} (regenerate the SDK)")
    return v


def read(out: Path) -> Record:
    """Parse ``out/.sdkgen``; a missing, old-style or malformed record is a user error."""
    p = out / NAME
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{out}: no {NAME} file: not a directory sdkgen generated") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{p}: cannot read: {e}") from e
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        raise UserError(f"{p}: not the machine-readable record of sdkgen >= 0.2 "
                        "(this tree was made by an older sdkgen: regenerate it once)") from None
    where = str(p)
    if isinstance(doc, dict) and "kind" in doc:
        raise UserError(f"{out}: a {doc['kind']} written by sdkgen deploy, not an SDK (sdkgen diff compares SDKs)")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise UserError(f"{p}: unknown record format (expected format {FORMAT})")
    models = []
    for i, m in enumerate(_field(doc, "models", list, where)):
        w = f"{where}: models[{i}]"
        if not isinstance(m, dict):
            raise UserError(f"{w}: expected a mapping")
        models.append(ModelRecord(_field(m, "path", str, w), _field(m, "name", str, w),
                                  _field(m, "embed", bool, w), _field(m, "sha256", str, w),
                                  _field(m, "downgrade", bool, w), _field(m, "load_check", bool, w),
                                  _field(m, "optimize", bool, w) if "optimize" in m else False))
    options = _field(doc, "options", dict, where)
    files = _field(doc, "files", dict, where)
    if not all(isinstance(k, str) and isinstance(v, str | bool) for k, v in options.items()) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise UserError(f"{where}: options must map strings to strings or booleans, files strings to strings")
    lang = _field(doc, "lang", str, where)
    unknown = set(options) - set(emit.OPTION_FLAGS)
    if unknown:
        raise UserError(f"{where}: options: unknown option {min(unknown)!r}")
    return Record(_field(doc, "sdkgen_version", str, where), lang, options, tuple(models), files)
