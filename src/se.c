/*
 * se.c — for the interval aggregates (uncertainty.c, doc/uncertainty.md):
 * the rows in canonical order scaled and given the features of their
 * measure, the point estimates, and the analytic standard errors by
 * linearisation.  Plain C over arrays; bootstrap.c draws the replicates.
 *
 * Scaling.  Values are divided by a power of two near their largest, and
 * weights by one near their total (see VALUE_LOG2), so exact scaling changes
 * no digit; the indices are free of both units.
 */
#include "medres.h"

#include "miscadmin.h"

#define VALUE_LOG2	400			/* values are scaled to near 2^400 (see scale_weights) */
#define WEIGHT_LOG2 100			/* the weights' total to near 2^100 */

/*
 * Each pass over the rows below is a plain loop of a few nanoseconds per
 * row, so checking for cancel before every pass answers within a second
 * even for 100 million rows.  (unc_moments and unc_ge_phi run in helper
 * threads too, and do not.)
 */

/* ---- generalized entropy from moments ---- */

/*
 * With y = x/mu0 (mu0 the sample mean, so the features are near 1),
 * m1 = sum w y / W and m2 = sum w phi(y) / W:
 *   general:  phi = (y/s)^a,        GE = expm1(ln m2 + a ln s - a ln m1) / (a (a - 1));
 *   near 1:   phi = y E_d(ln y),    GE = (m1^(-d-1) m2 + E_d(-ln m1)) / a;
 *   near 0:   phi = E_d(ln y),      GE = (m1^-d m2 + E_d(-ln m1)) / (a - 1),
 * E_d(t) = expm1(d t)/d, from E_d(t - s) = e^(-d s) E_d(t) + E_d(-s) with
 * s = ln m1, the replicate's mean in units of mu0.  d = 0 gives Theil T
 * (m2/m1 - ln m1) and the MLD (ln m1 - m2) exactly.  In the general mode
 * the power is taken of y/s, s the largest y (alpha > 0) or the smallest
 * (alpha < 0), so that no term exceeds 1 and the extreme one is 1, even
 * for |alpha| of 1e300 (Atkinson with a huge epsilon), and the moments are
 * combined through logarithms: Atkinson is then 1 - (min y)/m1 in the limit,
 * as it should, and a GE beyond double precision is an error, not Infinity.
 */
double
unc_ge_phi(const BootData *b, double y)
{
	switch (b->ge_mode)
	{
		case GE_NEAR1:
			return y > 0.0 ? y * expm1_over(b->d, log(y)) : 0.0;
		case GE_NEAR0:
			return expm1_over(b->d, log(y));
		default:
			return y > 0.0 ? exp(b->alpha * (log(y) - b->ls)) : 0.0;
	}
}

double
unc_ge_of_moments(const BootData *b, double m1, double m2)
{
	double		a = b->alpha,
				d = b->d;

	switch (b->ge_mode)
	{
		case GE_NEAR1:
			return (exp((-d - 1.0) * log(m1)) * m2 + expm1_over(d, -log(m1))) / a;
		case GE_NEAR0:
			return (exp(-d * log(m1)) * m2 + expm1_over(d, -log(m1))) / (a - 1.0);
		default:
			return expm1(log(m2) + a * (b->ls - log(m1))) / (a * (a - 1.0));
	}
}

/* dGE/dm1 and dGE/dm2 at (m1, m2) */
static void
ge_gradient(const BootData *b, double m1, double m2, double *g1, double *g2)
{
	double		a = b->alpha,
				d = b->d;

	switch (b->ge_mode)
	{
		case GE_NEAR1:
			*g2 = exp((-d - 1.0) * log(m1)) / a;
			*g1 = (-(d + 1.0) * exp((-d - 2.0) * log(m1)) * m2 - exp((-d - 1.0) * log(m1))) / a;
			break;
		case GE_NEAR0:
			*g2 = exp(-d * log(m1)) / (a - 1.0);
			*g1 = -exp((-d - 1.0) * log(m1)) * (d * m2 + 1.0) / (a - 1.0);
			break;
		default:
			*g2 = exp(a * (b->ls - log(m1))) / (a * (a - 1.0));
			*g1 = -exp(log(m2) + a * b->ls - (a + 1.0) * log(m1)) / (a - 1.0);
	}
}

