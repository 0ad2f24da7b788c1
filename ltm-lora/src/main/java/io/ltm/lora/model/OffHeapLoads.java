package io.ltm.lora.model;

import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vector loads from a direct buffer's native memory (weights, KV caches) for the decode kernels, without the
 * barriers JDK 17 puts around every {@code FloatVector.fromByteBuffer} on a direct buffer.
 *
 * <p>Why: JDK 17's {@code fromByteBuffer} passes the buffer's heap array (null for a direct buffer) as the base
 * of its load intrinsic, a base that may or may not be null, so C2 brackets each load with a CPU order barrier
 * ({@code vectorIntrinsics.cpp}, {@code can_access_non_heap}); within those barriers it reloads the buffer's
 * address, limit and heap array and checks them again for every 64-byte load. A kernel's inner loop of eight loads
 * compiled to about 150 instructions, most of them those reloads (the f32 GEMV, seen in HotSpot's machine code on
 * 2026-12-07). Called with a base that is the constant null and the memory's absolute address, the same intrinsic
 * compiles to a plain vector load: that loop became 45 instructions, and one-thread f32 decoding of the
 * Qwen3-0.6B shape ran 13% faster (docs/engine.md, "Loads without barriers").
 *
 * <p>The intrinsic, {@code jdk.internal.vm.vector.VectorSupport.load}, lives in a package java.base exports only
 * when the JVM is started with {@link #FLAG} ({@code ./ltm} and the benchmarks are). It is reached through a
 * constant {@link MethodHandle} (C2 inlines it and applies the intrinsic; no compile-time reference to the JDK's
 * internals, so the build keeps {@code --release 17}). Without the flag, on another JDK, or if the handle's loads
 * do not read back what {@code fromByteBuffer} reads (checked once, when this class loads), every load is
 * {@code fromByteBuffer} as before: {@link #DIRECT} says which.
 *
 * <p>A direct load checks no bounds: every kernel that uses one checks the whole byte range it will read against
 * the buffer, once per call ({@link #checkRange}), before its loop.
 */
final class OffHeapLoads {
  private static final Logger LOG = LoggerFactory.getLogger(OffHeapLoads.class);
  /** The JVM option that exports the load intrinsic's package to ltm. */
  static final String FLAG = "--add-exports java.base/jdk.internal.vm.vector=ALL-UNNAMED";
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  /** (long address, ByteBuffer buffer, int offset) FloatVector / IntVector, or null when not {@link #DIRECT}. */
  private static final MethodHandle LOAD_FLOATS;
  private static final MethodHandle LOAD_INTS;
  /** (ByteBuffer) long: a direct buffer's address. */
  private static final MethodHandle ADDRESS;
  /** Whether loads go straight to the memory's address (see the class comment). */
  static final boolean DIRECT;
  /** Why not {@link #DIRECT}, or null. */
  private static final String WHY_NOT;

  static {
    MethodHandle floats = null;
    MethodHandle ints = null;
    MethodHandle address = null;
    String whyNot = null;
    try {
      Object unsafe = unsafe();
      address = addressHandle(unsafe);
      floats = loadHandle(F, float.class, "floatsFallback");
      ints = loadHandle(I, int.class, "intsFallback");
      whyNot = selfCheck(floats, ints, address, unsafe);
    } catch (IllegalAccessException e) {
      whyNot = "start the JVM with " + FLAG + " (./ltm does): without it every vector load from the weights "
          + "and the KV cache carries JDK 17's barriers (one-thread f32 decoding 13% slower; docs/engine.md)";
    } catch (Throwable e) { // another JDK: no such class or method, another signature
      whyNot = "this JDK has no JDK 17 VectorSupport.load (" + e + "); the kernels load through fromByteBuffer";
    }
    DIRECT = whyNot == null;
    WHY_NOT = whyNot;
    LOAD_FLOATS = DIRECT ? floats : null;
    LOAD_INTS = DIRECT ? ints : null;
    ADDRESS = DIRECT ? address : null;
  }

  private OffHeapLoads() {}

  /**
   * What to do for loads without barriers, or null when they are on. Logged once by {@link Gemv}; shown by
   * {@code ltm doctor}.
   */
  static String advice() {
    return WHY_NOT;
  }

  /** The native address of a direct buffer's first byte, or 0 when loads are not {@link #DIRECT}. */
  static long address(ByteBuffer buffer) {
    if (!DIRECT) {
      return 0;
    }
    if (!buffer.isDirect()) {
      throw new IllegalArgumentException("not a direct buffer: " + buffer);
    }
    try {
      return (long) ADDRESS.invokeExact(buffer);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Refuses a read of bytes {@code [from, to)} of {@code buffer} that would leave it: the check a direct load
   * does not make, made once for a whole kernel call.
   */
  static void checkRange(ByteBuffer buffer, long from, long to) {
    if (from < 0 || from > to || to > buffer.capacity()) {
      throw new IndexOutOfBoundsException("bytes [" + from + ", " + to + ") of a buffer of " + buffer.capacity());
    }
  }

  /**
   * As {@link #checkRange} for {@code rows} rows of {@code usedBytes} bytes each, {@code rowBytes} apart, the
   * first at byte {@code base} (a head's keys or values in a KV cache).
   */
  static void checkRows(ByteBuffer buffer, long base, int rows, int rowBytes, long usedBytes) {
    if (rows > 0) {
      checkRange(buffer, base, base + (long) (rows - 1) * rowBytes + usedBytes);
    }
  }

  /**
   * The {@link FloatVector} of native-order f32 at byte {@code offset} of {@code buffer}, whose first byte is at
   * {@code address} ({@link #address}); the caller has checked the range ({@link #checkRange}).
   */
  static FloatVector floats(ByteBuffer buffer, long address, int offset) {
    if (!DIRECT) {
      return FloatVector.fromByteBuffer(F, buffer, offset, NATIVE);
    }
    try {
      return (FloatVector) LOAD_FLOATS.invokeExact(address + offset, buffer, offset);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** As {@link #floats}, the {@link IntVector} of native-order ints at byte {@code offset}. */
  static IntVector ints(ByteBuffer buffer, long address, int offset) {
    if (!DIRECT) {
      return IntVector.fromByteBuffer(I, buffer, offset, NATIVE);
    }
    try {
      return (IntVector) LOAD_INTS.invokeExact(address + offset, buffer, offset);
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** The intrinsic's Java body calls this where C2 has not compiled the caller (interpreter, C1). */
  private static FloatVector floatsFallback(Object buffer, int offset, Object species) {
    return FloatVector.fromByteBuffer(F, (ByteBuffer) buffer, offset, NATIVE);
  }

  private static IntVector intsFallback(Object buffer, int offset, Object species) {
    return IntVector.fromByteBuffer(I, (ByteBuffer) buffer, offset, NATIVE);
  }

  /**
   * {@code VectorSupport.load(vectorClass, elementType, lanes, null, address, buffer, offset, species, fallback)}
   * with every argument but the address, the buffer and the offset bound: (long, ByteBuffer, int) vector.
   */
  private static MethodHandle loadHandle(VectorSpecies<?> species, Class<?> element, String fallback) throws Throwable {
    MethodHandles.Lookup lookup = MethodHandles.lookup();
    Class<?> support = Class.forName("jdk.internal.vm.vector.VectorSupport");
    Class<?> speciesType = Class.forName("jdk.internal.vm.vector.VectorSupport$VectorSpecies");
    Class<?> operation = Class.forName("jdk.internal.vm.vector.VectorSupport$LoadOperation");
    MethodHandle load = lookup.findStatic(support, "load", MethodType.methodType(Object.class, Class.class,
        Class.class, int.class, Object.class, long.class, Object.class, int.class, speciesType, operation));
    Class<?> vectorType = species.vectorType().getSuperclass(); // FloatVector, IntVector
    MethodHandle body = lookup.findStatic(OffHeapLoads.class, fallback,
        MethodType.methodType(vectorType, Object.class, int.class, Object.class));
    CallSite site = LambdaMetafactory.metafactory(lookup, "load", MethodType.methodType(operation),
        MethodType.methodType(Object.class, Object.class, int.class, speciesType), body,
        MethodType.methodType(vectorType, Object.class, int.class, speciesType));
    Object operationImpl = site.getTarget().invoke();
    MethodHandle bound = MethodHandles.insertArguments(load, 7, species, operationImpl);
    bound = MethodHandles.insertArguments(bound, 0, species.vectorType(), element, species.length(), null);
    return bound.asType(MethodType.methodType(vectorType, long.class, ByteBuffer.class, int.class));
  }

  /** (ByteBuffer) long through {@code sun.misc.Unsafe} (module jdk.unsupported), asked by reflection. */
  private static MethodHandle addressHandle(Object unsafe) throws ReflectiveOperationException {
    long field = (long) unsafe.getClass().getMethod("objectFieldOffset", java.lang.reflect.Field.class)
        .invoke(unsafe, java.nio.Buffer.class.getDeclaredField("address"));
    MethodHandle getLong = MethodHandles.publicLookup().findVirtual(unsafe.getClass(), "getLong",
        MethodType.methodType(long.class, Object.class, long.class)).bindTo(unsafe);
    return MethodHandles.insertArguments(getLong, 1, field)
        .asType(MethodType.methodType(long.class, ByteBuffer.class));
  }

  /** {@code sun.misc.Unsafe.theUnsafe}. */
  private static Object unsafe() throws ReflectiveOperationException {
    java.lang.reflect.Field theUnsafe = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
    theUnsafe.setAccessible(true);
    return theUnsafe.get(null);
  }

  /** Null when the handles read what {@code fromByteBuffer} reads from a direct buffer, else why not. */
  private static String selfCheck(MethodHandle floats, MethodHandle ints, MethodHandle address, Object unsafe)
      throws Throwable {
    int bytes = 4 * F.vectorByteSize();
    ByteBuffer probe = ByteBuffer.allocateDirect(bytes).order(NATIVE);
    for (int i = 0; i < bytes / 4; i++) {
      probe.putInt(4 * i, 0x3F80_0000 + 7919 * i);
    }
    long at = (long) address.invokeExact(probe);
    MethodHandle getInt = MethodHandles.publicLookup().findVirtual(unsafe.getClass(), "getInt",
        MethodType.methodType(int.class, Object.class, long.class)).bindTo(unsafe);
    for (int i = 0; i < bytes / 4; i++) { // the address the compiled loads use holds the buffer's bytes
      if ((int) getInt.invokeExact((Object) null, at + 4 * i) != probe.getInt(4 * i)) {
        return "a direct buffer's address read back other bytes; the kernels load through fromByteBuffer";
      }
    }
    for (int offset = 0; offset + F.vectorByteSize() <= bytes; offset += 12) {
      FloatVector f = (FloatVector) floats.invokeExact(at + offset, probe, offset);
      IntVector n = (IntVector) ints.invokeExact(at + offset, probe, offset);
      if (!f.equals(FloatVector.fromByteBuffer(F, probe, offset, NATIVE))
          || !n.equals(IntVector.fromByteBuffer(I, probe, offset, NATIVE))) {
        LOG.warn("direct vector loads read other values than fromByteBuffer at offset {}; not used", offset);
        return "direct vector loads failed their check on this JVM; the kernels load through fromByteBuffer";
      }
    }
    java.lang.ref.Reference.reachabilityFence(probe);
    return null;
  }
}
