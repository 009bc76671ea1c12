package sdkgen.check;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import onnx.OnnxData.MapProto;
import onnx.OnnxData.SequenceProto;
import onnx.OnnxMl.TensorProto;

/**
 * Fixture values: {@code TensorProto} files into the Java arrays the typed setters take, and
 * the SDK's output records, lists and maps back into {@code TensorProto} / {@code SequenceProto}
 * / {@code MapProto}. Uses the classes protoc generates from onnx-ml.proto and onnx-data.proto.
 */
final class Values {
  private Values() {}

  private static final int FLOAT = 1, INT64 = 7, STRING = 8, DOUBLE = 11, UINT32 = 12, UINT64 = 13;
  private static final int SEQ_TENSOR = 1, SEQ_MAP = 4;

  static TensorProto tensor(Path p) throws IOException {
    return TensorProto.parseFrom(Files.readAllBytes(p));
  }

  static List<TensorProto> sequence(Path p) throws IOException {
    return SequenceProto.parseFrom(Files.readAllBytes(p)).getTensorValuesList();
  }

  static long[] shape(TensorProto t) {
    long[] s = new long[t.getDimsCount()];
    for (int i = 0; i < s.length; i++) {
      s[i] = t.getDims(i);
    }
    return s;
  }

  static long count(TensorProto t) {
    long n = 1;
    for (long d : shape(t)) {
      n *= d;
    }
    return n;
  }

