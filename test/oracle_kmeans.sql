\set ON_ERROR_STOP 1
-- Oracle test for medres' k-means window function medres.kmeans and the aggregate
-- medres.silhouette.
--
-- Compares medres with values computed independently by test/oracle_kmeans.py (a plain numpy
-- Lloyd implementation, cross-checked against scikit-learn KMeans(init=centres, n_init=1,
-- algorithm='lloyd', tol=0) and R's kmeans(algorithm = "Lloyd"); silhouettes in long double,
-- cross-checked against sklearn.metrics.silhouette_score, a double-precision numpy version and
-- R), stored in test/oracle/kmeans_cases.csv and test/oracle/kmeans_expected.csv.  Run from the
-- repository root:
--     pg_prove -d <db> test/oracle_kmeans.sql
-- (the database must already have `CREATE EXTENSION medres`; pgtap is created if missing).
--
-- Expected values (see the docstring of test/oracle_kmeans.py):
--   kmeans      (case, k, standardize, run): init = k x d starting centres in the standardised
--               space; expected = the labels of units 1..n, numbered 1..k in order of first
--               appearance in unit order;
--   silhouette  (case, labelling r, metric, standardize): the mean silhouette width of the
--               labelling kmeans_cases.sil_labels[r] (NULL elements: rows with a NULL cluster).
--
-- Agreement required: exact equality of the k-means labels; for the silhouette
-- |got - expected| <= max(1e-10 |expected|, 1e-12).
--
-- Tests:
--   * the documented signatures (is_window / is_aggregate, return types);
--   * kmeans from the oracle's starting centres, one is(mismatches, '{}') per (run, form):
--       - kmeans(features, k, standardize => s, init => centres) with constants, one query per
--         run, OVER (PARTITION BY case_id ORDER BY unit),
--       - the same with k / init as columns, all runs of one standardize setting in one query
--         (PARTITION BY run),
--       - all seven arguments positional (seed 12345 and restarts 3, which init makes
--         irrelevant, max_iter 1000), all runs of one setting in one query,
--       - with an extra row of NULL features first in each partition (it must get NULL and
--         change nothing else), all runs in one query;
--   * kmeans with a seed (k-means++), no oracle values: per (case, k, seed, restarts,
--     standardize) run
--       - labels 1..k, every label used, numbered in order of first appearance in the row order
--         (for ORDER BY unit and for ORDER BY unit DESC),
--       - the partition does not depend on the row order (ORDER BY unit, unit DESC, a shuffled
--         order),
--       - repeatable: a second evaluation with the same seed gives the same labels, and
--         kmeans(features, k) equals the explicit defaults (seed 0, restarts 1, zscore),
--       - the result is a Lloyd fixed point: every unit is at least as close (squared euclidean
--         distance in the standardised space, standardised here in SQL) to the mean of its own
--         cluster as to the mean of any other cluster (relative slack 1e-9),
--       - on the well-separated cases (sep_*), the true blob partition is recovered;
--   * silhouette, one is(mismatches, '{}') per (labelling, metric, standardize, form):
--       - silhouette(features, cluster) [defaults euclidean, zscore],
--       - silhouette(features, cluster, metric) [zscore],
--       - silhouette(features, cluster, metric, standardize) with constants, one query per
--         (metric, standardize) over all labellings,
--       - the same with metric / standardize as columns and ORDER BY unit DESC inside the call,
--         all groups in one query,
--       - with two extra rows, one with NULL features and one with a NULL cluster (and far-away
--         features): both must be skipped;
--   * each batch form evaluates over all its partitions / groups without error;
--   * bad input: throws_ok with SQLSTATE 22023 (the message text is not compared).
-- The medres calls are made through EXECUTE inside exception handlers, so a missing or
-- failing function gives failed tests, not an aborted script; a batch query that fails is
-- re-run partition by partition so that one failing partition does not hide the others.

\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS pgtap;

BEGIN;

-- ------------------------------------------------------------------------------------
-- data
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE km_cases (
    case_id text NOT NULL, unit integer NOT NULL, features float8[] NOT NULL, truth integer,
    sil_labels integer[] NOT NULL, PRIMARY KEY (case_id, unit));
\copy km_cases FROM 'test/oracle/kmeans_cases.csv' csv header
CREATE TEMP TABLE km_expected (
    case_id text NOT NULL, kind text NOT NULL, standardize text NOT NULL, metric text,
    k integer, run integer NOT NULL, init text, expected text NOT NULL);
\copy km_expected FROM 'test/oracle/kmeans_expected.csv' csv header
ANALYZE km_cases;
ANALYZE km_expected;

CREATE TEMP TABLE km_size AS
    SELECT case_id, count(*)::int AS n, max(cardinality(features)) AS d, max(truth) AS blobs
    FROM km_cases GROUP BY case_id;

-- kmeans runs from given centres
CREATE TEMP TABLE km_runs AS
    SELECT row_number() OVER (ORDER BY s.n, e.case_id, e.standardize, e.k, e.run)::int AS id,
           e.case_id, e.standardize, e.k, e.run, e.init::float8[] AS init,
           e.expected::int[] AS expected, s.n
    FROM km_expected e JOIN km_size s USING (case_id)
    WHERE e.kind = 'kmeans';
CREATE TEMP TABLE km_exp_unit AS
    SELECT r.id, u.unit::int, u.label AS expected
    FROM km_runs r CROSS JOIN LATERAL unnest(r.expected) WITH ORDINALITY AS u(label, unit);
