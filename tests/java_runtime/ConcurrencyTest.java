package sdkgen.rt.tt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import sdkgen.rt.tt.runtime.ModelInputException;
import sdkgen.rt.tt.runtime.Options;

/** 8 threads share one model instance; every result must equal the single-threaded one. */
class ConcurrencyTest {
  private static Tt.Inputs inputs(int batch, int seq, int salt) {
    long[] ids = new long[batch * seq];
    long[] mask = new long[batch * seq];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 7L + salt) % 50;
      mask[i] = (i + salt) % 5 == 0 ? 0 : 1;
    }
    return Tt.inputs().inputIds(ids, batch, seq).attentionMask(mask, batch, seq).build();
  }

  @Test
  void eightThreadsGetTheSameAnswersAsOne() throws Exception {
    try (Tt m = Tt.create(Options.builder().intraOpThreads(1).build())) {
      int cases = 16;
      List<Tt.Inputs> ins = new ArrayList<>();
      List<float[]> want = new ArrayList<>();
      for (int c = 0; c < cases; c++) {
        Tt.Inputs in = inputs(1 + c % 3, 2 + c % 5, c);
        ins.add(in);
        want.add(m.run(in).logits().data());
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Integer>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          final int thread = t;
          fs.add(
              pool.submit(
                  () -> {
                    int checked = 0;
                    for (int k = 0; k < 200; k++) {
                      int c = (k + thread) % cases;
                      if (k % 17 == 0) {
                        // an input error on a shared instance must not disturb other threads
                        assertThrows(
                            ModelInputException.class,
                            () -> m.run(Tt.inputs().inputIds(new long[3], 1, 3).build()));
                      }
                      assertArrayEquals(want.get(c), m.run(ins.get(c)).logits().data());
                      checked++;
                    }
                    return checked;
                  }));
        }
        int total = 0;
        for (Future<Integer> f : fs) {
          total += f.get();
        }
        assertEquals(1600, total);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void directBuffersAreAcceptedAndSymbolicDimsAreCheckedAcrossInputs() {
    try (Tt m = Tt.create()) {
      LongBuffer ids =
          ByteBuffer.allocateDirect(8 * 6).order(ByteOrder.nativeOrder()).asLongBuffer();
      LongBuffer mask =
          ByteBuffer.allocateDirect(8 * 6).order(ByteOrder.nativeOrder()).asLongBuffer();
      for (int i = 0; i < 6; i++) {
        ids.put(i, i);
        mask.put(i, 1);
      }
      float[] viaBuffer = m.run(Tt.inputs().inputIds(ids, 2, 3).attentionMask(mask, 2, 3).build()).logits().data();
      float[] viaArray =
          m.run(
                  Tt.inputs()
                      .inputIds(new long[] {0, 1, 2, 3, 4, 5}, 2, 3)
                      .attentionMask(new long[] {1, 1, 1, 1, 1, 1}, 2, 3)
                      .build())
              .logits()
              .data();
      assertArrayEquals(viaArray, viaBuffer);
      ModelInputException e =
          assertThrows(
              ModelInputException.class,
              () -> m.run(Tt.inputs().inputIds(new long[6], 2, 3).attentionMask(new long[6], 3, 2).build()));
      assertEquals("attention_mask", e.input());
      assertThrows(
          ModelInputException.class,
          () -> m.run(Tt.inputs().inputIds(new long[6], 2, 3).attentionMask(new long[5], 2, 3).build()));
      assertThrows(
          ModelInputException.class,
          () ->
              m.run(
                  Tt.inputs()
                      .inputIds(new long[1], Long.MAX_VALUE, 4)
                      .attentionMask(new long[1], Long.MAX_VALUE, 4)
                      .build()));
    }
  }
}
