-- medres 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION medres UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use medres: nothing in it needs more than the caller's own rights (inner
-- SQL runs as the caller, under the caller's row-level security).  Without this, a role
-- other than the one that created the extension got 42501 on schema medres.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
