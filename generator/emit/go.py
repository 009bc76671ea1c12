"""Go emitter: a Go module around github.com/yalue/onnxruntime_go.

The view model below precomputes every Go expression the templates print; the
templates only loop. Go-specific policy (names, literals, comments) lives in
``generator.naming.go``.
"""

from __future__ import annotations

import dataclasses

from .. import ir, render, versions
from ..errors import UnsupportedModel, UserError
from ..naming import go as naming
from . import Generated, ModelSource, Options

# Element types with a Go type onnxruntime_go supports natively.
_NATIVE = {
    ir.DType.FLOAT: "float32",
    ir.DType.DOUBLE: "float64",
    ir.DType.INT8: "int8",
    ir.DType.UINT8: "uint8",
    ir.DType.INT16: "int16",
    ir.DType.UINT16: "uint16",
    ir.DType.INT32: "int32",
    ir.DType.UINT32: "uint32",
    ir.DType.INT64: "int64",
    ir.DType.UINT64: "uint64",
    ir.DType.BOOL: "bool",
}
# Element types carried as raw bits: (Go type, onnxruntime_go constant suffix, bytes per element).
_RAW = {
    ir.DType.FLOAT16: ("uint16", "Float16", 2),
    ir.DType.BFLOAT16: ("uint16", "BFloat16", 2),
    ir.DType.COMPLEX64: ("complex64", "Complex64", 8),
    ir.DType.COMPLEX128: ("complex128", "Complex128", 16),
    ir.DType.FLOAT8E4M3FN: ("uint8", "Float8E4M3FN", 1),
    ir.DType.FLOAT8E4M3FNUZ: ("uint8", "Float8E4M3FNUZ", 1),
    ir.DType.FLOAT8E5M2: ("uint8", "Float8E5M2", 1),
    ir.DType.FLOAT8E5M2FNUZ: ("uint8", "Float8E5M2FNUZ", 1),
}
_ELEM_CONST = {d: "ort.TensorElementDataType" + d.name.title().replace("_", "") for d in _NATIVE}
_ELEM_CONST.update({d: "ort.TensorElementDataType" + r[1] for d, r in _RAW.items()})
_ELEM_CONST[ir.DType.STRING] = "ort.TensorElementDataTypeString"


def _unsupported(where: str, what: str) -> UnsupportedModel:
    return UnsupportedModel(f"{where}: {what} is not supported by the Go SDK (onnxruntime_go "
                            f"{versions.ORT_GO_VERSION}); expected tensors, sequences of tensors or maps, "
                            "or maps of numbers")


@dataclasses.dataclass(frozen=True)
class _Conv:
    """How one value type crosses the Go/ORT boundary, as Go expressions."""

    go_type: str
    build: str  # func(*call, GoType) (ort.Value, error)
    convert: str  # func(ort.Value) (GoType, error)
    check: str  # generic checker name
    kind: str
    elem: str


def _elem_type(d: ir.DType, where: str) -> tuple[str, str, str]:
    """(Go element type, build fn, convert fn) for a tensor element type."""
    if d in _NATIVE:
        t = _NATIVE[d]
        return t, f"tensorValue[{t}]", f"tensorFrom[{t}]"
    if d in _RAW:
        t, _, _ = _RAW[d]
        return t, f"rawValue[{t}]({_ELEM_CONST[d]})", f"rawFrom[{t}]"
    if d is ir.DType.STRING:
        return "string", "stringValue", "stringFrom"
    raise _unsupported(where, f"element type {d.name}")


