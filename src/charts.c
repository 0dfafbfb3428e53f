/*
 * charts.c — pictures of inequality as SVG aggregates (issue 14), drawn
 * through svg.c:
 *
 *   lorenz_svg(value, weight [, series [, options]])
 *       the line of equality and one Lorenz curve per series, each series'
 *       Gini in the legend;
 *   concentration_svg(health, rank_by [, weight [, series [, options]]])
 *       the concentration curve of health with the population ranked by
 *       rank_by, each series' concentration index in the legend;
 *   heatmap_svg(row_label, col_label, value [, options])
 *       a grid of cells coloured on a continuous scale, with a colour bar.
 *
 * The curves (Lorenz 1905; Kakwani, Wagstaff and van Doorslaer 1997): with
 * the rows sorted by the ranking variable (the value itself for a Lorenz
 * curve) and grouped where it ties, the curve joins (0, 0) and the points
 * (P_j, L_j) at the end of each tie group j, P_j the cumulative share of
 * the weight and L_j the cumulative share of w * value.  Rows that tie share
 * a point, so the order of tied rows cannot change the curve.  The index is
 * one minus twice the area under that piecewise linear curve,
 *   G (or C) = 1 - sum_j (P_j - P_{j-1}) (L_j + L_{j-1}),
 * which is the mid-point-rank form of medres.gini (correction 'none') and
 * medres.concentration_index (variant 'standard').  C is computed so; G,
 * which can be far below the rounding error of 1 - area, from the equal
 * sum of non-negative terms of gini.md (see curve_compute).  Both are computed
 * from the sorted records with Neumaier-compensated sums after scaling
 * weights and values by powers of two (exact) so that no sum overflows and
 * no product of a small weight and a small value underflows.
 * The test suite checks the legend's figures against medres.gini and
 * medres.concentration_index.
 *
 * Series come in the byte order of their names (the unnamed series, NULL,
 * first): a parallel plan combines partial states in no fixed order, and
 * sorting by name makes the picture the same under every plan.  A curve of
 * millions of points is drawn through the points that move it by at least
 * 1/1024 of the axis (both coordinates of every point left out are within
 * 1/1024 of a point drawn): under half a pixel at the default size.
 *
 * The heat map has no partial (parallel) mode on purpose: its rows and
 * columns come in the order the aggregate first sees their labels, which
 * an ORDER BY inside the call fixes (PostgreSQL feeds an ordered
 * aggregate its rows sorted, in one process).  A combine step would
 * interleave the workers' rows and make that order depend on the plan,
 * and a heat map has at most HEATMAP_MAX_LABELS^2 cells, too few to gain
 * from parallel workers.
 */
#include "medres.h"
#include "svg.h"

#include "miscadmin.h"
#include "utils/builtins.h"

/* ---------------------------------------------------------------------
 * Curves: state
 * --------------------------------------------------------------------- */

#define CURVE_LORENZ		0
#define CURVE_CONCENTRATION 1
#define CURVE_MAX_SERIES	64	/* 54000 beyond: a legend of more is unreadable */
#define CURVE_STATE_VERSION 1

typedef struct CurveSeries
{
	char	   *name;			/* NULL: the unnamed series */
	int64		n;
	int64		cap;
	RHW		   *rec;			/* r: ranking value, h: value, w: weight */
} CurveSeries;

typedef struct CurveState
{
	MemoryContext cxt;
	int32		kind;
	int32		nseries;
	int32		last;			/* the series of the previous row */
	char	   *options;		/* jsonb text, or NULL */
	CurveSeries series[CURVE_MAX_SERIES];
} CurveState;

static CurveState *
curve_state_new(MemoryContext cxt, int kind)
{
	CurveState *st = MemoryContextAllocZero(cxt, sizeof(CurveState));

	st->cxt = cxt;
	st->kind = kind;
	return st;
}

static const char *
curve_fn(int kind)
{
	return kind == CURVE_LORENZ ? "lorenz_svg" : "concentration_svg";
}

static CurveSeries *
curve_series(CurveState *st, const char *name, int namelen)
{
	CurveSeries *s;

	if (st->nseries > 0)
	{
		s = &st->series[st->last];
		if (name == NULL ? s->name == NULL :
			(s->name != NULL && (int) strlen(s->name) == namelen && memcmp(s->name, name, namelen) == 0))
			return s;
	}
	for (int i = 0; i < st->nseries; i++)
	{
		s = &st->series[i];
		if (name == NULL ? s->name == NULL :
			(s->name != NULL && (int) strlen(s->name) == namelen && memcmp(s->name, name, namelen) == 0))
		{
			st->last = i;
			return s;
		}
	}
	if (st->nseries >= CURVE_MAX_SERIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s draws at most %d series", curve_fn(st->kind), CURVE_MAX_SERIES),
				 errhint("Draw fewer series in one picture.")));
	s = &st->series[st->nseries];
	memset(s, 0, sizeof(*s));
	if (name != NULL)
	{
		s->name = MemoryContextAlloc(st->cxt, namelen + 1);
		memcpy(s->name, name, namelen);
		s->name[namelen] = '\0';
	}
	st->last = st->nseries++;
	return s;
}

static void
curve_reserve(CurveState *st, CurveSeries *s, int64 n)
{
	int64		total = 0;
	int64		cap;

	if (n <= s->cap)
		return;
	cap = Max(Max(s->cap * 2, 256), n);
	for (int i = 0; i < st->nseries; i++)
		total += st->series[i].cap;
	medres_check_memory((Size) (total - s->cap + cap) * sizeof(RHW), "the aggregate");
	if (s->rec == NULL)
		s->rec = medres_alloc_huge(st->cxt, cap, sizeof(RHW), "the aggregate");
	else
		s->rec = medres_realloc_huge(s->rec, cap, sizeof(RHW), "the aggregate");
	s->cap = cap;
}

