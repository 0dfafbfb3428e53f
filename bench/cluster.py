#!/usr/bin/python3
"""medres benchmark of the clustering family (medres.hclust, medres.kmeans).

Run through bench/run_cluster.sh, which starts a throwaway PostgreSQL cluster
with pg_virtualenv and calls this script inside it (PGHOST/PGPORT/PGUSER/PGPASSWORD
are set by pg_virtualenv).  The medres and PostGIS queries go through psql (timed
by the Execution Time of EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON), median over
fresh sessions, as bench.py does); the peers (scipy, scikit-learn) run in this
process on the same points, already in numpy.

    /usr/bin/python3 bench/cluster.py [--quick] [--only hclust,big,kmeans]
        [--hclust-n 10000] [--big-n 100000] [--kmeans-n 1000000] [--runs 3]
        [--big-memory-limit SIZE] [--no-vector-check] [--peers-only]
        [--json FILE] [--markdown FILE]

Parts (see bench/README.md, "Clustering family"):
  hclust  n = 10,000, d = 8 gaussian blobs: medres.hclust(f, 5, linkage => L) OVER ()
          for L = average (sqeuclidean) and ward (euclidean) against scipy
          linkage + fcluster on the z-scored points (target: medres <= 1.5x scipy;
          the partitions must be the same sets of members).  Info: ward, centroid and
          median with medres.memory_limit lowered (the O(n d) mode from the vectors)
          against scipy linkage(Z, L).
  big     n = 100,000, d = 8: ward, centroid and median (the distance matrix would
          need 40 GB, over medres.memory_limit, so medres runs from the vectors):
          one run each, target: it completes.
  kmeans  1,000,000 2-D points, 10 blobs, k = 10: medres.kmeans(f, 10, standardize =>
          'none', init => C, max_iter => I) against scikit-learn KMeans(10, init=C,
          n_init=1, algorithm='lloyd', tol=0, max_iter=I), I = sklearn's n_iter_ to
          converge from C (target: medres <= 1.5x sklearn's fit time; same partition);
          PostGIS ST_ClusterKMeans(geom, 10) OVER () against medres.kmeans with its own
          k-means++ seeding (target: medres faster).
"""
import os
import sys

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this machine (older OpenBLAS
# builds misbehave on some processors); they slow a current OpenBLAS, so for a fair
# numpy/scikit-learn figure this process runs without them: re-exec before numpy is
# imported, remembering what they were (reported).  Nothing else is changed.
_OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(v in os.environ for v in _OPENBLAS_VARS) and "MEDRES_BENCH_REEXEC" not in os.environ:
    _env = dict(os.environ)
    _env["MEDRES_BENCH_OPENBLAS_UNSET"] = " ".join(
        "%s=%s" % (v, _env.pop(v)) for v in _OPENBLAS_VARS if v in _env)
    _env["MEDRES_BENCH_REEXEC"] = "1"
    os.execve(sys.executable, [sys.executable] + sys.argv, _env)

import argparse                                   # noqa: E402
import datetime                                   # noqa: E402
import json                                       # noqa: E402
import statistics                                 # noqa: E402
import time                                       # noqa: E402

import numpy as np                                # noqa: E402

import common                                     # noqa: E402
from common import (SERIAL, TIME_RE, PsqlError, log, loadavg, machine_info,  # noqa: E402
                    pg_settings, provenance, psql, psql_value, run_rounds)

RUNS = 3
K_HCLUST = 5
K_KMEANS = 10
D_HCLUST = 8
SEED_HCLUST = 20261123
SEED_BIG = 20261124
SEED_KMEANS = 20261125
SEED_INIT = 7                 # which points are kmeans' initial centres C

TARGET_HCLUST = 1.5           # medres / scipy
TARGET_KMEANS = 1.5           # medres / sklearn
VECTOR_CHECK_LIMIT = "64MB"   # medres.memory_limit for the n = 10,000 vector-mode check

# settings of every medres session: SERIAL, plus SET medres.threads with --medres-threads
MEDRES = SERIAL

FULL = {"hclust_n": 10_000, "big_n": 100_000, "kmeans_n": 1_000_000}
QUICK = {"hclust_n": 2_000, "big_n": 5_000, "kmeans_n": 100_000}
QUICK_BIG_LIMIT = "16MB"      # so that --quick's big part also runs from the vectors


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def blobs(n, d, centres, seed, box, std=(0.5, 2.0), feature_scale=False):
    """Gaussian blobs: `centres` centres uniform in [-box, box]^d, each with its own
    standard deviation from U(std); every point picks a centre uniformly.  With
    feature_scale, feature j is multiplied by exp(U(-1, 2)) (different units, so
    the z-score matters).  Fixed seed: the same points on every run."""
    rng = np.random.default_rng(seed)
    c = rng.uniform(-box, box, size=(centres, d))
    s = rng.uniform(std[0], std[1], size=centres)
    lab = rng.integers(0, centres, size=n)
    x = c[lab] + rng.standard_normal((n, d)) * s[lab, None]
    if feature_scale:
        x *= np.exp(rng.uniform(-1.0, 2.0, size=d))
    return np.ascontiguousarray(x)


def zscore(x):
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)


def load_table(name, x):
    """CREATE TABLE name(id int, f float8[]) with row i (1-based) = x[i-1], loaded by
    COPY from psql's stdin; Python's repr of a float8 round-trips exactly through
    float8in, so the table holds the very same doubles."""
    lines = ["%d\t{%s}" % (i, ",".join(map(repr, row)))
             for i, row in enumerate(x.tolist(), 1)]
    psql("DROP TABLE IF EXISTS %s;\nCREATE TABLE %s (id int, f float8[]);\n"
         "COPY %s (id, f) FROM STDIN;\n%s\n\\.\nVACUUM ANALYZE %s;\n"
         % (name, name, name, "\n".join(lines), name))
    got = psql_value("SELECT count(*), sum(f[1]) FROM %s" % name).split("|")
    if int(got[0]) != len(x):
        raise RuntimeError("%s: loaded %s rows, expected %d" % (name, got[0], len(x)))


