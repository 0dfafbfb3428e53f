-- medres 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION medres UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use medres: nothing in it needs more than the caller's own rights (inner
-- SQL runs as the caller, under the caller's row-level security).  Without this, a role
-- other than the one that created the extension got 42501 on schema medres.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- ==== Dagum's Gini decomposition by groups (dagum.c, doc/dagum.md) ====

CREATE TYPE @extschema@.dagum_group AS (
    grp                text,
    n                  bigint,
    population_share   float8,
    resource_share     float8,
    mean               float8,
    gini               float8,
    contribution       float8,
    contribution_share float8
);
COMMENT ON TYPE @extschema@.dagum_group IS
    'One group of a Dagum decomposition: rows, population and resource shares, mean, within-group Gini G_jj and its contribution G_jj p_j s_j';

CREATE TYPE @extschema@.dagum_pair AS (
    grp_j          text,
    grp_h          text,
    gini           float8,
    affluence      float8,
    net_between    float8,
    transvariation float8
);
COMMENT ON TYPE @extschema@.dagum_pair IS
    'One pair of groups of a Dagum decomposition (grp_j has the higher mean): between-group Gini G_jh, relative economic affluence D_jh and the pair''s net-between and transvariation contributions';

CREATE TYPE @extschema@.dagum AS (
    total                float8,
    within               float8,
    net_between          float8,
    transvariation       float8,
    within_share         float8,
    net_between_share    float8,
    transvariation_share float8,
    groups               @extschema@.dagum_group[],
    pairs                @extschema@.dagum_pair[]
);
COMMENT ON TYPE @extschema@.dagum IS
    'Dagum''s decomposition of the Gini coefficient: total = within + net_between + transvariation, their shares, the groups by mean and the pairs of groups';

CREATE FUNCTION @extschema@._dagum_trans(internal, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dagum_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_trans(internal, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dagum_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dagum_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_dagum_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dagum_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_final(internal) RETURNS @extschema@.dagum
    AS 'MODULE_PATHNAME', 'medres_dagum_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._dagum_trans(internal, float8, float8, text) IS
    'Transition function of dagum_decomposition(value, weight, grp): keeps each positively weighted row';
COMMENT ON FUNCTION @extschema@._dagum_trans(internal, float8, text) IS
    'Transition function of dagum_decomposition(value, grp): keeps each row with weight 1';
COMMENT ON FUNCTION @extschema@._dagum_combine(internal, internal) IS
    'Combine function of dagum_decomposition: merges two states';
COMMENT ON FUNCTION @extschema@._dagum_serialize(internal) IS
    'Serialize function of dagum_decomposition: the sorted rows and the groups, tagged';
COMMENT ON FUNCTION @extschema@._dagum_deserialize(bytea, internal) IS
    'Deserialize function of dagum_decomposition: checks every field of a serialized state';
COMMENT ON FUNCTION @extschema@._dagum_final(internal) IS
    'Final function of dagum_decomposition: one sort and one sweep give every pairwise sum';

CREATE AGGREGATE @extschema@.dagum_decomposition(value float8, weight float8, grp text) (
    SFUNC = @extschema@._dagum_trans, STYPE = internal, FINALFUNC = @extschema@._dagum_final,
    COMBINEFUNC = @extschema@._dagum_combine, SERIALFUNC = @extschema@._dagum_serialize,
    DESERIALFUNC = @extschema@._dagum_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.dagum_decomposition(value float8, grp text) (
    SFUNC = @extschema@._dagum_trans, STYPE = internal, FINALFUNC = @extschema@._dagum_final,
    COMBINEFUNC = @extschema@._dagum_combine, SERIALFUNC = @extschema@._dagum_serialize,
    DESERIALFUNC = @extschema@._dagum_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.dagum_decomposition(float8, float8, text) IS
    'Dagum''s (1997) decomposition of the weighted Gini coefficient by groups into within, net between and transvariation';
COMMENT ON AGGREGATE @extschema@.dagum_decomposition(float8, text) IS
    'Dagum''s (1997) decomposition of the Gini coefficient by groups into within, net between and transvariation';

-- Flattened forms: plain scalar columns a BI tool can read.
CREATE FUNCTION @extschema@.dagum_groups(decomposition @extschema@.dagum)
    RETURNS TABLE(grp text, n bigint, population_share float8, resource_share float8, mean float8,
                  gini float8, contribution float8, contribution_share float8)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT g.* FROM unnest(decomposition.groups) AS g $$;
CREATE FUNCTION @extschema@.dagum_pairs(decomposition @extschema@.dagum)
    RETURNS TABLE(grp_j text, grp_h text, gini float8, affluence float8, net_between float8,
                  transvariation float8)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT p.* FROM unnest(decomposition.pairs) AS p $$;
COMMENT ON FUNCTION @extschema@.dagum_groups(@extschema@.dagum) IS
    'The groups of a Dagum decomposition as rows of plain columns, in order of their mean';
COMMENT ON FUNCTION @extschema@.dagum_pairs(@extschema@.dagum) IS
    'The pairs of groups of a Dagum decomposition as rows of plain columns: G_jh, D_jh and the pair''s contributions';