static CurveState *
curve_state_arg(FunctionCallInfo fcinfo, int kind)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate transition called in non-aggregate context");
	if (!PG_ARGISNULL(0))
		return (CurveState *) PG_GETARG_POINTER(0);
	return curve_state_new(aggcxt, kind);
}

/* the series and options arguments, then the record */
static void
curve_add(FunctionCallInfo fcinfo, CurveState *st, int series_arg, RHW rec)
{
	CurveSeries *s;
	text	   *name = NULL;

	if (PG_NARGS() > series_arg + 1 && !PG_ARGISNULL(series_arg + 1))
		svg_options_keep(st->cxt, &st->options,
						 svg_options_text(PG_GETARG_JSONB_P(series_arg + 1)));
	if (PG_NARGS() > series_arg && !PG_ARGISNULL(series_arg))
		name = PG_GETARG_TEXT_PP(series_arg);
	s = curve_series(st, name ? VARDATA_ANY(name) : NULL, name ? VARSIZE_ANY_EXHDR(name) : 0);
	curve_reserve(st, s, s->n + 1);
	s->rec[s->n++] = rec;
}

/* lorenz_svg(value, weight [, series [, options]]) */
PG_FUNCTION_INFO_V1(medres_lorenz_svg_trans);
Datum
medres_lorenz_svg_trans(PG_FUNCTION_ARGS)
{
	CurveState *st = curve_state_arg(fcinfo, CURVE_LORENZ);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		RHW			rec;

		rec.h = PG_GETARG_FLOAT8(1);
		rec.w = PG_GETARG_FLOAT8(2);
		medres_check_nonnegative("value", rec.h);
		medres_check_weight(rec.w);
		rec.h += 0.0;			/* -0 as 0, for the sort */
		rec.w += 0.0;
		rec.r = rec.h;
		curve_add(fcinfo, st, 3, rec);
	}
	else if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
		svg_options_keep(st->cxt, &st->options, svg_options_text(PG_GETARG_JSONB_P(4)));
	PG_RETURN_POINTER(st);
}

/* concentration_svg(health, rank_by [, weight [, series [, options]]]) */
PG_FUNCTION_INFO_V1(medres_concentration_svg_trans);
Datum
medres_concentration_svg_trans(PG_FUNCTION_ARGS)
{
	CurveState *st = curve_state_arg(fcinfo, CURVE_CONCENTRATION);
	bool		weighted = PG_NARGS() > 3;

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) && !(weighted && PG_ARGISNULL(3)))
	{
		RHW			rec;

		rec.h = PG_GETARG_FLOAT8(1);
		rec.r = PG_GETARG_FLOAT8(2);
		rec.w = weighted ? PG_GETARG_FLOAT8(3) : 1.0;
		medres_check_finite("health", rec.h);
		medres_check_finite("rank_by", rec.r);
		medres_check_weight(rec.w);
		rec.r += 0.0;
		rec.h += 0.0;
		rec.w += 0.0;
		curve_add(fcinfo, st, 4, rec);
	}
	else if (PG_NARGS() > 5 && !PG_ARGISNULL(5))
		svg_options_keep(st->cxt, &st->options, svg_options_text(PG_GETARG_JSONB_P(5)));
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(medres_curve_svg_combine);
Datum
medres_curve_svg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CurveState *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	b = (CurveState *) PG_GETARG_POINTER(1);
	a = PG_ARGISNULL(0) ? curve_state_new(aggcxt, b->kind) : (CurveState *) PG_GETARG_POINTER(0);
	if (a->kind != b->kind)
		medres_state_invalid("Two curve states of different kinds cannot be combined.");
	if (b->options != NULL)
		svg_options_keep(a->cxt, &a->options, b->options);
	for (int i = 0; i < b->nseries; i++)
	{
		CurveSeries *sb = &b->series[i];
		CurveSeries *sa = curve_series(a, sb->name, sb->name ? (int) strlen(sb->name) : 0);

		CHECK_FOR_INTERRUPTS();
		curve_reserve(a, sa, sa->n + sb->n);
		if (sb->n > 0)
			memcpy(sa->rec + sa->n, sb->rec, sizeof(RHW) * sb->n);
		sa->n += sb->n;
	}
	PG_RETURN_POINTER(a);
}

/*
 * Serialized: the header, the options' bytes, then per series a
 * CurveSeriesHeader, its name's bytes and its records.
 */
typedef struct CurveHeader
{
	MedresStateTag tag;
	int32		kind;
	int32		nseries;
	int64		olen;			/* -1: no options */
} CurveHeader;

typedef struct CurveSeriesHeader
{
	int32		namelen;		/* -1: unnamed */
	int32		pad;
	int64		n;
} CurveSeriesHeader;

