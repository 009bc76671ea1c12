"""Directory goldens: tests/golden/<case>/case.json names the input, out/ holds the whole expected tree.

case.json: {"model": "<repo path | ort:NAME | onnx:SUITE/CASE>", "lang": "python|java|go|ir",
            "options": {<generator.emit.Options fields>}}
A new case is a new directory; ``pytest tests/test_golden.py --update-golden`` writes its out/.
"""

from __future__ import annotations

import json
from pathlib import Path

from generator import emit, ir, reader

from .paths import REPO, resolve_model

GOLDEN = REPO / "tests" / "golden"


def cases() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "case.json").is_file())


def generate(case: Path) -> dict[str, bytes]:
    spec = json.loads((case / "case.json").read_text(encoding="utf-8"))
    model_path = resolve_model(spec["model"])
    m = reader.read(model_path)
    if spec["lang"] == "ir":
        return {"ir.json": ir.to_json(m).encode("ascii")}
    opts = {"name": model_path.stem, **spec.get("options", {})}
    return emit.get(spec["lang"])(m, model_path.read_bytes(), emit.Options(**opts))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
