-- The equity report printed by tools/demo.sh, which also writes it as an HTML page
-- (tools/report.sql, to :report_file, default results/report.html).  tools/report.sh runs
-- this file in an existing database, so the extensions are created only if missing.
CREATE EXTENSION IF NOT EXISTS medres;
CREATE TABLE province (
    province text, region text, institutions int, personnel_10k float8, beds_10k float8,
    health_expense_per_capita_yuan float8, population_million float8);
\copy province FROM 'data/province_resources_2020.csv' CSV HEADER

\echo
\echo 'Health-resource equity across China''s 31 provinces, 2020'
\echo '========================================================='
\echo
\echo 'Population Gini coefficients (0 = every person has the same share):'
SELECT resource,
       round(medres.gini_totals(amount, population_million)::numeric, 4) AS gini,
       round(medres.gini_totals(amount, population_million) FILTER (WHERE region = 'east')::numeric, 4) AS east,
       round(medres.gini_totals(amount, population_million) FILTER (WHERE region = 'middle')::numeric, 4) AS middle,
       round(medres.gini_totals(amount, population_million) FILTER (WHERE region = 'west')::numeric, 4) AS west
FROM province,
     LATERAL (VALUES ('beds', beds_10k), ('health personnel', personnel_10k),
                     ('institutions', institutions::float8)) AS r(resource, amount)
GROUP BY resource ORDER BY resource;

\echo 'Theil indices of per-capita resources, decomposed by East/Middle/West:'
SELECT resource,
       round((t).total::numeric, 5) AS theil_t, round((t).between::numeric, 5) AS between,
       round((t).within::numeric, 5) AS within,
       round(100 * (t).between_share::numeric, 1) AS "between %",
       round((l).total::numeric, 5) AS theil_l, round(100 * (l).between_share::numeric, 1) AS "L between %"
FROM (SELECT resource,
             medres.ge_decomposition(amount / population_million, population_million, region, 1) AS t,
             medres.ge_decomposition(amount / population_million, population_million, region, 0) AS l
      FROM province,
           LATERAL (VALUES ('beds', beds_10k), ('health personnel', personnel_10k),
                           ('institutions', institutions::float8)) AS r(resource, amount)
      GROUP BY resource) s
ORDER BY resource;

\echo 'Where the within-region inequality of beds comes from (Theil T):'
SELECT g.grp AS region, g.n AS provinces,
       round(100 * g.population_share::numeric, 1) AS "population %",
       round(100 * g.resource_share::numeric, 1) AS "beds %",
       round(g.index::numeric, 5) AS theil_t,
       round(100 * g.contribution_share::numeric, 1) AS "share of total %"
FROM (SELECT medres.ge_decomposition(beds_10k / population_million, population_million, region, 1) AS d
      FROM province) s, unnest((d).groups) AS g;

\echo 'Provinces grouped on their four resource totals (SPSS defaults: average linkage,'
\echo 'squared Euclidean distance, z-scores), with the silhouette width of each cut:'
SELECT k, round(medres.silhouette(f, cluster)::numeric, 3) AS silhouette
FROM (SELECT k, f, medres.hclust(f, k) OVER (PARTITION BY k ORDER BY province) AS cluster
      FROM (SELECT province, ARRAY[institutions, personnel_10k, beds_10k,
                                   health_expense_per_capita_yuan] AS f FROM province) p,
           generate_series(2, 5) AS k) s
GROUP BY k ORDER BY k;
SELECT cluster, count(*) AS provinces, string_agg(province, ', ' ORDER BY province) AS members
FROM (SELECT province,
             medres.hclust(ARRAY[institutions, personnel_10k, beds_10k,
                                 health_expense_per_capita_yuan], 3) OVER (ORDER BY province) AS cluster
      FROM province) s
GROUP BY cluster ORDER BY cluster;

\if :map
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS medres_postgis;
\i results/china_provinces.sql
RESET client_min_messages;

\echo 'Where beds per 1000 people cluster in space: LISA on the provinces (queen contiguity,'
\echo 'borders within 0.01 degree count as shared; 999 conditional permutations, seed 0):'
CREATE TEMP TABLE prov_map AS
SELECT c.id, p.province, c.geom, 10 * p.beds_10k / p.population_million AS beds_per_1000,
       p.population_million, p.beds_10k
FROM province p JOIN china_provinces c ON c.name_en = p.province;
CREATE TEMP TABLE prov_w AS
SELECT * FROM medres.spatial_weights('SELECT id, geom FROM prov_map', 'queen', snap => 0.01);
SELECT round((m).i::numeric, 4) AS morans_i, round((m).z_random::numeric, 2) AS z,
       round((m).p_random::numeric, 4) AS p, (m).p_permutation AS p_permutation
FROM (SELECT medres.moran('SELECT id, beds_per_1000 AS value FROM prov_map',
                          'SELECT * FROM prov_w') AS m) s;
SELECT p.province, round(p.beds_per_1000::numeric, 2) AS beds_per_1000, l.quadrant,
       l.p_sim, l.significance
FROM medres.lisa('SELECT id, beds_per_1000 AS value FROM prov_map', 'SELECT * FROM prov_w') l
JOIN prov_map p USING (id)
WHERE l.significance <> 'not significant' OR l.ii IS NULL
ORDER BY l.significance, p.province;

\echo 'Beds within reach: 2SFCA between province centres, 500 km catchment (beds per 1000'
\echo 'people that each province can reach, against its own ratio), the five lowest:'
SELECT p.province, round(1000 * a.score::numeric, 2) AS reachable_per_1000,
       round(p.beds_per_1000::numeric, 2) AS own_per_1000
FROM medres.accessibility(
       'SELECT id, ST_PointOnSurface(geom) AS geom, beds_10k * 10000 AS beds FROM prov_map',
       'SELECT id, ST_PointOnSurface(geom) AS geom, population_million * 1e6 AS population FROM prov_map',
       catchment => 500000) a
JOIN prov_map p USING (id)
ORDER BY a.score LIMIT 5;
\else
\echo '(The spatial part needs the province boundaries, which tools/load_boundaries.py fetches with npm.)'
\endif

\if :{?report_file}
\else
\set report_file results/report.html
\endif
\i tools/report.sql