PG_FUNCTION_INFO_V1(medres_curve_svg_serialize);
Datum
medres_curve_svg_serialize(PG_FUNCTION_ARGS)
{
	CurveState *st = (CurveState *) PG_GETARG_POINTER(0);
	CurveHeader h;
	Size		size = sizeof(h);
	bytea	   *out;
	char	   *p;

	memset(&h, 0, sizeof(h));
	medres_state_tag(&h.tag, MEDRES_STATE_CURVE_SVG, CURVE_STATE_VERSION);
	h.kind = st->kind;
	h.nseries = st->nseries;
	h.olen = st->options ? (int64) strlen(st->options) : -1;
	size += Max(h.olen, 0);
	for (int i = 0; i < st->nseries; i++)
	{
		CurveSeries *s = &st->series[i];

		size += sizeof(CurveSeriesHeader) + (s->name ? strlen(s->name) : 0);
		if ((Size) s->n > (MaxAllocSize - size) / sizeof(RHW))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("aggregate state of %lld rows is too large to pass between parallel processes",
							(long long) s->n),
					 errhint("Run the query without parallel workers: SET max_parallel_workers_per_gather = 0.")));
		size += (Size) s->n * sizeof(RHW);
	}
	if (size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("aggregate state is too large to pass between parallel processes"),
				 errhint("Run the query without parallel workers: SET max_parallel_workers_per_gather = 0.")));
	out = medres_palloc_advised(VARHDRSZ + size);
	SET_VARSIZE(out, VARHDRSZ + size);
	p = VARDATA(out);
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	if (h.olen > 0)
	{
		memcpy(p, st->options, h.olen);
		p += h.olen;
	}
	for (int i = 0; i < st->nseries; i++)
	{
		CurveSeries *s = &st->series[i];
		CurveSeriesHeader sh;

		memset(&sh, 0, sizeof(sh));
		sh.namelen = s->name ? (int32) strlen(s->name) : -1;
		sh.n = s->n;
		memcpy(p, &sh, sizeof(sh));
		p += sizeof(sh);
		if (sh.namelen > 0)
		{
			memcpy(p, s->name, sh.namelen);
			p += sh.namelen;
		}
		if (s->n > 0)
		{
			memcpy(p, s->rec, sizeof(RHW) * s->n);
			p += sizeof(RHW) * s->n;
		}
	}
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(medres_curve_svg_deserialize);
Datum
medres_curve_svg_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(in);
	const char *p = VARDATA_ANY(in);
	const char *end = p + len;
	MemoryContext aggcxt;
	CurveHeader h;
	CurveState *st;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	(void) medres_state_check(p, len, sizeof(h), MEDRES_STATE_CURVE_SVG, MEDRES_STATE_CURVE_SVG,
							  CURVE_STATE_VERSION);
	memcpy(&h, p, sizeof(h));
	p += sizeof(h);
	if ((h.kind != CURVE_LORENZ && h.kind != CURVE_CONCENTRATION) || h.nseries < 0 ||
		h.nseries > CURVE_MAX_SERIES || h.olen < -1 || (h.olen > 0 && (Size) h.olen > (Size) (end - p)))
		medres_state_invalid("The header of the curve state is inconsistent.");
	st = curve_state_new(aggcxt, h.kind);
	if (h.olen >= 0)
	{
		if (memchr(p, '\0', h.olen) != NULL)
			medres_state_invalid("The options of the curve state are invalid.");
		st->options = MemoryContextAllocZero(aggcxt, h.olen + 1);
		memcpy(st->options, p, h.olen);
		p += h.olen;
	}
	for (int i = 0; i < h.nseries; i++)
	{
		CurveSeriesHeader sh;
		CurveSeries *s;

		if ((Size) (end - p) < sizeof(sh))
			medres_state_invalid("The curve state is truncated.");
		memcpy(&sh, p, sizeof(sh));
		p += sizeof(sh);
		if (sh.namelen < -1 || (sh.namelen > 0 && (Size) sh.namelen > (Size) (end - p)) ||
			(sh.namelen > 0 && memchr(p, '\0', sh.namelen) != NULL))
			medres_state_invalid("A series name of the curve state is invalid.");
		for (int j = 0; j < st->nseries; j++)
			if (sh.namelen < 0 ? st->series[j].name == NULL :
				(st->series[j].name != NULL && (int) strlen(st->series[j].name) == sh.namelen &&
				 memcmp(st->series[j].name, p, sh.namelen) == 0))
				medres_state_invalid("The curve state names a series twice.");
		s = curve_series(st, sh.namelen < 0 ? NULL : p, Max(sh.namelen, 0));
		p += Max(sh.namelen, 0);
		if (sh.n < 0 || (Size) sh.n > (Size) (end - p) / sizeof(RHW))
			medres_state_invalid("The records of the curve state are truncated.");
		curve_reserve(st, s, sh.n);
		if (sh.n > 0)
			memcpy(s->rec, p, sizeof(RHW) * sh.n);
		p += sizeof(RHW) * sh.n;
		s->n = sh.n;
		for (int64 k = 0; k < s->n; k++)
			if (!isfinite(s->rec[k].r) || !isfinite(s->rec[k].h) || !(s->rec[k].w >= 0.0) ||
				!isfinite(s->rec[k].w) || (h.kind == CURVE_LORENZ && !(s->rec[k].h >= 0.0)))
				medres_state_invalid("The curve state holds an invalid record.");
	}
	if (p != end)
		medres_state_invalid("The curve state has trailing bytes.");
	PG_RETURN_POINTER(st);
}

/* ---------------------------------------------------------------------
 * Curves: the maths
 * --------------------------------------------------------------------- */

typedef struct Curve
{
	const char *name;
	int			np;
	double	   *P;
	double	   *L;
	double		index;
} Curve;

/*
 * A group of records with equal r in a fixed order, by h and then w, so that
 * every plan (whatever order the workers' records were combined in) adds
 * them in the same order.  Through the radix sort, which answers cancel,
 * keyed on h and then w in turn.
 */
