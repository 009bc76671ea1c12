"""Is the model loadable by the pinned ONNX Runtime, and what exactly does an SDK embed?

Part of the reader layer (with ``generator.reader``, the only code that imports ``onnx`` for
generation). At generation time sdkgen refuses a model the pinned ONNX Runtime would refuse at
load time, with a one-line error that names the fix:

* IR version above ``versions.ORT_MAX_IR_VERSION`` or an opset above ``versions.ORT_MAX_OPSETS``
  (``onnx``'s ``helper.make_model`` writes IR 14 and opset 28 by default; ORT 1.29 loads IR 13,
  ai.onnx 26, ai.onnx.ml 5). ``--downgrade`` embeds a lowered copy when the model uses nothing
  newer: no element type of a newer IR, and every operator has the same schema at the lower
  opset.
* External data in an embedded model: the embedded copy gets the weights inlined (ORT would
  otherwise resolve them against the process's current directory), or sdkgen refuses it when the
  result passes protobuf's 2 GiB limit and points to ``--model-path``.
* Embedded models are loaded into an ONNX Runtime session once (unknown operators, bad graphs);
  ``--no-load-check`` skips that.
* ``--optimize`` embeds the copy ONNX Runtime's offline graph optimisation writes, checked against
  the original (``generator.optimize``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import onnx
import onnx.checker
import onnx.defs
from google.protobuf.message import EncodeError  # type: ignore[import-untyped]
from onnx import external_data_helper

from . import versions
from .errors import UserError

# Element types an IR version introduced, for the ones after ORT's newest (IR.md / onnx-ml.proto).
_IR_OF_ELEM: dict[int, int] = {
    int(onnx.TensorProto.FLOAT6E2M3): 14,
    int(onnx.TensorProto.FLOAT6E3M2): 14,
}
_DOMAIN_NAMES = {"": "ai.onnx", "ai.onnx": "ai.onnx", "ai.onnx.ml": "ai.onnx.ml"}


@dataclasses.dataclass(frozen=True)
class Prepared:
    data: bytes  # what the SDK embeds (or, with --model-path, the file as it is)
    changes: tuple[str, ...]  # what differs from the file, e.g. "IR version 14 -> 13"


def _graphs(g: Any) -> Iterator[Any]:
    yield g
    for n in g.node:
        for a in n.attribute:
            if a.HasField("g"):
                yield from _graphs(a.g)
            for sub in a.graphs:
                yield from _graphs(sub)


def _all_graphs(m: Any) -> Iterator[Any]:
    yield from _graphs(m.graph)
    for f in m.functions:
        for n in f.node:
            for a in n.attribute:
                if a.HasField("g"):
                    yield from _graphs(a.g)


def _nodes(m: Any) -> Iterator[tuple[Any, str]]:
    """(node, the domain it resolves against) for every node, functions included."""
    for g in _all_graphs(m):
        for n in g.node:
            yield n, n.domain
    for f in m.functions:
        for n in f.node:
            yield n, n.domain


def _type_elems(t: Any) -> Iterator[int]:
    kind = t.WhichOneof("value")
    if kind == "tensor_type":
        yield t.tensor_type.elem_type
    elif kind == "sparse_tensor_type":
        yield t.sparse_tensor_type.elem_type
    elif kind == "sequence_type":
        yield from _type_elems(t.sequence_type.elem_type)
    elif kind == "optional_type":
        yield from _type_elems(t.optional_type.elem_type)
    elif kind == "map_type":
        yield t.map_type.key_type
        yield from _type_elems(t.map_type.value_type)


def _elems(m: Any) -> Iterator[int]:
    """Every element type the model mentions: value types, initializers, constant and cast attributes."""
    for g in _all_graphs(m):
        for vi in [*g.input, *g.output, *g.value_info]:
            yield from _type_elems(vi.type)
        for t in g.initializer:
            yield t.data_type
        for st in g.sparse_initializer:
            yield st.values.data_type
        for n in g.node:
            for a in n.attribute:
                if a.HasField("t"):
                    yield a.t.data_type
                for t in a.tensors:
                    yield t.data_type
                if a.name in ("to", "dtype", "output_dtype") and a.type == onnx.AttributeProto.INT:
                    yield a.i


def _too_new(m: Any) -> list[str]:
    out = []
    if m.ir_version > versions.ORT_MAX_IR_VERSION:
        out.append(f"IR version {m.ir_version} (ONNX Runtime {versions.ORT_VERSION} loads <= "
                   f"{versions.ORT_MAX_IR_VERSION})")
    for o in m.opset_import:
        dom = _DOMAIN_NAMES.get(o.domain)
        if dom is not None and o.version > versions.ORT_MAX_OPSETS[dom]:
            out.append(f"{dom} opset {o.version} (ONNX Runtime {versions.ORT_VERSION} supports <= "
                       f"{versions.ORT_MAX_OPSETS[dom]})")
    return out


def _lowering_blockers(m: Any) -> list[str]:
    """Why the model cannot simply be relabelled with ORT's versions (empty: it can)."""
    why = []
    newer = sorted({e for e in _elems(m) if _IR_OF_ELEM.get(e, 0) > versions.ORT_MAX_IR_VERSION})
    why += [f"it uses element type {onnx.TensorProto.DataType.Name(e)} (IR {_IR_OF_ELEM[e]})" for e in newer]
    have = {_DOMAIN_NAMES.get(o.domain, o.domain): o.version for o in m.opset_import}
    seen: set[tuple[str, str]] = set()
    for n, domain in _nodes(m):
        dom = _DOMAIN_NAMES.get(domain)
        if dom is None or (dom, n.op_type) in seen:
            continue
        seen.add((dom, n.op_type))
        target = versions.ORT_MAX_OPSETS[dom]
        if have.get(dom, 0) <= target:
            continue
        schema_dom = "" if dom == "ai.onnx" else dom
        try:
            now = onnx.defs.get_schema(n.op_type, have[dom], schema_dom).since_version
            then = onnx.defs.get_schema(n.op_type, target, schema_dom).since_version
        except onnx.defs.SchemaError:
            why.append(f"{dom} operator {n.op_type} does not exist at opset {target}")
            continue
        if now != then:
            why.append(f"{dom} operator {n.op_type} changed in opset {now} (> {target})")
    return why


