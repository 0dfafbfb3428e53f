/*
 * numeric.c — argument checks and allocation helpers shared by all families.
 *
 * Every check raises ERRCODE_INVALID_PARAMETER_VALUE (22023) with a message
 * that names the argument and quotes the offending value, so that a bad row
 * in a million-row table can be found from the error alone.
 */
#include "medres.h"

#include <sys/mman.h>

#include "miscadmin.h"
#include "utils/builtins.h"
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
			 errmsg("invalid value for argument \"%s\": \"%s\"", argname, medres_float_text(v)),
			 errdetail("Argument %s must be a finite number.", argname)));
}

void
medres_report_negative(const char *argname, double v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for argument \"%s\": \"%s\"", argname, medres_float_text(v)),
			 errdetail("Argument %s must be a finite, non-negative number.", argname)));
}

void
medres_report_bad_weight(double w)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for argument \"weight\": \"%s\"", medres_float_text(w)),
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

/*
 * An option given as text: the index of `value` among the NULL-terminated
 * `names`, `dflt` for a NULL value, or 22023 naming the argument, with
 * `hint` listing the valid values.
 */
int
medres_parse_option(text *value, const char *argname, const char *const *names,
					int dflt, const char *hint)
{
	char	   *s;

	if (value == NULL)
		return dflt;
	s = text_to_cstring(value);
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for argument \"%s\": \"%s\"", argname, s),
			 errhint("%s", hint)));
	return dflt;
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
 * A weighted measure whose sums are scaled by powers of two can still come
 * out not finite when values and weights together span more than the double
 * range (a resource of 1e-321 per person beside 2000 per person, weights
 * from 5e-324 to 100: every product of one side underflows); that is an
 * error, never the value.
 */
void
medres_check_span_result(const char *measure, double v)
{
	if (unlikely(!isfinite(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of the range of double precision", measure),
				 errdetail("The values and weights span more than double precision can hold in one sum."),
				 errhint("Rescale the values or the weights.")));
}

/* Fill in the tag that starts a serialized state (see medres.h). */
void
medres_state_tag(MedresStateTag *tag, int kind, int version)
{
	tag->magic = MEDRES_STATE_MAGIC;
	tag->kind = (uint16) kind;
	tag->version = (uint16) version;
}

/* Reject the bytes of something that is not a valid serialized state. */
void
medres_state_invalid(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid medres aggregate state"),
			 errdetail("%s", detail)));
}

/*
 * Check the tag of a serialized state of len bytes whose fixed header is
 * `header` bytes: it must be at least that long, and name a kind in
 * [kind_lo, kind_hi] at this layout version.  Returns the kind.
 */
int
medres_state_check(const char *data, Size len, Size header, int kind_lo, int kind_hi, int version)
{
	MedresStateTag tag;

	if (len < header || len < sizeof(tag))
		medres_state_invalid("The state is shorter than its header.");
	memcpy(&tag, data, sizeof(tag));
	if (tag.magic != MEDRES_STATE_MAGIC)
		medres_state_invalid("The bytes are not a medres aggregate state.");
	if (tag.kind < kind_lo || tag.kind > kind_hi)
		medres_state_invalid("The state belongs to a different medres aggregate.");
	if (tag.version != version)
		medres_state_invalid("The state was written by a different version of medres.");
	return tag.kind;
}

/*
 * Large arrays ask the kernel for transparent huge pages (Linux,
 * madvise(MADV_HUGEPAGE); a no-op where THP is off or absent).  The first
 * write to each 4 kB page of a fresh allocation is a page fault; on the
 * virtual machines this project runs on a fault costs about 10 us, so a
 * 160 MB Gini state spent ~0.4 s in faults alone, more than its sort.  One
 * fault per 2 MB page instead makes that negligible.  The advice covers the
 * whole pages the chunk occupies, so the kernel's mapping of a large chunk
 * is not split in two and a later repalloc can still grow it in place.
 * Only the page size of future faults changes: the contents and the
 * memory accounting stay as they are, and an error of madvise is ignored.
 */
