"""Python naming policy: identifiers, string literals and docstrings."""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Sequence

from . import common

# Names the generated module itself uses at module or class scope, plus
# builtins a field must not shadow in a dataclass body.
_GENERATED = frozenset(
    {
        "np",
        "npt",
        "ort",
        "dataclasses",
        "typing",
        "self",
        "cls",
        "run",
        "run_dict",
        "close",
        "threads",
        "options",
        "session",
        "inputs",
        "outputs",
        "as_dict",
        "r",
        "config",
        "importlib",
        "os",
        "Mapping",
        "Sequence",
        "TracebackType",
        "Any",
        "Self",
        "INPUTS",
        "OUTPUTS",
        "MODEL_SHA256",
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
