#!/usr/bin/python3
"""Independent test oracle for medres.class_breaks (quantile, equal interval, Jenks).

Run from the repository root with the Debian interpreter:

    /usr/bin/python3 test/oracle_jenks.py            # (re)write the two CSV files
    /usr/bin/python3 test/oracle_jenks.py --check    # regenerate into a scratch folder, exit 1
                                                     # if that differs from the committed files

It writes

    test/oracle/jenks_cases.csv     case_id,i,value
    test/oracle/jenks_expected.csv  case_id,method,k,breaks   (breaks a PostgreSQL float8[])

which test/oracle_jenks.sql loads and compares with medres.class_breaks(value, k, method).

Definitions (doc/maps.md; plain Python, no medres code consulted):
  * breaks are k' + 1 ascending numbers: the minimum, then each class's largest value (its
    upper bound, inclusive);
  * equal: min + i (max - min) / k for i = 0..k (one class [min, max] if max = min);
  * quantile: b_i = the order statistic of rank ceil(i n / k) (1-based), b_0 = min; a break
    equal to the one before it is dropped, except b_1 = b_0;
  * jenks: the partition of the sorted values into k' = min(k, distinct values) contiguous
    classes, tied values never split, that minimises the sum of squared deviations from the
    class means.  Computed two ways that must agree:
      - the textbook dynamic programme of Jenks (1977) / Fisher (1958), O(k m^2) over the m
        distinct values with their counts: for each class count j and each end i every
        possible start of the last class, with the class's sums accumulated backwards as in
        Jenks's FORTRAN;
      - brute force (every choice of k' - 1 cuts among the m - 1 gaps, each class's squared
        deviations computed two-pass from its values) for the cases with m <= 14;
    a case whose optimum is not unique (another partition within 1e-9 of the best sum, which
    brute force reveals) is left out and listed.
Cases: uniform, normal and lognormal samples (no ties) of n = 2..1000, integer samples with
many ties, a constant sample, and the 31 provinces' beds per 1000 people
(data/province_resources_2020.csv), each for k = 1..7 (k = 1..4 for n = 1000).
"""
import csv
import itertools
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_lib  # noqa: E402

T0 = time.time()
OUTDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oracle")
CASES_FILE = "jenks_cases.csv"
EXPECTED_FILE = "jenks_expected.csv"
EXCLUDED = []


def sse_two_pass(vals):
    mean = math.fsum(vals) / len(vals)
    return math.fsum((v - mean) ** 2 for v in vals)


def distinct(xs):
    """sorted distinct values and their counts"""
    vals, counts = [], []
    for x in sorted(xs):
        if vals and vals[-1] == x:
            counts[-1] += 1
        else:
            vals.append(x)
            counts.append(1)
    return vals, counts


