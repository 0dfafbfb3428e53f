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
medres_check_finite(const char *argname, double v)
{
	if (unlikely(isnan(v) || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for %s: \"%s\"", argname, medres_float_text(v)),
				 errdetail("The %s must be a finite number.", argname)));
}

void
medres_check_nonnegative(const char *argname, double v)
{
	if (unlikely(!(v >= 0.0) || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for %s: \"%s\"", argname, medres_float_text(v)),
				 errdetail("The %s must be a finite, non-negative number.", argname)));
}

void
medres_check_weight(double w)
{
	if (unlikely(!(w >= 0.0) || isinf(w)))
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
 * Re-express power sums in y' = r y (r = K/newK, log_r = ln r):
 * sum w y' = r S1;  sum w y'^a = r^a S2;  sum w y' ln y' = r (S2 + ln r S1);
 * sum w ln y' = S2 + W ln r.  Compensation terms scale the same way.
 */
void
power_sums_rescale(PowerSums *s, int mode, double alpha, double r, double log_r)
{
	switch (mode)
	{
		case PHI_LOG:
			s->S2 += s->W * log_r;
			s->S2c += s->Wc * log_r;
			break;
		case PHI_XLOGX:
			s->S2 = r * (s->S2 + log_r * s->S1);
			s->S2c = r * (s->S2c + log_r * s->S1c);
			break;
		default:
			{
				double		ra = exp(alpha * log_r);

				s->S2 *= ra;
				s->S2c *= ra;
			}
	}
	s->S1 *= r;
	s->S1c *= r;
}

/*
 * GE(alpha) from power sums (the scale K cancels):
 *   GE(0) = ln mu - mean ln y;  GE(1) = S2/S1 - ln mu;
 *   GE(a) = (mean y^a / mu^a - 1) / (a (a - 1)).
 */
double
power_ge(int mode, double alpha, double W, double S1, double S2)
{
	double		mu = S1 / W;

	switch (mode)
	{
		case PHI_LOG:
			return log(mu) - S2 / W;
		case PHI_XLOGX:
			return S2 / S1 - log(mu);
		default:
			return (S2 / W / pow(mu, alpha) - 1.0) / (alpha * (alpha - 1.0));
	}
}
