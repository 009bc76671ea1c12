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
    assertEquals("[n,4]", FIXED.declared());
    assertEquals("[*]", ANY.declared());
    assertEquals(-1, ANY.rank());
    assertEquals("float", FIXED.elemName());
    assertEquals("float[n,4]", FIXED.type());
    assertEquals("float16[*]", ANY.type());
    assertEquals("int64", IDS.elemName());
    assertEquals("float16", ANY.elemName());
    assertArrayEquals(new String[] {"n", null}, FIXED.syms());
    assertEquals(
        "[?,3]",
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
    assertEquals("nothing", e.actual());
    assertEquals("float[n,4]", e.expected());
    assertEquals("input \"x\": missing: expected float[n,4], got nothing", e.getMessage());
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
    assertEquals("rank 2 [n,4]", rank.expected());
    assertEquals("rank 1 [4]", rank.actual());
    assertEquals("input \"x\": rank: expected rank 2 [n,4], got rank 1 [4]", rank.getMessage());
    ModelInputException dim = fails(FIXED, TensorInput.of(new float[3], new long[] {1, 3}));
    assertEquals(ModelInputException.Kind.DIM, dim.kind());
    assertEquals("dim 1 = 4", dim.expected());
    assertEquals("3 (shape [1,3])", dim.actual());
    ModelInputException neg = fails(FIXED, TensorInput.of(new float[4], new long[] {-1, 4}));
    assertEquals(ModelInputException.Kind.SHAPE, neg.kind());
    assertEquals("a shape of non-negative dims whose product fits in int64", neg.expected());
    assertEquals("[-1,4]", neg.actual());
    ModelInputException big =
        fails(ANY, TensorInput.of(new short[1], new long[] {Long.MAX_VALUE, 4}));
    assertEquals(ModelInputException.Kind.SHAPE, big.kind());
    ModelInputException len = fails(FIXED, TensorInput.of(new float[5], new long[] {1, 4}));
    assertEquals(ModelInputException.Kind.LENGTH, len.kind());
    assertEquals("4 elements for shape [1,4]", len.expected());
    assertEquals("5 elements", len.actual());
    // length comes before dim in the contract's order
    assertEquals(
        ModelInputException.Kind.LENGTH,
        fails(FIXED, TensorInput.of(new float[5], new long[] {1, 3})).kind());
    ModelInputException scalar = fails(FIXED, TensorInput.of(new float[1], new long[] {}));
    assertEquals("rank 0 []", scalar.actual());
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
    assertEquals("dim 0 (batch) = 2, as bound by \"input_ids\"", e.expected());
    assertEquals("3 (shape [3,2])", e.actual());
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
  void errorKindsAreTheContractsWireNames() {
    StringBuilder sb = new StringBuilder();
    for (ModelInputException.Kind k : ModelInputException.Kind.values()) {
      sb.append(k.wire()).append(' ');
    }
    assertEquals("missing unknown type rank dim symbol length shape value closed ", sb.toString());
  }

  @Test
  void namesAreQuotedAsJsonStrings() {
    assertEquals("\"a\\\"b\\\\c\"", ModelInputException.quote("a\"b\\c"));
    assertEquals(
        "\"\\u000a\\u0009\\u001f \\u2028\\u2029\u00fc\u65e5\"",
        ModelInputException.quote("\n\t\u001f \u2028\u2029\u00fc\u65e5"));
    ModelInputException e =
        new ModelInputException(
            ModelInputException.Kind.RANK, "new\nline", "rank 1 [?]", "rank 0 []");
    assertEquals(
        "input \"new\\u000aline\": rank: expected rank 1 [?], got rank 0 []", e.getMessage());
    assertEquals("new\nline", e.input());
  }

  @Test
  void theElementTypeIsCheckedBeforeTheShape() {
    ModelInputException e = fails(FIXED, TensorInput.of(new double[4], new long[] {1}));
    assertEquals(ModelInputException.Kind.TYPE, e.kind());
    assertEquals("float", e.expected());
    assertEquals("double", e.actual());
    Spec flags =
        Spec.tensor("b", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, new long[] {2});
    assertEquals("int8", fails(flags, TensorInput.of(new byte[2], new long[] {2})).actual());
    Checks.input(flags, TensorInput.of(new boolean[2], new long[] {2}), Checks.Bindings.NONE);
    Spec u16 =
        Spec.tensor("u", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16, new long[] {2});
    Checks.input(u16, TensorInput.of(new short[2], new long[] {2}), Checks.Bindings.NONE);
    assertEquals("uint16[2]", u16.type());
  }

  @Test
  void aNullStringIsAValueError() {
    Spec s = Spec.tensor("s", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, new long[] {3});
    ModelInputException e = fails(s, TensorInput.of(new String[] {"a", "b", null}, new long[] {3}));
    assertEquals(ModelInputException.Kind.VALUE, e.kind());
    assertEquals("non-null strings", e.expected());
    assertEquals("null at element 2", e.actual());
    // the shape is checked first
    assertEquals(
        ModelInputException.Kind.DIM,
        fails(s, TensorInput.of(new String[] {null, null}, new long[] {2})).kind());
  }

  @Test
  void sequencesAreCheckedTensorByTensor() {
    Spec seq =
        Spec.sequence(
            "xs",
            new String[] {"d", "c", "r", "s"},
            OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT,
            new long[] {-1, 2},
            "n");
    assertEquals("seq(float[n,2])", seq.type());
    Checks.input(seq, TensorInput.sequence(java.util.List.of()), Checks.Bindings.NONE);
    Checks.input(
        seq,
        TensorInput.sequence(
            java.util.List.of(
                new FloatTensor(new float[4], new long[] {2, 2}),
                new FloatTensor(new float[6], new long[] {3, 2}))),
        Checks.Bindings.NONE);
    ModelInputException missing = fails(seq, TensorInput.sequence(null));
    assertEquals("seq(float[n,2])", missing.expected());
    ModelInputException rank =
        fails(
            seq,
            TensorInput.sequence(
                java.util.List.of(
                    new FloatTensor(new float[2], new long[] {1, 2}),
                    new FloatTensor(new float[2], new long[] {2}))));
    assertEquals(ModelInputException.Kind.RANK, rank.kind());
    assertEquals("rank 1 [2] at element 1", rank.actual());
    ModelInputException type =
        fails(
            seq,
            TensorInput.sequence(
                java.util.List.of(new LongTensor(new long[2], new long[] {1, 2}))));
    assertEquals(ModelInputException.Kind.TYPE, type.kind());
    assertEquals("int64 at element 0", type.actual());
    java.util.List<FloatTensor> withNull = new java.util.ArrayList<>();
    withNull.add(new FloatTensor(new float[2], new long[] {1, 2}));
    withNull.add(null);
    ModelInputException value = fails(seq, TensorInput.sequence(withNull));
    assertEquals(ModelInputException.Kind.VALUE, value.kind());
    assertEquals("null at element 1", value.actual());
    assertEquals(
        ModelInputException.Kind.TYPE,
        fails(seq, TensorInput.of(new float[2], new long[] {1, 2})).kind());
  }
}
