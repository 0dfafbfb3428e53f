-- Pictures: lorenz_svg, concentration_svg, heatmap_svg, hclust_svg's options.
-- The examples of doc/pictures.md (the figures in their legends are checked against
-- independent computations and the rendering by librsvg in test/pictures.py), then errors.
\set VERBOSITY default
\set SHOW_CONTEXT never
-- setup: the page's tables
CREATE TABLE province (
    province text, region text, institutions int, personnel_10k float8, beds_10k float8,
    health_expense_per_capita_yuan float8, population_million float8);
\copy province FROM 'data/province_resources_2020.csv' CSV HEADER
CREATE VIEW resource AS
SELECT province, region, population_million, r.resource, r.per_capita
FROM province,
     LATERAL (VALUES ('beds', beds_10k / population_million),
                     ('personnel', personnel_10k / population_million),
                     ('institutions', institutions / population_million)) r(resource, per_capita);
-- example
SELECT m[1] AS legend
FROM (SELECT medres.lorenz_svg(per_capita, population_million, resource) AS svg
      FROM resource) s,
     regexp_matches(svg, '<text[^>]*>([^<]* = [^<]*)</text>', 'g') m;
-- example
SELECT m[1] AS legend
FROM (SELECT medres.concentration_svg(beds_10k / population_million,
                                      health_expense_per_capita_yuan, population_million,
                                      NULL, '{"digits": 2}') AS svg
      FROM province) s,
     regexp_matches(svg, '<text[^>]*>([^<]* = [^<]*)</text>', 'g') m;
-- example
SELECT m[1] AS cell
FROM (SELECT medres.heatmap_svg(resource, region, g ORDER BY resource, region) AS svg
      FROM (SELECT resource, region, medres.gini(per_capita, population_million) AS g
            FROM resource GROUP BY resource, region) s) h,
     regexp_matches(svg, '<title>([^<]*)</title>', 'g') m;
-- example
SELECT (regexp_match(svg, '<title>([^<]*)</title>'))[1] AS title,
       (SELECT string_agg(m[1], '; ')
        FROM regexp_matches(substring(svg from '<g class="legend">(.*?)</g>'),
                            '>([^<]+)</text>', 'g') m) AS legend
FROM (SELECT medres.hclust_svg(ARRAY[institutions, personnel_10k, beds_10k,
                                     health_expense_per_capita_yuan], province,
                               'ward', 'euclidean', 'zscore', '{"k": 4}') AS svg
      FROM province) s;

-- example of doc/cluster.md (hclust_svg)
SELECT (regexp_match(svg, '<title>([^<]*)</title>'))[1] AS title,
       (SELECT string_agg(m[1], ', ')
        FROM regexp_matches(substring(svg from '<g class="labels"[^>]*>(.*?)</g>'),
                            '>([^<]+)</text>', 'g') m) AS labels
FROM (SELECT medres.hclust_svg(ARRAY[institutions, personnel_10k, beds_10k,
                                     health_expense_per_capita_yuan], province) AS svg
      FROM province WHERE province IN ('Beijing', 'Shanghai', 'Tibet')) s;

-- the legends' figures equal medres.gini and medres.concentration_index (8 digits)
SELECT (SELECT string_agg(m[1], '; ')
        FROM regexp_matches(medres.lorenz_svg(per_capita, population_million, resource,
                                              '{"digits": 8}'),
                            '>([a-z]+: G = [0-9.]+)<', 'g') m)
     = (SELECT string_agg(resource || ': G = ' || to_char(g, 'FM0.0999999999'), '; ' ORDER BY resource)
        FROM (SELECT resource, round(medres.gini(per_capita, population_million)::numeric,
                                     8 - 1 - floor(log(medres.gini(per_capita, population_million)))::int) AS g
              FROM resource GROUP BY resource) s) AS gini_in_legend
FROM resource;

-- one series of equal values: G = 0, a curve on the diagonal (checked in pixels by
-- test/pictures.py); every SVG is a well-formed XML document
SELECT (regexp_match(svg, '>(G = [0-9.]+)<'))[1] AS legend, xml_is_well_formed_document(svg) AS xml
FROM (SELECT medres.lorenz_svg(7, 1) AS svg FROM generate_series(1, 10)) s;

