package io.ltm.lora.generate;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Assembles one generation from its tokens as they arrive: the text piece of each token (whole
 * UTF-8 characters only), reasoning inside {@code <think>...</think>} kept apart from the answer, and
 * the finish reason (EOS id, stop string, token budget). Pure Java, no model: the generation loop
 * feeds it the sampled ids. Not thread-safe.
 */
final class OutputAssembler {
  private final ModelTokenizer tokenizer;
  private final Set<Integer> eosIds;
  private final int thinkStart;
  private final int thinkEnd;
  private final List<String> stopStrings;
  private final int maxStop;
  private final int maxNewTokens;
  private final StreamingDetokenizer detok;
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder answer = new StringBuilder();
  private final List<GeneratedToken> tokens = new ArrayList<>();
  private boolean inThink;
  private Generation.FinishReason finish;

  /**
   * @param startInThink true when the prompt left a {@code <think>} block open
   */
  OutputAssembler(ModelTokenizer tokenizer, Set<Integer> eosIds, int thinkStart, int thinkEnd,
      List<String> stopStrings, int maxNewTokens, boolean startInThink) {
    this.tokenizer = tokenizer;
    this.eosIds = eosIds;
    this.thinkStart = thinkStart;
    this.thinkEnd = thinkEnd;
    this.stopStrings = stopStrings;
    this.maxStop = stopStrings.stream().mapToInt(String::length).max().orElse(0);
    this.maxNewTokens = maxNewTokens;
    this.detok = new StreamingDetokenizer(tokenizer);
    this.inThink = startInThink;
  }

  /** True once a finish reason is set. */
  boolean done() {
    return finish != null;
  }

  /** Adds a sampled token and returns its record (text piece, logprob, entropy, reasoning flag). */
  GeneratedToken accept(int id, double logprob, double entropy) {
    if (finish != null) {
      throw new IllegalStateException("generation already finished: " + finish);
    }
    boolean reasoningToken = inThink;
    String piece;
    if (eosIds.contains(id)) {
      piece = detok.flush();
      section().append(piece);
      finish = Generation.FinishReason.EOS;
    } else if (id == thinkStart || id == thinkEnd) {
      String rest = detok.flush();
      section().append(rest);
      piece = rest + tokenizer.decode(new int[] {id});
      inThink = id == thinkStart;
      reasoningToken = true; // the tags belong to the reasoning
    } else {
      piece = detok.push(id);
      StringBuilder sb = section();
      sb.append(piece);
      if (maxStop > 0 && !piece.isEmpty()) {
        int from = Math.max(0, sb.length() - piece.length() - maxStop + 1);
        for (String stop : stopStrings) {
          int at = stop.isEmpty() ? -1 : sb.indexOf(stop, from);
          if (at >= 0) {
            sb.setLength(at);
            finish = Generation.FinishReason.STOP_STRING;
            break;
          }
        }
      }
    }
    if (finish == null && tokens.size() + 1 >= maxNewTokens) {
      String rest = detok.flush();
      section().append(rest);
      piece += rest;
      finish = Generation.FinishReason.LENGTH;
    }
    GeneratedToken t = new GeneratedToken(id, piece, logprob, entropy, reasoningToken);
    tokens.add(t);
    return t;
  }

  private StringBuilder section() {
    return inThink ? reasoning : answer;
  }

  /** The generation so far, reasoning and answer trimmed of surrounding newlines. */
  Generation result(String model) {
    return new Generation(model, trimNewlines(reasoning), trimNewlines(answer), tokens,
        finish == null ? Generation.FinishReason.LENGTH : finish);
  }

  private static String trimNewlines(CharSequence s) {
    int a = 0;
    int z = s.length();
    while (a < z && (s.charAt(a) == '\n' || s.charAt(a) == '\r')) {
      a++;
    }
    while (z > a && (s.charAt(z - 1) == '\n' || s.charAt(z - 1) == '\r')) {
      z--;
    }
    return s.subSequence(a, z).toString();
  }
}
