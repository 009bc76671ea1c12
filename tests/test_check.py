"""`sdkgen check`: comparison rules, strict lists, and proof that a wrong expected output fails the run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from generator import fixtures, ir, reader
from generator.check.compare import compare
from generator.check.outcome import (
    FAIL,
    OK,
    ORT_CANNOT,
    REFUSED,
    XFAIL,
    XPASS,
    judge,
    judge_ort,
    judge_refused,
)

from .paths import ONNX_BACKEND_DATA, ORT_DATASETS

ALL_LANGS = "python,java,go"
F = ir.TensorType(ir.DType.FLOAT, None)


def sdkgen(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, check=False, timeout=3000)


# --- comparison ---------------------------------------------------------------------

def test_floats_within_tolerance_and_nan_aware() -> None:
    e = np.array([1.0, np.nan, np.inf, 0.0], dtype=np.float32)
    assert compare(e, e.copy(), F, 1e-3, 1e-7, "o") == ("", 0.0)
    near = np.array([1.0005, np.nan, np.inf, 0.0], dtype=np.float32)
    msg, err = compare(e, near, F, 1e-3, 1e-7, "o")
    assert msg == "" and err == pytest.approx(5e-4, rel=1e-2)
    far = np.array([1.01, np.nan, np.inf, 0.0], dtype=np.float32)
    msg, _ = compare(e, far, F, 1e-3, 1e-7, "o")
    assert "max abs error" in msg and "element 0" in msg
    assert "NaN" in compare(e, np.array([1, 0, np.inf, 0], np.float32), F, 1e-3, 1e-7, "o")[0]
    assert "infinity" in compare(e, np.array([1, np.nan, -np.inf, 0], np.float32), F, 1e-3, 1e-7, "o")[0]


def test_ints_bools_strings_are_exact_and_types_checked() -> None:
    i = ir.TensorType(ir.DType.INT64, None)
    assert compare(np.array([5]), np.array([5]), i, 1, 1, "o")[0] == ""
    assert "element 0 is 6" in compare(np.array([5]), np.array([6]), i, 1, 1, "o")[0]
    assert "dtype" in compare(np.array([5]), np.array([5], np.int32), i, 1, 1, "o")[0]
    assert "shape" in compare(np.array([5]), np.array([[5]]), i, 1, 1, "o")[0]
    s = ir.TensorType(ir.DType.STRING, None)
    assert compare(np.array(["a"], object), np.array(["b"], object), s, 1, 1, "o")[0]
    b = ir.TensorType(ir.DType.BOOL, None)
    assert compare(np.array([True]), np.array([False]), b, 1, 1, "o")[0]


def test_sequences_maps_optionals() -> None:
    seq = ir.SequenceType(ir.MapType(ir.DType.INT64, F))
    assert compare([{0: 0.5}], [{0: 0.5}], seq, 1e-3, 0, "o")[0] == ""
    assert "map keys" in compare([{0: 0.5}], [{1: 0.5}], seq, 1e-3, 0, "o")[0]
    assert "o[0][0]" in compare([{0: 0.5}], [{0: 0.6}], seq, 1e-3, 0, "o")[0]
    assert "sequence of 0" in compare([{0: 0.5}], [], seq, 1e-3, 0, "o")[0]
    opt = ir.OptionalType(F)
    assert compare(None, None, opt, 0, 0, "o")[0] == ""
    assert "empty, expected a value" in compare(np.array(1.0, np.float32), None, opt, 0, 0, "o")[0]


def test_strict_lists_both_ways() -> None:
    assert judge(True, "ok", "", None, 0).outcome == OK
    assert judge(False, "mismatch", "d", None, 0).outcome == FAIL
    assert judge(False, "mismatch", "d", "known ORT Java gap", 0).outcome == XFAIL
    assert judge(True, "ok", "", "known ORT Java gap", 0).outcome == XPASS
    assert judge_ort("ort-cannot-load", "x", ["ort-cannot-load", "why"]).outcome == ORT_CANNOT
    assert judge_ort("ort-cannot-load", "x", None).outcome == FAIL
    assert judge_ort("ort-cannot-run", "x", ["ort-cannot-load", "why"]).outcome == FAIL
    assert judge_ort("", "", ["ort-cannot-load", "why"]).outcome == XPASS
    assert judge_refused("input 'x': cannot carry ...", None).outcome == REFUSED
    # A list entry for what the registry refuses is stale: the registry already says why.
    assert judge_refused("input 'x': cannot carry ...", "listed by hand").outcome == XPASS


# --- the command -------------------------------------------------------------------

def _corrupt_copy(src: Path, dst: Path) -> Path:
    """A copy of a backend case whose first expected output has one value changed by 1.0."""
    shutil.copytree(src, dst)
    m = reader.read(dst / "model.onnx")
    out = dst / "test_data_set_0" / "output_0.pb"
    y = fixtures.load_value(out, m.outputs[0].type).copy()
    y.flat[3] += 1.0
    fixtures.save_value(out, y, m.outputs[0].type, m.outputs[0].name)
    return dst


@pytest.mark.slow
def test_corrupted_expected_output_fails_in_every_language(tmp_path: Path) -> None:
    good = ONNX_BACKEND_DATA / "pytorch-converted" / "test_Conv1d"
    bad = _corrupt_copy(good, tmp_path / "suite" / "test_Conv1d_corrupted")
    junit = tmp_path / "check.xml"
    r = sdkgen("check", good / "model.onnx", bad / "model.onnx", "--lang", ALL_LANGS, "--junit", junit,
               "--work", tmp_path / "work")
    print(r.stdout[-3000:], r.stderr[-2000:])
    assert r.returncode == 1, r.stdout + r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("test_Conv1d")}
    assert "mismatch" not in rows["test_Conv1d"] and rows["test_Conv1d"].count("ok") == 3
    assert rows["test_Conv1d_corrupted"].count("mismatch") == 3
    assert "CHECK FAILED: 3 ok, 0 refused by the targets registry, 0 expected failures, 3 unexpected failures" in r.stdout
    assert r.stdout.rstrip().splitlines()[-1] == "3 passed, 3 failed"
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert sorted(s.get("name") for s in suites) == ["sdkgen-check.go", "sdkgen-check.java", "sdkgen-check.python"]
    for s in suites:
        assert s.get("tests") == "2" and s.get("failures") == "1"
        failed = [tc.get("name") for tc in s.iter("testcase") if tc.find("failure") is not None]
        assert failed == ["test_Conv1d_corrupted"]


def test_listed_case_that_passes_fails_the_run(tmp_path: Path) -> None:
    lists = tmp_path / "failures"
    lists.mkdir()
    (lists / "python.tsv").write_text("# case\treason\nmul_1\tpretend the SDK gets this wrong\n")
    r = sdkgen("check", ORT_DATASETS / "mul_1.onnx", "--lang", "python", "--failures", lists,
               "--work", tmp_path / "work")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "UNEXPECTED PASS" in r.stdout and "remove it from the failure list" in r.stdout
    assert "1 unexpected passes" in r.stdout and r.stdout.rstrip().endswith("0 passed, 1 failed")


def test_unlisted_ort_cannot_case_fails_and_listed_one_passes(tmp_path: Path) -> None:
    case = ONNX_BACKEND_DATA / "pytorch-operator" / "test_operator_pow"  # Pow(1): no ORT 1.29 kernel
    r = sdkgen("check", case / "model.onnx", "--lang", "python", "--work", tmp_path / "w")
    assert r.returncode == 1 and "ort-cannot-load" in r.stdout
    lst = tmp_path / "ort.tsv"
    lst.write_text("test_operator_pow\tort-cannot-load\tno kernel for Pow(1)\n")
    r = sdkgen("check", case / "model.onnx", "--lang", "python", "--work", tmp_path / "w", "--ort-cannot", lst)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 not checkable" in r.stdout and r.stdout.rstrip().endswith("1 passed, 0 failed")


def test_generated_fixtures_for_a_model_without_data(tmp_path: Path) -> None:
    r = sdkgen("check", ORT_DATASETS / "logreg_iris.onnx", "--lang", "python", "--cases", "2",
               "--work", tmp_path / "w", "--junit", tmp_path / "j.xml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "CHECK PASSED: 1 ok" in r.stdout
    sets = sorted(p.name for p in (tmp_path / "w" / "generated-fixtures" / "c0").iterdir())
    assert sets == ["test_data_set_0", "test_data_set_1"]
    tc = ET.parse(tmp_path / "j.xml").getroot().find("testsuite/testcase")
    assert tc is not None and tc.get("name") == "logreg_iris"


def test_fixtures_then_check_with_fixtures_dir(tmp_path: Path) -> None:
    model = ORT_DATASETS / "sigmoid.onnx"
    made = sdkgen("fixtures", model, "-o", tmp_path / "fx", "--cases", "2", "--seed", "3")
    assert made.returncode == 0, made.stderr
    r = sdkgen("check", model, "--fixtures", tmp_path / "fx", "--lang", "python", "--work", tmp_path / "w")
    assert r.returncode == 0, r.stdout + r.stderr
    row = next(line for line in r.stdout.splitlines() if line.startswith("sigmoid"))
    assert row.split()[1:] == ["ok"]  # expected outputs from Python ORT: bit-identical, no error shown
    two = sdkgen("check", model, model, "--fixtures", tmp_path / "fx", "--lang", "python")
    assert two.returncode == 2 and "--fixtures needs exactly one MODEL" in two.stderr
