import java.util.Arrays;
import sdkgen.models.DecodeHead;
import sdkgen.models.TinyTransformer;
import sdkgen.models.runtime.FloatTensor;
import sdkgen.models.runtime.LongTensor;

/**
 * Two models of one generated SDK in one process: the transformer's {@code logits} output goes to
 * the decode head as is, and the decoded {@code token_ids} go back into the transformer once.
 *
 * <p>Prints one JSON line per round: token ids, scores (float16, shown as floats) and tokens.
 */
public final class TwoModels {
  private TwoModels() {}

  public static void main(String[] args) {
    long[] ids = {1, 5, 9, 2, 7, 3};
    long[] mask = {1, 1, 1, 1, 1, 0};
    try (TinyTransformer transformer = TinyTransformer.create();
        DecodeHead head = DecodeHead.create()) {
      LongTensor tokens = new LongTensor(ids, new long[] {2, 3});
      for (int round = 0; round < 2; round++) {
        FloatTensor logits =
            transformer
                .run(TinyTransformer.inputs().inputIds(tokens).attentionMask(mask, 2, 3).build())
                .logits();
        DecodeHead.Outputs out = head.run(DecodeHead.inputs().logits(logits).build());
        System.out.println(json(out));
        tokens = out.tokenIds(); // the decoded ids feed the transformer again, as is
      }
    }
  }

  private static String json(DecodeHead.Outputs out) {
    StringBuilder tokens = new StringBuilder();
    for (String t : out.tokens().data()) {
      tokens.append(tokens.length() == 0 ? "" : ", ").append('"').append(t).append('"');
    }
    return "{\"token_ids\": "
        + Arrays.toString(out.tokenIds().data())
        + ", \"shape\": "
        + Arrays.toString(out.tokenIds().shape())
        + ", \"scores\": "
        + Arrays.toString(out.scores().toFloats())
        + ", \"tokens\": ["
        + tokens
        + "]}";
  }
}
