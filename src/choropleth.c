/*
 * choropleth.c — medres.choropleth_svg (medres_postgis): a map of areal
 * units filled by the class of a value or by a category, as SVG text.
 *
 *   choropleth_svg(geom geometry, value float8 [, options jsonb])
 *   choropleth_svg(geom geometry, class text [, options jsonb])
 *
 * Geometries.  Like spatial.c this file never reads PostGIS's serialized
 * geometry (Debian ships no PostGIS headers): the transition function asks
 * PostGIS for ST_AsEWKB(geom), calling the function of the postgis
 * extension's schema through the function manager (looked up once per
 * aggregate call by name and argument type), and decodes the EWKB here
 * (Polygon, MultiPolygon, GeometryCollection of them; Z and M dropped).
 * The state keeps the rings as doubles, pointer-free, so it serializes as
 * it is for parallel plans.
 *
 * Projection (option "projection"):
 *   "auto"  (default) equirectangular when the SRID is geographic
 *           (spatial_ref_sys's proj4text says +proj=longlat), else "none";
 *   "equirectangular"  x = (lon - lon0) cos(lat0), y = lat, with lat0 the
 *           middle of the latitude range and lon0 the middle of the
 *           longitude range, the map being cut open in the widest empty
 *           meridian gap (so units spanning the antimeridian, the
 *           Aleutians, stay together): the plate carrée scaled so that
 *           shapes are true at lat0, chosen for being simple, exactly
 *           reproducible (the tests map points through it) and good enough
 *           for a country;
 *   "none"  the coordinates as they are (a projected SRID).
 * The drawing maps (x, y) to pixels by X = tx + s x, Y = ty - s y, fitting
 * the map area; the <g class="units"> element carries data-projection,
 * data-lon0, data-lat0, data-scale, data-tx, data-ty so that points can be
 * placed on the map afterwards (test/maps.py does).
 *
 * Simplification (option "simplify", pixels, default 0.5): every ring is
 * simplified in pixel space by Douglas and Peucker's algorithm (1973) with
 * that tolerance, and written on a 0.1-pixel grid as relative moves;
 * rings that collapse below three points are dropped.  The 3,230 US
 * counties of us-atlas come to about 350 kB at 960 x 600 (620 kB unsimplified;
 * test/maps.py checks < 500 kB).
 *
 * Classes (numeric values): option "method" quantile (default), equal,
 * jenks (jenks.c) with "classes" k (default 5), or "breaks": an ascending
 * array b0 < ... < bk, as class_breaks returns (values below b0 or above
 * bk fall in the end classes, whose labels then say so).  Categories: in
 * name order, except that LISA's quadrants (HH, HL, LH, LL, not
 * significant) get GeoDa's colours when every category is one of them and
 * no palette is given.  NULL values and classes are drawn grey as "no
 * data"; rows with a NULL geometry are left out.
 */
#include "medres.h"
#include "svg.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#define CHORO_VERSION 1
#define CHORO_UNITS_MAX 1000000
#define CHORO_CATEGORIES_MAX 1000
#define NODATA_COLOR "#d9d9d9"

/* ---------------------------------------------------------------------
 * State: one record per unit, and a blob with every unit's rings
 * (int32 nrings, then per ring int32 npoints and npoints x,y doubles) and
 * its class text.
 * --------------------------------------------------------------------- */

typedef struct ChoroUnit
{
	double		value;			/* numeric map */
	int64		geom_off;		/* into blob */
	int64		geom_len;
	int64		cls_off;		/* class text in blob, cls_len -1 for NULL */
	int32		cls_len;
	int32		has_value;		/* numeric: 0 for NULL */
} ChoroUnit;

typedef struct ChoroState
{
	int32		is_class;
	int32		srid;
	int64		n;
	int64		cap;
	ChoroUnit  *units;
	StringInfoData blob;
	char	   *options;		/* jsonb text or NULL */
} ChoroState;

typedef struct ChoroHeader
{
	MedresStateTag tag;
	int32		is_class;
	int32		srid;
	int64		n;
	int64		blob_len;
	int64		options_len;	/* -1: none */
} ChoroHeader;

static ChoroState *
choro_new(MemoryContext cxt, bool is_class)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ChoroState *s = palloc0(sizeof(ChoroState));

	s->is_class = is_class;
	s->srid = -1;
	initStringInfo(&s->blob);
	MemoryContextSwitchTo(old);
	return s;
}

static void
choro_reserve(ChoroState *s, int64 more, MemoryContext cxt)
{
	int64		need = s->n + more;

	if (need <= s->cap)
		return;
	if (need > CHORO_UNITS_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("choropleth_svg draws at most %d units", CHORO_UNITS_MAX)));
	s->cap = Min(Max(need, Max(2 * s->cap, 64)), CHORO_UNITS_MAX);
	if (s->units == NULL)
		s->units = MemoryContextAlloc(cxt, s->cap * sizeof(ChoroUnit));
	else
		s->units = repalloc(s->units, s->cap * sizeof(ChoroUnit));
}

/* ---------------------------------------------------------------------
 * EWKB decoding
 * --------------------------------------------------------------------- */

typedef struct WkbReader
{
	const uint8 *p;
	const uint8 *end;
	StringInfo	out;
	int32		nrings;
} WkbReader;

pg_noreturn static void
wkb_bad(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for argument \"geom\": %s", detail)));
}

static uint32
wkb_u32(WkbReader *r, bool le)
{
	uint32		v;

	if (r->end - r->p < 4)
		wkb_bad("truncated well-known binary");
	v = le ? (uint32) r->p[0] | (uint32) r->p[1] << 8 | (uint32) r->p[2] << 16 | (uint32) r->p[3] << 24
		: (uint32) r->p[3] | (uint32) r->p[2] << 8 | (uint32) r->p[1] << 16 | (uint32) r->p[0] << 24;
	r->p += 4;
	return v;
}

