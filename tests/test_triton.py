"""The local Triton manager (generator/remote/triton.py): its error paths and process handling,
with a stand-in server script (fast), and sdkgen's Python-based onnxruntime backend
(generator/remote/triton_backend/model.py) with a stand-in for triton_python_backend_utils.
The real server is exercised by tests/test_deploy.py and the remote check tests (slow)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
import textwrap
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator import versions
from generator.errors import UserError
from generator.remote import triton

# --- preparation ----------------------------------------------------------------------------------


def test_unsupported_python_version_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match=r"stubs for Python 3\.8, .*3\.13, not 3\.14: run sdkgen with one of those"):
        triton.ensure(python_version="3.14")


def test_other_platforms_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(UserError, match="runs on Linux x86_64 only, not darwin"):
        triton.ensure()


def test_old_glibc_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "confstr", lambda name: "glibc 2.31")
    with pytest.raises(UserError, match=r"needs glibc >= 2\.35, this system has glibc 2\.31"):
        triton.ensure()


def test_cache_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SDKGEN_TRITON_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert triton.cache_dir() == tmp_path / "sdkgen" / "triton" / versions.PYTRITON_VERSION
    monkeypatch.setenv("SDKGEN_TRITON_CACHE", str(tmp_path / "t"))
    assert triton.cache_dir() == tmp_path / "t"


def test_a_failed_download_says_what_failed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    with pytest.raises(UserError, match=r"pip download nvidia-pytriton==0\.7\.0 .*no-python"):
        triton._wheel(tmp_path)


def test_a_wheel_with_another_hash_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def fake_run(cmd: list[str], what: str, env: Any = None, timeout: float = 0) -> None:
        dest = Path(cmd[cmd.index("-d") + 1])
        (dest / versions.PYTRITON_WHEEL).write_bytes(b"not the wheel")

    monkeypatch.setattr(triton, "_run", fake_run)
    with pytest.raises(UserError, match="is not the pinned 21f063ff"):
        triton._wheel(tmp_path)
    assert not (tmp_path / versions.PYTRITON_WHEEL).exists()


def test_pip_giving_another_file_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def fake_run(cmd: list[str], what: str, env: Any = None, timeout: float = 0) -> None:
        (Path(cmd[cmd.index("-d") + 1]) / "nvidia_pytriton-0.7.0-py3-none-any.whl").write_bytes(b"")

    monkeypatch.setattr(triton, "_run", fake_run)
    with pytest.raises(UserError, match="gave nvidia_pytriton-0.7.0-py3-none-any.whl, not .*glibc >= 2.35"):
        triton._wheel(tmp_path)


def test_run_reports_the_last_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"thing failed \(exit 3\): last words"):
        triton._run([sys.executable, "-c", "import sys; print('x\\nlast words', file=sys.stderr); sys.exit(3)"],
                    "thing")


def test_missing_libpython_names_the_debian_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    inst = _fake_installation(tmp_path, "")
    monkeypatch.setattr(triton, "missing_libraries", lambda i: ["libcudart-09529672.so.12.6.77", "libpython3.11.so.1.0"])
    with pytest.raises(UserError, match=r"needs libpython3\.11\.so\.1\.0, which is not installed: install it "
                       r"\(Debian/Ubuntu: apt-get install libpython3\.11\)"):
        triton._require_libraries(inst)
    monkeypatch.setattr(triton, "missing_libraries", lambda i: ["libexpat.so.1"])
    with pytest.raises(UserError, match="lacks: libexpat.so.1"):
        triton._require_libraries(inst)


def test_missing_libraries_reads_ldd(tmp_path: Path) -> None:
    inst = _fake_installation(tmp_path, "")
    # A script is not a dynamic executable: nothing missing, no crash.
    assert triton.missing_libraries(inst) == []


def test_installation_env(tmp_path: Path) -> None:
    inst = _fake_installation(tmp_path, "")
    env = inst.env({"PATH": "/usr/bin", "LD_LIBRARY_PATH": "/x", "PYTHONPATH": "/bad", "PYTHONHOME": "/bad"})
    assert env["PATH"] == f"{inst.stub_env / 'bin'}:/usr/bin"
    assert env["LD_LIBRARY_PATH"] == f"{inst.lib}:/x"
    assert "PYTHONPATH" not in env and "PYTHONHOME" not in env


def test_extract_refuses_a_python_without_stub(tmp_path: Path) -> None:
    import zipfile

    whl = tmp_path / "w.whl"
    with zipfile.ZipFile(whl, "w") as z:
        z.writestr("pytriton/tritonserver/bin/tritonserver", "")
        z.writestr("pytriton/tritonserver/python_backend_stubs/3.11/triton_python_backend_stub", "")
    with pytest.raises(UserError, match=r"has python backend stubs for Python 3\.11, not 3\.99"):
        triton._extract(whl, tmp_path / "server", "3.99")
    triton._extract(whl, tmp_path / "server", "3.11")
    assert os.access(tmp_path / "server" / "bin" / "tritonserver", os.X_OK)
    assert (tmp_path / "server" / "backends" / "python" / "triton_python_backend_stub").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".extract")] == []


# --- serving, with a stand-in server --------------------------------------------------------------

# A stand-in for tritonserver: answers the health and readiness endpoints on --http-port, starts a
# child in its process group (like the python backend's stubs) and writes both pids.
FAKE_SERVER = """\
#!{python}
import http.server, os, signal, subprocess, sys, time
args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
mode = {mode!r}
print("E1128 fake server starting", flush=True)
if mode == "exit":
    print("E1128 model_lifecycle.cc: failed to load 'm': boom", flush=True)
    sys.exit(1)
