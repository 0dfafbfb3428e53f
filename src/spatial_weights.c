/*
 * spatial_weights.c — spatial_weights(): the links between units by queen
 * or rook contiguity (shared boundary coordinates, or PostGIS within a
 * snapping tolerance), k nearest neighbours, or a distance band, binary
 * or inverse-distance, optionally row-standardised.  The links are plain
 * C over arrays (contiguity_links, knn_links, inverse_weights); reading
 * units_sql goes through spatial.c, the distance band through
 * spatial_pairs.c.  Its output is the weights_sql of autocorrelation.c.
 *
 * Definitions: METHODS.md, "Spatial autocorrelation"; doc/spatial.md.
 */
#include "spatial.h"

#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include <limits.h>

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

