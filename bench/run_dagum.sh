#!/bin/bash
# medres benchmark of Dagum's Gini decomposition (medres.dagum_decomposition).
#
#   bash bench/run_dagum.sh [rows]        default 10000000 rows x 31 groups (vs medres.gini)
#   bash bench/run_dagum.sh 1000000 --small-rows 20000    quick check
#   options: --small-rows N (rows x 3 groups against the O(n^2) formula in numpy,
#            default 100000), --runs N (timed runs per query, default 3, median
#            reported), --numpy-runs N (timed runs of the numpy formula, default 1:
#            a few minutes each at 100,000 rows on 2 cores), --json FILE
#
# Runs in a throwaway PostgreSQL cluster made by pg_virtualenv -t (a temp
# directory, deleted afterwards); no other cluster is touched.  medres must be
# installed (make && make install as root).  Needs python3-numpy for /usr/bin/python3.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PY=/usr/bin/python3          # Debian's python3 with python3-numpy, not pyenv's
PG_CONFIG=${PG_CONFIG:-pg_config}   # Debian's wrapper: the newest installed server
PGVER=$("$PG_CONFIG" --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

rows=10000000
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs|--small-rows|--numpy-runs) args+=("$1" "$2"); shift ;;
        --json) args+=("$1" "$(realpath -m "$2")"); shift ;;
        --json=*) args+=("--json" "$(realpath -m "${1#*=}")") ;;
        --runs=*|--small-rows=*|--numpy-runs=*) args+=("$1") ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        ''|*[!0-9]*) echo "usage: bash bench/run_dagum.sh [rows] [--small-rows N] [--runs N] [--numpy-runs N] [--json FILE]" >&2; exit 2 ;;
        *) rows=$1 ;;
    esac
    shift
done
[ "$rows" -ge 1000 ] || { echo "rows must be >= 1000" >&2; exit 2; }

command -v pg_virtualenv >/dev/null || { echo "pg_virtualenv missing (apt-get install postgresql-common)" >&2; exit 2; }
[ -n "$PGVER" ] && [ -x "$("$PG_CONFIG" --bindir)/postgres" ] || { echo "PostgreSQL $PGVER server missing" >&2; exit 2; }
[ -f "$("$PG_CONFIG" --sharedir)/extension/medres.control" ] || {
    echo "medres is not installed: run 'make && make install' in the repository first" >&2; exit 2; }
$PY -c 'import numpy' 2>/dev/null || { echo "$PY has no numpy (apt-get install python3-numpy)" >&2; exit 2; }

# table b: ~60 B/row; the aggregate state holds 24 B/row in memory
bench_disk $(( rows / 1000 * 100 / 1024 + 1024 ))
tmp=${TMPDIR:-/tmp}
bench_port

cd "$tmp"     # the postgres user must be able to stat the cwd
bench_virtualenv $PY "$HERE/dagum.py" --rows "$rows" "${args[@]}"
