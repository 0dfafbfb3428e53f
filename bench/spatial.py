#!/usr/bin/python3
"""medres benchmark of the spatial family (medres_postgis: accessibility, lisa, spatial_weights).

Run through bench/run_spatial.sh, which starts a throwaway PostgreSQL cluster with
pg_virtualenv and calls this script inside it (PGHOST/PGPORT/PGUSER/PGPASSWORD are set by
pg_virtualenv).  SQL is timed as bench/common.py does: median over fresh sessions of the
Execution Time of EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) after a warm-up run in that
session (client ms = psql \\timing of a plain run of the same query, for reference); R is
timed inside R (system.time, median of the same number of runs after one warm-up call).

    /usr/bin/python3 bench/spatial.py [--quick] [--only access,big,lisa,weights]
        [--runs 3] [--access-n 200000 --access-m 5000] [--big-n 1000000 --big-m 10000]
        [--big-side-km KM] [--no-r] [--json FILE] [--markdown FILE]

Parts:
  access   medres.accessibility 2SFCA, catchment 30 km, 200,000 demand points x 5,000
           facilities, against the plain PostGIS formulation (ST_DWithin joins on GiST
           indexes, two GROUP BYs; two formulations timed, the faster one is "plain SQL").
           Targets: plain SQL / medres >= 20; the two give the same scores (1e-9 relative,
           every demand point, 0 for those with nothing in reach).
  big      medres.accessibility 2SFCA, 30 km, 1,000,000 x 10,000: target < 3 s.  Checked by
           the invariant sum_i P_i A_i = sum of S_j over facilities with demand in reach.
  lisa     medres.lisa(999 permutations) on the US counties (us_counties from
           tools/load_boundaries.py --us-counties: 3,231 rows, of which 3,230 have a
           non-empty geometry -- Falls Church city VA, 51610, collapses at 1:10m -- and are
           the units here), queen weights from medres.spatial_weights (row-standardised), a
           synthetic spatially smooth value (a function of the point on surface plus a
           deterministic hash of the id);
           targets: < 500 ms, and R spdep::localmoran_perm(nsim = 999) on the same weights
           and values (exported as CSV; only localmoran_perm is timed) / medres >= 20.
           Also compares medres' ii with R's Ii and medres' z with localmoran()'s Z.Ii.
  weights  medres.spatial_weights(queen) on us_counties against the ST_Touches self-join
           on the GiST index (row-standardised by count(*) OVER, as medres' default):
           target medres <= SQL; the neighbour pairs are compared.

Data of access / big (numpy, fixed seeds): projected coordinates in metres (SRID 32650,
UTM 50N, offset to x >= 200 km, y >= 2,000 km), inside a square of side
sqrt(m / FACILITY_DENSITY): FACILITY_DENSITY = 5,000 facilities per 600 km x 600 km
(0.01389 per km^2), so a 30 km catchment (2,827 km^2) holds 39 facilities on average away
from the edges, whatever the size (600 km for 5,000 facilities, 849 km for 10,000;
--big-side-km 600 keeps the 600 km square, 78 facilities per catchment).  Facilities are
uniform, beds uniform 10..1000.  Demand points: 60 % around n/1000 towns (uniform centres,
gaussian spread 8 km, clipped to the square), 40 % uniform; populations lognormal
(median 300, sigma 1), rounded, so the population is clustered in space and in size.
"""
import argparse
import datetime
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common                                                      # noqa: E402
from common import (SERIAL, PARALLEL, PsqlError, log, loadavg, machine_info,  # noqa: E402
                    pg_settings, provenance, psql, psql_value, run_rounds, time_session)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = 3
SRID = 32650
X0, Y0 = 200_000.0, 2_000_000.0
CATCHMENT = 30_000.0
FACILITY_DENSITY = 5000 / (600.0 * 600.0)     # facilities per km^2
SEED_ACCESS = 20261201
SEED_BIG = 20261202
LISA_SEED = 42
PERMUTATIONS = 999
LISA_RUNS = 5                 # at least this many runs of lisa and of R

TARGET_ACCESS = 20.0          # plain SQL / medres >=
TARGET_BIG_MS = 3000.0        # medres <
TARGET_LISA_MS = 500.0        # medres <
TARGET_LISA_R = 20.0          # R / medres >=
TARGET_WEIGHTS = 1.0          # medres / SQL <=
SCORE_TOL = 1e-9

FULL = {"access_n": 200_000, "access_m": 5_000, "big_n": 1_000_000, "big_m": 10_000}
QUICK = {"access_n": 20_000, "access_m": 500, "big_n": 100_000, "big_m": 1_000}


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def fmt_n(v):
    return "{:,}".format(v)


