/*
 * sort.c — radix sort and merge of weighted records.
 *
 * The rank-based measures (Gini, Lorenz, concentration index) must sort
 * every row; the sort is most of their cost.  Keys are the IEEE bit
 * patterns of the doubles mapped to unsigned order, sorted most significant
 * digit first, with buckets taken relative to the smallest key (see
 * radix_shift_for).
 *
 * Large buckets are partitioned in place, so a Gini needs no second copy
 * of its rows.  The partition is block-buffered, after Axtmann et al.'s
 * in-place super scalar radix sort (IPS2Ra): records are first collected
 * in 256 small per-bucket buffers and written back as full blocks over
 * the part of the array already read; the blocks are then permuted into
 * their buckets' block-aligned regions, and the few records at each
 * bucket's unaligned edges are placed last.  Every step moves whole
 * blocks or streams, so it runs at close to memory speed, unlike the
 * record-by-record cycle walk of an American-flag sort.  Once a bucket has
 * at most OOP_LIMIT records (2 MB, cache-sized), it is finished by
 * scattering back and forth with a scratch buffer of that size, and handed
 * to the caller's visitor while still in cache.  Peak memory is the 16
 * bytes per row of the state plus about 2.5 MB (twice that with the
 * helper thread).
 *
 * From MEDRES_THREAD_MIN_RECORDS (1M) records, when medres.threads allows and no parallel
 * query is running (its processes already use the cores), the buckets of
 * the first split are shared with one helper thread.  The helper only
 * moves records within its own buckets and its own scratch, allocated
 * before it starts, takes no signals and is joined before anything can
 * throw.
 *
 * The record type is a template parameter; the same body is instantiated
 * for (x, w) pairs and (r, h, w) triples.  Every record starts with its key.
 */
#include "medres.h"

#include "access/xact.h"
#include "miscadmin.h"

#define RADIX_SMALL 48			/* insertion sort below this */
#define OOP_LIMIT	(1 << 17)	/* records sorted by scatter into scratch */
#define BLOCK		64			/* records per block of the in-place partition */

/*
 * The bucket of a key at one level is (key - lo) >> shift, where lo is the
 * smallest key of the range being split and shift the smallest that maps
 * the whole range [lo, hi] into 256 buckets.  Offsetting by lo matters for
 * floating-point data: values from 0.004 to 270, say, share no leading
 * digit boundary (their exponents straddle 0x400), so a plain digit window
 * below the highest differing bit would split them into two halves and
 * waste a pass; the offset spreads them over all 256 buckets.  Each pass
 * also records the smallest and largest key of every bucket, so the next
 * level starts from the bucket's exact range and no pass is spent looking
 * for it.
 */
static inline int
radix_shift_for(uint64 lo, uint64 hi)
{
	uint64		d = hi - lo;

	return d < 256 ? 0 : (64 - __builtin_clzll(d)) - 8;
}

/*
 * The visitor (MedresSortVisitor) is called with each stretch of records
 * as soon as it is final, in key order, while it is still in cache: the
 * Gini accumulates over the records as they are sorted instead of reading
 * them all again afterwards.  Each thread visits through a RadixVisit: the
 * function and the argument of its own part.
 */
typedef struct RadixVisit
{
	void		(*fn) (const void *recs, Size n, void *arg);
	void	   *arg;
} RadixVisit;

#define VISIT(v, p, n) do { if ((v) && (v)->fn) (v)->fn((p), (n), (v)->arg); } while (0)

#define DEFINE_RADIX_SORT(NAME, ELEM, KEYFIELD)								\
static void																	\
NAME##_insertion(ELEM *a, Size n)											\
{																			\
	for (Size i = 1; i < n; i++)											\
	{																		\
		ELEM		v = a[i];												\
		Size		j = i;													\
																			\
		while (j > 0 && a[j - 1].KEYFIELD > v.KEYFIELD)						\
		{																	\
			a[j] = a[j - 1];												\
			j--;															\
		}																	\
		a[j] = v;															\
	}																		\
}																			\
																			\
