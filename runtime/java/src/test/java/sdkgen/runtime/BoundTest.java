package sdkgen.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The buffers a model reuses across runs ({@link Scratch}): array inputs copied into tensors bound
 * once, outputs written by ONNX Runtime into tensors of their declared shape. What comes back is
 * what a run computed, bit for bit, for any shape, thread and element type.
 */
class BoundTest {
  private static final Path MODELS = Path.of(System.getProperty("sdkgen.testModels"));

  private static final String[] NAMES = {"f", "d", "l", "i", "s", "b", "u", "o", "h", "bh"};
  private static final OnnxTensorType[] TYPES = {
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16,
    OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16,
  };

  private static Signature types() {
    List<Spec> ins = new ArrayList<>();
    List<Spec> outs = new ArrayList<>();
    for (int k = 0; k < NAMES.length; k++) {
      ins.add(Spec.tensor(NAMES[k], TYPES[k], new long[] {-1}, "n"));
      outs.add(Spec.tensor(NAMES[k] + "y", TYPES[k], new long[] {-1}, "n"));
    }
    return new Signature("Types", ins, outs, Set.of());
  }

  /** One run's values of every type (and what the model returns: the same). */
  record Values(
      float[] f,
      double[] d,
      long[] l,
      int[] i,
      short[] s,
      byte[] b,
      byte[] u,
      boolean[] o,
      short[] h,
      short[] bh) {
    static Values random(Random r, int n) {
      Values v =
          new Values(
              new float[n],
              new double[n],
              new long[n],
              new int[n],
              new short[n],
              new byte[n],
              new byte[n],
              new boolean[n],
              new short[n],
              new short[n]);
      for (int k = 0; k < n; k++) {
        v.f[k] = Float.intBitsToFloat(r.nextInt() & 0x7f7fffff); // finite: NaN bits may change
        v.d[k] = r.nextGaussian() * 1e300;
        v.l[k] = r.nextLong();
        v.i[k] = r.nextInt();
        v.s[k] = (short) r.nextInt();
        v.b[k] = (byte) r.nextInt();
        v.u[k] = (byte) r.nextInt();
        v.o[k] = r.nextBoolean();
        v.h[k] = (short) (r.nextInt() & 0x7bff); // finite float16 bits
        v.bh[k] = (short) (r.nextInt() & 0x7f7f); // finite bfloat16 bits
      }
      return v;
    }

    TensorInput[] inputs() {
      long[] n = {f.length};
      return new TensorInput[] {
        TensorInput.of(f, n),
        TensorInput.of(d, n),
        TensorInput.of(l, n),
        TensorInput.of(i, n),
        TensorInput.of(s, n),
        TensorInput.of(b, n),
        TensorInput.of(u, n),
        TensorInput.of(o, n),
        TensorInput.of(new Float16Tensor(h, n)),
        TensorInput.of(new BFloat16Tensor(bh, n)),
      };
    }

    static Values read(OrtSession.Result r) throws OrtException {
      return new Values(
          Convert.floatTensor(r.get(0)).data(),
          Convert.doubleTensor(r.get(1)).data(),
          Convert.longTensor(r.get(2)).data(),
          Convert.intTensor(r.get(3)).data(),
          Convert.shortTensor(r.get(4)).data(),
          Convert.byteTensor(r.get(5)).data(),
          Convert.byteTensor(r.get(6)).data(),
          Convert.booleanTensor(r.get(7)).data(),
          Convert.float16Tensor(r.get(8)).bits(),
          Convert.bfloat16Tensor(r.get(9)).bits());
    }

    void assertSame(Values got, String where) {
      assertArrayEquals(f, got.f, where);
      assertArrayEquals(d, got.d, where);
      assertArrayEquals(l, got.l, where);
      assertArrayEquals(i, got.i, where);
      assertArrayEquals(s, got.s, where);
      assertArrayEquals(b, got.b, where);
      assertArrayEquals(u, got.u, where);
      assertArrayEquals(o, got.o, where);
      assertArrayEquals(h, got.h, where);
      assertArrayEquals(bh, got.bh, where);
    }
  }

  private static ModelSession open(String file, Signature sig) {
    return ModelSession.openFile(
        sig, MODELS.resolve(file), Options.builder().intraOpThreads(1).build());
  }

  @Test
  void everyElementTypeComesBackBitForBitAsShapesChange() {
    Random r = new Random(1);
    try (ModelSession m = open("types.onnx", types())) {
      List<Values> sent = new ArrayList<>();
      List<Values> got = new ArrayList<>();
      for (int n : new int[] {3, 3, 7, 1, 7, 3}) {
        Values v = Values.random(r, n);
        sent.add(v);
        got.add(m.run(v.inputs(), Values::read));
      }
      // Later runs reuse the buffers: what an earlier run returned is a copy and stays as it was.
      for (int k = 0; k < sent.size(); k++) {
        sent.get(k).assertSame(got.get(k), "run " + k);
      }
    }
  }

  @Test
  void bigTensorsGoThePerCallWayAndComeBackTheSame() {
    // 600,000 elements: doubles and longs are over the 4 MiB a bound tensor may have, outputs are
    // then not bound at all, and the other inputs pass the 16 MiB a scratch may hold.
    Random r = new Random(4);
    try (ModelSession m = open("types.onnx", types())) {
      for (int n : new int[] {600_000, 5, 600_000}) {
        Values v = Values.random(r, n);
        v.assertSame(m.run(v.inputs(), Values::read), "n = " + n);
      }
    }
  }

