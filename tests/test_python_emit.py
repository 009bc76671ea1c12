"""The Python emitter: layout, the typed view, one runtime copy, package names, refusals."""

from __future__ import annotations

import ast
import random
import subprocess
import sys
from pathlib import Path

import pytest
from onnx import TensorProto, helper

from generator import emit, ir, reader, runtime_src, writer
from generator.emit.python import SdkView
from generator.errors import UnsupportedModel, UserError

from .paths import MODELS, ORT_DATASETS

TF = reader.read_file(MODELS / "tiny_transformer.onnx")
HEAD = reader.read_file(MODELS / "decode_head.onnx")
BIN = Path(sys.executable).parent


def gen(*sources: emit.ModelSource, **opts: str) -> emit.Generated:
    return emit.generate("python", list(sources), emit.Options(**opts))


def test_pair_layout_and_typed_view() -> None:
    g = gen(emit.ModelSource(*TF, "tiny_transformer"), emit.ModelSource(*HEAD, "decode_head", embed=False))
    view = g.view
    assert isinstance(view, SdkView)
    assert view.package == "tiny_transformer_decode_head" and view.dist_name == "tiny-transformer-decode-head"
    src = "src/tiny_transformer_decode_head"
    runtime = {f"{src}/_runtime/{rel}" for rel in runtime_src.files("python")}
    assert set(g.files) == {
        "README.md", "pyproject.toml", f"{src}/__init__.py", f"{src}/py.typed",
        f"{src}/_tiny_transformer.py", f"{src}/_decode_head.py", f"{src}/tiny_transformer.onnx",
    } | runtime
    assert g.files[f"{src}/tiny_transformer.onnx"] == TF[1]  # only embedded models ship
    assert [(m.class_name, m.module, m.sha256_const, m.embed) for m in view.models] == [
        ("TinyTransformer", "_tiny_transformer", "TINY_TRANSFORMER_SHA256", True),
        ("DecodeHead", "_decode_head", "DECODE_HEAD_SHA256", False),
    ]
    assert [v.ident for v in view.models[1].outputs] == ["token_ids", "scores", "tokens"]


def test_runtime_is_copied_verbatim_once() -> None:
    g = gen(emit.ModelSource(*TF, "a"), emit.ModelSource(*TF, "b"))
    copies = {k: v for k, v in g.files.items() if "/_runtime/" in k}
    assert {k.split("/_runtime/")[1]: v for k, v in copies.items()} == runtime_src.files("python")
    assert not any("tests" in k or "__pycache__" in k for k in copies)


def test_package_and_distribution_options() -> None:
    v = gen(emit.ModelSource(*TF, "tiny_transformer"), emit.ModelSource(*HEAD, "decode_head"),
            package="team_models", artifact_id="team-models", version="1.2.0").view
    assert (v.package, v.dist_name, v.version_lit) == ("team_models", "team-models", '"1.2.0"')
    assert gen(emit.ModelSource(*TF, "My-Model")).view.package == "my_model"


def test_unsupported_types_are_refused_by_the_registry_before_the_emitter() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.INT4, [2])
    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x],
                          [helper.make_tensor_value_info("y", TensorProto.INT4, [2])])
    data = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)], ir_version=10).SerializeToString()
    model = reader.read_bytes(data, "int4.onnx")
    with pytest.raises(UnsupportedModel, match="the Python SDK .* cannot carry model 'int4': input 'x'"):
        gen(emit.ModelSource(model, data, "int4"))


def test_a_model_without_inputs_is_valid_python(tmp_path: Path) -> None:
    t = helper.make_tensor("c", TensorProto.FLOAT, [1], [1.0])
    g = helper.make_graph([helper.make_node("Constant", [], ["y"], value=t)], "g", [],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    data = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()
    files = gen(emit.ModelSource(reader.read_bytes(data, "c.onnx"), data, "constant")).files
    tree = ast.parse(files["src/constant/_constant.py"])
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Constant"]
    (run,) = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "run"]
    assert not run.args.kwonlyargs
    writer.write_tree(tmp_path / "out", files, marker=b"{}\n")
    for cmd in (["check"], ["format", "--check"]):
        r = subprocess.run([str(BIN / "ruff"), *cmd, "--isolated", "--no-cache", "."], cwd=tmp_path / "out",
                           capture_output=True, text=True, check=False)
        assert r.returncode == 0, r.stdout


