"""Runs inside a fresh venv where the generated SDKs are pip-installed.

For each case: build the generated model class, feed it the case's inputs through the
typed ``run(**kwargs)``, run raw ONNX Runtime with the same session settings on the
same inputs, and require identical outputs. Prints one JSON object per case.

    python python_driver.py MANIFEST.json
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

# The repo root, for generator.reader and generator.fixtures: they need only onnx and numpy,
# which this venv has; the .pb layout is read by the same code `sdkgen check` uses.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from generator import fixtures, reader


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b) or (a is None and b is None)


def max_abs(a: Any, b: Any) -> float:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype.kind in "fc" and a.shape == b.shape:
        if a.size == 0:
            return 0.0
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
        return float(np.nanmax(d)) if not np.all(np.isnan(d)) else 0.0
    return 0.0 if same(a, b) else float("inf")


def raw_session(model_path: str, cfg: Any) -> Any:
    so = ort.SessionOptions()
    so.intra_op_num_threads = cfg.intra_op_threads
    so.inter_op_num_threads = cfg.inter_op_threads
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if cfg.allow_spinning else "0")
    return ort.InferenceSession(model_path, sess_options=so, providers=["CPUExecutionProvider"])


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    res: dict[str, Any] = {"id": case["id"], "sets": 0, "max_abs_vs_expected": 0.0}
    try:
        raw = None
        pkg = importlib.import_module(case["package"])
        try:
            raw_probe = ort.InferenceSession(case["model"], providers=["CPUExecutionProvider"])
            del raw_probe
        except Exception as e:  # noqa: BLE001
            res.update(status="ort-cannot-load", detail=str(e).splitlines()[0][:300])
            return res
        model = getattr(pkg, case["class_name"])()
        raw = raw_session(case["model"], model.config)
        params = case["params"]  # run()'s keywords, from the emitter's view
        sig = reader.read(case["model"])
        sets: list[tuple[list[Any], list[Any] | None]] = []
        for d in case["datasets"]:
            ds = next(x for x in fixtures.data_sets(Path(d).parent, sig) if x.dir == Path(d))
            ins = [fixtures.load_value(p, v.type) for p, v in zip(ds.inputs, sig.inputs)]
            outs = [fixtures.load_value(p, v.type) for p, v in zip(ds.outputs, sig.outputs)]
            sets.append((ins, outs))
        if not sets:
            rng = np.random.default_rng(0)
            sets.append(([fixtures.synth_value(v.type, rng, {}) for v in sig.inputs], None))
        for ins, expected in sets:
            try:
                want = raw.run(None, dict(zip(case["inputs"], ins)))
            except Exception as e:  # noqa: BLE001
                res.update(status="ort-cannot-run", detail=str(e).splitlines()[0][:300])
                return res
            got = model.run(**dict(zip(params, ins)))
            got_list = list(got.as_dict().values())
            for name, g, w in zip(case["outputs"], got_list, want):
                if not same(g, w):
                    res.update(status="mismatch", detail=f"output {name!r}: SDK {g!r:.200} != ORT {w!r:.200}")
                    return res
            for g, e in zip(got_list, expected or []):
                if e is not None:
                    res["max_abs_vs_expected"] = max(res["max_abs_vs_expected"], max_abs(g, e))
            res["sets"] += 1
        model.close()
        res["status"] = "ok"
    except Exception as e:  # noqa: BLE001
        res.update(status="sdk-error", detail=f"{type(e).__name__}: {e}"[:500], tb=traceback.format_exc()[-2000:])
    return res


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())
    for case in cases:
        print(json.dumps(run_case(case)), flush=True)


if __name__ == "__main__":
    main()