if mode == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
open(os.path.join({pids!r}), "w").write(f"{{os.getpid()}} {{child.pid}}")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = mode != "never-ready" and (self.path == "/v2/health/live" or self.path.endswith("/ready"))
        self.send_response(200 if ok else 400)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer((args["http-address"], int(args["http-port"])), H).serve_forever()
"""


def _fake_installation(tmp_path: Path, mode: str) -> triton.Installation:
    server = tmp_path / "bin" / "tritonserver"
    server.parent.mkdir(parents=True, exist_ok=True)
    server.write_text(FAKE_SERVER.format(python=sys.executable, mode=mode, pids=str(tmp_path / "pids")))
    server.chmod(0o755)
    return triton.Installation(root=tmp_path, python_version="3.11", server=server, backends=tmp_path / "backends",
                               caches=tmp_path / "caches", lib=tmp_path / "lib", stub_env=tmp_path / "venv")


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "repo" / "m").mkdir(parents=True)
    (tmp_path / "repo" / "m" / "config.pbtxt").write_text('name: "m"\n')
    return tmp_path / "repo"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie child of ours counts as gone
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def _pids(tmp_path: Path) -> list[int]:
    return [int(x) for x in (tmp_path / "pids").read_text().split()]


def test_repository_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a directory .*sdkgen deploy --triton"):
        triton.models_in(tmp_path / "nope")
    with pytest.raises(UserError, match="no <model>/config.pbtxt"):
        triton.models_in(tmp_path)
    assert triton.models_in(_repo(tmp_path)) == ("m",)


def test_serve_binds_loopback_and_stops_the_whole_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triton, "STOP_GRACE", 1.0)
    inst = _fake_installation(tmp_path, "ignore-term")
    with triton.serve(_repo(tmp_path), installation=inst, echo=lambda s: None) as ep:
        host, _port = ep.grpc.split(":")
        assert host == "127.0.0.1" and ep.http.startswith("127.0.0.1:") and ep.models == ("m",)
        server, child = _pids(tmp_path)
        assert server == ep.pid and _alive(child)
        argv = Path(f"/proc/{server}/cmdline").read_text().split("\0")
        assert "--http-address=127.0.0.1" in argv and "--grpc-address=127.0.0.1" in argv
        assert "--allow-metrics=false" in argv and "--exit-on-error=true" in argv
    # the child ignores SIGTERM: it is killed with the group
    assert not _alive(server) and not _alive(child)
    assert not ep.log.exists()  # a temporary log goes once the server stopped cleanly


def test_serve_stops_the_server_when_the_block_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triton, "STOP_GRACE", 1.0)
    inst = _fake_installation(tmp_path, "")
    log = tmp_path / "server.log"
    with pytest.raises(KeyError), triton.serve(_repo(tmp_path), installation=inst, log=log, echo=lambda s: None):
        raise KeyError("the test failed")
    server, child = _pids(tmp_path)
    assert not _alive(server) and not _alive(child)
    assert "fake server starting" in log.read_text()


def test_a_server_that_exits_gives_its_log(tmp_path: Path) -> None:
    inst = _fake_installation(tmp_path, "exit")
    with (pytest.raises(UserError, match=r"(?s)tritonserver exited with 1 before every model was ready.*failed "
                        r"to load 'm': boom"), triton.serve(_repo(tmp_path), installation=inst, echo=lambda s: None)):
        pytest.fail("not reached")


def test_a_server_that_never_gets_ready_times_out_and_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triton, "STOP_GRACE", 1.0)
    inst = _fake_installation(tmp_path, "never-ready")
    t0 = time.monotonic()
    with (pytest.raises(UserError, match=r"(?s)not ready after 2s \(the server is not live"),
          triton.serve(_repo(tmp_path), installation=inst, timeout=2, echo=lambda s: None)):
        pytest.fail("not reached")
    assert time.monotonic() - t0 < 60
    server, child = _pids(tmp_path)
    assert not _alive(server) and not _alive(child)


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    import subprocess

    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
    proc = subprocess.Popen([sys.executable, "-c", code],
                            stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    t0 = time.monotonic()
    triton._stop(proc, grace=0.5)
    assert proc.returncode == -signal.SIGKILL and time.monotonic() - t0 < 30


# --- the Python-based onnxruntime backend ------------------------------------------------------------


class _Tensor:
    def __init__(self, name: str, arr: np.ndarray[Any, Any]) -> None:
        self.name, self.arr = name, arr

    def as_numpy(self) -> np.ndarray[Any, Any]:
        return self.arr


class _Response:
    def __init__(self, output_tensors: list[_Tensor] | None = None, error: Any = None) -> None:
        self.output_tensors, self.error = output_tensors or [], error


class _Request:
    def __init__(self, tensors: dict[str, np.ndarray[Any, Any]], outputs: list[str] | None = None) -> None:
        self.tensors, self.outputs = tensors, outputs or []

    def requested_output_names(self) -> list[str]:
        return self.outputs


@pytest.fixture
def shim(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    pb = types.ModuleType("triton_python_backend_utils")

    class TritonModelException(Exception):
        pass

    pb.TritonModelException = TritonModelException  # type: ignore[attr-defined]
    pb.TritonError = lambda msg: msg  # type: ignore[attr-defined]
    pb.Tensor = _Tensor  # type: ignore[attr-defined]
    pb.InferenceResponse = _Response  # type: ignore[attr-defined]
    pb.Logger = types.SimpleNamespace(log_info=lambda msg: None)  # type: ignore[attr-defined]
    pb.get_input_tensor_by_name = lambda req, name: (  # type: ignore[attr-defined]
        _Tensor(name, req.tensors[name]) if name in req.tensors else None)
    monkeypatch.setitem(sys.modules, "triton_python_backend_utils", pb)
    spec = importlib.util.spec_from_file_location("sdkgen_triton_shim", triton.BACKEND_SHIM)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _model(tmp_path: Path, name: str, graph: Any) -> Path:
    import onnx
    from onnx import helper

    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
    d = tmp_path / name / "1"
    d.mkdir(parents=True)
    onnx.save(m, d / "model.onnx")
    return tmp_path / name


def _load(shim: types.ModuleType, model_dir: Path, cfg: dict[str, Any]) -> Any:
    m = shim.TritonPythonModel()
    m.initialize({"model_config": json.dumps(cfg), "model_repository": str(model_dir), "model_version": "1"})
    return m


def test_shim_runs_strings_and_scalars(shim: types.ModuleType, tmp_path: Path) -> None:
    """A model's scalar is declared with dims [1] (as for Triton's onnxruntime backend) and
    travels with shape [1]; strings arrive as bytes and leave as bytes."""
    from onnx import TensorProto, helper

    s = helper.make_tensor_value_info("s", TensorProto.STRING, ["n"])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [])
    so = helper.make_tensor_value_info("s_out", TensorProto.STRING, ["n"])
    xo = helper.make_tensor_value_info("x_out", TensorProto.FLOAT, [])
    g = helper.make_graph([helper.make_node("Identity", ["s"], ["s_out"]), helper.make_node("Neg", ["x"], ["x_out"])],
                          "g", [s, x], [so, xo])
    d = _model(tmp_path, "m", g)
    scalar = {"dims": ["1"]}
    cfg = {"name": "m", "max_batch_size": 0,
           "input": [{"name": "s", "data_type": "TYPE_STRING", "dims": ["-1"]},
                     {"name": "x", "data_type": "TYPE_FP32", **scalar}],
           "output": [{"name": "s_out", "data_type": "TYPE_STRING", "dims": ["-1"]},
                      {"name": "x_out", "data_type": "TYPE_FP32", **scalar}]}
    m = _load(shim, d, cfg)
    (resp,) = m.execute([_Request({"s": np.array(["h\u00e9".encode(), b"a\x00b"], dtype=object),
                                   "x": np.array([2.5], np.float32)})])
    assert resp.error is None
    out = {t.name: t.arr for t in resp.output_tensors}
    assert list(out["s_out"]) == ["h\u00e9".encode(), b"a\x00b"]
    assert out["x_out"].shape == (1,) and out["x_out"][0] == -2.5  # the config's dims [1]
    (resp,) = m.execute([_Request({"s": np.array([b"x"], dtype=object)})])
    assert "input 'x' is missing from the request" in resp.error
    (resp,) = m.execute([_Request({"s": np.array([b"\xff"], dtype=object), "x": np.array([1], np.float32)})])
    assert resp.error.startswith("UnicodeDecodeError")
    bad = {**cfg, "input": [cfg["input"][0], {"name": "x", "data_type": "TYPE_FP32", "dims": ["2"]}]}
    with pytest.raises(Exception, match=r"'x': a scalar in the model, config dims \[2\]"):
        _load(shim, d, bad)


def test_shim_refuses_configs_that_do_not_fit_the_model(shim: types.ModuleType, tmp_path: Path) -> None:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4])
    d = _model(tmp_path, "m", helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]))
    good = {"max_batch_size": 8, "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": ["4"]}],
            "output": [{"name": "y", "data_type": "TYPE_FP32", "dims": ["4"]}]}
    m = _load(shim, d, good)
    (resp,) = m.execute([_Request({"x": np.ones((3, 4), np.float32) * -1}, ["y"])])
    assert resp.error is None and resp.output_tensors[0].arr.shape == (3, 4)
    for bad, why in [
        ({**good, "input": [{"name": "x", "data_type": "TYPE_FP64", "dims": ["4"]}]}, "config TYPE_FP64, model TYPE_FP32"),
        ({**good, "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": ["5"]}]}, "config dims [5], model dims [4]"),
        ({**good, "max_batch_size": 0}, "config dims [4], model dims [-1, 4]"),
        ({**good, "input": []}, "model inputs missing from the config: ['x']"),
        ({**good, "output": [{"name": "z", "data_type": "TYPE_FP32", "dims": ["4"]}]}, "output 'z' is not in the model"),
    ]:
        with pytest.raises(Exception, match=r"config\.pbtxt does not match the ONNX model: .*" + _re(why)):
            _load(shim, d, bad)


def _re(s: str) -> str:
    import re

    return re.escape(s)


def test_shim_reads_thread_parameters(shim: types.ModuleType) -> None:
    cfg = {"parameters": {"intra_op_thread_count": {"string_value": "3"}, "x": {"string_value": ""}}}
    assert shim._param(cfg, "intra_op_thread_count", "1") == "3"
    assert shim._param(cfg, "inter_op_thread_count", "1") == "1"
    assert shim._param(cfg, "x", "1") == "1"


def test_backend_shim_is_the_file_installed(tmp_path: Path) -> None:
    """ensure() installs generator/remote/triton_backend/model.py as the onnxruntime backend; the
    wheel ships it (hatch includes every file of the generator package)."""
    assert triton.BACKEND_SHIM.is_file()
    text = textwrap.dedent(triton.BACKEND_SHIM.read_text())
    assert "class TritonPythonModel" in text
