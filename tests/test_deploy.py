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


@pytest.mark.slow
def test_deploy_output_loads_and_serves_in_triton(tmp_path: Path) -> None:
    """What `sdkgen deploy --triton` writes for tiny_transformer + decode_head + hostile loads in the
    real server (the local Triton of generator/remote/triton.py): ModelMetadata reports each
    model's signature (batched models with the batch dim as -1 in front) and one inference per
    model equals raw ONNX Runtime's outputs bit for bit."""
    import grpc
    import numpy as np

    from generator import emit, fixtures, ir, reader, targets
    from generator.remote import triton

    from . import oip

    paths = [MODELS / f"{n}.onnx" for n in ("tiny_transformer", "decode_head", "hostile")]
    loaded = [reader.read_file(p) for p in paths]
    sources = [emit.ModelSource(m, data, p.stem) for p, (m, data) in zip(paths, loaded)]
    r = sdkgen("deploy", *map(str, paths), "--triton", str(tmp_path / "repo"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "repo" / "tiny_transformer" / "config.pbtxt").read_bytes() == \
        deploy.triton(sources)["tiny_transformer/config.pbtxt"]
    pb, pbg = oip.load(tmp_path / "stubs")
    rng = np.random.default_rng(3)
    with triton.serve(tmp_path / "repo") as ep, grpc.insecure_channel(ep.grpc) as channel:
        stub = pbg.GRPCInferenceServiceStub(channel)
        assert stub.ServerLive(pb.ServerLiveRequest(), timeout=10).live
        for src, path in zip(sources, paths):
            m, name = src.model, deploy.model_name(src.name)
            batched = deploy.view(src, max_batch=None, cpus=None, storage_uri="").max_batch_size > 0
            md = stub.ModelMetadata(pb.ModelMetadataRequest(name=name), timeout=10)

            def sig(values: tuple[ir.Value, ...]) -> list[tuple[str, str, list[int]]]:
                out = []
                for v in values:
                    assert isinstance(v.type, ir.TensorType) and v.type.shape is not None
                    dims = [d.value if d.value is not None else -1 for d in v.type.shape]
                    out.append((v.name, targets.OIP_DATATYPES[v.type.elem], dims))
                return out

            got_in = [(t.name, t.datatype, list(t.shape)) for t in md.inputs]
            got_out = [(t.name, t.datatype, list(t.shape)) for t in md.outputs]
            assert sorted(got_in) == sorted(sig(m.inputs)), name
            assert sorted(got_out) == sorted(sig(m.outputs)), name
            assert batched == (name != "hostile")

            feeds = [fixtures.synth_value(v.type, rng, {"batch": 3, "sequence": 5}) for v in m.inputs]
            req = pb.ModelInferRequest(model_name=name)
            for v, x in zip(m.inputs, feeds):
                assert isinstance(v.type, ir.TensorType)
                dt = targets.OIP_DATATYPES[v.type.elem]
                req.inputs.add(name=v.name, datatype=dt, shape=list(x.shape))
                req.raw_input_contents.append(oip.encode(dt, x))
            resp = stub.ModelInfer(req, timeout=60)
            got = {o.name: oip.decode(o.datatype, raw, list(o.shape))
                   for o, raw in zip(resp.outputs, resp.raw_output_contents)}
            want = fixtures.reference_session(path).run(None, {v.name: x for v, x in zip(m.inputs, feeds)})
            for v, w in zip(m.outputs, want):
                g = got[v.name]
                assert g.shape == w.shape and g.dtype == w.dtype and np.array_equal(g, w), (name, v.name)


def test_a_scalar_is_declared_as_dims_1_without_reshape(tmp_path: Path) -> None:
    """Triton refuses an empty reshape without batching ("scalar tensors are not supported"); its
    onnxruntime backend takes a model's scalar declared as dims [1] (the remote tests serve one)."""
    from generator import emit, reader

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [])
    g = helper.make_graph([helper.make_node("Neg", ["x"], ["y"])], "g", [x], [y])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), tmp_path / "s.onnx")
    m, data = reader.read_file(tmp_path / "s.onnx")
    cfg = deploy.triton([emit.ModelSource(m, data, "s")])["s/config.pbtxt"].decode()
    assert cfg.count("dims: [ 1 ]") == 2 and "reshape" not in cfg and "max_batch_size: 0" in cfg
