"""`sdkgen` with a config file (sdkgen.yaml) and the flags that do not apply to a language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import project
from generator.errors import UserError

from .paths import ORT_DATASETS
from .test_cli import sdkgen

LOGREG = ORT_DATASETS / "logreg_iris.onnx"


def _config(tmp_path: Path, text: str) -> Path:
    shutil.copy(LOGREG, tmp_path / "iris.onnx")
    p = tmp_path / "sdkgen.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_config_without_arguments_generates_every_sdk(tmp_path: Path) -> None:
    _config(tmp_path, "version: 1\nmodels:\n  - path: iris.onnx\n    name: Iris\n"
                      "sdks:\n  python: {out: sdk/py, package: iris_sdk}\n  go: {out: sdk/go, module: example.com/i}\n")
    r = sdkgen(cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sdk" / "py" / "src" / "iris_sdk").is_dir()
    assert "\nmodule example.com/i\n" in (tmp_path / "sdk" / "go" / "go.mod").read_text()
    r = sdkgen("--lang", "go", cwd=tmp_path)  # only that language
    assert r.returncode == 0 and "sdk/go" in r.stderr and "sdk/py" not in r.stderr


def test_config_from_another_directory_resolves_paths_against_itself(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "version: 1\nmodels: [iris.onnx]\nsdks:\n  python: {out: out}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = sdkgen("--config", str(cfg), cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "pyproject.toml").is_file() and not (elsewhere / "out").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 2\nmodels: [iris.onnx]\nsdks: {python: {out: o}}\n", "version: expected 1, got 2"),
        ("version: 1\nmodels: []\nsdks: {python: {out: o}}\n", "models: expected a non-empty list"),
        ("version: 1\nmodels: [iris.onnx]\nsdks: {rust: {out: o}}\n", "unknown language 'rust'"),
        ("version: 1\nmodels: [iris.onnx]\nsdks: {python: {out: o, modul: x}}\n", "unknown key 'modul'"),
        ("version: 1\nmodels: [iris.onnx]\nsdks: {python: {out: o, module: x}}\n",
         "sdks.python: module does not apply to python"),
        ("version: 1\nmodels: [{path: iris.onnx, embed: maybe}]\nsdks: {python: {out: o}}\n",
         "models[0].embed: expected true or false"),
        ("version: 1\nmodels: [{name: X}]\nsdks: {python: {out: o}}\n", "models[0]: path is missing"),
        ("version: 1\nmodels: [iris.onnx]\nsdks: {python: {package: p}}\n", "expected a mapping with at least out"),
        ("version: 1\nmodels: [iris.onnx\n", "not valid YAML"),
        ("- just a list\n", "expected a mapping with version, models and sdks"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    cfg = _config(tmp_path, text)
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        project.load_config(cfg)
    r = sdkgen(cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert str(cfg) in r.stderr or "sdkgen.yaml" in r.stderr


def test_flags_cannot_be_mixed_with_a_config_file(tmp_path: Path) -> None:
    _config(tmp_path, "version: 1\nmodels: [iris.onnx]\nsdks: {python: {out: o}}\n")
    r = sdkgen("--out", "x", cwd=tmp_path)
    assert r.returncode == 2 and "--out cannot be combined with a config file" in r.stderr


def test_no_model_and_no_config(tmp_path: Path) -> None:
    r = sdkgen("--lang", "go", cwd=tmp_path)
    assert r.returncode == 2 and "no MODEL given and no ./sdkgen.yaml" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "python", "--module", "example.com/x"], "--module does not apply to python"),
        (["--lang", "go", "--group-id", "g"], "--group-id does not apply to go"),
        (["--lang", "go", "--artifact-id", "a"], "--artifact-id does not apply to go"),
    ],
)
def test_flags_that_do_not_apply_to_the_language_are_errors(tmp_path: Path, args: list[str], message: str) -> None:
    r = sdkgen(str(LOGREG), *args, "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and message in r.stderr and not (tmp_path / "o").exists()


def test_several_models_need_out_and_no_name(tmp_path: Path) -> None:
    r = sdkgen(str(LOGREG), str(LOGREG), "--lang", "python", cwd=tmp_path)
    assert r.returncode == 2 and "--out is required" in r.stderr
    r = sdkgen(str(LOGREG), str(LOGREG), "--lang", "python", "--out", "o", "--name", "X", cwd=tmp_path)
    assert r.returncode == 2 and "--name names one model" in r.stderr
    r = sdkgen(str(LOGREG), str(LOGREG), "--lang", "python", "--out", "o", cwd=tmp_path)
    assert r.returncode == 2 and "two models are both named 'logreg_iris'" in r.stderr


def test_model_from_a_pipe_or_device_is_refused(tmp_path: Path) -> None:
    r = sdkgen("/dev/zero", "--lang", "python", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr
