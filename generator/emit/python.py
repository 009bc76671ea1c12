"""Python view model and emitter: IR -> an installable package (src layout)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from .. import ir, runtime_src, versions
from ..errors import UserError
from ..naming import python as naming
from ..render import render
from . import Generated, ModelSource, Options

# ONNX element type -> (numpy scalar type for annotations, python scalar for map values).
_ELEM: dict[ir.DType, tuple[str, str]] = {
    ir.DType.FLOAT: ("np.float32", "float"),
    ir.DType.DOUBLE: ("np.float64", "float"),
    ir.DType.FLOAT16: ("np.float16", "float"),
    ir.DType.INT8: ("np.int8", "int"),
    ir.DType.INT16: ("np.int16", "int"),
    ir.DType.INT32: ("np.int32", "int"),
    ir.DType.INT64: ("np.int64", "int"),
    ir.DType.UINT8: ("np.uint8", "int"),
    ir.DType.UINT16: ("np.uint16", "int"),
    ir.DType.UINT32: ("np.uint32", "int"),
    ir.DType.UINT64: ("np.uint64", "int"),
    ir.DType.BOOL: ("np.bool_", "bool"),
    ir.DType.STRING: ("np.object_", "str"),
}
# bfloat16 and float8: numpy has them only through ml_dtypes, whose types are not classes
# mypy can use in ``npt.NDArray[...]``; the runtime takes and returns ml_dtypes arrays.
RAW_ELEMS = (
    ir.DType.BFLOAT16,
    ir.DType.FLOAT8E4M3FN,
    ir.DType.FLOAT8E4M3FNUZ,
    ir.DType.FLOAT8E5M2,
    ir.DType.FLOAT8E5M2FNUZ,
)
_ELEM.update({d: ("np.generic", "float") for d in RAW_ELEMS})
_ORT_ELEM = {
    ir.DType.FLOAT: "float",
    ir.DType.DOUBLE: "double",
    ir.DType.FLOAT16: "float16",
    ir.DType.STRING: "string",
    ir.DType.BOOL: "bool",
}


def ort_type(t: ir.ValueType) -> str:
    """ONNX Runtime's type string for ``t`` (what ``session.get_inputs()[i].type`` says)."""
    if isinstance(t, ir.TensorType):
        return f"tensor({_ORT_ELEM.get(t.elem, t.elem.name.lower())})"
    if isinstance(t, ir.SequenceType):
        return f"seq({ort_type(t.elem)})"
    if isinstance(t, ir.MapType):
        return f"map({_ORT_ELEM.get(t.key, t.key.name.lower())},{ort_type(t.value)})"
    return f"optional({ort_type(t.elem)})"


def _elem(d: ir.DType) -> tuple[str, str]:
    # generator.targets refuses what numpy cannot carry before the emitter runs.
    assert d in _ELEM, f"{d.name}: the Python target should have refused it"
    return _ELEM[d]


def annotation(t: ir.ValueType, *, is_input: bool, in_map: bool = False,
               alias: Callable[[str], str] | None = None) -> str:
    """The annotation of a value of type ``t``; ``alias`` (if given) replaces each part longer
    than ``_MAX_PART`` by a module-level alias, so no line of the module is longer than ruff's 88
    columns (a deeply nested type)."""

    def part(s: str) -> str:
        return alias(s) if alias is not None and len(s) > _MAX_PART else s

    if isinstance(t, ir.TensorType):
        np_type, scalar = _elem(t.elem)
        if in_map:
            return scalar
        if t.elem is ir.DType.STRING and is_input:
            return "npt.NDArray[np.str_] | npt.NDArray[np.object_]"
        return f"npt.NDArray[{np_type}]"
    if isinstance(t, ir.SequenceType):
        return f"list[{part(annotation(t.elem, is_input=is_input, alias=alias))}]"
    if isinstance(t, ir.MapType):
        key = _elem(t.key)[1]
        return f"dict[{key}, {part(annotation(t.value, is_input=is_input, in_map=True, alias=alias))}]"
    return f"{part(annotation(t.elem, is_input=is_input, alias=alias))} | None"


# ruff format's line length; a part of an annotation longer than _MAX_PART gets an alias
# (``_T0 = list[...]``, at most 88 columns itself).
_LINE = 88
_MAX_PART = 66


