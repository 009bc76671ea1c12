"""Read ONNX backend-test values (input_I.pb / output_I.pb) into what ONNX Runtime's Python API uses.

TensorProto -> numpy array, SequenceProto -> list, MapProto -> dict, OptionalProto -> value or None.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import onnx
from onnx import numpy_helper


def to_python(msg: Any) -> Any:
    if isinstance(msg, onnx.TensorProto):
        return numpy_helper.to_array(msg)
    if isinstance(msg, onnx.SequenceProto):
        return [to_python(x) for x in _seq_items(msg)]
    if isinstance(msg, onnx.MapProto):
        return numpy_helper.to_dict(msg)
    if isinstance(msg, onnx.OptionalProto):
        return numpy_helper.to_optional(msg)
    raise TypeError(type(msg))


def _seq_items(seq: onnx.SequenceProto) -> list[Any]:
    if seq.elem_type == onnx.SequenceProto.TENSOR:
        return list(seq.tensor_values)
    if seq.elem_type == onnx.SequenceProto.SEQUENCE:
        return list(seq.sequence_values)
    if seq.elem_type == onnx.SequenceProto.MAP:
        return list(seq.map_values)
    return list(seq.optional_values)


def load(path: Path, ort_type: str) -> Any:
    """Load one value file; ``ort_type`` (e.g. ``seq(tensor(float))``) says which message it is."""
    data = path.read_bytes()
    msg: Any
    if ort_type.startswith("seq("):
        msg = onnx.SequenceProto()
    elif ort_type.startswith("map("):
        msg = onnx.MapProto()
    elif ort_type.startswith("optional("):
        msg = onnx.OptionalProto()
    else:
        msg = onnx.TensorProto()
    msg.ParseFromString(data)
    return to_python(msg)
