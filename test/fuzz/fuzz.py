#!/usr/bin/env python3
"""Seeded SQL fuzzer for the medres and medres_postgis extensions.

Generates statements that call every public function of both extensions (aggregates, window
functions, set-returning and composite-returning functions, inner-SQL functions, and the
support functions with float8[] states that any user may call directly) with a mix of valid
and hostile arguments, runs them through one psql process per server lifetime, and checks:

  * the server never restarts and the connection is never lost (a crash);
  * no result value is NaN or +-Infinity (the row's text form is searched in SQL);
  * every error has a SQLSTATE other than XX000 (internal error);
  * no WARNING about leaked resources;
  * a statement cancelled by statement_timeout stops within a grace period (a long loop
    without CHECK_FOR_INTERRUPTS shows up as a statement that overruns the timeout).

Statement K is a function of (seed, K) only: `--only K` reruns it, `--print K` shows it.
Connection: the standard libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE (the maintenance
database, default postgres).  The runner (re)creates database medres_fuzz with postgis, medres
and medres_postgis; without PostGIS the spatial functions are skipped.
Output: one line per failure, then exactly `N passed, M failed`.  Exit status 0 iff M = 0.
Standard library only; needs psql.
"""

import argparse
import os
import random
import re
import select
import subprocess
import sys
import time

DEFAULT_SEED = 20261205
DB = 'medres_fuzz'
PSQL = os.environ.get('PSQL', 'psql')

# ---------------------------------------------------------------------------------------------
# literals
# ---------------------------------------------------------------------------------------------

NICE = ['1', '2', '3', '0.5', '10', '4.25', '7', '100', '0.1', '42', '13', '2.5']
EDGE = ['NaN', 'Infinity', '-Infinity', '1e308', '-1e308', '5e-324', '-5e-324', '1e200',
        '-1e200', '1e-200', '0', '-0', '-1', '-3.5', None, '1.7976931348623157e308',
        '2.2250738585072014e-308', '1e15', '9007199254740993', '1e-310']
SCALES = [1e200, 1e300, 1e-200, 1e-300, 1e150, 1e-320, 1e307]
INTS = ['0', '-1', '1', '2', '3', '4', '2147483647', '-2147483648', None, '100000', '5']
BIGINTS = ['0', '-1', '1', '42', '9223372036854775807', '-9223372036854775808', None]


def f8(v):
    """A float8 literal from a string (or None for NULL)."""
    return 'NULL::float8' if v is None else "'%s'::float8" % v


def i4(v):
    return 'NULL::int' if v is None else '(%s)::int' % v


def i8(v):
    return 'NULL::bigint' if v is None else '(%s)::bigint' % v


def lit(s):
    """A text literal (None for NULL)."""
    return 'NULL::text' if s is None else "'" + s.replace("'", "''") + "'"


def nice(rng):
    return rng.choice(NICE)


def edge(rng):
    return rng.choice(EDGE)


def num(rng, p=0.3):
    return f8(edge(rng) if rng.random() < p else nice(rng))


def column(rng, n, nonneg=False):
    """n float8 literals for one column, in one of several regimes."""
    mode = rng.choices(['nice', 'mixed', 'scaled', 'const', 'onebad', 'edgeall', 'zeros'],
                       weights=[4, 3, 3, 1, 3, 1, 1])[0]
    if mode == 'nice':
        vals = [nice(rng) for _ in range(n)]
    elif mode == 'mixed':
        vals = [edge(rng) if rng.random() < 0.3 else nice(rng) for _ in range(n)]
    elif mode == 'scaled':
        s = rng.choice(SCALES)
        vals = [repr(float(nice(rng)) * s) for _ in range(n)]
    elif mode == 'const':
        c = nice(rng) if rng.random() < 0.7 else edge(rng)
        vals = [c] * n
    elif mode == 'onebad':
        vals = [nice(rng) for _ in range(n)]
        if n:
            vals[rng.randrange(n)] = edge(rng)
    elif mode == 'edgeall':
        c = edge(rng)
        vals = [c] * n
    else:
        vals = ['0'] * n
    if not nonneg and rng.random() < 0.15 and n:
        vals[rng.randrange(n)] = '-' + nice(rng)
    return [f8(v) for v in vals]


def farray(rng, m, p_bad=0.08):
    """One float8[] literal of m elements, sometimes malformed."""
    if rng.random() < p_bad:
        return rng.choice(["'{}'::float8[]", 'NULL::float8[]', 'ARRAY[NULL]::float8[]',
                           "'{{1,2},{3,4}}'::float8[]", "'[0:1]={1,2}'::float8[]",
                           "'[-3:-2]={5,6}'::float8[]", "'{{{1}}}'::float8[]",
                           "'{NaN,1}'::float8[]", "'{Infinity,-Infinity}'::float8[]",
                           'ARRAY[1,2,3,4,5,6,7]::float8[]', "'{1e308,-1e308}'::float8[]",
                           "'{5e-324,1e-310}'::float8[]"])
    return 'ARRAY[%s]::float8[]' % ', '.join(num(rng, 0.12) for _ in range(m))


def features(rng, n, m):
    """n feature arrays (m features each) in one regime."""
    mode = rng.choices(['nice', 'scaled', 'mixed', 'const'], weights=[4, 3, 3, 1])[0]
    rows = []
    s = rng.choice(SCALES)
    for _ in range(n):
        if mode == 'nice':
            rows.append('ARRAY[%s]::float8[]' % ', '.join(f8(nice(rng)) for _ in range(m)))
        elif mode == 'scaled':
            rows.append('ARRAY[%s]::float8[]' % ', '.join(f8(repr(float(nice(rng)) * s))
                                                          for _ in range(m)))
        elif mode == 'const':
            rows.append('ARRAY[%s]::float8[]' % ', '.join(['1::float8'] * m))
        else:
            rows.append(farray(rng, m, 0.2))
    if n and rng.random() < 0.1:   # ragged partition
        rows[rng.randrange(n)] = farray(rng, m + 1, 0)
    return rows


def label(rng, i):
    return rng.choice([lit('u%d' % i)] * 6 + [lit('é ü %d' % i), lit('a"b(%d)' % i),
                                              lit(" x;'%d" % i), 'NULL::text', lit(''),
                                              lit('L' * 300 + str(i)), lit('dup')])


def pick(rng, valid, hostile, p=0.3):
    return rng.choice(hostile) if rng.random() < p else rng.choice(valid)


BAD_TEXT = ['', 'bogus', None, ' ', 'NONE', 'x' * 5000, 'zscore ', "'; select 1; --", 'é']

# ---------------------------------------------------------------------------------------------
# data sets: VALUES lists with columns id, g, x, w, y, a, o, k, lbl, arr
# ---------------------------------------------------------------------------------------------

N_CHOICES = [0, 1, 2, 3, 4, 5, 7, 10, 16, 30]
N_WEIGHTS = [3, 4, 3, 3, 3, 3, 3, 3, 2, 2]


def pick_n(rng):
    return rng.choices(N_CHOICES, weights=N_WEIGHTS)[0]


def dataset(rng, n=None, m=None, opt=None, k=None, feats=True):
    """A FROM item `(VALUES ...) AS v(...) ` of n rows; returns (sql, n, m).

    opt: list of text literals for column o (per row); k: list of int literals for column k."""
    if n is None:
        n = pick_n(rng)
    if m is None:
        m = rng.choice([1, 2, 2, 3, 3, 4])
    rows = n if n else 1
    x = column(rng, rows)
    w = column(rng, rows, nonneg=True)
    y = column(rng, rows)
    a = column(rng, rows, nonneg=True)
    ng = rng.choice([1, 2, 3])
    fs = features(rng, rows, m) if feats else ['NULL::float8[]'] * rows
    if opt is None:
        opt = ['NULL::text'] * rows
    if k is None:
        k = ['NULL::int'] * rows
    tuples = []
    for i in range(rows):
        rid = i + 1 if n else -1
        g = rng.randrange(ng) if rng.random() > 0.05 else 'NULL'
        tuples.append('(%d, (%s)::int, %s, %s, %s, %s, %s, %s, %s, %s)' % (
            rid, g, x[i], w[i], y[i], a[i], opt[i % len(opt)], k[i % len(k)], label(rng, i),
            fs[i]))
    sql = ('(SELECT * FROM (VALUES %s) AS v0(id, g, x, w, y, a, o, k, lbl, arr) WHERE id > 0) AS v'
           % ', '.join(tuples))
    return sql, n, m


def big_dataset(rng):
    """A generate_series data set with 300 to 20000 rows (same columns)."""
    n = rng.choice([300, 1000, 3000, 20000])
    s = rng.choice(['1', '1e200', '1e-200', '1e300', '1e-300'])
    hostile = rng.random() < 0.3
    xb = "(i %% 97 + 1) * %s::float8" % s
    if hostile:
        xb = "CASE WHEN i %% 501 = 7 THEN %s ELSE %s END" % (f8(edge(rng)), xb)
    sql = ('(SELECT i AS id, (i %% 3)::int AS g, %s AS x, (i %% 5 + 1)::float8 AS w, '
           '(i %% 89 - 20)::float8 * %s AS y, (i %% 7 + 1)::float8 AS a, NULL::text AS o, '
           'NULL::int AS k, \'u\' || i AS lbl, ARRAY[(i %% 31)::float8 * %s, '
           '(i %% 17)::float8, (i * 7 %% 13)::float8 * %s] AS arr '
           'FROM generate_series(1, %d) i) AS v' % (xb, s, s, s, n))
    return sql, n


FRAMES = ['', 'ORDER BY id', 'ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW',
          'ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING',
          'ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING',
          'ORDER BY x RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW',
          'ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW',
          'ORDER BY g GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW',
          'ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING']


def agg_query(rng, call, data, allow_window=True):
    """Wrap an aggregate call in one of several query shapes."""
    shape = rng.choices(['plain', 'group', 'window', 'filter', 'having'],
                        weights=[4, 3, 4 if allow_window else 0, 1, 1])[0]
    if shape == 'plain':
        return 'SELECT %s FROM %s' % (call, data)
    if shape == 'group':
        return 'SELECT g, %s FROM %s GROUP BY g' % (call, data)
    if shape == 'filter':
        return 'SELECT %s FILTER (WHERE id %% 2 = 1) FROM %s' % (call, data)
    if shape == 'having':
        return 'SELECT g FROM %s GROUP BY g HAVING %s IS NOT NULL' % (data, call)
    part = rng.choice(['', 'PARTITION BY g '])
    return 'SELECT id, %s OVER (%s%s) FROM %s' % (call, part, rng.choice(FRAMES), data)


def opt_column(rng, n, valid, hostile_p=0.25, vary_p=0.2):
    """Per-row option literals: usually the same valid value, sometimes varying or hostile."""
    rows = n if n else 1
    if rng.random() < vary_p:
        return [lit(rng.choice(valid + BAD_TEXT[:3])) for _ in range(rows)]
    v = rng.choice(BAD_TEXT) if rng.random() < hostile_p else rng.choice(valid)
    return [lit(v)] * rows


def opt_arg(rng, valid, p=0.25):
    """A constant option argument, or the per-row column v.o."""
    if rng.random() < 0.15:
        return 'v.o'
    return lit(rng.choice(BAD_TEXT) if rng.random() < p else rng.choice(valid))


def wrap_window(call_sql, data):
    return call_sql % {'d': data}