def jenks_textbook(xs, k):
    """Jenks (1977) / Fisher (1958): O(k m^2) over distinct values with counts."""
    vals, counts = distinct(xs)
    m = len(vals)
    kk = min(k, m)
    INF = float("inf")
    # cost[j][i]: least SDCM of the first i distinct values in j classes; last[j][i]: start of
    # the last class
    cost = [[INF] * (m + 1) for _ in range(kk + 1)]
    last = [[0] * (m + 1) for _ in range(kk + 1)]
    cost[0][0] = 0.0
    shift = vals[m // 2]        # centre the sums for their digits
    for i in range(1, m + 1):
        s1 = s2 = w = 0.0
        # the last class runs from distinct value l - 1 to i - 1, grown backwards
        for l in range(i, 0, -1):
            c = counts[l - 1]
            v = vals[l - 1] - shift
            s1 += c * v
            s2 += c * v * v
            w += c
            var = max(s2 - s1 * s1 / w, 0.0)
            for j in range(1, kk + 1):
                if cost[j - 1][l - 1] < INF:
                    t = cost[j - 1][l - 1] + var
                    if t < cost[j][i]:
                        cost[j][i] = t
                        last[j][i] = l - 1
    brk = [vals[0]]
    ends = []
    i = m
    for j in range(kk, 0, -1):
        ends.append(i)
        i = last[j][i]
    for e in reversed(ends):
        brk.append(vals[e - 1])
    return brk, cost[kk][m]


def jenks_brute(xs, k):
    """every partition of the distinct values into k' contiguous classes; returns the best
    breaks and whether the optimum is unique (no other within 1e-9 relative)"""
    vals, counts = distinct(xs)
    m = len(vals)
    kk = min(k, m)
    expanded = [[v] * c for v, c in zip(vals, counts)]
    scored = []
    for cuts in itertools.combinations(range(1, m), kk - 1):
        bounds = (0,) + cuts + (m,)
        total = 0.0
        for a, b in zip(bounds, bounds[1:]):
            total += sse_two_pass([x for part in expanded[a:b] for x in part])
        scored.append((total, bounds))
    scored.sort()
    best, bounds = scored[0]
    unique = len(scored) == 1 or scored[1][0] - best > 1e-9 * max(best, 1e-300)
    return [vals[0]] + [vals[b - 1] for b in bounds[1:]], unique


def local_check(xs, brk, cid, k):
    vals, counts = distinct(xs)
    expanded = [[v] * c for v, c in zip(vals, counts)]
    cuts = [vals.index(b) + 1 for b in brk[1:]]
    bounds = [0] + cuts

    def total(bd):
        return sum(sse_two_pass([x for part in expanded[a:b] for x in part])
                   for a, b in zip(bd, bd[1:]))
    best = total(bounds)
    for j in range(1, len(bounds) - 1):
        for d in (-1, 1):
            bd = list(bounds)
            bd[j] += d
            if bd[j - 1] < bd[j] < bd[j + 1] and total(bd) < best - 1e-9 * best:
                oracle_lib.fail("%s k=%d: moving cut %d by %d improves the textbook optimum"
                                % (cid, k, j, d))


def equal_breaks(xs, k):
    lo, hi = min(xs), max(xs)
    if lo == hi:
        return [lo, hi]
    return [lo] + [lo + i * (hi - lo) / k for i in range(1, k)] + [hi]


def quantile_breaks(xs, k):
    s = sorted(xs)
    n = len(s)
    if s[0] == s[-1]:
        return [s[0], s[-1]]
    out = [s[0]]
    for i in range(1, k + 1):
        r = -(-i * n // k)      # ceil(i n / k)
        b = s[r - 1]
        if len(out) == 1 or b > out[-1]:
            out.append(b)
    return out


def pg_array(xs):
    return "{" + ",".join(oracle_lib.fmt(x) for x in xs) + "}"


def cases():
    rnd = random.Random(20261205)
    out = []
    for n in (2, 3, 5, 8, 10, 12, 14):
        out.append(("unif%d" % n, [rnd.uniform(0, 100) for _ in range(n)]))
    for n in (30, 57, 200):
        out.append(("norm%d" % n, [rnd.gauss(50, 12) for _ in range(n)]))
        out.append(("lnorm%d" % n, [math.exp(rnd.gauss(0, 1.5)) for _ in range(n)]))
    out.append(("unif1000", [rnd.uniform(-1e6, 1e6) for _ in range(1000)]))
    for n, hi in ((10, 3), (20, 6), (40, 9), (100, 12)):
        out.append(("ties%d_%d" % (n, hi), [float(rnd.randint(0, hi)) for _ in range(n)]))
    out.append(("const5", [7.5] * 5))
    path = os.path.join(os.path.dirname(OUTDIR), "..", "data", "province_resources_2020.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out.append(("provinces_beds", [10 * float(r["beds_10k"]) / float(r["population_million"])
                                   for r in rows]))
    return out


def generate(outdir, verbose):
    all_cases = cases()
    exp = []
    for cid, xs in all_cases:
        vals, _counts = distinct(xs)
        kmax = 4 if len(xs) >= 1000 else 7
        for k in range(1, kmax + 1):
            exp.append((cid, "equal", k, equal_breaks(xs, k)))
            exp.append((cid, "quantile", k, quantile_breaks(xs, k)))
            brk, sdcm = jenks_textbook(xs, k)
            if len(vals) <= 14:
                bb, unique = jenks_brute(xs, k)
                if not unique:
                    EXCLUDED.append((cid, k, "optimum not unique"))
                    continue
                if bb != brk:
                    oracle_lib.fail("%s k=%d: textbook %r, brute force %r" % (cid, k, brk, bb))
                oracle_lib.count("jenks textbook = brute force")
            else:
                # no partition one cut away is better (a necessary condition, two-pass sums)
                local_check(xs, brk, cid, k)
                oracle_lib.count("jenks textbook locally optimal")
            exp.append((cid, "jenks", k, brk))
    with open(os.path.join(outdir, CASES_FILE), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "i", "value"])
        for cid, xs in all_cases:
            for i, x in enumerate(xs):
                w.writerow([cid, i, oracle_lib.fmt(x)])
    with open(os.path.join(outdir, EXPECTED_FILE), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "method", "k", "breaks"])
        for cid, method, k, brk in exp:
            w.writerow([cid, method, k, pg_array(brk)])
    if verbose:
        print("%d cases, %d expected break sets" % (len(all_cases), len(exp)))
        for e in EXCLUDED:
            print("excluded: %s k=%d (%s)" % e)
        print("cross-checks passed: " + ", ".join("%s %d" % kv
                                                   for kv in sorted(oracle_lib.CHECKS.items())))
        print("runtime %.1f s" % (time.time() - T0))


if __name__ == "__main__":
    oracle_lib.main("oracle_jenks", OUTDIR, (CASES_FILE, EXPECTED_FILE), generate, T0)
