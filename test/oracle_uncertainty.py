#!/usr/bin/python3
"""Independent test oracle for medres' confidence intervals and tests (doc/uncertainty.md):
inequality_ci, concentration_index_ci, ge_decomposition_ci, ge_between_test.

Run from the repository root with the Debian interpreter (numpy, mpmath):

    /usr/bin/python3 test/oracle_uncertainty.py            # (re)write the CSV files
    /usr/bin/python3 test/oracle_uncertainty.py --check    # regenerate into a scratch folder,
                                                          # exit 1 if the committed files differ
    /usr/bin/python3 test/oracle_uncertainty.py --coverage [--samples 2000] [--n 500]
                        [--replicates 200] [psql options such as -d DB]
                                                          # the Monte Carlo coverage test,
                                                          # against a running server

It writes

    test/oracle/uncertainty_cases.csv     case_id,i,x,w,r,grp
    test/oracle/uncertainty_expected.csv  case_id,measure,method,level,replicates,seed,component,
                                          estimate,se,lower,upper
    test/oracle/uncertainty_tests.csv     case_id,alpha,permutations,seed,share,p_value

which test/oracle_uncertainty.sql loads and compares with medres.

R is not installed here (no laeken, convey, DescTools); the formulas are implemented from the
papers, independently of medres' closed forms:

Analytic standard errors (method 'analytic').  medres' definition (doc/uncertainty.md) is the
linearisation Var = sum_i w_i^2 IF_i^2 / W^2, IF_i the empirical influence function of the
index: the derivative d/de theta((1 - e) P + e delta_i) of the index at the weighted empirical
distribution P.  Here theta is the index written from its definition (the Gini as
sum_i sum_j p_i p_j |x_i - x_j| / (2 mu), the concentration index as 2 sum p_i h_i (F_i - 1/2) /
mu_h with F_i the mid-point fractional rank, GE as sum p (x/mu)^a with the limits at 0 and 1,
Atkinson, CV, Hoover by their definitions), evaluated with mpmath at 60 digits, and the
derivative is a forward difference with step 1e-30 (error far below 1e-20).  Nothing of medres'
closed forms (prefix sums, moment features, tie groups) is used.  The expected values are
estimate, se and the normal interval estimate -/+ z se, z = Phi^-1((1 + level)/2).

The Wagstaff (C / (1 - mu)) and Erreygers (4 mu C / (upper - lower)) variants of the
concentration index are differentiated the same way (measure conc_wagstaff, and
conc_erreygers:LOWER:UPPER), and bootstrapped.

Cross-checks with the published formulas (unit weights, no ties; the script fails if they
disagree):
  * concentration index: Kakwani, Wagstaff and van Doorslaer (1997, J. Econometrics 77;
    O'Donnell et al. 2008, "Analyzing Health Equity Using Household Survey Data", ch. 8):
    var(C) = (1/n) [ (1/n) sum a_i^2 - (1 + C)^2 ],
    a_i = (h_i/mu)(2 R_i - 1 - C) + 2 - q_{i-1} - q_i, equal to medres' to 1e-12;
  * GE(a): Cowell (1989, J. Econometrics 42) / Biewen and Jenkins (2006, Oxford Bull. Econ.
    Stat. 68), the delta method on (mu, mean x^a) (Theil T: (mu, mean x ln x); MLD: (mu,
    mean ln x)) with the moments' sample covariance over n, equal to 1e-12;
  * Gini: Davidson (2009, J. Econometrics 150): Var = sum (Z_i - Zbar)^2 /
    (n mu)^2, Z_i = -(G + 1) x_(i) + (2i - 1)/n x_(i) - (2/n) sum_{j<=i} x_(j); it differs from
    the influence function of G by x_i/n, so the two agree to O(1/n): checked within 3/n.
The formulas are written as those papers are usually quoted; their equation numbers could not
be checked here (the papers are not available offline), so none are cited.

Bootstrap intervals.  The oracle reproduces medres' documented resampling: rows in canonical
order (numpy lexsort), Poisson(1) multipliers from splitmix64 (implemented here in numpy
uint64 arithmetic) with the thresholds round(2^32 P(Poisson(1) <= k)) computed here with
mpmath, replicates redrawn while undefined, and computes every replicate from the index's
definition in numpy (O(n^2) for the Gini), then the percentile interval (the (R + 1) p-th smallest
replicate, interpolated: R's quantile type 6) or estimate -/+ z sd (sd with R - 1).  The permutation test likewise
reproduces the documented Fisher-Yates shuffles and computes GE's between component from its
definition (GE of the group means weighted by the group weights).

Coverage (--coverage).  2,000 samples of 500 units with unit weights from lognormal
populations: x = exp(0.3 Z) (Gini 2 Phi(0.3/sqrt 2) - 1 = 0.168, Theil T = Theil L = 0.3^2/2)
and, for the concentration index, h = exp(0.3 Z) ranked by r = 0.6 Z + 0.8 Z' (C = 2 Phi(0.6 *
0.3 / sqrt 2) - 1 = 0.101); medres computes the 95 % intervals of all 2,000 samples in one
grouped query (analytic, and bootstrap percentile with 200 replicates to keep the run short,
about 20 s here), and each must cover the true value in 93.5 % to 96.5 % of the samples.
--sigma S draws exp(S Z) instead: with S = 0.5 (Gini 0.28) Theil T's intervals, analytic and
bootstrap alike, cover 92.9 % and 93.2 % (the others 94.1 % to 95.0 %), the known
finite-sample undercoverage of Theil T for right-skewed data (Cowell and Flachaire 2007,
J. Econometrics 141), so the test keeps to S = 0.3 where the asymptotics hold at n = 500.
"""

