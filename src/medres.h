/*
 * medres.h — helpers shared by every medres family.
 *
 * The family files (streaming.c, gini.c, decomposition.c, ...) hold the
 * mathematics in plain C functions over arrays and keep the fmgr glue thin;
 * what they have in common lives here: compensated sums, argument checks
 * that raise the project's standard errors, and the radix sort of
 * value/weight records used by the rank-based measures.
 */
#ifndef MEDRES_H
#define MEDRES_H

#include "postgres.h"
#include "fmgr.h"

#include <math.h>

/*
 * Neumaier's variant of Kahan summation: *sum holds the running total and
 * *comp the low-order part lost so far; the true sum is *sum + *comp.
 * Unlike plain Kahan it stays exact when an addend is larger than the sum,
 * which matters for skewed health data (one huge province among small ones)
 * and when a state is combined with another of a different magnitude.
 */
static inline void
neumaier_add(double *sum, double *comp, double x)
{
	double		t = *sum + x;

	if (fabs(*sum) >= fabs(x))
		*comp += (*sum - t) + x;
	else
		*comp += (x - t) + *sum;
	*sum = t;
}

/* Map a double to an unsigned key whose unsigned order is the numeric order. */
static inline uint64
double_sort_key(double d)
{
	uint64		u;

	memcpy(&u, &d, sizeof(u));
	return (u & UINT64CONST(0x8000000000000000)) ? ~u : (u | UINT64CONST(0x8000000000000000));
}

/* A value and its weight: the record the Gini and Lorenz states sort. */
typedef struct XW
{
	double		x;
	double		w;
} XW;

/* A health value h, its ranking variable r and a weight (concentration index). */
typedef struct RHW
{
	double		r;
	double		h;
	double		w;
} RHW;

/*
 * The sums behind every generalized-entropy index (streaming.c and the
 * group decomposition): for y = x/K with a reference scale K,
 * W = sum w, S1 = sum w y, S2 = sum w phi(y), each with its Neumaier
 * compensation.  phi is ln y (GE(0)), y ln y (GE(1)) or y^alpha.
 */
#define PHI_LOG		0
#define PHI_XLOGX	1
#define PHI_POW		2
#define RESCALE_ABOVE 1e100

typedef struct PowerSums
{
	double		W,
				Wc,
				S1,
				S1c,
				S2,
				S2c;
} PowerSums;

static inline double
power_phi(int mode, double alpha, double y)
{
	switch (mode)
	{
		case PHI_LOG:
			return log(y);
		case PHI_XLOGX:
			return y > 0.0 ? y * log(y) : 0.0;
		default:
			if (alpha == 2.0)
				return y * y;
			if (alpha == 0.5)
				return sqrt(y);
			if (alpha == -1.0)
				return 1.0 / y;
			return pow(y, alpha);
	}
}

extern void power_sums_rescale(PowerSums *s, int mode, double alpha, double r, double log_r);
extern double power_ge(int mode, double alpha, double W, double S1, double S2);

/* sort.c */
extern void medres_sort_xw(XW *a, Size n);
extern void medres_sort_rhw(RHW *a, Size n);

/* numeric.c — argument checks; each raises 22023 naming the argument. */
extern void medres_check_finite(const char *argname, double v);
extern void medres_check_nonnegative(const char *argname, double v);
extern void medres_check_weight(double w);
extern void medres_check_param_constant(const char *argname, double prev, double cur);
extern void medres_check_result(const char *measure, double v);
extern char *medres_float_text(double v);
extern void *medres_alloc_huge(MemoryContext cxt, Size nmemb, Size size, const char *what);

#endif							/* MEDRES_H */
