/*
 * dagum.c — Dagum's decomposition of the Gini coefficient by groups
 * (Dagum 1997, "A new approach to the decomposition of the Gini income
 * inequality ratio", Empirical Economics 22:515–531), with weights in
 * place of counts:
 *
 *   G     = sum_j sum_h sum_i sum_r w_i w_r |y_ji - y_hr| / (2 W^2 mu)
 *   G_jj  = the same within group j, over W_j^2 and mu_j
 *   G_jh  = sum_i sum_r w_i w_r |y_ji - y_hr| / (W_j W_h (mu_j + mu_h))
 *   G_w   = sum_j G_jj p_j s_j
 *   G_nb  = sum_{j>h} G_jh (p_j s_h + p_h s_j) D_jh
 *   G_t   = sum_{j>h} G_jh (p_j s_h + p_h s_j) (1 - D_jh)
 *   D_jh  = (d_jh - p_jh) / (d_jh + p_jh)
 *
 * with groups ordered by mean (mu_j >= mu_h for j > h), p_j = W_j / W the
 * population share, s_j = W_j mu_j / (W mu) the resource share, d_jh the
 * weighted mean of y_ji - y_hr over the pairs where j's value is above h's
 * and p_jh that of y_hr - y_ji over the pairs where h's is above (both
 * over all W_j W_h pairs: the transvariation).  G = G_w + G_nb + G_t.
 *
 * Everything follows from the one-sided sums
 *
 *   P[j][h] = sum_{i in j, r in h, y_i > y_r} w_i w_r (y_i - y_r),
 *
 * with M_j = sum_{i in j} w_i y_i and M = sum_j M_j:
 *   G = sum_{j,h} P[j][h] / (W M),  G_jj = P[j][j] / (W_j M_j),
 *   G_jh = (P[j][h] + P[h][j]) / (M_j W_h + M_h W_j),
 *   D_jh = (P[j][h] - P[h][j]) / (P[j][h] + P[h][j]),
 * and the contributions need no product of rounded factors at all:
 *   G_jj p_j s_j = P[j][j] / (W M),
 *   G_jh (p_j s_h + p_h s_j) D_jh = (P[j][h] - P[h][j]) / (W M),
 *   G_jh (p_j s_h + p_h s_j) (1 - D_jh) = 2 P[h][j] / (W M).
 *
 * The sums come from one sort of all rows and one sweep in value order
 * (medres_dagum_sweep): F_h(t) = sum_{r in h, y_r < t} w_r (t - y_r) is linear
 * between the rows of h, so a row i of group j adds w_i F_h(y_i) to
 * P[j][h] for every h in O(1) each, O(n k) in all for k groups, and every
 * term added is non-negative: nothing cancels, even for nearly equal
 * values (unlike the x C - S form of the same sum).
 *
 * The state keeps every row with a positive weight as a (value, group,
 * weight) record, in the RHW layout so that sort.c's radix sort and merge
 * apply (r = value, h = group number, w = weight); groups live in a small
 * open-addressing hash table keyed by the group text, as in
 * decomposition.c.
 */
#include "medres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include <limits.h>

typedef struct DagumGroup
{
	char	   *key;
	int			keylen;
	uint32		hash;
	int64		n;				/* rows with positive weight */
} DagumGroup;

typedef struct DagumState
{
	MemoryContext cxt;
	int64		nrows;			/* non-NULL rows seen, zero weights included */
	Size		n;				/* records stored */
	Size		cap;
	Size		sorted;			/* items[0 .. sorted) are in ascending value order */
	RHW		   *items;			/* r = value, h = group number, w = weight */
	int			ngroups;
	int			capgroups;
	DagumGroup *groups;
	int			tablesize;		/* power of two; slots hold group index or -1 */
	int		   *table;
	int			last;			/* group of the previous row, or -1 */
} DagumState;

static DagumState *
dagum_new(MemoryContext cxt)
{
	DagumState *st = MemoryContextAllocZero(cxt, sizeof(DagumState));

	st->cxt = cxt;
	st->last = -1;
	st->tablesize = 64;
	st->table = MemoryContextAlloc(cxt, st->tablesize * sizeof(int));
	memset(st->table, -1, st->tablesize * sizeof(int));
	return st;
}

