package io.ltm.cli;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.loop.ContextSnippet;
import io.ltm.core.loop.LoopListener;
import io.ltm.core.loop.ModelVariant;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.TraceRecord;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Prints thinking-loop progress as it happens: one line per probe and per iteration (tokens, time,
 * tokens/s, whether the answer changed), the citations of retrieved context, and, when streaming,
 * the generated text itself. Not thread-safe (the loop calls it from one thread).
 */
final class LoopProgress implements LoopListener {
  private final PrintWriter out;
  private final int probesPerVariant;
  private final boolean stream;
  private String variant = "";
  private int probeNo;
  private long started;
  private int tokens;
  private boolean inReasoning;

  /** @param probesPerVariant probes each variant runs, or 0 when not known in advance */
  LoopProgress(PrintWriter out, int probesPerVariant, boolean stream) {
    this.out = out;
    this.probesPerVariant = probesPerVariant;
    this.stream = stream;
  }

  private void nextProbe(ModelVariant v) {
    if (!v.label().equals(variant)) {
      variant = v.label();
      probeNo = 0;
    }
    probeNo++;
  }

  private String count() {
    return probesPerVariant > 0 ? probeNo + "/" + probesPerVariant : Integer.toString(probeNo);
  }

  @Override
  public void probeStarted(Probe probe, ModelVariant v, int fromIteration, int iterations) {
    nextProbe(v);
    out.printf("[%s] probe %s %s%s%n", variant, count(), probe.id(),
        fromIteration > 0 ? " (resuming at iteration " + fromIteration + " of " + iterations + ")" : "");
    out.flush();
  }

  @Override
  public void probeSkipped(Probe probe, ModelVariant v, int recorded) {
    nextProbe(v);
    out.printf("[%s] probe %s %s: done already (%d iteration%s in the trace file)%n", variant, count(), probe.id(),
        recorded, recorded == 1 ? "" : "s");
    out.flush();
  }

  @Override
  public void contextRetrieved(Probe probe, List<ContextSnippet> snippets) {
    out.printf("  context: %d snippet%s%n", snippets.size(), snippets.size() == 1 ? "" : "s");
    int n = 1;
    for (ContextSnippet s : snippets) {
      out.printf("    [%d] %s%n", n++, s.citation());
    }
    out.flush();
  }

  @Override
  public void iterationStarted(Probe probe, int iteration) {
    started = System.nanoTime();
    tokens = 0;
    inReasoning = false;
    if (stream) {
      out.printf("  --- iteration %d ---%n", iteration);
      out.flush();
    }
  }

  @Override
  public void token(GeneratedToken token) {
    tokens++;
    if (stream) {
      if (token.reasoning() != inReasoning) {
        out.print(token.reasoning() ? "\n  <think> " : "\n  </think>\n");
        inReasoning = token.reasoning();
      }
      out.print(token.text());
      out.flush();
    }
  }

  @Override
  public void iterationDone(TraceRecord record, boolean changed) {
    double s = (System.nanoTime() - started) / 1e9;
    if (stream) {
      out.println();
    }
    out.printf(Locale.ROOT, "  iteration %d: %d tokens in %.1f s (%.1f tokens/s), %s%n", record.iteration(), tokens, s,
        s > 0 ? tokens / s : 0.0, record.iteration() == 0 ? "first answer" : changed ? "answer rewritten" : "answer unchanged");
    out.flush();
  }

  @Override
  public void iterationFailed(TraceRecord failed) {
    if (stream) {
      out.println();
    }
    out.printf("  iteration %d FAILED (recorded; run again with the same --out to retry it): %s%n", failed.iteration(),
        failed.failure());
    out.flush();
  }
}
