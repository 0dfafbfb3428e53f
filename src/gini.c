/*
 * gini.c — rank-based inequality measures: the Gini coefficient, the
 * Lorenz curve and the concentration index.
 *
 * These need the rows in order of their value (or of the ranking
 * variable), so the aggregate state keeps every row with a positive weight
 * as a fixed-size record and sorts them once in the final function
 * (sort.c).  A prefix that is already sorted is remembered: when the
 * aggregate runs as a running window (ORDER BY year), later calls sort only
 * the new rows and merge them in.  For parallel query each worker sorts
 * its own rows before serializing, and the leader keeps them as separate
 * sorted runs that the Gini reads in merged order.  States pass between
 * processes only as serialized bytes (medres_rank_serialize).  In sliding
 * frames the
 * moving-aggregate state keeps the frame's rows in row order instead, and
 * the final function sorts a copy.
 *
 * Every record type starts with its sort key (XW.x, RHW.r), so the merge
 * and the state handling below are written once for both.
 */
#include "medres.h"

#include <sys/mman.h>

#include "access/parallel.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

/* options fixed on the first row */
#define OPT_UNSET			-1
#define GINI_PLAIN			0
#define GINI_CORRECT_N		1	/* n/(n-1) */
#define GINI_CORRECT_W		2	/* 1/(1 - sum p^2) */
#define CI_STANDARD			0
#define CI_WAGSTAFF			1
#define CI_ERREYGERS		2

#define MAX_RUNS 32

/* see rank_state_populate */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define POPULATE_FROM		65536	/* records */
#define POPULATE_AHEAD		(4 * 1024 * 1024)	/* bytes */

typedef struct RankState
{
	Size		n;				/* records stored (rows with positive weight) */
	Size		cap;
	Size		populated;		/* items[0 .. populated) have been written or populated */
	Size		sorted;			/* items[0 .. sorted) are in ascending key order */
	Size		head;			/* moving windows: items[head .. n) are the frame's */
	bool		moving;			/* a moving-aggregate state: keep items in row order */
	int64		nrows;			/* non-NULL rows seen, zero weights included */
	int32		elemsize;		/* sizeof(XW) or sizeof(RHW) */
	int32		option;			/* Gini correction or concentration-index variant */
	double		lower;			/* bounds of h for Erreygers */
	double		upper;
	bool		own_items;		/* items came from our deserialize: combine may adopt them */
	/*
	 * Kept by the (non-moving) transition, so the final function starts
	 * without a pass over the records: the key range bounds the sort's first
	 * split and the total weight scales the Gini's sums.  `totals` is false
	 * for moving states, whose rows also leave.
	 */
	bool		totals;
	uint64		keys[2];		/* smallest and largest double_sort_key */
	double		wsum;			/* total weight, compensated */
	double		wsum_c;
	char	   *items;
	MemoryContext cxt;
	/* sorted runs adopted by combine, merged only when needed (see gini_of_runs) */
	int			nruns;
	char	   *runs[MAX_RUNS];
	Size		runlen[MAX_RUNS];
} RankState;

/*
 * The serialized form: these fields, then n records in key order.  The tag
 * names the record type (MEDRES_STATE_RANK_XW or _RHW) and the layout's
 * version; medres_rank_deserialize checks it and every field.
 */
#define RANK_STATE_VERSION 2

typedef struct RankStateHeader
{
	MedresStateTag tag;
	int64		n;
	int64		nrows;
	int32		option;
	int32		totals;
	double		lower;
	double		upper;
	uint64		keys[2];
	double		wsum;
	double		wsum_c;
} RankStateHeader;

#define ITEM(st, i) ((st)->items + (Size) (i) * (st)->elemsize)

static RankState *
rank_state_new(MemoryContext cxt, int elemsize)
{
	RankState  *st = MemoryContextAllocZero(cxt, sizeof(RankState));

	st->elemsize = elemsize;
	st->option = OPT_UNSET;
	st->cxt = cxt;
	st->totals = true;
	st->keys[0] = PG_UINT64_MAX;
	st->populated = POPULATE_FROM;
	return st;
}

