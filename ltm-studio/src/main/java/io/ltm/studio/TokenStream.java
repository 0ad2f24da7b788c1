package io.ltm.studio;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.metrics.detect.BehaviourClassifier;
import java.util.function.Consumer;

/**
 * Streams one generation's tokens to a {@link Job}: a {@code token} event per token ({@code v}
 * variant, {@code it} iteration, {@code t} text, {@code r} reasoning or not, {@code e} entropy in
 * nats), and, every {@link #SPAN_EVERY} tokens and at the end, a {@code spans} event with the
 * behaviours the detectors find in the text so far of that pane, as UTF-16 offsets into the
 * concatenated token texts (exactly what the page holds). The {@code <think>} tags are left out of the
 * text. Checks for cancellation at every token. One per generation; used on the generating thread.
 */
final class TokenStream implements Consumer<GeneratedToken> {
  static final int SPAN_EVERY = 6;

  private final Job job;
  private final ObjectMapper json;
  private final BehaviourClassifier detectors;
  private final int variant;
  private final int iteration;
  private final StringBuilder reasoning = new StringBuilder();
  private final StringBuilder answer = new StringBuilder();
  private int sinceSpans;
  private boolean lastReasoning = true;

  TokenStream(Job job, ObjectMapper json, BehaviourClassifier detectors, int variant, int iteration) {
    this.job = job;
    this.json = json;
    this.detectors = detectors;
    this.variant = variant;
    this.iteration = iteration;
  }

  @Override
  public void accept(GeneratedToken t) {
    job.tokenGenerated();
    String text = t.text().replace("<think>", "").replace("</think>", "");
    if (lastReasoning && !t.reasoning()) {
      spans(true); // the reasoning pane is complete
    }
    lastReasoning = t.reasoning();
    (t.reasoning() ? reasoning : answer).append(text);
    ObjectNode o = json.createObjectNode();
    o.put("v", variant);
    o.put("it", iteration);
    o.put("t", text);
    o.put("r", t.reasoning());
    if (Double.isFinite(t.entropy())) {
      o.put("e", Math.round(t.entropy() * 1000) / 1000.0);
    } else {
      o.putNull("e");
    }
    job.emit("token", o.toString());
    if (++sinceSpans >= SPAN_EVERY) {
      spans(t.reasoning());
    }
  }

  /** Final spans of both panes. */
  void finish() {
    spans(true);
    spans(false);
  }

  private void spans(boolean ofReasoning) {
    sinceSpans = 0;
    String text = (ofReasoning ? reasoning : answer).toString();
    ObjectNode o = json.createObjectNode();
    o.put("v", variant);
    o.put("it", iteration);
    o.put("pane", ofReasoning ? "reasoning" : "answer");
    o.set("spans", SpanJson.of(detectors.detect(text)));
    job.emit("spans", o.toString());
  }
}
