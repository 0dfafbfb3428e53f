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
#include "utils/typcache.h"
#include "windowapi.h"

#include <limits.h>

#define RANKING_INTEGER		0
#define RANKING_NONINTEGER	1

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
				r[i] = n + 1 - r[i];
	}
	else
	{
		double		lo = x[0],
					hi = x[0];

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
		for (int i = 0; i < n; i++)
			r[i] = 1.0 + (n - 1) * (high ? x[i] - lo : hi - x[i]) / (hi - lo);
	}
}

/*
 * RSR of n units on m indicators (x row-major n x m) with weights w (any
 * positive scale): sum_j w_j R_ij / (n sum_j w_j).  Dividing once at the end
 * keeps unweighted sums of (half-)integer ranks exact, so units with the
 * same ranks in another order get bit-identical scores and count as ties
 * in the probit table.
 */
static void
rank_sum_ratio(const double *x, int n, int m, const bool *high, const double *w,
			   int ranking, double *rsr)
{
	double		wsum = 0.0;

	double	   *col = palloc(sizeof(double) * n);
	double	   *r = palloc(sizeof(double) * n);

	for (int i = 0; i < n; i++)
		rsr[i] = 0.0;
	for (int j = 0; j < m; j++)
	{
		for (int i = 0; i < n; i++)
			col[i] = x[(Size) i * m + j];
		indicator_ranks(col, n, high[j], ranking, j, r);
		for (int i = 0; i < n; i++)
			rsr[i] += w[j] * r[i];
		CHECK_FOR_INTERRUPTS();
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

static int
double_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static void
rsr_distribution(const double *scores, int n, bool cumulative, RsrDist *d)
{
	double	   *s = palloc(sizeof(double) * Max(n, 1));
	int			k = 0;

	memcpy(s, scores, sizeof(double) * n);
	qsort(s, n, sizeof(double), double_cmp);
	d->n = n;
	d->value = palloc(sizeof(double) * Max(n, 1));
	d->f = palloc(sizeof(int64) * Max(n, 1));
	d->cumf = palloc(sizeof(int64) * Max(n, 1));
	d->mean_rank = palloc(sizeof(double) * Max(n, 1));
	d->percentile = palloc(sizeof(double) * Max(n, 1));
	d->probit = palloc(sizeof(double) * Max(n, 1));
	for (int i = 0; i < n;)
	{
		int			j = i;

		while (j < n && s[j] == s[i])
			j++;
		d->value[k] = s[i];
		d->f[k] = j - i;
		d->cumf[k] = j;
		d->mean_rank[k] = (i + 1 + j) / 2.0;	/* average of ranks i+1 .. j */
		d->percentile[k] = cumulative ? (double) j / n : d->mean_rank[k] / n;
		k++;
		i = j;
	}
	/* the largest value would have p = 1 (an infinite probit) under the cumulative rule */
	if (k > 0)
		d->percentile[k - 1] = 1.0 - 1.0 / (4.0 * n);
	for (int i = 0; i < k; i++)
		d->probit[i] = 5.0 + medres_normal_quantile(d->percentile[i]);
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

typedef struct RsrFit
{
	double		a,
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
				syy = 0.0;

	if (k < 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the probit regression needs at least 3 distinct scores, got %d", k),
				 errdetail("The fit of score = a + b probit has k - 2 residual degrees of freedom.")));
	for (int i = 0; i < k; i++)
	{
		mx += d->probit[i];
		my += d->value[i];
	}
	mx /= k;
	my /= k;
	for (int i = 0; i < k; i++)
	{
		double		dx = d->probit[i] - mx,
					dy = d->value[i] - my;

		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	fit->b = sxy / sxx;
	fit->a = my - fit->b * mx;
	fit->r2 = syy > 0.0 ? sxy * sxy / (sxx * syy) : 1.0;
	fit->f = fit->r2 < 1.0 ? fit->r2 * (k - 2) / (1.0 - fit->r2) : get_float8_infinity();
	fit->p = medres_f_upper_tail(fit->f, 1.0, k - 2);
}

static void
check_grades(int grades)
{
	if (grades < 2 || grades > 10)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for grades: %d", grades),
				 errdetail("The number of grades must be between 2 and 10.")));
}

/* probit cut points 2 + 6j/g, j = 1..g-1 */
static double
grade_cut(int grades, int j)
{
	return 2.0 + 6.0 * j / grades;
}

/* grade 1..g (1 = best) of value v against thresholds a + b cut_j */
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
 * Entropy weights of n units on m indicators: min-max normalised
 * (mirrored for low-is-better), p_ij = z_ij / sum_i z_ij,
 * e_j = -sum_i p_ij ln p_ij / ln n, w_j = (1 - e_j) / sum (1 - e).
 */
static void
entropy_weights(const double *x, int n, int m, const bool *high, double *w)
{
	double		dsum = 0.0;

	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entropy weights need at least 2 units, got %d", n)));
	for (int j = 0; j < m; j++)
	{
		double		lo = x[j],
					hi = x[j],
					zsum = 0.0,
					e = 0.0;

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
		for (int i = 0; i < n; i++)
		{
			double		v = x[(Size) i * m + j];

			zsum += high[j] ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo);
		}
		for (int i = 0; i < n; i++)
		{
			double		v = x[(Size) i * m + j];
			double		p = (high[j] ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo)) / zsum;

			if (p > 0.0)
				e -= p * log(p);
		}
		w[j] = 1.0 - e / log(n);
		dsum += w[j];
	}
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
	double	   *best = palloc(sizeof(double) * m);
	double	   *worst = palloc(sizeof(double) * m);

	for (int i = 0; i < n; i++)
		for (int j = 0; j < m; j++)
			norm[j] += x[(Size) i * m + j] * x[(Size) i * m + j];
	for (int j = 0; j < m; j++)
	{
		if (norm[j] == 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("indicator %d is zero for every unit", j + 1),
					 errdetail("TOPSIS divides each indicator by its Euclidean norm.")));
		norm[j] = sqrt(norm[j]);
	}
	for (int j = 0; j < m; j++)
	{
		for (int i = 0; i < n; i++)
		{
			double		v = w[j] * x[(Size) i * m + j] / norm[j];

			if (i == 0 || (high[j] ? v > best[j] : v < best[j]))
				best[j] = v;
			if (i == 0 || (high[j] ? v < worst[j] : v > worst[j]))
				worst[j] = v;
		}
	}
	for (int i = 0; i < n; i++)
	{
		double		dp = 0.0,
					dm = 0.0;

		for (int j = 0; j < m; j++)
		{
			double		v = w[j] * x[(Size) i * m + j] / norm[j];

			dp += (v - best[j]) * (v - best[j]);
			dm += (v - worst[j]) * (v - worst[j]);
		}
		dp = sqrt(dp);
		dm = sqrt(dm);
		isnull[i] = !(dp + dm > 0.0);
		c[i] = isnull[i] ? 0.0 : dm / (dp + dm);
	}
	pfree(norm);
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
					 errmsg("invalid value for directions: \"%s\"", s),
					 errdetail("Expected one '+' or '-' per indicator: %d characters, got %d.",
							   m, (int) strlen(s))));
		for (int j = 0; j < m; j++)
		{
			if (s[j] != '+' && s[j] != '-')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for directions: \"%s\"", s),
						 errdetail("Use '+' for high-is-better and '-' for low-is-better indicators.")));
			high[j] = s[j] == '+';
		}
	}
	return high;
}

