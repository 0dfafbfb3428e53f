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

#include <pthread.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/tuplestore.h"
#include "windowapi.h"

/*
 * Differences between the supported PostgreSQL majors (15 to 19), gathered
 * here so that no family file tests PG_VERSION_NUM.  The headers above are
 * included outright because 19's funcapi.h no longer pulls in
 * htup_details.h and tuplestore.h.
 *
 * pg_noreturn: 18 replaced the trailing pg_attribute_noreturn() by a
 * leading pg_noreturn; before 18, GCC's attribute is accepted leading too.
 * pg_attribute_always_inline: renamed pg_always_inline after 19.
 * medres_float8in: see below.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif
#if !defined(pg_attribute_always_inline) && defined(pg_always_inline)
#define pg_attribute_always_inline pg_always_inline
#endif

/*
 * float8in_internal: 16 added a soft-error context as a fifth argument; NULL
 * keeps 15's behaviour (bad input raises 22P02).
 */
#if PG_VERSION_NUM >= 160000
#define medres_float8in(num, endptr, type_name, orig) \
	float8in_internal((num), (endptr), (type_name), (orig), NULL)
#else
#define medres_float8in(num, endptr, type_name, orig) \
	float8in_internal((num), (endptr), (type_name), (orig))
#endif

#include <float.h>
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

/*
 * The power of two nearest below |v| (v != 0).  Dividing by it is exact, so
 * values can be brought near 1 to keep sums and squares far from overflow
 * without adding a rounding error of their own.
 */
static inline double
pow2_scale(double v)
{
	int			e;

	(void) frexp(v, &e);
	return ldexp(1.0, e - 1);
}

/*
 * 1 / pow2_scale(v), exact.  For a subnormal v that inverse would overflow;
 * 2^1000 instead still lifts every value up to v to at most 2.4e-7.
 */
static inline double
inv_pow2_scale(double v)
{
	return v >= DBL_MIN ? 1.0 / pow2_scale(v) : 0x1p1000;
}

/* Map a double to an unsigned key whose unsigned order is the numeric order. */
static inline uint64
double_sort_key(double d)
{
	uint64		u;

	memcpy(&u, &d, sizeof(u));
	return (u & UINT64CONST(0x8000000000000000)) ? ~u : (u | UINT64CONST(0x8000000000000000));
}

