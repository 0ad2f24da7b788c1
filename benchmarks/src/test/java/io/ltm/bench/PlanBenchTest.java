package io.ltm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.lora.plan.MemoryPlanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shipped plan against every configuration measured by {@code PlanBench}, under glibc's own allocator
 * settings ({@code results/plan-measured.tsv}) and under ./ltm's ({@code results/plan-measured-ltm-env.tsv}):
 * within 15% of the median of each configuration's measured peak RSS (the goal), fitted rows and held-out
 * rows alike, each with the constants of its settings. A change to the planner's counts or constants that
 * breaks a measured row fails here.
 */
class PlanBenchTest {
  @Test
  void everyMeasuredConfigurationIsWithinFifteenPercent() throws Exception {
    check("plan-measured.tsv", MemoryPlanner.Calibration.DEFAULT, 14);
  }

  @Test
  void everyConfigurationMeasuredAsLtmStartsItIsWithinFifteenPercent() throws Exception {
    check("plan-measured-ltm-env.tsv", MemoryPlanner.Calibration.LTM_ENV, 10);
  }

  private static void check(String file, MemoryPlanner.Calibration calibration, int atLeast) throws Exception {
    Map<String, List<Double>> measured = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("results", file))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        String[] col = line.split("\t");
        measured.computeIfAbsent(col[0], k -> new ArrayList<>()).add(Double.parseDouble(col[1]));
      }
    }
    assertThat(measured).hasSizeGreaterThanOrEqualTo(atLeast);
    for (Map.Entry<String, List<Double>> e : measured.entrySet()) {
      PlanBench.Row row = PlanBench.Row.parse(e.getKey());
      double predicted = MemoryPlanner.plan(row.config(), row.request(), Long.MAX_VALUE / 4, "test", calibration).train().bytes()
          / (double) (1L << 30);
      List<Double> v = new ArrayList<>(e.getValue());
      v.sort(null);
      double median = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
      assertThat(Math.abs(predicted - median) / median).as("%s: predicted %.2f GiB, measured %s", e.getKey(), predicted, v)
          .isLessThanOrEqualTo(0.15);
    }
  }
}
