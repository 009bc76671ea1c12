"""Java SDKs against real ONNX Runtime under Maven (one reactor): inputs carried via the adapted
embedded model (uint16/32/64 as signed bits, sequences as a List of tensors), a model without
inputs, and an embedded model with external data run from a directory holding a foreign
``weights.bin`` (the CLI inlines the data into the embedded copy)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper, save_model

from generator import reader, writer
from tests import java_tools as E
from tests.check_models import write_all
from tests.sdk import emit_model

pytestmark = pytest.mark.slow
vi = helper.make_tensor_value_info


def _save(path: Path, nodes: list, ins: list, outs: list, opset: int = 17) -> Path:
    m = helper.make_model(helper.make_graph(nodes, path.stem, ins, outs),
                          opset_imports=[helper.make_opsetid("", opset)], ir_version=8)
    path.write_bytes(m.SerializeToString())
    return path


def _module(work: Path, model: Path, name: str, test: str) -> str:
    data = model.read_bytes()
    pkg = f"sdkgen.e2e10.{name.lower()}"
    files = emit_model("java", reader.read_bytes(data), data, name, package=pkg, artifact_id=name.lower())
    mod = work / name.lower()
    writer.write_tree(mod, files, marker=b"{}\n")
    (mod / "src" / "test" / "java" / pkg.replace(".", "/") / f"{name}E2eTest.java").write_text(
        f"package {pkg};\n\n{test}")
    return mod.name


_UINT_TEST = """\
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import org.junit.jupiter.api.Test;
import sdkgen.e2e10.uints.runtime.ModelInputException;

class UintsE2eTest {
  @Test
  void unsignedInputsReachTheModelAsTheirUnsignedValues() {
    try (Uints m = Uints.create()) {
      short[] a = {-1, 0, 1, Short.MAX_VALUE, Short.MIN_VALUE};
      IntBuffer b = ByteBuffer.allocateDirect(20).order(ByteOrder.BIG_ENDIAN).asIntBuffer();
      b.put(new int[] {-1, 0, 7, Integer.MAX_VALUE, Integer.MIN_VALUE}).flip();
      long[] c = {-1L, 0L, 2L, Long.MAX_VALUE, Long.MIN_VALUE};
      Uints.Outputs out = m.run(Uints.inputs().a(a, 5).b(b, 5).c(c, 5).build());
      // widened to uint64 by the model: the values the unsigned bits mean
      assertArrayEquals(new long[] {65535, 0, 1, 32767, 32768}, out.a64().data());
      assertArrayEquals(new long[] {4294967295L, 0, 7, 2147483647L, 2147483648L}, out.b64().data());
      assertArrayEquals(c, out.c64().data());
      assertEquals("18446744073709551615", Long.toUnsignedString(out.c64().data()[0]));
      ModelInputException e =
          assertThrows(ModelInputException.class, () -> m.run(Uints.inputs().a(a, 5).build()));
      assertEquals("input \\"b\\": missing: expected uint32[n], got nothing", e.getMessage());
    }
  }
}
"""

_SEQ_TEST = """\
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import sdkgen.e2e10.seqs.runtime.FloatTensor;
import sdkgen.e2e10.seqs.runtime.ModelInputException;

