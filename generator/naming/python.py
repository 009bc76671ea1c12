"""Python naming policy: identifiers, string literals and docstrings."""

from __future__ import annotations

import builtins
import dataclasses
import functools
import hashlib
import importlib.metadata
import keyword
import re
import sys
from collections.abc import Mapping, Sequence

from .. import versions
from ..errors import UserError
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


# Longest identifier (and file stem) made from a model's words: a longer one keeps its start and
# gets 8 hex digits of its sha256. Python takes any length, but a generated line must stay within
# ruff format's 88 columns (or ruff rewraps it) and a file name within 255 bytes.
MAX_IDENT = 32
MAX_STEM = 40


def shorten(ident: str, limit: int = MAX_IDENT) -> str:
    """``ident`` as is up to ``limit`` characters, else its start and a hash of the whole:
    deterministic, and distinct for distinct identifiers."""
    if len(ident) <= limit:
        return ident
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:8]
    return f"{ident[: limit - 9].rstrip('_')}_{digest}"


def _snake(ws: Sequence[str]) -> str:
    return shorten(common.snake(ws))


def fields(names: Sequence[str], fallback: str) -> list[str]:
    """snake_case identifiers for one scope (inputs, or outputs)."""
    return common.resolve(names, case=_snake, reserved=RESERVED, fallback=fallback)


def class_name(name: str, fallback: str = "Model") -> str:
    ws = common.base_words(name, fallback.lower(), 0) if common.words(name) else [fallback.lower()]
    ident = shorten(common.pascal(ws))
    while ident in RESERVED:
        ident += "_"
    return ident


# --- the package and distribution ------------------------------------------------------------

# An SDK's direct requirements besides onnxruntime (the names of versions' requirement strings).
_SDK_REQUIREMENTS = ("onnxruntime", versions.NUMPY_REQUIREMENT, versions.ML_DTYPES_REQUIREMENT)
_REQ_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _dist_key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def dependency_modules() -> Mapping[str, str]:
    """Top-level import name -> distribution, for every distribution an SDK installs: its
    requirements (onnxruntime, numpy, ml_dtypes) and theirs, as installed with sdkgen (whose own
    pinned onnxruntime is the SDK's), extras left out. A package of one of these names would
    shadow it, or be overwritten by it in site-packages."""
    todo = [m.group(0) for r in _SDK_REQUIREMENTS if (m := _REQ_NAME.match(r))]
    dists: dict[str, str] = {}
    while todo:
        name = todo.pop()
        key = _dist_key(name)
        if key in dists:
            continue
        dists[key] = name
        try:
            reqs = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += [m.group(0) for r in reqs if "extra" not in r.partition(";")[2] and (m := _REQ_NAME.match(r))]
    out = {key.replace("-", "_"): name for key, name in dists.items()}
    for module, owners in importlib.metadata.packages_distributions().items():
        for owner in owners:
            if _dist_key(owner) in dists:
                out.setdefault(module, dists[_dist_key(owner)])
    return out


def shadows(name: str) -> str | None:
    """What a top-level package ``name`` would shadow, or None: a module of the standard library
    (``sys.stdlib_module_names``, plus ``test``, its regression-test package, which that list
    leaves out on purpose) or one the SDK's dependencies install."""
    if name in sys.stdlib_module_names or name == "test":
        return f"the standard library's {name!r} module"
    dist = dependency_modules().get(name)
    if dist is not None:
        return f"the {name!r} module of {dist}, which the SDK depends on"
    return None


def package_name(name: str) -> str:
    """The package derived from a model's name: its words in snake case; a keyword, a reserved
    name or a module it would shadow gets a trailing ``_``, like identifiers (``numpy_``)."""
    ident = shorten(common.snake(common.base_words(name, "model", 0)), MAX_STEM)
    while ident in RESERVED or shadows(ident) is not None:
        ident += "_"
    return ident


_ASCII_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_package(pkg: str) -> str:
    """Validate a user's ``--package``: an ASCII identifier, no keyword, no module it would shadow."""
    why = None
    if _ASCII_IDENT.fullmatch(pkg) is None:
        why = "not a Python package name (expected an ASCII identifier, e.g. my_models)"
    elif keyword.iskeyword(pkg) or keyword.issoftkeyword(pkg):
        why = "a Python keyword cannot be imported as a package"
    elif pkg.startswith("__"):
        why = "dunder names are Python's own (e.g. __main__)"
    elif len(pkg) > 200:
        why = f"{len(pkg)} characters; a directory name must fit in 255 bytes (use at most 200)"
    elif (what := shadows(pkg)) is not None:
        why = f"it would shadow {what}; choose another name, e.g. {pkg}_sdk"
    if why is not None:
        raise UserError(f"--package {pkg!r}: {why}")
    return pkg


def dist_name(package: str) -> str:
    """The distribution name derived from the package: ``my_models`` -> ``my-models``."""
    return re.sub(r"[-_.]+", "-", package).strip("-") or "sdk"


