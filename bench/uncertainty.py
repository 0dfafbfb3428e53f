#!/usr/bin/python3
"""medres benchmark of the bootstrap intervals (medres.inequality_ci, doc/uncertainty.md).

Run through bench/run_uncertainty.sh, which starts a throwaway PostgreSQL cluster with
pg_virtualenv and calls this script inside it; or directly against any server that has
medres installed (PGHOST, PGPORT, PGUSER, PGDATABASE as for psql).  Like the other
drivers it talks to the server only through psql and times each query by the Execution
Time of EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON), median over fresh sessions.

    /usr/bin/python3 bench/uncertainty.py [--rows 1000000] [--replicates 1000] [--runs 3]
                                          [--numpy-replicates 20] [--json FILE]

What it times, on u(x, w): rows of x = exp(N(0, 1)) rounded to 4 decimals (ties) and
w = 0.5 + U(0, 1):
  * medres.gini(x, w), for scale;
  * medres.inequality_ci('gini', x, w) (analytic);
  * medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.95, R, 1): the target,
    R = 1,000 replicates on 1M rows within 5 s;
  * the same bootstrap outside the database: the column exported with psql's \\copy (timed,
    and parsed by numpy), then per replicate numpy's argsort of a resample (drawn with
    numpy.random.Generator.integers) and the weighted Gini of the sorted resample.  Only
    --numpy-replicates of them are run (20 by default: each takes ~0.2 s per million rows)
    and the time of R is extrapolated linearly from them plus the export; the target is
    numpy / medres >= 15.
The medres interval is checked against its own analytic interval (the bootstrap and the
analytic standard error agree to a few per cent at this size).
"""
import argparse
import datetime
import json
import statistics
import subprocess
import time

import numpy as np

import common
from common import (SERIAL, log, loadavg, machine_info, pg_settings, provenance, psql,
                    psql_value, run_rounds, with_retry)


def create_table(rows):
    t0 = time.time()
    psql("""
DROP TABLE IF EXISTS u;
SELECT setseed(0.4242);
CREATE TABLE u AS
SELECT round(exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::numeric, 4)::float8 AS x,
       0.5 + random() AS w
FROM generate_series(1, %d);
VACUUM ANALYZE u;
""" % rows)
    return time.time() - t0


def numpy_gini(x, w):
    """weighted Gini of x sorted ascending (mid-point ranks; ties in any order give the same)"""
    c = np.cumsum(w) - w / 2
    W = w.sum()
    return 2.0 * np.sum(w * x * c) / (W * np.sum(w * x)) - 1.0


def numpy_bootstrap(reps):
    """export the column with psql, then `reps` argsort replicates; returns timings"""
    t0 = time.time()
    out = subprocess.run(["psql", "-X", "-q", "-At", "-c", "\\copy u (x, w) TO STDOUT"],
                         capture_output=True, check=True).stdout
    data = np.array(out.split(), dtype=float).reshape(-1, 2)
    x = np.ascontiguousarray(data[:, 0])
    w = np.ascontiguousarray(data[:, 1])
    export_s = time.time() - t0
    rng = np.random.default_rng(1)
    n = len(x)
    t1 = time.time()
    vals = []
    for _ in range(reps):
        idx = rng.integers(0, n, n)
        xs = x[idx]
        ws = w[idx]
        o = np.argsort(xs, kind="quicksort")
        vals.append(numpy_gini(xs[o], ws[o]))
    per_rep = (time.time() - t1) / reps
    o = np.argsort(x)
    return dict(export_s=export_s, per_replicate_s=per_rep, reps_run=reps,
                gini=numpy_gini(x[o], w[o]), sd_of_run=float(np.std(vals, ddof=1)))


