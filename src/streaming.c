/*
 * streaming.c — inequality measures computed in one pass with a small
 * float8[] state: Theil T, Theil L (MLD), generalized entropy GE(alpha),
 * Atkinson, coefficient of variation, and Hoover.
 *
 * The states are plain float8 arrays updated in place, as PostgreSQL's own
 * avg(float8) does, so the aggregates are parallel safe with a combine
 * function and need no serialization (Citus can split them across shards).
 *
 * Definitions (METHODS.md): with weights w_i, W = sum w, mu = sum w x / W,
 *   GE(a)  = 1/(a(a-1)) * sum p_i [ (x_i/mu)^a - 1 ]
 *   T      = GE(1) = sum s_i ln(s_i/p_i)      (0 ln 0 = 0, zeros counted)
 *   L, MLD = GE(0) = sum p_i ln(p_i/s_i)      (undefined for a zero value)
 *   A(e)   = 1 - [sum p_i (x_i/mu)^(1-e)]^(1/(1-e)),  A(1) = 1 - exp(sum p_i ln x_i)/mu
 *
 * The "power family" state keeps W, S1 = sum w x/K1 and S2 = sum w phi(x)
 * with phi = ln(x/K1), (x/K1) ln(x/K1) or (x/K2)^a (medres.h explains the
 * two power-of-two scales).  Working near 1 keeps sum w x^a finite for x
 * near 1e300 and removes most of the cancellation in ln(mu) - mean(ln x)
 * when the values are close together.
 */
#include "medres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include <limits.h>

/* power-family state slots */
#define PF_N		0			/* rows seen, including zero weights */
#define PF_ALPHA	1			/* exponent of phi for PF_POW */
#define PF_MODE		2			/* which phi */
#define PF_K		3			/* scale K1 of the mean, 0 while only zeros were seen */
#define PF_W		4			/* PowerSums from here: sum w (+ compensation) */
#define PF_S1		6			/* sum w y */
#define PF_S2		8			/* sum w phi(y) */
#define PF_K2		10			/* scale K2 of the power sum (PF_POW only) */
#define PF_LEN		11

#define PF_LOG		PHI_LOG
#define PF_XLOGX	PHI_XLOGX
#define PF_POW		PHI_POW


/* Return the state array, copied unless we may scribble on it in place. */
static double *
state_array(FunctionCallInfo fcinfo, int argno, int len, ArrayType **arr)
{
	ArrayType  *a;

	if (AggCheckCallContext(fcinfo, NULL))
		a = PG_GETARG_ARRAYTYPE_P(argno);
	else
		a = PG_GETARG_ARRAYTYPE_P_COPY(argno);
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID ||
		(len > 0 && ARR_DIMS(a)[0] != len) || (len <= 0 && ARR_DIMS(a)[0] < -len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid medres aggregate state"),
				 errdetail("Expected a one-dimensional float8 array without NULLs.")));
	*arr = a;
	return (double *) ARR_DATA_PTR(a);
}

/* Read-only view of a state for final functions. */
static const double *
state_array_ro(FunctionCallInfo fcinfo, int argno, int len)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID ||
		(len > 0 && ARR_DIMS(a)[0] != len) || (len <= 0 && ARR_DIMS(a)[0] < -len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid medres aggregate state")));
	return (const double *) ARR_DATA_PTR(a);
}

static inline double
pf_sum(const double *st, int slot)
{
	return st[slot] + st[slot + 1];
}

#define PF_SUMS(st) ((PowerSums *) &(st)[PF_W])

static inline double *
pf_scale(double *st, int which)
{
	return which == SCALE_MEAN ? &st[PF_K] : &st[PF_K2];
}

static void
pf_rescale(double *st, int which, double newK)
{
	double	   *K = pf_scale(st, which);

	power_sums_rescale(PF_SUMS(st), (int) st[PF_MODE], st[PF_ALPHA], which, *K, newK);
	*K = newK;
}

/*
 * Add one row.  `measure` names the index in the error raised when a zero
 * meets a logarithm or a negative power.
 */