/*
 * Atkinson(1 - alpha) = 1 - M/m1, M = (mean y^alpha)^(1/alpha) the power
 * mean, taken through logarithms in the general mode (so a huge epsilon
 * gives 1 - min/mean, not the 1 of an overflowed GE), and from GE near
 * alpha = 0 and 1, where GE is accurate and A = 1 - Q^(1/alpha) with
 * Q = 1 + alpha (alpha - 1) GE; 1 - exp(-GE) at alpha = 0.
 */
double
unc_atkinson_of_moments(const BootData *b, double m1, double m2, double ge)
{
	double		a = b->alpha;

	if (b->ge_mode == GE_GENERAL)
		return -expm1(log(m2) / a + b->ls - log(m1));
	if (a == 0.0)
		return -expm1(-ge);
	return -expm1(log1p(a * (a - 1.0) * ge) / a);
}

/* dA/dm1 and dA/dm2 (general mode), or dA/dGE times GE's (near modes: (1 - a)(1 - A)/Q) */
static void
atkinson_gradient(const BootData *b, double m1, double m2, double ge, double A,
				  double *g1, double *g2)
{
	double		a = b->alpha;

	if (b->ge_mode == GE_GENERAL)
	{
		double		M = exp(log(m2) / a + b->ls);	/* the power mean, in units of mu0 */

		*g1 = M / (m1 * m1);
		*g2 = -M / (a * m2 * m1);
		return;
	}
	ge_gradient(b, m1, m2, g1, g2);
	{
		double		slope = (1.0 - a) * (1.0 - A) / (1.0 + a * (a - 1.0) * ge);

		*g1 *= slope;
		*g2 *= slope;
	}
}

bool
unc_moments(const BootData *b, const uint8 *m, double *m1, double *m2)
{
	double		V = 0.0,
				S1 = 0.0,
				S2 = 0.0;

	for (Size i = 0; i < b->n; i++)
	{
		double		v = UNC_RW(b, m, i);

		V += v;
		S1 += v * b->f1[i];
		S2 += v * b->f2[i];
	}
	if (!(V > 0.0))
		return false;
	*m1 = S1 / V;
	*m2 = S2 / V;
	return true;
}

/* ---- estimates and analytic standard errors (influence functions) ---- */

/*
 * Every standard error is that of a linearised statistic: theta - theta0
 * is approximately sum_i w_i IF_i / W with IF the empirical influence
 * function (sum w_i IF_i = 0), so for rows drawn independently
 *     Var = sum_i w_i^2 IF_i^2 / W^2
 * (Deville 1999; the n/(n-1) of with-replacement survey estimators is not
 * applied).  With unit weights this is the variance of Davidson (2009),
 * Cowell (1989) and Kakwani, Wagstaff and van Doorslaer (1997) up to how
 * ties are treated; doc/uncertainty.md gives each IF.
 */

/*
 * Gini: IF_i = (D_i - G (x_i + mu)) / mu, D_i = sum_j p_j |x_j - x_i|
 * (Gini's mean difference seen from x_i; the functional derivative of
 * G = E|X - X'| / (2 mu)).  G itself by the gap formula of gini.c,
 * A = sum over gaps (x_(i) - x_(i-1)) C_below W_above.  The weight above a
 * row is summed from the top (suffix sums), never taken as W - C_below: a
 * weight far below the others vanishes from W, and W - C would lose it
 * (x = 0, 0, 1 with weights 1, 1, 1e-100 has G = 1, which W - C gives as 0).
 */
