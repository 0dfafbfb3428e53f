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
#include "miscadmin.h"
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
#define PF_LEN		11			/* the state as the aggregates' INITCOND gives it */
#define PF_KW		11			/* scale KW of the weights, 0 before the first positive weight */
#define PF_Z		12			/* PF_NEAR: weight of the zero values (+ compensation) */
#define PF_D		14			/* PF_NEAR: d = alpha - c, exact (-epsilon for Atkinson) */
#define PF_LEN_W	15			/* the state with its weight scale, PF_Z and PF_D (0.1.0) */
#define PF_PARAM	15			/* the parameter as the user gave it (alpha, or epsilon) */
#define PF_KIND		16			/* which parameter PF_PARAM is: PF_KIND_* */
#define PF_LEN_P	17			/* the state with the parameter as given */

/*
 * Which measure's parameter a state holds, so that a mismatch found when
 * partial states are combined (parallel query, Citus) names the argument
 * the user wrote and shows the value as given: an Atkinson state keeps
 * alpha = 1 - epsilon, which is not epsilon (1 - 0.7 = 0.30000000000000004).
 * Theil T and L have no parameter; so has a 15-element state of 0.1.0.
 */
#define PF_KIND_NONE	0
#define PF_KIND_ALPHA	1
#define PF_KIND_EPSILON 2

#define PF_LOG		PHI_LOG
#define PF_XLOGX	PHI_XLOGX
#define PF_POW		PHI_POW

/*
 * GE(alpha) and Atkinson for alpha near 0 or 1 (but not equal).  There
 * GE(alpha) = (mean (x/mu)^alpha - 1) / (alpha (alpha - 1)) divides a
 * difference of two numbers near 1 by a small number: summed as (x/K2)^alpha
 * (PF_POW), alpha = 1 + 1e-12 loses 12 of the 16 digits and alpha = 1e-300
 * all of them, although GE is continuous there (GE(0) = MLD, GE(1) = Theil T).
 * PF_NEAR writes alpha = c + d with c the nearer of 0 and 1 and |d| below
 * NEAR_BAND, and sums
 *   S2 = sum w y^c E_d(ln y),   E_d(t) = expm1(d t) / d  (-> t as d -> 0),
 * with y = x/K1, so that y^alpha = y^c (1 + d E_d(ln y)) keeps the small part
 * apart.  With m = S1/W the mean in units of K1 and B = sum w y^c (S1 for
 * c = 1, the weight of the positive values for c = 0):
 *   mean (x/mu)^alpha - 1 = d G,   G = m^-d S2/B' + E_d(-ln m)
 * (B' = W for c = 0, S1 for c = 1; zeros add -Z/(W d) inside G for c = 0),
 * so GE = G/(alpha - 1) for c = 0 and G/alpha for c = 1, and Atkinson
 * = 1 - (1 + d G)^(1/alpha), each without the cancellation.  NEAR_BAND
 * keeps |d ln y| below 23 for every y that K1 allows, so nothing overflows;
 * outside it PF_POW loses at most 2 digits.
 */
#define PF_NEAR		3

/* the measure for alpha: 0 and 1 have their own logarithmic forms */
static int
pf_mode_for(double alpha)
{
	if (alpha == 0.0)
		return PF_LOG;
	if (alpha == 1.0)
		return PF_XLOGX;
	if (fabs(alpha) < NEAR_BAND || fabs(alpha - 1.0) < NEAR_BAND)
		return PF_NEAR;
	return PF_POW;
}

/* log1p(a g)/a, likewise */
static inline double
log1p_over(double a, double g)
{
	double		z = a * g;

	if (fabs(z) < 1e-5)
		return g * (1.0 - z / 2.0 * (1.0 - z * 2.0 / 3.0 * (1.0 - z * 3.0 / 4.0)));
	return log1p(z) / a;
}


/*
 * The support functions are callable from SQL, so a state may be any
 * float8[] a user writes.  Every state starts with a fixed part (all of a
 * fixed-length state; the header of the Hoover state) that must be finite:
 * the first STATE_CHECKED elements are checked on every call, and the
 * Hoover state's pairs by hv_check_pairs before they are used.
 */
