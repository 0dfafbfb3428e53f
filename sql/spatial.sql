-- medres_postgis: accessibility, spatial weights, Moran's I, LISA, Getis-Ord.
-- The examples of doc/spatial.md.  Each expected figure was derived by hand (shown in the
-- comments) or computed by R spdep 1.2-7 (quoted); test/oracle_spatial.sql and
-- test/oracle_accessibility.sql check many more cases against independent scripts.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS medres_postgis;
RESET client_min_messages;

-- two facilities and four villages on a line (planar coordinates, SRID 0)
CREATE TABLE facility (id int, geom geometry, beds float8, doctors int);
INSERT INTO facility VALUES (1, 'POINT(0 0)', 10, 2), (2, 'POINT(10 0)', 20, 4);
CREATE TABLE village (id int, geom geometry, population float8);
INSERT INTO village VALUES (1, 'POINT(1 0)', 100), (2, 'POINT(5 0)', 200), (3, 'POINT(9 0)', 300),
                           (4, 'POINT(50 0)', 50);

-- example: 2SFCA with a catchment of 5.  Facility 1 reaches villages 1 and 2 (300 people):
-- R1 = 10/300; facility 2 reaches villages 2 and 3 (500 people): R2 = 20/500.  So
-- A1 = 1/30 = 0.033333, A2 = 1/30 + 1/25 = 0.073333, A3 = 1/25 = 0.04, A4 = 0 (nothing in
-- reach); doctors are a fifth of beds everywhere.
SELECT id, supply, round(score::numeric, 6) AS score
FROM medres.accessibility('SELECT id, geom, beds, doctors FROM facility',
                          'SELECT id, geom, population FROM village', catchment => 5)
ORDER BY supply, id;

-- inner SQL may end with a semicolon, as when copied from psql, or with a comment
SELECT count(*) FROM medres.accessibility('SELECT id, geom, beds FROM facility;',
                                          'SELECT id, geom, population FROM village -- all of them',
                                          catchment => 5);

-- the invariant: sum of population x score = the supply of facilities with demand in reach
SELECT supply, round(sum(v.population * a.score)::numeric, 10) AS reached_supply
FROM medres.accessibility('SELECT id, geom, beds, doctors FROM facility',
                          'SELECT id, geom, population FROM village', catchment => 5) a
JOIN village v USING (id) GROUP BY supply ORDER BY supply;

-- E2SFCA, bands (0, 2] weight 1 and (2, 5] weight 0.5: denominators 100 + 0.5 x 200 = 200
-- and 0.5 x 200 + 300 = 400, so R1 = R2 = 0.05 and A = 0.05, 0.025 + 0.025, 0.05, 0
SELECT id, round(score::numeric, 6) AS score
FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village',
                          method => 'e2sfca', bands => '{2, 5}', band_weights => '{1, 0.5}')
ORDER BY id;

-- gravity, power decay f = d^-1 within 5: f(1) = 1, f(5) = 0.2; R1 = 10/(100 + 40) = 1/14,
-- R2 = 20/(40 + 300) = 1/17; A = 1/14 = 0.071429, 0.2/14 + 0.2/17 = 0.026050,
-- 1/17 = 0.058824, 0
SELECT id, round(score::numeric, 6) AS score
FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village',
                          method => 'gravity', catchment => 5, decay => 'power', decay_param => 1)
ORDER BY id;

-- 3SFCA (no decay): village 2 splits its demand between both facilities (G = 1/2):
-- R1 = 10/(100 + 100) = 0.05, R2 = 20/(100 + 300) = 0.05; A = 0.05, 0.05, 0.05, 0
SELECT id, round(score::numeric, 6) AS score
FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village',
                          method => '3sfca', catchment => 5)
ORDER BY id;

-- provider-to-population ratio within 5 of each village: 10/(100 + 200) = 0.033333,
-- 30/600 = 0.05, 20/500 = 0.04, 0/50 = 0
SELECT id, round(score::numeric, 6) AS score
FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village',
                          method => 'ratio', catchment => 5)