static void
dagum_rehash(DagumState *st)
{
	int			size = st->tablesize * 2;

	pfree(st->table);
	st->table = MemoryContextAlloc(st->cxt, (Size) size * sizeof(int));
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

/* The number of the group with this key, created if needed (at most DAGUM_MAX_GROUPS). */
static int
dagum_group(DagumState *st, const char *key, int keylen)
{
	uint32		h;
	int			slot;
	DagumGroup *g;

	if (st->last >= 0)
	{
		g = &st->groups[st->last];
		if (g->keylen == keylen && memcmp(g->key, key, keylen) == 0)
			return st->last;
	}
	h = hash_bytes((const unsigned char *) key, keylen);
	slot = h & (st->tablesize - 1);
	while (st->table[slot] >= 0)
	{
		g = &st->groups[st->table[slot]];
		if (g->hash == h && g->keylen == keylen && memcmp(g->key, key, keylen) == 0)
			return st->last = st->table[slot];
		slot = (slot + 1) & (st->tablesize - 1);
	}
	if (st->ngroups >= DAGUM_MAX_GROUPS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("dagum_decomposition has more than %d groups", DAGUM_MAX_GROUPS),
				 errdetail("Its cost grows with the number of rows times the number of groups, and its result with the square of the groups."),
				 errhint("Decompose by a grouping with fewer distinct values.")));
	if (st->ngroups == st->capgroups)
	{
		int			cap = Max(16, st->capgroups * 2);

		if (st->groups == NULL)
			st->groups = MemoryContextAlloc(st->cxt, cap * sizeof(DagumGroup));
		else
			st->groups = repalloc(st->groups, cap * sizeof(DagumGroup));
		st->capgroups = cap;
	}
	g = &st->groups[st->ngroups];
	g->key = MemoryContextAlloc(st->cxt, keylen + 1);
	memcpy(g->key, key, keylen);
	g->key[keylen] = '\0';
	g->keylen = keylen;
	g->hash = h;
	g->n = 0;
	st->table[slot] = st->ngroups;
	st->last = st->ngroups++;
	if (st->ngroups * 2 > st->tablesize)
		dagum_rehash(st);
	return st->last;
}

static void
dagum_reserve(DagumState *st, Size need)
{
	Size		newcap;

	if (need <= st->cap)
		return;
	newcap = Max(Max(st->cap * 2, (Size) 1024), need);
	medres_check_memory((Size) Min(newcap, MaxAllocHugeSize / sizeof(RHW)) * sizeof(RHW),
						"the aggregate state");
	if (st->items == NULL)
		st->items = medres_alloc_huge(st->cxt, newcap, sizeof(RHW), "the aggregate state");
	else
	{
		if (newcap > MaxAllocHugeSize / sizeof(RHW))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for one aggregate state")));
		st->items = medres_realloc_huge(st->items, newcap, sizeof(RHW), "the aggregate state");
	}
	st->cap = newcap;
}

/*
 * Bring all records into value order: sort the tail left since the last
 * call (a running window adds rows after a final call) and merge it with
 * the sorted prefix.
 */
static void
dagum_sort(DagumState *st)
{
	Size		tail = st->n - st->sorted;

	if (tail == 0)
		return;
	medres_sort_records(st->items + st->sorted, tail, sizeof(RHW));
	if (st->sorted > 0)
	{
		RHW		   *merged;

		medres_check_memory(st->n * sizeof(RHW) * 2, "the aggregate state");
		merged = medres_alloc_huge(st->cxt, st->n, sizeof(RHW), "the aggregate state");
		medres_merge_records(merged, st->items, st->sorted, st->items + st->sorted, tail, sizeof(RHW));
		pfree(st->items);
		st->items = merged;
		st->cap = st->n;
	}
	st->sorted = st->n;
}

/* dagum_decomposition(value, weight, grp) and dagum_decomposition(value, grp) */
PG_FUNCTION_INFO_V1(medres_dagum_trans);
Datum
medres_dagum_trans(PG_FUNCTION_ARGS)
{
	int			nargs = PG_NARGS();
	DagumState *st;
	double		x,
				w;
	text	   *grp;
	int			g;

	if (PG_ARGISNULL(0))
	{
		MemoryContext aggcxt;

		if (!AggCheckCallContext(fcinfo, &aggcxt))
			elog(ERROR, "medres aggregate transition called in non-aggregate context");
		st = dagum_new(aggcxt);
	}
	else
		st = (DagumState *) PG_GETARG_POINTER(0);
	for (int i = 1; i < nargs; i++)
		if (PG_ARGISNULL(i))
			PG_RETURN_POINTER(st);
	x = PG_GETARG_FLOAT8(1);
	w = nargs > 3 ? PG_GETARG_FLOAT8(2) : 1.0;
	medres_check_nonnegative("value", x);
	medres_check_weight(w);
	st->nrows++;
	if (w == 0.0)
		PG_RETURN_POINTER(st);
	grp = PG_GETARG_TEXT_PP(nargs - 1);
	g = dagum_group(st, VARDATA_ANY(grp), VARSIZE_ANY_EXHDR(grp));
	st->groups[g].n++;
	if (unlikely(st->n == st->cap))
		dagum_reserve(st, st->n + 1);
	st->items[st->n].r = x + 0.0;	/* -0.0 sorts as +0.0 */
	st->items[st->n].h = (double) g;
	st->items[st->n].w = w;
	st->n++;
	PG_RETURN_POINTER(st);
}