#define STATE_CHECKED 64

static void
state_check_finite(const ArrayType *a)
{
	const double *d = (const double *) ARR_DATA_PTR(a);
	int			n = Min(ARR_DIMS(a)[0], STATE_CHECKED);

	for (int i = 0; i < n; i++)
		if (!isfinite(d[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid medres aggregate state"),
					 errdetail("Element %d is not finite.", i + 1)));
}

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
	state_check_finite(a);
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
	state_check_finite(a);
	return (const double *) ARR_DATA_PTR(a);
}

/*
 * Weights are summed in units of KW, a power of two taken from the first
 * positive weight and moved (like K1 and K2, see medres.h) only when a
 * weight exceeds WEIGHT_RESCALE_ABOVE units: weights of 1e308 would
 * otherwise make W infinite, and weights of 5e-324 make w x underflow,
 * though every index depends only on ratios of the weighted sums, in which
 * KW cancels.  The bound keeps w/KW times a squared deviation of up to
 * (2e100)^2 (cv) far from overflow.
 */
#define WEIGHT_RESCALE_ABOVE 1e50

/*
 * The INITCOND states have no room for KW: a transition or combine
 * function widens a state of `oldlen` to `newlen` elements (a new array,
 * which the executor keeps in place of the old one), with KW = 1 if the
 * state already holds weights (their unit then was 1) and 0 otherwise.
 */
static ArrayType *
state_widen(ArrayType *a, int oldlen, int newlen, bool has_weight)
{
	Size		bytes = ARR_OVERHEAD_NONULLS(1) + newlen * sizeof(double);
	ArrayType  *n = (ArrayType *) palloc0(bytes);

	SET_VARSIZE(n, bytes);
	n->ndim = 1;
	n->dataoffset = 0;
	n->elemtype = FLOAT8OID;
	ARR_DIMS(n)[0] = newlen;
	ARR_LBOUND(n)[0] = 1;
	memcpy(ARR_DATA_PTR(n), ARR_DATA_PTR(a), oldlen * sizeof(double));
	((double *) ARR_DATA_PTR(n))[oldlen] = has_weight ? 1.0 : 0.0;
	return n;
}

/* a state of oldlen or newlen elements (anything else is an error), widened to newlen */
static double *
state_array_w(FunctionCallInfo fcinfo, int argno, int oldlen, int newlen, int wslot,
			  ArrayType **arr)
{
	double	   *st = state_array(fcinfo, argno, -oldlen, arr);
	int			len = ARR_DIMS(*arr)[0];

	if (len != oldlen && len != newlen)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid medres aggregate state"),
				 errdetail("Expected %d or %d elements, got %d.", oldlen, newlen, len)));
	if (len == oldlen)
	{
		*arr = state_widen(*arr, oldlen, newlen, st[wslot] + st[wslot + 1] > 0.0);
		st = (double *) ARR_DATA_PTR(*arr);
	}
	return st;
}

/* a read-only state of oldlen or newlen elements copied into dst[newlen] */
static void
state_copy_w(FunctionCallInfo fcinfo, int argno, int oldlen, int newlen, int wslot, double *dst)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);
	int			len;

	(void) state_array_ro(fcinfo, argno, -oldlen);
	len = ARR_DIMS(a)[0];
	if (len != oldlen && len != newlen)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid medres aggregate state")));
	memcpy(dst, ARR_DATA_PTR(a), len * sizeof(double));
	if (len == oldlen)
		dst[oldlen] = dst[wslot] + dst[wslot + 1] > 0.0 ? 1.0 : 0.0;
}

/*
 * A power-family state: 11 elements (INITCOND), 15 (a state of 0.1.0,
 * without the parameter) or 17, widened to 17.  A state of 11 gets its
 * weight scale as state_array_w gives it; the parameter slots start at 0,
 * PF_KIND_NONE.
 */
