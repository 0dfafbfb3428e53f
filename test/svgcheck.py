"""What the picture tests share (test/pictures.py, test/maps.py, test/report.py): TAP-style
reporting, running a batch of queries that each return one text in one rolled-back psql
session, and rendering an SVG to pixels with librsvg's rsvg-convert.

psql connects as the environment says (PGHOST, PGPORT, PGUSER); the database is the script's
first argument, else PGDATABASE.
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
NS = {"s": "http://www.w3.org/2000/svg"}
DB = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PGDATABASE", "")
counts = {"passed": 0, "failed": 0}


def report(ok, what, detail=""):
    """One "ok - what" or "not ok - what: detail" line, counted."""
    if ok:
        counts["passed"] += 1
        print("ok - " + what)
    else:
        counts["failed"] += 1
        print("not ok - " + what + (": " + detail if detail else ""))


def finish():
    """The summary line; exit status 1 if anything failed."""
    print("%d passed, %d failed" % (counts["passed"], counts["failed"]))
    sys.exit(1 if counts["failed"] else 0)


def psql(script, verbose=False):
    args = ["psql", "-X", "-q"] + (["-d", DB] if DB else [])
    if verbose:
        args += ["-v", "VERBOSITY=verbose"]
    return subprocess.run(args, input=script, capture_output=True, text=True, cwd=ROOT)


def run_queries(setup, queries):
    """setup, then each query (name -> SQL returning one text) in one session, all rolled
    back; the results as a dict"""
    script = "\\set ON_ERROR_STOP 1\n\\pset format unaligned\n\\pset tuples_only on\n"
    script += "BEGIN;\n" + setup + "\n"
    for name, sql in queries.items():
        script += "\\echo @@OUT %s\n%s\n" % (name, sql.rstrip().rstrip(";") + ";")
    script += "\\echo @@END\nROLLBACK;\n"
    r = psql(script)
    if r.returncode != 0 or "@@END" not in r.stdout:
        raise RuntimeError("psql failed: " + r.stderr[-3000:])
    out = {}
    for part in r.stdout.split("@@OUT ")[1:]:
        name, _, body = part.partition("\n")
        out[name] = body.split("@@END")[0].rstrip("\n")
    return out


def render(svg):
    """(xml root, PIL RGB image) of an SVG text, rendered by rsvg-convert"""
    from PIL import Image
    root = ET.fromstring(svg)
    with tempfile.TemporaryDirectory() as d:
        src, png = os.path.join(d, "p.svg"), os.path.join(d, "p.png")
        with open(src, "w", encoding="utf-8") as f:
            f.write(svg)
        subprocess.run(["rsvg-convert", "-o", png, src], check=True, capture_output=True)
        img = Image.open(png).convert("RGB")
        img.load()
    return root, img


def hexrgb(h):
    return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))
