-- The parameter of ge and atkinson must be the same in every row of a group.  When partial
-- states that saw different values meet (parallel query, partitionwise aggregation, Citus),
-- the error names the argument the user wrote and shows the values as given: an Atkinson
-- state keeps alpha = 1 - epsilon, and reporting that gave 'alpha ... "0.30000000000000004"'
-- for epsilon = 0.7 (issue 12 §7).  Partitionwise aggregation makes the partial states meet
-- deterministically: one Partial Aggregate per partition, combined in the Finalize Aggregate.
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SELECT plan(13);

-- SQLSTATE, message and detail of the error a query raises
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || SQLERRM || ' | ' || d;
END
$$;

CREATE TEMP TABLE pt (x float8, p float8) PARTITION BY LIST (p);
CREATE TEMP TABLE pt_a PARTITION OF pt FOR VALUES IN (0.5);
CREATE TEMP TABLE pt_b PARTITION OF pt FOR VALUES IN (0.7);
CREATE TEMP TABLE pt_c PARTITION OF pt FOR VALUES IN (0.5000000000000001);
INSERT INTO pt SELECT i, CASE WHEN i % 2 = 0 THEN 0.5 ELSE 0.7 END FROM generate_series(1, 1000) i;
INSERT INTO pt SELECT i, 0.5000000000000001 FROM generate_series(1, 10) i;
ANALYZE pt;
SET LOCAL enable_partitionwise_aggregate = on;

-- the plan combines partial states of different partitions
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    l text;
    r text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        r := r || l || E'\n';
    END LOOP;
    RETURN r;
END
$$;
SELECT matches(pg_temp.plan('SELECT medres.atkinson(x, p) FROM pt WHERE p IN (0.5, 0.7)'),
               'Finalize Aggregate.*Partial Aggregate.*Partial Aggregate',
               'partitionwise aggregation combines one partial state per partition');

SELECT is(pg_temp.err('SELECT medres.atkinson(x, p) FROM pt WHERE p IN (0.5, 0.7)'),
          '22023: epsilon must be the same for every row of a group | Found epsilon = "0.7" after epsilon = "0.5".',
          'atkinson: partial states with epsilon 0.5 and 0.7 name epsilon and show 0.7, not alpha = 0.30000000000000004');
SELECT is(pg_temp.err('SELECT medres.atkinson(x, p, 2) FROM pt WHERE p IN (0.5, 0.7)'),
          '22023: epsilon must be the same for every row of a group | Found epsilon = "0.7" after epsilon = "0.5".',
          'weighted atkinson: the same');
-- one unit in the last place: 1 - 0.5000000000000001 rounds to 0.4999999999999999
SELECT is(pg_temp.err('SELECT medres.atkinson(x, p) FROM pt WHERE p IN (0.5, 0.5000000000000001)'),
          '22023: epsilon must be the same for every row of a group | Found epsilon = "0.5000000000000001" after epsilon = "0.5".',
          'atkinson: epsilon one unit in the last place apart is shown in its shortest round-trip form');
SELECT is(pg_temp.err('SELECT medres.ge(x, p) FROM pt WHERE p IN (0.5, 0.7)'),
          '22023: alpha must be the same for every row of a group | Found alpha = "0.7" after alpha = "0.5".',
          'ge: partial states with alpha 0.5 and 0.7 name alpha');
-- within one state (no partitions): the value recorded is the one given, too
SELECT is(pg_temp.err('SELECT medres.atkinson(x, e) FROM (VALUES (1::float8, 0.7::float8), (2, 0.1)) v(x, e)'),
          '22023: epsilon must be the same for every row of a group | Found epsilon = "0.1" after epsilon = "0.7".',
          'atkinson: rows of one state with epsilon 0.7 then 0.1');

-- the combine function called directly
SELECT is(pg_temp.err($q$SELECT medres._pf_combine(medres._atkinson_trans('{0,0,0,0,0,0,0,0,0,0,0}', 1, 0.5),
                                                 medres._atkinson_trans('{0,0,0,0,0,0,0,0,0,0,0}', 2, 0.7))$q$),
          '22023: epsilon must be the same for every row of a group | Found epsilon = "0.7" after epsilon = "0.5".',
          '_pf_combine of Atkinson states with epsilon 0.5 and 0.7');
SELECT is(pg_temp.err($q$SELECT medres._pf_combine(medres._atkinson_trans('{0,0,0,0,0,0,0,0,0,0,0}', 1, 1e-300),
                                                 medres._atkinson_trans('{0,0,0,0,0,0,0,0,0,0,0}', 2, 2e-300))$q$),
          '22023: epsilon must be the same for every row of a group | Found epsilon = "2e-300" after epsilon = "1e-300".',
          '_pf_combine of Atkinson states with epsilon near 0 (the same alpha = 1 in double precision)');
SELECT is(pg_temp.err($q$SELECT medres._pf_combine(medres._atkinson_trans('{0,0,0,0,0,0,0,0,0,0,0}', 1, 0.5),
                                                 medres._ge_trans('{0,0,0,0,0,0,0,0,0,0,0}', 2, 0.5))$q$),
          '22023: invalid medres aggregate state | The state holds rows of another measure or another parameter.',
          '_pf_combine refuses to combine an Atkinson state with a GE state');
SELECT is(pg_temp.err($q$SELECT medres._pf_combine(medres._theil_t_trans('{0,1,1,0,0,0,0,0,0,0,0}', 1),
                                                 medres._theil_l_trans('{0,0,0,0,0,0,0,0,0,0,0}', 2))$q$),
          '22023: invalid medres aggregate state | The state holds rows of another measure or another parameter.',
          '_pf_combine refuses to combine a Theil T state with a Theil L state');

-- with one parameter the partial states combine to the index of all rows: x = 1 .. 1000, even
-- and odd in two partitions; A(0.5) = 1 - (mean sqrt(x))^2 / mean x and
-- GE(0.5) = (mean (x/mu)^0.5 - 1) / (0.5 (0.5 - 1)), in plain SQL
CREATE TEMP TABLE pq (x float8, part int) PARTITION BY LIST (part);
CREATE TEMP TABLE pq_0 PARTITION OF pq FOR VALUES IN (0);
CREATE TEMP TABLE pq_1 PARTITION OF pq FOR VALUES IN (1);
INSERT INTO pq SELECT i, i % 2 FROM generate_series(1, 1000) i;
ANALYZE pq;
SELECT matches(pg_temp.plan('SELECT medres.atkinson(x, 0.5) FROM pq'),
               'Finalize Aggregate.*Partial Aggregate.*Partial Aggregate',
               'the index of pq is combined from one partial state per partition');
SELECT ok(abs(medres.atkinson(x, 0.5) / (1 - avg(sqrt(x))^2 / avg(x)) - 1) < 1e-12,
          'atkinson(x, 0.5) of two partial states equals the plain-SQL formula to 1e-12 relative')
FROM pq;
SELECT ok(abs(medres.ge(x, 0.5) / ((avg(sqrt(x / m)) - 1) / (0.5 * (0.5 - 1))) - 1) < 1e-12,
          'ge(x, 0.5) of two partial states equals the plain-SQL formula to 1e-12 relative')
FROM pq, (SELECT avg(x) AS m FROM pq) a GROUP BY m;

SELECT * FROM finish();
ROLLBACK;
