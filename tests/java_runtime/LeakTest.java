package sdkgen.rt.iris;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import sdkgen.rt.iris.runtime.ModelInputException;

/**
 * Native memory stays flat over many calls: every input tensor, result, sequence element and map
 * must be closed. Run with a small heap (-Xmx64m) so RSS growth means native growth.
 *
 * <p>The control runs first: after the many-call test the allocator holds freed memory, which a
 * later leak reuses without growing RSS (seen as a control failure on a loaded machine).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeakTest {
  private static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no VmRSS");
  }

  private static void calls(Iris m, int n) {
    float[] x = {5.1f, 3.5f, 4.9f, 3.0f, 6.2f, 3.4f};
    for (int i = 0; i < n; i++) {
      Iris.Outputs o = m.run(Iris.inputs().floatInput(x, 3, 2).build());
      assertEquals(3, o.probabilities().size());
      if (i % 10 == 0) {
        try {
          m.run(Iris.inputs().floatInput(x, 2, 3).build());
        } catch (ModelInputException expected) {
          // error path must not leak either
        }
      }
    }
  }

  @Test
  @Order(2)
  void rssStaysFlatOverManyCalls() throws Exception {
    try (Iris m = Iris.create()) {
      // Warm up (JIT, allocator arenas, ORT caches), then measure equal windows: a leak grows
      // every window by the same amount; warm-up noise settles. A leaked OrtValue per call
      // (about 230 bytes, see the control below) adds about 11 MB to every 50,000-call window.
      calls(m, 50_000);
      long[] rss = new long[4];
      for (int w = 0; w < rss.length; w++) {
        System.gc();
        rss[w] = rssKb();
        if (w < rss.length - 1) {
          calls(m, 50_000);
        }
      }
      System.out.println("leak test: RSS by 50000-call window (kB): " + java.util.Arrays.toString(rss));
      long last = rss[3] - rss[2];
      long middle = rss[2] - rss[1];
      assertTrue(Math.min(last, middle) < 5_000,
          "RSS grew in every window: " + java.util.Arrays.toString(rss));
    }
  }

  /** Control: the measurement above does see a real leak (unclosed tensors) of that size. */
  @Test
  @Order(1)
  void measurementSeesARealLeak() throws Exception {
    ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
    System.gc();
    long before = rssKb();
    for (int i = 0; i < 50_000; i++) {
      ai.onnxruntime.OnnxTensor.createTensor(env, new float[] {1f, 2f, 3f, 4f, 5f, 6f}); // never closed
    }
    System.gc();
    long after = rssKb();
    System.out.println("leak control: RSS " + before + " kB -> " + after + " kB over 50000 leaked tensors");
    assertTrue(after - before >= 5_000, "a real leak was not visible: +" + (after - before) + " kB");
  }
}
