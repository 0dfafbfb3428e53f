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
 *
 * Since 0.2.0 the aggregate's state is the SQL type
 * medres.ge_decomposition_state rather than internal, so that Citus can
 * split the aggregate across shards: Citus pushes a partial aggregate to the
 * workers only when the state type is not a pseudo-type, and ships the
 * state between nodes through the type's text output and input functions
 * (worker_partial_agg / coord_combine_agg), never through serialize and
 * deserialize.  The state is an expanded object (utils/expandeddatum.h):
 * while the aggregate runs it is the DecState below, updated in place like
 * an internal state; where PostgreSQL needs a datum (parallel workers
 * sending partial states, a table column) it is flattened to the layout
 * the 0.1.0 serialize function wrote; its text form (dec_state_out) spells
 * every double in shortest round-trip decimal, so it is exact whatever
 * extra_float_digits is.  The 0.1.0 internal-state functions stay for
 * databases that have not yet run ALTER EXTENSION medres UPDATE.
 */
#include "medres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "common/shortest_dec.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
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
	ExpandedObjectHeader hdr;	/* first: a DecState is an expanded datum */
	MemoryContext cxt;			/* the state's own context, holding everything */
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

static Size dec_get_flat_size(ExpandedObjectHeader *eohptr);
static void dec_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods dec_eoh_methods = {
	dec_get_flat_size,
	dec_flatten_into
};

/*
 * A new empty state in its own context, a child of parent (the aggregate
 * context, so that nodeAgg keeps a state returned by the transition function
 * as it is; see ExecAggTransReparent).
 */
static DecState *
dec_new(MemoryContext parent, double alpha)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "medres ge_decomposition state",
											  ALLOCSET_SMALL_SIZES);
	DecState   *st = MemoryContextAllocZero(cxt, sizeof(DecState));

	EOH_init_header(&st->hdr, &dec_eoh_methods, cxt);
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
dec_free(DecState *st)
{
	MemoryContextDelete(st->cxt);
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
			st->groups = medres_alloc_huge(st->cxt, cap, sizeof(DecGroup), "the aggregate state");
		else
			st->groups = medres_realloc_huge(st->groups, cap, sizeof(DecGroup), "the aggregate state");
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

/*
 * One row of ge_decomposition(value, weight, grp, alpha), arguments 1..4 of
 * fcinfo, into st (NULL before the first row that counts; the new state is
 * made in aggcxt).  Returns the state, NULL while every row was NULL.
 */
static DecState *
dec_accum(FunctionCallInfo fcinfo, DecState *st, MemoryContext aggcxt)
{
	double		x,
				w,
				alpha,
				y,
				phi;
	text	   *grp;
	DecGroup   *g;
	int			move;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		return st;
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
		return st;
	if (x == 0.0 && (st->mode == PHI_LOG ||
					 ((st->mode == PHI_POW || st->mode == PHI_NEAR) && st->alpha <= 0.0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"value\": \"0\""),
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
		return st;
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
	return st;
}

/*
 * Add state b into a (the combine step): groups are matched by key, b's
 * sums are brought to a's scales in a copy (b is never changed) and added
 * with their compensation terms, so a group split across workers gets the
 * sums a single pass would have had, to the last few ulps.
 */
static void
dec_merge(DecState *a, const DecState *b)
{
	medres_check_param_constant("alpha", a->alpha, b->alpha);
	a->nrows += b->nrows;
	if (b->ngroups == 0)
		return;
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
		const DecGroup *src = &b->groups[i];
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
}

/*
 * Flat form (the bytes of a ge_decomposition_state datum, and of 0.1.0's
 * serialized bytea): the tag (medres.h), nrows, mode, alpha, K, K2, KW,
 * ngroups, then for each group its key length, key bytes, n, power sums
 * and Z.  Fields are copied with memcpy (no alignment needed); the reader
 * checks every field.
 */
#define DEC_STATE_VERSION 1
#define DEC_FLAT_HEADER (sizeof(MedresStateTag) + sizeof(int64) + sizeof(int) + \
						 4 * sizeof(double) + sizeof(int))
#define DEC_FLAT_GROUP (sizeof(int) + sizeof(int64) + sizeof(PowerSums) + 2 * sizeof(double))

/* bytes of the flat form, varlena header included */
static Size
dec_flat_size(const DecState *st)
{
	Size		size = VARHDRSZ + DEC_FLAT_HEADER;

	for (int i = 0; i < st->ngroups; i++)
	{
		size += DEC_FLAT_GROUP + st->groups[i].keylen;
		if (size > MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("ge_decomposition state is too large to pass between processes"),
					 errdetail("The state of %d groups exceeds 1 GB.", st->ngroups),
					 errhint("Decompose by a grouping with fewer distinct values, or disable parallel query for this query.")));
	}
	return size;
}

#define PUT(dst, field) (memcpy((dst), &(field), sizeof(field)), (dst) += sizeof(field))

static void
dec_flatten(const DecState *st, char *out, Size size)
{
	char	   *p = out + VARHDRSZ;
	MedresStateTag tag;

	medres_state_tag(&tag, MEDRES_STATE_DECOMPOSITION, DEC_STATE_VERSION);
	PUT(p, tag);
	PUT(p, st->nrows);
	PUT(p, st->mode);
	PUT(p, st->alpha);
	PUT(p, st->K);
	PUT(p, st->K2);
	PUT(p, st->KW);
	PUT(p, st->ngroups);
	for (int i = 0; i < st->ngroups; i++)
	{
		const DecGroup *g = &st->groups[i];

		PUT(p, g->keylen);
		memcpy(p, g->key, g->keylen);
		p += g->keylen;
		PUT(p, g->n);
		PUT(p, g->s);
		PUT(p, g->Z);
		PUT(p, g->Zc);
	}
	Assert(p == out + size);
	SET_VARSIZE(out, size);
}

static Size
dec_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return dec_flat_size((DecState *) eohptr);
}

