#!/usr/bin/python3
"""Independent oracle for medres.dagum_decomposition (Dagum 1997, Empirical Economics
22:515-531), computed straight from the definitions with the O(n^2) double loop over all
pairs of rows, weights in place of counts:

  G     = sum_j sum_h sum_i sum_r w_i w_r |y_ji - y_hr| / (2 W^2 mu)
  G_jj  = the same within group j, over W_j^2 and mu_j
  G_jh  = sum_i sum_r w_i w_r |y_ji - y_hr| / (W_j W_h (mu_j + mu_h))
  d_jh  = sum over pairs with y_ji > y_hr of w w (y_ji - y_hr) / (W_j W_h)   (mu_j >= mu_h)
  p_jh  = sum over pairs with y_hr > y_ji of w w (y_hr - y_ji) / (W_j W_h)
  D_jh  = (d_jh - p_jh) / (d_jh + p_jh), 0 when d_jh + p_jh = 0 (identical constant groups)
  G_w   = sum_j G_jj p_j s_j
  G_nb  = sum_{j>h} G_jh (p_j s_h + p_h s_j) D_jh
  G_t   = sum_{j>h} G_jh (p_j s_h + p_h s_j) (1 - D_jh)

None of medres' shortcuts (one-sided sums from a sorted sweep, contributions from the
one-sided sums) is used here.  Small cases are computed exactly with fractions.Fraction
(every double input is an exact rational); the larger ones in doubles with math.fsum (each
row's differences from numpy, summed exactly rounded).  Cross-checks: G_w + G_nb + G_t = G
(exactly for the Fraction cases) and G equals the Gini of all rows computed by the
textbook mean-difference formula.

Groups are listed by mean, ties by the group text (byte order); pairs (j, h) with j the
richer group, listed by h then j in that order, as medres lists them.

Writes test/oracle/dagum_cases.csv (case_id, weighted, value, weight, grp) and
test/oracle/dagum_expected.csv (case_id, kind, pos, label, field, expected; an empty
expected is SQL NULL).  --check regenerates into a scratch folder and compares.
"""
import csv
import math
import os
import random
import sys
import time
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_lib as L  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oracle")
FILES = ["dagum_cases.csv", "dagum_expected.csv"]
EXACT_MAX = 400          # rows up to which the oracle works in exact rationals


