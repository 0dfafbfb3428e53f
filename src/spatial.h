/*
 * spatial.h — what the C files of medres_postgis share.
 *
 * medres_postgis has a C file per concept: accessibility.c (the
 * floating-catchment-area family), spatial_weights.c (spatial_weights) and
 * autocorrelation.c (Moran's I, LISA, Getis-Ord), over two files of shared
 * plumbing: spatial.c (memory, inner SQL through SPI, point sets, id maps,
 * argument checks, pairs of units) and spatial_pairs.c (distances and the
 * grid search for pairs within a radius).  This header holds the types they
 * pass between them, the declarations of the shared helpers, and the
 * distance functions that stay inline in the loops of the pair search and
 * of knn.
 *
 * The helpers keep their short names (locate, read_points, ...) and are
 * hidden, not exported from medres.so: PostgreSQL loads libraries with
 * RTLD_GLOBAL, where an exported generic name could be bound to another
 * library's function, or another library's calls to ours.
 */
#ifndef MEDRES_SPATIAL_H
#define MEDRES_SPATIAL_H

#include "medres.h"

#pragma GCC visibility push(hidden)

#define EARTH_RADIUS_M 6371008.8	/* mean radius (IUGG), as PostGIS's sphere */

/* ---------------------------------------------------------------------
 * spatial.c: memory, sorting and inner SQL
 * --------------------------------------------------------------------- */

extern void *spatial_alloc(Size nmemb, Size size, const char *what);
extern void *spatial_alloc0(Size nmemb, Size size, const char *what);
extern int	pow2_exponent(double v);
extern void sort_interruptible(void *base, Size n, Size size, int (*cmp) (const void *, const void *),
							   const char *what);

extern const char *postgis_schema(void);
extern TupleDesc inner_columns(const char *sql);
extern int	require_column(TupleDesc td, const char *argname, const char *name, const char *kind);

/* the callback of for_each_row: one row of the inner query */
typedef void (*RowFn) (void *arg, HeapTuple tup, TupleDesc td);
extern void for_each_row(const char *sql, RowFn row, void *arg);
extern int64 get_int8(HeapTuple tup, TupleDesc td, int col, bool *isnull);
extern double get_float8(HeapTuple tup, TupleDesc td, int col, bool *isnull);

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

extern void vec_init(Vec *v, MemoryContext cxt, Size elem, const char *what);
extern void *vec_push(Vec *v);

/* ---------------------------------------------------------------------
 * spatial.c: points and geometries read from inner SQL, ids
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

extern uint32 wkb_uint32(const unsigned char *p, bool little);
extern double wkb_double(const unsigned char *p, bool little);
extern const char *wkb_type_name(uint32 type);
extern bytea *get_id_geometry(HeapTuple tup, TupleDesc td, const char *argname, int64 *id);
extern void check_srid(bool *set, int32 *srid, int32 got, const char *argname);

/* a record of radix_sort_keys, sorted by its leading int64 (see spatial.c) */
typedef struct KeyRecord
{
	int64		key;
	int64		payload;
} KeyRecord;

extern void radix_sort_keys(void *records, Size n);

/* an id lookup table: sorted ids and, for each, the original index */
typedef struct IdMap
{
	int			n;
	int64	   *sorted;
	int		   *index_of;
} IdMap;

extern void idmap_build(IdMap *m, const int64 *id, int n, const char *argname);
extern int	idmap_find(const IdMap *m, int64 id);

/* the numeric columns read_points reads: none, exactly one (demand) or all others (supply) */
#define VALUES_NONE		0
#define VALUES_ONE		1
#define VALUES_SOME		2

extern void read_points(const char *sql, const char *argname, bool need_geom, int values_mode,
						bool centroid, const char *pg, PointSet *ps, MemoryContext cxt);
extern bool srid_is_geographic(int32 srid, const char *pg);

/* ---------------------------------------------------------------------
 * spatial_pairs.c: distances and the grid that finds pairs within a radius
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

extern void locate(Located *L, const PointSet *ps, bool geographic);

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

extern void pairs_within2(const Located *Q, const Located *S, double radius, PairFn fn, void *arg,
						  void *arg2, const PairKernel *kernel, const PairKernel *kernel2);
extern void pairs_within(const Located *Q, const Located *S, double radius, PairFn fn, void *arg);

/* ---------------------------------------------------------------------
 * spatial.c: arguments of the SQL functions
 * --------------------------------------------------------------------- */

extern bool opt_float_arg(FunctionCallInfo fcinfo, int argno, double *v);
extern char *inner_sql_text(text *t);
extern char *required_sql(FunctionCallInfo fcinfo, int argno, const char *argname);
extern void check_positive_param(const char *argname, double v);

/* ---------------------------------------------------------------------
 * spatial.c: pairs of units (cost tables, links of spatial weights)
 * --------------------------------------------------------------------- */

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

extern double get_pair_row(HeapTuple tup, TupleDesc td, const PairColumns *pc, int64 *a, int64 *b);

/* a pair of unit indices with a weight (or a cost): links of the weights, pairs of a cost table */
typedef struct Link
{
	int			i;
	int			j;
	double		w;
} Link;

extern int	link_cmp(const void *a, const void *b);
extern void notice_islands(const bool *has, const int64 *id, int n, const char *what);

#pragma GCC visibility pop

#endif							/* MEDRES_SPATIAL_H */
