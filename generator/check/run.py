"""``sdkgen check``: collect the cases, run every language's testee, judge, report."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import fixtures, targets
from ..errors import UserError
from .cases import Case, collect, out_dir
from .common import Executor, LangRun, fresh, testee_name, write_files
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
    remote: bool = False,
    echo: Callable[[str], None],
    log: Callable[[str], None],
) -> int:
    t0 = time.monotonic()
    work = work.absolute()  # the runners and build tools run in other directories
    executor = executor or Executor()
    for lang in langs:
        if lang not in targets.TARGETS:
            raise UserError(f"--lang {lang}: unknown (expected some of {', '.join(LANGS)})")
    if remote and executor.label != "host":
        raise UserError("--remote runs on this host only (the local server listens on 127.0.0.1, and --docker "
                        "containers have no network): drop --docker or --remote")
    testees = [*langs, *(remote_testee(lang) for lang in langs)] if remote else list(langs)
    lists = {t: {} for t in testees} if failures_dir is None else {
        t: ({k: v[0] for k, v in load_list(failures_dir / f"{t}.tsv", 2).items()}
            if (failures_dir / f"{t}.tsv").is_file() else {}) for t in testees}
    ort_list = load_list(ort_cannot, 3) if ort_cannot else {}
    work.mkdir(parents=True, exist_ok=True)
    cases = collect(models, suites, fixtures_dir, work / "generated-fixtures", n_cases=n_cases, seed=seed,
                    dims=dims, log=log, rtol=rtol, atol=atol, errors=errors)
    runnable = [c for c in cases if not c.problem]
    results: Results = {c.id: {} for c in cases}
    for lang in langs:
        _run_lang(lang, lang, runnable, work, log, executor, results, lists[lang], ort_list, rtol, atol)
    if remote:
        _run_remote(langs, runnable, work, log, results, lists, ort_list, rtol, atol)
    for c in cases:
        if c.problem:
            for lang in testees:
                listed = ort_list.get(c.id)
                if listed is None and allow_ort_cannot and c.problem != "bad-fixture":
                    listed = [c.problem, "raw ONNX Runtime cannot (--allow-ort-cannot)"]
                results[c.id][lang] = judge_ort(c.problem, c.detail, listed)
    passed, line, closing = summary(results)
    echo(table(results, testees))
    bad = failures(results, testees)
    if bad:
        echo("")
        echo(bad)
    if junit_path is not None:
        junit(results, testees, junit_path)
    if json_path is not None:
        write_json(results, testees, json_path)
    echo("")
    echo(f"{line}  [{time.monotonic() - t0:.0f}s, work dir {work}]")
    echo(closing)
    return 0 if passed else 1


def _run_lang(lang: str, testee: str, runnable: list[Case], work: Path, log: Callable[[str], None],
              executor: Executor, results: Results, listed: dict[str, str], ort_list: dict[str, list[str]],
              rtol: float, atol: float, remote: str | None = None) -> None:
    """Run ``lang``'s driver (in-process, or against the server at ``remote``) as ``testee`` and
    judge every runnable case into ``results[case id][testee]``."""
    refused = {}
    for c in runnable:
        found = targets.refusals(lang, c.model) + (targets.oip_refusals(c.model) if remote else [])
        refused[c.id] = "; ".join(str(r) for r in found)
    for c in runnable:
        if refused[c.id]:
            results[c.id][testee] = (judge_ort("", "", ort_list[c.id]) if c.id in ort_list
                                     else judge_refused(refused[c.id], listed.get(c.id)))
    carried = [c for c in runnable if not refused[c.id]]
    t = time.monotonic()
    lr: LangRun = driver(lang).check(carried, work, log, executor, remote=remote)
    per = (time.monotonic() - t) / max(1, len(carried))
    for c in carried:
        ran_ok, short, detail, err = _evaluate(c, testee, work, lr, rtol, atol)
        cell = judge(ran_ok, short, detail, listed.get(c.id), err)
        cell.seconds = per
        if c.id in ort_list:
            cell = judge_ort("", "", ort_list[c.id])
        results[c.id][testee] = cell


def remote_testee(lang: str) -> str:
    """The table's column (and the work dir) of ``lang``'s remote client: "go-remote"."""
    return testee_name(lang, remote=True)


def _run_remote(langs: Sequence[str], runnable: list[Case], work: Path, log: Callable[[str], None],
                results: Results, lists: dict[str, dict[str, str]], ort_list: dict[str, list[str]],
                rtol: float, atol: float) -> None:
    """``--remote``: serve every case OIP v2 can carry from a local Triton (``sdkgen deploy
    --triton``, one intra-op thread like the in-process runners), run each language's remote
    client on the same fixtures, then require each remote output to equal, bit for bit, what the
    same language returned in-process."""
    from .. import deploy, emit
    from ..remote import triton

    served = [c for c in runnable if not targets.oip_refusals(c.model)]
    repo = fresh(work / "triton-repo")
    if served:
        srcs = [emit.ModelSource(c.model, c.model_path.read_bytes(), c.name) for c in served]
        write_files(repo, deploy.triton(srcs, cpus=1.0))
    with contextlib.ExitStack() as stack:
        address = "127.0.0.1:1"  # nothing is served: every case is refused before a client starts
        if served:
            ep = stack.enter_context(triton.serve(repo, log=work / "triton.log", echo=log))
            address = ep.grpc
        for lang in langs:
            testee = remote_testee(lang)
            _run_lang(lang, testee, runnable, work, log, Executor(), results, lists[testee], ort_list, rtol, atol,
                      remote=address)
    for c in runnable:
        for lang in langs:
            testee = remote_testee(lang)
            here, there = results[c.id][lang], results[c.id][testee]
            if here.outcome == OK and there.outcome == OK:
                diff = _differs(c, work, lang, testee)
                if diff:
                    results[c.id][testee] = judge(False, f"mismatch: {diff}", diff, lists[testee].get(c.id), 0.0)


def _differs(c: Case, work: Path, lang: str, testee: str) -> str:
    """"" when every output file of ``testee`` is byte-identical to ``lang``'s (the same runner
    wrote both), else which one differs and how."""
    for s in c.sets:
        if s.error is not None:
            continue
        for k, v in enumerate(c.model.outputs):
            name = f"output_{k}.pb"
            a, b = out_dir(work, lang, c, s.name) / name, out_dir(work, testee, c, s.name) / name
            if a.read_bytes() != b.read_bytes():
                msg, _ = compare(fixtures.load_value(a, v.type), fixtures.load_value(b, v.type), v.type, 0.0, 0.0,
                                   f"{s.name} output {k} {v.name!r}")
                return (f"not bit-identical to {lang} in-process: "
                        + (msg or f"{s.name} output {k} {v.name!r}: same values, different encoding"))
    return ""


__all__ = ["LANGS", "OK", "Cell", "check", "remote_testee"]
