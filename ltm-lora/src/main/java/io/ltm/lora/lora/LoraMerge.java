package io.ltm.lora.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.lora.model.LinearProjection;
import java.util.Collection;

/**
 * Folds an adapter into the frozen weights ({@code W += scaling * B A}) and takes it out again
 * ({@code W -= scaling * B A}). Merged, the model runs at base speed and its weights can be saved as a
 * plain HF checkpoint; unmerging restores the base up to float rounding (about 1e-7 relative in f32).
 * Not thread-safe: no forward may run during a merge.
 */
public final class LoraMerge {

  private LoraMerge() {}

  /**
   * Merges the named adapter into every projection that has it.
   *
   * @param adapterName the attached adapter
   * @param projections the model's LoRA projections
   * @return how many projections were changed
   * @throws IllegalStateException when another adapter is merged, or a base is not a plain linear layer
   */
  public static int merge(String adapterName, Collection<LoraProjection> projections) {
    return apply(adapterName, projections, true);
  }

  /**
   * Takes the merged adapter out of the weights.
   *
   * @param adapterName the merged adapter
   * @param projections the model's LoRA projections
   * @return how many projections were changed
   */
  public static int unmerge(String adapterName, Collection<LoraProjection> projections) {
    return apply(adapterName, projections, false);
  }

  private static int apply(String adapterName, Collection<LoraProjection> projections, boolean merge) {
    int changed = 0;
    for (LoraProjection p : projections) {
      LoraModule mod = p.module(adapterName);
      if (mod == null) {
        continue;
      }
      String current = p.merged();
      if (merge && current != null) {
        throw new IllegalStateException(p.name() + ": adapter " + current + " is already merged; unmerge it first");
      }
      if (!merge && !adapterName.equals(current)) {
        throw new IllegalStateException(p.name() + ": adapter " + adapterName + " is not merged");
      }
      if (!(p.base() instanceof LinearProjection lin)) {
        throw new IllegalStateException(p.name() + ": cannot merge into a " + p.base().getClass().getSimpleName());
      }
      if (lin.format() == io.ltm.lora.model.WeightFormat.BF16) {
        throw new IllegalStateException(p.name() + ": cannot merge into bf16 weights kept for generation; load the base in f32"
            + " (LoadOptions.cpu(), or --f32-weights)");
      }
      NDArray w = lin.weight(); // (out, in)
      try (NDManager scope = mod.loraA().getManager().newSubManager()) {
        NDArray delta = mod.deltaWeight(); // (out, in)
        delta.attach(scope);
        if (delta.getDevice() != w.getDevice()) {
          delta = delta.toDevice(w.getDevice(), false);
          delta.attach(scope);
        }
        if (delta.getDataType() != w.getDataType()) {
          delta = delta.toType(w.getDataType(), false);
          delta.attach(scope);
        }
        if (merge) {
          w.addi(delta);
        } else {
          w.subi(delta);
        }
      }
      p.setMerged(merge ? adapterName : null);
      changed++;
    }
    return changed;
  }
}
