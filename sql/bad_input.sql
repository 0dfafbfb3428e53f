-- Bad input: NULL rows are skipped, empty input gives NULL, and every
-- invalid value raises SQLSTATE 22023 naming the argument and the value.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE TABLE nums (x float8, w float8, g text);
INSERT INTO nums VALUES (1, 1, 'a'), (2, NULL, 'a'), (NULL, 3, 'b'), (3, 1, NULL), (5, 2, 'b');

-- NULL value or weight: the row is skipped (so these equal the two-/three-row answers)
SELECT medres.gini(x, w) = medres.gini(x, w) FILTER (WHERE x IS NOT NULL AND w IS NOT NULL) AS gini_skips,
       medres.theil_t(x, w) = medres.theil_t(x, w) FILTER (WHERE x IS NOT NULL AND w IS NOT NULL) AS theil_skips,
       medres.hoover(x, w) = medres.hoover(x, w) FILTER (WHERE x IS NOT NULL AND w IS NOT NULL) AS hoover_skips
FROM nums;
-- a NULL group is skipped too
SELECT array_length((medres.ge_decomposition(x, w, g, 1)).groups, 1) AS groups FROM nums;

-- empty and all-NULL input: NULL
SELECT medres.gini(x) IS NULL AS gini, medres.gini_totals(x, x) IS NULL AS gini_totals,
       medres.lorenz(x) IS NULL AS lorenz, medres.theil_t(x) IS NULL AS theil_t,
       medres.theil_l(x) IS NULL AS theil_l, medres.ge(x, 2) IS NULL AS ge,
       medres.atkinson(x, 0.5) IS NULL AS atkinson, medres.cv(x) IS NULL AS cv,
       medres.hoover(x) IS NULL AS hoover, medres.concentration_index(x, x) IS NULL AS ci,
       medres.ge_decomposition(x, x, 'g', 1) IS NULL AS decomposition
FROM nums WHERE false;
SELECT medres.gini(x) IS NULL AS all_null, medres.theil_t(x) IS NULL AS theil_all_null
FROM (VALUES (NULL::float8), (NULL)) t(x);

-- alpha above 256 is refused (22023) instead of summing terms beyond double precision;
-- GE(256) of 10 and 0.5 is finite: mu = 5.25, (10/5.25)^256 = exp(256 ln 1.904762) =
-- exp(164.9554) = 4.3573e71, (0.5/5.25)^256 is nothing beside it, so the mean less 1, over
-- 256 x 255 = 65280, is 4.3573e71 / 2 / 65280 = 3.337e66
SELECT medres.ge(x, 1e200) FROM (VALUES (10::float8), (0.5)) v(x);
SELECT (medres.ge_decomposition(x, 1, 'a', 257)).total FROM (VALUES (10::float8), (0.5)) v(x);
SELECT to_char(medres.ge(x, 256), '9.999EEEE') AS ge_256 FROM (VALUES (10::float8), (0.5)) v(x);

-- negative weight
SELECT medres.gini(1, -1);
SELECT medres.theil_t(1, -0.5);
SELECT medres.cv(1, -2);
SELECT medres.hoover(1, -2);
SELECT medres.ge_decomposition(1, -1, 'a', 1);
SELECT medres.concentration_index(1, 1, -1);
-- NaN and infinities in values and weights
SELECT medres.gini('NaN'::float8);
SELECT medres.gini(1, 'Infinity');
SELECT medres.theil_t('Infinity'::float8);
SELECT medres.theil_l('-Infinity'::float8);
SELECT medres.ge(1, 2, 'NaN');
SELECT medres.atkinson('NaN'::float8, 0.5);
SELECT medres.cv('Infinity'::float8);
SELECT medres.hoover('NaN'::float8);
SELECT medres.lorenz('NaN'::float8);
SELECT medres.concentration_index('NaN'::float8, 1);
SELECT medres.concentration_index(1, 'Infinity'::float8);
SELECT medres.ge_decomposition('NaN', 1, 'a', 1);
-- negative values
SELECT medres.gini(-1::float8);
SELECT medres.gini_totals(-5, 10);
SELECT medres.gini_totals(5, -10);
SELECT medres.theil_t(-1::float8);
SELECT medres.hoover(-1::float8);
-- a zero where a logarithm or negative power needs a positive value
SELECT medres.theil_l(x) FROM (VALUES (1::float8), (0)) t(x);
SELECT medres.ge(x, 0) FROM (VALUES (1::float8), (0)) t(x);
SELECT medres.ge(x, -1) FROM (VALUES (1::float8), (0)) t(x);
SELECT medres.atkinson(x, 1) FROM (VALUES (1::float8), (0)) t(x);
SELECT medres.atkinson(x, 2) FROM (VALUES (1::float8), (0)) t(x);
SELECT medres.ge_decomposition(x, 1, 'a', 0) FROM (VALUES (1::float8), (0)) t(x);
-- ... but Theil T, GE(alpha > 0) and Atkinson(epsilon < 1) accept zeros (0 ln 0 = 0)
SELECT round(medres.theil_t(x)::numeric, 12) AS theil_t, round(medres.ge(x, 2)::numeric, 12) AS ge2,
       round(medres.atkinson(x, 0.5)::numeric, 12) AS atk
