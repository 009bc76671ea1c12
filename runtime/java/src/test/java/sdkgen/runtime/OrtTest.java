package sdkgen.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The runtime against real ONNX Runtime: what a run hands it comes back bit for bit. */
class OrtTest {
  private static final Path MODELS = Path.of(System.getProperty("sdkgen.testModels"));

  private static ModelSession echo() {
    return ModelSession.openFile(Probes.ECHO, MODELS.resolve("echo.onnx"), Options.defaults());
  }

  private static TensorInput[] inputs(TensorInput x, TensorInput h) {
    return new TensorInput[] {x, h, TensorInput.of(new String[] {"a", "b", "c"}, new long[] {3})};
  }

  @Test
  void directBuffersInEitherByteOrderAreReadAsTheirValues() {
    float[] floats = {1.5f, -2.25f, 3e38f};
    short[] halves = Float16Tensor.fromFloats(new float[] {1.5f, -2f, 65504f}, 3).bits();
    try (ModelSession m = echo()) {
      for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
        FloatBuffer x = ByteBuffer.allocateDirect(4 * 4).order(order).asFloatBuffer();
        x.put(9f).put(floats).position(1); // a view with a position: 3 elements remain
        ShortBuffer h = ByteBuffer.allocateDirect(2 * 3).order(order).asShortBuffer();
        h.put(halves).flip();
        Probes.Echo out =
            m.run(
                inputs(TensorInput.of(x, new long[] {3}), TensorInput.of(h, new long[] {3})),
                Probes::readEcho);
        assertArrayEquals(floats, out.y().data(), order.toString());
        assertArrayEquals(halves, out.hy().bits(), order.toString());
        assertEquals(1, x.position(), "the caller's buffer is left as it was");
      }
    }
  }

  @Test
  void aRunAfterCloseIsTheClosedError() {
    ModelSession m = echo();
    m.close();
    ModelClosedException e =
        assertThrows(
            ModelClosedException.class,
            () ->
                m.run(
                    inputs(
                        TensorInput.of(new float[3], new long[] {3}),
                        TensorInput.of(new short[3], new long[] {3})),
                    Probes::readEcho));
    assertEquals("model is closed", e.getMessage());
    assertEquals("closed", e.kind().wire());
  }

  @Test
  void inputErrorsFollowTheContractAndLeaveTheInstanceUsable() {
    try (ModelSession m = echo()) {
      ModelInputException e =
          assertThrows(
              ModelInputException.class,
              () ->
                  m.run(
                      inputs(
                          TensorInput.of(new float[3], new long[] {3}),
                          TensorInput.of(new short[2], new long[] {2})),
                      Probes::readEcho));
      assertEquals(
          "input \"h\": symbol: expected dim 0 (n) = 3, as bound by \"x\", got 2 (shape [2])",
          e.getMessage());
      Probes.Echo out =
          m.run(
              inputs(
                  TensorInput.of(new float[] {1, 2, 3}, new long[] {3}),
                  TensorInput.of(new short[3], new long[] {3})),
              Probes::readEcho);
      assertArrayEquals(new float[] {1, 2, 3}, out.y().data());
    }
  }
}
