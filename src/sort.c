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
 * Large buckets are partitioned in place (American flag sort), so a Gini
 * needs no second copy of its rows; once a bucket has at most
 * OOP_LIMIT records (2 MB, cache-sized), it is finished by scattering into
 * a scratch buffer of that size, which is several times faster than the
 * in-place cycle walk.  Peak memory is the 16 bytes per row of the state
 * plus 2 MB.
 *
 * The record type is a template parameter; the same body is instantiated
 * for (x, w) pairs and (r, h, w) triples.  Every record starts with its key.
 */
#include "medres.h"

#include "miscadmin.h"

#define RADIX_SMALL 48			/* insertion sort below this */
#define OOP_LIMIT	(1 << 17)	/* records sorted by scatter into scratch */

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
/* sort a[0..n) using tmp[0..n) as scratch */								\
static void																	\
NAME##_scatter(ELEM *a, ELEM *tmp, Size n)									\
{																			\
	Size		count[256],													\
				next[256],													\
				pos = 0;													\
	int			shift;														\
																			\
	if (n < RADIX_SMALL)													\
	{																		\
		NAME##_insertion(a, n);												\
		return;																\
	}																		\
	if ((shift = NAME##_shift(a, n)) < 0)									\
		return;																\
	memset(count, 0, sizeof(count));										\
	for (Size i = 0; i < n; i++)											\
		count[(double_sort_key(a[i].KEYFIELD) >> shift) & 0xFF]++;			\
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
			NAME##_scatter(a + pos, tmp + pos, count[b]);					\
		pos += count[b];													\
	}																		\
}																			\
																			\
/* sort a[0..n) in place; buckets of at most OOP_LIMIT go to _scatter */	\
static void																	\
NAME##_inplace(ELEM *a, Size n, ELEM *scratch)								\
{																			\
	Size		count[256],													\
				next[256],													\
				end[256],													\
				pos = 0;													\
	int			shift;														\
																			\
	if (n <= OOP_LIMIT)														\
	{																		\
		NAME##_scatter(a, scratch, n);										\
		return;																\
	}																		\
	CHECK_FOR_INTERRUPTS();													\
	if ((shift = NAME##_shift(a, n)) < 0)									\
		return;																\
	memset(count, 0, sizeof(count));										\
	for (Size i = 0; i < n; i++)											\
		count[(double_sort_key(a[i].KEYFIELD) >> shift) & 0xFF]++;			\
	for (int b = 0; b < 256; b++)											\
	{																		\
		next[b] = pos;														\
		pos += count[b];													\
		end[b] = pos;														\
	}																		\
	for (int b = 0; b < 256; b++)											\
	{																		\
		while (next[b] < end[b])											\
		{																	\
			ELEM		v = a[next[b]];										\
			int			d = (double_sort_key(v.KEYFIELD) >> shift) & 0xFF;	\
																			\
			while (d != b)													\
			{																\
				ELEM		t = a[next[d]];									\
																			\
				a[next[d]++] = v;											\
				v = t;														\
				d = (double_sort_key(v.KEYFIELD) >> shift) & 0xFF;			\
			}																\
			a[next[b]++] = v;												\
		}																	\
	}																		\
	if (shift == 0)															\
		return;																\
	pos = 0;																\
	for (int b = 0; b < 256; b++)											\
	{																		\
		if (count[b] > 1)													\
			NAME##_inplace(a + pos, count[b], scratch);						\
		pos += count[b];													\
	}																		\
}																			\
																			\
static void																	\
NAME##_sort(ELEM *a, Size n)												\
{																			\
	ELEM	   *scratch;													\
																			\
	if (n < 2)																\
		return;																\
	scratch = palloc(Min(n, (Size) OOP_LIMIT) * sizeof(ELEM));				\
	NAME##_inplace(a, n, scratch);											\
	pfree(scratch);															\
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
