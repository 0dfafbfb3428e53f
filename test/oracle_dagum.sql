-- Oracle test for medres.dagum_decomposition (Dagum's Gini decomposition by groups).
--
-- Compares medres with the values test/oracle_dagum.py computed from the definitions by the
-- O(n^2) double loop (exact rationals for up to 400 rows, math.fsum beyond), stored in
-- test/oracle/dagum_cases.csv and test/oracle/dagum_expected.csv.  Run from the repository
-- root:  pg_prove -d <db> test/oracle_dagum.sql  (the database has CREATE EXTENSION medres).
--
-- Agreement required: |got - expected| <= 1e-10 |expected| + 1e-15 for the dimensionless
-- fields (shares, Ginis, D_jh, contributions), 1e-10 |expected| for the group means; exact
-- for group order, names and row counts; NULL exactly where the oracle has none.
-- Also: G_w + G_nb + G_t = medres.gini(value, weight) to 1e-12; the same answers with
-- GROUP BY, as a window aggregate (whole partition and running frame) and in parallel plans
-- (combine, serialize and deserialize run); bad input gives its SQLSTATE.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
\i test/lib/plans.sql
SELECT plan(45);

-- Plain tables, created in this transaction and rolled back with it, not temporary ones:
-- parallel workers cannot read temporary tables, and under force_parallel_mode (the suite's
-- parallel run) the bodies of SQL functions that take a large stored (TOASTed) composite
-- run in a worker.

CREATE TABLE dg_cases (id serial, case_id text, weighted bool, value float8, weight float8, grp text);
\copy dg_cases (case_id, weighted, value, weight, grp) FROM 'test/oracle/dagum_cases.csv' CSV HEADER
CREATE TABLE dg_expected (case_id text, kind text, pos int, label text, field text, expected float8);
\copy dg_expected FROM 'test/oracle/dagum_expected.csv' CSV HEADER
UPDATE dg_expected SET label = '' WHERE label IS NULL;
ANALYZE dg_cases;

-- one decomposition per case, with the weighted or the unweighted form as the oracle used
CREATE TABLE dg_got AS
SELECT case_id,
       CASE WHEN bool_and(weighted) THEN medres.dagum_decomposition(value, weight, grp)
            ELSE medres.dagum_decomposition(value, grp) END AS d,
       CASE WHEN bool_and(weighted) THEN medres.gini(value, weight) ELSE medres.gini(value) END AS gini
FROM dg_cases GROUP BY case_id;

-- the result in the oracle's long form
CREATE FUNCTION pg_temp.long_form(d medres.dagum)
RETURNS TABLE(kind text, pos int, label text, field text, got float8) LANGUAGE sql AS $$
  SELECT 'summary', 0, '', f, v FROM (VALUES
      ('total', d.total), ('within', d.within), ('net_between', d.net_between),
      ('transvariation', d.transvariation), ('within_share', d.within_share),
      ('net_between_share', d.net_between_share), ('transvariation_share', d.transvariation_share)) s(f, v)
  UNION ALL
  SELECT 'group', o::int, g.grp, f, v
  FROM unnest(d.groups) WITH ORDINALITY AS g(grp, n, ps, rs, mean, gini, contribution, cs, o),
       LATERAL (VALUES ('n', g.n::float8), ('population_share', g.ps), ('resource_share', g.rs),
                       ('mean', g.mean), ('gini', g.gini), ('contribution', g.contribution),
                       ('contribution_share', g.cs)) s(f, v)
  UNION ALL
  SELECT 'pair', o::int, p.grp_j || '|' || p.grp_h, f, v
  FROM unnest(d.pairs) WITH ORDINALITY AS p(grp_j, grp_h, gini, affluence, nb, t, o),
       LATERAL (VALUES ('gini', p.gini), ('affluence', p.affluence), ('net_between', p.nb),
                       ('transvariation', p.t)) s(f, v)
$$;

CREATE FUNCTION pg_temp.agrees(field text, got float8, expected float8) RETURNS bool LANGUAGE sql AS $$
  SELECT CASE WHEN got IS NULL OR expected IS NULL THEN got IS NULL AND expected IS NULL
              WHEN field = 'mean' THEN abs(got - expected) <= 1e-10 * abs(expected)
              ELSE abs(got - expected) <= 1e-10 * abs(expected) + 1e-15 END
$$;

-- mismatches of one case: missing, extra, mislabelled (group order) or disagreeing fields
CREATE FUNCTION pg_temp.mismatches(c text, d medres.dagum) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(format('%s %s %s %s: got %s, expected %s', coalesce(e.kind, g.kind),
                                   coalesce(e.pos, g.pos), coalesce(e.label, g.label),
                                   coalesce(e.field, g.field), g.got, e.expected)
                            ORDER BY 1), '{}')
  FROM (SELECT * FROM dg_expected WHERE case_id = c) e
  FULL JOIN pg_temp.long_form(d) g USING (kind, pos, label, field)
  WHERE e.case_id IS NULL OR g.kind IS NULL OR NOT pg_temp.agrees(field, g.got, e.expected)
