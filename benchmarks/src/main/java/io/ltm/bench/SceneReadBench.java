package io.ltm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.scene.SceneWriter;
import io.ltm.core.yaml.PositionedYamlParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Scene reading and writing speed against Jackson's own YAML tree reading and writing of the same
 * text (the peer: same snakeyaml parser underneath, no positions, no validation). Builds a list file
 * of N scenes by cycling the bundled example scenes under new ids, then times each operation over
 * several alternating rounds and prints a Markdown table: the median round of each with the spread
 * (fastest-slowest round), after two warm-up rounds, and the median of the per-round ratios (each round
 * times ltm and the peer back to back, so load from other processes hits both alike).
 *
 * <p>Usage: {@code SceneReadBench [SCENES_DIR=examples/scenes] [N=10000] [ROUNDS=7] [--out FILE]}.
 */
public final class SceneReadBench {
  private SceneReadBench() {}

  public static void main(String[] args) throws Exception {
    List<String> positional = new ArrayList<>();
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--out")) {
        out = Path.of(args[++i]);
      } else {
        positional.add(args[i]);
      }
    }
    Path dir = Path.of(positional.size() > 0 ? positional.get(0) : "examples/scenes");
    int n = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 10_000;
    int rounds = positional.size() > 2 ? Integer.parseInt(positional.get(2)) : 7;

    List<Scene> examples = SceneReader.readStrict(List.of(dir));
    List<Scene> scenes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Scene s = examples.get(i % examples.size());
      scenes.add(new Scene(s.id() + "-" + i, s.title(), s.lang(), s.tags(), List.of(), s.context(), s.prompt(),
          s.thought(), s.answer(), s.sources()));
    }
    String yaml = SceneWriter.toYaml(scenes);
    LoaderOptions lo = new LoaderOptions();
    lo.setCodePointLimit(PositionedYamlParser.MAX_CODE_POINTS);
    ObjectMapper jackson = new ObjectMapper(YAMLFactory.builder().loaderOptions(lo)
        .enable(com.fasterxml.jackson.dataformat.yaml.YAMLParser.Feature.EMPTY_STRING_AS_NULL).build());
    JsonNode tree = jackson.readTree(yaml);

    Supplier<Object> read = () -> {
      SceneLoad load = SceneReader.parseLenient("bench.yaml", yaml);
      if (load.scenes().size() != n || !load.problems().isEmpty()) {
        throw new IllegalStateException("expected " + n + " valid scenes, got " + load.scenes().size());
      }
      return load;
    };
    Supplier<Object> peerRead = () -> {
      try {
        return jackson.readTree(yaml);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    Supplier<Object> write = () -> SceneWriter.toYaml(scenes);
    Supplier<Object> peerWrite = () -> {
      try {
        return jackson.writeValueAsString(tree);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    Rounds readMs = rounds(rounds, read, peerRead);
    Rounds writeMs = rounds(rounds, write, peerWrite);

    double mb = yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8).length / 1e6;
    StringBuilder md = new StringBuilder();
    md.append(String.format(java.util.Locale.ROOT, "Scenes: %,d (%.1f MB of YAML); %d alternating rounds after 2 warm-up "
        + "rounds: median, with the fastest-slowest round in brackets%n%n", n, mb, rounds));
    md.append("| operation | ltm ms | scenes/s (median) | MB/s (median) | Jackson tree ms (peer) | ratio ltm/peer (median of rounds) |\n");
    md.append("|---|---:|---:|---:|---:|---:|\n");
    row(md, "read + validate (SceneReader)", readMs, n, mb);
    row(md, "write (SceneWriter)", writeMs, n, mb);
    md.append(String.format(java.util.Locale.ROOT, "%nMachine: %d cores, load average %.1f at the end of the run.%n",
        Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    System.out.print(md);
    if (out != null) {
      java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
      Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
      java.nio.file.Files.writeString(tmp, md);
      java.nio.file.Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static void row(StringBuilder md, String name, Rounds r, int n, double mb) {
    double ms = median(r.op);
    md.append(String.format(java.util.Locale.ROOT, "| %s | %.0f [%.0f-%.0f] | %,.0f | %.1f | %.0f [%.0f-%.0f] | %.2f [%.2f-%.2f] |%n",
        name, ms, min(r.op), max(r.op), n / (ms / 1e3), mb / (ms / 1e3), median(r.peer), min(r.peer), max(r.peer),
        median(r.ratio), min(r.ratio), max(r.ratio)));
  }

  /** Per-round times (ms) of the operation and its peer, and their ratio within each round. */
  private record Rounds(double[] op, double[] peer, double[] ratio) {}

  /** Times {@code op} and {@code peer} back to back in each of {@code rounds} rounds, after two warm-up rounds. */
  private static Rounds rounds(int rounds, Supplier<Object> op, Supplier<Object> peer) {
    for (int i = 0; i < 2; i++) {
      op.get();
      peer.get();
    }
    double[] a = new double[rounds];
    double[] b = new double[rounds];
    double[] ratio = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      a[i] = time(op);
      b[i] = time(peer);
      ratio[i] = a[i] / b[i];
    }
    return new Rounds(a, b, ratio);
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] xs) {
    return java.util.Arrays.stream(xs).min().orElseThrow();
  }

  private static double max(double[] xs) {
    return java.util.Arrays.stream(xs).max().orElseThrow();
  }

  private static double time(Supplier<Object> op) {
    long t0 = System.nanoTime();
    op.get();
    return (System.nanoTime() - t0) / 1e6;
  }
}
