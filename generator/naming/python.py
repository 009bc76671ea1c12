"""Python naming policy: identifiers, string literals and docstrings."""

from __future__ import annotations

import builtins
import dataclasses
import keyword
import re
from collections.abc import Sequence

from . import common

# Names the generated modules and the runtime's model class define or use at module or
# class scope, or bind in a generated method. A model's names (inputs, outputs, classes)
# must not take them. tests/test_python_reserved.py parses every Python golden and the
# runtime and checks both ways: each such name is listed here, each listed name is used.
_GENERATED = frozenset(
    {
        # imports of a model module
        "dataclasses",
        "os",
        "Sequence",
        "Any",
        "np",
        "npt",
        # a model module's constant and the names its methods bind
        "MODEL_SHA256",
        "self",
        "r",
        # the model class (runtime Model + generated run) and its outputs class
        "run",
        "run_dict",
        "run_positional",
        "close",
        "config",
        "threads",
        "as_dict",
        # shared exports of the package
        "ModelClosedError",
        "ModelInputError",
        "SessionConfig",
        "SignatureMismatchError",
    }
)
RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | _GENERATED | frozenset(
    n for n in dir(builtins) if not n.startswith("_")
)


def fields(names: Sequence[str], fallback: str) -> list[str]:
    """snake_case identifiers for one scope (inputs, or outputs)."""
    return common.resolve(names, case=common.snake, reserved=RESERVED, fallback=fallback)


def class_name(name: str, fallback: str = "Model") -> str:
    ws = common.base_words(name, fallback.lower(), 0) if common.words(name) else [fallback.lower()]
    ident = common.pascal(ws)
    while ident in RESERVED:
        ident += "_"
    return ident


def package_name(name: str) -> str:
    """A valid lower-case package name is kept as given; anything else is sanitised."""
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in RESERVED:
        return name
    ws = common.base_words(name, "model", 0)
    ident = common.snake(ws)
    while ident in RESERVED:
        ident += "_"
    return ident


@dataclasses.dataclass(frozen=True)
class ModelNames:
    """The package-level names of one model of an SDK."""

    class_name: str  # LogregIris
    outputs_class: str  # LogregIrisOutputs
    module: str  # _logreg_iris (the model's module in the package)
    sha256_const: str  # LOGREG_IRIS_SHA256 (the package's name for its MODEL_SHA256)
    model_file: str  # logreg_iris.onnx (the embedded copy, package data)


# What every package's __init__ exports besides its models' names.
SHARED_EXPORTS = ("ModelClosedError", "ModelInputError", "SessionConfig", "SignatureMismatchError")
# Modules of the package that are not a model's.
_MODULES = frozenset({"_runtime", "__init__", "__main__"})


def model_names(names: Sequence[str]) -> list[ModelNames]:
    """Names for every model of one SDK, resolved at once in the models' order.

    The class is the name in PascalCase (``Model`` when it has no usable word); the
    module, the model file and the sha256 constant come from the same words. The first
    model keeps its names; a later one whose class, outputs class, constant or module
    is taken gets a suffix ``2``, ``3``... on all of them.
    """
    used: set[str] = set(SHARED_EXPORTS)
    modules: set[str] = set(_MODULES)
    out = []
    for name in names:
        ws = common.base_words(name, "model", 0) if common.words(name) else ["model"]
        base = common.pascal(ws)
        while base in RESERVED:
            base += "_"
        snake = common.snake(ws)
        n = 1
        while True:
            suffix = "" if n == 1 else str(n)
            tail = "" if n == 1 else f"_{n}"
            cand = ModelNames(
                class_name=base + suffix,
                outputs_class=f"{base}{suffix}Outputs",
                module=f"_{snake}{tail}",
                sha256_const=f"{snake.upper()}{tail.upper()}_SHA256",
                model_file=f"{snake}{tail}.onnx",
            )
            classes = {cand.class_name, cand.outputs_class}
            idents = classes | {cand.sha256_const}  # the constant lives in __init__ only
            free = len(idents) == 3 and not idents & used and not classes & RESERVED
            if free and cand.module not in modules:
                break
            n += 1
        used |= idents
        modules.add(cand.module)
        out.append(cand)
    return out


def default_package(names: Sequence[str]) -> str:
    """The package when none is given: the model's name, or the names of several models
    joined with ``_`` (``tiny_transformer_decode_head``)."""
    if len(names) == 1:
        return package_name(names[0])
    return package_name("_".join(common.snake(common.words(n)) or "model" for n in names))


def literal(s: str) -> str:
    """An ASCII-only Python string literal that evaluates to ``s``.

    Quotes follow ruff format's preference: double, unless that needs more escapes.
    """
    q = "'" if s.count('"') > s.count("'") else '"'
    out = [q]
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == q:
            out.append("\\" + q)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o <= 0xFF:
            out.append(f"\\x{o:02x}")
        elif o <= 0xFFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append(q)
    return "".join(out)


def doc_lines(text: str) -> list[str]:
    """Lines safe inside a ``\"\"\"`` docstring: no quotes run, no backslash escapes, ASCII."""
    out = []
    for ln in common.comment_lines(text):
        ln = ln.encode("ascii", "backslashreplace").decode("ascii")
        ln = ln.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        if ln.endswith('"'):
            ln += " "
        out.append(ln)
    return out


def comment_lines(text: str) -> list[str]:
    """Lines safe after ``# ``."""
    return [ln.encode("ascii", "backslashreplace").decode("ascii") for ln in common.comment_lines(text)]
