-- medres 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION medres UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use medres: nothing in it needs more than the caller's own rights (inner
-- SQL runs as the caller, under the caller's row-level security).  Without this, a role
-- other than the one that created the extension got 42501 on schema medres.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- ==== pictures (helper svg): hclust_svg options, lorenz_svg, concentration_svg, heatmap_svg ====
-- hclust_svg gains options (jsonb: title, width, height, palette, k, cut_height); the 2..5
-- argument forms stay as they were, now drawn with a title naming linkage and metric.
CREATE FUNCTION @extschema@._tree_trans(internal, float8[], text, text, text, text, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_tree_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.hclust_svg(features float8[], label text, linkage text, metric text,
                                        standardize text, options jsonb) (
    SFUNC = @extschema@._tree_trans, STYPE = internal, FINALFUNC = @extschema@._svg_final,
    COMBINEFUNC = @extschema@._rows_combine, SERIALFUNC = @extschema@._rows_serialize,
    DESERIALFUNC = @extschema@._rows_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.hclust_svg(float8[], text, text, text, text, jsonb) IS
    'SVG dendrogram of a hierarchical clustering, with a title and an optional cut (k or cut_height) colouring each cluster';

-- lorenz_svg and concentration_svg: one state (the records per series), parallel
CREATE FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_lorenz_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_lorenz_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8, text, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_lorenz_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8, text, jsonb)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._curve_svg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_curve_svg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._curve_svg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_curve_svg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._curve_svg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_curve_svg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._lorenz_svg_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'medres_lorenz_svg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT * FROM (VALUES
        ('lorenz_svg', '_lorenz_svg', 'value float8, weight float8', 'float8, float8'),
        ('lorenz_svg', '_lorenz_svg', 'value float8, weight float8, series text', 'float8, float8, text'),
        ('lorenz_svg', '_lorenz_svg', 'value float8, weight float8, series text, options jsonb',
         'float8, float8, text, jsonb'),
        ('concentration_svg', '_concentration_svg', 'health float8, rank_by float8', 'float8, float8'),
        ('concentration_svg', '_concentration_svg', 'health float8, rank_by float8, weight float8',
         'float8, float8, float8'),
        ('concentration_svg', '_concentration_svg',
         'health float8, rank_by float8, weight float8, series text', 'float8, float8, float8, text'),
        ('concentration_svg', '_concentration_svg',
         'health float8, rank_by float8, weight float8, series text, options jsonb',
         'float8, float8, float8, text, jsonb')) v(name, fn, args, types)
    LOOP
        EXECUTE format(
            'CREATE AGGREGATE @extschema@.%I(%s) (SFUNC = @extschema@.%I, STYPE = internal, '
            'FINALFUNC = @extschema@.%I, COMBINEFUNC = @extschema@._curve_svg_combine, '
            'SERIALFUNC = @extschema@._curve_svg_serialize, '
            'DESERIALFUNC = @extschema@._curve_svg_deserialize, PARALLEL = SAFE)',
            a.name, a.args, a.fn || '_trans', a.fn || '_final');
        EXECUTE format('COMMENT ON AGGREGATE @extschema@.%I(%s) IS %L', a.name, a.types,
            CASE a.name WHEN 'lorenz_svg'
                THEN 'SVG of the Lorenz curve of each series with the line of equality and each series'' Gini in the legend'
                ELSE 'SVG of the concentration curve of health ranked by rank_by for each series, with each series'' concentration index in the legend' END);
    END LOOP;
END
$$;

-- heatmap_svg: no combine function on purpose (rows and columns in the order first seen; see
-- src/charts.c)
CREATE FUNCTION @extschema@._heatmap_svg_trans(internal, text, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_heatmap_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._heatmap_svg_trans(internal, text, text, float8, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_heatmap_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._heatmap_svg_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'medres_heatmap_svg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.heatmap_svg(row_label text, col_label text, value float8) (
    SFUNC = @extschema@._heatmap_svg_trans, STYPE = internal,
    FINALFUNC = @extschema@._heatmap_svg_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.heatmap_svg(row_label text, col_label text, value float8, options jsonb) (
    SFUNC = @extschema@._heatmap_svg_trans, STYPE = internal,
    FINALFUNC = @extschema@._heatmap_svg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.heatmap_svg(text, text, float8) IS
    'SVG heat map of value by row and column label, rows and columns in the order first seen, with a colour scale';
COMMENT ON AGGREGATE @extschema@.heatmap_svg(text, text, float8, jsonb) IS
    'SVG heat map of value by row and column label, rows and columns in the order first seen, with a colour scale and options';

-- ==== class breaks (helper map): class_breaks for choropleth maps ====
CREATE FUNCTION @extschema@._class_breaks_trans(internal, float8, int, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_class_breaks_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._class_breaks_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_class_breaks_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._class_breaks_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_class_breaks_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._class_breaks_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_class_breaks_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._class_breaks_final(internal) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_class_breaks_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.class_breaks(value float8, k int, method text) (
    SFUNC = @extschema@._class_breaks_trans, STYPE = internal,
    FINALFUNC = @extschema@._class_breaks_final,
    COMBINEFUNC = @extschema@._class_breaks_combine,
    SERIALFUNC = @extschema@._class_breaks_serialize,
    DESERIALFUNC = @extschema@._class_breaks_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.class_breaks(float8, int, text) IS
    'class breaks of the values for a map: k + 1 ascending bounds (min, each class''s upper bound) by quantile, equal interval or Jenks natural breaks';
COMMENT ON FUNCTION @extschema@._class_breaks_trans(internal, float8, int, text) IS 'Support function of class_breaks: transition, collects a value; not for direct use';
COMMENT ON FUNCTION @extschema@._class_breaks_combine(internal, internal) IS 'Support function of class_breaks: combines two partial states; not for direct use';
COMMENT ON FUNCTION @extschema@._class_breaks_serialize(internal) IS 'Support function of class_breaks: serializes the state for a parallel worker; not for direct use';
COMMENT ON FUNCTION @extschema@._class_breaks_deserialize(bytea, internal) IS 'Support function of class_breaks: deserializes and validates a state; not for direct use';
COMMENT ON FUNCTION @extschema@._class_breaks_final(internal) IS 'Support function of class_breaks: sorts the values and computes the breaks; not for direct use';
