package io.ltm.lora.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.lora.io.AtomicFiles;
import io.ltm.lora.io.HfTensorLayout;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.SafetensorsWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.DecoderWeights;
import io.ltm.lora.model.LayerNorms;
import io.ltm.lora.model.LinearProjection;
import io.ltm.lora.model.Projection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded base decoder with any number of LoRA adapters attached: every projection is wrapped once in a
 * {@link LoraProjection}, so adapters are added, switched per request ({@link #use}) and removed without
 * reloading the base. Adapters can be merged into the base weights, saved merged as an HF checkpoint, and
 * unmerged. Owns the attached adapters (closed with it); the decoder stays the caller's.
 *
 * <p>Thread-safety: forwards on different threads may use different adapters ({@link AdapterSelection} is
 * per thread); attaching, detaching and merging must not race with a forward.
 */
public final class LoraModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LoraModel.class);

  private final Decoder decoder;
  private final AdapterSelection selection = new AdapterSelection();
  private final Map<String, LoraProjection> projections = new LinkedHashMap<>();
  private final Map<String, LoraAdapter> adapters = new LinkedHashMap<>();

  /**
   * Wraps every projection of the decoder.
   *
   * @param decoder the base model (not closed by this object)
   */
  public LoraModel(Decoder decoder) {
    this.decoder = decoder;
    for (Projection p : new ArrayList<>(decoder.projections().values())) {
      LoraProjection lp = p instanceof LoraProjection already ? already : new LoraProjection(p, selection);
      decoder.replaceProjection(p.name(), lp);
      projections.put(p.name(), lp);
    }
  }

  /** @return the base decoder */
  public Decoder decoder() {
    return decoder;
  }

  /** @return the per-thread adapter choice */
  public AdapterSelection selection() {
    return selection;
  }

  /** @return the LoRA-wrapped projections by module name */
  public Collection<LoraProjection> projections() {
    return projections.values();
  }

  /**
   * Creates a fresh adapter (PEFT initialization) and attaches it.
   *
   * @param name the adapter name
   * @param config the settings
   * @param seed the initialization seed
   * @return the adapter, trainable
   */
  public LoraAdapter create(String name, LoraConfig config, long seed) {
    List<Projection> bases = new ArrayList<>();
    for (LoraProjection p : projections.values()) {
      bases.add(p.base());
    }
    LoraAdapter a = LoraAdapter.create(name, config, bases, decoder.manager(), seed);
    attach(a);
    return a;
  }

  /**
   * Loads an adapter directory (PEFT layout) and attaches it.
   *
   * @param dir the adapter directory
   * @param name the name to use it under
   * @return the adapter
   * @throws IOException when the files are malformed or do not fit this model (naming module and shape)
   */
  public LoraAdapter load(Path dir, String name) throws IOException {
    LoraAdapter a = PeftAdapterIo.load(dir, name, decoder.manager());
    try {
      attach(a);
    } catch (IllegalArgumentException e) {
      a.close();
      throw new IOException(dir + ": " + e.getMessage(), e);
    }
    List<String> untrained = new ArrayList<>();
    for (String module : projections.keySet()) {
      if (a.config().targetModules().matches(module) && !a.modules().containsKey(module)) {
        untrained.add(module);
      }
    }
    if (!untrained.isEmpty()) {
      LOG.warn("{}: adapter_config.json targets {} projection(s) with no LoRA weights in the file, e.g. {}; they run as "
          + "the base model. Was the adapter saved from another base model or with other target_modules?",
          dir, untrained.size(), untrained.get(0));
    }
    return a;
  }

  /**
   * Attaches an adapter; this model closes it on {@link #detach} or {@link #close}.
   *
   * @param adapter the adapter; every module must name a projection of this model with matching shapes
   * @throws IllegalArgumentException naming the module that does not fit, or a duplicate name
   */
  public void attach(LoraAdapter adapter) {
    if (adapters.containsKey(adapter.name())) {
      throw new IllegalArgumentException("an adapter named " + adapter.name() + " is already attached");
    }
    if (adapter.name().equals(AdapterSelection.BASE)) {
      throw new IllegalArgumentException("adapter name must not be empty");
    }
    for (LoraModule m : adapter.modules().values()) {
      LoraProjection p = projections.get(m.moduleName());
      if (p == null) {
        Set<String> some = new TreeSet<>(projections.keySet());
        throw new IllegalArgumentException("adapter " + adapter.name() + " has weights for " + m.moduleName()
            + ", which this model does not have (it has " + some.size() + " projections such as "
            + some.iterator().next() + "); was it trained on another base model?");
      }
      if (m.inFeatures() != p.inFeatures() || m.outFeatures() != p.outFeatures()) {
        throw new IllegalArgumentException(m.moduleName() + ": adapter " + adapter.name() + " has lora_A [" + m.rank()
            + ", " + m.inFeatures() + "] and lora_B [" + m.outFeatures() + ", " + m.rank() + "], but the projection maps "
            + p.inFeatures() + " -> " + p.outFeatures() + "; was it trained on another base model?");
      }
    }
    for (LoraModule m : adapter.modules().values()) {
      projections.get(m.moduleName()).attach(adapter.name(), m);
    }
    adapters.put(adapter.name(), adapter);
  }

  /**
   * Detaches and closes an adapter (unmerging it first if merged).
   *
   * @param name the adapter
   */
  public void detach(String name) {
    LoraAdapter a = adapters.remove(name);
    if (a == null) {
      return;
    }
    if (projections.values().stream().anyMatch(p -> name.equals(p.merged()))) {
      LoraMerge.unmerge(name, projections.values());
    }
    for (LoraProjection p : projections.values()) {
      p.detach(name);
    }
    a.close();
  }

  /** @return the attached adapters by name */
  public Map<String, LoraAdapter> adapters() {
    return java.util.Collections.unmodifiableMap(adapters);
  }

  /**
   * Selects an adapter (or {@link AdapterSelection#BASE}) on this thread until the scope closes.
   *
   * @param name an attached adapter's name, or "" for the base model
   * @return the scope
   * @throws IllegalArgumentException when no such adapter is attached
   */
  public AdapterSelection.Scope use(String name) {
    if (!name.equals(AdapterSelection.BASE) && !adapters.containsKey(name)) {
      throw new IllegalArgumentException("no adapter named " + name + " is attached; attached: " + adapters.keySet());
    }
    return selection.use(name);
  }

  /**
   * Logits of the selected adapter (or base) for an input.
   *
   * @param scope owns the result and temporaries
   * @param input the tokens
   * @return logits (batch, length, vocab)
   */
  public NDArray logits(NDManager scope, DecoderInput input) {
    return decoder.forward(scope, input, null, false);
  }

  /**
   * Merges an adapter into the base weights ({@code W += scaling B A}).
   *
   * @param name the adapter
   */
  public void merge(String name) {
    requireAttached(name);
    LoraMerge.merge(name, projections.values());
  }

  /**
   * Takes a merged adapter out of the base weights.
   *
   * @param name the adapter
   */
  public void unmerge(String name) {
    requireAttached(name);
    LoraMerge.unmerge(name, projections.values());
  }

  /**
   * Writes the current base weights (with whatever adapter is merged) as a Hugging Face checkpoint:
   * {@code config.json}, {@code model.safetensors} and, when {@code copyFrom} is given, its tokenizer and
   * generation files. Atomic: the folder appears complete or not at all.
   *
   * @param dir the new model folder
   * @param dtype the dtype on disk
   * @param copyFrom the base model folder to copy tokenizer files from, or null
   * @throws IOException when writing fails
   */
  public void saveMerged(Path dir, TensorDType dtype, Path copyFrom) throws IOException {
    ModelConfig cfg = decoder.config();
    DecoderWeights w = decoder.weights();
    Path abs = dir.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    Path tmp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".tmp-");
    try {
      SafetensorsWriter out = new SafetensorsWriter(dtype);
      for (HfTensorLayout.Spec spec : HfTensorLayout.tensors(cfg)) {
        NDArray a = tensor(w, spec.name());
        io.ltm.lora.model.WeightFormat f = format(w, spec.name());
        out.add(spec.name(), spec.shape(), spec.elements(),
            () -> f == io.ltm.lora.model.WeightFormat.BF16 ? f.floats(a) : floats(a));
      }
      out.write(tmp.resolve("model.safetensors"));
      AtomicFiles.writeString(tmp.resolve("config.json"), cfg.toJson(dtype));
      if (copyFrom != null) {
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json",
            "special_tokens_map.json", "vocab.json", "merges.txt")) {
          if (Files.isRegularFile(copyFrom.resolve(f))) {
            Files.copy(copyFrom.resolve(f), tmp.resolve(f));
          }
        }
      }
      AtomicFiles.moveAtomically(tmp, abs);
    } finally {
      AtomicFiles.deleteRecursively(tmp);
    }
  }

  /**
   * The values of a frozen tensor as f32, without allocating in the (capped) model manager: f32 read
   * directly, f16 widened in Java; a tensor on another device is copied out through a scope.
   */
  private static float[] floats(NDArray a) {
    if (!a.getDevice().equals(ai.djl.Device.cpu())) {
      try (NDManager scope = NDManager.newBaseManager(ai.djl.Device.cpu())) {
        NDArray host = scope.from(a).toDevice(ai.djl.Device.cpu(), true);
        host.attach(scope);
        return floats(host);
      }
    }
    if (a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) {
      return a.toFloatArray();
    }
    if (a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT16) {
      java.nio.ShortBuffer h = a.toByteBuffer().order(java.nio.ByteOrder.nativeOrder()).asShortBuffer();
      float[] out = new float[h.remaining()];
      for (int i = 0; i < out.length; i++) {
        out[i] = io.ltm.lora.io.HalfFloats.fromF16(h.get(i));
      }
      return out;
    }
    throw new IllegalStateException("cannot save a " + a.getDataType() + " weight");
  }

  /** How the frozen tensor {@code name} is stored (BF16 for bf16 matrices kept for generation). */
  private static io.ltm.lora.model.WeightFormat format(DecoderWeights w, String name) {
    if (name.equals(HfTensorLayout.EMBED)) {
      return w.embeddingFormat();
    }
    if (name.equals(HfTensorLayout.LM_HEAD)) {
      return w.lmHead().format();
    }
    int dot = name.lastIndexOf('.');
    LinearProjection p = dot < 0 || name.endsWith(".bias") ? null : w.projections().get(name.substring(0, dot));
    return p == null ? io.ltm.lora.model.WeightFormat.F32 : p.format();
  }

  private NDArray tensor(DecoderWeights w, String name) {
    if (name.equals(HfTensorLayout.EMBED)) {
      return w.embedding();
    }
    if (name.equals(HfTensorLayout.FINAL_NORM)) {
      return w.finalNorm();
    }
    if (name.equals(HfTensorLayout.LM_HEAD)) {
      return w.lmHead().weight();
    }
    for (int l = 0; l < w.layers().size(); l++) {
      LayerNorms n = w.layers().get(l);
      if (name.equals(HfTensorLayout.inputNorm(l))) {
        return n.input();
      } else if (name.equals(HfTensorLayout.postAttentionNorm(l))) {
        return n.postAttention();
      } else if (name.equals(HfTensorLayout.qNorm(l))) {
        return n.q();
      } else if (name.equals(HfTensorLayout.kNorm(l))) {
        return n.k();
      }
    }
    String module = name.substring(0, name.lastIndexOf('.'));
    LinearProjection p = w.projections().get(module);
    if (p != null) {
      return name.endsWith(".bias") ? p.bias() : p.weight();
    }
    throw new IllegalStateException("no tensor " + name + " in the loaded weights");
  }

  /**
   * The counts PEFT's {@code print_trainable_parameters} shows for an adapter.
   *
   * @param name the adapter
   * @return trainable and total parameters
   */
  public TrainableParameters trainableParameters(String name) {
    return requireAttached(name).trainableParameters(decoder.config().parameterCount());
  }

  private LoraAdapter requireAttached(String name) {
    LoraAdapter a = adapters.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no adapter named " + name + " is attached; attached: " + adapters.keySet());
    }
    return a;
  }

  @Override
  public void close() {
    for (String n : new ArrayList<>(adapters.keySet())) {
      detach(n);
    }
  }
}
