/*
 * accessibility.c — accessibility(): spatial accessibility by the
 * floating-catchment-area family (2SFCA, enhanced 2SFCA, gravity, 3SFCA)
 * and the supply-to-population ratio within a catchment.  The scores are
 * plain C over arrays (Fca, fca_batch, fca_scores, fca_finish); the fmgr
 * glue reads supply, demand and an optional cost table through spatial.c,
 * and pairs within the catchment come from spatial_pairs.c or the table.
 *
 * Definitions: METHODS.md, "Spatial accessibility (FCA family)";
 * doc/spatial.md.
 */
#include "spatial.h"

#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include <limits.h>

/* ---------------------------------------------------------------------
 * Plain C: the floating-catchment-area family
 * --------------------------------------------------------------------- */

#define FCA_2SFCA		0
#define FCA_E2SFCA		1
#define FCA_GRAVITY		2
#define FCA_3SFCA		3
#define FCA_RATIO		4
static const char *const fca_names[] = {"2sfca", "e2sfca", "gravity", "3sfca", "ratio", NULL};

#define DECAY_NONE		0
#define DECAY_GAUSSIAN	1
#define DECAY_POWER		2
#define DECAY_EXPONENTIAL 3
static const char *const decay_names[] = {"none", "gaussian", "power", "exponential", NULL};

/*
 * Numbers.  Populations and each supply column are divided by a power of
 * two near their largest value (exact), so sums of 1e308s do not overflow
 * and 5e-324s are not lost; the scores are scaled back at the end by the
 * quotient of the two powers.  Weights are carried as logarithms: log f is
 * finite where f itself underflows (a Gaussian with a tiny sigma, a high
 * power), and the true result, a ratio of such weights, is finite.  Each
 * facility keeps its denominator relative to its largest log weight M_j
 * (a running log-sum-exp), D_j = exp(M_j) D'_j, so
 *   A_i = sum_j S_j w_ij / D_j = sum_j (S_j / D'_j) exp(log w_ij - M_j),
 * where every exponent is <= 0.  3SFCA's demand-side sums sum_k f_ik are
 * kept the same way (lognorm_i = log sum_k f_ik).
 */
typedef struct Fca
{
	int			method;
	int			decay;
	double		param;
	double		catchment;		/* +Inf: none */
	int			nbands;
	double	   *bands;			/* ascending upper limits */
	double	   *band_weights;
	double	   *band_logw;		/* log of the band weights over their largest power of two */

	int			nd;				/* demand units */
	int			ns;				/* facilities */
	int			m;				/* supply columns */
	const double *pop;			/* nd, scaled: P_i / 2^pop_exp */
	const double *supply;		/* ns x m, scaled: S_jc / 2^supply_exp[c] */
	int			pop_exp;
	int		   *supply_exp;		/* m */

	int			pass;
	double	   *sumf;			/* 3SFCA: sum of f over each demand's catchment, relative to lognorm */
	double	   *lognorm;		/* 3SFCA: its log shift, then log sum_k f_ik */
	double	   *denom;			/* per facility: D'_j */
	double	   *maxlog;			/* per facility: M_j (0 for the fused 2SFCA kernel) */
	double	   *ratio;			/* ns x m: S_j / D'_j */
	double	   *score;			/* nd x m */
	bool	   *reached;		/* per facility: some demand in reach */
	bool		lw_overflow;	/* a log weight beyond the double range (see fca_batch) */
} Fca;

/* log f(d) inside the catchment; -Inf for a weight of 0 */
static inline double
fca_logweight(const Fca *f, double d)
{
	switch (f->method)
	{
		case FCA_E2SFCA:
			for (int r = 0; r < f->nbands; r++)
				if (d <= f->bands[r])
					return f->band_logw[r];
			return -INFINITY;
		case FCA_2SFCA:
		case FCA_RATIO:
			return 0.0;
		default:
			switch (f->decay)
			{
				case DECAY_GAUSSIAN:
					{
						/* -(d/sigma)^2 / 2: d/sigma neither overflows nor underflows as d^2/sigma^2 can */
						double		u = d / f->param;

						return -0.5 * u * u;
					}
				case DECAY_POWER:
					return -f->param * log(Max(d, 1.0));
				case DECAY_EXPONENTIAL:
					return -f->param * d;
				default:
					return 0.0;
			}
	}
}

