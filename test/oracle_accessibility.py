#!/usr/bin/python3
"""Independent test oracle for medres_postgis' spatial accessibility (medres.accessibility).

Run from the repository root with the Debian interpreter (python3-numpy):

    /usr/bin/python3 test/oracle_accessibility.py            # (re)write the CSV files
    /usr/bin/python3 test/oracle_accessibility.py --check    # regenerate into a scratch folder,
                                                             # exit 1 if that differs from the
                                                             # committed files

It writes (test/pending/oracle_accessibility.sql loads them and compares with medres)

    test/oracle/accessibility_cases.csv     case_id,srid,mode,points_case,description
    test/oracle/accessibility_supply.csv    case_id,id,x,y,beds,doctors
    test/oracle/accessibility_demand.csv    case_id,id,x,y,pop
    test/oracle/accessibility_cost.csv      case_id,demand_id,supply_id,cost
    test/oracle/accessibility_runs.csv      run_id,case_id,method,catchment,decay,decay_param,
                                            bands,band_weights,normalize,supplies,forms,
                                            expected_run
    test/oracle/accessibility_expected.csv  run_id,supply,id,score

cases: mode 'geom' (points: x, y in the case's SRID; SRID 0 and projected SRIDs planar,
  4326 / 4269 geographic) or 'cost' (distances from the cost rows of the case; points_case is
  the case whose supply / demand rows are used: the equivalent geometry case, whose distances
  the cost rows repeat exactly, or the case itself, whose points then have no coordinates).
supply: beds is an integer, doctors a decimal with at most 2 places (SQL numeric).
runs: empty field = NULL (SQL argument omitted or NULL); bands / band_weights as SQL array
  literals; supplies = the supply columns passed (space separated, in that order); forms =
  the ways the SQL test calls medres for this run (space separated, see the .sql file);
  expected_run = the run whose expected rows apply (the geometry run a cost run must
  reproduce), else the run itself.
expected: one row per (run, supply column passed, demand unit), every demand unit of the
  case, score printed with repr() (shortest round-trip decimal).

Definitions (the contract /tmp/medres_spatial_api.md, METHODS.md "Spatial accessibility"):
d_ij = distance demand i - supply j: planar sqrt(dx^2 + dy^2); geographic: haversine on a
sphere of radius 6371008.8 m, 2 R asin(sqrt(sin^2(dlat/2) + cos lat_i cos lat_j
sin^2(dlon/2))); cost mode: the cost row (a pair without a row is out of reach).
In reach: d_ij <= d0 (the catchment; inclusive), for e2sfca d_ij <= the last band's limit,
for gravity without a catchment every pair (that has a cost row).  Weight w_ij (0 out of
reach):
  * 2sfca   w = 1;
  * e2sfca  w = W_r for band r: [0, b_1], (b_1, b_2], ..., weights {1, 0.68, 0.22} when 3
            bands and no weights are given;
  * gravity w = f(d): gaussian exp(-d^2 / (2 sigma^2)), power max(d, 1)^(-beta),
            exponential exp(-beta d), none 1;
  * 3sfca   f as for gravity (decay NULL = none) within the catchment; G_ij = f_ij /
            sum_{k in reach of i} f_ik, and w_ij = G_ij f_ij.
R_j = S_j / sum_i P_i w_ij, A_i = sum_j R_j w_ij, where a facility with sum_i P_i w_ij = 0
(no demand in reach) contributes nothing, and a demand unit with nothing in reach has
A_i = 0.  ratio: A_i = (sum_{j: d_ij <= d0} S_j) / (sum_{k: d(k, i) <= d0} P_k), the demand
units within d0 of i, i itself included (geometry mode only).  normalize: A_i divided by
sum_i P_i A_i / sum_i P_i (over all demand units of the case) for each supply column.

How the expected values are obtained and cross-checked (exit status 1 on any failure):
  * the values written come from a plain-Python implementation (loops over the pairs in
    reach, math.fsum for every sum, math.hypot / an atan2 haversine for distances);
  * an independent dense numpy implementation (matrices of distances, weights, P @ W,
    W @ R; the asin haversine) must agree to 1e-12 relative (0 exactly where the loop
    gives 0);
  * the hand case: both must agree to 1e-14 with the exact fractions derived by hand in
    HAND below (the 'hand_*' functions' comments show the derivations);
  * the invariant sum_i P_i A_i = sum_{j with demand in reach} S_j (1e-12 relative) on every
    2sfca, e2sfca, gravity and 3sfca run without normalize (it holds for 3sfca too, as
    defined: sum_i P_i sum_j G_ij R_j f_ij = sum_j R_j sum_i G_ij P_i f_ij = sum_j S_j); with
    normalize, sum_i P_i A_i = sum_i P_i;
  * gravity with decay 'none' and a catchment equals 2sfca (1e-15, every geometry case); cost
    runs that repeat a geometry run (expected_run) must give the geometry run's values (1e-13)
    from the cost rows alone;
  * robustness of what is written: no distance (supply-demand, and demand-demand for ratio)
    lies within GAP relative of a threshold (catchment, band limit) unless the case is
    exact (the hand case: integer coordinates, distances sqrt(integer) with ties at exactly
    representable integers), so an ulp of difference in medres' distance cannot move a pair
    across a threshold; every weight in reach is >= 1e-250 (no underflow); every facility with
    something in reach has a positive weighted demand (no 0 / 0, which the contract leaves
    undefined); the population-weighted mean used by normalize is positive;
  * the edge cases are present: the script fails unless some run has a facility with no
    demand in reach and a demand unit with nothing in reach, and a zero population and a zero
    supply appear.
"""

import csv
import math
import os
import time
from fractions import Fraction as Fr

import numpy as np
import oracle_lib  # noqa: E402
from oracle_lib import CHECKS, fail, count, fmt  # noqa: E402

T0 = time.time()
HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = os.path.join(HERE, "oracle")
FILES = {k: "accessibility_%s.csv" % k for k in ("cases", "supply", "demand", "cost", "runs", "expected")}

R_EARTH = 6371008.8
DEFAULT_W3 = (1.0, 0.68, 0.22)
GAP = 1e-7           # relative distance from any threshold required of every pair
CROSS = 1e-12        # loop vs numpy implementation
HAND_TOL = 1e-14     # both vs the hand fractions
INV_TOL = 1e-12      # the invariant
MIN_W = 1e-250       # smallest weight in reach
MAX_BYTES = 1_000_000

