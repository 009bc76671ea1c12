"""The input checks: the compiled plan, every error kind and its message, no casts or copies.

Every check here runs both ways, the reference walk (``checks.check``) and the function
compiled per model (``checks.compile_check``), and asserts that they agree."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sdkgen_runtime import ModelInputError, Spec, checks
from sdkgen_runtime.checks import DTYPES, compile_check, compile_plan, order

# x float[batch, 2], ids int64[batch, sequence], mask int64[batch, sequence], words string[n, n]
SPECS = (
    Spec("x", "tensor(float)", "FLOAT", ("batch", 2)),
    Spec("ids", "tensor(int64)", "INT64", ("batch", "sequence")),
    Spec("mask", "tensor(int64)", "INT64", ("batch", "sequence")),
    Spec("words", "tensor(string)", "STRING", ("n", "n")),
)
PLAN = compile_plan(SPECS)


def good(b: int = 2, s: int = 3) -> list[Any]:
    return [
        np.zeros((b, 2), np.float32),
        np.zeros((b, s), np.int64),
        np.ones((b, s), np.int64),
        np.array([["a", "b"], ["c", "d"]]),
    ]


def outcome(plan: Any, values: list[Any]) -> dict[str, Any] | ModelInputError:
    try:
        return checks.check(plan, values)
    except ModelInputError as e:
        return e


def same(a: dict[str, Any] | ModelInputError, b: dict[str, Any] | ModelInputError) -> bool:
    """The same feeds (the same objects, or equal object-array copies), or the same error."""
    if isinstance(a, ModelInputError) or isinstance(b, ModelInputError):
        return type(a) is type(b) and str(a) == str(b) and vars(a) == vars(b)
    if list(a) != list(b):
        return False
    for k, x in a.items():
        y = b[k]
        if x is y:
            continue
        if isinstance(x, list) and isinstance(y, list):  # a sequence whose strings went as objects
            if len(x) != len(y) or not all(p is q or (p.dtype == q.dtype and p.tolist() == q.tolist())
                                           for p, q in zip(x, y)):
                return False
        elif not (isinstance(x, np.ndarray) and x.dtype == y.dtype and x.tolist() == y.tolist()):
            return False
    return True


def check(plan: Any, values: list[Any]) -> dict[str, Any]:
    """``checks.check``, after asserting that the compiled check does the same."""
    ref = outcome(plan, values)
    compiled: dict[str, Any] | ModelInputError
    try:
        compiled = compile_check(plan)(tuple(values))
    except ModelInputError as e:
        compiled = e
    assert same(ref, compiled), (ref, compiled)
    if isinstance(ref, ModelInputError):
        raise ref
    return ref


def error(values: list[Any], plan: Any = PLAN) -> ModelInputError:
    with pytest.raises(ModelInputError) as e:
        check(plan, values)
    return e.value


def test_plan_precomputes_dtypes_fixed_dims_and_symbol_links() -> None:
    x, ids, mask, words = PLAN
    assert x[:7] == ("x", 0, np.dtype(np.float32), 2, None, ((1, 2),), ())
    assert ids[5:7] == ((), ((0, 0, 0),))  # batch bound by x's axis 0
    assert mask[5:7] == ((), ((0, 0, 0), (1, 1, 1)))  # batch by x, sequence by ids
    assert words[2:7] == (None, 2, None, (), ((1, 3, 0),))  # n bound by its own axis 0
    (exact,) = compile_plan([Spec("f", "tensor(float)", "FLOAT", (3, 2))])
    assert exact[3:6] == (2, (3, 2), ())


def test_feeds_are_the_arrays_themselves() -> None:
    values = good()
    feeds = check(PLAN, values)
    assert list(feeds) == ["x", "ids", "mask", "words"]
    assert all(feeds[s.name] is v for s, v in zip(SPECS, values))


def test_non_contiguous_arrays_pass_as_they_are() -> None:
    values = good()
    values[1] = np.asfortranarray(np.zeros((2, 3), np.int64))
    assert check(PLAN, values)["ids"] is values[1]  # ONNX Runtime copies what it needs


def test_dtype_objects_are_cached() -> None:
    assert all(isinstance(d, np.dtype) for d in DTYPES.values())
    assert DTYPES["FLOAT"] is compile_plan([Spec("a", "tensor(float)", "FLOAT", None)])[0][2]


@pytest.mark.parametrize(
    ("index", "value", "kind", "message"),
    [
        (0, None, "missing", 'input "x": missing: expected float[batch,2], got nothing'),
        (0, [[0.0, 0.0]], "type", 'input "x": type: expected tensor, got list'),
        (0, np.float32(1), "type", 'input "x": type: expected tensor, got float32'),
        (0, np.zeros((2, 2), np.float64), "type", 'input "x": type: expected float, got double'),
        (0, np.zeros((2, 2), ">f4"), "type", 'input "x": type: expected float, got >f4'),
        (0, np.zeros((2, 2), "<U1"), "type", 'input "x": type: expected float, got string'),
        (0, np.zeros((2, 2), object), "type", 'input "x": type: expected float, got object'),
        (0, np.zeros(2, np.float32), "rank", 'input "x": rank: expected rank 2 [batch,2], got rank 1 [2]'),
        (0, np.zeros((2, 5), np.float32), "dim", 'input "x": dim: expected dim 1 = 2, got 5 (shape [2,5])'),
        (
            2,
            np.ones((2, 4), np.int64),
            "symbol",
            'input "mask": symbol: expected dim 1 (sequence) = 3, as bound by "ids", got 4 (shape [2,4])',
        ),
        (
            2,
            np.ones((3, 3), np.int64),
            "symbol",
            'input "mask": symbol: expected dim 0 (batch) = 2, as bound by "x", got 3 (shape [3,3])',
        ),
        (3, np.zeros((2, 2), np.int32), "type", 'input "words": type: expected string, got int32'),
        (3, np.zeros((2, 2), "S1"), "type", 'input "words": type: expected string, got |S1'),
        (
            3,
            np.array([["a", "b", "c"]] * 2),
            "symbol",
            'input "words": symbol: expected dim 1 (n) = 2, as bound by "words", got 3 (shape [2,3])',
        ),
        (
            3,
            np.array([["a", None], ["c", 5]], dtype=object),
            "value",
            'input "words": value: expected strings, got NoneType at element 1',
        ),
        (3, np.array([["a", "b"], ["c", b"d"]], dtype=object), "value",
         'input "words": value: expected strings, got bytes at element 3'),
    ],
)
def test_each_error_kind_and_message(index: int, value: Any, kind: str, message: str) -> None:
    """docs/errors.md: the kinds, the expected/actual texts and the message format."""
    values = good()
    values[index] = value
    e = error(values)
    assert (e.kind, e.input, str(e)) == (kind, SPECS[index].name, message)
    assert str(e) == f'input "{e.input}": {e.kind}: expected {e.expected}, got {e.actual}'
    assert isinstance(e, ValueError) and e.got == e.actual


def test_object_string_arrays_are_never_cast() -> None:
    """Issue 10 #15: ONNX Runtime would feed ['a', 'None', '5']; the SDK refuses instead."""
    plan = compile_plan([Spec("s", "tensor(string)", "STRING", (3,))])
    e = error([np.array(["a", None, 5], dtype=object)], plan)
    assert (e.kind, e.expected, e.actual) == ("value", "strings", "NoneType at element 1")
    assert error([np.array(["a", "b", 5], dtype=object)], plan).actual == "int at element 2"
    # str subclasses (numpy.str_) are strings; NUL bytes are kept as they are
    check(plan, [np.array(["a", np.str_("b"), "c\x00d"], dtype=object)])


