"""The remote backend's wire codec and signature comparison (no gRPC), and its error types."""

from __future__ import annotations

import pickle
import struct
import sys
from typing import Any

import ml_dtypes
import numpy as np
import pytest
from sdkgen_runtime import SignatureMismatchError, Spec
from sdkgen_runtime.remote import codec
from sdkgen_runtime.remote.errors import (
    REMOTE_KINDS,
    RemoteCancelledError,
    RemoteDeadlineError,
    RemoteError,
    RemoteServerError,
    RemoteSignatureError,
    RemoteUnavailableError,
    from_status,
)


@pytest.mark.parametrize(
    ("elem", "value"),
    [
        ("FLOAT", np.array([[1.5, -0.0], [np.inf, np.nan]], np.float32)),
        ("DOUBLE", np.array([1e300, -1e-300], np.float64)),
        ("FLOAT16", np.array([65504, -6e-8, 1 / 3], np.float16)),
        ("INT8", np.array([-128, 127], np.int8)),
        ("INT16", np.array([-32768, 32767], np.int16)),
        ("INT32", np.array([[-(2**31), 2**31 - 1]], np.int32)),
        ("INT64", np.array([-(2**63), 2**63 - 1], np.int64)),
        ("UINT8", np.array([0, 255], np.uint8)),
        ("UINT16", np.array([0, 65535], np.uint16)),
        ("UINT32", np.array([0, 2**32 - 1], np.uint32)),
        ("UINT64", np.array([0, 2**64 - 1], np.uint64)),
        ("BOOL", np.array([[True, False, True]])),
        ("BFLOAT16", np.array([1.5, -3.0, 1e38], ml_dtypes.bfloat16)),
        ("FLOAT", np.zeros((0, 3), np.float32)),
        ("INT64", np.array(7, np.int64)),
    ],
)
def test_numeric_round_trip_is_little_endian_row_major(
    elem: str, value: np.ndarray[Any, Any]
) -> None:
    raw = codec.encode(elem, value)
    assert len(raw) == value.size * value.dtype.itemsize
    first = value.ravel()[:1]
    if value.size and elem not in ("BFLOAT16", "BOOL"):
        assert raw[: value.dtype.itemsize] == first.astype(first.dtype.newbyteorder("<")).tobytes()
    got = codec.decode(elem, raw, value.shape)
    assert got.dtype == value.dtype and got.shape == value.shape
    assert got.flags.writeable and got.flags.c_contiguous
    assert got.tobytes() == value.tobytes()  # bit for bit, NaN included


def test_non_contiguous_inputs_are_sent_row_major() -> None:
    a = np.arange(12, dtype=np.int32).reshape(3, 4).T
    assert codec.encode("INT32", a) == np.ascontiguousarray(a).tobytes()


def test_bool_decoding_takes_any_nonzero_byte() -> None:
    got = codec.decode("BOOL", bytes([0, 1, 2, 255]), (4,))
    assert got.tolist() == [False, True, True, True]


def test_bytes_elements_are_length_prefixed_utf8() -> None:
    value = np.array([["", "h\u00e9"], ["a\x00b", "\U0001f600"]], dtype=object)
    raw = codec.encode("STRING", value)
    assert raw[:4] == b"\0\0\0\0" and raw[4:8] == struct.pack("<I", 3) and raw[8:11] == "h\u00e9".encode()
    got = codec.decode("STRING", raw, (2, 2))
    assert got.dtype == object and got.tolist() == value.tolist()
    assert codec.encode("STRING", np.array(["ab", "c"])) == b"\2\0\0\0ab\1\0\0\0c"  # numpy str_
    with pytest.raises(UnicodeEncodeError):
        codec.encode("STRING", np.array(["\ud800"], dtype=object))


@pytest.mark.parametrize(
    ("elem", "raw", "shape", "why"),
    [
        ("FLOAT", b"\0" * 7, (2,), "7 bytes of raw contents for 2 elements of 4 byte(s)"),
        ("STRING", b"\1\0\0", (1,), "end inside an element's length"),
        ("STRING", b"\5\0\0\0ab", (1,), "element 0 of 5 bytes passes the end"),
        ("STRING", b"\1\0\0\0a", (2,), "1 BYTES elements for shape [2]"),
        ("STRING", b"\1\0\0\0\xff", (1,), "element 0 is not UTF-8"),
    ],
)
def test_malformed_contents_are_decode_errors(elem: str, raw: bytes, shape: tuple[int, ...], why: str) -> None:
    import re

    with pytest.raises(codec.DecodeError, match=re.escape(why)):
        codec.decode(elem, raw, shape)


