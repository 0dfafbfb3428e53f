-- The examples of doc/ and README.md, on China's 31 provinces in 2020
-- (data/province_resources_2020.csv).  tools/check_doc_examples.py checks that
-- every example in doc/ appears here with its output; the same figures are
-- recomputed independently by test/oracle.py (cases "provinces*": x = beds,
-- personnel or institutions per person, w = population, grp = region, h = x,
-- r = health expense per capita) and compared at 1e-10 in
-- test/oracle_inequality.sql.
CREATE TABLE province (
    province text, region text, institutions int, personnel_10k float8, beds_10k float8,
    health_expense_per_capita_yuan float8, population_million float8);
\copy province FROM 'data/province_resources_2020.csv' CSV HEADER

-- README
SELECT round(medres.gini_totals(beds_10k, population_million)::numeric, 4) AS beds,
       round(medres.gini_totals(personnel_10k, population_million)::numeric, 4) AS personnel,
       round(medres.gini_totals(institutions, population_million)::numeric, 4) AS institutions
FROM province;

-- example: gini
SELECT round(medres.gini(beds_10k / population_million, population_million)::numeric, 4) AS gini
FROM province;

-- example: gini with corrections
SELECT round(medres.gini(beds_10k / population_million, population_million, 'n')::numeric, 4) AS n,
       round(medres.gini(beds_10k / population_million, population_million, 'weights')::numeric, 4) AS weights
FROM province;

-- example: gini_totals
SELECT region, round(medres.gini_totals(beds_10k, population_million)::numeric, 4) AS gini
FROM province GROUP BY region ORDER BY region;

-- example: lorenz
SELECT round(population_share::numeric, 4) AS population_share,
       round(resource_share::numeric, 4) AS resource_share
FROM unnest((SELECT medres.lorenz(beds_10k / population_million, population_million) FROM province))
LIMIT 4;

-- example: theil_t
SELECT round(medres.theil_t(beds_10k / population_million, population_million)::numeric, 5) AS theil_t
FROM province;

-- example: theil_l
SELECT round(medres.theil_l(beds_10k / population_million, population_million)::numeric, 5) AS theil_l
FROM province;

-- example: ge
SELECT alpha, round(medres.ge(beds_10k / population_million, alpha, population_million)::numeric, 5) AS ge
FROM province, (VALUES (-1), (0.5), (2)) AS a(alpha)
GROUP BY alpha ORDER BY alpha;

-- example: atkinson
SELECT epsilon, round(medres.atkinson(beds_10k / population_million, epsilon, population_million)::numeric, 5) AS atkinson
FROM province, (VALUES (0.5), (1), (2)) AS e(epsilon)
GROUP BY epsilon ORDER BY epsilon;

-- example: cv
SELECT round(medres.cv(beds_10k / population_million, population_million)::numeric, 5) AS cv
FROM province;

-- example: hoover
SELECT round(medres.hoover(beds_10k / population_million, population_million)::numeric, 5) AS hoover
FROM province;

-- example: concentration_index
SELECT round(medres.concentration_index(beds_10k / population_million,
                                        health_expense_per_capita_yuan,
                                        population_million)::numeric, 4) AS ci
FROM province;

-- example: ge_decomposition
SELECT round((d).total::numeric, 5) AS total, round((d).between::numeric, 5) AS between,
       round((d).within::numeric, 5) AS within, round((d).between_share::numeric, 4) AS between_share
FROM (SELECT medres.ge_decomposition(beds_10k / population_million, population_million, region, 1) AS d
      FROM province) s;

-- example: ge_decomposition groups
SELECT g.grp, g.n, round(g.population_share::numeric, 4) AS pop_share,
       round(g.resource_share::numeric, 4) AS res_share, round(g.index::numeric, 5) AS theil_t,
       round(g.contribution::numeric, 5) AS contribution,
       round(g.contribution_share::numeric, 4) AS contribution_share
FROM (SELECT medres.ge_decomposition(beds_10k / population_million, population_million, region, 1) AS d
      FROM province) s, unnest((d).groups) AS g;
