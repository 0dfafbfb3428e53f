#!/usr/bin/env bash
# The SQL surface is versioned: each version has a full install script (medres--X.sql), and
# every earlier version an upgrade script to it.  For every earlier version of medres and of
# medres_postgis this installs that version, runs ALTER EXTENSION ... UPDATE and checks that
# the catalog then equals a fresh install of the current version, object by object and
# attribute by attribute:
#   functions and window functions: identity signature, argument names and defaults, result
#     type, kind, language and body (C symbol, or a digest of an SQL/PL/pgSQL body),
#     volatility, strictness, parallel label, SECURITY DEFINER, LEAKPROOF, cost, rows,
#     SET options, ACL, comment;
#   aggregates: the above plus transition, final, combine, serial and deserial functions,
#     state type and size, initial condition, final-function modify and extra flags, sort
#     operator, and the moving-aggregate parts;
#   types: kind, ACL, comment, and each attribute of a composite type (position, name, type
#     and comment);
#   any other member of the extension by its description and comment;
#   the ACL of the schemas the members live in, and the extension's version and schema.
# A difference is printed as a diff of "object: attribute = value" lines (- fresh install,
# + updated), so it names the object and the attribute.  Run by tools/suite.sh as the
# cluster's superuser (installing an older version needs it); prints TAP lines.  The grant is
# checked on its own, as a role without rights.
set -uo pipefail
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
n=0
exts=medres
# medres_postgis needs PostGIS on this server
[ -n "$(q -d postgres -c "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ] && exts="medres medres_postgis"

# surface EXT: the catalog of extension EXT as sorted "object: attribute = value" lines
surface() {
  q -d "$1" -v ext="$2" <<'SQL'
WITH m AS (
    -- each member by its description; aggregates and window functions called so
    SELECT d.classid, d.objid,
           CASE (SELECT prokind FROM pg_proc WHERE d.classid = 'pg_proc'::regclass AND oid = d.objid)
               WHEN 'a' THEN regexp_replace(pg_describe_object(d.classid, d.objid, 0), '^function', 'aggregate')
               WHEN 'w' THEN regexp_replace(pg_describe_object(d.classid, d.objid, 0), '^function', 'window function')
               ELSE pg_describe_object(d.classid, d.objid, 0) END AS obj
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = :'ext'
), attrs AS (
    -- every member: that it exists, and its comment
    SELECT m.obj, a.k, a.v
    FROM m, LATERAL (VALUES ('member', 'yes'),
                            ('comment', coalesce(obj_description(m.objid, m.classid::regclass::name), '(none)'))) a(k, v)
    UNION ALL
    -- functions, window functions and aggregates
    SELECT m.obj, a.k, a.v
    FROM m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    JOIN pg_language l ON l.oid = p.prolang,
    LATERAL (VALUES
        ('kind', p.prokind::text),
        ('arguments', pg_get_function_arguments(p.oid)),
        ('result', pg_get_function_result(p.oid)),
        ('language', l.lanname),
        ('body', CASE WHEN l.lanname = 'c' THEN coalesce(p.probin, '') || ' ' || p.prosrc
                      WHEN p.prosqlbody IS NOT NULL THEN 'sql body md5 ' || md5(pg_get_function_sqlbody(p.oid))
                      WHEN p.prokind = 'a' THEN p.prosrc
                      ELSE 'md5 ' || md5(p.prosrc) END),
        ('volatility', p.provolatile::text),
        ('strict', p.proisstrict::text),
        ('parallel', p.proparallel::text),
        ('security definer', p.prosecdef::text),
        ('leakproof', p.proleakproof::text),
        ('cost', p.procost::text),
        ('rows', p.prorows::text),
        ('set', coalesce(array_to_string(p.proconfig, ', '), '')),
        ('acl', coalesce(p.proacl::text, '(default)'))) a(k, v)
    UNION ALL
    SELECT m.obj, 'aggregate ' || a.k, coalesce(a.v, '-')
    FROM m JOIN pg_aggregate g ON m.classid = 'pg_proc'::regclass AND g.aggfnoid = m.objid,
    LATERAL (VALUES
        ('kind', g.aggkind::text),
        ('direct arguments', g.aggnumdirectargs::text),
        ('sfunc', g.aggtransfn::regprocedure::text),
        ('stype', format_type(g.aggtranstype, NULL)),
        ('sspace', g.aggtransspace::text),
        ('initcond', g.agginitval),
        ('finalfunc', nullif(g.aggfinalfn, 0)::regprocedure::text),
        ('finalfunc extra', g.aggfinalextra::text),
        ('finalfunc modify', g.aggfinalmodify::text),
        ('combinefunc', nullif(g.aggcombinefn, 0)::regprocedure::text),
        ('serialfunc', nullif(g.aggserialfn, 0)::regprocedure::text),
        ('deserialfunc', nullif(g.aggdeserialfn, 0)::regprocedure::text),
        ('msfunc', nullif(g.aggmtransfn, 0)::regprocedure::text),
        ('minvfunc', nullif(g.aggminvtransfn, 0)::regprocedure::text),
        ('mstype', nullif(g.aggmtranstype, 0)::regtype::text),
        ('msspace', g.aggmtransspace::text),
        ('minitcond', g.aggminitval),
        ('mfinalfunc', nullif(g.aggmfinalfn, 0)::regprocedure::text),
        ('mfinalfunc extra', g.aggmfinalextra::text),
        ('mfinalfunc modify', g.aggmfinalmodify::text),
        ('sortop', nullif(g.aggsortop, 0)::regoperator::text)) a(k, v)
    UNION ALL
    -- types, and the attributes of composite types (one line each) with their comments
    SELECT m.obj, a.k, a.v
    FROM m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid,
    LATERAL (VALUES
        ('type kind', t.typtype::text),
        ('attributes', (SELECT count(*)::text FROM pg_attribute
                        WHERE attrelid = t.typrelid AND attnum > 0 AND NOT attisdropped)),
        ('acl', coalesce(t.typacl::text, '(default)'))) a(k, v)
    UNION ALL
    SELECT m.obj, format('attribute %s %s', lpad(a.attnum::text, 3, '0'), quote_ident(a.attname)), v.v
    FROM m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped,
    LATERAL (VALUES (format_type(a.atttypid, a.atttypmod) || ', comment: ' ||
                     coalesce(col_description(a.attrelid, a.attnum), '(none)'))) v(v)
    UNION ALL
    -- the schemas of the members: their ACL
    SELECT 'schema ' || quote_ident(n.nspname), 'acl', coalesce(n.nspacl::text, '(default)')
    FROM pg_namespace n
    WHERE n.oid IN (SELECT pronamespace FROM pg_proc WHERE oid IN (SELECT objid FROM m WHERE classid = 'pg_proc'::regclass)
                    UNION SELECT typnamespace FROM pg_type WHERE oid IN (SELECT objid FROM m WHERE classid = 'pg_type'::regclass))
    UNION ALL
    SELECT 'extension ' || e.extname, a.k, a.v
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace,
    LATERAL (VALUES ('version', e.extversion), ('schema', n.nspname), ('relocatable', e.extrelocatable::text)) a(k, v)
    WHERE e.extname = :'ext'
)
SELECT obj || ': ' || k || ' = ' || coalesce(v, '-') FROM attrs ORDER BY 1;
SQL
}

