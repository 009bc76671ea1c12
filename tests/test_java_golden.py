"""The Java goldens are real code: they compile with -Xlint:all -Werror, google-java-format leaves
them (and the runtime) unchanged, and every Javadoc block starts with a summary sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import java_tools
from tests.golden_cases import GOLDEN, complete
from tests.paths import REPO

JAVA_GOLDENS = sorted(p / "out" for p in GOLDEN.glob("java-*") if (p / "out").is_dir())
RUNTIME = REPO / "runtime" / "java" / "src"


def _sources(root: Path) -> list[Path]:
    return sorted(root.rglob("*.java"))


def test_there_are_java_goldens() -> None:
    assert len(JAVA_GOLDENS) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("out", JAVA_GOLDENS, ids=[p.parent.name for p in JAVA_GOLDENS])
def test_golden_compiles_with_all_lint_as_errors(out: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cp = java_tools.classpath(REPO / "build" / "java-tools")
    sdk = complete(out.parent, tmp_path_factory.mktemp("sdk") / "sdk")
    sources = _sources(sdk / "src")
    if (sdk / "src" / "main" / "proto").is_dir():  # a remote SDK: its build generates the gRPC stubs
        # protoc's and protoc-gen-grpc-java's output is lint-clean too: compiled with -Werror.
        sources += java_tools.grpc_stubs(REPO / "build" / "java-tools", sdk / "src" / "main" / "proto",
                                         tmp_path_factory.mktemp("stubs"))
    r = java_tools.javac(cp, tmp_path_factory.mktemp("classes"), sources)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_goldens_and_runtime_are_google_java_format_stable() -> None:
    files = [f for out in JAVA_GOLDENS for f in _sources(out)] + _sources(RUNTIME)
    changed = java_tools.gjf_changes(REPO / "build" / "java-tools", files)
    assert not changed, f"google-java-format {java_tools.GJF_VERSION} would change: {changed}"


_JAVADOC = re.compile(r"/\*\*(.*?)\*/", re.DOTALL)


@pytest.mark.parametrize("root", [*JAVA_GOLDENS, RUNTIME], ids=[*(p.parent.name for p in JAVA_GOLDENS), "runtime"])
def test_every_javadoc_block_starts_with_a_summary(root: Path) -> None:
    for f in _sources(root):
        for m in _JAVADOC.finditer(f.read_text()):
            text = " ".join(ln.strip().lstrip("*").strip() for ln in m.group(1).splitlines()).strip()
            assert text and not text.startswith(("@", "<p>", "<ul>")), f"{f.relative_to(REPO)}: /**{m.group(1)}*/"


def _long_names_model() -> bytes:
    from onnx import TensorProto, helper

    a = "a_very_long_input_name_that_keeps_going_and_going_for_a_while_longer"
    b = "another_quite_long_input_name_with_symbolic_dims_everywhere"
    o = "the_output_with_an_extraordinarily_long_name_to_wrap_things_around"
    dims = ["batch_dimension_symbol", "sequence_length_symbol", 64]
    g = helper.make_graph(
        [helper.make_node("Add", [a, b], [o]), helper.make_node("Shape", [a], ["m"])], "g",
        [helper.make_tensor_value_info(a, TensorProto.FLOAT, dims), helper.make_tensor_value_info(b, TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, dims), helper.make_tensor_value_info("m", TensorProto.INT64, None)],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    m.doc_string = "A model whose documentation is a long paragraph. " * 8 + "\nSecond line\n\nnew paragraph"
    return m.SerializeToString()


@pytest.mark.slow
def test_long_names_stay_google_java_format_stable_and_compile(tmp_path: Path) -> None:
    from generator import reader, writer
    from tests.sdk import emit_model

    data = _long_names_model()
    out = tmp_path / "sdk"
    writer.write_tree(out, emit_model("java", reader.read_bytes(data), data,
                                      "an_extraordinarily_long_model_name_for_testing_wrapping"), marker=b"{}\n")
    srcs = _sources(out / "src")
    assert not java_tools.gjf_changes(REPO / "build" / "java-tools", srcs)
    r = java_tools.javac(java_tools.classpath(REPO / "build" / "java-tools"), tmp_path / "classes", srcs)
    assert r.returncode == 0, r.stdout + r.stderr
