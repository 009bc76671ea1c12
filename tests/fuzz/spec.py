"""A fuzzed model, as plain data: its signature (wire names, docs, types) and how each output is
computed, so the ONNX file, the inputs of one call and the outputs every SDK must return all
follow from it deterministically.

The graphs are chosen so ONNX Runtime 1.29 loads and runs them: an output mirrors an input
(``Identity``, or the graph input itself listed as an output), is a ``Constant``, or comes from
one of the two ai.onnx.ml operators that turn maps into tensors and back (``DictVectorizer`` for
map inputs, ``ZipMap`` for sequence-of-map outputs).

A ``FuzzModel`` round-trips through JSON (``to_json``/``from_json``), which is how reproducers
are stored (``tests/test_fuzz.py``, the long run's ``failures/`` directory).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import onnx
from onnx import helper

from generator import fixtures, ir

IR_VERSION = 13  # the newest ONNX Runtime 1.29 loads (generator/versions.py)
ML_OPSET = 3

# Element types whose Identity ONNX Runtime 1.29's CPU provider loads and runs, fed from numpy.
ORT_NUMPY = frozenset({
    ir.DType.FLOAT, ir.DType.UINT8, ir.DType.INT8, ir.DType.UINT16, ir.DType.INT16, ir.DType.INT32,
    ir.DType.INT64, ir.DType.STRING, ir.DType.BOOL, ir.DType.FLOAT16, ir.DType.DOUBLE, ir.DType.UINT32,
    ir.DType.UINT64,
})  # fmt: skip
# It loads and runs these too, but numpy cannot hand them to its Python API (they are fed as
# OrtValues of their bits, and the expected outputs come from the model's definition).
ORT_BITS = frozenset({
    ir.DType.BFLOAT16, ir.DType.FLOAT8E4M3FN, ir.DType.FLOAT8E4M3FNUZ, ir.DType.FLOAT8E5M2,
    ir.DType.FLOAT8E5M2FNUZ,
})  # fmt: skip
ORT_RUNS = ORT_NUMPY | ORT_BITS
_BITS_DTYPE: dict[ir.DType, Any] = {ir.DType.BFLOAT16: np.uint16}  # the float8 types are one byte


def bits(value: Any, elem: ir.DType) -> Any:
    """The unsigned integers holding the bits of an array of a type numpy lacks."""
    return np.asarray(value).view(_BITS_DTYPE.get(elem, np.uint8))


@dataclasses.dataclass(frozen=True)
class Port:
    """A graph input, output or initializer-backed input: its wire name, type and doc string."""

    name: str
    type: ir.ValueType
    doc: str = ""


@dataclasses.dataclass(frozen=True)
class Output:
    """An output and where it comes from.

    ``how``: ``identity`` (an Identity node on input ``arg``), ``passthrough`` (input ``arg``
    itself is the output: same wire name), ``constant`` (a Constant node, values from the
    model's seed), ``dictvec`` (DictVectorizer of map input ``arg`` over ``labels``), ``zipmap``
    (ZipMap of float input ``arg`` with ``labels`` as class labels).
    """

    port: Port
    how: str
    arg: int = -1
    labels: tuple[str, ...] | tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class FuzzModel:
    name: str  # the SDK's name for the model (ModelSource.name): becomes class/package names
    inputs: tuple[Port, ...]
    outputs: tuple[Output, ...]
    constants: tuple[Port, ...] = ()  # graph inputs with an initializer (overridable)
    doc: str = ""
    graph_name: str = "g"
    graph_doc: str = ""
    producer: str = ""
    domain: str = ""
    metadata: tuple[tuple[str, str], ...] = ()
    opset: int = 21
    # What the one call feeds: sizes of symbolic dims, of unknown dims, the rank given to
    # inputs of unknown rank, the length of sequences, the string values, and the seed of
    # every other value.
    sizes: tuple[tuple[str, int], ...] = ()
    unknown_size: int = 1
    unknown_rank: int = 1
    seq_len: int = 2
    strings: tuple[str, ...] = ("a", "b")
    seed: int = 0
    # Wire names whose bytes the file spoils: the first byte becomes 0xff (invalid UTF-8, which
    # protobuf's string fields should not hold; the reader must refuse it cleanly).
    corrupt: tuple[str, ...] = ()

    # --- derived -----------------------------------------------------------------------------

    def size_of(self, symbol: str) -> int:
        return dict(self.sizes).get(symbol, 2)

    def label(self) -> str:
        return f"{self.name!r} ({len(self.inputs)} in, {len(self.outputs)} out)"

    def onnx_bytes(self) -> bytes:
        data: bytes = build(self).SerializeToString()
        for name in self.corrupt:
            raw = name.encode()
            data = data.replace(raw, b"\xff" + raw[1:])  # same length: the protobuf framing holds
        return data

    def to_json(self) -> str:
        return json.dumps(_jsonable(self), ensure_ascii=True, indent=1, sort_keys=True)


# --- ONNX -------------------------------------------------------------------------------------


def type_proto(t: ir.ValueType) -> onnx.TypeProto:
    if isinstance(t, ir.TensorType):
        shape = None if t.shape is None else [d.value if d.value is not None else d.symbol for d in t.shape]
        return helper.make_tensor_type_proto(t.elem.value, shape)
    if isinstance(t, ir.SequenceType):
        return helper.make_sequence_type_proto(type_proto(t.elem))
    if isinstance(t, ir.MapType):
        return helper.make_map_type_proto(t.key.value, type_proto(t.value))
    return helper.make_optional_type_proto(type_proto(t.elem))


def _value_info(p: Port) -> onnx.ValueInfoProto:
    vi = helper.make_value_info(p.name, type_proto(p.type))
    vi.doc_string = p.doc
    return vi


def constant_value(m: FuzzModel, k: int, t: ir.TensorType) -> Any:
    """The value of the ``k``th output when it is a constant (fixed shape by construction)."""
    assert t.shape is not None and all(d.value is not None for d in t.shape)
    shape = tuple(int(d.value or 0) for d in t.shape)
    return tensor_value(t.elem, shape, np.random.default_rng([m.seed, 1000 + k]), m.strings)


def _tensor_proto(value: Any, elem: ir.DType, name: str) -> onnx.TensorProto:
    if elem in ORT_BITS:
        bits = np.asarray(value).view(_BITS_DTYPE.get(elem, np.uint8))
        return helper.make_tensor(name, elem.value, list(bits.shape), bits.tobytes(), raw=True)
    proto: onnx.TensorProto = fixtures.to_proto(value, ir.TensorType(elem, None), name)
    return proto


def build(m: FuzzModel) -> onnx.ModelProto:
    nodes: list[onnx.NodeProto] = []
    outputs = []
    for k, o in enumerate(m.outputs):
        outputs.append(_value_info(o.port))
        src = m.inputs[o.arg].name if o.arg >= 0 else ""
        if o.how == "identity":
            nodes.append(helper.make_node("Identity", [src], [o.port.name], name=f"n{k}"))
        elif o.how == "constant":
            assert isinstance(o.port.type, ir.TensorType)
            value = _tensor_proto(constant_value(m, k, o.port.type), o.port.type.elem, f"c{k}")
            nodes.append(helper.make_node("Constant", [], [o.port.name], name=f"n{k}", value=value))
        elif o.how == "dictvec":
            key = m.inputs[o.arg].type
            assert isinstance(key, ir.MapType)
            attr = "string_vocabulary" if key.key is ir.DType.STRING else "int64_vocabulary"
            node = helper.make_node("DictVectorizer", [src], [o.port.name], name=f"n{k}", domain="ai.onnx.ml")
            node.attribute.append(helper.make_attribute(attr, list(o.labels)))
            nodes.append(node)
        elif o.how == "zipmap":
            attr = "classlabels_strings" if o.labels and isinstance(o.labels[0], str) else "classlabels_int64s"
            node = helper.make_node("ZipMap", [src], [o.port.name], name=f"n{k}", domain="ai.onnx.ml")
            node.attribute.append(helper.make_attribute(attr, list(o.labels)))
            nodes.append(node)
        else:
            assert o.how == "passthrough", o.how
    inits = []
    for c in m.constants:
        assert isinstance(c.type, ir.TensorType) and c.type.shape is not None
        shape = tuple(int(d.value or 0) for d in c.type.shape)
        value = tensor_value(c.type.elem, shape, np.random.default_rng([m.seed, 7]), m.strings)
        inits.append(_tensor_proto(value, c.type.elem, c.name))
    g = helper.make_graph(nodes, m.graph_name, [_value_info(p) for p in (*m.inputs, *m.constants)], outputs,
                          initializer=inits, doc_string=m.graph_doc)
    opsets = [helper.make_opsetid("", m.opset)]
    if any(o.how in ("dictvec", "zipmap") for o in m.outputs):
        opsets.append(helper.make_opsetid("ai.onnx.ml", ML_OPSET))
    model = helper.make_model(g, opset_imports=opsets, ir_version=IR_VERSION, doc_string=m.doc,
                              producer_name=m.producer, domain=m.domain)
    helper.set_model_props(model, dict(m.metadata))
    return model


# --- the values of one call -------------------------------------------------------------------

_SPECIAL_FLOATS = [0.0, -0.0, 1.0, -1.5, np.inf, -np.inf, np.nan, 1e-40, 3.4e38, 65504.0, 6e-8]


def tensor_value(elem: ir.DType, shape: tuple[int, ...], rng: np.random.Generator, strings: tuple[str, ...]) -> Any:
    """Values that stress a binding: the integer type's whole range (negative, unsigned high
    bit), special floats (NaN, infinities, -0, subnormals), any string of the model's pool, and
    for the types numpy lacks their raw bits."""
    n = int(np.prod(shape, dtype=np.int64))
    if elem is ir.DType.STRING:
        pool = strings or ("",)
        return np.array([pool[i] for i in rng.integers(0, len(pool), n)], dtype=object).reshape(shape)
    if elem is ir.DType.BOOL:
        return rng.integers(0, 2, shape).astype(bool)
    if elem in ORT_BITS:  # random bits, viewed as the ml_dtypes type onnx maps it to
        dt = _BITS_DTYPE.get(elem, np.uint8)
        return rng.integers(0, np.iinfo(dt).max, shape, dtype=dt, endpoint=True).view(fixtures.np_dtype(elem))
    dt = np.dtype(fixtures.np_dtype(elem))
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    with np.errstate(over="ignore"):
        vals = np.where(rng.random(shape) < 0.5, rng.standard_normal(shape) * 100,
                        np.array(_SPECIAL_FLOATS)[rng.integers(0, len(_SPECIAL_FLOATS), shape)])
        return vals.astype(dt)


def _shape(m: FuzzModel, t: ir.TensorType) -> tuple[int, ...]:
    if t.shape is None:
        return (m.unknown_size,) * m.unknown_rank
    return tuple(d.value if d.value is not None else m.size_of(d.symbol) if d.symbol else m.unknown_size
                 for d in t.shape)


def value_of(m: FuzzModel, t: ir.ValueType, rng: np.random.Generator) -> Any:
    if isinstance(t, ir.TensorType):
        return tensor_value(t.elem, _shape(m, t), rng, m.strings)
    if isinstance(t, ir.SequenceType):
        return [value_of(m, t.elem, rng) for _ in range(m.seq_len)]
    if isinstance(t, ir.MapType):
        assert isinstance(t.value, ir.TensorType)
        keys: list[Any]
        if t.key is ir.DType.STRING:
            keys = sorted(set(m.strings))[: m.seq_len + 1]
        else:
            keys = sorted({int(k) for k in rng.integers(-3, 4, m.seq_len + 1)})  # labels are small too
        return {k: tensor_value(t.value.elem, (), rng, m.strings).item() for k in keys}
    assert isinstance(t, ir.OptionalType)
    return value_of(m, t.elem, rng)


def inputs(m: FuzzModel) -> list[Any]:
    """The values of the one call every SDK makes (in input order)."""
    rng = np.random.default_rng([m.seed, 1])
    return [value_of(m, p.type, rng) for p in m.inputs]


def expected(m: FuzzModel, ins: list[Any]) -> list[Any]:
    """The outputs by the model's definition: mirrors, constants, and what DictVectorizer and
    ZipMap compute (the oracle when raw ONNX Runtime's Python API cannot feed the model)."""
    out: list[Any] = []
    for k, o in enumerate(m.outputs):
        t = o.port.type
        if o.how in ("identity", "passthrough"):
            out.append(ins[o.arg])
        elif o.how == "constant":
            assert isinstance(t, ir.TensorType)
            out.append(constant_value(m, k, t))
        elif o.how == "dictvec":
            assert isinstance(t, ir.TensorType)
            d = ins[o.arg]
            zero: Any = "" if t.elem is ir.DType.STRING else 0
            row = [d.get(label, zero) for label in o.labels]
            out.append(np.array([row], dtype=fixtures.np_dtype(t.elem)))
        else:
            assert o.how == "zipmap"
            x = np.asarray(ins[o.arg], dtype=np.float32).reshape(-1, len(o.labels))
            out.append([{label: float(v) for label, v in zip(o.labels, row)} for row in x])
    return out


# --- JSON -------------------------------------------------------------------------------------


def _jsonable(x: Any) -> Any:
    if isinstance(x, ir.DType):
        return {"dtype": x.name}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        d = {f.name: _jsonable(getattr(x, f.name)) for f in dataclasses.fields(x)}
        d["@"] = type(x).__name__
        return d
    if isinstance(x, tuple | list):
        return [_jsonable(v) for v in x]
    return x


_CLASSES = {c.__name__: c for c in (Port, Output, FuzzModel, ir.TensorType, ir.SequenceType, ir.MapType,
                                    ir.OptionalType, ir.Dim)}


def _from(x: Any) -> Any:
    if isinstance(x, list):
        return tuple(_from(v) for v in x)
    if isinstance(x, dict) and "dtype" in x:
        return ir.DType[x["dtype"]]
    if isinstance(x, dict):
        cls = _CLASSES[x["@"]]
        return cls(**{k: _from(v) for k, v in x.items() if k != "@"})
    return x


def from_json(text: str) -> FuzzModel:
    m = _from(json.loads(text))
    assert isinstance(m, FuzzModel)
    return m
