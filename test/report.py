#!/usr/bin/python3
"""The equity report page (tools/demo.sh's results/report.html) as a reader's browser shows it.

    /usr/bin/python3 test/report.py [DBNAME]

Run from the repository root against a scratch database with medres (and postgis +
medres_postgis for the maps) whose owner psql connects as (PGHOST, PGPORT, PGUSER; DBNAME or
PGDATABASE): tools/report.sh writes the page there into results/suite_report.html, as the demo
does.  Needs Debian's chromium and python3-pil, python3-numpy.

Checks:
  * the page is self-contained: no <script>, <link>, <iframe>, no src/href/url() that is not a
    data: URI or a fragment, no @import -- nothing for a browser to fetch;
  * every inline <svg> is well-formed XML; the sections are all there (Gini, Lorenz, Theil,
    heat map, dendrogram and, with the boundaries, the three maps);
  * headless Chromium takes a screenshot and its console stays silent.  How the console is
    read: Chromium runs with --enable-logging=stderr --v=0, which logs every console message
    as "INFO:CONSOLE... "text", source: ..."; the page is opened from a copy with one probe
    script appended that logs "medres-probe" with console.error, so the test also proves that
    console messages do reach the log: exactly that one message must appear (a failed load,
    a parse error or any other message fails the test);
  * the screenshot is not blank: grey-level standard deviation above 20 and more than 5 % of
    the pixels not white; with the maps, GeoDa's HH red (#ff0000) of the LISA map is on it.
Prints "ok - ..." / "not ok - ..." and "N passed, M failed"; exit status 1 on a failure.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svgcheck import ROOT, finish, report  # noqa: E402


def main():
    env = dict(os.environ)
    if len(sys.argv) > 1:
        env["PGDATABASE"] = sys.argv[1]
    page = os.path.join(ROOT, "results", "suite_report.html")
    if os.path.exists(page):
        os.remove(page)
    r = subprocess.run(["bash", "tools/report.sh", page], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    report(r.returncode == 0 and os.path.exists(page), "tools/report.sh writes the page",
           r.stderr[-1500:])
    if not os.path.exists(page):
        return
    html = open(page, encoding="utf-8").read()
    has_map = "LISA clusters" in html

    # self-contained
    fetch = re.findall(r"""<(?:script|link|iframe|object|embed)\b|@import|"""
                       r"""\b(?:src|href)\s*=\s*["'](?!data:|#)[^"']*|url\(\s*["']?(?!data:|#)""",
                       html, re.I)
    report(not fetch, "the page fetches nothing: no script, link, external src/href/url()",
           repr(fetch[:5]))

    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    bad = []
    for i, s in enumerate(svgs):
        try:
            ET.fromstring(s)
        except ET.ParseError as e:
            bad.append("svg %d: %s" % (i, e))
    want = 6 if has_map else 3
    report(len(svgs) == want and not bad, "%d inline SVG pictures, each well-formed XML" % want,
           "%d found; %s" % (len(svgs), "; ".join(bad)))
    heads = ["Gini coefficients by population", "Lorenz curves", "Theil decomposition by region",
             "Gini of resources per capita within each region", "Dendrogram",
             "The provinces on the map"]
    if has_map:
        heads += ["Hospital beds per 1000 people", "RSR grades", "LISA clusters"]
    missing = [h for h in heads if h not in html]
    report(not missing, "every section is there%s" % ("" if has_map else " (no boundaries: no maps)"),
           ", ".join(missing))

    # Chromium: screenshot and console
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        report(False, "chromium is installed (Debian package chromium)")
        return
    with tempfile.TemporaryDirectory() as d:
        probe = os.path.join(d, "report.html")
        with open(probe, "w", encoding="utf-8") as f:
            f.write(html.replace("</body>", '<script>console.error("medres-probe")</script>\n</body>'))
        shot = os.path.join(d, "shot.png")
        args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--disable-extensions", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + os.path.join(d, "profile"), "--window-size=1100,4000",
                "--screenshot=" + shot, "file://" + probe]
        try:
            c = subprocess.run(args, capture_output=True, text=True, timeout=180)
        except subprocess.TimeoutExpired:
            report(False, "chromium takes a screenshot within 3 minutes")
            return
        console = re.findall(r":CONSOLE[^\]]*\] (.*)", c.stderr)
        report(c.returncode == 0 and os.path.exists(shot), "headless chromium takes a screenshot",
               c.stderr[-1500:])
        report(len(console) == 1 and console[0].startswith('"medres-probe"'),
               "the console shows only the test's probe message (the page logs nothing)",
               " | ".join(console[:5]))
        if not os.path.exists(shot):
            return
        import numpy as np
        from PIL import Image
        img = np.asarray(Image.open(shot).convert("RGB")).astype(float)
        grey = img.mean(axis=2)
        nonwhite = float((grey < 250).mean())
        report(grey.std() > 20 and nonwhite > 0.05,
               "the screenshot is not blank (grey sd %.1f, %.1f %% not white)"
               % (grey.std(), 100 * nonwhite))
        if has_map:
            red = int(((img[:, :, 0] == 255) & (img[:, :, 1] == 0) & (img[:, :, 2] == 0)).sum())
            report(red > 200, "the LISA map's HH red is on the screenshot (%d pixels)" % red)
        keep = os.path.join(ROOT, "results", "suite_report.png")
        shutil.copyfile(shot, keep)


if __name__ == "__main__":
    main()
    finish()
