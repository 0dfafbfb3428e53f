/*
 * cluster.c — Q-type clustering of units (provinces, counties) on several
 * features: agglomerative hierarchical clustering with its tree, k-means,
 * and the silhouette width used to choose k.
 *
 * Definitions (METHODS.md, "Hierarchical clustering"):
 *   standardisation per feature: z-score with the sample standard
 *     deviation (SPSS's "Z scores"), range [0, 1], or none;
 *   distances: squared Euclidean (SPSS's default), Euclidean, Manhattan,
 *     Chebyshev, cosine 1 - u.v/(|u||v|);
 *   linkages by the Lance-Williams update d(k, i+j) from d(k, i), d(k, j),
 *     d(i, j) and the cluster sizes: single, complete, average (SPSS's
 *     "between-groups"; UPGMA), weighted (WPGMA, McQuitty), and on squared
 *     Euclidean distances centroid, median and Ward.  For those three the
 *     reported height is the Lance-Williams value under metric
 *     'sqeuclidean' (R's ward.D on squared distances) and its square root
 *     under 'euclidean' (scipy's linkage(X, 'ward'), R's ward.D2).
 *
 * Algorithms, after Müllner ("Modern hierarchical, agglomerative clustering
 * algorithms", 2011), the paper behind fastcluster and scipy:
 *   - the nearest-neighbour chain for the reducible linkages (single,
 *     complete, average, weighted, Ward): O(n^2) time on the condensed
 *     distance matrix;
 *   - the "generic" algorithm with a nearest-neighbour candidate per row for
 *     centroid and median, whose merges can come out below earlier ones
 *     (inversions), so the chain does not apply;
 *   - Ward, centroid and median from the vectors: the same generic
 *     algorithm over cluster centres, O(n d) memory, used when the distance
 *     matrix would exceed medres.memory_limit.
 *
 * Merges are reported as scipy's linkage matrix: leaves 0..n-1, the merge of
 * step s (1-based) makes node n + s - 1, left_id < right_id; the monotone
 * linkages list their merges by ascending height (the chain finds them out
 * of order), centroid and median in the order they were made.  Cutting into
 * k clusters applies the first n - k merges (R's cutree, SPSS); cutting at a
 * height h applies the merges in step order up to the first above h.
 * Cluster numbers follow the first appearance of their members in the
 * partition's row order, so a nightly refresh keeps its labels.
 *
 * k-means is Lloyd's algorithm from k-means++ seeding (the greedy variant of
 * scikit-learn: 2 + ln k candidates per centre, the one that lowers the
 * potential most wins).  The seeding visits the points in the order of a
 * hash of their coordinates, so the row order cannot change the result.
 */
#include "medres.h"
#include "svg.h"

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include <limits.h>
#include <pthread.h>

/* ---------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

#define LINK_AVERAGE	0
#define LINK_SINGLE		1
#define LINK_COMPLETE	2
#define LINK_WEIGHTED	3
#define LINK_CENTROID	4
#define LINK_MEDIAN		5
#define LINK_WARD		6
static const char *const linkage_names[] =
{"average", "single", "complete", "weighted", "centroid", "median", "ward", NULL};

#define METRIC_SQEUCLIDEAN	0
#define METRIC_EUCLIDEAN	1
#define METRIC_MANHATTAN	2
#define METRIC_CHEBYSHEV	3
#define METRIC_COSINE		4
static const char *const metric_names[] =
{"sqeuclidean", "euclidean", "manhattan", "chebyshev", "cosine", NULL};

#define STD_ZSCORE	0
#define STD_RANGE	1
#define STD_NONE	2
static const char *const standardize_names[] = {"zscore", "range", "none", NULL};

/* the linkages defined on squared Euclidean distances between centres */
#define GEOMETRIC(l) ((l) == LINK_CENTROID || (l) == LINK_MEDIAN || (l) == LINK_WARD)

typedef struct ClusterOptions
{
	int			linkage;
	int			metric;
	int			standardize;
} ClusterOptions;

static int
parse_linkage(text *t)
{
	return medres_parse_option(t, "linkage", linkage_names, LINK_AVERAGE,
							   "Use average, single, complete, weighted, centroid, median or ward.");
}

static int
parse_metric(text *t, int dflt)
{
	return medres_parse_option(t, "metric", metric_names, dflt,
							   "Use sqeuclidean, euclidean, manhattan, chebyshev or cosine.");
}

static int
parse_standardize(text *t)
{
	return medres_parse_option(t, "standardize", standardize_names, STD_ZSCORE,
							   "Use zscore, range or none.");
}

static void
check_linkage_metric(const ClusterOptions *o)
{
	if (GEOMETRIC(o->linkage) && o->metric != METRIC_SQEUCLIDEAN && o->metric != METRIC_EUCLIDEAN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("linkage \"%s\" cannot use metric \"%s\"",
						linkage_names[o->linkage], metric_names[o->metric]),
				 errhint("Centroid, median and Ward linkage are defined on Euclidean distances: "
						 "use metric sqeuclidean or euclidean.")));
}

/*
 * An array of count items of the given size for the per-unit work: sizes
 * beyond 1 GB are allowed (medres.memory_limit, checked up front by the
 * callers, is the bound), and an impossible size is a clean 54000, never
 * "invalid memory alloc request size".
 */
static void *
unit_array(Size count, Size size, bool zero)
{
	void	   *p = medres_alloc_huge(CurrentMemoryContext, Max(count, 1), size, "the clustering");

	if (zero)
		memset(p, 0, Max(count, 1) * size);
	return p;
}

/* ---------------------------------------------------------------------
 * Plain C: standardisation and distances
 * --------------------------------------------------------------------- */

/*
 * Values are brought near 1 by exact powers of two before anything squares
 * or sums them, so that no intermediate overflows (1e200 squared) or
 * underflows (5e-324 squared) although the true result is a finite double.
 * Dividing by a power of two is exact unless the quotient falls below
 * DBL_MIN, so on data of ordinary magnitude this changes no bit of any
 * result: only magnitudes outside [2^-400, 2^400] are scaled at all.  Within
 * that range squared distances summed over 2^31 units and 2^31 features, and
 * the Lance-Williams updates (sizes times distances), stay finite.
 */
#define SCALE_ABOVE 0x1p400
#define SCALE_BELOW 0x1p-400

/* the largest |x[i]| of count values */
static double
max_abs(const double *x, Size count)
{
	double		m = 0.0;

	for (Size i = 0; i < count; i++)
		m = Max(m, fabs(x[i]));
	return m;
}

/*
 * The exponent e to divide by (x * 2^-e) so that a largest magnitude m
 * lands in [1, 2), or 0 if m needs no scaling.
 */
static int
scale_exponent(double m)
{
	int			e;

	if (m == 0.0 || (m >= SCALE_BELOW && m <= SCALE_ABOVE))
		return 0;
	(void) frexp(m, &e);		/* m = f 2^e, f in [0.5, 1) */
	return e - 1;
}

/* x[i] * 2^-e for count values; ldexp, as 2^-e itself may not be a double */
static void
scale_values(double *x, Size count, int e)
{
	if (e != 0)
		for (Size i = 0; i < count; i++)
			x[i] = ldexp(x[i], -e);
}

/*
 * Standardise the n x d matrix x in place, feature by feature.  The z-score
 * uses the sample standard deviation (n - 1), as SPSS and R's scale() do.
 * A single unit has nothing to scale against and is left as it is.  Each
 * feature is first divided by a power of two near its largest magnitude
 * (exact, see above): z-scores and the range map are invariant under that,
 * and the squares of the deviations can then neither overflow (features of
 * 1e200) nor underflow (subnormal features).
 */
static void
standardize_features(double *x, int n, int d, int how)
{
	if (how == STD_NONE || n < 2)
		return;
	for (int j = 0; j < d; j++)
	{
		double		m = 0.0;
		int			e;

		for (int i = 0; i < n; i++)
			m = Max(m, fabs(x[(Size) i * d + j]));
		e = scale_exponent(m);
		if (e != 0)
			for (int i = 0; i < n; i++)
				x[(Size) i * d + j] = ldexp(x[(Size) i * d + j], -e);
		if (how == STD_ZSCORE)
		{
			double		s = 0.0,
						sc = 0.0,
						q = 0.0,
						qc = 0.0,
						mean,
						sd;

			for (int i = 0; i < n; i++)
				neumaier_add(&s, &sc, x[(Size) i * d + j]);
			mean = (s + sc) / n;
			for (int i = 0; i < n; i++)
			{
				double		dev = x[(Size) i * d + j] - mean;

				neumaier_add(&q, &qc, dev * dev);
			}
			sd = sqrt((q + qc) / (n - 1));
			if (!(sd > 0.0 && sd <= DBL_MAX))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("feature %d has zero variance", j + 1),
						 errdetail("Z-scores divide by the standard deviation of every feature."),
						 errhint("Leave the constant feature out, or use standardize => 'none'.")));
			for (int i = 0; i < n; i++)
				x[(Size) i * d + j] = (x[(Size) i * d + j] - mean) / sd;
		}
		else
		{
			double		lo = x[j],
						hi = x[j],
						range;

			for (int i = 1; i < n; i++)
			{
				lo = Min(lo, x[(Size) i * d + j]);
				hi = Max(hi, x[(Size) i * d + j]);
			}
			range = hi - lo;
			if (!(range > 0.0 && range <= DBL_MAX))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("feature %d has zero range", j + 1),
						 errdetail("Range standardisation divides by max - min of every feature."),
						 errhint("Leave the constant feature out, or use standardize => 'none'.")));
			for (int i = 0; i < n; i++)
				x[(Size) i * d + j] = (x[(Size) i * d + j] - lo) / range;
		}
	}
}

/*
 * Scale the n x d points for the distances of `metric`; returns e such that
 * the true points are the scaled ones times 2^e (0 under cosine).  Cosine
 * distances do not change when a row is multiplied by a positive number, so
 * under cosine each row is scaled on its own (no row is then lost to
 * underflow next to a huge one); the other metrics scale the whole matrix
 * by one power of two, which multiplies every distance by 2^e (squared:
 * 2^2e).
 */
