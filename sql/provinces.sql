-- The examples of doc/ and README.md, on China's 31 provinces in 2020
-- (data/province_resources_2020.csv).  The same figures are recomputed
-- independently by test/oracle.py (case "provinces") and compared in
-- test/oracle_inequality.sql; here they document the output format.
CREATE TABLE province (
    province text, region text, institutions int, personnel_10k float8, beds_10k float8,
    health_expense_per_capita_yuan float8, population_million float8);
\copy province FROM 'data/province_resources_2020.csv' CSV HEADER

-- population Gini of beds, health personnel and institutions
SELECT round(medres.gini_totals(beds_10k, population_million)::numeric, 4)      AS beds,
       round(medres.gini_totals(personnel_10k, population_million)::numeric, 4) AS personnel,
       round(medres.gini_totals(institutions, population_million)::numeric, 4)  AS institutions
FROM province;

-- the same from rates: beds per 1000 people weighted by population
SELECT round(medres.gini(beds_10k * 10 / population_million, population_million)::numeric, 4) AS gini
FROM province;

-- with the small-sample corrections
SELECT round(medres.gini(beds_10k / population_million, population_million, 'n')::numeric, 4) AS n_corrected,
       round(medres.gini(beds_10k / population_million, population_million, 'weights')::numeric, 4) AS weights_corrected
FROM province;

-- Lorenz curve points for a chart
SELECT round(population_share::numeric, 4) AS population_share,
       round(resource_share::numeric, 4)   AS resource_share
FROM unnest((SELECT medres.lorenz(beds_10k / population_million, population_million) FROM province))
LIMIT 5;

-- Theil T, Theil L, GE(2), Atkinson, CV and Hoover of beds per capita
SELECT round(medres.theil_t(beds_10k / population_million, population_million)::numeric, 5) AS theil_t,
       round(medres.theil_l(beds_10k / population_million, population_million)::numeric, 5) AS theil_l,
       round(medres.ge(beds_10k / population_million, 2, population_million)::numeric, 5)   AS ge2,
       round(medres.atkinson(beds_10k / population_million, 0.5, population_million)::numeric, 5) AS atkinson,
       round(medres.cv(beds_10k / population_million, population_million)::numeric, 5)      AS cv,
       round(medres.hoover(beds_10k / population_million, population_million)::numeric, 5)  AS hoover
FROM province;

-- East/Middle/West decomposition of Theil T for beds per capita
SELECT round((d).total::numeric, 5) AS total, round((d).between::numeric, 5) AS between,
       round((d).within::numeric, 5) AS within, round((d).between_share::numeric, 4) AS between_share
FROM (SELECT medres.ge_decomposition(beds_10k / population_million, population_million, region, 1) AS d
      FROM province) s;

SELECT g.grp, g.n, round(g.population_share::numeric, 4) AS pop_share,
       round(g.resource_share::numeric, 4) AS res_share, round(g.index::numeric, 5) AS theil_t,
       round(g.contribution::numeric, 5) AS contribution,
       round(g.contribution_share::numeric, 4) AS contribution_share
FROM (SELECT medres.ge_decomposition(beds_10k / population_million, population_million, region, 1) AS d
      FROM province) s, unnest((d).groups) AS g;

-- one Gini per region with GROUP BY
SELECT region, round(medres.gini_totals(beds_10k, population_million)::numeric, 4) AS gini
FROM province GROUP BY region ORDER BY region;

-- a concentration index: beds per capita ranked by health expenditure per capita
SELECT round(medres.concentration_index(beds_10k / population_million,
                                        health_expense_per_capita_yuan,
                                        population_million)::numeric, 4) AS ci
FROM province;
