"""A generated Go SDK under `go vet` and `go test -race`: its own test plus the generated API
over the runtime (options, config, typed errors, concurrent Runs), and the --model-path mode.
The runtime's own behaviour (thread rule vs the shared cgroup fixtures, library lookup,
cancellation, leaks) is tested where it lives: tests/test_runtime_go.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.go_tools import ORT_LIB, go
from tests.paths import MODELS, REPO
from tests.sdk import emit_file

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


def _external_data_model(d: Path) -> tuple[Path, str]:
    """d/model.onnx with its weight in d/weights.bin; the output Raw ORT gives for x = [1,2,3,4]."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.array([10, 20, 30, 40], dtype=np.float32), "w")
    g = helper.make_graph([helper.make_node("Mul", ["x", "w"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], initializer=[w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    d.mkdir(parents=True)
    onnx.save_model(m, str(d / "model.onnx"), save_as_external_data=True, location="weights.bin",
                    size_threshold=0)
    assert (d / "weights.bin").is_file()
    (y,) = ort.InferenceSession(str(d / "model.onnx")).run(None, {"x": np.array([1, 2, 3, 4], np.float32)})
    return d / "model.onnx", "[" + " ".join(f"{v:g}" for v in y) + "]"


@pytest.mark.slow
@pytest.mark.parametrize("embed", [True, False], ids=["embedded", "model-path"])
def test_external_data_from_another_directory(tmp_path: Path, embed: bool) -> None:
    """Issue 10, items 3 and 4: the weights come from next to the model (or the embedded copy),
    never from a weights.bin in the process's current directory."""
    from generator import emit, project

    model, want = _external_data_model(tmp_path / "model")
    foreign = tmp_path / "elsewhere"
    foreign.mkdir()
    (foreign / "weights.bin").write_bytes((tmp_path / "model" / "weights.bin").read_bytes()[::-1])
    (loaded,) = project.read_models(project.model_entries([str(model)], "ext", embed=embed))
    files = emit.emit("go", [loaded.source], emit.Options(module="sdkgen.test/ext"))
    assert ("model.onnx" in files) == embed
    sdk = tmp_path / "sdk"
    write(sdk, files)
    src = (REPO / "integration" / "go" / "extdata" / "extdata_test.go.in").read_text()
    (sdk / "extdata_test.go").write_text(src.replace("package PKG", "package ext", 1))
    res = go(["test", "-count=1", "-v", "-run", "TestExternalDataFromAnotherDirectory", "."], sdk,
             GOFLAGS="-mod=mod -buildvcs=false", SDKGEN_FOREIGN_DIR=str(foreign), SDKGEN_WANT=want,
             SDKGEN_MODEL_PATH="" if embed else str(model))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "--- PASS: TestExternalDataFromAnotherDirectory " in res.stdout
