#!/bin/bash
# medres benchmark of the clustering family (medres.hclust, medres.kmeans) against
# scipy, scikit-learn and PostGIS.  See bench/README.md, "Clustering family".
#
#   bash bench/run_cluster.sh            hclust n=10,000 vs scipy; ward/centroid/median at
#                                        n=100,000 (minutes); kmeans on 1,000,000 points
#                                        vs scikit-learn and PostGIS
#   bash bench/run_cluster.sh --quick    small sizes (2,000 / 5,000 / 100,000): smoke test
#   options: --no-build (do not make && make install medres), --no-apt (install no
#            packages), --system-blas (scikit-learn on the system's libblas.so.3, not
#            Debian's OpenMP OpenBLAS unpacked privately), --only hclust,big,kmeans,
#            --hclust-n N, --big-n N, --kmeans-n N, --big-linkages ward,centroid,median,
#            --big-memory-limit SIZE, --no-vector-check, --medres-threads N, --runs N, --peers-only,
#            --json FILE, --markdown FILE
#
# As root it first installs what is missing (apt-get: PostgreSQL, its server dev
# files, python3-numpy/scipy/sklearn, PostGIS), then builds and installs
# medres (make && make install with the pg_config on PATH).
# Runs in a throwaway PostgreSQL cluster made by pg_virtualenv -t (a temp
# directory, deleted afterwards); no other cluster is touched.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
. "$HERE/lib.sh"
PY=/usr/bin/python3          # Debian's python3 with its numpy/scipy/sklearn, not pyenv's
PG_CONFIG=${PG_CONFIG:-pg_config}   # Debian's wrapper: the newest installed server

build=1
apt=1
system_blas=0
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --no-apt) apt=0 ;;
        --system-blas) system_blas=1 ;;
        --quick) args+=("$1") ;;
        --no-vector-check|--peers-only) args+=("$1") ;;
        --only|--hclust-n|--big-n|--kmeans-n|--big-linkages|--big-memory-limit|--runs|--medres-threads)
            [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
            args+=("$1" "$2"); shift ;;
        --only=*|--hclust-n=*|--big-n=*|--kmeans-n=*|--big-linkages=*|--big-memory-limit=*|--runs=*|--medres-threads=*)
            args+=("$1") ;;
        --json|--markdown)
            [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; }
            args+=("$1" "$(realpath -m "$2")"); shift ;;
        --json=*|--markdown=*) args+=("${1%%=*}" "$(realpath -m "${1#*=}")") ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# --- packages (root only; a no-op when everything is there) -------------------
need=(postgresql postgresql-server-dev-all postgresql-common make gcc
      python3-numpy python3-scipy python3-sklearn python3-threadpoolctl
      postgresql-postgis)
bench_packages "${need[@]}"
PGVER=$("$PG_CONFIG" --version 2>/dev/null | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')

# --- medres ---------------------------------------------------------------------
bench_build
if ! printf '%s\n' "${args[@]}" | grep -qx -- --peers-only; then
    [ -f "$($PG_CONFIG --sharedir)/extension/medres.control" ] || {
        echo "medres is not installed: run without --no-build, or 'make && make install'" >&2; exit 2; }
fi

# --- BLAS for scikit-learn --------------------------------------------------------
# Debian's python3-numpy uses libblas.so.3, which is the reference BLAS unless an
# optimised one is installed system-wide.  scikit-learn's KMeans computes distances
# with dgemm from its OpenMP threads: measured here (100,000 points, 2 threads) 117 ms
# on the reference BLAS, 86 ms on OpenBLAS built for OpenMP, and ~900 ms on the
# pthreads OpenBLAS (its locks and spinning threads fight libgomp's).  For the fairest
# peer without changing the system's BLAS, Debian's libopenblas0-openmp is unpacked
# (apt-get download + dpkg -x) under bench/out/ (git-ignored) and put first on
# LD_LIBRARY_PATH for the Python process alone.  --system-blas skips this.
ld_path=
if [ "$system_blas" = 0 ]; then
    obdir="$HERE/out/openblas-openmp"
    oblib="$obdir/root/usr/lib/x86_64-linux-gnu/openblas-openmp"
    if [ ! -e "$oblib/libblas.so.3" ]; then
        mkdir -p "$obdir"
        if (cd "$obdir" && rm -f ./*.deb && apt-get download -qq libopenblas0-openmp >/dev/null 2>&1 \
                && dpkg -x libopenblas0-openmp_*.deb root); then
            echo "unpacked Debian's libopenblas0-openmp into $obdir" >&2
        else
            echo "warning: could not fetch libopenblas0-openmp; scikit-learn uses the system BLAS" >&2
        fi
    fi
    [ -e "$oblib/libblas.so.3" ] && ld_path="$oblib"
fi

# --- disk -----------------------------------------------------------------------------
bench_disk 2048
tmp=${TMPDIR:-/tmp}

bench_port

# the Python process: without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (cluster.py also
# re-execs itself without them and reports what they were), with the private OpenBLAS
pycmd=(env)
[ -n "$ld_path" ] && pycmd+=("LD_LIBRARY_PATH=$ld_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
pycmd+=("$PY" "$HERE/cluster.py")

cd "$tmp"     # the postgres user must be able to stat the cwd
bench_virtualenv "${pycmd[@]}" "${args[@]}"