def _lower(m: Any) -> list[str]:
    changes = []
    if m.ir_version > versions.ORT_MAX_IR_VERSION:
        changes.append(f"IR version {m.ir_version} -> {versions.ORT_MAX_IR_VERSION}")
        m.ir_version = versions.ORT_MAX_IR_VERSION
    for o in m.opset_import:
        dom = _DOMAIN_NAMES.get(o.domain)
        if dom is not None and o.version > versions.ORT_MAX_OPSETS[dom]:
            changes.append(f"{dom} opset {o.version} -> {versions.ORT_MAX_OPSETS[dom]}")
            o.version = versions.ORT_MAX_OPSETS[dom]
    return changes


def _uses_external_data(m: Any) -> bool:
    for g in _all_graphs(m):
        for t in g.initializer:
            if external_data_helper.uses_external_data(t):
                return True
    return False


def load_check(data: bytes, label: str) -> None:
    """Create an ONNX Runtime session from ``data`` (optimisations off: only loading is tested)."""
    import onnxruntime as ort  # type: ignore[import-untyped]

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    try:
        ort.InferenceSession(data, sess_options=so, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
        first = (str(e).strip().splitlines() or ["?"])[0]
        raise UserError(f"{label}: ONNX Runtime {versions.ORT_VERSION} cannot load this model, so no SDK "
                        f"could: {first[:400]} (pass --no-load-check to generate anyway)") from None


def prepare(path: str, data: bytes, *, embed: bool, downgrade: bool, check_load: bool,
            optimize: bool = False) -> Prepared:
    """Check ``path``'s model against the pinned ONNX Runtime; return the bytes an SDK carries
    (with ``optimize``, as ONNX Runtime's offline optimisation leaves them: ``generator.optimize``)."""
    if optimize and not embed:
        raise UserError(f"{path}: --optimize changes the embedded copy, but with --model-path the SDK loads the file "
                        "as it is: embed the model, or ship a file optimised offline yourself "
                        "(ONNX Runtime's SessionOptions.optimized_model_filepath)")
    if optimize and not check_load:
        raise UserError(f"{path}: --optimize loads the model into ONNX Runtime to optimise and check it: it cannot "
                        "be combined with --no-load-check")
    m = onnx.load_model_from_string(data)
    changes: list[str] = []
    too_new = _too_new(m)
    if too_new and not downgrade:
        blockers = _lowering_blockers(m)
        hints = []
        if m.ir_version > versions.ORT_MAX_IR_VERSION:
            hints.append(f"ir_version={versions.ORT_MAX_IR_VERSION}")
        if any("opset" in t for t in too_new):
            hints.append(f"opset_imports=[onnx.helper.make_opsetid('', {versions.ORT_MAX_OPSETS['ai.onnx']})]")
        fix = f"re-export it (e.g. onnx.helper.make_model(..., {', '.join(hints)}))"
        if not blockers and embed:
            fix += ", or pass --downgrade to embed a lowered copy (it uses nothing newer)"
        elif blockers:
            fix += f"; --downgrade cannot help: {blockers[0]}"
        raise UserError(f"{path}: {', '.join(too_new)}: ONNX Runtime {versions.ORT_VERSION} cannot load it; {fix}")
    if too_new:
        if not embed:
            raise UserError(f"{path}: --downgrade changes the embedded copy, but with --model-path the SDK loads "
                            "the file as it is: re-export the model instead")
        blockers = _lowering_blockers(m)
        if blockers:
            raise UserError(f"{path}: {', '.join(too_new)}: --downgrade cannot lower it: {'; '.join(blockers)}")
        changes += _lower(m)
    if embed and _uses_external_data(m):
        base = os.path.dirname(os.path.abspath(path))
        try:
            external_data_helper.load_external_data_for_model(m, base)
        except (OSError, ValueError, onnx.checker.ValidationError) as e:
            raise UserError(f"{path}: cannot read its external data ({e}); keep the data files next to the "
                            "model, or use --model-path to load both at run time") from None
        changes.append("external data inlined")
    if changes:
        try:
            data = m.SerializeToString()
        except (ValueError, EncodeError) as e:  # protobuf refuses messages of 2 GiB or more
            raise UserError(f"{path}: with its external data inlined the model is over protobuf's 2 GiB limit "
                            f"({e}); generate with --model-path and ship the files next to each other") from None
    if embed and check_load:
        load_check(data, path)
    if optimize:
        from .optimize import optimize as optimized

        data, change = optimized(path, data)
        changes.append(change)
    return Prepared(data, tuple(changes))
