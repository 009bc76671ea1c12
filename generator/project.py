"""What to generate: models and per-language SDKs, from the command line or ``sdkgen.yaml``.

The config file, in the spirit of ``sqlc.yaml`` and ``buf.gen.yaml``, lists the models once and
an output per language; every model of a language goes into one SDK with one runtime::

    version: 1
    models:
      - path: models/iris.onnx      # relative to this file
        name: Iris                  # optional; default: the file's stem
        embed: false                # optional; false = load from a path at run time
        downgrade: true             # optional; embed a copy lowered to ORT's IR version/opsets
        load_check: false           # optional; do not load the embedded model into ORT first
        optimize: true              # optional; embed the copy ORT's offline graph optimisation writes
      - path: models/encoder.onnx
    sdks:
      python: {out: sdk/python, package: team_models, version: 1.2.0}
      java: {out: sdk/java, package: com.example.models, group_id: com.example, artifact_id: models}
      go: {out: sdk/go, module: example.com/team/models}

Unknown keys, and options a language does not take, are errors naming what was expected.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import compat, emit, marker, reader, targets, writer
from .errors import UserError

CONFIG_NAME = "sdkgen.yaml"
_MODEL_KEYS = {"path", "name", "embed", "downgrade", "load_check", "optimize"}
_SDK_KEYS = {"out"} | set(emit.OPTION_FLAGS)


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    path: str  # as the user wrote it, resolved against the config file's directory
    name: str
    embed: bool = True
    downgrade: bool = False  # embed a copy lowered to the pinned ORT's IR version / opsets
    load_check: bool = True  # load an embedded model into ONNX Runtime at generation
    optimize: bool = False  # embed the copy ONNX Runtime's offline graph optimisation writes (generator.optimize)


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    """A model as read for one generation: the entry, its file's sha256 and what the SDK gets."""

    entry: ModelEntry
    file_sha256: str
    source: emit.ModelSource
    changes: tuple[str, ...] = ()  # how the embedded copy differs from the file


@dataclasses.dataclass(frozen=True)
class SdkEntry:
    lang: str
    out: str
    opts: emit.Options
    given: tuple[str, ...] = ()  # option names the user set (checked against the target)


@dataclasses.dataclass(frozen=True)
class Project:
    models: tuple[ModelEntry, ...]
    sdks: tuple[SdkEntry, ...]


def model_entries(paths: Sequence[str], name: str | None, *, embed: bool, downgrade: bool = False,
                  load_check: bool = True, optimize: bool = False) -> tuple[ModelEntry, ...]:
    """Models named on the command line; ``--name`` only names a single model."""
    if name is not None and len(paths) != 1:
        raise UserError("--name names one model; with several models, name them in a config file (sdkgen.yaml)")
    return tuple(ModelEntry(p, name or emit.default_name(p), embed, downgrade, load_check, optimize) for p in paths)


def read_models(entries: Sequence[ModelEntry]) -> list[LoadedModel]:
    """Read each model file once (the signature and the embedded bytes come from the same read)
    and check it against the pinned ONNX Runtime (``generator.compat``)."""
    out = []
    for e in entries:
        m, data = reader.read_file(e.path)
        prepared = compat.prepare(e.path, data, embed=e.embed, downgrade=e.downgrade, check_load=e.load_check,
                                  optimize=e.optimize)
        if prepared.data is not data:
            m = reader.read_bytes(prepared.data, e.path)
        source = emit.ModelSource(model=m, data=prepared.data, name=e.name, embed=e.embed)
        out.append(LoadedModel(e, marker.sha256(data), source, prepared.changes))
    return out


def render_sdk(sdk: SdkEntry, loaded: Sequence[LoadedModel]) -> tuple[dict[str, bytes], bytes]:
    """The SDK's files and its marker record (``generator.marker``), in memory."""
    files = emit.emit(sdk.lang, [x.source for x in loaded], sdk.opts)
    record = marker.make(sdk.lang, sdk.opts, sdk.given, loaded, files, sdk.out)
    return files, record.to_bytes()


