"""The input checks: the compiled plan, every error kind and its message, no casts or copies."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sdkgen_runtime import ModelInputError, Spec
from sdkgen_runtime.checks import DTYPES, check, compile_plan, order

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
        (0, None, "missing", "input 'x': expected a value, got nothing (missing input)"),
        (0, [[0.0, 0.0]], "type", "input 'x': expected numpy.ndarray of float, got list"),
        (
            0,
            np.zeros((2, 2), np.float64),
            "type",
            ("input 'x': expected dtype float32, got float64 (sdkgen never casts; "
            "convert with .astype(numpy.float32))"),
        ),
        (
            0,
            np.zeros((2, 2), ">f4"),
            "type",
            ("input 'x': expected dtype float32, got >f4 (sdkgen never casts; "
            "convert with .astype(numpy.float32))"),
        ),
        (0, np.zeros(2, np.float32), "rank", "input 'x': expected rank 2 [batch, 2], got rank 1 [2]"),
        (
            0,
            np.zeros((2, 5), np.float32),
            "dim",
            "input 'x' dim 1 is 5 but the model fixes it to 2 (expected shape [batch, 2])",
        ),
        (
            2,
            np.ones((2, 4), np.int64),
            "symbol",
            "input 'mask' dim 1 (sequence) is 4 but 'ids' bound sequence=3",
        ),
        (
            2,
            np.ones((3, 3), np.int64),
            "symbol",
            "input 'mask' dim 0 (batch) is 3 but 'x' bound batch=2",
        ),
        (3, np.zeros((2, 2), np.int32), "type", "input 'words': expected dtype str_ or object (strings), got int32"),
        (3, np.array([["a", "b", "c"]] * 2), "symbol", "input 'words' dim 1 (n) is 3 but 'words' bound n=2"),
    ],
)
def test_each_error_kind_and_message(index: int, value: Any, kind: str, message: str) -> None:
    values = good()
    values[index] = value
    e = error(values)
    assert (e.kind, e.input, str(e)) == (kind, SPECS[index].name, message)
    assert isinstance(e, ValueError) and e.got == e.actual


def test_exact_shape_errors_name_rank_or_dim() -> None:
    plan = compile_plan([Spec("f", "tensor(float)", "FLOAT", (3, 2))])
    assert error([np.zeros((3,), np.float32)], plan).kind == "rank"
    e = error([np.zeros((3, 4), np.float32)], plan)
    assert (e.kind, e.expected, e.actual) == ("dim", "dim 1 = 2", "4")


def test_first_mismatch_in_axis_order_like_the_spec() -> None:
    # axis 0 breaks the batch binding and axis 1 a fixed dim: the symbol (axis 0) is reported
    plan = compile_plan(
        [Spec("a", "tensor(float)", "FLOAT", ("b",)), Spec("c", "tensor(float)", "FLOAT", ("b", 2))]
    )
    e = error([np.zeros(2, np.float32), np.zeros((3, 5), np.float32)], plan)
    assert e.kind == "symbol"


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
            Spec("s", "seq(tensor(float))"),
            Spec("m", "map(int64,tensor(float))"),
            Spec("o", "optional(tensor(float))"),
        ]
    )
    feeds = check(plan, [[np.zeros(1, np.float32)], {1: np.zeros(1, np.float32)}, None])
    assert list(feeds) == ["s", "m"]  # an absent optional is not fed
    assert error([(), {}, None], plan).kind == "type"
    assert "list for seq(tensor(float))" in str(error([(), {}, None], plan))
    assert error([[], [], None], plan).kind == "type"
    assert error([None, {}, None], plan).kind == "missing"


def test_order_maps_names_to_values_and_refuses_unknown_names() -> None:
    values = good()
    feeds = dict(zip((s.name for s in SPECS), values))
    assert order(PLAN, feeds) == values
    assert order(PLAN, {"x": values[0]})[1:] == [None, None, None]
    with pytest.raises(ModelInputError, match="unknown input name") as e:
        order(PLAN, {**feeds, "zz": 1, "extra": 2})
    assert (e.value.kind, e.value.input) == ("unknown", "extra")
