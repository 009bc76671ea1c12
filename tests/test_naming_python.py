"""Naming policy: the shared mechanics and the Python rules. These tables are API."""

from __future__ import annotations

import ast
import keyword
import sys

import pytest

from generator.errors import UserError
from generator.naming import common
from generator.naming import python as py


@pytest.mark.parametrize(
    "wire, words",
    [
        ("input_ids", ["input", "ids"]),
        ("attention-mask", ["attention", "mask"]),
        ("inputIDs:0", ["input", "i", "ds", "0"]),
        ("HTTPServer", ["http", "server"]),
        ("über", ["uber"]),
        ("日本", []),
        ("*/", []),
        ("", []),
    ],
)
def test_words(wire: str, words: list[str]) -> None:
    assert common.words(wire) == words


def test_scope_resolution_table() -> None:
    names = ["a-b", "a_b", "class", "0", "", "x*/y", "print", "a_b_2", "self", "日本", "Run", "run"]
    assert py.fields(names, "input") == [
        "a_b",
        "a_b_2",
        "class_",
        "input_0",
        "input4",
        "x_y",
        "print_",
        "a_b_2_2",
        "self_",
        "input9",
        "run_",
        "run__2",
    ]


def test_resolution_is_order_independent_of_later_names() -> None:
    # The first holder keeps its name whatever follows: adding an input never renames earlier ones.
    assert py.fields(["a-b", "a_b"], "input")[0] == py.fields(["a-b"], "input")[0]


@pytest.mark.parametrize("kw", keyword.kwlist + keyword.softkwlist)
def test_keywords_get_trailing_underscore(kw: str) -> None:
    (ident,) = py.fields([kw], "input")
    assert ident.isidentifier() and not keyword.iskeyword(ident) and not keyword.issoftkeyword(ident)
    if kw.islower() and kw.isidentifier() and kw != "_":
        assert ident == kw + "_"


HOSTILE = [
    "plain",
    'q"uote',
    "it's",
    "back\\slash",
    "new\nline",
    "cr\rlf",
    "\u2028\u2029\x85",
    "tab\t",
    "nul\x00",
    "emoji \U0001f600",
    '"""',
    "'''",
    "\\u002a\\u002f */",
    "é日本",
]


@pytest.mark.parametrize("s", HOSTILE)
def test_literal_round_trips_and_is_ascii(s: str) -> None:
    lit = py.literal(s)
    assert lit.isascii() and "\n" not in lit
    assert ast.literal_eval(lit) == s


@pytest.mark.parametrize("s", HOSTILE)
def test_doc_lines_cannot_close_a_docstring(s: str) -> None:
    body = "\n".join(py.doc_lines(s))
    src = f'def f():\n    """{body}"""\n    return 1\n'
    tree = ast.parse(src)
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef) and len(fn.body) == 2  # docstring + return, nothing injected


def test_comment_lines_split_every_terminator() -> None:
    lines = common.comment_lines("a\rb\nc\r\nd\x85e\u2028f\u2029g\x0bh\x0ci")
    assert lines == ["a", "b", "c", "d", "e", "f", "g", "h", "i"]


def test_class_and_package_names() -> None:
    assert py.class_name("logreg_iris") == "LogregIris"
    assert py.class_name("0model") == "Model0Model"
    assert py.class_name("*/") == "Model"
    assert py.package_name("My-Model") == "my_model"
    assert py.package_name("class") == "class_"


SHADOWING = ["test", "types", "random", "code", "json", "typing", "numpy", "onnxruntime", "ml_dtypes",
             "google", "packaging", "flatbuffers"]


@pytest.mark.parametrize("name", SHADOWING)
def test_derived_package_names_never_shadow_the_stdlib_or_dependencies(name: str) -> None:
    """Issue 10 #10: a model named numpy (or test, types...) made a package the SDK could not import."""
    assert py.shadows(name) is not None
    assert py.package_name(name) == py.default_package([name]) == name + "_"
    assert py.default_package([name, name]) == f"{name}_{name}"


def test_no_derived_package_is_a_stdlib_module() -> None:
    for name in sorted(sys.stdlib_module_names):
        pkg = py.package_name(name)
        assert pkg.isidentifier() and pkg not in sys.stdlib_module_names and py.shadows(pkg) is None, name


def test_dependency_modules_come_from_the_installed_metadata() -> None:
    deps = py.dependency_modules()
    assert {"numpy", "onnxruntime", "ml_dtypes", "google", "packaging"} <= set(deps)
    assert deps["google"] == "protobuf"


