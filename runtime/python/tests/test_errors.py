"""The error contract (issue 10): kind, input, expected, actual; one type per failure family."""

from __future__ import annotations

import pickle

import pytest
from sdkgen_runtime import ModelClosedError, ModelInputError, SignatureMismatchError
from sdkgen_runtime.errors import KINDS


def test_kinds_are_the_cross_language_set() -> None:
    assert KINDS == ("missing", "unknown", "type", "rank", "dim", "symbol", "length", "shape", "value", "closed")


def test_input_error_fields_and_default_message() -> None:
    e = ModelInputError("rank", "x", "rank 2 [batch, 2]", "rank 1 [3]")
    assert (e.kind, e.input, e.expected, e.actual, e.got) == ("rank", "x", "rank 2 [batch, 2]", "rank 1 [3]",
                                                            "rank 1 [3]")
    assert str(e) == "input 'x': expected rank 2 [batch, 2], got rank 1 [3]"
    assert isinstance(e, ValueError)
    assert str(ModelInputError("dim", "x", "a", "b", "custom")) == "custom"


@pytest.mark.parametrize("error", [ModelClosedError(), SignatureMismatchError("drift")])
def test_lifecycle_errors_are_runtime_errors(error: Exception) -> None:
    assert isinstance(error, RuntimeError)
    assert ModelClosedError.kind == "closed"


def test_errors_survive_pickling() -> None:
    # e.g. raised in a multiprocessing pool's worker
    e = pickle.loads(pickle.dumps(ModelInputError("dim", "x", "dim 1 = 2", "5", "input 'x' dim 1 is 5")))
    assert (type(e), e.kind, e.input, e.expected, e.actual, str(e)) == (
        ModelInputError, "dim", "x", "dim 1 = 2", "5", "input 'x' dim 1 is 5")
    assert str(pickle.loads(pickle.dumps(ModelClosedError()))) == "the model is closed"
    assert str(pickle.loads(pickle.dumps(SignatureMismatchError("drift")))) == "drift"