ORDER BY id;

-- normalized: 2SFCA scores over their population-weighted mean 30/650:
-- 0.722222, 1.588889, 0.866667, 0
SELECT id, round(score::numeric, 6) AS score
FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village',
                          catchment => 5, normalized => true)
ORDER BY id;

-- a cost table with the same distances gives the same scores; expect no rows
CREATE TABLE travel AS
SELECT v.id AS demand_id, f.id AS supply_id, ST_Distance(v.geom, f.geom) AS cost
FROM village v, facility f;
SELECT g.id, g.supply, g.score, c.score
FROM medres.accessibility('SELECT id, geom, beds, doctors FROM facility',
                          'SELECT id, geom, population FROM village', catchment => 5) g
JOIN medres.accessibility('SELECT id, beds, doctors FROM facility', 'SELECT id, population FROM village',
                          catchment => 5, cost_sql => 'SELECT * FROM travel') c USING (id, supply)
WHERE g.score IS DISTINCT FROM c.score;

-- from 20,000 demand units on, the pair search is split between the backend and a helper
-- thread (medres.threads = 2, the default): the scores equal those of one thread to 1e-12
-- (a facility's demand is summed in two parts, so the last bits can differ)
SELECT setseed(0.21);
CREATE TABLE many_facilities AS
SELECT i AS id, ST_MakePoint(random() * 100, random() * 100) AS geom, 1 + random() AS beds
FROM generate_series(1, 300) i;
CREATE TABLE many_villages AS
SELECT i AS id, ST_MakePoint(random() * 100, random() * 100) AS geom, 10 + random() AS population
FROM generate_series(1, 25000) i;
CREATE TABLE two_threads AS
SELECT method, a.* FROM (VALUES ('2sfca'), ('3sfca'), ('ratio')) m(method),
     medres.accessibility('SELECT * FROM many_facilities', 'SELECT * FROM many_villages',
                          method => m.method, catchment => 8) a;
SET medres.threads = 1;
SELECT count(*) AS scores,
       count(*) FILTER (WHERE abs(t.score - o.score) > 1e-12 * abs(o.score)) AS different
FROM two_threads t
JOIN (SELECT method, a.* FROM (VALUES ('2sfca'), ('3sfca'), ('ratio')) m(method),
           medres.accessibility('SELECT * FROM many_facilities', 'SELECT * FROM many_villages',
                                method => m.method, catchment => 8) a) o USING (method, id, supply);
RESET medres.threads;
DROP TABLE many_facilities, many_villages, two_threads;

-- longitude/latitude: great-circle metres.  One degree of latitude is
-- 6371008.8 x pi/180 = 111195.08 m, so a catchment of 111195 m just misses it.
SELECT id, score
FROM medres.accessibility('SELECT 1 AS id, ST_SetSRID(ST_MakePoint(116, 40), 4326) AS geom, 1 AS beds',
                          'SELECT id, ST_SetSRID(ST_MakePoint(116, 40 + id), 4326) AS geom, 1 AS population
                           FROM generate_series(0, 1) id',
                          catchment => 111196)
ORDER BY id;
SELECT id, score
FROM medres.accessibility('SELECT 1 AS id, ST_SetSRID(ST_MakePoint(116, 40), 4326) AS geom, 1 AS beds',
                          'SELECT id, ST_SetSRID(ST_MakePoint(116, 40 + id), 4326) AS geom, 1 AS population
                           FROM generate_series(0, 1) id',
                          catchment => 111195)
ORDER BY id;

-- a 5 x 5 grid of unit squares, numbered 0..24 row by row, with a value per cell
CREATE TABLE cell AS
SELECT r * 5 + c AS id, ST_MakeEnvelope(c, r, c + 1, r + 1, 0) AS geom,
       ((r * 5 + c) % 7 + r)::float8 AS value
FROM generate_series(0, 4) r, generate_series(0, 4) c;

-- example: spatial weights.  Rook: 2 x 5 x 4 = 40 shared edges, 80 directed links; queen
-- adds 2 x 4 x 4 = 32 shared corners, 144 links; row-standardised rows sum to 1.
SELECT method, count(*) AS links, round(sum(w)::numeric, 10) AS total_weight
FROM (VALUES ('rook'), ('queen')) m(method),
     medres.spatial_weights('SELECT id, geom FROM cell', m.method)
GROUP BY method ORDER BY method;
-- knn (k = 4) by centroid: corner cells take their 2 rook neighbours, the diagonal one and,
-- of the two cells at distance 2, the lower id
SELECT i, array_agg(j ORDER BY j) AS neighbours
FROM medres.spatial_weights('SELECT id, geom FROM cell', 'knn', k => 4)
WHERE i IN (0, 12) GROUP BY i ORDER BY i;
-- distance band 1.5 with inverse-distance weights (d^-1), not row-standardised
SELECT j, round(w::numeric, 6) AS w
FROM medres.spatial_weights('SELECT id, geom FROM cell', 'distance', distance => 1.5, inverse => 1,
                            row_standardize => false)
WHERE i = 0 ORDER BY j;

CREATE TABLE cell_w AS SELECT * FROM medres.spatial_weights('SELECT id, geom FROM cell', 'rook');

-- example: Moran's I.  R spdep: moran.test(x, nb2listw(cell2nb(5, 5, "rook")),
-- randomisation = FALSE) gives I = 0.23085931, E = -0.04166667, Var = 0.02257123; with
-- randomisation the standard deviate is 1.790605
SELECT round((m).i::numeric, 8) AS i, round((m).expected::numeric, 8) AS expected,
       round((m).variance_normal::numeric, 8) AS variance_normal,
       round((m).z_random::numeric, 6) AS z_random,
       (m).p_permutation BETWEEN 1 / 1000.0 AND 1 AS p_in_range
