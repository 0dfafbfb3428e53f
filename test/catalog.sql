-- Every object of medres and medres_postgis carries a COMMENT (issue 12 §2), so that \df+,
-- \dT+, \da+ and the metadata browsers of BI tools say what it computes.  The objects are
-- the extensions' members (pg_depend, deptype 'e') and every function, aggregate and type in
-- the schemas those members live in, and the attributes of the composite types; a missing
-- comment fails the test and names the object.
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SELECT plan(9);

CREATE TEMP VIEW medres_objects AS
WITH ext AS (
    SELECT oid FROM pg_extension WHERE extname IN ('medres', 'medres_postgis')
), members AS (
    SELECT d.classid, d.objid FROM pg_depend d JOIN ext ON d.refobjid = ext.oid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
), schemas AS (
    SELECT p.pronamespace AS nsp FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    UNION
    SELECT t.typnamespace FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
)
SELECT o.classid, o.objid FROM (
    SELECT classid, objid FROM members
    UNION
    SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p JOIN schemas s ON p.pronamespace = s.nsp
    UNION
    -- types: base, composite (stand-alone, not a table's row type), domain, enum, range
    SELECT 'pg_type'::regclass, t.oid FROM pg_type t JOIN schemas s ON t.typnamespace = s.nsp
    WHERE t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') o
-- an array type is described by its element type (from PostgreSQL 17 on, the implicit array
-- types of an extension's types are members of the extension too)
WHERE NOT EXISTS (SELECT 1 FROM pg_type t WHERE o.classid = 'pg_type'::regclass AND t.oid = o.objid
                  AND t.typelem <> 0 AND t.typsubscript = 'array_subscript_handler'::regproc);

SELECT cmp_ok((SELECT count(*) FROM medres_objects WHERE classid = 'pg_proc'::regclass), '>=', 130::bigint,
              'the check sees medres''s functions and aggregates');
SELECT cmp_ok((SELECT count(*) FROM medres_objects WHERE classid = 'pg_type'::regclass), '>=', 7::bigint,
              'the check sees medres''s composite types');

SELECT is((SELECT string_agg(pg_describe_object(classid, objid, 0), E'\n' ORDER BY pg_describe_object(classid, objid, 0))
           FROM medres_objects o
           WHERE coalesce(obj_description(objid, classid::regclass::name), '') = ''),
          NULL, 'every function, aggregate and type of medres and medres_postgis has a comment');
SELECT is((SELECT string_agg(pg_describe_object(classid, objid, 0), E'\n' ORDER BY pg_describe_object(classid, objid, 0))
           FROM medres_objects o
           WHERE obj_description(objid, classid::regclass::name) ~ E'[\\n\\r]'
              OR length(obj_description(objid, classid::regclass::name)) > 200),
          NULL, 'every comment is one line of at most 200 characters');
SELECT is((SELECT string_agg(format('%s.%s', t.typname, a.attname), E'\n' ORDER BY t.typname, a.attnum)
           FROM medres_objects o JOIN pg_type t ON o.classid = 'pg_type'::regclass AND t.oid = o.objid
           JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE coalesce(col_description(a.attrelid, a.attnum), '') = ''),
          NULL, 'every attribute of the composite types has a comment');
-- a public object says what it computes; only the support functions (_name) say whom they serve
SELECT is((SELECT string_agg(pg_describe_object(classid, objid, 0), E'\n' ORDER BY pg_describe_object(classid, objid, 0))
           FROM medres_objects o JOIN pg_proc p ON o.classid = 'pg_proc'::regclass AND p.oid = o.objid
           WHERE (p.proname LIKE '\_%') <> (obj_description(objid, 'pg_proc') LIKE 'Support function of %')),
          NULL, 'support functions, and only they, are commented as support functions');
-- window functions say so, as \df does not show it in the comment column
SELECT is((SELECT string_agg(pg_describe_object(classid, objid, 0), E'\n' ORDER BY pg_describe_object(classid, objid, 0))
           FROM medres_objects o JOIN pg_proc p ON o.classid = 'pg_proc'::regclass AND p.oid = o.objid
           WHERE (p.prokind = 'w') <> (obj_description(objid, 'pg_proc') LIKE 'Window function: %')),
          NULL, 'window functions, and only they, are commented as window functions');

-- the settings describe themselves in pg_settings once the library is loaded (any call loads it)
SELECT is(medres.gini(x), 0::float8) FROM (VALUES (1.0::float8)) v(x);
SELECT is((SELECT string_agg(name, ', ' ORDER BY name) FROM pg_settings
           WHERE name LIKE 'medres.%' AND short_desc <> '' AND extra_desc <> ''),
          'medres.memory_limit, medres.threads',
          'medres.threads and medres.memory_limit have a short and a long description');

SELECT * FROM finish();
ROLLBACK;
