"""``sdkgen deploy``: serving configs derived from the signature, for engines that speak the Open
Inference Protocol v2.

* ``--triton DIR``: a Triton model repository, ``DIR/<name>/config.pbtxt`` (platform
  ``onnxruntime_onnx``; inputs and outputs with their datatypes and dims, ``-1`` for symbolic and
  unknown dims; ``max_batch_size`` when every tensor shares one symbolic first dim and has rank
  >= 2 — Triton then drops that dim from ``dims``; the container thread rule's settings for
  ``--cpus`` as the onnxruntime backend's thread parameters) and ``DIR/<name>/1/model.onnx``.
* ``--kserve FILE``: KServe ``InferenceService`` manifests (protocol v2, the Triton runtime) whose
  ``storageUri`` holds that same repository.

What the protocol cannot carry (sequences, maps, optionals, some element types) is refused, with
the reason from the targets registry (``targets.oip_refusals``). Every string from the model is
escaped for the format it lands in. Output is deterministic.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence

from . import emit, ir, render, targets
from .errors import UnsupportedModel, UserError

# Triton's config.proto DataType names.
_TRITON_TYPES = {d: "TYPE_" + ("STRING" if n == "BYTES" else n) for d, n in targets.OIP_DATATYPES.items()}
DEFAULT_MAX_BATCH = 8


@dataclasses.dataclass(frozen=True)
class TensorView:
    name: str  # protobuf text-format literal
    data_type: str  # TYPE_FP32 ...
    dims: str  # "2, -1" (without the batch dim when batched)
    reshape: str | None  # a `reshape: { shape: [...] }` to declare, if any (none is written today)


@dataclasses.dataclass(frozen=True)
class ModelView:
    name: str  # repository directory and Triton model name ([A-Za-z0-9_.-])
    name_lit: str
    k8s_name: str  # DNS-1123 label for the InferenceService
    max_batch_size: int
    inputs: tuple[TensorView, ...]
    outputs: tuple[TensorView, ...]
    intra_op_threads: int
    inter_op_threads: int
    cpus: str  # the container limit the thread settings were computed for ("" when none)
    storage_uri: str
    source_sha256: str


def text_literal(s: str) -> str:
    """A protobuf text-format string literal: printable ASCII as is, every other byte of the
    UTF-8 encoding as an octal escape (so no newline, quote or bidi control survives raw)."""
    out = ['"']
    for b in s.encode("utf-8"):
        ch = chr(b)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    return "".join(out) + '"'


def model_name(name: str) -> str:
    """Triton's model name is its repository directory: keep [A-Za-z0-9_.-], nothing else."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "model"
    return cleaned[:100]


def k8s_name(name: str) -> str:
    """A DNS-1123 label: lower-case alphanumerics and '-', at most 63, starting with a letter."""
    n = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not n or not n[0].isalpha():
        n = "m-" + n
    return n[:63].rstrip("-")


def _dims(t: ir.TensorType) -> list[int]:
    assert t.shape is not None
    return [d.value if d.value is not None else -1 for d in t.shape]


def _batched(m: ir.Model) -> bool:
    ts = [v.type for v in (*m.inputs, *m.outputs)]
    if not all(isinstance(t, ir.TensorType) and t.shape is not None and len(t.shape) >= 2 for t in ts):
        return False
    firsts = {t.shape[0].symbol for t in ts if isinstance(t, ir.TensorType) and t.shape}
    return len(firsts) == 1 and None not in firsts


def _tensor(v: ir.Value, batched: bool) -> TensorView:
    t = v.type
    assert isinstance(t, ir.TensorType)
    if t.shape is None:
        raise UnsupportedModel(f"{v.name!r}: {ir.type_str(t)} has no known rank; Triton's config needs dims "
                               "(re-export the model with shapes)")
    dims = _dims(t)[1:] if batched else _dims(t)
    if not dims:
        # Triton rejects an empty dims list, and an empty reshape without batching ("scalar tensors
        # are not supported"): its onnxruntime backend takes a model's scalar declared as dims [1]
        # (clients send and get shape [1]). Scalars never occur in batched models (rank >= 2).
        return TensorView(text_literal(v.name), _TRITON_TYPES[t.elem], "1", None)
    return TensorView(text_literal(v.name), _TRITON_TYPES[t.elem], ", ".join(map(str, dims)), None)


def threads_for(cpus: float | None) -> tuple[int, int]:
    """The container thread rule (docs/threads.md) for a CPU limit: floor(quota), at least 1."""
    if cpus is None:
        return 0, 0  # 0: let the server decide (no limit is known at deploy time)
    return max(1, math.floor(cpus)), 1


def view(src: emit.ModelSource, *, max_batch: int | None, cpus: float | None, storage_uri: str) -> ModelView:
    m = src.model
    found = targets.oip_refusals(m)
    if found:
        raise UnsupportedModel(f"model {src.name!r} cannot be served over the Open Inference Protocol v2: "
                               + "; ".join(str(r) for r in found))
    batched = _batched(m) and max_batch != 0
    if max_batch is not None and max_batch > 0 and not _batched(m):
        raise UserError(f"--max-batch-size {max_batch}: model {src.name!r} has no batch dim every input and "
                        "output shares (a symbolic first dim of rank >= 2 tensors); use --max-batch-size 0")
    intra, inter = threads_for(cpus)
    name = model_name(src.name)
    return ModelView(
        name=name,
        name_lit=text_literal(name),
        k8s_name=k8s_name(src.name),
        max_batch_size=(max_batch or DEFAULT_MAX_BATCH) if batched else 0,
        inputs=tuple(_tensor(v, batched) for v in m.inputs),
        outputs=tuple(_tensor(v, batched) for v in m.outputs),
        intra_op_threads=intra,
        inter_op_threads=inter,
        cpus="" if cpus is None else f"{cpus:g}",
        storage_uri=storage_uri,
        source_sha256=m.sha256,
    )


def triton(models: Sequence[emit.ModelSource], *, max_batch: int | None = None,
           cpus: float | None = None) -> dict[str, bytes]:
    """A Triton model repository: <name>/config.pbtxt and <name>/1/model.onnx per model."""
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    for src in models:
        v = view(src, max_batch=max_batch, cpus=cpus, storage_uri="")
        if v.name in seen:
            raise UserError(f"two models would both be served as {v.name!r}: name them apart (--name, sdkgen.yaml)")
        seen.add(v.name)
        files[f"{v.name}/config.pbtxt"] = render.render("deploy", "config.pbtxt.j2", m=v).encode("ascii")
        files[f"{v.name}/1/model.onnx"] = src.data
    return files


def kserve(models: Sequence[emit.ModelSource], *, storage_uri: str, max_batch: int | None = None,
           cpus: float | None = None) -> bytes:
    """InferenceService manifests (one YAML document per model) serving the Triton repository."""
    views = [view(src, max_batch=max_batch, cpus=cpus, storage_uri=storage_uri) for src in models]
    return render.render("deploy", "inferenceservice.yaml.j2", models=views, storage_uri_lit=_yaml_str(storage_uri),
                         ).encode("ascii")


def _yaml_str(s: str) -> str:
    """A YAML double-quoted scalar (JSON escapes are valid YAML), ASCII only."""
    import json

    return json.dumps(s, ensure_ascii=True)
