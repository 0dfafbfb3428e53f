# Shell helpers shared by the benchmark runners (run_cluster.sh, run_spatial.sh,
# run_evaluation.sh); sourced, not run.  bench_packages and bench_build expect $REPO,
# $PG_CONFIG, $apt and $build to be set; bench_virtualenv expects $PGVER.

# bench_packages PKG...: install the missing Debian packages (root, unless --no-apt)
bench_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$apt" = 1 ] && [ "$(id -u)" = 0 ]; then
        echo "installing: ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    else
        echo "missing packages: ${missing[*]} (run as root without --no-apt to install them)" >&2
        exit 2
    fi
}

# bench_build: make && make install medres, unless --no-build
bench_build() {
    if [ "$build" = 1 ]; then
        echo "building and installing medres ..." >&2
        make -C "$REPO" -s PG_CONFIG=$PG_CONFIG >&2
        make -C "$REPO" -s PG_CONFIG=$PG_CONFIG install >&2
    fi
}

# bench_disk MB: exit unless $TMPDIR (or /tmp) has that much free space
bench_disk() {
    local tmp=${TMPDIR:-/tmp} avail_kb need_kb=$(($1 * 1024))
    avail_kb=$(df -Pk "$tmp" | awk 'NR==2 {print $4}')
    if [ "$avail_kb" -lt "$need_kb" ]; then
        echo "not enough free disk in $tmp: $((avail_kb/1024)) MB free, need ~$1 MB" >&2
        exit 2
    fi
}

# bench_port: export PGPORT, a free port from 55432 on (pg_virtualenv honours PGPORT)
bench_port() {
    local port=55432
    while ss -Hltn 2>/dev/null | awk '{print $4}' | grep -q ":$port\$" \
          || [ -e /var/run/postgresql/.s.PGSQL.$port ]; do
        port=$((port + 1))
    done
    export PGPORT=$port
}

# bench_virtualenv CMD...: replace the shell by CMD run in a throwaway cluster
# (pg_virtualenv -t: a temp directory, deleted afterwards) with the family benchmarks'
# settings: sorts in memory, no JIT, no parallel workers, no autovacuum, little WAL
bench_virtualenv() {
    exec pg_virtualenv -t -v "$PGVER" \
        -o shared_buffers=2GB \
        -o work_mem=1GB \
        -o jit=off \
        -o max_parallel_workers_per_gather=0 \
        -o autovacuum=off \
        -o wal_level=minimal -o max_wal_senders=0 -o max_wal_size=8GB \
        "$@"
}
