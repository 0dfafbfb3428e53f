#!/usr/bin/python3
"""medres benchmark of Dagum's Gini decomposition (medres.dagum_decomposition).

Run through bench/run_dagum.sh, which starts a throwaway PostgreSQL cluster with
pg_virtualenv and calls this script inside it (PGHOST/PGPORT/PGUSER/PGPASSWORD are set
by pg_virtualenv); any server with medres installed will do (set the libpq variables).
Like bench/bench.py it talks to the server only through psql and times each query by the
Execution Time of EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON), median over fresh sessions.

Two comparisons, side by side in one run (issue 13's speed targets):
  * big:   dagum_decomposition over --rows rows (default 10,000,000) and 31 groups
           against medres.gini over the same rows: at most 3x;
  * small: dagum_decomposition over --small-rows rows (default 100,000) and 3 groups
           against the O(n^2) pairwise formula in numpy on the exported rows (the way
           the Stata/MATLAB/R scripts compute it): at least 100x faster.  The numpy time
           counts the computation only, not the export.

    /usr/bin/python3 bench/dagum.py [--rows N] [--small-rows N] [--runs 3] [--json FILE]
"""
import argparse
import datetime
import json
import sys
import time

import numpy as np

import common
from common import (SERIAL, log, loadavg, machine_info, pg_settings, provenance, psql,
                    psql_value, rel_diff, run_rounds, time_session)

RUNS = 3
SEED = 0.4242
BIG_GROUPS = 31
SMALL_GROUPS = 3


def create_tables(rows, small_rows):
    """b(x, w, grp): rows rows, x lognormal times a group level, w uniform in (0, 1],
    grp one of 31; s the same with 3 groups and small_rows rows."""
    t0 = time.time()
    psql(f"""
SELECT setseed({SEED});
CREATE TABLE b AS
SELECT x * (1 + 0.02 * (i % {BIG_GROUPS})) AS x, 1 - random() AS w, 'g' || (i % {BIG_GROUPS}) AS grp
FROM (SELECT i, exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x
      FROM generate_series(1, {rows}) AS i) s;
CREATE TABLE s AS
SELECT x * (1 + 0.3 * (i % {SMALL_GROUPS})) AS x, 1 - random() AS w,
       (ARRAY['east', 'middle', 'west'])[1 + i % {SMALL_GROUPS}] AS grp
FROM (SELECT i, exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x
      FROM generate_series(1, {small_rows}) AS i) s;
VACUUM ANALYZE b;
VACUUM ANALYZE s;
""")
    return time.time() - t0


def numpy_dagum(x, w, g):
    """Dagum's decomposition by the O(n^2) pairwise definitions, in numpy blocks:
    P[j][h] = sum over pairs (i in j, r in h) of w_i w_r max(x_i - x_r, 0).
    Returns (G, G_w, G_nb, G_t)."""
    groups = sorted(set(g.tolist()))
    xs = {k: x[g == k] for k in groups}
    ws = {k: w[g == k] for k in groups}
    P = {}
    B = 512
    for j in groups:
        for h in groups:
            tot = 0.0
            for c in range(0, len(xs[j]), B):
                d = xs[j][c:c + B, None] - xs[h][None, :]
                np.maximum(d, 0.0, out=d)
                tot += float(ws[j][c:c + B] @ (d @ ws[h]))
            P[j, h] = tot
    W = {k: ws[k].sum() for k in groups}
    mu = {k: (ws[k] * xs[k]).sum() / W[k] for k in groups}
    Wt = sum(W.values())
    m = sum(W[k] * mu[k] for k in groups) / Wt
    G = sum(P.values()) / (Wt * Wt * m)
    p = {k: W[k] / Wt for k in groups}
    s = {k: W[k] * mu[k] / (Wt * m) for k in groups}
    Gw = sum((P[k, k] / (W[k] * W[k] * mu[k])) * p[k] * s[k] for k in groups)
    order = sorted(groups, key=lambda k: mu[k])
    Gnb = Gt = 0.0
    for a, h in enumerate(order):
        for j in order[a + 1:]:
            Gjh = (P[j, h] + P[h, j]) / (W[j] * W[h] * (mu[j] + mu[h]))
            D = (P[j, h] - P[h, j]) / (P[j, h] + P[h, j])
            f = p[j] * s[h] + p[h] * s[j]
            Gnb += Gjh * f * D
            Gt += Gjh * f * (1 - D)
    return G, Gw, Gnb, Gt


