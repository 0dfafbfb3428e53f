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
	mx->unit_of_row = palloc(sizeof(int) * Max(total, 1));
	mx->x = NULL;
	if (total > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partition of %lld rows is too large", (long long) total)));
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

/* the value of a constant text argument (a NULL or absent one gives NULL) */
text *
medres_win_text_arg(WindowObject winobj, int argno, int nargs)
{
	bool		isnull;
	Datum		d;

	if (argno >= nargs)
		return NULL;
	d = WinGetFuncArgCurrent(winobj, argno, &isnull);
	return isnull ? NULL : DatumGetTextPP(d);
}

/* an optional text argument of a plain function or aggregate: absent or NULL gives NULL */
text *
medres_opt_text(FunctionCallInfo fcinfo, int argno)
{
	return PG_NARGS() > argno && !PG_ARGISNULL(argno) ? PG_GETARG_TEXT_PP(argno) : NULL;
}

/* the value of a constant array argument (a NULL or absent one gives NULL) */
ArrayType *
medres_win_array_arg(WindowObject winobj, int argno, int nargs)
{
	bool		isnull;
	Datum		d;

	if (argno >= nargs)
		return NULL;
	d = WinGetFuncArgCurrent(winobj, argno, &isnull);
	return isnull ? NULL : DatumGetArrayTypeP(d);
}
