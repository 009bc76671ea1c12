"""`sdkgen check --remote`: every language's remote client against a real Open Inference Protocol
v2 server (a local Triton, generator/remote/triton.py) on the same fixtures as the in-process run,
each output equal to the fixture and bit-identical to the same language's in-process output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator import fixtures, reader
from generator.check import run as check_run
from generator.check.cases import Case

from .check_models import mixed_io
from .paths import MODELS, ONNX_BACKEND_DATA, ORT_DATASETS
from .test_check import ALL_LANGS, _corrupt_copy, sdkgen

LANGS = ALL_LANGS.split(",")
REMOTE = [check_run.remote_testee(lang) for lang in LANGS]


@pytest.mark.slow
def test_check_remote_real_and_held_out_style_models(tmp_path: Path) -> None:
    conv = ONNX_BACKEND_DATA / "pytorch-converted" / "test_Conv1d"
    bad = _corrupt_copy(conv, tmp_path / "suite" / "test_Conv1d_corrupted")
    models = [MODELS / "tiny_transformer.onnx", MODELS / "decode_head.onnx", mixed_io(tmp_path / "mixed_io.onnx"),
              ORT_DATASETS / "logreg_iris.onnx", conv / "model.onnx", bad / "model.onnx"]
    out = tmp_path / "check.json"
    r = sdkgen("check", *models, "--remote", "--errors", "--lang", ALL_LANGS, "--json", out, "--junit",
               tmp_path / "j.xml", "--work", tmp_path / "work")
    print(r.stdout[-4000:], r.stderr[-3000:])
    assert r.returncode == 1, r.stdout + r.stderr  # the corrupted expected output, and only that
    # (raw ONNX Runtime already disagrees with it: the probe fails it for every testee, remote ones too)
    doc = json.loads(out.read_text())
    assert doc["langs"] == [*LANGS, *REMOTE]
    cells: dict[str, dict[str, Any]] = doc["cases"]
    for case in ("tiny_transformer", "decode_head", "mixed_io", "test_Conv1d"):
        assert {t: c["outcome"] for t, c in cells[case].items()} == dict.fromkeys(doc["langs"], "ok"), case
    # logreg_iris returns a sequence of maps: in process everywhere, refused for the protocol.
    for t in doc["langs"]:
        want = "refused" if t in REMOTE else "ok"
        assert cells["logreg_iris"][t]["outcome"] == want, (t, cells["logreg_iris"][t])
    assert "Open Inference Protocol" in cells["logreg_iris"]["go-remote"]["detail"]
    for t in doc["langs"]:
        got = cells["test_Conv1d_corrupted"][t]
        assert got["outcome"] == "FAIL" and got["short"].startswith("ort-mismatch"), (t, got)
    assert "6 unexpected failures" in r.stdout and "triton: serving 4 model(s)" in r.stderr


def test_remote_and_docker_together_is_a_usage_error(tmp_path: Path) -> None:
    r = sdkgen("check", ORT_DATASETS / "sigmoid.onnx", "--remote", "--docker", "--lang", "python",
               "--work", tmp_path / "w")
    assert r.returncode == 2 and "--remote runs on this host only" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_a_remote_output_that_differs_in_one_bit_from_in_process_fails(tmp_path: Path) -> None:
    model = reader.read(ORT_DATASETS / "mul_1.onnx")  # one float output
    f = model.outputs[0].type
    case = Case(id="m", key="c0", model_path=tmp_path / "m.onnx", model=model,
                sets=[fixtures.DataSet(tmp_path / "test_data_set_0", (), (tmp_path / "exp.pb",))])
    work = tmp_path / "work"
    y = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
    for testee, value in (("go", y), ("go-remote", y)):
        d = work / testee / "out" / "c0" / "test_data_set_0"
        d.mkdir(parents=True)
        fixtures.save_value(d / "output_0.pb", value, f, model.outputs[0].name)
    assert check_run._differs(case, work, "go", "go-remote") == ""
    nudged = y.copy()
    nudged.view(np.uint32)[1, 1] += 1  # one ulp: within every tolerance, yet not the same result
    fixtures.save_value(work / "go-remote" / "out" / "c0" / "test_data_set_0" / "output_0.pb", nudged, f, model.outputs[0].name)
    msg = check_run._differs(case, work, "go", "go-remote")
    assert msg.startswith(f"not bit-identical to go in-process: test_data_set_0 output 0 {model.outputs[0].name!r}"), msg