static void
order_ties(RHW *rec, int64 n)
{
	double		r0 = rec[0].r;

	for (int64 k = 0; k < n; k++)
		rec[k].r = rec[k].h;
	medres_sort_records(rec, n, sizeof(RHW));
	for (int64 a = 0; a < n;)
	{
		int64		b = a + 1;

		while (b < n && rec[b].h == rec[a].h)
			b++;
		if (b - a > 1)
		{
			for (int64 k = a; k < b; k++)
				rec[k].r = rec[k].w;
			medres_sort_records(rec + a, b - a, sizeof(RHW));
		}
		a = b;
	}
	for (int64 k = 0; k < n; k++)
		rec[k].r = r0;
}

#define CURVE_STEP (1.0 / 1024)

static void
curve_compute(int kind, CurveSeries *s, Curve *c)
{
	RHW		   *rec = s->rec;
	int64		n = s->n;
	int			ew,
				eh;
	double	   *suffix = NULL;	/* Lorenz: weight at or above each tie group */
	double		gs = 0.0,
				gsc = 0.0,
				xprev = 0.0;
	bool		xprev_set = false;
	double		wmax = 0.0,
				hmax = 0.0,
				W = 0.0,
				Wc = 0.0,
				T = 0.0,
				Tc = 0.0,
				cw = 0.0,
				cwc = 0.0,
				ch = 0.0,
				chc = 0.0,
				area = 0.0,
				areac = 0.0,
				Pprev = 0.0,
				Lprev = 0.0,
				Pk = 0.0,
				Lk = 0.0;
	const char *what = kind == CURVE_LORENZ ? "value" : "health";
	const char *sname = s->name ? psprintf(" of series \"%s\"", s->name) : "";
	int64		i = 0;
	int			cap = 1040;

	medres_sort_records(rec, n, sizeof(RHW));
	for (int64 a = 0; a < n;)
	{
		int64		b = a + 1;

		while (b < n && rec[b].r == rec[a].r)
			b++;
		if (b - a > 1)
			order_ties(rec + a, b - a);
		a = b;
		CHECK_FOR_INTERRUPTS();
	}
	for (int64 k = 0; k < n; k++)
	{
		wmax = Max(wmax, rec[k].w);
		if (rec[k].w > 0.0)		/* a row of no weight adds nothing */
			hmax = Max(hmax, fabs(rec[k].h));
	}
	if (!(wmax > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"weight\": every weight%s is zero", sname)));
	if (!(hmax > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"%s\": every %s%s is zero", what, what, sname),
				 errdetail("The curve plots cumulative shares of the total, which is zero.")));

	/*
	 * Weights and values are scaled by powers of two (exact) so that the
	 * largest of each is near 2^480: their products stay below 2^960 and a
	 * sum of 2^31 of them below 2^991, while products of small weights and
	 * small values stay far from underflow.
	 */
	(void) frexp(wmax, &ew);
	(void) frexp(hmax, &eh);
	ew = 480 - ew;
	eh = 480 - eh;
	for (int64 k = 0; k < n; k++)
	{
		double		w = ldexp(rec[k].w, ew);

		/* rows of no weight are left out: their value may exceed hmax */
		if (w > 0.0)
		{
			neumaier_add(&W, &Wc, w);
			neumaier_add(&T, &Tc, w * ldexp(rec[k].h, eh));
		}
	}
	W += Wc;
	T += Tc;
	if (!(T != 0.0) || !(W > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"%s\": the weighted total%s is zero", what, sname),
				 errdetail("The curve plots cumulative shares of the total, which is zero.")));

	/*
	 * The Gini coefficient from terms that are never negative (gini.md):
	 *   G = sum_k (x_k - x_{k-1}) p_k q_k / mu,
	 * over the tie groups k with weight, p_k the share of the weight below
	 * group k and q_k = 1 - p_k the share at or above it, so a Gini of 1e-20
	 * keeps its digits where 1 - 2 * area would give 0.  q_k is summed from
	 * the top (suffix[i] for the group starting at record i), not taken as
	 * 1 - p_k.
	 */
	if (kind == CURVE_LORENZ)
	{
		double		R = 0.0,
					Rc = 0.0;

		medres_check_memory((Size) n * (sizeof(RHW) + sizeof(double)), "the Lorenz curve");
		suffix = medres_alloc_huge(CurrentMemoryContext, n, sizeof(double), "the Lorenz curve");
		for (int64 k = n - 1; k >= 0; k--)
		{
			double		w = ldexp(rec[k].w, ew);

			if (w > 0.0)
				neumaier_add(&R, &Rc, w);
			if (k == 0 || rec[k - 1].r != rec[k].r)
				suffix[k] = R + Rc;
			if ((k & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}

	c->name = s->name;
	c->P = palloc(sizeof(double) * cap);
	c->L = palloc(sizeof(double) * cap);
	c->P[0] = c->L[0] = 0.0;
	c->np = 1;
	while (i < n)
	{
		int64		j = i;
		double		P,
					L,
					below = cw + cwc;
		bool		weighed = false;

		while (j < n && rec[j].r == rec[i].r)
		{
			double		w = ldexp(rec[j].w, ew);

			if (w > 0.0)
			{
				neumaier_add(&cw, &cwc, w);
				neumaier_add(&ch, &chc, w * ldexp(rec[j].h, eh));
				weighed = true;
			}
			j++;
		}
		if (suffix != NULL && weighed)
		{
			double		x = ldexp(rec[i].h, eh);

			if (xprev_set)
				neumaier_add(&gs, &gsc, (x - xprev) * (below / W) * (suffix[i] / W));
			xprev = x;
			xprev_set = true;
		}
		P = (cw + cwc) / W;
		L = (ch + chc) / T;
		if (j == n)
			P = L = 1.0;		/* exactly, whatever the rounding */
		neumaier_add(&area, &areac, (P - Pprev) * (L + Lprev));
		Pprev = P;
		Lprev = L;
		if (j == n || P - Pk >= CURVE_STEP || fabs(L - Lk) >= CURVE_STEP)
		{
			if (c->np == cap)
			{
				cap *= 2;
				c->P = repalloc(c->P, sizeof(double) * cap);
				c->L = repalloc(c->L, sizeof(double) * cap);
			}
			c->P[c->np] = Pk = P;
			c->L[c->np] = Lk = L;
			c->np++;
		}
		i = j;
		CHECK_FOR_INTERRUPTS();
	}
	/* mu = T / W in the scaled units; the sum of the terms is G mu <= mu: no overflow */
	c->index = suffix != NULL ? (gs + gsc) / (T / W) : 1.0 - (area + areac);
	medres_check_result(kind == CURVE_LORENZ ? "the Gini coefficient" : "the concentration index",
						c->index);
}

/* ---------------------------------------------------------------------
 * Curves: the drawing
 * --------------------------------------------------------------------- */

static int
curve_name_cmp(const void *a, const void *b)
{
	const Curve *x = a,
			   *y = b;

	if (x->name == NULL || y->name == NULL)
		return (x->name != NULL) - (y->name != NULL);
	return strcmp(x->name, y->name);
}

static void
curve_draw(StringInfo buf, int kind, const SvgOptions *o, Curve *c, int nc)
{
	SvgLegendItem *items = palloc0(sizeof(SvgLegendItem) * (nc + 1));
	double		ylo = 0.0,
				yhi = 1.0,
				ticks[12],
				left = 64,
				top = o->title[0] != '\0' ? 44 : 16,
				bottom = 52,
				legend_w,
				side,
				sx,
				sy;
	int			nt;
	const char *letter = kind == CURVE_LORENZ ? "G" : "C";
	const char *xlabel = o->xlabel ? o->xlabel :
		kind == CURVE_LORENZ ? "Cumulative share of population" :
		"Cumulative share of population, ranked by rank_by";
	const char *ylabel = o->ylabel ? o->ylabel :
		kind == CURVE_LORENZ ? "Cumulative share of value" : "Cumulative share of health";

	for (int i = 0; i < nc; i++)
		for (int k = 0; k < c[i].np; k++)
		{
			ylo = Min(ylo, c[i].L[k]);
			yhi = Max(yhi, c[i].L[k]);
		}
	/* the legend: the line of equality, then each series and its index */
	items[0].label = "Line of equality";
	strcpy(items[0].color, "#999999");
	items[0].line = true;
	for (int i = 0; i < nc; i++)
	{
		StringInfoData lab;

		initStringInfo(&lab);
		if (c[i].name != NULL)
			appendStringInfo(&lab, "%s: ", c[i].name);
		appendStringInfo(&lab, "%s = ", letter);
		svg_value(&lab, c[i].index, o->digits);
		items[i + 1].label = lab.data;
		svg_hex(svg_palette_class(o->palette, i, nc), items[i + 1].color);
		items[i + 1].line = true;
		items[i + 1].dash = svg_dash(i);
	}
	legend_w = svg_legend_width(o->legend, items, nc + 1) + 24;
	side = Max(100.0, Min(o->width - left - legend_w - 16, o->height - top - bottom));
	sx = side;
	sy = side / (yhi - ylo);

#define PX(p) (left + sx * (p))
#define PY(l) (top + sy * (yhi - (l)))

	svg_begin(buf, o->width, o->height, o->title);
	svg_title(buf, o->width, o->title);

	/* grid, frame, ticks */
	svg_group_begin(buf, "class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\"");
	for (int t = 1; t < 5; t++)
		svg_line(buf, PX(t / 5.0), PY(ylo), PX(t / 5.0), PY(yhi), NULL, 0, NULL);
	nt = svg_nice_ticks(ylo, yhi, yhi - ylo > 1.0 ? 8 : 6, ticks);
	for (int t = 0; t < nt; t++)
		svg_line(buf, PX(0), PY(ticks[t]), PX(1), PY(ticks[t]), NULL, 0, NULL);
	svg_group_end(buf);
	svg_group_begin(buf, "class=\"axes\" font-size=\"11\"");
	for (int t = 0; t <= 5; t++)
	{
		StringInfoData lab;

		initStringInfo(&lab);
		svg_value(&lab, t / 5.0, 2);
		svg_line(buf, PX(t / 5.0), PY(ylo), PX(t / 5.0), PY(ylo) + 4, "#333333", 1, NULL);
		svg_text(buf, PX(t / 5.0), PY(ylo) + 16, SVG_MIDDLE, 0, NULL, lab.data);
	}
	for (int t = 0; t < nt; t++)
	{
		StringInfoData lab;

		initStringInfo(&lab);
		svg_value(&lab, ticks[t], 3);
		svg_line(buf, PX(0) - 4, PY(ticks[t]), PX(0), PY(ticks[t]), "#333333", 1, NULL);
		svg_text(buf, PX(0) - 7, PY(ticks[t]) + 4, SVG_END, 0, NULL, lab.data);
	}
	svg_text(buf, PX(0.5), PY(ylo) + 36, SVG_MIDDLE, 0, "font-size=\"12\"", xlabel);
	svg_text(buf, 18, PY((ylo + yhi) / 2), SVG_MIDDLE, -90, "font-size=\"12\"", ylabel);
	svg_group_end(buf);
	svg_group_begin(buf, "class=\"frame\"");
	svg_rect(buf, PX(0), PY(yhi), sx, sy * (yhi - ylo), "none", "#333333", 1);
	svg_group_end(buf);

	/* the line of equality, then the curves */
	svg_group_begin(buf, "class=\"equality\"");
	svg_line(buf, PX(0), PY(0), PX(1), PY(1), "#999999", 1.5, NULL);
	svg_group_end(buf);
	svg_group_begin(buf, "class=\"curves\"");
	for (int i = 0; i < nc; i++)
	{
		double	   *x = palloc(sizeof(double) * c[i].np);
		double	   *y = palloc(sizeof(double) * c[i].np);

		for (int k = 0; k < c[i].np; k++)
		{
			x[k] = PX(c[i].P[k]);
			y[k] = PY(c[i].L[k]);
		}
		svg_polyline(buf, x, y, c[i].np, items[i + 1].color, 2.5, items[i + 1].dash);
		pfree(x);
		pfree(y);
	}
	svg_group_end(buf);
	svg_legend(buf, PX(1) + 24, top + 4, o->legend, items, nc + 1);
	svg_end(buf);
#undef PX
#undef PY
}

static Datum
curve_final(FunctionCallInfo fcinfo, int kind)
{
	CurveState *st = PG_ARGISNULL(0) ? NULL : (CurveState *) PG_GETARG_POINTER(0);
	SvgOptions	o;
	StringInfoData buf;
	Curve	   *c;
	int			nc = 0;
	int64		total = 0;

	if (st != NULL)
		for (int i = 0; i < st->nseries; i++)
			total += st->series[i].n;
	if (total == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has no rows to draw", curve_fn(kind)),
				 errdetail(kind == CURVE_LORENZ ?
						   "Every row has a NULL value or weight." :
						   "Every row has a NULL health, rank_by or weight.")));
	svg_options_init(&o, 640, 440, kind == CURVE_LORENZ ? "Lorenz curve" : "Concentration curve",
					 "Dark2");
	svg_parse_options(&o, st->options, "options",
					  SVG_OPT_COMMON | SVG_OPT_DIGITS | SVG_OPT_XLABEL | SVG_OPT_YLABEL | SVG_OPT_LEGEND,
					  NULL, NULL, NULL);
	c = palloc0(sizeof(Curve) * st->nseries);
	for (int i = 0; i < st->nseries; i++)
		if (st->series[i].n > 0)
			curve_compute(kind, &st->series[i], &c[nc++]);
	qsort(c, nc, sizeof(Curve), curve_name_cmp);
	initStringInfo(&buf);
	curve_draw(&buf, kind, &o, c, nc);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

PG_FUNCTION_INFO_V1(medres_lorenz_svg_final);
Datum
medres_lorenz_svg_final(PG_FUNCTION_ARGS)
{
	return curve_final(fcinfo, CURVE_LORENZ);
}

PG_FUNCTION_INFO_V1(medres_concentration_svg_final);
Datum
medres_concentration_svg_final(PG_FUNCTION_ARGS)
{
	return curve_final(fcinfo, CURVE_CONCENTRATION);
}

/* ---------------------------------------------------------------------
 * Heat map
 * --------------------------------------------------------------------- */

#define HEATMAP_MAX_LABELS	1000	/* rows, and columns: 54000 beyond */
#define HEATMAP_MAX_CELLS	((int64) HEATMAP_MAX_LABELS * HEATMAP_MAX_LABELS)

typedef struct HeatCell
{
	int64		row;			/* offsets of the labels in lbuf */
	int64		col;
	double		v;
	bool		isnull;
} HeatCell;

typedef struct HeatState
{
	MemoryContext cxt;
	int64		n;
	int64		cap;
	HeatCell   *cells;
	char	   *lbuf;			/* NUL-terminated labels, one after another */
	int64		llen;
	int64		lcap;
	char	   *options;
} HeatState;

static int64
heat_label(HeatState *st, text *t)
{
	int			len = VARSIZE_ANY_EXHDR(t);
	int64		off = st->llen;

	if (st->llen + len + 1 > st->lcap)
	{
		int64		cap = Max(Max(st->lcap * 2, 4096), st->llen + len + 1);

		medres_check_memory((Size) cap + (Size) st->cap * sizeof(HeatCell), "the aggregate");
		st->lbuf = st->lbuf ? medres_realloc_huge(st->lbuf, cap, 1, "the aggregate")
			: medres_alloc_huge(st->cxt, cap, 1, "the aggregate");
		st->lcap = cap;
	}
	memcpy(st->lbuf + st->llen, VARDATA_ANY(t), len);
	st->lbuf[st->llen + len] = '\0';
	st->llen += len + 1;
	return off;
}

/* heatmap_svg(row_label, col_label, value [, options]) */
PG_FUNCTION_INFO_V1(medres_heatmap_svg_trans);
Datum
medres_heatmap_svg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	HeatState  *st;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate transition called in non-aggregate context");
	st = PG_ARGISNULL(0) ? MemoryContextAllocZero(aggcxt, sizeof(HeatState))
		: (HeatState *) PG_GETARG_POINTER(0);
	st->cxt = aggcxt;
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		svg_options_keep(aggcxt, &st->options, svg_options_text(PG_GETARG_JSONB_P(4)));
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	if (st->n >= HEATMAP_MAX_CELLS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("heatmap_svg draws at most %lld cells", (long long) HEATMAP_MAX_CELLS)));
	if (st->n == st->cap)
	{
		int64		cap = Max(st->cap * 2, 256);

		medres_check_memory((Size) cap * sizeof(HeatCell) + st->lcap, "the aggregate");
		st->cells = st->cells ? medres_realloc_huge(st->cells, cap, sizeof(HeatCell), "the aggregate")
			: medres_alloc_huge(aggcxt, cap, sizeof(HeatCell), "the aggregate");
		st->cap = cap;
	}
	{
		HeatCell   *c = &st->cells[st->n];

		c->isnull = PG_ARGISNULL(3);
		c->v = c->isnull ? 0.0 : PG_GETARG_FLOAT8(3);
		if (!c->isnull)
			medres_check_finite("value", c->v);
		c->row = heat_label(st, PG_GETARG_TEXT_PP(1));
		c->col = heat_label(st, PG_GETARG_TEXT_PP(2));
		st->n++;
	}
	PG_RETURN_POINTER(st);
}