static void
rank_state_reserve(RankState *st, Size need)
{
	Size		newcap;

	if (need <= st->cap)
		return;
	newcap = Max(Max(st->cap * 2, (Size) 1024), need);
	medres_check_memory((Size) Min(newcap, MaxAllocHugeSize / st->elemsize) * st->elemsize,
						"the aggregate state");
	if (st->items == NULL)
		st->items = medres_alloc_huge(st->cxt, newcap, st->elemsize, "the aggregate state");
	else
	{
		if (newcap > MaxAllocHugeSize / st->elemsize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows for one aggregate state")));
		st->items = medres_realloc_huge(st->items, newcap, st->elemsize, "the aggregate state");
	}
	st->cap = newcap;
}

/* Keep the key range and the total weight up to date with a new record. */
static inline void
rank_state_note(RankState *st, double key, double w)
{
	uint64		k = double_sort_key(key);

	st->keys[0] = k < st->keys[0] ? k : st->keys[0];
	st->keys[1] = k > st->keys[1] ? k : st->keys[1];
	neumaier_add(&st->wsum, &st->wsum_c, w);
}

/*
 * Fault in the next POPULATE_AHEAD bytes of a large state in one call.  On
 * these VMs the first write to each 4 kB page costs a fault that takes as
 * long as writing the page four times (160 MB: 70 ms of faults); populating
 * a few MB at a time costs about half that, and never more than the rows
 * about to arrive.
 */
static void
rank_state_populate(RankState *st)
{
	static bool unsupported = false;
	Size		upto = Min(st->cap, st->n + POPULATE_AHEAD / st->elemsize);
	uintptr_t	from = ((uintptr_t) ITEM(st, st->n) + 4095) & ~(uintptr_t) 4095,
				to = (uintptr_t) ITEM(st, upto) & ~(uintptr_t) 4095;

	st->populated = upto;
	if (!unsupported && to > from &&
		madvise((void *) from, to - from, MADV_POPULATE_WRITE) != 0 && errno == EINVAL)
		unsupported = true;		/* before Linux 5.14 */
}

/* Append one record; the record types are fixed-size, so the copy is inlined. */
#define RANK_STATE_APPEND(st, TYPE, rec) \
	do { \
		if (unlikely((st)->n == (st)->cap)) \
			rank_state_reserve((st), (st)->n + 1); \
		if (unlikely((st)->n >= (st)->populated)) \
			rank_state_populate(st); \
		((TYPE *) (st)->items)[(st)->n++] = (rec); \
	} while (0)

/*
 * Bring the whole state into key order: sort the unsorted tail and merge it
 * with the sorted prefix (left by an earlier call of a running window).
 */
static void
rank_state_sort(RankState *st)
{
	Size		tail = st->n - st->sorted;
	char	   *merged;

	if (tail == 0)
		return;
	medres_sort_records_visit(ITEM(st, st->sorted), tail, st->elemsize,
							  st->totals ? st->keys : NULL, NULL);
	if (st->sorted > 0)
	{
		/* the records twice while they are merged */
		medres_check_memory((Size) st->n * st->elemsize * 2, "the aggregate state");
		merged = medres_alloc_huge(st->cxt, st->n, st->elemsize, "the aggregate state");
		medres_merge_records(merged, st->items, st->sorted, ITEM(st, st->sorted), tail, st->elemsize);
		pfree(st->items);
		st->items = merged;
		st->cap = st->n;
	}
	st->sorted = st->n;
}

/* Merge the adopted runs into the main array (which must be sorted). */
static void
rank_state_materialize(RankState *st)
{
	for (int r = 0; r < st->nruns; r++)
	{
		Size		total = st->n + st->runlen[r];
		char	   *merged;

		medres_check_memory((Size) total * st->elemsize * 2, "the aggregate state");
		merged = medres_alloc_huge(st->cxt, total, st->elemsize, "the aggregate state");

		medres_merge_records(merged, st->items, st->n, st->runs[r], st->runlen[r], st->elemsize);
		if (st->items)
			pfree(st->items);
		pfree(st->runs[r]);
		st->items = merged;
		st->n = st->sorted = st->cap = total;
	}
	st->nruns = 0;
}

/* Moving windows: forget the oldest record, compacting once half is dead. */
static void
rank_state_drop_oldest(RankState *st)
{
	st->head++;
	if (st->head == st->n)
		st->head = st->n = 0;
	else if (st->head >= 1024 && st->head > st->n / 2)
	{
		memmove(st->items, ITEM(st, st->head), (st->n - st->head) * st->elemsize);
		st->n -= st->head;
		st->head = 0;
	}
}

static RankState *
get_state(FunctionCallInfo fcinfo, int elemsize)
{
	MemoryContext aggcxt;

	/* an internal-typed state can only come from the executor */
	if (likely(!PG_ARGISNULL(0)))
		return (RankState *) PG_GETARG_POINTER(0);
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate transition called in non-aggregate context");
	return rank_state_new(aggcxt, elemsize);
}

/* ---- option parsing ---- */

static const char *const gini_correction_names[] = {"none", "n", "weights", NULL};
static const char *const ci_variant_names[] = {"standard", "wagstaff", "erreygers", NULL};

static int
parse_gini_correction(text *t)
{
	return medres_parse_option(t, "correction", gini_correction_names, GINI_PLAIN,
							   "Valid values are \"none\", \"n\" (n/(n-1)) and \"weights\" (1/(1 - sum of squared population shares)).");
}

static int
parse_ci_variant(text *t)
{
	return medres_parse_option(t, "variant", ci_variant_names, CI_STANDARD,
							   "Valid values are \"standard\", \"wagstaff\" and \"erreygers\".");
}

static void
set_option(RankState *st, int option, const char *argname)
{
	if (st->option == OPT_UNSET)
		st->option = option;
	else if (st->option != option)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same for every row of a group", argname)));
}

/* ---- rows ----
 *
 * Each aggregate reads its row into a record in one place, used by the
 * transition function and by the inverse transition of moving windows,
 * so both always agree on which rows are stored.  A reader returns false
 * for a row that is skipped (a NULL argument), and sets *store to whether
 * the row takes part (a positive weight).
 */

/* gini(x [, w [, correction]]) and lorenz(x [, w]) */
static pg_attribute_always_inline bool
read_gini_row(FunctionCallInfo fcinfo, RankState *st, XW *rec, bool *store)
{
	int			nargs = PG_NARGS();

	for (int i = 1; i < nargs; i++)
		if (PG_ARGISNULL(i))
			return false;
	rec->x = PG_GETARG_FLOAT8(1);
	rec->w = nargs > 2 ? PG_GETARG_FLOAT8(2) : 1.0;
	if (nargs > 3)
		set_option(st, parse_gini_correction(PG_GETARG_TEXT_PP(3)), "correction");
	else if (st->option == OPT_UNSET)
		st->option = GINI_PLAIN;
	medres_check_nonnegative("value", rec->x);
	medres_check_weight(rec->w);
	rec->x += 0.0;				/* -0.0 sorts as +0.0 */
	*store = rec->w > 0.0;
	return true;
}

/*
 * gini_totals(resource, population): the population Gini of the rate
 * resource/population, for callers who hold totals rather than rates.
 */
static bool
read_gini_totals_row(FunctionCallInfo fcinfo, RankState *st, XW *rec, bool *store)
{
	double		resource,
				population;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return false;
	resource = PG_GETARG_FLOAT8(1);
	population = PG_GETARG_FLOAT8(2);
	st->option = GINI_PLAIN;
	medres_check_nonnegative("resource", resource);
	medres_check_nonnegative("population", population);
	*store = population > 0.0;
	if (population == 0.0)
	{
		if (resource > 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"population\": \"0\""),
					 errdetail("A resource of \"%s\" has no population to be shared by.",
							   medres_float_text(resource))));
		return true;
	}
	rec->x = resource / population + 0.0;
	rec->w = population;
	if (isinf(rec->x))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("resource per population overflows for resource \"%s\" and population \"%s\"",
						medres_float_text(resource), medres_float_text(population))));
	return true;
}