FROM (SELECT medres.moran('SELECT id, value FROM cell', 'SELECT * FROM cell_w') AS m) s;

-- the permutation p-value repeats for a seed
SELECT (medres.moran('SELECT id, value FROM cell', 'SELECT * FROM cell_w', seed => 7)).p_permutation
     = (medres.moran('SELECT id, value FROM cell', 'SELECT * FROM cell_w', seed => 7)).p_permutation
       AS same_for_same_seed;

-- example: LISA.  R spdep localmoran: Ii = 0.9577159, 1.0567195, 1.3633112, 0.5883154,
-- 0.2135922 and Z.Ii = 0.8959262, 1.4291505, 2.3369750, 1.5537972, 1.0163098 for cells 0..4
SELECT id, round(ii::numeric, 7) AS ii, round(z::numeric, 7) AS z, quadrant
FROM medres.lisa('SELECT id, value FROM cell', 'SELECT * FROM cell_w')
WHERE id < 5 ORDER BY id;

-- example: Getis-Ord G* with binary weights.  R spdep localG(x, nb2listw(include.self(nb),
-- style = "B")): -1.754263, -1.930919, -2.571710 for cells 0..2
SELECT id, round(z::numeric, 6) AS z
FROM medres.getis_ord('SELECT id, value FROM cell', 'SELECT i, j, 1 AS w FROM cell_w')
WHERE id < 3 ORDER BY id;

-- a unit without neighbours: NULL local statistics and a NOTICE.  R spdep localmoran with the
-- same weights (rook, row-standardised, the links of cell 24 removed) and zero.policy = TRUE
-- gives Ii = 0.1636859138136604 for cell 23 (and 0 for the island, where medres says NULL)
SELECT id, ii, quadrant
FROM medres.lisa('SELECT id, value FROM cell', 'SELECT * FROM cell_w WHERE i <> 24 AND j <> 24')
WHERE id >= 23 ORDER BY id;

