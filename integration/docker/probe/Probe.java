// Docker probe, Java: one JSON line with the SDK's effective thread settings, after one inference.
//
// Compiled on the host against the Java SDK generated for onnxruntime's sigmoid.onnx (package
// sdkgen.sigmoid) and the ONNX Runtime jar; run in the container with the JRE only. pool_threads
// is how many OS threads (/proc/self/task) the default session added: ORT's intra-op pool has
// intraOpThreads - 1 of them. A first session with one thread runs before it, so one-time start-up
// threads (JVM, native library loading) are not counted.

import java.io.File;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalDouble;
import sdkgen.sigmoid.Sigmoid;
import sdkgen.sigmoid.runtime.Options;
import sdkgen.sigmoid.runtime.SessionConfig;
import sdkgen.sigmoid.runtime.ThreadDefaults;

public final class Probe {
  private Probe() {}

  private static int tasks() {
    String[] names = new File("/proc/self/task").list();
    if (names == null) {
      throw new IllegalStateException("cannot list /proc/self/task");
    }
    return names.length;
  }

  private static String source(ThreadDefaults.Source s) {
    return "\"" + s.name().toLowerCase(Locale.ROOT) + "\"";
  }

  public static void main(String[] args) {
    float[] x = new float[60];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i - 30) / 10f;
    }
    Sigmoid.Inputs in = Sigmoid.inputs().x(x, 3, 4, 5).build();
    try (Sigmoid warm = Sigmoid.create(Options.builder().intraOpThreads(1).build())) {
      warm.run(in);
      int before = tasks();
      try (Sigmoid model = Sigmoid.create()) {
        report(model, model.run(in).y().data(), tasks() - before);
      }
    }
  }

  private static void report(Sigmoid model, float[] y, int poolThreads) {
    SessionConfig c = model.config();
    ThreadDefaults.Resolved t = c.threads();
    ThreadDefaults.Computed found = ThreadDefaults.compute(Path.of("/"));
    OptionalDouble quota = found.quotaCpus();
    StringBuilder ys = new StringBuilder();
    for (int i = 0; i < y.length; i++) {
      ys.append(i == 0 ? "" : ",").append(y[i]);
    }
    System.out.println("{\"lang\":\"java\""
        + ",\"intra_op_threads\":" + c.intraOpThreads()
        + ",\"intra_op_source\":" + source(t.intraOpSource())
        + ",\"inter_op_threads\":" + c.interOpThreads()
        + ",\"inter_op_source\":" + source(t.interOpSource())
        + ",\"allow_spinning\":" + c.allowSpinning()
        + ",\"allow_spinning_source\":" + source(t.allowSpinningSource())
        + ",\"affinity_cpus\":" + found.affinityCpus()
        + ",\"quota_cpus\":" + (quota.isPresent() ? Double.toString(quota.getAsDouble()) : "null")
        + ",\"pool_threads\":" + poolThreads
        + ",\"y\":[" + ys + "]}");
  }
}
