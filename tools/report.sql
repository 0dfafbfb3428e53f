-- The equity report as one self-contained HTML page (inline CSS and SVG, no script, nothing
-- fetched): included by tools/demo.sql after its tables exist (province; with :map = 1 also
-- prov_map and prov_w), written to :report_file.  The pictures come from medres itself:
-- lorenz_svg, heatmap_svg, hclust_svg (medres) and choropleth_svg (medres_postgis).
SELECT count(DISTINCT p.proname) = 3 AS have_pictures FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'medres' AND p.proname IN ('lorenz_svg', 'heatmap_svg', 'hclust_svg')
  AND p.prokind = 'a' \gset
\if :have_pictures
\else
\echo 'report: this medres has no lorenz_svg / heatmap_svg / hclust_svg aggregates (version 0.2.0 or later is needed); no report written'
\quit
\endif

CREATE FUNCTION pg_temp.h(t text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN replace(replace(replace(replace(coalesce(t, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;');
CREATE FUNCTION pg_temp.n(v float8, d int) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE WHEN v IS NULL THEN '' ELSE round(v::numeric, d)::text END;
CREATE TEMP VIEW report_resource AS
SELECT province, region, population_million, r.resource, r.amount, r.amount / population_million AS per_capita
FROM province,
     LATERAL (VALUES ('beds', beds_10k), ('health personnel', personnel_10k),
                     ('institutions', institutions::float8)) AS r(resource, amount);

\pset format unaligned
\pset tuples_only on
\pset footer off
\o :report_file
SELECT $html$<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Health-resource equity across China's 31 provinces, 2020</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 62em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #bbb; }
table { border-collapse: collapse; margin: .8em 0; }
th, td { border: 1px solid #bbb; padding: .25em .6em; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #555; }
p.note { color: #555; font-size: .9em; }
</style>
</head>
<body>
<h1>Health-resource equity across China's 31 provinces, 2020</h1>
<p>Beds, health personnel and institutions of the 31 provinces (data/province_resources_2020.csv),
measured with medres: Gini coefficients and Lorenz curves by population, the Theil index and its
East/Middle/West decomposition, a clustering of the provinces, and their map.</p>
<h2>Gini coefficients by population</h2>
<table>
<tr><th>resource</th><th>all</th><th>east</th><th>middle</th><th>west</th></tr>$html$;

SELECT string_agg(format('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>',
                         pg_temp.h(resource), pg_temp.n(g, 4), pg_temp.n(e, 4), pg_temp.n(m, 4), pg_temp.n(w, 4)),
                  E'\n' ORDER BY resource) || E'\n</table>'
FROM (SELECT resource, medres.gini_totals(amount, population_million) AS g,
             medres.gini_totals(amount, population_million) FILTER (WHERE region = 'east') AS e,
             medres.gini_totals(amount, population_million) FILTER (WHERE region = 'middle') AS m,
             medres.gini_totals(amount, population_million) FILTER (WHERE region = 'west') AS w
      FROM report_resource GROUP BY resource) s;

SELECT '<figure>' || medres.lorenz_svg(per_capita, population_million, resource,
                                       '{"title": "Lorenz curves of resources per capita, 2020"}')
       || '<figcaption>Cumulative share of each resource against the cumulative share of the '
       || 'population, provinces ordered by resource per capita; the Gini in the legend.</figcaption></figure>'
FROM report_resource;

SELECT '<h2>Theil decomposition by region</h2>
<table>
<tr><th>resource</th><th>Theil T</th><th>between</th><th>within</th><th>between %</th><th>Theil L</th><th>L between %</th></tr>'
       || string_agg(format('<tr><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>',
                            pg_temp.h(resource), pg_temp.n((t).total, 5), pg_temp.n((t).between, 5),
                            pg_temp.n((t).within, 5), pg_temp.n(100 * (t).between_share, 1),
                            pg_temp.n((l).total, 5), pg_temp.n(100 * (l).between_share, 1)),
                     E'\n' ORDER BY resource) || E'\n</table>'
FROM (SELECT resource,
             medres.ge_decomposition(per_capita, population_million, region, 1) AS t,
             medres.ge_decomposition(per_capita, population_million, region, 0) AS l
      FROM report_resource GROUP BY resource) s;

SELECT '<figure>' || medres.heatmap_svg(resource, region, g,
                                        '{"title": "Gini of resources per capita within each region",
                                          "legend_title": "Gini", "palette": "YlOrRd"}'
                                        ORDER BY resource, region)
       || '<figcaption>The Gini coefficient (by population) of each resource per capita among '
       || 'the provinces of each region.</figcaption></figure>'
FROM (SELECT resource, region, medres.gini(per_capita, population_million) AS g
      FROM report_resource GROUP BY resource, region) s;

-- the cut: the number of clusters (2 to 5) with the largest mean silhouette width
SELECT k AS cut_k, round(s::numeric, 3) AS cut_silhouette
FROM (SELECT k, medres.silhouette(f, cluster) AS s
      FROM (SELECT k, f, medres.hclust(f, k) OVER (PARTITION BY k ORDER BY province) AS cluster
            FROM (SELECT province, ARRAY[institutions, personnel_10k, beds_10k,
                                         health_expense_per_capita_yuan] AS f FROM province) p,
                 generate_series(2, 5) AS k) c
      GROUP BY k) s
ORDER BY s DESC, k LIMIT 1 \gset
SELECT '<h2>Provinces grouped by their resources</h2>
<figure>' || medres.hclust_svg(ARRAY[institutions, personnel_10k, beds_10k, health_expense_per_capita_yuan],
                               province, 'average', 'sqeuclidean', 'zscore',
                               jsonb_build_object('k', :cut_k))
       || format('<figcaption>Average linkage on squared Euclidean distances of the z-scores of '
                 'institutions, personnel, beds and health expenditure per capita (SPSS''s defaults), '
                 'cut into %s clusters: the cut with the largest mean silhouette width (%s) among '
                 '2 to 5 clusters.</figcaption></figure>', :cut_k, :cut_silhouette)
FROM province;

\if :map
SELECT '<h2>The provinces on the map</h2>
<figure>' || medres.choropleth_svg(geom, beds_per_1000,
                                    '{"method": "jenks", "classes": 4, "legend_title": "beds per 1000",
                                      "title": "Hospital beds per 1000 people (Jenks natural breaks)",
                                      "width": 760, "height": 560}')
       || '<figcaption>Hong Kong, Macau and Taiwan are not in the data.</figcaption></figure>'
FROM prov_map;

SELECT '<figure>' || medres.choropleth_svg(p.geom, 'grade ' || g.grade,
                                           '{"title": "RSR grades (1 = best of three)", "legend_title": "RSR grade",
                                             "palette": "YlGnBu", "width": 760, "height": 560}')
       || '<figcaption>Rank-sum ratio of beds, personnel, institutions per capita and health '
       || 'expenditure per capita, graded into three by the fitted probit regression.</figcaption></figure>'
FROM (SELECT province, medres.rsr_grade(rsr) OVER () AS grade
      FROM (SELECT province,
                   medres.rsr(ARRAY[beds_10k / population_million, personnel_10k / population_million,
                                    institutions / population_million, health_expense_per_capita_yuan]) OVER () AS rsr
            FROM province) r) g
JOIN prov_map p USING (province);

SELECT '<figure>' || medres.choropleth_svg(p.geom, l.significance,
                                           '{"title": "LISA clusters of beds per 1000 people", "legend_title": "cluster",
                                             "width": 760, "height": 560}')
       || '<figcaption>Local Moran''s I, queen contiguity (borders within 0.01 degree), 999 '
       || 'conditional permutations, 5% level; Hainan has no neighbour (no data).</figcaption></figure>'
FROM medres.lisa('SELECT id, beds_per_1000 AS value FROM prov_map', 'SELECT * FROM prov_w') l
JOIN prov_map p USING (id);
\else
SELECT '<h2>The provinces on the map</h2>
<p class="note">The maps need the provinces'' boundaries, which tools/load_boundaries.py fetches with npm; they could not be loaded.</p>';
\endif

SELECT format('<p class="note">Made by tools/demo.sh with medres %s.</p>
</body>
</html>', (SELECT extversion FROM pg_extension WHERE extname = 'medres'));
\o
\pset format aligned
\pset tuples_only off
\pset footer on