-- the same picture with and without parallel workers: series in name order, whatever order
-- the workers' states are combined in
CREATE TABLE pic_big AS
SELECT i, (i * 7919 % 1000) / 10.0 AS x, 1 + i % 7 AS w, 's' || (i % 5) AS s
FROM generate_series(1, 30000) i;
ANALYZE pic_big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE pic_serial AS
SELECT medres.lorenz_svg(x, w, s) AS l, medres.concentration_svg(x, i, w, s) AS c,
       (SELECT medres.hclust_svg(ARRAY[x, w], i::text, NULL, NULL, NULL, '{"k": 3}')
        FROM pic_big WHERE i <= 300) AS h
FROM pic_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT p.l = s.l AS lorenz_same, p.c = s.c AS concentration_same
FROM (SELECT medres.lorenz_svg(x, w, s) AS l, medres.concentration_svg(x, i, w, s) AS c
      FROM pic_big) p, pic_serial s;
SELECT (SELECT medres.hclust_svg(ARRAY[x, w], i::text, NULL, NULL, NULL, '{"k": 3}')
        FROM pic_big WHERE i <= 300) = h AS hclust_same
FROM pic_serial;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- heat map: rows and columns in the order given, a NULL cell, a missing cell
SELECT m[1] AS cell
FROM (SELECT medres.heatmap_svg(r, c, v ORDER BY o) AS svg
      FROM (VALUES (1, 'b', 'y', 1.5), (2, 'a', 'y', 2), (3, 'b', 'x', NULL), (4, 'c', 'z', -1))
           v(o, r, c, v)) h,
     regexp_matches(svg, '<title>([^<]*)</title>|<text[^>]*>([^<]*)</text>', 'g') m
WHERE m[1] IS NOT NULL;

-- the old hclust_svg forms still work, now with a title
SELECT (regexp_match(medres.hclust_svg(ARRAY[x], i::text, 'single'), '<title>([^<]*)</title>'))[1]
       AS title
FROM pic_big WHERE i <= 5;

-- every new aggregate has a comment
SELECT p.proname, count(*) AS forms, count(d.description) AS commented
FROM pg_proc p LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
WHERE p.pronamespace = 'medres'::regnamespace
  AND p.proname IN ('lorenz_svg', 'concentration_svg', 'heatmap_svg')
   OR (p.proname = 'hclust_svg' AND p.pronargs = 6)
GROUP BY p.proname ORDER BY p.proname;

-- values across the double range: a scale from -1e308 to 1e308 (its width overflows), and
-- a Lorenz curve of weights 1e308 and 5e-324 (G = 0.5 as medres.gini: half the population
-- has nothing to speak of, the other half everything)
SELECT xml_is_well_formed_document(medres.heatmap_svg(r, 'c', v)) AS heatmap_xml
FROM (VALUES ('a', 1e308::float8), ('b', -1e308), ('c', 0)) x(r, v);
SELECT (regexp_match(medres.lorenz_svg(v, w), '>(G = [0-9.]+)<'))[1] AS legend,
       round(medres.gini(v, w)::numeric, 3) AS gini
FROM (VALUES (1e-300::float8, 1e308::float8), (1e300, 5e-324), (1, 1), (1e308, 1e308)) x(v, w);

-- a Gini far below the rounding error of one minus twice the area keeps its digits (the
-- legend's sum of non-negative terms), as medres.gini does: 9.88e-24
SELECT (regexp_match(medres.lorenz_svg(v, w), '>(G = [^<]+)<'))[1] AS legend,
       round((medres.gini(v, w) * 1e24)::numeric, 2) AS gini_times_1e24
FROM (VALUES (5e-324::float8, 5e-324::float8), (1, 0), (1e-300, 1e-300), (2e-300, 5e-324)) v(v, w);

-- 40 random groups with ties and zero weights: the legends' figures (15 digits) equal
-- medres.gini and medres.concentration_index to 1e-9; expect 0 mismatches
SELECT setseed(0.14);
CREATE TABLE pic_rand AS
SELECT i % 40 AS k, floor(random() * 6) AS v, floor(random() * 4) AS w,
       random() * 10 - 3 AS h, floor(random() * 8) AS r
FROM generate_series(1, 4000) i;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE abs(g_svg - g) > 1e-9 * g) AS gini_mismatches,
       count(*) FILTER (WHERE abs(c_svg - c) > 1e-9 * abs(c)) AS ci_mismatches