def make_points(n, m, seed, side_km=None):
    rng = np.random.default_rng(seed)
    side = (side_km if side_km else math.sqrt(m / FACILITY_DENSITY)) * 1000.0
    sx, sy = rng.uniform(0, side, m), rng.uniform(0, side, m)
    beds = rng.integers(10, 1001, m)
    towns = max(1, n // 1000)
    tx, ty = rng.uniform(0, side, towns), rng.uniform(0, side, towns)
    nc = int(round(0.6 * n))
    t = rng.integers(0, towns, nc)
    cx = np.clip(tx[t] + rng.normal(0, 8000.0, nc), 0, side)
    cy = np.clip(ty[t] + rng.normal(0, 8000.0, nc), 0, side)
    dx = np.concatenate([cx, rng.uniform(0, side, n - nc)])
    dy = np.concatenate([cy, rng.uniform(0, side, n - nc)])
    order = rng.permutation(n)
    dx, dy = np.round(dx[order], 1), np.round(dy[order], 1)
    pop = np.round(rng.lognormal(math.log(300.0), 1.0, n)).astype(np.int64)
    return {"side_km": side / 1000.0, "sx": np.round(sx, 1), "sy": np.round(sy, 1), "beds": beds,
            "dx": dx, "dy": dy, "pop": pop, "towns": towns}


def reach_stats(p):
    """facilities within the catchment of each demand point (scipy cKDTree)."""
    from scipy.spatial import cKDTree
    tree = cKDTree(np.column_stack([p["sx"], p["sy"]]))
    cnt = tree.query_ball_point(np.column_stack([p["dx"], p["dy"]]), CATCHMENT, return_length=True)
    return {"mean": float(cnt.mean()), "median": float(np.median(cnt)), "min": int(cnt.min()),
            "max": int(cnt.max()), "none": int((cnt == 0).sum()), "pairs": int(cnt.sum())}


def load_points(tag, p):
    """tables s_<tag>(id, geom, beds) and d_<tag>(id, geom, pop), GiST indexes."""
    s_rows = "\n".join("%d\t%r\t%r\t%d" % (i + 1, X0 + x, Y0 + y, b)
                       for i, (x, y, b) in enumerate(zip(p["sx"].tolist(), p["sy"].tolist(),
                                                         p["beds"].tolist())))
    d_rows = "\n".join("%d\t%r\t%r\t%d" % (i + 1, X0 + x, Y0 + y, q)
                       for i, (x, y, q) in enumerate(zip(p["dx"].tolist(), p["dy"].tolist(),
                                                         p["pop"].tolist())))
    script = ""
    for t, cols, rows in (("s_" + tag, "beds", s_rows), ("d_" + tag, "pop", d_rows)):
        script += ("DROP TABLE IF EXISTS %(t)s_raw, %(t)s;\n"
                   "CREATE TABLE %(t)s_raw (id int, x float8, y float8, %(c)s int);\n"
                   "COPY %(t)s_raw FROM STDIN;\n%(rows)s\n\\.\n"
                   "CREATE TABLE %(t)s AS SELECT id, ST_SetSRID(ST_MakePoint(x, y), %(srid)d)"
                   "::geometry(Point, %(srid)d) AS geom, %(c)s FROM %(t)s_raw ORDER BY id;\n"
                   "DROP TABLE %(t)s_raw;\n"
                   "ALTER TABLE %(t)s ADD PRIMARY KEY (id);\n"
                   "CREATE INDEX ON %(t)s USING gist (geom);\n"
                   "VACUUM ANALYZE %(t)s;\n") % {"t": t, "c": cols, "rows": rows, "srid": SRID}
    psql(script)


def access_queries(tag):
    s, d = "s_" + tag, "d_" + tag
    medres = ("SELECT id, score FROM medres.accessibility("
              "'SELECT id, geom, beds FROM %s', 'SELECT id, geom, pop FROM %s', catchment => %r)"
              % (s, d, CATCHMENT))
    # (a) the pairs once, materialised, then the two GROUP BYs
    sql_a = ("WITH p AS MATERIALIZED ("
             "SELECT d.id AS did, s.id AS sid, d.pop, s.beds FROM %(d)s d JOIN %(s)s s "
             "ON ST_DWithin(d.geom, s.geom, %(c)r)), "
             "r AS (SELECT sid, max(beds)::float8 / sum(pop) AS r FROM p GROUP BY sid "
             "HAVING sum(pop) > 0), "
             "a AS (SELECT p.did, sum(r.r) AS score FROM p JOIN r USING (sid) GROUP BY p.did) "
             "SELECT d.id, coalesce(a.score, 0) AS score FROM %(d)s d LEFT JOIN a ON a.did = d.id"
             ) % {"s": s, "d": d, "c": CATCHMENT}
    # (b) the ratios per facility by one ST_DWithin join, then a second ST_DWithin join from
    # every demand point to the facilities (the GiST index both times), the ratios by id.
    # (Joining the demand points to the CTE of ratios by ST_DWithin directly has no index to
    # use: 200 s at 200,000 x 5,000.)
    sql_b = ("WITH r AS (SELECT s.id AS sid, s.beds::float8 / sum(d.pop) AS r "
             "FROM %(s)s s JOIN %(d)s d ON ST_DWithin(s.geom, d.geom, %(c)r) "
             "GROUP BY s.id HAVING sum(d.pop) > 0) "
             "SELECT d.id, coalesce(sum(r.r), 0) AS score FROM %(d)s d "
             "LEFT JOIN %(s)s s ON ST_DWithin(d.geom, s.geom, %(c)r) "
             "LEFT JOIN r ON r.sid = s.id GROUP BY d.id"
             ) % {"s": s, "d": d, "c": CATCHMENT}
    return medres, sql_a, sql_b


def summary(q):
    """the timed form: the whole result consumed by one aggregate row."""
    return "SELECT count(*), sum(score) FROM (%s) q" % q


def time_sql(queries, runs, client=True):
    """{key: (label, sql, settings)} -> {key: {label, ms, ms_runs, client_ms, value}}."""
    per, notes = run_rounds(queries, runs,
                            lambda sql, settings: time_session(sql, settings, client=client),
                            width=46, ms_fmt="%10.1f")
    out = {}
    for key, (label, sql, settings) in queries.items():
        rs = per[key]
        if not rs:
            out[key] = {"label": label, "sql": sql, "error": next(
                (n for n in notes if n.startswith(label)), "failed")}
            continue
        out[key] = {"label": label, "sql": sql, "settings": settings.strip(),
                    "value": rs[0]["value"], "ms": statistics.median(r["exec_ms"] for r in rs),
                    "ms_runs": [r["exec_ms"] for r in rs],
                    "client_ms": statistics.median(r["client_ms"] for r in rs) if client else None,
                    "workers": rs[0]["workers"]}
    return out, notes


def compare_scores(q_medres, q_sql):
    """run both into temp tables, compare per demand id."""
    out = psql(SERIAL + "CREATE TEMP TABLE cm AS %s;\nCREATE TEMP TABLE cq AS %s;\n"
               "SELECT count(*), count(m.id), count(q.id), "
               "count(*) FILTER (WHERE NOT (m.score = q.score OR abs(m.score - q.score) <= %r * "
               "greatest(abs(m.score), abs(q.score)))), "
               "coalesce(max(abs(m.score - q.score) / nullif(greatest(abs(m.score), abs(q.score)), 0)), 0), "
               "count(*) FILTER (WHERE m.score = 0), count(*) FILTER (WHERE q.score = 0) "
               "FROM cm m FULL JOIN cq q USING (id);\n" % (q_medres, q_sql, SCORE_TOL))
    n, nm, nq, bad, maxrel, zm, zq = out.strip().splitlines()[-1].split("|")
    return {"rows": int(n), "medres_rows": int(nm), "sql_rows": int(nq), "mismatches": int(bad),
            "max_rel_diff": float(maxrel), "medres_zero": int(zm), "sql_zero": int(zq),
            "ok": int(n) == int(nm) == int(nq) and int(bad) == 0}


# ---------------------------------------------------------------------------
# part access: 200,000 x 5,000 against plain PostGIS SQL
# ---------------------------------------------------------------------------

def part_access(res, n, m, runs, medres_ok):
    log("== access: %d demand points x %d facilities, 2SFCA, catchment %g m" % (n, m, CATCHMENT))
    t0 = time.time()
    p = make_points(n, m, SEED_ACCESS)
    tag = "a"
    load_points(tag, p)
    st = reach_stats(p)
    log("  loaded in %.1f s; square %.0f km; facilities in reach: mean %.1f, min %d, max %d, "
        "%d demand points with none" % (time.time() - t0, p["side_km"], st["mean"], st["min"],
                                        st["max"], st["none"]))
    q_medres, q_a, q_b = access_queries(tag)
    queries = {"sql_a": ("plain SQL (a) materialised pairs", summary(q_a), SERIAL),
               "sql_b": ("plain SQL (b) two ST_DWithin joins", summary(q_b), SERIAL)}
    if medres_ok:
        queries = {"medres": ("medres.accessibility 2sfca", summary(q_medres), SERIAL), **queries}
    timed, notes = time_sql(queries, runs)
    # the faster plain-SQL form, once more with 2 parallel workers allowed (info)
    best = min((k for k in ("sql_a", "sql_b") if "ms" in timed[k]), key=lambda k: timed[k]["ms"],
               default=None)
    if best:
        par, n2 = time_sql({"sql_par": (timed[best]["label"] + ", parallel 2",
                                        summary(q_a if best == "sql_a" else q_b), PARALLEL)}, runs)
        timed.update(par)
        notes += n2
    agree = None
    if medres_ok and "ms" in timed.get("medres", {}) and best:
        log("  comparing medres with %s ..." % timed[best]["label"])
        agree = compare_scores(q_medres, q_a if best == "sql_a" else q_b)
    res["access"] = {"n": n, "m": m, "side_km": p["side_km"], "towns": p["towns"], "reach": st,
                     "timed": timed, "best_sql": best, "agreement": agree, "notes": notes,
                     "pop_total": int(p["pop"].sum())}


# ---------------------------------------------------------------------------
# part big: 1,000,000 x 10,000
# ---------------------------------------------------------------------------

def part_big(res, n, m, runs, side_km, medres_ok):
    log("== big: %d demand points x %d facilities" % (n, m))
    if not medres_ok:
        res["big"] = {"n": n, "m": m, "error": "medres.accessibility missing"}
        return
    t0 = time.time()
    p = make_points(n, m, SEED_BIG, side_km)
    tag = "b"
    load_points(tag, p)
    st = reach_stats(p)
    log("  loaded in %.1f s; square %.0f km; facilities in reach: mean %.1f, min %d, max %d"
        % (time.time() - t0, p["side_km"], st["mean"], st["min"], st["max"]))
    q_medres, _, _ = access_queries(tag)
    timed, notes = time_sql({"medres": ("medres.accessibility 2sfca", summary(q_medres), SERIAL)},
                            runs)
    # the invariant: sum_i P_i A_i = sum of beds over facilities with demand in reach
    out = psql(SERIAL + "SELECT sum(d.pop::float8 * a.score) FROM (%s) a JOIN d_%s d USING (id);\n"
               "SELECT sum(s.beds) FROM s_%s s WHERE EXISTS (SELECT 1 FROM d_%s d WHERE "
               "ST_DWithin(d.geom, s.geom, %r) AND d.pop > 0);\n"
               % (q_medres, tag, tag, tag, CATCHMENT)).split()
    lhs, rhs = float(out[0]), float(out[1])
    res["big"] = {"n": n, "m": m, "side_km": p["side_km"], "reach": st, "timed": timed,
                  "notes": notes, "invariant": {"sum_pa": lhs, "sum_s": rhs,
                                                "rel": abs(lhs - rhs) / rhs,
                                                "ok": abs(lhs - rhs) <= 1e-9 * rhs}}


# ---------------------------------------------------------------------------
# US counties: lisa and spatial_weights
# ---------------------------------------------------------------------------

def load_counties(res):
    """us_counties via tools/load_boundaries.py (npm us-atlas, cached); returns True if loaded."""
    if psql_value("SELECT to_regclass('us_counties') IS NOT NULL") == "t":
        return True
    tool = os.path.join(REPO, "tools", "load_boundaries.py")
    if not os.path.exists(tool):
        res["notes"].append("tools/load_boundaries.py missing: lisa and weights skipped")
        return False
    tmp = tempfile.mkdtemp(prefix="medres_counties_")
    try:
        f = os.path.join(tmp, "us_counties.sql")
        p = subprocess.run([sys.executable, tool, "--us-counties", "-o", f], capture_output=True,
                           text=True)
        if p.returncode != 0:
            res["notes"].append("load_boundaries.py --us-counties failed: %s"
                                % (p.stderr.strip().splitlines() or ["?"])[-1])
            return False
        psql(open(f).read())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


# the units of lisa: counties with a non-empty geometry (at 1:10m one county, Falls Church
# city VA, 51610, collapses to an empty polygon and has no value)
VALUE_SQL = ("CREATE TABLE county_vals AS SELECT id, "
             "10 * sin(radians(ST_X(c)) * 4) * cos(radians(ST_Y(c)) * 6) + ST_Y(c) / 5 "
             "+ 3 * ((id::bigint * 2654435761) % 1000003) / 1000003.0 AS value "
             "FROM (SELECT id, ST_PointOnSurface(geom) AS c FROM us_counties "
             "WHERE NOT ST_IsEmpty(geom)) s;\n"
             "ALTER TABLE county_vals ADD PRIMARY KEY (id);\nVACUUM ANALYZE county_vals;\n")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(spdep))
