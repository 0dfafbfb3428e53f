/*
 * numeric.c — argument checks and allocation helpers shared by all families.
 *
 * Every check raises ERRCODE_INVALID_PARAMETER_VALUE (22023) with a message
 * that names the argument and quotes the offending value, so that a bad row
 * in a million-row table can be found from the error alone.
 */
#include "medres.h"

#include "utils/float.h"
#include "utils/memutils.h"

/* The shortest text that reads back as the same double ("NaN", "-Infinity" too). */
char *
medres_float_text(double v)
{
	return float8out_internal(v);
}

void
medres_report_not_finite(const char *argname, double v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for %s: \"%s\"", argname, medres_float_text(v)),
			 errdetail("Argument %s must be a finite number.", argname)));
}

void
medres_report_negative(const char *argname, double v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for %s: \"%s\"", argname, medres_float_text(v)),
			 errdetail("Argument %s must be a finite, non-negative number.", argname)));
}

void
medres_report_bad_weight(double w)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for weight: \"%s\"", medres_float_text(w)),
			 errdetail("Weights must be finite and non-negative.")));
}

/*
 * Parameters such as alpha or epsilon arrive with every row; a query that
 * varies them within one group would silently mix two measures.
 */
void
medres_check_param_constant(const char *argname, double prev, double cur)
{
	if (unlikely(prev != cur))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same for every row of a group", argname),
				 errdetail("Found %s = \"%s\" after %s = \"%s\".", argname,
						   medres_float_text(cur), argname, medres_float_text(prev))));
}

/* A final result that overflowed the double range is an error, never a silent Infinity. */
void
medres_check_result(const char *measure, double v)
{
	if (unlikely(isnan(v) || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of the range of double precision", measure),
				 errhint("Rescale the values or choose a parameter of smaller magnitude.")));
}

/*
 * Allocate an array that may exceed 1 GB (a Gini over 100 million rows).
 * The request is checked for overflow first so that an absurd size becomes
 * a clean 54000 error instead of a wrapped-around small allocation.
 */
void *
medres_alloc_huge(MemoryContext cxt, Size nmemb, Size size, const char *what)
{
	if (nmemb > 0 && size > MaxAllocHugeSize / nmemb)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs more memory than can be allocated", what),
				 errdetail("%zu items of %zu bytes were requested.", (size_t) nmemb, (size_t) size)));
	return MemoryContextAllocHuge(cxt, Max(nmemb * size, 1));
}

/*
 * Re-express power sums after one scale moves from oldK to newK; with
 * r = oldK/newK:  sum w y' = r S1;  sum w y' ln y' = r (S2 + ln r S1);
 * sum w ln y' = S2 + W ln r;  sum w (x/K2')^a = r^a S2.
 * Compensation terms scale the same way.
 */
void
power_sums_rescale(PowerSums *s, int mode, double alpha, int which, double oldK, double newK)
{
	double		r = oldK / newK;
	double		lr = log(oldK) - log(newK);

	if (which == SCALE_POWER)
	{
		double		ra = exp(alpha * lr);

		if (mode != PHI_POW)
			return;				/* only the power sum has a scale of its own */

		s->S2 *= ra;
		s->S2c *= ra;
		return;
	}
	if (mode == PHI_LOG)
	{
		s->S2 += s->W * lr;
		s->S2c += s->Wc * lr;
	}
	else if (mode == PHI_XLOGX)
	{
		s->S2 = r * (s->S2 + lr * s->S1);
		s->S2c = r * (s->S2c + lr * s->S1c);
	}
	s->S1 *= r;
	s->S1c *= r;
}

/*
 * When two states meet (combine), the one whose sums shrink under the
 * move is brought to the other's scale.  Returns which state (1 = a, 2 = b)
 * must be rescaled to the other's K, or 0 if they agree.
 */
int
power_common_scale(int mode, double alpha, int which, double Ka, double Kb)
{
	bool		larger_wins = (which == SCALE_MEAN) || alpha > 0.0;

	if (Ka == Kb || Kb == 0.0 || (which == SCALE_POWER && mode != PHI_POW))
		return 0;
	if (Ka == 0.0)
		return 1;
	if (larger_wins)
		return Kb > Ka ? 1 : 2;
	return Kb < Ka ? 1 : 2;
}

/*
 * GE(alpha) from power sums:
 *   GE(0) = ln mu - mean ln y;  GE(1) = S2/S1 - ln mu  (y = x/K1, K1 cancels);
 *   GE(a) = (mean (x/mu)^a - 1) / (a (a - 1)),  mean (x/mu)^a = (S2/W) (K2/K1)^a / (S1/W)^a,
 * taken through logarithms only when the scales differ, where it could overflow.
 */
double
power_ge(int mode, double alpha, const PowerSums *s, double K1, double K2)
{
	double		W = s->W + s->Wc;
	double		S1 = s->S1 + s->S1c;
	double		S2 = s->S2 + s->S2c;
	double		mu = S1 / W;
	double		m;

	switch (mode)
	{
		case PHI_LOG:
			return log(mu) - S2 / W;
		case PHI_XLOGX:
			return S2 / S1 - log(mu);
		default:
			if (K1 == K2)
				m = S2 / W / pow(mu, alpha);
			else
				m = exp(log(S2 / W) + alpha * (log(K2) - log(K1)) - alpha * log(mu));
			return (m - 1.0) / (alpha * (alpha - 1.0));
	}
}

/*
 * Atkinson(e) = 1 - M / mu with M the power mean of order 1 - e (the
 * geometric mean for e = 1); alpha here is 1 - e.  It lies in [0, 1] even
 * where GE(alpha) overflows, so the ratio is taken through logarithms
 * when the scales differ.
 */
double
power_atkinson(int mode, double alpha, const PowerSums *s, double K1, double K2)
{
	double		W = s->W + s->Wc;
	double		mu = (s->S1 + s->S1c) / W;
	double		S2 = s->S2 + s->S2c;

	if (mode == PHI_LOG)
		return 1.0 - exp(S2 / W) / mu;
	if (K1 == K2)
		return 1.0 - pow(S2 / W, 1.0 / alpha) / mu;
	return 1.0 - exp(log(S2 / W) / alpha + log(K2) - log(K1) - log(mu));
}
