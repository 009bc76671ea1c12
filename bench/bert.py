"""A small BERT-like encoder exported from PyTorch: the transformer every speed benchmark uses.

    python -m bench.bert OUT_DIR [--config full|smoke]

writes ``bert.onnx`` (inputs ``input_ids``, ``attention_mask``: int64[batch, sequence]; output
``logits``: float[batch, 2]), ``bert.pt`` (the state dict, for the PyTorch eager rows) and
``bert.json`` (the config). Written like Hugging Face's BertForSequenceClassification (post-norm
layers, GELU, tanh pooler on the first token) so ORT's BERT fusions can recognise it, with
``size()``-based reshapes so ``batch`` and ``sequence`` stay dynamic in the traced graph. Weights
come from a fixed seed. :func:`ensure` caches the files under ``~/.cache/sdkgen/bench``, keyed by the
torch version, this file's hash and the config, so torch runs only when one of them changes.

torch is imported only here (and in the PyTorch worker), never by ``bench`` itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

CONFIGS: dict[str, dict[str, int]] = {
    # the benchmark model: BERT-mini-like
    "full": {"layers": 4, "hidden": 256, "heads": 4, "intermediate": 1024, "vocab": 8192, "positions": 512},
    # the smoke run's: same graph, tiny weights (seconds to export)
    "smoke": {"layers": 1, "hidden": 64, "heads": 2, "intermediate": 128, "vocab": 1024, "positions": 512},
}
OPSET = 17
IR_VERSION = 13
CACHE = Path(os.environ.get("SDKGEN_BENCH_CACHE", Path.home() / ".cache" / "sdkgen" / "bench"))


def build(cfg: dict[str, int]) -> Any:
    """The PyTorch module for ``cfg`` (eval mode, weights from seed 0)."""
    import torch
    from torch import nn

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            h = cfg["hidden"]
            self.heads = cfg["heads"]
            self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
            self.attn_out = nn.Linear(h, h)
            self.attn_norm = nn.LayerNorm(h, eps=1e-12)
            self.inter = nn.Linear(h, cfg["intermediate"])
            self.out = nn.Linear(cfg["intermediate"], h)
            self.out_norm = nn.LayerNorm(h, eps=1e-12)

        def split(self, x: torch.Tensor) -> torch.Tensor:
            b, s = x.size(0), x.size(1)
            return x.view(b, s, self.heads, -1).permute(0, 2, 1, 3)

        def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
            q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
            scores = torch.matmul(q, k.transpose(-1, -2)) / (q.size(-1) ** 0.5) + bias
            ctx = torch.matmul(scores.softmax(-1), v).permute(0, 2, 1, 3)
            ctx = ctx.reshape(ctx.size(0), ctx.size(1), -1)
            x = self.attn_norm(x + self.attn_out(ctx))
            return self.out_norm(x + self.out(nn.functional.gelu(self.inter(x))))

    class Bert(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            h = cfg["hidden"]
            self.words = nn.Embedding(cfg["vocab"], h)
            self.positions = nn.Embedding(cfg["positions"], h)
            self.types = nn.Embedding(2, h)
            self.norm = nn.LayerNorm(h, eps=1e-12)
            self.layers = nn.ModuleList(Layer() for _ in range(cfg["layers"]))
            self.pooler = nn.Linear(h, h)
            self.classifier = nn.Linear(h, 2)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            pos = torch.arange(input_ids.size(1), dtype=torch.int64, device=input_ids.device).unsqueeze(0)
            types = torch.zeros_like(input_ids)
            x = self.norm(self.words(input_ids) + self.positions(pos) + self.types(types))
            bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
            for layer in self.layers:
                x = layer(x, bias)
            return self.classifier(torch.tanh(self.pooler(x[:, 0])))

    torch.manual_seed(0)
    return Bert().eval()


def export(out: Path, config: str) -> None:
    import onnx
    import torch

    cfg = CONFIGS[config]
    out.mkdir(parents=True, exist_ok=True)
    model = build(cfg)
    ids = torch.randint(0, cfg["vocab"], (2, 16), dtype=torch.int64, generator=torch.Generator().manual_seed(1))
    mask = torch.ones(2, 16, dtype=torch.int64)
    tmp = out / "bert.export.onnx"
    with torch.inference_mode():
        torch.onnx.export(
            model, (ids, mask), str(tmp),
            input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "logits": {0: "batch"}},
            opset_version=OPSET, dynamo=False,
        )
    m = onnx.load(str(tmp))
    m.ir_version = IR_VERSION
    m.producer_name, m.producer_version = "pytorch", torch.__version__.split("+")[0]
    onnx.checker.check_model(m)
    onnx.save(m, str(out / "bert.onnx"))
    tmp.unlink()
    torch.save(model.state_dict(), out / "bert.pt")
    (out / "bert.json").write_text(json.dumps({"config": config, **cfg}, indent=1) + "\n")


def key(config: str, torch_version: str) -> str:
    src = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"bert-{config}-torch{torch_version}-{src}"


def ensure(config: str, python: str = sys.executable) -> Path:
    """The folder holding bert.onnx/.pt/.json for ``config``, exported on a cache miss."""
    tv = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('torch'))"],
                        capture_output=True, text=True, check=False)
    if tv.returncode != 0:
        raise RuntimeError("the bench needs torch (pip install -e '.[bench]', which `make bench` and "
                           "`make test` run):\n" + tv.stderr[-2000:])
    d = CACHE / key(config, tv.stdout.strip())
    if not (d / "bert.onnx").is_file():
        tmp = d.with_name(d.name + f".tmp{os.getpid()}")
        r = subprocess.run([python, "-m", "bench.bert", str(tmp), "--config", config],
                           cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"exporting the BERT model failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        d.parent.mkdir(parents=True, exist_ok=True)
        if d.exists():  # another run exported it meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, d)
        for old in d.parent.glob(f"bert-{config}-*"):  # exports of an older torch or script
            if old != d and not old.name.count(".tmp"):
                shutil.rmtree(old, ignore_errors=True)
    return d


def optimised(d: Path, config: str) -> Path:
    """``bert.onnx`` after ONNX Runtime's transformer optimiser (fused Attention, SkipLayerNormalization,
    EmbedLayerNormalization, BiasGelu: contrib ops of the CPU provider), cached beside it. What an
    offline optimisation baked into the shipped model buys is measured with it (bench/seed.py)."""
    import logging

    import onnxruntime as ort

    out = d / f"bert_opt-ort{ort.__version__}.onnx"
    if not out.is_file():
        from onnxruntime.transformers import optimizer

        logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)
        cfg = CONFIGS[config]
        m = optimizer.optimize_model(str(d / "bert.onnx"), model_type="bert", num_heads=cfg["heads"],
                                     hidden_size=cfg["hidden"], opt_level=0)
        tmp = out.with_suffix(f".tmp{os.getpid()}")
        m.save_model_to_file(str(tmp))
        os.replace(tmp, out)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(prog="python -m bench.bert")
    ap.add_argument("out")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="full")
    a = ap.parse_args()
    export(Path(a.out), a.config)