static int
scale_points(double *x, int n, int d, int metric)
{
	int			e;

	if (metric == METRIC_COSINE)
	{
		for (int i = 0; i < n; i++)
			scale_values(x + (Size) i * d, d, scale_exponent(max_abs(x + (Size) i * d, d)));
		return 0;
	}
	e = scale_exponent(max_abs(x, (Size) n * d));
	scale_values(x, (Size) n * d, e);
	return e;
}

/* Euclidean norms of the rows, for the cosine distance; a zero row is an error */
static double *
row_norms(const double *x, int n, int d)
{
	double	   *norm = unit_array(Max(n, 1), sizeof(double), false);

	for (int i = 0; i < n; i++)
	{
		double		s = 0.0;

		for (int j = 0; j < d; j++)
			s += x[(Size) i * d + j] * x[(Size) i * d + j];
		norm[i] = sqrt(s);
		if (!(norm[i] > 0.0 && norm[i] <= DBL_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cosine distance is undefined for unit %d: its features are all zero", i + 1),
					 errdetail("Units are numbered in the order they are clustered, after standardisation."),
					 errhint("Use another metric, or standardize => 'none' if the raw features are not zero.")));
	}
	return norm;
}

static inline double
vector_distance(const double *a, const double *b, int d, int metric, double na, double nb)
{
	double		s = 0.0;

	switch (metric)
	{
		case METRIC_SQEUCLIDEAN:
		case METRIC_EUCLIDEAN:
			for (int j = 0; j < d; j++)
			{
				double		t = a[j] - b[j];

				s += t * t;
			}
			return metric == METRIC_EUCLIDEAN ? sqrt(s) : s;
		case METRIC_MANHATTAN:
			for (int j = 0; j < d; j++)
				s += fabs(a[j] - b[j]);
			return s;
		case METRIC_CHEBYSHEV:
			for (int j = 0; j < d; j++)
				s = Max(s, fabs(a[j] - b[j]));
			return s;
		default:
			for (int j = 0; j < d; j++)
				s += a[j] * b[j];
			s = 1.0 - s / (na * nb);
			/* rounding can step just outside [0, 2] for (anti)parallel vectors */
			return s < 0.0 ? 0.0 : (s > 2.0 ? 2.0 : s);
	}
}

/* position of the pair i < j in the condensed (upper-triangle, row-major) matrix */
static inline Size
condensed_index(Size n, Size i, Size j)
{
	return n * i - i * (i + 1) / 2 + (j - i - 1);
}

static Size
condensed_bytes(int n)
{
	return (Size) n * (n - 1) / 2 * sizeof(double);
}

/*
 * The condensed matrix of pairwise distances.  The geometric linkages get
 * squared Euclidean distances whatever the metric (the Lance-Williams
 * formulas for them hold on squares; the caller takes roots at the end).
 */
static double *
distance_matrix(const double *x, int n, int d, int metric)
{
	double	   *D = medres_alloc_huge(CurrentMemoryContext, (Size) n * (n - 1) / 2,
									  sizeof(double), "the distance matrix");
	double	   *norm = metric == METRIC_COSINE ? row_norms(x, n, d) : NULL;
	Size		p = 0;

	for (int i = 0; i < n - 1; i++)
	{
		const double *xi = x + (Size) i * d;

		CHECK_FOR_INTERRUPTS();
		for (int j = i + 1; j < n; j++)
			D[p++] = vector_distance(xi, x + (Size) j * d, d, metric,
									 norm ? norm[i] : 0.0, norm ? norm[j] : 0.0);
	}
	return D;
}

/* ---------------------------------------------------------------------
 * Plain C: building the tree
 * --------------------------------------------------------------------- */

/* a merge as the algorithms find it: two cluster slots and the height */
typedef struct RawMerge
{
	int			a;
	int			b;
	double		height;
} RawMerge;

/* Merge, a merge as reported (scipy's linkage-matrix row), is in medres.h */

/*
 * Lance-Williams: the distance from cluster k (size nk) to the union of i
 * and j (sizes ni, nj), from d(k,i), d(k,j) and d(i,j).  Centroid, median
 * and Ward act on squared Euclidean distances.
 */
static inline double
lance_williams(int linkage, double dki, double dkj, double dij, double ni, double nj, double nk)
{
	switch (linkage)
	{
		case LINK_SINGLE:
			return Min(dki, dkj);
		case LINK_COMPLETE:
			return Max(dki, dkj);
		case LINK_AVERAGE:
			return (ni * dki + nj * dkj) / (ni + nj);
		case LINK_WEIGHTED:
			return 0.5 * (dki + dkj);
		case LINK_CENTROID:
			return (ni * dki + nj * dkj) / (ni + nj) - ni * nj * dij / ((ni + nj) * (ni + nj));
		case LINK_MEDIAN:
			return 0.5 * dki + 0.5 * dkj - 0.25 * dij;
		default:				/* Ward */
			return ((nk + ni) * dki + (nk + nj) * dkj - nk * dij) / (nk + ni + nj);
	}
}

/*
 * Merge slot lo into slot hi (lo < hi) at distance dlohi: row hi of the
 * condensed matrix D gets the Lance-Williams distances to the union, slot
 * lo leaves the active set.
 */
static void
merge_slots(double *D, int n, int *size, int linkage, int lo, int hi, double dlohi)
{
	double		nlo = size[lo],
				nhi = size[hi];

	size[lo] = 0;
	for (int k = 0; k < n; k++)
	{
		Size		pklo,
					pkhi;

		if (size[k] == 0 || k == hi)
			continue;
		pklo = k < lo ? condensed_index(n, k, lo) : condensed_index(n, lo, k);
		pkhi = k < hi ? condensed_index(n, k, hi) : condensed_index(n, hi, k);
		D[pkhi] = lance_williams(linkage, D[pklo], D[pkhi], dlohi, nlo, nhi, size[k]);
	}
	size[hi] = nlo + nhi;
}

/*
 * The nearest-neighbour chain (Müllner 2011, NN-chain-linkage) on the
 * condensed matrix D, which it overwrites.  Valid for the reducible
 * linkages, where merging two reciprocal nearest neighbours never brings
 * another cluster closer; merges come out unsorted.  The union of slots a
 * and b takes slot max(a, b), so slot s always holds leaf s.
 */
static void
nn_chain_linkage(double *D, int n, int linkage, RawMerge *out)
{
	int		   *size = unit_array(n, sizeof(int), false);
	int		   *chain = unit_array(n, sizeof(int), false);
	int			len = 0;

	for (int i = 0; i < n; i++)
		size[i] = 1;
	for (int step = 0; step < n - 1; step++)
	{
		int			x,
					y,
					lo,
					hi;
		double		best;

		if (len == 0)
		{
			int			i = 0;

			while (size[i] == 0)
				i++;
			chain[len++] = i;
		}
		for (;;)
		{
			int			prev = len >= 2 ? chain[len - 2] : -1;
			int			nearest = prev;
			Size		p;

			x = chain[len - 1];
			best = prev >= 0 ? D[condensed_index(n, Min(x, prev), Max(x, prev))] : 0.0;

			/*
			 * Column x above the diagonal, then row x: the previous link wins
			 * ties.  Without a previous link the first active slot is taken
			 * whatever its distance, so `nearest` is a slot even if no
			 * distance compares below another (as with NaN).
			 */
			p = (Size) x - 1;
			for (int i = 0; i < x; i++)
			{
				if (size[i] && (nearest < 0 || D[p] < best))
				{
					best = D[p];
					nearest = i;
				}
				p += n - i - 2;
			}
			p = condensed_index(n, x, x + 1);
			for (int i = x + 1; i < n; i++, p++)
			{
				if (size[i] && (nearest < 0 || D[p] < best))
				{
					best = D[p];
					nearest = i;
				}
			}
			CHECK_FOR_INTERRUPTS();
			if (nearest < 0)
				elog(ERROR, "nearest-neighbour chain found no active cluster");
			if (nearest == prev)
				break;
			chain[len++] = nearest;
		}
		y = chain[len - 2];
		len -= 2;
		lo = Min(x, y);
		hi = Max(x, y);
		out[step].a = lo;
		out[step].b = hi;
		out[step].height = best;
		merge_slots(D, n, size, linkage, lo, hi, best);
	}
}

/* nearest active slot j > i in the condensed matrix: *dist, or -1 */
static int
row_nearest(const double *D, int n, const int *size, int i, double *dist)
{
	int			best = -1;
	double		bd = get_float8_infinity();
	Size		p = i < n - 1 ? condensed_index(n, i, i + 1) : 0;

	for (int j = i + 1; j < n; j++, p++)
		if (size[j] && (best < 0 || D[p] < bd))
		{
			bd = D[p];
			best = j;
		}
	*dist = bd;
	return best;
}

/*
 * Müllner's generic algorithm on the condensed matrix, for centroid and
 * median linkage: each row keeps its nearest neighbour among the higher
 * slots; a merge updates the rows that pointed at the merged pair.  Merges
 * come out in the order they are made (heights may invert).
 */
