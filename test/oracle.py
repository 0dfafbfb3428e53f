#!/usr/bin/python3
"""Independent test oracle for medres' inequality measures.

Run from the repository root with the Debian interpreter:

    /usr/bin/python3 test/oracle.py

It (re)writes

    test/oracle/cases.csv     case_id,i,x,w,grp,h,r      (one row per observation)
    test/oracle/expected.csv  case_id,measure,param,expected

which test/oracle_inequality.sql loads and compares with medres' aggregates.

Every expected value is computed with mpmath at 60 significant digits (or with exact
rational arithmetic) directly from the definitions in METHODS.md (the project's methods reference), starting
from the exact binary value of each double written to cases.csv, and is then rounded to
the nearest double and printed with repr() (shortest round-tripping form).  Nothing is
copied from medres' own output.

Conventions (see METHODS.md, "Gini and Lorenz" and "Theil and generalized entropy"):
  * rows with weight 0 take no part in any measure (not in n, W, mu, ranks, Lorenz points
    or groups); unweighted cases have w = 1 in every row;
  * p_i = w_i/W, s_i = w_i x_i/(W mu), zeros of x count in W and mu, 0*ln 0 = 0;
  * a measure is emitted for a case only where it is defined and its value is a finite
    double that is zero or normal (subnormal results are skipped, see skip notes).

Independent cross-checks (the script fails loudly, exit status != 0, on disagreement):
  * Gini: exact-rational double sum over all pairs  vs  sorted mid-point-rank form at 60
    digits  vs  trapezoid area under the Lorenz points (all agree to 1e-40 relative);
  * Theil T and MLD: their literal forms vs the GE(alpha) formula at alpha = 1 +- 1e-20
    and alpha = +-1e-20 (limits, 1e-15), Theil T in its two literal forms;
  * Atkinson vs GE: A(0.5) = 1-(1-GE(0.5)/4)^2, A(1) = 1-exp(-MLD), A(2) = 1-1/(1+2 GE(-1));
    GE(2) = CV^2/2;
  * concentration index: 2 cov/mu form vs 2 sum p h F / mu - 1;
  * decomposition: total = between + within at 60 digits (1e-45), and the sum of the
    group contributions = within;
  * numpy/scipy double precision gini, theil_t, theil_l, ge, atkinson, cv, hoover, ci
    (scipy.stats.variation and scipy.stats.rankdata for the unweighted cases) on the
    well-conditioned cases, 1e-9 relative;
  * R laeken::gini(x, weights = w)$value/100 for every case with n >= 2 (via Rscript),
    1e-9 relative;
  * METHODS.md test vectors to their printed digits.
"""

import csv
import io
import math
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

import numpy as np
import scipy.special
import scipy.stats
import mpmath
from mpmath import mp, mpf

mp.dps = 60

HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = os.path.join(HERE, "oracle")
PROVINCES_CSV = os.path.join(HERE, "..", "data", "province_resources_2020.csv")

GE_ALPHAS = ("-1", "0.5", "2")          # emitted as measure 'ge'
ATKINSON_EPS = ("0.5", "1", "2")       # emitted as measure 'atkinson'
DEC_ALPHAS = ("0", "1", "2")           # emitted as measure 'dec_*'
ERREYGERS_BOUNDS = ("0", "1")          # param "0:1"

MIN_NORMAL = 2.2250738585072014e-308

T0 = time.time()
CHECKS = {}          # name -> number of comparisons that passed


def fail(msg):
    sys.stderr.write("ORACLE CROSS-CHECK FAILED: %s\n" % msg)
    sys.exit(1)


def check_close(name, a, b, rel, floor=0.0, what=""):
    """assert |a-b| <= rel*max(|a|,|b|) + floor; count it under name."""
    a_ = mpf(a)
    b_ = mpf(b)
    tol = mpf(rel) * max(abs(a_), abs(b_)) + mpf(floor)
    if not abs(a_ - b_) <= tol:
        fail("%s %s: %s vs %s (diff %s, tol %s)"
             % (name, what, mpmath.nstr(a_, 25), mpmath.nstr(b_, 25),
                mpmath.nstr(abs(a_ - b_), 5), mpmath.nstr(tol, 5)))
    CHECKS[name] = CHECKS.get(name, 0) + 1


# ---------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------

def fl(v):
    """A Python float from a numpy scalar (exactly the same double)."""
    return float(v)


