\set ON_ERROR_STOP 1
-- Oracle test for medres' inequality aggregates.
--
-- Compares medres' results with values computed independently by test/oracle.py
-- (mpmath at 60 digits from the definitions in METHODS.md, cross-checked with
-- numpy/scipy and R laeken), stored in test/oracle/cases.csv and
-- test/oracle/expected.csv.  Run from the repository root:
--     pg_prove -d <db> test/oracle_inequality.sql
-- (the database must already have `CREATE EXTENSION medres`).
--
-- Agreement required: |got - expected| <= 1e-10 * max(|expected|, 1e-300),
-- and |got| <= 1e-12 where expected = 0.
-- Every (case, measure, param) of expected.csv is one ok() per SQL form that computes it
-- (weighted form for every case; unweighted forms as well for cases whose weights are
-- all 1); Lorenz curves are one is(mismatches, '{}') per case and form.
-- Errors raised by medres are caught per case (and parameter) and reported in the
-- failing test's description, so one failing measure does not hide the others.

\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

CREATE EXTENSION IF NOT EXISTS pgtap;

BEGIN;

-- ------------------------------------------------------------------------------------
-- data
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE oracle_cases (
    case_id text NOT NULL, i integer NOT NULL, x float8, w float8, grp text, h float8, r float8);
\copy oracle_cases FROM 'test/oracle/cases.csv' csv header
CREATE TEMP TABLE oracle_expected (
    case_id text NOT NULL, measure text NOT NULL, param text, expected float8 NOT NULL);
\copy oracle_expected FROM 'test/oracle/expected.csv' csv header
UPDATE oracle_expected SET param = '' WHERE param IS NULL;

-- cases whose weights are all 1: the unweighted signatures are tested too
CREATE TEMP TABLE oracle_unweighted AS
    SELECT case_id FROM oracle_cases GROUP BY case_id HAVING bool_and(w = 1);

-- the SQL forms that compute each measure; the `form` text is also the test label
CREATE TEMP TABLE oracle_forms (measure text, form text, unweighted_only boolean);
INSERT INTO oracle_forms VALUES
    ('gini',           'gini(x, w)',                                   false),
    ('gini',           'gini(x, w, ''none'')',                         false),
    ('gini',           'gini(x)',                                      true),
    ('gini_n',         'gini(x, w, ''n'')',                            false),
    ('gini_weights',   'gini(x, w, ''weights'')',                      false),
    ('theil_t',        'theil_t(x, w)',                                false),
    ('theil_t',        'theil_t(x)',                                   true),
    ('theil_l',        'theil_l(x, w)',                                false),
    ('theil_l',        'theil_l(x)',                                   true),
    ('ge',             'ge(x, alpha, w)',                              false),
    ('ge',             'ge(x, alpha)',                                 true),
    ('atkinson',       'atkinson(x, epsilon, w)',                      false),
    ('atkinson',       'atkinson(x, epsilon)',                         true),
    ('cv',             'cv(x, w)',                                     false),
    ('cv',             'cv(x)',                                        true),
    ('hoover',         'hoover(x, w)',                                 false),
    ('hoover',         'hoover(x)',                                    true),
    ('ci',             'concentration_index(h, r, w)',                 false),
    ('ci',             'concentration_index(h, r, w, ''standard'')',   false),
    ('ci',             'concentration_index(h, r)',                    true),
    ('ci_wagstaff',    'concentration_index(h, r, w, ''wagstaff'')',   false),
    ('ci_erreygers',   'concentration_index(h, r, w, ''erreygers'', lower, upper)', false),
    ('dec_total',      'ge_decomposition(x, w, grp, alpha)',           false),
    ('dec_between',    'ge_decomposition(x, w, grp, alpha)',           false),
    ('dec_within',     'ge_decomposition(x, w, grp, alpha)',           false),
    ('dec_group_index',        'ge_decomposition(x, w, grp, alpha)',   false),
    ('dec_group_contribution', 'ge_decomposition(x, w, grp, alpha)',   false),
    ('lorenz_p',       'lorenz(x, w)',                                 false),
    ('lorenz_l',       'lorenz(x, w)',                                 false),
    ('lorenz_p',       'lorenz(x)',                                    true),
    ('lorenz_l',       'lorenz(x)',                                    true);

