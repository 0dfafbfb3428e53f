#!/bin/bash
# medres benchmark of the spatial family (medres_postgis: accessibility, lisa,
# spatial_weights) against plain PostGIS SQL and R spdep.  See bench/spatial.py.
#
#   bash bench/run_spatial.sh            2SFCA 200,000 x 5,000 vs plain PostGIS SQL;
#                                        2SFCA 1,000,000 x 10,000; lisa (999 permutations)
#                                        on the 3,231 US counties vs R spdep::localmoran_perm;
#                                        queen weights vs an ST_Touches self-join
#   bash bench/run_spatial.sh --quick    small sizes (20,000 x 500, 100,000 x 1,000): smoke test
#   options: --no-build (do not make && make install medres), --no-apt (install no
#            packages), --no-r, --only access,big,lisa,weights, --runs N,
#            --access-n N, --access-m M, --big-n N, --big-m M, --big-side-km KM,
#            --json FILE, --markdown FILE
#
# As root it first installs what is missing (apt-get: PostgreSQL, its server dev
# files, PostGIS, python3-numpy/scipy, r-base-core, r-cran-spdep), then
# builds and installs medres (make && make install with the pg_config on PATH).
# The US counties come from tools/load_boundaries.py --us-counties (npm us-atlas, cached
# in ~/.cache/medres).  Runs in a throwaway PostgreSQL cluster made by
# pg_virtualenv -t (a temp directory, deleted afterwards); no other cluster is touched.
# Exit status 1 when a target is missed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
. "$HERE/lib.sh"
PY=/usr/bin/python3          # Debian's python3 with its numpy/scipy, not pyenv's
PG_CONFIG=${PG_CONFIG:-pg_config}   # Debian's wrapper: the newest installed server

build=1
apt=1
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --no-apt) apt=0 ;;
        --quick|--no-r) args+=("$1") ;;
        --only|--runs|--access-n|--access-m|--big-n|--big-m|--big-side-km)
            [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
            args+=("$1" "$2"); shift ;;
        --only=*|--runs=*|--access-n=*|--access-m=*|--big-n=*|--big-m=*|--big-side-km=*)
            args+=("$1") ;;
        --json|--markdown)
            [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
            args+=("$1" "$(realpath -m "$2")"); shift ;;
        --json=*|--markdown=*) args+=("${1%%=*}" "$(realpath -m "${1#*=}")") ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# --- packages (root only; a no-op when everything is there) -------------------
need=(postgresql postgresql-server-dev-all postgresql-common make gcc
      postgresql-postgis python3-numpy python3-scipy r-base-core r-cran-spdep)
bench_packages "${need[@]}"
PGVER=$("$PG_CONFIG" --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

# --- medres ---------------------------------------------------------------------
bench_build
ext=$($PG_CONFIG --sharedir)/extension
[ -f "$ext/medres.control" ] || {
    echo "medres is not installed: run without --no-build, or 'make && make install'" >&2; exit 2; }
[ -f "$ext/medres_postgis.control" ] || \
    echo "warning: medres_postgis is not installed; the medres rows will be skipped" >&2

# --- disk -----------------------------------------------------------------------------
bench_disk 3072
tmp=${TMPDIR:-/tmp}

bench_port

cd "$tmp"     # the postgres user must be able to stat the cwd
bench_virtualenv "$PY" "$HERE/spatial.py" "${args[@]}"
