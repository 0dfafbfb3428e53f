-- Parallel aggregation of the clustering aggregates (hclust_tree, hclust_newick,
-- hclust_svg, silhouette): the same answer with and without parallel workers, from plans
-- that really split the rows between workers, so that the combine, serialize and
-- deserialize functions of their internal state run.  Also: the answer does not depend on
-- the order in which the rows arrive.
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
\i test/lib/plans.sql
SELECT plan(9);

SELECT setseed(0.17);
CREATE TABLE cpar AS
SELECT i, 'u' || lpad(i::text, 5, '0') AS label,
       ARRAY[random() + (i % 4), random() * 3, exp(random())]::float8[] AS f,
       i % 4 + 1 AS grp
FROM generate_series(1, 3000) AS i;
ANALYZE cpar;

CREATE TEMP VIEW canswers AS
SELECT medres.hclust_tree(f, label) AS tree,
       medres.hclust_tree(f, label, 'ward', 'euclidean', 'range') AS ward,
       md5(medres.hclust_newick(f, label, 'complete')) AS newick,
       md5(medres.hclust_svg(f, label, 'single')) AS svg,
       medres.silhouette(f, grp) AS sil
FROM cpar;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE cserial AS SELECT * FROM canswers;

SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = on;

SELECT matches(pg_temp.plan_of('SELECT medres.hclust_tree(f, label) FROM cpar'), 'Partial Aggregate',
               'hclust_tree runs as a partial aggregate in parallel workers');
SELECT matches(pg_temp.plan_of('SELECT medres.silhouette(f, grp) FROM cpar'), 'Partial Aggregate',
               'silhouette runs as a partial aggregate in parallel workers');
SELECT matches(pg_temp.analyze_of('CREATE TEMP TABLE cparallel AS SELECT * FROM canswers'),
               'Workers Launched: [12]', 'the parallel answers come from parallel workers');

SELECT is(p.tree, s.tree, 'hclust_tree (average): parallel = serial, merge for merge')
FROM cserial s, cparallel p;
SELECT is(p.ward, s.ward, 'hclust_tree (ward, range): parallel = serial')
FROM cserial s, cparallel p;
SELECT is(p.newick, s.newick, 'hclust_newick (complete): parallel = serial') FROM cserial s, cparallel p;
SELECT is(p.svg, s.svg, 'hclust_svg (single): parallel = serial') FROM cserial s, cparallel p;
SELECT ok(pg_temp.close(p.sil, s.sil, 1e-12), 'silhouette: parallel = serial') FROM cserial s, cparallel p;

-- rows in reverse order: the leaves are sorted by label, so the tree is the same
SET max_parallel_workers_per_gather = 0;
SELECT is((SELECT medres.hclust_tree(f, label ORDER BY i DESC) FROM cpar), (SELECT tree FROM cserial),
          'hclust_tree does not depend on the order of its rows');

SELECT * FROM finish();
ROLLBACK;
