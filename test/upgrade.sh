#!/usr/bin/env bash
# The SQL surface is versioned: installing the current version directly and upgrading from
# every earlier one must give the same objects, and the upgrade must grant what the fresh
# install grants.  Run by tools/suite.sh as the cluster's superuser (installing an older
# version needs it); prints TAP lines.  While the current version installs as 0.1.0 plus the
# upgrade scripts, the comparison holds by construction and what the check tests is that the
# update runs; it guards the day a full install script is written.  The grant is checked on
# its own, as a role without rights.
set -uo pipefail
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
n=0
exts=medres
# medres_postgis needs PostGIS on this server
[ -n "$(q -d postgres -c "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ] && exts="medres medres_postgis"
for ext in $exts; do
current=$(q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = '$ext'")
prereq=""
[ "$ext" = medres_postgis ] && prereq="CREATE EXTENSION postgis; CREATE EXTENSION medres;"
# what a database's medres consists of: every object's identity and definition, and the
# privileges on its schema
surface="SELECT string_agg(d, E'\n' ORDER BY d) FROM (
   SELECT pg_describe_object(classid, objid, 0) || ' ' ||
          coalesce(CASE WHEN classid = 'pg_proc'::regclass THEN pg_get_functiondef(objid) END, '') AS d
   FROM pg_depend WHERE refclassid = 'pg_extension'::regclass
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = '$ext') AND deptype = 'e'
     AND NOT (classid = 'pg_proc'::regclass AND (SELECT prokind FROM pg_proc WHERE oid = objid) = 'a')
   UNION ALL SELECT 'schema acl ' || nspacl::text FROM pg_namespace WHERE nspname = 'medres') s"
for db in medres_up_fresh medres_up_old; do
  q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
q -d medres_up_fresh -c "$prereq CREATE EXTENSION $ext"
fresh=$(q -d medres_up_fresh -c "$surface")
for old in $(q -d postgres -c "SELECT version FROM pg_available_extension_versions WHERE name = '$ext' AND version <> '$current' ORDER BY version"); do
  q -d postgres -c "DROP DATABASE medres_up_old" -c "CREATE DATABASE medres_up_old"
  q -d medres_up_old -c "$prereq CREATE EXTENSION $ext VERSION '$old'"
  n=$((n + 1))
  if q -d medres_up_old -c "ALTER EXTENSION $ext UPDATE" && [ "$(q -d medres_up_old -c "$surface")" = "$fresh" ]; then
    echo "ok $n - $ext $old updates to $current without error and equals a fresh $current"
  else
    echo "not ok $n - $ext $old updated to $current differs from a fresh $current"
    diff <(echo "$fresh") <(q -d medres_up_old -c "$surface") | head -20
  fi
done
if [ "$ext" = medres ]; then
  # a role with no rights at all may use medres in a fresh install (gini of 1, 2, 3 is
  # sum |xi - xj| / (2 n^2 mu) = 8 / 36)
  n=$((n + 1))
  q -d medres_up_fresh -c "DROP ROLE IF EXISTS medres_nobody" -c "CREATE ROLE medres_nobody"
  if [ "$(q -d medres_up_fresh -c "SET ROLE medres_nobody" -c "SELECT round(medres.gini(x)::numeric, 4) FROM (VALUES (1), (2), (3)) v(x)")" = "0.2222" ]; then
    echo "ok $n - a role without rights calls medres.gini (USAGE on schema medres is granted to PUBLIC)"
  else
    echo "not ok $n - a role without rights cannot call medres.gini"
  fi
  q -d postgres -c "DROP ROLE medres_nobody"
fi
q -d postgres -c "DROP DATABASE medres_up_fresh" -c "DROP DATABASE IF EXISTS medres_up_old"
done
echo "1..$n"
