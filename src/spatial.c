/*
 * spatial.c — the C side of medres_postgis: spatial accessibility (the
 * floating-catchment-area family), spatial weights, and spatial
 * autocorrelation (Moran's I, LISA, Getis-Ord G*).
 *
 * PostGIS ships no C headers in Debian, so this file never touches a
 * geometry's internals.  Following pgRouting, each function takes inner
 * SQL, checks its columns by name, and runs it wrapped in a query that
 * asks PostGIS for plain numbers: ST_AsEWKB of points (type, SRID and
 * coordinates in one call), ST_AsBinary of polygons.  The inner SQL runs
 * through SPI with the caller's privileges; every identifier composed into
 * SQL is quoted.
 *
 * Definitions: METHODS.md, "Spatial accessibility (FCA family)" and
 * "Spatial autocorrelation"; doc/spatial.md.
 */
#include "medres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>

#define EARTH_RADIUS_M 6371008.8	/* mean radius (IUGG), as PostGIS's sphere */

/* ---------------------------------------------------------------------
 * Memory, interrupts and errors of inner SQL
 * --------------------------------------------------------------------- */

/*
 * An array that grows with the input: its size is checked against
 * medres.memory_limit before it is allocated (54000 with a hint, see
 * medres_check_memory), and it is allocated "huge" so that a request
 * within the limit never trips palloc's 1 GB cap (XX000).
 */
static void *
spatial_alloc(Size nmemb, Size size, const char *what)
{
	if (nmemb > 0 && size > MaxAllocHugeSize / nmemb)
		medres_check_memory(MaxAllocHugeSize, what);
	medres_check_memory(nmemb * size, what);
	return medres_alloc_huge(CurrentMemoryContext, nmemb, size, what);
}

static void *
spatial_alloc0(Size nmemb, Size size, const char *what)
{
	void	   *p = spatial_alloc(nmemb, size, what);

	memset(p, 0, nmemb * size);
	return p;
}

/* e with 2^e = pow2_scale(v) for v > 0, or 0 for v = 0: x / 2^e by ldexp(x, -e) is exact */
static int
pow2_exponent(double v)
{
	int			e;

	if (!(v > 0.0))
		return 0;
	(void) frexp(v, &e);
	return e - 1;
}

/*
 * A sort that answers cancel requests: runs of 8192 records sorted by
 * qsort, then merged bottom-up (stable), checking for interrupts between
 * runs and every 64k records merged.  qsort alone on the hundreds of
 * millions of links of a wide distance band held the backend for minutes.
 */
#define SORT_RUN 8192

static void
sort_interruptible(void *base, Size n, Size size, int (*cmp) (const void *, const void *),
				   const char *what)
{
	char	   *src = base,
			   *dst,
			   *buf;

	if (n <= SORT_RUN)
	{
		qsort(base, n, size, cmp);
		return;
	}
	for (Size s = 0; s < n; s += SORT_RUN)
	{
		CHECK_FOR_INTERRUPTS();
		qsort(src + s * size, Min(SORT_RUN, n - s), size, cmp);
	}
	buf = dst = spatial_alloc(n, size, what);
	for (Size width = SORT_RUN; width < n; width *= 2)
	{
		char	   *t;

		for (Size lo = 0; lo < n; lo += 2 * width)
		{
			Size		mid = Min(lo + width, n),
						hi = Min(lo + 2 * width, n),
						i = lo,
						j = mid,
						k = lo;

			while (i < mid && j < hi)
			{
				/* ties take the left run first: stable */
				if (cmp(src + j * size, src + i * size) < 0)
					memcpy(dst + (k++) * size, src + (j++) * size, size);
				else
					memcpy(dst + (k++) * size, src + (i++) * size, size);
				if ((k & 0xFFFF) == 0)
					CHECK_FOR_INTERRUPTS();
			}
			memcpy(dst + k * size, src + i * size, (mid - i) * size);
			k += mid - i;
			memcpy(dst + k * size, src + j * size, (hi - j) * size);
			CHECK_FOR_INTERRUPTS();
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != base)
		memcpy(base, src, n * size);
	pfree(buf);
}

/*
 * An error raised while inner SQL runs keeps its SQLSTATE and message and
 * gains a hint about the search_path.  Views and materialized views run
 * their inner SQL with the search_path of whoever queries or refreshes
 * them, and pg_restore's is empty, so "relation does not exist" there
 * usually means an unqualified table name.  Errors that already carry a
 * hint, cancels (class 57) and lack of resources (class 53) pass unchanged.
 * An internal error (XX000) there comes from PostGIS failing on a geometry
 * (GEOS on a ring with NaN coordinates, say), in the user's query or in the
 * centroids medres asks for: it becomes 22023 with a hint about the
 * geometries, its message kept.
 */
#define INNER_SQL_HINT "Inner SQL runs with the caller's search_path, and pg_restore sets it empty: " \
	"write table names in inner SQL with their schema (e.g. public.poly), above all in views and materialized views."

static void
rethrow_inner_sql_error(MemoryContext cxt)
{
	ErrorData  *edata;
	int			category;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
	if (edata->hint != NULL || category == ERRCODE_TO_CATEGORY(ERRCODE_QUERY_CANCELED) ||
		category == ERRCODE_TO_CATEGORY(ERRCODE_OUT_OF_MEMORY))
	{
		FreeErrorData(edata);
		PG_RE_THROW();
	}
	FlushErrorState();
	if (edata->sqlerrcode == ERRCODE_INTERNAL_ERROR)
	{
		edata->sqlerrcode = ERRCODE_INVALID_PARAMETER_VALUE;
		edata->hint = pstrdup("A geometry of the inner SQL could not be processed: "
							  "check that ST_IsValid(geom) holds and its coordinates are finite.");
	}
	else
		edata->hint = pstrdup(INNER_SQL_HINT);
	ReThrowError(edata);
}

/* SPI_execute of (a query around) inner SQL, read-only */
static int
inner_execute(const char *q, long count)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			rc = 0;

	PG_TRY();
	{
		rc = SPI_execute(q, true, count);
	}
	PG_CATCH();
	{
		rethrow_inner_sql_error(cxt);
	}
	PG_END_TRY();
	return rc;
}

/* ---------------------------------------------------------------------
 * Inner SQL: columns by name, then plain values
 * --------------------------------------------------------------------- */

/* the schema of the postgis extension, quoted, for composing ST_* calls */
static const char *
postgis_schema(void)
{
	int			rc = SPI_execute("SELECT n.nspname FROM pg_catalog.pg_extension e "
								 "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
								 "WHERE e.extname = 'postgis'", true, 1);

	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"postgis\" is not installed")));
	return quote_identifier(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
}

/* the result columns of an inner query (run with LIMIT 0, so only planned and started) */
static TupleDesc
inner_columns(const char *sql)
{
	char	   *q = psprintf("SELECT * FROM (%s) AS q LIMIT 0", sql);

	if (inner_execute(q, 0) != SPI_OK_SELECT)
		elog(ERROR, "medres: inner query did not run as a SELECT");
	return SPI_tuptable->tupdesc;
}

static int
column_number(TupleDesc td, const char *name)
{
	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(td, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
			return i;
	}
	return -1;
}

static bool
is_integer_type(Oid t)
{
	return t == INT2OID || t == INT4OID || t == INT8OID;
}

static bool
is_number_type(Oid t)
{
	return is_integer_type(t) || t == FLOAT4OID || t == FLOAT8OID || t == NUMERICOID;
}

static bool
is_geometry_type(Oid t)
{
	char	   *name = format_type_be(t);

	return strcmp(name, "geometry") == 0 || (strlen(name) > 9 &&
											 strcmp(name + strlen(name) - 9, ".geometry") == 0);
}

/* the column `name` of the inner query `argname`, of an accepted kind, or an error */
static int
require_column(TupleDesc td, const char *argname, const char *name, const char *kind)
{
	int			c = column_number(td, name);
	Oid			t;
	bool		ok;

	if (c < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must return a column named \"%s\"", argname, name)));
	t = TupleDescAttr(td, c)->atttypid;
	ok = strcmp(kind, "integer") == 0 ? is_integer_type(t)
		: strcmp(kind, "number") == 0 ? is_number_type(t) : is_geometry_type(t);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" of %s must be %s, not %s",
						name, argname, strcmp(kind, "integer") == 0 ? "of type integer or bigint"
						: strcmp(kind, "number") == 0 ? "of a number type" : "of type geometry",
						format_type_be(t))));
	return c;
}

/*
 * Run `sql` and hand every row to `row` in batches, through a cursor so a
 * million rows need not be held at once.
 */
typedef void (*RowFn) (void *arg, HeapTuple tup, TupleDesc td);

static Portal
inner_open(const char *sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	SPIPlanPtr	plan = NULL;
	Portal		portal = NULL;

	PG_TRY();
	{
		plan = SPI_prepare(sql, 0, NULL);
		if (plan != NULL)
			portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	}
	PG_CATCH();
	{
		rethrow_inner_sql_error(cxt);
	}
	PG_END_TRY();
	if (plan == NULL)
		elog(ERROR, "medres: could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	return portal;
}

static void
inner_fetch(Portal portal)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		SPI_cursor_fetch(portal, true, 10000);
	}
	PG_CATCH();
	{
		rethrow_inner_sql_error(cxt);
	}
	PG_END_TRY();
}

