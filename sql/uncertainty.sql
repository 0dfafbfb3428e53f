-- The examples of doc/uncertainty.md (confidence intervals and tests), on China's 31
-- provinces in 2020; tools/check_doc_examples.py checks that each appears here with its
-- output.  The values themselves are checked against an independent oracle in
-- test/oracle_uncertainty.sql.  The page makes its own province table: here in a schema of
-- its own, beside the one of sql/provinces.sql.
CREATE SCHEMA uncertainty_doc;
SET search_path = uncertainty_doc, public;
CREATE TABLE province (
    province text, region text, institutions int, personnel_10k float8, beds_10k float8,
    health_expense_per_capita_yuan float8, population_million float8);
\copy province FROM 'data/province_resources_2020.csv' CSV HEADER
SELECT count(*) AS provinces FROM province;

-- example: analytic interval of the Gini
SELECT round(estimate::numeric, 4) AS gini, round(se::numeric, 4) AS se,
       round(lower::numeric, 4) AS lower, round(upper::numeric, 4) AS upper, level, method
FROM (SELECT (medres.inequality_ci('gini', beds_10k / population_million, population_million)).*
      FROM province) s;

-- example: bootstrap intervals of several measures
SELECT measure, round((ci).estimate::numeric, 4) AS estimate, round((ci).se::numeric, 4) AS se,
       round((ci).lower::numeric, 4) AS lower, round((ci).upper::numeric, 4) AS upper
FROM (SELECT measure,
             medres.inequality_ci(measure, beds_10k / population_million, population_million,
                                  'bootstrap-percentile', 0.95, 1000, 42) AS ci
      FROM province, (VALUES ('gini'), ('theil_t'), ('ge(2)'), ('atkinson(0.5)'), ('cv'), ('hoover')) AS m(measure)
      GROUP BY measure) s
ORDER BY measure;

-- example: analytic and bootstrap side by side, per region
SELECT region, round((a).estimate::numeric, 4) AS gini,
       round((a).lower::numeric, 4) || ' .. ' || round((a).upper::numeric, 4) AS analytic,
       round((b).lower::numeric, 4) || ' .. ' || round((b).upper::numeric, 4) AS bootstrap_normal
FROM (SELECT region,
             medres.inequality_ci('gini', beds_10k / population_million, population_million) AS a,
             medres.inequality_ci('gini', beds_10k / population_million, population_million,
                                  'bootstrap-normal', 0.95, 1000, 1) AS b
      FROM province GROUP BY region) s
ORDER BY region;

-- example: concentration index
SELECT round(estimate::numeric, 4) AS ci, round(se::numeric, 4) AS se,
       round(lower::numeric, 4) AS lower, round(upper::numeric, 4) AS upper
FROM (SELECT (medres.concentration_index_ci(beds_10k / population_million,
                                            health_expense_per_capita_yuan,
                                            population_million)).*
      FROM province) s;

-- example: the between-group share of Theil T, interval and permutation test
SELECT round((ci).estimate::numeric, 4) AS between_share,
       round((ci).lower::numeric, 4) AS lower, round((ci).upper::numeric, 4) AS upper,
       round((t).p_value::numeric, 4) AS p_value, (t).permutations
FROM (SELECT medres.ge_decomposition_ci(beds_10k / population_million, population_million, region, 1,
                                        'between_share', 'bootstrap-percentile', 0.95, 1000, 7) AS ci,
             medres.ge_between_test(beds_10k / population_million, population_million, region, 1,
                                    9999, 7) AS t
      FROM province) s;

-- example: errors
SELECT medres.inequality_ci('gini', beds_10k, population_million, 'analytic', 1.5) FROM province;
SELECT medres.inequality_ci('gini', beds_10k, population_million, 'bootstrap', 0.95) FROM province;

DROP TABLE province;
RESET search_path;
DROP SCHEMA uncertainty_doc;