static double
wkb_f64(WkbReader *r, bool le)
{
	uint64		u = 0;
	double		d;

	if (r->end - r->p < 8)
		wkb_bad("truncated well-known binary");
	for (int i = 0; i < 8; i++)
		u |= (uint64) r->p[le ? i : 7 - i] << (8 * i);
	r->p += 8;
	memcpy(&d, &u, sizeof(d));
	return d;
}

static const char *
wkb_type_name(uint32 t)
{
	static const char *const names[] = {"geometry", "point", "linestring", "polygon",
		"multipoint", "multilinestring", "multipolygon", "geometrycollection"};

	return t < 8 ? names[t] : "curved or other geometry";
}

/* one geometry (recursively); srid_out gets the SRID of the top level */
static void
wkb_geometry(WkbReader *r, int depth, int32 *srid_out)
{
	bool		le;
	uint32		type,
				base,
				dims = 2,
				n;

	if (depth > 16)
		wkb_bad("geometry collections nested too deeply");
	if (r->p >= r->end)
		wkb_bad("truncated well-known binary");
	le = *r->p++ == 1;
	type = wkb_u32(r, le);
	if (type & 0x80000000)
		dims++;
	if (type & 0x40000000)
		dims++;
	if (type & 0x20000000)
	{
		int32		srid = (int32) wkb_u32(r, le);

		if (depth == 0)
			*srid_out = srid;
	}
	base = type & 0x0FFFFFFF;
	if (base >= 1000)
	{
		/* ISO: 1000 Z, 2000 M, 3000 ZM */
		dims = 2 + (base / 1000 == 3 ? 2 : 1);
		base %= 1000;
	}
	CHECK_FOR_INTERRUPTS();
	switch (base)
	{
		case 3:					/* polygon */
			n = wkb_u32(r, le);
			for (uint32 i = 0; i < n; i++)
			{
				uint32		np = wkb_u32(r, le);

				if (np > (uint32) ((r->end - r->p) / (8 * dims)))
					wkb_bad("truncated well-known binary");
				appendBinaryStringInfo(r->out, (char *) &np, sizeof(int32));
				for (uint32 k = 0; k < np; k++)
				{
					double		xy[2];

					xy[0] = wkb_f64(r, le);
					xy[1] = wkb_f64(r, le);
					r->p += 8 * (dims - 2);
					if (!isfinite(xy[0]) || !isfinite(xy[1]))
						wkb_bad("a coordinate is not finite");
					appendBinaryStringInfo(r->out, (char *) xy, sizeof(xy));
				}
				r->nrings++;
			}
			break;
		case 6:					/* multipolygon */
		case 7:					/* geometry collection */
			n = wkb_u32(r, le);
			for (uint32 i = 0; i < n; i++)
				wkb_geometry(r, depth + 1, srid_out);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"geom\": a %s, not a polygon", wkb_type_name(base)),
					 errhint("A choropleth map fills polygons and multipolygons; "
							 "use ST_CurveToLine for curved ones.")));
	}
}

/* ---------------------------------------------------------------------
 * Transition: ST_AsEWKB through the function manager
 * --------------------------------------------------------------------- */

typedef struct ChoroCache
{
	Oid			geomtype;
	FmgrInfo	asewkb;
} ChoroCache;

static ChoroCache *
choro_cache(FunctionCallInfo fcinfo)
{
	ChoroCache *c = fcinfo->flinfo->fn_extra;
	Oid			t = get_fn_expr_argtype(fcinfo->flinfo, 1);

	if (c != NULL && c->geomtype == t)
		return c;
	if (!OidIsValid(t))
		elog(ERROR, "choropleth_svg: could not determine the type of geom");
	{
		HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(t));
		Oid			nsp;
		Oid			fn;
		List	   *name;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for type %u", t);
		nsp = ((Form_pg_type) GETSTRUCT(tup))->typnamespace;
		ReleaseSysCache(tup);
		name = list_make2(makeString(get_namespace_name(nsp)), makeString("st_asewkb"));
		fn = LookupFuncName(name, 1, &t, false);
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ChoroCache));
		fmgr_info_cxt(fn, &c->asewkb, fcinfo->flinfo->fn_mcxt);
		c->geomtype = t;
		fcinfo->flinfo->fn_extra = c;
	}
	return c;
}