# ---------------------------------------------------------------------------------------------
# generators: each returns (settings, sql); settings is a list of (guc, value)
# ---------------------------------------------------------------------------------------------


def num_arg(rng, valid, p=0.3, col=None):
    """A constant numeric argument, sometimes the column `col` (varies per row)."""
    if col and rng.random() < 0.15:
        return col
    return f8(edge(rng) if rng.random() < p else rng.choice(valid))


def weight_arg(rng):
    return rng.choice(['w', 'w', 'w', 'a', '1::float8', 'x', num(rng, 0.8)])


def g_streaming(rng):
    fn = choose_fn(rng, ['theil_t', 'theil_l', 'ge', 'atkinson', 'cv', 'hoover'])
    data, n, _ = dataset(rng, feats=False)
    args = ['x']
    if fn == 'ge':
        args.append(num_arg(rng, ['0', '1', '2', '-1', '0.5', '3', '-2', '10'], col='y'))
    elif fn == 'atkinson':
        args.append(num_arg(rng, ['0', '1', '2', '0.5', '1.5', '3'], col='y'))
    if rng.random() < 0.5:
        args.append(weight_arg(rng))
    call = 'medres.%s(%s)' % (fn, ', '.join(args))
    return [], agg_query(rng, call, data)


def g_rank(rng):
    fn = choose_fn(rng, ['gini', 'concentration_index', 'gini_totals', 'lorenz', 'gini',
                         'concentration_index'])
    data, n, _ = dataset(rng, feats=False,
                         opt=opt_column(rng, 10, ['none', 'n', 'weights', 'standard', 'wagstaff',
                                                  'erreygers']))
    if fn == 'gini':
        args = ['x']
        if rng.random() < 0.6:
            args.append(weight_arg(rng))
            if rng.random() < 0.5:
                args.append(opt_arg(rng, ['none', 'n', 'weights']))
    elif fn == 'gini_totals':
        args = ['x', rng.choice(['w', 'a', 'y'])]
    elif fn == 'lorenz':
        args = ['x'] + ([weight_arg(rng)] if rng.random() < 0.5 else [])
    else:
        args = [rng.choice(['x', 'a', 'y']), rng.choice(['y', 'x', 'id::float8', 'w'])]
        r = rng.random()
        if r < 0.75:
            args.append(weight_arg(rng))
        if r < 0.5:
            args.append(opt_arg(rng, ['standard', 'wagstaff', 'erreygers']))
        if r < 0.25:
            args += [num_arg(rng, ['0', '-1', '0'], col='y'),
                     num_arg(rng, ['1', '100', '10'], col='a')]
    if rng.random() < 0.1 and len(args) == 1:
        call = 'medres.%s(DISTINCT %s)' % (fn, args[0])
    else:
        call = 'medres.%s(%s)' % (fn, ', '.join(args))
    return [], agg_query(rng, call, data)


def g_decomposition(rng):
    data, n, _ = dataset(rng, feats=False)
    grp = rng.choice(['g::text', 'g::text', 'lbl', "'one'", 'NULL::text', 'id::text'])
    alpha = num_arg(rng, ['0', '1', '2', '-1', '0.5', '3'], col='y')
    call = 'medres.ge_decomposition(x, %s, %s, %s)' % (weight_arg(rng), grp, alpha)
    if rng.random() < 0.5:
        return [], 'SELECT (%s).* FROM %s' % (call, data)
    return [], agg_query(rng, call, data)


def g_rsr_agg(rng):
    fn = choose_fn(rng, ['rsr_fit', 'rsr_table', 'rsr_fit'])
    data, n, _ = dataset(rng, n=rng.choice([0, 1, 2, 3, 4, 5, 8, 12, 30]), feats=False)
    args = [rng.choice(['x', 'x', 'a', 'id::float8', '(id % 3)::float8'])]
    if fn == 'rsr_fit' and rng.random() < 0.6:
        args.append(rng.choice(['3', '2', '4', '5', 'k', i4(rng.choice(INTS))]))
    call = 'medres.%s(%s)' % (fn, ', '.join(args))
    if fn == 'rsr_fit' and rng.random() < 0.5:
        return [], 'SELECT (%s).* FROM %s' % (call, data)
    if fn == 'rsr_table' and rng.random() < 0.5:
        return [], 'SELECT (unnest(%s)).* FROM %s' % (call, data)
    return [], agg_query(rng, call, data)


def directions(rng, m):
    if rng.random() < 0.25:
        return lit(rng.choice(['', '*', '+' * (m + 1), '-' * max(m - 1, 0), 'x', None,
                               '+ -', '++-+-+-+-+' * 50, '\u2212' * m]))
    return lit(''.join(rng.choice('+-') for _ in range(m)))


def weights_arr(rng, m):
    if rng.random() < 0.3:
        return rng.choice(['NULL::float8[]', "'{}'::float8[]", farray(rng, m + 1, 0),
                           "'{0,0,0,0}'::float8[]", farray(rng, m, 1.0),
                           'ARRAY[%s]::float8[]' % ', '.join(['-1'] * m)])
    return 'ARRAY[%s]::float8[]' % ', '.join(f8(nice(rng)) for _ in range(m))


def g_entropy(rng):
    n = pick_n(rng)
    data, n, m = dataset(rng, n=n, opt=[directions(rng, 3) for _ in range(3)])
    args = ['arr']
    if rng.random() < 0.6:
        args.append('v.o' if rng.random() < 0.2 else directions(rng, m))
    call = 'medres.entropy_weights(%s)' % ', '.join(args)
    return [], agg_query(rng, call, data, allow_window=True)


def over(rng):
    return rng.choice(['OVER ()', 'OVER ()', 'OVER (PARTITION BY g)', 'OVER (ORDER BY id)',
                       'OVER (PARTITION BY g ORDER BY x)',
                       'OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)'])


def g_rsr_window(rng):
    fn = choose_fn(rng, ['rsr', 'topsis', 'rsr_probit', 'rsr_grade', 'rsr', 'topsis', 'rsr_grade'])
    n = pick_n(rng)
    opts = {'rsr': ['integer', 'noninteger'], 'rsr_probit': ['rank', 'cumulative'],
            'rsr_grade': ['fitted', 'observed']}.get(fn, ['+'])
    data, n, m = dataset(rng, n=n, opt=opt_column(rng, n, opts),
                         k=[rng.choice(['3', '3', '2', '4']) for _ in range(2)])
    named = rng.random() < 0.4
    if fn in ('rsr', 'topsis'):
        args = ['arr']
        r = rng.random()
        if r < 0.8:
            args.append(('directions => %s' if named else '%s') %
                        ('v.o' if rng.random() < 0.1 else directions(rng, m)))
        if r < 0.6:
            args.append(('weights => %s' if named else '%s') % weights_arr(rng, m))
        if fn == 'rsr' and r < 0.4:
            args.append(('ranking => %s' if named else '%s') %
                        opt_arg(rng, ['integer', 'noninteger']))
        call = 'medres.%s(%s) %s' % (fn, ', '.join(args), over(rng))
        return [], 'SELECT id, %s FROM %s' % (call, data)
    score = rng.choice(['x', 'a', 'y', 's'])
    if fn == 'rsr_probit':
        args = [score]
        if rng.random() < 0.6:
            args.append(opt_arg(rng, ['rank', 'cumulative']))
    else:
        args = [score]
        r = rng.random()
        if r < 0.8:
            args.append(rng.choice(['3', '2', '4', '5', 'k', i4(rng.choice(INTS))]))
        if r < 0.6:
            args.append(opt_arg(rng, ['fitted', 'observed']))
        if r < 0.4:
            args.append(opt_arg(rng, ['rank', 'cumulative']))
    call = 'medres.%s(%s) %s' % (fn, ', '.join(args), over(rng))
    # s: a score computed by rsr, as in the documented pipeline
    inner = '(SELECT v.*, medres.rsr(arr) OVER () AS s FROM %s) AS v' % data \
        if score == 's' else data
    return [], 'SELECT id, %s FROM %s' % (call, inner)


def g_density(rng):
    fn = choose_fn(rng, ['hrad', 'pad', 'hrad_pad', 'hrdi', 'hrdi'])
    data, n, _ = dataset(rng, feats=False)
    if fn == 'hrdi':
        if rng.random() < 0.5:
            return [], 'SELECT medres.hrdi(%s, %s, %s)' % (num(rng, 0.5), num(rng, 0.5),
                                                            num(rng, 0.5))
        return [], 'SELECT id, medres.hrdi(x, w, a) FROM %s' % data
    args = rng.choice([['x', 'a'], ['w', 'a'], ['x', 'y'], ['a', 'w'], ['x', num(rng, 0.6)]])
    return [], 'SELECT id, medres.%s(%s) %s FROM %s' % (fn, ', '.join(args), over(rng), data)


LINKAGES = ['average', 'single', 'complete', 'weighted', 'centroid', 'median', 'ward']
METRICS = ['sqeuclidean', 'euclidean', 'manhattan', 'chebyshev', 'cosine']
STANDARDIZE = ['zscore', 'range', 'none']


def g_hclust(rng):
    n = pick_n(rng)
    data, n, m = dataset(rng, n=n, opt=opt_column(rng, n, LINKAGES),
                         k=[i4(rng.choice(['2', '3', None, '0'])) for _ in range(2)])
    args = ['arr', rng.choice(['2', '3', '1', 'k', i4(rng.choice(INTS))])]
    named = rng.random() < 0.5
    for name, valid in (('linkage', LINKAGES), ('metric', METRICS),
                        ('standardize', STANDARDIZE)):
        if rng.random() < 0.6:
            args.append(('%s => %%s' % name if named else '%s') % opt_arg(rng, valid, 0.15))
        elif not named:
            break
    if named and rng.random() < 0.4:
        args.append('height => %s' % num_arg(rng, ['1', '0.5', '10', '0'], 0.4))
        if rng.random() < 0.5:
            args[1] = 'NULL::int'
    return [], 'SELECT id, medres.hclust(%s) %s FROM %s' % (', '.join(args), over(rng), data)


def init_arr(rng, k, m):
    if rng.random() < 0.4:
        return rng.choice(['NULL::float8[]', "'{}'::float8[]", farray(rng, m, 0),
                           "'{{1,2},{3,4},{5,6}}'::float8[]", "'{{NaN,1},{1,1}}'::float8[]",
                           "'{{1e308,-1e308},{1,1}}'::float8[]", "'[0:1][0:1]={{1,2},{3,4}}'::float8[]"])
    kk = max(1, min(k, 4))
    return 'ARRAY[%s]::float8[]' % ', '.join(
        '[%s]' % ', '.join(f8(nice(rng)) for _ in range(m)) for _ in range(kk))


def g_kmeans(rng):
    n = pick_n(rng)
    data, n, m = dataset(rng, n=n, opt=opt_column(rng, n, STANDARDIZE),
                         k=[i4(rng.choice(['2', '3', '0'])) for _ in range(2)])
    kv = rng.choice(['2', '3', '1', 'k', '(k)', None] + INTS)
    k = int(kv) if kv and kv.lstrip('-').isdigit() else 2
    args = ['arr', i4(kv) if kv not in ('k', '(k)') else kv]
    named = rng.random() < 0.5
    extra = [('seed', i8(rng.choice(BIGINTS))),
             ('restarts', i4(rng.choice(['1', '2', '5', '0', '-1', None, '2147483647'])
                             if rng.random() < 0.3 else rng.choice(['1', '3']))),
             ('standardize', opt_arg(rng, STANDARDIZE, 0.2)),
             ('max_iter', i4(rng.choice(['300', '1', '0', '-1', None, '2147483647', '10']))),
             ('init', init_arr(rng, k, m))]
    for name, val in extra:
        if rng.random() < 0.5:
            args.append('%s => %s' % (name, val) if named else val)
        elif not named:
            break
    return [], 'SELECT id, medres.kmeans(%s) %s FROM %s' % (', '.join(args), over(rng), data)


