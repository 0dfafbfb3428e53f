/*
 * sort.c — radix sort and merge of weighted records.
 *
 * The rank-based measures (Gini, Lorenz, concentration index) must sort
 * every row; the sort is most of their cost.  Keys are the IEEE bit
 * patterns of the doubles mapped to unsigned order, sorted most significant
 * digit first.  Each level takes its 8-bit digit just below the highest bit
 * in which the bucket's smallest and largest keys differ, so the sign and
 * exponent bits that all values share cost nothing.
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
 * scattering into a scratch buffer of that size.  Peak memory is the 16
 * bytes per row of the state plus about 2.5 MB.
 *
 * The record type is a template parameter; the same body is instantiated
 * for (x, w) pairs and (r, h, w) triples.  Every record starts with its key.
 */
#include "medres.h"

#include "miscadmin.h"

#define RADIX_SMALL 48			/* insertion sort below this */
#define OOP_LIMIT	(1 << 17)	/* records sorted by scatter into scratch */
#define BLOCK		64			/* records per block of the in-place partition */

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
/* the shift of the 8-bit digit below the highest differing bit; -1 if all keys are equal */ \
static int																	\
NAME##_shift(const ELEM *a, Size n)											\
{																			\
	uint64		lo = PG_UINT64_MAX,											\
				hi = 0;														\
	int			top;														\
																			\
	for (Size i = 0; i < n; i++)											\
	{																		\
		uint64		k = double_sort_key(a[i].KEYFIELD);						\
																			\
		lo = k < lo ? k : lo;												\
		hi = k > hi ? k : hi;												\
	}																		\
	if (lo == hi)															\
		return -1;															\
	top = 63 - __builtin_clzll(lo ^ hi);									\
	return top >= 7 ? top - 7 : 0;											\
}																			\
																			\
/*																			\
 * Sort a[0..n) using tmp[0..n) as scratch.  `shift` is a guess for the		\
 * digit (the parent's digit minus 8, or -1 for none); only when it puts	\
 * every record in one bucket is the digit found from the key range.		\
 */																			\
static void																	\
NAME##_scatter(ELEM *a, ELEM *tmp, Size n, int shift)						\
{																			\
	Size		count[256],													\
				next[256],													\
				pos = 0;													\
																			\
	if (n < RADIX_SMALL)													\
	{																		\
		NAME##_insertion(a, n);												\
		return;																\
	}																		\
	for (;;)																\
	{																		\
		if (shift < 0 && (shift = NAME##_shift(a, n)) < 0)					\
			return;															\
		memset(count, 0, sizeof(count));									\
		for (Size i = 0; i < n; i++)										\
			count[(double_sort_key(a[i].KEYFIELD) >> shift) & 0xFF]++;		\
		if (count[(double_sort_key(a[0].KEYFIELD) >> shift) & 0xFF] < n)	\
			break;															\
		shift = -1;				/* one bucket: find the digit that differs */ \
	}																		\
	for (int b = 0; b < 256; b++)											\
	{																		\
		next[b] = pos;														\
		pos += count[b];													\
	}																		\
	for (Size i = 0; i < n; i++)											\
		tmp[next[(double_sort_key(a[i].KEYFIELD) >> shift) & 0xFF]++] = a[i]; \
	memcpy(a, tmp, n * sizeof(ELEM));										\
	if (shift == 0)															\
		return;																\
	pos = 0;																\
	for (int b = 0; b < 256; b++)											\
	{																		\
		if (count[b] > 1)													\
			NAME##_scatter(a + pos, tmp + pos, count[b], Max(shift - 8, 0)); \
		pos += count[b];													\
	}																		\
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
NAME##_partition(ELEM *a, Size n, int shift, Size *count, NAME##_Work *wk)	\
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
	for (Size i = 0; i < n; i++)											\
	{																		\
		ELEM		e = a[i];												\
		int			k = (double_sort_key(e.KEYFIELD) >> shift) & 0xFF;		\
																			\
		count[k]++;															\
		wk->buf[k][fill[k]++] = e;											\
		if (fill[k] == BLOCK)												\
		{																	\
			/* i + 1 records read, so the block lands on read records */	\
			memcpy(a + write, wk->buf[k], sizeof(wk->buf[k]));				\
			label[write / BLOCK] = (uint8) k;								\
			write += BLOCK;													\
			fill[k] = 0;													\
		}																	\
		if ((i & 0xFFFFF) == 0xFFFFF)										\
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
		Size		lo = (start[k] + BLOCK - 1) / BLOCK,					\
					hi = (start[k + 1] + BLOCK - 1) / BLOCK;				\
																			\
		w[k] = lo;															\
		r[k] = Max(lo, Min(hi, nblocks));									\
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
/* sort a[0..n) in place; buckets of at most OOP_LIMIT go to _scatter */	\
static void																	\
NAME##_inplace(ELEM *a, Size n, ELEM *scratch, NAME##_Work *wk)				\
{																			\
	Size		count[256],													\
				pos = 0;													\
	int			shift;														\
																			\
	if (n <= OOP_LIMIT)														\
	{																		\
		NAME##_scatter(a, scratch, n, -1);									\
		return;																\
	}																		\
	CHECK_FOR_INTERRUPTS();													\
	if ((shift = NAME##_shift(a, n)) < 0)									\
		return;																\
	NAME##_partition(a, n, shift, count, wk);								\
	if (shift == 0)															\
		return;																\
	for (int b = 0; b < 256; b++)											\
	{																		\
		if (count[b] > 1)													\
			NAME##_inplace(a + pos, count[b], scratch, wk);					\
		pos += count[b];													\
	}																		\
}																			\
																			\
static void																	\
NAME##_sort(ELEM *a, Size n)												\
{																			\
	ELEM	   *scratch;													\
	NAME##_Work *wk = NULL;													\
																			\
	if (n < 2)																\
		return;																\
	scratch = palloc(Min(n, (Size) OOP_LIMIT) * sizeof(ELEM));				\
	if (n > OOP_LIMIT)														\
	{																		\
		wk = palloc(sizeof(NAME##_Work));									\
		wk->label = palloc(n / BLOCK + 2);									\
	}																		\
	NAME##_inplace(a, n, scratch, wk);										\
	pfree(scratch);															\
	if (wk)																	\
	{																		\
		pfree(wk->label);													\
		pfree(wk);															\
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
 */
void
medres_sort_records(void *a, Size n, int elemsize)
{
	if (elemsize == sizeof(XW))
		radix_xw_sort((XW *) a, n);
	else
		radix_rhw_sort((RHW *) a, n);
}

void
medres_merge_records(void *dst, const void *a, Size na, const void *b, Size nb, int elemsize)
{
	if (elemsize == sizeof(XW))
		radix_xw_merge((XW *) dst, (const XW *) a, na, (const XW *) b, nb);
	else
		radix_rhw_merge((RHW *) dst, (const RHW *) a, na, (const RHW *) b, nb);
}
