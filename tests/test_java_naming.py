"""Java naming policy: identifiers, packages, string literals and Javadoc text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.errors import UserError
from generator.naming import java as jn


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["input_ids", "attention_mask"], ["inputIds", "attentionMask"]),
        (
            ["class", "record", "var", "yield", "_", "true"],
            ["class_", "record_", "var_", "yield_", "input4", "true_"],
        ),
        (["a-b", "a_b", "a b"], ["aB", "aB2", "aB3"]),
        (["0", "1x"], ["input0", "input1X"]),
        (
            ["hashCode", "toString", "build", "in", "env", "session"],
            ["hashCode_", "toString_", "build_", "in_", "env_", "session_"],
        ),
        (["日本", "über"], ["input0", "uber"]),
        (["x", "x", "x_2"], ["x", "x2", "x22"]),
    ],
)
def test_members_are_resolved_per_scope(names: list[str], expected: list[str]) -> None:
    assert jn.members(names, "input") == expected


def test_member_identifiers_are_valid_java() -> None:
    hostile = ["*/", "\\u002a\\u002f", 'q"x', "new\nline", "\u2028", "non-sealed", "Object", "String"]
    for ident in jn.members(hostile, "input"):
        assert re.fullmatch(r"[a-z][A-Za-z0-9_]*", ident), ident
        assert ident not in jn.KEYWORDS


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("logreg_iris", "LogregIris"),
        ("String", "String_"),
        ("Tensors", "Tensors_"),
        ("", "Model"),
        ("9lives", "Model9Lives"),
    ],
)
def test_class_name(name: str, cls: str) -> None:
    assert jn.class_name(name) == cls


def test_packages() -> None:
    assert jn.default_package("Tiny Transformer") == "sdkgen.tiny_transformer"
    assert jn.default_package("class") == "sdkgen.class_"
    assert jn.check_package("com.example.m") == "com.example.m"
    for bad in ("com.class.x", "a..b", "9a", "a-b", "é"):
        with pytest.raises(UserError):
            jn.check_package(bad)
    with pytest.raises(UserError):
        jn.check_maven_id("--group-id", "a b")


def test_javadoc_lines_cannot_end_the_comment_or_smuggle_unicode_escapes() -> None:
    text = "ok */ end\\u002a\\u002f @param x {@code y} <b>&\u2028next\r\nü"
    lines = jn.javadoc_lines(text)
    assert lines == [
        "ok &#42;/ end&#92;u002a&#92;u002f &#64;param x &#123;&#64;code y&#125; &lt;b&gt;&amp;",
        "next",
        "&#252;",
    ]
    for ln in lines:
        assert "*/" not in ln and "\\" not in ln and ln.isascii()


LITERALS = [
    "plain",
    'q"uote',
    "back\\slash",
    "\\u0022",
    "\\u000a",
    "new\nline",
    "cr\rx",
    "tab\t",
    "\x00\x01\x7f",
    "ü",
    "日本",
    "\u2028\u2029",
    "\U0001f600",
    "*/",
    "\\\\u0041",
]


def test_literals_are_ascii_and_never_use_unicode_escapes_for_lexer_characters() -> None:
    for s in LITERALS:
        lit = jn.literal(s)
        assert lit.isascii()
        # The only \u escapes are of non-ASCII characters (>= 0x80).
        for m in re.finditer(r"(?<!\\)(?:\\\\)*\\u([0-9a-f]{4})", lit):
            assert int(m.group(1), 16) >= 0x80, (s, lit)


def test_literals_round_trip_through_javac(tmp_path: Path) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    assert javac and java, "javac/java not found: the Java tests need a JDK 17"
    body = ",\n".join(jn.literal(s) for s in LITERALS)
    src = (
        "public class Lit { public static void main(String[] a) throws Exception {\n"
        f"String[] v = {{{body}}};\n"
        "StringBuilder sb = new StringBuilder();\n"
        "for (String s : v) { for (char c : s.toCharArray()) sb.append((int) c).append(' '); sb.append('\\n'); }\n"
        "System.out.print(sb);\n} }\n"
    )
    (tmp_path / "Lit.java").write_text(src, encoding="ascii")
    subprocess.run([javac, "-Xlint:all", "-Werror", "Lit.java"], cwd=tmp_path, check=True)
    out = subprocess.run(
        [java, "-cp", ".", "Lit"], cwd=tmp_path, check=True, capture_output=True, text=True
    ).stdout
    got = [[int(x) for x in line.split()] for line in out.split("\n")[: len(LITERALS)]]
    want = [list(s.encode("utf-16-le").decode("latin-1").encode("latin-1")) for s in LITERALS]
    want = [[w[i] | (w[i + 1] << 8) for i in range(0, len(w), 2)] for w in want]
    assert got == want
