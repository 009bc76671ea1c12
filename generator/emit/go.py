"""Go emitter: one Go module around github.com/yalue/onnxruntime_go for one or more models.

Layout of the module:

    go.mod, go.sum, README.md
    internal/ortrt/*.go         the runtime (runtime/go), copied verbatim, once
    internal/oiprt/*.go         --remote only: the remote runtime (runtime/go-remote), its two
                                imports rewritten to this module's internal packages
    internal/oip/*.pb.go        --remote only: the gRPC stubs of grpc_predict_v2.proto, made by
                                protoc at generation time (generator/remote/go_stubs.py)
    model.go, shared.go, model_test.go, model.onnx
                                one model: the module root is its package
    <package>/model.go, ...     several models: one package per model, in a
                                directory named like the package
    remote.go, remote_test.go   --remote only, per model package: NewRemote, Remote, Runner

The view model below (``SdkView``) is typed and precomputes every name, literal and
expression the templates print; the templates only loop. What the Go SDK can carry was
decided by ``generator.targets`` before this runs, so nothing here refuses a model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import posixpath

from .. import adapt_go, deploy, ir, render, runtime_src, versions
from ..errors import UserError
from ..naming import go as naming
from ..remote import go_stubs
from . import Generated, ModelSource, Options

RUNTIME_DIR = "internal/ortrt"
# --remote: the remote runtime's source (under the runtime root), where it and the stubs go, and
# the import paths the remote runtime's source uses for the two packages it imports.
REMOTE_SOURCE = "go-remote"
REMOTE_DIR = "internal/oiprt"
STUBS_DIR = "internal/oip"
_SOURCE_IMPORTS = {"sdkgen.local/ortrt": RUNTIME_DIR, "sdkgen.local/oip": STUBS_DIR}

# Element type -> (Go type, family of the runtime's Put/Get functions).
_ELEM: dict[ir.DType, tuple[str, str]] = {
    ir.DType.FLOAT: ("float32", "Tensor"),
    ir.DType.DOUBLE: ("float64", "Tensor"),
    ir.DType.INT8: ("int8", "Tensor"),
    ir.DType.UINT8: ("uint8", "Tensor"),
    ir.DType.INT16: ("int16", "Tensor"),
    ir.DType.UINT16: ("uint16", "Tensor"),
    ir.DType.INT32: ("int32", "Tensor"),
    ir.DType.UINT32: ("uint32", "Tensor"),
    ir.DType.INT64: ("int64", "Tensor"),
    ir.DType.UINT64: ("uint64", "Tensor"),
    ir.DType.BOOL: ("bool", "Tensor"),
    ir.DType.STRING: ("string", "String"),
    # onnxruntime_go has no Go type for these: carried as bits of the same width.
    ir.DType.FLOAT16: ("uint16", "Raw"),
    ir.DType.BFLOAT16: ("uint16", "Raw"),
    ir.DType.COMPLEX64: ("complex64", "Raw"),
    ir.DType.COMPLEX128: ("complex128", "Raw"),
    ir.DType.FLOAT8E4M3FN: ("uint8", "Raw"),
    ir.DType.FLOAT8E4M3FNUZ: ("uint8", "Raw"),
    ir.DType.FLOAT8E5M2: ("uint8", "Raw"),
    ir.DType.FLOAT8E5M2FNUZ: ("uint8", "Raw"),
}
# onnxruntime_go's constant for each element type: TensorElementDataType + this.
_ORT_ELEM = {d: d.name.title().replace("_", "") for d in _ELEM}
_ORT_ELEM.update({ir.DType.BFLOAT16: "BFloat16", ir.DType.FLOAT8E4M3FN: "Float8E4M3FN",
                  ir.DType.FLOAT8E4M3FNUZ: "Float8E4M3FNUZ", ir.DType.FLOAT8E5M2FNUZ: "Float8E5M2FNUZ"})


@dataclasses.dataclass(frozen=True)
class ValueView:
    """One input or output: its Go field and type, its spec entry, its runtime functions."""

    name: str  # the wire name
    field: str  # Go field of Inputs / Outputs
    go_type: str  # e.g. Tensor[float32], []map[int64]float32
    name_lit: str  # Go literal of the wire name
    type_lit: str  # Go literal of the human type, e.g. "float[batch,3]"
    kind: str  # onnxruntime_go ONNXType constant
    elem: str  # onnxruntime_go TensorElementDataType constant
    dims: str  # Go expression: nil or []ortrt.Dim{...}
    doc: tuple[str, ...]  # comment lines, printed after "//"
    put: str  # the put function's statement, e.g. ortrt.PutTensor(c, 0, in.X)
    get: str  # the get function's expression, e.g. ortrt.GetTensor[float32](c, 0)
    # RunInto: the bind statement ("" when the output's memory cannot be lent to ONNX Runtime)
    # and the fill statement, e.g. ortrt.BindTensor(c, 0, &out.Y), ortrt.FillTensor(c, 0, &out.Y)
    bind: str = ""
    fill: str = ""
    adapt: str = ""  # Go fields of the spec entry for an adapted value, e.g. ", Adapt: ..., Feed: ..."
    # --remote: the remote put statement and get expression, e.g. oiprt.PutTensor(c, 0, in.X)
    remote_put: str = ""
    remote_get: str = ""


@dataclasses.dataclass(frozen=True)
class ModelView:
    """One model: one Go package of the module."""

    name: str  # the model's name (what its package name is derived from)
    package: str
    import_path: str
    dir: str  # its directory in the module, "" for the module root
    embed: bool
    sha256: str  # of the embedded copy (adapted, if it is) or of the file
    adapted: bool  # the embedded copy is an adapted one (generator.adapt_go)
    pad_lit: str  # Go literal of ModelSpec.Pad, "" when none
    name_lit: str
    doc: tuple[str, ...]
    symbols: tuple[str, ...]  # Go literals
    metadata: tuple[tuple[str, str], ...]  # Go literals
    inputs: tuple[ValueView, ...]
    outputs: tuple[ValueView, ...]
    required: ValueView | None  # the first input that is not optional (its zero value is missing)
    served_lit: str = '""'  # Go literal of its name on an inference server (generator.deploy.model_name)
    # Names the package declares for its API (the templates print these).
    model_type: str = "Model"
    new_func: str = "New"
    inputs_type: str = "Inputs"
    outputs_type: str = "Outputs"
    model_file: str = "model.onnx"

    def path(self, name: str) -> str:
        """A file of this model's package, relative to the module root."""
        return posixpath.join(self.dir, name)


