-- Inputs large enough (300,000 and 1,200,000 rows) that the rank-based aggregates
-- go through the in-place block partition of sort.c, not only the cache-sized
-- scatter sort, and through its helper thread.
-- The expectations come from plain SQL: the Gini by its mid-point-rank formula
-- with a window sum, the concentration index by its covariance formula with
-- rank() for the tie groups, both summed by PostgreSQL itself.
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
\i test/lib/plans.sql
SELECT plan(24);
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.17);

CREATE TABLE big AS
SELECT i,
       exp(4 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS lognormal,
       floor(random() * 3) AS three_values,
       CASE WHEN i = 1 THEN 1e6 ELSE 1 + 1e-9 * random() END AS near_equal,
       random() * 1e-200 AS tiny,
       1 - random() AS w,
       floor(random() * 1000) AS r,
       random() AS h
FROM generate_series(1, 300000) AS i;

-- G = 2 sum w x F / (W sum w x / W) - 1 with F = (C - w/2) / W over rows sorted by x;
-- the order of ties does not change this sum (see doc/gini.md)
CREATE FUNCTION pg_temp.sql_gini(col text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE g float8;
BEGIN
  EXECUTE format($q$
    WITH s AS (SELECT %1$I AS x, w, sum(w) OVER (ORDER BY %1$I, i) AS c FROM big)
    SELECT 2 * sum(w * x * (c - w / 2)) / (sum(w) * sum(w * x)) - 1 FROM s $q$, col) INTO g;
  RETURN g;
END $$;
CREATE FUNCTION pg_temp.medres_gini(col text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE g float8;
BEGIN
  EXECUTE format('SELECT medres.gini(%I, w) FROM big', col) INTO g;
  RETURN g;
END $$;

SELECT ok(pg_temp.close(pg_temp.medres_gini(c), pg_temp.sql_gini(c), 1e-9), 'gini of 300,000 rows: ' || c)
FROM unnest(ARRAY['lognormal', 'three_values', 'tiny']) AS c;
-- nearly equal values: the SQL form cancels (2 cov/mu - 1 of a tiny number), so compare
-- with the pairwise definition restricted to the outlier's pairs,
-- sum_j w_1 w_j (x_1 - x_j) / (W * sum w x); the pairs among the others differ by
-- at most 1e-9 and change G by less than 1e-9 relative
SELECT ok(pg_temp.close(medres.gini(near_equal, w),
                        (SELECT sum(b1.w * b.w * (b1.near_equal - b.near_equal))
                                / (sum(b.w) * sum(b.w * b.near_equal))
                         FROM big b, big b1 WHERE b1.i = 1), 1e-6),
          'gini with one outlier among nearly equal values')
FROM big;

-- the sorted order itself: the Lorenz curve has one point per distinct value, ascending
SELECT is((SELECT array_length(medres.lorenz(three_values, w), 1) FROM big), 4,
          'lorenz of three distinct values has 4 points');
SELECT is((SELECT array_length(medres.lorenz(lognormal, w), 1) FROM big),
          (SELECT count(DISTINCT lognormal)::int + 1 FROM big),
          'lorenz has one point per distinct value');
SELECT ok((SELECT bool_and(population_share > prev_p AND resource_share > prev_r)
           FROM (SELECT population_share, resource_share,
                        lag(population_share) OVER (ORDER BY k) AS prev_p,
                        lag(resource_share) OVER (ORDER BY k) AS prev_r
                 FROM unnest((SELECT medres.lorenz(lognormal, w) FROM big)) WITH ORDINALITY AS p(population_share, resource_share, k)) s
           WHERE prev_p IS NOT NULL),
          'lorenz points rise monotonically');
SELECT ok(pg_temp.close((SELECT resource_share
                         FROM unnest((SELECT medres.lorenz(lognormal, w) FROM big)) WITH ORDINALITY AS p(population_share, resource_share, k)
                         WHERE k = (SELECT (count(DISTINCT lognormal) + 1) / 2 FROM big)),
                        (WITH d AS (SELECT DISTINCT lognormal FROM big ORDER BY 1
                                    OFFSET (SELECT (count(DISTINCT lognormal) + 1) / 2 - 2 FROM big) LIMIT 1)
                         SELECT sum(w * lognormal) FILTER (WHERE lognormal <= (SELECT lognormal FROM d))
                                / sum(w * lognormal) FROM big), 1e-9),
          'lorenz midpoint resource share equals the SQL cumulative share');

-- concentration index: C = 2 sum w h (F - 1/2) / sum w h with F the mid-point rank of the
-- tie group of r: F = (weight below the group + half the group's weight) / W
WITH g AS (SELECT r, sum(w) AS wg, sum(w * h) AS hg FROM big GROUP BY r),
     f AS (SELECT r, hg, (sum(wg) OVER (ORDER BY r) - wg / 2) / sum(wg) OVER () AS fr FROM g)
SELECT ok(pg_temp.close((SELECT medres.concentration_index(h, r, w) FROM big),
                        (SELECT 2 * sum(hg * (fr - 0.5)) / sum(hg) FROM f), 1e-9),
          'concentration index of 300,000 rows with 1000 tie groups');

-- parallel and serial agree on large inputs too; EXPLAIN ANALYZE of the CREATE TABLE
-- AS fills the parallel table and shows that workers ran
CREATE TEMP VIEW big_answers AS
SELECT medres.gini(lognormal, w) AS g1, medres.gini(three_values, w) AS g2,
       medres.concentration_index(h, r, w) AS ci FROM big;
CREATE TEMP TABLE serial_big AS SELECT * FROM big_answers;
SELECT pg_temp.allow_parallel();
SELECT matches(pg_temp.analyze_of('CREATE TEMP TABLE parallel_big AS SELECT * FROM big_answers'),
               'Workers Launched: [12]', 'large parallel answers come from parallel workers');
SELECT ok(pg_temp.close(s.g1, p.g1, 1e-12), 'parallel gini, lognormal') FROM serial_big s, parallel_big p;
SELECT ok(pg_temp.close(s.g2, p.g2, 1e-12), 'parallel gini, three values') FROM serial_big s, parallel_big p;
SELECT ok(pg_temp.close(s.ci, p.ci, 1e-12), 'parallel concentration index') FROM serial_big s, parallel_big p;
SET max_parallel_workers_per_gather = 0;
-- a running window reuses the sorted prefix and merges each new peer group into it
SELECT ok(pg_temp.close(
    (SELECT g FROM (SELECT i, medres.gini(lognormal, w) OVER (ORDER BY i / 1000) AS g FROM big) s
     WHERE i = 300000),
    (SELECT medres.gini(lognormal, w) FROM big), 1e-12),
    'running-window gini (300 peer groups) equals the aggregate over all rows');

-- 1,200,000 rows: past the 1M records from which the sort shares the buckets of its
-- first split with a helper thread (medres.threads = 2, the default, in a serial
-- plan), checked by the same SQL formulas; medres.threads = 1 must agree
CREATE TABLE huge AS
SELECT i, exp(2 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x,
       1 - random() AS w, random() AS h
FROM generate_series(1, 1200000) AS i;
CREATE TEMP VIEW huge_answers AS
SELECT medres.gini(x, w) AS g, medres.concentration_index(h, x, w) AS ci,
       array_length(medres.lorenz(x, w), 1) AS points FROM huge;
CREATE TEMP TABLE two_threads AS SELECT * FROM huge_answers;
SET medres.threads = 1;
CREATE TEMP TABLE one_thread AS SELECT * FROM huge_answers;
RESET medres.threads;
SELECT ok(pg_temp.close((SELECT g FROM two_threads),
                        (WITH s AS (SELECT x, w, sum(w) OVER (ORDER BY x, i) AS c FROM huge)
                         SELECT 2 * sum(w * x * (c - w / 2)) / (sum(w) * sum(w * x)) - 1 FROM s), 1e-9),
          'gini of 1,200,000 rows, sorted with the helper thread');
WITH g AS (SELECT x AS r, sum(w) AS wg, sum(w * h) AS hg FROM huge GROUP BY x),
     f AS (SELECT r, hg, (sum(wg) OVER (ORDER BY r) - wg / 2) / sum(wg) OVER () AS fr FROM g)
SELECT ok(pg_temp.close((SELECT ci FROM two_threads),
                        (SELECT 2 * sum(hg * (fr - 0.5)) / sum(hg) FROM f), 1e-9),
          'concentration index of 1,200,000 rows, sorted with the helper thread');
SELECT is((SELECT points FROM two_threads), (SELECT count(DISTINCT x)::int + 1 FROM huge),
          'lorenz of 1,200,000 rows has one point per distinct value');
SELECT ok(pg_temp.close(t.g, o.g, 1e-12) AND pg_temp.close(t.ci, o.ci, 1e-12),
          'gini and concentration index: the same with medres.threads = 1')
FROM two_threads t, one_thread o;
SELECT is(t.points, o.points, 'lorenz: the same with medres.threads = 1')
FROM two_threads t, one_thread o;
-- in parallel, each worker hands over its sorted rows (over 1 MB) through the query's
-- shared memory, and the leader merges the 1.2M rows of the runs with the helper thread
SELECT pg_temp.allow_parallel();
SELECT matches(pg_temp.analyze_of('CREATE TEMP TABLE parallel_huge AS SELECT * FROM huge_answers'),
               'Workers Launched: [12]', 'the 1,200,000-row answers come from parallel workers');
SET medres.threads = 1;
CREATE TEMP TABLE parallel_huge_one AS SELECT * FROM huge_answers;
RESET medres.threads;
SET max_parallel_workers_per_gather = 0;
SELECT ok(pg_temp.close(t.g, p.g, 1e-12) AND pg_temp.close(t.ci, p.ci, 1e-12) AND t.points = p.points,
          'parallel gini, concentration index and lorenz of 1,200,000 rows equal the serial ones')
FROM two_threads t, parallel_huge p;
SELECT ok(pg_temp.close(t.g, p.g, 1e-12) AND pg_temp.close(t.ci, p.ci, 1e-12) AND t.points = p.points,
          'the same in parallel with medres.threads = 1')
FROM two_threads t, parallel_huge_one p;
-- grouped: per-group states of workers (400,000 rows a group) pass through shared
-- memory and, in a Gather Merge plan, through the workers' sort of the partial groups
CREATE TEMP VIEW huge_groups AS
SELECT i % 3 AS k, medres.gini(x, w) AS g, medres.concentration_index(h, x, w) AS ci FROM huge GROUP BY 1;
CREATE TEMP TABLE serial_groups AS SELECT * FROM huge_groups;
SELECT pg_temp.allow_parallel();
SELECT matches(pg_temp.analyze_of('CREATE TEMP TABLE parallel_groups AS SELECT * FROM huge_groups'),
               'Workers Launched: [12]', 'the grouped answers come from parallel workers');
SET max_parallel_workers_per_gather = 0;
SELECT ok(bool_and(pg_temp.close(s.g, p.g, 1e-12) AND pg_temp.close(s.ci, p.ci, 1e-12)) AND count(*) = 3,
          'grouped parallel gini and concentration index of 1,200,000 rows equal the serial ones')
FROM serial_groups s JOIN parallel_groups p USING (k);

SELECT * FROM finish();
ROLLBACK;
