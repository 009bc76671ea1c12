"""Generation cost: `sdkgen` on a 1 GB external-data model and on a model with 2,000 inputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

from .common import Context, Section, Table, median, run

_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "wall = time.perf_counter() - t\n"
    "if r.returncode: sys.exit(r.stderr.decode()[-2000:])\n"
    "print(json.dumps({'wall': wall, 'rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
)


def big_external_model(d: Path, size: int) -> Path:
    """A MatMul whose weight lives in a ``size``-byte external data file (a sparse file: no 1 GB in RAM)."""
    d.mkdir(parents=True, exist_ok=True)
    cols = size // 4 // 256
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[256, cols])
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "weights.bin"), ("offset", "0"), ("length", str(256 * cols * 4))):
        w.external_data.add(key=k, value=v)
    with open(d / "weights.bin", "wb") as f:
        f.truncate(256 * cols * 4)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 256])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", cols])
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "big", [x], [y], initializer=[w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
    p = d / "big.onnx"
    p.write_bytes(m.SerializeToString())
    return p


def many_inputs_model(d: Path, n: int) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    ins = [helper.make_tensor_value_info(f"x{i}", TensorProto.FLOAT, [1]) for i in range(n)]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    g = helper.make_graph([helper.make_node("Sum", [f"x{i}" for i in range(n)], ["y"])], "many", ins, [y])
    p = d / f"many{n}.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), p)
    return p


def _measure(ctx: Context, args: list[str], reps: int) -> tuple[float, float]:
    walls, rss = [], []
    for _ in range(reps):
        r = run([ctx.python, "-c", _MEASURE, ctx.python, "-m", "generator", *args])
        d = json.loads(r.stdout)
        walls.append(d["wall"])
        rss.append(d["rss_mb"])
    return median(walls), max(rss)


def run_bench(ctx: Context) -> Section:
    size = 1 << 20 if ctx.smoke else 1 << 30
    n_inputs = 50 if ctx.smoke else 2000
    reps = ctx.n(3)
    big = big_external_model(ctx.work / "big", size)
    many = many_inputs_model(ctx.work / "many", n_inputs)
    rows = []
    data = {}
    for label, model, extra in (
        (f"{size >> 20} MiB external data, --model-path", big, ["--model-path"]),
        (f"{size >> 20} MiB external data, embedded (weights inlined, no load check)", big, ["--no-load-check"]),
        (f"{n_inputs} inputs, embedded", many, []),
    ):
        for lang in ("python", "java", "go"):
            if "embedded (weights" in label and lang != "python":
                continue  # the same inlining for every language: one row says it
            out = ctx.work / "out" / f"{model.stem}-{lang}-{len(extra)}"
            wall, rss = _measure(ctx, [str(model), "--lang", lang, "--out", str(out), "--force", *extra], reps)
            rows.append([label, lang, round(wall, 2), round(rss)])
            data[f"{label} / {lang}"] = {"wall_s": wall, "peak_rss_mb": rss}
    sec = Section(
        name="gen_cost",
        title="Generation cost",
        how=(f"Wall time (median of {reps}) and peak RSS of one `sdkgen MODEL --lang L` process, measured by a "
             "parent that waits for it (`getrusage(RUSAGE_CHILDREN)`). The big model's weights are a sparse file, "
             "so the first rows measure what sdkgen itself reads; the embedded row inlines the weights into the "
             "SDK, so it holds them in memory."),
        tables=[Table("sdkgen wall time and peak memory", ["model", "lang", "wall s", "peak RSS MB"], rows)],
        data=data,
    )
    worst = [r for r in rows if "--model-path" in r[0]]
    ok = all(r[2] < 2 and r[3] < 200 for r in worst)
    sec.goals.append(("1 GB external-data model (--model-path): < 2 s and < 200 MB in every language", ok,
                      ", ".join(f"{r[1]} {r[2]} s / {r[3]} MB" for r in worst)))
    return sec


if __name__ == "__main__":  # pragma: no cover
    import tempfile

    with tempfile.TemporaryDirectory() as t:
        print(run_bench(Context(Path(t), smoke="--smoke" in sys.argv)).tables[0].text())
