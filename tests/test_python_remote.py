"""The Python SDK's remote backend (--remote): generation (stubs, requirements, names), and the
client against an in-process fake OIP v2 server (fast: every error kind, metadata, TLS,
concurrency, close, reconnect); tests/test_python_remote_triton.py runs it against Triton."""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from generator import emit, ir, reader, targets, writer
from generator.emit.python import OIP_PACKAGE, REMOTE_RUNTIME
from generator.remote import stubs

from . import oip
from .paths import MODELS

# --- generation ------------------------------------------------------------------------------------


def _sources(*names: str) -> list[emit.ModelSource]:
    out = []
    for n in names:
        m, data = reader.read_file(MODELS / f"{n}.onnx")
        out.append(emit.ModelSource(m, data, n))
    return out


def test_in_process_sdks_are_unchanged_by_the_remote_backend() -> None:
    """remote=False: no remote runtime, no stubs, no gRPC requirement, no remote names."""
    g = emit.generate("python", _sources("tiny_transformer"), emit.Options())
    assert not [f for f in g.files if "/remote/" in f or "_oip" in f]
    text = b"".join(g.files[f] for f in g.files if not f.endswith(".onnx")).decode()
    assert "grpc" not in text and "protobuf" not in text and "Remote" not in text and "SERVED_NAME" not in text


def test_remote_sdks_get_the_stubs_the_remote_runtime_and_grpc() -> None:
    g = emit.generate("python", _sources("tiny_transformer", "decode_head"), emit.Options(remote=True))
    pkg = g.view.package
    oip_dir = f"src/{pkg}/_runtime/{REMOTE_RUNTIME}{OIP_PACKAGE}"
    for name, data in stubs.python().items():
        assert g.files[f"{oip_dir}/{name}"] == data and f"{oip_dir}/{name}" in g.runtime
    assert f"src/{pkg}/_runtime/remote/client.py" in g.runtime
    pyproject = g.files["pyproject.toml"].decode()
    assert '"grpcio>=1.85.1,<2"' in pyproject and '"protobuf>=7.35.1,<8"' in pyproject
    assert f'extend-exclude = ["src/{pkg}/_runtime/remote/_oip"]' in pyproject
    init = g.files[f"src/{pkg}/__init__.py"].decode()
    assert "from ._runtime.remote import (" in init and '"RemoteError",' in init and '"TLS",' in init
    assert 'SERVED_NAME = "decode_head"' in g.files[f"src/{pkg}/_decode_head.py"].decode()
    assert emit.generate("python", _sources("tiny_transformer"), emit.Options(remote=True)).files == \
        emit.generate("python", _sources("tiny_transformer"), emit.Options(remote=True)).files


def test_stub_rewrites() -> None:
    s = stubs.python()
    pb2, grpc_py = s[stubs.PB2].decode(), s[stubs.PB2_GRPC].decode()
    assert "_descriptor_pool.DescriptorPool().AddSerializedFile(" in pb2 and ".Default().AddSerialized" not in pb2
    assert "from . import grpc_predict_v2_pb2 as grpc__predict__v2__pb2" in grpc_py
    assert "ValidateProtobufRuntimeVersion(\n    _runtime_version.Domain.PUBLIC,\n    7,\n    35,\n    1," in pb2
    assert "GRPC_GENERATED_VERSION = '1.85.1'" in grpc_py


def test_generation_needs_the_pinned_grpcio_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from generator.errors import UserError

    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda d: "1.70.0" if d == "grpcio-tools" else real(d))
    stubs.python.cache_clear()
    try:
        with pytest.raises(UserError, match=r"grpcio-tools==1\.85\.1 \(found 1\.70\.0\): pip install"):
            stubs.python()
    finally:
        stubs.python.cache_clear()


def test_remote_names_are_taken_only_in_remote_sdks() -> None:
    m, data = reader.read_file(MODELS / "decode_head.onnx")
    names = ["remote error", "TLS", "self", "decode_head"]
    srcs = [emit.ModelSource(m, data, n) for n in names]
    local = emit.generate("python", srcs, emit.Options(package="p")).view
    remote = emit.generate("python", srcs, emit.Options(package="p", remote=True)).view
    assert [x.class_name for x in local.models] == ["RemoteError", "Tls", "Self", "DecodeHead"]
    assert [x.class_name for x in remote.models] == ["RemoteError_", "Tls", "Self_", "DecodeHead"]
    from generator.errors import UserError

    with pytest.raises(UserError, match="would shadow the 'grpc' module of grpcio"):
        emit.generate("python", srcs[:1], emit.Options(package="grpc", remote=True))
    assert emit.generate("python", [emit.ModelSource(m, data, "grpc")], emit.Options(remote=True)).view.package == \
        "grpc_"
    assert emit.generate("python", [emit.ModelSource(m, data, "grpc")], emit.Options()).view.package == "grpc"