#define ADVISE_HUGE_FROM	((Size) 4 * 1024 * 1024)

static void *
advise_huge(void *p, Size len)
{
#ifdef MADV_HUGEPAGE
	if (len >= ADVISE_HUGE_FROM)
	{
		uintptr_t	from = (uintptr_t) p & ~(uintptr_t) 4095,
					to = ((uintptr_t) p + len + 4095) & ~(uintptr_t) 4095;

		(void) madvise((void *) from, to - from, MADV_HUGEPAGE);
	}
#endif
	return p;
}

/* The overflow check of an array's size: a clean 54000 instead of a wrapped-around small request. */
static Size
huge_size(Size nmemb, Size size, const char *what)
{
	if (nmemb > 0 && size > MaxAllocHugeSize / nmemb)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs more memory than can be allocated", what),
				 errdetail("%zu items of %zu bytes were requested.", (size_t) nmemb, (size_t) size)));
	return Max(nmemb * size, 1);
}

/* Allocate an array that may exceed 1 GB (a Gini over 100 million rows). */
void *
medres_alloc_huge(MemoryContext cxt, Size nmemb, Size size, const char *what)
{
	Size		len = huge_size(nmemb, size, what);

	return advise_huge(MemoryContextAllocHuge(cxt, len), len);
}

/* Grow (or shrink) an array made by medres_alloc_huge; its contents are kept. */
void *
medres_realloc_huge(void *p, Size nmemb, Size size, const char *what)
{
	Size		len = huge_size(nmemb, size, what);

	return advise_huge(repalloc_huge(p, len), len);
}

/* A large buffer from palloc (a serialized state), given the same advice. */
void *
medres_palloc_advised(Size len)
{
	return advise_huge(palloc(len), len);
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
 * The order alpha of a generalized entropy: finite and at most
 * GE_ALPHA_MAX.  The power sums keep each term (x/K2)^alpha below 1e100 by
 * moving K2 to the power of two below x; at that scale a term is below
 * 2^alpha, which for alpha <= 256 (2^256 = 1.2e77) always fits.  Beyond it
 * the sums could not hold a finite index (alpha = 2000 on values 1.9 and
 * 1.8 gives GE near 1e17 although 1.9^2000 overflows), so such orders are
 * refused rather than answered wrongly.  Negative orders need no bound.
 */
void
medres_check_ge_alpha(double alpha)
{
	medres_check_finite("alpha", alpha);
	if (alpha > GE_ALPHA_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"alpha\": \"%s\"", medres_float_text(alpha)),
				 errdetail("The order of a generalized entropy must be at most 256.")));
}

/*
 * The scale that power_terms asks to move to for x: pow2_scale(x).  If the
 * scale is there already, x's term exceeds the bound even at the best
 * scale ((x/K2)^alpha for |alpha| of 1e200, say), so the index is beyond
 * double precision: 22003 instead of moving the scale forever.
 */
double
power_next_scale(int which, double K1, double K2, double x, double alpha)
{
	double		newK = pow2_scale(x);

	if ((which == SCALE_MEAN ? K1 : K2) == newK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the generalized entropy of order %s is out of the range of double precision",
						medres_float_text(alpha)),
				 errdetail("The term of value %s overflows at every scale.", medres_float_text(x)),
				 errhint("Choose a parameter of smaller magnitude.")));
	return newK;
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

/*
 * The standard normal quantile, Wichura's algorithm AS 241 (PPND16),
 * accurate to about 1e-16 relative over (0, 1).
 */
