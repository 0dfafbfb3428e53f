#!/usr/bin/env bash
# Build and install medres, start a throwaway PostgreSQL 15 cluster, load the
# 31-province sample (data/province_resources_2020.csv) and print an equity
# report.  Usage: bash tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec pg_virtualenv -v 15 psql -X -q -v ON_ERROR_STOP=1 -f tools/demo.sql