def test_models_the_protocol_cannot_carry_are_refused() -> None:
    from generator.errors import UnsupportedModel

    from .paths import ORT_DATASETS

    m, data = reader.read_file(ORT_DATASETS / "logreg_iris.onnx")
    with pytest.raises(UnsupportedModel, match="cannot be served over the Open Inference Protocol v2"):
        emit.generate("python", [emit.ModelSource(m, data, "iris")], emit.Options(remote=True))


# --- an SDK for the client tests -------------------------------------------------------------------

# y_<x> = Identity(x) for one input of each kind the wire carries differently.
ECHO_INPUTS = [
    ("floats", TensorProto.FLOAT, ["batch", 3]),
    ("halves", TensorProto.FLOAT16, ["batch"]),
    ("longs", TensorProto.INT64, [2]),
    ("flag", TensorProto.BOOL, ["batch"]),
    ("text", TensorProto.STRING, ["batch"]),
    ("scalar", TensorProto.FLOAT, []),
]
# bfloat16 (an ml_dtypes array in Python) in a model of its own: the in-process Python SDK carries
# a bfloat16 output only with numeric inputs.
BF16_INPUTS = [("brains", TensorProto.BFLOAT16, ["n", 2]), ("unsigned", TensorProto.UINT64, ["n"])]


def echo_model(path: Path, inputs: list[tuple[str, int, list[Any]]] = ECHO_INPUTS) -> Path:
    ins = [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs]
    outs = [helper.make_tensor_value_info(f"y_{n}", t, s) for n, t, s in inputs]
    nodes = [helper.make_node("Identity", [n], [f"y_{n}"]) for n, _, _ in inputs]
    g = helper.make_graph(nodes, "echo", ins, outs)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), path)
    return path


def load_sdk(root: Path, models: list[tuple[Path, str]], package: str) -> ModuleType:
    srcs = []
    for path, name in models:
        m, data = reader.read_file(path)
        srcs.append(emit.ModelSource(m, data, name))
    g = emit.generate("python", srcs, emit.Options(package=package, remote=True))
    writer.write_tree(root, g.files, marker=b"{}\n")
    sys.path.insert(0, str(root / "src"))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(root / "src"))


@pytest.fixture(scope="module")
def echo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return echo_model(tmp_path_factory.mktemp("model") / "echo.onnx")


@pytest.fixture(scope="module")
def bf16_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return echo_model(tmp_path_factory.mktemp("model") / "bf16.onnx", BF16_INPUTS)


@pytest.fixture(scope="module")
def models(echo_path: Path, bf16_path: Path) -> dict[str, ir.Model]:
    return {"echo": reader.read(echo_path), "bf16": reader.read(bf16_path)}


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory, echo_path: Path, bf16_path: Path) -> ModuleType:
    return load_sdk(tmp_path_factory.mktemp("sdk"), [(echo_path, "echo"), (bf16_path, "bf16")], "echo_remote_sdk")


def echo_inputs(batch: int, rng: np.random.Generator | None = None) -> dict[str, Any]:
    rng = rng or np.random.default_rng(0)
    return {
        "floats": rng.standard_normal((batch, 3)).astype(np.float32),
        "halves": rng.standard_normal(batch).astype(np.float16),
        "longs": rng.integers(-(2**62), 2**62, 2),
        "flag": rng.integers(0, 2, batch).astype(bool),
        "text": np.array([f"t\u00e9{i}\x00" + "x" * int(i) for i in rng.integers(0, 5, batch)], dtype=object),
        "scalar": np.array(rng.standard_normal(), np.float32),
    }


# --- the fake server ---------------------------------------------------------------------------------


