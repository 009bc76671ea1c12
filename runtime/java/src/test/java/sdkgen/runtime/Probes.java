package sdkgen.runtime;

import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenarios that crashed the JVM before they were fixed, run in a JVM of their own by {@link
 * ForkedTest}: {@code java sdkgen.runtime.Probes SCENARIO MODELS_DIR} prints {@code OK} and exits
 * 0, or prints what went wrong and exits 1 (a crash exits otherwise, e.g. 134).
 */
public final class Probes {
  private Probes() {}

  static final Spec X =
      Spec.tensor("x", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, new long[] {-1}, "n");
  static final Spec H =
      Spec.tensor("h", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, new long[] {-1}, "n");
  static final Spec S =
      Spec.tensor("s", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, new long[] {-1}, "n");
  static final Signature ECHO =
      new Signature(
          "Echo",
          List.of(X, H, S),
          List.of(
              Spec.tensor("y", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, new long[] {-1}),
              Spec.tensor(
                  "hy", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, new long[] {-1}),
              Spec.tensor(
                  "sy", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, new long[] {-1})),
          Set.of());
  static final Spec M =
      Spec.tensor(
          "x", OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, new long[] {-1, -1}, "n", "n");
  static final Signature MATMUL =
      new Signature(
          "MatMul",
          List.of(M),
          List.of(
              Spec.tensor(
                  "y",
                  OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT,
                  new long[] {-1, -1},
                  "n",
                  "n")),
          Set.of());

  /** The echo model's outputs. */
  record Echo(FloatTensor y, Float16Tensor hy, StringTensor sy) {}

  static Echo readEcho(OrtSession.Result r) throws OrtException {
    return new Echo(
        Convert.floatTensor(r.get(0)),
        Convert.float16Tensor(r.get(1)),
        Convert.stringTensor(r.get(2)));
  }

  static float[] readMatmul(OrtSession.Result r) throws OrtException {
    OnnxValue v = r.get(0);
    return Convert.floatTensor(v).data();
  }

  public static void main(String[] args) throws Exception {
    Path models = Path.of(args[1]);
    String failure =
        switch (args[0]) {
          case "null-string" -> nullString(models);
          case "close-in-flight" ->
              closeInFlight(models, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
          default -> "unknown scenario " + args[0];
        };
    System.out.println(failure == null ? "OK" : "FAILED: " + failure);
    System.out.flush();
    System.exit(failure == null ? 0 : 1);
  }

  /** A null element of a String[] is a typed error, and the instance stays usable. */
  static String nullString(Path models) {
    try (ModelSession m =
        ModelSession.openFile(ECHO, models.resolve("echo.onnx"), Options.defaults())) {
      TensorInput[] in = {
        TensorInput.of(new float[] {1, 2}, new long[] {2}),
        TensorInput.of(new short[] {0x3c00, 0x4000}, new long[] {2}),
        TensorInput.of(new String[] {"a", null}, new long[] {2}),
      };
      try {
        m.run(in, Probes::readEcho);
        return "a null string was accepted";
      } catch (ModelInputException e) {
        String want = "input \"s\": value: expected non-null strings, got null at element 1";
        if (e.kind() != ModelInputException.Kind.VALUE || !e.getMessage().equals(want)) {
          return "wrong error: " + e.getMessage();
        }
      }
      in[2] = TensorInput.of(new String[] {"a", ""}, new long[] {2});
      Echo out = m.run(in, Probes::readEcho);
      if (!out.sy().equals(new StringTensor(new String[] {"a", ""}, new long[] {2}))) {
        return "the strings did not come back: " + String.join(",", out.sy().data());
      }
      return null;
    }
  }

  /**
   * {@code threads} threads run the model in a loop while the main thread closes it, {@code rounds}
   * times: every run either returns the right answer or throws ModelClosedException.
   */
  static String closeInFlight(Path models, int threads, int rounds) throws Exception {
    int n = 96;
    float[] x = new float[n * n];
    for (int i = 0; i < n; i++) {
      x[i * n + (i * 5 + 1) % n] = 1f; // a permutation: exact powers, no subnormals
    }
    float[] want;
    try (ModelSession m =
        ModelSession.openFile(MATMUL, models.resolve("matmul.onnx"), Options.defaults())) {
      want = m.run(new TensorInput[] {TensorInput.of(x, new long[] {n, n})}, Probes::readMatmul);
    }
    Options one = Options.builder().intraOpThreads(1).build();
    for (int round = 0; round < rounds; round++) {
      ModelSession m = ModelSession.openFile(MATMUL, models.resolve("matmul.onnx"), one);
      CountDownLatch started = new CountDownLatch(threads);
      AtomicReference<String> problem = new AtomicReference<>();
      AtomicInteger ok = new AtomicInteger();
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread th =
            new Thread(
                () -> {
                  boolean counted = false;
                  while (true) {
                    try {
                      if (!counted) {
                        started.countDown();
                        counted = true;
                      }
                      float[] got =
                          m.run(
                              new TensorInput[] {TensorInput.of(x, new long[] {n, n})},
                              Probes::readMatmul);
                      if (!java.util.Arrays.equals(got, want)) {
                        problem.compareAndSet(null, "a run returned a wrong answer");
                        return;
                      }
                      ok.incrementAndGet();
                    } catch (ModelClosedException e) {
                      if (!e.getMessage().equals("model is closed")
                          || e.kind() != ModelInputException.Kind.CLOSED) {
                        problem.compareAndSet(null, "wrong closed error: " + e);
                      }
                      return;
                    } catch (RuntimeException e) {
                      problem.compareAndSet(null, "unexpected " + e);
                      return;
                    }
                  }
                });
        ts.add(th);
        th.start();
      }
      started.await();
      Thread.yield();
      m.close();
      m.close(); // idempotent
      for (Thread th : ts) {
        th.join();
      }
      if (problem.get() != null) {
        return "round " + round + ": " + problem.get();
      }
      try {
        m.run(new TensorInput[] {TensorInput.of(x, new long[] {n, n})}, Probes::readMatmul);
        return "a run after close did not throw";
      } catch (ModelClosedException expected) {
        // as documented
      }
    }
    return null;
  }
}
