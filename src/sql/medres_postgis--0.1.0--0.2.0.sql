-- medres_postgis 0.1.0 -> 0.2.0
-- Every change made here is also made in medres_postgis--0.2.0.sql, the full install script of 0.2.0;
-- test/upgrade.sh checks that an updated 0.1.0 and a fresh 0.2.0 have the same catalog.
\echo Use "ALTER EXTENSION medres_postgis UPDATE TO '0.2.0'" to load this file. \quit

-- area_km2 answers every geometry with a finite area or SQLSTATE 22023: PostGIS's own
-- failures on a geography it cannot measure (an edge of exactly 180 degrees of longitude,
-- "Antipodal edge detected") came through as XX000, and NaN coordinates gave NaN.
-- PostGIS's schema is written into the body, as in the install script.
DO $do$
DECLARE
    pg text := (SELECT quote_ident(n.nspname) FROM pg_extension e
                JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis');
BEGIN
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION @extschema@.area_km2(geom %1$s.geometry) RETURNS float8
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
END
$do$;

-- ==== catalog comments ====
-- Every object of medres_postgis says in one line what it computes, for \df+, \dT+ and the
-- metadata browsers of BI tools (issue 12 §2), and so does every attribute of moran_result
-- (\d+).  The full install script
-- medres_postgis--0.2.0.sql gives each object the same comment next to its definition.

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
COMMENT ON FUNCTION @extschema@.accessibility(text, text, text, float8, text, float8, float8[], float8[], text, boolean) IS 'Spatial accessibility score of each demand unit for each supply measure by the 2SFCA family (2sfca, e2sfca, gravity, 3sfca, ratio)';
COMMENT ON FUNCTION @extschema@.spatial_weights(text, text, int, float8, float8, float8, boolean) IS 'Spatial weights (i, j, w) of the units: queen or rook contiguity, k nearest neighbours or distance band, optionally row-standardized';
COMMENT ON FUNCTION @extschema@.moran(text, text, int, bigint) IS 'Global Moran''s I of the values under the spatial weights, with normal, randomisation and permutation inference (moran_result)';
COMMENT ON FUNCTION @extschema@.lisa(text, text, int, bigint, float8) IS 'Local Moran''s I of each unit with its z, conditional-permutation pseudo p-value and cluster quadrant (HH, LL, HL, LH)';
COMMENT ON FUNCTION @extschema@.getis_ord(text, text, boolean) IS 'Local Getis-Ord G (G* with star) of each unit with its z-score and p-value, for hot-spot maps';
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