/* the inverse of double_sort_key */
static inline double
sort_key_double(uint64 k)
{
	uint64		u = (k & UINT64CONST(0x8000000000000000)) ? k & ~UINT64CONST(0x8000000000000000) : ~k;
	double		d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/*
 * splitmix64 (Steele, Lea and Flood 2014): a 64-bit random stream from any
 * seed, and a good mixer of 64-bit words; seeded k-means and the
 * permutation tests draw from it, so a seed gives the same answer anywhere.
 */
static inline uint64
splitmix64(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
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
 * group decomposition): W = sum w, S1 = sum w x/K1 and S2 = sum w phi(x),
 * each with its Neumaier compensation, where phi is ln(x/K1) (GE(0)),
 * (x/K1) ln(x/K1) (GE(1)) or (x/K2)^alpha (any other GE, Atkinson).
 * K1 and K2 are powers of two (so x/K is exact) taken from the first
 * positive value; a scale moves only when a term would exceed 1e100, so
 * for real data it never moves, while data spanning 1e-300..1e300 still
 * neither overflows nor loses its small terms' share of the mean.  The
 * power sum has its own scale because for alpha < 0 the smallest values
 * dominate it while the largest dominate the mean.
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

/* which scale a rescaling moves */
#define SCALE_MEAN	1			/* K1 */
#define SCALE_POWER 2			/* K2 */

/*
 * The terms of one positive value x: y = x/K1 for S1 and phi for S2.
 * Returns 0, or the SCALE_* that must move to pow2_scale(x) first.
 */
static inline int
power_terms(int mode, double alpha, double K1, double K2, double x, double *y, double *phi)
{
	*y = x / K1;
	if (unlikely(*y > RESCALE_ABOVE))
		return SCALE_MEAN;
	switch (mode)
	{
		case PHI_LOG:
			/* x/K1 may underflow for tiny x: take the difference of logs then */
			*phi = *y > 1.0 / RESCALE_ABOVE ? log(*y) : log(x) - log(K1);
			return 0;
		case PHI_XLOGX:
			*phi = *y > 0.0 ? *y * log(*y) : 0.0;	/* an underflowed y adds nothing */
			return 0;
		default:
			{
				double		y2 = x / K2;

				if (alpha == 2.0)
					*phi = y2 * y2;
				else if (alpha == 0.5)
					*phi = sqrt(y2);
				else if (alpha == -1.0)
					*phi = 1.0 / y2;
				else
					*phi = pow(y2, alpha);
				return unlikely(!(*phi <= RESCALE_ABOVE)) ? SCALE_POWER : 0;
			}
	}
}

/*
 * GE and Atkinson for alpha near 0 or 1 (streaming.c's PF_NEAR, which
 * explains it): alpha = c + d with c = near_c(alpha) the nearer of 0 and 1
 * and |d| < NEAR_BAND, and E_d(t) = expm1(d t)/d, by its Taylor series where
 * d t is tiny so that d = 5e-324 stays exact.
 */
#define NEAR_BAND	(1.0 / 64)

static inline int
near_c(double alpha)
{
	return fabs(alpha) < fabs(alpha - 1.0) ? 0 : 1;
}

static inline double
expm1_over(double d, double t)
{
	double		z = d * t;

	if (fabs(z) < 1e-5)
		return t * (1.0 + z / 2.0 * (1.0 + z / 3.0 * (1.0 + z / 4.0)));
	return expm1(z) / d;
}

#define GE_ALPHA_MAX 256.0
extern void medres_check_ge_alpha(double alpha);
extern double power_next_scale(int which, double K1, double K2, double x, double alpha);
extern void power_sums_rescale(PowerSums *s, int mode, double alpha, int which,
							   double oldK, double newK);
extern int	power_common_scale(int mode, double alpha, int which, double Ka, double Kb);
extern double power_ge(int mode, double alpha, const PowerSums *s, double K1, double K2);
extern double power_atkinson(int mode, double alpha, const PowerSums *s, double K1, double K2);

/* sort.c */
/*
 * A consumer of sorted records (see sort.c): fn(recs, n, arg) gets each
 * stretch of final records in key order.  When the sort shares its work
 * with a helper thread, the helper takes the records from some key on; if
 * split is set, the helper first calls split(its records, unsorted, the
 * largest key below them, arg, upper_arg), then visits its part itself
 * with fn(..., upper_arg), and after the join the backend calls
 * join(arg, upper_arg).  A visitor without split keeps the whole sort in
 * the backend.
 * split and fn on upper_arg run in the helper: plain arithmetic only.
 */
typedef struct MedresSortVisitor
{
	void		(*fn) (const void *recs, Size n, void *arg);
	void	   *arg;
	void		(*split) (const void *recs, Size n, double below, const void *arg, void *upper_arg);
	void		(*join) (void *arg, const void *upper_arg);
	void	   *upper_arg;
} MedresSortVisitor;

extern void medres_sort_records(void *a, Size n, int elemsize);
extern void medres_sort_records_visit(void *a, Size n, int elemsize, const uint64 *range,
									  const MedresSortVisitor *visit);
extern void medres_merge_records(void *dst, const void *a, Size na, const void *b, Size nb,
								 int elemsize);

/*
 * numeric.c — argument checks; each raises 22023 naming the argument.  The
 * checks run once per row, so the test is inline and only the error
 * report is a call.
 */
pg_noreturn extern void medres_report_not_finite(const char *argname, double v);
pg_noreturn extern void medres_report_negative(const char *argname, double v);
pg_noreturn extern void medres_report_bad_weight(double w);

static inline void
medres_check_finite(const char *argname, double v)
{
	if (unlikely(!(v >= -DBL_MAX && v <= DBL_MAX)))
		medres_report_not_finite(argname, v);
}

static inline void
medres_check_nonnegative(const char *argname, double v)
{
	if (unlikely(!(v >= 0.0 && v <= DBL_MAX)))
		medres_report_negative(argname, v);
}

static inline void
medres_check_weight(double w)
{
	if (unlikely(!(w >= 0.0 && w <= DBL_MAX)))
		medres_report_bad_weight(w);
}

extern void medres_check_param_constant(const char *argname, double prev, double cur);
extern int	medres_parse_option(text *value, const char *argname, const char *const *names,
								int dflt, const char *hint);
extern void medres_check_result(const char *measure, double v);
extern void medres_check_span_result(const char *measure, double v);
extern char *medres_float_text(double v);
extern void *medres_alloc_huge(MemoryContext cxt, Size nmemb, Size size, const char *what);
extern void *medres_realloc_huge(void *p, Size nmemb, Size size, const char *what);
extern void *medres_palloc_advised(Size len);

/*
 * Serialized aggregate states (numeric.c).  Every internal-typed state that
 * travels between parallel processes starts with this tag, naming the kind
 * of state and the version of its layout, so that a deserialize function
 * rejects bytes that are not its own state (another medres aggregate's
 * included) with an error instead of reading them.
 */
#define MEDRES_STATE_MAGIC	0x5352444D	/* "MDRS" in memory order on little-endian */
#define MEDRES_STATE_RANK_XW		1	/* gini, gini_totals, lorenz */
#define MEDRES_STATE_RANK_RHW		2	/* concentration_index */
#define MEDRES_STATE_DECOMPOSITION	3	/* ge_decomposition */
#define MEDRES_STATE_CLUSTER		4	/* hclust_tree, silhouette */

typedef struct MedresStateTag
{
	uint32		magic;
	uint16		kind;
	uint16		version;
} MedresStateTag;

extern void medres_state_tag(MedresStateTag *tag, int kind, int version);
extern int	medres_state_check(const char *data, Size len, Size header, int kind_lo, int kind_hi,
							   int version);
pg_noreturn extern void medres_state_invalid(const char *detail);

/* partition.c — array arguments and window partitions */
typedef struct VectorRows
{
	int64		total;			/* rows in the partition */
	int			n;				/* rows with a non-NULL array */
	int			m;				/* values per array */
	int		   *unit_of_row;	/* per partition row: index into x, or -1 */
	double	   *x;				/* n x m, row-major */
} VectorRows;

extern double *medres_float8_array_values(ArrayType *a, const char *argname, int *len);
extern void medres_read_vectors(WindowObject winobj, int argno, const char *argname,
								const char *what, int copies, VectorRows *mx);
extern Datum medres_win_const_arg(FunctionCallInfo fcinfo, int argno, const char *argname,
								  bool *isnull);
extern text *medres_win_text_arg(FunctionCallInfo fcinfo, int argno, const char *argname);
extern text *medres_opt_text(FunctionCallInfo fcinfo, int argno);
extern ArrayType *medres_win_array_arg(FunctionCallInfo fcinfo, int argno, const char *argname);

/* medres.c */
extern int	medres_memory_limit_kb;
extern int	medres_threads;

/* records from which a rank-based aggregate shares its sort or merge with a helper thread */
#define MEDRES_THREAD_MIN_RECORDS (1 << 20)
extern bool medres_start_helper(pthread_t *thread, void *(*fn) (void *), void *arg);
extern bool medres_cancel_requested(void);
pg_noreturn extern void medres_helper_stopped(const char *what);
extern void medres_check_memory(Size bytes, const char *what);

/* numeric.c — statistics helpers */
extern double medres_normal_quantile(double p);
extern double medres_f_upper_tail(double f, double df1, double df2);
extern void medres_average_ranks(const double *x, int n, double *ranks);

/*
 * Helper "svg" (issue 14): the tree of cluster.c, rendered by dendrogram.c.
 * A merge as reported: scipy's linkage-matrix row (leaves 0..n-1, the merge
 * of step s makes node n + s), its height in build_tree's scaled units.
 */
typedef struct Merge
{
	int			left;
	int			right;
	double		height;
	int			size;
} Merge;

/* what a rendering knows of the clustering: option names, hclust_svg's options */
typedef struct MedresTreeInfo
{
	const char *linkage;		/* "average", ... */
	const char *metric;			/* "sqeuclidean", ... */
	const char *standardize;	/* "zscore", "range", "none" */
	const char *options;		/* jsonb text, or NULL */
} MedresTreeInfo;

typedef char *(*MedresTreeRender) (const Merge *m, int n, char **labels, int hexp,
								   const MedresTreeInfo *info);

/* charts.c: the state of lorenz_svg and concentration_svg */
#define MEDRES_STATE_CURVE_SVG		5

/* cluster.c: a height (scaled by 2^hexp) as reported; 22003 if no double holds it */
extern double medres_reported_height(double h, int hexp);

/* dendrogram.c */
extern char *medres_tree_newick(const Merge *m, int n, char **labels, int hexp,
								const MedresTreeInfo *info);
extern char *medres_tree_svg(const Merge *m, int n, char **labels, int hexp,
							 const MedresTreeInfo *info);

/*
 * Helper "map" (issue 14): class breaks (jenks.c) and choropleth maps
 * (choropleth.c, in medres_postgis).  Kind numbers 20 and 21 stay clear of
 * the ones other helpers add.
 */
#define MEDRES_STATE_CLASS_BREAKS	20	/* class_breaks */
#define MEDRES_STATE_CHOROPLETH		21	/* choropleth_svg */

/* jenks.c: methods 0 quantile, 1 equal, 2 jenks; 22023 naming argname */
extern int	medres_class_method(const char *name, const char *argname);
extern void medres_check_class_k(int k, const char *argname);
/* k' + 1 breaks of n finite values (sorted in place) into brk[k + 1]; returns k' */
extern int	medres_class_breaks(double *x, int n, int k, int method, double *brk);
/* the class 0..nb-1 of x: the first c with x <= brk[c + 1] */
extern int	medres_class_of(double x, const double *brk, int nb);

/* ---- dagum.c (helper dagum): Dagum's Gini decomposition by groups ---- */
#define MEDRES_STATE_DAGUM			30	/* dagum_decomposition (5 and 20-22 are taken on other branches) */
/* groups one decomposition may have: the sweep costs rows x groups, the result groups^2 pairs */
#define DAGUM_MAX_GROUPS			1000

/*
 * ==== uncertainty.c, bootstrap.c (helper ci): confidence intervals and tests ====
 * The interval aggregates keep their rows like the rank-based measures and
 * sort them into a canonical order; bootstrap.c computes on that order.
 */
#define MEDRES_STATE_UNC_XW		40	/* inequality_ci */
#define MEDRES_STATE_UNC_RHW	41	/* concentration_index_ci */
#define MEDRES_STATE_UNC_GRP	42	/* ge_decomposition_ci, ge_between_test */

#define MS_GINI		0
#define MS_GE		1			/* theil_t = ge(1), theil_l = ge(0) */
#define MS_ATKINSON 2			/* param = alpha = 1 - epsilon */
#define MS_CV		3
#define MS_HOOVER	4
#define MS_CONC		5
#define MS_DEC		6
#define MS_TEST		7

#define METHOD_ANALYTIC		0
#define METHOD_PERCENTILE	1
#define METHOD_NORMAL		2

#define COMP_TOTAL			0
#define COMP_BETWEEN		1
#define COMP_WITHIN			2
#define COMP_BETWEEN_SHARE	3
#define COMP_WITHIN_SHARE	4

#define UNC_REPLICATES_MAX			100000
#define UNC_DEFAULT_REPLICATES		1000
#define UNC_DEFAULT_PERMUTATIONS	999

typedef struct UncOptions
{
	int32		measure;		/* MS_* */
	int32		method;			/* METHOD_* */
	int32		component;		/* COMP_* (decomposition) */
	int32		replicates;		/* or permutations */
	double		param;			/* alpha of GE and the decomposition; 1 - epsilon for Atkinson */
	double		level;
	int64		seed;
	int32		variant;		/* concentration index: CONC_* */
	int32		bounds;			/* 1 if lower and upper were given */
	double		lower,			/* the bounds of health (Erreygers; [0, 1] otherwise) */
				upper;
} UncOptions;

#define CONC_STANDARD	0
#define CONC_WAGSTAFF	1
#define CONC_ERREYGERS	2

/* a row of the decomposition aggregates: value, weight, group id (as a double) */
typedef struct UncXWG
{
	double		x;
	double		w;
	double		g;
} UncXWG;

typedef struct UncResult
{
	double		estimate,
				se,
				lower,
				upper;
} UncResult;

extern void unc_interval(const char *items, Size n, int ngroups, const UncOptions *o, UncResult *res);
extern void unc_between_test(const char *items, Size n, int ngroups, const UncOptions *o,
							 double *share, double *p);
/*
 * se.c and bootstrap.c: the rows of an interval in canonical order, scaled
 * (se.c, unc_prepare), with the features of the measure.
 */
/* GE modes: the general formula, or alpha = c + d near c = 0 or 1 (see near_c above) */
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
	double		xscale;			/* x = value (health) times xscale */
	int			variant;		/* concentration index: CONC_* */
	double		lower,
				upper;
	void	   *dagum;			/* dagum_ci.c: the rows in value order (MS_DAGUM, MS_DAGUM_TEST) */
} BootData;