for ext in $exts; do
  current=$(q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = '$ext'")
  prereq=""
  [ "$ext" = medres_postgis ] && prereq="CREATE EXTENSION postgis; CREATE EXTENSION medres;"
  for db in medres_up_fresh medres_up_old; do
    q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  done
  q -d medres_up_fresh -c "$prereq CREATE EXTENSION $ext"
  fresh=$(surface medres_up_fresh "$ext")
  n=$((n + 1))
  # a fresh install runs the full script, not the older one and the updates
  if [ -f "$(pg_config --sharedir)/extension/$ext--$current.sql" ] &&
     [ "$(echo "$fresh" | grep -c ': member = yes$')" -ge 5 ] &&
     [ "$(q -d medres_up_fresh -c "SELECT extversion FROM pg_extension WHERE extname = '$ext'")" = "$current" ]; then
    echo "ok $n - $ext $current installs from its full script ($(echo "$fresh" | grep -c ': member = yes$') objects)"
  else
    echo "not ok $n - $ext $current has no full install script $ext--$current.sql, does not install, or its catalog cannot be read"
  fi
  for old in $(q -d postgres -c "SELECT version FROM pg_available_extension_versions WHERE name = '$ext' AND version <> '$current' ORDER BY version"); do
    q -d postgres -c "DROP DATABASE medres_up_old" -c "CREATE DATABASE medres_up_old"
    # the older version with the medres of the same version under medres_postgis, as a
    # database that was made then has them; both are updated
    oldprereq=$prereq
    [ "$ext" = medres_postgis ] && oldprereq="CREATE EXTENSION postgis; CREATE EXTENSION medres VERSION '$old';"
    q -d medres_up_old -c "$oldprereq CREATE EXTENSION $ext VERSION '$old'"
    n=$((n + 1))
    update="ALTER EXTENSION $ext UPDATE"
    [ "$ext" = medres_postgis ] && update="ALTER EXTENSION medres UPDATE; ALTER EXTENSION medres_postgis UPDATE"
    if err=$(q -d medres_up_old -c "$update" 2>&1); then
      echo "ok $n - $ext $old updates to $current without error"
    else
      echo "not ok $n - $ext $old does not update to $current"; echo "$err" | sed 's/^/# /'
    fi
    n=$((n + 1))
    updated=$(surface medres_up_old "$ext")
    if [ "$updated" = "$fresh" ]; then
      echo "ok $n - $ext $old updated to $current has the catalog of a fresh $current ($(echo "$fresh" | wc -l) catalog lines compared)"
    else
      echo "not ok $n - $ext $old updated to $current differs from a fresh $current (- fresh $current, + $old updated):"
      diff -U0 <(echo "$fresh") <(echo "$updated") | grep -E '^[-+][^-+]' | head -40 | sed 's/^/#   /'
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
