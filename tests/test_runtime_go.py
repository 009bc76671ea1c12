"""The Go runtime (runtime/go, the package every Go SDK copies as internal/ortrt), where it lives:
its pins agree with generator/versions.py; gofmt, go vet and its unit tests under -race (thread
rule vs tests/fixtures/cgroup, library lookup and initialisation, sessions, two models, input
errors as docs/errors.md words them, edge values and adapted models (runtime/go/testdata),
concurrency, cancellation, Close during Runs, leaks)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import runtime_src, versions

from .paths import REPO

RUNTIME = REPO / "runtime" / "go"


def test_pins_agree_with_versions() -> None:
    gomod = (RUNTIME / "go.mod").read_text()
    assert f"\ngo {versions.GO_VERSION}\n" in gomod
    assert f"require github.com/yalue/onnxruntime_go {versions.ORT_GO_VERSION}\n" in gomod
    h, mod = versions.ORT_GO_SUMS
    assert (RUNTIME / "go.sum").read_text().split() == [
        "github.com/yalue/onnxruntime_go", versions.ORT_GO_VERSION, h,
        "github.com/yalue/onnxruntime_go", f"{versions.ORT_GO_VERSION}/go.mod", mod]
    assert f'const ORTVersion = "{versions.ORT_VERSION}"' in (RUNTIME / "library.go").read_text()


def test_shipped_files() -> None:
    shipped = runtime_src.files("go")
    assert set(shipped) == {p.name for p in RUNTIME.glob("*.go") if not p.name.endswith("_test.go")}
    for name, data in shipped.items():
        src = data.decode()
        assert src.isascii(), name
        assert re.search(r"^package ortrt$", src, re.MULTILINE), name
        assert "sdkgen.local/ortrt" not in src, f"{name}: the runtime must not import its own module path"


@pytest.mark.slow
def test_gofmt_vet_and_race_tests() -> None:
    from .go_tools import go

    gofmt = shutil.which("gofmt") or "/usr/local/go/bin/gofmt"
    fmt = subprocess.run([gofmt, "-l", "."], cwd=RUNTIME, capture_output=True, text=True, check=False)
    assert fmt.returncode == 0 and fmt.stdout == "", f"not gofmt-clean: {fmt.stdout}{fmt.stderr}"
    t0 = time.monotonic()
    vet = go(["vet", "./..."], RUNTIME)
    assert vet.returncode == 0, vet.stdout + vet.stderr
    env = {"SDKGEN_TEST_VENV": str(Path(sys.prefix)), "SDKGEN_INTRA_OP_THREADS": "",
           "SDKGEN_CGROUP_FIXTURES": str(REPO / "tests" / "fixtures" / "cgroup")}
    res = go(["test", "-race", "-count=1", "-v", "./..."], RUNTIME, **env)
    print(f"\nruntime/go: go vet + go test -race {time.monotonic() - t0:.1f}s")
    print("\n".join(ln for ln in res.stdout.splitlines() if "RSS" in ln or "cancelled after" in ln))
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]
    for name in ["TestCgroupFixtures", "TestOverrides", "TestLibraryLookup", "TestEnvironmentRetriesAfterAFailure",
                 "TestEnvironmentOfAnotherPackage", "TestTwoModels", "TestInputErrors", "TestConcurrentRuns",
                 "TestCloseWaitsForRuns", "TestCancelStopsInference", "TestNoLeaks", "TestModelPath",
                 "TestZeroInputs", "TestEdgeValues", "TestEmptyFloat16", "TestAdaptedScalars", "TestQuote",
                 "TestEmptySequence", "TestSequenceOfScalarsOutput", "TestOptionals"]:
        assert f"--- PASS: {name} " in res.stdout, f"{name} did not pass:\n{res.stdout[-3000:]}"
    assert "--- SKIP" not in res.stdout, res.stdout[-3000:]

