/*
 * decomposition.c — between/within decomposition of generalized entropy
 * by group (METHODS.md, "Decomposition"): the table Stata's ineqdeco and
 * the regional health-resource papers print.
 *
 *   total   = GE(alpha) over all rows
 *   between = GE(alpha) of the group means mu_g with weights P_g
 *   within  = sum_g S_g^alpha P_g^(1-alpha) GE_g
 * with P_g the group's population (weight) share and S_g its resource
 * share; total = between + within exactly for every alpha.  alpha = 1 is
 * Theil T (within = sum S_g T_g), alpha = 0 the mean log deviation
 * (within = sum P_g L_g).
 *
 * The state keeps one set of power sums (see medres.h) per group, all in
 * units of the same two scales, in a small open-addressing hash table
 * keyed by the group text; the group of the previous row is tried first,
 * which makes input clustered by group (ORDER BY region) nearly free.
 */
#include "medres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include <limits.h>

typedef struct DecGroup
{
	char	   *key;
	int			keylen;
	uint32		hash;
	int64		n;				/* rows with positive weight */
	PowerSums	s;
	double		Z,				/* PHI_NEAR: weight of the zero values */
				Zc;
} DecGroup;

typedef struct DecState
{
	MemoryContext cxt;
	int64		nrows;			/* non-NULL rows seen, zero weights included */
	int			mode;			/* PHI_* */
	double		alpha;
	double		K;				/* scale K1 of the means, 0 while only zeros were seen */
	double		K2;				/* scale of the power sums (PHI_POW) */
	double		KW;				/* scale of the weights (as in streaming.c), 0 before
								 * the first positive weight */
	double		d;				/* PHI_NEAR: alpha minus the nearer of 0 and 1 */
	int			ngroups;
	int			capgroups;
	DecGroup   *groups;
	int			tablesize;		/* power of two; slots hold group index or -1 */
	int		   *table;
	int			last;			/* group of the previous row, or -1 */
} DecState;

/*
 * alpha near 0 or 1 (not equal): the sums and formulas of streaming.c's
 * PF_NEAR, which see.  S2 = sum w y^c E_d(ln y), E_d(t) = expm1(d t)/d,
 * alpha = c + d, so that GE, the between-group term and the within-group
 * terms do not divide a cancelled difference by alpha (alpha - 1).
 */
#define PHI_NEAR	3

/*
 * S2 of one set of sums when K1 moves from oldK to newK (both powers of
 * two): S2' = r^c (r^d S2 + E_d(ln r) B), B = sum w y^c = S1 or W - Z.
 */
static void
near_sums_rescale(PowerSums *s, double Z, double Zc, double alpha, double d,
				  double oldK, double newK)
{
	int			c = near_c(alpha);
	double		lr = (double) (ilogb(oldK) - ilogb(newK)) * M_LN2,
				e = expm1_over(d, lr),
				rd = exp(d * lr),
				r = oldK / newK,
				rc = c ? r : 1.0,
				B = c ? s->S1 : s->W - Z,
				Bc = c ? s->S1c : s->Wc - Zc;

	s->S2 = rc * (rd * s->S2 + e * B);
	s->S2c = rc * (rd * s->S2c + e * Bc);
	s->S1 *= r;
	s->S1c *= r;
}

/* GE(alpha) of one set of near sums with zero weight Z (see streaming.c's near_index) */
static double
near_ge(const PowerSums *s, double Z, double alpha, double d)
{
	int			c = near_c(alpha);
	double		W = s->W + s->Wc,
				S1 = s->S1 + s->S1c,
				S2 = s->S2 + s->S2c,
				lm = log(S1 / W);

	if (c == 0 && Z > 0.0)
		return (exp(-d * lm) * (d * (S2 / W) - Z / W) + expm1(-d * lm)) / (alpha * (alpha - 1.0));
	{
		double		G = exp(-d * lm) * (S2 / (c ? S1 : W)) + expm1_over(d, -lm);

		return c ? G / alpha : G / (alpha - 1.0);
	}
}