$$;

-- 18 tests: every case agrees with the oracle
SELECT is(pg_temp.mismatches(case_id, d), '{}', 'oracle case ' || case_id)
FROM dg_got ORDER BY case_id;

-- 1 test: G_w + G_nb + G_t and G equal medres.gini to 1e-12, in every case
SELECT is(array_agg(case_id ORDER BY case_id), NULL,
          'within + net_between + transvariation = medres.gini (and total = gini) to 1e-12')
FROM dg_got
WHERE NOT (abs((d).within + (d).net_between + (d).transvariation - gini) <= 1e-12 * gini
           AND abs((d).total - gini) <= 1e-12 * gini);

-- 2 tests: the flattened forms hold the arrays' rows, in order
SELECT is((SELECT array_agg(g.grp || ':' || g.gini::text) FROM medres.dagum_groups(d) g),
          (SELECT array_agg(g.grp || ':' || g.gini::text) FROM unnest((d).groups) g),
          'dagum_groups lists the groups of the composite')
FROM (SELECT medres.dagum_decomposition(value, weight, grp) AS d FROM dg_cases WHERE case_id = 'provinces_beds') s;
SELECT is((SELECT array_agg(p.grp_j || '|' || p.grp_h || ':' || p.net_between::text) FROM medres.dagum_pairs(d) p),
          (SELECT array_agg(p.grp_j || '|' || p.grp_h || ':' || p.net_between::text) FROM unnest((d).pairs) p),
          'dagum_pairs lists the pairs of the composite')
FROM (SELECT medres.dagum_decomposition(value, weight, grp) AS d FROM dg_cases WHERE case_id = 'many_groups') s;

-- equal to 1e-12 relative, field by field (tied values may be summed in another order)
CREATE FUNCTION pg_temp.same(a medres.dagum, b medres.dagum) RETURNS bool LANGUAGE sql AS $$
  SELECT count(*) = 0 FROM pg_temp.long_form(a) x FULL JOIN pg_temp.long_form(b) y USING (kind, pos, label, field)
  WHERE x.kind IS NULL OR y.kind IS NULL OR (x.got IS NULL) <> (y.got IS NULL)
     OR NOT pg_temp.close(x.got, y.got, 1e-12)
$$;

-- 2 tests: as a window aggregate over whole partitions, and in a running frame
SELECT is(array_agg(DISTINCT w.case_id), NULL, 'OVER (PARTITION BY case_id) = GROUP BY')
FROM (SELECT DISTINCT ON (case_id) case_id, d  -- one row per partition: all its rows agree
      FROM (SELECT case_id, CASE WHEN weighted THEN medres.dagum_decomposition(value, weight, grp) OVER w
                                 ELSE medres.dagum_decomposition(value, grp) OVER w END AS d
            FROM dg_cases WINDOW w AS (PARTITION BY case_id)) x
      ORDER BY case_id) w
