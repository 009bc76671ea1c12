"""The runtime source of each language, copied verbatim into every SDK.

The runtime lives in the repository as ordinary source (``runtime/<lang>/``: compiled, linted
and unit-tested where it lives) and in the wheel as ``generator/runtime/``. An emitter asks for
its files here and may rewrite only what the language forces (a Java ``package`` line, a Go
import path); it never renders them as templates.
"""

from __future__ import annotations

import functools
from pathlib import Path

from . import targets

# Files of a runtime directory that are not shipped: tests, build output, caches.
_SKIP_SUFFIXES = ("_test.go", "Test.java")
_SKIP_DIRS = {"__pycache__", "target", "tests", "testdata", ".mypy_cache", ".ruff_cache"}
_SHIPPED = (".py", ".java", ".go", ".typed")


def runtime_root() -> Path:
    """``generator/runtime`` inside an installed wheel, else the repository's ``runtime/``."""
    here = Path(__file__).resolve().parent
    for cand in (here / "runtime", here.parent / "runtime"):
        if cand.is_dir():
            return cand
    raise RuntimeError(f"sdkgen runtime sources not found next to {here}")


def files(lang: str, *, remote: bool = False) -> dict[str, bytes]:
    """The runtime's shipped files for ``lang``, relative to its source directory, sorted; the
    remote backend's (``Target.remote_runtime``) only for an SDK generated with ``remote``."""
    t = targets.get(lang)
    out = tree(t.runtime_dir)
    if remote or not t.remote_runtime:
        return out
    return {rel: data for rel, data in out.items() if not rel.startswith(t.remote_runtime)}


@functools.cache
def tree(source: str) -> dict[str, bytes]:
    """The shipped files of the runtime source directory ``source`` (relative to the runtime
    root, e.g. ``go`` or ``go-remote``), relative to it, sorted."""
    src = runtime_root() / source
    if not src.is_dir():
        raise RuntimeError(f"{src}: the runtime source {source} is missing")
    out: dict[str, bytes] = {}
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if not p.is_file() or _SKIP_DIRS.intersection(rel.parts[:-1]):
            continue
        if p.name.endswith(_SKIP_SUFFIXES) or not p.name.endswith(_SHIPPED):
            continue
        out[rel.as_posix()] = p.read_bytes()
    if not out:
        raise RuntimeError(f"{src}: no runtime files")
    return out
