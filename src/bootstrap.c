/*
 * bootstrap.c — the statistics behind the interval aggregates of
 * uncertainty.c, on rows already in canonical order (doc/uncertainty.md):
 * analytic standard errors by linearisation, the Poisson bootstrap and the
 * permutation test of the between-group share.  Plain C over arrays, apart
 * from the entry points unc_interval and unc_between_test.
 *
 * Scaling.  Values are divided by a power of two near their largest, and
 * weights by one near their total, so every sum is near 1 and exact
 * scaling changes no digit; the indices are free of both units.
 *
 * Bootstrap weights (Poisson bootstrap; Hanley and MacGibbon 2006, Chamandy
 * et al. 2012).  Replicate r gives row i (0-based, canonical order) the
 * weight w_i m_ri, m_ri ~ Poisson(1), drawn from a counter-based stream:
 *     base = mix(seed + G),  key_r = mix(base XOR (r + 2^32 a)),
 *     u_k = mix(key_r + (k + 1) G)   (the k-th output of splitmix64 from key_r),
 * where mix is splitmix64's finaliser, G = 0x9E3779B97F4A7C15 and a the
 * attempt (0 unless the replicate's measure was undefined, see below).
 * Row i takes the low 32 bits of u_{i/2} for even i, the high 32 bits for
 * odd i, and m = #{k : u32 >= T_k}, T_k = round(2^32 P(Poisson(1) <= k)),
 * k = 0..11 (so m <= 12; P(m = 12) = 9e-10 instead of 1.1e-9).  Nothing
 * depends on the order in which rows arrived or on which process or thread
 * computes a replicate, so the same seed gives the same replicates bit for
 * bit.  A replicate whose measure is undefined (every drawn weight zero,
 * every drawn value zero, a mean that is not positive) is drawn again with
 * the next attempt a; after UNC_MAX_ATTEMPTS the interval is an error.
 */
#include "medres.h"

#include "access/parallel.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#define GOLDEN		UINT64CONST(0x9E3779B97F4A7C15)
#define UNC_MAX_ATTEMPTS 1000

/* round(2^32 P(X <= k)) for X ~ Poisson(1), k = 0..11, computed with mpmath at 60 digits */
static const uint32 poisson_t[12] = {
	1580030169u, 3160060337u, 3950075422u, 4213413783u, 4279248374u, 4292415292u,
	4294609778u, 4294923276u, 4294962463u, 4294966817u, 4294967253u, 4294967292u
};

/* GE modes: the general formula, or alpha = c + d near c = 0 or 1 (see medres.h, near_c) */
#define GE_GENERAL	0
#define GE_NEAR0	1
#define GE_NEAR1	2

typedef struct BootData
{
	Size		n;
	int			measure;
	int			component;
	double		alpha;
	int			ge_mode;
	double		d;				/* alpha - c in the near modes */
	double		ls;				/* general mode: ln s, phi = (y/s)^alpha */
	double	   *x;				/* value (or health) / a power of two */
	double	   *w;				/* weight / a power of two, total near 1 */
	double	   *f1,				/* GE, Atkinson, CV, decomposition: per-row features */
			   *f2;
	uint8	   *tie_end;		/* concentration index: 1 where a tie group of rank_by ends */
	int32	   *g;				/* decomposition: group in 0..ngroups-1 */
	int			ngroups;
	double		cv_mean,		/* CV: mean and scale of the centred features */
				cv_K;
} BootData;

static void span_error(void);

