#!/usr/bin/python3
"""Rendering tests of medres' pictures (lorenz_svg, concentration_svg, heatmap_svg, hclust_svg).

    /usr/bin/python3 test/pictures.py [DBNAME]

Run from the repository root against a database where the medres extension exists (psql
connects as the environment says: PGHOST, PGPORT, PGUSER; the database is DBNAME, else
PGDATABASE).  A plain role is enough: the tables are made inside a transaction that is rolled
back.  Needs rsvg-convert (Debian librsvg2-bin), python3-pil, python3-numpy and python3-scipy.

Every picture is parsed as XML (xml.etree) and rendered to PNG by librsvg's rsvg-convert, and
the test reads pixels back:
  * the Lorenz curve of perfectly equal data lies on the diagonal, and no pixel of its colour
    lies off it; the curve of 1..50 passes through (0.5, 325/1275) (hand derivation);
  * each heat-map cell has the colour of its value on the viridis scale, interpolated here
    from R viridisLite::viridis(9) (not from medres); a NULL cell is light grey; rows and
    columns come in the order given;
  * a dendrogram cut at k = 4 colours the leaves' branches by cluster exactly as scipy's
    fcluster partitions the 31 provinces (Ward, Euclidean, z-scores);
  * the Gini and concentration index in the legends equal a Python computation from the
    definitions (pairwise mean difference; weighted fractional ranks) and medres.gini /
    medres.concentration_index;
  * user text (Chinese, markup characters, a control character) survives the XML round trip.
The SQL blocks of doc/pictures.md that start with "-- doc/img/NAME.svg" are run after the
page's first (setup) block, and their pictures are written to doc/img/NAME.svg.

Prints "ok - ..." / "not ok - ..." lines and "N passed, M failed"; exit status 1 on a failure.
"""
import csv
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svgcheck import NS, ROOT, finish, hexrgb, render, report, run_queries  # noqa: E402


def dist(a, b):
    return sum(abs(x - y) for x, y in zip(a, b))


def best_near(img, x, y, want, r=1):
    """The pixel colour nearest to want within r pixels of (x, y)."""
    best = None
    for dx in range(-r, r + 1):
        for dy in range(-r, r + 1):
            px = img.getpixel((int(x) + dx, int(y) + dy))
            if best is None or dist(px, want) < dist(best, want):
                best = px
    return best


def frame(root):
    r = root.find(".//s:g[@class='frame']/s:rect", NS)
    return tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))


def legend_figures(root, letter):
    return [t.text for t in root.findall(".//s:g[@class='legend']/s:text", NS)
            if t.text and (" %s = " % letter) in " " + t.text]


# R viridisLite::viridis(9), interpolated linearly in sRGB as the scale is documented
VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21908c", "#27ad81", "#5dc863",
           "#aadc32", "#fde725"]


def viridis(t):
    t = min(max(t, 0.0), 1.0)
    pos = t * (len(VIRIDIS) - 1)
    i = min(int(pos), len(VIRIDIS) - 2)
    f = pos - i
    a, b = hexrgb(VIRIDIS[i]), hexrgb(VIRIDIS[i + 1])
    return tuple(round(x + (y - x) * f) for x, y in zip(a, b))


def provinces():
    with open(os.path.join(ROOT, "data", "province_resources_2020.csv")) as f:
        return list(csv.DictReader(f))


def gini_oracle(x, w):
    """Weighted Gini from its definition: sum_ij w_i w_j |x_i - x_j| / (2 W^2 mu)."""
    W = sum(w)
    mu = sum(a * b for a, b in zip(x, w)) / W
    s = sum(wi * wj * abs(xi - xj) for xi, wi in zip(x, w) for xj, wj in zip(x, w))
    return s / (2 * W * W * mu)


def concentration_oracle(h, r, w):
    """C = 2 sum_i p_i h_i (F_i - 1/2) / mu, F_i the weighted fractional rank of r_i (ties
    share the mid-point of their group)."""
    W = sum(w)
    F = []
    for ri in r:
        below = sum(wj for rj, wj in zip(r, w) if rj < ri)
        tie = sum(wj for rj, wj in zip(r, w) if rj == ri)
        F.append((below + tie / 2) / W)
    mu = sum(a * b for a, b in zip(h, w)) / W
    return 2 * sum(wi / W * hi * (Fi - 0.5) for hi, wi, Fi in zip(h, w, F)) / mu


