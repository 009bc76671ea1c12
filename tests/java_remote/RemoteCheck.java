import io.grpc.Context;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import sdkgen.models.DecodeHead;
import sdkgen.models.TinyTransformer;
import sdkgen.models.runtime.FloatTensor;
import sdkgen.models.runtime.ModelClosedException;
import sdkgen.models.runtime.ModelInputException;
import sdkgen.models.runtime.Options;
import sdkgen.models.runtime.Remote;
import sdkgen.models.runtime.RemoteCancelledException;
import sdkgen.models.runtime.RemoteDeadlineException;
import sdkgen.models.runtime.RemoteModelException;
import sdkgen.models.runtime.RemoteServerException;
import sdkgen.models.runtime.RemoteSignatureException;
import sdkgen.models.runtime.RemoteUnavailableException;

/**
 * The remote backend of a generated Java SDK against a real Triton (tests/test_java_remote.py):
 * remote and in-process runs of the same inputs must be equal; every failure kind is typed and the
 * instance is usable afterwards. Prints one JSON line per result; for the dead-server step it
 * prints {@code STEP stop} / {@code STEP start} and waits for a line on stdin each time.
 *
 * <p>Usage: {@code java RemoteCheck HOST:PORT}
 */
public final class RemoteCheck {
  private static final BufferedReader STDIN =
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  private RemoteCheck() {}

  /** The test's token ids for a batch of {@code b} sequences of {@code s}: row-major. */
  static long[] ids(int b, int s) {
    long[] out = new long[b * s];
    for (int i = 0; i < out.length; i++) {
      out[i] = (i * 7L + 3) % 64;
    }
    return out;
  }

  /** The attention mask: 1, except the last position of odd rows. */
  static long[] mask(int b, int s) {
    long[] out = new long[b * s];
    for (int i = 0; i < out.length; i++) {
      out[i] = (i / s) % 2 == 1 && i % s == s - 1 ? 0 : 1;
    }
    return out;
  }

  static TinyTransformer.Inputs inputs(int b, int s) {
    return TinyTransformer.inputs()
        .inputIds(ids(b, s), b, s)
        .attentionMask(mask(b, s), b, s)
        .build();
  }

