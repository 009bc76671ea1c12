"""Directory goldens: tests/golden/<case>/case.json names the input, out/ holds the whole expected tree.

case.json: {"models": [{"model": "<repo path | ort:NAME | onnx:SUITE/CASE>", "name": "...", "embed": false}],
            "lang": "python|java|go|ir", "options": {<generator.emit.Options fields>}}
(``"model": REF`` is short for one model with its default name; ``ir`` cases take one model.)
A new case is a new directory; ``pytest tests/test_golden.py --update-golden`` writes its out/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator import emit, ir, reader

from .paths import REPO, resolve_model

GOLDEN = REPO / "tests" / "golden"


def cases() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "case.json").is_file())


def spec(case: Path) -> dict[str, Any]:
    s: dict[str, Any] = json.loads((case / "case.json").read_text(encoding="utf-8"))
    if "model" in s:
        s["models"] = [{"model": s.pop("model")}]
    return s


def sources(s: dict[str, Any]) -> list[emit.ModelSource]:
    out = []
    for m in s["models"]:
        path = resolve_model(m["model"])
        model, data = reader.read_file(path)
        out.append(emit.ModelSource(model, data, m.get("name", emit.default_name(str(path))), m.get("embed", True)))
    return out


def generated(case: Path) -> emit.Generated:
    s = spec(case)
    return emit.generate(s["lang"], sources(s), emit.Options(**s.get("options", {})))


def generate(case: Path) -> dict[str, bytes]:
    s = spec(case)
    if s["lang"] == "ir":
        (src,) = sources(s)
        return {"ir.json": ir.to_json(src.model).encode("ascii")}
    return generated(case).files


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
