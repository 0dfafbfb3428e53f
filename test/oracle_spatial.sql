\set ON_ERROR_STOP 1
-- Oracle test for medres_postgis' spatial weights and spatial autocorrelation:
-- medres.spatial_weights, medres.moran, medres.lisa, medres.getis_ord.
--
-- Compares medres with values computed independently by test/oracle_spatial.py (numpy, cross-
-- checked against R spdep 1.2-7 moran.test / localmoran / localG / poly2nb / knearneigh /
-- dnearneigh, libpysal 4.7 Rook / Queen / KNN / DistanceBand, shapely, R sf, the shipped .gal
-- files and the published test vectors of METHODS.md), stored in test/oracle/spatial_*.csv.
-- Run from the repository root, in a database with
--     CREATE EXTENSION postgis; CREATE EXTENSION medres; CREATE EXTENSION medres_postgis;
--     CREATE EXTENSION pgtap;
-- as
--     pg_prove -d <db> test/oracle_spatial.sql
-- Two tests (the NOTICEs for units without neighbours) run a second psql session on the same
-- database through psql's backquote expansion, with the connection of this one (:HOST,
-- :PORT, :USER, :DBNAME; a password comes from the environment, as pg_virtualenv sets it).
--
-- Data: libpysal's sids2 (100 North Carolina counties, value SIDR74, ids FIPSNO) and stl (78
-- counties around St Louis, value HR8893, ids POLY_ID_OG), polygons as WKT in
-- spatial_units.csv; geometries with SRID 0 (planar distances, in degrees) and, for the *_arc
-- weight sets, the same coordinates with SRID 4326 (great-circle metres, R = 6371008.8,
-- between the planar ST_Centroid points).  spatial_wsets.csv gives, per weight set, the
-- spatial_weights arguments that must reproduce it; spatial_weights.csv the weights (also the
-- weights_sql of the statistics, so that moran / lisa / getis_ord are tested on the oracle's
-- own weights as well as end to end on medres.spatial_weights' output).
--
-- Agreement required: |got - expected| <= tol * max(|expected|, 1e-300) with tol = 1e-8 for the
-- statistics (Moran's n exactly), 1e-12 for binary and row-standardised weights and 1e-9 for
-- inverse-distance weights; the (i, j) link sets exactly.
--
-- Tests:
--   * the functions and the type medres.moran_result exist with the contract's signatures;
--   * spatial_weights: one is(problems, '{}') per (data set, weight set): the links equal the
--     oracle's exactly (rook = the .gal file; queen = libpysal; knn k = 4 and distance band,
--     planar and great-circle; inverse distance d^-1 planar and d^-2 in metres), no link twice,
--     weights within tolerance (1, 1/|N(i)|, d^-p, d^-p / row sum);
--   * moran: one is(mismatches, '{}') per (data set, weight set, form) over n, i, expected,
--     variance_normal, z_normal, p_normal, variance_random, z_random, p_random; forms:
--     'oracle weights' (weights_sql = the oracle's weights), 'spatial_weights' (weights_sql =
--     SELECT * FROM medres.spatial_weights(...) with the arguments of spatial_wsets.csv) and
--     'columns reordered' (values_sql SELECT value, id; weights_sql SELECT w, j, i);
--     the published vectors of METHODS.md to their printed digits (sids2 / stl rook, end to
--     end from spatial_weights);
--   * moran permutations: p_permutation in [1/(R+1), 1] and a multiple of 1/(R+1); the same
--     seed gives the same p; permutations = 0 gives p_permutation NULL and permutations 0;
--     for sids2 / stl rook (|z_random| > 3.9) p_permutation <= 0.1 (Cantelli's inequality
--     bounds the exact permutation tail by 1/(1 + 3.9^2) < 0.062);
--   * lisa: one is(mismatches, '{}') per (data set, weight set, form): ii and z (spdep's
--     Z.Ii) within 1e-8, quadrant (HH / LL / HL / LH, zero counting as low), one row per unit,
--     p_sim in [1/(R+1), 1] and a multiple of 1/(R+1), significance = the quadrant when
--     p_sim <= 0.05 else 'not significant'; p_sim <= 0.1 wherever |Z.Ii| >= 4 (Cantelli:
--     the exact conditional permutation tail is <= 1/17); the same seed gives the same
--     p_sim, another seed different ones;
--   * getis_ord: one is(mismatches, '{}') per (data set, weight set, star, form): gi, z (spdep
--     localG) and p within 1e-8;
--   * spatial_weights on small synthetic cases worked out by hand: snapping (queen / rook with
--     snap 0, 0.0001, 0.001 on squares 0.0003 apart), knn ties (k = 2 on points at equal
--     distances: the lower id wins), the distance band's "<=" (a pair exactly at the
--     distance is in), inverse-distance weights row-standardised (to 9 decimals);
--   * units without neighbours (a small synthetic example: three unit squares and a far one,
--     id 4242): spatial_weights gives it no rows and raises a NOTICE naming it; lisa gives it
--     a row with NULL ii / z / p_sim and raises a NOTICE naming it;
--   * bad input raises SQLSTATE 22023: for moran, lisa and getis_ord, values_sql without a
--     value column, duplicate ids, a NaN value, a weight whose i or j is not an id of
--     values_sql, a negative weight; for spatial_weights, duplicate ids and an unknown method.
-- The medres calls are made through EXECUTE inside exception handlers (or pgTAP's
-- throws_ok), so a missing or failing function gives failed tests, not an aborted script.

\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS pgtap;

-- ------------------------------------------------------------------------------------
-- NOTICEs, from a second session (stderr of psql; the stdout of the query is dropped)
-- ------------------------------------------------------------------------------------
\set sp_notice_weights `echo "SET client_min_messages = notice; SELECT count(*) FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakeEnvelope(0, 0, 1, 1)), (2, ST_MakeEnvelope(1, 0, 2, 1)), (3, ST_MakeEnvelope(0, 1, 1, 2)), (4242, ST_MakeEnvelope(10, 10, 11, 11))) u(id, geom)', 'queen');" | psql -X -q -h :'HOST' -p :'PORT' -U :'USER' -d :'DBNAME' 2>&1 >/dev/null`
\set sp_notice_lisa `echo "SET client_min_messages = notice; SELECT count(*) FROM medres.lisa('SELECT * FROM (VALUES (1, CAST(1 AS float8)), (2, 2), (3, 4), (4, 7), (4242, 5)) v(id, value)', 'SELECT * FROM (VALUES (1, 2, CAST(1 AS float8)), (2, 1, 1), (2, 3, 1), (3, 2, 1), (3, 4, 1), (4, 3, 1), (4, 1, 1), (1, 4, 1)) w(i, j, w)', 99, 1);" | psql -X -q -h :'HOST' -p :'PORT' -U :'USER' -d :'DBNAME' 2>&1 >/dev/null`

BEGIN;

-- ------------------------------------------------------------------------------------
-- data
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE sp_units (
    dataset text NOT NULL, id bigint NOT NULL, name text NOT NULL, value float8 NOT NULL,
    wkt text NOT NULL, PRIMARY KEY (dataset, id));
