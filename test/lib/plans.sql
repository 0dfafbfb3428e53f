-- Helpers shared by the pgTAP files (included with \i after BEGIN; not a test itself).

-- the text of EXPLAIN (COSTS OFF) of a query
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; out text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP out := out || line || E'\n'; END LOOP;
  RETURN out;
END $$;

-- the text of EXPLAIN ANALYZE of a statement (which runs it), for "Workers Launched"
CREATE FUNCTION pg_temp.analyze_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; out text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    out := out || line || E'\n';
  END LOOP;
  RETURN out;
END $$;

-- relative agreement of two numbers
CREATE FUNCTION pg_temp.close(a float8, b float8, rel float8) RETURNS bool LANGUAGE sql IMMUTABLE
    AS $$ SELECT abs(a - b) <= rel * greatest(abs(a), abs(b), 1e-300) $$;

-- allow parallel plans even for small tables (for the rest of the transaction, as SET would)
CREATE FUNCTION pg_temp.allow_parallel(workers int DEFAULT 2) RETURNS void LANGUAGE sql AS $$
  SELECT set_config('max_parallel_workers_per_gather', workers::text, true),
         set_config('parallel_setup_cost', '0', true),
         set_config('parallel_tuple_cost', '0', true),
         set_config('min_parallel_table_scan_size', '0', true)
$$;
