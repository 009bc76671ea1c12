"""examples/two_models/python against the pair SDK pip-installed into a fresh venv (the CLI's
default package): the transformer's logits go as they are into the decode head and its token
ids back once; everything equals raw ONNX Runtime on the same inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from .e2e.pyenv import make_venv, pip_install
from .paths import MODELS, REPO

pytestmark = pytest.mark.slow
EXAMPLE = REPO / "examples" / "two_models" / "python" / "main.py"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("py-venv") / "venv")


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
