/*
 * sort_test.c — the radix sort and merge of src/sort.c, outside the server, under
 * AddressSanitizer and UBSan: every size around its thresholds (insertion sort
 * below 48, blocks of 64, the 128K scatter limit) and nine distributions, checked
 * against qsort of the same records.  Run by tools/suite.sh.
 */
#include "postgres.h"
#include "medres.h"
#include "miscadmin.h"
#undef printf
#undef qsort
#include <stdlib.h>
#include <stdio.h>
/* stubs for the backend functions sort.c uses */
volatile sig_atomic_t InterruptPending = false;
void ProcessInterrupts(void) {}
void *palloc(Size size) { return malloc(size ? size : 1); }
void pfree(void *p) { free(p); }
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
  size_t sizes[] = {0, 1, 2, 47, 48, 63, 64, 65, 127, 128, 1000, 131071, 131072, 131073, 131136, 140000, 262144, 300001, 1000003};
  for (int si = 0; si < (int)(sizeof(sizes)/sizeof(sizes[0])); si++)
   for (int mode = 0; mode < 9; mode++) {
    size_t n = sizes[si];
    XW *a = malloc((n + 1) * sizeof(XW)), *ref = malloc((n + 1) * sizeof(XW));
    RHW *b = malloc((n + 1) * sizeof(RHW)), *refb = malloc((n + 1) * sizeof(RHW));
    for (size_t i = 0; i < n; i++) { a[i].x = gen(mode, i, n) + 0.0; a[i].w = i; ref[i] = a[i]; b[i].r = a[i].x; b[i].h = rand(); b[i].w = i; refb[i] = b[i]; }
    medres_sort_records(a, n, sizeof(XW)); medres_sort_records(b, n, sizeof(RHW));
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
  printf("sort.c: all sizes and distributions sorted correctly\n");
  return 0;
}
