#!/bin/bash
# medres benchmark of the evaluation family (medres.rsr, medres.rsr_grade).
# See bench/README.md, "Evaluation family".
#
#   bash bench/run_evaluation.sh [units]     default 1000000 units in one partition
#   bash bench/run_evaluation.sh 100000      quick check
#   options: --runs N (timed runs per query, default 3, median reported),
#            --json FILE, --markdown FILE (result tables as markdown),
#            --perf auto|always|never (perf record the medres queries; auto:
#            only when a target fails), --no-float8 (skip the float8 variant
#            of the plain SQL), --client (also psql \timing of a plain SELECT)
#
# Runs in a throwaway PostgreSQL cluster made by pg_virtualenv -t (a temp
# directory, deleted afterwards); no other cluster is touched.  medres must be
# installed (make && make install as root).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PY=/usr/bin/python3          # Debian's python3, not pyenv's
PG_CONFIG=${PG_CONFIG:-pg_config}   # Debian's wrapper: the newest installed server
PGVER=$("$PG_CONFIG" --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

units=1000000
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs|--perf) args+=("$1" "$2"); shift ;;
        --json|--markdown) args+=("$1" "$(realpath -m "$2")"); shift ;;
        --json=*|--markdown=*) args+=("${1%%=*}" "$(realpath -m "${1#*=}")") ;;
        --runs=*|--perf=*) args+=("$1") ;;
        --no-float8|--client) args+=("$1") ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        ''|*[!0-9]*) echo "usage: bash bench/run_evaluation.sh [units] [--runs N] [--json FILE] [--markdown FILE] [--perf auto|always|never] [--no-float8] [--client]" >&2; exit 2 ;;
        *) units=$1 ;;
    esac
    shift
done
[ "$units" -ge 1000 ] || { echo "units must be >= 1000" >&2; exit 2; }

command -v pg_virtualenv >/dev/null || { echo "pg_virtualenv missing (apt-get install postgresql-common)" >&2; exit 2; }
[ -n "$PGVER" ] && [ -x "$("$PG_CONFIG" --bindir)/postgres" ] || { echo "PostgreSQL $PGVER server missing" >&2; exit 2; }
[ -f "$("$PG_CONFIG" --sharedir)/extension/medres.control" ] || {
    echo "medres is not installed: run 'make && make install' in the repository first" >&2; exit 2; }

# e1: ~100 B/row; e31 ~35 MB; sorts run in memory (work_mem=1GB), so temp
# files only if that is exceeded
bench_disk $(( units / 1000 * 400 / 1024 + 1024 ))
tmp=${TMPDIR:-/tmp}
bench_port

cd "$tmp"     # the postgres user must be able to stat the cwd
bench_virtualenv $PY "$HERE/evaluation.py" --units "$units" "${args[@]}"
