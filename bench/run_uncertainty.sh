#!/bin/bash
# medres benchmark of the bootstrap intervals (medres.inequality_ci); see
# bench/uncertainty.py for what it times and the targets.
#
#   bash bench/run_uncertainty.sh [rows]      default 1000000 rows, 1000 replicates
#   bash bench/run_uncertainty.sh 100000      quick check
#   options: --replicates R, --runs N (timed runs per query, default 3, median
#            reported), --numpy-replicates K (numpy replicates actually run, the
#            rest extrapolated; default 20), --json FILE
#
# Runs in a throwaway PostgreSQL cluster made by pg_virtualenv -t (a temp
# directory, deleted afterwards); no other cluster is touched.  medres must be
# installed (make && make install as root).  medres.threads keeps its default (2):
# the replicates are split over the backend and one helper thread.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PY=/usr/bin/python3          # Debian's python3 (numpy), not pyenv's
PG_CONFIG=${PG_CONFIG:-pg_config}
PGVER=$("$PG_CONFIG" --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

rows=1000000
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --replicates|--runs|--numpy-replicates) args+=("$1" "$2"); shift ;;
        --json) args+=("$1" "$(realpath -m "$2")"); shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        ''|*[!0-9]*) echo "usage: bash bench/run_uncertainty.sh [rows] [--replicates R] [--runs N] [--numpy-replicates K] [--json FILE]" >&2; exit 2 ;;
        *) rows=$1 ;;
    esac
    shift
done
[ "$rows" -ge 1000 ] || { echo "rows must be >= 1000" >&2; exit 2; }

command -v pg_virtualenv >/dev/null || { echo "pg_virtualenv missing (apt-get install postgresql-common)" >&2; exit 2; }
[ -n "$PGVER" ] && [ -x "$("$PG_CONFIG" --bindir)/postgres" ] || { echo "PostgreSQL $PGVER server missing" >&2; exit 2; }
[ -f "$("$PG_CONFIG" --sharedir)/extension/medres.control" ] || {
    echo "medres is not installed: run 'make && make install' in the repository first" >&2; exit 2; }
$PY -c 'import numpy' 2>/dev/null || { echo "numpy missing (apt-get install python3-numpy)" >&2; exit 2; }

# ~60 B/row in the table, 16 B/row in the state, 16 B/row exported to numpy
bench_disk $(( rows / 1000 * 100 / 1024 + 512 ))
tmp=${TMPDIR:-/tmp}
bench_port

cd "$tmp"     # the postgres user must be able to stat the cwd
bench_virtualenv $PY "$HERE/uncertainty.py" --rows "$rows" "${args[@]}"
