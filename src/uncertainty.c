/*
 * uncertainty.c — confidence intervals and tests for the inequality
 * measures (doc/uncertainty.md): the aggregate state, its parallel support,
 * the canonical order of the rows and the fmgr glue.  The statistics on
 * the sorted rows are in se.c (estimates, analytic standard errors) and
 * bootstrap.c (replicates, the permutation test).
 *
 * Every aggregate keeps its rows (those with a positive weight) as
 * fixed-size records, like the rank-based measures of gini.c.  The final
 * function sorts them into a canonical order that depends only on the
 * multiset of rows: by value, then weight (inequality_ci); by rank_by, then
 * health, then weight (concentration_index_ci); by group name, value,
 * weight (ge_decomposition_ci, ge_between_test, dagum_decomposition_ci,
 * dagum_between_test).  Identical rows are
 * interchangeable, so the order is unique up to what cannot matter, and the
 * seeded random draws made in that order give the same interval whatever
 * the row order of the input and whether the plan was parallel.
 */
#include "medres.h"

#include "access/parallel.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

StaticAssertDecl(sizeof(UncXWG) == sizeof(RHW), "group records are sorted as RHW records");

static const char *const method_names[] = {"analytic", "bootstrap-percentile", "bootstrap-normal", NULL};
static const char *const variant_names[] = {"standard", "wagstaff", "erreygers", NULL};
static const char *const component_names[] = {"total", "between", "within", "between_share",
"within_share", NULL};

/* dagum_decomposition_ci's components and their COMP_* codes */
static const char *const dagum_component_names[] = {"total", "within", "net_between", "transvariation",
"within_share", "net_between_share", "transvariation_share", NULL};
static const int dagum_component_codes[] = {COMP_TOTAL, COMP_WITHIN, COMP_NET_BETWEEN, COMP_TRANSVARIATION,
COMP_WITHIN_SHARE, COMP_NET_BETWEEN_SHARE, COMP_TRANSVARIATION_SHARE};

#define DAGUM_COMPONENT_HINT "Valid values are \"total\", \"within\", \"net_between\", \"transvariation\", \"within_share\", \"net_between_share\" and \"transvariation_share\"."
#define METHOD_HINT "Valid values are \"analytic\", \"bootstrap-percentile\" and \"bootstrap-normal\"."
#define COMPONENT_HINT "Valid values are \"total\", \"between\", \"within\", \"between_share\" and \"within_share\"."
#define MEASURE_HINT "Valid values are \"gini\", \"theil_t\", \"theil_l\", \"ge(alpha)\" such as \"ge(2)\", \"atkinson(epsilon)\" such as \"atkinson(0.5)\", \"cv\" and \"hoover\"."

/* record layouts */
#define UNC_KIND_XW		0			/* inequality_ci: XW */
#define UNC_KIND_RHW	1			/* concentration_index_ci: RHW */
#define UNC_KIND_GRP	2			/* ge_decomposition_ci, ge_between_test: UncXWG */

typedef struct UncState
{
	int32		kind;
	int32		elemsize;
	bool		optset;
	UncOptions	opt;
	char	   *raw[2];			/* the first row's option texts, for a cheap equality test */
	Size		n,
				cap;
	int64		nrows;
	char	   *items;
	MemoryContext cxt;
	/* group names (UNC_KIND_GRP): gid -> name, and an open-addressing hash of them */
	int32		ngroups,
				gcap;
	char	  **gname;
	int32	   *glen;
	int32	   *htab;
	uint32		hmask;
	int32		last;
} UncState;

#define UNC_ITEM(st, i) ((st)->items + (Size) (i) * (st)->elemsize)

/* ---- options ---- */

static void
bad_option(const char *argname, const char *value, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for argument \"%s\": \"%s\"", argname, value),
			 errdetail("%s", detail)));
}

/* "ge(2)" -> 2: the number between "name(" and ")" or false */
static bool
parse_param(const char *s, const char *name, double *v)
{
	size_t		len = strlen(name);
	char	   *end;

	if (strncmp(s, name, len) != 0 || s[len] != '(')
		return false;
	errno = 0;
	*v = strtod(s + len + 1, &end);
	if (end == s + len + 1 || errno != 0)
		return false;
	while (*end == ' ')
		end++;
	return end[0] == ')' && end[1] == '\0';
}

/* the measure text of inequality_ci: its MS_* and alpha (1 - epsilon for Atkinson) */
static void
parse_measure(const char *s, int *measure, double *alpha)
{
	double		p;

	*alpha = 0.0;
	if (strcmp(s, "gini") == 0)
		*measure = MS_GINI;
	else if (strcmp(s, "cv") == 0)
		*measure = MS_CV;
	else if (strcmp(s, "hoover") == 0)
		*measure = MS_HOOVER;
	else if (strcmp(s, "theil_t") == 0)
	{
		*measure = MS_GE;
		*alpha = 1.0;
	}
	else if (strcmp(s, "theil_l") == 0)
		*measure = MS_GE;
	else if (parse_param(s, "ge", &p))
	{
		medres_check_ge_alpha(p);
		*measure = MS_GE;
		*alpha = p + 0.0;
	}
	else if (parse_param(s, "atkinson", &p))
	{
		if (!(p >= 0.0 && p <= DBL_MAX))
			bad_option("epsilon", medres_float_text(p),
					   "The inequality aversion epsilon must be finite and non-negative.");
		*measure = MS_ATKINSON;
		*alpha = 1.0 - p;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"measure\": \"%s\"", s),
				 errhint(MEASURE_HINT)));
}

