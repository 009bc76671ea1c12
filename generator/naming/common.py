"""Language-neutral naming mechanics shared by every target language.

Rules (they are API: changing them renames generated identifiers):

* A wire name is split into ASCII words: non-ASCII letters are decomposed
  (NFKD) and stripped of marks; every character outside ``[A-Za-z0-9]`` is a
  word break; camelCase humps are word breaks too.
* A name with no usable word becomes ``<fallback><position>`` (e.g. ``input0``).
* A name whose first word starts with a digit gets a ``<fallback>`` word in
  front (``0`` -> ``input_0`` in snake case).
* Keywords and reserved names get a trailing ``_``.
* A whole scope is resolved at once, in positional order: the first holder of
  an identifier keeps it, later ones get ``_2``, ``_3``... (``2``, ``3`` in
  Pascal/camel case), skipping any suffix already taken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

_HUMP = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def words(name: str) -> list[str]:
    """Split a wire name into ASCII words (lower-cased), e.g. ``'inputIDs:0'`` -> input, i, ds, 0."""
    ascii_name = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    )
    out: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", ascii_name):
        out.extend(w.lower() for w in _HUMP.findall(chunk))
    return out


def snake(ws: Sequence[str]) -> str:
    return "_".join(ws)


def pascal(ws: Sequence[str]) -> str:
    return "".join(w[:1].upper() + w[1:] for w in ws)


def camel(ws: Sequence[str]) -> str:
    p = pascal(ws)
    return p[:1].lower() + p[1:]


def base_words(name: str, fallback: str, position: int) -> list[str]:
    ws = words(name)
    if not ws:
        return [fallback + str(position)]
    if ws[0][0].isdigit():
        return [fallback, *ws]
    return ws


def resolve(
    names: Iterable[str],
    *,
    case: Callable[[Sequence[str]], str],
    reserved: frozenset[str],
    fallback: str,
    taken: Iterable[str] = (),
    suffix_sep: str = "_",
) -> list[str]:
    """Map every name of one scope to a distinct identifier, deterministically.

    ``reserved`` names (keywords, names the generated code uses) are escaped with
    a trailing ``_``; ``taken`` identifiers already live in the scope (never
    escaped, just avoided).
    """
    used = set(taken)
    out: list[str] = []
    for i, name in enumerate(names):
        ident = case(base_words(name, fallback, i))
        while ident in reserved:
            ident += "_"
        candidate, n = ident, 2
        while candidate in used or candidate in reserved:
            candidate = f"{ident}{suffix_sep}{n}"
            n += 1
        used.add(candidate)
        out.append(candidate)
    return out


# Line terminators a comment must never contain (any of them can end a
# comment in some language or tool): CR, LF, NEL, VT, FF, LS, PS.
_LINE_BREAKS = re.compile("\r\n|[\r\n\x85\x0b\x0c\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def comment_lines(text: str, *, max_lines: int = 40) -> list[str]:
    """Normalise hostile model text for a comment: one list item per line.

    Every line terminator splits; other control characters are dropped;
    trailing blanks and blank edges are trimmed. Language escapers apply their
    own rules (``*/``, ``\\u``, ``\"\"\"``) on top of this.
    """
    lines = [_CONTROL.sub("", ln).rstrip() for ln in _LINE_BREAKS.split(text)]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], "..."]
    return lines
