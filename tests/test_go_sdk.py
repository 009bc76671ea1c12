"""A generated Go SDK under `go vet` and `go test -race`: its own test plus the generated API
over the runtime (options, config, typed errors, concurrent Runs), and the --model-path mode.
The runtime's own behaviour (thread rule vs the shared cgroup fixtures, library lookup,
cancellation, leaks) is tested where it lives: tests/test_runtime_go.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.paths import MODELS, REPO
from tests.sdk import emit_file
from tests.test_go_e2e import ORT_LIB, go

SDKTESTS = REPO / "integration" / "go" / "sdktests"


def write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


@pytest.mark.slow
def test_transformer_sdk_vet_and_race(tmp_path: Path) -> None:
    path = MODELS / "tiny_transformer.onnx"
    files = emit_file("go", path, "tiny transformer", module="sdkgen.test/tt")
    write(tmp_path, files)
    pkg = "tinytransformer"
    for src in sorted(SDKTESTS.glob("*_test.go.in")):
        text = src.read_text().replace("package PKG", f"package {pkg}", 1)
        (tmp_path / src.name.removesuffix(".in")).write_text(text)
    env = {"GOFLAGS": "-mod=mod -buildvcs=false"}
    t0 = time.monotonic()
    vet = go(["vet", "./..."], tmp_path, **env)
    assert vet.returncode == 0, vet.stdout + vet.stderr
    res = go(["test", "-race", "-count=1", "-v", "./..."], tmp_path, SDKGEN_INTRA_OP_THREADS="", **env)
    print(f"\ngo vet + go test -race: {time.monotonic() - t0:.1f}s")
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]
    for name in ["TestModel", "TestGeneratedAPI", "TestConcurrentRuns"]:
        assert f"--- PASS: {name} " in res.stdout, f"{name} did not pass:\n{res.stdout[-3000:]}"
    assert ORT_LIB.is_file()


@pytest.mark.slow
def test_model_path_mode_and_drift_check(tmp_path: Path) -> None:
    from tests.paths import ORT_DATASETS

    path = ORT_DATASETS / "mul_1.onnx"
    files = emit_file("go", path, "mul", module="sdkgen.test/mul", embed=False)
    assert "model.onnx" not in files
    write(tmp_path, files)
    src = (REPO / "integration" / "go" / "modelpath" / "modelpath_test.go.in").read_text()
    (tmp_path / "modelpath_test.go").write_text(src.replace("package PKG", "package mul", 1))
    res = go(["test", "-count=1", "-v", "./..."], tmp_path, GOFLAGS="-mod=mod -buildvcs=false",
             SDKGEN_MODEL=str(path), SDKGEN_MODEL_PATH=str(path), SDKGEN_OTHER_MODEL=str(ORT_DATASETS / "sigmoid.onnx"))
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "--- PASS: TestModelPath " in res.stdout