/* labels to ids in order of first appearance: sort (label, position), then number */
typedef struct LabelRef
{
	const char *s;
	int64		pos;			/* the cell */
} LabelRef;

static int
label_ref_cmp(const void *a, const void *b)
{
	const LabelRef *x = a,
			   *y = b;
	int			c = strcmp(x->s, y->s);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * ids[cell] = the label's number 0.. in order of first appearance; returns
 * how many labels, and *names gets them in that order.
 */
static int
number_labels(const HeatState *st, bool rows, int *ids, const char ***names)
{
	int64		n = st->n;
	LabelRef   *refs = medres_alloc_huge(CurrentMemoryContext, n, sizeof(LabelRef), "the heat map");
	int64	   *first = medres_alloc_huge(CurrentMemoryContext, n, sizeof(int64), "the heat map");
	int		   *rank;
	int			k = 0;

	for (int64 i = 0; i < n; i++)
	{
		refs[i].s = st->lbuf + (rows ? st->cells[i].row : st->cells[i].col);
		refs[i].pos = i;
	}
	qsort(refs, n, sizeof(LabelRef), label_ref_cmp);
	/* distinct labels, each with its first position */
	for (int64 i = 0; i < n; i++)
	{
		if (i == 0 || strcmp(refs[i].s, refs[i - 1].s) != 0)
		{
			if (k >= HEATMAP_MAX_LABELS)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("heatmap_svg draws at most %d distinct %s", HEATMAP_MAX_LABELS,
								rows ? "row labels" : "column labels")));
			first[k++] = refs[i].pos;
		}
		ids[refs[i].pos] = k - 1;	/* provisional: number in label order */
	}
	/* renumber in order of first appearance */
	{
		int64	   *order = palloc(sizeof(int64) * Max(k, 1));

		rank = palloc(sizeof(int) * Max(k, 1));
		for (int i = 0; i < k; i++)
			order[i] = first[i];
		/* k <= 1000: insertion by position is fine */
		for (int i = 1; i < k; i++)
		{
			int64		v = order[i];
			int			j = i - 1;

			while (j >= 0 && order[j] > v)
			{
				order[j + 1] = order[j];
				j--;
			}
			order[j + 1] = v;
		}
		*names = palloc(sizeof(char *) * Max(k, 1));
		for (int i = 0; i < k; i++)
		{
			int			label_id = ids[order[i]];

			rank[label_id] = i;
			(*names)[i] = st->lbuf + (rows ? st->cells[order[i]].row : st->cells[order[i]].col);
		}
		for (int64 i = 0; i < n; i++)
			ids[i] = rank[ids[i]];
	}
	return k;
}

