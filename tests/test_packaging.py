"""sdkgen as a user gets it: `pip install` of the wheel (not editable) into a fresh venv, used in an
empty directory outside the repository. The templates, the runtimes and the check runners come
from the wheel; `sdkgen fixtures` + `sdkgen check` pass for real models in all three languages,
natively and in Docker, and a corrupted expected output fails both."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator import runtime_src
from generator.check.common import RUNNERS

from .paths import MODELS, ORT_DATASETS, REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the venv's bin directory) with sdkgen[check] installed from the wheel."""
    d = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(d), str(REPO)], check=True)
    (wheel,) = d.glob("sdkgen-*.whl")
    venv = d / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", f"{wheel}[check]"],
                   check=True)
    return wheel, venv / "bin"


def test_wheel_ships_templates_runtimes_and_runners(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "templates", "generator/check/runners", "generator/remote"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split()
    assert any(t.startswith("templates/") for t in tracked) and any("runners" in t for t in tracked)
    missing = [t for t in tracked if (f"generator/{t}" if t.startswith("templates/") else t) not in names]
    assert not missing, f"not in the wheel: {missing}"
    for lang, root in (("python", "python/sdkgen_runtime"), ("java", "java/src/main/java/sdkgen/runtime"),
                       ("go", "go")):
        runtime = [f"generator/runtime/{root}/{rel}" for rel in runtime_src.files(lang, remote=True)]
        assert runtime and not [r for r in runtime if r not in names], f"the {lang} runtime is not (all) in the wheel"
    remote = [f"generator/runtime/go-remote/{rel}" for rel in runtime_src.tree("go-remote")]  # --remote Go SDKs
    assert remote and not [r for r in remote if r not in names], "the Go remote runtime is not (all) in the wheel"
    assert "generator/remote/grpc_predict_v2.proto" in names and "generator/remote/go_stubs.py" in names
    assert RUNNERS.is_dir()


def test_generate_outside_the_repo(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bin_dir = installed
    out = tmp_path / "out"
    r = subprocess.run([str(bin_dir / "sdkgen"), str(REPO / "examples" / "logreg_iris.onnx"), "--lang", "python",
                        "--out", str(out)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert r.returncode == 0, r.stderr
    golden = REPO / "tests" / "golden" / "python-logreg" / "out"
    rel = "src/logreg_iris/_logreg_iris.py"
    assert (out / rel).read_bytes() == (golden / rel).read_bytes(), rel
    runtime = REPO / "runtime" / "python" / "sdkgen_runtime" / "checks.py"
    assert (out / "src/logreg_iris/_runtime/checks.py").read_bytes() == runtime.read_bytes()


def _sdkgen(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{bin_dir}:/usr/local/go/bin:/usr/bin:/bin", "HOME": str(Path.home())}
    return subprocess.run([str(bin_dir / "sdkgen"), *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=1800, check=False)


def test_fixtures_and_check_from_the_installed_tool(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bin_dir = installed
    suite = tmp_path / "suite"
    for src in (ORT_DATASETS / "logreg_iris.onnx", MODELS / "tiny_transformer.onnx", MODELS / "decode_head.onnx"):
        (suite / src.stem).mkdir(parents=True)
        shutil.copy(src, suite / src.stem / "model.onnx")
        r = _sdkgen(bin_dir, tmp_path, "fixtures", f"suite/{src.stem}/model.onnx", "-o", f"suite/{src.stem}",
                    "--cases", "2")
        assert r.returncode == 0, r.stderr
    for mode in ([], ["--docker"]):
        r = _sdkgen(bin_dir, tmp_path, "check", "--suite", "suite", "--junit", "check.xml", "--work", "work", *mode)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        assert r.stdout.rstrip().splitlines()[-1] == "9 passed, 0 failed", r.stdout[-2000:]
        assert (tmp_path / "check.xml").is_file()
    # One corrupted expected output: every language fails, natively and in the containers.
    out = suite / "tiny_transformer" / "test_data_set_1" / "output_0.pb"
    shutil.copy(suite / "decode_head" / "test_data_set_0" / "output_0.pb", out)
    for mode in ([], ["--docker"]):
        r = _sdkgen(bin_dir, tmp_path, "check", "--suite", "suite", "--work", "work", *mode)
        assert r.returncode == 1, r.stdout[-3000:]
        assert r.stdout.rstrip().splitlines()[-1] == "6 passed, 3 failed", r.stdout[-2000:]
