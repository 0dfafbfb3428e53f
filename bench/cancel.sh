#!/bin/bash
# How fast does each long-running medres function answer a cancel?  A benchmark, not a test.
#
#   bash bench/cancel.sh                 full sizes (~3-4 min on 2 cores, ~3 GB RAM for hclust;
#                                        ~15 min with --late)
#   bash bench/cancel.sh --quick         small sizes: a smoke test (~40 s; many cases SMALL)
#   options: --no-build (do not make && make install medres), --no-apt (install no packages),
#            --only gini,lisa,...  (case names as printed), --limit S (client-side cap per case,
#            default 120 s), --rows N (rows of the aggregate table, default 10,000,000),
#            --runs N (timed runs per case, default 3: the median counts),
#            --late (a second probe later in each function's work, see below; each case then
#            also runs once to the end, which takes several minutes more)
#   --server: use the running server that the libpq variables (PGHOST, PGPORT, PGUSER, ...)
#            name instead of a throwaway cluster; a database medres_cancel is created in it
#            and dropped afterwards.  For development, e.g.
#            PGHOST=/tmp PGPORT=55405 PGUSER=postgres bash bench/cancel.sh --server --quick
#
# Without --server it runs in a throwaway PostgreSQL cluster made by pg_virtualenv -t (a
# temp directory, deleted afterwards; see bench/lib.sh), where medres (and, for the spatial
# cases, PostGIS and medres_postgis) must be installed: as root it installs the missing
# Debian packages and runs make && make install, like the other bench/run_*.sh.
#
# Method.  For each case a table is made first (bench/cancel.sql, untimed).  Then:
#   1. feed: the time of a query that reads the same input without medres's work (e.g.
#      SELECT count(x) FROM t for SELECT medres.gini(x) FROM t), the best of two runs.  The
#      scan answers cancel by itself; what is measured is the medres function after it.
#   2. the medres query runs --runs times under SET statement_timeout = 1 s + feed, so that the
#      timeout fires about 1 s into medres's own work, and psql's \timing gives the time
#      until the error (SQLSTATE 57014) arrives.
#   seconds = that time - feed, i.e. ~1 s plus the delay of the cancel; the median of --runs
#   runs (min-max shown: on a loaded machine the feed varies too).  PASS when seconds <= 1.2.
#   FAIL when later, or when another error comes.  SMALL when the query finished before the
#   timeout (the case is too small to say anything: raise its size).
#   --late: the first probe lands ~1 s into medres's work, often in the sort; a function whose
#   later phase (building the result, say) does not answer is caught by a second probe, at
#   3/4 of the work: the case runs once to the end (T), then under statement_timeout =
#   feed + 0.75 (T - feed); its column shows "seconds @timeout/T"; PASS needs both probes.
# Serial plans (max_parallel_workers_per_gather = 0); medres.threads has its default.
# Exit status 1 when a case FAILs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
PG_CONFIG=${PG_CONFIG:-pg_config}   # Debian's wrapper: the newest installed server

build=1
apt=1
server=0
inside=0
quick=0
only=
limit=120
runs=3
late_probe=0
rows=
orig_args=("$@")
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --no-apt) apt=0 ;;
        --server) server=1 ;;
        --inside) inside=1 ;;           # internal: we already run inside pg_virtualenv
        --quick) quick=1 ;;
        --late) late_probe=1 ;;
        --only) only=$2; shift ;;
        --only=*) only=${1#--only=} ;;
        --limit) limit=$2; shift ;;
        --limit=*) limit=${1#--limit=} ;;
        --runs) runs=$2; shift ;;
        --runs=*) runs=${1#--runs=} ;;
        --rows) rows=$2; shift ;;
        --rows=*) rows=${1#--rows=} ;;
        -h|--help) sed -n '2,37p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ "$server" = 0 ] && [ "$inside" = 0 ]; then
    . "$HERE/lib.sh"
    bench_packages postgresql postgresql-server-dev-all postgresql-common make gcc postgresql-postgis
    PGVER=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
    bench_build
    ext=$($PG_CONFIG --sharedir)/extension
    [ -f "$ext/medres.control" ] || {
        echo "medres is not installed: run without --no-build, or 'make && make install'" >&2; exit 2; }
    bench_disk 4096
    # connection settings meant for another server must not steer pg_virtualenv
    unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS
    bench_port
    cd "${TMPDIR:-/tmp}"     # the postgres user must be able to stat the cwd
    bench_virtualenv bash "$HERE/cancel.sh" --inside "${orig_args[@]}"
fi

