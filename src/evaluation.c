/*
 * evaluation.c — comprehensive evaluation of units on several indicators:
 * the rank-sum ratio (RSR) with probit grading, entropy weights, TOPSIS.
 *
 * Definitions (METHODS.md, "Rank-sum ratio" and "Entropy weights and
 * TOPSIS"):
 *   RSR_i   = sum_j w_j R_ij / n, R_ij the rank of unit i on indicator j
 *             (ascending for high-is-better, descending for low-is-better,
 *             ties averaged), or 1 + (n-1)(x - min)/(max - min) when the
 *             ranking is "noninteger"; w_j = 1/m unless weights are given.
 *   probit  = 5 + Phi^-1(p), p the average rank of the value over n (or its
 *             cumulative count over n), the largest value's p set to
 *             1 - 1/(4n).
 *   fit     = OLS of the distinct values on their probits:
 *             RSR = a + b probit, with R^2 and F(1, k - 2).
 *   grades  = g classes cut at probits 2 + 6j/g; grade 1 is the best.
 *   entropy weights and TOPSIS closeness as in METHODS.md.
 *
 * The window functions read their partition once, on the first call,
 * compute every unit's result into partition-local memory and answer each
 * row from there (the pattern of PostGIS's ST_ClusterKMeans), so the
 * results never depend on the order of the rows.
 */
#include "medres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"
#include "windowapi.h"

#include <limits.h>

#define RANKING_INTEGER		0
#define RANKING_NONINTEGER	1

/* how often the per-element loops over a partition answer a cancel */
#define CANCEL_EVERY 0xFFFF

/* an array of n items that may exceed 1 GB (partitions of many millions of rows) */
static void *
eval_alloc(Size n, Size size, const char *what)
{
	return medres_alloc_huge(CurrentMemoryContext, n, size, what);
}

/*
 * The power of two nearest below the largest |x[i*stride]|, i < n, or 1 if
 * all are zero.  Dividing a column by it is exact (up to values far below
 * the largest, which round as they would in any sum with it), brings the
 * largest magnitude into [1, 2) and keeps sums, squares and differences of
 * values near 1e308 finite.
 */
