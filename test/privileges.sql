-- Inner SQL runs with the caller's rights and under the caller's row-level security: medres
-- adds no rights of its own (its functions are not SECURITY DEFINER).  Run as a plain role
-- (tools/suite.sh runs every pgTAP file as medres_user); a superuser has every right
-- and bypasses row-level security, so there the checks are skipped.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SELECT plan(6);

SELECT ok(NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
                      JOIN pg_extension e ON e.oid = d.refobjid
                      WHERE d.deptype = 'e' AND e.extname IN ('medres', 'medres_postgis') AND p.prosecdef),
          'no medres function is SECURITY DEFINER');

-- two facilities and four villages on a line (as in sql/spatial.sql): with catchment 5,
-- facility 1 (10 beds) reaches villages 1 and 2, facility 2 (20 beds) villages 2 and 3
CREATE TABLE pv_facility (id int, geom geometry, beds float8);
INSERT INTO pv_facility VALUES (1, 'POINT(0 0)', 10), (2, 'POINT(10 0)', 20);
CREATE TABLE pv_village (id int, geom geometry, population float8, visible bool);
INSERT INTO pv_village VALUES (1, 'POINT(1 0)', 100, true), (2, 'POINT(5 0)', 200, true),
                              (3, 'POINT(9 0)', 300, false), (4, 'POINT(50 0)', 50, true);

SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user \gset
\if :superuser
SELECT skip('a superuser has every right and bypasses row-level security', 5);
\else
-- a table the caller may not read: the inner SQL fails with 42501, as the query itself would
REVOKE ALL ON pv_facility FROM current_user;
SELECT throws_ok($$SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM public.pv_facility',
                                                      'SELECT id, geom, population FROM public.pv_village',
                                                      catchment => 5)$$,
                 '42501', NULL, 'inner SQL on a table the caller may not read fails with 42501');
GRANT SELECT ON pv_facility TO current_user;
SELECT lives_ok($$SELECT * FROM medres.accessibility('SELECT id, geom, beds FROM public.pv_facility',
                                                     'SELECT id, geom, population FROM public.pv_village',
                                                     catchment => 5)$$,
                'after GRANT SELECT the same call runs');

-- row-level security: the policy hides village 3.  Facility 2 then reaches village 2 alone
-- (200 people): R2 = 20/200 = 0.1, and village 2 scores R1 + R2 = 10/300 + 0.1 = 0.133333
ALTER TABLE pv_village ENABLE ROW LEVEL SECURITY;
ALTER TABLE pv_village FORCE ROW LEVEL SECURITY;
CREATE POLICY pv_visible ON pv_village USING (visible);
SELECT is((SELECT count(*)::int FROM medres.accessibility('SELECT id, geom, beds FROM public.pv_facility',
                                                       'SELECT id, geom, population FROM public.pv_village',
                                                       catchment => 5)), 3,
       'the policy hides village 3 from the inner SQL: 3 demand units scored');
SELECT is((SELECT round(score::numeric, 6) FROM medres.accessibility('SELECT id, geom, beds FROM public.pv_facility',
                                                                  'SELECT id, geom, population FROM public.pv_village',
                                                                  catchment => 5) WHERE id = 2),
       0.133333, 'village 2 scores 10/300 + 20/200 when village 3 is hidden');
SELECT is((SELECT count(*)::int FROM pv_village), 3, 'the caller sees the same 3 villages');
\endif

SELECT * FROM finish();
ROLLBACK;
