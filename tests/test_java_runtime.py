"""Java SDK runtime behaviour under Maven: 8-thread concurrency on the transformer, leak check.

Both need a real ORT and a JVM, so they are JUnit tests (tests/java_runtime/*.java) added to
generated modules and run with `mvn verify` (heap capped at 64 MB so RSS growth is native).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import reader
from tests import java_tools as E
from tests import paths
from tests.sdk import emit_model

JAVA = Path(__file__).resolve().parent / "java_runtime"


def _module(work: Path, model: Path, name: str, test: str) -> str:
    m = reader.read(model)
    pkg = f"sdkgen.rt.{name.lower()}"
    files = emit_model(
        "java", m, model.read_bytes(), name, package=pkg, artifact_id=name.lower()
    )
    mod = work / name.lower()
    shutil.rmtree(mod, ignore_errors=True)
    for rel, data in files.items():
        (mod / rel).parent.mkdir(parents=True, exist_ok=True)
        (mod / rel).write_bytes(data)
    shutil.copy(JAVA / test, mod / "src" / "test" / "java" / pkg.replace(".", "/") / test)
    return mod.name


@pytest.mark.slow
def test_concurrency_and_leaks(tmp_path: Path) -> None:
    mods = [
        _module(tmp_path, paths.MODELS / "tiny_transformer.onnx", "Tt", "ConcurrencyTest.java"),
        _module(tmp_path, paths.ORT_DATASETS / "logreg_iris.onnx", "Iris", "LeakTest.java"),
    ]
    E.reactor_pom(tmp_path, mods)
    rc, log, _ = E.run_maven(tmp_path, threads=1, extra=["-DargLine=-Xmx64m"])
    reports = {p.name: p.read_text() for p in tmp_path.glob("*/target/surefire-reports/*.txt")}
    assert rc == 0, log[-4000:] + "\n".join(reports.values())
    assert "sdkgen.rt.tt.ConcurrencyTest.txt" in reports
    assert "sdkgen.rt.iris.LeakTest.txt" in reports
