-- medres_postgis 0.2.0 — spatial accessibility and spatial autocorrelation next to PostGIS.
-- Every object lives in schema @extschema@ (medres); see doc/spatial.md for the reference.
-- The C functions run their inner SQL with the caller's privileges (never SECURITY DEFINER)
-- and call PostGIS by the schema it is installed in.
--
-- The full install script of 0.2.0: CREATE EXTENSION medres_postgis runs this file alone.  A
-- database that has 0.1.0 reaches 0.2.0 by medres_postgis--0.1.0--0.2.0.sql instead, so EVERY
-- CHANGE TO THE 0.2.0 SURFACE GOES INTO BOTH FILES: the object as it now is here, the step
-- that makes it so there (with the same COMMENT, volatility, strictness and PARALLEL label).
-- test/upgrade.sh installs 0.1.0, runs ALTER EXTENSION medres_postgis UPDATE and checks that
-- the catalog equals a fresh install from this file; it prints what differs.  Every object
-- carries a one-line COMMENT saying what it computes (test/catalog.sql).

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
COMMENT ON TYPE @extschema@.moran_result IS 'Result of moran: global Moran''s I, its expectation, variances, z and p under normality and randomisation, and the permutation p';
COMMENT ON COLUMN @extschema@.moran_result.n IS 'Units';
COMMENT ON COLUMN @extschema@.moran_result.i IS 'Global Moran''s I';
COMMENT ON COLUMN @extschema@.moran_result.expected IS 'E[I] = -1/(n - 1)';
COMMENT ON COLUMN @extschema@.moran_result.variance_normal IS 'Variance of I under normality';
COMMENT ON COLUMN @extschema@.moran_result.z_normal IS 'z-score of I under normality';
COMMENT ON COLUMN @extschema@.moran_result.p_normal IS 'Two-sided p-value under normality';
COMMENT ON COLUMN @extschema@.moran_result.variance_random IS 'Variance of I under randomisation';
COMMENT ON COLUMN @extschema@.moran_result.z_random IS 'z-score of I under randomisation';
COMMENT ON COLUMN @extschema@.moran_result.p_random IS 'Two-sided p-value under randomisation';
COMMENT ON COLUMN @extschema@.moran_result.p_permutation IS 'Pseudo p-value from the permutations, folded as PySAL does';
COMMENT ON COLUMN @extschema@.moran_result.permutations IS 'Number of permutations run';

CREATE FUNCTION @extschema@.accessibility(
        supply_sql text, demand_sql text, method text DEFAULT '2sfca',
        catchment float8 DEFAULT NULL, decay text DEFAULT NULL, decay_param float8 DEFAULT NULL,
        bands float8[] DEFAULT NULL, band_weights float8[] DEFAULT NULL,
        cost_sql text DEFAULT NULL, normalized boolean DEFAULT false)
    RETURNS TABLE(id bigint, supply text, score float8)
    AS 'MODULE_PATHNAME', 'medres_accessibility' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.accessibility(text, text, text, float8, text, float8, float8[], float8[], text, boolean) IS 'Spatial accessibility score of each demand unit for each supply measure by the 2SFCA family (2sfca, e2sfca, gravity, 3sfca, ratio)';

CREATE FUNCTION @extschema@.spatial_weights(
        units_sql text, method text DEFAULT 'queen', k int DEFAULT NULL,
        distance float8 DEFAULT NULL, snap float8 DEFAULT 0, inverse float8 DEFAULT NULL,
        row_standardize boolean DEFAULT true)
    RETURNS TABLE(i bigint, j bigint, w float8)
    AS 'MODULE_PATHNAME', 'medres_spatial_weights' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.spatial_weights(text, text, int, float8, float8, float8, boolean) IS 'Spatial weights (i, j, w) of the units: queen or rook contiguity, k nearest neighbours or distance band, optionally row-standardized';

CREATE FUNCTION @extschema@.moran(values_sql text, weights_sql text,
        permutations int DEFAULT 999, seed bigint DEFAULT 0)
    RETURNS @extschema@.moran_result
    AS 'MODULE_PATHNAME', 'medres_moran' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.moran(text, text, int, bigint) IS 'Global Moran''s I of the values under the spatial weights, with normal, randomisation and permutation inference (moran_result)';

CREATE FUNCTION @extschema@.lisa(values_sql text, weights_sql text,
        permutations int DEFAULT 999, seed bigint DEFAULT 0, significance float8 DEFAULT 0.05)
    RETURNS TABLE(id bigint, ii float8, z float8, p_sim float8, quadrant text, significance text)
    AS 'MODULE_PATHNAME', 'medres_lisa' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.lisa(text, text, int, bigint, float8) IS 'Local Moran''s I of each unit with its z, conditional-permutation pseudo p-value and cluster quadrant (HH, LL, HL, LH)';