class FakeServer:
    """An OIP v2 server on 127.0.0.1 that echoes each input x as output y_x (in reverse order, to
    prove outputs are matched by name), with a ``mode`` to misbehave in, and what it saw."""

    def __init__(self, pb: ModuleType, pbg: ModuleType, models: dict[str, ir.Model], *, port: int = 0,
                 credentials: Any = None) -> None:
        self.pb, self.pbg, self.models = pb, pbg, models
        self.mode = ""
        self.metadata_seen: list[dict[str, str]] = []
        self.requests: list[Any] = []
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        servicer = type("S", (pbg.GRPCInferenceServiceServicer,), {
            "ModelMetadata": lambda _s, req, ctx: self.metadata(req, ctx),
            "ModelInfer": lambda _s, req, ctx: self.infer(req, ctx),
        })()
        pbg.add_GRPCInferenceServiceServicer_to_server(servicer, self.server)
        addr = f"127.0.0.1:{port}"
        self.port = (self.server.add_secure_port(addr, credentials) if credentials
                     else self.server.add_insecure_port(addr))
        self.address = f"127.0.0.1:{self.port}"
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=None).wait()

    @staticmethod
    def _tensor(v: ir.Value) -> tuple[str, str, list[int]]:
        t = v.type
        assert isinstance(t, ir.TensorType) and t.shape is not None
        dims = [d.value if d.value is not None else -1 for d in t.shape] or [1]  # a scalar as Triton has it
        return v.name, targets.OIP_DATATYPES[t.elem], dims

    def metadata(self, req: Any, ctx: Any) -> Any:
        self.metadata_seen.append(dict(ctx.invocation_metadata()))
        model = self.models.get(req.name)
        if model is None:
            ctx.abort(grpc.StatusCode.NOT_FOUND, f"Request for unknown model: '{req.name}' is not found")
        md = self.pb.ModelMetadataResponse(name=req.name, versions=["1"], platform="fake")
        for v in model.inputs:
            n, dt, shape = self._tensor(v)
            if self.mode == "metadata-fp64" and n == "floats":
                dt = "FP64"
            md.inputs.add(name=n, datatype=dt, shape=shape)
        for v in model.outputs:
            n, dt, shape = self._tensor(v)
            md.outputs.add(name=n, datatype=dt, shape=shape)
        return md

    def infer(self, req: Any, ctx: Any) -> Any:
        self.metadata_seen.append(dict(ctx.invocation_metadata()))
        self.requests.append(req)
        mode = self.mode
        if mode.startswith("sleep"):
            time.sleep(float(mode[5:]))
        if mode == "internal":
            ctx.abort(grpc.StatusCode.INTERNAL, "onnxruntime: boom")
        if mode == "cancelled":
            ctx.abort(grpc.StatusCode.CANCELLED, "cancelled by the server")
        resp = self.pb.ModelInferResponse(model_name=req.model_name, model_version="1")
        pairs = list(zip(req.inputs, req.raw_input_contents))
        for t, raw in reversed(pairs):
            name, dt, shape = f"y_{t.name}", t.datatype, list(t.shape)
            if mode == "bad-datatype" and t.name == "floats":
                dt = "FP64"
            if mode == "short-raw" and t.name == "floats":
                raw = raw[:-1]
            if mode == "bad-shape" and t.name == "longs":
                shape = [3]
            if mode == "missing-output" and t.name == "text":
                continue
            resp.outputs.add(name=name, datatype=dt, shape=shape)
            resp.raw_output_contents.append(raw)
        return resp


@pytest.fixture(scope="module")
def stubs_mods(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, ModuleType]:
    return oip.load(tmp_path_factory.mktemp("stubs"), "fake_server_stubs")


@pytest.fixture
def server(stubs_mods: tuple[ModuleType, ModuleType], models: dict[str, ir.Model]) -> Iterator[FakeServer]:
    s = FakeServer(*stubs_mods, models)
    yield s
    s.stop()


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a.keys() == b.keys()
    for k, x in a.items():
        y = b[k]
        assert x.dtype == y.dtype and x.shape == y.shape, (k, x, y)
        same = x.tolist() == y.tolist() if x.dtype == object else x.tobytes() == y.tobytes()
        assert same, (k, x, y)


# --- the client ---------------------------------------------------------------------------------------