static void
dec_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	dec_flatten((DecState *) eohptr, (char *) result, allocated_size);
}

static void
read_bytes(const char **p, const char *end, void *dst, Size len)
{
	if (end - *p < (ptrdiff_t) len)
		medres_state_invalid("The decomposition state is shorter than its fields.");
	memcpy(dst, *p, len);
	*p += len;
}

/* K, K2, KW: zero before their first value, else a power of two */
static bool
scale_ok(double K)
{
	int			e;

	return K == 0.0 || (K > 0.0 && K <= DBL_MAX && frexp(K, &e) == 0.5);
}

/* A state (in a new context under parent) from len bytes of the flat form. */
static DecState *
dec_from_flat(const char *p, Size len, MemoryContext parent)
{
	const char *end = p + len;
	DecState   *st;
	int64		nrows;
	int			mode,
				ngroups;
	double		alpha,
				K,
				K2,
				KW;

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
	if (nrows < 0 || !isfinite(alpha) || !scale_ok(K) || !scale_ok(K2) || !scale_ok(KW) ||
		ngroups < 0 || (Size) ngroups > (Size) (end - p) / DEC_FLAT_GROUP)
		medres_state_invalid("The fields of the decomposition state are inconsistent.");
	st = dec_new(parent, alpha);
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
			medres_state_invalid("A group key of the decomposition state is longer than the state.");
		g = dec_group(st, p, keylen);
		if (st->ngroups != i + 1)
			medres_state_invalid("The decomposition state holds a group twice.");
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
	return st;
}

/*
 * The state behind a ge_decomposition_state datum, for reading: an expanded
 * state itself, or a flat one unpacked into a new context under
 * CurrentMemoryContext (*unpacked set: the caller frees it with dec_free).
 */
static DecState *
dec_state_read(Datum d, bool *unpacked)
{
	struct varlena *v;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods != &dec_eoh_methods)
			elog(ERROR, "expanded datum is not a ge_decomposition state");
		*unpacked = false;
		return (DecState *) eoh;
	}
	v = PG_DETOAST_DATUM(d);
	*unpacked = true;
	return dec_from_flat(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), CurrentMemoryContext);
}

/*
 * The state behind a ge_decomposition_state datum, for updating in place:
 * the read-write expanded state that this aggregate made in aggcxt, or else
 * a new one (under aggcxt) holding the same sums.
 */
static DecState *
dec_state_write(Datum d, MemoryContext aggcxt)
{
	DecState   *st;
	bool		unpacked;

	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
	{
		st = (DecState *) DatumGetEOHP(d);
		if (st->hdr.eoh_methods == &dec_eoh_methods &&
			MemoryContextGetParent(st->cxt) == aggcxt)
			return st;
	}
	st = dec_state_read(d, &unpacked);
	if (unpacked)
		MemoryContextSetParent(st->cxt, aggcxt);
	else
	{
		/* someone else's expanded state: copy it through its flat form */
		Size		size = dec_flat_size(st);
		char	   *flat = palloc(size);

		dec_flatten(st, flat, size);
		st = dec_from_flat(VARDATA(flat), size - VARHDRSZ, aggcxt);
		pfree(flat);
	}
	return st;
}

