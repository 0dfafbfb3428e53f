"""Shared code of the medres benchmark drivers (bench.py, evaluation.py, cluster.py).

Every driver runs inside a throwaway PostgreSQL cluster made by pg_virtualenv
(PGHOST/PGPORT/PGUSER/PGPASSWORD are set by it) and talks to the server only
through psql, so no Python database driver is needed.  Standard library only.

What is here:
  * psql(): run a psql script, raise PsqlError on any error; with_retry() for runs
    that may meet a concurrent `make install` of medres;
  * setup_extension(), warm(): CREATE EXTENSION medres (+ pg_prewarm), warm the tables;
  * time_session(): one timed run in its own psql session (a warm-up run of the query
    whose result is the value, then EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON), whose
    Execution Time is the figure; optionally a plain run timed by psql \\timing);
  * run_rounds(): the round-robin over queries and fresh sessions (median later);
  * provenance(), machine_info(), loadavg(), pg_settings(), rel_diff().
"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

PSQL = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]

SERIAL = "SET max_parallel_workers_per_gather = 0;\n"
PARALLEL = ("SET max_parallel_workers_per_gather = 2;\n"
            "SET parallel_setup_cost = 0;\n"
            "SET parallel_tuple_cost = 0;\n")

EXPLAIN = "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) "

TIME_RE = re.compile(r"^Time: ([0-9.]+) ms")
# errors that mean "someone reinstalled medres.so under us": retry the run
RETRY_RE = re.compile(r"invalid .*state|does not exist|could not load library|"
                      r"could not find function|server closed the connection|"
                      r"terminated abnormally", re.I)


class PsqlError(RuntimeError):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def psql(script, args=()):
    """Run a psql script (fed on stdin); return stdout.  Raises PsqlError on any error."""
    p = subprocess.run(PSQL + list(args) + ["-f", "-"], input=script, text=True,
                       capture_output=True)
    if p.returncode != 0:
        raise PsqlError(p.stderr.strip() or "psql exited %d" % p.returncode)
    return p.stdout


def psql_value(sql):
    return psql(sql + "\n").strip()


def with_retry(fn, *a, tries=4):
    """fn(*a), retried (3 s apart) when it fails with an error that a concurrent
    reinstall of medres.so can cause (RETRY_RE)."""
    for k in range(tries):
        try:
            return fn(*a)
        except PsqlError as e:
            if k == tries - 1 or not RETRY_RE.search(str(e)):
                raise
            log("  retrying after: %s" % str(e).splitlines()[0])
            time.sleep(3)


# ---------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------

def setup_extension(required=(), retry=False):
    """CREATE EXTENSION medres (exit 2 if that fails, or if a function named in
    `required` is missing from schema medres), then try pg_prewarm.
    Returns whether pg_prewarm is available."""
    try:
        if retry:
            with_retry(psql, "CREATE EXTENSION medres;")
        else:
            psql("CREATE EXTENSION medres;")
    except PsqlError as e:
        log("CREATE EXTENSION medres failed:\n  %s\n"
            "Build and install it first: (cd /work/main && make && make install)" % e)
        sys.exit(2)
    missing = missing_functions(required)
    if missing:
        log("the installed medres lacks %s: run 'make install' in the repository"
            % ", ".join("medres." + f for f in missing))
        sys.exit(2)
    try:
        psql("CREATE EXTENSION pg_prewarm;")
        return True
    except PsqlError as e:
        log("note: pg_prewarm not available (%s); warming with count(*) only" % e)
        return False


def missing_functions(names):
    """The names in `names` that have no function in schema medres."""
    return [f for f in names if psql_value(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'medres' AND p.proname = '%s'" % f) == "0"]


def warm(tables, prewarm):
    """pg_prewarm (if available) and two count(*) per table, in one session.
    Returns the seconds taken."""
    t0 = time.time()
    script = ""
    for t in tables:
        if prewarm:
            script += "SELECT pg_prewarm('%s');\n" % t
        script += "SELECT count(*) FROM %s;\nSELECT count(*) FROM %s;\n" % (t, t)
    psql(script)
    return time.time() - t0


# ---------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------

def find_workers(plan):
    """(planned, launched) summed over Gather nodes of an EXPLAIN JSON plan."""
    planned = launched = 0
    found = False
    stack = [plan]
    while stack:
        node = stack.pop()
        if "Workers Planned" in node:
            found = True
            planned += node.get("Workers Planned", 0)
            launched += node.get("Workers Launched", 0)
        stack.extend(node.get("Plans", []))
    return (planned, launched) if found else (0, 0)


def time_session(sql, settings="", client=True, backend_pid=False, warmup=True):
    """One timed run in its own psql session (so its own backend): settings,
    a warm-up run of the query (its result is the value; psql \\timing of it is
    warmup_client_ms), then one EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) whose
    Execution Time is the figure used (exec_ms), then, with client=True, one
    plain run timed by psql's \\timing (client_ms: a client-side cross-check
    that includes planning and the round trip).  backend_pid=True first runs
    SELECT pg_backend_pid() (its output is not used).  warmup=False leaves the
    warm-up run out (value is then None)."""
    script = settings + "\\timing on\n"
    if backend_pid:
        script += "SELECT pg_backend_pid();\n"
    if warmup:
        script += "\\echo @@VALUE\n" + sql + ";\n"
    script += "\\echo @@EXPLAIN\n" + EXPLAIN + sql + ";\n"
    if client:
        script += "\\echo @@SELECT\n" + sql + ";\n"
    out = psql(script)

    sections = []
    for line in out.splitlines():
        if line.startswith("@@"):
            sections.append((line[2:], []))
        elif sections:
            sections[-1][1].append(line)
    r = {"value": None}
    for kind, lines in sections:
        body = [l for l in lines if not TIME_RE.match(l)]
        tms = [float(TIME_RE.match(l).group(1)) for l in lines if TIME_RE.match(l)]
        if kind == "VALUE":
            r["value"] = body[0] if body else None
            r["warmup_client_ms"] = tms[-1] if tms else None
        elif kind == "EXPLAIN":
            doc = json.loads("\n".join(body))[0]
            r["exec_ms"] = doc["Execution Time"]
            r["planning_ms"] = doc.get("Planning Time")
            r["workers"] = find_workers(doc["Plan"])
        elif kind == "SELECT":
            r["client_ms"] = tms[-1]
    return r


def run_rounds(queries, runs, run_one, width=32, ms_fmt="%9.1f", retry=False):
    """Round-robin: `runs` rounds, each running every query once through
    run_one(*queries[key][1:]) (a fresh session: time_session).  On this VM a
    backend is sometimes uniformly slow for its whole life (30-60 %), so the
    runs of one query are spread over separate backends and separate moments.
    queries: {key: (label, ...)}.  A query that fails is skipped from then on
    (a note).  Returns ({key: [run dicts] or None}, notes)."""
    per = {k: [] for k in queries}
    notes = []
    for rnd in range(runs):
        for key, q in queries.items():
            label = q[0]
            if per[key] is None:
                continue
            t0 = time.time()
            try:
                if retry:
                    per[key].append(with_retry(run_one, *q[1:]))
                else:
                    per[key].append(run_one(*q[1:]))
            except PsqlError as e:
                first = str(e).splitlines()[0]
                notes.append("%s skipped: %s" % (label, first))
                log(("  %-" + str(width) + "s SKIPPED: %s") % (label, first))
                per[key] = None
                continue
            log(("  round %d %-" + str(width) + "s " + ms_fmt + " ms  [%.1f s]") % (
                rnd + 1, label, per[key][-1]["exec_ms"], time.time() - t0))
    return per, notes


# ---------------------------------------------------------------------------
# report helpers
# ---------------------------------------------------------------------------

def rel_diff(a, b):
    a, b = float(a), float(b)
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def so_mtime():
    """(path, mtime) of the installed medres.so, or (None, None)."""
    try:
        libdir = subprocess.run(["pg_config", "--pkglibdir"], capture_output=True,
                                text=True).stdout.strip()
        so = os.path.join(libdir, "medres.so")
        return so, datetime.datetime.fromtimestamp(os.path.getmtime(so)).isoformat(
            timespec="seconds")
    except Exception:
        return None, None


def provenance():
    """Which medres build was measured (others may be reinstalling it): the
    installed medres.so and its mtime, the repository's HEAD and whether src/
    has uncommitted changes.  Keys whose value cannot be found are left out."""
    info = {}
    so, mtime = so_mtime()
    if so is not None:
        info["medres_so"], info["medres_so_mtime"] = so, mtime
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True).stdout.strip()
        info["git"] = head + ("+dirty src" if dirty else "")
    except Exception:
        pass
    return info


def machine_info():
    try:
        model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                     if l.startswith("model name"))
    except Exception:
        model = platform.processor() or "?"
    return {"cpus": os.cpu_count(), "cpu_model": model,
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def memory_pages():
    """How the server's memory is paged: huge_pages (shared_buffers), the
    GLIBC_TUNABLES of the backend (private memory) and the kernel's THP mode."""
    pid = psql_value("SELECT pg_backend_pid()")
    try:
        env = open("/proc/%s/environ" % pid, "rb").read().split(b"\0")
        tun = next((e.split(b"=", 1)[1].decode() for e in env
                    if e.startswith(b"GLIBC_TUNABLES=")), "unset")
    except OSError:
        tun = "unreadable"
    try:
        thp = open("/sys/kernel/mm/transparent_hugepage/enabled").read().split("[")[1].split("]")[0]
    except (OSError, IndexError):
        thp = "?"
    return {"mode": os.environ.get("MEDRES_BENCH_PAGES", "?"),
            "huge_pages": psql_value("SHOW huge_pages"),
            "glibc_tunables": tun, "thp": thp}


def pages_text(p):
    return "%s (huge_pages=%s, backend GLIBC_TUNABLES=%s, THP %s)" % (
        p["mode"], p["huge_pages"], p["glibc_tunables"], p["thp"])


def pg_settings(names):
    """{name: setting||unit} from pg_settings for the given names."""
    return dict(
        l.split("|") for l in psql(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN (%s)"
            % ",".join("'%s'" % n for n in names)).splitlines())
