-- Oracle test for medres' confidence intervals and tests (doc/uncertainty.md): inequality_ci,
-- concentration_index_ci, ge_decomposition_ci and ge_between_test against the values of
-- test/oracle_uncertainty.py (analytic standard errors from numerically differentiated
-- definitions at 60 digits; bootstrap intervals and permutation p-values from the documented
-- resampling, reproduced in numpy), stored in test/oracle/uncertainty_*.csv.  Also: the
-- estimates equal the point aggregates, a seed gives the same interval bit for bit whatever the
-- row order and with a forced parallel plan, and bad input is 22023.  Run from the repository
-- root (pg_prove -d DB test/oracle_uncertainty.sql).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
\i test/lib/plans.sql
SELECT plan(54);

CREATE TEMP TABLE u_cases (case_id text, i int, x float8, w float8, r float8, grp text);
\copy u_cases FROM 'test/oracle/uncertainty_cases.csv' CSV HEADER
CREATE TEMP TABLE u_exp (case_id text, measure text, method text, level float8, replicates int,
                         seed bigint, component text, estimate float8, se float8, lower float8,
                         upper float8);
\copy u_exp FROM 'test/oracle/uncertainty_expected.csv' CSV HEADER
CREATE TEMP TABLE u_tests (case_id text, alpha float8, permutations int, seed bigint,
                           share float8, p_value float8);
\copy u_tests FROM 'test/oracle/uncertainty_tests.csv' CSV HEADER
ANALYZE u_cases;

-- |a - b| <= tol (|b| + |se|): the interval ends are compared on the scale of the estimate
CREATE FUNCTION pg_temp.near(a float8, b float8, scale float8, tol float8) RETURNS bool
    LANGUAGE sql IMMUTABLE AS $$ SELECT a IS NOT NULL AND abs(a - b) <= tol * (abs(b) + abs(scale) + 1e-300) $$;

CREATE TEMP TABLE u_got AS
SELECT e.*,
       CASE WHEN e.measure LIKE 'conc\_%' THEN
                (SELECT medres.concentration_index_ci(c.x, c.r, c.w, split_part(split_part(e.measure, ':', 1), '_', 2),
                                                      nullif(split_part(e.measure, ':', 2), '')::float8,
                                                      nullif(split_part(e.measure, ':', 3), '')::float8,
                                                      e.method, e.level, greatest(e.replicates, 2), e.seed)
                 FROM u_cases c WHERE c.case_id = e.case_id)
            WHEN e.measure = 'conc' AND e.method = 'analytic' THEN
                (SELECT medres.concentration_index_ci(c.x, c.r, c.w, e.method, e.level) FROM u_cases c WHERE c.case_id = e.case_id)
            WHEN e.measure = 'conc' THEN
                (SELECT medres.concentration_index_ci(c.x, c.r, c.w, e.method, e.level, e.replicates, e.seed) FROM u_cases c WHERE c.case_id = e.case_id)
            WHEN e.measure LIKE 'dec(%' THEN
                (SELECT medres.ge_decomposition_ci(c.x, c.w, c.grp, substring(e.measure from 5 for length(e.measure) - 5)::float8,
                                                   e.component, e.method, e.level, e.replicates, e.seed)
                 FROM u_cases c WHERE c.case_id = e.case_id)
            WHEN e.method = 'analytic' THEN
                (SELECT medres.inequality_ci(e.measure, c.x, c.w, e.method, e.level) FROM u_cases c WHERE c.case_id = e.case_id)
            ELSE
                (SELECT medres.inequality_ci(e.measure, c.x, c.w, e.method, e.level, e.replicates, e.seed) FROM u_cases c WHERE c.case_id = e.case_id)
       END AS g
FROM u_exp e;

-- analytic: estimate, se and interval to 1e-10
SELECT is((SELECT array_agg(case_id || ' ' || measure || ' ' || level || ': ' || (g).estimate || ' vs ' || estimate)
           FROM u_got WHERE method = 'analytic' AND NOT pg_temp.near((g).estimate, estimate, 0, 1e-10)),
          NULL, 'analytic: estimates agree with the definitions to 1e-10');
