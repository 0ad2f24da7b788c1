package io.ltm.lora.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Appends each step and evaluation to {@code RUN/metrics.jsonl}:
 * {@code {"step":1,"loss":2.3,"lr":0.0002,"grad_norm":1.1,"tokens":512,"tokens_per_s":900.5,"elapsed_s":0.6,"epoch":0}}
 * and {@code {"step":50,"eval_loss":2.1,"eval_ppl":8.2,"eval_tokens":4096}}. Each line is flushed when written.
 */
public final class MetricsListener implements TrainingListener {

  @Override
  public void onStep(TrainingContext ctx, StepMetrics m) throws IOException {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("step", m.step());
    n.put("loss", m.loss());
    n.put("lr", m.lr());
    n.put("grad_norm", m.gradNorm());
    n.put("tokens", m.tokens());
    n.put("tokens_per_s", m.tokensPerS());
    n.put("elapsed_s", m.elapsedS());
    n.put("epoch", m.epoch());
    ctx.run().appendMetrics(n);
  }

  @Override
  public void onEvaluation(TrainingContext ctx, EvalMetrics m) throws IOException {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("step", m.step());
    n.put("eval_loss", m.evalLoss());
    n.put("eval_ppl", m.evalPpl());
    n.put("eval_tokens", m.tokens());
    ctx.run().appendMetrics(n);
  }
}