/* errors of the inner SQL itself get the search_path hint; those raised by row() do not */
static void
for_each_row(const char *sql, RowFn row, void *arg)
{
	Portal		portal = inner_open(sql);

	for (;;)
	{
		inner_fetch(portal);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			row(arg, SPI_tuptable->vals[r], SPI_tuptable->tupdesc);
			if ((r & 1023) == 1023)
				CHECK_FOR_INTERRUPTS();
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}

static int64
get_int8(HeapTuple tup, TupleDesc td, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(tup, td, col, isnull);

	return *isnull ? 0 : DatumGetInt64(d);
}

static double
get_float8(HeapTuple tup, TupleDesc td, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(tup, td, col, isnull);

	return *isnull ? 0.0 : DatumGetFloat8(d);
}

/* a growing array of doubles / ids in the caller's (SPI-independent) context */
typedef struct Vec
{
	MemoryContext cxt;
	const char *what;			/* for the medres.memory_limit message */
	Size		n;
	Size		cap;
	Size		elem;
	char	   *data;
} Vec;

static void
vec_init(Vec *v, MemoryContext cxt, Size elem, const char *what)
{
	v->cxt = cxt;
	v->what = what;
	v->n = 0;
	v->cap = 0;
	v->elem = elem;
	v->data = NULL;
}

static void *
vec_push(Vec *v)
{
	if (v->n == v->cap)
	{
		Size		cap = Max(v->cap * 2, 1024);

		/* the old and the new block coexist while repalloc copies */
		medres_check_memory((v->cap + cap) * v->elem, v->what);
		v->data = v->data ? repalloc_huge(v->data, cap * v->elem)
			: MemoryContextAllocHuge(v->cxt, cap * v->elem);
		v->cap = cap;
	}
	return v->data + (v->n++) * v->elem;
}

/* ---------------------------------------------------------------------
 * Points read from inner SQL
 * --------------------------------------------------------------------- */

typedef struct PointSet
{
	const char *argname;
	int			n;
	int			nvalues;		/* numeric columns per point */
	char	  **value_names;
	int64	   *id;
	double	   *x;				/* planar x, or longitude in degrees */
	double	   *y;				/* planar y, or latitude in degrees */
	double	   *values;			/* n x nvalues */
	int32		srid;
	bool		have_geom;
} PointSet;

typedef struct PointReader
{
	PointSet   *ps;
	Vec			id,
				xy,
				values;
	bool		srid_set;
} PointReader;

static uint32
wkb_uint32(const unsigned char *p, bool little)
{
	uint32		v;

	if (little)
		v = (uint32) p[0] | ((uint32) p[1] << 8) | ((uint32) p[2] << 16) | ((uint32) p[3] << 24);
	else
		v = (uint32) p[3] | ((uint32) p[2] << 8) | ((uint32) p[1] << 16) | ((uint32) p[0] << 24);
	return v;
}

static double
wkb_double(const unsigned char *p, bool little)
{
	unsigned char b[8];
	double		d;
	bool		host_little = true;

	{
		uint16		probe = 1;

		host_little = *(unsigned char *) &probe == 1;
	}
	for (int i = 0; i < 8; i++)
		b[i] = (little == host_little) ? p[i] : p[7 - i];
	memcpy(&d, b, 8);
	return d;
}

static const char *
wkb_type_name(uint32 type)
{
	static const char *const names[] = {"GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT",
		"MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};

	type &= 0x0FFFFFFF;
	type %= 1000;
	return type < 8 ? names[type] : "an unknown geometry type";
}

/* The id (column 1) and the geometry (column 2) of an inner query's row; neither may be NULL. */
static bytea *
get_id_geometry(HeapTuple tup, TupleDesc td, const char *argname, int64 *id)
{
	bool		isnull;
	Datum		d;

	*id = get_int8(tup, td, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s returned a NULL id", argname)));
	d = SPI_getbinval(tup, td, 2, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s returned a NULL geometry for id %lld", argname, (long long) *id)));
	return DatumGetByteaPP(d);
}

/* Every geometry of one inner query must have the same SRID: the first one's. */
static void
check_srid(bool *set, int32 *srid, int32 got, const char *argname)
{
	if (!*set)
	{
		*srid = got;
		*set = true;
	}
	else if (got != *srid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s mixes SRIDs %d and %d", argname, *srid, got)));
}

static void
point_row(void *arg, HeapTuple tup, TupleDesc td)
{
	PointReader *rd = arg;
	PointSet   *ps = rd->ps;
	bool		isnull;
	int64		id;

	if (ps->have_geom)
	{
		bytea	   *b = get_id_geometry(tup, td, ps->argname, &id);
		const unsigned char *p;
		bool		little;
		uint32		type;
		int32		srid = 0;
		double	   *xy = vec_push(&rd->xy);
		Size		len;

		p = (const unsigned char *) VARDATA_ANY(b);
		len = VARSIZE_ANY_EXHDR(b);
		if (len < 5)
			elog(ERROR, "medres: malformed EWKB");
		little = p[0] == 1;
		type = wkb_uint32(p + 1, little);
		p += 5;
		if (type & 0x20000000)
		{
			srid = (int32) wkb_uint32(p, little);
			p += 4;
		}
		if ((type & 0x0FFFFFFF) % 1000 != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of id %lld in %s is a %s, not a point",
							(long long) id, ps->argname, wkb_type_name(type)),
					 errhint("Use ST_Centroid(geom) or ST_PointOnSurface(geom) for areas.")));
		if ((Size) (p - (const unsigned char *) VARDATA_ANY(b)) + 16 > len)
			elog(ERROR, "medres: malformed EWKB");
		xy[0] = wkb_double(p, little);
		xy[1] = wkb_double(p + 8, little);
		if (isnan(xy[0]) || isnan(xy[1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of id %lld in %s is empty", (long long) id, ps->argname)));
		check_srid(&rd->srid_set, &ps->srid, srid, ps->argname);
	}
	else
	{
		id = get_int8(tup, td, 1, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s returned a NULL id", ps->argname)));
	}
	*(int64 *) vec_push(&rd->id) = id;
	for (int c = 0; c < ps->nvalues; c++)
	{
		double		v = get_float8(tup, td, (ps->have_geom ? 3 : 2) + c, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of %s is NULL for id %lld",
							ps->value_names[c], ps->argname, (long long) id)));
		if (!(v >= 0.0 && v <= DBL_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for \"%s\" of id %lld in %s: \"%s\"",
							ps->value_names[c], (long long) id, ps->argname, medres_float_text(v)),
					 errdetail("Supply and population must be finite and non-negative.")));
		*(double *) vec_push(&rd->values) = v;
	}
}

/*
 * LSD radix sort of 16-byte records by their leading int64, stable, a byte
 * at a time, skipping the bytes all keys share.  Grids and id maps sort a
 * record per input row, where qsort's comparisons were a tenth of the time.
 */
typedef struct KeyRecord
{
	int64		key;
	int64		payload;
} KeyRecord;

static void
radix_sort_keys(void *records, Size n)
{
	KeyRecord  *a = records;
	KeyRecord  *tmp;
	Size		count[256];

	if (n < 64)
	{
		/* insertion sort: stable and quick for a handful */
		for (Size i = 1; i < n; i++)
		{
			KeyRecord	r = a[i];
			Size		j = i;

			while (j > 0 && a[j - 1].key > r.key)
			{
				a[j] = a[j - 1];
				j--;
			}
			a[j] = r;
		}
		return;
	}
	tmp = spatial_alloc(n, sizeof(KeyRecord), "the sort of ids");
	for (int shift = 0; shift < 64; shift += 8)
	{
		Size		sum = 0;
		KeyRecord  *t;

		CHECK_FOR_INTERRUPTS();
		memset(count, 0, sizeof(count));
		for (Size i = 0; i < n; i++)
		{
			uint64		u = (uint64) a[i].key ^ UINT64CONST(0x8000000000000000);

			count[(u >> shift) & 0xFF]++;
		}
		if (count[(((uint64) a[0].key ^ UINT64CONST(0x8000000000000000)) >> shift) & 0xFF] == n)
			continue;			/* every key has this byte */
		for (int b = 0; b < 256; b++)
		{
			Size		c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (Size i = 0; i < n; i++)
		{
			uint64		u = (uint64) a[i].key ^ UINT64CONST(0x8000000000000000);

			tmp[count[(u >> shift) & 0xFF]++] = a[i];
		}
		t = a;
		a = tmp;
		tmp = t;
	}
	if (a != records)
	{
		memcpy(records, a, sizeof(KeyRecord) * n);
		pfree(a);
	}
	else
		pfree(tmp);
}

/* index of id in the sorted ids, or -1 */
static int
id_index(const int64 *sorted, const int *index_of, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (sorted[mid] == id)
			return index_of[mid];
		if (sorted[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* an id lookup table: sorted ids and, for each, the original index */
typedef struct IdMap
{
	int			n;
	int64	   *sorted;
	int		   *index_of;
} IdMap;

typedef struct IdIdx
{
	int64		id;
	int			idx;
} IdIdx;

static void
idmap_build(IdMap *m, const int64 *id, int n, const char *argname)
{
	IdIdx	   *t = spatial_alloc(n, sizeof(IdIdx), "the ids");

	for (int i = 0; i < n; i++)
	{
		t[i].id = id[i];
		t[i].idx = i;
	}
	StaticAssertStmt(sizeof(IdIdx) == sizeof(KeyRecord), "IdIdx is a KeyRecord");
	radix_sort_keys(t, n);
	m->n = n;
	m->sorted = spatial_alloc(n, sizeof(int64), "the ids");
	m->index_of = spatial_alloc(n, sizeof(int), "the ids");
	for (int i = 0; i < n; i++)
	{
		if (i > 0 && t[i].id == t[i - 1].id)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s returned id %lld more than once", argname, (long long) t[i].id)));
		m->sorted[i] = t[i].id;
		m->index_of[i] = t[i].idx;
	}
	pfree(t);
}

static int
idmap_find(const IdMap *m, int64 id)
{
	return id_index(m->sorted, m->index_of, m->n, id);
}

/*
 * Read the points of an inner query: `id`, `geom` (when need_geom, or when
 * present and allowed) and its numeric columns: all others (supply) or
 * exactly one (demand).
 */
#define VALUES_NONE		0
#define VALUES_ONE		1
#define VALUES_SOME		2

static void
read_points(const char *sql, const char *argname, bool need_geom, int values_mode,
			bool centroid, const char *pg, PointSet *ps, MemoryContext cxt)
{
	TupleDesc	td = inner_columns(sql);
	int			cid = require_column(td, argname, "id", "integer");
	int			cgeom = column_number(td, "geom");
	StringInfoData q;
	PointReader rd;
	int			nv = 0;
	bool		exactly_one_value = values_mode == VALUES_ONE;

	memset(ps, 0, sizeof(*ps));
	ps->argname = argname;
	if (need_geom)
		cgeom = require_column(td, argname, "geom", "geometry");
	ps->have_geom = need_geom;
	ps->value_names = MemoryContextAlloc(cxt, sizeof(char *) * Max(td->natts, 1));
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT q.id::pg_catalog.int8");
	if (ps->have_geom)
		appendStringInfo(&q, centroid ? ", %s.ST_AsEWKB(%s.ST_Centroid(q.geom))" : ", %s.ST_AsEWKB(q.geom)",
						 pg, pg);
	for (int c = 0; c < td->natts; c++)
	{
		Form_pg_attribute a = TupleDescAttr(td, c);

		if (a->attisdropped || c == cid || c == cgeom || values_mode == VALUES_NONE)
			continue;
		if (!is_number_type(a->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of %s must be of a number type, not %s",
							NameStr(a->attname), argname, format_type_be(a->atttypid)),
					 errdetail("%s", exactly_one_value
							   ? "The demand query returns id, geom and one number column, the population."
							   : "The supply query returns id, geom and one or more number columns, the supply.")));
		ps->value_names[nv++] = MemoryContextStrdup(cxt, NameStr(a->attname));
		appendStringInfo(&q, ", q.%s::pg_catalog.float8", quote_identifier(NameStr(a->attname)));
	}
	if (values_mode != VALUES_NONE && (nv == 0 || (exactly_one_value && nv != 1)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must return %s besides id and geom, not %d",
						argname, exactly_one_value ? "exactly one number column (the population)"
						: "at least one number column (the supply)", nv)));
	ps->nvalues = nv;
	appendStringInfo(&q, " FROM (%s) AS q", sql);

	rd.ps = ps;
	rd.srid_set = false;
	vec_init(&rd.id, cxt, sizeof(int64), psprintf("the points of %s", argname));
	vec_init(&rd.xy, cxt, sizeof(double) * 2, rd.id.what);
	vec_init(&rd.values, cxt, sizeof(double), rd.id.what);
	for_each_row(q.data, point_row, &rd);
	if (rd.id.n > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s returned too many rows", argname)));
	ps->n = (int) rd.id.n;
	ps->id = (int64 *) rd.id.data;
	ps->values = (double *) rd.values.data;
	if (ps->have_geom && ps->n > 0)
	{
		double	   *xy = (double *) rd.xy.data;
		MemoryContext old = MemoryContextSwitchTo(cxt);

		ps->x = spatial_alloc(ps->n, sizeof(double), rd.id.what);
		ps->y = spatial_alloc(ps->n, sizeof(double), rd.id.what);
		MemoryContextSwitchTo(old);
		for (int i = 0; i < ps->n; i++)
		{
			ps->x[i] = xy[2 * i];
			ps->y[i] = xy[2 * i + 1];
		}
	}
}

/* is the SRID a geographic (longitude/latitude) one? */
static bool
srid_is_geographic(int32 srid, const char *pg)
{
	char	   *q;

	if (srid <= 0)
		return false;
	q = psprintf("SELECT proj4text LIKE '%%+proj=longlat%%' FROM %s.spatial_ref_sys WHERE srid = %d",
				 pg, srid);
	if (SPI_execute(q, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("SRID %d is not in spatial_ref_sys", srid)));
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		return !isnull && DatumGetBool(d);
	}
}

/* ---------------------------------------------------------------------
 * Plain C: distances and the grid that finds pairs within a radius
 * --------------------------------------------------------------------- */

/*
 * Great-circle distance by the haversine formula, exact in double for
 * short distances (where 1 - cos would cancel); lat/lon in radians.
 */
static inline double
haversine(double lat1, double lon1, double coslat1, double lat2, double lon2, double coslat2)
{
	double		s1 = sin(0.5 * (lat2 - lat1));
	double		s2 = sin(0.5 * (lon2 - lon1));
	double		h = s1 * s1 + coslat1 * coslat2 * s2 * s2;

	return 2.0 * EARTH_RADIUS_M * asin(Min(1.0, sqrt(h)));
}

/*
 * Points prepared for distance queries.  Planar points use (x, y);
 * geographic ones keep latitude/longitude in radians for the haversine and
 * unit vectors (gx, gy, gz) for the grid, in which a great-circle radius d
 * is the chord 2 sin(d / 2R).
 */
typedef struct Located
{
	int			n;
	bool		geographic;
	double	   *x,
			   *y;				/* planar coordinates, or lat/lon in radians */
	double	   *coslat;
	double	   *g[3];			/* grid coordinates (2 used when planar) */
} Located;

static void
locate(Located *L, const PointSet *ps, bool geographic)
{
	const char *what = psprintf("the points of %s", ps->argname);

	/* the six arrays below, and the grid's two sorted copies of the cells (with a buffer) */
	medres_check_memory((Size) ps->n * (6 * sizeof(double) + 3 * sizeof(KeyRecord)), what);
	L->n = ps->n;
	L->geographic = geographic;
	L->x = spatial_alloc(ps->n, sizeof(double), what);
	L->y = spatial_alloc(ps->n, sizeof(double), what);
	L->coslat = geographic ? spatial_alloc(ps->n, sizeof(double), what) : NULL;
	for (int k = 0; k < 3; k++)
		L->g[k] = spatial_alloc(ps->n, sizeof(double), what);
	for (int i = 0; i < ps->n; i++)
	{
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		if (geographic)
		{
			double		lat = ps->y[i] * (M_PI / 180.0),
						lon = ps->x[i] * (M_PI / 180.0);

			if (!(fabs(ps->y[i]) <= 90.0 && fabs(ps->x[i]) <= 540.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("point of id %lld in %s is not a longitude/latitude: (%g %g)",
								(long long) ps->id[i], ps->argname, ps->x[i], ps->y[i])));
			L->x[i] = lat;
			L->y[i] = lon;
			L->coslat[i] = cos(lat);
			L->g[0][i] = cos(lat) * cos(lon);
			L->g[1][i] = cos(lat) * sin(lon);
			L->g[2][i] = sin(lat);
		}
		else
		{
			if (!isfinite(ps->x[i]) || !isfinite(ps->y[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid coordinate of a geometry: \"%s\"",
								medres_float_text(isfinite(ps->x[i]) ? ps->y[i] : ps->x[i])),
						 errdetail("The coordinates of the points must be finite numbers.")));
			L->x[i] = ps->x[i];
			L->y[i] = ps->y[i];
			L->g[0][i] = ps->x[i];
			L->g[1][i] = ps->y[i];
			L->g[2][i] = 0.0;
		}
	}
}

/*
 * The planar distance from the coordinate differences and d2 = dx^2 + dy^2.
 * Where d2 overflowed (differences beyond 1e154) or lost its low bits to
 * underflow (below 1e-146), hypot gives the distance without either: a
 * distance beyond DBL_MAX stays +Inf and so outside every catchment, and
 * points 1e-200 apart are not at the same place.
 */
static inline double
planar_distance(double dx, double dy, double d2)
{
	if (likely(d2 >= 1e-290 && d2 <= DBL_MAX))
		return sqrt(d2);
	return hypot(dx, dy);
}

static inline double
located_distance(const Located *a, int i, const Located *b, int j)
{
	double		dx,
				dy;

	if (a->geographic)
		return haversine(a->x[i], a->y[i], a->coslat[i], b->x[j], b->y[j], b->coslat[j]);
	dx = a->x[i] - b->x[j];
	dy = a->y[i] - b->y[j];
	return planar_distance(dx, dy, dx * dx + dy * dy);
}

/* a point's grid cell, three 21-bit signed coordinates packed in 64 bits */
typedef struct Cell
{
	int64		key;
	int			index;
} Cell;

#define CELL_BIAS	(1 << 20)

static inline int64
cell_key(int64 cx, int64 cy, int64 cz)
{
	return ((cx + CELL_BIAS) << 42) | ((cy + CELL_BIAS) << 21) | (cz + CELL_BIAS);
}

/*
 * A uniform grid over a point set: cell size `size` in grid coordinates,
 * cells sorted by key.  Cell coordinates past +-2^20 (a radius tiny against
 * the extent) are clamped; clamped cells merely hold more points.
 */
typedef struct Grid
{
	double		size;
	double		origin[3];
	int			dims;
	int			n;
	Cell	   *cells;
} Grid;

static inline int64
grid_coord(const Grid *G, double v, int k)
{
	double		c = floor((v - G->origin[k]) / G->size);

	return (int64) Max(Min(c, CELL_BIAS - 2), -(CELL_BIAS - 2));
}

static void
grid_build(Grid *G, const Located *L, double size, const double *origin)
{
	G->size = size;
	G->dims = L->geographic ? 3 : 2;
	G->n = L->n;
	for (int k = 0; k < 3; k++)
	{
		G->origin[k] = 0.0;
		if (origin)
			G->origin[k] = origin[k];
		else if (L->n > 0)
		{
			double		lo = L->g[k][0];

			for (int i = 1; i < L->n; i++)
				lo = Min(lo, L->g[k][i]);
			G->origin[k] = lo;
		}
	}
	G->cells = spatial_alloc(L->n, sizeof(Cell), "the grid of the pair search");
	for (int i = 0; i < L->n; i++)
	{
		G->cells[i].key = cell_key(grid_coord(G, L->g[0][i], 0), grid_coord(G, L->g[1][i], 1),
								   G->dims == 3 ? grid_coord(G, L->g[2][i], 2) : 0);
		G->cells[i].index = i;
	}
	StaticAssertStmt(sizeof(Cell) == sizeof(KeyRecord), "Cell is a KeyRecord");
	radix_sort_keys(G->cells, L->n);
}

/* the range [*lo, *hi) of grid entries with this key */
static void
grid_range(const Grid *G, int64 key, int *lo, int *hi)
{
	int			a = 0,
				b = G->n;

	while (a < b)
	{
		int			m = a + (b - a) / 2;

		if (G->cells[m].key < key)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	b = G->n;
	while (a < b)
	{
		int			m = a + (b - a) / 2;

		if (G->cells[m].key <= key)
			a = m + 1;
		else
			b = m;
	}
	*hi = a;
}

/* a batch of pairs (i of the query set, j of the gridded set, distance d) */
#define PAIR_BATCH 4096
typedef struct PairBatch
{
	int			n;
	int			i[PAIR_BATCH];
	int			j[PAIR_BATCH];
	double		d[PAIR_BATCH];
} PairBatch;

typedef void (*PairFn) (void *arg, const PairBatch *b);

static inline void
pair_add(PairBatch *b, int i, int j, double d, PairFn fn, void *arg)
{
	b->i[b->n] = i;
	b->j[b->n] = j;
	b->d[b->n] = d;
	if (++b->n == PAIR_BATCH)
	{
		fn(arg, b);
		b->n = 0;
	}
}

/*
 * The pair search of one share of the query cells, [r0, r1) of GQ's
 * sorted entries, into its own batch.  Pure C with buffers allocated
 * beforehand: it runs on a helper thread as well as on the backend's, so
 * it must not palloc, raise errors or process interrupts; `cancel` asks it
 * to stop early.
 */
typedef struct PairWork
{
	const Located *Q;
	const Located *S;
	const Grid *GS;
	const Grid *GQ;
	double		radius;
	int			r0;
	int			r1;
	PairFn		fn;
	void	   *arg;
	PairBatch  *b;
	int		   *cand;
	double	   *cx;
	double	   *cy;
	volatile sig_atomic_t *cancel;
	/* a fused kernel for binary weights instead of batches (see PairKernel) */
	const struct PairKernel *kernel;
} PairWork;

/*
 * The 2SFCA passes with weight 1 fused into the search loop, saving the
 * batch round trip for the most common method: pass 1 adds population to
 * the facility's denominator, pass 2 the facility's ratios to the unit's
 * score.
 */
typedef struct PairKernel
{
	int			pass;			/* 1 or 2 */
	int			m;
	const double *pop;
	double	   *denom;
	bool	   *reached;
	const double *ratio;
	double	   *score;
} PairKernel;

static inline void
kernel_apply(const PairKernel *k, int i, int j)
{
	if (k->pass == 1)
	{
		k->denom[j] += k->pop[i];
		k->reached[j] = true;
	}
	else if (k->m == 1)
		k->score[i] += k->ratio[j];
	else
		for (int c = 0; c < k->m; c++)
			k->score[(Size) i * k->m + c] += k->ratio[(Size) j * k->m + c];
}

static void *
pair_work(void *p)
{
	PairWork   *w = p;
	const Located *Q = w->Q,
			   *S = w->S;
	const Grid *GS = w->GS,
			   *GQ = w->GQ;
	double		radius = w->radius;
	double		r2 = radius * radius * (1.0 + 1e-12);

	for (int r = w->r0; r < w->r1 && !*w->cancel;)
	{
		int64		key = GQ->cells[r].key;
		int			end = r;
		int			ncand = 0;
		int64		cx = (key >> 42) - CELL_BIAS,
					cy = ((key >> 21) & ((1 << 21) - 1)) - CELL_BIAS,
					cz = (key & ((1 << 21) - 1)) - CELL_BIAS;

		if (*w->cancel)
			break;
		while (end < w->r1 && GQ->cells[end].key == key)
			end++;
		for (int dx = -1; dx <= 1; dx++)
			for (int dy = -1; dy <= 1; dy++)
				for (int dz = (GQ->dims == 3 ? -1 : 0); dz <= (GQ->dims == 3 ? 1 : 0); dz++)
				{
					int			lo,
								hi;

					grid_range(GS, cell_key(cx + dx, cy + dy, cz + dz), &lo, &hi);
					for (int t = lo; t < hi; t++)
					{
						int			j = GS->cells[t].index;

						w->cand[ncand] = j;
						w->cx[ncand] = S->x[j];
						w->cy[ncand] = S->y[j];
						ncand++;
					}
				}
		for (; r < end; r++)
		{
			int			i = GQ->cells[r].index;
			double		qx = Q->x[i],
						qy = Q->y[i];

			/*
			 * Poll for a cancel at each query point: a catchment wide
			 * against the extent puts every point in a few cells.  Both
			 * threads poll the backend's flags (reading them is all
			 * medres_cancel_requested does), so the helper stops too while
			 * the backend waits in the join.
			 */
			if (*w->cancel || medres_cancel_requested())
			{
				*w->cancel = 1;
				break;
			}

			if (!Q->geographic)
			{
				/* planar: compare squares first; the root only for pairs in reach */
				for (int t = 0; t < ncand; t++)
				{
					double		ddx = qx - w->cx[t],
								ddy = qy - w->cy[t],
								d2 = ddx * ddx + ddy * ddy,
								d;

					if (d2 > r2)
						continue;
					d = planar_distance(ddx, ddy, d2);
					if (d > radius)
						continue;
					if (w->kernel)
						kernel_apply(w->kernel, i, w->cand[t]);
					else
						pair_add(w->b, i, w->cand[t], d, w->fn, w->arg);
				}
			}
			else
				for (int t = 0; t < ncand; t++)
				{
					double		d = located_distance(Q, i, S, w->cand[t]);

					if (d > radius)
						continue;
					if (w->kernel)
						kernel_apply(w->kernel, i, w->cand[t]);
					else
						pair_add(w->b, i, w->cand[t], d, w->fn, w->arg);
				}
		}
	}
	if (w->b->n > 0)
		w->fn(w->arg, w->b);
	w->b->n = 0;
	return NULL;
}

/* below this many query points one thread is quicker than starting a second */
#define PARALLEL_PAIRS_MIN 20000

/*
 * Every pair (i in Q, j in S) with distance <= radius, or all pairs when
 * radius is infinite, in batches.  The query points are visited cell by
 * cell, and each cell's candidates (the 3^dims cells around it) are
 * gathered once for all its points.  With `arg2` (a second accumulator,
 * for callbacks whose writes would collide), large searches split the
 * query cells between this backend and one helper thread; each half
 * writes only through its own arg, and the query points of a cell stay in
 * one half.
 */
static void
pairs_within2(const Located *Q, const Located *S, double radius, PairFn fn, void *arg, void *arg2,
			  const PairKernel *kernel, const PairKernel *kernel2)
{
	if (isinf(radius))
	{
		PairBatch  *b = palloc(sizeof(PairBatch));

		Assert(kernel == NULL);
		b->n = 0;
		for (int i = 0; i < Q->n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			for (int j = 0; j < S->n; j++)
				pair_add(b, i, j, located_distance(Q, i, S, j), fn, arg);
		}
		if (b->n > 0)
			fn(arg, b);
		pfree(b);
		return;
	}
	{
		Grid		GS,
					GQ;
		double		size = S->geographic ? 2.0 * sin(Min(radius / (2.0 * EARTH_RADIUS_M), M_PI / 2)) : radius;
		volatile sig_atomic_t cancel = 0;
		PairWork	w[2];
		int			nwork = ((arg2 != NULL || kernel2 != NULL) && Q->n >= PARALLEL_PAIRS_MIN &&
							 medres_threads > 1) ? 2 : 1;
		int			split = Q->n;

		/* a cell a little larger than the radius, so 3 cells a side always cover it */
		size = size * (1.0 + 1e-9) + 1e-300;
		/* a catchment near DBL_MAX: one finite cell (an infinite one would give 0/0 below) */
		if (!(size <= DBL_MAX))
			size = DBL_MAX;
		grid_build(&GS, S, size, NULL);
		grid_build(&GQ, Q, size, GS.origin);
		if (nwork == 2)
		{
			/* split near the middle, at a cell boundary */
			split = Q->n / 2;
			while (split < Q->n && GQ.cells[split].key == GQ.cells[split - 1].key)
				split++;
		}
		for (int k = 0; k < nwork; k++)
		{
			w[k].Q = Q;
			w[k].S = S;
			w[k].GS = &GS;
			w[k].GQ = &GQ;
			w[k].radius = radius;
			w[k].r0 = k == 0 ? 0 : split;
			w[k].r1 = k == 0 ? split : Q->n;
			w[k].fn = fn;
			w[k].arg = k == 0 ? arg : arg2;
			w[k].b = palloc(sizeof(PairBatch));
			w[k].b->n = 0;
			w[k].cand = spatial_alloc(S->n, sizeof(int), "the pair search");
			w[k].cx = spatial_alloc(S->n, sizeof(double), "the pair search");
			w[k].cy = spatial_alloc(S->n, sizeof(double), "the pair search");
			w[k].cancel = &cancel;
			w[k].kernel = k == 0 ? kernel : kernel2;
		}
		if (nwork == 2)
		{
			pthread_t	th;
			bool		started = medres_start_helper(&th, pair_work, &w[1]);

			(void) pair_work(&w[0]);
			if (started)
				pthread_join(th, NULL);
			else
				(void) pair_work(&w[1]);
		}
		else
			(void) pair_work(&w[0]);
		if (cancel)
			medres_helper_stopped("the pair search");
		for (int k = 0; k < nwork; k++)
		{
			pfree(w[k].b);
			pfree(w[k].cand);
			pfree(w[k].cx);
			pfree(w[k].cy);
		}
		pfree(GS.cells);
		pfree(GQ.cells);
	}
}

static void
pairs_within(const Located *Q, const Located *S, double radius, PairFn fn, void *arg)
{
	pairs_within2(Q, S, radius, fn, arg, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * Plain C: the floating-catchment-area family
 * --------------------------------------------------------------------- */

#define FCA_2SFCA		0
#define FCA_E2SFCA		1
#define FCA_GRAVITY		2
#define FCA_3SFCA		3
#define FCA_RATIO		4
static const char *const fca_names[] = {"2sfca", "e2sfca", "gravity", "3sfca", "ratio", NULL};

#define DECAY_NONE		0
#define DECAY_GAUSSIAN	1
#define DECAY_POWER		2
#define DECAY_EXPONENTIAL 3
static const char *const decay_names[] = {"none", "gaussian", "power", "exponential", NULL};

/*
 * Numbers.  Populations and each supply column are divided by a power of
 * two near their largest value (exact), so sums of 1e308s do not overflow
 * and 5e-324s are not lost; the scores are scaled back at the end by the
 * quotient of the two powers.  Weights are carried as logarithms: log f is
 * finite where f itself underflows (a Gaussian with a tiny sigma, a high
 * power), and the true result, a ratio of such weights, is finite.  Each
 * facility keeps its denominator relative to its largest log weight M_j
 * (a running log-sum-exp), D_j = exp(M_j) D'_j, so
 *   A_i = sum_j S_j w_ij / D_j = sum_j (S_j / D'_j) exp(log w_ij - M_j),
 * where every exponent is <= 0.  3SFCA's demand-side sums sum_k f_ik are
 * kept the same way (lognorm_i = log sum_k f_ik).
 */
typedef struct Fca
{
	int			method;
	int			decay;
	double		param;
	double		catchment;		/* +Inf: none */
	int			nbands;
	double	   *bands;			/* ascending upper limits */
	double	   *band_weights;
	double	   *band_logw;		/* log of the band weights over their largest power of two */

	int			nd;				/* demand units */
	int			ns;				/* facilities */
	int			m;				/* supply columns */
	const double *pop;			/* nd, scaled: P_i / 2^pop_exp */
	const double *supply;		/* ns x m, scaled: S_jc / 2^supply_exp[c] */
	int			pop_exp;
	int		   *supply_exp;		/* m */

	int			pass;
	double	   *sumf;			/* 3SFCA: sum of f over each demand's catchment, relative to lognorm */
	double	   *lognorm;		/* 3SFCA: its log shift, then log sum_k f_ik */
	double	   *denom;			/* per facility: D'_j */
	double	   *maxlog;			/* per facility: M_j (0 for the fused 2SFCA kernel) */
	double	   *ratio;			/* ns x m: S_j / D'_j */
	double	   *score;			/* nd x m */
	bool	   *reached;		/* per facility: some demand in reach */
	bool		lw_overflow;	/* a log weight beyond the double range (see fca_batch) */
} Fca;

/* log f(d) inside the catchment; -Inf for a weight of 0 */
static inline double
fca_logweight(const Fca *f, double d)
{
	switch (f->method)
	{
		case FCA_E2SFCA:
			for (int r = 0; r < f->nbands; r++)
				if (d <= f->bands[r])
					return f->band_logw[r];
			return -INFINITY;
		case FCA_2SFCA:
		case FCA_RATIO:
			return 0.0;
		default:
			switch (f->decay)
			{
				case DECAY_GAUSSIAN:
					{
						/* -(d/sigma)^2 / 2: d/sigma neither overflows nor underflows as d^2/sigma^2 can */
						double		u = d / f->param;

						return -0.5 * u * u;
					}
				case DECAY_POWER:
					return -f->param * log(Max(d, 1.0));
				case DECAY_EXPONENTIAL:
					return -f->param * d;
				default:
					return 0.0;
			}
	}
}

/* add p exp(lw) to the sum kept as exp(*shift) * *sum (an empty sum is 0) */
static inline void
lse_add(double *shift, double *sum, double lw, double p)
{
	if (*sum == 0.0)
	{
		*shift = lw;
		*sum = p;
	}
	else if (lw > *shift)
	{
		*sum = *sum * exp(*shift - lw) + p;
		*shift = lw;
	}
	else
		*sum += p * exp(lw - *shift);
}

/*
 * One pass over a batch of (demand i, facility j, distance d) pairs within
 * the catchment.  Pass 0 (3SFCA only): each demand's sum of f.  Pass 1:
 * facility denominators sum_i P_i w_ij.  Pass 2: scores
 * A_i = sum_j R_j w_ij.  w_ij is f(d_ij), times the selection weight
 * G_ij = f_ij / sum_k f_ik for 3SFCA.  Plain arithmetic: it runs on the
 * helper thread too.
 */
static void
fca_batch(void *arg, const PairBatch *b)
{
	Fca		   *f = arg;

	for (int t = 0; t < b->n; t++)
	{
		int			i = b->i[t],
					j = b->j[t];
		double		lw = fca_logweight(f, b->d[t]);

		/* 3SFCA: log(f G) = log f + (log f - log sum_k f_ik), the second term <= 0 */
		if (f->method == FCA_3SFCA && f->pass > 0 && lw != -INFINITY)
			lw += lw - f->lognorm[i];
		if (lw == -INFINITY)
		{
			/*
			 * f = 0: a band weight of 0, or a distance beyond the double
			 * range.  With a decay at a finite distance f > 0 but its log
			 * overflowed ((d/sigma)^2, beta d or beta ln d past 1e308):
			 * flagged, and reported by the backend after the pass.
			 */
			if (f->decay != DECAY_NONE && b->d[t] <= DBL_MAX)
				f->lw_overflow = true;
			continue;
		}
		if (f->pass == 0)
		{
			lse_add(&f->lognorm[i], &f->sumf[i], lw, 1.0);
			continue;
		}
		if (f->pass == 1)
		{
			if (f->pop[i] > 0.0)
			{
				lse_add(&f->maxlog[j], &f->denom[j], lw, f->pop[i]);
				f->reached[j] = true;
			}
		}
		else if (f->denom[j] > 0.0)
		{
			double		w = exp(lw - f->maxlog[j]);

			for (int c = 0; c < f->m; c++)
				f->score[(Size) i * f->m + c] += f->ratio[(Size) j * f->m + c] * w;
		}
	}
}
/* ratio method, pass 1: supply within reach of each demand unit */
static void
ratio_supply_batch(void *arg, const PairBatch *b)
{
	Fca		   *f = arg;

	for (int t = 0; t < b->n; t++)
		for (int c = 0; c < f->m; c++)
			f->score[(Size) b->i[t] * f->m + c] += f->supply[(Size) b->j[t] * f->m + c];
}

/* ratio method, pass 2: population within reach of each demand unit (itself included) */
static void
ratio_population_batch(void *arg, const PairBatch *b)
{
	Fca		   *f = arg;

	for (int t = 0; t < b->n; t++)
		f->sumf[b->i[t]] += f->pop[b->j[t]];
}

/* a source of pairs: from the grid over geometries, or from a cost table */
typedef struct PairSource
{
	const Located *demand;
	const Located *supply;
	/* cost mode */
	int			npairs;
	const int  *pi;
	const int  *pj;
	const double *pd;
} PairSource;

static void
pairs_from_source(const PairSource *src, double radius, PairFn fn, void *arg, void *arg2)
{
	if (src->demand)
	{
		const Fca  *f = arg;

		/* 2SFCA over geometries: the fused kernels */
		if (fn == fca_batch && f->method == FCA_2SFCA && f->pass > 0)
		{
			const Fca  *f2 = arg2;
			PairKernel	k1 = {f->pass, f->m, f->pop, f->denom, f->reached, f->ratio, f->score};
			PairKernel	k2 = {f2->pass, f2->m, f2->pop, f2->denom, f2->reached, f2->ratio, f2->score};

			pairs_within2(src->demand, src->supply, radius, fn, arg, arg2, &k1, &k2);
			return;
		}
		pairs_within2(src->demand, src->supply, radius, fn, arg, arg2, NULL, NULL);
		return;
	}
	{
		PairBatch  *b = palloc(sizeof(PairBatch));

		b->n = 0;
		for (int t = 0; t < src->npairs; t++)
		{
			if (src->pd[t] <= radius)
				pair_add(b, src->pi[t], src->pj[t], src->pd[t], fn, arg);
			if ((t & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		if (b->n > 0)
			fn(arg, b);
		pfree(b);
	}
}

/*
 * The scores (nd x m) of the FCA method in f.  A facility that no demand
 * reaches serves nobody and adds nothing; a demand unit that reaches no
 * facility scores 0.  For the ratio method *undefined marks units whose
 * catchment holds supply but no population.
 */
static void
fca_scores(Fca *f, const PairSource *src, const Located *demand_self, bool *undefined)
{
	Fca			half;			/* the helper thread's accumulator */
	const char *what = "the accessibility scores";

	f->score = spatial_alloc0((Size) f->nd * f->m, sizeof(double), what);
	f->sumf = spatial_alloc0(f->nd, sizeof(double), what);
	if (f->method == FCA_RATIO)
	{
		/* both passes write per demand unit only, so the halves can share f */
		pairs_from_source(src, f->catchment, ratio_supply_batch, f, f);
		pairs_within2(demand_self, demand_self, f->catchment, ratio_population_batch, f, f, NULL, NULL);
		for (int i = 0; i < f->nd; i++)
		{
			if ((i & 0xFFFF) == 0xFFFF)
				CHECK_FOR_INTERRUPTS();
			for (int c = 0; c < f->m; c++)
			{
				double	   *s = &f->score[(Size) i * f->m + c];

				undefined[(Size) i * f->m + c] = f->sumf[i] == 0.0 && *s > 0.0;
				*s = f->sumf[i] > 0.0 ? *s / f->sumf[i] : 0.0;
			}
		}
		return;
	}
	f->lognorm = spatial_alloc0(f->nd, sizeof(double), what);
	f->denom = spatial_alloc0(f->ns, sizeof(double), what);
	f->maxlog = spatial_alloc0(f->ns, sizeof(double), what);
	f->reached = spatial_alloc0(f->ns, sizeof(bool), what);
	f->ratio = spatial_alloc0((Size) f->ns * f->m, sizeof(double), what);
	half = *f;
	half.denom = spatial_alloc0(f->ns, sizeof(double), what);
	half.maxlog = spatial_alloc0(f->ns, sizeof(double), what);
	half.reached = spatial_alloc0(f->ns, sizeof(bool), what);
	if (f->method == FCA_3SFCA)
	{
		/* per demand unit: both halves share sumf and lognorm */
		f->pass = half.pass = 0;
		pairs_from_source(src, f->catchment, fca_batch, f, &half);
		for (int i = 0; i < f->nd; i++)
			if (f->sumf[i] > 0.0)
				f->lognorm[i] += log(f->sumf[i]);
	}
	f->pass = half.pass = 1;
	pairs_from_source(src, f->catchment, fca_batch, f, &half);
	for (int j = 0; j < f->ns; j++)
	{
		/* join the halves' log-sum-exps */
		if (half.denom[j] > 0.0)
		{
			if (f->denom[j] > 0.0)
			{
				double		mx = Max(f->maxlog[j], half.maxlog[j]);

				f->denom[j] = f->denom[j] * exp(f->maxlog[j] - mx) + half.denom[j] * exp(half.maxlog[j] - mx);
				f->maxlog[j] = mx;
			}
			else
			{
				f->denom[j] = half.denom[j];
				f->maxlog[j] = half.maxlog[j];
			}
		}
		f->reached[j] |= half.reached[j];
		for (int c = 0; c < f->m; c++)
			f->ratio[(Size) j * f->m + c] = f->denom[j] > 0.0 ? f->supply[(Size) j * f->m + c] / f->denom[j] : 0.0;
	}
	half.ratio = f->ratio;
	half.denom = f->denom;
	half.maxlog = f->maxlog;
	f->pass = half.pass = 2;
	pairs_from_source(src, f->catchment, fca_batch, f, &half);
	if (f->lw_overflow || half.lw_overflow)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the distance-decay weights of decay_param %s are out of the range of double precision",
						medres_float_text(f->param)),
				 errdetail("The logarithm of the %s weight overflows at some distance within the catchment.",
						   decay_names[f->decay]),
				 errhint("Measure distances in other units, or choose a decay_param nearer 1.")));
	memset(undefined, 0, (Size) f->nd * f->m * sizeof(bool));
}

/*
 * The scores in their own units: the scaled scores times 2^(supply
 * exponent - population exponent), or, normalized, over their
 * population-weighted mean (where both powers cancel).  A score beyond
 * the double range is 22003.
 */
static void
fca_finish(Fca *f, bool normalize, const int64 *id, char *const *names)
{
	for (int c = 0; c < f->m; c++)
	{
		int			shift = f->supply_exp[c] - f->pop_exp;
		double		K = 1.0,
					mean = 1.0;

		if (normalize)
		{
			double		pa = 0.0,
						pac = 0.0,
						p = 0.0,
						pc = 0.0,
						top = 0.0;

			for (int i = 0; i < f->nd; i++)
				top = Max(top, f->score[(Size) i * f->m + c]);
			if (!(top > 0.0))
				continue;		/* nobody reaches anything: all scores stay 0 */
			/* the mean of the scores over a power of two near the largest: no overflow */
			K = top <= DBL_MAX ? pow2_scale(top) : get_float8_infinity();
			for (int i = 0; i < f->nd; i++)
			{
				neumaier_add(&pa, &pac, f->pop[i] * (f->score[(Size) i * f->m + c] / K));
				neumaier_add(&p, &pc, f->pop[i]);
			}
			mean = (pa + pac) / (p + pc);
			if (!(mean > 0.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the %s scores cannot be normalized: their population-weighted mean is 0", names[c]),
						 errdetail("Only units without population have access.")));
		}
		for (int i = 0; i < f->nd; i++)
		{
			double	   *a = &f->score[(Size) i * f->m + c];

			if ((i & 0xFFFF) == 0xFFFF)
				CHECK_FOR_INTERRUPTS();
			if (normalize)
				*a = (*a / K) / mean;
			else if (*a != 0.0)
				*a = ldexp(*a, shift);
			if (!(*a <= DBL_MAX))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("the %s score of demand id %lld is out of the range of double precision",
								names[c], (long long) id[i]),
						 errhint("Rescale the supply or the population in supply_sql and demand_sql.")));
		}
	}
}

/* ---------------------------------------------------------------------
 * accessibility()
 * --------------------------------------------------------------------- */

static bool
opt_float_arg(FunctionCallInfo fcinfo, int argno, double *v)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return false;
	*v = PG_GETARG_FLOAT8(argno);
	return true;
}

/* inner SQL as given, less trailing semicolons and blanks, for wrapping as a subquery */
static char *
inner_sql_text(text *t)
{
	char	   *sql = text_to_cstring(t);
	size_t		len = strlen(sql);

	while (len > 0 && (sql[len - 1] == ';' || isspace((unsigned char) sql[len - 1])))
		sql[--len] = '\0';
	/* a final newline ends a trailing -- comment before the wrapping closes the subquery */
	return psprintf("%s\n", sql);
}

static char *
required_sql(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", argname)));
	return inner_sql_text(PG_GETARG_TEXT_PP(argno));
}

static void
check_positive_param(const char *argname, double v)
{
	if (!(v > 0.0 && v <= DBL_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"%s\": \"%s\"", argname, medres_float_text(v)),
				 errdetail("Argument %s must be a finite, positive number.", argname)));
}

/* the FCA options from the arguments, checked */
static void
fca_options(FunctionCallInfo fcinfo, Fca *f)
{
	text	   *decay = medres_opt_text(fcinfo, 4);
	double		catchment = 0.0;
	bool		has_catchment = opt_float_arg(fcinfo, 3, &catchment);

	f->method = medres_parse_option(medres_opt_text(fcinfo, 2), "method", fca_names, FCA_2SFCA,
									"Use 2sfca, e2sfca, gravity, 3sfca or ratio.");
	f->decay = medres_parse_option(decay, "decay", decay_names, DECAY_NONE,
								   "Use gaussian, power, exponential or none.");
	if (decay && f->method != FCA_GRAVITY && f->method != FCA_3SFCA && f->decay != DECAY_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"%s\" takes no decay", fca_names[f->method]),
				 errhint("A decay function applies to the gravity and 3sfca methods; e2sfca takes bands.")));
	if (f->method == FCA_GRAVITY && decay == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"gravity\" needs a decay"),
				 errhint("Give decay => 'gaussian', 'power' or 'exponential' with decay_param.")));
	if (f->decay != DECAY_NONE)
	{
		if (!opt_float_arg(fcinfo, 5, &f->param))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("decay \"%s\" needs decay_param", decay_names[f->decay]),
					 errhint("gaussian: the standard deviation sigma; power and exponential: beta.")));
		check_positive_param("decay_param", f->param);
	}
	if (has_catchment)
		check_positive_param("catchment", catchment);
	f->catchment = has_catchment ? catchment : get_float8_infinity();

	if (f->method == FCA_E2SFCA)
	{
		ArrayType  *b = PG_NARGS() > 6 && !PG_ARGISNULL(6) ? PG_GETARG_ARRAYTYPE_P(6) : NULL;
		ArrayType  *w = PG_NARGS() > 7 && !PG_ARGISNULL(7) ? PG_GETARG_ARRAYTYPE_P(7) : NULL;
		static const double default_weights[] = {1.0, 0.68, 0.22};
		int			nw = 0;

		if (b == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("method \"e2sfca\" needs bands"),
					 errhint("Give the upper limits of the distance bands, e.g. bands => '{10000,20000,30000}'.")));
		f->bands = medres_float8_array_values(b, "bands", &f->nbands);
		if (f->nbands == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bands must not be empty")));
		for (int r = 0; r < f->nbands; r++)
		{
			check_positive_param("bands", f->bands[r]);
			if (r > 0 && !(f->bands[r] > f->bands[r - 1]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("bands must be ascending: %s after %s",
								medres_float_text(f->bands[r]), medres_float_text(f->bands[r - 1]))));
		}
		if (w)
			f->band_weights = medres_float8_array_values(w, "band_weights", &nw);
		else if (f->nbands == 3)
		{
			f->band_weights = (double *) default_weights;
			nw = 3;
		}
		if (nw != f->nbands)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("band_weights must have one weight per band (%d), got %d", f->nbands, nw),
					 errhint("Only three bands have a default: weights 1, 0.68 and 0.22.")));
		f->band_logw = palloc(sizeof(double) * nw);
		for (int r = 0; r < nw; r++)
		{
			medres_check_nonnegative("band_weights", f->band_weights[r]);
			f->band_logw[r] = f->band_weights[r] > 0.0 ? log(f->band_weights[r]) : -INFINITY;
		}
		if (has_catchment && catchment != f->bands[f->nbands - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("catchment %s differs from the last band %s",
							medres_float_text(catchment), medres_float_text(f->bands[f->nbands - 1])),
					 errhint("Method e2sfca takes its catchment from bands: leave catchment NULL.")));
		f->catchment = f->bands[f->nbands - 1];
	}
	else if (!has_catchment && f->method != FCA_GRAVITY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"%s\" needs a catchment", fca_names[f->method]),
				 errhint("Give the largest distance (or cost) at which a facility serves a unit.")));
}

