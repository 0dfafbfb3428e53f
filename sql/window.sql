-- Aggregates as window functions and with GROUP BY.  Each window result is
-- compared with the same aggregate computed afresh over the frame's rows, so
-- the checks hold whatever the values are; n = 1, 2 are derived by hand.
CREATE TABLE series (year int, region text, x float8, w float8);
INSERT INTO series VALUES
  (2010, 'east', 5.22, 10), (2010, 'middle', 3.93, 8), (2010, 'west', 3.76, 7),
  (2011, 'east', 5.49, 10), (2011, 'middle', 4.14, 8), (2011, 'west', 4.04, 7),
  (2012, 'east', 5.83, 11), (2012, 'middle', 4.41, 8), (2012, 'west', 4.36, 7);

CREATE FUNCTION same(a float8, b float8) RETURNS bool LANGUAGE sql IMMUTABLE
    AS $$ SELECT abs(a - b) <= 1e-13 * greatest(abs(a), abs(b), 1e-300) $$;

-- a running window (each row sees the rows up to its own) equals fresh aggregates
SELECT s.year, s.region,
       same(medres.gini(x, w) OVER w,
            (SELECT medres.gini(x, w) FROM series s2 WHERE (s2.year, s2.region) <= (s.year, s.region))) AS gini,
       same(medres.theil_t(x, w) OVER w,
            (SELECT medres.theil_t(x, w) FROM series s2 WHERE (s2.year, s2.region) <= (s.year, s.region))) AS theil_t,
       same(medres.theil_l(x, w) OVER w,
            (SELECT medres.theil_l(x, w) FROM series s2 WHERE (s2.year, s2.region) <= (s.year, s.region))) AS theil_l,
       same(medres.hoover(x, w) OVER w,
            (SELECT medres.hoover(x, w) FROM series s2 WHERE (s2.year, s2.region) <= (s.year, s.region))) AS hoover,
       same(medres.cv(x, w) OVER w,
            (SELECT medres.cv(x, w) FROM series s2 WHERE (s2.year, s2.region) <= (s.year, s.region))) AS cv,
       same((medres.lorenz(x, w) OVER w)[2].resource_share,
            (SELECT (medres.lorenz(x, w))[2].resource_share FROM series s2
              WHERE (s2.year, s2.region) <= (s.year, s.region))) AS lorenz
FROM series s
WINDOW w AS (ORDER BY year, region)
ORDER BY year, region;

-- a moving frame of three rows
SELECT s.year, s.region,
       same(medres.ge(x, 2, w) OVER f,
            (SELECT medres.ge(x, 2, w) FROM (SELECT * FROM series s2 WHERE (s2.year, s2.region) <= (s.year, s.region)
                                             ORDER BY year DESC, region DESC LIMIT 3) l)) AS ge2,
       same(medres.gini(x) OVER f,
            (SELECT medres.gini(x) FROM (SELECT * FROM series s2 WHERE (s2.year, s2.region) <= (s.year, s.region)
                                         ORDER BY year DESC, region DESC LIMIT 3) l)) AS gini
FROM series s
WINDOW f AS (ORDER BY year, region ROWS 2 PRECEDING)
ORDER BY year, region;

-- per partition equals GROUP BY
SELECT p.year, same(p.gini, g.gini) AS gini, same(p.atk, g.atk) AS atkinson
FROM (SELECT DISTINCT year, medres.gini(x, w) OVER (PARTITION BY year) AS gini,
             medres.atkinson(x, 0.5, w) OVER (PARTITION BY year) AS atk FROM series) p
JOIN (SELECT year, medres.gini(x, w) AS gini, medres.atkinson(x, 0.5, w) AS atk
      FROM series GROUP BY year) g USING (year)
ORDER BY year;

-- the decomposition's total is the plain index, per year
SELECT year, same(medres.theil_t(x, w), (medres.ge_decomposition(x, w, region, 1)).total) AS theil_t,
       same(medres.ge(x, 2, w), (medres.ge_decomposition(x, w, region, 2)).total) AS ge2
