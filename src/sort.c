/*
 * sort.c — in-place most-significant-digit radix sort of weighted records.
 *
 * The rank-based measures (Gini, Lorenz, concentration index) must sort
 * every row.  A comparison sort of 16-byte records costs about as much as
 * PostgreSQL's own tuplesort; an American-flag radix sort on the IEEE bit
 * pattern of the key touches each record about three times for real data
 * (the sign/exponent byte is shared by most values and is skipped) and
 * needs no scratch buffer, so the peak memory of a Gini stays at the
 * 16 bytes per row of its state.
 *
 * The record type is a template parameter; the same body is instantiated
 * for (x, w) pairs and (r, h, w) triples.
 */
#include "medres.h"

#include "miscadmin.h"

/* Below this many records a bucket is finished by insertion sort. */
#define RADIX_SMALL 48

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
NAME##_rec(ELEM *a, Size n, int shift)										\
{																			\
	Size		count[256];													\
	Size		next[256];													\
	Size		end[256];													\
																			\
	for (;;)																\
	{																		\
		Size		pos;													\
		bool		single = false;											\
																			\
		if (n < RADIX_SMALL)												\
		{																	\
			NAME##_insertion(a, n);											\
			return;															\
		}																	\
		if (n > 65536)														\
			CHECK_FOR_INTERRUPTS();											\
		memset(count, 0, sizeof(count));									\
		for (Size i = 0; i < n; i++)										\
			count[(double_sort_key(a[i].KEYFIELD) >> shift) & 0xFF]++;		\
		for (int b = 0; b < 256; b++)										\
			if (count[b] == n)												\
				single = true;												\
		if (single)															\
		{																	\
			/* every key shares this digit: go straight to the next one */	\
			if (shift == 0)													\
				return;														\
			shift -= 8;														\
			continue;														\
		}																	\
		pos = 0;															\
		for (int b = 0; b < 256; b++)										\
		{																	\
			next[b] = pos;													\
			pos += count[b];												\
			end[b] = pos;													\
		}																	\
		for (int b = 0; b < 256; b++)										\
		{																	\
			while (next[b] < end[b])										\
			{																\
				ELEM		v = a[next[b]];									\
				int			d = (double_sort_key(v.KEYFIELD) >> shift) & 0xFF; \
																			\
				while (d != b)												\
				{															\
					ELEM		t = a[next[d]];								\
																			\
					a[next[d]++] = v;										\
					v = t;													\
					d = (double_sort_key(v.KEYFIELD) >> shift) & 0xFF;		\
				}															\
				a[next[b]++] = v;											\
			}																\
		}																	\
		if (shift == 0)														\
			return;															\
		pos = 0;															\
		for (int b = 0; b < 256; b++)										\
		{																	\
			if (count[b] > 1)												\
				NAME##_rec(a + pos, count[b], shift - 8);					\
			pos += count[b];												\
		}																	\
		return;																\
	}																		\
}

DEFINE_RADIX_SORT(radix_xw, XW, x)
DEFINE_RADIX_SORT(radix_rhw, RHW, r)

/*
 * Sort by x ascending.  Callers have already rejected NaN and turned -0.0
 * into +0.0, so the bit-pattern order and the numeric order agree.
 */
void
medres_sort_xw(XW *a, Size n)
{
	radix_xw_rec(a, n, 56);
}

/* Sort by the ranking variable r ascending (same preconditions). */
void
medres_sort_rhw(RHW *a, Size n)
{
	radix_rhw_rec(a, n, 56);
}
