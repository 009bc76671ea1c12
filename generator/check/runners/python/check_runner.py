"""The Python testee of ``sdkgen check``: runs one generated Python SDK on fixture inputs.

    python check_runner.py MANIFEST.json

The manifest names the SDK's package and ``src`` directory and, per case, the model class and
the keyword/field names the emitter's view gave it. For each data set: read ``input_I.pb``, call
the *typed* ``run(**kwargs)`` and write each field of the returned outputs dataclass to
``OUT/output_K.pb``. A set with an absent input file goes through ``run_dict`` (so a missing
input is the SDK's typed error, not a Python ``TypeError``). A typed input error is written as
``OUT/error.json`` (kind, input, expected, actual: docs/errors.md); anything else raised goes to
``OUT/error.txt``. With ``"remote": "HOST:PORT"`` in the manifest each model is opened with
``Model.remote(address)`` (the name ``sdkgen deploy`` serves it under) instead of in-process.
Values are read and written by ``generator.fixtures``.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))  # the directory holding `generator`

from generator import fixtures, reader


def _fail(out: Path, text: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "error.txt").write_text(text)


def _input_error(out: Path, e: Any) -> None:
    out.mkdir(parents=True, exist_ok=True)
    doc = {"kind": str(e.kind), "input": e.input, "expected": e.expected, "actual": e.actual}
    (out / "error.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")


def run_case(pkg: ModuleType, case: dict[str, Any], remote: str | None = None) -> None:
    sets = [([Path(p) for p in s["inputs"]], Path(s["out"])) for s in case["sets"]]
    try:
        m = reader.read(case["model"])
        cls = getattr(pkg, case["class_name"])
        model = cls.remote(remote) if remote else cls()
    except Exception as e:  # noqa: BLE001 - anything the SDK raises is a result
        for _, out in sets:
            _fail(out, f"constructor: {type(e).__name__}: {e}\n{traceback.format_exc()}")
        return
    params, fields = case["params"], case["fields"]
    try:
        for inputs, out in sets:
            try:
                if all(p.is_file() for p in inputs):
                    values = [fixtures.load_value(p, v.type) for p, v in zip(inputs, m.inputs)]
                    got = model.run(**dict(zip(params, values)))
                    results = [getattr(got, f) for f in fields]
                else:
                    feeds = {v.name: fixtures.load_value(p, v.type) for p, v in zip(inputs, m.inputs) if p.is_file()}
                    by_name = model.run_dict(feeds)
                    results = [by_name[v.name] for v in m.outputs]
                out.mkdir(parents=True, exist_ok=True)
                for k, (value, v) in enumerate(zip(results, m.outputs)):
                    fixtures.save_value(out / f"output_{k}.pb", value, v.type, v.name)
            except pkg.ModelInputError as e:
                _input_error(out, e)
            except Exception as e:  # noqa: BLE001
                _fail(out, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    finally:
        model.close()


def main() -> None:
    manifest = json.loads(Path(sys.argv[1]).read_text())
    sys.path.insert(0, manifest["src"])
    pkg = importlib.import_module(manifest["package"])
    for case in manifest["cases"]:
        run_case(pkg, case, manifest.get("remote"))
        print("done", case["key"], flush=True)


if __name__ == "__main__":
    main()