import csv
import math
import os
import subprocess
import sys
import time

import numpy as np
import mpmath
from mpmath import mp, mpf

import oracle_lib
from oracle_lib import fail, count, fmt

mp.dps = 60
HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = os.path.join(HERE, "oracle")
PROVINCES_CSV = os.path.join(HERE, "..", "data", "province_resources_2020.csv")
FILES = ("uncertainty_cases.csv", "uncertainty_expected.csv", "uncertainty_tests.csv")
T0 = time.time()

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


# ---------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------

def make_cases():
    """case_id -> dict(x, w, r, grp) (lists of floats / str)"""
    rs = np.random.RandomState(20261205)
    cases = {}

    def add(cid, x, w, r, g):
        cases[cid] = dict(x=[float(v) for v in x], w=[float(v) for v in w],
                          r=[float(v) for v in r], grp=list(g))

    with open(PROVINCES_CSV) as f:
        rows = list(csv.DictReader(f))
    add("provinces",
        [float(r["beds_10k"]) / float(r["population_million"]) for r in rows],
        [float(r["population_million"]) for r in rows],
        [float(r["health_expense_per_capita_yuan"]) for r in rows],
        [r["region"] for r in rows])
    # unit weights, distinct values (the published formulas apply as printed)
    n = 40
    z = rs.standard_normal(n)
    add("unit40", np.exp(0.7 * z), np.ones(n), 0.5 * z + rs.standard_normal(n),
        rs.choice(["a", "b", "c"], n))
    # weights, ties in value, in rank and whole duplicate rows
    n = 60
    x = np.round(np.exp(rs.standard_normal(n)), 1)
    w = np.round(rs.uniform(0.2, 5.0, n), 2)
    r = np.round(rs.standard_normal(n), 0)
    x[5] = x[6]; w[5] = w[6]; r[5] = r[6]
    add("ties60", x, w, r, rs.choice(["East", "Middle", "West", "middle"], n))
    # a few units with very different weights
    n = 12
    add("weights12", np.exp(rs.standard_normal(n)), np.exp(3 * rs.standard_normal(n)),
        rs.uniform(0, 1, n), rs.choice(["g1", "g2"], n))
    # health shares in [0, 1] (the Wagstaff and Erreygers variants), ties in rank_by
    n = 50
    add("shares50", np.round(rs.uniform(0.05, 0.95, n), 2), np.round(rs.uniform(0.5, 3.0, n), 1),
        np.round(rs.standard_normal(n), 1), rs.choice(["a", "b"], n))
    # the smallest inputs
    add("n2", [1.0, 3.0], [1.0, 2.0], [2.0, 1.0], ["a", "b"])
    add("n3", [2.0, 2.0, 5.0], [1.0, 1.0, 1.0], [1.0, 2.0, 3.0], ["a", "a", "b"])
    return cases