/* concentration_index(h, r [, w [, variant [, lower, upper]]]) */
static bool
read_ci_row(FunctionCallInfo fcinfo, RankState *st, RHW *rec, bool *store)
{
	int			nargs = PG_NARGS();

	for (int i = 1; i < nargs; i++)
		if (PG_ARGISNULL(i))
			return false;
	rec->h = PG_GETARG_FLOAT8(1);
	rec->r = PG_GETARG_FLOAT8(2);
	rec->w = nargs > 3 ? PG_GETARG_FLOAT8(3) : 1.0;
	if (st->option == OPT_UNSET || nargs > 4)
	{
		int			variant = nargs > 4 ? parse_ci_variant(PG_GETARG_TEXT_PP(4)) : CI_STANDARD;
		double		lower = nargs > 6 ? PG_GETARG_FLOAT8(5) : 0.0;
		double		upper = nargs > 6 ? PG_GETARG_FLOAT8(6) : 1.0;

		if (nargs > 6 && variant != CI_ERREYGERS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bounds apply only to the \"erreygers\" variant")));
		medres_check_finite("lower", lower);
		medres_check_finite("upper", upper);
		if (!(lower < upper))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid bounds: lower \"%s\" is not below upper \"%s\"",
							medres_float_text(lower), medres_float_text(upper))));
		if (st->option != OPT_UNSET && (st->lower != lower || st->upper != upper))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bounds must be the same for every row of a group")));
		set_option(st, variant, "variant");
		st->lower = lower;
		st->upper = upper;
	}
	medres_check_finite("health", rec->h);
	medres_check_finite("rank_by", rec->r);
	medres_check_weight(rec->w);
	if (st->option != CI_STANDARD && (rec->h < st->lower || rec->h > st->upper))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"health\": \"%s\"", medres_float_text(rec->h)),
				 errdetail("The %s variant needs health values within [%s, %s].",
						   st->option == CI_WAGSTAFF ? "wagstaff" : "erreygers",
						   medres_float_text(st->lower), medres_float_text(st->upper))));
	rec->r += 0.0;
	*store = rec->w > 0.0;
	return true;
}

/* ---- transition functions ---- */

#define DEFINE_RANK_TRANS(FUNC, READER, TYPE, MOVING) \
PG_FUNCTION_INFO_V1(FUNC); \
Datum \
FUNC(PG_FUNCTION_ARGS) \
{ \
	RankState  *st = get_state(fcinfo, sizeof(TYPE)); \
	TYPE		rec; \
	bool		store; \
 \
	st->moving = MOVING; \
	if (MOVING) \
		st->totals = false; \
	if (READER(fcinfo, st, &rec, &store)) \
	{ \
		st->nrows++; \
		if (store) \
		{ \
			RANK_STATE_APPEND(st, TYPE, rec); \
			if (!MOVING) \
				rank_state_note(st, *(const double *) &rec, rec.w); \
		} \
	} \
	PG_RETURN_POINTER(st); \
}

DEFINE_RANK_TRANS(medres_gini_trans, read_gini_row, XW, false)
DEFINE_RANK_TRANS(medres_gini_totals_trans, read_gini_totals_row, XW, false)
DEFINE_RANK_TRANS(medres_ci_trans, read_ci_row, RHW, false)

/*
 * ---- moving windows ----
 *
 * In a sliding frame (ROWS n PRECEDING) PostgreSQL removes rows in the
 * order it added them.  The moving-aggregate state keeps the frame's
 * stored records in that order, from `head` on; the final function sorts
 * a copy, so the result is exactly that of a fresh aggregate over the
 * frame.  A row to remove that is not the oldest stored one (which
 * PostgreSQL does not do) makes the inverse return NULL, and PostgreSQL
 * then recomputes the frame from scratch.
 */
DEFINE_RANK_TRANS(medres_gini_mtrans, read_gini_row, XW, true)
DEFINE_RANK_TRANS(medres_gini_totals_mtrans, read_gini_totals_row, XW, true)
DEFINE_RANK_TRANS(medres_ci_mtrans, read_ci_row, RHW, true)

#define DEFINE_RANK_INV(FUNC, READER, TYPE) \
PG_FUNCTION_INFO_V1(FUNC); \
Datum \
FUNC(PG_FUNCTION_ARGS) \
{ \
	RankState  *st; \
	TYPE		rec; \
	bool		store; \
 \
	if (PG_ARGISNULL(0)) \
		PG_RETURN_NULL(); \
	st = (RankState *) PG_GETARG_POINTER(0); \
	if (!READER(fcinfo, st, &rec, &store)) \
		PG_RETURN_POINTER(st); \
	if (store) \
	{ \
		if (st->head >= st->n || \
			memcmp(ITEM(st, st->head), &rec, sizeof(TYPE)) != 0) \
			PG_RETURN_NULL(); \
		rank_state_drop_oldest(st); \
	} \
	st->nrows--; \
	PG_RETURN_POINTER(st); \
}

DEFINE_RANK_INV(medres_gini_minv, read_gini_row, XW)
DEFINE_RANK_INV(medres_gini_totals_minv, read_gini_totals_row, XW)
DEFINE_RANK_INV(medres_ci_minv, read_ci_row, RHW)

/* ---- parallel support ---- */

PG_FUNCTION_INFO_V1(medres_rank_combine);
Datum
medres_rank_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RankState  *a,
			   *b;
	Size		total;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres combine function called in non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	b = (RankState *) PG_GETARG_POINTER(1);
	if (!PG_ARGISNULL(0) && ((RankState *) PG_GETARG_POINTER(0))->elemsize != b->elemsize)
		medres_state_invalid("Two rank aggregate states of different kinds cannot be combined.");
	if (PG_ARGISNULL(0))
	{
		a = rank_state_new(aggcxt, b->elemsize);
		a->option = b->option;
		a->lower = b->lower;
		a->upper = b->upper;
	}
	else
		a = (RankState *) PG_GETARG_POINTER(0);

	if (b->option != OPT_UNSET)
	{
		if (a->option == OPT_UNSET)
		{
			a->option = b->option;
			a->lower = b->lower;
			a->upper = b->upper;
		}
		else if (a->option != b->option || a->lower != b->lower || a->upper != b->upper)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options must be the same for every row of a group")));
	}
	a->nrows += b->nrows;
	a->totals = a->totals && b->totals;
	if (a->totals)
	{
		a->keys[0] = Min(a->keys[0], b->keys[0]);
		a->keys[1] = Max(a->keys[1], b->keys[1]);
		neumaier_add(&a->wsum, &a->wsum_c, b->wsum);
		neumaier_add(&a->wsum, &a->wsum_c, b->wsum_c);
	}
	if (b->n == 0)
		PG_RETURN_POINTER(a);
	/*
	 * Keep b as a sorted run of its own (in parallel query the worker sorted
	 * it); the final function merges the runs as it reads them, so the
	 * leader never writes a merged copy of all rows.  An array from our
	 * deserialize is adopted as it is; any other is copied, as b is not ours.
	 */
	rank_state_sort(a);
	rank_state_sort(b);
	rank_state_materialize(b);
	if (a->nruns == MAX_RUNS)
		rank_state_materialize(a);
	total = b->n;
	{
		char	   *run;

		if (b->own_items)
		{
			run = b->items;
			b->items = NULL;
			b->n = b->cap = b->sorted = 0;
		}
		else
		{
			run = medres_alloc_huge(a->cxt, b->n, a->elemsize, "the aggregate state");
			memcpy(run, b->items, b->n * a->elemsize);
		}
		if (a->n == 0)
		{
			if (a->items)
				pfree(a->items);
			a->items = run;
			a->n = a->sorted = a->cap = total;
		}
		else
		{
			a->runs[a->nruns] = run;
			a->runlen[a->nruns++] = total;
		}
	}
	PG_RETURN_POINTER(a);
}