SELECT is((SELECT array_agg(case_id || ' ' || measure || ': ' || (g).se || ' vs ' || se)
           FROM u_got WHERE method = 'analytic' AND NOT pg_temp.near((g).se, se, 0, 1e-10)),
          NULL, 'analytic: standard errors agree with the influence functions to 1e-10');
SELECT is((SELECT array_agg(case_id || ' ' || measure || ' ' || level)
           FROM u_got WHERE method = 'analytic' AND NOT (pg_temp.near((g).lower, lower, se, 1e-10)
                                                         AND pg_temp.near((g).upper, upper, se, 1e-10))),
          NULL, 'analytic: normal intervals agree to 1e-10');
SELECT is((SELECT count(*) FROM u_got WHERE method = 'analytic' AND measure NOT LIKE 'conc%'), 182::bigint,
          'analytic: 13 measures x 7 cases x 2 levels compared');
SELECT is((SELECT array_agg(DISTINCT (g).method || '/' || (g).replicates || '/' || (g).level)
           FROM u_got WHERE method = 'analytic' AND level = 0.95), '{analytic/0/0.95}',
          'analytic: method, replicates 0 and level are reported');

-- the concentration index, analytic
SELECT is((SELECT count(*) FROM u_got WHERE method = 'analytic' AND measure = 'conc'
           AND pg_temp.near((g).estimate, estimate, 0, 1e-10) AND pg_temp.near((g).se, se, 0, 1e-10)
           AND pg_temp.near((g).lower, lower, se, 1e-10)), 7::bigint,
          'concentration_index_ci analytic: estimate and se agree to 1e-10 in all 7 cases');

-- the Wagstaff and Erreygers variants
SELECT is((SELECT array_agg(case_id || ' ' || measure || ' ' || method || ': ' || (g).estimate || ' ' || (g).se || ' ' ||
                            (g).lower || ',' || (g).upper || ' vs ' || estimate || ' ' || se || ' ' || lower || ',' || upper)
           FROM u_got WHERE measure LIKE 'conc\_%'
             AND NOT (pg_temp.near((g).estimate, estimate, 0, 1e-10)
                      AND pg_temp.near((g).se, se, 0, CASE WHEN method = 'analytic' THEN 1e-10 ELSE 1e-9 END)
                      AND pg_temp.near((g).lower, lower, se, 1e-9) AND pg_temp.near((g).upper, upper, se, 1e-9))),
          NULL, 'concentration_index_ci wagstaff and erreygers: analytic to 1e-10, bootstrap as documented');
SELECT is((SELECT count(*) FROM u_got WHERE measure LIKE 'conc\_%'), 13::bigint,
          'concentration_index_ci variants: 9 analytic and 4 bootstrap plans compared');
SELECT ok((SELECT pg_temp.close((medres.concentration_index_ci(x, r, w, 'wagstaff', NULL, NULL, 'analytic', 0.95, 2, 0)).estimate,
                                medres.concentration_index(x, r, w, 'wagstaff'), 1e-12)
              AND pg_temp.close((medres.concentration_index_ci(x, r, w, 'erreygers', -1, 3, 'analytic', 0.95, 2, 0)).estimate,
                                medres.concentration_index(x, r, w, 'erreygers', -1, 3), 1e-12)
           FROM u_cases WHERE case_id = 'shares50'),
          'the variants'' estimates equal medres.concentration_index');

-- bootstrap: reproduced replicates; percentile and normal intervals to 1e-9
SELECT is((SELECT array_agg(case_id || ' ' || measure || ' ' || method || ' ' || coalesce(component, '') || ': ' ||
                            (g).lower || ',' || (g).upper || ' vs ' || lower || ',' || upper)
           FROM u_got WHERE method <> 'analytic' AND measure NOT LIKE 'dec(%' AND measure NOT LIKE 'conc%'
             AND NOT (pg_temp.near((g).estimate, estimate, 0, 1e-10) AND pg_temp.near((g).se, se, 0, 1e-9)
                      AND pg_temp.near((g).lower, lower, se, 1e-9) AND pg_temp.near((g).upper, upper, se, 1e-9))),
          NULL, 'inequality_ci bootstrap: estimate, se and interval as the documented resampling gives');