static void
check_level(double level)
{
	if (!(level > 0.0 && level < 1.0))
		bad_option("level", medres_float_text(level),
				   "The confidence level must lie strictly between 0 and 1.");
}

static void
check_replicates(int64 r, const char *argname)
{
	if (r < 2 || r > UNC_REPLICATES_MAX)
	{
		char		buf[32];

		snprintf(buf, sizeof(buf), INT64_FORMAT, r);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"%s\": \"%s\"", argname, buf),
				 errdetail("The number of %s must be between 2 and %d.", argname, UNC_REPLICATES_MAX)));
	}
}

static void
option_changed(const char *argname)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be the same for every row of a group", argname)));
}

/*
 * Option arguments arrive with every row.  The first row's are parsed and
 * kept; later rows are compared with them (bytes first, which is all the
 * usual constant argument costs).  A NULL option means its default.
 */
static bool
text_arg_is(FunctionCallInfo fcinfo, int argno, const char *raw)
{
	text	   *t;

	if (PG_ARGISNULL(argno))
		return raw == NULL;
	if (raw == NULL)
		return false;
	t = PG_GETARG_TEXT_PP(argno);
	return VARSIZE_ANY_EXHDR(t) == strlen(raw) && memcmp(VARDATA_ANY(t), raw, strlen(raw)) == 0;
}

static char *
text_arg(FunctionCallInfo fcinfo, int argno)
{
	return argno < PG_NARGS() && !PG_ARGISNULL(argno) ? text_to_cstring(PG_GETARG_TEXT_PP(argno)) : NULL;
}

/* the options of a row: fills o (and raw texts on the first row) */
typedef struct ArgLayout
{
	int			measure;		/* argno of the measure text, or -1 */
	int			component;		/* argno of the component text, or -1 */
	int			alpha;			/* argno of alpha, or -1 */
	int			method;			/* argno of method, or -1 (then a fixed method) */
	int			level;
	int			replicates;
	int			seed;
	int			fixed_measure;
	int			default_method;
	int			default_replicates;
	const char *replicates_name;
	int			variant;		/* argnos of the concentration index's variant and bounds, or 0 */
	int			lower;
	int			upper;
	bool		dagum;			/* the component names of dagum_decomposition_ci */
} ArgLayout;

static void
read_options(FunctionCallInfo fcinfo, const ArgLayout *L, UncOptions *o, char **raw0, char **raw1)
{
	int			nargs = PG_NARGS();
	char	   *s;

	memset(o, 0, sizeof(*o));
	o->measure = L->fixed_measure;
	if (L->measure >= 0)
	{
		s = text_arg(fcinfo, L->measure);
		if (s == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"measure\": NULL"),
					 errhint(MEASURE_HINT)));
		parse_measure(s, &o->measure, &o->param);
		if (raw0)
			*raw0 = s;
	}
	if (L->component >= 0)
	{
		s = text_arg(fcinfo, L->component);
		if (L->dagum)
			o->component = s == NULL ? COMP_NET_BETWEEN_SHARE :
				dagum_component_codes[medres_parse_option(PG_GETARG_TEXT_PP(L->component), "component",
														  dagum_component_names, 0,
														  DAGUM_COMPONENT_HINT)];
		else
			o->component = s == NULL ? COMP_BETWEEN_SHARE :
				medres_parse_option(PG_GETARG_TEXT_PP(L->component), "component", component_names, 0,
									COMPONENT_HINT);
		if (raw0)
			*raw0 = s;
	}
	if (L->alpha >= 0)
	{
		o->param = PG_ARGISNULL(L->alpha) ? 1.0 : PG_GETARG_FLOAT8(L->alpha) + 0.0;
		medres_check_ge_alpha(o->param);
	}
	o->method = L->default_method;
	if (L->method >= 0 && L->method < nargs)
	{
		s = text_arg(fcinfo, L->method);
		if (s != NULL)
			o->method = medres_parse_option(PG_GETARG_TEXT_PP(L->method), "method", method_names, 0,
											METHOD_HINT);
		if (raw1)
			*raw1 = s;
	}
	o->level = 0.95;
	if (L->level < nargs && !PG_ARGISNULL(L->level))
		o->level = PG_GETARG_FLOAT8(L->level);
	check_level(o->level);
	o->replicates = L->default_replicates;
	if (L->replicates < nargs && !PG_ARGISNULL(L->replicates))
	{
		check_replicates(PG_GETARG_INT32(L->replicates), L->replicates_name);
		o->replicates = PG_GETARG_INT32(L->replicates);
	}
	o->seed = 0;
	if (L->seed < nargs && !PG_ARGISNULL(L->seed))
		o->seed = PG_GETARG_INT64(L->seed);
	o->variant = CONC_STANDARD;
	o->lower = 0.0;
	o->upper = 1.0;
	if (L->variant > 0 && L->variant < nargs)
	{
		s = text_arg(fcinfo, L->variant);
		if (s != NULL)
			o->variant = medres_parse_option(PG_GETARG_TEXT_PP(L->variant), "variant", variant_names, 0,
											 "Valid values are \"standard\", \"wagstaff\" and \"erreygers\".");
		if (raw0)
			*raw0 = s;
		o->bounds = !PG_ARGISNULL(L->lower) || !PG_ARGISNULL(L->upper);
		if (o->bounds)
		{
			if (o->variant != CONC_ERREYGERS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("bounds apply only to the \"erreygers\" variant")));
			o->lower = PG_ARGISNULL(L->lower) ? 0.0 : PG_GETARG_FLOAT8(L->lower);
			o->upper = PG_ARGISNULL(L->upper) ? 1.0 : PG_GETARG_FLOAT8(L->upper);
			medres_check_finite("lower", o->lower);
			medres_check_finite("upper", o->upper);
			if (!(o->lower < o->upper))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid bounds: lower \"%s\" is not below upper \"%s\"",
								medres_float_text(o->lower), medres_float_text(o->upper))));
		}
	}
	if (o->measure == MS_DEC && o->method == METHOD_ANALYTIC)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"method\": \"analytic\""),
				 errdetail("The components of ge_decomposition have bootstrap intervals only."),
				 errhint("Use \"bootstrap-percentile\" or \"bootstrap-normal\".")));
	if (o->measure == MS_DAGUM && o->method == METHOD_ANALYTIC)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"method\": \"analytic\""),
				 errdetail("The components of dagum_decomposition have bootstrap intervals only: no analytic standard error is offered for them."),
				 errhint("Use \"bootstrap-percentile\" or \"bootstrap-normal\".")));
}

