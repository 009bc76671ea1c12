"""CLI behaviour: the commands as documented, one-line errors with exit 2, safe output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator import writer
from generator.errors import UserError

from .paths import MODELS, ORT_DATASETS

LOGREG = ORT_DATASETS / "logreg_iris.onnx"
M = b"{}\n"  # a marker record; its content does not matter to the writer


def sdkgen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_generate_default_command_and_out_dir(tmp_path: Path) -> None:
    r = sdkgen(str(LOGREG), "--lang", "python", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "logreg_iris-python"
    assert (out / "src" / "logreg_iris" / "_logreg_iris.py").is_file()
    assert (out / writer.MARKER).is_file()


def test_inspect_table_and_json() -> None:
    r = sdkgen("inspect", str(LOGREG))
    assert r.returncode == 0
    assert "float_input" in r.stdout and "seq(map(int64,float[*]))" in r.stdout
    j = json.loads(sdkgen("inspect", str(LOGREG), "--json").stdout)
    assert j["inputs"][0] == {
        "name": "float_input",
        "doc": "",
        "type": {"kind": "tensor", "elem": "FLOAT", "shape": [3, 2]},
    }


def test_inspect_escapes_hostile_names() -> None:
    r = sdkgen("inspect", str(MODELS / "hostile.onnx"))
    assert r.returncode == 0
    assert "\u2028" not in r.stdout and "new\\nline" in r.stdout


def test_version_and_help() -> None:
    assert sdkgen("--version").stdout.startswith("sdkgen, version ")
    h = sdkgen("--help").stdout
    assert "Examples:" in h and "sdkgen model.onnx --lang python" in h


@pytest.mark.parametrize(
    "content, needle",
    [
        (None, "no such file"),
        (b"", "file is empty"),
        (b"not onnx at all", "not a valid ONNX model"),
        ("truncated", "truncated or not ONNX"),
    ],
)
def test_bad_model_file_is_one_line_exit_2(tmp_path: Path, content: bytes | str | None, needle: str) -> None:
    p = tmp_path / "m.onnx"
    if content == "truncated":
        p.write_bytes(LOGREG.read_bytes()[:200])
    elif isinstance(content, bytes):
        p.write_bytes(content)
    for args in (["inspect", str(p)], [str(p), "--lang", "python", "--out", str(tmp_path / "o")]):
        r = sdkgen(*args)
        assert r.returncode == 2
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("sdkgen: error: ")
        assert needle in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_debug_shows_traceback(tmp_path: Path) -> None:
    r = sdkgen("inspect", str(tmp_path / "missing.onnx"), "--debug")
    assert r.returncode == 2 and "Traceback" in r.stderr


def test_unmappable_type_is_a_user_error(tmp_path: Path) -> None:
    from onnx import TensorProto, helper, save

    x = helper.make_tensor_value_info("x", TensorProto.COMPLEX64, [2])
    m = helper.make_model(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x],
                                            [helper.make_tensor_value_info("y", TensorProto.COMPLEX64, [2])]),
                          ir_version=13, opset_imports=[helper.make_opsetid("", 21)])
    save(m, tmp_path / "b.onnx")
    r = sdkgen(str(tmp_path / "b.onnx"), "--lang", "python", "--out", str(tmp_path / "o"), "--no-load-check")
    assert r.returncode == 2 and "complex64 tensor inputs" in r.stderr and "Traceback" not in r.stderr


def test_missing_lang_is_a_usage_error(tmp_path: Path) -> None:
    r = sdkgen(str(LOGREG))
    assert r.returncode == 2 and "--lang" in r.stderr


def test_refuses_foreign_directory_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    r = sdkgen(str(LOGREG), "--lang", "python", "--out", str(out))
    assert r.returncode == 2 and "--force" in r.stderr
    assert (out / "precious.txt").read_text() == "keep me"
    r = sdkgen(str(LOGREG), "--lang", "python", "--out", str(out), "--force")
    assert r.returncode == 0 and not (out / "precious.txt").exists()


def test_regenerate_replaces_whole_tree(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert sdkgen(str(LOGREG), "--lang", "python", "--out", str(out)).returncode == 0
    (out / "stale.txt").write_text("from an older generation")
    assert sdkgen(str(LOGREG), "--lang", "python", "--out", str(out)).returncode == 0
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["o"]  # no temp dirs left behind


def test_writer_rejects_paths_outside_out(tmp_path: Path) -> None:
    for bad in ("../evil", "/abs", "a/../../b", "", ".sdkgen"):
        with pytest.raises(ValueError, match="unsafe path"):
            writer.write_tree(tmp_path / "o", {bad: b"x"}, marker=M)
    assert not (tmp_path / "o").exists() and not (tmp_path / "evil").exists()


def test_writer_failure_keeps_old_tree(tmp_path: Path) -> None:
    out = tmp_path / "o"
    writer.write_tree(out, {"a.txt": b"old"}, marker=M)

    class Boom(dict[str, bytes]):
        def __getitem__(self, key: str) -> bytes:
            raise OSError("disk full")

    with pytest.raises(UserError, match="cannot write: disk full"):
        writer.write_tree(out, Boom({"a.txt": b"new"}), marker=M)
    assert (out / "a.txt").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_out_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        writer.write_tree(f, {"a": b""}, marker=M)


def test_unwritable_out_is_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    r = sdkgen(str(LOGREG), "--lang", "python", "--out", str(tmp_path / "file" / "sub"))
    assert r.returncode == 2 and "cannot write" in r.stderr and "Traceback" not in r.stderr
