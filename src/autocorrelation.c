/*
 * autocorrelation.c — spatial autocorrelation: global Moran's I (moran),
 * local Moran's I (lisa) and Getis-Ord G and G* (getis_ord), of values
 * over weights given as inner SQL (for instance spatial_weights' output).
 * The statistics are plain C over the Lattice arrays (values and weights
 * in CSR rows); reading the inner SQL goes through spatial.c.
 *
 * Definitions: METHODS.md, "Spatial autocorrelation"; doc/spatial.md.
 */
#include "spatial.h"

#include "access/htup_details.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include <limits.h>

/* ---------------------------------------------------------------------
 * Spatial autocorrelation: Moran's I, LISA, Getis-Ord
 * --------------------------------------------------------------------- */

/* values y_i of n units and the weights w_ij between them, rows in CSR form */
typedef struct Lattice
{
	int			n;
	int64	   *id;
	double	   *y;				/* values over 2^yexp (exact), |y| < 2 */
	int			yexp;
	int			wexp;			/* weights over 2^wexp, all < 2 */
	int			nlinks;
	Link	   *links;			/* sorted by (i, j) */
	int		   *row;			/* links of unit i: row[i] .. row[i+1] */
} Lattice;

typedef struct ValueReader
{
	Vec			id,
				y;
} ValueReader;

static void
value_row(void *arg, HeapTuple tup, TupleDesc td)
{
	ValueReader *rd = arg;
	bool		n1,
				n2;
	int64		id = get_int8(tup, td, 1, &n1);
	double		v = get_float8(tup, td, 2, &n2);

	if (n1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values_sql returned a NULL id")));
	if (n2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values_sql returned a NULL value for id %lld", (long long) id),
				 errhint("Leave units without a value out of both values_sql and weights_sql.")));
	if (!(v >= -DBL_MAX && v <= DBL_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for id %lld in values_sql: \"%s\"", (long long) id, medres_float_text(v))));
	*(int64 *) vec_push(&rd->id) = id;
	*(double *) vec_push(&rd->y) = v;
}

typedef struct WeightReader
{
	const IdMap *ids;
	Vec			links;
	bool		allow_self;
} WeightReader;

static void
weight_row(void *arg, HeapTuple tup, TupleDesc td)
{
	static const PairColumns weights = {"weights_sql", {"i", "j", "w"},
		"weight", "", "", "Weights must be finite and non-negative."};
	WeightReader *rd = arg;
	int64		a,
				b;
	double		w = get_pair_row(tup, td, &weights, &a, &b);
	Link	   *l;

	if (a == b && !rd->allow_self)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights_sql links unit %lld with itself", (long long) a),
				 errhint("Moran's I and LISA take no self-weights; getis_ord adds the unit itself when star is true.")));
	if (w == 0.0)
		return;
	l = vec_push(&rd->links);
	l->i = idmap_find(rd->ids, a);
	l->j = idmap_find(rd->ids, b);
	l->w = w;
	if (l->i < 0 || l->j < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights_sql refers to id %lld, which values_sql does not return",
						(long long) (l->i < 0 ? a : b))));
}

/*
 * Read values and weights.  Both are divided by a power of two near their
 * largest magnitude (exact): sums of squares of 1e308s neither overflow nor
 * do those of 5e-324s vanish.  Moran's I and every z-score are invariant
 * to both scales; LISA's I_i and Getis-Ord's G scale with the weights and
 * are multiplied back at the end.  `unit_weight` counts a weight of 1 (the
 * default self-weight of G*) among the weights.
 */
