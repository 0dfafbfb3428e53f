#!/usr/bin/python3
"""Run the examples of the documentation as a reader would, and check what they print.

    python3 tools/check_docs.py --admin-user postgres --user medres_user [--keep] [pages...]

For each page (by default doc/*.md, README.md, data/README.md and every other .md file of the
repository that has a ```sql block), the admin user creates a fresh database medres_doc_<page>
OWNED by the plain role --user, with medres installed (and postgis + medres_postgis when the
page needs them); then the page's ```sql blocks are run in order, as printed, in ONE psql
session as --user (psql -X -q, default aligned output, current directory = repository root).
A ```sql block followed (after blank lines only) by a plain ``` block must print exactly that
block; a ```sql block without one must not fail (an ERROR, or a psql error such as a missing
\\copy file, is a failure).  The server is named by the libpq variables PGHOST and PGPORT.

Page format (documented in doc/README.md, "How the examples are checked"):
  <!-- doc-check: needs EXT [EXT ...] -->   on a line of its own: extensions the admin creates
                                            (CASCADE) besides medres; a page whose sql calls a
                                            medres_postgis function needs it without saying so.
  A page that needs an extension the server lacks (no PostGIS) is skipped with a note.
  Other fences (```postgresql, ```sh, plain ```) are not run.

Prints "ok - PAGE block N (line L)" / "not ok - ..." with a diff, and "N passed, M failed".
Exit 1 on any failure (or when no block was checked)."""
import argparse
import difflib
import glob
import os
import re
import secrets
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

FENCE = re.compile(r"^(\s*)(`{3,})\s*([^`\s]*)\s*$")
# a marker is a line of its own, outside code blocks
MARKER = re.compile(r"^\s*<!--\s*doc-check:\s*(.*?)\s*-->\s*$")
# functions of medres_postgis: a page that calls one needs PostGIS
POSTGIS_FUNCS = re.compile(
    r"medres\.(accessibility|spatial_weights|moran|lisa|getis_ord|area_km2)\s*\(|::\s*geometry\b|"
    r"\bST_[A-Za-z]+\s*\(", re.I)
# what psql prints for a failed statement or meta-command (stderr is merged into stdout)
ERROR_LINE = re.compile(
    r"^(ERROR|FATAL|PANIC):|^invalid command |^psql:|^\\\w+: |"
    r": (No such file or directory|Permission denied|Is a directory)$")


