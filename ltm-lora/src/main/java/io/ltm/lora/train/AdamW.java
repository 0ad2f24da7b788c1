package io.ltm.lora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * AdamW with decoupled weight decay, step for step the arithmetic of {@code torch.optim.AdamW}
 * (PyTorch 1.13 to 2.x, {@code amsgrad=False}):
 *
 * <pre>
 *   t += 1
 *   p *= 1 - lr * weight_decay
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   denom = sqrt(v) / sqrt(1 - beta2^t) + eps
 *   p -= (lr / (1 - beta1^t)) * m / denom
 * </pre>
 *
 * <p>Parameters are named f32 arrays with gradients (read from {@link NDArray#getGradient()}); the
 * moments live in the optimizer's own manager, on the parameters' device, and are closed with it. Not
 * thread-safe.
 *
 * <p><b>Parameters without a gradient.</b> As torch skips a parameter whose {@code grad} is None (an
 * expert of a mixture of experts that no token chose in the step), {@link #step(double, Predicate)}
 * leaves such parameters alone: no update, no weight decay, and their own step count {@code t} (which
 * sets the bias corrections) does not advance; each parameter keeps its own count, as torch's
 * {@code state['step']}.
 */
public final class AdamW implements AutoCloseable {

  private final AdamWConfig config;
  private final Map<String, NDArray> params;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private final NDManager manager;
  private long step;
  private final Map<String, long[]> paramSteps = new LinkedHashMap<>(); // name -> {t}

  /**
   * @param config betas, eps and weight decay
   * @param params the trainable parameters by name, in a fixed order
   * @param parent the manager under which the optimizer state is allocated
   */
  public AdamW(AdamWConfig config, Map<String, NDArray> params, NDManager parent) {
    this.config = Objects.requireNonNull(config, "config");
    this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    this.manager = parent.newSubManager();
    for (var e : this.params.entrySet()) {
      expAvg.put(e.getKey(), manager.zeros(e.getValue().getShape(), e.getValue().getDataType(),
          e.getValue().getDevice()));
      expAvgSq.put(e.getKey(), manager.zeros(e.getValue().getShape(), e.getValue().getDataType(),
          e.getValue().getDevice()));
      paramSteps.put(e.getKey(), new long[1]);
    }
  }

  /**
   * One update of every parameter with the given learning rate.
   *
   * @param lr the learning rate of this step
   * @throws IllegalStateException when a parameter has no gradient
   */
  public void step(double lr) {
    step(lr, name -> true);
  }

  /**
   * One update of the parameters that have a gradient in this step.
   *
   * @param lr the learning rate of this step
   * @param hasGradient by parameter name: false for a parameter the step's forwards never reached
   *     (torch's {@code grad is None}), which is then skipped entirely
   */
  public void step(double lr, Predicate<String> hasGradient) {
    step++;
    double beta1 = config.beta1();
    double beta2 = config.beta2();
    for (var e : params.entrySet()) {
      if (!hasGradient.test(e.getKey())) {
        continue;
      }
      long t = ++paramSteps.get(e.getKey())[0];
      double biasCorrection1 = 1 - Math.pow(beta1, t);
      double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
      double stepSize = lr / biasCorrection1;
      NDArray p = e.getValue();
      NDArray g = p.getGradient();
      try (NDManager scope = manager.newSubManager()) {
        g.attach(scope);
        NDArray m = expAvg.get(e.getKey());
        NDArray v = expAvgSq.get(e.getKey());
        if (config.weightDecay() != 0) {
          p.muli((float) (1 - lr * config.weightDecay()));
        }
        NDArray gm = g.mul((float) (1 - beta1));
        gm.attach(scope);
        m.muli((float) beta1).addi(gm);
        NDArray g2 = g.mul(g).muli((float) (1 - beta2));
        g2.attach(scope);
        v.muli((float) beta2).addi(g2);
        NDArray denom = v.sqrt().divi((float) biasCorrection2Sqrt).addi((float) config.eps());
        denom.attach(scope);
        NDArray update = m.div(denom).muli((float) stepSize);
        update.attach(scope);
        p.subi(update);
      }
    }
  }

  /** @return how many steps were taken */
  public long stepCount() {
    return step;
  }

  /**
   * Each parameter's own step count (lower than {@link #stepCount()} for a parameter that was skipped
   * in some steps for lack of a gradient).
   *
   * @return counts by parameter name, in parameter order
   */
  public Map<String, Long> parameterSteps() {
    Map<String, Long> out = new LinkedHashMap<>();
    paramSteps.forEach((k, v) -> out.put(k, v[0]));
    return out;
  }

  /** @return the settings */
  public AdamWConfig config() {
    return config;
  }

  /**
   * The optimizer state as named arrays, {@code <param>.exp_avg} and {@code <param>.exp_avg_sq}; the
   * arrays are live (copy before the next step if kept).
   *
   * @return the state arrays in parameter order
   */
  public Map<String, NDArray> stateArrays() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String name : params.keySet()) {
      out.put(name + ".exp_avg", expAvg.get(name));
      out.put(name + ".exp_avg_sq", expAvgSq.get(name));
    }
    return out;
  }

  /**
   * Restores a saved state.
   *
   * @param stepCount the number of steps taken
   * @param values the moments by the names of {@link #stateArrays()}, as flat f32 values, and
   *     optionally each parameter's own step count as {@code <param>.step} (one value; absent: every
   *     parameter took all {@code stepCount} steps)
   * @throws IllegalArgumentException naming the first missing or mis-sized entry
   */
  public void loadState(long stepCount, Map<String, float[]> values) {
    List<String> problems = new ArrayList<>();
    for (var e : stateArrays().entrySet()) {
      float[] v = values.get(e.getKey());
      if (v == null) {
        problems.add(e.getKey() + " is missing");
      } else if (v.length != e.getValue().size()) {
        problems.add(e.getKey() + " has " + v.length + " values, expected " + e.getValue().size()
            + " (shape " + e.getValue().getShape() + ")");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("optimizer state does not fit the adapter: " + String.join("; ", problems));
    }
    for (var e : stateArrays().entrySet()) {
      e.getValue().set(values.get(e.getKey()));
    }
    this.step = stepCount;
    for (var e : paramSteps.entrySet()) {
      float[] t = values.get(e.getKey() + ".step");
      e.getValue()[0] = t != null && t.length == 1 ? (long) t[0] : stepCount;
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
