"""Python: generate every SDK, put them on one interpreter's path, run one testee process."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .. import emit
from ..emit.python import SdkView
from ..errors import UnsupportedModel
from .cases import Case, out_dir
from .common import LangRun, fresh, run, runner_dir, tail, write_files

LANG = "python"


def check(cases: list[Case], work: Path, log: Callable[[str], None]) -> LangRun:
    res = LangRun()
    t0 = time.monotonic()
    root = fresh(work / LANG)
    manifest = []
    for c in cases:
        package = f"sdkcheck_{c.key}"
        try:
            gen = emit.generate(LANG, [emit.ModelSource(c.model, c.model_path.read_bytes(), c.name)],
                                emit.Options(package=package))
        except UnsupportedModel as e:
            res.not_run[c.key] = ("unsupported", str(e))
            continue
        write_files(root / "sdks" / c.key, gen.files)
        view: SdkView = gen.view
        (mv,) = view.models
        manifest.append({
            "key": c.key,
            "src": str(root / "sdks" / c.key / "src"),
            "package": view.package,
            "class_name": mv.class_name,
            "params": [v.ident for v in mv.inputs],
            "fields": [v.ident for v in mv.outputs],
            "model": str(c.model_path),
            "sets": [{"inputs": [str(p) for p in s.inputs], "out": str(out_dir(work, LANG, c, s.name))}
                     for s in c.sets],
        })
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    res.timings["generate"] = time.monotonic() - t0
    t1 = time.monotonic()
    runner = runner_dir("python", "check_runner.py")
    r = run([sys.executable, str(runner), str(root / "manifest.json")], root,
            {"SDKGEN_INTRA_OP_THREADS": "1", "SDKGEN_INTER_OP_THREADS": "1"})
    (root / "runner.log").write_text(r.stdout + r.stderr)
    if r.returncode != 0:
        res.runner_note = f"python runner exited with {r.returncode}: {tail(r.stderr, 1500)}"
    res.timings["run"] = time.monotonic() - t1
    log(f"check: python: generated {len(manifest)} SDKs in {res.timings['generate']:.1f}s, "
        f"ran them in {res.timings['run']:.1f}s")
    return res
