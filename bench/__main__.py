"""`python -m bench [--smoke] [--only a,b] [--results DIR] [--docs]`: run the benchmarks.

Without --smoke it also rewrites docs/BENCHMARKS.md and docs/bench/ (charts, results.json).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import tempfile
import textwrap
import time
import traceback
from pathlib import Path

from . import report
from .common import LANGS, REPO, Context, Section, machine

# In the order they run (and appear in docs/BENCHMARKS.md).
BENCHMARKS = ["overhead", "throughput", "threads", "seed", "gen_cost"]


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--smoke", action="store_true", help="seconds-long run of every benchmark (CI)")
    ap.add_argument("--only", default="", help="comma-separated benchmark names")
    ap.add_argument("--results", default=str(REPO / "bench-results"), help="results folder")
    ap.add_argument("--work", default="", help="scratch folder [default: a temp dir]")
    ap.add_argument("--langs", default=",".join(LANGS),
                    help="SDK languages to measure, e.g. go (a partial run never rewrites the docs)")
    ap.add_argument("--no-docs", action="store_true", help="do not rewrite docs/BENCHMARKS.md and docs/bench/")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or BENCHMARKS
    langs = tuple(x for x in LANGS if x in args.langs.split(","))
    if not langs or set(args.langs.split(",")) - set(LANGS):
        raise SystemExit(f"--langs: expected some of {', '.join(LANGS)}")
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(f"unknown benchmark {unknown[0]!r} (expected some of {', '.join(BENCHMARKS)})")
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="sdkgen-bench-"))
    sections: list[Section] = []
    failed: list[str] = []
    m = machine()
    print("bench: " + ("smoke run (timings mean nothing)" if args.smoke else "full run"), flush=True)
    for k, v in m.items():
        print(f"  {k}: {v}")
    busy = os.getloadavg()[0] / (os.cpu_count() or 1)
    if busy > 0.5 and not args.smoke:
        print(f"bench: WARNING: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other work is "
              "running, absolute times and even ratios will be noisy", flush=True)
    t_all = time.monotonic()
    try:
        for name in names:
            t0, load0 = time.monotonic(), os.getloadavg()[0]
            mod = importlib.import_module(f"bench.{name}")
            d = work / name
            d.mkdir(parents=True, exist_ok=True)
            print(f"\n== {name} ...", flush=True)
            try:
                sec: Section = mod.run_bench(Context(d, args.smoke, langs=langs))
            except Exception:  # noqa: BLE001 - the other benchmarks still run; the exit code says it
                traceback.print_exc()
                failed.append(name)
                continue
            sec.run = {"seconds": round(time.monotonic() - t0, 1), "load_start": round(load0, 2),
                       "load_end": round(os.getloadavg()[0], 2)}
            sections.append(sec)
            print(f"== {sec.title} ({sec.run['seconds']:.0f}s, load average {load0:.1f} -> "
                  f"{sec.run['load_end']:.1f})\n")
            print(textwrap.fill(sec.how, 110), end="\n\n")
            for t in sec.tables:
                print(t.text(), end="\n\n")
            for goal, met, why in sec.goals:
                print(f"goal: {goal}: {'MET' if met else 'NOT MET' if met is False else 'n/a'} ({why})")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    m["bench run"] = f"{time.monotonic() - t_all:.0f} s{' (smoke)' if args.smoke else ''}"
    for s in sections:
        for c in s.charts:
            report.chart(c, results)
    report.write_json(sections, m, results / "results.json")
    (results / "BENCHMARKS.md").write_text(report.markdown(sections, m, "."))
    print(f"\nbench: results in {results}")
    if failed:
        raise SystemExit(f"bench: FAILED: {', '.join(failed)} (see the tracebacks above)")
    if not args.smoke and not args.only and not args.no_docs and langs == LANGS:
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
