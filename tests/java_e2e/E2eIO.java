package sdkgen.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import sdkgen.e2e.runtime.BooleanTensor;
import sdkgen.e2e.runtime.ByteTensor;
import sdkgen.e2e.runtime.DoubleTensor;
import sdkgen.e2e.runtime.Float16Tensor;
import sdkgen.e2e.runtime.FloatTensor;
import sdkgen.e2e.runtime.IntTensor;
import sdkgen.e2e.runtime.LongTensor;
import sdkgen.e2e.runtime.ShortTensor;
import sdkgen.e2e.runtime.StringTensor;

/**
 * Test-only interchange with the Python side of sdkgen's end-to-end tests:
 * {@code <i32 onnx dtype><i32 rank><i64 dims...>} then little-endian data (strings: i32 length +
 * UTF-8). Sequences and maps are written as JSON next to it.
 */
final class E2eIO {
  private E2eIO() {}

  private static ByteBuffer open(Path p) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    b.getInt();
    int rank = b.getInt();
    for (int i = 0; i < rank; i++) {
      b.getLong();
    }
    return b;
  }

  static long[] shape(Path p) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    b.getInt();
    long[] s = new long[b.getInt()];
    for (int i = 0; i < s.length; i++) {
      s[i] = b.getLong();
    }
    return s;
  }

  static float[] floats(Path p) throws IOException {
    ByteBuffer b = open(p);
    float[] d = new float[b.remaining() / 4];
    b.asFloatBuffer().get(d);
    return d;
  }

  static double[] doubles(Path p) throws IOException {
    ByteBuffer b = open(p);
    double[] d = new double[b.remaining() / 8];
    b.asDoubleBuffer().get(d);
    return d;
  }

  static long[] longs(Path p) throws IOException {
    ByteBuffer b = open(p);
    long[] d = new long[b.remaining() / 8];
    b.asLongBuffer().get(d);
    return d;
  }

  static int[] ints(Path p) throws IOException {
    ByteBuffer b = open(p);
    int[] d = new int[b.remaining() / 4];
    b.asIntBuffer().get(d);
    return d;
  }

  static short[] shorts(Path p) throws IOException {
    ByteBuffer b = open(p);
    short[] d = new short[b.remaining() / 2];
    b.asShortBuffer().get(d);
    return d;
  }

  static byte[] bytes(Path p) throws IOException {
    ByteBuffer b = open(p);
    byte[] d = new byte[b.remaining()];
    b.get(d);
    return d;
  }

  static boolean[] booleans(Path p) throws IOException {
    byte[] raw = bytes(p);
    boolean[] d = new boolean[raw.length];
    for (int i = 0; i < raw.length; i++) {
      d[i] = raw[i] != 0;
    }
    return d;
  }

  static String[] strings(Path p) throws IOException {
    ByteBuffer b = open(p);
    List<String> out = new java.util.ArrayList<>();
    while (b.remaining() > 0) {
      byte[] s = new byte[b.getInt()];
      b.get(s);
      out.add(new String(s, StandardCharsets.UTF_8));
    }
    return out.toArray(new String[0]);
  }

  private static void header(ByteArrayOutputStream o, int code, long[] shape) {
    ByteBuffer b = ByteBuffer.allocate(8 + 8 * shape.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(code).putInt(shape.length);
    for (long d : shape) {
      b.putLong(d);
    }
    o.writeBytes(b.array());
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  static void write(Path p, Object v) throws IOException {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    if (v instanceof FloatTensor t) {
      header(o, 1, t.shape());
      ByteBuffer b = le(4 * t.data().length);
      b.asFloatBuffer().put(t.data());
      o.writeBytes(b.array());
    } else if (v instanceof DoubleTensor t) {
      header(o, 11, t.shape());
      ByteBuffer b = le(8 * t.data().length);
      b.asDoubleBuffer().put(t.data());
      o.writeBytes(b.array());
    } else if (v instanceof LongTensor t) {
      header(o, 7, t.shape());
      ByteBuffer b = le(8 * t.data().length);
      b.asLongBuffer().put(t.data());
      o.writeBytes(b.array());
    } else if (v instanceof IntTensor t) {
      header(o, 6, t.shape());
      ByteBuffer b = le(4 * t.data().length);
      b.asIntBuffer().put(t.data());
      o.writeBytes(b.array());
    } else if (v instanceof ShortTensor t) {
      header(o, 5, t.shape());
      ByteBuffer b = le(2 * t.data().length);
      b.asShortBuffer().put(t.data());
      o.writeBytes(b.array());
    } else if (v instanceof Float16Tensor t) {
      header(o, 10, t.shape());
      ByteBuffer b = le(2 * t.bits().length);
      b.asShortBuffer().put(t.bits());
      o.writeBytes(b.array());
    } else if (v instanceof ByteTensor t) {
      header(o, 3, t.shape());
      o.writeBytes(t.data());
    } else if (v instanceof BooleanTensor t) {
      header(o, 9, t.shape());
      for (boolean x : t.data()) {
        o.write(x ? 1 : 0);
      }
    } else if (v instanceof StringTensor t) {
      header(o, 8, t.shape());
      for (String s : t.data()) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        o.writeBytes(le(4).putInt(u.length).array());
        o.writeBytes(u);
      }
    } else {
      Files.writeString(
          Path.of(p.toString().replaceAll("\\.bin$", ".json")), json(v), StandardCharsets.UTF_8);
      return;
    }
    Files.write(p, o.toByteArray());
  }

  private static String json(Object v) {
    if (v instanceof List<?> l) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < l.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(json(l.get(i)));
      }
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(json(e.getValue()));
        first = false;
      }
      return sb.append('}').toString();
    }
    if (v instanceof FloatTensor t) {
      return Arrays.toString(t.data());
    }
    if (v instanceof String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    return String.valueOf(v);
  }
}