def test_every_carried_element_type_has_a_numpy_annotation() -> None:
    from generator import targets
    from generator.emit import python

    for direction in targets.DIRECTIONS:
        carried = {d for d, f in targets.PYTHON.caps.elems[direction].items() if f.carried}
        assert carried == set(python._ELEM)
    assert set(python.RAW_ELEMS) == targets.PY_RAW
    assert ir.DType.INT4 not in python._ELEM


def test_logreg_names() -> None:
    v = gen(emit.ModelSource(*reader.read_file(ORT_DATASETS / "logreg_iris.onnx"), "logreg_iris")).view
    assert v.exports == ("LOGREG_IRIS_SHA256", "LogregIris", "LogregIrisOutputs", "ModelClosedError",
                         "ModelInputError", "SessionConfig", "SignatureMismatchError")


def _hostile_text(rng: random.Random) -> str:
    pools = ["abc", "ABC_", "0123456789", " \t\n\r\x0b\x0c\x85\u2028\u2029", "\x00\x01\x1f\x7f", '"\'\\`#*/{}$',
             "éü日本\u00a0\u3000\U0001f600", "\ud800\udfff", "class def None True print self run numpy test types"]
    n = rng.choice([0, 1, 2, 5, 20, 300])
    return "".join(rng.choice(rng.choice(pools)) for _ in range(n))


def test_any_name_or_doc_generates_valid_python_or_a_user_error() -> None:
    """Names and docs of every kind (controls, quotes, surrogates, keywords, module names, 300
    characters): emission raises nothing but UserError, and every file it writes parses (Python,
    TOML) and is UTF-8. The cross-language hypothesis fuzz goes further; this pins the Python
    naming layer on its own, fast and deterministic."""
    import tomllib

    rng = random.Random(10)
    for case in range(200):
        values = []
        for k in range(rng.choice([0, 1, 3])):
            for direction in ("in", "out"):
                values.append(ir.Value(_hostile_text(rng) or f"{direction}{k}",
                                       ir.TensorType(ir.DType.FLOAT, (ir.Dim(symbol=_hostile_text(rng) or None),)),
                                       _hostile_text(rng)))
        ins = tuple(v for i, v in enumerate(values) if i % 2 == 0)
        outs = tuple(v for i, v in enumerate(values) if i % 2 == 1) or (ir.Value("y", ir.TensorType(ir.DType.FLOAT, None)),)
        if len({v.name for v in ins}) < len(ins) or len({v.name for v in outs}) < len(outs):
            continue
        model = ir.Model(graph_name="g", doc=_hostile_text(rng), producer_name="", producer_version="", domain="",
                         model_version=0, ir_version=10, opsets=(), metadata=(), sha256="0" * 64,
                         inputs=ins, outputs=outs)
        opts = rng.choice([{}, {}, {}, {}, {"package": _hostile_text(rng)}, {"version": _hostile_text(rng)},
                           {"artifact_id": _hostile_text(rng)}])
        names = list(dict.fromkeys(_hostile_text(rng) for _ in range(rng.choice([1, 2]))))  # distinct
        try:
            g = gen(*(emit.ModelSource(model, b"", n) for n in names), **opts)
        except UserError:
            assert opts, f"case {case}: only a bad option may be refused"
            continue
        for path, data in g.files.items():
            assert len(path.rsplit("/", 1)[-1].encode()) < 255, path
            if path.endswith(".py"):
                ast.parse(data.decode("utf-8"), path)
            elif path.endswith(".toml"):
                tomllib.loads(data.decode("utf-8"))
            elif path.endswith(".md"):
                data.decode("utf-8")
