"""Adapted embedded models for the Go SDK: what onnxruntime_go cannot carry, rewritten so it can.

Part of the reader layer (with ``generator.reader`` and ``generator.compat``, the only code that
imports ``onnx`` for generation; here only ``apply`` does, lazily). ``plan`` decides from the IR
what the Go SDK carries through an adapted embedded model; ``apply`` rewrites the model's bytes and
names what it added, for the emitter's ``ModelSpec``. Each rewrite only adds nodes around the
graph's own inputs and outputs, so the model computes exactly what it did:

* a model without inputs gets an unused bool scalar input (``Pad``): onnxruntime_go
  v1.27.0's ``DynamicAdvancedSession.Run`` indexes its first input and panics without one;
* a rank-0 input of an element type onnxruntime_go can only make with rank >= 1 (string,
  float16, bfloat16, complex, float8) is taken as shape [1] under a new name and reshaped to
  the original scalar (``AdaptScalar``);
* a rank-0 output of an element type onnxruntime_go cannot return as a scalar (float16,
  bfloat16, complex, float8) is reshaped to [1] under a new name (``AdaptScalar``);
* a sequence-of-tensors input is taken under a new name with one more element in front, which
  a SequenceErase drops (``AdaptSeq``): ONNX Runtime's C API cannot make an empty sequence, so
  the runtime sends an empty one as just that element.

A ``--model-path`` SDK loads the user's file as it is, so what needs one of the first three is
refused there (``generator.targets``, the Go target's ``adapted`` rule). The last one only adds
empty sequences: without it (``--model-path``, or ``WithModelPath`` at run time) an empty
sequence is a typed input error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from . import ir, versions

# Element types onnxruntime_go v1.27.0 makes only with rank >= 1: strings (NewStringTensor) and
# the ones it holds as raw bytes (NewCustomDataTensor validates a non-empty shape).
SCALAR_INPUT_ELEMS = frozenset({
    ir.DType.STRING, ir.DType.FLOAT16, ir.DType.BFLOAT16, ir.DType.COMPLEX64, ir.DType.COMPLEX128,
    ir.DType.FLOAT8E4M3FN, ir.DType.FLOAT8E4M3FNUZ, ir.DType.FLOAT8E5M2, ir.DType.FLOAT8E5M2FNUZ,
})
# Element types it cannot return as an ORT-allocated scalar (it copies FlattenedSize() bytes, 0 for
# a scalar, and then refuses the empty shape); strings it returns fine.
SCALAR_OUTPUT_ELEMS = SCALAR_INPUT_ELEMS - {ir.DType.STRING}

ADAPT_SCALAR = "scalar"
ADAPT_SEQ = "seq"
# SequenceErase exists from opset 11 on.
MIN_SEQ_OPSET = 11


@dataclasses.dataclass(frozen=True)
class Plan:
    """What the Go SDK's embedded copy of a model needs: a pad input, and per value (by wire name)
    the adaptation."""

    pad: bool = False
    inputs: tuple[tuple[str, str], ...] = ()  # (wire name, adaptation)
    outputs: tuple[tuple[str, str], ...] = ()
    seq_inputs: tuple[str, ...] = ()  # AdaptSeq: only adds empty sequences, not needed otherwise

    def __bool__(self) -> bool:
        return self.pad or bool(self.inputs) or bool(self.outputs) or bool(self.seq_inputs)

    def reasons(self) -> list[tuple[str, str]]:
        """(where, what) for each adaptation, for refusals and messages."""
        out = []
        if self.pad:
            what = "a model without inputs (onnxruntime_go's Run needs one: the embedded copy gets an unused one)"
            out.append(("the model", what))
        for direction, values in (("input", self.inputs), ("output", self.outputs)):
            for name, _ in values:
                what = (f"a rank-0 {direction} of this element type (onnxruntime_go needs rank >= 1: "
                        "the embedded copy reshapes it to [1])")
                out.append((f"{direction} {name!r}", what))
        return out


@dataclasses.dataclass(frozen=True)
class Adapted:
    """The adapted model's bytes and the graph names the Go runtime uses for it."""

    data: bytes
    pad: str  # the unused input's name, "" when none
    feeds: dict[tuple[str, str], str]  # (direction, wire name) -> the adapted graph's name
    kinds: dict[tuple[str, str], str]  # (direction, wire name) -> adaptation


def _is_scalar(t: ir.ValueType, elems: frozenset[ir.DType]) -> bool:
    return isinstance(t, ir.TensorType) and t.shape == () and t.elem in elems


def _opset(model: ir.Model) -> int:
    return next((o.version for o in model.opsets if o.domain in ("", "ai.onnx")), 1)


# Reshape takes every element type from opset 5 on (Reshape-1: float types only).
MIN_SCALAR_OPSET = 5