def _conv(t: ir.ValueType, where: str, output: bool) -> _Conv:
    if isinstance(t, ir.TensorType):
        go, build, conv = _elem_type(t.elem, where)
        return _Conv(f"Tensor[{go}]", build, conv, "checkTensor", "ort.ONNXTypeTensor", _ELEM_CONST[t.elem])
    if isinstance(t, ir.MapType):
        v = t.value
        if not isinstance(v, ir.TensorType) or v.elem not in _NATIVE or (v.shape not in (None, ())):
            raise _unsupported(where, f"map value type {ir.type_str(v)}")
        vt = _NATIVE[v.elem]
        if t.key is ir.DType.STRING:
            return _Conv(f"map[string]{vt}", f"stringMapValue[{vt}]", f"stringMapFrom[{vt}]",
                         "checkMap", "ort.ONNXTypeMap", "ort.TensorElementDataTypeUndefined")
        if t.key not in _NATIVE or t.key in (ir.DType.FLOAT, ir.DType.DOUBLE, ir.DType.BOOL):
            raise _unsupported(where, f"map key type {t.key.name}")
        kt = _NATIVE[t.key]
        return _Conv(f"map[{kt}]{vt}", f"mapValue[{kt}, {vt}]", f"mapFrom[{kt}, {vt}]",
                     "checkMap", "ort.ONNXTypeMap", "ort.TensorElementDataTypeUndefined")
    if isinstance(t, ir.SequenceType):
        e = t.elem
        if isinstance(e, ir.TensorType):
            if output and e.elem in _RAW and _RAW[e.elem][2] > 1:
                raise _unsupported(where, f"a sequence of {e.elem.name} tensors as an output "
                                   "(onnxruntime_go copies one byte per element of them)")
            inner = _conv(e, where, output)
            check = "checkTensorSeq"
        elif isinstance(e, ir.MapType):
            inner = _conv(e, where, output)
            check = "checkMapSeq"
        else:
            raise _unsupported(where, f"type {ir.type_str(t)}")
        return _Conv(f"[]{inner.go_type}", f"seqValue({inner.build})", f"seqFrom({inner.convert})",
                     check, "ort.ONNXTypeSequence", "ort.TensorElementDataTypeUndefined")
    raise _unsupported(where, f"type {ir.type_str(t)}")


@dataclasses.dataclass(frozen=True)
class _ValueView:
    field: str
    name: str  # Go literal of the wire name
    type_lit: str  # Go literal of the human type
    go_type: str
    kind: str
    elem: str
    rank: int
    dims: str  # Go expression: []dimSpec{...} or nil
    doc: list[str]
    check: str  # Go statement expression, e.g. checkTensor(c, &inputSpecs[0], in.X)
    build: str  # e.g. tensorValue[float32](c, in.X)
    convert: str  # e.g. tensorFrom[float32]
    prealloc: str  # e.g. rawOutput(ort.TensorElementDataTypeFloat16, 2), or nil


def _dims(t: ir.ValueType, symbols: list[str]) -> tuple[int, str]:
    if not isinstance(t, ir.TensorType) or t.shape is None:
        return -1, "nil"
    parts = []
    for d in t.shape:
        if d.value is not None:
            parts.append(f"fixed({d.value})")
        elif d.symbol is not None and d.symbol in symbols:
            parts.append(f"symbolic({symbols.index(d.symbol)})")
        else:
            parts.append("anyDim")
    return len(t.shape), "[]dimSpec{" + ", ".join(parts) + "}"


def _prealloc(t: ir.ValueType, symbols: list[str], where: str) -> str:
    """How Run allocates an output onnxruntime_go cannot take from ORT's memory ("nil": it can)."""
    if not isinstance(t, ir.TensorType):
        return "nil"
    if t.elem in _RAW and _RAW[t.elem][2] > 1:
        known = t.shape is not None and all(d.value is not None or d.symbol in symbols for d in t.shape)
        if not known or t.shape == ():
            raise _unsupported(where, f"a {t.elem.name} output whose shape is not fixed by the inputs "
                               f"({ir.type_str(t)}): onnxruntime_go copies one byte per element of "
                               "ORT-allocated ones, so the SDK must allocate it before the run")
        return f"rawOutput({_ELEM_CONST[t.elem]}, {_RAW[t.elem][2]})"
    if t.shape == () and t.elem in _NATIVE:
        return f"scalarOutput[{_NATIVE[t.elem]}]"
    return "nil"


