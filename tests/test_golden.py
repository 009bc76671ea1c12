"""Whole-tree goldens (missing, extra and different files) and determinism of every emitter."""

from __future__ import annotations

import difflib
import shutil

import pytest

from .golden_cases import cases, generate, tree

CASES = cases()


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 3


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_tree(case, update_golden: bool) -> None:  # type: ignore[no-untyped-def]
    got = generate(case)
    out = case / "out"
    if update_golden:
        shutil.rmtree(out, ignore_errors=True)
        for rel, data in got.items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(data)
        return
    want = tree(out)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing, f"{case.name}: no longer generated: {missing}"
    assert not extra, f"{case.name}: newly generated, not in golden: {extra} (run with --update-golden)"
    for rel in sorted(want):
        if want[rel] != got[rel]:
            diff = "".join(
                difflib.unified_diff(
                    want[rel].decode("utf-8", "replace").splitlines(True),
                    got[rel].decode("utf-8", "replace").splitlines(True),
                    f"golden/{rel}",
                    f"generated/{rel}",
                )
            )
            pytest.fail(f"{case.name}/{rel} differs from the golden (run with --update-golden):\n{diff[:5000]}")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_generation_is_deterministic(case) -> None:  # type: ignore[no-untyped-def]
    assert generate(case) == generate(case)


def test_cli_output_is_byte_identical_across_processes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from .golden_cases import tree
    from .paths import MODELS

    trees = []
    for seed in ("1", "2"):
        out = tmp_path / f"o{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "generator", str(MODELS / "hostile.onnx"), "--lang", "python", "--out", str(out)],
            check=True,
            env=env,
            capture_output=True,
        )
        trees.append(tree(out))
    assert trees[0] == trees[1]
    assert not any(str(tmp_path).encode() in data for data in trees[0].values())  # no absolute paths
