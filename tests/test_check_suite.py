"""CI's cross-language check — the one harness every language's end-to-end coverage goes through:
`sdkgen check` over the whole onnx wheel backend data, the real models of the SDK issues and the
value-kind models of tests/check_models.py, in Python, Java and Go, in one batch run, against the
strict lists in integration/failures/. Each language builds one SDK holding every model."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .check_models import write_all, write_cases
from .e2e.suite import ORT_CANNOT_FILE, load_ort_cannot
from .paths import MODELS, ORT_DATASETS, REPO, backend_cases, light_models

pytestmark = pytest.mark.slow
FAILURES = REPO / "integration" / "failures"
REAL_MODELS = [ORT_DATASETS / f"{n}.onnx" for n in ("logreg_iris", "mul_1", "sigmoid")] + [
    MODELS / "tiny_transformer.onnx", MODELS / "hostile.onnx"] + light_models()  # light: generated fixtures
SUITES = sorted({p.parent for p in backend_cases()})


def test_backend_data_and_real_models_in_all_languages(tmp_path: Path) -> None:
    junit = tmp_path / "check.xml"
    extra = write_all(tmp_path / "types") + write_cases(tmp_path / "cases")
    args = [sys.executable, "-m", "generator", "check", *map(str, REAL_MODELS + extra)]
    for s in SUITES:
        args += ["--suite", str(s)]
    args += ["--lang", "python,java,go", "--failures", str(FAILURES), "--ort-cannot", str(ORT_CANNOT_FILE),
             "--junit", str(junit), "--work", str(tmp_path / "work")]
    t0 = time.monotonic()
    # The Go runner is built with -race: every model's conversions run under the race detector.
    env = {**os.environ, "SDKGEN_CHECK_GO_RACE": "1"}
    r = subprocess.run(args, capture_output=True, text=True, check=False, timeout=2400, env=env)
    wall = time.monotonic() - t0
    cases = len(backend_cases()) + len(REAL_MODELS) + len(extra)
    print(r.stdout[-6000:], r.stderr[-3000:], f"\nsdkgen check, {cases} models x 3 languages: {wall:.0f}s wall",
          sep="\n")
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    m = re.search(r"^CHECK PASSED: (\d+) ok, (\d+) refused by the targets registry, (\d+) expected failures, "
                  r"0 unexpected failures, 0 unexpected passes, (\d+) not checkable", r.stdout, re.MULTILINE)
    assert m, r.stdout[-3000:]
    ok, refused, xfail, ort = map(int, m.groups())
    assert ort == 3 * len(load_ort_cannot())
    assert ok + refused + xfail + ort == 3 * cases
    listed = sum(1 for lang in ("python", "java", "go")
                 for line in (FAILURES / f"{lang}.tsv").read_text().splitlines()
                 if line.strip() and not line.startswith("#"))
    assert xfail == listed  # every listed case was run and failed as expected
    # The Java gaps of check_models.py are really exercised, and only the registry says why.
    assert refused >= 3  # Java: map input, optional and seq(int32) outputs
    assert len(re.findall(r"refused: ", r.stdout)) == refused
    assert r.stdout.rstrip().splitlines()[-1] == f"{3 * cases} passed, 0 failed"
    # The real models' fixtures came from raw Python ORT (sdkgen fixtures), so every SDK must give
    # *identical* outputs there (a plain "ok": max abs error 0), not merely within tolerance.
    rows = {ln.split()[0]: ln.split()[1:] for ln in r.stdout.splitlines() if ln.strip()}
    for p in REAL_MODELS:
        cells = rows[p.parent.name if p.name == "model.onnx" else p.stem]
        assert cells[:3] == ["ok", "ok", "ok"], (p.stem, cells)
    suites = {s.get("name"): s for s in ET.parse(junit).getroot().findall("testsuite")}
    assert set(suites) == {"sdkgen-check.python", "sdkgen-check.java", "sdkgen-check.go"}
    assert all(s.get("tests") == str(cases) and s.get("failures") == "0" for s in suites.values())
    assert sum(int(s.get("skipped") or 0) for s in suites.values()) == refused + xfail + ort
