package io.ltm.lora.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs steps and evaluations through SLF4J (for CI logs and non-terminal output), every
 * {@code everySteps} steps.
 */
public final class LoggingListener implements TrainingListener {

  private static final Logger LOG = LoggerFactory.getLogger(LoggingListener.class);
  private final int everySteps;

  /** @param everySteps log every N steps (at least 1) */
  public LoggingListener(int everySteps) {
    if (everySteps < 1) {
      throw new IllegalArgumentException("everySteps must be at least 1, but got " + everySteps);
    }
    this.everySteps = everySteps;
  }

  @Override
  public void onStep(TrainingContext ctx, StepMetrics m) {
    if (m.step() % everySteps == 0 || m.step() == m.totalSteps()) {
      LOG.info(String.format(java.util.Locale.ROOT, "step %d/%d loss %.4f lr %.3g grad_norm %.3f %.0f tok/s",
          m.step(), m.totalSteps(), m.loss(), m.lr(), m.gradNorm(), m.tokensPerS()));
    }
  }

  @Override
  public void onEvaluation(TrainingContext ctx, EvalMetrics m) {
    LOG.info(String.format(java.util.Locale.ROOT, "step %d eval_loss %.4f eval_ppl %.3f", m.step(), m.evalLoss(),
        m.evalPpl()));
  }
}
