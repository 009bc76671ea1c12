import demo.iris.LogregIris;
import demo.iris.runtime.ModelInputException;

/** Run the generated Java SDK for logreg_iris on three flowers and show a checked error. */
public final class Demo {
  public static void main(String[] args) {
    float[] x = {5.1f, 3.5f, 6.2f, 3.4f, 7.7f, 2.6f};
    try (LogregIris model = LogregIris.create()) {
      System.out.println("threads (intra, inter): (" + model.config().intraOpThreads() + ", "
          + model.config().interOpThreads() + "), spinning: " + model.config().allowSpinning());
      LogregIris.Outputs out = model.run(LogregIris.inputs().floatInput(x, 3, 2).build());
      System.out.println("label: " + java.util.Arrays.toString(out.label().data()));
      for (int i = 0; i < out.probabilities().size(); i++) {
        System.out.println("  row " + i + ": " + new java.util.TreeMap<>(out.probabilities().get(i)));
      }
      try {
        model.run(LogregIris.inputs().floatInput(x, 2, 3).build());
      } catch (ModelInputException e) {
        System.out.println("checked error: " + e.getMessage());
      }
    }
  }
}
