#!/bin/bash
# medres benchmark.  See bench/README.md.
#
#   bash bench/run.sh [rows]            default 10000000 rows (~5 min on 2 cores)
#   bash bench/run.sh 1000000           quick check
#   bash bench/run.sh --big             100M rows (x, w), one serial medres.gini
#   add --json FILE to keep every measurement as JSON, --runs N for N timed
#   runs per query (default 3, median reported)
#   --pages huge (the default) or --pages 4k: how the server's memory is paged
#
# --pages huge runs the server as a production server with 2 GB of
# shared_buffers should run (PostgreSQL's manual, "Linux Huge Pages"):
# shared_buffers in huge pages (huge_pages=on; vm.nr_hugepages is raised for
# the run and restored afterwards, so it needs root), and the server's
# private memory from malloc advised to use transparent huge pages
# (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, in the cluster's environment file).
# On the VMs this project runs on, every first touch of a 4 kB page costs
# about 10 us; with 4 kB pages (--pages 4k) a parallel plan spends more in
# page faults than it gains from the second core, for avg(x) as for gini.
# bench/README.md has both.
#
# Runs in a throwaway PostgreSQL cluster made by pg_virtualenv -t (a temp
# directory, deleted afterwards); no other cluster is touched.  medres must be
# installed (make && make install as root).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3          # Debian's python3 with python3-numpy, not pyenv's
PG_CONFIG=${PG_CONFIG:-pg_config}   # Debian's wrapper: the newest installed server
PGVER=$("$PG_CONFIG" --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

rows=10000000
big=0
json=
runs=3
pages=huge
while [ $# -gt 0 ]; do
    case "$1" in
        --big) big=1 ;;
        --json) json=$(realpath -m "$2"); shift ;;
        --json=*) json=$(realpath -m "${1#--json=}") ;;
        --runs) runs=$2; shift ;;
        --pages) pages=$2; shift ;;
        --pages=*) pages=${1#--pages=} ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        ''|*[!0-9]*) echo "usage: bash bench/run.sh [rows] [--big] [--runs N] [--json FILE] [--pages huge|4k]" >&2; exit 2 ;;
        *) rows=$1 ;;
    esac
    shift
done
[ "$rows" -ge 1000 ] || { echo "rows must be >= 1000" >&2; exit 2; }
case $pages in huge|4k) ;; *) echo "--pages must be huge or 4k" >&2; exit 2 ;; esac

command -v pg_virtualenv >/dev/null || { echo "pg_virtualenv missing (apt-get install postgresql-common)" >&2; exit 2; }
[ -n "$PGVER" ] && [ -x "$("$PG_CONFIG" --bindir)/postgres" ] || { echo "PostgreSQL $PGVER server missing" >&2; exit 2; }
$PY -c 'import numpy' 2>/dev/null || { echo "$PY has no numpy (apt-get install python3-numpy)" >&2; exit 2; }
[ -f "$("$PG_CONFIG" --sharedir)/extension/medres.control" ] || {
    echo "medres is not installed: run 'make && make install' in the repository first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || echo "warning: not root: reading/resetting /proc/<backend>/ for the memory figure may fail" >&2

# the cluster lives in a mktemp directory under $TMPDIR (pg_virtualenv -t)
tmp=${TMPDIR:-/tmp}
avail_kb=$(df -Pk "$tmp" | awk 'NR==2 {print $4}')
if [ "$big" = 1 ]; then
    need_kb=$((12 * 1024 * 1024))            # ~4.5 GB table + slack
else
    need_kb=$(( rows / 1000 * 200 + 1024 * 1024 ))   # ~52 B/row table + temp/slack
fi
if [ "$avail_kb" -lt "$need_kb" ]; then
    echo "not enough free disk in $tmp: $((avail_kb/1024)) MB free, need ~$((need_kb/1024)) MB" >&2
    exit 2
fi

args=()
if [ "$big" = 1 ]; then args+=(--big); else args+=(--rows "$rows"); fi
[ -n "$json" ] && args+=(--json "$json")
args+=(--runs "$runs")

# a free port away from 5432.. so the temp cluster never takes the port of a
# (possibly stopped) regular cluster; pg_virtualenv honours PGPORT
port=55432
while ss -Hltn 2>/dev/null | awk '{print $4}' | grep -q ":$port\$" \
      || [ -e /var/run/postgresql/.s.PGSQL.$port ]; do
    port=$((port + 1))
done
export PGPORT=$port

# memory pages of the server (see the header)
vopts=(-o huge_pages=off)
if [ "$pages" = huge ]; then
    [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/nr_hugepages ] || {
        echo "--pages huge raises vm.nr_hugepages and needs root; run as root or with --pages 4k" >&2; exit 2; }
    grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null &&
        echo "warning: transparent huge pages are off ([never]): private memory stays in 4 kB pages" >&2
    hp_old=$(cat /proc/sys/vm/nr_hugepages)
    hp_need=1152                 # 2 GB shared_buffers + the rest of shared memory, in 2 MB pages
    restore_hugepages() { echo "$hp_old" > /proc/sys/vm/nr_hugepages; }
    trap restore_hugepages EXIT
    echo $((hp_old + hp_need)) > /proc/sys/vm/nr_hugepages
    hp_free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
    [ "$hp_free" -ge "$hp_need" ] || {
        echo "could reserve only $hp_free of $hp_need huge pages (memory too fragmented?); try --pages 4k" >&2; exit 2; }
    envfile=$(mktemp "${tmp}/medres-bench-env.XXXXXX")
    echo "GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1'" > "$envfile"
    chmod 644 "$envfile"
    vopts=(-o huge_pages=on -c "--environment=$envfile")
fi
export MEDRES_BENCH_PAGES=$pages

cd "$tmp"     # the postgres user must be able to stat the cwd
status=0
pg_virtualenv -t -v $PGVER \
    -o shared_buffers=2GB \
    -o work_mem=1GB \
    -o jit=off \
    -o autovacuum=off \
    -o wal_level=minimal -o max_wal_senders=0 -o max_wal_size=8GB \
    "${vopts[@]}" \
    $PY "$HERE/bench.py" "${args[@]}" || status=$?
[ -n "${envfile:-}" ] && rm -f "$envfile"
exit $status
