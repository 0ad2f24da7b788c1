package io.ltm.lora.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training gives the same numbers while the garbage collector runs continuously. A regression test for
 * scalars that autograd saved for backward living in Java buffers ({@code mul(Number)} in DJL; see
 * {@link io.ltm.lora.model.GraphScalar}): when the collector freed them, gradients became NaN or garbage
 * in about one short run in three.
 */
class GarbageCollectionDuringTrainingTest {
  @TempDir Path tmp;

  @Test
  void gradientsDoNotDependOnGarbageCollection() throws Exception {
    TrainingConfig cfg = DataParallelTrainingTest.config(5, 2, 0);
    List<JsonNode> quiet = run(tmp.resolve("quiet"), cfg, false);
    for (int i = 0; i < 3; i++) {
      List<JsonNode> collected = run(tmp.resolve("gc-" + i), cfg, true);
      for (String f : List.of("loss", "grad_norm", "eval_loss")) {
        assertThat(LoraTrainerTest.column(collected, f)).as("%s, run %d under constant GC", f, i)
            .isEqualTo(LoraTrainerTest.column(quiet, f));
      }
    }
  }

  private static List<JsonNode> run(Path dir, TrainingConfig cfg, boolean collect) throws IOException, InterruptedException {
    Thread gc = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        System.gc();
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "gc-pressure");
    gc.setDaemon(true);
    if (collect) {
      gc.start();
    }
    try {
      DataParallelTrainingTest.train(dir, cfg, 1);
    } finally {
      gc.interrupt();
      gc.join();
    }
    return new RunDirectory(dir).readMetrics();
  }
}
