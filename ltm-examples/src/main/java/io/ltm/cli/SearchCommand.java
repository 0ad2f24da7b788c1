package io.ltm.cli;

import io.ltm.cli.options.VerboseOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.IndexSchema;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.SearchResult;
import io.ltm.rag.search.VaultSearcher;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ltm search --index DIR "query" [--k 5] [--mode hybrid|bm25|vector] [--expand-links] [--json]}:
 * queries a vault index. With {@code --json} prints exactly
 * {@code [{"path","heading","lines":[from,to],"score","text"}]}, best first.
 */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    description = {
      "Search a vault index: BM25, vectors, or both fused (reciprocal rank fusion, the default).",
      "Every result cites note path, heading path, lines and an obsidian:// link.",
      "--json prints [{\"path\",\"heading\",\"lines\":[from,to],\"score\",\"text\"}] best first."
    })
public final class SearchCommand implements Callable<Integer> {

  @Option(names = "--index", required = true, paramLabel = "DIR", description = "The index directory written by `ltm index`.")
  Path index;

  @Parameters(index = "0", paramLabel = "QUERY", description = "What to look for.")
  String query;

  @Option(names = "--k", paramLabel = "N", defaultValue = "5", description = "Results (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--mode", paramLabel = "MODE", defaultValue = "hybrid", description = "hybrid, bm25 or vector (default ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--expand-links", description = "Follow links and backlinks of the top hits so linked notes can enter the results.")
  boolean expandLinks;

  @Option(names = "--depth", paramLabel = "N", defaultValue = "1", description = "Links followed with --expand-links (default ${DEFAULT-VALUE}).")
  int depth;

  @Option(names = "--decay", paramLabel = "X", defaultValue = "0.5", description = "Score factor per link followed (default ${DEFAULT-VALUE}).")
  double decay;

  @Option(names = "--tag", paramLabel = "TAG", description = "Only notes with this tag (repeatable; all must hold).")
  List<String> tags = new ArrayList<>();

  @Option(names = "--folder", paramLabel = "FOLDER", description = "Only notes in this folder or below.")
  String folder = "";

  @Option(names = "--field", paramLabel = "NAME=VALUE", description = "Only notes whose frontmatter field has this value (repeatable).")
  Map<String, String> fields = new java.util.LinkedHashMap<>();

  @Option(names = "--embedding-model", paramLabel = "DIR", description = "The model directory the index was built with; default: the one recorded in the index.")
  Path model;

  @Option(names = "--pooling", paramLabel = "MODE", defaultValue = "mean", description = "Pooling of --embedding-model: mean or cls.")
  String pooling;

  @Option(names = "--json", description = "Print the results as JSON.")
  boolean json;

  @Mixin VerboseOption verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    SearchMode m;
    RetrievalRequest request;
    try {
      m = SearchMode.parse(mode);
      RetrievalRequest.Builder b = RetrievalRequest.builder(query).k(k).mode(m).expandLinks(expandLinks)
          .depth(depth).decay(decay).tags(tags).folder(folder);
      fields.forEach(b::field);
      request = b.build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    OnnxEmbedder embedder = null;
    try {
      if (m != SearchMode.BM25 || expandLinks) {
        if (model != null) {
          embedder = OnnxEmbedder.fromDirectory(model, PoolingMode.valueOf(pooling.toUpperCase(java.util.Locale.ROOT)));
        } else {
          try (VaultSearcher probe = VaultSearcher.open(index, null)) {
            embedder = OnnxEmbedder.forModelId(probe.commitData().get(IndexSchema.COMMIT_MODEL));
          }
        }
      }
      try (VaultSearcher searcher = VaultSearcher.open(index, embedder)) {
        List<SearchResult> results = searcher.search(request);
        if (json) {
          out.println(toJson(results));
        } else {
          print(out, results);
        }
      }
    } finally {
      if (embedder != null) {
        embedder.close();
      }
    }
    out.flush();
    return LtmCli.OK;
  }

  /** The contract shape: {@code [{"path","heading","lines":[from,to],"score","text"}]}. */
  static String toJson(List<SearchResult> results) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    ArrayNode arr = mapper.createArrayNode();
    for (SearchResult r : results) {
      ObjectNode o = arr.addObject();
      o.put("path", r.citation().path());
      o.put("heading", r.citation().heading());
      o.putArray("lines").add(r.citation().lineFrom()).add(r.citation().lineTo());
      o.put("score", r.score());
      o.put("text", r.text());
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(arr);
  }

  private static void print(PrintWriter out, List<SearchResult> results) {
    if (results.isEmpty()) {
      out.println("no results");
      return;
    }
    int i = 1;
    for (SearchResult r : results) {
      out.printf(java.util.Locale.ROOT, "%d. %s  (score %.4f, %s%s)%n", i++, r.citation().label(), r.score(),
          r.source().name().toLowerCase(java.util.Locale.ROOT), r.linkedFrom().isEmpty() ? "" : " from " + r.linkedFrom());
      out.println("   " + r.citation().uri());
      String text = r.text().replaceAll("\\s+", " ").strip();
      out.println("   " + (text.length() > 300 ? text.substring(0, 297) + "..." : text));
    }
  }
}