def g_tree(rng):
    fn = choose_fn(rng, ['hclust_tree', 'hclust_newick', 'hclust_svg', 'silhouette', 'silhouette'])
    n = pick_n(rng)
    valid = METRICS if fn == 'silhouette' else LINKAGES
    data, n, m = dataset(rng, n=n, opt=opt_column(rng, n, valid),
                         k=[i4(rng.choice(['1', '2', '1', '3', None, '0', '-1', '2147483647']))
                            for _ in range(rng.choice([1, 2, 3]))])
    if fn == 'silhouette':
        args = ['arr', rng.choice(['k', 'k', 'g', '(id % 2)', '1', 'id'])]
        opts = [METRICS, STANDARDIZE]
    else:
        args = ['arr', rng.choice(['lbl', 'lbl', 'lbl', 'id::text', "'same'"])]
        opts = [LINKAGES, METRICS, STANDARDIZE]
    for valid in opts:
        if rng.random() < 0.6:
            args.append(opt_arg(rng, valid, 0.2))
        else:
            break
    call = 'medres.%s(%s)' % (fn, ', '.join(args))
    return [], agg_query(rng, call, data)

# --- support functions with float8[] states (callable by any user) --------------------------


PF_INIT = ['{0,1,1,0,0,0,0,0,0,0,0}', '{0,0,0,0,0,0,0,0,0,0,0}']


def forged_state(rng, length):
    r = rng.random()
    if r < 0.15:
        return "'%s'::float8[]" % rng.choice(PF_INIT + ['{0,0,0,0,0,0}', '{0,0}'])
    if r < 0.3:
        return rng.choice(["'{}'::float8[]", "'{1}'::float8[]", "'{{1,2},{3,4}}'::float8[]",
                           "'[0:10]={0,1,1,0,0,0,0,0,0,0,0}'::float8[]",
                           "'{0,1,1,0,0,0,0,0,0,0,NULL}'::float8[]", "'{1000000,0}'::float8[]",
                           "'{2,5,1,1,2,2}'::float8[]", "'{1,-1,1,1}'::float8[]",
                           "'{2147483647,0,1,1}'::float8[]", "'{1e308,1e308}'::float8[]",
                           "'{3,0,1,1,2,1,3,1,0,0,0,0}'::float8[]"])
    L = rng.choice([length, length, length - 1, length + 1, length * 3])
    vals = []
    for i in range(max(L, 0)):
        if rng.random() < 0.35:
            vals.append(rng.choice(['NaN', 'Infinity', '-Infinity', '1e308', '-1', '-5',
                                    '2147483648', '1e20', '0.5', '3', '7', '-0']))
        else:
            vals.append(rng.choice(['0', '1', '2', '1', '0']))
    return "'{%s}'::float8[]" % ','.join(vals)


def g_support(rng):
    # (family, transition function, final function, shape); the first rounds take these in
    # turn so that every support function is called early
    combos = [('pf', '_theil_t_trans', '_ge_final', 'final'),
              ('cv', '_cv_trans', '_cv_final', 'combine'),
              ('hoover', '_hoover_trans', '_hoover_final', 'combine'),
              ('pf', '_ge_trans', '_atkinson_final', 'combine'),
              ('hoover', '_hoover_inv', '_hoover_final', 'final'),
              ('pf', '_theil_l_trans', '_ge_final', 'trans'),
              ('pf', '_atkinson_trans', '_atkinson_final', 'final'),
              ('cv', '_cv_trans', '_cv_final', 'final')]
    fam, trans, final, shape_name = choose_fn(rng, combos)
    if ROUND is None:
        trans = rng.choice([c[1] for c in combos if c[0] == fam])
        final = rng.choice([c[2] for c in combos if c[0] == fam])
    L = {'pf': 11, 'cv': 6, 'hoover': rng.choice([2, 4, 6, 8])}[fam]
    combine = {'pf': '_pf_combine', 'cv': '_cv_combine', 'hoover': '_hoover_combine'}[fam]
    needs_param = trans in ('_ge_trans', '_atkinson_trans')

    def t(state):
        args = [state, num(rng, 0.4)]
        if needs_param:
            args.append(num(rng, 0.4))
        if rng.random() < 0.4:
            args.append(num(rng, 0.4))
        return 'medres.%s(%s)' % (trans, ', '.join(args))
    st = forged_state(rng, L)
    for _ in range(max(rng.choice([0, 1, 1, 2, 3]), 1 if ROUND is not None else 0)):
        st = t(st)
    shape = {'trans': 0.1, 'combine': 0.3, 'final': 0.9}[shape_name] \
        if ROUND is not None else rng.random()
    if shape < 0.2:
        # a state is no result: only crashes and XX000 count, so show its size only
        return [], 'SELECT cardinality(%s)' % t(st)
    if shape < 0.4:
        return [], 'SELECT medres.%s(%s(%s, %s))' % (final, 'medres.' + combine, st,
                                                     forged_state(rng, L))
    return [], 'SELECT medres.%s(%s)' % (final, st)

# --- large partitions (threads, memory limit, interrupts) ----------------------------------


def g_large(rng):
    data, n = big_dataset(rng)
    c = rng.choice(['gini', 'gini_w', 'ci', 'lorenz', 'hclust', 'hclust', 'kmeans', 'rsr',
                    'topsis', 'entropy', 'tree', 'silhouette', 'hoover_win', 'gini_win'] +
                   (['access', 'knn', 'perm'] if SPATIAL_ON else []))
    settings = [('medres.threads', rng.choice(['1', '2']))]
    if c == 'gini':
        q = 'SELECT medres.gini(x) FROM %s' % data
    elif c == 'gini_w':
        q = "SELECT medres.gini(x, w, 'n') FROM %s" % data
    elif c == 'ci':
        q = "SELECT medres.concentration_index(x, y, w) FROM %s" % data
    elif c == 'lorenz':
        q = 'SELECT cardinality(medres.lorenz(x, w)) FROM %s' % data
    elif c == 'hclust':
        if n > 3000:
            data, n = big_dataset(rng)
            data = data.replace('20000)', '3000)')
        q = ('SELECT count(*), max(c) FROM (SELECT medres.hclust(arr, 3, %s, %s, %s) OVER () AS c '
             'FROM %s) s' % (lit(rng.choice(LINKAGES)), lit(rng.choice(METRICS)),
                             lit(rng.choice(STANDARDIZE)), data))
    elif c == 'kmeans':
        q = ('SELECT count(*), max(c) FROM (SELECT medres.kmeans(arr, %s, restarts => %s, '
             'standardize => %s) OVER () AS c FROM %s) s'
             % (rng.choice(['3', '8', '2147483647']), rng.choice(['1', '4', '2147483647']),
                lit(rng.choice(STANDARDIZE)), data))
    elif c == 'rsr':
        q = 'SELECT max(r) FROM (SELECT medres.rsr(arr) OVER () AS r FROM %s) s' % data
    elif c == 'topsis':
        q = "SELECT max(r) FROM (SELECT medres.topsis(arr, '+-+') OVER () AS r FROM %s) s" % data
    elif c == 'entropy':
        q = 'SELECT medres.entropy_weights(arr) FROM %s' % data
    elif c == 'tree':
        q = ('SELECT length(medres.hclust_newick(arr, lbl, %s)) FROM (SELECT * FROM %s LIMIT 2000) v'
             % (lit(rng.choice(LINKAGES)), data))
    elif c == 'silhouette':
        q = 'SELECT medres.silhouette(arr, (id %% 4)::int) FROM (SELECT * FROM %s LIMIT 3000) v' % data
    elif c == 'access':
        # the pair search (grid, helper thread) on many points, at several scales
        sc = rng.choice(['1', '1e150', '1e-150'])
        method = rng.choice(['2sfca', 'gravity', '3sfca', 'ratio'])
        decay = ", decay => 'gaussian', decay_param => 2" if method in ('gravity', '3sfca') else ''
        q = ('SELECT count(*), max(score) FROM medres.accessibility('
             "'SELECT i AS id, ST_MakePoint(i %% 50 * %s, i / 50 * %s) AS geom, 1.0 AS beds "
             "FROM generate_series(1, 400) i', "
             "'SELECT i AS id, ST_MakePoint((i * 7) %% 300 * %s, (i * 13) %% 300 * %s) AS geom, "
             "10.0 AS population FROM generate_series(1, %d) i', method => %s, catchment => %s%s)"
             % (sc, sc, sc, sc, rng.choice([2000, 20000]), lit(method),
                rng.choice(['5', '50', '1e300', '5e-324']), decay))
    elif c == 'knn':
        q = ("SELECT count(*), sum(w) FROM medres.spatial_weights('SELECT i AS id, "
             "ST_MakePoint(i %% 70, i / 70 * %s) AS geom FROM generate_series(1, %d) i', %s)"
             % (rng.choice(['1', '1e300', '1e-300']), rng.choice([2000, 5000]),
                rng.choice(["'knn', k => 8", "'knn', k => 2147483647", "'distance', distance => 3",
                            "'distance', distance => 1e308"])))
    elif c == 'perm':
        fn = rng.choice(['moran', 'lisa'])
        q = ("SELECT count(*) FROM medres.%s('SELECT id, value FROM cell', 'SELECT * FROM cell_w', "
             'permutations => %s)' % (fn, rng.choice(['2147483647', '100000000', '99999'])))
    elif c == 'hoover_win':
        q = ('SELECT max(h) FROM (SELECT medres.hoover(x, w) OVER (ORDER BY id ROWS BETWEEN 50 '
             'PRECEDING AND CURRENT ROW) AS h FROM %s) s' % data)
    else:
        q = ('SELECT max(h) FROM (SELECT medres.gini(x) OVER (ORDER BY id ROWS BETWEEN 100 '
             'PRECEDING AND CURRENT ROW) AS h FROM %s) s' % data)
    return settings, q


def g_parallel(rng):
    """Aggregates over the fixture table with a forced parallel plan (combine, serialize)."""
    settings = [('parallel_setup_cost', '0'), ('parallel_tuple_cost', '0'),
                ('min_parallel_table_scan_size', '0'), ('max_parallel_workers_per_gather', '2'),
                ('medres.threads', rng.choice(['1', '2']))]
    table = rng.choice(['fz_t', 'fz_t', 'fz_bad'])
    if rng.random() < 0.5:
        table = '%s WHERE id %% 8 = 0' % table   # 2500 rows, still a parallel scan
    call = rng.choice(['medres.gini(x)', 'medres.gini(x, w, \'weights\')',
                       'medres.concentration_index(x, y, w)', 'medres.lorenz(x)',
                       'medres.theil_t(x, w)', 'medres.ge(x, 2)', 'medres.atkinson(x, 0.5)',
                       'medres.cv(x, w)', 'medres.hoover(x)', 'medres.gini_totals(x, w)',
                       'medres.ge_decomposition(x, w, g::text, 1)',
                       'medres.hclust_tree(arr, id::text)', 'medres.silhouette(arr, g)',
                       "medres.concentration_index(x, y, w, 'erreygers', -1e300, 1e300)"])
    if 'hclust' in call or 'silhouette' in call:
        table = table.split(' WHERE')[0] + ' WHERE id % 16 = 0'
    if rng.random() < 0.5:
        return settings, 'SELECT g, %s FROM %s GROUP BY g' % (call, table)
    return settings, 'SELECT %s FROM %s' % (call, table)