static DecState *
dec_new(MemoryContext cxt, double alpha)
{
	DecState   *st = MemoryContextAllocZero(cxt, sizeof(DecState));

	st->cxt = cxt;
	st->alpha = alpha;
	st->mode = alpha == 0.0 ? PHI_LOG : alpha == 1.0 ? PHI_XLOGX :
		(fabs(alpha) < NEAR_BAND || fabs(alpha - 1.0) < NEAR_BAND) ? PHI_NEAR : PHI_POW;
	st->d = alpha - near_c(alpha);	/* exact for |d| < 1/64 (Sterbenz) */
	st->last = -1;
	st->tablesize = 64;
	st->table = MemoryContextAlloc(cxt, st->tablesize * sizeof(int));
	memset(st->table, -1, st->tablesize * sizeof(int));
	return st;
}

static void
dec_rehash(DecState *st)
{
	int			size;

	if (st->tablesize > INT_MAX / 4)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ge_decomposition has too many groups"),
				 errhint("Decompose by a grouping with fewer distinct values.")));
	size = st->tablesize * 2;
	medres_check_memory((Size) size * sizeof(int) + (Size) st->capgroups * sizeof(DecGroup),
						"the decomposition's groups");
	pfree(st->table);
	st->table = MemoryContextAllocHuge(st->cxt, (Size) size * sizeof(int));
	memset(st->table, -1, (Size) size * sizeof(int));
	st->tablesize = size;
	for (int g = 0; g < st->ngroups; g++)
	{
		int			slot = st->groups[g].hash & (size - 1);

		while (st->table[slot] >= 0)
			slot = (slot + 1) & (size - 1);
		st->table[slot] = g;
	}
}

/* Find the group with this key, creating it if needed. */
static DecGroup *
dec_group(DecState *st, const char *key, int keylen)
{
	uint32		h;
	int			slot;
	DecGroup   *g;

	if (st->last >= 0)
	{
		g = &st->groups[st->last];
		if (g->keylen == keylen && memcmp(g->key, key, keylen) == 0)
			return g;
	}
	h = hash_bytes((const unsigned char *) key, keylen);
	slot = h & (st->tablesize - 1);
	while (st->table[slot] >= 0)
	{
		g = &st->groups[st->table[slot]];
		if (g->hash == h && g->keylen == keylen && memcmp(g->key, key, keylen) == 0)
		{
			st->last = st->table[slot];
			return g;
		}
		slot = (slot + 1) & (st->tablesize - 1);
	}
	if (st->ngroups == st->capgroups)
	{
		Size		cap = Max(16, (Size) st->capgroups * 2);

		medres_check_memory(cap * sizeof(DecGroup) + (Size) st->tablesize * sizeof(int),
							"the decomposition's groups");
		if (st->groups == NULL)
			st->groups = MemoryContextAllocHuge(st->cxt, cap * sizeof(DecGroup));
		else
			st->groups = repalloc_huge(st->groups, cap * sizeof(DecGroup));
		st->capgroups = (int) cap;
	}
	g = &st->groups[st->ngroups];
	memset(g, 0, sizeof(DecGroup));
	g->key = MemoryContextAlloc(st->cxt, keylen + 1);
	memcpy(g->key, key, keylen);
	g->key[keylen] = '\0';
	g->keylen = keylen;
	g->hash = h;
	st->table[slot] = st->ngroups;
	st->last = st->ngroups;
	st->ngroups++;
	if (st->ngroups * 2 > st->tablesize)
		dec_rehash(st);
	return &st->groups[st->last];
}

