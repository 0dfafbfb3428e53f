#!/usr/bin/env bash
# Run every medres test on a throwaway PostgreSQL 15 cluster, twice:
# serially, and with parallel plans forced so that the combine, serialize
# and deserialize functions run.  Usage: bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# the throwaway cluster is ours alone: connection settings meant for another server must
# not steer pg_virtualenv (it honours PGPORT) or the clients it runs
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS
bash tools/setup.sh --test
rm -f results/summary.txt
rc=0
pg_virtualenv -v 15 -o max_worker_processes=8 -o max_parallel_workers=8 bash tools/suite.sh || rc=$?
# the count comes last, after pg_virtualenv's own messages
if [ -f results/summary.txt ]; then cat results/summary.txt; else echo "0 passed, 1 failed"; rc=1; fi
exit $rc
