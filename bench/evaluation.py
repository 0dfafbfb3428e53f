#!/usr/bin/python3
"""medres benchmark of the evaluation family (medres.rsr, medres.rsr_grade).

Run through bench/run_evaluation.sh, which starts a throwaway PostgreSQL
cluster with pg_virtualenv and calls this script inside it (PGHOST/PGPORT/
PGUSER/PGPASSWORD are set by pg_virtualenv).  Like bench/bench.py it talks to
the server only through psql and times each query by the Execution Time of
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON), median over fresh sessions.

    /usr/bin/python3 bench/evaluation.py --units N [--runs 3] [--json FILE]
                                         [--markdown FILE] [--perf]
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import time

import common
from common import (PSQL, SERIAL, TIME_RE, PsqlError, log, loadavg, machine_info,
                    pg_settings, provenance, psql, psql_value, rel_diff, run_rounds,
                    with_retry)

# SERIAL (from common): window functions do not run in parallel; keep the plans
# serial anyway
RUNS = 3
SEED = 0.4242
M = 8                       # indicators x1..x8
PARTS = 10_000              # partitions of e31
PART_UNITS = 31             # units per partition of e31

# ---------------------------------------------------------------------------
# queries
# ---------------------------------------------------------------------------

XS = ["x%d" % j for j in range(1, M + 1)]
ARR = "ARRAY[" + ", ".join(XS) + "]"


def sql_rsr(table, part=None):
    over = "PARTITION BY %s" % part if part else ""
    return ("SELECT sum(r) FROM (SELECT medres.rsr(%s) OVER (%s) AS r FROM %s) s"
            % (ARR, over, table))


def sql_rsr_grade(table, part=None):
    over = "PARTITION BY %s" % part if part else ""
    return ("SELECT sum(g) FROM (SELECT medres.rsr_grade(r) OVER (%s) AS g FROM "
            "(SELECT %s%smedres.rsr(%s) OVER (%s) AS r FROM %s) s) t"
            % (over, part or "", ", " if part else "", ARR, over, table))


def plain_rank_cols(part=None, half="2.0"):
    """The average rank of each unit on each indicator in plain SQL:
    rank() (the lowest rank of the tie group) plus (tie-group size - 1)/2."""
    cols = []
    for j, x in enumerate(XS, 1):
        if part:
            rk = "rank() OVER (PARTITION BY %s ORDER BY %s)" % (part, x)
            cnt = "count(*) OVER (PARTITION BY %s, %s)" % (part, x)
        else:
            rk = "rank() OVER (ORDER BY %s)" % x
            cnt = "count(*) OVER (PARTITION BY %s)" % x
        cols.append("%s + (%s - 1) / %s AS r%d" % (rk, cnt, half, j))
    return cols


def sql_plain_rsr_rows(table, part=None, half="2.0", keep=("id",)):
    """One row per unit: the kept columns and r, the RSR in plain SQL."""
    rsum = " + ".join("r%d" % j for j in range(1, M + 1))
    over = "PARTITION BY %s" % part if part else ""
    eight = "8.0" if half == "2.0" else "8.0::float8"
    inner_keep = list(keep) + ([part] if part and part not in keep else [])
    return ("SELECT %s(%s) / (%s * count(*) OVER (%s)) AS r FROM "
            "(SELECT %s FROM %s) a"
            % ("".join(k + ", " for k in keep), rsum, eight, over,
               ", ".join(inner_keep + plain_rank_cols(part, half)), table))


def sql_plain_rsr(table, part=None, half="2.0"):
    return "SELECT sum(r) FROM (%s) b" % sql_plain_rsr_rows(table, part, half, keep=())


# ---------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------

def setup_extension():
    return common.setup_extension(required=("rsr", "rsr_grade"), retry=True)


# x1..x8: uniform on 0.00 .. 100.00 in steps of 0.01 (10,001 values), so at
# 1M units every value is shared by ~100 units (ties); in a partition of 31
# ties are rare.  The small verification tables use 0.0 .. 5.0 in steps of 0.1
# (51 values): many ties everywhere.
def xcols(scale, step):
    return ",\n       ".join("(round(random() * %s) / %s)::float8 AS %s" % (scale, step, x)
                            for x in XS)


def create_tables(units):
    t0 = time.time()
    psql(f"""
SELECT setseed({SEED});
CREATE TABLE e1 AS
SELECT i AS id,
       {xcols(10000, 100)}
