\set ON_ERROR_STOP 1
-- Oracle test for medres' hierarchical clustering: the window function medres.hclust and the
-- aggregate medres.hclust_tree.
--
-- Compares medres with values computed independently by test/oracle_cluster.py (scipy
-- linkage / fcluster on numpy-standardised data, cross-checked against a primitive
-- Lance-Williams implementation in long double and against R's hclust / cutree), stored in
-- test/oracle/cluster_cases.csv and test/oracle/cluster_expected.csv.  Run from the
-- repository root:
--     pg_prove -d <db> test/oracle_cluster.sql
-- (the database must already have `CREATE EXTENSION medres`; pgtap is created if missing).
--
-- Expected values (see the docstring of test/oracle_cluster.py):
--   height     param = step s, unit 0: the s-th smallest merge height of the tree;
--   cluster_k  param = k, per unit: the cluster number of the cut into k clusters;
--   cluster_h  param = h, per unit: the cluster number of the cut at height h (merges with
--              height <= h stay together); h lies halfway between two merge heights;
--   cluster numbers are 1.. in order of first appearance in unit order.
--
-- Agreement required: |got - expected| <= 1e-9 * max(|expected|, 1e-12) for the sorted heights
-- of hclust_tree; exact equality for the cluster numbers of hclust.
--
-- Tests:
--   * the functions exist with the documented signatures (is_window / is_aggregate / has_type);
--   * one is(mismatches, '{}') per (case, linkage, metric, standardize, height, tree form):
--     the heights of hclust_tree sorted ascending against the expected heights;
--   * one is(problems, '{}') per (case, linkage, metric, standardize, tree form) on the shape
--     of the hclust_tree result: n - 1 elements with step = 1..n-1, left_id / right_id an
--     existing, not yet merged node (leaves 0..n-1, merged clusters n, n+1, ... in step
--     order), size = the sum of the children's sizes, finite heights; and, where the oracle
--     has a cluster_h cut, the partition obtained by cutting this tree at h (leaf i = the unit
--     with the (i+1)-th label in C byte order) must equal the expected cluster_h partition --
--     this is what checks the ids and the label order;
--   * one is(mismatches, '{}') per (case, linkage, metric, standardize, kind, param, window
--     form) on the cluster numbers of hclust; the window forms are
--       - all six arguments given, every group in one query (columns as arguments,
--         OVER (PARTITION BY group ORDER BY unit)),
--       - all six arguments as constants, one query per argument set over all its cases
--         (OVER (PARTITION BY case_id ORDER BY unit)),
--       - height omitted (its default NULL), cluster_k groups,
--       - hclust(features, k) and hclust(features, NULL, height => h) on the groups with the
--         default settings (average, sqeuclidean, zscore);
--     each form is first run over all its groups / cases at once; if that raises an error it
--     is re-run group by group so that one failing group does not hide the others, and the
--     batch failure is itself reported as a failed test;
--   * no (group, form, unit) and no (tree, form, element) is reported twice.
-- The medres calls are made through EXECUTE inside exception handlers, so a missing or
-- failing function gives failed tests, not an aborted script.

\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS pgtap;

BEGIN;

-- ------------------------------------------------------------------------------------
-- data
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE cl_cases (
    case_id text NOT NULL, unit integer NOT NULL, label text NOT NULL, features float8[] NOT NULL,
    PRIMARY KEY (case_id, unit));
\copy cl_cases FROM 'test/oracle/cluster_cases.csv' csv header
CREATE TEMP TABLE cl_expected (
    case_id text NOT NULL, linkage text NOT NULL, metric text NOT NULL, standardize text NOT NULL,
    kind text NOT NULL, param text NOT NULL, unit integer NOT NULL, expected float8 NOT NULL);
\copy cl_expected FROM 'test/oracle/cluster_expected.csv' csv header
ANALYZE cl_cases;
ANALYZE cl_expected;

-- n per case (and a display order: by n, then case_id)
CREATE TEMP TABLE cl_size AS
    SELECT case_id, count(*)::int AS n FROM cl_cases GROUP BY case_id;

-- leaf number of each unit in hclust_tree: 0..n-1 in the C byte order of the labels
CREATE TEMP TABLE cl_leaf AS
    SELECT case_id, unit,
           (row_number() OVER (PARTITION BY case_id ORDER BY label COLLATE "C") - 1)::int AS leaf
    FROM cl_cases;

-- one tree per (case, linkage, metric, standardize) of the oracle
CREATE TEMP TABLE cl_trees AS
    SELECT row_number() OVER (ORDER BY s.n, d.case_id, d.linkage, d.metric, d.standardize)::int AS tid,
           d.case_id, d.linkage, d.metric, d.standardize, s.n, d.has_heights
    FROM (SELECT case_id, linkage, metric, standardize, bool_or(kind = 'height') AS has_heights
          FROM cl_expected GROUP BY 1, 2, 3, 4) d
    JOIN cl_size s USING (case_id);

-- one window group per (case, linkage, metric, standardize, kind, param) with per-unit values
CREATE TEMP TABLE cl_groups AS
    SELECT row_number() OVER (ORDER BY s.n, d.case_id, d.linkage, d.metric, d.standardize, d.kind,
                                       CASE WHEN d.kind = 'cluster_k' THEN d.param::float8 END,
                                       d.param)::int AS gid,
           d.case_id, d.linkage, d.metric, d.standardize, d.kind, d.param,
           CASE WHEN d.kind = 'cluster_k' THEN d.param::int END AS k,
           CASE WHEN d.kind = 'cluster_h' THEN d.param::float8 END AS h,
           (d.linkage, d.metric, d.standardize) = ('average', 'sqeuclidean', 'zscore') AS is_default,
           s.n
    FROM (SELECT DISTINCT case_id, linkage, metric, standardize, kind, param
          FROM cl_expected WHERE kind <> 'height') d
    JOIN cl_size s USING (case_id);

CREATE TEMP TABLE cl_exp_unit AS
    SELECT g.gid, e.unit, e.expected::int AS expected
    FROM cl_expected e
    JOIN cl_groups g USING (case_id, linkage, metric, standardize, kind, param);
CREATE INDEX ON cl_exp_unit (gid, unit);

CREATE TEMP TABLE cl_exp_height AS
    SELECT t.tid, e.param::int AS step, e.expected
    FROM cl_expected e
    JOIN cl_trees t USING (case_id, linkage, metric, standardize)
    WHERE e.kind = 'height';
CREATE INDEX ON cl_exp_height (tid, step);
ANALYZE cl_exp_unit;
ANALYZE cl_exp_height;

-- ------------------------------------------------------------------------------------
-- the window forms.  q returns (gid, unit, cluster) for the groups in $1 (int[]); the
-- 'by_args' forms run once per argument set, with $2 k, $3 linkage, $4 metric,
-- $5 standardize, $6 height; kinds / only_default limit a form to some groups.
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE cl_forms (
    fid serial, kinds text[] NOT NULL, only_default boolean NOT NULL, by_args boolean NOT NULL,
    form text NOT NULL, q text NOT NULL);

INSERT INTO cl_forms (kinds, only_default, by_args, form, q) VALUES
('{cluster_k,cluster_h}', false, false,
 'hclust(features, k, linkage, metric, standardize, height) OVER (PARTITION BY group ORDER BY unit)', $q$
    SELECT g.gid, c.unit,
           medres.hclust(c.features, g.k, g.linkage, g.metric, g.standardize, g.h)
               OVER (PARTITION BY g.gid ORDER BY c.unit)
    FROM cl_groups g JOIN cl_cases c USING (case_id) WHERE g.gid = ANY ($1) $q$),
('{cluster_k,cluster_h}', false, true,
 'hclust(features, constants) OVER (PARTITION BY case_id ORDER BY unit)', $q$
    SELECT g.gid, c.unit,
           medres.hclust(c.features, $2, $3, $4, $5, $6) OVER (PARTITION BY c.case_id ORDER BY c.unit)
    FROM cl_groups g JOIN cl_cases c USING (case_id) WHERE g.gid = ANY ($1) $q$),
('{cluster_k}', false, false,
 'hclust(features, k, linkage, metric, standardize) [height omitted]', $q$
    SELECT g.gid, c.unit,
           medres.hclust(c.features, g.k, g.linkage, g.metric, g.standardize)
               OVER (PARTITION BY g.gid ORDER BY c.unit)
    FROM cl_groups g JOIN cl_cases c USING (case_id) WHERE g.gid = ANY ($1) $q$),
('{cluster_k}', true, false,
 'hclust(features, k) [defaults]', $q$
    SELECT g.gid, c.unit, medres.hclust(c.features, g.k) OVER (PARTITION BY g.gid ORDER BY c.unit)
    FROM cl_groups g JOIN cl_cases c USING (case_id) WHERE g.gid = ANY ($1) $q$),
('{cluster_h}', true, false,
 'hclust(features, NULL, height => h) [defaults]', $q$
    SELECT g.gid, c.unit, medres.hclust(c.features, NULL, height => g.h) OVER (PARTITION BY g.gid ORDER BY c.unit)
    FROM cl_groups g JOIN cl_cases c USING (case_id) WHERE g.gid = ANY ($1) $q$);

-- the tree forms: q returns (tid, ord, step, left_id, right_id, height, size) for the trees in $1
CREATE TEMP TABLE cl_tree_forms (tfid serial, form text NOT NULL, q text NOT NULL);
INSERT INTO cl_tree_forms (form, q) VALUES
('hclust_tree(features, label, linkage, metric, standardize)', $q$
    SELECT t.tid, m.ordinality, m.step, m.left_id, m.right_id, m.height, m.size
    FROM (SELECT tr.tid,
                 medres.hclust_tree(c.features, c.label, tr.linkage, tr.metric, tr.standardize) AS a
          FROM cl_trees tr JOIN cl_cases c USING (case_id)
          WHERE tr.tid = ANY ($1) GROUP BY tr.tid) t
    CROSS JOIN LATERAL unnest(t.a) WITH ORDINALITY AS m $q$),
('hclust_tree(features, label, linkage, metric, standardize ORDER BY unit DESC)', $q$
    SELECT t.tid, m.ordinality, m.step, m.left_id, m.right_id, m.height, m.size
    FROM (SELECT tr.tid,
                 medres.hclust_tree(c.features, c.label, tr.linkage, tr.metric, tr.standardize
                                    ORDER BY c.unit DESC) AS a
          FROM cl_trees tr JOIN cl_cases c USING (case_id)
          WHERE tr.tid = ANY ($1) GROUP BY tr.tid) t
    CROSS JOIN LATERAL unnest(t.a) WITH ORDINALITY AS m $q$);

-- ------------------------------------------------------------------------------------
-- compute medres' results
-- ------------------------------------------------------------------------------------
CREATE TEMP TABLE cl_got (gid integer, fid integer, unit integer, got integer);
CREATE TEMP TABLE cl_tree_got (
    tid integer, tfid integer, ord bigint, step integer, left_id integer, right_id integer,
    height float8, size integer);
-- gid / tid 0: an error of a batch (several groups / trees in one query)
CREATE TEMP TABLE cl_errors (gid integer, fid integer, batch text, message text);
CREATE TEMP TABLE cl_tree_errors (tid integer, tfid integer, message text);

-- Run window form f: all its groups at once (or once per argument set), then, if that raised
-- an error, group by group.
CREATE FUNCTION pg_temp.cl_run(f cl_forms) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ins text;
    b record;
    one int;
BEGIN
    ins := format('INSERT INTO cl_got SELECT s.g, %s, s.u, s.c FROM (%s) AS s(g, u, c)', f.fid, f.q);
    FOR b IN
        SELECT array_agg(g.gid ORDER BY g.gid) AS gids,
               CASE WHEN f.by_args THEN g.k END AS k, CASE WHEN f.by_args THEN g.linkage END AS linkage,
               CASE WHEN f.by_args THEN g.metric END AS metric,
               CASE WHEN f.by_args THEN g.standardize END AS standardize,
               CASE WHEN f.by_args THEN g.h END AS h
        FROM cl_groups g
        WHERE g.kind = ANY (f.kinds) AND (g.is_default OR NOT f.only_default)
        GROUP BY 2, 3, 4, 5, 6
        ORDER BY min(g.gid)
    LOOP
        BEGIN
            EXECUTE ins USING b.gids, b.k, b.linkage, b.metric, b.standardize, b.h;
            CONTINUE;
        EXCEPTION WHEN others THEN
            INSERT INTO cl_errors VALUES (0, f.fid,
                CASE WHEN f.by_args
                     THEN format('k %s, %s/%s/%s, height %s', coalesce(b.k::text, 'NULL'), b.linkage,
                                 b.metric, b.standardize, coalesce(b.h::text, 'NULL'))
                     ELSE 'all groups' END,
                SQLSTATE || ': ' || SQLERRM);
        END;
        FOREACH one IN ARRAY b.gids LOOP
            BEGIN
                EXECUTE ins USING ARRAY[one], b.k, b.linkage, b.metric, b.standardize, b.h;
            EXCEPTION WHEN others THEN
                INSERT INTO cl_errors VALUES (one, f.fid, NULL, SQLSTATE || ': ' || SQLERRM);
            END;
        END LOOP;
    END LOOP;
END
$$;

CREATE FUNCTION pg_temp.cl_tree_run(f cl_tree_forms) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ins text;
    ids int[];
    one int;
BEGIN
    ins := format('INSERT INTO cl_tree_got SELECT s.t, %s, s.o, s.st, s.l, s.r, s.h, s.z FROM (%s) AS s(t, o, st, l, r, h, z)',
                  f.tfid, f.q);
    SELECT array_agg(tid ORDER BY tid) INTO ids FROM cl_trees;
    BEGIN
        EXECUTE ins USING ids;
        RETURN;
    EXCEPTION WHEN others THEN
        INSERT INTO cl_tree_errors VALUES (0, f.tfid, SQLSTATE || ': ' || SQLERRM);
    END;
    FOREACH one IN ARRAY ids LOOP
        BEGIN
            EXECUTE ins USING ARRAY[one];
        EXCEPTION WHEN others THEN
            INSERT INTO cl_tree_errors VALUES (one, f.tfid, SQLSTATE || ': ' || SQLERRM);
        END;
    END LOOP;
END
$$;

DO $do$
DECLARE
    f cl_forms;
    t cl_tree_forms;
BEGIN
    FOR t IN SELECT * FROM cl_tree_forms ORDER BY tfid LOOP
        PERFORM pg_temp.cl_tree_run(t);
    END LOOP;
    FOR f IN SELECT * FROM cl_forms ORDER BY fid LOOP
        PERFORM pg_temp.cl_run(f);
    END LOOP;
END
$do$;
CREATE INDEX ON cl_got (gid, fid, unit);
CREATE INDEX ON cl_tree_got (tid, tfid, ord);
ANALYZE cl_got;
ANALYZE cl_tree_got;

-- ------------------------------------------------------------------------------------
-- tree shape, and the partition of the tree cut at the oracle's cluster_h height
-- ------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.cl_tree_check(p_tid int, p_tfid int) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    tr cl_trees;
    n int;
    res text[] := '{}';
    parent int[];
    nh float8[];
    sz int[];
    r record;
    cnt int := 0;
    node int;
    bad boolean;
    h float8;
    hgid int;
    t int;
    p int;
    top int[];
    lab int[];
    nxt int := 0;
    got int[];
    exp int[];
    u int;
BEGIN
    SELECT * INTO tr FROM cl_trees WHERE tid = p_tid;
    n := tr.n;
    parent := array_fill(NULL::int, ARRAY[2 * n - 1], ARRAY[0]);
    nh := array_fill(NULL::float8, ARRAY[2 * n - 1], ARRAY[0]);
    sz := array_fill(1, ARRAY[2 * n - 1], ARRAY[0]);
    FOR r IN SELECT * FROM cl_tree_got WHERE tid = p_tid AND tfid = p_tfid ORDER BY ord LOOP
        cnt := cnt + 1;
        node := n + cnt - 1;
        IF cnt > n - 1 THEN
            res := res || format('element %s: more than n - 1 = %s merges', cnt, n - 1);
            EXIT;
        END IF;
        IF r.step IS DISTINCT FROM cnt THEN
            res := res || format('element %s: step = %s, expected %s', cnt, r.step, cnt);
        END IF;
        bad := false;
        IF r.left_id IS NULL OR r.right_id IS NULL OR r.left_id = r.right_id
           OR r.left_id < 0 OR r.right_id < 0 OR r.left_id >= node OR r.right_id >= node THEN
            res := res || format('step %s: left_id %s, right_id %s are not two existing nodes (0..%s)',
                                 cnt, r.left_id, r.right_id, node - 1);
            bad := true;
        ELSIF parent[r.left_id] IS NOT NULL OR parent[r.right_id] IS NOT NULL THEN
            res := res || format('step %s: left_id %s / right_id %s already merged (into %s / %s)',
                                 cnt, r.left_id, r.right_id, parent[r.left_id], parent[r.right_id]);
            bad := true;
        END IF;
        IF r.height IS NULL OR r.height IN ('NaN', 'Infinity', '-Infinity') THEN
            res := res || format('step %s: height %s', cnt, coalesce(r.height::text, 'NULL'));
        END IF;
        nh[node] := r.height;
        IF NOT bad THEN
            parent[r.left_id] := node;
            parent[r.right_id] := node;
            sz[node] := sz[r.left_id] + sz[r.right_id];
            IF r.size IS DISTINCT FROM sz[node] THEN
                res := res || format('step %s: size %s, expected %s (%s + %s)', cnt, r.size, sz[node],
                                     sz[r.left_id], sz[r.right_id]);
            END IF;
        END IF;
    END LOOP;
    IF cnt < n - 1 THEN
        res := res || format('%s elements, expected n - 1 = %s', cnt, n - 1);
    END IF;
    IF res <> '{}' THEN
        RETURN res[1:20];
    END IF;

    SELECT g.gid, g.h INTO hgid, h FROM cl_groups g
    WHERE g.case_id = tr.case_id AND g.linkage = tr.linkage AND g.metric = tr.metric
      AND g.standardize = tr.standardize AND g.kind = 'cluster_h';
    IF hgid IS NULL THEN
        RETURN res;
    END IF;
    -- the cluster of a leaf: its highest ancestor of height <= h
    top := array_fill(NULL::int, ARRAY[n], ARRAY[0]);
    FOR leaf IN 0 .. n - 1 LOOP
        t := leaf;
        p := parent[leaf];
        WHILE p IS NOT NULL LOOP
            IF nh[p] <= h THEN
                t := p;
            END IF;
            p := parent[p];
        END LOOP;
        top[leaf] := t;
    END LOOP;
    lab := array_fill(NULL::int, ARRAY[2 * n - 1], ARRAY[0]);
    got := '{}';
    FOR u, t IN SELECT l.unit, top[l.leaf] FROM cl_leaf l WHERE l.case_id = tr.case_id ORDER BY l.unit LOOP
        IF lab[t] IS NULL THEN
            nxt := nxt + 1;
            lab[t] := nxt;
        END IF;
        got := got || lab[t];
    END LOOP;
    SELECT array_agg(expected ORDER BY unit) INTO exp FROM cl_exp_unit WHERE gid = hgid;
    IF got IS DISTINCT FROM exp THEN
        SELECT array_agg(format('cut at height %s: unit %s in cluster %s, expected %s', h, i, got[i], exp[i])
                         ORDER BY i)
        INTO res
        FROM generate_series(1, n) i WHERE got[i] IS DISTINCT FROM exp[i];
        RETURN res[1:10] || CASE WHEN cardinality(res) > 10
                                 THEN ARRAY[format('... and %s more', cardinality(res) - 10)]
                                 ELSE '{}'::text[] END;
    END IF;
    RETURN res;
END
$$;

-- ------------------------------------------------------------------------------------
-- collect the tests: (passed, description) for ok(), or (have, description) for
-- is(have, '{}'::text[]) where have lists the mismatches
-- ------------------------------------------------------------------------------------
-- kind 'pgtap': q is a query running one pgTAP function (the signature checks)
CREATE TEMP TABLE cl_tests (seq serial, kind text, passed boolean, have text[], descr text, q text);

INSERT INTO cl_tests (kind, passed, descr)
SELECT 'ok', (SELECT count(*) FROM cl_cases) > 0 AND (SELECT count(*) FROM cl_expected) > 0,
       format('oracle files loaded: %s cases, %s units, %s trees, %s cluster groups, %s expected values',
              (SELECT count(*) FROM cl_size), (SELECT count(*) FROM cl_cases),
              (SELECT count(*) FROM cl_trees), (SELECT count(*) FROM cl_groups),
              (SELECT count(*) FROM cl_expected));

-- the documented signatures
INSERT INTO cl_tests (kind, q) VALUES
('pgtap', $t$SELECT is_window('medres', 'hclust',
    ARRAY['double precision[]', 'integer', 'text', 'text', 'text', 'double precision'],
    'medres.hclust(float8[], int, text, text, text, float8) is a window function')$t$),
('pgtap', $t$SELECT is_aggregate('medres', 'hclust_tree',
    ARRAY['double precision[]', 'text', 'text', 'text', 'text'],
    'medres.hclust_tree(float8[], text, text, text, text) is an aggregate')$t$),
('pgtap', $t$SELECT has_type('medres', 'hclust_merge', 'type medres.hclust_merge exists')$t$),
('pgtap', $t$SELECT is(
    (SELECT array_agg(attname::text || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum)
     FROM pg_attribute
     WHERE attrelid = (SELECT typrelid FROM pg_type WHERE oid = to_regtype('medres.hclust_merge'))
       AND attnum > 0 AND NOT attisdropped),
    ARRAY['step integer', 'left_id integer', 'right_id integer', 'height double precision', 'size integer'],
    'medres.hclust_merge has the fields step, left_id, right_id, height, size')$t$);

-- heights: one is(mismatches, '{}') per (tree, tree form)
INSERT INTO cl_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN x.nbad > 10 THEN x.bad[1:10] || format('... and %s more of %s', x.nbad - 10, x.nexp)
            ELSE coalesce(x.bad, '{}'::text[]) END
       || coalesce((SELECT array_agg(DISTINCT 'error: ' || er.message) FROM cl_tree_errors er
                    WHERE er.tid = x.tid AND er.tfid = x.tfid), '{}'::text[]),
       format('%s %s/%s/%s [height] %s: %s sorted heights', t.case_id, t.linkage, t.metric, t.standardize,
              tf.form, x.nexp)
FROM (
    SELECT c.tid, c.tfid, count(*) FILTER (WHERE c.step_e IS NOT NULL) AS nexp,
           count(*) FILTER (WHERE NOT c.ok) AS nbad,
           array_agg(c.msg ORDER BY coalesce(c.step_e, c.step_g)) FILTER (WHERE NOT c.ok) AS bad
    FROM (
        SELECT coalesce(e.tid, g.tid) AS tid, coalesce(e.tfid, g.tfid) AS tfid, e.step AS step_e,
               g.step AS step_g,
               coalesce(abs(g.height - e.expected) <= 1e-9 * greatest(abs(e.expected), 1e-12), false) AS ok,
               CASE WHEN g.tid IS NULL
                    THEN format('height %s: missing (expected %s)', e.step, e.expected)
                    WHEN e.tid IS NULL
                    THEN format('height %s: %s, beyond the n - 1 expected heights', g.step, g.height)
                    ELSE format('height %s: got %s, expected %s (rel.err %s)', e.step, g.height, e.expected,
                                CASE WHEN e.expected = 0 THEN 'abs ' || abs(g.height)::text
                                     ELSE (abs(g.height - e.expected) / abs(e.expected))::text END) END AS msg
        FROM (SELECT eh.tid, tf.tfid, eh.step, eh.expected
              FROM cl_exp_height eh CROSS JOIN cl_tree_forms tf) e
        FULL JOIN (SELECT tg.tid, tg.tfid, tg.height,
                          row_number() OVER (PARTITION BY tg.tid, tg.tfid ORDER BY tg.height)::int AS step
                   FROM cl_tree_got tg
                   WHERE tg.tid IN (SELECT tid FROM cl_trees WHERE has_heights)) g
          ON g.tid = e.tid AND g.tfid = e.tfid AND g.step = e.step
    ) c
    GROUP BY c.tid, c.tfid
) x
JOIN cl_trees t ON t.tid = x.tid
JOIN cl_tree_forms tf ON tf.tfid = x.tfid
ORDER BY x.tid, x.tfid;

-- tree shape and the cut at h: one is(problems, '{}') per (tree, tree form)
INSERT INTO cl_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(DISTINCT 'error: ' || er.message) FROM cl_tree_errors er
                 WHERE er.tid = t.tid AND er.tfid = tf.tfid),
                pg_temp.cl_tree_check(t.tid, tf.tfid)),
       format('%s %s/%s/%s [tree] %s: n - 1 = %s merges with valid ids and sizes%s', t.case_id, t.linkage,
              t.metric, t.standardize, tf.form, t.n - 1,
              CASE WHEN EXISTS (SELECT 1 FROM cl_groups g
                                WHERE g.case_id = t.case_id AND g.linkage = t.linkage AND g.metric = t.metric
                                  AND g.standardize = t.standardize AND g.kind = 'cluster_h')
                   THEN ', cut at the oracle''s cluster_h height = its partition' ELSE '' END)
