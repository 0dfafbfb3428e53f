-- medres 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION medres UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use medres: nothing in it needs more than the caller's own rights (inner
-- SQL runs as the caller, under the caller's row-level security).  Without this, a role
-- other than the one that created the extension got 42501 on schema medres.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- ==== confidence intervals and tests (doc/uncertainty.md) ====

CREATE TYPE @extschema@.interval_estimate AS (
    estimate   float8,
    se         float8,
    lower      float8,
    upper      float8,
    level      float8,
    method     text,
    replicates int
);
COMMENT ON TYPE @extschema@.interval_estimate IS
    'a point estimate with its standard error and confidence interval (level, method, bootstrap replicates; 0 for analytic)';

CREATE TYPE @extschema@.permutation_test AS (
    share        float8,
    p_value      float8,
    permutations int
);
COMMENT ON TYPE @extschema@.permutation_test IS
    'an observed between-group share and its permutation p-value';

CREATE FUNCTION @extschema@._unc_trans(internal, text, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8, float8, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_test_trans(internal, float8, float8, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_test_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_test_trans(internal, float8, float8, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_test_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_unc_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_final(internal) RETURNS @extschema@.interval_estimate
    AS 'MODULE_PATHNAME', 'medres_unc_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_test_final(internal) RETURNS @extschema@.permutation_test
    AS 'MODULE_PATHNAME', 'medres_unc_test_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._unc_trans(internal, text, float8, float8) IS 'transition function of inequality_ci';
COMMENT ON FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text) IS 'transition function of inequality_ci';
COMMENT ON FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text, float8) IS 'transition function of inequality_ci';
COMMENT ON FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text, float8, int, bigint) IS 'transition function of inequality_ci';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8) IS 'transition function of concentration_index_ci';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text) IS 'transition function of concentration_index_ci';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8) IS 'transition function of concentration_index_ci';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8, int, bigint) IS 'transition function of concentration_index_ci';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8, float8, text, float8, int, bigint) IS 'transition function of concentration_index_ci';
COMMENT ON FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text) IS 'transition function of ge_decomposition_ci';
COMMENT ON FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text) IS 'transition function of ge_decomposition_ci';
COMMENT ON FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text, float8) IS 'transition function of ge_decomposition_ci';
COMMENT ON FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text, float8, int, bigint) IS 'transition function of ge_decomposition_ci';
COMMENT ON FUNCTION @extschema@._unc_test_trans(internal, float8, float8, text, float8) IS 'transition function of ge_between_test';
COMMENT ON FUNCTION @extschema@._unc_test_trans(internal, float8, float8, text, float8, int, bigint) IS 'transition function of ge_between_test';
COMMENT ON FUNCTION @extschema@._unc_combine(internal, internal) IS 'combine function of the interval aggregates';
COMMENT ON FUNCTION @extschema@._unc_serialize(internal) IS 'serialize function of the interval aggregates';
COMMENT ON FUNCTION @extschema@._unc_deserialize(bytea, internal) IS 'deserialize function of the interval aggregates';
COMMENT ON FUNCTION @extschema@._unc_final(internal) IS 'final function of the interval aggregates';
COMMENT ON FUNCTION @extschema@._unc_test_final(internal) IS 'final function of ge_between_test';

CREATE AGGREGATE @extschema@.inequality_ci(measure text, value float8, weight float8) (
    SFUNC = @extschema@._unc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.inequality_ci(measure text, value float8, weight float8, method text) (
    SFUNC = @extschema@._unc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.inequality_ci(measure text, value float8, weight float8, method text,
                                           level float8) (
    SFUNC = @extschema@._unc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.inequality_ci(measure text, value float8, weight float8, method text,
                                           level float8, replicates int, seed bigint) (
    SFUNC = @extschema@._unc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8,
                                                    method text) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8,
                                                    method text, level float8) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8,
                                                    method text, level float8, replicates int,
                                                    seed bigint) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8,
                                                    variant text, lower float8, upper float8,
                                                    method text, level float8, replicates int,
                                                    seed bigint) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_decomposition_ci(value float8, weight float8, grp text, alpha float8,
                                                 component text) (
    SFUNC = @extschema@._unc_dec_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_decomposition_ci(value float8, weight float8, grp text, alpha float8,
                                                 component text, method text) (
    SFUNC = @extschema@._unc_dec_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_decomposition_ci(value float8, weight float8, grp text, alpha float8,
                                                 component text, method text, level float8) (
    SFUNC = @extschema@._unc_dec_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_decomposition_ci(value float8, weight float8, grp text, alpha float8,
                                                 component text, method text, level float8,
                                                 replicates int, seed bigint) (
    SFUNC = @extschema@._unc_dec_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_between_test(value float8, weight float8, grp text, alpha float8) (
    SFUNC = @extschema@._unc_test_trans, STYPE = internal, FINALFUNC = @extschema@._unc_test_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_between_test(value float8, weight float8, grp text, alpha float8,
                                             permutations int, seed bigint) (
    SFUNC = @extschema@._unc_test_trans, STYPE = internal, FINALFUNC = @extschema@._unc_test_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.inequality_ci(text, float8, float8) IS
    'analytic 95 % confidence interval of an inequality measure (gini, theil_t, theil_l, ge(a), atkinson(e), cv, hoover)';
COMMENT ON AGGREGATE @extschema@.inequality_ci(text, float8, float8, text) IS
    'confidence interval of an inequality measure by the given method, level 0.95';
COMMENT ON AGGREGATE @extschema@.inequality_ci(text, float8, float8, text, float8) IS
    'confidence interval of an inequality measure by the given method and level';
COMMENT ON AGGREGATE @extschema@.inequality_ci(text, float8, float8, text, float8, int, int8) IS
    'confidence interval of an inequality measure by the given method, level, bootstrap replicates and seed';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8) IS
    'analytic 95 % confidence interval of the concentration index (Kakwani, Wagstaff and van Doorslaer 1997)';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8, text) IS
    'confidence interval of the concentration index by the given method, level 0.95';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8, text, float8) IS
    'confidence interval of the concentration index by the given method and level';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8, text, float8, int, int8) IS
    'confidence interval of the concentration index by the given method, level, bootstrap replicates and seed';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8, text, float8, float8, text, float8, int, int8) IS
    'confidence interval of the standard, Wagstaff or Erreygers concentration index by the given method, level, replicates and seed';
COMMENT ON AGGREGATE @extschema@.ge_decomposition_ci(float8, float8, text, float8, text) IS
    'bootstrap percentile 95 % interval of a component of the GE decomposition by group';
COMMENT ON AGGREGATE @extschema@.ge_decomposition_ci(float8, float8, text, float8, text, text) IS
    'bootstrap interval of a component of the GE decomposition by group, level 0.95';
COMMENT ON AGGREGATE @extschema@.ge_decomposition_ci(float8, float8, text, float8, text, text, float8) IS
    'bootstrap interval of a component of the GE decomposition by group at the given level';
COMMENT ON AGGREGATE @extschema@.ge_decomposition_ci(float8, float8, text, float8, text, text, float8, int, int8) IS
    'bootstrap interval of a component of the GE decomposition by group, with replicates and seed';
COMMENT ON AGGREGATE @extschema@.ge_between_test(float8, float8, text, float8) IS
    'permutation test (999 permutations, seed 0) of the between-group share of GE(alpha)';
COMMENT ON AGGREGATE @extschema@.ge_between_test(float8, float8, text, float8, int, int8) IS
    'permutation test of the between-group share of GE(alpha), group labels shuffled with a seed';
