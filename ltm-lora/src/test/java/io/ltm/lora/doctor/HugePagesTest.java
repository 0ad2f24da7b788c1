package io.ltm.lora.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HugePagesTest {
  private static final String ROLLUP = "00400000-7ffc0 ---p 00000000 00:00 0 [rollup]\nRss:  3000000 kB\n"
      + "AnonHugePages:   2459648 kB\nShmemPmdMapped:        0 kB\n";
  private static final Map<String, String> LAUNCHER = Map.of("THP_MEM_ALLOC_ENABLE", "1",
      "GLIBC_TUNABLES", "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=4194304");

  @Test
  void readsTheKernelModeTheEnvironmentAndTheHugeBytes() {
    HugePages p = HugePages.of("always [madvise] never\n", LAUNCHER, ROLLUP);
    assertThat(p.kernelMode()).isEqualTo("madvise");
    assertThat(p.allocator().hugePages()).isTrue();
    assertThat(p.allocator().mmapThreshold()).isEqualTo(4194304L);
    assertThat(p.allocator().isLtmEnv()).isTrue();
    assertThat(p.anonHugeBytes()).isEqualTo(2459648L * 1024);
    assertThat(p.check().status()).isEqualTo(Check.Status.PASS);
    assertThat(p.check().summary()).contains("madvise").contains("THP_MEM_ALLOC_ENABLE=1").contains("4194304");
  }

  @Test
  void saysWhatAPrefillDoesWithTheThreshold() {
    HugePages read = HugePages.of("always [madvise] never\n", LAUNCHER, ROLLUP);
    HugePages p = HugePages.of("always [madvise] never\n", LAUNCHER, ROLLUP,
        "a CPU prefill raises it to 33554432 for its length");
    assertThat(p.check().summary()).contains("mmap_threshold 4194304 (a CPU prefill raises it to 33554432 for its length)");
    assertThat(read.check().summary()).doesNotContain("prefill");
  }

  @Test
  void warnsWhenTheKernelWouldGrantThemButNothingAsks() {
    Check c = HugePages.of("always [madvise] never", Map.of(), ROLLUP.replace("2459648", "0")).check();
    assertThat(c.status()).isEqualTo(Check.Status.WARN);
    assertThat(c.fix()).contains("THP_MEM_ALLOC_ENABLE=1").contains("./ltm");
  }

  @Test
  void warnsWhenAskedButNoneGranted() {
    Check c = HugePages.of("always [madvise] never", LAUNCHER, ROLLUP.replace("2459648", "0")).check();
    assertThat(c.status()).isEqualTo(Check.Status.WARN);
    assertThat(c.fix()).contains("granted none");
  }

  @Test
  void alwaysModeNeedsNoEnvironment() {
    assertThat(HugePages.of("[always] madvise never", Map.of(), ROLLUP).check().status()).isEqualTo(Check.Status.PASS);
  }

  @Test
  void skipsWhereTheKernelHasNoneOrTheyAreOff() {
    assertThat(HugePages.of(null, LAUNCHER, null).check().status()).isEqualTo(Check.Status.SKIP);
    assertThat(HugePages.of("always madvise [never]", LAUNCHER, ROLLUP).check().status()).isEqualTo(Check.Status.SKIP);
  }

  @Test
  void libtorchOnlyAsksForTheValueOne() {
    assertThat(HugePages.of("always [madvise] never", Map.of("THP_MEM_ALLOC_ENABLE", "0"), ROLLUP).allocator().hugePages()).isFalse();
    assertThat(HugePages.of("always [madvise] never", Map.of("THP_MEM_ALLOC_ENABLE", "1",
        "GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=33554432"), ROLLUP).allocator().isLtmEnv()).as("above 4 MiB").isFalse();
  }
}
