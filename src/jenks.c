/*
 * jenks.c — class breaks for maps: equal intervals, quantiles and Jenks
 * natural breaks, and the aggregate medres.class_breaks(value, k, method)
 * that returns them (choropleth.c classes a map's values with the same
 * functions).
 *
 * Breaks are returned as k' + 1 ascending numbers b[0] = min, b[1], ...,
 * b[k'] = max (classInt's "brks"); class c (0-based) holds the values x
 * with b[c] < x <= b[c + 1], class 0 also holds b[0] itself: every break
 * is the largest value of its class, as in Jenks (1977) and PySAL.  k' is
 * k, or fewer when the data have fewer distinct values than k classes need
 * (see each method).
 *
 *   equal     b[i] = min + i (max - min) / k.  All values equal: k' = 1.
 *   quantile  b[i] = x_(ceil(i n / k)), the order statistic at that rank
 *             (1-based; the inverse of the empirical distribution function,
 *             Hyndman and Fan's type 1): class i holds about n/k values.
 *             A break equal to the previous one (ties) is dropped, with its
 *             empty class (b[1] = b[0] stays: class 0 then holds the
 *             minimum alone).
 *   jenks     Fisher's (1958) exact optimal partition of the sorted values
 *             into k contiguous classes minimising the sum over classes of
 *             squared deviations from the class mean, SDCM = sum_c sum_{x in
 *             c} (x - mean_c)^2, the objective of Jenks's natural breaks.
 *             Tied values are never split between two classes (the breaks
 *             are values, so a split tie could not be expressed): the
 *             programme runs over the m distinct values weighted by their
 *             counts, and k' = min(k, m).
 *
 * Jenks by dynamic programming: with D(j, i) the least SDCM of the first i
 * distinct values in j classes, D(1, i) = cost(0, i) and
 *     D(j, i) = min_{j-1 <= t < i} D(j-1, t) + cost(t, i),
 * cost(t, i) the weighted sum of squares of distinct values t..i-1 about
 * their mean, from prefix sums of w, w x, w x^2 in O(1) (values centred on
 * their mean and scaled first, so the difference S2 - S1^2/W keeps its
 * digits).  The textbook programme (Jenks 1977, Fisher 1958) is O(k m^2).
 * Here the minimising t is found by divide and conquer, O(k m log m): the
 * squared-deviation cost satisfies the quadrangle inequality, so the
 * leftmost optimal t is non-decreasing in i (the monotonicity used by
 * Wang and Song's Ckmeans.1d.dp, 2011); the middle i of a range is solved
 * by scanning its admissible t, and the two halves inherit the narrowed
 * t ranges.  test/oracle_jenks.py checks it against the textbook
 * programme and against brute force.  The optimal t of every (j, i) is kept
 * for the backtrack: k m int32 (checked against medres.memory_limit).
 * Limits: 1 <= k <= 100 (22023 outside), at most 2e8 values (54000);
 * a million values in 5 classes take about 0.6 s, cancel is answered
 * within milliseconds.
 */
#include "medres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#define CLASS_K_MAX 100

static const char *const method_names[] = {"quantile", "equal", "jenks", NULL};

/* the index of a method name in method_names, or 22023 naming argname */
int
medres_class_method(const char *name, const char *argname)
{
	for (int i = 0; method_names[i] != NULL; i++)
		if (strcmp(name, method_names[i]) == 0)
			return i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for argument \"%s\": \"%s\"", argname, name),
			 errhint("Valid methods: quantile, equal, jenks.")));
	return -1;
}

void
medres_check_class_k(int k, const char *argname)
{
	if (k < 1 || k > CLASS_K_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"%s\": %d", argname, k),
				 errdetail("The number of classes must be between 1 and %d.", CLASS_K_MAX)));
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------------
 * Jenks: the divide-and-conquer programme over weighted distinct values
 * --------------------------------------------------------------------- */

typedef struct JenksDP
{
	int			m;
	const double *W,			/* prefix sums, length m + 1 */
			   *S1,
			   *S2;
	const double *prev;			/* D(j-1, .), length m + 1 */
	double	   *cur;			/* D(j, .) */
	int32	   *opt;			/* argmin t of D(j, .) */
	int			steps;
} JenksDP;