static inline uint64
mix64(uint64 z)
{
	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline uint8
poisson1(uint32 u)
{
	int			m = (u >= poisson_t[0]) + (u >= poisson_t[1]) + (u >= poisson_t[2]) + (u >= poisson_t[3]);

	if (unlikely(m == 4))
		while (m < 12 && u >= poisson_t[m])
			m++;
	return (uint8) m;
}

/*
 * The same draw through the top 8 bits of u: poisson_tab[b] is m for every
 * u in bucket b, or -1 for the few buckets that hold a threshold (2 % of the
 * draws), which take poisson1.  Filled before any thread starts.
 */
static double poisson_tab[256];
static bool poisson_tab_ready = false;

static void
poisson_tab_init(void)
{
	if (poisson_tab_ready)
		return;
	for (int b = 0; b < 256; b++)
	{
		uint32		lo = (uint32) b << 24,
					hi = lo | 0xFFFFFF;

		poisson_tab[b] = poisson1(lo) == poisson1(hi) ? (double) poisson1(lo) : -1.0;
	}
	poisson_tab_ready = true;
}

static inline double
poisson1_fast(uint32 u)
{
	double		m = poisson_tab[u >> 24];

	return likely(m >= 0.0) ? m : (double) poisson1(u);
}

/* the Poisson(1) multipliers of replicate r, attempt a, for n rows */
static void
draw_weights(uint64 base, int r, int a, Size n, uint8 *m)
{
	uint64		key = mix64(base ^ ((uint64) r | ((uint64) a << 32)));	/* replicate_key */
	Size		k;

	for (k = 0; k + 1 < n; k += 2)
	{
		uint64		u = mix64(key + (k / 2 + 1) * GOLDEN);

		m[k] = poisson1((uint32) u);
		m[k + 1] = poisson1((uint32) (u >> 32));
	}
	if (k < n)
		m[k] = poisson1((uint32) mix64(key + (k / 2 + 1) * GOLDEN));
}

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
static double
ge_phi(const BootData *b, double y)
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

static double
ge_of_moments(const BootData *b, double m1, double m2)
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
static double
atkinson_of_moments(const BootData *b, double m1, double m2, double ge)
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

/* ---- one replicate ---- */

/* weights w_i m_i (m NULL: 1) */
#define RW(b, m, i) ((m) ? (b)->w[i] * (double) (m)[i] : (b)->w[i])

/* Gini: G = sum v x (2 C + v) / (V sum v x) - 1, C the weight below (independent of the order of ties) */
static bool
rep_gini(const BootData *b, const uint8 *m, double *out)
{
	double		C = 0.0,
				Sa = 0.0,
				Sm = 0.0;

	for (Size i = 0; i < b->n; i++)
	{
		double		v = RW(b, m, i),
					t = v * b->x[i];

		Sa += t * (2.0 * C + v);
		Sm += t;
		C += v;
	}
	if (!(C > 0.0 && Sm > 0.0))
		return false;
	*out = Max(Sa / (C * Sm) - 1.0, 0.0);
	return true;
}

/*
 * The Gini of four replicates in one pass over the rows (lane l: the
 * replicate whose stream key is key[l]), drawing the weights as it goes:
 * the rows are read once per four replicates and the four running sums
 * are independent, so the pass is bound by neither memory nor the latency
 * of the additions.  Every Gini replicate is computed here, whatever its
 * position in the block, so its value never depends on the blocking.
 */
#define GINI_LANES 4

static bool
gini_block(const BootData *b, const uint64 *key, double *out, bool *ok,
		   volatile sig_atomic_t *stop)
{
	double		C[GINI_LANES] = {0},
				Sa[GINI_LANES] = {0},
				Sm[GINI_LANES] = {0};
	const double *x = b->x,
			   *w = b->w;
	Size		n = b->n,
				k;

	for (k = 0; k + 1 < n; k += 2)
	{
		uint64		step = (k / 2 + 1) * GOLDEN;

		/* a pass over 100 million rows takes a second: poll for cancel within it */
		if (unlikely((k & 0xFFFFF) == 0) && k > 0 && (*stop || medres_cancel_requested()))
		{
			*stop = 1;
			return false;
		}
		for (int l = 0; l < GINI_LANES; l++)
		{
			uint64		u = mix64(key[l] + step);
			double		v0 = w[k] * poisson1_fast((uint32) u),
						v1 = w[k + 1] * poisson1_fast((uint32) (u >> 32)),
						t0 = v0 * x[k],
						t1 = v1 * x[k + 1];

			Sa[l] += t0 * (2.0 * C[l] + v0);
			C[l] += v0;
			Sa[l] += t1 * (2.0 * C[l] + v1);
			C[l] += v1;
			Sm[l] += t0;
			Sm[l] += t1;
		}
	}
	if (k < n)
		for (int l = 0; l < GINI_LANES; l++)
		{
			double		v = w[k] * (double) poisson1((uint32) mix64(key[l] + (k / 2 + 1) * GOLDEN)),
						t = v * x[k];

			Sa[l] += t * (2.0 * C[l] + v);
			C[l] += v;
			Sm[l] += t;
		}
	for (int l = 0; l < GINI_LANES; l++)
	{
		ok[l] = C[l] > 0.0 && Sm[l] > 0.0;
		out[l] = ok[l] ? Max(Sa[l] / (C[l] * Sm[l]) - 1.0, 0.0) : 0.0;
	}
	return true;
}

static bool
rep_moments(const BootData *b, const uint8 *m, double *m1, double *m2)
{
	double		V = 0.0,
				S1 = 0.0,
				S2 = 0.0;

	for (Size i = 0; i < b->n; i++)
	{
		double		v = RW(b, m, i);

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

/*
 * A replicate without the extreme row that set the general mode's scale s
 * can underflow (or overflow) the power moment (y/s)^a for a huge |a|:
 * then it is summed again relative to its own largest term (log-sum-exp),
 * and the scale moves to s' = s e^(L/a).
 */
static bool
rescale_power_moment(const BootData *b, const uint8 *m, double *m2, double *ls)
{
	double		L = -INFINITY,
				V = 0.0,
				S = 0.0;

	for (Size i = 0; i < b->n; i++)
		if (RW(b, m, i) > 0.0 && b->f1[i] > 0.0)
			L = Max(L, b->alpha * (log(b->f1[i]) - b->ls));
	if (!isfinite(L))
		return false;
	for (Size i = 0; i < b->n; i++)
	{
		double		v = RW(b, m, i);

		V += v;
		if (v > 0.0 && b->f1[i] > 0.0)
			S += v * exp(b->alpha * (log(b->f1[i]) - b->ls) - L);
	}
	*m2 = S / V;
	*ls = b->ls + L / b->alpha;
	return *m2 > 0.0;
}

static bool
rep_ge(const BootData *b, const uint8 *m, double *out)
{
	double		m1,
				m2,
				ge;
	BootData	c;

	if (!rep_moments(b, m, &m1, &m2) || !(m1 > 0.0))
		return false;
	if (b->ge_mode == GE_GENERAL && !(m2 > 0.0 && m2 <= DBL_MAX))
	{
		c = *b;
		if (!rescale_power_moment(b, m, &m2, &c.ls))
			return false;
		b = &c;
	}
	ge = b->ge_mode == GE_GENERAL && b->measure == MS_ATKINSON ? 0.0 : ge_of_moments(b, m1, m2);
	*out = b->measure == MS_ATKINSON ? atkinson_of_moments(b, m1, m2, ge) : ge;
	return isfinite(*out);
}

/* CV = K sqrt(m2 - m1^2) / (mean + K m1) with the centred features f1 = (x - mean)/K, f2 = f1^2 */
static bool
rep_cv(const BootData *b, const uint8 *m, double *out)
{
	double		m1,
				m2,
				mu;

	if (!rep_moments(b, m, &m1, &m2))
		return false;
	mu = b->cv_mean + b->cv_K * m1;
	if (!(mu > 0.0))
		return false;
	*out = b->cv_K * sqrt(Max(m2 - m1 * m1, 0.0)) / mu;
	return isfinite(*out);
}

/* Hoover: H = sum_{x > mu} v (x - mu) / (V mu); x sorted, so the second pass starts at mu */
static bool
rep_hoover(const BootData *b, const uint8 *m, double *out)
{
	double		V = 0.0,
				S = 0.0,
				T = 0.0,
				mu;
	Size		lo = 0,
				hi = b->n;

	for (Size i = 0; i < b->n; i++)
	{
		double		v = RW(b, m, i);

		V += v;
		S += v * b->x[i];
	}
	if (!(V > 0.0 && S > 0.0))
		return false;
	mu = S / V;
	while (lo < hi)
	{
		Size		mid = lo + (hi - lo) / 2;

		if (b->x[mid] <= mu)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (Size i = lo; i < b->n; i++)
		T += RW(b, m, i) * (b->x[i] - mu);
	*out = T / (V * mu);
	return true;
}

/* concentration index: sum over tie groups H_g (2 below + V_g) / (V H) - 1 */
static bool
rep_conc(const BootData *b, const uint8 *m, double *out)
{
	double		Vg = 0.0,
				Hg = 0.0,
				below = 0.0,
				H = 0.0,
				T = 0.0;

	for (Size i = 0; i < b->n; i++)
	{
		double		v = RW(b, m, i);

		Vg += v;
		Hg += v * b->x[i];
		if (b->tie_end[i])
		{
			T += Hg * (2.0 * below + Vg);
			below += Vg;
			H += Hg;
			Vg = Hg = 0.0;
		}
	}
	if (!(below > 0.0) || H == 0.0)
		return false;
	*out = T / (below * H) - 1.0;
	return isfinite(*out);
}

/*
 * The decomposition of GE(alpha) by group (labels: the group of each row,
 * b->g or a permutation of it); scratch holds 3 ngroups doubles.  total is
 * GE of all rows, between GE of the group means weighted by the groups'
 * weights, within = total - between.
 */
static bool
rep_decomposition(const BootData *b, const uint8 *m, const int32 *labels, double *scratch,
				  int component, double *out)
{
	double		V = 0.0,
				S1 = 0.0,
				S2 = 0.0,
				B2 = 0.0,
				total,
				between;

	memset(scratch, 0, 3 * b->ngroups * sizeof(double));
	for (Size i = 0; i < b->n; i++)
	{
		double		v = RW(b, m, i);
		double	   *s = scratch + 3 * labels[i];

		s[0] += v;
		s[1] += v * b->f1[i];
		s[2] += v * b->f2[i];
	}
	for (int g = 0; g < b->ngroups; g++)
	{
		V += scratch[3 * g];
		S1 += scratch[3 * g + 1];
		S2 += scratch[3 * g + 2];
	}
	if (!(V > 0.0 && S1 > 0.0))
		return false;
	for (int g = 0; g < b->ngroups; g++)
		if (scratch[3 * g] > 0.0)
			B2 += scratch[3 * g] * ge_phi(b, scratch[3 * g + 1] / scratch[3 * g]);
	total = ge_of_moments(b, S1 / V, S2 / V);
	between = ge_of_moments(b, S1 / V, B2 / V);
	switch (component)
	{
		case COMP_TOTAL:
			*out = total;
			break;
		case COMP_BETWEEN:
			*out = between;
			break;
		case COMP_WITHIN:
			*out = total - between;
			break;
		default:
			if (!(total > 0.0))
				return false;
			*out = component == COMP_BETWEEN_SHARE ? between / total : (total - between) / total;
	}
	return isfinite(*out);
}

static bool
replicate(const BootData *b, const uint8 *m, double *scratch, double *out)
{
	switch (b->measure)
	{
		case MS_GINI:
			return rep_gini(b, m, out);
		case MS_GE:
		case MS_ATKINSON:
			return rep_ge(b, m, out);
		case MS_CV:
			return rep_cv(b, m, out);
		case MS_HOOVER:
			return rep_hoover(b, m, out);
		case MS_CONC:
			return rep_conc(b, m, out);
		default:
			return rep_decomposition(b, m, b->g, scratch, b->component, out);
	}
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
 * G = E|X - X'| / (2 mu)).  G itself by the gap formula of gini.c.
 */
static void
est_gini(const BootData *b, double *est, double *var)
{
	double		W = 0.0,
				Y = 0.0,
				A = 0.0,
				C = 0.0,
				Yb = 0.0,
				prev = 0.0,
				G,
				mu,
				V2 = 0.0;
	Size		i;

	for (i = 0; i < b->n; i++)
	{
		W += b->w[i];
		Y += b->w[i] * b->x[i];
	}
	if (!(Y > 0.0))
		span_error();			/* prepare() refused all values zero */
	for (i = 0; i < b->n; i++)
	{
		if (i > 0 && b->x[i] != prev)
			A += (b->x[i] - prev) * C * (W - C);
		C += b->w[i];
		prev = b->x[i];
	}
	G = A / (W * Y);
	mu = Y / W;
	C = 0.0;
	i = 0;
	while (i < b->n)
	{
		Size		j = i;
		double		Wg = 0.0,
					Yg = 0.0,
					Q = 0.0,
					D,
					IF;

		while (j < b->n && b->x[j] == b->x[i])
		{
			Wg += b->w[j];
			Yg += b->w[j] * b->x[j];
			Q += b->w[j] * b->w[j];
			j++;
		}
		D = (b->x[i] * (C - (W - C - Wg)) + ((Y - Yb - Yg) - Yb)) / W;
		IF = (D - G * (b->x[i] + mu)) / mu;
		V2 += Q * IF * IF;
		C += Wg;
		Yb += Yg;
		i = j;
	}
	*est = G;
	*var = V2 / (W * W);
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
				V2 = 0.0;
	Size		i,
				start;

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

				V2 += b->w[k] * b->w[k] * IF * IF;
			}
			below += Wg;
			Hb += Hg;
			start = i + 1;
		}
	*est = C;
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

	(void) rep_moments(b, NULL, &m1, &m2);
	if (!(m2 > 0.0 && m2 <= DBL_MAX) && b->ge_mode == GE_GENERAL)
		span_error();			/* the extreme row's term, 1, lost in its tiny weight */
	ge = b->ge_mode == GE_GENERAL && b->measure == MS_ATKINSON ? 0.0 : ge_of_moments(b, m1, m2);
	*est = ge;
	if (b->measure == MS_ATKINSON)
	{
		*est = atkinson_of_moments(b, m1, m2, ge);
		atkinson_gradient(b, m1, m2, ge, *est, &g1, &g2);
	}
	else
		ge_gradient(b, m1, m2, &g1, &g2);
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

	(void) rep_moments(b, NULL, &m1, &m2);
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

	for (Size i = 0; i < b->n; i++)
	{
		W += b->w[i];
		Y += b->w[i] * b->x[i];
	}
	if (!(Y > 0.0))
		span_error();
	mu = Y / W;
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
	for (Size i = 0; i < b->n; i++)
	{
		double		e = b->x[i] - mu,
					IF = (fabs(e) - D + (2.0 * F - 1.0) * e) / (2.0 * mu) - H * e / mu;

		V2 += b->w[i] * b->w[i] * IF * IF;
	}
	*est = H;
	*var = V2 / (W * W);
}

static void
estimate(const BootData *b, double *scratch, double *est, double *var)
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
			if (!rep_decomposition(b, NULL, b->g, scratch, b->component, est))
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
#define VALUE_LOG2	400
#define WEIGHT_LOG2 100

static void
scale_weights(BootData *b)
{
	double		wmax = 0.0,
				W = 0.0,
				f;

	for (Size i = 0; i < b->n; i++)
		wmax = Max(wmax, b->w[i]);
	f = inv_pow2(wmax);
	for (Size i = 0; i < b->n; i++)
		W += b->w[i] * f;
	f *= inv_pow2(W);
	for (Size i = 0; i < b->n; i++)
		b->w[i] = ldexp(b->w[i] * f, WEIGHT_LOG2);
}

/* values and weights are not all zero, yet every product of them underflowed */
static void
span_error(void)
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
	for (Size i = 0; i < b->n; i++)
	{
		W += b->w[i];
		Y += b->w[i] * b->x[i];
	}
	if (!(Y > 0.0))
		span_error();
	mu = Y / W;
	b->ls = 0.0;
	if (b->ge_mode == GE_GENERAL)
	{
		double		lo = DBL_MAX,
					hi = 0.0;

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
	for (Size i = 0; i < b->n; i++)
	{
		b->f1[i] = b->x[i] / mu;
		b->f2[i] = ge_phi(b, b->f1[i]);
		if ((i & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
}

static void
prepare(BootData *b, const char *items, Size n, int ngroups, const UncOptions *o)
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
		for (Size i = 0; i < n; i++)
		{
			b->x[i] = r[i].h;
			b->w[i] = r[i].w;
			b->tie_end[i] = i + 1 == n || r[i + 1].r != r[i].r;
		}
	}
	else if (o->measure == MS_DEC || o->measure == MS_TEST)
	{
		const UncXWG *r = (const UncXWG *) items;

		b->g = palloc(n * sizeof(int32));
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

		for (Size i = 0; i < n; i++)
		{
			b->x[i] = r[i].x;
			b->w[i] = r[i].w;
		}
	}
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
				for (Size i = 0; i < n; i++)
					dmax = Max(dmax, fabs(b->x[i] - b->cv_mean));
				b->cv_K = dmax > 0.0 ? pow2_scale(dmax) : 1.0;
				b->f1 = palloc(n * sizeof(double));
				b->f2 = palloc(n * sizeof(double));
				for (Size i = 0; i < n; i++)
				{
					b->f1[i] = (b->x[i] - b->cv_mean) / b->cv_K;
					b->f2[i] = b->f1[i] * b->f1[i];
				}
				break;
			}
	}
}

/* ---- the replicates, optionally on two threads ---- */

typedef struct BootJob
{
	const BootData *b;
	uint64		base;
	int			r0,
				r1;
	double	   *out;
	uint8	   *m;
	double	   *scratch;
	volatile sig_atomic_t *stop;	/* set on cancel or failure, by either side */
	bool		threaded;		/* false: alone in the backend, so it may check for interrupts */
	bool		failed;
	/* the permutation test */
	bool		permute;
	int32	   *labels;
} BootJob;

/* a uniform integer in [0, k) from 53 random bits (bias below k / 2^53) */
static inline Size
uniform_below(uint64 u, Size k)
{
	return (Size) ((double) (u >> 11) * 0x1p-53 * (double) k);
}

/*
 * Permutation p of the labels: Fisher-Yates from the last row down, row i
 * swapping with j = uniform_below(u, i + 1), u the successive outputs of
 * splitmix64 from mix(base XOR (p + 2^62)).
 */
static bool
permute_labels(const int32 *from, int32 *labels, Size n, uint64 base, int p,
			   volatile sig_atomic_t *stop)
{
	uint64		state = mix64(base ^ ((uint64) p | (UINT64CONST(1) << 62)));

	memcpy(labels, from, n * sizeof(int32));
	for (Size i = n - 1; i > 0; i--)
	{
		Size		j = uniform_below(mix64(state += GOLDEN), i + 1);
		int32		t = labels[i];

		labels[i] = labels[j];
		labels[j] = t;
		if (unlikely((i & 0xFFFFF) == 0) && (*stop || medres_cancel_requested()))
		{
			*stop = 1;
			return false;
		}
	}
	return true;
}

static inline uint64
replicate_key(uint64 base, int r, int a)
{
	return mix64(base ^ ((uint64) r | ((uint64) a << 32)));
}

/* replicates r .. r+3 of the Gini (those below j->r1), drawn again while undefined */
static bool
gini_lanes(BootJob *j, int r)
{
	uint64		key[GINI_LANES];
	int			att[GINI_LANES] = {0};
	double		v[GINI_LANES];
	bool		ok[GINI_LANES],
				done[GINI_LANES];

	for (int l = 0; l < GINI_LANES; l++)
		done[l] = r + l >= j->r1;
	for (int round = 0; round < UNC_MAX_ATTEMPTS; round++)
	{
		bool		all = true;

		for (int l = 0; l < GINI_LANES; l++)
			key[l] = replicate_key(j->base, Min(r + l, j->r1 - 1), att[l]);
		if (!gini_block(j->b, key, v, ok, j->stop))
			return true;		/* stopped: boot_run sees *stop */
		for (int l = 0; l < GINI_LANES; l++)
		{
			if (done[l])
				continue;
			if (ok[l])
			{
				j->out[r + l] = v[l];
				done[l] = true;
			}
			else
			{
				att[l]++;
				all = false;
			}
		}
		if (all)
			return true;
	}
	return false;
}

static void
boot_run(BootJob *j)
{
	for (int r = j->r0; r < j->r1; r++)
	{
		bool		ok = false;

		if (j->b->measure == MS_GINI)
		{
			ok = gini_lanes(j, r);
			r += GINI_LANES - 1;
		}
		else if (j->permute)
		{
			if (!permute_labels(j->b->g, j->labels, j->b->n, j->base, r, j->stop))
				return;
			ok = rep_decomposition(j->b, NULL, j->labels, j->scratch, COMP_BETWEEN, &j->out[r]);
		}
		else
			for (int a = 0; a < UNC_MAX_ATTEMPTS && !ok; a++)
			{
				draw_weights(j->base, r, a, j->b->n, j->m);
				ok = replicate(j->b, j->m, j->scratch, &j->out[r]);
			}
		if (*j->stop)
			return;
		if (!ok)
		{
			j->failed = true;
			*j->stop = 1;
			return;
		}
		if (!j->threaded)
			CHECK_FOR_INTERRUPTS();
		else if (*j->stop || medres_cancel_requested())
		{
			*j->stop = 1;
			return;
		}
	}
}

static void *
boot_helper(void *arg)
{
	boot_run((BootJob *) arg);
	return NULL;
}

static void
job_init(BootJob *j, const BootData *b, uint64 base, double *out, bool permute)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->base = base;
	j->out = out;
	j->permute = permute;
	j->m = permute ? NULL : medres_alloc_huge(CurrentMemoryContext, b->n, 1, "the bootstrap weights");
	j->labels = permute ? medres_alloc_huge(CurrentMemoryContext, b->n, sizeof(int32), "the permuted groups") : NULL;
	j->scratch = palloc(Max(3 * b->ngroups, 1) * sizeof(double));
}

static void
replicates_failed(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("too few rows for method \"bootstrap\": the measure is undefined in most resamples"),
			 errdetail("A replicate was drawn %d times without a defined value of the measure.",
					   UNC_MAX_ATTEMPTS)));
}

