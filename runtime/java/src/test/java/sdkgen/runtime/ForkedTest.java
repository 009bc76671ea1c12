package sdkgen.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What once crashed the JVM (SIGSEGV in ONNX Runtime's native code), each in a JVM of its own
 * ({@link Probes}): a crash fails the test with the child's exit code and output instead of killing
 * the test runner.
 */
class ForkedTest {
  private static final Path MODELS = Path.of(System.getProperty("sdkgen.testModels"));

  private static void probe(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:-CreateCoredumpOnCrash");
    cmd.add(
        "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/sdkgen-probe-hs_err_%p.log");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Probes.class.getName());
    cmd.add(args[0]);
    cmd.add(MODELS.toString());
    for (int i = 1; i < args.length; i++) {
      cmd.add(args[i]);
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(
        0,
        p.exitValue(),
        "probe " + String.join(" ", args) + " exited with " + p.exitValue() + ":\n" + text);
    assertEquals("OK", text.strip().lines().reduce((a, b) -> b).orElse(""), text);
  }

  @Test
  void aNullStringIsATypedErrorNotACrash() throws Exception {
    probe("null-string");
  }

  @Test
  void closeWaitsForTheRunInFlight() throws Exception {
    probe("close-in-flight", "1", "20");
  }

  @Test
  void closeWaitsForEightThreadsInFlight() throws Exception {
    probe("close-in-flight", "8", "20");
  }
}