double
medres_normal_quantile(double p)
{
	double		q = p - 0.5,
				r,
				x;

	if (fabs(q) <= 0.425)
	{
		r = 0.180625 - q * q;
		return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r +
						 67265.770927008700853) * r + 45921.953931549871457) * r +
					   13731.693765509461125) * r + 1971.5909503065514427) * r +
					 133.14166789178437745) * r + 3.387132872796366608) /
			(((((((r * 5226.495278852545925 + 28729.085735721942674) * r +
				  39307.89580009271061) * r + 21213.794301586595867) * r +
				5394.1960214247511077) * r + 687.1870074920579083) * r +
			  42.313330701600911252) * r + 1.0);
	}
	r = q < 0.0 ? p : 1.0 - p;
	r = sqrt(-log(r));
	if (r <= 5.0)
	{
		r -= 1.6;
		x = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r +
				  0.24178072517745061177) * r + 1.27045825245236838258) * r +
				3.64784832476320460504) * r + 5.7694972214606914055) * r +
			  4.6303378461565452959) * r + 1.42343711074968357734) /
			(((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
				  0.0151986665636164571966) * r + 0.14810397642748007459) * r +
				0.68976733498510000455) * r + 1.6763848301838038494) * r +
			  2.05319162663775882187) * r + 1.0);
	}
	else
	{
		r -= 5.0;
		x = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r +
				  0.0012426609473880784386) * r + 0.026532189526576123093) * r +
				0.29656057182850489123) * r + 1.7848265399172913358) * r +
			  5.4637849111641143699) * r + 6.6579046435011037772) /
			(((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
				  1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
				0.0148753612908506148525) * r + 0.13692988092273580531) * r +
			  0.59983220655588793769) * r + 1.0);
	}
	return q < 0.0 ? -x : x;
}

/*
 * Continued fraction of the regularized incomplete beta function
 * (modified Lentz), good where x < (a + 1)/(a + b + 2).
 */
static double
incomplete_beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double		c = 1.0,
				d = 1.0 - (a + b) * x / (a + 1.0),
				h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (int m = 1; m <= 10000; m++)
	{
		double		m2 = 2.0 * m,
					num,
					delta;

		num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
		d = 1.0 + num * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1.0 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1.0 / d;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
		d = 1.0 + num * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1.0 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1.0 / d;
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1.0) < 1e-16)
			break;
	}
	return h;
}

/* I_x(a, b), the regularized incomplete beta function */
static double
incomplete_beta(double a, double b, double x)
{
	double		front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * incomplete_beta_cf(a, b, x) / a;
	return 1.0 - front * incomplete_beta_cf(b, a, 1.0 - x) / b;
}

/*
 * P(F > f) for Snedecor's F with (df1, df2) degrees of freedom:
 * I_{df2/(df2 + df1 f)}(df2/2, df1/2), taken directly (not as 1 - CDF), so
 * tiny p-values keep their relative accuracy.
 */
double
medres_f_upper_tail(double f, double df1, double df2)
{
	if (f <= 0.0)
		return 1.0;
	if (isinf(f))
		return 0.0;
	return incomplete_beta(df2 / 2.0, df1 / 2.0, df2 / (df2 + df1 * f));
}

/*
 * Ranks 1..n of x in ascending order, ties given the average of their
 * ranks.  The records may exceed 1 GB (partitions of many millions of
 * rows); the loops answer cancel, and so does the sort.  The values are sorted with the radix sort of sort.c, carrying
 * each value's position in the weight slot of an (x, w) record.
 */
void
medres_average_ranks(const double *x, int n, double *ranks)
{
	XW		   *rec = medres_alloc_huge(CurrentMemoryContext, n, sizeof(XW), "the ranking");
	int			i = 0;

	for (int k = 0; k < n; k++)
	{
		rec[k].x = x[k] + 0.0;	/* -0.0 ties with +0.0 */
		rec[k].w = k;
		if ((k & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	medres_sort_records(rec, n, sizeof(XW));
	while (i < n)
	{
		int			j = i;
		double		avg;

		while (j + 1 < n && rec[j + 1].x == rec[i].x)
			j++;
		avg = (i + j) / 2.0 + 1.0;
		for (int k = i; k <= j; k++)
			ranks[(int) rec[k].w] = avg;
		i = j + 1;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	pfree(rec);
}