static void																	\
NAME##_range(const ELEM *a, Size n, uint64 *lo, uint64 *hi)					\
{																			\
	uint64		l = PG_UINT64_MAX,											\
				h = 0;														\
																			\
	for (Size i = 0; i < n; i++)											\
	{																		\
		uint64		k = double_sort_key(a[i].KEYFIELD);						\
																			\
		l = k < l ? k : l;													\
		h = k > h ? k : h;													\
	}																		\
	*lo = l;																\
	*hi = h;																\
}																			\
																			\
/*																			\
 * Out-of-place levels, for buckets that fit in cache.  Each level counts	\
 * (noting every bucket's key range) and scatters into the other buffer,	\
 * and the buffers swap roles level by level, so no level copies back;		\
 * in_place says in which of the two the sorted records must end.  Small	\
 * buckets split into fewer buckets (about n/4, at least 16), as clearing	\
 * and walking 256 counters would cost more than the records themselves.	\
 */																			\
static inline int															\
NAME##_split(ELEM *src, ELEM *dst, Size n, uint64 lo, uint64 hi,			\
			 Size *count, uint64 *blo, uint64 *bhi)							\
{																			\
	Size		next[256],													\
				pos = 0;													\
	int			bits = Max(Min(64 - __builtin_clzll((uint64) n) - 2, 8), 4),	\
				nb = 1 << bits,												\
				span = 64 - __builtin_clzll(hi - lo),						\
				shift = span > bits ? span - bits : 0;						\
																			\
	nb = Min(nb, (int) ((hi - lo) >> shift) + 1);							\
	memset(count, 0, nb * sizeof(Size));									\
	memset(blo, 0xFF, nb * sizeof(uint64));									\
	memset(bhi, 0, nb * sizeof(uint64));									\
	for (Size i = 0; i < n; i++)											\
	{																		\
		uint64		k = double_sort_key(src[i].KEYFIELD);					\
		int			b = (int) ((k - lo) >> shift);							\
																			\
		count[b]++;															\
		blo[b] = k < blo[b] ? k : blo[b];									\
		bhi[b] = k > bhi[b] ? k : bhi[b];									\
	}																		\
	for (int b = 0; b < nb; b++)											\
	{																		\
		next[b] = pos;														\
		pos += count[b];													\
	}																		\
	for (Size i = 0; i < n; i++)											\
		dst[next[(double_sort_key(src[i].KEYFIELD) - lo) >> shift]++] = src[i]; \
	return nb;																\
}																			\
																			\
static void																	\
NAME##_pingpong(ELEM *src, ELEM *other, Size n, uint64 lo, uint64 hi, bool in_place) \
{																			\
	Size		count[256],													\
				pos = 0;													\
	uint64		blo[256],													\
				bhi[256];													\
	int			nb;															\
																			\
	if (n < RADIX_SMALL || lo == hi)										\
	{																		\
		ELEM	   *out = in_place ? src : other;							\
																			\
		if (!in_place)														\
			for (Size i = 0; i < n; i++)									\
				other[i] = src[i];											\
		if (lo != hi)														\
			NAME##_insertion(out, n);										\
		return;																\
	}																		\
	nb = NAME##_split(src, other, n, lo, hi, count, blo, bhi);				\
	for (int b = 0; b < nb; b++)											\
	{																		\
		if (count[b] > 0)													\
			NAME##_pingpong(other + pos, src + pos, count[b], blo[b], bhi[b], !in_place); \
		pos += count[b];													\
	}																		\
}																			\
																			\
/* sort a[0..n), keys in [lo, hi], with tmp[0..n) as scratch */				\
static inline void															\
NAME##_scatter(ELEM *a, ELEM *tmp, Size n, uint64 lo, uint64 hi)			\
{																			\
	NAME##_pingpong(a, tmp, n, lo, hi, true);								\
}																			\
																			\
/* scratch for the in-place partition */									\
typedef struct NAME##_Work													\
{																			\
	ELEM		buf[256][BLOCK];	/* per-bucket buffers */				\
	ELEM		hand[BLOCK];		/* the block being carried */			\
	ELEM		swap[BLOCK];												\
	ELEM		overflow[BLOCK];	/* a last block that would pass the end */ \
	ELEM		tail[BLOCK];												\
	uint8	   *label;				/* bucket of each block slot */		\
} NAME##_Work;																\
																			\