/*
 * Text form of a state (what Citus ships from a worker to the coordinator):
 *
 *   ge_decomposition/1 alpha=A rows=N K=K1 K2=K2 KW=KW groups=G
 *   then for each group:  "KEY" n W Wc S1 S1c S2 S2c Z Zc
 *
 * all on one line, separated by single spaces; KEY with \ before " and \;
 * every double in the shortest decimal that reads back to the same bits
 * (as float8out with extra_float_digits > 0, but independent of it), so the
 * text carries the state exactly.  The sums are in the units of the three
 * scales, as in the state itself (see medres.h).
 */
#define DEC_TEXT_PREFIX "ge_decomposition/1"

static void
append_double(StringInfo buf, double v)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	appendStringInfoChar(buf, ' ');
	double_to_shortest_decimal_buf(v, num);
	appendStringInfoString(buf, num);
}

static char *
dec_to_text(const DecState *st)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, DEC_TEXT_PREFIX " alpha=");
	appendStringInfoString(&buf, double_to_shortest_decimal(st->alpha));
	appendStringInfo(&buf, " rows=" INT64_FORMAT " K=", st->nrows);
	appendStringInfoString(&buf, double_to_shortest_decimal(st->K));
	appendStringInfoString(&buf, " K2=");
	appendStringInfoString(&buf, double_to_shortest_decimal(st->K2));
	appendStringInfoString(&buf, " KW=");
	appendStringInfoString(&buf, double_to_shortest_decimal(st->KW));
	appendStringInfo(&buf, " groups=%d", st->ngroups);
	for (int i = 0; i < st->ngroups; i++)
	{
		const DecGroup *g = &st->groups[i];

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		appendStringInfoString(&buf, " \"");
		for (int k = 0; k < g->keylen; k++)
		{
			if (g->key[k] == '"' || g->key[k] == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, g->key[k]);
		}
		appendStringInfo(&buf, "\" " INT64_FORMAT, g->n);
		append_double(&buf, g->s.W);
		append_double(&buf, g->s.Wc);
		append_double(&buf, g->s.S1);
		append_double(&buf, g->s.S1c);
		append_double(&buf, g->s.S2);
		append_double(&buf, g->s.S2c);
		append_double(&buf, g->Z);
		append_double(&buf, g->Zc);
	}
	return buf.data;
}

pg_noreturn static void
dec_text_invalid(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type medres.ge_decomposition_state"),
			 errdetail("%s", detail)));
}

/* the literal lit at *p */
static void
text_expect(char **p, const char *lit)
{
	size_t		len = strlen(lit);

	if (strncmp(*p, lit, len) != 0)
		dec_text_invalid(psprintf("Expected \"%s\".", lit));
	*p += len;
}

/* a finite double at *p (float8in's syntax; surrounding spaces are skipped) */
static double
text_double(char **p, const char *orig)
{
	char	   *end;
	double		v;

	if (**p == '\0')
		dec_text_invalid("The state ends before its last number.");
	v = medres_float8in(*p, &end, "medres.ge_decomposition_state", orig);
	if (!isfinite(v))
		dec_text_invalid("A number of the state is not finite.");
	*p = end;
	return v;
}

/* a non-negative integer at *p */
static int64
text_int(char **p, int64 max)
{
	int64		v = 0;

	while (**p == ' ')
		(*p)++;
	if (!isdigit((unsigned char) **p))
		dec_text_invalid("Expected a non-negative integer.");
	while (isdigit((unsigned char) **p))
	{
		v = v * 10 + (**p - '0');
		if (v > max)
			dec_text_invalid("An integer of the state is out of range.");
		(*p)++;
	}
	return v;
}

/*
 * Sums that rows could have produced: every group's own index, and the
 * index of all groups together, is finite and not negative (Jensen: GE is
 * never below 0; 1e-9 leaves room for rounding, which is far smaller), and
 * the weight of zero values is at most the group's weight.  The final
 * function's formulas, so that a state written by hand cannot make it
 * print a meaningless table.
 */