/* out[0 .. R) for replicates (or permutations) 0 .. R-1 */
static void
run_replicates(const BootData *b, int64 seed, int R, double *out, bool permute)
{
	BootJob		lo,
				hi;
	uint64		base = mix64((uint64) seed + GOLDEN);
	pthread_t	th;
	volatile sig_atomic_t stop = 0;

	medres_check_memory(2 * (b->n * (permute ? sizeof(int32) : 1)) + (Size) R * sizeof(double),
						"the replicates");
	poisson_tab_init();
	job_init(&lo, b, base, out, permute);
	lo.r0 = 0;
	lo.r1 = R;
	lo.stop = &stop;
	if (medres_threads > 1 && !IsParallelWorker() && R >= 4 && (double) b->n * R >= 4e6)
	{
		job_init(&hi, b, base, out, permute);
		hi.r0 = lo.r1 = R / 2;
		hi.r1 = R;
		hi.stop = &stop;
		lo.threaded = hi.threaded = true;
		if (medres_start_helper(&th, boot_helper, &hi))
		{
			boot_run(&lo);
			pthread_join(th, NULL);
			if (lo.failed || hi.failed)
				replicates_failed();
			if (stop)
				medres_helper_stopped("the bootstrap");
			return;
		}
		lo.r1 = R;
		lo.threaded = false;
	}
	boot_run(&lo);
	if (lo.failed)
		replicates_failed();
	if (stop)
		medres_helper_stopped("the bootstrap");	/* a cancel seen by the polls of a long pass */
}