FROM (VALUES (1::float8), (0)) t(x);
-- all-zero weights
SELECT medres.gini(x, 0) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.theil_t(x, 0) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.cv(x, 0) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.hoover(x, 0) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.ge_decomposition(x, 0, 'a', 1) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.concentration_index(x, x, 0) FROM (VALUES (1::float8), (2)) t(x);
-- all-zero values
SELECT medres.gini(x) FROM (VALUES (0::float8), (0)) t(x);
SELECT medres.lorenz(x) FROM (VALUES (0::float8), (0)) t(x);
SELECT medres.theil_t(x) FROM (VALUES (0::float8), (0)) t(x);
SELECT medres.ge(x, 2) FROM (VALUES (0::float8), (0)) t(x);
SELECT medres.cv(x) FROM (VALUES (0::float8), (0)) t(x);
SELECT medres.hoover(x) FROM (VALUES (0::float8), (0)) t(x);
SELECT medres.ge_decomposition(x, 1, 'a', 1) FROM (VALUES (0::float8), (0)) t(x);
SELECT medres.concentration_index(x, 1) FROM (VALUES (0::float8), (0)) t(x);
-- alpha and epsilon out of range, or changing within a group
SELECT medres.ge(1, 'NaN');
SELECT medres.ge(1, 'Infinity');
SELECT medres.ge_decomposition(1, 1, 'a', 'NaN');
SELECT medres.atkinson(1, -0.5);
SELECT medres.atkinson(1, 'Infinity');
SELECT medres.ge(x, x) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.atkinson(x, x) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.ge_decomposition(x, 1, 'a', x) FROM (VALUES (1::float8), (2)) t(x);
-- unknown option names
SELECT medres.gini(1, 1, 'bessel');
SELECT medres.concentration_index(1, 1, 1, 'kakwani');
-- variant constraints
SELECT medres.concentration_index(2, 1, 1, 'wagstaff');
SELECT medres.concentration_index(5, 1, 1, 'erreygers', 0, 4);
SELECT medres.concentration_index(1, 1, 1, 'erreygers', 4, 0);
SELECT medres.concentration_index(1, 1, 1, 'standard', 0, 4);
SELECT medres.concentration_index(1, r, 1, 'wagstaff') FROM (VALUES (1::float8), (2)) t(r);
-- a resource with no population
SELECT medres.gini_totals(5, 0);
-- ... while an empty unit (0 resource, 0 population) takes no part
SELECT medres.gini_totals(r, p) FROM (VALUES (0::float8, 0::float8), (1, 1), (3, 1)) t(r, p);
-- small-sample correction of a single row is undefined: NULL
SELECT medres.gini(1, 1, 'n') IS NULL AS n_correction, medres.gini(1, 1, 'weights') IS NULL AS w_correction;
-- the GE overflow guard: a finite index that double precision cannot hold is an error
SELECT medres.ge(x, -1) FROM (VALUES (1e-300::float8), (1e300)) t(x);