CREATE INDEX ON km_exp_unit (id, unit);

-- silhouette groups
CREATE TEMP TABLE km_sil AS
    SELECT row_number() OVER (ORDER BY s.n, e.case_id, e.run, e.standardize, e.metric)::int AS id,
           e.case_id, e.run, e.metric, e.standardize, e.expected::float8 AS expected, s.n
    FROM km_expected e JOIN km_size s USING (case_id)
    WHERE e.kind = 'silhouette';

-- kmeans runs with a seed: (case, k) x settings (seed, restarts, standardize)
CREATE TEMP TABLE km_seed AS
    WITH plain(case_id, k) AS (VALUES
            ('n3_d2', 2), ('n10_d4', 3), ('n57_d5', 3), ('n57_d5', 7), ('n100_d1', 4),
            ('n200_d8', 5), ('n500_d2', 6), ('n1000_d3', 4), ('n2000_d6', 8), ('provinces', 3),
            ('provinces', 5)),
         plain_settings(seed, restarts, standardize) AS (VALUES
            (0::bigint, 1, 'zscore'), (1, 1, 'range'), (42, 4, 'none'),
            (9007199254740993, 2, 'zscore'), (-3, 1, 'zscore')),
         sep_settings(seed, restarts, standardize) AS (VALUES
            (0::bigint, 1, 'zscore'), (1, 1, 'zscore'), (2, 1, 'range'), (3, 1, 'none'),
            (7, 1, 'zscore'), (123456789, 3, 'zscore'), (9007199254740993, 1, 'range'),
            (-3, 2, 'none')),
         runs AS (
            SELECT p.case_id, p.k, s.seed, s.restarts, s.standardize, false AS separated
            FROM plain p CROSS JOIN plain_settings s
            UNION ALL
            SELECT z.case_id, z.blobs, s.seed, s.restarts, s.standardize, true
            FROM km_size z CROSS JOIN sep_settings s
            WHERE z.case_id LIKE 'sep\_%')
    SELECT row_number() OVER (ORDER BY z.n, r.case_id, r.k, r.seed, r.restarts, r.standardize)::int AS id,
           r.*, z.n, (r.seed, r.restarts, r.standardize) = (0::bigint, 1, 'zscore') AS is_default
    FROM runs r JOIN km_size z USING (case_id);

ANALYZE km_size;
ANALYZE km_runs;
ANALYZE km_exp_unit;
ANALYZE km_sil;
ANALYZE km_seed;

-- ------------------------------------------------------------------------------------
-- the forms.  q returns (id, unit, value) for the ids in $1 (int[]) of its family (init:
-- km_runs, seed: km_seed, sil: km_sil with unit 0); batches is a query returning one row per
-- query to run: (ids int[], k int, st text, init float8[], mt text, label text), whose k, st,
-- init, mt are passed as $2, $3, $4, $5.
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE km_forms (
    fid serial, family text NOT NULL, tag text NOT NULL, form text NOT NULL, null_row boolean NOT NULL,
    batches text NOT NULL, q text NOT NULL);

INSERT INTO km_forms (family, tag, form, null_row, batches, q) VALUES
('init', 'const', 'kmeans(features, k, standardize => s, init => centres) OVER (PARTITION BY case_id ORDER BY unit), constants', false,
 $b$SELECT ARRAY[id] AS ids, k, standardize AS st, init, NULL::text AS mt, 'run ' || id AS label
    FROM km_runs ORDER BY id$b$,
 $q$SELECT r.id, c.unit,
           medres.kmeans(c.features, $2, standardize => $3, init => $4)
               OVER (PARTITION BY c.case_id ORDER BY c.unit)
    FROM km_runs r JOIN km_cases c USING (case_id) WHERE r.id = ANY ($1)$q$),
('init', 'batch', 'kmeans(features, k, standardize => s, init => centres) OVER (PARTITION BY run ORDER BY unit), all runs of a setting in one query', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, standardize AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'standardize ' || standardize AS label
    FROM km_runs GROUP BY standardize ORDER BY standardize$b$,
 $q$SELECT r.id, c.unit,
           medres.kmeans(c.features, r.k, standardize => $3, init => r.init)
               OVER (PARTITION BY r.id ORDER BY c.unit)
    FROM km_runs r JOIN km_cases c USING (case_id) WHERE r.id = ANY ($1)$q$),
('init', 'positional', 'kmeans(features, k, 12345, 3, standardize, 1000, centres) [7 positional arguments], all runs of a setting in one query', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, standardize AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'standardize ' || standardize AS label
    FROM km_runs GROUP BY standardize ORDER BY standardize$b$,
 $q$SELECT r.id, c.unit,
           medres.kmeans(c.features, r.k, 12345, 3, r.standardize, 1000, r.init)
               OVER (PARTITION BY r.id ORDER BY c.unit)
    FROM km_runs r JOIN km_cases c USING (case_id) WHERE r.id = ANY ($1)$q$),
('init', 'null_row', 'kmeans(features, k, standardize => s, init => centres) with a NULL-features row first, all runs in one query', true,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all runs' AS label
    FROM km_runs$b$,
 $q$SELECT r.id, c.unit,
           medres.kmeans(c.features, r.k, standardize => r.standardize, init => r.init)
               OVER (PARTITION BY r.id ORDER BY c.unit)
    FROM km_runs r
    JOIN (SELECT case_id, unit, features FROM km_cases
          UNION ALL SELECT case_id, 0, NULL::float8[] FROM km_size) c USING (case_id)
    WHERE r.id = ANY ($1)$q$),