static void
generic_matrix_linkage(double *D, int n, int linkage, RawMerge *out)
{
	int		   *size = unit_array(n, sizeof(int), false);
	int		   *nn = unit_array(n, sizeof(int), false);
	double	   *mind = unit_array(n, sizeof(double), false);

	for (int i = 0; i < n; i++)
		size[i] = 1;
	for (int i = 0; i < n; i++)
		nn[i] = row_nearest(D, n, size, i, &mind[i]);
	for (int step = 0; step < n - 1; step++)
	{
		int			lo = -1,
					hi;
		double		best = 0.0,
					dlohi;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
			if (size[i] && nn[i] >= 0 && (lo < 0 || mind[i] < best))
			{
				best = mind[i];
				lo = i;
			}
		if (lo < 0)
			elog(ERROR, "generic linkage found no pair to merge");
		hi = nn[lo];
		dlohi = best;
		out[step].a = lo;
		out[step].b = hi;
		out[step].height = best;
		merge_slots(D, n, size, linkage, lo, hi, dlohi);
		for (int k = 0; k < hi; k++)
		{
			if (size[k] == 0)
				continue;
			if (nn[k] == lo || nn[k] == hi)
			{
				nn[k] = row_nearest(D, n, size, k, &mind[k]);
				CHECK_FOR_INTERRUPTS();		/* each is a scan of a row */
			}
			else if (D[condensed_index(n, k, hi)] < mind[k])
			{
				mind[k] = D[condensed_index(n, k, hi)];
				nn[k] = hi;
			}
		}
		nn[hi] = row_nearest(D, n, size, hi, &mind[hi]);
	}
}

/*
 * The distance of two clusters from their centres c (sizes na, nb) under
 * the geometric linkages, on the scale of the Lance-Williams recurrences on
 * squared distances: centroid and median give |ca - cb|^2 (median's centre
 * being the midpoint of its two parts'), Ward 2 na nb/(na + nb) |ca - cb|^2.
 */
static inline double
centre_distance(int linkage, const double *ca, const double *cb, int d, double na, double nb)
{
	double		s = 0.0;

	for (int j = 0; j < d; j++)
	{
		double		t = ca[j] - cb[j];

		s += t * t;
	}
	return linkage == LINK_WARD ? 2.0 * na * nb / (na + nb) * s : s;
}

/* a candidate nearest neighbour: the smaller distance wins, then the lower slot */
typedef struct Nearest
{
	double		dist;
	int			slot;
} Nearest;

static inline void
nearest_offer(Nearest *nb, double v, int k)
{
	if (nb->slot < 0 || v < nb->dist || (v == nb->dist && k < nb->slot))
	{
		nb->dist = v;
		nb->slot = k;
	}
}

/*
 * The state of Ward, centroid and median linkage from the vectors, shared
 * by the backend and, for large n, one helper thread.  Each merge of lo
 * into hi needs every active cluster's distance to the new centre of hi
 * (to update nearest neighbours) and, for each "stale" cluster whose
 * nearest neighbour was lo or hi, its distances to all others.  Both are
 * scans over the active list, which the two threads split in halves; each
 * half writes only its own clusters' entries and its own partial minima,
 * which the backend then combines (ties go to the lower slot, so the split
 * cannot change the result).
 *
 * While the helper runs (from its start to its join) the backend calls
 * nothing of PostgreSQL that could allocate, throw or process interrupts:
 * both halves only poll medres_cancel_requested(), set their own
 * `stopped` flag and return; the backend then leaves the merge loop, joins
 * the helper and only then raises the cancel.  A step's scan can cost
 * O(n^2 d) when many clusters are stale, hence the poll inside it.
 */
typedef struct VectorLinkage
{
	int			linkage;
	int			d;
	double	   *c;				/* centres, n x d */
	double	   *size;
	int		   *nn;
	double	   *mind;
	int		   *act;
	int			nact;
	int			hi;				/* the cluster just merged into */
	int		   *stale;			/* clusters whose neighbour must be found anew */
	bool	   *is_stale;
	int			nstale;
	Nearest	   *part[2];		/* per half: [0] for hi, [1 + s] for stale s */
	/* the helper thread */
	pthread_barrier_t start;
	pthread_barrier_t done;
	bool		quit;
	bool		stopped[2];		/* per half: it saw a cancel request and stopped */
} VectorLinkage;

/* one half's share of a merge step: active positions [t0, t1) */
static void
vector_step_half(VectorLinkage *V, int half, int t0, int t1)
{
	int			d = V->d,
				hi = V->hi;
	const double *chi = V->c + (Size) hi * d;
	Nearest    *part = V->part[half];

	for (int s = 0; s <= V->nstale; s++)
		part[s].slot = -1;
	for (int t = t0; t < t1; t++)
	{
		int			k = V->act[t];
		const double *ck = V->c + (Size) k * d;

		if (((t - t0) & 63) == 63 && medres_cancel_requested())
		{
			V->stopped[half] = true;
			return;
		}
		if (k != hi)
		{
			double		v = centre_distance(V->linkage, ck, chi, d, V->size[k], V->size[hi]);

			nearest_offer(&part[0], v, k);
			if (!V->is_stale[k] && (v < V->mind[k] || (v == V->mind[k] && hi < V->nn[k])))
			{
				V->mind[k] = v;
				V->nn[k] = hi;
			}
		}
		for (int s = 0; s < V->nstale; s++)
		{
			int			st = V->stale[s];

			if (k != st)
				nearest_offer(&part[1 + s],
							  centre_distance(V->linkage, V->c + (Size) st * d, ck, d,
											  V->size[st], V->size[k]), k);
		}
	}
}

static void *
vector_helper(void *arg)
{
	VectorLinkage *V = arg;

	for (;;)
	{
		pthread_barrier_wait(&V->start);
		if (V->quit)
			return NULL;
		vector_step_half(V, 1, V->nact / 2, V->nact);
		pthread_barrier_wait(&V->done);
	}
}

/*
 * Two threads pay off when a step scans many clusters: below this many
 * active ones a step runs in the backend alone (the two barriers of a
 * shared step cost more than half its scan).
 */
#define PARALLEL_VECTOR_MIN 4096

/*
 * Ward, centroid and median linkage from the vectors, in O(n d) memory:
 * the generic algorithm over cluster centres, each cluster remembering its
 * nearest neighbour among all others.  c (n x d) holds the points on entry
 * and is overwritten with centres.
 */
static void
generic_vector_linkage(double *c, int n, int d, int linkage, RawMerge *out)
{
	VectorLinkage V;
	int		   *where = unit_array(n, sizeof(int), false);
	pthread_t	helper;
	bool		threaded = false,
				lost = false;

	memset(&V, 0, sizeof(V));
	V.linkage = linkage;
	V.d = d;
	V.c = c;
	V.size = unit_array(n, sizeof(double), false);
	V.nn = unit_array(n, sizeof(int), false);
	V.mind = unit_array(n, sizeof(double), false);
	V.act = unit_array(n, sizeof(int), false);
	V.stale = unit_array(n, sizeof(int), false);
	V.is_stale = unit_array(n, sizeof(bool), true);
	V.part[0] = unit_array(n + 1, sizeof(Nearest), false);
	V.part[1] = unit_array(n + 1, sizeof(Nearest), false);
	V.nact = n;
	for (int i = 0; i < n; i++)
	{
		V.size[i] = 1.0;
		V.act[i] = i;
		where[i] = i;
		V.nn[i] = -1;
	}
	/* every pair once, to initialise both ends' nearest neighbours */
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int k = i + 1; k < n; k++)
		{
			double		v = centre_distance(linkage, c + (Size) i * d, c + (Size) k * d, d, 1.0, 1.0);

			if (V.nn[i] < 0 || v < V.mind[i])
			{
				V.mind[i] = v;
				V.nn[i] = k;
			}
			if (V.nn[k] < 0 || v < V.mind[k])
			{
				V.mind[k] = v;
				V.nn[k] = i;
			}
		}
	}

	if (n >= PARALLEL_VECTOR_MIN && medres_threads > 1)
	{
		pthread_barrier_init(&V.start, NULL, 2);
		pthread_barrier_init(&V.done, NULL, 2);
		threaded = medres_start_helper(&helper, vector_helper, &V);
		if (!threaded)
		{
			pthread_barrier_destroy(&V.start);
			pthread_barrier_destroy(&V.done);
		}
	}

	/* from here to the join: no palloc, ereport or CHECK_FOR_INTERRUPTS */
	for (int step = 0; step < n - 1; step++)
	{
		int			a = -1,
					lo,
					hi;
		double		best = 0.0,
					na,
					nb;
		double	   *clo,
				   *chi;
		bool		shared;

		if (medres_cancel_requested())
		{
			V.stopped[0] = true;
			break;
		}
		for (int t = 0; t < V.nact; t++)
		{
			int			k = V.act[t];

			if (a < 0 || V.mind[k] < best || (V.mind[k] == best && k < a))
			{
				best = V.mind[k];
				a = k;
			}
		}
		/* two or more clusters are active, so each has a nearest neighbour */
		if (a < 0 || V.nn[a] < 0)
		{
			lost = true;		/* reported after the join */
			break;
		}
		lo = Min(a, V.nn[a]);
		hi = Max(a, V.nn[a]);
		out[step].a = lo;
		out[step].b = hi;
		out[step].height = best;
		na = V.size[lo];
		nb = V.size[hi];
		clo = c + (Size) lo * d;
		chi = c + (Size) hi * d;
		for (int j = 0; j < d; j++)
			chi[j] = linkage == LINK_MEDIAN ? 0.5 * (clo[j] + chi[j])
				: (na * clo[j] + nb * chi[j]) / (na + nb);
		V.size[hi] = na + nb;
		V.size[lo] = 0.0;
		/* drop lo from the active list */
		V.act[where[lo]] = V.act[V.nact - 1];
		where[V.act[V.nact - 1]] = where[lo];
		V.nact--;

		V.hi = hi;
		V.nstale = 0;
		for (int t = 0; t < V.nact; t++)
		{
			int			k = V.act[t];

			if (k != hi && (V.nn[k] == lo || V.nn[k] == hi))
			{
				V.stale[V.nstale++] = k;
				V.is_stale[k] = true;
			}
		}
		shared = threaded && V.nact >= PARALLEL_VECTOR_MIN;
		if (shared)
		{
			pthread_barrier_wait(&V.start);
			vector_step_half(&V, 0, 0, V.nact / 2);
			pthread_barrier_wait(&V.done);
		}
		else
			vector_step_half(&V, 0, 0, V.nact);
		if (V.stopped[0] || V.stopped[1])
			break;				/* the partial minima are incomplete */
		for (int s = 0; s <= V.nstale; s++)
		{
			Nearest		nbst = V.part[0][s];

			if (shared && V.part[1][s].slot >= 0)
				nearest_offer(&nbst, V.part[1][s].dist, V.part[1][s].slot);
			if (s == 0)
			{
				V.nn[hi] = nbst.slot;
				V.mind[hi] = nbst.dist;
			}
			else
			{
				V.nn[V.stale[s - 1]] = nbst.slot;
				V.mind[V.stale[s - 1]] = nbst.dist;
				V.is_stale[V.stale[s - 1]] = false;
			}
		}
	}
	if (threaded)
	{
		V.quit = true;
		pthread_barrier_wait(&V.start);
		pthread_join(helper, NULL);
		pthread_barrier_destroy(&V.start);
		pthread_barrier_destroy(&V.done);
	}
	if (V.stopped[0] || V.stopped[1])
		medres_helper_stopped("hierarchical clustering");
	if (lost)
		elog(ERROR, "vector linkage found no pair to merge");
}

