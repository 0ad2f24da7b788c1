package io.ltm.metrics.detect.learned;

/**
 * How steps become features; saved with every learned detector, since a model only reads vectors made
 * the same way.
 *
 * @param hashBits features are hashed into {@code 2^hashBits} slots, 12 to 24
 * @param charMin shortest character n-gram, at least 1
 * @param charMax longest character n-gram, at least {@code charMin}, at most 8
 * @param window how many earlier steps a step is compared with (similarity, previous step), at least 1
 * @param ruleCues whether the rules' cues (strength per behaviour and their step classification) are features
 * @param context whether position, previous step and similarity to earlier steps are features
 */
public record FeatureConfig(int hashBits, int charMin, int charMax, int window, boolean ruleCues, boolean context) {
  /** 2^18 slots, character 3- to 5-grams, 12 earlier steps, rule cues and context on. */
  public static final FeatureConfig DEFAULT = new FeatureConfig(18, 3, 5, 12, true, true);

  public FeatureConfig {
    if (hashBits < 12 || hashBits > 24) {
      throw new IllegalArgumentException("hashBits must be in [12, 24] but got " + hashBits);
    }
    if (charMin < 1 || charMax < charMin || charMax > 8) {
      throw new IllegalArgumentException("char n-grams need 1 <= charMin <= charMax <= 8 but got " + charMin + ".." + charMax);
    }
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1 but got " + window);
    }
  }

  /** Number of hash slots. */
  public int dimension() {
    return 1 << hashBits;
  }
}