args <- commandArgs(trailingOnly = TRUE)
w <- read.csv(args[1]); v <- read.csv(args[2]); runs <- as.integer(args[3])
v <- v[order(v$id), ]
ids <- v$id; n <- length(ids)
sn <- data.frame(from = match(w$i, ids), to = match(w$j, ids), weights = w$w)
sn <- sn[order(sn$from, sn$to), ]
class(sn) <- c("spatial.neighbour", class(sn))
attr(sn, "n") <- n
attr(sn, "region.id") <- as.character(ids)
lw <- sn2listw(sn)
x <- v$value
set.seed(1)
invisible(localmoran_perm(x, lw, nsim = 999, zero.policy = TRUE))   # warm-up
el <- numeric(0)
for (k in seq_len(runs)) {
  set.seed(k)
  el <- c(el, system.time(lp <- localmoran_perm(x, lw, nsim = 999, zero.policy = TRUE))[["elapsed"]])
}
lm <- localmoran(x, lw, zero.policy = TRUE)
cat("ELAPSED", el, "\n")
cat("VERSION", as.character(packageVersion("spdep")), R.version$major, R.version$minor, "\n")
cat("CORES", if (is.null(get.coresOption())) "NULL" else get.coresOption(),
    "MC", get.mcOption(), "\n")