/* weighted sum of squared deviations of distinct values t..i-1 (t < i) */
static inline double
jenks_cost(const JenksDP *d, int t, int i)
{
	double		w = d->W[i] - d->W[t],
				s1 = d->S1[i] - d->S1[t],
				s2 = d->S2[i] - d->S2[t],
				c = s2 - s1 * s1 / w;

	return c > 0.0 ? c : 0.0;
}

/* D(j, i) for i in [lo, hi], whose optimal t lies in [tlo, thi] */
static void
jenks_solve(JenksDP *d, int lo, int hi, int tlo, int thi)
{
	int			mid,
				best_t,
				top;
	double		best = 0.0;

	if (lo > hi)
		return;
	if (++d->steps % 1024 == 0)
		CHECK_FOR_INTERRUPTS();
	mid = lo + (hi - lo) / 2;
	top = Min(thi, mid - 1);
	best_t = -1;
	for (int t = tlo; t <= top; t++)
	{
		double		v = d->prev[t] + jenks_cost(d, t, mid);

		if (best_t < 0 || v < best)		/* strict: the leftmost minimum */
		{
			best = v;
			best_t = t;
		}
	}
	Assert(best_t >= 0);
	d->cur[mid] = best;
	d->opt[mid] = best_t;
	jenks_solve(d, lo, mid - 1, tlo, best_t);
	jenks_solve(d, mid + 1, hi, best_t, thi);
}

/*
 * Jenks breaks of n sorted finite values into at most k classes: writes
 * k' + 1 breaks into brk (room for k + 1), returns k'.
 */
static int
jenks_breaks(const double *x, int n, int k, double *brk)
{
	int			m = 0;
	double	   *v,
			   *W,
			   *S1,
			   *S2,
			   *rowa,
			   *rowb;
	int32	   *opt;
	double		mean = 0.0,
				scale = 0.0,
				p2;
	int			kk;
	int		   *cut;
	JenksDP		d;

	/* distinct values and their counts */
	v = palloc(sizeof(double) * n);
	W = palloc(sizeof(double) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		if (m > 0 && x[i] == v[m - 1])
			W[m] += 1.0;		/* W[1..m] hold counts for now */
		else
		{
			v[m++] = x[i];
			W[m] = 1.0;
		}
	}
	kk = Min(k, m);
	/*
	 * Bring the values near 1 by a power of two (exact), centre them on
	 * their mean and divide by the largest deviation, so that the prefix
	 * sums stay near 1 and nothing overflows even for values near DBL_MAX.
	 */
	p2 = Max(fabs(v[0]), fabs(v[m - 1]));
	p2 = p2 > 0.0 ? pow2_scale(p2) : 1.0;
	for (int i = 0; i < n; i++)
		mean += (x[i] / p2 - mean) / (i + 1);
	for (int i = 0; i < m; i++)
		scale = Max(scale, fabs(v[i] / p2 - mean));
	if (!(scale > 0.0))
		scale = 1.0;
	S1 = palloc(sizeof(double) * (m + 1));
	S2 = palloc(sizeof(double) * (m + 1));
	W[0] = S1[0] = S2[0] = 0.0;
	for (int i = 0; i < m; i++)
	{
		double		c = W[i + 1],
					z = (v[i] / p2 - mean) / scale;

		W[i + 1] = W[i] + c;
		S1[i + 1] = S1[i] + c * z;
		S2[i + 1] = S2[i] + c * z * z;
	}

	medres_check_memory((Size) kk * (m + 1) * sizeof(int32), "class_breaks (jenks)");
	opt = medres_alloc_huge(CurrentMemoryContext, (Size) kk * (m + 1), sizeof(int32),
							"class_breaks (jenks)");
	rowa = palloc(sizeof(double) * (m + 1));
	rowb = palloc(sizeof(double) * (m + 1));
	d.m = m;
	d.W = W;
	d.S1 = S1;
	d.S2 = S2;
	d.steps = 0;
	for (int i = 1; i <= m; i++)
	{
		rowa[i] = jenks_cost(&d, 0, i);
		opt[i] = 0;
	}
	for (int j = 2; j <= kk; j++)
	{
		d.prev = (j % 2 == 0) ? rowa : rowb;
		d.cur = (j % 2 == 0) ? rowb : rowa;
		d.opt = opt + (Size) (j - 1) * (m + 1);
		/* j classes need at least j values: i in [j, m], t in [j - 1, i - 1] */
		jenks_solve(&d, j, m, j - 1, m - 1);
		CHECK_FOR_INTERRUPTS();
	}

	/* backtrack: cut[j] = number of distinct values in the first j classes */
	cut = palloc(sizeof(int) * (kk + 1));
	cut[kk] = m;
	for (int j = kk; j >= 2; j--)
		cut[j - 1] = opt[(Size) (j - 1) * (m + 1) + cut[j]];
	cut[0] = 0;
	brk[0] = v[0];
	for (int j = 1; j <= kk; j++)
		brk[j] = v[cut[j] - 1];
	return kk;
}

