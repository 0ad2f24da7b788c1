package io.ltm.studio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.VaultIndexer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Notes: the studio searches a real vault index (Lucene + MiniLM) with citations, and grounds an answer in it. */
class StudioNotesTest {
  @TempDir static Path tmp;
  static Studio studio;
  static String base;
  static final HttpClient http = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    Path vault = tmp.resolve("Research Vault");
    Files.createDirectories(vault.resolve("ml"));
    Files.writeString(vault.resolve("ml/LoRA basics.md"), String.join("\n", "---", "tags: [ml, lora]", "---", "# LoRA basics",
        "Low-rank adaptation freezes the base weights and trains two small matrices per layer.", "", "## Rank and alpha",
        "The rank r sets the adapter size; alpha scales the update by alpha over r.", "Related: [[Bread <img src=x>]]."));
    Files.writeString(vault.resolve("Bread <img src=x>.md"), "# Bread\nSourdough bread needs flour, water, salt and a starter.\n");
    Path index = tmp.resolve("index");
    try (OnnxEmbedder e = OnnxEmbedder.miniLm()) {
      VaultIndexer.builder().vault(vault).index(index).embedder(e).build().run();
    }
    studio = Studio.builder().port(0).index(index).thinkBudget(8).build().start();
    base = "http://127.0.0.1:" + studio.port();
  }

  @AfterAll
  static void stop() {
    if (studio != null) {
      studio.close();
    }
  }

  @Test
  void searchGivesCitationsThatOpenInObsidian() throws Exception {
    JsonNode r = get("/api/notes/search?q=" + URLEncoder.encode("rank and alpha of the adapter", StandardCharsets.UTF_8));
    JsonNode top = r.get("results").get(0);
    assertThat(top.get("path").asText()).isEqualTo("ml/LoRA basics.md");
    assertThat(top.get("citation").asText()).contains("ml/LoRA basics.md");
    assertThat(top.get("uri").asText()).startsWith("obsidian://open?vault=Research%20Vault");
    assertThat(top.get("tags").toString()).contains("lora");
    JsonNode filtered = get("/api/notes/search?mode=bm25&tag=lora&q=bread");
    for (JsonNode x : filtered.get("results")) {
      assertThat(x.get("tags").toString()).contains("lora");
    }
    HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(base + "/api/notes/search?q=x&mode=magic")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("mode");
  }

  @Test
  void anAnswerGroundedInTheVaultListsItsNotes() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/ask")).header("Origin", base)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
            "{\"prompt\":\"What do rank and alpha do in LoRA?\",\"maxNewTokens\":16}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String job = json.readTree(r.body()).get("job").asText();
    String events = http.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + job + "/events")).header("Accept", "text/event-stream")
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(events).contains("event: notes").contains("ml/LoRA basics.md").contains("obsidian://open");
    assertThat(events).contains("event: result").contains("\"state\":\"done\"");
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }
}