/*																			\
 * Partition a[0..n) by the digit at `shift`, in place; count[] receives		\
 * the bucket sizes.  See the file header for the three steps.				\
 */																			\
static void																	\
NAME##_partition(ELEM *a, Size n, uint64 lo, int shift, Size *count,		\
				 uint64 *blo, uint64 *bhi, NAME##_Work *wk, bool may_throw)	\
{																			\
	Size		fill[256],													\
				start[257],													\
				w[256],														\
				r[256],														\
				write = 0,													\
				nblocks,													\
				ovslot = 0,													\
				pos = 0;													\
	bool		overflowed = false;											\
	uint8	   *label = wk->label;											\
																			\
	/* 1. classify into per-bucket buffers; full ones go back as blocks */	\
	memset(fill, 0, sizeof(fill));											\
	memset(count, 0, 256 * sizeof(Size));									\
	memset(blo, 0xFF, 256 * sizeof(uint64));								\
	memset(bhi, 0, 256 * sizeof(uint64));									\
	for (Size i = 0; i < n; i++)											\
	{																		\
		ELEM		e = a[i];												\
		uint64		key = double_sort_key(e.KEYFIELD);						\
		int			k = (int) ((key - lo) >> shift);						\
																			\
		count[k]++;															\
		blo[k] = key < blo[k] ? key : blo[k];								\
		bhi[k] = key > bhi[k] ? key : bhi[k];								\
		wk->buf[k][fill[k]++] = e;											\
		if (fill[k] == BLOCK)												\
		{																	\
			/* i + 1 records read, so the block lands on read records */	\
			memcpy(a + write, wk->buf[k], sizeof(wk->buf[k]));				\
			label[write / BLOCK] = (uint8) k;								\
			write += BLOCK;													\
			fill[k] = 0;													\
		}																	\
		if (may_throw && (i & 0xFFFFF) == 0xFFFFF)							\
			CHECK_FOR_INTERRUPTS();											\
	}																		\
	nblocks = write / BLOCK;												\
																			\
	/*																		\
	 * 2. permute blocks into the block-aligned regions of their buckets:	\
	 * region k is slots [w, r) still to check, then free slots.  A block	\
	 * is carried to the next slot of its region, displacing any unchecked	\
	 * block there, until it lands on a free slot.							\
	 */																		\
	for (int k = 0; k < 256; k++)											\
	{																		\
		start[k] = pos;														\
		pos += count[k];													\
	}																		\
	start[256] = n;															\
	for (int k = 0; k < 256; k++)											\
	{																		\
		Size		b0 = (start[k] + BLOCK - 1) / BLOCK,					\
					b1 = (start[k + 1] + BLOCK - 1) / BLOCK;				\
																			\
		w[k] = b0;															\
		r[k] = Max(b0, Min(b1, nblocks));									\
	}																		\
	for (int k = 0; k < 256; k++)											\
	{																		\
		for (;;)															\
		{																	\
			int			t;													\
																			\
			while (w[k] < r[k] && label[w[k]] == k)							\
				w[k]++;														\
			if (w[k] >= r[k])												\
				break;														\
			r[k]--;															\
			memcpy(wk->hand, a + r[k] * BLOCK, sizeof(wk->hand));			\
			t = label[r[k]];												\
			for (;;)														\
			{																\
				Size		dest;											\
																			\
				while (w[t] < r[t] && label[w[t]] == t)						\
					w[t]++;													\
				dest = w[t]++;												\
				if (dest < r[t])											\
				{															\
					int			displaced = label[dest];					\
																			\
					memcpy(wk->swap, a + dest * BLOCK, sizeof(wk->swap));	\
					memcpy(a + dest * BLOCK, wk->hand, sizeof(wk->hand));	\
					memcpy(wk->hand, wk->swap, sizeof(wk->hand));			\
					label[dest] = (uint8) t;								\
					t = displaced;											\
				}															\
				else														\
				{															\
					if ((dest + 1) * BLOCK > n)								\
					{														\
						memcpy(wk->overflow, wk->hand, sizeof(wk->hand));	\
						ovslot = dest;										\
						overflowed = true;									\
					}														\
					else													\
						memcpy(a + dest * BLOCK, wk->hand, sizeof(wk->hand)); \
					break;													\
				}															\
			}																\
		}																	\
	}																		\
	if (overflowed)															\
		memcpy(a + ovslot * BLOCK, wk->overflow, (n - ovslot * BLOCK) * sizeof(ELEM)); \
																			\
	/*																		\
	 * 3. bucket k's blocks sit at [d, bend), d = start rounded up to a		\
	 * block; its true range is [start[k], e).  Fill the holes, [start[k],	\
	 * d) and [bend, e), with its buffered records and with the tail of its	\
	 * blocks that ran past e (into the next bucket's head, or past n).		\
	 */																		\
	for (int k = 0; k < 256; k++)											\
	{																		\
		Size		d = (start[k] + BLOCK - 1) / BLOCK * BLOCK,				\
					e = start[k + 1],										\
					f = w[k] * BLOCK > d ? w[k] - d / BLOCK : 0,			\
					bend = d + f * BLOCK,									\
					ntail = (f > 0 && bend > e) ? bend - e : 0,				\
					hole_end = (f > 0 && d < e) ? d : e,					\
					p = start[k];											\
																			\
		for (Size i = 0; i < ntail; i++)									\
		{																	\
			Size		q = e + i;											\
																			\
			wk->tail[i] = (overflowed && q >= n) ? wk->overflow[q - ovslot * BLOCK] : a[q]; \
		}																	\
		for (Size i = 0; i < ntail + fill[k]; i++)							\
		{																	\
			if (p == hole_end && f > 0)										\
				p = bend;													\
			a[p++] = i < ntail ? wk->tail[i] : wk->buf[k][i - ntail];		\
		}																	\
	}																		\
}																			\
																			\