@dataclasses.dataclass(frozen=True)
class SdkView:
    module: str
    runtime_import: str
    runtime_dir: str
    go_version: str
    ort_version: str
    ort_go_version: str
    go_sum: tuple[str, ...]
    models: tuple[ModelView, ...]
    remote: bool = False  # --remote: a remote backend too (gRPC, the OIP v2 stubs)
    remote_import: str = ""  # import path of the remote runtime
    stubs_dir: str = STUBS_DIR
    requires: tuple[tuple[str, str], ...] = ()  # go.mod's direct requirements (module, version)
    indirect: tuple[tuple[str, str], ...] = ()  # go.mod's indirect requirements


def _ort_elem(d: ir.DType) -> str:
    return "ort.TensorElementDataType" + _ORT_ELEM[d]


@dataclasses.dataclass(frozen=True)
class _Codec:
    go_type: str
    family: str  # Tensor, Raw, String, Map, StringMap
    type_args: str  # of the Get function, e.g. "[float32]" or ""
    elem: ir.DType


def _codec(t: ir.ValueType) -> _Codec:
    """How a value crosses the Go/ORT boundary (the targets registry allowed it). An optional
    value is a pointer to its element's type (see ``_put_get``)."""
    if isinstance(t, ir.OptionalType):
        inner = _codec(t.elem)
        return _Codec("*" + inner.go_type, inner.family, inner.type_args, inner.elem)
    if isinstance(t, ir.TensorType):
        go, family = _ELEM[t.elem]
        return _Codec(f"Tensor[{go}]", family, "" if family == "String" else f"[{go}]", t.elem)
    if isinstance(t, ir.MapType):
        assert isinstance(t.value, ir.TensorType)
        value = _ELEM[t.value.elem][0]
        if t.key is ir.DType.STRING:
            return _Codec(f"map[string]{value}", "StringMap", f"[{value}]", t.value.elem)
        key = _ELEM[t.key][0]
        return _Codec(f"map[{key}]{value}", "Map", f"[{key}, {value}]", t.value.elem)
    assert isinstance(t, ir.SequenceType) and not isinstance(t.elem, ir.SequenceType | ir.OptionalType)
    inner = _codec(t.elem)
    return _Codec(f"[]{inner.go_type}", inner.family + "Seq", inner.type_args, inner.elem)


_KIND = {ir.TensorType: "ort.ONNXTypeTensor", ir.SequenceType: "ort.ONNXTypeSequence", ir.MapType: "ort.ONNXTypeMap"}


def _inside(t: ir.ValueType) -> ir.ValueType:
    """What the spec describes: an optional value's element (the runtime's AdaptOptional)."""
    return t.elem if isinstance(t, ir.OptionalType) else t