FROM series GROUP BY year ORDER BY year;

-- n = 1: no inequality
SELECT medres.gini(x) AS gini1, medres.theil_t(x) AS t1, medres.cv(x) AS cv1, medres.hoover(x) AS h1
FROM (VALUES (7::float8)) t(x);
-- n = 2, x = (1, 3) with weights (1, 3): mu = 10/4, shares s = (0.1, 0.9), p = (0.25, 0.75)
--   Gini = 1*3*|1-3| / (16 * 2.5) = 0.15;  Hoover = 1/2 (0.15 + 0.15) = 0.15
SELECT round(medres.gini(x, w)::numeric, 14) AS gini2, round(medres.hoover(x, w)::numeric, 14) AS hoover2
FROM (VALUES (1::float8, 1::float8), (3, 3)) t(x, w);

-- rescaling the weights or the values changes nothing
SELECT same(medres.gini(x, w), medres.gini(x * 1e250, w * 1e-200)) AS gini_scale,
       same(medres.theil_t(x, w), medres.theil_t(x * 1e250, w * 1e-200)) AS theil_scale,
       same(medres.ge(x, 2, w), medres.ge(x * 1e-250, 2, w * 1e200)) AS ge_scale,
       same(medres.cv(x, w), medres.cv(x * 1e250, w * 1e200)) AS cv_scale,
       same(medres.hoover(x, w), medres.hoover(x * 1e-250, w * 1e-200)) AS hoover_scale
FROM series;

-- row order does not matter (the aggregate's ORDER BY feeds rows in a chosen order)
SELECT same(medres.gini(x, w ORDER BY x), medres.gini(x, w ORDER BY x DESC)) AS gini_order,
       same(medres.theil_t(x, w ORDER BY x), medres.theil_t(x, w ORDER BY x DESC)) AS theil_order,
       same((medres.ge_decomposition(x, w, region, 2 ORDER BY x)).within,
            (medres.ge_decomposition(x, w, region, 2 ORDER BY x DESC)).within) AS decomposition_order
FROM series;

-- Sliding frames use the moving-aggregate mode of the aggregates that keep their
-- rows (gini, gini_totals, lorenz, concentration_index, hoover): the oldest row is
-- dropped as the frame moves.  The result must equal, exactly, a fresh aggregate
-- over the frame's rows; NULL rows and zero weights must leave and enter correctly.
CREATE TABLE slide (id int, x float8, w float8, r float8);
INSERT INTO slide
SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 37 % 17) + 0.5 END,
       CASE WHEN i % 7 = 0 THEN 0 ELSE (i * 13 % 5) + 1 END, i * 29 % 6
FROM generate_series(1, 60) AS i;

SELECT bool_and(g IS NOT DISTINCT FROM fg) AS gini, bool_and(t IS NOT DISTINCT FROM ft) AS gini_totals,
       bool_and(l IS NOT DISTINCT FROM fl) AS lorenz, bool_and(c IS NOT DISTINCT FROM fc) AS ci,
       bool_and(h IS NOT DISTINCT FROM fh) AS hoover, count(*) AS frames
FROM (SELECT id,
             medres.gini(x, w) OVER f AS g, medres.gini_totals(x * w, w) OVER f AS t,
             medres.lorenz(x, w) OVER f AS l, medres.concentration_index(x, r, w) OVER f AS c,
             medres.hoover(x, w) OVER f AS h
      FROM slide WINDOW f AS (ORDER BY id ROWS BETWEEN 4 PRECEDING AND 1 FOLLOWING)) m
JOIN LATERAL (SELECT medres.gini(x, w) AS fg, medres.gini_totals(x * w, w) AS ft,
                     medres.lorenz(x, w) AS fl, medres.concentration_index(x, r, w) AS fc,
                     medres.hoover(x, w) AS fh
              FROM (SELECT * FROM slide s WHERE s.id BETWEEN m.id - 4 AND m.id + 1 ORDER BY id) f) fresh ON true;