FROM generate_series(1, {units}) AS i;
CREATE TABLE e31 AS
SELECT 1 + (i - 1) / {PART_UNITS} AS part, i AS id,
       {xcols(10000, 100)}
FROM generate_series(1, {PARTS * PART_UNITS}) AS i;
CREATE TABLE v1 AS
SELECT i AS id,
       {xcols(50, 10)}
FROM generate_series(1, 1000) AS i;
CREATE TABLE v31 AS
SELECT 1 + (i - 1) / {PART_UNITS} AS part, i AS id,
       {xcols(50, 10)}
FROM generate_series(1, 200 * {PART_UNITS}) AS i;
VACUUM ANALYZE e1;
VACUUM ANALYZE e31;
VACUUM ANALYZE v1;
VACUUM ANALYZE v31;
""")
    return time.time() - t0


def warm(prewarm):
    common.warm(["e1", "e31"], prewarm)


# ---------------------------------------------------------------------------
# verification: medres.rsr against the plain-SQL formulation, row by row
# ---------------------------------------------------------------------------

def verify(table, part=None):
    """max |medres - plain| over all units, with the plain SQL in numeric
    (the formulation timed) and in float8; and how many units differ at all."""
    over = "PARTITION BY %s" % part if part else ""
    q = f"""
WITH m AS (SELECT id, medres.rsr({ARR}) OVER ({over}) AS r FROM {table}),
     pn AS ({sql_plain_rsr_rows(table, part, "2.0")}),
     pf AS ({sql_plain_rsr_rows(table, part, "2.0::float8")})
SELECT count(*),
       max(abs(m.r - pn.r::float8)), count(*) FILTER (WHERE m.r <> pn.r::float8),
       max(abs(m.r::numeric - pn.r)),
       max(abs(m.r - pf.r)), count(*) FILTER (WHERE m.r <> pf.r),
       count(*) FILTER (WHERE m.r IS NULL OR pn.r IS NULL OR pf.r IS NULL)