/*
 * The columns of an inner query that lists pairs (id, id, value): the cost
 * table of accessibility, the links of spatial_weights' output.  The
 * value must be finite and non-negative; the words name the columns and
 * phrase the errors.
 */
typedef struct PairColumns
{
	const char *sql;			/* "cost_sql" */
	const char *cols[3];		/* demand_id, supply_id, cost */
	const char *what;			/* "cost" */
	const char *from;			/* "demand ": before the first id */
	const char *to;				/* "supply ": before the second */
	const char *detail;
} PairColumns;

static double
get_pair_row(HeapTuple tup, TupleDesc td, const PairColumns *pc, int64 *a, int64 *b)
{
	bool		n1,
				n2,
				n3;
	double		v;

	*a = get_int8(tup, td, 1, &n1);
	*b = get_int8(tup, td, 2, &n2);
	v = get_float8(tup, td, 3, &n3);
	if (n1 || n2 || n3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s returned a NULL %s", pc->sql, pc->cols[n1 ? 0 : n2 ? 1 : 2])));
	if (!(v >= 0.0 && v <= DBL_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for %s of %s%lld to %s%lld: \"%s\"",
						pc->what, pc->from, (long long) *a, pc->to, (long long) *b,
						medres_float_text(v)),
				 errdetail("%s", pc->detail)));
	return v;
}

