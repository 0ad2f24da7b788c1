package io.ltm.server.api;

import io.ltm.core.generate.GeneratedToken;
import java.util.List;

/**
 * Turns one choice's generated tokens into the text an OpenAI client sees, one delta per token, so
 * that the streamed deltas concatenate to exactly the non-streamed message:
 * <ul>
 *   <li>chat: reasoning (inside {@code <think>...</think>}) goes to {@code reasoning_content}, the
 *       rest to {@code content}, as vLLM's Qwen3 reasoning parser splits them; the tags themselves are
 *       dropped and leading newlines of each part are skipped;</li>
 *   <li>raw completions: every piece as is, tags included;</li>
 *   <li>stop strings: text that may begin a stop string is held back until it is known not to, and the
 *       stop string itself and anything after it are never sent.</li>
 * </ul>
 * Not thread-safe: one per choice.
 */
public final class OutputText {
  /** Text added by one token (either part may be empty). */
  public record Delta(String reasoning, String content) {
    static final Delta EMPTY = new Delta("", "");

    public boolean isEmpty() {
      return reasoning.isEmpty() && content.isEmpty();
    }
  }

  private final List<String> stops;
  private final boolean splitReasoning;
  private final int thinkStart;
  private final int thinkEnd;
  private final String thinkStartText;
  private final String thinkEndText;
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder content = new StringBuilder();
  private final StringBuilder held = new StringBuilder(); // not yet sent, of the current part
  private boolean heldIsReasoning;
  private boolean reasoningStarted;
  private boolean contentStarted;
  private boolean stopped;

  /**
   * @param stops stop strings (none empty)
   * @param splitReasoning true for chat (reasoning apart, tags dropped), false for raw completions
   * @param thinkStart id of {@code <think>}, or -1
   * @param thinkEnd id of {@code </think>}, or -1
   */
  public OutputText(List<String> stops, boolean splitReasoning, int thinkStart, int thinkEnd) {
    this.stops = List.copyOf(stops);
    this.splitReasoning = splitReasoning;
    this.thinkStart = thinkStart;
    this.thinkEnd = thinkEnd;
    this.thinkStartText = "<think>";
    this.thinkEndText = "</think>";
  }

  /** Whether a stop string was seen (the rest of the generation is discarded). */
  public boolean stopped() {
    return stopped;
  }

  /** The text one token adds. */
  public Delta accept(GeneratedToken t) {
    if (stopped) {
      return Delta.EMPTY;
    }
    String piece = t.text();
    boolean toReasoning = splitReasoning && t.reasoning();
    if (splitReasoning && (t.id() == thinkStart || t.id() == thinkEnd)) {
      String tag = t.id() == thinkStart ? thinkStartText : thinkEndText;
      piece = piece.endsWith(tag) ? piece.substring(0, piece.length() - tag.length()) : piece;
      toReasoning = t.id() == thinkEnd; // text flushed before </think> is reasoning; before <think>, answer
    }
    String flushed = "";
    boolean flushedIsReasoning = heldIsReasoning;
    if (toReasoning != heldIsReasoning) {
      flushed = held.toString();
      held.setLength(0);
      heldIsReasoning = toReasoning;
    }
    if (toReasoning ? !reasoningStarted : !contentStarted) {
      int a = 0;
      while (a < piece.length() && (piece.charAt(a) == '\n' || piece.charAt(a) == '\r')) {
        a++;
      }
      piece = piece.substring(a);
      if (!piece.isEmpty()) {
        if (toReasoning) {
          reasoningStarted = true;
        } else {
          contentStarted = true;
        }
      }
    }
    held.append(piece);
    String out = release(false);
    String r = (flushedIsReasoning ? flushed : "") + (toReasoning ? out : "");
    String c = (flushedIsReasoning ? "" : flushed) + (toReasoning ? "" : out);
    reasoning.append(r);
    content.append(c);
    return r.isEmpty() && c.isEmpty() ? Delta.EMPTY : new Delta(r, c);
  }

  /** Whatever is still held back at the end of the generation. */
  public Delta finish() {
    if (stopped) {
      return Delta.EMPTY;
    }
    String out = release(true);
    Delta d = heldIsReasoning ? new Delta(out, "") : new Delta("", out);
    reasoning.append(d.reasoning());
    content.append(d.content());
    return d.isEmpty() ? Delta.EMPTY : d;
  }

  /** The text of {@code held} that can go out now; sets {@link #stopped} at a stop string. */
  private String release(boolean all) {
    int at = -1;
    for (String s : stops) {
      int i = held.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
      }
    }
    if (at >= 0) {
      stopped = true;
      String out = held.substring(0, at);
      held.setLength(0);
      return out;
    }
    int keep = all ? 0 : heldBack();
    String out = held.substring(0, held.length() - keep);
    held.delete(0, held.length() - keep);
    return out;
  }

  /** Length of the longest end of {@code held} that begins some stop string. */
  private int heldBack() {
    int best = 0;
    for (String s : stops) {
      for (int n = Math.min(s.length() - 1, held.length()); n > best; n--) {
        if (held.substring(held.length() - n).equals(s.substring(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }

  /** All reasoning sent so far. */
  public String reasoning() {
    return reasoning.toString();
  }

  /** All content sent so far. */
  public String content() {
    return content.toString();
  }
}
