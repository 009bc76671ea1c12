"""Python: one SDK (one package) holding every case's model, one runner process for all cases."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .. import emit
from ..emit.python import SdkView
from .cases import Case, out_dir
from .common import (
    GENERATOR,
    Executor,
    LangRun,
    Testee,
    case_paths,
    fresh,
    runner_dir,
    tail,
    testee_name,
    thread_env,
    write_files,
)

LANG = "python"
PACKAGE = "sdkcheck"


def check(cases: list[Case], work: Path, log: Callable[[str], None], executor: Executor,
          remote: str | None = None) -> LangRun:
    """Run ``cases`` through one Python SDK: in-process, or (``remote``: a gRPC address) through
    each model's remote client against that Open Inference Protocol v2 server."""
    res = LangRun()
    t0 = time.monotonic()
    testee = testee_name(LANG, remote)
    root = fresh(work / testee)
    if not cases:
        return res
    gen = emit.generate(LANG, [emit.ModelSource(c.model, c.model_path.read_bytes(), c.name) for c in cases],
                        emit.Options(package=PACKAGE, remote=bool(remote)))
    write_files(root / "sdk", gen.files)
    view: SdkView = gen.view
    manifest = [{
        "key": c.key,
        "class_name": mv.class_name,
        "params": [v.ident for v in mv.inputs],
        "fields": [v.ident for v in mv.outputs],
        "model": str(c.model_path.resolve()),
        "sets": [{"inputs": [str(p) for p in s.inputs], "out": str(out_dir(work, testee, c, s.name))}
                 for s in c.sets],
    } for c, mv in zip(cases, view.models)]
    (root / "manifest.json").write_text(json.dumps({"package": view.package, "src": str(root / "sdk" / "src"),
                                                    "remote": remote, "cases": manifest}, indent=1))
    res.timings["generate"] = time.monotonic() - t0
    t1 = time.monotonic()
    runner = runner_dir("python", "check_runner.py")
    in_container = "/opt/sdkgen/generator/check/runners/python/check_runner.py"
    r = executor.run(Testee(
        LANG, [sys.executable, str(runner), str(root / "manifest.json")], thread_env(executor), root,
        reads=case_paths(cases), writes=[work],
        container_argv=["/opt/venv/bin/python", in_container, str(root / "manifest.json")],
        mounts={GENERATOR: "/opt/sdkgen/generator"}))
    (root / "runner.log").write_text(r.stdout + r.stderr)
    if r.returncode != 0:
        res.runner_note = f"python runner exited with {r.returncode} ({executor.label}): {tail(r.stderr, 1500)}"
    res.timings["run"] = time.monotonic() - t1
    log(f"check: {testee}: one SDK of {len(cases)} models generated in {res.timings['generate']:.1f}s, "
        f"ran on the {executor.label} in {res.timings['run']:.1f}s")
    return res