def table_mb(name):
    return int(psql_value("SELECT pg_table_size('%s')" % name)) / 2**20


# ---------------------------------------------------------------------------
# partitions
# ---------------------------------------------------------------------------

def canon(labels):
    """Relabel 0..k-1 in order of first appearance: two labelings are the same set
    of member sets iff their canon() arrays are equal."""
    labels = np.asarray(labels)
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inv]


def compare(a, b):
    """Agreement of two partitions of the same points (same order)."""
    from sklearn.metrics import adjusted_rand_score
    a, b = canon(a), canon(b)
    ct = np.zeros((a.max() + 1, b.max() + 1), dtype=np.int64)
    np.add.at(ct, (a, b), 1)
    # points outside the best-matching cluster, in the worse direction
    off = max(len(a) - ct.max(axis=1).sum(), len(a) - ct.max(axis=0).sum())
    return {"identical": bool(np.array_equal(a, b)), "k": [int(a.max() + 1), int(b.max() + 1)],
            "ari": float(adjusted_rand_score(a, b)), "misplaced": int(off)}


def sizes(labels):
    return sorted(np.bincount(canon(labels)).tolist(), reverse=True)


def fetch_labels(table, expr, n, settings=""):
    """Run SELECT id, <expr> over the whole table and return the labels by id
    (0-based index id-1).  NULL -> -1."""
    out = psql(settings + "COPY (SELECT id, coalesce(%s, -1) FROM %s) TO STDOUT;\n"
               % (expr, table))
    a = np.array(out.split(), dtype=np.int64).reshape(-1, 2)
    lab = np.full(n, -2, dtype=np.int64)
    lab[a[:, 0] - 1] = a[:, 1]
    if (lab == -2).any():
        raise RuntimeError("%s: not every row came back" % table)
    return lab


def after_merges(L, n, k):
    """Partition after the first n - k rows of a scipy linkage matrix."""
    parent = np.arange(2 * n - 1)

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for s in range(n - k):
        a, b = int(L[s, 0]), int(L[s, 1])
        parent[find(a)] = n + s
        parent[find(b)] = n + s
    return np.array([find(i) for i in range(n)])


# ---------------------------------------------------------------------------
# timing helpers
# ---------------------------------------------------------------------------

# The machine may be shared (other sessions' builds, tests and benchmarks).  Every
# timed run records how much CPU *other* processes used meanwhile ("others", in
# cores: 1.0 = one core fully busy), from /proc/stat minus the timed process's own
# CPU time; a run of at least MIN_RETRY_MS with others > DISTURBED cores is
# repeated (up to RETRIES times) and the least disturbed attempt kept.  The report prints the worst "others" of
# each figure.
NCPU = os.cpu_count() or 1
CLK = os.sysconf("SC_CLK_TCK")
DISTURBED = 0.25
RETRIES = 2
MIN_RETRY_MS = 500            # shorter runs are not repeated (tick granularity)


def stat_cpu():
    """(total, busy) jiffies over all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]   # user .. steal (guest is in user)
    return sum(v), sum(v) - v[3] - v[4]


def others_cores(t0, b0, t1, b1, own_ticks):
    wall = (t1 - t0) / NCPU
    if wall <= 0:
        return None
    return max(0.0, (b1 - b0 - own_ticks) / wall)


def own_ticks():
    t = os.times()
    return (t.user + t.system) * CLK


def cpu_busy(seconds=3.0):
    """Fraction of all cores' time that was not idle over `seconds`, taken while
    this benchmark itself is idle: other processes' load."""
    try:
        t0, b0 = stat_cpu()
        time.sleep(seconds)
        t1, b1 = stat_cpu()
        return (b1 - b0) / max(t1 - t0, 1)
    except (OSError, ValueError, IndexError):
        return None


def retry_disturbed(run, label):
    """run() -> dict with 'others'; repeated while others > DISTURBED (at most
    RETRIES times); returns the least disturbed attempt, with 'attempts'."""
    best = None
    for a in range(RETRIES + 1):
        r = run()
        if best is None or (r["others"] or 0) < (best["others"] or 0):
            best = r
        # /proc/stat counts in 10 ms ticks: below ~0.5 s the figure is too coarse to act on
        if (r["others"] or 0) <= DISTURBED or r.get("ms", r.get("exec_ms", 0)) < MIN_RETRY_MS:
            break
        if a < RETRIES:
            log("    (%s: other processes used %.2f cores meanwhile: repeating)"
                % (label, r["others"]))
    best["attempts"] = a + 1
    return best


def time_py(fn, runs, label=""):
    """One warm-up call, then `runs` timed calls (each repeated if disturbed);
    returns ({ms, ms_runs, others_runs, attempts}, result of the last call)."""
    out = [fn()]

    def one():
        t0, b0 = stat_cpu()
        o0 = own_ticks()
        p0 = time.perf_counter()
        out[0] = fn()
        ms = (time.perf_counter() - p0) * 1e3
        o1 = own_ticks()
        t1, b1 = stat_cpu()
        return {"ms": ms, "others": others_cores(t0, b0, t1, b1, o1 - o0)}
    rs = [retry_disturbed(one, label) for _ in range(runs)]
    return ({"ms": statistics.median(r["ms"] for r in rs), "ms_runs": [r["ms"] for r in rs],
             "others_runs": [r["others"] for r in rs],
             "attempts": sum(r["attempts"] for r in rs)}, out[0])


# a psql \! probe: /proc/stat's cpu line and the backend's /proc/<pid>/stat
PROBE = ("\\! echo \"@@CPU%s $(head -1 /proc/stat | cut -d' ' -f2-) "
         "@@P $(sed 's/.*) //' /proc/$BPID/stat | cut -d' ' -f12,13)\"\n")