/*
 * Serialize after sorting: the sort, the costly part, then runs in the
 * workers, and the leader only merges.  The bytes hold the header and the
 * records, nothing that refers to memory of this process.
 */
PG_FUNCTION_INFO_V1(medres_rank_serialize);
Datum
medres_rank_serialize(PG_FUNCTION_ARGS)
{
	RankState  *st = (RankState *) PG_GETARG_POINTER(0);
	RankStateHeader hdr;
	Size		payload;
	bytea	   *out;

	rank_state_sort(st);
	rank_state_materialize(st);
	payload = st->n * st->elemsize;
	memset(&hdr, 0, sizeof(hdr));
	medres_state_tag(&hdr.tag, st->elemsize == sizeof(XW) ? MEDRES_STATE_RANK_XW : MEDRES_STATE_RANK_RHW,
					 RANK_STATE_VERSION);
	hdr.n = st->n;
	hdr.nrows = st->nrows;
	hdr.option = st->option;
	hdr.totals = st->totals;
	hdr.lower = st->lower;
	hdr.upper = st->upper;
	hdr.keys[0] = st->keys[0];
	hdr.keys[1] = st->keys[1];
	hdr.wsum = st->wsum;
	hdr.wsum_c = st->wsum_c;
	if (payload > MaxAllocSize - VARHDRSZ - sizeof(hdr))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("aggregate state of %zu rows is too large to pass between parallel processes",
						(size_t) st->n),
				 errhint("Run the query without parallel workers: SET max_parallel_workers_per_gather = 0.")));
	out = medres_palloc_advised(VARHDRSZ + sizeof(hdr) + payload);
	SET_VARSIZE(out, VARHDRSZ + sizeof(hdr) + payload);
	memcpy(VARDATA(out), &hdr, sizeof(hdr));
	if (payload > 0)
		memcpy(VARDATA(out) + sizeof(hdr), st->items, payload);
	PG_RETURN_BYTEA_P(out);
}

/*
 * Copy n serialized records to dst, checking that they are what a
 * transition stores: in ascending key order, every number finite and every
 * weight positive.  One pass, so the check costs no extra read.
 */
#define COPY_VALID_RECORDS(TYPE, OK) \
	do { \
		const TYPE *in = (const TYPE *) src; \
		TYPE	   *out = (TYPE *) dst; \
		double		prev = -DBL_MAX; \
 \
		for (Size i = 0; i < n; i++) \
		{ \
			TYPE		rec; \
 \
			memcpy(&rec, in + i, sizeof(TYPE)); \
			if (unlikely(!(*(double *) &rec >= prev && *(double *) &rec <= DBL_MAX && \
						   rec.w > 0.0 && rec.w <= DBL_MAX && (OK)))) \
				return false; \
			prev = *(double *) &rec; \
			out[i] = rec; \
			if ((i & 0xFFFFF) == 0xFFFFF) \
				CHECK_FOR_INTERRUPTS(); \
		} \
	} while (0)

static bool
records_copy_valid(char *dst, const char *src, Size n, int elemsize)
{
	if (elemsize == sizeof(XW))
		COPY_VALID_RECORDS(XW, true);
	else
		COPY_VALID_RECORDS(RHW, fabs(rec.h) <= DBL_MAX);
	return true;
}

/* whether a state's key range is that of its sorted records (the initial range when empty) */
static bool
keys_match(const char *recs, Size n, int elemsize, const uint64 *keys)
{
	if (n == 0)
		return keys[0] == PG_UINT64_MAX && keys[1] == 0;
	return keys[0] == double_sort_key(*(const double *) recs) &&
		keys[1] == double_sort_key(*(const double *) (recs + (n - 1) * elemsize));
}

/*
 * Rebuild a state from its serialized form, checking every field: bytes
 * from anywhere else (another aggregate's state, a truncated or altered
 * one) are rejected, never read as records.
 */
PG_FUNCTION_INFO_V1(medres_rank_deserialize);
Datum
medres_rank_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(in);
	RankStateHeader hdr;
	RankState  *st;
	MemoryContext aggcxt;
	int			elemsize;
	int			kind;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	kind = medres_state_check(VARDATA_ANY(in), len, sizeof(hdr), MEDRES_STATE_RANK_XW,
							  MEDRES_STATE_RANK_RHW, RANK_STATE_VERSION);
	memcpy(&hdr, VARDATA_ANY(in), sizeof(hdr));
	elemsize = kind == MEDRES_STATE_RANK_XW ? sizeof(XW) : sizeof(RHW);
	if (hdr.n < 0 || hdr.nrows < hdr.n || (uint64) hdr.n > (len - sizeof(hdr)) / elemsize ||
		len != sizeof(hdr) + (Size) hdr.n * elemsize ||
		!(hdr.option == OPT_UNSET || (hdr.option >= 0 && hdr.option <= 2)) ||
		(hdr.totals != 0 && hdr.totals != 1) ||
		!(hdr.lower <= DBL_MAX && hdr.lower >= -DBL_MAX && hdr.upper <= DBL_MAX && hdr.upper >= -DBL_MAX) ||
		(hdr.totals && !keys_match(VARDATA_ANY(in) + sizeof(hdr), hdr.n, elemsize, hdr.keys)))
		medres_state_invalid("The fields of the rank aggregate state are inconsistent.");
	st = rank_state_new(aggcxt, elemsize);
	st->nrows = hdr.nrows;
	st->option = hdr.option;
	st->lower = hdr.lower;
	st->upper = hdr.upper;
	st->totals = hdr.totals != 0;
	st->keys[0] = hdr.keys[0];
	st->keys[1] = hdr.keys[1];
	st->wsum = hdr.wsum;
	st->wsum_c = hdr.wsum_c;
	if (hdr.n > 0)
	{
		rank_state_reserve(st, hdr.n);
		if (!records_copy_valid(st->items, VARDATA_ANY(in) + sizeof(hdr), hdr.n, elemsize))
			medres_state_invalid("The records of the rank aggregate state are not sorted, finite and positively weighted.");
	}
	st->n = st->sorted = hdr.n;
	st->own_items = true;
	PG_RETURN_POINTER(st);
}