def test_names_are_quoted_as_json_strings() -> None:
    name = 'a"b\\c\n\x01\u2028é日本'
    plan = compile_plan([Spec(name, "tensor(float)", "FLOAT", (1,))])
    e = error([None], plan)
    assert e.input == name
    assert str(e) == 'input "a\\"b\\\\c\\u000a\\u0001\\u2028é日本": missing: expected float[1], got nothing'

def test_exact_shape_errors_name_rank_or_dim() -> None:
    plan = compile_plan([Spec("f", "tensor(float)", "FLOAT", (3, 2))])
    assert error([np.zeros((3,), np.float32)], plan).kind == "rank"
    e = error([np.zeros((3, 4), np.float32)], plan)
    assert (e.kind, e.expected, e.actual) == ("dim", "dim 1 = 2", "4 (shape [3,4])")


def test_within_an_input_fixed_dims_before_symbols() -> None:
    # axis 0 breaks the batch binding and axis 1 a fixed dim: the contract checks every
    # fixed dim first, so the dim is reported
    plan = compile_plan(
        [Spec("a", "tensor(float)", "FLOAT", ("b",)), Spec("c", "tensor(float)", "FLOAT", ("b", 2))]
    )
    e = error([np.zeros(2, np.float32), np.zeros((3, 5), np.float32)], plan)
    assert (e.kind, e.expected) == ("dim", "dim 1 = 2")
    e = error([np.zeros(2, np.float32), np.zeros((3, 2), np.float32)], plan)
    assert (e.kind, e.expected) == ("symbol", 'dim 0 (b) = 2, as bound by "a"')