\copy sp_units FROM 'test/oracle/spatial_units.csv' csv header
CREATE TEMP TABLE sp_wsets (
    dataset text NOT NULL, wset text NOT NULL, method text, k int, distance float8,
    inverse float8, row_standardize boolean, srid int NOT NULL, links int NOT NULL,
    PRIMARY KEY (dataset, wset));
\copy sp_wsets FROM 'test/oracle/spatial_wsets.csv' csv header
CREATE TEMP TABLE sp_weights (
    dataset text NOT NULL, wset text NOT NULL, i bigint NOT NULL, j bigint NOT NULL,
    w float8 NOT NULL, PRIMARY KEY (dataset, wset, i, j));
\copy sp_weights FROM 'test/oracle/spatial_weights.csv' csv header
CREATE TEMP TABLE sp_moran (
    dataset text NOT NULL, wset text NOT NULL, stat text NOT NULL, expected float8 NOT NULL,
    PRIMARY KEY (dataset, wset, stat));
\copy sp_moran FROM 'test/oracle/spatial_moran.csv' csv header
CREATE TEMP TABLE sp_lisa (
    dataset text NOT NULL, wset text NOT NULL, id bigint NOT NULL, ii float8 NOT NULL,
    e_ii float8 NOT NULL, var_ii float8 NOT NULL, z_ii float8 NOT NULL, quadrant text NOT NULL,
    PRIMARY KEY (dataset, wset, id));
\copy sp_lisa FROM 'test/oracle/spatial_lisa.csv' csv header
CREATE TEMP TABLE sp_getis (
    dataset text NOT NULL, wset text NOT NULL, star boolean NOT NULL, id bigint NOT NULL,
    gi float8 NOT NULL, z float8 NOT NULL, p float8 NOT NULL,
    PRIMARY KEY (dataset, wset, star, id));
\copy sp_getis FROM 'test/oracle/spatial_getis.csv' csv header

-- the polygons, planar (SRID 0) and longitude/latitude (SRID 4326)
CREATE TEMP TABLE sp_geom AS
    SELECT dataset, id, ST_GeomFromText(wkt, 0) AS g0, ST_GeomFromText(wkt, 4326) AS g4326
    FROM sp_units;
ALTER TABLE sp_geom ADD PRIMARY KEY (dataset, id);
ANALYZE sp_units;
ANALYZE sp_weights;
ANALYZE sp_geom;

-- inner SQL builders
CREATE FUNCTION pg_temp.sp_values(ds text) RETURNS text LANGUAGE sql IMMUTABLE
    RETURN format('SELECT id, value FROM sp_units WHERE dataset = %L', ds);
CREATE FUNCTION pg_temp.sp_wsql(ds text, ws text) RETURNS text LANGUAGE sql IMMUTABLE
    RETURN format('SELECT i, j, w FROM sp_weights WHERE dataset = %L AND wset = %L', ds, ws);
CREATE FUNCTION pg_temp.sp_units_sql(ds text, srid int) RETURNS text LANGUAGE sql IMMUTABLE
    RETURN format('SELECT id, %s AS geom FROM sp_geom WHERE dataset = %L',
                  CASE srid WHEN 0 THEN 'g0' ELSE 'g4326' END, ds);
-- the medres.spatial_weights call that must reproduce a weight set (NULL if none can)
CREATE FUNCTION pg_temp.sp_sw_call(s sp_wsets) RETURNS text LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN s.method IS NOT NULL THEN
        format('SELECT i, j, w FROM medres.spatial_weights(%L, %L, k => %s, distance => %s, '
               'inverse => %s, row_standardize => %L)',
               pg_temp.sp_units_sql(s.dataset, s.srid), s.method,
               coalesce(s.k::text, 'NULL'), coalesce(s.distance::text || '::float8', 'NULL'),
               coalesce(s.inverse::text || '::float8', 'NULL'), s.row_standardize) END;

-- ------------------------------------------------------------------------------------
-- compute medres' results
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE sp_errors (what text, dataset text, wset text, form text, message text);