/* ---- the measures on sorted records ---- */

/*
 * Values are scaled by a power of two 2^k that brings the largest to about
 * 2^500, as two factors (a 2^k that is not a double is the product of two
 * that are): scaled values far below the largest stay normal doubles, so a
 * rate of 1e-321 beside one of 2000 keeps its digits instead of sinking
 * into the subnormals (as it would if the largest were brought to 1),
 * while sums of the scaled values, at most n 2^501, stay far from
 * overflow.  Scaling by powers of two is exact, so for values that never
 * come near the ends of the double range the result is the same to the
 * last bit whatever k is.
 */
typedef struct ValueScale
{
	double		a,
				b;
} ValueScale;

static ValueScale
value_scale(double vmax)
{
	int			k = 500 - ilogb(vmax),
				ka = Max(Min(k, 1000), -1000);
	ValueScale	vs = {ldexp(1.0, ka), ldexp(1.0, k - ka)};

	return vs;
}

static inline double
scale_value(ValueScale vs, double v)
{
	return (v * vs.a) * vs.b;
}

/*
 * Gini coefficient of n records sorted by x, all with w > 0.
 *
 * G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu).  Summed over the gaps
 * between consecutive sorted values, each gap g_k = x_k - x_{k-1} is
 * crossed by (weight below) * (weight above) pairs, so
 *     G = sum_k g_k C_k U_k / (W * sum w x),
 * C_k = sum_{j<k} w_j and U_k = sum_{j>=k} w_j.  Every term is
 * non-negative, so nothing cancels even when the values are nearly equal
 * (the textbook 2 cov / mu - 1 form loses all its digits there).  Ties
 * contribute g = 0 and the result does not depend on their order.  C_k
 * grows and U_k shrinks as compensated running sums, so each keeps its own
 * relative accuracy, U_k near the top included.  Values and weights are
 * multiplied by powers of two (exactly) that bring the largest value and
 * the total weight near 1, so nothing overflows anywhere in the double
 * range.
 *
 * The records may be in several sorted runs (one per parallel worker);
 * they are read in merged order without writing a merged copy.
 */
/*
 * Reads the records of several sorted runs in merged order.  The key at
 * the head of each run is cached, +Infinity once the run is exhausted
 * (values are finite), so choosing the next record is a scan for the
 * smallest of k doubles.
 */
typedef struct RunCursor
{
	int			k;
	Size		left;
	const XW   *p[MAX_RUNS + 1];
	const XW   *end[MAX_RUNS + 1];
	double		head[MAX_RUNS + 1];
} RunCursor;

static void
cursor_add(RunCursor *c, const XW *run, const XW *end)
{
	c->p[c->k] = run;
	c->end[c->k] = end;
	c->head[c->k++] = end > run ? run[0].x : INFINITY;
	c->left += end - run;
}

static void
cursor_init(RunCursor *c, const RankState *st)
{
	c->k = 0;
	c->left = 0;
	for (int r = -1; r < st->nruns; r++)
	{
		const XW   *run = (const XW *) (r < 0 ? st->items : st->runs[r]);

		cursor_add(c, run, run + (r < 0 ? st->n : st->runlen[r]));
	}
}

static inline const XW *
cursor_next(RunCursor *c)
{
	int			best = 0;
	const XW   *rec;

	if (c->left == 0)
		return NULL;
	c->left--;
	if (likely(c->k == 1))
		return c->p[0]++;
	for (int i = 1; i < c->k; i++)
		best = c->head[i] < c->head[best] ? i : best;
	rec = c->p[best]++;
	c->head[best] = c->p[best] < c->end[best] ? c->p[best]->x : INFINITY;
	return rec;
}

/* The running sums of the Gini pass, scaled as described above. */
typedef struct GiniAcc
{
	ValueScale	xs;
	double
				inv_ws,
				Ws,
				A,
				Ac,
				C,
				Cc,
				U,
				Uc,
				M,
				Mc,
				P2,
				P2c,
				prev;
	bool		want_p2;
} GiniAcc;

/*
 * The accumulator for records whose largest value is xmax, with weights
 * scaled by f to q = w f (a power of two) and Q + Qc the compensated sum of
 * the q (see gini_weight_scale).
 */
static void
gini_acc_init(GiniAcc *g, const RankState *st, double xmax, double f, double Q, double Qc)
{
	if (xmax <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all values are zero"),
				 errdetail("The Gini coefficient is undefined when the mean is zero.")));
	memset(g, 0, sizeof(*g));
	g->want_p2 = st->option == GINI_CORRECT_W;
	g->xs = value_scale(xmax);
	g->inv_ws = f;
	g->U = Q;
	g->Uc = Qc;
	g->Ws = Q + Qc;
	g->prev = -1.0;
}

static inline void
gini_acc_step(GiniAcc *g, double x, double w)
{
	double		q = w * g->inv_ws;
	double		z = scale_value(g->xs, x);

	if (g->prev >= 0.0 && z != g->prev)
		neumaier_add(&g->A, &g->Ac, (z - g->prev) * (g->C + g->Cc) * (g->U + g->Uc));
	neumaier_add(&g->C, &g->Cc, q);
	neumaier_add(&g->U, &g->Uc, -q);
	neumaier_add(&g->M, &g->Mc, q * z);
	if (g->want_p2)
		neumaier_add(&g->P2, &g->P2c, q * q);
	g->prev = z;
}

/*
 * Add n records in key order; the sums live in registers meanwhile.  As a
 * sort visitor this may run beside the sort's helper thread, so it must
 * not throw: it does not check for interrupts (the sort does, between
 * buckets).
 */
static void
gini_acc_records(const void *recs, Size n, void *arg)
{
	GiniAcc    *g = (GiniAcc *) arg;
	GiniAcc		a = *g;
	const XW   *r = (const XW *) recs;

	for (Size i = 0; i < n; i++)
		gini_acc_step(&a, r[i].x, r[i].w);
	*g = a;
}

/* Add the weights of n records, times f, to the compensated sum (W, Wc). */
static void
add_weights(const XW *r, Size n, double f, double *W, double *Wc)
{
	for (Size i = 0; i < n; i++)
		neumaier_add(W, Wc, r[i].w * f);
}