static int
find_root(int *parent, int i)
{
	while (parent[i] != i)
	{
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static int
raw_height_cmp(const void *a, const void *b)
{
	const RawMerge *x = *(RawMerge *const *) a;
	const RawMerge *y = *(RawMerge *const *) b;

	if (x->height != y->height)
		return x->height < y->height ? -1 : 1;
	return x < y ? -1 : (x > y);	/* stable: keep the order of discovery */
}

/*
 * Turn merges of slots into scipy's linkage matrix: optionally sorted by
 * height (stable, so a child still precedes its parent on ties), with node
 * ids n + s for the merge of step s and left < right.  `root_height`
 * converts the algorithm's distances to reported heights (square roots for
 * the geometric linkages under metric 'euclidean').
 */
static Merge *
raw_to_linkage(RawMerge *raw, int n, bool sort, bool take_root)
{
	int			m = n - 1;
	RawMerge  **order = unit_array(Max(m, 1), sizeof(RawMerge *), false);
	Merge	   *out = unit_array(Max(m, 1), sizeof(Merge), false);
	int		   *parent = unit_array(n, sizeof(int), false);
	int		   *node = unit_array(n, sizeof(int), false);
	int		   *size = unit_array(n, sizeof(int), false);

	for (int s = 0; s < m; s++)
		order[s] = &raw[s];
	if (sort)
		qsort(order, m, sizeof(RawMerge *), raw_height_cmp);
	for (int i = 0; i < n; i++)
	{
		parent[i] = i;
		node[i] = i;
		size[i] = 1;
	}
	for (int s = 0; s < m; s++)
	{
		int			ra = find_root(parent, order[s]->a);
		int			rb = find_root(parent, order[s]->b);
		double		h = order[s]->height;

		if (take_root)
			h = h > 0.0 ? sqrt(h) : 0.0;
		out[s].left = Min(node[ra], node[rb]);
		out[s].right = Max(node[ra], node[rb]);
		out[s].height = h;
		out[s].size = size[ra] + size[rb];
		parent[ra] = rb;
		size[rb] += size[ra];
		node[rb] = n + s;
	}
	return out;
}

/*
 * When the geometric linkages work from the vectors although the matrix
 * would fit: with few features a scan of the cluster centres is quicker
 * than the matrix's strided column scans (n = 10,000, d = 8: Ward 1.46 s
 * from the vectors, 2.67 s from the matrix; bench/README.md), while every
 * feature more makes each centre distance dearer.
 */
#define VECTOR_MODE_MAX_D	12
#define VECTOR_MODE_MIN_N	1000

/*
 * Bytes per unit that building and cutting a tree holds besides the points
 * and the distance matrix: the merges (raw and reported), the union-find
 * and cut arrays, and the vector mode's per-cluster state.
 */
#define TREE_UNIT_BYTES (sizeof(RawMerge) + sizeof(RawMerge *) + sizeof(Merge) + \
						 2 * sizeof(Nearest) + 3 * sizeof(double) + 12 * sizeof(int) + 1)

/*
 * The tree of n standardised points x (n x d; overwritten) under the given
 * options.  Uses the distance matrix when it fits into medres.memory_limit,
 * else, for the geometric linkages, the vectors.
 *
 * The points are first scaled by a power of two (scale_points), so the
 * heights of the result are in scaled units: the true height of a merge is
 * ldexp(height, *hexp) (see true_height), which may overflow although the
 * tree itself, and its drawing, are well defined.
 */
static Merge *
build_tree(double *x, int n, int d, const ClusterOptions *o, int *hexp)
{
	RawMerge   *raw;
	bool		geometric = GEOMETRIC(o->linkage);
	Size		matrix = condensed_bytes(n);
	Size		limit = (Size) medres_memory_limit_kb * 1024;
	int			e;

	*hexp = 0;
	if (n < 2)
		return NULL;
	/* the distances of the geometric linkages are squared whatever the metric */
	e = scale_points(x, n, d, geometric ? METRIC_SQEUCLIDEAN : o->metric);
	if (o->metric == METRIC_SQEUCLIDEAN)
		*hexp = 2 * e;
	else if (o->metric != METRIC_COSINE)
		*hexp = e;				/* Euclidean (the root of a squared height), Manhattan, Chebyshev */
	medres_check_memory((Size) n * TREE_UNIT_BYTES, "the clustering");
	raw = unit_array(n - 1, sizeof(RawMerge), false);
	if (geometric && (matrix > limit || (d <= VECTOR_MODE_MAX_D && n >= VECTOR_MODE_MIN_N)))
		generic_vector_linkage(x, n, d, o->linkage, raw);
	else
	{
		double	   *D;

		if (matrix > limit)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the distance matrix of %d units would need %zu kB, more than medres.memory_limit (%d kB)",
							n, (size_t) (matrix >> 10), medres_memory_limit_kb),
					 errhint("Raise medres.memory_limit, or use linkage ward, centroid or median, "
							 "which can run from the vectors without a distance matrix.")));
		D = distance_matrix(x, n, d, geometric ? METRIC_SQEUCLIDEAN : o->metric);
		if (o->linkage == LINK_CENTROID || o->linkage == LINK_MEDIAN)
			generic_matrix_linkage(D, n, o->linkage, raw);
		else
			nn_chain_linkage(D, n, o->linkage, raw);
		pfree(D);
	}
	return raw_to_linkage(raw, n, !(o->linkage == LINK_CENTROID || o->linkage == LINK_MEDIAN),
						  geometric && o->metric == METRIC_EUCLIDEAN);
}

/* the true value of a height (or a difference of heights) of build_tree's tree: may be Inf */
static inline double
true_height(double h, int hexp)
{
	return hexp == 0 ? h : ldexp(h, hexp);
}

/* the same, where it is reported: a height that no double can hold is an error */
double
medres_reported_height(double h, int hexp)
{
	double		v = true_height(h, hexp);

	if (isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("a merge height of the features is out of the range of double precision"),
				 errdetail("The distance between two clusters is %s times 2^%d.",
						   medres_float_text(h), hexp),
				 errhint("Rescale the features, or standardize them with zscore or range.")));
	return v;
}

/*
 * Cluster numbers of the n leaves after the first `applied` merges,
 * numbered 1.. in order of first appearance among the leaves 0..n-1.
 */
static void
cut_tree(const Merge *m, int n, int applied, int *label)
{
	int		   *parent = unit_array(n, sizeof(int), false);
	int		   *leaf = unit_array((Size) 2 * n, sizeof(int), false);	/* a leaf of each node */
	int		   *number = unit_array(n, sizeof(int), true);
	int			next = 0;

	for (int i = 0; i < n; i++)
	{
		parent[i] = i;
		leaf[i] = i;
	}
	for (int s = 0; s < applied; s++)
	{
		int			a = find_root(parent, leaf[m[s].left]);
		int			b = find_root(parent, leaf[m[s].right]);

		parent[a] = b;
		leaf[n + s] = b;
	}
	for (int i = 0; i < n; i++)
	{
		int			r = find_root(parent, i);

		if (number[r] == 0)
			number[r] = ++next;
		label[i] = number[r];
	}
}

/* ---------------------------------------------------------------------
 * Plain C: k-means
 * --------------------------------------------------------------------- */

/* a uniform double in [0, 1) */
static inline double
uniform01(uint64 *state)
{
	return (splitmix64(state) >> 11) * 0x1.0p-53;
}

static inline double
squared_distance(const double *a, const double *b, int d)
{
	double		s = 0.0;

	for (int j = 0; j < d; j++)
	{
		double		t = a[j] - b[j];

		s += t * t;
	}
	return s;
}

typedef struct HashedPoint
{
	uint64		hash;
	int			index;
} HashedPoint;

static int
hashed_point_cmp(const void *a, const void *b)
{
	const HashedPoint *x = a;
	const HashedPoint *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->index - y->index;
}

/*
 * The points in the order of a hash of their coordinates: the order in which
 * the seeding accumulates its sampling weights, so that the chosen centres
 * depend on the set of points and the seed, not on the row order.  Equal
 * points hash alike; which of them comes first cannot matter.
 */
static int *
canonical_order(const double *x, int n, int d)
{
	HashedPoint *hp = unit_array(n, sizeof(HashedPoint), false);
	int		   *order = unit_array(n, sizeof(int), false);

	for (int i = 0; i < n; i++)
	{
		uint64		h = UINT64CONST(0x6A09E667F3BCC909);

		for (int j = 0; j < d; j++)
		{
			double		v = x[(Size) i * d + j] + 0.0;	/* -0 and 0 alike */
			uint64		bits;

			memcpy(&bits, &v, sizeof(bits));
			h ^= bits;
			h = splitmix64(&h);
		}
		hp[i].hash = h;
		hp[i].index = i;
	}
	qsort(hp, n, sizeof(HashedPoint), hashed_point_cmp);
	for (int i = 0; i < n; i++)
		order[i] = hp[i].index;
	pfree(hp);
	return order;
}

