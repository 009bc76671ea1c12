"""Per-language emitters. Each turns one or more IR models into one SDK (a set of files).

Contract, for every language module ``generator.emit.<lang>``:

    generate(models: Sequence[ModelSource], opts: Options) -> Generated

``Generated.files`` maps relative POSIX paths to bytes; ``Generated.view`` is the language's
typed view model (what check drivers and tests read: class names, setters, packages), so no
caller re-derives a name. Emitters are pure: no I/O except reading the runtime source
(``generator.runtime_src``), no clock, no absolute paths; ``generator.writer`` puts the files
on disk. Every model of one SDK shares one copy of the language's runtime.

What a language can carry is decided by ``generator.targets`` (``targets.require``), never by
the emitter. Inputs a language carries "via" an adapted embedded model are rewritten here
(``generator.adapt``) before the emitter runs: ``ModelSource.data`` is then the adapted model
and ``ModelSource.adapted`` says how each such input travels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import ir, targets
from ..errors import UnsupportedModel, UserError

if TYPE_CHECKING:
    from ..adapt import Input as AdaptedInput


@dataclasses.dataclass(frozen=True)
class ModelSource:
    """One model of an SDK: its IR, its file's bytes (embedded unless ``embed`` is False) and
    the name its types are derived from (``default_name`` of the file unless the user chose)."""

    model: ir.Model
    data: bytes
    name: str
    embed: bool = True
    # Inputs that travel via the adapted embedded model (``data`` is then the adapted copy).
    adapted: Mapping[str, AdaptedInput] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Options:
    """SDK-wide options. ``targets.Target.options`` says which ones a language takes."""

    package: str | None = None  # python package / java package / go package (one-model SDK)
    module: str | None = None  # go module path
    group_id: str | None = None  # maven
    artifact_id: str | None = None  # maven; also the python distribution name
    version: str = "0.1.0"  # version of the generated SDK
    # Also a remote backend: open the model against an Open Inference Protocol v2 server (gRPC)
    # as well as in-process; adds the gRPC dependencies and stubs to the SDK.
    remote: bool = False


@dataclasses.dataclass(frozen=True)
class Generated:
    files: dict[str, bytes]
    view: Any  # the language's typed view model, e.g. generator.emit.java.SdkView
    runtime: frozenset[str] = frozenset()  # the paths in ``files`` that are the copied runtime


OPTION_FLAGS = {
    "package": "--package",
    "module": "--module",
    "group_id": "--group-id",
    "artifact_id": "--artifact-id",
    "version": "--version",
    "remote": "--remote",
}


def options_from(values: Mapping[str, str | bool]) -> Options:
    """Options from the user's (flag, config or record) values: ``remote`` a bool, the rest strings."""
    kw: dict[str, Any] = {}
    for k, v in values.items():
        if k not in OPTION_FLAGS:
            raise UserError(f"unknown option {k!r} (expected some of {', '.join(OPTION_FLAGS)})")
        if isinstance(v, bool) != (k == "remote"):
            raise UserError(f"option {k}: expected {'true or false' if k == 'remote' else 'a string'}, got {v!r}")
        kw[k] = v
    return Options(**kw)


def default_name(path: str) -> str:
    """The model name when the user gives none: the file's stem (graph names are mostly
    exporter noise: "main_graph", "torch_jit", a hash). The one place this is decided."""
    import pathlib

    stem = pathlib.PurePath(path).stem
    return stem or "model"


def check_options(lang: str, given: Sequence[str], *, flags: bool = True) -> None:
    """Refuse options that do not apply to ``lang`` (``given``: the option names the user set;
    named as command-line flags, or as config keys when ``flags`` is False)."""
    t = targets.get(lang)

    def show(o: str) -> str:
        return OPTION_FLAGS[o] if flags else o

    bad = [show(o) for o in given if o not in t.options]
    if bad:
        ok = ", ".join(show(o) for o in OPTION_FLAGS if o in t.options)
        raise UserError(f"{', '.join(bad)} does not apply to {lang} (its options: {ok})")


def check_models(models: Sequence[ModelSource]) -> None:
    if not models:
        raise UserError("no model given (expected at least one .onnx file)")
    names = [m.name for m in models]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UserError(f"two models are both named {dup[0]!r}: name them apart (--name, or `name:` in the config)")


def generate(lang: str, models: Sequence[ModelSource], opts: Options) -> Generated:
    """Generate the SDK of ``lang`` for ``models``; refuses what the target cannot carry."""
    t = targets.get(lang)
    check_models(models)
    sources = []
    for m in models:
        targets.require(lang, m.model, f"model {m.name!r}", embed=m.embed)
        if opts.remote:
            found = targets.oip_refusals(m.model)
            if found:
                raise UnsupportedModel(f"--remote: model {m.name!r} cannot be served over the Open Inference "
                                       "Protocol v2: " + "; ".join(str(r) for r in found))
        kinds = targets.adaptations(lang, m.model)
        if kinds and m.embed and not m.adapted:
            from .. import adapt

            a = adapt.adapt(m.data, kinds, f"model {m.name!r}")
            m = dataclasses.replace(m, data=a.data, adapted=a.inputs)
        sources.append(m)
    result: Generated = t.emit_module().generate(sources, opts)
    return result


def emit(lang: str, models: Sequence[ModelSource], opts: Options) -> dict[str, bytes]:
    return generate(lang, models, opts).files


LANGS = targets.LANGS