CREATE FUNCTION pg_temp.sp_try(what text, ds text, ws text, form text, ins text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE ins;
EXCEPTION WHEN others THEN
    INSERT INTO sp_errors VALUES (what, ds, ws, form, SQLSTATE || ': ' || SQLERRM);
END
$$;

-- spatial_weights
CREATE TEMP TABLE sp_w_got (dataset text, wset text, i bigint, j bigint, w float8);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('weights', s.dataset, s.wset, 'spatial_weights',
               format('INSERT INTO sp_w_got SELECT %L, %L, q.i, q.j, q.w FROM (%s) q',
                      s.dataset, s.wset, pg_temp.sp_sw_call(s)))
    FROM sp_wsets s WHERE s.method IS NOT NULL ORDER BY s.dataset, s.wset;
END $do$;

-- moran: (dataset, wset, form, values_sql, weights_sql)
CREATE TEMP TABLE sp_moran_forms AS
    SELECT DISTINCT m.dataset, m.wset, 'oracle weights'::text AS form,
           pg_temp.sp_values(m.dataset) AS vsql, pg_temp.sp_wsql(m.dataset, m.wset) AS wsql
    FROM sp_moran m
    UNION ALL
    SELECT DISTINCT m.dataset, m.wset, 'spatial_weights', pg_temp.sp_values(m.dataset),
           pg_temp.sp_sw_call(s)
    FROM sp_moran m JOIN sp_wsets s USING (dataset, wset) WHERE s.method IS NOT NULL
    UNION ALL
    SELECT DISTINCT m.dataset, m.wset, 'columns reordered',
           format('SELECT value, id FROM sp_units WHERE dataset = %L', m.dataset),
           format('SELECT w, j, i FROM sp_weights WHERE dataset = %L AND wset = %L', m.dataset, m.wset)
    FROM sp_moran m WHERE m.wset = 'rook_W';

-- a local copy of moran_result's fields (so that the script runs, and fails tests, without it)
CREATE TYPE pg_temp.sp_mr AS (
    n int, i float8, expected float8, variance_normal float8, z_normal float8, p_normal float8,
    variance_random float8, z_random float8, p_random float8, p_permutation float8, permutations int);
CREATE FUNCTION pg_temp.sp_mr_of(call text) RETURNS text LANGUAGE sql IMMUTABLE
    RETURN format('SELECT ROW((m).n, (m).i, (m).expected, (m).variance_normal, (m).z_normal, (m).p_normal, '
                  '(m).variance_random, (m).z_random, (m).p_random, (m).p_permutation, '
                  '(m).permutations)::pg_temp.sp_mr FROM (SELECT %s AS m) s', call);
CREATE TEMP TABLE sp_moran_got (dataset text, wset text, form text, r pg_temp.sp_mr);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('moran', f.dataset, f.wset, f.form,
               format('INSERT INTO sp_moran_got SELECT %L, %L, %L, r FROM (%s) x(r)',
                      f.dataset, f.wset, f.form,
                      pg_temp.sp_mr_of(format('medres.moran(%L, %L, 99, 7)', f.vsql, f.wsql))))
    FROM sp_moran_forms f ORDER BY f.dataset, f.wset, f.form;
END $do$;

CREATE TEMP TABLE sp_moran_got_long AS
    SELECT g.dataset, g.wset, g.form, v.stat, v.got
    FROM sp_moran_got g
    CROSS JOIN LATERAL (VALUES ('n', (g.r).n::float8), ('i', (g.r).i), ('expected', (g.r).expected),
                               ('variance_normal', (g.r).variance_normal), ('z_normal', (g.r).z_normal),
                               ('p_normal', (g.r).p_normal), ('variance_random', (g.r).variance_random),
                               ('z_random', (g.r).z_random), ('p_random', (g.r).p_random)) v(stat, got);

-- moran permutations: the same seed twice, another seed, permutations = 0 (sids2 / stl rook_W)
CREATE TEMP TABLE sp_moran_perm (dataset text, run text, r pg_temp.sp_mr);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('moran perm', d.dataset, 'rook_W', x.run,
               format('INSERT INTO sp_moran_perm SELECT %L, %L, r FROM (%s) x(r)', d.dataset, x.run,
                      pg_temp.sp_mr_of(format('medres.moran(%L, %L, %s, %s)', pg_temp.sp_values(d.dataset),
                                              pg_temp.sp_wsql(d.dataset, 'rook_W'), x.perms, x.seed))))
    FROM (VALUES ('sids2'), ('stl')) d(dataset)
    CROSS JOIN (VALUES ('seed 42 a', 999, 42), ('seed 42 b', 999, 42), ('seed 43', 999, 43),
                       ('no permutations', 0, 42)) x(run, perms, seed)
    ORDER BY d.dataset, x.run;
END $do$;
-- the defaults (permutations 999, seed 0)
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('moran perm', d.dataset, 'rook_W', 'defaults',
               format('INSERT INTO sp_moran_perm SELECT %L, %L, r FROM (%s) x(r)', d.dataset, 'defaults',
                      pg_temp.sp_mr_of(format('medres.moran(%L, %L)', pg_temp.sp_values(d.dataset),
                                              pg_temp.sp_wsql(d.dataset, 'rook_W')))))
    FROM (VALUES ('sids2'), ('stl')) d(dataset) ORDER BY d.dataset;
END $do$;

-- lisa
CREATE TEMP TABLE sp_lisa_forms AS
    SELECT DISTINCT l.dataset, l.wset, 'oracle weights'::text AS form,
           pg_temp.sp_values(l.dataset) AS vsql, pg_temp.sp_wsql(l.dataset, l.wset) AS wsql
    FROM sp_lisa l
    UNION ALL
    SELECT DISTINCT l.dataset, l.wset, 'spatial_weights', pg_temp.sp_values(l.dataset),
           pg_temp.sp_sw_call(s)
    FROM sp_lisa l JOIN sp_wsets s USING (dataset, wset) WHERE s.method IS NOT NULL AND l.wset = 'rook_W';
CREATE TEMP TABLE sp_lisa_got (
    dataset text, wset text, form text, id bigint, ii float8, z float8, p_sim float8,
    quadrant text, significance text);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('lisa', f.dataset, f.wset, f.form,
               format('INSERT INTO sp_lisa_got SELECT %L, %L, %L, q.id, q.ii, q.z, q.p_sim, q.quadrant, '
                      'q.significance FROM medres.lisa(%L, %L, 999, 11) q',
                      f.dataset, f.wset, f.form, f.vsql, f.wsql))
    FROM sp_lisa_forms f ORDER BY f.dataset, f.wset, f.form;
END $do$;

CREATE TEMP TABLE sp_lisa_perm (dataset text, run text, id bigint, p_sim float8);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('lisa perm', d.dataset, 'rook_W', x.run,
               format('INSERT INTO sp_lisa_perm SELECT %L, %L, q.id, q.p_sim FROM medres.lisa(%L, %L, 999, %s) q',
                      d.dataset, x.run, pg_temp.sp_values(d.dataset), pg_temp.sp_wsql(d.dataset, 'rook_W'), x.seed))
    FROM (VALUES ('sids2'), ('stl')) d(dataset)
    CROSS JOIN (VALUES ('seed 42 a', 42), ('seed 42 b', 42), ('seed 43', 43)) x(run, seed)
    ORDER BY d.dataset, x.run;
END $do$;

-- getis_ord
CREATE TEMP TABLE sp_getis_forms AS
    SELECT DISTINCT g.dataset, g.wset, g.star, 'oracle weights'::text AS form,
           pg_temp.sp_values(g.dataset) AS vsql, pg_temp.sp_wsql(g.dataset, g.wset) AS wsql
    FROM sp_getis g
    UNION ALL
    SELECT DISTINCT g.dataset, g.wset, g.star, 'spatial_weights', pg_temp.sp_values(g.dataset),
           pg_temp.sp_sw_call(s)
    FROM sp_getis g JOIN sp_wsets s USING (dataset, wset) WHERE s.method IS NOT NULL;
CREATE TEMP TABLE sp_getis_got (
    dataset text, wset text, star boolean, form text, id bigint, gi float8, z float8, p float8);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('getis_ord', f.dataset, f.wset, f.form || CASE WHEN f.star THEN ' star' ELSE ' no star' END,
               format('INSERT INTO sp_getis_got SELECT %L, %L, %L, %L, q.id, q.gi, q.z, q.p '
                      'FROM medres.getis_ord(%L, %L, %L) q',
                      f.dataset, f.wset, f.star, f.form, f.vsql, f.wsql, f.star))
    FROM sp_getis_forms f ORDER BY f.dataset, f.wset, f.star, f.form;
END $do$;

-- units without neighbours
CREATE TEMP TABLE sp_island_w (i bigint, j bigint, w float8);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('island', 'synthetic', 'queen', 'spatial_weights', $q$
        INSERT INTO sp_island_w SELECT i, j, w FROM medres.spatial_weights(
            'SELECT * FROM (VALUES (1, ST_MakeEnvelope(0, 0, 1, 1)), (2, ST_MakeEnvelope(1, 0, 2, 1)),
                                   (3, ST_MakeEnvelope(0, 1, 1, 2)),
                                   (4242, ST_MakeEnvelope(10, 10, 11, 11))) u(id, geom)',
            'queen', row_standardize => false) $q$);
END $do$;
CREATE TEMP TABLE sp_island_w_rook (i bigint, j bigint, w float8);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('island', 'synthetic', 'rook', 'spatial_weights', $q$
        INSERT INTO sp_island_w_rook SELECT i, j, w FROM medres.spatial_weights(
            'SELECT * FROM (VALUES (1, ST_MakeEnvelope(0, 0, 1, 1)), (2, ST_MakeEnvelope(1, 0, 2, 1)),
                                   (3, ST_MakeEnvelope(0, 1, 1, 2)),
                                   (4242, ST_MakeEnvelope(10, 10, 11, 11))) u(id, geom)',
            'rook') $q$);
