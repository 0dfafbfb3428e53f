-- medres 0.1.0 — health-equity statistics as SQL aggregates.
-- Every object lives in schema @extschema@ (medres); see doc/ for the reference.

\echo Use "CREATE EXTENSION medres" to load this file. \quit

------------------------------------------------------------------------------
-- Result types
------------------------------------------------------------------------------

CREATE TYPE @extschema@.lorenz_point AS (
    population_share float8,
    resource_share   float8
);

CREATE TYPE @extschema@.decomposition_group AS (
    grp                text,
    n                  bigint,
    population_share   float8,
    resource_share     float8,
    mean               float8,
    index              float8,
    contribution       float8,
    contribution_share float8
);

CREATE TYPE @extschema@.decomposition AS (
    alpha         float8,
    total         float8,
    between       float8,
    within        float8,
    between_share float8,
    within_share  float8,
    groups        @extschema@.decomposition_group[]
);

------------------------------------------------------------------------------
-- Streaming measures: float8[] states updated in place (like avg(float8)),
-- combinable without serialization.
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@._theil_t_trans(float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_theil_t_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._theil_t_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_theil_t_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._theil_l_trans(float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_theil_l_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._theil_l_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_theil_l_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._ge_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_ge_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._ge_trans(float8[], float8, float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_ge_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._atkinson_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_atkinson_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._atkinson_trans(float8[], float8, float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_atkinson_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._pf_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_pf_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._ge_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_ge_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._atkinson_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_atkinson_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@._cv_trans(float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_cv_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._cv_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_cv_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._cv_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_cv_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._cv_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_cv_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@._hoover_trans(float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_hoover_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._hoover_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_hoover_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._hoover_inv(float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_hoover_inv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._hoover_inv(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_hoover_inv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._hoover_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_hoover_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._hoover_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_hoover_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- state: {rows, alpha, mode, K1, W, Wc, S1, S1c, S2, S2c, K2}
CREATE AGGREGATE @extschema@.theil_t(value float8) (
    SFUNC = @extschema@._theil_t_trans, STYPE = float8[], INITCOND = '{0,1,1,0,0,0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._pf_combine, FINALFUNC = @extschema@._ge_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.theil_t(value float8, weight float8) (
    SFUNC = @extschema@._theil_t_trans, STYPE = float8[], INITCOND = '{0,1,1,0,0,0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._pf_combine, FINALFUNC = @extschema@._ge_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.theil_l(value float8) (
    SFUNC = @extschema@._theil_l_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._pf_combine, FINALFUNC = @extschema@._ge_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.theil_l(value float8, weight float8) (
    SFUNC = @extschema@._theil_l_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._pf_combine, FINALFUNC = @extschema@._ge_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge(value float8, alpha float8) (
    SFUNC = @extschema@._ge_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._pf_combine, FINALFUNC = @extschema@._ge_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge(value float8, alpha float8, weight float8) (
    SFUNC = @extschema@._ge_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._pf_combine, FINALFUNC = @extschema@._ge_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.atkinson(value float8, epsilon float8) (
    SFUNC = @extschema@._atkinson_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._pf_combine, FINALFUNC = @extschema@._atkinson_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.atkinson(value float8, epsilon float8, weight float8) (
    SFUNC = @extschema@._atkinson_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._pf_combine, FINALFUNC = @extschema@._atkinson_final, PARALLEL = SAFE);

-- state: {rows, K, W, Wc, mean, M2}
CREATE AGGREGATE @extschema@.cv(value float8) (
    SFUNC = @extschema@._cv_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._cv_combine, FINALFUNC = @extschema@._cv_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.cv(value float8, weight float8) (
    SFUNC = @extschema@._cv_trans, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    COMBINEFUNC = @extschema@._cv_combine, FINALFUNC = @extschema@._cv_final, PARALLEL = SAFE);

-- state: {pairs, first live pair, x1, w1, x2, w2, ...} with spare capacity
CREATE AGGREGATE @extschema@.hoover(value float8) (
    SFUNC = @extschema@._hoover_trans, STYPE = float8[], INITCOND = '{0,0}',
    COMBINEFUNC = @extschema@._hoover_combine, FINALFUNC = @extschema@._hoover_final, PARALLEL = SAFE,
    MSFUNC = @extschema@._hoover_trans, MINVFUNC = @extschema@._hoover_inv, MSTYPE = float8[],
    MINITCOND = '{0,0}', MFINALFUNC = @extschema@._hoover_final);
CREATE AGGREGATE @extschema@.hoover(value float8, weight float8) (
    SFUNC = @extschema@._hoover_trans, STYPE = float8[], INITCOND = '{0,0}',
    COMBINEFUNC = @extschema@._hoover_combine, FINALFUNC = @extschema@._hoover_final, PARALLEL = SAFE,
    MSFUNC = @extschema@._hoover_trans, MINVFUNC = @extschema@._hoover_inv, MSTYPE = float8[],
    MINITCOND = '{0,0}', MFINALFUNC = @extschema@._hoover_final);

------------------------------------------------------------------------------
-- Rank-based measures: internal state of (value, weight) records, sorted once.
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@._gini_trans(internal, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_trans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_trans(internal, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_totals_trans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_totals_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_trans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_trans(internal, float8, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_trans(internal, float8, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_trans(internal, float8, float8, float8, text, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- moving-window variants: the frame's rows kept in row order, oldest dropped first
CREATE FUNCTION @extschema@._gini_mtrans(internal, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_mtrans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_mtrans(internal, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_minv(internal, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_minv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_minv(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_minv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_minv(internal, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_minv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_totals_mtrans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_totals_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_totals_minv(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_gini_totals_minv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_mtrans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_mtrans(internal, float8, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_mtrans(internal, float8, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_mtrans(internal, float8, float8, float8, text, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_mtrans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_minv(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_minv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_minv(internal, float8, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_minv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_minv(internal, float8, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_minv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_minv(internal, float8, float8, float8, text, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_ci_minv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._rank_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_rank_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._rank_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_rank_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._rank_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_rank_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._gini_final(internal) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_gini_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._lorenz_final(internal) RETURNS @extschema@.lorenz_point[]
    AS 'MODULE_PATHNAME', 'medres_lorenz_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ci_final(internal) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_ci_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.gini(value float8) (
    SFUNC = @extschema@._gini_trans, STYPE = internal, FINALFUNC = @extschema@._gini_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._gini_mtrans, MINVFUNC = @extschema@._gini_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._gini_final);
CREATE AGGREGATE @extschema@.gini(value float8, weight float8) (
    SFUNC = @extschema@._gini_trans, STYPE = internal, FINALFUNC = @extschema@._gini_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._gini_mtrans, MINVFUNC = @extschema@._gini_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._gini_final);
CREATE AGGREGATE @extschema@.gini(value float8, weight float8, correction text) (
    SFUNC = @extschema@._gini_trans, STYPE = internal, FINALFUNC = @extschema@._gini_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._gini_mtrans, MINVFUNC = @extschema@._gini_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._gini_final);
CREATE AGGREGATE @extschema@.gini_totals(resource float8, population float8) (
    SFUNC = @extschema@._gini_totals_trans, STYPE = internal, FINALFUNC = @extschema@._gini_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._gini_totals_mtrans, MINVFUNC = @extschema@._gini_totals_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._gini_final);
CREATE AGGREGATE @extschema@.lorenz(value float8) (
    SFUNC = @extschema@._gini_trans, STYPE = internal, FINALFUNC = @extschema@._lorenz_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._gini_mtrans, MINVFUNC = @extschema@._gini_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._lorenz_final);
CREATE AGGREGATE @extschema@.lorenz(value float8, weight float8) (
    SFUNC = @extschema@._gini_trans, STYPE = internal, FINALFUNC = @extschema@._lorenz_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._gini_mtrans, MINVFUNC = @extschema@._gini_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._lorenz_final);
CREATE AGGREGATE @extschema@.concentration_index(health float8, rank_by float8) (
    SFUNC = @extschema@._ci_trans, STYPE = internal, FINALFUNC = @extschema@._ci_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._ci_mtrans, MINVFUNC = @extschema@._ci_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._ci_final);
CREATE AGGREGATE @extschema@.concentration_index(health float8, rank_by float8, weight float8) (
    SFUNC = @extschema@._ci_trans, STYPE = internal, FINALFUNC = @extschema@._ci_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._ci_mtrans, MINVFUNC = @extschema@._ci_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._ci_final);
CREATE AGGREGATE @extschema@.concentration_index(health float8, rank_by float8, weight float8,
                                                 variant text) (
    SFUNC = @extschema@._ci_trans, STYPE = internal, FINALFUNC = @extschema@._ci_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._ci_mtrans, MINVFUNC = @extschema@._ci_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._ci_final);
CREATE AGGREGATE @extschema@.concentration_index(health float8, rank_by float8, weight float8,
                                                 variant text, lower float8, upper float8) (
    SFUNC = @extschema@._ci_trans, STYPE = internal, FINALFUNC = @extschema@._ci_final,
    COMBINEFUNC = @extschema@._rank_combine, SERIALFUNC = @extschema@._rank_serialize,
    DESERIALFUNC = @extschema@._rank_deserialize, PARALLEL = SAFE,
    MSFUNC = @extschema@._ci_mtrans, MINVFUNC = @extschema@._ci_minv, MSTYPE = internal,
    MFINALFUNC = @extschema@._ci_final);

------------------------------------------------------------------------------
-- Group decomposition of generalized entropy: internal state, one set of
-- power sums per group.
------------------------------------------------------------------------------

CREATE FUNCTION @extschema@._dec_trans(internal, float8, float8, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dec_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dec_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dec_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_dec_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._dec_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dec_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._dec_final(internal) RETURNS @extschema@.decomposition
    AS 'MODULE_PATHNAME', 'medres_dec_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.ge_decomposition(value float8, weight float8, grp text, alpha float8) (
    SFUNC = @extschema@._dec_trans, STYPE = internal, FINALFUNC = @extschema@._dec_final,
    COMBINEFUNC = @extschema@._dec_combine, SERIALFUNC = @extschema@._dec_serialize,
    DESERIALFUNC = @extschema@._dec_deserialize, PARALLEL = SAFE);

------------------------------------------------------------------------------
-- Comprehensive evaluation: rank-sum ratio, probit grading, entropy weights,
-- TOPSIS.  Window functions read their partition once.
------------------------------------------------------------------------------

CREATE TYPE @extschema@.rsr_fit_result AS (
    n               bigint,
    distinct_values int,
    intercept       float8,
    slope           float8,
    r_squared       float8,
    f               float8,
    p_value         float8,
    cut_probits     float8[],
    cut_scores      float8[]
);

CREATE TYPE @extschema@.rsr_table_row AS (
    value      float8,
    f          bigint,
    cum_f      bigint,
    mean_rank  float8,
    percentile float8,
    probit     float8,
    fitted     float8
);

CREATE FUNCTION @extschema@.rsr(indicators float8[], directions text DEFAULT NULL,
                                weights float8[] DEFAULT NULL, ranking text DEFAULT 'integer')
    RETURNS float8 AS 'MODULE_PATHNAME', 'medres_rsr' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rsr_probit(score float8, method text DEFAULT 'rank')
    RETURNS float8 AS 'MODULE_PATHNAME', 'medres_rsr_probit' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rsr_grade(score float8, grades int DEFAULT 3, "by" text DEFAULT 'fitted',
                                      method text DEFAULT 'rank')
    RETURNS int AS 'MODULE_PATHNAME', 'medres_rsr_grade' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.topsis(indicators float8[], directions text DEFAULT NULL,
                                   weights float8[] DEFAULT NULL)
    RETURNS float8 AS 'MODULE_PATHNAME', 'medres_topsis' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@._score_trans(internal, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_score_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._score_trans(internal, float8, int) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_score_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._rsr_fit_final(internal) RETURNS @extschema@.rsr_fit_result
    AS 'MODULE_PATHNAME', 'medres_rsr_fit_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._rsr_table_final(internal) RETURNS @extschema@.rsr_table_row[]
    AS 'MODULE_PATHNAME', 'medres_rsr_table_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._entropy_trans(internal, float8[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_entropy_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._entropy_trans(internal, float8[], text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_entropy_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._entropy_final(internal) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_entropy_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.rsr_fit(score float8) (
    SFUNC = @extschema@._score_trans, STYPE = internal, FINALFUNC = @extschema@._rsr_fit_final,
    PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rsr_fit(score float8, grades int) (
    SFUNC = @extschema@._score_trans, STYPE = internal, FINALFUNC = @extschema@._rsr_fit_final,
    PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.rsr_table(score float8) (
    SFUNC = @extschema@._score_trans, STYPE = internal, FINALFUNC = @extschema@._rsr_table_final,
    PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.entropy_weights(indicators float8[]) (
    SFUNC = @extschema@._entropy_trans, STYPE = internal, FINALFUNC = @extschema@._entropy_final,
    PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.entropy_weights(indicators float8[], directions text) (
    SFUNC = @extschema@._entropy_trans, STYPE = internal, FINALFUNC = @extschema@._entropy_final,
    PARALLEL = SAFE);

-- density and agglomeration
CREATE FUNCTION @extschema@.hrdi(resource float8, population float8, area float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_hrdi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.hrad(resource float8, area float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_hrad' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.pad(population float8, area float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_pad' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.hrad_pad(resource float8, population float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_hrad_pad' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

------------------------------------------------------------------------------
-- Clustering: hierarchical (window function and tree aggregates), k-means,
-- silhouette.  See doc/cluster.md.
------------------------------------------------------------------------------

CREATE TYPE @extschema@.hclust_merge AS (
    step     int,
    left_id  int,
    right_id int,
    height   float8,
    size     int
);

CREATE FUNCTION @extschema@.hclust(features float8[], k int, linkage text DEFAULT 'average',
                                   metric text DEFAULT 'sqeuclidean',
                                   standardize text DEFAULT 'zscore', height float8 DEFAULT NULL)
    RETURNS int AS 'MODULE_PATHNAME', 'medres_hclust' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.kmeans(features float8[], k int, seed bigint DEFAULT 0,
                                   restarts int DEFAULT 1, standardize text DEFAULT 'zscore',
                                   max_iter int DEFAULT 300, init float8[] DEFAULT NULL)
    RETURNS int AS 'MODULE_PATHNAME', 'medres_kmeans' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@._tree_trans(internal, float8[], text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_tree_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._tree_trans(internal, float8[], text, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_tree_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._tree_trans(internal, float8[], text, text, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_tree_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._tree_trans(internal, float8[], text, text, text, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_tree_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._silhouette_trans(internal, float8[], int) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_silhouette_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._silhouette_trans(internal, float8[], int, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_silhouette_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._silhouette_trans(internal, float8[], int, text, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_silhouette_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._rows_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_rows_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._rows_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_rows_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._rows_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_rows_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._tree_final(internal) RETURNS @extschema@.hclust_merge[]
    AS 'MODULE_PATHNAME', 'medres_tree_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._newick_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'medres_newick_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._svg_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'medres_svg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._silhouette_final(internal) RETURNS float8
    AS 'MODULE_PATHNAME', 'medres_silhouette_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- hclust_tree, hclust_newick and hclust_svg, each with 2 to 5 arguments
DO $$
DECLARE
    agg record;
    args text[] := ARRAY['features float8[]', 'label text', 'linkage text', 'metric text',
                         'standardize text'];
BEGIN
    FOR agg IN SELECT * FROM (VALUES ('hclust_tree', '_tree_final'),
                                     ('hclust_newick', '_newick_final'),
                                     ('hclust_svg', '_svg_final')) AS v(name, final)
    LOOP
        FOR nargs IN 2 .. 5 LOOP
            EXECUTE format(
                'CREATE AGGREGATE @extschema@.%I(%s) (SFUNC = @extschema@._tree_trans, '
                'STYPE = internal, FINALFUNC = @extschema@.%I, '
                'COMBINEFUNC = @extschema@._rows_combine, SERIALFUNC = @extschema@._rows_serialize, '
                'DESERIALFUNC = @extschema@._rows_deserialize, PARALLEL = SAFE)',
                agg.name, array_to_string(args[1:nargs], ', '), agg.final);
        END LOOP;
    END LOOP;
END
$$;

CREATE AGGREGATE @extschema@.silhouette(features float8[], cluster int) (
    SFUNC = @extschema@._silhouette_trans, STYPE = internal, FINALFUNC = @extschema@._silhouette_final,
    COMBINEFUNC = @extschema@._rows_combine, SERIALFUNC = @extschema@._rows_serialize,
    DESERIALFUNC = @extschema@._rows_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.silhouette(features float8[], cluster int, metric text) (
    SFUNC = @extschema@._silhouette_trans, STYPE = internal, FINALFUNC = @extschema@._silhouette_final,
    COMBINEFUNC = @extschema@._rows_combine, SERIALFUNC = @extschema@._rows_serialize,
    DESERIALFUNC = @extschema@._rows_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.silhouette(features float8[], cluster int, metric text,
                                        standardize text) (
    SFUNC = @extschema@._silhouette_trans, STYPE = internal, FINALFUNC = @extschema@._silhouette_final,
    COMBINEFUNC = @extschema@._rows_combine, SERIALFUNC = @extschema@._rows_serialize,
    DESERIALFUNC = @extschema@._rows_deserialize, PARALLEL = SAFE);