static void
est_gini(const BootData *b, double *est, double *var)
{
	double		W,
				Y,
				A = 0.0,
				C = 0.0,
				Yb = 0.0,
				G,
				mu,
				V2 = 0.0;
	double	   *Wup,
			   *Yup;
	Size		i,
				n = b->n;

	/* Wup[i], Yup[i]: the weight and the weighted values of rows i..n-1 */
	Wup = palloc((n + 1) * sizeof(double));
	Yup = palloc((n + 1) * sizeof(double));
	Wup[n] = Yup[n] = 0.0;
	CHECK_FOR_INTERRUPTS();
	for (i = n; i-- > 0;)
	{
		Wup[i] = Wup[i + 1] + b->w[i];
		Yup[i] = Yup[i + 1] + b->w[i] * b->x[i];
	}
	W = Wup[0];
	Y = Yup[0];
	if (!(Y > 0.0))
		unc_span_error();			/* unc_prepare() refused all values zero */
	CHECK_FOR_INTERRUPTS();
	for (i = 0; i < n; i++)
	{
		if (i > 0 && b->x[i] != b->x[i - 1])
			A += (b->x[i] - b->x[i - 1]) * C * Wup[i];
		C += b->w[i];
	}
	G = A / (W * Y);
	mu = Y / W;
	C = 0.0;
	i = 0;
	while (i < n)
	{
		Size		j = i;
		double		Wg = 0.0,
					Yg = 0.0,
					Q = 0.0,
					D,
					IF;

		while (j < n && b->x[j] == b->x[i])
		{
			Wg += b->w[j];
			Yg += b->w[j] * b->x[j];
			Q += b->w[j] * b->w[j];
			j++;
		}
		/* rows below: weight C, values Yb; rows above: Wup[j], Yup[j] */
		D = (b->x[i] * (C - Wup[j]) + (Yup[j] - Yb)) / W;
		IF = (D - G * (b->x[i] + mu)) / mu;
		V2 += Q * IF * IF;
		C += Wg;
		Yb += Yg;
		i = j;
	}
	pfree(Wup);
	pfree(Yup);
	*est = G;
	*var = V2 / (W * W);
}

/*
 * The Wagstaff and Erreygers variants of the concentration index C, with
 * m the mean of health and h its values, in health's own units:
 *   Wagstaff   W = C / (1 - m),        IF_W = IF_C / (1 - m) + C (h - m) / (1 - m)^2;
 *   Erreygers  E = 4 m C / (up - lo),  IF_E = 4 (m IF_C + C (h - m)) / (up - lo).
 * mu is m in the scaled units of b->x; the IF of the variant is returned as
 * va IF_C + vb (x - mu), x scaled.  False for Wagstaff with m >= 1.  The
 * replicates use it too.
 */
double
unc_conc_unscale(const BootData *b, double v)
{
	return ldexp(v, -VALUE_LOG2) / b->xscale;
}

bool
unc_conc_variant(const BootData *b, double C, double mu, double *va, double *vb, double *value)
{
	double		m = unc_conc_unscale(b, mu),
				k;

	*va = 1.0;
	*vb = 0.0;
	*value = C;
	switch (b->variant)
	{
		case CONC_WAGSTAFF:
			if (!(m < 1.0))
				return false;
			*va = 1.0 / (1.0 - m);
			*vb = C / ((1.0 - m) * (1.0 - m)) * unc_conc_unscale(b, 1.0);
			*value = C / (1.0 - m);
			break;
		case CONC_ERREYGERS:
			k = 4.0 / (b->upper - b->lower);
			*va = k * m;
			*vb = k * C * unc_conc_unscale(b, 1.0);
			*value = k * m * C;
			break;
	}
	return true;
}

