\set ON_ERROR_STOP 1
-- Oracle test for medres_postgis' spatial accessibility: medres.accessibility.
--
-- Compares medres with values computed independently by test/oracle_accessibility.py (a
-- plain-Python implementation cross-checked against a dense numpy one, against fractions
-- derived by hand for the hand case, and against the invariant sum_i P_i A_i = sum of S_j
-- over the facilities with demand in reach), stored in test/oracle/accessibility_*.csv.
-- Run from the repository root, in a database with
--     CREATE EXTENSION postgis; CREATE EXTENSION medres; CREATE EXTENSION medres_postgis;
--     CREATE EXTENSION pgtap;
-- as
--     pg_prove -d <db> test/oracle_accessibility.sql
--
-- The files (see the docstring of test/oracle_accessibility.py):
--   cases     case_id, srid, mode (geom | cost), points_case (whose supply/demand rows the
--             case uses), description
--   supply    case_id, id, x, y, beds (integer), doctors (numeric); x, y empty for pure cost
--             cases.  Here geom = ST_SetSRID(ST_MakePoint(x, y), srid)
--   demand    case_id, id, x, y, pop (float8)
--   cost      case_id, demand_id, supply_id, cost
--   runs      run_id, case_id, method, catchment, decay, decay_param, bands, band_weights,
--             normalize, supplies (the supply columns passed), forms, expected_run
--   expected  run_id, supply, id, score
--
-- Forms (how a run calls medres; each run lists its own):
--   named       every argument by name, NULLs passed explicitly:
--               accessibility(S, D, method => , catchment => , decay => , decay_param => ,
--               bands => , band_weights => , cost_sql => , normalized => )
--               (the contract's last argument `normalize` is a keyword that cannot be used
--               unquoted in named notation -- `normalize => true` is a syntax error -- so the
--               function names it `normalized`)
--   positional  the same ten arguments by position
--   defaults    only the arguments that differ from the defaults (method left out for
--               2sfca, NULLs and normalized = false left out)
--   reordered   named, with the columns of supply_sql in another order (supply columns
--               reversed, then geom, then id) and demand_sql as (pop AS people, geom, id):
--               columns are read by name
--   with_geom   (cost runs) supply_sql / demand_sql also return geom; cost_sql decides
-- S = SELECT id, geom, <supplies> FROM the case's supply rows (geom left out in cost
-- mode), D = SELECT id, geom, pop FROM its demand rows, cost_sql = SELECT demand_id,
-- supply_id, cost FROM its cost rows.
--
-- Tests:
--   * the signature: medres.accessibility(text, text, text, float8, text, float8, float8[],
--     float8[], text, boolean) exists, with the argument names of the contract, 8 defaults
--     and RETURNS TABLE(id bigint, supply text, score double precision);
--   * one is(mismatches, '{}') per (run, form, supply column): every demand unit of the case
--     has one score, |got - expected| <= 1e-10 |expected| (exactly 0 where the oracle has 0:
--     a demand unit with nothing in reach scores 0, not NULL);
--   * one is(problems, '{}') per (run, form): no error, no supply name beyond those passed,
--     no (supply, id) twice, no id that is not a demand unit of the case;
--   * geometry mode = cost mode: one is(mismatches, '{}') per (cost run repeating a geometry
--     run, supply column): medres' cost-mode scores (form named) against medres' own
--     geometry-mode scores (form named) of that run, 1e-10 relative;
--   * the invariant, per (run, supply column) of 2sfca, e2sfca, gravity and 3sfca (form
--     named): sum_i P_i A_i (medres' scores) = sum of S_j over the facilities with a demand
--     unit of positive population in reach, in reach computed here: ST_Distance for planar
--     SRIDs, a haversine (R = 6371008.8 m) on the coordinates for SRIDs whose proj4text has
--     +proj=longlat, the cost rows in cost mode; d <= catchment (e2sfca: the last band;
--     gravity without a catchment: every pair).  With normalize: sum_i P_i A_i = sum_i P_i.
--     1e-10 relative;
--   * bad input: throws_ok(..., '22023') on the SQLSTATE only, for the errors the contract
--     lists (missing columns, wrong types, duplicate ids, NULL / empty / non-point geometry,
--     mixed SRIDs, negative supply / population / cost, catchment <= 0, unknown method or
--     decay), with lives_ok controls on the same valid inputs; and throws_ok on any SQLSTATE
--     for errors the contract implies without naming a code (ratio with cost_sql, ...).
-- The medres calls are made through EXECUTE inside exception handlers (throws_ok / lives_ok
-- catch theirs), so a missing or failing function gives failed tests, not an aborted script.

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
CREATE TEMP TABLE acc_cases (
    case_id text PRIMARY KEY, srid integer NOT NULL, mode text NOT NULL, points_case text NOT NULL,
    description text);
\copy acc_cases FROM 'test/oracle/accessibility_cases.csv' csv header
CREATE TEMP TABLE acc_supply_raw (
    case_id text NOT NULL, id bigint NOT NULL, x float8, y float8, beds integer NOT NULL,
    doctors numeric NOT NULL, PRIMARY KEY (case_id, id));
\copy acc_supply_raw FROM 'test/oracle/accessibility_supply.csv' csv header
CREATE TEMP TABLE acc_demand_raw (
    case_id text NOT NULL, id bigint NOT NULL, x float8, y float8, pop float8 NOT NULL,
    PRIMARY KEY (case_id, id));
\copy acc_demand_raw FROM 'test/oracle/accessibility_demand.csv' csv header
CREATE TEMP TABLE acc_cost (
    case_id text NOT NULL, demand_id bigint NOT NULL, supply_id bigint NOT NULL, cost float8 NOT NULL);
\copy acc_cost FROM 'test/oracle/accessibility_cost.csv' csv header
CREATE TEMP TABLE acc_runs (
    run_id integer PRIMARY KEY, case_id text NOT NULL, method text NOT NULL, catchment float8,
    decay text, decay_param float8, bands float8[], band_weights float8[], normalize boolean NOT NULL,
    supplies text NOT NULL, forms text NOT NULL, expected_run integer NOT NULL);
\copy acc_runs FROM 'test/oracle/accessibility_runs.csv' csv header
CREATE TEMP TABLE acc_expected (
    run_id integer NOT NULL, supply text NOT NULL, id bigint NOT NULL, score float8 NOT NULL,
    PRIMARY KEY (run_id, supply, id));
\copy acc_expected FROM 'test/oracle/accessibility_expected.csv' csv header

-- the point tables
CREATE TEMP TABLE acc_supply AS
    SELECT s.case_id, s.id,
           CASE WHEN s.x IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.x, s.y), c.srid) END AS geom,
           s.beds, s.doctors, s.x, s.y
    FROM acc_supply_raw s JOIN acc_cases c USING (case_id);
