/*
 * spatial_pairs.c — the pair search of medres_postgis: every pair of
 * points within a radius, planar or on the sphere, by a uniform grid, with
 * the query points split between the backend and one helper thread when
 * there are many.  Plain C over the arrays of Located (spatial.h); the
 * 2SFCA passes of accessibility.c run fused into its loop (PairKernel),
 * other callers take the pairs in batches.  Used by accessibility() and by
 * spatial_weights(method => 'distance').
 */
#include "spatial.h"

#include "miscadmin.h"

#include <pthread.h>

/* ---------------------------------------------------------------------
 * Plain C: distances and the grid that finds pairs within a radius
 * --------------------------------------------------------------------- */

/*
 * The points of ps prepared for distance queries (Located; the distance
 * functions themselves are inline in spatial.h).
 */
void
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
void
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

void
pairs_within(const Located *Q, const Located *S, double radius, PairFn fn, void *arg)
{
	pairs_within2(Q, S, radius, fn, arg, NULL, NULL, NULL);
}

