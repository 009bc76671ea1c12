"""The targets registry is the one place that decides what each language carries."""

from __future__ import annotations

import pytest
from onnx import TensorProto, helper

from generator import emit, ir, reader, targets
from generator.errors import UnsupportedModel

from .paths import REPO


def _model(elem: int, kind: str = "tensor") -> ir.Model:
    t = helper.make_tensor_type_proto(elem, [2])
    if kind == "seq":
        t = helper.make_sequence_type_proto(t)
    elif kind == "opt":
        t = helper.make_optional_type_proto(t)
    vi = helper.make_value_info("x", t)
    vo = helper.make_value_info("y", t)
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [vi], [vo])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
    return reader.read_bytes(m.SerializeToString())


def test_support_matrix_doc_is_in_sync() -> None:
    doc = (REPO / "docs" / "support.md").read_text(encoding="utf-8")
    assert doc == targets.support_matrix(), "run: python -m generator.targets > docs/support.md"


def test_every_language_declares_every_element_type_either_way() -> None:
    for t in targets.TARGETS.values():
        for d in targets.DIRECTIONS:
            for dt in ir.DType:
                f = t.caps.elems[d].get(dt)
                assert f is None or f.carried or f.reason, (t.lang, d, dt)
        assert t.caps.elem_reason


@pytest.mark.parametrize(
    ("lang", "elem", "kind", "refused", "embed"),
    [
        ("python", TensorProto.FLOAT, "tensor", [], True),
        ("python", TensorProto.BFLOAT16, "tensor", [], True),  # ml_dtypes arrays
        ("python", TensorProto.FLOAT8E5M2FNUZ, "tensor", [], True),
        ("python", TensorProto.BFLOAT16, "seq", ["input 'x'", "output 'y'"], True),
        ("python", TensorProto.FLOAT8E4M3FN, "opt", ["input 'x'", "output 'y'"], True),
        ("python", TensorProto.INT4, "tensor", ["input 'x'", "output 'y'"], True),
        # uint16 inputs travel as short bits via the adapted embedded model; outputs come back as short bits
        ("java", TensorProto.UINT16, "tensor", [], True),
        ("java", TensorProto.UINT16, "tensor", ["input 'x'"], False),  # --model-path cannot adapt
        ("java", TensorProto.FLOAT, "seq", [], True),
        ("java", TensorProto.FLOAT, "seq", ["input 'x'"], False),
        ("java", TensorProto.INT32, "seq", ["output 'y'"], True),
        ("java", TensorProto.FLOAT, "opt", ["input 'x'", "output 'y'"], True),
        ("go", TensorProto.FLOAT, "opt", [], True),  # through an adapted embedded model
        ("go", TensorProto.FLOAT, "opt", ["input 'x'", "output 'y'"], False),  # --model-path cannot adapt
        ("go", TensorProto.FLOAT16, "opt", ["input 'x'", "output 'y'"], True),
        ("go", TensorProto.FLOAT16, "seq", ["output 'y'"], True),
        ("go", TensorProto.INT4, "tensor", ["input 'x'", "output 'y'"], True),
        ("python", TensorProto.FLOAT, "opt", [], True),
    ],
)
def test_refusals_follow_the_registry(lang: str, elem: int, kind: str, refused: list[str], embed: bool) -> None:
    m = _model(elem, kind)
    got = targets.refusals(lang, m, embed=embed)
    assert [r.where for r in got] == refused
    if refused:
        with pytest.raises(UnsupportedModel, match="cannot carry"):
            emit.generate(lang, [emit.ModelSource(m, b"", "m", embed)], emit.Options())


def test_go_float16_output_needs_a_shape_the_inputs_fix() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT16, ["n"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT16, ["m"])
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    m = reader.read_bytes(helper.make_model(g, ir_version=10).SerializeToString())
    (r,) = targets.refusals("go", m)
    assert r.where == "output 'y'" and "not fixed by the inputs" in r.reason
    assert targets.refusals("java", m) == [] and targets.refusals("python", m) == []