/* Move one of the scales for every group (rare: see medres.h). */
static void
dec_rescale(DecState *st, int which, double newK)
{
	double	   *K = which == SCALE_MEAN ? &st->K : &st->K2;

	for (int g = 0; g < st->ngroups; g++)
	{
		DecGroup   *grp = &st->groups[g];

		if (st->mode != PHI_NEAR)
			power_sums_rescale(&grp->s, st->mode, st->alpha, which, *K, newK);
		else if (which == SCALE_MEAN)
			near_sums_rescale(&grp->s, grp->Z, grp->Zc, st->alpha, st->d, *K, newK);
	}
	*K = newK;
}

/* Move the weight scale for every group: W, S1 and S2 are linear in the weights. */
static void
dec_rescale_weights(DecState *st, double newKW)
{
	double		r = st->KW / newKW;

	for (int g = 0; g < st->ngroups; g++)
	{
		PowerSums  *s = &st->groups[g].s;

		s->W *= r;
		s->Wc *= r;
		s->S1 *= r;
		s->S1c *= r;
		s->S2 *= r;
		s->S2c *= r;
		st->groups[g].Z *= r;
		st->groups[g].Zc *= r;
		if ((g & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	st->KW = newKW;
}

/*
 * w in units of KW; the first positive weight sets KW and one more than
 * 1e50 units moves it (so weights near 1e308 sum without overflow, and
 * weights near 5e-324 keep w x from underflowing).
 */
static double
dec_scaled_weight(DecState *st, double w)
{
	if (st->KW == 0.0)
		st->KW = pow2_scale(w);
	if (unlikely(w / st->KW > 1e50))
		dec_rescale_weights(st, pow2_scale(w));
	return w / st->KW;
}

static void
sums_add(PowerSums *a, const PowerSums *b)
{
	neumaier_add(&a->W, &a->Wc, b->W);
	a->Wc += b->Wc;
	neumaier_add(&a->S1, &a->S1c, b->S1);
	a->S1c += b->S1c;
	neumaier_add(&a->S2, &a->S2c, b->S2);
	a->S2c += b->S2c;
}

/* ge_decomposition(value, weight, grp, alpha) */
PG_FUNCTION_INFO_V1(medres_dec_trans);
Datum
medres_dec_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	DecState   *st;
	double		x,
				w,
				alpha,
				y,
				phi;
	text	   *grp;
	DecGroup   *g;
	int			move;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate transition called in non-aggregate context");
	st = PG_ARGISNULL(0) ? NULL : (DecState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	x = PG_GETARG_FLOAT8(1);
	w = PG_GETARG_FLOAT8(2);
	alpha = PG_GETARG_FLOAT8(4);
	if (st == NULL)
	{
		medres_check_ge_alpha(alpha);
		st = dec_new(aggcxt, alpha);
	}
	else
		medres_check_param_constant("alpha", st->alpha, alpha);
	medres_check_nonnegative("value", x);
	medres_check_weight(w);
	st->nrows++;
	if (w == 0.0)
		PG_RETURN_POINTER(st);
	if (x == 0.0 && (st->mode == PHI_LOG ||
					 ((st->mode == PHI_POW || st->mode == PHI_NEAR) && st->alpha <= 0.0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for value: \"0\""),
				 errdetail("Generalized entropy with alpha \"%s\" is undefined when a value is zero.",
						   medres_float_text(st->alpha)),
				 errhint("Use alpha > 0 (alpha = 1 is Theil T), or exclude the zero rows.")));

	grp = PG_GETARG_TEXT_PP(3);
	g = dec_group(st, VARDATA_ANY(grp), VARSIZE_ANY_EXHDR(grp));
	g->n++;
	/* after dec_group: a rescale of the weights must include a new group */
	w = dec_scaled_weight(st, w);
	if (x == 0.0)
	{
		neumaier_add(&g->s.W, &g->s.Wc, w);
		if (st->mode == PHI_NEAR)
			neumaier_add(&g->Z, &g->Zc, w);
		PG_RETURN_POINTER(st);
	}
	if (st->K == 0.0)
		st->K = st->K2 = pow2_scale(x);
	if (st->mode == PHI_NEAR)
	{
		double		lny;

		y = x / st->K;
		if (unlikely(y > RESCALE_ABOVE))
		{
			dec_rescale(st, SCALE_MEAN, pow2_scale(x));
			y = x / st->K;
		}
		/* y may underflow for tiny x: take the difference of logs then */
		lny = y >= DBL_MIN ? log(y) : log(x) - log(st->K);
		phi = (near_c(st->alpha) ? y : 1.0) * expm1_over(st->d, lny);
	}
	else
		while ((move = power_terms(st->mode, st->alpha, st->K, st->K2, x, &y, &phi)) != 0)
			dec_rescale(st, move, power_next_scale(move, st->K, st->K2, x, st->alpha));
	neumaier_add(&g->s.W, &g->s.Wc, w);
	neumaier_add(&g->s.S1, &g->s.S1c, w * y);
	neumaier_add(&g->s.S2, &g->s.S2c, w * phi);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(medres_dec_combine);
Datum
medres_dec_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	DecState   *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres combine function called in non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	b = (DecState *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? dec_new(aggcxt, b->alpha) : (DecState *) PG_GETARG_POINTER(0);
	medres_check_param_constant("alpha", a->alpha, b->alpha);
	a->nrows += b->nrows;
	if (b->ngroups == 0)
		PG_RETURN_POINTER(a);
	/* agree on both scales; b's sums are rescaled in a copy, never in place */
	for (int which = SCALE_MEAN; which <= SCALE_POWER; which++)
	{
		double	   *Ka = which == SCALE_MEAN ? &a->K : &a->K2;
		double		Kb = which == SCALE_MEAN ? b->K : b->K2;

		if (power_common_scale(a->mode, a->alpha, which, *Ka, Kb) == 1)
		{
			if (*Ka == 0.0)
				*Ka = Kb;
			else
				dec_rescale(a, which, Kb);
		}
	}
	/* the weight scale: the smaller one moves; b's sums only in the copies below */
	if (b->KW != 0.0 && (a->KW == 0.0 || b->KW > a->KW))
	{
		if (a->KW == 0.0)
			a->KW = b->KW;
		else
			dec_rescale_weights(a, b->KW);
	}
	for (int i = 0; i < b->ngroups; i++)
	{
		DecGroup   *src = &b->groups[i];
		DecGroup   *dst = dec_group(a, src->key, src->keylen);
		PowerSums	s = src->s;
		double		Z = src->Z,
					Zc = src->Zc;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (b->KW != 0.0 && b->KW != a->KW)
		{
			double		r = b->KW / a->KW;

			s.W *= r;
			s.Wc *= r;
			s.S1 *= r;
			s.S1c *= r;
			s.S2 *= r;
			s.S2c *= r;
			Z *= r;
			Zc *= r;
		}

		if (a->mode == PHI_NEAR)
		{
			if (b->K != 0.0 && b->K != a->K)
				near_sums_rescale(&s, Z, Zc, a->alpha, a->d, b->K, a->K);
		}
		else
		{
			if (b->K != 0.0 && b->K != a->K)
				power_sums_rescale(&s, a->mode, a->alpha, SCALE_MEAN, b->K, a->K);
			if (b->K2 != 0.0 && b->K2 != a->K2)
				power_sums_rescale(&s, a->mode, a->alpha, SCALE_POWER, b->K2, a->K2);
		}
		dst->n += src->n;
		sums_add(&dst->s, &s);
		neumaier_add(&dst->Z, &dst->Zc, Z);
		dst->Zc += Zc;
	}
	PG_RETURN_POINTER(a);
}

/*
 * Serialized form: the tag (medres.h), nrows, mode, alpha, K, K2, KW,
 * ngroups, then for each group its key length, key bytes, n, power sums
 * and Z.  Deserialize checks every field.
 */
#define DEC_STATE_VERSION 1

PG_FUNCTION_INFO_V1(medres_dec_serialize);
Datum
medres_dec_serialize(PG_FUNCTION_ARGS)
{
	DecState   *st = (DecState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	bytea	   *out;

	MedresStateTag tag;

	initStringInfo(&buf);
	medres_state_tag(&tag, MEDRES_STATE_DECOMPOSITION, DEC_STATE_VERSION);
	appendBinaryStringInfo(&buf, (char *) &tag, sizeof(tag));
	appendBinaryStringInfo(&buf, (char *) &st->nrows, sizeof(int64));
	appendBinaryStringInfo(&buf, (char *) &st->mode, sizeof(int));
	appendBinaryStringInfo(&buf, (char *) &st->alpha, sizeof(double));
	appendBinaryStringInfo(&buf, (char *) &st->K, sizeof(double));
	appendBinaryStringInfo(&buf, (char *) &st->K2, sizeof(double));
	appendBinaryStringInfo(&buf, (char *) &st->KW, sizeof(double));
	appendBinaryStringInfo(&buf, (char *) &st->ngroups, sizeof(int));
	for (int i = 0; i < st->ngroups; i++)
	{
		DecGroup   *g = &st->groups[i];

		appendBinaryStringInfo(&buf, (char *) &g->keylen, sizeof(int));
		appendBinaryStringInfo(&buf, g->key, g->keylen);
		appendBinaryStringInfo(&buf, (char *) &g->n, sizeof(int64));
		appendBinaryStringInfo(&buf, (char *) &g->s, sizeof(PowerSums));
		appendBinaryStringInfo(&buf, (char *) &g->Z, sizeof(double));
		appendBinaryStringInfo(&buf, (char *) &g->Zc, sizeof(double));
	}
	out = palloc(VARHDRSZ + buf.len);
	SET_VARSIZE(out, VARHDRSZ + buf.len);
	memcpy(VARDATA(out), buf.data, buf.len);
	pfree(buf.data);
	PG_RETURN_BYTEA_P(out);
}

static void
read_bytes(const char **p, const char *end, void *dst, Size len)
{
	if (end - *p < (ptrdiff_t) len)
		medres_state_invalid("The decomposition state is shorter than its fields.");
	memcpy(dst, *p, len);
	*p += len;
}

PG_FUNCTION_INFO_V1(medres_dec_deserialize);
Datum
medres_dec_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	const char *end = p + VARSIZE_ANY_EXHDR(in);
	MemoryContext aggcxt;
	DecState   *st;
	int64		nrows;
	int			mode,
				ngroups;
	double		alpha,
				K,
				K2,
				KW;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	(void) medres_state_check(p, end - p, sizeof(MedresStateTag), MEDRES_STATE_DECOMPOSITION,
							  MEDRES_STATE_DECOMPOSITION, DEC_STATE_VERSION);
	p += sizeof(MedresStateTag);
	read_bytes(&p, end, &nrows, sizeof(int64));
	read_bytes(&p, end, &mode, sizeof(int));
	read_bytes(&p, end, &alpha, sizeof(double));
	read_bytes(&p, end, &K, sizeof(double));
	read_bytes(&p, end, &K2, sizeof(double));
	read_bytes(&p, end, &KW, sizeof(double));
	read_bytes(&p, end, &ngroups, sizeof(int));
	/* each group takes at least its fixed fields */
	if (nrows < 0 || !isfinite(alpha) || !(K >= 0.0 && K <= DBL_MAX) ||
		!(K2 >= 0.0 && K2 <= DBL_MAX) || !(KW >= 0.0 && KW <= DBL_MAX) || ngroups < 0 ||
		(Size) ngroups > (Size) (end - p) / (sizeof(int) + sizeof(int64) + sizeof(PowerSums) + 2 * sizeof(double)))
		medres_state_invalid("The fields of the decomposition state are inconsistent.");
	st = dec_new(aggcxt, alpha);
	if (st->mode != mode)
		medres_state_invalid("The fields of the decomposition state are inconsistent.");
	st->nrows = nrows;
	st->K = K;
	st->K2 = K2;
	st->KW = KW;
	for (int i = 0; i < ngroups; i++)
	{
		int			keylen;
		DecGroup   *g;

		read_bytes(&p, end, &keylen, sizeof(int));
		if (keylen < 0 || end - p < keylen)
			elog(ERROR, "invalid medres decomposition state");
		g = dec_group(st, p, keylen);
		p += keylen;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		read_bytes(&p, end, &g->n, sizeof(int64));
		read_bytes(&p, end, &g->s, sizeof(PowerSums));
		read_bytes(&p, end, &g->Z, sizeof(double));
		read_bytes(&p, end, &g->Zc, sizeof(double));
		if (g->n < 0 || !isfinite(g->Z) || !isfinite(g->Zc) ||
			!isfinite(g->s.W) || !isfinite(g->s.Wc) || !isfinite(g->s.S1) ||
			!isfinite(g->s.S1c) || !isfinite(g->s.S2) || !isfinite(g->s.S2c))
			medres_state_invalid("A group of the decomposition state holds a value that is not finite.");
	}
	if (p != end)
		medres_state_invalid("The decomposition state has bytes after its last group.");
	PG_RETURN_POINTER(st);
}

static int
group_key_cmp(const void *a, const void *b)
{
	const DecGroup *ga = *(const DecGroup *const *) a;
	const DecGroup *gb = *(const DecGroup *const *) b;
	int			c;

	/* the sort of millions of groups answers cancel (pg_qsort holds no resources) */
	CHECK_FOR_INTERRUPTS();
	c = memcmp(ga->key, gb->key, Min(ga->keylen, gb->keylen));

	if (c != 0)
		return c;
	return (ga->keylen > gb->keylen) - (ga->keylen < gb->keylen);
}

/* between-group GE(alpha) term of one group with population share P and resource share S */
static double
between_term(int mode, double alpha, double d, double P, double S)
{
	switch (mode)
	{
		case PHI_NEAR:

			/*
			 * between = (sum P (S/P)^alpha - 1) / (alpha (alpha - 1)), with
			 * sum P = sum S = 1: for c = 0 the sum of P E_d(ln(S/P)) / (alpha - 1),
			 * for c = 1 of S E_d(ln(S/P)) / alpha; no "- 1" left to cancel
			 */
			if (near_c(alpha) == 0)
				return P * expm1_over(d, log(S) - log(P)) / (alpha - 1.0);
			return S > 0.0 ? S * expm1_over(d, log(S) - log(P)) / alpha : 0.0;
		case PHI_LOG:
			return P * log(P / S);
		case PHI_XLOGX:
			return S > 0.0 ? S * log(S / P) : 0.0;
		default:
			return P * pow(S / P, alpha);
	}
}

PG_FUNCTION_INFO_V1(medres_dec_final);
Datum
medres_dec_final(PG_FUNCTION_ARGS)
{
	DecState   *st;
	TupleDesc	tupdesc,
				gdesc;
	Oid			garraytype,
				gtype;
	PowerSums	tot = {0};
	DecGroup  **order;
	Datum	   *gdatums;
	Datum		values[7];
	bool		nulls[7] = {false};
	double		W,
				S1,
				total,
				between = 0.0,
				betweenc = 0.0,
				within = 0.0,
				withinc = 0.0;
	int			mode;
	double		alpha;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (DecState *) PG_GETARG_POINTER(0);
	if (st->nrows == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE || tupdesc->natts != 7)
		elog(ERROR, "ge_decomposition must return medres.decomposition");
	tupdesc = BlessTupleDesc(tupdesc);
	garraytype = TupleDescAttr(tupdesc, 6)->atttypid;
	gtype = get_element_type(garraytype);
	gdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(gtype, -1));

	mode = st->mode;
	alpha = st->alpha;
	medres_check_memory((Size) st->ngroups * (sizeof(DecGroup *) + sizeof(Datum) + 128),
						"the decomposition's table");
	for (int i = 0; i < st->ngroups; i++)
		sums_add(&tot, &st->groups[i].s);
	W = tot.W + tot.Wc;
	S1 = tot.S1 + tot.S1c;
	if (W <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero")));
	if (S1 <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all values are zero"),
				 errdetail("Generalized entropy is undefined when the mean is zero.")));
	{
		double		Z = 0.0,
					Zc = 0.0;

		for (int i = 0; i < st->ngroups; i++)
		{
			neumaier_add(&Z, &Zc, st->groups[i].Z);
			Zc += st->groups[i].Zc;
		}
		total = mode == PHI_NEAR ? near_ge(&tot, Z + Zc, alpha, st->d) :
			power_ge(mode, alpha, &tot, st->K, st->K2);
	}

	order = palloc_extended(Max(st->ngroups, 1) * sizeof(DecGroup *), MCXT_ALLOC_HUGE);
	for (int i = 0; i < st->ngroups; i++)
		order[i] = &st->groups[i];
	qsort(order, st->ngroups, sizeof(DecGroup *), group_key_cmp);
	gdatums = palloc_extended(Max(st->ngroups, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);

	for (int i = 0; i < st->ngroups; i++)
	{
		DecGroup   *g = order[i];
		double		Wg = g->s.W + g->s.Wc;
		double		S1g = g->s.S1 + g->s.S1c;
		double		P = Wg / W;
		double		S = S1g / S1;
		double		contrib;
		Datum		gv[8];
		bool		gn[8] = {false};

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();

		neumaier_add(&between, &betweenc, between_term(mode, alpha, st->d, P, S));
		gv[0] = PointerGetDatum(cstring_to_text_with_len(g->key, g->keylen));
		gv[1] = Int64GetDatum(g->n);
		gv[2] = Float8GetDatum(P);
		gv[3] = Float8GetDatum(S);
		gv[4] = Float8GetDatum(S1g / Wg * st->K);
		if (S1g > 0.0)
		{
			double		ge_g = mode == PHI_NEAR ? near_ge(&g->s, g->Z + g->Zc, alpha, st->d) :
				power_ge(mode, alpha, &g->s, st->K, st->K2);

			/* S_g^a P_g^(1-a) GE_g; a = 1 and a = 0 spelled out to stay exact */
			contrib = mode == PHI_XLOGX ? S * ge_g :
				mode == PHI_LOG ? P * ge_g : pow(S, alpha) * pow(P, 1.0 - alpha) * ge_g;
			gv[5] = Float8GetDatum(ge_g);
		}
		else
		{
			/* a group whose values are all zero has no index of its own and adds nothing within */
			contrib = 0.0;
			gn[5] = true;
		}
		neumaier_add(&within, &withinc, contrib);
		gv[6] = Float8GetDatum(contrib);
		gv[7] = Float8GetDatum(total > 0.0 ? contrib / total : 0.0);
		gn[7] = !(total > 0.0);
		gdatums[i] = HeapTupleGetDatum(heap_form_tuple(gdesc, gv, gn));
	}
	between += betweenc;
	if (mode == PHI_POW)
		between = (between - 1.0) / (alpha * (alpha - 1.0));
	within += withinc;
	medres_check_result("generalized entropy", total);
	medres_check_result("between-group generalized entropy", between);
	medres_check_result("within-group generalized entropy", within);

	values[0] = Float8GetDatum(alpha);
	values[1] = Float8GetDatum(total);
	values[2] = Float8GetDatum(between);
	values[3] = Float8GetDatum(within);
	values[4] = Float8GetDatum(total > 0.0 ? between / total : 0.0);
	nulls[4] = !(total > 0.0);
	values[5] = Float8GetDatum(total > 0.0 ? within / total : 0.0);
	nulls[5] = !(total > 0.0);
	values[6] = PointerGetDatum(construct_array(gdatums, st->ngroups, gtype, -1, false, TYPALIGN_DOUBLE));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
