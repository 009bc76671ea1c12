"""Docker probe, Python: one JSON line with the SDK's effective thread settings, after one inference.

Runs inside the container against the pip-installed SDK generated for onnxruntime's sigmoid.onnx
(package ``sigmoid``). ``pool_threads`` is how many OS threads (/proc/self/task) the default
session added: ORT's intra-op pool has intra_op_threads - 1 of them (the caller is the last one).
A first session with one thread runs before it, so one-time start-up threads are not counted.
"""

import json
import os
from typing import Any

import numpy as np
from sigmoid import Sigmoid
from sigmoid._runtime.threads import container_defaults


def tasks() -> int:
    return len(os.listdir("/proc/self/task"))


def report(cfg: Any, found: Any, pool_threads: int, y: np.ndarray) -> None:
    print(json.dumps({
        "lang": "python",
        "intra_op_threads": cfg.intra_op_threads,
        "intra_op_source": cfg.sources["intra_op_threads"],
        "inter_op_threads": cfg.inter_op_threads,
        "inter_op_source": cfg.sources["inter_op_threads"],
        "allow_spinning": cfg.allow_spinning,
        "allow_spinning_source": cfg.sources["allow_spinning"],
        "affinity_cpus": found.affinity_cpus,
        "quota_cpus": found.quota_cpus,
        "pool_threads": pool_threads,
        "y": [float(v) for v in y.reshape(-1)],
    }))


x = ((np.arange(60, dtype=np.float32) - 30) / 10).reshape(3, 4, 5)
with Sigmoid(intra_op_threads=1) as warm:
    warm.run(x=x)
    before = tasks()
    with Sigmoid() as model:
        y = model.run(x=x).y
        after = tasks()
        report(model.config, container_defaults(), after - before, y)