def test_remote_run_equals_in_process(sdk: ModuleType, server: FakeServer) -> None:
    with sdk.Echo() as local, sdk.Echo.remote(server.address, timeout=10) as remote:
        assert remote.endpoint.address == server.address and remote.endpoint.model_name == "echo"
        assert local.endpoint is None and local.config.intra_op_threads >= 1
        for batch in (1, 3, 0):
            feeds = echo_inputs(batch)
            a, b = local.run(**feeds).as_dict(), remote.run(**feeds).as_dict()
            _same(a, b)
            assert b["y_scalar"].shape == () and b["y_text"].dtype == object
            assert b["y_floats"].flags.writeable
        req = server.requests[-1]
        assert [t.name for t in req.inputs] == [n for n, _, _ in ECHO_INPUTS]
        assert [(t.name, t.datatype, list(t.shape)) for t in req.inputs][5] == ("scalar", "FP32", [1])
        assert [o.name for o in req.outputs] == [f"y_{n}" for n, _, _ in ECHO_INPUTS]
        assert remote.run_dict(feeds)["y_longs"].tolist() == feeds["longs"].tolist()
        assert remote.run_positional(*feeds.values())[0].shape == (0, 3)


def test_bfloat16_and_uint64_travel_as_their_bits(sdk: ModuleType, server: FakeServer) -> None:
    rng = np.random.default_rng(5)
    feeds = {"brains": rng.standard_normal((3, 2)).astype(ml_dtypes.bfloat16),
             "unsigned": np.array([0, 2**64 - 1, 12345], np.uint64)}
    with sdk.Bf16() as local, sdk.Bf16.remote(server.address) as remote:
        _same(local.run(**feeds).as_dict(), remote.run(**feeds).as_dict())
    req = server.requests[-1]
    assert [t.datatype for t in req.inputs] == ["BF16", "UINT64"]
    assert req.raw_input_contents[0] == feeds["brains"].view(np.uint16).astype("<u2").tobytes()


def test_input_errors_are_raised_before_the_call(sdk: ModuleType, server: FakeServer) -> None:
    with sdk.Echo.remote(server.address) as remote, sdk.Echo() as local:
        before = len(server.requests)
        for change in ({"floats": np.zeros((2, 3), np.float64)}, {"longs": np.zeros(3, np.int64)},
                       {"halves": np.zeros(3, np.float16)}, {"text": np.array(["a", 1], dtype=object)},
                       {"text": np.array(["\ud800", "b"], dtype=object)}):
            feeds = {**echo_inputs(2), **change}
            with pytest.raises(sdk.ModelInputError) as remote_err:
                remote.run(**feeds)
            with pytest.raises(sdk.ModelInputError) as local_err:
                local.run(**feeds)
            assert str(remote_err.value) == str(local_err.value)
        with pytest.raises(sdk.ModelInputError, match="missing"):
            remote.run_dict({k: v for k, v in echo_inputs(2).items() if k != "flag"})
        assert len(server.requests) == before


@pytest.mark.parametrize(("mode", "error", "match"), [
    ("internal", "RemoteServerError", r'remote server: model "echo" at .*: INTERNAL: onnxruntime: boom'),
    ("cancelled", "RemoteCancelledError", "remote cancelled: .*CANCELLED: cancelled by the server"),
    ("bad-datatype", "RemoteSignatureError", 'output "y_floats" came back as FP64, the SDK has FP32'),
    ("bad-shape", "RemoteSignatureError", r'output "y_longs" came back with shape \[3\], the SDK has int64\[2\]'),
    ("missing-output", "RemoteSignatureError", 'the response has no output "y_text"'),
    ("short-raw", "RemoteServerError", r'output "y_floats": 23 bytes of raw contents for 6 elements'),
    ("sleep2", "RemoteDeadlineError", "remote deadline: .*DEADLINE_EXCEEDED"),
])
def test_each_failure_is_its_typed_error_and_the_model_stays_usable(
        sdk: ModuleType, server: FakeServer, mode: str, error: str, match: str) -> None:
    with sdk.Echo.remote(server.address, timeout=0.5 if mode.startswith("sleep") else 10) as remote:
        server.mode = mode
        with pytest.raises(getattr(sdk, error), match=match) as e:
            remote.run(**echo_inputs(2))
        assert isinstance(e.value, sdk.RemoteError) and e.value.kind in str(e.value)
        server.mode = ""
        _same(remote.run(**echo_inputs(2)).as_dict(), sdk.Echo().run(**echo_inputs(2)).as_dict())