def decompose(rows, exact):
    """rows: (value, weight, group) with weight > 0.  Returns (summary, groups, pairs)."""
    num = Fraction if exact else float
    groups = {}
    for x, w, g in rows:
        groups.setdefault(g, []).append((num(x), num(w)))
    W = {g: sum((w for _, w in r), num(0)) if exact else math.fsum(w for _, w in r)
         for g, r in groups.items()}
    M = {g: sum((w * x for x, w in r), num(0)) if exact else math.fsum(w * x for x, w in r)
         for g, r in groups.items()}
    Wt = sum(W.values(), num(0)) if exact else math.fsum(W.values())
    Mt = sum(M.values(), num(0)) if exact else math.fsum(M.values())
    mu = Mt / Wt
    mean = {g: M[g] / W[g] for g in groups}
    order = sorted(groups, key=lambda g: (mean[g], g.encode()))

    def one_sided(a, b):
        """sum over pairs of a's row above b's row of w w (x_a - x_b)."""
        if exact:
            return sum((wa * wb * (xa - xb) for xa, wa in a for xb, wb in b if xa > xb), Fraction(0))
        xb = np.array([x for x, _ in b])
        wb = np.array([w for _, w in b])
        terms = []
        for xa, wa in a:
            d = xa - xb
            m = d > 0
            terms.extend((wa * wb[m] * d[m]).tolist())
        return math.fsum(terms)

    P = {(j, h): one_sided(groups[j], groups[h]) for j in groups for h in groups}
    A = {(j, h): P[j, h] + P[h, j] for j in groups for h in groups}   # sum w w |x - x|
    G = (sum(A.values(), num(0)) if exact else math.fsum(A.values())) / (2 * Wt * Wt * mu)
    p = {g: W[g] / Wt for g in groups}
    s = {g: M[g] / Mt for g in groups}
    gl = []
    Gw = num(0)
    for g in order:
        Gjj = A[g, g] / (2 * W[g] * W[g] * mean[g]) if M[g] != 0 else None
        contrib = Gjj * p[g] * s[g] if Gjj is not None else num(0)
        Gw += contrib
        gl.append(dict(grp=g, n=len(groups[g]), population_share=p[g], resource_share=s[g],
                       mean=mean[g], gini=Gjj, contribution=contrib,
                       contribution_share=contrib / G if G != 0 else None))
    pl = []
    Gnb = Gt = num(0)
    for hi, h in enumerate(order):
        for j in order[hi + 1:]:
            den = W[j] * W[h] * (mean[j] + mean[h])
            Gjh = A[j, h] / den if den != 0 else num(0)
            d = P[j, h] / (W[j] * W[h])
            pp = P[h, j] / (W[j] * W[h])
            D = (d - pp) / (d + pp) if d + pp != 0 else num(0)
            if D < 0:
                L.fail("D_jh < 0 with groups in order of their means")
            weight = p[j] * s[h] + p[h] * s[j]
            nb = Gjh * weight * D
            t = Gjh * weight * (1 - D)
            Gnb += nb
            Gt += t
            pl.append(dict(grp_j=j, grp_h=h, gini=Gjh, affluence=D, net_between=nb, transvariation=t))
    summary = dict(total=G, within=Gw, net_between=Gnb, transvariation=Gt,
                   within_share=Gw / G if G != 0 else None,
                   net_between_share=Gnb / G if G != 0 else None,
                   transvariation_share=Gt / G if G != 0 else None)
    # cross-checks
    if exact:
        if Gw + Gnb + Gt != G:
            L.fail("G_w + G_nb + G_t != G exactly")
    elif abs(Gw + Gnb + Gt - G) > 1e-13 * max(G, 1e-300):
        L.fail("G_w + G_nb + G_t != G")
    L.count("G_w + G_nb + G_t = G")
    xs = [num(x) for x, _, _ in rows]
    ws = [num(w) for _, w, _ in rows]
    if exact:
        md = sum((wi * wj * abs(xi - xj) for xi, wi in zip(xs, ws) for xj, wj in zip(xs, ws)), Fraction(0))
        if md / (2 * Wt * Wt * mu) != G:
            L.fail("G differs from the mean-difference Gini")
    else:
        xa, wa = np.array(xs), np.array(ws)
        md = math.fsum(math.fsum((wi * wa * np.abs(xi - xa)).tolist()) for xi, wi in zip(xs, ws))
        if abs(md / (2 * Wt * Wt * mu) - G) > 1e-13 * G:
            L.fail("G differs from the mean-difference Gini")
    L.count("G = the mean-difference Gini")
    return summary, gl, pl