static double *
pf_state_check(double *st, int len)
{
	if (len != PF_LEN && len != PF_LEN_W && len != PF_LEN_P)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid medres aggregate state"),
				 errdetail("Expected %d, %d or %d elements, got %d.", PF_LEN, PF_LEN_W, PF_LEN_P, len)));
	if (len == PF_LEN_P && st[PF_KIND] != PF_KIND_NONE && st[PF_KIND] != PF_KIND_ALPHA &&
		st[PF_KIND] != PF_KIND_EPSILON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid medres aggregate state"),
				 errdetail("Element %d names no measure.", PF_KIND + 1)));
	return st;
}

static double *
pf_state(FunctionCallInfo fcinfo, int argno, ArrayType **arr)
{
	double	   *st = state_array(fcinfo, argno, -PF_LEN, arr);
	int			len = ARR_DIMS(*arr)[0];

	pf_state_check(st, len);
	if (len != PF_LEN_P)
	{
		*arr = state_widen(*arr, len, PF_LEN_P,
						   len == PF_LEN && st[PF_W] + st[PF_W + 1] > 0.0);
		st = (double *) ARR_DATA_PTR(*arr);
	}
	return st;
}

/* a read-only power-family state copied into dst[PF_LEN_P] */
static void
pf_state_copy(FunctionCallInfo fcinfo, int argno, double *dst)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(argno);
	const double *st = state_array_ro(fcinfo, argno, -PF_LEN);
	int			len = ARR_DIMS(a)[0];

	pf_state_check((double *) st, len);
	memset(dst, 0, PF_LEN_P * sizeof(double));
	memcpy(dst, st, len * sizeof(double));
	if (len == PF_LEN)
		dst[PF_KW] = dst[PF_W] + dst[PF_W + 1] > 0.0 ? 1.0 : 0.0;
}

static const char *
pf_param_name(double kind)
{
	return kind == PF_KIND_EPSILON ? "epsilon" : "alpha";
}

/*
 * w in units of *KW, first moving KW (and multiplying the n sums at `sums`,
 * which are linear in the weights, by the exact ratio of the scales) if w
 * is the first positive weight or too large for the present unit.
 */
static inline double
scaled_weight(double w, double *KW, double *sums, int n)
{
	double		ws;

	if (*KW == 0.0)
		*KW = pow2_scale(w);
	ws = w / *KW;
	if (unlikely(ws > WEIGHT_RESCALE_ABOVE))
	{
		double		newK = pow2_scale(w),
					r = *KW / newK;

		for (int i = 0; i < n; i++)
			sums[i] *= r;
		*KW = newK;
		ws = w / newK;
	}
	return ws;
}