static void
check_options(FunctionCallInfo fcinfo, UncState *st, const ArgLayout *L)
{
	int			nargs = PG_NARGS();
	UncOptions	o;

	if (!st->optset)
	{
		read_options(fcinfo, L, &st->opt, &st->raw[0], &st->raw[1]);
		if (st->raw[0])
			st->raw[0] = MemoryContextStrdup(st->cxt, st->raw[0]);
		if (st->raw[1])
			st->raw[1] = MemoryContextStrdup(st->cxt, st->raw[1]);
		st->optset = true;
		return;
	}
	/* the usual case: the same constants as on the first row */
	if ((L->measure < 0 || text_arg_is(fcinfo, L->measure, st->raw[0])) &&
		(L->component < 0 || text_arg_is(fcinfo, L->component, st->raw[0])) &&
		(L->method < 0 || L->method >= nargs || text_arg_is(fcinfo, L->method, st->raw[1])) &&
		(L->alpha < 0 || (!PG_ARGISNULL(L->alpha) && PG_GETARG_FLOAT8(L->alpha) + 0.0 == st->opt.param)) &&
		(L->level >= nargs || (!PG_ARGISNULL(L->level) && PG_GETARG_FLOAT8(L->level) == st->opt.level)) &&
		(L->replicates >= nargs ||
		 (!PG_ARGISNULL(L->replicates) && PG_GETARG_INT32(L->replicates) == st->opt.replicates)) &&
		(L->seed >= nargs || (!PG_ARGISNULL(L->seed) && PG_GETARG_INT64(L->seed) == st->opt.seed)) &&
		(L->variant <= 0 || L->variant >= nargs ||
		 (text_arg_is(fcinfo, L->variant, st->raw[0]) && !st->opt.bounds &&
		  PG_ARGISNULL(L->lower) && PG_ARGISNULL(L->upper))))
		return;
	read_options(fcinfo, L, &o, NULL, NULL);
	if (o.measure != st->opt.measure || (L->measure >= 0 && o.param != st->opt.param))
		option_changed("measure");
	if (o.param != st->opt.param)
		option_changed("alpha");
	if (o.component != st->opt.component)
		option_changed("component");
	if (o.method != st->opt.method)
		option_changed("method");
	if (o.level != st->opt.level)
		option_changed("level");
	if (o.replicates != st->opt.replicates)
		option_changed(L->replicates_name);
	if (o.seed != st->opt.seed)
		option_changed("seed");
	if (o.variant != st->opt.variant)
		option_changed("variant");
	if (o.lower != st->opt.lower || o.upper != st->opt.upper)
		option_changed("bounds");
}

/* ---- state ---- */

static UncState *
unc_state_new(MemoryContext cxt, int kind)
{
	UncState   *st = MemoryContextAllocZero(cxt, sizeof(UncState));

	st->kind = kind;
	st->elemsize = kind == UNC_KIND_XW ? sizeof(XW) : sizeof(RHW);
	st->cxt = cxt;
	st->last = -1;
	return st;
}

static UncState *
unc_get_state(FunctionCallInfo fcinfo, int kind)
{
	MemoryContext aggcxt;

	if (likely(!PG_ARGISNULL(0)))
		return (UncState *) PG_GETARG_POINTER(0);
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres aggregate transition called in non-aggregate context");
	return unc_state_new(aggcxt, kind);
}