# ---------------------------------------------------------------------------------------
# the indices from their definitions (mpmath; p are population shares summing to 1)
# ---------------------------------------------------------------------------------------

def th_gini(x, p, r=None):
    mu = sum(pi * xi for pi, xi in zip(p, x))
    s = mpf(0)
    for i in range(len(x)):
        for j in range(len(x)):
            s += p[i] * p[j] * abs(x[i] - x[j])
    return s / (2 * mu)


def th_conc(h, p, r):
    mu = sum(pi * hi for pi, hi in zip(p, h))
    s = mpf(0)
    for i in range(len(h)):
        F = sum(p[j] for j in range(len(h)) if r[j] < r[i]) + \
            sum(p[j] for j in range(len(h)) if r[j] == r[i]) / 2
        s += p[i] * h[i] * (F - mpf(1) / 2)
    return 2 * s / mu


def th_ge(alpha):
    a = mpf(alpha)

    def f(x, p, r=None):
        mu = sum(pi * xi for pi, xi in zip(p, x))
        if alpha == 1:
            return sum(pi * (xi / mu) * mpmath.log(xi / mu) for pi, xi in zip(p, x) if xi > 0)
        if alpha == 0:
            return -sum(pi * mpmath.log(xi / mu) for pi, xi in zip(p, x))
        return (sum(pi * (xi / mu) ** a for pi, xi in zip(p, x)) - 1) / (a * (a - 1))
    return f


def th_atkinson(eps):
    e = mpf(eps)

    def f(x, p, r=None):
        mu = sum(pi * xi for pi, xi in zip(p, x))
        if eps == 1:
            return 1 - mpmath.exp(sum(pi * mpmath.log(xi) for pi, xi in zip(p, x))) / mu
        return 1 - sum(pi * (xi / mu) ** (1 - e) for pi, xi in zip(p, x)) ** (1 / (1 - e))
    return f


def th_cv(x, p, r=None):
    mu = sum(pi * xi for pi, xi in zip(p, x))
    return mpmath.sqrt(sum(pi * (xi - mu) ** 2 for pi, xi in zip(p, x))) / mu


def th_hoover(x, p, r=None):
    mu = sum(pi * xi for pi, xi in zip(p, x))
    return sum(pi * abs(xi - mu) for pi, xi in zip(p, x)) / (2 * mu)


def th_conc_variant(variant, lo=0.0, hi=1.0):
    def f(h, p, r):
        C = th_conc(h, p, r)
        mu = sum(pi * hi_ for pi, hi_ in zip(p, h))
        if variant == "wagstaff":
            return C / (1 - mu)
        return 4 * mu * C / (mpf(hi) - mpf(lo))
    return f


MEASURES = [("gini", th_gini), ("theil_t", th_ge(1)), ("theil_l", th_ge(0)),
            ("ge(2)", th_ge(2)), ("ge(-1)", th_ge(-1)), ("ge(0.5)", th_ge(0.5)),
            ("ge(1.005)", th_ge(1.005)), ("ge(0.003)", th_ge(0.003)),
            ("atkinson(0.5)", th_atkinson(0.5)), ("atkinson(1)", th_atkinson(1)),
            ("atkinson(2)", th_atkinson(2)), ("cv", th_cv), ("hoover", th_hoover)]


def analytic(theta, x, w, r):
    """estimate and sqrt(sum w_i^2 IF_i^2) / W, IF by a forward difference at 60 digits"""
    x = [mpf(v) for v in x]
    W = sum(mpf(v) for v in w)
    p = [mpf(v) / W for v in w]
    t0 = theta(x, p, r)
    h = mpf("1e-30")
    v = mpf(0)
    for i in range(len(x)):
        q = [(1 - h) * pj for pj in p]
        q[i] += h
        IF = (theta(x, q, r) - t0) / h
        v += (mpf(w[i]) / W) ** 2 * IF ** 2
    return t0, mpmath.sqrt(v)


def z_of(level):
    return mpmath.sqrt(2) * mpmath.erfinv(mpf(level))


# ---------------------------------------------------------------------------------------
# published formulas, unit weights (cross-checks)
# ---------------------------------------------------------------------------------------