/* add p exp(lw) to the sum kept as exp(*shift) * *sum (an empty sum is 0) */
static inline void
lse_add(double *shift, double *sum, double lw, double p)
{
	if (*sum == 0.0)
	{
		*shift = lw;
		*sum = p;
	}
	else if (lw > *shift)
	{
		*sum = *sum * exp(*shift - lw) + p;
		*shift = lw;
	}
	else
		*sum += p * exp(lw - *shift);
}

/*
 * One pass over a batch of (demand i, facility j, distance d) pairs within
 * the catchment.  Pass 0 (3SFCA only): each demand's sum of f.  Pass 1:
 * facility denominators sum_i P_i w_ij.  Pass 2: scores
 * A_i = sum_j R_j w_ij.  w_ij is f(d_ij), times the selection weight
 * G_ij = f_ij / sum_k f_ik for 3SFCA.  Plain arithmetic: it runs on the
 * helper thread too.
 */
static void
fca_batch(void *arg, const PairBatch *b)
{
	Fca		   *f = arg;

	for (int t = 0; t < b->n; t++)
	{
		int			i = b->i[t],
					j = b->j[t];
		double		lw = fca_logweight(f, b->d[t]);

		/* 3SFCA: log(f G) = log f + (log f - log sum_k f_ik), the second term <= 0 */
		if (f->method == FCA_3SFCA && f->pass > 0 && lw != -INFINITY)
			lw += lw - f->lognorm[i];
		if (lw == -INFINITY)
		{
			/*
			 * f = 0: a band weight of 0, or a distance beyond the double
			 * range.  With a decay at a finite distance f > 0 but its log
			 * overflowed ((d/sigma)^2, beta d or beta ln d past 1e308):
			 * flagged, and reported by the backend after the pass.
			 */
			if (f->decay != DECAY_NONE && b->d[t] <= DBL_MAX)
				f->lw_overflow = true;
			continue;
		}
		if (f->pass == 0)
		{
			lse_add(&f->lognorm[i], &f->sumf[i], lw, 1.0);
			continue;
		}
		if (f->pass == 1)
		{
			if (f->pop[i] > 0.0)
			{
				lse_add(&f->maxlog[j], &f->denom[j], lw, f->pop[i]);
				f->reached[j] = true;
			}
		}
		else if (f->denom[j] > 0.0)
		{
			double		w = exp(lw - f->maxlog[j]);

			for (int c = 0; c < f->m; c++)
				f->score[(Size) i * f->m + c] += f->ratio[(Size) j * f->m + c] * w;
		}
	}
}
/* ratio method, pass 1: supply within reach of each demand unit */
static void
ratio_supply_batch(void *arg, const PairBatch *b)
{
	Fca		   *f = arg;

	for (int t = 0; t < b->n; t++)
		for (int c = 0; c < f->m; c++)
			f->score[(Size) b->i[t] * f->m + c] += f->supply[(Size) b->j[t] * f->m + c];
}

/* ratio method, pass 2: population within reach of each demand unit (itself included) */
static void
ratio_population_batch(void *arg, const PairBatch *b)
{
	Fca		   *f = arg;

	for (int t = 0; t < b->n; t++)
		f->sumf[b->i[t]] += f->pop[b->j[t]];
}

/* a source of pairs: from the grid over geometries, or from a cost table */
typedef struct PairSource
{
	const Located *demand;
	const Located *supply;
	/* cost mode */
	int			npairs;
	const int  *pi;
	const int  *pj;
	const double *pd;
} PairSource;