END $do$;
CREATE TEMP TABLE sp_island_lisa (id bigint, ii float8, z float8, p_sim float8, quadrant text,
                                  significance text);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('island', 'synthetic', 'ring', 'lisa', $q$
        INSERT INTO sp_island_lisa SELECT * FROM medres.lisa(
            'SELECT * FROM (VALUES (1, CAST(1 AS float8)), (2, 2), (3, 4), (4, 7), (4242, 5)) v(id, value)',
            'SELECT * FROM (VALUES (1, 2, CAST(1 AS float8)), (2, 1, 1), (2, 3, 1), (3, 2, 1), (3, 4, 1),
                                   (4, 3, 1), (4, 1, 1), (1, 4, 1)) w(i, j, w)', 99, 1) $q$);
END $do$;

-- small synthetic cases for spatial_weights: snapping, knn ties, the distance band's <=
-- (expected link lists worked out by hand in the comments)
CREATE TEMP TABLE sp_synth (seq serial, name text, call text, expected text[]);
INSERT INTO sp_synth (name, call, expected) VALUES
-- squares 1 = [0,1]x[0,1], 2 = [1.0003,2]x[0,1], 3 = [1.0003,2]x[1.0003,2]: gaps of 0.0003;
-- vertex distances 1-2 0.0003 (two pairs), 1-3 0.000424 (one corner), 2-3 0.0003 (two pairs)
('queen, snap 0: squares 0.0003 apart share no vertex',
 $c$SELECT i, j, w FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakeEnvelope(0, 0, 1, 1)), (2, ST_MakeEnvelope(1.0003, 0, 2, 1)), (3, ST_MakeEnvelope(1.0003, 1.0003, 2, 2))) u(id, geom)', 'queen', row_standardize => false)$c$,
 '{}'),
('queen, snap 0.001: vertices within 0.001 are shared (1-2, 1-3 by a corner, 2-3)',
 $c$SELECT i, j, w FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakeEnvelope(0, 0, 1, 1)), (2, ST_MakeEnvelope(1.0003, 0, 2, 1)), (3, ST_MakeEnvelope(1.0003, 1.0003, 2, 2))) u(id, geom)', 'queen', snap => 0.001, row_standardize => false)$c$,
 '{1-2:1,1-3:1,2-1:1,2-3:1,3-1:1,3-2:1}'),
('rook, snap 0.001: an edge whose two ends are within 0.001 is shared (1-2, 2-3; 1-3 only a corner)',
 $c$SELECT i, j, w FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakeEnvelope(0, 0, 1, 1)), (2, ST_MakeEnvelope(1.0003, 0, 2, 1)), (3, ST_MakeEnvelope(1.0003, 1.0003, 2, 2))) u(id, geom)', 'rook', snap => 0.001, row_standardize => false)$c$,
 '{1-2:1,2-1:1,2-3:1,3-2:1}'),
('queen, snap 0.0001: gaps of 0.0003 stay gaps',
 $c$SELECT i, j, w FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakeEnvelope(0, 0, 1, 1)), (2, ST_MakeEnvelope(1.0003, 0, 2, 1)), (3, ST_MakeEnvelope(1.0003, 1.0003, 2, 2))) u(id, geom)', 'queen', snap => 0.0001, row_standardize => false)$c$,
 '{}'),
-- points 1 (0,0), 2 (1,0), 3 (0,1), 4 (-1,0), 5 (0,-1), 6 (2,0), SRID 0.  k = 2, ties to the
-- lower id: 1: 2,3,4,5 at 1 -> {2,3}; 2: 1,6 at 1; 3: 1, then 2,4 at sqrt 2 -> {1,2};
-- 4: 1, then 3,5 at sqrt 2 -> {1,3}; 5: 1, then 2,4 at sqrt 2 -> {1,2}; 6: 2 at 1, 1 at 2
('knn k = 2 on points with ties: the lower id wins',
 $c$SELECT i, j, w FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakePoint(0, 0)), (2, ST_MakePoint(1, 0)), (3, ST_MakePoint(0, 1)), (4, ST_MakePoint(-1, 0)), (5, ST_MakePoint(0, -1)), (6, ST_MakePoint(2, 0))) u(id, geom)', 'knn', k => 2, row_standardize => false)$c$,
 '{1-2:1,1-3:1,2-1:1,2-6:1,3-1:1,3-2:1,4-1:1,4-3:1,5-1:1,5-2:1,6-1:1,6-2:1}'),
-- the same points, distance <= 1 (exactly 1 is in): 1: 2,3,4,5; 2: 1,6; 3,4,5: 1; 6: 2
('distance 1 on the same points: a pair exactly 1 apart is in (d <= distance)',
 $c$SELECT i, j, w FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakePoint(0, 0)), (2, ST_MakePoint(1, 0)), (3, ST_MakePoint(0, 1)), (4, ST_MakePoint(-1, 0)), (5, ST_MakePoint(0, -1)), (6, ST_MakePoint(2, 0))) u(id, geom)', 'distance', distance => 1, row_standardize => false)$c$,
 '{1-2:1,1-3:1,1-4:1,1-5:1,2-1:1,2-6:1,3-1:1,4-1:1,5-1:1,6-2:1}'),
-- inverse 2 with distance 2.5 and row standardisation, unit 6 (2,0): 2 at 1 (w 1), 1 at 2
-- (w 1/4), 3 and 5 at sqrt 5 (w 1/5 each): row sum 1.65 -> 1/1.65, 0.25/1.65, 0.2/1.65 x 2
('distance 2.5, inverse 2, row-standardised: the weights of unit 6',
 $c$SELECT i, j, w FROM medres.spatial_weights('SELECT * FROM (VALUES (1, ST_MakePoint(0, 0)), (2, ST_MakePoint(1, 0)), (3, ST_MakePoint(0, 1)), (4, ST_MakePoint(-1, 0)), (5, ST_MakePoint(0, -1)), (6, ST_MakePoint(2, 0))) u(id, geom)', 'distance', distance => 2.5, inverse => 2) WHERE i = 6$c$,
 format('{6-1:%s,6-2:%s,6-3:%s,6-5:%s}', round(0.25 / 1.65, 9)::float8, round(1 / 1.65, 9)::float8,
        round(0.2 / 1.65, 9)::float8, round(0.2 / 1.65, 9)::float8)::text[]);
CREATE TEMP TABLE sp_synth_got (seq int, i bigint, j bigint, w float8);
DO $do$ BEGIN
    PERFORM pg_temp.sp_try('synthetic', 'synthetic', s.seq::text, 'spatial_weights',
               format('INSERT INTO sp_synth_got SELECT %s, q.i, q.j, q.w FROM (%s) q', s.seq, s.call))
    FROM sp_synth s ORDER BY s.seq;
END $do$;

ANALYZE sp_w_got;
ANALYZE sp_lisa_got;
ANALYZE sp_getis_got;

-- ------------------------------------------------------------------------------------
-- collect the tests: (passed, description) for ok(), (have, description) for
-- is(have, '{}'::text[]), or a query running one pgTAP function
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE sp_tests (seq serial, kind text, passed boolean, have text[], descr text, q text);