# --- medres_postgis ------------------------------------------------------------------------


def isql(s):
    return lit(s)


SUPPLY_OK = ['SELECT id, geom, beds FROM facility', 'SELECT id, geom, beds, doctors FROM facility',
             'SELECT id, geom, beds FROM gfacility']
SUPPLY_BAD = [
    'SELECT id, geom, beds FROM facility WHERE false',
    'SELECT id, geom, beds FROM facility LIMIT 1',
    "SELECT id, geom, 'NaN'::float8 AS beds FROM facility",
    "SELECT id, geom, 'Infinity'::float8 AS beds FROM facility",
    'SELECT id, geom, 1e308::float8 AS beds FROM facility',
    'SELECT id, geom, 5e-324::float8 AS beds FROM facility',
    'SELECT id, geom, -beds AS beds FROM facility',
    "SELECT 1 AS id, ST_MakePoint('Infinity', 0) AS geom, 1.0 AS beds",
    "SELECT 1 AS id, ST_MakePoint('NaN', 'NaN') AS geom, 1.0 AS beds",
    'SELECT 1 AS id, ST_MakePoint(1e308, -1e308) AS geom, 1.0 AS beds',
    'SELECT 1 AS id, ST_SetSRID(ST_MakePoint(1e308, 95), 4326) AS geom, 1.0 AS beds',
    'SELECT 1 AS id, ST_SetSRID(ST_MakePoint(0, 90), 4326) AS geom, 1.0 AS beds UNION ALL '
    'SELECT 2, ST_SetSRID(ST_MakePoint(180, -90), 4326), 2.0',
    'SELECT 1 AS id, geom, beds FROM facility',
    'SELECT NULL::int AS id, geom, beds FROM facility',
    'SELECT id, NULL::geometry AS geom, beds FROM facility',
    'SELECT id, geom, beds::text AS beds FROM facility',
    'SELECT id, geom FROM facility',
    'SELECT id::text AS id, geom, beds FROM facility',
    'SELECT id::float8 AS id, geom, beds FROM facility',
    'SELECT 9223372036854775807 AS id, ST_MakePoint(0,0) AS geom, 1.0 AS beds',
    'SELECT id, ST_Buffer(geom, 1) AS geom, beds FROM facility',
    "SELECT id, 'POINT EMPTY'::geometry AS geom, beds FROM facility",
    'SELECT id, ST_MakePoint(0, 0, 0) AS geom, beds FROM facility',
    "SELECT id, 'MULTIPOINT(0 0, 1 1)'::geometry AS geom, beds FROM facility",
    'SELECT id, ST_SetSRID(geom, 3857) AS geom, beds FROM facility',
    'SELECT id, geom, beds, beds AS beds FROM facility',
    'SELECT id, geom, NULL::float8 AS beds FROM facility',
    'VALUES (1, 2)', 'SHOW work_mem', "SET work_mem = '4MB'", '', ';', 'SELECT 1; SELECT 2',
    'BEGIN', 'COMMIT', 'ROLLBACK', 'SELECT 1/0', 'SELECT * FROM no_such_table', 'SELECT $1',
    'EXPLAIN SELECT 1', 'DO $x$ BEGIN END $x$', 'TABLE facility',
    'INSERT INTO fz_sink VALUES (1) RETURNING v AS id, NULL::geometry AS geom, 1.0 AS beds',
    'SELECT pg_sleep(0.2)::text AS id', 'SELECT * FROM facility FOR UPDATE',
    'WITH s AS (SELECT * FROM facility) SELECT id, geom, beds FROM s',
    None,
]
DEMAND_OK = ['SELECT id, geom, population FROM village', 'SELECT id, geom, population FROM gvillage']
DEMAND_BAD = [
    'SELECT id, geom, population FROM village WHERE false',
    'SELECT id, geom, population FROM village LIMIT 1',
    "SELECT id, geom, 'NaN'::float8 AS population FROM village",
    "SELECT id, geom, 'Infinity'::float8 AS population FROM village",
    'SELECT id, geom, 1e308::float8 AS population FROM village',
    'SELECT id, geom, 5e-324::float8 AS population FROM village',
    'SELECT id, geom, 0::float8 AS population FROM village',
    'SELECT id, geom, -population AS population FROM village',
    'SELECT id, geom, population, 1 AS x FROM village',
    "SELECT id, ST_MakePoint('Infinity', 1) AS geom, population FROM village",
    'SELECT id, ST_MakePoint(id * 1e300, 0) AS geom, population FROM village',
    'SELECT id % 3 AS id, geom, population FROM village',
    'SELECT 1/0', '', 'SHOW work_mem', None, 'SELECT * FROM no_such_table',
    'SELECT id, population FROM village',
]
COST_OK = ['SELECT demand_id, supply_id, cost FROM travel']
COST_BAD = ["SELECT demand_id, supply_id, 'NaN'::float8 AS cost FROM travel",
            "SELECT demand_id, supply_id, 'Infinity'::float8 AS cost FROM travel",
            'SELECT demand_id, supply_id, -cost AS cost FROM travel',
            'SELECT demand_id, supply_id, 1e308::float8 AS cost FROM travel',
            'SELECT demand_id, supply_id, 0::float8 AS cost FROM travel',
            'SELECT demand_id + 100 AS demand_id, supply_id, cost FROM travel',
            'SELECT demand_id, supply_id, cost FROM travel UNION ALL SELECT demand_id, supply_id, cost FROM travel',
            'SELECT demand_id, supply_id, NULL::float8 AS cost FROM travel',
            'SELECT demand_id, supply_id FROM travel',
            'SELECT demand_id, supply_id, cost::text AS cost FROM travel',
            'SELECT demand_id, supply_id, cost FROM travel WHERE false', 'SELECT 1/0', '']


def g_accessibility(rng):
    use_cost = rng.random() < 0.25
    supply = pick(rng, SUPPLY_OK, SUPPLY_BAD, 0.4)
    demand = pick(rng, DEMAND_OK, DEMAND_BAD, 0.3)
    if use_cost and supply and demand:
        supply = supply.replace('geom, ', '', 1)
        demand = demand.replace('geom, ', '', 1)
    args = [isql(supply), isql(demand)]
    method = pick(rng, ['2sfca', '2sfca', 'e2sfca', 'gravity', '3sfca', 'ratio'],
                  ['', 'bogus', None, '2SFCA', ' 2sfca'], 0.15)
    args.append('method => %s' % lit(method))
    if rng.random() < 0.8:
        args.append('catchment => %s' % num_arg(rng, ['5', '10', '3', '100', '1000000'], 0.3))
    if method in ('gravity', '3sfca') or rng.random() < 0.2:
        args.append('decay => %s' % lit(pick(rng, ['gaussian', 'power', 'exponential', 'none'],
                                             ['bogus', None, ''], 0.15)))
        args.append('decay_param => %s' % num_arg(rng, ['1', '2', '0.5', '5'], 0.35))
    if method == 'e2sfca' or rng.random() < 0.1:
        args.append('bands => %s' % pick(rng, ["'{2,5}'::float8[]", "'{1,3,5}'::float8[]"],
                                         ["'{5,2}'::float8[]", "'{}'::float8[]",
                                          "'{NaN}'::float8[]", "'{0}'::float8[]",
                                          "'{-1,5}'::float8[]", "'{{1,2},{3,4}}'::float8[]",
                                          "'{1,NULL}'::float8[]", "'{1e308,Infinity}'::float8[]",
                                          "'{5e-324,1e-310}'::float8[]", 'NULL::float8[]'], 0.35))
        if rng.random() < 0.5:
            args.append('band_weights => %s' % pick(
                rng, ["'{1,0.5}'::float8[]", "'{1,0.68,0.22}'::float8[]"],
                ["'{}'::float8[]", "'{NaN,1}'::float8[]", "'{-1,1}'::float8[]",
                 "'{1,2,3,4}'::float8[]", "'{0,0}'::float8[]", "'{1e308,1e308}'::float8[]"], 0.4))
    if use_cost:
        args.append('cost_sql => %s' % isql(pick(rng, COST_OK, COST_BAD, 0.4)))
    if rng.random() < 0.3:
        args.append('normalized => %s' % rng.choice(['true', 'false', 'NULL']))
    return [], 'SELECT * FROM medres.accessibility(%s)' % ', '.join(args)


UNITS_OK = ['SELECT id, geom FROM cell', 'SELECT id, geom FROM village',
            'SELECT id, geom FROM gcell']
UNITS_BAD = ['SELECT id, geom FROM cell WHERE false', 'SELECT id, geom FROM cell LIMIT 1',
             'SELECT id, geom FROM cell LIMIT 2',
             "SELECT 1 AS id, ST_MakeEnvelope('NaN', 0, 1, 1) AS geom",
             "SELECT id, ST_MakeEnvelope(0, 0, 'Infinity', 1) AS geom FROM cell",
             'SELECT id, ST_Scale(geom, 1e300, 1e300) AS geom FROM cell',
             'SELECT id, ST_Scale(geom, 1e-300, 1e-300) AS geom FROM cell',
             "SELECT id, 'POLYGON EMPTY'::geometry AS geom FROM cell",
             "SELECT id, 'POLYGON((0 0, 1 1, 0 1, 1 0, 0 0))'::geometry AS geom FROM cell",
             "SELECT id, 'POLYGON((0 0, 0 0, 0 0, 0 0))'::geometry AS geom FROM cell",
             'SELECT id, ST_Multi(geom) AS geom FROM cell',
             'SELECT id, ST_Boundary(geom) AS geom FROM cell',
             "SELECT id, 'GEOMETRYCOLLECTION EMPTY'::geometry AS geom FROM cell",
             'SELECT id, ST_MakeEnvelope(0, 0, 1, 1) AS geom FROM cell',
             'SELECT id % 5 AS id, geom FROM cell', 'SELECT NULL::int AS id, geom FROM cell',
             'SELECT id, NULL::geometry AS geom FROM cell', 'SELECT id FROM cell',
             'SELECT id, geom::text AS geom FROM cell',
             'SELECT id, ST_SetSRID(geom, 4326) AS geom FROM cell',
             "SELECT id, ST_SetSRID(ST_MakeEnvelope(170 + id, 85, 190 + id, 100), 4326) AS geom FROM cell",
             'SELECT id, ST_Centroid(geom) AS geom FROM cell',
             'SELECT id, ST_Segmentize(geom, 0.001) AS geom FROM cell',
             'SELECT 1/0', '', 'SHOW work_mem', 'COMMIT', None, 'SELECT * FROM no_such_table']


