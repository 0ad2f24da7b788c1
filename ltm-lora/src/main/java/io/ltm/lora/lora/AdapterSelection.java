package io.ltm.lora.lora;

import java.util.Objects;

/**
 * Which adapter a model's {@link LoraProjection}s apply, per thread, and whether dropout is on. One
 * selection is shared by all LoRA projections of a model; switching is a field write, the base weights
 * are never reloaded. The default (no adapter, {@link #BASE}) applies to threads that never chose.
 * Thread-safe: each thread sees its own choice.
 */
public final class AdapterSelection {

  /** The name that selects the base model without any adapter. */
  public static final String BASE = "";

  private volatile String defaultAdapter = BASE;
  private final ThreadLocal<String> current = new ThreadLocal<>();
  private final ThreadLocal<Boolean> training = ThreadLocal.withInitial(() -> Boolean.FALSE);

  /** @return the adapter name this thread applies ({@link #BASE} for none) */
  public String active() {
    String s = current.get();
    return s == null ? defaultAdapter : s;
  }

  /**
   * Sets the adapter used by threads that have not chosen one.
   *
   * @param name an adapter name or {@link #BASE}
   */
  public void setDefault(String name) {
    this.defaultAdapter = Objects.requireNonNull(name, "name");
  }

  /**
   * Applies {@code name} on this thread until the returned scope closes, then restores the previous choice.
   *
   * @param name an adapter name or {@link #BASE}
   * @return the scope to close
   */
  public Scope use(String name) {
    Objects.requireNonNull(name, "name");
    String previous = current.get();
    current.set(name);
    return () -> {
      if (previous == null) {
        current.remove();
      } else {
        current.set(previous);
      }
    };
  }

  /** @return whether this thread runs in training mode (dropout on) */
  public boolean training() {
    return training.get();
  }

  /** @param on training mode for this thread */
  public void setTraining(boolean on) {
    training.set(on);
  }

  /** Restores the previous adapter choice on close. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
