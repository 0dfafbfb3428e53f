/*
 * medres.c — module entry point and settings.
 */
#include "medres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include <limits.h>
#include <signal.h>

PG_MODULE_MAGIC;

void		_PG_init(void);

/* medres.memory_limit, in kB: the most memory one evaluation may plan to use */
int			medres_memory_limit_kb = 1024 * 1024;

/* medres.threads: how many threads one call may compute on (the backend's own included) */
int			medres_threads = 2;

void
_PG_init(void)
{
	DefineCustomIntVariable("medres.memory_limit",
							"Largest amount of memory a medres window function or aggregate may plan to use.",
							"Every state or work area that grows with the input (the rows kept by the "
							"rank-based aggregates and hoover, the groups of ge_decomposition, the "
							"partitions of the evaluation window functions, distance matrices of "
							"clustering, spatial weights and accessibility pairs) is checked against this "
							"before it is allocated; beyond it the call fails with program_limit_exceeded "
							"instead of exhausting the server.",
							&medres_memory_limit_kb,
							1024 * 1024,	/* 1 GB */
							1024,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("medres.threads",
							"Number of threads one medres call may compute on.",
							"The pair search of accessibility, hierarchical clustering from the "
							"vectors and the sort of the rank-based aggregates (Gini, Lorenz curve, "
							"concentration index) split large work between the backend and one helper thread. "
							"1 keeps every computation in the backend.",
							&medres_threads,
							2,
							1,
							2,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("medres");
}

/*
 * Fail up front, with 54000 and a hint, when `bytes` exceeds
 * medres.memory_limit; `what` names the computation for the message.
 */
void
medres_check_memory(Size bytes, const char *what)
{
	if (bytes / 1024 > (Size) medres_memory_limit_kb)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s would need %zu MB, more than medres.memory_limit (%d MB)",
						what, (size_t) (bytes >> 20), medres_memory_limit_kb / 1024),
				 errhint("Raise medres.memory_limit, or evaluate smaller partitions.")));
}

/*
 * Helper threads.  A few computations (the sort and merge of the
 * rank-based aggregates, the accessibility pair search, the vector-mode
 * clustering steps) split large work between the backend and one helper
 * thread when medres.threads allows.  PostgreSQL's backend is single-
 * threaded, so every section from medres_start_helper to pthread_join
 * obeys these rules, in the helper AND in the backend:
 *
 * 1. No PostgreSQL function that can allocate (palloc, repalloc, anything
 *    that may call them), throw (ereport, elog, a detoast, any fmgr call)
 *    or check for interrupts (CHECK_FOR_INTERRUPTS).  Only plain C
 *    arithmetic on memory allocated before the start, and libc functions
 *    that are thread-safe and neither allocate nor longjmp.
 * 2. Cancels are polled, not acted on: both sides call
 *    medres_cancel_requested() (it only reads the flags the signal
 *    handlers set) between units of work of at most ~100 ms, set a shared
 *    stop flag and return early.
 * 3. The backend joins the helper before it does anything else, and only
 *    then reports: medres_helper_stopped() if a stop was requested.
 * 4. The helper takes no signals (the mask below); it never touches
 *    global backend state.
 * 5. A parallel worker starts no helper: the parallel processes already use
 *    the cores.  (The leader's final merge of the workers' sorted runs may:
 *    by then every worker has sent its state.)
 *
 * Start a helper thread for fn(arg).  Returns false if the thread could
 * not be started; the caller then does the work itself.
 */
bool
medres_start_helper(pthread_t *thread, void *(*fn) (void *), void *arg)
{
	sigset_t	all,
				old;
	bool		started;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	started = pthread_create(thread, NULL, fn, arg) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return started;
}

/* Whether the backend has been asked to cancel or to die: the flags a helper phase polls. */
bool
medres_cancel_requested(void)
{
	return QueryCancelPending || ProcDiePending;
}

/*
 * After the join: a helper phase that stopped early on a cancel request
 * ends the query, with the request's own error if it still stands.
 */
void
medres_helper_stopped(const char *what)
{
	CHECK_FOR_INTERRUPTS();
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("canceling %s due to an interrupt", what)));
}
