package sdkgen.check;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java testee of {@code sdkgen check}: one JVM runs every case.
 *
 * <p>{@code java sdkgen.check.Runner MANIFEST} where MANIFEST has, per case in the order of
 * {@code Cases.ALL}, a line {@code case<TAB>key<TAB>code...} (the ONNX element type of each
 * output's tensors, for maps of their values) followed by one line per data set
 * {@code set<TAB>outdir<TAB>input_0.pb<TAB>...}. Outputs go to {@code outdir/output_K.pb}, a
 * failure to {@code outdir/error.txt}.
 */
public final class Runner {
  private Runner() {}

  private record Set(Path out, Path[] inputs) {}

  private record Spec(String key, int[] codes, List<Set> sets) {}

  public static void main(String[] args) throws Exception {
    List<Spec> specs = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
      String[] f = line.split("\t", -1);
      if (f[0].equals("case")) {
        int[] codes = new int[f.length - 2];
        for (int i = 2; i < f.length; i++) {
          codes[i - 2] = Integer.parseInt(f[i]);
        }
        specs.add(new Spec(f[1], codes, new ArrayList<>()));
      } else if (f[0].equals("set")) {
        Path[] in = new Path[f.length - 2];
        for (int i = 2; i < f.length; i++) {
          in[i - 2] = Path.of(f[i]);
        }
        specs.get(specs.size() - 1).sets().add(new Set(Path.of(f[1]), in));
      }
    }
    if (specs.size() != Cases.ALL.length) {
      throw new IllegalStateException(specs.size() + " manifest cases, " + Cases.ALL.length + " adapters");
    }
    for (int i = 0; i < specs.size(); i++) {
      runCase(Cases.ALL[i], specs.get(i));
      System.out.println("done " + specs.get(i).key());
    }
  }

  private static void runCase(CheckCase c, Spec spec) throws Exception {
    AutoCloseable m;
    try {
      m = c.open();
    } catch (Throwable t) {
      for (Set s : spec.sets()) {
        fail(s.out(), "create: " + text(t));
      }
      return;
    }
    try (m) {
      for (Set s : spec.sets()) {
        try {
          Record out = c.run(m, s.inputs());
          Files.createDirectories(s.out());
          RecordComponent[] comps = out.getClass().getRecordComponents();
          for (int k = 0; k < comps.length; k++) {
            Object v = comps[k].getAccessor().invoke(out);
            Files.write(s.out().resolve("output_" + k + ".pb"), Values.encode(v, spec.codes()[k]));
          }
        } catch (Throwable t) {
          fail(s.out(), text(t));
        }
      }
    }
  }

  private static String text(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return t + "\n" + w;
  }

  private static void fail(Path out, String msg) throws Exception {
    Files.createDirectories(out);
    Files.writeString(out.resolve("error.txt"), msg, StandardCharsets.UTF_8);
  }
}