  /** The element data as little-endian bytes of {@code size} bytes per element. */
  static ByteBuffer bytes(TensorProto t, int size) {
    if (t.hasRawData()) {
      return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    ByteBuffer b;
    switch (t.getDataType()) {
      case FLOAT -> {
        b = alloc(t.getFloatDataCount() * 4);
        t.getFloatDataList().forEach(b::putFloat);
      }
      case DOUBLE -> {
        b = alloc(t.getDoubleDataCount() * 8);
        t.getDoubleDataList().forEach(b::putDouble);
      }
      case INT64 -> {
        b = alloc(t.getInt64DataCount() * 8);
        t.getInt64DataList().forEach(b::putLong);
      }
      case UINT32, UINT64 -> {
        b = alloc(t.getUint64DataCount() * size);
        for (long v : t.getUint64DataList()) {
          put(b, v, size);
        }
      }
      default -> {
        b = alloc(t.getInt32DataCount() * size);
        for (int v : t.getInt32DataList()) {
          put(b, v, size);
        }
      }
    }
    return b.flip();
  }

  private static ByteBuffer alloc(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void put(ByteBuffer b, long v, int size) {
    for (int i = 0; i < size; i++) {
      b.put((byte) (v >>> (8 * i)));
    }
  }

  private static ByteBuffer checked(TensorProto t, int size) {
    ByteBuffer b = bytes(t, size);
    if (b.remaining() != count(t) * size) {
      throw new IllegalArgumentException(b.remaining() + " bytes for " + count(t) + " elements");
    }
    return b;
  }

  static float[] floats(TensorProto t) {
    float[] a = new float[(int) count(t)];
    checked(t, 4).asFloatBuffer().get(a);
    return a;
  }

  static double[] doubles(TensorProto t) {
    double[] a = new double[(int) count(t)];
    checked(t, 8).asDoubleBuffer().get(a);
    return a;
  }

  static long[] longs(TensorProto t) {
    long[] a = new long[(int) count(t)];
    checked(t, 8).asLongBuffer().get(a);
    return a;
  }

  static int[] ints(TensorProto t) {
    int[] a = new int[(int) count(t)];
    checked(t, 4).asIntBuffer().get(a);
    return a;
  }

  static short[] shorts(TensorProto t) {
    short[] a = new short[(int) count(t)];
    checked(t, 2).asShortBuffer().get(a);
    return a;
  }

  static byte[] bytes(TensorProto t) {
    byte[] a = new byte[(int) count(t)];
    checked(t, 1).get(a);
    return a;
  }

  static boolean[] booleans(TensorProto t) {
    byte[] b = bytes(t);
    boolean[] a = new boolean[b.length];
    for (int i = 0; i < b.length; i++) {
      a[i] = b[i] != 0;
    }
    return a;
  }

  static String[] strings(TensorProto t) {
    String[] a = new String[t.getStringDataCount()];
    for (int i = 0; i < a.length; i++) {
      a[i] = t.getStringData(i).toString(StandardCharsets.UTF_8);
    }
    return a;
  }

  // --- outputs -----------------------------------------------------------------------------

  static byte[] encode(Object v, int code) throws Exception {
    if (v instanceof Record r) {
      return tensorOf(r, code).toByteArray();
    }
    if (v instanceof List<?> l) {
      return sequenceOf(l, code).toByteArray();
    }
    if (v instanceof Map<?, ?> m) {
      return mapOf(m, code).toByteArray();
    }
    throw new IllegalArgumentException("cannot encode " + (v == null ? "null" : v.getClass()));
  }

  /** An output tensor record: (array data, long[] shape). */
  static TensorProto tensorOf(Record r, int code) throws Exception {
    RecordComponent[] c = r.getClass().getRecordComponents();
    Object data = c[0].getAccessor().invoke(r);
    long[] shape = (long[]) c[1].getAccessor().invoke(r);
    TensorProto.Builder t = TensorProto.newBuilder().setDataType(code);
    for (long d : shape) {
      t.addDims(d);
    }
    if (data instanceof String[] s) {
      for (String x : s) {
        t.addStringData(ByteString.copyFromUtf8(x));
      }
      return t.build();
    }
    return t.setRawData(ByteString.copyFrom(raw(data))).build();
  }

  private static byte[] raw(Object data) {
    ByteBuffer b;
    if (data instanceof float[] a) {
      b = alloc(a.length * 4);
      b.asFloatBuffer().put(a);
    } else if (data instanceof double[] a) {
      b = alloc(a.length * 8);
      b.asDoubleBuffer().put(a);
    } else if (data instanceof long[] a) {
      b = alloc(a.length * 8);
      b.asLongBuffer().put(a);
    } else if (data instanceof int[] a) {
      b = alloc(a.length * 4);
      b.asIntBuffer().put(a);
    } else if (data instanceof short[] a) {
      b = alloc(a.length * 2);
      b.asShortBuffer().put(a);
    } else if (data instanceof byte[] a) {
      return a.clone();
    } else if (data instanceof boolean[] a) {
      byte[] out = new byte[a.length];
      for (int i = 0; i < a.length; i++) {
        out[i] = (byte) (a[i] ? 1 : 0);
      }
      return out;
    } else {
      throw new IllegalArgumentException("cannot encode tensor data " + data.getClass());
    }
    return b.array();
  }

  static SequenceProto sequenceOf(List<?> l, int code) throws Exception {
    SequenceProto.Builder s = SequenceProto.newBuilder();
    boolean maps = !l.isEmpty() && l.get(0) instanceof Map;
    s.setElemType(maps ? SEQ_MAP : SEQ_TENSOR);
    for (Object x : l) {
      if (x instanceof Map<?, ?> m) {
        s.addMapValues(mapOf(m, code));
      } else {
        s.addTensorValues(tensorOf((Record) x, code));
      }
    }
    return s.build();
  }

  /** A map with Long or String keys and boxed scalar values of element type {@code code}. */
  static MapProto mapOf(Map<?, ?> m, int code) {
    MapProto.Builder b = MapProto.newBuilder();
    SequenceProto.Builder vals = SequenceProto.newBuilder().setElemType(SEQ_TENSOR);
    boolean strKeys = !m.isEmpty() && m.keySet().iterator().next() instanceof String;
    b.setKeyType(strKeys ? STRING : INT64);
    for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
      if (strKeys) {
        b.addStringKeys(ByteString.copyFromUtf8((String) e.getKey()));
      } else {
        b.addKeys((Long) e.getKey());
      }
      TensorProto.Builder t = TensorProto.newBuilder().setDataType(code);
      Object v = e.getValue();
      if (v instanceof String s) {
        t.addStringData(ByteString.copyFromUtf8(s));
      } else if (v instanceof Float f) {
        t.setRawData(ByteString.copyFrom(raw(new float[] {f})));
      } else if (v instanceof Double d) {
        t.setRawData(ByteString.copyFrom(raw(new double[] {d})));
      } else {
        t.setRawData(ByteString.copyFrom(raw(new long[] {(Long) v})));
      }
      vals.addTensorValues(t);
    }
    return b.setValues(vals).build();
  }
}