/*
 * Add b's groups and records to a.  b's group numbers are mapped to a's as
 * the records are copied; when both are sorted (parallel workers sort
 * before they serialize) the copy is a merge, so a stays sorted.
 */
static void
dagum_absorb(DagumState *a, const DagumState *b)
{
	int		   *map = palloc(Max(b->ngroups, 1) * sizeof(int));
	Size		total = a->n + b->n;
	bool		merge = a->sorted == a->n && b->sorted == b->n && a->n > 0;
	RHW		   *dst;
	Size		i = 0,
				j = 0,
				k = 0;

	for (int g = 0; g < b->ngroups; g++)
	{
		map[g] = dagum_group(a, b->groups[g].key, b->groups[g].keylen);
		a->groups[map[g]].n += b->groups[g].n;
	}
	a->nrows += b->nrows;
	if (b->n == 0)
		return;
	if (total < a->n)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for one aggregate state")));
	if (merge)
	{
		medres_check_memory(total * sizeof(RHW) + a->n * sizeof(RHW), "the aggregate state");
		dst = medres_alloc_huge(a->cxt, total, sizeof(RHW), "the aggregate state");
		while (i < a->n && j < b->n)
		{
			if (b->items[j].r < a->items[i].r)
			{
				dst[k] = b->items[j++];
				dst[k].h = map[(int) dst[k].h];
			}
			else
				dst[k] = a->items[i++];
			if ((++k & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		memcpy(dst + k, a->items + i, (a->n - i) * sizeof(RHW));
		k += a->n - i;
		for (; j < b->n; j++, k++)
		{
			dst[k] = b->items[j];
			dst[k].h = map[(int) dst[k].h];
		}
		pfree(a->items);
		a->items = dst;
		a->n = a->cap = a->sorted = total;
	}
	else
	{
		bool		was_empty = a->n == 0;

		dagum_reserve(a, total);
		for (j = 0; j < b->n; j++)
		{
			RHW			rec = b->items[j];

			rec.h = map[(int) rec.h];
			a->items[a->n++] = rec;
			if ((j & 0xFFFFF) == 0xFFFFF)
				CHECK_FOR_INTERRUPTS();
		}
		if (was_empty)
			a->sorted = b->sorted;
	}
	pfree(map);
}

PG_FUNCTION_INFO_V1(medres_dagum_combine);
Datum
medres_dagum_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	DagumState *a;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres combine function called in non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	a = PG_ARGISNULL(0) ? dagum_new(aggcxt) : (DagumState *) PG_GETARG_POINTER(0);
	dagum_absorb(a, (DagumState *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(a);
}

/*
 * Serialized form: the tag (medres.h), nrows, the number of records n and
 * of groups, each group's key length, key bytes and row count, then the n
 * records sorted by value (the sort runs in the parallel workers).
 * Deserialize checks every field.
 */
#define DAGUM_STATE_VERSION 1

typedef struct DagumHeader
{
	MedresStateTag tag;
	int32		ngroups;
	int64		nrows;
	int64		n;
} DagumHeader;

PG_FUNCTION_INFO_V1(medres_dagum_serialize);
Datum
medres_dagum_serialize(PG_FUNCTION_ARGS)
{
	DagumState *st = (DagumState *) PG_GETARG_POINTER(0);
	DagumHeader hdr;
	Size		keys = 0,
				len;
	bytea	   *out;
	char	   *p;

	dagum_sort(st);
	for (int g = 0; g < st->ngroups; g++)
		keys += sizeof(int32) + st->groups[g].keylen + sizeof(int64);
	if (st->n > (MaxAllocSize - VARHDRSZ - sizeof(hdr) - keys) / sizeof(RHW))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("aggregate state of %zu rows is too large to pass between parallel processes",
						(size_t) st->n),
				 errhint("Run the query without parallel workers: SET max_parallel_workers_per_gather = 0.")));
	len = sizeof(hdr) + keys + st->n * sizeof(RHW);
	memset(&hdr, 0, sizeof(hdr));
	medres_state_tag(&hdr.tag, MEDRES_STATE_DAGUM, DAGUM_STATE_VERSION);
	hdr.ngroups = st->ngroups;
	hdr.nrows = st->nrows;
	hdr.n = st->n;
	out = medres_palloc_advised(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	p = VARDATA(out);
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (int g = 0; g < st->ngroups; g++)
	{
		int32		kl = st->groups[g].keylen;

		memcpy(p, &kl, sizeof(int32));
		p += sizeof(int32);
		memcpy(p, st->groups[g].key, kl);
		p += kl;
		memcpy(p, &st->groups[g].n, sizeof(int64));
		p += sizeof(int64);
	}
	if (st->n > 0)
		memcpy(p, st->items, st->n * sizeof(RHW));
	PG_RETURN_BYTEA_P(out);
}

static void
read_bytes(const char **p, const char *end, void *dst, Size len)
{
	if ((Size) (end - *p) < len)
		medres_state_invalid("The Dagum decomposition state is shorter than its fields.");
	memcpy(dst, *p, len);
	*p += len;
}

PG_FUNCTION_INFO_V1(medres_dagum_deserialize);
Datum
medres_dagum_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	const char *end = p + VARSIZE_ANY_EXHDR(in);
	MemoryContext aggcxt;
	DagumState *st;
	DagumHeader hdr;
	int64	   *counted;
	double		prev = 0.0;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	(void) medres_state_check(p, end - p, sizeof(hdr), MEDRES_STATE_DAGUM, MEDRES_STATE_DAGUM,
							  DAGUM_STATE_VERSION);
	read_bytes(&p, end, &hdr, sizeof(hdr));
	if (hdr.ngroups < 0 || hdr.ngroups > DAGUM_MAX_GROUPS || hdr.n < 0 || hdr.nrows < hdr.n ||
		(hdr.n > 0 && hdr.ngroups == 0) ||
		(uint64) hdr.n > (Size) (end - p) / sizeof(RHW))
		medres_state_invalid("The fields of the Dagum decomposition state are inconsistent.");
	st = dagum_new(aggcxt);
	st->nrows = hdr.nrows;
	for (int g = 0; g < hdr.ngroups; g++)
	{
		int32		kl;
		int64		n;
		int			idx;

		read_bytes(&p, end, &kl, sizeof(int32));
		if (kl < 0 || end - p < kl)
			medres_state_invalid("The Dagum decomposition state is shorter than its fields.");
		idx = dagum_group(st, p, kl);
		p += kl;
		read_bytes(&p, end, &n, sizeof(int64));
		if (idx != g || n <= 0)
			medres_state_invalid("The groups of the Dagum decomposition state are inconsistent.");
		st->groups[g].n = n;
	}
	if ((Size) (end - p) != (Size) hdr.n * sizeof(RHW))
		medres_state_invalid("The Dagum decomposition state does not hold the records it announces.");
	st->last = -1;
	counted = palloc0(Max(hdr.ngroups, 1) * sizeof(int64));
	if (hdr.n > 0)
	{
		dagum_reserve(st, hdr.n);
		memcpy(st->items, p, hdr.n * sizeof(RHW));
	}
	for (Size i = 0; i < (Size) hdr.n; i++)
	{
		const RHW  *rec = &st->items[i];

		if (!(rec->r >= prev && rec->r <= DBL_MAX && rec->w > 0.0 && rec->w <= DBL_MAX &&
			  rec->h >= 0.0 && rec->h < hdr.ngroups && rec->h == floor(rec->h)))
			medres_state_invalid("The records of the Dagum decomposition state are not sorted, finite, positively weighted and in its groups.");
		prev = rec->r;
		counted[(int) rec->h]++;
		if ((i & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	for (int g = 0; g < hdr.ngroups; g++)
		if (counted[g] != st->groups[g].n)
			medres_state_invalid("The groups of the Dagum decomposition state are inconsistent.");
	pfree(counted);
	st->n = st->sorted = hdr.n;
	PG_RETURN_POINTER(st);
}

/* ---- the decomposition of sorted records ---- */

/* 2^k clamped to the double range */
static double
pow2_clamped(int k)
{
	return ldexp(1.0, Max(Min(k, DBL_MAX_EXP - 1), DBL_MIN_EXP - DBL_MANT_DIG));
}

/*
 * The sums of the decomposition (DagumSums, medres.h) are in scaled units:
 * values z = y * 2^sv with the largest near 2^500, weights q = w * 2^sw
 * with their total near 2^200 (as gini.c scales them: small values and
 * weights stay normal doubles, and every product below stays under
 * 2^910).  Each sum has its compensation term beside it.
 */

/*
 * Four doubles as one value (a GCC/Clang vector extension: SIMD where the
 * target has it, pairs of SSE2 operations on plain x86-64, scalar code
 * elsewhere), for the inner loop over the groups.
 */
typedef double dvec4 __attribute__((vector_size(32)));

/* n doubles, aligned for dvec4, in the current memory context */
static double *
alloc_dvec(Size n)
{
	char	   *p = palloc0(n * sizeof(double) + sizeof(dvec4));

	return (double *) TYPEALIGN(sizeof(dvec4), p);
}

/*
 * The sweep's workspace for k groups, allocated once (in the backend) so
 * that sweeps can run again without allocating, on a helper thread too
 * (dagum_ci.c's bootstrap).
 */
struct DagumSweep
{
	int			k,
				kp;				/* k rounded up to a multiple of 4 */
	dvec4	   *a,
			   *Fs,
			   *Cs,
			   *P,
			   *Pc;
	double	   *F,
			   *Fc;
};

DagumSweep *
medres_dagum_sweep_new(int k)
{
	DagumSweep *ws = palloc(sizeof(DagumSweep));
	int			kp = (k + 3) & ~3;

	medres_check_memory((Size) k * kp * 2 * sizeof(double), "the decomposition's sums");
	ws->k = k;
	ws->kp = kp;
	ws->a = (dvec4 *) alloc_dvec(kp);
	ws->Fs = (dvec4 *) alloc_dvec(kp);
	ws->Cs = (dvec4 *) alloc_dvec(kp);
	ws->P = (dvec4 *) alloc_dvec((Size) k * kp);
	ws->Pc = (dvec4 *) alloc_dvec((Size) k * kp);
	ws->F = palloc0(k * sizeof(double));
	ws->Fc = palloc0(k * sizeof(double));
	return ws;
}

/* DagumSums for k groups, zeroed, in the current memory context */
void
medres_dagum_sums_init(DagumSums *s, int k)
{
	s->k = k;
	s->P = palloc0((Size) k * k * sizeof(double));
	s->Pc = palloc0((Size) k * k * sizeof(double));
	s->W = palloc0(k * sizeof(double));
	s->Wc = palloc0(k * sizeof(double));
	s->M = palloc0(k * sizeof(double));
	s->Mc = palloc0(k * sizeof(double));
}

/*
 * One pass over n rows sorted by value: row i has value z[i * stride] *
 * fz1 * fz2, weight q[i * stride] * fq and group number g[i * stride] (a
 * double in 0..k-1), so the same code reads the aggregate's RHW records
 * (stride 3) and dagum_ci.c's plain arrays (stride 1, factors 1).  For each
 * group h, F_h(t) = sum_{r in h, z_r < t} q_r (t - z_r) is kept at its last
 * row a_h as (F_h, C_h = W_h so far), so F_h(z) = F_h(a_h) + C_h (z - a_h)
 * for z >= a_h: two non-negative terms.  A row of group j adds q F_h(z) to
 * P[j][h] for every h (its own group's rows at the same value add 0, as
 * they should), then moves group j's anchor to z.  The loop over h runs
 * four groups at a time over arrays padded to kp, a multiple of 4, with
 * zeros (a padding group adds 0 to a padding column); each P[j][h]
 * accumulates by Knuth's branch-free TwoSum, exact but for the rounding of
 * its compensation term.
 *
 * stop == NULL: the backend's own sweep, which answers cancel by
 * CHECK_FOR_INTERRUPTS.  Otherwise (possibly on a helper thread) it polls
 * *stop and medres_cancel_requested() instead and returns false, with
 * *stop set, when either asks it to stop.
 */
bool
medres_dagum_sweep(DagumSweep *ws, const double *z, const double *q, const double *g, Size stride,
				   Size n, double fz1, double fz2, double fq, DagumSums *s,
				   volatile sig_atomic_t *stop)
{
	int			k = s->k,
				kp = ws->kp,
				kv = kp / 4;
	dvec4	   *a = ws->a,
			   *Fs = ws->Fs,
			   *Cs = ws->Cs,
			   *P = ws->P,
			   *Pc = ws->Pc;
	double	   *F = ws->F,
			   *Fc = ws->Fc;

	/* answer cancel about every 2^22 pair updates */
	Size		every = Max((Size) 1, ((Size) 1 << 22) / (Size) kp),
				left = every;

	Assert(k == ws->k);
	memset(a, 0, kp * sizeof(double));
	memset(Fs, 0, kp * sizeof(double));
	memset(Cs, 0, kp * sizeof(double));
	memset(P, 0, (Size) k * kp * sizeof(double));
	memset(Pc, 0, (Size) k * kp * sizeof(double));
	memset(F, 0, k * sizeof(double));
	memset(Fc, 0, k * sizeof(double));
	memset(s->W, 0, k * sizeof(double));
	memset(s->Wc, 0, k * sizeof(double));
	memset(s->M, 0, k * sizeof(double));
	memset(s->Mc, 0, k * sizeof(double));
	for (Size i = 0; i < n; i++)
	{
		double		zi = (z[i * stride] * fz1) * fz2,
					qi = q[i * stride] * fq;
		int			j = (int) g[i * stride];
		dvec4	   *Pj = P + (Size) j * kv,
				   *Pcj = Pc + (Size) j * kv,
					zv = {zi, zi, zi, zi},
					qv = {qi, qi, qi, qi};

		for (int h = 0; h < kv; h++)
		{
			dvec4		v = qv * (Fs[h] + Cs[h] * (zv - a[h])),
						t = Pj[h] + v,
						bp = t - Pj[h];

			Pcj[h] += (Pj[h] - (t - bp)) + (v - bp);
			Pj[h] = t;
		}
		{
			double	   *ad = (double *) a,
					   *Fsd = (double *) Fs,
					   *Csd = (double *) Cs;

			neumaier_add(&F[j], &Fc[j], Csd[j] * (zi - ad[j]));
			ad[j] = zi;
			Fsd[j] = F[j] + Fc[j];
			neumaier_add(&s->W[j], &s->Wc[j], qi);
			Csd[j] = s->W[j] + s->Wc[j];
			neumaier_add(&s->M[j], &s->Mc[j], qi * zi);
		}
		if (--left == 0)
		{
			if (stop == NULL)
				CHECK_FOR_INTERRUPTS();
			else if (*stop || medres_cancel_requested())
			{
				*stop = 1;
				return false;
			}
			left = every;
		}
	}
	for (int j = 0; j < k; j++)
		for (int h = 0; h < k; h++)
		{
			s->P[j * k + h] = ((double *) P)[(Size) j * kp + h];
			s->Pc[j * k + h] = ((double *) Pc)[(Size) j * kp + h];
		}
	return true;
}

/*
 * The four totals of the decomposition from the sums of a sweep, for the
 * intervals (dagum_ci.c): out[0] = G, out[1] = G_w, out[2] = G_nb, out[3] =
 * G_t, by the formulas of the head comment.  Groups are ordered as in
 * medres_dagum_final, by mean, equal means by group number (the intervals
 * number their groups in the byte order of the names, as the final
 * function breaks ties); a group without weight (a bootstrap replicate
 * may draw none of its rows) adds nothing.  False when the Gini is
 * undefined (no weight, or every value zero).
 */
bool
medres_dagum_components(const DagumSums *s, double *out)
{
	int			k = s->k;
	double		Wt = 0.0,
				Wtc = 0.0,
				Mt = 0.0,
				Mtc = 0.0,
				A = 0.0,
				Ac = 0.0,
				w = 0.0,
				wc = 0.0,
				nb = 0.0,
				nbc = 0.0,
				tr = 0.0,
				trc = 0.0,
				WM;

	for (int g = 0; g < k; g++)
	{
		neumaier_add(&Wt, &Wtc, s->W[g]);
		neumaier_add(&Wt, &Wtc, s->Wc[g]);
		neumaier_add(&Mt, &Mtc, s->M[g]);
		neumaier_add(&Mt, &Mtc, s->Mc[g]);
		for (int h = 0; h < k; h++)
		{
			neumaier_add(&A, &Ac, s->P[g * k + h]);
			neumaier_add(&A, &Ac, s->Pc[g * k + h]);
		}
	}
	WM = (Wt + Wtc) * (Mt + Mtc);
	if (!(WM > 0.0))
		return false;
	for (int j = 0; j < k; j++)
	{
		double		Wj = s->W[j] + s->Wc[j],
					mj = Wj > 0.0 ? (s->M[j] + s->Mc[j]) / Wj : 0.0;

		neumaier_add(&w, &wc, (s->P[j * k + j] + s->Pc[j * k + j]) / WM);
		for (int h = 0; h < j; h++)
		{
			double		Wh = s->W[h] + s->Wc[h],
						mh = Wh > 0.0 ? (s->M[h] + s->Mc[h]) / Wh : 0.0;
			int			rich = mj >= mh ? j : h,	/* equal means: the later name, j */
						poor = rich == j ? h : j;
			double		Prp = s->P[rich * k + poor] + s->Pc[rich * k + poor],
						Ppr = s->P[poor * k + rich] + s->Pc[poor * k + rich];

			/* as medres_dagum_final: D = 0 unless the richer group's sum is the larger */
			if (Prp + Ppr > 0.0 && Prp > Ppr)
			{
				neumaier_add(&nb, &nbc, (Prp - Ppr) / WM);
				neumaier_add(&tr, &trc, 2.0 * Ppr / WM);
			}
			else
				neumaier_add(&tr, &trc, (Prp + Ppr) / WM);
		}
	}
	out[0] = (A + Ac) / WM;
	out[1] = w + wc;
	out[2] = nb + nbc;
	out[3] = tr + trc;
	return isfinite(out[0]) && isfinite(out[1]) && isfinite(out[2]) && isfinite(out[3]);
}

typedef struct GroupOrder
{
	int			g;
	double		mean;			/* scaled */
	const DagumGroup *grp;
} GroupOrder;

/* by mean, then by the group text (byte order) */
static int
group_order_cmp(const void *a, const void *b)
{
	const GroupOrder *ga = (const GroupOrder *) a;
	const GroupOrder *gb = (const GroupOrder *) b;
	int			c;

	if (ga->mean != gb->mean)
		return ga->mean < gb->mean ? -1 : 1;
	c = memcmp(ga->grp->key, gb->grp->key, Min(ga->grp->keylen, gb->grp->keylen));
	if (c != 0)
		return c;
	return (ga->grp->keylen > gb->grp->keylen) - (ga->grp->keylen < gb->grp->keylen);
}

/* the datum of a float8 field, or NULL when the quantity is undefined (den == 0) */
#define RATIO_OR_NULL(vals, nulls, i, num, den) \
	do { (nulls)[i] = !((den) != 0.0); \
		 (vals)[i] = Float8GetDatum((nulls)[i] ? 0.0 : (num) / (den)); } while (0)

PG_FUNCTION_INFO_V1(medres_dagum_final);
Datum
medres_dagum_final(PG_FUNCTION_ARGS)
{
	DagumState *st;
	TupleDesc	tupdesc,
				gdesc,
				pdesc;
	Oid			gtype,
				ptype;
	int			k;
	DagumSums	s;
	GroupOrder *ord;
	Datum	   *gdatums,
			   *pdatums;
	Datum		values[9];
	bool		nulls[9] = {false};
	double		W = 0.0,
				Wc = 0.0,
				wmax = 0.0,
				xmax,
				fq,
				fz1,
				fz2,
				WM,
				total,
				within = 0.0,
				withinc = 0.0,
				nb = 0.0,
				nbc = 0.0,
				tr = 0.0,
				trc = 0.0;
	int			e,
				kz;
	Size		npairs,
				pi = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (DagumState *) PG_GETARG_POINTER(0);
	if (st->nrows == 0)
		PG_RETURN_NULL();
	if (st->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero"),
				 errdetail("An inequality index needs a positive total weight.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE || tupdesc->natts != 9)
		elog(ERROR, "dagum_decomposition must return medres.dagum");
	tupdesc = BlessTupleDesc(tupdesc);
	gtype = get_element_type(TupleDescAttr(tupdesc, 7)->atttypid);
	ptype = get_element_type(TupleDescAttr(tupdesc, 8)->atttypid);
	gdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(gtype, -1));
	pdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(ptype, -1));

	/* sorting in place keeps the state valid for a running window's next rows */
	dagum_sort(st);
	xmax = st->items[st->n - 1].r;
	if (xmax <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all values are zero"),
				 errdetail("The Gini coefficient is undefined when the mean is zero.")));

	/* the scales (see DagumSums) */
	for (Size i = 0; i < st->n; i++)
	{
		neumaier_add(&W, &Wc, st->items[i].w);
		wmax = Max(wmax, st->items[i].w);
	}
	if (isfinite(W) && isfinite(Wc) && W + Wc >= DBL_MIN && W + Wc <= DBL_MAX)
		fq = pow2_clamped(200 - ilogb(W + Wc));
	else
	{
		/* the total overflows or is subnormal: bring the largest weight near 2^200/2^bits(n) */
		(void) frexp((double) st->n, &e);
		fq = pow2_clamped(200 - ilogb(wmax) - e);
	}
	kz = 500 - ilogb(xmax);
	fz1 = ldexp(1.0, Max(Min(kz, 1000), -1000));
	fz2 = ldexp(1.0, kz - Max(Min(kz, 1000), -1000));

	k = st->ngroups;
	medres_dagum_sums_init(&s, k);
	(void) medres_dagum_sweep(medres_dagum_sweep_new(k), &st->items[0].r, &st->items[0].w,
							  &st->items[0].h, sizeof(RHW) / sizeof(double), st->n, fz1, fz2, fq,
							  &s, NULL);

	/* totals, and the groups in order of their mean */
	{
		double		Wt = 0.0,
					Wtc = 0.0,
					Mt = 0.0,
					Mtc = 0.0,
					A = 0.0,
					Ac = 0.0;

		ord = palloc(k * sizeof(GroupOrder));
		for (int g = 0; g < k; g++)
		{
			neumaier_add(&Wt, &Wtc, s.W[g]);
			neumaier_add(&Wt, &Wtc, s.Wc[g]);
			neumaier_add(&Mt, &Mtc, s.M[g]);
			neumaier_add(&Mt, &Mtc, s.Mc[g]);
			s.W[g] += s.Wc[g];
			s.M[g] += s.Mc[g];
			ord[g].g = g;
			ord[g].grp = &st->groups[g];
			ord[g].mean = s.M[g] / s.W[g];
			for (int h = 0; h < k; h++)
			{
				neumaier_add(&A, &Ac, s.P[g * k + h]);
				neumaier_add(&A, &Ac, s.Pc[g * k + h]);
			}
		}
		for (Size i = 0; i < (Size) k * k; i++)
			s.P[i] += s.Pc[i];
		qsort(ord, k, sizeof(GroupOrder), group_order_cmp);
		WM = (Wt + Wtc) * (Mt + Mtc);
		total = (A + Ac) / WM;
		medres_check_span_result("Gini coefficient", total);

		gdatums = palloc(k * sizeof(Datum));
		for (int oi = 0; oi < k; oi++)
		{
			int			g = ord[oi].g;
			double		Pjj = s.P[g * k + g],
						contrib = Pjj / WM;
			Datum		gv[8];
			bool		gn[8] = {false};

			neumaier_add(&within, &withinc, contrib);
			gv[0] = PointerGetDatum(cstring_to_text_with_len(ord[oi].grp->key, ord[oi].grp->keylen));
			gv[1] = Int64GetDatum(ord[oi].grp->n);
			gv[2] = Float8GetDatum(s.W[g] / (Wt + Wtc));
			gv[3] = Float8GetDatum(s.M[g] / (Mt + Mtc));
			gv[4] = Float8GetDatum(ord[oi].mean / fz2 / fz1);
			/* a group whose values are all zero has no Gini of its own (and adds nothing) */
			RATIO_OR_NULL(gv, gn, 5, Pjj, s.W[g] * s.M[g]);
			gv[6] = Float8GetDatum(contrib);
			RATIO_OR_NULL(gv, gn, 7, contrib, total);
			for (int f = 2; f <= 7; f++)
				if (!gn[f])
					medres_check_span_result("a group's term of the Dagum decomposition",
											 DatumGetFloat8(gv[f]));
			gdatums[oi] = HeapTupleGetDatum(heap_form_tuple(gdesc, gv, gn));
		}
	}

	/*
	 * Pairs (h, j), h before j in the order of means, so j is the richer:
	 * listed by h, then j.
	 */
	npairs = (Size) k * (k - 1) / 2;
	/* 1000 groups make 499,500 pairs: about 100 bytes each, twice (tuples, then the array) */
	medres_check_memory(npairs * 2 * 128 + (Size) k * k * 4 * sizeof(double), "the decomposition's pairs");
	pdatums = palloc(Max(npairs, 1) * sizeof(Datum));
	for (int hi = 0; hi < k; hi++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int ji = hi + 1; ji < k; ji++)
		{
			int			h = ord[hi].g,
						j = ord[ji].g;
			double		Pjh = s.P[j * k + h],
						Phj = s.P[h * k + j],
						sum = Pjh + Phj,
						den = s.M[j] * s.W[h] + s.M[h] * s.W[j],
						D,
						cnb,
						ct;
			Datum		pv[6];
			bool		pn[6] = {false};

			/*
			 * D_jh = (d - p) / (d + p).  d - p is W_j W_h (mu_j - mu_h) >= 0;
			 * for equal means rounding may leave it a hair below 0: read 0.
			 * Two groups that hold one and the same constant value have d = p
			 * = 0: neither is the richer, D = 0 (and G_jh = 0, so the pair
			 * adds nothing either way).
			 */
			if (sum > 0.0 && Pjh > Phj)
			{
				D = (Pjh - Phj) / sum;
				cnb = (Pjh - Phj) / WM;
				ct = 2.0 * Phj / WM;
			}
			else
			{
				D = 0.0;
				cnb = 0.0;
				ct = sum / WM;
			}
			neumaier_add(&nb, &nbc, cnb);
			neumaier_add(&tr, &trc, ct);
			pv[0] = PointerGetDatum(cstring_to_text_with_len(ord[ji].grp->key, ord[ji].grp->keylen));
			pv[1] = PointerGetDatum(cstring_to_text_with_len(ord[hi].grp->key, ord[hi].grp->keylen));
			/* both groups all zero: identical constant groups, G_jh = 0 */
			pv[2] = Float8GetDatum(den > 0.0 ? sum / den : 0.0);
			pv[3] = Float8GetDatum(D);
			pv[4] = Float8GetDatum(cnb);
			pv[5] = Float8GetDatum(ct);
			for (int f = 2; f <= 5; f++)
				medres_check_span_result("a pair's term of the Dagum decomposition", DatumGetFloat8(pv[f]));
			pdatums[pi++] = HeapTupleGetDatum(heap_form_tuple(pdesc, pv, pn));
		}
	}
	within += withinc;
	nb += nbc;
	tr += trc;
	medres_check_span_result("within-group Gini", within);
	medres_check_span_result("net between-group Gini", nb);
	medres_check_span_result("transvariation", tr);

	values[0] = Float8GetDatum(total);
	values[1] = Float8GetDatum(within);
	values[2] = Float8GetDatum(nb);
	values[3] = Float8GetDatum(tr);
	RATIO_OR_NULL(values, nulls, 4, within, total);
	RATIO_OR_NULL(values, nulls, 5, nb, total);
	RATIO_OR_NULL(values, nulls, 6, tr, total);
	values[7] = PointerGetDatum(construct_array(gdatums, k, gtype, -1, false, TYPALIGN_DOUBLE));
	values[8] = PointerGetDatum(construct_array(pdatums, (int) npairs, ptype, -1, false, TYPALIGN_DOUBLE));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