def test_a_cancellation_stops_the_call_in_flight_and_the_model_stays_usable(
        sdk: ModuleType, server: FakeServer) -> None:
    with sdk.Echo.remote(server.address, timeout=30) as remote:
        token = sdk.Cancellation()
        scoped = remote.with_options(cancel=token)
        server.mode = "sleep5"
        timer = threading.Timer(0.3, token.cancel)
        t0 = time.monotonic()
        timer.start()
        with pytest.raises(sdk.RemoteCancelledError, match=r'remote cancelled: model "echo" at .*: CANCELLED: '
                           "cancelled by its Cancellation") as e:
            scoped.run(**echo_inputs(2))
        assert time.monotonic() - t0 < 3, "the call was not cancelled while in flight"
        assert e.value.kind == "cancelled" and e.value.code == "CANCELLED" and token.cancelled
        server.mode = ""
        with pytest.raises(sdk.RemoteCancelledError, match="cancelled before the call"):
            scoped.run(**echo_inputs(2))  # a cancelled token stays cancelled, like a Go context
        _same(remote.run(**echo_inputs(2)).as_dict(), sdk.Echo().run(**echo_inputs(2)).as_dict())
        fresh = remote.with_options(cancel=sdk.Cancellation())
        _same(fresh.run(**echo_inputs(1)).as_dict(), sdk.Echo().run(**echo_inputs(1)).as_dict())
        with pytest.raises(TypeError, match="expected a Cancellation"):
            remote.with_options(cancel=threading.Event())


def test_open_checks_the_served_signature(sdk: ModuleType, server: FakeServer) -> None:
    server.mode = "metadata-fp64"
    with pytest.raises(sdk.RemoteSignatureError, match=r'input "floats": datatype FP64 on the server, FP32 in the SDK; '
                       "regenerate the SDK") as e:
        sdk.Echo.remote(server.address)
    assert isinstance(e.value, sdk.SignatureMismatchError) and e.value.code == ""
    server.mode = ""
    with pytest.raises(sdk.RemoteSignatureError, match=r"the server does not serve it \(NOT_FOUND: Request for "
                       r"unknown model: 'other'"):
        sdk.Echo.remote(server.address, model_name="other")


def test_unavailable_then_usable_again_on_the_same_address(
        sdk: ModuleType, stubs_mods: tuple[ModuleType, ModuleType], models: dict[str, ir.Model]) -> None:
    with pytest.raises(sdk.RemoteUnavailableError, match="remote unavailable: .*UNAVAILABLE"):
        sdk.Echo.remote(f"127.0.0.1:{_closed_port()}", timeout=10)
    first = FakeServer(*stubs_mods, models)
    remote = sdk.Echo.remote(first.address, timeout=10)
    remote.run(**echo_inputs(1))
    first.stop()
    with pytest.raises(sdk.RemoteUnavailableError):
        remote.run(**echo_inputs(1))
    again = FakeServer(*stubs_mods, models, port=first.port)
    try:
        deadline = time.monotonic() + 60
        while True:  # gRPC reconnects with a backoff (at most 10 s here)
            try:
                remote.run(**echo_inputs(1))
                break
            except sdk.RemoteUnavailableError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        remote.close()
        again.stop()


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_metadata_every_call_callable_and_with_options(sdk: ModuleType, server: FakeServer) -> None:
    tokens = iter(range(100))
    remote = sdk.Echo.remote(server.address, metadata={"authorization": "Bearer a", "x-bin": b"\x00\x01"})
    remote.run(**echo_inputs(1))
    assert server.metadata_seen[0]["authorization"] == "Bearer a"  # at open, too
    assert server.metadata_seen[-1]["authorization"] == "Bearer a" and server.metadata_seen[-1]["x-bin"] == b"\0\1"
    view = remote.with_options(metadata=[("x-request-id", "r1")], timeout=5)
    view.run(**echo_inputs(1))
    assert server.metadata_seen[-1]["authorization"] == "Bearer a" and server.metadata_seen[-1]["x-request-id"] == "r1"
    remote.run(**echo_inputs(1))
    assert "x-request-id" not in server.metadata_seen[-1]
    rotating = sdk.Echo.remote(server.address, metadata=lambda: [("authorization", f"Bearer {next(tokens)}")])
    rotating.run(**echo_inputs(1))
    rotating.run(**echo_inputs(1))
    assert [m["authorization"] for m in server.metadata_seen[-3:]] == ["Bearer 0", "Bearer 1", "Bearer 2"]
    for bad in ({"Authorization": "x"}, {"x-bin": "text"}, {"k": b"bytes"}, {"grpc-timeout": "1"}, {"k": "\n"}):
        with pytest.raises(ValueError, match="metadata"):
            sdk.Echo.remote(server.address, metadata=bad)
    with pytest.raises(ValueError, match="timeout=0"):
        sdk.Echo.remote(server.address, timeout=0)
    with pytest.raises(TypeError, match="applies to a remote model"):
        sdk.Echo().with_options(timeout=1)
    view.close()
    with pytest.raises(sdk.ModelClosedError):
        remote.run(**echo_inputs(1))  # one connection: closing the view closed it
    rotating.close()