# PEP 508 names (what pip and PEP 503 normalise), and PEP 440 public versions (the spec's
# canonical pattern, its appendix B), so a bad value fails here and not in the build.
_DIST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_PEP440 = re.compile(
    r"""v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*
    (?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?
    (?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?
    (?:[-_.]?dev[-_.]?[0-9]*)?
    (?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?""",
    re.VERBOSE | re.IGNORECASE,
)


def check_dist_name(value: str) -> str:
    if not value.isascii() or _DIST_NAME.fullmatch(value) is None:
        raise UserError(
            f"--artifact-id {value!r}: not a Python distribution name (expected ASCII letters and "
            "digits, with '.', '_' or '-' between them, e.g. my-models)"
        )
    return value


def check_version(value: str) -> str:
    if not value.isascii() or _PEP440.fullmatch(value) is None:
        raise UserError(f"--version {value!r}: not a PEP 440 version (e.g. 1.0.0, 2.1rc1, 0.3.post1)")
    return value


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
# What a remote SDK (--remote) exports besides, and the public names its model classes add
# (the generated `remote`, `SERVED_NAME`, `Self`; the runtime RemoteModel's `endpoint` and
# `with_options`). Reserved only in remote SDKs, so an in-process SDK is named as it always was.
REMOTE_EXPORTS = (
    "Cancellation",
    "RemoteCancelledError",
    "RemoteDeadlineError",
    "RemoteError",
    "RemoteServerError",
    "RemoteSignatureError",
    "RemoteUnavailableError",
    "TLS",
)
REMOTE_GENERATED = frozenset({"remote", "endpoint", "with_options", "SERVED_NAME", "Self", *REMOTE_EXPORTS})
# Top-level modules a remote SDK's own requirements install (grpcio; protobuf's `google` is
# onnxruntime's too): a package of that name would shadow them.
REMOTE_MODULES = {"grpc": "grpcio"}
# Modules of the package that are not a model's.
_MODULES = frozenset({"_runtime", "__init__", "__main__"})


def model_names(names: Sequence[str], *, remote: bool = False) -> list[ModelNames]:
    """Names for every model of one SDK, resolved at once in the models' order.

    The class is the name in PascalCase (``Model`` when it has no usable word); the
    module, the model file and the sha256 constant come from the same words. The first
    model keeps its names; a later one whose class, outputs class, constant or module
    is taken gets a suffix ``2``, ``3``... on all of them. A ``remote`` SDK's exports are
    taken too.
    """
    used: set[str] = set(SHARED_EXPORTS) | (set(REMOTE_EXPORTS) if remote else set())
    reserved = RESERVED | REMOTE_GENERATED if remote else RESERVED
    modules: set[str] = set(_MODULES)
    out = []
    for name in names:
        ws = common.base_words(name, "model", 0) if common.words(name) else ["model"]
        base = shorten(common.pascal(ws))
        while base in reserved:
            base += "_"
        stem = shorten(common.snake(ws), MAX_STEM)
        n = 1
        while True:
            suffix = "" if n == 1 else str(n)
            tail = "" if n == 1 else f"_{n}"
            cand = ModelNames(
                class_name=base + suffix,
                outputs_class=f"{base}{suffix}Outputs",
                module=f"_{stem}{tail}",
                sha256_const=f"{stem.upper()}{tail.upper()}_SHA256",
                model_file=f"{stem}{tail}.onnx",
            )
            classes = {cand.class_name, cand.outputs_class}
            idents = classes | {cand.sha256_const}  # the constant lives in __init__ only
            free = len(idents) == 3 and not idents & used and not classes & reserved
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
    """Lines for the body of a multi-line docstring, safe and as ``ruff format`` keeps them.

    Safe: ASCII only (``\\xe9`` for é), backslashes doubled, no run of three quotes. Kept:
    tabs expanded and the lines' common indentation removed (ruff re-indents docstrings),
    no trailing blanks (``common.comment_lines``).
    """
    lines = [ln.expandtabs(8).rstrip() for ln in common.comment_lines(text)]
    indent = min((len(ln) - len(ln.lstrip(" ")) for ln in lines if ln), default=0)
    out = []
    for ln in lines:
        ln = ln[indent:].encode("ascii", "backslashreplace").decode("ascii")
        out.append(ln.replace("\\", "\\\\").replace('"""', '\\"\\"\\"'))
    return out


def text_line(text: str) -> str:
    """``text`` on one line inside a docstring (its lines joined by a space, blanks trimmed)."""
    return " ".join(ln.strip() for ln in doc_lines(text) if ln.strip())


def docstring_line(text: str) -> str:
    """``text`` as the whole of a one-line docstring: as ``text_line``, with a space between
    a quote at either end and the docstring's quotes (what ruff format writes)."""
    line = text_line(text)
    if line.startswith('"'):
        line = " " + line
    if line.endswith('"'):
        line += " "
    return line


def comment_lines(text: str) -> list[str]:
    """Lines safe after ``# ``."""
    return [ln.encode("ascii", "backslashreplace").decode("ascii") for ln in common.comment_lines(text)]