/* what one thread needs to sort buckets in place */					\
typedef struct NAME##_Ctx													\
{																			\
	ELEM	   *scratch;			/* OOP_LIMIT records */					\
	NAME##_Work *wk;														\
	const RadixVisit *v;													\
	const MedresSortVisitor *split;	/* the helper: the visitor, to split */ \
	double		below;				/* ... the largest key below it */		\
	volatile sig_atomic_t *stop;	/* NULL: not threaded, may throw */	\
	ELEM	   *a;					/* the helper: its buckets, from here */ \
	const Size *count;														\
	const uint64 *blo;														\
	const uint64 *bhi;														\
	int			b0;															\
} NAME##_Ctx;																\
																			\
static void NAME##_buckets(ELEM *a, const Size *count, const uint64 *blo,	\
						   const uint64 *bhi, int b0, int b1, NAME##_Ctx *c); \
																			\
/*																			\
 * Sort a[0..n) (keys in [lo, hi]) in place; buckets of at most OOP_LIMIT	\
 * go to _scatter and are visited as they are done.  In the threaded		\
 * phase (stop set) nothing may throw: a cancel request is noticed			\
 * between buckets and ends the work early instead.							\
 */																			\
static void																	\
NAME##_inplace(ELEM *a, Size n, uint64 lo, uint64 hi, NAME##_Ctx *c)		\
{																			\
	Size		count[256];												\
	uint64		blo[256],													\
				bhi[256];													\
																			\
	if (c->stop == NULL)													\
		CHECK_FOR_INTERRUPTS();												\
	else if (*c->stop || medres_cancel_requested())							\
	{																		\
		*c->stop = 1;														\
		return;																\
	}																		\
	if (n <= OOP_LIMIT || lo == hi)											\
	{																		\
		NAME##_scatter(a, c->scratch, n, lo, hi);							\
		VISIT(c->v, a, n);													\
		return;																\
	}																		\
	NAME##_partition(a, n, lo, radix_shift_for(lo, hi), count, blo, bhi,	\
					 c->wk, c->stop == NULL);								\
	NAME##_buckets(a, count, blo, bhi, 0, 256, c);							\
}																			\
																			\