static Datum
choro_trans(FunctionCallInfo fcinfo, bool is_class)
{
	MemoryContext aggcxt,
				old;
	ChoroState *s;
	ChoroCache *c;
	bytea	   *ewkb;
	WkbReader	r;
	int32		srid = 0;
	ChoroUnit  *u;
	int64		start;
	int32		zero = 0;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "choropleth_svg transition called in non-aggregate context");
	s = PG_ARGISNULL(0) ? choro_new(aggcxt, is_class) : (ChoroState *) PG_GETARG_POINTER(0);
	if (s->options == NULL && PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		char	   *t = svg_options_text(PG_GETARG_JSONB_P(3));

		s->options = MemoryContextStrdup(aggcxt, t);
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	c = choro_cache(fcinfo);
	ewkb = DatumGetByteaPP(FunctionCall1Coll(&c->asewkb, InvalidOid, PG_GETARG_DATUM(1)));

	old = MemoryContextSwitchTo(aggcxt);
	choro_reserve(s, 1, aggcxt);
	start = s->blob.len;
	appendBinaryStringInfo(&s->blob, (char *) &zero, sizeof(int32));	/* nrings, below */
	r.p = (const uint8 *) VARDATA_ANY(ewkb);
	r.end = r.p + VARSIZE_ANY_EXHDR(ewkb);
	r.out = &s->blob;
	r.nrings = 0;
	wkb_geometry(&r, 0, &srid);
	memcpy(s->blob.data + start, &r.nrings, sizeof(int32));
	if (s->srid < 0)
		s->srid = srid;
	else if (s->srid != srid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"geom\": SRID %d after SRID %d", srid, s->srid),
				 errhint("Transform the geometries to one SRID with ST_Transform.")));
	u = &s->units[s->n++];
	u->geom_off = start;
	u->geom_len = s->blob.len - start;
	u->value = 0.0;
	u->has_value = 0;
	u->cls_off = 0;
	u->cls_len = -1;
	if (!PG_ARGISNULL(2))
	{
		if (is_class)
		{
			text	   *t = PG_GETARG_TEXT_PP(2);

			u->cls_off = s->blob.len;
			u->cls_len = VARSIZE_ANY_EXHDR(t);
			appendBinaryStringInfo(&s->blob, VARDATA_ANY(t), u->cls_len);
		}
		else
		{
			u->value = PG_GETARG_FLOAT8(2);
			medres_check_finite("value", u->value);
			u->has_value = 1;
		}
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(medres_choropleth_value_trans);
Datum
medres_choropleth_value_trans(PG_FUNCTION_ARGS)
{
	return choro_trans(fcinfo, false);
}

PG_FUNCTION_INFO_V1(medres_choropleth_class_trans);
Datum
medres_choropleth_class_trans(PG_FUNCTION_ARGS)
{
	return choro_trans(fcinfo, true);
}

/* ---------------------------------------------------------------------
 * Parallel: combine, serialize, deserialize
 * --------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(medres_choropleth_combine);
Datum
medres_choropleth_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	ChoroState *a,
			   *b;
	int64		shift;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "choropleth_svg combine called in non-aggregate context");
	a = PG_ARGISNULL(0) ? NULL : (ChoroState *) PG_GETARG_POINTER(0);
	b = PG_ARGISNULL(1) ? NULL : (ChoroState *) PG_GETARG_POINTER(1);
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		a = choro_new(aggcxt, b->is_class);
	if (a->srid >= 0 && b->srid >= 0 && a->srid != b->srid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"geom\": SRID %d after SRID %d", b->srid, a->srid),
				 errhint("Transform the geometries to one SRID with ST_Transform.")));
	if (a->srid < 0)
		a->srid = b->srid;
	if (a->options == NULL && b->options != NULL)
		a->options = MemoryContextStrdup(aggcxt, b->options);
	old = MemoryContextSwitchTo(aggcxt);
	choro_reserve(a, b->n, aggcxt);
	shift = a->blob.len;
	appendBinaryStringInfo(&a->blob, b->blob.data, b->blob.len);
	for (int64 i = 0; i < b->n; i++)
	{
		ChoroUnit	u = b->units[i];

		u.geom_off += shift;
		if (u.cls_len >= 0)
			u.cls_off += shift;
		a->units[a->n++] = u;
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(medres_choropleth_serialize);
Datum
medres_choropleth_serialize(PG_FUNCTION_ARGS)
{
	ChoroState *s = (ChoroState *) PG_GETARG_POINTER(0);
	ChoroHeader h;
	Size		olen = s->options ? strlen(s->options) : 0;
	Size		len = sizeof(h) + s->n * sizeof(ChoroUnit) + s->blob.len + olen;
	bytea	   *out;
	char	   *p;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "choropleth_svg serialize called in non-aggregate context");
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("choropleth_svg state too large to send to a parallel worker"),
				 errhint("Simplify the geometries with ST_SimplifyPreserveTopology first.")));
	medres_state_tag(&h.tag, MEDRES_STATE_CHOROPLETH, CHORO_VERSION);
	h.is_class = s->is_class;
	h.srid = s->srid;
	h.n = s->n;
	h.blob_len = s->blob.len;
	h.options_len = s->options ? (int64) olen : -1;
	out = medres_palloc_advised(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	p = VARDATA(out);
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	if (s->n > 0)
		memcpy(p, s->units, s->n * sizeof(ChoroUnit));
	p += s->n * sizeof(ChoroUnit);
	memcpy(p, s->blob.data, s->blob.len);
	p += s->blob.len;
	if (olen > 0)
		memcpy(p, s->options, olen);
	PG_RETURN_BYTEA_P(out);
}

/* a unit's rings lie within the blob and add up to its length */
static bool
choro_geom_ok(const char *blob, int64 blob_len, const ChoroUnit *u)
{
	int64		off = u->geom_off,
				end;
	int32		nr;

	if (off < 0 || u->geom_len < 4 || off > blob_len - u->geom_len)
		return false;
	end = off + u->geom_len;
	memcpy(&nr, blob + off, 4);
	off += 4;
	if (nr < 0)
		return false;
	for (int32 i = 0; i < nr; i++)
	{
		int32		np;

		if (end - off < 4)
			return false;
		memcpy(&np, blob + off, 4);
		off += 4;
		if (np < 0 || (int64) np * 16 > end - off)
			return false;
		for (int32 k = 0; k < 2 * np; k++)
		{
			double		d;

			memcpy(&d, blob + off + 8 * k, 8);
			if (!isfinite(d))
				return false;
		}
		off += (int64) np * 16;
	}
	return off == end;
}

PG_FUNCTION_INFO_V1(medres_choropleth_deserialize);
Datum
medres_choropleth_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *data = VARDATA_ANY(in);
	Size		len = VARSIZE_ANY_EXHDR(in);
	MemoryContext aggcxt,
				old;
	ChoroHeader h;
	ChoroState *s;
	const char *blob;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "choropleth_svg deserialize called in non-aggregate context");
	medres_state_check(data, len, sizeof(h), MEDRES_STATE_CHOROPLETH, MEDRES_STATE_CHOROPLETH,
					   CHORO_VERSION);
	memcpy(&h, data, sizeof(h));
	if (h.n < 0 || h.n > CHORO_UNITS_MAX || h.blob_len < 0 || h.options_len < -1
		|| (h.is_class != 0 && h.is_class != 1)
		|| (Size) h.blob_len > len || (Size) Max(h.options_len, 0) > len
		|| len != sizeof(h) + h.n * sizeof(ChoroUnit) + h.blob_len + Max(h.options_len, 0))
		medres_state_invalid("The choropleth_svg state has an impossible size.");
	s = choro_new(aggcxt, h.is_class);
	s->srid = h.srid;
	old = MemoryContextSwitchTo(aggcxt);
	choro_reserve(s, h.n, aggcxt);
	if (h.n > 0)
		memcpy(s->units, data + sizeof(h), h.n * sizeof(ChoroUnit));
	s->n = h.n;
	blob = data + sizeof(h) + h.n * sizeof(ChoroUnit);
	appendBinaryStringInfo(&s->blob, blob, h.blob_len);
	if (h.options_len >= 0)
		s->options = pnstrdup(blob + h.blob_len, h.options_len);
	MemoryContextSwitchTo(old);
	for (int64 i = 0; i < s->n; i++)
	{
		ChoroUnit  *u = &s->units[i];

		if (!choro_geom_ok(s->blob.data, s->blob.len, u)
			|| (u->cls_len >= 0 && (u->cls_off < 0 || u->cls_off > s->blob.len - u->cls_len))
			|| u->cls_len < -1 || !isfinite(u->value))
			medres_state_invalid("The choropleth_svg state holds a unit outside its data.");
	}
	PG_RETURN_POINTER(s);
}

