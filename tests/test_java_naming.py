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
        ("Spec", "Spec_"),
        ("FloatTensor", "FloatTensor_"),
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


def _declared(src: str) -> set[str]:
    """Types, methods, fields and parameters a Java source declares (string literals removed)."""
    code = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', re.sub(r"/\*.*?\*/|//[^\n]*", "", src, flags=re.DOTALL))
    while re.search(r"<[^<>]*>", code):
        code = re.sub(r"<[^<>]*>", "", code)
    names = set(re.findall(r"\b(?:class|record|interface|enum)\s+(\w+)", code))
    for m in re.finditer(r"\b[\w<>\[\],.? ]+?\s(\w+)\s*\(([^()]*)\)\s*(?:throws [\w., ]+)?\{", code):
        names.add(m.group(1))
        names.update(p.split()[-1] for p in m.group(2).split(",") if p.strip())
    names.update(re.findall(r"^\s+(?:(?:private|public|static|final)\s+)+[\w<>\[\], .]+\s(\w+)\s*[=;]", code, re.MULTILINE))
    return names - {"if", "for", "while", "switch", "catch", "return", "try", "new"}


def test_reserved_names_cover_what_the_runtime_declares() -> None:
    from tests.paths import REPO

    declared: set[str] = set()
    remote: set[str] = set()  # the remote backend, shipped only in remote SDKs
    for f in (REPO / "runtime" / "java" / "src" / "main").rglob("*.java"):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", f.read_text(), flags=re.DOTALL)
        types = set(re.findall(r"\b(?:class|record|interface|enum)\s+(\w+)", code))
        (remote if f.name.startswith("Remote") else declared).update(types)
    assert jn.RUNTIME_TYPES <= declared, sorted(jn.RUNTIME_TYPES - declared)  # no stale entries
    assert declared <= jn.RESERVED, sorted(declared - jn.RESERVED)
    assert remote - declared <= jn.REMOTE_TYPES, sorted(remote - declared - jn.REMOTE_TYPES)
    assert jn.REMOTE_TYPES - {"InetAddress", "ServerSocket"} <= remote, "stale REMOTE_TYPES"


def test_remote_sdks_keep_model_classes_off_the_remote_types() -> None:
    assert jn.class_names(["remote", "remote_session", "x"]) == ["Remote", "RemoteSession", "X"]
    assert jn.class_names(["remote", "remote_session", "x"], remote=True) == ["Remote_", "RemoteSession_", "X"]


def test_reserved_names_cover_what_the_generated_classes_declare() -> None:
    from tests.golden_cases import GOLDEN, generated

    checked = 0
    for case in sorted(GOLDEN.glob("java-*")):
        sdk = generated(case).view
        for m in sdk.models:
            own = {m.cls, f"{m.cls}Test"} | {i.ident for i in m.inputs} | {o.ident for o in m.outputs}
            for rel in (f"src/main/java/{sdk.package_path}/{m.cls}.java",
                        f"src/test/java/{sdk.package_path}/{m.cls}Test.java"):
                src = (case / "out" / rel).read_text()
                extra = _declared(src) - own - jn.RESERVED
                # Members that cannot clash with a model-derived name: all-caps constants, and the
                # model class's own static methods (model-derived names live in Inputs.Builder and Outputs).
                extra -= {"MODEL_SHA256", "SIGNATURE", "INPUTS", "OUTPUTS", "CONSTANTS", "open"}
                # A remote SDK's model class: SERVED_NAME, connect(String target), remoteOutputs and the
                # field remote (jn.REMOTE_TYPES says why they cannot clash).
                extra -= {"SERVED_NAME", "connect", "target", "remoteOutputs", "remote"}
                extra -= {n for n in extra if re.fullmatch(r"(inputs|outputs|constants)\d+", n)}
                extra -= {n for n in extra if n.startswith(("loads", "explicit", "missing", "wrong", "dataLength",
                                                            "runAfter", "connecting"))}
                assert not extra, f"{case.name}/{rel}: declares {sorted(extra)} that jn.RESERVED does not hold"
                checked += 1
    assert checked >= 8
