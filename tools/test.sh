#!/usr/bin/env bash
# Run every medres test on throwaway clusters.
#   bash tools/test.sh                     the whole suite on Debian's PostgreSQL (with PostGIS),
#                                          serially and with parallel plans forced
#   bash tools/test.sh --matrix DIR        also, for each DIR/postgresql-*.tar.xz, build that
#                                          server with assertions (cached, tools/build_pg.sh),
#                                          build medres against it with -Werror and run the suite
#                                          that needs no PostGIS
#   bash tools/test.sh --matrix-only DIR   the matrix alone
# The last line sums every count as "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
# the throwaway clusters are ours alone: connection settings meant for another server must
# not steer the clients we run
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS PGSSLMODE
matrix= main=1
case "${1:-}" in
  --matrix) matrix=${2:?--matrix needs a folder of PostgreSQL source tarballs} ;;
  --matrix-only) matrix=${2:?--matrix-only needs a folder of PostgreSQL source tarballs}; main= ;;
  "") ;;
  *) echo "usage: bash tools/test.sh [--matrix DIR | --matrix-only DIR]" >&2; exit 2 ;;
esac
bash tools/setup.sh --test ${matrix:+--matrix}
source tools/cluster.sh
trap cluster_stop EXIT
mkdir -p results
totals=()

# run_suite PG_CONFIG LABEL [--main]: a fresh cluster of that server, the suite, its count
run_suite() {
  local pgc=$1 label=$2 rc=0
  if cluster_start "$pgc" -c max_worker_processes=8 -c max_parallel_workers=8; then
    bash tools/suite.sh "$pgc" "$label" ${3:-} || rc=$?
    # a crash shows in the server log even when every test passed
    if grep -E 'terminated by signal|TRAP:|server process .* was terminated' "$CLUSTER_LOG" >/dev/null; then
      echo "not ok - the server log of $label shows a crash:"
      grep -E -B2 -A5 'terminated by signal|TRAP:' "$CLUSTER_LOG" | head -40
      echo "0 passed, 1 failed" >>"results/$label/summary.txt"
    fi
    cluster_stop
  else
    mkdir -p "results/$label"; echo "0 passed, 1 failed" >"results/$label/summary.txt"
  fi
  totals+=("results/$label/summary.txt")
}

if [ -n "$main" ]; then
  pgc=${PG_CONFIG:-pg_config}
  make -s clean-objects; make -s WERROR=1 PG_CONFIG="$pgc" >/dev/null; make -s install PG_CONFIG="$pgc" >/dev/null
  run_suite "$pgc" main --main
fi
if [ -n "$matrix" ]; then
  for tarball in "$matrix"/postgresql-*.tar.xz; do
    name=$(basename "$tarball" .tar.xz)
    echo "# $name: building the server with assertions (cached)"
    if ! prefix=$(bash tools/build_pg.sh "$tarball"); then
      mkdir -p "results/$name"; echo "0 passed, 1 failed" >"results/$name/summary.txt"
      totals+=("results/$name/summary.txt"); continue
    fi
    pgc=$prefix/bin/pg_config
    if make -s clean-objects && make -s WERROR=1 PG_CONFIG="$pgc" >"results/build-$name.log" 2>&1 &&
       make -s install PG_CONFIG="$pgc" >>"results/build-$name.log" 2>&1; then
      echo "ok - medres builds with -Werror against $name"
      MEDRES_TAP_PARALLEL_ONLY=1 run_suite "$pgc" "$name"
    else
      cat "results/build-$name.log"; echo "not ok - medres does not build against $name"
      mkdir -p "results/$name"; echo "0 passed, 1 failed" >"results/$name/summary.txt"
      totals+=("results/$name/summary.txt")
    fi
  done
  make -s clean-objects
fi
echo "# tools/test.sh took $((SECONDS / 60)) min $((SECONDS % 60)) s"
# the count comes last
cat "${totals[@]}" | awk '{p += $1; f += $3} END {printf "%d passed, %d failed\n", p, f; exit (f > 0)}'