('seed', 'asc', 'kmeans(features, k, seed, restarts, standardize) OVER (PARTITION BY run ORDER BY unit)', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all runs' AS label
    FROM km_seed$b$,
 $q$SELECT s.id, c.unit,
           medres.kmeans(c.features, s.k, s.seed, s.restarts, s.standardize)
               OVER (PARTITION BY s.id ORDER BY c.unit)
    FROM km_seed s JOIN km_cases c USING (case_id) WHERE s.id = ANY ($1)$q$),
('seed', 'desc', 'kmeans(features, k, seed, restarts, standardize) OVER (PARTITION BY run ORDER BY unit DESC)', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all runs' AS label
    FROM km_seed$b$,
 $q$SELECT s.id, c.unit,
           medres.kmeans(c.features, s.k, s.seed, s.restarts, s.standardize)
               OVER (PARTITION BY s.id ORDER BY c.unit DESC)
    FROM km_seed s JOIN km_cases c USING (case_id) WHERE s.id = ANY ($1)$q$),
('seed', 'shuffled', 'kmeans(features, k, seed, restarts, standardize) OVER (PARTITION BY run ORDER BY md5(unit))', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all runs' AS label
    FROM km_seed$b$,
 $q$SELECT s.id, c.unit,
           medres.kmeans(c.features, s.k, s.seed, s.restarts, s.standardize)
               OVER (PARTITION BY s.id ORDER BY md5(c.unit::text))
    FROM km_seed s JOIN km_cases c USING (case_id) WHERE s.id = ANY ($1)$q$),
('seed', 'again', 'kmeans(features, k, seed => seed, restarts => restarts, standardize => s) OVER (PARTITION BY run ORDER BY unit), second evaluation', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all runs' AS label
    FROM km_seed$b$,
 $q$SELECT s.id, c.unit,
           medres.kmeans(c.features, s.k, seed => s.seed, restarts => s.restarts, standardize => s.standardize)
               OVER (PARTITION BY s.id ORDER BY c.unit)
    FROM km_seed s JOIN km_cases c USING (case_id) WHERE s.id = ANY ($1)$q$),
('seed', 'defaults', 'kmeans(features, k) OVER (PARTITION BY run ORDER BY unit) [defaults]', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'the runs with the default settings' AS label
    FROM km_seed WHERE is_default$b$,
 $q$SELECT s.id, c.unit, medres.kmeans(c.features, s.k) OVER (PARTITION BY s.id ORDER BY c.unit)
    FROM km_seed s JOIN km_cases c USING (case_id) WHERE s.id = ANY ($1)$q$),
('sil', 'defaults', 'silhouette(features, cluster) [defaults euclidean, zscore]', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all groups' AS label
    FROM km_sil WHERE (metric, standardize) = ('euclidean', 'zscore')$b$,
 $q$SELECT g.id, 0, medres.silhouette(c.features, c.sil_labels[g.run])
    FROM km_sil g JOIN km_cases c USING (case_id) WHERE g.id = ANY ($1) GROUP BY g.id$q$),
('sil', 'metric', 'silhouette(features, cluster, metric) [default zscore]', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all groups' AS label
    FROM km_sil WHERE standardize = 'zscore'$b$,
 $q$SELECT g.id, 0, medres.silhouette(c.features, c.sil_labels[g.run], g.metric)
    FROM km_sil g JOIN km_cases c USING (case_id) WHERE g.id = ANY ($1) GROUP BY g.id$q$),
('sil', 'const', 'silhouette(features, cluster, metric, standardize), constants, one query per setting', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, standardize AS st, NULL::float8[] AS init,
           metric AS mt, metric || '/' || standardize AS label
    FROM km_sil GROUP BY metric, standardize ORDER BY metric, standardize$b$,
 $q$SELECT g.id, 0, medres.silhouette(c.features, c.sil_labels[g.run], $5, $3)
    FROM km_sil g JOIN km_cases c USING (case_id) WHERE g.id = ANY ($1) GROUP BY g.id$q$),
('sil', 'desc', 'silhouette(features, cluster, metric, standardize ORDER BY unit DESC)', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all groups' AS label
    FROM km_sil$b$,
 $q$SELECT g.id, 0, medres.silhouette(c.features, c.sil_labels[g.run], g.metric, g.standardize
                                        ORDER BY c.unit DESC)
    FROM km_sil g JOIN km_cases c USING (case_id) WHERE g.id = ANY ($1) GROUP BY g.id$q$),
('sil', 'null_rows', 'silhouette(features, cluster, metric, standardize) with a NULL-features row and a NULL-cluster row added', false,
 $b$SELECT array_agg(id ORDER BY id) AS ids, NULL::int AS k, NULL::text AS st, NULL::float8[] AS init,
           NULL::text AS mt, 'all groups' AS label
    FROM km_sil$b$,
 $q$SELECT g.id, 0, medres.silhouette(c.features, c.cluster, g.metric, g.standardize)
    FROM km_sil g
    CROSS JOIN LATERAL (
        SELECT k.features, k.sil_labels[g.run] AS cluster FROM km_cases k WHERE k.case_id = g.case_id
        UNION ALL
        SELECT NULL::float8[], (SELECT k.sil_labels[g.run] FROM km_cases k
                                WHERE k.case_id = g.case_id AND k.sil_labels[g.run] IS NOT NULL LIMIT 1)
        UNION ALL
        SELECT array_fill(1e6::float8, ARRAY[z.d]), NULL::int FROM km_size z WHERE z.case_id = g.case_id) c
    WHERE g.id = ANY ($1) GROUP BY g.id$q$);

