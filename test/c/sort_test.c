/*
 * sort_test.c — the radix sort and merge of src/sort.c, outside the server, under
 * AddressSanitizer and UBSan: every size around its thresholds (insertion sort
 * below 48, blocks of 64, the 128K scatter limit, the 1M records from which a
 * helper thread takes part) and nine distributions, checked against qsort of the
 * same records, with and without the helper thread, with key bounds given or not.
 * A visitor must see every record once, in sorted order.  Run by tools/suite.sh.
 */
#include "postgres.h"
#include "medres.h"
#include "miscadmin.h"
#undef printf
#undef qsort
#include <stdlib.h>
#include <stdio.h>
/* stubs for the backend functions and variables sort.c uses */
volatile sig_atomic_t InterruptPending = false, QueryCancelPending = false, ProcDiePending = false;
int medres_threads = 1;
bool IsInParallelMode(void) { return false; }
bool medres_cancel_requested(void) { return false; }
void medres_helper_stopped(const char *what) { abort(); }
bool medres_start_helper(pthread_t *thread, void *(*fn) (void *), void *arg) { return pthread_create(thread, NULL, fn, arg) == 0; }
void ProcessInterrupts(void) {}
void *palloc(Size size) { return malloc(size ? size : 1); }
void pfree(void *p) { free(p); }
bool errstart(int elevel, const char *domain) { abort(); }
bool errstart_cold(int elevel, const char *domain) { abort(); }
void errfinish(const char *filename, int lineno, const char *funcname) { abort(); }
int errcode(int sqlerrcode) { return 0; }
int errmsg(const char *fmt,...) { return 0; }
/* the visitor: records must arrive in order, each stretch right after the previous one,
   the helper thread's part (when split) from its own start; each part has its own cursor */
