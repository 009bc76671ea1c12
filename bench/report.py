"""Results of a bench run: printed tables, results.json, PNG charts and docs/BENCHMARKS.md."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path
from typing import Any

from .common import Chart, Section


def chart(c: Chart, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(c.labels) * max(1, len(c.series)) / 2), 4.0), dpi=110)
    width = 0.8 / max(1, len(c.series))
    for i, (name, values) in enumerate(c.series.items()):
        xs = [j + i * width - 0.4 + width / 2 for j in range(len(c.labels))]
        bars = ax.bar(xs, values, width, label=name)
        ax.bar_label(bars, fmt="%.3g", fontsize=7)
    # long labels wrap onto several lines instead of running into each other
    ax.set_xticks(range(len(c.labels)), ["\n".join(textwrap.wrap(x, 16)) or x for x in c.labels], fontsize=8)
    ax.set_ylabel(c.ylabel)
    ax.set_title(c.title, fontsize=10)
    if len(c.series) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / c.file, metadata={"Software": None})  # no version stamp: stable files
    plt.close(fig)


def write_json(sections: list[Section], machine: dict[str, str], path: Path) -> None:
    doc: dict[str, Any] = {"machine": machine, "sections": [dataclasses.asdict(s) for s in sections]}
    path.write_text(json.dumps(doc, indent=1, default=str) + "\n")


def busy_banner(sections: list[Section], machine: dict[str, str]) -> list[str]:
    """A warning when some section started with more runnable work than half the CPUs."""
    cores = int(machine.get("cores", "1") or 1)
    busy = [s for s in sections if s.run and s.run["load_start"] > 0.5 * cores]
    if not busy:
        return []
    worst = max(s.run["load_start"] for s in busy)
    return [(f"**Measured on a busy machine** (load average up to {worst:.1f} on {cores} CPUs at the start of "
            f"{', '.join(s.name for s in busy)}): other work competed for the CPUs, so absolute times are inflated "
            "and even the interleaved ratios are noisy. Re-run `make bench` on an idle machine."), ""]


def markdown(sections: list[Section], machine: dict[str, str], charts_rel: str) -> str:
    out = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`python -m bench`), which runs every benchmark below, prints the tables, writes",
        "`bench-results/results.json` and the charts, and rewrites this file. Absolute times are this machine's;",
        "ratios are measured side by side in one run, interleaved, and their spread is given. `make test` runs a",
        "seconds-long smoke run of the same code (`python -m bench --smoke`), so it cannot rot; no test asserts a",
        "time.",
        "",
        "Reproduce: `make bench` (about 15–20 minutes on 2 cores; run it on an otherwise idle machine: the load average",
        "is recorded per section below). One section: `make bench BENCH_ARGS=\"--only overhead --no-docs\"`",
        "(`overhead`, `throughput`, `threads`, `seed`, `gen_cost`). The thread section needs Docker",
        "(`integration/docker/setup.sh` starts it); every section needs Python, a JDK 17, Maven's local ONNX Runtime",
        "jar and Go, like `make test`.",
        "",
        *busy_banner(sections, machine),
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine.items()],
        "",
        "## Goals",
        "",
        "| goal | met | measured |",
        "|---|---|---|",
    ]
    for s in sections:
        for goal, met, why in s.goals:
            out.append(f"| {goal} | {'yes' if met else 'no' if met is False else 'n/a'} | {why} |")
    for s in sections:
        out += ["", f"## {s.title}", "", s.how]
        if s.run:
            out += ["", (f"_This section took {s.run['seconds']:.0f} s; load average {s.run['load_start']:.2f} at its "
                        f"start, {s.run['load_end']:.2f} at its end._")]
        for t in s.tables:
            out += ["", f"**{t.title}**", "", t.markdown()]
        for c in s.charts:
            out += ["", f"![{c.title}]({charts_rel}/{c.file})"]
    return "\n".join(out) + "\n"
