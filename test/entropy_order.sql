-- entropy_weights does not depend on the order of its rows (issue 12 §7): each indicator's
-- normalised values are sorted before they are summed, so every order gives the same bits,
-- and 1 - e is summed as the non-negative terms of a Kullback-Leibler divergence rather than
-- taken as one minus a rounded e (which lost about 4 digits here and made two orders of the
-- same rows differ by 3e-12).  The expected weights come from test/oracle_entropy_order.py
-- (exact rationals and mpmath at 60 digits; --check verifies the array below).
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
\i test/lib/plans.sql
SELECT plan(9);

-- the oracle's data set (every value is exact in double precision); x2 and x4 have nearly
-- maximal entropy (1 - e = 3.8e-4 and 1.2e-4)
CREATE TABLE eo AS
SELECT i, ARRAY[((7919 * i) % 2003)::float8,
                CASE i WHEN 1 THEN 0 WHEN 2 THEN 2530 ELSE 1000 + ((104729 * i) % 1013)::float8 / 4 END,
                1 + ((31 * i) % 97)::float8 / 16,
                CASE i WHEN 5 THEN 49 ELSE 50 + (i % 7)::float8 / 64 END] AS ind
FROM generate_series(1, 2000) AS i;
ANALYZE eo;

-- expected: ARRAY[0.48740840751953995, 0.007311120576910724, 0.5028912447905163, 0.002389227113033115]::float8[]
CREATE TEMP TABLE eo_expected AS SELECT ARRAY[0.48740840751953995, 0.007311120576910724, 0.5028912447905163, 0.002389227113033115]::float8[] AS w;

CREATE TEMP TABLE eo_orders AS
SELECT 'by i' AS ord, medres.entropy_weights(ind, '++-+' ORDER BY i) AS w FROM eo
UNION ALL SELECT 'by i descending', medres.entropy_weights(ind, '++-+' ORDER BY i DESC) FROM eo
UNION ALL SELECT 'by 7919 i mod 2003', medres.entropy_weights(ind, '++-+' ORDER BY (7919 * i) % 2003) FROM eo
UNION ALL SELECT 'by md5(i)', medres.entropy_weights(ind, '++-+' ORDER BY md5(i::text)) FROM eo
UNION ALL SELECT 'by x2, then i', medres.entropy_weights(ind, '++-+' ORDER BY ind[2], i) FROM eo;

SELECT is(o.w, f.w, 'entropy_weights with rows ordered ' || o.ord || ': the same bits as ordered by i')
FROM eo_orders o, (SELECT w FROM eo_orders WHERE ord = 'by i') f WHERE o.ord <> 'by i' ORDER BY o.ord;

-- in parallel: the workers' rows reach the aggregate in whatever order they arrive
SELECT pg_temp.allow_parallel();
SELECT set_config('parallel_leader_participation', 'off', true);
SELECT matches(pg_temp.plan_of($$SELECT medres.entropy_weights(ind, '++-+') FROM eo$$), 'Gather',
               'a parallel plan feeds entropy_weights');
SELECT is(medres.entropy_weights(ind, '++-+'), (SELECT w FROM eo_orders WHERE ord = 'by i'),
          'entropy_weights over a parallel scan: the same bits as ordered by i')
FROM eo;
SELECT set_config('parallel_leader_participation', 'on', true);

-- against the oracle: every weight to 1e-14 relative
SELECT is((SELECT string_agg(format('w%s = %s, oracle %s', j, g, e), '; ')
           FROM unnest(o.w, x.w) WITH ORDINALITY AS u(g, e, j)
           WHERE NOT abs(g - e) <= 1e-14 * abs(e)), NULL,
          'entropy_weights ordered ' || o.ord || ' equal the oracle to 1e-14 relative')
FROM eo_orders o, eo_expected x WHERE o.ord IN ('by i', 'by md5(i)') ORDER BY o.ord;
SELECT ok(abs((SELECT sum(v) FROM unnest(w) v) - 1) <= 4e-16, 'the weights sum to 1')
FROM eo_orders WHERE ord = 'by i';

SELECT * FROM finish();
ROLLBACK;
