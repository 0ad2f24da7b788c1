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
 * @param version which feature set: 1, the first release's (n-grams, stems, rule cues, position,
 *     similarity, shape); 2 adds the step's relation to all earlier steps (novelty, how far back the
 *     most similar step is, how many it echoes), clause structure, word classes shared by English and
 *     Russian (first person, mental and feeling words, negation, comparison, a first past-tense verb),
 *     and marks a step without neighbours as such instead of as a first step; 3 adds the rules'
 *     classification of the next step (or that the step is the last), when {@code context} and
 *     {@code ruleCues} are on. A
 *     detector file without the field is version 1.
 */
public record FeatureConfig(int hashBits, int charMin, int charMax, int window, boolean ruleCues, boolean context,
    int version) {
  /** 2^18 slots, character 3- to 5-grams, 12 earlier steps, rule cues and context on, feature set 3. */
  public static final FeatureConfig DEFAULT = new FeatureConfig(18, 3, 5, 12, true, true, 3);

  /** The newest feature set. */
  public static final int LATEST_VERSION = 3;

  public FeatureConfig {
    if (version == 0) {
      version = 1; // written before the field existed
    }
    if (version < 1 || version > LATEST_VERSION) {
      throw new IllegalArgumentException("feature version must be in [1, " + LATEST_VERSION + "] but got " + version
          + "; a newer ltm wrote this detector");
    }
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

  /** These settings with another feature version. */
  public FeatureConfig withVersion(int v) {
    return new FeatureConfig(hashBits, charMin, charMax, window, ruleCues, context, v);
  }

  /** These settings with the rules' cues as features or not. */
  public FeatureConfig withRuleCues(boolean r) {
    return new FeatureConfig(hashBits, charMin, charMax, window, r, context, version);
  }

  /** Number of hash slots. */
  public int dimension() {
    return 1 << hashBits;
  }
}
