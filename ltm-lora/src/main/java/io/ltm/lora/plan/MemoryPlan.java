package io.ltm.lora.plan;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a model needs in memory for training and for generation, made from {@code config.json} alone by
 * {@link MemoryPlanner}. Immutable and thread-safe.
 *
 * @param modelType the config's {@code model_type}
 * @param device {@code cpu} or {@code cuda}
 * @param totalParameters every weight of the model
 * @param activeParameters the weights one token's forward reads (all of a dense model; the routed experts
 *     only for a mixture of experts)
 * @param trainableParameters LoRA A and B weights for the request's targets and rank
 * @param train the peak of one {@code ltm train} run with the request's flags
 * @param generate the peak of a generation of {@code --max-len} prompt tokens plus {@code --max-new-tokens}
 * @param activationsNoCheckpointing training activations kept for backward without checkpointing, bytes
 * @param activationsCheckpointing the same with {@code --gradient-checkpointing}, bytes
 * @param memoryBytes the memory the plan is checked against
 * @param memorySource where {@code memoryBytes} came from (e.g. {@code --memory}, {@code /proc/meminfo})
 * @param advice flags that would make a training run that does not fit fit (empty when it fits)
 */
public record MemoryPlan(
    String modelType,
    String device,
    long totalParameters,
    long activeParameters,
    long trainableParameters,
    Phase train,
    Phase generate,
    long activationsNoCheckpointing,
    long activationsCheckpointing,
    long memoryBytes,
    String memorySource,
    List<String> advice) {

  public MemoryPlan {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(generate, "generate");
    advice = List.copyOf(advice);
  }

  /**
   * The bytes of one phase at its peak.
   *
   * @param bytes the predicted peak: the sum of {@code parts}
   * @param parts named parts in bytes, in the order they are printed
   * @param peakAt when the peak is reached (e.g. {@code loss}, {@code evaluation}, {@code prefill})
   */
  public record Phase(long bytes, Map<String, Long> parts, String peakAt) {
    public Phase {
      parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
      long sum = parts.values().stream().mapToLong(Long::longValue).sum();
      if (sum != bytes) {
        throw new IllegalArgumentException("phase bytes " + bytes + " differ from the sum of its parts " + sum);
      }
    }

    /** A phase whose bytes are the sum of {@code parts}. */
    static Phase of(Map<String, Long> parts, String peakAt) {
      return new Phase(parts.values().stream().mapToLong(Long::longValue).sum(), parts, peakAt);
    }
  }

  /** True when the training peak fits {@link #memoryBytes}. */
  public boolean fitsTrain() {
    return train.bytes() <= memoryBytes;
  }

  /** True when the generation peak fits {@link #memoryBytes}. */
  public boolean fitsGenerate() {
    return generate.bytes() <= memoryBytes;
  }

  /** One line for the start of {@code ltm train}, e.g. {@code plan: train peak 9.1 GiB of 23.4 GiB (fits) ...}. */
  public String summaryLine() {
    return String.format(Locale.ROOT, "plan: %s, %s: train peak %s of %s (%s), generate peak %s; %,d parameters (%,d active), %,d trainable",
        modelType, device, ByteSize.gib(train.bytes()), ByteSize.gib(memoryBytes), fitsTrain() ? "fits" : "DOES NOT FIT",
        ByteSize.gib(generate.bytes()), totalParameters, activeParameters, trainableParameters);
  }

  /** The plan as a human-readable table. */
  public String format() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%s on %s: %,d parameters, %,d active per token, %,d trainable (LoRA)%n",
        modelType, device, totalParameters, activeParameters, trainableParameters));
    s.append(String.format(Locale.ROOT, "memory: %s (%s)%n", ByteSize.gib(memoryBytes), memorySource));
    appendPhase(s, "train", train, fitsTrain());
    s.append(String.format(Locale.ROOT, "  (activation memory of training: %s without checkpointing, %s with)%n",
        ByteSize.gib(activationsNoCheckpointing), ByteSize.gib(activationsCheckpointing)));
    appendPhase(s, "generate", generate, fitsGenerate());
    for (String a : advice) {
      s.append("to fit: ").append(a).append(System.lineSeparator());
    }
    return s.toString();
  }

  private void appendPhase(StringBuilder s, String name, Phase p, boolean fits) {
    s.append(String.format(Locale.ROOT, "%s: peak %s at %s, %s%n", name, ByteSize.gib(p.bytes()), p.peakAt(),
        fits ? "fits" : "does NOT fit"));
    for (Map.Entry<String, Long> e : p.parts().entrySet()) {
      s.append(String.format(Locale.ROOT, "  %-16s %12s%n", e.getKey(), ByteSize.gib(e.getValue())));
    }
  }

  /**
   * {@code {"parameters":{"total":N,"active":N,"trainable":N},"train":{"bytes":N,"parts":{...},...},
   * "generate":{...},"fits":{"train":bool,"generate":bool},...}}.
   */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("model_type", modelType);
    root.put("device", device);
    ObjectNode params = root.putObject("parameters");
    params.put("total", totalParameters);
    params.put("active", activeParameters);
    params.put("trainable", trainableParameters);
    ObjectNode t = phaseJson(root, "train", train);
    ObjectNode acts = t.putObject("activations");
    acts.put("no_checkpointing", activationsNoCheckpointing);
    acts.put("checkpointing", activationsCheckpointing);
    phaseJson(root, "generate", generate);
    ObjectNode fits = root.putObject("fits");
    fits.put("train", fitsTrain());
    fits.put("generate", fitsGenerate());
    ObjectNode mem = root.putObject("memory");
    mem.put("bytes", memoryBytes);
    mem.put("source", memorySource);
    advice.forEach(root.putArray("advice")::add);
    return root;
  }

  private static ObjectNode phaseJson(ObjectNode root, String name, Phase p) {
    ObjectNode o = root.putObject(name);
    o.put("bytes", p.bytes());
    o.put("peak_at", p.peakAt());
    ObjectNode parts = o.putObject("parts");
    p.parts().forEach(parts::put);
    return o;
  }
}
