package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import io.ltm.lora.plan.AllocatorEnvironment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link PrefillMalloc} against glibc itself: whether an 8 MiB malloc gets a mapping of its own (glibc's count of
 * mmapped chunks, {@code mallinfo2().hblks}) at the base threshold, inside a scope and after it.
 */
class PrefillMallocTest {
  private static final int BASE = (int) AllocatorEnvironment.LTM_MMAP_THRESHOLD;

  /** glibc's allocator as the test observes it. */
  public interface Glibc extends Library {
    Mallinfo2.ByValue mallinfo2();

    Pointer malloc(long size);

    void free(Pointer p);
  }

  /** glibc's {@code struct mallinfo2}: ten {@code size_t}. */
  @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
      "fordblks", "keepcost"})
  public static class Mallinfo2 extends Structure {
    public long arena;
    public long ordblks;
    public long smblks;
    public long hblks;
    public long hblkhd;
    public long usmblks;
    public long fsmblks;
    public long uordblks;
    public long fordblks;
    public long keepcost;

    /** Returned by value. */
    public static class ByValue extends Mallinfo2 implements Structure.ByValue {}
  }

  /** Whether a malloc of {@code bytes} got a mapping of its own. */
  private static boolean mapsItsOwn(Glibc glibc, long bytes) {
    long before = glibc.mallinfo2().hblks;
    Pointer p = glibc.malloc(bytes);
    long during = glibc.mallinfo2().hblks;
    glibc.free(p);
    return during == before + 1;
  }

  private static Glibc glibcOrSkip() {
    assumeTrue(System.getProperty("os.name", "").toLowerCase().startsWith("linux"), "glibc's malloc is Linux's");
    try {
      return Native.load("c", Glibc.class);
    } catch (Throwable e) {
      assumeTrue(false, "no glibc here: " + e);
      return null;
    }
  }

  @Test
  void aScopeKeepsLargeAllocationsInTheArenasAndClosingPutsTheThresholdBack() {
    Glibc glibc = glibcOrSkip();
    PrefillMalloc.LibC libc = PrefillMalloc.LibC.load();
    assertThat(libc.mallopt(PrefillMalloc.M_MMAP_THRESHOLD, BASE)).isEqualTo(1); // as ltm-env.sh starts the JVM
    PrefillMalloc malloc = new PrefillMalloc(libc, BASE, PrefillMalloc.RAISED);
    assertThat(mapsItsOwn(glibc, 8 << 20)).as("8 MiB at the 4 MiB threshold").isTrue();

    try (PrefillMalloc.Scope outer = malloc.raise()) {
      assertThat(mapsItsOwn(glibc, 8 << 20)).as("8 MiB inside a scope").isFalse();
      assertThat(mapsItsOwn(glibc, 128L << 20)).as("128 MiB, above the raised threshold").isTrue();
      PrefillMalloc.Scope inner = malloc.raise();
      inner.close();
      inner.close(); // a second close counts once
      assertThat(mapsItsOwn(glibc, 8 << 20)).as("after the inner scope, the outer still open").isFalse();
    }
    assertThat(mapsItsOwn(glibc, 8 << 20)).as("8 MiB after the last scope closed").isTrue();
  }

  @Test
  void onlyAnLtmEnvThresholdOnLinuxIsRaised() {
    AllocatorEnvironment ltm = AllocatorEnvironment.of(Map.of("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=4194304"));
    assertThat(PrefillMalloc.whyNot("Linux", ltm, null)).isNull();
    assertThat(PrefillMalloc.whyNot("Linux", ltm, "134217728")).isNull();
    assertThat(PrefillMalloc.whyNot("Mac OS X", ltm, null)).contains("not Linux");
    assertThat(PrefillMalloc.whyNot("Linux", ltm, "0")).contains(PrefillMalloc.PROPERTY + "=0");
    assertThat(PrefillMalloc.whyNot("Linux", AllocatorEnvironment.of(Map.of()), null))
        .contains("unset (glibc's dynamic default)");
    assertThat(PrefillMalloc.whyNot("Linux",
        AllocatorEnvironment.of(Map.of("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=67108864")), null))
        .contains("67108864").contains("left as it is");
  }

  @Test
  void thisProcessSaysWhatAPrefillDoes() {
    AllocatorEnvironment env = AllocatorEnvironment.current();
    String expected = PrefillMalloc.whyNot(System.getProperty("os.name", ""), env,
        System.getProperty(PrefillMalloc.PROPERTY));
    if (expected == null) { // a JVM started as ./ltm starts it
      assertThat(Decoder.prefillAllocator()).startsWith("a CPU prefill raises it to ");
    } else {
      assertThat(Decoder.prefillAllocator()).isEqualTo("a CPU prefill leaves it as it is: " + expected);
    }
  }

  @Test
  void aMalformedPropertyNamesItselfAndTheRange() {
    assertThat(PrefillMalloc.raisedThreshold(null)).isEqualTo(PrefillMalloc.RAISED);
    assertThat(PrefillMalloc.raisedThreshold(" 134217728 ")).isEqualTo(128 << 20);
    assertThat(PrefillMalloc.raisedThreshold("0")).isZero();
    assertThatThrownBy(() -> PrefillMalloc.raisedThreshold("64MiB")).hasMessageContaining(PrefillMalloc.PROPERTY)
        .hasMessageContaining("64MiB").hasMessageContaining("0 (off)");
    assertThatThrownBy(() -> PrefillMalloc.raisedThreshold("1048576")).hasMessageContaining("above 4194304");
    assertThatThrownBy(() -> new PrefillMalloc(null, BASE, BASE)).hasMessageContaining("must exceed");
  }
}