class _Aliases:
    """The type aliases of one model module, in definition order (parts before wholes)."""

    def __init__(self) -> None:
        self.defs: dict[str, str] = {}  # annotation -> alias

    def __call__(self, ann: str) -> str:
        return self.defs.setdefault(ann, f"_T{len(self.defs)}")


def _shape_lit(t: ir.ValueType) -> str:
    if not isinstance(t, ir.TensorType) or t.shape is None:
        return "None"
    parts = [
        str(d.value) if d.value is not None else naming.literal(d.symbol) if d.symbol else "None"
        for d in t.shape
    ]
    inline = "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if len(f"        shape={inline},") <= _LINE:
        return inline
    # one dim a line, as ruff format writes a tuple that does not fit (and keeps: trailing comma)
    return "(\n" + "".join(f"            {p},\n" for p in parts) + "        )"


def _md(s: str) -> str:
    return "`" + s.encode("unicode_escape").decode("ascii").replace("`", "'") + "`"


@dataclasses.dataclass(frozen=True)
class ValueView:
    """One input or output of a model: its wire name, identifier and what the templates print."""

    name: str  # the model's (wire) name
    ident: str  # run() keyword / outputs field
    name_lit: str
    ort_type_lit: str
    type_lit: str  # a non-tensor's declared type as ``sdkgen inspect`` prints it; "" for tensors (derived)
    elem_lit: str
    shape_lit: str
    annotation: str
    optional: bool
    doc: str
    arg_doc: str
    md_type: str


def _values(vals: tuple[ir.Value, ...], kind: str, aliases: _Aliases) -> list[ValueView]:
    idents = naming.fields([v.name for v in vals], kind)
    out = []
    for ident, v in zip(idents, vals):
        ann = annotation(v.type, is_input=kind == "input", alias=aliases)
        optional = isinstance(v.type, ir.OptionalType)
        if kind == "input":  # `        ident: ann = None,` in run()
            line = 8 + len(ident) + 2 + len(ann) + (7 if optional else 0) + 1
        else:  # `    ident: ann` in the outputs class
            line = 4 + len(ident) + 2 + len(ann)
        if line > _LINE:
            ann = aliases(ann)
        raw = f"{v.name!r} {ir.type_str(v.type)}" + (f". {v.doc}" if v.doc else "")
        out.append(
            ValueView(
                name=v.name,
                ident=ident,
                name_lit=naming.literal(v.name),
                ort_type_lit=naming.literal(ort_type(v.type)),
                type_lit="" if isinstance(v.type, ir.TensorType) else naming.literal(ir.type_str(v.type)),
                elem_lit=naming.literal(v.type.elem.name) if isinstance(v.type, ir.TensorType) else "None",
                shape_lit=_shape_lit(v.type),
                annotation=ann,
                optional=optional,
                doc=naming.docstring_line(v.doc),
                arg_doc=naming.text_line(raw),
                md_type=_md(ir.type_str(v.type)),
            )
        )
    return out


def _natural(s: str) -> tuple[tuple[int, str], ...]:
    """Natural order, as ruff's isort and RUF022 sort: ``Model2`` before ``Model10``."""
    return tuple((int(t), "") if t.isdigit() else (-1, t) for t in re.split(r"(\d+)", s))


def _member_key(n: str) -> tuple[int, tuple[tuple[int, str], ...]]:
    """Ruff's order-by-type: CONSTANTS (two or more characters, all cased ones upper case),
    then Classes (upper-case first letter, e.g. ``A`` or ``AOutputs``), then the rest; each in
    natural order."""
    return (0 if len(n) > 1 and n.isupper() else 1 if n[:1].isupper() else 2, _natural(n))


def _isort_order(names: list[str]) -> list[str]:
    """The order ruff wants for the names of one import and for ``__all__`` (RUF022)."""
    return sorted(names, key=_member_key)


# The runtime's names every package exports, whatever its models.
SHARED_EXPORTS = naming.SHARED_EXPORTS
# The runtime's remote backend (shipped only with --remote) and where its stubs go in it.
REMOTE_RUNTIME = "remote/"
OIP_PACKAGE = "_oip"
OIP_INIT = (
    '"""The Open Inference Protocol v2 gRPC stubs, generated by sdkgen with grpcio-tools from its\n'
    'grpc_predict_v2.proto (excluded from ruff and mypy in pyproject.toml)."""\n'
)