/* bring two weight scales together: the state with the smaller one is multiplied down */
static void
common_weight_scale(double *KWa, double *sa, double *KWb, double *sb, int n)
{
	double	   *Klo,
			   *slo,
				r;

	if (*KWa == *KWb || *KWb == 0.0)
		return;
	if (*KWa == 0.0)
	{
		*KWa = *KWb;
		return;
	}
	Klo = *KWa < *KWb ? KWa : KWb;
	slo = *KWa < *KWb ? sa : sb;
	r = *Klo / Max(*KWa, *KWb);
	for (int i = 0; i < n; i++)
		slo[i] *= r;
	*Klo = Max(*KWa, *KWb);
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

/*
 * PF_NEAR's S2 when K1 moves from oldK to newK: with r = oldK/newK,
 * y' = r y and E_d(ln y + ln r) = r^d E_d(ln y) + E_d(ln r), so
 *   S2' = r^c (r^d S2 + E_d(ln r) B),  B = sum w y^c (before the move).
 */
static void
near_rescale(double *st, double oldK, double newK)
{
	double		alpha = st[PF_ALPHA];
	int			c = near_c(alpha);
	double		d = st[PF_D],
				/* both scales are powers of two: ln r from their exponents, without
				 * the 1e-13 error of log(2^-997) - log(2^-996) */
				lr = (double) (ilogb(oldK) - ilogb(newK)) * M_LN2,
				e = expm1_over(d, lr),
				rd = exp(d * lr),
				rc = c ? oldK / newK : 1.0,
				B = c ? st[PF_S1] : st[PF_W] - st[PF_Z],
				Bc = c ? st[PF_S1 + 1] : st[PF_W + 1] - st[PF_Z + 1];

	st[PF_S2] = rc * (rd * st[PF_S2] + e * B);
	st[PF_S2 + 1] = rc * (rd * st[PF_S2 + 1] + e * Bc);
}

static void
pf_rescale(double *st, int which, double newK)
{
	double	   *K = pf_scale(st, which);

	if ((int) st[PF_MODE] == PF_NEAR)
	{
		/* one scale only: K2 follows K1 */
		if (which == SCALE_MEAN)
		{
			near_rescale(st, *K, newK);
			st[PF_S1] *= *K / newK;
			st[PF_S1 + 1] *= *K / newK;
		}
		*K = newK;
		return;
	}
	power_sums_rescale(PF_SUMS(st), (int) st[PF_MODE], st[PF_ALPHA], which, *K, newK);
	*K = newK;
}

/* w in units of KW (scaled_weight), moving PF_Z with the six sums from PF_W */
static inline double
pf_scaled_weight(double *st, double w)
{
	double		oldKW = st[PF_KW];

	w = scaled_weight(w, &st[PF_KW], &st[PF_W], 6);
	if (oldKW != 0.0 && st[PF_KW] != oldKW)
	{
		st[PF_Z] *= oldKW / st[PF_KW];
		st[PF_Z + 1] *= oldKW / st[PF_KW];
	}
	return w;
}

/* the terms of a positive x under PF_NEAR (K1 moved first if y would exceed 1e100) */
static inline void
near_terms(double *st, double x, double *y, double *phi)
{
	double		alpha = st[PF_ALPHA];
	int			c = near_c(alpha);
	double		lny;

	*y = x / st[PF_K];
	if (unlikely(*y > RESCALE_ABOVE))
	{
		pf_rescale(st, SCALE_MEAN, pow2_scale(x));
		*y = x / st[PF_K];
	}
	/* y may underflow for tiny x: take the difference of logs then */
	lny = *y >= DBL_MIN ? log(*y) : log(x) - log(st[PF_K]);
	*phi = (c ? *y : 1.0) * expm1_over(st[PF_D], lny);
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
	w = pf_scaled_weight(st, w);
	if (x == 0.0)
	{
		if (mode == PF_LOG || ((mode == PF_POW || mode == PF_NEAR) && alpha <= 0.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"value\": \"0\""),
					 errdetail("%s is undefined when a value is zero.", measure),
					 errhint("Use theil_t or ge with alpha > 0, or exclude the zero rows.")));
		/* x = 0 adds w to W and nothing to S1, S2 (0 ln 0 = 0, 0^a = 0) */
		neumaier_add(&st[PF_W], &st[PF_W + 1], w);
		if (mode == PF_NEAR)
			neumaier_add(&st[PF_Z], &st[PF_Z + 1], w);
		return;
	}
	if (st[PF_K] == 0.0)
		st[PF_K] = st[PF_K2] = pow2_scale(x);
	if (mode == PF_NEAR)
		near_terms(st, x, &y, &phi);
	else
		while ((move = power_terms(mode, alpha, st[PF_K], st[PF_K2], x, &y, &phi)) != 0)
			pf_rescale(st, move, power_next_scale(move, st[PF_K], st[PF_K2], x, alpha));
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

/* two states, or a state and a row, of different measures (states written by hand) */
static void
pf_report_other_measure(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid medres aggregate state"),
			 errdetail("The state holds rows of another measure or another parameter.")));
}

/*
 * Record the measure on the first row: its phi, alpha, PF_NEAR's exact d and
 * the parameter as the user gave it (`given`, alpha or epsilon as `kind`
 * says).  Later rows must give the same parameter; one that rounds to the
 * same alpha but has another d is another measure too.
 */
