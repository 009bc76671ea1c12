package sdkgen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The thread rule against the shared fixture cgroup trees (tests/fixtures/cgroup, docs/threads.md).
 */
class ThreadDefaultsTest {
  private static final Path FIXTURES =
      Path.of(System.getProperty("sdkgen.cgroupFixtures", "../../tests/fixtures/cgroup"));

  private static List<Path> cases() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(FIXTURES)) {
      s.filter(p -> Files.isRegularFile(p.resolve("expected.json"))).sorted().forEach(out::add);
    }
    return out;
  }

  private static String field(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([^,}\\s]+)").matcher(json);
    assertTrue(m.find(), key + " in " + json);
    return m.group(1);
  }

  @Test
  void computedDefaultsMatchEveryFixture() throws IOException {
    List<Path> cases = cases();
    assertTrue(cases.size() >= 10, "no fixture cases under " + FIXTURES.toAbsolutePath());
    for (Path c : cases) {
      String want = Files.readString(c.resolve("expected.json"));
      ThreadDefaults.Computed got = ThreadDefaults.compute(c.resolve("root"));
      String name = c.getFileName().toString();
      assertEquals(Integer.parseInt(field(want, "affinity_cpus")), got.affinityCpus(), name);
      String quota = field(want, "quota_cpus");
      if (quota.equals("null")) {
        assertFalse(got.quotaCpus().isPresent(), name);
      } else {
        assertEquals(Double.parseDouble(quota), got.quotaCpus().getAsDouble(), name);
      }
      assertEquals(Integer.parseInt(field(want, "intra_op_threads")), got.intraOpThreads(), name);
      assertEquals(Boolean.parseBoolean(field(want, "allow_spinning")), got.allowSpinning(), name);
    }
  }

  private static String resolve(String intra, String inter, String spin, String... env) {
    Map<String, String> e = new HashMap<>();
    for (String kv : env) {
      String[] p = kv.split("=", 2);
      e.put(p[0], p[1]);
    }
    try {
      ThreadDefaults.Resolved r =
          ThreadDefaults.resolve(
              intra.equals("-") ? null : Integer.valueOf(intra),
              inter.equals("-") ? null : Integer.valueOf(inter),
              spin.equals("-") ? null : Boolean.valueOf(spin),
              e,
              FIXTURES.resolve("v2_quota_2_5").resolve("root"));
      return r.intraOpThreads()
          + " "
          + r.intraOpSource()
          + " "
          + r.interOpThreads()
          + " "
          + r.interOpSource()
          + " "
          + r.allowSpinning()
          + " "
          + r.allowSpinningSource();
    } catch (IllegalArgumentException ex) {
      return "error " + ex.getMessage();
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-|-|-||2 CONTAINER 1 CONTAINER false CONTAINER",
        "3|2|true||3 OPTION 2 OPTION true OPTION",
        "-|-|-|SDKGEN_INTRA_OP_THREADS=5 SDKGEN_INTER_OP_THREADS=4 SDKGEN_ALLOW_SPINNING=1"
            + "|5 ENV 4 ENV true ENV",
        "7|-|false|SDKGEN_INTRA_OP_THREADS=5 SDKGEN_ALLOW_SPINNING=1"
            + "|7 OPTION 1 CONTAINER false OPTION",
        "-|-|-|SDKGEN_INTRA_OP_THREADS=|2 CONTAINER 1 CONTAINER false CONTAINER",
        "-|-|-|SDKGEN_INTRA_OP_THREADS=+2|error SDKGEN_INTRA_OP_THREADS='+2'",
        "-|-|-|SDKGEN_INTRA_OP_THREADS=0|error SDKGEN_INTRA_OP_THREADS='0'",
        "-|-|-|SDKGEN_INTRA_OP_THREADS=2147483648|error SDKGEN_INTRA_OP_THREADS='2147483648'",
        "-|-|-|SDKGEN_ALLOW_SPINNING=yes|error SDKGEN_ALLOW_SPINNING='yes'",
        "0|-|-||error intraOpThreads=0",
      })
  void overridesOptionThenEnvThenContainer(
      String intra, String inter, String spin, String env, String expected) {
    String[] kv = env == null ? new String[0] : env.split(" ");
    String got = resolve(intra, inter, spin, kv);
    assertTrue(got.startsWith(expected), got);
  }

  @Test
  void aMissingRootFallsBackToTheJvmsProcessorCount() {
    ThreadDefaults.Computed c = ThreadDefaults.compute(Path.of("/nonexistent-sdkgen-root"));
    assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors()), c.affinityCpus());
    assertFalse(c.quotaCpus().isPresent());
    assertTrue(c.allowSpinning());
  }

  @Test
  void invalidOptionsAreErrors() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ThreadDefaults.resolve(null, -1, null, Map.of(), Path.of("/nonexistent")));
  }
}