def kwv_se(h, r):
    """Kakwani, Wagstaff and van Doorslaer (1997): no ties in r."""
    n = len(h)
    o = sorted(range(n), key=lambda i: r[i])
    hs = [mpf(h[i]) for i in o]
    mu = sum(hs) / n
    R = [(mpf(2 * k + 1)) / (2 * n) for k in range(n)]
    C = 2 * sum(hs[k] * R[k] for k in range(n)) / (n * mu) - 1
    q = [mpf(0)]
    for k in range(n):
        q.append(q[-1] + hs[k] / (n * mu))
    a = [hs[k] / mu * (2 * R[k] - 1 - C) + 2 - q[k] - q[k + 1] for k in range(n)]
    var = (sum(ai * ai for ai in a) / n - (1 + C) ** 2) / n
    return C, mpmath.sqrt(var)


def cowell_se(x, alpha):
    """Delta method on the sample moments (Cowell 1989; Biewen and Jenkins 2006)."""
    x = [mpf(v) for v in x]
    n = len(x)
    mu = sum(x) / n
    if alpha == 1:
        s = [xi * mpmath.log(xi) for xi in x]
    elif alpha == 0:
        s = [mpmath.log(xi) for xi in x]
    else:
        s = [xi ** alpha for xi in x]
    m2 = sum(s) / n
    if alpha == 1:
        g1, g2 = -m2 / mu ** 2 - 1 / mu, 1 / mu
    elif alpha == 0:
        g1, g2 = 1 / mu, -1
    else:
        a = mpf(alpha)
        g1, g2 = -m2 * mu ** (-a - 1) / (a - 1), mu ** (-a) / (a * (a - 1))
    vx = sum((xi - mu) ** 2 for xi in x) / n
    vs = sum((si - m2) ** 2 for si in s) / n
    cxs = sum((xi - mu) * (si - m2) for xi, si in zip(x, s)) / n
    return mpmath.sqrt((g1 * g1 * vx + g2 * g2 * vs + 2 * g1 * g2 * cxs) / n)


def davidson_se(x):
    """Davidson (2009): Z_i and the variance of G from them."""
    y = sorted(mpf(v) for v in x)
    n = len(y)
    mu = sum(y) / n
    G = 2 * sum(y[i] * (i + mpf(1) / 2) for i in range(n)) / (mu * n * n) - 1
    cum = mpf(0)
    Z = []
    for i in range(n):
        cum += y[i]
        Z.append(-(G + 1) * y[i] + mpf(2 * i + 1) / n * y[i] - 2 * cum / n)
    zb = sum(Z) / n
    return mpmath.sqrt(sum((z - zb) ** 2 for z in Z)) / (n * mu)


# ---------------------------------------------------------------------------------------
# the documented resampling (numpy uint64)
# ---------------------------------------------------------------------------------------

def poisson_thresholds():
    e = mpmath.exp(-1)
    cum = mpf(0)
    t = []
    for k in range(12):
        cum += e / mpmath.factorial(k)
        t.append(int(mpmath.floor(cum * 2 ** 32 + mpf(1) / 2)))
    return np.array(t, dtype=np.uint64)


THRESH = poisson_thresholds()


def mix64(z):
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def mix64_int(z):
    return int(mix64(np.uint64(z & MASK)))


def base_of(seed):
    return mix64_int((seed + GOLDEN) & MASK)