def test_inputs_in_signature_order_and_checks_in_contract_order() -> None:
    values = good()
    values[1], values[3] = np.zeros((2, 3), np.int32), None  # a type error before a missing one
    assert (error(values).kind, error(values).input) == ("type", "ids")
    values = good()
    values[3] = np.array([None], dtype=object)  # rank before value
    assert error(values).kind == "rank"


def test_unknown_rank_takes_any_shape_and_unknown_dims_any_size() -> None:
    plan = compile_plan([Spec("a", "tensor(float)", "FLOAT", None), Spec("b", "tensor(float)", "FLOAT", (None, 2))])
    for shape in ((), (5,), (1, 2, 3)):
        check(plan, [np.zeros(shape, np.float32), np.zeros((7, 2), np.float32)])


def test_strings_accept_unicode_and_object_arrays() -> None:
    values = good()
    values[3] = np.array([["a", "b"], ["c", "d"]], dtype=object)
    check(PLAN, values)


def test_sequences_maps_and_optionals() -> None:
    plan = compile_plan(
        [
            Spec("s", "seq(tensor(float))", type="seq(float[*])"),
            Spec("m", "map(int64,tensor(float))", type="map(int64,float[])"),
            Spec("o", "optional(tensor(float))", type="optional(float[*])"),
        ]
    )
    feeds = check(plan, [[np.zeros(1, np.float32)], {1: np.zeros(1, np.float32)}, None])
    assert list(feeds) == ["s", "m"]  # an absent optional is not fed
    e = error([(), {}, None], plan)
    assert (e.kind, e.expected, e.actual) == ("type", "sequence", "tuple")
    e = error([[], [], None], plan)
    assert (e.kind, e.expected, e.actual) == ("type", "map", "list")
    e = error([None, {}, None], plan)
    assert (e.kind, e.expected, e.actual) == ("missing", "seq(float[*])", "nothing")


def test_sequence_elements_are_checked() -> None:
    plan = compile_plan([Spec("s", "seq(tensor(float))"), Spec("t", "seq(tensor(string))")])
    words = [np.array(["a"])]
    check(plan, [[], words])
    for items, actual in (
        ([np.zeros(1, np.float32), None], "NoneType at element 1"),
        ([np.zeros(1, np.float64)], "double at element 0"),
        ([[1.0]], "list at element 0"),
    ):
        e = error([items, words], plan)
        assert (e.kind, e.input, e.expected, e.actual) == ("value", "s", "numpy arrays of float", actual)
    e = error([[], [np.array(["a", 1], dtype=object)]], plan)
    assert (e.kind, e.expected, e.actual) == ("value", "numpy arrays of string", "object at element 0")


def test_order_maps_names_to_values_and_refuses_unknown_names() -> None:
    values = good()
    feeds = dict(zip((s.name for s in SPECS), values))
    assert order(PLAN, feeds) == values
    assert order(PLAN, {"x": values[0]})[1:] == [None, None, None]
    with pytest.raises(ModelInputError) as e:
        order(PLAN, {**feeds, "zz": 1, "extra": 2})
    assert (e.value.kind, e.value.input, e.value.expected, e.value.actual) == (
        "unknown", "extra", 'one of "x", "ids", "mask", "words"', '"extra"')
    assert str(e.value) == 'input "extra": unknown: expected one of "x", "ids", "mask", "words", got "extra"'
    with pytest.raises(ModelInputError, match='expected no inputs, got "a"'):
        order(compile_plan([]), {"a": 1})


def test_str_arrays_with_inner_nuls_go_as_objects() -> None:
    """ONNX Runtime ends a str_ element at its first NUL; an object array keeps the whole str."""
    plan = compile_plan([Spec("s", "tensor(string)", "STRING", None), Spec("q", "seq(tensor(string))")])
    plain = np.array(["ab", "c"])
    nul = np.array([["a\x00b", "c"], ["", "\x00d"]])
    feeds = check(plan, [plain, [plain, nul]])
    assert feeds["s"] is plain and feeds["q"][0] is plain  # nothing to change: as they are
    feeds = check(plan, [nul, [plain, nul]])
    assert feeds["s"].dtype == object and feeds["s"].tolist() == nul.tolist()
    assert feeds["q"][0] is plain and feeds["q"][1].dtype == object and feeds["q"][1].tolist() == nul.tolist()
    assert check(plan, [np.array(["a\x00"]), []])["s"].dtype.kind == "U"  # numpy dropped the NUL already


