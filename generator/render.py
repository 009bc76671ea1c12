"""Jinja2 environment: templates only loop over and print precomputed fields."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import jinja2


def templates_root() -> Path:
    """``generator/templates`` inside an installed wheel, else the repo's ``templates/``."""
    here = Path(__file__).resolve().parent
    for cand in (here / "templates", here.parent / "templates"):
        if cand.is_dir():
            return cand
    raise RuntimeError(f"sdkgen templates not found next to {here}")


@functools.cache
def environment(lang: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.fspath(templates_root() / lang)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(lang: str, template: str, **ctx: Any) -> str:
    return environment(lang).get_template(template).render(**ctx)


def static(lang: str, name: str) -> str:
    """A template file copied verbatim (runtime modules that have nothing to fill in)."""
    return (templates_root() / lang / name).read_text(encoding="utf-8")
