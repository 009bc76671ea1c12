"""Run one or a few hand-written ``FuzzModel``s through both properties and print the outcomes
(for writing reproducers): ``python -m tests.fuzz.quick`` runs the ``KNOWN`` reproducers."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from . import batch
from .spec import FuzzModel


def quick(models: Sequence[FuzzModel], langs: Sequence[str] = batch.LANGS, work: str = "build/fuzz-quick") -> list[batch.Case]:
    stats = batch.Stats()
    cases = batch.run_batch(models, Path(work), stats, langs, log=print)
    for c in cases:
        for lang, o in sorted(c.outcomes.items()):
            print(f"{c.key} {c.model.name!r} {lang}: {o.short()[:400]}")
            for s in c.soft.get(lang, []):
                print(f"{c.key} {c.model.name!r} {lang}: also {s.short()[:400]}")
    return cases


if __name__ == "__main__":
    from tests.test_fuzz import KNOWN

    quick([k.reproducer for k in KNOWN], sys.argv[1].split(",") if len(sys.argv) > 1 else batch.LANGS)
