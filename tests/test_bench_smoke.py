"""`python -m bench --smoke`: every benchmark's code runs end to end in seconds, so `make bench`
cannot rot. No timing is asserted: only that every section, table, chart and goal is produced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS

from .paths import REPO

pytestmark = pytest.mark.slow


def test_bench_smoke_run_produces_every_section(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--results", str(tmp_path / "res")],
                       cwd=REPO, capture_output=True, text=True, timeout=1800, check=False)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    doc = json.loads((tmp_path / "res" / "results.json").read_text())
    assert [s["name"] for s in doc["sections"]] == BENCHMARKS
    assert {"overhead", "throughput", "threads", "seed", "gen_cost"} <= set(BENCHMARKS)
    for s in doc["sections"]:
        assert s["tables"] and all(t["rows"] for t in s["tables"]), s["name"]
        assert s["goals"], s["name"]
        assert all(met in (True, False, None) for _, met, _ in s["goals"]), s["name"]
        if s["name"] != "gen_cost":  # the speed sections each draw a chart
            assert s["charts"], s["name"]
        for c in s["charts"]:
            assert (tmp_path / "res" / c["file"]).stat().st_size > 1000
            assert all(len(v) == len(c["labels"]) for v in c["series"].values()), c["file"]
    md = (tmp_path / "res" / "BENCHMARKS.md").read_text()
    assert "## Goals" in md and all(s["title"] in md for s in doc["sections"])
    # every language appears in the per-language tables
    by = {s["name"]: s for s in doc["sections"]}
    for name in ("overhead", "threads"):
        langs = {row[1] if name == "threads" else row[0] for row in by[name]["tables"][0]["rows"]}
        assert {"python", "java", "go"} <= langs, (name, langs)
    print(r.stdout[-3000:])