/* ---------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

enum
{
	PROJ_AUTO, PROJ_EQUIRECT, PROJ_NONE
};

typedef struct MapOptions
{
	int			k;
	bool		k_given;
	int			method;			/* 0 quantile 1 equal 2 jenks 3 breaks; -1 unset */
	double	   *breaks;
	int			nbreaks;
	double		simplify;
	int			projection;
	bool		is_class;
} MapOptions;

static bool
map_option(const char *key, JsonbValue *v, void *arg)
{
	MapOptions *m = arg;

	if (strcmp(key, "classes") == 0)
	{
		if (v->type != jbvNull)
		{
			double		k = svg_opt_number(v, "options", key, 1, 100);

			if (k != floor(k))
				svg_opt_invalid("options", key, "The number of classes is an integer from 1 to 100.");
			m->k = (int) k;
			m->k_given = true;
		}
		return true;
	}
	if (strcmp(key, "method") == 0)
	{
		if (v->type != jbvNull)
		{
			char	   *s = svg_opt_string(v, "options", key);

			if (strcmp(s, "breaks") == 0)
				m->method = 3;
			else if (strcmp(s, "quantile") == 0 || strcmp(s, "equal") == 0 || strcmp(s, "jenks") == 0)
				m->method = medres_class_method(s, "options");
			else
				svg_opt_invalid("options", key, "Valid methods: quantile, equal, jenks, breaks.");
		}
		return true;
	}
	if (strcmp(key, "breaks") == 0)
	{
		if (v->type != jbvNull)
		{
			m->breaks = svg_opt_number_array(v, "options", key, &m->nbreaks);
			if (m->nbreaks < 2 || m->nbreaks > 101)
				svg_opt_invalid("options", key, "Give 2 to 101 ascending numbers: the lowest bound, then each class's upper bound.");
			/* b1 = b0 is allowed: class_breaks gives it for a class of the minimum alone */
			for (int i = 1; i < m->nbreaks; i++)
				if (!(m->breaks[i] > m->breaks[i - 1] || (i == 1 && m->breaks[1] == m->breaks[0])))
					svg_opt_invalid("options", key,
									"The breaks must be ascending (only the first two may be equal).");
		}
		return true;
	}
	if (strcmp(key, "simplify") == 0)
	{
		if (v->type != jbvNull)
			m->simplify = svg_opt_number(v, "options", key, 0, 100);
		return true;
	}
	if (strcmp(key, "projection") == 0)
	{
		if (v->type != jbvNull)
		{
			char	   *s = svg_opt_string(v, "options", key);

			if (strcmp(s, "auto") == 0)
				m->projection = PROJ_AUTO;
			else if (strcmp(s, "equirectangular") == 0)
				m->projection = PROJ_EQUIRECT;
			else if (strcmp(s, "none") == 0)
				m->projection = PROJ_NONE;
			else
				svg_opt_invalid("options", key, "Valid projections: auto, equirectangular, none.");
		}
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Projection
 * --------------------------------------------------------------------- */

/* does spatial_ref_sys call srid a longitude/latitude system? */
static bool
srid_is_geographic(int32 srid)
{
	bool		geo = false;

	if (srid <= 0)
		return false;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT n.nspname FROM pg_catalog.pg_extension e "
					"JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
					"WHERE e.extname = 'postgis'", true, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		char	   *nsp = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char	   *q = psprintf("SELECT proj4text LIKE '%%+proj=longlat%%' OR srtext LIKE 'GEOGCS%%' "
								 "OR srtext LIKE 'GEOGCRS%%' FROM %s.spatial_ref_sys WHERE srid = %d",
								 quote_identifier(nsp), srid);

		if (SPI_execute(q, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			geo = !isnull && DatumGetBool(d);
		}
	}
	SPI_finish();
	return geo;
}

typedef struct Proj
{
	bool		geographic;
	double		lon0,
				lat0,
				coslat0;
	double		s,
				tx,
				ty;
} Proj;

static inline void
proj_xy(const Proj *p, double lon, double lat, double *x, double *y)
{
	if (p->geographic)
	{
		/* the longitude difference wrapped into [-180, 180) around lon0 */
		*x = (lon - p->lon0 - 360.0 * floor((lon - p->lon0 + 180.0) / 360.0)) * p->coslat0;
		*y = lat;
	}
	else
	{
		*x = lon;
		*y = lat;
	}
}

/* a longitude wrapped into [-180, 180) */
static inline double
wrap180(double lon)
{
	return lon - 360.0 * floor((lon + 180.0) / 360.0);
}

/* calls fn(arg, x, y) for every vertex of every unit */
static void
for_each_vertex(const ChoroState *s, void (*fn) (void *, double, double), void *arg)
{
	for (int64 i = 0; i < s->n; i++)
	{
		const char *b = s->blob.data + s->units[i].geom_off;
		int32		nr;

		if ((i & 255) == 0)
			CHECK_FOR_INTERRUPTS();
		memcpy(&nr, b, 4);
		b += 4;
		for (int32 r = 0; r < nr; r++)
		{
			int32		np;

			memcpy(&np, b, 4);
			b += 4;
			for (int32 k = 0; k < np; k++)
			{
				double		xy[2];

				memcpy(xy, b + 16 * k, 16);
				fn(arg, xy[0], xy[1]);
			}
			b += 16 * (int64) np;
		}
	}
}

#define LON_BINS 3600			/* tenths of a degree */

typedef struct CentreScan
{
	bool	   *bin;
	double		cut;			/* the meridian where the map is cut open */
	double		lonmin,
				lonmax,
				latmin,
				latmax;
	bool		any;
} CentreScan;

static void
centre_bins(void *arg, double lon, double lat)
{
	CentreScan *c = arg;
	int			k = (int) floor((wrap180(lon) + 180.0) * 10.0);

	c->bin[Max(0, Min(LON_BINS - 1, k))] = true;
}

static void
centre_range(void *arg, double lon, double lat)
{
	CentreScan *c = arg;
	/* the longitude east of the cut, in [cut, cut + 360) */
	double		l = c->cut + (wrap180(lon - c->cut + 180.0) + 180.0);

	c->lonmin = Min(c->lonmin, l);
	c->lonmax = Max(c->lonmax, l);
	c->latmin = Min(c->latmin, lat);
	c->latmax = Max(c->latmax, lat);
	c->any = true;
}

/*
 * lon0 and lat0 of the equirectangular projection.  The map is cut open
 * at the middle of the widest run of empty tenth-of-a-degree longitude
 * bins (circular), so that units across the antimeridian stay together;
 * lon0 is then the middle of the exact longitude range east of that cut,
 * lat0 the middle of the latitude range.  O(vertices), no sort.
 */
static void
proj_centre(Proj *p, const ChoroState *s)
{
	CentreScan	c;
	int			best_len = 0,
				best_start = 0;

	memset(&c, 0, sizeof(c));
	c.bin = palloc0(sizeof(bool) * LON_BINS);
	for_each_vertex(s, centre_bins, &c);
	/* the longest circular run of empty bins */
	for (int start = 0; start < LON_BINS; start++)
	{
		int			len = 0;

		if (c.bin[start] || !c.bin[(start + LON_BINS - 1) % LON_BINS])
			continue;			/* runs start after an occupied bin */
		while (len < LON_BINS && !c.bin[(start + len) % LON_BINS])
			len++;
		if (len > best_len)
		{
			best_len = len;
			best_start = start;
		}
	}
	c.cut = best_len > 0 ? -180.0 + (best_start + best_len / 2.0) / 10.0 : 180.0;
	c.lonmin = c.latmin = DBL_MAX;
	c.lonmax = c.latmax = -DBL_MAX;
	for_each_vertex(s, centre_range, &c);
	p->lon0 = c.any ? wrap180((c.lonmin + c.lonmax) / 2.0) : 0.0;
	p->lat0 = c.any ? (c.latmin + c.latmax) / 2.0 : 0.0;
	p->lat0 = Max(-89.0, Min(89.0, p->lat0));
	p->coslat0 = cos(p->lat0 * M_PI / 180.0);
	pfree(c.bin);
}

/* ---------------------------------------------------------------------
 * Douglas-Peucker on one ring in pixel space
 * --------------------------------------------------------------------- */

static double
seg_dist2(double px, double py, double ax, double ay, double bx, double by)
{
	double		dx = bx - ax,
				dy = by - ay,
				l2 = dx * dx + dy * dy,
				t;

	if (l2 == 0.0)
		return (px - ax) * (px - ax) + (py - ay) * (py - ay);
	t = ((px - ax) * dx + (py - ay) * dy) / l2;
	t = Max(0.0, Min(1.0, t));
	dx = ax + t * dx - px;
	dy = ay + t * dy - py;
	return dx * dx + dy * dy;
}

/* mark keep[i] for the points of x[lo..hi] that Douglas-Peucker keeps (lo, hi kept) */
static void
dp_mark(const double *x, const double *y, int lo, int hi, double tol2, bool *keep, int *stack)
{
	int			top = 0;
	int64		work = 0;

	stack[top++] = lo;
	stack[top++] = hi;
	while (top > 0)
	{
		int			b = stack[--top],
					a = stack[--top],
					far = -1;
		double		best = tol2;

		/* a pathological ring costs O(n^2): answer cancel requests */
		work += b - a;
		if (work > (1 << 20))
		{
			CHECK_FOR_INTERRUPTS();
			work = 0;
		}
		for (int i = a + 1; i < b; i++)
		{
			double		d = seg_dist2(x[i], y[i], x[a], y[a], x[b], y[b]);

			if (d > best)
			{
				best = d;
				far = i;
			}
		}
		if (far >= 0)
		{
			keep[far] = true;
			stack[top++] = a;
			stack[top++] = far;
			stack[top++] = far;
			stack[top++] = b;
		}
	}
}

/* append n as tenths of a pixel: "12.3", "-.5", "7"; a space first unless it starts with '-' */
static void
put_tenths(StringInfo buf, int64 v, bool first)
{
	bool		neg = v < 0;
	int64		a = neg ? -v : v;

	if (neg)
		appendStringInfoChar(buf, '-');
	else if (!first)
		appendStringInfoChar(buf, ' ');
	if (a >= 10)
		appendStringInfo(buf, "%lld", (long long) (a / 10));
	if (a % 10 != 0)
		appendStringInfo(buf, ".%d", (int) (a % 10));
	else if (a < 10)
		appendStringInfoChar(buf, '0');
}

/*
 * One unit's rings as path data: projected, simplified, on the 0.1-pixel
 * grid, relative moves.  Returns the number of rings written.
 */
static int
draw_rings(StringInfo buf, const char *b, const Proj *p, double tol)
{
	int32		nr;
	int			written = 0;
	int64		cx = 0,
				cy = 0;			/* the pen, in tenths */

	memcpy(&nr, b, 4);
	b += 4;
	for (int32 r = 0; r < nr; r++)
	{
		int32		np;
		double	   *x,
				   *y;
		bool	   *keep;
		int		   *stack;
		int64	   *qx,
				   *qy;
		int			m = 0,
					far = 0;
		double		fd = -1;

		memcpy(&np, b, 4);
		b += 4;
		if (np < 4)
		{
			b += 16 * (int64) np;
			continue;
		}
		/* x, y, qx, qy, keep, and the stack of at most np pending intervals */
		medres_check_memory((Size) np * (4 * sizeof(double) + sizeof(bool) + 2 * sizeof(int)),
							"choropleth_svg");
		x = palloc(sizeof(double) * np);
		y = palloc(sizeof(double) * np);
		keep = palloc0(sizeof(bool) * np);
		stack = palloc(sizeof(int) * 2 * (np + 1));
		qx = palloc(sizeof(int64) * np);
		qy = palloc(sizeof(int64) * np);
		for (int32 k = 0; k < np; k++)
		{
			double		xy[2],
						u,
						v;

			memcpy(xy, b + 16 * k, 16);
			proj_xy(p, xy[0], xy[1], &u, &v);
			x[k] = p->tx + p->s * u;
			y[k] = p->ty - p->s * v;
		}
		b += 16 * (int64) np;
		/* split the closed ring at the vertex farthest from its first */
		for (int32 k = 1; k < np - 1; k++)
		{
			double		d = (x[k] - x[0]) * (x[k] - x[0]) + (y[k] - y[0]) * (y[k] - y[0]);

			if (d > fd)
			{
				fd = d;
				far = k;
			}
		}
		keep[0] = keep[np - 1] = keep[far] = true;
		if (tol > 0)
		{
			dp_mark(x, y, 0, far, tol * tol, keep, stack);
			dp_mark(x, y, far, np - 1, tol * tol, keep, stack);
		}
		else
			memset(keep, true, np);
		for (int32 k = 0; k < np - 1; k++)
		{
			int64		gx,
						gy;

			if (!keep[k])
				continue;
			if (!(fabs(x[k]) < 1e8 && fabs(y[k]) < 1e8))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("choropleth_svg: a projected coordinate is out of range")));
			gx = (int64) llround(x[k] * 10);
			gy = (int64) llround(y[k] * 10);
			if (m > 0 && gx == qx[m - 1] && gy == qy[m - 1])
				continue;
			qx[m] = gx;
			qy[m] = gy;
			m++;
		}
		while (m > 1 && qx[m - 1] == qx[0] && qy[m - 1] == qy[0])
			m--;
		if (m >= 3)
		{
			appendStringInfoChar(buf, 'm');
			put_tenths(buf, qx[0] - cx, true);
			put_tenths(buf, qy[0] - cy, false);
			for (int k = 1; k < m; k++)
			{
				put_tenths(buf, qx[k] - qx[k - 1], false);
				put_tenths(buf, qy[k] - qy[k - 1], false);
			}
			appendStringInfoChar(buf, 'z');
			/* after z the pen is back at the ring's first point */
			cx = qx[0];
			cy = qy[0];
			written++;
		}
		pfree(x);
		pfree(y);
		pfree(keep);
		pfree(stack);
		pfree(qx);
		pfree(qy);
	}
	return written;
}

