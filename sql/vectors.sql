-- Test vectors with independently published values (METHODS.md).
-- Each expected figure below is quoted from the source in a comment; the
-- query rounds medres's result to the digits the source gives.

CREATE TABLE vec (x float8, w float8, grp text);
INSERT INTO vec VALUES
  (4.2, 10, '1'), (5.1, 20, '1'), (6.3, 15, '1'),
  (3.3,  5, '2'), (7.7, 30, '2'),
  (8.8,  8, '3'), (2.9, 12, '3'), (5.5,  9, '3');

-- MLD: total 0.0531639216, within 0.0439739710, between 0.0091899506
-- Theil T: total 0.0489038122, within 0.0394538565, between 0.0094499557
SELECT alpha, round((d).total::numeric, 10) AS total,
       round((d).within::numeric, 10) AS within,
       round((d).between::numeric, 10) AS between
FROM (SELECT a AS alpha, medres.ge_decomposition(x, w, grp, a) AS d
      FROM vec, (VALUES (0::float8), (1)) AS alphas(a) GROUP BY a) s
ORDER BY alpha;

-- the plain aggregates give the same totals
SELECT round(medres.theil_l(x, w)::numeric, 10) AS mld,
       round(medres.theil_t(x, w)::numeric, 10) AS theil_t,
       round(medres.ge(x, 0, w)::numeric, 10) AS ge0,
       round(medres.ge(x, 1, w)::numeric, 10) AS ge1
FROM vec;

-- Theil T keeps zeros in W and mu: x = (0,1,2,3,10) gives 0.568598
-- (libraries that drop zeros give 0.345455).
SELECT round(medres.theil_t(x)::numeric, 6) AS theil_t
FROM (VALUES (0::float8), (1), (2), (3), (10)) AS t(x);

-- Hand derivation, x = (1, 3), unweighted: mu = 2, shares s = (1/4, 3/4), p = (1/2, 1/2).
--   Gini = |1-3| * 2 / (2 * 2^2 * 2) = 1/4;  with n/(n-1): 1/2
--   Hoover = 1/2 (|1/4-1/2| + |3/4-1/2|) = 1/4
--   CV = sd/mu = 1/2
--   Theil T = 1/4 ln(1/2) + 3/4 ln(3/2) = 0.130812035941137...
--   MLD = ln 2 - (ln 1 + ln 3)/2 = 0.143841036225890...
--   GE(2) = 1/2 * (1/2 ((1/2)^2 + (3/2)^2) - 1) = 1/8
--   Atkinson(1) = 1 - sqrt(3)/2 = 0.133974596215561...
--   Atkinson(2) = 1 - (1/2 (2 + 2/3))^(-1)/2 = 1 - 3/4 = 1/4
SELECT medres.gini(x) AS gini, medres.gini(x, 1, 'n') AS gini_n,
       medres.hoover(x) AS hoover, medres.cv(x) AS cv,
       round(medres.theil_t(x)::numeric, 15) AS theil_t,
       round(medres.theil_l(x)::numeric, 15) AS mld,
       round(medres.ge(x, 2)::numeric, 15) AS ge2,
       round(medres.atkinson(x, 1)::numeric, 15) AS atk1,
       round(medres.atkinson(x, 2)::numeric, 15) AS atk2
FROM (VALUES (1::float8), (3)) AS t(x);

-- Weighted Gini equals the unweighted Gini of the data with rows repeated
-- by their (integer) weights: (1,w=2),(2,w=1),(4,w=1) = (1,1,2,4).
-- Unweighted by hand: sum|xi-xj| over ordered pairs = 2*(0+1+3+1+3+2) = 20,
-- G = 20 / (2 * 16 * 2) = 0.3125.
SELECT medres.gini(x, w) AS weighted
FROM (VALUES (1::float8, 2::float8), (2, 1), (4, 1)) AS t(x, w);
SELECT medres.gini(x) AS repeated FROM (VALUES (1::float8), (1), (2), (4)) AS t(x);

-- Lorenz curve of (1,1,2,4): points at distinct values, ties merged.
-- population shares 0, 1/2, 3/4, 1; resource shares 0, 2/8, 4/8, 1.
SELECT p.* FROM unnest((SELECT medres.lorenz(x) FROM (VALUES (1::float8), (1), (2), (4)) t(x))) p;

-- Concentration index, hand derivation: h = (1, 2, 3) ranked by r = (10, 20, 30),
-- F = (1/6, 1/2, 5/6), mu = 2: C = 2 * (1/3) * sum h (F - 1/2) / mu
--   = (2/3) * (1*(-1/3) + 0 + 3*(1/3)) / 2 = 2/9 = 0.2222...
-- Wagstaff and Erreygers need h in [0,1]: h/4 = (0.25, 0.5, 0.75), mu = 0.5, C = 2/9:
--   Wagstaff = C/(1-mu) = 4/9; Erreygers = 4 mu C = 4/9.
SELECT round(medres.concentration_index(h, r)::numeric, 12) AS ci FROM
  (VALUES (1::float8, 10::float8), (2, 20), (3, 30)) t(h, r);
SELECT round(medres.concentration_index(h / 4, r, 1, 'wagstaff')::numeric, 12) AS wagstaff,
       round(medres.concentration_index(h / 4, r, 1, 'erreygers')::numeric, 12) AS erreygers
FROM (VALUES (1::float8, 10::float8), (2, 20), (3, 30)) t(h, r);
-- ties in the ranking variable share one mid-point rank:
-- r = (1, 1, 2) with h = (1, 3, 2): F = (1/3, 1/3, 5/6), mu = 2,
-- C = (2/3) * (1*(-1/6) + 3*(-1/6) + 2*(1/3)) / 2 = 0
SELECT round(medres.concentration_index(h, r)::numeric, 12) AS ci_ties FROM
  (VALUES (1::float8, 1::float8), (3, 1), (2, 2)) t(h, r);

-- gini_totals(resource, population) is the Gini of resource/population weighted by population
SELECT round(medres.gini_totals(x * w, w)::numeric, 12) AS from_totals,
       round(medres.gini(x, w)::numeric, 12) AS from_rates
FROM vec;

-- subnormal values and weights (below 2.2e-308) are scaled exactly, not lost:
-- x = (1, 3) and weights (1, 3) times 5e-324 give the n = 2 figures of window.sql
SELECT medres.gini(x * 5e-324) AS gini_subnormal_x, medres.gini(x, 5e-324) AS gini_subnormal_w,
       round(medres.gini(x, x * 5e-324)::numeric, 14) AS gini_subnormal_xw,
       round(medres.theil_t(x * 5e-324)::numeric, 15) AS theil_subnormal,
       medres.hoover(x * 5e-324) AS hoover_subnormal, medres.cv(x * 5e-324) AS cv_subnormal
FROM (VALUES (1::float8), (3)) AS t(x);
