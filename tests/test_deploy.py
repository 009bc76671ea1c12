"""`sdkgen deploy`: Triton repositories and KServe manifests from the signature (goldens in
tests/golden/deploy-*; the repository is loaded by a real Triton in the remote tests)."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
import yaml
from google.protobuf import text_format
from onnx import TensorProto, helper

from generator import deploy

from .paths import MODELS
from .test_cli import sdkgen


@pytest.mark.parametrize("name", ["x", 'q"uote\\back', "new\nline", "\u00fcber\u2028\u65e5", "\x00\x7f\x1b[31m", "*/ #"])
def test_text_literals_round_trip_through_protobufs_text_parser(name: str) -> None:
    lit = deploy.text_literal(name)
    assert lit.isascii() and "\n" not in lit
    t = text_format.Parse(f"name: {lit}", TensorProto())
    assert t.name == name


def test_names_for_triton_and_kubernetes() -> None:
    assert deploy.model_name("tiny transformer/../x") == "tiny_transformer_.._x"
    assert deploy.model_name("日本") == "model"
    assert deploy.k8s_name("Tiny_Transformer") == "tiny-transformer"
    assert deploy.k8s_name("0abc") == "m-0abc"


def test_threads_follow_the_container_rule() -> None:
    assert deploy.threads_for(None) == (0, 0)
    assert deploy.threads_for(0.5) == (1, 1)
    assert deploy.threads_for(2.7) == (2, 1)


def test_cli_writes_both_and_refuses_what_oip_cannot_carry(tmp_path: Path) -> None:
    r = sdkgen("deploy", str(MODELS / "decode_head.onnx"), "--triton", str(tmp_path / "repo"), "--kserve",
               str(tmp_path / "isvc.yaml"), "--cpus", "1.5")
    assert r.returncode == 0, r.stderr
    cfg = (tmp_path / "repo" / "decode_head" / "config.pbtxt").read_text()
    assert 'name: "decode_head"' in cfg and "TYPE_FP16" in cfg and "TYPE_STRING" in cfg and "max_batch_size: 8" in cfg
    assert 'string_value: "1"' in cfg
    assert (tmp_path / "repo" / "decode_head" / "1" / "model.onnx").read_bytes() == (MODELS / "decode_head.onnx").read_bytes()
    (doc,) = [d for d in yaml.safe_load_all((tmp_path / "isvc.yaml").read_text()) if d]
    assert doc["kind"] == "InferenceService" and doc["spec"]["predictor"]["model"]["protocolVersion"] == "v2"
    assert doc["spec"]["predictor"]["model"]["resources"]["limits"]["cpu"] == "1.5"

    seq = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    g = helper.make_graph([helper.make_node("SequenceConstruct", ["x"], ["s"])], "g", [x], [seq])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), tmp_path / "seq.onnx")
    r = sdkgen("deploy", str(tmp_path / "seq.onnx"), "--triton", str(tmp_path / "r2"))
    assert r.returncode == 2 and "cannot carry sequence outputs" in r.stderr and "Open Inference Protocol" in r.stderr
    r = sdkgen("deploy", str(MODELS / "hostile.onnx"), "--triton", str(tmp_path / "r3"), "--max-batch-size", "4")
    assert r.returncode == 2 and "no batch dim every input and output shares" in r.stderr
    r = sdkgen("deploy", str(MODELS / "decode_head.onnx"))
    assert r.returncode == 2 and "give --triton DIR and/or --kserve FILE" in r.stderr


def test_remote_sdks_refuse_what_the_protocol_cannot_carry(tmp_path: Path) -> None:
    from .paths import ORT_DATASETS

    r = sdkgen(str(ORT_DATASETS / "logreg_iris.onnx"), "--lang", "go", "--remote", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "--remote: model 'logreg_iris' cannot be served over the Open Inference" in r.stderr
    assert "cannot carry sequence outputs" in r.stderr and not (tmp_path / "o").exists()