  static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  static String json(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  static String floats(float[] v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ",").append(Float.floatToRawIntBits(v[i]));
    }
    return sb.append(']').toString();
  }

  static String longs(long[] v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ",").append(v[i]);
    }
    return sb.append(']').toString();
  }

  static String shorts(short[] v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ",").append(v[i] & 0xffff);
    }
    return sb.append(']').toString();
  }

  static String strings(String[] v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ",").append(json(v[i]));
    }
    return sb.append(']').toString();
  }

  /** Prints a typed failure as JSON and returns it. */
  static RemoteModelException failed(String step, RemoteModelException e) {
    System.out.println(
        "{\"step\": "
            + json(step)
            + ", \"class\": "
            + json(e.getClass().getSimpleName())
            + ", \"kind\": "
            + json(e.kind().wire())
            + ", \"status\": "
            + json(e.status())
            + ", \"model\": "
            + json(e.model())
            + ", \"message\": "
            + json(e.getMessage())
            + "}");
    return e;
  }

  interface Call {
    void run() throws Exception;
  }

  static RemoteModelException expect(
      String step, Class<? extends RemoteModelException> type, Call c) throws Exception {
    try {
      c.run();
    } catch (RemoteModelException e) {
      check(type.isInstance(e), step + ": expected " + type.getSimpleName() + ", got " + e);
      return failed(step, e);
    }
    throw new AssertionError(step + ": expected " + type.getSimpleName() + ", got no exception");
  }

  static void waitFor(String step) throws Exception {
    System.out.println("STEP " + step);
    System.out.flush();
    check(STDIN.readLine() != null, "no answer to STEP " + step);
  }

  public static void main(String[] args) throws Exception {
    String target = args[0];
    Remote remote =
        Remote.builder()
            .target(target)
            .deadline(Duration.ofSeconds(30))
            .header("authorization", "Bearer sdkgen-test")
            .build();
    Options one = Options.builder().intraOpThreads(1).build();
    int[][] shapes = {{1, 1}, {2, 3}, {8, 17}};
    try (TinyTransformer ttLocal = TinyTransformer.create(one);
        DecodeHead headLocal = DecodeHead.create(one);
        TinyTransformer tt = TinyTransformer.connect(remote);
        DecodeHead head = DecodeHead.connect(remote)) {
      // The same inputs in-process and on the server: equal outputs, element for element.
      for (int[] bs : shapes) {
        TinyTransformer.Inputs in = inputs(bs[0], bs[1]);
        FloatTensor local = ttLocal.run(in).logits();
        FloatTensor logits = tt.run(in).logits();
        check(local.equals(logits), "logits differ for " + bs[0] + "x" + bs[1]);
        DecodeHead.Outputs dl = headLocal.run(DecodeHead.inputs().logits(local).build());
        DecodeHead.Outputs dr = head.run(DecodeHead.inputs().logits(logits).build());
        check(dl.equals(dr), "decode head outputs differ for " + bs[0] + "x" + bs[1]);
        System.out.println(
            "{\"step\": \"equal\", \"batch\": "
                + bs[0]
                + ", \"sequence\": "
                + bs[1]
                + ", \"logits_shape\": "
                + longs(logits.shape())
                + ", \"logits\": "
                + floats(logits.data())
                + ", \"token_ids\": "
                + longs(dr.tokenIds().data())
                + ", \"scores\": "
                + shorts(dr.scores().bits())
                + ", \"tokens\": "
                + strings(dr.tokens().data())
                + "}");
      }

      // Input errors: the same typed error as in-process, before anything is sent.
      TinyTransformer.Inputs bad =
          TinyTransformer.inputs()
              .inputIds(ids(2, 3), 2, 3)
              .attentionMask(mask(2, 2), 2, 2)
              .build();
      String localError = null;
      String remoteError = null;
      try {
        ttLocal.run(bad);
      } catch (ModelInputException e) {
        localError = e.getMessage();
      }
      try {
        tt.run(bad);
      } catch (ModelInputException e) {
        remoteError = e.getMessage();
      }
      check(
          localError != null && localError.equals(remoteError), localError + " vs " + remoteError);
      System.out.println("{\"step\": \"input-error\", \"message\": " + json(remoteError) + "}");

      // A server model of another signature, and no such model: typed at connect.
      expect(
          "mismatch",
          RemoteSignatureException.class,
          () ->
              DecodeHead.connect(Remote.builder().target(target).model("tiny_transformer").build())
                  .close());
      expect(
          "no-such-model",
          RemoteSignatureException.class,
          () ->
              TinyTransformer.connect(Remote.builder().target(target).model("nope").build())
                  .close());
      try (DecodeHead again = DecodeHead.connect(target)) {
        check(
            again.run(DecodeHead.inputs().logits(ttLocal.run(inputs(2, 3)).logits()).build())
                != null,
            "again");
      }

      // A request the server refuses (Triton's max_batch_size is 8): a server error.
      expect("server", RemoteServerException.class, () -> tt.run(inputs(9, 2)));
      check(tt.run(inputs(2, 3)).equals(ttLocal.run(inputs(2, 3))), "usable after a server error");

      // Deadlines: the caller's context (per call) and the Remote's (each call).
      ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
      try {
        Context.CancellableContext ctx =
            Context.current().withDeadlineAfter(1, TimeUnit.MILLISECONDS, timer);
        expect(
            "deadline",
            RemoteDeadlineException.class,
            () -> ctx.call(() -> tt.run(inputs(8, 256))));
        ctx.cancel(null);
      } finally {
        timer.shutdownNow();
      }
      check(tt.run(inputs(2, 3)).equals(ttLocal.run(inputs(2, 3))), "usable after a deadline");
      expect(
          "deadline-at-connect",
          RemoteDeadlineException.class,
          () ->
              TinyTransformer.connect(
                      Remote.builder().target(target).deadline(Duration.ofNanos(1)).build())
                  .close());

      // A cancelled context cancels the call.
      Context.CancellableContext cancelled = Context.current().withCancellation();
      cancelled.cancel(null);
      expect(
          "cancelled",
          RemoteCancelledException.class,
          () -> cancelled.call(() -> tt.run(inputs(2, 3))));
      check(tt.run(inputs(2, 3)).equals(ttLocal.run(inputs(2, 3))), "usable after a cancel");

      // Concurrent runs share the one channel.
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Boolean>> fs = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
          int[] bs = shapes[i % shapes.length];
          fs.add(
              pool.submit(
                  () -> tt.run(inputs(bs[0], bs[1])).equals(ttLocal.run(inputs(bs[0], bs[1])))));
        }
        for (Future<Boolean> f : fs) {
          check(f.get(60, TimeUnit.SECONDS), "a concurrent run differs");
        }
      } finally {
        pool.shutdownNow();
      }
      System.out.println("{\"step\": \"concurrent\", \"runs\": 24}");

      // A dead server: unavailable, and the same instance works once the server is back.
      waitFor("stop");
      for (int i = 0; i < 2; i++) {
        expect("unavailable", RemoteUnavailableException.class, () -> tt.run(inputs(2, 3)));
      }
      waitFor("start");
      check(
          tt.run(inputs(2, 3)).equals(ttLocal.run(inputs(2, 3))),
          "usable after the server is back");
      check(
          head.run(DecodeHead.inputs().logits(ttLocal.run(inputs(2, 3)).logits()).build()) != null,
          "head usable after the server is back");
    }
    TinyTransformer closed = TinyTransformer.connect(remote);
    closed.close();
    closed.close();
    try {
      closed.run(inputs(2, 3));
      throw new AssertionError("run after close");
    } catch (ModelClosedException e) {
      check(e.getMessage().equals("model is closed"), e.getMessage());
    }
    System.out.println("REMOTE CHECK PASSED");
  }
}