/*
 * Breaks of n finite values (sorted here in place) by method (0 quantile,
 * 1 equal, 2 jenks) into at most k classes: k' + 1 breaks into brk (room
 * for k + 1); returns k' >= 1.  n >= 1.
 */
int
medres_class_breaks(double *x, int n, int k, int method, double *brk)
{
	double		lo,
				hi;
	int			nb;

	Assert(n >= 1 && k >= 1);
	qsort(x, n, sizeof(double), cmp_double);
	lo = x[0];
	hi = x[n - 1];
	brk[0] = lo;
	if (lo == hi)
	{
		brk[1] = hi;
		return 1;
	}
	switch (method)
	{
		case 0:				/* quantile */
			nb = 0;
			for (int i = 1; i <= k; i++)
			{
				/* rank ceil(i n / k), 1-based, in 64-bit: i n may exceed 2^31 */
				int64		r = ((int64) i * n + k - 1) / k;
				double		b = i == k ? hi : x[r - 1];

				/* b1 may equal b0 (a class of the minimum); later ties are dropped */
				if (nb == 0 || b > brk[nb])
					brk[++nb] = b;
			}
			return nb;
		case 1:				/* equal */
			for (int i = 1; i < k; i++)
			{
				/* lo + i (hi - lo) / k without overflow for a range near DBL_MAX */
				double		t = (double) i / k;

				brk[i] = lo * (1.0 - t) + hi * t;
			}
			brk[k] = hi;
			return k;
		default:
			return jenks_breaks(x, n, k, brk);
	}
}

/* the class (0..nb-1) of x under nb + 1 breaks: the first c with x <= brk[c + 1] */
int
medres_class_of(double x, const double *brk, int nb)
{
	int			lo = 0,
				hi = nb - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (x <= brk[mid + 1])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---------------------------------------------------------------------
 * medres.class_breaks(value float8, k int, method text) -> float8[]
 * --------------------------------------------------------------------- */

#define BREAKS_VERSION 1

typedef struct BreaksState
{
	int			k;				/* 0 until the first row */
	int			method;
	int64		n;
	int64		cap;
	double	   *x;
} BreaksState;

typedef struct BreaksHeader
{
	MedresStateTag tag;
	int32		k;
	int32		method;
	int64		n;
} BreaksHeader;

#define BREAKS_N_MAX ((int64) 200000000)	/* int indices and k int32 per value */

static BreaksState *
breaks_new(MemoryContext cxt)
{
	BreaksState *s = MemoryContextAllocZero(cxt, sizeof(BreaksState));

	return s;
}

static void
breaks_reserve(BreaksState *s, int64 more, MemoryContext cxt)
{
	int64		need = s->n + more,
				cap;

	if (need <= s->cap)
		return;
	if (need > BREAKS_N_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("class_breaks takes at most %lld values", (long long) BREAKS_N_MAX)));
	cap = Max(need, Max(s->cap * 2, 256));
	cap = Min(cap, BREAKS_N_MAX);
	medres_check_memory(cap * sizeof(double), "class_breaks");
	if (s->x == NULL)
		s->x = medres_alloc_huge(cxt, cap, sizeof(double), "the aggregate");
	else
		s->x = medres_realloc_huge(s->x, cap, sizeof(double), "the aggregate");
	s->cap = cap;
}

PG_FUNCTION_INFO_V1(medres_class_breaks_trans);
Datum
medres_class_breaks_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	BreaksState *s;
	int			k,
				method;
	double		x;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres_class_breaks_trans called in non-aggregate context");
	s = PG_ARGISNULL(0) ? breaks_new(aggcxt) : (BreaksState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"k\": NULL")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"method\": NULL"),
				 errhint("Valid methods: quantile, equal, jenks.")));
	k = PG_GETARG_INT32(2);
	if (s->k == 0)
	{
		medres_check_class_k(k, "k");
		s->method = medres_class_method(text_to_cstring(PG_GETARG_TEXT_PP(3)), "method");
		s->k = k;
	}
	else
	{
		if (k != s->k)
			medres_check_param_constant("k", s->k, k);
		method = medres_class_method(text_to_cstring(PG_GETARG_TEXT_PP(3)), "method");
		if (method != s->method)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("method must be the same for every row of a group")));
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	x = PG_GETARG_FLOAT8(1);
	medres_check_finite("value", x);
	breaks_reserve(s, 1, aggcxt);
	s->x[s->n++] = x;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(medres_class_breaks_combine);