static inline void
pf_add(double *st, double x, double w, const char *measure)
{
	int			mode = (int) st[PF_MODE];
	double		alpha = st[PF_ALPHA];
	double		y,
				phi;
	int			move;

	medres_check_nonnegative("value", x);
	medres_check_weight(w);
	st[PF_N] += 1.0;
	if (w == 0.0)
		return;
	if (x == 0.0)
	{
		if (mode == PF_LOG || (mode == PF_POW && alpha <= 0.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for value: \"0\""),
					 errdetail("%s is undefined when a value is zero.", measure),
					 errhint("Use theil_t or ge with alpha > 0, or exclude the zero rows.")));
		/* x = 0 adds w to W and nothing to S1, S2 (0 ln 0 = 0, 0^a = 0) */
		neumaier_add(&st[PF_W], &st[PF_W + 1], w);
		return;
	}
	if (st[PF_K] == 0.0)
		st[PF_K] = st[PF_K2] = pow2_scale(x);
	while ((move = power_terms(mode, alpha, st[PF_K], st[PF_K2], x, &y, &phi)) != 0)
		pf_rescale(st, move, pow2_scale(x));
	neumaier_add(&st[PF_W], &st[PF_W + 1], w);
	neumaier_add(&st[PF_S1], &st[PF_S1 + 1], w * y);
	neumaier_add(&st[PF_S2], &st[PF_S2 + 1], w * phi);
}

/* Empty input gives NULL; rows with nothing to measure are an error. */
static bool
pf_check_final(const double *st)
{
	if (st[PF_N] == 0.0)
		return false;
	if (pf_sum(st, PF_W) <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero"),
				 errdetail("An inequality index needs a positive total weight.")));
	if (pf_sum(st, PF_S1) <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all values are zero"),
				 errdetail("An inequality index is undefined when the mean is zero.")));
	return true;
}

/*
 * Record the measure's phi on the first row; later rows must ask for the
 * same one.  `shown_prev`/`shown_cur` are the parameter as the user wrote it.
 */
static void
pf_set_mode(double *st, int mode, double alpha, const char *argname,
			double shown_prev, double shown_cur)
{
	if (st[PF_N] == 0.0)
	{
		st[PF_MODE] = mode;
		st[PF_ALPHA] = alpha;
	}
	else if (st[PF_ALPHA] != alpha || st[PF_MODE] != mode)
		medres_check_param_constant(argname, shown_prev, shown_cur);
}

/* ---- transition functions ---- */

PG_FUNCTION_INFO_V1(medres_theil_t_trans);
Datum
medres_theil_t_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array(fcinfo, 0, PF_LEN, &arr);

	st[PF_MODE] = PF_XLOGX;
	pf_add(st, PG_GETARG_FLOAT8(1), PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : 1.0, "Theil T");
	PG_RETURN_ARRAYTYPE_P(arr);
}

PG_FUNCTION_INFO_V1(medres_theil_l_trans);
Datum
medres_theil_l_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array(fcinfo, 0, PF_LEN, &arr);

	st[PF_MODE] = PF_LOG;
	pf_add(st, PG_GETARG_FLOAT8(1), PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : 1.0,
		   "The mean log deviation (Theil L)");
	PG_RETURN_ARRAYTYPE_P(arr);
}

/* ge(x, alpha [, w]) */
PG_FUNCTION_INFO_V1(medres_ge_trans);
Datum
medres_ge_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array(fcinfo, 0, PF_LEN, &arr);
	double		alpha = PG_GETARG_FLOAT8(2);

	medres_check_finite("alpha", alpha);
	pf_set_mode(st, alpha == 0.0 ? PF_LOG : alpha == 1.0 ? PF_XLOGX : PF_POW, alpha,
				"alpha", st[PF_ALPHA], alpha);
	pf_add(st, PG_GETARG_FLOAT8(1), PG_NARGS() > 3 ? PG_GETARG_FLOAT8(3) : 1.0,
		   "Generalized entropy with alpha <= 0");
	PG_RETURN_ARRAYTYPE_P(arr);
}

/* atkinson(x, epsilon [, w]); phi is y^(1-e), or ln y for e = 1 */
PG_FUNCTION_INFO_V1(medres_atkinson_trans);
Datum
medres_atkinson_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array(fcinfo, 0, PF_LEN, &arr);
	double		eps = PG_GETARG_FLOAT8(2);

	if (!(eps >= 0.0) || isinf(eps))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for epsilon: \"%s\"", medres_float_text(eps)),
				 errdetail("The Atkinson inequality aversion epsilon must be finite and non-negative.")));
	pf_set_mode(st, eps == 1.0 ? PF_LOG : PF_POW, 1.0 - eps,
				"epsilon", 1.0 - st[PF_ALPHA], eps);
	pf_add(st, PG_GETARG_FLOAT8(1), PG_NARGS() > 3 ? PG_GETARG_FLOAT8(3) : 1.0,
		   "The Atkinson index with epsilon >= 1");
	PG_RETURN_ARRAYTYPE_P(arr);
}

/*
 * Combine two power-family states.  The one with the smaller reference
 * scale is brought to the larger, so rescaling only ever shrinks sums.
 */