/* sort buckets b0..b1 of a split; a is where bucket b0 starts */			\
static void																	\
NAME##_buckets(ELEM *a, const Size *count, const uint64 *blo,				\
			   const uint64 *bhi, int b0, int b1, NAME##_Ctx *c)			\
{																			\
	for (int b = b0; b < b1; b++)											\
	{																		\
		if (count[b] > 0)													\
			NAME##_inplace(a, count[b], blo[b], bhi[b], c);					\
		a += count[b];														\
	}																		\
}																			\
																			\
static void *																\
NAME##_helper(void *arg)													\
{																			\
	NAME##_Ctx *c = (NAME##_Ctx *) arg;										\
	Size		n = 0;														\
																			\
	for (int b = c->b0; b < 256; b++)										\
		n += c->count[b];													\
	if (c->split->split)													\
		c->split->split(c->a, n, c->below, c->split->arg, c->split->upper_arg); \
	NAME##_buckets(c->a, c->count, c->blo, c->bhi, c->b0, 256, c);			\
	return NULL;															\
}																			\
																			\
static NAME##_Work *														\
NAME##_work_new(Size n)														\
{																			\
	NAME##_Work *wk = palloc(sizeof(NAME##_Work));							\
																			\
	wk->label = palloc(n / BLOCK + 2);										\
	return wk;																\
}																			\
																			\
/*																			\
 * After the first split, a helper thread sorts and visits the upper		\
 * buckets (about half the records) while the backend sorts and visits the	\
 * lower ones; the visitor's join adds the two parts.  Returns false,		\
 * having done nothing, when the split leaves the helper too little to be	\
 * worth it or the thread cannot be started.								\
 */																			\
