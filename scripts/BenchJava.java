package sdkgen.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import sdkgen.bench.Mul1;
import sdkgen.bench.TinyTransformer;
import sdkgen.bench.runtime.Options;

/**
 * Per-call time of the generated run() vs the raw ORT Java API doing the same work (tensors from
 * Java arrays, run, copy the outputs into Java arrays, close everything). Same session options:
 * 1 intra-op thread, sequential, ALL_OPT, no spinning. Blocks alternate; medians are reported.
 */
public final class BenchJava {
  interface Call {
    void run() throws Exception;
  }

  static double perCallNs(Call c, int n) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      c.run();
    }
    return (System.nanoTime() - t0) / (double) n;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  static void compare(String label, Call gen, Call raw, int n, int rounds) throws Exception {
    for (int i = 0; i < 3; i++) {
      perCallNs(gen, n);
      perCallNs(raw, n);
    }
    double[] g = new double[rounds];
    double[] r = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      if (i % 2 == 0) {
        g[i] = perCallNs(gen, n);
        r[i] = perCallNs(raw, n);
      } else {
        r[i] = perCallNs(raw, n);
        g[i] = perCallNs(gen, n);
      }
    }
    double gm = median(g);
    double rm = median(r);
    System.out.printf(
        "%-18s generated %9.1f us/call   raw ORT %9.1f us/call   overhead %+6.2f%%%n",
        label, gm / 1000, rm / 1000, 100 * (gm - rm) / rm);
  }

  static OrtSession.SessionOptions opts() throws Exception {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    so.setIntraOpNumThreads(1);
    so.setInterOpNumThreads(1);
    so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    so.addConfigEntry("session.intra_op.allow_spinning", "0");
    so.addConfigEntry("session.inter_op.allow_spinning", "0");
    return so;
  }

  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[2]);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    // Tiny model: mul_1, X float[3,2].
    float[] x = {1, 2, 3, 4, 5, 6};
    long[] xs = {3, 2};
    Options mo = Options.builder().intraOpThreads(1).interOpThreads(1).allowSpinning(false).build();
    try (Mul1 gen = Mul1.create(mo);
        OrtSession.SessionOptions so = opts();
        OrtSession raw = env.createSession(Files.readAllBytes(Path.of(args[0])), so)) {
      compare(
          "mul_1 [3,2]",
          () -> gen.run(Mul1.inputs().x(x, xs).build()).y().data(),
          () -> {
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), xs);
                OrtSession.Result r = raw.run(Map.of("X", t), Set.of("Y"))) {
              OnnxTensor y = (OnnxTensor) r.get(0);
              y.getFloatBuffer().array();
              y.getInfo().getShape();
            }
          },
          20_000,
          rounds);
    }
    // Transformer: batch 1, sequence 16.
    long[] ids = new long[16];
    long[] mask = new long[16];
    for (int i = 0; i < 16; i++) {
      ids[i] = i % 50;
      mask[i] = 1;
    }
    long[] shape = {1, 16};
    Options to = mo;
    try (TinyTransformer gen = TinyTransformer.create(to);
        OrtSession.SessionOptions so = opts();
        OrtSession raw = env.createSession(Files.readAllBytes(Path.of(args[1])), so)) {
      Set<String> outs = Set.of("logits");
      compare(
          "transformer [1,16]",
          () -> gen.run(TinyTransformer.inputs().inputIds(ids, shape).attentionMask(mask, shape).build()).logits().data(),
          () -> {
            Map<String, OnnxTensor> feed = new HashMap<>();
            try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape)) {
              feed.put("input_ids", a);
              feed.put("attention_mask", b);
              try (OrtSession.Result r = raw.run(feed, outs)) {
                OnnxTensor y = (OnnxTensor) r.get(0);
                y.getFloatBuffer().array();
                y.getInfo().getShape();
              }
            }
          },
          2_000,
          rounds);
    }
  }
}
