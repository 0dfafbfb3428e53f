-- Parallel aggregation: the same answer (to 1e-12 relative) with and without
-- parallel workers, and proof that the parallel plans really split the work
-- (Partial Aggregate nodes), so that combine, serialize and deserialize run.
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
\i test/lib/plans.sql
SELECT plan(23);

SELECT setseed(0.42);
CREATE TABLE par AS
SELECT i,
       exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x,
       1 - random() AS w,
       'g' || (i % 31) AS grp,
       floor(random() * 50) AS r
FROM generate_series(1, 200000) AS i;
-- heavy ties and zeros in part of the table
UPDATE par SET x = floor(x * 3) WHERE i % 7 = 0;
ANALYZE par;


-- the same answers are computed serially and in parallel
CREATE TEMP VIEW answers AS
SELECT medres.gini(x, w) AS gini, medres.gini(x) AS gini_u, medres.theil_t(x, w) AS theil_t,
       medres.ge(x, 2, w) AS ge2, medres.atkinson(x, 0.5, w) AS atk, medres.cv(x, w) AS cv,
       medres.hoover(x, w) AS hoover, medres.concentration_index(x, r, w) AS ci,
       (medres.lorenz(x, w))[1000].resource_share AS lorenz_1000,
       medres.ge_decomposition(x, w, grp, 1) AS dec,
       medres.theil_l(x + 1, w) AS theil_l
FROM par;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS SELECT * FROM answers;

-- now force a parallel plan with two workers
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = on;


SELECT matches(pg_temp.plan_of('SELECT medres.gini(x, w) FROM par'), 'Partial Aggregate',
               'gini runs as a partial aggregate in parallel workers');
SELECT matches(pg_temp.plan_of('SELECT medres.theil_t(x, w) FROM par'), 'Partial Aggregate',
               'theil_t runs as a partial aggregate in parallel workers');
SELECT matches(pg_temp.plan_of('SELECT medres.ge_decomposition(x, w, grp, 1) FROM par'), 'Partial Aggregate',
               'ge_decomposition runs as a partial aggregate in parallel workers');

SELECT matches(pg_temp.analyze_of('SELECT medres.gini(x, w), medres.theil_t(x, w), medres.hoover(x, w) FROM par'),
               'Workers Launched: [12]', 'parallel workers really run the partial aggregates');

-- EXPLAIN ANALYZE of the CREATE TABLE AS both fills the table and shows its workers
SELECT matches(pg_temp.analyze_of('CREATE TEMP TABLE parallel AS SELECT * FROM answers'),
               'Workers Launched: [12]', 'the parallel answers come from parallel workers');

SELECT ok(pg_temp.close(s.gini, p.gini, 1e-12), 'gini(x, w): parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.gini_u, p.gini_u, 1e-12), 'gini(x): parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.theil_t, p.theil_t, 1e-12), 'theil_t: parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.theil_l, p.theil_l, 1e-12), 'theil_l: parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.ge2, p.ge2, 1e-12), 'ge(2): parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.atk, p.atk, 1e-12), 'atkinson(0.5): parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.cv, p.cv, 1e-12), 'cv: parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.hoover, p.hoover, 1e-12), 'hoover: parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.ci, p.ci, 1e-12), 'concentration_index: parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close(s.lorenz_1000, p.lorenz_1000, 1e-12), 'lorenz: parallel = serial') FROM serial s, parallel p;
SELECT ok(pg_temp.close((s.dec).total, (p.dec).total, 1e-12) AND pg_temp.close((s.dec).between, (p.dec).between, 1e-12)
          AND pg_temp.close((s.dec).within, (p.dec).within, 1e-12),
          'ge_decomposition total/between/within: parallel = serial') FROM serial s, parallel p;
SELECT is((SELECT count(*) FROM serial s, parallel p,
                  unnest((s.dec).groups) sg JOIN unnest((p.dec).groups) pg USING (grp)
           WHERE sg.n = pg.n AND pg_temp.close(sg.contribution, pg.contribution, 1e-12)
             AND pg_temp.close(sg.population_share, pg.population_share, 1e-12)),
          31::bigint, 'ge_decomposition: every group equal in parallel');
-- the decomposition of the same data identifies Theil T
SELECT ok(pg_temp.close((p.dec).total, p.theil_t, 1e-12), 'decomposition total = theil_t') FROM parallel p;
-- the decomposition adds up
SELECT ok(pg_temp.close((p.dec).total, (p.dec).between + (p.dec).within, 1e-12), 'total = between + within')
FROM parallel p;

-- combine functions called directly on states whose scales differ
-- (3 and 5 get the power-of-two scales 2 and 4; 1e-300 and 1e300 are far apart)
SELECT ok(pg_temp.close(
    medres._ge_final(medres._pf_combine(medres._theil_t_trans('{0,1,1,0,0,0,0,0,0,0,0}', 3, 1),
                                        medres._theil_t_trans('{0,1,1,0,0,0,0,0,0,0,0}', 5, 1))),
    -- Theil T of (3, 5) by hand: 3/8 ln(3/4) + 5/8 ln(5/4)
    3.0/8 * ln(3.0/4) + 5.0/8 * ln(5.0/4), 1e-12), 'theil_t combine across scales');
SELECT ok(pg_temp.close(
    medres._atkinson_final(medres._pf_combine(medres._atkinson_trans('{0,0,0,0,0,0,0,0,0,0,0}', 1e-300, 2),
                                              medres._atkinson_trans('{0,0,0,0,0,0,0,0,0,0,0}', 1e300, 2))),
    -- Atkinson(2) of (a, b) = 1 - harmonic/arithmetic mean = 1 - 4ab/(a+b)^2, here 1 - 4e-600
    1.0, 1e-12), 'atkinson(2) combine across 600 orders of magnitude');
SELECT ok(pg_temp.close(
    medres._ge_final(medres._pf_combine(medres._ge_trans('{0,0,0,0,0,0,0,0,0,0,0}', 1e300, 2),
                                        medres._ge_trans('{0,0,0,0,0,0,0,0,0,0,0}', 3e300, 2))),
    -- GE(2) of (1, 3) = CV^2/2 = 1/8
    0.125, 1e-12), 'ge(2) combine near the top of the double range');
SELECT ok(pg_temp.close(
    medres._cv_final(medres._cv_combine(medres._cv_trans('{0,0,0,0,0,0}', 1e-300),
                                        medres._cv_trans('{0,0,0,0,0,0}', 3e-300))),
    0.5, 1e-12), 'cv combine near the bottom of the double range');

SELECT * FROM finish();
ROLLBACK;
