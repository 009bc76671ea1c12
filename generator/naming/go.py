"""Go naming policy: identifiers, package and module names, string literals, comments.

Rules (they are API: changing them renames generated identifiers):

* Struct fields (``Inputs``/``Outputs``) are exported PascalCase, resolved per
  struct with ``common.resolve``; a clash gets a bare number (``X``, ``X2``).
* A package name is the model name's words, lower-cased and run together
  (``my_model`` -> ``mymodel``); keywords, predeclared identifiers, ``main``,
  ``init``, the names of packages the generated code imports and the directories
  the go command treats specially (``internal``, ``testdata``, ``vendor``) get a
  trailing ``_``. The models of one SDK are resolved together: a clash gets a bare
  number (``mymodel``, ``mymodel2``).
* Wire names appear only in Go interpreted string literals made by ``literal``.
* Comments: ``common.comment_lines``, then ASCII only (``\\uXXXX`` for the rest,
  so no bidi controls), leading blanks dropped (an indented line would be a
  code block or list that gofmt rewrites) and a line gofmt would treat as a
  heading (``#``, or a capitalised one-line paragraph without punctuation) or a link
  definition (``[``) is prefixed with ``\\``; ``''`` and
  double backquotes get a space inside, blank runs collapse (gofmt rewrites both). Every line
  is printed after ``// `` so it can never become a ``//go:`` or ``//line`` directive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import UserError
from . import common

KEYWORDS = frozenset(
    ["break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type", "var"]
)
PREDECLARED = frozenset(
    ["any", "bool", "byte", "comparable", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "true", "false", "iota", "nil", "append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make", "max", "min", "new", "panic", "print", "println", "real", "recover"]
)
# What the generated files of a model package import (by package name; ``_ "embed"`` is
# blank) and declare at package level. tests/test_go_emit.py parses the generated files and
# holds these sets equal to what they really import and declare, so a template change that
# adds a name fails until it is listed here.
IMPORTS = frozenset({"context", "errors", "ort", "ortrt", "os", "testing"})
# The model's API (issue 8: a model package exports nothing else; the runtime stays internal).
EXPORTED = frozenset({
    "Model", "New", "Inputs", "Outputs", "ModelSHA256", "Metadata",
    # aliases of the runtime's shared types, constants and helpers
    "Tensor", "NewTensor", "Scalar", "InputError", "ErrorKind", "OutputError", "ErrClosed", "Config", "Option",
    "ThreadDefaults", "ExecutionMode", "OptimizationLevel", "Source",
    "KindMissing", "KindRank", "KindDim", "KindSymbol", "KindLength", "KindShape", "KindValue",
    "Sequential", "Parallel", "OptimizeDisable", "OptimizeBasic", "OptimizeExtended", "OptimizeAll",
    "FromOption", "FromEnv", "FromContainer", "FromDefault",
    "Float16Bits", "Float16FromBits", "BFloat16Bits", "BFloat16FromBits",
    "WithIntraOpThreads", "WithInterOpThreads", "WithSpinning", "WithExecutionMode",
    "WithOptimizationLevel", "WithLibraryPath", "WithModelPath",
    "TestModel",  # model_test.go
})
UNEXPORTED = frozenset({"spec", "modelData", "putInputs", "getOutputs", "bindOutputs", "fillOutputs"})
# What a --remote SDK's model packages import and declare on top (remote.go, remote_test.go).
# Package names are escaped against these imports in remote SDKs only, so that in-process SDKs
# keep their names.
REMOTE_IMPORTS = frozenset({"context", "errors", "grpc", "net", "oiprt", "testing", "time", "tls"})
REMOTE_EXPORTED = frozenset({
    "Remote", "NewRemote", "Runner", "ServedName",
    "RemoteOption", "RemoteError", "RemoteErrorKind",
    "RemoteUnavailable", "RemoteDeadline", "RemoteCancelled", "RemoteServer", "RemoteSignature",
    "WithModelName", "WithModelVersion", "WithTLS", "WithMetadata", "WithTimeout", "WithDialOptions",
    "TestRemoteUnavailable",  # remote_test.go
})
REMOTE_UNEXPORTED = frozenset({"putRemote", "getRemote"})
# Directory names the go command treats specially: a model package must not live in one.
SPECIAL_DIRS = frozenset({"internal", "testdata", "vendor"})
# A package name is never in scope, so none of these would break the build; they are
# escaped because a package named like an import, a builtin or a special directory reads
# badly, confuses tools, or (``testdata``, ``vendor``) is skipped by ``go build ./...``.
PACKAGE_RESERVED = KEYWORDS | PREDECLARED | IMPORTS | SPECIAL_DIRS | frozenset({"main", "init", "_"})

# Default module path of an SDK holding several models: example.com/sdkgen/<this>.
DEFAULT_MULTI_MODULE = "models"

# Struct fields live in their own scope: only uniqueness matters (exported names can't be
# keywords), and Inputs and Outputs have no methods a field could shadow.
FIELD_RESERVED: frozenset[str] = frozenset()

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# golang.org/x/mod/module.CheckPath, simplified: slash-separated elements of
# [A-Za-z0-9._~-], no empty element, no element starting or ending with a dot.
_MODULE_ELEM = re.compile(r"^[A-Za-z0-9_~-]([A-Za-z0-9._~-]*[A-Za-z0-9_~-])?$")


def fields(names: Sequence[str], fallback: str) -> list[str]:
    """Exported PascalCase field names for one struct (inputs, or outputs)."""
    return common.resolve(
        names, case=common.pascal, reserved=FIELD_RESERVED, fallback=fallback, suffix_sep=""
    )


def package_name(name: str) -> str:
    """Default package name from the model name: ``My-Model v2`` -> ``mymodelv2``."""
    return packages([name])[0]


def packages(names: Sequence[str], *, remote: bool = False) -> list[str]:
    """The package of each model of one SDK, resolved together: the first holder of a name
    keeps it, later ones get ``2``, ``3``... (``mymodel``, ``mymodel2``)."""
    reserved = PACKAGE_RESERVED | REMOTE_IMPORTS if remote else PACKAGE_RESERVED
    return common.resolve(names, case="".join, reserved=reserved, fallback="model", suffix_sep="")


def check_package(pkg: str) -> str:
    """A user's ``--package``: must be a Go identifier that is usable as a package name."""
    if not _IDENT.match(pkg) or pkg in KEYWORDS or pkg in ("main", "init", "_"):
        raise UserError(
            f"--package {pkg!r}: not a usable Go package name "
            "(expected letters, digits and _, not a keyword, not main/init)"
        )
    return pkg