/*
 * Greedy k-means++ (Arthur and Vassilvitskii 2007, with scikit-learn's
 * 2 + ln k trials per centre): the first centre uniformly at random, each
 * next one the best of several candidates drawn with probability
 * proportional to the squared distance to the nearest centre so far.
 */
static void
kmeanspp_seed(const double *x, int n, int d, int k, const int *order, uint64 seed, double *centres)
{
	uint64		rng = seed;
	double	   *closest = unit_array(n, sizeof(double), false);
	double	   *cum = unit_array(n, sizeof(double), false);
	int			trials = 2 + (int) floor(log((double) k));
	int			first = order[(int) (uniform01(&rng) * n)];

	memcpy(centres, x + (Size) first * d, sizeof(double) * d);
	for (int i = 0; i < n; i++)
		closest[i] = squared_distance(x + (Size) i * d, centres, d);
	for (int c = 1; c < k; c++)
	{
		double		total = 0.0,
					best_pot = 0.0;
		int			best = -1;

		CHECK_FOR_INTERRUPTS();
		for (int t = 0; t < n; t++)
		{
			total += closest[order[t]];
			cum[t] = total;
		}
		for (int tr = 0; tr < trials; tr++)
		{
			double		r = uniform01(&rng) * total;
			int			lo = 0,
						hi = n - 1,
						cand;
			double		pot = 0.0,
						potc = 0.0;

			/* the first position whose running total exceeds r (all equal: uniform) */
			if (total > 0.0)
			{
				while (lo < hi)
				{
					int			mid = lo + (hi - lo) / 2;

					if (cum[mid] > r)
						hi = mid;
					else
						lo = mid + 1;
				}
			}
			else
				lo = (int) (r / Max(total, 1.0) * n) % n;
			cand = order[lo];
			for (int i = 0; i < n; i++)
			{
				double		v = squared_distance(x + (Size) i * d, x + (Size) cand * d, d);

				neumaier_add(&pot, &potc, Min(v, closest[i]));
			}
			pot += potc;
			if (best < 0 || pot < best_pot)
			{
				best_pot = pot;
				best = cand;
			}
		}
		memcpy(centres + (Size) c * d, x + (Size) best * d, sizeof(double) * d);
		for (int i = 0; i < n; i++)
		{
			double		v = squared_distance(x + (Size) i * d, centres + (Size) c * d, d);

			if (v < closest[i])
				closest[i] = v;
		}
	}
	pfree(closest);
	pfree(cum);
}

/* the nearest centre of point p (ties: the lower index) and its squared distance */
static inline int
nearest_centre(const double *p, const double *centres, int k, int d, double *dist)
{
	int			best = 0;
	double		bd = squared_distance(p, centres, d);

	for (int c = 1; c < k; c++)
	{
		double		v = squared_distance(p, centres + (Size) c * d, d);

		if (v < bd)
		{
			bd = v;
			best = c;
		}
	}
	*dist = bd;
	return best;
}

/*
 * Lloyd's algorithm from the given centres (updated in place): assign every
 * point to its nearest centre, move each centre to its members' mean, until
 * no assignment changes or after max_iter rounds, as scikit-learn's
 * algorithm='lloyd' with tol=0.  A cluster left empty takes the point
 * farthest from its own centre.  Returns the inertia (the sum of squared
 * distances to the assigned centres); assign[] ends consistent with the
 * final centres.
 */
static double
kmeans_lloyd(const double *x, int n, int d, int k, double *centres, int *assign, int max_iter)
{
	double	   *sums = unit_array((Size) k * d, sizeof(double), false);
	double	   *count = unit_array(k, sizeof(double), false);
	double	   *dist = unit_array(n, sizeof(double), false);
	double		inertia = 0.0,
				inertiac = 0.0;
	bool		settled = false;

	for (int i = 0; i < n; i++)
		assign[i] = -1;
	for (int iter = 0; iter < max_iter; iter++)
	{
		int			changed = 0;

		CHECK_FOR_INTERRUPTS();
		memset(sums, 0, sizeof(double) * k * d);
		memset(count, 0, sizeof(double) * k);
		for (int i = 0; i < n; i++)
		{
			const double *p = x + (Size) i * d;
			int			c;

			CHECK_FOR_INTERRUPTS();		/* each point is a scan of all k centres */
			c = nearest_centre(p, centres, k, d, &dist[i]);

			if (c != assign[i])
			{
				changed++;
				assign[i] = c;
			}
			count[c] += 1.0;
			for (int j = 0; j < d; j++)
				sums[(Size) c * d + j] += p[j];
		}
		if (changed == 0)
		{
			settled = true;
			break;
		}
		for (int c = 0; c < k; c++)
		{
			if (count[c] == 0.0)
			{
				/* relocate: the point farthest from its centre, in a cluster it can leave */
				int			far = -1;

				CHECK_FOR_INTERRUPTS();		/* k empty clusters cost k scans of the points */
				for (int i = 0; i < n; i++)
					if (count[assign[i]] > 1.0 && (far < 0 || dist[i] > dist[far]))
						far = i;
				if (far < 0)
					continue;
				count[assign[far]] -= 1.0;
				for (int j = 0; j < d; j++)
				{
					sums[(Size) assign[far] * d + j] -= x[(Size) far * d + j];
					sums[(Size) c * d + j] = x[(Size) far * d + j];
				}
				count[c] = 1.0;
				dist[far] = 0.0;
				assign[far] = c;
			}
		}
		for (int c = 0; c < k; c++)
			if (count[c] > 0.0)	/* always, as k <= n; an empty one would keep its centre */
				for (int j = 0; j < d; j++)
					centres[(Size) c * d + j] = sums[(Size) c * d + j] / count[c];
	}
	if (!settled)
		for (int i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			assign[i] = nearest_centre(x + (Size) i * d, centres, k, d, &dist[i]);
		}
	for (int i = 0; i < n; i++)
		neumaier_add(&inertia, &inertiac, dist[i]);
	pfree(sums);
	pfree(count);
	pfree(dist);
	return inertia + inertiac;
}

/*
 * k-means of the n x d points x into assign[] (0..k-1): from the given
 * centres (init, k x d) once, or else from `restarts` k-means++ seedings
 * drawn from `seed`, keeping the lowest inertia.
 */
static void
kmeans(const double *x, int n, int d, int k, const double *init, uint64 seed, int restarts,
	   int max_iter, int *assign)
{
	double	   *centres = unit_array((Size) k * d, sizeof(double), false);

	if (init)
	{
		memcpy(centres, init, sizeof(double) * k * d);
		(void) kmeans_lloyd(x, n, d, k, centres, assign, max_iter);
		return;
	}
	{
		int		   *order = canonical_order(x, n, d);
		int		   *trial = unit_array(n, sizeof(int), false);
		double		best = 0.0;
		uint64		seeds = seed;

		for (int r = 0; r < restarts; r++)
		{
			double		inertia;

			CHECK_FOR_INTERRUPTS();
			kmeanspp_seed(x, n, d, k, order, splitmix64(&seeds), centres);
			inertia = kmeans_lloyd(x, n, d, k, centres, trial, max_iter);
			if (r == 0 || inertia < best)
			{
				best = inertia;
				memcpy(assign, trial, sizeof(int) * n);
			}
		}
	}
}

/* renumber cluster indices 1.. in order of first appearance */
static void
number_by_appearance(int *assign, int n, int k)
{
	int		   *number = unit_array(Max(k, 1), sizeof(int), true);
	int			next = 0;

	for (int i = 0; i < n; i++)
	{
		if (number[assign[i]] == 0)
			number[assign[i]] = ++next;
		assign[i] = number[assign[i]];
	}
	pfree(number);
}

/* ---------------------------------------------------------------------
 * Plain C: silhouette
 * --------------------------------------------------------------------- */

/*
 * Mean silhouette width (Rousseeuw 1987) of the n points x whose clusters
 * are cl[] = 0..nc-1: s_i = (b_i - a_i)/max(a_i, b_i) with a_i the mean
 * distance to the other members of its cluster and b_i the smallest mean
 * distance to another cluster; s_i = 0 for a point alone in its cluster
 * (scikit-learn's and R's convention).
 */
static double
silhouette_mean(const double *x, int n, int d, const int *cl, int nc, int metric)
{
	double	   *norm = metric == METRIC_COSINE ? row_norms(x, n, d) : NULL;
	double	   *members = unit_array(nc, sizeof(double), true);
	double	   *sum = unit_array(nc, sizeof(double), false);
	double		total = 0.0,
				totalc = 0.0;

	for (int i = 0; i < n; i++)
		members[cl[i]] += 1.0;
	for (int i = 0; i < n; i++)
	{
		const double *xi = x + (Size) i * d;
		double		a,
					b = 0.0,
					s;
		bool		have_b = false;

		CHECK_FOR_INTERRUPTS();
		if (members[cl[i]] < 2.0)
			continue;			/* s_i = 0 */
		memset(sum, 0, sizeof(double) * nc);
		for (int j = 0; j < n; j++)
			if (j != i)
				sum[cl[j]] += vector_distance(xi, x + (Size) j * d, d, metric,
											  norm ? norm[i] : 0.0, norm ? norm[j] : 0.0);
		a = sum[cl[i]] / (members[cl[i]] - 1.0);
		for (int c = 0; c < nc; c++)
			if (c != cl[i] && members[c] > 0.0)
			{
				double		v = sum[c] / members[c];

				if (!have_b || v < b)
				{
					b = v;
					have_b = true;
				}
			}
		s = Max(a, b) > 0.0 ? (b - a) / Max(a, b) : 0.0;
		neumaier_add(&total, &totalc, s);
	}
	return (total + totalc) / n;
}

/* the tree as Newick and as an SVG dendrogram: dendrogram.c */

/* ---------------------------------------------------------------------
 * Window functions: hclust and kmeans
 * --------------------------------------------------------------------- */

/* per partition: whether it is computed, then the cluster of each row (0 = NULL) */
typedef struct ClusterCache
{
	bool		ready;
	int32		cluster[FLEXIBLE_ARRAY_MEMBER];
} ClusterCache;

