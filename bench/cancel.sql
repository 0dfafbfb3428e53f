-- Tables for bench/cancel.sh, made before anything is timed.  Sizes come as psql variables:
--   rows  rows of t (aggregates over one column)      erows rows of e (evaluation windows)
--   hn    points of hc (hclust, hclust_tree)           kn    points of km (kmeans)
--   sn    points of sil (silhouette)                   pn    points of pts (spatial weights,
--   dn    demand points of dem (accessibility)               moran, lisa)
--   sup   supply points of sup (accessibility)         spatial 1 when medres_postgis is there
-- UNLOGGED: nothing here needs to survive a crash, and the load is faster.
SET client_min_messages = warning;
SELECT setseed(0.4242) \g /dev/null

-- x lognormal (income-like), w uniform in (0, 1], r a rank variable, g one of 1000 groups
CREATE UNLOGGED TABLE t AS
SELECT exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS x,
       1 - random() AS w, random() AS r, (i % 1000)::text AS g
FROM generate_series(1, :rows) i;

-- four indicators per unit for rsr, topsis and entropy_weights
CREATE UNLOGGED TABLE e AS
SELECT ARRAY[1 + random(), 1 + random(), 1 + random(), 1 + random()] AS f
FROM generate_series(1, :erows) i;

-- three features; hclust's condensed matrix needs hn^2/2 doubles (20,000 points: 1.6 GB)
CREATE UNLOGGED TABLE hc AS
SELECT i AS id, ARRAY[random(), random(), random()] AS f FROM generate_series(1, :hn) i;
CREATE UNLOGGED TABLE km AS
SELECT i AS id, ARRAY[random(), random(), random(), random()] AS f FROM generate_series(1, :kn) i;
CREATE UNLOGGED TABLE sil AS
SELECT ARRAY[random(), random(), random()] AS f, i % 8 AS cluster FROM generate_series(1, :sn) i;
ANALYZE t; ANALYZE e; ANALYZE hc; ANALYZE km; ANALYZE sil;

\if :spatial
-- points uniform in a 100 x 100 square, SRID 0 (planar, units: km)
CREATE UNLOGGED TABLE pts AS
SELECT i AS id, ST_MakePoint(100 * random(), 100 * random()) AS geom, random() AS value
FROM generate_series(1, :pn) i;
CREATE UNLOGGED TABLE dem AS
SELECT i AS id, ST_MakePoint(100 * random(), 100 * random()) AS geom, (1 + 1000 * random())::int AS pop
FROM generate_series(1, :dn) i;
CREATE UNLOGGED TABLE sup AS
SELECT i AS id, ST_MakePoint(100 * random(), 100 * random()) AS geom, (1 + 100 * random())::int AS beds
FROM generate_series(1, :sup) i;
-- row-standardised 8 nearest neighbours, the weights of moran and lisa
CREATE UNLOGGED TABLE pw AS
SELECT i, j, w FROM medres.spatial_weights('SELECT id, geom FROM public.pts', 'knn', k => 8);
ANALYZE pts; ANALYZE dem; ANALYZE sup; ANALYZE pw;
\endif