static void
conc_variant(const BootData *b, double C, double mu, double *va, double *vb, double *value)
{
	if (!unc_conc_variant(b, C, mu, va, vb, value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the Wagstaff index is undefined when every health value is 1")));
}

/*
 * Concentration index: C = sum_g H_g (2 below_g + W_g - W) / (W H) over
 * the tie groups of rank_by, and
 *   IF_i = (h_i/mu)(2 F_i - 1 - C) + 1 - C - 2 q_i,
 * F_i the fractional rank (mid-point of the tie group), q_i the
 * concentration curve at the mid-point of the group; without ties this is
 * a_i - (1 + C) with the a_i of Kakwani, Wagstaff and van Doorslaer (1997).
 */
static void
est_conc(const BootData *b, double *est, double *var)
{
	double		W = 0.0,
				H = 0.0,
				S = 0.0,
				below = 0.0,
				Hb = 0.0,
				C,
				mu,
				va,
				vb,
				vest,
				V2 = 0.0;
	Size		i,
				start;

	CHECK_FOR_INTERRUPTS();
	for (i = 0; i < b->n; i++)
	{
		W += b->w[i];
		H += b->w[i] * b->x[i];
	}
	if (H == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the mean of health is zero"),
				 errdetail("The concentration index is undefined when the health variable averages zero.")));
	for (i = 0, start = 0; i < b->n; i++)
		if (b->tie_end[i])
		{
			double		Wg = 0.0,
						Hg = 0.0;

			for (Size k = start; k <= i; k++)
			{
				Wg += b->w[k];
				Hg += b->w[k] * b->x[k];
			}
			S += Hg * (2.0 * below + Wg - W);
			below += Wg;
			start = i + 1;
		}
	C = S / (W * H);
	mu = H / W;
	conc_variant(b, C, mu, &va, &vb, &vest);
	below = 0.0;
	for (i = 0, start = 0; i < b->n; i++)
		if (b->tie_end[i])
		{
			double		Wg = 0.0,
						Hg = 0.0,
						F,
						q;

			for (Size k = start; k <= i; k++)
			{
				Wg += b->w[k];
				Hg += b->w[k] * b->x[k];
			}
			F = (below + Wg / 2.0) / W;
			q = (Hb + Hg / 2.0) / H;
			for (Size k = start; k <= i; k++)
			{
				double		IF = b->x[k] / mu * (2.0 * F - 1.0 - C) + 1.0 - C - 2.0 * q;

				IF = va * IF + vb * (b->x[k] - mu);	/* the variant's, by the chain rule */
				V2 += b->w[k] * b->w[k] * IF * IF;
			}
			below += Wg;
			Hb += Hg;
			start = i + 1;
		}
	*est = vest;
	*var = V2 / (W * W);
}

/* GE and Atkinson: IF_i = dGE/dm1 (y_i - m1) + dGE/dm2 (phi_i - m2) (Cowell 1989; Biewen and Jenkins 2006) */
static void
est_ge(const BootData *b, double *est, double *var)
{
	double		W = 0.0,
				m1,
				m2,
				g1,
				g2,
				ge,
				V2 = 0.0;

	(void) unc_moments(b, NULL, &m1, &m2);
	if (!(m2 > 0.0 && m2 <= DBL_MAX) && b->ge_mode == GE_GENERAL)
		unc_span_error();			/* the extreme row's term, 1, lost in its tiny weight */
	ge = b->ge_mode == GE_GENERAL && b->measure == MS_ATKINSON ? 0.0 : unc_ge_of_moments(b, m1, m2);
	*est = ge;
	if (b->measure == MS_ATKINSON)
	{
		*est = unc_atkinson_of_moments(b, m1, m2, ge);
		atkinson_gradient(b, m1, m2, ge, *est, &g1, &g2);
	}
	else
		ge_gradient(b, m1, m2, &g1, &g2);
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
	{
		double		IF = g1 * (b->f1[i] - m1) + g2 * (b->f2[i] - m2);

		W += b->w[i];
		V2 += b->w[i] * b->w[i] * IF * IF;
	}
	*var = V2 / (W * W);
}

/* CV = K sqrt(s) / mu, s = m2 - m1^2, mu = mean + K m1 */
static void
est_cv(const BootData *b, double *est, double *var)
{
	double		W = 0.0,
				m1,
				m2,
				s,
				sd,
				mu,
				g1,
				g2,
				V2 = 0.0;

	(void) unc_moments(b, NULL, &m1, &m2);
	s = Max(m2 - m1 * m1, 0.0);
	sd = sqrt(s);
	mu = b->cv_mean + b->cv_K * m1;
	*est = b->cv_K * sd / mu;
	if (s == 0.0)
	{
		*var = 0.0;				/* every value equal: so is every resample */
		return;
	}
	g2 = b->cv_K / (2.0 * sd * mu);
	g1 = -b->cv_K * m1 / (sd * mu) - b->cv_K * b->cv_K * sd / (mu * mu);
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
	{
		double		IF = g1 * (b->f1[i] - m1) + g2 * (b->f2[i] - m2);

		W += b->w[i];
		V2 += b->w[i] * b->w[i] * IF * IF;
	}
	*var = V2 / (W * W);
}

/*
 * Hoover: H = D / (2 mu), D = sum p |x - mu|;
 *   IF_i = (|x_i - mu| - D + (2 F(mu) - 1)(x_i - mu)) / (2 mu) - H (x_i - mu) / mu,
 * F(mu) the share of weight below mu plus half of that at mu.
 */
static void
est_hoover(const BootData *b, double *est, double *var)
{
	double		W = 0.0,
				Y = 0.0,
				D = 0.0,
				Wl = 0.0,
				We = 0.0,
				mu,
				H,
				F,
				V2 = 0.0;

	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
	{
		W += b->w[i];
		Y += b->w[i] * b->x[i];
	}
	if (!(Y > 0.0))
		unc_span_error();
	mu = Y / W;
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
	{
		D += b->w[i] * fabs(b->x[i] - mu);
		if (b->x[i] < mu)
			Wl += b->w[i];
		else if (b->x[i] == mu)
			We += b->w[i];
	}
	D /= W;
	H = D / (2.0 * mu);
	F = (Wl + We / 2.0) / W;
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
	{
		double		e = b->x[i] - mu,
					IF = (fabs(e) - D + (2.0 * F - 1.0) * e) / (2.0 * mu) - H * e / mu;

		V2 += b->w[i] * b->w[i] * IF * IF;
	}
	*est = H;
	*var = V2 / (W * W);
}

void
unc_estimate(const BootData *b, double *scratch, double *est, double *var)
{
	*var = 0.0;
	switch (b->measure)
	{
		case MS_GINI:
			est_gini(b, est, var);
			return;
		case MS_GE:
		case MS_ATKINSON:
			est_ge(b, est, var);
			return;
		case MS_CV:
			est_cv(b, est, var);
			return;
		case MS_HOOVER:
			est_hoover(b, est, var);
			return;
		case MS_CONC:
			est_conc(b, est, var);
			return;
		default:
			if (!unc_decomposition(b, NULL, b->g, scratch, b->component, est))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the %s share is undefined when every value is equal",
								b->component == COMP_WITHIN_SHARE ? "within-group" : "between-group")));
	}
}