-- ---- extreme values and weights: the right finite number, or 22003 when there is none ----
-- The indices depend on the weights only through their proportions, so weights of 1e308
-- (whose sum overflows) or 5e-324 (whose products with the values underflow) must give
-- the unweighted answers.  For x = (1, 2): mu = 1.5, shares s = (1/3, 2/3), p = (1/2, 1/2):
--   Theil T = 1/3 ln(2/3) + 2/3 ln(4/3);  MLD = ln 1.5 - ln 2 / 2;
--   GE(2) = ((4/9 + 16/9)/2 - 1)/2 = 1/18;  Atkinson(0.5) = 1 - ((1 + sqrt 2)/2)^2 / 1.5;
--   CV = 0.5 / 1.5 = 1/3;  Hoover = (0.5 + 0.5) / (2 * 2 * 1.5) = 1/6
CREATE FUNCTION near(a float8, b float8) RETURNS bool LANGUAGE sql IMMUTABLE
    AS $$ SELECT abs(a - b) <= 1e-14 * greatest(abs(a), abs(b)) $$;
SELECT w, near(medres.theil_t(x, w), 1/3.0 * ln(2/3.0) + 2/3.0 * ln(4/3.0)) AS theil_t,
       near(medres.theil_l(x, w), ln(1.5) - ln(2.0) / 2) AS theil_l,
       near(medres.ge(x, 2, w), 1/18.0) AS ge2,
       near(medres.atkinson(x, 0.5, w), 1 - ((1 + sqrt(2.0)) / 2)^2 / 1.5) AS atkinson,
       near(medres.cv(x, w), 1/3.0) AS cv,
       near(medres.hoover(x, w), 1/6.0) AS hoover,
       near((medres.ge_decomposition(x, w, x::text, 2)).between, 1/18.0) AS decomposition
FROM (VALUES (1::float8), (2)) t(x), (VALUES (1e308::float8), (5e-324), (1)) ws(w)
GROUP BY w ORDER BY w;
-- huge and tiny weights mixed: x = 1 with weight 5e-324 next to x = 2, 3 with 1e308 counts
-- for nothing: Theil T of (2, 3) = 0.4 ln 0.8 + 0.6 ln 1.2, CV = 0.5 / 2.5 = 0.2
SELECT near(medres.theil_t(x, w), 0.4 * ln(0.8) + 0.6 * ln(1.2)) AS theil_t,
       near(medres.cv(x, w), 0.2) AS cv,
       near((medres.ge_decomposition(x, w, 'g', 1)).total, 0.4 * ln(0.8) + 0.6 * ln(1.2)) AS decomposition
FROM (VALUES (1::float8, 5e-324::float8), (2, 1e308), (3, 1e308)) t(x, w);
-- ... and so do the combine functions of parallel plans: x = 1 with weight 1e308 in one
-- partial state and x = 2 with weight 5e-324 in the other: Theil T = 0 (the second row's
-- share, 1e-631, is below the double range); CV of (1, 2) with weights 1e308 = 1/3
SELECT near(medres._ge_final(medres._pf_combine(medres._theil_t_trans('{0,1,1,0,0,0,0,0,0,0,0}', 1, 1e308),
                                                medres._theil_t_trans('{0,1,1,0,0,0,0,0,0,0,0}', 2, 5e-324))),
            0) AS theil_t_combine,
       near(medres._cv_final(medres._cv_combine(medres._cv_trans('{0,0,0,0,0,0}', 1, 1e308),
                                                medres._cv_trans('{0,0,0,0,0,0}', 2, 1e308))),
            1/3.0) AS cv_combine;
-- values near the double range: CV of (1e308, 1e308, -1e308) is that of (1, 1, -1):
-- mean 1/3, variance (4/9 + 4/9 + 16/9)/3 = 8/9, CV = sqrt(8/9) * 3 = 2 sqrt 2
SELECT near(medres.cv(x), 2 * sqrt(2.0)) AS cv_huge
FROM (VALUES (1e308::float8), (1e308), (-1e308)) t(x);
-- equal values have no inequality: exactly 0, not a rounding error below it
SELECT medres.theil_l(x) AS theil_l, medres.theil_t(x) AS theil_t, medres.ge(x, 2) AS ge2,
       medres.atkinson(x, 2) AS atkinson, medres.cv(x) AS cv, medres.hoover(x) AS hoover