@pytest.mark.parametrize(
    ("pkg", "fragment"),
    [
        ("numpy", ("would shadow the 'numpy' module of numpy, which the SDK depends on; choose another name, "
                   "e.g. numpy_sdk")),
        ("test", "would shadow the standard library's 'test' module"),
        ("types", "would shadow the standard library's 'types' module"),
        ("onnxruntime", "which the SDK depends on"),
        ("class", "a Python keyword"),
        ("match", "a Python keyword"),
        ("__main__", "dunder"),
        ("My-Model", "not a Python package name"),
        ("日本", "not a Python package name"),
        ("", "not a Python package name"),
        ("a.b", "not a Python package name"),
        ("p" * 201, "a directory name must fit in 255 bytes"),
    ],
)
def test_a_users_package_that_cannot_work_is_refused(pkg: str, fragment: str) -> None:
    with pytest.raises(UserError) as e:
        py.check_package(pkg)
    assert str(e.value).startswith(f"--package {pkg!r}: ") and fragment in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("pkg", ["my_models", "Models", "_private", "print", "numpy_sdk", "test_", "p" * 200])
def test_a_users_valid_package_is_kept(pkg: str) -> None:
    assert py.check_package(pkg) == pkg


VERSIONS_OK = ["0.1.0", "1.0", "1!2.0", "1.0a1", "1.0b2.post3.dev4", "1.0.post1", "1.0.dev3", "1.0+local.1",
               "v1.0", "1.0-1", "1.0RC1", "2024.01.02", "1.0.0-alpha.1", "1.0_rc_2"]
VERSIONS_BAD = ["not a version", "1.0 ", " 1.0", "", "1..0", "é1", "1.0+", "01.x", "1.0-foo", "1.0+a..b",
                "1.0\n", "latest", "1.0+é"]


@pytest.mark.parametrize("v", VERSIONS_OK)
def test_pep440_versions_are_accepted(v: str) -> None:
    assert py.check_version(v) == v


@pytest.mark.parametrize("v", VERSIONS_BAD)
def test_other_versions_are_refused_on_one_line(v: str) -> None:
    with pytest.raises(UserError, match=r"^--version .*: not a PEP 440 version \(e\.g\. 1\.0\.0"):
        py.check_version(v)


def test_version_check_agrees_with_packaging() -> None:
    """The regex is PEP 440's own pattern; packaging (not an sdkgen dependency) implements the same."""
    version = pytest.importorskip("packaging.version")
    for v in VERSIONS_OK + VERSIONS_BAD:
        try:
            version.Version(v)
            ok = v == v.strip()  # packaging strips surrounding blanks; a pyproject.toml must not have them
        except version.InvalidVersion:
            ok = False
        assert (v in VERSIONS_OK) == ok, v


@pytest.mark.parametrize(("name", "ok"), [("my-models", True), ("A", True), ("a.b_c-9", True), ("-a", False),
                                          ("a-", False), ("日本", False), ("a b", False), ("", False),
                                          ("a/b", False), ("naïve", False)])
def test_distribution_names(name: str, ok: bool) -> None:
    if ok:
        assert py.check_dist_name(name) == name
    else:
        with pytest.raises(UserError, match=r"^--artifact-id .*: not a Python distribution name"):
            py.check_dist_name(name)


def test_derived_distribution_names_are_valid() -> None:
    for pkg in ("my_models", "_private", "a__b", "x_"):
        py.check_dist_name(py.dist_name(pkg))
    assert py.dist_name("_private") == "private" and py.dist_name("x_") == "x"


def test_model_names_of_one_sdk_are_resolved_at_once() -> None:
    got = py.model_names(["logreg_iris", "a-b", "a_b", "a", "a outputs", "runtime", "any", "*/", "日本"])
    assert [(n.class_name, n.outputs_class, n.module, n.sha256_const, n.model_file) for n in got] == [
        ("LogregIris", "LogregIrisOutputs", "_logreg_iris", "LOGREG_IRIS_SHA256", "logreg_iris.onnx"),
        ("AB", "ABOutputs", "_a_b", "A_B_SHA256", "a_b.onnx"),
        ("AB2", "AB2Outputs", "_a_b_2", "A_B_2_SHA256", "a_b_2.onnx"),  # same words as a-b
        ("A", "AOutputs", "_a", "A_SHA256", "a.onnx"),
        ("AOutputs2", "AOutputs2Outputs", "_a_outputs_2", "A_OUTPUTS_2_SHA256", "a_outputs_2.onnx"),
        ("Runtime2", "Runtime2Outputs", "_runtime_2", "RUNTIME_2_SHA256", "runtime_2.onnx"),  # not _runtime
        ("Any_", "Any_Outputs", "_any", "ANY_SHA256", "any.onnx"),  # typing.Any is imported
        ("Model", "ModelOutputs", "_model", "MODEL_SHA256", "model.onnx"),
        ("Model2", "Model2Outputs", "_model_2", "MODEL_2_SHA256", "model_2.onnx"),
    ]
    # the first model keeps its names whatever follows
    assert py.model_names(["a-b"])[0] == got[1]


def test_default_package() -> None:
    assert py.default_package(["logreg_iris"]) == "logreg_iris"
    assert py.default_package(["My-Model"]) == "my_model"
    assert py.default_package(["tiny_transformer", "decode_head"]) == "tiny_transformer_decode_head"
    assert py.default_package(["A", "*/"]) == "a_model"