def parse_probe(line):
    """'@@CPUx cpu-fields @@P utime stime' -> (tag, total, busy, backend ticks)."""
    head, proc = line.split("@@P")
    f = head.split()
    v = [int(x) for x in f[1:9]]
    u, st = (int(x) for x in proc.split())
    return f[0][5:], sum(v), sum(v) - v[3] - v[4], u + st


def session_probed(sql, settings):
    """One fresh session: settings, a warm-up run (its result is the value), then
    EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON), whose Execution Time is the figure,
    bracketed by probes of /proc/stat and the backend's CPU time (others)."""
    script = settings + "SELECT pg_backend_pid() AS pid \\gset\n\\setenv BPID :pid\n"
    script += "\\echo @@VALUE\n" + sql + ";\n"
    script += PROBE % "0"
    script += "\\echo @@EXPLAIN\n" + common.EXPLAIN + sql + ";\n"
    script += PROBE % "1"
    out = psql(script)
    probes, sections = {}, []
    for line in out.splitlines():
        if line.startswith("@@CPU"):          # \! output: order vs psql's own not guaranteed
            tag, tot, busy, be = parse_probe(line)
            probes[tag] = (tot, busy, be)
        elif line.startswith("@@"):
            sections.append((line[2:], []))
        elif sections:
            sections[-1][1].append(line)
    r = {"value": None}
    for kind, lines in sections:
        if kind == "VALUE":
            r["value"] = lines[0] if lines else None
        elif kind == "EXPLAIN":
            r["exec_ms"] = json.loads("\n".join(lines))[0]["Execution Time"]
    (t0, b0, e0), (t1, b1, e1) = probes["0"], probes["1"]
    r["others"] = others_cores(t0, b0, t1, b1, e1 - e0)
    return r


def time_sql(queries, runs):
    """{key: (label, sql, settings)} -> {key: {label, sql, ms, ms_runs, others_runs,
    value}}, notes.  Round-robin over fresh sessions (common.run_rounds) of
    session_probed, each repeated if disturbed."""
    per, notes = run_rounds(
        {k: (lab, sql, settings, lab) for k, (lab, sql, settings) in queries.items()}, runs,
        lambda sql, settings, lab: retry_disturbed(lambda: session_probed(sql, settings), lab),
        width=44, ms_fmt="%10.1f")
    out = {}
    for key, (label, sql, settings) in queries.items():
        rs = per[key]
        if not rs:
            continue
        ex = [r["exec_ms"] for r in rs]
        out[key] = {"label": label, "sql": sql, "settings": settings.strip(),
                    "value": rs[0]["value"], "distinct_values": sorted(set(r["value"] for r in rs)),
                    "ms": statistics.median(ex), "ms_runs": ex,
                    "others_runs": [r["others"] for r in rs],
                    "attempts": sum(r["attempts"] for r in rs)}
    return out, notes


def hclust_expr(linkage, metric=None, k=K_HCLUST):
    args = ["f", str(k), "linkage => '%s'" % linkage]
    if metric:
        args.append("metric => '%s'" % metric)
    return "medres.hclust(%s) OVER ()" % ", ".join(args)


def window_sum(expr, table):
    """The timed form: the window results consumed cheaply (one sum)."""
    return "SELECT sum(c) FROM (SELECT %s AS c FROM %s) s" % (expr, table)


# ---------------------------------------------------------------------------
# part 1: hclust at n = 10,000 against scipy
# ---------------------------------------------------------------------------

def part_hclust(res, n, runs, medres_ok, vector_check):
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    x = blobs(n, D_HCLUST, K_HCLUST, SEED_HCLUST, box=10.0, feature_scale=True)
    log("hclust: table h (%d x %d) ..." % (n, D_HCLUST))
    load_table("h", x)
    out = {"n": n, "d": D_HCLUST, "k": K_HCLUST, "table_mb": table_mb("h")}
    common.warm(["h"], res["prewarm"])

    t0 = time.perf_counter()
    z = zscore(x)
    out["zscore_ms"] = (time.perf_counter() - t0) * 1e3

    # scipy, alone, data already in numpy and z-scored
    def sp_average():
        L = linkage(pdist(z, "sqeuclidean"), "average")
        return L, fcluster(L, K_HCLUST, criterion="maxclust")

    def sp_vec(method):
        def f():
            L = linkage(z, method)          # pdist(z, 'euclidean') inside
            return L, fcluster(L, K_HCLUST, criterion="maxclust")
        return f

    peers = {"average": ("scipy linkage(pdist(Z,'sqeuclidean'),'average') + fcluster",
                         sp_average),
             "ward": ("scipy linkage(Z,'ward') + fcluster", sp_vec("ward"))}
    if vector_check:
        for m in ("centroid", "median"):
            peers[m] = ("scipy linkage(Z,'%s') + fcluster" % m, sp_vec(m))
    sp = {}
    for m, (label, fn) in peers.items():
        log("  %s ..." % label)
        tm, (L, lab) = time_py(fn, runs, label)
        ref = after_merges(L, n, K_HCLUST)
        inversions = bool((np.diff(L[:, 2]) < 0).any())
        sp[m] = dict(tm, label=label, labels=lab, sizes=sizes(lab), maxclust_k=int(lab.max()),
                     maxclust_eq_after_merges=bool(np.array_equal(canon(lab), canon(ref))),
                     after_merges=ref, inversions=inversions)
        log("    %.1f ms (runs %s), sizes %s" % (tm["ms"], ", ".join(
            "%.0f" % v for v in tm["ms_runs"]), sp[m]["sizes"]))
    out["scipy"] = {m: {k: v for k, v in s.items() if k not in ("labels", "after_merges")}
                    for m, s in sp.items()}

    q = {}
    if medres_ok:
        q["average"] = ("medres.hclust average (sqeuclidean)",
                        window_sum(hclust_expr("average"), "h"), MEDRES)
        q["ward"] = ("medres.hclust ward (euclidean)",
                     window_sum(hclust_expr("ward", "euclidean"), "h"), MEDRES)
        if vector_check:
            lim = MEDRES + "SET medres.memory_limit = '%s';\n" % VECTOR_CHECK_LIMIT
            for m in ("ward", "centroid", "median"):
                q["vec_" + m] = ("medres.hclust %s, vectors (limit %s)" % (m, VECTOR_CHECK_LIMIT),
                                 window_sum(hclust_expr(m, "euclidean"), "h"), lim)
        log("hclust: timing %d medres queries x %d rounds ..." % (len(q), runs))
    T, notes = time_sql(q, runs) if q else ({}, [])
    res["notes"] += notes

    # partitions: medres vs scipy (untimed export of id, cluster)
    agree = {}
    for key, t in T.items():
        m = key[4:] if key.startswith("vec_") else key
        expr = hclust_expr(m, None if m == "average" else "euclidean")
        try:
            lab = fetch_labels("h", expr, n, q[key][2])
        except PsqlError as e:
            res["notes"].append("%s: export failed: %s" % (t["label"], str(e).splitlines()[0]))
            continue
        c = compare(lab, sp[m]["labels"])
        c["sizes"] = sizes(lab)
        # centroid/median trees may have inversions: then scipy's maxclust and "the
        # state after n - k merges" (medres' definition) can differ; compare with both
        c["vs_after_merges"] = compare(lab, sp[m]["after_merges"])["identical"]
        agree[key] = c
    out["medres"] = T
    out["agreement"] = agree
    res["hclust"] = out