write.csv(data.frame(id = ids, ii = lm[, "Ii"], z = lm[, "Z.Ii"], ii_perm = lp[, "Ii"]),
          args[4], row.names = FALSE)
"""


def run_r(runs, tmp):
    wf, vf, of, rf = (os.path.join(tmp, f) for f in ("w.csv", "v.csv", "out.csv", "lisa.R"))
    with open(wf, "w") as fh:
        fh.write(psql("COPY (SELECT i, j, w FROM county_w ORDER BY i, j) TO STDOUT WITH CSV HEADER;\n"))
    with open(vf, "w") as fh:
        fh.write(psql("COPY (SELECT id, value FROM county_vals ORDER BY id) TO STDOUT WITH CSV HEADER;\n"))
    with open(rf, "w") as fh:
        fh.write(R_SCRIPT)
    p = subprocess.run(["Rscript", rf, wf, vf, str(runs), of], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("Rscript failed: %s" % p.stderr.strip()[-500:])
    info = {}
    for line in p.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] in ("ELAPSED", "VERSION", "CORES"):
            info[parts[0]] = parts[1:]
    el = [float(x) * 1000 for x in info["ELAPSED"]]
    import csv
    rows = {int(r["id"]): r for r in csv.DictReader(open(of))}
    return {"ms": statistics.median(el), "ms_runs": el,
            "spdep": info["VERSION"][0], "R": "%s.%s" % (info["VERSION"][1], info["VERSION"][2]),
            "cores_option": info["CORES"][0], "mc_option": info["CORES"][2], "rows": rows}


def part_lisa(res, runs, medres_ok, use_r):
    log("== lisa: US counties, queen weights, %d permutations" % PERMUTATIONS)
    if not medres_ok:
        res["lisa"] = {"error": "medres.lisa / medres.spatial_weights missing"}
        return
    psql("DROP TABLE IF EXISTS county_vals, county_w;\n" + VALUE_SQL +
         "CREATE TABLE county_w AS SELECT * FROM medres.spatial_weights("
         "'SELECT id, geom FROM us_counties WHERE NOT ST_IsEmpty(geom)', 'queen');\n"
         "VACUUM ANALYZE county_w;\n")
    n = int(psql_value("SELECT count(*) FROM county_vals"))
    links = int(psql_value("SELECT count(*) FROM county_w"))
    isolated = int(psql_value("SELECT count(*) FROM county_vals u WHERE NOT EXISTS "
                              "(SELECT 1 FROM county_w w WHERE w.i = u.id)"))
    lisa = ("SELECT count(*), sum(ii), count(*) FILTER (WHERE significance <> 'not significant') "
            "FROM medres.lisa('SELECT id, value FROM county_vals', 'SELECT i, j, w FROM county_w', "
            "%d, %d)" % (PERMUTATIONS, LISA_SEED))
    lisa_w = ("SELECT count(*), sum(ii), count(*) FILTER (WHERE significance <> 'not significant') "
              "FROM medres.lisa('SELECT id, value FROM county_vals', "
              "$$SELECT i, j, w FROM medres.spatial_weights('SELECT id, geom FROM us_counties "
              "WHERE NOT ST_IsEmpty(geom)', 'queen')$$, %d, %d)" % (PERMUTATIONS, LISA_SEED))
    # lisa and R are quick and noisy on a shared machine: at least LISA_RUNS runs each
    runs = max(runs, LISA_RUNS)
    timed, notes = time_sql({"lisa": ("medres.lisa, weights from a table", lisa, SERIAL),
                             "lisa_w": ("medres.lisa + spatial_weights in one query", lisa_w,
                                        SERIAL)}, runs)
    out = {"n": n, "links": links, "isolated": isolated, "timed": timed, "notes": notes}
    if use_r:
        tmp = tempfile.mkdtemp(prefix="medres_lisa_")
        try:
            log("  R spdep::localmoran_perm ...")
            r = run_r(runs, tmp)
            got = psql("COPY (SELECT id, ii, z FROM medres.lisa('SELECT id, value FROM county_vals', "
                       "'SELECT i, j, w FROM county_w', %d, %d)) TO STDOUT WITH CSV;\n"
                       % (PERMUTATIONS, LISA_SEED))
            dii = dz = 0.0
            cmp_n = 0
            for line in got.splitlines():
                i, ii, z = line.split(",")
                rr = r["rows"].get(int(i))
                if rr is None or ii == "" or rr["ii"] in ("NA", "NaN"):
                    continue
                a, b = float(ii), float(rr["ii"])
                dii = max(dii, abs(a - b) / max(abs(b), 1e-12))
                if z != "" and rr["z"] not in ("NA", "NaN"):
                    a, b = float(z), float(rr["z"])
                    dz = max(dz, abs(a - b) / max(abs(b), 1e-12))
                cmp_n += 1
            del r["rows"]
            r["compared"] = cmp_n
            r["max_rel_ii"], r["max_rel_z"] = dii, dz
            out["r"] = r
        except Exception as e:                                      # noqa: BLE001
            out["r"] = {"error": str(e)}
            log("  R failed: %s" % e)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    res["lisa"] = out


def part_weights(res, runs, medres_ok):
    log("== weights: queen contiguity on US counties")
    med = ("SELECT count(*), sum(w) FROM medres.spatial_weights('SELECT id, geom FROM us_counties', "
           "'queen')")
    # (a) as usually written; (b) each unordered pair tested once (a.id < b.id) and mirrored,
    # half the GEOS calls; both row-standardised by count(*) OVER, like medres' default
    sql_pairs = ("SELECT a.id AS i, b.id AS j, 1.0::float8 / count(*) OVER (PARTITION BY a.id) AS w "
                 "FROM us_counties a JOIN us_counties b ON a.id <> b.id AND ST_Touches(a.geom, b.geom)")
    sql_half = ("WITH p AS MATERIALIZED (SELECT a.id AS i, b.id AS j FROM us_counties a "
                "JOIN us_counties b ON a.id < b.id AND ST_Touches(a.geom, b.geom)), "
                "q AS (SELECT i, j FROM p UNION ALL SELECT j, i FROM p) "
                "SELECT i, j, 1.0::float8 / count(*) OVER (PARTITION BY i) AS w FROM q")
    sql_int = sql_pairs.replace("ST_Touches", "ST_Intersects")
    wrap = "SELECT count(*), sum(w) FROM (%s) q"
    queries = {"sql": ("ST_Touches self-join (GiST)", wrap % sql_pairs, SERIAL),
               "sql_half": ("ST_Touches self-join, a.id < b.id + mirror", wrap % sql_half, SERIAL),
               "sql_int": ("ST_Intersects self-join (info)", wrap % sql_int, SERIAL)}
    if medres_ok:
        queries = {"medres": ("medres.spatial_weights queen", med, SERIAL), **queries}
    timed, notes = time_sql(queries, runs)
    out = {"timed": timed, "notes": notes}
    if medres_ok and "ms" in timed.get("medres", {}):
        c = psql("CREATE TEMP TABLE wm AS SELECT i, j, w FROM medres.spatial_weights("
                 "'SELECT id, geom FROM us_counties', 'queen');\n"
                 "CREATE TEMP TABLE wq AS %s;\n"
                 "SELECT count(*) FILTER (WHERE wq.i IS NULL), count(*) FILTER (WHERE wm.i IS NULL), "
                 "count(*) FILTER (WHERE wm.i IS NOT NULL AND wq.i IS NOT NULL "
                 "AND abs(wm.w - wq.w) > 1e-12) FROM wm FULL JOIN wq USING (i, j);\n"
                 "SELECT count(*) FROM wm w JOIN us_counties a ON a.id = w.i JOIN us_counties b "
                 "ON b.id = w.j LEFT JOIN wq USING (i, j) WHERE wq.i IS NULL "
                 "AND ST_Relate(a.geom, b.geom, '2********');\n" % sql_pairs)
        lines = c.strip().splitlines()
        only_m, only_q, wdiff = (int(x) for x in lines[-2].split("|"))
        out["agreement"] = {"only_medres": only_m, "only_sql": only_q, "weight_diff": wdiff,
                            "only_medres_overlapping": int(lines[-1])}
    res["weights"] = out


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

def checks(res):
    out = []

    def add(name, value, target, ok, unit="", info=False):
        out.append({"name": name, "value": value, "target": target, "unit": unit,
                    "result": "info" if info else
                    ("SKIP" if ok is None else ("PASS" if ok else "FAIL"))})

    def ms(part, key):
        t = (res.get(part) or {}).get("timed", {}).get(key, {})
        return t.get("ms")

    A = res.get("access")
    if A:
        best = A["best_sql"]
        m, q = ms("access", "medres"), ms("access", best) if best else None
        add("access %s x %s: plain SQL / medres" % (fmt_n(A["n"]), fmt_n(A["m"])),
            q / m if m and q else None, ">= %g" % TARGET_ACCESS,
            (q / m >= TARGET_ACCESS) if m and q else None, "x")
        ag = A.get("agreement")
        add("access: medres scores = plain SQL scores (%g rel.)" % SCORE_TOL,
            ag["max_rel_diff"] if ag else None, "all %d ids" % A["n"], ag["ok"] if ag else None)
    B = res.get("big")
    if B:
        m = ms("big", "medres")
        add("big %s x %s: medres ms" % (fmt_n(B["n"]), fmt_n(B["m"])), m,
            "< %g" % TARGET_BIG_MS, (m < TARGET_BIG_MS) if m else None, "ms")
        inv = B.get("invariant")
        add("big: sum P_i A_i = sum S_j in reach", inv["rel"] if inv else None, "1e-9 rel.",
            inv["ok"] if inv else None)
    L = res.get("lisa")
    if L:
        m = ms("lisa", "lisa")
        add("lisa %d counties, 999 perm.: medres ms" % L.get("n", 0), m, "< %g" % TARGET_LISA_MS,
            (m < TARGET_LISA_MS) if m else None, "ms")
        r = L.get("r") or {}
        add("lisa: R localmoran_perm / medres", r["ms"] / m if m and "ms" in r else None,
            ">= %g" % TARGET_LISA_R, (r["ms"] / m >= TARGET_LISA_R) if m and "ms" in r else None, "x")
        if "max_rel_ii" in r:
            add("lisa: medres ii = spdep Ii, z = localmoran Z.Ii", max(r["max_rel_ii"], r["max_rel_z"]),
                "1e-9 rel.", max(r["max_rel_ii"], r["max_rel_z"]) <= 1e-9)
    W = res.get("weights")
    if W:
        m = ms("weights", "medres")
        qs = [ms("weights", k) for k in ("sql", "sql_half")]
        qs = [q for q in qs if q]
        q = min(qs) if qs else None
        add("weights queen: medres / fastest ST_Touches SQL", m / q if m and q else None,
            "<= %g" % TARGET_WEIGHTS, (m / q <= TARGET_WEIGHTS) if m and q else None, "x")
        ag = W.get("agreement")
        if ag:
            add("weights: pairs medres-only + ST_Touches-only (definitions differ)",
                ag["only_medres"] + ag["only_sql"], "(info)", None, info=True)
    return out


def report(res):
    print()
    print("medres spatial benchmark — %s, %d CPUs (%s), %s GiB RAM, %s" % (
        res["server"].split(" on ")[0], res["machine"]["cpus"], res["machine"]["cpu_model"],
        res["machine"]["mem_gib"], res["date"]))
    print("settings: " + ", ".join("%s=%s" % kv for kv in sorted(res["settings"].items())))
    pv = res["provenance"]
    print("medres: git %s, %s built %s; PostGIS %s" % (pv.get("git", "?"), pv.get("medres_so", "?"),
                                                     pv.get("medres_so_mtime", "?"), res.get("postgis")))
    print("load average at start %s, at end %s" % (res["loadavg_start"], res["loadavg_end"]))
    print()
    print("%-56s %10s %10s  %-26s %s" % ("what", "exec ms", "client ms", "runs (exec ms)", "value"))
    print("-" * 130)

    def row(t):
        if "ms" not in t:
            print("%-56s %10s %10s  %-26s %s" % (t["label"], "n/a", "", "", "ERROR: " + t.get("error", "")))
            return
        print("%-56s %10.1f %10s  %-26s %s" % (
            t["label"], t["ms"], "%.1f" % t["client_ms"] if t.get("client_ms") is not None else "",
            ", ".join("%.0f" % x for x in t["ms_runs"]), t.get("value")))

    A = res.get("access")
    if A:
        print("[access] %d demand x %d facilities, square %.0f km, catchment 30 km: facilities in reach "
              "mean %.1f (median %.0f, min %d, max %d), %d demand points with none; %d pairs"
              % (A["n"], A["m"], A["side_km"], A["reach"]["mean"], A["reach"]["median"],
                 A["reach"]["min"], A["reach"]["max"], A["reach"]["none"], A["reach"]["pairs"]))
        for t in A["timed"].values():
            row(t)
        ag = A.get("agreement")
        if ag:
            print("  medres vs %s: %d ids (medres %d, SQL %d), %d differ by > %g, max rel. diff %.3g; "
                  "zero scores medres %d, SQL %d" % (A["timed"][A["best_sql"]]["label"], ag["rows"],
                                                     ag["medres_rows"], ag["sql_rows"], ag["mismatches"],
                                                     SCORE_TOL, ag["max_rel_diff"], ag["medres_zero"],
                                                     ag["sql_zero"]))
    B = res.get("big")
    if B and "timed" in B:
        print("[big] %d demand x %d facilities, square %.0f km: facilities in reach mean %.1f "
              "(min %d, max %d); %d pairs" % (B["n"], B["m"], B["side_km"], B["reach"]["mean"],
                                               B["reach"]["min"], B["reach"]["max"], B["reach"]["pairs"]))
        for t in B["timed"].values():
            row(t)
        inv = B["invariant"]
        print("  invariant: sum P_i A_i = %.10g, sum of beds in reach = %.10g (rel. %.2g)"
              % (inv["sum_pa"], inv["sum_s"], inv["rel"]))
    L = res.get("lisa")
    if L and "timed" in L:
        print("[lisa] %d counties, %d queen links (row-standardised), %d without neighbours, "
              "%d permutations, seed %d" % (L["n"], L["links"], L["isolated"], PERMUTATIONS, LISA_SEED))
        for t in L["timed"].values():
            row(t)
        r = L.get("r")
        if r and "ms" in r:
            print("%-56s %10.1f %10s  %-26s %s" % (
                "R spdep %s localmoran_perm(nsim = 999)" % r["spdep"], r["ms"], "",
                ", ".join("%.0f" % x for x in r["ms_runs"]),
                "R %s, cores option %s, mc option %s" % (r["R"], r["cores_option"], r["mc_option"])))
            print("  medres ii vs spdep Ii: max rel. diff %.3g; medres z vs localmoran Z.Ii: %.3g "
                  "(%d counties)" % (r["max_rel_ii"], r["max_rel_z"], r["compared"]))
        elif r:
            print("  R: %s" % r.get("error"))
    W = res.get("weights")
    if W:
        print("[weights] queen contiguity, US counties")
        for t in W["timed"].values():
            row(t)
        ag = W.get("agreement")
        if ag:
            print("  pairs only in medres %d (of which %d have overlapping interiors, which ST_Touches "
                  "excludes), only in ST_Touches %d; row-standardised weights differing %d"
                  % (ag["only_medres"], ag["only_medres_overlapping"], ag["only_sql"], ag["weight_diff"]))
    print()
    print("exec ms: median over %d fresh sessions of EXPLAIN (ANALYZE, TIMING OFF) Execution Time "
          "after a warm-up run;" % res["runs"])
    print("client ms: psql \\timing of a plain run (planning + round trip); R: system.time inside R, "
          "median of the runs shown after a warm-up.")
    print("lisa and R: at least %d runs each." % LISA_RUNS)
    print()
    print("%-62s %14s %16s  %s" % ("check", "measured", "target", "result"))
    print("-" * 104)
    for c in res["checks"]:
        v = c["value"]
        vs = "n/a" if v is None else ("%.3g" % v if c["unit"] == "" else
                                      ("%.1f %s" % (v, c["unit"]) if c["unit"] == "ms" else "%.2f%s" % (v, c["unit"])))
        print("%-62s %14s %16s  %s" % (c["name"], vs, c["target"], c["result"]))
    for n in res["notes"]:
        print("NOTE: " + n)
    fails = [c["name"] for c in res["checks"] if c["result"] == "FAIL"]
    skips = [c["name"] for c in res["checks"] if c["result"] == "SKIP"]
    print()
    if fails:
        print("FAILED: " + "; ".join(fails))
    elif skips:
        print("not measured: " + "; ".join(skips))
    else:
        print("all targets met")


def markdown(res):
    out = ["| check | measured | target | result |", "| --- | ---: | --- | --- |"]
    for c in res["checks"]:
        v = c["value"]
        vs = "n/a" if v is None else ("%.3g" % v if c["unit"] == "" else "%.2f %s" % (v, c["unit"]))
        out.append("| %s | %s | %s | %s |" % (c["name"], vs, c["target"].replace(">=", "≥").replace("<=", "≤"),
                                              "**FAIL**" if c["result"] == "FAIL" else c["result"]))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes %s" % QUICK)
    ap.add_argument("--only", default="access,big,lisa,weights")
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("--access-n", type=int)
    ap.add_argument("--access-m", type=int)
    ap.add_argument("--big-n", type=int)
    ap.add_argument("--big-m", type=int)
    ap.add_argument("--big-side-km", type=float,
                    help="side of the big square (default: keep the facility density)")
    ap.add_argument("--no-r", action="store_true", help="do not run R")
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    sz = dict(QUICK if args.quick else FULL)
    for k in sz:
        if getattr(args, k) is not None:
            sz[k] = getattr(args, k)
    parts = set(p.strip() for p in args.only.split(",") if p.strip())
    bad = parts - {"access", "big", "lisa", "weights"}
    if bad:
        ap.error("unknown part(s): %s" % ", ".join(sorted(bad)))
    runs = max(1, args.runs)
    res = {"sizes": sz, "runs": runs, "parts": sorted(parts),
           "date": datetime.datetime.now().isoformat(timespec="seconds"),
           "machine": machine_info(), "provenance": provenance(), "loadavg_start": loadavg(),
           "notes": []}
    res["server"] = psql_value("SELECT version()")
    res["settings"] = pg_settings(["shared_buffers", "work_mem", "jit",
                                   "max_parallel_workers_per_gather"])
    log("== medres spatial benchmark: %s" % ", ".join("%s=%d" % kv for kv in sz.items()))
    try:
        psql("CREATE EXTENSION IF NOT EXISTS postgis;")
    except PsqlError as e:
        log("CREATE EXTENSION postgis failed: %s" % e)
        sys.exit(2)
    res["postgis"] = psql_value("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    common.setup_extension()
    try:
        psql("CREATE EXTENSION IF NOT EXISTS medres_postgis;")
    except PsqlError as e:
        res["notes"].append("CREATE EXTENSION medres_postgis failed: %s" % str(e).splitlines()[0])
    missing = common.missing_functions(["accessibility", "lisa", "spatial_weights"])
    for f in missing:
        res["notes"].append("the installed medres_postgis has no medres.%s: its rows are skipped" % f)
    use_r = not args.no_r and shutil.which("Rscript") is not None
    if not args.no_r and not use_r:
        res["notes"].append("Rscript not found: the R comparison is skipped")

    if "access" in parts:
        part_access(res, sz["access_n"], sz["access_m"], runs, "accessibility" not in missing)
    if "big" in parts:
        part_big(res, sz["big_n"], sz["big_m"], runs, args.big_side_km, "accessibility" not in missing)
    if parts & {"lisa", "weights"}:
        if load_counties(res):
            if "weights" in parts:
                part_weights(res, runs, "spatial_weights" not in missing)
            if "lisa" in parts:
                part_lisa(res, runs, not ({"lisa", "spatial_weights"} & set(missing)), use_r)
    pv_end = provenance()
    if pv_end.get("medres_so_mtime") != res["provenance"].get("medres_so_mtime"):
        res["notes"].append("medres.so was reinstalled during the run (%s -> %s): the timings may "
                            "mix builds" % (res["provenance"].get("medres_so_mtime"),
                                            pv_end.get("medres_so_mtime")))
    res["loadavg_end"] = loadavg()
    res["checks"] = checks(res)
    report(res)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2, default=str)
    sys.stdout.flush()
    sys.exit(1 if any(c["result"] == "FAIL" for c in res["checks"]) else 0)


if __name__ == "__main__":
    main()