@dataclasses.dataclass(frozen=True)
class ModelView:
    """One model of the SDK: its names (``naming.ModelNames``) and its values."""

    name: str  # the model's name (the user's, or the file's stem)
    class_name: str
    outputs_class: str
    module: str  # "_logreg_iris": the model's module inside the package
    sha256_const: str  # the package's name for the module's MODEL_SHA256
    model_file: str | None  # package data file of the embedded model; None: loaded from a path
    model_file_lit: str
    sha256: str
    sha256_lit: str
    title_doc: str
    doc_lines: tuple[str, ...]
    inputs: tuple[ValueView, ...]
    outputs: tuple[ValueView, ...]
    aliases: tuple[tuple[str, str], ...]  # (alias, annotation) of over-long annotations
    readme_import: str  # the README's `from <package> import <class>`, as ruff format writes it
    remote: bool  # the class can also be opened against an OIP v2 server (--remote)
    served_name: str  # the name `sdkgen deploy` serves the model as (remote's default model_name)
    served_name_lit: str

    @property
    def embed(self) -> bool:
        return self.model_file is not None


@dataclasses.dataclass(frozen=True)
class ImportView:
    module: str  # relative: "._logreg_iris"
    names: tuple[str, ...]  # ("LogregIris", "LogregIrisOutputs") or ("MODEL_SHA256 as LOGREG_IRIS_SHA256",)


@dataclasses.dataclass(frozen=True)
class SdkView:
    """The Python SDK: one package (src layout) with one module per model and one runtime."""

    package: str
    dist_name: str
    dist_name_lit: str
    version_lit: str
    title_doc: str
    models: tuple[ModelView, ...]
    imports: tuple[ImportView, ...]  # of __init__.py, in the order ruff's isort wants
    exports: tuple[str, ...]  # __all__, in the order ruff's RUF022 wants
    ort_version: str
    requirements: tuple[str, ...]  # besides onnxruntime
    remote: bool = False  # --remote: a remote backend too (grpcio, protobuf, the OIP stubs)
    grpcio_tools_version: str = versions.GRPCIO_TOOLS_VERSION

    @property
    def any_embedded(self) -> bool:
        return any(m.embed for m in self.models)

    @property
    def ml_dtypes(self) -> bool:
        """Whether a model takes or returns bfloat16/float8 (ml_dtypes arrays)."""
        return versions.ML_DTYPES_REQUIREMENT in self.requirements


def _model_view(src: ModelSource, names: naming.ModelNames, package: str, remote: bool) -> ModelView:
    from ..deploy import model_name

    title = naming.text_line(src.name)
    model_file = names.model_file if src.embed else None
    aliases = _Aliases()
    inputs = tuple(_values(src.model.inputs, "input", aliases))
    outputs = tuple(_values(src.model.outputs, "output", aliases))
    return ModelView(
        name=src.name,
        class_name=names.class_name,
        outputs_class=names.outputs_class,
        module=names.module,
        sha256_const=names.sha256_const,
        model_file=model_file,
        model_file_lit=naming.literal(model_file or ""),
        sha256=src.model.sha256,
        sha256_lit=naming.literal(src.model.sha256),
        title_doc=title or names.class_name,
        doc_lines=tuple(naming.doc_lines(src.model.doc)),
        inputs=inputs,
        outputs=outputs,
        aliases=tuple((n, ann) for ann, n in aliases.defs.items()),
        readme_import=_import_line(package, names.class_name),
        remote=remote,
        served_name=model_name(src.name),
        served_name_lit=naming.literal(model_name(src.name)),
    )


def _import_line(package: str, name: str) -> str:
    line = f"from {package} import {name}"
    return line if len(line) <= _LINE else f"from {package} import (\n    {name},\n)"


def _imports(models: Sequence[ModelView], remote: bool = False) -> tuple[ImportView, ...]:
    """``from .x import ...`` statements as ruff's isort sorts them: by module (natural
    order), then by their first name (``_member_key``; an alias by the name it imports)."""
    lines = [ImportView("._runtime", tuple(_isort_order(list(SHARED_EXPORTS))))]
    if remote:
        lines.append(ImportView("._runtime.remote", tuple(_isort_order(list(naming.REMOTE_EXPORTS)))))
    for m in models:
        lines.append(ImportView(f".{m.module}", (f"MODEL_SHA256 as {m.sha256_const}",)))
        lines.append(ImportView(f".{m.module}", tuple(_isort_order([m.class_name, m.outputs_class]))))
    return tuple(sorted(lines, key=lambda i: (_natural(i.module), _member_key(i.names[0].split(" ")[0]))))


