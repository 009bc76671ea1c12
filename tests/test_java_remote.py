"""The Java SDK's remote backend against a real Open Inference Protocol v2 server (slow).

`sdkgen --remote` generates one Java SDK for the transformer and the decode head; `mvn verify`
builds it (the gRPC stubs generated from its src/main/proto by its own build) and runs its tests,
and a clean offline rebuild works. `sdkgen deploy --triton` writes the repository a real Triton on
127.0.0.1 serves (tests/remote_server.py; stopped afterwards). tests/java_remote/RemoteCheck.java
then runs the same inputs in-process and remotely (equal outputs, which must also equal raw Python
ONNX Runtime's), and proves each failure kind is a typed exception after which the instance still
works: a mismatched and a missing server model, a request the server refuses, deadlines, a
cancelled context, a dead server (stopped and restarted under the running client)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from tests import java_tools
from tests.paths import MODELS, REPO
from tests.remote_server import Triton

pytestmark = pytest.mark.slow

CHECK = REPO / "tests" / "java_remote" / "RemoteCheck.java"
MODEL_FILES = [MODELS / "tiny_transformer.onnx", MODELS / "decode_head.onnx"]


def _sdkgen(*args: str) -> None:
    r = subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr


def _mvn(sdk: Path, *args: str) -> None:
    r = subprocess.run([java_tools.tool("mvn"), "-B", "-q", *args], cwd=sdk, capture_output=True, text=True,
                       check=False, timeout=1800)
    assert r.returncode == 0, f"mvn {' '.join(args)}:\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}"


def _ids(b: int, s: int) -> np.ndarray:
    return ((np.arange(b * s, dtype=np.int64) * 7 + 3) % 64).reshape(b, s)


def _mask(b: int, s: int) -> np.ndarray:
    i = np.arange(b * s)
    return np.where(((i // s) % 2 == 1) & (i % s == s - 1), 0, 1).astype(np.int64).reshape(b, s)


def _reference(b: int, s: int) -> dict[str, object]:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    tt = ort.InferenceSession(str(MODEL_FILES[0]), so, providers=["CPUExecutionProvider"])
    head = ort.InferenceSession(str(MODEL_FILES[1]), so, providers=["CPUExecutionProvider"])
    (logits,) = tt.run(["logits"], {"input_ids": _ids(b, s), "attention_mask": _mask(b, s)})
    token_ids, scores, tokens = head.run(None, {"logits": logits})
    return {"logits_shape": list(logits.shape), "logits": logits.reshape(-1).view(np.int32).tolist(),
            "token_ids": token_ids.reshape(-1).tolist(), "scores": scores.reshape(-1).view(np.uint16).tolist(),
            "tokens": [str(t) for t in tokens.reshape(-1)]}


def test_remote_and_in_process_agree_and_every_failure_is_typed(tmp_path: Path) -> None:
    sdk = tmp_path / "sdk"
    _sdkgen(*map(str, MODEL_FILES), "--lang", "java", "--remote", "--out", str(sdk))
    _mvn(sdk, "verify", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt")
    reports = sorted(p.name for p in (sdk / "target" / "surefire-reports").glob("*.txt"))
    assert reports == ["sdkgen.models.DecodeHeadTest.txt", "sdkgen.models.TinyTransformerTest.txt"], reports
    _mvn(sdk, "-o", "clean", "compile")  # offline after the first build: stubs regenerated from the cache
    assert (sdk / "target" / "generated-sources" / "protobuf" / "grpc-java" / "sdkgen" / "models" / "runtime" / "oip"
            / "GRPCInferenceServiceGrpc.java").is_file()

    cp = f"{sdk / 'target' / 'classes'}:{(sdk / 'cp.txt').read_text().strip()}"
    classes = tmp_path / "classes"
    r = java_tools.javac(cp, classes, [CHECK])
    assert r.returncode == 0, r.stdout + r.stderr

    repo = tmp_path / "repo"
    _sdkgen("deploy", *map(str, MODEL_FILES), "--triton", str(repo))
    log = tmp_path / "triton.log"
    lines: list[str] = []
    with Triton(repo, log) as server, open(tmp_path / "java.err", "w") as err:
        p = subprocess.Popen([java_tools.tool("java"), "-cp", f"{classes}:{cp}", "RemoteCheck", server.target],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
        assert p.stdin is not None and p.stdout is not None
        try:
            for line in p.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("STEP "):
                    (server.stop if line.strip() == "STEP stop" else server.start)()
                    p.stdin.write("done\n")
                    p.stdin.flush()
            rc = p.wait(timeout=300)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    out = "\n".join(lines)
    assert rc == 0 and lines[-1] == "REMOTE CHECK PASSED", out[-4000:] + (tmp_path / "java.err").read_text()[-4000:]

    steps = [json.loads(x) for x in lines if x.startswith("{")]
    equal = [s for s in steps if s["step"] == "equal"]
    assert [(s["batch"], s["sequence"]) for s in equal] == [(1, 1), (2, 3), (8, 17)]
    for s in equal:  # what both Java paths returned is also raw Python ONNX Runtime's, bit for bit
        want = _reference(s["batch"], s["sequence"])
        for k, v in want.items():
            assert s[k] == v, (s["batch"], s["sequence"], k)

    by = {}
    for s in steps:
        by.setdefault(s["step"], []).append(s)
    kinds = {k: [(x["class"], x["kind"], x["status"]) for x in v] for k, v in by.items() if "kind" in v[0]}
    assert kinds == {
        "mismatch": [("RemoteSignatureException", "signature", "")],
        "no-such-model": [("RemoteSignatureException", "signature", kinds["no-such-model"][0][2])],
        "server": [("RemoteServerException", "server", "INVALID_ARGUMENT")],
        "deadline": [("RemoteDeadlineException", "deadline", "DEADLINE_EXCEEDED")],
        "deadline-at-connect": [("RemoteDeadlineException", "deadline", "DEADLINE_EXCEEDED")],
        "cancelled": [("RemoteCancelledException", "cancelled", "CANCELLED")],
        "unavailable": [("RemoteUnavailableException", "unavailable", "UNAVAILABLE")] * 2,
    }, kinds
    mismatch = by["mismatch"][0]["message"]
    assert mismatch.startswith(f'model "tiny_transformer" at {server.target}: signature: the served model does not '
                               "match the signature DecodeHead was generated from: "), mismatch
    assert 'input "logits" is missing' in mismatch and 'unexpected input "input_ids"' in mismatch, mismatch
    assert by["input-error"][0]["message"] == ('input "attention_mask": symbol: expected dim 1 (sequence) = 3, '
                                               'as bound by "input_ids", got 2 (shape [2,2])')
    assert "batch" in by["server"][0]["message"], by["server"][0]["message"]
