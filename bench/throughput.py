"""Cross-language throughput on the transformer: each SDK's QPS next to raw Python ONNX Runtime.

Four workers live at once (Python with the SDK and raw onnxruntime, Java, Go); one caller thread
each, the same explicit session options everywhere. Their blocks of calls are interleaved across
the processes (while one measures, the others wait on stdin), so the ratios to raw Python come from
blocks measured next to each other.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from typing import Any

from . import models
from .common import Chart, Context, Section, Table
from .driver import Runner, interleave, same_results
from .sdks import build_all, start

GOAL = 0.97
# (label, worker, kind): the first is the baseline
ROWS = [("raw Python ORT", "python", "raw"), ("Python SDK", "python", "sdk"), ("Java SDK", "java", "sdk"),
        ("Go SDK", "go", "sdk"), ("raw Java ORT", "java", "raw"), ("raw onnxruntime_go", "go", "raw")]


def rows(ctx: Context) -> list[tuple[str, str, str]]:
    return [r for r in ROWS if r[1] in ctx.langs or r[0] == ROWS[0][0]]


def settings(ctx: Context) -> list[tuple[str, tuple[int, ...], int]]:
    cores = len(os.sched_getaffinity(0))
    threads = sorted({1, cores})
    return [(f"[{d[0]},{d[1]}], {t} thread{'s' if t > 1 else ''}", d, t) for d in ((1, 16), (4, 128)) for t in threads]


def run_bench(ctx: Context) -> Section:
    built = build_all(models.transformer_set(ctx), ctx.work.parent / "_sdks")
    rounds, block = ctx.n(15, 3), ctx.pick(0.25, 0.01)
    warm, warm_max = ctx.pick(1.0, 0.02), ctx.pick(8.0, 0.2)
    qps_rows, ratio_rows, cpu_rows, data = [], [], [], {}
    table_rows = rows(ctx)
    chart: dict[str, list[float]] = {r[0]: [] for r in table_rows}
    worst: dict[str, float] = {n: float("inf") for n in ("Java SDK", "Go SDK") if n in chart}
    with ExitStack() as stack:
        workers = {lang: stack.enter_context(start(lang, built, ctx.work / "logs", f"throughput-{lang}"))
                   for lang in {r[1] for r in table_rows}}
        for i, (label, dims, threads) in enumerate(settings(ctx)):
            spin = threads > 1  # the SDK's default without a quota, and ORT's
            runners = [Runner.open(workers[lang], f"t{i}-{lang}-{kind}", name, kind, "bert", threads, spin, dims)
                       for name, lang, kind in table_rows]
            same_results(runners)
            b = interleave(runners, rounds, block, warm, warm_max)
            base = ROWS[0][0]
            row: list[Any] = [label]
            for name, _, _ in table_rows:
                q = dims[0] / b.median(name)  # sequences per second
                row.append(round(q))
                chart[name].append(q)
            qps_rows.append(row)
            rrow: list[Any] = [label]
            d: dict[str, Any] = {"per_call_s": b.per_call, "cpu_per_call_s": b.cpu_per_call, "calls_per_block": b.calls}
            for name, _, _ in table_rows[1:]:
                # QPS ratio = inverse time ratio, per round
                m, lo, hi = b.ratio(base, name)
                rrow.append(f"{m:.3f} ({lo:.3f} … {hi:.3f})")
                d[f"{name} / {base}"] = {"median": m, "q1": lo, "q3": hi}
                if name in worst:
                    worst[name] = min(worst[name], m)
            ratio_rows.append(rrow)
            if threads == 1:  # every worker's CPU clock covers the thread ORT runs on
                cpu_rows.append([label, *[f"{m:.3f} ({lo:.3f} … {hi:.3f})" for m, lo, hi in
                                          (b.ratio(base, name, cpu=True) for name, _, _ in table_rows[1:])]])
            data[label] = d
            for r in runners:
                r.close()
    labels = [s[0] for s in settings(ctx)]
    goals: list[tuple[str, bool | None, str]] = [
        (f"{name} ≥ {GOAL}× raw Python ORT's QPS (every shape and thread count)", worst[name] >= GOAL,
         f"worst {worst[name]:.3f}×") for name in worst]
    if not goals:
        goals.append(("Java and Go SDK ≥ 0.97× raw Python ORT", None, "not measured (--langs)"))
    return Section(
        name="throughput",
        title="Cross-language throughput on the transformer",
        how=(f"The transformer ({models.bert_config(ctx)}), one caller per process, QPS = sequences per second "
             "(batch / median per-call time). Every runner has the same explicit options: the thread count of "
             "the row, 1 inter-op thread, sequential, all graph optimisations, spinning on only with more than "
             "one thread (the SDK's default without a CPU quota, and ORT's). The workers of the three languages "
             f"run at once and take turns: {rounds} rounds of one block (~{block} s) per runner, order rotating. "
             "Ratios are per round (blocks measured next to each other); IQR in brackets."),
        tables=[Table("QPS (sequences/s, this machine)", ["setting", *[r[0] for r in table_rows]], qps_rows),
                Table("QPS relative to raw Python ORT (median of per-round ratios, IQR)",
                      ["setting", *[r[0] for r in table_rows[1:]]], ratio_rows),
                Table("Cross-check by CPU time: raw Python ORT's CPU time per call / the runner's (1 thread)",
                      ["setting", *[r[0] for r in table_rows[1:]]], cpu_rows,
                      note="CPU time does not grow while a process waits for a CPU, which wall time between "
                           "processes does on a busy machine. Python, Go: the process's CPU time; Java: the calling "
                           "thread's (where ORT runs with one thread; the JIT and GC threads are not in it).")],
        charts=[Chart("throughput.png", "Transformer QPS by language (one caller)", "sequences / s", labels, chart)],
        data=data,
        goals=goals,
    )