def unadaptable(v: ir.Value, direction: str, model: ir.Model) -> str | None:
    """Why a value that needs an adaptation cannot get it, or None."""
    elems = SCALAR_INPUT_ELEMS if direction == "input" else SCALAR_OUTPUT_ELEMS
    if _is_scalar(v.type, elems) and _opset(model) < MIN_SCALAR_OPSET:
        return (f"onnxruntime_go {versions.ORT_GO_VERSION} carries it only with rank >= 1, and the embedded copy "
                f"cannot reshape it before ai.onnx opset {MIN_SCALAR_OPSET} (the model imports {_opset(model)})")
    return None


def plan(model: ir.Model) -> Plan:
    """What the Go SDK carries only through an adapted embedded model."""
    def scalar(v: ir.Value, direction: str) -> bool:
        elems = SCALAR_INPUT_ELEMS if direction == "input" else SCALAR_OUTPUT_ELEMS
        return _is_scalar(v.type, elems) and unadaptable(v, direction, model) is None

    seqs = () if _opset(model) < MIN_SEQ_OPSET else tuple(
        v.name for v in model.inputs if isinstance(v.type, ir.SequenceType) and isinstance(v.type.elem, ir.TensorType))
    return Plan(
        pad=not model.inputs,
        inputs=tuple((v.name, ADAPT_SCALAR) for v in model.inputs if scalar(v, "input")),
        outputs=tuple((v.name, ADAPT_SCALAR) for v in model.outputs if scalar(v, "output")),
        seq_inputs=seqs,
    )


def _graph_names(g: Any) -> Iterator[str]:
    for vi in [*g.input, *g.output, *g.value_info]:
        yield vi.name
    for t in g.initializer:
        yield t.name
    for st in g.sparse_initializer:
        yield st.values.name
    for n in g.node:
        yield from n.input
        yield from n.output
        yield n.name
        for a in n.attribute:
            if a.HasField("g"):
                yield from _graph_names(a.g)
            for sub in a.graphs:
                yield from _graph_names(sub)


def _fresh(base: str, taken: set[str]) -> str:
    name, k = base, 2
    while name in taken:
        name, k = f"{base}{k}", k + 1
    taken.add(name)
    return name


def apply(model: ir.Model, data: bytes) -> Adapted | None:
    """The embedded copy ``plan(model)`` asks for, or None when the model needs none."""
    p = plan(model)
    if not p:
        return None
    import onnx
    from onnx import helper

    m = onnx.load_model_from_string(data)
    g = m.graph
    taken = set(_graph_names(g))
    feeds: dict[tuple[str, str], str] = {}
    kinds: dict[tuple[str, str], str] = {}

    def reshape(src: str, dst: str, shape: list[int]) -> list[Any]:
        const = _fresh("sdkgen_shape", taken)
        value = helper.make_tensor(const, onnx.TensorProto.INT64, [len(shape)], shape)
        return [helper.make_node("Constant", [], [const], name=_fresh("sdkgen_constant", taken), value=value),
                helper.make_node("Reshape", [src, const], [dst], name=_fresh("sdkgen_reshape", taken))]

    def set_shape(vi: Any, dims: list[int]) -> None:
        shape = vi.type.tensor_type.shape
        del shape.dim[:]
        for d in dims:
            shape.dim.add().dim_value = d

    first: list[Any] = []
    last: list[Any] = []
    by_input = {vi.name: vi for vi in g.input}
    for name, kind in p.inputs:
        vi = by_input[name]
        feed = _fresh(name + "__sdkgen", taken)
        vi.name = feed
        set_shape(vi, [1])
        first += reshape(feed, name, [])
        feeds["input", name], kinds["input", name] = feed, kind
    for name in p.seq_inputs:
        vi = by_input[name]
        feed = _fresh(name + "__sdkgen", taken)
        vi.name = feed
        vi.type.sequence_type.elem_type.tensor_type.ClearField("shape")  # the front element is empty
        zero = _fresh("sdkgen_zero", taken)
        first += [helper.make_node("Constant", [], [zero], name=_fresh("sdkgen_constant", taken),
                                   value=helper.make_tensor(zero, onnx.TensorProto.INT64, [], [0])),
                  helper.make_node("SequenceErase", [feed, zero], [name], name=_fresh("sdkgen_erase", taken))]
        feeds["input", name], kinds["input", name] = feed, ADAPT_SEQ
    by_output = {vi.name: vi for vi in g.output}
    for name, kind in p.outputs:
        vi = by_output[name]
        feed = _fresh(name + "__sdkgen", taken)
        vi.name = feed
        set_shape(vi, [1])
        last += reshape(name, feed, [1])
        feeds["output", name], kinds["output", name] = feed, kind
    nodes = [*first, *g.node, *last]
    del g.node[:]
    g.node.extend(nodes)
    pad = ""
    if p.pad:
        pad = _fresh("sdkgen_pad", taken)
        g.input.append(helper.make_tensor_value_info(pad, onnx.TensorProto.BOOL, []))
    return Adapted(m.SerializeToString(), pad, feeds, kinds)
