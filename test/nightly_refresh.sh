#!/usr/bin/env bash
# The recipe of doc/nightly_refresh.md, run as printed on a throwaway cluster of its own
# (tools/cluster.sh: initdb on a free port, its own socket, removed at the end) started with
# pg_cron in shared_preload_libraries:
#   bash test/nightly_refresh.sh        (PG_CONFIG, or the pg_config on PATH, names the server)
# Without pg_cron for that server (Debian: postgresql-15-cron) it says so and skips.
#
# As the superuser: a role analyst and its database health with medres, then the page's
# superuser block (CREATE EXTENSION pg_cron, the grant).  As analyst: the page's setup blocks
# (its ```sql blocks that no output block follows: the yearly tables from data/ and the
# materialized views), a new year's rows, good for region_resources and with a negative rural
# bed count for urban_rural, then the page's cron.schedule block with its nightly schedule
# '15 2 * * *' replaced by '* * * * *' (pg_cron 1.4 has no seconds schedules: the jobs run at
# the next full minute).  When every job has run, it checks against plain SQL (no medres):
#   - yearly_gini holds 2010-2013, each Gini equal to sum |x_i - x_j| / (2 n^2 mean);
#   - yearly_theil holds 2010-2013, total (1/n) sum (x/mean) ln(x/mean), between
#     sum (n_g/n)(mean_g/mean) ln(mean_g/mean), within sum s_g T_g;
#   - yearly_rsr holds 2013 too, each RSR the mean of the (average) ranks over 3 indicators
#     divided by n, and a higher RSR never has a worse grade;
#   - the three jobs on region_resources succeeded ('REFRESH MATERIALIZED VIEW'), the one on
#     urban_rural failed with exactly the error (SQLSTATE 22023, naming -3.35) that the same
#     refresh raises by hand, and yearly_urban_rural kept its three years unchanged;
#   - the page's cron.job_run_details query prints the page's table.
# Prints ok/not ok lines and "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
page=doc/nightly_refresh.md
PG_CONFIG=${PG_CONFIG:-pg_config}
n=0
failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=$((failed + 1)); echo "not ok $n - $2"; fi; }
finish() { echo "1..$n"; echo "$((n - failed)) passed, $failed failed"; [ "$failed" = 0 ]; exit; }

if [ ! -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ]; then
  echo "ok 1 - nightly refresh # skip no pg_cron for $("$PG_CONFIG" --version) (Debian: postgresql-15-cron)"
  echo "1..1"; echo "1 passed, 0 failed"; exit 0
fi

# blocks of the page: setup (```sql without output), or the ```postgresql block holding $1
blocks() {
  /usr/bin/python3 - "$page" "$@" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
kind = sys.argv[2]
if kind == "setup":
    for m in re.finditer(r"^```sql\n(.*?)^```\n(\s*```\n)?", text, flags=re.S | re.M):
        if not m.group(2):
            print(m.group(1))
elif kind == "postgresql":
    found = [m.group(1) for m in re.finditer(r"^```postgresql\n(.*?)^```\n", text, flags=re.S | re.M)
             if sys.argv[3] in m.group(1)]
    assert len(found) == 1, "%d postgresql blocks hold %s" % (len(found), sys.argv[3])
    print(found[0])
elif kind == "output":   # the next fenced block after the postgresql block holding argv[3]
    fences = list(re.finditer(r"^```(\w*)\n(.*?)^```\n", text, flags=re.S | re.M))
    i = [k for k, m in enumerate(fences) if m.group(1) == "postgresql" and sys.argv[3] in m.group(2)][0]
    assert fences[i + 1].group(1) == "", "no plain block after the postgresql block"
    print(fences[i + 1].group(2), end="")
PY
}

unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE PGOPTIONS
source tools/cluster.sh
trap cluster_stop EXIT
if ! cluster_start "$PG_CONFIG" -c shared_preload_libraries=pg_cron -c cron.database_name=health \
       -c cron.use_background_workers=on; then
  ok 1 "a throwaway cluster with pg_cron starts"; finish
fi
export PATH=$CLUSTER_BINDIR:$PATH
work=$CLUSTER_DIR
su_q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
an_q() { PGUSER=analyst PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d health "$@"; }
val() { an_q -A -t -c "$1"; }

su_q -c "CREATE ROLE analyst LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" -c "CREATE DATABASE health OWNER analyst" &&
  su_q -d health -c "CREATE EXTENSION medres" &&
  blocks postgresql "CREATE EXTENSION pg_cron" | su_q -d health
