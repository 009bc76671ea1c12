"""The errors every model of an SDK raises: one set of types shared by all models."""

from __future__ import annotations

from typing import Final, Literal, get_args

#: What went wrong, the same set in every sdkgen language (issue 10's error contract).
Kind = Literal[
    "missing",  # a required input was not given (or was None)
    "unknown",  # a name (or positional value) the model has no input for
    "type",  # not a numpy array, wrong dtype, not a list/dict for a sequence/map
    "rank",  # the array's rank differs from the model's
    "dim",  # a dimension the model fixes has another size
    "symbol",  # a symbolic dimension differs from where it was bound first
    "length",  # data length does not match the shape (not raised by Python)
    "shape",  # a shape that cannot be (not raised by Python)
    "value",  # a value the model cannot take
    "closed",  # the model was closed (ModelClosedError)
]
KINDS: Final[tuple[str, ...]] = get_args(Kind)


class ModelInputError(ValueError):
    """An input did not match the model's signature; raised before ONNX Runtime runs.

    ``kind`` says what was wrong (see :data:`Kind`), ``input`` is the model's
    (wire) name of the input, ``expected`` and ``actual`` describe the mismatch.
    The model stays usable.
    """

    def __init__(
        self, kind: Kind, input: str, expected: str, actual: str, message: str = ""
    ) -> None:
        self.kind: Kind = kind
        self.input = input
        self.expected = expected
        self.actual = actual
        super().__init__(
            message or f"input {input!r}: expected {expected}, got {actual}"
        )

    @property
    def got(self) -> str:
        """The same as :attr:`actual` (its earlier name)."""
        return self.actual

    def __reduce__(self) -> tuple[type[ModelInputError], tuple[str, ...]]:
        return type(self), (
            self.kind,
            self.input,
            self.expected,
            self.actual,
            str(self),
        )


class ModelClosedError(RuntimeError):
    """The model was used after :meth:`close`."""

    kind: Final = "closed"

    def __init__(self) -> None:
        super().__init__("the model is closed")

    def __reduce__(self) -> tuple[type[ModelClosedError], tuple[()]]:
        return type(self), ()


class SignatureMismatchError(RuntimeError):
    """The model loaded at run time does not match the one the SDK was generated from."""