def write_sdk(sdk: SdkEntry, sources: Sequence[LoadedModel], *, force: bool) -> int:
    files, record = render_sdk(sdk, sources)
    writer.write_tree(sdk.out, files, marker=record, force=force)
    return len(files)


def _where(path: Path, key: str) -> str:
    return f"{path}: {key}"


def _check_keys(path: Path, where: str, got: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(got) - allowed)
    if unknown:
        raise UserError(f"{path}: {where}: unknown key {unknown[0]!r} (expected some of {', '.join(sorted(allowed))})")


def _str(path: Path, where: str, v: Any) -> str:
    if not isinstance(v, str | int | float) or isinstance(v, bool) or str(v) == "":
        raise UserError(f"{path}: {where}: expected a non-empty string, got {v!r}")
    return str(v)


def load_config(path: str | Path) -> Project:
    """Parse and validate ``sdkgen.yaml``; paths in it are relative to its directory."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{p}: no such config file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{p}: cannot read the config file: {e}") from e
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise UserError(f"{p}: not valid YAML: {' '.join(str(e).split())}") from e
    if not isinstance(doc, dict):
        raise UserError(f"{p}: expected a mapping with version, models and sdks")
    _check_keys(p, "top level", doc, {"version", "models", "sdks"})
    if doc.get("version") != 1:
        raise UserError(f"{p}: version: expected 1, got {doc.get('version')!r}")
    base = p.parent
    raw_models = doc.get("models")
    if not isinstance(raw_models, list) or not raw_models:
        raise UserError(f"{p}: models: expected a non-empty list of {{path, name, embed}}")
    models = []
    for i, m in enumerate(raw_models):
        where = f"models[{i}]"
        if isinstance(m, str):
            m = {"path": m}
        if not isinstance(m, dict):
            raise UserError(f"{p}: {where}: expected a path or a mapping with path, name, embed")
        _check_keys(p, where, m, _MODEL_KEYS)
        if "path" not in m:
            raise UserError(f"{p}: {where}: path is missing")
        mp = _str(p, f"{where}.path", m["path"])
        flags = {}
        for key, default in (("embed", True), ("downgrade", False), ("load_check", True), ("optimize", False)):
            flags[key] = m.get(key, default)
            if not isinstance(flags[key], bool):
                raise UserError(f"{p}: {where}.{key}: expected true or false, got {flags[key]!r}")
        name = _str(p, f"{where}.name", m["name"]) if "name" in m else emit.default_name(mp)
        models.append(ModelEntry(str(base / mp), name, **flags))
    raw_sdks = doc.get("sdks")
    if not isinstance(raw_sdks, dict) or not raw_sdks:
        raise UserError(f"{p}: sdks: expected a mapping of language to options, e.g. python: {{out: sdk/python}}")
    sdks = []
    for lang, o in raw_sdks.items():
        if lang not in targets.TARGETS:
            raise UserError(f"{p}: sdks: unknown language {lang!r} (expected some of {', '.join(targets.LANGS)})")
        where = f"sdks.{lang}"
        if not isinstance(o, dict) or "out" not in o:
            raise UserError(f"{p}: {where}: expected a mapping with at least out: DIR")
        _check_keys(p, where, o, _SDK_KEYS)
        vals: dict[str, Any] = {}
        for k, v in o.items():
            if k == "remote":
                if not isinstance(v, bool):
                    raise UserError(f"{p}: {where}.remote: expected true or false, got {v!r}")
                vals[k] = v
            else:
                vals[k] = _str(p, f"{where}.{k}", v)
        given = tuple(k for k in emit.OPTION_FLAGS if k in vals)
        opts = emit.options_from({k: vals[k] for k in given})
        try:
            emit.check_options(lang, given, flags=False)
        except UserError as e:
            raise UserError(f"{p}: {where}: {e}") from None
        sdks.append(SdkEntry(lang, str(base / vals["out"]), opts, given))
    return Project(tuple(models), tuple(sdks))