def parse(path):
    """The page's code blocks as dicts (lang, text, line), and its doc-check markers."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, markers, i = [], [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            mk = MARKER.match(lines[i])
            if mk:
                markers.append(mk)
            i += 1
            continue
        indent, ticks, lang = m.group(1), m.group(2), m.group(3).lower()
        start, body, i = i + 1, [], i + 1
        while i < len(lines) and not re.match(r"^\s*" + ticks + r"\s*$", lines[i]):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        blocks.append({"lang": lang, "text": "\n".join(body), "line": start,
                       "end": i + 1, "expected": None})
        i += 1
    # a plain block right after a sql block (blank lines only between) is its output
    for a, b in zip(blocks, blocks[1:]):
        if a["lang"] == "sql" and b["lang"] == "" and \
                all(not l.strip() for l in lines[a["end"]:b["line"] - 1]):
            a["expected"] = b
    needs = []
    for m in markers:
        words = m.group(1).split()
        if words[:1] == ["needs"]:
            needs += [w for w in words[1:] if w not in needs]
        else:
            raise ValueError("%s: unknown doc-check marker: %s" % (path, m.group(0)))
    return blocks, needs


def db_name(rel):
    """doc/cluster.md -> medres_doc_cluster, README.md -> medres_doc_top_readme,
    data/README.md -> medres_doc_data_readme."""
    name = rel[:-3] if rel.endswith(".md") else rel
    if name.startswith("doc/"):
        name = name[4:]
    elif "/" not in name:
        name = "top_" + name
    return "medres_doc_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def norm(text):
    """Lines without trailing blanks (invisible on a page), without trailing empty lines."""
    out = [l.rstrip() for l in text.split("\n")]
    while out and not out[-1]:
        out.pop()
    return out


def ends_statement(sql):
    """Whether a block leaves psql's query buffer empty: its last line that is not blank or a
    -- comment ends with ';' or is a backslash command."""
    for line in reversed(sql.split("\n")):
        s = line.strip()
        if not s or s.startswith("--"):
            continue
        return s.endswith(";") or s.startswith("\\")
    return True


class Checker:
    def __init__(self, args):
        self.args = args
        self.passed = self.failed = 0
        self.available = None

    def psql(self, user, db, sql, timeout=60):
        env = dict(os.environ, PGUSER=user, PGDATABASE=db)
        return subprocess.run([self.args.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)

    def ok(self, what):
        self.passed += 1
        print("ok - " + what)

    def not_ok(self, what, detail=""):
        self.failed += 1
        print("not ok - " + what)
        for line in detail.rstrip("\n").split("\n") if detail else []:
            print("#   " + line)

    def extensions(self):
        if self.available is None:
            r = self.psql(self.args.admin_user, self.args.admin_db,
                          "SELECT name FROM pg_available_extensions")
            if r.returncode != 0:
                raise RuntimeError("cannot list the server's extensions: " + r.stderr.strip())
            self.available = set(r.stdout.split())
        return self.available

    def fresh_db(self, db, needs):
        """As in tools/suite.sh: the admin creates the database, owned by the plain role, and
        the extensions; the role gets no other right."""
        exts = ["medres"] + [e for e in needs if e != "medres"]
        r = self.psql(self.args.admin_user, self.args.admin_db,
                      "DROP DATABASE IF EXISTS %s" % db)
        if r.returncode == 0:
            r = self.psql(self.args.admin_user, self.args.admin_db,
                          "CREATE DATABASE %s OWNER %s" % (db, self.args.user))
        if r.returncode == 0:
            r = self.psql(self.args.admin_user, db,
                          "SET client_min_messages = warning; " +
                          " ".join("CREATE EXTENSION %s CASCADE;" % e for e in exts))
        return r

    def drop_db(self, db):
        if not self.args.keep:
            self.psql(self.args.admin_user, self.args.admin_db, "DROP DATABASE IF EXISTS %s" % db)

    def page(self, path):
        rel = os.path.relpath(path, ROOT)
        try:
            blocks, needs = parse(path)
        except ValueError as e:
            self.not_ok(rel, str(e))
            return
        sql = [b for b in blocks if b["lang"] == "sql"]
        if not sql:
            return
        if any(POSTGIS_FUNCS.search(b["text"]) for b in sql) and "medres_postgis" not in needs:
            needs.append("medres_postgis")
        required = set(needs) | ({"postgis"} if "medres_postgis" in needs else set())
        missing = sorted(required - self.extensions())
        if missing:
            print("# skip %s: its %d sql blocks need %s, not available on this server"
                  % (rel, len(sql), ", ".join(missing)))
            return
        db = db_name(rel)
        r = self.fresh_db(db, needs)
        if r.returncode != 0:
            self.not_ok("%s: could not create database %s" % (rel, db), r.stderr)
            return
        tag = "doc-check-" + secrets.token_hex(8)
        script = []
        for n, b in enumerate(sql, 1):
            # \r empties the query buffer, so that a block which does not end its statement
            # (a failure of its own) is not run together with the next one
            script += ["\\set LAST_ERROR_SQLSTATE 00000", "\\echo %s %d" % (tag, n), b["text"],
                       "\\r", "\\echo %s end %d :LAST_ERROR_SQLSTATE" % (tag, n)]
        env = dict(os.environ, PGUSER=self.args.user, PGDATABASE=db)
        try:
            r = subprocess.run([self.args.psql, "-X", "-q"], input="\n".join(script) + "\n",
                               env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=self.args.timeout)
            out = r.stdout
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            out += "\n(timed out after %d s)" % self.args.timeout
        # split the session's output at the markers
        segs, state, cur, n = {}, {}, None, None
        for line in out.split("\n"):
            m = re.match(re.escape(tag) + r" (end (\d+) (\S*)|(\d+))$", line)
            if m and m.group(4):
                n, cur = int(m.group(4)), []
                segs[n] = cur
            elif m:
                state[int(m.group(2))] = m.group(3)
                cur = None
            elif cur is not None:
                cur.append(line)
        for n, b in enumerate(sql, 1):
            what = "%s block %d (line %d)" % (rel, n, b["line"])
            got = "\n".join(segs.get(n, []))
            if not ends_statement(b["text"]):
                self.not_ok(what, "the block does not end its last statement with ';'")
            elif n not in state:
                self.not_ok(what, "the block did not finish (an unterminated quote, or psql "
                            "stopped):\n" + "\n".join(out.split("\n")[-20:]))
            elif b["expected"] is not None:
                want, have = norm(b["expected"]["text"]), norm(got)
                if want == have:
                    self.ok(what)
                else:
                    self.not_ok(what, "\n".join(difflib.unified_diff(
                        want, have, "%s:%d (printed)" % (rel, b["expected"]["line"]),
                        "psql", lineterm="")))
            else:
                errors = [l for l in got.split("\n") if ERROR_LINE.search(l)]
                if state[n] != "00000" and not errors:
                    errors = ["SQLSTATE " + state[n]]
                if errors:
                    self.not_ok(what, "a block without an output block failed:\n" + got)
                else:
                    self.ok(what)
        self.drop_db(db)


def default_pages():
    pages = sorted(glob.glob(os.path.join(ROOT, "doc", "*.md")))
    pages += [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "data", "README.md")]
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "results")
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            if f.endswith(".md") and p not in pages and "```sql" in open(p, encoding="utf-8").read():
                pages.append(p)
    return [p for p in pages if os.path.exists(p)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--admin-user", default=os.environ.get("PGUSER", "postgres"),
                    help="creates the databases and extensions (default: $PGUSER)")
    ap.add_argument("--admin-db", default="postgres", help="database the admin connects to")
    ap.add_argument("--user", default="medres_user",
                    help="plain role that owns the databases and runs the examples")
    ap.add_argument("--psql", default="psql", help="psql to use (default: from PATH)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per page")
    ap.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    ap.add_argument("pages", nargs="*", help="pages to check (default: all with sql examples)")
    args = ap.parse_args()
    pages = [os.path.abspath(p) for p in args.pages] or default_pages()
    c = Checker(args)
    for p in pages:
        c.page(p)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed or c.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