Datum
medres_class_breaks_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	BreaksState *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres_class_breaks_combine called in non-aggregate context");
	a = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	b = PG_ARGISNULL(1) ? NULL : (BreaksState *) PG_GETARG_POINTER(1);
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
	{
		a = breaks_new(aggcxt);
		a->k = b->k;
		a->method = b->method;
	}
	else if (a->k != 0 && b->k != 0)
	{
		medres_check_param_constant("k", a->k, b->k);
		if (a->method != b->method)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("method must be the same for every row of a group")));
	}
	else if (a->k == 0)
	{
		a->k = b->k;
		a->method = b->method;
	}
	if (b->n > 0)
	{
		breaks_reserve(a, b->n, aggcxt);
		memcpy(a->x + a->n, b->x, b->n * sizeof(double));
		a->n += b->n;
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(medres_class_breaks_serialize);
Datum
medres_class_breaks_serialize(PG_FUNCTION_ARGS)
{
	BreaksState *s = (BreaksState *) PG_GETARG_POINTER(0);
	BreaksHeader h;
	Size		len = sizeof(h) + s->n * sizeof(double);
	bytea	   *out;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "medres_class_breaks_serialize called in non-aggregate context");
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("class_breaks state too large to send to a parallel worker")));
	medres_state_tag(&h.tag, MEDRES_STATE_CLASS_BREAKS, BREAKS_VERSION);
	h.k = s->k;
	h.method = s->method;
	h.n = s->n;
	out = medres_palloc_advised(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	memcpy(VARDATA(out), &h, sizeof(h));
	if (s->n > 0)
		memcpy(VARDATA(out) + sizeof(h), s->x, s->n * sizeof(double));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(medres_class_breaks_deserialize);
Datum
medres_class_breaks_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *data = VARDATA_ANY(in);
	Size		len = VARSIZE_ANY_EXHDR(in);
	MemoryContext aggcxt;
	BreaksHeader h;
	BreaksState *s;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres_class_breaks_deserialize called in non-aggregate context");
	medres_state_check(data, len, sizeof(h), MEDRES_STATE_CLASS_BREAKS,
					   MEDRES_STATE_CLASS_BREAKS, BREAKS_VERSION);
	memcpy(&h, data, sizeof(h));
	if (h.n < 0 || h.n > BREAKS_N_MAX || len != sizeof(h) + h.n * sizeof(double)
		|| (h.k != 0 && (h.k < 1 || h.k > CLASS_K_MAX)) || h.method < 0 || h.method > 2)
		medres_state_invalid("The class_breaks state has an impossible size or parameter.");
	s = breaks_new(aggcxt);
	s->k = h.k;
	s->method = h.method;
	if (h.n > 0)
	{
		breaks_reserve(s, h.n, aggcxt);
		memcpy(s->x, data + sizeof(h), h.n * sizeof(double));
		for (int64 i = 0; i < h.n; i++)
			if (!isfinite(s->x[i]))
				medres_state_invalid("The class_breaks state holds a value that is not finite.");
		s->n = h.n;
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(medres_class_breaks_final);
Datum
medres_class_breaks_final(PG_FUNCTION_ARGS)
{
	BreaksState *s = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	double	   *x,
			   *brk;
	Datum	   *d;
	int			nb;

	if (s == NULL || s->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("class_breaks needs at least one non-NULL value"),
				 errdetail("The argument value was NULL in every row, or there were no rows.")));
	/* the final function may run more than once (window use): sort a copy */
	x = medres_alloc_huge(CurrentMemoryContext, s->n, sizeof(double), "class_breaks");
	memcpy(x, s->x, s->n * sizeof(double));
	brk = palloc(sizeof(double) * (s->k + 1));
	nb = medres_class_breaks(x, (int) s->n, s->k, s->method, brk);
	d = palloc(sizeof(Datum) * (nb + 1));
	for (int i = 0; i <= nb; i++)
		d[i] = Float8GetDatum(brk[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, nb + 1, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
