/*
 * bootstrap.c — the replicates behind the interval aggregates of
 * uncertainty.c (doc/uncertainty.md), on rows that se.c has put in
 * canonical order and scaled: the Poisson bootstrap and the permutation test
 * of the between-group share, on one or two threads, and the entry points
 * unc_interval and unc_between_test.
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

/* ---- one replicate ---- */

/* Gini: G = sum v x (2 C + v) / (V sum v x) - 1, C the weight below (independent of the order of ties) */
static bool
rep_gini(const BootData *b, const uint8 *m, double *out)
{
	double		C = 0.0,
				Sa = 0.0,
				Sm = 0.0;

	for (Size i = 0; i < b->n; i++)
	{
		double		v = UNC_RW(b, m, i),
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

/* one lane's two rows k, k + 1: the same operations in the same order in every lane */
#define GINI_LANE(l) \
	do { \
		uint64		u = mix64(key[l] + step); \
		double		v0 = w[k] * poisson1_fast((uint32) u), \
					v1 = w[k + 1] * poisson1_fast((uint32) (u >> 32)), \
					t0 = v0 * x[k], \
					t1 = v1 * x[k + 1]; \
 \
		Sa##l += t0 * (2.0 * C##l + v0); \
		C##l += v0; \
		Sa##l += t1 * (2.0 * C##l + v1); \
		C##l += v1; \
		Sm##l += t0; \
		Sm##l += t1; \
	} while (0)

static bool
gini_block(const BootData *b, const uint64 *key, double *out, bool *ok,
		   volatile sig_atomic_t *stop)
{
	double		C[GINI_LANES],
				Sa[GINI_LANES],
				Sm[GINI_LANES];
	/* the lanes' sums as separate scalars, so that they stay in registers */
	double		C0 = 0.0,
				C1 = 0.0,
				C2 = 0.0,
				C3 = 0.0,
				Sa0 = 0.0,
				Sa1 = 0.0,
				Sa2 = 0.0,
				Sa3 = 0.0,
				Sm0 = 0.0,
				Sm1 = 0.0,
				Sm2 = 0.0,
				Sm3 = 0.0;
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
		GINI_LANE(0);
		GINI_LANE(1);
		GINI_LANE(2);
		GINI_LANE(3);
	}
	C[0] = C0, C[1] = C1, C[2] = C2, C[3] = C3;
	Sa[0] = Sa0, Sa[1] = Sa1, Sa[2] = Sa2, Sa[3] = Sa3;
	Sm[0] = Sm0, Sm[1] = Sm1, Sm[2] = Sm2, Sm[3] = Sm3;
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
		if (UNC_RW(b, m, i) > 0.0 && b->f1[i] > 0.0)
			L = Max(L, b->alpha * (log(b->f1[i]) - b->ls));
	if (!isfinite(L))
		return false;
	for (Size i = 0; i < b->n; i++)
	{
		double		v = UNC_RW(b, m, i);

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

	if (!unc_moments(b, m, &m1, &m2) || !(m1 > 0.0))
		return false;
	if (b->ge_mode == GE_GENERAL && !(m2 > 0.0 && m2 <= DBL_MAX))
	{
		c = *b;
		if (!rescale_power_moment(b, m, &m2, &c.ls))
			return false;
		b = &c;
	}
	ge = b->ge_mode == GE_GENERAL && b->measure == MS_ATKINSON ? 0.0 : unc_ge_of_moments(b, m1, m2);
	*out = b->measure == MS_ATKINSON ? unc_atkinson_of_moments(b, m1, m2, ge) : ge;
	return isfinite(*out);
}

/* CV = K sqrt(m2 - m1^2) / (mean + K m1) with the centred features f1 = (x - mean)/K, f2 = f1^2 */
static bool
rep_cv(const BootData *b, const uint8 *m, double *out)
{
	double		m1,
				m2,
				mu;

	if (!unc_moments(b, m, &m1, &m2))
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
		double		v = UNC_RW(b, m, i);

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
		T += UNC_RW(b, m, i) * (b->x[i] - mu);
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
		double		v = UNC_RW(b, m, i);

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
	if (b->variant != CONC_STANDARD)
	{
		double		va,
					vb;

		if (!unc_conc_variant(b, *out, H / below, &va, &vb, out))
			return false;
	}
	return isfinite(*out);
}

/*
 * The decomposition of GE(alpha) by group (labels: the group of each row,
 * b->g or a permutation of it); scratch holds 3 ngroups doubles.  total is
 * GE of all rows, between GE of the group means weighted by the groups'
 * weights, within = total - between.
 */
bool
unc_decomposition(const BootData *b, const uint8 *m, const int32 *labels, double *scratch,
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
		double		v = UNC_RW(b, m, i);
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
			B2 += scratch[3 * g] * unc_ge_phi(b, scratch[3 * g + 1] / scratch[3 * g]);
	total = unc_ge_of_moments(b, S1 / V, S2 / V);
	between = unc_ge_of_moments(b, S1 / V, B2 / V);
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
			return unc_decomposition(b, m, b->g, scratch, b->component, out);
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
	void	   *dwork;			/* Dagum's decomposition: dagum_ci.c's workspace */
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
			if (j->b->measure == MS_DAGUM_TEST)
				ok = medres_dagum_ci_value(j->b, NULL, j->labels, j->dwork, COMP_NET_BETWEEN, &j->out[r],
										   j->threaded ? j->stop : NULL);
			else
				ok = unc_decomposition(j->b, NULL, j->labels, j->scratch, COMP_BETWEEN, &j->out[r]);
		}
		else
			for (int a = 0; a < UNC_MAX_ATTEMPTS && !ok && !*j->stop; a++)
			{
				draw_weights(j->base, r, a, j->b->n, j->m);
				if (j->b->measure == MS_DAGUM)
					ok = medres_dagum_ci_value(j->b, j->m, NULL, j->dwork, j->b->component, &j->out[r],
											   j->threaded ? j->stop : NULL);
				else
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
	j->dwork = b->measure == MS_DAGUM || b->measure == MS_DAGUM_TEST ? medres_dagum_ci_work(b) : NULL;
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
		hi.r0 = lo.r1 = (R / 2) & ~(GINI_LANES - 1);	/* a replicate keeps its lane */
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

	unc_prepare(&b, items, n, ngroups, o);
	scratch = palloc(Max(3 * ngroups, 1) * sizeof(double));
	if (o->measure == MS_DAGUM)
	{
		medres_dagum_ci_prepare(&b);
		medres_dagum_ci_estimate(&b, o->component, &res->estimate);
		var = 0.0;
	}
	else
		unc_estimate(&b, scratch, &res->estimate, &var);
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
 * b0 the observed between-group component (GE's between component, or
 * Dagum's net between-group Gini G_nb for dagum_between_test); the total
 * does not change under permutation, so the between component orders the
 * shares as well.  A
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

	unc_prepare(&b, items, n, ngroups, o);
	scratch = palloc(Max(3 * ngroups, 1) * sizeof(double));
	if (o->measure == MS_DAGUM_TEST)
	{
		/* Dagum's G_nb: its share of G, and G_nb itself orders the permutations */
		medres_dagum_ci_prepare(&b);
		medres_dagum_ci_estimate(&b, COMP_NET_BETWEEN_SHARE, share);
		medres_dagum_ci_estimate(&b, COMP_NET_BETWEEN, &b0);
	}
	else
	{
		b.component = COMP_BETWEEN_SHARE;
		unc_estimate(&b, scratch, share, &var);
		(void) unc_decomposition(&b, NULL, b.g, scratch, COMP_BETWEEN, &b0);
	}
	t = medres_alloc_huge(CurrentMemoryContext, P, sizeof(double), "the permutations");
	run_replicates(&b, o->seed, P, t, true);
	for (int r = 0; r < P; r++)
		if (t[r] >= b0 - 1e-12 * fabs(b0))
			hits++;
	*p = (1.0 + hits) / (1.0 + P);
	medres_check_result("the between-group share", *share);
}