JOIN dg_got g USING (case_id)
WHERE pg_temp.mismatches(w.case_id, w.d) <> '{}' OR NOT pg_temp.same(w.d, g.d);
-- a running frame calls the final function, then adds rows, then calls it again: each
-- prefix must equal a fresh aggregate over it (checked at 8 prefixes of the big case)
CREATE TABLE dg_running AS
SELECT id - min(id) OVER () AS k, id,
       medres.dagum_decomposition(value, weight, grp) OVER (ORDER BY id) AS d
FROM dg_cases WHERE case_id = 'lognormal_1500';
SELECT is(count(*) FILTER (WHERE pg_temp.same(r.d, f.d)), 8::bigint,
          'running window: every prefix equals a fresh aggregate')
FROM dg_running r
CROSS JOIN LATERAL (SELECT medres.dagum_decomposition(value, weight, grp) AS d
                    FROM dg_cases c WHERE c.case_id = 'lognormal_1500' AND c.id <= r.id) f
WHERE r.k IN (0, 1, 9, 100, 401, 999, 1200, 1499);

-- 2 tests: order of the rows does not matter (beyond the last bits)
SELECT ok(pg_temp.mismatches('lognormal_1500', d) = '{}', 'rows in reverse order agree with the oracle')
FROM (SELECT medres.dagum_decomposition(value, weight, grp ORDER BY id DESC) AS d
      FROM dg_cases WHERE case_id = 'lognormal_1500') s;
SELECT ok(pg_temp.mismatches('ties_3_groups', d) = '{}', 'rows by value agree with the oracle')
FROM (SELECT medres.dagum_decomposition(value, weight, grp ORDER BY value, grp) AS d
      FROM dg_cases WHERE case_id = 'ties_3_groups') s;

-- 3 tests: scaling every weight or every value changes nothing; NULLs are skipped
SELECT ok(pg_temp.mismatches('provinces_beds', d) = '{}', 'weights times 1e-200 change nothing')
FROM (SELECT medres.dagum_decomposition(value, weight * 1e-200, grp) AS d
      FROM dg_cases WHERE case_id = 'provinces_beds') s;
SELECT ok(abs((d).total - 0.07970542405373787) <= 1e-13 AND
          abs((d).net_between - 0.047048120593759436) <= 1e-13, 'values times 1e250 change no share')
FROM (SELECT medres.dagum_decomposition(value * 1e250, weight, grp) AS d
      FROM dg_cases WHERE case_id = 'provinces_beds') s;
SELECT ok(pg_temp.mismatches('provinces_beds', d) = '{}', 'rows with a NULL value, weight or group are skipped')
FROM (SELECT medres.dagum_decomposition(value, weight, grp) AS d FROM (
        SELECT value, weight, grp FROM dg_cases WHERE case_id = 'provinces_beds'
        UNION ALL VALUES (NULL, 1, 'east'), (5, NULL, 'east'), (5, 1, NULL)) u) s;

-- ---- parallel plans: combine, serialize and deserialize ----
SELECT setseed(0.17);
CREATE TABLE dg_par AS
SELECT i, exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) * (1 + i % 31) AS x,
       1 - random() AS w, 'g' || (i % 31) AS grp, 2000 + i % 4 AS year
FROM generate_series(1, 120000) AS i;
UPDATE dg_par SET x = floor(x) WHERE i % 5 = 0;
ANALYZE dg_par;
CREATE TEMP VIEW dg_answers AS
SELECT medres.dagum_decomposition(x, w, grp) AS d, medres.gini(x, w) AS gini FROM dg_par;
CREATE TEMP VIEW dg_by_year AS
SELECT year, medres.dagum_decomposition(x, w, grp) AS d FROM dg_par GROUP BY year;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TABLE dg_serial AS SELECT * FROM dg_answers;
CREATE TABLE dg_serial_year AS SELECT * FROM dg_by_year;
SELECT pg_temp.allow_parallel(2);
SET LOCAL parallel_leader_participation = on;