def make_cases():
    cases = []   # list of (case_id, rows) with rows = list of dict(x, w, grp, h, r)

    def add(case_id, x, w, grp=None, h=None, r=None):
        n = len(x)
        assert len(w) == n
        rows = []
        for k in range(n):
            rows.append(dict(
                x=fl(x[k]), w=fl(w[k]),
                grp=None if grp is None else str(grp[k]),
                h=None if h is None else fl(h[k]),
                r=None if r is None else fl(r[k])))
        for row in rows:
            for key in ("x", "w", "h", "r"):
                v = row[key]
                assert v is None or math.isfinite(v), (case_id, key, v)
            assert row["w"] >= 0.0 and row["x"] >= 0.0
        cases.append((case_id, rows))

    # METHODS.md decomposition test vector; h, r are extra (h = x/10 in [0,1], r with a tie)
    mx = [4.2, 5.1, 6.3, 3.3, 7.7, 8.8, 2.9, 5.5]
    mw = [10.0, 20.0, 15.0, 5.0, 30.0, 8.0, 12.0, 9.0]
    mg = ["1", "1", "1", "2", "2", "3", "3", "3"]
    add("methods_vec", mx, mw, mg, [v / 10.0 for v in mx],
        [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])

    # METHODS.md Theil T trap: x = (0,1,2,3,10) unweighted, T = 0.568598
    add("zeros5", [0.0, 1.0, 2.0, 3.0, 10.0], [1.0] * 5)

    add("n1", [3.7], [2.5], ["only"], [0.3], [1.0])

    add("n2", [1.5, 4.0], [3.0, 1.0], ["a", "b"], [0.2, 0.6], [2.0, 1.0])

    rng = np.random.default_rng(20240101)
    n = 1000
    x = rng.lognormal(0.0, 1.0, n)
    w = rng.uniform(0.5, 2.0, n)
    g = rng.integers(1, 32, n)
    assert len(set(g.tolist())) == 31
    h = rng.uniform(0.0, 1.0, n)
    r = rng.normal(0.0, 1.0, n)
    add("lognorm_w", x, w, ["g%02d" % v for v in g], h, r)

    rng = np.random.default_rng(20240102)
    n = 777
    x = rng.lognormal(0.0, 1.0, n)
    g = rng.integers(1, 6, n)
    h = rng.uniform(0.0, 1.0, n)
    r = rng.normal(0.0, 1.0, n)
    add("lognorm_u", x, np.ones(n), ["u%d" % v for v in g], h, r)

    for case_id, seed, lo in (("ties", 20240103, 0), ("ties_pos", 20240104, 1)):
        rng = np.random.default_rng(seed)
        n = 600
        x = rng.integers(lo, 6, n).astype(float)
        w = rng.integers(1, 11, n).astype(float)
        g = rng.integers(0, 3, n)
        r = rng.integers(1, 5, n).astype(float)
        h = rng.integers(0, 11, n) / 10.0
        add(case_id, x, w, [("grp A", "grp B", "grp C")[v] for v in g], h, r)

    rng = np.random.default_rng(20240105)
    n = 60
    x = rng.lognormal(0.0, 1.0, n) * 1e300
    w = rng.uniform(0.5, 2.0, n)
    g = rng.integers(1, 4, n)
    add("huge", x, w, ["h%d" % v for v in g])

    rng = np.random.default_rng(20240106)
    x = rng.lognormal(0.0, 1.0, n) * 1e-300
    assert x.min() >= 1e-302 and x.min() >= MIN_NORMAL
    w = rng.uniform(0.5, 2.0, n)
    g = rng.integers(1, 4, n)
    add("tiny", x, w, ["t%d" % v for v in g])

    rng = np.random.default_rng(20240107)
    n = 40
    u = rng.uniform(-300.0, 300.0, n)
    x = np.array([10.0 ** fl(v) for v in u])
    w = rng.uniform(1.0, 3.0, n)
    g = rng.integers(1, 3, n)
    add("span", x, w, ["s%d" % v for v in g])

    rng = np.random.default_rng(20240108)
    n = 50
    x = rng.lognormal(0.0, 1.0, n)
    w = rng.uniform(0.5, 2.0, n)
    zero_idx = rng.choice(n, 12, replace=False)
    w[zero_idx] = 0.0
    w[0] = 0.0          # also the very first row
    g = rng.integers(1, 4, n)
    h = rng.uniform(0.0, 1.0, n)
    r = rng.normal(0.0, 1.0, n)
    add("zero_w", x, w, ["z%d" % v for v in g], h, r)

    # Provinces 2020: x = beds (10k) / population (million) = beds per 100 people,
    # w = population (million), grp = region; h = x ranked by per-capita health expense.
    with open(PROVINCES_CSV, newline="") as f:
        prov = list(csv.DictReader(f))
    assert len(prov) == 31
    px = [float(p["beds_10k"]) / float(p["population_million"]) for p in prov]
    pw = [float(p["population_million"]) for p in prov]
    pg = [p["region"] for p in prov]
    pr = [float(p["health_expense_per_capita_yuan"]) for p in prov]
    add("provinces", px, pw, pg, px, pr)
    # one region at a time, as the per-region example of doc/gini.md
    for region in ("east", "middle", "west"):
        sub = [p for p in prov if p["region"] == region]
        add("provinces_" + region, [float(p["beds_10k"]) / float(p["population_million"]) for p in sub],
            [float(p["population_million"]) for p in sub], None, None, None)
    # the demo's other two population Ginis: personnel and institutions per person
    for col, cid in (("personnel_10k", "provinces_personnel"), ("institutions", "provinces_institutions")):
        add(cid, [float(p[col]) / float(p["population_million"]) for p in prov], pw, pg, None, None)

    return cases


