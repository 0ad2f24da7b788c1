package io.ltm.lora.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Loads the torch reference fixture written by src/test/python/lora_train_reference.py. */
public final class ReferenceFixture {
  private static JsonNode root;

  private ReferenceFixture() {}

  /** @return the fixture's root object */
  public static synchronized JsonNode root() {
    if (root == null) {
      try {
        root = new ObjectMapper().readTree(Path.of("src/test/resources/fixtures/lora_train_reference.json").toFile());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return root;
  }

  /** @param n a JSON array of numbers @return the values as floats */
  public static float[] floats(JsonNode n) {
    float[] out = new float[n.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) n.get(i).asDouble();
    }
    return out;
  }

  /** @param n a JSON array of ints @return the shape */
  public static long[] shape(JsonNode n) {
    long[] out = new long[n.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = n.get(i).asLong();
    }
    return out;
  }

  /** Largest |a-b| / max(1e-6, |b|) over elements where |b| is not tiny; absolute otherwise. */
  public static double maxRelError(float[] actual, float[] expected) {
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      double d = Math.abs(actual[i] - expected[i]);
      double rel = d / Math.max(1e-3, Math.abs(expected[i]));
      worst = Math.max(worst, rel);
    }
    return worst;
  }
}