-- areas: one degree square at the equator, on the WGS 84 spheroid: 111.32 km of longitude
-- by 110.57 km of latitude = 12308.8 km2; HRDI = R / sqrt(P A) = 100 / sqrt(4000 x 12308.8)
-- = 0.014252
SELECT round(medres.area_km2('SRID=4326;POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))')::numeric, 1) AS km2;
SELECT round(medres.hrdi(100, 4000, 'SRID=4326;POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))'::geometry)::numeric, 6) AS hrdi;

-- bad input
SELECT * FROM medres.accessibility('SELECT id, geom FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT geom, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population::text FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population, 1 AS x FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT 1 AS id, geom, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, NULL::geometry AS geom, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, ''POINT EMPTY''::geometry AS geom, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, ST_Buffer(geom, 1) AS geom, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, ST_SetSRID(geom, 3857) AS geom, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, geom, -beds AS beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 0);
SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village');
SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village', method => '4sfca', catchment => 5);
SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village', method => 'gravity', decay => 'cauchy', decay_param => 1);
SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village', method => 'gravity', decay => 'gaussian');
SELECT * FROM medres.accessibility('SELECT id, beds FROM facility', 'SELECT id, population FROM village', catchment => 5, cost_sql => 'SELECT demand_id, supply_id, -cost AS cost FROM travel');
SELECT * FROM medres.accessibility('SELECT id, beds FROM facility', 'SELECT id, population FROM village', catchment => 5, cost_sql => 'SELECT demand_id + 10 AS demand_id, supply_id, cost FROM travel');
SELECT * FROM medres.spatial_weights('SELECT id, geom FROM cell', 'hexagon');
SELECT * FROM medres.spatial_weights('SELECT id, ST_Centroid(geom) AS geom FROM cell', 'rook');
SELECT * FROM medres.spatial_weights('SELECT id, geom FROM cell', 'knn');
SELECT * FROM medres.moran('SELECT id, value FROM cell', 'SELECT i, j, -w AS w FROM cell_w');
SELECT * FROM medres.moran('SELECT id, value FROM cell', 'SELECT i, i AS j, w FROM cell_w');
SELECT * FROM medres.moran('SELECT id, value FROM cell WHERE id > 0', 'SELECT * FROM cell_w');
SELECT * FROM medres.moran('SELECT id, 1.0 AS value FROM cell', 'SELECT * FROM cell_w');
SELECT * FROM medres.moran('SELECT id, value AS v FROM cell', 'SELECT * FROM cell_w');
SELECT * FROM medres.lisa('SELECT id, ''NaN''::float8 AS value FROM cell', 'SELECT * FROM cell_w');


-- ---------------------------------------------------------------------------------------
-- Safety: errors by SQLSTATE, cancel, memory, dumps, hostile numbers.
-- err(q) runs q and prints SQLSTATE, message and hint of its error (or "no error").
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; hint text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg || CASE WHEN hint <> '' THEN E'\nHINT: ' || hint ELSE '' END;
END $$;

-- dump and restore: pg_restore runs with an empty search_path, so an unqualified table in
-- inner SQL is not found.  The error keeps 42P01 and its message and gains a hint; errors of
-- the inner SQL in general get it too (22012 here); medres's own errors do not.
SET search_path = '';
SELECT pg_temp.err($q$SELECT medres.moran('SELECT id, value FROM cell', 'SELECT * FROM cell_w')$q$);
RESET search_path;
SELECT pg_temp.err($q$SELECT medres.moran('SELECT id, value FROM public.cell', 'SELECT i, j, w / 0 AS w FROM public.cell_w')$q$);
SELECT pg_temp.err($q$SELECT count(*) FROM medres.accessibility('SELECT id, geom, beds FROM facility', 'SELECT id, geom, population FROM village', catchment => 5, cost_sql => 'SELECT demand_id, supply_id FROM nowhere')$q$);
SELECT pg_temp.err($q$SELECT count(*) FROM medres.spatial_weights('SELECT id, geom FROM cell WHERE 1 / (id - 3) <> 0')$q$);
SELECT pg_temp.err($q$SELECT medres.moran('SELECT id, NULL::float8 AS value FROM cell', 'SELECT * FROM cell_w')$q$);

-- cancel: every long loop answers a statement timeout with 57014.  stops_in_time(q) runs q
-- under a 200 ms timeout.  Each call would take seconds to finish: 30,000 points,
-- 100,000 x 2,000 units, a million permutations.  How soon the error comes is measured by
-- bench/cancel.sh, not here: a test asserts no timing.
CREATE FUNCTION pg_temp.stops_in_time(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'finished';
EXCEPTION WHEN query_canceled THEN
    RETURN 'canceled';
END $$;
SELECT setseed(0.5);
CREATE TABLE pts AS
SELECT i AS id, ST_MakePoint(random() * 1000, random() * 1000) AS geom FROM generate_series(1, 30000) i;
CREATE TABLE dem AS
SELECT i AS id, ST_MakePoint(random() * 1000, random() * 1000) AS geom, 1 + random() AS pop
FROM generate_series(1, 100000) i;
CREATE TABLE sup AS
SELECT i AS id, ST_MakePoint(random() * 1000, random() * 1000) AS geom, 1 + random() AS beds
FROM generate_series(1, 2000) i;
CREATE TABLE pts_w AS SELECT i, j, w FROM medres.spatial_weights('SELECT id, geom FROM pts LIMIT 3000', 'knn', k => 8);
CREATE TABLE pts_v AS SELECT id, random() AS value FROM pts LIMIT 3000;
SET statement_timeout = '200ms';
SELECT pg_temp.stops_in_time($q$SELECT count(*) FROM medres.spatial_weights('SELECT id, geom FROM pts', 'distance', distance => 100)$q$) AS distance_band;
SELECT pg_temp.stops_in_time($q$SELECT count(*) FROM medres.spatial_weights('SELECT id, geom FROM pts', 'knn', k => 5)$q$) AS knn;
SELECT pg_temp.stops_in_time($q$SELECT count(*) FROM medres.spatial_weights('SELECT id, geom FROM pts', 'knn', k => 100)$q$) AS knn_large_k;
SELECT pg_temp.stops_in_time($q$SELECT count(*) FROM medres.accessibility('SELECT * FROM sup', 'SELECT * FROM dem', catchment => 2000)$q$) AS fca2;
SELECT pg_temp.stops_in_time($q$SELECT count(*) FROM medres.accessibility('SELECT * FROM sup', 'SELECT * FROM dem', method => '3sfca', catchment => 2000)$q$) AS fca3;
SELECT pg_temp.stops_in_time($q$SELECT count(*) FROM medres.accessibility('SELECT * FROM sup', 'SELECT * FROM dem', method => 'gravity', decay => 'gaussian', decay_param => 100)$q$) AS gravity;
SELECT pg_temp.stops_in_time($q$SELECT medres.moran('SELECT * FROM pts_v', 'SELECT * FROM pts_w', permutations => 1000000)$q$) AS moran;
SELECT pg_temp.stops_in_time($q$SELECT count(*) FROM medres.lisa('SELECT * FROM pts_v', 'SELECT * FROM pts_w', permutations => 1000000)$q$) AS lisa;
RESET statement_timeout;

-- memory: the links of knn take 2 x n k x 16 bytes (the links and the sort's copy):
-- 2 x 30000 x 29999 x 16 B = 28,799,040,000 B = 27464 MB > 1024 MB, the default limit
SELECT pg_temp.err($q$SELECT count(*) FROM medres.spatial_weights('SELECT id, geom FROM pts', 'knn', k => 29999)$q$);
-- and every array that grows with the input: the 100,000 demand points take 96 bytes each
-- (coordinates, grid and sort), 9.6 MB; the links of a distance band of 50 are ~7 million
SET medres.memory_limit = '4MB';
SELECT pg_temp.err($q$SELECT count(*) FROM medres.accessibility('SELECT * FROM sup', 'SELECT * FROM dem', catchment => 10)$q$);
SELECT pg_temp.err($q$SELECT count(*) FROM medres.spatial_weights('SELECT id, geom FROM pts', 'distance', distance => 50)$q$);
RESET medres.memory_limit;
-- work parameters: k at most n - 1, permutations at most 1,000,000 (22023 above)
SELECT pg_temp.err($q$SELECT count(*) FROM medres.spatial_weights('SELECT id, geom FROM cell', 'knn', k => 25)$q$);
SELECT pg_temp.err($q$SELECT medres.moran('SELECT id, value FROM cell', 'SELECT * FROM cell_w', permutations => 1000001)$q$);
SELECT pg_temp.err($q$SELECT count(*) FROM medres.lisa('SELECT id, value FROM cell', 'SELECT * FROM cell_w', permutations => -1)$q$);
DROP TABLE pts, dem, sup, pts_w, pts_v;

-- knn on 300 points of a 51 x 51 lattice (many equal distances), k = 3, 40 and 299 (all
-- others): the same links as ranking every pair in plain SQL by (distance, id); expect 0
SELECT setseed(0.25);
CREATE TABLE lattice_pts AS
SELECT i AS id, ST_MakePoint(round(random() * 50), round(random() * 50)) AS geom FROM generate_series(1, 300) i;
CREATE FUNCTION pg_temp.knn_different(k int) RETURNS bigint LANGUAGE sql AS $$
    WITH m AS (SELECT i, j FROM medres.spatial_weights('SELECT id, geom FROM lattice_pts', 'knn', k => k)),
         s AS (SELECT i, j FROM (SELECT a.id AS i, b.id AS j,
                                        row_number() OVER (PARTITION BY a.id ORDER BY ST_Distance(a.geom, b.geom), b.id) AS rn
                                 FROM lattice_pts a, lattice_pts b WHERE a.id <> b.id) r
               WHERE rn <= k)
    SELECT count(*) FROM ((SELECT * FROM m EXCEPT SELECT * FROM s) UNION ALL (SELECT * FROM s EXCEPT SELECT * FROM m)) x $$;
SELECT k, pg_temp.knn_different(k) AS different FROM (VALUES (3), (40), (299)) kk(k) ORDER BY k;
DROP TABLE lattice_pts;

-- hostile numbers.  Far coordinates: the facility at (1e308, 0) reaches (1e308, 1e308) at
-- 1e308 <= catchment but not (-1e308, 0) at 2e308; 10 beds over 4 + 4 people = 1.25.
SELECT id, score FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(1e308, 0) AS geom, 10 AS beds',
    'SELECT * FROM (VALUES (1, ST_MakePoint(-1e308, 0), 1), (2, ST_MakePoint(1e308, 0), 4),
                           (3, ST_MakePoint(1e308, 1e308), 4)) v(id, geom, pop)', catchment => 1e308)
ORDER BY id;
-- the largest double as catchment: the same pairs
SELECT id, score FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(1e308, 0) AS geom, 10 AS beds',
    'SELECT * FROM (VALUES (1, ST_MakePoint(-1e308, 0), 1), (2, ST_MakePoint(1e308, 1e308), 4)) v(id, geom, pop)',
    catchment => 1.7976931348623157e308)
ORDER BY id;
-- supply 1e308 over two villages of 1e308 people: R = 1/2, A = 0.5 each; the same with 5e-324
SELECT id, score FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 1e308::float8 AS beds',
    'SELECT * FROM (VALUES (1, ST_MakePoint(1, 0), 1e308::float8), (2, ST_MakePoint(2, 0), 1e308::float8)) v(id, geom, pop)',
    catchment => 5) ORDER BY id;
