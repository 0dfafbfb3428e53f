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