class _Sub(np.ndarray):
    pass


def test_compiled_check_agrees_with_the_reference_on_every_combination() -> None:
    """The function compiled per model accepts, feeds and refuses exactly what the reference
    walk does: every kind of input, each with good and bad values, in all combinations."""
    plan = compile_plan(
        [
            Spec("a", "tensor(float)", "FLOAT", ("b", 2)),  # binds b
            Spec("e", "tensor(int64)", "INT64", (3, 2)),  # exact shape
            Spec("s", "tensor(string)", "STRING", ("b", "n")),  # binds n
            Spec("c", "tensor(float)", "FLOAT", ("n", "b", None)),  # links to a string input
            Spec("u", "tensor(double)", "DOUBLE", None),  # rank unknown
            Spec("q", "seq(tensor(string))"),
            Spec("o", "optional(tensor(float))", type="optional(float[*])"),
            Spec("m", "map(int64,tensor(float))", type="map(int64,float[])"),
        ]
    )
    f32, i64, f64 = np.float32, np.int64, np.float64
    candidates: list[list[Any]] = [
        [np.zeros((2, 2), f32), np.zeros((3, 2), f32), np.zeros((2, 3), f32), np.zeros((2, 2), ">f4"),
         np.zeros(2, f32), None, [[0.0, 0.0]], np.zeros((2, 2), f32).T, np.zeros((2, 2), f32).view(_Sub),
         np.zeros((2, 2), np.dtype(f32, metadata={"equal": "not the same object"}))],
        [np.zeros((3, 2), i64), np.zeros((2, 3), i64), np.zeros((3, 2), np.int32), np.zeros((3, 2, 1), i64), None],
        [np.array([["x", "y", "z"]] * 2), np.array([["x", "y"]] * 2), np.array([["a\x00b", "c", ""]] * 2),
         np.array([["x", None, "z"]] * 2, dtype=object), np.array([["x"] * 3] * 3), np.zeros((2, 3), "S1"), "x"],
        [np.zeros((3, 2, 5), f32), np.zeros((2, 2, 5), f32), np.zeros((3, 3, 1), f32), np.zeros((3, 2), f32)],
        [np.zeros((), f64), np.zeros((1, 2, 3, 4), f64), np.zeros(1, f32), 1.0],
        [[], [np.array(["a\x00b"]), np.array(["c"])], [np.array([1.0])], (np.array(["a"]),), None],
        [None, np.zeros(1, f32), "anything"],
        [{1: np.zeros(1, f32)}, [], None],
    ]
    compiled = compile_check(plan)
    base = [c[0] for c in candidates]
    seen = {"ok": 0, "error": 0}
    # every value of every input against the good values of the others, and pairs of inputs
    for i, ci in enumerate(candidates):
        for x in ci:
            for j, cj in enumerate(candidates):
                for y in cj if j > i else cj[:1]:
                    values = list(base)
                    values[i], values[j] = x, y
                    ref = outcome(plan, values)
                    try:
                        got: dict[str, Any] | ModelInputError = compiled(tuple(values))
                    except ModelInputError as e:
                        got = e
                    assert same(ref, got), (i, j, ref, got)
                    seen["error" if isinstance(ref, ModelInputError) else "ok"] += 1
    assert seen["ok"] > 20 and seen["error"] > 200, seen


def test_compiled_check_source_holds_no_model_text() -> None:
    """Names (any text) are bound as variables, never written into the compiled source."""
    name = 'x"\'\n\\); import os; ("'
    fn = compile_check(compile_plan([Spec(name, "tensor(float)", "FLOAT", ("b", 2)),
                                     Spec(name + "2", "tensor(float)", "FLOAT", (3,))]))
    assert list(fn((np.zeros((1, 2), np.float32), np.zeros(3, np.float32)))) == [name, name + "2"]
    with pytest.raises(ModelInputError) as e:
        fn((np.zeros((1, 3), np.float32), np.zeros(3, np.float32)))
    assert e.value.input == name
    assert all(name not in str(c) for c in fn.__code__.co_consts)


def test_compiled_check_without_inputs() -> None:
    assert compile_check(compile_plan([]))(()) == {}
