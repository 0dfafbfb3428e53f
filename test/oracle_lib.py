"""Shared by the test/oracle_*.py scripts: cross-check bookkeeping, value
formatting and the --check mode.  Not a test itself."""

import filecmp
import math
import os
import shutil
import sys
import tempfile
import time

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