-- ------------------------------------------------------------------------------------
-- compute medres' results
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE km_got (fid integer, id integer, unit integer, got float8);
-- id 0: an error of a batch query
CREATE TEMP TABLE km_errors (fid integer, id integer, batch text, message text);

CREATE FUNCTION pg_temp.km_run(f km_forms) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ins text;
    b record;
    one int;
BEGIN
    ins := format('INSERT INTO km_got SELECT %s, s.i, s.u, s.v FROM (%s) AS s(i, u, v)', f.fid, f.q);
    FOR b IN EXECUTE f.batches LOOP
        BEGIN
            EXECUTE ins USING b.ids, b.k, b.st, b.init, b.mt;
            CONTINUE;
        EXCEPTION WHEN others THEN
            IF cardinality(b.ids) = 1 THEN
                INSERT INTO km_errors VALUES (f.fid, b.ids[1], NULL, SQLSTATE || ': ' || SQLERRM);
                CONTINUE;
            END IF;
            INSERT INTO km_errors VALUES (f.fid, 0, b.label, SQLSTATE || ': ' || SQLERRM);
        END;
        FOREACH one IN ARRAY b.ids LOOP
            BEGIN
                EXECUTE ins USING ARRAY[one], b.k, b.st, b.init, b.mt;
            EXCEPTION WHEN others THEN
                INSERT INTO km_errors VALUES (f.fid, one, NULL, SQLSTATE || ': ' || SQLERRM);
            END;
        END LOOP;
    END LOOP;
END
$$;

DO $do$
DECLARE
    f km_forms;
BEGIN
    FOR f IN SELECT * FROM km_forms ORDER BY fid LOOP
        PERFORM pg_temp.km_run(f);
    END LOOP;
END
$do$;
CREATE INDEX ON km_got (fid, id, unit);
ANALYZE km_got;
ANALYZE km_errors;

CREATE FUNCTION pg_temp.km_fid(p_family text, p_tag text) RETURNS int LANGUAGE sql STABLE AS
$$ SELECT fid FROM km_forms WHERE family = p_family AND tag = p_tag $$;

-- errors of one (form, id), as an array of 'error: ...'
CREATE FUNCTION pg_temp.km_err(p_fid int, p_id int) RETURNS text[] LANGUAGE sql STABLE AS
$$ SELECT coalesce(array_agg(DISTINCT 'error: ' || message), '{}'::text[])
   FROM km_errors WHERE fid = p_fid AND id = p_id $$;

-- at most 10 messages, then a count
CREATE FUNCTION pg_temp.km_cap(msgs text[], total bigint) RETURNS text[] LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN cardinality(msgs) > 10
               THEN msgs[1:10] || format('... and %s more of %s', cardinality(msgs) - 10, total)
               ELSE coalesce(msgs, '{}'::text[]) END $$;

-- ------------------------------------------------------------------------------------
-- seeded runs: labels per form, renumbered in order of first appearance in unit order
-- (rel_asc) and in descending unit order (rel_desc)
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE km_seed_got AS
    WITH g AS (
        SELECT f.tag, r.id, r.unit, r.got::int AS got
        FROM km_got r JOIN km_forms f USING (fid) WHERE f.family = 'seed'),
    firsts AS (
        SELECT tag, id, got, min(unit) AS first_asc, max(unit) AS first_desc
        FROM g GROUP BY tag, id, got),
    rel AS (
        SELECT tag, id, got,
               row_number() OVER (PARTITION BY tag, id ORDER BY first_asc)::int AS rel_asc,
               row_number() OVER (PARTITION BY tag, id ORDER BY first_desc DESC)::int AS rel_desc
        FROM firsts)
    SELECT g.tag, g.id, g.unit, g.got, rel.rel_asc, rel.rel_desc
    FROM g LEFT JOIN rel ON rel.tag = g.tag AND rel.id = g.id AND rel.got IS NOT DISTINCT FROM g.got;
CREATE TEMP TABLE km_seed_arr AS
    SELECT tag, id, count(*) AS rows, array_agg(got ORDER BY unit) AS got,
           array_agg(rel_asc ORDER BY unit) AS rel_asc, array_agg(rel_desc ORDER BY unit) AS rel_desc
    FROM km_seed_got GROUP BY tag, id;
CREATE INDEX ON km_seed_arr (tag, id);
ANALYZE km_seed_arr;

-- Lloyd fixed point of the ORDER BY unit results, in the space standardised here
CREATE TEMP TABLE km_fx AS
    SELECT s.id, s.standardize, c.unit, g.got AS lab, f.j::int AS j, f.v
    FROM km_seed s
    JOIN km_cases c USING (case_id)
    JOIN km_seed_got g ON g.tag = 'asc' AND g.id = s.id AND g.unit = c.unit
    CROSS JOIN LATERAL unnest(c.features) WITH ORDINALITY AS f(v, j);
ANALYZE km_fx;
CREATE TEMP TABLE km_fz AS
    SELECT x.id, x.unit, x.lab, x.j,
           CASE x.standardize WHEN 'zscore' THEN (x.v - st.m) / st.sd
                              WHEN 'range' THEN (x.v - st.lo) / (st.hi - st.lo)
                              ELSE x.v END AS z
    FROM km_fx x
    JOIN (SELECT id, j, avg(v) AS m, stddev_samp(v) AS sd, min(v) AS lo, max(v) AS hi
          FROM km_fx GROUP BY id, j) st USING (id, j);
