package sdkgen.rt.iris;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Native memory stays flat over many calls: every input tensor, result, sequence element and map
 * must be closed. Run with a small heap (-Xmx64m) so RSS growth means native growth.
 */
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
  void rssStaysFlatOverManyCalls() throws Exception {
    try (Iris m = Iris.create()) {
      calls(m, 20_000);
      System.gc();
      long before = rssKb();
      calls(m, 100_000);
      System.gc();
      long after = rssKb();
      System.out.println("leak test: RSS " + before + " kB -> " + after + " kB over 100000 calls");
      // A leaked OrtValue per call (>= 100 bytes each) would add >= 10 MB.
      assertTrue(after - before < 8_000, "RSS grew " + (after - before) + " kB");
    }
  }
}