/* weights: m non-negative values, normalised to sum 1 when `normalise`; NULL = equal */
static double *
parse_weights(ArrayType *a, int m, bool normalise)
{
	double	   *w = palloc(sizeof(double) * Max(m, 1));
	double		sum = 0.0;
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
		sum += v[j];
	}
	if (!(sum > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero")));
	for (int j = 0; j < m; j++)
		w[j] = normalise ? v[j] / sum : v[j];
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

typedef struct WinCache
{
	bool		ready;
	/* then double values[total], bool isnull[total] */
} WinCache;

#define WIN_VALUES(c) ((double *) ((char *) (c) + MAXALIGN(sizeof(WinCache))))
#define WIN_NULLS(c, total) ((bool *) (WIN_VALUES(c) + (total)))

static WinCache *
win_cache(WindowObject winobj, int64 total)
{
	medres_check_memory(MAXALIGN(sizeof(WinCache)) + total * (sizeof(double) + 1), "the window");
	return WinGetPartitionLocalMemory(winobj, MAXALIGN(sizeof(WinCache)) +
									  total * (sizeof(double) + sizeof(bool)));
}

/* return the current row's cached result (or NULL) from a window function */
#define WIN_RETURN_FLOAT8(winobj, c, total) \
	do { \
		int64		pos_ = WinGetCurrentPosition(winobj); \
 \
		if (WIN_NULLS(c, total)[pos_]) \
			PG_RETURN_NULL(); \
		PG_RETURN_FLOAT8(WIN_VALUES(c)[pos_]); \
	} while (0)

/* copy per-unit results into the cache by partition row */
static void
win_store(WinCache *c, const VectorRows *mx, const double *unit_values, const bool *unit_nulls)
{
	for (int64 r = 0; r < mx->total; r++)
	{
		int			u = mx->unit_of_row[r];

		WIN_NULLS(c, mx->total)[r] = u < 0 || (unit_nulls && unit_nulls[u]);
		WIN_VALUES(c)[r] = u < 0 ? 0.0 : unit_values[u];
	}
	c->ready = true;
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

		medres_read_vectors(winobj, 0, "indicators", "the evaluation", 3, &mx);
		rsr = palloc(sizeof(double) * Max(mx.n, 1));
		if (mx.n > 0)
			rank_sum_ratio(mx.x, mx.n, mx.m,
						   parse_directions(medres_win_text_arg(fcinfo, 1, "directions"), mx.m),
						   parse_weights(medres_win_array_arg(fcinfo, 2, "weights"), mx.m, false),
						   parse_ranking(medres_win_text_arg(fcinfo, 3, "ranking")), rsr);
		win_store(c, &mx, rsr, NULL);
	}
	WIN_RETURN_FLOAT8(winobj, c, total);
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

		medres_read_vectors(winobj, 0, "indicators", "the evaluation", 3, &mx);
		closeness = palloc(sizeof(double) * Max(mx.n, 1));
		nulls = palloc(sizeof(bool) * Max(mx.n, 1));
		if (mx.n > 0)
			topsis_closeness(mx.x, mx.n, mx.m,
							 parse_directions(medres_win_text_arg(fcinfo, 1, "directions"), mx.m),
							 parse_weights(medres_win_array_arg(fcinfo, 2, "weights"), mx.m, true),
							 closeness, nulls);
		win_store(c, &mx, closeness, nulls);
	}
	WIN_RETURN_FLOAT8(winobj, c, total);
}

