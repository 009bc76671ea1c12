"""bfloat16 and float8 (ml_dtypes arrays) through real ONNX Runtime: ORT's Python API takes and
returns neither as numpy arrays, so the runtime feeds their bits as OrtValues of the ONNX type and
copies the outputs' bits back. Identity must give back the very bits; Cast must equal raw ORT,
read independently through an output bound to our own buffer (IOBinding)."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from sdkgen_runtime import Model, ModelInputError, Spec

TYPES = {
    "BFLOAT16": (TensorProto.BFLOAT16, ml_dtypes.bfloat16, np.uint16),
    "FLOAT8E4M3FN": (TensorProto.FLOAT8E4M3FN, ml_dtypes.float8_e4m3fn, np.uint8),
    "FLOAT8E4M3FNUZ": (TensorProto.FLOAT8E4M3FNUZ, ml_dtypes.float8_e4m3fnuz, np.uint8),
    "FLOAT8E5M2": (TensorProto.FLOAT8E5M2, ml_dtypes.float8_e5m2, np.uint8),
    "FLOAT8E5M2FNUZ": (TensorProto.FLOAT8E5M2FNUZ, ml_dtypes.float8_e5m2fnuz, np.uint8),
}


def _model(elem: int, to: int) -> bytes:
    """y = Identity(x): elem -> elem; f = Cast(x, to=float) and c = Cast(f32, to=elem)."""
    g = helper.make_graph(
        [
            helper.make_node("Identity", ["x"], ["y"]),
            helper.make_node("Cast", ["x"], ["f"], to=TensorProto.FLOAT),
            helper.make_node("Cast", ["f32"], ["c"], to=to),
        ],
        "raw",
        [helper.make_tensor_value_info("x", elem, None), helper.make_tensor_value_info("f32", TensorProto.FLOAT, None)],
        [
            helper.make_tensor_value_info("y", elem, None),
            helper.make_tensor_value_info("f", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("c", elem, None),
        ],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
    return m.SerializeToString()


def _specs(name: str) -> tuple[tuple[Spec, ...], tuple[Spec, ...]]:
    t = f"tensor({name.lower()})"
    return (
        (Spec("x", t, name, None), Spec("f32", "tensor(float)", "FLOAT", None)),
        (Spec("y", t, name, None), Spec("f", "tensor(float)", "FLOAT", None), Spec("c", t, name, None)),
    )


def _raw_cast(data: bytes, f32: np.ndarray, elem: int, bits: Any) -> np.ndarray:
    """Raw ORT's Cast output bits, written by ORT into a buffer we own."""
    s = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    x = np.zeros(0, bits)
    out = np.zeros(f32.shape, bits)
    io = s.io_binding()
    io.bind_ortvalue_input("x", ort.OrtValue.ortvalue_from_numpy_with_onnx_type(x, elem))
    io.bind_ortvalue_input("f32", ort.OrtValue.ortvalue_from_numpy(f32))
    io.bind_output("y", "cpu")
    io.bind_output("f", "cpu")
    io.bind_ortvalue_output("c", ort.OrtValue.ortvalue_from_numpy_with_onnx_type(out, elem))
    s.run_with_iobinding(io)
    return out


@pytest.mark.parametrize("name", list(TYPES))
def test_round_trip_bits(name: str) -> None:
    elem, dtype, bits = TYPES[name]
    data = _model(elem, elem)
    inputs, outputs = _specs(name)
    every = np.arange(np.iinfo(bits).max + 1 if bits == np.uint8 else 4096, dtype=bits)  # all fp8 bit patterns
    with Model(data, inputs, outputs, intra_op_threads=1) as m:
        for x in (every.view(dtype), every.view(dtype).reshape(-1, 4).T, every.view(dtype)[::3],
                  np.array(1.5, dtype), np.zeros((0, 3), dtype)):
            f32 = np.linspace(-3, 3, 11, dtype=np.float32)
            y, f, c = m.run_positional(x, f32)
            assert y.dtype == dtype and f.dtype == np.float32 and c.dtype == dtype
            assert y.shape == x.shape and np.array_equal(y.view(bits), x.view(bits))  # the very bits
            finite = np.isfinite(x.astype(np.float32))
            np.testing.assert_array_equal(f[finite], x.astype(np.float32)[finite])
            assert np.array_equal(c.view(bits), _raw_cast(data, f32, elem, bits))
        # never a cast: the bits dtype or float32 is a type error naming the ONNX types
        for wrong, given in ((every, np.dtype(bits).name), (every.astype(np.float32), "float")):
            with pytest.raises(ModelInputError) as e:
                m.run_positional(wrong, np.zeros(1, np.float32))
            assert (e.value.kind, e.value.expected, e.value.actual) == ("type", name.lower(), given)
