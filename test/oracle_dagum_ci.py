#!/usr/bin/python3
"""Independent test oracle for the intervals and the permutation test of Dagum's Gini
decomposition (doc/uncertainty.md): dagum_decomposition_ci and dagum_between_test.

Run from the repository root with the Debian interpreter (numpy, mpmath):

    /usr/bin/python3 test/oracle_dagum_ci.py            # (re)write the CSV files
    /usr/bin/python3 test/oracle_dagum_ci.py --check    # regenerate into a scratch folder,
                                                       # exit 1 if the committed files differ

It writes

    test/oracle/dagum_ci_cases.csv     case_id,i,x,w,grp
    test/oracle/dagum_ci_expected.csv  case_id,component,method,level,replicates,seed,
                                       estimate,se,lower,upper
    test/oracle/dagum_ci_tests.csv     case_id,permutations,seed,share,p_value

which test/oracle_dagum_ci.sql loads and compares with medres.

The components come from Dagum's (1997) definitions, evaluated by the O(n^2) double sums over
all pairs of rows in numpy (G, G_jj, G_jh, d_jh, p_jh, D_jh, then G_w, G_nb and G_t as the
weighted sums of doc/dagum.md), nothing of medres' sweep (one-sided prefix sums in value
order).  The resampling is medres' documented one, reproduced with the stream functions of
test/oracle_uncertainty.py (canonical order by group name, value, weight; Poisson(1)
multipliers from splitmix64; replicates drawn again while undefined; quantile type 6; the
Fisher-Yates shuffles of the labels for the permutation test), so the expected intervals and
p-values are those the documented procedure gives, computed independently of medres' code.
"""

import csv
import math
import os
import sys
import time

import numpy as np

import oracle_lib
from oracle_lib import fail, count, fmt
from oracle_uncertainty import (make_cases, canonical, base_of, multipliers, mix64_int,
                                quantile6, z_of, GOLDEN, MASK)

HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = os.path.join(HERE, "oracle")
FILES = ("dagum_ci_cases.csv", "dagum_ci_expected.csv", "dagum_ci_tests.csv")
T0 = time.time()

COMPONENTS = ("total", "within", "net_between", "transvariation", "within_share",
              "net_between_share", "transvariation_share")


def cases():
    cs = make_cases()
    rs = np.random.RandomState(13013)

    def add(cid, x, w, g):
        cs[cid] = dict(x=[float(v) for v in x], w=[float(v) for v in w], r=[0.0] * len(x),
                       grp=list(g))
    # one group: G_nb = G_t = 0
    add("onegroup", [1.0, 2.0, 4.0, 4.0, 9.0], [1.0, 2.0, 1.0, 0.5, 1.0], ["all"] * 5)
    # a group of size 1, a group whose values are all zero, ties across groups
    add("zeros", [0.0, 0.0, 3.0, 1.0, 3.0, 2.0, 5.0, 1.0], [1.0, 2.0, 1.0, 1.0, 2.0, 0.5, 1.0, 3.0],
        ["z", "z", "solo", "b", "b", "b", "c", "c"])
    # heavy weights, many groups
    n = 45
    add("heavy45", np.round(np.exp(rs.standard_normal(n)), 2), np.exp(4 * rs.standard_normal(n)),
        rs.choice(["g%d" % k for k in range(6)], n))
    return cs


def dagum(x, v, g):
    """(G, G_w, G_nb, G_t) of the rows with weights v and labels g from the definitions, or None"""
    keep = v > 0
    x, v, g = x[keep], v[keep], g[keep]
    V = v.sum()
    if not V > 0:
        return None
    mu = (v * x).sum() / V
    if not mu > 0:
        return None
    diff = x[:, None] - x[None, :]
    vv = v[:, None] * v[None, :]
    G = (vv * np.abs(diff)).sum() / (2 * V * V * mu)
    groups = sorted(set(g.tolist()))
    W = {k: v[g == k].sum() for k in groups}
    m = {k: (v[g == k] * x[g == k]).sum() / W[k] for k in groups}
    p = {k: W[k] / V for k in groups}
    s = {k: W[k] * m[k] / (V * mu) for k in groups}
    Gw = 0.0
    for k in groups:
        if m[k] > 0:
            ik = g == k
            Gkk = (vv[np.ix_(ik, ik)] * np.abs(diff[np.ix_(ik, ik)])).sum() / (2 * W[k] ** 2 * m[k])
            Gw += Gkk * p[k] * s[k]
    Gnb = Gt = 0.0
    for a in range(len(groups)):
        for b in range(a + 1, len(groups)):
            j, h = groups[a], groups[b]
            if m[j] < m[h] or (m[j] == m[h] and j < h):  # g: group numbers in name order
                j, h = h, j                       # j the richer (equal means: the later name)
            ij, ih = g == j, g == h
            dd = diff[np.ix_(ij, ih)]
            ww = vv[np.ix_(ij, ih)]
            if m[j] + m[h] == 0:
                continue
            Gjh = (ww * np.abs(dd)).sum() / (W[j] * W[h] * (m[j] + m[h]))
            d = (ww * np.where(dd > 0, dd, 0)).sum() / (W[j] * W[h])
            q = (ww * np.where(dd < 0, -dd, 0)).sum() / (W[j] * W[h])
            D = (d - q) / (d + q) if d + q > 0 else 0.0
            f = Gjh * (p[j] * s[h] + p[h] * s[j])
            Gnb += f * D
            Gt += f * (1 - D)
    if abs(Gw + Gnb + Gt - G) > 1e-12 * max(G, 1e-300):
        fail("G_w + G_nb + G_t = %r, G = %r" % (Gw + Gnb + Gt, G))
    return G, Gw, Gnb, Gt


