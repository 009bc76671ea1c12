"""The two-model Go program (examples/two_models/go): the SDK its sdkgen.yaml describes is
generated, vetted and its own tests pass; the program passes the transformer's logits to the
decode head as they are and its token ids back to the transformer, and prints what raw
Python ONNX Runtime computes on the same inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from generator import emit, project
from generator.emit.go import SdkView
from tests.go_tools import go
from tests.paths import MODELS, REPO

EXAMPLE = REPO / "examples" / "two_models" / "go"


def session(name: str) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(str(MODELS / name), so, providers=["CPUExecutionProvider"])


@pytest.mark.slow
def test_two_models_program(tmp_path: Path) -> None:
    proj = project.load_config(EXAMPLE / "sdkgen.yaml")
    (sdk,) = proj.sdks
    assert sdk.lang == "go" and Path(sdk.out) == EXAMPLE / "sdk"
    gen = emit.generate("go", [x.source for x in project.read_models(proj.models)], sdk.opts)
    assert isinstance(gen.view, SdkView)
    assert [m.import_path for m in gen.view.models] == [
        "example.com/twomodels/sdk/tinytransformer", "example.com/twomodels/sdk/decodehead"]
    work = tmp_path / "example"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("sdk"))
    for rel, data in gen.files.items():
        (work / "sdk" / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / "sdk" / rel).write_bytes(data)

    env = {"SDKGEN_INTRA_OP_THREADS": "1", "GOFLAGS": "-buildvcs=false"}
    for args in (["vet", "./..."], ["test", "-count=1", "./..."]):  # the pair SDK's own checks
        r = go(args, work / "sdk", **env)
        assert r.returncode == 0, f"go {args[0]} in the pair SDK: {r.stdout}{r.stderr}"
    r = go(["vet", "."], work, **env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = go(["run", "."], work, **env)
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads(r.stdout)

    ids = np.array(got["input_ids"]["Data"], np.int64).reshape(got["input_ids"]["Shape"])
    mask = np.array(got["mask"]["Data"], np.int64).reshape(got["mask"]["Shape"])
    assert ids.shape == (2, 4)
    tt, dh = session("tiny_transformer.onnx"), session("decode_head.onnx")
    (logits,) = tt.run(None, {"input_ids": ids, "attention_mask": mask})
    token_ids, scores, tokens = dh.run(None, {"logits": logits})
    (again,) = tt.run(None, {"input_ids": token_ids, "attention_mask": mask})

    assert got["token_ids"]["Shape"] == [2, 4] and got["token_ids"]["Data"] == token_ids.ravel().tolist()
    assert got["tokens"]["Data"] == [str(t) for t in tokens.ravel()]
    # float16 scores, printed as float32 (exact): the same bits as ORT's
    assert np.array_equal(np.array(got["scores"], np.float32).astype(np.float16), scores.ravel())
    assert got["again_logits"]["Shape"] == list(again.shape)
    np.testing.assert_allclose(np.array(got["again_logits"]["Data"], np.float32).reshape(again.shape), again,
                               rtol=1e-5, atol=1e-6)
