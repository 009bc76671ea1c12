"""``--optimize``: embed the model as ONNX Runtime's offline graph optimisation leaves it.

Part of the reader layer (with ``generator.reader``, ``generator.compat`` and
``generator.adapt``). At generation, ONNX Runtime (the pinned version, through its Python API)
loads the embedded copy with ``graph_optimization_level = ORT_ENABLE_EXTENDED`` and writes the
optimised graph (``SessionOptions.optimized_model_filepath``); the SDK embeds that instead. Before
it does, sdkgen:

* keeps the original's signature and metadata: graph inputs and outputs (ONNX Runtime rewrites the
  declared types of outputs with what it inferred), doc strings, producer, metadata properties;
  opset imports that the original lacks and no node uses (ONNX Runtime adds one per domain it
  knows) are dropped;
* checks the optimised copy against the original on generated inputs (``fixtures.synth_value``,
  seed 0, ``CASES`` cases; symbolic dims 2): ONNX Runtime's outputs must agree within ``sdkgen
  check``'s default tolerance (``RTOL``, ``ATOL``), else the model is refused.

Which level, and why: ONNX Runtime's levels are basic, extended and all (layout).

* **basic** rewrites within the ONNX domain (constant folding, redundant node elimination, a few
  fusions) before the graph is split between execution providers: portable anywhere, but it is
  also what every session redoes at load in no measurable time.
* **extended** adds fusions into ONNX Runtime's own operators (the ``com.microsoft`` domain, e.g.
  ``FusedMatMul``, ``Gelu``, ``SkipLayerNormalization``, ``Attention``) for the nodes the CPU
  execution provider runs. Every ONNX Runtime build the SDKs use (the Python wheel, the Java jar,
  the shared library Go loads) has those operators on every CPU, and ONNX Runtime itself warns only
  above this level.
* **all** adds layout transformations (NCHWc), chosen for the CPU that runs the optimisation (its
  vector width): ONNX Runtime logs "Serializing optimized model with Graph Optimization level
  greater than ORT_ENABLE_EXTENDED and the NchwcTransformer enabled. The generated model may contain
  hardware specific optimizations, and should only be used in the same environment the model was
  optimized in." A shipped SDK runs elsewhere, so sdkgen never bakes this level in; the SDK's
  session still applies it online, at load, on the machine that runs it.

So the optimised copy is the extended level's. The SDKs load it with their usual settings (all
optimisations online). ONNX Runtime's writer is deterministic: the same model gives the same bytes
in every process (tests/test_optimize.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from . import ir, reader, versions
from .errors import UserError

LEVEL = "ORT_ENABLE_EXTENDED"
CASES = 3
RTOL, ATOL = 1e-3, 1e-7  # sdkgen check's defaults (cli.check --rtol, --atol)


def _session(data: bytes, level: Any, optimized_path: str | None = None) -> Any:
    import onnxruntime as ort  # type: ignore[import-untyped]

    so = ort.SessionOptions()
    so.graph_optimization_level = level
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 4  # failures are reported once, by sdkgen
    if optimized_path is not None:
        so.optimized_model_filepath = optimized_path
    return ort.InferenceSession(data, sess_options=so, providers=["CPUExecutionProvider"])


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:400]


def _graphs(g: Any) -> list[Any]:
    out = [g]
    for n in g.node:
        for a in n.attribute:
            if a.HasField("g"):
                out += _graphs(a.g)
            for sub in a.graphs:
                out += _graphs(sub)
    return out


def _used_domains(m: Any) -> set[str]:
    used = {n.domain for g in _graphs(m.graph) for n in g.node}
    for f in m.functions:
        used |= {n.domain for n in f.node}
        used.add(f.domain)
    return used


def _restore(path: str, orig: Any, opt: Any) -> None:
    """Give ``opt`` the original's graph inputs and outputs (same names, same order: else refuse),
    its metadata, and only the opset imports the original has or its nodes use."""
    for what, a, b in (("inputs", orig.graph.input, opt.graph.input), ("outputs", orig.graph.output, opt.graph.output)):
        if [v.name for v in a] != [v.name for v in b]:
            raise UserError(f"{path}: --optimize: ONNX Runtime's optimised graph has other {what} "
                            f"({[v.name for v in b]} instead of {[v.name for v in a]}); generate without --optimize")
        for x, y in zip(a, b):
            y.CopyFrom(x)
    for field in ("doc_string", "producer_name", "producer_version", "domain", "model_version"):
        setattr(opt, field, getattr(orig, field))
    del opt.metadata_props[:]
    opt.metadata_props.extend(orig.metadata_props)
    opt.graph.name = orig.graph.name
    opt.graph.doc_string = orig.graph.doc_string
    keep_domains = _used_domains(opt) | {o.domain for o in orig.opset_import}
    keep = [o for o in opt.opset_import if o.domain in keep_domains]
    del opt.opset_import[:]
    opt.opset_import.extend(keep)


def _signature(m: ir.Model) -> tuple[Any, ...]:
    return (m.inputs, m.outputs, m.overridable, m.graph_name, m.doc, m.producer_name, m.producer_version,
            m.domain, m.model_version, m.metadata)


def _check_outputs(path: str, orig: bytes, opt: bytes, model: ir.Model) -> None:
    """Refuse unless the optimised copy computes what the original does on generated inputs."""
    import onnxruntime as ort

    from .check.compare import compare
    from .fixtures import synth_value

    level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL  # what an SDK's session applies
    a, b = _session(orig, level), _session(opt, level)
    quiet = ort.RunOptions()
    quiet.log_severity_level = 4
    rng = np.random.default_rng(0)
    for case in range(CASES):
        feeds = {v.name: synth_value(v.type, rng, {}) for v in model.inputs}
        try:
            want = a.run(None, feeds, quiet)
        except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
            raise UserError(f"{path}: --optimize cannot check the optimised copy: ONNX Runtime cannot run the "
                            f"original on generated inputs (case {case}): {_first_line(e)}") from None
        try:
            got = b.run(None, feeds, quiet)
        except Exception as e:  # noqa: BLE001
            raise UserError(f"{path}: --optimize: ONNX Runtime cannot run the optimised copy on inputs the original "
                            f"runs on (case {case}): {_first_line(e)}; generate without --optimize") from None
        for v, w, g in zip(model.outputs, want, got):
            msg, _ = compare(w, g, v.type, RTOL, ATOL, f"output {v.name!r}")
            if msg:
                raise UserError(f"{path}: --optimize: the optimised copy's outputs differ from the original's on "
                                f"generated inputs (case {case}): {msg}; generate without --optimize")


def optimize(path: str, data: bytes) -> tuple[bytes, str]:
    """The embedded copy after ONNX Runtime's offline optimisation at ``LEVEL``, checked; and what
    changed, for the generation log (e.g. ``optimised offline ... 439 -> 155 nodes``)."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="sdkgen-optimize-") as d:
        out = os.path.join(d, "optimized.onnx")
        try:
            _session(data, getattr(ort.GraphOptimizationLevel, LEVEL), out)
            written = Path(out).read_bytes()
        except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
            raise UserError(f"{path}: --optimize: ONNX Runtime {versions.ORT_VERSION} cannot optimise this model: "
                            f"{_first_line(e)}") from None
    orig = onnx.load_model_from_string(data)
    opt = onnx.load_model_from_string(written)
    _restore(path, orig, opt)
    try:
        new = opt.SerializeToString()
    except ValueError as e:  # protobuf refuses messages of 2 GiB or more
        raise UserError(f"{path}: --optimize: the optimised model is over protobuf's 2 GiB limit ({e}); "
                        "generate without --optimize") from None
    before, after = reader.read_bytes(data, path), reader.read_bytes(new, path)
    if _signature(before) != _signature(after):
        raise UserError(f"{path}: --optimize: the optimised copy's signature differs from the original's; "
                        "generate without --optimize")
    _check_outputs(path, data, new, before)
    nodes = (sum(len(g.node) for g in _graphs(orig.graph)), sum(len(g.node) for g in _graphs(opt.graph)))
    return new, f"optimised offline by ONNX Runtime {versions.ORT_VERSION} ({LEVEL}): {nodes[0]} -> {nodes[1]} nodes"
