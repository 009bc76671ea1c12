"""The Java goldens are real code: they compile with -Xlint:all -Werror, google-java-format leaves
them (and the runtime) unchanged, and every Javadoc block starts with a summary sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import java_tools
from tests.golden_cases import GOLDEN
from tests.paths import REPO

JAVA_GOLDENS = sorted(p / "out" for p in GOLDEN.glob("java-*") if (p / "out").is_dir())
RUNTIME = REPO / "runtime" / "java" / "src"


def _sources(root: Path) -> list[Path]:
    return sorted(root.rglob("*.java"))


def test_there_are_java_goldens() -> None:
    assert len(JAVA_GOLDENS) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("out", JAVA_GOLDENS, ids=[p.parent.name for p in JAVA_GOLDENS])
def test_golden_compiles_with_all_lint_as_errors(out: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cp = java_tools.classpath(REPO / "build" / "java-tools")
    r = java_tools.javac(cp, tmp_path_factory.mktemp("classes"), _sources(out / "src"))
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_goldens_and_runtime_are_google_java_format_stable() -> None:
    files = [f for out in JAVA_GOLDENS for f in _sources(out)] + _sources(RUNTIME)
    changed = java_tools.gjf_changes(REPO / "build" / "java-tools", files)
    assert not changed, f"google-java-format {java_tools.GJF_VERSION} would change: {changed}"


_JAVADOC = re.compile(r"/\*\*(.*?)\*/", re.DOTALL)


@pytest.mark.parametrize("root", [*JAVA_GOLDENS, RUNTIME], ids=[*(p.parent.name for p in JAVA_GOLDENS), "runtime"])
def test_every_javadoc_block_starts_with_a_summary(root: Path) -> None:
    for f in _sources(root):
        for m in _JAVADOC.finditer(f.read_text()):
            text = " ".join(ln.strip().lstrip("*").strip() for ln in m.group(1).splitlines()).strip()
            assert text and not text.startswith(("@", "<p>", "<ul>")), f"{f.relative_to(REPO)}: /**{m.group(1)}*/"