PG_FUNCTION_INFO_V1(medres_pf_combine);
Datum
medres_pf_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *a = state_array(fcinfo, 0, PF_LEN, &arr);
	const double *b0 = state_array_ro(fcinfo, 1, PF_LEN);
	double		b[PF_LEN];

	memcpy(b, b0, sizeof(b));
	if (b[PF_N] == 0.0)
		PG_RETURN_ARRAYTYPE_P(arr);
	if (a[PF_N] == 0.0)
	{
		memcpy(a, b, sizeof(b));
		PG_RETURN_ARRAYTYPE_P(arr);
	}
	if (a[PF_MODE] != b[PF_MODE])
		medres_check_param_constant("alpha", a[PF_MODE], b[PF_MODE]);
	medres_check_param_constant("alpha", a[PF_ALPHA], b[PF_ALPHA]);
	for (int which = SCALE_MEAN; which <= SCALE_POWER; which++)
	{
		double		Ka = *pf_scale(a, which),
					Kb = *pf_scale(b, which);

		switch (power_common_scale((int) a[PF_MODE], a[PF_ALPHA], which, Ka, Kb))
		{
			case 1:
				if (Ka == 0.0)
					*pf_scale(a, which) = Kb;	/* a has seen only zeros */
				else
					pf_rescale(a, which, Kb);
				break;
			case 2:
				pf_rescale(b, which, Ka);
				break;
		}
	}
	a[PF_N] += b[PF_N];
	for (int s = PF_W; s <= PF_S2; s += 2)
	{
		neumaier_add(&a[s], &a[s + 1], b[s]);
		a[s + 1] += b[s + 1];
	}
	PG_RETURN_ARRAYTYPE_P(arr);
}

PG_FUNCTION_INFO_V1(medres_ge_final);
Datum
medres_ge_final(PG_FUNCTION_ARGS)
{
	const double *st = state_array_ro(fcinfo, 0, PF_LEN);
	double		v;

	if (!pf_check_final(st))
		PG_RETURN_NULL();
	v = power_ge((int) st[PF_MODE], st[PF_ALPHA], (const PowerSums *) &st[PF_W], st[PF_K], st[PF_K2]);
	medres_check_result("generalized entropy", v);
	PG_RETURN_FLOAT8(v);
}

PG_FUNCTION_INFO_V1(medres_atkinson_final);
Datum
medres_atkinson_final(PG_FUNCTION_ARGS)
{
	const double *st = state_array_ro(fcinfo, 0, PF_LEN);
	double		v;

	if (!pf_check_final(st))
		PG_RETURN_NULL();
	v = power_atkinson((int) st[PF_MODE], st[PF_ALPHA], (const PowerSums *) &st[PF_W], st[PF_K], st[PF_K2]);
	medres_check_result("Atkinson index", v);
	PG_RETURN_FLOAT8(v);
}

/*
 * ---- coefficient of variation ----
 *
 * Weighted mean and sum of squared deviations by West's (1979) update,
 * combined by Chan et al.'s pairwise formula; in y = x/K units like the
 * power family so that squares of values near 1e300 stay finite.
 */
#define CV_N	0
#define CV_K	1
#define CV_W	2				/* + compensation at 3 */
#define CV_MEAN 4
#define CV_M2	5
#define CV_LEN	6

static void
cv_rescale(double *st, double newK)
{
	double		r = st[CV_K] / newK;

	st[CV_MEAN] *= r;
	st[CV_M2] *= r * r;
	st[CV_K] = newK;
}

PG_FUNCTION_INFO_V1(medres_cv_trans);
Datum
medres_cv_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array(fcinfo, 0, CV_LEN, &arr);
	double		x = PG_GETARG_FLOAT8(1);
	double		w = PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : 1.0;
	double		y,
				Wnew,
				delta;

	medres_check_finite("value", x);
	medres_check_weight(w);
	st[CV_N] += 1.0;
	if (w == 0.0)
		PG_RETURN_ARRAYTYPE_P(arr);
	if (st[CV_K] == 0.0 && x != 0.0)
		st[CV_K] = pow2_scale(x);
	y = st[CV_K] == 0.0 ? 0.0 : x / st[CV_K];
	if (unlikely(fabs(y) > RESCALE_ABOVE))
	{
		cv_rescale(st, pow2_scale(x));
		y = x / st[CV_K];
	}
	neumaier_add(&st[CV_W], &st[CV_W + 1], w);
	Wnew = st[CV_W] + st[CV_W + 1];
	delta = y - st[CV_MEAN];
	st[CV_MEAN] += delta * (w / Wnew);
	st[CV_M2] += w * delta * (y - st[CV_MEAN]);
	PG_RETURN_ARRAYTYPE_P(arr);
}

