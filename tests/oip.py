"""A raw Open Inference Protocol v2 client for tests (no SDK): the stubs sdkgen generates
(generator/remote/stubs.py) imported from a temporary package, plus the raw encodings."""

from __future__ import annotations

import importlib
import struct
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from generator.remote import stubs

OIP_NP = {"BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
          "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64, "FP16": np.float16,
          "FP32": np.float32, "FP64": np.float64}


def load(tmp: Path, package: str = "oip_test_stubs") -> tuple[ModuleType, ModuleType]:
    """(messages, service) modules of the generated stubs."""
    d = tmp / package
    d.mkdir(parents=True, exist_ok=True)
    (d / "__init__.py").write_text("")
    for name, data in stubs.python().items():
        (d / name).write_bytes(data)
    sys.path.insert(0, str(tmp))
    try:
        pb = importlib.import_module(f"{package}.grpc_predict_v2_pb2")
        pbg = importlib.import_module(f"{package}.grpc_predict_v2_pb2_grpc")
    finally:
        sys.path.remove(str(tmp))
    return pb, pbg


def encode(dt: str, arr: np.ndarray[Any, Any]) -> bytes:
    if dt == "BYTES":
        parts = []
        for x in arr.ravel():
            b = x.encode("utf-8") if isinstance(x, str) else bytes(x)
            parts.append(struct.pack("<I", len(b)) + b)
        return b"".join(parts)
    return np.ascontiguousarray(arr, dtype=np.dtype(OIP_NP[dt]).newbyteorder("<")).tobytes()


def decode(dt: str, raw: bytes, shape: list[int]) -> np.ndarray[Any, Any]:
    if dt == "BYTES":
        vals, off = [], 0
        while off < len(raw):
            (n,) = struct.unpack_from("<I", raw, off)
            vals.append(raw[off + 4: off + 4 + n].decode("utf-8"))
            off += 4 + n
        return np.array(vals, dtype=object).reshape(shape)
    return np.frombuffer(raw, dtype=np.dtype(OIP_NP[dt]).newbyteorder("<")).reshape(shape)
