package io.ltm.metrics.detect.learned;

import java.util.Arrays;

/**
 * A sparse feature vector: strictly increasing indices and their values. Immutable once built (the
 * arrays are not handed out by public API); package-private.
 */
final class SparseVector {
  final int[] idx;
  final float[] val;

  private SparseVector(int[] idx, float[] val) {
    this.idx = idx;
    this.val = val;
  }

  int size() {
    return idx.length;
  }

  /** Sums values of equal indices; {@code idx}/{@code val} of length {@code n} are consumed. */
  static SparseVector of(int[] idx, float[] val, int n) {
    long[] packed = new long[n];
    for (int i = 0; i < n; i++) {
      packed[i] = ((long) idx[i] << 32) | (i & 0xffffffffL);
    }
    Arrays.sort(packed);
    int[] oi = new int[n];
    float[] ov = new float[n];
    int m = 0;
    for (int k = 0; k < n; k++) {
      int index = (int) (packed[k] >>> 32);
      float v = val[(int) packed[k]];
      if (m > 0 && oi[m - 1] == index) {
        ov[m - 1] += v;
      } else {
        oi[m] = index;
        ov[m] = v;
        m++;
      }
    }
    return new SparseVector(Arrays.copyOf(oi, m), Arrays.copyOf(ov, m));
  }

  /** This vector without the indices where {@code keep} is false. */
  SparseVector filter(boolean[] keep) {
    int m = 0;
    for (int i : idx) {
      if (keep[i]) {
        m++;
      }
    }
    int[] oi = new int[m];
    float[] ov = new float[m];
    int k = 0;
    for (int j = 0; j < idx.length; j++) {
      if (keep[idx[j]]) {
        oi[k] = idx[j];
        ov[k] = val[j];
        k++;
      }
    }
    return new SparseVector(oi, ov);
  }

  /** {@code w · x}. */
  double dot(float[] w) {
    double s = 0;
    for (int j = 0; j < idx.length; j++) {
      s += w[idx[j]] * val[j];
    }
    return s;
  }
}
