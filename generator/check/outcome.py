"""Per (case, language) outcomes, judged against strict expected-failure lists.

A list is a TSV file: ``case id<TAB>reason`` per line, ``#`` comments. Strict both ways
(like protobuf's conformance failure lists): a listed case that passes is an *unexpected
pass* and fails the run, so the lists never go stale. Cases raw ONNX Runtime itself cannot
load or run are not SDK failures; they must be listed in the ``--ort-cannot`` file
(``case id<TAB>status<TAB>reason``) with the status seen, else they fail the run too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError

OK, XFAIL, FAIL, XPASS, ORT_CANNOT = "ok", "expected failure", "FAIL", "UNEXPECTED PASS", "ort-cannot"
# The language's target declares (generator/targets.py) that it cannot carry the model: the
# generator refuses it with that reason, so no list entry is needed.
REFUSED = "refused"


@dataclass
class Cell:
    outcome: str  # one of OK, XFAIL, FAIL, XPASS, ORT_CANNOT, REFUSED
    short: str  # what the table prints
    detail: str = ""  # the whole error text
    max_abs: float = 0.0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.outcome in (OK, XFAIL, ORT_CANNOT, REFUSED)


def load_list(path: Path, columns: int) -> dict[str, list[str]]:
    """case id -> the other columns; every entry needs a non-empty reason (the last column)."""
    out: dict[str, list[str]] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise UserError(f"{path}: cannot read the failure list: {e.strerror}") from e
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != columns or not parts[-1].strip():
            raise UserError(f"{path}:{n}: expected {columns} tab-separated columns ending in a reason")
        if parts[0] in out:
            raise UserError(f"{path}:{n}: {parts[0]} is listed twice")
        out[parts[0]] = parts[1:]
    return out


def judge(ran_ok: bool, short: str, detail: str, listed: str | None, max_abs: float) -> Cell:
    """``listed`` is the list's reason if the case is an expected failure for this language."""
    if ran_ok and listed is None:
        return Cell(OK, short, detail, max_abs)
    if ran_ok:
        return Cell(XPASS, "UNEXPECTED PASS", f"listed as an expected failure ({listed}) but it passes; "
                    "remove it from the failure list", max_abs)
    if listed is not None:
        return Cell(XFAIL, "xfail", f"expected failure: {listed}\n{detail}", max_abs)
    return Cell(FAIL, short, detail, max_abs)


def judge_refused(reason: str, listed: str | None) -> Cell:
    """A case the target registry refuses for this language."""
    if listed is not None:
        return Cell(XPASS, "UNEXPECTED LIST ENTRY", f"listed as an expected failure ({listed}) but the targets "
                    f"registry refuses it ({reason}); remove it from the failure list")
    return Cell(REFUSED, "refused: " + reason, reason)


def judge_ort(problem: str, detail: str, listed: list[str] | None) -> Cell:
    """A case raw ORT cannot run (``problem`` non-empty) or can (``problem`` empty, listed)."""
    if problem and listed is not None and listed[0] == problem:
        return Cell(ORT_CANNOT, problem, f"{listed[1]}\n{detail}")
    if problem and listed is not None:
        return Cell(FAIL, problem, f"listed as {listed[0]} but is {problem}: {detail}")
    if problem:
        return Cell(FAIL, problem, f"raw ONNX Runtime: {detail}")
    assert listed is not None
    return Cell(XPASS, "UNEXPECTED PASS", f"listed as {listed[0]} ({listed[1]}) but raw ONNX Runtime "
                "runs it: remove it from the ort-cannot list")
