#!/usr/bin/env python3
"""Independent reference for ltm's experiment statistics (io.ltm.metrics.stats / .experiment).

Computes with numpy and scipy, from the definitions in the Javadoc, what ExperimentStatsReferenceTest
compares the Java code with:
  - the one-sample (paired) t-test and the 95% t-interval of the mean  (scipy.stats.ttest_1samp, t.ppf)
  - Holm and Benjamini-Hochberg adjusted p-values                     (written out here; BH also
                                                                       against scipy.stats.false_discovery_control)
  - Hesterberg's expanded tail probability                            (scipy.stats.norm, t)
  - exact power of the two-sided paired t-test at the probe counts the Java estimate gives
                                                                       (scipy.stats.nct)
  - the crossed bootstrap interval over seeds x probes                (numpy, 200,000 resamples)

Run: python3 ltm-metrics/src/test/python/experiment_reference.py
Writes ltm-metrics/src/test/resources/experiment/stats-reference.json. Needs python3-numpy, python3-scipy.
"""
import json
import os

import numpy as np
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "experiment", "stats-reference.json")

T_CASES = [
    [3.0, 5.0, 4.0],
    [1.2, -0.4, 2.5, 0.9],
    [10.0, 12.5, 9.0, 14.0, 11.0, 13.5],
    [-0.3, -0.1, -0.4, 0.05, -0.2],
]

P_FAMILIES = [
    [0.01, 0.04, 0.03, 0.005, 0.2],
    [0.001, 0.5, 0.049, 0.02],
    [0.3, 0.3, 0.01],
]

POWER_CASES = [  # (delta, sd, alpha)
    (1.0, 1.0, 0.05),
    (0.5, 1.0, 0.05),
    (2.0, 3.0, 0.005),
    (0.3, 1.0, 0.01),
]

GRIDS = [  # rows: training seeds, columns: probes
    [[1.0, 2.0, 0.5, 3.0, 1.5]],
    [[1.0, 2.0, 0.5, 3.0], [2.0, 2.5, 1.0, 4.0], [0.0, 1.5, 0.2, 2.5]],
    [[5.0, -1.0, 2.0], [4.0, 0.0, 3.0]],
]


def holm(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    run = 0.0
    for rank, i in enumerate(order):
        run = max(run, min(1.0, (m - rank) * p[i]))
        adj[i] = run
    return adj


def bh(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    run = 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        run = min(run, min(1.0, m * p[i] / (rank + 1)))
        adj[i] = run
    return adj


def expanded_tail(n, alpha=0.05):
    z = np.sqrt(n / (n - 1.0)) * stats.t.ppf(1 - alpha / 2, n - 1)
    return 2 * stats.norm.cdf(-z)


def exact_power(delta, sd, n, alpha):
    df = n - 1
    crit = stats.t.ppf(1 - alpha / 2, df)
    nc = abs(delta) * np.sqrt(n) / sd
    return stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc)


def crossed_bootstrap(grid, resamples=200_000, seed=7):
    g = np.asarray(grid, float)
    s, p = g.shape
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    chunk = 20_000
    for start in range(0, resamples, chunk):
        k = min(chunk, resamples - start)
        si = rng.integers(0, s, size=(k, s))
        pj = rng.integers(0, p, size=(k, p))
        # mean over the drawn seeds x drawn probes = mean_i mean_j g[si_i, pj_j]
        sub = g[si[:, :, None], pj[:, None, :]]
        means[start:start + k] = sub.mean(axis=(1, 2))
    tail = expanded_tail(p) / 2
    lo, hi = np.quantile(means, [tail, 1 - tail])  # numpy default = type 7
    return float(g.mean()), float(lo), float(hi), float(tail)


def main():
    out = {"t": [], "adjust": [], "power": [], "tail": [], "grid": []}
    for v in T_CASES:
        a = np.asarray(v)
        r = stats.ttest_1samp(a, 0.0)
        n = len(a)
        half = stats.t.ppf(0.975, n - 1) * a.std(ddof=1) / np.sqrt(n)
        out["t"].append({"values": v, "mean": a.mean(), "sd": a.std(ddof=1), "t": float(r.statistic),
                         "p": float(r.pvalue), "lower": a.mean() - half, "upper": a.mean() + half})
    for p in P_FAMILIES:
        b = bh(p)
        assert np.allclose(b, stats.false_discovery_control(p, method="bh"))
        out["adjust"].append({"p": p, "holm": holm(p).tolist(), "bh": b.tolist()})
    for delta, sd, alpha in POWER_CASES:
        # the smallest n whose exact power reaches 0.8, for the Java approximation to be compared with
        n = 2
        while exact_power(delta, sd, n, alpha) < 0.8:
            n += 1
        out["power"].append({"delta": delta, "sd": sd, "alpha": alpha, "exact_n": n,
                             "exact_power_at": {str(k): exact_power(delta, sd, k, alpha) for k in range(2, n + 6)}})
    for n in [2, 3, 4, 6, 10, 30]:
        out["tail"].append({"n": n, "alpha_prime": expanded_tail(n)})
    for g in GRIDS:
        mean, lo, hi, tail = crossed_bootstrap(g)
        out["grid"].append({"grid": g, "mean": mean, "lower": lo, "upper": hi, "tail": tail})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
