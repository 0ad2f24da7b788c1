package io.ltm.lora.io;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderWeights;
import io.ltm.lora.model.LayerNorms;
import io.ltm.lora.model.LinearProjection;
import io.ltm.lora.model.ProjectionKind;
import io.ltm.lora.model.WeightFormat;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a Hugging Face model directory into a {@link Decoder}: config.json, then every tensor that
 * {@link HfTensorLayout} says the config needs, checked for presence and shape, converted (BF16 to
 * f32 in Java, 64 MiB at a time, straight into the tensor; F16 through DJL) and copied to the device
 * one tensor at a time from a memory mapping that is released right after, so resident memory peaks
 * near the size of the loaded weights plus one tensor. With {@link LoadOptions#keep16Bit()} on the CPU a
 * bf16 weight matrix is copied as it is ({@link WeightFormat#BF16}: its bits in a FLOAT16 array).
 */
public final class DecoderLoader {
  private static final Logger LOG = LoggerFactory.getLogger(DecoderLoader.class);
  private static final long BF16_CHUNK = 1L << 24; // elements widened at a time (64 MiB of f32)

  private DecoderLoader() {}

  /** Loads {@code modelDir} in f32 on the CPU. */
  public static Decoder load(Path modelDir) {
    return load(modelDir, LoadOptions.cpu());
  }

  /**
   * Loads {@code modelDir} with {@code options}. The returned decoder owns its native memory; close it.
   *
   * @throws CheckpointException naming the file and tensor when anything is missing or malformed
   */
  public static Decoder load(Path modelDir, LoadOptions options) {
    return load(modelDir, options, BF16_CHUNK);
  }

  /** As {@link #load(Path, LoadOptions)}, widening bf16 {@code bf16Chunk} elements at a time (tests). */
  static Decoder load(Path modelDir, LoadOptions options, long bf16Chunk) {
    if (!Files.isDirectory(modelDir)) {
      throw new CheckpointException(modelDir, "not a directory (expected a Hugging Face model directory)");
    }
    ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
    SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(modelDir);
    String why = "config.json (" + config.modelType() + ", " + config.numLayers() + " layers, hidden "
        + config.hiddenSize() + (config.isMoe() ? ", " + config.moe().numExperts() + " experts of "
        + config.moe().moeIntermediateSize() + " in " + config.moe().sparseLayers(config.numLayers()).size()
        + " sparse layers" : "")
        + ")";
    // Check every tensor before loading any, so a bad checkpoint fails fast.
    Map<String, TensorInfo> infos = new HashMap<>();
    for (HfTensorLayout.Spec spec : HfTensorLayout.tensors(config)) {
      infos.put(spec.name(), ckpt.require(spec.name(), spec.shape(), why));
    }
    long start = System.nanoTime();
    DataType target = options.weightType() == TensorDType.F16 ? DataType.FLOAT16 : DataType.FLOAT32;
    boolean keep16Bit = options.keep16Bit() && options.device().equals(Device.cpu());
    NDManager manager = Engine.getEngine("PyTorch").newBaseManager(options.device());
    try {
      TensorLoader tl = new TensorLoader(manager, target, bf16Chunk);
      // bf16 products for prefill and scoring (not the lm head, whose logits keep the f32 product)
      MatrixLoader ml = info -> keep16Bit && info.dtype() == TensorDType.BF16
          ? new LinearProjection(info.name(), tl.loadBits(info), null, WeightFormat.BF16, options.bf16Matmul())
          : new LinearProjection(info.name(), tl.load(info), null);
      LinearProjection embed = ml.load(infos.get(HfTensorLayout.EMBED));
      NDArray embedding = embed.weight();
      List<LayerNorms> layers = new ArrayList<>();
      Map<String, LinearProjection> projections = new HashMap<>();
      for (int l = 0; l < config.numLayers(); l++) {
        boolean sparse = config.isSparseLayer(l);
        for (ProjectionKind k : ProjectionKind.values()) {
          if (sparse && k.isMlp()) {
            continue;
          }
          String name = k.moduleName(l);
          LinearProjection w = ml.load(infos.get(name + ".weight"));
          NDArray b = HfTensorLayout.hasBias(config, k) ? tl.load(infos.get(name + ".bias")) : null;
          projections.put(name, new LinearProjection(name, w.weight(), b, w.format(), w.bf16Matmul()));
        }
        if (sparse) { // Qwen3-MoE: the router [num_experts, hidden] and each expert's gate/up/down
          String router = ProjectionKind.routerName(l);
          LinearProjection rw = ml.load(infos.get(router + ".weight"));
          // the router keeps the f32 product: bf16 rounding would move near-tied expert choices
          projections.put(router, new LinearProjection(router, rw.weight(), null, rw.format()));
          for (int e = 0; e < config.moe().numExperts(); e++) {
            for (ProjectionKind k : new ProjectionKind[] {ProjectionKind.GATE_PROJ, ProjectionKind.UP_PROJ,
                ProjectionKind.DOWN_PROJ}) {
              String name = k.expertModuleName(l, e);
              LinearProjection ew = ml.load(infos.get(name + ".weight"));
              projections.put(name, new LinearProjection(name, ew.weight(), null, ew.format(), ew.bf16Matmul()));
            }
          }
        }
        NDArray qn = config.modelType().qkNorm() ? tl.load(infos.get(HfTensorLayout.qNorm(l))) : null;
        NDArray kn = config.modelType().qkNorm() ? tl.load(infos.get(HfTensorLayout.kNorm(l))) : null;
        layers.add(new LayerNorms(
            tl.load(infos.get(HfTensorLayout.inputNorm(l))), tl.load(infos.get(HfTensorLayout.postAttentionNorm(l))), qn, kn));
      }
      NDArray finalNorm = tl.load(infos.get(HfTensorLayout.FINAL_NORM));
      // Tied embeddings: the logits reuse the embedding matrix (no lm_head.weight in the checkpoint).
      LinearProjection head = config.tieWordEmbeddings() ? embed : ml.load(infos.get(HfTensorLayout.LM_HEAD));
      LinearProjection lmHead = new LinearProjection("lm_head", head.weight(), null, head.format());
      if (options.bf16Matmul() && embed.format() != WeightFormat.BF16) {
        LOG.warn("bf16 matmul asked for, but {} keeps no bf16 matrices ({}): products stay in f32", modelDir,
            keep16Bit ? "its weights are not bf16" : "bf16 is only kept on the CPU");
      }
      DecoderWeights weights = new DecoderWeights(embedding, finalNorm, lmHead, layers, projections, embed.format());
      Decoder decoder = new Decoder(config, manager, weights);
      LOG.info("loaded {} ({} parameters, {}{}) from {} in {} ms", config.modelType(), config.parameterCount(),
          target, embed.format() != WeightFormat.F32 ? ", matrices " + embed.format() : "", modelDir, (System.nanoTime() - start) / 1_000_000);
      return decoder;
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** A weight matrix as a bias-free projection in the format it is kept in. */
  private interface MatrixLoader {
    LinearProjection load(TensorInfo info);
  }

  /** Copies tensors from their mapping into arrays of the model manager, one at a time. */
  private static final class TensorLoader {
    private final NDManager owner;
    private final DataType target;
    private final long chunkElements;

    TensorLoader(NDManager owner, DataType target, long chunkElements) {
      this.owner = owner;
      this.target = target;
      this.chunkElements = chunkElements;
    }

    /** A bf16 tensor's bits, copied as they are into a FLOAT16 array of the (CPU) model manager. */
    NDArray loadBits(TensorInfo info) {
      MappedByteBuffer mapped = SafetensorsFile.map(info);
      try (NDManager tmp = owner.newSubManager(Device.cpu())) {
        NDArray out = tmp.create(mapped, new Shape(info.shape()), DataType.FLOAT16).duplicate(); // a bit-exact copy
        out.attach(owner);
        out.setName(info.name());
        return out;
      } finally {
        DirectBuffers.release(mapped);
      }
    }

    NDArray load(TensorInfo info) {
      MappedByteBuffer mapped = SafetensorsFile.map(info);
      ByteBuffer staging = null;
      try (NDManager tmp = owner.newSubManager(Device.cpu())) {
        Shape shape = new Shape(info.shape());
        NDArray out;
        switch (info.dtype()) {
          case F32, F16 -> { // the alias reads the mapping: copied (or converted) before it is released
            NDArray alias = tmp.create(mapped, shape, info.dtype() == TensorDType.F32 ? DataType.FLOAT32 : DataType.FLOAT16);
            out = alias.getDataType() == target ? alias.duplicate() : alias.toType(target, true);
          }
          case BF16 -> {
            // widened in chunks straight into the f32 tensor: host memory holds the tensor plus one
            // chunk, never a second f32 copy (and no direct buffer the size of the tensor)
            long n = info.elements();
            NDArray f32 = tmp.create(new Shape(n), DataType.FLOAT32); // (n), filled below
            staging = DirectBuffers.allocate(Math.min(n, chunkElements) * 4);
            for (long off = 0; off < n; off += chunkElements) {
              int len = (int) Math.min(chunkElements, n - off);
              ByteBuffer src = mapped.duplicate().position((int) (off * 2)).limit((int) ((off + len) * 2)).slice();
              bf16ToF32(src, staging.duplicate().order(staging.order()));
              try (NDManager chunk = tmp.newSubManager()) {
                NDArray part = chunk.create(staging.duplicate().limit(len * 4).order(staging.order()), new Shape(len),
                    DataType.FLOAT32); // aliases the staging bytes
                f32.set(new NDIndex("{}:{}", off, off + len), part);
              }
            }
            f32 = f32.reshape(shape);
            out = target == DataType.FLOAT32 ? f32 : f32.toType(target, true);
          }
          default -> throw new CheckpointException(info.file(), info.name(), "unsupported dtype " + info.dtype());
        }
        if (!owner.getDevice().equals(Device.cpu())) {
          out = out.toDevice(owner.getDevice(), true);
        }
        out.attach(owner);
        out.setName(info.name());
        return out;
      } finally {
        DirectBuffers.release(staging);
        DirectBuffers.release(mapped);
      }
    }
  }

  /** bf16 bits are the upper half of an f32: widen each by a 16-bit shift. */
  static void bf16ToF32(ByteBuffer src, ByteBuffer dst) {
    ShortBuffer s = src.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    IntBuffer d = dst.duplicate().order(dst.order()).asIntBuffer();
    int n = s.remaining();
    for (int i = 0; i < n; i++) {
      d.put(i, (s.get(i) & 0xFFFF) << 16);
    }
  }
}