def g_spatial_weights(rng):
    units = pick(rng, UNITS_OK, UNITS_BAD, 0.4)
    args = [isql(units)]
    method = pick(rng, ['queen', 'rook', 'knn', 'distance'], ['bogus', None, '', 'QUEEN'], 0.15)
    args.append('method => %s' % lit(method))
    if method == 'knn' or rng.random() < 0.15:
        args.append('k => %s' % i4(pick(rng, ['1', '4', '3', '24'],
                                        ['0', '-1', '2147483647', None, '25', '100000'], 0.35)))
    if method == 'distance' or rng.random() < 0.15:
        args.append('distance => %s' % num_arg(rng, ['1.5', '1', '3', '1000000'], 0.35))
    if rng.random() < 0.3:
        args.append('snap => %s' % num_arg(rng, ['0', '0.1', '1e-9'], 0.4))
    if rng.random() < 0.3:
        args.append('inverse => %s' % num_arg(rng, ['1', '2', '0.5'], 0.4))
    if rng.random() < 0.3:
        args.append('row_standardize => %s' % rng.choice(['true', 'false', 'NULL']))
    return [], 'SELECT * FROM medres.spatial_weights(%s)' % ', '.join(args)


VALUES_OK = ['SELECT id, value FROM cell', 'SELECT id, value FROM cell']
VALUES_BAD = ["SELECT id, 'NaN'::float8 AS value FROM cell",
              "SELECT id, CASE WHEN id = 3 THEN 'Infinity'::float8 ELSE value END AS value FROM cell",
              'SELECT id, value * 1e300 AS value FROM cell', 'SELECT id, value * 1e-300 AS value FROM cell',
              'SELECT id, 1e308::float8 AS value FROM cell',
              'SELECT id, CASE WHEN id = 3 THEN 1e308 ELSE -1e308 END::float8 AS value FROM cell',
              'SELECT id, 1.0::float8 AS value FROM cell', 'SELECT id, value FROM cell WHERE false',
              'SELECT id, value FROM cell LIMIT 1', 'SELECT id, value FROM cell WHERE id < 2',
              'SELECT id, value FROM cell WHERE id > 0', 'SELECT id, NULL::float8 AS value FROM cell',
              'SELECT id, value::text AS value FROM cell', 'SELECT id, value AS v FROM cell',
              'SELECT id % 3 AS id, value FROM cell', 'SELECT id, value, value AS x FROM cell',
              'SELECT 1/0', '', None, 'SHOW work_mem', 'SELECT id FROM cell']
WEIGHTS_OK = ['SELECT * FROM cell_w', 'SELECT i, j, w FROM cell_w', 'SELECT i, j, 1 AS w FROM cell_w',
              "SELECT * FROM medres.spatial_weights('SELECT id, geom FROM cell', 'queen')"]
WEIGHTS_BAD = ['SELECT i, j, -w AS w FROM cell_w', "SELECT i, j, 'NaN'::float8 AS w FROM cell_w",
               "SELECT i, j, 'Infinity'::float8 AS w FROM cell_w", 'SELECT i, j, 1e308::float8 AS w FROM cell_w',
               'SELECT i, j, 5e-324::float8 AS w FROM cell_w', 'SELECT i, j, 0::float8 AS w FROM cell_w',
               'SELECT i, i AS j, w FROM cell_w', 'SELECT i + 100 AS i, j, w FROM cell_w',
               'SELECT * FROM cell_w WHERE false', 'SELECT * FROM cell_w UNION ALL SELECT * FROM cell_w',
               'SELECT i, j FROM cell_w', 'SELECT i, j, NULL::float8 AS w FROM cell_w',
               'SELECT * FROM cell_w WHERE i <> 12 AND j <> 12', 'SELECT i, j, w::text AS w FROM cell_w',
               'SELECT j AS i, i AS j, w * 1e300 AS w FROM cell_w', 'SELECT 1/0', '', None, 'BEGIN']


def g_autocorr(rng):
    fn = choose_fn(rng, ['moran', 'lisa', 'getis_ord'])
    args = [isql(pick(rng, VALUES_OK, VALUES_BAD, 0.4)), isql(pick(rng, WEIGHTS_OK, WEIGHTS_BAD, 0.35))]
    if fn in ('moran', 'lisa'):
        perms = pick(rng, ['99', '999', '0', '9'], ['-1', None, '2147483647', '1', '100000000'], 0.25)
        args.append('permutations => %s' % i4(perms))
        if rng.random() < 0.5:
            args.append('seed => %s' % i8(rng.choice(BIGINTS)))
        if fn == 'lisa' and rng.random() < 0.4:
            args.append('significance => %s' % num_arg(rng, ['0.05', '0.01', '0.1'], 0.5))
    else:
        if rng.random() < 0.5:
            args.append('star => %s' % rng.choice(['true', 'false', 'NULL']))
    if fn == 'moran':
        return [], 'SELECT m.* FROM medres.moran(%s) AS m' % ', '.join(args)
    return [], 'SELECT * FROM medres.%s(%s)' % (fn, ', '.join(args))


GEOMS = ["ST_GeomFromText('POLYGON((116 40, 117 40, 117 41, 116 41, 116 40))', 4326)",
         "ST_MakeEnvelope(0, 0, 1, 1, 4326)", "ST_MakeEnvelope(0, 0, 1, 1)",
         "ST_SetSRID(ST_MakePoint(116, 40), 4326)", 'NULL::geometry', "'POLYGON EMPTY'::geometry",
         "ST_MakeEnvelope(-180, -90, 180, 90, 4326)", "ST_MakeEnvelope(0, 0, 1e300, 1e300, 4326)",
         "ST_MakeEnvelope(0, 0, 'NaN', 1, 4326)", "ST_MakeEnvelope(170, 80, 200, 100, 4326)",
         "ST_MakeEnvelope(0, 0, 1e-300, 1e-300, 4326)", "ST_MakeEnvelope(0, 0, 1, 1, 3857)"]


def g_geom(rng):
    geom = rng.choice(GEOMS)
    if choose_fn(rng, ['area', 'hrdi']) == 'area':
        return [], 'SELECT medres.area_km2(%s)' % geom
    return [], 'SELECT medres.hrdi(%s, %s, %s)' % (num(rng, 0.4), num(rng, 0.4), geom)


# --- pictures, class breaks, flat forms, Dagum, the ge_decomposition state (0.2.0) ---------

JSON_OK = ["'{}'", '\'{"title": "t"}\'', '\'{"width": 300, "height": 200}\'',
           '\'{"palette": "viridis"}\'', '\'{"palette": "Blues"}\'', '\'{"title": "省 <&> \\"x\\""}\'']
JSON_BAD = ['NULL', "'null'", "'[]'", '\'"x"\'', "'1'", '\'{"palette": "bogus"}\'',
            '\'{"width": -1}\'', '\'{"width": 1e308}\'', '\'{"height": 0}\'', '\'{"unknown": 1}\'',
            '\'{"width": "wide"}\'', '\'{"title": null}\'', '\'{"width": 5e-324}\'',
            '\'{"title": "%s"}\'' % ('T' * 3000), '\'{"palette": ""}\'', '\'{"width": 1e9}\'']
TREE_JSON = ['\'{"k": 2}\'', '\'{"k": 3}\'', '\'{"cut_height": 0.5}\'', '\'{"k": 0}\'', '\'{"k": -1}\'',
             '\'{"k": 2147483648}\'', '\'{"cut_height": -1}\'', '\'{"cut_height": 1e308}\'',
             '\'{"k": 2, "cut_height": 1}\'', '\'{"k": 1.5}\'']
MAP_JSON = ['\'{"method": "jenks", "classes": 3}\'', '\'{"method": "quantile", "classes": 4}\'',
            '\'{"method": "equal"}\'', '\'{"method": "breaks", "breaks": [0, 1, 10]}\'',
            '\'{"method": "breaks", "breaks": [10, 1]}\'', '\'{"method": "bogus"}\'',
            '\'{"classes": 0}\'', '\'{"classes": 1000000}\'', '\'{"simplify": -1}\'',
            '\'{"simplify": 1e308}\'', '\'{"method": "breaks", "breaks": ["NaN"]}\'']
BREAK_METHODS = ['quantile', 'equal', 'jenks']


def jsonb(rng, extra=(), p=0.3):
    return '%s::jsonb' % pick(rng, JSON_OK + list(extra), JSON_BAD, p)


def g_pictures(rng):
    fn = choose_fn(rng, ['lorenz_svg', 'concentration_svg', 'heatmap_svg', 'hclust_svg'])
    if fn == 'hclust_svg':
        data, n, m = dataset(rng)
        args = ['arr', rng.choice(['lbl', 'id::text']), opt_arg(rng, LINKAGES, 0.1),
                opt_arg(rng, METRICS, 0.1), opt_arg(rng, STANDARDIZE, 0.1), jsonb(rng, TREE_JSON)]
        return [], 'SELECT %s FROM %s' % ('medres.hclust_svg(%s)' % ', '.join(args), data)
    data, n, _ = dataset(rng, feats=False)
    series = rng.choice(['g::text', 'lbl', "'one'", 'NULL::text', 'id::text'])
    if fn == 'lorenz_svg':
        args = ['x', weight_arg(rng)]
        extra = [series, jsonb(rng)]
    elif fn == 'concentration_svg':
        args = [rng.choice(['x', 'a', 'y']), rng.choice(['y', 'id::float8', 'w'])]
        extra = [weight_arg(rng), series, jsonb(rng)]
    else:
        args = [rng.choice(['g::text', 'lbl', 'NULL::text']),
                rng.choice(['(id % 3)::text', 'lbl', "'c'"]), rng.choice(['x', 'y', 'a'])]
        extra = [jsonb(rng)]
    args += extra[:rng.randrange(len(extra) + 1)]
    call = 'medres.%s(%s)' % (fn, ', '.join(args))
    return [], agg_query(rng, call, data, allow_window=rng.random() < 0.3)


def g_breaks(rng):
    data, n, _ = dataset(rng, feats=False)
    k = rng.choice(['2', '3', '5', 'k', i4(rng.choice(INTS))])
    call = 'medres.class_breaks(%s, %s, %s)' % (rng.choice(['x', 'y', 'a']), k,
                                                 opt_arg(rng, BREAK_METHODS, 0.25))
    return [], agg_query(rng, call, data)


HCLUST_MERGES = ["'{}'::medres.hclust_merge[]", "'{\"(1,0,1,0.5,2)\"}'::medres.hclust_merge[]",
                 "'{\"(1,0,0,0.5,2)\"}'::medres.hclust_merge[]", "'{\"(1,0,1,NaN,2)\"}'::medres.hclust_merge[]",
                 "'{\"(1,0,1,Infinity,2)\"}'::medres.hclust_merge[]", "'{\"(2,0,1,1,2)\"}'::medres.hclust_merge[]",
                 "'{\"(1,-1,1,1,2)\"}'::medres.hclust_merge[]", "'{\"(1,0,5,1,2)\"}'::medres.hclust_merge[]",
                 "'{\"(1,0,1,1,1)\"}'::medres.hclust_merge[]", "'{NULL}'::medres.hclust_merge[]",
                 "'{\"(1,0,1,1,2)\",\"(2,2,3,1e308,3)\"}'::medres.hclust_merge[]",
                 "'{\"(,,,,)\"}'::medres.hclust_merge[]"]
LABELS = ["'{a,b}'::text[]", "'{a,b,c}'::text[]", "'{}'::text[]", "'{NULL,b}'::text[]", "'{a,a}'::text[]",
          'NULL::text[]', "'{{a,b}}'::text[]"]