# ---- from here on: a server named by the libpq variables -----------------------------------
if [ "$quick" = 1 ]; then
    : "${rows:=2000000}"; erows=500000; hn=6000; kn=20000; sn=10000; pn=10000; dn=50000; sup=2000
    restarts=200; perms_moran=99999; perms_lisa=9999; band=8; knn=60; catch=25
else
    : "${rows:=10000000}"; erows=3000000; hn=20000; kn=100000; sn=30000; pn=30000; dn=200000; sup=5000
    restarts=500; perms_moran=99999; perms_lisa=9999; band=5; knn=100; catch=20
fi

DB=medres_cancel
export PGDATABASE=$DB PGAPPNAME=medres_cancel_bench
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
admin() { PGDATABASE=postgres "${PSQL[@]}" "$@"; }

admin -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
cleanup() {
    # a case cut off by --limit may still run in its backend
    admin -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null 2>&1 || true
    admin -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"${PSQL[@]}" -c "SET client_min_messages = warning" -c "CREATE EXTENSION medres"
spatial=0
if "${PSQL[@]}" -c "SET client_min_messages = warning" -c "CREATE EXTENSION postgis" \
       -c "CREATE EXTENSION medres_postgis" 2>/dev/null; then
    spatial=1
else
    echo "note: postgis or medres_postgis is not available: the spatial cases are skipped"
fi
"${PSQL[@]}" -At -c "SELECT 'server: ' || version()" \
    -c "SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname) FROM pg_extension
        WHERE extname IN ('medres', 'medres_postgis', 'postgis')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "sizes: rows=$rows erows=$erows hclust=$hn kmeans=$kn x $restarts restarts silhouette=$sn" \
     "points=$pn demand=$dn supply=$sup"
echo "making the tables (untimed) ..."
t0=$(date +%s)
"${PSQL[@]}" -v rows=$rows -v erows=$erows -v hn=$hn -v kn=$kn -v sn=$sn -v pn=$pn -v dn=$dn \
    -v sup=$sup -v spatial=$spatial -f "$HERE/cancel.sql"
echo "tables made in $(( $(date +%s) - t0 )) s"

SETTINGS="SET max_parallel_workers_per_gather = 0;"
# window results go through max() so that the planner cannot drop the unused column
win() { echo "SELECT max(v) FROM (SELECT $1 AS v FROM $2) q"; }
cnt() { echo "SELECT count(*), max(x) FROM ($1) q"; }   # x: an SRF's column, read so it is kept

# The streaming aggregates do their work row by row, in the transition function, and their
# final function is short: for them there is no feed (-), the timeout is 1 s from the start, and
# t is read three times so that the query outlasts it.
T3="(SELECT x, w, g FROM t UNION ALL SELECT x, w, g FROM t UNION ALL SELECT x, w, g FROM t) t3"
# average linkage keeps the condensed distance matrix: hn^2/2 doubles, more than the default
# medres.memory_limit (1 GB) from ~16,000 points on (ward runs from the vectors instead)
MEM="SET medres.memory_limit = '4GB'"
# name | spatial? | feed query (- for none) | medres query [| setting for the medres query]
cases=(
  "gini|0|SELECT count(x) FROM t|SELECT medres.gini(x) FROM t"
  "gini_w|0|SELECT count(x + w) FROM t|SELECT medres.gini(x, w) FROM t"
  "lorenz|0|SELECT count(x) FROM t|SELECT cardinality(medres.lorenz(x)) FROM t"
  "concentration_index|0|SELECT count(x + r) FROM t|SELECT medres.concentration_index(x, r) FROM t"
  "theil_t|0|-|SELECT medres.theil_t(x, w) FROM $T3"
  "ge(2)|0|-|SELECT medres.ge(x, 2, w) FROM $T3"
  "ge_decomposition|0|-|SELECT (medres.ge_decomposition(x, w, g, 1)).total FROM $T3"
  "rsr|0|$(win 'count(*) OVER ()' e)|$(win 'medres.rsr(f) OVER ()' e)"
  "topsis|0|$(win 'count(*) OVER ()' e)|$(win 'medres.topsis(f) OVER ()' e)"
  "entropy_weights|0|SELECT count(f) FROM e|SELECT medres.entropy_weights(f) FROM e"
  "hclust average|0|$(win 'count(*) OVER ()' hc)|$(win "medres.hclust(f, 5) OVER ()" hc)|$MEM"
  "hclust ward|0|$(win 'count(*) OVER ()' hc)|$(win "medres.hclust(f, 5, 'ward') OVER ()" hc)"
  "hclust_tree|0|SELECT count(f) FROM hc|SELECT cardinality(medres.hclust_tree(f, id::text)) FROM hc|$MEM"
  "kmeans|0|$(win 'count(*) OVER ()' km)|$(win "medres.kmeans(f, 10, 0, $restarts) OVER ()" km)"
  "silhouette|0|SELECT count(f) FROM sil|SELECT medres.silhouette(f, cluster) FROM sil"
  "spatial_weights distance|1|SELECT count(*) FROM pts|$(cnt "SELECT w AS x FROM medres.spatial_weights('SELECT id, geom FROM public.pts', 'distance', distance => $band)")"
  "spatial_weights knn|1|SELECT count(*) FROM pts|$(cnt "SELECT w AS x FROM medres.spatial_weights('SELECT id, geom FROM public.pts', 'knn', k => $knn)")"
  "accessibility 2sfca|1|SELECT count(*) FROM dem, (SELECT count(*) FROM sup) s|$(cnt "SELECT score AS x FROM medres.accessibility('SELECT id, geom, beds FROM public.sup', 'SELECT id, geom, pop FROM public.dem', catchment => $catch)")"
  "accessibility 3sfca|1|SELECT count(*) FROM dem, (SELECT count(*) FROM sup) s|$(cnt "SELECT score AS x FROM medres.accessibility('SELECT id, geom, beds FROM public.sup', 'SELECT id, geom, pop FROM public.dem', '3sfca', catchment => $catch)")"
  "moran|1|SELECT count(*) FROM pts, (SELECT count(*) FROM pw) s|SELECT (medres.moran('SELECT id, value FROM public.pts', 'SELECT i, j, w FROM public.pw', $perms_moran)).i"
  "lisa|1|SELECT count(*) FROM pts, (SELECT count(*) FROM pw) s|$(cnt "SELECT ii AS x FROM medres.lisa('SELECT id, value FROM public.pts', 'SELECT i, j, w FROM public.pw', $perms_lisa)")"
)

# ms of each \timing line of psql's output
times_ms() { sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }

# run1 TIMEOUT_MS: one run of $query under that statement_timeout (0: none); sets ms (the
# psql \timing of the query), state (its SQLSTATE, empty when it succeeded), err, and
# capped=1 when --limit cut it off
run1() {
    local out rc
    out=$(timeout --kill-after=5 "$limit" "${PSQL[@]}" -v ON_ERROR_STOP=0 -c "$SETTINGS" \
            -c "${setting:-RESET statement_timeout}" -c "SET statement_timeout = $1" \
            -c '\set VERBOSITY verbose' -c '\timing on' -c "$query" 2>&1) && rc=0 || rc=$?
    ms=$(echo "$out" | times_ms | tail -1)
    err=$(echo "$out" | grep -m1 'ERROR:  ' || true)
    state=$(echo "$err" | sed -n 's/.*ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p')
    capped=0
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        capped=1; ms=$((limit * 1000))
        admin -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
                  WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null || true
        sleep 2
    fi
}

# probe TIMEOUT_MS BASE_MS: $runs runs under the timeout (a run that does not end in 57014
# decides at once); sets secs (median of elapsed - BASE_MS, in s), range, all and verdict
probe() {
    local run sorted
    all=(); verdict=
    for ((run = 1; run <= runs; run++)); do
        run1 "$1"
        if [ "$capped" = 1 ]; then
            verdict="FAIL (no answer within --limit $limit s)"
        elif [ -n "$state" ] && [ "$state" != 57014 ]; then
            verdict="FAIL (not 57014: ${err#*ERROR:  })"
        elif [ -z "$state" ]; then
            verdict="SMALL (finished before the timeout)"
        fi
        all+=("$(awk -v m="${ms:-0}" -v f="$2" 'BEGIN { printf "%.3f", (m - f) / 1000 }')")
        [ -n "$verdict" ] && break
    done
    sorted=($(printf '%s\n' "${all[@]}" | sort -g))
    secs=${sorted[$(( (${#sorted[@]} - 1) / 2 ))]}
    range="${sorted[0]}-${sorted[${#sorted[@]} - 1]}"
    [ -n "$verdict" ] || verdict=$(awk -v s="$secs" 'BEGIN { print (s <= 1.2 ? "PASS" : "FAIL") }')
}

results=()
npass=0; nfail=0; nsmall=0; nskip=0
for c in "${cases[@]}"; do
    IFS='|' read -r name needs_spatial feed query setting <<<"$c"
    if [ -n "$only" ] && ! [[ ",$only," == *",$name,"* ]]; then continue; fi
    if [ "$needs_spatial" = 1 ] && [ "$spatial" = 0 ]; then
        results+=("$name|-|-|-|-|-|SKIP (no medres_postgis)"); nskip=$((nskip + 1)); continue
    fi
    # 1. feed: best of two
    if [ "$feed" = - ]; then
        feed_ms=0
    else
        out=$("${PSQL[@]}" -c "$SETTINGS" -c '\timing on' -c "$feed" -c "$feed" 2>&1) || {
            echo "feed query of $name failed: $out" >&2; exit 1; }
        feed_ms=$(echo "$out" | times_ms | sort -g | head -1)
    fi
    timeout_ms=$(awk -v f="$feed_ms" 'BEGIN { printf "%d", 1000 + int((f + 9) / 10) * 10 }')
    # 2. the medres query under the timeout, 1 s into medres's work
    probe "$timeout_ms" "$feed_ms"
    line_all="${all[*]}"
    # 3. --late: once to the end without a timeout (time T), then under a timeout at 3/4 of
    #    the work, T_feed + 0.75 (T - T_feed): the cancel lands in a later phase (e.g. after
    #    the sort, while the result is built).  seconds = elapsed - (timeout - 1 s).
    late=-
    if [ "$late_probe" = 1 ] && { [ "$verdict" = PASS ] || [ "$verdict" = FAIL ]; }; then
        run1 0
        if [ "$capped" = 1 ] || [ -n "$state" ]; then
            late="(full run: ${state:-over --limit})"
        elif awk -v m="$ms" -v f="$feed_ms" 'BEGIN { exit !(m - f >= 2500) }'; then
            v1=$verdict; s1=$secs; r1=$range
            t2=$(awk -v m="$ms" -v f="$feed_ms" 'BEGIN { printf "%d", f + 0.75 * (m - f) }')
            full=$(awk -v m="$ms" 'BEGIN { printf "%.1f", m / 1000 }')
            probe "$t2" "$((t2 - 1000))"
            at="@$(awk -v t="$t2" 'BEGIN { printf "%.1f", t / 1000 }')/${full}s"
            case "$verdict" in
                PASS|FAIL) late="$secs $at" ;;
                # this run was faster than the full one (a loaded machine): no verdict
                SMALL*) late="(ended first) $at"; verdict=PASS ;;
                *) late="(${verdict#FAIL }) $at"; verdict=FAIL ;;
            esac
            [ "$v1" = FAIL ] && verdict=FAIL
            [ "$verdict" = FAIL ] && [ "$v1" = PASS ] && verdict="FAIL (late phase)"
            secs=$s1; range=$r1
        else
            late="(short: $(awk -v m="$ms" 'BEGIN { printf "%.1f", m / 1000 }') s)"
        fi
    fi
    feeds=$(awk -v f="$feed_ms" 'BEGIN { printf "%.3f", f / 1000 }')
    tos=$(awk -v t="$timeout_ms" 'BEGIN { printf "%.2f", t / 1000 }')
    results+=("$name|$feeds|$tos|$secs|$range|$late|$verdict")
    case "$verdict" in PASS) npass=$((npass + 1)) ;; SMALL*) nsmall=$((nsmall + 1)) ;; *) nfail=$((nfail + 1)) ;; esac
    printf '  %-26s %s s (%s)%s\n' "$name" "$secs" "$line_all" \
           "$([ "$late" = - ] || echo ", late phase: $late")" >&2
done

echo
printf '%-26s | %7s | %7s | %7s | %-13s | %s%s\n' function "feed s" "timeout" seconds "min-max" \
       "$([ "$late_probe" = 1 ] && printf '%-24s | ' 'late phase s @to/full')" verdict
printf -- '---------------------------+---------+---------+---------+---------------+-%s---------\n' \
       "$([ "$late_probe" = 1 ] && printf -- '-------------------------+-')"
for r in "${results[@]}"; do
    IFS='|' read -r name feeds tos secs range late verdict <<<"$r"
    printf '%-26s | %7s | %7s | %7s | %-13s | %s%s\n' "$name" "$feeds" "$tos" "$secs" "$range" \
           "$([ "$late_probe" = 1 ] && printf '%-24s | ' "$late")" "$verdict"
done
echo
echo "$npass passed, $nfail failed, $nsmall too small, $nskip skipped" \
     "(seconds = time to the 57014 error minus feed; PASS when <= 1.2)"
[ "$nfail" -eq 0 ]
