-- Comprehensive evaluation: rank-sum ratio, probit grading, entropy weights, TOPSIS.
-- The figures checked here are the published test vector of METHODS.md ("Rank-sum
-- ratio", "Entropy weights and TOPSIS"), quoted in the comments; test/oracle_evaluation.py
-- recomputes them and random cases independently with scipy.
\set VERBOSITY default
\set SHOW_CONTEXT never
-- errstate(q) runs q and prints its SQLSTATE and message (or 'ok')
CREATE OR REPLACE FUNCTION errstate(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN others THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- 10 regions; x1 high-is-better, x2 and x3 low-is-better
CREATE TABLE region10 (unit int, x1 float8, x2 float8, x3 float8);
INSERT INTO region10 VALUES
  (1, 99.54, 60.27, 16.15), (2, 96.52, 59.67, 20.10), (3, 99.36, 43.91, 15.60),
  (4, 92.83, 58.99, 17.04), (5, 91.71, 35.40, 15.01), (6, 95.35, 44.71, 13.93),
  (7, 96.09, 49.81, 17.43), (8, 99.27, 31.69, 13.89), (9, 94.76, 22.91, 19.87),
  (10, 84.80, 81.49, 23.63);

-- RSR = 0.6000, 0.4000, 0.7667, 0.4000, 0.6000, 0.6667, 0.5000, 0.9000, 0.5667, 0.1000;
-- 3 grades: best = units 8 and 3, worst = unit 10
WITH r AS (SELECT unit, medres.rsr(ARRAY[x1, x2, x3], '+--') OVER () AS rsr FROM region10)
SELECT unit, round(rsr::numeric, 4) AS rsr, medres.rsr_grade(rsr) OVER () AS grade
FROM r ORDER BY unit;

-- fit RSR = -0.6085 + 0.2217 Probit, R^2 = 0.9379, F = 90.63
WITH r AS (SELECT medres.rsr(ARRAY[x1, x2, x3], '+--') OVER () AS rsr FROM region10)
SELECT (f).n, (f).distinct_values, round((f).intercept::numeric, 4) AS intercept,
       round((f).slope::numeric, 4) AS slope, round((f).r_squared::numeric, 4) AS r_squared,
       round((f).f::numeric, 2) AS f, (f).cut_probits
FROM (SELECT medres.rsr_fit(rsr) AS f FROM r) s;

-- entropy weights w = (0.294478, 0.363415, 0.342106)
SELECT array(SELECT round(w::numeric, 6) FROM unnest(medres.entropy_weights(ARRAY[x1, x2, x3], '+--')) w)
       AS entropy_weights
FROM region10;

-- TOPSIS with those weights:
-- C = (0.444727, 0.375895, 0.672090, 0.439314, 0.796043, 0.676575, 0.559181, 0.866472, 0.781511, 0)
SELECT unit, round(medres.topsis(ARRAY[x1, x2, x3], '+--',
                                 (SELECT medres.entropy_weights(ARRAY[x1, x2, x3], '+--') FROM region10))
                   OVER ()::numeric, 6) AS closeness
FROM region10 ORDER BY unit;

-- the distribution table by hand: 8 distinct values, the tied pairs (0.4 and 0.6) share
-- mean ranks 2.5 and 6.5; the largest value's percentile is 1 - 1/40 = 0.975
WITH r AS (SELECT medres.rsr(ARRAY[x1, x2, x3], '+--') OVER () AS rsr FROM region10)
SELECT round(t.value::numeric, 4) AS value, t.f, t.cum_f, t.mean_rank, t.percentile
FROM unnest((SELECT medres.rsr_table(rsr) FROM r)) AS t;

-- results do not depend on row order: the same grades with the rows reversed
WITH r AS (SELECT unit, medres.rsr(ARRAY[x1, x2, x3], '+--') OVER (ORDER BY unit DESC) AS rsr FROM region10)
SELECT string_agg(unit || ':' || g, ' ' ORDER BY unit) AS grades_reversed
FROM (SELECT unit, medres.rsr_grade(rsr) OVER (ORDER BY unit DESC) AS g FROM r) s;

-- weighted RSR with weights (2, 1, 1) = sum_j w_j R_ij / (n sum w): unit 8 has ranks
-- (8, 9, 10) -> (16 + 9 + 10) / 40 = 0.875
WITH r AS (SELECT unit, medres.rsr(ARRAY[x1, x2, x3], '+--', ARRAY[2, 1, 1]) OVER () AS wrsr FROM region10)
SELECT wrsr FROM r WHERE unit = 8;

-- non-integer ranks: R = 1 + (n-1)(x - min)/(max - min), mirrored for '-'.
-- unit 10: x1 is the minimum (1), x2 and x3 the maxima of low-is-better (1): RSR = 3/30
WITH r AS (SELECT unit, medres.rsr(ARRAY[x1, x2, x3], '+--', ranking => 'noninteger') OVER () AS rsr
           FROM region10)
SELECT round(rsr::numeric, 12) AS rsr_unit10 FROM r WHERE unit = 10;

-- the cumulative-frequency probit: unit 10 has p = 1/10, probit = 5 + Phi^-1(0.1) = 3.718448
WITH r AS (SELECT unit, medres.rsr(ARRAY[x1, x2, x3], '+--') OVER () AS rsr FROM region10),
     p AS (SELECT unit, medres.rsr_probit(rsr, 'cumulative') OVER () AS probit FROM r)
SELECT unit, round(probit::numeric, 6) AS probit FROM p WHERE unit = 10;

-- grading by the observed score instead of the fitted one
WITH r AS (SELECT unit, medres.rsr(ARRAY[x1, x2, x3], '+--') OVER () AS rsr FROM region10)
SELECT string_agg(unit || ':' || g, ' ' ORDER BY unit) AS observed_grades
FROM (SELECT unit, medres.rsr_grade(rsr, 3, 'observed') OVER () AS g FROM r) s;

-- ---- density and agglomeration ----
-- METHODS.md: R = (5000, 12000, 3000), P = (400, 900, 150), A = (20000, 15000, 60000):
-- HRDI = (1.768, 3.266, 1.000), HRAD = (1.1875, 3.8, 0.2375), PAD = (1.3103, 3.9310, 0.1638);
-- HRAD/PAD by hand for the first region: (5000/20000) / (400/1450) = 0.90625
-- example: density
SELECT region, round(medres.hrdi(beds, population, area)::numeric, 4) AS hrdi,
       round(medres.hrad(beds, area) OVER ()::numeric, 4) AS hrad,
       round(medres.pad(population, area) OVER ()::numeric, 4) AS pad,
       round(medres.hrad_pad(beds, population) OVER ()::numeric, 5) AS hrad_pad
FROM (VALUES ('A', 5000, 400, 20000), ('B', 12000, 900, 15000), ('C', 3000, 150, 60000))
     AS t(region, beds, population, area)
ORDER BY region;
-- a NULL takes the row out of the totals: B alone has HRAD 1
SELECT region, medres.hrad(beds, area) OVER () AS hrad
FROM (VALUES ('A', NULL, 20000), ('B', 12000, 15000)) AS t(region, beds, area) ORDER BY region;
-- bad input: negative resource, zero area or population, NaN
SELECT medres.hrdi(-1, 1, 1);
SELECT medres.hrdi(1, 0, 1);
SELECT medres.hrdi(1, 1, 'NaN');
SELECT medres.hrad(r, a) OVER () FROM (VALUES (1::float8, 0::float8)) t(r, a);
SELECT medres.pad(p, a) OVER () FROM (VALUES ('Infinity'::float8, 1::float8)) t(p, a);

-- ---- bad input ----
-- a NULL indicator array: that row gets NULL and takes no part
SELECT unit, medres.rsr(CASE WHEN unit = 1 THEN NULL ELSE ARRAY[x1] END) OVER () AS rsr
FROM region10 ORDER BY unit LIMIT 3;
-- arrays of different lengths in one partition
SELECT medres.rsr(CASE WHEN unit = 1 THEN ARRAY[x1] ELSE ARRAY[x1, x2] END) OVER () FROM region10;
-- NULL elements, NaN, Infinity
SELECT medres.rsr(ARRAY[x1, NULL]) OVER () FROM region10;
SELECT medres.rsr(ARRAY[x1, 'NaN']) OVER () FROM region10;
SELECT medres.topsis(ARRAY[x1, 'Infinity']) OVER () FROM region10;
SELECT medres.entropy_weights(ARRAY[x1, '-Infinity']) FROM region10;
SELECT medres.rsr_probit(CASE WHEN unit = 3 THEN 'NaN' ELSE x1 END) OVER () FROM region10;
-- directions that do not match the indicators
SELECT medres.rsr(ARRAY[x1, x2], '+') OVER () FROM region10;
SELECT medres.rsr(ARRAY[x1, x2], '+x') OVER () FROM region10;
-- a constant indicator under non-integer ranking or entropy weights
SELECT medres.rsr(ARRAY[x1, 1], ranking => 'noninteger') OVER () FROM region10;
SELECT medres.entropy_weights(ARRAY[x1, 1]) FROM region10;
-- weights: negative, wrong count, all zero
SELECT medres.rsr(ARRAY[x1, x2], weights => ARRAY[1, -1]) OVER () FROM region10;
SELECT medres.topsis(ARRAY[x1, x2], weights => ARRAY[1, 1, 1]) OVER () FROM region10;
SELECT medres.rsr(ARRAY[x1, x2], weights => ARRAY[0, 0]) OVER () FROM region10;
-- fewer than 3 distinct scores for a fit
SELECT medres.rsr_fit(s) FROM (VALUES (0.1::float8), (0.2), (0.2)) t(s);
SELECT medres.rsr_grade(s) OVER () FROM (VALUES (0.1::float8), (0.2)) t(s);
-- grades outside 2..10
SELECT medres.rsr_grade(x1, 1) OVER () FROM region10;
SELECT medres.rsr_fit(x1, 11) FROM region10;
-- unknown option values
SELECT medres.rsr(ARRAY[x1], ranking => 'fractional') OVER () FROM region10;
SELECT medres.rsr_probit(x1, 'median') OVER () FROM region10;
SELECT medres.rsr_grade(x1, 3, 'predicted') OVER () FROM region10;
-- an indicator that is zero for every unit cannot be vector-normalised
SELECT medres.topsis(ARRAY[x1, 0]) OVER () FROM region10;
-- entropy weights need at least two units
SELECT medres.entropy_weights(ARRAY[1.0::float8, 2.0]);
-- a partition that would need more memory than medres.memory_limit fails up front
SET medres.memory_limit = '1MB';
SELECT count(r) FROM (SELECT medres.rsr(ARRAY[i::float8, i, i, i, i, i, i, i]) OVER () AS r
                      FROM generate_series(1, 50000) i) s;
-- ... and so does every other structure that grows with the input (54000, never XX000):
-- the probit table (8 bytes of cache + 88 of work per row), the shares of hrad, the
-- aggregates' row store, the Hoover state and the decomposition's groups
SELECT errstate($$SELECT count(p) FROM (SELECT medres.rsr_probit(i) OVER () AS p FROM generate_series(1, 50000) i) s$$);
SELECT errstate($$SELECT count(p) FROM (SELECT medres.rsr_grade(i) OVER () AS p FROM generate_series(1, 50000) i) s$$);
SELECT errstate($$SELECT count(p) FROM (SELECT medres.hrad(i, i) OVER () AS p FROM generate_series(1, 100000) i) s$$);
SELECT errstate($$SELECT count(p) FROM (SELECT medres.topsis(ARRAY[i::float8, i, i, i, i, i, i, i]) OVER () AS p FROM generate_series(1, 50000) i) s$$);
SELECT errstate($$SELECT (medres.rsr_fit(i)).n FROM generate_series(1, 200000) i$$);
SELECT errstate($$SELECT medres.entropy_weights(ARRAY[i::float8, i]) FROM generate_series(1, 100000) i$$);
SELECT errstate($$SELECT medres.hoover(i) FROM generate_series(1, 100000) i$$);
SELECT errstate($$SELECT (medres.ge_decomposition(i, 1, i::text, 2)).total FROM generate_series(1, 100000) i$$);
RESET medres.memory_limit;

-- ---- extreme values: the right finite number, or 22003 when there is none ----
-- weights are used in proportion, so weights of 1e308 (whose sum overflows) are equal
-- weights: units (1,2), (2,1), (3,3) have rank sums 3, 3, 6 over n m = 6: 0.5, 0.5, 1
SELECT medres.rsr(x, NULL, '{1e308,1e308}') OVER () AS rsr_huge_weights
FROM (VALUES (1, '{1,2}'::float8[]), (2, '{2,1}'), (3, '{3,3}')) t(u, x) ORDER BY u;
-- ... and on region10 equal huge weights give exactly the unweighted RSR and TOPSIS
SELECT bool_and(a = b) AS rsr_equal, bool_and(abs(c - d) <= 1e-15) AS topsis_equal
FROM (SELECT medres.rsr(ARRAY[x1, x2, x3], '+--') OVER () AS a,
             medres.rsr(ARRAY[x1, x2, x3], '+--', ARRAY[1e308, 1e308, 1e308]) OVER () AS b,
             medres.topsis(ARRAY[x1, x2, x3], '+--') OVER () AS c,
             medres.topsis(ARRAY[x1, x2, x3], '+--', ARRAY[1e308, 1e308, 1e308]) OVER () AS d
      FROM region10) s;
-- non-integer ranks of (1e308, -1e308, 0): R = 1 + 2 (x - min)/(max - min) = 3, 1, 2;
-- RSR = R / n = 1, 1/3, 2/3 although max - min overflows
SELECT round(medres.rsr(x, NULL, NULL, 'noninteger') OVER ()::numeric, 15) AS rsr_noninteger
FROM (VALUES (1, '{1e308}'::float8[]), (2, '{-1e308}'), (3, '{0}')) t(u, x) ORDER BY u;
-- TOPSIS of (1e308, 1e308) and (1e307, 1e307): the first unit is the ideal on both
-- indicators and the second the anti-ideal: closeness 1 and 0 (the squares overflow)
SELECT medres.topsis(x) OVER () AS topsis_huge
FROM (VALUES (1, '{1e308,1e308}'::float8[]), (2, '{1e307,1e307}')) t(u, x) ORDER BY u;
-- entropy weights are scale-free: region10 times 1e306 gives (0.294478, 0.363415, 0.342106)
SELECT array(SELECT round(w::numeric, 6)
             FROM unnest(medres.entropy_weights(ARRAY[x1 * 1e306, x2 * 1e306, x3 * 1e306], '+--')) w)
       AS entropy_weights_1e306
FROM region10;
-- indicators spanning -1e308..1e308 (the range overflows): z = (1, 0, 1/2) in both
-- columns, so the entropies are equal and so are the weights
SELECT medres.entropy_weights(x) AS entropy_weights_symmetric
FROM (VALUES ('{1e308,-1e308}'::float8[]), ('{-1e308,1e308}'), ('{0,0}')) t(x);
-- the probit fit is linear in the scores (figures from Python's statistics.NormalDist
-- and the OLS formulas, independent of medres).  Probits 5 + Phi^-1(1/3, 2/3, 11/12) =
-- (4.569273, 5.430727, 6.382994), mean 5.460998, Sxx = 1.646167.  Scores (0.6, 0.8, 1):
-- Sxy = 0.362744, b = 0.220357, a = 0.8 - 5.460998 b = -0.403369, R^2 = 0.999165,
-- cut scores a + 4 b = 0.478059 and a + 6 b = 0.918773.  Times 1e308 (the score sum
-- and the squared deviations overflow) everything but R^2 scales by 1e308:
SELECT round(((f).intercept / 1e307)::numeric, 5) AS intercept_e307,
       round(((f).slope / 1e307)::numeric, 5) AS slope_e307,
       round((f).r_squared::numeric, 6) AS r_squared,
       array[round(((f).cut_scores[1] / 1e307)::numeric, 5),
             round(((f).cut_scores[2] / 1e307)::numeric, 5)] AS cut_scores_e307
FROM (SELECT medres.rsr_fit(x) AS f FROM (VALUES (0.6e308::float8), (0.8e308), (1e308)) t(x)) s;
-- Scores (-1e308, 0, 1e308): Sxy = 1.813721e308, b = 1.101784e308 and
-- a = 0 - 5.460998 b = -6.0168e308, beyond double precision: rsr_fit raises 22003 ...
SELECT errstate($$SELECT medres.rsr_fit(x) FROM (VALUES (1e308::float8), (-1e308), (0)) t(x)$$);
-- ... but the fitted scores a + b probit = b (probit - 5.460998) are finite:
-- -0.982489e308, -0.033352e308, 1.015841e308
SELECT round((t.fitted / 1e302)::numeric) AS fitted_e302
FROM unnest((SELECT medres.rsr_table(x) FROM (VALUES (1e308::float8), (-1e308), (0)) t(x))) t;
-- grades do not change when the scores are multiplied by 1.7e308 (same fit, scaled)
SELECT bool_and(g1 = g2) AS grades_scale_free
FROM (SELECT medres.rsr_grade(rsr) OVER () AS g1, medres.rsr_grade(rsr * 1.7e308) OVER () AS g2
      FROM (SELECT medres.rsr(ARRAY[x1, x2, x3], '+--') OVER () AS rsr FROM region10) r) s;
-- scores that are their own probits lie exactly on the line score = 0 + 1 probit:
-- R^2 = 1 leaves no residual and F is infinite, so rsr_fit raises 22003 ...
SELECT errstate($$SELECT medres.rsr_fit(p) FROM (SELECT medres.rsr_probit(x) OVER () AS p
                                                 FROM generate_series(1, 3) x) s$$);
-- ... while the grades (which need no F) are still defined: probits 4.57, 5.43, 6.38
-- against cuts 4 and 6 give grades 2, 2, 1
SELECT x, medres.rsr_grade(p) OVER () AS grade
FROM (SELECT x, medres.rsr_probit(x) OVER () AS p FROM generate_series(1, 3) x) s ORDER BY x;
-- hrdi = R / sqrt(P A) without intermediate overflow: 1e-300 / sqrt(1e-300 1e-300) = 1,
-- 1e308 / sqrt(1e308 1e308) = 1, 4 / sqrt(2 8) = 1, 3 / sqrt(1 4) = 1.5;
-- 5e-324 / 1e308 is far below the smallest double: 0
SELECT medres.hrdi(1e-300, 1e-300, 1e-300) AS tiny, medres.hrdi(1e308, 1e308, 1e308) AS huge,
       medres.hrdi(4, 2, 8) AS plain, medres.hrdi(3, 1, 4) AS odd_exponent,
       medres.hrdi(5e-324, 1e308, 1e308) AS underflow;
-- 1e308 / sqrt(1e-308 1e-308) = 1e616 is beyond double precision: 22003
SELECT errstate($$SELECT medres.hrdi(1e308, 1e-308, 1e-308)$$);
-- shares of totals that overflow: two equal rows of 1e308 each hold half of everything: 1
SELECT medres.hrad(r, a) OVER () AS hrad, medres.pad(r, a) OVER () AS pad,
       medres.hrad_pad(r, a) OVER () AS hrad_pad
FROM (VALUES (1e308::float8, 1e308::float8), (1e308, 1e308)) t(r, a);
-- (1e308, 1) and (1e-300, 1e-300): HRAD_1 = (1e308/(1e308 + 1e-300)) / (1/(1 + 1e-300)) = 1,
-- HRAD_2 = (1e-300/1e308) / (1e-300/1) = 1e-308
SELECT medres.hrad(r, a) OVER (ORDER BY r DESC) AS hrad_mixed
FROM (VALUES (1e308::float8, 1::float8), (1e-300, 1e-300)) t(r, a);
-- a share ratio beyond double precision: (1/2) / (5e-324/1) for the first row: 22003
SELECT errstate($$SELECT medres.hrad(r, a) OVER () FROM (VALUES (1e308::float8, 5e-324::float8), (1e308, 1)) t(r, a)$$);
-- all resources zero: the shares divide by a zero total: 22023
SELECT errstate($$SELECT medres.hrad(r, a) OVER () FROM (VALUES (0::float8, 1::float8), (0, 2)) t(r, a)$$);

-- ---- options must be the same in every row of a partition (22023) ----
SELECT errstate($$SELECT medres.rsr(ARRAY[x1], CASE WHEN unit = 1 THEN '+' ELSE '-' END) OVER () FROM region10$$);
SELECT errstate($$SELECT medres.rsr(ARRAY[x1], '+', ARRAY[unit::float8]) OVER () FROM region10$$);
SELECT errstate($$SELECT medres.rsr(ARRAY[x1], '+', NULL, CASE WHEN unit = 2 THEN 'noninteger' ELSE 'integer' END) OVER () FROM region10$$);
SELECT errstate($$SELECT medres.rsr_probit(x1, CASE WHEN unit = 1 THEN 'rank' ELSE 'cumulative' END) OVER () FROM region10$$);
SELECT errstate($$SELECT medres.rsr_grade(x1, CASE WHEN unit = 1 THEN 3 ELSE 4 END) OVER () FROM region10$$);
SELECT errstate($$SELECT medres.rsr_grade(x1, CASE WHEN unit = 5 THEN NULL ELSE 3 END) OVER () FROM region10$$);
SELECT errstate($$SELECT medres.rsr_grade(x1, 3, CASE WHEN unit = 1 THEN 'fitted' ELSE 'observed' END) OVER () FROM region10$$);
SELECT errstate($$SELECT medres.topsis(ARRAY[x1], CASE WHEN unit = 1 THEN '+' ELSE '-' END) OVER () FROM region10$$);
SELECT errstate($$SELECT medres.topsis(ARRAY[x1, x2], NULL, ARRAY[1, unit]) OVER () FROM region10$$);
-- ... but an option that is the same in every row, though not a constant, is fine
SELECT count(*) AS same_option_rows
FROM (SELECT medres.rsr_grade(x1, (SELECT 3)) OVER () AS g, medres.rsr_grade(x1, length('abc')) OVER () AS h
      FROM region10) s WHERE g = h;
-- an unbounded number of grades is refused (2 to 10)
SELECT errstate($$SELECT medres.rsr_grade(x1, 2147483647) OVER () FROM region10$$);

-- ---- the examples of doc/evaluation.md: the 31 provinces on four per-capita indicators
-- (beds, health personnel and institutions per person, health expense per person; all
-- high-is-better).  test/oracle_evaluation.py recomputes them (case "provinces").
CREATE TABLE province (
    province text, region text, institutions int, personnel_10k float8, beds_10k float8,
    health_expense_per_capita_yuan float8, population_million float8);
\copy province FROM 'data/province_resources_2020.csv' CSV HEADER
CREATE VIEW province_rates AS
SELECT province, region, beds_10k / population_million AS beds,
       personnel_10k / population_million AS personnel,
       institutions / population_million AS institutions,
       health_expense_per_capita_yuan AS expense
FROM province;

-- example: rsr
SELECT province, round(rsr::numeric, 4) AS rsr,
       medres.rsr_grade(rsr) OVER () AS grade
FROM (SELECT province, medres.rsr(ARRAY[beds, personnel, institutions, expense]) OVER () AS rsr
      FROM province_rates) s
ORDER BY rsr DESC, province LIMIT 5;

-- example: rsr_probit
SELECT province, round(rsr::numeric, 4) AS rsr,
       round(medres.rsr_probit(rsr) OVER ()::numeric, 4) AS probit
FROM (SELECT province, medres.rsr(ARRAY[beds, personnel, institutions, expense]) OVER () AS rsr
      FROM province_rates) s
ORDER BY rsr, province LIMIT 3;

-- example: rsr_fit
SELECT (f).n, (f).distinct_values, round((f).intercept::numeric, 4) AS intercept,
       round((f).slope::numeric, 4) AS slope, round((f).r_squared::numeric, 4) AS r_squared,
       round((f).f::numeric, 1) AS f, (f).p_value < 1e-10 AS p_below_1e10, (f).cut_probits
FROM (SELECT medres.rsr_fit(rsr) AS f
      FROM (SELECT medres.rsr(ARRAY[beds, personnel, institutions, expense]) OVER () AS rsr
            FROM province_rates) s) t;

-- example: rsr_table
SELECT round(value::numeric, 4) AS value, f, cum_f, mean_rank, round(percentile::numeric, 4) AS percentile,
       round(probit::numeric, 4) AS probit, round(fitted::numeric, 4) AS fitted
FROM unnest((SELECT medres.rsr_table(rsr)
             FROM (SELECT medres.rsr(ARRAY[beds, personnel, institutions, expense]) OVER () AS rsr
                   FROM province_rates) s))
LIMIT 4;

-- example: entropy_weights
SELECT array(SELECT round(w::numeric, 4)
             FROM unnest(medres.entropy_weights(ARRAY[beds, personnel, institutions, expense])) AS w)
       AS weights
FROM province_rates;

-- example: topsis
SELECT province,
       round(medres.topsis(ARRAY[beds, personnel, institutions, expense], '++++',
                           (SELECT medres.entropy_weights(ARRAY[beds, personnel, institutions, expense])
                            FROM province_rates)) OVER ()::numeric, 4) AS closeness
FROM province_rates
ORDER BY closeness DESC, province LIMIT 5;

-- example: hrad_pad on provinces
SELECT province, round(medres.hrad_pad(beds_10k, population_million) OVER ()::numeric, 3) AS beds_share_over_population_share
FROM province ORDER BY 2 DESC, province LIMIT 3;
-- the same by plain arithmetic: beds per person over the national beds per person
SELECT bool_and(abs(medres_value - plain) <= 1e-12 * plain) AS hrad_pad_matches_plain_sql
FROM (SELECT medres.hrad_pad(beds_10k, population_million) OVER () AS medres_value,
             (beds_10k / population_million) / (sum(beds_10k) OVER () / sum(population_million) OVER ()) AS plain
      FROM province) s;

-- leave the database as we found it: provinces.sql creates the same table
DROP VIEW province_rates;
DROP TABLE province;
