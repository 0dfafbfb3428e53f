-- medres_postgis 0.1.0 -> 0.2.0
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
