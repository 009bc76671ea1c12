"""Conformance: `sdkgen check` over the whole ONNX backend node suite, in every language.

    python scripts/conformance.py [--subset] [--lang python,java,go] [--work DIR] [--report FILE]

The node suite is generated from the installed onnx wheel (``onnx.backend.test.case.node``, the
data `backend-test-tools generate-data` writes) into ``WORK/suite/node``. A model newer than
the pinned ONNX Runtime loads (IR 14, opset 27/28) is lowered exactly as ``sdkgen --downgrade``
would (``generator.compat``: only when no operator schema or element type is newer); the others
stay as they are and raw ORT reports them as not loadable. Then one `sdkgen check` run covers
every case in every language, and the report (``docs/conformance.md`` by default) lists, per
language, what passed, what the targets registry refuses (with the reason) and what failed.
``--subset`` takes one case per operator (the first by name): the stratified sample CI runs.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np
import onnx
from onnx import numpy_helper

from generator import compat


def _value_proto(value: Any, vi: Any) -> bytes:
    t = vi.type
    if t.HasField("map_type"):
        return numpy_helper.from_dict(value, vi.name).SerializeToString()
    if t.HasField("sequence_type"):
        return numpy_helper.from_list(value, vi.name).SerializeToString()
    if t.HasField("optional_type"):
        return numpy_helper.from_optional(value, vi.name).SerializeToString()
    if isinstance(value, onnx.TensorProto):
        return value.SerializeToString()
    return numpy_helper.from_array(np.asarray(value), vi.name).SerializeToString()


def write_suite(out: Path) -> dict[str, str]:
    """Write every node case as DIR/<case>/model.onnx + test_data_set_N; case -> how it was lowered."""
    import warnings

    from onnx.backend.test.case import node

    stamp = out / ".onnx-version"
    notes_file = out / ".lowered.json"
    if stamp.is_file() and stamp.read_text() == onnx.__version__ and notes_file.is_file():
        notes: dict[str, str] = json.loads(notes_file.read_text())
        return notes
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node.collect_testcases(None)
    notes = {}
    for c in cases:
        if c.model is None or not c.data_sets:
            continue
        m = c.model
        if compat._too_new(m) and not compat._lowering_blockers(m):
            notes[c.name] = ", ".join(compat._lower(m))
        d = out / c.name
        d.mkdir()
        (d / "model.onnx").write_bytes(m.SerializeToString())
        inits = {t.name for t in m.graph.initializer}
        required = [vi for vi in m.graph.input if vi.name not in inits]
        for i, (inputs, outputs) in enumerate(c.data_sets):
            s = d / f"test_data_set_{i}"
            s.mkdir()
            for j, (v, vi) in enumerate(zip(inputs, required)):
                (s / f"input_{j}.pb").write_bytes(_value_proto(v, vi))
            for j, (v, vi) in enumerate(zip(outputs, m.graph.output)):
                (s / f"output_{j}.pb").write_bytes(_value_proto(v, vi))
    notes_file.write_text(json.dumps(notes, indent=1, sort_keys=True))
    stamp.write_text(onnx.__version__)
    return notes


def subset(suite: Path, dest: Path) -> None:
    """One case per operator (the first by name), linked into ``dest``."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    seen: set[str] = set()
    for d in sorted(p for p in suite.iterdir() if (p / "model.onnx").is_file()):
        m = onnx.load(d / "model.onnx", load_external_data=False)
        op = m.graph.node[0].op_type if m.graph.node else "(none)"
        if op not in seen:
            seen.add(op)
            os.symlink(d, dest / d.name)


