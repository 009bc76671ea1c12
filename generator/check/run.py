"""``sdkgen check``: collect the cases, run every language's testee, judge, report."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import fixtures, targets
from ..errors import UserError
from .cases import Case, collect, out_dir
from .common import Executor, LangRun
from .compare import compare
from .outcome import OK, Cell, judge, judge_ort, judge_refused, load_list
from .report import Results, failures, junit, summary, table, write_json

LANGS = targets.LANGS


def driver(lang: str) -> Any:
    """The check driver the targets registry declares for ``lang``."""
    return targets.get(lang).check_module()


def _evaluate(c: Case, lang: str, work: Path, lr: LangRun, rtol: float, atol: float) -> tuple[bool, str, str, float]:
    """(ran ok, short text, detail, max abs error) for one case in one language."""
    if c.key in lr.not_run:
        status, msg = lr.not_run[c.key]
        return False, f"{status}: {msg.splitlines()[0] if msg else ''}", msg, 0.0
    worst = 0.0
    for s in c.sets:
        d = out_dir(work, lang, c, s.name)
        if s.error is not None:
            msg = _expected_error(s.error, d, s.name)
            if msg:
                return False, f"mismatch: {msg}", msg, 0.0
            continue
        if (d / "error.txt").is_file():
            text = (d / "error.txt").read_text(errors="replace")
            return False, f"error: {text.strip().splitlines()[0] if text.strip() else '?'}", f"{s.name}: {text}", 0.0
        for k, (exp_path, v) in enumerate(zip(s.outputs, c.model.outputs)):
            got_path = d / f"output_{k}.pb"
            if not got_path.is_file():
                note = lr.runner_note or "the runner wrote nothing"
                return False, "error: no output (runner died?)", f"{s.name}: no {got_path.name}: {note}", 0.0
            try:
                exp = fixtures.load_value(exp_path, v.type)
                got = fixtures.load_value(got_path, v.type)
            except UserError as e:
                return False, f"error: {e}", str(e), 0.0
            msg, err = compare(exp, got, v.type, rtol, atol, f"{s.name} output {k} {v.name!r}")
            if msg:
                return False, f"mismatch: {msg}", msg, err
            worst = max(worst, err)
    return True, f"ok {worst:.1e}" if worst else "ok", "", worst


def _expected_error(want: dict[str, str], d: Path, set_name: str) -> str:
    """"" when the runner caught the input error the fixture expects (kind, input, expected)."""
    got_file = d / "error.json"
    if not got_file.is_file():
        other = (d / "error.txt").read_text(errors="replace").strip() if (d / "error.txt").is_file() else ""
        what = f"another error: {other.splitlines()[0]}" if other else "no input error (it ran)"
        return f"{set_name}: expected input error {want['kind']} on {want['input']!r}, got {what}"
    try:
        got = fixtures.read_error(got_file)
    except UserError as e:
        return f"{set_name}: {e}"
    diff = [f"{k} {got.get(k)!r} != expected {want[k]!r}" for k in fixtures.ERROR_FIELDS if got.get(k) != want[k]]
    return f"{set_name}: input error {'; '.join(diff)}" if diff else ""


def check(
    models: Sequence[str],
    suites: Sequence[str],
    *,
    fixtures_dir: str | None,
    langs: Sequence[str],
    rtol: float,
    atol: float,
    work: Path,
    junit_path: Path | None,
    json_path: Path | None = None,
    allow_ort_cannot: bool = False,
    errors: bool = False,
    executor: Executor | None = None,
    failures_dir: Path | None,
    ort_cannot: Path | None,
    n_cases: int,
    seed: int,
    dims: dict[str, int],
    echo: Callable[[str], None],
    log: Callable[[str], None],
) -> int:
    t0 = time.monotonic()
    work = work.absolute()  # the runners and build tools run in other directories
    executor = executor or Executor()
    for lang in langs:
        if lang not in targets.TARGETS:
            raise UserError(f"--lang {lang}: unknown (expected some of {', '.join(LANGS)})")
    lists = {lang: {} for lang in langs} if failures_dir is None else {
        lang: ({k: v[0] for k, v in load_list(failures_dir / f"{lang}.tsv", 2).items()}
               if (failures_dir / f"{lang}.tsv").is_file() else {}) for lang in langs}
    ort_list = load_list(ort_cannot, 3) if ort_cannot else {}
    work.mkdir(parents=True, exist_ok=True)
    cases = collect(models, suites, fixtures_dir, work / "generated-fixtures", n_cases=n_cases, seed=seed,
                    dims=dims, log=log, rtol=rtol, atol=atol, errors=errors)
    runnable = [c for c in cases if not c.problem]
    results: Results = {c.id: {} for c in cases}
    for lang in langs:
        refused = {c.id: "; ".join(str(r) for r in targets.refusals(lang, c.model)) for c in runnable}
        for c in runnable:
            if refused[c.id]:
                results[c.id][lang] = (judge_ort("", "", ort_list[c.id]) if c.id in ort_list
                                       else judge_refused(refused[c.id], lists[lang].get(c.id)))
        carried = [c for c in runnable if not refused[c.id]]
        t = time.monotonic()
        lr: LangRun = driver(lang).check(carried, work, log, executor)
        per = (time.monotonic() - t) / max(1, len(carried))
        for c in carried:
            ran_ok, short, detail, err = _evaluate(c, lang, work, lr, rtol, atol)
            cell = judge(ran_ok, short, detail, lists[lang].get(c.id), err)
            cell.seconds = per
            if c.id in ort_list:
                cell = judge_ort("", "", ort_list[c.id])
            results[c.id][lang] = cell
    for c in cases:
        if c.problem:
            for lang in langs:
                listed = ort_list.get(c.id)
                if listed is None and allow_ort_cannot and c.problem != "bad-fixture":
                    listed = [c.problem, "raw ONNX Runtime cannot (--allow-ort-cannot)"]
                results[c.id][lang] = judge_ort(c.problem, c.detail, listed)
    passed, line, closing = summary(results)
    echo(table(results, langs))
    bad = failures(results, langs)
    if bad:
        echo("")
        echo(bad)
    if junit_path is not None:
        junit(results, langs, junit_path)
    if json_path is not None:
        write_json(results, langs, json_path)
    echo("")
    echo(f"{line}  [{time.monotonic() - t0:.0f}s, work dir {work}]")
    echo(closing)
    return 0 if passed else 1


__all__ = ["LANGS", "OK", "Cell", "check"]