def g_flat(rng):
    fn = choose_fn(rng, ['lorenz_points', 'decomposition_groups', 'rsr_fit_cuts', 'hclust_steps',
                         'hclust_steps'])
    data, n, m = dataset(rng)
    if fn == 'lorenz_points':
        return [], 'SELECT f.* FROM (SELECT medres.lorenz(x, %s) AS l FROM %s) s, ' \
                   'medres.lorenz_points(s.l) f' % (weight_arg(rng), data)
    if fn == 'decomposition_groups':
        alpha = num_arg(rng, ['0', '1', '2', '-1', '0.5'])
        return [], 'SELECT f.* FROM (SELECT medres.ge_decomposition(x, %s, g::text, %s) AS d FROM %s) s, ' \
                   'medres.decomposition_groups(s.d) f' % (weight_arg(rng), alpha, data)
    if fn == 'rsr_fit_cuts':
        return [], 'SELECT f.* FROM (SELECT medres.rsr_fit(x, %s) AS r FROM %s) s, ' \
                   'medres.rsr_fit_cuts(s.r) f' % (rng.choice(['3', '2', '4', i4(rng.choice(INTS))]), data)
    if rng.random() < 0.5:
        return [], 'SELECT * FROM medres.hclust_steps(%s, %s)' % (rng.choice(HCLUST_MERGES),
                                                                  rng.choice(LABELS))
    lab = rng.choice(['array_agg(lbl)', 'array_agg(lbl ORDER BY id DESC)', "array_agg('x'::text)",
                      'array_agg(lbl) || ARRAY[\'extra\']', 'NULL::text[]'])
    return [], 'SELECT f.* FROM (SELECT medres.hclust_tree(arr, lbl) AS t, %s AS l FROM %s) s, ' \
               'medres.hclust_steps(s.t, s.l) f' % (lab, data)


def g_dagum(rng):
    fn = choose_fn(rng, ['plain', 'groups', 'pairs', 'unweighted', 'ci', 'test'])
    data, n, _ = dataset(rng, feats=False)
    grp = rng.choice(['g::text', 'g::text', 'lbl', "'one'", 'NULL::text', 'id::text'])
    if fn in ('ci', 'test'):
        # the intervals and the permutation test of the decomposition (also in g_intervals)
        if fn == 'ci':
            call = 'medres.dagum_decomposition_ci(x, %s, %s, %s)' % (
                weight_arg(rng), grp, ', '.join([opt_arg(rng, DAGUM_COMPONENTS, 0.2)] + ci_tail(rng)))
        else:
            call = 'medres.dagum_between_test(x, %s, %s%s)' % (weight_arg(rng), grp, perm_tail(rng))
        return [], agg_query(rng, call, data)
    if fn == 'unweighted':
        call = 'medres.dagum_decomposition(x, %s)' % grp
    else:
        call = 'medres.dagum_decomposition(x, %s, %s)' % (weight_arg(rng), grp)
    if fn in ('groups', 'pairs'):
        return [], 'SELECT f.* FROM (SELECT %s AS d FROM %s) s, medres.dagum_%s(s.d) f' % (call, data, fn)
    if rng.random() < 0.4:
        return [], 'SELECT (%s).* FROM %s' % (call, data)
    return [], agg_query(rng, call, data)


DEC_STATES = ['ge_decomposition/1 alpha=1 rows=2 K=1 K2=1 KW=2 groups=2 "a" 1 1 0 1 0 0 0 0 0 "b" 1 0.5 0 1.5 0 1.6479184330021646 0 0 0',
              'ge_decomposition/1 alpha=2 rows=0 K=1 K2=1 KW=0 groups=0', '', 'garbage',
              'ge_decomposition/1 alpha=NaN rows=1 K=1 K2=1 KW=1 groups=1 "a" 1 1 0 1 0 0 0 0 0',
              'ge_decomposition/1 alpha=1 rows=1 K=1 K2=1 KW=1 groups=1 "a" 1 1e308 0 1e308 0 1e308 0 0 0',
              'ge_decomposition/1 alpha=1 rows=-1 K=1 K2=1 KW=1 groups=1 "a" 1 1 0 1 0 0 0 0 0',
              'ge_decomposition/1 alpha=1 rows=2 K=1 K2=1 KW=2 groups=2 "a" 1 1 0 1 0 0 0 0 0 "a" 1 1 0 1 0 0 0 0 0',
              'ge_decomposition/1 alpha=1 rows=1 K=1 K2=1 KW=1 groups=5 "a" 1 1 0 1 0 0 0 0 0',
              'ge_decomposition/1 alpha=1e300 rows=1 K=1 K2=1 KW=1 groups=1 "a" 1 Infinity 0 1 0 0 0 0 0',
              'ge_decomposition/9 alpha=1 rows=1 K=1 K2=1 KW=1 groups=1 "a" 1 1 0 1 0 0 0 0 0',
              'ge_decomposition/1 alpha=1 rows=1 K=-2000 K2=5000 KW=1 groups=1 "a" 1 1 0 1 0 0 0 0 0']


def dec_state(rng):
    s = rng.choice(DEC_STATES)
    if s and rng.random() < 0.3:
        toks = s.split(' ')
        i = rng.randrange(len(toks))
        toks[i] = rng.choice(['NaN', '-1', '1e308', '"z"', '', '0', '2147483648', '5e-324', 'x=1'])
        s = ' '.join(toks)
    return lit(s) + '::medres.ge_decomposition_state'


def g_dec_state(rng):
    shape = choose_fn(rng, ['final', 'combine', 'trans', 'text'])
    if shape == 'text':
        if rng.random() < 0.5:
            # the type's input and output functions called by name (the cast calls them too)
            st = dec_state(rng).replace('::medres.ge_decomposition_state', '::cstring')
            return [], 'SELECT medres.ge_decomposition_state_out(medres.ge_decomposition_state_in(%s))' % st
        return [], 'SELECT %s::text' % dec_state(rng)
    if shape == 'trans':
        st = 'medres._dec_trans(%s, %s, %s, %s, %s)' % (dec_state(rng), num(rng, 0.4), num(rng, 0.4),
                                                       lit(rng.choice(['a', 'b', 'c', None])),
                                                       num_arg(rng, ['1', '0', '2', '-1']))
        return [], 'SELECT (medres._dec_final(%s)).*' % st
    if shape == 'combine':
        return [], 'SELECT (medres._dec_final(medres._dec_combine(%s, %s))).*' % (dec_state(rng), dec_state(rng))
    return [], 'SELECT (medres._dec_final(%s)).*' % dec_state(rng)


def g_choropleth(rng):
    fn = choose_fn(rng, ['value', 'class', 'value'])
    tab = rng.choice(['gcell', 'gcell', 'cell'])
    # (ST_Transform of the SRID-0 cells is PostGIS's own XX000, not medres's)
    geom = rng.choice(['geom', 'geom', 'geom', 'ST_Transform(geom, 3857)' if tab == 'gcell' else 'geom',
                       'NULL::geometry',
                       'ST_Centroid(geom)', "'POLYGON EMPTY'::geometry", 'ST_Boundary(geom)',
                       "ST_SetSRID(geom, 0)", 'ST_Scale(geom, 1e300, 1e300)'])
    if fn == 'value':
        v = rng.choice(['value', 'value', 'id::float8', 'NULL::float8', "'NaN'::float8",
                        '(value * 1e308)', '(value - 5)', '0::float8'])
    else:
        v = rng.choice(["CASE WHEN value > 5 THEN 'HH' ELSE 'LL' END", 'id::text', "'x'", 'NULL::text',
                        "(ARRAY['HH','LL','HL','LH','not significant'])[1 + id % 5]", "repeat('é', 500)"])
    args = [geom, v]
    if rng.random() < 0.7:
        args.append(jsonb(rng, MAP_JSON))
    if tab == 'gcell':
        src = '(SELECT c.id, g.geom, c.value FROM cell c JOIN gcell g USING (id)) t'
    else:
        src = 'cell t'
    if rng.random() < 0.2:
        src = '(SELECT * FROM %s WHERE id < %d) t0' % (src, rng.choice([0, 1, 2, 5]))
    return [], 'SELECT medres.choropleth_svg(%s) FROM %s' % (', '.join(args), src)


MEASURES = ['gini', 'theil_t', 'theil_l', 'ge(2)', 'ge(-1)', 'ge(0.5)', 'atkinson(0.5)', 'atkinson(1)',
            'atkinson(2)', 'cv', 'hoover']
MEASURES_BAD = ['', 'bogus', 'ge()', 'ge(NaN)', 'ge(1e300)', 'atkinson(-1)', 'atkinson(x)', 'gini(1)',
                'ge(2', None, 'GINI', 'ge(1e-320)', 'atkinson(Infinity)']
CI_METHODS = ['analytic', 'bootstrap-percentile', 'bootstrap-normal']
COMPONENTS = ['total', 'between', 'within', 'between_share', 'within_share']
DAGUM_COMPONENTS = ['total', 'within', 'net_between', 'transvariation', 'within_share',
                    'net_between_share', 'transvariation_share']


def perm_tail(rng):
    """The optional (permutations, seed) arguments of the permutation tests."""
    if rng.random() < 0.6:
        return ', %s, %s' % (i4(pick(rng, ['9', '49', '99'], ['1', '0', '-1', None, '100001'], 0.3)),
                             i8(rng.choice(BIGINTS)))
    return ''


def ci_tail(rng, method_first=True):
    """The optional (method, level, replicates, seed) arguments, cut at a random point."""
    tail = [opt_arg(rng, CI_METHODS, 0.2),
            num_arg(rng, ['0.95', '0.9', '0.99', '0.5'], 0.3),
            i4(pick(rng, ['2', '9', '20', '50'], ['1', '0', '-1', None, '100001', '2147483647'], 0.25)),
            i8(rng.choice(BIGINTS))]
    cut = rng.choice([0, 1, 2, 4, 4])
    return tail[:cut]


def g_intervals(rng):
    fn = choose_fn(rng, ['inequality_ci', 'concentration_index_ci', 'ge_decomposition_ci',
                         'ge_between_test', 'inequality_ci', 'dagum_decomposition_ci', 'dagum_between_test'])
    data, n, _ = dataset(rng, feats=False)
    if fn == 'inequality_ci':
        args = [lit(pick(rng, MEASURES, MEASURES_BAD, 0.2)), 'x', weight_arg(rng)] + ci_tail(rng)
    elif fn == 'concentration_index_ci':
        args = [rng.choice(['x', 'a', 'y']), rng.choice(['y', 'id::float8', 'w']), weight_arg(rng)]
        if rng.random() < 0.3:
            args += [opt_arg(rng, ['standard', 'wagstaff', 'erreygers'], 0.2),
                     num_arg(rng, ['0', '-1'], 0.3), num_arg(rng, ['1', '100'], 0.3),
                     opt_arg(rng, CI_METHODS, 0.2), num_arg(rng, ['0.95', '0.9'], 0.3),
                     i4(rng.choice(['5', '20', '0', None])), i8(rng.choice(BIGINTS))]
        else:
            args += ci_tail(rng)
    elif fn == 'dagum_decomposition_ci':
        args = ['x', weight_arg(rng), rng.choice(['g::text', 'lbl', "'one'", 'NULL::text', 'id::text']),
                opt_arg(rng, DAGUM_COMPONENTS, 0.2)] + ci_tail(rng)
    elif fn == 'dagum_between_test':
        args = ['x', weight_arg(rng), rng.choice(['g::text', 'lbl', "'one'", 'id::text'])]
        if rng.random() < 0.6:
            args += [i4(pick(rng, ['9', '49', '99'], ['1', '0', '-1', None, '100001'], 0.3)),
                     i8(rng.choice(BIGINTS))]
    elif fn == 'ge_decomposition_ci':
        args = ['x', weight_arg(rng), rng.choice(['g::text', 'lbl', "'one'", 'NULL::text']),
                num_arg(rng, ['0', '1', '2', '-1', '0.5']), opt_arg(rng, COMPONENTS, 0.2)] + ci_tail(rng)
    else:
        args = ['x', weight_arg(rng), rng.choice(['g::text', 'lbl', "'one'", 'id::text']),
                num_arg(rng, ['0', '1', '2', '-1'])]
        if rng.random() < 0.6:
            args += [i4(pick(rng, ['9', '49', '99'], ['1', '0', '-1', None, '100001'], 0.3)),
                     i8(rng.choice(BIGINTS))]
    call = 'medres.%s(%s)' % (fn, ', '.join(args))
    if rng.random() < 0.4:
        return [], 'SELECT (%s).* FROM %s' % (call, data)
    return [], agg_query(rng, call, data)