SELECT id, score FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 5e-324::float8 AS beds',
    'SELECT * FROM (VALUES (1, ST_MakePoint(1, 0), 5e-324::float8), (2, ST_MakePoint(2, 0), 5e-324::float8)) v(id, geom, pop)',
    method => 'ratio', catchment => 5) ORDER BY id;
-- 1e308 beds for 5e-324 people: 2e631 is beyond the double range
SELECT pg_temp.err($q$SELECT * FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 1e308::float8 AS beds', 'SELECT 1 AS id, ST_MakePoint(1, 0) AS geom, 5e-324::float8 AS pop', catchment => 5)$q$);
-- one facility and one unit: A = S f / (P f) = S / P = 10/4 = 2.5 however small f is, here
-- exp(-(3/1e-150)^2/2) and 3^-1e308 (both underflow; their logarithms do not)
SELECT score FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 10 AS beds',
    'SELECT 1 AS id, ST_MakePoint(3, 0) AS geom, 4 AS pop', method => 'gravity', decay => 'gaussian', decay_param => 1e-150);
SELECT score FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 10 AS beds',
    'SELECT 1 AS id, ST_MakePoint(3, 0) AS geom, 4 AS pop', method => '3sfca', catchment => 10, decay => 'power', decay_param => 1e308);
