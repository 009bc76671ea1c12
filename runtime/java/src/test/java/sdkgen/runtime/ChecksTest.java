package sdkgen.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.TensorInfo.OnnxTensorType;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** The input checks and their error contract (kind, input, expected, actual), without ORT. */
class ChecksTest {
  private static final Spec IDS =
      Spec.tensor(
          "input_ids",
          OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64,
          new long[] {-1, -1},
          "batch",
          "sequence");
  private static final Spec MASK =
      Spec.tensor(
          "attention_mask",
          OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64,
          new long[] {-1, -1},
          "batch",
          "sequence");
  private static final Spec FIXED =
      Spec.tensor("x", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, new long[] {-1, 4}, "n");
  private static final Spec ANY =
      Spec.tensor("any", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16);

  private static ModelInputException fails(Spec spec, TensorInput in) {
    return assertThrows(
        ModelInputException.class, () -> Checks.input(spec, in, new Checks.Bindings(2)));
  }

  @Test
  void specDescribesItself() {
    assertEquals("[n, 4]", FIXED.declared());
    assertEquals("[*]", ANY.declared());
    assertEquals(-1, ANY.rank());
    assertEquals("float32", FIXED.elemName());
    assertEquals("int64", IDS.elemName());
    assertEquals("float16", ANY.elemName());
    assertArrayEquals(new String[] {"n", null}, FIXED.syms());
    assertEquals(
        "[?, 3]",
        Spec.tensor("u", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, new long[] {-1, 3})
            .declared());
    assertEquals(
        "uint8",
        Spec.tensor("u", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, new long[] {})
            .elemName());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Spec.tensor(
                "u", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, new long[] {}, "extra"));
  }

  @Test
  void missing() {
    ModelInputException e = fails(FIXED, null);
    assertEquals(ModelInputException.Kind.MISSING, e.kind());
    assertEquals("x", e.input());
    assertEquals("null", e.actual());
    assertEquals("float32 data and a shape", e.expected());
    assertEquals(
        ModelInputException.Kind.MISSING,
        fails(FIXED, TensorInput.of((float[]) null, new long[] {1, 4})).kind());
    assertEquals(
        ModelInputException.Kind.MISSING, fails(FIXED, TensorInput.of((FloatTensor) null)).kind());
  }

  @Test
  void rankDimShapeAndLength() {
    ModelInputException rank = fails(FIXED, TensorInput.of(new float[4], new long[] {4}));
    assertEquals(ModelInputException.Kind.RANK, rank.kind());
    assertEquals("rank 2 (shape [n, 4])", rank.expected());
    assertEquals("rank 1 (shape [4])", rank.actual());
    assertEquals(
        "input 'x': expected rank 2 (shape [n, 4]), got rank 1 (shape [4])", rank.getMessage());
    ModelInputException dim = fails(FIXED, TensorInput.of(new float[3], new long[] {1, 3}));
    assertEquals(ModelInputException.Kind.DIM, dim.kind());
    assertEquals("dim 1 = 4 (shape [n, 4])", dim.expected());
    ModelInputException neg = fails(FIXED, TensorInput.of(new float[4], new long[] {-1, 4}));
    assertEquals(ModelInputException.Kind.SHAPE, neg.kind());
    ModelInputException big =
        fails(ANY, TensorInput.of(new short[1], new long[] {Long.MAX_VALUE, 4}));
    assertEquals(ModelInputException.Kind.SHAPE, big.kind());
    ModelInputException len = fails(FIXED, TensorInput.of(new float[5], new long[] {1, 4}));
    assertEquals(ModelInputException.Kind.LENGTH, len.kind());
    assertEquals("4 elements (shape [1, 4])", len.expected());
    assertEquals("5 elements", len.actual());
  }

  @Test
  void symbolsAreBoundAcrossInputs() {
    Checks.Bindings b = new Checks.Bindings(2);
    Checks.input(IDS, TensorInput.of(new long[6], new long[] {2, 3}), b);
    ModelInputException e =
        assertThrows(
            ModelInputException.class,
            () -> Checks.input(MASK, TensorInput.of(new long[6], new long[] {3, 2}), b));
    assertEquals(ModelInputException.Kind.SYMBOL, e.kind());
    assertEquals("attention_mask", e.input());
    assertEquals("dim 0 ('batch') = 2 as in input 'input_ids'", e.expected());
    Checks.input(MASK, TensorInput.of(new long[6], new long[] {2, 3}), b);
  }

  @Test
  void unknownRankTakesAnyShapeAndBuffersCountTheirRemainingElements() {
    Checks.input(ANY, TensorInput.of(new short[6], new long[] {1, 2, 3}), new Checks.Bindings(0));
    FloatBuffer buf = FloatBuffer.wrap(new float[10]);
    buf.position(6);
    Checks.input(FIXED, TensorInput.of(buf, new long[] {1, 4}), new Checks.Bindings(1));
  }

  @Test
  void tensorRecordsFeedInputsAsIs() {
    FloatTensor t = new FloatTensor(new float[8], new long[] {2, 4});
    Checks.input(FIXED, TensorInput.of(t), new Checks.Bindings(1));
  }

  @Test
  void float16RecordsUseOrtsConversions() {
    Float16Tensor h = Float16Tensor.fromFloats(new float[] {1.5f, -2f, 65504f}, 3);
    assertArrayEquals(new short[] {0x3e00, (short) 0xc000, 0x7bff}, h.bits());
    assertArrayEquals(new float[] {1.5f, -2f, 65504f}, h.toFloats());
    BFloat16Tensor b = BFloat16Tensor.fromFloats(new float[] {1f, -2f}, 2);
    assertArrayEquals(new short[] {0x3f80, (short) 0xc000}, b.bits());
    assertArrayEquals(new float[] {1f, -2f}, b.toFloats());
    assertArrayEquals(new long[] {3}, h.shape());
  }

  @Test
  void errorKindsAreTheContractsLabels() {
    StringBuilder sb = new StringBuilder();
    for (ModelInputException.Kind k : ModelInputException.Kind.values()) {
      sb.append(k.label()).append(' ');
    }
    assertEquals("missing unknown type rank dim symbol length shape value closed ", sb.toString());
  }
}
