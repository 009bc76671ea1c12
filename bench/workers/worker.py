"""Benchmark worker, Python: a generated SDK, raw onnxruntime and PyTorch eager behind one line protocol.

    python worker.py MANIFEST.json          (the generated package's src/ on PYTHONPATH)

Stand-alone (stdlib, numpy, onnxruntime; torch only for ``open ... torch``): it also runs inside the
thread benchmark's containers, where the ``bench`` package is absent. The protocol, shared with
the Go and Java workers, is described in bench/driver.py. MANIFEST maps each model key to
``{"package", "class", "inputs": [[wire, ident, dtype]], "outputs": [[wire, ident, dtype]]}``;
model files are ``$BENCH_MODELS/<key>.onnx``.
"""

from __future__ import annotations

import cProfile
import gc
import importlib
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

MODELS = os.environ.get("BENCH_MODELS", ".")


def tasks() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1


def fill(wire: str, dtype: str, n: int) -> np.ndarray:
    """The inputs every worker feeds (same values in every language)."""
    i = np.arange(n, dtype=np.int64)
    if dtype == "float32":
        return (((i * 37) % 101).astype(np.float32) / np.float32(101) - np.float32(0.5)).astype(np.float32)
    if "mask" in wire:
        return np.ones(n, np.int64)
    return (i * 7 + 3) % 100


def options(threads: int, spin: bool) -> Any:
    so = ort.SessionOptions()
    if threads > 0:  # else ORT's defaults, untouched
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        s = "1" if spin else "0"
        so.add_session_config_entry("session.intra_op.allow_spinning", s)
        so.add_session_config_entry("session.inter_op.allow_spinning", s)
    return so


class Runner:
    def __init__(self, manifest: dict[str, Any], kind: str, key: str, threads: int, spin: bool,
                 dims: list[int]) -> None:
        m = manifest[key]
        n = int(np.prod(dims))
        self.arrays = [fill(w, d, n).reshape(dims) for w, _, d in m["inputs"]]
        self.info: dict[str, Any] = {}
        self.keep: Any = None
        args = ", ".join(f"a{i}" for i in range(len(self.arrays)))
        path = os.path.join(MODELS, f"{key}.onnx")
        env: dict[str, Any] = {}
        if kind == "sdk":
            cls = getattr(importlib.import_module(m["package"]), m["class"])
            kw = {} if threads == 0 else {"intra_op_threads": threads, "inter_op_threads": 1, "allow_spinning": spin}
            self.keep = env["m"] = cls(**kw)
            cfg = self.keep.config
            self.info["config"] = {"intra_op_threads": cfg.intra_op_threads, "inter_op_threads": cfg.inter_op_threads,
                                   "allow_spinning": cfg.allow_spinning}
            kwargs = ", ".join(f"{ident}=a{i}" for i, (_, ident, _) in enumerate(m["inputs"]))
            src = f"lambda {args}: m.run({kwargs}).{m['outputs'][0][1]}"
        elif kind in ("raw", "docs"):
            self.keep = env["s"] = ort.InferenceSession(path, sess_options=options(threads, spin),
                                                        providers=["CPUExecutionProvider"])
            feeds = ", ".join(f"{w!r}: a{i}" for i, (w, _, _) in enumerate(m["inputs"]))
            names = "None" if kind == "docs" else repr([m["outputs"][0][0]])
            # what hand-written code does: a literal feed dict per call, the first output
            src = f"lambda {args}: s.run({names}, {{{feeds}}})[0]"
        elif kind == "torch":
            import torch

            sys.path.insert(0, os.environ["BENCH_REPO"])
            from bench import bert  # the module's definition; weights from the export

            if threads > 0:
                torch.set_num_threads(threads)
            cfg = json.loads(Path(MODELS, f"{key}.json").read_text())
            model = bert.build(cfg)
            model.load_state_dict(torch.load(os.path.join(MODELS, f"{key}.pt")))
            self.keep = env["model"] = model
            env["torch"] = torch
            self.info["config"] = {"intra_op_threads": torch.get_num_threads()}
            self.arrays = [torch.from_numpy(a) for a in self.arrays]
            src = f"lambda {args}: model({args})"

            def call_torch(f: Callable[..., Any]) -> Callable[..., Any]:
                def g(*a: Any) -> Any:
                    with torch.inference_mode():
                        return f(*a).numpy()

                return g

            self.call: Callable[..., Any] = call_torch(eval(src, env))
            return
        else:
            raise ValueError(f"unknown kind {kind!r}")
        self.call = eval(src, env)

    def once(self) -> Any:
        return self.call(*self.arrays)

    def checksum(self) -> float:
        return float(np.asarray(self.once(), np.float64).sum())