/* the bounding box of every unit in projected coordinates (all 0 when there is no vertex) */
typedef struct BBoxScan
{
	const Proj *p;
	double		xmin,
				ymin,
				xmax,
				ymax;
} BBoxScan;

static void
bbox_vertex(void *arg, double lon, double lat)
{
	BBoxScan   *b = arg;
	double		u,
				v;

	proj_xy(b->p, lon, lat, &u, &v);
	b->xmin = Min(b->xmin, u);
	b->xmax = Max(b->xmax, u);
	b->ymin = Min(b->ymin, v);
	b->ymax = Max(b->ymax, v);
}

static void
proj_bbox(const ChoroState *s, const Proj *p, double *xmin, double *ymin, double *xmax, double *ymax)
{
	BBoxScan	b;

	b.p = p;
	b.xmin = b.ymin = DBL_MAX;
	b.xmax = b.ymax = -DBL_MAX;
	for_each_vertex(s, bbox_vertex, &b);
	if (b.xmin > b.xmax)
		b.xmin = b.xmax = b.ymin = b.ymax = 0.0;
	*xmin = b.xmin;
	*ymin = b.ymin;
	*xmax = b.xmax;
	*ymax = b.ymax;
}

/* ---------------------------------------------------------------------
 * Final: classes, legend, drawing
 * --------------------------------------------------------------------- */