/*
 * Weights are scaled by a power of two that brings their total near 2^200
 * (as values are brought near 2^500, see value_scale): a weight far below
 * the largest (5e-324 beside 100) then stays a normal double and keeps its
 * share of the resource, while every product of the Gini's sums stays
 * below 2^950.  pow2_clamped(k) is 2^k within the range of doubles.
 */
#define WEIGHT_TOTAL_LOG2 200

static double
pow2_clamped(int k)
{
	return ldexp(1.0, Max(Min(k, DBL_MAX_EXP - 1), DBL_MIN_EXP - DBL_MANT_DIG));
}

/*
 * A power of two f that brings the largest of n weights near
 * 2^200/2^bits(n): the sum of the n scaled weights then stays below 2^201,
 * whatever their size (1e308 or subnormal), and scaling by it is exact.
 */
static double
weight_factor(double wmax, Size n)
{
	int			e;

	(void) frexp((double) n, &e);
	return pow2_clamped(WEIGHT_TOTAL_LOG2 - ilogb(wmax) - e);
}

/*
 * The power of two f that scales the weights for the Gini's sums, and the
 * compensated sum Q + Qc of w f over the runs of c.  Usually the total W
 * kept by the transition (or summed here) is finite and normal, and f
 * brings it near 1.  Weights whose total overflows (three of 1e308) or is
 * subnormal take a second pass: f brings the largest weight near
 * 1/2^bits(n), so no partial sum can exceed 2.
 */
static void
gini_weight_scale(const RankState *st, const RunCursor *c, double *f, double *Q, double *Qc)
{
	double		W = 0.0,
				Wc = 0.0,
				wmax = 0.0;

	if (st->totals)
	{
		W = st->wsum;
		Wc = st->wsum_c;
	}
	else
		for (int r = 0; r < c->k; r++)
			add_weights(c->p[r], c->end[r] - c->p[r], 1.0, &W, &Wc);
	if (isfinite(W) && isfinite(Wc) && W + Wc >= DBL_MIN && W + Wc <= DBL_MAX)
	{
		*f = pow2_clamped(WEIGHT_TOTAL_LOG2 - ilogb(W + Wc));
		*Q = W * *f;
		*Qc = Wc * *f;
		return;
	}
	for (int r = 0; r < c->k; r++)
		for (const XW *p = c->p[r]; p < c->end[r]; p++)
			wmax = Max(wmax, p->w);
	*f = weight_factor(wmax, c->left);
	*Q = *Qc = 0.0;
	for (int r = 0; r < c->k; r++)
		add_weights(c->p[r], c->end[r] - c->p[r], *f, Q, Qc);
}

/*
 * Two threads may each take part of the sorted records.  The upper part's
 * sums start where the lower part's end: C at the weight below (the total,
 * which a fresh accumulator holds in U, less the part's own scaled weight
 * Qu), U at Qu, and the previous value at the largest value below, so its
 * first gap is counted.  `u` is a copy of the fresh accumulator.
 */
static void
gini_acc_start_upper(GiniAcc *u, double Qu, double Quc, double below)
{
	double		C = 0.0,
				Cc = 0.0;

	neumaier_add(&C, &Cc, u->U);
	neumaier_add(&C, &Cc, u->Uc);
	neumaier_add(&C, &Cc, -Qu);
	neumaier_add(&C, &Cc, -Quc);
	u->C = C;
	u->Cc = Cc;
	u->U = Qu;
	u->Uc = Quc;
	u->prev = scale_value(u->xs, below);
}

/* add the upper part's pair, mean and share sums to the lower part's */
static void
gini_acc_absorb(GiniAcc *g, const GiniAcc *upper)
{
	neumaier_add(&g->A, &g->Ac, upper->A);
	neumaier_add(&g->A, &g->Ac, upper->Ac);
	neumaier_add(&g->M, &g->Mc, upper->M);
	neumaier_add(&g->M, &g->Mc, upper->Mc);
	neumaier_add(&g->P2, &g->P2c, upper->P2);
	neumaier_add(&g->P2, &g->P2c, upper->P2c);
}

/* MedresSortVisitor callbacks: the sort's helper thread takes the upper records */
static void
gini_split_upper(const void *recs, Size n, double below, const void *arg, void *upper_arg)
{
	double		Wu = 0.0,
				Wuc = 0.0;

	add_weights((const XW *) recs, n, ((GiniAcc *) upper_arg)->inv_ws, &Wu, &Wuc);
	gini_acc_start_upper((GiniAcc *) upper_arg, Wu, Wuc, below);
}

static void
gini_join_upper(void *arg, const void *upper_arg)
{
	gini_acc_absorb((GiniAcc *) arg, (const GiniAcc *) upper_arg);
}

static double
gini_acc_result(const GiniAcc *g, double *sum_p2)
{
	*sum_p2 = (g->P2 + g->P2c) / (g->Ws * g->Ws);
	return (g->A + g->Ac) / (g->Ws * (g->M + g->Mc));
}

/* The largest x of a state that kept its totals. */
static double
state_xmax(const RankState *st)
{
	return sort_key_double(st->keys[1]);
}

/*
 * Several runs (the parallel leader's): the merge reads one record at a
 * time and is the leader's last serial step, so with medres.threads > 1 a
 * helper thread takes the records from a pivot key up.  Its sums start
 * where the backend's end: C from the weight below the pivot (the total
 * less the helper's own part, which it adds up first) and the previous
 * value from the largest key below the pivot.  The parts' A, M and P2 add
 * up to those of one pass, up to rounding.
 */
typedef struct MergePart
{
	RunCursor	c;
	GiniAcc		acc;
	volatile sig_atomic_t *stop;
	bool		helper;
} MergePart;

static void
merge_part_run(MergePart *m)
{
	const XW   *rec;
	GiniAcc		a = m->acc;
	Size		k = 0;

	while ((rec = cursor_next(&m->c)) != NULL)
	{
		gini_acc_step(&a, rec->x, rec->w);
		if ((++k & 0xFFFFF) == 0)
		{
			if (m->stop == NULL)
				CHECK_FOR_INTERRUPTS();
			else if (*m->stop || (!m->helper && medres_cancel_requested()))
			{
				*m->stop = 1;
				break;
			}
		}
	}
	m->acc = a;
}

