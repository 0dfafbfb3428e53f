#!/usr/bin/env bash
# test/sqlsmith.sh [SERVER_LOG]
#
# Runs SQLsmith (Debian package sqlsmith) for a bounded number of random queries against a
# throwaway database with medres installed, then checks that the server neither crashed nor
# restarted:
#   - the restart marker (pg_postmaster_start_time() and the checkpointer's start, which
#     changes on a crash reinitialisation when the postmaster start time does not) is the
#     same before and after;
#   - if SERVER_LOG is given, the lines the server wrote to it during the run hold no
#     "terminated by signal" (a backend crash) and no PANIC.
# Prints `ok - sqlsmith N queries, no server crash` or `not ok - ...`; exit status 0 or 1.
#
# Server: the libpq variables PGHOST, PGPORT, PGUSER; PGDATABASE is the maintenance database
# (default postgres); PGUSER must be a superuser (it creates the database and extensions).
# SQLsmith itself connects as the unprivileged role SMITH_USER (default medres_smith, created
# if missing), so that its random calls of administrative functions (pg_terminate_backend,
# lo_export, ...) fail instead of acting.  Knobs: SMITH_DB (default medres_smith, dropped and
# recreated), SMITH_QUERIES (default 4000), SMITH_SEED (default 20261205),
# SMITH_SECONDS (hard limit, default 60), SMITH_POSTGIS=1 to install postgis and
# medres_postgis too (many more functions for SQLsmith to choose from, so fewer medres calls).
set -u
log=${1:-}
db=${SMITH_DB:-medres_smith}
n=${SMITH_QUERIES:-4000}
user=${SMITH_USER:-medres_smith}
seed=${SMITH_SEED:-20261205}
secs=${SMITH_SECONDS:-60}
maint=${PGDATABASE:-postgres}
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
marker() {
    psql -X -At -d "$maint" -c "SELECT pg_postmaster_start_time() || ' / ' || coalesce((SELECT
        min(backend_start)::text FROM pg_stat_activity WHERE backend_type = 'checkpointer'), '')" \
        2>/dev/null
}
notok() { echo "not ok - sqlsmith: $*"; exit 1; }

command -v sqlsmith >/dev/null || notok "sqlsmith is not installed (apt-get install sqlsmith)"
before=$(marker)
[ -n "$before" ] || notok "cannot connect to the server (PGHOST=${PGHOST:-} PGPORT=${PGPORT:-})"

# A small schema: SQLsmith draws its columns from the user tables (--exclude-catalog), so
# these give it float8, float8[], int and text values to pass to medres's functions.
psql_ -d "$maint" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null \
    || notok "cannot create database $db"
psql -X -q -d "$maint" -c "CREATE ROLE $user LOGIN" 2>/dev/null   # may exist already
ext="CREATE EXTENSION medres;"
[ "${SMITH_POSTGIS:-0}" = 1 ] && ext="CREATE EXTENSION postgis; $ext CREATE EXTENSION medres_postgis;"
psql_ -d "$db" >/dev/null <<SQL || notok "cannot set up database $db"
SET client_min_messages = warning;
$ext
CREATE TABLE unit (id int PRIMARY KEY, grp text, income float8, weight float8, health float8,
                   indicators float8[], k int);
INSERT INTO unit
  SELECT i, 'g' || (i % 3), (i % 17) * 1.5 + 0.5, i % 4 + 1, (i % 7) / 7.0,
         ARRAY[i % 5, (i * 3) % 11, i % 2 + 0.5]::float8[], i % 4
  FROM generate_series(1, 60) i;
INSERT INTO unit VALUES (1000, NULL, 'NaN', 0, 'Infinity', '{}', NULL),
                        (1001, 'g1', 1e308, 1e308, -1, '{NULL,1}', -1),
                        (1002, 'g2', 0, 5e-324, 1e-300, '{{1,2},{3,4}}', 2147483647),
                        (1003, '', -1e200, -1, 0, ARRAY[1e200, -1e200, 0], 0);
CREATE TABLE measure (unit_id int, year int, value float8, label text);
INSERT INTO measure SELECT i % 60 + 1, 2000 + i % 5, (i * 37 % 101) / 3.0, 'm' || i
  FROM generate_series(1, 120) i;
GRANT ALL ON unit, measure TO $user;
GRANT CREATE ON SCHEMA public TO $user;
GRANT USAGE ON SCHEMA medres TO $user;
ANALYZE;
SQL

[ -n "$log" ] && [ -r "$log" ] && logpos=$(stat -c %s "$log") || logpos=

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
t0=$(date +%s)
# SQLsmith sets its own statement_timeout (1 s) on its connection; timeout(1) bounds the run.
timeout -k 5 "$secs" sqlsmith --target="dbname=$db user=$user" --seed="$seed" \
    --max-queries="$n" --exclude-catalog --verbose --dump-all-queries \
    >"$out/stdout" 2>"$out/stderr"
rc=$?
t1=$(date +%s)

sleep 2    # let a crash reinitialisation begin, if there was one
after=""
for _ in $(seq 1 60); do
    after=$(marker) && [ -n "$after" ] && break
    sleep 1
done
# the last "queries: N" progress report, else the requested number
done_n=$(grep -ao 'queries: [0-9]*' "$out/stderr" | tail -1 | grep -o '[0-9]*$')
[ -n "$done_n" ] || done_n="$n?"

problems=()
[ "$rc" = 124 ] && echo "# sqlsmith stopped after ${secs}s (SMITH_SECONDS)"
[ "$rc" != 0 ] && [ "$rc" != 124 ] && echo "# sqlsmith exit status $rc: $(tail -3 "$out/stderr" | tr '\n' ' ')"
[ -n "$after" ] || problems+=("the server did not come back")
[ -n "$after" ] && [ "$after" != "$before" ] && problems+=("the server restarted ($before -> $after)")
if [ -n "$logpos" ]; then
    crashes=$(tail -c +"$((logpos + 1))" "$log" | grep -a -E 'terminated by signal|PANIC:' | head -5)
    [ -n "$crashes" ] && problems+=("server log: $(echo "$crashes" | tr '\n' ' ')")
fi
grep -a -i -E 'connection (to server )?(was )?lost|server closed the connection' "$out/stderr" \
    >/dev/null && problems+=("sqlsmith lost its connection")
calls=$(grep -ao 'medres\.[a-z_]*(' "$out/stdout" | wc -l)
fns=$(grep -ao 'medres\.[a-z_]*(' "$out/stdout" | sort -u | wc -l)
echo "# $((t1 - t0)) s; $calls calls of $fns distinct medres functions; top errors:"
grep -ao 'ERROR:.*' "$out/stderr" | sort | uniq -c | sort -rn | head -5 | sed 's/^/#   /'
if [ ${#problems[@]} -gt 0 ]; then
    # --dump-all-queries wrote every query to stdout: the crashing one is near the end
    echo "# the last queries SQLsmith sent:"
    tail -c 3000 "$out/stdout" | sed 's/^/# /'
    notok "$done_n queries: ${problems[*]}"
fi
echo "ok - sqlsmith $done_n queries, no server crash"