static void
unc_reserve(UncState *st, Size need)
{
	Size		newcap;

	if (need <= st->cap)
		return;
	newcap = Max(Max(st->cap * 2, (Size) 16), need);	/* small: GROUP BY may make millions of states */
	if (newcap > MaxAllocHugeSize / st->elemsize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for one aggregate state")));
	medres_check_memory(newcap * st->elemsize, "the aggregate state");
	if (st->items == NULL)
		st->items = medres_alloc_huge(st->cxt, newcap, st->elemsize, "the aggregate state");
	else
		st->items = medres_realloc_huge(st->items, newcap, st->elemsize, "the aggregate state");
	st->cap = newcap;
}

static inline void
unc_append(UncState *st, const void *rec)
{
	if (unlikely(st->n == st->cap))
		unc_reserve(st, st->n + 1);
	memcpy(UNC_ITEM(st, st->n), rec, st->elemsize);
	st->n++;
}

/* the id of a group name, adding it if new */
static int32
unc_group_id(UncState *st, const char *name, int32 len)
{
	uint32		h;

	if (st->last >= 0 && st->glen[st->last] == len && memcmp(st->gname[st->last], name, len) == 0)
		return st->last;
	if (st->htab == NULL || (uint32) st->ngroups * 2 >= st->hmask + 1)
	{
		uint32		size = st->htab == NULL ? 64 : (st->hmask + 1) * 2;

		medres_check_memory((Size) size * (sizeof(int32) + sizeof(char *) + sizeof(int32)),
							"the groups");
		if (st->htab)
			pfree(st->htab);
		st->htab = MemoryContextAlloc(st->cxt, size * sizeof(int32));
		memset(st->htab, -1, size * sizeof(int32));
		st->hmask = size - 1;
		for (int g = 0; g < st->ngroups; g++)
		{
			uint32		k = hash_bytes((const unsigned char *) st->gname[g], st->glen[g]) & st->hmask;

			while (st->htab[k] >= 0)
				k = (k + 1) & st->hmask;
			st->htab[k] = g;
		}
	}
	h = hash_bytes((const unsigned char *) name, len) & st->hmask;
	while (st->htab[h] >= 0)
	{
		int32		g = st->htab[h];

		if (st->glen[g] == len && memcmp(st->gname[g], name, len) == 0)
			return st->last = g;
		h = (h + 1) & st->hmask;
	}
	if (st->ngroups == st->gcap)
	{
		st->gcap = Max(16, st->gcap * 2);
		if (st->gname == NULL)
		{
			st->gname = MemoryContextAlloc(st->cxt, st->gcap * sizeof(char *));
			st->glen = MemoryContextAlloc(st->cxt, st->gcap * sizeof(int32));
		}
		else
		{
			st->gname = repalloc(st->gname, st->gcap * sizeof(char *));
			st->glen = repalloc(st->glen, st->gcap * sizeof(int32));
		}
	}
	st->gname[st->ngroups] = MemoryContextAlloc(st->cxt, Max(len, 1));
	memcpy(st->gname[st->ngroups], name, len);
	st->glen[st->ngroups] = len;
	st->htab[h] = st->ngroups;
	return st->last = st->ngroups++;
}

/* a value for a measure that takes its logarithm or a negative power at 0 */
static void
check_value(const UncOptions *o, double x)
{
	if (o->measure == MS_CV)
	{
		medres_check_finite("value", x);
		return;
	}
	medres_check_nonnegative("value", x);
	if (x == 0.0 && (o->measure == MS_GE || o->measure == MS_ATKINSON || o->measure == MS_DEC ||
					 o->measure == MS_TEST) && o->param <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"value\": \"0\""),
				 errdetail("This index takes the logarithm or a negative power of every value, so values must be positive."),
				 errhint("Use a positive order (for example theil_t), or leave out the rows with value 0.")));
}

/* ---- transition functions ---- */

/* inequality_ci(measure, value, weight [, method [, level [, replicates, seed]]]) */
static const ArgLayout L_ineq = {1, -1, -1, 4, 5, 6, 7, -1, METHOD_ANALYTIC, UNC_DEFAULT_REPLICATES, "replicates"};

/* concentration_index_ci(health, rank_by, weight [, method [, level [, replicates, seed]]]) */
static const ArgLayout L_conc = {-1, -1, -1, 4, 5, 6, 7, MS_CONC, METHOD_ANALYTIC, UNC_DEFAULT_REPLICATES, "replicates"};

/* concentration_index_ci(health, rank_by, weight, variant, lower, upper, method, level, replicates, seed) */
static const ArgLayout L_conc_v = {-1, -1, -1, 7, 8, 9, 10, MS_CONC, METHOD_ANALYTIC, UNC_DEFAULT_REPLICATES,
"replicates", 4, 5, 6};

/* ge_decomposition_ci(value, weight, grp, alpha, component [, method [, level [, replicates, seed]]]) */
static const ArgLayout L_dec = {-1, 5, 4, 6, 7, 8, 9, MS_DEC, METHOD_PERCENTILE, UNC_DEFAULT_REPLICATES, "replicates"};

/* ge_between_test(value, weight, grp, alpha [, permutations, seed]) */
static const ArgLayout L_test = {-1, -1, 4, -1, 99, 5, 6, MS_TEST, METHOD_PERCENTILE, UNC_DEFAULT_PERMUTATIONS, "permutations"};