def report(result: dict[str, Any], lowered: dict[str, str], langs: list[str], seconds: float, subset_run: bool) -> str:
    cases: dict[str, dict[str, Any]] = result["cases"]
    total = len(cases)
    ort_runs = [cid for cid, cells in cases.items() if cells[langs[0]]["outcome"] != "ort-cannot"]
    lines = [
        "# Conformance: the ONNX backend node suite in every SDK",
        "",
        (f"Made by `make conformance` (`python scripts/conformance.py{' --subset' if subset_run else ''}`) "
        f"with onnx {onnx.__version__}: {total} node cases, {len(lowered)} of them lowered to what ONNX Runtime "
        f"1.29.0 loads (as `sdkgen --downgrade` would), {len(ort_runs)} that raw Python ONNX Runtime loads and runs. "
        f"One `sdkgen check` run, {seconds:.0f} s on this machine."),
        "",
        "| language | passed | refused (targets registry) | failed | pass rate vs Python |",
        "|---|---|---|---|---|",
    ]
    counts: dict[str, collections.Counter[str]] = {}
    for lang in langs:
        n: collections.Counter[str] = collections.Counter(cases[cid][lang]["outcome"] for cid in ort_runs)
        counts[lang] = n
    py_ok = counts.get("python", collections.Counter())["ok"] or 1
    for lang in langs:
        n = counts[lang]
        failed = sum(v for k, v in n.items() if k not in ("ok", "refused"))
        lines.append(f"| {lang} | {n['ok']} / {len(ort_runs)} | {n['refused']} | {failed} | "
                     f"{100 * n['ok'] / py_ok:.1f}% |")
    lines += ["", ("Cases raw ONNX Runtime cannot load or run are not counted above: "
              f"{total - len(ort_runs)} (old opsets without CPU kernels, opset 27/28 operators, training ops...).")]
    for lang in langs:
        refused: collections.Counter[str] = collections.Counter()
        failed_rows = []
        for cid in ort_runs:
            cell = cases[cid][lang]
            if cell["outcome"] == "refused":
                reason = cell["detail"].split(": ", 2)[-1] if cell["detail"] else cell["short"]
                what = cell["detail"].split(": cannot carry ", 1)[-1].split(":", 1)[0] if cell["detail"] else ""
                refused[f"{what}: {reason}"] += 1
            elif cell["outcome"] not in ("ok",):
                failed_rows.append(f"| {cid} | {cell['short'][:160].replace('|', '/')} |")
        lines += ["", f"## {lang}", ""]
        if refused:
            lines += ["Refused at generation (the reason is the targets registry's):", "",
                      "| cases | what and why |", "|---|---|"]
            lines += [f"| {k} | {v.replace('|', '/')} |" for v, k in sorted(refused.items(), key=lambda x: -x[1])]
        lines += ["", f"Failed: {len(failed_rows)}", ""]
        if failed_rows:
            lines += ["| case | result |", "|---|---|", *failed_rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subset", action="store_true", help="one case per operator (what CI runs)")
    ap.add_argument("--lang", default="python,java,go")
    ap.add_argument("--work", default=str(Path.home() / ".cache" / "sdkgen" / "conformance"))
    ap.add_argument("--report", default="", help=f"report file [default: {REPO / 'docs' / 'conformance.md'}]")
    ap.add_argument("--failures", default=str(REPO / "integration" / "failures"))
    args = ap.parse_args()
    work = Path(args.work)
    suite = work / "suite" / "node"
    t0 = time.monotonic()
    lowered = write_suite(suite)
    target = suite
    if args.subset:
        target = work / "subset" / "node"
        subset(suite, target)
    print(f"conformance: suite ready in {time.monotonic() - t0:.0f}s ({sum(1 for _ in target.iterdir())} cases)")
    langs = [x for x in args.lang.split(",") if x]
    t1 = time.monotonic()
    res = work / "result.json"
    r = subprocess.run([sys.executable, "-m", "generator", "check", "--suite", str(target), "--lang", ",".join(langs),
                        "--allow-ort-cannot", "--json", str(res), "--junit", str(work / "junit.xml"),
                        "--failures", args.failures, "--work", str(work / "check")],
                       cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - t1
    if not res.is_file():
        sys.exit(f"sdkgen check wrote no result ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    text = report(json.loads(res.read_text()), {k: v for k, v in lowered.items() if (target / k).exists()},
                  langs, seconds, args.subset)
    out = Path(args.report) if args.report else REPO / "docs" / "conformance.md"
    out.write_text(text)
    print(r.stdout.strip().splitlines()[-2] if r.stdout.strip() else r.stderr[-2000:])
    print(f"conformance: report in {out}")
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
