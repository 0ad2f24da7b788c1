package io.ltm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.lora.io.SafetensorsFile;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading and checking a safetensors header ({@link SafetensorsFile#open}: every entry's dtype, shape
 * and offsets checked against the file) against the limit of parsing the same header bytes into a
 * Jackson tree with no checks. Headers: Qwen3-0.6B's tensor names and shapes (310 tensors) and
 * Qwen3-30B-A3B's (48 layers of 128 experts each, 18,867 tensors, as one file; the real model spreads
 * them over 16 shards). The files are sparse: a header followed by a hole as long as the weights,
 * written once under {@code benchmarks/target/jmh-safetensors/}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SafetensorsJmh {
  @Param({"qwen3-0.6b", "qwen3-30b-a3b"})
  public String model;

  private Path file;
  private byte[] header;
  private final ObjectMapper json = new ObjectMapper();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    boolean moe = model.equals("qwen3-30b-a3b");
    List<Object[]> tensors = moe
        ? shapes(48, 2048, 32, 4, 128, 0, 128, 768, false)
        : shapes(28, 1024, 16, 8, 128, 3072, 0, 0, true);
    ObjectNode h = json.createObjectNode();
    long offset = 0;
    for (Object[] t : tensors) {
      long[] shape = (long[]) t[1];
      long bytes = 2;
      for (long d : shape) {
        bytes *= d;
      }
      ObjectNode e = h.putObject((String) t[0]);
      e.put("dtype", "BF16");
      e.putArray("shape").addAll(java.util.Arrays.stream(shape).mapToObj(json.getNodeFactory()::numberNode).toList());
      e.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    header = json.writeValueAsString(h).getBytes(StandardCharsets.UTF_8);
    file = Path.of("benchmarks/target/jmh-safetensors", model + ".safetensors");
    Files.createDirectories(file.getParent());
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(0);
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
      f.write(len.array());
      f.write(header);
      f.setLength(8 + header.length + offset); // a hole: no disk used for the weights
    }
    System.out.printf("%n%s: %d tensors, header %d bytes, %.1f GB of (sparse) weights%n", model, tensors.size(),
        header.length, offset / 1e9);
  }

  /** Names and shapes of a Qwen3 (dense, or MoE with per-expert tensors) checkpoint. */
  static List<Object[]> shapes(int layers, long hidden, long heads, long kvHeads, long headDim, long intermediate,
      int experts, long expertIntermediate, boolean tied) {
    long vocab = 151_936;
    List<Object[]> t = new ArrayList<>();
    t.add(new Object[] {"model.embed_tokens.weight", new long[] {vocab, hidden}});
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      t.add(new Object[] {p + "input_layernorm.weight", new long[] {hidden}});
      t.add(new Object[] {p + "post_attention_layernorm.weight", new long[] {hidden}});
      t.add(new Object[] {p + "self_attn.q_proj.weight", new long[] {heads * headDim, hidden}});
      t.add(new Object[] {p + "self_attn.k_proj.weight", new long[] {kvHeads * headDim, hidden}});
      t.add(new Object[] {p + "self_attn.v_proj.weight", new long[] {kvHeads * headDim, hidden}});
      t.add(new Object[] {p + "self_attn.o_proj.weight", new long[] {hidden, heads * headDim}});
      t.add(new Object[] {p + "self_attn.q_norm.weight", new long[] {headDim}});
      t.add(new Object[] {p + "self_attn.k_norm.weight", new long[] {headDim}});
      if (experts == 0) {
        t.add(new Object[] {p + "mlp.gate_proj.weight", new long[] {intermediate, hidden}});
        t.add(new Object[] {p + "mlp.up_proj.weight", new long[] {intermediate, hidden}});
        t.add(new Object[] {p + "mlp.down_proj.weight", new long[] {hidden, intermediate}});
      } else {
        t.add(new Object[] {p + "mlp.gate.weight", new long[] {experts, hidden}});
        for (int e = 0; e < experts; e++) {
          String x = p + "mlp.experts." + e + ".";
          t.add(new Object[] {x + "gate_proj.weight", new long[] {expertIntermediate, hidden}});
          t.add(new Object[] {x + "up_proj.weight", new long[] {expertIntermediate, hidden}});
          t.add(new Object[] {x + "down_proj.weight", new long[] {hidden, expertIntermediate}});
        }
      }
    }
    t.add(new Object[] {"model.norm.weight", new long[] {hidden}});
    if (!tied) {
      t.add(new Object[] {"lm_head.weight", new long[] {vocab, hidden}});
    }
    return t;
  }

  /** ltm's reader: header read, parsed and every entry checked. */
  @Benchmark
  public int openAndCheck() {
    return SafetensorsFile.open(file).tensors().size();
  }

  /** Limit: the same header bytes (already in memory) parsed into a Jackson tree, no checks. */
  @Benchmark
  public int jacksonTreeLimit() throws Exception {
    JsonNode tree = json.readTree(header);
    return tree.size();
  }
}