CREATE FUNCTION pg_temp.sp_errs(p_what text, p_ds text, p_ws text, p_form text) RETURNS text[]
LANGUAGE sql STABLE RETURN coalesce(
    (SELECT array_agg(DISTINCT 'error: ' || e.message) FROM sp_errors e
     WHERE e.what = p_what AND e.dataset IS NOT DISTINCT FROM p_ds AND e.wset IS NOT DISTINCT FROM p_ws
       AND e.form IS NOT DISTINCT FROM p_form), '{}'::text[]);

-- at most 12 messages, then a count
CREATE FUNCTION pg_temp.sp_cut(a text[]) RETURNS text[] LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN cardinality(a) > 12 THEN a[1:12] || format('... and %s more', cardinality(a) - 12)
                ELSE coalesce(a, '{}'::text[]) END;

CREATE FUNCTION pg_temp.sp_bad(got float8, exp float8, tol float8) RETURNS boolean
LANGUAGE sql IMMUTABLE
    RETURN got IS NULL OR NOT (abs(got - exp) <= tol * greatest(abs(exp), 1e-300));

INSERT INTO sp_tests (kind, passed, descr)
SELECT 'ok', (SELECT count(*) FROM sp_units) = 178 AND (SELECT count(*) FROM sp_weights) > 0
             AND (SELECT count(*) FROM sp_moran) > 0 AND (SELECT count(*) FROM sp_lisa) > 0
             AND (SELECT count(*) FROM sp_getis) > 0,
       format('oracle files loaded: %s units, %s weight sets (%s weights), %s Moran values, %s LISA rows, %s Getis-Ord rows',
              (SELECT count(*) FROM sp_units), (SELECT count(*) FROM sp_wsets),
              (SELECT count(*) FROM sp_weights), (SELECT count(*) FROM sp_moran),
              (SELECT count(*) FROM sp_lisa), (SELECT count(*) FROM sp_getis));

-- signatures
INSERT INTO sp_tests (kind, q) VALUES
('pgtap', $t$SELECT has_function('medres', 'spatial_weights',
    ARRAY['text', 'text', 'integer', 'double precision', 'double precision', 'double precision', 'boolean'],
    'medres.spatial_weights(text, text, int, float8, float8, float8, boolean) exists')$t$),
('pgtap', $t$SELECT has_function('medres', 'moran', ARRAY['text', 'text', 'integer', 'bigint'],
    'medres.moran(text, text, int, bigint) exists')$t$),
('pgtap', $t$SELECT has_function('medres', 'lisa',
    ARRAY['text', 'text', 'integer', 'bigint', 'double precision'],
    'medres.lisa(text, text, int, bigint, float8) exists')$t$),
('pgtap', $t$SELECT has_function('medres', 'getis_ord', ARRAY['text', 'text', 'boolean'],
    'medres.getis_ord(text, text, boolean) exists')$t$),
('pgtap', $t$SELECT is(
    (SELECT array_agg(attname::text || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum)
     FROM pg_attribute
     WHERE attrelid = (SELECT typrelid FROM pg_type WHERE oid = to_regtype('medres.moran_result'))
       AND attnum > 0 AND NOT attisdropped),
    ARRAY['n integer', 'i double precision', 'expected double precision',
          'variance_normal double precision', 'z_normal double precision', 'p_normal double precision',
          'variance_random double precision', 'z_random double precision', 'p_random double precision',
          'p_permutation double precision', 'permutations integer'],
    'medres.moran_result has the fields of the contract')$t$),
('pgtap', $t$SELECT is(
    (SELECT pg_get_function_result(to_regprocedure('medres.lisa(text, text, integer, bigint, double precision)'))),
    'TABLE(id bigint, ii double precision, z double precision, p_sim double precision, quadrant text, significance text)',
    'medres.lisa returns TABLE(id bigint, ii, z, p_sim float8, quadrant, significance text)')$t$),
('pgtap', $t$SELECT is(
    (SELECT pg_get_function_result(to_regprocedure('medres.getis_ord(text, text, boolean)'))),
    'TABLE(id bigint, gi double precision, z double precision, p double precision)',
    'medres.getis_ord returns TABLE(id bigint, gi, z, p float8)')$t$),
('pgtap', $t$SELECT is(
    (SELECT pg_get_function_result(to_regprocedure('medres.spatial_weights(text, text, integer, double precision, double precision, double precision, boolean)'))),
    'TABLE(i bigint, j bigint, w double precision)',
    'medres.spatial_weights returns TABLE(i bigint, j bigint, w float8)')$t$);

-- spatial_weights: one test per weight set
INSERT INTO sp_tests (kind, have, descr)
SELECT 'is',
       pg_temp.sp_errs('weights', s.dataset, s.wset, 'spatial_weights') || pg_temp.sp_cut(
           (SELECT array_agg(c.msg ORDER BY c.i, c.j) FROM (
                SELECT coalesce(e.i, g.i) AS i, coalesce(e.j, g.j) AS j,
                       CASE WHEN g.i IS NULL THEN format('link %s -> %s missing', e.i, e.j)
                            WHEN e.i IS NULL THEN format('link %s -> %s (w %s) is not in the oracle', g.i, g.j, g.w)
                            WHEN pg_temp.sp_bad(g.w, e.w, CASE WHEN s.inverse IS NULL THEN 1e-12 ELSE 1e-9 END)
                            THEN format('w(%s, %s) = %s, expected %s', e.i, e.j, g.w, e.w) END AS msg
                FROM (SELECT * FROM sp_weights WHERE dataset = s.dataset AND wset = s.wset) e
                FULL JOIN (SELECT * FROM sp_w_got WHERE dataset = s.dataset AND wset = s.wset) g
                  ON g.i = e.i AND g.j = e.j) c
            WHERE c.msg IS NOT NULL)
           || (SELECT array_agg(format('link %s -> %s returned %s times', i, j, cnt) ORDER BY i, j)
               FROM (SELECT i, j, count(*) AS cnt FROM sp_w_got WHERE dataset = s.dataset AND wset = s.wset
                     GROUP BY 1, 2 HAVING count(*) > 1) d)),
       format('spatial_weights %s %s (method %s%s%s%s, row_standardize %s, SRID %s): the %s links%s',
              s.dataset, s.wset, s.method, coalesce(', k ' || s.k, ''), coalesce(', distance ' || s.distance, ''),
              coalesce(', inverse ' || s.inverse, ''), s.row_standardize, s.srid, s.links,
              CASE WHEN s.wset = 'rook' THEN ' = the .gal file' ELSE '' END)
FROM sp_wsets s WHERE s.method IS NOT NULL
ORDER BY s.dataset, s.wset;

