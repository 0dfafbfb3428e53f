\set ON_ERROR_STOP 1
-- Oracle test for medres.class_breaks (quantile, equal interval, Jenks natural breaks).
--
-- Compares medres with the breaks computed independently by test/oracle_jenks.py (plain
-- Python: the textbook Jenks/Fisher dynamic programme, checked against brute force for
-- small cases), stored in test/oracle/jenks_cases.csv and test/oracle/jenks_expected.csv.
-- Run from the repository root: pg_prove -d <db> test/oracle_jenks.sql
--
-- Agreement: jenks and quantile breaks are data values and must be equal exactly; equal
-- interval breaks within 1e-12 of the range (the oracle computes min + i (max - min) / k,
-- medres min (1 - i/k) + max i/k).
\set QUIET 1
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SELECT plan(9);

CREATE TEMP TABLE jcases (case_id text, i int, value float8);
\copy jcases FROM 'test/oracle/jenks_cases.csv' CSV HEADER
CREATE TEMP TABLE jexpected (case_id text, method text, k int, breaks float8[]);
\copy jexpected FROM 'test/oracle/jenks_expected.csv' CSV HEADER

CREATE TEMP TABLE jgot AS
SELECT e.case_id, e.method, e.k, e.breaks AS expected,
       (SELECT medres.class_breaks(c.value, e.k, e.method) FROM jcases c
        WHERE c.case_id = e.case_id) AS got,
       (SELECT max(c.value) - min(c.value) FROM jcases c WHERE c.case_id = e.case_id) AS range
FROM jexpected e;

SELECT is((SELECT count(*)::int FROM jgot WHERE method = 'jenks'), 136,
          'the oracle has 136 jenks break sets');
SELECT is((SELECT array_agg(case_id || ' k=' || k ORDER BY case_id, k) FROM jgot
           WHERE method = 'jenks' AND got IS DISTINCT FROM expected), NULL,
          'jenks: the breaks equal the textbook programme''s (and brute force''s) in every case');
SELECT is((SELECT array_agg(case_id || ' k=' || k ORDER BY case_id, k) FROM jgot
           WHERE method = 'quantile' AND got IS DISTINCT FROM expected), NULL,
          'quantile: the breaks equal the oracle''s order statistics in every case');
SELECT is((SELECT array_agg(case_id || ' k=' || k ORDER BY case_id, k) FROM jgot
           WHERE method = 'equal' AND (cardinality(got) <> cardinality(expected)
             OR EXISTS (SELECT 1 FROM unnest(got, expected) AS u(g, x)
                        WHERE abs(g - x) > 1e-12 * greatest(range, 1e-300)))), NULL,
          'equal: the breaks equal min + i (max - min) / k in every case');

-- the same through a parallel plan's serialize / combine (forced below), on the largest case
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
-- parallel workers do not read temp tables: a plain table, gone at the ROLLBACK
CREATE TABLE jenks_big AS SELECT value FROM jcases WHERE case_id = 'unif1000';
ANALYZE jenks_big;
SELECT is((SELECT medres.class_breaks(value, 4, 'jenks') FROM jenks_big),
          (SELECT breaks FROM jexpected WHERE case_id = 'unif1000' AND method = 'jenks' AND k = 4),
          'jenks of 1000 values, k = 4');

SELECT throws_ok($$SELECT medres.class_breaks(x, 0, 'jenks') FROM generate_series(1, 3) x$$,
                 '22023', NULL, 'k = 0: 22023');
SELECT throws_ok($$SELECT medres.class_breaks(x, 3, 'natural') FROM generate_series(1, 3) x$$,
                 '22023', 'invalid value for argument "method": "natural"', 'an unknown method: 22023 naming method');
SELECT throws_ok($$SELECT medres.class_breaks(x, 3, 'jenks') FROM generate_series(1, 0) x$$,
                 '22023', 'class_breaks needs at least one non-NULL value', 'no rows: 22023');
SELECT throws_ok($$SELECT medres.class_breaks(x, 3, 'jenks') FROM unnest(ARRAY[1, 'NaN']::float8[]) x$$,
                 '22023', NULL, 'NaN: 22023');

SELECT * FROM finish();
ROLLBACK;