CREATE TEMP TABLE acc_demand AS
    SELECT d.case_id, d.id,
           CASE WHEN d.x IS NOT NULL THEN ST_SetSRID(ST_MakePoint(d.x, d.y), c.srid) END AS geom,
           d.pop, d.x, d.y
    FROM acc_demand_raw d JOIN acc_cases c USING (case_id);
ANALYZE acc_supply;
ANALYZE acc_demand;
ANALYZE acc_cost;
ANALYZE acc_expected;

-- a run, with what its calls need
CREATE TEMP TABLE acc_run AS
    SELECT r.*, c.mode, c.points_case, c.srid,
           string_to_array(r.supplies, ' ') AS cols,
           string_to_array(r.forms, ' ') AS form_list,
           coalesce((SELECT s.proj4text LIKE '%+proj=longlat%' FROM spatial_ref_sys s
                     WHERE s.srid = c.srid), false) AS geographic,
           CASE WHEN r.method = 'e2sfca' THEN r.bands[cardinality(r.bands)] ELSE r.catchment END AS reach
    FROM acc_runs r JOIN acc_cases c USING (case_id);

-- ------------------------------------------------------------------------------------
-- run medres
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE acc_got (run_id integer, form text, supply text, id bigint, score float8);
CREATE TEMP TABLE acc_errors (run_id integer, form text, message text);