static void
read_lattice(FunctionCallInfo fcinfo, bool allow_self, bool unit_weight, Lattice *L)
{
	char	   *values_sql = required_sql(fcinfo, 0, "values_sql");
	char	   *weights_sql = required_sql(fcinfo, 1, "weights_sql");
	MemoryContext outer = CurrentMemoryContext;
	ValueReader vr;
	WeightReader wr;
	IdMap		ids;
	TupleDesc	td;

	SPI_connect();
	td = inner_columns(values_sql);
	(void) require_column(td, "values_sql", "id", "integer");
	(void) require_column(td, "values_sql", "value", "number");
	vec_init(&vr.id, outer, sizeof(int64), "the values of values_sql");
	vec_init(&vr.y, outer, sizeof(double), "the values of values_sql");
	for_each_row(psprintf("SELECT q.id::pg_catalog.int8, q.value::pg_catalog.float8 FROM (%s) AS q",
						  values_sql), value_row, &vr);
	L->n = (int) vr.id.n;
	L->id = (int64 *) vr.id.data;
	L->y = (double *) vr.y.data;
	{
		MemoryContext spi = MemoryContextSwitchTo(outer);

		idmap_build(&ids, L->id, L->n, "values_sql");
		MemoryContextSwitchTo(spi);
	}
	td = inner_columns(weights_sql);
	(void) require_column(td, "weights_sql", "i", "integer");
	(void) require_column(td, "weights_sql", "j", "integer");
	(void) require_column(td, "weights_sql", "w", "number");
	wr.ids = &ids;
	wr.allow_self = allow_self;
	vec_init(&wr.links, outer, sizeof(Link), "the weights of weights_sql");
	for_each_row(psprintf("SELECT q.i::pg_catalog.int8, q.j::pg_catalog.int8, q.w::pg_catalog.float8 "
						  "FROM (%s) AS q", weights_sql), weight_row, &wr);
	SPI_finish();

	if (wr.links.n > INT_MAX)
		medres_check_memory(MaxAllocHugeSize, "the weights of weights_sql");
	L->nlinks = (int) wr.links.n;
	L->links = (Link *) wr.links.data;
	{
		double		top = 0.0;

		for (int i = 0; i < L->n; i++)
			top = Max(top, fabs(L->y[i]));
		L->yexp = pow2_exponent(top);
		for (int i = 0; i < L->n; i++)
			L->y[i] = ldexp(L->y[i], -L->yexp);
		top = unit_weight ? 1.0 : 0.0;
		for (int t = 0; t < L->nlinks; t++)
			top = Max(top, L->links[t].w);
		L->wexp = pow2_exponent(top);
		for (int t = 0; t < L->nlinks; t++)
			L->links[t].w = ldexp(L->links[t].w, -L->wexp);
	}
	sort_interruptible(L->links, L->nlinks, sizeof(Link), link_cmp, "the weights of weights_sql");
	for (int t = 1; t < L->nlinks; t++)
		if (L->links[t].i == L->links[t - 1].i && L->links[t].j == L->links[t - 1].j)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weights_sql returned the pair %lld, %lld more than once",
							(long long) L->id[L->links[t].i], (long long) L->id[L->links[t].j])));
	L->row = spatial_alloc0((Size) L->n + 1, sizeof(int), "the weights of weights_sql");
	for (int t = 0; t < L->nlinks; t++)
		L->row[L->links[t].i + 1]++;
	for (int i = 0; i < L->n; i++)
		L->row[i + 1] += L->row[i];
}