-- moran: one test per (dataset, wset, form)
INSERT INTO sp_tests (kind, have, descr)
SELECT 'is',
       pg_temp.sp_errs('moran', f.dataset, f.wset, f.form) || pg_temp.sp_cut(
           (SELECT array_agg(format('%s: got %s, expected %s', e.stat, coalesce(g.got::text, 'no result'), e.expected)
                             ORDER BY e.stat)
            FROM sp_moran e
            LEFT JOIN sp_moran_got_long g ON g.dataset = e.dataset AND g.wset = e.wset AND g.form = f.form
                                         AND g.stat = e.stat
            WHERE e.dataset = f.dataset AND e.wset = f.wset
              AND (CASE WHEN e.stat = 'n' THEN g.got IS DISTINCT FROM e.expected
                        ELSE pg_temp.sp_bad(g.got, e.expected, 1e-8) END))
           || CASE WHEN (SELECT count(*) FROM sp_moran_got g WHERE g.dataset = f.dataset AND g.wset = f.wset
                         AND g.form = f.form) > 1 THEN ARRAY['more than one result'] ELSE '{}'::text[] END),
       format('moran %s %s [%s]: n, I, E[I], variances, z and p (normal and randomisation)',
              f.dataset, f.wset, f.form)
FROM sp_moran_forms f
ORDER BY f.dataset, f.wset, f.form;

-- the published vectors, end to end from spatial_weights(rook)
INSERT INTO sp_tests (kind, have, descr)
SELECT 'is',
       pg_temp.sp_errs('moran', p.dataset, 'rook_W', 'spatial_weights') ||
       coalesce((SELECT array_agg(format('%s: got %s, published %s (+- %s)', p2.stat, coalesce(g.got::text, 'no result'),
                                         p2.val, p2.tol) ORDER BY p2.stat)
                 FROM (VALUES ('sids2', 'i', 0.24772519320480, 5e-15), ('sids2', 'expected', -0.010101, 5e-7),
                              ('sids2', 'variance_normal', 0.0044735737, 5e-11),
                              ('sids2', 'variance_random', 0.0042759651, 5e-11),
                              ('sids2', 'z_normal', 3.8547814, 5e-8),
                              ('stl', 'i', 0.24365582621772, 5e-15),
                              ('stl', 'variance_normal', 0.0049681393, 5e-11),
                              ('stl', 'variance_random', 0.0029761028, 5e-11)) p2(dataset, stat, val, tol)
                 LEFT JOIN sp_moran_got_long g ON g.dataset = p2.dataset AND g.wset = 'rook_W'
                                              AND g.form = 'spatial_weights' AND g.stat = p2.stat
                 WHERE p2.dataset = p.dataset
                   AND (g.got IS NULL OR NOT abs(g.got - p2.val::float8) <= p2.tol::float8)), '{}'::text[]),
       format('moran %s rook (medres.spatial_weights rook, row-standardised) = the published test vector of METHODS.md',
              p.dataset)
FROM (VALUES ('sids2'), ('stl')) p(dataset);

-- moran permutations
INSERT INTO sp_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(DISTINCT e.form || ': ' || e.message) FROM sp_errors e
                    WHERE e.what = 'moran perm' AND e.dataset = d.dataset), '{}'::text[])
       || coalesce((SELECT array_agg(format('%s: p_permutation %s, permutations %s', x.run, (x.r).p_permutation,
                                            (x.r).permutations) ORDER BY x.run)
                    FROM sp_moran_perm x
                    WHERE x.dataset = d.dataset AND x.run <> 'no permutations'
                      AND NOT ((x.r).permutations = 999 AND (x.r).p_permutation BETWEEN 1.0 / 1000 AND 1
                               AND abs((x.r).p_permutation * 1000 - round((x.r).p_permutation * 1000)) < 1e-6
                               AND (x.r).p_permutation <= 0.1)), '{}'::text[])
       || CASE WHEN (SELECT count(*) FROM sp_moran_perm x WHERE x.dataset = d.dataset) <> 5
               THEN ARRAY[format('%s of the 5 runs returned', (SELECT count(*) FROM sp_moran_perm x WHERE x.dataset = d.dataset))]
               ELSE '{}'::text[] END,
       format('moran %s rook_W: p_permutation (999 permutations; seeds 0, 42, 43) in [1/1000, 1], a multiple of 1/1000, <= 0.1 (Cantelli)',
              d.dataset)
FROM (VALUES ('sids2'), ('stl')) d(dataset);

INSERT INTO sp_tests (kind, passed, descr)
SELECT 'ok',
       (SELECT (a.r).p_permutation = (b.r).p_permutation FROM sp_moran_perm a, sp_moran_perm b
        WHERE a.dataset = d.dataset AND b.dataset = d.dataset AND a.run = 'seed 42 a' AND b.run = 'seed 42 b')
       IS TRUE,
       format('moran %s rook_W: the same seed (42) twice gives the same p_permutation', d.dataset)
FROM (VALUES ('sids2'), ('stl')) d(dataset);

INSERT INTO sp_tests (kind, passed, descr)
SELECT 'ok',
       (SELECT (x.r).p_permutation IS NULL AND (x.r).permutations = 0 AND abs((x.r).i - e.expected) <= 1e-8 * abs(e.expected)
        FROM sp_moran_perm x, sp_moran e
        WHERE x.dataset = d.dataset AND x.run = 'no permutations' AND e.dataset = d.dataset
          AND e.wset = 'rook_W' AND e.stat = 'i') IS TRUE,
       format('moran %s rook_W with permutations = 0: p_permutation NULL, permutations 0, I unchanged', d.dataset)
FROM (VALUES ('sids2'), ('stl')) d(dataset);

-- lisa: one test per (dataset, wset, form)
INSERT INTO sp_tests (kind, have, descr)
SELECT 'is',
       pg_temp.sp_errs('lisa', f.dataset, f.wset, f.form) || pg_temp.sp_cut(
           (SELECT array_agg(c.msg ORDER BY c.id) FROM (
                SELECT coalesce(e.id, g.id) AS id,
                       CASE WHEN g.id IS NULL THEN format('unit %s: no result', e.id)
                            WHEN e.id IS NULL THEN format('unit %s: not a unit of the data set', g.id)
                            WHEN pg_temp.sp_bad(g.ii, e.ii, 1e-8)
                            THEN format('unit %s: ii %s, expected %s', e.id, g.ii, e.ii)
                            WHEN pg_temp.sp_bad(g.z, e.z_ii, 1e-8)
                            THEN format('unit %s: z %s, expected %s (E.Ii %s, Var.Ii %s)', e.id, g.z, e.z_ii,
                                        e.e_ii, e.var_ii)
                            WHEN g.quadrant IS DISTINCT FROM e.quadrant
                            THEN format('unit %s: quadrant %s, expected %s', e.id, g.quadrant, e.quadrant)
                            WHEN g.p_sim IS NULL OR NOT (g.p_sim BETWEEN 1.0 / 1000 AND 1)
                                 OR abs(g.p_sim * 1000 - round(g.p_sim * 1000)) > 1e-6
                            THEN format('unit %s: p_sim %s is not k/1000 in [1/1000, 1]', e.id, g.p_sim)
                            WHEN g.significance IS DISTINCT FROM
                                 CASE WHEN g.p_sim <= 0.05 THEN g.quadrant ELSE 'not significant' END
                            THEN format('unit %s: significance %s with p_sim %s, quadrant %s', e.id,
                                        g.significance, g.p_sim, g.quadrant)
                            WHEN abs(e.z_ii) >= 4 AND g.p_sim > 0.1
                            THEN format('unit %s: p_sim %s with Z.Ii %s (Cantelli: tail <= 1/17)', e.id, g.p_sim, e.z_ii)
                       END AS msg
                FROM (SELECT * FROM sp_lisa WHERE dataset = f.dataset AND wset = f.wset) e
                FULL JOIN (SELECT * FROM sp_lisa_got WHERE dataset = f.dataset AND wset = f.wset AND form = f.form) g
                  ON g.id = e.id) c
            WHERE c.msg IS NOT NULL)
           || (SELECT array_agg(format('unit %s returned %s times', id, cnt) ORDER BY id)
               FROM (SELECT id, count(*) AS cnt FROM sp_lisa_got
                     WHERE dataset = f.dataset AND wset = f.wset AND form = f.form
                     GROUP BY 1 HAVING count(*) > 1) d)),
       format('lisa %s %s [%s]: ii, z (spdep Z.Ii), quadrant, p_sim / significance of %s units',
              f.dataset, f.wset, f.form, (SELECT count(*) FROM sp_lisa e WHERE e.dataset = f.dataset AND e.wset = f.wset))
