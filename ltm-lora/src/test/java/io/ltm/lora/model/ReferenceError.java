package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/** The largest gap between our per-token logprobs and entropies and a reference fixture's entry. */
final class ReferenceError {
  private ReferenceError() {}

  /**
   * @param logprobs ours, one per predicted token (T-1)
   * @param entropies ours, one per position (T)
   * @param expected the fixture entry: {@code {"logprobs": [...], "entropies": [...]}}
   * @return max |ours - reference| over both
   */
  static double max(float[] logprobs, float[] entropies, JsonNode expected) {
    JsonNode exLp = expected.get("logprobs");
    JsonNode exEnt = expected.get("entropies");
    assertThat(logprobs).hasSize(exLp.size());
    double maxErr = 0;
    for (int i = 0; i < logprobs.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(logprobs[i] - exLp.get(i).asDouble()));
    }
    for (int i = 0; i < entropies.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(entropies[i] - exEnt.get(i).asDouble()));
    }
    return maxErr;
  }
}