ok $? "as the superuser: medres, and the page's CREATE EXTENSION pg_cron and grant to analyst"
blocks setup >"$work/setup.sql" && an_q -f "$work/setup.sql" >"$work/setup.log" 2>&1
rc=$?; [ $rc = 0 ] || cat "$work/setup.log"
ok $rc "as analyst: the page's tables from data/ and its four materialized views"
[ $rc = 0 ] || finish
before=$(val "SELECT * FROM yearly_urban_rural ORDER BY year")

# the next year arrives: good rows for the regions, a negative rural bed count for urban_rural
an_q -c "INSERT INTO region_resources VALUES (2013, 'east', 1213000, 780, 5.62),
                                            (2013, 'middle', 611000, 470, 4.80),
                                            (2013, 'west', 552000, 421, 4.95)" \
     -c "INSERT INTO urban_rural VALUES (2013, 'urban', 3234.1, 9.18, 7.36), (2013, 'rural', 1274.4, 3.64, -3.35)"
ok $? "as analyst: the 2013 rows, one of them with hospital_beds_per_1000 = -3.35"
blocks postgresql "cron.schedule(" | sed "s/'15 2 \* \* \*'/'* * * * *'/" >"$work/schedule.sql"
grep -c "'\* \* \* \* \*'" "$work/schedule.sql" | grep -qx 4 && an_q -f "$work/schedule.sql" >/dev/null
ok $? "as analyst: the page's four cron.schedule calls, every minute instead of 02:15"
[ "$(val "SELECT count(*) FROM cron.job WHERE username = 'analyst' AND database = 'health'")" = 4 ]
ok $? "cron.job lists the four jobs of analyst in database health"

# wait for a finished run of every job: the next full minute, then the refreshes themselves
echo "# waiting for pg_cron's next minute ($(date -u +%T) UTC)"
for _ in $(seq 1 65); do
  [ "$(val "SELECT count(DISTINCT jobid) FROM cron.job_run_details WHERE status IN ('succeeded', 'failed')")" = 4 ] && break
  sleep 2
done
runs=$(val "SELECT count(DISTINCT jobid) FROM cron.job_run_details WHERE status IN ('succeeded', 'failed')")
[ "$runs" = 4 ]
ok $? "every job ran within 130 s and finished ($runs of 4, at $(date -u +%T) UTC)"

# plain-SQL Gini of each year: sum over ordered pairs |x_i - x_j| / (2 n^2 mean)
gini_sql() {
  echo "SELECT a.year, sum(abs(a.$1 - b.$1)) / (2 * count(*) * avg(a.$1)) AS g
        FROM region_resources a JOIN region_resources b USING (year) GROUP BY a.year"
}
[ "$(val "SELECT count(*) = 4 AND bool_and(abs(v.workers_gini - w.g) < 1e-12 AND abs(v.hospitals_gini - h.g) < 1e-12)
          FROM yearly_gini v JOIN ($(gini_sql health_workers_per_1000)) w USING (year)
               JOIN ($(gini_sql tertiary_hospitals)) h USING (year)")" = t ]
ok $? "yearly_gini was refreshed: 2010-2013, each year's Ginis equal the pairwise formula to 1e-12"

theil_sql="
  WITH r AS (SELECT year, health_workers_per_1000 AS x,
                    CASE region WHEN 'east' THEN 'east' ELSE 'middle and west' END AS g
             FROM region_resources),
  y AS (SELECT year, avg(x) AS mu, count(*) AS n FROM r GROUP BY year),
  grp AS (SELECT year, g, avg(x) AS mu_g, count(*) AS n_g FROM r GROUP BY year, g),
  t_g AS (SELECT r.year, r.g, avg((r.x / grp.mu_g) * ln(r.x / grp.mu_g)) AS t
          FROM r JOIN grp USING (year, g) GROUP BY r.year, r.g)
  SELECT y.year,
         (SELECT avg((r.x / y.mu) * ln(r.x / y.mu)) FROM r WHERE r.year = y.year) AS total,
         (SELECT sum(grp.n_g::float8 / y.n * (grp.mu_g / y.mu) * ln(grp.mu_g / y.mu))
          FROM grp WHERE grp.year = y.year) AS between,
         (SELECT sum(grp.n_g * grp.mu_g / (y.n * y.mu) * t_g.t)
          FROM grp JOIN t_g USING (year, g) WHERE grp.year = y.year) AS within
  FROM y"
