"""What every benchmark shares: the run context, result sections, statistics and tables."""

from __future__ import annotations

import dataclasses
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LANGS = ("python", "go", "java")


@dataclasses.dataclass
class Context:
    work: Path  # scratch space for generated SDKs and models
    smoke: bool  # seconds-long run: tiny counts, same code paths (CI runs it so nothing rots)
    python: str = sys.executable
    langs: tuple[str, ...] = LANGS  # the SDK languages to measure (--langs); the baselines always run

    def n(self, full: int, smoke: int = 1) -> int:
        """An iteration count: ``full`` in a real run, ``smoke`` in a smoke run."""
        return smoke if self.smoke else full

    def pick(self, full: float, smoke: float) -> float:
        """A duration or size: ``full`` in a real run, ``smoke`` in a smoke run."""
        return smoke if self.smoke else full


@dataclasses.dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""

    def text(self) -> str:
        cells = [[str(c) for c in self.columns]] + [[_fmt(v) for v in r] for r in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        lines = [self.title, "  ".join(c.ljust(w) for c, w in zip(cells[0], widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells[1:]]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def markdown(self) -> str:
        out = [f"| {' | '.join(self.columns)} |", "|" + "---|" * len(self.columns)]
        out += [f"| {' | '.join(_fmt(v) for v in r)} |" for r in self.rows]
        if self.note:
            out += ["", self.note]
        return "\n".join(out)


@dataclasses.dataclass
class Chart:
    """A bar chart: one bar group per label, one bar per series."""

    file: str  # PNG file name in the results folder
    title: str
    ylabel: str
    labels: list[str]
    series: dict[str, list[float]]


@dataclasses.dataclass
class Section:
    name: str  # the benchmark's module name
    title: str
    how: str  # how it was measured (markdown), printed above the tables
    tables: list[Table] = dataclasses.field(default_factory=list)
    charts: list[Chart] = dataclasses.field(default_factory=list)
    data: dict[str, Any] = dataclasses.field(default_factory=dict)  # raw numbers for the JSON
    goals: list[tuple[str, bool | None, str]] = dataclasses.field(default_factory=list)  # (goal, met, why)
    run: dict[str, float] = dataclasses.field(default_factory=dict)  # seconds, load average at start and end


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:.2f}"
        return f"{v:.3g}"
    return str(v)


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def spread(xs: Sequence[float]) -> tuple[float, float]:
    """(lowest, highest) of the middle half: a robust spread for a handful of repeats."""
    s = sorted(xs)
    if len(s) < 4:
        return s[0], s[-1]
    q = statistics.quantiles(s, n=4)
    return q[0], q[2]


def pct(ratio: float) -> str:
    return f"{100 * (ratio - 1):+.1f}%"


def run(cmd: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update(env or {})
    r = subprocess.run(list(cmd), cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def machine() -> dict[str, str]:
    def first(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import onnxruntime

    from generator import __version__, versions

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": first(["sh", "-c", "free -h | awk '/Mem:/ {print $2}'"]),
        "os": platform.platform(),
        "python": platform.python_version(),
        "go": first(["go", "version"]),
        "java": first(["sh", "-c", "java -version 2>&1"]),
        "onnxruntime": f"{onnxruntime.__version__} (Python), {versions.ORT_VERSION} (Java, Go's libonnxruntime), "
                       f"onnxruntime_go {versions.ORT_GO_VERSION}",
        "sdkgen": __version__,
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
