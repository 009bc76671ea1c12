"""Python view model and emitter: IR -> an installable package (src layout)."""

from __future__ import annotations

import dataclasses

from .. import ir, versions
from ..errors import UnsupportedModel, UserError
from ..naming import python as naming
from ..render import render, static
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


def _elem(d: ir.DType, where: str) -> tuple[str, str]:
    if d not in _ELEM:
        supported = ", ".join(sorted(x.name for x in _ELEM))
        raise UnsupportedModel(
            f"{where} has element type {d.name}, which the Python SDK cannot pass through numpy to "
            f"ONNX Runtime (supported: {supported})"
        )
    return _ELEM[d]


def annotation(t: ir.ValueType, where: str, *, is_input: bool, in_map: bool = False) -> str:
    if isinstance(t, ir.TensorType):
        np_type, scalar = _elem(t.elem, where)
        if in_map:
            return scalar
        if t.elem is ir.DType.STRING and is_input:
            return "npt.NDArray[np.str_] | npt.NDArray[np.object_]"
        return f"npt.NDArray[{np_type}]"
    if isinstance(t, ir.SequenceType):
        return f"list[{annotation(t.elem, where, is_input=is_input)}]"
    if isinstance(t, ir.MapType):
        key = _elem(t.key, where + " (map key)")[1]
        return f"dict[{key}, {annotation(t.value, where, is_input=is_input, in_map=True)}]"
    return f"{annotation(t.elem, where, is_input=is_input)} | None"


def _shape_lit(t: ir.ValueType) -> str:
    if not isinstance(t, ir.TensorType) or t.shape is None:
        return "None"
    parts = [
        str(d.value) if d.value is not None else naming.literal(d.symbol) if d.symbol else "None"
        for d in t.shape
    ]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _md(s: str) -> str:
    return "`" + s.encode("unicode_escape").decode("ascii").replace("`", "'") + "`"


@dataclasses.dataclass(frozen=True)
class ValueView:
    ident: str
    name_lit: str
    ort_type_lit: str
    elem_lit: str
    shape_lit: str
    annotation: str
    optional: bool
    doc: str
    arg_doc: str
    md_type: str


def _values(vals: tuple[ir.Value, ...], kind: str) -> list[ValueView]:
    idents = naming.fields([v.name for v in vals], kind)
    out = []
    for ident, v in zip(idents, vals):
        where = f"{kind} {v.name!r}"
        ann = annotation(v.type, where, is_input=kind == "input")
        doc = naming.doc_lines(v.doc)
        raw = f"{v.name!r} {ir.type_str(v.type)}" + (f". {v.doc}" if v.doc else "")
        arg_doc = naming.doc_lines(" ".join(raw.splitlines()))
        out.append(
            ValueView(
                ident=ident,
                name_lit=naming.literal(v.name),
                ort_type_lit=naming.literal(ort_type(v.type)),
                elem_lit=naming.literal(v.type.elem.name) if isinstance(v.type, ir.TensorType) else "None",
                shape_lit=_shape_lit(v.type),
                annotation=ann,
                optional=isinstance(v.type, ir.OptionalType),
                doc=" ".join(doc),
                arg_doc=" ".join(arg_doc),
                md_type=_md(ir.type_str(v.type)),
            )
        )
    return out


def _isort_order(names: list[str]) -> list[str]:
    """The order ruff's RUF022 wants for ``__all__``: CONSTANTS, then Classes, then the rest."""
    return sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[:1].isupper() else 2, n))


def _emit(model: ir.Model, model_bytes: bytes, opts: _Legacy) -> dict[str, bytes]:
    name = opts.name or model.graph_name or "model"
    class_name = naming.class_name(name)
    package = naming.package_name(opts.package or name)
    dist_name = opts.artifact_id or package.replace("_", "-")
    inputs = _values(model.inputs, "input")
    outputs = _values(model.outputs, "output")
    title = naming.doc_lines(name)
    outputs_class = naming.class_name(f"{class_name}Outputs")
    ctx = {
        "class_name": class_name,
        "outputs_class": outputs_class,
        "package": package,
        "package_lit": naming.literal(package),
        "dist_name": dist_name,
        "dist_name_lit": naming.literal(dist_name),
        "version_lit": naming.literal(opts.version),
        "title_doc": title[0] if title else class_name,
        "doc_lines": naming.doc_lines(model.doc),
        "sha256": model.sha256,
        "sha256_lit": naming.literal(model.sha256),
        "embed": opts.embed,
        "model_file_lit": naming.literal(opts.model_file),
        "inputs": inputs,
        "outputs": outputs,
        "ort_version": versions.ORT_VERSION,
        "numpy_requirement": versions.NUMPY_REQUIREMENT,
    }
    exports = ["MODEL_SHA256", "ModelInputError", "SessionConfig", "SignatureMismatchError"]
    ctx["exports"] = _isort_order([*exports, class_name, outputs_class])
    src = f"src/{package}"
    files = {
        "pyproject.toml": render("python", "pyproject.toml.j2", **ctx),
        "README.md": render("python", "README.md.j2", **ctx),
        f"{src}/__init__.py": render("python", "__init__.py.j2", **ctx),
        f"{src}/_model.py": render("python", "_model.py.j2", **ctx),
        f"{src}/_runtime.py": static("python", "_runtime.py"),
        f"{src}/_threads.py": static("python", "_threads.py"),
    }
    out = {k: v.encode("utf-8") for k, v in files.items()}
    out[f"{src}/py.typed"] = b""
    if opts.embed:
        out[f"{src}/{opts.model_file}"] = model_bytes
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
