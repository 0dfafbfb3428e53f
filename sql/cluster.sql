-- Clustering: hclust, hclust_tree, hclust_newick, hclust_svg, kmeans, silhouette.
-- The examples of doc/cluster.md on China's 31 provinces (data/province_resources_2020.csv),
-- each followed by a check of its figures against a computation that does not use medres:
-- the scipy/R oracle of test/oracle_cluster.py (test/oracle/cluster_*.csv), or plain SQL.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE TABLE province (
    province text, region text, institutions int, personnel_10k float8, beds_10k float8,
    health_expense_per_capita_yuan float8, population_million float8);
\copy province FROM 'data/province_resources_2020.csv' CSV HEADER

-- the oracle's expectations (scipy linkage/fcluster, checked against R hclust/cutree)
CREATE TABLE cl_expected (
    case_id text, linkage text, metric text, standardize text,
    kind text, param text, unit int, expected float8);
\copy cl_expected FROM 'test/oracle/cluster_expected.csv' CSV HEADER
CREATE TABLE cl_cases (case_id text, unit int, label text, features float8[]);
\copy cl_cases FROM 'test/oracle/cluster_cases.csv' CSV HEADER

-- example: hclust (SPSS defaults: between-groups average linkage, squared Euclidean
-- distance, z-scores), four clusters
SELECT cluster, count(*) AS n, string_agg(province, ', ' ORDER BY province) AS provinces
FROM (SELECT province,
             medres.hclust(ARRAY[institutions, personnel_10k, beds_10k,
                                 health_expense_per_capita_yuan], 4)
                 OVER (ORDER BY province) AS cluster
      FROM province) s
GROUP BY cluster ORDER BY cluster;

-- check: k = 2..5 equal the oracle's partitions (case "provinces", cluster numbers in order
-- of first appearance in the oracle's unit order); expect no rows
SELECT e.param AS k, m.province, e.expected, m.cluster
FROM (SELECT k, c.unit, p.province,
             medres.hclust(ARRAY[institutions, personnel_10k, beds_10k,
                                 health_expense_per_capita_yuan], k)
                 OVER (PARTITION BY k ORDER BY c.unit) AS cluster
      FROM province p
      JOIN cl_cases c ON c.case_id = 'provinces' AND c.label = p.province,
           generate_series(2, 5) AS k) m
JOIN cl_expected e ON e.case_id = 'provinces' AND e.kind = 'cluster_k' AND e.linkage = 'average'
                  AND e.param = m.k::text AND e.unit = m.unit
WHERE e.expected <> m.cluster;
SELECT count(*) AS oracle_units_compared FROM cl_expected
WHERE case_id = 'provinces' AND kind = 'cluster_k' AND linkage = 'average';

-- example: cut by height instead of k, with Ward linkage on Euclidean distances
SELECT cluster, string_agg(province, ', ' ORDER BY province) AS provinces
FROM (SELECT province,
             medres.hclust(ARRAY[institutions, personnel_10k, beds_10k,
                                 health_expense_per_capita_yuan], NULL,
                           linkage => 'ward', metric => 'euclidean', height => 5)
                 OVER (ORDER BY province) AS cluster
      FROM province) s
GROUP BY cluster ORDER BY cluster;

-- check: scipy's Ward heights (the oracle's case "provinces") put 3 merges above 5, so the cut
-- at 5 is the oracle's partition into k = 3 + 1 clusters; expect 4, then no rows
SELECT 1 + count(*) AS k_at_height_5 FROM cl_expected
WHERE case_id = 'provinces' AND linkage = 'ward' AND metric = 'euclidean' AND kind = 'height'
  AND expected > 5;
SELECT m.province, e.expected, m.cluster
FROM (SELECT c.unit, p.province,
             medres.hclust(ARRAY[institutions, personnel_10k, beds_10k,
                                 health_expense_per_capita_yuan], NULL,
                           linkage => 'ward', metric => 'euclidean', height => 5)
                 OVER (ORDER BY c.unit) AS cluster
      FROM province p JOIN cl_cases c ON c.case_id = 'provinces' AND c.label = p.province) m
