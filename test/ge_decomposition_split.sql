-- ge_decomposition splits: its state is medres.ge_decomposition_state, a type with text
-- input and output (not internal), so that parallel query runs it as a partial aggregate
-- and Citus can push it to its workers (Citus ships partial states as the state type's
-- text).  The partial states combined, directly or through their text, give the serial
-- answer; the text form is exact; a hand-made state is checked.  test/citus.sh checks the
-- same on a real Citus cluster where one is built.
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
\i test/lib/plans.sql
SELECT plan(29);

CREATE FUNCTION pg_temp.explain_verbose(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN RETURN QUERY EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q; END $$;

-- what Citus requires of an aggregate it splits (multi_logical_optimizer.c,
-- AggregateEnabledCustom): a combine function and a state type that is not a pseudo-type
SELECT is((SELECT a.aggtranstype::regtype::text FROM pg_aggregate a
           WHERE a.aggfnoid = 'medres.ge_decomposition(float8, float8, text, float8)'::regprocedure),
          'medres.ge_decomposition_state', 'the state type of ge_decomposition is medres.ge_decomposition_state');
SELECT is((SELECT t.typtype::text || ' ' || (a.aggcombinefn <> 0)::text || ' ' || a.aggserialfn::text
           FROM pg_aggregate a JOIN pg_type t ON t.oid = a.aggtranstype
           WHERE a.aggfnoid = 'medres.ge_decomposition(float8, float8, text, float8)'::regprocedure),
          'b true -', 'a base type (not a pseudo-type) with a combine function and no serialize function');

SELECT setseed(0.23);
CREATE TABLE dsplit AS
SELECT i,
       exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x,
       1 - random() AS w,
       'region "' || (i % 31) || E'\\' AS grp          -- a quote and a backslash in every key
FROM generate_series(1, 100000) AS i;
UPDATE dsplit SET x = 0 WHERE i % 11 = 0;
ANALYZE dsplit;

-- a partial aggregate without final function: the state itself, as Citus's workers make it
-- (worker_partial_agg), and a combining one, as its coordinator does (coord_combine_agg)
CREATE AGGREGATE pg_temp.dec_partial(float8, float8, text, float8) (
    SFUNC = medres._dec_trans, STYPE = medres.ge_decomposition_state);
CREATE AGGREGATE pg_temp.dec_combined(medres.ge_decomposition_state) (
    SFUNC = medres._dec_combine, STYPE = medres.ge_decomposition_state, FINALFUNC = medres._dec_final);

SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT medres.ge_decomposition(x, w, grp, 1) AS d1, medres.ge_decomposition(x, w, grp, 2) AS d2,
       medres.ge_decomposition(x, w, grp, 0.5) AS dh, medres.ge_decomposition(x, w, grp, 0.999) AS dn
FROM dsplit;

-- forced parallel plans, as in test/parallel.sql
SELECT pg_temp.allow_parallel(2);
SET LOCAL parallel_leader_participation = on;
SELECT matches(pg_temp.plan_of('SELECT medres.ge_decomposition(x, w, grp, 1) FROM dsplit'),
               'Finalize Aggregate.*Gather.*Partial Aggregate',
               'ge_decomposition runs as Partial Aggregate in parallel workers');
SELECT matches(pg_temp.plan_of('SELECT (x > 1) AS hi, medres.ge_decomposition(x, w, grp, 1) FROM dsplit GROUP BY 1'),
               'Partial (Hash|Group)Aggregate', 'ge_decomposition with GROUP BY runs as a partial grouped aggregate');
-- EXPLAIN VERBOSE names the partial aggregate, whose output is the state
SELECT matches(
    (SELECT string_agg(l, E'\n') FROM (SELECT * FROM pg_temp.explain_verbose(
        'SELECT medres.ge_decomposition(x, w, grp, 1) FROM dsplit')) e(l)),
    'Output: PARTIAL medres.ge_decomposition\(x, w, grp, .1.::double precision\)',
    'the workers output PARTIAL ge_decomposition, its state');
SELECT matches(pg_temp.analyze_of('CREATE TEMP TABLE par AS SELECT medres.ge_decomposition(x, w, grp, 1) AS d1,
        medres.ge_decomposition(x, w, grp, 2) AS d2, medres.ge_decomposition(x, w, grp, 0.5) AS dh,
        medres.ge_decomposition(x, w, grp, 0.999) AS dn FROM dsplit'),
               'Workers Launched: [12]', 'the parallel decompositions come from parallel workers');

-- parallel = serial, to 1e-12 relative, for alpha 1, 2, 1/2 and 0.999 (the near-1 sums)
SELECT ok(bool_and(pg_temp.close((s.d).total, (p.d).total, 1e-12) AND pg_temp.close((s.d).between, (p.d).between, 1e-12)
                   AND pg_temp.close((s.d).within, (p.d).within, 1e-12)),
          'parallel total, between and within = serial (alpha 1, 2, 1/2, 0.999)')
FROM (SELECT unnest(ARRAY[d1, d2, dh, dn]) AS d, generate_series(1, 4) AS k FROM serial) s
JOIN (SELECT unnest(ARRAY[d1, d2, dh, dn]) AS d, generate_series(1, 4) AS k FROM par) p USING (k);
SELECT is((SELECT count(*) FROM serial s, par p, unnest((s.d1).groups) sg JOIN unnest((p.d1).groups) pg USING (grp)
           WHERE sg.n = pg.n AND pg_temp.close(sg.contribution, pg.contribution, 1e-12)
             AND pg_temp.close(sg.index, pg.index, 1e-12) AND pg_temp.close(sg.mean, pg.mean, 1e-12)),
          31::bigint, 'every group of the parallel decomposition = serial');
SELECT pg_temp.allow_parallel(0);

-- Citus's path by hand: partial states of 32 "shards", shipped as text, combined
CREATE TEMP TABLE shards AS
SELECT i % 32 AS shard, pg_temp.dec_partial(x, w, grp, a)::text AS state, a
FROM dsplit, unnest(ARRAY[1, 2, 0.5, 0.999]::float8[]) a GROUP BY 1, 3;
CREATE TEMP TABLE split AS
SELECT a, pg_temp.dec_combined(state::medres.ge_decomposition_state) AS d FROM shards GROUP BY a;
SELECT ok(bool_and(pg_temp.close((s.d).total, (t.d).total, 1e-12) AND pg_temp.close((s.d).between, (t.d).between, 1e-12)
                   AND pg_temp.close((s.d).within, (t.d).within, 1e-12)),
          '32 partial states through their text, combined: total, between, within = serial')
FROM (SELECT unnest(ARRAY[d1, d2, dh, dn]) AS d, unnest(ARRAY[1, 2, 0.5, 0.999]::float8[]) AS a FROM serial) s
JOIN split t USING (a);
SELECT is((SELECT count(*) FROM serial s, split t, unnest((s.d2).groups) sg JOIN unnest((t.d).groups) tg USING (grp)
           WHERE t.a = 2 AND sg.n = tg.n AND pg_temp.close(sg.contribution, tg.contribution, 1e-12)
             AND pg_temp.close(sg.population_share, tg.population_share, 1e-15)),
          31::bigint, 'every group of the combined decomposition = serial, keys with quotes and backslashes included');

-- Theil T from the combined state = the plain-SQL formula in numeric, no medres involved:
-- T = sum w (x/mu) ln(x/mu) / sum w; between = sum_g S_g ln(S_g / P_g)
WITH m AS (SELECT sum(w::numeric * x::numeric) / sum(w::numeric) AS mu, sum(w::numeric) AS sw,
                  sum(w::numeric * x::numeric) AS swx FROM dsplit),
     g AS (SELECT sum(d.w::numeric) / m.sw AS p, sum(d.w::numeric * d.x::numeric) / m.swx AS s
           FROM dsplit d, m GROUP BY d.grp, m.sw, m.swx)
SELECT ok(pg_temp.close((t.d).total, (SELECT (sum(w::numeric * (x::numeric / mu) * ln(x::numeric / mu)) / min(sw))::float8
                                      FROM dsplit, m WHERE x > 0), 1e-12)
          AND pg_temp.close((t.d).between, (SELECT sum(s * ln(s / p))::float8 FROM g), 1e-12),
          'combined Theil T and its between part = the plain-SQL formulas')
FROM split t WHERE t.a = 1;

-- the text form is exact: it reads back to the same state, and one shard combined alone
-- gives bit for bit the aggregate's own result
SELECT is((SELECT count(*) FROM shards WHERE state::medres.ge_decomposition_state::text = state),
          128::bigint, 'every state reads back from its text to the same text');
SELECT is((SELECT pg_temp.dec_combined(state::medres.ge_decomposition_state)::text FROM shards WHERE shard = 5 AND a = 0.999),
          (SELECT medres.ge_decomposition(x, w, grp, 0.999)::text FROM dsplit WHERE i % 32 = 5),
          'one shard''s state through text and combine = the aggregate, bit for bit');
SET LOCAL extra_float_digits = -15;
SELECT is((SELECT count(*) FROM shards WHERE state::medres.ge_decomposition_state::text = state),
          128::bigint, 'the text form keeps every digit whatever extra_float_digits is');
RESET extra_float_digits;
-- a stored state (the flat form) gives the same result through the final function
CREATE TEMP TABLE stored AS SELECT pg_temp.dec_partial(x, w, grp, 2) AS st FROM dsplit;
SELECT is((SELECT medres._dec_final(st)::text FROM stored), (SELECT d2::text FROM serial),
          'a stored state finalizes to the aggregate''s result, bit for bit');

-- shards whose values lie 400 orders of magnitude apart (different power-of-two scales, which
-- the combine brings together): the same as one pass over all rows, for four alphas
CREATE TEMP TABLE far AS
SELECT v * CASE WHEN v % 2 = 0 THEN 1e-200 ELSE 1e200 END AS x, 1 + v % 3 AS w, 'g' || (v % 3) AS grp,
       v % 2 AS shard FROM generate_series(1, 30) v;
SELECT ok(bool_and(pg_temp.close((c.d).total, (o.d).total, 1e-12) AND pg_temp.close((c.d).between, (o.d).between, 1e-12)
                   AND pg_temp.close((c.d).within, (o.d).within, 1e-12)),
          'states of values 1e-200 and 1e200 apart combine through text to the one-pass result')
FROM (SELECT a, pg_temp.dec_combined(st::text::medres.ge_decomposition_state) AS d
      FROM (SELECT a, shard, pg_temp.dec_partial(x, w, grp, a) AS st
            FROM far, unnest(ARRAY[2, 0.5, 1, 0.999]::float8[]) a GROUP BY a, shard) s GROUP BY a) c
JOIN (SELECT a, medres.ge_decomposition(x, w, grp, a) AS d FROM far, unnest(ARRAY[2, 0.5, 1, 0.999]::float8[]) a GROUP BY a) o
USING (a);

-- combining NULL states (no rows in a shard) and states of different alpha
SELECT is((SELECT (pg_temp.dec_combined(s)).total FROM (VALUES (NULL::medres.ge_decomposition_state)) v(s)), NULL,
          'only empty shards: NULL, as the aggregate over no rows');
SELECT throws_ok($$SELECT pg_temp.dec_combined(state::medres.ge_decomposition_state) FROM shards WHERE shard = 0$$,
                 '22023', NULL, 'combining states of different alpha is 22023');

-- a hand-made text is checked
-- the state of rows (value 1, weight 1, group a) and (3, 1, b) at alpha 1, scales K = 1:
-- S1 = w x, S2 = w x ln x; Theil T of (1, 3) = 1/4 ln(1/2) + 3/4 ln(3/2) = 0.130812035
SELECT ok(pg_temp.close((medres._dec_final('ge_decomposition/1 alpha=1 rows=2 K=1 K2=1 KW=1 groups=2 "a" 1 1 0 1 0 0 0 0 0 "b" 1 1 0 3 0 3.295836866004329 0 0 0')).total,
                        0.25 * ln(0.5) + 0.75 * ln(1.5), 1e-15), 'a state written by hand gives Theil T of (1, 3)');
SELECT throws_ok($$SELECT 'ge_decomposition/1 alpha=1 rows=2 K=1 K2=1 KW=1 groups=2 "a" 1 1 0 1 0 0 0 0 0'::medres.ge_decomposition_state$$,
                 '22P02', NULL, 'a state with fewer groups than it says is 22P02');
SELECT throws_ok($$SELECT 'ge_decomposition/1 alpha=1 rows=2 K=3 K2=3 KW=1 groups=1 "a" 1 1 0 1 0 0 0 0 0'::medres.ge_decomposition_state$$,
                 '22P02', NULL, 'a scale that is not a power of two is 22P02');
SELECT throws_ok($$SELECT 'ge_decomposition/1 alpha=1 rows=1 K=1 K2=1 KW=1 groups=1 "a" 1 0 0 1 0 0 0 0 0'::medres.ge_decomposition_state$$,
                 '22P02', NULL, 'a group without weight is 22P02');
SELECT throws_ok($$SELECT 'ge_decomposition/1 alpha=1 rows=2 K=1 K2=1 KW=1 groups=2 "a" 1 1 0 1 0 0 0 0 0 "a" 1 1 0 1 0 0 0 0 0'::medres.ge_decomposition_state$$,
                 '22P02', NULL, 'a group twice is 22P02');
SELECT throws_ok($$SELECT 'ge_decomposition/1 alpha=1 rows=1 K=1 K2=1 KW=1 groups=1 "a" 1 1 0 Infinity 0 0 0 0 0'::medres.ge_decomposition_state$$,
                 '22P02', NULL, 'a sum that is not finite is 22P02');
SELECT throws_ok($$SELECT 'ge_decomposition/1 alpha=NaN rows=0 K=0 K2=0 KW=0 groups=0'::medres.ge_decomposition_state$$,
                 '22P02', NULL, 'alpha NaN in a state is 22P02');
-- S2 = 5 with S1 = W = 1 is no set of rows (a one-row group has index 0: S2 = S1 ln S1)
SELECT throws_ok($$SELECT 'ge_decomposition/1 alpha=1 rows=2 K=1 K2=1 KW=1 groups=2 "a" 1 1 0 1 0 -5 0 0 0 "b" 1 1 0 1 0 0 0 0 0'::medres.ge_decomposition_state$$,
                 '22P02', NULL, 'sums that give a group a negative index are 22P02');
SELECT throws_ok($$SELECT 'ge_decomposition/1 alpha=0.001 rows=1 K=1 K2=1 KW=1 groups=1 "a" 1 1 0 1 0 0 0 2 0'::medres.ge_decomposition_state$$,
                 '22P02', NULL, 'more weight on zeros than in the group is 22P02');
-- the support functions called directly, outside an aggregate
SELECT is(medres._dec_combine(NULL, NULL)::text, NULL, '_dec_combine of two NULL states is NULL');
SELECT ok(pg_temp.close((medres._dec_final(medres._dec_combine(medres._dec_trans(NULL, 1, 1, 'a', 1),
                                                               medres._dec_trans(NULL, 3, 1, 'b', 1)))).total,
                        0.25 * ln(0.5) + 0.75 * ln(1.5), 1e-15), 'transition and combine called directly: Theil T of (1, 3)');

SELECT * FROM finish();
ROLLBACK;
