/*
 * dagum_ci.c — bootstrap intervals for the components of Dagum's
 * decomposition of the Gini (dagum_decomposition_ci) and the permutation
 * test of its net between-group Gini (dagum_between_test); see
 * doc/uncertainty.md and dagum.c for the decomposition itself.
 *
 * Both are group aggregates of uncertainty.c: the same state and the same
 * canonical order of the rows (by group name, then value, then weight), and
 * bootstrap.c draws the same Poisson(1) multipliers and the same shuffles of
 * the group labels, row by row in that order, as for ge_decomposition_ci and
 * ge_between_test.  So a seed gives the same interval and p-value whatever
 * the row order of the input and whatever the parallel plan, and the same
 * seed resamples the same rows for both decompositions.
 *
 * A replicate is one O(n k) sweep of dagum.c (medres_dagum_sweep) over the
 * rows in value order.  The canonical rows are put in value order once, ties
 * by canonical position (so the order depends on the multiset of rows only);
 * a replicate then reads its multipliers (or its shuffled labels) through
 * that permutation, leaving out the rows drawn zero times, and sweeps the
 * rest.  No analytic standard error is offered for these components: the
 * literature on Dagum's decomposition gives bootstrap intervals, not a
 * variance formula for G_nb and G_t (whose split depends on the order of
 * the group means), so method "analytic" is 22023.
 */
#include "medres.h"

#include "miscadmin.h"

/* the rows in value order, shared by the replicates (read only) */
typedef struct DagumOrder
{
	Size		n;
	Size	   *perm;			/* value-order position -> canonical row */
	double	   *z,				/* value, weight and group of the rows in value order */
			   *q,
			   *g;
} DagumOrder;

/* one replicate's workspace: a job of bootstrap.c owns one */
typedef struct DagumWork
{
	DagumSweep *ws;
	DagumSums	s;
	double	   *z,
			   *q,
			   *g;
} DagumWork;

/*
 * The value order.  The canonical rows are sorted by value within each
 * group and the groups follow each other, so the order is a merge of the
 * groups' runs: bottom-up, adjacent runs pairwise, the left run first on
 * equal values, which keeps ties in canonical position (O(n log k), and it
 * answers cancel between and within the merges).
 */
void
medres_dagum_ci_prepare(BootData *b)
{
	DagumOrder *o = palloc(sizeof(DagumOrder));
	Size		n = b->n,
				nruns = 0,
			   *runs,
			   *src,
			   *dst;

	/* as dagum_decomposition: the sweep costs rows x groups, its sums groups^2 */
	if (b->ngroups > DAGUM_MAX_GROUPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has more than %d groups",
						b->measure == MS_DAGUM ? "dagum_decomposition_ci" : "dagum_between_test",
						DAGUM_MAX_GROUPS),
				 errdetail("Each replicate costs the number of rows times the number of groups."),
				 errhint("Decompose by a grouping with fewer distinct values.")));
	medres_check_memory(n * (2 * sizeof(Size) + 3 * sizeof(double)) + (Size) (b->ngroups + 1) * sizeof(Size),
						"the interval's rows");
	o->n = n;
	o->perm = medres_alloc_huge(CurrentMemoryContext, Max(n, 1), sizeof(Size), "the interval's rows");
	o->z = medres_alloc_huge(CurrentMemoryContext, Max(n, 1), sizeof(double), "the interval's rows");
	o->q = medres_alloc_huge(CurrentMemoryContext, Max(n, 1), sizeof(double), "the interval's rows");
	o->g = medres_alloc_huge(CurrentMemoryContext, Max(n, 1), sizeof(double), "the interval's rows");
	dst = medres_alloc_huge(CurrentMemoryContext, Max(n, 1), sizeof(Size), "the interval's rows");
	runs = palloc((b->ngroups + 2) * sizeof(Size));
	src = o->perm;
	for (Size i = 0; i < n; i++)
	{
		src[i] = i;
		if (i == 0 || b->g[i] != b->g[i - 1])
			runs[nruns++] = i;
	}
	runs[nruns] = n;
	while (nruns > 1)
	{
		Size		kept = 0;

		for (Size r = 0; r < nruns; r += 2)
		{
			Size		lo = runs[r],
						mid = r + 1 < nruns ? runs[r + 1] : runs[nruns],
						hi = r + 2 <= nruns ? runs[Min(r + 2, nruns)] : runs[nruns],
						p = lo,
						q = mid,
						k = lo;

			while (p < mid && q < hi)
			{
				dst[k++] = b->x[src[q]] < b->x[src[p]] ? src[q++] : src[p++];
				if ((k & 0xFFFFF) == 0)
					CHECK_FOR_INTERRUPTS();
			}
			while (p < mid)
				dst[k++] = src[p++];
			while (q < hi)
				dst[k++] = src[q++];
			runs[kept++] = lo;
		}
		runs[kept] = n;
		nruns = kept;
		{
			Size	   *t = src;

			src = dst;
			dst = t;
		}
		CHECK_FOR_INTERRUPTS();
	}
	o->perm = src;
	pfree(dst);
	pfree(runs);
	for (Size i = 0; i < n; i++)
	{
		Size		c = src[i];

		o->z[i] = b->x[c];
		o->q[i] = b->w[c];
		o->g[i] = (double) b->g[c];
	}
	b->dagum = o;
}