static void *
merge_helper(void *arg)
{
	MergePart  *m = (MergePart *) arg;
	double		Wu = 0.0,
				Wuc = 0.0;

	for (int r = 0; r < m->c.k; r++)
		add_weights(m->c.p[r], m->c.end[r] - m->c.p[r], m->acc.inv_ws, &Wu, &Wuc);
	gini_acc_start_upper(&m->acc, Wu, Wuc, m->acc.prev);
	merge_part_run(m);
	return NULL;
}

/* the first record of run[0..n) with x >= key */
static Size
lower_bound_xw(const XW *run, Size n, double key)
{
	Size		lo = 0,
				hi = n;

	while (lo < hi)
	{
		Size		mid = lo + (hi - lo) / 2;

		if (run[mid].x < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Accumulate the runs of c into g with the helper; false (nothing done) if not worth it. */
static bool
gini_runs_threaded(const RunCursor *c, GiniAcc *g)
{
	MergePart	lower,
				upper;
	volatile sig_atomic_t stop = 0;
	int			longest = 0;
	Size		nlow = 0;
	double		pivot,
				below = -1.0;
	pthread_t	th;

	for (int r = 1; r < c->k; r++)
		if (c->end[r] - c->p[r] > c->end[longest] - c->p[longest])
			longest = r;
	pivot = c->p[longest][(c->end[longest] - c->p[longest]) / 2].x;
	memset(&lower, 0, sizeof(lower));
	memset(&upper, 0, sizeof(upper));
	for (int r = 0; r < c->k; r++)
	{
		Size		split = lower_bound_xw(c->p[r], c->end[r] - c->p[r], pivot);

		cursor_add(&lower.c, c->p[r], c->p[r] + split);
		cursor_add(&upper.c, c->p[r] + split, c->end[r]);
		if (split > 0)
			below = Max(below, c->p[r][split - 1].x);
		nlow += split;
	}
	if (nlow < c->left / 4 || c->left - nlow < c->left / 4)
		return false;
	lower.acc = *g;
	upper.acc = *g;
	upper.acc.prev = below;		/* gini_acc_start_upper scales it */
	upper.helper = true;
	lower.stop = upper.stop = &stop;
	if (!medres_start_helper(&th, merge_helper, &upper))
		return false;
	merge_part_run(&lower);
	pthread_join(th, NULL);
	if (stop)
		medres_helper_stopped("the Gini merge");
	*g = lower.acc;
	gini_acc_absorb(g, &upper.acc);
	return true;
}

static double
gini_of_runs(const RankState *st, double *sum_p2)
{
	RunCursor	c;
	const XW   *rec;
	GiniAcc		g;
	double		xmax = 0.0,
				f,
				Q,
				Qc;
	Size		k = 0;

	cursor_init(&c, st);
	if (st->totals)
		xmax = state_xmax(st);
	else
		for (int r = 0; r < c.k; r++)
			if (c.end[r] > c.p[r])
				xmax = Max(xmax, (c.end[r] - 1)->x);
	gini_weight_scale(st, &c, &f, &Q, &Qc);
	gini_acc_init(&g, st, xmax, f, Q, Qc);
	if (c.k > 1 && c.left >= MEDRES_THREAD_MIN_RECORDS && medres_threads > 1 &&
		!IsParallelWorker() && gini_runs_threaded(&c, &g))
		return gini_acc_result(&g, sum_p2);
	if (c.k == 1)
		for (const XW *p = c.p[0]; p < c.end[0]; p += Min(c.end[0] - p, 1 << 20))
		{
			CHECK_FOR_INTERRUPTS();
			gini_acc_records(p, Min(c.end[0] - p, 1 << 20), &g);
		}
	else
		while ((rec = cursor_next(&c)) != NULL)
		{
			gini_acc_step(&g, rec->x, rec->w);
			if ((++k & 0xFFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	return gini_acc_result(&g, sum_p2);
}

static RankState *
final_state(FunctionCallInfo fcinfo, bool materialize, bool sort)
{
	RankState  *st;

	if (PG_ARGISNULL(0))
		return NULL;
	st = (RankState *) PG_GETARG_POINTER(0);
	if (st->nrows == 0)
		return NULL;
	if (st->n - st->head == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero"),
				 errdetail("An inequality index needs a positive total weight.")));
	if (st->moving)
	{
		/* the frame's rows stay in row order: work on a sorted copy */
		RankState  *copy = palloc(sizeof(RankState));

		*copy = *st;
		copy->n = st->n - st->head;
		copy->items = medres_alloc_huge(CurrentMemoryContext, copy->n, st->elemsize, "the window frame");
		memcpy(copy->items, ITEM(st, st->head), copy->n * st->elemsize);
		copy->cap = copy->n;
		copy->head = copy->sorted = 0;
		copy->nruns = 0;
		copy->moving = false;
		copy->cxt = CurrentMemoryContext;
		st = copy;
	}
	if (sort)
		rank_state_sort(st);
	if (materialize)
		rank_state_materialize(st);
	return st;
}

PG_FUNCTION_INFO_V1(medres_gini_final);
Datum
medres_gini_final(PG_FUNCTION_ARGS)
{
	RankState  *st = final_state(fcinfo, false, false);
	double		g,
				sum_p2;
	Size		n;

	if (st == NULL)
		PG_RETURN_NULL();
	if (st->totals && st->sorted == 0 && st->nruns == 0)
	{
		/* nothing sorted yet: accumulate as the sort finishes each bucket */
		GiniAcc		acc,
					upper;
		MedresSortVisitor visit = {gini_acc_records, &acc, gini_split_upper, gini_join_upper, &upper};

		RunCursor	c;
		double		f,
					Q,
					Qc;

		cursor_init(&c, st);
		gini_weight_scale(st, &c, &f, &Q, &Qc);
		gini_acc_init(&acc, st, state_xmax(st), f, Q, Qc);
		upper = acc;
		medres_sort_records_visit(st->items, st->n, st->elemsize, st->keys, &visit);
		st->sorted = st->n;
		g = gini_acc_result(&acc, &sum_p2);
	}
	else
	{
		rank_state_sort(st);
		g = gini_of_runs(st, &sum_p2);
	}
	medres_check_span_result("Gini coefficient", g);
	n = st->n;
	for (int r = 0; r < st->nruns; r++)
		n += st->runlen[r];
	switch (st->option)
	{
		case GINI_CORRECT_N:
			if (n < 2)
				PG_RETURN_NULL();
			g *= (double) n / (double) (n - 1);
			break;
		case GINI_CORRECT_W:
			if (1.0 - sum_p2 <= 0.0)
				PG_RETURN_NULL();
			g /= 1.0 - sum_p2;
			break;
	}
	PG_RETURN_FLOAT8(g);
}

/*
 * Lorenz curve: one point per distinct value, (cumulative population
 * share, cumulative resource share), from (0, 0) to (1, 1).  Tied rows lie
 * on one straight segment, so merging them loses nothing and makes the
 * points independent of the order of ties.
 */
PG_FUNCTION_INFO_V1(medres_lorenz_final);
Datum
medres_lorenz_final(PG_FUNCTION_ARGS)
{
	RankState  *st = final_state(fcinfo, true, true);
	const XW   *a;
	Oid			arraytype,
				elemtype;
	TupleDesc	tupdesc;
	Datum	   *points;
	Size		npoints = 0;
	ValueScale	xs;
	double		xmax,
				wmax = 0.0,
				f,
				W = 0.0,
				Wc = 0.0,
				R = 0.0,
				Rc = 0.0,
				cw = 0.0,
				cwc = 0.0,
				cr = 0.0,
				crc = 0.0;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (st == NULL)
		PG_RETURN_NULL();
	a = (const XW *) st->items;
	arraytype = get_fn_expr_rettype(fcinfo->flinfo);
	elemtype = OidIsValid(arraytype) ? get_element_type(arraytype) : InvalidOid;
	if (!OidIsValid(elemtype))
		elog(ERROR, "could not determine the result type of lorenz");
	tupdesc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	tupdesc = BlessTupleDesc(tupdesc);

	xmax = a[st->n - 1].x;
	if (xmax <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all values are zero"),
				 errdetail("The Lorenz curve is undefined when the total resource is zero.")));
	/* weights scaled by f (a power of two) so that no sum can overflow, as in the Gini */
	for (Size i = 0; i < st->n; i++)
		wmax = Max(wmax, a[i].w);
	f = weight_factor(wmax, st->n);
	xs = value_scale(xmax);
	for (Size i = 0; i < st->n; i++)
	{
		neumaier_add(&W, &Wc, a[i].w * f);
		neumaier_add(&R, &Rc, a[i].w * f * scale_value(xs, a[i].x));
	}
	W += Wc;
	R += Rc;

	if (st->n + 1 > MaxAllocSize / sizeof(Datum))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct values for a Lorenz curve: %zu", (size_t) st->n)));
	points = palloc((st->n + 1) * sizeof(Datum));
	values[0] = Float8GetDatum(0.0);
	values[1] = Float8GetDatum(0.0);
	points[npoints++] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	for (Size i = 0; i < st->n; i++)
	{
		neumaier_add(&cw, &cwc, a[i].w * f);
		neumaier_add(&cr, &crc, a[i].w * f * scale_value(xs, a[i].x));
		if (i + 1 < st->n && a[i + 1].x == a[i].x)
			continue;
		values[0] = Float8GetDatum(i + 1 == st->n ? 1.0 : (cw + cwc) / W);
		values[1] = Float8GetDatum(i + 1 == st->n ? 1.0 : (cr + crc) / R);
		medres_check_span_result("Lorenz curve", DatumGetFloat8(values[0]) + DatumGetFloat8(values[1]));
		if ((npoints & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		points[npoints++] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(points, (int) npoints, elemtype, -1, false, TYPALIGN_DOUBLE));
}

/*
 * Concentration index of h ranked by r (METHODS.md):
 *     C = 2 cov_w(h, F) / mu_h = 2 sum p_i h_i (F_i - 1/2) / mu_h,
 * F_i the weighted fractional rank of r_i, the mid-point of its tie group
 * (rows with equal r share one rank, as in Stata's conindex).
 */
static double
concentration_of_sorted(const RHW *a, Size n, double *mean_h)
{
	double		hmax = 0.0,
				wmax = 0.0,
				hs,
				f,
				Ws,
				W = 0.0,
				Wc = 0.0,
				H = 0.0,
				Hc = 0.0,
				S = 0.0,
				Sc = 0.0,
				below = 0.0,
				belowc = 0.0;
	Size		i = 0;

	for (Size k = 0; k < n; k++)
	{
		wmax = Max(wmax, a[k].w);
		hmax = Max(hmax, fabs(a[k].h));
	}
	/* weights scaled by f (a power of two) so that no sum can overflow */
	f = weight_factor(wmax, n);
	for (Size k = 0; k < n; k++)
		neumaier_add(&W, &Wc, a[k].w * f);
	if (hmax == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the mean of health is zero"),
				 errdetail("The concentration index is undefined when the health variable averages zero.")));
	hs = pow2_scale(hmax);
	Ws = W + Wc;
	while (i < n)
	{
		Size		j = i;
		double		Wg = 0.0,
					Wgc = 0.0,
					Hg = 0.0,
					Hgc = 0.0,
					centred;

		/* one tie group of r: rows i .. j-1 */
		while (j < n && a[j].r == a[i].r)
		{
			neumaier_add(&Wg, &Wgc, a[j].w * f);
			neumaier_add(&Hg, &Hgc, (a[j].w * f) * (a[j].h / hs));
			j++;
		}
		Wg += Wgc;
		Hg += Hgc;
		/* F - 1/2 = (below + Wg/2)/Ws - 1/2 = (2 below + Wg - Ws) / (2 Ws) */
		centred = (2.0 * (below + belowc) + Wg - Ws) / (2.0 * Ws);
		neumaier_add(&S, &Sc, Hg * centred);
		neumaier_add(&H, &Hc, Hg);
		neumaier_add(&below, &belowc, Wg);
		i = j;
		if ((i & 0xFFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	H += Hc;
	if (H == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the mean of health is zero"),
				 errdetail("The concentration index is undefined when the health variable averages zero.")));
	*mean_h = H / Ws * hs;
	return 2.0 * (S + Sc) / H;
}

PG_FUNCTION_INFO_V1(medres_ci_final);
Datum
medres_ci_final(PG_FUNCTION_ARGS)
{
	RankState  *st = final_state(fcinfo, true, true);
	double		c,
				mu;

	if (st == NULL)
		PG_RETURN_NULL();
	c = concentration_of_sorted((RHW *) st->items, st->n, &mu);
	medres_check_span_result("concentration index", c);
	switch (st->option)
	{
		case CI_WAGSTAFF:
			if (mu >= 1.0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the Wagstaff index is undefined when every health value is 1")));
			c /= 1.0 - mu;
			break;
		case CI_ERREYGERS:
			c *= 4.0 * mu / (st->upper - st->lower);
			break;
	}
	PG_RETURN_FLOAT8(c);
}
