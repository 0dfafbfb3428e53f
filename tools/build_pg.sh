#!/usr/bin/env bash
# Build a PostgreSQL server with assertions from a source tarball, for the version matrix.
# Usage: bash tools/build_pg.sh postgresql-X.tar.xz   -> prints the install prefix
# The build is cached outside the checkout, keyed by the tarball's SHA-256, so a rerun on the
# same machine skips it.  MEDRES_PG_CACHE overrides the cache folder.  pgTAP is built into
# the same prefix when its tarball lies beside the server's.
set -euo pipefail
tarball=$(readlink -f "$1")
cache=${MEDRES_PG_CACHE:-/var/cache/medres-pg}
sum=$(sha256sum "$tarball" | cut -c1-16)
prefix="$cache/$(basename "$tarball" .tar.xz)-$sum"
if [ -x "$prefix/bin/pg_config" ] && [ -f "$prefix/.complete" ]; then
  echo "$prefix"; exit 0
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$cache/$(basename "$tarball" .tar.xz).log"
{
  tar -xJf "$tarball" -C "$work"
  src=$(echo "$work"/postgresql-*)
  cd "$src"
  ./configure --prefix="$prefix" --enable-cassert --enable-debug --with-libxml \
      --without-icu --without-readline
  make -j"$(nproc)" -s
  make -s install
  # pgTAP, if its tarball is beside the server's
  tap=$(ls "$(dirname "$tarball")"/pgtap-*.tar.xz 2>/dev/null | head -1 || true)
  if [ -n "$tap" ]; then
    tar -xJf "$tap" -C "$work"
    make -C "$work"/pgtap-* PG_CONFIG="$prefix/bin/pg_config" -s
    make -C "$work"/pgtap-* PG_CONFIG="$prefix/bin/pg_config" -s install
  fi
} >"$log" 2>&1 || { echo "build of $(basename "$tarball") failed, see $log" >&2; tail -30 "$log" >&2; exit 1; }
touch "$prefix/.complete"
echo "$prefix"
