"""Java: not wired yet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .cases import Case
from .common import LangRun


def check(cases: list[Case], work: Path, log: Callable[[str], None]) -> LangRun:
    return LangRun(not_run={c.key: ("build-error", "java check runner not implemented yet") for c in cases})
