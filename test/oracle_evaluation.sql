\set ON_ERROR_STOP 1
-- Oracle test for medres' comprehensive-evaluation family: rank-sum ratio (RSR), its probit
-- distribution, fit and grades, entropy weights and TOPSIS.
--
-- Compares medres with values computed independently by test/oracle_evaluation.py (exact
-- rational / mpmath arithmetic from the definitions in METHODS.md, cross-checked against a
-- numpy/scipy double-precision implementation and the METHODS.md test vector), stored in
-- test/oracle/evaluation_cases.csv and test/oracle/evaluation_expected.csv.  Run from the
-- repository root:
--     pg_prove -d <db> test/oracle_evaluation.sql
-- (the database must already have `CREATE EXTENSION medres`).
--
-- Agreement required: |got - expected| <= 1e-10 * max(|expected|, 1e-300); exact equality
-- for grades and fit_distinct.
-- One is(mismatches, '{}') per (case, measure, param, SQL form); the mismatches list the
-- failing units (unit 0 = a per-case value) with got / expected / relative error, and any
-- error medres raised.  Each form is first evaluated over all cases at once
-- (OVER (PARTITION BY case_id), or GROUP BY case_id for the aggregates); if that raises an
-- error it is re-run case by case so one failing case does not hide the others, and the
-- batch failure is itself reported as a failed test.
--
-- Probit, grade and fit forms are fed the oracle's own RSR values (measure rsr of
-- evaluation_expected.csv, which tie exactly where the true values tie), so that they test
-- rsr_probit / rsr_grade / rsr_fit alone; the "chained" forms feed them medres.rsr(...)
-- instead, as a user would; they pass only if medres.rsr gives bit-identical doubles to
-- units whose rank sums tie (e.g. sum(R) / (m n); sum(R/m) / n splits ties by rounding and
-- changes the distinct values, the probits and the fit).  Some forms use
-- OVER (PARTITION BY case_id ORDER BY unit DESC) to show that results do not depend on row
-- order or on the window frame.
--
-- Grade boundary: where a value's percentile is exactly 0.5 its probit is exactly 5, which is
-- a cut of 4 grades; the expected grade follows the definition "fitted >= cut score gives
-- the better grade" (e.g. methods_vec unit 9 has grade 2 of 4).

\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS pgtap;

BEGIN;

-- ------------------------------------------------------------------------------------
-- data
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE ev_cases (
    case_id text NOT NULL, unit integer NOT NULL, indicators float8[] NOT NULL,
    directions text NOT NULL);
\copy ev_cases FROM 'test/oracle/evaluation_cases.csv' csv header
CREATE TEMP TABLE ev_expected (
    case_id text NOT NULL, unit integer NOT NULL, measure text NOT NULL, param text,
    expected float8 NOT NULL);
\copy ev_expected FROM 'test/oracle/evaluation_expected.csv' csv header
UPDATE ev_expected SET param = '' WHERE param IS NULL;
CREATE INDEX ON ev_expected (case_id, measure, param);
ANALYZE ev_cases;
ANALYZE ev_expected;

-- the oracle's integer-rank RSR per unit (input of the probit / grade / fit forms)
CREATE TEMP TABLE ev_score AS
    SELECT case_id, unit, expected AS s FROM ev_expected WHERE measure = 'rsr' AND param = '';
-- the oracle's entropy weights per case, as an array in indicator order
CREATE TEMP TABLE ev_weights AS
    SELECT case_id, array_agg(expected ORDER BY param::int) AS w
    FROM ev_expected WHERE measure = 'entropy_weight' GROUP BY case_id;
-- cases whose indicators are all high-is-better: the directions-omitted forms apply
CREATE TEMP TABLE ev_plus AS
    SELECT case_id FROM ev_cases GROUP BY case_id HAVING bool_and(directions !~ '-');
-- n and m per case
CREATE TEMP TABLE ev_size AS
    SELECT case_id, count(*) AS n, max(cardinality(indicators)) AS m
    FROM ev_cases GROUP BY case_id;

