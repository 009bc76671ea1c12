"""Directory goldens: tests/golden/<case>/case.json names the input, out/ holds the expected tree.

out/ holds everything the emitter generates for the case except the copied runtime (which is
the runtime's source, tested where it lives and checked to be copied verbatim by each language's
emitter tests); ``complete`` puts it back for the tests that compile or lint a golden.

case.json: {"models": [{"model": "<repo path | ort:NAME | onnx:SUITE/CASE>", "name": "...", "embed": false}],
            "lang": "python|java|go|ir|deploy", "options": {<generator.emit.Options fields>}}
(``"model": REF`` is short for one model with its default name; ``ir`` cases take one model.)
A new case is a new directory; ``pytest tests/test_golden.py --update-golden`` writes its out/.
"""

from __future__ import annotations

import json
import shutil
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
    """What out/ holds: the generated files minus the runtime copy."""
    s = spec(case)
    if s["lang"] == "ir":
        (src,) = sources(s)
        return {"ir.json": ir.to_json(src.model).encode("ascii")}
    if s["lang"] == "deploy":  # sdkgen deploy: the Triton repository and the KServe manifests
        from generator import deploy

        o = s.get("options", {})
        files = {f"triton/{k}": v for k, v in deploy.triton(sources(s), max_batch=o.get("max_batch_size"),
                                                             cpus=o.get("cpus")).items()}
        files["kserve.yaml"] = deploy.kserve(sources(s), storage_uri=o.get("storage_uri", "pvc://sdkgen-models"),
                                             max_batch=o.get("max_batch_size"), cpus=o.get("cpus"))
        return files
    g = generated(case)
    return {k: v for k, v in g.files.items() if k not in g.runtime}


def complete(case: Path, dest: Path) -> Path:
    """The golden's out/ plus the runtime copy the emitter adds: a whole SDK tree at ``dest``."""
    shutil.copytree(case / "out", dest)
    g = generated(case)
    for rel in g.runtime:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(g.files[rel])
    return dest


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