[ "$(val "SELECT count(*) = 4 AND bool_and(abs(v.total - o.total) < 1e-12 AND abs(v.between - o.between) < 1e-12
                                          AND abs(v.within - o.within) < 1e-12)
          FROM yearly_theil v JOIN ($theil_sql) o USING (year)")" = t ]
ok $? "yearly_theil was refreshed: 2010-2013, total, between and within equal the plain Theil formulas to 1e-12"

# RSR with average ranks: rank() + (ties - 1) / 2 per indicator, summed, over m n
rsr_sql="
  SELECT year, region,
         ((rank() OVER (PARTITION BY year ORDER BY total_assets_million_yuan)
             + (count(*) OVER (PARTITION BY year, total_assets_million_yuan) - 1) / 2.0)
        + (rank() OVER (PARTITION BY year ORDER BY tertiary_hospitals)
             + (count(*) OVER (PARTITION BY year, tertiary_hospitals) - 1) / 2.0)
        + (rank() OVER (PARTITION BY year ORDER BY health_workers_per_1000)
             + (count(*) OVER (PARTITION BY year, health_workers_per_1000) - 1) / 2.0))::float8
         / (3 * count(*) OVER (PARTITION BY year)) AS rsr
  FROM region_resources"
[ "$(val "SELECT count(*) = 12 AND bool_and(abs(v.rsr - o.rsr) < 1e-14 AND v.grade BETWEEN 1 AND 3)
          AND NOT EXISTS (SELECT FROM yearly_rsr a JOIN yearly_rsr b USING (year)
                          WHERE a.rsr > b.rsr AND a.grade > b.grade)
          FROM yearly_rsr v JOIN ($rsr_sql) o USING (year, region)")" = t ]
ok $? "yearly_rsr was refreshed: 12 region-years, each RSR equal to the plain rank sum, grades in rank order"

status=$(val "SELECT string_agg(j.jobname || '=' || d.status || '/' || split_part(d.return_message, E'\n', 1), '; ' ORDER BY j.jobname)
              FROM cron.job_run_details d JOIN cron.job j USING (jobid)")
[[ "$status" =~ ^refresh\ yearly_gini=succeeded/REFRESH\ MATERIALIZED\ VIEW\;\ refresh\ yearly_rsr=succeeded/REFRESH\ MATERIALIZED\ VIEW\;\ refresh\ yearly_theil=succeeded/REFRESH\ MATERIALIZED\ VIEW\;\ refresh\ yearly_urban_rural=failed/ERROR:\ .*-3\.35 ]]
ok $? "cron.job_run_details: the three region jobs succeeded, the urban-rural one failed naming -3.35 ($status)"

# the same refresh by hand: its SQLSTATE, message and detail are what pg_cron recorded
byhand=$(PGUSER=analyst psql -X -q -d health -v VERBOSITY=verbose -c "REFRESH MATERIALIZED VIEW CONCURRENTLY yearly_urban_rural" 2>&1)
state=$(echo "$byhand" | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p')
want=$(echo "$byhand" | sed -n -e 's/^ERROR:  [0-9A-Z]\{5\}: /ERROR: /p' -e 's/^DETAIL:  /DETAIL: /p')
got=$(val "SELECT d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid)
           WHERE j.jobname = 'refresh yearly_urban_rural'")
[ "$state" = 22023 ] && [ -n "$want" ] && [ "$got" = "$want" ]
ok $? "the failed job recorded medres's error as the same refresh raises it by hand (SQLSTATE $state: $(echo "$want" | head -1))"
[ "$(val "SELECT * FROM yearly_urban_rural ORDER BY year")" = "$before" ] && [ -n "$before" ]
ok $? "yearly_urban_rural kept its old contents (2010-2012, unchanged)"

# the page's query of cron.job_run_details prints the page's table
blocks postgresql "cron.job_run_details" >"$work/details.sql"
blocks output "cron.job_run_details" >"$work/details.expected"
PGUSER=analyst psql -X -q -d health -f "$work/details.sql" >"$work/details.out" 2>&1
# trailing blanks and blank lines aside
norm() { sed 's/ *$//' "$1" | awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] == "") n--; for (i = 1; i <= n; i++) print l[i] }'; }
if diff <(norm "$work/details.expected") <(norm "$work/details.out") >"$work/details.diff"; then
  ok 0 "the page's cron.job_run_details query prints the page's table"
else
  cat "$work/details.diff"; ok 1 "the page's cron.job_run_details query prints the page's table"
fi
finish