typedef struct CostReader
{
	const IdMap *demand;
	const IdMap *supply;
	Vec			i,
				j,
				d;
} CostReader;

static void
cost_row(void *arg, HeapTuple tup, TupleDesc td)
{
	static const PairColumns costs = {"cost_sql", {"demand_id", "supply_id", "cost"},
		"cost", "demand ", "supply ", "Costs must be finite and non-negative."};
	CostReader *rd = arg;
	int64		di,
				sj;
	double		c = get_pair_row(tup, td, &costs, &di, &sj);
	int			i,
				j;

	i = idmap_find(rd->demand, di);
	j = idmap_find(rd->supply, sj);
	if (i < 0 || j < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cost_sql refers to %s id %lld, which %s does not return",
						i < 0 ? "demand" : "supply", (long long) (i < 0 ? di : sj),
						i < 0 ? "demand_sql" : "supply_sql")));
	*(int *) vec_push(&rd->i) = i;
	*(int *) vec_push(&rd->j) = j;
	*(double *) vec_push(&rd->d) = c;
}

/* a pair of unit indices with a weight (or a cost): links of the weights, pairs of a cost table */
typedef struct Link
{
	int			i;
	int			j;
	double		w;
} Link;

static int
link_cmp(const void *a, const void *b)
{
	const Link *x = a,
			   *y = b;

	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return x->j < y->j ? -1 : (x->j > y->j);
}