SELECT is((SELECT count(*) FROM u_got WHERE method <> 'analytic' AND measure NOT LIKE 'dec(%' AND measure NOT LIKE 'conc%'),
          40::bigint, 'inequality_ci bootstrap: 10 plans x 4 cases compared');
SELECT is((SELECT array_agg(case_id || ' ' || method || ': ' || (g).lower || ',' || (g).upper || ' vs ' || lower || ',' || upper)
           FROM u_got WHERE method <> 'analytic' AND measure = 'conc'
             AND NOT (pg_temp.near((g).estimate, estimate, 0, 1e-10) AND pg_temp.near((g).se, se, 0, 1e-9)
                      AND pg_temp.near((g).lower, lower, se, 1e-9) AND pg_temp.near((g).upper, upper, se, 1e-9))),
          NULL, 'concentration_index_ci bootstrap: as the documented resampling gives');
SELECT is((SELECT array_agg(case_id || ' ' || measure || ' ' || component || ' ' || method || ': ' ||
                            (g).estimate || ' ' || (g).lower || ',' || (g).upper || ' vs ' || estimate || ' ' || lower || ',' || upper)
           FROM u_got WHERE measure LIKE 'dec(%'
             AND NOT (pg_temp.near((g).estimate, estimate, 0, 1e-10) AND pg_temp.near((g).se, se, 0, 1e-9)
                      AND pg_temp.near((g).lower, lower, se, 1e-9) AND pg_temp.near((g).upper, upper, se, 1e-9))),
          NULL, 'ge_decomposition_ci: every component as the documented resampling gives');
SELECT is((SELECT count(*) FROM u_got WHERE measure LIKE 'dec(%'), 15::bigint,
          'ge_decomposition_ci: 15 plans compared');

-- the permutation test: share to 1e-10, p-value exactly
SELECT is((SELECT array_agg(t.case_id || ' ' || t.alpha || ': ' || (g).share || ' ' || (g).p_value || ' vs ' || t.share || ' ' || t.p_value)
           FROM (SELECT t.*, (SELECT medres.ge_between_test(c.x, c.w, c.grp, t.alpha, t.permutations, t.seed)
                              FROM u_cases c WHERE c.case_id = t.case_id) AS g FROM u_tests t) t
           WHERE NOT (pg_temp.near((g).share, share, 0, 1e-10) AND (g).p_value = p_value AND (g).permutations = permutations)),
          NULL, 'ge_between_test: share and p-value as the documented permutations give');

-- A weight far below the others keeps its share.  x = 0, 0, 1 with weights 1, 1, eps:
-- sum_ij w_i w_j |x_i - x_j| = 4 eps, W = 2 + eps, mu = eps / W, so
-- G = 4 eps / (2 W^2 mu) = 2 / (2 + eps): 1 to double precision at eps = 1e-100, and
-- 1 / (1 + 5e-11) at eps = 1e-10 (the estimate once gave 0 and 1.0000000827).
SELECT is((SELECT (medres.inequality_ci('gini', x, w)).estimate
           FROM (VALUES (0, 1), (0, 1), (1, 1e-100)) v(x, w)), 1::float8,
          'inequality_ci(gini): a weight 1e-100 beside weights 1 keeps its share (G = 1)');
SELECT ok((SELECT abs((medres.inequality_ci('gini', x, w)).estimate - 1 / (1 + 5e-11)) <= 1e-15
           FROM (VALUES (0, 1), (0, 1), (1, 1e-10)) v(x, w)),
          'inequality_ci(gini): weights 1, 1, 1e-10 give G = 1 / (1 + 5e-11)');

