package io.ltm.cli;

import io.ltm.lora.train.EvalMetrics;
import io.ltm.lora.train.StepMetrics;
import io.ltm.lora.train.TrainingContext;
import io.ltm.lora.train.TrainingListener;
import io.ltm.lora.train.TrainingResult;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The terminal progress bar of {@code ltm train} (me.tongfei:progressbar): step / total, ETA, and the
 * last loss, tokens/s and eval loss as the extra message. Used only when stderr is a terminal and not in
 * CI; otherwise the trainer logs plain lines every few steps.
 */
final class TrainProgress implements TrainingListener {

  private final PrintStream out;
  private ProgressBar bar;
  private String eval = "";

  TrainProgress(PrintStream out) {
    this.out = out;
  }

  /** @return whether a live progress bar fits this process (a terminal, not CI) */
  static boolean interactive() {
    return System.console() != null && System.getenv("CI") == null;
  }

  @Override
  public void onTrainingBegin(TrainingContext ctx) {
    long done = ctx.state().step();
    bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(ctx.totalSteps())
        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250)
        .setConsumer(new ConsoleProgressBarConsumer(out))
        .startsFrom(done, Duration.ofMillis((long) (ctx.state().elapsedS() * 1000))).build();
  }

  @Override
  public void onStep(TrainingContext ctx, StepMetrics m) {
    bar.stepTo(m.step());
    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f  %.0f tok/s%s", m.loss(), m.tokensPerS(), eval));
  }

  @Override
  public void onEvaluation(TrainingContext ctx, EvalMetrics m) {
    eval = String.format(Locale.ROOT, "  eval %.4f", m.evalLoss());
  }

  @Override
  public void onTrainingEnd(TrainingContext ctx, TrainingResult result) {
    close();
  }

  void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