/* the weight of row i in a replicate with multipliers m (NULL: the sample itself) */
#define UNC_RW(b, m, i) ((m) ? (b)->w[i] * (double) (m)[i] : (b)->w[i])

extern void unc_prepare(BootData *b, const char *items, Size n, int ngroups, const UncOptions *o);
extern void unc_estimate(const BootData *b, double *scratch, double *est, double *var);
extern bool unc_moments(const BootData *b, const uint8 *m, double *m1, double *m2);
extern double unc_ge_phi(const BootData *b, double y);
extern double unc_ge_of_moments(const BootData *b, double m1, double m2);
extern double unc_atkinson_of_moments(const BootData *b, double m1, double m2, double ge);
extern bool unc_decomposition(const BootData *b, const uint8 *m, const int32 *labels,
							  double *scratch, int component, double *out);
pg_noreturn extern void unc_span_error(void);
extern double unc_conc_unscale(const BootData *b, double v);
extern bool unc_conc_variant(const BootData *b, double C, double mu, double *va, double *vb,
							 double *value);
/* ==== end of uncertainty ==== */

/*
 * ==== dagum.c, dagum_ci.c (helper dagci): intervals and the permutation
 * test for Dagum's decomposition ====
 */
#include <signal.h>

#define MS_DAGUM		8			/* dagum_decomposition_ci */
#define MS_DAGUM_TEST	9			/* dagum_between_test */

