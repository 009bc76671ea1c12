"""The long fuzz run (``make fuzz``): batches of hypothesis-drawn hostile models through both
properties in every language, until ``--examples`` models or ``--minutes`` have passed.

    python -m tests.fuzz [--examples 2000] [--batch 40] [--seed S] [--minutes M]
                         [--langs python,java,go] [--work build/fuzz]

Prints one line per batch and a summary; writes ``WORK/summary.json`` and, per failure, the
model (``spec.FuzzModel`` JSON and the .onnx file) and what failed under ``WORK/failures/``.
Failures that match an entry of ``tests/test_fuzz.py``'s ``KNOWN`` list are counted as known;
the exit status is 1 when any other failure was found.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hseed

from tests.test_fuzz import KNOWN, known_entry

from . import batch, strategies


def draw(n: int, seed: int) -> list[Any]:
    out: list[Any] = []

    @hseed(seed)
    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategies.models())
    def collect(m):  # type: ignore[no-untyped-def]
        out.append(m)

    collect()
    return out


def reclassify(work: Path) -> int:
    """The failures of an earlier run, matched against the KNOWN list as it is now."""
    from .batch import Outcome
    from .spec import from_json

    by: dict[str, int] = {}
    models: dict[str, set[str]] = {}
    for f in sorted((work / "failures").glob("*.json")):
        d = json.loads(f.read_text())
        m = from_json(json.dumps(d["model"]))
        k = known_entry(d["lang"], Outcome("fail", d["stage"], d["detail"]), m)
        key = f"{d['lang']} {d['stage']} {k.id if k else 'NEW'}"
        by[key] = by.get(key, 0) + 1
        models.setdefault(key, set()).add(f.name)
    for key in sorted(by):
        print(f"{by[key]:6d}  {key}")
    new = sum(n for key, n in by.items() if key.endswith("NEW"))
    print(f"{sum(by.values())} failures, {new} not in KNOWN")
    return 1 if new else 0


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz")
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=40)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--minutes", type=float, default=None)
    ap.add_argument("--langs", default="python,java,go")
    ap.add_argument("--work", default="build/fuzz")
    ap.add_argument("--reclassify", action="store_true",
                    help="only match WORK/failures/*.json against today's KNOWN list and print the counts")
    a = ap.parse_args()
    if a.reclassify:
        return reclassify(Path(a.work))
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(2**31)
    langs = a.langs.split(",")
    work = Path(a.work)
    shutil.rmtree(work / "failures", ignore_errors=True)
    (work / "failures").mkdir(parents=True, exist_ok=True)
    stats = batch.Stats()
    t0 = time.monotonic()
    failures: list[dict[str, Any]] = []
    n = 0
    print(f"fuzz: seed {seed}, {a.examples} examples, batches of {a.batch}, {','.join(langs)}", flush=True)
    while stats.examples < a.examples:
        if a.minutes is not None and time.monotonic() - t0 > a.minutes * 60:
            break
        n += 1
        models = draw(a.batch, seed + n)
        cases = batch.run_batch(models, work / "batch", stats, langs, log=lambda s: print("  " + s, flush=True))
        for c in cases:
            for lang, o in [(x, o) for x in langs for o in c.failures(x)]:
                k = known_entry(lang, o, c.model)
                rec = {"batch": n, "key": c.key, "lang": lang, "stage": o.stage, "known": k.id if k else None,
                       "detail": o.detail if len(o.detail) <= 6000 else o.detail[:3000] + " ... " + o.detail[-3000:]}
                failures.append(rec)
                stem = work / "failures" / f"{'known-' + k.id if k else 'NEW'}-{lang}-{o.stage}-b{n}-{c.key}"
                while stem.with_suffix(".json").exists():
                    stem = stem.with_name(stem.name + "+")
                stem.with_suffix(".json").write_text(json.dumps({**rec, "model": json.loads(c.model.to_json())},
                                                                indent=1, ensure_ascii=True))
                if c.data:
                    stem.with_suffix(".onnx").write_bytes(c.data)
        new = sum(1 for f in failures if f["known"] is None)
        print(f"batch {n}: {stats.examples} examples, sdks {stats.sdks}, calls {stats.calls}, ok {stats.ok}, "
              f"{len(failures)} failures ({new} new), {time.monotonic() - t0:.0f}s", flush=True)
    by: dict[str, int] = {}
    for f in failures:
        key = f"{f['lang']} {f['stage']} {f['known'] or 'NEW'}"
        by[key] = by.get(key, 0) + 1
    summary = {"seed": seed, "minutes": round((time.monotonic() - t0) / 60, 1), "examples": stats.examples,
               "batches": n, "refused": stats.refused, "sdks_compiled": stats.sdks, "builds": stats.builds,
               "calls": stats.calls, "calls_ok": stats.ok, "ort_cannot_run": stats.ort_cannot,
               "seconds": {k: round(v) for k, v in stats.seconds.items()}, "failures": by,
               "known_entries": [k.id for k in KNOWN]}
    (work / "summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))
    new = sum(1 for f in failures if f["known"] is None)
    print(f"fuzz: {stats.examples} examples, {len(failures)} failures, {new} not in KNOWN "
          f"(models and messages in {work / 'failures'})")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