FROM (SELECT k,
             (regexp_match(medres.lorenz_svg(v, w, NULL, '{"digits": 15}'), 'G = ([^<]+)<'))[1]::float8 AS g_svg,
             medres.gini(v, w) AS g,
             (regexp_match(medres.concentration_svg(h, r, w, NULL, '{"digits": 15}'),
                           'C = ([^<]+)<'))[1]::float8 AS c_svg,
             medres.concentration_index(h, r, w) AS c
      FROM pic_rand GROUP BY k) s;
DROP TABLE pic_rand;

-- errors: 22023 naming the argument, 54000 beyond the documented caps
SELECT medres.lorenz_svg(x, 1) FROM pic_big WHERE false;
SELECT medres.lorenz_svg(NULL, 1);
SELECT medres.lorenz_svg(-1, 1);
SELECT medres.lorenz_svg(1, 'nan');
SELECT medres.lorenz_svg(0, 1);
SELECT medres.lorenz_svg(1, 0, 'beds');
SELECT medres.lorenz_svg(1, 1, NULL, '{"colour": "red"}');
SELECT medres.lorenz_svg(1, 1, NULL, '{"palette": "rainbow"}');
SELECT medres.lorenz_svg(1, 1, NULL, '{"width": "wide"}');
SELECT medres.lorenz_svg(1, 1, NULL, '{"width": 50}');
SELECT medres.lorenz_svg(1, 1, NULL, '{"digits": 2.5}');
SELECT medres.lorenz_svg(1, 1, NULL, '"Beds"');
SELECT medres.lorenz_svg(1, 1, NULL, jsonb_build_object('title', t)) FROM (VALUES ('a'), ('b')) v(t);
SELECT medres.lorenz_svg(x, 1, s) FROM (SELECT i AS x, 's' || i AS s FROM generate_series(1, 65) i) t;
SELECT medres.concentration_svg(1, 'infinity');
SELECT medres.concentration_svg(x, i) FROM (VALUES (1, 1), (-1, 2)) v(x, i);
SELECT medres.concentration_svg(NULL, 1, 1, 'a', '{}');
SELECT medres.heatmap_svg(NULL, 'x', 1);
SELECT medres.heatmap_svg('a', 'x', 'infinity');
SELECT medres.heatmap_svg('a', 'x', v) FROM (VALUES (1), (2)) v(v);
SELECT medres.heatmap_svg('a', 'x', 1, '{"min": 2}');
SELECT medres.heatmap_svg('a', 'x', 1, '{"min": 2, "max": 1}');
SELECT medres.heatmap_svg('a', 'x', 1, '{"x_label": "year"}');
SELECT medres.heatmap_svg(i::text, 'x', i) FROM generate_series(1, 1001) i;
SELECT medres.hclust_svg(ARRAY[x], i::text, NULL, NULL, NULL, '{"k": 2, "cut_height": 1}')
FROM pic_big WHERE i <= 5;
SELECT medres.hclust_svg(ARRAY[x], i::text, NULL, NULL, NULL, '{"k": 6}') FROM pic_big WHERE i <= 5;
SELECT medres.hclust_svg(ARRAY[x], i::text, NULL, NULL, NULL, '{"cut_height": -1}')
FROM pic_big WHERE i <= 5;
SELECT medres.hclust_svg(ARRAY[x], i::text, NULL, NULL, NULL, '{"cut": 2}') FROM pic_big WHERE i <= 5;

DROP TABLE pic_big, pic_serial;
DROP VIEW resource;
DROP TABLE province;