class SeqsE2eTest {
  @Test
  void aListOfTensorsReachesTheModelAsTheSequence() {
    try (Seqs m = Seqs.create()) {
      List<FloatTensor> xs =
          List.of(
              new FloatTensor(new float[] {1.5f, -2f}, new long[] {2}),
              new FloatTensor(new float[] {}, new long[] {0}),
              new FloatTensor(new float[] {Float.NaN, 3e38f, -0f}, new long[] {3}));
      Seqs.Outputs out = m.run(Seqs.inputs().xs(xs).build());
      assertArrayEquals(new float[] {1.5f, -2f, Float.NaN, 3e38f, -0f}, out.y().data());
      assertArrayEquals(new long[] {5}, out.y().shape());
      assertEquals(
          List.of(2L, 0L, 3L),
          List.of(out.lengths().data()[0], out.lengths().data()[1], out.lengths().data()[2]));
      List<FloatTensor> bad = new ArrayList<>(xs);
      bad.set(1, null);
      ModelInputException e =
          assertThrows(ModelInputException.class, () -> m.run(Seqs.inputs().xs(bad).build()));
      assertEquals(
          "input \\"xs\\": value: expected non-null tensors, got null at element 1", e.getMessage());
      ModelInputException rank =
          assertThrows(
              ModelInputException.class,
              () ->
                  m.run(
                      Seqs.inputs()
                          .xs(List.of(new FloatTensor(new float[2], new long[] {1, 2})))
                          .build()));
      assertEquals(ModelInputException.Kind.RANK, rank.kind());
      assertEquals("rank 1 [n]", rank.expected());
      assertEquals(3, m.run(Seqs.inputs().xs(xs).build()).lengths().data().length);
    }
  }
}
"""

_CONSTANT_TEST = """\
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class ConstantE2eTest {
  @Test
  void aModelWithoutInputsRuns() {
    try (Constant m = Constant.create()) {
      assertArrayEquals(new float[] {1.5f, -2f}, m.run(Constant.inputs().build()).y().data());
    }
  }
}
"""

_WEIGHTS_TEST = """\
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WeightsE2eTest {
  @Test
  void theEmbeddedModelCarriesItsWeightsAndIgnoresAForeignFile() {
    // surefire runs in the module directory, which holds a foreign weights.bin of the same size
    assertTrue(Files.isRegularFile(Path.of("weights.bin")));
    try (Weights m = Weights.create()) {
      float[] y = m.run(Weights.inputs().x(new float[] {0f, 1f, 2f, 3f}).build()).y().data();
      assertArrayEquals(new float[] {0.5f, 2.5f, 4.5f, 6.5f}, y);
    }
  }
}
"""


def _uints(d: Path) -> Path:
    ins = [vi("a", TensorProto.UINT16, ["n"]), vi("b", TensorProto.UINT32, ["n"]), vi("c", TensorProto.UINT64, ["n"])]
    outs = [vi(f"{x}64", TensorProto.UINT64, ["n"]) for x in "abc"]
    nodes = [helper.make_node("Cast", [x], [f"{x}64"], to=TensorProto.UINT64) for x in "abc"]
    return _save(d / "uints.onnx", nodes, ins, outs)


def _seqs(d: Path) -> Path:
    st = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, ["n"]))
    nodes = [helper.make_node("ConcatFromSequence", ["xs"], ["y"], axis=0),
             helper.make_node("SequenceMap", ["xs"], ["lens"], body=helper.make_graph(
                 [helper.make_node("Shape", ["t"], ["s"])], "b", [vi("t", TensorProto.FLOAT, ["k"])],
                 [vi("s", TensorProto.INT64, [1])])),
             helper.make_node("ConcatFromSequence", ["lens"], ["lengths"], axis=0)]
    return _save(d / "seqs.onnx", nodes, [helper.make_value_info("xs", st)],
                 [vi("y", TensorProto.FLOAT, ["m"]), vi("lengths", TensorProto.INT64, ["k"])])


def _constant(d: Path) -> Path:
    t = helper.make_tensor("c", TensorProto.FLOAT, [2], [1.5, -2.0])
    return _save(d / "constant.onnx", [helper.make_node("Constant", [], ["y"], value=t)], [],
                 [vi("y", TensorProto.FLOAT, [2])])


def _external(d: Path) -> Path:
    w = numpy_helper.from_array(np.array([0.5, 1.5, 2.5, 3.5], dtype=np.float32), "w")
    g = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "weights", [vi("x", TensorProto.FLOAT, [4])],
                          [vi("y", TensorProto.FLOAT, [4])], initializer=[w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    d.mkdir(parents=True, exist_ok=True)
    save_model(m, str(d / "weights.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
               location="weights.bin", size_threshold=0)
    assert (d / "weights.bin").stat().st_size == 16
    return d / "weights.onnx"


def test_adapted_inputs_no_inputs_and_external_data_run_in_java(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    work = tmp_path / "reactor"
    work.mkdir()
    mods = [
        _module(work, _uints(models), "Uints", _UINT_TEST),
        _module(work, _seqs(models), "Seqs", _SEQ_TEST),
        _module(work, _constant(models), "Constant", _CONSTANT_TEST),
    ]
    # check_models.py's uint16 and sequence models generate too (the check suite runs them)
    for p in write_all(models / "types"):
        if p.stem in ("types_uint16_input", "types_seq_input"):
            data = p.read_bytes()
            assert emit_model("java", reader.read_bytes(data), data, p.stem)
    # External data through the CLI, then the model and its data are moved away; the module's
    # directory (surefire's working directory) gets a foreign weights.bin of the same size.
    src = _external(models / "ext")
    out = work / "weights"
    r = subprocess.run([sys.executable, "-m", "generator", str(src), "--lang", "java", "--out", str(out),
                        "--package", "sdkgen.e2e10.weights", "--artifact-id", "weights"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    shutil.rmtree(models / "ext")
    np.array([100, 200, 300, 400], dtype=np.float32).tofile(out / "weights.bin")
    (out / "src/test/java/sdkgen/e2e10/weights/WeightsE2eTest.java").write_text(
        f"package sdkgen.e2e10.weights;\n\n{_WEIGHTS_TEST}")
    mods.append(out.name)
    E.reactor_pom(work, mods)
    rc, log, _ = E.run_maven(work, threads=1)
    reports = {p.name: p.read_text() for p in work.glob("*/target/surefire-reports/*.txt")}
    assert rc == 0, log[-5000:] + "\n".join(reports.values())
    for name in ("Uints", "Seqs", "Constant", "Weights"):
        rep = reports[f"sdkgen.e2e10.{name.lower()}.{name}E2eTest.txt"]
        assert "Tests run: 1, Failures: 0, Errors: 0, Skipped: 0" in rep, rep
