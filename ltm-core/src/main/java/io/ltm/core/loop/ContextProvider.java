package io.ltm.core.loop;

import java.util.List;

/**
 * Supplies grounding context for a probe: given a query, the snippets to show the model, best first,
 * each with its citation. Retrieval plugs into the {@link ThinkingLoop} through this interface, so
 * {@code ltm-core} knows nothing of the index behind it ({@code ltm-rag} implements it over Lucene).
 *
 * <p>The loop calls it once per probe (on resume, once again) and shows the same snippets in every
 * iteration. Implementations own any budget (how much text to return) and say whether they are
 * thread-safe.
 */
@FunctionalInterface
public interface ContextProvider {

  /**
   * Snippets for {@code query}, best first; empty when nothing fits.
   *
   * @param query the probe's text (context and prompt)
   * @param lang the probe's language tag, e.g. {@code en} or {@code ru}
   */
  List<ContextSnippet> retrieve(String query, String lang);
}