static void
dec_check_sums(const DecState *st)
{
	PowerSums	tot = {0};
	double		Z = 0.0;

	for (int i = 0; i < st->ngroups; i++)
	{
		const DecGroup *g = &st->groups[i];
		double		W = g->s.W + g->s.Wc,
					S1 = g->s.S1 + g->s.S1c,
					ge_g;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		sums_add(&tot, &g->s);
		Z += g->Z + g->Zc;
		if (!(g->Z + g->Zc <= W * (1.0 + 1e-12)))
			dec_text_invalid(psprintf("Group %d has more weight on zero values than in all.", i + 1));
		if (S1 <= 0.0)
			continue;
		ge_g = st->mode == PHI_NEAR ? near_ge(&g->s, g->Z + g->Zc, st->alpha, st->d) :
			power_ge(st->mode, st->alpha, &g->s, st->K, st->K2);
		if (!(ge_g >= -1e-9 && isfinite(ge_g)))
			dec_text_invalid(psprintf("The sums of group %d give it a negative or infinite index.", i + 1));
	}
	if (tot.S1 + tot.S1c > 0.0)
	{
		double		ge = st->mode == PHI_NEAR ? near_ge(&tot, Z, st->alpha, st->d) :
			power_ge(st->mode, st->alpha, &tot, st->K, st->K2);

		if (!(ge >= -1e-9 && isfinite(ge)))
			dec_text_invalid("The sums of the groups together give a negative or infinite index.");
	}
}