/*
 * accessibility(supply_sql, demand_sql, method, catchment, decay,
 *               decay_param, bands, band_weights, cost_sql, normalized)
 *   RETURNS TABLE(id bigint, supply text, score float8)
 */
PG_FUNCTION_INFO_V1(medres_accessibility);
Datum
medres_accessibility(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext outer;
	char	   *supply_sql = required_sql(fcinfo, 0, "supply_sql");
	char	   *demand_sql = required_sql(fcinfo, 1, "demand_sql");
	char	   *cost_sql = PG_NARGS() > 8 && !PG_ARGISNULL(8) ? inner_sql_text(PG_GETARG_TEXT_PP(8)) : NULL;
	bool		normalize = PG_NARGS() > 9 && !PG_ARGISNULL(9) && PG_GETARG_BOOL(9);
	Fca			f;
	PointSet	S,
				D;
	Located		LS,
				LD;
	PairSource	src;
	bool	   *undefined;
	const char *pg;

	memset(&f, 0, sizeof(f));
	fca_options(fcinfo, &f);
	if (cost_sql && f.method == FCA_RATIO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"ratio\" needs geometries, not cost_sql"),
				 errdetail("It counts the population within reach of each unit, which a demand-to-supply cost table does not give.")));
	InitMaterializedSRF(fcinfo, 0);
	outer = CurrentMemoryContext;

	SPI_connect();
	pg = MemoryContextStrdup(outer, postgis_schema());
	read_points(supply_sql, "supply_sql", cost_sql == NULL, VALUES_SOME, false, pg, &S, outer);
	read_points(demand_sql, "demand_sql", cost_sql == NULL, VALUES_ONE, false, pg, &D, outer);
	memset(&src, 0, sizeof(src));
	{
		MemoryContext spi = MemoryContextSwitchTo(outer);
		IdMap		ms,
					md;

		idmap_build(&ms, S.id, S.n, "supply_sql");
		idmap_build(&md, D.id, D.n, "demand_sql");
		if (cost_sql == NULL)
		{
			bool		geo;

			if (S.n > 0 && D.n > 0 && S.srid != D.srid)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("supply_sql and demand_sql have different SRIDs: %d and %d", S.srid, D.srid),
						 errhint("Transform one of them with ST_Transform.")));
			MemoryContextSwitchTo(spi);
			geo = srid_is_geographic(S.n > 0 ? S.srid : D.srid, pg);
			MemoryContextSwitchTo(outer);
			locate(&LS, &S, geo);
			locate(&LD, &D, geo);
			src.demand = &LD;
			src.supply = &LS;
		}
		else
		{
			TupleDesc	td;
			CostReader	rd;
			char	   *q;

			MemoryContextSwitchTo(spi);
			td = inner_columns(cost_sql);
			(void) require_column(td, "cost_sql", "demand_id", "integer");
			(void) require_column(td, "cost_sql", "supply_id", "integer");
			(void) require_column(td, "cost_sql", "cost", "number");
			q = psprintf("SELECT q.demand_id::pg_catalog.int8, q.supply_id::pg_catalog.int8, "
						 "q.cost::pg_catalog.float8 FROM (%s) AS q", cost_sql);
			rd.demand = &md;
			rd.supply = &ms;
			vec_init(&rd.i, outer, sizeof(int), "the cost table");
			vec_init(&rd.j, outer, sizeof(int), "the cost table");
			vec_init(&rd.d, outer, sizeof(double), "the cost table");
			for_each_row(q, cost_row, &rd);
			MemoryContextSwitchTo(outer);
			if (rd.i.n > INT_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("cost_sql returned more than %d rows", INT_MAX)));
			src.npairs = (int) rd.i.n;
			src.pi = (int *) rd.i.data;
			src.pj = (int *) rd.j.data;
			src.pd = (double *) rd.d.data;
			{
				Link	   *k = spatial_alloc(src.npairs, sizeof(Link), "the cost table");

				for (int t = 0; t < src.npairs; t++)
				{
					k[t].i = src.pi[t];
					k[t].j = src.pj[t];
					k[t].w = src.pd[t];
				}
				sort_interruptible(k, src.npairs, sizeof(Link), link_cmp, "the cost table");
				for (int t = 1; t < src.npairs; t++)
					if (k[t].i == k[t - 1].i && k[t].j == k[t - 1].j)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("cost_sql returned demand %lld to supply %lld more than once",
										(long long) D.id[k[t].i], (long long) S.id[k[t].j])));
				pfree(k);
			}
		}
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();

	f.nd = D.n;
	f.ns = S.n;
	f.m = S.nvalues;
	/* populations and each supply column over a power of two near their largest (see Fca) */
	{
		double		top = 0.0;

		for (int i = 0; i < D.n; i++)
			top = Max(top, D.values[i]);
		f.pop_exp = pow2_exponent(top);
		for (int i = 0; i < D.n; i++)
			D.values[i] = ldexp(D.values[i], -f.pop_exp);
		f.supply_exp = palloc(sizeof(int) * Max(f.m, 1));
		for (int c = 0; c < f.m; c++)
		{
			top = 0.0;
			for (int j = 0; j < S.n; j++)
				top = Max(top, S.values[(Size) j * f.m + c]);
			f.supply_exp[c] = pow2_exponent(top);
			for (int j = 0; j < S.n; j++)
				S.values[(Size) j * f.m + c] = ldexp(S.values[(Size) j * f.m + c], -f.supply_exp[c]);
		}
	}
	f.pop = D.values;
	f.supply = S.values;
	undefined = spatial_alloc((Size) f.nd * f.m, sizeof(bool), "the accessibility scores");
	fca_scores(&f, &src, src.demand, undefined);
	fca_finish(&f, normalize, D.id, S.value_names);

	for (int i = 0; i < f.nd; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < f.m; c++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			values[0] = Int64GetDatum(D.id[i]);
			values[1] = CStringGetTextDatum(S.value_names[c]);
			values[2] = Float8GetDatum(f.score[(Size) i * f.m + c]);
			nulls[2] = undefined[(Size) i * f.m + c];
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Spatial weights
 * --------------------------------------------------------------------- */

/* a boundary vertex (queen) or edge (rook) of a unit, for grouping equal ones */
typedef struct Mark
{
	double		a[4];			/* x, y (and the edge's other end) */
	int			unit;
} Mark;

static int
mark_cmp(const void *pa, const void *pb)
{
	const Mark *x = pa,
			   *y = pb;

	for (int k = 0; k < 4; k++)
		if (x->a[k] != y->a[k])
			return x->a[k] < y->a[k] ? -1 : 1;
	return x->unit - y->unit;
}

typedef struct PolygonReader
{
	bool		rook;
	bool		collect;		/* keep the marks (exact contiguity), or only count vertices */
	Size		vertices;
	Vec			ids;
	Vec			marks;
	bool		srid_set;
	int32		srid;
	const char *argname;
} PolygonReader;

/* add the vertices (queen) or edges (rook) of one WKB ring */
static const unsigned char *
wkb_ring_marks(PolygonReader *rd, const unsigned char *p, const unsigned char *end, bool little, int unit)
{
	uint32		npts;
	double		px = 0.0,
				py = 0.0;

	if (p + 4 > end)
		elog(ERROR, "medres: malformed WKB");
	npts = wkb_uint32(p, little);
	p += 4;
	if ((Size) (end - p) < (Size) npts * 16)
		elog(ERROR, "medres: malformed WKB");
	rd->vertices += npts;
	if (!rd->collect)
		return p + (Size) npts * 16;
	for (uint32 k = 0; k < npts; k++, p += 16)
	{
		double		x = wkb_double(p, little) + 0.0,
					y = wkb_double(p + 8, little) + 0.0;

		if (!rd->rook)
		{
			Mark	   *m = vec_push(&rd->marks);

			m->a[0] = x;
			m->a[1] = y;
			m->a[2] = m->a[3] = 0.0;
			m->unit = unit;
		}
		else if (k > 0 && (x != px || y != py))
		{
			Mark	   *m = vec_push(&rd->marks);
			bool		swap = px > x || (px == x && py > y);

			m->a[0] = swap ? x : px;
			m->a[1] = swap ? y : py;
			m->a[2] = swap ? px : x;
			m->a[3] = swap ? py : y;
			m->unit = unit;
		}
		px = x;
		py = y;
	}
	return p;
}

static const unsigned char *
wkb_polygon_marks(PolygonReader *rd, const unsigned char *p, const unsigned char *end, int unit,
				  int64 id, int depth)
{
	bool		little;
	uint32		type,
				n;

	if (p + 9 > end)
		elog(ERROR, "medres: malformed WKB");
	little = p[0] == 1;
	type = wkb_uint32(p + 1, little);
	n = wkb_uint32(p + 5, little);
	p += 9;
	if (type == 3)
	{
		for (uint32 r = 0; r < n; r++)
			p = wkb_ring_marks(rd, p, end, little, unit);
	}
	else if (type == 6 && depth == 0)
	{
		for (uint32 g = 0; g < n; g++)
			p = wkb_polygon_marks(rd, p, end, unit, id, 1);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("geometry of id %lld in %s is a %s, not a polygon",
						(long long) id, rd->argname, wkb_type_name(type)),
				 errhint("Queen and rook contiguity need polygons; use knn or distance for points.")));
	return p;
}