static void
pairs_from_source(const PairSource *src, double radius, PairFn fn, void *arg, void *arg2)
{
	if (src->demand)
	{
		const Fca  *f = arg;

		/* 2SFCA over geometries: the fused kernels */
		if (fn == fca_batch && f->method == FCA_2SFCA && f->pass > 0)
		{
			const Fca  *f2 = arg2;
			PairKernel	k1 = {f->pass, f->m, f->pop, f->denom, f->reached, f->ratio, f->score};
			PairKernel	k2 = {f2->pass, f2->m, f2->pop, f2->denom, f2->reached, f2->ratio, f2->score};

			pairs_within2(src->demand, src->supply, radius, fn, arg, arg2, &k1, &k2);
			return;
		}
		pairs_within2(src->demand, src->supply, radius, fn, arg, arg2, NULL, NULL);
		return;
	}
	{
		PairBatch  *b = palloc(sizeof(PairBatch));

		b->n = 0;
		for (int t = 0; t < src->npairs; t++)
		{
			if (src->pd[t] <= radius)
				pair_add(b, src->pi[t], src->pj[t], src->pd[t], fn, arg);
			if ((t & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		if (b->n > 0)
			fn(arg, b);
		pfree(b);
	}
}

/*
 * The scores (nd x m) of the FCA method in f.  A facility that no demand
 * reaches serves nobody and adds nothing; a demand unit that reaches no
 * facility scores 0.  For the ratio method *undefined marks units whose
 * catchment holds supply but no population.
 */
static void
fca_scores(Fca *f, const PairSource *src, const Located *demand_self, bool *undefined)
{
	Fca			half;			/* the helper thread's accumulator */
	const char *what = "the accessibility scores";

	f->score = spatial_alloc0((Size) f->nd * f->m, sizeof(double), what);
	f->sumf = spatial_alloc0(f->nd, sizeof(double), what);
	if (f->method == FCA_RATIO)
	{
		/* both passes write per demand unit only, so the halves can share f */
		pairs_from_source(src, f->catchment, ratio_supply_batch, f, f);
		pairs_within2(demand_self, demand_self, f->catchment, ratio_population_batch, f, f, NULL, NULL);
		for (int i = 0; i < f->nd; i++)
		{
			if ((i & 0xFFFF) == 0xFFFF)
				CHECK_FOR_INTERRUPTS();
			for (int c = 0; c < f->m; c++)
			{
				double	   *s = &f->score[(Size) i * f->m + c];

				undefined[(Size) i * f->m + c] = f->sumf[i] == 0.0 && *s > 0.0;
				*s = f->sumf[i] > 0.0 ? *s / f->sumf[i] : 0.0;
			}
		}
		return;
	}
	f->lognorm = spatial_alloc0(f->nd, sizeof(double), what);
	f->denom = spatial_alloc0(f->ns, sizeof(double), what);
	f->maxlog = spatial_alloc0(f->ns, sizeof(double), what);
	f->reached = spatial_alloc0(f->ns, sizeof(bool), what);
	f->ratio = spatial_alloc0((Size) f->ns * f->m, sizeof(double), what);
	half = *f;
	half.denom = spatial_alloc0(f->ns, sizeof(double), what);
	half.maxlog = spatial_alloc0(f->ns, sizeof(double), what);
	half.reached = spatial_alloc0(f->ns, sizeof(bool), what);
	if (f->method == FCA_3SFCA)
	{
		/* per demand unit: both halves share sumf and lognorm */
		f->pass = half.pass = 0;
		pairs_from_source(src, f->catchment, fca_batch, f, &half);
		for (int i = 0; i < f->nd; i++)
			if (f->sumf[i] > 0.0)
				f->lognorm[i] += log(f->sumf[i]);
	}
	f->pass = half.pass = 1;
	pairs_from_source(src, f->catchment, fca_batch, f, &half);
	for (int j = 0; j < f->ns; j++)
	{
		/* join the halves' log-sum-exps */
		if (half.denom[j] > 0.0)
		{
			if (f->denom[j] > 0.0)
			{
				double		mx = Max(f->maxlog[j], half.maxlog[j]);

				f->denom[j] = f->denom[j] * exp(f->maxlog[j] - mx) + half.denom[j] * exp(half.maxlog[j] - mx);
				f->maxlog[j] = mx;
			}
			else
			{
				f->denom[j] = half.denom[j];
				f->maxlog[j] = half.maxlog[j];
			}
		}
		f->reached[j] |= half.reached[j];
		for (int c = 0; c < f->m; c++)
			f->ratio[(Size) j * f->m + c] = f->denom[j] > 0.0 ? f->supply[(Size) j * f->m + c] / f->denom[j] : 0.0;
	}
	half.ratio = f->ratio;
	half.denom = f->denom;
	half.maxlog = f->maxlog;
	f->pass = half.pass = 2;
	pairs_from_source(src, f->catchment, fca_batch, f, &half);
	if (f->lw_overflow || half.lw_overflow)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the distance-decay weights of decay_param %s are out of the range of double precision",
						medres_float_text(f->param)),
				 errdetail("The logarithm of the %s weight overflows at some distance within the catchment.",
						   decay_names[f->decay]),
				 errhint("Measure distances in other units, or choose a decay_param nearer 1.")));
	memset(undefined, 0, (Size) f->nd * f->m * sizeof(bool));
}