FROM (VALUES (1e308::float8), (1e308), (1e308)) t(x);
-- GE(256) of (1e-300, 1e300): x/mu = (~0, 2), mean (x/mu)^256 = 2^255, GE = (2^255 - 1)/(256 255)
SELECT near(medres.ge(x, 256), (2::float8 ^ 255 - 1) / (256 * 255)) AS ge256
FROM (VALUES (1e-300::float8), (1e300)) t(x);
-- Atkinson with a huge epsilon tends to 1 - min/mu: (1, 2) gives 1 - 1/1.5 = 1/3
SELECT near(medres.atkinson(x, 1e300), 1/3.0) AS atkinson_1e300
FROM (VALUES (1::float8), (2)) t(x);
-- GE(-1e300) of (1, 2) is beyond the double range ((1/1.5)^-1e300): 22003; orders above
-- 256 are refused (22023)
\set VERBOSITY sqlstate
SELECT medres.ge(x, 1e300) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.ge(x, -1e300) FROM (VALUES (1::float8), (2)) t(x);
SELECT medres.ge_decomposition(x, 1, x::text, 1e300) FROM (VALUES (1::float8), (2)) t(x);
\set VERBOSITY default
-- alpha near 0 and 1: GE is continuous there (GE(0) = MLD, GE(1) = Theil T), but
-- (mean (x/mu)^alpha - 1) / (alpha (alpha - 1)) cancels.  For x = (1, 2), from mpmath at
-- 60 digits (the first two are the limits ln 1.5 - ln 2 / 2 and 1/3 ln(2/3) + 2/3 ln(4/3)):
--   GE(1e-300) = 0.0588915178281917,  GE(1 + 1e-12) = 0.0566330122651308,
--   GE(1e-8) = 0.0588915177991996,  GE(-0.001) = 0.0588944177142264,
--   GE(0.99) = 0.0566495280205346,  Atkinson(1e-12) = 5.66330122651341e-14,
--   Atkinson(1 - 1e-12) = 0.0571909584178800,  Atkinson(1e-300) = 5.6633012265132e-302
--   (epsilon T to first order);  with a zero, x = (0, 1, 2): GE(0.001) = 333.435639818959
SELECT near(medres.ge(x, 1e-300), 0.0588915178281917) AS ge_1e300,
       near(medres.ge(x, 1 + 1e-12), 0.0566330122651308) AS ge_1_plus,
       near(medres.ge(x, 1e-8), 0.0588915177991996) AS ge_1e8,
       near(medres.ge(x, -0.001), 0.0588944177142264) AS ge_minus,
       near(medres.ge(x, 0.99), 0.0566495280205346) AS ge_099,
       near(medres.atkinson(x, 1e-12), 5.66330122651341e-14) AS atk_small,
       near(medres.atkinson(x, 1 - 1e-12), 0.0571909584178800) AS atk_near1,
       near(medres.atkinson(x, 1e-300), 5.6633012265132e-302) AS atk_1e300
FROM (VALUES (1::float8), (2)) t(x);
SELECT near(medres.ge(x, 0.001), 333.435639818959) AS ge_with_zero
FROM (VALUES (0::float8), (1), (2)) t(x);
-- the same through the combine function of parallel plans, with the states' scales apart
SELECT near(medres._ge_final(medres._pf_combine(medres._ge_trans('{0,0,0,0,0,0,0,0,0,0,0}', 1e-300, 1e-8, 1e300),
                                                medres._ge_trans('{0,0,0,0,0,0,0,0,0,0,0}', 2e-300, 1e-8, 1e300))),
            0.0588915177991996) AS ge_near0_combine;
