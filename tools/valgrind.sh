#!/bin/bash
# Run the pg_regress suite (sql/*.sql against expected/*.out) on a throwaway cluster whose
# postgres runs under valgrind memcheck, and report the memcheck errors that have a medres
# frame in their stack.
#
#   bash tools/valgrind.sh                       every test of sql/ (~15 min on 2 cores, of which
#                                                cluster ~10.5 min; without cluster ~1.5 min)
#   bash tools/valgrind.sh window vectors        a subset
#   options: --keep (keep the temp directory with the logs), --port N (default: a free one
#            from 56432 up), PG_CONFIG=... (default the pg_config on PATH: the
#            server whose medres is installed is used; for a private copy point PG_CONFIG at it)
#
# What it does:
#   - extracts src/tools/valgrind.supp (PostgreSQL's suppressions) from the PostgreSQL source
#     tarball of the server's major ($PG_TARBALL, default ../shared/postgres/postgresql-MAJOR.*) into a temp
#     directory;
#   - initdb's a cluster in that directory (as user postgres when run as root) and starts
#     postgres under
#       valgrind --tool=memcheck --trace-children=yes --suppressions=valgrind.supp
#                --error-exitcode=1 --log-file=LOGDIR/%p.log --error-markers=...
#     (one log per process: forked backends get their own file through %p).  The error exit
#     code is 1 because the postmaster treats a backend exiting with any other non-zero code
#     as a crash and restarts every session; exit code 1 it accepts;
#   - runs pg_regress --use-existing style (against that server) with --load-extension=medres;
#     a test that fails its expected output is reported, but the point here is memcheck;
#   - stops the server, reads every log, keeps the errors whose stack has a frame in medres
#     (medres.so, or a source line of one of src/*.c: medres is built with -g, while Debian's
#     postgres has no debug info, so a "(file.c:N)" frame of a medres file is a medres frame),
#     prints each such error with its stack, and counts them.
# Exit status 1 when a medres error was found (or the run itself failed), 0 otherwise.
#
# Limits.  Debian's postgres is not built with USE_VALGRIND, so its memory contexts do not tell
# memcheck about palloc/pfree: an overrun inside a palloc'd block, or a read of a pfree'd chunk
# that its context still holds, is not seen.  What memcheck sees: reads and writes outside
# malloc'd blocks (the contexts' blocks, and medres's own malloc in helper threads),
# uninitialised values used in a branch or a syscall (memory that malloc or a fresh context
# block gave and nobody wrote), invalid frees, and errors in helper threads.  Leaks are not
# checked (--leak-check=no): memory contexts free at the end anyway.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

PG_CONFIG=${PG_CONFIG:-pg_config}
# the suppressions of the same major, from the source tarballs beside the checkout
major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
PG_TARBALL=${PG_TARBALL:-$(ls "$REPO"/../shared/postgres/postgresql-"$major".*.tar.xz 2>/dev/null | head -1)}
keep=0
port=
tests=()
while [ $# -gt 0 ]; do
    case "$1" in
        --keep) keep=1 ;;
        --port) port=$2; shift ;;
        --port=*) port=${1#--port=} ;;
        -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
        -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
        *) tests+=("${1%.sql}") ;;
    esac
    shift
