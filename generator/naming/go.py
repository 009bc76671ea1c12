"""Go naming policy: identifiers, package and module names, string literals, comments.

Rules (they are API: changing them renames generated identifiers):

* Struct fields (``Inputs``/``Outputs``) are exported PascalCase, resolved per
  struct with ``common.resolve``; a clash gets a bare number (``X``, ``X2``).
* A package name is the model name's words, lower-cased and run together
  (``my_model`` -> ``mymodel``); keywords, predeclared identifiers, ``main``,
  ``init`` and the names of packages the generated code imports get a trailing ``_``.
* Wire names appear only in Go interpreted string literals made by ``literal``.
* Comments: ``common.comment_lines``, then ASCII only (``\\uXXXX`` for the rest,
  so no bidi controls), leading blanks dropped (an indented line would be a
  code block or list that gofmt rewrites) and a line gofmt would treat as a
  heading or link definition (``#``, ``[``) is prefixed with ``\\``; ``''`` and
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
# Packages the generated code imports: a package of the same name would shadow nothing
# (the package clause declares no identifier) but reads badly and confuses tools.
IMPORTS = frozenset({"context", "embed", "errors", "fmt", "os", "ort", "runtime", "strconv",
                     "strings", "sync", "unsafe", "filepath", "math", "testing"})
PACKAGE_RESERVED = KEYWORDS | PREDECLARED | IMPORTS | frozenset({"main", "init", "_"})

# Struct fields live in their own scope: only uniqueness matters (exported names can't be
# keywords), but nothing generated may share a field name either: we reserve none today.
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
    ident = "".join(common.base_words(name, "model", 0))
    while ident in PACKAGE_RESERVED:
        ident += "_"
    return ident


def check_package(pkg: str) -> str:
    """A user's ``--package``: must be a Go identifier that is usable as a package name."""
    if not _IDENT.match(pkg) or pkg in KEYWORDS or pkg in ("main", "init", "_"):
        raise UserError(
            f"--package {pkg!r}: not a usable Go package name "
            "(expected letters, digits and _, not a keyword, not main/init)"
        )
    return pkg


def module_path(module: str | None, pkg: str) -> str:
    """``--module`` checked, or the default ``example.com/sdkgen/<pkg>``."""
    if module is None:
        return f"example.com/sdkgen/{pkg}"
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
    return out
