"""CI's stratified sample of the conformance run (scripts/conformance.py --subset): one node case
per ONNX operator, generated from the installed onnx wheel, through `sdkgen check` in Python,
Java and Go. Strict: every case raw ONNX Runtime runs and matches passes in every language, or
the targets registry refuses it with its reason, or it is listed in integration/failures/."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .paths import REPO

pytestmark = pytest.mark.slow


def test_node_suite_subset_in_every_language(tmp_path: Path) -> None:
    report = tmp_path / "conformance.md"
    r = subprocess.run([sys.executable, "scripts/conformance.py", "--subset", "--work", str(tmp_path / "w"),
                        "--report", str(report)], cwd=REPO, capture_output=True, text=True, timeout=3000, check=False)
    print(r.stdout[-3000:], r.stderr[-3000:])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads((tmp_path / "w" / "result.json").read_text())
    cases = res["cases"]
    assert len(cases) >= 150  # one per operator of onnx's node suite
    checkable = [c for c, cells in cases.items() if cells["python"]["outcome"] != "ort-cannot"]
    assert len(checkable) >= 120
    for lang in ("python", "java", "go"):
        ok = sum(1 for c in checkable if cases[c][lang]["outcome"] == "ok")
        refused = sum(1 for c in checkable if cases[c][lang]["outcome"] == "refused")
        assert ok + refused == len(checkable), lang
    m = re.search(r"\| python \| (\d+) / (\d+) \|", report.read_text())
    assert m and m.group(1) == m.group(2)
