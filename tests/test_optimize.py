"""`sdkgen --optimize`: the embedded copy is ONNX Runtime's offline-optimised one (extended level),
checked against the original, recorded as such, byte-identical from run to run; refused where it
cannot apply (generator/optimize.py, docs/optimize.md)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from generator import marker, optimize
from generator.cli import check as check_command

from .paths import MODELS, ORT_DATASETS
from .test_cli import sdkgen

TRANSFORMER = MODELS / "tiny_transformer.onnx"  # 216 nodes, 104 after the extended level


def _embedded(out: Path) -> Path:
    (p,) = [q for q in out.rglob("*.onnx")]
    return p


def _same_outputs(a: bytes, b: bytes, feeds: dict[str, np.ndarray]) -> None:
    ra = ort.InferenceSession(a, providers=["CPUExecutionProvider"]).run(None, feeds)
    rb = ort.InferenceSession(b, providers=["CPUExecutionProvider"]).run(None, feeds)
    for x, y in zip(ra, rb):
        np.testing.assert_allclose(y, x, rtol=optimize.RTOL, atol=optimize.ATOL)


def _transformer_feeds() -> dict[str, np.ndarray]:
    m = onnx.load(TRANSFORMER)
    rng = np.random.default_rng(3)
    dims = [[d.dim_value or 3 for d in i.type.tensor_type.shape.dim] for i in m.graph.input]
    return {i.name: rng.integers(0, 2, d).astype(np.int64) if i.type.tensor_type.elem_type == TensorProto.INT64
            else rng.standard_normal(d).astype(np.float32) for i, d in zip(m.graph.input, dims)}


def test_python_sdk_embeds_the_optimised_copy_and_says_so(tmp_path: Path) -> None:
    r = sdkgen(str(TRANSFORMER), "--lang", "python", "--out", str(tmp_path / "o"), "--optimize")
    assert r.returncode == 0, r.stderr
    assert "optimised offline by ONNX Runtime 1.29.0 (ORT_ENABLE_EXTENDED): 216 -> 104 nodes" in r.stderr
    emb = _embedded(tmp_path / "o").read_bytes()
    orig = TRANSFORMER.read_bytes()
    assert emb != orig
    m = onnx.load_model_from_string(emb)
    assert len(m.graph.node) == 104 and {o.domain for o in m.opset_import} == {"", "com.microsoft"}
    o = onnx.load_model_from_string(orig)
    assert [x.SerializeToString() for x in m.graph.input] == [x.SerializeToString() for x in o.graph.input]
    assert [x.SerializeToString() for x in m.graph.output] == [x.SerializeToString() for x in o.graph.output]
    _same_outputs(orig, emb, _transformer_feeds())
    # The record says which copy: the file's sha256 and optimize; MODEL_SHA256 is the embedded copy's.
    rec = json.loads((tmp_path / "o" / ".sdkgen").read_text())
    assert rec["models"][0]["optimize"] is True
    assert rec["models"][0]["sha256"] == hashlib.sha256(orig).hexdigest()
    mod = next((tmp_path / "o" / "src").rglob("_tiny_transformer.py")).read_text()
    assert hashlib.sha256(emb).hexdigest() in mod and hashlib.sha256(orig).hexdigest() not in mod
    r = sdkgen("diff", str(tmp_path / "o"))
    assert r.returncode == 0 and "current" in r.stderr, r.stdout + r.stderr


@pytest.mark.parametrize("lang", ["java", "go"])
def test_java_and_go_sdks_embed_the_optimised_copy(tmp_path: Path, lang: str) -> None:
    r = sdkgen(str(TRANSFORMER), "--lang", lang, "--out", str(tmp_path / "o"), "--optimize")
    assert r.returncode == 0, r.stderr
    emb = _embedded(tmp_path / "o").read_bytes()
    assert len(onnx.load_model_from_string(emb).graph.node) == 104
    src = "".join(p.read_text() for p in (tmp_path / "o").rglob(f"*.{lang}"))
    assert hashlib.sha256(emb).hexdigest() in src
    assert hashlib.sha256(TRANSFORMER.read_bytes()).hexdigest() not in src
    r = sdkgen(str(TRANSFORMER), "--lang", lang, "--out", str(tmp_path / "o"), "--check", "--optimize")
    assert r.returncode == 0, r.stdout + r.stderr
    r = sdkgen(str(TRANSFORMER), "--lang", lang, "--out", str(tmp_path / "o"), "--check")
    assert r.returncode == 1, "without --optimize the tree is another one"


_OPTIMIZE_TWICE = """
import hashlib, sys
from generator import optimize
for p in sys.argv[1:]:
    data = open(p, "rb").read()
    print(hashlib.sha256(optimize.optimize(p, data)[0]).hexdigest())
