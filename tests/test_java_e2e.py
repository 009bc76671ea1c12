"""Java SDK end to end: generate, `mvn verify` in one reactor, compare outputs with raw Python ORT.

Covers the onnxruntime datasets (incl. the ZipMap model), the hostile-name model, the
torch-exported transformer with dynamic axes, and every case of the onnx wheel's backend
data (simple, pytorch-converted, pytorch-operator, light). ~150 modules build in one Maven
reactor (about 10 minutes on 2 cores); run with `pytest -m slow tests/test_java_e2e.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import java_e2e as E
from tests import paths
from tests.e2e.suite import load_ort_cannot

# Cases raw Python ORT cannot load or run: nothing to compare against. The list (with reasons)
# is shared by every SDK's e2e and strict both ways (a listed case that now loads fails the test).
ORT_CANNOT_RUN = set(load_ort_cannot())


def _all_cases() -> list[E.Case]:
    cases = [
        E.Case(f"ort:{m}", paths.ORT_DATASETS / f"{m}.onnx") for m in ("logreg_iris", "mul_1", "sigmoid")
    ]
    cases += [E.Case(f"repo:{m}", paths.MODELS / f"{m}.onnx") for m in ("hostile", "tiny_transformer")]
    for suite in paths.BACKEND_SUITES:
        d = paths.ONNX_BACKEND_DATA / suite
        for p in sorted(d.iterdir()):
            if (p / "model.onnx").is_file():
                cases.append(E.Case(f"{suite}/{p.name}", p / "model.onnx"))
            elif p.suffix == ".onnx":
                cases.append(E.Case(f"{suite}/{p.stem}", p))
    return cases


CASES = _all_cases()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, E.Case]:
    work = Path(os.environ.get("SDKGEN_JAVA_E2E_WORK") or tmp_path_factory.mktemp("java-e2e"))
    work.mkdir(parents=True, exist_ok=True)
    for i, c in enumerate(CASES):
        E.prepare(c, work, i)
    mods = [c.module.name for c in CASES if c.error is None]
    E.reactor_pom(work, mods)
    rc, log, secs = E.run_maven(work, threads=2)
    (work / "mvn.log").write_text(log)
    print(f"\njava e2e: {len(mods)} modules, mvn verify {secs:.0f}s, exit {rc} (log: {work / 'mvn.log'})")
    return {c.key: c for c in CASES}


@pytest.mark.slow
@pytest.mark.parametrize("key", [c.key for c in CASES])
def test_java_sdk_matches_raw_ort(built: dict[str, E.Case], key: str) -> None:
    c = built[key]
    if key in ORT_CANNOT_RUN:
        assert c.error is not None and c.error.startswith("python-ort:"), f"{key} now runs in ORT: unlist it"
        return
    assert c.error is None, c.error
    reports = list((c.module / "target" / "surefire-reports").glob("*.txt"))
    summary = "\n".join(r.read_text() for r in reports)
    assert len(reports) == 2, f"{key}: surefire did not run both test classes:\n{summary}"
    assert "FAILURE" not in summary, summary
    for j, expected in enumerate(c.expected):
        actual = E.read_output(c.data / f"out_{j}.bin")
        E.compare(expected, actual, f"{key} output {j}")