/* deviations z = y - mean, and m2 = sum z^2 / n; an error when all values are equal */
static double *
deviations(const Lattice *L, double *m2)
{
	double	   *z = spatial_alloc(L->n, sizeof(double), "the values of values_sql");
	double		s = 0.0,
				sc = 0.0,
				q = 0.0,
				qc = 0.0,
				mean;

	for (int i = 0; i < L->n; i++)
		neumaier_add(&s, &sc, L->y[i]);
	mean = (s + sc) / L->n;
	for (int i = 0; i < L->n; i++)
	{
		z[i] = L->y[i] - mean;
		neumaier_add(&q, &qc, z[i] * z[i]);
	}
	*m2 = (q + qc) / L->n;
	if (!(*m2 > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all %d values are equal, so spatial autocorrelation is undefined", L->n)));
	return z;
}

static inline double
spatial_lag(const Lattice *L, const double *z, int i)
{
	double		s = 0.0;

	for (int t = L->row[i]; t < L->row[i + 1]; t++)
		s += L->links[t].w * z[L->links[t].j];
	return s;
}

/* the weight w_ji, or 0 */
static double
weight_of(const Lattice *L, int j, int i)
{
	int			lo = L->row[j],
				hi = L->row[j + 1] - 1;

	while (lo <= hi)
	{
		int			m = lo + (hi - lo) / 2;

		if (L->links[m].j == i)
			return L->links[m].w;
		if (L->links[m].j < i)
			lo = m + 1;
		else
			hi = m - 1;
	}
	return 0.0;
}

/* two-sided normal p-value of z */
static double
two_sided_p(double z)
{
	return erfc(fabs(z) / M_SQRT2);
}

static inline uint32
random_below(uint64 *state, uint32 bound)
{
	return (uint32) (((splitmix64(state) >> 32) * (uint64) bound) >> 32);
}

/* PySAL's folded permutation p-value: (min(M, R - M) + 1) / (R + 1) */
static double
folded_p(int larger, int R)
{
	if (R - larger < larger)
		larger = R - larger;
	return (larger + 1.0) / (R + 1.0);
}

static int
permutations_arg(FunctionCallInfo fcinfo, int argno)
{
	int			R = PG_NARGS() > argno && !PG_ARGISNULL(argno) ? PG_GETARG_INT32(argno) : 999;

	if (R < 0 || R > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("permutations must be between 0 and 1000000, got %d", R)));
	return R;
}

/* moran(values_sql, weights_sql, permutations, seed) RETURNS medres.moran_result */
PG_FUNCTION_INFO_V1(medres_moran);
Datum
medres_moran(PG_FUNCTION_ARGS)
{
	int			R = permutations_arg(fcinfo, 2);
	uint64		rng = PG_NARGS() > 3 && !PG_ARGISNULL(3) ? (uint64) PG_GETARG_INT64(3) : 0;
	Lattice		L;
	double	   *z,
				m2,
				n,
				S0 = 0.0,
				S1 = 0.0,
				S2 = 0.0,
				num = 0.0,
				sz2,
				sz4 = 0.0,
				I,
				EI,
				vn,
				vr,
				kurt;
	double	   *rowsum,
			   *colsum;
	TupleDesc	tupdesc;
	Datum		values[11];
	bool		nulls[11] = {false};
	bool	   *has;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "medres.moran must return a composite type");
	read_lattice(fcinfo, false, false, &L);
	if (L.n < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Moran's I needs at least 4 units, got %d", L.n)));
	n = L.n;
	z = deviations(&L, &m2);
	sz2 = m2 * n;
	rowsum = spatial_alloc0(L.n, sizeof(double), "the values of values_sql");
	colsum = spatial_alloc0(L.n, sizeof(double), "the values of values_sql");
	has = spatial_alloc0(L.n, sizeof(bool), "the values of values_sql");
	for (int t = 0; t < L.nlinks; t++)
	{
		const Link *l = &L.links[t];
		double		wji = weight_of(&L, l->j, l->i);

		if ((t & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();

		S0 += l->w;
		S1 += wji > 0.0 ? 0.5 * (l->w + wji) * (l->w + wji) : l->w * l->w;
		rowsum[l->i] += l->w;
		colsum[l->j] += l->w;
		has[l->i] = true;
	}
	if (!(S0 > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights_sql gives no weights between the units of values_sql")));
	notice_islands(has, L.id, L.n, "They count in n with a spatial lag of 0.");
	for (int i = 0; i < L.n; i++)
	{
		if ((i & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		S2 += (rowsum[i] + colsum[i]) * (rowsum[i] + colsum[i]);
		num += z[i] * spatial_lag(&L, z, i);
		sz4 += z[i] * z[i] * z[i] * z[i];
	}
	I = n / S0 * num / sz2;
	EI = -1.0 / (n - 1.0);
	vn = (n * n * S1 - n * S2 + 3.0 * S0 * S0) / ((n - 1.0) * (n + 1.0) * S0 * S0) - EI * EI;
	kurt = (sz4 / n) / (m2 * m2);
	vr = (n * ((n * n - 3.0 * n + 3.0) * S1 - n * S2 + 3.0 * S0 * S0)
		  - kurt * ((n * n - n) * S1 - 2.0 * n * S2 + 6.0 * S0 * S0))
		/ ((n - 1.0) * (n - 2.0) * (n - 3.0) * S0 * S0) - EI * EI;

	values[0] = Int32GetDatum(L.n);
	values[1] = Float8GetDatum(I);
	values[2] = Float8GetDatum(EI);
	values[3] = Float8GetDatum(vn);
	/* a zero variance (possible only for degenerate weights) leaves no standard deviate */
	nulls[4] = nulls[5] = !(vn > 0.0);
	values[4] = Float8GetDatum(vn > 0.0 ? (I - EI) / sqrt(vn) : 0.0);
	values[5] = Float8GetDatum(vn > 0.0 ? two_sided_p((I - EI) / sqrt(vn)) : 0.0);
	values[6] = Float8GetDatum(vr);
	nulls[7] = nulls[8] = !(vr > 0.0);
	values[7] = Float8GetDatum(vr > 0.0 ? (I - EI) / sqrt(vr) : 0.0);
	values[8] = Float8GetDatum(vr > 0.0 ? two_sided_p((I - EI) / sqrt(vr)) : 0.0);
	values[10] = Int32GetDatum(R);
	if (R == 0)
		nulls[9] = true;
	else
	{
		double	   *zp = spatial_alloc(L.n, sizeof(double), "the values of values_sql");
		int			larger = 0;

		memcpy(zp, z, sizeof(double) * L.n);
		for (int r = 0; r < R; r++)
		{
			double		s = 0.0;

			/* one permutation is O(n + links): check at each */
			CHECK_FOR_INTERRUPTS();
			for (int i = L.n - 1; i > 0; i--)
			{
				int			j = random_below(&rng, i + 1);
				double		t = zp[i];

				zp[i] = zp[j];
				zp[j] = t;
			}
			for (int i = 0; i < L.n; i++)
			{
				if ((i & 0xFFFF) == 0xFFFF)
					CHECK_FOR_INTERRUPTS();
				s += zp[i] * spatial_lag(&L, zp, i);
			}
			if (n / S0 * s / sz2 >= I)
				larger++;
		}
		values[9] = Float8GetDatum(folded_p(larger, R));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

static const char *
quadrant_name(double z, double lag)
{
	return z > 0.0 ? (lag > 0.0 ? "HH" : "HL") : (lag > 0.0 ? "LH" : "LL");
}

/*
 * lisa(values_sql, weights_sql, permutations, seed, significance)
 *   RETURNS TABLE(id bigint, ii float8, z float8, p_sim float8, quadrant text, significance text)
 */
PG_FUNCTION_INFO_V1(medres_lisa);
Datum
medres_lisa(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			R = permutations_arg(fcinfo, 2);
	uint64		rng = PG_NARGS() > 3 && !PG_ARGISNULL(3) ? (uint64) PG_GETARG_INT64(3) : 0;
	double		alpha = 0.05;
	Lattice		L;
	double	   *z,
				m2,
				n;
	int		   *perm,
			   *where;
	bool	   *has;
	Size		work = 0;

	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		alpha = PG_GETARG_FLOAT8(4);
		if (!(alpha > 0.0 && alpha < 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"significance\": \"%s\"", medres_float_text(alpha)),
					 errdetail("The significance level must lie between 0 and 1.")));
	}
	InitMaterializedSRF(fcinfo, 0);
	read_lattice(fcinfo, false, false, &L);
	if (L.n < 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("LISA needs at least 3 units, got %d", L.n)));
	n = L.n;
	z = deviations(&L, &m2);
	perm = spatial_alloc(L.n, sizeof(int), "the values of values_sql");
	where = spatial_alloc(L.n, sizeof(int), "the values of values_sql");
	has = spatial_alloc0(L.n, sizeof(bool), "the values of values_sql");
	for (int i = 0; i < L.n; i++)
	{
		perm[i] = i;
		where[i] = i;
		has[i] = L.row[i + 1] > L.row[i];
	}
	notice_islands(has, L.id, L.n, "Their local statistics are NULL.");
	for (int i = 0; i < L.n; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		int			k = L.row[i + 1] - L.row[i];

		CHECK_FOR_INTERRUPTS();
		values[0] = Int64GetDatum(L.id[i]);
		if (k == 0)
		{
			nulls[1] = nulls[2] = nulls[3] = nulls[4] = nulls[5] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}
		{
			double		lag = spatial_lag(&L, z, i);
			double		ii = z[i] / m2 * lag;
			double		Wi = 0.0,
						Wi2 = 0.0,
						e,
						v;
			double		p = 0.0;
			const char *quad = quadrant_name(z[i], lag);

			for (int t = L.row[i]; t < L.row[i + 1]; t++)
			{
				Wi += L.links[t].w;
				Wi2 += L.links[t].w * L.links[t].w;
			}
			/* spdep localmoran(conditional = TRUE, mlvar = TRUE): Sokal et al. 1998 */
			e = -(z[i] * z[i] * Wi) / ((n - 1.0) * m2);
			v = (z[i] / m2) * (z[i] / m2) * (n / (n - 2.0)) * (Wi2 - Wi * Wi / (n - 1.0))
				* (m2 - z[i] * z[i] / (n - 1.0));
			{
				/* I_i in the weights' own units; z and p do not depend on them */
				double		ii_out = ldexp(ii, L.wexp);

				if (!(fabs(ii_out) <= DBL_MAX))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("local Moran's I of id %lld is out of the range of double precision",
									(long long) L.id[i]),
							 errhint("Rescale the weights of weights_sql, e.g. row-standardise them.")));
				values[1] = Float8GetDatum(ii_out);
			}
			values[2] = Float8GetDatum(v > 0.0 ? (ii - e) / sqrt(v) : 0.0);
			nulls[2] = !(v > 0.0);
			if (R > 0)
			{
				int			larger = 0;
				int			last = L.n - 1;

				/* move i out of the pool: swap it to the last place */
				{
					int			pi = where[i],
								other = perm[last];

					perm[pi] = other;
					where[other] = pi;
					perm[last] = i;
					where[i] = last;
				}
				for (int r = 0; r < R; r++)
				{
					double		s = 0.0;

					/* R permutations of k neighbours each: check every million draws */
					work += k;
					if (work >= 1 << 20)
					{
						work = 0;
						CHECK_FOR_INTERRUPTS();
					}
					/* a partial Fisher-Yates draw of k neighbours from the other n - 1 */
					for (int t = 0; t < k; t++)
					{
						int			c = t + random_below(&rng, (uint32) (last - t));
						int			a = perm[t],
									b = perm[c];

						perm[t] = b;
						where[b] = t;
						perm[c] = a;
						where[a] = c;
						s += L.links[L.row[i] + t].w * z[b];
					}
					if (z[i] / m2 * s >= ii)
						larger++;
				}
				p = folded_p(larger, R);
				values[3] = Float8GetDatum(p);
			}
			else
				nulls[3] = true;
			values[4] = CStringGetTextDatum(quad);
			values[5] = CStringGetTextDatum(R > 0 && p <= alpha ? quad : "not significant");
			nulls[5] = R == 0;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * getis_ord(values_sql, weights_sql, star) RETURNS TABLE(id bigint, gi float8, z float8, p float8)
 *
 * Getis and Ord (1992), Ord and Getis (1995), as spdep's localG: with star
 * the unit itself is among its neighbours (weight 1 unless weights_sql
 * gives one), the mean and variance are over all n units; without it they
 * exclude unit i.
 */
PG_FUNCTION_INFO_V1(medres_getis_ord);
Datum
medres_getis_ord(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		star = PG_NARGS() <= 2 || PG_ARGISNULL(2) || PG_GETARG_BOOL(2);
	Lattice		L;
	double		sum = 0.0,
				sumc = 0.0,
				Q = 0.0,
				Qc = 0.0,
				mean,
				n,
				unit_self;

	InitMaterializedSRF(fcinfo, 0);
	read_lattice(fcinfo, star, star, &L);
	if (L.n < 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Getis-Ord G needs at least 3 units, got %d", L.n)));
	n = L.n;
	/* the default self-weight 1 in the scaled weights' units (read_lattice counted it) */
	unit_self = ldexp(1.0, -L.wexp);
	for (int i = 0; i < L.n; i++)
		neumaier_add(&sum, &sumc, L.y[i]);
	sum += sumc;
	mean = sum / n;
	/* the sum of squared deviations Q, two-pass: sum x^2 - n mean^2 cancels */
	for (int i = 0; i < L.n; i++)
		neumaier_add(&Q, &Qc, (L.y[i] - mean) * (L.y[i] - mean));
	Q += Qc;
	if (!(Q > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all %d values are equal, so spatial autocorrelation is undefined", L.n)));
	{
		bool	   *has = spatial_alloc0(L.n, sizeof(bool), "the values of values_sql");

		for (int i = 0; i < L.n; i++)
			for (int t = L.row[i]; t < L.row[i + 1]; t++)
				if (L.links[t].j != i)
					has[i] = true;
		notice_islands(has, L.id, L.n, "Their local statistics are NULL.");
		for (int i = 0; i < L.n; i++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};
			double		lag = 0.0,
						Wi = 0.0,
						S1i = 0.0,
						self = 0.0,
						xbar,
						s2,
						total,
						v,
						zv;

			CHECK_FOR_INTERRUPTS();
			values[0] = Int64GetDatum(L.id[i]);
			if (!has[i])
			{
				nulls[1] = nulls[2] = nulls[3] = true;
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
				continue;
			}
			for (int t = L.row[i]; t < L.row[i + 1]; t++)
			{
				if (L.links[t].j == i)
				{
					self = L.links[t].w;
					continue;
				}
				lag += L.links[t].w * L.y[L.links[t].j];
				Wi += L.links[t].w;
				S1i += L.links[t].w * L.links[t].w;
			}
			if (star)
			{
				if (self == 0.0)
					self = unit_self;
				lag += self * L.y[i];
				Wi += self;
				S1i += self * self;
				xbar = mean;
				s2 = Q / n;
				total = sum;
				v = s2 * (n * S1i - Wi * Wi) / (n - 1.0);
			}
			else
			{
				/*
				 * Mean and variance of the other n - 1 values, from Q:
				 * sum_{j != i} (y_j - xbar_i)^2 = Q - (y_i - mean)^2 n / (n - 1).
				 */
				double		di = L.y[i] - mean;

				xbar = (sum - L.y[i]) / (n - 1.0);
				s2 = Max(Q - di * di * (n / (n - 1.0)), 0.0) / (n - 1.0);
				total = sum - L.y[i];
				v = s2 * ((n - 1.0) * S1i - Wi * Wi) / (n - 2.0);
			}
			zv = v > 0.0 ? (lag - Wi * xbar) / sqrt(v) : 0.0;
			/* G in the weights' own units; z and p do not depend on them or on the values' scale */
			values[1] = Float8GetDatum(ldexp(lag / total, L.wexp));
			nulls[1] = total == 0.0;
			if (!nulls[1] && !(fabs(DatumGetFloat8(values[1])) <= DBL_MAX))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("Getis-Ord G of id %lld is out of the range of double precision",
								(long long) L.id[i]),
						 errhint("Rescale the values of values_sql or the weights of weights_sql.")));
			values[2] = Float8GetDatum(zv);
			values[3] = Float8GetDatum(two_sided_p(zv));
			nulls[2] = nulls[3] = !(v > 0.0);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