static void
pf_set_param(double *st, int kind, int mode, double alpha, double d, double given)
{
	if (st[PF_N] == 0.0)
	{
		st[PF_MODE] = mode;
		st[PF_ALPHA] = alpha;
		st[PF_D] = d;
		st[PF_KIND] = kind;
		st[PF_PARAM] = given;
		return;
	}
	if (st[PF_KIND] != kind)
		pf_report_other_measure();
	medres_check_param_constant(pf_param_name(kind), st[PF_PARAM], given);
	if (st[PF_ALPHA] != alpha || st[PF_MODE] != mode || st[PF_D] != d)
		pf_report_other_measure();
}

/* ---- transition functions ---- */

PG_FUNCTION_INFO_V1(medres_theil_t_trans);
Datum
medres_theil_t_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = pf_state(fcinfo, 0, &arr);

	st[PF_MODE] = PF_XLOGX;
	pf_add(st, PG_GETARG_FLOAT8(1), PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : 1.0, "Theil T");
	PG_RETURN_ARRAYTYPE_P(arr);
}

PG_FUNCTION_INFO_V1(medres_theil_l_trans);
Datum
medres_theil_l_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = pf_state(fcinfo, 0, &arr);

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
	double	   *st = pf_state(fcinfo, 0, &arr);
	double		alpha = PG_GETARG_FLOAT8(2);

	medres_check_ge_alpha(alpha);
	pf_set_param(st, PF_KIND_ALPHA, pf_mode_for(alpha), alpha, alpha - near_c(alpha), alpha);
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
	double	   *st = pf_state(fcinfo, 0, &arr);
	double		eps = PG_GETARG_FLOAT8(2);

	if (!(eps >= 0.0) || isinf(eps))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"epsilon\": \"%s\"", medres_float_text(eps)),
				 errdetail("The Atkinson inequality aversion epsilon must be finite and non-negative.")));
	/* near alpha = 1, d = -epsilon exactly: 1 - epsilon would round it (epsilon = 1e-12) */
	pf_set_param(st, PF_KIND_EPSILON,
				 pf_mode_for(1.0 - eps) == PF_XLOGX ? PF_NEAR : pf_mode_for(1.0 - eps), 1.0 - eps,
				 near_c(1.0 - eps) ? -eps : 1.0 - eps, eps);
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
	double	   *a = pf_state(fcinfo, 0, &arr);
	double		b[PF_LEN_P];

	pf_state_copy(fcinfo, 1, b);
	if (b[PF_N] == 0.0)
		PG_RETURN_ARRAYTYPE_P(arr);
	if (a[PF_N] == 0.0)
	{
		memcpy(a, b, sizeof(b));
		PG_RETURN_ARRAYTYPE_P(arr);
	}
	/*
	 * Partial states of one aggregate call whose rows gave different
	 * parameters: name the argument and show the values as given.
	 */
	if (a[PF_KIND] != b[PF_KIND])
		pf_report_other_measure();
	if (a[PF_KIND] != PF_KIND_NONE)
		medres_check_param_constant(pf_param_name(a[PF_KIND]), a[PF_PARAM], b[PF_PARAM]);
	if (a[PF_MODE] != b[PF_MODE] || a[PF_ALPHA] != b[PF_ALPHA] || a[PF_D] != b[PF_D])
		pf_report_other_measure();
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
	{
		double		KWa = a[PF_KW],
					KWb = b[PF_KW];

		common_weight_scale(&a[PF_KW], &a[PF_W], &b[PF_KW], &b[PF_W], 6);
		if (KWa != 0.0 && a[PF_KW] != KWa)
		{
			a[PF_Z] *= KWa / a[PF_KW];
			a[PF_Z + 1] *= KWa / a[PF_KW];
		}
		if (KWb != 0.0 && b[PF_KW] != KWb)
		{
			b[PF_Z] *= KWb / b[PF_KW];
			b[PF_Z + 1] *= KWb / b[PF_KW];
		}
	}
	a[PF_N] += b[PF_N];
	for (int s = PF_W; s <= PF_S2; s += 2)
	{
		neumaier_add(&a[s], &a[s + 1], b[s]);
		a[s + 1] += b[s + 1];
	}
	neumaier_add(&a[PF_Z], &a[PF_Z + 1], b[PF_Z]);
	a[PF_Z + 1] += b[PF_Z + 1];
	PG_RETURN_ARRAYTYPE_P(arr);
}

