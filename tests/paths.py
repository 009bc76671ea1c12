"""Where the test models live: this repo, the onnxruntime wheel, the onnx wheel."""

from __future__ import annotations

from pathlib import Path

import onnx
import onnxruntime

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "tests" / "models"
ORT_DATASETS = Path(onnxruntime.__file__).parent / "datasets"
ONNX_BACKEND_DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
BACKEND_SUITES = ("simple", "pytorch-converted", "pytorch-operator", "light")


def resolve_model(ref: str) -> Path:
    """``ort:NAME`` (onnxruntime.datasets), ``onnx:SUITE/CASE`` (backend data) or a repo path."""
    if ref.startswith("ort:"):
        return ORT_DATASETS / ref[4:]
    if ref.startswith("onnx:"):
        return ONNX_BACKEND_DATA / ref[5:] / "model.onnx"
    return REPO / ref


def backend_cases() -> list[Path]:
    """Every case directory of the onnx wheel's backend data we cover (model.onnx + test_data_set_*)."""
    out = []
    for suite in BACKEND_SUITES:
        out.extend(sorted(p for p in (ONNX_BACKEND_DATA / suite).iterdir() if (p / "model.onnx").is_file()))
    return out


def light_models() -> list[Path]:
    """The backend data's ``light`` suite: real CNNs (light weights) with no input data sets."""
    return sorted((ONNX_BACKEND_DATA / "light").glob("light_*.onnx"))
