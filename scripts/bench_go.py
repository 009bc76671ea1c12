"""Benchmark: a generated Go SDK's Run vs raw onnxruntime_go doing the same work.

    .venv/bin/python scripts/bench_go.py [--benchtime 3s] [--count 5]

Models: onnxruntime's mul_1 (tiny: the SDK's fixed cost dominates) and
tests/models/tiny_transformer.onnx. Both sides use one intra-op thread, the same
session options, and let onnxruntime_go copy the outputs into Go slices; the
SDK adds its input checks, cancellation plumbing and typed outputs. Prints
ns/op (median of --count runs) and the overhead in percent. Not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import onnxruntime as ort

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator import emit, reader

LIB = Path(ort.__file__).parent / "capi" / f"libonnxruntime.so.{ort.__version__}"
ORT_DATASETS = Path(ort.__file__).parent / "datasets"

# model, package, Go expression for Inputs, Go expression for the raw tensors (int64 or float32 only)
MODELS = [
    (ORT_DATASETS / "mul_1.onnx", "mul",
     "Inputs{X: NewTensor([]float32{1, 2, 3, 4, 5, 6}, 3, 2)}",
     "func rawInputs(in Inputs) []Tensor[float32] { return []Tensor[float32]{in.X} }"),
    (REPO / "tests" / "models" / "tiny_transformer.onnx", "tt",
     "Inputs{InputIds: NewTensor(make([]int64, 4*64), 4, 64), AttentionMask: NewTensor(ones(4*64), 4, 64)}",
     ("func rawInputs(in Inputs) []Tensor[int64] { return []Tensor[int64]{in.InputIds, in.AttentionMask} }\n"
      "func ones(n int) []int64 { s := make([]int64, n); for i := range s { s[i] = 1 }; return s }")),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--benchtime", default="2s")
    ap.add_argument("--count", type=int, default=5)
    args = ap.parse_args()
    go = shutil.which("go") or "/usr/local/go/bin/go"
    env = dict(os.environ, ONNXRUNTIME_SHARED_LIBRARY_PATH=str(LIB), GOFLAGS="-mod=mod -buildvcs=false")
    template = (REPO / "scripts" / "bench_go_test.go.in").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        for path, pkg, inputs, raw in MODELS:
            d = Path(tmp) / pkg
            d.mkdir()
            files = emit.emit("go", [emit.ModelSource(reader.read(path), path.read_bytes(), pkg)],
                              emit.Options(package=pkg, module=f"bench.local/{pkg}"))
            for rel, data in files.items():
                (d / rel).parent.mkdir(parents=True, exist_ok=True)
                (d / rel).write_bytes(data)
            src = template.replace("package PKG", f"package {pkg}").replace("INPUTS", inputs)
            (d / "bench_test.go").write_text(src + "\n" + raw + "\n")
            subprocess.run([str(Path(go).parent / "gofmt"), "-w", str(d / "bench_test.go")], check=True)
            # Paired runs (Generated then Raw in one process, --count times) so load drift on a
            # shared machine hits both sides alike; the overhead is the median of per-pair ratios.
            ns: dict[str, list[float]] = {"Generated": [], "Raw": []}
            for _ in range(args.count):
                out = subprocess.run([go, "test", "-run", "^$", "-bench", ".", "-benchtime", args.benchtime,
                                      "-count", "1", "-cpu", "1"], cwd=d, env=env,
                                     capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    sys.exit(out.stdout + out.stderr)
                for m in re.finditer(r"Benchmark(Generated|Raw)\S*\s+\d+\s+([\d.]+) ns/op", out.stdout):
                    ns[m.group(1)].append(float(m.group(2)))
            g, r = statistics.median(ns["Generated"]), statistics.median(ns["Raw"])
            ratio = statistics.median(a / b for a, b in zip(ns["Generated"], ns["Raw"]))
            print(f"{path.name:24s} generated {g:12.0f} ns/op   raw {r:12.0f} ns/op   "
                  f"overhead {100 * (ratio - 1):+.2f}% (median of {args.count} paired runs; "
                  f"generated {[int(x) for x in ns['Generated']]}, raw {[int(x) for x in ns['Raw']]})")


if __name__ == "__main__":
    main()
