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
* an optional input (a pointer in Go) is taken as its value and a bool scalar saying whether
  it is present, which an If turns back into the optional (``AdaptOptional``; ai.onnx opset 16
  or later, where If may return an optional); an optional output is returned as its value
  (empty when absent) and that bool (OptionalHasElement, OptionalGetElement): onnxruntime_go
  v1.27.0 has no optional values;
* a sequence-of-tensors input is taken under a new name with one more element in front, which
  a SequenceErase drops (``AdaptSeq``): ONNX Runtime's C API cannot make an empty sequence, so
  the runtime sends an empty one as just that element.

A ``--model-path`` SDK loads the user's file as it is, so what needs one of the first four is
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
ADAPT_OPTIONAL = "optional"
# SequenceErase exists from opset 11 on; If returns optionals from opset 16 on.
MIN_SEQ_OPSET = 11
MIN_OPTIONAL_INPUT_OPSET = 16


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

    def kind(self, direction: str, name: str) -> str | None:
        return dict(self.inputs if direction == "input" else self.outputs).get(name)

    def reasons(self) -> list[tuple[str, str]]:
        """(where, what) for each adaptation, for refusals and messages."""
        out = []
        if self.pad:
            what = "a model without inputs (onnxruntime_go's Run needs one: the embedded copy gets an unused one)"
            out.append(("the model", what))
        for direction, values in (("input", self.inputs), ("output", self.outputs)):
            for name, kind in values:
                if kind == ADAPT_OPTIONAL:
                    what = (f"an optional {direction} (onnxruntime_go has no optional values: the embedded copy "
                            "carries its value and whether it is present)")
                else:
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
    has: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)  # optional: its bool's name


def _is_scalar(t: ir.ValueType, elems: frozenset[ir.DType]) -> bool:
    return isinstance(t, ir.TensorType) and t.shape == () and t.elem in elems


def _opset(model: ir.Model) -> int:
    return next((o.version for o in model.opsets if o.domain in ("", "ai.onnx")), 1)


# Reshape takes every element type from opset 5 on (Reshape-1: float types only).
MIN_SCALAR_OPSET = 5


def _optional_problem(t: ir.OptionalType, direction: str, model: ir.Model) -> str | None:
    e = t.elem
    inner = e.elem if isinstance(e, ir.SequenceType) else e
    if not isinstance(inner, ir.TensorType):
        return "an optional of another kind than a tensor or a sequence of tensors"
    if direction == "input" and _opset(model) < MIN_OPTIONAL_INPUT_OPSET:
        return (f"an optional input: the embedded copy makes it with If, which returns optionals from ai.onnx "
                f"opset {MIN_OPTIONAL_INPUT_OPSET} on (the model imports {_opset(model)})")
    if isinstance(e, ir.TensorType) and (e.shape == () or e.elem in SCALAR_OUTPUT_ELEMS):
        return (f"an optional {ir.type_str(e)}: onnxruntime_go {versions.ORT_GO_VERSION} makes and returns "
                "this tensor only through a further adaptation (a rank-0 or float16/bfloat16/complex/float8 one)")
    return None


def unadaptable(v: ir.Value, direction: str, model: ir.Model) -> str | None:
    """Why a value that needs an adaptation cannot get it, or None."""
    if isinstance(v.type, ir.OptionalType):
        return _optional_problem(v.type, direction, model)
    elems = SCALAR_INPUT_ELEMS if direction == "input" else SCALAR_OUTPUT_ELEMS
    if _is_scalar(v.type, elems) and _opset(model) < MIN_SCALAR_OPSET:
        return (f"onnxruntime_go {versions.ORT_GO_VERSION} carries it only with rank >= 1, and the embedded copy "
                f"cannot reshape it before ai.onnx opset {MIN_SCALAR_OPSET} (the model imports {_opset(model)})")
    return None