static double
column_scale(const double *x, Size n, Size stride)
{
	double		amax = 0.0;

	for (Size i = 0; i < n; i++)
	{
		amax = Max(amax, fabs(x[i * stride]));
		if ((i & CANCEL_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return amax > 0.0 ? pow2_scale(amax) : 1.0;
}

/* a result that must be finite: 22003 naming it otherwise */
static void
check_finite_result(const char *what, double v)
{
	if (unlikely(!(v >= -DBL_MAX && v <= DBL_MAX)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of the range of double precision", what),
				 errhint("Rescale the scores or the values so that the result fits.")));
}

/* ---------------------------------------------------------------------
 * Plain C: the methods on arrays
 * --------------------------------------------------------------------- */

/*
 * R_ij for one indicator column x[0..n) into r[0..n): average ranks, or the
 * non-integer linear ranks.  `high` is true for high-is-better.
 */
static void
indicator_ranks(const double *x, int n, bool high, int ranking, int j, double *r)
{
	if (ranking == RANKING_INTEGER)
	{
		medres_average_ranks(x, n, r);
		if (!high)
			for (int i = 0; i < n; i++)
				r[i] = n + 1 - r[i];	/* fast: a pass over memory just written */
	}
	else
	{
		double		lo = x[0],
					hi = x[0],
					k,
					range;

		for (int i = 1; i < n; i++)
		{
			lo = Min(lo, x[i]);
			hi = Max(hi, x[i]);
		}
		if (hi == lo)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("indicator %d is constant (\"%s\") in this partition", j + 1,
							medres_float_text(lo)),
					 errdetail("Non-integer ranking divides by the indicator's range."),
					 errhint("Use ranking => 'integer', or leave the indicator out.")));
		/* in units of k the range is at most 4: hi - lo cannot overflow (1e308 - -1e308) */
		k = pow2_scale(Max(fabs(lo), fabs(hi)));
		range = hi / k - lo / k;
		for (int i = 0; i < n; i++)
		{
			r[i] = 1.0 + (n - 1) * (high ? x[i] / k - lo / k : hi / k - x[i] / k) / range;
			if ((i & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}
}

/*
 * RSR of n units on m indicators (x row-major n x m) with weights w (any
 * positive scale, at most 2 each: see parse_weights): sum_j w_j R_ij / (n sum_j w_j),
 * so no sum exceeds 2 m n.  Dividing once at the end
 * keeps unweighted sums of (half-)integer ranks exact, so units with the
 * same ranks in another order get bit-identical scores and count as ties
 * in the probit table.
 */
static void
rank_sum_ratio(const double *x, int n, int m, const bool *high, const double *w,
			   int ranking, double *rsr)
{
	double		wsum = 0.0;

	double	   *col = eval_alloc(n, sizeof(double), "the evaluation");
	double	   *r = eval_alloc(n, sizeof(double), "the evaluation");

	for (int i = 0; i < n; i++)
		rsr[i] = 0.0;
	for (int j = 0; j < m; j++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
		{
			col[i] = x[(Size) i * m + j];
			if ((i & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		indicator_ranks(col, n, high[j], ranking, j, r);
		for (int i = 0; i < n; i++)
		{
			rsr[i] += w[j] * r[i];
			if ((i & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}
	for (int j = 0; j < m; j++)
		wsum += w[j];
	for (int i = 0; i < n; i++)
		rsr[i] /= n * wsum;
	pfree(col);
	pfree(r);
}

/* The distribution table of n scores: one entry per distinct value. */
typedef struct RsrDist
{
	int			n;				/* scores */
	int			k;				/* distinct values */
	double	   *value;
	int64	   *f;
	int64	   *cumf;
	double	   *mean_rank;
	double	   *percentile;
	double	   *probit;
} RsrDist;

/* bytes rsr_distribution needs for n scores: its sort records and six columns */
#define RSR_DIST_BYTES(n) ((Size) (n) * (sizeof(XW) + 6 * sizeof(double)))

static void
rsr_distribution(const double *scores, int n, bool cumulative, RsrDist *d)
{
	XW		   *s = eval_alloc(n, sizeof(XW), "the probit table");
	int			k = 0;

	for (int i = 0; i < n; i++)
	{
		s[i].x = scores[i];
		s[i].w = 0.0;
		if ((i & CANCEL_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	medres_sort_records(s, n, sizeof(XW));
	d->n = n;
	d->value = eval_alloc(n, sizeof(double), "the probit table");
	d->f = eval_alloc(n, sizeof(int64), "the probit table");
	d->cumf = eval_alloc(n, sizeof(int64), "the probit table");
	d->mean_rank = eval_alloc(n, sizeof(double), "the probit table");
	d->percentile = eval_alloc(n, sizeof(double), "the probit table");
	d->probit = eval_alloc(n, sizeof(double), "the probit table");
	for (int i = 0; i < n;)
	{
		int			j = i;

		while (j < n && s[j].x == s[i].x)
			j++;
		d->value[k] = s[i].x;
		d->f[k] = j - i;
		d->cumf[k] = j;
		d->mean_rank[k] = (i + 1 + j) / 2.0;	/* average of ranks i+1 .. j */
		d->percentile[k] = cumulative ? (double) j / n : d->mean_rank[k] / n;
		k++;
		i = j;
		if ((k & CANCEL_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	/* the largest value would have p = 1 (an infinite probit) under the cumulative rule */
	if (k > 0)
		d->percentile[k - 1] = 1.0 - 1.0 / (4.0 * n);
	for (int i = 0; i < k; i++)
	{
		d->probit[i] = 5.0 + medres_normal_quantile(d->percentile[i]);
		if ((i & CANCEL_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	d->k = k;
	pfree(s);
}

/* index of `v` among the distinct values (it is one of them) */
static int
rsr_dist_find(const RsrDist *d, double v)
{
	int			lo = 0,
				hi = d->k - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (d->value[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The fit in units of `scale` (a power of two): score = scale (a + b probit).
 * Scores near 1e308 have sums and squared deviations that overflow, and an
 * intercept or slope that may or may not be finite; the fit is linear in
 * the scores, so it is computed on score/scale (largest |score| in [1, 2))
 * and only the reported a, b and thresholds are multiplied back, each
 * checked (22003 when it is truly beyond the double range).
 */
typedef struct RsrFit
{
	double		scale,
				a,
				b,
				r2,
				f,
				p;
} RsrFit;

/* OLS of the distinct values on their probits; needs at least 3 of them */
static void
rsr_fit_line(const RsrDist *d, RsrFit *fit)
{
	int			k = d->k;
	double		mx = 0.0,
				my = 0.0,
				sxx = 0.0,
				sxy = 0.0,
				syy = 0.0,
				scale;

	if (k < 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the probit regression needs at least 3 distinct scores, got %d", k),
				 errdetail("The fit of score = a + b probit has k - 2 residual degrees of freedom.")));
	scale = column_scale(d->value, k, 1);
	for (int i = 0; i < k; i++)
	{
		mx += d->probit[i];
		my += d->value[i] / scale;
	}
	mx /= k;
	my /= k;
	for (int i = 0; i < k; i++)
	{
		double		dx = d->probit[i] - mx,
					dy = d->value[i] / scale - my;

		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
		if ((i & CANCEL_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	fit->scale = scale;
	fit->b = sxy / sxx;
	fit->a = my - fit->b * mx;
	/* rounding can put r^2 a hair above 1 for a (near) perfect fit */
	fit->r2 = syy > 0.0 ? Min(sxy * sxy / (sxx * syy), 1.0) : 1.0;
	fit->f = fit->r2 < 1.0 ? fit->r2 * (k - 2) / (1.0 - fit->r2) : get_float8_infinity();
	fit->p = medres_f_upper_tail(fit->f, 1.0, k - 2);
}

/* a + b probit in score units, or 22003 naming `what` */
static double
rsr_fitted(const RsrFit *fit, double probit, const char *what)
{
	double		v = (fit->a + fit->b * probit) * fit->scale;

	check_finite_result(what, v);
	return v;
}

static void
check_grades(int grades)
{
	if (grades < 2 || grades > 10)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"grades\": %d", grades),
				 errdetail("The number of grades must be between 2 and 10.")));
}

/* probit cut points 2 + 6j/g, j = 1..g-1 */
static double
grade_cut(int grades, int j)
{
	return 2.0 + 6.0 * j / grades;
}

/* grade 1..g (1 = best) of value v (in units of fit->scale) against thresholds a + b cut_j */
static int
grade_of(double v, const RsrFit *fit, int grades)
{
	int			above = 0;

	for (int j = 1; j < grades; j++)
		if (v >= fit->a + fit->b * grade_cut(grades, j))
			above++;
	return grades - above;
}

/*
 * q ln q - q + 1 for q >= 0 (0 at q = 1, 1 at q = 0), never negative.  Near
 * q = 1, q ln q and q - 1 cancel; there it is summed from its Taylor series
 * in u = q - 1,
 *   q ln q - q + 1 = sum_{k >= 2} (-u)^k / (k (k - 1)),
 * whose terms shrink at least by half each (|u| < 1/2), so the sum is exact
 * to a few units in the last place; elsewhere the direct form loses only a
 * few bits (|u| / (q ln q - q + 1) < 5 for |u| >= 1/2).
 */
static double
entropy_gap_term(double q)
{
	double		u = q - 1.0;

	if (q == 0.0)
		return 1.0;
	if (fabs(u) < 0.5)
	{
		double		s = 0.0,
					t = u * u;

		for (int k = 2; k < 64; k++)
		{
			double		term = t / ((double) k * (k - 1));

			s += term;
			if (fabs(term) <= 1e-17 * s)
				break;
			t *= -u;
		}
		return s;
	}
	return q * log(q) - u;
}

/*
 * Entropy weights of n units on m indicators: min-max normalised
 * (mirrored for low-is-better), p_ij = z_ij / sum_i z_ij,
 * e_j = -sum_i p_ij ln p_ij / ln n, w_j = (1 - e_j) / sum (1 - e).
 *
 * 1 - e_j is not taken as 1 minus e_j: for indicators of nearly maximal
 * entropy (e_j = 0.9999) that loses as many digits as it has nines, and
 * with them the weights' independence of the order of the rows (3e-12 was
 * seen).  With q_i = n p_i (so sum q_i = n),
 *   (1 - e_j) ln n = ln n + sum p ln p = sum p ln(n p)
 *                  = (1/n) sum_i (q_i ln q_i - q_i + 1),
 * a sum of terms that are all >= 0 (entropy_gap_term): n times the
 * Kullback-Leibler divergence of p from the uniform distribution, summed
 * without cancellation.  Each indicator's z values are sorted before they
 * are summed, so the sums, and the weights, are the same bits for every
 * order of the rows.
 */
static void
entropy_weights(const double *x, int n, int m, const bool *high, double *w)
{
	double		dsum = 0.0;
	XW		   *z;

	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entropy weights need at least 2 units, got %d", n)));
	medres_check_memory((Size) n * sizeof(XW), "the entropy weights' sort");
	z = palloc_extended((Size) n * sizeof(XW), MCXT_ALLOC_HUGE);
	for (int j = 0; j < m; j++)
	{
		double		lo = x[j],
					hi = x[j],
					zsum = 0.0,
					zsumc = 0.0,
					zmean,
					gap = 0.0,
					gapc = 0.0,
					k,
					range;

		CHECK_FOR_INTERRUPTS();
		for (int i = 1; i < n; i++)
		{
			lo = Min(lo, x[(Size) i * m + j]);
			hi = Max(hi, x[(Size) i * m + j]);
		}
		if (hi == lo)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("indicator %d is constant (\"%s\") for every unit", j + 1,
							medres_float_text(lo)),
					 errdetail("Entropy weights normalise each indicator by its range.")));

		/*
		 * z in units of k (a power of two, largest |x| in [1, 2)): the range
		 * is then at most 4 and cannot overflow as hi - lo can (1e308 and
		 * -1e308); z itself is scale-free.
		 */
		k = pow2_scale(Max(fabs(lo), fabs(hi)));
		range = hi / k - lo / k;
		for (int i = 0; i < n; i++)
		{
			double		v = x[(Size) i * m + j] / k;

			z[i].x = (high[j] ? v - lo / k : hi / k - v) / range;
			z[i].w = 0.0;
			if ((i & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		medres_sort_records(z, n, sizeof(XW));
		for (int i = 0; i < n; i++)
			neumaier_add(&zsum, &zsumc, z[i].x);
		zmean = (zsum + zsumc) / n;
		for (int i = 0; i < n; i++)
		{
			neumaier_add(&gap, &gapc, entropy_gap_term(z[i].x / zmean));
			if ((i & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		w[j] = (gap + gapc) / n / log(n);
		dsum += w[j];
	}
	pfree(z);
	if (!(dsum > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entropy weights are undefined: every indicator has maximal entropy")));
	for (int j = 0; j < m; j++)
		w[j] /= dsum;
}

/*
 * TOPSIS closeness of n units: vector-normalised, weighted indicators;
 * distances to the ideal best and worst; C = D- / (D+ + D-).  A unit that
 * is both ideal and anti-ideal (all units equal) gets NULL.
 */
static void
topsis_closeness(const double *x, int n, int m, const bool *high, const double *w,
				 double *c, bool *isnull)
{
	double	   *norm = palloc0(sizeof(double) * m);
	double	   *normc = palloc0(sizeof(double) * m);
	double	   *scale = palloc(sizeof(double) * m);
	double	   *best = palloc(sizeof(double) * m);
	double	   *worst = palloc(sizeof(double) * m);

	/*
	 * b_ij = x_ij / ||x_j|| is unchanged when the column is divided by a
	 * power of two first; with the largest |x| in [1, 2) the sum of squares
	 * cannot overflow (x near 1e308), and the norm is at least 1.
	 */
	for (int j = 0; j < m; j++)
		scale[j] = column_scale(x + j, n, m);
	for (int i = 0; i < n; i++)
	{
		for (int j = 0; j < m; j++)
		{
			double		v = x[(Size) i * m + j] / scale[j];

			neumaier_add(&norm[j], &normc[j], v * v);
		}
		CHECK_FOR_INTERRUPTS();
	}
	for (int j = 0; j < m; j++)
	{
		norm[j] += normc[j];
		if (norm[j] == 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("indicator %d is zero for every unit", j + 1),
					 errdetail("TOPSIS divides each indicator by its Euclidean norm.")));
		norm[j] = sqrt(norm[j]);
	}
	for (int i = 0; i < n; i++)
	{
		for (int j = 0; j < m; j++)
		{
			double		v = w[j] * (x[(Size) i * m + j] / scale[j]) / norm[j];

			if (i == 0 || (high[j] ? v > best[j] : v < best[j]))
				best[j] = v;
			if (i == 0 || (high[j] ? v < worst[j] : v > worst[j]))
				worst[j] = v;
		}
		CHECK_FOR_INTERRUPTS();
	}
	for (int i = 0; i < n; i++)
	{
		double		dp = 0.0,
					dm = 0.0;

		for (int j = 0; j < m; j++)
		{
			double		v = w[j] * (x[(Size) i * m + j] / scale[j]) / norm[j];

			dp += (v - best[j]) * (v - best[j]);
			dm += (v - worst[j]) * (v - worst[j]);
		}
		dp = sqrt(dp);
		dm = sqrt(dm);
		isnull[i] = !(dp + dm > 0.0);
		c[i] = isnull[i] ? 0.0 : dm / (dp + dm);
		CHECK_FOR_INTERRUPTS();
	}
	pfree(norm);
	pfree(normc);
	pfree(scale);
	pfree(best);
	pfree(worst);
}

/* ---------------------------------------------------------------------
 * Arguments
 * --------------------------------------------------------------------- */

/* directions: one '+' (high is better) or '-' (low is better) per indicator; NULL = all '+' */
static bool *
parse_directions(text *t, int m)
{
	bool	   *high = palloc(sizeof(bool) * Max(m, 1));

	if (t == NULL)
	{
		for (int j = 0; j < m; j++)
			high[j] = true;
		return high;
	}
	{
		char	   *s = text_to_cstring(t);

		if ((int) strlen(s) != m)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"directions\": \"%s\"", s),
					 errdetail("Expected one '+' or '-' per indicator: %d characters, got %d.",
							   m, (int) strlen(s))));
		for (int j = 0; j < m; j++)
		{
			if (s[j] != '+' && s[j] != '-')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for argument \"directions\": \"%s\"", s),
						 errdetail("Use '+' for high-is-better and '-' for low-is-better indicators.")));
			high[j] = s[j] == '+';
		}
	}
	return high;
}

/*
 * weights: m non-negative values, divided by the power of two below the
 * largest (so each is at most 2 and their sum cannot overflow, as
 * {1e308, 1e308} would) and normalised to sum 1 when `normalise`; NULL =
 * equal.  Unnormalised, a power of two keeps dyadic weights such as
 * (2, 1, 1) exact, which rank_sum_ratio relies on for ties.
 */
static double *
parse_weights(ArrayType *a, int m, bool normalise)
{
	double	   *w = palloc(sizeof(double) * Max(m, 1));
	double		sum = 0.0,
				sumc = 0.0,
				wmax = 0.0,
				k;
	int			len;
	double	   *v;

	if (a == NULL)
	{
		for (int j = 0; j < m; j++)
			w[j] = normalise ? 1.0 / m : 1.0;
		return w;
	}
	v = medres_float8_array_values(a, "weights", &len);
	if (len != m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights has %d elements but there are %d indicators", len, m)));
	for (int j = 0; j < m; j++)
	{
		medres_check_weight(v[j]);
		wmax = Max(wmax, v[j]);
	}
	if (!(wmax > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero")));
	k = pow2_scale(wmax);
	for (int j = 0; j < m; j++)
	{
		w[j] = v[j] / k;
		neumaier_add(&sum, &sumc, w[j]);
	}
	sum += sumc;
	if (normalise)
		for (int j = 0; j < m; j++)
			w[j] /= sum;
	return w;
}

static const char *const ranking_names[] = {"integer", "noninteger", NULL};
static const char *const probit_method_names[] = {"rank", "cumulative", NULL};
static const char *const grade_by_names[] = {"fitted", "observed", NULL};

static int
parse_ranking(text *t)
{
	return medres_parse_option(t, "ranking", ranking_names, RANKING_INTEGER,
							   "Valid values are \"integer\" (average ranks) and \"noninteger\".");
}

/* true for the cumulative-frequency percentile */
static bool
parse_probit_method(text *t)
{
	return medres_parse_option(t, "method", probit_method_names, 0,
							   "Valid values are \"rank\" (average rank / n) and \"cumulative\" (cumulative count / n).") == 1;
}

/* ---------------------------------------------------------------------
 * Window-function glue: read the partition once, answer every row
 * --------------------------------------------------------------------- */

/*
 * The partition's results.  The struct lives in the partition-local memory;
 * its arrays, which may exceed the 1 GB that WinGetPartitionLocalMemory can
 * give, are allocated in the same (partition-lifetime) context.
 */
typedef struct WinCache
{
	bool		ready;
	double	   *values;
	bool	   *isnull;
} WinCache;

#define WIN_CACHE_BYTES(total) ((Size) (total) * (sizeof(double) + sizeof(bool)))

static WinCache *
win_cache(WindowObject winobj, int64 total)
{
	WinCache   *c = WinGetPartitionLocalMemory(winobj, sizeof(WinCache));

	if (c->values == NULL)
	{
		MemoryContext cxt = GetMemoryChunkContext(c);

		medres_check_memory(WIN_CACHE_BYTES(total), "the window");
		c->values = medres_alloc_huge(cxt, total, sizeof(double), "the window");
		c->isnull = medres_alloc_huge(cxt, total, sizeof(bool), "the window");
	}
	return c;
}

/* return the current row's cached result (or NULL) from a window function */
#define WIN_RETURN_FLOAT8(winobj, c) \
	do { \
		int64		pos_ = WinGetCurrentPosition(winobj); \
 \
		if ((c)->isnull[pos_]) \
			PG_RETURN_NULL(); \
		PG_RETURN_FLOAT8((c)->values[pos_]); \
	} while (0)

/* copy per-unit results into the cache by partition row */
static void
win_store(WinCache *c, const VectorRows *mx, const double *unit_values, const bool *unit_nulls)
{
	for (int64 r = 0; r < mx->total; r++)
	{
		int			u = mx->unit_of_row[r];

		c->isnull[r] = u < 0 || (unit_nulls && unit_nulls[u]);
		c->values[r] = u < 0 ? 0.0 : unit_values[u];
		if ((r & CANCEL_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	c->ready = true;
}

/*
 * The indicator matrix of the partition, with its need checked: the matrix
 * itself, the window cache and `per_unit` bytes of work per unit (checked
 * again here because medres_read_vectors counts only the matrix).
 */
static void
read_indicators(WindowObject winobj, int64 total, Size per_unit, VectorRows *mx)
{
	medres_read_vectors(winobj, 0, "indicators", "the evaluation", 1, mx);
	if (mx->n > 0)
		medres_check_memory((Size) mx->n * mx->m * sizeof(double) + WIN_CACHE_BYTES(total) +
							(Size) mx->n * per_unit, "the evaluation");
}

/* rsr(indicators float8[], directions text, weights float8[], ranking text) */
PG_FUNCTION_INFO_V1(medres_rsr);
Datum
medres_rsr(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		total = WinGetPartitionRowCount(winobj);
	WinCache   *c = win_cache(winobj, total);

	if (!c->ready)
	{
		VectorRows	mx;
		double	   *rsr;
		text	   *directions = medres_win_text_arg(fcinfo, 1, "directions");
		ArrayType  *weights = medres_win_array_arg(fcinfo, 2, "weights");
		int			ranking = parse_ranking(medres_win_text_arg(fcinfo, 3, "ranking"));

		/* rsr, a column, its ranks and the sort records */
		read_indicators(winobj, total, 3 * sizeof(double) + sizeof(XW), &mx);
		rsr = eval_alloc(mx.n, sizeof(double), "the evaluation");
		if (mx.n > 0)
			rank_sum_ratio(mx.x, mx.n, mx.m, parse_directions(directions, mx.m),
						   parse_weights(weights, mx.m, false), ranking, rsr);
		win_store(c, &mx, rsr, NULL);
	}
	WIN_RETURN_FLOAT8(winobj, c);
}

/* topsis(indicators float8[], directions text, weights float8[]) */
PG_FUNCTION_INFO_V1(medres_topsis);
Datum
medres_topsis(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		total = WinGetPartitionRowCount(winobj);
	WinCache   *c = win_cache(winobj, total);

	if (!c->ready)
	{
		VectorRows	mx;
		double	   *closeness;
		bool	   *nulls;
		text	   *directions = medres_win_text_arg(fcinfo, 1, "directions");
		ArrayType  *weights = medres_win_array_arg(fcinfo, 2, "weights");

		read_indicators(winobj, total, sizeof(double) + sizeof(bool), &mx);
		closeness = eval_alloc(mx.n, sizeof(double), "the evaluation");
		nulls = eval_alloc(mx.n, sizeof(bool), "the evaluation");
		if (mx.n > 0)
			topsis_closeness(mx.x, mx.n, mx.m, parse_directions(directions, mx.m),
							 parse_weights(weights, mx.m, true), closeness, nulls);
		win_store(c, &mx, closeness, nulls);
	}
	WIN_RETURN_FLOAT8(winobj, c);
}

/*
 * The partition's non-NULL scores; unit_of_row[r] = index or -1.  The need
 * of the whole probit computation (scores, row map, probit table, results
 * and the window cache) is checked before anything is allocated.
 */
static double *
read_scores(WindowObject winobj, int64 total, VectorRows *mx)
{
	double	   *s;

	if (total > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partition of %lld rows is too large", (long long) total)));
	medres_check_memory(WIN_CACHE_BYTES(total) +
						(Size) total * (2 * sizeof(double) + sizeof(int)) +
						RSR_DIST_BYTES(total), "the probit table");
	mx->total = total;
	mx->n = 0;
	mx->m = 1;
	mx->x = NULL;
	mx->unit_of_row = eval_alloc(total, sizeof(int), "the probit table");
	s = eval_alloc(total, sizeof(double), "the probit table");
	for (int64 r = 0; r < total; r++)
	{
		bool		isnull,
					isout;
		Datum		d = WinGetFuncArgInPartition(winobj, 0, r, WINDOW_SEEK_HEAD,
												 false, &isnull, &isout);

		if ((r & CANCEL_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();
		if (isnull)
		{
			mx->unit_of_row[r] = -1;
			continue;
		}
		s[mx->n] = DatumGetFloat8(d);
		medres_check_finite("score", s[mx->n]);
		s[mx->n] += 0.0;
		mx->unit_of_row[r] = mx->n++;
	}
	return s;
}

/* rsr_probit(score float8, method text) */
PG_FUNCTION_INFO_V1(medres_rsr_probit);
Datum
medres_rsr_probit(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		total = WinGetPartitionRowCount(winobj);
	WinCache   *c = win_cache(winobj, total);

	if (!c->ready)
	{
		bool		cumulative = parse_probit_method(medres_win_text_arg(fcinfo, 1, "method"));
		VectorRows	mx;
		double	   *s = read_scores(winobj, total, &mx);
		double	   *probit = eval_alloc(mx.n, sizeof(double), "the probit table");
		RsrDist		d;

		rsr_distribution(s, mx.n, cumulative, &d);
		for (int i = 0; i < mx.n; i++)
		{
			probit[i] = d.probit[rsr_dist_find(&d, s[i])];
			if ((i & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		win_store(c, &mx, probit, NULL);
	}
	WIN_RETURN_FLOAT8(winobj, c);
}

/* rsr_grade(score float8, grades int, by text, method text) */
PG_FUNCTION_INFO_V1(medres_rsr_grade);
Datum
medres_rsr_grade(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		total = WinGetPartitionRowCount(winobj);
	WinCache   *c = win_cache(winobj, total);

	if (!c->ready)
	{
		bool		gnull;
		Datum		gd = medres_win_const_arg(fcinfo, 1, "grades", &gnull);
		int			grades = gnull ? 3 : DatumGetInt32(gd);
		bool		observed;
		bool		cumulative;
		VectorRows	mx;
		double	   *s;
		double	   *grade;
		RsrDist		d;
		RsrFit		fit;

		check_grades(grades);
		observed = medres_parse_option(medres_win_text_arg(fcinfo, 2, "by"), "by", grade_by_names, 0,
									   "Valid values are \"fitted\" (the regression's value at the unit's probit) and \"observed\" (the score itself).") == 1;
		cumulative = parse_probit_method(medres_win_text_arg(fcinfo, 3, "method"));
		s = read_scores(winobj, total, &mx);
		grade = eval_alloc(mx.n, sizeof(double), "the probit table");
		if (mx.n > 0)
		{
			rsr_distribution(s, mx.n, cumulative, &d);
			rsr_fit_line(&d, &fit);
			/* compared in the fit's units, where no threshold overflows */
			for (int i = 0; i < mx.n; i++)
			{
				double		v = observed ? s[i] / fit.scale :
					fit.a + fit.b * d.probit[rsr_dist_find(&d, s[i])];

				grade[i] = grade_of(v, &fit, grades);
				if ((i & CANCEL_EVERY) == 0)
					CHECK_FOR_INTERRUPTS();
			}
		}
		win_store(c, &mx, grade, NULL);
	}
	{
		int64		pos = WinGetCurrentPosition(winobj);

		if (c->isnull[pos])
			PG_RETURN_NULL();
		PG_RETURN_INT32((int32) c->values[pos]);
	}
}

/* ---------------------------------------------------------------------
 * Aggregates: rsr_fit, rsr_table, entropy_weights
 * --------------------------------------------------------------------- */

/* collected rows: values (row-major, m per row) and the options of the first row */
typedef struct EvalState
{
	MemoryContext cxt;
	int64		n;				/* rows */
	int			m;				/* values per row (1 for scores) */
	int			grades;
	Size		cap;
	double	   *v;
	char	   *directions;		/* entropy_weights: '+'/'-' per indicator */
} EvalState;

static EvalState *
eval_state(FunctionCallInfo fcinfo, int m)
{
	MemoryContext aggcxt;
	EvalState  *st;

	if (!PG_ARGISNULL(0))
		return (EvalState *) PG_GETARG_POINTER(0);
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate transition called in non-aggregate context");
	st = MemoryContextAllocZero(aggcxt, sizeof(EvalState));
	st->cxt = aggcxt;
	st->m = m;
	st->grades = 3;
	return st;
}

/* the methods index units with int: more rows than that is a limit, not a crash */
static void
eval_check_rows(const EvalState *st)
{
	if (st->n > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("group of %lld rows is too large", (long long) st->n),
				 errhint("Evaluate fewer rows per group.")));
}

static void
eval_append(EvalState *st, const double *v, int m)
{
	if ((Size) (st->n + 1) * m > st->cap)
	{
		Size		newcap = Max(st->cap * 2, (Size) 256 * m);

		medres_check_memory(newcap * sizeof(double), "the aggregate");
		st->v = st->v ? medres_realloc_huge(st->v, newcap, sizeof(double), "the aggregate")
			: medres_alloc_huge(st->cxt, newcap, sizeof(double), "the aggregate");
		st->cap = newcap;
	}
	memcpy(st->v + (Size) st->n * m, v, sizeof(double) * m);
	st->n++;
}

/* rsr_fit(score [, grades]) and rsr_table(score) */
PG_FUNCTION_INFO_V1(medres_score_trans);
Datum
medres_score_trans(PG_FUNCTION_ARGS)
{
	EvalState  *st = eval_state(fcinfo, 1);
	double		s;

	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		int			g = PG_GETARG_INT32(2);

		check_grades(g);
		if (st->n > 0 && g != st->grades)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("grades must be the same for every row of a group")));
		st->grades = g;
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	s = PG_GETARG_FLOAT8(1);
	medres_check_finite("score", s);
	s += 0.0;
	eval_append(st, &s, 1);
	PG_RETURN_POINTER(st);
}

static Datum
float8_array_datum(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(medres_rsr_fit_final);
Datum
medres_rsr_fit_final(PG_FUNCTION_ARGS)
{
	EvalState  *st;
	TupleDesc	tupdesc;
	RsrDist		d;
	RsrFit		fit;
	Datum		values[9];
	bool		nulls[9] = {false};
	double		cuts[9],
				thresholds[9];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (EvalState *) PG_GETARG_POINTER(0);
	if (st->n == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rsr_fit must return medres.rsr_fit_result");
	tupdesc = BlessTupleDesc(tupdesc);
	eval_check_rows(st);
	medres_check_memory(RSR_DIST_BYTES(st->n), "the probit table");
	rsr_distribution(st->v, (int) st->n, false, &d);
	rsr_fit_line(&d, &fit);
	for (int j = 1; j < st->grades; j++)
	{
		cuts[j - 1] = grade_cut(st->grades, j);
		thresholds[j - 1] = rsr_fitted(&fit, cuts[j - 1], "cut score");
	}
	check_finite_result("intercept", fit.a * fit.scale);
	check_finite_result("slope", fit.b * fit.scale);
	/* an exact fit leaves no residual: F is infinite, not a number to report */
	if (!(fit.r2 < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("F statistic is infinite: the scores lie exactly on the probit line"),
				 errdetail("R squared is 1, so the residual sum of squares is zero.")));
	values[0] = Int64GetDatum(st->n);
	values[1] = Int32GetDatum(d.k);
	values[2] = Float8GetDatum(fit.a * fit.scale);
	values[3] = Float8GetDatum(fit.b * fit.scale);
	values[4] = Float8GetDatum(fit.r2);
	values[5] = Float8GetDatum(fit.f);
	values[6] = Float8GetDatum(fit.p);
	values[7] = float8_array_datum(cuts, st->grades - 1);
	values[8] = float8_array_datum(thresholds, st->grades - 1);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(medres_rsr_table_final);
Datum
medres_rsr_table_final(PG_FUNCTION_ARGS)
{
	EvalState  *st;
	Oid			elemtype;
	TupleDesc	rowdesc;
	RsrDist		d;
	RsrFit		fit;
	bool		have_fit;
	Datum	   *rows;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (EvalState *) PG_GETARG_POINTER(0);
	if (st->n == 0)
		PG_RETURN_NULL();
	elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(elemtype))
		elog(ERROR, "could not determine the result type of rsr_table");
	rowdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
	eval_check_rows(st);
	medres_check_memory(RSR_DIST_BYTES(st->n) + (Size) st->n * (sizeof(Datum) + 128),
						"the probit table");
	rsr_distribution(st->v, (int) st->n, false, &d);
	/* the fitted column needs a fit; with fewer than 3 distinct values it is NULL */
	have_fit = d.k >= 3;
	if (have_fit)
		rsr_fit_line(&d, &fit);
	rows = eval_alloc(d.k, sizeof(Datum), "the probit table");
	for (int i = 0; i < d.k; i++)
	{
		Datum		v[7];
		bool		nl[7] = {false};

		if ((i & CANCEL_EVERY) == 0)
			CHECK_FOR_INTERRUPTS();

		v[0] = Float8GetDatum(d.value[i]);
		v[1] = Int64GetDatum(d.f[i]);
		v[2] = Int64GetDatum(d.cumf[i]);
		v[3] = Float8GetDatum(d.mean_rank[i]);
		v[4] = Float8GetDatum(d.percentile[i]);
		v[5] = Float8GetDatum(d.probit[i]);
		v[6] = Float8GetDatum(have_fit ? rsr_fitted(&fit, d.probit[i], "fitted score") : 0.0);
		nl[6] = !have_fit;
		rows[i] = HeapTupleGetDatum(heap_form_tuple(rowdesc, v, nl));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(rows, d.k, elemtype, -1, false, TYPALIGN_DOUBLE));
}

/* entropy_weights(indicators float8[] [, directions text]) */
PG_FUNCTION_INFO_V1(medres_entropy_trans);
Datum
medres_entropy_trans(PG_FUNCTION_ARGS)
{
	EvalState  *st;
	ArrayType  *a;
	double	   *v;
	int			len;

	st = eval_state(fcinfo, 0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	a = PG_GETARG_ARRAYTYPE_P(1);
	v = medres_float8_array_values(a, "indicators", &len);
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("indicators must not be empty")));
	if (st->n == 0 && st->m == 0)
	{
		st->m = len;
		if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		{
			bool	   *high = parse_directions(PG_GETARG_TEXT_PP(2), len);

			st->directions = MemoryContextAlloc(st->cxt, len);
			for (int j = 0; j < len; j++)
				st->directions[j] = high[j] ? '+' : '-';
		}
	}
	else if (len != st->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("indicator arrays differ in length: %d and %d", st->m, len),
				 errdetail("Every unit needs the same indicators.")));
	eval_append(st, v, len);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(medres_entropy_final);
Datum
medres_entropy_final(PG_FUNCTION_ARGS)
{
	EvalState  *st;
	bool	   *high;
	double	   *w;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (EvalState *) PG_GETARG_POINTER(0);
	if (st->n == 0)
		PG_RETURN_NULL();
	eval_check_rows(st);
	high = palloc(sizeof(bool) * st->m);
	for (int j = 0; j < st->m; j++)
		high[j] = st->directions == NULL || st->directions[j] == '+';
	w = palloc(sizeof(double) * st->m);
	entropy_weights(st->v, (int) st->n, st->m, high, w);
	PG_RETURN_DATUM(float8_array_datum(w, st->m));
}

/* ---------------------------------------------------------------------
 * Density and agglomeration (METHODS.md, "Density and agglomeration"):
 *   HRDI = sqrt((R/P)(R/A)) = R / sqrt(P A)
 *   HRAD = (R_i/R_n) / (A_i/A_n),  PAD = (P_i/P_n) / (A_i/A_n),
 *   HRAD/PAD = (R_i/R_n) / (P_i/P_n)
 * with R_n, P_n, A_n the totals of the partition ("the whole").
 * --------------------------------------------------------------------- */

static void
check_positive(const char *argname, double v)
{
	medres_check_nonnegative(argname, v);
	if (v == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"%s\": \"0\"", argname),
				 errdetail("The index divides by the %s.", argname)));
}

/* hrdi(resource, population, area): resource per sqrt(population x area) */
PG_FUNCTION_INFO_V1(medres_hrdi);
Datum
medres_hrdi(PG_FUNCTION_ARGS)
{
	double		r = PG_GETARG_FLOAT8(0),
				p = PG_GETARG_FLOAT8(1),
				a = PG_GETARG_FLOAT8(2);

	double		mr,
				mp,
				ma,
				m,
				v;
	int			er,
				ep,
				ea,
				e;

	medres_check_nonnegative("resource", r);
	check_positive("population", p);
	check_positive("area", a);

	/*
	 * r / sqrt(p a) with r = mr 2^er etc. (frexp, mantissas in [0.5, 1)):
	 * the mantissas give mr / sqrt(mp ma 2^(e mod 2)) and the exponents
	 * er - floor(e/2), so no intermediate overflows or underflows (1e308 /
	 * sqrt(1e-308 * 1e-308) is beyond the double range and raises 22003;
	 * 1e-300 / sqrt(1e-300 * 1e-300) is 1).
	 */
	if (r == 0.0)
		PG_RETURN_FLOAT8(0.0);
	mr = frexp(r, &er);
	mp = frexp(p, &ep);
	ma = frexp(a, &ea);
	m = mp * ma;
	e = ep + ea;
	if (e & 1)
	{
		m *= 2.0;
		e -= 1;
	}
	v = ldexp(mr / sqrt(m), er - e / 2);
	check_finite_result("hrdi", v);
	PG_RETURN_FLOAT8(v);
}

/*
 * The share of row r's first argument in its partition's total over the
 * share of its second argument: (u_i / sum u) / (v_i / sum v).
 *
 * The sums are taken in units of Ku and Kv, powers of two below the
 * largest u and v (so each sum is between 1 and 2n and cannot overflow),
 * and the ratio is assembled from frexp mantissas and exponents:
 *   (u_i / v_i) (sv / su) = (mu/mv) (sv'/su') 2^(eu - ev + log2 Kv - log2 Ku),
 * whose mantissa part lies within [1/(4n), 4n]; only a result truly beyond
 * the double range raises 22003 (a tiny one rounds to a subnormal or 0).
 */
static Datum
share_ratio_window(FunctionCallInfo fcinfo, const char *what, const char *uname, const char *vname)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		total = WinGetPartitionRowCount(winobj);
	WinCache   *c = win_cache(winobj, total);

	if (!c->ready)
	{
		double	   *u,
				   *v;
		bool	   *skip;
		double		umax = 0.0,
					vmax = 0.0,
					Ku,
					Kv,
					su = 0.0,
					suc = 0.0,
					sv = 0.0,
					svc = 0.0;
		int			escale;

		medres_check_memory(WIN_CACHE_BYTES(total) +
							(Size) total * (2 * sizeof(double) + sizeof(bool)), what);
		u = eval_alloc(total, sizeof(double), what);
		v = eval_alloc(total, sizeof(double), what);
		skip = eval_alloc(total, sizeof(bool), what);
		for (int64 r = 0; r < total; r++)
		{
			bool		n1,
						n2,
						isout;

			if ((r & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			u[r] = DatumGetFloat8(WinGetFuncArgInPartition(winobj, 0, r, WINDOW_SEEK_HEAD, false, &n1, &isout));
			v[r] = DatumGetFloat8(WinGetFuncArgInPartition(winobj, 1, r, WINDOW_SEEK_HEAD, false, &n2, &isout));
			skip[r] = n1 || n2;
			if (skip[r])
				continue;
			medres_check_nonnegative(uname, u[r]);
			check_positive(vname, v[r]);
			umax = Max(umax, u[r]);
			vmax = Max(vmax, v[r]);
		}
		if (vmax == 0.0)
		{
			/* no row with both arguments: every result is NULL */
			for (int64 r = 0; r < total; r++)
				c->isnull[r] = true;
			c->ready = true;
			WIN_RETURN_FLOAT8(winobj, c);
		}
		if (umax == 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("all values of %s are zero", uname),
					 errdetail("%s divides by the partition's total %s.", what, uname)));
		Ku = pow2_scale(umax);
		Kv = pow2_scale(vmax);
		for (int64 r = 0; r < total; r++)
		{
			if ((r & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			if (skip[r])
				continue;
			neumaier_add(&su, &suc, u[r] / Ku);
			neumaier_add(&sv, &svc, v[r] / Kv);
		}
		su += suc;
		sv += svc;
		escale = ilogb(Kv) - ilogb(Ku);
		for (int64 r = 0; r < total; r++)
		{
			double		mu,
						mv,
						res;
			int			eu,
						ev;

			if ((r & CANCEL_EVERY) == 0)
				CHECK_FOR_INTERRUPTS();
			c->isnull[r] = skip[r];
			if (skip[r] || u[r] == 0.0)
			{
				c->values[r] = 0.0;
				continue;
			}
			mu = frexp(u[r], &eu);
			mv = frexp(v[r], &ev);
			res = ldexp((mu / mv) * (sv / su), eu - ev + escale);
			check_finite_result(what, res);
			c->values[r] = res;
		}
		c->ready = true;
	}
	WIN_RETURN_FLOAT8(winobj, c);
}

/* hrad(resource, area) OVER (...): resource share over area share */
PG_FUNCTION_INFO_V1(medres_hrad);
Datum
medres_hrad(PG_FUNCTION_ARGS)
{
	return share_ratio_window(fcinfo, "hrad", "resource", "area");
}

/* pad(population, area) OVER (...): population share over area share */
PG_FUNCTION_INFO_V1(medres_pad);
Datum
medres_pad(PG_FUNCTION_ARGS)
{
	return share_ratio_window(fcinfo, "pad", "population", "area");
}

/* hrad_pad(resource, population) OVER (...): resource share over population share */
PG_FUNCTION_INFO_V1(medres_hrad_pad);
Datum
medres_hrad_pad(PG_FUNCTION_ARGS)
{
	return share_ratio_window(fcinfo, "hrad_pad", "resource", "population");
}