def _put_get(t: ir.ValueType, c: _Codec) -> tuple[str, str]:
    """The runtime functions the put and get functions call for a value, e.g.
    ("ortrt.PutTensor", "ortrt.GetTensor[float32]"); for an optional one, PutOptional and
    GetOptional around the element's (instantiated) functions."""
    put, get = f"ortrt.Put{c.family}", f"ortrt.Get{c.family}{c.type_args}"
    if isinstance(t, ir.OptionalType):
        elem_put = put + ("" if c.family in ("String", "StringSeq") else c.type_args)
        return f"ortrt.PutOptional(c, {{i}}, in.{{field}}, {elem_put})", f"ortrt.GetOptional(c, {{i}}, {get})"
    return f"{put}(c, {{i}}, in.{{field}})", f"{get}(c, {{i}})"


def _dims(t: ir.ValueType, symbols: tuple[str, ...]) -> str:
    t = _inside(t)
    if not isinstance(t, ir.TensorType) or t.shape is None:
        return "nil"
    parts = [
        f"ortrt.Fixed({d.value})" if d.value is not None
        else f"ortrt.Symbol({symbols.index(d.symbol)})" if d.symbol in symbols
        else "ortrt.AnyDim"
        for d in t.shape
    ]
    return "[]ortrt.Dim{" + ", ".join(parts) + "}"


def _comment(text: str) -> tuple[str, ...]:
    """Comment lines to print right after ``//``: a space first unless empty (gofmt's form)."""
    return tuple(" " + ln if ln else "" for ln in naming.comment_lines(text))


_ADAPT = {adapt_go.ADAPT_SCALAR: "ortrt.AdaptScalar", adapt_go.ADAPT_SEQ: "ortrt.AdaptSeq",
          adapt_go.ADAPT_OPTIONAL: "ortrt.AdaptOptional"}


def _values(values: tuple[ir.Value, ...], fallback: str, symbols: tuple[str, ...],
            adapted: adapt_go.Adapted | None, direction: str, remote: bool) -> tuple[ValueView, ...]:
    out: list[ValueView] = []
    for v, field in zip(values, naming.fields([v.name for v in values], fallback)):
        c = _codec(v.type)
        key = (direction, v.name)
        adapt = ""
        if adapted is not None and key in adapted.kinds:
            adapt = f", Adapt: {_ADAPT[adapted.kinds[key]]}, Feed: {naming.literal(adapted.feeds[key])}"
            if key in adapted.has:
                adapt += f", Has: {naming.literal(adapted.has[key])}"
        put, get = _put_get(v.type, c)
        i = len(out)
        bind, fill = "", f"out.{field} = {get.format(i=i, field=field)}"
        if isinstance(v.type, ir.TensorType) and c.family in ("Tensor", "Raw"):
            bind = f"ortrt.Bind{c.family}(c, {i}, &out.{field})"
            fill = f"ortrt.Fill{c.family}(c, {i}, &out.{field})"
        rput = rget = ""
        if remote:  # the registry refused what the protocol cannot carry: tensors only
            assert isinstance(v.type, ir.TensorType) and c.family in ("Tensor", "Raw", "String"), v
            rput = f"oiprt.Put{c.family}(c, {i}, in.{field})"
            rget = f"oiprt.Get{c.family}{c.type_args}(c, {i})"
        out.append(ValueView(
            name=v.name,
            field=field,
            go_type=c.go_type,
            name_lit=naming.literal(v.name),
            type_lit=naming.literal(ir.type_str(v.type)),
            kind=_KIND[type(_inside(v.type))],
            elem=_ort_elem(c.elem),
            dims=_dims(v.type, symbols),
            doc=_comment(v.doc),
            put=put.format(i=i, field=field),
            get=get.format(i=i, field=field),
            bind=bind,
            fill=fill,
            adapt=adapt,
            remote_put=rput,
            remote_get=rget,
        ))
    return tuple(out)


def _model(src: ModelSource, package: str, module: str, single: bool,
           adapted: adapt_go.Adapted | None, remote: bool) -> ModelView:
    m = src.model
    symbols = ir.symbols(m)
    return ModelView(
        name=src.name,
        package=package,
        import_path=module if single else f"{module}/{package}",
        dir="" if single else package,
        embed=src.embed,
        sha256=m.sha256 if adapted is None else hashlib.sha256(adapted.data).hexdigest(),
        adapted=adapted is not None,
        pad_lit=naming.literal(adapted.pad) if adapted is not None and adapted.pad else "",
        name_lit=naming.literal(src.name),
        doc=_comment(m.doc),
        symbols=tuple(naming.literal(s) for s in symbols),
        metadata=tuple((naming.literal(k), naming.literal(v)) for k, v in m.metadata),
        inputs=(ins := _values(m.inputs, "input", symbols, adapted, "input", remote)),
        outputs=_values(m.outputs, "output", symbols, adapted, "output", remote),
        required=next((view for view, v in zip(ins, m.inputs) if not isinstance(v.type, ir.OptionalType)), None),
        served_lit=naming.literal(deploy.model_name(src.name)),
    )