/* GE(alpha) or Atkinson(1 - alpha) of a PF_NEAR state (see PF_NEAR) */
static double
near_index(const double *st, bool atkinson)
{
	double		alpha = st[PF_ALPHA];
	int			c = near_c(alpha);
	double		d = st[PF_D],
				W = pf_sum(st, PF_W),
				S1 = pf_sum(st, PF_S1),
				S2 = pf_sum(st, PF_S2),
				Z = pf_sum(st, PF_Z),
				lm = log(S1 / W),
				G,
				g;

	if (c == 0 && Z > 0.0)
	{
		/*
		 * Zeros with a small alpha > 0: mean (x/mu)^alpha - 1 is near -Z/W,
		 * not near 0, so there is nothing to cancel; take it directly.
		 */
		g = exp(-d * lm) * (d * (S2 / W) - Z / W) + expm1(-d * lm);
		if (atkinson)
			return -expm1(log1p(g) / alpha);
		return g / (alpha * (alpha - 1.0));
	}
	G = exp(-d * lm) * (S2 / (c ? S1 : W)) + expm1_over(d, -lm);
	if (atkinson)
		return -expm1(c ? log1p(d * G) / alpha : log1p_over(alpha, G));
	return c ? G / alpha : G / (alpha - 1.0);
}

PG_FUNCTION_INFO_V1(medres_ge_final);
Datum
medres_ge_final(PG_FUNCTION_ARGS)
{
	double		st[PF_LEN_P];
	double		v;

	pf_state_copy(fcinfo, 0, st);

	if (!pf_check_final(st))
		PG_RETURN_NULL();
	v = (int) st[PF_MODE] == PF_NEAR ? near_index(st, false) :
		power_ge((int) st[PF_MODE], st[PF_ALPHA], (const PowerSums *) &st[PF_W], st[PF_K], st[PF_K2]);
	medres_check_result("generalized entropy", v);
	/* GE >= 0 for every alpha (Jensen); equal values can round to -1e-17 */
	PG_RETURN_FLOAT8(Max(v, 0.0));
}

