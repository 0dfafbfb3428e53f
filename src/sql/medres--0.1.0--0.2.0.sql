-- medres 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION medres UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use medres: nothing in it needs more than the caller's own rights (inner
-- SQL runs as the caller, under the caller's row-level security).  Without this, a role
-- other than the one that created the extension got 42501 on schema medres.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- ==== ge_decomposition: a state type that parallel query and Citus can split ====
-- The state was internal, which Citus never pushes down to its workers (it ships partial
-- states as the state type's text, and internal has none): every row went to the
-- coordinator.  It is now medres.ge_decomposition_state, a varlena type whose text form
-- carries the per-group sums exactly; results are unchanged.  A view that uses
-- ge_decomposition must be dropped before this update and made again after it.
DROP AGGREGATE @extschema@.ge_decomposition(float8, float8, text, float8);
DROP FUNCTION @extschema@._dec_trans(internal, float8, float8, text, float8);
DROP FUNCTION @extschema@._dec_combine(internal, internal);
DROP FUNCTION @extschema@._dec_serialize(internal);
DROP FUNCTION @extschema@._dec_deserialize(bytea, internal);
DROP FUNCTION @extschema@._dec_final(internal);

CREATE TYPE @extschema@.ge_decomposition_state;
CREATE FUNCTION @extschema@.ge_decomposition_state_in(cstring) RETURNS @extschema@.ge_decomposition_state
    AS 'MODULE_PATHNAME', 'medres_dec_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.ge_decomposition_state_out(@extschema@.ge_decomposition_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'medres_dec_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.ge_decomposition_state (
    INPUT = @extschema@.ge_decomposition_state_in,
    OUTPUT = @extschema@.ge_decomposition_state_out,
    INTERNALLENGTH = VARIABLE, STORAGE = extended);

CREATE FUNCTION @extschema@._dec_trans(@extschema@.ge_decomposition_state, float8, float8, text, float8)
    RETURNS @extschema@.ge_decomposition_state
    AS 'MODULE_PATHNAME', 'medres_dec_state_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dec_combine(@extschema@.ge_decomposition_state, @extschema@.ge_decomposition_state)
    RETURNS @extschema@.ge_decomposition_state
    AS 'MODULE_PATHNAME', 'medres_dec_state_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dec_final(@extschema@.ge_decomposition_state) RETURNS @extschema@.decomposition
    AS 'MODULE_PATHNAME', 'medres_dec_state_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.ge_decomposition(value float8, weight float8, grp text, alpha float8) (
    SFUNC = @extschema@._dec_trans, STYPE = @extschema@.ge_decomposition_state,
    FINALFUNC = @extschema@._dec_final, COMBINEFUNC = @extschema@._dec_combine, PARALLEL = SAFE);

COMMENT ON TYPE @extschema@.ge_decomposition_state IS
    'partial state of ge_decomposition: per-group weighted power sums, exact in its text form';
COMMENT ON FUNCTION @extschema@.ge_decomposition_state_in(cstring) IS
    'reads a ge_decomposition state from its text form';
COMMENT ON FUNCTION @extschema@.ge_decomposition_state_out(@extschema@.ge_decomposition_state) IS
    'writes a ge_decomposition state as text (every sum in round-trip decimal)';
COMMENT ON FUNCTION @extschema@._dec_trans(@extschema@.ge_decomposition_state, float8, float8, text, float8) IS
    'transition function of ge_decomposition: adds one row to its group''s power sums';
COMMENT ON FUNCTION @extschema@._dec_combine(@extschema@.ge_decomposition_state, @extschema@.ge_decomposition_state) IS
    'combine function of ge_decomposition: merges two partial states group by group';
COMMENT ON FUNCTION @extschema@._dec_final(@extschema@.ge_decomposition_state) IS
    'final function of ge_decomposition: between- and within-group generalized entropy';
COMMENT ON AGGREGATE @extschema@.ge_decomposition(float8, float8, text, float8) IS
    'generalized entropy GE(alpha) of weighted values decomposed into between- and within-group parts';