FROM cl_trees t CROSS JOIN cl_tree_forms tf
ORDER BY t.tid, tf.tfid;

-- cluster numbers: one is(mismatches, '{}') per (group, window form)
INSERT INTO cl_tests (kind, have, descr)
SELECT 'is',
       CASE WHEN x.nbad > 10 THEN x.bad[1:10] || format('... and %s more of %s', x.nbad - 10, x.nexp)
            ELSE coalesce(x.bad, '{}'::text[]) END
       || coalesce((SELECT array_agg(DISTINCT 'error: ' || er.message) FROM cl_errors er
                    WHERE er.gid = x.gid AND er.fid = x.fid), '{}'::text[]),
       format('%s %s/%s/%s [%s %s] %s: %s units', g.case_id, g.linkage, g.metric, g.standardize, g.kind,
              g.param, f.form, x.nexp)
FROM (
    SELECT c.gid, c.fid, count(*) AS nexp, count(*) FILTER (WHERE NOT c.ok) AS nbad,
           array_agg(c.msg ORDER BY c.unit) FILTER (WHERE NOT c.ok) AS bad
    FROM (
        SELECT e.gid, f.fid, e.unit, coalesce(r.got = e.expected, false) AS ok,
               format('unit %s: got %s, expected %s', e.unit, coalesce(r.got::text, 'no result'),
                      e.expected) AS msg
        FROM cl_exp_unit e
        JOIN cl_groups g ON g.gid = e.gid
        JOIN cl_forms f ON g.kind = ANY (f.kinds) AND (g.is_default OR NOT f.only_default)
        LEFT JOIN cl_got r ON r.gid = e.gid AND r.fid = f.fid AND r.unit = e.unit
    ) c
    GROUP BY c.gid, c.fid
) x
JOIN cl_groups g ON g.gid = x.gid
JOIN cl_forms f ON f.fid = x.fid
ORDER BY x.gid, x.fid;