JOIN cl_expected e ON e.case_id = 'provinces' AND e.linkage = 'ward' AND e.metric = 'euclidean'
                  AND e.kind = 'cluster_k' AND e.param = '4' AND e.unit = m.unit
WHERE e.expected <> m.cluster;

-- example: hclust_tree, the merge steps (scipy's linkage matrix); the last five
SELECT m.*
FROM (SELECT medres.hclust_tree(ARRAY[institutions, personnel_10k, beds_10k,
                                      health_expense_per_capita_yuan], province) AS tree
      FROM province) t,
     unnest(t.tree) AS m
WHERE m.step > 25;

-- check: all 30 heights equal the oracle's sorted heights to 1e-9; expect no rows
SELECT e.param, e.expected, m.height
FROM (SELECT medres.hclust_tree(ARRAY[institutions, personnel_10k, beds_10k,
                                      health_expense_per_capita_yuan], province) AS tree
      FROM province) t,
     unnest(t.tree) AS m
JOIN cl_expected e ON e.case_id = 'provinces' AND e.kind = 'height' AND e.linkage = 'average'
                  AND e.param = m.step::text
WHERE abs(e.expected - m.height) > 1e-9 * e.expected;

-- example: hclust_newick (the tree of the five western provinces with most institutions)
SELECT medres.hclust_newick(ARRAY[institutions, personnel_10k, beds_10k,
                                  health_expense_per_capita_yuan], province)
FROM (SELECT * FROM province WHERE region = 'west' ORDER BY institutions DESC LIMIT 5) p;

-- check, by hand: the squared distances of the same five provinces in z-scores.  Guizhou and
-- Yunnan are closest, 0.4242: the first merge, so each has branch length 0.4242.  Average
-- linkage then puts Guangxi at (0.5331 + 1.1643)/2 = 0.8487 from that pair, the height of the
-- next node.  Branch lengths are parent height - child height, so the lengths along every
-- path from the root add up to the root's height.
WITH p AS (SELECT * FROM province WHERE region = 'west' ORDER BY institutions DESC LIMIT 5),
z AS (SELECT province,
             ARRAY[(institutions - avg(institutions) OVER ()) / stddev_samp(institutions) OVER (),
                   (personnel_10k - avg(personnel_10k) OVER ()) / stddev_samp(personnel_10k) OVER (),
                   (beds_10k - avg(beds_10k) OVER ()) / stddev_samp(beds_10k) OVER (),
                   (health_expense_per_capita_yuan - avg(health_expense_per_capita_yuan) OVER ())
                       / stddev_samp(health_expense_per_capita_yuan) OVER ()]::float8[] AS f
      FROM p)
SELECT a.province AS a, b.province AS b,
       round((SELECT sum((a.f[j] - b.f[j]) ^ 2) FROM generate_series(1, 4) j)::numeric, 4) AS sqdist
FROM z a JOIN z b ON a.province < b.province
ORDER BY sqdist LIMIT 3;

-- example: hclust_svg, the dendrogram as SVG (here of three provinces)
SELECT medres.hclust_svg(ARRAY[institutions, personnel_10k, beds_10k,
                               health_expense_per_capita_yuan], province)
FROM province WHERE province IN ('Beijing', 'Shanghai', 'Tibet');

-- check: the SVG of all 31 provinces is well-formed XML with 31 labels and 30 merges,
-- and its labels come in the leaf order of the Newick string
WITH t AS (SELECT medres.hclust_svg(f, province) AS svg, medres.hclust_newick(f, province) AS nwk
           FROM (SELECT province, ARRAY[institutions, personnel_10k, beds_10k,
                                        health_expense_per_capita_yuan] AS f FROM province) p)
SELECT xml_is_well_formed_document(svg) AS well_formed,
       (SELECT count(*) FROM regexp_matches(svg, '<path ', 'g')) AS merges,
       (SELECT array_agg(m[1]) FROM regexp_matches(substring(svg from '<g class="labels"[^>]*>(.*?)</g>'),
                                                   '>([^<]+)</text>', 'g') m)
         = (SELECT array_agg(replace(m[1], '''', '')) FROM regexp_matches(nwk, '([A-Za-z'' ]+):', 'g') m)
         AS same_leaf_order
FROM t;

-- example: silhouette, to choose k
SELECT k, round(medres.silhouette(f, cluster)::numeric, 4) AS silhouette
FROM (SELECT k, f, medres.hclust(f, k) OVER (PARTITION BY k) AS cluster
      FROM (SELECT ARRAY[institutions, personnel_10k, beds_10k,
                         health_expense_per_capita_yuan] AS f FROM province) p,
           generate_series(2, 6) AS k) s
GROUP BY k ORDER BY k;

-- check: the same silhouettes in plain SQL (Euclidean distances between z-scores; a unit
-- alone in its cluster counts 0); expect no rows
CREATE TABLE zprov AS
SELECT province,
       ARRAY[(institutions - avg(institutions) OVER ()) / stddev_samp(institutions) OVER (),
             (personnel_10k - avg(personnel_10k) OVER ()) / stddev_samp(personnel_10k) OVER (),
             (beds_10k - avg(beds_10k) OVER ()) / stddev_samp(beds_10k) OVER (),
             (health_expense_per_capita_yuan - avg(health_expense_per_capita_yuan) OVER ())
                 / stddev_samp(health_expense_per_capita_yuan) OVER ()]::float8[] AS z,
       ARRAY[institutions, personnel_10k, beds_10k, health_expense_per_capita_yuan] AS f
FROM province;
CREATE TABLE zlab AS
SELECT k, province, z, f, medres.hclust(f, k) OVER (PARTITION BY k) AS cluster
FROM zprov, generate_series(2, 6) AS k;
WITH d AS (
    SELECT a.k, a.province, a.cluster, b.cluster AS other,
           avg(sqrt((SELECT sum((a.z[j] - b.z[j]) ^ 2) FROM generate_series(1, 4) j))) AS mean_d,
           count(*) AS cnt
    FROM zlab a JOIN zlab b ON a.k = b.k AND a.province <> b.province
    GROUP BY 1, 2, 3, 4),
s AS (
    SELECT k, province,
           coalesce(max(mean_d) FILTER (WHERE other = cluster), 0) AS a,
           min(mean_d) FILTER (WHERE other <> cluster) AS b,
           bool_or(other = cluster) AS has_mates
    FROM d GROUP BY 1, 2),
plain AS (
    SELECT k, avg(CASE WHEN has_mates THEN (b - a) / greatest(a, b) ELSE 0 END) AS sil
    FROM s GROUP BY k)
SELECT plain.k, plain.sil, m.sil
FROM plain JOIN (SELECT k, medres.silhouette(f, cluster) AS sil FROM zlab GROUP BY k) m USING (k)
WHERE abs(plain.sil - m.sil) > 1e-12;

-- example: kmeans with k-means++ seeding from seed 1
SELECT cluster, string_agg(province, ', ' ORDER BY province) AS provinces
FROM (SELECT province,
             medres.kmeans(ARRAY[institutions, personnel_10k, beds_10k,
                                 health_expense_per_capita_yuan], 3, seed => 1)
                 OVER (ORDER BY province) AS cluster
      FROM province) s
GROUP BY cluster ORDER BY cluster;

-- check: the result is a fixed point of Lloyd's algorithm, computed in plain SQL: every
-- province is nearest (in z-scores) to the mean of its own cluster; expect no rows
WITH km AS (SELECT province, z,
                   medres.kmeans(f, 3, seed => 1) OVER (ORDER BY province) AS cluster
            FROM zprov),
centre AS (SELECT cluster, array_agg(v ORDER BY j) AS c
           FROM (SELECT cluster, j, avg(z[j]) AS v FROM km, generate_series(1, 4) j
                 GROUP BY 1, 2) s GROUP BY cluster),
dist AS (SELECT km.province, km.cluster, centre.cluster AS to_cluster,
                (SELECT sum((km.z[j] - centre.c[j]) ^ 2) FROM generate_series(1, 4) j) AS d
         FROM km, centre)
SELECT province, cluster FROM dist
GROUP BY province, cluster
HAVING min(d) < min(d) FILTER (WHERE to_cluster = cluster);

-- the row order changes neither the partition nor, given ORDER BY, the labels
SELECT count(*) AS disagreeing_pairs
FROM (SELECT province, medres.kmeans(f, 3, seed => 7) OVER (ORDER BY province) AS c1,
             medres.kmeans(f, 3, seed => 7) OVER (ORDER BY province DESC) AS c2 FROM zprov) a
JOIN (SELECT province, medres.kmeans(f, 3, seed => 7) OVER (ORDER BY province) AS c1,
             medres.kmeans(f, 3, seed => 7) OVER (ORDER BY province DESC) AS c2 FROM zprov) b
  ON a.province < b.province
WHERE (a.c1 = b.c1) <> (a.c2 = b.c2);

-- ward, centroid and median without a distance matrix: with medres.memory_limit at 1 MB
-- the 600-unit oracle case (a matrix of 1.4 MB) runs from the vectors; its sorted heights
-- equal scipy's to 1e-9; expect no rows
SET medres.memory_limit = '1MB';
CREATE TABLE vtree AS
SELECT l.linkage, l.metric,
       medres.hclust_tree(c.features, c.label, l.linkage, l.metric, 'zscore') AS tree
FROM cl_cases c,
     (VALUES ('ward', 'euclidean'), ('ward', 'sqeuclidean'), ('centroid', 'euclidean'),
             ('median', 'sqeuclidean')) AS l(linkage, metric)
WHERE c.case_id = 'n600_d5' GROUP BY 1, 2;
-- (a plain join: with the parallel run's zero parallel costs the planner would rescan a
-- Gather under a nested loop for minutes)
SET max_parallel_workers_per_gather = 0;
SELECT t.linkage, t.metric, e.param AS step, e.expected, h.height
FROM vtree t,
     LATERAL (SELECT row_number() OVER (ORDER BY m.height) AS step, m.height
              FROM unnest(t.tree) m) h
JOIN cl_expected e ON e.case_id = 'n600_d5' AND e.kind = 'height' AND e.param = h.step::text
WHERE e.linkage = t.linkage AND e.metric = t.metric AND e.standardize = 'zscore'
  AND abs(e.expected - h.height) > 1e-9 * abs(e.expected);
RESET max_parallel_workers_per_gather;
SELECT count(*) AS heights_compared
FROM vtree t JOIN cl_expected e ON e.case_id = 'n600_d5' AND e.kind = 'height'
 AND e.linkage = t.linkage AND e.metric = t.metric AND e.standardize = 'zscore';
-- the vector mode splits the scans of its steps over 4,096 clusters between two threads
-- (medres.threads = 2, the default): on 5,000 units it gives the same merges as the
-- distance-matrix mode, heights equal to 1e-12, and exactly the tree of one thread;
-- expect no rows, then true.  (With 13 features and the matrix within the limit, the
-- geometric linkages use the matrix; with up to 12 features they use the vectors from
-- 1,000 units on, as they do below the limit.)
SET medres.memory_limit = '64MB';
SELECT setseed(0.11);
CREATE TABLE p5k AS
SELECT i, 'u' || i AS label,
       ARRAY(SELECT random() * (1 + (i + j) % 4) FROM generate_series(1, 13) j)::float8[] AS f
FROM generate_series(1, 5000) i;
CREATE TABLE tmatrix AS
SELECT l, medres.hclust_tree(f, label, l, 'euclidean') AS t
FROM p5k, (VALUES ('ward'), ('centroid'), ('median')) v(l) GROUP BY l;
SET medres.memory_limit = '16MB';
CREATE TABLE tvector AS
SELECT l, medres.hclust_tree(f, label, l, 'euclidean') AS t
FROM p5k, (VALUES ('ward'), ('centroid'), ('median')) v(l) GROUP BY l;
SELECT tmatrix.l, a.step, a.height, b.height
FROM tmatrix JOIN tvector USING (l),
     LATERAL unnest(tmatrix.t) a JOIN LATERAL unnest(tvector.t) b USING (step)
WHERE a.left_id <> b.left_id OR a.right_id <> b.right_id
   OR abs(a.height - b.height) > 1e-12 * a.height;
SET medres.threads = 1;
SELECT bool_and(tvector.t = one.t) AS one_thread_same_tree
FROM tvector JOIN (SELECT l, medres.hclust_tree(f, label, l, 'euclidean') AS t
                   FROM p5k, (VALUES ('ward'), ('centroid'), ('median')) v(l) GROUP BY l) one USING (l);
RESET medres.threads;
SET medres.memory_limit = '1MB';
-- ... and average linkage, which needs the matrix, fails up front
SELECT medres.hclust_tree(features, label) FROM cl_cases WHERE case_id = 'n600_d5';
RESET medres.memory_limit;

-- NULL features: the row gets NULL and takes no part; one unit is one cluster
SELECT u, medres.hclust(f, 1) OVER (ORDER BY u) AS h, medres.kmeans(f, 1) OVER (ORDER BY u) AS k
FROM (VALUES (1, ARRAY[1.0, 2.0]), (2, NULL), (3, ARRAY[4.0, 0.5])) v(u, f);
SELECT medres.hclust(f, 1) OVER () FROM (VALUES (ARRAY[1.0, 2.0])) v(f);
-- three points at one place and k = 3: two clusters and a NOTICE
SELECT medres.kmeans(f, 3, standardize => 'none') OVER ()
FROM (VALUES (ARRAY[1.0, 1]), (ARRAY[1.0, 1]), (ARRAY[1.0, 1]), (ARRAY[2.0, 2])) v(f);
SELECT medres.hclust_tree(f, l), medres.hclust_newick(f, l)
FROM (VALUES (ARRAY[1.0, 2.0], 'only')) v(f, l);
SELECT medres.hclust_tree(f, l) IS NULL AS empty_is_null
FROM (VALUES (NULL::float8[], 'a')) v(f, l);

-- bad input
SELECT medres.hclust(f, 3) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, 0) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, NULL) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, 2, height => 1) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, NULL, height => -1) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, 2, linkage => 'ward2') OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, 2, metric => 'mahalanobis') OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, 2, standardize => 'unit') OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, 2, linkage => 'ward', metric => 'manhattan') OVER ()
FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust(f, 2) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1, 3])) v(f);
SELECT medres.hclust(f, 2) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, NULL])) v(f);
SELECT medres.hclust(f, 2) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 'NaN'])) v(f);
SELECT medres.hclust(f, 2) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 'Infinity'])) v(f);
SELECT medres.hclust(f, 2) OVER () FROM (VALUES (ARRAY[1.0, 5]), (ARRAY[2.0, 5])) v(f);
SELECT medres.hclust(f, 2, standardize => 'range') OVER () FROM (VALUES (ARRAY[1.0, 5]), (ARRAY[2.0, 5])) v(f);
SELECT medres.hclust(f, 2, metric => 'cosine', standardize => 'none') OVER ()
FROM (VALUES (ARRAY[1.0, 5]), (ARRAY[0.0, 0])) v(f);
SELECT medres.hclust(f, 2) OVER () FROM (VALUES (ARRAY[]::float8[]), (ARRAY[]::float8[])) v(f);
SELECT medres.hclust(f, 2) OVER () FROM (VALUES (ARRAY[[1.0, 2]]), (ARRAY[[2.0, 1]])) v(f);
SELECT medres.kmeans(f, 3) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.kmeans(f, NULL) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.kmeans(f, 2, restarts => 0) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.kmeans(f, 2, max_iter => 0) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.kmeans(f, 2, init => ARRAY[1.0, 2, 3, 4]) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.kmeans(f, 2, init => ARRAY[[1.0, 2, 3], [4, 5, 6]]) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.kmeans(f, 2, init => ARRAY[[1.0, 2], [4, 'NaN'::float8]]) OVER () FROM (VALUES (ARRAY[1.0, 2]), (ARRAY[2.0, 1])) v(f);
SELECT medres.hclust_tree(f, l, 'centroid', 'chebyshev') FROM (VALUES (ARRAY[1.0, 2], 'a')) v(f, l);
SELECT medres.hclust_tree(f, l, m) FROM (VALUES (ARRAY[1.0, 2], 'a', 'single'), (ARRAY[2.0, 1], 'b', 'complete')) v(f, l, m);
SELECT medres.silhouette(f, c) FROM (VALUES (ARRAY[1.0, 2], 1), (ARRAY[2.0, 1], 1), (ARRAY[2.0, 3], 1)) v(f, c);
SELECT medres.silhouette(f, c) FROM (VALUES (ARRAY[1.0, 2], 1), (ARRAY[2.0, 1], 2), (ARRAY[2.0, 3], 3)) v(f, c);
SELECT medres.silhouette(f, c, 'hamming') FROM (VALUES (ARRAY[1.0, 2], 1), (ARRAY[2.0, 1], 2)) v(f, c);

-- work that would need more than medres.memory_limit fails up front with 54000 and a hint
SET medres.memory_limit = '1MB';
\set VERBOSITY sqlstate
SELECT count(c) FROM (SELECT medres.hclust(ARRAY[i, i % 7]::float8[], 2) OVER () AS c FROM generate_series(1, 1000) i) s;
\set VERBOSITY default
SELECT count(c) FROM (SELECT medres.hclust(ARRAY[i, i % 7]::float8[], 2) OVER () AS c FROM generate_series(1, 1000) i) s;
RESET medres.memory_limit;

-- hostile input: each error case prints its SQLSTATE and message
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- huge features: the points 1e200, -1e200, 0 (standardize 'none'); by hand, d(±1e200, 0) =
-- 1e400 under sqeuclidean (1e200 under euclidean), d(1e200, -1e200) four times (twice) that:
-- the first merge joins 0 with an extreme, the tie going to the lower slot, 1e200; k = 2
-- gives 1, 2, 1 and k = 1 gives 1, 1, 1 (these crashed the backend: every distance was Inf)
SELECT l, medres.hclust(f, 2, 'ward', 'sqeuclidean', 'none') OVER w AS ward2,
       medres.hclust(f, 2, 'average', 'sqeuclidean', 'none') OVER w AS average2,
       medres.hclust(f, 2, 'complete', 'euclidean', 'none') OVER w AS complete2,
       medres.hclust(f, 1, 'ward', 'sqeuclidean', 'none') OVER w AS ward1,
       medres.hclust(g, 2, 'single', 'sqeuclidean', 'none') OVER w AS single_1e160
FROM (VALUES (1, '{1e200}'::float8[], '{1e160}'::float8[]), (2, '{-1e200}', '{-1e160}'),
             (3, '{0}', '{0}')) t(l, f, g)
WINDOW w AS (ORDER BY l);
-- cut at height 1e308: the true heights 1e400 and 4e400 are both above it, so 3 clusters
SELECT medres.hclust(f, NULL, 'complete', 'sqeuclidean', 'none', 1e308) OVER (ORDER BY l)
FROM (VALUES (1, '{1e200}'::float8[]), (2, '{-1e200}'), (3, '{0}')) t(l, f);
-- the tree: average linkage on Euclidean distances has the finite heights 1e200 and
-- (2e200 + 1e200)/2 = 1.5e200; expect true twice
SELECT m.step, m.left_id, m.right_id, m.size,
       abs(m.height / (CASE m.step WHEN 1 THEN 1e200 ELSE 1.5e200 END) - 1) < 1e-15 AS height_ok
FROM (SELECT medres.hclust_tree(f, l, 'average', 'euclidean', 'none') AS t
      FROM (VALUES ('a', '{1e200}'::float8[]), ('b', '{-1e200}'), ('c', '{0}')) v(l, f)) s,
     unnest(s.t) m;
-- ... while Ward's squared heights (1e400) are no double: 22003 naming the features
SELECT pg_temp.err($$SELECT medres.hclust_tree(f, l, 'ward', 'sqeuclidean', 'none')
  FROM (VALUES ('a', '{1e200}'::float8[]), ('b', '{-1e200}'), ('c', '{0}')) v(l, f)$$);
SELECT pg_temp.err($$SELECT medres.hclust_newick(f, l, 'complete', 'euclidean', 'none')
  FROM (VALUES ('a', '{1e308}'::float8[]), ('b', '{-1e308}'), ('c', '{0}')) v(l, f)$$);

-- centroid linkage on 1e308, -1e308, 0: by hand the first merge joins 0 with 1e308 (tie:
-- lower slot), at Euclidean distance 1e308; the centre 5e307 then lies 1.5e308 from -1e308.
-- Before, the extremes were joined (their distance overflowed and compared like the others).
SELECT l, medres.hclust(f, 2, 'centroid', 'sqeuclidean', 'none') OVER (ORDER BY l)
FROM (VALUES ('a', '{1e308}'::float8[]), ('b', '{-1e308}'), ('c', '{0}')) v(l, f);
SELECT m.step, m.left_id, m.right_id, m.size,
       abs(m.height / (CASE m.step WHEN 1 THEN 1e308 ELSE 1.5e308 END) - 1) < 1e-15 AS height_ok
FROM (SELECT medres.hclust_tree(f, l, 'centroid', 'euclidean', 'none') AS t
      FROM (VALUES ('a', '{1e308}'::float8[]), ('b', '{-1e308}'), ('c', '{0}')) v(l, f)) s,
     unnest(s.t) m;
SELECT pg_temp.err($$SELECT medres.hclust_tree(f, l, 'centroid', 'sqeuclidean', 'none')
  FROM (VALUES ('a', '{1e308}'::float8[]), ('b', '{-1e308}'), ('c', '{0}')) v(l, f)$$);
-- the SVG draws that tree: a and c side by side, two merges, well-formed
SELECT xml_is_well_formed_document(svg) AS well_formed,
       (SELECT count(*) FROM regexp_matches(svg, '<path ', 'g')) AS merges,
       (SELECT string_agg(m[1], '') FROM regexp_matches(substring(svg from '<g class="labels"[^>]*>(.*?)</g>'),
                                                        '>([^<]+)</text>', 'g') m)
         AS leaf_order
FROM (SELECT medres.hclust_svg(f, l, 'centroid', 'sqeuclidean', 'none') AS svg
      FROM (VALUES ('a', '{1e308}'::float8[]), ('b', '{-1e308}'), ('c', '{0}')) v(l, f)) s;

-- z-scores and ranges of huge features: 1e308, -1e308, 0 have mean 0 and sample sd 1e308,
-- so z = 1, -1, 0 (squared distances 1, 1, 4: average-linkage heights 1 and (4 + 1)/2);
-- their range map is 1, 0, 0.5 (squared distances 0.25, 0.25, 1: heights 0.25, 0.625)
SELECT medres.hclust_tree(f, l) AS zscore, medres.hclust_tree(f, l, 'average', 'sqeuclidean', 'range') AS range
FROM (VALUES ('a', '{1e308}'::float8[]), ('b', '{-1e308}'), ('c', '{0}')) v(l, f);
-- subnormal features 0, 5e-324, 1e-323: single-linkage Euclidean heights 5e-324 twice (the
-- neighbours' gaps); in z-scores the same points are -1, 0, 1: heights 1 twice
SELECT medres.hclust_tree(f, l, 'single', 'euclidean', 'none') AS raw,
       medres.hclust_tree(f, l, 'single', 'euclidean') AS zscore
FROM (VALUES ('a', '{5e-324}'::float8[]), ('b', '{1e-323}'), ('c', '{0}')) v(l, f);
-- cosine between rows of 1e200 and 1e-200: (1e200, 1e200) and (1e-200, 1e-200) are parallel
-- (distance 0), both orthogonal to (1, -1) (distance 1)
SELECT medres.hclust_tree(f, l, 'average', 'cosine', 'none')
FROM (VALUES ('a', '{1e200, 1e200}'::float8[]), ('b', '{1e-200, 1e-200}'), ('c', '{1, -1}')) v(l, f);

-- silhouette of 0, 1, 10, 11 (times 1e200) in clusters {0, 1}, {10, 11}: by hand a = 1 for
-- every point, b = 10.5, 9.5, 9.5, 10.5, so the mean is (9.5/10.5 + 8.5/9.5)/2; z-scores
-- change no ratio of distances; expect true twice
SELECT abs(medres.silhouette(f, c) - (9.5/10.5 + 8.5/9.5)::float8 / 2) < 1e-15 AS zscore_ok,
       abs(medres.silhouette(f, c, 'euclidean', 'none') - (9.5/10.5 + 8.5/9.5)::float8 / 2) < 1e-15 AS none_ok
FROM (VALUES ('{0}'::float8[], 1), ('{1e200}', 1), ('{1e201}', 2), ('{1.1e201}', 2)) v(f, c);

-- k-means on 1e308, 9e307, -1e308, -9e307 (standardize 'none'): the two signs; also from
-- starting centres of that size
SELECT l, medres.kmeans(f, 2, standardize => 'none') OVER w AS seeded,
       medres.kmeans(f, 2, standardize => 'none', init => '{{1e308}, {-1e308}}') OVER w AS from_init
FROM (VALUES (1, '{1e308}'::float8[]), (2, '{9e307}'), (3, '{-1e308}'), (4, '{-9e307}')) v(l, f)
WINDOW w AS (ORDER BY l);

-- options must be the same in every row of a window partition (22023)
SELECT pg_temp.err($$SELECT medres.hclust(ARRAY[i::float8], i % 2 + 1) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.hclust(ARRAY[i::float8], NULL, height => i) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.hclust(ARRAY[i::float8], CASE WHEN i < 3 THEN 2 END, height => CASE WHEN i >= 3 THEN 1 END) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.kmeans(ARRAY[i::float8], 2, seed => i) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.kmeans(ARRAY[i::float8], 2, max_iter => 10 + i) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.kmeans(ARRAY[i::float8], 2, restarts => i) OVER () FROM generate_series(1, 5) i$$);
-- ... but may vary between partitions
SELECT k, count(DISTINCT c) AS clusters
FROM (SELECT k, medres.hclust(ARRAY[i::float8], k) OVER (PARTITION BY k) AS c
      FROM generate_series(1, 5) i, generate_series(1, 3) k) s GROUP BY k ORDER BY k;

-- caps of unbounded work (doc/cluster.md), and hostile k and height (22023)
SELECT pg_temp.err($$SELECT medres.kmeans(ARRAY[i::float8], 2, 0, 2147483647) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.kmeans(ARRAY[i::float8], 2, restarts => 1001) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.kmeans(ARRAY[i::float8], 2, max_iter => 100001) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.kmeans(ARRAY[i::float8], -1) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.kmeans(ARRAY[i::float8], 6) OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.hclust(ARRAY[i::float8], NULL, height => 'NaN') OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.hclust(ARRAY[i::float8], NULL, height => 'Infinity') OVER () FROM generate_series(1, 5) i$$);
SELECT pg_temp.err($$SELECT medres.hclust(ARRAY[i::float8], -2147483648) OVER () FROM generate_series(1, 5) i$$);
-- the largest allowed values run: restarts 1000 and max_iter 100000 on 5 points,
-- 1 2 3 | 10 11 by hand
SELECT array_agg(c ORDER BY i) AS clusters
FROM (SELECT i, medres.kmeans(ARRAY[x], 2, restarts => 1000, max_iter => 100000) OVER () AS c
      FROM unnest('{1, 2, 3, 10, 11}'::float8[]) WITH ORDINALITY u(x, i)) s;
-- one unit: one cluster, and a tree of no merges drawn as one leaf
SELECT xml_is_well_formed_document(medres.hclust_svg(f, l)) AS one_leaf_svg
FROM (VALUES ('{1e308}'::float8[], 'only')) v(f, l);

DROP TABLE province, cl_expected, cl_cases, zprov, zlab, vtree, p5k, tmatrix, tvector;