-- the call of run r in form f (the ten arguments are $1 .. $10 of EXECUTE ... USING)
CREATE FUNCTION pg_temp.acc_call(r acc_run, f text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    args text := '';
BEGIN
    IF f = 'positional' THEN
        RETURN 'medres.accessibility($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)';
    ELSIF f = 'defaults' THEN
        IF r.method <> '2sfca' THEN args := args || ', method => $3'; END IF;
        IF r.catchment IS NOT NULL THEN args := args || ', catchment => $4'; END IF;
        IF r.decay IS NOT NULL THEN args := args || ', decay => $5'; END IF;
        IF r.decay_param IS NOT NULL THEN args := args || ', decay_param => $6'; END IF;
        IF r.bands IS NOT NULL THEN args := args || ', bands => $7'; END IF;
        IF r.band_weights IS NOT NULL THEN args := args || ', band_weights => $8'; END IF;
        IF r.mode = 'cost' THEN args := args || ', cost_sql => $9'; END IF;
        IF r.normalize THEN args := args || ', normalized => $10'; END IF;
        RETURN 'medres.accessibility($1, $2' || args || ')';
    END IF;
    RETURN 'medres.accessibility($1, $2, method => $3, catchment => $4, decay => $5, '
           'decay_param => $6, bands => $7, band_weights => $8, cost_sql => $9, normalized => $10)';
END
$$;

CREATE FUNCTION pg_temp.acc_supply_sql(r acc_run, f text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN f = 'reordered'
                THEN format('SELECT %s, geom, id FROM acc_supply WHERE case_id = %L',
                            (SELECT string_agg(quote_ident(c), ', ' ORDER BY o DESC)
                             FROM unnest(r.cols) WITH ORDINALITY AS u(c, o)), r.points_case)
                ELSE format('SELECT id, %s%s FROM acc_supply WHERE case_id = %L',
                            CASE WHEN r.mode = 'geom' OR f = 'with_geom' THEN 'geom, ' ELSE '' END,
                            (SELECT string_agg(quote_ident(c), ', ' ORDER BY o)
                             FROM unnest(r.cols) WITH ORDINALITY AS u(c, o)), r.points_case) END
$$;

CREATE FUNCTION pg_temp.acc_demand_sql(r acc_run, f text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN f = 'reordered'
                THEN format('SELECT pop AS people, geom, id FROM acc_demand WHERE case_id = %L', r.points_case)
                ELSE format('SELECT id, %spop FROM acc_demand WHERE case_id = %L',
                            CASE WHEN r.mode = 'geom' OR f = 'with_geom' THEN 'geom, ' ELSE '' END,
                            r.points_case) END
$$;

DO $do$
DECLARE
    r acc_run;
    f text;
    cost_sql text;
BEGIN
    FOR r IN SELECT * FROM acc_run ORDER BY run_id LOOP
        cost_sql := CASE WHEN r.mode = 'cost'
                         THEN format('SELECT demand_id, supply_id, cost FROM acc_cost WHERE case_id = %L',
                                     r.case_id) END;
        FOREACH f IN ARRAY r.form_list LOOP
            BEGIN
                EXECUTE format('INSERT INTO acc_got SELECT %s, %L, t.supply, t.id, t.score FROM %s AS t(id, supply, score)',
                               r.run_id, f, pg_temp.acc_call(r, f))
                USING pg_temp.acc_supply_sql(r, f), pg_temp.acc_demand_sql(r, f), r.method, r.catchment,
                      r.decay, r.decay_param, r.bands, r.band_weights, cost_sql, r.normalize;
            EXCEPTION WHEN others THEN
                INSERT INTO acc_errors VALUES (r.run_id, f, SQLSTATE || ': ' || SQLERRM);
            END;
        END LOOP;
    END LOOP;
END
$do$;
CREATE INDEX ON acc_got (run_id, form, supply, id);
ANALYZE acc_got;

-- ------------------------------------------------------------------------------------
-- helpers
-- ------------------------------------------------------------------------------------
-- haversine metres on the sphere of radius 6371008.8 m (x = longitude, y = latitude, degrees)
CREATE FUNCTION pg_temp.acc_haversine(x1 float8, y1 float8, x2 float8, y2 float8) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
    SELECT 2 * 6371008.8 * asin(least(1.0, sqrt(
               sin(radians(y2 - y1) / 2) ^ 2
               + cos(radians(y1)) * cos(radians(y2)) * sin(radians(x2 - x1) / 2) ^ 2)))
$$;

-- relative agreement (exactly 0 where the expected value is 0)
CREATE FUNCTION pg_temp.acc_close(got float8, expected float8, tol float8 DEFAULT 1e-10) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT got IS NOT NULL AND expected IS NOT NULL
           AND CASE WHEN expected = 0 THEN got = 0 ELSE abs(got - expected) <= tol * abs(expected) END
$$;

-- the facility/demand pairs in reach of run r: (supply_id, demand_id)
CREATE FUNCTION pg_temp.acc_reach(r acc_run) RETURNS TABLE(supply_id bigint, demand_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
    IF r.mode = 'cost' THEN
        RETURN QUERY SELECT c.supply_id, c.demand_id FROM acc_cost c
                     WHERE c.case_id = r.case_id AND (r.reach IS NULL OR c.cost <= r.reach);
    ELSIF r.geographic THEN
        RETURN QUERY SELECT s.id, d.id FROM acc_supply s JOIN acc_demand d USING (case_id)
                     WHERE s.case_id = r.points_case
                       AND (r.reach IS NULL OR pg_temp.acc_haversine(s.x, s.y, d.x, d.y) <= r.reach);
    ELSE
        RETURN QUERY SELECT s.id, d.id FROM acc_supply s JOIN acc_demand d USING (case_id)
                     WHERE s.case_id = r.points_case
                       AND (r.reach IS NULL OR ST_Distance(s.geom, d.geom) <= r.reach);
    END IF;
END
$$;

-- sum of S_j (column col) over the facilities with a demand unit of positive population in reach
CREATE FUNCTION pg_temp.acc_supply_in_reach(r acc_run, col text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    res float8;
BEGIN
    EXECUTE format('SELECT coalesce(sum(s.%I::float8), 0) FROM acc_supply s
                    WHERE s.case_id = $1 AND s.id IN (
                        SELECT p.supply_id FROM pg_temp.acc_reach($2) p
                        JOIN acc_demand d ON d.case_id = $1 AND d.id = p.demand_id WHERE d.pop > 0)', col)
    INTO res USING r.points_case, r;
    RETURN res;
END
$$;

-- ------------------------------------------------------------------------------------
-- collect the tests: (passed, description) for ok(), (have, description) for
-- is(have, '{}'::text[]), or a pgTAP query (kind 'pgtap')
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE acc_tests (seq serial, kind text, passed boolean, have text[], descr text, q text);

INSERT INTO acc_tests (kind, passed, descr)
SELECT 'ok', (SELECT count(*) FROM acc_run) > 0 AND (SELECT count(*) FROM acc_expected) > 0,
       format('oracle files loaded: %s cases, %s runs, %s supply and %s demand rows, %s cost rows, %s expected scores',
              (SELECT count(*) FROM acc_cases), (SELECT count(*) FROM acc_run), (SELECT count(*) FROM acc_supply),
              (SELECT count(*) FROM acc_demand), (SELECT count(*) FROM acc_cost), (SELECT count(*) FROM acc_expected));

-- the signature
INSERT INTO acc_tests (kind, q) VALUES
('pgtap', $t$SELECT has_function('medres', 'accessibility',
    ARRAY['text', 'text', 'text', 'double precision', 'text', 'double precision', 'double precision[]',
          'double precision[]', 'text', 'boolean'],
    'medres.accessibility(text, text, text, float8, text, float8, float8[], float8[], text, boolean) exists')$t$),
('pgtap', $t$SELECT is(
    (SELECT pg_get_function_result(p.oid) FROM pg_proc p
     WHERE p.oid = to_regprocedure('medres.accessibility(text, text, text, float8, text, float8, float8[], float8[], text, boolean)')),
    'TABLE(id bigint, supply text, score double precision)',
    'medres.accessibility returns TABLE(id bigint, supply text, score double precision)')$t$),
('pgtap', $t$SELECT is(
    (SELECT array_to_string(p.proargnames, ',') || ' / ' || p.pronargdefaults FROM pg_proc p
     WHERE p.oid = to_regprocedure('medres.accessibility(text, text, text, float8, text, float8, float8[], float8[], text, boolean)')),
    'supply_sql,demand_sql,method,catchment,decay,decay_param,bands,band_weights,cost_sql,normalized,id,supply,score / 8',
    'medres.accessibility has the argument names of the contract and 8 defaults')$t$);

-- scores: one is(mismatches, '{}') per (run, form, supply column)
INSERT INTO acc_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(DISTINCT 'error: ' || er.message) FROM acc_errors er
                 WHERE er.run_id = x.run_id AND er.form = x.form), '{}'::text[])
       || CASE WHEN x.nbad > 10 THEN x.bad[1:10] || format('... and %s more of %s', x.nbad - 10, x.nexp)
               ELSE coalesce(x.bad, '{}'::text[]) END,
       format('%s run %s: %s%s%s%s%s%s%s [%s] %s: %s demand units',
              r.case_id, r.run_id, r.method,
              coalesce(' catchment ' || r.catchment, ''),
              coalesce(' ' || r.decay, ''), coalesce('(' || r.decay_param || ')', ''),
              coalesce(' bands ' || r.bands::text, ''), coalesce(' weights ' || r.band_weights::text, ''),
              CASE WHEN r.normalize THEN ' normalize' ELSE '' END, x.form, x.col, x.nexp)
FROM (
    SELECT c.run_id, c.form, c.col, count(*) AS nexp, count(*) FILTER (WHERE NOT c.ok) AS nbad,
           array_agg(c.msg ORDER BY c.id) FILTER (WHERE NOT c.ok) AS bad
    FROM (
        SELECT r.run_id, f.form, col.col, e.id,
               pg_temp.acc_close(g.score, e.score) AS ok,
               format('id %s: got %s, expected %s%s', e.id, coalesce(g.score::text, 'no row'), e.score,
                      CASE WHEN g.score IS NOT NULL AND e.score <> 0
                           THEN format(' (rel.err %s)', abs(g.score - e.score) / abs(e.score)) ELSE '' END) AS msg
        FROM acc_run r
        CROSS JOIN LATERAL unnest(r.form_list) AS f(form)
        CROSS JOIN LATERAL unnest(r.cols) AS col(col)
        JOIN acc_expected e ON e.run_id = r.expected_run AND e.supply = col.col
        LEFT JOIN LATERAL (SELECT min(g.score) AS score FROM acc_got g
                           WHERE g.run_id = r.run_id AND g.form = f.form AND g.supply = col.col
                             AND g.id = e.id) g ON true
    ) c
    GROUP BY c.run_id, c.form, c.col
) x
JOIN acc_run r ON r.run_id = x.run_id
ORDER BY x.run_id, array_position(r.form_list, x.form), array_position(r.cols, x.col);

-- shape: one is(problems, '{}') per (run, form)
INSERT INTO acc_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(DISTINCT 'error: ' || er.message) FROM acc_errors er
                 WHERE er.run_id = r.run_id AND er.form = f.form), '{}'::text[])
       || coalesce((SELECT (array_agg(format('supply %s id %s: %s rows', g.supply, g.id, g.n) ORDER BY g.supply, g.id))[1:5]
                    FROM (SELECT supply, id, count(*) AS n FROM acc_got
                          WHERE run_id = r.run_id AND form = f.form GROUP BY 1, 2 HAVING count(*) > 1) g), '{}')
       || coalesce((SELECT array_agg(DISTINCT format('unexpected supply name %s', coalesce(g.supply, 'NULL')))
                    FROM acc_got g WHERE g.run_id = r.run_id AND g.form = f.form
                      AND NOT coalesce(g.supply = ANY (r.cols), false)), '{}')
       || coalesce((SELECT (array_agg(format('id %s is not a demand unit', coalesce(g.id::text, 'NULL')) ORDER BY g.id))[1:5]
                    FROM acc_got g WHERE g.run_id = r.run_id AND g.form = f.form
                      AND NOT EXISTS (SELECT 1 FROM acc_demand d WHERE d.case_id = r.points_case AND d.id = g.id)), '{}')
       || coalesce((SELECT array_agg(format('score %s for supply %s id %s', g.score, g.supply, g.id))
                    FROM acc_got g WHERE g.run_id = r.run_id AND g.form = f.form
                      AND (g.score IS NULL OR g.score IN ('NaN', 'Infinity', '-Infinity'))), '{}'),
       format('%s run %s: %s [%s]: no error, one finite score per (supply %s, demand unit), nothing else',
              r.case_id, r.run_id, r.method, f.form, r.supplies)
FROM acc_run r CROSS JOIN LATERAL unnest(r.form_list) WITH ORDINALITY AS f(form, o)
ORDER BY r.run_id, f.o;

-- geometry mode = cost mode (medres against itself)
INSERT INTO acc_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN NOT EXISTS (SELECT 1 FROM acc_got g WHERE g.run_id = r.run_id AND g.form = 'named' AND g.supply = col.col)
                 OR NOT EXISTS (SELECT 1 FROM acc_got g WHERE g.run_id = r.expected_run AND g.form = 'named' AND g.supply = col.col)
            THEN ARRAY['no result in one of the modes']
            ELSE coalesce((SELECT (array_agg(format('id %s: cost mode %s, geometry mode %s', e.id,
                                                    coalesce(c.score::text, 'no row'), coalesce(g.score::text, 'no row'))
                                             ORDER BY e.id))[1:10]
                           FROM acc_expected e
                           LEFT JOIN acc_got c ON c.run_id = r.run_id AND c.form = 'named' AND c.supply = col.col AND c.id = e.id
                           LEFT JOIN acc_got g ON g.run_id = r.expected_run AND g.form = 'named' AND g.supply = col.col AND g.id = e.id
                           WHERE e.run_id = r.expected_run AND e.supply = col.col
                             AND NOT pg_temp.acc_close(c.score, g.score)), '{}') END,
       format('%s run %s = geometry run %s (%s, %s): cost mode gives the geometry mode''s scores',
              r.case_id, r.run_id, r.expected_run, r.method, col.col)
FROM acc_run r CROSS JOIN LATERAL unnest(r.cols) WITH ORDINALITY AS col(col, o)
WHERE r.expected_run <> r.run_id
ORDER BY r.run_id, col.o;

-- the invariant, computed here from medres' scores and distances of our own
INSERT INTO acc_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN x.lhs IS NULL THEN ARRAY['no result']
            WHEN pg_temp.acc_close(x.lhs, x.rhs) THEN '{}'::text[]
            ELSE ARRAY[format('sum P_i A_i = %s, expected %s (rel.err %s)', x.lhs, x.rhs,
                              abs(x.lhs - x.rhs) / greatest(abs(x.rhs), 1e-300))] END,
       format('%s run %s: %s%s [%s]: invariant sum P_i A_i = %s', x.case_id, x.run_id, x.method,
              CASE WHEN x.normalize THEN ' normalize' ELSE '' END, x.col,
              CASE WHEN x.normalize THEN 'sum P_i' ELSE 'sum of S_j over facilities with demand in reach' END)
FROM (
    SELECT r.run_id, r.case_id, r.method, r.normalize, col.col, col.o,
           (SELECT sum(d.pop * g.score) FROM acc_got g JOIN acc_demand d ON d.case_id = r.points_case AND d.id = g.id
            WHERE g.run_id = r.run_id AND g.form = 'named' AND g.supply = col.col) AS lhs,
           CASE WHEN r.normalize THEN (SELECT sum(d.pop) FROM acc_demand d WHERE d.case_id = r.points_case)
                ELSE pg_temp.acc_supply_in_reach(r, col.col) END AS rhs
    FROM acc_run r CROSS JOIN LATERAL unnest(r.cols) WITH ORDINALITY AS col(col, o)
    WHERE r.method IN ('2sfca', 'e2sfca', 'gravity', '3sfca') AND 'named' = ANY (r.form_list)
) x
ORDER BY x.run_id, x.o;

-- ------------------------------------------------------------------------------------
-- bad input
-- ------------------------------------------------------------------------------------
-- valid inputs: two facilities and three demand units on SRID 0, and a cost table
CREATE TEMP TABLE acc_bad (seq serial, kind text, errcode text, descr text, s text, d text, args text);
CREATE FUNCTION pg_temp.acc_pts(cols text, vals text, geom text DEFAULT 'ST_SetSRID(ST_MakePoint(x, y), 0)')
RETURNS text LANGUAGE sql AS $$
    SELECT format('SELECT %s FROM (VALUES %s) AS t(id, x, y, v)',
                  replace(cols, 'GEOM', geom || ' AS geom'), vals)
$$;
-- S_OK: id, geom, beds;  D_OK: id, geom, pop
CREATE TEMP TABLE acc_ok AS SELECT
    pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10), (2, 10.0, 0.0, 6)') AS s,
    pg_temp.acc_pts('id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0), (2, 5.0, 0.0, 300.0), (3, 10.0, 3.0, 400.0)') AS d,
    'SELECT * FROM (VALUES (1, 1, 0.0), (2, 1, 5.0), (2, 2, 5.0), (3, 2, 3.0)) AS t(demand_id, supply_id, cost)'::text AS c,
    pg_temp.acc_pts('id, v AS beds', '(1, 0.0, 0.0, 10), (2, 10.0, 0.0, 6)') AS s_nogeom,
    pg_temp.acc_pts('id, v AS pop', '(1, 0.0, 0.0, 100.0), (2, 5.0, 0.0, 300.0), (3, 10.0, 3.0, 400.0)') AS d_nogeom;

-- controls (must live)
INSERT INTO acc_bad (kind, descr, s, d, args)
SELECT 'lives', x.descr, coalesce(x.s, o.s), coalesce(x.d, o.d), x.args
FROM acc_ok o, LATERAL (VALUES
    ('valid geometry inputs, 2sfca', NULL, NULL, ', catchment => 5'),
    ('valid geometry inputs, gravity gaussian without a catchment', NULL, NULL,
     ', method => ''gravity'', decay => ''gaussian'', decay_param => 4'),
    ('valid geometry inputs, ratio', NULL, NULL, ', method => ''ratio'', catchment => 5'),
    ('valid inputs, cost mode without geom', o.s_nogeom, o.d_nogeom, ', catchment => 5, cost_sql => ' || quote_literal(o.c)),
    ('valid inputs, integer and numeric columns (int id, numeric supply, integer population)',
     pg_temp.acc_pts('id::int AS id, GEOM, v::numeric AS beds', '(1, 0.0, 0.0, 10), (2, 10.0, 0.0, 6)'),
     pg_temp.acc_pts('id::bigint AS id, GEOM, v::int AS pop', '(1, 0.0, 0.0, 100), (2, 5.0, 0.0, 300)'),
     ', catchment => 5'),
    ('valid inputs, two supply columns of zero supply', 
     pg_temp.acc_pts('id, GEOM, v AS beds, 0 AS doctors', '(1, 0.0, 0.0, 0), (2, 10.0, 0.0, 6)'), NULL,
     ', catchment => 5')) AS x(descr, s, d, args);

-- errors with SQLSTATE 22023 (the contract's list)
INSERT INTO acc_bad (kind, errcode, descr, s, d, args)
SELECT 'throws', '22023', x.descr, coalesce(x.s, o.s), coalesce(x.d, o.d), coalesce(x.args, ', catchment => 5')
FROM acc_ok o, LATERAL (VALUES
    -- missing columns
    ('missing column: supply_sql without id', pg_temp.acc_pts('GEOM, v AS beds', '(1, 0.0, 0.0, 10)'), NULL, NULL),
    ('missing column: supply_sql without geom (no cost_sql)', o.s_nogeom, NULL, NULL),
    ('missing column: supply_sql without a supply column', pg_temp.acc_pts('id, GEOM', '(1, 0.0, 0.0, 10)'), NULL, NULL),
    ('missing column: demand_sql without id', NULL, pg_temp.acc_pts('GEOM, v AS pop', '(1, 0.0, 0.0, 100.0)'), NULL),
    ('missing column: demand_sql without geom (no cost_sql)', NULL, o.d_nogeom, NULL),
    ('missing column: demand_sql without a population column', NULL, pg_temp.acc_pts('id, GEOM', '(1, 0.0, 0.0, 100.0)'), NULL),
    ('missing column: cost_sql without cost', o.s_nogeom, o.d_nogeom,
     ', catchment => 5, cost_sql => ' || quote_literal('SELECT 1 AS demand_id, 1 AS supply_id')),
    ('missing column: cost_sql without demand_id', o.s_nogeom, o.d_nogeom,
     ', catchment => 5, cost_sql => ' || quote_literal('SELECT 1 AS supply_id, 2.0 AS cost')),
    ('missing column: cost_sql without supply_id', o.s_nogeom, o.d_nogeom,
     ', catchment => 5, cost_sql => ' || quote_literal('SELECT 1 AS demand_id, 2.0 AS cost')),
    -- wrong types
    ('wrong type: text population', NULL, pg_temp.acc_pts('id, GEOM, v::text AS pop', '(1, 0.0, 0.0, 100.0)'), NULL),
    ('wrong type: text supply column', pg_temp.acc_pts('id, GEOM, v::text AS beds', '(1, 0.0, 0.0, 10)'), NULL, NULL),
    ('wrong type: text id (supply)', pg_temp.acc_pts('''a''::text AS id, GEOM, v AS beds', '(1, 0.0, 0.0, 10)'), NULL, NULL),
    ('wrong type: text id (demand)', NULL, pg_temp.acc_pts('''a''::text AS id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0)'), NULL),
    ('wrong type: geom column of type float8', pg_temp.acc_pts('id, x AS geom, v AS beds', '(1, 0.0, 0.0, 10)'), NULL, NULL),
    ('wrong type: text cost', o.s_nogeom, o.d_nogeom,
     ', catchment => 5, cost_sql => ' || quote_literal('SELECT 1 AS demand_id, 1 AS supply_id, ''2''::text AS cost')),
    -- more than one population column
    ('demand_sql with two numeric columns besides id (exactly one population)', NULL,
     pg_temp.acc_pts('id, GEOM, v AS pop, v AS pop2', '(1, 0.0, 0.0, 100.0)'), NULL),
    -- duplicate ids
    ('duplicate supply ids', pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10), (1, 10.0, 0.0, 6)'), NULL, NULL),
    ('duplicate demand ids', NULL, pg_temp.acc_pts('id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0), (1, 5.0, 0.0, 300.0)'), NULL),
    -- geometry
    ('NULL geometry (supply)', pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10), (2, NULL, 0.0, 6)'), NULL, NULL),
    ('NULL geometry (demand)', NULL, pg_temp.acc_pts('id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0), (2, 5.0, NULL, 300.0)'), NULL),
    ('empty geometry (supply)', pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10)',
         'CASE WHEN id = 1 THEN ''SRID=0;POINT EMPTY''::geometry ELSE ST_MakePoint(x, y) END'), NULL, NULL),
    ('empty geometry (demand)', NULL, pg_temp.acc_pts('id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0), (2, 5.0, 0.0, 300.0)',
         'CASE WHEN id = 2 THEN ''POINT EMPTY''::geometry ELSE ST_MakePoint(x, y) END'), NULL),
    ('non-point geometry: a linestring (supply)', pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10)',
         'ST_MakeLine(ST_MakePoint(x, y), ST_MakePoint(x + 1, y))'), NULL, NULL),
    ('non-point geometry: a polygon (demand)', NULL, pg_temp.acc_pts('id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0)',
         'ST_Buffer(ST_MakePoint(x, y), 1)'), NULL),
    ('mixed SRIDs between supply (0) and demand (4326)', NULL,
     pg_temp.acc_pts('id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0)', 'ST_SetSRID(ST_MakePoint(x, y), 4326)'), NULL),
    ('mixed SRIDs between supply (32650) and demand (0)',
     pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10)', 'ST_SetSRID(ST_MakePoint(x, y), 32650)'), NULL, NULL),
    ('mixed SRIDs within demand (4326 and 3857)', pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10)',
         'ST_SetSRID(ST_MakePoint(x, y), 4326)'),
     pg_temp.acc_pts('id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0), (2, 0.001, 0.0, 300.0)',
         'ST_SetSRID(ST_MakePoint(x, y), CASE WHEN id = 1 THEN 4326 ELSE 3857 END)'), NULL),
    ('mixed SRIDs within supply (0 and 4326)', pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10), (2, 1.0, 0.0, 6)',
         'ST_SetSRID(ST_MakePoint(x, y), CASE WHEN id = 1 THEN 0 ELSE 4326 END)'), NULL, NULL),
    -- negative values
    ('negative supply', pg_temp.acc_pts('id, GEOM, v AS beds', '(1, 0.0, 0.0, 10), (2, 10.0, 0.0, -6)'), NULL, NULL),
    ('negative supply in the second supply column', pg_temp.acc_pts('id, GEOM, v AS beds, -v AS doctors',
         '(1, 0.0, 0.0, 10), (2, 10.0, 0.0, 6)'), NULL, NULL),
    ('negative population', NULL, pg_temp.acc_pts('id, GEOM, v AS pop', '(1, 0.0, 0.0, 100.0), (2, 5.0, 0.0, -300.0)'), NULL),
    ('negative cost', o.s_nogeom, o.d_nogeom,
     ', catchment => 5, cost_sql => ' || quote_literal('SELECT * FROM (VALUES (1, 1, 0.0), (2, 1, -5.0)) AS t(demand_id, supply_id, cost)')),
    -- catchment
    ('catchment 0 (2sfca)', NULL, NULL, ', catchment => 0'),
    ('catchment -1 (2sfca)', NULL, NULL, ', catchment => -1'),
    ('catchment 0 (gravity gaussian)', NULL, NULL, ', method => ''gravity'', catchment => 0, decay => ''gaussian'', decay_param => 4'),
    ('catchment -5 (3sfca)', NULL, NULL, ', method => ''3sfca'', catchment => -5'),
    ('catchment 0 (ratio)', NULL, NULL, ', method => ''ratio'', catchment => 0'),
    ('catchment -1 (cost mode)', o.s_nogeom, o.d_nogeom, ', catchment => -1, cost_sql => ' || quote_literal(o.c)),
    -- names
    ('unknown method', NULL, NULL, ', method => ''4sfca'', catchment => 5'),
    ('unknown decay', NULL, NULL, ', method => ''gravity'', catchment => 5, decay => ''cauchy'', decay_param => 1')
) AS x(descr, s, d, args);