/*
 * The scores in their own units: the scaled scores times 2^(supply
 * exponent - population exponent), or, normalized, over their
 * population-weighted mean (where both powers cancel).  A score beyond
 * the double range is 22003.
 */
static void
fca_finish(Fca *f, bool normalize, const int64 *id, char *const *names)
{
	for (int c = 0; c < f->m; c++)
	{
		int			shift = f->supply_exp[c] - f->pop_exp;
		double		K = 1.0,
					mean = 1.0;

		if (normalize)
		{
			double		pa = 0.0,
						pac = 0.0,
						p = 0.0,
						pc = 0.0,
						top = 0.0;

			for (int i = 0; i < f->nd; i++)
				top = Max(top, f->score[(Size) i * f->m + c]);
			if (!(top > 0.0))
				continue;		/* nobody reaches anything: all scores stay 0 */
			/* the mean of the scores over a power of two near the largest: no overflow */
			K = top <= DBL_MAX ? pow2_scale(top) : get_float8_infinity();
			for (int i = 0; i < f->nd; i++)
			{
				neumaier_add(&pa, &pac, f->pop[i] * (f->score[(Size) i * f->m + c] / K));
				neumaier_add(&p, &pc, f->pop[i]);
			}
			mean = (pa + pac) / (p + pc);
			if (!(mean > 0.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the %s scores cannot be normalized: their population-weighted mean is 0", names[c]),
						 errdetail("Only units without population have access.")));
		}
		for (int i = 0; i < f->nd; i++)
		{
			double	   *a = &f->score[(Size) i * f->m + c];

			if ((i & 0xFFFF) == 0xFFFF)
				CHECK_FOR_INTERRUPTS();
			if (normalize)
				*a = (*a / K) / mean;
			else if (*a != 0.0)
				*a = ldexp(*a, shift);
			if (!(*a <= DBL_MAX))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("the %s score of demand id %lld is out of the range of double precision",
								names[c], (long long) id[i]),
						 errhint("Rescale the supply or the population in supply_sql and demand_sql.")));
		}
	}
}

/* ---------------------------------------------------------------------
 * accessibility()
 * --------------------------------------------------------------------- */

/* the FCA options from the arguments, checked */
static void
fca_options(FunctionCallInfo fcinfo, Fca *f)
{
	text	   *decay = medres_opt_text(fcinfo, 4);
	double		catchment = 0.0;
	bool		has_catchment = opt_float_arg(fcinfo, 3, &catchment);

	f->method = medres_parse_option(medres_opt_text(fcinfo, 2), "method", fca_names, FCA_2SFCA,
									"Use 2sfca, e2sfca, gravity, 3sfca or ratio.");
	f->decay = medres_parse_option(decay, "decay", decay_names, DECAY_NONE,
								   "Use gaussian, power, exponential or none.");
	if (decay && f->method != FCA_GRAVITY && f->method != FCA_3SFCA && f->decay != DECAY_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"%s\" takes no decay", fca_names[f->method]),
				 errhint("A decay function applies to the gravity and 3sfca methods; e2sfca takes bands.")));
	if (f->method == FCA_GRAVITY && decay == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"gravity\" needs a decay"),
				 errhint("Give decay => 'gaussian', 'power' or 'exponential' with decay_param.")));
	if (f->decay != DECAY_NONE)
	{
		if (!opt_float_arg(fcinfo, 5, &f->param))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("decay \"%s\" needs decay_param", decay_names[f->decay]),
					 errhint("gaussian: the standard deviation sigma; power and exponential: beta.")));
		check_positive_param("decay_param", f->param);
	}
	if (has_catchment)
		check_positive_param("catchment", catchment);
	f->catchment = has_catchment ? catchment : get_float8_infinity();

	if (f->method == FCA_E2SFCA)
	{
		ArrayType  *b = PG_NARGS() > 6 && !PG_ARGISNULL(6) ? PG_GETARG_ARRAYTYPE_P(6) : NULL;
		ArrayType  *w = PG_NARGS() > 7 && !PG_ARGISNULL(7) ? PG_GETARG_ARRAYTYPE_P(7) : NULL;
		static const double default_weights[] = {1.0, 0.68, 0.22};
		int			nw = 0;

		if (b == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("method \"e2sfca\" needs bands"),
					 errhint("Give the upper limits of the distance bands, e.g. bands => '{10000,20000,30000}'.")));
		f->bands = medres_float8_array_values(b, "bands", &f->nbands);
		if (f->nbands == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bands must not be empty")));
		for (int r = 0; r < f->nbands; r++)
		{
			check_positive_param("bands", f->bands[r]);
			if (r > 0 && !(f->bands[r] > f->bands[r - 1]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("bands must be ascending: %s after %s",
								medres_float_text(f->bands[r]), medres_float_text(f->bands[r - 1]))));
		}
		if (w)
			f->band_weights = medres_float8_array_values(w, "band_weights", &nw);
		else if (f->nbands == 3)
		{
			f->band_weights = (double *) default_weights;
			nw = 3;
		}
		if (nw != f->nbands)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("band_weights must have one weight per band (%d), got %d", f->nbands, nw),
					 errhint("Only three bands have a default: weights 1, 0.68 and 0.22.")));
		f->band_logw = palloc(sizeof(double) * nw);
		for (int r = 0; r < nw; r++)
		{
			medres_check_nonnegative("band_weights", f->band_weights[r]);
			f->band_logw[r] = f->band_weights[r] > 0.0 ? log(f->band_weights[r]) : -INFINITY;
		}
		if (has_catchment && catchment != f->bands[f->nbands - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("catchment %s differs from the last band %s",
							medres_float_text(catchment), medres_float_text(f->bands[f->nbands - 1])),
					 errhint("Method e2sfca takes its catchment from bands: leave catchment NULL.")));
		f->catchment = f->bands[f->nbands - 1];
	}
	else if (!has_catchment && f->method != FCA_GRAVITY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"%s\" needs a catchment", fca_names[f->method]),
				 errhint("Give the largest distance (or cost) at which a facility serves a unit.")));
}