ANALYZE km_fz;
CREATE TEMP TABLE km_fc AS
    SELECT id, lab, j, avg(z) AS c FROM km_fz WHERE lab IS NOT NULL GROUP BY id, lab, j;
ANALYZE km_fc;
CREATE TEMP TABLE km_fixed AS
    SELECT id, unit, own,
           min(d) FILTER (WHERE other = own) AS d_own,
           min(d) FILTER (WHERE other <> own) AS d_other,
           (array_agg(other ORDER BY d, other) FILTER (WHERE other <> own))[1] AS nearest_other
    FROM (SELECT z.id, z.unit, z.lab AS own, c.lab AS other, sum((z.z - c.c) ^ 2) AS d
          FROM km_fz z JOIN km_fc c ON c.id = z.id AND c.j = z.j
          GROUP BY z.id, z.unit, z.lab, c.lab) dist
    GROUP BY id, unit, own;

-- ------------------------------------------------------------------------------------
-- collect the tests: (passed, description) for ok(), (have, description) for
-- is(have, '{}'::text[]) where have lists the problems, or a pgTAP call q
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE km_tests (seq serial, kind text, passed boolean, have text[], descr text, q text);

INSERT INTO km_tests (kind, passed, descr)
SELECT 'ok', (SELECT count(*) FROM km_runs) > 0 AND (SELECT count(*) FROM km_sil) > 0,
       format('oracle files loaded: %s cases, %s units, %s kmeans runs (%s labels), %s silhouette values, %s seeded runs',
              (SELECT count(*) FROM km_size), (SELECT count(*) FROM km_cases),
              (SELECT count(*) FROM km_runs), (SELECT count(*) FROM km_exp_unit),
              (SELECT count(*) FROM km_sil), (SELECT count(*) FROM km_seed));

-- the documented signatures
INSERT INTO km_tests (kind, q) VALUES
('pgtap', $t$SELECT is_window('medres', 'kmeans',
    ARRAY['double precision[]', 'integer', 'bigint', 'integer', 'text', 'integer', 'double precision[]'],
    'medres.kmeans(float8[], int, bigint, int, text, int, float8[]) is a window function')$t$),
('pgtap', $t$SELECT function_returns('medres', 'kmeans',
    ARRAY['double precision[]', 'integer', 'bigint', 'integer', 'text', 'integer', 'double precision[]'],
    'integer', 'medres.kmeans(...) returns integer')$t$),
('pgtap', $t$SELECT is(
    (SELECT pronargdefaults::int FROM pg_proc
     WHERE oid = to_regprocedure('medres.kmeans(float8[], int, bigint, int, text, int, float8[])')),
    5, 'medres.kmeans: seed, restarts, standardize, max_iter and init have defaults')$t$),
('pgtap', $t$SELECT is_aggregate('medres', 'silhouette', ARRAY['double precision[]', 'integer'],
    'medres.silhouette(float8[], int) is an aggregate')$t$),
('pgtap', $t$SELECT is_aggregate('medres', 'silhouette', ARRAY['double precision[]', 'integer', 'text'],
    'medres.silhouette(float8[], int, text) is an aggregate')$t$),
('pgtap', $t$SELECT is_aggregate('medres', 'silhouette', ARRAY['double precision[]', 'integer', 'text', 'text'],
    'medres.silhouette(float8[], int, text, text) is an aggregate')$t$),
('pgtap', $t$SELECT function_returns('medres', 'silhouette', ARRAY['double precision[]', 'integer', 'text', 'text'],
    'double precision', 'medres.silhouette(float8[], int, text, text) returns double precision')$t$);

-- kmeans from given centres: one is(mismatches, '{}') per (run, form)
INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       pg_temp.km_cap(x.bad, x.nexp) || pg_temp.km_err(x.fid, x.id),
       format('kmeans %s k=%s %s init run %s [%s]: %s: %s labels', r.case_id, r.k, r.standardize, r.run,
              f.tag, f.form, x.nexp)
FROM (
    SELECT c.id, c.fid, count(*) AS nexp,
           array_agg(c.msg ORDER BY c.unit) FILTER (WHERE NOT c.ok) AS bad
    FROM (
        SELECT e.id, e.fid, e.unit,
               coalesce(g.present AND g.got IS NOT DISTINCT FROM e.expected, false) AS ok,
               format('unit %s: got %s, expected %s', e.unit,
                      CASE WHEN g.present THEN coalesce(g.got::text, 'NULL') ELSE 'no result' END,
                      coalesce(e.expected::text, 'NULL')) AS msg
        FROM (SELECT eu.id, f.fid, eu.unit, eu.expected
              FROM km_exp_unit eu CROSS JOIN km_forms f WHERE f.family = 'init'
              UNION ALL
              SELECT r.id, f.fid, 0, NULL FROM km_runs r CROSS JOIN km_forms f
              WHERE f.family = 'init' AND f.null_row) e
        LEFT JOIN LATERAL (SELECT true AS present, kg.got FROM km_got kg
                           WHERE kg.fid = e.fid AND kg.id = e.id AND kg.unit = e.unit LIMIT 1) g ON true
    ) c
    GROUP BY c.id, c.fid
) x
JOIN km_runs r ON r.id = x.id
JOIN km_forms f ON f.fid = x.fid
ORDER BY x.id, x.fid;

