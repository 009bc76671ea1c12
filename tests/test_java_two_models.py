"""Two models, one Java SDK, one process: examples/two_models/java/run.sh generates the SDK for the
transformer and the decode head, runs its generated tests (`mvn verify`), then TwoModels.java feeds
the transformer's logits output object as is to the decode head and the decoded token ids back to
the transformer. Every printed value must equal raw Python ONNX Runtime's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from tests.paths import MODELS, REPO

RUN = REPO / "examples" / "two_models" / "java" / "run.sh"


def _reference() -> list[dict[str, object]]:
    tt = ort.InferenceSession(str(MODELS / "tiny_transformer.onnx"), providers=["CPUExecutionProvider"])
    head = ort.InferenceSession(str(MODELS / "decode_head.onnx"), providers=["CPUExecutionProvider"])
    ids = np.array([1, 5, 9, 2, 7, 3], np.int64).reshape(2, 3)
    mask = np.array([1, 1, 1, 1, 1, 0], np.int64).reshape(2, 3)
    rounds = []
    for _ in range(2):
        (logits,) = tt.run(["logits"], {"input_ids": ids, "attention_mask": mask})
        token_ids, scores, tokens = head.run(None, {"logits": logits})
        rounds.append({"token_ids": token_ids.reshape(-1).tolist(), "shape": list(token_ids.shape),
                       "scores": scores.astype(np.float32).reshape(-1).tolist(),
                       "tokens": tokens.reshape(-1).tolist()})
        ids = token_ids
    return rounds


@pytest.mark.slow
def test_two_models_in_one_sdk_match_raw_ort(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON": sys.executable}
    env = {k: v for k, v in env.items() if not k.startswith("SDKGEN_")}
    r = subprocess.run(["bash", str(RUN), str(tmp_path)], capture_output=True, text=True, env=env, check=False,
                       timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-6000:]
    reports = sorted(p.name for p in (tmp_path / "sdk" / "target" / "surefire-reports").glob("*.txt"))
    assert reports == ["sdkgen.models.DecodeHeadTest.txt", "sdkgen.models.TinyTransformerTest.txt"], reports
    got = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    want = _reference()
    assert len(got) == 2
    for g, w in zip(got, want):
        assert g["token_ids"] == w["token_ids"] and g["shape"] == w["shape"] and g["tokens"] == w["tokens"]
        assert np.array_equal(np.float32(g["scores"]), np.float32(w["scores"]))