FROM m JOIN pn USING (id) JOIN pf USING (id);
"""
    out = with_retry(psql, SERIAL + q).strip().split("|")
    return {"table": table, "partition_by": part, "units": int(out[0]),
            "max_abs_diff_numeric": float(out[1]), "differing_numeric": int(out[2]),
            "max_abs_diff_numeric_exact": float(out[3]),
            "max_abs_diff_float8": float(out[4]), "differing_float8": int(out[5]),
            "nulls": int(out[6])}


# ---------------------------------------------------------------------------
# timing (the approach of bench/bench.py: fresh session per run, warm-up
# SELECT whose result is the value, then EXPLAIN ANALYZE Execution Time)
# ---------------------------------------------------------------------------

def time_session(sql, client=False):
    return common.time_session(sql, SERIAL, client=client, backend_pid=True)


def time_queries(queries, runs, client=False):
    per, notes = run_rounds(queries, runs, lambda sql: time_session(sql, client),
                            width=36, ms_fmt="%10.1f", retry=True)
    timings = {}
    for key, (label, sql) in queries.items():
        rs = per[key]
        if not rs:
            continue
        ex = [r["exec_ms"] for r in rs]
        timings[key] = {"label": label, "sql": sql, "value": rs[0]["value"],
                        "distinct_values": sorted(set(r["value"] for r in rs)),
                        "ms": statistics.median(ex), "ms_runs": ex,
                        "warmup_client_ms_runs": [r["warmup_client_ms"] for r in rs]}
        if client:
            timings[key]["client_ms"] = statistics.median(r["client_ms"] for r in rs)
    return timings, notes


# ---------------------------------------------------------------------------
# perf: where a medres query spends its time
# ---------------------------------------------------------------------------

def perf_profile(sql):
    """Run sql once (after a warm-up run) in a session whose backend is
    recorded by `perf record -p <pid> -g`; return perf report's top symbols
    by self time."""
    perf = shutil.which("perf")
    if not perf:
        return None
    d = "/tmp/medres-eval-perf.%d" % os.getpid()
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o777)             # the psql \\! shell writes here
    pidfile, ready, go, data = (os.path.join(d, f) for f in ("pid", "ready", "go", "perf.data"))
    rep = out = None
    script = SERIAL
    script += "SELECT pg_backend_pid() AS pid \\gset\n"
    script += "\\setenv BPID :pid\n"
    script += "\\! echo $BPID > %s\n" % pidfile
    script += sql + ";\n"                                   # warm-up
    script += "\\! touch %s; while [ ! -e %s ]; do sleep 0.1; done\n" % (ready, go)
    script += "\\timing on\n" + sql + ";\n"
    sqlfile = os.path.join(d, "script.sql")
    with open(sqlfile, "w") as f:
        f.write(script)
    p = subprocess.Popen(PSQL + ["-f", sqlfile], stdin=subprocess.DEVNULL, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while not os.path.exists(ready):
            if p.poll() is not None:
                raise PsqlError(p.stderr.read().strip())
            time.sleep(0.1)
        pid = open(pidfile).read().strip()
        rec = subprocess.Popen([perf, "record", "-q", "-F", "4999", "-g", "-o", data,
                                "-p", pid], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        open(go, "w").close()
        out, err = p.communicate()
        rec.send_signal(signal.SIGINT)
        rec.wait()
        if p.returncode != 0:
            raise PsqlError(err.strip())
        rep = subprocess.run([perf, "report", "-i", data, "--no-children", "--stdio",
                              "--sort", "dso,symbol", "-g", "none",
                              "--percent-limit", "1"], capture_output=True, text=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    # drop perf 6's empty IPC columns ("-  -") at the line ends
    lines = [re.sub(r"(\s+-)+\s*$", "", l) for l in rep.stdout.splitlines()
             if l.strip() and not l.startswith("#")]
    ms = [float(TIME_RE.match(l).group(1)) for l in out.splitlines() if TIME_RE.match(l)]
    return {"pid": int(pid), "query_ms": ms[-1] if ms else None, "top": lines[:25]}


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("--json")
    ap.add_argument("--markdown", help="write the result tables as markdown here")
    ap.add_argument("--client", action="store_true",
                    help="also time a plain SELECT per session with psql \\timing")
    ap.add_argument("--perf", choices=["auto", "always", "never"], default="auto",
                    help="perf record the medres queries (auto: when a target fails)")
    ap.add_argument("--no-float8", action="store_true",
                    help="skip the (informative) float8 variant of the plain SQL")
    args = ap.parse_args()
    units = args.units
    runs = max(1, args.runs)

    res = {"units": units, "runs": runs,
           "date": datetime.datetime.now().isoformat(timespec="seconds"),
           "machine": machine_info(), "provenance": provenance(),
           "loadavg_start": loadavg()}
    res["server"] = psql_value("SELECT version()")
    res["settings"] = pg_settings(["shared_buffers", "work_mem", "jit",
                                   "max_parallel_workers_per_gather"])
    log("== medres evaluation benchmark: %d units, %s" % (units, res["server"].split(" on ")[0]))
    prewarm = setup_extension()
    log("creating tables e1 (%d rows), e31 (%d x %d), v1, v31 ..." % (units, PARTS, PART_UNITS))
    res["create_s"] = create_tables(units)
    res["table_mb"] = {t: int(psql_value("SELECT pg_table_size('%s')" % t)) / 2**20
                       for t in ("e1", "e31")}
    log("  %.1f s; e1 %.0f MB, e31 %.0f MB" % (res["create_s"], res["table_mb"]["e1"],
                                               res["table_mb"]["e31"]))
    warm(prewarm)

    log("verifying medres.rsr against the plain SQL on v1 (1,000 units) and v31 "
        "(200 x 31) ...")
    res["verify"] = [verify("v1"), verify("v31", "part")]
    for v in res["verify"]:
        log("  %s: max |diff| %.3g (numeric plain SQL), %.3g (float8 plain SQL)"
            % (v["table"], v["max_abs_diff_numeric"], v["max_abs_diff_float8"]))

    q = {
        "rsr1": ("medres.rsr, 1 partition", sql_rsr("e1")),
        "sql1": ("plain SQL, 1 partition", sql_plain_rsr("e1")),
        "grade1": ("medres.rsr + rsr_grade, 1 partition", sql_rsr_grade("e1")),
        "rsr31": ("medres.rsr, 10000 x 31", sql_rsr("e31", "part")),
        "sql31": ("plain SQL, 10000 x 31", sql_plain_rsr("e31", "part")),
    }
    if not args.no_float8:
        q["sql1f"] = ("plain SQL float8, 1 partition", sql_plain_rsr("e1", None, "2.0::float8"))
        q["sql31f"] = ("plain SQL float8, 10000 x 31",
                       sql_plain_rsr("e31", "part", "2.0::float8"))
    log("timing %d queries x %d rounds ..." % (len(q), runs))
    T, notes = time_queries(q, runs, args.client)
    res["timings"], res["notes"] = T, notes

    def ms(k):
        return T[k]["ms"] if k in T else None

    checks = []

    def ratio(key, name, num, den, op, target, note=""):
        if num is None or den is None:
            checks.append(dict(key=key, name=name, value=None, op=op, target=target,
                               result="SKIP", note=note))
            return
        r = num / den
        ok = None if op == "" else (r >= target if op == ">=" else r <= target)
        checks.append(dict(key=key, name=name, value=r, op=op, target=target, note=note,
                           result="info" if ok is None else ("PASS" if ok else "FAIL")))

    ratio("sql_vs_rsr_1", "plain SQL / medres.rsr, one %s-unit partition" % f"{units:,}",
          ms("sql1"), ms("rsr1"), ">=", 5)
    ratio("grade_vs_rsr", "(rsr + rsr_grade) / rsr, one partition",
          ms("grade1"), ms("rsr1"), "<=", 2)
    ratio("rsr_vs_sql_31", "medres.rsr / plain SQL, 10,000 partitions of 31",
          ms("rsr31"), ms("sql31"), "<=", 2,
          "medres may be at most 2x slower than the plain SQL here")
    ratio("sqlf_vs_rsr_1", "plain SQL float8 / medres.rsr, one partition",
          ms("sql1f"), ms("rsr1"), "", None)
    ratio("rsr_vs_sqlf_31", "medres.rsr / plain SQL float8, 10,000 x 31",
          ms("rsr31"), ms("sql31f"), "", None)
    res["checks"] = checks

    # the value checks: sum of the RSRs of a partition is (n + 1) / 2
    agree = []

    def cmp(name, a, b, tol=1e-9):
        if a is None or b is None:
            agree.append(dict(name=name, rel_diff=None, result="SKIP"))
            return
        d = rel_diff(a, b)
        agree.append(dict(name=name, rel_diff=d, result="PASS" if d <= tol else "FAIL"))

    val = lambda k: T[k]["value"] if k in T else None
    cmp("sum(medres.rsr) e1 vs (n+1)/2", val("rsr1"), (units + 1) / 2)
    cmp("sum(plain SQL) e1 vs (n+1)/2", val("sql1"), (units + 1) / 2)
    cmp("sum(medres.rsr) e31 vs 10000*16", val("rsr31"), PARTS * (PART_UNITS + 1) / 2)
    cmp("sum(plain SQL) e31 vs 10000*16", val("sql31"), PARTS * (PART_UNITS + 1) / 2)
    for v in res["verify"]:
        for kind in ("numeric", "float8"):
            d = v["max_abs_diff_" + kind]
            agree.append(dict(name="per unit |medres - plain SQL %s| on %s" % (kind, v["table"]),
                              rel_diff=d, result="PASS" if d <= 1e-12 else "FAIL"))
    res["agreement"] = agree
    for k in T:
        if len(T[k]["distinct_values"]) > 1:
            notes.append("%s gave different values across runs: %s"
                         % (T[k]["label"], T[k]["distinct_values"]))

    pv_end = provenance()
    res["provenance_end"] = pv_end
    if pv_end.get("medres_so_mtime") != res["provenance"].get("medres_so_mtime"):
        notes.append("medres.so was reinstalled during the run (%s -> %s): the timings may "
                     "mix builds" % (res["provenance"].get("medres_so_mtime"),
                                     pv_end.get("medres_so_mtime")))

    failed = [c for c in checks if c["result"] == "FAIL"]
    if args.perf == "always" or (args.perf == "auto" and failed):
        prof = {}
        targets = ["rsr1", "grade1", "rsr31"] if args.perf == "always" else sorted(set(
            {"sql_vs_rsr_1": "rsr1", "grade_vs_rsr": "grade1",
             "rsr_vs_sql_31": "rsr31"}[c["key"]] for c in failed))
        for k in targets:
            log("perf record of %s ..." % q[k][0])
            try:
                prof[k] = perf_profile(q[k][1])
            except Exception as e:      # diagnosis only
                log("  perf failed: %s" % e)
        res["perf"] = prof

    res["loadavg_end"] = loadavg()
    report(res, q)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(res, q))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)


def report(res, q):
    T = res["timings"]
    print()
    print("medres evaluation benchmark — e1 %d units (one partition), e31 %d x %d, %s, "
          "%d CPUs, %s GiB RAM, %s" % (res["units"], PARTS, PART_UNITS,
                                       res["server"].split(" on ")[0], res["machine"]["cpus"],
                                       res["machine"]["mem_gib"], res["date"]))
    print("settings: " + ", ".join("%s=%s" % kv for kv in sorted(res["settings"].items())))
    pv = res["provenance"]
    print("medres: git %s, %s built %s" % (pv.get("git", "?"), pv.get("medres_so", "?"),
                                          pv.get("medres_so_mtime", "?")))
    print("tables: e1 %.0f MB, e31 %.0f MB, created in %.1f s; load average at start %s, "
          "at end %s" % (res["table_mb"]["e1"], res["table_mb"]["e31"], res["create_s"],
                         res["loadavg_start"], res["loadavg_end"]))
    print()
    print("%-38s %12s  %-32s %s" % ("query", "exec ms", "runs", "value"))
    print("-" * 100)
    for k, t in T.items():
        print("%-38s %12.1f  %-32s %s" % (t["label"], t["ms"],
                                          ", ".join("%.0f" % x for x in t["ms_runs"]),
                                          t["value"]))
    print("exec ms = median over %d fresh sessions of EXPLAIN (ANALYZE, TIMING OFF) Execution "
          "Time," % res["runs"])
    print("  each after a warm-up run of the same query in that session.")
    print()
    print("%-50s %10s %10s  %s" % ("ratio", "measured", "target", "result"))
    print("-" * 80)
    for c in res["checks"]:
        tgt = "%s %g" % (c["op"], c["target"]) if c["target"] is not None else "(info)"
        val = "%10.2f" % c["value"] if c["value"] is not None else "%10s" % "n/a"
        print("%-50s %s %10s  %s" % (c["name"], val, tgt, c["result"]))
    c31 = next(c for c in res["checks"] if c["key"] == "rsr_vs_sql_31")
    if c31["value"] is not None:
        print("  (10,000 x 31: medres.rsr is %.2fx %s than the plain SQL; the target allows "
              "medres to be at most 2x slower)"
              % (c31["value"] if c31["value"] >= 1 else 1 / c31["value"],
                 "slower" if c31["value"] >= 1 else "faster"))
    print()
    print("verification, every unit, medres.rsr vs the plain SQL:")
    for v in res["verify"]:
        print("  %s (%d units%s): numeric plain SQL: max |diff| %.3g (as float8; %.3g exact), "
              "%d units differ; float8 plain SQL: max |diff| %.3g, %d differ; NULLs %d"
              % (v["table"], v["units"], ", PARTITION BY part" if v["partition_by"] else "",
                 v["max_abs_diff_numeric"], v["max_abs_diff_numeric_exact"],
                 v["differing_numeric"], v["max_abs_diff_float8"], v["differing_float8"],
                 v["nulls"]))
    print("value checks:")
    for a in res["agreement"]:
        print("  %-50s %12s  %s" % (a["name"], "%.2e" % a["rel_diff"]
                                    if a["rel_diff"] is not None else "n/a", a["result"]))
    for n in res["notes"]:
        print("NOTE: " + n)
    if res.get("perf"):
        for k, p in res["perf"].items():
            if not p:
                continue
            print()
            print("perf record -p %d (%s, %.0f ms): top symbols, self time"
                  % (p["pid"], q[k][0], p["query_ms"] or -1))
            for l in p["top"]:
                print("  " + l)
    fails = [c["name"] for c in res["checks"] if c["result"] == "FAIL"] + \
            [a["name"] for a in res["agreement"] if a["result"] == "FAIL"]
    print()
    print("FAILED: " + "; ".join(fails) if fails else "all targets met")


def markdown(res, q):
    T = res["timings"]
    out = []
    out.append("| query | exec ms (median of %d) | runs | value |" % res["runs"])
    out.append("| --- | ---: | --- | --- |")
    for k, t in T.items():
        out.append("| %s | %.1f | %s | %s |" % (t["label"], t["ms"],
                                                ", ".join("%.0f" % x for x in t["ms_runs"]),
                                                t["value"]))
    out.append("")
    out.append("| ratio | measured | target | result |")
    out.append("| --- | ---: | --- | --- |")
    for c in res["checks"]:
        tgt = "%s %g" % (c["op"].replace(">=", "≥").replace("<=", "≤"), c["target"]) \
            if c["target"] is not None else "(info)"
        r = c["result"] if c["result"] in ("PASS", "info", "SKIP") else "**FAIL**"
        out.append("| %s | %s | %s | %s |" % (c["name"], "%.2f" % c["value"]
                                              if c["value"] is not None else "n/a", tgt,
                                              "" if r == "info" else r))
    out.append("")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
