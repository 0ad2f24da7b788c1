package io.ltm.openai;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits streamed content into reasoning and answer at {@code <think>...</think>}, for servers that
 * leave the tags in the content (llama.cpp with {@code --reasoning-format none}, Ollama without a
 * reasoning parser, vLLM without {@code --reasoning-parser}). Content that starts (after white space)
 * with {@code <think>} is reasoning up to {@code </think>}; everything else is answer. A tag split
 * across two chunks is held back until the next chunk decides it. The tags themselves belong to
 * neither text but are reported as reasoning pieces so token positions line up. Not thread-safe; one
 * per generation.
 */
final class ThinkTagSplitter {
  static final String OPEN = "<think>";
  static final String CLOSE = "</think>";

  /** A piece of content: its text and whether it is reasoning; {@code tag} pieces are the tags. */
  record Piece(String text, boolean reasoning, boolean tag) {}

  private enum State { START, THINKING, ANSWER }

  private State state = State.START;
  private final StringBuilder pending = new StringBuilder();

  /** Feeds a chunk of content; returns the pieces decided so far, in order. */
  List<Piece> feed(String chunk) {
    pending.append(chunk);
    List<Piece> out = new ArrayList<>();
    while (pending.length() > 0) {
      String s = pending.toString();
      if (state == State.START) {
        String lead = s.stripLeading();
        if (lead.isEmpty()) {
          return out; // white space only: wait
        }
        if (lead.startsWith(OPEN)) {
          int ws = s.length() - lead.length();
          if (ws > 0) {
            out.add(new Piece(s.substring(0, ws), true, true));
          }
          out.add(new Piece(OPEN, true, true));
          pending.delete(0, ws + OPEN.length());
          state = State.THINKING;
          continue;
        }
        if (OPEN.startsWith(lead)) {
          return out; // a prefix of <think>: wait
        }
        state = State.ANSWER;
        continue;
      }
      if (state == State.ANSWER) {
        out.add(new Piece(s, false, false));
        pending.setLength(0);
        return out;
      }
      // THINKING
      int close = s.indexOf(CLOSE);
      if (close >= 0) {
        if (close > 0) {
          out.add(new Piece(s.substring(0, close), true, false));
        }
        out.add(new Piece(CLOSE, true, true));
        pending.delete(0, close + CLOSE.length());
        state = State.ANSWER;
        continue;
      }
      int keep = partialSuffix(s, CLOSE);
      if (s.length() - keep > 0) {
        out.add(new Piece(s.substring(0, s.length() - keep), true, false));
      }
      pending.delete(0, s.length() - keep);
      return out;
    }
    return out;
  }

  /** What {@link #finish()} would return, without consuming it. */
  List<Piece> finishPeek() {
    return pending.length() == 0 ? List.of() : List.of(new Piece(pending.toString(), state == State.THINKING, false));
  }

  /** The rest at the end of the stream (a held-back partial tag is text after all). */
  List<Piece> finish() {
    List<Piece> out = new ArrayList<>();
    if (pending.length() > 0) {
      out.add(new Piece(pending.toString(), state == State.THINKING, false));
      pending.setLength(0);
    }
    return out;
  }

  /** Length of the longest suffix of {@code s} that is a proper prefix of {@code tag}. */
  private static int partialSuffix(String s, String tag) {
    for (int n = Math.min(tag.length() - 1, s.length()); n > 0; n--) {
      if (s.endsWith(tag.substring(0, n))) {
        return n;
      }
    }
    return 0;
  }
}