def component_fn(comp):
    def f(x, v, r, g):
        c = dagum(x, v, g)
        if c is None:
            return None
        G, Gw, Gnb, Gt = c
        val = {"total": G, "within": Gw, "net_between": Gnb, "transvariation": Gt}
        if comp in val:
            return val[comp]
        if not G > 0:
            return None
        return val[comp[:-len("_share")]] / G
    return f


def bootstrap(case, comp, R, seed, level, method):
    x, w, r, g = canonical(case, "grp")
    fn = component_fn(comp)
    base = base_of(seed)
    reps = []
    for b in range(R):
        a = 0
        while True:
            t = fn(x, w * multipliers(base, b, a, len(x)), r, g)
            if t is not None and math.isfinite(t):
                break
            a += 1
            if a > 1000:
                fail("replicate %d of %s never defined" % (b, comp))
        reps.append(t)
    est = fn(x, w, r, g)
    sd = float(np.std(np.array(reps), ddof=1))
    if method == "bootstrap-percentile":
        lo, hi = quantile6(reps, (1 - level) / 2), quantile6(reps, (1 + level) / 2)
    else:
        z = float(z_of(level))
        lo, hi = est - z * sd, est + z * sd
    return est, sd, lo, hi


def perm_test(case, P, seed):
    x, w, r, g = canonical(case, "grp")
    n = len(x)
    base = base_of(seed)
    G, _, b0, _ = dagum(x, w, g)
    hits = 0
    for p in range(P):
        state = mix64_int(base ^ (p | (1 << 62)))
        lab = g.copy()
        for i in range(n - 1, 0, -1):
            state = (state + GOLDEN) & MASK
            j = int(float(mix64_int(state) >> 11) * 2.0 ** -53 * float(i + 1))
            lab[i], lab[j] = lab[j], lab[i]
        if dagum(x, w, lab)[2] >= b0 - 1e-12 * abs(b0):
            hits += 1
    return b0 / G, (1 + hits) / (1 + P)


PLANS = [  # (component, R, seed, level, method)
    ("total", 30, 1, 0.95, "bootstrap-percentile"), ("within", 30, 2, 0.9, "bootstrap-normal"),
    ("net_between", 40, 3, 0.95, "bootstrap-percentile"), ("transvariation", 30, 4, 0.95, "bootstrap-normal"),
    ("within_share", 25, 5, 0.8, "bootstrap-percentile"), ("net_between_share", 40, -6, 0.95, "bootstrap-percentile"),
    ("transvariation_share", 25, 7, 0.95, "bootstrap-normal"),
]
TEST_PLANS = [(99, 0), (59, 42), (40, -7)]


def generate(outdir, verbose=False):
    cs = cases()
    with open(os.path.join(outdir, FILES[0]), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["case_id", "i", "x", "w", "grp"])
        for cid, c in cs.items():
            for i in range(len(c["x"])):
                wr.writerow([cid, i, fmt(c["x"][i]), fmt(c["w"][i]), c["grp"][i]])
    rows = []
    for cid in ("provinces", "ties60", "weights12", "n3", "onegroup", "zeros", "heavy45"):
        for comp, R, seed, level, method in PLANS:
            est, sd, lo, hi = bootstrap(cs[cid], comp, R, seed, level, method)
            rows.append([cid, comp, method, level, R, seed, est, sd, lo, hi])
            count("bootstrap")
    with open(os.path.join(outdir, FILES[1]), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["case_id", "component", "method", "level", "replicates", "seed",
                     "estimate", "se", "lower", "upper"])
        for r in rows:
            wr.writerow(r[:6] + [fmt(float(v)) for v in r[6:]])
    with open(os.path.join(outdir, FILES[2]), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["case_id", "permutations", "seed", "share", "p_value"])
        for cid in ("provinces", "unit40", "ties60", "weights12", "onegroup", "zeros"):
            for P, seed in TEST_PLANS:
                share, p = perm_test(cs[cid], P, seed)
                wr.writerow([cid, P, seed, fmt(share), fmt(p)])
                count("permutation tests")
    if verbose:
        for k, v in sorted(oracle_lib.CHECKS.items()):
            print("%-28s %d" % (k, v))
        print("%d expected rows, %.1f s" % (len(rows), time.time() - T0))


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    oracle_lib.main("oracle_dagum_ci", OUTDIR, FILES, generate, T0)