# ---------------------------------------------------------------------------------------
# Definitions at 60 digits
# ---------------------------------------------------------------------------------------

def fsum(it):
    return mpmath.fsum(list(it))


def base(X, Wt):
    W = fsum(Wt)
    mu = fsum(w * x for x, w in zip(X, Wt)) / W
    p = [w / W for w in Wt]
    s = [w * x / (W * mu) for x, w in zip(X, Wt)]
    return W, mu, p, s


def to_int_scaled(vals):
    """Exact integers N_i and a common power-of-two denominator D with vals_i = N_i/D."""
    fr = [Fraction(v) for v in vals]
    D = 1
    for f in fr:
        D = max(D, f.denominator)      # all denominators are powers of two
    out = []
    for f in fr:
        assert D % f.denominator == 0
        out.append(f.numerator * (D // f.denominator))
    return out, D


def gini_pairwise_exact(xs, ws):
    """Literal definition sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu), exactly (Fraction)."""
    X, _ = to_int_scaled(xs)
    Wi, _ = to_int_scaled(ws)
    n = len(X)
    tot = 0
    for a in range(n):
        xa = X[a]
        acc = 0
        for b in range(a + 1, n):
            acc += Wi[b] * abs(xa - X[b])
        tot += Wi[a] * acc
    tot *= 2
    SW = sum(Wi)
    SWX = sum(w * x for w, x in zip(Wi, X))
    # scale factors cancel: num ~ Dw^2 Dx, den = 2 * (W) * (W mu) ~ Dw * Dw Dx
    return Fraction(tot, 2 * SW * SWX)


def gini_sorted(X, Wt):
    """G = 2 sum w_i x_i F_i / (W mu) - 1, F_i = (C_i - w_i/2)/W, sorted by x."""
    W, mu, _, _ = base(X, Wt)
    order = sorted(range(len(X)), key=lambda k: X[k])
    C = mpf(0)
    acc = []
    for k in order:
        C += Wt[k]
        F = (C - Wt[k] / 2) / W
        acc.append(Wt[k] * X[k] * F)
    return 2 * fsum(acc) / (W * mu) - 1


def lorenz_points_exact(xs, ws):
    """[(p_k, L_k)] as Fractions, one point per distinct x ascending, starting at (0,0)."""
    fx = [Fraction(v) for v in xs]
    fw = [Fraction(v) for v in ws]
    W = sum(fw)
    WX = sum(a * b for a, b in zip(fx, fw))
    byx = {}
    for a, b in zip(fx, fw):
        byx.setdefault(a, [Fraction(0), Fraction(0)])
        byx[a][0] += b
        byx[a][1] += a * b
    pts = [(Fraction(0), Fraction(0))]
    cw = Fraction(0)
    cwx = Fraction(0)
    for a in sorted(byx):
        cw += byx[a][0]
        cwx += byx[a][1]
        pts.append((cw / W, cwx / WX))
    assert pts[-1] == (1, 1)
    return pts


def gini_from_lorenz(pts):
    """1 - sum (p_k - p_{k-1})(L_k + L_{k-1}), exact."""
    s = Fraction(0)
    for (p0, l0), (p1, l1) in zip(pts, pts[1:]):
        s += (p1 - p0) * (l1 + l0)
    return 1 - s


def theil_t(X, Wt):
    """sum s_i ln(s_i/p_i), 0 ln 0 = 0."""
    _, _, p, s = base(X, Wt)
    return fsum(si * mpmath.log(si / pi) for si, pi in zip(s, p) if si != 0)


def theil_t_alt(X, Wt):
    """sum p_i (x_i/mu) ln(x_i/mu)."""
    _, mu, p, _ = base(X, Wt)
    return fsum(pi * (x / mu) * mpmath.log(x / mu) for x, pi in zip(X, p) if x != 0)


def theil_l(X, Wt):
    """MLD = sum p_i ln(p_i/s_i)."""
    _, _, p, s = base(X, Wt)
    assert all(si > 0 for si in s)
    return fsum(pi * mpmath.log(pi / si) for si, pi in zip(s, p))


def ge_formula(X, Wt, alpha):
    """1/(alpha(alpha-1)) sum p_i [ (x_i/mu)^alpha - 1 ], alpha not in {0, 1}."""
    alpha = mpf(alpha)
    assert alpha != 0 and alpha != 1
    _, mu, p, _ = base(X, Wt)
    if alpha <= 0:
        assert all(x > 0 for x in X)
    terms = []
    for x, pi in zip(X, p):
        q = x / mu
        qa = mpf(0) if q == 0 else mpmath.power(q, alpha)
        terms.append(pi * (qa - 1))
    return fsum(terms) / (alpha * (alpha - 1))


def ge(X, Wt, alpha):
    alpha = mpf(alpha)
    if alpha == 0:
        return theil_l(X, Wt)
    if alpha == 1:
        return theil_t(X, Wt)
    return ge_formula(X, Wt, alpha)


def atkinson(X, Wt, eps):
    eps = mpf(eps)
    _, mu, p, _ = base(X, Wt)
    if eps == 1:
        assert all(x > 0 for x in X)
        return 1 - mpmath.exp(fsum(pi * mpmath.log(x) for x, pi in zip(X, p))) / mu
    e = 1 - eps
    if e < 0:
        assert all(x > 0 for x in X)
    terms = []
    for x, pi in zip(X, p):
        q = x / mu
        terms.append(pi * (mpf(0) if q == 0 else mpmath.power(q, e)))
    return 1 - mpmath.power(fsum(terms), 1 / e)


def cv(X, Wt):
    _, mu, p, _ = base(X, Wt)
    return mpmath.sqrt(fsum(pi * (x - mu) ** 2 for x, pi in zip(X, p))) / mu


def hoover(X, Wt):
    _, _, p, s = base(X, Wt)
    return fsum(abs(si - pi) for si, pi in zip(s, p)) / 2


def frac_rank(R, Wt):
    """Weighted fractional rank of r: (weight of smaller r + half the tie group) / W."""
    W = fsum(Wt)
    order = sorted(range(len(R)), key=lambda k: R[k])
    F = [None] * len(R)
    below = mpf(0)
    k = 0
    while k < len(order):
        j = k
        while j < len(order) and R[order[j]] == R[order[k]]:
            j += 1
        grpw = fsum(Wt[order[t]] for t in range(k, j))
        for t in range(k, j):
            F[order[t]] = (below + grpw / 2) / W
        below += grpw
        k = j
    return F


def conc_index(H, R, Wt):
    W = fsum(Wt)
    p = [w / W for w in Wt]
    mu_h = fsum(pi * h for pi, h in zip(p, H))
    F = frac_rank(R, Wt)
    c = 2 * fsum(pi * (h - mu_h) * (f - mpf(1) / 2) for pi, h, f in zip(p, H, F)) / mu_h
    c2 = 2 * fsum(pi * h * f for pi, h, f in zip(p, H, F)) / mu_h - 1
    return c, c2, mu_h


def decomposition(X, Wt, G, alpha):
    """dict(total, between, within, groups={g: (index, contribution)})."""
    a = mpf(alpha)
    W, mu, _, _ = base(X, Wt)
    labels = sorted(set(G))
    means, Ps, groups = [], [], {}
    for g in labels:
        Xg = [x for x, gg in zip(X, G) if gg == g]
        Wg = [w for w, gg in zip(Wt, G) if gg == g]
        Wsum = fsum(Wg)
        P = Wsum / W
        mu_g = fsum(w * x for x, w in zip(Xg, Wg)) / Wsum
        S = P * mu_g / mu
        if mu_g == 0:
            return None                   # GE_g undefined
        idx = ge(Xg, Wg, a)
        contrib = mpmath.power(S, a) * mpmath.power(P, 1 - a) * idx
        means.append(mu_g)
        Ps.append(P)
        groups[g] = (idx, contrib)
    total = ge(X, Wt, a)
    between = ge(means, Ps, a)
    within = fsum(c for _, c in groups.values())
    return dict(total=total, between=between, within=within, groups=groups)


# ---------------------------------------------------------------------------------------
# double-precision cross-checks (numpy / scipy)
# ---------------------------------------------------------------------------------------

def np_measures(x, w, unweighted):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    W = w.sum()
    p = w / W
    mu = np.dot(p, x)
    q = x / mu
    out = {}
    o = np.argsort(x, kind="stable")
    xs, ws = x[o], w[o]
    C = np.cumsum(ws)
    out["gini"] = 2.0 * np.sum(ws * xs * (C - ws / 2.0) / W) / (W * mu) - 1.0
    out["theil_t"] = np.sum(p * scipy.special.xlogy(q, q))
    if np.all(x > 0):
        out["theil_l"] = -np.sum(p * np.log(q))
        out["atkinson:1"] = 1.0 - np.exp(np.sum(p * np.log(x))) / mu
        out["atkinson:2"] = 1.0 - 1.0 / np.sum(p / q)
        out["ge:-1"] = 0.5 * np.sum(p * (1.0 / q - 1.0))
    out["ge:0.5"] = -4.0 * np.sum(p * (np.sqrt(q) - 1.0))
    out["ge:2"] = 0.5 * np.sum(p * (q * q - 1.0))
    out["atkinson:0.5"] = 1.0 - np.sum(p * np.sqrt(q)) ** 2
    if unweighted:
        out["cv"] = scipy.stats.variation(x)          # ddof = 0, population SD
    else:
        out["cv"] = math.sqrt(np.average((x - mu) ** 2, weights=w)) / mu
    out["hoover"] = 0.5 * np.sum(np.abs(p * q - p))
    return out


def np_ci(h, r, w, unweighted):
    h = np.asarray(h, dtype=float)
    r = np.asarray(r, dtype=float)
    w = np.asarray(w, dtype=float)
    W = w.sum()
    if unweighted:
        F = (scipy.stats.rankdata(r, method="average") - 0.5) / len(r)
    else:
        F = np.empty_like(r)
        for v in np.unique(r):
            m = r == v
            F[m] = (w[r < v].sum() + w[m].sum() / 2.0) / W
    mu_h = np.dot(w, h) / W
    return 2.0 * np.dot(w / W, (h - mu_h) * (F - 0.5)) / mu_h


# ---------------------------------------------------------------------------------------
# R laeken
# ---------------------------------------------------------------------------------------

def laeken_gini(cases_xw):
    """{case_id: laeken::gini(x, weights = w)$value / 100} via Rscript."""
    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, "xw.csv")
        with open(path, "w", newline="") as f:
            wr = csv.writer(f, lineterminator="\n")
            wr.writerow(["case_id", "x", "w"])
            for cid, xs, ws in cases_xw:
                for a, b in zip(xs, ws):
                    wr.writerow([cid, repr(a), repr(b)])
        rcode = r'''
suppressPackageStartupMessages(library(laeken))
d <- read.csv(commandArgs(TRUE)[1], colClasses = c("character", "numeric", "numeric"))
for (cid in unique(d$case_id)) {
  s <- d[d$case_id == cid, ]
  g <- laeken::gini(s$x, weights = s$w)$value / 100
  cat(cid, sprintf("%.17g", g), "\n", sep = ",")
}
'''
        rpath = os.path.join(td, "g.R")
        with open(rpath, "w") as f:
            f.write(rcode)
        res = subprocess.run(["Rscript", "--vanilla", rpath, path],
                             capture_output=True, text=True)
        if res.returncode != 0:
            fail("Rscript laeken failed: " + res.stderr)
    out = {}
    for line in res.stdout.splitlines():
        parts = line.split(",")
        if len(parts) >= 2 and parts[0]:
            out[parts[0]] = float(parts[1])
    return out


# ---------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------

def fmt_float(v):
    v = float(v)
    assert math.isfinite(v)
    return repr(v)


def main():
    cases = make_cases()
    expected = []          # (case_id, measure, param, float)
    skipped = []           # (case_id, measure, param, reason)
    gini_by_case = {}

    def emit(cid, measure, param, value):
        if isinstance(value, Fraction):
            f = float(value)                        # correctly rounded
            check_close("fraction->mpf", mpf(value.numerator) / value.denominator, f,
                        mpf("1.2e-16"), floor=MIN_NORMAL)
        else:
            try:
                f = float(value)                    # mpmath: round to nearest
            except OverflowError:
                f = math.inf
        if not math.isfinite(f):
            skipped.append((cid, measure, param, "not finite in double"))
            return
        if f != 0.0 and abs(f) < MIN_NORMAL:
            skipped.append((cid, measure, param, "subnormal in double"))
            return
        expected.append((cid, measure, param, f))

    well_conditioned = {"methods_vec", "zeros5", "n2", "lognorm_w", "lognorm_u", "ties",
                        "ties_pos", "zero_w", "provinces", "provinces_personnel",
                        "provinces_institutions", "provinces_east", "provinces_middle",
                        "provinces_west"}
    laeken_input = []

    for cid, rows in cases:
        pos = [row for row in rows if row["w"] > 0]
        xs = [row["x"] for row in pos]
        ws = [row["w"] for row in pos]
        X = [mpf(v) for v in xs]
        Wt = [mpf(v) for v in ws]
        n = len(pos)
        unweighted = all(row["w"] == 1.0 for row in rows)
        has_zero = any(v == 0 for v in xs)
        W, mu, p, s = base(X, Wt)
        assert mu > 0

        # ---- Gini and corrections
        g_exact = gini_pairwise_exact(xs, ws)
        g_sorted = gini_sorted(X, Wt)
        pts = lorenz_points_exact(xs, ws)
        g_lorenz = gini_from_lorenz(pts)
        gm = mpf(g_exact.numerator) / g_exact.denominator
        check_close("gini pairwise=sorted", gm, g_sorted, mpf("1e-40"), floor=mpf("1e-55"),
                    what=cid)
        assert g_exact == g_lorenz, cid      # both exact rationals
        CHECKS["gini pairwise=lorenz (exact)"] = CHECKS.get("gini pairwise=lorenz (exact)", 0) + 1
        gini_by_case[cid] = gm
        emit(cid, "gini", "", g_exact)
        if n >= 2:
            emit(cid, "gini_n", "", g_exact * n / (n - 1))
            fw = [Fraction(v) for v in ws]
            Wf = sum(fw)
            sp2 = sum((a / Wf) ** 2 for a in fw)
            emit(cid, "gini_weights", "", g_exact / (1 - sp2))
        else:
            skipped.append((cid, "gini_n/gini_weights", "", "n = 1"))
        if n >= 2:
            laeken_input.append((cid, [row["x"] for row in rows], [row["w"] for row in rows]))

        # ---- Theil / GE / Atkinson / CV / Hoover
        T = theil_t(X, Wt)
        check_close("theil_t two literal forms", T, theil_t_alt(X, Wt), mpf("1e-50"),
                    floor=mpf("1e-55"), what=cid)
        d = mpf("1e-20")
        check_close("theil_t = lim GE(1+d)", T, (ge_formula(X, Wt, 1 + d) + ge_formula(X, Wt, 1 - d)) / 2,
                    mpf("1e-15"), floor=mpf("1e-30"), what=cid)
        emit(cid, "theil_t", "", T)
        vals = {"theil_t": T}
        if not has_zero:
            L = theil_l(X, Wt)
            check_close("theil_l = lim GE(0+d)", L, (ge_formula(X, Wt, d) + ge_formula(X, Wt, -d)) / 2,
                        mpf("1e-15"), floor=mpf("1e-30"), what=cid)
            emit(cid, "theil_l", "", L)
            vals["theil_l"] = L
        else:
            skipped.append((cid, "theil_l", "", "x = 0 present"))
        for a in GE_ALPHAS:
            if mpf(a) <= 0 and has_zero:
                skipped.append((cid, "ge", a, "x = 0 present"))
                continue
            v = ge(X, Wt, a)
            emit(cid, "ge", a, v)
            vals["ge:" + a] = v
        for e in ATKINSON_EPS:
            if mpf(e) >= 1 and has_zero:
                skipped.append((cid, "atkinson", e, "x = 0 present"))
                continue
            v = atkinson(X, Wt, e)
            emit(cid, "atkinson", e, v)
            vals["atkinson:" + e] = v
        c = cv(X, Wt)
        emit(cid, "cv", "", c)
        vals["cv"] = c
        hv = hoover(X, Wt)
        emit(cid, "hoover", "", hv)
        vals["hoover"] = hv
        vals["gini"] = gm

        # relations between measures (different formula paths)
        check_close("GE(2) = CV^2/2", vals["ge:2"], c * c / 2, mpf("1e-45"), floor=mpf("1e-55"), what=cid)
        check_close("A(0.5) = 1-(1-GE(0.5)/4)^2", vals["atkinson:0.5"],
                    1 - (1 - vals["ge:0.5"] / 4) ** 2, mpf("1e-45"), floor=mpf("1e-55"), what=cid)
        if not has_zero:
            check_close("A(1) = 1-exp(-MLD)", vals["atkinson:1"], 1 - mpmath.exp(-vals["theil_l"]),
                        mpf("1e-45"), floor=mpf("1e-55"), what=cid)
            check_close("A(2) = 1-1/(1+2GE(-1))", vals["atkinson:2"],
                        1 - 1 / (1 + 2 * vals["ge:-1"]), mpf("1e-45"), floor=mpf("1e-55"), what=cid)

        # ---- concentration index
        if all(row["h"] is not None and row["r"] is not None for row in rows):
            H = [mpf(row["h"]) for row in pos]
            R = [mpf(row["r"]) for row in pos]
            C, C2, mu_h = conc_index(H, R, Wt)
            check_close("ci cov form = sum p h F form", C, C2, mpf("1e-45"), floor=mpf("1e-50"), what=cid)
            emit(cid, "ci", "", C)
            vals["ci"] = C
            in01 = all(0 <= row["h"] <= 1 for row in pos)
            if in01 and mu_h != 1:
                emit(cid, "ci_wagstaff", "", C / (1 - mu_h))
            else:
                skipped.append((cid, "ci_wagstaff", "", "h not in [0,1]"))
            lo, hi = (mpf(v) for v in ERREYGERS_BOUNDS)
            if all(lo <= row["h"] <= hi for row in pos):
                emit(cid, "ci_erreygers", ":".join(ERREYGERS_BOUNDS), 4 * mu_h / (hi - lo) * C)
            if cid in well_conditioned:
                got = np_ci([row["h"] for row in pos], [row["r"] for row in pos], ws, unweighted)
                check_close("numpy/scipy ci", C, got, mpf("1e-9"), floor=mpf("1e-15"), what=cid)
                if unweighted:
                    CHECKS["scipy.stats.rankdata (ci)"] = CHECKS.get("scipy.stats.rankdata (ci)", 0) + 1

        # ---- numpy / scipy double precision
        if cid in well_conditioned:
            nv = np_measures(xs, ws, unweighted)
            for key, v in nv.items():
                check_close("numpy/scipy " + key.split(":")[0], vals[key], v, mpf("1e-9"),
                            floor=mpf("1e-15"), what=cid + " " + key)
            if unweighted:
                CHECKS["scipy.stats.variation (cv)"] = CHECKS.get("scipy.stats.variation (cv)", 0) + 1

        # ---- decomposition
        if all(row["grp"] is not None for row in rows):
            G = [row["grp"] for row in pos]
            for a in DEC_ALPHAS:
                if mpf(a) == 0 and has_zero:
                    skipped.append((cid, "dec_*", a, "x = 0 present"))
                    continue
                dd = decomposition(X, Wt, G, a)
                if dd is None:
                    skipped.append((cid, "dec_*", a, "a group has mean 0"))
                    continue
                check_close("decomposition total = between + within", dd["total"],
                            dd["between"] + dd["within"], mpf("1e-45"), floor=mpf("1e-50"), what=cid + " " + a)
                check_close("decomposition total = GE(alpha)", dd["total"],
                            vals["theil_t"] if a == "1" else vals["theil_l"] if a == "0" else vals["ge:2"],
                            mpf("1e-50"), floor=mpf("1e-55"), what=cid + " " + a)
                emit(cid, "dec_total", a, dd["total"])
                emit(cid, "dec_between", a, dd["between"])
                emit(cid, "dec_within", a, dd["within"])
                for gname in sorted(dd["groups"]):
                    idx, contrib = dd["groups"][gname]
                    emit(cid, "dec_group_index", a + ":" + gname, idx)
                    emit(cid, "dec_group_contribution", a + ":" + gname, contrib)
                if cid == "methods_vec":
                    tv = {"0": ("0.0531639216", "0.0439739710", "0.0091899506"),
                          "1": ("0.0489038122", "0.0394538565", "0.0094499557")}.get(a)
                    if tv:
                        for key, printed in zip(("total", "within", "between"), tv):
                            check_close("METHODS.md test vector", dd[key], mpf(printed), 0,
                                        floor=mpf("0.5e-10") + mpf("1e-14"),
                                        what="%s alpha=%s %s" % (cid, a, key))

        # ---- Lorenz
        for k, (pk, lk) in enumerate(pts):
            emit(cid, "lorenz_p", str(k), pk)
            emit(cid, "lorenz_l", str(k), lk)

        if cid == "zeros5":
            check_close("METHODS.md test vector", T, mpf("0.568598"), 0,
                        floor=mpf("0.5e-6") + mpf("1e-14"), what="zeros5 Theil T")
            # the zero-dropping libraries' value quoted in METHODS.md
            Xnz = [x for x in X if x != 0]
            check_close("METHODS.md test vector", theil_t(Xnz, [mpf(1)] * len(Xnz)), mpf("0.345455"), 0,
                        floor=mpf("0.5e-6") + mpf("1e-14"), what="zeros5 Theil T, zeros dropped")

    # ---- R laeken weighted Gini
    lk = laeken_gini(laeken_input)
    for cid, _, _ in laeken_input:
        if cid not in lk:
            fail("laeken gave no value for " + cid)
        check_close("R laeken::gini", gini_by_case[cid], lk[cid], mpf("1e-9"), floor=mpf("1e-15"), what=cid)

    # ---- write files (deterministic)
    os.makedirs(OUTDIR, exist_ok=True)

    def opt(v):
        return "" if v is None else fmt_float(v)

    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(["case_id", "i", "x", "w", "grp", "h", "r"])
    for cid, rows in cases:
        for i, row in enumerate(rows, start=1):
            wr.writerow([cid, i, fmt_float(row["x"]), fmt_float(row["w"]),
                         "" if row["grp"] is None else row["grp"], opt(row["h"]), opt(row["r"])])
    with open(os.path.join(OUTDIR, "cases.csv"), "w", newline="") as f:
        f.write(buf.getvalue())

    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(["case_id", "measure", "param", "expected"])
    for cid, measure, param, v in expected:
        wr.writerow([cid, measure, param, fmt_float(v)])
    with open(os.path.join(OUTDIR, "expected.csv"), "w", newline="") as f:
        f.write(buf.getvalue())

    # ---- summary (stdout only; not part of the generated files)
    counts = {}
    for cid, measure, _, _ in expected:
        counts.setdefault(cid, {}).setdefault(measure, 0)
        counts[cid][measure] += 1
    print("cases.csv: %d rows in %d cases; expected.csv: %d values"
          % (sum(len(r) for _, r in cases), len(cases), len(expected)))
    for cid, _ in cases:
        print("  %-12s %s" % (cid, " ".join("%s:%d" % kv for kv in counts.get(cid, {}).items())))
    print("skipped (undefined or not representable):")
    for item in skipped:
        print("  %s %s %s: %s" % item)
    print("cross-checks passed:")
    for name in sorted(CHECKS):
        print("  %-45s %d" % (name, CHECKS[name]))
    print("elapsed %.1f s" % (time.time() - T0))


def check_committed():
    """--check: regenerate into a scratch folder and compare with the committed files."""
    global OUTDIR
    committed = OUTDIR
    with tempfile.TemporaryDirectory() as scratch:
        OUTDIR = scratch
        main()
        same = True
        for name in ("cases.csv", "expected.csv"):
            with open(os.path.join(scratch, name), "rb") as a, open(os.path.join(committed, name), "rb") as b:
                if a.read() != b.read():
                    print("oracle: %s differs from the committed test/oracle/%s" % (name, name))
                    same = False
    return same


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        sys.exit(0 if check_committed() else 1)
    main()