-- where even the logarithm overflows ((1/1e-200)^2 / 2 = 5e399): 22003 naming decay_param
SELECT pg_temp.err($q$SELECT * FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 10 AS beds', 'SELECT 1 AS id, ST_MakePoint(1, 0) AS geom, 4 AS pop', method => 'gravity', decay => 'gaussian', decay_param => 1e-200)$q$);
-- band weights 1e308 and 5e-324: R = 10 / (4e308 + 2e-323) = 2.5e-308; A1 = R 1e308 = 2.5,
-- A2 = R 5e-324 (below the smallest double: 0)
SELECT id, score FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 10 AS beds',
    'SELECT * FROM (VALUES (1, ST_MakePoint(1, 0), 4), (2, ST_MakePoint(2, 0), 4)) v(id, geom, pop)',
    method => 'e2sfca', bands => '{1, 2}', band_weights => '{1e308, 5e-324}') ORDER BY id;

-- inverse-distance weights of points 1e-200 and 2e-200 from unit 1, alpha = 2: d^-2 = 1e400
-- and 2.5e399 (beyond the double range), in the ratio 4 : 1, so 0.8 and 0.2 row-standardised;
-- unstandardised they are not representable (22003)
SELECT i, j, w FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakePoint(0, 0)), (2, ST_MakePoint(1e-200, 0)),
    (3, ST_MakePoint(-2e-200, 0))) v(id, geom)', 'distance', distance => 1, inverse => 2) WHERE i = 1;
