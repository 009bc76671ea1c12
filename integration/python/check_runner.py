"""The Python testee of ``sdkgen check``: runs generated Python SDKs on fixture inputs.

    python check_runner.py MANIFEST.json

For each case: import the generated package (its ``src`` directory is put on sys.path),
build the model class, and for each data set read ``input_I.pb``, call the *typed*
``run(**kwargs)`` (keyword names from the emitter's view, in the model's input order) and
write each field of the returned outputs dataclass (names from the view) to
``OUT/output_K.pb``; an exception goes to ``OUT/error.txt``. Values are read and written by
``generator.fixtures``.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from generator import fixtures, reader


def _fail(out: Path, text: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "error.txt").write_text(text)


def run_case(case: dict[str, Any]) -> None:
    sys.path.insert(0, case["src"])
    sets = [(s["inputs"], Path(s["out"])) for s in case["sets"]]
    try:
        m = reader.read(case["model"])
        pkg = importlib.import_module(case["package"])
        model = getattr(pkg, case["class_name"])()
    except Exception as e:  # noqa: BLE001 - anything the SDK raises is a result
        for _, out in sets:
            _fail(out, f"constructor: {type(e).__name__}: {e}\n{traceback.format_exc()}")
        return
    params, fields = case["params"], case["fields"]
    try:
        for inputs, out in sets:
            try:
                values = [fixtures.load_value(p, v.type) for p, v in zip(inputs, m.inputs)]
                got = model.run(**dict(zip(params, values)))
                out.mkdir(parents=True, exist_ok=True)
                for k, (f, v) in enumerate(zip(fields, m.outputs)):
                    fixtures.save_value(out / f"output_{k}.pb", getattr(got, f), v.type, v.name)
            except Exception as e:  # noqa: BLE001
                _fail(out, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    finally:
        model.close()


def main() -> None:
    for case in json.loads(Path(sys.argv[1]).read_text()):
        run_case(case)
        print("done", case["key"], flush=True)


if __name__ == "__main__":
    main()