def make_cases():
    rnd = random.Random(20260513)
    cases = []   # (case_id, weighted, rows (value, weight, grp)); zero weights kept

    def add(cid, rows, weighted=True):
        cases.append((cid, weighted, rows))

    add("one_row", [(5.0, 2.0, "a")])
    add("two_rows_one_group", [(1.0, 1.0, "a"), (3.0, 2.0, "a")])
    add("two_rows_two_groups", [(1.0, 1.0, "a"), (3.0, 2.0, "b")])
    add("one_group_ties", [(float(rnd.randint(0, 5)), float(rnd.randint(1, 4)), "only")
                           for _ in range(25)])
    add("singletons", [(v, w, "g%d" % i) for i, (v, w) in
                       enumerate([(3.5, 1.0), (1.25, 2.0), (7.0, 0.5), (2.0, 3.0), (9.75, 1.5)])])
    add("ties_3_groups", [(float(rnd.randint(1, 6)), float(rnd.randint(1, 5)), rnd.choice("xyz"))
                          for _ in range(60)])
    add("ties_across_groups", [(float(v), 1.0, g) for g in ("p", "q", "r") for v in (2, 2, 4, 4, 6)]
        + [(4.0, 3.0, "q")])
    add("heavy_weights", [(rnd.uniform(0.5, 20), 10.0 ** rnd.randint(-6, 6), rnd.choice(["n", "s", "e", "w"]))
                          for _ in range(40)] + [(13.0, 1e9, "n"), (2.0, 1e9, "e"), (0.75, 1e-9, "s")])
    add("zeros_and_zero_group", [(0.0, 1.0, "zero"), (0.0, 2.5, "zero"),
                                 (0.0, 1.0, "mixed"), (4.0, 1.0, "mixed"), (2.0, 2.0, "mixed"),
                                 (5.0, 1.0, "pos"), (8.0, 0.5, "pos")])
    add("identical_constant_groups", [(3.0, 1.0, "c1"), (3.0, 1.0, "c1"), (3.0, 1.0, "c2"),
                                      (3.0, 1.0, "c2"), (3.0, 1.0, "c2"), (1.0, 1.0, "low"),
                                      (2.0, 1.0, "low")])
    add("zero_weight_rows", [(2.0, 1.0, "a"), (9.0, 0.0, "a"), (4.0, 2.0, "b"), (1.0, 0.0, "c"),
                             (6.0, 1.0, "b"), (3.0, 0.5, "a")])
    add("unweighted", [(float(rnd.randint(0, 30)) / 4, 1.0, rnd.choice(["u1", "u2", "u3", "u4"]))
                       for _ in range(40)], weighted=False)
    add("many_groups", [(round(rnd.lognormvariate(0, 1), 3), float(rnd.randint(1, 9)),
                         "k%02d" % rnd.randint(0, 39)) for _ in range(160)])
    add("tiny_values", [(rnd.uniform(1, 9) * 1e-300, rnd.uniform(0.1, 2), rnd.choice("ab"))
                        for _ in range(20)])
    add("huge_weights", [(rnd.uniform(1, 9), 1e308 * rnd.uniform(0.5, 1.5) / 1.5, rnd.choice("ab"))
                         for _ in range(12)])
    add("huge_values", [(rnd.uniform(1, 9) * 1e300, rnd.uniform(0.1, 2), rnd.choice("abc"))
                        for _ in range(20)])
    # the 31 provinces, beds per capita by East/Middle/West, weighted by population
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                        "province_resources_2020.csv")
    with open(path) as f:
        prov = [(float(r["beds_10k"]) / float(r["population_million"]), float(r["population_million"]),
                 r["region"]) for r in csv.DictReader(f)]
    add("provinces_beds", prov)
    # larger, in doubles: lognormal with ties, 7 groups of different sizes and levels
    big = []
    for i in range(1500):
        g = rnd.choice(["r%d" % k for k in range(7)] + ["r0"] * 3)
        v = rnd.lognormvariate(0.1 * int(g[1]), 0.8)
        if i % 5 == 0:
            v = float(int(v * 2)) / 2
        big.append((v, rnd.uniform(0.2, 3.0), g))
    add("lognormal_1500", big)
    return cases


def generate(outdir, verbose=False):
    t0 = time.time()
    cases = make_cases()
    with open(os.path.join(outdir, "dagum_cases.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "weighted", "value", "weight", "grp"])
        for cid, weighted, rows in cases:
            for x, wt, g in rows:
                w.writerow([cid, "t" if weighted else "f", L.fmt(x), L.fmt(wt), g])
    with open(os.path.join(outdir, "dagum_expected.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "kind", "pos", "label", "field", "expected"])

        def put(cid, kind, pos, label, field, v):
            w.writerow([cid, kind, pos, label, field, "" if v is None else L.fmt(float(v))])

        for cid, weighted, rows in cases:
            rows = [r for r in rows if r[1] > 0]
            exact = len(rows) <= EXACT_MAX
            summary, gl, pl = decompose(rows, exact)
            for k, v in summary.items():
                put(cid, "summary", 0, "", k, v)
            for i, g in enumerate(gl, 1):
                for k in ("n", "population_share", "resource_share", "mean", "gini",
                          "contribution", "contribution_share"):
                    put(cid, "group", i, g["grp"], k, g[k])
            for i, p in enumerate(pl, 1):
                for k in ("gini", "affluence", "net_between", "transvariation"):
                    put(cid, "pair", i, p["grp_j"] + "|" + p["grp_h"], k, p[k])
            if verbose:
                print("%-26s %5d rows %3d groups  G=%.10f  (%s)" % (
                    cid, len(rows), len(gl), float(summary["total"]), "exact" if exact else "fsum"))
    if verbose:
        print("cross-checks:", ", ".join("%s: %d" % kv for kv in sorted(L.CHECKS.items())))
        print("%.1f s" % (time.time() - t0))


if __name__ == "__main__":
    L.main("oracle_dagum", OUT, FILES, generate, time.time())
