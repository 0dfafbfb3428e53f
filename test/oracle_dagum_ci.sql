-- Oracle test for the intervals and the permutation test of Dagum's decomposition
-- (doc/uncertainty.md): dagum_decomposition_ci and dagum_between_test against the values of
-- test/oracle_dagum_ci.py (Dagum's definitions as O(n^2) double sums in numpy, resampled and
-- permuted by the documented streams), stored in test/oracle/dagum_ci_*.csv.  Also: the
-- estimates equal dagum_decomposition's components, a seed gives the same interval and p-value
-- bit for bit whatever the row order, with a forced parallel plan and on one thread, and bad
-- input is 22023.  Run from the repository root (pg_prove -d DB test/oracle_dagum_ci.sql).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
\i test/lib/plans.sql
SELECT plan(24);

CREATE TEMP TABLE d_cases (case_id text, i int, x float8, w float8, grp text);
\copy d_cases FROM 'test/oracle/dagum_ci_cases.csv' CSV HEADER
CREATE TEMP TABLE d_exp (case_id text, component text, method text, level float8, replicates int,
                         seed bigint, estimate float8, se float8, lower float8, upper float8);
\copy d_exp FROM 'test/oracle/dagum_ci_expected.csv' CSV HEADER
CREATE TEMP TABLE d_tests (case_id text, permutations int, seed bigint, share float8, p_value float8);
\copy d_tests FROM 'test/oracle/dagum_ci_tests.csv' CSV HEADER
ANALYZE d_cases;