def test_concurrent_calls_share_one_connection(sdk: ModuleType, server: FakeServer) -> None:
    remote = sdk.Echo.remote(server.address, timeout=30)
    local = sdk.Echo()
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        try:
            rng = np.random.default_rng(seed)
            for _ in range(15):
                feeds = echo_inputs(int(rng.integers(0, 4)), rng)
                _same(local.run(**feeds).as_dict(), remote.run(**feeds).as_dict())
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert len(server.requests) == 8 * 15
    remote.close()


def test_close_lets_the_call_in_flight_finish(sdk: ModuleType, server: FakeServer) -> None:
    remote = sdk.Echo.remote(server.address, timeout=30)
    server.mode = "sleep1"
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(remote.run(**echo_inputs(2))))
    t.start()
    time.sleep(0.3)
    remote.close()
    with pytest.raises(sdk.ModelClosedError, match="model is closed"):
        remote.run(**echo_inputs(2))
    t.join()
    assert result and result[0].y_floats.shape == (2, 3)
    remote.close()  # twice is fine
    with pytest.raises(AttributeError, match="a remote model has no in-process session config"):
        _ = remote.config


def test_tls_with_a_private_ca(sdk: ModuleType, stubs_mods: tuple[ModuleType, ModuleType],
                               models: dict[str, ir.Model], tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    creds = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
    server = FakeServer(*stubs_mods, models, credentials=creds)
    try:
        with sdk.Echo.remote(server.address, tls=sdk.TLS(root_certificates=cert.read_bytes(), server_name="localhost"),
                             timeout=10) as remote:
            _same(remote.run(**echo_inputs(2)).as_dict(), sdk.Echo().run(**echo_inputs(2)).as_dict())
        with pytest.raises(sdk.RemoteUnavailableError):  # the system's CAs do not trust it
            sdk.Echo.remote(server.address, tls=True, timeout=10)
        with pytest.raises(sdk.RemoteUnavailableError):  # plain text to a TLS port
            sdk.Echo.remote(server.address, timeout=10)
    finally:
        server.stop()


def test_in_process_use_never_imports_grpc_and_stubs_coexist(sdk: ModuleType, tmp_path: Path) -> None:
    """Importing a remote SDK and running in-process loads no grpc; its stubs live in a private
    descriptor pool, so another copy of the protocol in the default pool (tritonclient, KServe)
    does not break it, in either import order."""
    src = Path(sdk.__file__).parent.parent
    code = f"""
import sys
sys.path.insert(0, {str(src)!r})
import numpy as np
import echo_remote_sdk as sdk
m = sdk.Echo()
m.run(floats=np.zeros((1, 3), np.float32), halves=np.zeros(1, np.float16), longs=np.zeros(2, np.int64),
      flag=np.zeros(1, bool), text=np.array(["a"], dtype=object), scalar=np.array(1, np.float32))
assert "grpc" not in sys.modules, "in-process use imported grpc"
from google.protobuf import descriptor_pb2, descriptor_pool
f = descriptor_pb2.FileDescriptorProto(name="grpc_predict_v2.proto", package="inference")
f.message_type.add(name="ModelInferRequest").field.add(name="other", number=9, type=9, label=1)
descriptor_pool.Default().Add(f)
from echo_remote_sdk._runtime.remote import client
print(client._pb.ModelInferRequest(model_name="x").model_name)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "x", r.stderr