static ClusterCache *
cluster_cache(WindowObject winobj, int64 total)
{
	Size		bytes = offsetof(ClusterCache, cluster) + sizeof(int32) * Max(total, 1);

	medres_check_memory(bytes, "the window");
	if (!AllocSizeIsValid(bytes))	/* the partition-local memory cannot be a huge chunk */
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partition of %lld rows is too large", (long long) total)));
	return WinGetPartitionLocalMemory(winobj, bytes);
}

static void
cluster_store(ClusterCache *c, const VectorRows *mx, const int *label)
{
	for (int64 r = 0; r < mx->total; r++)
		c->cluster[r] = mx->unit_of_row[r] < 0 ? 0 : label[mx->unit_of_row[r]];
	c->ready = true;
}

#define CLUSTER_RETURN(winobj, c) \
	do { \
		int32		v_ = (c)->cluster[WinGetCurrentPosition(winobj)]; \
 \
		if (v_ == 0) \
			PG_RETURN_NULL(); \
		PG_RETURN_INT32(v_); \
	} while (0)

static void
check_k(int k, int n)
{
	if (k < 1 || k > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and the number of units (%d), got %d", n, k)));
}

/* an int option of a window function, the same in every row (22023 if not); NULL gives dflt */
static int
win_int_arg(FunctionCallInfo fcinfo, int argno, const char *argname, int dflt, bool *isnull)
{
	Datum		d = medres_win_const_arg(fcinfo, argno, argname, isnull);

	return *isnull ? dflt : DatumGetInt32(d);
}

/*
 * Caps of k-means' unbounded work parameters (doc/cluster.md).  Lloyd's
 * rounds stop when no assignment changes, usually within a few dozen, so
 * max_iter only bounds the rare case that does not settle; restarts
 * multiplies the whole run.
 */
#define KMEANS_MAX_RESTARTS 1000
#define KMEANS_MAX_ITER		100000

/*
 * hclust(features float8[], k int, linkage text, metric text,
 *        standardize text, height float8) OVER (...)
 */
PG_FUNCTION_INFO_V1(medres_hclust);
Datum
medres_hclust(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		total = WinGetPartitionRowCount(winobj);
	ClusterCache *c = cluster_cache(winobj, total);

	if (!c->ready)
	{
		ClusterOptions o;
		bool		knull,
					hnull = true;
		int			k = win_int_arg(fcinfo, 1, "k", 0, &knull);
		double		h = 0.0;
		VectorRows	mx;
		int		   *label;

		o.linkage = parse_linkage(medres_win_text_arg(fcinfo, 2, "linkage"));
		o.metric = parse_metric(medres_win_text_arg(fcinfo, 3, "metric"), METRIC_SQEUCLIDEAN);
		o.standardize = parse_standardize(medres_win_text_arg(fcinfo, 4, "standardize"));
		check_linkage_metric(&o);
		{
			Datum		hd = medres_win_const_arg(fcinfo, 5, "height", &hnull);

			if (!hnull)
			{
				h = DatumGetFloat8(hd);
				medres_check_nonnegative("height", h);
			}
		}
		if (knull == hnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("hclust needs either k or height"),
					 errhint("Give the number of clusters as k, or set k to NULL and cut the tree at height => h.")));

		medres_read_vectors(winobj, 0, "features", "the clustering", 2, &mx);
		label = unit_array(Max(mx.n, 1), sizeof(int), false);
		if (mx.n > 0)
		{
			Merge	   *tree;
			int			applied = 0,
						hexp;

			if (!knull)
				check_k(k, mx.n);
			standardize_features(mx.x, mx.n, mx.m, o.standardize);
			tree = build_tree(mx.x, mx.n, mx.m, &o, &hexp);
			if (!knull)
				applied = mx.n - k;
			else				/* a height beyond DBL_MAX compares as Inf: above any h */
				while (applied < mx.n - 1 && true_height(tree[applied].height, hexp) <= h)
					applied++;
			cut_tree(tree, mx.n, applied, label);
		}
		cluster_store(c, &mx, label);
	}
	CLUSTER_RETURN(winobj, c);
}

/* the k x d starting centres of an init argument, or an error naming it */
static double *
parse_init(ArrayType *a, int k, int d)
{
	if (ARR_NDIM(a) != 2 || ARR_DIMS(a)[0] != k || ARR_DIMS(a)[1] != d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("init must be a two-dimensional array of k = %d rows and %d columns, one centre per row",
						k, d),
				 errdetail("The array given has %d dimension(s)%s.", ARR_NDIM(a),
						   ARR_NDIM(a) == 2 ? psprintf(", %d x %d", ARR_DIMS(a)[0], ARR_DIMS(a)[1]) : "")));
	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("init must not contain NULL elements")));
	for (int i = 0; i < k * d; i++)
		medres_check_finite("init", ((double *) ARR_DATA_PTR(a))[i]);
	/* a copy: kmeans scales it with the points */
	return memcpy(unit_array((Size) k * d, sizeof(double), false), ARR_DATA_PTR(a),
				  sizeof(double) * k * d);
}

/*
 * kmeans(features float8[], k int, seed bigint, restarts int,
 *        standardize text, max_iter int, init float8[]) OVER (...)
 */
PG_FUNCTION_INFO_V1(medres_kmeans);
Datum
medres_kmeans(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		total = WinGetPartitionRowCount(winobj);
	ClusterCache *c = cluster_cache(winobj, total);

	if (!c->ready)
	{
		bool		isnull;
		int			k = win_int_arg(fcinfo, 1, "k", 0, &isnull);
		int64		seed = 0;
		int			restarts,
					max_iter,
					standardize;
		ArrayType  *init;
		VectorRows	mx;
		int		   *label;

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("k must not be NULL")));
		{
			Datum		sd = medres_win_const_arg(fcinfo, 2, "seed", &isnull);

			if (!isnull)
				seed = DatumGetInt64(sd);
		}
		restarts = win_int_arg(fcinfo, 3, "restarts", 1, &isnull);
		if (restarts < 1 || restarts > KMEANS_MAX_RESTARTS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("restarts must be between 1 and %d, got %d", KMEANS_MAX_RESTARTS, restarts)));
		standardize = parse_standardize(medres_win_text_arg(fcinfo, 4, "standardize"));
		max_iter = win_int_arg(fcinfo, 5, "max_iter", 300, &isnull);
		if (max_iter < 1 || max_iter > KMEANS_MAX_ITER)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_iter must be between 1 and %d, got %d", KMEANS_MAX_ITER, max_iter)));
		init = medres_win_array_arg(fcinfo, 6, "init");

		medres_read_vectors(winobj, 0, "features", "k-means", 2, &mx);
		label = unit_array(Max(mx.n, 1), sizeof(int), false);
		if (mx.n > 0)
		{
			double	   *centres;
			int			e;

			check_k(k, mx.n);
			/* kmeans' centres and sums, and its per-unit arrays */
			medres_check_memory((Size) k * mx.m * sizeof(double) * 3 +
								(Size) mx.n * (3 * sizeof(double) + 3 * sizeof(int) +
											   sizeof(HashedPoint)), "k-means");
			centres = init ? parse_init(init, k, mx.m) : NULL;
			standardize_features(mx.x, mx.n, mx.m, standardize);

			/*
			 * One power of two for the points and the starting centres (see
			 * scale_exponent): squared distances and their sums then stay
			 * finite, and assignments do not change under a common scale.
			 */
			e = scale_exponent(Max(max_abs(mx.x, (Size) mx.n * mx.m),
								   centres ? max_abs(centres, (Size) k * mx.m) : 0.0));
			scale_values(mx.x, (Size) mx.n * mx.m, e);
			if (centres)
				scale_values(centres, (Size) k * mx.m, e);
			kmeans(mx.x, mx.n, mx.m, k, centres, (uint64) seed, restarts, max_iter, label);
			number_by_appearance(label, mx.n, k);
			{
				int			found = 0;

				for (int i = 0; i < mx.n; i++)
					found = Max(found, label[i]);
				if (found < k)
					ereport(NOTICE,
							(errmsg("k-means found %d distinct clusters, fewer than k = %d", found, k),
							 errdetail("The points have fewer distinct positions than k, so some centres coincide.")));
			}
		}
		cluster_store(c, &mx, label);
	}
	CLUSTER_RETURN(winobj, c);
}

/* ---------------------------------------------------------------------
 * Aggregates: hclust_tree (and its renderings) and silhouette
 * --------------------------------------------------------------------- */

/*
 * The rows of a group: n feature vectors, and per row a label (the tree
 * aggregates) or a cluster number (silhouette).  Options come from the rows
 * and must agree.
 */
typedef struct RowsState
{
	MemoryContext cxt;
	int32		with_labels;	/* 1: labels; 0: cluster numbers */
	int32		d;				/* -1 until the first row */
	int32		opt[3];			/* linkage, metric, standardize; -1 unset */
	int64		n;
	int64		cap;
	double	   *x;
	int32	   *cluster;
	int64	   *label_end;		/* labels are lbuf[label_end[i-1] .. label_end[i]) */
	char	   *lbuf;
	int64		llen;
	int64		lcap;
	char	   *options;		/* hclust_svg's options (jsonb text), or NULL */
} RowsState;

static RowsState *
rows_state_new(MemoryContext cxt, bool with_labels)
{
	RowsState  *st = MemoryContextAllocZero(cxt, sizeof(RowsState));

	st->cxt = cxt;
	st->with_labels = with_labels;
	st->d = -1;
	st->opt[0] = st->opt[1] = st->opt[2] = -1;
	return st;
}

