"""ONNX Runtime is pinned once (generator/versions.py); everything else must agree with it."""

from __future__ import annotations

import json
import subprocess
import tomllib

import onnxruntime
import pytest

from generator import versions

from .paths import REPO


def test_pyproject_pins_the_same_onnxruntime() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"onnxruntime=={versions.ORT_VERSION}" in deps


def test_dev_environment_runs_the_pinned_onnxruntime() -> None:
    assert onnxruntime.__version__ == versions.ORT_VERSION


def test_generated_manifests_use_the_pin() -> None:
    golden = REPO / "tests" / "golden"
    assert f'"onnxruntime=={versions.ORT_VERSION}"' in (golden / "python-logreg/out/pyproject.toml").read_text()
    pom = (golden / "java-logreg/out/pom.xml").read_text()
    assert f"<version>{versions.ORT_VERSION}</version>" in pom or f">{versions.ORT_VERSION}<" in pom
    gomods = list(golden.glob("go-*/out/go.mod"))
    assert gomods
    for gomod in gomods:
        assert f"github.com/yalue/onnxruntime_go {versions.ORT_GO_VERSION}" in gomod.read_text()


@pytest.mark.slow
def test_go_sum_hashes_match_the_go_proxy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = subprocess.run(
        ["go", "mod", "download", "-json", f"github.com/yalue/onnxruntime_go@{versions.ORT_GO_VERSION}"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    info = json.loads(r.stdout)
    assert (info["Sum"], info["GoModSum"]) == versions.ORT_GO_SUMS


@pytest.mark.parametrize(
    ("ir", "opsets", "loads"),
    [
        (versions.ORT_MAX_IR_VERSION, {"": versions.ORT_MAX_OPSETS["ai.onnx"]}, True),
        (versions.ORT_MAX_IR_VERSION + 1, {"": 17}, False),
        (versions.ORT_MAX_IR_VERSION, {"": versions.ORT_MAX_OPSETS["ai.onnx"] + 1}, False),
        (versions.ORT_MAX_IR_VERSION, {"": 17, "ai.onnx.ml": versions.ORT_MAX_OPSETS["ai.onnx.ml"]}, True),
        (versions.ORT_MAX_IR_VERSION, {"": 17, "ai.onnx.ml": versions.ORT_MAX_OPSETS["ai.onnx.ml"] + 1}, False),
    ],
)
def test_what_the_pinned_ort_loads_is_what_versions_says(ir: int, opsets: dict[str, int], loads: bool) -> None:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    m = helper.make_model(g, ir_version=ir, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])
    try:
        ort.InferenceSession(m.SerializeToString())
        ok = True
    except Exception:  # noqa: BLE001
        ok = False
    assert ok is loads