CREATE FUNCTION @extschema@.getis_ord(values_sql text, weights_sql text, star boolean DEFAULT true)
    RETURNS TABLE(id bigint, gi float8, z float8, p float8)
    AS 'MODULE_PATHNAME', 'medres_getis_ord' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.getis_ord(text, text, boolean) IS 'Local Getis-Ord G (G* with star) of each unit with its z-score and p-value, for hot-spot maps';

-- Areas and densities from geometries.  PostGIS's schema is looked up here and written into
-- the function bodies, so they do not depend on the caller's search_path.  area_km2 answers
-- every geometry with a finite area or SQLSTATE 22023: PostGIS's own failures on a geography
-- it cannot measure (an edge of exactly 180 degrees of longitude, "Antipodal edge detected")
-- would come through as XX000, and NaN coordinates give NaN.
DO $do$
DECLARE
    pg text := (SELECT quote_ident(n.nspname) FROM pg_extension e
                JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION @extschema@.area_km2(geom %1$s.geometry) RETURNS float8
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
        SET search_path = pg_catalog, pg_temp
        AS $body$
        DECLARE
            a float8;
        BEGIN
            BEGIN
                a := %1$s.ST_Area(%1$s.geography(geom)) / 1e6;
            EXCEPTION WHEN internal_error THEN
                RAISE EXCEPTION 'cannot measure the area of this geometry on the sphere'
                    USING ERRCODE = 'invalid_parameter_value', DETAIL = 'PostGIS: ' || SQLERRM,
                          HINT = 'Split polygons whose edges span 180 degrees of longitude.';
            END;
            IF a = 'NaN'::float8 OR a = 'Infinity'::float8 OR a < 0 THEN
                RAISE EXCEPTION 'the area of this geometry is not a finite number'
                    USING ERRCODE = 'invalid_parameter_value',
                          DETAIL = 'Its coordinates are not finite longitudes and latitudes.';
            END IF;
            RETURN a;
        END
        $body$ $f$, pg);
    EXECUTE format($f$
        CREATE FUNCTION @extschema@.hrdi(resource float8, population float8, geom %1$s.geometry)
        RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        SET search_path = pg_catalog, pg_temp
        RETURN @extschema@.hrdi(resource, population, @extschema@.area_km2(geom)) $f$, pg);
