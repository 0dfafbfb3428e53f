"""Shared by the test/oracle_*.py scripts: cross-check bookkeeping, value
formatting and the --check mode.  Not a test itself."""

import filecmp
import math
import os
import shutil
import sys
import tempfile
import time

import numpy as np

CHECKS = {}        # name -> number of cross-checks that passed


def fail(msg):
    sys.stderr.write("ORACLE CROSS-CHECK FAILED: %s\n" % msg)
    sys.exit(1)


def count(name, k=1):
    CHECKS[name] = CHECKS.get(name, 0) + k


def fmt(v):
    """A finite double, written so that it reads back to the same double."""
    v = float(v)
    if not math.isfinite(v):
        fail("non-finite value %r" % v)
    return repr(v)


def main(name, outdir, files, generate, t0):
    """Without arguments: generate(outdir, verbose=True).  With --check:
    generate into a scratch folder and compare byte for byte with the
    committed files in outdir; exit 1 if any differs."""
    if "--check" not in sys.argv[1:]:
        generate(outdir, verbose=True)
        return
    tmp = tempfile.mkdtemp(prefix=name + "_")
    try:
        generate(tmp, verbose=False)
        bad = [f for f in files
               if not os.path.exists(os.path.join(outdir, f))
               or not filecmp.cmp(os.path.join(tmp, f), os.path.join(outdir, f), shallow=False)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if bad:
        print("%s --check: differs from the committed files: %s" % (name, ", ".join(bad)))
        sys.exit(1)
    print("%s --check: committed files are up to date (%.1f s)" % (name, time.time() - t0))


# --- clustering (oracle_cluster.py, oracle_kmeans.py) ----------------------------------

LD = np.longdouble


def ld_standardize(X, how):
    """Standardise the columns of X in long double: zscore (sample standard deviation),
    range (to [0, 1]) or none."""
    X = X.astype(LD)
    n = X.shape[0]
    if how == "zscore":
        c = X - X.sum(axis=0) / n
        return c / np.sqrt((c * c).sum(axis=0) / (n - 1))
    if how == "range":
        lo = X.min(axis=0)
        return (X - lo) / (X.max(axis=0) - lo)
    return X


def distances(Z, mt):
    """Full distance matrix, computed row by row in the dtype of Z (float64 or long double)."""
    n = Z.shape[0]
    D = np.empty((n, n), dtype=Z.dtype)
    norms = np.sqrt((Z * Z).sum(axis=1))
    for i in range(n):
        diff = Z - Z[i]
        if mt == "sqeuclidean":
            D[i] = (diff * diff).sum(axis=1)
        elif mt == "euclidean":
            D[i] = np.sqrt((diff * diff).sum(axis=1))
        elif mt == "manhattan":
            D[i] = np.abs(diff).sum(axis=1)
        elif mt == "chebyshev":
            D[i] = np.abs(diff).max(axis=1)
        elif mt == "cosine":
            D[i] = 1 - (Z * Z[i]).sum(axis=1) / (norms * norms[i])
    np.fill_diagonal(D, 0)
    return D
