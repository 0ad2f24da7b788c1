package io.ltm.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.ltm.core.generate.ChatMessage;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.rag.loop.VaultContextProvider;
import io.ltm.rag.search.Citation;
import io.ltm.rag.search.SearchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Grounds a chat in the vault the way the thinking loop does: the last user message is the query,
 * the chunks found ({@link VaultContextProvider#results}) go in front of that message as the loop's
 * numbered context block ({@link ThinkingLoop#renderContext}, English or Russian header), and their
 * citations come back for the response. Thread-safe (the provider is).
 */
final class Grounding {
  /** Messages with the context block, and the chunks it cites, numbered from 1 in order. */
  record Grounded(List<ChatMessage> messages, List<SearchResult> cited) {}

  private final VaultContextProvider provider;

  Grounding(VaultContextProvider provider) {
    this.provider = Objects.requireNonNull(provider, "provider");
  }

  Grounded ground(List<ChatMessage> messages, int k) {
    int last = -1;
    for (int i = messages.size() - 1; i >= 0 && last < 0; i--) {
      if (messages.get(i).role() == ChatMessage.Role.USER) {
        last = i;
      }
    }
    if (last < 0) {
      return new Grounded(messages, List.of());
    }
    String query = messages.get(last).content();
    List<SearchResult> results = provider.results(query, k);
    if (results.isEmpty()) {
      return new Grounded(messages, List.of());
    }
    boolean russian = query.chars().anyMatch(c -> Character.UnicodeBlock.of(c) == Character.UnicodeBlock.CYRILLIC);
    String block = ThinkingLoop.renderContext(russian ? ThinkingLoop.CONTEXT_HEADER_RU : ThinkingLoop.CONTEXT_HEADER_EN,
        VaultContextProvider.snippets(results));
    List<ChatMessage> out = new ArrayList<>(messages);
    out.set(last, ChatMessage.user(block + "\n\n" + query));
    return new Grounded(out, results);
  }

  /** The citations as JSON: index (the [n] in the prompt), path, heading, lines, Obsidian link, label. */
  static ArrayNode citations(List<SearchResult> cited) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    for (int i = 0; i < cited.size(); i++) {
      Citation c = cited.get(i).citation();
      a.addObject()
          .put("index", i + 1)
          .put("path", c.path())
          .put("heading", c.heading())
          .put("line_from", c.lineFrom())
          .put("line_to", c.lineTo())
          .put("uri", c.uri())
          .put("label", c.label());
    }
    return a;
  }
}