-- errors the contract implies without naming the SQLSTATE: any error
INSERT INTO acc_bad (kind, errcode, descr, s, d, args)
SELECT 'throws', NULL, x.descr, coalesce(x.s, o.s), coalesce(x.d, o.d), x.args
FROM acc_ok o, LATERAL (VALUES
    ('ratio with cost_sql (geometry mode only)', o.s_nogeom, o.d_nogeom,
     ', method => ''ratio'', catchment => 5, cost_sql => ' || quote_literal(o.c)),
    ('2sfca without a catchment (required)', NULL, NULL, ''),
    ('3sfca without a catchment (required)', NULL, NULL, ', method => ''3sfca'''),
    ('ratio without a catchment (required)', NULL, NULL, ', method => ''ratio''')
) AS x(descr, s, d, args);

INSERT INTO acc_tests (kind, q)
SELECT 'pgtap',
       CASE b.kind
           WHEN 'lives' THEN format('SELECT lives_ok(%L, %L)',
                                    format('SELECT * FROM medres.accessibility(%L, %L%s)', b.s, b.d, b.args),
                                    'control: ' || b.descr)
           ELSE format('SELECT throws_ok(%L, %L, NULL, %L)',
                       format('SELECT * FROM medres.accessibility(%L, %L%s)', b.s, b.d, b.args),
                       b.errcode, 'bad input: ' || b.descr
                       || CASE WHEN b.errcode IS NULL THEN ' (an error, any SQLSTATE)' ELSE ' (SQLSTATE ' || b.errcode || ')' END)
       END
FROM acc_bad b ORDER BY b.seq;

-- ------------------------------------------------------------------------------------
-- run the tests
-- ------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.acc_pgtap(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    res text;
BEGIN
    EXECUTE q INTO res;
    RETURN res;
END
$$;

SELECT plan((SELECT count(*)::int FROM acc_tests));

SELECT CASE kind WHEN 'ok' THEN ok(passed, descr)
                 WHEN 'pgtap' THEN pg_temp.acc_pgtap(q)
                 ELSE is(have, '{}'::text[], descr) END
FROM acc_tests ORDER BY seq;

SELECT * FROM finish();
ROLLBACK;