/* A state (in a new context under parent) from its text form. */
static DecState *
dec_from_text(char *str, MemoryContext parent)
{
	char	   *p = str;
	DecState   *st;
	double		alpha,
				K,
				K2,
				KW;
	int64		nrows,
				nsum = 0;
	int			ngroups;
	StringInfoData key;

	text_expect(&p, DEC_TEXT_PREFIX " alpha=");
	alpha = text_double(&p, str);
	text_expect(&p, "rows=");
	nrows = text_int(&p, PG_INT64_MAX);
	text_expect(&p, " K=");
	K = text_double(&p, str);
	text_expect(&p, "K2=");
	K2 = text_double(&p, str);
	text_expect(&p, "KW=");
	KW = text_double(&p, str);
	text_expect(&p, "groups=");
	ngroups = (int) text_int(&p, INT_MAX);
	medres_check_ge_alpha(alpha);
	if (!scale_ok(K) || !scale_ok(K2) || !scale_ok(KW) || (K == 0.0) != (K2 == 0.0) ||
		(KW == 0.0) != (ngroups == 0))
		dec_text_invalid("The scales K, K2 and KW must be powers of two, zero only before the first value, weight or group.");
	st = dec_new(parent, alpha);
	st->nrows = nrows;
	st->K = K;
	st->K2 = K2;
	st->KW = KW;
	initStringInfo(&key);
	for (int i = 0; i < ngroups; i++)
	{
		DecGroup   *g;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		text_expect(&p, " \"");
		resetStringInfo(&key);
		while (*p != '"')
		{
			if (*p == '\\')
				p++;
			if (*p == '\0')
				dec_text_invalid("A group key has no closing quote.");
			appendStringInfoChar(&key, *p++);
		}
		p++;
		g = dec_group(st, key.data, key.len);
		if (st->ngroups != i + 1)
			dec_text_invalid("A group key occurs twice.");
		g->n = text_int(&p, PG_INT64_MAX);
		g->s.W = text_double(&p, str);
		g->s.Wc = text_double(&p, str);
		g->s.S1 = text_double(&p, str);
		g->s.S1c = text_double(&p, str);
		g->s.S2 = text_double(&p, str);
		g->s.S2c = text_double(&p, str);
		g->Z = text_double(&p, str);
		g->Zc = text_double(&p, str);
		/* float8in skipped the space after the last number: give it back */
		if (p > str && p[-1] == ' ')
			p--;
		/* what a group made from rows satisfies */
		if (g->n < 1 || !(g->s.W + g->s.Wc > 0.0) || !(g->s.S1 + g->s.S1c >= 0.0) ||
			!(g->Z + g->Zc >= 0.0) || (st->mode != PHI_NEAR && (g->Z != 0.0 || g->Zc != 0.0)) ||
			(K == 0.0 && (g->s.S1 != 0.0 || g->s.S1c != 0.0 || g->s.S2 != 0.0 || g->s.S2c != 0.0)))
			dec_text_invalid(psprintf("The sums of group %d are not those of any rows.", i + 1));
		nsum += g->n;
		if (nsum > nrows)
			dec_text_invalid("The groups hold more rows than the state.");
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		dec_text_invalid("The state has text after its last group.");
	pfree(key.data);
	dec_check_sums(st);
	return st;
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

/* The decomposition of state st: the result of ge_decomposition, NULL without rows. */
static Datum
dec_result(FunctionCallInfo fcinfo, DecState *st)
{
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
	bool		group_finite = true;

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
		/* finite for a state made from rows; checked after the totals below */
		group_finite &= isfinite(DatumGetFloat8(gv[4]));
		if (S1g > 0.0)
		{
			double		ge_g = mode == PHI_NEAR ? near_ge(&g->s, g->Z + g->Zc, alpha, st->d) :
				power_ge(mode, alpha, &g->s, st->K, st->K2);

			group_finite &= isfinite(ge_g);

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
	if (!group_finite)
		medres_check_result("a group's generalized entropy", get_float8_nan());

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

/*
 * 0.2.0: ge_decomposition with state type medres.ge_decomposition_state.
 */

PG_FUNCTION_INFO_V1(medres_dec_state_in);
Datum
medres_dec_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	DecState   *st = dec_from_text(str, CurrentMemoryContext);
	Size		size = dec_flat_size(st);
	char	   *flat = palloc(size);

	dec_flatten(st, flat, size);
	dec_free(st);
	PG_RETURN_POINTER(flat);
}

PG_FUNCTION_INFO_V1(medres_dec_state_out);
Datum
medres_dec_state_out(PG_FUNCTION_ARGS)
{
	bool		unpacked;
	DecState   *st = dec_state_read(PG_GETARG_DATUM(0), &unpacked);
	char	   *out = dec_to_text(st);

	if (unpacked)
		dec_free(st);
	PG_RETURN_CSTRING(out);
}

/* ge_decomposition(value, weight, grp, alpha): the state is updated in place */
PG_FUNCTION_INFO_V1(medres_dec_state_trans);
Datum
medres_dec_state_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	DecState   *st;

	/* called directly (SELECT medres._dec_trans(...)): a state of this expression */
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	st = PG_ARGISNULL(0) ? NULL : dec_state_write(PG_GETARG_DATUM(0), aggcxt);
	st = dec_accum(fcinfo, st, aggcxt);
	if (st == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(EOHPGetRWDatum(&st->hdr));
}

/*
 * Combine: the first state is updated in place; the second is read only
 * (a flat state from a parallel worker or, through its text form, from a
 * Citus worker).
 */
PG_FUNCTION_INFO_V1(medres_dec_state_combine);
Datum
medres_dec_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	DecState   *a,
			   *b;
	bool		unpacked;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = dec_state_read(PG_GETARG_DATUM(1), &unpacked);
	a = PG_ARGISNULL(0) ? dec_new(aggcxt, b->alpha) : dec_state_write(PG_GETARG_DATUM(0), aggcxt);
	dec_merge(a, b);
	if (unpacked)
		dec_free(b);
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

PG_FUNCTION_INFO_V1(medres_dec_state_final);
Datum
medres_dec_state_final(PG_FUNCTION_ARGS)
{
	bool		unpacked;
	DecState   *st;
	Datum		result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = dec_state_read(PG_GETARG_DATUM(0), &unpacked);
	result = dec_result(fcinfo, st);
	if (unpacked)
		dec_free(st);
	return result;
}

/*
 * 0.1.0: the same aggregate with an internal state, for a database whose
 * extension has not been updated yet (ALTER EXTENSION medres UPDATE drops
 * these functions).  The serialized bytea is the flat form above.
 */

PG_FUNCTION_INFO_V1(medres_dec_trans);
Datum
medres_dec_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	DecState   *st;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate transition called in non-aggregate context");
	st = PG_ARGISNULL(0) ? NULL : (DecState *) PG_GETARG_POINTER(0);
	st = dec_accum(fcinfo, st, aggcxt);
	if (st == NULL)
		PG_RETURN_NULL();
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
	dec_merge(a, b);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(medres_dec_serialize);
Datum
medres_dec_serialize(PG_FUNCTION_ARGS)
{
	DecState   *st = (DecState *) PG_GETARG_POINTER(0);
	Size		size = dec_flat_size(st);
	char	   *out = palloc(size);

	dec_flatten(st, out, size);
	PG_RETURN_BYTEA_P((bytea *) out);
}

PG_FUNCTION_INFO_V1(medres_dec_deserialize);
Datum
medres_dec_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	PG_RETURN_POINTER(dec_from_flat(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), aggcxt));
}

PG_FUNCTION_INFO_V1(medres_dec_final);
Datum
medres_dec_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	return dec_result(fcinfo, (DecState *) PG_GETARG_POINTER(0));
}