def _uses(t: ir.ValueType, elems: Sequence[ir.DType]) -> bool:
    if isinstance(t, ir.TensorType):
        return t.elem in elems
    if isinstance(t, ir.MapType):
        return t.key in elems or _uses(t.value, elems)
    return _uses(t.elem, elems)


def _requirements(models: Sequence[ModelSource], remote: bool = False) -> tuple[str, ...]:
    """numpy, and ml_dtypes only when a model takes or returns bfloat16/float8: most SDKs never
    need it, and JAX/TensorFlow pin it tightly, so requiring it everywhere would only add
    resolver conflicts. A remote SDK adds grpcio and protobuf (what its generated stubs need)."""
    values = [v for m in models for v in (*m.model.inputs, *m.model.outputs)]
    raw = any(_uses(v.type, RAW_ELEMS) for v in values)
    grpc = [versions.GRPCIO_REQUIREMENT, versions.PROTOBUF_REQUIREMENT] if remote else []
    return (versions.NUMPY_REQUIREMENT, *([versions.ML_DTYPES_REQUIREMENT] if raw else []), *grpc)


def view(models: Sequence[ModelSource], opts: Options) -> SdkView:
    names = naming.model_names([m.name for m in models], remote=opts.remote)
    package = naming.check_package(opts.package) if opts.package is not None else naming.default_package(
        [m.name for m in models]
    )
    if opts.remote and package in naming.REMOTE_MODULES:
        if opts.package is not None:
            raise UserError(f"--package {package!r}: it would shadow the {package!r} module of "
                            f"{naming.REMOTE_MODULES[package]}, which a remote SDK depends on; choose another "
                            f"name, e.g. {package}_sdk")
        package += "_"
    dist_name = (
        naming.check_dist_name(opts.artifact_id) if opts.artifact_id is not None else naming.dist_name(package)
    )
    naming.check_version(opts.version)
    mviews = tuple(_model_view(src, n, package, opts.remote) for src, n in zip(models, names))
    title = naming.text_line(", ".join(m.name for m in models))
    exports = [*SHARED_EXPORTS, *(naming.REMOTE_EXPORTS if opts.remote else ())]
    for m in mviews:
        exports += [m.class_name, m.outputs_class, m.sha256_const]
    return SdkView(
        package=package,
        dist_name=dist_name,
        dist_name_lit=naming.literal(dist_name),
        version_lit=naming.literal(opts.version),
        title_doc=title or package,
        models=mviews,
        imports=_imports(mviews, opts.remote),
        exports=tuple(_isort_order(exports)),
        ort_version=versions.ORT_VERSION,
        requirements=_requirements(models, opts.remote),
        remote=opts.remote,
    )


def generate(models: list[ModelSource], opts: Options) -> Generated:
    sdk = view(models, opts)
    src = f"src/{sdk.package}"
    text = {
        "pyproject.toml": render("python", "pyproject.toml.j2", sdk=sdk),
        "README.md": render("python", "README.md.j2", sdk=sdk),
        f"{src}/__init__.py": render("python", "__init__.py.j2", sdk=sdk),
    }
    for m in sdk.models:
        text[f"{src}/{m.module}.py"] = render("python", "model.py.j2", m=m)
    files = {k: v.encode("utf-8") for k, v in text.items()}
    files[f"{src}/py.typed"] = b""
    runtime = {f"{src}/_runtime/{rel}": data for rel, data in runtime_src.files("python", remote=sdk.remote).items()}
    if sdk.remote:  # the gRPC stubs, generated from the protocol's .proto now (not committed)
        from ..remote import stubs

        oip = f"{src}/_runtime/{REMOTE_RUNTIME}{OIP_PACKAGE}"
        runtime[f"{oip}/__init__.py"] = OIP_INIT.encode("utf-8")
        runtime.update({f"{oip}/{name}": data for name, data in stubs.python().items()})
    files.update(runtime)
    for m, source in zip(sdk.models, models):
        if m.model_file is not None:
            files[f"{src}/{m.model_file}"] = source.data
    return Generated(dict(sorted(files.items())), sdk, frozenset(runtime))
