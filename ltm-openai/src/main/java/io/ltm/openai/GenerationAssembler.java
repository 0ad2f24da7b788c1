package io.ltm.openai;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds one {@link Generation} from the chunks of a streamed response (or the single object of a
 * whole one): the reasoning from the {@code reasoning}/{@code reasoning_content} field plus any {@code
 * <think>} block inside the content, the answer, and one {@link GeneratedToken} per {@code
 * logprobs.content} entry with its log-probability and the top-k entropy estimate.
 *
 * <p>Content with a {@code </think>} but no opening tag (a template that opens the block in the prompt)
 * is split at that tag too.
 *
 * <p>Which tokens are reasoning: the tokens up to and including one whose text is {@code </think>};
 * when the server dropped that token from the logprobs, by position within each chunk (a chunk's
 * reasoning text comes before its content). Token ids are the server's when it gives them
 * (llama.cpp), else -1. Without logprobs the token list stays empty (the listener still gets the text
 * piece by piece, with id -1 and NaN statistics). Not thread-safe; one per generation.
 */
final class GenerationAssembler {
  private final String model;
  private final Consumer<GeneratedToken> listener;
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder answer = new StringBuilder();
  private final ThinkTagSplitter splitter = new ThinkTagSplitter();
  private final List<GeneratedToken> tokens = new ArrayList<>();
  private String finishReason;
  private String stopString;
  private int chunks;

  GenerationAssembler(String model, Consumer<GeneratedToken> listener) {
    this.model = model;
    this.listener = listener;
  }

  /** Adds one chunk; a chunk carrying an error must be handled by the caller first. */
  void accept(ChatChunk c) {
    chunks++;
    // The chunk's text in order, each character flagged reasoning or not.
    StringBuilder text = new StringBuilder();
    List<Boolean> flags = new ArrayList<>();
    if (!c.reasoning().isEmpty()) {
      reasoning.append(c.reasoning());
      append(text, flags, c.reasoning(), true);
    }
    if (!c.content().isEmpty()) {
      for (ThinkTagSplitter.Piece p : splitter.feed(c.content())) {
        addPiece(p, text, flags);
      }
    }
    if (c.hasLogprobs()) {
      int pos = 0;
      for (ChatChunk.TokenLogprob t : c.tokens()) {
        boolean flag = flags.isEmpty() ? false : flags.get(Math.min(pos, flags.size() - 1));
        if (ThinkTagSplitter.CLOSE.equals(t.text().strip()) || ThinkTagSplitter.OPEN.equals(t.text().strip())) {
          flag = true;
        }
        GeneratedToken g = new GeneratedToken(t.id(), t.text(), t.logprob(), TopLogprobEntropy.of(t.topLogprobs()), flag);
        tokens.add(g);
        if (listener != null) {
          listener.accept(g);
        }
        pos += t.text().length();
      }
    } else if (listener != null && text.length() > 0) {
      listener.accept(new GeneratedToken(-1, text.toString(), Double.NaN, Double.NaN, flags.get(0)));
    }
    if (c.finishReason() != null) {
      finishReason = c.finishReason();
    }
    if (c.stopString() != null) {
      stopString = c.stopString();
    }
  }

  private void addPiece(ThinkTagSplitter.Piece p, StringBuilder text, List<Boolean> flags) {
    if (!p.tag()) {
      (p.reasoning() ? reasoning : answer).append(p.text());
    }
    append(text, flags, p.text(), p.reasoning());
  }

  private static void append(StringBuilder text, List<Boolean> flags, String s, boolean flag) {
    text.append(s);
    for (int i = 0; i < s.length(); i++) {
      flags.add(flag);
    }
  }

  /** True once a chunk said why generation finished. */
  boolean finished() {
    return finishReason != null;
  }

  /** Chunks accepted so far. */
  int chunks() {
    return chunks;
  }

  /** The generation so far: complete after the last chunk, partial after a failure. */
  Generation build() {
    StringBuilder r = new StringBuilder(reasoning);
    StringBuilder a = new StringBuilder(answer);
    for (ThinkTagSplitter.Piece p : splitter.finishPeek()) {
      (p.reasoning() ? r : a).append(p.text());
    }
    // A template that opens <think> in the prompt (Qwen3 thinking-2507) leaves only the closing tag in
    // the content of a server without a reasoning parser: what precedes it is the reasoning.
    int bare = a.indexOf(ThinkTagSplitter.CLOSE);
    if (r.length() == 0 && bare >= 0) {
      r.append(a, 0, bare);
      a.delete(0, bare + ThinkTagSplitter.CLOSE.length());
    }
    List<GeneratedToken> out = new ArrayList<>(tokens);
    int close = -1;
    for (int i = 0; i < out.size(); i++) {
      if (ThinkTagSplitter.CLOSE.equals(out.get(i).text().strip())) {
        close = i;
        break;
      }
    }
    if (close >= 0) {
      for (int i = 0; i < out.size(); i++) {
        GeneratedToken t = out.get(i);
        boolean flag = i <= close;
        if (t.reasoning() != flag) {
          out.set(i, new GeneratedToken(t.id(), t.text(), t.logprob(), t.entropy(), flag));
        }
      }
    }
    Generation.FinishReason fr = "length".equals(finishReason) ? Generation.FinishReason.LENGTH
        : stopString != null ? Generation.FinishReason.STOP_STRING : Generation.FinishReason.EOS;
    return new Generation(model, r.toString().strip(), a.toString().strip(), out, fr);
  }
}