def plan(model: ir.Model) -> Plan:
    """What the Go SDK carries only through an adapted embedded model."""
    def kind(v: ir.Value, direction: str) -> str | None:
        if unadaptable(v, direction, model) is not None:
            return None
        if isinstance(v.type, ir.OptionalType):
            return ADAPT_OPTIONAL
        elems = SCALAR_INPUT_ELEMS if direction == "input" else SCALAR_OUTPUT_ELEMS
        return ADAPT_SCALAR if _is_scalar(v.type, elems) else None

    def kinds(values: tuple[ir.Value, ...], direction: str) -> tuple[tuple[str, str], ...]:
        return tuple((v.name, k) for v in values if (k := kind(v, direction)) is not None)

    seqs = () if _opset(model) < MIN_SEQ_OPSET else tuple(
        v.name for v in model.inputs if isinstance(v.type, ir.SequenceType) and isinstance(v.type.elem, ir.TensorType))
    return Plan(
        pad=not model.inputs,
        inputs=kinds(model.inputs, "input"),
        outputs=kinds(model.outputs, "output"),
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

    def cleared(t: Any) -> Any:
        """A copy of type proto ``t`` without shapes (an absent value crosses empty)."""
        c = onnx.TypeProto()
        c.CopyFrom(t)
        inner = c.sequence_type.elem_type if c.HasField("sequence_type") else c
        inner.tensor_type.ClearField("shape")
        return c

    def drop_front(feed: str, name: str) -> list[Any]:
        zero = _fresh("sdkgen_zero", taken)
        return [helper.make_node("Constant", [], [zero], name=_fresh("sdkgen_constant", taken),
                                 value=helper.make_tensor(zero, onnx.TensorProto.INT64, [], [0])),
                helper.make_node("SequenceErase", [feed, zero], [name], name=_fresh("sdkgen_erase", taken))]

    def replace(values: Any, vi: Any, new: list[Any]) -> None:
        i = list(values).index(vi)
        values.remove(vi)
        for k, n in enumerate(new):
            values.insert(i + k, n)

    has: dict[tuple[str, str], str] = {}
    by_input = {vi.name: vi for vi in g.input}
    for name, kind in p.inputs:
        vi = by_input[name]
        feed = _fresh(name + "__sdkgen", taken)
        feeds["input", name], kinds["input", name] = feed, kind
        if kind == ADAPT_SCALAR:
            vi.name = feed
            set_shape(vi, [1])
            first += reshape(feed, name, [])
            continue
        # Optional: its value (a sequence with an element in front) and a bool; If makes the optional.
        elem_t = vi.type.optional_type.elem_type
        has["input", name] = flag = _fresh(name + "__sdkgen_has", taken)
        replace(g.input, vi, [helper.make_value_info(feed, cleared(elem_t)),
                              helper.make_tensor_value_info(flag, onnx.TensorProto.BOOL, [])])
        value = feed
        if elem_t.HasField("sequence_type"):
            value = _fresh(name + "__sdkgen_seq", taken)
            first += drop_front(feed, value)
        opt_t = helper.make_optional_type_proto(cleared(elem_t))
        some, none = _fresh("sdkgen_some", taken), _fresh("sdkgen_none", taken)
        then_g = helper.make_graph([helper.make_node("Optional", [value], [some], name=_fresh("sdkgen_optional", taken))],
                                   _fresh("sdkgen_then", taken), [], [helper.make_value_info(some, opt_t)])
        else_g = helper.make_graph([helper.make_node("Optional", [], [none], name=_fresh("sdkgen_optional", taken),
                                                     type=cleared(elem_t))],
                                   _fresh("sdkgen_else", taken), [], [helper.make_value_info(none, opt_t)])
        first.append(helper.make_node("If", [flag], [name], name=_fresh("sdkgen_if", taken),
                                      then_branch=then_g, else_branch=else_g))
    for name in p.seq_inputs:
        vi = by_input[name]
        feed = _fresh(name + "__sdkgen", taken)
        vi.name = feed
        vi.type.sequence_type.elem_type.tensor_type.ClearField("shape")  # the front element's shape is any
        first += drop_front(feed, name)
        feeds["input", name], kinds["input", name] = feed, ADAPT_SEQ
    by_output = {vi.name: vi for vi in g.output}
    for name, kind in p.outputs:
        vi = by_output[name]
        feed = _fresh(name + "__sdkgen", taken)
        feeds["output", name], kinds["output", name] = feed, kind
        if kind == ADAPT_SCALAR:
            vi.name = feed
            set_shape(vi, [1])
            last += reshape(name, feed, [1])
            continue
        # Optional: OptionalHasElement, and If(present) its element else an empty one.
        elem_t = vi.type.optional_type.elem_type
        has["output", name] = flag = _fresh(name + "__sdkgen_has", taken)
        replace(g.output, vi, [helper.make_value_info(feed, cleared(elem_t)),
                               helper.make_tensor_value_info(flag, onnx.TensorProto.BOOL, [])])
        got, empty = _fresh("sdkgen_got", taken), _fresh("sdkgen_empty", taken)
        then_g = helper.make_graph(
            [helper.make_node("OptionalGetElement", [name], [got], name=_fresh("sdkgen_get", taken))],
            _fresh("sdkgen_then", taken), [], [helper.make_value_info(got, cleared(elem_t))])
        if elem_t.HasField("sequence_type"):
            dtype = elem_t.sequence_type.elem_type.tensor_type.elem_type
            make_empty = helper.make_node("SequenceEmpty", [], [empty], name=_fresh("sdkgen_empty", taken), dtype=dtype)
        else:
            value = helper.make_tensor(empty, elem_t.tensor_type.elem_type, [0], [])
            make_empty = helper.make_node("Constant", [], [empty], name=_fresh("sdkgen_constant", taken), value=value)
        else_g = helper.make_graph([make_empty], _fresh("sdkgen_else", taken), [],
                                   [helper.make_value_info(empty, cleared(elem_t))])
        last += [helper.make_node("OptionalHasElement", [name], [flag], name=_fresh("sdkgen_has", taken)),
                 helper.make_node("If", [flag], [feed], name=_fresh("sdkgen_if", taken),
                                  then_branch=then_g, else_branch=else_g)]
    nodes = [*first, *g.node, *last]
    del g.node[:]
    g.node.extend(nodes)
    pad = ""
    if p.pad:
        pad = _fresh("sdkgen_pad", taken)
        g.input.append(helper.make_tensor_value_info(pad, onnx.TensorProto.BOOL, []))
    return Adapted(m.SerializeToString(), pad, feeds, kinds, has)