PG_FUNCTION_INFO_V1(medres_atkinson_final);
Datum
medres_atkinson_final(PG_FUNCTION_ARGS)
{
	double		st[PF_LEN_P];
	double		v;

	pf_state_copy(fcinfo, 0, st);

	if (!pf_check_final(st))
		PG_RETURN_NULL();
	v = (int) st[PF_MODE] == PF_NEAR ? near_index(st, true) :
		power_atkinson((int) st[PF_MODE], st[PF_ALPHA], (const PowerSums *) &st[PF_W], st[PF_K], st[PF_K2]);
	medres_check_result("Atkinson index", v);
	/* 0 <= A <= 1 (the power mean lies between 0 and the mean); keep rounding inside */
	PG_RETURN_FLOAT8(Min(Max(v, 0.0), 1.0));
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
#define CV_LEN	6				/* as INITCOND gives it */
#define CV_KW	6				/* weight scale, see WEIGHT_RESCALE_ABOVE */
#define CV_LEN_W 7

static void
cv_rescale(double *st, double newK)
{
	double		r = st[CV_K] / newK;

	st[CV_MEAN] *= r;
	st[CV_M2] *= r * r;
	st[CV_K] = newK;
}

/* w in units of the state's weight scale; W, its compensation and M2 are linear in it */
static double
cv_scaled_weight(double *st, double w)
{
	double		sums[3] = {st[CV_W], st[CV_W + 1], st[CV_M2]};

	w = scaled_weight(w, &st[CV_KW], sums, 3);
	st[CV_W] = sums[0];
	st[CV_W + 1] = sums[1];
	st[CV_M2] = sums[2];
	return w;
}

/* bring b's and a's weight scales together (see common_weight_scale) */
static void
cv_common_weight_scale(double *a, double *b)
{
	double		sa[3] = {a[CV_W], a[CV_W + 1], a[CV_M2]};
	double		sb[3] = {b[CV_W], b[CV_W + 1], b[CV_M2]};

	common_weight_scale(&a[CV_KW], sa, &b[CV_KW], sb, 3);
	a[CV_W] = sa[0];
	a[CV_W + 1] = sa[1];
	a[CV_M2] = sa[2];
	b[CV_W] = sb[0];
	b[CV_W + 1] = sb[1];
	b[CV_M2] = sb[2];
}

PG_FUNCTION_INFO_V1(medres_cv_trans);
Datum
medres_cv_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array_w(fcinfo, 0, CV_LEN, CV_LEN_W, CV_W, &arr);
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
	w = cv_scaled_weight(st, w);
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
	double	   *a = state_array_w(fcinfo, 0, CV_LEN, CV_LEN_W, CV_W, &arr);
	double		b[CV_LEN_W];
	double		Wa,
				Wb,
				W,
				delta;

	state_copy_w(fcinfo, 1, CV_LEN, CV_LEN_W, CV_W, b);
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
	cv_common_weight_scale(a, b);
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
	const double *st = state_array_ro(fcinfo, 0, -CV_LEN);
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
	medres_check_memory(nelems * sizeof(double), "the hoover state");
	a = (ArrayType *) palloc(ARR_OVERHEAD_NONULLS(1) + nelems * sizeof(double));
	SET_VARSIZE(a, ARR_OVERHEAD_NONULLS(1) + nelems * sizeof(double));
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) nelems;
	ARR_LBOUND(a)[0] = 1;

	/*
	 * Copy the live pairs and zero the rest in slices of 1M elements, so
	 * that a state of hundreds of MB answers cancel while it grows.
	 */
	{
		double	   *d = (double *) ARR_DATA_PTR(a);
		Size		used = st ? HV_HEADER + 2 * (Size) st[HV_N] : 0;
		const Size	slice = (Size) 1 << 20;

		for (Size i = 0; i < nelems; i += slice)
		{
			Size		end = Min(i + slice, nelems);

			if (i < used)
				memcpy(d + i, st + i, (Min(end, used) - i) * sizeof(double));
			if (end > used)
				memset(d + Max(i, used), 0, (end - Max(i, used)) * sizeof(double));
			CHECK_FOR_INTERRUPTS();
		}
	}
	return a;
}

static inline int
hv_capacity(ArrayType *a)
{
	return (ARR_DIMS(a)[0] - HV_HEADER) / 2;
}

/* the header of a Hoover state of `nelems` elements: whole counts 0 <= head <= n <= capacity */
static void
hv_check_header(const double *st, int nelems)
{
	double		cap = (nelems - HV_HEADER) / 2;

	if (!(st[HV_N] >= 0.0 && st[HV_N] <= cap && st[HV_N] == floor(st[HV_N]) &&
		  st[HV_HEAD] >= 0.0 && st[HV_HEAD] <= st[HV_N] && st[HV_HEAD] == floor(st[HV_HEAD])))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid medres aggregate state"),
				 errdetail("The Hoover state's counts do not fit its %d elements.", nelems)));
}

