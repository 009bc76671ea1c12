"""Adapted embedded models: input rewrites that let a binding carry what it cannot build itself.

Part of the reader layer (with ``generator.reader`` and ``generator.compat``, the only code that
imports ``onnx`` for generation). The targets registry says, per language, which inputs travel
"via" an adaptation (``targets.Feature.adapt``); this module rewrites the embedded copy of the
model so that the binding only has to build plain tensors, and nothing the user's graph computes
changes:

* ``signed-bits``: an unsigned 16/32/64-bit input becomes a graph input of the signed type of the
  same width (the binding hands ONNX Runtime the same bits), followed by a ``Cast`` back to the
  unsigned type under the original name. ONNX Runtime's integer ``Cast`` is a C++ ``static_cast``,
  which is exact modulo 2^n (-1 -> 65535, tests/test_adapt.py checks the edge values), and its
  optimizers keep such cast chains. (``BitCast`` exists only from opset 26.)
* ``sequence``: a sequence-of-tensors input becomes four tensor inputs: every tensor's data end
  to end (1-D, unsigned data as signed bits), each tensor's element count, rank and dims (end to
  end). A ``Loop`` over the tensors slices each one's data and reshapes it (an ``If`` builds the
  empty ones with ``Tile``, as opset < 14 ``Reshape`` reads a 0 as "copy"), inserting it into a
  sequence under the original name. Exact: bits are only moved. Needs ai.onnx opset >= 13 (a
  ``Loop`` carries sequences from 13); a model below is raised to 13 when every operator it uses
  has the same schema there, else the input is refused.

Only embedded models can be adapted: with ``--model-path`` an SDK loads the user's file as it is
(``targets.refusals(..., embed=False)`` refuses these inputs there).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import onnx
import onnx.defs
from onnx import TensorProto, helper

from . import ir
from .errors import UnsupportedModel
from .targets import ADAPT_SEQUENCE as SEQUENCE
from .targets import ADAPT_SIGNED_BITS as SIGNED_BITS

KINDS = (SIGNED_BITS, SEQUENCE)

_SIGNED: dict[int, int] = {TensorProto.UINT16: TensorProto.INT16, TensorProto.UINT32: TensorProto.INT32,
                           TensorProto.UINT64: TensorProto.INT64}
_LOOP_SEQ_OPSET = 13  # Loop carries sequences from opset 13
_MIN_IR = 7  # what opset 13 needs


@dataclasses.dataclass(frozen=True)
class Input:
    """How one input of the user's model travels to the adapted model."""

    name: str  # the user's model's input name (what errors and the typed API name)
    kind: str  # SIGNED_BITS or SEQUENCE
    feeds: tuple[str, ...]  # the adapted model's inputs: one (signed bits) or data, counts, ranks, dims


@dataclasses.dataclass(frozen=True)
class Adapted:
    data: bytes  # the adapted model, what the SDK embeds
    inputs: Mapping[str, Input]  # by the user's input name
    changes: tuple[str, ...]  # what differs from the given model, for messages


def wire_elem(d: ir.DType) -> ir.DType:
    """The element type a signed-bits input travels as."""
    return ir.DType(_SIGNED.get(d.value, d.value))


# --- model walking -------------------------------------------------------------------------------


def _graphs(g: Any) -> Iterator[Any]:
    yield g
    for n in g.node:
        for a in n.attribute:
            if a.HasField("g"):
                yield from _graphs(a.g)
            for sub in a.graphs:
                yield from _graphs(sub)


def _names(m: Any) -> set[str]:
    out: set[str] = set()
    for g in _graphs(m.graph):
        out.update(v.name for v in [*g.input, *g.output, *g.value_info])
        out.update(t.name for t in g.initializer)
        for n in g.node:
            out.update(n.input)
            out.update(n.output)
            out.add(n.name)
    for f in m.functions:
        out.update(f.input)
        out.update(f.output)
        for n in f.node:
            out.update(n.input)
            out.update(n.output)
    return out


def _prefix(m: Any) -> str:
    """``sdkgen_`` or ``sdkgen<k>_``: a prefix no name of the model starts with."""
    names = _names(m)
    k = 0
    while True:
        p = "sdkgen_" if k == 0 else f"sdkgen{k}_"
        if not any(n.startswith(p) for n in names):
            return p
        k += 1


def _ai_onnx_opset(m: Any) -> int | None:
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"):
            return int(o.version)
    return None


def _raise_blockers(m: Any, target: int) -> list[str]:
    """Why the model's ai.onnx opset cannot simply be relabelled ``target`` (empty: it can)."""
    have = _ai_onnx_opset(m)
    if have is None or have >= target:
        return []
    why = []
    seen: set[str] = set()
    nodes = [n for g in _graphs(m.graph) for n in g.node]
    nodes += [n for f in m.functions for n in f.node]
    for n in nodes:
        if n.domain not in ("", "ai.onnx") or n.op_type in seen:
            continue
        seen.add(n.op_type)
        try:
            now = onnx.defs.get_schema(n.op_type, have, "").since_version
            then = onnx.defs.get_schema(n.op_type, target, "").since_version
        except onnx.defs.SchemaError:
            why.append(f"operator {n.op_type} has no schema at opset {have}")
            continue
        if now != then:
            why.append(f"operator {n.op_type} changed in opset {then}")
    return why