  private static long directBuffers() {
    for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (b.getName().equals("direct")) {
        return b.getCount();
      }
    }
    throw new IllegalStateException("no direct buffer pool");
  }

  @Test
  void warmRunsWithArrayInputsAllocateNoDirectBuffer() {
    Values v = Values.random(new Random(2), 64);
    try (ModelSession m = open("types.onnx", types())) {
      m.run(v.inputs(), Values::read);
      long before = directBuffers();
      for (int k = 0; k < 200; k++) {
        m.run(v.inputs(), Values::read);
      }
      // ONNX Runtime's Java API alone allocates a direct buffer per array input and run.
      assertEquals(before, directBuffers(), "direct buffers allocated by 200 warm runs");
    }
  }

  @Test
  void outputsThatDifferFromTheirDeclaredShapeComeBackAsComputed() {
    Signature lying =
        new Signature(
            "Lying",
            List.of(
                Spec.tensor(
                    "x", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, new long[] {-1}, "n")),
            List.of(
                Spec.tensor(
                    "y", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, new long[] {-1}, "n")),
            Set.of());
    try (ModelSession m = open("lying.onnx", lying)) {
      for (int k = 0; k < 3; k++) {
        FloatTensor y =
            m.run(
                new TensorInput[] {TensorInput.of(new float[] {1, 2, k}, new long[] {3})},
                r -> Convert.floatTensor(r.get(0)));
        assertArrayEquals(new float[] {1, 2, k, 1, 2, k}, y.data(), "run " + k);
        assertArrayEquals(new long[] {6}, y.shape(), "run " + k);
      }
    }
    OnnxTensorType f = OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    Signature transposed =
        new Signature(
            "Transposed",
            List.of(Spec.tensor("x", f, new long[] {-1, -1}, "a", "b")),
            List.of(Spec.tensor("y", f, new long[] {-1, -1}, "a", "b")),
            Set.of());
    try (ModelSession m = open("transposed.onnx", transposed)) {
      for (int k = 0; k < 3; k++) {
        FloatTensor y =
            m.run(
                new TensorInput[] {
                  TensorInput.of(new float[] {1, 2, 3, 4, 5, k}, new long[] {2, 3})
                },
                r -> Convert.floatTensor(r.get(0)));
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, k}, y.data(), "run " + k);
        assertArrayEquals(new long[] {3, 2}, y.shape(), "run " + k);
      }
    }
  }

  @Test
  void anInputPassedThroughAsAnOutputComesBackAsGiven() {
    // ONNX Runtime writes nothing into a pre-bound output that is a graph input (found by the
    // fuzz):
    // such a model is never bound, and every run returns its own values.
    OnnxTensorType f = OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    Signature pass =
        new Signature(
            "Passthrough",
            List.of(Spec.tensor("x", f, new long[] {-1}, "n")),
            List.of(
                Spec.tensor("y", f, new long[] {-1}, "n"),
                Spec.tensor("x", f, new long[] {-1}, "n")),
            Set.of());
    try (ModelSession m = open("passthrough.onnx", pass)) {
      for (int k = 1; k < 4; k++) {
        float[][] got =
            m.run(
                new TensorInput[] {TensorInput.of(new float[] {k, 2}, new long[] {2})},
                r ->
                    new float[][] {
                      Convert.floatTensor(r.get(0)).data(), Convert.floatTensor(r.get(1)).data()
                    });
        assertArrayEquals(new float[] {-k, -2}, got[0], "run " + k);
        assertArrayEquals(new float[] {k, 2}, got[1], "run " + k);
      }
    }
  }

  @Test
  void inputBuffersOfAnyKindAreReadAndLeftAsTheyWere() {
    float[] all = {9, 1, 2, 3, 9};
    Signature sig = types();
    try (ModelSession m = open("types.onnx", sig)) {
      for (FloatBuffer x :
          new FloatBuffer[] {
            FloatBuffer.wrap(all, 1, 3), // a heap buffer with a position
            FloatBuffer.wrap(all, 1, 3).asReadOnlyBuffer(), // no accessible array
            ByteBuffer.allocateDirect(20).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().put(all),
            ByteBuffer.wrap(new byte[20]).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().put(all),
          }) {
        x.position(1).limit(4);
        Values v = Values.random(new Random(3), 3);
        TensorInput[] in = v.inputs();
        in[0] = TensorInput.of(x, new long[] {3});
        Values got = m.run(in, Values::read);
        assertArrayEquals(new float[] {1, 2, 3}, got.f(), x.toString());
        assertEquals(1, x.position(), "the caller's position stays");
        assertEquals(4, x.limit(), "the caller's limit stays");
      }
    }
  }

  @Test
  void concurrentRunsGetTheirOwnValues() throws Exception {
    int threads = 8;
    try (ModelSession m = open("types.onnx", types())) {
      AtomicReference<Throwable> problem = new AtomicReference<>();
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        Thread th =
            new Thread(
                () -> {
                  Random r = new Random(seed);
                  try {
                    for (int k = 0; k < 300; k++) {
                      Values v = Values.random(r, 1 + r.nextInt(5));
                      v.assertSame(m.run(v.inputs(), Values::read), "thread " + seed);
                    }
                  } catch (Throwable e) {
                    problem.compareAndSet(null, e);
                  }
                });
        ts.add(th);
        th.start();
      }
      for (Thread th : ts) {
        th.join();
      }
      if (problem.get() != null) {
        throw new AssertionError(problem.get());
      }
    }
    assertNull(Scratch.READING.get(), "no scratch is left marked as being read");
  }
}
