"""The errors every model of an SDK raises: one set of types shared by all models.

Input errors follow sdkgen's one error contract (``docs/errors.md``), worded the same in
the Python, Java and Go SDKs: a ``kind``, the model's ``input`` name, what was
``expected`` and what was given (``actual``), and the message
``input "<name>": <kind>: expected <expected>, got <actual>``.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

#: What went wrong, the same set in every sdkgen language.
Kind = Literal[
    "missing",  # a required input was not given (or was None)
    "unknown",  # a name (or positional value) the model has no input for
    "type",  # wrong element type or value kind (not an array, wrong dtype, not a list)
    "rank",  # the array's rank differs from the model's
    "dim",  # a dimension the model fixes has another size
    "symbol",  # a symbolic dimension differs from where it was bound first
    "length",  # data length does not match the shape (not raised by Python)
    "shape",  # a shape that cannot be (not raised by Python: numpy shapes are valid)
    "value",  # an element the model cannot take (a non-string in a string array)
    "closed",  # the model was closed (ModelClosedError)
]
KINDS: Final[tuple[str, ...]] = get_args(Kind)


def quote(name: str) -> str:
    """``name`` as a JSON string: ``\\`` and ``"`` escaped, every character below
    U+0020 and U+2028/U+2029 as ``\\uXXXX`` (lower-case hex), everything else as is."""
    out = ['"']
    for ch in name:
        if ch == "\\" or ch == '"':
            out.append("\\" + ch)
        elif ch < " " or ch == "\u2028" or ch == "\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class ModelInputError(ValueError):
    """An input did not match the model's signature; raised before ONNX Runtime runs.

    ``kind`` says what was wrong (see :data:`Kind`), ``input`` is the model's
    (wire) name of the input, ``expected`` and ``actual`` describe the mismatch.
    The model stays usable.
    """

    def __init__(self, kind: Kind, input: str, expected: str, actual: str) -> None:
        self.kind: Kind = kind
        self.input = input
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"input {quote(input)}: {kind}: expected {expected}, got {actual}"
        )

    @property
    def got(self) -> str:
        """The same as :attr:`actual` (its earlier name)."""
        return self.actual

    def __reduce__(self) -> tuple[type[ModelInputError], tuple[str, ...]]:
        return type(self), (self.kind, self.input, self.expected, self.actual)


class ModelClosedError(RuntimeError):
    """The model was used after :meth:`close`."""

    kind: Final = "closed"

    def __init__(self) -> None:
        super().__init__("model is closed")

    def __reduce__(self) -> tuple[type[ModelClosedError], tuple[()]]:
        return type(self), ()


class SignatureMismatchError(RuntimeError):
    """The model loaded at run time does not match the one the SDK was generated from."""
