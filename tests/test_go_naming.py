"""Go naming policy (generator/naming/go.py): the rules are API, so they are pinned here."""

from __future__ import annotations

import pytest

from generator.errors import UserError
from generator.naming import go


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["input_ids", "attention_mask"], ["InputIds", "AttentionMask"]),
        (["a-b", "a_b", "A B"], ["AB", "AB2", "AB3"]),
        (["x", "X", "x2"], ["X", "X2", "X22"]),  # X2 is taken by the clash, so x2 gets X22
        (["0", "1a"], ["Input0", "Input1A"]),
        (["日本", "über"], ["Input0", "Uber"]),
        (["func", "type", "class"], ["Func", "Type", "Class"]),  # exported: never a keyword
        (["", "*/"], ["Input0", "Input1"]),
    ],
)
def test_fields(names: list[str], expected: list[str]) -> None:
    assert go.fields(names, "input") == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("my_model", "mymodel"),
        ("My-Model v2", "mymodelv2"),
        ("2fast", "model2fast"),
        ("", "model0"),
        ("type", "type_"),
        ("main", "main_"),
        ("context", "context_"),  # a package the generated code imports
        ("len", "len_"),
        ("日本", "model0"),
        ("ortrt", "ortrt_"),  # the runtime package the generated code imports
        ("test data", "testdata_"),  # a directory the go command skips
        ("internal", "internal_"),
    ],
)
def test_package_name(name: str, expected: str) -> None:
    assert go.package_name(name) == expected


def test_packages_of_one_sdk_are_resolved_together() -> None:
    assert go.packages(["my model", "my_model", "MyModel", "日本", "x"]) == [
        "mymodel", "mymodel2", "mymodel3", "model3", "x"]


@pytest.mark.parametrize("bad", ["type", "main", "init", "_", "a-b", "9x", "a b", "é"])
def test_check_package_rejects(bad: str) -> None:
    with pytest.raises(UserError, match="--package"):
        go.check_package(bad)


def test_module_default_and_checks() -> None:
    assert go.module_path(None, "mul") == "example.com/sdkgen/mul"
    assert go.module_path("github.com/acme/sdk-v2", "x") == "github.com/acme/sdk-v2"
    for bad in ["", "a//b", "/abs", "a/b/", "has space/x", 'q"uote', "a\nb", ".hidden/x"]:
        with pytest.raises(UserError, match="--module"):
            go.module_path(bad, "x")


@pytest.mark.parametrize(
    ("s", "lit"),
    [
        ("x", '"x"'),
        ('q"uote\\back', '"q\\"uote\\\\back"'),
        ("new\nline\r\t", '"new\\nline\\r\\t"'),
        ("\x00\x7f", '"\\x00\\x7f"'),
        ("über\u2028日", '"\\u00fcber\\u2028\\u65e5"'),
        ("\U0001f600", '"\\U0001f600"'),
    ],
)
def test_literal(s: str, lit: str) -> None:
    assert go.literal(s) == lit
    assert lit.isascii() and "\n" not in lit


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("a\nb\r\nc\u2028d\u2029e\x85f\rg", ["a", "b", "c", "d", "e", "f", "g"]),
        ("  indented\n\t- item", ["indented", "- item"]),  # no code blocks or lists for gofmt to rewrite
        ("# heading\n[x]: http://y", ["\\# heading", "\\[x]: http://y"]),
        ("it''s ``x``", ["it' 's ` `x` `"]),
        ("a\n\n\n\nb", ["a", "", "b"]),
        ("go:generate rm -rf /", ["go:generate rm -rf /"]),  # printed after "// ": not a directive
        ("ü\u202e", ["\\xfc\\u202e"]),  # ASCII only: no bidi controls
        # A one-line paragraph gofmt would make a heading ("# Usage"); not when it has punctuation.
        ("Intro.\n\nUsage Notes\n\nMore.", ["Intro.", "", "\\Usage Notes", "", "More."]),
        ("Overview\n\nx", ["\\Overview", "", "x"]),
        ("a\n\nThe Model's Use (v2), final\n\nb", ["a", "", "\\The Model's Use (v2), final", "", "b"]),
        ("a\n\nNot a heading.\n\nUses: x\n\nlower case\nTwo Lines", [
            "a", "", "Not a heading.", "", "Uses: x", "", "lower case", "Two Lines"]),
    ],
)
def test_comment_lines(text: str, lines: list[str]) -> None:
    assert go.comment_lines(text) == lines


# Building blocks of hostile doc text: what gofmt's doc comment parser (go/doc/comment) treats
# specially, line terminators, tabs, directives, non-ASCII.
_DOC_BITS = [
    "Usage", "Overview Of The Model", "The Model's Use", "Results (2024), final", "v1.2 Notes", "A", "x",
    "# Heading", "#x", "[link]: http://example.com", "[x]", "- item", "* item", "+ item", "1. first", "2) second",
    "  indented", "\tcode", "\t- tab item", "go:generate rm -rf /", "//go:build ignore", "//line x.go:1",
    "line: https://example.com/a_b", "it''s", "``quoted''", "a\u2028b", "c\u2029d", "e\x85f", "g\rh", "\u202e",
    "\u00dcber Heading", "ends with a period.", "ends with a colon:", "x  ", "", "", "",
]


def _hostile_docs(n: int, seed: int = 10) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["\n".join(rng.choice(_DOC_BITS) for _ in range(rng.randint(1, 9))) for _ in range(n)]


@pytest.mark.slow
def test_comment_lines_are_gofmt_stable() -> None:
    """Issue 10, item 13: for any doc text the generated comments are what gofmt prints. One file
    holds a package doc and many declaration docs (gofmt rewrites both: headings, lists, code
    blocks, link definitions, quotes) and struct field docs, as the templates print them."""
    import shutil
    import subprocess

    from generator.emit.go import _comment

    gofmt = shutil.which("gofmt") or "/usr/local/go/bin/gofmt"
    docs = _hostile_docs(400)
    docs[:3] = ["First paragraph.\n\nUsage\n\nMore text.", "x\n\nA\n\ny", "Overview\n\nThis model does x."]

    def block(lines: tuple[str, ...], indent: str = "") -> str:
        return "".join(f"{indent}//{ln}\n" for ln in lines)

    parts = ["// Package x is a model.\n//\n// The model's description:\n//\n", block(_comment(docs[0])), "package x\n"]
    for i, doc in enumerate(docs):
        lines = _comment(doc)
        sep = "//\n" if lines else ""  # as the template: a blank comment line only before a description
        parts.append(f"\n// T{i} is a type.\n{sep}{block(lines)}type T{i} struct {{\n")
        parts.append(f"\t// F is the input \"f\": float[2].\n{block(lines, chr(9))}\tF int\n}}\n")
    src = "".join(parts)
    res = subprocess.run([gofmt], input=src, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    if res.stdout != src:
        import difflib

        diff = "".join(difflib.unified_diff(src.splitlines(True), res.stdout.splitlines(True), "generated", "gofmt"))
        pytest.fail("gofmt rewrites generated comments:\n" + diff[:4000])