typedef struct CostReader
{
	const IdMap *demand;
	const IdMap *supply;
	Vec			i,
				j,
				d;
} CostReader;

static void
cost_row(void *arg, HeapTuple tup, TupleDesc td)
{
	static const PairColumns costs = {"cost_sql", {"demand_id", "supply_id", "cost"},
		"cost", "demand ", "supply ", "Costs must be finite and non-negative."};
	CostReader *rd = arg;
	int64		di,
				sj;
	double		c = get_pair_row(tup, td, &costs, &di, &sj);
	int			i,
				j;

	i = idmap_find(rd->demand, di);
	j = idmap_find(rd->supply, sj);
	if (i < 0 || j < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cost_sql refers to %s id %lld, which %s does not return",
						i < 0 ? "demand" : "supply", (long long) (i < 0 ? di : sj),
						i < 0 ? "demand_sql" : "supply_sql")));
	*(int *) vec_push(&rd->i) = i;
	*(int *) vec_push(&rd->j) = j;
	*(double *) vec_push(&rd->d) = c;
}

/*
 * accessibility(supply_sql, demand_sql, method, catchment, decay,
 *               decay_param, bands, band_weights, cost_sql, normalized)
 *   RETURNS TABLE(id bigint, supply text, score float8)
 */
PG_FUNCTION_INFO_V1(medres_accessibility);
Datum
medres_accessibility(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext outer;
	char	   *supply_sql = required_sql(fcinfo, 0, "supply_sql");
	char	   *demand_sql = required_sql(fcinfo, 1, "demand_sql");
	char	   *cost_sql = PG_NARGS() > 8 && !PG_ARGISNULL(8) ? inner_sql_text(PG_GETARG_TEXT_PP(8)) : NULL;
	bool		normalize = PG_NARGS() > 9 && !PG_ARGISNULL(9) && PG_GETARG_BOOL(9);
	Fca			f;
	PointSet	S,
				D;
	Located		LS,
				LD;
	PairSource	src;
	bool	   *undefined;
	const char *pg;

	memset(&f, 0, sizeof(f));
	fca_options(fcinfo, &f);
	if (cost_sql && f.method == FCA_RATIO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"ratio\" needs geometries, not cost_sql"),
				 errdetail("It counts the population within reach of each unit, which a demand-to-supply cost table does not give.")));
	InitMaterializedSRF(fcinfo, 0);
	outer = CurrentMemoryContext;

	SPI_connect();
	pg = MemoryContextStrdup(outer, postgis_schema());
	read_points(supply_sql, "supply_sql", cost_sql == NULL, VALUES_SOME, false, pg, &S, outer);
	read_points(demand_sql, "demand_sql", cost_sql == NULL, VALUES_ONE, false, pg, &D, outer);
	memset(&src, 0, sizeof(src));
	{
		MemoryContext spi = MemoryContextSwitchTo(outer);
		IdMap		ms,
					md;

		idmap_build(&ms, S.id, S.n, "supply_sql");
		idmap_build(&md, D.id, D.n, "demand_sql");
		if (cost_sql == NULL)
		{
			bool		geo;

			if (S.n > 0 && D.n > 0 && S.srid != D.srid)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("supply_sql and demand_sql have different SRIDs: %d and %d", S.srid, D.srid),
						 errhint("Transform one of them with ST_Transform.")));
			MemoryContextSwitchTo(spi);
			geo = srid_is_geographic(S.n > 0 ? S.srid : D.srid, pg);
			MemoryContextSwitchTo(outer);
			locate(&LS, &S, geo);
			locate(&LD, &D, geo);
			src.demand = &LD;
			src.supply = &LS;
		}
		else
		{
			TupleDesc	td;
			CostReader	rd;
			char	   *q;

			MemoryContextSwitchTo(spi);
			td = inner_columns(cost_sql);
			(void) require_column(td, "cost_sql", "demand_id", "integer");
			(void) require_column(td, "cost_sql", "supply_id", "integer");
			(void) require_column(td, "cost_sql", "cost", "number");
			q = psprintf("SELECT q.demand_id::pg_catalog.int8, q.supply_id::pg_catalog.int8, "
						 "q.cost::pg_catalog.float8 FROM (%s) AS q", cost_sql);
			rd.demand = &md;
			rd.supply = &ms;
			vec_init(&rd.i, outer, sizeof(int), "the cost table");
			vec_init(&rd.j, outer, sizeof(int), "the cost table");
			vec_init(&rd.d, outer, sizeof(double), "the cost table");
			for_each_row(q, cost_row, &rd);
			MemoryContextSwitchTo(outer);
			if (rd.i.n > INT_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("cost_sql returned more than %d rows", INT_MAX)));
			src.npairs = (int) rd.i.n;
			src.pi = (int *) rd.i.data;
			src.pj = (int *) rd.j.data;
			src.pd = (double *) rd.d.data;
			{
				Link	   *k = spatial_alloc(src.npairs, sizeof(Link), "the cost table");

				for (int t = 0; t < src.npairs; t++)
				{
					k[t].i = src.pi[t];
					k[t].j = src.pj[t];
					k[t].w = src.pd[t];
				}
				sort_interruptible(k, src.npairs, sizeof(Link), link_cmp, "the cost table");
				for (int t = 1; t < src.npairs; t++)
					if (k[t].i == k[t - 1].i && k[t].j == k[t - 1].j)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("cost_sql returned demand %lld to supply %lld more than once",
										(long long) D.id[k[t].i], (long long) S.id[k[t].j])));
				pfree(k);
			}
		}
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();

	f.nd = D.n;
	f.ns = S.n;
	f.m = S.nvalues;
	/* populations and each supply column over a power of two near their largest (see Fca) */
	{
		double		top = 0.0;

		for (int i = 0; i < D.n; i++)
			top = Max(top, D.values[i]);
		f.pop_exp = pow2_exponent(top);
		for (int i = 0; i < D.n; i++)
			D.values[i] = ldexp(D.values[i], -f.pop_exp);
		f.supply_exp = palloc(sizeof(int) * Max(f.m, 1));
		for (int c = 0; c < f.m; c++)
		{
			top = 0.0;
			for (int j = 0; j < S.n; j++)
				top = Max(top, S.values[(Size) j * f.m + c]);
			f.supply_exp[c] = pow2_exponent(top);
			for (int j = 0; j < S.n; j++)
				S.values[(Size) j * f.m + c] = ldexp(S.values[(Size) j * f.m + c], -f.supply_exp[c]);
		}
	}
	f.pop = D.values;
	f.supply = S.values;
	undefined = spatial_alloc((Size) f.nd * f.m, sizeof(bool), "the accessibility scores");
	fca_scores(&f, &src, src.demand, undefined);
	fca_finish(&f, normalize, D.id, S.value_names);

	for (int i = 0; i < f.nd; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < f.m; c++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			values[0] = Int64GetDatum(D.id[i]);
			values[1] = CStringGetTextDatum(S.value_names[c]);
			values[2] = Float8GetDatum(f.score[(Size) i * f.m + c]);
			nulls[2] = undefined[(Size) i * f.m + c];
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