def multipliers(base, r, a, n):
    key = mix64_int(base ^ (r | (a << 32)))
    k = np.arange((n + 1) // 2, dtype=np.uint64)
    with np.errstate(over="ignore"):
        u = mix64(np.uint64(key) + (k + np.uint64(1)) * np.uint64(GOLDEN))
    u32 = np.empty(2 * len(u), dtype=np.uint64)
    u32[0::2] = u & np.uint64(0xFFFFFFFF)
    u32[1::2] = u >> np.uint64(32)
    u32 = u32[:n]
    return (u32[:, None] >= THRESH[None, :]).sum(axis=1).astype(float)


def canonical(case, kind):
    x = np.array(case["x"]); w = np.array(case["w"]); r = np.array(case["r"])
    g = np.array(case["grp"])
    if kind == "xw":
        o = np.lexsort((w, x))
    elif kind == "conc":
        o = np.lexsort((w, x, r))
    else:
        names = sorted(set(case["grp"]), key=lambda s: s.encode())
        gid = np.array([names.index(s) for s in case["grp"]])
        o = np.lexsort((w, x, gid))
        return x[o], w[o], r[o], gid[o]
    return x[o], w[o], r[o], None


def d_gini(x, v, r, g):
    V = v.sum()
    if not V > 0:
        return None
    mu = (v * x).sum() / V
    if not mu > 0:
        return None
    return (v[:, None] * v[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * V * V * mu)


def d_conc(h, v, r, g):
    V = v.sum()
    if not V > 0:
        return None
    mu = (v * h).sum() / V
    if mu == 0:
        return None
    F = ((r[None, :] < r[:, None]) * v[None, :]).sum(axis=1) / V + \
        ((r[None, :] == r[:, None]) * v[None, :]).sum(axis=1) / (2 * V)
    return 2 * (v * h * (F - 0.5)).sum() / (V * mu)


def d_conc_variant(variant, lo, hi):
    def f(h, v, r, g):
        C = d_conc(h, v, r, g)
        if C is None:
            return None
        mu = (v * h).sum() / v.sum()
        if variant == "wagstaff":
            return C / (1 - mu) if mu < 1 else None
        return 4 * mu * C / (hi - lo)
    return f


def conc_variants(c):
    """(measure name, lower, upper): Wagstaff where health lies in [0, 1], Erreygers always
    (bounds [0, 1] or [0, 2 max])"""
    out = []
    if 0 <= min(c["x"]) and max(c["x"]) <= 1:
        out.append(("conc_wagstaff", 0.0, 1.0))
        out.append(("conc_erreygers:0:1", 0.0, 1.0))
    else:
        top = float(2 * math.ceil(max(c["x"])))
        out.append(("conc_erreygers:0:%g" % top, 0.0, top))
    return out


def d_ge(alpha):
    def f(x, v, r=None, g=None):
        V = v.sum()
        if not V > 0:
            return None
        mu = (v * x).sum() / V
        if not mu > 0:
            return None
        y = x / mu
        with np.errstate(divide="ignore", invalid="ignore"):
            if alpha == 1:
                return (v * np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0)).sum() / V
            if alpha == 0:
                return -(v * np.log(y)).sum() / V
            return ((v * np.where(y > 0, y ** alpha, 0)).sum() / V - 1) / (alpha * (alpha - 1))
    return f


def d_atkinson(eps):
    def f(x, v, r=None, g=None):
        V = v.sum()
        if not V > 0:
            return None
        mu = (v * x).sum() / V
        if not mu > 0:
            return None
        if eps == 1:
            return 1 - math.exp((v * np.log(x)).sum() / V) / mu
        return 1 - ((v * (x / mu) ** (1 - eps)).sum() / V) ** (1 / (1 - eps))
    return f


def d_cv(x, v, r=None, g=None):
    V = v.sum()
    if not V > 0:
        return None
    mu = (v * x).sum() / V
    if not mu > 0:
        return None
    return math.sqrt((v * (x - mu) ** 2).sum() / V) / mu


def d_hoover(x, v, r=None, g=None):
    V = v.sum()
    if not V > 0:
        return None
    mu = (v * x).sum() / V
    if not mu > 0:
        return None
    return (v * np.abs(x - mu)).sum() / (2 * V * mu)


def d_decomp(alpha, component):
    ge = d_ge(alpha)

    def f(x, v, r, g):
        tot = ge(x, v)
        if tot is None:
            return None
        gs = sorted(set(g.tolist()))
        means = []
        wts = []
        for k in gs:
            vk = v[g == k]
            if vk.sum() > 0:
                wts.append(vk.sum())
                means.append((vk * x[g == k]).sum() / vk.sum())
        btw = ge(np.array(means), np.array(wts))
        if component == "total":
            return tot
        if component == "between":
            return btw
        if component == "within":
            return tot - btw
        if not tot > 0:
            return None
        return btw / tot if component == "between_share" else (tot - btw) / tot
    return f


NUMPY_MEASURES = {"gini": d_gini, "theil_t": d_ge(1), "theil_l": d_ge(0), "ge(2)": d_ge(2),
                  "ge(0.5)": d_ge(0.5), "atkinson(0.5)": d_atkinson(0.5),
                  "atkinson(1)": d_atkinson(1), "cv": d_cv, "hoover": d_hoover,
                  "conc": d_conc}


def bootstrap(case, measure, kind, fn, R, seed, level, method):
    x, w, r, g = canonical(case, kind)
    base = base_of(seed)
    n = len(x)
    xv = x
    reps = []
    for b in range(R):
        a = 0
        while True:
            v = w * multipliers(base, b, a, n)
            t = fn(xv, v, r, g)
            if t is not None and math.isfinite(t):
                break
            a += 1
            if a > 1000:
                fail("replicate %d of %s %s never defined" % (b, case, measure))
        reps.append(t)
    reps = np.array(reps)
    est = fn(xv, w, r, g)
    sd = float(np.std(reps, ddof=1))
    z = float(z_of(level))
    if method == "bootstrap-percentile":
        lo = quantile6(reps, (1 - level) / 2)
        hi = quantile6(reps, (1 + level) / 2)
    else:
        lo, hi = est - z * sd, est + z * sd
    return est, sd, lo, hi


def quantile6(reps, p):
    """the (R + 1) p-th smallest, interpolated (Davison and Hinkley 1997, section 5.2; R type 6)"""
    s = sorted(float(v) for v in reps)
    R = len(s)
    h = (R + 1) * p
    k = math.floor(h)
    if k < 1:
        return s[0]
    if k >= R:
        return s[-1]
    return s[k - 1] + (h - k) * (s[k] - s[k - 1])


def perm_test(case, alpha, P, seed):
    x, w, r, g = canonical(case, "grp")
    n = len(x)
    base = base_of(seed)
    between = d_decomp(alpha, "between")
    share = d_decomp(alpha, "between_share")(x, w, r, g)
    b0 = between(x, w, r, g)
    hits = 0
    for p in range(P):
        state = mix64_int(base ^ (p | (1 << 62)))
        lab = g.copy()
        for i in range(n - 1, 0, -1):
            state = (state + GOLDEN) & MASK
            u = mix64_int(state)
            j = int(float(u >> 11) * 2.0 ** -53 * float(i + 1))
            lab[i], lab[j] = lab[j], lab[i]
        if between(x, w, r, lab) >= b0 - 1e-12 * abs(b0):
            hits += 1
    return share, (1 + hits) / (1 + P)


# ---------------------------------------------------------------------------------------
# generate
# ---------------------------------------------------------------------------------------

BOOT_PLANS = [  # (measure, R, seed, level, method)
    ("gini", 50, 1, 0.95, "bootstrap-percentile"), ("gini", 40, -7, 0.9, "bootstrap-normal"),
    ("theil_t", 30, 3, 0.95, "bootstrap-percentile"), ("theil_l", 30, 4, 0.8, "bootstrap-normal"),
    ("ge(2)", 30, 5, 0.95, "bootstrap-percentile"), ("ge(0.5)", 30, 6, 0.95, "bootstrap-percentile"),
    ("atkinson(0.5)", 30, 7, 0.95, "bootstrap-percentile"), ("atkinson(1)", 30, 8, 0.95, "bootstrap-normal"),
    ("cv", 30, 9, 0.95, "bootstrap-percentile"), ("hoover", 30, 10, 0.95, "bootstrap-percentile"),
    ("conc", 40, 11, 0.95, "bootstrap-percentile"), ("conc", 20, 12, 0.9, "bootstrap-normal"),
]
DEC_PLANS = [(1.0, "between_share", 30, 13, "bootstrap-percentile"), (0.0, "between", 30, 14, "bootstrap-normal"),
             (2.0, "within", 25, 15, "bootstrap-percentile"), (1.0, "total", 25, 16, "bootstrap-percentile")]
TEST_PLANS = [(1.0, 99, 0), (0.0, 59, 42), (2.0, 40, 7)]


def generate(outdir, verbose=False):
    cases = make_cases()
    with open(os.path.join(outdir, FILES[0]), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["case_id", "i", "x", "w", "r", "grp"])
        for cid, c in cases.items():
            for i in range(len(c["x"])):
                wr.writerow([cid, i, fmt(c["x"][i]), fmt(c["w"][i]), fmt(c["r"][i]), c["grp"][i]])
    rows = []
    for cid, c in cases.items():
        for name, th in MEASURES:
            if name in ("theil_l", "ge(-1)", "atkinson(1)", "atkinson(2)") and min(c["x"]) <= 0:
                continue
            est, se = analytic(th, c["x"], c["w"], c["r"])
            for level in (0.95, 0.9):
                z = z_of(level)
                rows.append([cid, name, "analytic", level, 0, 0, "", est, se, est - z * se, est + z * se])
        est, se = analytic(th_conc, c["x"], c["w"], c["r"])
        rows.append([cid, "conc", "analytic", 0.95, 0, 0, "", est, se, est - z_of(0.95) * se,
                     est + z_of(0.95) * se])
        for name, lo, hi in conc_variants(c):
            v = name.split(":")[0][len("conc_"):]
            est, se = analytic(th_conc_variant(v, lo, hi), c["x"], c["w"], c["r"])
            rows.append([cid, name, "analytic", 0.9, 0, 0, "", est, se, est - z_of(0.9) * se,
                         est + z_of(0.9) * se])
        count("analytic cases")
    # published formulas, unit weights and no ties
    c = cases["unit40"]
    C1, se1 = kwv_se(c["x"], c["r"])
    C2, se2 = analytic(th_conc, c["x"], c["w"], c["r"])
    if abs(se1 - se2) > 1e-12 * se1 or abs(C1 - C2) > 1e-12 * abs(C1):
        fail("KWV (1997) %s vs influence function %s" % (se1, se2))
    count("KWV 1997")
    for alpha, name, th in ((2, "ge(2)", th_ge(2)), (1, "theil_t", th_ge(1)), (0, "theil_l", th_ge(0)),
                            (-1, "ge(-1)", th_ge(-1))):
        s1 = cowell_se(c["x"], alpha)
        _, s2 = analytic(th, c["x"], c["w"], c["r"])
        if abs(s1 - s2) > 1e-12 * s1:
            fail("Cowell / Biewen-Jenkins %s: %s vs %s" % (name, s1, s2))
        count("Cowell 1989")
    sd = davidson_se(c["x"])
    _, sg = analytic(th_gini, c["x"], c["w"], c["r"])
    if abs(sd / sg - 1) > 3.0 / len(c["x"]):
        fail("Davidson (2009) %s vs influence function %s" % (sd, sg))
    NOTES.append("Davidson 2009 se / influence-function se - 1 = %.2e (n = 40)" % float(sd / sg - 1))
    count("Davidson 2009")
    # bootstrap, reproduced
    for cid in ("provinces", "shares50"):
        c = cases[cid]
        for k, (name, lo, hi) in enumerate(conc_variants(c)):
            v = name.split(":")[0][len("conc_"):]
            method = ("bootstrap-percentile", "bootstrap-normal")[k % 2]
            est, sd, lo_, hi_ = bootstrap(c, name, "conc", d_conc_variant(v, lo, hi), 40, 21 + k, 0.95, method)
            rows.append([cid, name, method, 0.95, 40, 21 + k, "", est, sd, lo_, hi_])
            count("bootstrap concentration variants")
    for cid in ("provinces", "ties60", "weights12", "n3"):
        c = cases[cid]
        for measure, R, seed, level, method in BOOT_PLANS:
            kind = "conc" if measure == "conc" else "xw"
            est, sd, lo, hi = bootstrap(c, measure, kind, NUMPY_MEASURES[measure], R, seed, level, method)
            rows.append([cid, measure, method, level, R, seed, "", est, sd, lo, hi])
            count("bootstrap")
        for alpha, comp, R, seed, method in DEC_PLANS:
            if cid == "n3" and comp == "between_share":
                continue
            est, sd, lo, hi = bootstrap(c, "dec", "grp", d_decomp(alpha, comp), R, seed, 0.95, method)
            rows.append([cid, "dec(%g)" % alpha, method, 0.95, R, seed, comp, est, sd, lo, hi])
            count("bootstrap decomposition")
    with open(os.path.join(outdir, FILES[1]), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["case_id", "measure", "method", "level", "replicates", "seed", "component",
                     "estimate", "se", "lower", "upper"])
        for r in rows:
            wr.writerow(r[:7] + [fmt(float(v)) for v in r[7:]])
    with open(os.path.join(outdir, FILES[2]), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["case_id", "alpha", "permutations", "seed", "share", "p_value"])
        for cid in ("provinces", "unit40", "ties60", "weights12"):
            for alpha, P, seed in TEST_PLANS:
                share, p = perm_test(cases[cid], alpha, P, seed)
                wr.writerow([cid, fmt(alpha), P, seed, fmt(share), fmt(p)])
                count("permutation tests")
    if verbose:
        for k, v in sorted(oracle_lib.CHECKS.items()):
            print("%-28s %d" % (k, v))
        for n in NOTES:
            print(n)
        print("%d expected rows, %.1f s" % (len(rows), time.time() - T0))


NOTES = []


# ---------------------------------------------------------------------------------------
# coverage
# ---------------------------------------------------------------------------------------

def coverage(args):
    def opt(name, default, conv=int):
        if name in args:
            k = args.index(name)
            v = args[k + 1]
            del args[k:k + 2]
            return conv(v)
        return default
    S = opt("--samples", 2000)
    n = opt("--n", 500)
    R = opt("--replicates", 200)
    sigma, rho = opt("--sigma", 0.3, float), 0.6
    truth = {"gini": 2 * float(mpmath.ncdf(sigma / math.sqrt(2))) - 1,
             "theil_t": sigma ** 2 / 2, "theil_l": sigma ** 2 / 2,
             "conc": 2 * float(mpmath.ncdf(rho * sigma / math.sqrt(2))) - 1}
    rs = np.random.RandomState(13)
    z = rs.standard_normal((S, n))
    zr = rs.standard_normal((S, n))
    x = np.exp(sigma * z)
    r = rho * z + math.sqrt(1 - rho ** 2) * zr
    lines = []
    for s in range(S):
        for i in range(n):
            lines.append("%d\t%r\t%r\n" % (s, float(x[s, i]), float(r[s, i])))
    meas = [("gini", "inequality_ci('gini', x, 1, '%s', 0.95, %d, s)"),
            ("theil_t", "inequality_ci('theil_t', x, 1, '%s', 0.95, %d, s)"),
            ("theil_l", "inequality_ci('theil_l', x, 1, '%s', 0.95, %d, s)"),
            ("conc", "concentration_index_ci(x, r, 1, '%s', 0.95, %d, s)")]
    cols = []
    names = []
    for m, expr in meas:
        for method in ("analytic", "bootstrap-percentile"):
            e = "medres." + expr % (method, R)
            cols.append("count(*) FILTER (WHERE (c%d).lower <= %r AND %r <= (c%d).upper)"
                        % (len(names), truth[m], truth[m], len(names)))
            names.append((m, method, e))
    inner = ", ".join("%s AS c%d" % (e, k) for k, (m, method, e) in enumerate(names))
    sql = ("SET max_parallel_workers_per_gather = 0;\n"
           "CREATE TEMP TABLE cov (s int, x float8, r float8);\n"
           "COPY cov FROM STDIN;\n" + "".join(lines) + "\\.\n"
           "SELECT count(*), " + ", ".join(cols) +
           " FROM (SELECT s, " + inner + " FROM cov GROUP BY s) q;\n")
    t = time.time()
    p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"] + args + ["-f", "-"],
                       input=sql, text=True, capture_output=True)
    if p.returncode != 0:
        fail("coverage query: %s" % p.stderr.strip())
    got = [int(v) for v in p.stdout.strip().splitlines()[-1].split("|")]
    if got[0] != S:
        fail("coverage query returned %d samples, not %d" % (got[0], S))
    bad = 0
    for (m, method, e), k in zip(names, got[1:]):
        share = k / S
        ok = 0.935 <= share <= 0.965
        bad += not ok
        print("%s - coverage of the 95 %% %s interval of %s (true %.6f): %.2f %% of %d samples of %d"
              % ("ok" if ok else "not ok", method, m, truth[m], 100 * share, S, n))
    print("# %d grouped intervals in %.1f s (bootstrap: %d replicates)" % (S * len(names), time.time() - t, R))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if "--coverage" in sys.argv[1:]:
        a = sys.argv[1:]
        a.remove("--coverage")
        coverage(a)
    else:
        oracle_lib.main("oracle_uncertainty", OUTDIR, FILES, generate, T0)