-- seeded runs
INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN a.id IS NULL THEN ARRAY['no result (ORDER BY unit)'] ELSE
           CASE WHEN a.rows <> s.n THEN ARRAY[format('%s rows returned, expected %s', a.rows, s.n)] ELSE '{}' END
           || CASE WHEN a.got IS DISTINCT FROM a.rel_asc
                   THEN ARRAY[format('ORDER BY unit: labels %s are not 1..k numbered in order of first appearance',
                                     (a.got)[1:40]::text)] ELSE '{}' END
           || CASE WHEN NOT (SELECT coalesce(bool_and(v BETWEEN 1 AND s.k), false)
                                    AND count(DISTINCT v) = s.k FROM unnest(a.got) v)
                   THEN ARRAY[format('labels are not 1..%s with every label used: %s', s.k,
                                     (SELECT array_agg(DISTINCT v) FROM unnest(a.got) v)::text)] ELSE '{}' END
       END
       || CASE WHEN d.id IS NOT NULL AND d.got IS DISTINCT FROM d.rel_desc
               THEN ARRAY['ORDER BY unit DESC: labels are not numbered in order of first appearance in that order']
               ELSE '{}' END
       || pg_temp.km_err(pg_temp.km_fid('seed', 'asc'), s.id) || pg_temp.km_err(pg_temp.km_fid('seed', 'desc'), s.id),
       format('kmeans %s k=%s seed %s restarts %s %s: labels 1..k, all used, numbered by first appearance (ORDER BY unit and unit DESC)',
              s.case_id, s.k, s.seed, s.restarts, s.standardize)
FROM km_seed s
LEFT JOIN km_seed_arr a ON a.tag = 'asc' AND a.id = s.id
LEFT JOIN km_seed_arr d ON d.tag = 'desc' AND d.id = s.id
ORDER BY s.id;

INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN a.id IS NULL THEN ARRAY['no result for ORDER BY unit'] ELSE '{}' END
       || CASE WHEN d.id IS NULL THEN ARRAY['no result for ORDER BY unit DESC']
               WHEN d.rel_asc IS DISTINCT FROM a.rel_asc
               THEN ARRAY[format('ORDER BY unit DESC gives another partition: %s vs %s (first 40 units, renumbered)',
                                 (d.rel_asc)[1:40]::text, (a.rel_asc)[1:40]::text)] ELSE '{}' END
       || CASE WHEN h.id IS NULL THEN ARRAY['no result for the shuffled order']
               WHEN h.rel_asc IS DISTINCT FROM a.rel_asc
               THEN ARRAY[format('shuffled order gives another partition: %s vs %s (first 40 units, renumbered)',
                                 (h.rel_asc)[1:40]::text, (a.rel_asc)[1:40]::text)] ELSE '{}' END
       || pg_temp.km_err(pg_temp.km_fid('seed', 'desc'), s.id) || pg_temp.km_err(pg_temp.km_fid('seed', 'shuffled'), s.id),
       format('kmeans %s k=%s seed %s restarts %s %s: same partition for ORDER BY unit, unit DESC and a shuffled order',
              s.case_id, s.k, s.seed, s.restarts, s.standardize)
FROM km_seed s
LEFT JOIN km_seed_arr a ON a.tag = 'asc' AND a.id = s.id
LEFT JOIN km_seed_arr d ON d.tag = 'desc' AND d.id = s.id
LEFT JOIN km_seed_arr h ON h.tag = 'shuffled' AND h.id = s.id
ORDER BY s.id;

INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN a.id IS NULL THEN ARRAY['no result for the first evaluation'] ELSE '{}' END
       || CASE WHEN b.id IS NULL THEN ARRAY['no result for the second evaluation']
               WHEN b.got IS DISTINCT FROM a.got
               THEN ARRAY[format('second evaluation differs: %s vs %s (first 40 units)', (b.got)[1:40]::text,
                                 (a.got)[1:40]::text)] ELSE '{}' END
       || CASE WHEN NOT s.is_default THEN '{}'
               WHEN e.id IS NULL THEN ARRAY['no result for kmeans(features, k)']
               WHEN e.got IS DISTINCT FROM a.got
               THEN ARRAY[format('kmeans(features, k) differs from the explicit defaults: %s vs %s (first 40 units)',
                                 (e.got)[1:40]::text, (a.got)[1:40]::text)] ELSE '{}' END
       || pg_temp.km_err(pg_temp.km_fid('seed', 'again'), s.id) || pg_temp.km_err(pg_temp.km_fid('seed', 'defaults'), s.id),
       format('kmeans %s k=%s seed %s restarts %s %s: repeatable (same labels twice%s)',
              s.case_id, s.k, s.seed, s.restarts, s.standardize,
              CASE WHEN s.is_default THEN '; kmeans(features, k) = the explicit defaults' ELSE '' END)
FROM km_seed s
LEFT JOIN km_seed_arr a ON a.tag = 'asc' AND a.id = s.id
LEFT JOIN km_seed_arr b ON b.tag = 'again' AND b.id = s.id
LEFT JOIN km_seed_arr e ON e.tag = 'defaults' AND e.id = s.id
ORDER BY s.id;

INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN x.nunits IS NULL THEN ARRAY['no result'] ELSE pg_temp.km_cap(x.bad, x.nunits) END,
       format('kmeans %s k=%s seed %s restarts %s %s: a Lloyd fixed point (every unit nearest to its own cluster mean)',
              s.case_id, s.k, s.seed, s.restarts, s.standardize)
