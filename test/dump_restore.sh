#!/bin/bash
# Round trip of medres objects through pg_dump -Fc / pg_restore.
#
#   bash test/dump_restore.sh [--admin CONNSTR] [--keep] [--no-postgis]
#
# Connects where the libpq variables point (PGHOST, PGPORT, PGUSER, ...).  It creates a
# database medres_dr_src with small tables, and one view or materialized view per family of
# medres results:
#   aggregates        gini, lorenz (array of composite), theil_t, ge_decomposition (composite
#                     holding an array of composite), concentration_index, entropy_weights
#                     (array), rsr_fit (composite), hclust_tree (array of composite)
#   window functions  rsr, topsis, hclust, kmeans
#   inner SQL         accessibility, spatial_weights, moran (composite), lisa (medres_postgis),
#                     with schema-qualified table names in the inner SQL, as doc/spatial.md
#                     advises
# It records every view's rows as text, dumps the database with pg_dump -Fc, creates an empty
# database medres_dr_dst (from template0), restores into it with pg_restore (so the restore
# itself runs CREATE EXTENSION), refreshes the materialized views and compares every view row
# by row with the record.  Output: TAP-like "ok N - ..." / "not ok N - ..." lines, then
# "N passed, M failed"; exit status 1 when something failed.  Both databases are dropped at
# the end unless --keep.
#
# One more materialized view, mv_unqualified, names its table WITHOUT a schema in the inner
# SQL.  Its restore is expected to FAIL with 'relation "..." does not exist': pg_restore runs
# with an empty search_path (SELECT pg_catalog.set_config('search_path', '', false)), and the
# REFRESH that fills a materialized view during the restore runs the inner SQL under it.  That
# is why the docs say to schema-qualify the tables of inner SQL.  The check passes when the
# restore fails exactly so (and with no other error).
#
# Roles.  medres, postgis and medres_postgis are untrusted extensions: CREATE EXTENSION needs
# a superuser.  Either
#   - the libpq role is a superuser: it does everything; or
#   - the libpq role is an ordinary role with CREATEDB, which then owns both databases and
#     every table and view, and --admin CONNSTR names a superuser connection (a libpq
#     connection string, e.g. --admin "user=postgres", merged with the libpq variables) used
#     only to create the extensions in the source database and to run pg_restore (whose
#     CREATE EXTENSION needs it; the restored objects keep their owner, so the restore's
#     REFRESH runs as that role).  Schema medres, made by CREATE EXTENSION, belongs to the
#     superuser and grants nothing to PUBLIC, so the script GRANTs USAGE ON SCHEMA medres to
#     the owner through --admin; the grant goes through the dump like any other.
# Without postgis or medres_postgis available the spatial views and mv_unqualified are
# skipped, with a line saying so (--no-postgis skips them even when PostGIS is there).
set -uo pipefail

admin=
keep=0
nopostgis=0
while [ $# -gt 0 ]; do
    case "$1" in
        --admin) admin=$2; shift ;;
        --admin=*) admin=${1#--admin=} ;;
        --keep) keep=1 ;;
        --no-postgis) nopostgis=1 ;;
        -h|--help) sed -n '2,46p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

SRC=medres_dr_src
DST=medres_dr_dst
tmp=$(mktemp -d)
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
# as the libpq role (the owner), in database $1
own() { local db=$1; shift; "${PSQL[@]}" -d "$db" "$@"; }
# as the superuser: the --admin connection when given, else the libpq role
su_conn() { if [ -n "$admin" ]; then echo "dbname=$1 $admin"; else echo "dbname=$1"; fi; }
as_su() { local db=$1; shift; "${PSQL[@]}" -d "$(su_conn "$db")" "$@"; }