def test_typed_contents_fallback() -> None:
    from types import SimpleNamespace

    contents = SimpleNamespace(fp32_contents=[1.0, 2.5], bytes_contents=[b"x", "\u00e9".encode()], int_contents=[1, -2])
    assert codec.decode_contents("FLOAT", "FP32", contents, (2, 1)).tolist() == [[1.0], [2.5]]
    assert codec.decode_contents("STRING", "BYTES", contents, (2,)).tolist() == ["x", "\u00e9"]
    assert codec.decode_contents("INT16", "INT16", contents, (2,)).dtype == np.int16
    with pytest.raises(codec.DecodeError, match="2 fp32_contents values for shape"):
        codec.decode_contents("FLOAT", "FP32", contents, (3,))
    with pytest.raises(codec.DecodeError, match="FP16 tensor without raw contents"):
        codec.decode_contents("FLOAT16", "FP16", contents, (2,))


SPECS = (
    Spec("ids", "tensor(int64)", "INT64", ("batch", 4)),
    Spec("s", "tensor(string)", "STRING", ()),
    Spec("any", "tensor(float)", "FLOAT", None),
)


def test_signatures_match_by_name_with_variable_and_scalar_dims() -> None:
    served = [("any", "FP32", [2, 2, 2]), ("s", "BYTES", [1]), ("ids", "INT64", [-1, -1])]
    problems, as_one = codec.compare("input", SPECS, served)
    assert problems == [] and as_one == {"s"}
    assert codec.compare("input", SPECS, [("ids", "INT64", [-1, 4]), ("s", "BYTES", []), ("any", "FP32", [])]) == (
        [], frozenset())


def test_signature_mismatches_are_named() -> None:
    served = [("ids", "INT32", [2, 4]), ("s", "BYTES", [2]), ("extra", "FP32", [1])]
    problems, _ = codec.compare("input", SPECS, served)
    assert problems == [
        'input "ids": datatype INT32 on the server, INT64 in the SDK',
        'input "ids": shape [2,4] on the server, [batch,4] in the SDK',
        'input "s": shape [2] on the server, [] in the SDK',
        'input "any" is not served',
        'input "extra" is served but not in the SDK',
    ]
    problems, _ = codec.compare("output", SPECS[:1], [("ids", "INT64", [-1, 5])])
    assert problems == ['output "ids": shape [-1,5] on the server, [batch,4] in the SDK']


def test_remote_errors_carry_their_fields_and_pickle() -> None:
    assert REMOTE_KINDS == ("unavailable", "deadline", "cancelled", "server", "signature")
    for code, cls in [("UNAVAILABLE", RemoteUnavailableError), ("DEADLINE_EXCEEDED", RemoteDeadlineError),
                      ("CANCELLED", RemoteCancelledError), ("INTERNAL", RemoteServerError),
                      ("INVALID_ARGUMENT", RemoteServerError)]:
        e = from_status("h:1", 'm"x', code, "it broke")
        assert type(e) is cls and isinstance(e, RemoteError) and e.code == code
        assert str(e) == f'remote {e.kind}: model "m\\"x" at h:1: {code}: it broke'
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is cls and str(back) == str(e) and back.detail == e.detail
    sig = RemoteSignatureError("h:1", "m", "input \"x\" is not served")
    assert isinstance(sig, SignatureMismatchError) and sig.kind == "signature" and sig.code == ""


def test_the_remote_package_does_not_import_grpc() -> None:
    import importlib

    for mod in [m for m in sys.modules if m == "grpc" or m.startswith("grpc.")]:
        sys.modules.pop(mod)  # pragma: no cover - only if another test imported it
    importlib.reload(importlib.import_module("sdkgen_runtime.remote"))
    assert "grpc" not in sys.modules