def stats() -> dict[str, Any]:
    return {"gc": [s["collections"] for s in gc.get_stats()], "threads": tasks(),
            "cpu_s": time.process_time()}


def serve(manifest: dict[str, Any]) -> None:
    runners: dict[str, Runner] = {}
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        try:
            op = cmd[0]
            if op == "quit":
                reply({})
                return
            if op == "open":
                _, rid, kind, key, threads, spin, dims = cmd
                before = tasks()
                r = Runner(manifest, kind, key, int(threads), spin == "1", [int(d) for d in dims.split(",")])
                r.info["threads_added"] = tasks() - before
                r.info["checksum"] = r.checksum()
                runners[rid] = r
                reply(r.info)
            elif op == "close":
                runners.pop(cmd[1]).keep = None
                reply({})
            elif op == "stats":
                reply(stats())
            else:
                r, n = runners[cmd[1]], cmd[2]
                call, arrays = r.call, r.arrays
                if op == "run":
                    n_ = int(n)
                    c, t = time.process_time_ns(), time.perf_counter_ns()
                    for _ in range(n_):
                        call(*arrays)
                    t, c = time.perf_counter_ns() - t, time.process_time_ns() - c
                    reply({"ns": t, "cpu_ns": c})
                elif op == "lat":
                    ns = []
                    for _ in range(int(n)):
                        t = time.perf_counter_ns()
                        call(*arrays)
                        ns.append(time.perf_counter_ns() - t)
                    reply({"ns": ns})
                elif op == "warm":
                    lo, hi = float(n), float(cmd[3])
                    t0, calls = time.monotonic(), 0
                    while time.monotonic() - t0 < lo:
                        call(*arrays)
                        calls += 1
                    reply({"calls": calls, "seconds": time.monotonic() - t0, "steady": True, "max_s": hi})
                elif op == "profile":
                    reply({"top": profile(call, arrays, int(n))})
                else:
                    raise ValueError(f"unknown command {op!r}")
        except Exception as e:  # noqa: BLE001 - the driver shows it
            print(f"err {type(e).__name__}: {' '.join(str(e).split())}", flush=True)


def profile(call: Callable[..., Any], arrays: list[Any], n: int) -> list[list[Any]]:
    """Per-call time by function (cProfile, own time), biggest first."""
    p = cProfile.Profile()
    p.enable()
    for _ in range(n):
        call(*arrays)
    p.disable()
    st = pstats.Stats(p)
    rows = []
    for (file, line, fn), (_, nc, tt, ct, _) in st.stats.items():  # type: ignore[attr-defined]
        if "_lsprof" in fn:
            continue
        where = f"{os.path.basename(file)}:{line}({fn})" if line else fn
        rows.append([where, 1e6 * tt / n, 1e6 * ct / n, nc / n])
    rows.sort(key=lambda r: -r[1])
    return rows[:12]


def reply(d: dict[str, Any]) -> None:
    print("ok " + json.dumps(d), flush=True)


if __name__ == "__main__":
    serve(json.loads(Path(sys.argv[1]).read_text()))