def main():
    page = open(os.path.join(ROOT, "doc", "pictures.md"), encoding="utf-8").read()
    blocks = re.findall(r"```sql\n(.*?)\n```", page, re.S)
    setup = blocks[0]
    doc_images = {}
    for b in blocks[1:]:
        m = re.match(r"-- doc/img/([A-Za-z0-9_]+)\.svg\n", b)
        if m:
            doc_images["doc_" + m.group(1)] = b
    queries = dict(doc_images)
    queries.update({
        "lorenz_equal": "SELECT medres.lorenz_svg(5, 2) FROM generate_series(1, 50)",
        "lorenz_1_50": "SELECT medres.lorenz_svg(x, 1) FROM generate_series(1, 50) x",
        "lorenz_figures": """SELECT medres.lorenz_svg(per_capita, population_million, resource,
                                 '{"digits": 8}') FROM resource""",
        "concentration_figures": """SELECT medres.concentration_svg(
                                 beds_10k / population_million, health_expense_per_capita_yuan,
                                 population_million, NULL, '{"digits": 8}') FROM province""",
        "medres_gini": """SELECT string_agg(resource || '=' || g::text, ';')
                          FROM (SELECT resource, medres.gini(per_capita, population_million) AS g
                                FROM resource GROUP BY resource) s""",
        "medres_ci": """SELECT medres.concentration_index(beds_10k / population_million,
                            health_expense_per_capita_yuan, population_million)::text
                        FROM province""",
        "heatmap": """SELECT medres.heatmap_svg(r, c, v ORDER BY o)
                      FROM (VALUES (1, 'r3', 'c2', 0.0), (2, 'r3', 'c1', 1.0), (3, 'r3', 'c4', 2.0),
                                   (4, 'r3', 'c3', 3.0), (5, 'r1', 'c2', 4.0), (6, 'r1', 'c1', 5.0),
                                   (7, 'r1', 'c4', 6.0), (8, 'r1', 'c3', 7.0), (9, 'r2', 'c2', 8.0),
                                   (10, 'r2', 'c1', 9.0), (11, 'r2', 'c4', 10.0),
                                   (12, 'r2', 'c3', NULL)) v(o, r, c, v)""",
        "dendrogram_k4": """SELECT medres.hclust_svg(ARRAY[institutions, personnel_10k, beds_10k,
                               health_expense_per_capita_yuan], province,
                               'ward', 'euclidean', 'zscore', '{"k": 4}') FROM province""",
        "text": """SELECT medres.lorenz_svg(1, 1, '北京 <&> "x''' || chr(1),
                          jsonb_build_object('title', '省 & <title>'))""",
    })
    try:
        out = run_queries(setup, queries)
    except Exception as e:  # noqa: BLE001 - report, then stop
        report(False, "the pictures' SQL runs", str(e))
        return

    pics = {}
    for name in queries:
        svg = out.get(name, "")
        if name.startswith("medres_"):
            continue
        try:
            root, img = render(svg)
            colours = len(img.getcolors(maxcolors=1 << 20) or [])
            report(colours > 2, "%s: well-formed XML, rendered by rsvg-convert (%d colours)"
                   % (name, colours))
            pics[name] = (svg, root, img)
        except Exception as e:  # noqa: BLE001
            report(False, "%s: well-formed XML, rendered by rsvg-convert" % name, str(e)[:300])

    # the pictures of the doc page
    if all(n in pics for n in doc_images):
        for n in doc_images:
            with open(os.path.join(ROOT, "doc", "img", n[4:] + ".svg"), "w", encoding="utf-8") as f:
                f.write(pics[n][0] + "\n")
        report(True, "doc/img: %d pictures written" % len(doc_images))

    series = hexrgb("#1b9e77")   # Dark2's first colour: the first series

    if "lorenz_equal" in pics:
        _, root, img = pics["lorenz_equal"]
        x0, y0, w, h = frame(root)
        on = [dist(best_near(img, x0 + t * w, y0 + h - t * h, series), series)
              for t in [i / 40 for i in range(2, 39)]]
        report(max(on) <= 40, "lorenz_svg of equal values: the curve's colour all along the diagonal",
               "worst colour distance %d" % max(on))
        off = 0
        for py in range(int(y0) + 2, int(y0 + h) - 1):
            for px in range(int(x0) + 2, int(x0 + w) - 1):
                if dist(img.getpixel((px, py)), series) <= 60:
                    # distance from the diagonal y = y0 + h - (x - x0) * h / w
                    d = abs((py + 0.5) - (y0 + h - (px + 0.5 - x0) * h / w)) / 2 ** 0.5
                    if d > 3:
                        off += 1
        report(off == 0, "lorenz_svg of equal values: no pixel of the curve off the diagonal",
               "%d pixels" % off)
        g = legend_figures(root, "G")
        report(g == ["G = 0"], "lorenz_svg of equal values: G = 0 in the legend", repr(g))

    if "lorenz_1_50" in pics:
        # L(0.5) = (1 + ... + 25) / (1 + ... + 50) = 325 / 1275
        _, root, img = pics["lorenz_1_50"]
        x0, y0, w, h = frame(root)
        at = best_near(img, x0 + 0.5 * w, y0 + h - 325 / 1275 * h, series)
        diag = best_near(img, x0 + 0.5 * w, y0 + 0.5 * h, series)
        report(dist(at, series) <= 40 and dist(diag, series) > 100,
               "lorenz_svg of 1..50 passes through (0.5, 325/1275), below the diagonal",
               "at %r, on the diagonal %r" % (at, diag))

    rows = provinces()
    pop = [float(r["population_million"]) for r in rows]
    if "lorenz_figures" in pics:
        root = pics["lorenz_figures"][1]
        figs = dict(t.split(": G = ") for t in legend_figures(root, "G"))
        medres = dict(p.split("=") for p in out["medres_gini"].split(";"))
        ok = len(figs) == 3
        for res, col in (("beds", "beds_10k"), ("personnel", "personnel_10k"),
                         ("institutions", "institutions")):
            x = [float(r[col]) / p for r, p in zip(rows, pop)]
            g = gini_oracle(x, pop)
            v = float(figs.get(res, "nan"))
            ok = ok and abs(v - g) <= 1e-7 * g and abs(v - float(medres[res])) <= 1e-7 * g
        report(ok, "lorenz_svg legend: each series' Gini = the pairwise definition = medres.gini",
               repr((figs, medres)))

    if "concentration_figures" in pics:
        root = pics["concentration_figures"][1]
        figs = legend_figures(root, "C")
        h = [float(r["beds_10k"]) / p for r, p in zip(rows, pop)]
        rk = [float(r["health_expense_per_capita_yuan"]) for r in rows]
        c = concentration_oracle(h, rk, pop)
        ok = len(figs) == 1
        if ok:
            v = float(figs[0].split(" = ")[1])
            ok = abs(v - c) <= 1e-7 * abs(c) and abs(v - float(out["medres_ci"])) <= 1e-7 * abs(c)
        report(ok, "concentration_svg legend: C = the fractional-rank definition = "
               "medres.concentration_index", "%r, oracle %.10g" % (figs, c))

    if "heatmap" in pics:
        _, root, img = pics["heatmap"]
        cells = root.findall(".//s:g[@class='cells']/s:path", NS)
        worst, checked, null_ok = 0, 0, False
        for p in cells:
            tip = p.find("s:title", NS).text          # "r1, c2: 4"
            xs = [float(v) for v in re.findall(r"[-\d.]+", p.get("d"))]
            # a corner of the cell, inside its white border and away from the value's text
            px = img.getpixel((int(min(xs[0::2])) + 4, int(min(xs[1::2])) + 4))
            val = tip.split(": ")[1]
            if val == "NULL":
                null_ok = dist(px, hexrgb("#d9d9d9")) <= 3
                continue
            want = viridis(float(val) / 10.0)      # values 0..10: lo 0, hi 10
            worst = max(worst, dist(px, want))
            checked += 1
        report(checked == 11 and worst <= 3,
               "heatmap_svg: every cell has its value's colour on the viridis scale",
               "%d cells, worst distance %d" % (checked, worst))
        report(null_ok, "heatmap_svg: the NULL cell is light grey")
        rlab = [t.text for t in root.findall(".//s:g[@class='rows']/s:text", NS)]
        clab = [t.text for t in root.findall(".//s:g[@class='columns']/s:text", NS)]
        report(rlab == ["r3", "r1", "r2"] and clab == ["c2", "c1", "c4", "c3"],
               "heatmap_svg: rows and columns in the order given", repr((rlab, clab)))

    if "dendrogram_k4" in pics:
        import numpy as np
        from scipy.cluster.hierarchy import fcluster, linkage
        _, root, img = pics["dendrogram_k4"]
        X = np.array([[float(r[c]) for c in ("institutions", "personnel_10k", "beds_10k",
                                             "health_expense_per_capita_yuan")] for r in rows])
        Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
        L = linkage(Z, "ward", metric="euclidean")
        n = len(rows)
        t = (L[n - 5, 2] + L[n - 4, 2]) / 2          # between the 27th and 28th merges: 4 clusters
        oracle = dict(zip((r["province"] for r in rows), fcluster(L, t, "distance")))
        x0 = min(float(re.match(r"M([-\d.]+)", p.get("d")).group(1))
                 for p in root.findall(".//s:g[@class='merges']/s:path", NS))
        colour = {}
        for tx in root.findall(".//s:g[@class='labels']/s:text", NS):
            y = float(tx.get("y")) - 4                 # the leaf's branch
            colour[tx.text] = img.getpixel((int(x0 + 3), int(y) - 1))
        groups = {}
        for name, c in oracle.items():
            groups.setdefault(c, []).append(colour.get(name, (0, 0, 0)))
        same = all(dist(c, cs[0]) <= 6 for cs in groups.values() for c in cs)
        reps = [cs[0] for cs in groups.values()]
        apart = all(dist(a, b) > 60 for i, a in enumerate(reps) for b in reps[i + 1:])
        not_black = all(dist(c, (0, 0, 0)) > 60 and dist(c, (255, 255, 255)) > 60 for c in reps)
        report(len(groups) == 4 and same and apart and not_black,
               "hclust_svg cut at k = 4: branches coloured by scipy's four clusters",
               repr(groups))

    if "text" in pics:
        root = pics["text"][1]
        title = root.find("s:title", NS).text
        legend = legend_figures(root, "G")
        report(title == "省 & <title>" and legend == ['北京 <&> "x\'\ufffd: G = 0'],
               "user text: Chinese and markup escaped, a control character replaced",
               repr((title, legend)))


if __name__ == "__main__":
    main()
    finish()
