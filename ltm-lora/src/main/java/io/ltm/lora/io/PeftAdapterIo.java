package io.ltm.lora.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Saves and loads adapters in PEFT's directory layout: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with keys
 * {@code base_model.model.<module>.lora_A.weight} ({@code [r, in]}) and {@code ...lora_B.weight}
 * ({@code [out, r]}), as PEFT's {@code save_pretrained} writes them and vLLM reads them. Saving writes a
 * temporary sibling directory and renames it over the target, so a reader sees the old adapter or the
 * complete new one. Stateless and thread-safe.
 */
public final class PeftAdapterIo {

  /** The weights file inside an adapter directory. */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  /** The prefix PEFT puts before module names. */
  public static final String KEY_PREFIX = "base_model.model.";

  private PeftAdapterIo() {}

  /**
   * Writes the adapter to {@code dir} (replacing what is there) atomically.
   *
   * @param adapter the adapter
   * @param dir the adapter directory
   * @param dtype F32, F16 or BF16 on disk
   * @throws IOException when writing fails; the old directory is then unchanged
   */
  public static void save(LoraAdapter adapter, Path dir, TensorDType dtype) throws IOException {
    Path abs = dir.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    Path tmp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".tmp-");
    try {
      PeftAdapterConfig.write(adapter.config(), tmp);
      SafetensorsWriter w = new SafetensorsWriter(dtype);
      for (var e : adapter.parameters().entrySet()) {
        NDArray a = e.getValue();
        w.add(KEY_PREFIX + e.getKey(), a.getShape().getShape(), a.toFloatArray());
      }
      w.write(tmp.resolve(WEIGHTS_FILE));
      AtomicFiles.moveAtomically(tmp, abs);
    } finally {
      AtomicFiles.deleteRecursively(tmp);
    }
  }

  /**
   * Reads an adapter directory.
   *
   * @param dir the adapter directory
   * @param name the name to attach it under
   * @param parent the manager (and device) its weights go under
   * @return the adapter, not trainable (call {@link LoraAdapter#setTrainable} to train on)
   * @throws IOException when a file is missing or malformed, a key is not PEFT's, or shapes do not fit
   *     the config; the message names the file and tensor
   */
  public static LoraAdapter load(Path dir, String name, NDManager parent) throws IOException {
    LoraConfig config = PeftAdapterConfig.read(dir);
    Path file = dir.resolve(WEIGHTS_FILE);
    if (!Files.exists(file)) {
      if (Files.exists(dir.resolve("adapter_model.bin"))) {
        throw new IOException(file + ": not found; only adapter_model.bin (a pickle) is there. Convert it with PEFT: "
            + "PeftModel.from_pretrained(...).save_pretrained(dir, safe_serialization=True)");
      }
      throw new IOException(file + ": not found; an adapter directory holds " + WEIGHTS_FILE);
    }
    SafetensorsFile st;
    try {
      st = SafetensorsFile.open(file);
    } catch (CheckpointException e) {
      throw new IOException(e.getMessage(), e);
    }
    Map<String, TensorInfo[]> pairs = new TreeMap<>(); // module -> {A, B}
    for (var e : st.tensors().entrySet()) {
      String key = e.getKey();
      String k = key.startsWith(KEY_PREFIX) ? key.substring(KEY_PREFIX.length()) : key;
      int slot;
      String module;
      if (k.endsWith(LoraAdapter.A_SUFFIX)) {
        slot = 0;
        module = k.substring(0, k.length() - LoraAdapter.A_SUFFIX.length());
      } else if (k.endsWith(LoraAdapter.B_SUFFIX)) {
        slot = 1;
        module = k.substring(0, k.length() - LoraAdapter.B_SUFFIX.length());
      } else {
        throw new IOException(file + ": tensor " + key + " is not a LoRA weight (expected keys like "
            + KEY_PREFIX + "model.layers.0.self_attn.q_proj.lora_A.weight); DoRA magnitudes, biases and "
            + "modules_to_save are not supported");
      }
      pairs.computeIfAbsent(module, x -> new TensorInfo[2])[slot] = e.getValue();
    }
    if (pairs.isEmpty()) {
      throw new IOException(file + ": holds no LoRA tensors");
    }
    NDManager manager = parent.newSubManager();
    try {
      Map<String, LoraModule> modules = new LinkedHashMap<>();
      for (var e : sortedByLayer(pairs).entrySet()) {
        TensorInfo a = e.getValue()[0];
        TensorInfo b = e.getValue()[1];
        if (a == null || b == null) {
          throw new IOException(file + ": module " + e.getKey() + " has " + (a == null ? "no lora_A" : "no lora_B")
              + " tensor; both are needed");
        }
        long[] sa = a.shape();
        long[] sb = b.shape();
        if (sa.length != 2 || sb.length != 2 || sa[0] != config.r() || sb[1] != config.r()) {
          throw new IOException(file + ": " + e.getKey() + ": lora_A " + a.shapeString() + " and lora_B "
              + b.shapeString() + " do not fit r = " + config.r() + " (expected [r, in] and [out, r])");
        }
        NDArray aw = manager.create(SafetensorsWriter.readFloats(a), new Shape(sa));
        NDArray bw = manager.create(SafetensorsWriter.readFloats(b), new Shape(sb));
        modules.put(e.getKey(), new LoraModule(e.getKey(), aw, bw, config.scaling(), (float) config.loraDropout()));
      }
      return new LoraAdapter(name, config, modules, manager);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Orders module names by layer number, then name, so the adapter's order follows the model's. */
  private static Map<String, TensorInfo[]> sortedByLayer(Map<String, TensorInfo[]> pairs) {
    TreeMap<String, TensorInfo[]> out = new TreeMap<>((x, y) -> {
      int c = Integer.compare(layerOf(x), layerOf(y));
      return c != 0 ? c : x.compareTo(y);
    });
    out.putAll(pairs);
    return out;
  }

  private static int layerOf(String module) {
    String marker = ".layers.";
    int i = module.indexOf(marker);
    if (i < 0) {
      return Integer.MAX_VALUE;
    }
    int j = i + marker.length();
    int k = j;
    while (k < module.length() && Character.isDigit(module.charAt(k))) {
      k++;
    }
    return k > j ? Integer.parseInt(module.substring(j, k)) : Integer.MAX_VALUE;
  }
}
