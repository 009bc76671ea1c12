"""The one registry of targets: what each language is and what it can carry.

Every language is declared here once: its emitter and check driver (by module), its default
names, where its runtime source lives, and its capabilities. Refusals at generation time
(``refusals``/``require``), the support matrix in ``docs/support.md`` (``support_matrix``,
kept in sync by a test) and the "refused" outcomes of ``sdkgen check`` all derive from it;
no emitter decides on its own what it cannot carry.

A capability is either carried (with a note on how, e.g. "uint16 bits in a short") or refused
with the reason. A capability carried "via" an adapted embedded model names the adaptation
(``Feature.adapt``, applied by ``generator.adapt``); ``--model-path`` SDKs load the user's file
as it is, so there it is refused with that reason. Quicktype's ``TargetLanguage`` flags are the model: the IR is checked against
the flags instead of emitters raising ad hoc.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
from typing import Literal

from . import ir, versions
from .errors import UnsupportedModel

Direction = Literal["input", "output"]
DIRECTIONS: tuple[Direction, ...] = ("input", "output")


@dataclasses.dataclass(frozen=True)
class Feature:
    """One row of the support matrix: carried (``reason`` empty, ``note`` says how) or refused."""

    note: str = ""
    reason: str = ""
    adapt: str = ""  # carried only by adapting the embedded model: ADAPT_SIGNED_BITS or ADAPT_SEQUENCE

    @property
    def carried(self) -> bool:
        return not self.reason


YES = Feature()


def no(reason: str) -> Feature:
    return Feature(reason=reason)


def via(note: str) -> Feature:
    return Feature(note=note)


# Adaptations of the embedded model (generator.adapt rewrites the model's inputs).
ADAPT_SIGNED_BITS = "signed-bits"  # unsigned input as the signed type of the same width + Cast
ADAPT_SEQUENCE = "sequence"  # sequence-of-tensors input as data/counts/ranks/dims tensors + Loop


def adapted(note: str, kind: str) -> Feature:
    """Carried by adapting the embedded model (``generator.adapt``); refused with --model-path."""
    return Feature(note=note, adapt=kind)


def _model_path_reason(f: Feature) -> str:
    return (f"carried only by adapting the embedded model ({f.note}); with --model-path the SDK loads the "
            "model file as it is: embed the model instead")


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """What a target can carry, per direction. Element types absent from ``elems`` are refused
    with ``elem_reason``; the structural features say whether sequences, maps and optionals are
    carried and with which contents."""

    elems: Mapping[Direction, Mapping[ir.DType, Feature]]
    elem_reason: str
    sequence: Mapping[Direction, Feature]
    sequence_elems: Mapping[Direction, frozenset[ir.DType]]  # tensor element types inside a sequence
    sequence_of_maps: Mapping[Direction, Feature]
    map: Mapping[Direction, Feature]
    map_keys: frozenset[ir.DType]
    map_values: frozenset[ir.DType] | None  # tensor element types of map values; None: any carried type
    map_value_scalar_only: bool  # map values must be scalars (rank 0 or unknown shape)
    optional: Mapping[Direction, Feature]
    nested_sequences: bool = False  # sequences of sequences (or of optionals)
    # A target-specific rule the structure above cannot say (e.g. onnxruntime_go's float16
    # outputs need a shape known before the run): returns a reason, or None.
    extra: Callable[[ir.Value, Direction, ir.Model], str | None] | None = None
    # What the target carries only through an adapted embedded model (e.g. generator/adapt_go.py):
    # (where, what) for each value or model that needs it. A --model-path SDK loads the user's file
    # as it is, so these are refused there.
    adapted: Callable[[ir.Model], list[tuple[str, str]]] | None = None


@dataclasses.dataclass(frozen=True)
class Target:
    lang: str
    title: str  # "Python", "Java", "Go"
    emitter: str  # module under generator.emit
    check_driver: str  # module under generator.check
    binding: str  # the native ORT binding it wraps, for messages and docs
    runtime_dir: str  # runtime source, relative to the runtime root (repo ``runtime/``)
    caps: Capabilities
    # Options of ``generator.emit.Options`` that mean something for this language.
    options: frozenset[str]
    # Paths under ``runtime_dir`` (prefixes) shipped only in SDKs generated with --remote.
    remote_runtime: tuple[str, ...] = ()

    def emit_module(self) -> ModuleType:
        return importlib.import_module(f"generator.emit.{self.emitter}")

    def check_module(self) -> ModuleType:
        return importlib.import_module(f"generator.check.{self.check_driver}")


def _both(f: Feature) -> dict[Direction, Feature]:
    return {"input": f, "output": f}


# --- Python: numpy + onnxruntime -------------------------------------------------------------

_PY_ELEMS = {
    d: YES
    for d in (
        ir.DType.FLOAT, ir.DType.DOUBLE, ir.DType.FLOAT16, ir.DType.INT8, ir.DType.INT16,
        ir.DType.INT32, ir.DType.INT64, ir.DType.UINT8, ir.DType.UINT16, ir.DType.UINT32,
        ir.DType.UINT64, ir.DType.BOOL,
    )
}  # fmt: skip
_PY_ELEMS[ir.DType.STRING] = via("numpy str_ or object arrays of str")
_PY_NATIVE = frozenset(_PY_ELEMS)  # what ONNX Runtime's Python API takes as numpy arrays
# numpy has bfloat16 and float8 only through ml_dtypes; ORT's Python API takes and returns their
# bits as OrtValues of the ONNX type (runtime/python/sdkgen_runtime/session.py).
PY_RAW = frozenset(
    {ir.DType.BFLOAT16, ir.DType.FLOAT8E4M3FN, ir.DType.FLOAT8E4M3FNUZ, ir.DType.FLOAT8E5M2,
     ir.DType.FLOAT8E5M2FNUZ}
)  # fmt: skip
_PY_ELEMS.update({d: via("ml_dtypes arrays; the bits cross ONNX Runtime as an OrtValue") for d in PY_RAW})


def _py_has_raw(t: ir.ValueType) -> bool:
    if isinstance(t, ir.TensorType):
        return t.elem in PY_RAW
    if isinstance(t, ir.MapType):
        return _py_has_raw(t.value)
    return _py_has_raw(t.elem)


def _py_non_float_map(t: ir.ValueType) -> bool:
    """Whether ``t`` is or holds a map whose values are not float tensors."""
    if isinstance(t, ir.MapType):
        return not (isinstance(t.value, ir.TensorType) and t.value.elem is ir.DType.FLOAT)
    if isinstance(t, ir.SequenceType | ir.OptionalType):
        return _py_non_float_map(t.elem)
    return False


def _py_extra(v: ir.Value, direction: Direction, model: ir.Model) -> str | None:
    """bfloat16 and float8 (ml_dtypes arrays) are carried as tensors, not inside sequences, maps
    or optionals; map inputs hold float values (all onnxruntime's Python API builds); and a model with such an output runs through onnxruntime's
    run_with_ort_values (the only way its Python API returns their bits), which takes numeric
    tensor inputs only and returns tensor outputs only."""
    t = v.type
    if not isinstance(t, ir.TensorType) and _py_has_raw(t):
        return ("onnxruntime's Python API has no numpy type for bfloat16/float8, and the SDK carries "
                "them as tensors only (ml_dtypes arrays), not inside sequences, maps or optionals")
    if direction == "input" and _py_non_float_map(t):
        return ("onnxruntime's Python API builds map inputs with float values only (map(string, float), "
                "map(int64, float)): every call would fail")
    raw_out = next((o for o in model.outputs if isinstance(o.type, ir.TensorType) and o.type.elem in PY_RAW), None)
    if raw_out is None:
        return None
    numeric = isinstance(t, ir.TensorType) and t.elem is not ir.DType.STRING
    if direction == "input" and not numeric or direction == "output" and not isinstance(t, ir.TensorType):
        return (f"the model's {ir.type_str(raw_out.type)} output {raw_out.name!r} comes back only through "
                "onnxruntime's run_with_ort_values, which takes numeric tensor inputs and returns tensor "
                "outputs only")
    return None


PYTHON = Target(
    lang="python",
    title="Python",
    emitter="python",
    check_driver="python_lang",
    binding=f"onnxruntime {versions.ORT_VERSION} (PyPI)",
    runtime_dir="python/sdkgen_runtime",
    caps=Capabilities(
        elems={"input": _PY_ELEMS, "output": _PY_ELEMS},
        elem_reason="numpy has no such dtype that ONNX Runtime's Python API accepts",
        sequence=_both(via("list")),
        sequence_elems={"input": _PY_NATIVE, "output": _PY_NATIVE},
        sequence_of_maps=_both(via("list of dict")),
        map=_both(via("dict")),
        map_keys=_PY_NATIVE,
        map_values=None,
        map_value_scalar_only=False,
        optional=_both(via("value or None")),
        nested_sequences=True,
        extra=_py_extra,
    ),
    options=frozenset({"package", "artifact_id", "version", "remote"}),
    remote_runtime=("remote/",),
)

# --- Java: ai.onnxruntime ------------------------------------------------------------------

_J_IN = {
    ir.DType.FLOAT: via("float[] or FloatBuffer"),
    ir.DType.DOUBLE: via("double[] or DoubleBuffer"),
    ir.DType.INT64: via("long[] or LongBuffer"),
    ir.DType.INT32: via("int[] or IntBuffer"),
    ir.DType.INT16: via("short[] or ShortBuffer"),
    ir.DType.INT8: via("byte[] or ByteBuffer"),
    ir.DType.UINT8: via("byte[] or ByteBuffer (unsigned bits)"),
    ir.DType.BOOL: via("boolean[]"),
    ir.DType.STRING: via("String[]"),
    ir.DType.FLOAT16: via("short[] bits or ShortBuffer (Fp16Conversions)"),
    ir.DType.BFLOAT16: via("short[] bits or ShortBuffer (Fp16Conversions)"),
}
_J_OUT = {d: f for d, f in _J_IN.items() if f.carried}
_J_OUT.update(
    {
        ir.DType.UINT16: via("short[] with the same bits (Short.toUnsignedInt)"),
        ir.DType.UINT32: via("int[] with the same bits (Integer.toUnsignedLong)"),
        ir.DType.UINT64: via("long[] with the same bits (Long.toUnsignedString)"),
    }
)
# ONNX Runtime's Java API cannot create unsigned 16/32/64-bit tensors: the SDK hands it the same
# bits as the signed type and the embedded model casts them back (exact modulo 2^n).
_J_IN.update(
    {
        ir.DType.UINT16: adapted("short[] or ShortBuffer with the same bits; the embedded model casts int16 to "
                                 "uint16", ADAPT_SIGNED_BITS),
        ir.DType.UINT32: adapted("int[] or IntBuffer with the same bits; the embedded model casts int32 to "
                                 "uint32", ADAPT_SIGNED_BITS),
        ir.DType.UINT64: adapted("long[] or LongBuffer with the same bits; the embedded model casts int64 to "
                                 "uint64", ADAPT_SIGNED_BITS),
    }
)
_J_NO_INPUT = "ONNX Runtime's Java API builds tensor inputs only"
# A Java record's canonical constructor takes every component, and a method has at most 255
# parameter slots (one is ``this``): the Outputs record caps a model's outputs.
JAVA_MAX_OUTPUTS = 254


_NUL_NAME = "ONNX Runtime's C API ends names at a NUL byte, so the binding cannot name this value"


def _java_extra(v: ir.Value, direction: Direction, model: ir.Model) -> str | None:
    """A model has at most 254 outputs (the SDK returns them in one record, and a Java record holds
    at most 254 components); value names hold no NUL and no character outside the Basic
    Multilingual Plane (ORT Java passes names through JNI's modified UTF-8)."""
    if "\x00" in v.name:
        return _NUL_NAME
    if any(ord(c) > 0xFFFF for c in v.name):
        return ("ONNX Runtime's Java API passes names through JNI's modified UTF-8, which garbles characters "
                "outside the Basic Multilingual Plane (the SDK could not match the model's own signature)")
    if direction == "output" and len(model.outputs) > JAVA_MAX_OUTPUTS and v is model.outputs[JAVA_MAX_OUTPUTS]:
        return (f"{len(model.outputs)} outputs: the Java SDK returns them in one record, and a Java record "
                f"holds at most {JAVA_MAX_OUTPUTS} components")
    return None

JAVA = Target(
    lang="java",
    title="Java",
    emitter="java",
    check_driver="java_lang",
    binding=f"com.microsoft.onnxruntime:onnxruntime:{versions.ORT_VERSION} (Maven Central)",
    runtime_dir="java/src/main/java/sdkgen/runtime",
    caps=Capabilities(
        elems={"input": _J_IN, "output": _J_OUT},
        elem_reason="ONNX Runtime's Java API has no tensor type for it",
        sequence={
            "input": adapted("List of tensor records; the embedded model rebuilds the sequence from their data, "
                             "counts, ranks and dims", ADAPT_SEQUENCE),
            "output": via("List"),
        },
        sequence_elems={
            "input": frozenset(_J_IN),
            "output": frozenset({ir.DType.STRING, ir.DType.INT64, ir.DType.FLOAT, ir.DType.DOUBLE}),
        },
        sequence_of_maps={"input": no(_J_NO_INPUT), "output": via("List<Map>")},
        map={"input": no(_J_NO_INPUT), "output": via("Map")},
        map_keys=frozenset({ir.DType.INT64, ir.DType.STRING}),
        map_values=frozenset({ir.DType.INT64, ir.DType.STRING, ir.DType.FLOAT, ir.DType.DOUBLE}),
        map_value_scalar_only=True,
        optional={"input": no(_J_NO_INPUT), "output": no("ONNX Runtime's Java API has no optional values")},
        extra=_java_extra,
    ),
    options=frozenset({"package", "group_id", "artifact_id", "version", "remote"}),
)

# --- Go: github.com/yalue/onnxruntime_go -----------------------------------------------------

_GO_NATIVE = {
    ir.DType.FLOAT: via("float32"),
    ir.DType.DOUBLE: via("float64"),
    ir.DType.INT8: via("int8"),
    ir.DType.UINT8: via("uint8"),
    ir.DType.INT16: via("int16"),
    ir.DType.UINT16: via("uint16"),
    ir.DType.INT32: via("int32"),
    ir.DType.UINT32: via("uint32"),
    ir.DType.INT64: via("int64"),
    ir.DType.UINT64: via("uint64"),
    ir.DType.BOOL: via("bool"),
    ir.DType.STRING: via("string"),
}
_GO_ELEMS = dict(_GO_NATIVE)
_GO_ELEMS.update(
    {
        ir.DType.FLOAT16: via("uint16 bits (Float16Bits, Float16FromBits)"),
        ir.DType.BFLOAT16: via("uint16 bits (BFloat16Bits, BFloat16FromBits)"),
        ir.DType.COMPLEX64: via("complex64"),
        ir.DType.COMPLEX128: via("complex128"),
        ir.DType.FLOAT8E4M3FN: via("uint8 bits"),
        ir.DType.FLOAT8E4M3FNUZ: via("uint8 bits"),
        ir.DType.FLOAT8E5M2: via("uint8 bits"),
        ir.DType.FLOAT8E5M2FNUZ: via("uint8 bits"),
    }
)
# Element types onnxruntime_go holds as raw bytes, wider than one byte: it copies one byte per
# element of ORT-allocated ones, so the SDK must allocate such outputs before the run.
GO_RAW_WIDE = frozenset({ir.DType.FLOAT16, ir.DType.BFLOAT16, ir.DType.COMPLEX64, ir.DType.COMPLEX128})
# Every element type onnxruntime_go holds as raw bytes (a CustomDataTensor).
GO_RAW = GO_RAW_WIDE | {ir.DType.FLOAT8E4M3FN, ir.DType.FLOAT8E4M3FNUZ, ir.DType.FLOAT8E5M2, ir.DType.FLOAT8E5M2FNUZ}


def _go_extra(v: ir.Value, direction: Direction, model: ir.Model) -> str | None:
    """Value names hold no NUL byte (ORT's C API ends names there). float16, bfloat16 and complex
    outputs need a shape fixed by the inputs (fixed dims or symbols bound by an input): onnxruntime_go copies one byte per element of ORT-allocated
    ones, so the SDK allocates them before the run. Rank-0 values carried through an adapted
    model (below) need ai.onnx opset 5 or later (Reshape of every element type). A sequence
    output or input of scalars (declared rank 0) is refused: onnxruntime_go cannot read a scalar
    back from a sequence nor make one to put in it (a sequence input of unknown element rank
    holding scalars is a typed input error at run time for the same reason). Empty
    sequence inputs need the adapted embedded model (opset 11 or later); with --model-path an
    empty sequence is a typed input error."""
    if "\x00" in v.name:
        return _NUL_NAME
    from . import adapt_go

    why = adapt_go.unadaptable(v, direction, model)
    if why is not None:
        return why
    t = v.type
    seq = t.elem if isinstance(t, ir.OptionalType) else t  # an optional sequence too
    if isinstance(seq, ir.SequenceType) and isinstance(seq.elem, ir.TensorType) and seq.elem.shape == ():
        if direction == "output":
            return (f"a sequence of scalars: onnxruntime_go {versions.ORT_GO_VERSION} cannot read a scalar back "
                    "from a sequence ONNX Runtime returns")
        return (f"a sequence of scalars: onnxruntime_go {versions.ORT_GO_VERSION} cannot make a rank-0 tensor to "
                "put in a sequence (every call would fail)")
    if (direction == "output" and isinstance(t, ir.TensorType) and any(i.name == v.name for i in model.inputs)
            and (t.shape in ((), None) or t.elem in GO_RAW)
            and v.name not in {name for name, _ in adapt_go.plan(model).outputs}):  # adapted: renamed apart
        return ("the graph input of the same name passed through as an output: the SDK allocates this output "
                "before the run, and ONNX Runtime hands back the input instead of filling it (the call would "
                "return zeros)")
    if direction != "output" or not isinstance(t, ir.TensorType) or t.elem not in GO_RAW_WIDE:
        return None
    syms = set(ir.symbols(model))
    known = t.shape is not None and all(d.value is not None or d.symbol in syms for d in t.shape)
    if not known:
        return (
            f"a {t.elem.name.lower()} output whose shape is not fixed by the inputs ({ir.type_str(t)}): "
            f"onnxruntime_go {versions.ORT_GO_VERSION} copies one byte per element of ORT-allocated "
            "ones, so the SDK must allocate it before the run"
        )
    return None


def _go_adapted(model: ir.Model) -> list[tuple[str, str]]:
    """A model without inputs (onnxruntime_go's Run needs one: the embedded copy gets an unused
    bool input); rank-0 string, float16, bfloat16, complex and float8 inputs and rank-0 float16,
    bfloat16, complex and float8 outputs (onnxruntime_go makes and returns these with rank >= 1
    only: the embedded copy reshapes them to [1]); optional inputs and outputs of tensors or
    sequences (onnxruntime_go has no optional values: the embedded copy carries the value and
    whether it is present; inputs need ai.onnx opset 16, optional tensors other than rank >= 1
    numbers, bools and strings are refused)."""
    from . import adapt_go

    return adapt_go.plan(model).reasons()


GO = Target(
    lang="go",
    title="Go",
    emitter="go",
    check_driver="go_lang",
    binding=f"github.com/yalue/onnxruntime_go {versions.ORT_GO_VERSION} (cgo) + libonnxruntime {versions.ORT_VERSION}",
    runtime_dir="go",
    caps=Capabilities(
        elems={"input": _GO_ELEMS, "output": _GO_ELEMS},
        elem_reason=f"onnxruntime_go {versions.ORT_GO_VERSION} has no such tensor element type",
        sequence=_both(via("[]Tensor[T] or []map[K]V")),
        sequence_elems={
            "input": frozenset(_GO_ELEMS),
            "output": frozenset(_GO_ELEMS) - GO_RAW_WIDE,
        },
        sequence_of_maps=_both(via("[]map[K]V")),
        map=_both(via("map[K]V")),
        map_keys=frozenset(
            {ir.DType.STRING, ir.DType.INT8, ir.DType.INT16, ir.DType.INT32, ir.DType.INT64,
             ir.DType.UINT8, ir.DType.UINT16, ir.DType.UINT32, ir.DType.UINT64}
        ),
        map_values=frozenset(_GO_NATIVE) - {ir.DType.STRING},
        map_value_scalar_only=True,
        optional=_both(via("a pointer (*T, nil when absent), through an adapted embedded model")),
        extra=_go_extra,
        adapted=_go_adapted,
    ),
    options=frozenset({"package", "module", "remote"}),  # a Go module's version is its VCS tag
)

# --- the Open Inference Protocol v2 (remote mode, `sdkgen deploy`) ---------------------------
# What the protocol itself carries, whatever the language: tensors of its datatypes only.
OIP_DATATYPES: dict[ir.DType, str] = {
    ir.DType.BOOL: "BOOL",
    ir.DType.UINT8: "UINT8",
    ir.DType.UINT16: "UINT16",
    ir.DType.UINT32: "UINT32",
    ir.DType.UINT64: "UINT64",
    ir.DType.INT8: "INT8",
    ir.DType.INT16: "INT16",
    ir.DType.INT32: "INT32",
    ir.DType.INT64: "INT64",
    ir.DType.FLOAT16: "FP16",
    ir.DType.FLOAT: "FP32",
    ir.DType.DOUBLE: "FP64",
    ir.DType.STRING: "BYTES",
    ir.DType.BFLOAT16: "BF16",
}
_OIP_NO = "the Open Inference Protocol v2 carries tensors only"
OIP = Capabilities(
    elems={d: {x: via(n) for x, n in OIP_DATATYPES.items()} for d in DIRECTIONS},
    elem_reason="the Open Inference Protocol v2 has no datatype for it",
    sequence=_both(no(_OIP_NO)),
    sequence_elems={"input": frozenset(), "output": frozenset()},
    sequence_of_maps=_both(no(_OIP_NO)),
    map=_both(no(_OIP_NO)),
    map_keys=frozenset(),
    map_values=frozenset(),
    map_value_scalar_only=True,
    optional=_both(no(_OIP_NO)),
)


def oip_refusals(model: ir.Model) -> list[Refusal]:
    """What a remote (OIP v2) deployment of ``model`` cannot carry."""
    return _refusals(OIP, model)


TARGETS: dict[str, Target] = {t.lang: t for t in (PYTHON, JAVA, GO)}
LANGS: tuple[str, ...] = tuple(TARGETS)


def get(lang: str) -> Target:
    try:
        return TARGETS[lang]
    except KeyError:
        raise UnsupportedModel(f"--lang {lang}: unknown (expected one of {', '.join(LANGS)})") from None


# --- refusals ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Refusal:
    where: str  # e.g. "input 'x'"
    what: str  # e.g. "uint16 tensor inputs"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: cannot carry {self.what}: {self.reason}"


def _elem_name(d: ir.DType) -> str:
    return d.name.lower()


def _type_refusal(t: ir.ValueType, d: Direction, caps: Capabilities, in_seq: bool = False,
                  embed: bool = True) -> tuple[str, str] | None:
    """(what, reason) if ``t`` cannot be carried in direction ``d`` (``embed``: the SDK embeds
    the model, so adapted capabilities count)."""
    if isinstance(t, ir.TensorType):
        f = caps.elems[d].get(t.elem)
        if f is None:
            return f"{_elem_name(t.elem)} tensor {d}s", caps.elem_reason
        if not f.carried:
            return f"{_elem_name(t.elem)} tensor {d}s", f.reason
        if f.adapt and not embed and not in_seq:
            return f"{_elem_name(t.elem)} tensor {d}s", _model_path_reason(f)
        if in_seq and t.elem not in caps.sequence_elems[d]:
            return f"sequences of {_elem_name(t.elem)} tensors as {d}s", (
                caps.sequence[d].reason or f"the binding cannot carry {_elem_name(t.elem)} tensors in a sequence"
            )
        return None
    if isinstance(t, ir.SequenceType):
        if not caps.sequence[d].carried:
            return f"sequence {d}s", caps.sequence[d].reason
        if caps.sequence[d].adapt and not embed:
            return f"sequence {d}s", _model_path_reason(caps.sequence[d])
        if isinstance(t.elem, ir.MapType):
            if not caps.sequence_of_maps[d].carried:
                return f"sequence-of-map {d}s", caps.sequence_of_maps[d].reason
            return _type_refusal(t.elem, d, caps, embed=embed)
        if caps.sequence[d].adapt and not isinstance(t.elem, ir.TensorType):
            return f"{ir.type_str(t)} {d}s", "the adapted embedded model rebuilds sequences of tensors only"
        if isinstance(t.elem, ir.TensorType):
            return _type_refusal(t.elem, d, caps, in_seq=True, embed=embed)
        if caps.nested_sequences:
            return _type_refusal(t.elem, d, caps, embed=embed)
        return f"{ir.type_str(t)} {d}s", "sequences hold tensors or maps only in this SDK"
    if isinstance(t, ir.MapType):
        if not caps.map[d].carried:
            return f"map {d}s", caps.map[d].reason
        v = t.value
        if t.key not in caps.map_keys:
            return f"maps with {_elem_name(t.key)} keys as {d}s", (
                "map keys must be one of " + ", ".join(sorted(_elem_name(k) for k in caps.map_keys))
            )
        if caps.map_values is None:
            return _type_refusal(v, d, caps, embed=embed)
        if not isinstance(v, ir.TensorType) or v.elem not in caps.map_values:
            return f"maps with {ir.type_str(v)} values as {d}s", (
                "map values must be tensors of " + ", ".join(sorted(_elem_name(k) for k in caps.map_values))
            )
        if caps.map_value_scalar_only and v.shape not in (None, ()):
            return f"maps with {ir.type_str(v)} values as {d}s", "map values must be scalars"
        return None
    if not caps.optional[d].carried:
        return f"optional {d}s", caps.optional[d].reason
    return _type_refusal(t.elem, d, caps, embed=embed)


MODEL_PATH_REASON = ("carried only by adapting the embedded model, and a --model-path SDK loads the model "
                     "file as it is (embed the model instead)")


def refusals(lang: str, model: ir.Model, *, embed: bool = True) -> list[Refusal]:
    """Everything in ``model``'s signature that ``lang`` cannot carry, in signature order; with
    ``embed`` False (``--model-path``) also what it carries only through an adapted embedded model."""
    return _refusals(get(lang).caps, model, embed)


def _refusals(caps: Capabilities, model: ir.Model, embed: bool = True) -> list[Refusal]:
    out: list[Refusal] = []
    if not embed and caps.adapted is not None:
        out += [Refusal(where, what, MODEL_PATH_REASON) for where, what in caps.adapted(model)]
    for d, values in (("input", model.inputs), ("output", model.outputs)):
        direction: Direction = "input" if d == "input" else "output"
        for v in values:
            where = f"{d} {v.name!r}"
            r = _type_refusal(v.type, direction, caps, embed=embed)
            if r is not None:
                out.append(Refusal(where, r[0], r[1]))
                continue
            if caps.extra is not None:
                reason = caps.extra(v, direction, model)
                if reason is not None:
                    out.append(Refusal(where, f"this {ir.type_str(v.type)} {d}", reason))
    return out


def require(lang: str, model: ir.Model, label: str = "this model", *, embed: bool = True) -> None:
    """Raise ``UnsupportedModel`` naming every value ``lang`` cannot carry, and why."""
    found = refusals(lang, model, embed=embed)
    if found:
        t = get(lang)
        head = f"the {t.title} SDK ({t.binding}) cannot carry {label}: "
        raise UnsupportedModel(head + "; ".join(str(r) for r in found))


def adaptations(lang: str, model: ir.Model) -> dict[str, str]:
    """The inputs of ``model`` that ``lang`` carries via an adapted embedded model: name -> kind
    (``ADAPT_SIGNED_BITS`` or ``ADAPT_SEQUENCE``), in signature order."""
    caps = get(lang).caps
    out: dict[str, str] = {}
    for v in model.inputs:
        t = v.type
        if isinstance(t, ir.TensorType):
            f = caps.elems["input"].get(t.elem)
            if f is not None and f.carried and f.adapt:
                out[v.name] = f.adapt
        elif isinstance(t, ir.SequenceType) and caps.sequence["input"].adapt:
            out[v.name] = caps.sequence["input"].adapt
    return out


# --- the support matrix (docs/support.md) ------------------------------------------------------


def _cell(f: Feature | None, fallback_reason: str) -> str:
    if f is None:
        return "no: " + fallback_reason
    if not f.carried:
        return "no: " + f.reason
    if f.adapt:
        return f"yes, embedded models only (adapted: {f.note})"
    return "yes" + (f" ({f.note})" if f.note else "")


def _names(ds: Iterable[ir.DType]) -> str:
    chosen = set(ds)
    return ", ".join(_elem_name(x) for x in ir.DType if x in chosen) or "none"


def _rows(c: Capabilities) -> list[tuple[str, str, str]]:
    rows = [
        (f"tensor of {_elem_name(dt)}", _cell(c.elems["input"].get(dt), c.elem_reason),
         _cell(c.elems["output"].get(dt), c.elem_reason))
        for dt in ir.DType
    ]
    per: list[tuple[str, Callable[[Direction], str]]] = [
        ("sequence", lambda d: _cell(c.sequence[d], "")),
        ("tensor types in a sequence", lambda d: _names(c.sequence_elems[d])),
        ("sequence of maps", lambda d: _cell(c.sequence_of_maps[d], "")),
        ("sequence of sequences", lambda d: "yes" if c.nested_sequences else "no"),
        ("map", lambda d: _cell(c.map[d], "")),
        ("map keys", lambda d: _names(c.map_keys)),
        ("map values", lambda d: "any carried type" if c.map_values is None
         else _names(c.map_values) + (" (scalars)" if c.map_value_scalar_only else "")),
        ("optional", lambda d: _cell(c.optional[d], "")),
    ]
    return rows + [(label, f("input"), f("output")) for label, f in per]


def support_matrix(langs: Sequence[str] = LANGS) -> str:
    """The support matrix as Markdown; ``docs/support.md`` holds exactly this text."""
    out = [
        "# What each SDK can carry",
        "",
        "Generated from `generator/targets.py` by `python -m generator.targets > docs/support.md`;",
        "`tests/test_targets.py` keeps this file in sync. sdkgen refuses, at generation time and with",
        "the reason below, a model whose signature uses something a language cannot carry.",
    ]
    for t in (get(x) for x in langs):
        out += ["", f"## {t.title}", "", f"Binding: {t.binding}.", "", "| value | input | output |", "|---|---|---|"]
        out += [f"| {a} | {b} | {x} |" for a, b, x in _rows(t.caps)]
        if t.caps.extra is not None and t.caps.extra.__doc__:
            out += ["", "Also: " + " ".join(inspect.cleandoc(t.caps.extra.__doc__).split())]
        if t.caps.adapted is not None and t.caps.adapted.__doc__:
            out += ["", "Through an adapted embedded model (so refused with `--model-path`): "
                    + " ".join(inspect.cleandoc(t.caps.adapted.__doc__).split())]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    print(support_matrix(), end="")
