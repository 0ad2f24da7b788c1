package io.ltm.metrics.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.learned.Detectors;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The library's default detector is the CLI's {@code --detector} default, not the rules. */
class ThoughtMetricsDefaultsTest {

  @Test
  void builderWithoutDetectorsUsesTheSameDefaultAsTheCli() throws Exception {
    ThoughtMetrics tm = ThoughtMetrics.builder().build();
    assertThat(tm.detectors().name()).isEqualTo(Detectors.DEFAULT).isEqualTo(Detectors.byDefault().name()).isNotEqualTo("rules");
    TraceRecord r = new TraceRecord("r", "p", "q", 0, "m", null, null,
        "The invoice total is 1,482. Let me add the receipts again by hand: 1,482, the same. "
            + "I notice I trusted the spreadsheet only because I built it myself. Backward from the goal, the last step must be the sum.",
        "It matches.", List.of(), Instant.EPOCH, GenerationSettings.defaults());
    TraceMetrics byDefault = tm.measure(r);
    TraceMetrics explicit = ThoughtMetrics.builder().detectors(Detectors.resolve(Detectors.DEFAULT)).build().measure(r);
    TraceMetrics rules = ThoughtMetrics.builder().detectors(BehaviourDetectors.defaults()).build().measure(r);
    for (Behaviour b : Behaviour.values()) {
      assertThat(Double.compare(byDefault.get(Metric.of(b)), explicit.get(Metric.of(b)))).as(b.label()).isZero();
    }
    // the learned default models no backward chaining (NaN); the rules do (a number)
    assertThat(byDefault.get(Metric.of(Behaviour.BACKWARD_CHAINING))).isNaN();
    assertThat(rules.get(Metric.of(Behaviour.BACKWARD_CHAINING))).isNotNaN();
  }
}
