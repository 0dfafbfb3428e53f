/*
 * spatial.c — the plumbing shared by the C files of medres_postgis
 * (accessibility.c, spatial_weights.c, autocorrelation.c, with the pair
 * search in spatial_pairs.c): memory and sorting that answer cancels,
 * inner SQL through SPI, the points and geometries it returns, id maps,
 * argument checks, and pairs of units.  Declared in spatial.h.
 *
 * PostGIS ships no C headers in Debian, so these files never touch a
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
#include "spatial.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include <ctype.h>
#include <limits.h>

/* ---------------------------------------------------------------------
 * Memory, interrupts and errors of inner SQL
 * --------------------------------------------------------------------- */

/*
 * An array that grows with the input: its size is checked against
 * medres.memory_limit before it is allocated (54000 with a hint, see
 * medres_check_memory), and it is allocated "huge" so that a request
 * within the limit never trips palloc's 1 GB cap (XX000).
 */
void *
spatial_alloc(Size nmemb, Size size, const char *what)
{
	if (nmemb > 0 && size > MaxAllocHugeSize / nmemb)
		medres_check_memory(MaxAllocHugeSize, what);
	medres_check_memory(nmemb * size, what);
	return medres_alloc_huge(CurrentMemoryContext, nmemb, size, what);
}

void *
spatial_alloc0(Size nmemb, Size size, const char *what)
{
	void	   *p = spatial_alloc(nmemb, size, what);

	memset(p, 0, nmemb * size);
	return p;
}

/* e with 2^e = pow2_scale(v) for v > 0, or 0 for v = 0: x / 2^e by ldexp(x, -e) is exact */
int
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

void
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
const char *
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
TupleDesc
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
int
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
void
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

int64
get_int8(HeapTuple tup, TupleDesc td, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(tup, td, col, isnull);

	return *isnull ? 0 : DatumGetInt64(d);
}

double
get_float8(HeapTuple tup, TupleDesc td, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(tup, td, col, isnull);

	return *isnull ? 0.0 : DatumGetFloat8(d);
}

void
vec_init(Vec *v, MemoryContext cxt, Size elem, const char *what)
{
	v->cxt = cxt;
	v->what = what;
	v->n = 0;
	v->cap = 0;
	v->elem = elem;
	v->data = NULL;
}

void *
vec_push(Vec *v)
{
	if (v->n == v->cap)
	{
		Size		cap = Max(v->cap * 2, 1024);

		/* the old and the new block coexist while repalloc copies */
		medres_check_memory((v->cap + cap) * v->elem, v->what);
		v->data = v->data ? medres_realloc_huge(v->data, cap, v->elem, v->what)
			: medres_alloc_huge(v->cxt, cap, v->elem, v->what);
		v->cap = cap;
	}
	return v->data + (v->n++) * v->elem;
}

/* ---------------------------------------------------------------------
 * Points read from inner SQL
 * --------------------------------------------------------------------- */

typedef struct PointReader
{
	PointSet   *ps;
	Vec			id,
				xy,
				values;
	bool		srid_set;
} PointReader;

uint32
wkb_uint32(const unsigned char *p, bool little)
{
	uint32		v;

	if (little)
		v = (uint32) p[0] | ((uint32) p[1] << 8) | ((uint32) p[2] << 16) | ((uint32) p[3] << 24);
	else
		v = (uint32) p[3] | ((uint32) p[2] << 8) | ((uint32) p[1] << 16) | ((uint32) p[0] << 24);
	return v;
}

double
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

const char *
wkb_type_name(uint32 type)
{
	static const char *const names[] = {"GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT",
		"MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};

	type &= 0x0FFFFFFF;
	type %= 1000;
	return type < 8 ? names[type] : "an unknown geometry type";
}

/* The id (column 1) and the geometry (column 2) of an inner query's row; neither may be NULL. */
bytea *
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
void
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

void
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

typedef struct IdIdx
{
	int64		id;
	int			idx;
} IdIdx;

void
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

int
idmap_find(const IdMap *m, int64 id)
{
	return id_index(m->sorted, m->index_of, m->n, id);
}

/*
 * Read the points of an inner query: `id`, `geom` (when need_geom, or when
 * present and allowed) and its numeric columns: all others (supply) or
 * exactly one (demand).
 */

void
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
bool
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
 * Arguments of the SQL functions
 * --------------------------------------------------------------------- */

bool
opt_float_arg(FunctionCallInfo fcinfo, int argno, double *v)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return false;
	*v = PG_GETARG_FLOAT8(argno);
	return true;
}

/* inner SQL as given, less trailing semicolons and blanks, for wrapping as a subquery */
char *
inner_sql_text(text *t)
{
	char	   *sql = text_to_cstring(t);
	size_t		len = strlen(sql);

	while (len > 0 && (sql[len - 1] == ';' || isspace((unsigned char) sql[len - 1])))
		sql[--len] = '\0';
	/* a final newline ends a trailing -- comment before the wrapping closes the subquery */
	return psprintf("%s\n", sql);
}

char *
required_sql(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NULL", argname)));
	return inner_sql_text(PG_GETARG_TEXT_PP(argno));
}

void
check_positive_param(const char *argname, double v)
{
	if (!(v > 0.0 && v <= DBL_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"%s\": \"%s\"", argname, medres_float_text(v)),
				 errdetail("Argument %s must be a finite, positive number.", argname)));
}

/* ---------------------------------------------------------------------
 * Pairs of units: cost tables, links of spatial weights
 * --------------------------------------------------------------------- */

/* one row of an inner query of pairs (see PairColumns in spatial.h) */
double
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

/* links in (i, j) order */
int
link_cmp(const void *a, const void *b)
{
	const Link *x = a,
			   *y = b;

	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return x->j < y->j ? -1 : (x->j > y->j);
}

/* a NOTICE naming the units without neighbours (at most ten) */
void
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