/* ---- preparing the rows ---- */

static double
inv_pow2(double v)
{
	return v > 0.0 ? inv_pow2_scale(v) : 1.0;
}

/*
 * Weights are scaled so that their total is near 2^100 (by the largest
 * first, then by the total), values so that the largest is near 2^400: every
 * product and sum of the measures then stays below 2^700, while values or
 * weights 2^-600 below the largest still count (compare gini.c's value_scale).
 */

static void
scale_weights(BootData *b)
{
	double		wmax = 0.0,
				W = 0.0,
				f;

	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
		wmax = Max(wmax, b->w[i]);
	f = inv_pow2(wmax);
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
		W += b->w[i] * f;
	f *= inv_pow2(W);
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
		b->w[i] = ldexp(b->w[i] * f, WEIGHT_LOG2);
}

/* values and weights are not all zero, yet every product of them underflowed */
void
unc_span_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("the interval is out of the range of double precision"),
			 errdetail("The values and weights span more than double precision can hold in one sum."),
			 errhint("Rescale the values or the weights.")));
}

static void
all_values_zero(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("all values are zero"),
			 errdetail("The index is undefined when the mean is zero.")));
}

/* the GE features y = x/mu and phi(y) */
static void
ge_features(BootData *b)
{
	double		W = 0.0,
				Y = 0.0,
				mu;
	int			c = near_c(b->alpha);

	b->d = 0.0;
	b->ge_mode = GE_GENERAL;
	if (fabs(b->alpha - c) < NEAR_BAND)
	{
		b->ge_mode = c == 0 ? GE_NEAR0 : GE_NEAR1;
		b->d = b->alpha - c;
	}
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
	{
		W += b->w[i];
		Y += b->w[i] * b->x[i];
	}
	if (!(Y > 0.0))
		unc_span_error();
	mu = Y / W;
	b->ls = 0.0;
	if (b->ge_mode == GE_GENERAL)
	{
		double		lo = DBL_MAX,
					hi = 0.0;

		CHECK_FOR_INTERRUPTS();
		for (Size i = 0; i < b->n; i++)
			if (b->x[i] > 0.0)
			{
				lo = Min(lo, b->x[i]);
				hi = Max(hi, b->x[i]);
			}
		b->ls = log((b->alpha > 0.0 ? hi : lo) / mu);
	}
	b->f1 = palloc(b->n * sizeof(double));
	b->f2 = palloc(b->n * sizeof(double));
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < b->n; i++)
	{
		b->f1[i] = b->x[i] / mu;
		b->f2[i] = unc_ge_phi(b, b->f1[i]);
		if ((i & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
}

void
unc_prepare(BootData *b, const char *items, Size n, int ngroups, const UncOptions *o)
{
	double		vmax = 0.0,
				f;

	memset(b, 0, sizeof(*b));
	b->n = n;
	b->measure = o->measure;
	b->component = o->component;
	b->alpha = o->param;
	b->ngroups = ngroups;
	medres_check_memory(n * (4 * sizeof(double) + sizeof(int32) + 2), "the interval's rows");
	b->x = medres_alloc_huge(CurrentMemoryContext, n, sizeof(double), "the interval's rows");
	b->w = medres_alloc_huge(CurrentMemoryContext, n, sizeof(double), "the interval's rows");
	if (o->measure == MS_CONC)
	{
		const RHW  *r = (const RHW *) items;

		b->tie_end = palloc(n);
		CHECK_FOR_INTERRUPTS();
		for (Size i = 0; i < n; i++)
		{
			b->x[i] = r[i].h;
			b->w[i] = r[i].w;
			b->tie_end[i] = i + 1 == n || r[i + 1].r != r[i].r;
		}
	}
	else if (o->measure == MS_DEC || o->measure == MS_TEST || o->measure == MS_DAGUM ||
			 o->measure == MS_DAGUM_TEST)
	{
		const UncXWG *r = (const UncXWG *) items;

		b->g = palloc(n * sizeof(int32));
		CHECK_FOR_INTERRUPTS();
		for (Size i = 0; i < n; i++)
		{
			b->x[i] = r[i].x;
			b->w[i] = r[i].w;
			b->g[i] = (int32) r[i].g;
		}
	}
	else
	{
		const XW   *r = (const XW *) items;

		CHECK_FOR_INTERRUPTS();
		for (Size i = 0; i < n; i++)
		{
			b->x[i] = r[i].x;
			b->w[i] = r[i].w;
		}
	}
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < n; i++)
		vmax = Max(vmax, fabs(b->x[i]));
	if (vmax == 0.0)
	{
		if (o->measure == MS_CONC)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the mean of health is zero"),
					 errdetail("The concentration index is undefined when the health variable averages zero.")));
		all_values_zero();
	}
	f = inv_pow2(vmax);
	b->xscale = f;
	b->variant = o->variant;
	b->lower = o->lower;
	b->upper = o->upper;
	CHECK_FOR_INTERRUPTS();
	for (Size i = 0; i < n; i++)
		b->x[i] = ldexp(b->x[i] * f, VALUE_LOG2);
	scale_weights(b);
	switch (o->measure)
	{
		case MS_GE:
		case MS_ATKINSON:
		case MS_DEC:
		case MS_TEST:
			ge_features(b);
			break;
		case MS_CV:
			{
				double		W = 0.0,
							Y = 0.0,
							dmax = 0.0;

				CHECK_FOR_INTERRUPTS();
				for (Size i = 0; i < n; i++)
				{
					W += b->w[i];
					Y += b->w[i] * b->x[i];
				}
				b->cv_mean = Y / W;
				if (!(b->cv_mean > 0.0))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("the mean is not positive"),
							 errdetail("The coefficient of variation needs a positive mean.")));
				CHECK_FOR_INTERRUPTS();
				for (Size i = 0; i < n; i++)
					dmax = Max(dmax, fabs(b->x[i] - b->cv_mean));
				b->cv_K = dmax > 0.0 ? pow2_scale(dmax) : 1.0;
				b->f1 = palloc(n * sizeof(double));
				b->f2 = palloc(n * sizeof(double));
				CHECK_FOR_INTERRUPTS();
				for (Size i = 0; i < n; i++)
				{
					b->f1[i] = (b->x[i] - b->cv_mean) / b->cv_K;
					b->f2[i] = b->f1[i] * b->f1[i];
				}
				break;
			}
	}
}

