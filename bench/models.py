"""The models the speed benchmarks run: tiny (onnxruntime's mul_1), a BERT-like transformer
(bench/bert.py, exported with torch) and an MLP (built here with onnx.helper)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from generator import project

from . import bert
from .common import Context
from .sdks import BenchModel

TINY = Path(ort.__file__).parent / "datasets" / "mul_1.onnx"  # X float[3,2] -> Y = X * X
TINY_DIMS = (3, 2)


def tiny() -> BenchModel:
    return BenchModel.of("tiny", TINY)


def bert_model(ctx: Context) -> BenchModel:
    """The BERT-like transformer (the smoke run's is smaller); exported once per torch version."""
    return BenchModel.of("bert", bert.ensure("smoke" if ctx.smoke else "full", ctx.python) / "bert.onnx")


def bert_optimised(ctx: Context) -> BenchModel:
    """The same transformer after ONNX Runtime's transformer optimiser (``onnxruntime.transformers``,
    by hand: what sdkgen ``--optimize`` does not do)."""
    config = "smoke" if ctx.smoke else "full"
    return BenchModel.of("bert_opt", bert.optimised(bert.ensure(config, ctx.python), config))


_SDKGEN_OPT: dict[Path, Path] = {}


def bert_sdkgen_optimised(ctx: Context) -> BenchModel:
    """The same transformer as ``sdkgen --optimize`` embeds it: sdkgen's own model pipeline
    (``project.read_models`` with ``optimize``: ONNX Runtime's offline optimisation, checked), written
    once per run into the work folder."""
    src = bert.ensure("smoke" if ctx.smoke else "full", ctx.python) / "bert.onnx"
    if src not in _SDKGEN_OPT:
        [loaded] = project.read_models([project.ModelEntry(str(src), "bert_sdkgen_opt", optimize=True)])
        out = ctx.work.parent / "_models" / "bert_sdkgen_opt.onnx"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(loaded.source.data)
        _SDKGEN_OPT[src] = out
    return BenchModel.of("bert_sdkgen_opt", _SDKGEN_OPT[src])


def transformer_set(ctx: Context) -> list[BenchModel]:
    """The models of the SDKs the overhead, throughput and seed sections share (built once)."""
    return [tiny(), bert_model(ctx), bert_optimised(ctx), bert_sdkgen_optimised(ctx)]


def bert_config(ctx: Context) -> str:
    config = "smoke" if ctx.smoke else "full"
    cfg = bert.CONFIGS[config]
    sha = hashlib.sha256((bert.ensure(config, ctx.python) / "bert.onnx").read_bytes()).hexdigest()[:12]
    return (f"{cfg['layers']} layers, hidden {cfg['hidden']}, {cfg['heads']} heads, intermediate "
            f"{cfg['intermediate']}, vocab {cfg['vocab']}; opset {bert.OPSET}, IR {bert.IR_VERSION}, "
            f"sha256 {sha}…")


MLP_LAYERS, MLP_WIDTH, MLP_BATCH = 8, 512, 64


def mlp(d: Path, layers: int = MLP_LAYERS, width: int = MLP_WIDTH) -> BenchModel:
    """``layers`` × (MatMul width×width + Relu), input x float[batch, width], output y; weights
    from a fixed seed, scaled so activations stay O(1)."""
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    prev = "x"
    for i in range(layers):
        w = (rng.standard_normal((width, width)) * np.sqrt(2.0 / width)).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        out = "y" if i == layers - 1 else f"r{i}"
        nodes += [helper.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"]), helper.make_node("Relu", [f"m{i}"], [out])]
        prev = out
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", width])],
                         [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", width])], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=13)
    onnx.checker.check_model(m)
    p = d / "mlp.onnx"
    onnx.save(m, p)
    return BenchModel.of("mlp", p)