static bool																	\
NAME##_threaded(ELEM *a, Size n, const Size *count, const uint64 *blo,		\
				const uint64 *bhi, NAME##_Ctx *main, const MedresSortVisitor *mv) \
{																			\
	NAME##_Ctx	help;														\
	RadixVisit	upper_visit;												\
	volatile sig_atomic_t stop = 0;											\
	Size		lower = 0,													\
				upper_max = 0;												\
	int			m = 0,														\
				last;														\
	pthread_t	th;															\
	bool		started;													\
																			\
	while (m < 256 && lower + count[m] <= n / 2)							\
		lower += count[m++];												\
	if (lower < n / 4 || n - lower < n / 4)									\
		return false;														\
	for (int b = m; b < 256; b++)											\
		upper_max = Max(upper_max, count[b]);								\
	for (last = m - 1; count[last] == 0; last--)							\
		;																	\
	help = *main;															\
	upper_visit.fn = mv->fn;												\
	upper_visit.arg = mv->upper_arg;										\
	help.v = &upper_visit;													\
	help.split = mv;														\
	help.below = sort_key_double(bhi[last]);								\
	help.scratch = palloc(Min(upper_max, (Size) OOP_LIMIT) * sizeof(ELEM)); \
	help.wk = upper_max > OOP_LIMIT ? NAME##_work_new(upper_max) : NULL;	\
	help.stop = main->stop = &stop;											\
	help.a = a + lower;														\
	help.count = count;														\
	help.blo = blo;															\
	help.bhi = bhi;															\
	help.b0 = m;															\
																			\
	started = medres_start_helper(&th, NAME##_helper, &help);				\
	if (started)															\
	{																		\
		NAME##_buckets(a, count, blo, bhi, 0, m, main);						\
		pthread_join(th, NULL);												\
	}																		\
	main->stop = NULL;														\
	if (help.wk)															\
	{																		\
		pfree(help.wk->label);												\
		pfree(help.wk);														\
	}																		\
	pfree(help.scratch);													\
	if (!started)															\
		return false;														\
	if (stop)																\
		medres_helper_stopped("the sort");									\
	if (mv->join)															\
		mv->join(mv->arg, mv->upper_arg);									\
	return true;															\
}																			\
																			\
/* range: the smallest and largest key, or NULL to find them */			\
static void																	\
NAME##_sort(ELEM *a, Size n, const uint64 *range, const MedresSortVisitor *mv) \
{																			\
	RadixVisit	visit = {mv ? mv->fn : NULL, mv ? mv->arg : NULL};			\
	const RadixVisit *v = &visit;											\
	NAME##_Ctx	c;															\
	uint64		lo,															\
				hi;															\
																			\
	if (n == 0)																\
		return;																\
	if (range)																\
	{																		\
		lo = range[0];														\
		hi = range[1];														\
	}																		\
	else																	\
		NAME##_range(a, n, &lo, &hi);										\
	memset(&c, 0, sizeof(c));												\
	c.v = v;																\
	c.scratch = palloc(Min(n, (Size) OOP_LIMIT) * sizeof(ELEM));			\
	c.wk = n > OOP_LIMIT ? NAME##_work_new(n) : NULL;						\
	/* a visitor shares the work only if it can take the helper's part */	\
	if (n >= MEDRES_THREAD_MIN_RECORDS && lo != hi && medres_threads > 1 &&	\
		!IsInParallelMode() && (mv == NULL || mv->fn == NULL || mv->split))	\
	{																		\
		MedresSortVisitor none = {0};										\
		Size		count[256];												\
		uint64		blo[256],												\
					bhi[256];												\
																			\
		CHECK_FOR_INTERRUPTS();												\
		NAME##_partition(a, n, lo, radix_shift_for(lo, hi), count, blo, bhi, c.wk, true); \
		if (!NAME##_threaded(a, n, count, blo, bhi, &c, mv && mv->fn ? mv : &none)) \
			NAME##_buckets(a, count, blo, bhi, 0, 256, &c);					\
	}																		\
	else																	\
		NAME##_inplace(a, n, lo, hi, &c);									\
	pfree(c.scratch);														\
	if (c.wk)																\
	{																		\
		pfree(c.wk->label);													\
		pfree(c.wk);														\
	}																		\
}																			\
																			\
/* merge sorted runs a and b into dst (which overlaps neither) */			\
static void																	\
NAME##_merge(ELEM *dst, const ELEM *a, Size na, const ELEM *b, Size nb)		\
{																			\
	Size		i = 0,														\
				j = 0,														\
				k = 0;														\
																			\
	while (i < na && j < nb)												\
	{																		\
		if (b[j].KEYFIELD < a[i].KEYFIELD)									\
			dst[k++] = b[j++];												\
		else																\
			dst[k++] = a[i++];												\
		if ((k & 0xFFFFF) == 0)												\
			CHECK_FOR_INTERRUPTS();											\
	}																		\
	memcpy(dst + k, a + i, (na - i) * sizeof(ELEM));						\
	memcpy(dst + k + (na - i), b + j, (nb - j) * sizeof(ELEM));				\
}

DEFINE_RADIX_SORT(radix_xw, XW, x)
DEFINE_RADIX_SORT(radix_rhw, RHW, r)

/*
 * Sort by the key ascending.  Callers have already rejected NaN and turned
 * -0.0 into +0.0, so the bit-pattern order and the numeric order agree.
 * range, if not NULL, holds bounds for the keys (double_sort_key) of all
 * n records; they need not be tight.  visit, if not NULL, receives the
 * sorted records (see MedresSortVisitor).
 */
void
medres_sort_records_visit(void *a, Size n, int elemsize, const uint64 *range,
						  const MedresSortVisitor *visit)
{
	if (elemsize == sizeof(XW))
		radix_xw_sort((XW *) a, n, range, visit);
	else
		radix_rhw_sort((RHW *) a, n, range, visit);
}

void
medres_sort_records(void *a, Size n, int elemsize)
{
	medres_sort_records_visit(a, n, elemsize, NULL, NULL);
}

void
medres_merge_records(void *dst, const void *a, Size na, const void *b, Size nb, int elemsize)
{
	if (elemsize == sizeof(XW))
		radix_xw_merge((XW *) dst, (const XW *) a, na, (const XW *) b, nb);
	else
		radix_rhw_merge((RHW *) dst, (const RHW *) a, na, (const RHW *) b, nb);
}
