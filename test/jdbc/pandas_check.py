"""Runs the pandas example of doc/bi.md (its ```python block, as printed) against the database
the libpq variables name, then checks that each DataFrame it made has plain dtypes and the
oracles' values: float64, int64 or bool columns, or object columns holding only str (and None).
Expected values: test/oracle/expected.csv (mpmath) and cluster_expected.csv (scipy).
Prints ok/not ok lines.  Run from the repository root by test/jdbc/run.sh."""
import contextlib
import csv
import io
import math
import re
import sys
import warnings

page = sys.argv[1] if len(sys.argv) > 1 else "doc/bi.md"
n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    failed += 0 if cond else 1
    print(("ok " if cond else "not ok ") + "%d - pandas: %s" % (n, what))


blocks = re.findall(r"^```python\n(.*?)^```$", open(page).read(), flags=re.S | re.M)
ok(len(blocks) == 1, "%s has one python example" % page)
ns = {}
# pandas warns that it tests only SQLAlchemy connections (doc/bi.md says so)
warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy")
printed = io.StringIO()
try:
    with contextlib.redirect_stdout(printed):
        exec(blocks[0], ns)
    ok(True, "the example runs")
except Exception as e:  # noqa: BLE001 - reported as a failed check
    ok(False, "the example fails: %r" % e)
    print("1..%d\n%d passed, %d failed" % (n, n - failed, failed))
    sys.exit(1)

import pandas as pd  # noqa: E402 - after the example, which imports it itself

frames = {k: v for k, v in ns.items() if isinstance(v, pd.DataFrame)}
ok(sorted(frames) == ["groups", "lorenz", "steps"], "the example makes lorenz, groups and steps")
for name, df in sorted(frames.items()):
    bad = []
    for col in df.columns:
        kind = df[col].dtype.kind
        if kind == "O":
            if not all(v is None or isinstance(v, str) for v in df[col]):
                bad.append("%s holds %s" % (col, sorted({type(v).__name__ for v in df[col]})))
        elif kind not in "fib":
            bad.append("%s is %s" % (col, df[col].dtype))
    ok(not bad and len(df) > 0, "every column of %s is float64, int64, bool or str %s" % (name, bad or ""))

oracle = {}
with open("test/oracle/expected.csv") as f:
    for r in csv.DictReader(f):
        oracle[(r["case_id"], r["measure"], r["param"])] = float(r["expected"])


def close(a, b, rel):
    return abs(a - b) <= rel * abs(b) + 1e-15


lz = frames.get("lorenz")
if lz is not None:
    want_p = [oracle[("provinces_east", "lorenz_p", str(i))] for i in range(len(lz))]
    want_l = [oracle[("provinces_east", "lorenz_l", str(i))] for i in range(len(lz))]
    ok(list(lz.dtypes.astype(str)) == ["int64", "float64", "float64"], "lorenz dtypes %s" % list(lz.dtypes.astype(str)))
    ok(len(lz) == 12 and list(lz["point"]) == list(range(1, 13))
       and all(close(a, b, 1e-12) for a, b in zip(lz["population_share"], want_p))
       and all(close(a, b, 1e-12) for a, b in zip(lz["resource_share"], want_l)),
       "lorenz: the 12 points of the eastern provinces (oracle provinces_east)")
g = frames.get("groups")
if g is not None:
    ok(list(g["grp"]) == ["east", "middle", "west"] and str(g["n"].dtype) == "int64"
       and all(close(g["index"][i], oracle[("provinces", "dec_group_index", "1:" + grp)], 1e-11)
               for i, grp in enumerate(g["grp"])),
       "groups: east, middle, west with the oracle's Theil T of each")
s = frames.get("steps")
if s is not None:
    with open("test/oracle/cluster_expected.csv") as f:
        h = {int(r["param"]): float(r["expected"]) for r in csv.DictReader(f)
             if r["case_id"] == "provinces" and r["linkage"] == "average" and r["metric"] == "sqeuclidean"
             and r["standardize"] == "zscore" and r["kind"] == "height"}
    ok(len(s) == 30 and all(close(s["height"][i], h[i + 1], 1e-9) for i in range(30)),
       "steps: 30 merges at scipy's heights")
    ok(str(s["left_step"].dtype) == "float64" and s["left_step"].isna().sum() == s["left_label"].notna().sum(),
       "steps.left_step is float64 with NaN exactly where left_label names a unit")
print("1..%d\n%d passed, %d failed" % (n, n - failed, failed))
sys.exit(1 if failed else 0)