def run_numpy(runs):
    """Export s with psql, then time the numpy O(n^2) decomposition (median of runs).
    Each block of 512 rows is one matrix of differences against a group's rows, clipped
    at 0 in place and reduced by two matrix-vector products (BLAS): the fastest numpy
    form of the pairwise sums we found."""
    t0 = time.time()
    out = psql("COPY s (x, w, grp) TO STDOUT WITH (FORMAT csv);\n")
    export_s = time.time() - t0
    rows = [l.split(",") for l in out.splitlines()]
    x = np.array([float(r[0]) for r in rows])
    w = np.array([float(r[1]) for r in rows])
    g = np.array([r[2] for r in rows])
    times, val = [], None
    for k in range(runs):
        t0 = time.time()
        val = numpy_dagum(x, w, g)
        times.append((time.time() - t0) * 1000)
        log("  round %d %-32s %9.1f ms" % (k + 1, "numpy O(n^2) formula", times[-1]))
    return {"ms": float(np.median(times)), "ms_runs": times, "export_s": export_s, "value": val}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--small-rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("--numpy-runs", type=int, default=1,
                    help="timed runs of the numpy formula (a few minutes each at 100,000 rows)")
    ap.add_argument("--json")
    args = ap.parse_args()
    runs = max(1, args.runs)
    res = {"rows": args.rows, "small_rows": args.small_rows, "runs": runs,
           "date": datetime.datetime.now().isoformat(timespec="seconds"),
           "machine": machine_info(), "provenance": provenance(), "loadavg_start": loadavg()}
    res["server"] = psql_value("SELECT version()")
    res["settings"] = pg_settings(["shared_buffers", "work_mem", "jit",
                                   "max_parallel_workers_per_gather", "medres.threads"])
    log("== medres Dagum benchmark: %d rows x %d groups, %d rows x %d groups, %s"
        % (args.rows, BIG_GROUPS, args.small_rows, SMALL_GROUPS, res["server"].split(" on ")[0]))
    prewarm = common.setup_extension(required=("dagum_decomposition", "gini"), retry=True)
    log("creating tables b and s ...")
    res["create_s"] = create_tables(args.rows, args.small_rows)
    common.warm(["b", "s"], prewarm)

    q = {
        "gini": ("medres.gini, big", "SELECT medres.gini(x, w) FROM b"),
        "dagum": ("medres.dagum_decomposition, big",
                  "SELECT (d).total || ' ' || (d).within || ' ' || (d).net_between || ' ' || "
                  "(d).transvariation FROM (SELECT medres.dagum_decomposition(x, w, grp) AS d FROM b) q"),
        "dagum_small": ("medres.dagum_decomposition, small",
                        "SELECT (d).total || ' ' || (d).within || ' ' || (d).net_between || ' ' || "
                        "(d).transvariation FROM (SELECT medres.dagum_decomposition(x, w, grp) AS d FROM s) q"),
    }
    log("timing %d queries x %d rounds ..." % (len(q), runs))
    per, notes = run_rounds(q, runs, lambda sql: time_session(sql, settings=SERIAL, client=False),
                            retry=True)
    T = {}
    for k, rs in per.items():
        if rs:
            T[k] = {"label": q[k][0], "ms": float(np.median([r["exec_ms"] for r in rs])),
                    "ms_runs": [r["exec_ms"] for r in rs], "value": rs[-1]["value"]}
    log("numpy O(n^2) on %d rows (exported with COPY) ..." % args.small_rows)
    T["numpy"] = dict(run_numpy(max(1, args.numpy_runs)), label="numpy O(n^2) formula, small")
    res["timings"], res["notes"] = T, notes

    checks = []

    def ratio(name, num, den, op, target):
        if num is None or den is None:
            checks.append(dict(name=name, value=None, op=op, target=target, result="SKIP"))
            return
        r = num / den
        ok = r >= target if op == ">=" else r <= target
        checks.append(dict(name=name, value=r, op=op, target=target, result="PASS" if ok else "FAIL"))

    ms = lambda k: T[k]["ms"] if k in T else None
    ratio("dagum_decomposition / gini, %s rows, %d groups" % (f"{args.rows:,}", BIG_GROUPS),
          ms("dagum"), ms("gini"), "<=", 3)
    ratio("numpy O(n^2) / dagum_decomposition, %s rows, %d groups" % (f"{args.small_rows:,}", SMALL_GROUPS),
          ms("numpy"), ms("dagum_small"), ">=", 100)
    res["checks"] = checks

    agree = []

    def cmp(name, a, b, tol):
        d = rel_diff(a, b) if a is not None and b is not None else None
        agree.append(dict(name=name, rel_diff=d, result="SKIP" if d is None else
                          ("PASS" if d <= tol else "FAIL")))

    if "dagum" in T and "gini" in T:
        G, Gw, Gnb, Gt = map(float, T["dagum"]["value"].split())
        cmp("big: total vs medres.gini", G, float(T["gini"]["value"]), 1e-12)
        cmp("big: within + net_between + transvariation vs medres.gini", Gw + Gnb + Gt,
            float(T["gini"]["value"]), 1e-12)
    if "dagum_small" in T:
        got = list(map(float, T["dagum_small"]["value"].split()))
        for name, a, b in zip(("total", "within", "net_between", "transvariation"), got, T["numpy"]["value"]):
            cmp("small: %s vs numpy" % name, a, b, 1e-9)
    res["agreement"] = agree
    res["loadavg_end"] = loadavg()
    report(res)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2, default=float)
    return 0