PG_FUNCTION_INFO_V1(medres_cv_combine);
Datum
medres_cv_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *a = state_array(fcinfo, 0, CV_LEN, &arr);
	const double *b0 = state_array_ro(fcinfo, 1, CV_LEN);
	double		b[CV_LEN];
	double		Wa,
				Wb,
				W,
				delta;

	memcpy(b, b0, sizeof(b));
	if (b[CV_N] == 0.0)
		PG_RETURN_ARRAYTYPE_P(arr);
	if (a[CV_N] == 0.0)
	{
		memcpy(a, b, sizeof(b));
		PG_RETURN_ARRAYTYPE_P(arr);
	}
	if (a[CV_K] == 0.0)
		a[CV_K] = b[CV_K];
	else if (b[CV_K] != 0.0 && b[CV_K] != a[CV_K])
	{
		if (b[CV_K] > a[CV_K])
			cv_rescale(a, b[CV_K]);
		else
			cv_rescale(b, a[CV_K]);
	}
	Wa = a[CV_W] + a[CV_W + 1];
	Wb = b[CV_W] + b[CV_W + 1];
	a[CV_N] += b[CV_N];
	neumaier_add(&a[CV_W], &a[CV_W + 1], b[CV_W]);
	a[CV_W + 1] += b[CV_W + 1];
	W = Wa + Wb;
	if (W > 0.0)
	{
		delta = b[CV_MEAN] - a[CV_MEAN];
		a[CV_MEAN] += delta * (Wb / W);
		a[CV_M2] += b[CV_M2] + delta * delta * (Wa / W) * Wb;
	}
	PG_RETURN_ARRAYTYPE_P(arr);
}

PG_FUNCTION_INFO_V1(medres_cv_final);
Datum
medres_cv_final(PG_FUNCTION_ARGS)
{
	const double *st = state_array_ro(fcinfo, 0, CV_LEN);
	double		W,
				v;

	if (st[CV_N] == 0.0)
		PG_RETURN_NULL();
	W = st[CV_W] + st[CV_W + 1];
	if (W <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero")));
	if (!(st[CV_MEAN] > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coefficient of variation is undefined for a mean of \"%s\"",
						medres_float_text(st[CV_MEAN] * st[CV_K])),
				 errdetail("The weighted mean must be positive.")));
	v = sqrt(Max(st[CV_M2], 0.0) / W) / st[CV_MEAN];
	medres_check_result("coefficient of variation", v);
	PG_RETURN_FLOAT8(v);
}

/*
 * ---- Hoover index ----
 *
 * Hoover = 1/2 sum |s_i - p_i| = sum w_i |x_i - mu| / (2 W mu) needs the
 * mean before the deviations, so no fixed-size state computes it in one
 * pass.  The state is still a plain float8[] (for Citus): slot 0 counts the
 * (x, w) pairs stored after the header, and the array is allocated with
 * spare room that later rows fill in place.  When it is full a copy twice
 * the size is returned, which the executor moves into the aggregate's
 * memory, so the total copying stays linear in the number of rows.
 *
 * Slot 1 is the first live pair: in a sliding window frame the inverse
 * transition drops the oldest pair, so the moving aggregate computes from
 * exactly the frame's pairs in row order, the same sums as a fresh
 * aggregate over the frame.
 */
#define HV_HEADER 2
#define HV_N	0
#define HV_HEAD 1

static ArrayType *
hv_grow(const double *st, int ncap_pairs)
{
	Size		nelems = HV_HEADER + (Size) 2 * ncap_pairs;
	ArrayType  *a;

	if (nelems > MaxAllocSize / sizeof(double) - 64)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("hoover state exceeds 1 GB"),
				 errhint("Compute the Hoover index over fewer rows per group.")));
	a = (ArrayType *) palloc0(ARR_OVERHEAD_NONULLS(1) + nelems * sizeof(double));
	SET_VARSIZE(a, ARR_OVERHEAD_NONULLS(1) + nelems * sizeof(double));
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) nelems;
	ARR_LBOUND(a)[0] = 1;
	if (st)
		memcpy(ARR_DATA_PTR(a), st, (HV_HEADER + 2 * (Size) st[HV_N]) * sizeof(double));
	return a;
}

static inline int
hv_capacity(ArrayType *a)
{
	return (ARR_DIMS(a)[0] - HV_HEADER) / 2;
}