def time_session(sql):
    return common.time_session(sql, SERIAL, client=False, backend_pid=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--numpy-replicates", type=int, default=20)
    ap.add_argument("--json")
    args = ap.parse_args()
    R = args.replicates
    res = {"rows": args.rows, "replicates": R, "runs": args.runs,
           "date": datetime.datetime.now().isoformat(timespec="seconds"),
           "machine": machine_info(), "provenance": provenance(), "loadavg_start": loadavg()}
    res["server"] = psql_value("SELECT version()")
    res["settings"] = pg_settings(["work_mem", "jit", "max_parallel_workers_per_gather",
                                   "medres.threads"])
    log("== medres bootstrap benchmark: %d rows, %d replicates, %s"
        % (args.rows, R, res["server"].split(" on ")[0]))
    if psql_value("SELECT count(*) FROM pg_extension WHERE extname = 'medres'") == "0":
        common.setup_extension(required=("inequality_ci",), retry=True)
    res["create_s"] = create_table(args.rows)
    common.warm(["u"], False)
    boot = ("SELECT (medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.95, %d, 1)).upper FROM u"
            % R)
    q = {"gini": ("medres.gini(x, w)", "SELECT medres.gini(x, w) FROM u"),
         "analytic": ("inequality_ci analytic", "SELECT (medres.inequality_ci('gini', x, w)).se FROM u"),
         "boot": ("inequality_ci bootstrap, R = %d" % R, boot)}
    per, notes = run_rounds(q, args.runs, time_session, width=36, retry=True)
    T = {k: statistics.median(r["exec_ms"] for r in v) for k, v in per.items() if v}
    res["timings_ms"] = T
    res["notes"] = notes
    one = with_retry(psql, SERIAL + "SELECT (medres.inequality_ci('gini', x, w)).se, "
                     "(medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.95, %d, 1)).se, "
                     "medres.gini(x, w) FROM u;\n" % R).strip().split("|")
    res["analytic_se"], res["bootstrap_se"], res["gini"] = map(float, one)
    log("numpy: export and %d argsort replicates ..." % args.numpy_replicates)
    npb = numpy_bootstrap(args.numpy_replicates)
    res["numpy"] = npb
    numpy_total = npb["export_s"] + R * npb["per_replicate_s"]
    medres_s = T["boot"] / 1000.0
    ratio = numpy_total / medres_s
    res["numpy_total_s_extrapolated"] = numpy_total
    res["ratio"] = ratio
    res["loadavg_end"] = loadavg()
    checks = [("medres bootstrap, %d replicates of gini on %s rows" % (R, f"{args.rows:,}"),
               "%.2f s" % medres_s, "<= 5 s", medres_s <= 5.0),
              ("numpy (export + argsort per replicate) / medres", "%.1f x" % ratio, ">= 15 x",
               ratio >= 15.0),
              ("bootstrap se / analytic se", "%.3f" % (res["bootstrap_se"] / res["analytic_se"]),
               "within 0.85 .. 1.15", 0.85 <= res["bootstrap_se"] / res["analytic_se"] <= 1.15),
              ("numpy Gini / medres Gini - 1", "%.1e" % (npb["gini"] / res["gini"] - 1), "< 1e-9",
               abs(npb["gini"] / res["gini"] - 1) < 1e-9)]
    res["checks"] = [dict(name=c[0], value=c[1], target=c[2], result="PASS" if c[3] else "FAIL")
                     for c in checks]
    print("| query | median ms |\n|---|---|")
    for k, (label, _) in q.items():
        if k in T:
            print("| %s | %.1f |" % (label, T[k]))
    print("| numpy: export (\\copy, parse) | %.1f |" % (1000 * npb["export_s"]))
    print("| numpy: one replicate (resample, argsort, Gini), mean of %d | %.1f |"
          % (npb["reps_run"], 1000 * npb["per_replicate_s"]))
    print("| numpy: export + %d replicates (extrapolated) | %.1f |" % (R, 1000 * numpy_total))
    print("\n| check | value | target | result |\n|---|---|---|---|")
    for c in res["checks"]:
        print("| %s | %s | %s | %s |" % (c["name"], c["value"], c["target"], c["result"]))
    print("\nload average %s -> %s; %s" % (res["loadavg_start"], res["loadavg_end"],
                                          res["machine"]["cpu_model"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
