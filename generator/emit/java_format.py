"""A small post-formatter that gives generated Java google-java-format's layout.

Templates print every statement and Javadoc paragraph on one line; this pass wraps what is
longer than 100 columns the way google-java-format 1.28 does for the few shapes the templates
emit (the goldens are checked with the real formatter, ``tests/test_java_golden.py``):

* Javadoc: paragraphs and block tags are filled greedily to 100 columns (block tag continuation
  lines indented 4 more); a comment of one short paragraph collapses to ``/** text */``.
* ``[lhs =] head(arg, ...)<tail>``: one line if it fits; else (for declarations) break after
  ``=`` with the right side 4 deeper; else ``head(`` with every argument on the next line, 4
  deeper; else one argument per line. Method and record headers ``... name(params) {`` follow
  the same argument rule.

Arguments are atomic (string literals, ``new long[] {...}``, method references): a single argument
longer than a line stays long, as google-java-format would leave most of them.
"""

from __future__ import annotations

WIDTH = 100
_OPEN = "([{"
_CLOSE = ")]}"


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _fill(first: str, cont: str, words: list[str]) -> list[str]:
    out: list[str] = []
    cur = first
    fresh = True
    for w in words:
        if fresh:
            cur += w
            fresh = False
        elif len(cur) + 1 + len(w) <= WIDTH:
            cur += " " + w
        else:
            out.append(cur)
            cur = cont + w
    out.append(cur)
    return out


def _javadoc(block: list[str]) -> list[str]:
    """Refill one ``/** ... */`` block (lines as printed by a template)."""
    pad = " " * _indent_of(block[0])
    body: list[str] = []
    for ln in block:
        s = ln.strip()
        s = s.removeprefix("/**")
        s = s.removesuffix("*/")
        s = s.strip()
        if s.startswith("*"):
            s = s[1:].strip()
        body.append(s)
    # Paragraphs are separated by blank lines; a block tag starts a paragraph of its own.
    paras: list[list[str]] = []
    cur: list[str] = []
    for s in body:
        if not s or s.startswith("@"):
            if cur:
                paras.append(cur)
            cur = [] if not s else [s]
            continue
        cur.append(s)
    if cur:
        paras.append(cur)
    words = [" ".join(p).split() for p in paras]
    if len(words) == 1 and not words[0][0].startswith("@"):
        one = f"{pad}/** {' '.join(words[0])} */"
        if len(one) <= WIDTH:
            return [one]
    out = [pad + "/**"]
    prev_tag = False
    for ws in words:
        tag = ws[0].startswith("@")
        if out[-1] != pad + "/**" and not (tag and prev_tag):
            out.append(pad + " *")
        out += _fill(pad + " * ", pad + (" *     " if tag else " * "), ws)
        prev_tag = tag
    out.append(pad + " */")
    return out


def _split_args(s: str) -> list[str] | None:
    """Top-level comma-separated parts of ``s`` (string and char literals respected)."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(s):
        c = s[i]
        if c in "\"'":
            j = i + 1
            while j < len(s) and s[j] != c:
                j += 2 if s[j] == "\\" else 1
            i = j + 1
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth < 0:
                return None
        elif c == "," and depth == 0:
            parts.append(s[start:i].strip())
            start = i + 1
        i += 1
    parts.append(s[start:].strip())
    return parts


def _matching_close(s: str, open_at: int) -> int:
    depth = 0
    i = open_at
    while i < len(s):
        c = s[i]
        if c in "\"'":
            j = i + 1
            while j < len(s) and s[j] != c:
                j += 2 if s[j] == "\\" else 1
            i = j + 1
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _parse_call(s: str) -> tuple[str, list[str], str] | None:
    """``head(args)tail`` of an expression or statement, or None."""
    paren = s.find("(")
    if paren <= 0:
        return None
    close = _matching_close(s, paren)
    args = _split_args(s[paren + 1 : close]) if close > 0 else None
    if not args or args == [""]:
        return None
    return s[:paren], args, s[close + 1 :]


def _expr(indent: int, text: str, tail: str) -> list[str]:
    """``text`` followed by ``tail`` at column ``indent``, broken inside a call if too long."""
    flat = " " * indent + text + tail
    call = _parse_call(text) if len(flat) > WIDTH else None
    if call is None:
        return [flat]
    head, args, rest = call
    return _call(indent, head, args, rest + tail)


def _call(indent: int, head: str, args: list[str], tail: str) -> list[str]:
    """``head(args)tail`` starting at column ``indent`` (``head`` ends before the parenthesis)."""
    pad = " " * indent
    flat = f"{pad}{head}({', '.join(args)}){tail}"
    if len(flat) <= WIDTH:
        return [flat]
    inner = indent + 4
    one = f"{' ' * inner}{', '.join(args)}){tail}"
    if len(one) <= WIDTH:
        return [f"{pad}{head}(", one]
    out = [f"{pad}{head}("]
    for k, a in enumerate(args):
        out += _expr(inner, a, "," if k < len(args) - 1 else ")" + tail)
    return out


def _wrap(line: str) -> list[str]:
    if len(line) <= WIDTH:
        return [line]
    indent = _indent_of(line)
    s = line.strip()
    eq = s.find(" = ")
    paren = s.find("(")
    if eq >= 0 and (paren < 0 or eq < paren):
        lhs, rhs = s[:eq] + " =", s[eq + 3 :]
        return [" " * indent + lhs, *_expr(indent + 4, rhs, "")]
    call = _parse_call(s)
    if call is None:
        return [line]
    return _call(indent, *call)


def format_java(src: str) -> str:
    """Wrap long lines and refill Javadoc as google-java-format would (see the module doc)."""
    lines = src.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.lstrip().startswith("/**"):
            j = i
            while "*/" not in lines[j]:
                j += 1
            out += _javadoc(lines[i : j + 1])
            i = j + 1
            continue
        out += _wrap(ln)
        i += 1
    return "\n".join(out)
