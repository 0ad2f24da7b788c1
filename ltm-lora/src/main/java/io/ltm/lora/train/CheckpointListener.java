package io.ltm.lora.train;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves {@code RUN/checkpoint-<step>} every {@link TrainingConfig#saveEvery()} steps and after the last
 * step, keeping the newest {@link TrainingConfig#keepCheckpoints()}.
 */
public final class CheckpointListener implements TrainingListener {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointListener.class);

  @Override
  public void onStepEnd(TrainingContext ctx) throws IOException {
    long step = ctx.state().step();
    int every = ctx.config().saveEvery();
    if ((every > 0 && step % every == 0) || step == ctx.totalSteps()) {
      var dir = CheckpointStore.save(ctx, ctx.schedule());
      LOG.debug("saved {}", dir);
    }
  }

  @Override
  public void onTrainingEnd(TrainingContext ctx, TrainingResult result) throws IOException {
    if (ctx.run().checkpointSteps().stream().noneMatch(s -> s == ctx.state().step())) {
      CheckpointStore.save(ctx, ctx.schedule()); // early stop between save points
    }
  }
}
