package io.ltm.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.generate.GeneratedToken;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reasoning split and stop strings over hand-made token streams (ids 1 = think, 2 = /think). */
class OutputTextTest {
  private static GeneratedToken tok(int id, String text, boolean reasoning) {
    return new GeneratedToken(id, text, -0.1, 1.0, reasoning);
  }

  /** Feeds the tokens, returns the streamed deltas joined as "reasoning|content", and checks them against the totals. */
  private static String run(OutputText o, List<GeneratedToken> tokens) {
    StringBuilder r = new StringBuilder();
    StringBuilder c = new StringBuilder();
    List<OutputText.Delta> deltas = new ArrayList<>();
    for (GeneratedToken t : tokens) {
      deltas.add(o.accept(t));
    }
    deltas.add(o.finish());
    for (OutputText.Delta d : deltas) {
      r.append(d.reasoning());
      c.append(d.content());
    }
    assertThat(r.toString()).isEqualTo(o.reasoning());
    assertThat(c.toString()).isEqualTo(o.content());
    return r + "|" + c;
  }

  private static final List<GeneratedToken> THINKING = List.of(
      tok(1, "<think>", true), tok(10, "\n", true), tok(11, "Ravens", true), tok(12, " plan.", true), tok(13, "\n", true),
      tok(2, "</think>", true), tok(14, "\n\n", false), tok(15, "They", false), tok(16, " do.", false));

  @Test
  void chatSplitsReasoningFromTheAnswerAndDropsTagsAndLeadingNewlines() {
    assertThat(run(new OutputText(List.of(), true, 1, 2), THINKING)).isEqualTo("Ravens plan.\n|They do.");
  }

  @Test
  void rawCompletionsKeepEveryPiece() {
    assertThat(run(new OutputText(List.of(), false, 1, 2), THINKING)).isEqualTo("|<think>\nRavens plan.\n</think>\n\nThey do.");
  }

  @Test
  void aStopStringSpanningTokensIsHeldBackAndNeverSent() {
    OutputText o = new OutputText(List.of("END"), true, -1, -1);
    List<GeneratedToken> t = List.of(tok(5, "abc E", false), tok(6, "N", false), tok(7, "Dxyz", false), tok(8, "more", false));
    assertThat(o.accept(t.get(0)).content()).isEqualTo("abc "); // "E" may begin END: held
    assertThat(o.accept(t.get(1)).isEmpty()).isTrue();
    assertThat(o.accept(t.get(2)).isEmpty()).isTrue();
    assertThat(o.stopped()).isTrue();
    assertThat(o.accept(t.get(3)).isEmpty()).isTrue();
    assertThat(o.finish().isEmpty()).isTrue();
    assertThat(o.content()).isEqualTo("abc ");
  }

  @Test
  void heldTextThatTurnsOutNotToBeAStopIsReleased() {
    OutputText o = new OutputText(List.of("END", "\n\nQ:"), true, -1, -1);
    assertThat(run(o, List.of(tok(5, "x E", false), tok(6, "NJOY\n", false), tok(7, "\nfin", false)))).isEqualTo("|x ENJOY\n\nfin");
    assertThat(o.stopped()).isFalse();
  }
}
