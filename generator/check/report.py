"""The case x language table, the summary lines and the JUnit XML of a check run."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from .outcome import FAIL, OK, ORT_CANNOT, REFUSED, XFAIL, XPASS, Cell

Results = dict[str, dict[str, Cell]]  # case id -> lang -> cell


def _clip(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def table(results: Results, langs: Sequence[str], width: int = 44) -> str:
    header = ["case", *langs]
    rows = [[cid, *(_clip(results[cid][lang].short, width) for lang in langs)] for cid in results]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    return "\n".join(lines)


def failures(results: Results, langs: Sequence[str]) -> str:
    out = []
    for cid, cells in results.items():
        for lang in langs:
            c = cells[lang]
            if not c.passed:
                out.append(f"--- {c.outcome}: {cid} [{lang}]\n{c.detail.strip()[:2000]}")
    return "\n".join(out)


def counts(results: Results) -> dict[str, int]:
    n = {OK: 0, REFUSED: 0, XFAIL: 0, FAIL: 0, XPASS: 0, ORT_CANNOT: 0}
    for cells in results.values():
        for c in cells.values():
            n[c.outcome] += 1
    return n


def summary(results: Results) -> tuple[bool, str, str]:
    """(passed, the protobuf-conformance-style line, the closing ``N passed, N failed`` line)."""
    n = counts(results)
    ok = n[FAIL] == 0 and n[XPASS] == 0
    line = (f"CHECK {'PASSED' if ok else 'FAILED'}: {n[OK]} ok, {n[REFUSED]} refused by the targets registry, "
            f"{n[XFAIL]} expected failures, "
            f"{n[FAIL]} unexpected failures, {n[XPASS]} unexpected passes, "
            f"{n[ORT_CANNOT]} not checkable (raw ONNX Runtime cannot run them; listed)")
    passed = n[OK] + n[REFUSED] + n[XFAIL] + n[ORT_CANNOT]
    return ok, line, f"{passed} passed, {n[FAIL] + n[XPASS]} failed"


def junit(results: Results, langs: Sequence[str], path: Path) -> None:
    suites = ET.Element("testsuites", name="sdkgen check")
    for lang in langs:
        cells = [(cid, r[lang]) for cid, r in results.items()]
        bad = sum(1 for _, c in cells if c.outcome in (FAIL, XPASS))
        skipped = sum(1 for _, c in cells if c.outcome in (XFAIL, ORT_CANNOT, REFUSED))
        s = ET.SubElement(suites, "testsuite", name=f"sdkgen-check.{lang}", tests=str(len(cells)),
                          failures=str(bad), errors="0", skipped=str(skipped),
                          time=f"{sum(c.seconds for _, c in cells):.3f}")
        for cid, c in cells:
            tc = ET.SubElement(s, "testcase", classname=f"sdkgen-check.{lang}", name=cid, time=f"{c.seconds:.3f}")
            if c.outcome in (FAIL, XPASS):
                f = ET.SubElement(tc, "failure", message=_clip(f"{c.outcome}: {c.short}", 300), type=c.outcome)
                f.text = c.detail
            elif c.outcome in (XFAIL, ORT_CANNOT, REFUSED):
                ET.SubElement(tc, "skipped", message=_clip(f"{c.outcome}: {c.detail}", 300), type=c.outcome)
            else:
                ET.SubElement(tc, "system-out").text = f"max abs error {c.max_abs:.3g}"
    ET.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def write_json(results: Results, langs: Sequence[str], path: Path) -> None:
    """Every cell as JSON: {"langs": [...], "cases": {case id: {lang: {outcome, short, detail, max_abs}}}}."""
    import json

    doc = {"langs": list(langs), "cases": {
        cid: {lang: {"outcome": c.outcome, "short": c.short, "detail": c.detail[:4000], "max_abs": c.max_abs}
              for lang, c in cells.items()} for cid, cells in results.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