-- the estimates are the point aggregates' values
SELECT is((SELECT array_agg(case_id) FROM (
             SELECT case_id,
                    pg_temp.close((medres.inequality_ci('gini', x, w)).estimate, medres.gini(x, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('theil_t', x, w)).estimate, medres.theil_t(x, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('theil_l', x, w)).estimate, medres.theil_l(x, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('ge(2)', x, w)).estimate, medres.ge(x, 2, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('ge(-1)', x, w)).estimate, medres.ge(x, -1, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('ge(1.005)', x, w)).estimate, medres.ge(x, 1.005, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('atkinson(0.5)', x, w)).estimate, medres.atkinson(x, 0.5, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('atkinson(1)', x, w)).estimate, medres.atkinson(x, 1, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('cv', x, w)).estimate, medres.cv(x, w), 1e-12) AND
                    pg_temp.close((medres.inequality_ci('hoover', x, w)).estimate, medres.hoover(x, w), 1e-12) AND
                    pg_temp.close((medres.concentration_index_ci(x, r, w)).estimate, medres.concentration_index(x, r, w), 1e-12) AND
                    pg_temp.close((medres.ge_decomposition_ci(x, w, grp, 1, 'between')).estimate,
                                  (medres.ge_decomposition(x, w, grp, 1)).between, 1e-11) AS ok
             FROM u_cases GROUP BY case_id) s WHERE NOT ok),
          NULL, 'every estimate equals the point aggregate (gini, theil_t, ..., ge_decomposition) to 1e-12');

-- ---- determinism: row order and parallel plans ----
SELECT setseed(0.25);
CREATE TABLE u_big AS
SELECT i, exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x, 0.5 + random() AS w,
       floor(random() * 40) AS r, 'g' || (i % 7) AS grp
FROM generate_series(1, 30000) AS i;
UPDATE u_big SET x = round(x::numeric, 1)::float8 WHERE i % 3 = 0;      -- ties
INSERT INTO u_big SELECT * FROM u_big WHERE i % 11 = 0;                  -- identical rows
CREATE TABLE u_big2 AS SELECT * FROM u_big ORDER BY md5(i::text || x::text);
ANALYZE u_big;
ANALYZE u_big2;
CREATE FUNCTION pg_temp.answers(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE res text;
BEGIN
  -- rows x replicates of 4 million or more run on two threads (medres.threads = 2): gini, hoover
  -- and the permutation test here
  EXECUTE format($q$SELECT row(medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.9, 150, 5),
                          medres.inequality_ci('ge(2)', x, w, 'bootstrap-normal', 0.95, 30, 6),
                          medres.inequality_ci('hoover', x, w, 'bootstrap-percentile', 0.95, 130, 7),
                          medres.inequality_ci('gini', x, w),
                          medres.concentration_index_ci(x, r, w, 'bootstrap-percentile', 0.95, 30, 8),
                          medres.ge_decomposition_ci(x, w, grp, 1, 'between_share', 'bootstrap-percentile', 0.95, 20, 9),
                          medres.ge_between_test(x, w, grp, 0.5, 130, 10))::text FROM %I$q$, t) INTO res;
  RETURN res;
END $$;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE u_serial AS SELECT pg_temp.answers('u_big') AS a;
SELECT pg_temp.allow_parallel(2);
SELECT matches(pg_temp.plan_of($$SELECT medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.9, 60, 5) FROM u_big2$$),
               'Partial Aggregate', 'inequality_ci runs as a partial aggregate in parallel workers');
SELECT matches(pg_temp.plan_of($$SELECT medres.ge_decomposition_ci(x, w, grp, 1, 'between') FROM u_big2$$),
               'Partial Aggregate', 'ge_decomposition_ci runs as a partial aggregate in parallel workers');
SELECT matches(pg_temp.analyze_of($$SELECT medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.9, 60, 5),
                                           medres.ge_decomposition_ci(x, w, grp, 1, 'between') FROM u_big2$$),
               'Workers Launched: [12]', 'parallel workers really run the interval aggregates');
SELECT is(pg_temp.answers('u_big2'), (SELECT a FROM u_serial),
          'the same seeds give the same intervals and p-value, bit for bit, in another row order and in parallel');
SET LOCAL medres.threads = 1;
SELECT is(pg_temp.answers('u_big2'), (SELECT a FROM u_serial), 'and with medres.threads = 1');
RESET medres.threads;
SELECT isnt((SELECT (medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.9, 60, 6))::text FROM u_big),
            (SELECT (medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.9, 60, 5))::text FROM u_big),
            'another seed gives another interval');
