"""A remote Python SDK against the real server: Triton 2.51 (generator/remote/triton.py) serving
what `sdkgen deploy --triton` writes. Remote outputs equal in-process ones exactly (int64,
float16, strings, symbolic batch/sequence dims, scalars); a mismatched served model, a deadline
and a dead server each give their typed error, and the client works again afterwards."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from generator import deploy, emit, reader, writer
from generator.remote import triton

from .paths import MODELS
from .test_python_remote import load_sdk

pytestmark = pytest.mark.slow


def scalars_model(path: Path) -> Path:
    """Scalars (deploy declares them dims [1] reshaped to []) next to a string and a symbolic dim."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [])
    k = helper.make_tensor_value_info("k", TensorProto.INT64, [])
    s = helper.make_tensor_value_info("s", TensorProto.STRING, ["n"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [])
    t = helper.make_tensor_value_info("t", TensorProto.STRING, ["n"])
    nodes = [helper.make_node("Cast", ["k"], ["kf"], to=TensorProto.FLOAT), helper.make_node("Mul", ["x", "kf"], ["y"]),
             helper.make_node("Identity", ["s"], ["t"])]
    g = helper.make_graph(nodes, "scalars", [x, k, s], [y, t])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), path)
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, triton.Endpoint, Path]]:
    tmp = tmp_path_factory.mktemp("remote-triton")
    paths = [MODELS / "tiny_transformer.onnx", MODELS / "decode_head.onnx", MODELS / "hostile.onnx",
             scalars_model(tmp / "scalars.onnx")]
    sources = []
    for p in paths:
        m, data = reader.read_file(p)
        sources.append(emit.ModelSource(m, data, p.stem))
    writer.write_tree(tmp / "repo", deploy.triton(sources), marker=b"{}\n")
    sdk = load_sdk(tmp / "sdk", [(p, p.stem) for p in paths], "remote_triton_sdk")
    with triton.serve(tmp / "repo") as ep:
        yield sdk, ep, tmp


def _same(a: Any, b: Any) -> None:
    for k, x in a.as_dict().items():
        y = b.as_dict()[k]
        assert x.dtype == y.dtype and x.shape == y.shape, (k, x, y)
        same = x.tolist() == y.tolist() if x.dtype == object else x.tobytes() == y.tobytes()
        assert same, (k, x, y)


def test_remote_equals_in_process(setup: tuple[ModuleType, triton.Endpoint, Path]) -> None:
    sdk, ep, _ = setup
    rng = np.random.default_rng(7)
    with (sdk.TinyTransformer(intra_op_threads=1) as lt, sdk.DecodeHead(intra_op_threads=1) as ld,
          sdk.TinyTransformer.remote(ep.grpc, timeout=60) as rt, sdk.DecodeHead.remote(ep.grpc, timeout=60) as rd):
        assert "grpc" in sys.modules
        for batch, seq in [(1, 1), (2, 5), (3, 7), (8, 16)]:
            ids = rng.integers(0, 64, (batch, seq)).astype(np.int64)
            mask = np.ones((batch, seq), np.int64)
            mask[0, -1] = 0
            a, b = lt.run(input_ids=ids, attention_mask=mask), rt.run(input_ids=ids, attention_mask=mask)
            _same(a, b)
            da, db = ld.run(logits=a.logits), rd.run(logits=b.logits)
            _same(da, db)
            assert db.scores.dtype == np.float16 and db.tokens.dtype == object and db.token_ids.dtype == np.int64


def test_hostile_and_scalars_remote_equal_in_process(setup: tuple[ModuleType, triton.Endpoint, Path]) -> None:
    from generator import fixtures

    sdk, ep, _ = setup
    rng = np.random.default_rng(3)
    hostile = reader.read(MODELS / "hostile.onnx")
    feeds = {v.name: fixtures.synth_value(v.type, rng, {}) for v in hostile.inputs}
    with sdk.Hostile(intra_op_threads=1) as local, sdk.Hostile.remote(ep.grpc) as remote:
        a, b = local.run_dict(feeds), remote.run_dict(feeds)
        assert a.keys() == b.keys()
        for k in a:
            assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape
            assert a[k].tolist() == b[k].tolist()
    with sdk.Scalars() as local, sdk.Scalars.remote(ep.grpc) as remote:
        feeds = {"x": np.array(1.5, np.float32), "k": np.array(-3), "s": np.array(["", "\u00e9", "a\x00b"], dtype=object)}
        _same(local.run(**feeds), remote.run(**feeds))
        assert remote.run(**feeds).y.shape == ()


def test_a_mismatched_server_model_is_a_signature_error(setup: tuple[ModuleType, triton.Endpoint, Path]) -> None:
    sdk, ep, _ = setup
    with pytest.raises(sdk.RemoteSignatureError, match=r'(?s)model "tiny_transformer" at 127\.0\.0\.1:\d+: the served '
                       r'model does not match the SDK: input "logits" is not served;.*regenerate'):
        sdk.DecodeHead.remote(ep.grpc, model_name="tiny_transformer")
    with pytest.raises(sdk.RemoteSignatureError, match=r"NOT_FOUND: Request for unknown model: 'decode_head' version "
                       "7 is not found"):
        sdk.DecodeHead.remote(ep.grpc, model_version="7")


def test_a_deadline_then_the_same_client_works(setup: tuple[ModuleType, triton.Endpoint, Path]) -> None:
    sdk, ep, _ = setup
    with sdk.DecodeHead.remote(ep.grpc, timeout=60) as remote:
        big = np.zeros((8, 4096, 64), np.float32)
        with pytest.raises(sdk.RemoteDeadlineError, match="DEADLINE_EXCEEDED") as e:
            remote.with_options(timeout=0.001).run(logits=big)
        assert e.value.kind == "deadline" and e.value.code == "DEADLINE_EXCEEDED"
        out = remote.run(logits=np.ones((1, 2, 64), np.float32))
        assert out.tokens.shape == (1, 2)


def test_a_dead_server_then_the_same_client_works_again(setup: tuple[ModuleType, triton.Endpoint, Path]) -> None:
    sdk, _, tmp = setup
    repo = tmp / "repo-decode"
    m, data = reader.read_file(MODELS / "decode_head.onnx")
    writer.write_tree(repo, deploy.triton([emit.ModelSource(m, data, "decode_head")]), marker=b"{}\n")
    logits = np.ones((2, 3, 64), np.float32)
    with triton.serve(repo) as ep:
        remote = sdk.DecodeHead.remote(ep.grpc, timeout=30)
        expected = remote.run(logits=logits)
    with pytest.raises(sdk.RemoteUnavailableError, match=r"remote unavailable: .*UNAVAILABLE") as e:
        remote.run(logits=logits)
    assert e.value.kind == "unavailable"
    with pytest.raises(sdk.RemoteUnavailableError):
        sdk.DecodeHead.remote(ep.grpc, timeout=30)
    with triton.serve(repo, grpc_port=int(ep.grpc.rsplit(":", 1)[1])):
        deadline = time.monotonic() + 60
        while True:  # gRPC reconnects with a backoff (at most 10 s)
            try:
                _same(expected, remote.run(logits=logits))
                break
            except sdk.RemoteUnavailableError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    remote.close()