SELECT pg_temp.err($q$SELECT * FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakePoint(0, 0)), (2, ST_MakePoint(1e-200, 0))) v(id, geom)', 'distance', distance => 1, inverse => 2, row_standardize => false)$q$);
-- knn at 1e308: unit 1 is 2e308 (beyond the double range) from every other, so the tie
-- goes to the lower id, 2; 2 -> 3 (1e308), 3 -> 4 (0.5e308), 4 -> 3
SELECT i, j FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakePoint(-1e308, 0)), (2, ST_MakePoint(1e308, 0)),
    (3, ST_MakePoint(1e308, 1e308)), (4, ST_MakePoint(1.5e308, 1e308))) v(id, geom)', 'knn', k => 1);

-- Moran's I does not depend on the scale of values or weights: values x 1e307 and weights
-- x 1e308 give R spdep's 0.23085931 and randomisation deviate 1.790605 (above)
SELECT round((m).i::numeric, 8) AS i, round((m).z_random::numeric, 6) AS z_random
FROM (SELECT medres.moran('SELECT id, value * 1e307 AS value FROM cell', 'SELECT i, j, w * 1e308 AS w FROM cell_w') AS m) s;
-- LISA's I_i scales with the weights: 1e308 x R's 0.9577159 and 1.0567195; z does not
SELECT id, round((ii / 1e308)::numeric, 7) AS ii_over_1e308, round(z::numeric, 7) AS z
FROM medres.lisa('SELECT id, value FROM cell', 'SELECT i, j, w * 1e308 AS w FROM cell_w') WHERE id < 2 ORDER BY id;
-- cell 2's I_i = 1.3633112 x 1.7e308 is beyond the double range
SELECT pg_temp.err($q$SELECT * FROM medres.lisa('SELECT id, value FROM cell', 'SELECT i, j, w * 1.7e308 AS w FROM cell_w')$q$);
-- Getis-Ord z does not depend on the values' scale: R's -1.754263, -1.930919 with values x 1e307
SELECT id, round(z::numeric, 6) AS z
FROM medres.getis_ord('SELECT id, value * 1e307 AS value FROM cell', 'SELECT i, j, 1 AS w FROM cell_w') WHERE id < 2 ORDER BY id;
-- all values equal: no variance, so no z (22023), as for Moran's I (here at 1e308)
SELECT pg_temp.err($q$SELECT * FROM medres.getis_ord('SELECT id, 3 AS value FROM cell', 'SELECT i, j, 1 AS w FROM cell_w')$q$);
SELECT pg_temp.err($q$SELECT medres.moran('SELECT id, 1e308::float8 AS value FROM cell', 'SELECT * FROM cell_w')$q$);
-- one unit, no neighbours, wrong column types
SELECT pg_temp.err($q$SELECT * FROM medres.lisa('SELECT 1 AS id, 1.0 AS value', 'SELECT 1 AS i, 2 AS j, 1 AS w WHERE false')$q$);
SELECT pg_temp.err($q$SELECT medres.moran('SELECT id, value FROM cell', 'SELECT * FROM cell_w WHERE false')$q$);
SELECT pg_temp.err($q$SELECT medres.moran('SELECT id, value::text AS value FROM cell', 'SELECT * FROM cell_w')$q$);
SELECT pg_temp.err($q$SELECT * FROM medres.getis_ord('SELECT id, value FROM cell', 'SELECT i, j, NULL::float8 AS w FROM cell_w')$q$);
SELECT pg_temp.err($q$SELECT * FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 10 AS beds', 'SELECT 1 AS id, ST_MakePoint(1, 0) AS geom, 4 AS pop', catchment => 'Infinity')$q$);
SELECT pg_temp.err($q$SELECT * FROM medres.accessibility('SELECT 1 AS id, ST_MakePoint(0, 0) AS geom, 10 AS beds', 'SELECT 1 AS id, ST_MakePoint(1, 0) AS geom, 4 AS pop', method => 'gravity', decay => 'exponential', decay_param => 'NaN')$q$);

-- area_km2 measures on the sphere; what it cannot measure is 22023, not PostGIS's XX000
-- (an edge of 180 degrees of longitude) nor NaN (a NaN coordinate).  A 1 x 1 degree cell at
-- the equator is 111.320 km (a degree of longitude on the WGS 84 equator) by 110.574 km (a
-- degree of latitude there), its width shrinking by cos(0.5 degree) = 0.99996 on average:
-- 111.320 x 110.574 x 0.99996 = 12,309 km2.
SELECT round(medres.area_km2(ST_MakeEnvelope(0, 0, 1, 1, 4326))::numeric) AS one_degree_km2;
SELECT pg_temp.err($q$SELECT medres.area_km2(ST_MakeEnvelope(-180, -90, 180, 90, 4326))$q$);
SELECT pg_temp.err($q$SELECT medres.area_km2(ST_MakeEnvelope(0, 0, 'NaN', 1, 4326))$q$);
SELECT pg_temp.err($q$SELECT medres.hrdi(1, 1, ST_MakeEnvelope(-180, -90, 180, 90, 4326))$q$);
-- PostGIS failing on a geometry of the inner SQL (GEOS on a ring with a NaN corner, when
-- medres asks for its centroid) is 22023 with a hint about the geometries, not XX000
SELECT pg_temp.err($q$SELECT * FROM medres.spatial_weights('SELECT 1 AS id, ST_MakeEnvelope(''NaN'', 0, 1, 1) AS geom', method => 'distance', distance => 3)$q$);

DROP TABLE facility, village, travel, cell, cell_w;