SELECT ok((SELECT (g).lower < (g).estimate AND (g).estimate < (g).upper AND (g).se > 0
           FROM (SELECT medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.9, 60, 5) AS g FROM u_big) s),
          'the bootstrap interval contains the estimate');
-- GROUP BY: one interval per group, each as computed alone
SELECT is((SELECT array_agg(grp ORDER BY grp) FROM (
              SELECT grp, medres.inequality_ci('gini', x, w, 'bootstrap-normal', 0.95, 20, 3) AS g FROM u_big GROUP BY grp) a
           WHERE (g)::text <> (SELECT (medres.inequality_ci('gini', x, w, 'bootstrap-normal', 0.95, 20, 3))::text
                               FROM u_big b WHERE b.grp = a.grp)),
          NULL, 'GROUP BY gives each group the interval of its own rows');
SELECT is((SELECT medres.inequality_ci('gini', x, w) FROM u_big WHERE false), NULL, 'empty input gives NULL');
-- as a window aggregate (the final function runs again on a growing state; every frame has 2 rows
-- or more, fewer is 22023)
SELECT is((SELECT array_agg(i) FROM (
              SELECT i, medres.ge_decomposition_ci(x, w, grp, 1, 'between', 'bootstrap-normal', 0.95, 10, 1)
                        OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING) AS g
              FROM u_cases WHERE case_id = 'ties60') a
           WHERE (g)::text IS DISTINCT FROM
                 (SELECT (medres.ge_decomposition_ci(x, w, grp, 1, 'between', 'bootstrap-normal', 0.95, 10, 1))::text
                  FROM u_cases b WHERE b.case_id = 'ties60' AND b.i <= a.i + 1)),
          NULL, 'ge_decomposition_ci as a running window: each frame as a fresh aggregate');
SELECT is((SELECT array_agg(i) FROM (
              SELECT i, medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.9, 10, 2)
                        OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING) AS g
              FROM u_cases WHERE case_id = 'ties60') a
           WHERE (g)::text IS DISTINCT FROM
                 (SELECT (medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.9, 10, 2))::text
                  FROM u_cases b WHERE b.case_id = 'ties60' AND b.i <= a.i + 1)),
          NULL, 'inequality_ci as a running window: each frame as a fresh aggregate');

-- ---- bad input ----
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w, 'analytic', 1) FROM u_cases$$, '22023',
                 NULL, 'level 1 is 22023');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w, 'analytic', 0) FROM u_cases$$, '22023',
                 NULL, 'level 0 is 22023');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w, 'analytic', 'NaN') FROM u_cases$$, '22023',
                 'invalid value for argument "level": "NaN"', 'level NaN is 22023 naming level');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.95, 1, 0) FROM u_cases$$, '22023',
                 'invalid value for argument "replicates": "1"', 'one replicate is 22023 naming replicates');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w, 'bootstrap-percentile', 0.95, 100001, 0) FROM u_cases$$, '22023',
                 'invalid value for argument "replicates": "100001"', 'replicates above the cap of 100000 is 22023');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w, 'jackknife') FROM u_cases$$, '22023',
                 'invalid value for argument "method": "jackknife"', 'an unknown method is 22023 naming method');
SELECT throws_ok($$SELECT medres.inequality_ci('palma', x, w) FROM u_cases$$, '22023',
                 'invalid value for argument "measure": "palma"', 'an unknown measure is 22023 naming measure');
SELECT throws_ok($$SELECT medres.inequality_ci('ge(x)', x, w) FROM u_cases$$, '22023',
                 'invalid value for argument "measure": "ge(x)"', 'a measure with a bad parameter is 22023');
SELECT throws_ok($$SELECT medres.inequality_ci('atkinson(-1)', x, w) FROM u_cases$$, '22023',
                 'invalid value for argument "epsilon": "-1"', 'a negative epsilon is 22023 naming epsilon');
