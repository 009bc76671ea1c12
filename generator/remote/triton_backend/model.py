"""A Python-based Triton backend named ``onnxruntime``: runs an unmodified Triton model
repository written for Triton's onnxruntime backend (``platform: "onnxruntime_onnx"`` or
``backend: "onnxruntime"``, the model at ``<version>/model.onnx``) with the onnxruntime Python
package, inside the python backend's stub process.

The tritonserver that ``generator/remote/triton.py`` unpacks from the nvidia-pytriton wheel has
only the python backend; installed as ``<backend-directory>/onnxruntime/model.py`` this file
stands in for the C++ onnxruntime backend, so what ``sdkgen deploy --triton`` writes is served as
it is. Like that backend it checks ``config.pbtxt`` against the model at load time (names,
datatypes, dims, ``max_batch_size``, ``reshape``) and refuses a mismatch with every problem
named, takes a model's scalar declared as ``dims: [1]`` (sent and returned with shape [1]), and
honours the ``intra_op_thread_count`` / ``inter_op_thread_count`` parameters (default 1 each
here, so a server's results match a one-thread in-process run bit for bit).

It runs with the stub's Python, never imported by sdkgen itself (only its unit tests do, with a
stand-in for ``triton_python_backend_utils``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]
import triton_python_backend_utils as pb_utils  # type: ignore[import-not-found]

# ONNX Runtime's type string -> Triton's config DataType.
ORT_TO_TRITON = {
    "tensor(bool)": "TYPE_BOOL",
    "tensor(int8)": "TYPE_INT8",
    "tensor(int16)": "TYPE_INT16",
    "tensor(int32)": "TYPE_INT32",
    "tensor(int64)": "TYPE_INT64",
    "tensor(uint8)": "TYPE_UINT8",
    "tensor(uint16)": "TYPE_UINT16",
    "tensor(uint32)": "TYPE_UINT32",
    "tensor(uint64)": "TYPE_UINT64",
    "tensor(float16)": "TYPE_FP16",
    "tensor(float)": "TYPE_FP32",
    "tensor(double)": "TYPE_FP64",
    "tensor(string)": "TYPE_STRING",
    "tensor(bfloat16)": "TYPE_BF16",
}


def _param(cfg: dict[str, Any], key: str, default: str) -> str:
    p = cfg.get("parameters", {}).get(key)
    return str(p["string_value"]) if p and p.get("string_value", "") != "" else default


def _model_dims(shape: Sequence[Any] | None) -> list[int] | None:
    """ORT's shape (ints, symbol strings, None for unknown dims) with -1 for every non-fixed dim."""
    if shape is None:
        return None
    return [d if isinstance(d, int) and d >= 0 else -1 for d in shape]


def _config_shape(t: dict[str, Any]) -> list[int]:
    """The shape the model sees for a config tensor: ``reshape`` when given, else ``dims``."""
    reshape = t.get("reshape")
    dims = reshape.get("shape", []) if reshape is not None else t.get("dims", [])
    return [int(d) for d in dims]


def check_config(cfg: dict[str, Any], inputs: Sequence[Any], outputs: Sequence[Any]) -> list[str]:
    """What Triton's onnxruntime backend checks at load, as problems (empty: the config fits):
    every config tensor is in the model with the same datatype and compatible dims (after
    ``reshape``, and without the batch dim when ``max_batch_size`` > 0), and every model input is
    in the config. ``inputs``/``outputs`` are ORT's NodeArgs (``name``, ``type``, ``shape``)."""
    batched = int(cfg.get("max_batch_size", 0)) > 0
    problems: list[str] = []
    for kind, cfg_ts, model_ts in (
        ("input", cfg.get("input", []), inputs),
        ("output", cfg.get("output", []), outputs),
    ):
        model = {t.name: t for t in model_ts}
        for t in cfg_ts:
            m = model.get(t["name"])
            if m is None:
                problems.append(f"{kind} {t['name']!r} is not in the model (it has {sorted(model)})")
                continue
            want = ORT_TO_TRITON.get(m.type)
            if t.get("data_type") != want:
                problems.append(f"{kind} {t['name']!r}: config {t.get('data_type')}, model {want or m.type}")
            mdims = _model_dims(m.shape)
            if mdims is None:
                continue  # unknown rank: any dims
            cdims = _config_shape(t)
            if not mdims and not batched:  # a scalar: declared with dims of 1s ([1]), as Triton's backend
                if any(c != 1 for c in cdims):
                    problems.append(f"{kind} {t['name']!r}: a scalar in the model, config dims {cdims} "
                                    "(a scalar is declared as dims [1])")
                continue
            if batched:
                if not mdims or mdims[0] != -1:
                    problems.append(f"{kind} {t['name']!r}: max_batch_size > 0 but the model's dim 0 is "
                                    f"{mdims[:1] or 'absent (a scalar)'}, not a variable batch dim")
                    continue
                mdims = mdims[1:]
            if len(cdims) != len(mdims) or any(c != m_ and m_ != -1 for c, m_ in zip(cdims, mdims)):
                problems.append(f"{kind} {t['name']!r}: config dims {cdims}, model dims {mdims}")
        if kind == "input":
            missing = sorted(set(model) - {t["name"] for t in cfg_ts})
            if missing:
                problems.append(f"model inputs missing from the config: {missing}")
    return problems