static void
rows_state_reserve(RowsState *st, int64 n, int64 llen)
{
	if (n > st->cap)
	{
		int64		cap = Max(Max(st->cap * 2, 64), n);

		if (cap > INT_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a group of more than %d rows is too large to cluster", INT_MAX / 2)));
		medres_check_memory((Size) cap * (st->d * sizeof(double) + sizeof(int64)), "the aggregate");
		if (st->x == NULL)
		{
			st->x = medres_alloc_huge(st->cxt, (Size) cap * st->d, sizeof(double), "the aggregate");
			if (st->with_labels)
				st->label_end = medres_alloc_huge(st->cxt, cap, sizeof(int64), "the aggregate");
			else
				st->cluster = medres_alloc_huge(st->cxt, cap, sizeof(int32), "the aggregate");
		}
		else
		{
			st->x = medres_realloc_huge(st->x, (Size) cap * st->d, sizeof(double), "the aggregate");
			if (st->with_labels)
				st->label_end = medres_realloc_huge(st->label_end, cap, sizeof(int64), "the aggregate");
			else
				st->cluster = medres_realloc_huge(st->cluster, cap, sizeof(int32), "the aggregate");
		}
		st->cap = cap;
	}
	if (llen > st->lcap)
	{
		int64		cap = Max(Max(st->lcap * 2, 1024), llen);

		medres_check_memory((Size) cap, "the labels");
		st->lbuf = st->lbuf ? medres_realloc_huge(st->lbuf, cap, 1, "the labels")
			: medres_alloc_huge(st->cxt, cap, 1, "the labels");
		st->lcap = cap;
	}
}

static void
rows_state_options(RowsState *st, const int *opt)
{
	for (int i = 0; i < 3; i++)
	{
		if (st->opt[i] < 0)
			st->opt[i] = opt[i];
		else if (opt[i] >= 0 && st->opt[i] != opt[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options must be the same for every row of a group")));
	}
}

static void
rows_state_add(RowsState *st, ArrayType *a, const char *label, int32 cluster)
{
	int			len;
	double	   *v = medres_float8_array_values(a, "features", &len);
	int64		llen = label ? (int64) strlen(label) : 0;

	if (st->d < 0)
	{
		if (len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("features must not be empty")));
		st->d = len;
	}
	else if (len != st->d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arrays of features differ in length: %d and %d", st->d, len),
				 errdetail("Every row of a group needs the same number of features.")));
	rows_state_reserve(st, st->n + 1, st->llen + llen);
	memcpy(st->x + (Size) st->n * st->d, v, sizeof(double) * len);
	for (int j = 0; j < len; j++)
		st->x[(Size) st->n * st->d + j] += 0.0;		/* -0 and 0 alike */
	if (st->with_labels)
	{
		memcpy(st->lbuf + st->llen, label, llen);
		st->llen += llen;
		st->label_end[st->n] = st->llen;
	}
	else
		st->cluster[st->n] = cluster;
	st->n++;
}

static RowsState *
rows_state_arg(FunctionCallInfo fcinfo, bool with_labels)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate transition called in non-aggregate context");
	if (!PG_ARGISNULL(0))
		return (RowsState *) PG_GETARG_POINTER(0);
	return rows_state_new(aggcxt, with_labels);
}

/* hclust_tree(features float8[], label text [, linkage [, metric [, standardize]]]) */
PG_FUNCTION_INFO_V1(medres_tree_trans);
Datum
medres_tree_trans(PG_FUNCTION_ARGS)
{
	RowsState  *st = rows_state_arg(fcinfo, true);
	int			opt[3];

	opt[0] = parse_linkage(medres_opt_text(fcinfo, 3));
	opt[1] = parse_metric(medres_opt_text(fcinfo, 4), METRIC_SQEUCLIDEAN);
	opt[2] = parse_standardize(medres_opt_text(fcinfo, 5));
	{
		ClusterOptions o = {opt[0], opt[1], opt[2]};

		check_linkage_metric(&o);
	}
	rows_state_options(st, opt);
	/* hclust_svg(..., options jsonb): kept as text, the same in every row */
	if (PG_NARGS() > 6 && !PG_ARGISNULL(6))
		svg_options_keep(st->cxt, &st->options, svg_options_text(PG_GETARG_JSONB_P(6)));
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		rows_state_add(st, PG_GETARG_ARRAYTYPE_P(1), text_to_cstring(PG_GETARG_TEXT_PP(2)), 0);
	PG_RETURN_POINTER(st);
}

/* silhouette(features float8[], cluster int [, metric [, standardize]]) */
PG_FUNCTION_INFO_V1(medres_silhouette_trans);
Datum
medres_silhouette_trans(PG_FUNCTION_ARGS)
{
	RowsState  *st = rows_state_arg(fcinfo, false);
	int			opt[3];

	opt[0] = 0;
	opt[1] = parse_metric(medres_opt_text(fcinfo, 3), METRIC_EUCLIDEAN);
	opt[2] = parse_standardize(medres_opt_text(fcinfo, 4));
	rows_state_options(st, opt);
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		rows_state_add(st, PG_GETARG_ARRAYTYPE_P(1), NULL, PG_GETARG_INT32(2));
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(medres_rows_combine);
Datum
medres_rows_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RowsState  *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	b = (RowsState *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? rows_state_new(aggcxt, b->with_labels) : (RowsState *) PG_GETARG_POINTER(0);
	if (a->with_labels != b->with_labels)
		medres_state_invalid("Two clustering states of different kinds cannot be combined.");
	rows_state_options(a, b->opt);
	if (b->options != NULL)
		svg_options_keep(a->cxt, &a->options, b->options);
	if (b->n == 0)
		PG_RETURN_POINTER(a);
	if (a->d < 0)
		a->d = b->d;
	else if (a->d != b->d)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arrays of features differ in length: %d and %d", a->d, b->d),
				 errdetail("Every row of a group needs the same number of features.")));
	rows_state_reserve(a, a->n + b->n, a->llen + b->llen);
	memcpy(a->x + (Size) a->n * a->d, b->x, sizeof(double) * b->n * b->d);
	if (a->with_labels)
	{
		memcpy(a->lbuf + a->llen, b->lbuf, b->llen);
		for (int64 i = 0; i < b->n; i++)
			a->label_end[a->n + i] = a->llen + b->label_end[i];
		a->llen += b->llen;
	}
	else
		memcpy(a->cluster + a->n, b->cluster, sizeof(int32) * b->n);
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

/*
 * The serialized form: this header (its tag checked by deserialize), then
 * x, then labels (ends and bytes) or cluster numbers.
 */
#define ROWS_STATE_VERSION 2	/* 2: hclust_svg's options at the end */

typedef struct RowsHeader
{
	MedresStateTag tag;
	int32		with_labels;
	int32		d;
	int32		opt[3];
	int64		n;
	int64		llen;
	int64		olen;			/* bytes of options (no NUL); -1 for none */
} RowsHeader;

static Size
rows_payload(const RowsHeader *h)
{
	Size		rows = (Size) h->n * (Max(h->d, 0) * sizeof(double) +
									  (h->with_labels ? sizeof(int64) : sizeof(int32)));

	return rows + (h->with_labels ? (Size) h->llen : 0) + (Size) Max(h->olen, 0);
}

PG_FUNCTION_INFO_V1(medres_rows_serialize);
Datum
medres_rows_serialize(PG_FUNCTION_ARGS)
{
	RowsState  *st = (RowsState *) PG_GETARG_POINTER(0);
	RowsHeader	h;
	Size		payload;
	bytea	   *out;
	char	   *p;

	memset(&h, 0, sizeof(h));
	medres_state_tag(&h.tag, MEDRES_STATE_CLUSTER, ROWS_STATE_VERSION);
	h.with_labels = st->with_labels;
	h.d = st->d;
	memcpy(h.opt, st->opt, sizeof(h.opt));
	h.n = st->n;
	h.llen = st->llen;
	h.olen = st->options ? (int64) strlen(st->options) : -1;
	payload = rows_payload(&h);
	if (payload > MaxAllocSize - VARHDRSZ - sizeof(h))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("aggregate state of %lld rows is too large to pass between parallel processes",
						(long long) st->n),
				 errhint("Run the query without parallel workers: SET max_parallel_workers_per_gather = 0.")));
	out = medres_palloc_advised(VARHDRSZ + sizeof(h) + payload);
	SET_VARSIZE(out, VARHDRSZ + sizeof(h) + payload);
	p = VARDATA(out);
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	if (st->n > 0)
	{
		memcpy(p, st->x, sizeof(double) * st->n * st->d);
		p += sizeof(double) * st->n * st->d;
		if (st->with_labels)
		{
			memcpy(p, st->label_end, sizeof(int64) * st->n);
			p += sizeof(int64) * st->n;
			memcpy(p, st->lbuf, st->llen);
		}
		else
			memcpy(p, st->cluster, sizeof(int32) * st->n);
	}
	if (h.olen > 0)
		memcpy(VARDATA(out) + sizeof(h) + payload - h.olen, st->options, h.olen);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(medres_rows_deserialize);