-- |a - b| <= tol (|b| + |scale|): standard errors and interval ends on the scale of the estimate
-- (n3's net_between_share replicates are all 1 but for rounding: se 0 against 7e-17)
CREATE FUNCTION pg_temp.near(a float8, b float8, scale float8, tol float8) RETURNS bool
    LANGUAGE sql IMMUTABLE AS $$ SELECT a IS NOT NULL AND abs(a - b) <= tol * (abs(b) + abs(scale) + 1e-300) $$;

CREATE TEMP TABLE d_got AS
SELECT e.*, (SELECT medres.dagum_decomposition_ci(c.x, c.w, c.grp, e.component, e.method, e.level,
                                                  e.replicates, e.seed)
             FROM d_cases c WHERE c.case_id = e.case_id) AS g
FROM d_exp e;

SELECT is((SELECT count(*) FROM d_got), 49::bigint, 'dagum_decomposition_ci: 7 components x 7 cases compared');
SELECT is((SELECT array_agg(case_id || ' ' || component || ': ' || (g).estimate || ' vs ' || estimate)
           FROM d_got WHERE NOT pg_temp.near((g).estimate, estimate, 0, 1e-10)),
          NULL, 'estimates agree with Dagum''s definitions to 1e-10');
SELECT is((SELECT array_agg(case_id || ' ' || component || ' ' || method || ': ' || (g).se || ' ' ||
                            (g).lower || ',' || (g).upper || ' vs ' || se || ' ' || lower || ',' || upper)
           FROM d_got WHERE NOT (pg_temp.near((g).se, se, estimate, 1e-9) AND pg_temp.near((g).lower, lower, se, 1e-9)
                                 AND pg_temp.near((g).upper, upper, se, 1e-9))),
          NULL, 'standard errors and intervals are those the documented resampling gives, to 1e-9');
SELECT is((SELECT array_agg(DISTINCT (g).method || '/' || (g).replicates || '/' || (g).level ORDER BY (g).method || '/' || (g).replicates || '/' || (g).level)
           FROM d_got WHERE case_id = 'provinces' AND component IN ('total', 'within')),
          '{bootstrap-normal/30/0.9,bootstrap-percentile/30/0.95}', 'method, replicates and level are reported');
SELECT is((SELECT array_agg(t.case_id || ' ' || t.seed || ': ' || (g).share || ' ' || (g).p_value || ' vs ' || t.share || ' ' || t.p_value)
           FROM (SELECT t.*, (SELECT medres.dagum_between_test(c.x, c.w, c.grp, t.permutations, t.seed)
                              FROM d_cases c WHERE c.case_id = t.case_id) AS g FROM d_tests t) t
           WHERE NOT (pg_temp.near((g).share, share, 0, 1e-10) AND (g).p_value = p_value
                      AND (g).permutations = permutations)),
          NULL, 'dagum_between_test: share and p-value as the documented permutations give (18 plans)');

-- the estimates are dagum_decomposition's components
SELECT is((SELECT array_agg(case_id) FROM (
             SELECT case_id, d,
                    pg_temp.close((medres.dagum_decomposition_ci(x, w, grp, 'total', 'bootstrap-normal', 0.95, 2, 0)).estimate, (d).total, 1e-12) AND
                    pg_temp.close((medres.dagum_decomposition_ci(x, w, grp, 'within', 'bootstrap-normal', 0.95, 2, 0)).estimate, (d).within, 1e-12) AND
                    abs((medres.dagum_decomposition_ci(x, w, grp, 'net_between', 'bootstrap-normal', 0.95, 2, 0)).estimate - (d).net_between) <= 1e-12 * (d).total AND
                    abs((medres.dagum_decomposition_ci(x, w, grp, 'transvariation', 'bootstrap-normal', 0.95, 2, 0)).estimate - (d).transvariation) <= 1e-12 * (d).total AND
                    abs((medres.dagum_between_test(x, w, grp, 2, 0)).share - (d).net_between_share) <= 1e-12 AS ok
             FROM (SELECT case_id, x, w, grp, medres.dagum_decomposition(x, w, grp) OVER (PARTITION BY case_id) AS d
                   FROM d_cases) s GROUP BY case_id, d) s WHERE NOT ok),
          NULL, 'every estimate equals dagum_decomposition''s component to 1e-12 of the Gini');
SELECT is((SELECT (medres.dagum_decomposition_ci(x, w, grp, NULL, 'bootstrap-normal', 0.95, 2, 0)).estimate
           FROM d_cases WHERE case_id = 'provinces'),
          (SELECT (medres.dagum_decomposition_ci(x, w, grp, 'net_between_share', 'bootstrap-normal', 0.95, 2, 0)).estimate
           FROM d_cases WHERE case_id = 'provinces'), 'a NULL component means net_between_share');

-- ---- determinism: row order, parallel plans, threads ----
SELECT setseed(0.5);
CREATE TABLE d_big AS
SELECT i, exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x, 0.5 + random() AS w,
       'g' || (i % 5) AS grp
FROM generate_series(1, 20000) AS i;
UPDATE d_big SET x = round(x::numeric, 1)::float8 WHERE i % 3 = 0;      -- ties
INSERT INTO d_big SELECT * FROM d_big WHERE i % 11 = 0;                  -- identical rows
CREATE TABLE d_big2 AS SELECT * FROM d_big ORDER BY md5(i::text || x::text);
ANALYZE d_big;
ANALYZE d_big2;
CREATE FUNCTION pg_temp.answers(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE res text;
BEGIN
  -- rows x replicates of 4 million or more run on two threads (medres.threads = 2)
  EXECUTE format($q$SELECT row(medres.dagum_decomposition_ci(x, w, grp, 'net_between', 'bootstrap-percentile', 0.9, 210, 5),
                          medres.dagum_decomposition_ci(x, w, grp, 'transvariation_share', 'bootstrap-normal', 0.95, 20, 6),
                          medres.dagum_between_test(x, w, grp, 210, 7))::text FROM %I$q$, t) INTO res;
  RETURN res;
END $$;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE d_serial AS SELECT pg_temp.answers('d_big') AS a;
SELECT pg_temp.allow_parallel(2);
SELECT matches(pg_temp.plan_of($$SELECT medres.dagum_decomposition_ci(x, w, grp, 'within') FROM d_big2$$),
               'Partial Aggregate', 'dagum_decomposition_ci runs as a partial aggregate in parallel workers');
SELECT matches(pg_temp.analyze_of($$SELECT medres.dagum_decomposition_ci(x, w, grp, 'within', 'bootstrap-normal', 0.95, 5, 1),
                                           medres.dagum_between_test(x, w, grp, 5, 1) FROM d_big2$$),
               'Workers Launched: [12]', 'parallel workers really run them');
SELECT is(pg_temp.answers('d_big2'), (SELECT a FROM d_serial),
          'the same seeds give the same intervals and p-value, bit for bit, in another row order and in parallel');
SET LOCAL medres.threads = 1;
SELECT is(pg_temp.answers('d_big2'), (SELECT a FROM d_serial), 'and with medres.threads = 1');
RESET medres.threads;
SELECT isnt((SELECT (medres.dagum_decomposition_ci(x, w, grp, 'net_between', 'bootstrap-percentile', 0.9, 30, 6))::text FROM d_big),
            (SELECT (medres.dagum_decomposition_ci(x, w, grp, 'net_between', 'bootstrap-percentile', 0.9, 30, 5))::text FROM d_big),
            'another seed gives another interval');
-- GROUP BY and a running window
SELECT is((SELECT array_agg(case_id ORDER BY case_id) FROM (
              SELECT case_id, medres.dagum_decomposition_ci(x, w, grp, 'within', 'bootstrap-normal', 0.95, 20, 3) AS g
              FROM d_cases GROUP BY case_id) a
           WHERE (g)::text IS DISTINCT FROM (SELECT (medres.dagum_decomposition_ci(x, w, grp, 'within', 'bootstrap-normal', 0.95, 20, 3))::text
                                FROM d_cases b WHERE b.case_id = a.case_id)),
          NULL, 'GROUP BY gives each group the interval of its own rows');
SELECT is((SELECT array_agg(i) FROM (
              SELECT i, medres.dagum_decomposition_ci(x, w, grp, 'net_between', 'bootstrap-normal', 0.95, 10, 1)
                        OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING) AS g
              FROM d_cases WHERE case_id = 'ties60') a
           WHERE (g)::text IS DISTINCT FROM
                 (SELECT (medres.dagum_decomposition_ci(x, w, grp, 'net_between', 'bootstrap-normal', 0.95, 10, 1))::text
                  FROM d_cases b WHERE b.case_id = 'ties60' AND b.i <= a.i + 1)),
          NULL, 'dagum_decomposition_ci as a running window: each frame as a fresh aggregate');
SELECT is((SELECT medres.dagum_between_test(x, w, grp) FROM d_cases WHERE false), NULL, 'empty input gives NULL');

-- ---- bad input ----
SELECT throws_ok($$SELECT medres.dagum_decomposition_ci(x, w, grp, 'within', 'analytic') FROM d_cases$$, '22023',
                 'invalid value for argument "method": "analytic"', 'no analytic method: 22023 naming method');
SELECT throws_ok($$SELECT medres.dagum_decomposition_ci(x, w, grp, 'between') FROM d_cases$$, '22023',
                 'invalid value for argument "component": "between"', 'an unknown component is 22023 naming component');
SELECT throws_ok($$SELECT medres.dagum_decomposition_ci(x, w, grp, 'within', 'bootstrap-normal', 1.5) FROM d_cases$$, '22023',
                 'invalid value for argument "level": "1.5"', 'a level outside (0, 1) is 22023 naming level');
SELECT throws_ok($$SELECT medres.dagum_decomposition_ci(x, w, grp, 'within', 'bootstrap-normal', 0.95, 100001, 0) FROM d_cases$$, '22023',
                 'invalid value for argument "replicates": "100001"', 'replicates above the cap: 22023');
SELECT throws_ok($$SELECT medres.dagum_between_test(x, w, grp, 1, 0) FROM d_cases$$, '22023',
                 'invalid value for argument "permutations": "1"', 'one permutation is 22023 naming permutations');
SELECT throws_ok($$SELECT medres.dagum_between_test(x, w, grp) FROM d_cases WHERE case_id = 'n2' AND i = 0$$, '22023',
                 'too few rows for the permutation test: 1', 'one row is too few for the test');
SELECT throws_ok($$SELECT medres.dagum_between_test(x::float8, 1, x::text, 2, 0) FROM generate_series(1, 1001) x$$, '54000',
                 'dagum_between_test has more than 1000 groups', 'more than 1000 groups: 54000, as dagum_decomposition');
SELECT throws_ok($$SELECT medres.dagum_decomposition_ci(-x, w, grp, 'total') FROM d_cases$$, '22023',
                 NULL, 'a negative value is 22023');
SELECT throws_ok($$SELECT medres.dagum_decomposition_ci(x, w, grp, 'within_share') FROM (VALUES (2.0, 1.0, 'a'), (2.0, 3.0, 'b')) v(x, w, grp)$$,
                 '22023', 'the within-group share is undefined when every value is equal', 'a share of a zero Gini: 22023');

SELECT * FROM finish();
ROLLBACK;
