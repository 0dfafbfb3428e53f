/*
 * partition.c — reading array arguments and whole window partitions.
 *
 * The window functions of several families (evaluation, clustering) read
 * one float8[] per row of their partition into a dense row-major matrix on
 * their first call; this is that reader, with the checks every such array
 * must pass (one dimension, no NULL or non-finite element, one length for
 * the whole partition).
 */
#include "medres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"

#include <limits.h>

/* the elements of a one-dimensional float8[] of finite values, or an error naming it */
double *
medres_float8_array_values(ArrayType *a, const char *argname, int *len)
{
	int			n;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", argname)));
	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not contain NULL elements", argname)));
	n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	for (int i = 0; i < n; i++)
		medres_check_finite(argname, ((double *) ARR_DATA_PTR(a))[i]);
	*len = n;
	return (double *) ARR_DATA_PTR(a);
}

/*
 * The arrays of argument `argno` over the partition: mx->x (n rows of m
 * values, row-major) and, for every partition row, its index in x or -1
 * for a NULL array.  `copies` is how many matrices of that size the caller
 * will hold at once; the total is checked against medres.memory_limit
 * (reported as `what`) before the first allocation.
 */
void
medres_read_vectors(WindowObject winobj, int argno, const char *argname,
					const char *what, int copies, VectorRows *mx)
{
	int64		total = WinGetPartitionRowCount(winobj);

	mx->total = total;
	mx->n = 0;
	mx->m = -1;
	mx->x = NULL;
	if (total > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partition of %lld rows is too large", (long long) total)));
	medres_check_memory(sizeof(int) * (Size) total, what);
	mx->unit_of_row = palloc(sizeof(int) * Max(total, 1));
	for (int64 r = 0; r < total; r++)
	{
		bool		isnull,
					isout;
		Datum		d = WinGetFuncArgInPartition(winobj, argno, r, WINDOW_SEEK_HEAD,
												 false, &isnull, &isout);
		ArrayType  *a;
		double	   *v;
		int			len;

		if (isnull)
		{
			mx->unit_of_row[r] = -1;
			continue;
		}
		a = DatumGetArrayTypeP(d);
		v = medres_float8_array_values(a, argname, &len);
		if (mx->m < 0)
		{
			if (len == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s must not be empty", argname)));
			mx->m = len;
			medres_check_memory((Size) total * len * sizeof(double) * copies, what);
			mx->x = medres_alloc_huge(CurrentMemoryContext, (Size) total * len,
									  sizeof(double), what);
		}
		else if (len != mx->m)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("arrays of %s differ in length: %d and %d", argname, mx->m, len),
					 errdetail("Every row of a partition needs the same number of %s.", argname)));
		memcpy(mx->x + (Size) mx->n * mx->m, v, sizeof(double) * len);
		mx->unit_of_row[r] = mx->n++;
		if ((Pointer) a != DatumGetPointer(d))
			pfree(a);			/* a detoasted copy */
		if ((r & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * The value of an option argument of a window function, which must be the
 * same in every row of the partition: the function reads it once per
 * partition, so a value that varied would silently be taken from one row.
 * A Const or Param argument cannot vary and is read directly; anything else
 * is compared across the partition (NULL equals only NULL) and a difference
 * raises 22023 naming the argument.  An absent argument gives a NULL.
 */
Datum
medres_win_const_arg(FunctionCallInfo fcinfo, int argno, const char *argname, bool *isnull)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	Datum		first;
	Oid			type;
	int16		typlen;
	bool		typbyval;
	int64		total;

	*isnull = true;
	if (argno >= PG_NARGS())
		return (Datum) 0;
	first = WinGetFuncArgCurrent(winobj, argno, isnull);
	if (get_fn_expr_arg_stable(fcinfo->flinfo, argno))
		return first;
	type = get_fn_expr_argtype(fcinfo->flinfo, argno);
	get_typlenbyval(type, &typlen, &typbyval);
	if (!*isnull)
		first = datumCopy(first, typbyval, typlen);	/* the row reads below may reuse its slot */
	total = WinGetPartitionRowCount(winobj);
	for (int64 r = 0; r < total; r++)
	{
		bool		rnull,
					isout;
		Datum		d = WinGetFuncArgInPartition(winobj, argno, r, WINDOW_SEEK_HEAD,
												 false, &rnull, &isout);

		if (rnull != *isnull || (!rnull && !datum_image_eq(first, d, typbyval, typlen)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be the same in every row of a window partition", argname),
					 errdetail("Rows %lld and %lld of the partition differ.",
							   (long long) WinGetCurrentPosition(winobj) + 1, (long long) r + 1)));
		if ((r & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return first;
}

/* the value of a constant text option (a NULL or absent one gives NULL) */
text *
medres_win_text_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	bool		isnull;
	Datum		d = medres_win_const_arg(fcinfo, argno, argname, &isnull);

	return isnull ? NULL : DatumGetTextPP(d);
}

/* an optional text argument of a plain function or aggregate: absent or NULL gives NULL */
text *
medres_opt_text(FunctionCallInfo fcinfo, int argno)
{
	return PG_NARGS() > argno && !PG_ARGISNULL(argno) ? PG_GETARG_TEXT_PP(argno) : NULL;
}

/* the value of a constant array option (a NULL or absent one gives NULL) */
ArrayType *
medres_win_array_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	bool		isnull;
	Datum		d = medres_win_const_arg(fcinfo, argno, argname, &isnull);

	return isnull ? NULL : DatumGetArrayTypeP(d);
}