def sequence_blocker(m: Any) -> str | None:
    """Why a sequence input of this model cannot be rebuilt by an adapted model, or None."""
    have = _ai_onnx_opset(m)
    if have is not None and have < _LOOP_SEQ_OPSET:
        why = _raise_blockers(m, _LOOP_SEQ_OPSET)
        if why:
            return (f"the adapted model rebuilds the sequence in a Loop, which carries sequences from "
                    f"ai.onnx opset {_LOOP_SEQ_OPSET}; this model imports opset {have} and cannot be "
                    f"relabelled ({why[0]})")
    return None


# --- the rewrites ----------------------------------------------------------------------------------


def _tensor_vi(name: str, elem: int, shape: list[Any] | None) -> Any:
    return helper.make_tensor_value_info(name, elem, shape)


def _signed_bits(g: Any, k: int, p: str) -> Input:
    """Replace graph input ``k`` (unsigned) by a signed one of the same width and a Cast back."""
    vi = g.input[k]
    name = vi.name
    elem = vi.type.tensor_type.elem_type
    feed = f"{p}{k}_bits"
    new = onnx.ValueInfoProto()
    new.CopyFrom(vi)
    new.name = feed
    new.type.tensor_type.elem_type = _SIGNED[elem]
    new.doc_string = f"the bits of {name!r} as {TensorProto.DataType.Name(_SIGNED[elem]).lower()} (sdkgen)"
    orig = onnx.ValueInfoProto()
    orig.CopyFrom(vi)
    g.input.remove(vi)
    g.input.insert(k, new)
    g.value_info.append(orig)
    g.node.insert(0, helper.make_node("Cast", [feed], [name], name=f"{p}{k}_cast", to=elem))
    return Input(name, SIGNED_BITS, (feed,))


def _const(name: str, elem: int, values: list[Any], dims: list[int]) -> Any:
    return helper.make_tensor(name, elem, dims, values)