static int
cmp_dbl(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/*
 * The bootstrap quantile: the (R + 1) p-th smallest of the sorted s[0..R),
 * interpolated linearly between order statistics (Davison and Hinkley 1997,
 * section 5.2; R's quantile type 6) and clamped to the extremes.  Type 7,
 * the default elsewhere, takes the (1 + (R - 1) p)-th, which with a few
 * hundred replicates pulls both ends inward and makes the percentile
 * interval too short (coverage 93 % instead of 95 % with R = 200).
 */
static double
quantile6(const double *s, int R, double p)
{
	double		h = (R + 1) * p;	/* 1-based rank */
	int			k = (int) floor(h);

	if (k < 1)
		return s[0];
	if (k >= R)
		return s[R - 1];
	return s[k - 1] + (h - k) * (s[k] - s[k - 1]);
}

void
unc_interval(const char *items, Size n, int ngroups, const UncOptions *o, UncResult *res)
{
	BootData	b;
	double		var,
				z = medres_normal_quantile(0.5 + o->level / 2.0);
	double	   *scratch;

	prepare(&b, items, n, ngroups, o);
	scratch = palloc(Max(3 * ngroups, 1) * sizeof(double));
	estimate(&b, scratch, &res->estimate, &var);
	if (o->method == METHOD_ANALYTIC)
		res->se = sqrt(var);
	else
	{
		int			R = o->replicates;
		double	   *t = medres_alloc_huge(CurrentMemoryContext, R, sizeof(double), "the replicates");
		double		mean = 0.0,
					ss = 0.0;

		run_replicates(&b, o->seed, R, t, false);
		for (int r = 0; r < R; r++)
			mean += t[r];
		mean /= R;
		for (int r = 0; r < R; r++)
			ss += (t[r] - mean) * (t[r] - mean);
		res->se = sqrt(ss / (R - 1));
		if (o->method == METHOD_PERCENTILE)
		{
			qsort(t, R, sizeof(double), cmp_dbl);
			res->lower = quantile6(t, R, (1.0 - o->level) / 2.0);
			res->upper = quantile6(t, R, (1.0 + o->level) / 2.0);
		}
	}
	if (o->method != METHOD_PERCENTILE)
	{
		res->lower = res->estimate - z * res->se;
		res->upper = res->estimate + z * res->se;
	}
	medres_check_result("the estimate", res->estimate);
	medres_check_result("the standard error", res->se);
	medres_check_result("the interval", res->lower + res->upper);
}

/*
 * The permutation test of the between-group share: p = (1 + #{b >= b0}) /
 * (1 + P) over P permutations of the group labels (Phipson and Smyth 2010),
 * b0 the observed between-group component; the total does not change under
 * permutation, so the between component orders the shares as well.  A
 * permutation whose between component is within 1e-12 (relative) of b0
 * counts as reaching it.
 */
void
unc_between_test(const char *items, Size n, int ngroups, const UncOptions *o, double *share, double *p)
{
	BootData	b;
	double	   *scratch,
			   *t,
				b0,
				var;
	int			P = o->replicates,
				hits = 0;

	prepare(&b, items, n, ngroups, o);
	b.component = COMP_BETWEEN_SHARE;
	scratch = palloc(Max(3 * ngroups, 1) * sizeof(double));
	estimate(&b, scratch, share, &var);
	(void) rep_decomposition(&b, NULL, b.g, scratch, COMP_BETWEEN, &b0);
	t = medres_alloc_huge(CurrentMemoryContext, P, sizeof(double), "the permutations");
	run_replicates(&b, o->seed, P, t, true);
	for (int r = 0; r < P; r++)
		if (t[r] >= b0 - 1e-12 * fabs(b0))
			hits++;
	*p = (1.0 + hits) / (1.0 + P);
	medres_check_result("the between-group share", *share);
}