-- 4 tests
SELECT matches(pg_temp.plan_of('SELECT medres.dagum_decomposition(x, w, grp) FROM dg_par'),
               'Partial Aggregate', 'dagum_decomposition runs as a partial aggregate in parallel workers');
SELECT matches(pg_temp.analyze_of('CREATE TABLE dg_parallel AS SELECT * FROM dg_answers'),
               'Workers Launched: [12]', 'the parallel answer comes from parallel workers');
SELECT matches(pg_temp.analyze_of('CREATE TABLE dg_parallel_year AS SELECT * FROM dg_by_year'),
               'Workers Launched: [12]', 'the parallel GROUP BY year comes from parallel workers');
SELECT ok(pg_temp.close((p.d).within + (p.d).net_between + (p.d).transvariation, s.gini, 1e-12),
          'parallel: within + net_between + transvariation = serial medres.gini to 1e-12')
FROM dg_serial s, dg_parallel p;

-- 3 tests: parallel = serial, field by field, for the whole table and per year
SELECT ok(pg_temp.same(s.d, p.d), 'parallel = serial: every field of 31 groups and 465 pairs')
FROM dg_serial s, dg_parallel p;
SELECT is(cardinality((p.d).pairs), 465, 'parallel: 465 pairs of 31 groups') FROM dg_parallel p;
SELECT is(count(*) FILTER (WHERE pg_temp.same(s.d, p.d)), 4::bigint, 'parallel GROUP BY year = serial, every year')
FROM dg_serial_year s JOIN dg_parallel_year p USING (year);
RESET max_parallel_workers_per_gather;

-- ---- bad input ----
-- 10 tests
SELECT throws_ok($$SELECT medres.dagum_decomposition(v, 'a') FROM (VALUES (1), (-1)) t(v)$$,
                 '22023', 'invalid value for argument "value": "-1"', 'a negative value: 22023');
SELECT throws_ok($$SELECT medres.dagum_decomposition('NaN'::float8, 1, 'a')$$,
                 '22023', 'invalid value for argument "value": "NaN"', 'NaN value: 22023');
SELECT throws_ok($$SELECT medres.dagum_decomposition('Infinity'::float8, 1, 'a')$$,
                 '22023', 'invalid value for argument "value": "Infinity"', 'infinite value: 22023');
SELECT throws_ok($$SELECT medres.dagum_decomposition(1, -2, 'a')$$,
                 '22023', 'invalid value for argument "weight": "-2"', 'a negative weight: 22023');
SELECT throws_ok($$SELECT medres.dagum_decomposition(1, 'Infinity', 'a')$$,
                 '22023', 'invalid value for argument "weight": "Infinity"', 'infinite weight: 22023');
SELECT throws_ok($$SELECT medres.dagum_decomposition(v, 0, 'a') FROM (VALUES (1), (2)) t(v)$$,
                 '22023', 'all weights are zero', 'all weights zero: 22023');
SELECT throws_ok($$SELECT medres.dagum_decomposition(0, w, g) FROM (VALUES (1, 'a'), (2, 'b')) t(w, g)$$,
                 '22023', 'all values are zero', 'all values zero: 22023');
SELECT throws_ok($$SELECT medres.dagum_decomposition(i, 'g' || i) FROM generate_series(1, 1001) i$$,
                 '54000', 'dagum_decomposition has more than 1000 groups', 'more than 1000 groups: 54000');
SELECT is(medres.dagum_decomposition(i, 'g' || i) IS NOT NULL, true, 'exactly 1000 groups are allowed')
FROM generate_series(1, 1000) i;
SELECT is(medres.dagum_decomposition(v, 1, 'a'), NULL, 'empty input: NULL')
FROM (SELECT 1::float8 AS v WHERE false) t;

SELECT * FROM finish();
ROLLBACK;