typedef struct { const XW *next; size_t seen; int bad; } Chain;
static Chain lower_chain, upper_chain; static const XW *upper_start; static int splits, joins, total_splits;
static void visit_xw(const void *recs, Size n, void *arg) {
  Chain *c = arg;
  if ((const XW *) recs != c->next) c->bad = 1;
  c->next = (const XW *) recs + n; c->seen += n;
}
static void split_xw(const void *recs, Size n, double below, const void *arg, void *upper_arg) {
  const XW *r = recs;
  for (Size i = 0; i < n; i++) if (!(r[i].x > below)) upper_chain.bad = 1;
  upper_start = r; upper_chain.next = r; splits++;
}
static void join_xw(void *arg, const void *upper_arg) { joins++; }
static uint64 key_of(double d) { return double_sort_key(d); }
static int cmpxw(const void *a, const void *b) { const XW *x = a, *y = b; if (x->x != y->x) return x->x < y->x ? -1 : 1; return (x->w > y->w) - (x->w < y->w); }
static int cmprhw(const void *a, const void *b) { const RHW *x = a, *y = b; if (x->r != y->r) return x->r < y->r ? -1 : 1; if (x->h != y->h) return x->h < y->h ? -1 : 1; return (x->w > y->w) - (x->w < y->w); }
static double gen(int mode, size_t i, size_t n) {
  double u = (rand() + 0.5) / (RAND_MAX + 1.0);
  switch (mode) { case 0: return u; case 1: return exp(30 * (u - 0.5)); case 2: return (double)(rand() % 3);
    case 3: return 7; case 4: return (double) i; case 5: return (double)(n - i); case 6: return (rand() % 10 == 0) ? u * 1e300 : 1.0 + u * 1e-12;
    case 7: return (rand() % 2) ? -u * 100 : u; default: return floor(u * 1000) / 7.0; }
}
int main(void) {
  srand(11);
  size_t sizes[] = {0, 1, 2, 47, 48, 63, 64, 65, 127, 128, 1000, 131071, 131072, 131073, 131136, 140000, 262144, 300001, 1000003, 1048576};
  for (int si = 0; si < (int)(sizeof(sizes)/sizeof(sizes[0])); si++)
   for (int mode = 0; mode < 9; mode++) {
    size_t n = sizes[si];
    /* alternate: helper thread or not, bounds given (tight or loose) or found */
    int variant = (si + mode) % 3;
    uint64 range[2] = {PG_UINT64_MAX, 0};
    medres_threads = (si + mode) % 2 ? 2 : 1;
    XW *a = malloc((n + 1) * sizeof(XW)), *ref = malloc((n + 1) * sizeof(XW));
    RHW *b = malloc((n + 1) * sizeof(RHW)), *refb = malloc((n + 1) * sizeof(RHW));
    for (size_t i = 0; i < n; i++) { a[i].x = gen(mode, i, n) + 0.0; a[i].w = i; ref[i] = a[i]; b[i].r = a[i].x; b[i].h = rand(); b[i].w = i; refb[i] = b[i];
      uint64 k = key_of(a[i].x); if (k < range[0]) range[0] = k; if (k > range[1]) range[1] = k; }
    if (variant == 2 && n > 0) { range[0] = range[0] / 2; range[1] = range[1] + (PG_UINT64_MAX - range[1]) / 2; }
    lower_chain = (Chain) {a, 0, 0}; upper_chain = (Chain) {NULL, 0, 0}; upper_start = NULL; splits = joins = 0;
    MedresSortVisitor visit = {visit_xw, &lower_chain, split_xw, join_xw, &upper_chain};
    medres_sort_records_visit(a, n, sizeof(XW), variant ? range : NULL, &visit);
    if (lower_chain.bad || upper_chain.bad || splits != joins || lower_chain.seen + upper_chain.seen != n ||
        (splits && (lower_chain.next != upper_start || upper_chain.next != a + n)))
      { printf("VISIT n=%zu mode=%d seen=%zu+%zu splits=%d\n", n, mode, lower_chain.seen, upper_chain.seen, splits); return 1; }
    total_splits += splits;
    medres_sort_records_visit(b, n, sizeof(RHW), variant ? range : NULL, NULL);
    for (size_t i = 1; i < n; i++) if (a[i-1].x > a[i].x || b[i-1].r > b[i].r) { printf("UNSORTED n=%zu mode=%d at %zu\n", n, mode, i); return 1; }
    qsort(a, n, sizeof(XW), cmpxw); qsort(ref, n, sizeof(XW), cmpxw); qsort(b, n, sizeof(RHW), cmprhw); qsort(refb, n, sizeof(RHW), cmprhw);
    if (n && (memcmp(a, ref, n * sizeof(XW)) || memcmp(b, refb, n * sizeof(RHW)))) { printf("MULTISET n=%zu mode=%d\n", n, mode); return 1; }
    free(a); free(ref); free(b); free(refb);
   }
  /* merges */
  for (int t = 0; t < 200; t++) {
    size_t na = rand() % 3000, nb = rand() % 3000;
    XW *x = malloc((na + 1) * sizeof(XW)), *y = malloc((nb + 1) * sizeof(XW)), *d = malloc((na + nb + 1) * sizeof(XW));
    for (size_t i = 0; i < na; i++) { x[i].x = rand() % 50; x[i].w = i; }
    for (size_t i = 0; i < nb; i++) { y[i].x = rand() % 50; y[i].w = -1.0 - i; }
    medres_sort_records(x, na, sizeof(XW)); medres_sort_records(y, nb, sizeof(XW));
    medres_merge_records(d, x, na, y, nb, sizeof(XW));
    for (size_t i = 1; i < na + nb; i++) if (d[i-1].x > d[i].x) { printf("MERGE unsorted\n"); return 1; }
    free(x); free(y); free(d);
  }
  /* the helper thread took part (its split is only taken when the first split is balanced) */
  if (total_splits == 0) { printf("the helper thread never took part\n"); return 1; }
  printf("sort.c: all sizes and distributions sorted correctly (%d with the helper thread)\n", total_splits);
  return 0;
}