static void
polygon_row(void *arg, HeapTuple tup, TupleDesc td)
{
	PolygonReader *rd = arg;
	bool		isnull;
	int64		id;
	bytea	   *b = get_id_geometry(tup, td, rd->argname, &id);

	check_srid(&rd->srid_set, &rd->srid,
			   DatumGetInt32(SPI_getbinval(tup, td, 3, &isnull)), rd->argname);
	{
		Size		before = rd->vertices;

		(void) wkb_polygon_marks(rd, (const unsigned char *) VARDATA_ANY(b),
								 (const unsigned char *) VARDATA_ANY(b) + VARSIZE_ANY_EXHDR(b),
								 (int) rd->ids.n, id, 0);
		if (rd->vertices == before)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of id %lld in %s is empty", (long long) id, rd->argname)));
	}
	*(int64 *) vec_push(&rd->ids) = id;
}

/*
 * Contiguity from shared boundary coordinates, libpysal's and GeoDa's
 * definition: queen neighbours share a vertex, rook neighbours an edge
 * (two consecutive vertices).  Exact coordinates: boundary files whose
 * neighbours were cut from shared arcs (TopoJSON, most census files) match
 * exactly.
 */
static Link *
contiguity_links(PolygonReader *rd, int *nlinks)
{
	Mark	   *m = (Mark *) rd->marks.data;
	Size		n = rd->marks.n;
	Vec			links;

	vec_init(&links, CurrentMemoryContext, sizeof(Link), "the spatial weights");
	sort_interruptible(m, n, sizeof(Mark), mark_cmp, "the boundaries of units_sql");
	for (Size s = 0; s < n;)
	{
		Size		e = s + 1;

		while (e < n && memcmp(m[e].a, m[s].a, sizeof(m[s].a)) == 0)
			e++;
		for (Size u = s; u < e; u++)
		{
			/* a vertex shared by thousands of units makes millions of pairs */
			CHECK_FOR_INTERRUPTS();
			for (Size v = u + 1; v < e; v++)
				if (m[u].unit != m[v].unit)
				{
					Link	   *l = vec_push(&links);

					l->i = m[u].unit;
					l->j = m[v].unit;
					l->w = 1.0;
					l = vec_push(&links);
					l->i = m[v].unit;
					l->j = m[u].unit;
					l->w = 1.0;
				}
		}
		s = e;
	}
	if (links.n > INT_MAX)
		medres_check_memory(MaxAllocHugeSize, "the spatial weights");
	*nlinks = (int) links.n;
	return (Link *) links.data;
}

/* sort links by (i, j) and drop repeats */
static int
links_unique(Link *l, int n)
{
	int			k = 0;

	sort_interruptible(l, n, sizeof(Link), link_cmp, "the spatial weights");
	for (int t = 0; t < n; t++)
		if (k == 0 || l[t].i != l[k - 1].i || l[t].j != l[k - 1].j)
			l[k++] = l[t];
	return k;
}

typedef struct LinkCollector
{
	Vec			links;
	double		inverse;		/* 0: binary */
	const int64 *id;
} LinkCollector;

static void
distance_link_batch(void *arg, const PairBatch *b)
{
	LinkCollector *c = arg;

	for (int t = 0; t < b->n; t++)
	{
		Link	   *l;

		if (b->i[t] == b->j[t])
			continue;
		if (c->inverse > 0.0 && b->d[t] == 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("units %lld and %lld are at the same place, so their inverse-distance weight is infinite",
							(long long) c->id[b->i[t]], (long long) c->id[b->j[t]])));
		l = vec_push(&c->links);
		l->i = b->i[t];
		l->j = b->j[t];
		/* inverse: the distance for now; the weights are made per row (see inverse_weights) */
		l->w = c->inverse > 0.0 ? b->d[t] : 1.0;
	}
}

/* a candidate neighbour of knn: its distance, id (for ties) and index */
typedef struct Near
{
	double		d;
	int64		id;
	int			j;
} Near;

static inline bool
near_less(const Near *a, const Near *b)
{
	return a->d < b->d || (a->d == b->d && a->id < b->id);
}

static int
near_cmp(const void *pa, const void *pb)
{
	return near_less(pa, pb) ? -1 : near_less(pb, pa) ? 1 : 0;
}

/* a max-heap on (d, id) of the best k so far: its root is the worst of them */
static inline void
near_sift_up(Near *h, int p)
{
	Near		c = h[p];

	while (p > 0 && near_less(&h[(p - 1) / 2], &c))
	{
		h[p] = h[(p - 1) / 2];
		p = (p - 1) / 2;
	}
	h[p] = c;
}

static inline void
near_sift_down(Near *h, int n)
{
	Near		c = h[0];
	int			p = 0;

	for (;;)
	{
		int			q = 2 * p + 1;

		if (q >= n)
			break;
		if (q + 1 < n && near_less(&h[q], &h[q + 1]))
			q++;
		if (!near_less(&c, &h[q]))
			break;
		h[p] = h[q];
		p = q;
	}
	h[p] = c;
}

/*
 * The k nearest other units of each unit (ties: the lower id), through a
 * max-heap of the best k: most candidates are rejected by one comparison
 * with its root, the others cost log k, so a unit costs about
 * n + k ln(n/k) log k, and any k up to n - 1 stays practical.
 */
static Link *
knn_links(const Located *L, const int64 *id, int k, int *nlinks)
{
	Link	   *links = spatial_alloc((Size) L->n * k, sizeof(Link), "the k nearest neighbours");
	Near	   *h = spatial_alloc(k, sizeof(Near), "the k nearest neighbours");

	for (int i = 0; i < L->n; i++)
	{
		int			cnt = 0;

		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < L->n; j++)
		{
			Near		c;

			if (j == i)
				continue;
			c.d = located_distance(L, i, L, j);
			if (cnt == k && c.d > h[0].d)
				continue;
			c.id = id[j];
			c.j = j;
			if (cnt < k)
			{
				h[cnt++] = c;
				near_sift_up(h, cnt - 1);
			}
			else if (near_less(&c, &h[0]))
			{
				h[0] = c;
				near_sift_down(h, k);
			}
		}
		qsort(h, k, sizeof(Near), near_cmp);
		for (int t = 0; t < k; t++)
		{
			links[(Size) i * k + t].i = i;
			links[(Size) i * k + t].j = h[t].j;
			links[(Size) i * k + t].w = 1.0;
		}
	}
	*nlinks = L->n * k;
	return links;
}

/*
 * Inverse-distance weights d^-alpha from the distances in the links (sorted
 * by i).  Row-standardised, each row is computed as (d / d_min)^-alpha, at
 * most 1 and 1 for the nearest, so neither the weights nor their sum can
 * overflow where d^-alpha would (d = 1e-200, alpha = 2); the standardised
 * weights are the same.  Unstandardised, a weight beyond the double range
 * is 22003.
 */
static void
inverse_weights(Link *l, int nlinks, double alpha, bool standardize, const int64 *sorted_id)
{
	for (int s = 0; s < nlinks;)
	{
		int			e = s;
		double		dmin = l[s].w;

		if ((s & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		while (e < nlinks && l[e].i == l[s].i)
		{
			dmin = Min(dmin, l[e].w);
			e++;
		}
		for (int t = s; t < e; t++)
		{
			double		w = standardize ? pow(l[t].w / dmin, -alpha) : pow(l[t].w, -alpha);

			if (!(w <= DBL_MAX))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("the inverse-distance weight of units %lld and %lld is out of the range of double precision",
								(long long) sorted_id[l[t].i], (long long) sorted_id[l[t].j]),
						 errdetail("Their distance %s to the power -%s (inverse) overflows.",
								   medres_float_text(l[t].w), medres_float_text(alpha)),
						 errhint("Use row_standardize => true, or coordinates in larger units.")));
			l[t].w = w;
		}
		s = e;
	}
}

#define W_QUEEN		0
#define W_ROOK		1
#define W_KNN		2
#define W_DISTANCE	3
static const char *const weights_names[] = {"queen", "rook", "knn", "distance", NULL};

/* units within snap of each other (queen) or sharing a border longer than 4 snap (rook), by PostGIS */
typedef struct SnapReader
{
	const IdMap *ids;
	Vec			links;
} SnapReader;

static void
snap_row(void *arg, HeapTuple tup, TupleDesc td)
{
	SnapReader *rd = arg;
	bool		n1,
				n2;
	Link	   *l = vec_push(&rd->links);

	l->i = idmap_find(rd->ids, get_int8(tup, td, 1, &n1));
	l->j = idmap_find(rd->ids, get_int8(tup, td, 2, &n2));
	l->w = 1.0;
}

static Link *
snapped_links(const char *sql, const char *pg, bool rook, double snap, const IdMap *ids, int *nlinks)
{
	char	   *q;
	SnapReader	rd;

	q = psprintf("SELECT a.id::pg_catalog.int8, b.id::pg_catalog.int8 FROM (%s) AS a, (%s) AS b "
				 "WHERE a.id <> b.id AND %s.ST_DWithin(a.geom, b.geom, %.17g)%s",
				 sql, sql, pg, snap,
				 rook ? psprintf(" AND %s.ST_Length(%s.ST_Intersection(%s.ST_Boundary(a.geom), "
								 "%s.ST_Buffer(%s.ST_Boundary(b.geom), %.17g))) > %.17g",
								 pg, pg, pg, pg, pg, snap, 4.0 * snap) : "");
	rd.ids = ids;
	vec_init(&rd.links, CurrentMemoryContext, sizeof(Link), "the spatial weights");
	for_each_row(q, snap_row, &rd);
	if (rd.links.n > INT_MAX)
		medres_check_memory(MaxAllocHugeSize, "the spatial weights");
	*nlinks = (int) rd.links.n;
	return (Link *) rd.links.data;
}

/* a NOTICE naming the units without neighbours (at most ten) */
static void
notice_islands(const bool *has, const int64 *id, int n, const char *what)
{
	StringInfoData buf;
	int			cnt = 0;

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		if (!has[i])
		{
			if (cnt < 10)
				appendStringInfo(&buf, "%s%lld", cnt ? ", " : "", (long long) id[i]);
			cnt++;
		}
	if (cnt > 0)
		ereport(NOTICE,
				(errmsg("%d unit%s without neighbours: %s%s", cnt, cnt == 1 ? "" : "s", buf.data,
						cnt > 10 ? ", ..." : ""),
				 errdetail("%s", what)));
}

/*
 * spatial_weights(units_sql, method, k, distance, snap, inverse, row_standardize)
 *   RETURNS TABLE(i bigint, j bigint, w float8)
 */