FROM km_seed s
LEFT JOIN (
    SELECT id, count(*) AS nunits,
           array_agg(format('unit %s (cluster %s): squared distance %s to its mean > %s to the mean of cluster %s',
                            unit, coalesce(own::text, 'NULL'), d_own, d_other, nearest_other) ORDER BY unit)
               FILTER (WHERE own IS NULL OR d_own IS NULL OR d_own > d_other * (1 + 1e-9) + 1e-12) AS bad
    FROM km_fixed GROUP BY id
) x ON x.id = s.id
ORDER BY s.id;

INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN a.id IS NULL THEN ARRAY['no result']
            WHEN a.rel_asc IS DISTINCT FROM t.truth
            THEN ARRAY[format('got %s, true blobs %s (renumbered)', a.rel_asc::text, t.truth::text)]
            ELSE '{}' END,
       format('kmeans %s k=%s seed %s restarts %s %s: recovers the %s well-separated blobs',
              s.case_id, s.k, s.seed, s.restarts, s.standardize, s.k)
FROM km_seed s
JOIN (SELECT case_id, array_agg(truth ORDER BY unit) AS truth FROM km_cases WHERE truth IS NOT NULL
      GROUP BY case_id) t USING (case_id)
LEFT JOIN km_seed_arr a ON a.tag = 'asc' AND a.id = s.id
WHERE s.separated
ORDER BY s.id;

-- silhouette: one is(mismatches, '{}') per (group, form)
INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN r.id IS NULL THEN ARRAY['no result']
            WHEN r.got IS NULL THEN ARRAY[format('got NULL, expected %s', g.expected)]
            WHEN abs(r.got - g.expected) <= greatest(1e-10 * abs(g.expected), 1e-12) THEN '{}'
            ELSE ARRAY[format('got %s, expected %s (difference %s, relative %s)', r.got, g.expected,
                              abs(r.got - g.expected),
                              abs(r.got - g.expected) / nullif(abs(g.expected), 0))] END
       || pg_temp.km_err(f.fid, g.id),
       format('silhouette %s labelling %s %s/%s [%s]: %s = %s', g.case_id, g.run, g.metric, g.standardize,
              f.tag, f.form, g.expected)
FROM km_sil g
JOIN km_forms f ON f.family = 'sil'
     AND (f.tag <> 'defaults' OR (g.metric, g.standardize) = ('euclidean', 'zscore'))
     AND (f.tag <> 'metric' OR g.standardize = 'zscore')
LEFT JOIN LATERAL (SELECT kg.id, kg.got FROM km_got kg WHERE kg.fid = f.fid AND kg.id = g.id LIMIT 1) r ON true
ORDER BY g.id, f.fid;

-- each batch form evaluates over all its partitions / groups without error
INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(format('[%s] %s', er.batch, er.message) ORDER BY er.batch)
                 FROM km_errors er WHERE er.id = 0 AND er.fid = f.fid), '{}'::text[]),
       format('%s: every batch query ran without error', f.form)
FROM km_forms f
WHERE f.tag <> 'const' OR f.family <> 'init'
ORDER BY f.fid;

-- nothing is reported twice
INSERT INTO km_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT (array_agg(format('form %s id %s unit %s: %s rows', fid, id, unit, cnt)
                                   ORDER BY fid, id, unit))[1:20]
                 FROM (SELECT fid, id, unit, count(*) AS cnt FROM km_got
                       GROUP BY 1, 2, 3 HAVING count(*) > 1) d), '{}'::text[]),
       'no (form, run, unit) has more than one result';

-- ------------------------------------------------------------------------------------
-- bad input: SQLSTATE 22023
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE km_bad (seq serial, descr text, q text);
INSERT INTO km_bad (descr, q) VALUES
('kmeans: k = 0',
 $q$SELECT medres.kmeans(f, 0) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: k = -1',
 $q$SELECT medres.kmeans(f, -1) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: k = 4 > 3 rows',
 $q$SELECT medres.kmeans(f, 4) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: k = 4 > 3 rows with init',
 $q$SELECT medres.kmeans(f, 4, standardize => 'none', init => '{{1,2},{3,5},{4,1},{0,0}}') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: k = 3 > 2 rows that take part (a third row has NULL features)',
 $q$SELECT medres.kmeans(f, 3) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), (NULL)) v(f)$q$),
('kmeans: init a one-dimensional array',
 $q$SELECT medres.kmeans(f, 2, standardize => 'none', init => '{1,2,3,5}') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: init with k + 1 rows',
 $q$SELECT medres.kmeans(f, 2, standardize => 'none', init => '{{1,2},{3,5},{4,1}}') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: init with k - 1 rows',
 $q$SELECT medres.kmeans(f, 2, standardize => 'none', init => '{{1,2}}') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: init with d + 1 columns',
 $q$SELECT medres.kmeans(f, 2, standardize => 'none', init => '{{1,2,0},{3,5,0}}') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: init with d - 1 columns',
 $q$SELECT medres.kmeans(f, 2, standardize => 'none', init => '{{1},{3}}') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: init a three-dimensional array',
 $q$SELECT medres.kmeans(f, 2, standardize => 'none', init => '{{{1,2},{3,5}}}') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: unknown standardize',
 $q$SELECT medres.kmeans(f, 2, standardize => 'foo') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: empty standardize',
 $q$SELECT medres.kmeans(f, 2, standardize => '') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,5}'), ('{4,1}')) v(f)$q$),
('kmeans: NULL feature element',
 $q$SELECT medres.kmeans(f, 2) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,NULL}'), ('{4,1}')) v(f)$q$),