done
[ ${#tests[@]} -gt 0 ] || tests=($(cd sql && ls *.sql | sed 's/\.sql$//'))
# in name order, as tools/suite.sh runs them: the tests share one database, and some create
# tables that a later one would create again (evaluation before provinces)
tests=($(printf '%s\n' "${tests[@]}" | sort -u))
for t in "${tests[@]}"; do
    [ -f "sql/$t.sql" ] || { echo "no test sql/$t.sql" >&2; exit 2; }
done

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
[ -f "$PG_TARBALL" ] || { echo "PostgreSQL source tarball $PG_TARBALL missing (set PG_TARBALL)" >&2; exit 2; }
BIN=$($PG_CONFIG --bindir)
PG_REGRESS=$(dirname "$($PG_CONFIG --pgxs)")/../test/regress/pg_regress
[ -f "$($PG_CONFIG --sharedir)/extension/medres.control" ] || {
    echo "medres is not installed in $($PG_CONFIG --sharedir): make install PG_CONFIG=$PG_CONFIG" >&2; exit 2; }
# unset the connection settings meant for another server
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS

tmp=$(mktemp -d /tmp/medres-valgrind.XXXXXX)
chmod 755 "$tmp"
echo "temp directory: $tmp"

# PostgreSQL's suppressions, from the tarball (only that file is extracted)
top=$(tar -tJf "$PG_TARBALL" | head -1 | cut -d/ -f1)
tar -xJf "$PG_TARBALL" -C "$tmp" "$top/src/tools/valgrind.supp" || { echo "cannot extract valgrind.supp" >&2; exit 2; }
SUPP=$tmp/$top/src/tools/valgrind.supp

# a free port
if [ -z "$port" ]; then
    port=56432
    while ss -Hltn 2>/dev/null | awk '{print $4}' | grep -q ":$port\$"; do port=$((port + 1)); done
fi

run_as() {    # the server must not run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
DATA=$tmp/data
LOGS=$tmp/vglogs
mkdir -p "$DATA" "$LOGS" "$tmp/results"
[ "$(id -u)" = 0 ] && chown postgres "$DATA" "$LOGS" "$tmp"
run_as "$BIN/initdb" -D "$DATA" -A trust -U postgres >"$tmp/initdb.log" 2>&1 ||
    { cat "$tmp/initdb.log"; exit 2; }

server_pid=
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        run_as "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 600 stop >/dev/null 2>&1 || kill "$server_pid"
        wait "$server_pid" 2>/dev/null
    fi
    server_pid=
}
cleanup() {
    stop_server
    if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# No autovacuum and no parallel workers: fewer processes under valgrind, and the errors
# found are those of the tests' own backends (parallel plans still run in the leader).
echo "starting postgres under valgrind on port $port ..."
run_as valgrind --tool=memcheck --trace-children=yes --suppressions="$SUPP" \
    --error-exitcode=1 --leak-check=no --num-callers=40 --read-var-info=no \
    --error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \
    --log-file="$LOGS/%p.log" \
    "$BIN/postgres" -D "$DATA" -p "$port" -k "$tmp" -c listen_addresses= \
    -c autovacuum=off -c max_parallel_workers_per_gather=0 -c fsync=off \
    -c max_worker_processes=8 -c max_parallel_workers=8 -c log_min_messages=warning \
    >"$tmp/server.log" 2>&1 &
server_pid=$!
for i in $(seq 1 300); do
    "$BIN/pg_isready" -q -h "$tmp" -p "$port" && break
    kill -0 "$server_pid" 2>/dev/null || { echo "postgres did not start:"; cat "$tmp/server.log"; exit 2; }
    sleep 1
done
"$BIN/pg_isready" -q -h "$tmp" -p "$port" || { echo "postgres did not start in 300 s"; exit 2; }

start=$(date +%s)
echo "running pg_regress: ${tests[*]}"
"$PG_REGRESS" --bindir="$BIN" --host="$tmp" --port="$port" --user=postgres --inputdir=. \
    --outputdir="$tmp/results" --load-extension=medres --dbname=medres_regress "${tests[@]}"
regress_rc=$?
echo "pg_regress took $(( $(date +%s) - start )) s (exit status $regress_rc)"
[ "$regress_rc" = 0 ] || head -100 "$tmp/results/regression.diffs" 2>/dev/null
stop_server

# ---- the errors ---------------------------------------------------------------------------
srcs=$(cd src && ls *.c | sed 's/\.c$//' | paste -sd'|')
awk -v srcs="$srcs" '
    /VALGRINDERROR-BEGIN/ { inerr = 1; block = ""; medres = 0; next }
    /VALGRINDERROR-END/   {
        inerr = 0; total++
        if (medres) { nm++; print "---- " FILENAME; printf "%s", block }
        next }
    inerr {
        line = $0; sub(/^==[0-9]+== ?/, "", line)
        block = block line "\n"
        if (line ~ /medres\.so/ || line ~ ("\\((" srcs ")\\.c:[0-9]+\\)")) medres = 1
    }
    END { printf "%d memcheck error reports in all, %d with a medres frame\n", total, nm > "/dev/stderr" }
' "$LOGS"/*.log 2>"$tmp/count" >"$tmp/medres_errors"
cat "$tmp/medres_errors"
counts=$(cat "$tmp/count")
nlogs=$(ls "$LOGS" | wc -l)
echo "valgrind logs: $nlogs processes; $counts"
nmed=$(echo "$counts" | sed -n 's/.*, \([0-9]*\) with a medres frame/\1/p')
echo "(a report is one distinct stack in one process; memcheck prints repeats only in its summary)"
[ "$keep" = 1 ] && echo "logs in $LOGS (error blocks between VALGRINDERROR-BEGIN/END)"
if [ "${nmed:-1}" != 0 ]; then exit 1; fi
[ "$regress_rc" = 0 ] || { echo "(no medres memcheck error, but pg_regress failed)"; exit 1; }
exit 0
