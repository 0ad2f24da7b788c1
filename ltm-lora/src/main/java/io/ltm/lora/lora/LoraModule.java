package io.ltm.lora.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import io.ltm.lora.model.GraphScalar;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The LoRA update of one linear projection: {@code delta(x) = dropout(x) A^T B^T * scaling}, added by the
 * caller to the frozen projection's output {@code base(x)}, exactly as PEFT's {@code lora.Linear}.
 *
 * <p>{@code A} has shape {@code (r, in)}, {@code B} {@code (out, r)}, both f32 and trainable. PEFT's
 * initialization ({@link #initialize}) draws A from Kaiming-uniform with {@code a = sqrt(5)}, whose bound
 * {@code gain * sqrt(3 / fan_in)} with {@code gain = sqrt(2 / (1 + a^2))} is exactly {@code 1 / sqrt(in)},
 * and sets B to zeros, so a fresh adapter leaves the model unchanged.
 *
 * <p>The arrays belong to the manager given at creation; the adapter that holds the module closes it. Not
 * thread-safe while training; concurrent {@link #delta} calls in inference are safe.
 */
public final class LoraModule {

  private final String moduleName;
  private final NDArray a; // (r, in)
  private final NDArray b; // (out, r)
  private final double scaling;
  private final float dropout;
  private volatile boolean reached; // delta() ran since the last resetReached()

  /**
   * Wraps existing weights.
   *
   * @param moduleName the projection's full name, e.g. {@code model.layers.0.self_attn.q_proj}
   * @param a lora_A, shape (r, in)
   * @param b lora_B, shape (out, r)
   * @param scaling the factor applied to the update
   * @param dropout dropout probability applied to the input in training
   * @throws IllegalArgumentException when the shapes do not fit
   */
  public LoraModule(String moduleName, NDArray a, NDArray b, double scaling, float dropout) {
    this.moduleName = Objects.requireNonNull(moduleName, "moduleName");
    Shape sa = a.getShape();
    Shape sb = b.getShape();
    if (sa.dimension() != 2 || sb.dimension() != 2 || sa.get(0) != sb.get(1)) {
      throw new IllegalArgumentException(moduleName + ": lora_A " + sa + " and lora_B " + sb
          + " do not fit: expected lora_A (r, in) and lora_B (out, r) with the same r");
    }
    if (a.getDataType() != DataType.FLOAT32 || b.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(moduleName + ": LoRA weights must be float32, got "
          + a.getDataType() + " and " + b.getDataType());
    }
    this.a = a;
    this.b = b;
    this.scaling = scaling;
    this.dropout = dropout;
  }

  /**
   * A new module initialized as PEFT does: A ~ U(-1/sqrt(in), 1/sqrt(in)), B = 0.
   *
   * @param moduleName the projection's full name
   * @param inFeatures the projection's input size
   * @param outFeatures the projection's output size
   * @param config the adapter settings
   * @param manager owns the new arrays
   * @param seed the seed of A's draw (combined with the module name, so modules differ)
   * @return the module
   */
  public static LoraModule initialize(String moduleName, int inFeatures, int outFeatures, LoraConfig config,
      NDManager manager, long seed) {
    int r = config.r();
    float bound = (float) kaimingUniformBound(inFeatures);
    SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * moduleName.hashCode()));
    float[] av = new float[r * inFeatures];
    for (int i = 0; i < av.length; i++) {
      av[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    NDArray a = manager.create(av, new Shape(r, inFeatures));
    NDArray b = manager.zeros(new Shape(outFeatures, r), DataType.FLOAT32);
    return new LoraModule(moduleName, a, b, config.scaling(), (float) config.loraDropout());
  }

  /**
   * The bound of {@code torch.nn.init.kaiming_uniform_(w, a=sqrt(5))} for a weight with this fan-in:
   * {@code sqrt(2 / (1 + 5)) * sqrt(3 / fanIn) = 1 / sqrt(fanIn)}.
   *
   * @param fanIn the input size
   * @return the bound of the uniform distribution
   */
  public static double kaimingUniformBound(int fanIn) {
    double a = Math.sqrt(5);
    double gain = Math.sqrt(2.0 / (1 + a * a));
    return gain * Math.sqrt(3.0 / fanIn);
  }

  /**
   * The update for input {@code x}.
   *
   * @param x the projection input, shape (..., in)
   * @param training whether dropout is applied
   * @return {@code dropout(x) A^T B^T * scaling}, shape (..., out)
   */
  public NDArray delta(NDArray x, boolean training) {
    reached = true;
    NDArray in = x;
    if (training && dropout > 0) {
      in = Dropout.dropout(x, dropout, true).singletonOrThrow();
    }
    if (in.getDataType() != DataType.FLOAT32) {
      in = in.toType(DataType.FLOAT32, false);
    }
    NDArray h = ai.djl.nn.core.Linear.linear(in, a, null).singletonOrThrow(); // x A^T: (..., r)
    NDArray y = ai.djl.nn.core.Linear.linear(h, b, null).singletonOrThrow(); // h B^T: (..., out)
    return y.muli(GraphScalar.of(y.getManager(), (float) scaling)); // not muli(float): see GraphScalar
  }

  /**
   * Whether a forward reached this module (called {@link #delta}) since {@link #resetReached}: a
   * mixture-of-experts expert that no token chose is not reached, so its A and B get no gradient, and
   * the optimizer skips them as torch's does for a parameter whose {@code grad} is None.
   */
  public boolean reached() {
    return reached;
  }

  /** Forgets earlier forwards (the trainer calls it before each optimizer step's passes). */
  public void resetReached() {
    reached = false;
  }

  /**
   * The dense update {@code B A * scaling}, shape (out, in), for merging into the base weight.
   *
   * @return a new array owned by the module's manager
   */
  public NDArray deltaWeight() {
    return b.matMul(a).mul((float) scaling);
  }

  /** @return the projection's full name */
  public String moduleName() {
    return moduleName;
  }

  /** @return lora_A, shape (r, in) */
  public NDArray loraA() {
    return a;
  }

  /** @return lora_B, shape (out, r) */
  public NDArray loraB() {
    return b;
  }

  /** @return the rank */
  public int rank() {
    return (int) a.getShape().get(0);
  }

  /** @return the input size */
  public int inFeatures() {
    return (int) a.getShape().get(1);
  }

  /** @return the output size */
  public int outFeatures() {
    return (int) b.getShape().get(0);
  }

  /** @return the dropout probability applied to the input in training */
  float dropout() {
    return dropout;
  }

  /** @return the scaling factor */
  public double scaling() {
    return scaling;
  }

  /** @return the number of trainable values, r * (in + out) */
  public long parameterCount() {
    return a.size() + b.size();
  }
}
