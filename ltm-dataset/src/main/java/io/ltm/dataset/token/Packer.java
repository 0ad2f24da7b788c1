package io.ltm.dataset.token;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Turns tokenized examples into {@link TokenSequence}s.
 *
 * <p>{@link #single}: one example per sequence, no padding (batches pad). {@link #pack}: first-fit
 * decreasing bin packing into sequences of exactly {@code maxLength} tokens, padded with the pad id
 * (label {@link Labels#IGNORE}, position 0, segment 0). An example is never split across
 * sequences; examples longer than {@code maxLength} must have been dropped or cut before
 * ({@link LengthLimit}). The result is deterministic: it depends only on the examples' order and
 * lengths. Stateless and thread-safe.
 */
public final class Packer {
  private final int maxLength;
  private final int padId;

  /**
   * @param maxLength the length of a packed sequence, at least 1
   * @param padId the id written into padding positions
   */
  public Packer(int maxLength, int padId) {
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be >= 1 but got " + maxLength);
    }
    this.maxLength = maxLength;
    this.padId = padId;
  }

  /** One sequence per example, in order. */
  public List<TokenSequence> single(List<TokenizedExample> examples) {
    List<TokenSequence> out = new ArrayList<>(examples.size());
    for (TokenizedExample ex : examples) {
      out.add(build(List.of(ex), ex.length()));
    }
    return out;
  }

  /**
   * Packs examples into sequences of {@code maxLength}; sequences are ordered by their first
   * example's position in {@code examples}, and examples inside a sequence keep their input order.
   *
   * @throws IllegalArgumentException when an example is longer than {@code maxLength}
   */
  public List<TokenSequence> pack(List<TokenizedExample> examples) {
    int n = examples.size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
      if (examples.get(i).length() > maxLength) {
        throw new IllegalArgumentException("example '" + examples.get(i).id() + "' has " + examples.get(i).length()
            + " tokens, more than the packed length " + maxLength + "; apply a LengthLimit first");
      }
    }
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> -examples.get(i).length()).thenComparingInt(i -> i));
    List<List<Integer>> bins = new ArrayList<>();
    int[] free = new int[Math.max(1, n)];
    // Segment tree over bins would be faster; a linear first-fit scan is fine for 10^4-10^5 examples.
    for (int idx : order) {
      int len = examples.get(idx).length();
      int chosen = -1;
      for (int b = 0; b < bins.size(); b++) {
        if (free[b] >= len) {
          chosen = b;
          break;
        }
      }
      if (chosen < 0) {
        bins.add(new ArrayList<>());
        chosen = bins.size() - 1;
        free[chosen] = maxLength;
      }
      bins.get(chosen).add(idx);
      free[chosen] -= len;
    }
    for (List<Integer> bin : bins) {
      bin.sort(Comparator.naturalOrder());
    }
    bins.sort(Comparator.comparingInt(bin -> bin.get(0)));
    List<TokenSequence> out = new ArrayList<>(bins.size());
    for (List<Integer> bin : bins) {
      List<TokenizedExample> exs = new ArrayList<>(bin.size());
      for (int idx : bin) {
        exs.add(examples.get(idx));
      }
      out.add(build(exs, maxLength));
    }
    return out;
  }

  private TokenSequence build(List<TokenizedExample> exs, int length) {
    int[] ids = new int[length];
    int[] labels = new int[length];
    int[] pos = new int[length];
    int[] seg = new int[length];
    Arrays.fill(ids, padId);
    Arrays.fill(labels, Labels.IGNORE);
    List<String> names = new ArrayList<>(exs.size());
    int at = 0;
    int segment = 1;
    for (TokenizedExample ex : exs) {
      int n = ex.length();
      System.arraycopy(ex.idsUnsafe(), 0, ids, at, n);
      System.arraycopy(ex.labelsUnsafe(), 0, labels, at, n);
      for (int i = 0; i < n; i++) {
        pos[at + i] = i;
        seg[at + i] = segment;
      }
      // the first token of an example is never predicted from the previous example
      labels[at] = Labels.IGNORE;
      names.add(ex.id());
      at += n;
      segment++;
    }
    return new TokenSequence(ids, labels, pos, seg, names, at);
  }
}