def _values(
    values: tuple[ir.Value, ...], kind: str, symbols: list[str], output: bool
) -> list[_ValueView]:
    fields = naming.fields([v.name for v in values], kind)
    specs = "outputSpecs" if output else "inputSpecs"
    out = []
    for i, (v, f) in enumerate(zip(values, fields)):
        where = f"{kind} {v.name!r}"
        c = _conv(v.type, where, output)
        rank, dims = _dims(v.type, symbols)
        out.append(
            _ValueView(
                field=f,
                name=naming.literal(v.name),
                type_lit=naming.literal(ir.type_str(v.type)),
                go_type=c.go_type,
                kind=c.kind,
                elem=c.elem,
                rank=rank,
                dims=dims,
                doc=_comment(v.doc),
                check=f"{c.check}(c, &{specs}[{i}], in.{f})",
                build=f"{c.build}(c, in.{f})",
                convert=c.convert,
                prealloc=_prealloc(v.type, symbols, where) if output else "nil",
            )
        )
    return out


def _comment(text: str) -> list[str]:
    """Comment lines to print right after ``//``: a space first unless empty (gofmt's form)."""
    return [" " + ln if ln else "" for ln in naming.comment_lines(text)]


def _sum_lines() -> list[str]:
    v = versions.ORT_GO_VERSION
    h, mod = versions.ORT_GO_SUMS
    return [f"github.com/yalue/onnxruntime_go {v} {h}", f"github.com/yalue/onnxruntime_go {v}/go.mod {mod}"]


STATIC = ("tensor.go", "threads.go", "options.go", "library.go", "runtime.go")


def _emit(model: ir.Model, model_bytes: bytes, opts: _Legacy) -> dict[str, bytes]:
    name = opts.name or model.graph_name or "model"
    pkg = naming.check_package(opts.package) if opts.package else naming.package_name(name)
    module = naming.module_path(opts.module, pkg)
    symbols = list(ir.symbols(model))
    inputs = _values(model.inputs, "input", symbols, output=False)
    outputs = _values(model.outputs, "output", symbols, output=True)
    ctx = {
        "package": pkg,
        "module": module,
        "go_version": versions.GO_VERSION,
        "ort_go_version": versions.ORT_GO_VERSION,
        "ort_version": naming.literal(versions.ORT_VERSION),
        "ort_version_text": versions.ORT_VERSION,
        "go_sum": _sum_lines(),
        "model_name": naming.literal(name),
        "model_doc": _comment(model.doc),
        "sha256": model.sha256,
        "embed": opts.embed,
        "model_file": opts.model_file,
        "model_file_lit": naming.literal(opts.model_file),
        "inputs": inputs,
        "outputs": outputs,
        "symbols": [naming.literal(s) for s in symbols],
        "metadata": [(naming.literal(k), naming.literal(v)) for k, v in model.metadata],
        "producer": naming.literal(f"{model.producer_name} {model.producer_version}".strip()),
    }
    files: dict[str, str] = {
        "go.mod": render.render("go", "go.mod.j2", **ctx),
        "go.sum": render.render("go", "go.sum.j2", **ctx),
        "README.md": render.render("go", "README.md.j2", **ctx),
        "model.go": render.render("go", "model.go.j2", **ctx),
        "model_test.go": render.render("go", "model_test.go.j2", **ctx),
    }
    for f in STATIC:
        files[f] = render.render("go", f + ".j2", **ctx)
    out = {k: v.encode("utf-8") for k, v in files.items()}
    if opts.embed:
        out[opts.model_file] = model_bytes
    return out


@dataclasses.dataclass(frozen=True)
class _Legacy:
    """One model's options (before multi-model SDKs; being replaced)."""

    name: str | None = None
    package: str | None = None
    module: str | None = None
    group_id: str | None = None
    artifact_id: str | None = None
    version: str = "0.1.0"
    model_file: str = "model.onnx"
    embed: bool = True


def legacy(m: ModelSource, opts: Options) -> _Legacy:
    return _Legacy(name=m.name, package=opts.package, module=opts.module, group_id=opts.group_id,
                   artifact_id=opts.artifact_id, version=opts.version, embed=m.embed)


def generate(models: list[ModelSource], opts: Options) -> Generated:
    if len(models) != 1:
        raise UserError("this language does not generate several models into one SDK yet")
    m = models[0]
    return Generated(_emit(m.model, m.data, legacy(m, opts)), None)
