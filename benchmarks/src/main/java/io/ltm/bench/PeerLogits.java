package io.ltm.bench;

import ai.djl.ndarray.NDManager;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.model.Autograd;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.KvCache;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Checks that a GGUF is the same model as our checkpoint: ltm's logits of the last prompt position
 * against those llama.cpp's {@code llama-debug --save-logits} wrote for the same prompt (its
 * {@code data/llamacpp-NAME.bin}, f32 little-endian, and {@code -tokens.bin}, int32 prompt ids).
 * Prints the prompt ids of both, the max and mean absolute difference and both top-5s.
 *
 * <p>Run: {@code benchmarks/run PeerLogits --model DIR --prompt TEXT --llama-logits FILE.bin}
 * (docs/benchmarks.md, "Peer: llama.cpp"). Run llama-debug with {@code -fa off -ctk f32 -ctv f32} for an
 * f32-against-f32 comparison: its default flash attention and f16 KV cache move logits by ~1e-2.
 */
public final class PeerLogits {
  private PeerLogits() {}

  public static void main(String[] args) throws IOException {
    Path model = PeerBench.DEFAULT_MODEL;
    String prompt = "The capital of France is";
    Path llama = null;
    boolean bf16Matmul = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bf16-matmul" -> bf16Matmul = true; // a bf16 checkpoint kept bf16, its products in bf16 (as llama.cpp's)
        case "--model" -> model = Path.of(args[++i]);
        case "--prompt" -> prompt = args[++i];
        case "--llama-logits" -> llama = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (PeerLogits --model DIR --prompt TEXT --llama-logits data/llamacpp-NAME.bin [--bf16-matmul])");
      }
    }
    LoadOptions load = bf16Matmul ? LoadOptions.forGeneration(ai.djl.Device.cpu()).withBf16Matmul(true) : LoadOptions.cpu();
    try (LocalModel m = LocalModel.open(model, load)) {
      int[] ids = m.tokenizer().encode(prompt);
      Decoder d = m.decoder();
      float[] ours;
      try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, ids.length)) {
        ours = Autograd.inference(() -> d.forward(scope, DecoderInput.of(ids), cache, true)).toFloatArray(); // [vocab]
      }
      System.out.printf(Locale.ROOT, "ltm prompt ids %s%nltm top-5 %s%n", Arrays.toString(ids), top5(ours));
      if (llama == null) {
        return;
      }
      String name = llama.getFileName().toString().replaceFirst("\\.bin$", "");
      Path tokens = llama.resolveSibling(name + "-tokens.bin");
      if (Files.isRegularFile(tokens)) {
        int[] theirIds = ints(Files.readAllBytes(tokens));
        System.out.printf(Locale.ROOT, "llama.cpp prompt ids %s (%s)%n", Arrays.toString(theirIds),
            Arrays.equals(ids, theirIds) ? "same" : "DIFFERENT: the logits below are not comparable");
      }
      float[] theirs = floats(Files.readAllBytes(llama));
      if (theirs.length != ours.length) {
        throw new IllegalArgumentException(llama + ": " + theirs.length + " logits, ltm has " + ours.length
            + " (vocab_size): not the same model");
      }
      double max = 0;
      double sum = 0;
      for (int i = 0; i < ours.length; i++) {
        double e = Math.abs(ours[i] - theirs[i]);
        max = Math.max(max, e);
        sum += e;
      }
      System.out.printf(Locale.ROOT, "llama.cpp top-5 %s%nmax |ltm - llama.cpp| %.3g, mean %.3g over %d logits%n",
          top5(theirs), max, sum / ours.length, ours.length);
    }
  }

  private static String top5(float[] x) {
    Integer[] idx = new Integer[x.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Float.compare(x[b], x[a]));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sb.append(String.format(Locale.ROOT, "%s%d:%.5f", i == 0 ? "" : " ", idx[i], x[idx[i]]));
    }
    return sb.toString();
  }

  private static float[] floats(byte[] b) {
    float[] f = new float[b.length / 4];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return f;
  }

  private static int[] ints(byte[] b) {
    int[] v = new int[b.length / 4];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
    return v;
  }
}