-- ge_decomposition near alpha = 0 and 1 likewise.  x = (1, 2, 3, 0.5), w = (1, 2, 1, 3),
-- groups (a, b, a, c); mpmath at 80 digits, between = GE of the group means:
--   alpha 1 + 1e-12: total 0.22395569964925013, between 0.16887694767401704,
--                    within 0.055078751975233086
--   alpha 1e-300 (= the MLD to double precision): total 0.24745806267858693,
--                    between 0.20636062375690394, within 0.04109743892168299
SELECT a, near((d).total, t) AS total, near((d).between, b) AS between, near((d).within, wi) AS within
FROM (SELECT a, medres.ge_decomposition(x, w, g, a) AS d
      FROM (VALUES (1::float8, 'a', 1::float8), (2, 'b', 2), (3, 'a', 1), (0.5, 'c', 3)) t(x, g, w),
           (VALUES (1e-300::float8), (1 + 1e-12)) s(a) GROUP BY a) r
JOIN (VALUES (1e-300::float8, 0.24745806267858693::float8, 0.20636062375690394::float8, 0.04109743892168299::float8),
             (1 + 1e-12, 0.22395569964925013, 0.16887694767401704, 0.055078751975233086)) e(ea, t, b, wi)
  ON e.ea = r.a
ORDER BY a;
-- Hoover where the products w x matter, not w and x apart: (x, w) = (1e-300, 1e308) and
-- (1e300, 1e-20).  Population shares p = (1, 1e-328), resource shares s = (1e-272, 1):
-- H = 1/2 (|s1 - p1| + |s2 - p2|) = 1 to double precision.  And (1e308, 1e308, 0): mu = 2e308/3,
-- deviations 1e308/3, 1e308/3, 2e308/3, H = (4e308/3) / (2 * 2e308) = 1/3
SELECT medres.hoover(x, w) AS hoover_products FROM (VALUES (1e-300::float8, 1e308::float8), (1e300, 1e-20)) t(x, w);
SELECT near(medres.hoover(x), 1/3.0) AS hoover_huge FROM (VALUES (1e308::float8), (1e308), (0)) t(x);

-- the rank-based measures with weights whose total overflows: three weights of 1e308 are
-- three equal weights.  Gini of (1, 2, 3) = sum |xi - xj| / (2 n^2 mu) = 8 / 36 = 0.2222;
-- the Lorenz curve's points are (k/3, cumulative resource share) = (1/3, 1/6), (2/3, 1/2),
-- (1, 1); the concentration index of h = 1, 2, 3 ranked by itself equals its Gini.
-- Weights of 5e-324 (subnormal) give the same.
SELECT round(medres.gini(x, w)::numeric, 12) AS gini_1e308,
       round(medres.gini(x, 5e-324)::numeric, 12) AS gini_5e_324,
       round(medres.concentration_index(x, x, w)::numeric, 12) AS ci_1e308,
       round(medres.gini(x, w, 'weights')::numeric, 12) AS gini_corrected   -- 0.2222 / (1 - 3/9)
FROM (VALUES (1::float8, 1e308::float8), (2, 1e308), (3, 1e308)) t(x, w);
SELECT round((p).population_share::numeric, 12) AS population_share,
       round((p).resource_share::numeric, 12) AS resource_share
FROM (SELECT unnest(medres.lorenz(x, w)) AS p
      FROM (VALUES (1::float8, 1e308::float8), (2, 1e308), (3, 1e308)) t(x, w)) s;
-- values and weights spanning the whole double range: rates of 1e-321 to 2.6e-319 per person
-- for populations of 0.5 to 100, beside 2000 per person (1e-320 / 5e-324) for a population of
-- 5e-324 that holds 1.6 % of the resource.  The Gini over those rates (as doubles), in exact
-- rational arithmetic (Python fractions: sum w_i w_j |x_i - x_j| / (2 W^2 mu)), is
-- 0.26964002201674 to 14 digits
SELECT round(medres.gini_totals(x, a)::numeric, 12) AS gini_extreme
FROM (VALUES (3e-320::float8, 4.25::float8), (1e-320, 5e-324), (1e-321, 2.5), (1.3e-319, 0.5),
             (4.2e-319, 100), (2e-320, 3)) t(x, a);
-- medres.memory_limit bounds the rank state: 100,000 rows of 16 bytes need 1.6 MB > 1 MB
SET medres.memory_limit = '1MB';
SELECT medres.gini(x) FROM generate_series(1, 100000) x;
RESET medres.memory_limit;
