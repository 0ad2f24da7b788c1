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
 * several alternating rounds and prints a Markdown table (the best round of each, after two warm-up
 * rounds).
 *
 * <p>Usage: {@code SceneReadBench [SCENES_DIR=examples/scenes] [N=10000] [ROUNDS=5]}.
 */
public final class SceneReadBench {
  private SceneReadBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "examples/scenes");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;

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
    double[] readMs = bestOf(rounds, read, peerRead);
    double[] writeMs = bestOf(rounds, write, peerWrite);

    double mb = yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8).length / 1e6;
    System.out.printf("Scenes: %,d (%.1f MB of YAML), best of %d alternating rounds after 2 warm-up rounds%n%n", n, mb,
        rounds);
    System.out.println("| operation | ltm ms | scenes/s | MB/s | Jackson tree ms (peer) | ratio ltm/peer |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    row("read + validate (SceneReader)", readMs[0], readMs[1], n, mb);
    row("write (SceneWriter)", writeMs[0], writeMs[1], n, mb);
  }

  private static void row(String name, double ms, double peerMs, int n, double mb) {
    System.out.printf("| %s | %.0f | %,.0f | %.1f | %.0f | %.2f |%n", name, ms, n / (ms / 1e3), mb / (ms / 1e3), peerMs,
        ms / peerMs);
  }

  /**
   * The best (lowest) time of {@code op} and of {@code peer} in ms, run alternately so that load from
   * other processes hits both alike; the minimum is the least disturbed run on a shared machine.
   */
  private static double[] bestOf(int rounds, Supplier<Object> op, Supplier<Object> peer) {
    for (int i = 0; i < 2; i++) {
      op.get();
      peer.get();
    }
    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
    for (int i = 0; i < rounds; i++) {
      best[0] = Math.min(best[0], time(op));
      best[1] = Math.min(best[1], time(peer));
    }
    return best;
  }

  private static double time(Supplier<Object> op) {
    long t0 = System.nanoTime();
    op.get();
    return (System.nanoTime() - t0) / 1e6;
  }
}