/* the partition's non-NULL scores; score_unit[r] = index or -1 */
static double *
read_scores(WindowObject winobj, int64 total, int *n, int *unit_of_row)
{
	double	   *s = palloc(sizeof(double) * Max(total, 1));

	*n = 0;
	medres_check_memory((Size) total * sizeof(double) * 8, "the probit table");
	for (int64 r = 0; r < total; r++)
	{
		bool		isnull,
					isout;
		Datum		d = WinGetFuncArgInPartition(winobj, 0, r, WINDOW_SEEK_HEAD,
												 false, &isnull, &isout);

		if (isnull)
		{
			unit_of_row[r] = -1;
			continue;
		}
		s[*n] = DatumGetFloat8(d);
		medres_check_finite("score", s[*n]);
		s[*n] += 0.0;
		unit_of_row[r] = (*n)++;
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
		VectorRows	mx = {total, 0, 1, palloc(sizeof(int) * Max(total, 1)), NULL};
		double	   *s = read_scores(winobj, total, &mx.n, mx.unit_of_row);
		double	   *probit = palloc(sizeof(double) * Max(mx.n, 1));
		RsrDist		d;

		rsr_distribution(s, mx.n, parse_probit_method(medres_win_text_arg(fcinfo, 1, "method")), &d);
		for (int i = 0; i < mx.n; i++)
			probit[i] = d.probit[rsr_dist_find(&d, s[i])];
		win_store(c, &mx, probit, NULL);
	}
	WIN_RETURN_FLOAT8(winobj, c, total);
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
		VectorRows	mx = {total, 0, 1, palloc(sizeof(int) * Max(total, 1)), NULL};
		double	   *s = read_scores(winobj, total, &mx.n, mx.unit_of_row);
		double	   *grade = palloc(sizeof(double) * Max(mx.n, 1));
		bool		gnull;
		int			grades;
		bool		observed;
		text	   *by = medres_win_text_arg(fcinfo, 2, "by");
		RsrDist		d;
		RsrFit		fit;

		grades = PG_NARGS() > 1 ? DatumGetInt32(WinGetFuncArgCurrent(winobj, 1, &gnull)) : 3;
		if (PG_NARGS() > 1 && gnull)
			grades = 3;
		check_grades(grades);
		observed = medres_parse_option(by, "by", grade_by_names, 0,
									   "Valid values are \"fitted\" (the regression's value at the unit's probit) and \"observed\" (the score itself).") == 1;
		if (mx.n > 0)
		{
			rsr_distribution(s, mx.n, parse_probit_method(medres_win_text_arg(fcinfo, 3, "method")), &d);
			rsr_fit_line(&d, &fit);
			for (int i = 0; i < mx.n; i++)
			{
				double		v = observed ? s[i] : fit.a + fit.b * d.probit[rsr_dist_find(&d, s[i])];

				grade[i] = grade_of(v, &fit, grades);
			}
		}
		win_store(c, &mx, grade, NULL);
	}
	{
		int64		pos = WinGetCurrentPosition(winobj);

		if (WIN_NULLS(c, total)[pos])
			PG_RETURN_NULL();
		PG_RETURN_INT32((int32) WIN_VALUES(c)[pos]);
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

static void
eval_append(EvalState *st, const double *v, int m)
{
	if ((Size) (st->n + 1) * m > st->cap)
	{
		Size		newcap = Max(st->cap * 2, (Size) 256 * m);

		medres_check_memory(newcap * sizeof(double), "the aggregate");
		st->v = st->v ? repalloc_huge(st->v, newcap * sizeof(double))
			: MemoryContextAllocHuge(st->cxt, newcap * sizeof(double));
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
	rsr_distribution(st->v, (int) st->n, false, &d);
	rsr_fit_line(&d, &fit);
	for (int j = 1; j < st->grades; j++)
	{
		cuts[j - 1] = grade_cut(st->grades, j);
		thresholds[j - 1] = fit.a + fit.b * cuts[j - 1];
	}
	values[0] = Int64GetDatum(st->n);
	values[1] = Int32GetDatum(d.k);
	values[2] = Float8GetDatum(fit.a);
	values[3] = Float8GetDatum(fit.b);
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
	rsr_distribution(st->v, (int) st->n, false, &d);
	/* the fitted column needs a fit; with fewer than 3 distinct values it is NULL */
	have_fit = d.k >= 3;
	if (have_fit)
		rsr_fit_line(&d, &fit);
	rows = palloc(sizeof(Datum) * d.k);
	for (int i = 0; i < d.k; i++)
	{
		Datum		v[7];
		bool		nl[7] = {false};

		v[0] = Float8GetDatum(d.value[i]);
		v[1] = Int64GetDatum(d.f[i]);
		v[2] = Int64GetDatum(d.cumf[i]);
		v[3] = Float8GetDatum(d.mean_rank[i]);
		v[4] = Float8GetDatum(d.percentile[i]);
		v[5] = Float8GetDatum(d.probit[i]);
		v[6] = Float8GetDatum(have_fit ? fit.a + fit.b * d.probit[i] : 0.0);
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
				 errmsg("invalid value for %s: \"0\"", argname),
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

	medres_check_nonnegative("resource", r);
	check_positive("population", p);
	check_positive("area", a);
	/* sqrt(p) sqrt(a) rather than sqrt(p a): no overflow for large areas */
	PG_RETURN_FLOAT8(r / (sqrt(p) * sqrt(a)));
}

/*
 * The share of row r's first argument in its partition's total over the
 * share of its second argument: (u_i / sum u) / (v_i / sum v).
 */
static Datum
share_ratio_window(FunctionCallInfo fcinfo, const char *uname, const char *vname)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	int64		total = WinGetPartitionRowCount(winobj);
	WinCache   *c = win_cache(winobj, total);

	if (!c->ready)
	{
		double	   *u = palloc(sizeof(double) * Max(total, 1));
		double	   *v = palloc(sizeof(double) * Max(total, 1));
		bool	   *skip = palloc(sizeof(bool) * Max(total, 1));
		double		su = 0.0,
					suc = 0.0,
					sv = 0.0,
					svc = 0.0;

		for (int64 r = 0; r < total; r++)
		{
			bool		n1,
						n2,
						isout;

			u[r] = DatumGetFloat8(WinGetFuncArgInPartition(winobj, 0, r, WINDOW_SEEK_HEAD, false, &n1, &isout));
			v[r] = DatumGetFloat8(WinGetFuncArgInPartition(winobj, 1, r, WINDOW_SEEK_HEAD, false, &n2, &isout));
			skip[r] = n1 || n2;
			if (skip[r])
				continue;
			medres_check_nonnegative(uname, u[r]);
			check_positive(vname, v[r]);
			neumaier_add(&su, &suc, u[r]);
			neumaier_add(&sv, &svc, v[r]);
		}
		su += suc;
		sv += svc;
		for (int64 r = 0; r < total; r++)
		{
			WIN_NULLS(c, total)[r] = skip[r] || su == 0.0;
			WIN_VALUES(c)[r] = skip[r] || su == 0.0 ? 0.0 : (u[r] / su) / (v[r] / sv);
		}
		c->ready = true;
	}
	WIN_RETURN_FLOAT8(winobj, c, total);
}

/* hrad(resource, area) OVER (...): resource share over area share */
PG_FUNCTION_INFO_V1(medres_hrad);
Datum
medres_hrad(PG_FUNCTION_ARGS)
{
	return share_ratio_window(fcinfo, "resource", "area");
}

/* pad(population, area) OVER (...): population share over area share */
PG_FUNCTION_INFO_V1(medres_pad);
Datum
medres_pad(PG_FUNCTION_ARGS)
{
	return share_ratio_window(fcinfo, "population", "area");
}

/* hrad_pad(resource, population) OVER (...): resource share over population share */
PG_FUNCTION_INFO_V1(medres_hrad_pad);
Datum
medres_hrad_pad(PG_FUNCTION_ARGS)
{
	return share_ratio_window(fcinfo, "resource", "population");
}