FROM sp_lisa_forms f
ORDER BY f.dataset, f.wset, f.form;

-- lisa permutations
INSERT INTO sp_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(DISTINCT e.form || ': ' || e.message) FROM sp_errors e
                 WHERE e.what = 'lisa perm' AND e.dataset = d.dataset), '{}'::text[])
       || pg_temp.sp_cut((SELECT array_agg(format('unit %s: p_sim %s (seed 42) then %s (seed 42 again)', a.id, a.p_sim,
                                                  b.p_sim) ORDER BY a.id)
                          FROM sp_lisa_perm a
                          FULL JOIN (SELECT * FROM sp_lisa_perm WHERE dataset = d.dataset AND run = 'seed 42 b') b
                            ON b.id = a.id
                          WHERE a.dataset = d.dataset AND a.run = 'seed 42 a' AND a.p_sim IS DISTINCT FROM b.p_sim))
       || CASE WHEN (SELECT count(*) FROM sp_lisa_perm WHERE dataset = d.dataset AND run = 'seed 42 a') = 0
               THEN ARRAY['no result'] ELSE '{}'::text[] END,
       format('lisa %s rook_W: the same seed (42) twice gives the same p_sim for every unit', d.dataset)
FROM (VALUES ('sids2'), ('stl')) d(dataset);

INSERT INTO sp_tests (kind, passed, descr)
SELECT 'ok',
       EXISTS (SELECT 1 FROM sp_lisa_perm a JOIN sp_lisa_perm b USING (dataset, id)
               WHERE a.dataset = d.dataset AND a.run = 'seed 42 a' AND b.run = 'seed 43'
                 AND a.p_sim IS DISTINCT FROM b.p_sim),
       format('lisa %s rook_W: another seed (43) gives other p_sim values', d.dataset)
FROM (VALUES ('sids2'), ('stl')) d(dataset);

-- getis_ord: one test per (dataset, wset, star, form)
INSERT INTO sp_tests (kind, have, descr)
SELECT 'is',
       pg_temp.sp_errs('getis_ord', f.dataset, f.wset, f.form || CASE WHEN f.star THEN ' star' ELSE ' no star' END)
       || pg_temp.sp_cut(
           (SELECT array_agg(c.msg ORDER BY c.id) FROM (
                SELECT coalesce(e.id, g.id) AS id,
                       CASE WHEN g.id IS NULL THEN format('unit %s: no result', e.id)
                            WHEN e.id IS NULL THEN format('unit %s: not a unit of the data set', g.id)
                            WHEN pg_temp.sp_bad(g.gi, e.gi, 1e-8)
                            THEN format('unit %s: gi %s, expected %s', e.id, g.gi, e.gi)
                            WHEN pg_temp.sp_bad(g.z, e.z, 1e-8)
                            THEN format('unit %s: z %s, expected %s', e.id, g.z, e.z)
                            WHEN pg_temp.sp_bad(g.p, e.p, 1e-8)
                            THEN format('unit %s: p %s, expected %s', e.id, g.p, e.p) END AS msg
                FROM (SELECT * FROM sp_getis WHERE dataset = f.dataset AND wset = f.wset AND star = f.star) e
                FULL JOIN (SELECT * FROM sp_getis_got
                           WHERE dataset = f.dataset AND wset = f.wset AND star = f.star AND form = f.form) g
                  ON g.id = e.id) c
            WHERE c.msg IS NOT NULL)
           || (SELECT array_agg(format('unit %s returned %s times', id, cnt) ORDER BY id)
               FROM (SELECT id, count(*) AS cnt FROM sp_getis_got
                     WHERE dataset = f.dataset AND wset = f.wset AND star = f.star AND form = f.form
                     GROUP BY 1 HAVING count(*) > 1) d)),
       format('getis_ord %s %s star => %s [%s]: gi, z (spdep localG%s), p',
              f.dataset, f.wset, f.star, f.form,
              CASE WHEN NOT f.star THEN ', G_i'
                   WHEN f.wset = 'rook' THEN ', include.self + style B'
                   WHEN f.wset = 'rook_W' THEN ', w_ij = 1/|N(i)| and w_ii = 1'
                   WHEN f.wset = 'rook_self_W' THEN ', include.self + style W: w_ii given'
                   ELSE '' END)
FROM sp_getis_forms f
ORDER BY f.dataset, f.wset, f.star DESC, f.form;

-- units without neighbours
INSERT INTO sp_tests (kind, have, descr) VALUES
('is', pg_temp.sp_errs('island', 'synthetic', 'queen', 'spatial_weights') ||
       coalesce((SELECT array_agg(x ORDER BY x) FROM (
           SELECT format('got %s -> %s (w %s)', g.i, g.j, g.w) AS x FROM sp_island_w g
           EXCEPT ALL
           SELECT format('got %s -> %s (w %s)', e.i, e.j, 1) FROM (VALUES (1, 2), (2, 1), (1, 3), (3, 1), (2, 3), (3, 2)) e(i, j)
           UNION ALL
           (SELECT format('missing %s -> %s', e.i, e.j) FROM (VALUES (1, 2), (2, 1), (1, 3), (3, 1), (2, 3), (3, 2)) e(i, j)
            EXCEPT SELECT format('missing %s -> %s', g.i, g.j) FROM sp_island_w g)) t), '{}'::text[]),
 'spatial_weights queen, three unit squares and a far one (id 4242): the six links (2 and 3 meet at a corner), none for 4242'),
('is', pg_temp.sp_errs('island', 'synthetic', 'rook', 'spatial_weights') ||
       coalesce((SELECT array_agg(x ORDER BY x) FROM (
           SELECT format('got %s -> %s (w %s)', g.i, g.j, g.w) AS x FROM sp_island_w_rook g
           EXCEPT ALL
           SELECT format('got %s -> %s (w %s)', e.i, e.j, e.w) FROM (VALUES (1, 2, 0.5), (2, 1, 1), (1, 3, 0.5), (3, 1, 1)) e(i, j, w)
           UNION ALL
           (SELECT format('missing %s -> %s', e.i, e.j) FROM (VALUES (1, 2), (2, 1), (1, 3), (3, 1)) e(i, j)
            EXCEPT SELECT format('missing %s -> %s', g.i, g.j) FROM sp_island_w_rook g)) t), '{}'::text[]),
 'spatial_weights rook (row-standardised), the same squares: 1-2 and 1-3 only (a corner is not an edge), none for 4242');