n=0; passed=0; failed=0
ok()    { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
bail()  { echo "Bail out! $1"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

cleanup() {
    if [ "$keep" = 0 ]; then
        as_su postgres -c "DROP DATABASE IF EXISTS $SRC" -c "DROP DATABASE IF EXISTS $DST" \
            >/dev/null 2>&1
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

me=$(own postgres -At -c "SELECT current_user") || bail "cannot connect"
is_su=$(own postgres -At -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
if [ "$is_su" != t ] && [ -z "$admin" ]; then
    bail "role $me is not a superuser: give --admin CONNSTR for CREATE EXTENSION and pg_restore"
fi
[ "$(as_su postgres -At -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ] ||
    bail "the --admin connection is not a superuser"
echo "# server: $(own postgres -At -c "SELECT version()")"
echo "# owner: $me${admin:+, extensions and pg_restore through --admin '$admin'}"

have=$(as_su postgres -At -c "SELECT count(*) FROM pg_available_extensions
                             WHERE name IN ('postgis', 'medres_postgis')")
spatial=0; [ "$have" = 2 ] && [ "$nopostgis" = 0 ] && spatial=1

# ---- the source database -----------------------------------------------------------------
as_su postgres -c "DROP DATABASE IF EXISTS $SRC" -c "DROP DATABASE IF EXISTS $DST" 2>/dev/null
if [ -n "$admin" ]; then
    as_su postgres -c "CREATE DATABASE $SRC OWNER \"$me\" TEMPLATE template0" || bail "createdb"
else
    own postgres -c "CREATE DATABASE $SRC TEMPLATE template0" || bail "createdb"
fi
exts="CREATE EXTENSION medres;"
[ "$spatial" = 1 ] && exts="$exts CREATE EXTENSION postgis; CREATE EXTENSION medres_postgis;"
as_su $SRC -c "SET client_min_messages = warning" -c "$exts" || bail "CREATE EXTENSION"
# CREATE EXTENSION makes schema medres owned by the superuser, with no USAGE for anyone else:
# an ordinary owner needs the grant (the dump carries it to the restored database)
if [ "$is_su" != t ]; then
    as_su $SRC -c "GRANT USAGE ON SCHEMA medres TO \"$me\"" || bail "GRANT USAGE ON SCHEMA medres"
fi

# Small data, made from formulas (no random()), in a schema of its own so that the views
# must name it.
own $SRC <<'SQL' || bail "making the tables and views"
SET client_min_messages = warning;
CREATE SCHEMA dr;
-- 60 incomes in 3 groups, a health variable and its rank variable
CREATE TABLE dr.inc AS
SELECT i AS id, 'g' || (i % 3) AS g,
       1 + (i * 37 % 61) + (i % 3) * 10.5 AS x,
       1 + (i % 4) * 0.25 AS w,
       50 + (i * 13 % 17) - (i % 3) AS h,
       (i * 7 % 60) + 0.5 AS r
FROM generate_series(1, 60) i;
-- 24 units with 3 indicators
CREATE TABLE dr.ev AS
SELECT i AS id, ARRAY[10 + (i * 7 % 23), 5 + (i * 11 % 13) * 0.5, 100 - (i * 5 % 29)]::float8[] AS f
FROM generate_series(1, 24) i;

CREATE VIEW dr.v_gini AS
  SELECT g, medres.gini(x) AS gini, medres.gini(x, w) AS gini_w FROM dr.inc GROUP BY g;
CREATE MATERIALIZED VIEW dr.mv_lorenz AS
  SELECT g, medres.lorenz(x, w) AS curve FROM dr.inc GROUP BY g;
CREATE VIEW dr.v_theil AS
  SELECT medres.theil_t(x) AS t, medres.theil_t(x, w) AS t_w, medres.ge(x, 2, w) AS ge2 FROM dr.inc;
CREATE MATERIALIZED VIEW dr.mv_ge_decomposition AS
  SELECT medres.ge_decomposition(x, w, g, 0) AS d0, medres.ge_decomposition(x, w, g, 1) AS d1
  FROM dr.inc;
CREATE VIEW dr.v_concentration_index AS
  SELECT medres.concentration_index(h, r) AS ci, medres.concentration_index(h, r, w) AS ci_w
  FROM dr.inc;
CREATE MATERIALIZED VIEW dr.mv_entropy_weights AS
  SELECT medres.entropy_weights(f) AS w, medres.entropy_weights(f, '+-+') AS w_dir FROM dr.ev;
CREATE VIEW dr.v_rsr AS
  SELECT id, medres.rsr(f) OVER () AS rsr, medres.rsr(f, '+-+') OVER () AS rsr_dir FROM dr.ev;
CREATE MATERIALIZED VIEW dr.mv_rsr_fit AS
  SELECT medres.rsr_fit(s) AS fit FROM (SELECT medres.rsr(f) OVER () AS s FROM dr.ev) q;
CREATE MATERIALIZED VIEW dr.mv_topsis AS
  SELECT id, medres.topsis(f) OVER () AS topsis,
         medres.topsis(f, '+-+', '{0.5,0.3,0.2}') OVER () AS topsis_w FROM dr.ev;
CREATE MATERIALIZED VIEW dr.mv_hclust AS
  SELECT id, medres.hclust(f, 3) OVER () AS average,
         medres.hclust(f, 4, 'ward', 'sqeuclidean') OVER () AS ward FROM dr.ev;
CREATE VIEW dr.v_hclust_tree AS
  SELECT medres.hclust_tree(f, id::text) AS tree FROM dr.ev;
CREATE VIEW dr.v_kmeans AS
  SELECT id, medres.kmeans(f, 3, 7, 5) OVER () AS cluster FROM dr.ev;
SQL

views="v_gini mv_lorenz v_theil mv_ge_decomposition v_concentration_index mv_entropy_weights
       v_rsr mv_rsr_fit mv_topsis mv_hclust v_hclust_tree v_kmeans"
if [ "$spatial" = 1 ]; then
    own $SRC <<'SQL' || bail "making the spatial tables and views"
SET client_min_messages = warning;
-- a 6 x 6 grid of unit squares (ids 0..35), a value per cell, 2 facilities and the centroids
-- of the cells as villages; planar coordinates, SRID 0
CREATE TABLE dr.cell AS
SELECT r * 6 + c AS id,
       ST_MakeEnvelope(c, r, c + 1, r + 1) AS geom,
       (r * 6 + c) * 7 % 11 + r AS value
FROM generate_series(0, 5) r, generate_series(0, 5) c;
CREATE TABLE dr.facility (id int, geom geometry, beds float8, doctors int);
INSERT INTO dr.facility VALUES (1, 'POINT(1 1)', 10, 2), (2, 'POINT(4.5 4)', 25, 3);
CREATE TABLE dr.village AS
SELECT id, ST_Centroid(geom) AS geom, 100 + id * 10 AS population FROM dr.cell;
CREATE TABLE dr.cell_w AS SELECT * FROM medres.spatial_weights('SELECT id, geom FROM dr.cell');

CREATE MATERIALIZED VIEW dr.mv_accessibility AS
  SELECT * FROM medres.accessibility('SELECT id, geom, beds, doctors FROM dr.facility',
                                     'SELECT id, geom, population FROM dr.village', catchment => 3);
CREATE VIEW dr.v_accessibility_3sfca AS
  SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM dr.facility',
                                     'SELECT id, geom, population FROM dr.village', '3sfca',
                                     catchment => 3, decay => 'gaussian', decay_param => 1.5);
CREATE MATERIALIZED VIEW dr.mv_spatial_weights AS
  SELECT * FROM medres.spatial_weights('SELECT id, geom FROM dr.cell', 'rook')
  UNION ALL
  SELECT * FROM medres.spatial_weights('SELECT id, geom FROM dr.cell', 'knn', k => 3);
CREATE MATERIALIZED VIEW dr.mv_moran AS
  SELECT medres.moran('SELECT id, value FROM dr.cell', 'SELECT i, j, w FROM dr.cell_w', 499, 42) AS m;
CREATE MATERIALIZED VIEW dr.mv_lisa AS
  SELECT * FROM medres.lisa('SELECT id, value FROM dr.cell',
                            $$SELECT i, j, w FROM medres.spatial_weights('SELECT id, geom FROM dr.cell', 'queen')$$,
                            199, 7);
-- inner SQL with an UNqualified table name, made by a user who had dr on the search_path:
-- its restore is expected to fail (see the header)
SET search_path = dr, public;
CREATE MATERIALIZED VIEW dr.mv_unqualified AS
  SELECT * FROM medres.spatial_weights('SELECT id, geom FROM cell', 'queen');
SQL
    views="$views mv_accessibility v_accessibility_3sfca mv_spatial_weights mv_moran mv_lisa"
else
    echo "# skip: postgis or medres_postgis is not available (or --no-postgis): the inner-SQL views" \
         "(accessibility, spatial_weights, moran, lisa) and the unqualified-name check are skipped"
fi
# every view's rows as text, in a stable order
dump_rows() {   # db view
    own "$1" -At -c "SELECT v::text FROM dr.$2 v ORDER BY 1"
}
for v in $views; do
    dump_rows $SRC "$v" >"$tmp/$v.before" 2>"$tmp/$v.err" || bail "reading $v: $(cat "$tmp/$v.err")"
    [ -s "$tmp/$v.before" ] || bail "view $v is empty before the dump"
done

# ---- dump, restore ---------------------------------------------------------------------------
pg_dump -Fc -d $SRC -f "$tmp/src.dump" || bail "pg_dump failed"
if [ -n "$admin" ]; then
    as_su postgres -c "CREATE DATABASE $DST OWNER \"$me\" TEMPLATE template0" || bail "createdb"
else
    own postgres -c "CREATE DATABASE $DST TEMPLATE template0" || bail "createdb"
fi
pg_restore -d "$(su_conn $DST)" "$tmp/src.dump" 2>"$tmp/restore.err"
restore_rc=$?
echo "# pg_restore exit status $restore_rc"

# the expected failure of mv_unqualified, and nothing else
if [ "$spatial" = 1 ]; then
    if grep -q 'relation "cell" does not exist' "$tmp/restore.err" &&
       grep -q 'REFRESH MATERIALIZED VIEW dr.mv_unqualified' "$tmp/restore.err"; then
        ok "mv_unqualified (inner SQL without a schema) fails to restore with 'relation \"cell\" does not exist', as expected"
    else
        notok "mv_unqualified: expected its restore to fail with 'relation \"cell\" does not exist'"
        sed 's/^/#   /' "$tmp/restore.err"
    fi
fi
# errors: "pg_restore: error: ..." lines, other than the expected one
others=$(grep -c '^pg_restore: error:' "$tmp/restore.err")
expected_errs=0
[ "$spatial" = 1 ] && expected_errs=$(grep -c '^pg_restore: error:.*relation "cell" does not exist' "$tmp/restore.err")
if [ $((others - expected_errs)) -eq 0 ] && { [ "$restore_rc" = 0 ] || [ "$expected_errs" -gt 0 ]; }; then
    ok "pg_restore reports no other error"
else
    notok "pg_restore reports other errors (exit status $restore_rc)"
    grep -v 'relation "cell" does not exist' "$tmp/restore.err" | sed 's/^/#   /' | head -40
fi

# REFRESH the restored materialized views (not mv_unqualified), then compare
for v in $views; do
    case "$v" in mv_*) own $DST -c "REFRESH MATERIALIZED VIEW dr.$v" 2>"$tmp/$v.err" ||
                           echo "# REFRESH of $v failed: $(cat "$tmp/$v.err")" ;; esac
    if dump_rows $DST "$v" >"$tmp/$v.after" 2>"$tmp/$v.err" && cmp -s "$tmp/$v.before" "$tmp/$v.after"; then
        ok "view $v identical after restore ($(wc -l <"$tmp/$v.before") rows)"
    else
        notok "view $v differs after restore"
        sed 's/^/#   /' "$tmp/$v.err"
        diff "$tmp/$v.before" "$tmp/$v.after" | head -20 | sed 's/^/#   /'
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
