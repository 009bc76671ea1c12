"""Build the small models the Java runtime's own tests load with real ONNX Runtime.

    python tests/models/make_runtime_models.py [OUT_DIR]   (default: tests/models/runtime)

* ``echo.onnx``: ``x`` float[n], ``h`` float16[n], ``s`` string[n] -> ``y``, ``hy``, ``sy`` (Identity):
  what a run hands ONNX Runtime comes back bit for bit (byte order, null strings).
* ``matmul.onnx``: ``x`` float[n,n] -> ``y`` = x^7 by six chained MatMuls: runs long enough to be
  in flight while another thread closes the model.
* ``types.onnx``: one input of every element type the Java runtime binds to its own buffers
  (float, double, int64, int32, int16, int8, uint8, bool, float16, bfloat16), each ``[n]``, and its
  Identity output declared ``[n]``: every output is pre-bound and must come back bit for bit.
* ``lying.onnx``: ``x`` float[n] -> ``y`` = Concat(x, x), declared float[n] (it is [2n]), and
  ``transposed.onnx``: ``x`` float[a,b] -> ``y`` = Transpose(x), declared float[a,b] (same count,
  other shape): outputs bound to the declared shape fail, the runtime must run them unbound.
* ``passthrough.onnx``: ``x`` float[n] -> ``y`` = Neg(x) and ``x`` itself (a graph output that is a
  graph input): ONNX Runtime leaves a pre-bound output of that kind unwritten, without an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

vi = helper.make_tensor_value_info


def _save(path: Path, nodes: list[onnx.NodeProto], ins: list[onnx.ValueInfoProto],
          outs: list[onnx.ValueInfoProto]) -> None:
    m = helper.make_model(helper.make_graph(nodes, path.stem, ins, outs),
                          opset_imports=[helper.make_opsetid("", 13)], producer_name="sdkgen-tests")
    m.ir_version = 8
    onnx.checker.check_model(m)
    path.write_bytes(m.SerializeToString())


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _save(out / "echo.onnx",
          [helper.make_node("Identity", [a], [b]) for a, b in (("x", "y"), ("h", "hy"), ("s", "sy"))],
          [vi("x", TensorProto.FLOAT, ["n"]), vi("h", TensorProto.FLOAT16, ["n"]), vi("s", TensorProto.STRING, ["n"])],
          [vi("y", TensorProto.FLOAT, ["n"]), vi("hy", TensorProto.FLOAT16, ["n"]), vi("sy", TensorProto.STRING, ["n"])])
    names = ["x", *(f"p{i}" for i in range(1, 6)), "y"]
    _save(out / "matmul.onnx",
          [helper.make_node("MatMul", [names[i], "x"], [names[i + 1]]) for i in range(6)],
          [vi("x", TensorProto.FLOAT, ["n", "n"])], [vi("y", TensorProto.FLOAT, ["n", "n"])])
    types = [("f", TensorProto.FLOAT), ("d", TensorProto.DOUBLE), ("l", TensorProto.INT64),
             ("i", TensorProto.INT32), ("s", TensorProto.INT16), ("b", TensorProto.INT8),
             ("u", TensorProto.UINT8), ("o", TensorProto.BOOL), ("h", TensorProto.FLOAT16),
             ("bh", TensorProto.BFLOAT16)]
    _save(out / "types.onnx", [helper.make_node("Identity", [n], [f"{n}y"]) for n, _ in types],
          [vi(n, t, ["n"]) for n, t in types], [vi(f"{n}y", t, ["n"]) for n, t in types])
    _save(out / "lying.onnx", [helper.make_node("Concat", ["x", "x"], ["y"], axis=0)],
          [vi("x", TensorProto.FLOAT, ["n"])], [vi("y", TensorProto.FLOAT, ["n"])])
    _save(out / "passthrough.onnx", [helper.make_node("Neg", ["x"], ["y"])], [vi("x", TensorProto.FLOAT, ["n"])],
          [vi("y", TensorProto.FLOAT, ["n"]), vi("x", TensorProto.FLOAT, ["n"])])
    _save(out / "transposed.onnx", [helper.make_node("Transpose", ["x"], ["y"])],
          [vi("x", TensorProto.FLOAT, ["a", "b"])], [vi("y", TensorProto.FLOAT, ["a", "b"])])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "runtime")