PG_FUNCTION_INFO_V1(medres_spatial_weights);
Datum
medres_spatial_weights(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *sql = required_sql(fcinfo, 0, "units_sql");
	int			method = medres_parse_option(medres_opt_text(fcinfo, 1), "method", weights_names, W_QUEEN,
											 "Use queen, rook, knn or distance.");
	bool		has_k = PG_NARGS() > 2 && !PG_ARGISNULL(2);
	int			k = has_k ? PG_GETARG_INT32(2) : 0;
	double		distance = 0.0,
				snap = 0.0,
				inverse = 0.0;
	bool		has_distance = opt_float_arg(fcinfo, 3, &distance);
	bool		has_snap = opt_float_arg(fcinfo, 4, &snap);
	bool		has_inverse = opt_float_arg(fcinfo, 5, &inverse);
	bool		standardize = PG_NARGS() <= 6 || PG_ARGISNULL(6) || PG_GETARG_BOOL(6);
	MemoryContext outer;
	Link	   *links = NULL;
	int			nlinks = 0,
				n = 0;
	int64	   *id = NULL;
	IdMap		ids;
	const char *pg;

	if (has_snap)
		medres_check_nonnegative("snap", snap);
	if (has_distance)
		check_positive_param("distance", distance);
	if (has_inverse)
		check_positive_param("inverse", inverse);
	if (method == W_KNN && !has_k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"knn\" needs k")));
	if (method == W_DISTANCE && !has_distance)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"distance\" needs distance")));
	InitMaterializedSRF(fcinfo, 0);
	outer = CurrentMemoryContext;
	SPI_connect();
	pg = MemoryContextStrdup(outer, postgis_schema());
	if (method == W_QUEEN || method == W_ROOK)
	{
		TupleDesc	td = inner_columns(sql);
		PolygonReader rd;
		char	   *q;

		(void) require_column(td, "units_sql", "id", "integer");
		(void) require_column(td, "units_sql", "geom", "geometry");
		q = psprintf("SELECT q.id::pg_catalog.int8, %s.ST_AsBinary(%s.ST_Force2D(q.geom)), "
					 "%s.ST_SRID(q.geom) FROM (%s) AS q", pg, pg, pg, sql);
		memset(&rd, 0, sizeof(rd));
		rd.rook = method == W_ROOK;
		rd.collect = !(snap > 0.0);		/* with a tolerance PostGIS decides */
		rd.argname = "units_sql";
		vec_init(&rd.ids, outer, sizeof(int64), "the units of units_sql");
		vec_init(&rd.marks, outer, sizeof(Mark), "the boundaries of units_sql");
		for_each_row(q, polygon_row, &rd);
		n = (int) rd.ids.n;
		id = (int64 *) rd.ids.data;
		{
			MemoryContext spi = MemoryContextSwitchTo(outer);

			idmap_build(&ids, id, n, "units_sql");
			if (snap > 0.0)
			{
				MemoryContextSwitchTo(spi);
				links = snapped_links(sql, pg, method == W_ROOK, snap, &ids, &nlinks);
				MemoryContextSwitchTo(outer);
				{
					Link	   *copy = spatial_alloc(nlinks, sizeof(Link), "the spatial weights");

					memcpy(copy, links, sizeof(Link) * nlinks);
					links = copy;
				}
			}
			else
				links = contiguity_links(&rd, &nlinks);
			MemoryContextSwitchTo(spi);
		}
	}
	else
	{
		PointSet	ps;
		Located		L;
		bool		geo;

		read_points(sql, "units_sql", true, VALUES_NONE, true, pg, &ps, outer);
		geo = srid_is_geographic(ps.srid, pg);
		n = ps.n;
		id = ps.id;
		{
			MemoryContext spi = MemoryContextSwitchTo(outer);

			idmap_build(&ids, id, n, "units_sql");
			locate(&L, &ps, geo);
			if (method == W_KNN)
			{
				if (k < 1 || k > n - 1)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("k must be between 1 and the number of units - 1 (%d), got %d", n - 1, k)));
				/* the links, and the sort's copy of them */
				if ((Size) k > MaxAllocHugeSize / (2 * sizeof(Link)) / (Size) n)
					medres_check_memory(MaxAllocHugeSize, "the k nearest neighbours");
				medres_check_memory((Size) n * k * sizeof(Link) * 2, "the k nearest neighbours");
				links = knn_links(&L, id, k, &nlinks);
			}
			else
			{
				LinkCollector c;

				vec_init(&c.links, outer, sizeof(Link), "the spatial weights");
				c.inverse = inverse;
				c.id = id;
				pairs_within(&L, &L, distance, distance_link_batch, &c);
				if (c.links.n > INT_MAX)
					medres_check_memory(MaxAllocHugeSize, "the spatial weights");
				links = (Link *) c.links.data;
				nlinks = (int) c.links.n;
			}
			MemoryContextSwitchTo(spi);
		}
	}
	SPI_finish();

	/* renumber the units in id order, so the rows come sorted by (i, j) */
	{
		int		   *rank = spatial_alloc(n, sizeof(int), "the spatial weights");

		for (int r = 0; r < n; r++)
			rank[ids.index_of[r]] = r;
		for (int t = 0; t < nlinks; t++)
		{
			if ((t & 0xFFFF) == 0xFFFF)
				CHECK_FOR_INTERRUPTS();
			links[t].i = rank[links[t].i];
			links[t].j = rank[links[t].j];
		}
	}
	nlinks = links_unique(links, nlinks);
	if (method == W_DISTANCE && inverse > 0.0)
		inverse_weights(links, nlinks, inverse, standardize, ids.sorted);
	{
		bool	   *has = spatial_alloc0(n, sizeof(bool), "the spatial weights");
		double	   *rowsum = spatial_alloc0(n, sizeof(double), "the spatial weights");

		for (int t = 0; t < nlinks; t++)
		{
			has[links[t].i] = true;
			rowsum[links[t].i] += links[t].w;
		}
		notice_islands(has, ids.sorted, n, "They get no weights; local statistics will be NULL for them.");
		for (int t = 0; t < nlinks; t++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			/* the result rows go to a tuplestore, on disk when large: check at each */
			CHECK_FOR_INTERRUPTS();

			values[0] = Int64GetDatum(ids.sorted[links[t].i]);
			values[1] = Int64GetDatum(ids.sorted[links[t].j]);
			values[2] = Float8GetDatum(standardize ? links[t].w / rowsum[links[t].i] : links[t].w);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Spatial autocorrelation: Moran's I, LISA, Getis-Ord
 * --------------------------------------------------------------------- */

/* values y_i of n units and the weights w_ij between them, rows in CSR form */
typedef struct Lattice
{
	int			n;
	int64	   *id;
	double	   *y;				/* values over 2^yexp (exact), |y| < 2 */
	int			yexp;
	int			wexp;			/* weights over 2^wexp, all < 2 */
	int			nlinks;
	Link	   *links;			/* sorted by (i, j) */
	int		   *row;			/* links of unit i: row[i] .. row[i+1] */
} Lattice;

typedef struct ValueReader
{
	Vec			id,
				y;
} ValueReader;

static void
value_row(void *arg, HeapTuple tup, TupleDesc td)
{
	ValueReader *rd = arg;
	bool		n1,
				n2;
	int64		id = get_int8(tup, td, 1, &n1);
	double		v = get_float8(tup, td, 2, &n2);

	if (n1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values_sql returned a NULL id")));
	if (n2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values_sql returned a NULL value for id %lld", (long long) id),
				 errhint("Leave units without a value out of both values_sql and weights_sql.")));
	if (!(v >= -DBL_MAX && v <= DBL_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for id %lld in values_sql: \"%s\"", (long long) id, medres_float_text(v))));
	*(int64 *) vec_push(&rd->id) = id;
	*(double *) vec_push(&rd->y) = v;
}

typedef struct WeightReader
{
	const IdMap *ids;
	Vec			links;
	bool		allow_self;
} WeightReader;

static void
weight_row(void *arg, HeapTuple tup, TupleDesc td)
{
	static const PairColumns weights = {"weights_sql", {"i", "j", "w"},
		"weight", "", "", "Weights must be finite and non-negative."};
	WeightReader *rd = arg;
	int64		a,
				b;
	double		w = get_pair_row(tup, td, &weights, &a, &b);
	Link	   *l;

	if (a == b && !rd->allow_self)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights_sql links unit %lld with itself", (long long) a),
				 errhint("Moran's I and LISA take no self-weights; getis_ord adds the unit itself when star is true.")));
	if (w == 0.0)
		return;
	l = vec_push(&rd->links);
	l->i = idmap_find(rd->ids, a);
	l->j = idmap_find(rd->ids, b);
	l->w = w;
	if (l->i < 0 || l->j < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights_sql refers to id %lld, which values_sql does not return",
						(long long) (l->i < 0 ? a : b))));
}

/*
 * Read values and weights.  Both are divided by a power of two near their
 * largest magnitude (exact): sums of squares of 1e308s neither overflow nor
 * do those of 5e-324s vanish.  Moran's I and every z-score are invariant
 * to both scales; LISA's I_i and Getis-Ord's G scale with the weights and
 * are multiplied back at the end.  `unit_weight` counts a weight of 1 (the
 * default self-weight of G*) among the weights.
 */
static void
read_lattice(FunctionCallInfo fcinfo, bool allow_self, bool unit_weight, Lattice *L)
{
	char	   *values_sql = required_sql(fcinfo, 0, "values_sql");
	char	   *weights_sql = required_sql(fcinfo, 1, "weights_sql");
	MemoryContext outer = CurrentMemoryContext;
	ValueReader vr;
	WeightReader wr;
	IdMap		ids;
	TupleDesc	td;

	SPI_connect();
	td = inner_columns(values_sql);
	(void) require_column(td, "values_sql", "id", "integer");
	(void) require_column(td, "values_sql", "value", "number");
	vec_init(&vr.id, outer, sizeof(int64), "the values of values_sql");
	vec_init(&vr.y, outer, sizeof(double), "the values of values_sql");
	for_each_row(psprintf("SELECT q.id::pg_catalog.int8, q.value::pg_catalog.float8 FROM (%s) AS q",
						  values_sql), value_row, &vr);
	L->n = (int) vr.id.n;
	L->id = (int64 *) vr.id.data;
	L->y = (double *) vr.y.data;
	{
		MemoryContext spi = MemoryContextSwitchTo(outer);

		idmap_build(&ids, L->id, L->n, "values_sql");
		MemoryContextSwitchTo(spi);
	}
	td = inner_columns(weights_sql);
	(void) require_column(td, "weights_sql", "i", "integer");
	(void) require_column(td, "weights_sql", "j", "integer");
	(void) require_column(td, "weights_sql", "w", "number");
	wr.ids = &ids;
	wr.allow_self = allow_self;
	vec_init(&wr.links, outer, sizeof(Link), "the weights of weights_sql");
	for_each_row(psprintf("SELECT q.i::pg_catalog.int8, q.j::pg_catalog.int8, q.w::pg_catalog.float8 "
						  "FROM (%s) AS q", weights_sql), weight_row, &wr);
	SPI_finish();

	if (wr.links.n > INT_MAX)
		medres_check_memory(MaxAllocHugeSize, "the weights of weights_sql");
	L->nlinks = (int) wr.links.n;
	L->links = (Link *) wr.links.data;
	{
		double		top = 0.0;

		for (int i = 0; i < L->n; i++)
			top = Max(top, fabs(L->y[i]));
		L->yexp = pow2_exponent(top);
		for (int i = 0; i < L->n; i++)
			L->y[i] = ldexp(L->y[i], -L->yexp);
		top = unit_weight ? 1.0 : 0.0;
		for (int t = 0; t < L->nlinks; t++)
			top = Max(top, L->links[t].w);
		L->wexp = pow2_exponent(top);
		for (int t = 0; t < L->nlinks; t++)
			L->links[t].w = ldexp(L->links[t].w, -L->wexp);
	}
	sort_interruptible(L->links, L->nlinks, sizeof(Link), link_cmp, "the weights of weights_sql");
	for (int t = 1; t < L->nlinks; t++)
		if (L->links[t].i == L->links[t - 1].i && L->links[t].j == L->links[t - 1].j)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weights_sql returned the pair %lld, %lld more than once",
							(long long) L->id[L->links[t].i], (long long) L->id[L->links[t].j])));
	L->row = spatial_alloc0((Size) L->n + 1, sizeof(int), "the weights of weights_sql");
	for (int t = 0; t < L->nlinks; t++)
		L->row[L->links[t].i + 1]++;
	for (int i = 0; i < L->n; i++)
		L->row[i + 1] += L->row[i];
}