PG_FUNCTION_INFO_V1(medres_unc_trans);
Datum
medres_unc_trans(PG_FUNCTION_ARGS)
{
	UncState   *st = unc_get_state(fcinfo, UNC_KIND_XW);
	XW			rec;

	check_options(fcinfo, st, &L_ineq);
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	rec.x = PG_GETARG_FLOAT8(2) + 0.0;
	rec.w = PG_GETARG_FLOAT8(3);
	check_value(&st->opt, rec.x);
	medres_check_weight(rec.w);
	st->nrows++;
	if (rec.w > 0.0)
		unc_append(st, &rec);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(medres_unc_conc_trans);
Datum
medres_unc_conc_trans(PG_FUNCTION_ARGS)
{
	UncState   *st = unc_get_state(fcinfo, UNC_KIND_RHW);
	RHW			rec;

	check_options(fcinfo, st, PG_NARGS() > 8 ? &L_conc_v : &L_conc);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	rec.h = PG_GETARG_FLOAT8(1) + 0.0;
	rec.r = PG_GETARG_FLOAT8(2) + 0.0;
	rec.w = PG_GETARG_FLOAT8(3);
	medres_check_finite("health", rec.h);
	medres_check_finite("rank_by", rec.r);
	medres_check_weight(rec.w);
	if (st->opt.variant != CONC_STANDARD && (rec.h < st->opt.lower || rec.h > st->opt.upper))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"health\": \"%s\"", medres_float_text(rec.h)),
				 errdetail("The %s variant needs health values within [%s, %s].",
						   variant_names[st->opt.variant], medres_float_text(st->opt.lower),
						   medres_float_text(st->opt.upper))));
	st->nrows++;
	if (rec.w > 0.0)
		unc_append(st, &rec);
	PG_RETURN_POINTER(st);
}

static Datum
group_trans(FunctionCallInfo fcinfo, const ArgLayout *L)
{
	UncState   *st = unc_get_state(fcinfo, UNC_KIND_GRP);
	UncXWG		rec;
	text	   *g;

	check_options(fcinfo, st, L);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	rec.x = PG_GETARG_FLOAT8(1) + 0.0;
	rec.w = PG_GETARG_FLOAT8(2);
	check_value(&st->opt, rec.x);
	medres_check_weight(rec.w);
	st->nrows++;
	if (rec.w > 0.0)
	{
		g = PG_GETARG_TEXT_PP(3);
		rec.g = unc_group_id(st, VARDATA_ANY(g), VARSIZE_ANY_EXHDR(g));
		unc_append(st, &rec);
	}
	PG_RETURN_POINTER(st);
}

/* dagum_decomposition_ci(value, weight, grp, component [, method [, level [, replicates, seed]]]) */
static const ArgLayout L_dagum = {-1, 4, -1, 5, 6, 7, 8, MS_DAGUM, METHOD_PERCENTILE, UNC_DEFAULT_REPLICATES,
"replicates", 0, 0, 0, true};

/* dagum_between_test(value, weight, grp [, permutations, seed]) */
static const ArgLayout L_dagum_test = {-1, -1, -1, -1, 99, 4, 5, MS_DAGUM_TEST, METHOD_PERCENTILE,
UNC_DEFAULT_PERMUTATIONS, "permutations"};

PG_FUNCTION_INFO_V1(medres_unc_dagum_trans);
Datum
medres_unc_dagum_trans(PG_FUNCTION_ARGS)
{
	return group_trans(fcinfo, &L_dagum);
}

PG_FUNCTION_INFO_V1(medres_unc_dagum_test_trans);
Datum
medres_unc_dagum_test_trans(PG_FUNCTION_ARGS)
{
	return group_trans(fcinfo, &L_dagum_test);
}

PG_FUNCTION_INFO_V1(medres_unc_dec_trans);
Datum
medres_unc_dec_trans(PG_FUNCTION_ARGS)
{
	return group_trans(fcinfo, &L_dec);
}

PG_FUNCTION_INFO_V1(medres_unc_test_trans);
Datum
medres_unc_test_trans(PG_FUNCTION_ARGS)
{
	return group_trans(fcinfo, &L_test);
}

/* ---- parallel support ---- */

static bool
options_equal(const UncOptions *a, const UncOptions *b)
{
	return a->measure == b->measure && a->method == b->method && a->component == b->component &&
		a->replicates == b->replicates && a->param == b->param && a->level == b->level &&
		a->seed == b->seed && a->variant == b->variant && a->bounds == b->bounds &&
		a->lower == b->lower && a->upper == b->upper;
}

