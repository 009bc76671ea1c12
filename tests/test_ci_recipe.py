"""The CI recipe of examples/ci runs here as a team's CI would run it: the sdkgen commands of its
GitHub Actions workflow and GitLab job (the same list in both) in examples/ci, so the committed
example SDKs must be current and every language must agree, natively and in Docker."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .paths import REPO

pytestmark = pytest.mark.slow
CI = REPO / "examples" / "ci"


def _steps() -> list[str]:
    gha = yaml.safe_load((CI / "github-actions.yml").read_text())
    runs = [s.get("run", "") for s in gha["jobs"]["sdks"]["steps"]]
    gh = [ln.strip() for r in runs for ln in r.splitlines() if ln.strip().startswith("sdkgen ")]
    gl = [ln for ln in yaml.safe_load((CI / "gitlab-ci.yml").read_text())["sdkgen"]["script"] if ln.startswith("sdkgen")]
    assert gh == gl and len(gh) >= 3, (gh, gl)
    return gh


def test_both_job_files_run_the_same_sdkgen_steps() -> None:
    assert _steps()[0] == "sdkgen diff"


def test_ci_recipe_passes_on_the_examples(tmp_path: Path) -> None:
    for step in _steps():
        args = shlex.split(step)[1:]
        args = [str(tmp_path / a) if a.startswith("reports/") else a for a in args]
        if args[0] == "check":
            args += ["--work", str(tmp_path / "work")]
        r = subprocess.run([sys.executable, "-m", "generator", *args], cwd=CI, capture_output=True, text=True,
                           timeout=1800, check=False)
        assert r.returncode == 0, f"{step}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}\n(after a generator change: " \
                                  "run `sdkgen` in examples/ci and commit sdk/)"
    assert (tmp_path / "reports" / "check-docker.xml").is_file()