"""


def test_the_optimised_copy_is_byte_identical_in_every_process() -> None:
    # ONNX Runtime's writer: no addresses, hash orders or times in what it writes. Separate processes,
    # other hash seeds, other address layouts.
    models = [str(TRANSFORMER), str(MODELS / "hostile.onnx"), str(MODELS / "decode_head.onnx"),
              str(ORT_DATASETS / "logreg_iris.onnx")]
    runs = []
    for seed in ("0", "1", "4242"):
        r = subprocess.run([sys.executable, "-c", _OPTIMIZE_TWICE, *models], capture_output=True, text=True,
                           check=False, env={**os.environ, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        runs.append(r.stdout)
    assert runs[0] == runs[1] == runs[2] and len(runs[0].split()) == len(models)


def test_generating_twice_is_byte_identical(tmp_path: Path) -> None:
    for out in ("a", "b"):
        r = sdkgen(str(TRANSFORMER), "--lang", "go", "--out", str(tmp_path / out), "--optimize")
        assert r.returncode == 0, r.stderr
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


def test_model_path_and_no_load_check_are_refused(tmp_path: Path) -> None:
    r = sdkgen(str(TRANSFORMER), "--lang", "java", "--out", str(tmp_path / "o"), "--optimize", "--model-path")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "--optimize changes the embedded copy, but with --model-path the SDK loads the file as it is" in r.stderr
    r = sdkgen(str(TRANSFORMER), "--lang", "go", "--out", str(tmp_path / "o"), "--optimize", "--no-load-check")
    assert r.returncode == 2 and "cannot be combined with --no-load-check" in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


def test_config_file_takes_optimize_per_model(tmp_path: Path) -> None:
    (tmp_path / "t.onnx").write_bytes(TRANSFORMER.read_bytes())
    cfg = tmp_path / "sdkgen.yaml"
    cfg.write_text("version: 1\nmodels:\n  - {path: t.onnx, optimize: true}\nsdks:\n  python: {out: py}\n")
    r = sdkgen(cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(onnx.load(_embedded(tmp_path / "py")).graph.node) == 104
    assert sdkgen("diff", cwd=tmp_path).returncode == 0
    cfg.write_text("version: 1\nmodels:\n  - {path: t.onnx, optimize: true, embed: false}\nsdks:\n  python: {out: p2}\n")
    r = sdkgen(cwd=tmp_path)
    assert r.returncode == 2 and "with --model-path the SDK loads the file as it is" in r.stderr, r.stderr
    cfg.write_text("version: 1\nmodels:\n  - {path: t.onnx, optimize: yes please}\nsdks:\n  python: {out: p2}\n")
    r = sdkgen(cwd=tmp_path)
    assert r.returncode == 2 and "models[0].optimize: expected true or false" in r.stderr, r.stderr
    r = sdkgen("--config", str(cfg), "--optimize", cwd=tmp_path)
    assert r.returncode == 2 and "--optimize cannot be combined with a config file" in r.stderr, r.stderr


def _out_of_range_gather(tmp_path: Path) -> Path:
    """Gather from a 1-element table: the generated indices (0 or 1) are out of range half the time."""
    g = helper.make_graph(
        [helper.make_node("Gather", ["table", "i"], ["y"])], "g",
        [helper.make_tensor_value_info("i", TensorProto.INT64, [8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [8])],
        initializer=[numpy_helper.from_array(np.ones(1, np.float32), "table")])
    p = tmp_path / "gather.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), p)
    return p


def test_a_model_that_cannot_run_on_generated_inputs_is_refused(tmp_path: Path) -> None:
    r = sdkgen(str(_out_of_range_gather(tmp_path)), "--lang", "python", "--out", str(tmp_path / "o"), "--optimize")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "--optimize cannot check the optimised copy: ONNX Runtime cannot run the original on generated inputs" \
        in r.stderr
    assert sdkgen(str(tmp_path / "gather.onnx"), "--lang", "python", "--out", str(tmp_path / "o")).returncode == 0


def test_outputs_beyond_the_tolerance_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.errors import UserError

    monkeypatch.setattr(optimize, "ATOL", -1.0)  # nothing is within it: the refusal path
    with pytest.raises(UserError, match=r"--optimize: the optimised copy's outputs differ from the original's on "
                                        r"generated inputs \(case 0\): output 'logits': max abs error"):
        optimize.optimize(str(TRANSFORMER), TRANSFORMER.read_bytes())


def test_the_tolerance_is_the_checks_default() -> None:
    params = {p.name: p.default for p in check_command.params}
    assert (params["rtol"], params["atol"]) == (optimize.RTOL, optimize.ATOL) == (1e-3, 1e-7)


def test_records_without_optimize_still_read(tmp_path: Path) -> None:
    r = sdkgen(str(ORT_DATASETS / "mul_1.onnx"), "--lang", "python", "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    rec = json.loads((tmp_path / "o" / ".sdkgen").read_text())
    assert "optimize" not in rec["models"][0]  # written only when set: older records stay as they were
    assert marker.read(tmp_path / "o").models[0].optimize is False


@pytest.mark.slow
def test_optimised_sdks_compute_the_originals_outputs_in_every_language(tmp_path: Path) -> None:
    # sdkgen check runs each language's SDK around the optimised copy on the original's fixtures.
    from generator import project

    [loaded] = project.read_models([project.ModelEntry(str(TRANSFORMER), "tiny_transformer", optimize=True)])
    opt = tmp_path / "tiny_transformer.onnx"
    opt.write_bytes(loaded.source.data)
    r = sdkgen("fixtures", str(TRANSFORMER), "-o", str(tmp_path / "fx"), "--cases", "2")
    assert r.returncode == 0, r.stderr
    r = sdkgen("check", str(opt), "--fixtures", str(tmp_path / "fx"), "--work", str(tmp_path / "w"))
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
