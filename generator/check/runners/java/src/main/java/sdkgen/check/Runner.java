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
 * {@code set<TAB>outdir<TAB>input_0.pb<TAB>...}. Outputs go to {@code outdir/output_K.pb}; the
 * SDK's typed input error to {@code outdir/error.json} (kind, input, expected, actual); any other
 * failure to {@code outdir/error.txt}. An input file that does not exist is not set (a set that
 * expects a missing-input error).
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
          Path p = Path.of(f[i]);
          in[i - 2] = Files.isRegularFile(p) ? p : null;
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
          String[] e = Cases.inputError(t);
          if (e != null) {
            Files.createDirectories(s.out());
            Files.writeString(s.out().resolve("error.json"), json(e), StandardCharsets.UTF_8);
          } else {
            fail(s.out(), text(t));
          }
        }
      }
    }
  }

  private static String json(String[] e) {
    String[] keys = {"kind", "input", "expected", "actual"};
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < keys.length; i++) {
      b.append(i == 0 ? "" : ", ").append('"').append(keys[i]).append("\": ").append(quote(e[i]));
    }
    return b.append("}\n").toString();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
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