PG_FUNCTION_INFO_V1(medres_heatmap_svg_final);
Datum
medres_heatmap_svg_final(PG_FUNCTION_ARGS)
{
	HeatState  *st = PG_ARGISNULL(0) ? NULL : (HeatState *) PG_GETARG_POINTER(0);
	SvgOptions	o;
	StringInfoData buf,
				values;
	int		   *rid,
			   *cid;
	const char **rnames,
			  **cnames;
	int			nr,
				nc;
	int64	   *where;
	double		lo = 0.0,
				hi = 0.0,
				left,
				top,
				cw,
				ch,
				rl_w = 0.0,
				cl_w = 0.0,
				bar_x;
	bool		any = false,
				rotate;

	if (st == NULL || st->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("heatmap_svg has no rows to draw"),
				 errdetail("Every row has a NULL row_label or col_label.")));
	svg_options_init(&o, 0, 0, "", "viridis");
	svg_parse_options(&o, st->options, "options",
					  SVG_OPT_COMMON | SVG_OPT_DIGITS | SVG_OPT_LEGEND | SVG_OPT_MIN | SVG_OPT_MAX,
					  NULL, NULL, NULL);
	rid = palloc(sizeof(int) * st->n);
	cid = palloc(sizeof(int) * st->n);
	nr = number_labels(st, true, rid, &rnames);
	nc = number_labels(st, false, cid, &cnames);

	/* each cell once */
	medres_check_memory((Size) nr * nc * sizeof(int64), "the heat map");
	where = medres_alloc_huge(CurrentMemoryContext, (Size) nr * nc, sizeof(int64), "the heat map");
	for (int64 i = 0; i < (int64) nr * nc; i++)
		where[i] = -1;
	for (int64 i = 0; i < st->n; i++)
	{
		int64		at = (int64) rid[i] * nc + cid[i];

		if (where[at] >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"value\": the cell of row \"%s\" and column \"%s\" is given twice",
							rnames[rid[i]], cnames[cid[i]]),
					 errhint("Aggregate the values per cell first, e.g. with GROUP BY.")));
		where[at] = i;
		if (!st->cells[i].isnull)
		{
			lo = any ? Min(lo, st->cells[i].v) : st->cells[i].v;
			hi = any ? Max(hi, st->cells[i].v) : st->cells[i].v;
			any = true;
		}
	}
	if (o.has_min)
		lo = o.min;
	if (o.has_max)
		hi = o.max;
	if (o.has_min != o.has_max && !(lo < hi))
		svg_opt_invalid("options", o.has_min ? "min" : "max",
						"The scale's minimum must be below its maximum.");
	/* a diverging palette centres on 0 when the values straddle it */
	if (o.palette->kind == SVG_DIVERGING && !o.has_min && !o.has_max && lo < 0 && hi > 0)
	{
		hi = Max(-lo, hi);
		lo = -hi;
	}

	/* layout */
	for (int i = 0; i < nr; i++)
		rl_w = Max(rl_w, svg_text_width(rnames[i], 12));
	for (int j = 0; j < nc; j++)
		cl_w = Max(cl_w, svg_text_width(cnames[j], 12));
	rl_w = Min(rl_w, 300.0);
	cl_w = Min(cl_w, 200.0);
	left = 12 + rl_w + 8;
	cw = (o.seen & SVG_OPT_WIDTH) ? (o.width - left - 110) / nc : Max(24.0, Min(64.0, 560.0 / nc));
	cw = Max(cw, 2.0);
	rotate = cl_w + 6 > cw;
	top = (o.title[0] != '\0' ? 40 : 12) + (rotate ? cl_w * 0.72 + 12 : 20);
	ch = (o.seen & SVG_OPT_HEIGHT) ? (o.height - top - 20) / nr : Max(14.0, Min(28.0, 560.0 / nr));
	ch = Max(ch, 2.0);
	bar_x = left + nc * cw + 24;
	if (!(o.seen & SVG_OPT_WIDTH))
		o.width = Max(bar_x + 90, svg_text_width(o.title, 15) + 20);
	if (!(o.seen & SVG_OPT_HEIGHT))
		o.height = Max(top + nr * ch + 20, top + Min(nr * ch, 240.0) + 24);

	initStringInfo(&buf);
	svg_begin(&buf, o.width, o.height, o.title);
	svg_title(&buf, o.width, o.title);
	svg_group_begin(&buf, "class=\"rows\" text-anchor=\"end\"");
	for (int i = 0; i < nr; i++)
		svg_text(&buf, left - 6, top + (i + 0.5) * ch + 4, NULL, 0, NULL, rnames[i]);
	svg_group_end(&buf);
	svg_group_begin(&buf, "class=\"columns\"");
	for (int j = 0; j < nc; j++)
	{
		double		x = left + (j + 0.5) * cw;

		if (rotate)
			svg_text(&buf, x, top - 6, SVG_START, -45, NULL, cnames[j]);
		else
			svg_text(&buf, x, top - 6, SVG_MIDDLE, 0, NULL, cnames[j]);
	}
	svg_group_end(&buf);

	initStringInfo(&values);
	svg_group_begin(&buf, "class=\"cells\" stroke=\"#ffffff\" stroke-width=\"1\"");
	for (int i = 0; i < nr; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < nc; j++)
		{
			int64		at = where[(int64) i * nc + j];
			double		x = left + j * cw,
						y = top + i * ch;
			char		hex[8];
			StringInfoData tip;

			if (at < 0)
				continue;		/* no row for this cell: background */
			initStringInfo(&tip);
			appendStringInfo(&tip, "%s, %s: ", rnames[i], cnames[j]);
			if (st->cells[at].isnull)
			{
				strcpy(hex, "#d9d9d9");
				appendStringInfoString(&tip, "NULL");
			}
			else
			{
				double		v = st->cells[at].v;
				svg_hex(svg_palette_at(o.palette, svg_scale_t(v, lo, hi)), hex);
				svg_value(&tip, v, o.digits);
			}
			svg_path_begin(&buf, hex, NULL, 0, NULL);
			svg_path_move(&buf, x, y);
			svg_path_lineto(&buf, x + cw, y);
			svg_path_lineto(&buf, x + cw, y + ch);
			svg_path_lineto(&buf, x, y + ch);
			svg_path_close(&buf);
			svg_path_end(&buf, tip.data);
			pfree(tip.data);
			/* the value in the cell where it fits, dark or light against the fill */
			if (!st->cells[at].isnull && cw >= 44 && ch >= 16)
			{
				SvgRGB		f = svg_palette_at(o.palette, svg_scale_t(st->cells[at].v, lo, hi));
				StringInfoData lab;

				initStringInfo(&lab);
				svg_value(&lab, st->cells[at].v, o.digits);
				svg_text(&values, x + cw / 2, y + ch / 2 + 4, SVG_MIDDLE, 0,
						 0.299 * f.r + 0.587 * f.g + 0.114 * f.b < 128 ?
						 "fill=\"#ffffff\"" : "fill=\"#000000\"", lab.data);
				pfree(lab.data);
			}
		}
	}
	svg_group_end(&buf);
	if (values.len > 0)
	{
		svg_group_begin(&buf, "class=\"values\" font-size=\"11\"");
		appendBinaryStringInfo(&buf, values.data, values.len);
		svg_group_end(&buf);
	}
	if (any || o.has_min || o.has_max)
		svg_colorbar(&buf, bar_x, top, 14, Min(nr * ch, 240.0), o.palette, lo, hi, o.digits,
					 o.legend);
	svg_end(&buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}