/* components of dagum_decomposition_ci besides COMP_TOTAL, COMP_WITHIN, COMP_WITHIN_SHARE */
#define COMP_NET_BETWEEN			5
#define COMP_TRANSVARIATION			6
#define COMP_NET_BETWEEN_SHARE		7
#define COMP_TRANSVARIATION_SHARE	8

/* dagum.c: the one-sided sums of the decomposition, each with its compensation term */
typedef struct DagumSums
{
	int			k;
	double	   *P,
			   *Pc;				/* k x k, P[j * k + h] (see dagum.c) */
	double	   *W,
			   *Wc,				/* per group: sum q */
			   *M,
			   *Mc;				/* per group: sum q z */
} DagumSums;

typedef struct DagumSweep DagumSweep;	/* the sweep's workspace */

extern DagumSweep *medres_dagum_sweep_new(int k);
extern void medres_dagum_sums_init(DagumSums *s, int k);
extern bool medres_dagum_components(const DagumSums *s, double *out);
extern bool medres_dagum_sweep(DagumSweep *ws, const double *z, const double *q, const double *g,
							   Size stride, Size n, double fz1, double fz2, double fq,
							   DagumSums *s, volatile sig_atomic_t *stop);

/* dagum_ci.c, for bootstrap.c */
extern void medres_dagum_ci_prepare(BootData *b);
extern void *medres_dagum_ci_work(const BootData *b);
extern bool medres_dagum_ci_value(const BootData *b, const uint8 *m, const int32 *labels, void *work,
								  int component, double *out, volatile sig_atomic_t *stop);
extern void medres_dagum_ci_estimate(const BootData *b, int component, double *est);
/* ==== end of dagci ==== */

#endif							/* MEDRES_H */