# ---------------------------------------------------------------------------
# part 2: ward / centroid / median at n = 100,000 from the vectors
# ---------------------------------------------------------------------------

MEM_CMD = ("\\! awk '/^(VmHWM|VmRSS):/{v[$1]=$2} "
           "END{print \"@@MEM\", v[\"VmHWM:\"], v[\"VmRSS:\"]}' /proc/$BPID/status\n")


def part_big(res, n, linkages, memory_limit, medres_ok):
    x = blobs(n, D_HCLUST, K_HCLUST, SEED_BIG, box=10.0, feature_scale=True)
    log("big: table hbig (%d x %d) ..." % (n, D_HCLUST))
    load_table("hbig", x)
    out = {"n": n, "d": D_HCLUST, "k": K_HCLUST, "table_mb": table_mb("hbig"),
           "matrix_bytes": n * (n - 1) // 2 * 8, "memory_limit_set": memory_limit, "runs": {}}
    common.warm(["hbig"], res["prewarm"])
    res["big"] = out
    if not medres_ok:
        return
    for m in linkages:
        expr = hclust_expr(m)
        sql = ("SELECT string_agg(n::text, ',' ORDER BY n DESC) FROM (SELECT count(*) AS n "
               "FROM (SELECT %s AS c FROM hbig) s GROUP BY c) g" % expr)
        script = MEDRES
        if memory_limit:
            script += "SET medres.memory_limit = '%s';\n" % memory_limit
        script += "SELECT pg_backend_pid() AS pid \\gset\n\\setenv BPID :pid\n"
        script += "SELECT count(*) FROM hbig;\n"          # table pages into this backend
        script += PROBE % "0"
        script += "\\timing on\n"
        script += "SELECT '@@VAL', (" + sql + ");\n"
        script += "\\timing off\n"
        script += PROBE % "1"
        script += "SELECT '@@LIMIT', current_setting('medres.memory_limit', true);\n"
        script += MEM_CMD
        log("big: medres.hclust %s, n = %d (one run) ..." % (m, n))
        t0 = time.time()
        r = {"label": "medres.hclust %s, n = %d" % (m, n), "sql": sql}
        try:
            o = psql(script)
        except PsqlError as e:
            r["error"] = str(e).splitlines()[0]
            r["wall_s"] = time.time() - t0
            log("  FAILED after %.1f s: %s" % (r["wall_s"], r["error"]))
            out["runs"][m] = r
            continue
        probes = {}
        for line in o.splitlines():
            if line.startswith("@@CPU"):
                tag, tot, busy, be = parse_probe(line)
                probes[tag] = (tot, busy, be)
            elif line.startswith("@@VAL|"):
                r["sizes"] = line.split("|", 1)[1]
            elif line.startswith("@@LIMIT|"):
                r["memory_limit"] = line.split("|", 1)[1]
            elif line.startswith("@@MEM"):
                _, hwm, rss = line.split()
                r["backend_hwm_kb"], r["backend_rss_kb"] = int(hwm), int(rss)
            elif TIME_RE.match(line):
                r["ms"] = float(TIME_RE.match(line).group(1))
        if "0" in probes and "1" in probes:
            (t0, b0, e0), (t1, b1, e1) = probes["0"], probes["1"]
            r["others"] = others_cores(t0, b0, t1, b1, e1 - e0)
        log("  %.1f ms, cluster sizes %s, backend peak RSS %s kB, others %.2f cores" % (
            r.get("ms", -1), r.get("sizes"), r.get("backend_hwm_kb"), r.get("others") or 0))
        out["runs"][m] = r


# ---------------------------------------------------------------------------
# part 3: kmeans, 1,000,000 2-D points, k = 10
# ---------------------------------------------------------------------------

def blas_info():
    from threadpoolctl import threadpool_info
    return [{k: i.get(k) for k in ("user_api", "internal_api", "prefix", "filepath", "version",
                                   "architecture", "threading_layer", "num_threads")}
            for i in threadpool_info()]


def part_kmeans(res, n, runs, medres_ok, postgis_ok):
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    x = blobs(n, 2, K_KMEANS, SEED_KMEANS, box=10.0)
    rng = np.random.default_rng(SEED_INIT)
    init = x[np.sort(rng.choice(n, K_KMEANS, replace=False))].copy()
    log("kmeans: tables k (%d 2-D points, float8[]) and kg (geometry points) ..." % n)
    load_table("k", x)
    if postgis_ok:
        psql("DROP TABLE IF EXISTS kg;\n"
             "CREATE TABLE kg AS SELECT id, ST_MakePoint(f[1], f[2])::geometry(Point) AS geom "
             "FROM k ORDER BY id;\nVACUUM ANALYZE kg;\n")
    out = {"n": n, "k": K_KMEANS, "init_rows_seed": SEED_INIT, "init": init.tolist(),
           "table_mb": {"k": table_mb("k")}}
    if postgis_ok:
        out["table_mb"]["kg"] = table_mb("kg")
    common.warm(["k"] + (["kg"] if postgis_ok else []), res["prewarm"])

    def km(max_iter):
        return KMeans(n_clusters=K_KMEANS, init=init, n_init=1, algorithm="lloyd", tol=0,
                      max_iter=max_iter)

    log("  sklearn: iterations to converge from C (max_iter 300) ...")
    first = km(300).fit(x)
    it = int(first.n_iter_)
    out["iterations"] = it
    out["converged_before_300"] = it < 300
    log("    n_iter_ = %d" % it)
    out["blas"] = blas_info()

    def fit():
        return km(it).fit(x)
    nthr = max([b["num_threads"] for b in out["blas"] if b["user_api"] == "openmp"] or [1])
    label = "sklearn KMeans lloyd (%d threads)" % nthr
    tm, fitted = time_py(fit, runs, label)
    sk = dict(tm, label=label, n_iter=int(fitted.n_iter_),
              same_as_300=bool(np.array_equal(fitted.labels_, first.labels_)),
              inertia=float(fitted.inertia_))
    log("    sklearn fit: %.1f ms (runs %s)" % (tm["ms"], ", ".join(
        "%.0f" % v for v in tm["ms_runs"])))
    with threadpool_limits(limits=1):
        label1 = "sklearn KMeans lloyd (1 thread)"
        tm1, _ = time_py(fit, runs, label1)
    sk1 = dict(tm1, label=label1)
    log("    sklearn fit, 1 thread: %.1f ms" % tm1["ms"])
    out["sklearn"], out["sklearn_1thread"] = sk, sk1
    ref = fitted.labels_

    init_lit = "'{%s}'::float8[]" % ",".join(
        "{%s}" % ",".join(map(repr, row)) for row in init.tolist())
    e_init = ("medres.kmeans(f, %d, standardize => 'none', init => %s, max_iter => %d) OVER ()"
              % (K_KMEANS, init_lit, it))
    e_own = "medres.kmeans(f, %d, standardize => 'none') OVER ()" % K_KMEANS
    e_pg = "ST_ClusterKMeans(geom, %d) OVER ()" % K_KMEANS
    q = {}
    if medres_ok:
        q["init"] = ("medres.kmeans init C, max_iter %d" % it, window_sum(e_init, "k"), MEDRES)
        q["own"] = ("medres.kmeans own seeding (seed 0)", window_sum(e_own, "k"), MEDRES)
    if postgis_ok:
        q["postgis"] = ("PostGIS ST_ClusterKMeans", window_sum(e_pg, "kg"), SERIAL)
    log("kmeans: timing %d SQL queries x %d rounds ..." % (len(q), runs))
    T, notes = time_sql(q, runs) if q else ({}, [])
    res["notes"] += notes
    out["sql"] = T

    def inertia(lab):
        lab = canon(lab)
        c = np.array([x[lab == j].mean(axis=0) for j in range(lab.max() + 1)])
        return float(((x - c[lab]) ** 2).sum())

    agree = {}
    for key, table, expr in (("init", "k", e_init), ("own", "k", e_own),
                             ("postgis", "kg", e_pg)):
        if key not in T:
            continue
        try:
            lab = fetch_labels(table, expr, n)
        except PsqlError as e:
            res["notes"].append("%s: export failed: %s" % (T[key]["label"],
                                                            str(e).splitlines()[0]))
            continue
        c = compare(lab, ref)
        c["sizes"] = sizes(lab)
        c["inertia"] = inertia(lab)
        agree[key] = c
    out["sklearn"]["sizes"] = sizes(ref)
    out["agreement"] = agree
    res["kmeans"] = out


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

def worst_others(fig):
    """The most CPU other processes used during one of the figure's runs, over the
    runs long enough (MIN_RETRY_MS) for /proc/stat's ticks to tell."""
    fig = fig or {}
    o = [x for ms, x in zip(fig.get("ms_runs", []), fig.get("others_runs", []))
         if x is not None and ms >= MIN_RETRY_MS]
    return max(o) if o else None


def build_checks(res):
    """The ratio table.  A verdict whose figures include a run disturbed by other
    processes (worst others > DISTURBED, after the repeats) gets a '?': re-run it
    on an idle machine before believing it."""
    checks = []

    def ratio(key, name, num, den, op, target, scale=1.0):
        if num is None or den is None:
            checks.append(dict(key=key, name=name, value=None, op=op, target=target,
                               result="SKIP", disturbed=False))
            return
        r = num["ms"] / (den["ms"] * scale)
        ok = None if not op else (r <= target if op == "<=" else r < target)
        dist = any((worst_others(f) or 0) > DISTURBED for f in (num, den))
        res_ = "info" if ok is None else ("PASS" if ok else "FAIL")
        checks.append(dict(key=key, name=name, value=r, op=op, target=target,
                           result=res_ + ("?" if dist and ok is not None else ""),
                           disturbed=dist))

    H = res.get("hclust")
    if H:
        for m in ("average", "ward"):
            ratio("hclust_" + m, "medres.hclust %s / scipy, n = %d" % (m, H["n"]),
                  H["medres"].get(m), H["scipy"][m], "<=", TARGET_HCLUST)
        for m in ("ward", "centroid", "median"):
            t = H["medres"].get("vec_" + m)
            if t and m in H["scipy"]:
                ratio("hclust_vec_" + m, "medres.hclust %s from vectors / scipy" % m,
                      t, H["scipy"][m], "", None)
    K = res.get("kmeans")
    if K:
        T = K["sql"]
        ratio("kmeans_sklearn", "medres.kmeans (init C) / sklearn, n = %d" % K["n"],
              T.get("init"), K["sklearn"], "<=", TARGET_KMEANS)
        ratio("kmeans_sklearn_1t", "medres.kmeans (init C) / sklearn 1 thread",
              T.get("init"), K["sklearn_1thread"], "", None)
        # against a perfectly scaling 2-thread sklearn: a bound that a busy machine
        # cannot flatter (one busy core stalls sklearn's OpenMP barriers)
        ratio("kmeans_sklearn_ideal2", "medres.kmeans (init C) / (sklearn 1 thread / 2)",
              T.get("init"), K["sklearn_1thread"], "", None, scale=0.5)
        ratio("kmeans_postgis", "medres.kmeans (own seeding) / PostGIS",
              T.get("own"), T.get("postgis"), "<", 1)
        ratio("kmeans_postgis_init", "medres.kmeans (init C) / PostGIS",
              T.get("init"), T.get("postgis"), "", None)
    B = res.get("big")
    if B:
        for m, r in B["runs"].items():
            checks.append(dict(key="big_" + m, name="medres.hclust %s, n = %d completes"
                               % (m, B["n"]), value=r.get("ms"), op="", target=None,
                               result="FAIL" if "error" in r else "PASS", disturbed=False))
    return checks


def build_agreement(res):
    agree = []
    H = res.get("hclust")
    if H:
        for key, c in H["agreement"].items():
            m = key[4:] if key.startswith("vec_") else key
            s = H["scipy"][m]
            tgt = key in ("average", "ward")
            if c["identical"]:
                verdict = "PASS"
            elif s["inversions"] and (not s["maxclust_eq_after_merges"]) and c["vs_after_merges"]:
                verdict = "PASS"        # scipy maxclust != state after n-k merges; medres = the latter
            else:
                verdict = "FAIL" if tgt else "differs"
            agree.append(dict(name="%s vs scipy" % H["medres"][key]["label"], result=verdict,
                              identical=c["identical"], ari=c["ari"], misplaced=c["misplaced"],
                              sizes=c["sizes"], ref_sizes=s["sizes"]))
    K = res.get("kmeans")
    if K:
        for key, c in K["agreement"].items():
            tgt = key == "init"
            verdict = "PASS" if c["identical"] else ("FAIL" if tgt else "differs")
            agree.append(dict(name="%s vs sklearn" % K["sql"][key]["label"], result=verdict,
                              identical=c["identical"], ari=c["ari"], misplaced=c["misplaced"],
                              sizes=c["sizes"], ref_sizes=K["sklearn"]["sizes"],
                              inertia=c["inertia"]))
    return agree


def report(res):
    print()
    print("medres clustering benchmark — %s, %d CPUs (%s), %s GiB RAM, %s" % (
        res["server"].split(" on ")[0], res["machine"]["cpus"], res["machine"]["cpu_model"],
        res["machine"]["mem_gib"], res["date"]))
    print("settings: " + ", ".join("%s=%s" % kv for kv in sorted(res["settings"].items())))
    pv = res["provenance"]
    print("medres: git %s, %s built %s" % (pv.get("git", "?"), pv.get("medres_so", "?"),
                                          pv.get("medres_so_mtime", "?")))
    print("peers: %s" % ", ".join("%s %s" % kv for kv in res["versions"].items()))
    if res.get("medres_threads"):
        print("medres.threads = %s (hclust from the vectors splits large steps over that many "
              "threads; matrix-mode hclust and kmeans use one)" % res["medres_threads"])
    print("load average at start %s, at end %s; CPU busy (both cores, 3 s samples while idle "
          "between parts): %s" % (res["loadavg_start"], res["loadavg_end"], ", ".join(
              "%.0f%%" % (100 * b) if b is not None else "?" for b in res.get("cpu_busy", []))))
    busy = [b for b in res.get("cpu_busy", []) if b is not None and b > 0.1]
    if busy:
        print("WARNING: other processes were using the CPUs (busy %s of both cores in 3 s "
              "samples during the run):" % ", ".join("%.0f%%" % (100 * b) for b in busy))
        print("  the timings are disturbed; the 2-thread scikit-learn figure suffers most (one busy "
              "core stalls its OpenMP barriers)")
    if res.get("openblas_unset"):
        print("environment: %s unset for this process (numpy / scikit-learn)"
              % res["openblas_unset"])
    print()

    rows = []          # (label, ms, runs, others, value/notes)

    def fr(v):
        return ", ".join("%.0f" % x for x in v)

    def oth(t):
        """worst 'others' of a figure's runs (cores), and the attempts if some were repeated"""
        o = [x for x in t.get("others_runs", [t.get("others")]) if x is not None]
        txt = "%.2f" % max(o) if o else "?"
        if t.get("attempts", 0) > len(t.get("ms_runs", [0])):
            txt += " (%d tries)" % t["attempts"]
        return txt

    H = res.get("hclust")
    if H:
        for key in ("average", "ward", "vec_ward", "vec_centroid", "vec_median"):
            m = key[4:] if key.startswith("vec_") else key
            t = H["medres"].get(key)
            if t:
                rows.append((t["label"], t["ms"], fr(t["ms_runs"]), oth(t),
                             "sum(c) = %s" % t["value"]))
            if key == m or key == "vec_" + m and m not in ("average", "ward"):
                s = H["scipy"].get(m)
                if s:
                    rows.append((s["label"], s["ms"], fr(s["ms_runs"]), oth(s), ""))
    B = res.get("big")
    if B:
        for m, r in B["runs"].items():
            rows.append((r["label"] + " (1 run, psql \\timing)", r.get("ms"), "", oth(r),
                         ("sizes " + str(r.get("sizes"))) if "error" not in r
                         else "ERROR: " + r["error"]))
    K = res.get("kmeans")
    if K:
        s = K["sklearn"]
        rows.append((s["label"], s["ms"], fr(s["ms_runs"]), oth(s), "n_iter_ %d" % s["n_iter"]))
        s1 = K["sklearn_1thread"]
        rows.append((s1["label"], s1["ms"], fr(s1["ms_runs"]), oth(s1), "(info)"))
        for key in ("init", "own", "postgis"):
            t = K["sql"].get(key)
            if t:
                rows.append((t["label"], t["ms"], fr(t["ms_runs"]), oth(t),
                             "sum(c) = %s" % t["value"]))
    print("%-60s %11s  %-20s %-8s %s" % ("what", "ms", "runs", "others", "value"))
    print("-" * 124)
    for label, ms, runs, o, val in rows:
        print("%-60s %11s  %-20s %-8s %s" % (label, "%.1f" % ms if ms is not None else "n/a",
                                             runs, o, val))
    print("SQL: median of %d fresh sessions of EXPLAIN (ANALYZE, TIMING OFF) Execution Time, each"
          % res["runs"])
    print("  after a warm-up run in that session; Python peers: median of %d calls after one"
          % res["runs"])
    print("  warm-up call, data already in numpy (scipy: on the z-scored points, z-score itself")
    print("  %.1f ms, not counted).  others = the most CPU other processes used during one of"
          % (H["zscore_ms"] if H else 0.0))
    print("  the runs, in cores (from /proc/stat less the timed process); a run with others > %.2f"
          % DISTURBED)
    print("  and >= %d ms is repeated (at most %d times) and the least disturbed attempt kept."
          % (MIN_RETRY_MS, RETRIES))
    if H:
        print("hclust data: n = %d, d = %d, %d gaussian blobs, features in different units; "
              "table h %.1f MB" % (H["n"], H["d"], H["k"], H["table_mb"]))
    if B:
        print("big data: n = %d, d = %d; the distance matrix would need %.1f GB; "
              "medres.memory_limit = %s%s; table %.1f MB" % (
                  B["n"], B["d"], B["matrix_bytes"] / 1e9,
                  next((r.get("memory_limit") for r in B["runs"].values()
                        if r.get("memory_limit")), "?"),
                  " (set by --big-memory-limit)" if B["memory_limit_set"] else " (default)",
                  B["table_mb"]))
        for m, r in B["runs"].items():
            if "backend_hwm_kb" in r:
                print("  %s: backend peak RSS (VmHWM) %.0f MB" % (m, r["backend_hwm_kb"] / 1024))
    if K:
        print("kmeans data: n = %d 2-D points, %d gaussian blobs; C = %d data points drawn with "
              "seed %d; sklearn converged (labels unchanged) after %d iterations%s"
              % (K["n"], K["k"], K["k"], K["init_rows_seed"], K["iterations"],
                 "" if K["converged_before_300"] else " (NOT converged: max_iter 300 reached)"))
        print("  sklearn threadpools: " + "; ".join(
            "%s %s %s%s, %s threads" % (
                b["internal_api"], b.get("version") or "", b["filepath"],
                " (kernel %s, %s threading)" % (b["architecture"], b.get("threading_layer"))
                if b.get("architecture") else "", b["num_threads"]) for b in K["blas"]))
        print("  (sklearn KMeans runs OpenMP threads on both cores by default; medres.kmeans and "
              "PostGIS one backend, one core)")
    print()

    print("%-52s %10s %8s  %s" % ("ratio / target", "measured", "target", "result"))
    print("-" * 84)
    for c in res["checks"]:
        tgt = "%s %g" % (c["op"], c["target"]) if c["target"] is not None else "(info)"
        if c["key"].startswith("big_"):
            tgt, val = "completes", ("%.0f ms" % c["value"] if c["value"] is not None else "n/a")
            print("%-52s %10s %8s  %s" % (c["name"], val, "", c["result"]))
            continue
        val = "%10.2f" % c["value"] if c["value"] is not None else "%10s" % "n/a"
        print("%-52s %s %8s  %s" % (c["name"], val, tgt, c["result"]))
    print()
    print("partitions (compared as sets of member sets; ARI = adjusted Rand index; misplaced = "
          "points outside the best-matching cluster):")
    for a in res["agreement"]:
        print("  %-56s %-8s identical %-3s ARI %.6f misplaced %d" % (
            a["name"], a["result"], "yes" if a["identical"] else "no", a["ari"], a["misplaced"]))
        print("      sizes %s vs %s%s" % (a["sizes"], a["ref_sizes"],
                                          ("; inertia %.6g" % a["inertia"]) if "inertia" in a
                                          else ""))
    if K:
        print("  sklearn with max_iter = %d gives the labels of max_iter = 300: %s; inertia %.6g"
              % (K["iterations"], "yes" if K["sklearn"]["same_as_300"] else "NO",
                 K["sklearn"]["inertia"]))
    if H:
        for m, s in H["scipy"].items():
            if not s["maxclust_eq_after_merges"]:
                print("  note: scipy %s: fcluster maxclust (%d clusters) differs from the state "
                      "after n - k merges%s" % (m, s["maxclust_k"],
                                                " (the tree has inversions)" if s["inversions"]
                                                else ""))
    for n in res["notes"]:
        print("NOTE: " + n)
    fails = [c["name"] for c in res["checks"] if c["result"].startswith("FAIL")] + \
            [a["name"] for a in res["agreement"] if a["result"] == "FAIL"]
    skips = [c["name"] for c in res["checks"] if c["result"] == "SKIP"]
    shaky = [c["name"] for c in res["checks"] if c["result"] in ("PASS?", "FAIL?")]
    print()
    if shaky:
        print("DISTURBED (other processes used > %.2f cores during some run; re-run on an idle "
              "machine): %s" % (DISTURBED, "; ".join(shaky)))
    if fails:
        print("FAILED: " + "; ".join(fails))
    elif skips:
        print("not measured: " + "; ".join(skips))
    else:
        print("all targets met" + (" (some on disturbed figures)" if shaky else ""))


def markdown(res):
    out = ["| ratio | measured | target | result |", "| --- | ---: | --- | --- |"]
    for c in res["checks"]:
        if c["key"].startswith("big_"):
            out.append("| %s | %s | completes | %s |" % (
                c["name"], "%.0f ms" % c["value"] if c["value"] is not None else "n/a",
                c["result"] if c["result"] != "FAIL" else "**FAIL**"))
            continue
        tgt = "%s %g" % (c["op"].replace("<=", "≤"), c["target"]) \
            if c["target"] is not None else "(info)"
        r = {"FAIL": "**FAIL**", "FAIL?": "**FAIL?**", "info": ""}.get(c["result"], c["result"])
        out.append("| %s | %s | %s | %s |" % (c["name"], "%.2f" % c["value"]
                                              if c["value"] is not None else "n/a", tgt, r))
    out.append("")
    out.append("| partition | identical | ARI | result |")
    out.append("| --- | --- | ---: | --- |")
    for a in res["agreement"]:
        out.append("| %s | %s | %.6f | %s |" % (a["name"], "yes" if a["identical"] else "no",
                                                a["ari"], a["result"]))
    return "\n".join(out) + "\n"


def versions():
    import scipy
    import sklearn
    v = {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__}
    try:
        v["postgis"] = psql_value("SELECT extversion FROM pg_extension WHERE extname = 'postgis'") \
            or "-"
    except PsqlError:
        v["postgis"] = "-"
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="small sizes (%s) for a smoke test" % QUICK)
    ap.add_argument("--only", default="hclust,big,kmeans",
                    help="comma-separated parts to run: hclust, big, kmeans")
    ap.add_argument("--hclust-n", type=int)
    ap.add_argument("--big-n", type=int)
    ap.add_argument("--kmeans-n", type=int)
    ap.add_argument("--big-linkages", default="ward,centroid,median")
    ap.add_argument("--big-memory-limit",
                    help="SET medres.memory_limit for the big part (default: the server's; "
                         "--quick: %s, so that its small n also runs from the vectors)"
                         % QUICK_BIG_LIMIT)
    ap.add_argument("--no-vector-check", action="store_true",
                    help="skip the n = 10,000 ward/centroid/median runs with a lowered "
                         "medres.memory_limit (info rows)")
    ap.add_argument("--medres-threads", type=int,
                    help="SET medres.threads in every medres session (default: the server's, "
                         "2: vector-mode hclust may use a helper thread)")
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("--peers-only", action="store_true",
                    help="do not CREATE EXTENSION medres: time the peers only")
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    sz = dict(QUICK if args.quick else FULL)
    for k in sz:
        if getattr(args, k) is not None:
            sz[k] = getattr(args, k)
    big_limit = args.big_memory_limit or (QUICK_BIG_LIMIT if args.quick else None)
    parts = set(p.strip() for p in args.only.split(",") if p.strip())
    bad = parts - {"hclust", "big", "kmeans"}
    if bad:
        ap.error("unknown part(s): %s" % ", ".join(sorted(bad)))
    runs = max(1, args.runs)
    global MEDRES
    if args.medres_threads is not None:
        MEDRES = SERIAL + "SET medres.threads = %d;\n" % args.medres_threads

    res = {"sizes": sz, "runs": runs, "parts": sorted(parts),
           "date": datetime.datetime.now().isoformat(timespec="seconds"),
           "machine": machine_info(), "provenance": provenance(), "loadavg_start": loadavg(),
           "openblas_unset": os.environ.get("MEDRES_BENCH_OPENBLAS_UNSET", ""),
           "notes": []}
    res["server"] = psql_value("SELECT version()")
    res["settings"] = pg_settings(["shared_buffers", "work_mem", "jit",
                                   "max_parallel_workers_per_gather"])
    log("== medres clustering benchmark: %s, %s" % (
        ", ".join("%s=%d" % kv for kv in sz.items()), res["server"].split(" on ")[0]))

    medres_fns = {"hclust": False, "kmeans": False}
    if args.peers_only:
        res["notes"].append("--peers-only: medres not measured")
        try:
            psql("CREATE EXTENSION pg_prewarm;")
            res["prewarm"] = True
        except PsqlError:
            res["prewarm"] = False
    else:
        res["prewarm"] = common.setup_extension()
        missing = common.missing_functions(["hclust", "kmeans"])
        for f in medres_fns:
            medres_fns[f] = f not in missing
        for f in missing:
            res["notes"].append("the installed medres has no medres.%s: its rows are skipped" % f)
            log("note: the installed medres has no medres.%s" % f)
    if not args.peers_only:
        try:
            res["medres_threads"] = psql_value(
                MEDRES + "LOAD 'medres';\nSELECT current_setting('medres.threads', true);")
        except PsqlError:
            res["medres_threads"] = None
    postgis_ok = False
    if "kmeans" in parts:
        try:
            psql("CREATE EXTENSION postgis;")
            postgis_ok = True
        except PsqlError as e:
            res["notes"].append("PostGIS not available (%s): its row is skipped"
                                % str(e).splitlines()[0])
    res["versions"] = versions()

    res["cpu_busy"] = [cpu_busy()]
    if "hclust" in parts:
        part_hclust(res, sz["hclust_n"], runs, medres_fns["hclust"],
                    not args.no_vector_check)
    if "big" in parts:
        part_big(res, sz["big_n"], [m.strip() for m in args.big_linkages.split(",")],
                 big_limit, medres_fns["hclust"])
    if "kmeans" in parts:
        res["cpu_busy"].append(cpu_busy())
        part_kmeans(res, sz["kmeans_n"], runs, medres_fns["kmeans"], postgis_ok)
    res["cpu_busy"].append(cpu_busy())

    pv_end = provenance()
    if pv_end.get("medres_so_mtime") != res["provenance"].get("medres_so_mtime"):
        res["notes"].append("medres.so was reinstalled during the run (%s -> %s): the timings "
                            "may mix builds" % (res["provenance"].get("medres_so_mtime"),
                                                pv_end.get("medres_so_mtime")))
    res["loadavg_end"] = loadavg()
    res["checks"] = build_checks(res)
    res["agreement"] = build_agreement(res)
    report(res)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2, default=lambda o: o.tolist()
                      if isinstance(o, np.ndarray) else str(o))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