/*
 * A workspace for medres_dagum_ci_value; with resample, room for a
 * replicate's rows too (the sample itself is swept in place).
 */
static DagumWork *
dagum_work(const BootData *b, bool resample)
{
	DagumWork  *w = palloc0(sizeof(DagumWork));

	medres_check_memory((resample ? b->n * 3 * sizeof(double) : 0) +
						(Size) b->ngroups * b->ngroups * 4 * sizeof(double), "the replicates");
	w->ws = medres_dagum_sweep_new(b->ngroups);
	medres_dagum_sums_init(&w->s, b->ngroups);
	if (resample)
	{
		w->z = medres_alloc_huge(CurrentMemoryContext, Max(b->n, 1), sizeof(double), "the replicates");
		w->q = medres_alloc_huge(CurrentMemoryContext, Max(b->n, 1), sizeof(double), "the replicates");
		w->g = medres_alloc_huge(CurrentMemoryContext, Max(b->n, 1), sizeof(double), "the replicates");
	}
	return w;
}

void *
medres_dagum_ci_work(const BootData *b)
{
	return dagum_work(b, true);
}

/*
 * A component of the decomposition of the rows with the weights w_i m_i (m
 * NULL: the sample's weights) and group labels (NULL: the rows' own groups),
 * both indexed by canonical row.  False when it is undefined in this
 * replicate (no weight, every value zero, a share of a zero Gini) or when
 * the sweep was stopped (*stop set).  Runs on helper threads: no palloc, no
 * ereport.
 */
bool
medres_dagum_ci_value(const BootData *b, const uint8 *m, const int32 *labels, void *work,
					  int component, double *out, volatile sig_atomic_t *stop)
{
	const DagumOrder *o = (const DagumOrder *) b->dagum;
	DagumWork  *w = (DagumWork *) work;
	const double *z = o->z,
			   *q = o->q,
			   *g = o->g;
	double		c[4],
				G;
	Size		n = o->n;

	if (m != NULL || labels != NULL)
	{
		Size		k = 0;

		Assert(w->z != NULL);

		for (Size i = 0; i < o->n; i++)
		{
			Size		r = o->perm[i];
			double		v = m ? o->q[i] * (double) m[r] : o->q[i];

			if (v > 0.0)
			{
				w->z[k] = o->z[i];
				w->q[k] = v;
				w->g[k] = labels ? (double) labels[r] : o->g[i];
				k++;
			}
		}
		z = w->z;
		q = w->q;
		g = w->g;
		n = k;
	}
	if (!medres_dagum_sweep(w->ws, z, q, g, 1, n, 1.0, 1.0, 1.0, &w->s, stop))
		return false;
	if (!medres_dagum_components(&w->s, c))
		return false;
	G = c[0];
	switch (component)
	{
		case COMP_TOTAL:
			*out = G;
			break;
		case COMP_WITHIN:
			*out = c[1];
			break;
		case COMP_NET_BETWEEN:
			*out = c[2];
			break;
		case COMP_TRANSVARIATION:
			*out = c[3];
			break;
		default:
			if (!(G > 0.0))
				return false;
			*out = (component == COMP_WITHIN_SHARE ? c[1] :
					component == COMP_NET_BETWEEN_SHARE ? c[2] : c[3]) / G;
	}
	return isfinite(*out);
}

/* the estimate on the sample itself (in the backend: errors are reported) */
void
medres_dagum_ci_estimate(const BootData *b, int component, double *est)
{
	DagumWork  *work = dagum_work(b, false);

	if (!medres_dagum_ci_value(b, NULL, NULL, work, component, est, NULL))
	{
		double		tot;

		if (medres_dagum_ci_value(b, NULL, NULL, work, COMP_TOTAL, &tot, NULL) && !(tot > 0.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the %s share is undefined when every value is equal",
							component == COMP_WITHIN_SHARE ? "within-group" :
							component == COMP_TRANSVARIATION_SHARE ? "transvariation" :
							"net between-group")));
		unc_span_error();
	}
}