-- ------------------------------------------------------------------------------------
-- helpers
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE oracle_got (case_id text, measure text, param text, form text, got float8);
CREATE TEMP TABLE oracle_errors (case_id text, form text, pkey text, message text);
CREATE TEMP TABLE oracle_dec (case_id text, alpha text, res medres.decomposition);

-- relative agreement as required of medres against the oracle
CREATE FUNCTION pg_temp.oracle_close(got float8, exp float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT got IS NOT NULL AND exp IS NOT NULL AND CASE
        WHEN exp = 0 THEN abs(got) <= 1e-12
        ELSE abs(got - exp) <= 1e-10 * greatest(abs(exp), 1e-300) END
$$;

-- relative agreement with a given tolerance between two medres results
CREATE FUNCTION pg_temp.oracle_near(a float8, b float8, rel float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT a IS NOT NULL AND b IS NOT NULL
       AND abs(a - b) <= rel * greatest(abs(a), abs(b), 1e-300)
$$;

CREATE FUNCTION pg_temp.oracle_relerr(got float8, exp float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN got IS NULL THEN 'n/a'
                WHEN exp = 0 THEN 'abs ' || abs(got)::text
                ELSE (abs(got - exp) / abs(exp))::text END
$$;

-- Run the INSERT statement q once per case (q gets $1 = case_id, $2 = parameter key: the
-- part of param before ':' when by_param, else '') for every case with an expected value
-- of one of the measures; an error is caught and recorded in oracle_errors.
CREATE FUNCTION pg_temp.oracle_run(p_form text, p_measures text[], p_by_param boolean, q text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cid text;
    pk text;
BEGIN
    FOR cid, pk IN
        SELECT DISTINCT e.case_id, CASE WHEN p_by_param THEN split_part(e.param, ':', 1) ELSE '' END
        FROM oracle_expected e
        JOIN oracle_forms f ON f.measure = e.measure AND f.form = p_form
        WHERE e.measure = ANY (p_measures)
          AND (NOT f.unweighted_only OR e.case_id IN (SELECT case_id FROM oracle_unweighted))
        ORDER BY 1, 2
    LOOP
        BEGIN
            EXECUTE q USING cid, pk;
        EXCEPTION WHEN others THEN
            INSERT INTO oracle_errors VALUES (cid, p_form, pk, SQLSTATE || ': ' || SQLERRM);
        END;
    END LOOP;
END
$$;

-- Evaluate a scalar query (with $1 = case_id) and catch its error.
CREATE FUNCTION pg_temp.oracle_eval(q text, cid text, OUT val float8, OUT err text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q INTO val USING cid;
EXCEPTION WHEN others THEN
    err := SQLSTATE || ': ' || SQLERRM;
END
$$;

-- ------------------------------------------------------------------------------------
-- compute medres' results
-- ------------------------------------------------------------------------------------
DO $do$
BEGIN
    -- Gini
    PERFORM pg_temp.oracle_run('gini(x, w)', '{gini}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'gini', '', 'gini(x, w)', medres.gini(x, w)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('gini(x, w, ''none'')', '{gini}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'gini', '', 'gini(x, w, ''none'')', medres.gini(x, w, 'none')
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('gini(x)', '{gini}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'gini', '', 'gini(x)', medres.gini(x)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('gini(x, w, ''n'')', '{gini_n}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'gini_n', '', 'gini(x, w, ''n'')', medres.gini(x, w, 'n')
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('gini(x, w, ''weights'')', '{gini_weights}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'gini_weights', '', 'gini(x, w, ''weights'')',
               medres.gini(x, w, 'weights')
        FROM oracle_cases WHERE case_id = $1 $q$);

    -- Theil, GE, Atkinson, CV, Hoover
    PERFORM pg_temp.oracle_run('theil_t(x, w)', '{theil_t}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'theil_t', '', 'theil_t(x, w)', medres.theil_t(x, w)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('theil_t(x)', '{theil_t}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'theil_t', '', 'theil_t(x)', medres.theil_t(x)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('theil_l(x, w)', '{theil_l}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'theil_l', '', 'theil_l(x, w)', medres.theil_l(x, w)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('theil_l(x)', '{theil_l}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'theil_l', '', 'theil_l(x)', medres.theil_l(x)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('ge(x, alpha, w)', '{ge}', true, $q$
        INSERT INTO oracle_got SELECT $1, 'ge', $2, 'ge(x, alpha, w)', medres.ge(x, $2::float8, w)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('ge(x, alpha)', '{ge}', true, $q$
        INSERT INTO oracle_got SELECT $1, 'ge', $2, 'ge(x, alpha)', medres.ge(x, $2::float8)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('atkinson(x, epsilon, w)', '{atkinson}', true, $q$
        INSERT INTO oracle_got SELECT $1, 'atkinson', $2, 'atkinson(x, epsilon, w)',
               medres.atkinson(x, $2::float8, w)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('atkinson(x, epsilon)', '{atkinson}', true, $q$
        INSERT INTO oracle_got SELECT $1, 'atkinson', $2, 'atkinson(x, epsilon)',
               medres.atkinson(x, $2::float8)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('cv(x, w)', '{cv}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'cv', '', 'cv(x, w)', medres.cv(x, w)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('cv(x)', '{cv}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'cv', '', 'cv(x)', medres.cv(x)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('hoover(x, w)', '{hoover}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'hoover', '', 'hoover(x, w)', medres.hoover(x, w)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('hoover(x)', '{hoover}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'hoover', '', 'hoover(x)', medres.hoover(x)
        FROM oracle_cases WHERE case_id = $1 $q$);

    -- concentration index
    PERFORM pg_temp.oracle_run('concentration_index(h, r, w)', '{ci}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'ci', '', 'concentration_index(h, r, w)',
               medres.concentration_index(h, r, w)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('concentration_index(h, r, w, ''standard'')', '{ci}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'ci', '', 'concentration_index(h, r, w, ''standard'')',
               medres.concentration_index(h, r, w, 'standard')
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('concentration_index(h, r)', '{ci}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'ci', '', 'concentration_index(h, r)',
               medres.concentration_index(h, r)
        FROM oracle_cases WHERE case_id = $1 $q$);
    PERFORM pg_temp.oracle_run('concentration_index(h, r, w, ''wagstaff'')', '{ci_wagstaff}', false, $q$
        INSERT INTO oracle_got SELECT $1, 'ci_wagstaff', '', 'concentration_index(h, r, w, ''wagstaff'')',
               medres.concentration_index(h, r, w, 'wagstaff')
        FROM oracle_cases WHERE case_id = $1 $q$);
    -- param is 'lower:upper'
    PERFORM pg_temp.oracle_run('concentration_index(h, r, w, ''erreygers'', lower, upper)',
                               '{ci_erreygers}', false, $q$
        INSERT INTO oracle_got
        SELECT $1, 'ci_erreygers', e.param, 'concentration_index(h, r, w, ''erreygers'', lower, upper)',
               (SELECT medres.concentration_index(c.h, c.r, c.w, 'erreygers',
                                                  split_part(e.param, ':', 1)::float8,
                                                  split_part(e.param, ':', 2)::float8)
                FROM oracle_cases c WHERE c.case_id = $1)
        FROM oracle_expected e WHERE e.case_id = $1 AND e.measure = 'ci_erreygers' $q$);

    -- Lorenz curve: point k (0-based) = ordinality - 1
    PERFORM pg_temp.oracle_run('lorenz(x, w)', '{lorenz_p,lorenz_l}', false, $q$
        INSERT INTO oracle_got
        SELECT $1, m.measure, (u.k - 1)::text, 'lorenz(x, w)',
               CASE m.measure WHEN 'lorenz_p' THEN u.population_share ELSE u.resource_share END
        FROM (SELECT medres.lorenz(x, w) AS l FROM oracle_cases WHERE case_id = $1) s
        CROSS JOIN LATERAL unnest(s.l) WITH ORDINALITY AS u(population_share, resource_share, k)
        CROSS JOIN (VALUES ('lorenz_p'), ('lorenz_l')) AS m(measure) $q$);
    PERFORM pg_temp.oracle_run('lorenz(x)', '{lorenz_p,lorenz_l}', false, $q$
        INSERT INTO oracle_got
        SELECT $1, m.measure, (u.k - 1)::text, 'lorenz(x)',
               CASE m.measure WHEN 'lorenz_p' THEN u.population_share ELSE u.resource_share END
        FROM (SELECT medres.lorenz(x) AS l FROM oracle_cases WHERE case_id = $1) s
        CROSS JOIN LATERAL unnest(s.l) WITH ORDINALITY AS u(population_share, resource_share, k)
        CROSS JOIN (VALUES ('lorenz_p'), ('lorenz_l')) AS m(measure) $q$);

    -- GE decomposition, one call per (case, alpha); results unpacked below
    PERFORM pg_temp.oracle_run('ge_decomposition(x, w, grp, alpha)',
        '{dec_total,dec_between,dec_within,dec_group_index,dec_group_contribution}', true, $q$
        INSERT INTO oracle_dec SELECT $1, $2, medres.ge_decomposition(x, w, grp, $2::float8)
        FROM oracle_cases WHERE case_id = $1 $q$);
END
$do$;

INSERT INTO oracle_got
SELECT d.case_id, m.measure, d.alpha, 'ge_decomposition(x, w, grp, alpha)',
       CASE m.measure WHEN 'dec_total' THEN (d.res).total
                      WHEN 'dec_between' THEN (d.res)."between"
                      ELSE (d.res).within END
FROM oracle_dec d
CROSS JOIN (VALUES ('dec_total'), ('dec_between'), ('dec_within')) AS m(measure);

INSERT INTO oracle_got
SELECT d.case_id, m.measure, d.alpha || ':' || g.grp, 'ge_decomposition(x, w, grp, alpha)',
       CASE m.measure WHEN 'dec_group_index' THEN g.index ELSE g.contribution END
FROM oracle_dec d
CROSS JOIN LATERAL unnest((d.res).groups) AS g
CROSS JOIN (VALUES ('dec_group_index'), ('dec_group_contribution')) AS m(measure);

-- ------------------------------------------------------------------------------------
-- collect the tests: (passed, description) for ok(), or (have, description) for
-- is(have, '{}'::text[]) where have lists the mismatches
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE oracle_tests (
    seq serial, kind text, passed boolean, have text[], descr text);

-- sanity: the oracle files were loaded
INSERT INTO oracle_tests (kind, passed, descr)
SELECT 'ok', (SELECT count(*) FROM oracle_cases) > 0 AND (SELECT count(*) FROM oracle_expected) > 0,
       format('oracle files loaded: %s observations, %s expected values',
              (SELECT count(*) FROM oracle_cases), (SELECT count(*) FROM oracle_expected));

-- one ok() per (case, measure, param, form), Lorenz points excepted
INSERT INTO oracle_tests (kind, passed, descr)
SELECT 'ok', pg_temp.oracle_close(g.got, e.expected),
       CASE WHEN g.case_id IS NULL THEN
           format('%s %s%s: no result, expected %s%s', e.case_id, f.form,
                  CASE WHEN e.param <> '' THEN ' [' || e.measure || ' ' || e.param || ']'
                       ELSE ' [' || e.measure || ']' END,
                  e.expected,
                  coalesce(' (' || (SELECT string_agg(DISTINCT er.message, '; ') FROM oracle_errors er
                                    WHERE er.case_id = e.case_id AND er.form = f.form
                                      AND er.pkey IN ('', split_part(e.param, ':', 1))) || ')', ''))
       ELSE
           format('%s %s%s = %s (expected %s, rel.err %s)', e.case_id, f.form,
                  CASE WHEN e.param <> '' THEN ' [' || e.measure || ' ' || e.param || ']'
                       ELSE ' [' || e.measure || ']' END,
                  g.got, e.expected, pg_temp.oracle_relerr(g.got, e.expected))
       END
FROM oracle_expected e
JOIN oracle_forms f ON f.measure = e.measure
LEFT JOIN oracle_got g ON g.case_id = e.case_id AND g.measure = e.measure
                      AND g.param = e.param AND g.form = f.form
WHERE e.measure NOT IN ('lorenz_p', 'lorenz_l')
  AND (NOT f.unweighted_only OR e.case_id IN (SELECT case_id FROM oracle_unweighted))
ORDER BY e.case_id, e.measure, e.param, f.form;

-- duplicated results (e.g. a decomposition group reported twice) are failures too
INSERT INTO oracle_tests (kind, have, descr)
SELECT 'is', coalesce((SELECT array_agg(format('%s %s [%s %s] reported %s times',
                                               case_id, form, measure, param, cnt)
                                        ORDER BY case_id, form, measure, param)
                       FROM (SELECT case_id, form, measure, param, count(*) AS cnt
                             FROM oracle_got GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d),
                      '{}'::text[]),
       'no (case, form, measure, param) has more than one result';

-- Lorenz curves: per (case, form) the list of mismatching / missing / extra points
INSERT INTO oracle_tests (kind, have, descr)
SELECT 'is',
       coalesce((
           SELECT (array_agg(msg ORDER BY ord))[1:10]
           FROM (
               SELECT coalesce(e.param, g.param)::int * 2 + (coalesce(e.measure, g.measure) = 'lorenz_l')::int AS ord,
                      CASE WHEN g.measure IS NULL THEN
                               format('%s k=%s missing (expected %s)', e.measure, e.param, e.expected)
                           WHEN e.measure IS NULL THEN
                               format('%s k=%s extra point (%s)', g.measure, g.param, g.got)
                           ELSE format('%s k=%s got %s expected %s (rel.err %s)', e.measure, e.param,
                                       g.got, e.expected, pg_temp.oracle_relerr(g.got, e.expected))
                      END AS msg,
                      (g.measure IS NULL OR e.measure IS NULL OR NOT pg_temp.oracle_close(g.got, e.expected)) AS bad,
                      (e.measure IS NULL AND g.measure = 'lorenz_l') AS ignore
               FROM (SELECT * FROM oracle_expected
                     WHERE case_id = lf.case_id AND measure IN ('lorenz_p', 'lorenz_l')) e
               FULL JOIN (SELECT * FROM oracle_got
                          WHERE case_id = lf.case_id AND form = lf.form
                            AND measure IN ('lorenz_p', 'lorenz_l')) g
                 ON g.measure = e.measure AND g.param = e.param
           ) m
           WHERE bad AND NOT ignore), '{}'::text[])
       || coalesce((SELECT array_agg(DISTINCT 'error: ' || er.message) FROM oracle_errors er
                    WHERE er.case_id = lf.case_id AND er.form = lf.form), '{}'::text[]),
       format('%s %s: all %s Lorenz points (population and resource share) match', lf.case_id, lf.form,
              (SELECT count(*) FROM oracle_expected
               WHERE case_id = lf.case_id AND measure = 'lorenz_p'))
FROM (SELECT DISTINCT e.case_id, f.form
      FROM oracle_expected e JOIN oracle_forms f ON f.measure = e.measure
      WHERE e.measure IN ('lorenz_p', 'lorenz_l')
        AND (NOT f.unweighted_only OR e.case_id IN (SELECT case_id FROM oracle_unweighted))) lf
ORDER BY lf.case_id, lf.form;

-- Decomposition: the composite's other fields, against sums computed here in SQL
-- (alpha echoed, total = between + within, shares, sum of contributions = within, and per
-- group: n = rows with w > 0, population share, resource share, mean)
CREATE TEMP TABLE oracle_grp_stats AS
SELECT case_id, grp, count(*) AS n, sum(w) AS sw, sum(w * x) AS swx
FROM oracle_cases WHERE w > 0 AND grp IS NOT NULL
GROUP BY case_id, grp;

INSERT INTO oracle_tests (kind, have, descr)
SELECT 'is',
       array_remove(ARRAY[
           CASE WHEN (d.res).alpha IS DISTINCT FROM d.alpha::float8
                THEN format('alpha = %s, expected %s', (d.res).alpha, d.alpha) END,
           CASE WHEN NOT (abs((d.res).total - (d.res)."between" - (d.res).within)
                          <= 1e-10 * abs((d.res).total) + 1e-14)
                  OR (d.res).total IS NULL
                THEN format('total %s <> between %s + within %s',
                            (d.res).total, (d.res)."between", (d.res).within) END,
           CASE WHEN (d.res).total <> 0
                 AND NOT pg_temp.oracle_near((d.res).between_share, (d.res)."between" / (d.res).total, 1e-12)
                THEN format('between_share %s <> between/total %s',
                            (d.res).between_share, (d.res)."between" / (d.res).total) END,
           CASE WHEN (d.res).total <> 0
                 AND NOT pg_temp.oracle_near((d.res).within_share, (d.res).within / (d.res).total, 1e-12)
                THEN format('within_share %s <> within/total %s',
                            (d.res).within_share, (d.res).within / (d.res).total) END,
           CASE WHEN NOT (abs(gs.sum_contrib - (d.res).within) <= 1e-10 * abs((d.res).within) + 1e-14)
                  OR gs.sum_contrib IS NULL
                THEN format('sum of contributions %s <> within %s', gs.sum_contrib, (d.res).within) END,
           CASE WHEN gs.ngroups IS DISTINCT FROM st.ngroups
                THEN format('%s groups reported, expected %s', gs.ngroups, st.ngroups) END
       ]::text[], NULL)
       || coalesce((
           SELECT array_agg(msg ORDER BY msg) FROM (
               SELECT format('group %s: %s', coalesce(g.grp, s.grp), m) AS msg
               FROM (SELECT sum(sw) AS sw, sum(swx) AS swx FROM oracle_grp_stats
                     WHERE case_id = d.case_id) t
               CROSS JOIN (unnest((d.res).groups) AS g
                           FULL JOIN (SELECT * FROM oracle_grp_stats WHERE case_id = d.case_id) s
                           ON s.grp = g.grp)
               CROSS JOIN LATERAL unnest(ARRAY[
                   CASE WHEN g.grp IS NULL THEN 'missing' END,
                   CASE WHEN s.grp IS NULL THEN 'not a group with positive weight' END,
                   CASE WHEN g.n IS DISTINCT FROM s.n THEN format('n = %s, expected %s', g.n, s.n) END,
                   CASE WHEN NOT pg_temp.oracle_near(g.population_share, s.sw / t.sw, 1e-11)
                        THEN format('population_share = %s, expected %s', g.population_share, s.sw / t.sw) END,
                   CASE WHEN NOT pg_temp.oracle_near(g.resource_share, s.swx / t.swx, 1e-11)
                        THEN format('resource_share = %s, expected %s', g.resource_share, s.swx / t.swx) END,
                   CASE WHEN NOT pg_temp.oracle_near(g.mean, s.swx / s.sw, 1e-11)
                        THEN format('mean = %s, expected %s', g.mean, s.swx / s.sw) END,
                   CASE WHEN (d.res).total <> 0
                         AND NOT pg_temp.oracle_near(g.contribution_share, g.contribution / (d.res).total, 1e-12)
                        THEN format('contribution_share = %s, expected contribution/total = %s',
                                    g.contribution_share, g.contribution / (d.res).total) END
               ]) AS m
               WHERE m IS NOT NULL) z), '{}'::text[]),
       format('%s ge_decomposition(x, w, grp, %s): fields consistent (alpha, total = between + within, '
              'shares, sum of contributions, per-group n/shares/mean)', d.case_id, d.alpha)
FROM oracle_dec d
CROSS JOIN LATERAL (SELECT sum(g.contribution) AS sum_contrib, count(*) AS ngroups
                    FROM unnest((d.res).groups) AS g) gs
CROSS JOIN LATERAL (SELECT count(*) AS ngroups FROM oracle_grp_stats s
                    WHERE s.case_id = d.case_id) st
ORDER BY d.case_id, d.alpha;

-- Row order: the same aggregate over the rows fed in three different orders
-- (ascending i, descending i, and a fixed permutation) must agree to 1e-12 relative.
INSERT INTO oracle_tests (kind, passed, descr)
SELECT 'ok',
       a.err IS NULL AND b.err IS NULL AND pg_temp.oracle_near(a.val, b.val, 1e-12),
       format('%s %s: ORDER BY i = %s, ORDER BY %s = %s%s', c.case_id, replace(ag.expr, ' $ORDER', ''),
              a.val, o.ord, b.val, coalesce(' (' || coalesce(a.err, b.err) || ')', ''))
FROM (VALUES ('lognorm_w'), ('ties')) AS c(case_id)
CROSS JOIN (VALUES ('medres.gini(x, w $ORDER)'),
                   ('medres.theil_t(x, w $ORDER)'),
                   ('medres.ge(x, 2, w $ORDER)'),
                   ('medres.hoover(x, w $ORDER)'),
                   ('medres.concentration_index(h, r, w $ORDER)'),
                   ('(medres.ge_decomposition(x, w, grp, 1 $ORDER)).total'),
                   ('(medres.ge_decomposition(x, w, grp, 2 $ORDER)).within')) AS ag(expr)
CROSS JOIN (VALUES (1, 'i DESC'), (2, '(i * 7919) % 1013')) AS o(n, ord)
CROSS JOIN LATERAL pg_temp.oracle_eval(
    format('SELECT %s FROM (SELECT * FROM oracle_cases WHERE case_id = $1 ORDER BY i) s',
           replace(ag.expr, '$ORDER', 'ORDER BY i')), c.case_id) AS a
CROSS JOIN LATERAL pg_temp.oracle_eval(
    format('SELECT %s FROM (SELECT * FROM oracle_cases WHERE case_id = $1 ORDER BY %s) s',
           replace(ag.expr, '$ORDER', 'ORDER BY ' || o.ord), o.ord), c.case_id) AS b
ORDER BY c.case_id, ag.expr, o.n;

-- NULL rows are skipped: lognorm_w plus rows with a NULL argument gives the oracle value
INSERT INTO oracle_tests (kind, passed, descr)
SELECT 'ok', v.err IS NULL AND pg_temp.oracle_close(v.val, e.expected),
       format('lognorm_w + rows with NULL x / w / h / r: %s = %s (expected %s)%s',
              t.expr, v.val, e.expected, coalesce(' (' || v.err || ')', ''))
FROM (VALUES ('medres.gini(x, w)', 'gini', ''),
             ('medres.theil_t(x, w)', 'theil_t', ''),
             ('medres.ge(x, 0.5, w)', 'ge', '0.5'),
             ('medres.concentration_index(h, r, w)', 'ci', ''),
             ('(medres.ge_decomposition(x, w, grp, 0)).within', 'dec_within', '0')) AS t(expr, measure, param)
JOIN oracle_expected e ON e.case_id = 'lognorm_w' AND e.measure = t.measure AND e.param = t.param
CROSS JOIN LATERAL pg_temp.oracle_eval(format(
    'SELECT %s FROM (SELECT x, w, grp, h, r FROM oracle_cases WHERE case_id = $1
                     UNION ALL VALUES (NULL::float8, 1.0::float8, ''g01'', NULL::float8, 1.0::float8),
                                      (5.0, NULL, ''g01'', 0.5, NULL),
                                      (NULL, NULL, ''g02'', NULL, NULL)) s', t.expr), 'lognorm_w') AS v
ORDER BY t.measure;

-- ------------------------------------------------------------------------------------
-- run
-- ------------------------------------------------------------------------------------
SELECT plan(count(*)::int) FROM oracle_tests;

SELECT CASE kind WHEN 'ok' THEN ok(coalesce(passed, false), descr)
                 ELSE is(have, '{}'::text[], descr) END
FROM oracle_tests ORDER BY seq;

SELECT * FROM finish();
ROLLBACK;