/* the live pairs of a Hoover state are what the transition stores: finite, non-negative */
static void
hv_check_pairs(const double *pairs, Size n)
{
	for (Size i = 0; i < 2 * n; i++)
	{
		if (!(pairs[i] >= 0.0 && pairs[i] <= DBL_MAX))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid medres aggregate state"),
					 errdetail("A value or weight of the Hoover state is negative or not finite.")));
		if ((i & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
}

PG_FUNCTION_INFO_V1(medres_hoover_trans);
Datum
medres_hoover_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	double	   *st = state_array(fcinfo, 0, -HV_HEADER, &arr);
	double		x = PG_GETARG_FLOAT8(1);
	double		w = PG_NARGS() > 2 ? PG_GETARG_FLOAT8(2) : 1.0;
	Size		n;

	hv_check_header(st, ARR_DIMS(arr)[0]);
	n = (Size) st[HV_N];

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
	Size		n,
				head;

	hv_check_header(st, ARR_DIMS(arr)[0]);
	n = (Size) st[HV_N];
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
	Size		na,
				bhead,
				nb;

	hv_check_header(a, ARR_DIMS(arr)[0]);
	hv_check_header(b, ARR_DIMS(PG_GETARG_ARRAYTYPE_P(1))[0]);
	na = (Size) a[HV_N];
	bhead = (Size) b[HV_HEAD];
	nb = (Size) b[HV_N] - bhead;
	hv_check_pairs(&b[HV_HEADER + 2 * bhead], nb);

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

/*
 * w v in units of 2^E, without forming w v (which may overflow or
 * underflow where w v / 2^E does not): frexp mantissas times 2^(ew + ev - E).
 */
static inline double
scaled_product(double w, double v, int E)
{
	int			ew,
				ev;
	double		mw = frexp(w, &ew),
				mv = frexp(v, &ev);

	return ldexp(mw * mv, ew + ev - E);
}

/*
 * Hoover index of n (x, w) pairs: H = sum w |x - mu| / (2 sum w x).
 *
 * The sums are taken in units that keep them finite and keep every row's
 * share: sum w in units of Kw (a power of two below the largest weight),
 * and sum w x and sum w |x - mu| in units of 2^E, E the largest exponent of
 * a product w x.  A row of weight 1e-20 and value 1e300 next to one of
 * weight 1e308 and value 1e-300 holds nearly all of the resource; scaling
 * w and x separately would lose it (w / 1e308 underflows).  mu itself
 * (at most the largest x) is a plain double; |x - mu| <= max(x, mu), so the
 * deviations are products of the same size as w x or w mu.
 */
static double
hoover_index(const double *pairs, Size n)
{
	double		wmax = 0.0,
				W = 0.0,
				Wc = 0.0,
				M = 0.0,
				Mc = 0.0,
				D = 0.0,
				Dc = 0.0,
				mu;
	int			E = INT_MIN;

	for (Size i = 0; i < n; i++)
	{
		double		x = pairs[2 * i],
					w = pairs[2 * i + 1];

		wmax = Max(wmax, w);
		if (w > 0.0 && x > 0.0)
			E = Max(E, ilogb(w) + ilogb(x) + 2);	/* frexp's exponents are ilogb + 1 */
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (wmax <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero")));
	if (E == INT_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all values are zero"),
				 errdetail("The Hoover index is undefined when the mean is zero.")));
	wmax = pow2_scale(wmax);
	for (Size i = 0; i < n; i++)
	{
		double		x = pairs[2 * i],
					w = pairs[2 * i + 1];

		neumaier_add(&W, &Wc, w / wmax);
		if (w > 0.0 && x > 0.0)
			neumaier_add(&M, &Mc, scaled_product(w, x, E));
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	W += Wc;
	M += Mc;
	/* mu = (M 2^E) / (W wmax), at most the largest x: no overflow; a tiny mu may round to 0 */
	mu = ldexp(M / W, E - ilogb(wmax));
	for (Size i = 0; i < n; i++)
	{
		double		w = pairs[2 * i + 1],
					dev = fabs(pairs[2 * i] - mu);

		if (w > 0.0 && dev > 0.0)
			neumaier_add(&D, &Dc, scaled_product(w, dev, E));
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return Min((D + Dc) / (2.0 * M), 1.0);
}

PG_FUNCTION_INFO_V1(medres_hoover_final);
Datum
medres_hoover_final(PG_FUNCTION_ARGS)
{
	const double *st = state_array_ro(fcinfo, 0, -HV_HEADER);
	Size		head;

	hv_check_header(st, ARR_DIMS(PG_GETARG_ARRAYTYPE_P(0))[0]);
	head = (Size) st[HV_HEAD];
	if (st[HV_N] - head == 0.0)
		PG_RETURN_NULL();
	hv_check_pairs(st + HV_HEADER + 2 * head, (Size) st[HV_N] - head);
	PG_RETURN_FLOAT8(hoover_index(st + HV_HEADER + 2 * head, (Size) st[HV_N] - head));
}