CORE = [g_streaming, g_rank, g_decomposition, g_rsr_agg, g_entropy, g_rsr_window, g_density,
        g_hclust, g_kmeans, g_tree, g_support, g_parallel,
        g_pictures, g_breaks, g_flat, g_dagum, g_dec_state, g_intervals]
SPATIAL = [g_accessibility, g_spatial_weights, g_autocorr, g_geom, g_choropleth]
# weights for indices past the first round-robin pass
WEIGHTS = {g_streaming: 6, g_rank: 8, g_decomposition: 3, g_rsr_agg: 3, g_entropy: 3,
           g_rsr_window: 7, g_density: 3, g_hclust: 6, g_kmeans: 5, g_tree: 6, g_support: 5,
           g_parallel: 2, g_large: 1, g_accessibility: 5, g_spatial_weights: 4, g_autocorr: 5,
           g_geom: 1, g_pictures: 4, g_breaks: 2, g_flat: 3, g_dagum: 4, g_dec_state: 2, g_intervals: 4,
           g_choropleth: 2}


FIRST_ROUNDS = 8
ROUND = None
SPATIAL_ON = True


def choose_fn(rng, options):
    """Which function (or variant) a generator calls: in the first FIRST_ROUNDS rounds each
    generator takes its options in turn, so that a short run calls every function."""
    if ROUND is not None:
        return options[ROUND % len(options)]
    return rng.choice(options)


def generate(seed, index, spatial=True):
    """Statement `index` of the run with `seed`: (generator name, settings, sql)."""
    global ROUND, SPATIAL_ON
    SPATIAL_ON = spatial
    gens = CORE + [g_large] + (SPATIAL if spatial else [])
    rng = random.Random('%d:%d' % (seed, index))
    if index < len(gens) * FIRST_ROUNDS:
        gen = gens[index % len(gens)]
        ROUND = index // len(gens)
    else:
        ROUND = None
        gen = rng.choices(gens, weights=[WEIGHTS[g] for g in gens])[0]
    settings, sql = gen(rng)
    return gen.__name__[2:], settings, sql

# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


CORE_SETUP = r"""
SET client_min_messages = warning;
CREATE EXTENSION medres;
CREATE TABLE fz_t AS
  SELECT i AS id, (i % 4)::int AS g, (i % 97 + 1)::float8 AS x, (i % 5 + 1)::float8 AS w,
         (i % 89 - 20)::float8 AS y, ARRAY[(i % 31)::float8, (i % 17)::float8 * 1e3] AS arr
  FROM generate_series(1, 20000) i;
CREATE TABLE fz_bad AS
  SELECT i AS id, (i % 4)::int AS g,
         CASE i % 1000 WHEN 7 THEN 'NaN'::float8 WHEN 8 THEN 'Infinity'::float8 WHEN 9 THEN 1e308
              WHEN 10 THEN NULL WHEN 11 THEN -1 ELSE (i % 97)::float8 * 1e200 END AS x,
         CASE i % 1500 WHEN 3 THEN 0 WHEN 4 THEN 1e308 ELSE 1 END::float8 AS w,
         (i % 89)::float8 * 1e-200 AS y,
         ARRAY[(i % 31)::float8 * 1e200, CASE WHEN i % 999 = 0 THEN 'NaN'::float8 ELSE 1::float8 END] AS arr
  FROM generate_series(1, 20000) i;
ANALYZE fz_t; ANALYZE fz_bad;
CREATE TABLE fz_sink (v int);
"""

SPATIAL_SETUP = r"""
SET client_min_messages = warning;
CREATE EXTENSION medres_postgis;
CREATE TABLE facility AS SELECT * FROM (VALUES
  (1, ST_MakePoint(0, 0), 10::float8, 2::float8), (2, ST_MakePoint(10, 0), 20, 4),
  (3, ST_MakePoint(5, 5), 0, 1)) v(id, geom, beds, doctors);
CREATE TABLE village AS SELECT i AS id, ST_MakePoint(i * 2 % 23, i % 7) AS geom,
  (i * 37 % 500)::float8 AS population FROM generate_series(1, 30) i;
CREATE TABLE travel AS SELECT v.id AS demand_id, f.id AS supply_id,
  ST_Distance(v.geom, f.geom) AS cost FROM village v, facility f;
CREATE TABLE gfacility AS SELECT id, ST_SetSRID(ST_MakePoint(116 + id * 0.1, 40), 4326) AS geom,
  beds FROM facility;
CREATE TABLE gvillage AS SELECT id, ST_SetSRID(ST_MakePoint(116 + id * 0.02, 40 + id * 0.01), 4326)
  AS geom, population FROM village;
CREATE TABLE cell AS SELECT r * 5 + c AS id, ST_MakeEnvelope(c, r, c + 1, r + 1) AS geom,
  ((r * 5 + c) * 7 % 11)::float8 AS value FROM generate_series(0, 4) r, generate_series(0, 4) c;
CREATE TABLE gcell AS SELECT id, ST_SetSRID(ST_Translate(geom, 116, 40), 4326) AS geom FROM cell;
CREATE TABLE cell_w AS SELECT * FROM medres.spatial_weights('SELECT id, geom FROM cell', 'rook');
"""


def psql_cmd(db, *extra):
    return [PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db] + list(extra)


