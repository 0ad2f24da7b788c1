package io.ltm.rag.graph;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Graph expansion ("KAG-lite"): from the top hits, follow outgoing links and backlinks up to a depth
 * limit so the notes they link to can enter the context. A note {@code h} hops from a hit with
 * score {@code s} gets {@code s * decay^h}; a note reached from several hits keeps the best. Pure
 * and thread-safe.
 */
public final class GraphExpander {
  private final LinkGraph graph;

  public GraphExpander(LinkGraph graph) {
    this.graph = Objects.requireNonNull(graph, "graph");
  }

  /** A hit to expand from. */
  public record Seed(String path, double score) {}

  /**
   * A note reached by expansion.
   *
   * @param path the note
   * @param score the decayed score
   * @param from the hit it was reached from
   * @param hops links followed from that hit (1 for a direct link or backlink)
   */
  public record Expansion(String path, double score, String from, int hops) {}

  /**
   * The notes within {@code depth} links of the seeds, best first, seeds themselves excluded.
   *
   * @throws IllegalArgumentException when depth is negative or decay not in (0, 1]
   */
  public List<Expansion> expand(List<Seed> seeds, int depth, double decay) {
    if (depth < 0) {
      throw new IllegalArgumentException("depth must be >= 0 but got " + depth);
    }
    if (!(decay > 0 && decay <= 1)) {
      throw new IllegalArgumentException("decay must be in (0, 1] but got " + decay);
    }
    Map<String, Double> seedPaths = new HashMap<>();
    for (Seed s : seeds) {
      seedPaths.merge(s.path, s.score, Math::max);
    }
    Map<String, Expansion> best = new LinkedHashMap<>();
    for (Seed s : seeds) {
      graph.neighbours(s.path, depth).forEach((p, hops) -> {
        if (seedPaths.containsKey(p)) {
          return;
        }
        double score = s.score * Math.pow(decay, hops);
        Expansion old = best.get(p);
        if (old == null || score > old.score) {
          best.put(p, new Expansion(p, score, s.path, hops));
        }
      });
    }
    return best.values().stream()
        .sorted((a, b) -> Double.compare(b.score, a.score))
        .toList();
  }
}