END
$do$;
-- geometry resolves through the search_path CREATE EXTENSION sets (PostGIS's schema follows ours)
COMMENT ON FUNCTION @extschema@.area_km2(geometry) IS 'Area of geom on the WGS 84 spheroid in km2, ST_Area(geom::geography) / 1e6; 22023 for a geometry it cannot measure';
COMMENT ON FUNCTION @extschema@.hrdi(float8, float8, geometry) IS 'Health resource density index with the area from geom: resource / sqrt(population area_km2(geom))';

-- ==== choropleth maps (helper map): choropleth_svg ====
-- The transition functions take PostGIS's geometry, so they are created with its schema
-- written in, as area_km2 above.  The C code asks PostGIS for ST_AsEWKB through the function
-- manager and never reads a geometry's internals.
DO $do$
DECLARE
    pg text := (SELECT quote_ident(n.nspname) FROM pg_extension e
                JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION @extschema@._choropleth_value_trans(internal, %1$s.geometry, float8)
        RETURNS internal AS 'MODULE_PATHNAME', 'medres_choropleth_value_trans'
        LANGUAGE C IMMUTABLE PARALLEL SAFE;
        CREATE FUNCTION @extschema@._choropleth_value_trans(internal, %1$s.geometry, float8, jsonb)
        RETURNS internal AS 'MODULE_PATHNAME', 'medres_choropleth_value_trans'
        LANGUAGE C IMMUTABLE PARALLEL SAFE;
        CREATE FUNCTION @extschema@._choropleth_class_trans(internal, %1$s.geometry, text)
        RETURNS internal AS 'MODULE_PATHNAME', 'medres_choropleth_class_trans'
        LANGUAGE C IMMUTABLE PARALLEL SAFE;
        CREATE FUNCTION @extschema@._choropleth_class_trans(internal, %1$s.geometry, text, jsonb)
        RETURNS internal AS 'MODULE_PATHNAME', 'medres_choropleth_class_trans'
        LANGUAGE C IMMUTABLE PARALLEL SAFE;
        CREATE FUNCTION @extschema@._choropleth_combine(internal, internal) RETURNS internal
        AS 'MODULE_PATHNAME', 'medres_choropleth_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
        CREATE FUNCTION @extschema@._choropleth_serialize(internal) RETURNS bytea
        AS 'MODULE_PATHNAME', 'medres_choropleth_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
        CREATE FUNCTION @extschema@._choropleth_deserialize(bytea, internal) RETURNS internal
        AS 'MODULE_PATHNAME', 'medres_choropleth_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
        -- STABLE: the final function reads spatial_ref_sys to tell a longitude/latitude SRID
        CREATE FUNCTION @extschema@._choropleth_final(internal) RETURNS text
        AS 'MODULE_PATHNAME', 'medres_choropleth_final' LANGUAGE C STABLE PARALLEL SAFE;
        COMMENT ON FUNCTION @extschema@._choropleth_value_trans(internal, %1$s.geometry, float8) IS
            'Support function of choropleth_svg: transition, adds a unit (its rings from ST_AsEWKB) and value; not for direct use';
        COMMENT ON FUNCTION @extschema@._choropleth_value_trans(internal, %1$s.geometry, float8, jsonb) IS
            'Support function of choropleth_svg: transition, adds a unit and value, keeps the options; not for direct use';
        COMMENT ON FUNCTION @extschema@._choropleth_class_trans(internal, %1$s.geometry, text) IS
            'Support function of choropleth_svg: transition, adds a unit (its rings from ST_AsEWKB) and class; not for direct use';
        COMMENT ON FUNCTION @extschema@._choropleth_class_trans(internal, %1$s.geometry, text, jsonb) IS
            'Support function of choropleth_svg: transition, adds a unit and class, keeps the options; not for direct use';
        COMMENT ON FUNCTION @extschema@._choropleth_combine(internal, internal) IS
            'Support function of choropleth_svg: combines two partial states; not for direct use';
        COMMENT ON FUNCTION @extschema@._choropleth_serialize(internal) IS
            'Support function of choropleth_svg: serializes the state for a parallel worker; not for direct use';
        COMMENT ON FUNCTION @extschema@._choropleth_deserialize(bytea, internal) IS
            'Support function of choropleth_svg: deserializes and validates a state; not for direct use';
        COMMENT ON FUNCTION @extschema@._choropleth_final(internal) IS
            'Support function of choropleth_svg: classes the units and draws the map; not for direct use';
        $f$, pg);
    EXECUTE format($f$
        CREATE AGGREGATE @extschema@.choropleth_svg(geom %1$s.geometry, value float8) (
            SFUNC = @extschema@._choropleth_value_trans, STYPE = internal,
            FINALFUNC = @extschema@._choropleth_final, COMBINEFUNC = @extschema@._choropleth_combine,
            SERIALFUNC = @extschema@._choropleth_serialize,
            DESERIALFUNC = @extschema@._choropleth_deserialize, PARALLEL = SAFE);
        CREATE AGGREGATE @extschema@.choropleth_svg(geom %1$s.geometry, value float8, options jsonb) (
            SFUNC = @extschema@._choropleth_value_trans, STYPE = internal,
            FINALFUNC = @extschema@._choropleth_final, COMBINEFUNC = @extschema@._choropleth_combine,
            SERIALFUNC = @extschema@._choropleth_serialize,
            DESERIALFUNC = @extschema@._choropleth_deserialize, PARALLEL = SAFE);
        CREATE AGGREGATE @extschema@.choropleth_svg(geom %1$s.geometry, class text) (
            SFUNC = @extschema@._choropleth_class_trans, STYPE = internal,
            FINALFUNC = @extschema@._choropleth_final, COMBINEFUNC = @extschema@._choropleth_combine,
            SERIALFUNC = @extschema@._choropleth_serialize,
            DESERIALFUNC = @extschema@._choropleth_deserialize, PARALLEL = SAFE);
        CREATE AGGREGATE @extschema@.choropleth_svg(geom %1$s.geometry, class text, options jsonb) (
            SFUNC = @extschema@._choropleth_class_trans, STYPE = internal,
            FINALFUNC = @extschema@._choropleth_final, COMBINEFUNC = @extschema@._choropleth_combine,
            SERIALFUNC = @extschema@._choropleth_serialize,
            DESERIALFUNC = @extschema@._choropleth_deserialize, PARALLEL = SAFE);
        COMMENT ON AGGREGATE @extschema@.choropleth_svg(%1$s.geometry, float8) IS
            'SVG choropleth map: the polygons filled by the class of value (quantiles), with a legend';
        COMMENT ON AGGREGATE @extschema@.choropleth_svg(%1$s.geometry, float8, jsonb) IS
            'SVG choropleth map: the polygons filled by the class of value (quantile, equal, jenks or given breaks), with a legend and title';
        COMMENT ON AGGREGATE @extschema@.choropleth_svg(%1$s.geometry, text) IS
            'SVG map of categories: the polygons filled by their class (LISA quadrants in GeoDa''s colours), with a legend';
        COMMENT ON AGGREGATE @extschema@.choropleth_svg(%1$s.geometry, text, jsonb) IS
            'SVG map of categories: the polygons filled by their class, with a legend, title and palette';
        $f$, pg);
END
$do$;