def report(res):
    T = res["timings"]
    print()
    print("medres Dagum benchmark — %s rows x %d groups and %s rows x %d groups, %s, %d CPUs, "
          "%s GiB RAM, %s" % (f"{res['rows']:,}", BIG_GROUPS, f"{res['small_rows']:,}", SMALL_GROUPS,
                              res["server"].split(" on ")[0], res["machine"]["cpus"],
                              res["machine"]["mem_gib"], res["date"]))
    print("settings: " + ", ".join("%s=%s" % kv for kv in sorted(res["settings"].items())))
    pv = res["provenance"]
    print("medres: git %s, %s built %s" % (pv.get("git", "?"), pv.get("medres_so", "?"),
                                          pv.get("medres_so_mtime", "?")))
    print("tables created in %.1f s; load average at start %s, at end %s"
          % (res["create_s"], res["loadavg_start"], res["loadavg_end"]))
    print()
    print("%-38s %12s  %s" % ("query", "exec ms", "runs"))
    print("-" * 80)
    for k, t in T.items():
        print("%-38s %12.1f  %s" % (t["label"], t["ms"], ", ".join("%.0f" % x for x in t["ms_runs"])))
    print("exec ms = median over %d runs: fresh sessions' EXPLAIN (ANALYZE, TIMING OFF) Execution"
          % res["runs"])
    print("  Time after a warm-up run; numpy: the computation only, median of %d (export %.1f s"
          " not counted)." % (len(T["numpy"]["ms_runs"]), T["numpy"]["export_s"]))
    print()
    print("%-62s %10s %10s  %s" % ("ratio", "measured", "target", "result"))
    print("-" * 92)
    for c in res["checks"]:
        v = "-" if c["value"] is None else "%.2f" % c["value"]
        print("%-62s %10s %10s  %s" % (c["name"], v, "%s %g" % (c["op"], c["target"]), c["result"]))
    print()
    print("%-62s %10s  %s" % ("agreement", "rel diff", "result"))
    print("-" * 80)
    for a in res["agreement"]:
        v = "-" if a["rel_diff"] is None else "%.2g" % a["rel_diff"]
        print("%-62s %10s  %s" % (a["name"], v, a["result"]))
    for n in res["notes"]:
        print("NOTE: " + n)


if __name__ == "__main__":
    sys.exit(main())
