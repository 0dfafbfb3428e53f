#!/usr/bin/python3
"""Independent oracle for test/entropy_order.sql: the entropy weights of its data set, from
the exact values of the inputs.

    /usr/bin/python3 test/oracle_entropy_order.py           # print the expected weights
    /usr/bin/python3 test/oracle_entropy_order.py --check   # exit 1 unless test/entropy_order.sql
                                                            # holds exactly these values

The data set (the same formulas as the SQL file; every value is an integer or a multiple of
1/64, so both sides hold the same doubles exactly), n = 2000 units i = 1 .. 2000:
  x1 = (7919 i) mod 2003                                       direction '+'
  x2 = 1000 + ((104729 i) mod 1013) / 4, but 0 for i = 1 and 2530 for i = 2    '+'
  x3 = 1 + ((31 i) mod 97) / 16                                direction '-'
  x4 = 50 + (i mod 7) / 64, but 49 for i = 5                   direction '+'
x2 and x4 sit in a narrow band between two outliers, so their entropy is nearly maximal
(1 - e of 3.8e-4 and 1.2e-4): 1 - e computed as one minus a rounded e loses about 4 of its
16 digits there.

Definitions (doc/evaluation.md): z = min-max normalised x (mirrored for '-'),
p = z / sum z, e = -sum p ln p / ln n (0 ln 0 = 0), d = 1 - e, w = d / sum d.
Computed with exact rationals (fractions.Fraction) for z and p and mpmath at 60 significant
digits for the logarithms, so d has no cancellation to speak of; the weights are printed
rounded to the nearest double (repr).  A second computation, in double precision with numpy
written the obvious way, must agree to 1e-9 relative (it loses digits in 1 - e, which is
the point of the test).
"""
import re
import sys
from fractions import Fraction

import mpmath
import numpy as np

mpmath.mp.dps = 60
N = 2000


def data():
    rows = []
    for i in range(1, N + 1):
        x1 = Fraction((7919 * i) % 2003)
        x2 = Fraction(0) if i == 1 else Fraction(2530) if i == 2 else 1000 + Fraction((104729 * i) % 1013, 4)
        x3 = 1 + Fraction((31 * i) % 97, 16)
        x4 = Fraction(49) if i == 5 else 50 + Fraction(i % 7, 64)
        rows.append((x1, x2, x3, x4))
    return rows, '++-+'


def exact_weights(rows, dirs):
    d = []
    for j, dr in enumerate(dirs):
        col = [r[j] for r in rows]
        lo, hi = min(col), max(col)
        z = [(v - lo) / (hi - lo) if dr == '+' else (hi - v) / (hi - lo) for v in col]
        s = sum(z)
        e = mpmath.mpf(0)
        for zi in z:
            if zi:
                p = mpmath.mpf(zi.numerator) / mpmath.mpf(zi.denominator * s.numerator) * s.denominator
                e -= p * mpmath.log(p)
        d.append(1 - e / mpmath.log(len(col)))
    t = sum(d)
    return [float(di / t) for di in d], [float(1 - di) for di in d]


def numpy_weights(rows, dirs):
    x = np.array([[float(v) for v in r] for r in rows])
    out = []
    for j, dr in enumerate(dirs):
        c = x[:, j]
        z = (c - c.min()) / (c.max() - c.min()) if dr == '+' else (c.max() - c) / (c.max() - c.min())
        p = z / z.sum()
        nz = p[p > 0]
        out.append(1 - (-(nz * np.log(nz)).sum() / np.log(len(c))))
    out = np.array(out)
    return list(out / out.sum())


def main():
    rows, dirs = data()
    w, e = exact_weights(rows, dirs)
    for a, b in zip(w, numpy_weights(rows, dirs)):
        if abs(a - b) > 1e-9 * abs(a):
            sys.exit('ORACLE CROSS-CHECK FAILED: mpmath %r, numpy %r' % (a, b))
    text = 'ARRAY[%s]::float8[]' % ', '.join(repr(v) for v in w)
    if '--check' in sys.argv:
        sql = open('test/entropy_order.sql').read()
        m = re.search(r'-- expected: (ARRAY\[[^\]]*\]::float8\[\])', sql)
        if not m or m.group(1) != text:
            sys.exit('test/entropy_order.sql does not hold the oracle weights %s' % text)
        return
    print('entropy e per indicator:', ', '.join('%.17g' % v for v in e))
    print(text)


if __name__ == '__main__':
    main()