static const char *const lisa_names[] = {"HH", "HL", "LH", "LL", "not significant"};
/* GeoDa's LISA cluster map colours */
static const char *const lisa_colors[] = {"#ff0000", "#f4ada8", "#a7adf9", "#0000ff", "#eeeeee"};

typedef struct Category
{
	char	   *name;
	int			index;
} Category;

static int
cmp_category(const void *a, const void *b)
{
	return strcmp(((const Category *) a)->name, ((const Category *) b)->name);
}

static char *
range_label(double lo, double hi, int digits, const char *prefix)
{
	StringInfoData l;

	initStringInfo(&l);
	if (prefix != NULL)
	{
		appendStringInfoString(&l, prefix);
		svg_value(&l, hi, digits);
		return l.data;
	}
	svg_value(&l, lo, digits);
	if (lo == hi)
		return l.data;			/* a class of one value */
	appendStringInfoString(&l, " \xe2\x80\x93 ");	/* en dash */
	svg_value(&l, hi, digits);
	return l.data;
}

/*
 * Numbers: the classes (class_breaks' rules, or the user's breaks), each
 * unit's colour and tooltip, and the legend (room for one more item).
 */
static SvgLegendItem *
classify_values(const ChoroState *s, const MapOptions *m, const SvgOptions *o,
				char **colors, char **tips, int *nitems, bool *nodata)
{
	int			ncls;
	SvgLegendItem *items;
	double	   *x = medres_alloc_huge(CurrentMemoryContext, s->n, sizeof(double), "choropleth_svg");
	double	   *brk;
	int			n = 0;
	double		vmin = DBL_MAX,
				vmax = -DBL_MAX;

	for (int64 i = 0; i < s->n; i++)
		if (s->units[i].has_value)
		{
			x[n++] = s->units[i].value;
			vmin = Min(vmin, s->units[i].value);
			vmax = Max(vmax, s->units[i].value);
		}
	if (m->method == 3)
	{
		brk = m->breaks;
		ncls = m->nbreaks - 1;
	}
	else if (n > 0)
	{
		brk = palloc(sizeof(double) * (m->k + 1));
		ncls = medres_class_breaks(x, n, m->k, m->method, brk);
	}
	else
	{
		brk = NULL;
		ncls = 0;
	}
	items = palloc0(sizeof(SvgLegendItem) * (ncls + 1));
	for (int c = 0; c < ncls; c++)
	{
		const char *prefix = NULL;

		svg_hex(svg_palette_class(o->palette, c, ncls), items[c].color);
		if (m->method == 3 && c == 0 && ncls > 1 && n > 0 && vmin < brk[0])
			prefix = "\xe2\x89\xa4 ";	/* less than or equal */
		if (m->method == 3 && c == ncls - 1 && ncls > 1 && n > 0 && vmax > brk[ncls])
			items[c].label = range_label(brk[c], brk[c], o->digits, "> ");
		else
			items[c].label = range_label(brk[c], brk[c + 1], o->digits, prefix);
	}
	*nitems = ncls;
	for (int64 i = 0; i < s->n; i++)
	{
		StringInfoData t;

		if (!s->units[i].has_value)
		{
			colors[i] = NODATA_COLOR;
			tips[i] = "no data";
			*nodata = true;
			continue;
		}
		colors[i] = items[medres_class_of(s->units[i].value, brk, ncls)].color;
		initStringInfo(&t);
		svg_value(&t, s->units[i].value, o->digits);
		tips[i] = t.data;
	}
	return items;
}

