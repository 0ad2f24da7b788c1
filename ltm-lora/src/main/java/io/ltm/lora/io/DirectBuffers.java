package io.ltm.lora.io;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Allocation and prompt release of direct and memory-mapped buffers, so that loading a checkpoint
 * holds at most one tensor's staging bytes at a time instead of waiting for the garbage collector.
 * Release uses {@code sun.misc.Unsafe.invokeCleaner} (module {@code jdk.unsupported}); where that is
 * unavailable, release is a no-op and the collector frees the buffer later.
 */
public final class DirectBuffers {
  private static final Object UNSAFE;
  private static final Method INVOKE_CLEANER;

  static {
    Object unsafe = null;
    Method m = null;
    try {
      Class<?> c = Class.forName("sun.misc.Unsafe");
      Field f = c.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      unsafe = f.get(null);
      m = c.getMethod("invokeCleaner", ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      unsafe = null;
      m = null;
    }
    UNSAFE = unsafe;
    INVOKE_CLEANER = m;
  }

  private DirectBuffers() {}

  /** A direct buffer of {@code bytes} in native order. */
  public static ByteBuffer allocate(long bytes) {
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("buffer of " + bytes + " bytes is over the 2 GiB limit of one buffer");
    }
    return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
  }

  /**
   * Frees a direct or mapped buffer now. The buffer must not be used afterwards, nor any view of it.
   * Slices and duplicates cannot be released (they are skipped).
   */
  public static void release(ByteBuffer buffer) {
    if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invoke(UNSAFE, buffer);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // a slice or duplicate: the collector frees the parent later
    }
  }
}