def run_sql(db, sql, check=True):
    p = subprocess.run(psql_cmd(db, '-At'), input=sql, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError('psql failed on %s: %s' % (db, p.stderr.strip()))
    return p


def setup(maint_db):
    """(Re)create the fuzz database; returns True when the spatial functions are usable."""
    run_sql(maint_db, 'DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;' % (DB, DB))
    run_sql(DB, CORE_SETUP)
    p = run_sql(DB, 'SET client_min_messages = warning; CREATE EXTENSION postgis;', check=False)
    if p.returncode != 0:
        print('fuzz: CREATE EXTENSION postgis failed (%s); skipping the spatial functions'
              % p.stderr.strip(), file=sys.stderr)
        return False
    run_sql(DB, SPATIAL_SETUP)
    return True


def has_spatial():
    p = run_sql(DB, "SELECT count(*) FROM pg_extension WHERE extname = 'medres_postgis'",
                check=False)
    return p.returncode == 0 and p.stdout.strip() == '1'


def start_time(maint_db):
    """A marker that changes when the server restarts.  pg_postmaster_start_time() stays the
    same across a crash reinitialisation (a backend killed by a signal), the checkpointer's
    start does not."""
    p = run_sql(maint_db, "SELECT pg_postmaster_start_time() || ' / ' || coalesce((SELECT "
                "min(backend_start)::text FROM pg_stat_activity WHERE backend_type = "
                "'checkpointer'), '')", check=False)
    return p.stdout.strip() if p.returncode == 0 else None


def wait_server(maint_db, limit=90):
    """Wait until the server accepts connections again; returns its start time or None."""
    t0 = time.time()
    while time.time() - t0 < limit:
        st = start_time(maint_db)
        if st:
            return st
        time.sleep(1)
    return None

# ---------------------------------------------------------------------------------------------
# runner
# ---------------------------------------------------------------------------------------------


NAN_RE = r'(^|[^A-Za-z])(NaN|Infinity)([^A-Za-z]|$)'


def wrap(index, settings, sql):
    body = ''.join("PERFORM set_config('%s', '%s', true);\n" % kv for kv in settings)
    return (
        '\\warn FZB %(i)d\n'
        'DO $fz$ DECLARE fz_r text; fz_s text; fz_m text; BEGIN\n%(b)s'
        'SELECT string_agg(fz_q::text, \' ; \') INTO fz_r FROM (\n%(q)s\n) AS fz_q;\n'
        "IF fz_r ~ '%(re)s' THEN RAISE NOTICE 'FZR %(i)d BAD %%', "
        "left(translate(fz_r, E'\\n\\r', '  '), 400);\n"
        "ELSE RAISE NOTICE 'FZR %(i)d OK %%', coalesce(length(fz_r), -1); END IF;\n"
        'EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS fz_s = RETURNED_SQLSTATE, '
        'fz_m = MESSAGE_TEXT;\n'
        "RAISE NOTICE 'FZR %(i)d ERR %% %%', fz_s, left(translate(fz_m, E'\\n\\r', '  '), 300);\n"
        'END $fz$;\n'
        '\\warn FZE %(i)d\n') % {'i': index, 'b': body, 'q': sql, 're': NAN_RE}


def one_line(sql):
    return re.sub(r'\s+', ' ', sql).strip()


def repro(settings, sql):
    pre = ''.join("SET %s = '%s'; " % kv for kv in settings)
    return pre + one_line(sql) + ';'


class Result:
    def __init__(self, index, family, settings, sql):
        self.index, self.family, self.settings, self.sql = index, family, settings, sql
        self.t0 = self.t1 = None
        self.status = None        # OK, BAD, ERR, TOPERR, CRASH, HANG
        self.sqlstate = ''
        self.detail = ''
        self.warnings = []


class Runner:
    def __init__(self, args):
        self.args = args
        self.maint = os.environ.get('PGDATABASE', 'postgres')
        self.results = []
        self.failures = []
        self.timeouts = []
        self.errors = {}
        self.examples = {}
        self.restarts = 0

    def classify(self, r):
        a = self.args
        fail = None
        if r.status == 'CRASH':
            fail = 'crash: connection lost (server restarted: %s)' % r.detail
        elif r.status == 'HANG':
            fail = 'hang: not cancelled by statement_timeout (%d s); %s' % (a.timeout, r.detail)
        elif r.status == 'BAD':
            fail = 'NaN/Infinity in result: %s' % r.detail[:200]
        elif r.status in ('ERR', 'TOPERR'):
            self.errors[r.sqlstate] = self.errors.get(r.sqlstate, 0) + 1
            self.examples.setdefault((r.family, r.sqlstate), (r.index, r.detail))
            if r.sqlstate == 'XX000':
                fail = 'XX000: %s' % r.detail
            elif r.status == 'TOPERR' and r.sqlstate != '57014':
                fail = 'uncaught error %s: %s' % (r.sqlstate, r.detail)
        elif r.status is None:
            fail = 'no result line (runner lost track)'
        elapsed = (r.t1 - r.t0) if (r.t0 and r.t1) else 0
        if r.sqlstate == '57014' or elapsed > a.timeout:
            self.timeouts.append((r, elapsed))
        if not fail and elapsed > a.timeout + a.grace:
            fail = 'slow cancel: %.1f s, statement_timeout %d s' % (elapsed, a.timeout)
        bad_w = [w for w in r.warnings if re.search(r'leak|not closed|still referenced', w)]
        if not fail and bad_w:
            fail = 'warning: %s' % bad_w[0][:200]
        if a.only is not None:
            print('#%d [%s] %s\n-> %s %s %s (%.1f s)' % (r.index, r.family, repro(r.settings, r.sql),
                                                    r.status, r.sqlstate, r.detail[:300], elapsed),
                  file=sys.stderr)
        if fail:
            self.failures.append((r, fail))
            print('FAIL #%d [%s] %s :: %s' % (r.index, r.family, fail,
                                             repro(r.settings, r.sql)[:4000]), flush=True)
        self.results.append(r)

    def session(self, queue):
        """Run queued statements in one psql; returns the statements not run."""
        a = self.args
        env = dict(os.environ)
        proc = subprocess.Popen(psql_cmd(DB, '-v', 'ON_ERROR_STOP=0'),
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=env)
        pre = ('\\set VERBOSITY verbose\n\\set ON_ERROR_STOP 0\n'
               "SET statement_timeout = '%ds';\nSET medres.memory_limit = '%s';\n"
               'SELECT pg_backend_pid() AS fz_pid \\gset\n\\warn FZPID :fz_pid\n'
               % (a.timeout, a.memory_limit))
        proc.stdin.write(pre.encode())
        proc.stdin.flush()
        fd = proc.stderr.fileno()
        buf = b''
        pending = list(queue)
        sent = []            # Results written but not finished
        current = None
        pid = None
        lookahead = 2
        closed = False

        def feed():
            nonlocal closed
            while not closed and len(sent) < lookahead and pending:
                if self.out_of_time():
                    break
                r = pending.pop(0)
                try:
                    proc.stdin.write(wrap(r.index, r.settings, r.sql).encode())
                    proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    pending.insert(0, r)
                    closed = True
                    return
                sent.append(r)
            if not closed and (not pending or self.out_of_time()) and not sent:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
                closed = True

        feed()
        last_progress = time.time()
        hang_stage = 0
        while True:
            rl, _, _ = select.select([fd], [], [], 1.0)
            if rl:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk
                *lines, buf = buf.split(b'\n')
                for raw in lines:
                    line = raw.decode('utf-8', 'replace')
                    now = time.time()
                    if a.verbose > 2:
                        print('  | ' + line, file=sys.stderr)
                    m = re.search(r'FZPID (\d+)', line)
                    if m:
                        pid = int(m.group(1))
                        continue
                    m = re.search(r'\bFZB (\d+)$', line)
                    if m and sent:
                        current = sent[0]
                        current.t0 = now
                        last_progress = now
                        hang_stage = 0
                        continue
                    m = re.search(r'\bFZE (\d+)$', line)
                    if m and current is not None:
                        current.t1 = now
                        sent.pop(0)
                        self.classify(current)
                        current = None
                        last_progress = now
                        feed()
                        continue
                    if current is None:
                        continue
                    m = re.search(r'FZR \d+ (OK|BAD|ERR) ?(.*)$', line)
                    if m:
                        current.status = m.group(1)
                        rest = m.group(2)
                        if current.status == 'ERR':
                            current.sqlstate, _, current.detail = rest.partition(' ')
                        else:
                            current.detail = rest
                        continue
                    m = re.search(r'ERROR:\s+([0-9A-Z]{5}): (.*)$', line)
                    if m and current.status is None:
                        current.status = 'TOPERR'
                        current.sqlstate, current.detail = m.group(1), m.group(2)
                        continue
                    m = re.search(r'WARNING:\s+(?:[0-9A-Z]{5}: )?(.*)$', line)
                    if m:
                        current.warnings.append(m.group(1))
                        continue
                    if re.search(r'server closed the connection|connection to server was lost|'
                                 r'terminating connection', line):
                        current.detail = line.strip()
                continue
            if proc.poll() is not None:
                break
            # watchdog: a statement that overruns statement_timeout by far (a loop that never
            # calls CHECK_FOR_INTERRUPTS) gets its backend terminated, then SIGKILLed (the server
            # restarts) when the server is local and --no-kill-hung is not given, else psql
            # is killed and the backend left running
            if current is not None and current.t0:
                over = time.time() - current.t0 - a.timeout - a.grace
                if over > 3 and hang_stage == 0 and pid:
                    hang_stage = 1
                    current.status = 'HANG'
                    current.detail = 'pg_terminate_backend had no effect'
                    run_sql(self.maint, 'SELECT pg_terminate_backend(%d)' % pid, check=False)
                elif over > 6 and hang_stage == 1:
                    hang_stage = 2
                    killed = False
                    if pid and a.kill_hung:
                        try:
                            os.kill(pid, 9)
                            killed = True
                            current.detail += '; backend %d SIGKILLed' % pid
                        except OSError as e:
                            current.detail += '; cannot kill backend %d (%s)' % (pid, e)
                    if not killed:
                        current.detail += '; psql killed, the backend may still run'
                        proc.kill()
            elif not sent and closed:
                if time.time() - last_progress > 10:
                    proc.kill()
        proc.wait()
        # whatever was in flight when psql went away
        if sent:
            r = sent.pop(0)
            if r.t0 is not None and (r.status is None or r.status == 'HANG'):
                if r.status is None:
                    r.status = 'CRASH'
                r.t1 = time.time()
                st = wait_server(self.maint)
                if r.status == 'CRASH':
                    r.detail = 'yes' if st != self.start else 'no'
                if st != self.start:
                    self.restarts += 1
                    self.start = st
                self.classify(r)
            else:
                pending.insert(0, r)
            pending = sent + pending
        return pending

    def out_of_time(self):
        return time.time() - self.t_start > self.args.seconds

    def run(self, indices, spatial):
        self.t_start = time.time()
        self.start = start_time(self.maint)
        if not self.start:
            print('fuzz: cannot connect to the server', file=sys.stderr)
            sys.exit(2)
        queue = []
        for i in indices:
            fam, settings, sql = generate(self.args.seed, i, spatial)
            if self.args.family and fam not in self.args.family.split(','):
                continue
            queue.append(Result(i, fam, settings, sql))
        while queue and not self.out_of_time():
            left = self.session(queue)
            if len(left) == len(queue):
                if self.start is None:
                    print('fuzz: the server did not come back', file=sys.stderr)
                    break
                # nothing ran: psql could not start
                print('fuzz: psql made no progress', file=sys.stderr)
                break
            queue = left
        st = start_time(self.maint)
        if st and self.start and st != self.start:
            self.restarts += 1
            r = Result(-1, 'server', [], '-- server restarted between statements')
            self.failures.append((r, 'server start time changed'))
            print('FAIL #-1 [server] pg_postmaster_start_time changed :: -', flush=True)
        return self.report()

    def report(self):
        a = self.args
        failed_idx = {r.index for r, _ in self.failures}
        passed = sum(1 for r in self.results if r.index not in failed_idx)
        elapsed = time.time() - self.t_start
        if a.verbose:
            fams = {}
            for r in self.results:
                fams.setdefault(r.family, [0, 0, 0])
                fams[r.family][0] += 1
                if r.status == 'OK':
                    fams[r.family][1] += 1
                if r.index in failed_idx:
                    fams[r.family][2] += 1
            print('fuzz: seed %d, %d statements in %.0f s, %d server restarts'
                  % (a.seed, len(self.results), elapsed, self.restarts), file=sys.stderr)
            for f in sorted(fams):
                print('  %-18s %5d run %5d ok %4d failed' % (f, *fams[f]), file=sys.stderr)
            print('  sqlstates: %s' % ', '.join('%s=%d' % kv for kv in sorted(self.errors.items())),
                  file=sys.stderr)
            if a.verbose > 1:
                for (fam, st), (i, d) in sorted(self.examples.items()):
                    print('  %-16s %s first #%d: %s' % (fam, st, i, d[:150]), file=sys.stderr)
            for r, el in self.timeouts:
                print('  timeout #%d [%s] %.1f s :: %s' % (r.index, r.family, el,
                                                           repro(r.settings, r.sql)[:300]),
                      file=sys.stderr)
        print('%d passed, %d failed' % (passed, len(self.failures)), flush=True)
        return 0 if not self.failures else 1


def coverage(args):
    """Compare the functions named in the first statements with pg_proc (schema medres)."""
    n = min(args.queries, 2000)
    called = set()
    for i in range(n):
        _, _, sql = generate(args.seed, i, not args.no_spatial)
        called |= set(re.findall(r'medres\.([a-z_0-9]+)\s*\(', sql))
    # functions with an `internal` argument cannot be called from SQL; the aggregates (and
    # the parallel plans, for combine/serialize/deserialize) reach them
    p = run_sql(DB, "SELECT DISTINCT proname FROM pg_proc WHERE pronamespace = "
                "'medres'::regnamespace AND NOT 'internal'::regtype = ANY (proargtypes::regtype[]) "
                "ORDER BY 1")
    public = set(p.stdout.split())
    missing = sorted(public - called)
    print('%d of %d SQL-callable functions of schema medres called in statements 0..%d; never called: %s'
          % (len(public & called), len(public), n - 1, ', '.join(missing) or 'none'))
    return 1 if missing else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=DEFAULT_SEED)
    ap.add_argument('--seconds', type=float, default=150, help='time budget (default 150)')
    ap.add_argument('--queries', type=int, default=100000, help='at most this many statements')
    ap.add_argument('--start', type=int, default=0, help='first statement index')
    ap.add_argument('--only', type=int, help='run statement K only')
    ap.add_argument('--family', help='run only the statements of these generator families '
                    '(comma-separated, as shown in brackets)')
    ap.add_argument('--print', type=int, metavar='K', dest='print_k',
                    help='print statement K (as runnable SQL) and exit')
    ap.add_argument('--timeout', type=int, default=5, help='statement_timeout in s (default 5)')
    ap.add_argument('--grace', type=float, default=2.5,
                    help='seconds past the timeout before a statement counts as slow to cancel')
    ap.add_argument('--memory-limit', default='256MB', help="medres.memory_limit (default 256MB)")
    ap.add_argument('--no-kill-hung', dest='kill_hung', action='store_false',
                    help='never SIGKILL a backend that ignores cancel and terminate')
    ap.add_argument('--no-setup', action='store_true', help='reuse the existing medres_fuzz')
    ap.add_argument('--no-spatial', action='store_true', help='skip medres_postgis')
    ap.add_argument('--coverage', action='store_true',
                    help='list the functions of schema medres that statements 0..--queries '
                         '(default 2000) never call, and exit (needs medres_fuzz)')
    ap.add_argument('-v', '--verbose', action='count', default=0)
    args = ap.parse_args()

    if args.print_k is not None:
        fam, settings, sql = generate(args.seed, args.print_k, not args.no_spatial)
        print('-- #%d [%s] seed %d\n%s' % (args.print_k, fam, args.seed, repro(settings, sql)))
        return 0
    if args.coverage:
        return coverage(args)
    maint = os.environ.get('PGDATABASE', 'postgres')
    if args.no_setup:
        spatial = has_spatial() and not args.no_spatial
    else:
        spatial = setup(maint) and not args.no_spatial
    if args.only is not None:
        indices = [args.only]
        args.verbose = max(args.verbose, 1)
    else:
        indices = range(args.start, args.start + args.queries)
    return Runner(args).run(indices, spatial)


if __name__ == '__main__':
    sys.exit(main())