/*
 * Categories: in name order (byte order, the same in every plan), LISA's
 * quadrants in GeoDa's colours and order; each unit's colour and tooltip,
 * and the legend (room for one more item).
 */
static SvgLegendItem *
classify_categories(const ChoroState *s, const MapOptions *m, const SvgOptions *o,
					char **colors, char **tips, int *nitems, bool *nodata)
{
	SvgLegendItem *items;
	Category   *cat = palloc(sizeof(Category) * s->n);
	int			n = 0,
				nd = 0;
	int		   *cls_of = palloc(sizeof(int) * s->n);
	bool		lisa = (o->seen & SVG_OPT_PALETTE) == 0;

	for (int64 i = 0; i < s->n; i++)
	{
		ChoroUnit  *u = &s->units[i];

		if (u->cls_len < 0)
		{
			cls_of[i] = -1;
			continue;
		}
		cat[n].name = pnstrdup(s->blob.data + u->cls_off, u->cls_len);
		cat[n].index = i;
		n++;
	}
	qsort(cat, n, sizeof(Category), cmp_category);
	for (int i = 1, d = 1; i < n; i++)
		if (strcmp(cat[i].name, cat[i - 1].name) != 0 && ++d > CHORO_CATEGORIES_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("choropleth_svg draws at most %d categories", CHORO_CATEGORIES_MAX),
					 errhint("Group the classes, or map a number with classes.")));
	/* distinct names, in order */
	for (int i = 0; i < n; i++)
	{
		if (nd == 0 || strcmp(cat[i].name, cat[nd - 1].name) != 0)
			cat[nd++].name = cat[i].name;
		cls_of[cat[i].index] = nd - 1;
	}
	for (int i = 0; i < nd && lisa; i++)
	{
		bool		found = false;

		for (int j = 0; j < lengthof(lisa_names); j++)
			found |= strcmp(cat[i].name, lisa_names[j]) == 0;
		lisa = found;
	}
	items = palloc0(sizeof(SvgLegendItem) * (nd + 1));
	for (int c = 0; c < nd; c++)
	{
		items[c].label = cat[c].name;
		if (lisa)
		{
			for (int j = 0; j < lengthof(lisa_names); j++)
				if (strcmp(cat[c].name, lisa_names[j]) == 0)
					strlcpy(items[c].color, lisa_colors[j], 8);
		}
		else
			svg_hex(svg_palette_class(o->palette, c, nd), items[c].color);
	}
	if (lisa)
	{
		/* the quadrants in GeoDa's order, not significant last */
		SvgLegendItem *sorted = palloc0(sizeof(SvgLegendItem) * (nd + 1));
		int		   *remap = palloc(sizeof(int) * Max(nd, 1));
		int			k = 0;

		for (int j = 0; j < lengthof(lisa_names); j++)
			for (int c = 0; c < nd; c++)
				if (strcmp(cat[c].name, lisa_names[j]) == 0)
				{
					remap[c] = k;
					sorted[k++] = items[c];
				}
		items = sorted;
		for (int64 i = 0; i < s->n; i++)
			if (cls_of[i] >= 0)
				cls_of[i] = remap[cls_of[i]];
	}
	*nitems = nd;
	for (int64 i = 0; i < s->n; i++)
	{
		if (cls_of[i] < 0)
		{
			colors[i] = NODATA_COLOR;
			tips[i] = "no data";
			*nodata = true;
		}
		else
		{
			colors[i] = items[cls_of[i]].color;
			tips[i] = (char *) items[cls_of[i]].label;
		}
	}
	return items;
}