def _sequence(g: Any, k: int, p: str) -> Input:
    """Replace graph input ``k`` (a sequence of tensors) by data/counts/ranks/dims and a Loop."""
    vi = g.input[k]
    name = vi.name
    elem = vi.type.sequence_type.elem_type.tensor_type.elem_type
    wire = _SIGNED.get(elem, elem)
    q = f"{p}{k}_"
    feeds = (f"{q}data", f"{q}counts", f"{q}ranks", f"{q}dims")
    data, counts, ranks, dims = feeds
    ins = [_tensor_vi(data, wire, [f"{q}total"]), _tensor_vi(counts, TensorProto.INT64, [f"{q}n"]),
           _tensor_vi(ranks, TensorProto.INT64, [f"{q}n"]), _tensor_vi(dims, TensorProto.INT64, [f"{q}ndims"])]
    for i, x in enumerate(ins):
        x.doc_string = f"sequence {name!r} as tensors (sdkgen): " + ("data", "counts", "ranks", "dims")[i]
    orig = onnx.ValueInfoProto()
    orig.CopyFrom(vi)
    g.input.remove(vi)
    for i, x in enumerate(ins):
        g.input.insert(k + i, x)
    g.value_info.append(orig)
    zero_elem = "" if elem == TensorProto.STRING else 0
    zero_val: list[Any] = [zero_elem.encode() if isinstance(zero_elem, str) else zero_elem]
    g.initializer.extend([
        _const(f"{q}axis0", TensorProto.INT64, [0], []),
        _const(f"{q}true", TensorProto.BOOL, [True], []),
        _const(f"{q}one_shape", TensorProto.INT64, [1], [1]),
        _const(f"{q}zero1", TensorProto.INT64, [0], [1]),
        _const(f"{q}one1", TensorProto.INT64, [1], [1]),
        _const(f"{q}filler", elem, zero_val, []),
    ])
    src = data
    outer = []
    if wire != elem:
        src = f"{q}data_cast"
        outer.append(helper.make_node("Cast", [data], [src], name=f"{q}cast", to=elem))
    outer += [
        helper.make_node("Size", [counts], [f"{q}n"], name=f"{q}size"),
        helper.make_node("CumSum", [counts, f"{q}axis0"], [f"{q}coff"], name=f"{q}coff", exclusive=1),
        helper.make_node("CumSum", [ranks, f"{q}axis0"], [f"{q}roff"], name=f"{q}roff", exclusive=1),
        helper.make_node("SequenceEmpty", [], [f"{q}empty"], name=f"{q}empty", dtype=elem),
    ]
    empty_branch = helper.make_graph(
        [helper.make_node("Shape", [f"{q}shp"], [f"{q}rank1"], name=f"{q}rank1"),
         helper.make_node("Expand", [f"{q}one1", f"{q}rank1"], [f"{q}ones"], name=f"{q}ones"),
         helper.make_node("Reshape", [f"{q}filler", f"{q}ones"], [f"{q}unit"], name=f"{q}unit"),
         helper.make_node("Tile", [f"{q}unit", f"{q}shp"], [f"{q}el0"], name=f"{q}tile")],
        f"{q}empty_tensor", [], [_tensor_vi(f"{q}el0", elem, None)])
    full_branch = helper.make_graph(
        [helper.make_node("Reshape", [f"{q}flat", f"{q}shp"], [f"{q}el1"], name=f"{q}reshape")],
        f"{q}tensor", [], [_tensor_vi(f"{q}el1", elem, None)])
    seq_t = helper.make_sequence_type_proto(helper.make_tensor_type_proto(elem, None))
    body = helper.make_graph(
        [helper.make_node("Reshape", [f"{q}i", f"{q}one_shape"], [f"{q}i1"], name=f"{q}i1"),
         helper.make_node("Gather", [f"{q}coff", f"{q}i1"], [f"{q}cs"], name=f"{q}cs"),
         helper.make_node("Gather", [counts, f"{q}i1"], [f"{q}cl"], name=f"{q}cl"),
         helper.make_node("Add", [f"{q}cs", f"{q}cl"], [f"{q}ce"], name=f"{q}ce"),
         helper.make_node("Slice", [src, f"{q}cs", f"{q}ce"], [f"{q}flat"], name=f"{q}flat"),
         helper.make_node("Gather", [f"{q}roff", f"{q}i1"], [f"{q}rs"], name=f"{q}rs"),
         helper.make_node("Gather", [ranks, f"{q}i1"], [f"{q}rl"], name=f"{q}rl"),
         helper.make_node("Add", [f"{q}rs", f"{q}rl"], [f"{q}re"], name=f"{q}re"),
         helper.make_node("Slice", [dims, f"{q}rs", f"{q}re"], [f"{q}shp"], name=f"{q}shp"),
         helper.make_node("Equal", [f"{q}cl", f"{q}zero1"], [f"{q}isempty"], name=f"{q}isempty"),
         helper.make_node("If", [f"{q}isempty"], [f"{q}el"], name=f"{q}el",
                          then_branch=empty_branch, else_branch=full_branch),
         helper.make_node("SequenceInsert", [f"{q}sin", f"{q}el"], [f"{q}sout"], name=f"{q}insert"),
         helper.make_node("Identity", [f"{q}cin"], [f"{q}cout"], name=f"{q}cout")],
        f"{q}rebuild",
        [_tensor_vi(f"{q}i", TensorProto.INT64, []), _tensor_vi(f"{q}cin", TensorProto.BOOL, []),
         helper.make_value_info(f"{q}sin", seq_t)],
        [_tensor_vi(f"{q}cout", TensorProto.BOOL, []), helper.make_value_info(f"{q}sout", seq_t)])
    outer.append(helper.make_node("Loop", [f"{q}n", f"{q}true", f"{q}empty"], [name], name=f"{q}loop", body=body))
    for i, n in enumerate(outer):
        g.node.insert(i, n)
    return Input(name, SEQUENCE, feeds)


def adapt(data: bytes, kinds: Mapping[str, str], label: str = "the model") -> Adapted:
    """Rewrite the inputs named in ``kinds`` (input name -> SIGNED_BITS or SEQUENCE)."""
    m = onnx.load_model_from_string(data)
    g = m.graph
    p = _prefix(m)
    changes: list[str] = []
    done: dict[str, Input] = {}
    if any(k == SEQUENCE for k in kinds.values()):
        have = _ai_onnx_opset(m)
        why = sequence_blocker(m)
        if why:
            raise UnsupportedModel(f"{label}: {why}")
        if have is None:
            m.opset_import.append(helper.make_opsetid("", _LOOP_SEQ_OPSET))
            changes.append(f"ai.onnx opset {_LOOP_SEQ_OPSET} imported")
        elif have < _LOOP_SEQ_OPSET:
            for o in m.opset_import:
                if o.domain in ("", "ai.onnx"):
                    o.version = _LOOP_SEQ_OPSET
            changes.append(f"ai.onnx opset {have} -> {_LOOP_SEQ_OPSET} (same schemas)")
        if m.ir_version < _MIN_IR:
            changes.append(f"IR version {m.ir_version} -> {_MIN_IR}")
            m.ir_version = _MIN_IR
    positions = {vi.name: i for i, vi in enumerate(g.input)}
    # Rewrite from the last input to the first so earlier positions stay valid.
    for name in sorted(kinds, key=lambda n: -positions[n]):
        k = positions[name]
        kind = kinds[name]
        if kind == SIGNED_BITS:
            done[name] = _signed_bits(g, k, p)
            changes.append(f"input {name!r} travels as signed bits")
        elif kind == SEQUENCE:
            done[name] = _sequence(g, k, p)
            changes.append(f"input {name!r} travels as data, counts, ranks and dims")
        else:  # pragma: no cover - the registry names only these
            raise ValueError(kind)
    # The feeds are numbered by graph position before the rewrite; name order is signature order.
    return Adapted(m.SerializeToString(), {n: done[n] for n in kinds}, tuple(changes))