PG_FUNCTION_INFO_V1(medres_unc_combine);
Datum
medres_unc_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	UncState   *a,
			   *b;
	int32	   *remap = NULL;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "medres combine function called in non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	b = (UncState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
		a = unc_state_new(aggcxt, b->kind);
	else
		a = (UncState *) PG_GETARG_POINTER(0);
	if (a->kind != b->kind)
		medres_state_invalid("Two interval aggregate states of different kinds cannot be combined.");
	if (b->optset)
	{
		if (!a->optset)
		{
			a->opt = b->opt;
			a->optset = true;
			a->raw[0] = b->raw[0] ? MemoryContextStrdup(a->cxt, b->raw[0]) : NULL;
			a->raw[1] = b->raw[1] ? MemoryContextStrdup(a->cxt, b->raw[1]) : NULL;
		}
		else if (!options_equal(&a->opt, &b->opt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options must be the same for every row of a group")));
	}
	a->nrows += b->nrows;
	if (b->kind == UNC_KIND_GRP && b->ngroups > 0)
	{
		remap = palloc(b->ngroups * sizeof(int32));
		for (int g = 0; g < b->ngroups; g++)
			remap[g] = unc_group_id(a, b->gname[g], b->glen[g]);
	}
	unc_reserve(a, a->n + b->n);
	for (Size i = 0; i < b->n; i++)
	{
		if (remap)
		{
			UncXWG		rec;

			memcpy(&rec, UNC_ITEM(b, i), sizeof(rec));
			rec.g = remap[(int) rec.g];
			memcpy(UNC_ITEM(a, a->n + i), &rec, sizeof(rec));
		}
		else
			memcpy(UNC_ITEM(a, a->n + i), UNC_ITEM(b, i), a->elemsize);
		if ((i & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

/*
 * The serialized form: this header, the group names (each an int32 length
 * and its bytes), then the n records.
 */
#define UNC_STATE_VERSION 1

typedef struct UncStateHeader
{
	MedresStateTag tag;
	int32		optset;
	int32		ngroups;
	int64		n;
	int64		nrows;
	int64		names_len;
	UncOptions	opt;
} UncStateHeader;

PG_FUNCTION_INFO_V1(medres_unc_serialize);
Datum
medres_unc_serialize(PG_FUNCTION_ARGS)
{
	UncState   *st = (UncState *) PG_GETARG_POINTER(0);
	UncStateHeader hdr;
	Size		names = 0,
				payload,
				total;
	bytea	   *out;
	char	   *p;

	for (int g = 0; g < st->ngroups; g++)
		names += sizeof(int32) + st->glen[g];
	payload = st->n * st->elemsize;
	if (payload > MaxAllocSize - VARHDRSZ - sizeof(hdr) - names)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("aggregate state of %zu rows is too large to pass between parallel processes",
						(size_t) st->n),
				 errhint("Run the query without parallel workers: SET max_parallel_workers_per_gather = 0.")));
	memset(&hdr, 0, sizeof(hdr));
	medres_state_tag(&hdr.tag, MEDRES_STATE_UNC_XW + st->kind, UNC_STATE_VERSION);
	hdr.optset = st->optset;
	hdr.ngroups = st->ngroups;
	hdr.n = st->n;
	hdr.nrows = st->nrows;
	hdr.names_len = names;
	hdr.opt = st->opt;
	total = VARHDRSZ + sizeof(hdr) + names + payload;
	out = palloc(total);
	SET_VARSIZE(out, total);
	p = VARDATA(out);
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (int g = 0; g < st->ngroups; g++)
	{
		memcpy(p, &st->glen[g], sizeof(int32));
		memcpy(p + sizeof(int32), st->gname[g], st->glen[g]);
		p += sizeof(int32) + st->glen[g];
	}
	if (payload > 0)
		memcpy(p, st->items, payload);
	PG_RETURN_BYTEA_P(out);
}

static bool
options_valid(const UncOptions *o, int kind)
{
	if (!(o->level > 0.0 && o->level < 1.0) || o->replicates < 2 || o->replicates > UNC_REPLICATES_MAX ||
		!(o->param >= -DBL_MAX && o->param <= GE_ALPHA_MAX) ||
		o->method < 0 || o->method > METHOD_NORMAL || o->component < 0 ||
		o->component > (o->measure == MS_DAGUM ? COMP_TRANSVARIATION_SHARE : COMP_WITHIN_SHARE) ||
		(o->measure == MS_DAGUM && (o->component == COMP_BETWEEN || o->component == COMP_BETWEEN_SHARE ||
									o->method == METHOD_ANALYTIC)) ||
		(o->measure == MS_DEC && o->method == METHOD_ANALYTIC) ||
		o->variant < CONC_STANDARD || o->variant > CONC_ERREYGERS || (o->bounds != 0 && o->bounds != 1) ||
		!(isfinite(o->lower) && isfinite(o->upper) && o->lower < o->upper))
		return false;
	switch (kind)
	{
		case UNC_KIND_XW:
			return o->measure >= MS_GINI && o->measure <= MS_HOOVER;
		case UNC_KIND_RHW:
			return o->measure == MS_CONC;
		default:
			return o->measure == MS_DEC || o->measure == MS_TEST || o->measure == MS_DAGUM ||
				o->measure == MS_DAGUM_TEST;
	}
}

PG_FUNCTION_INFO_V1(medres_unc_deserialize);
Datum
medres_unc_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(in);
	const char *data = VARDATA_ANY(in),
			   *p;
	UncStateHeader hdr;
	UncState   *st;
	MemoryContext aggcxt;
	int			kind;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	kind = medres_state_check(data, len, sizeof(hdr), MEDRES_STATE_UNC_XW, MEDRES_STATE_UNC_GRP,
							  UNC_STATE_VERSION) - MEDRES_STATE_UNC_XW;
	memcpy(&hdr, data, sizeof(hdr));
	st = unc_state_new(aggcxt, kind);
	if (hdr.n < 0 || hdr.nrows < hdr.n || hdr.ngroups < 0 || hdr.names_len < 0 ||
		(hdr.optset != 0 && hdr.optset != 1) ||
		(kind != UNC_KIND_GRP && (hdr.ngroups != 0 || hdr.names_len != 0)) ||
		(Size) hdr.names_len > len - sizeof(hdr) ||
		(uint64) hdr.n > (len - sizeof(hdr) - hdr.names_len) / st->elemsize ||
		len != sizeof(hdr) + hdr.names_len + (Size) hdr.n * st->elemsize ||
		(uint64) hdr.ngroups > (uint64) hdr.names_len / sizeof(int32) ||
		(hdr.optset && !options_valid(&hdr.opt, kind)))
		medres_state_invalid("The fields of the interval aggregate state are inconsistent.");
	st->optset = hdr.optset != 0;
	st->opt = hdr.opt;
	st->nrows = hdr.nrows;
	p = data + sizeof(hdr);
	for (int g = 0; g < hdr.ngroups; g++)
	{
		int32		glen;

		if (p + sizeof(int32) > data + sizeof(hdr) + hdr.names_len)
			medres_state_invalid("The group names of the interval aggregate state are truncated.");
		memcpy(&glen, p, sizeof(int32));
		if (glen < 0 || glen > data + sizeof(hdr) + hdr.names_len - p - (int64) sizeof(int32))
			medres_state_invalid("The group names of the interval aggregate state are truncated.");
		if (unc_group_id(st, p + sizeof(int32), glen) != g)
			medres_state_invalid("The group names of the interval aggregate state repeat.");
		p += sizeof(int32) + glen;
	}
	if (p != data + sizeof(hdr) + hdr.names_len)
		medres_state_invalid("The group names of the interval aggregate state do not fill their space.");
	if (hdr.n > 0)
	{
		unc_reserve(st, hdr.n);
		memcpy(st->items, p, hdr.n * st->elemsize);
	}
	st->n = hdr.n;
	for (Size i = 0; i < st->n; i++)
	{
		const double *r = (const double *) UNC_ITEM(st, i);
		bool		ok;

		if (kind == UNC_KIND_XW)
			ok = isfinite(r[0]) && r[1] > 0.0 && r[1] <= DBL_MAX;
		else if (kind == UNC_KIND_RHW)
			ok = isfinite(r[0]) && isfinite(r[1]) && r[2] > 0.0 && r[2] <= DBL_MAX;
		else
			ok = isfinite(r[0]) && r[1] > 0.0 && r[1] <= DBL_MAX && r[2] >= 0.0 &&
				r[2] < st->ngroups && r[2] == floor(r[2]);
		if (!ok)
			medres_state_invalid("The records of the interval aggregate state are not finite and positively weighted.");
		if ((i & 0xFFFFF) == 0xFFFFF)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_POINTER(st);
}

/* ---- the canonical order ---- */

static int
cmp_double(double a, double b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

/* after the sort by the first field: the rest of the record breaks ties */
static int
cmp_xw_tail(const void *a, const void *b)
{
	return cmp_double(((const XW *) a)->w, ((const XW *) b)->w);
}

static int
cmp_rhw_tail(const void *a, const void *b)
{
	const RHW  *p = a,
			   *q = b;
	int			c = cmp_double(p->h, q->h);

	return c != 0 ? c : cmp_double(p->w, q->w);
}

static int
cmp_xwg_tail(const void *a, const void *b)
{
	const UncXWG *p = a,
			   *q = b;
	int			c = cmp_double(p->w, q->w);

	return c != 0 ? c : cmp_double(p->g, q->g);
}

static int
cmp_names(const char *a, int32 la, const char *b, int32 lb)
{
	int			c = memcmp(a, b, Min(la, lb));

	return c != 0 ? c : (la > lb) - (la < lb);
}

static UncState *qsort_names_state;

static int
cmp_gid_by_name(const void *a, const void *b)
{
	int32		g = *(const int32 *) a,
				h = *(const int32 *) b;

	return cmp_names(qsort_names_state->gname[g], qsort_names_state->glen[g],
					 qsort_names_state->gname[h], qsort_names_state->glen[h]);
}

/*
 * Sort a long run of records with cmp: blocks of 32 by qsort, then
 * bottom-up merges through a buffer, answering cancel between merges (a run
 * of 100 million tied values takes several seconds).
 */
static void
sort_run(char *a, Size n, int es, int (*cmp) (const void *, const void *))
{
	char	   *buf,
			   *src = a,
			   *dst;

	for (Size i = 0; i < n; i += 32)
		qsort(a + i * es, Min((Size) 32, n - i), es, cmp);
	if (n <= 32)
		return;
	medres_check_memory(n * es * 2, "the sorted rows");
	buf = medres_alloc_huge(CurrentMemoryContext, n, es, "the sorted rows");
	dst = buf;
	for (Size width = 32; width < n; width *= 2)
	{
		for (Size lo = 0; lo < n; lo += 2 * width)
		{
			Size		mid = Min(lo + width, n),
						hi = Min(lo + 2 * width, n),
						p = lo,
						q = mid,
						k = lo;

			while (p < mid && q < hi)
			{
				if (cmp(src + q * es, src + p * es) < 0)
					memcpy(dst + (k++) * es, src + (q++) * es, es);
				else
					memcpy(dst + (k++) * es, src + (p++) * es, es);
			}
			memcpy(dst + k * es, src + p * es, (mid - p) * es);
			k += mid - p;
			memcpy(dst + k * es, src + q * es, (hi - q) * es);
			CHECK_FOR_INTERRUPTS();
		}
		{
			char	   *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != a)
		memcpy(a, src, n * es);
	pfree(buf);
}

/*
 * Sort the records canonically: the radix sort of sort.c orders them by
 * their first field, each run of equal first fields is then sorted by the
 * rest; group records are renumbered by group name first and finally
 * arranged group by group (a stable counting sort).
 */
static void
unc_sort(UncState *st)
{
	Size		i = 0;
	int			(*cmp) (const void *, const void *) =
		st->kind == UNC_KIND_XW ? cmp_xw_tail : st->kind == UNC_KIND_RHW ? cmp_rhw_tail : cmp_xwg_tail;

	if (st->kind == UNC_KIND_GRP)
	{
		int32	   *order = palloc(st->ngroups * sizeof(int32)),
				   *rank = palloc(st->ngroups * sizeof(int32));

		for (int g = 0; g < st->ngroups; g++)
			order[g] = g;
		qsort_names_state = st;
		qsort(order, st->ngroups, sizeof(int32), cmp_gid_by_name);
		for (int g = 0; g < st->ngroups; g++)
			rank[order[g]] = g;
		for (Size k = 0; k < st->n; k++)
		{
			UncXWG	   *r = (UncXWG *) UNC_ITEM(st, k);

			r->g = rank[(int) r->g];
		}
		/*
		 * The state stays valid for later rows (a window aggregate calls the
		 * final function again): the names take the new ids, the hash is rebuilt.
		 */
		{
			char	  **names = palloc(st->ngroups * sizeof(char *));
			int32	   *lens = palloc(st->ngroups * sizeof(int32));

			for (int g = 0; g < st->ngroups; g++)
			{
				names[rank[g]] = st->gname[g];
				lens[rank[g]] = st->glen[g];
			}
			memcpy(st->gname, names, st->ngroups * sizeof(char *));
			memcpy(st->glen, lens, st->ngroups * sizeof(int32));
			memset(st->htab, -1, (st->hmask + 1) * sizeof(int32));
			for (int g = 0; g < st->ngroups; g++)
			{
				uint32		k = hash_bytes((const unsigned char *) st->gname[g], st->glen[g]) & st->hmask;

				while (st->htab[k] >= 0)
					k = (k + 1) & st->hmask;
				st->htab[k] = g;
			}
			st->last = -1;
			pfree(names);
			pfree(lens);
		}
		pfree(order);
		pfree(rank);
	}
	medres_sort_records(st->items, st->n, st->elemsize);
	while (i < st->n)
	{
		Size		j = i + 1;
		double		key = *(const double *) UNC_ITEM(st, i);

		while (j < st->n && *(const double *) UNC_ITEM(st, j) == key)
			j++;
		if (j - i > 1)
			sort_run(UNC_ITEM(st, i), j - i, st->elemsize, cmp);
		i = j;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (st->kind == UNC_KIND_GRP && st->ngroups > 1)
	{
		/* stable counting sort by group */
		Size	   *start;
		UncXWG	   *out;
		const UncXWG *in = (const UncXWG *) st->items;

		medres_check_memory(st->n * sizeof(UncXWG) * 2, "the sorted rows");
		start = palloc0((st->ngroups + 1) * sizeof(Size));
		out = medres_alloc_huge(CurrentMemoryContext, st->n, sizeof(UncXWG), "the sorted rows");
		for (Size k = 0; k < st->n; k++)
			start[(int) in[k].g + 1]++;
		for (int g = 0; g < st->ngroups; g++)
			start[g + 1] += start[g];
		for (Size k = 0; k < st->n; k++)
			out[start[(int) in[k].g]++] = in[k];
		memcpy(st->items, out, st->n * sizeof(UncXWG));
		pfree(out);
		pfree(start);
	}
}

/* ---- final functions ---- */

static void
too_few_rows(const UncOptions *o, Size n)
{
	if (o->measure == MS_TEST || o->measure == MS_DAGUM_TEST)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("too few rows for the permutation test: %zu", (size_t) n),
				 errdetail("The test needs at least 2 rows with a positive weight.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("too few rows for method \"%s\": %zu", method_names[o->method], (size_t) n),
			 errdetail("An interval needs at least 2 rows with a positive weight.")));
}

/* The state, sorted, or NULL for empty input. */
static UncState *
unc_final_state(FunctionCallInfo fcinfo)
{
	UncState   *st;

	if (PG_ARGISNULL(0))
		return NULL;
	st = (UncState *) PG_GETARG_POINTER(0);
	if (st->nrows == 0)
		return NULL;
	if (st->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero"),
				 errdetail("An inequality index needs a positive total weight.")));
	if (st->n < 2)
		too_few_rows(&st->opt, st->n);
	unc_sort(st);
	return st;
}

PG_FUNCTION_INFO_V1(medres_unc_final);
Datum
medres_unc_final(PG_FUNCTION_ARGS)
{
	UncState   *st = unc_final_state(fcinfo);
	UncResult	res;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	if (st == NULL)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE || tupdesc->natts != 7)
		elog(ERROR, "interval aggregate must return medres.interval_estimate");
	tupdesc = BlessTupleDesc(tupdesc);
	unc_interval(st->items, st->n, st->ngroups, &st->opt, &res);
	values[0] = Float8GetDatum(res.estimate);
	values[1] = Float8GetDatum(res.se);
	values[2] = Float8GetDatum(res.lower);
	values[3] = Float8GetDatum(res.upper);
	values[4] = Float8GetDatum(st->opt.level);
	values[5] = CStringGetTextDatum(method_names[st->opt.method]);
	values[6] = Int32GetDatum(st->opt.method == METHOD_ANALYTIC ? 0 : st->opt.replicates);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(medres_unc_test_final);
Datum
medres_unc_test_final(PG_FUNCTION_ARGS)
{
	UncState   *st = unc_final_state(fcinfo);
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	double		share,
				p;

	if (st == NULL)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE || tupdesc->natts != 3)
		elog(ERROR, "ge_between_test must return medres.permutation_test");
	tupdesc = BlessTupleDesc(tupdesc);
	unc_between_test(st->items, st->n, st->ngroups, &st->opt, &share, &p);
	values[0] = Float8GetDatum(share);
	values[1] = Float8GetDatum(p);
	values[2] = Int32GetDatum(st->opt.replicates);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