Datum
medres_rows_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	RowsHeader	h;
	RowsState  *st;
	const char *p;

	Size		len = VARSIZE_ANY_EXHDR(in);
	static const int nopts[3] = {lengthof(linkage_names) - 1, lengthof(metric_names) - 1,
	lengthof(standardize_names) - 1};

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	(void) medres_state_check(VARDATA_ANY(in), len, sizeof(h), MEDRES_STATE_CLUSTER,
							  MEDRES_STATE_CLUSTER, ROWS_STATE_VERSION);
	memcpy(&h, VARDATA_ANY(in), sizeof(h));
	/* sizes first, by division, so that no product below can overflow */
	if ((h.with_labels != 0 && h.with_labels != 1) || h.n < 0 || h.llen < 0 ||
		(Size) h.llen > len || h.olen < -1 || (h.olen > 0 && (Size) h.olen > len) ||
		h.d < -1 || (h.n > 0 && h.d < 1) ||
		(Size) h.d > len / sizeof(double) ||
		(h.n > 0 && (Size) h.n > len / (h.d * sizeof(double))) ||
		len != sizeof(h) + rows_payload(&h))
		medres_state_invalid("The sizes of the clustering state are inconsistent.");
	for (int i = 0; i < 3; i++)
		if (h.opt[i] < -1 || h.opt[i] >= nopts[i])
			medres_state_invalid("The options of the clustering state are invalid.");
	st = rows_state_new(aggcxt, h.with_labels);
	st->d = h.d;
	memcpy(st->opt, h.opt, sizeof(h.opt));
	if (h.olen >= 0)
	{
		const char *o = VARDATA_ANY(in) + len - h.olen;

		if (memchr(o, '\0', h.olen) != NULL)
			medres_state_invalid("The options of the clustering state are invalid.");
		st->options = MemoryContextAllocZero(aggcxt, h.olen + 1);
		memcpy(st->options, o, h.olen);
	}
	p = VARDATA_ANY(in) + sizeof(h);
	if (h.n > 0)
	{
		rows_state_reserve(st, h.n, h.llen);
		memcpy(st->x, p, sizeof(double) * h.n * h.d);
		p += sizeof(double) * h.n * h.d;
		for (Size i = 0; i < (Size) h.n * h.d; i++)
			if (!isfinite(st->x[i]))
				medres_state_invalid("The clustering state holds a value that is not finite.");
		if (h.with_labels)
		{
			memcpy(st->label_end, p, sizeof(int64) * h.n);
			p += sizeof(int64) * h.n;
			memcpy(st->lbuf, p, h.llen);
			for (int64 i = 0; i < h.n; i++)
				if (st->label_end[i] < (i > 0 ? st->label_end[i - 1] : 0) ||
					st->label_end[i] > h.llen || (i == h.n - 1 && st->label_end[i] != h.llen))
					medres_state_invalid("The labels of the clustering state are inconsistent.");
		}
		else
			memcpy(st->cluster, p, sizeof(int32) * h.n);
		st->n = h.n;
		st->llen = h.llen;
	}
	PG_RETURN_POINTER(st);
}

/* row order for the final functions: set by the comparison below */
static const RowsState *sort_rows;

static int
compare_features(const RowsState *st, int a, int b)
{
	const double *xa = st->x + (Size) a * st->d;
	const double *xb = st->x + (Size) b * st->d;

	for (int j = 0; j < st->d; j++)
		if (xa[j] != xb[j])
			return xa[j] < xb[j] ? -1 : 1;
	return 0;
}

/* by label in C byte order, then by features: the leaf order of the tree */
static int
label_order_cmp(const void *pa, const void *pb)
{
	int			a = *(const int *) pa,
				b = *(const int *) pb;
	int64		sa = a > 0 ? sort_rows->label_end[a - 1] : 0,
				sb = b > 0 ? sort_rows->label_end[b - 1] : 0;
	int64		la = sort_rows->label_end[a] - sa,
				lb = sort_rows->label_end[b] - sb;
	int			c = memcmp(sort_rows->lbuf + sa, sort_rows->lbuf + sb, Min(la, lb));

	if (c != 0)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	return compare_features(sort_rows, a, b);
}

/* by cluster, then by features: a canonical order for the silhouette's sums */
static int
cluster_order_cmp(const void *pa, const void *pb)
{
	int			a = *(const int *) pa,
				b = *(const int *) pb;

	if (sort_rows->cluster[a] != sort_rows->cluster[b])
		return sort_rows->cluster[a] < sort_rows->cluster[b] ? -1 : 1;
	return compare_features(sort_rows, a, b);
}

/* the state's rows in a canonical order: a copy of x, and the order itself */
static int *
canonical_rows(const RowsState *st, int (*cmp) (const void *, const void *), double **x)
{
	int			n = (int) st->n;
	int		   *order = unit_array(n, sizeof(int), false);

	for (int i = 0; i < n; i++)
		order[i] = i;
	sort_rows = st;
	qsort(order, n, sizeof(int), cmp);
	sort_rows = NULL;
	*x = medres_alloc_huge(CurrentMemoryContext, (Size) n * st->d, sizeof(double), "the clustering");
	for (int i = 0; i < n; i++)
		memcpy(*x + (Size) i * st->d, st->x + (Size) order[i] * st->d, sizeof(double) * st->d);
	return order;
}

/* the tree of a tree aggregate's rows; *labels gets the leaf labels */
static Merge *
state_tree(const RowsState *st, char ***labels, int *hexp)
{
	int			n = (int) st->n;
	ClusterOptions o = {Max(st->opt[0], 0), Max(st->opt[1], 0), Max(st->opt[2], 0)};
	double	   *x;
	int		   *order;

	/* the copy of the points, and the labels: pointers and copies with their chunk headers */
	medres_check_memory((Size) n * st->d * sizeof(double) * 2 +
						(Size) n * (sizeof(char *) + 2 * sizeof(int) + 24) + st->llen,
						"the clustering");
	order = canonical_rows(st, label_order_cmp, &x);

	*labels = unit_array(n, sizeof(char *), false);
	for (int i = 0; i < n; i++)
	{
		int			r = order[i];
		int64		s = r > 0 ? st->label_end[r - 1] : 0;

		(*labels)[i] = pnstrdup(st->lbuf + s, st->label_end[r] - s);
	}
	standardize_features(x, n, st->d, o.standardize);
	return build_tree(x, n, st->d, &o, hexp);
}

PG_FUNCTION_INFO_V1(medres_tree_final);
Datum
medres_tree_final(PG_FUNCTION_ARGS)
{
	RowsState  *st = PG_ARGISNULL(0) ? NULL : (RowsState *) PG_GETARG_POINTER(0);
	Oid			elemtype;
	TupleDesc	tupdesc;
	Datum	   *items;
	Merge	   *tree;
	char	  **labels;
	int			n,
				hexp;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	n = (int) st->n;
	tree = state_tree(st, &labels, &hexp);
	/* the merge tuples: a Datum and a tuple of about 64 bytes each */
	medres_check_memory((Size) n * (sizeof(Datum) + 96), "the merge array");
	elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	tupdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
	items = unit_array(Max(n - 1, 1), sizeof(Datum), false);
	for (int s = 0; s < n - 1; s++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int32GetDatum(s + 1);
		values[1] = Int32GetDatum(tree[s].left);
		values[2] = Int32GetDatum(tree[s].right);
		values[3] = Float8GetDatum(medres_reported_height(tree[s].height, hexp));
		values[4] = Int32GetDatum(tree[s].size);
		items[s] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(items, n - 1, elemtype, -1, false, TYPALIGN_DOUBLE));
}

/* the tree of a group rendered as text (Newick, SVG), or NULL for no rows */
static Datum
tree_text_final(FunctionCallInfo fcinfo, MedresTreeRender render, const char *what,
				Size bytes_per_unit)
{
	RowsState  *st = PG_ARGISNULL(0) ? NULL : (RowsState *) PG_GETARG_POINTER(0);
	char	  **labels;
	Merge	   *tree;
	int			hexp;
	Size		bytes;
	MedresTreeInfo info;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();

	/*
	 * An upper bound of the text's length: every label escaped at most 10
	 * times over (a byte as &#xFFFD; outside UTF-8), and per unit its
	 * markup and numbers.  A
	 * text value cannot exceed 1 GB: fail before the work, not at the end.
	 */
	bytes = (Size) st->llen * 10 + (Size) st->n * bytes_per_unit;
	if (bytes >= MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s of %lld units could exceed the 1 GB limit of a text value",
						what, (long long) st->n),
				 errhint("Draw a smaller group, or use hclust_tree.")));
	medres_check_memory(bytes * 2, what);	/* the buffer, and the text copied from it */
	tree = state_tree(st, &labels, &hexp);
	info.linkage = linkage_names[Max(st->opt[0], 0)];
	info.metric = metric_names[Max(st->opt[1], 0)];
	info.standardize = standardize_names[Max(st->opt[2], 0)];
	info.options = st->options;
	PG_RETURN_TEXT_P(cstring_to_text(render(tree, (int) st->n, labels, hexp, &info)));
}

PG_FUNCTION_INFO_V1(medres_newick_final);
Datum
medres_newick_final(PG_FUNCTION_ARGS)
{
	return tree_text_final(fcinfo, medres_tree_newick, "the Newick string", 64);
}

PG_FUNCTION_INFO_V1(medres_svg_final);
Datum
medres_svg_final(PG_FUNCTION_ARGS)
{
	return tree_text_final(fcinfo, medres_tree_svg, "the SVG dendrogram", 320);
}

PG_FUNCTION_INFO_V1(medres_silhouette_final);
Datum
medres_silhouette_final(PG_FUNCTION_ARGS)
{
	RowsState  *st = PG_ARGISNULL(0) ? NULL : (RowsState *) PG_GETARG_POINTER(0);
	int			n,
				nc = 0;
	double	   *x;
	int		   *order,
			   *cl;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	n = (int) st->n;
	/* the points twice, the order and clusters, per cluster its count and sum, the norms */
	medres_check_memory((Size) n * st->d * sizeof(double) * 2 +
						(Size) n * (2 * sizeof(int) + 3 * sizeof(double)), "the silhouette");
	order = canonical_rows(st, cluster_order_cmp, &x);
	cl = unit_array(n, sizeof(int), false);
	for (int i = 0; i < n; i++)
	{
		if (i > 0 && st->cluster[order[i]] != st->cluster[order[i - 1]])
			nc++;
		cl[i] = nc;
	}
	nc++;
	if (nc < 2 || nc > n - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("silhouette needs between 2 and n - 1 = %d clusters, got %d", n - 1, nc),
				 errdetail("The silhouette compares each unit's own cluster with the nearest other one.")));
	standardize_features(x, n, st->d, Max(st->opt[2], 0));

	/*
	 * Each s_i is a ratio of distances, unchanged when all distances are
	 * multiplied by one factor (and cosine distances by row factors), so the
	 * points can be scaled to keep the distances and their sums finite.
	 */
	(void) scale_points(x, n, st->d, Max(st->opt[1], 0));
	PG_RETURN_FLOAT8(silhouette_mean(x, n, st->d, cl, nc, Max(st->opt[1], 0)));
}