SELECT throws_ok($$SELECT medres.inequality_ci('ge(300)', x, w) FROM u_cases$$, '22023',
                 'invalid value for argument "alpha": "300"', 'alpha above 256 is 22023 naming alpha');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w) FROM u_cases WHERE case_id = 'n2' AND i = 0$$, '22023',
                 'too few rows for method "analytic": 1', 'one row is too few: 22023');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w, 'bootstrap-normal') FROM (VALUES (1.0, 1.0), (2.0, 0.0)) v(x, w)$$, '22023',
                 'too few rows for method "bootstrap-normal": 1', 'one row with a positive weight is too few');
SELECT throws_ok($$SELECT medres.ge_decomposition_ci(x, w, grp, 1, 'between', 'analytic') FROM u_cases$$, '22023',
                 'invalid value for argument "method": "analytic"', 'the decomposition has no analytic method: 22023');
SELECT throws_ok($$SELECT medres.ge_decomposition_ci(x, w, grp, 1, 'middle') FROM u_cases$$, '22023',
                 'invalid value for argument "component": "middle"', 'an unknown component is 22023 naming component');
SELECT throws_ok($$SELECT medres.inequality_ci(CASE WHEN i = 3 THEN 'cv' ELSE 'gini' END, x, w) FROM u_cases$$, '22023',
                 'measure must be the same for every row of a group', 'a measure changing between rows is 22023');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w, 'bootstrap-normal', 0.95, 10, i) FROM u_cases$$, '22023',
                 'seed must be the same for every row of a group', 'a seed changing between rows is 22023');
SELECT throws_ok($$SELECT medres.inequality_ci('theil_l', x - 1, w) FROM u_cases WHERE case_id = 'n2'$$, '22023',
                 'invalid value for argument "value": "0"', 'a zero value for theil_l is 22023');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w) FROM (VALUES (1.0, 1.0), (2.0, -1.0)) v(x, w)$$, '22023',
                 'invalid value for argument "weight": "-1"', 'a negative weight is 22023');
SELECT throws_ok($$SELECT medres.concentration_index_ci(x, r, w, 'wagstaff', 0, 1, 'analytic', 0.95, 2, 0) FROM u_cases$$, '22023',
                 'bounds apply only to the "erreygers" variant', 'bounds with the Wagstaff variant: 22023');
SELECT throws_ok($$SELECT medres.concentration_index_ci(x, r, w, 'wagstaff', NULL, NULL, 'analytic', 0.95, 2, 0) FROM u_cases WHERE case_id = 'unit40'$$, '22023',
                 NULL, 'health outside [0, 1] for the Wagstaff variant: 22023');
SELECT throws_ok($$SELECT medres.ge_between_test(x, w, grp, 1, 1, 0) FROM u_cases$$, '22023',
                 'invalid value for argument "permutations": "1"', 'one permutation is 22023 naming permutations');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x * 0, w, 'bootstrap-percentile') FROM u_cases$$, '22023',
                 'all values are zero', 'all values zero is 22023');
-- extreme parameters and spans: a correct number or 22003, never Infinity
SELECT ok((SELECT pg_temp.close((medres.inequality_ci('atkinson(1e300)', x, 1)).estimate, 1 - 1 / 3.25, 1e-14)
                  AND (medres.inequality_ci('atkinson(1e300)', x, 1, 'bootstrap-percentile', 0.95, 50, 1)).upper <= 1
           FROM (VALUES (1.0), (2), (3), (7)) v(x)),
          'atkinson(1e300) is 1 - min/mean (= 1 - 1/3.25) in the estimate and the replicates');
SELECT throws_ok($$SELECT medres.inequality_ci('gini', x, w) FROM (VALUES (1e-320, 1e308), (1e308, 5e-324), (3, 1)) v(x, w)$$,
                 '22003', NULL, 'values and weights beyond one double sum: 22003');
SELECT throws_ok($$SELECT medres.inequality_ci('ge(-1e300)', x, 1) FROM (VALUES (1.0), (2)) v(x)$$,
                 '22003', NULL, 'a GE beyond double precision: 22003');

SELECT * FROM finish();
ROLLBACK;