-- every form evaluates over all its groups / trees at once (several partitions in one query)
INSERT INTO cl_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(format('[%s] %s', er.batch, er.message) ORDER BY er.batch)
                 FROM cl_errors er WHERE er.gid = 0 AND er.fid = f.fid), '{}'::text[]),
       format('%s: evaluated over all its groups in %s without error', f.form,
              CASE WHEN f.by_args THEN 'one query per argument set' ELSE 'one query' END)
FROM cl_forms f
ORDER BY f.fid;

INSERT INTO cl_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT array_agg(er.message) FROM cl_tree_errors er WHERE er.tid = 0 AND er.tfid = tf.tfid),
                '{}'::text[]),
       format('%s: evaluated over all trees in one query (GROUP BY) without error', tf.form)
FROM cl_tree_forms tf
ORDER BY tf.tfid;

-- nothing is reported twice
INSERT INTO cl_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT (array_agg(format('group %s form %s unit %s: %s rows', gid, fid, unit, cnt)
                                   ORDER BY gid, fid, unit))[1:20]
                 FROM (SELECT gid, fid, unit, count(*) AS cnt FROM cl_got
                       GROUP BY 1, 2, 3 HAVING count(*) > 1) d), '{}'::text[]),
       'hclust: no (group, form, unit) has more than one result';
INSERT INTO cl_tests (kind, have, descr)
SELECT 'is',
       coalesce((SELECT (array_agg(format('tree %s form %s element %s: %s rows', tid, tfid, ord, cnt)
                                   ORDER BY tid, tfid, ord))[1:20]
                 FROM (SELECT tid, tfid, ord, count(*) AS cnt FROM cl_tree_got
                       GROUP BY 1, 2, 3 HAVING count(*) > 1) d), '{}'::text[]),
       'hclust_tree: no (tree, form, element) is reported twice';

-- ------------------------------------------------------------------------------------
-- run the tests
-- ------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.cl_pgtap(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    res text;
BEGIN
    EXECUTE q INTO res;
    RETURN res;
END
$$;

SELECT plan((SELECT count(*)::int FROM cl_tests));

SELECT CASE kind WHEN 'ok' THEN ok(passed, descr)
                 WHEN 'pgtap' THEN pg_temp.cl_pgtap(q)
                 ELSE is(have, '{}'::text[], descr) END
FROM cl_tests ORDER BY seq;

SELECT * FROM finish();
ROLLBACK;