('kmeans: NaN feature element',
 $q$SELECT medres.kmeans(f, 2) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,NaN}'), ('{4,1}')) v(f)$q$),
('kmeans: Infinity feature element',
 $q$SELECT medres.kmeans(f, 2) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,Infinity}'), ('{4,1}')) v(f)$q$),
('kmeans: -Infinity feature element',
 $q$SELECT medres.kmeans(f, 2) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{-Infinity,5}'), ('{4,1}')) v(f)$q$),
('kmeans: NaN feature element with standardize none and init',
 $q$SELECT medres.kmeans(f, 2, standardize => 'none', init => '{{1,2},{4,1}}') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,NaN}'), ('{4,1}')) v(f)$q$),
('kmeans: feature arrays of different lengths',
 $q$SELECT medres.kmeans(f, 2) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,5,7}'), ('{4,1}')) v(f)$q$),
('kmeans: empty feature arrays',
 $q$SELECT medres.kmeans(f, 1) OVER () FROM (VALUES ('{}'::float8[]), ('{}'), ('{}')) v(f)$q$),
('kmeans: two-dimensional feature arrays',
 $q$SELECT medres.kmeans(f, 2) OVER () FROM (VALUES ('{{1,2}}'::float8[]), ('{{3,5}}'), ('{{4,1}}')) v(f)$q$),
('kmeans: a zero-variance feature with zscore',
 $q$SELECT medres.kmeans(f, 2) OVER () FROM (VALUES ('{1,2}'::float8[]), ('{3,2}'), ('{4,2}')) v(f)$q$),
('kmeans: a zero-range feature with range',
 $q$SELECT medres.kmeans(f, 2, standardize => 'range') OVER ()
    FROM (VALUES ('{1,2}'::float8[]), ('{3,2}'), ('{4,2}')) v(f)$q$),
('silhouette: a single cluster',
 $q$SELECT medres.silhouette(f, c) FROM (VALUES ('{1,2}'::float8[], 1), ('{3,5}', 1), ('{4,1}', 1)) v(f, c)$q$),
('silhouette: every point in its own cluster',
 $q$SELECT medres.silhouette(f, c) FROM (VALUES ('{1,2}'::float8[], 1), ('{3,5}', 2), ('{4,1}', 3)) v(f, c)$q$),
('silhouette: a single cluster once the NULL-cluster and NULL-features rows are skipped',
 $q$SELECT medres.silhouette(f, c)
    FROM (VALUES ('{1,2}'::float8[], 1), ('{3,5}', 1), ('{4,1}', NULL), (NULL, 2)) v(f, c)$q$),
('silhouette: every point in its own cluster, with the 4-argument form',
 $q$SELECT medres.silhouette(f, c, 'manhattan', 'none')
    FROM (VALUES ('{1,2}'::float8[], 1), ('{3,5}', 2), ('{4,1}', 3)) v(f, c)$q$),
('silhouette: unknown metric',
 $q$SELECT medres.silhouette(f, c, 'foo') FROM (VALUES ('{1,2}'::float8[], 1), ('{3,5}', 1), ('{4,1}', 2)) v(f, c)$q$),
('silhouette: unknown standardize',
 $q$SELECT medres.silhouette(f, c, 'euclidean', 'foo')
    FROM (VALUES ('{1,2}'::float8[], 1), ('{3,5}', 1), ('{4,1}', 2)) v(f, c)$q$),
('silhouette: NULL feature element',
 $q$SELECT medres.silhouette(f, c) FROM (VALUES ('{1,2}'::float8[], 1), ('{3,NULL}', 1), ('{4,1}', 2)) v(f, c)$q$),
('silhouette: NaN feature element',
 $q$SELECT medres.silhouette(f, c) FROM (VALUES ('{1,2}'::float8[], 1), ('{3,NaN}', 1), ('{4,1}', 2)) v(f, c)$q$),
('silhouette: Infinity feature element',
 $q$SELECT medres.silhouette(f, c, 'euclidean', 'none')
    FROM (VALUES ('{1,2}'::float8[], 1), ('{3,Infinity}', 1), ('{4,1}', 2)) v(f, c)$q$),
('silhouette: feature arrays of different lengths',
 $q$SELECT medres.silhouette(f, c) FROM (VALUES ('{1,2}'::float8[], 1), ('{3,5,7}', 1), ('{4,1}', 2)) v(f, c)$q$),
('silhouette: a zero-variance feature with zscore',
 $q$SELECT medres.silhouette(f, c) FROM (VALUES ('{1,2}'::float8[], 1), ('{3,2}', 1), ('{4,2}', 2)) v(f, c)$q$);

INSERT INTO km_tests (kind, q)
SELECT 'pgtap', format('SELECT throws_ok(%L, %L, NULL, %L)', q, '22023', descr || ': SQLSTATE 22023')
FROM km_bad ORDER BY seq;

-- ------------------------------------------------------------------------------------
-- run the tests
-- ------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.km_pgtap(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    res text;
BEGIN
    EXECUTE q INTO res;
    RETURN res;
END
$$;

SELECT plan((SELECT count(*)::int FROM km_tests));

SELECT CASE kind WHEN 'ok' THEN ok(passed, descr)
                 WHEN 'pgtap' THEN pg_temp.km_pgtap(q)
                 ELSE is(have, '{}'::text[], descr) END
FROM km_tests ORDER BY seq;

SELECT * FROM finish();
ROLLBACK;