def _adapted(src: ModelSource) -> adapt_go.Adapted | None:
    """The adapted embedded copy the model needs (generator.adapt_go), if any. A --model-path
    model that would need one was refused by the targets registry."""
    if not src.embed:
        assert not adapt_go.plan(src.model).reasons(), "targets.require refuses adaptations with --model-path"
        return None
    return adapt_go.apply(src.model, src.data)


def view(models: list[ModelSource], opts: Options,
         adapted: list[adapt_go.Adapted | None] | None = None) -> SdkView:
    single = len(models) == 1
    if opts.package is not None and not single:
        raise UserError("--package names the package of a single model; with several models each "
                        "package is named after its model (name the models apart instead)")
    if opts.package is not None:
        packages = [naming.check_package(opts.package)]
    else:
        packages = naming.packages([m.name for m in models], remote=opts.remote)
    module = naming.module_path(opts.module, packages[0] if single else naming.DEFAULT_MULTI_MODULE)
    v, h, mod = versions.ORT_GO_VERSION, *versions.ORT_GO_SUMS
    go_sum: tuple[str, ...] = (f"github.com/yalue/onnxruntime_go {v} {h}",
                               f"github.com/yalue/onnxruntime_go {v}/go.mod {mod}")
    requires: tuple[tuple[str, str], ...] = (("github.com/yalue/onnxruntime_go", v),)
    if opts.remote:
        assert set(go_sum) <= set(versions.GO_REMOTE_SUMS), "GO_REMOTE_SUMS holds onnxruntime_go's lines too"
        go_sum = versions.GO_REMOTE_SUMS
        requires += (("google.golang.org/grpc", versions.GRPC_GO_VERSION),
                     ("google.golang.org/protobuf", versions.PROTOBUF_GO_VERSION))
    return SdkView(
        module=module,
        runtime_import=f"{module}/{RUNTIME_DIR}",
        runtime_dir=RUNTIME_DIR,
        go_version=versions.GO_REMOTE_VERSION if opts.remote else versions.GO_VERSION,
        ort_version=versions.ORT_VERSION,
        ort_go_version=v,
        go_sum=go_sum,
        models=tuple(_model(m, p, module, single, a, opts.remote)
                     for m, p, a in zip(models, packages, adapted or [_adapted(m) for m in models])),
        remote=opts.remote,
        remote_import=f"{module}/{REMOTE_DIR}" if opts.remote else "",
        requires=requires,
        indirect=versions.GO_REMOTE_INDIRECT if opts.remote else (),
    )


def generate(models: list[ModelSource], opts: Options) -> Generated:
    adapted = [_adapted(m) for m in models]
    sdk = view(models, opts, adapted)
    files: dict[str, bytes] = {}

    def put(path: str, template: str, **ctx: object) -> None:
        files[path] = render.render("go", template, sdk=sdk, **ctx).encode("utf-8")

    put("go.mod", "go.mod.j2")
    put("go.sum", "go.sum.j2")
    put("README.md", "README.md.j2")
    runtime = {posixpath.join(RUNTIME_DIR, rel): data for rel, data in runtime_src.files("go").items()}
    if sdk.remote:
        runtime.update(remote_runtime(sdk.module))
        files.update({posixpath.join(STUBS_DIR, rel): data for rel, data in go_stubs.stubs().items()})
    files.update(runtime)
    for m, src, a in zip(sdk.models, models, adapted):
        put(m.path("model.go"), "model.go.j2", m=m)
        put(m.path("shared.go"), "shared.go.j2", m=m)
        put(m.path("model_test.go"), "model_test.go.j2", m=m)
        if sdk.remote:
            put(m.path("remote.go"), "remote.go.j2", m=m)
            put(m.path("remote_test.go"), "remote_test.go.j2", m=m)
        if m.embed:
            files[m.path(m.model_file)] = src.data if a is None else a.data
    return Generated(files, sdk, frozenset(runtime))


def remote_runtime(module: str) -> dict[str, bytes]:
    """The remote runtime (runtime/go-remote) as the SDK's internal/oiprt: verbatim but for its
    imports of the in-process runtime and the stubs, which name this module's packages."""
    out = {}
    for rel, data in runtime_src.tree(REMOTE_SOURCE).items():
        text = data.decode("utf-8")
        for src, dest in _SOURCE_IMPORTS.items():
            text = text.replace(f'"{src}"', f'"{module}/{dest}"')
        out[posixpath.join(REMOTE_DIR, rel)] = text.encode("utf-8")
    return out
