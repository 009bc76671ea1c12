"""Generated Java compiles (javac -Xlint:all -Werror) and stays google-java-format-stable for any
model sdkgen accepts: 2,000 inputs (a static initializer that large is over the JVM's 64 KiB
method limit), 70,000-character names (over a class file's 65,535-byte constant and name limit),
no inputs at all, and hostile doc text (tabs, long words, ``*/``, ``\\u002a\\u002f``, U+2028)."""

from __future__ import annotations

from pathlib import Path

import pytest
from onnx import TensorProto, helper

from generator import reader, writer
from generator.naming import java as jn
from tests import java_tools
from tests.paths import REPO
from tests.sdk import emit_model

pytestmark = pytest.mark.slow
TOOLS = REPO / "build" / "java-tools"
HOSTILE_DOC = ("\tTabbed line\n" + "x" * 300 + " a-very-long-word-" * 12 + "\n*/ /* \\u002a\\u002f \\u000a"
               " \u2028 after LS \u2029 after PS \x85 NEL\r\n@param fake {@code x} <b>&amp;</b>\n\n\t\tdeep tab")


def _model(n_inputs: int, name: str = "x", doc: str = "", sym: str = "batch") -> bytes:
    vi = helper.make_tensor_value_info
    names = [name if n_inputs == 1 else f"{name}{i}" for i in range(n_inputs)]
    ins = [vi(n, TensorProto.FLOAT, [sym, 4]) for n in names]
    for v in ins:
        v.doc_string = doc
    out = vi("y" + ("" if len(name) < 100 else name), TensorProto.FLOAT, [sym, 4])
    out.doc_string = doc
    g = helper.make_graph([helper.make_node("Sum", names, [out.name])], "g", ins, [out], doc_string=doc)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8, doc_string=doc)
    return m.SerializeToString()


def _constant_model() -> bytes:
    t = helper.make_tensor("c", TensorProto.FLOAT, [2], [1.5, -2.0])
    g = helper.make_graph([helper.make_node("Constant", [], ["y"], value=t)], "g", [],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def _adapted_model() -> bytes:
    vi = helper.make_tensor_value_info
    seq = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.UINT16, None))
    seq2 = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.STRING, ["n", 3]))
    ins = [vi("a_rather_long_unsigned_input_name", TensorProto.UINT16, ["batch_size", 3]),
           vi("b", TensorProto.UINT32, None), vi("c", TensorProto.UINT64, []),
           helper.make_value_info("s", seq), helper.make_value_info("some_strings_in_a_sequence", seq2)]
    nodes = [helper.make_node("Identity", [i.name], [f"o{k}"]) for k, i in enumerate(ins) if k != 3]
    nodes.append(helper.make_node("SequenceLength", ["s"], ["o3"]))
    outs = [vi(f"o{k}", i.type.tensor_type.elem_type, None) for k, i in enumerate(ins[:3])]
    outs += [vi("o3", TensorProto.INT64, []), helper.make_value_info("o4", seq2)]
    g = helper.make_graph(nodes, "g", ins, outs)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def _many_outputs(n: int) -> bytes:
    vi = helper.make_tensor_value_info
    outs = [vi(f"y{i}", TensorProto.FLOAT, ["n"]) for i in range(n)]
    g = helper.make_graph([helper.make_node("Identity", ["x"], [o.name]) for o in outs], "g",
                          [vi("x", TensorProto.FLOAT, ["n"])], outs)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


CASES = {
    "most_outputs": (_many_outputs(254), "outputs"),
    "adapted_inputs": (_adapted_model(), "adapted"),
    "two_thousand_inputs": (_model(2000), "wide"),
    "long_input_name": (_model(1, "n\u00e4me" * 17500 + "\u65e5\u2603", sym="s" * 70000), "long"),
    "hostile_docs": (_model(3, doc=HOSTILE_DOC), "hostile docs\t*/ \u2028"),
    "no_inputs": (_constant_model(), "constant"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_java_compiles_and_is_google_java_format_stable(case: str, tmp_path: Path) -> None:
    data, name = CASES[case]
    out = tmp_path / "sdk"
    writer.write_tree(out, emit_model("java", reader.read_bytes(data), data, name), marker=b"{}\n")
    srcs = sorted((out / "src").rglob("*.java"))
    changed = java_tools.gjf_changes(TOOLS, srcs)
    assert not changed, f"google-java-format would change {changed}"
    r = java_tools.javac(java_tools.classpath(TOOLS), tmp_path / "classes", srcs)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]


def test_long_names_become_split_literals_and_capped_identifiers() -> None:
    name = "n\u00e4me" * 17500
    lit = jn.literal(name)
    assert lit.startswith('String.join("", "') and lit.count('", "') == 5  # the separator and 5 pieces
    assert eval(lit.replace('String.join("", ', "''.join((").replace("\\u00e4", "\u00e4") + ")") == name
    assert jn.literal("a" * 65535) == '"' + "a" * 65535 + '"'  # fits a constant: one literal
    assert len(jn.members([name], "input")[0]) == jn.MAX_IDENT