class TritonPythonModel:
    """The python backend's model interface (``initialize``, ``execute``, ``finalize``)."""

    def initialize(self, args: dict[str, str]) -> None:
        self.cfg: dict[str, Any] = json.loads(args["model_config"])
        fname = self.cfg.get("default_model_filename") or "model.onnx"
        path = os.path.join(args["model_repository"], args["model_version"], fname)
        so = ort.SessionOptions()
        so.intra_op_num_threads = int(_param(self.cfg, "intra_op_thread_count", "1"))
        so.inter_op_num_threads = int(_param(self.cfg, "inter_op_thread_count", "1"))
        self.sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        problems = check_config(self.cfg, self.sess.get_inputs(), self.sess.get_outputs())
        if problems:
            raise pb_utils.TritonModelException("config.pbtxt does not match the ONNX model: " + "; ".join(problems))
        # (name, is a string, is a scalar) of each model input
        self.inputs = [(i.name, i.type == "tensor(string)", i.shape == []) for i in self.sess.get_inputs()]
        self.string_out = {o.name for o in self.sess.get_outputs() if o.type == "tensor(string)"}
        self.out_names = [o["name"] for o in self.cfg.get("output", [])]
        # The model's scalar outputs travel with their config dims ([1]), like Triton's backend.
        scalars = {o.name for o in self.sess.get_outputs() if o.shape == []}
        self.scalar_out = {t["name"]: [int(d) for d in t.get("dims", [])]
                           for t in self.cfg.get("output", []) if t["name"] in scalars}
        pb_utils.Logger.log_info(f"onnxruntime {ort.__version__} python-based backend loaded {path}")

    def execute(self, requests: Sequence[Any]) -> list[Any]:
        responses = []
        for req in requests:
            try:
                feeds: dict[str, Any] = {}
                for name, is_string, is_scalar in self.inputs:
                    t = pb_utils.get_input_tensor_by_name(req, name)
                    if t is None:
                        raise ValueError(f"input {name!r} is missing from the request")
                    arr = t.as_numpy()
                    if is_scalar:  # sent as [1] (the config's dims)
                        arr = arr.reshape(())
                    if is_string:  # BYTES arrive as bytes objects; ONNX Runtime takes str
                        arr = np.array([x.decode("utf-8") for x in arr.ravel()], dtype=object).reshape(arr.shape)
                    feeds[name] = arr
                names = list(req.requested_output_names() or self.out_names)
                outs = self.sess.run(names, feeds)
                tensors = []
                for n, a in zip(names, outs):
                    if n in self.string_out:
                        a = np.array([s.encode("utf-8") for s in a.ravel()], dtype=np.object_).reshape(a.shape)
                    if n in self.scalar_out:
                        a = a.reshape(self.scalar_out[n])
                    tensors.append(pb_utils.Tensor(n, a))
                responses.append(pb_utils.InferenceResponse(output_tensors=tensors))
            except Exception as e:  # noqa: BLE001 - the request's error, reported to its client
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(f"{type(e).__name__}: {e}")))
        return responses

    def finalize(self) -> None:
        self.sess = None