PG_FUNCTION_INFO_V1(medres_choropleth_final);
Datum
medres_choropleth_final(PG_FUNCTION_ARGS)
{
	ChoroState *s = PG_ARGISNULL(0) ? NULL : (ChoroState *) PG_GETARG_POINTER(0);
	SvgOptions	o;
	MapOptions	m;
	Proj		p;
	char	  **colors;			/* per unit */
	char	  **tips;			/* per unit */
	SvgLegendItem *items;
	int			nitems = 0;
	bool		nodata = false;
	double		legw,
				top,
				mapw,
				maph,
				xmin,
				ymin,
				xmax,
				ymax;
	StringInfoData buf;
	char		attrs[512];

	if (s == NULL || s->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("choropleth_svg needs at least one non-NULL geom"),
				 errdetail("The argument geom was NULL in every row, or there were no rows.")));

	memset(&m, 0, sizeof(m));
	m.k = 5;
	m.method = -1;
	m.simplify = 0.5;
	m.projection = PROJ_AUTO;
	m.is_class = s->is_class;
	svg_options_init(&o, 800, 560, "", s->is_class ? "Dark2" : "YlOrRd");
	svg_parse_options(&o, s->options, "options",
					  SVG_OPT_COMMON | SVG_OPT_DIGITS | SVG_OPT_LEGEND, map_option, &m,
					  "classes, method, breaks, simplify, projection");
	if (s->is_class && (m.method >= 0 || m.breaks != NULL || m.k_given))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"options\": \"classes\", \"method\" and \"breaks\" class numbers, not categories"),
				 errhint("Use choropleth_svg(geom, value float8, options) for numbers.")));
	if (m.method == 3 && m.breaks == NULL)
		svg_opt_invalid("options", "method", "The method \"breaks\" needs the option \"breaks\".");
	if (m.breaks != NULL)
		m.method = 3;
	if (m.method < 0)
		m.method = 0;

	colors = palloc0(sizeof(char *) * s->n);
	tips = palloc0(sizeof(char *) * s->n);
	if (!s->is_class)
		items = classify_values(s, &m, &o, colors, tips, &nitems, &nodata);
	else
		items = classify_categories(s, &m, &o, colors, tips, &nitems, &nodata);
	if (nodata)
	{
		items[nitems].label = "no data";
		strlcpy(items[nitems].color, NODATA_COLOR, 8);
		nitems++;
	}

	/* projection and layout */
	memset(&p, 0, sizeof(p));
	p.geographic = m.projection == PROJ_EQUIRECT
		|| (m.projection == PROJ_AUTO && srid_is_geographic(s->srid));
	if (p.geographic)
		proj_centre(&p, s);
	proj_bbox(s, &p, &xmin, &ymin, &xmax, &ymax);
	legw = nitems > 0 ? svg_legend_width(o.legend, items, nitems) + 20 : 0;
	top = o.title[0] != '\0' ? 34 : 10;
	mapw = o.width - legw - 20;
	maph = o.height - top - 10;
	if (mapw < 20 || maph < 20)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"options\": the map does not fit in %gx%g pixels beside its legend",
						o.width, o.height),
				 errhint("Give a larger \"width\" or \"height\".")));
	{
		double		dx = xmax - xmin,
					dy = ymax - ymin;

		if (!(dx > 0) && !(dy > 0))
			p.s = 1.0;
		else if (!(dx > 0))
			p.s = maph / dy;
		else if (!(dy > 0))
			p.s = mapw / dx;
		else
			p.s = Min(mapw / dx, maph / dy);
		if (!isfinite(p.s) || p.s <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("choropleth_svg: the geometries' extent cannot be drawn")));
		/* centred in the map area */
		p.tx = 10 + (mapw - p.s * dx) / 2 - p.s * xmin;
		p.ty = top + (maph - p.s * dy) / 2 + p.s * ymax;
	}

	initStringInfo(&buf);
	svg_begin(&buf, o.width, o.height, o.title);
	svg_title(&buf, o.width, o.title);
	snprintf(attrs, sizeof(attrs),
			 "class=\"units\" stroke=\"#7f7f7f\" stroke-width=\"%s\" stroke-linejoin=\"round\" "
			 "data-projection=\"%s\" data-lon0=\"%.17g\" data-lat0=\"%.17g\" "
			 "data-scale=\"%.17g\" data-tx=\"%.17g\" data-ty=\"%.17g\"",
			 s->n > 500 ? "0.2" : "0.5",
			 p.geographic ? "equirectangular" : "none", p.lon0, p.lat0, p.s, p.tx, p.ty);
	svg_group_begin(&buf, attrs);
	for (int64 i = 0; i < s->n; i++)
	{
		int			mark = buf.len;

		if ((i & 255) == 0)
			CHECK_FOR_INTERRUPTS();
		svg_path_begin(&buf, colors[i], NULL, 0, "evenodd");
		if (draw_rings(&buf, s->blob.data + s->units[i].geom_off, &p, m.simplify) == 0)
		{
			/* nothing left at this scale: no empty path */
			buf.len = mark;
			buf.data[mark] = '\0';
			continue;
		}
		svg_path_end(&buf, tips[i]);
	}
	svg_group_end(&buf);
	if (nitems > 0)
		svg_legend(&buf, o.width - legw + 5, top + 4, o.legend, items, nitems);
	svg_end(&buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}