-- ------------------------------------------------------------------------------------
-- the SQL forms.  q is a query returning (case_id, unit, value) for the cases in $1
-- (text[]) and the parameter $2 (text, the param column); params limits a form to some
-- params of its measure (NULL: all); only_plus limits it to the cases of ev_plus.
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE ev_forms (
    seq serial, measure text NOT NULL, params text[], form text NOT NULL,
    only_plus boolean NOT NULL DEFAULT false, q text NOT NULL);

INSERT INTO ev_forms (measure, params, form, only_plus, q) VALUES
-- integer-rank RSR
('rsr', NULL, 'rsr(indicators, directions)', false, $q$
    SELECT case_id, unit, medres.rsr(indicators, directions) OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('rsr', NULL, 'rsr(indicators, directions, NULL, ''integer'')', false, $q$
    SELECT case_id, unit, medres.rsr(indicators, directions, NULL, 'integer') OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('rsr', NULL, 'rsr(indicators, directions) OVER (PARTITION BY case_id ORDER BY unit DESC)', false, $q$
    SELECT case_id, unit, medres.rsr(indicators, directions) OVER (PARTITION BY case_id ORDER BY unit DESC)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('rsr', NULL, 'rsr(indicators, directions, equal weights 3.0)', false, $q$
    SELECT case_id, unit,
           medres.rsr(indicators, directions, array_fill(3.0::float8, ARRAY[cardinality(indicators)]))
               OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('rsr', NULL, 'rsr(indicators) [all directions +]', true, $q$
    SELECT case_id, unit, medres.rsr(indicators) OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('rsr', NULL, 'rsr(indicators, NULL) [all directions +]', true, $q$
    SELECT case_id, unit, medres.rsr(indicators, NULL) OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
-- non-integer ranks
('rsr_noninteger', NULL, 'rsr(indicators, directions, NULL, ''noninteger'')', false, $q$
    SELECT case_id, unit, medres.rsr(indicators, directions, NULL, 'noninteger') OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('rsr_noninteger', NULL, 'rsr(indicators, directions, NULL, ''noninteger'') OVER (PARTITION BY case_id ORDER BY unit DESC)', false, $q$
    SELECT case_id, unit, medres.rsr(indicators, directions, NULL, 'noninteger')
               OVER (PARTITION BY case_id ORDER BY unit DESC)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
-- weighted RSR with the entropy weights
('wrsr_entropy', NULL, 'rsr(indicators, directions, oracle entropy weights)', false, $q$
    SELECT c.case_id, c.unit, medres.rsr(c.indicators, c.directions, w.w) OVER (PARTITION BY c.case_id)
    FROM ev_cases c JOIN ev_weights w USING (case_id) WHERE c.case_id = ANY ($1) $q$),
('wrsr_entropy', NULL, 'rsr(indicators, directions, oracle entropy weights, ''integer'')', false, $q$
    SELECT c.case_id, c.unit, medres.rsr(c.indicators, c.directions, w.w, 'integer') OVER (PARTITION BY c.case_id)
    FROM ev_cases c JOIN ev_weights w USING (case_id) WHERE c.case_id = ANY ($1) $q$),
('wrsr_entropy', NULL, 'rsr(indicators, directions, entropy_weights(indicators, directions)) [chained]', false, $q$
    WITH w AS (SELECT case_id, medres.entropy_weights(indicators, directions) AS w
               FROM ev_cases WHERE case_id = ANY ($1) GROUP BY case_id)
    SELECT c.case_id, c.unit, medres.rsr(c.indicators, c.directions, w.w) OVER (PARTITION BY c.case_id)
    FROM ev_cases c JOIN w USING (case_id) $q$),
-- TOPSIS with the entropy weights
('topsis', '{""}', 'topsis(indicators, directions, oracle entropy weights)', false, $q$
    SELECT c.case_id, c.unit, medres.topsis(c.indicators, c.directions, w.w) OVER (PARTITION BY c.case_id)
    FROM ev_cases c JOIN ev_weights w USING (case_id) WHERE c.case_id = ANY ($1) $q$),
('topsis', '{""}', 'topsis(indicators, directions, oracle entropy weights) OVER (PARTITION BY case_id ORDER BY unit DESC)', false, $q$
    SELECT c.case_id, c.unit, medres.topsis(c.indicators, c.directions, w.w)
               OVER (PARTITION BY c.case_id ORDER BY c.unit DESC)
    FROM ev_cases c JOIN ev_weights w USING (case_id) WHERE c.case_id = ANY ($1) $q$),
('topsis', '{""}', 'topsis(indicators, directions, entropy_weights(indicators, directions)) [chained]', false, $q$
    WITH w AS (SELECT case_id, medres.entropy_weights(indicators, directions) AS w
               FROM ev_cases WHERE case_id = ANY ($1) GROUP BY case_id)
    SELECT c.case_id, c.unit, medres.topsis(c.indicators, c.directions, w.w) OVER (PARTITION BY c.case_id)
    FROM ev_cases c JOIN w USING (case_id) $q$),
-- TOPSIS with equal weights
('topsis', '{equal}', 'topsis(indicators, directions)', false, $q$
    SELECT case_id, unit, medres.topsis(indicators, directions) OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('topsis', '{equal}', 'topsis(indicators, directions, NULL)', false, $q$
    SELECT case_id, unit, medres.topsis(indicators, directions, NULL) OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('topsis', '{equal}', 'topsis(indicators, directions, equal weights 3.0)', false, $q$
    SELECT case_id, unit,
           medres.topsis(indicators, directions, array_fill(3.0::float8, ARRAY[cardinality(indicators)]))
               OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
('topsis', '{equal}', 'topsis(indicators) [all directions +]', true, $q$
    SELECT case_id, unit, medres.topsis(indicators) OVER (PARTITION BY case_id)
    FROM ev_cases WHERE case_id = ANY ($1) $q$),
-- probits
('probit', '{rank}', 'rsr_probit(oracle rsr)', false, $q$
    SELECT case_id, unit, medres.rsr_probit(s) OVER (PARTITION BY case_id)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
('probit', NULL, 'rsr_probit(oracle rsr, method)', false, $q$
    SELECT case_id, unit, medres.rsr_probit(s, $2) OVER (PARTITION BY case_id)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
('probit', NULL, 'rsr_probit(oracle rsr, method) OVER (PARTITION BY case_id ORDER BY unit DESC)', false, $q$
    SELECT case_id, unit, medres.rsr_probit(s, $2) OVER (PARTITION BY case_id ORDER BY unit DESC)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
('probit', NULL, 'rsr_probit(rsr(indicators, directions), method) [chained]', false, $q$
    WITH r AS (SELECT case_id, unit, medres.rsr(indicators, directions) OVER (PARTITION BY case_id) AS s
               FROM ev_cases WHERE case_id = ANY ($1))
    SELECT case_id, unit, medres.rsr_probit(s, $2) OVER (PARTITION BY case_id) FROM r $q$),
-- grades by fitted value
('grade', '{3}', 'rsr_grade(oracle rsr)', false, $q$
    SELECT case_id, unit, medres.rsr_grade(s) OVER (PARTITION BY case_id)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
('grade', NULL, 'rsr_grade(oracle rsr, grades)', false, $q$
    SELECT case_id, unit, medres.rsr_grade(s, $2::int) OVER (PARTITION BY case_id)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
('grade', NULL, 'rsr_grade(oracle rsr, grades, ''fitted'', ''rank'')', false, $q$
    SELECT case_id, unit, medres.rsr_grade(s, $2::int, 'fitted', 'rank') OVER (PARTITION BY case_id)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
('grade', NULL, 'rsr_grade(oracle rsr, grades) OVER (PARTITION BY case_id ORDER BY unit DESC)', false, $q$
    SELECT case_id, unit, medres.rsr_grade(s, $2::int) OVER (PARTITION BY case_id ORDER BY unit DESC)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
('grade', NULL, 'rsr_grade(rsr(indicators, directions), grades) [chained]', false, $q$
    WITH r AS (SELECT case_id, unit, medres.rsr(indicators, directions) OVER (PARTITION BY case_id) AS s
               FROM ev_cases WHERE case_id = ANY ($1))
    SELECT case_id, unit, medres.rsr_grade(s, $2::int) OVER (PARTITION BY case_id) FROM r $q$),
-- grades by observed value
('grade_observed', NULL, 'rsr_grade(oracle rsr, grades, ''observed'')', false, $q$
    SELECT case_id, unit, medres.rsr_grade(s, $2::int, 'observed') OVER (PARTITION BY case_id)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
('grade_observed', NULL, 'rsr_grade(oracle rsr, grades, ''observed'', ''rank'')', false, $q$
    SELECT case_id, unit, medres.rsr_grade(s, $2::int, 'observed', 'rank') OVER (PARTITION BY case_id)
    FROM ev_score WHERE case_id = ANY ($1) $q$),
-- fit: cut scores
('fit_cut_score', NULL, '(rsr_fit(oracle rsr, grades)).cut_scores[j]', false, $q$
    SELECT case_id, 0, ((medres.rsr_fit(s, split_part($2, ':', 1)::int)).cut_scores)[split_part($2, ':', 2)::int]
    FROM ev_score WHERE case_id = ANY ($1) GROUP BY case_id $q$),
-- entropy weights
('entropy_weight', NULL, 'entropy_weights(indicators, directions)[j]', false, $q$
    SELECT case_id, 0, (medres.entropy_weights(indicators, directions))[$2::int]
    FROM ev_cases WHERE case_id = ANY ($1) GROUP BY case_id $q$),
('entropy_weight', NULL, 'entropy_weights(indicators)[j] [all directions +]', true, $q$
    SELECT case_id, 0, (medres.entropy_weights(indicators))[$2::int]
    FROM ev_cases WHERE case_id = ANY ($1) GROUP BY case_id $q$);

-- fit fields: three forms each
INSERT INTO ev_forms (measure, params, form, only_plus, q)
SELECT f.measure, NULL, format(v.form, f.field), false, format(v.q, f.field)
FROM (VALUES ('fit_intercept', 'intercept'), ('fit_slope', 'slope'),
             ('fit_r_squared', 'r_squared'), ('fit_f', 'f'), ('fit_p_value', 'p_value'),
             ('fit_distinct', 'distinct_values')) AS f(measure, field)
CROSS JOIN (VALUES
    ('(rsr_fit(oracle rsr)).%s', $q$
        SELECT case_id, 0, (medres.rsr_fit(s)).%I
        FROM ev_score WHERE case_id = ANY ($1) GROUP BY case_id $q$),
    ('(rsr_fit(oracle rsr, 4)).%s', $q$
        SELECT case_id, 0, (medres.rsr_fit(s, 4)).%I
        FROM ev_score WHERE case_id = ANY ($1) GROUP BY case_id $q$),
    ('(rsr_fit(rsr(indicators, directions))).%s [chained]', $q$
        WITH r AS (SELECT case_id, medres.rsr(indicators, directions) OVER (PARTITION BY case_id) AS s
                   FROM ev_cases WHERE case_id = ANY ($1))
        SELECT case_id, 0, (medres.rsr_fit(s)).%I FROM r GROUP BY case_id $q$)) AS v(form, q)
ORDER BY f.measure, v.form;

-- ------------------------------------------------------------------------------------
-- helpers
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE ev_got (
    case_id text, unit integer, measure text, param text, form text, got float8);
CREATE TEMP TABLE ev_errors (case_id text, form text, param text, message text);

CREATE FUNCTION pg_temp.ev_close(p_measure text, got float8, exp float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT got IS NOT NULL AND CASE
        WHEN p_measure IN ('grade', 'grade_observed', 'fit_distinct') THEN got = exp
        ELSE abs(got - exp) <= 1e-10 * greatest(abs(exp), 1e-300) END
$$;

CREATE FUNCTION pg_temp.ev_relerr(got float8, exp float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN got IS NULL THEN 'n/a'
                WHEN exp = 0 THEN 'abs ' || abs(got)::text
                ELSE (abs(got - exp) / abs(exp))::text END
$$;

-- Evaluate form f for every (case, param) of its measure in evaluation_expected.csv: all
-- cases at once per param, then, if that raised an error, case by case; errors are
-- recorded in ev_errors (case '*' for the all-cases run).
CREATE FUNCTION pg_temp.ev_run(f ev_forms) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    prm text;
    ids text[];
    cid text;
    ins text;
BEGIN
    ins := format('INSERT INTO ev_got SELECT s.c, s.u, %L, $2, %L, s.g FROM (%s) AS s(c, u, g)',
                  f.measure, f.form, f.q);
    FOR prm, ids IN
        SELECT e.param, array_agg(DISTINCT e.case_id ORDER BY e.case_id)
        FROM ev_expected e
        WHERE e.measure = f.measure
          AND (f.params IS NULL OR e.param = ANY (f.params))
          AND (NOT f.only_plus OR e.case_id IN (SELECT case_id FROM ev_plus))
        GROUP BY e.param ORDER BY e.param
    LOOP
        BEGIN
            EXECUTE ins USING ids, prm;
            CONTINUE;
        EXCEPTION WHEN others THEN
            INSERT INTO ev_errors VALUES ('*', f.form, prm, SQLSTATE || ': ' || SQLERRM);
        END;
        FOREACH cid IN ARRAY ids LOOP
            BEGIN
                EXECUTE ins USING ARRAY[cid], prm;
            EXCEPTION WHEN others THEN
                INSERT INTO ev_errors VALUES (cid, f.form, prm, SQLSTATE || ': ' || SQLERRM);
            END;
        END LOOP;
    END LOOP;
END
$$;

-- ------------------------------------------------------------------------------------
-- compute medres' results
-- ------------------------------------------------------------------------------------
DO $do$
DECLARE
    f ev_forms;
BEGIN
    FOR f IN SELECT * FROM ev_forms ORDER BY seq LOOP
        PERFORM pg_temp.ev_run(f);
    END LOOP;
END
$do$;
ANALYZE ev_got;

-- ------------------------------------------------------------------------------------
-- collect the tests: (passed, description) for ok(), or (have, description) for
-- is(have, '{}'::text[]) where have lists the mismatches
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE ev_tests (seq serial, kind text, passed boolean, have text[], descr text);

INSERT INTO ev_tests (kind, passed, descr)
SELECT 'ok', (SELECT count(*) FROM ev_cases) > 0 AND (SELECT count(*) FROM ev_expected) > 0,
       format('oracle files loaded: %s cases, %s units, %s expected values',
              (SELECT count(DISTINCT case_id) FROM ev_cases), (SELECT count(*) FROM ev_cases),
              (SELECT count(*) FROM ev_expected));

-- one is(mismatches, '{}') per (case, measure, param, form)
INSERT INTO ev_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN t.nbad > 10
            THEN t.bad[1:10] || format('... and %s more of %s', t.nbad - 10, t.nexp)
            ELSE coalesce(t.bad, '{}'::text[]) END
       || coalesce((SELECT array_agg(DISTINCT 'error: ' || er.message)
                    FROM ev_errors er
                    WHERE er.case_id = t.case_id AND er.form = t.form AND er.param = t.param),
                   '{}'::text[]),
       format('%s [%s%s] %s: %s value%s', t.case_id, t.measure,
              CASE WHEN t.param <> '' THEN ' ' || t.param ELSE '' END, t.form, t.nexp,
              CASE WHEN t.nexp = 1 THEN '' ELSE 's' END)
FROM (
    SELECT c.case_id, c.measure, c.param, c.form, c.fseq, count(*) AS nexp,
           count(*) FILTER (WHERE NOT c.ok) AS nbad,
           array_agg(c.msg ORDER BY c.unit) FILTER (WHERE NOT c.ok) AS bad
    FROM (
        SELECT e.case_id, e.measure, e.param, f.form, f.seq AS fseq, e.unit,
               pg_temp.ev_close(e.measure, g.got, e.expected) AS ok,
               CASE WHEN g.case_id IS NULL
                    THEN format('unit %s: no result (expected %s)', e.unit, e.expected)
                    ELSE format('unit %s: got %s, expected %s (rel.err %s)', e.unit, g.got,
                                e.expected, pg_temp.ev_relerr(g.got, e.expected)) END AS msg
        FROM ev_expected e
        JOIN ev_forms f ON f.measure = e.measure AND (f.params IS NULL OR e.param = ANY (f.params))
                       AND (NOT f.only_plus OR e.case_id IN (SELECT case_id FROM ev_plus))
        LEFT JOIN ev_got g ON g.case_id = e.case_id AND g.unit = e.unit AND g.measure = e.measure
                          AND g.param = e.param AND g.form = f.form
    ) c
    GROUP BY c.case_id, c.measure, c.param, c.form, c.fseq
) t
ORDER BY t.case_id, t.fseq, t.param;

-- every form evaluates over all cases at once (several partitions in one query)
INSERT INTO ev_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(format('[%s] %s', er.param, er.message) ORDER BY er.param)
                 FROM ev_errors er WHERE er.case_id = '*' AND er.form = f.form), '{}'::text[]),
       format('[%s] %s: evaluated over all cases in one query without error', f.measure, f.form)
FROM ev_forms f
ORDER BY f.seq;

-- no (case, unit, measure, param, form) is reported twice
INSERT INTO ev_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT (array_agg(format('%s unit %s [%s %s] %s: %s rows', case_id, unit, measure,
                                          param, form, cnt) ORDER BY case_id, unit))[1:20]
                 FROM (SELECT case_id, unit, measure, param, form, count(*) AS cnt
                       FROM ev_got GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) d), '{}'::text[]),
       'no (case, unit, measure, param, form) has more than one result';

-- ------------------------------------------------------------------------------------
-- composite results checked against the oracle's per-unit values and simple arithmetic:
-- rsr_table(score) and the n / cut_probits / cut_scores fields of rsr_fit, and the shape
-- of entropy_weights
-- ------------------------------------------------------------------------------------

-- rsr_table(oracle rsr): one row per distinct value, ascending; f, cum_f exact;
-- mean_rank = cum_f - (f-1)/2 exact; percentile = mean_rank/n, 1 - 1/(4n) for the largest
-- value (1e-14); probit = the oracle's rank-method probit of those units (1e-10);
-- fitted = oracle intercept + slope * probit (1e-10 of |intercept| + |slope * probit|)
CREATE TEMP TABLE ev_tab (
    ord bigint, value float8, f bigint, cum_f bigint, mean_rank float8,
    percentile float8, probit float8, fitted float8);

CREATE FUNCTION pg_temp.ev_table_check(cid text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    res text[];
BEGIN
    TRUNCATE ev_tab;
    BEGIN
        INSERT INTO ev_tab
        SELECT u.ordinality, u.value, u.f, u.cum_f, u.mean_rank, u.percentile, u.probit, u.fitted
        FROM (SELECT medres.rsr_table(s) AS t FROM ev_score WHERE case_id = cid) x
        CROSS JOIN LATERAL unnest(x.t) WITH ORDINALITY AS u;
    EXCEPTION WHEN others THEN
        RETURN ARRAY['error: ' || SQLSTATE || ': ' || SQLERRM];
    END;
    WITH fit AS (
        SELECT max(expected) FILTER (WHERE measure = 'fit_intercept') AS a,
               max(expected) FILTER (WHERE measure = 'fit_slope') AS b
        FROM ev_expected WHERE case_id = cid AND unit = 0),
    pr AS (
        SELECT unit, expected AS probit FROM ev_expected
        WHERE case_id = cid AND measure = 'probit' AND param = 'rank'),
    d AS (
        SELECT s.s AS value, count(*) AS f, min(pr.probit) AS probit, max(pr.probit) AS probit_max
        FROM ev_score s LEFT JOIN pr USING (unit) WHERE s.case_id = cid GROUP BY s.s),
    e AS (
        SELECT d.*, row_number() OVER w AS ord, sum(d.f) OVER w AS cum_f,
               (SELECT n FROM ev_size WHERE case_id = cid) AS n,
               d.value = max(d.value) OVER () AS last
        FROM d WINDOW w AS (ORDER BY d.value)),
    cmp AS (
        SELECT coalesce(e.ord, t.ord) AS ord, e.value AS evalue, t.value AS tvalue,
               ARRAY[
                   CASE WHEN t.value IS NULL THEN 'missing' END,
                   CASE WHEN e.value IS NULL THEN 'not an input value' END,
                   CASE WHEN t.ord IS DISTINCT FROM e.ord THEN format('row %s, expected row %s', t.ord, e.ord) END,
                   CASE WHEN t.f IS DISTINCT FROM e.f THEN format('f = %s, expected %s', t.f, e.f) END,
                   CASE WHEN t.cum_f IS DISTINCT FROM e.cum_f THEN format('cum_f = %s, expected %s', t.cum_f, e.cum_f) END,
                   CASE WHEN t.mean_rank IS DISTINCT FROM (e.cum_f - (e.f - 1) / 2.0)::float8
                        THEN format('mean_rank = %s, expected %s', t.mean_rank, e.cum_f - (e.f - 1) / 2.0) END,
                   CASE WHEN NOT coalesce(abs(t.percentile - ep.p) <= 1e-14 * ep.p, false)
                        THEN format('percentile = %s, expected %s', t.percentile, ep.p) END,
                   CASE WHEN e.probit IS NOT NULL AND NOT pg_temp.ev_close('probit', t.probit, e.probit)
                        THEN format('probit = %s, expected %s', t.probit, e.probit) END,
                   CASE WHEN e.probit IS NOT NULL AND fit.a IS NOT NULL AND fit.b IS NOT NULL
                         AND NOT coalesce(abs(t.fitted - (fit.a + fit.b * e.probit))
                                          <= 1e-10 * (abs(fit.a) + abs(fit.b * e.probit)), false)
                        THEN format('fitted = %s, expected %s', t.fitted, fit.a + fit.b * e.probit) END
               ]::text[] AS msgs
        FROM e
        CROSS JOIN LATERAL (SELECT CASE WHEN e.last THEN 1 - 1 / (4.0::float8 * e.n)
                                        ELSE (e.cum_f - (e.f - 1) / 2.0)::float8 / e.n END AS p) ep
        FULL JOIN ev_tab t ON t.value = e.value
        CROSS JOIN fit)
    SELECT array_agg(format('value %s (row %s): %s', coalesce(tvalue, evalue), ord,
                            array_to_string(msgs, '; ')) ORDER BY ord)
    INTO res
    FROM cmp WHERE array_remove(msgs, NULL) <> '{}';
    -- the oracle's units of one value share one probit
    res := coalesce(res, '{}'::text[]) || coalesce((
        SELECT array_agg(format('oracle inconsistency: value %s has probits %s .. %s', value, lo, hi))
        FROM (SELECT s.s AS value, min(e.expected) AS lo, max(e.expected) AS hi
              FROM ev_score s JOIN ev_expected e ON e.case_id = s.case_id AND e.unit = s.unit
              WHERE s.case_id = cid AND e.measure = 'probit' AND e.param = 'rank'
              GROUP BY s.s HAVING min(e.expected) <> max(e.expected)) z), '{}'::text[]);
    RETURN res[1:20];
END
$$;

INSERT INTO ev_tests (kind, have, descr)
SELECT 'is', pg_temp.ev_table_check(s.case_id),
       format('%s rsr_table(oracle rsr): %s distinct values with f, cum_f, mean_rank, percentile, probit, fitted',
              s.case_id, count(DISTINCT s.s))
FROM ev_score s GROUP BY s.case_id ORDER BY s.case_id;

-- rsr_fit(oracle rsr [, grades]): n = number of units, cut_probits = 2 + 6j/g (1e-14),
-- cut_scores has g - 1 elements; rsr_fit(s) has the cuts of 3 grades
CREATE FUNCTION pg_temp.ev_fit_check(cid text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    res text[] := '{}';
    g int;
    n_ bigint;
    cp float8[];
    cs float8[];
    nexp bigint;
BEGIN
    SELECT n INTO nexp FROM ev_size WHERE case_id = cid;
    FOR g IN SELECT unnest(ARRAY[0, 3, 4, 5]) LOOP
        BEGIN
            IF g = 0 THEN
                SELECT (x.r).n, (x.r).cut_probits, (x.r).cut_scores INTO n_, cp, cs
                FROM (SELECT medres.rsr_fit(s) AS r FROM ev_score WHERE case_id = cid) x;
            ELSE
                SELECT (x.r).n, (x.r).cut_probits, (x.r).cut_scores INTO n_, cp, cs
                FROM (SELECT medres.rsr_fit(s, g) AS r FROM ev_score WHERE case_id = cid) x;
            END IF;
        EXCEPTION WHEN others THEN
            res := res || format('rsr_fit(s%s): error %s: %s',
                                 CASE WHEN g > 0 THEN ', ' || g ELSE '' END, SQLSTATE, SQLERRM);
            CONTINUE;
        END;
        res := res || array_remove(ARRAY[
            CASE WHEN n_ IS DISTINCT FROM nexp
                 THEN format('rsr_fit(s%s).n = %s, expected %s',
                             CASE WHEN g > 0 THEN ', ' || g ELSE '' END, n_, nexp) END,
            CASE WHEN cardinality(cs) IS DISTINCT FROM greatest(g, 3) - 1
                 THEN format('rsr_fit(s%s).cut_scores has %s elements, expected %s',
                             CASE WHEN g > 0 THEN ', ' || g ELSE '' END, cardinality(cs), greatest(g, 3) - 1) END,
            CASE WHEN cardinality(cp) IS DISTINCT FROM greatest(g, 3) - 1
                   OR EXISTS (SELECT 1 FROM generate_series(1, greatest(g, 3) - 1) j
                              WHERE NOT coalesce(abs(cp[j] - (2 + 6.0 * j / greatest(g, 3))::float8)
                                                 <= 1e-14 * 8, false))
                 THEN format('rsr_fit(s%s).cut_probits = %s, expected 2 + 6j/%s, j = 1..%s',
                             CASE WHEN g > 0 THEN ', ' || g ELSE '' END, cp, greatest(g, 3), greatest(g, 3) - 1) END
        ]::text[], NULL);
    END LOOP;
    RETURN res;
END
$$;

INSERT INTO ev_tests (kind, have, descr)
SELECT 'is', pg_temp.ev_fit_check(e.case_id),
       format('%s rsr_fit(oracle rsr [, 3|4|5]): n, cut_probits and the number of cut_scores', e.case_id)
FROM ev_expected e WHERE e.measure = 'fit_distinct' ORDER BY e.case_id;

-- entropy_weights(indicators, directions): m elements summing to 1 (1e-12)
CREATE FUNCTION pg_temp.ev_weights_check(cid text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    w float8[];
    m_ int;
BEGIN
    SELECT m INTO m_ FROM ev_size WHERE case_id = cid;
    BEGIN
        SELECT medres.entropy_weights(indicators, directions) INTO w FROM ev_cases WHERE case_id = cid;
    EXCEPTION WHEN others THEN
        RETURN ARRAY['error: ' || SQLSTATE || ': ' || SQLERRM];
    END;
    RETURN array_remove(ARRAY[
        CASE WHEN cardinality(w) IS DISTINCT FROM m_
             THEN format('%s elements, expected %s', cardinality(w), m_) END,
        CASE WHEN NOT coalesce(abs((SELECT sum(v) FROM unnest(w) v) - 1) <= 1e-12, false)
             THEN format('sum = %s', (SELECT sum(v) FROM unnest(w) v)) END
    ]::text[], NULL);
END
$$;

INSERT INTO ev_tests (kind, have, descr)
SELECT 'is', pg_temp.ev_weights_check(w.case_id),
       format('%s entropy_weights(indicators, directions): %s weights summing to 1',
              w.case_id, cardinality(w.w))
FROM ev_weights w ORDER BY w.case_id;

-- ------------------------------------------------------------------------------------
-- run the tests
-- ------------------------------------------------------------------------------------
SELECT plan((SELECT count(*)::int FROM ev_tests));

SELECT CASE kind WHEN 'ok' THEN ok(passed, descr)
                 ELSE is(have, '{}'::text[], descr) END
FROM ev_tests ORDER BY seq;

SELECT * FROM finish();
ROLLBACK;