def module_path(module: str | None, leaf: str) -> str:
    """``--module`` checked, or the default ``example.com/sdkgen/<leaf>`` (the package of a
    single model, else ``DEFAULT_MULTI_MODULE``)."""
    if module is None:
        return f"example.com/sdkgen/{leaf}"
    elems = module.split("/")
    if not all(_MODULE_ELEM.match(e) for e in elems):
        raise UserError(
            f"--module {module!r}: not a valid Go module path "
            "(expected slash-separated elements of letters, digits and ._~-, e.g. example.com/team/sdk)"
        )
    return module


def literal(s: str) -> str:
    """A Go interpreted string literal (ASCII only) that evaluates to the UTF-8 of ``s``."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x80:
            out.append(f"\\x{o:02x}")
        elif 0xD800 <= o <= 0xDFFF:
            # Not encodable in UTF-8 (protobuf strings never hold these); U+FFFD as Go would.
            out.append("\\ufffd")
        elif o <= 0xFFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


_HEADING_BAD = set(";:!?+*/=[]{}_^\u00b0&\u00a7~%#@<\">\\")


def _looks_like_heading(line: str) -> bool:
    """go/doc/comment's test for an old-style heading (isOldHeading), on the line's text: gofmt
    rewrites such a line into ``# line`` when it is a paragraph of its own followed by another."""
    if not line or not line[0].isalpha() or not line[0].isupper() or not line[-1].isalnum():
        return False
    if any(ch in _HEADING_BAD for ch in line):
        return False
    for rest in line.split("'")[1:]:  # "'" only for a possessive 's
        if rest != "s" and not rest.startswith("s "):
            return False
    return all(rest and not rest.startswith(" ") for rest in line.split(".")[1:])  # "." only inside words


def comment_lines(text: str) -> list[str]:
    """Lines safe after ``// `` in a doc comment, stable under gofmt."""
    out: list[str] = []
    for ln in common.comment_lines(text):
        ln = ln.encode("ascii", "backslashreplace").decode("ascii").lstrip(" \t")
        if ln[:1] in ("#", "["):
            ln = "\\" + ln
        while "''" in ln or "``" in ln:  # gofmt turns these into typographic quotes
            ln = ln.replace("''", "' '").replace("``", "` `")
        if ln or (out and out[-1]):  # gofmt collapses runs of blank lines
            out.append(ln)
    # A one-line paragraph that reads like a heading would become "# ..." under gofmt. Where the
    # lines are printed is not known here, so the first and last lines count as paragraphs of
    # their own too.
    for i, ln in enumerate(out):
        alone = (i == 0 or not out[i - 1]) and (i == len(out) - 1 or not out[i + 1])
        if alone and _looks_like_heading(ln):
            out[i] = "\\" + ln
    return out