INSERT INTO sp_tests (kind, passed, descr) VALUES
('ok', :'sp_notice_weights' ~ 'NOTICE' AND :'sp_notice_weights' ~ '4242' AND :'sp_notice_weights' !~ 'ERROR',
 'spatial_weights raises a NOTICE naming the unit without neighbours (4242); second session said: '
 || left(regexp_replace(:'sp_notice_weights', '\s+', ' ', 'g'), 300)),
('ok', :'sp_notice_lisa' ~ 'NOTICE' AND :'sp_notice_lisa' ~ '4242' AND :'sp_notice_lisa' !~ 'ERROR',
 'lisa raises a NOTICE naming the unit without neighbours (4242); second session said: '
 || left(regexp_replace(:'sp_notice_lisa', '\s+', ' ', 'g'), 300));

INSERT INTO sp_tests (kind, have, descr) VALUES
('is', pg_temp.sp_errs('island', 'synthetic', 'ring', 'lisa') ||
       CASE WHEN (SELECT count(*) FROM sp_island_lisa) <> 5
            THEN ARRAY[format('%s rows, expected 5', (SELECT count(*) FROM sp_island_lisa))] ELSE '{}'::text[] END ||
       coalesce((SELECT array_agg(format('unit 4242: ii %s, z %s, p_sim %s', ii, z, p_sim)) FROM sp_island_lisa
                 WHERE id = 4242 AND (ii IS NOT NULL OR z IS NOT NULL OR p_sim IS NOT NULL)), '{}'::text[]) ||
       coalesce((SELECT array_agg(format('unit %s: ii %s, z %s', id, ii, z) ORDER BY id) FROM sp_island_lisa
                 WHERE id <> 4242 AND (ii IS NULL OR z IS NULL)), '{}'::text[]),
 'lisa with a unit without neighbours (4242): a row with NULL ii, z and p_sim for it, statistics for the others');

INSERT INTO sp_tests (kind, have, descr)
SELECT 'is',
       pg_temp.sp_errs('synthetic', 'synthetic', s.seq::text, 'spatial_weights') ||
       CASE WHEN g.got IS DISTINCT FROM s.expected
            THEN ARRAY[format('got %s, expected %s', coalesce(g.got::text, '{}'), s.expected)]
            ELSE '{}'::text[] END,
       'spatial_weights ' || s.name
FROM sp_synth s
LEFT JOIN LATERAL (SELECT coalesce(array_agg(format('%s-%s:%s', x.i, x.j, round(x.w::numeric, 9)::float8) ORDER BY x.i, x.j),
                                   '{}') AS got
                   FROM sp_synth_got x WHERE x.seq = s.seq) g ON true
ORDER BY s.seq;

-- bad input: 22023
CREATE TEMP TABLE sp_bad_cases (seq serial, fn text, what text, vsql text, wsql text);
INSERT INTO sp_bad_cases (fn, what, vsql, wsql)
SELECT fn.fn, c.what, c.vsql, c.wsql
FROM (VALUES ('moran'), ('lisa'), ('getis_ord')) fn(fn)
CROSS JOIN (VALUES
    ('values_sql without a value column',
     'SELECT id, value AS v FROM sp_units WHERE dataset = ''stl''',
     'SELECT i, j, w FROM sp_weights WHERE dataset = ''stl'' AND wset = ''rook_W'''),
    ('duplicate ids in values_sql',
     'SELECT id, value FROM sp_units WHERE dataset = ''stl'' UNION ALL SELECT 1, 2.5::float8',
     'SELECT i, j, w FROM sp_weights WHERE dataset = ''stl'' AND wset = ''rook_W'''),
    ('a NaN value',
     'SELECT id, CASE WHEN id = 5 THEN ''NaN''::float8 ELSE value END AS value FROM sp_units WHERE dataset = ''stl''',
     'SELECT i, j, w FROM sp_weights WHERE dataset = ''stl'' AND wset = ''rook_W'''),
    ('a weight with an unknown j',
     'SELECT id, value FROM sp_units WHERE dataset = ''stl''',
     'SELECT i, j, w FROM sp_weights WHERE dataset = ''stl'' AND wset = ''rook_W'' UNION ALL SELECT 1, 999, 0.5'),
    ('a weight with an unknown i',
     'SELECT id, value FROM sp_units WHERE dataset = ''stl''',
     'SELECT i, j, w FROM sp_weights WHERE dataset = ''stl'' AND wset = ''rook_W'' UNION ALL SELECT 999, 1, 0.5'),
    ('a negative weight',
     'SELECT id, value FROM sp_units WHERE dataset = ''stl''',
     'SELECT i, j, CASE WHEN i = 1 AND j = 3 THEN -w ELSE w END AS w FROM sp_weights WHERE dataset = ''stl'' AND wset = ''rook_W''')
) c(what, vsql, wsql);

INSERT INTO sp_tests (kind, q)
SELECT 'pgtap',
       format('SELECT throws_ok(%L, %L::char(5), NULL::text, %L)',
              format('SELECT * FROM medres.%s(%L, %L)', b.fn, b.vsql, b.wsql), '22023',
              format('%s: %s raises 22023', b.fn, b.what))
FROM sp_bad_cases b ORDER BY b.seq;

INSERT INTO sp_tests (kind, q) VALUES
('pgtap', format('SELECT throws_ok(%L, %L::char(5), NULL::text, %L)',
    $s$SELECT * FROM medres.spatial_weights('SELECT id, g0 AS geom FROM sp_geom WHERE dataset = ''stl'' UNION ALL SELECT 1, ST_MakeEnvelope(0, 0, 1, 1)', 'rook')$s$,
    '22023', 'spatial_weights: duplicate ids raise 22023')),
('pgtap', format('SELECT throws_ok(%L, %L::char(5), NULL::text, %L)',
    $s$SELECT * FROM medres.spatial_weights('SELECT id, g0 AS geom FROM sp_geom WHERE dataset = ''stl''', 'hexagon')$s$,
    '22023', 'spatial_weights: an unknown method raises 22023'));

-- ------------------------------------------------------------------------------------
-- run the tests
-- ------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.sp_pgtap(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    res text;
BEGIN
    EXECUTE q INTO res;
    RETURN res;
END
$$;

SELECT plan((SELECT count(*)::int FROM sp_tests));

SELECT CASE kind WHEN 'ok' THEN ok(passed, descr)
                 WHEN 'pgtap' THEN pg_temp.sp_pgtap(q)
                 ELSE is(have, '{}'::text[], descr) END
FROM sp_tests ORDER BY seq;

SELECT * FROM finish();
ROLLBACK;
