package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The persistent decode pool: every index exactly once, failures reach the caller, busy pools run inline. */
class RowPoolTest {

  @Test
  void everyIndexRunsExactlyOnceOverManyJobsIncludingAfterTheWorkersPark() throws InterruptedException {
    RowPool pool = new RowPool(3);
    for (int job = 0; job < 2000; job++) {
      int n = 1 + job % 97;
      int grain = 1 + job % 5;
      AtomicIntegerArray hits = new AtomicIntegerArray(n);
      pool.run(n, grain, (from, to) -> {
        assertThat(from % grain).isZero();
        for (int i = from; i < to; i++) {
          hits.incrementAndGet(i);
        }
      });
      for (int i = 0; i < n; i++) {
        assertThat(hits.get(i)).as("job %d index %d", job, i).isEqualTo(1);
      }
      if (job % 500 == 0) {
        Thread.sleep(2); // longer than the spin: the workers park and must be woken
      }
    }
  }

  @Test
  void aFailingSliceThrowsInTheCallerAndThePoolKeepsWorking() {
    RowPool pool = new RowPool(2);
    assertThatThrownBy(() -> pool.run(100, 1, (from, to) -> {
      if (from > 0) {
        throw new IllegalStateException("slice " + from);
      }
    })).isInstanceOf(IllegalStateException.class).hasMessageContaining("slice");
    int[] sum = new int[100];
    pool.run(100, 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        sum[i] = i;
      }
    });
    assertThat(sum[99]).isEqualTo(99);
  }

  @Test
  void aNestedRunOnTheSamePoolRunsInline() {
    RowPool pool = new RowPool(2);
    AtomicIntegerArray hits = new AtomicIntegerArray(10);
    pool.run(2, 1, (from, to) -> pool.run(10, 1, (a, b) -> {
      for (int i = a; i < b; i++) {
        hits.incrementAndGet(i);
      }
    }));
    for (int i = 0; i < 10; i++) {
      assertThat(hits.get(i)).isEqualTo(2);
    }
  }
}
