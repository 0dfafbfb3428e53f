-- medres_postgis 0.1.0 — spatial accessibility and spatial autocorrelation next to PostGIS.
-- Every object lives in schema @extschema@ (medres); see doc/spatial.md for the reference.
-- The C functions run their inner SQL with the caller's privileges (never SECURITY DEFINER)
-- and call PostGIS by the schema it is installed in.

\echo Use "CREATE EXTENSION medres_postgis" to load this file. \quit

CREATE TYPE @extschema@.moran_result AS (
    n                 int,
    i                 float8,
    expected          float8,
    variance_normal   float8,
    z_normal          float8,
    p_normal          float8,
    variance_random   float8,
    z_random          float8,
    p_random          float8,
    p_permutation     float8,
    permutations      int
);

CREATE FUNCTION @extschema@.accessibility(
        supply_sql text, demand_sql text, method text DEFAULT '2sfca',
        catchment float8 DEFAULT NULL, decay text DEFAULT NULL, decay_param float8 DEFAULT NULL,
        bands float8[] DEFAULT NULL, band_weights float8[] DEFAULT NULL,
        cost_sql text DEFAULT NULL, normalized boolean DEFAULT false)
    RETURNS TABLE(id bigint, supply text, score float8)
    AS 'MODULE_PATHNAME', 'medres_accessibility' LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.spatial_weights(
        units_sql text, method text DEFAULT 'queen', k int DEFAULT NULL,
        distance float8 DEFAULT NULL, snap float8 DEFAULT 0, inverse float8 DEFAULT NULL,
        row_standardize boolean DEFAULT true)
    RETURNS TABLE(i bigint, j bigint, w float8)
    AS 'MODULE_PATHNAME', 'medres_spatial_weights' LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.moran(values_sql text, weights_sql text,
        permutations int DEFAULT 999, seed bigint DEFAULT 0)
    RETURNS @extschema@.moran_result
    AS 'MODULE_PATHNAME', 'medres_moran' LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.lisa(values_sql text, weights_sql text,
        permutations int DEFAULT 999, seed bigint DEFAULT 0, significance float8 DEFAULT 0.05)
    RETURNS TABLE(id bigint, ii float8, z float8, p_sim float8, quadrant text, significance text)
    AS 'MODULE_PATHNAME', 'medres_lisa' LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.getis_ord(values_sql text, weights_sql text, star boolean DEFAULT true)
    RETURNS TABLE(id bigint, gi float8, z float8, p float8)
    AS 'MODULE_PATHNAME', 'medres_getis_ord' LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Areas and densities from geometries.  PostGIS's schema is looked up here and written into
-- the function bodies, so they do not depend on the caller's search_path.
DO $do$
DECLARE
    pg text := (SELECT quote_ident(n.nspname) FROM pg_extension e
                JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION @extschema@.area_km2(geom %1$s.geometry) RETURNS float8
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        SET search_path = pg_catalog, pg_temp
        RETURN %1$s.ST_Area(%1$s.geography(geom)) / 1e6 $f$, pg);
    EXECUTE format($f$
        CREATE FUNCTION @extschema@.hrdi(resource float8, population float8, geom %1$s.geometry)
        RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        SET search_path = pg_catalog, pg_temp
        RETURN @extschema@.hrdi(resource, population, @extschema@.area_km2(geom)) $f$, pg);
END
$do$;
