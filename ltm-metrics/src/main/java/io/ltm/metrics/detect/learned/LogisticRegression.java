package io.ltm.metrics.detect.learned;

import java.util.List;
import java.util.Random;

/**
 * Binary L2-regularised logistic regression on sparse vectors, trained by AdaGrad SGD in a fixed
 * shuffled order (deterministic for a seed), with class weights that balance positives and negatives;
 * and Platt's sigmoid calibration. Stateless; the models it returns are immutable.
 */
final class LogisticRegression {
  private LogisticRegression() {}

  /**
   * Training settings.
   *
   * @param epochs passes over the data, at least 1
   * @param learningRate AdaGrad's base step, positive
   * @param l2 L2 penalty per example update, at least 0
   * @param seed shuffling seed
   */
  record Params(int epochs, double learningRate, double l2, long seed) {
    Params {
      if (epochs < 1 || !(learningRate > 0) || !(l2 >= 0)) {
        throw new IllegalArgumentException("need epochs >= 1, learningRate > 0, l2 >= 0 but got "
            + epochs + ", " + learningRate + ", " + l2);
      }
    }
  }

  /** A linear scorer {@code w · x + bias}; {@code w} is not modified after training. */
  record Linear(float[] w, float bias) {
    /** A dense input: {@code w · x + bias} over the first {@code x.length} weights. */
    double score(double[] x) {
      double s = bias;
      for (int k = 0; k < x.length; k++) {
        s += w[k] * x[k];
      }
      return s;
    }

    double score(SparseVector x) {
      return x.dot(w) + bias;
    }
  }

  /** Trains on {@code xs} with labels {@code y} over {@code dim} features. */
  static Linear train(List<SparseVector> xs, boolean[] y, int dim, Params p) {
    return train(xs, y, dim, p, true);
  }

  /** Trains on {@code xs} with labels {@code y}; {@code balanced} weighs the classes equally. */
  static Linear train(List<SparseVector> xs, boolean[] y, int dim, Params p, boolean balanced) {
    int n = xs.size();
    int pos = 0;
    for (boolean b : y) {
      pos += b ? 1 : 0;
    }
    float[] w = new float[dim];
    float[] g2 = new float[dim];
    double bias = 0;
    double gb2 = 0;
    if (pos == 0 || pos == n) {
      // one class only: a constant score far on its side
      return new Linear(w, pos == 0 ? -8f : 8f);
    }
    double wPos = balanced ? n / (2.0 * pos) : 1;
    double wNeg = balanced ? n / (2.0 * (n - pos)) : 1;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random rnd = new Random(p.seed());
    double lr = p.learningRate();
    for (int e = 0; e < p.epochs(); e++) {
      for (int i = n - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int k = 0; k < n; k++) {
        int i = order[k];
        SparseVector x = xs.get(i);
        double z = x.dot(w) + bias;
        double prob = sigmoid(z);
        double g = (y[i] ? wPos : wNeg) * (prob - (y[i] ? 1 : 0));
        for (int j = 0; j < x.idx.length; j++) {
          int f = x.idx[j];
          double grad = g * x.val[j] + p.l2() * w[f];
          g2[f] += (float) (grad * grad);
          w[f] -= (float) (lr * grad / Math.sqrt(g2[f] + 1e-8));
        }
        gb2 += g * g;
        bias -= lr * g / Math.sqrt(gb2 + 1e-8);
      }
    }
    return new Linear(w, (float) bias);
  }

  static double sigmoid(double z) {
    if (z >= 0) {
      return 1 / (1 + Math.exp(-z));
    }
    double e = Math.exp(z);
    return e / (1 + e);
  }

  static double logit(double p) {
    double q = Math.min(1 - 1e-6, Math.max(1e-6, p));
    return Math.log(q / (1 - q));
  }

  /**
   * Platt scaling: {@code P(y=1|s) = sigmoid(a*s + b)} fitted on scores and labels with Platt's smoothed
   * targets {@code (N+ + 1)/(N+ + 2)} and {@code 1/(N- + 2)}, by Newton's method with a backtracking line
   * search (Lin, Lin and Weng, "A note on Platt's probabilistic outputs for support vector machines",
   * 2007), so the fit converges even when the scores separate the classes. A slope that comes out
   * negative (scores that order the held-out steps backwards) is refused: the fit is redone with the
   * slope fixed at 0, i.e. the base rate.
   *
   * @return {@code {a, b}}
   */
  static double[] platt(double[] s, boolean[] y) {
    double[] ab = plattFit(s, y, false);
    return ab[0] >= 0 ? ab : plattFit(s, y, true);
  }

  private static double[] plattFit(double[] s, boolean[] y, boolean interceptOnly) {
    int pos = 0;
    for (boolean b : y) {
      pos += b ? 1 : 0;
    }
    int neg = y.length - pos;
    double tPos = (pos + 1.0) / (pos + 2.0);
    double tNeg = 1.0 / (neg + 2.0);
    double[] t = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      t[i] = y[i] ? tPos : tNeg;
    }
    double a = 0;
    double b = Math.log((pos + 1.0) / (neg + 1.0));
    double f = plattLoss(s, t, a, b);
    double sigma = 1e-12;
    for (int it = 0; it < 100; it++) {
      double ga = 0;
      double gb = 0;
      double haa = sigma;
      double hab = 0;
      double hbb = sigma;
      for (int i = 0; i < s.length; i++) {
        double p = sigmoid(a * s[i] + b);
        double d = p - t[i];
        double v = p * (1 - p);
        ga += d * s[i];
        gb += d;
        haa += v * s[i] * s[i];
        hab += v * s[i];
        hbb += v;
      }
      if (Math.abs(gb) < 1e-7 && (interceptOnly || Math.abs(ga) < 1e-7)) {
        break;
      }
      double da;
      double db;
      if (interceptOnly) {
        da = 0;
        db = -gb / hbb;
      } else {
        double det = haa * hbb - hab * hab;
        da = -(hbb * ga - hab * gb) / det;
        db = -(haa * gb - hab * ga) / det;
      }
      double gd = ga * da + gb * db;
      double step = 1;
      boolean moved = false;
      while (step >= 1e-10) {
        double na = a + step * da;
        double nb = b + step * db;
        double nf = plattLoss(s, t, na, nb);
        if (nf < f + 1e-4 * step * gd) {
          a = na;
          b = nb;
          f = nf;
          moved = true;
          break;
        }
        step /= 2;
      }
      if (!moved) {
        break;
      }
    }
    return new double[] {a, b};
  }

  /** Cross-entropy of {@code sigmoid(a*s + b)} against targets {@code t}, computed stably. */
  private static double plattLoss(double[] s, double[] t, double a, double b) {
    double f = 0;
    for (int i = 0; i < s.length; i++) {
      double z = a * s[i] + b;
      // -t log p - (1-t) log(1-p) = log(1 + e^z) - t z
      f += (z >= 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t[i] * z;
    }
    return f;
  }
}
