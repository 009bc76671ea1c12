"""End-to-end: generate Python SDKs, pip-install them into a fresh venv, compare with raw ORT.

Also the two-model example (examples/two_models/python) against the pair SDK in the same venv.

Models: onnxruntime.datasets (logreg_iris has a sklearn ZipMap output), every model of the onnx
wheel's backend data (simple, pytorch-converted, pytorch-operator, light), the torch-exported
transformer with dynamic axes and the hostile-names model. Outputs must be *identical* to raw
ONNX Runtime run with the same session settings on the same inputs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest

from generator import emit, reader, writer

from .e2e.pyenv import make_venv, pip_install
from .e2e.suite import load_ort_cannot
from .paths import MODELS, ORT_DATASETS, REPO, backend_cases, light_models

pytestmark = pytest.mark.slow
E2E = Path(__file__).parent / "e2e"
EXAMPLE = REPO / "examples" / "two_models" / "python" / "main.py"

# Cases raw ONNX Runtime itself cannot load or run here (the SDK cannot do better), with reasons.
# Strict both ways: a listed case that starts working fails the test, so the list never goes stale.
ORT_CANNOT = load_ort_cannot()


def _cases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in sorted(ORT_DATASETS.glob("*.onnx")):
        out.append({"id": f"ort/{p.stem}", "model": p, "datasets": []})
    for d in backend_cases():
        sets = sorted(str(s) for s in d.glob("test_data_set_*"))
        out.append({"id": f"{d.parent.name}/{d.name}", "model": d / "model.onnx", "datasets": sets})
    for p in light_models():
        out.append({"id": f"light/{p.stem}", "model": p, "datasets": []})
    for p in (MODELS / "tiny_transformer.onnx", MODELS / "hostile.onnx"):
        out.append({"id": f"repo/{p.stem}", "model": p, "datasets": []})
    return out


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh venv for the module: the pinned onnxruntime, numpy, onnx, flit_core."""
    return make_venv(tmp_path_factory.mktemp("py-venv") / "venv")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, venv: Path) -> dict[str, dict[str, Any]]:
    work = tmp_path_factory.mktemp("py-e2e")
    t0 = time.monotonic()
    py = venv
    t_venv = time.monotonic()
    manifest = []
    sdk_dirs = []
    for case in _cases():
        package = "sdk_" + re.sub(r"[^a-z0-9]+", "_", case["id"].lower()).strip("_")
        m, data = reader.read_file(case["model"])
        name = case["model"].parent.name if case["model"].name == "model.onnx" else case["model"].stem
        gen = emit.generate("python", [emit.ModelSource(m, data, name)], emit.Options(package=package))
        out = work / "sdks" / package
        writer.write_tree(out, gen.files, marker=b"{}\n")
        sdk_dirs.append(out)
        (mv,) = gen.view.models
        manifest.append(
            {
                "id": case["id"],
                "package": package,
                "class_name": mv.class_name,
                "params": [v.ident for v in mv.inputs],
                "inputs": [v.name for v in mv.inputs],
                "outputs": [v.name for v in mv.outputs],
                "model": str(case["model"]),
                "datasets": case["datasets"],
            }
        )
    t_gen = time.monotonic()
    pip_install(py, *sdk_dirs)
    t_pip = time.monotonic()
    (work / "manifest.json").write_text(json.dumps(manifest))
    r = subprocess.run(
        [str(py), str(E2E / "python_driver.py"), str(work / "manifest.json")],
        capture_output=True, text=True, check=False, cwd=work,
    )
    t_run = time.monotonic()
    assert r.returncode == 0, r.stderr[-3000:]
    res = {j["id"]: j for j in map(json.loads, r.stdout.splitlines())}
    print(
        f"\npython e2e: {len(res)} models; venv {t_venv - t0:.0f}s, generate {t_gen - t_venv:.0f}s, "
        f"pip install {t_pip - t_gen:.0f}s, run {t_run - t_pip:.0f}s"
    )
    return res


def test_every_case_ran(results: dict[str, dict[str, Any]]) -> None:
    assert sorted(results) == sorted(c["id"] for c in _cases())
    assert len(results) >= 154


def test_outputs_equal_raw_ort(results: dict[str, dict[str, Any]]) -> None:
    bad = {k: v for k, v in results.items() if v["status"] != "ok" and k not in ORT_CANNOT}
    assert not bad, "\n".join(f"{k}: {v['status']}: {v.get('detail', '')[:200]}" for k, v in bad.items())


def test_ort_cannot_list_is_exact(results: dict[str, dict[str, Any]]) -> None:
    for case_id in ORT_CANNOT:
        assert results[case_id]["status"] == ORT_CANNOT[case_id][0], (
            f"{case_id}: listed in tests/e2e/ort_cannot.tsv as {ORT_CANNOT[case_id][0]}, "
            f"but got {results[case_id]['status']}: fix the list"
        )


def test_backend_cases_used_their_data_sets(results: dict[str, dict[str, Any]]) -> None:
    for case in _cases():
        r = results[case["id"]]
        if r["status"] == "ok":
            assert r["sets"] == max(1, len(case["datasets"])), case["id"]


def test_close_to_onnx_reference_outputs(results: dict[str, dict[str, Any]]) -> None:
    # The backend data's expected outputs come from other runtimes; allow float noise only.
    far = {k: v["max_abs_vs_expected"] for k, v in results.items() if v["status"] == "ok" and v["max_abs_vs_expected"] > 1e-3}
    assert not far, far


def test_two_models_one_sdk_example(tmp_path: Path, venv: Path) -> None:
    """examples/two_models/python against the pip-installed pair SDK (the CLI's default package):
    the transformer's logits go as they are into the decode head and its token ids back once;
    everything equals raw ONNX Runtime on the same inputs."""
    out = tmp_path / "pair-python"
    r = subprocess.run(
        [sys.executable, "-m", "generator", str(MODELS / "tiny_transformer.onnx"), str(MODELS / "decode_head.onnx"),
         "--lang", "python", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert r.returncode == 0, r.stderr
    pip_install(venv, out)
    r = subprocess.run(
        [str(venv), str(EXAMPLE), "--json"], capture_output=True, text=True, check=False, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("SDKGEN_")},
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    tf = ort.InferenceSession(str(MODELS / "tiny_transformer.onnx"), so, providers=["CPUExecutionProvider"])
    head = ort.InferenceSession(str(MODELS / "decode_head.onnx"), so, providers=["CPUExecutionProvider"])
    ids = (np.arange(10, dtype=np.int64).reshape(2, 5) * 7) % 64
    mask = np.ones((2, 5), np.int64)
    (logits,) = tf.run(None, {"input_ids": ids, "attention_mask": mask})
    token_ids, scores, tokens = head.run(None, {"logits": logits})
    (again,) = tf.run(None, {"input_ids": token_ids, "attention_mask": mask})
    assert got["token_ids"] == token_ids.tolist()
    assert got["scores"] == scores.astype(float).tolist()
    assert got["tokens"] == tokens.tolist()
    assert np.array_equal(np.array(got["logits_again"], np.float32), again)
    assert got["error"] == 'input "logits": dim: expected dim 2 = 64, got 32 (shape [2,5,32])'
