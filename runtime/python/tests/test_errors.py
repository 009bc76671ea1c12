"""The error contract (docs/errors.md): kind, input, expected, actual; one message format."""

from __future__ import annotations

import json
import pickle

import pytest
from sdkgen_runtime import ModelClosedError, ModelInputError, SignatureMismatchError
from sdkgen_runtime.errors import KINDS, quote


def test_kinds_are_the_cross_language_set() -> None:
    assert KINDS == ("missing", "unknown", "type", "rank", "dim", "symbol", "length", "shape", "value", "closed")


def test_input_error_fields_and_message() -> None:
    e = ModelInputError("rank", "x", "rank 2 [batch,2]", "rank 1 [3]")
    assert (e.kind, e.input, e.expected, e.actual, e.got) == ("rank", "x", "rank 2 [batch,2]", "rank 1 [3]",
                                                            "rank 1 [3]")
    assert str(e) == 'input "x": rank: expected rank 2 [batch,2], got rank 1 [3]'
    assert isinstance(e, ValueError)


NAMES = ["x", 'q"uote', "back\\slash", "new\nline", "\x00\x1f\x7f", "\u2028\u2029\x85", "é日本\U0001f600", ""]


@pytest.mark.parametrize("name", NAMES)
def test_quote_is_json_with_utf8_kept(name: str) -> None:
    """A JSON string: controls and U+2028/U+2029 as \\uXXXX, the rest (U+007F too) as is."""
    q = quote(name)
    assert json.loads(q) == name
    assert all(ch >= " " and ch not in "\u2028\u2029" for ch in q)
    assert "\x7f" not in name or "\x7f" in q


def test_quote_matches_the_generator_reference() -> None:
    fixtures = pytest.importorskip("generator.fixtures")
    for name in NAMES:
        assert quote(name) == fixtures.quote(name)


def test_lifecycle_errors_are_runtime_errors() -> None:
    for error in (ModelClosedError(), SignatureMismatchError("drift")):
        assert isinstance(error, RuntimeError)
    assert ModelClosedError.kind == "closed"
    assert str(ModelClosedError()) == "model is closed"


def test_errors_survive_pickling() -> None:
    # e.g. raised in a multiprocessing pool's worker
    e = pickle.loads(pickle.dumps(ModelInputError("dim", "x", "dim 1 = 2", "5 (shape [2,5])")))
    assert (type(e), e.kind, e.input, e.expected, e.actual, str(e)) == (
        ModelInputError, "dim", "x", "dim 1 = 2", "5 (shape [2,5])",
        'input "x": dim: expected dim 1 = 2, got 5 (shape [2,5])')
    assert str(pickle.loads(pickle.dumps(ModelClosedError()))) == "model is closed"
    assert str(pickle.loads(pickle.dumps(SignatureMismatchError("drift")))) == "drift"