def _named(name: str) -> ir.Model:
    x = helper.make_tensor_value_info(name, TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    g = helper.make_graph([helper.make_node("Identity", [name], ["y"])], "g", [x], [y])
    return reader.read_bytes(helper.make_model(g, ir_version=10).SerializeToString())


def test_names_the_bindings_cannot_pass_are_refused_with_the_reason() -> None:
    astral = _named("x\U0001F600")  # outside the BMP: JNI's modified UTF-8 garbles it
    (r,) = targets.refusals("java", astral)
    assert r.where == "input 'x\U0001F600'" and "modified UTF-8" in r.reason
    assert targets.refusals("go", astral) == [] and targets.refusals("python", astral) == []
    assert targets.refusals("java", _named("x\u2603")) == []  # BMP, 3 UTF-8 bytes: fine
    nul = _named("a\x00b")  # ORT's C API ends names at NUL
    for lang in ("java", "go"):
        (r,) = targets.refusals(lang, nul)
        assert "NUL" in r.reason, (lang, r)
    assert targets.refusals("python", nul) == []


def test_go_refuses_a_preallocated_output_that_is_a_graph_input() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT16, [2])
    g = helper.make_graph([], "g", [x], [x])  # the input itself is the output (no node)
    m = reader.read_bytes(helper.make_model(g, ir_version=10).SerializeToString())
    (r,) = targets.refusals("go", m)
    assert r.where == "output 'x'" and "would return zeros" in r.reason
    assert targets.refusals("java", m) == [] and targets.refusals("python", m) == []
    x32 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])  # not preallocated: carried
    g = helper.make_graph([], "g", [x32], [x32])
    assert targets.refusals("go", reader.read_bytes(helper.make_model(g, ir_version=10).SerializeToString())) == []


@pytest.mark.parametrize(("key", "value", "refused"), [
    (TensorProto.STRING, TensorProto.FLOAT, False), (TensorProto.INT64, TensorProto.FLOAT, False),
    (TensorProto.STRING, TensorProto.INT64, True), (TensorProto.INT64, TensorProto.DOUBLE, True),
    (TensorProto.INT64, TensorProto.STRING, True),
])
def test_python_map_inputs_are_what_onnxruntime_builds(key: int, value: int, refused: bool) -> None:
    mt = helper.make_map_type_proto(key, helper.make_tensor_type_proto(value, []))
    kw = {"string_vocabulary": ["a"]} if key == TensorProto.STRING else {"int64_vocabulary": [1]}
    out = helper.make_tensor_value_info("y", value, None)
    g = helper.make_graph([helper.make_node("DictVectorizer", ["x"], ["y"], domain="ai.onnx.ml", **kw)], "g",
                          [helper.make_value_info("x", mt)], [out])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
                          ir_version=9)
    found = targets.refusals("python", reader.read_bytes(m.SerializeToString()))
    assert bool(found) == refused, found
    if refused:
        assert found[0].where == "input 'x'" and "map inputs with float values only" in found[0].reason


def test_python_bfloat16_outputs_need_numeric_tensor_inputs_and_tensor_outputs() -> None:
    """ORT's Python API returns bfloat16/float8 bits only from run_with_ort_values, which takes
    OrtValues (no strings, sequences or maps) and returns OrtValues (tensors only convert)."""
    def model(x: int, extra: object) -> ir.Model:
        ins = [helper.make_tensor_value_info("x", x, [2])]
        outs = [helper.make_tensor_value_info("y", TensorProto.BFLOAT16, [2])]
        nodes = [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.BFLOAT16)]
        if extra == "seq":
            outs.append(helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None))
            nodes.append(helper.make_node("SequenceEmpty", [], ["s"]))
        g = helper.make_graph(nodes, "g", ins, outs)
        return reader.read_bytes(helper.make_model(g, ir_version=10).SerializeToString())

    assert targets.refusals("python", model(TensorProto.FLOAT, None)) == []
    (r,) = targets.refusals("python", model(TensorProto.STRING, None))
    assert r.where == "input 'x'" and "run_with_ort_values" in r.reason and "'y'" in r.reason
    (r,) = targets.refusals("python", model(TensorProto.FLOAT, "seq"))
    assert r.where == "output 's'"


def test_options_that_do_not_apply_are_refused() -> None:
    from generator.errors import UserError

    emit.check_options("go", ["module", "package"])
    with pytest.raises(UserError, match="--module does not apply to python"):
        emit.check_options("python", ["module"])
    with pytest.raises(UserError, match="--group-id does not apply to go"):
        emit.check_options("go", ["group_id"])