PG_FUNCTION_INFO_V1(medres_hoover_trans);
Datum
medres_hoover_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array(fcinfo, 0, -HV_HEADER, &arr);
	double		x = PG_GETARG_FLOAT8(1);
	double		w = PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : 1.0;
	Size		n = (Size) st[HV_N];

	medres_check_nonnegative("value", x);
	medres_check_weight(w);
	if (n >= (Size) hv_capacity(arr))
	{
		arr = hv_grow(st, Max(16, 2 * (int) Min(n, (Size) INT_MAX / 4)));
		st = (double *) ARR_DATA_PTR(arr);
	}
	st[HV_HEADER + 2 * n] = x + 0.0;	/* +0.0 folds -0.0 */
	st[HV_HEADER + 2 * n + 1] = w;
	st[HV_N] = (double) (n + 1);
	PG_RETURN_ARRAYTYPE_P(arr);
}

/*
 * Inverse transition for sliding frames: drop the oldest pair, which must
 * be this row's (otherwise NULL tells PostgreSQL to recompute the frame).
 */
PG_FUNCTION_INFO_V1(medres_hoover_inv);
Datum
medres_hoover_inv(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array(fcinfo, 0, -HV_HEADER, &arr);
	double		x = PG_GETARG_FLOAT8(1) + 0.0;
	double		w = PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : 1.0;
	Size		n = (Size) st[HV_N],
				head = (Size) st[HV_HEAD];

	if (head >= n || st[HV_HEADER + 2 * head] != x || st[HV_HEADER + 2 * head + 1] != w)
		PG_RETURN_NULL();
	head++;
	if (head == n)
		head = n = 0;
	else if (head >= 1024 && head > n / 2)
	{
		memmove(&st[HV_HEADER], &st[HV_HEADER + 2 * head], 2 * (n - head) * sizeof(double));
		n -= head;
		head = 0;
	}
	st[HV_N] = (double) n;
	st[HV_HEAD] = (double) head;
	PG_RETURN_ARRAYTYPE_P(arr);
}

PG_FUNCTION_INFO_V1(medres_hoover_combine);
Datum
medres_hoover_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *a = state_array(fcinfo, 0, -HV_HEADER, &arr);
	const double *b = state_array_ro(fcinfo, 1, -HV_HEADER);
	Size		na = (Size) a[HV_N],
				bhead = (Size) b[HV_HEAD],
				nb = (Size) b[HV_N] - bhead;

	if (nb == 0)
		PG_RETURN_ARRAYTYPE_P(arr);
	if (na + nb > (Size) hv_capacity(arr))
	{
		arr = hv_grow(a, (int) Min(2 * (na + nb), (Size) INT_MAX / 4));
		a = (double *) ARR_DATA_PTR(arr);
	}
	memcpy(&a[HV_HEADER + 2 * na], &b[HV_HEADER + 2 * bhead], 2 * nb * sizeof(double));
	a[HV_N] = (double) (na + nb);
	PG_RETURN_ARRAYTYPE_P(arr);
}

/* Hoover index of n (x, w) pairs; values are scaled by the largest to avoid overflow. */
static double
hoover_index(const double *pairs, Size n)
{
	double		xmax = 0.0,
				W = 0.0,
				Wc = 0.0,
				M = 0.0,
				Mc = 0.0,
				D = 0.0,
				Dc = 0.0,
				mu;

	for (Size i = 0; i < n; i++)
		if (pairs[2 * i + 1] > 0.0 && pairs[2 * i] > xmax)
			xmax = pairs[2 * i];
	if (xmax > 0.0)
		xmax = pow2_scale(xmax);
	for (Size i = 0; i < n; i++)
	{
		neumaier_add(&W, &Wc, pairs[2 * i + 1]);
		if (xmax > 0.0)
			neumaier_add(&M, &Mc, pairs[2 * i + 1] * (pairs[2 * i] / xmax));
	}
	W += Wc;
	M += Mc;
	if (W <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero")));
	if (M <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all values are zero"),
				 errdetail("The Hoover index is undefined when the mean is zero.")));
	mu = M / W;
	for (Size i = 0; i < n; i++)
		neumaier_add(&D, &Dc, pairs[2 * i + 1] * fabs(pairs[2 * i] / xmax - mu));
	return (D + Dc) / (2.0 * M);
}

PG_FUNCTION_INFO_V1(medres_hoover_final);
Datum
medres_hoover_final(PG_FUNCTION_ARGS)
{
	const double *st = state_array_ro(fcinfo, 0, -HV_HEADER);
	Size		head = (Size) st[HV_HEAD];

	if (st[HV_N] - head == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(hoover_index(st + HV_HEADER + 2 * head, (Size) st[HV_N] - head));
}
