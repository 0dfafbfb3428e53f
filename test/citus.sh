#!/usr/bin/env bash
# test/citus.sh — medres scaled out on a real Citus cluster: a coordinator and two workers,
# throwaway clusters on loopback ports, a table distributed over 32 shards.  Checks what
# doc/citus.md says: ge_decomposition is pushed down to the workers as a partial aggregate
# (worker_partial_agg / coord_combine_agg) and equals a single node; an internal-state
# aggregate (gini) pulls its rows to the coordinator; the group-first pattern; SET LOCAL of
# medres.* reaching the workers under citus.propagate_set_commands = 'local'.
#
# Not run by CI (Citus is not in Debian).  Needs a PostgreSQL whose pkglibdir holds citus.so
# and medres (see ../shared/citus/README.md for building Citus):
#   PG_CONFIG=/path/to/pg_config bash test/citus.sh
# Skips (TAP "1..0 # SKIP") without citus.so or medres there.  Ports: CITUS_PORTS (three,
# default "5476 5477 5478").  Run as root (the clusters then belong to user postgres) or as
# the user who should own them.  CITUS_KEEP=1 leaves the clusters running (for a look).  Prints TAP lines; exits non-zero when a check fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-pg_config}
bin=$("$PG_CONFIG" --bindir 2>/dev/null) || { echo "1..0 # SKIP no pg_config"; exit 0; }
lib=$("$PG_CONFIG" --pkglibdir); share=$("$PG_CONFIG" --sharedir)
[ -f "$lib/citus.so" ] || { echo "1..0 # SKIP no Citus build in $lib"; exit 0; }
[ -f "$share/extension/medres.control" ] || { echo "1..0 # SKIP medres is not installed in $share"; exit 0; }
read -r -a ports <<< "${CITUS_PORTS:-5476 5477 5478}"
dir=$(mktemp -d /tmp/medres-citus.XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as() { runuser -u postgres -- "$@"; }; else as() { "$@"; }; fi
cleanup() {
  if [ -n "${CITUS_KEEP:-}" ]; then echo "# clusters left running in $dir (CITUS_KEEP)"; return; fi
  for i in 0 1 2; do [ -f "$dir/n$i/postmaster.pid" ] && as "$bin/pg_ctl" -D "$dir/n$i" -m fast -w stop >/dev/null 2>&1; done
  rm -rf "$dir"
}
trap cleanup EXIT
for i in 0 1 2; do
  as "$bin/initdb" -D "$dir/n$i" -A trust -U postgres >/dev/null || { echo "Bail out! initdb failed"; exit 1; }
  cat >> "$dir/n$i/postgresql.conf" <<EOF
port = ${ports[$i]}
listen_addresses = 'localhost'
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus'
max_connections = 50
shared_buffers = 32MB
EOF
  as "$bin/pg_ctl" -D "$dir/n$i" -l "$dir/n$i.log" -w start >/dev/null || { echo "Bail out! node $i did not start"; cat "$dir/n$i.log"; exit 1; }
done
# q PORT [psql args]: unaligned, tuples only; c: on the coordinator
q() { local p=$1; shift; PGOPTIONS="-c client_min_messages=warning" "$bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$dir" -p "$p" -U postgres -d postgres "$@"; }
c() { q "${ports[0]}" "$@"; }
for i in 0 1 2; do q "${ports[$i]}" -c "CREATE EXTENSION citus" || { echo "Bail out! CREATE EXTENSION citus"; exit 1; }; done
c -c "SELECT citus_set_coordinator_host('localhost', ${ports[0]})" \
  -c "SELECT citus_add_node('localhost', ${ports[1]})" -c "SELECT citus_add_node('localhost', ${ports[2]})" >/dev/null \
  || { echo "Bail out! could not add the workers"; exit 1; }

n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
# check DESCRIPTION CMD...: ok when CMD succeeds
check() { local d=$1; shift; "$@" >/dev/null 2>&1; ok $? "$d"; }
has() { grep -Eq "$2" <<< "$1"; }

# medres is created on the coordinator and propagated to the workers; a distributed table
# of 200000 visits in 500 districts (the distribution column) and 5 regions (100 districts each), 32 shards, and
# the same rows in a local table on the coordinator
c -f - >/dev/null <<'SQL' || { echo "Bail out! could not create the tables"; exit 1; }
CREATE EXTENSION medres;
SET citus.shard_count = 32;
CREATE TABLE visits (district int, region text, x float8, w float8);
SELECT create_distributed_table('visits', 'district');
INSERT INTO visits
SELECT i % 500, 'region ' || (i % 500) / 100, exp(2 * sin(i * 12.9898) + (i % 500) / 250.0), 1 + (i::bigint * 7919 % 1000) / 1000.0
FROM generate_series(1, 200000) AS i;
CREATE TABLE visits_local AS SELECT * FROM visits;
SQL
check "medres is installed on both workers" \
  test "$(q "${ports[1]}" -c "SELECT extversion FROM pg_extension WHERE extname = 'medres'")$(q "${ports[2]}" -c "SELECT extversion FROM pg_extension WHERE extname = 'medres'")" = 0.2.00.2.0
check "the table has 32 shards on two workers" \
  test "$(c -c "SELECT count(*) || ' ' || count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'visits'::regclass")" = "32 2"

# ge_decomposition: partial aggregates on the workers, combined on the coordinator
plan=$(c -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT medres.ge_decomposition(x, w, region, 1) FROM visits")
echo "$plan" > "$dir/plan_ge_decomposition.txt"
has "$plan" "coord_combine_agg\('[0-9]+'::oid, remote_scan\.ge_decomposition, NULL::medres\.decomposition\)"
ok $? "ge_decomposition: the coordinator combines the workers' partial states (coord_combine_agg)"
has "$plan" "worker_partial_agg\('medres\.ge_decomposition\(double precision,double precision,text,double precision\)'::regprocedure, ROW\(x, w, region, '1'::double precision\)\)"
ok $? "ge_decomposition: each shard's query computes worker_partial_agg"
# what a worker sends: the text of a ge_decomposition_state (7 groups), not the shard's rows
read -r shard port <<< "$(c -F ' ' -c "SELECT shard_name, nodeport FROM citus_shards WHERE table_name = 'visits'::regclass ORDER BY shardid LIMIT 1")"
state=$(q "$port" -c "SELECT pg_catalog.worker_partial_agg('medres.ge_decomposition(float8, float8, text, float8)'::regprocedure,
                             ROW(x, w, region, 1::float8)) FROM $shard")
has "$state" '^ge_decomposition/1 alpha=1 rows=[0-9]+ K=[^ ]+ K2=[^ ]+ KW=[^ ]+ groups=[1-5] "region ' && [ ${#state} -lt 2000 ]
ok $? "a worker ships its shard as a ge_decomposition_state of at most 5 groups, under 2 kB (${#state} bytes)"
cmp_dec="SELECT count(*) = 5 AND bool_and(abs((d.r).total - (l.r).total) <= 1e-12 * (l.r).total
              AND abs((d.r).between - (l.r).between) <= 1e-12 * (l.r).total
              AND abs((d.r).within - (l.r).within) <= 1e-12 * (l.r).total
              AND dg.n = lg.n AND abs(dg.contribution - lg.contribution) <= 1e-12 * (l.r).total)"
for a in 0 1 2 0.5; do
  check "ge_decomposition(alpha $a) distributed = single node to 1e-12" \
    test "$(c -c "$cmp_dec FROM (SELECT medres.ge_decomposition(x, w, region, $a) AS r FROM visits) d,
                            (SELECT medres.ge_decomposition(x, w, region, $a) AS r FROM visits_local) l,
                            unnest((d.r).groups) dg JOIN unnest((l.r).groups) lg USING (grp)")" = t
done
# grouped by the distribution column: the whole aggregate runs on the workers
plan=$(c -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT district, medres.ge_decomposition(x, w, region, 1) FROM visits GROUP BY district")
! has "$plan" "worker_partial_agg|coord_combine_agg" && has "$plan" "medres\.ge_decomposition\(x, w, region"
ok $? "GROUP BY the distribution column: ge_decomposition runs whole on the workers"

# the streaming measures split too (float8[] states); hoover's state holds every row
plan=$(c -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT medres.theil_t(x, w), medres.hoover(x, w) FROM visits")
has "$plan" "worker_partial_agg\('medres\.theil_t\(double precision,double precision\)'::regprocedure, ROW\(x, w\)\)" &&
  has "$plan" "worker_partial_agg\('medres\.hoover\(double precision,double precision\)'::regprocedure, ROW\(x, w\)\)"
ok $? "theil_t and hoover are split (worker_partial_agg)"
sizes=$(q "$port" -c "SELECT octet_length(pg_catalog.worker_partial_agg('medres.hoover(float8, float8)'::regprocedure, ROW(x, w))::text)
                             > octet_length(string_agg(x || ' ' || w, ' ')) FROM $shard")
ok "$([ "$sizes" = t ]; echo $?)" "hoover's partial state is longer than the shard's rows as text"
check "theil_t distributed = single node to 1e-12" \
  test "$(c -c "SELECT abs(d - l) <= 1e-12 * l FROM (SELECT medres.theil_t(x, w) d FROM visits) a, (SELECT medres.theil_t(x, w) l FROM visits_local) b")" = t

# the state's text is exact whatever the workers' extra_float_digits (SET LOCAL propagates it
# too); a float8[] state is written by float8out and keeps only 17 + extra_float_digits digits
bits="SELECT encode(float8send((medres.ge_decomposition(x, w, region, 1)).total), 'hex'), medres.theil_t(x, w) FROM visits"
read -r dec_def theil_def <<< "$(c -F ' ' -c "$bits")"
read -r dec_low theil_lost <<< "$(c -F ' ' -c "SET citus.propagate_set_commands = 'local'" -c "BEGIN" \
  -c "SET LOCAL extra_float_digits = -10" -c "${bits/medres.theil_t(x, w)/abs(medres.theil_t(x, w) - $theil_def) > 1e-9 * $theil_def}" -c "COMMIT")"
ok "$([ -n "$dec_def" ] && [ "$dec_def" = "$dec_low" ]; echo $?)" "ge_decomposition is bit for bit the same with extra_float_digits = -10 on the workers"
ok "$([ "$theil_lost" = t ]; echo $?)" "theil_t's float8[] state loses digits with extra_float_digits = -10 on the workers (documented)"

# gini has an internal state: the coordinator pulls the rows
plan=$(c -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT medres.gini(x, w) FROM visits")
! has "$plan" "worker_partial_agg" && has "$plan" "SELECT x AS gini, w AS gini FROM public\.visits_[0-9]+ visits"
ok $? "gini (internal state) is not split: each shard's query returns its rows"
check "gini distributed = single node" \
  test "$(c -c "SELECT abs(d - l) <= 1e-12 * l FROM (SELECT medres.gini(x, w) d FROM visits) a, (SELECT medres.gini(x, w) l FROM visits_local) b")" = t

# group first: the per-district sums on the shards, the Gini of 500 rates on the coordinator
gf="SELECT medres.gini(rate, pop) FROM (SELECT district, sum(x * w) / sum(w) AS rate, sum(w) AS pop FROM TABLE GROUP BY district) u"
plan=$(c -c "EXPLAIN (VERBOSE, COSTS OFF) ${gf//TABLE/visits}")
has "$plan" "FROM public\.visits_[0-9]+ visits GROUP BY visits\.district" && ! has "$plan" "SELECT x AS"; ok $? "group first: the shards return one row per district"
check "group first: Gini of the district rates distributed = single node" \
  test "$(c -c "SELECT abs(d - l) <= 1e-12 * l FROM (${gf//TABLE/visits}) a(d), (${gf//TABLE/visits_local}) b(l)")" = t
# and a window function over the small result
wf="SELECT string_agg(district || ':' || round(g::numeric, 12), ',' ORDER BY district) FROM (SELECT district, medres.rsr(ARRAY[rate, pop]) OVER () AS g FROM (SELECT district, sum(x * w) / sum(w) AS rate, sum(w) AS pop FROM TABLE GROUP BY district) u) r"
check "group first: a window function (rsr) over the district rates distributed = single node" \
  test "$(c -c "${wf//TABLE/visits}")" = "$(c -c "${wf//TABLE/visits_local}")"

# medres.* settings: a plain SET stays on the coordinator; SET LOCAL reaches the workers only
# under citus.propagate_set_commands = 'local'.  Seen through medres.memory_limit: the Gini of
# each of two keys of 100000 rows needs a 2 MB state, more than the 1 MB set here.
c -c "CREATE TABLE big (k int, x float8)" -c "SELECT create_distributed_table('big', 'k')" \
  -c "INSERT INTO big SELECT i % 2, i FROM generate_series(1, 200000) i" >/dev/null
per_key="SELECT string_agg(k || ':' || round(g::numeric, 6), ' ' ORDER BY k) FROM (SELECT k, medres.gini(x) AS g FROM big GROUP BY k) s"
# by hand, with n = 100000: key 0 holds 2j (j = 1..n), Gini (n - 1) / (3 n) = 0.333330; key 1
# holds 2j - 1, sum |xi - xj| = 2 n (n^2 - 1) / 3 and mean n, Gini (n^2 - 1) / (3 n^2) = 0.333333
check "SET medres.memory_limit = '1MB': the workers (GROUP BY the distribution column) keep their own limit" \
  test "$(c -c "SET medres.memory_limit = '1MB'" -c "$per_key")" = "0:0.333330 1:0.333333"
out=$(c -c "SET citus.propagate_set_commands = 'local'" -c "BEGIN" -c "SET LOCAL medres.memory_limit = '1MB'" -c "$per_key" -c "COMMIT" 2>&1)
has "$out" "more than medres.memory_limit \(1 MB\)" && has "$out" "while executing command on localhost"
ok $? "SET LOCAL medres.memory_limit under citus.propagate_set_commands = 'local' reaches the workers (54000 there)"
out=$(c -c "BEGIN" -c "SET LOCAL medres.memory_limit = '1MB'" -c "$per_key" -c "COMMIT" 2>&1)
! has "$out" "ERROR"; ok $? "SET LOCAL without propagation stays on the coordinator"
out=$(c -c "SET medres.memory_limit = '1MB'" -c "SELECT medres.gini(x) FROM big" 2>&1)
has "$out" "more than medres.memory_limit \(1 MB\)" && ! has "$out" "while executing command"
ok $? "the Gini of all rows runs on the coordinator, where the plain SET applies"
# a role's setting (ALTER ROLE ... SET, which Citus propagates) applies on every node
c -c "CREATE ROLE medres_analyst LOGIN" -c "GRANT SELECT ON big TO medres_analyst" \
  -c "ALTER ROLE medres_analyst SET medres.memory_limit = '1MB'" >/dev/null
out=$(PGOPTIONS="-c client_min_messages=warning" "$bin/psql" -X -q -A -t -h "$dir" -p "${ports[0]}" -U medres_analyst -d postgres -c "$per_key" 2>&1)
has "$out" "more than medres.memory_limit \(1 MB\)" && has "$out" "while executing command on localhost"
ok $? "ALTER ROLE ... SET medres.memory_limit reaches the workers"

echo "1..$n"
[ "$failed" = 0 ]
