"""`python -m bench [--smoke] [--only a,b] [--results DIR] [--docs]`: run the benchmarks.

Without --smoke it also rewrites docs/BENCHMARKS.md and docs/bench/ (charts, results.json).
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import tempfile
import time
from pathlib import Path

from . import report
from .common import REPO, Context, Section, machine

# In the order they run (and appear in docs/BENCHMARKS.md).
BENCHMARKS = ["overhead", "gen_cost"]


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--smoke", action="store_true", help="seconds-long run of every benchmark (CI)")
    ap.add_argument("--only", default="", help="comma-separated benchmark names")
    ap.add_argument("--results", default=str(REPO / "bench-results"), help="results folder")
    ap.add_argument("--work", default="", help="scratch folder [default: a temp dir]")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(f"unknown benchmark {unknown[0]!r} (expected some of {', '.join(BENCHMARKS)})")
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="sdkgen-bench-"))
    sections: list[Section] = []
    try:
        for name in names:
            t0 = time.monotonic()
            mod = importlib.import_module(f"bench.{name}")
            d = work / name
            d.mkdir(parents=True, exist_ok=True)
            sec: Section = mod.run_bench(Context(d, args.smoke))
            sections.append(sec)
            print(f"\n== {sec.title} ({time.monotonic() - t0:.0f}s)")
            for t in sec.tables:
                print(t.text(), end="\n\n")
            for goal, met, why in sec.goals:
                print(f"goal: {goal}: {'MET' if met else 'NOT MET' if met is False else 'n/a'} ({why})")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    m = machine()
    for s in sections:
        for c in s.charts:
            report.chart(c, results)
    report.write_json(sections, m, results / "results.json")
    (results / "BENCHMARKS.md").write_text(report.markdown(sections, m, "."))
    print(f"\nbench: results in {results}")
    if not args.smoke and not args.only:
        docs = REPO / "docs" / "bench"
        docs.mkdir(parents=True, exist_ok=True)
        for s in sections:
            for c in s.charts:
                shutil.copy(results / c.file, docs / c.file)
        shutil.copy(results / "results.json", docs / "results.json")
        (REPO / "docs" / "BENCHMARKS.md").write_text(report.markdown(sections, m, "bench"))
        print("bench: docs/BENCHMARKS.md and docs/bench/ updated")


if __name__ == "__main__":
    main()