EDGES = {"facility without demand": 0, "demand without facility": 0, "zero population": 0,
         "zero supply": 0, "exact tie at a threshold": 0}


def rel(a, b):
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


# ------------------------------------------------------------------------------------------
# cases
# ------------------------------------------------------------------------------------------
class Case:
    def __init__(self, case_id, srid, mode, descr, supply, demand, cost=None, points_case=None,
                 geographic=False, exact=False):
        self.case_id = case_id
        self.srid = srid
        self.mode = mode                      # 'geom' or 'cost'
        self.descr = descr
        self.supply = supply                  # [(id, x, y, beds int, doctors str)]
        self.demand = demand                  # [(id, x, y, pop float)]
        self.cost = cost                      # [(demand_id, supply_id, cost float)] or None
        self.points_case = points_case or case_id
        self.geographic = geographic
        self.exact = exact
        self.runs = []

    def S(self, col):
        k = {"beds": 3, "doctors": 4}[col]
        return [float(s[k]) for s in self.supply]

    def P(self):
        return [float(d[3]) for d in self.demand]


def hav_loop(lon1, lat1, lon2, lat2):
    """haversine, atan2 form (the loop implementation)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R_EARTH * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def dist_loop(case, a, b):
    """distance between two (id, x, y, ...) rows, loop implementation."""
    if case.geographic:
        return hav_loop(a[1], a[2], b[1], b[2])
    return math.hypot(a[1] - b[1], a[2] - b[2])


def pairs_loop(case):
    """{(i, j): d} over demand index i, supply index j (every pair in geometry mode, the cost
    rows in cost mode)."""
    out = {}
    if case.mode == "cost":
        di = {d[0]: i for i, d in enumerate(case.demand)}
        sj = {s[0]: j for j, s in enumerate(case.supply)}
        for did, sid, c in case.cost:
            key = (di[did], sj[sid])
            if key in out:
                fail("%s: duplicate cost pair %s" % (case.case_id, (did, sid)))
            out[key] = float(c)
        return out
    for i, d in enumerate(case.demand):
        for j, s in enumerate(case.supply):
            out[(i, j)] = dist_loop(case, d, s)
    return out


def dist_numpy(case):
    """(n_d x n_s) distances, inf where a cost pair is absent (numpy implementation)."""
    nd, ns = len(case.demand), len(case.supply)
    if case.mode == "cost":
        D = np.full((nd, ns), np.inf)
        di = {d[0]: i for i, d in enumerate(case.demand)}
        sj = {s[0]: j for j, s in enumerate(case.supply)}
        for did, sid, c in case.cost:
            D[di[did], sj[sid]] = c
        return D
    dx = np.array([d[1] for d in case.demand], dtype=float)[:, None]
    dy = np.array([d[2] for d in case.demand], dtype=float)[:, None]
    sx = np.array([s[1] for s in case.supply], dtype=float)[None, :]
    sy = np.array([s[2] for s in case.supply], dtype=float)[None, :]
    return dist_np_xy(case, dx, dy, sx, sy)


def dist_np_xy(case, x1, y1, x2, y2):
    if case.geographic:
        p1, p2 = np.radians(y1), np.radians(y2)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(x2 - x1) / 2) ** 2
        return 2 * R_EARTH * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return np.sqrt((x1 - x2) ** 2 + (y1 - y2) ** 2)


def dd_numpy(case):
    x = np.array([d[1] for d in case.demand], dtype=float)
    y = np.array([d[2] for d in case.demand], dtype=float)
    return dist_np_xy(case, x[:, None], y[:, None], x[None, :], y[None, :])


# ------------------------------------------------------------------------------------------
# runs
# ------------------------------------------------------------------------------------------
class Run:
    def __init__(self, method, catchment=None, decay=None, decay_param=None, bands=None,
                 band_weights=None, normalize=False, supplies=("beds", "doctors"),
                 forms=("named",), expected_run=None):
        self.method = method
        self.catchment = catchment
        self.decay = decay
        self.decay_param = decay_param
        self.bands = bands
        self.band_weights = band_weights
        self.normalize = normalize
        self.supplies = tuple(supplies)
        self.forms = tuple(forms)
        self.expected_run = expected_run     # a Run (of the equivalent geometry case)
        self.run_id = None
        self.result = None                   # {col: [A_i]}

    def limit(self):
        """the largest distance in reach (None = unlimited)."""
        if self.method == "e2sfca":
            return self.bands[-1]
        return self.catchment

    def thresholds(self):
        t = [] if self.catchment is None else [self.catchment]
        if self.method == "e2sfca":
            t += list(self.bands)
        return t

    def weights3(self):
        if self.band_weights is not None:
            return self.band_weights
        assert len(self.bands) == 3
        return DEFAULT_W3

    def label(self):
        parts = [self.method]
        if self.catchment is not None:
            parts.append("d0=%g" % self.catchment)
        if self.decay:
            parts.append("%s(%g)" % (self.decay, self.decay_param) if self.decay_param is not None
                         else self.decay)
        if self.bands:
            parts.append("bands=%s" % list(self.bands))
        if self.band_weights:
            parts.append("w=%s" % list(self.band_weights))
        if self.normalize:
            parts.append("normalize")
        return " ".join(parts)


def decay_f(run, d):
    """f(d) for gravity / 3sfca (math version)."""
    dec = run.decay or "none"
    if dec == "none":
        return 1.0
    if dec == "gaussian":
        return math.exp(-d * d / (2 * run.decay_param * run.decay_param))
    if dec == "power":
        return max(d, 1.0) ** (-run.decay_param)
    if dec == "exponential":
        return math.exp(-run.decay_param * d)
    raise ValueError(dec)


def weight_loop(run, d):
    """the weight of a pair at distance d, before the 3sfca selection (0 = out of reach)."""
    lim = run.limit()
    if lim is not None and not d <= lim:
        return 0.0
    if run.method in ("2sfca", "ratio"):
        return 1.0
    if run.method == "e2sfca":
        w = run.weights3()
        for b, wr in zip(run.bands, w):
            if d <= b:
                return float(wr)
        return 0.0
    return decay_f(run, d)


def compute_loop(case, run, pairs):
    """{col: [A_i]} -- the plain-Python implementation whose values are written."""
    nd, ns = len(case.demand), len(case.supply)
    P = case.P()
    res = {}
    if run.method == "ratio":
        assert case.mode == "geom"
        for col in run.supplies:
            S = case.S(col)
            out = []
            for i in range(nd):
                num = math.fsum(S[j] for j in range(ns) if pairs[(i, j)] <= run.catchment)
                den = math.fsum(P[k] for k in range(nd)
                                if k == i or dist_loop(case, case.demand[i], case.demand[k]) <= run.catchment)
                if num == 0:
                    out.append(0.0)
                    continue
                if not den > 0:
                    fail("%s %s: ratio 0 population with supply in reach (undefined)" % (case.case_id, run.label()))
                out.append(num / den)
            res[col] = out
        return finish_normalize(case, run, res)

    # weights in reach
    w = {}
    for (i, j), d in pairs.items():
        x = weight_loop(run, d)
        if x > 0:
            if x < MIN_W:
                fail("%s %s: weight %g underflows" % (case.case_id, run.label(), x))
            w[(i, j)] = x
        elif run.limit() is None or d <= run.limit():
            fail("%s %s: zero weight in reach at d = %r" % (case.case_id, run.label(), d))
    by_i = {}
    by_j = {}
    for (i, j) in w:
        by_i.setdefault(i, []).append(j)
        by_j.setdefault(j, []).append(i)
    if run.method == "3sfca":
        tot = {i: math.fsum(w[(i, j)] for j in js) for i, js in by_i.items()}
        w = {(i, j): (x / tot[i]) * x for (i, j), x in w.items()}   # G_ij f_ij
    den = {j: math.fsum(P[i] * w[(i, j)] for i in is_) for j, is_ in by_j.items()}
    for j, v in den.items():
        if not v > 0:
            fail("%s %s: facility %s has only zero population in reach (0/0 undefined)"
                 % (case.case_id, run.label(), case.supply[j][0]))
    for col in run.supplies:
        S = case.S(col)
        R = {j: S[j] / den[j] for j in by_j}
        res[col] = [math.fsum(R[j] * w[(i, j)] for j in by_i.get(i, ())) for i in range(nd)]
    # the invariant
    if run.method in ("2sfca", "e2sfca", "gravity", "3sfca"):
        for col in run.supplies:
            S = case.S(col)
            lhs = math.fsum(P[i] * a for i, a in enumerate(res[col]))
            rhs = math.fsum(S[j] for j in by_j)
            if rel(lhs, rhs) > INV_TOL:
                fail("%s %s %s: invariant sum P A = %r, sum S in reach = %r" % (
                    case.case_id, run.label(), col, lhs, rhs))
            count("invariant sum P_i A_i = sum S_j (in reach) [%s]" % run.method)
    # edge cases present
    EDGES["facility without demand"] += ns - len(by_j)
    EDGES["demand without facility"] += nd - len(by_i)
    return finish_normalize(case, run, res)


def finish_normalize(case, run, res):
    if not run.normalize:
        return res
    P = case.P()
    out = {}
    for col, A in res.items():
        m = math.fsum(p * a for p, a in zip(P, A)) / math.fsum(P)
        if not m > 0:
            fail("%s %s %s: population-weighted mean score is 0" % (case.case_id, run.label(), col))
        out[col] = [a / m for a in A]
        lhs = math.fsum(p * a for p, a in zip(P, out[col]))
        if rel(lhs, math.fsum(P)) > INV_TOL:
            fail("%s %s %s: normalized sum P A = %r != sum P" % (case.case_id, run.label(), col, lhs))
        count("normalize: sum P_i A_i = sum P_i")
    return out


def compute_numpy(case, run, D):
    """{col: array A} -- the dense numpy implementation (cross-check)."""
    P = np.array(case.P())
    lim = run.limit()
    inreach = np.isfinite(D) if lim is None else (D <= lim)
    if run.method == "ratio":
        DD = dd_numpy(case)
        np.fill_diagonal(DD, 0.0)
        popin = (DD <= run.catchment).astype(float) @ P
        res = {}
        for col in run.supplies:
            S = np.array(case.S(col))
            num = inreach.astype(float) @ S
            res[col] = np.where(num == 0, 0.0, num / np.where(popin > 0, popin, 1.0))
        return norm_numpy(P, run, res)
    Dz = np.where(np.isfinite(D), D, 0.0)
    if run.method == "2sfca":
        W = inreach.astype(float)
    elif run.method == "e2sfca":
        W = np.zeros_like(D)
        lo = -np.inf
        for b, wr in zip(run.bands, run.weights3()):
            W[(D > lo) & (D <= b)] = wr
            lo = b
    else:
        dec = run.decay or "none"
        if dec == "none":
            f = np.ones_like(Dz)
        elif dec == "gaussian":
            f = np.exp(-(Dz ** 2) / (2 * run.decay_param ** 2))
        elif dec == "power":
            f = np.power(np.maximum(Dz, 1.0), -run.decay_param)
        else:
            f = np.exp(-run.decay_param * Dz)
        W = np.where(inreach, f, 0.0)
        if run.method == "3sfca":
            tot = W.sum(axis=1, keepdims=True)
            G = np.where(tot > 0, W / np.where(tot > 0, tot, 1.0), 0.0)
            W = G * W
    den = P @ W
    ok = den > 0
    res = {}
    for col in run.supplies:
        S = np.array(case.S(col))
        R = np.where(ok, S / np.where(ok, den, 1.0), 0.0)
        res[col] = W @ R
    return norm_numpy(P, run, res)


def norm_numpy(P, run, res):
    if run.normalize:
        for col in res:
            res[col] = res[col] / ((P @ res[col]) / P.sum())
    return res


def check_gaps(case, run, pairs):
    """no distance near a threshold (unless the case is exact)."""
    ts = run.thresholds()
    if not ts:
        return
    ds = list(pairs.values())
    if run.method == "ratio":
        DD = dd_numpy(case)
        iu = np.triu_indices(len(case.demand), 1)
        ds += list(DD[iu])
        for a in range(len(case.demand)):          # the loop version of the same distances
            for b in range(a + 1, len(case.demand)):
                ds.append(dist_loop(case, case.demand[a], case.demand[b]))
    for t in ts:
        for d in ds:
            if d == t and case.exact:
                EDGES["exact tie at a threshold"] += 1
                continue
            if abs(d - t) <= GAP * t:
                fail("%s %s: distance %r within %g of threshold %r" % (case.case_id, run.label(), d, GAP, t))
    count("pairs clear of every threshold", len(ds) * len(ts))


# ------------------------------------------------------------------------------------------
# the hand case: 3 facilities x 6 demand points, SRID 0, integer coordinates
# ------------------------------------------------------------------------------------------
#   facilities (id: x, y; beds, doctors)      demand (id: x, y; pop)
#     1: ( 0,  0); 10, 2                         1: ( 0,  0); 100   (on facility 1: d = 0)
#     2: (10,  0);  6, 0                         2: ( 3,  4); 200
#     3: (30, 30);  4, 1                         3: ( 5,  0); 300
#                                                4: (10,  3); 400
#                                                5: (13,  4);   0   (zero population)
#                                                6: (20, 20);  50
# distances d_ij (demand i, facility j):
#          F1         F2         F3
#   D1     0          10         sqrt(1800)
#   D2     5          sqrt(65)   sqrt(1405)
#   D3     5          5          sqrt(1525)
#   D4     sqrt(109)  3          sqrt(1129)
#   D5     sqrt(185)  5          sqrt(965)
#   D6     sqrt(800)  sqrt(500)  sqrt(200)
# with d0 = 5: F1 reaches D1, D2, D3 (D2, D3 exactly at 5: inclusive); F2 reaches D3, D4, D5
# (D3, D5 exactly at 5); F3 reaches nobody (no demand in reach: contributes nothing); D6 has
# nothing in reach (score 0).  Demand-demand distances within 5 (ratio): D1-D2 5, D1-D3 5,
# D2-D3 sqrt(20), D4-D5 sqrt(10); D3-D4 sqrt(34), D2-D4 sqrt(50), D3-D5 sqrt(80) are beyond.
HAND_SUPPLY = [(1, 0, 0, 10, "2"), (2, 10, 0, 6, "0"), (3, 30, 30, 4, "1")]
HAND_DEMAND = [(1, 0, 0, 100.0), (2, 3, 4, 200.0), (3, 5, 0, 300.0), (4, 10, 3, 400.0),
               (5, 13, 4, 0.0), (6, 20, 20, 50.0)]

# 2sfca, d0 = 5, beds:
#   R1 = 10 / (100 + 200 + 300) = 1/60;  R2 = 6 / (300 + 400 + 0) = 3/350;  R3 undefined.
#   A1 = A2 = 1/60;  A3 = 1/60 + 3/350 = (35 + 18)/2100 = 53/2100;  A4 = A5 = 3/350;  A6 = 0.
#   invariant: 100/60 + 200/60 + 300*53/2100 + 400*3/350 = 5/3 + 10/3 + 53/7 + 24/7 = 16 = 10 + 6.
# doctors: R1 = 2/600 = 1/300, R2 = 0/700 = 0: A1..A3 = 1/300, A4..A6 = 0 (sum P A = 2).
HAND_2SFCA = {"beds": [Fr(1, 60), Fr(1, 60), Fr(53, 2100), Fr(3, 350), Fr(3, 350), Fr(0)],
              "doctors": [Fr(1, 300)] * 3 + [Fr(0)] * 3}
# normalize (2sfca, d0 = 5): beds mean = sum P A / sum P = 16/1050 = 8/525, so A * 525/8:
#   1/60 * 525/8 = 35/32;  53/2100 * 525/8 = 53/32;  3/350 * 525/8 = 9/16;  0.
# doctors mean = 2/1050 = 1/525: 1/300 * 525 = 7/4, 0.
HAND_2SFCA_NORM = {"beds": [Fr(35, 32), Fr(35, 32), Fr(53, 32), Fr(9, 16), Fr(9, 16), Fr(0)],
                   "doctors": [Fr(7, 4)] * 3 + [Fr(0)] * 3}
# e2sfca, bands {3, 5}, weights {1, 0.5}: band 1 = [0, 3] (D1-F1 at 0, D4-F2 at exactly 3),
# band 2 = (3, 5] (the pairs at 5).
#   F1: 100*1 + 200*0.5 + 300*0.5 = 350 -> R1 = 10/350 = 1/35
#   F2: 300*0.5 + 400*1 + 0*0.5 = 550  -> R2 = 6/550 = 3/275
#   A1 = 1/35;  A2 = 0.5/35 = 1/70;  A3 = 1/70 + 0.5*3/275 = 1/70 + 3/550 = (55 + 21)/3850
#      = 76/3850 = 38/1925;  A4 = 3/275;  A5 = 3/550;  A6 = 0.
#   invariant: 100/35 + 200/70 + 300*38/1925 + 400*3/275 = 20/7 + 20/7 + 456/77 + 48/11
#              = (220 + 220 + 456 + 336)/77 = 1232/77 = 16.
HAND_E2_2 = {"beds": [Fr(1, 35), Fr(1, 70), Fr(38, 1925), Fr(3, 275), Fr(3, 550), Fr(0)]}
# e2sfca, bands {2, 4, 5}, default weights {1, 0.68, 0.22} = {1, 17/25, 11/50}: D1-F1 (0) in
# band 1, D4-F2 (3) in band 2, the pairs at 5 in band 3.
#   F1: 100*1 + 200*11/50 + 300*11/50 = 100 + 44 + 66 = 210 -> R1 = 10/210 = 1/21
#   F2: 300*11/50 + 400*17/25 + 0 = 66 + 272 = 338        -> R2 = 6/338 = 3/169
#   A1 = 1/21;  A2 = (11/50)/21 = 11/1050;  A3 = 11/1050 + (11/50)(3/169) = 11/1050 + 33/8450;
#   A4 = (17/25)(3/169) = 51/4225;  A5 = 33/8450;  A6 = 0.
#   doctors: R1 = 2/210 = 1/105, R2 = 0: A1 = 1/105, A2 = A3 = (11/50)/105 = 11/5250, others 0.
HAND_E2_3 = {"beds": [Fr(1, 21), Fr(11, 1050), Fr(11, 1050) + Fr(33, 8450), Fr(51, 4225), Fr(33, 8450), Fr(0)],
             "doctors": [Fr(1, 105), Fr(11, 5250), Fr(11, 5250), Fr(0), Fr(0), Fr(0)]}
# gravity, power beta = 1, d0 = 5: f = 1/max(d, 1): D1-F1 (0) 1, pairs at 5: 1/5, D4-F2 (3) 1/3.
#   F1: 100*1 + 200/5 + 300/5 = 200        -> R1 = 10/200 = 1/20
#   F2: 300/5 + 400/3 + 0 = 580/3          -> R2 = 18/580 = 9/290
#   A1 = 1/20;  A2 = 1/100;  A3 = 1/100 + 9/1450 = (29 + 18)/2900 = 47/2900;  A4 = 3/290;
#   A5 = 9/1450;  A6 = 0.   invariant: 5 + 2 + 300*47/2900 + 1200/290 = 7 + 141/29 + 120/29 = 16.
HAND_POW1 = {"beds": [Fr(1, 20), Fr(1, 100), Fr(47, 2900), Fr(3, 290), Fr(9, 1450), Fr(0)]}
# 3sfca, decay none, d0 = 5: f = 1 in reach, G_ij = 1/(number of facilities in reach of i):
#   D1, D2: {F1} G = 1;  D3: {F1, F2} G = 1/2 each;  D4, D5: {F2} G = 1;  D6: none.
#   F1: 100 + 200 + 300/2 = 450 -> R1 = 10/450 = 1/45;  F2: 300/2 + 400 + 0 = 550 -> R2 = 3/275
#   A1 = A2 = 1/45;  A3 = (1/2)(1/45) + (1/2)(3/275) = 1/90 + 3/550 = (55 + 27)/4950 = 82/4950
#      = 41/2475;  A4 = A5 = 3/275;  A6 = 0.   (sum P A = 300/45 + 300*41/2475 + 1200/275
#      = 20/3 + 164/33 + 48/11 = (220 + 164 + 144)/33 = 16: the invariant holds for 3sfca too.)
HAND_3SFCA = {"beds": [Fr(1, 45), Fr(1, 45), Fr(41, 2475), Fr(3, 275), Fr(3, 275), Fr(0)]}
# ratio, d0 = 5: A_i = (beds within 5 of i) / (population within 5 of i, i included)
#   D1: F1 = 10 / (D1 + D2 + D3 = 600) = 1/60;  D2: 10 / (D2 + D1 + D3 = 600) = 1/60;
#   D3: F1 + F2 = 16 / (D3 + D1 + D2 = 600) = 2/75;  D4: 6 / (D4 + D5 = 400) = 3/200;
#   D5: 6 / (D5 + D4 = 400) = 3/200;  D6: 0 / 50 = 0.
HAND_RATIO = {"beds": [Fr(1, 60), Fr(1, 60), Fr(2, 75), Fr(3, 200), Fr(3, 200), Fr(0)]}
# gravity, power beta = 2, no catchment: f = 1/max(d, 1)^2 = 1/d^2 (d^2 from the table), 1 for
# D1-F1; every facility reaches every demand unit.  With q_ij = 1/d_ij^2:
#   F1: 100*1 + 200/25 + 300/25 + 400/109 + 0/185 + 50/800
#   F2: 100/100 + 200/65 + 300/25 + 400/9 + 0/25 + 50/500
#   F3: 100/1800 + 200/1405 + 300/1525 + 400/1129 + 0/965 + 50/200
#   R_j = S_j / (that), A_i = sum_j R_j q_ij (exact fractions computed below from the table).
HAND_D2 = [[0, 100, 1800], [25, 65, 1405], [25, 25, 1525], [109, 9, 1129], [185, 25, 965],
           [800, 500, 200]]


def hand_pow2():
    P = [Fr(100), Fr(200), Fr(300), Fr(400), Fr(0), Fr(50)]
    q = [[Fr(1) if d2 == 0 else Fr(1, d2) for d2 in row] for row in HAND_D2]
    out = {}
    for col, S in (("beds", [10, 6, 4]), ("doctors", [2, 0, 1])):
        R = [Fr(S[j]) / sum(P[i] * q[i][j] for i in range(6)) for j in range(3)]
        out[col] = [sum(R[j] * q[i][j] for j in range(3)) for i in range(6)]
    return out


def hand_case():
    c = Case("hand", 0, "geom", "3 facilities x 6 demand points on integer coordinates, hand-checked",
             HAND_SUPPLY, HAND_DEMAND, exact=True)
    runs = [
        (Run("2sfca", 5.0, forms=("named", "positional", "reordered", "defaults")), HAND_2SFCA),
        (Run("2sfca", 5.0, normalize=True, forms=("named", "positional", "defaults")), HAND_2SFCA_NORM),
        (Run("2sfca", 5.0, supplies=("doctors",), forms=("named",)), None),
        (Run("e2sfca", bands=(3.0, 5.0), band_weights=(1.0, 0.5), supplies=("beds",),
             forms=("named", "positional", "defaults")), HAND_E2_2),
        (Run("e2sfca", bands=(2.0, 4.0, 5.0), forms=("named", "defaults")), HAND_E2_3),
        (Run("e2sfca", bands=(2.0, 4.0, 5.0), band_weights=DEFAULT_W3), HAND_E2_3),
        (Run("gravity", 5.0, "power", 1.0, supplies=("beds",), forms=("named", "positional", "defaults")),
         HAND_POW1),
        (Run("gravity", None, "power", 2.0, forms=("named", "defaults", "reordered")), hand_pow2()),
        (Run("gravity", 5.0, "none"), HAND_2SFCA),
        (Run("gravity", 5.0, "gaussian", 4.0), None),
        (Run("gravity", None, "gaussian", 10.0), None),
        (Run("gravity", 5.0, "exponential", 0.5), None),
        (Run("gravity", None, "exponential", 0.1, normalize=True), None),
        (Run("3sfca", 5.0, supplies=("beds",), forms=("named", "defaults")), HAND_3SFCA),
        (Run("3sfca", 5.0, "none", supplies=("beds",)), HAND_3SFCA),
        (Run("3sfca", 5.0, "gaussian", 4.0), None),
        (Run("ratio", 5.0, supplies=("beds",), forms=("named", "positional", "defaults")), HAND_RATIO),
        (Run("ratio", 5.0, normalize=True), None),
    ]
    for r, _ in runs:
        c.runs.append(r)
    return c, runs


# ------------------------------------------------------------------------------------------
# random cases
# ------------------------------------------------------------------------------------------
def doctors_str(rng, beds, zero_prob=0.1):
    if rng.random() < zero_prob:
        return "0"
    v = round(beds * rng.uniform(0.05, 0.4) + rng.uniform(0, 5), 2)
    return ("%.2f" % v).rstrip("0").rstrip(".")


def clustered_points(rng, n, centres, spread, box, frac_uniform):
    (x0, x1), (y0, y1) = box
    pts = []
    for _ in range(n):
        if rng.random() < frac_uniform:
            pts.append((rng.uniform(x0, x1), rng.uniform(y0, y1)))
        else:
            cx, cy = centres[rng.integers(len(centres))]
            pts.append((cx + rng.normal(0, spread), cy + rng.normal(0, spread)))
    return pts


def make_points(rng, n_s, n_d, box, n_centres, spread, frac_uniform, far, ndig, pop_scale, n_far_s,
                n_far_d, id0_s=1, id0_d=1, pop_decimals=1):
    (x0, x1), (y0, y1) = box
    centres = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(n_centres)]
    dp = clustered_points(rng, n_d - n_far_d, centres, spread, box, frac_uniform)
    sp = clustered_points(rng, n_s - n_far_s, centres, spread * 1.2, box, frac_uniform + 0.2)
    # isolated points: outside the box, far from everything (and from each other)
    for k in range(n_far_d):
        dp.append((x1 + far * (k + 1), y0 - far * (k + 1) * 0.5))
    for k in range(n_far_s):
        sp.append((x0 - far * (k + 1), y1 + far * (k + 1) * 0.7))
    rnd = lambda v: round(float(v), ndig)
    supply = []
    for k, (x, y) in enumerate(sp):
        beds = 0 if rng.random() < 0.08 else int(rng.integers(5, 800))
        supply.append((id0_s + k, rnd(x), rnd(y), beds, doctors_str(rng, beds)))
    demand = []
    for k, (x, y) in enumerate(dp):
        pop = 0.0 if rng.random() < 0.03 else round(float(rng.lognormal(math.log(pop_scale), 1.0)), pop_decimals)
        demand.append((id0_d + k, rnd(x), rnd(y), pop))
    return supply, demand


def standard_runs(d0, sigma, beta_pow, beta_exp, bands, weights, sigma_inf, beta_exp_inf, full=True):
    """the run plan of a random geometry case (distances in its unit)."""
    runs = [
        Run("2sfca", d0, forms=("named", "reordered")),
        Run("2sfca", d0, normalize=True, supplies=("beds",)),
        Run("e2sfca", bands=bands),                              # default weights
        Run("e2sfca", bands=bands, band_weights=weights, supplies=("doctors",)),
        Run("gravity", d0, "gaussian", sigma),
        Run("gravity", None, "gaussian", sigma_inf, supplies=("beds",)),
        Run("gravity", None, "power", beta_pow, supplies=("beds",)),
        Run("gravity", d0, "power", beta_pow, supplies=("doctors",)),
        Run("gravity", d0, "exponential", beta_exp, supplies=("beds",)),
        Run("gravity", None, "exponential", beta_exp_inf, supplies=("beds",), normalize=True),
        Run("3sfca", d0, supplies=("beds",)),
        Run("3sfca", d0, "gaussian", sigma, supplies=("beds",)),
        Run("ratio", d0, supplies=("beds",)),
    ]
    if not full:
        keep = {0, 2, 4, 6, 10, 12}
        runs = [r for k, r in enumerate(runs) if k in keep]
    return runs


def planar_utm_case():
    rng = np.random.default_rng(20250501)
    # UTM zone 50N (SRID 32650), metres: a 100 km x 100 km square near 30 N, 5 population
    # clusters; 2 facilities and 3 demand units 50+ km outside the square.
    box = ((400_000.0, 500_000.0), (3_300_000.0, 3_400_000.0))
    supply, demand = make_points(rng, 30, 300, box, 5, 8_000.0, 0.2, 50_000.0, 1, 2000.0, 2, 3)
    c = Case("planar_utm", 32650, "geom", "30 facilities x 300 demand, UTM 50N metres, clustered",
             supply, demand)
    c.runs = standard_runs(15_000.0, 6_000.0, 1.5, 1 / 4_000, (5_000.0, 10_000.0, 15_000.0),
                           (1.0, 0.6, 0.3, ), 40_000.0, 1 / 20_000)
    # a 4-band e2sfca with its own weights, and the form with all arguments positional
    c.runs[3].bands = (4_000.0, 8_000.0, 12_000.0, 15_000.0)
    c.runs[3].band_weights = (1.0, 0.8, 0.45, 0.1)
    c.runs[0].forms = ("named", "positional", "reordered")
    return c


def planar0_case():
    rng = np.random.default_rng(20250502)
    # SRID 0, kilometre-like units on a 50 x 50 square, 12 facilities x 80 demand
    box = ((0.0, 50.0), (0.0, 50.0))
    supply, demand = make_points(rng, 12, 80, box, 3, 5.0, 0.3, 20.0, 4, 500.0, 1, 2,
                                 id0_s=101, id0_d=1001)
    c = Case("planar0", 0, "geom", "12 facilities x 80 demand, SRID 0, planar units",
             supply, demand)
    c.runs = standard_runs(8.0, 3.0, 1.2, 0.3, (3.0, 6.0, 8.0), (1.0, 0.5, 0.2), 25.0, 0.05)
    return c


def lonlat_case():
    rng = np.random.default_rng(20250503)
    # SRID 4326 around 112-116 E, 28-31 N (degrees; distances haversine metres); big ids
    box = ((112.0, 116.0), (28.0, 31.0))
    supply, demand = make_points(rng, 20, 200, box, 4, 0.12, 0.25, 1.0, 6, 3000.0, 1, 2,
                                 id0_s=10_000_000_001, id0_d=20_000_000_001)
    c = Case("lonlat", 4326, "geom", "20 facilities x 200 demand, lon/lat (4326), haversine",
             supply, demand, geographic=True)
    c.runs = standard_runs(40_000.0, 15_000.0, 1.5, 1 / 10_000, (15_000.0, 30_000.0, 40_000.0),
                           (1.0, 0.6, 0.25), 120_000.0, 1 / 50_000, full=True)
    return c


def dateline_case():
    rng = np.random.default_rng(20250504)
    # SRID 4326 straddling the antimeridian (lon 179.6 .. 180 and -180 .. -179.6, lat 64 .. 66):
    # a planar distance in degrees would be nonsense; plus 3 demand units and a facility near the
    # north pole (lat 89.9x, longitudes far apart, a few km from each other).
    supply, demand = [], []
    for k in range(8):
        lon = rng.uniform(179.6, 180.4)
        lon = lon - 360 if lon > 180 else lon
        beds = int(rng.integers(5, 300))
        supply.append((1 + k, round(lon, 6), round(rng.uniform(64.0, 66.0), 6), beds, doctors_str(rng, beds)))
    for k in range(40):
        lon = rng.uniform(179.5, 180.5)
        lon = lon - 360 if lon > 180 else lon
        demand.append((1 + k, round(lon, 6), round(rng.uniform(63.9, 66.1), 6),
                       round(float(rng.lognormal(math.log(800), 0.8)), 1)))
    supply.append((9, 0.0, 89.95, 20, "3.5"))
    for k, lon in enumerate((90.0, -120.0, 170.0)):
        demand.append((41 + k, lon, 89.93 + 0.01 * k, 150.0 + 10 * k))
    c = Case("dateline", 4326, "geom", "8+1 facilities x 43 demand across the antimeridian and at the pole",
             supply, demand, geographic=True)
    c.runs = [Run("2sfca", 30_000.0, forms=("named", "positional")),
              Run("e2sfca", bands=(10_000.0, 20_000.0, 30_000.0)),
              Run("gravity", 30_000.0, "gaussian", 12_000.0),
              Run("gravity", None, "power", 1.0, supplies=("beds",)),
              Run("3sfca", 30_000.0, "gaussian", 12_000.0, supplies=("beds",)),
              Run("ratio", 30_000.0, supplies=("beds",))]
    return c


def nad83_case():
    rng = np.random.default_rng(20250505)
    # SRID 4269 (NAD83, +proj=longlat): geographic too, although not 4326
    box = ((-90.5, -89.5), (39.6, 40.4))
    supply, demand = make_points(rng, 6, 30, box, 2, 0.06, 0.3, 0.5, 6, 1500.0, 0, 1)
    c = Case("nad83", 4269, "geom", "6 facilities x 30 demand, lon/lat NAD83 (4269)", supply, demand,
             geographic=True)
    c.runs = [Run("2sfca", 25_000.0), Run("gravity", None, "gaussian", 30_000.0, supplies=("beds",)),
              Run("ratio", 25_000.0, supplies=("doctors",))]
    return c


def equivalent_cost_case(geo, case_id, forms_first=("named", "with_geom", "positional")):
    """the cost table of a geometry case: every pair, the numpy distance (written with repr()),
    and one cost run per geometry run (ratio excluded: an error in cost mode)."""
    D = dist_numpy(geo)
    cost = []
    for i, d in enumerate(geo.demand):
        for j, s in enumerate(geo.supply):
            cost.append((d[0], s[0], float(D[i, j])))
    c = Case(case_id, geo.srid, "cost", "cost table = the distances of case %s" % geo.case_id,
             geo.supply, geo.demand, cost=cost, points_case=geo.case_id, geographic=geo.geographic,
             exact=geo.exact)
    first = True
    for r in geo.runs:
        if r.method == "ratio":
            continue
        cr = Run(r.method, r.catchment, r.decay, r.decay_param, r.bands, r.band_weights, r.normalize,
                 r.supplies, forms_first if first else ("named",), expected_run=r)
        first = False
        c.runs.append(cr)
    return c


def travel_case():
    rng = np.random.default_rng(20250506)
    # pure cost mode: travel minutes, no geometry.  12 facilities x 100 demand units; about 55 %
    # of the pairs have a row; costs lognormal (median 25 min), one cost 0, asymmetric by
    # construction; demand units 99, 100 and facility 12 have no row at all.
    supply = []
    for k in range(12):
        beds = 0 if k == 4 else int(rng.integers(10, 600))
        supply.append((1 + k, None, None, beds, doctors_str(rng, beds, 0.0)))
    demand = [(1 + k, None, None, round(float(rng.lognormal(math.log(1500), 1.0)), 1)) for k in range(100)]
    demand[7] = (8, None, None, 0.0)
    cost = []
    for i in range(98):
        for j in range(11):
            if rng.random() < 0.55:
                cost.append((i + 1, j + 1, round(float(rng.lognormal(math.log(25), 0.6)), 3)))
    cost.sort(key=lambda t: (t[1], t[0]))
    cost[0] = (cost[0][0], cost[0][1], 0.0)
    c = Case("travel", 0, "cost", "cost mode only: travel minutes, 12 facilities x 100 demand, sparse",
             supply, demand, cost=cost)
    c.runs = [Run("2sfca", 30.0, forms=("named", "positional", "defaults")),
              Run("2sfca", 30.0, normalize=True),
              Run("e2sfca", bands=(10.0, 20.0, 30.0)),
              Run("e2sfca", bands=(15.0, 45.0), band_weights=(1.0, 0.4), supplies=("beds",)),
              Run("gravity", 40.0, "gaussian", 15.0),
              Run("gravity", None, "power", 1.8, supplies=("beds",)),
              Run("gravity", None, "exponential", 0.05, supplies=("doctors",)),
              Run("3sfca", 30.0, supplies=("beds",)),
              Run("3sfca", 30.0, "exponential", 0.05, supplies=("beds",))]
    return c


# ------------------------------------------------------------------------------------------
# generate
# ------------------------------------------------------------------------------------------
def to_fr_check(case, run, res, hand, what):
    for col, vals in hand.items():
        if col not in res:
            continue
        for i, (a, b) in enumerate(zip(res[col], vals)):
            bf = float(b)
            if (bf == 0 and a != 0) or (bf != 0 and rel(float(a), bf) > HAND_TOL):
                fail("%s %s %s demand %d: %s %r, by hand %s = %r" % (
                    case.case_id, run.label(), col, i + 1, what, float(a), b, bf))
            count("hand fractions (%s)" % what)


def generate(outdir, verbose):
    hand, hand_runs = hand_case()
    planar_utm = planar_utm_case()
    planar0 = planar0_case()
    lonlat = lonlat_case()
    dateline = dateline_case()
    nad83 = nad83_case()
    cases = [hand, planar0, planar_utm, lonlat, dateline, nad83]
    cases += [equivalent_cost_case(hand, "cost_hand", ("named", "with_geom", "positional", "defaults")),
              equivalent_cost_case(planar0, "cost_planar0"), travel_case()]
    hand_exp = {id(r): h for r, h in hand_runs if h is not None}

    run_id = 0
    for c in cases:
        ids_s = [s[0] for s in c.supply]
        ids_d = [d[0] for d in c.demand]
        assert len(set(ids_s)) == len(ids_s) and len(set(ids_d)) == len(ids_d)
        EDGES["zero population"] += sum(1 for d in c.demand if d[3] == 0)
        EDGES["zero supply"] += sum(1 for s in c.supply if s[3] == 0) + sum(1 for s in c.supply if float(s[4]) == 0)
        pairs = pairs_loop(c)
        D = dist_numpy(c)
        # the two distance computations agree
        for (i, j), d in pairs.items():
            if rel(d, float(D[i, j])) > 1e-13:
                fail("%s: distance loop %r vs numpy %r" % (c.case_id, d, D[i, j]))
        count("distances loop = numpy (1e-13)", len(pairs))
        for r in c.runs:
            run_id += 1
            r.run_id = run_id
            check_gaps(c, r, pairs)
            res = compute_loop(c, r, pairs)
            npres = compute_numpy(c, r, D)
            for col in r.supplies:
                for i, (a, b) in enumerate(zip(res[col], npres[col])):
                    if (a == 0) != (b == 0) or rel(a, float(b)) > CROSS:
                        fail("%s %s %s demand %s: loop %r, numpy %r" % (c.case_id, r.label(), col,
                                                                          c.demand[i][0], a, b))
                count("loop = numpy (1e-12)", len(res[col]))
            if id(r) in hand_exp:
                to_fr_check(c, r, res, hand_exp[id(r)], "loop")
                to_fr_check(c, r, npres, hand_exp[id(r)], "numpy")
            if r.expected_run is not None:
                g = r.expected_run.result
                for col in r.supplies:
                    for i, (a, b) in enumerate(zip(res[col], g[col])):
                        if (a == 0) != (b == 0) or rel(a, b) > 1e-13:
                            fail("%s %s %s: cost mode %r vs geometry %r" % (c.case_id, r.label(), col, a, b))
                    count("cost rows = geometry (1e-13)", len(res[col]))
            r.result = res
    # gravity 'none' with a catchment = 2sfca on every geometry case (an internal check; the
    # hand case also has it as a run of its own)
    for c in cases:
        if c.mode != "geom":
            continue
        d0 = next((r.catchment for r in c.runs if r.method == "2sfca"), None)
        if d0 is None:
            continue
        pairs = pairs_loop(c)
        a = compute_loop(c, Run("2sfca", d0), pairs)
        b = compute_loop(c, Run("gravity", d0, "none"), pairs)
        for col in a:
            if any(rel(x, y) > 1e-15 for x, y in zip(a[col], b[col])):
                fail("%s: gravity none != 2sfca" % c.case_id)
        count("gravity none = 2sfca")
    for k, v in EDGES.items():
        if v == 0:
            fail("no case has: %s" % k)

    os.makedirs(outdir, exist_ok=True)

    def write(name, header, rows):
        with open(os.path.join(outdir, FILES[name]), "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    def opt(v):
        return "" if v is None else fmt(v)

    def arr(v):
        return "" if v is None else "{" + ",".join(fmt(x) for x in v) + "}"

    write("cases", ("case_id", "srid", "mode", "points_case", "description"),
          [(c.case_id, c.srid, c.mode, c.points_case, c.descr) for c in cases])
    write("supply", ("case_id", "id", "x", "y", "beds", "doctors"),
          [(c.case_id, s[0], opt(s[1]), opt(s[2]), s[3], s[4])
           for c in cases if c.points_case == c.case_id for s in c.supply])
    write("demand", ("case_id", "id", "x", "y", "pop"),
          [(c.case_id, d[0], opt(d[1]), opt(d[2]), fmt(d[3]))
           for c in cases if c.points_case == c.case_id for d in c.demand])
    write("cost", ("case_id", "demand_id", "supply_id", "cost"),
          [(c.case_id, a, b, fmt(x)) for c in cases if c.cost for a, b, x in c.cost])
    write("runs", ("run_id", "case_id", "method", "catchment", "decay", "decay_param", "bands",
                   "band_weights", "normalize", "supplies", "forms", "expected_run"),
          [(r.run_id, c.case_id, r.method, opt(r.catchment), r.decay or "", opt(r.decay_param),
            arr(r.bands), arr(r.band_weights), "true" if r.normalize else "false",
            " ".join(r.supplies), " ".join(r.forms),
            r.expected_run.run_id if r.expected_run is not None else r.run_id)
           for c in cases for r in c.runs])
    rows = []
    for c in cases:
        for r in c.runs:
            if r.expected_run is not None:
                continue
            for col in r.supplies:
                for d, a in zip(c.demand, r.result[col]):
                    rows.append((r.run_id, col, d[0], fmt(a)))
    write("expected", ("run_id", "supply", "id", "score"), rows)
    total = sum(os.path.getsize(os.path.join(outdir, f)) for f in FILES.values())
    if total > MAX_BYTES:
        fail("the CSV files take %d bytes (> %d)" % (total, MAX_BYTES))
    if verbose:
        print("cases: " + ", ".join("%s (%d x %d, %d runs)" % (c.case_id, len(c.supply), len(c.demand), len(c.runs))
                                    for c in cases))
        print("runs %d, expected rows %d, files %d bytes" % (run_id, len(rows), total))
        print("edge cases present: " + ", ".join("%s %d" % kv for kv in EDGES.items()))
        print("cross-checks passed: " + ", ".join("%s %d" % kv for kv in sorted(CHECKS.items())))
        print("(%.1f s)" % (time.time() - T0))


if __name__ == "__main__":
    oracle_lib.main("oracle_accessibility", OUTDIR, FILES.values(), generate, T0)
