package io.ltm.metrics.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.metrics.trace.Metric;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * What an experiment decided before it trained anything: the question's primary metrics, the probes,
 * the sampling settings, the control, the training seeds and which adapter labels belong to which
 * condition. Written into {@code RUN/seed.json} (key {@code preregistration}) before training; the
 * analysis reads it back and treats every metric not listed as primary as exploratory. Immutable;
 * checked at construction.
 *
 * @param primary the primary metrics, at least one
 * @param probes the probe ids, in order
 * @param sampling the generation settings every variant uses (same sampling seed for all)
 * @param iterations loop iterations per probe
 * @param control the control's name ({@code none}, {@code no-reasoning}, ...)
 * @param trainingSeeds one seed per training run of each condition
 * @param adapterLabels the trace label of the adapter trained with each seed (same order)
 * @param controlLabels the trace label of the control trained with each seed; empty for no control
 * @param alpha the family-wise error rate of the primary tests
 * @param registeredAt when it was written (ISO-8601)
 */
public record Preregistration(List<Metric> primary, List<String> probes, GenerationSettings sampling, int iterations,
    String control, List<Long> trainingSeeds, List<String> adapterLabels, List<String> controlLabels, double alpha,
    String registeredAt) {
  /** Default primary metrics: the step kinds the scenes label (tension, rewrite, reflection, verification, backtracking). */
  public static final List<Metric> DEFAULT_PRIMARY = List.of(Metric.TENSION_PER_1K, Metric.REWRITE_PER_1K,
      Metric.REFLECT_PER_1K, Metric.VERIFY_PER_1K, Metric.BACKTRACK_PER_1K);
  /** Default alpha. */
  public static final double DEFAULT_ALPHA = 0.05;
  /** The correction of the primary family. */
  public static final String PRIMARY_CORRECTION = "holm";
  /** The correction of the exploratory metrics. */
  public static final String EXPLORATORY_CORRECTION = "benjamini-hochberg";

  public Preregistration {
    primary = List.copyOf(primary);
    probes = List.copyOf(probes);
    trainingSeeds = List.copyOf(trainingSeeds);
    adapterLabels = List.copyOf(adapterLabels);
    controlLabels = List.copyOf(controlLabels);
    Objects.requireNonNull(sampling, "sampling");
    Objects.requireNonNull(control, "control");
    Objects.requireNonNull(registeredAt, "registeredAt");
    if (primary.isEmpty()) {
      throw new IllegalArgumentException("at least one primary metric is needed");
    }
    if (new HashSet<>(primary).size() != primary.size()) {
      throw new IllegalArgumentException("primary metrics repeat: " + primary);
    }
    if (trainingSeeds.isEmpty() || adapterLabels.size() != trainingSeeds.size()) {
      throw new IllegalArgumentException("one adapter label per training seed is needed: " + adapterLabels.size()
          + " labels for " + trainingSeeds.size() + " seeds");
    }
    if (!controlLabels.isEmpty() && controlLabels.size() != trainingSeeds.size()) {
      throw new IllegalArgumentException("one control label per training seed is needed: " + controlLabels.size()
          + " labels for " + trainingSeeds.size() + " seeds");
    }
    if (control.equals("none") != controlLabels.isEmpty()) {
      throw new IllegalArgumentException("control '" + control + "' but " + controlLabels.size() + " control labels");
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1) but got " + alpha);
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be >= 1 but got " + iterations);
    }
  }

  /** True when a control was trained. */
  public boolean hasControl() {
    return !controlLabels.isEmpty();
  }

  /**
   * The primary metrics named by their keys (comma list, e.g. {@code rewritePer1k,reflectPer1k}).
   *
   * @throws IllegalArgumentException naming an unknown key and the known ones
   */
  public static List<Metric> parseMetrics(String keys) {
    List<Metric> out = new ArrayList<>();
    for (String k : keys.split(",")) {
      String key = k.trim();
      if (key.isEmpty()) {
        continue;
      }
      Metric found = null;
      for (Metric m : Metric.values()) {
        if (m.key().equalsIgnoreCase(key)) {
          found = m;
        }
      }
      if (found == null) {
        throw new IllegalArgumentException("unknown metric '" + key + "'; known: "
            + java.util.Arrays.stream(Metric.values()).map(Metric::key).toList());
      }
      out.add(found);
    }
    return out;
  }

  /** The JSON form (snake_case keys). */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.put("registered_at", registeredAt);
    o.put("question", "does training on the scenes' thinking change how the model thinks, beyond what the same "
        + "training without that thinking (the control) does?");
    ArrayNode p = o.putArray("primary_metrics");
    primary.forEach(m -> p.add(m.key()));
    o.put("exploratory", "every other metric: reported, marked exploratory, " + EXPLORATORY_CORRECTION
        + "-adjusted, not part of the verdict");
    ArrayNode pr = o.putArray("probes");
    probes.forEach(pr::add);
    ObjectNode s = o.putObject("sampling");
    s.put("max_new_tokens", sampling.maxNewTokens());
    s.put("temperature", sampling.temperature());
    s.put("top_p", sampling.topP());
    s.put("top_k", sampling.topK());
    s.put("repetition_penalty", sampling.repetitionPenalty());
    s.put("seed", sampling.seed());
    s.put("enable_thinking", sampling.enableThinking());
    s.put("iterations", iterations);
    o.put("control", control);
    ArrayNode ts = o.putArray("training_seeds");
    trainingSeeds.forEach(ts::add);
    ObjectNode c = o.putObject("conditions");
    ArrayNode a = c.putArray("adapter");
    adapterLabels.forEach(a::add);
    ArrayNode cl = c.putArray("control");
    controlLabels.forEach(cl::add);
    o.put("alpha", alpha);
    o.put("correction", PRIMARY_CORRECTION + " over the primary metrics x {vs base, vs control}");
    o.put("test", "paired t-test across probes of (adapter - comparison), each probe's difference averaged over training seeds");
    o.put("interval", "95% crossed bootstrap over probes and training seeds, expanded percentile");
    return o;
  }

  /**
   * Reads the JSON form.
   *
   * @throws IllegalArgumentException naming the missing or bad field
   */
  public static Preregistration fromJson(JsonNode o) {
    try {
      JsonNode s = need(o, "sampling");
      GenerationSettings g = new GenerationSettings(need(s, "max_new_tokens").asInt(), need(s, "temperature").asDouble(),
          need(s, "top_p").asDouble(), need(s, "top_k").asInt(), need(s, "repetition_penalty").asDouble(),
          need(s, "seed").asLong(), need(s, "enable_thinking").asBoolean());
      List<Metric> primary = new ArrayList<>();
      need(o, "primary_metrics").forEach(n -> primary.addAll(parseMetrics(n.asText())));
      List<String> probes = new ArrayList<>();
      need(o, "probes").forEach(n -> probes.add(n.asText()));
      List<Long> seeds = new ArrayList<>();
      need(o, "training_seeds").forEach(n -> seeds.add(n.asLong()));
      JsonNode c = need(o, "conditions");
      List<String> a = new ArrayList<>();
      need(c, "adapter").forEach(n -> a.add(n.asText()));
      List<String> cl = new ArrayList<>();
      need(c, "control").forEach(n -> cl.add(n.asText()));
      return new Preregistration(primary, probes, g, need(s, "iterations").asInt(), need(o, "control").asText(), seeds, a, cl,
          need(o, "alpha").asDouble(), need(o, "registered_at").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("preregistration: " + e.getMessage(), e);
    }
  }

  private static JsonNode need(JsonNode o, String field) {
    JsonNode n = o == null ? null : o.get(field);
    if (n == null || n.isNull()) {
      throw new IllegalArgumentException("field '" + field + "' is missing");
    }
    return n;
  }

  /** True when {@code other} registered the same design (everything but the time). */
  public boolean sameDesign(Preregistration other) {
    return primary.equals(other.primary) && probes.equals(other.probes) && sampling.equals(other.sampling)
        && iterations == other.iterations && control.equals(other.control) && trainingSeeds.equals(other.trainingSeeds)
        && adapterLabels.equals(other.adapterLabels) && controlLabels.equals(other.controlLabels) && alpha == other.alpha;
  }
}