/* deviations z = y - mean, and m2 = sum z^2 / n; an error when all values are equal */
static double *
deviations(const Lattice *L, double *m2)
{
	double	   *z = spatial_alloc(L->n, sizeof(double), "the values of values_sql");
	double		s = 0.0,
				sc = 0.0,
				q = 0.0,
				qc = 0.0,
				mean;

	for (int i = 0; i < L->n; i++)
		neumaier_add(&s, &sc, L->y[i]);
	mean = (s + sc) / L->n;
	for (int i = 0; i < L->n; i++)
	{
		z[i] = L->y[i] - mean;
		neumaier_add(&q, &qc, z[i] * z[i]);
	}
	*m2 = (q + qc) / L->n;
	if (!(*m2 > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all %d values are equal, so spatial autocorrelation is undefined", L->n)));
	return z;
}

static inline double
spatial_lag(const Lattice *L, const double *z, int i)
{
	double		s = 0.0;

	for (int t = L->row[i]; t < L->row[i + 1]; t++)
		s += L->links[t].w * z[L->links[t].j];
	return s;
}

/* the weight w_ji, or 0 */
static double
weight_of(const Lattice *L, int j, int i)
{
	int			lo = L->row[j],
				hi = L->row[j + 1] - 1;

	while (lo <= hi)
	{
		int			m = lo + (hi - lo) / 2;

		if (L->links[m].j == i)
			return L->links[m].w;
		if (L->links[m].j < i)
			lo = m + 1;
		else
			hi = m - 1;
	}
	return 0.0;
}

/* two-sided normal p-value of z */
static double
two_sided_p(double z)
{
	return erfc(fabs(z) / M_SQRT2);
}

static inline uint32
random_below(uint64 *state, uint32 bound)
{
	return (uint32) (((splitmix64(state) >> 32) * (uint64) bound) >> 32);
}

/* PySAL's folded permutation p-value: (min(M, R - M) + 1) / (R + 1) */
static double
folded_p(int larger, int R)
{
	if (R - larger < larger)
		larger = R - larger;
	return (larger + 1.0) / (R + 1.0);
}

static int
permutations_arg(FunctionCallInfo fcinfo, int argno)
{
	int			R = PG_NARGS() > argno && !PG_ARGISNULL(argno) ? PG_GETARG_INT32(argno) : 999;

	if (R < 0 || R > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("permutations must be between 0 and 1000000, got %d", R)));
	return R;
}

/* moran(values_sql, weights_sql, permutations, seed) RETURNS medres.moran_result */
PG_FUNCTION_INFO_V1(medres_moran);
Datum
medres_moran(PG_FUNCTION_ARGS)
{
	int			R = permutations_arg(fcinfo, 2);
	uint64		rng = PG_NARGS() > 3 && !PG_ARGISNULL(3) ? (uint64) PG_GETARG_INT64(3) : 0;
	Lattice		L;
	double	   *z,
				m2,
				n,
				S0 = 0.0,
				S1 = 0.0,
				S2 = 0.0,
				num = 0.0,
				sz2,
				sz4 = 0.0,
				I,
				EI,
				vn,
				vr,
				kurt;
	double	   *rowsum,
			   *colsum;
	TupleDesc	tupdesc;
	Datum		values[11];
	bool		nulls[11] = {false};
	bool	   *has;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "medres.moran must return a composite type");
	read_lattice(fcinfo, false, false, &L);
	if (L.n < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Moran's I needs at least 4 units, got %d", L.n)));
	n = L.n;
	z = deviations(&L, &m2);
	sz2 = m2 * n;
	rowsum = spatial_alloc0(L.n, sizeof(double), "the values of values_sql");
	colsum = spatial_alloc0(L.n, sizeof(double), "the values of values_sql");
	has = spatial_alloc0(L.n, sizeof(bool), "the values of values_sql");
	for (int t = 0; t < L.nlinks; t++)
	{
		const Link *l = &L.links[t];
		double		wji = weight_of(&L, l->j, l->i);

		if ((t & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();

		S0 += l->w;
		S1 += wji > 0.0 ? 0.5 * (l->w + wji) * (l->w + wji) : l->w * l->w;
		rowsum[l->i] += l->w;
		colsum[l->j] += l->w;
		has[l->i] = true;
	}
	if (!(S0 > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights_sql gives no weights between the units of values_sql")));
	notice_islands(has, L.id, L.n, "They count in n with a spatial lag of 0.");
	for (int i = 0; i < L.n; i++)
	{
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		S2 += (rowsum[i] + colsum[i]) * (rowsum[i] + colsum[i]);
		num += z[i] * spatial_lag(&L, z, i);
		sz4 += z[i] * z[i] * z[i] * z[i];
	}
	I = n / S0 * num / sz2;
	EI = -1.0 / (n - 1.0);
	vn = (n * n * S1 - n * S2 + 3.0 * S0 * S0) / ((n - 1.0) * (n + 1.0) * S0 * S0) - EI * EI;
	kurt = (sz4 / n) / (m2 * m2);
	vr = (n * ((n * n - 3.0 * n + 3.0) * S1 - n * S2 + 3.0 * S0 * S0)
		  - kurt * ((n * n - n) * S1 - 2.0 * n * S2 + 6.0 * S0 * S0))
		/ ((n - 1.0) * (n - 2.0) * (n - 3.0) * S0 * S0) - EI * EI;

	values[0] = Int32GetDatum(L.n);
	values[1] = Float8GetDatum(I);
	values[2] = Float8GetDatum(EI);
	values[3] = Float8GetDatum(vn);
	/* a zero variance (possible only for degenerate weights) leaves no standard deviate */
	nulls[4] = nulls[5] = !(vn > 0.0);
	values[4] = Float8GetDatum(vn > 0.0 ? (I - EI) / sqrt(vn) : 0.0);
	values[5] = Float8GetDatum(vn > 0.0 ? two_sided_p((I - EI) / sqrt(vn)) : 0.0);
	values[6] = Float8GetDatum(vr);
	nulls[7] = nulls[8] = !(vr > 0.0);
	values[7] = Float8GetDatum(vr > 0.0 ? (I - EI) / sqrt(vr) : 0.0);
	values[8] = Float8GetDatum(vr > 0.0 ? two_sided_p((I - EI) / sqrt(vr)) : 0.0);
	values[10] = Int32GetDatum(R);
	if (R == 0)
		nulls[9] = true;
	else
	{
		double	   *zp = spatial_alloc(L.n, sizeof(double), "the values of values_sql");
		int			larger = 0;

		memcpy(zp, z, sizeof(double) * L.n);
		for (int r = 0; r < R; r++)
		{
			double		s = 0.0;

			/* one permutation is O(n + links): check at each */
			CHECK_FOR_INTERRUPTS();
			for (int i = L.n - 1; i > 0; i--)
			{
				int			j = random_below(&rng, i + 1);
				double		t = zp[i];

				zp[i] = zp[j];
				zp[j] = t;
			}
			for (int i = 0; i < L.n; i++)
			{
				if ((i & 0xFFFF) == 0xFFFF)
					CHECK_FOR_INTERRUPTS();
				s += zp[i] * spatial_lag(&L, zp, i);
			}
			if (n / S0 * s / sz2 >= I)
				larger++;
		}
		values[9] = Float8GetDatum(folded_p(larger, R));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

static const char *
quadrant_name(double z, double lag)
{
	return z > 0.0 ? (lag > 0.0 ? "HH" : "HL") : (lag > 0.0 ? "LH" : "LL");
}

/*
 * lisa(values_sql, weights_sql, permutations, seed, significance)
 *   RETURNS TABLE(id bigint, ii float8, z float8, p_sim float8, quadrant text, significance text)
 */
PG_FUNCTION_INFO_V1(medres_lisa);
Datum
medres_lisa(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			R = permutations_arg(fcinfo, 2);
	uint64		rng = PG_NARGS() > 3 && !PG_ARGISNULL(3) ? (uint64) PG_GETARG_INT64(3) : 0;
	double		alpha = 0.05;
	Lattice		L;
	double	   *z,
				m2,
				n;
	int		   *perm,
			   *where;
	bool	   *has;
	Size		work = 0;

	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		alpha = PG_GETARG_FLOAT8(4);
		if (!(alpha > 0.0 && alpha < 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"significance\": \"%s\"", medres_float_text(alpha)),
					 errdetail("The significance level must lie between 0 and 1.")));
	}
	InitMaterializedSRF(fcinfo, 0);
	read_lattice(fcinfo, false, false, &L);
	if (L.n < 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("LISA needs at least 3 units, got %d", L.n)));
	n = L.n;
	z = deviations(&L, &m2);
	perm = spatial_alloc(L.n, sizeof(int), "the values of values_sql");
	where = spatial_alloc(L.n, sizeof(int), "the values of values_sql");
	has = spatial_alloc0(L.n, sizeof(bool), "the values of values_sql");
	for (int i = 0; i < L.n; i++)
	{
		perm[i] = i;
		where[i] = i;
		has[i] = L.row[i + 1] > L.row[i];
	}
	notice_islands(has, L.id, L.n, "Their local statistics are NULL.");
	for (int i = 0; i < L.n; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		int			k = L.row[i + 1] - L.row[i];

		CHECK_FOR_INTERRUPTS();
		values[0] = Int64GetDatum(L.id[i]);
		if (k == 0)
		{
			nulls[1] = nulls[2] = nulls[3] = nulls[4] = nulls[5] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}
		{
			double		lag = spatial_lag(&L, z, i);
			double		ii = z[i] / m2 * lag;
			double		Wi = 0.0,
						Wi2 = 0.0,
						e,
						v;
			double		p = 0.0;
			const char *quad = quadrant_name(z[i], lag);

			for (int t = L.row[i]; t < L.row[i + 1]; t++)
			{
				Wi += L.links[t].w;
				Wi2 += L.links[t].w * L.links[t].w;
			}
			/* spdep localmoran(conditional = TRUE, mlvar = TRUE): Sokal et al. 1998 */
			e = -(z[i] * z[i] * Wi) / ((n - 1.0) * m2);
			v = (z[i] / m2) * (z[i] / m2) * (n / (n - 2.0)) * (Wi2 - Wi * Wi / (n - 1.0))
				* (m2 - z[i] * z[i] / (n - 1.0));
			{
				/* I_i in the weights' own units; z and p do not depend on them */
				double		ii_out = ldexp(ii, L.wexp);

				if (!(fabs(ii_out) <= DBL_MAX))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("local Moran's I of id %lld is out of the range of double precision",
									(long long) L.id[i]),
							 errhint("Rescale the weights of weights_sql, e.g. row-standardise them.")));
				values[1] = Float8GetDatum(ii_out);
			}
			values[2] = Float8GetDatum(v > 0.0 ? (ii - e) / sqrt(v) : 0.0);
			nulls[2] = !(v > 0.0);
			if (R > 0)
			{
				int			larger = 0;
				int			last = L.n - 1;

				/* move i out of the pool: swap it to the last place */
				{
					int			pi = where[i],
								other = perm[last];

					perm[pi] = other;
					where[other] = pi;
					perm[last] = i;
					where[i] = last;
				}
				for (int r = 0; r < R; r++)
				{
					double		s = 0.0;

					/* R permutations of k neighbours each: check every million draws */
					work += k;
					if (work >= 1 << 20)
					{
						work = 0;
						CHECK_FOR_INTERRUPTS();
					}
					/* a partial Fisher-Yates draw of k neighbours from the other n - 1 */
					for (int t = 0; t < k; t++)
					{
						int			c = t + random_below(&rng, (uint32) (last - t));
						int			a = perm[t],
									b = perm[c];

						perm[t] = b;
						where[b] = t;
						perm[c] = a;
						where[a] = c;
						s += L.links[L.row[i] + t].w * z[b];
					}
					if (z[i] / m2 * s >= ii)
						larger++;
				}
				p = folded_p(larger, R);
				values[3] = Float8GetDatum(p);
			}
			else
				nulls[3] = true;
			values[4] = CStringGetTextDatum(quad);
			values[5] = CStringGetTextDatum(R > 0 && p <= alpha ? quad : "not significant");
			nulls[5] = R == 0;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * getis_ord(values_sql, weights_sql, star) RETURNS TABLE(id bigint, gi float8, z float8, p float8)
 *
 * Getis and Ord (1992), Ord and Getis (1995), as spdep's localG: with star
 * the unit itself is among its neighbours (weight 1 unless weights_sql
 * gives one), the mean and variance are over all n units; without it they
 * exclude unit i.
 */
PG_FUNCTION_INFO_V1(medres_getis_ord);
Datum
medres_getis_ord(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		star = PG_NARGS() <= 2 || PG_ARGISNULL(2) || PG_GETARG_BOOL(2);
	Lattice		L;
	double		sum = 0.0,
				sumc = 0.0,
				Q = 0.0,
				Qc = 0.0,
				mean,
				n,
				unit_self;

	InitMaterializedSRF(fcinfo, 0);
	read_lattice(fcinfo, star, star, &L);
	if (L.n < 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Getis-Ord G needs at least 3 units, got %d", L.n)));
	n = L.n;
	/* the default self-weight 1 in the scaled weights' units (read_lattice counted it) */
	unit_self = ldexp(1.0, -L.wexp);
	for (int i = 0; i < L.n; i++)
		neumaier_add(&sum, &sumc, L.y[i]);
	sum += sumc;
	mean = sum / n;
	/* the sum of squared deviations Q, two-pass: sum x^2 - n mean^2 cancels */
	for (int i = 0; i < L.n; i++)
		neumaier_add(&Q, &Qc, (L.y[i] - mean) * (L.y[i] - mean));
	Q += Qc;
	if (!(Q > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all %d values are equal, so spatial autocorrelation is undefined", L.n)));
	{
		bool	   *has = spatial_alloc0(L.n, sizeof(bool), "the values of values_sql");

		for (int i = 0; i < L.n; i++)
			for (int t = L.row[i]; t < L.row[i + 1]; t++)
				if (L.links[t].j != i)
					has[i] = true;
		notice_islands(has, L.id, L.n, "Their local statistics are NULL.");
		for (int i = 0; i < L.n; i++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};
			double		lag = 0.0,
						Wi = 0.0,
						S1i = 0.0,
						self = 0.0,
						xbar,
						s2,
						total,
						v,
						zv;

			CHECK_FOR_INTERRUPTS();
			values[0] = Int64GetDatum(L.id[i]);
			if (!has[i])
			{
				nulls[1] = nulls[2] = nulls[3] = true;
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
				continue;
			}
			for (int t = L.row[i]; t < L.row[i + 1]; t++)
			{
				if (L.links[t].j == i)
				{
					self = L.links[t].w;
					continue;
				}
				lag += L.links[t].w * L.y[L.links[t].j];
				Wi += L.links[t].w;
				S1i += L.links[t].w * L.links[t].w;
			}
			if (star)
			{
				if (self == 0.0)
					self = unit_self;
				lag += self * L.y[i];
				Wi += self;
				S1i += self * self;
				xbar = mean;
				s2 = Q / n;
				total = sum;
				v = s2 * (n * S1i - Wi * Wi) / (n - 1.0);
			}
			else
			{
				/*
				 * Mean and variance of the other n - 1 values, from Q:
				 * sum_{j != i} (y_j - xbar_i)^2 = Q - (y_i - mean)^2 n / (n - 1).
				 */
				double		di = L.y[i] - mean;

				xbar = (sum - L.y[i]) / (n - 1.0);
				s2 = Max(Q - di * di * (n / (n - 1.0)), 0.0) / (n - 1.0);
				total = sum - L.y[i];
				v = s2 * ((n - 1.0) * S1i - Wi * Wi) / (n - 2.0);
			}
			zv = v > 0.0 ? (lag - Wi * xbar) / sqrt(v) : 0.0;
			/* G in the weights' own units; z and p do not depend on them or on the values' scale */
			values[1] = Float8GetDatum(ldexp(lag / total, L.wexp));
			nulls[1] = total == 0.0;
			if (!nulls[1] && !(fabs(DatumGetFloat8(values[1])) <= DBL_MAX))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("Getis-Ord G of id %lld is out of the range of double precision",
								(long long) L.id[i]),
						 errhint("Rescale the values of values_sql or the weights of weights_sql.")));
			values[2] = Float8GetDatum(zv);
			values[3] = Float8GetDatum(two_sided_p(zv));
			nulls[2] = nulls[3] = !(v > 0.0);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
