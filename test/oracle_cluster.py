#!/usr/bin/python3
"""Independent test oracle for medres' hierarchical clustering (medres.hclust, medres.hclust_tree).

Run from the repository root with the Debian interpreter (python3-numpy, python3-scipy) and R:

    /usr/bin/python3 test/oracle_cluster.py            # (re)write the two CSV files
    /usr/bin/python3 test/oracle_cluster.py --check    # regenerate into a scratch folder, exit 1
                                                       # if that differs from the committed files

It writes

    test/oracle/cluster_cases.csv     case_id,unit,label,features
    test/oracle/cluster_expected.csv  case_id,linkage,metric,standardize,kind,param,unit,expected

which test/oracle_cluster.sql loads and compares with medres.

Definitions (those medres implements):
  * standardisation per feature over the n units: zscore (x - mean)/sd with the sample sd
    (ddof = 1), range (x - min)/(max - min), none;
  * metrics sqeuclidean, euclidean, manhattan (scipy cityblock), chebyshev, cosine
    (1 - u.v/(|u||v|));
  * single / complete / average / weighted: heights of scipy linkage(pdist(Z, metric), method);
  * ward / centroid / median (metric sqeuclidean or euclidean only): euclidean heights =
    scipy linkage(Z, method, metric='euclidean') (Lance-Williams on squared distances, heights
    reported as square roots; R ward.D2); sqeuclidean heights = those heights squared (R ward.D,
    centroid, median on squared distances);
  * kind height: param = step s = 1..n-1, expected = the s-th smallest merge height;
  * kind cluster_k: param = k, per unit the cluster of fcluster(L, k, 'maxclust') as scipy
    documents it (the smallest cut threshold leaving at most k clusters).  It is computed here
    from fcluster(L, t, 'distance') at that threshold, because the maxclust search of the
    installed scipy 1.10 is broken for small trees (n = 2, k = 1 gives 2 clusters; it never
    gives more than n - 2 clusters; scipy PR #21121, fixed in 1.14); scipy's own maxclust is
    compared wherever it returns k clusters;
  * kind cluster_h: param = h (halfway between two consecutive distinct merge heights, or half
    the only height when n = 2), per unit the cluster of scipy fcluster(L, h, 'distance');
  * cluster numbers are relabelled 1..k in order of first appearance in unit order.

Centroid and median trees can have inversions (a merge lower than an earlier one).  Then
"k clusters" has two readings, scipy's maxclust (which may give fewer than k clusters) and
the state after the first n - k merges (R cutree, SPSS); and "cut at h" has three, scipy's
(a node is cut unless its whole subtree is <= h), every merge <= h joins its children's
leaves, and the merges in step order up to the first one above h.  Only cuts where all the
readings agree are written; the others are skipped and listed in the summary.

Which combinations are written (see PLANS below): every valid linkage x metric x standardize
combination (78 before the exclusions) for the heights of every case except n57_d2, n200_*
and n600_d5, and for the clusters of n2_*, n3_*, n10_d1 and n10_d5; a fixed subset (SUBSET: 17
combinations, SMALL: 4) for the others, to keep the files near 3 MB (the full grid of per-unit
rows for n = 57 alone is 1.5 MB per case, for n = 600 about 15 MB).  Data: normal, or a
mixture of normals for some cases, with per-feature scales exp(U(-1.5, 2.5)); labels are
random distinct 6-character strings (mixed case, so C byte order differs from most locales'
order).  The provinces case (data/province_resources_2020.csv; features institutions,
personnel_10k, beds_10k, health_expense_per_capita_yuan; label province) has the default
settings and Ward on Euclidean distances (z-scores), k = 2..5 and one cut height each.

A combination is left out (and listed in the summary) when it is not well defined or not
robustly decidable in double precision:
  * cosine with d = 1 (all distances are 0 or 2: ties everywhere), or with a zero vector
    after standardisation (range: a unit at the minimum of every feature), or whose smallest
    cosine distance is below 1e-5 (1 - cos loses too many digits);
  * any pairwise distance whose double value (numpy/scipy) differs from an 80-bit long
    double recomputation by more than 1e-11 relative;
  * a near tie (relative gap < 1e-9) at any merge decision of the primitive Lance-Williams
    algorithm (for the reducible linkages only competitors that share a cluster with the
    merged pair count: disjoint reciprocal pairs can merge in either order); single linkage
    is exempt for its heights (they are the minimum-spanning-tree weights in any case);
  * cluster_k for a k whose cut falls between two heights closer than 1e-9 relative;
    cluster_h is placed in a gap of at least 1e-6 relative;
  * the inversion-dependent cuts described above.

Independent cross-checks (the script fails loudly, exit status 1, on any disagreement):
  * a primitive O(n^3) Lance-Williams implementation in 80-bit long double (global minimum at
    each step, its own standardisation and distances): same set of clusters (as member sets)
    as scipy's tree, sorted heights within 1e-11 relative, partition after n - k merges =
    the maxclust partition (always for the monotone linkages; for centroid / median a
    difference skips that k, see above);
  * R hclust (via Rscript, with R's own scale(), dist() and cosine) for every written
    combination of every case: sorted heights within 1e-9 relative; single/complete/average,
    weighted = "mcquitty", ward + sqeuclidean = "ward.D" on squared distances, ward +
    euclidean = "ward.D2", centroid/median on squared distances (square roots of the heights
    for euclidean); cutree(k =) partitions for every written k, cutree(h =) wherever R
    accepts the tree (monotone heights).
"""

import csv
import math
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np
import oracle_lib  # noqa: E402
from oracle_lib import CHECKS, LD, fail, count, fmt, distances, ld_standardize  # noqa: E402
from scipy.cluster.hierarchy import fcluster, linkage, maxdists
from scipy.spatial.distance import pdist

T0 = time.time()
HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = os.path.join(HERE, "oracle")
CASES_FILE = "cluster_cases.csv"
EXPECTED_FILE = "cluster_expected.csv"
PROVINCES_CSV = os.path.join(HERE, "..", "data", "province_resources_2020.csv")
PROVINCE_FEATURES = ("institutions", "personnel_10k", "beds_10k", "health_expense_per_capita_yuan")

LINKAGES = ("single", "complete", "average", "weighted", "ward", "centroid", "median")
GEOMETRIC = ("ward", "centroid", "median")
REDUCIBLE = ("single", "complete", "average", "weighted", "ward")
METRICS = ("sqeuclidean", "euclidean", "manhattan", "chebyshev", "cosine")
STANDARDIZE = ("zscore", "range", "none")
DEFAULT = ("average", "sqeuclidean", "zscore")

TIE_GAP = 1e-9          # relative gap required at every merge decision / k cut
H_GAP = 1e-6            # relative gap around a cluster_h cut height
DIST_COND = 1e-11       # double vs long double distances
COSINE_MIN = 1e-5       # smallest cosine distance allowed
HEIGHT_LD = 1e-11       # scipy heights vs long double primitive
R_TOL = 1e-9            # scipy vs R

NOTES = []              # informational lines for the summary
SKIPPED = []            # (case, combo, reason)


def all_combos():
    out = []
    for lk in LINKAGES:
        for mt in METRICS:
            if lk in GEOMETRIC and mt not in ("sqeuclidean", "euclidean"):
                continue
            for st in STANDARDIZE:
                out.append((lk, mt, st))
    return out


ALL = all_combos()                      # 78 combinations
# default metric/standardisation for every linkage, the euclidean scale of the geometric ones,
# and one combination of each other metric / standardisation
SUBSET = ([(lk, "sqeuclidean", "zscore") for lk in LINKAGES]
          + [(lk, "euclidean", "zscore") for lk in GEOMETRIC]
          + [("average", "manhattan", "range"), ("complete", "chebyshev", "none"),
             ("single", "cosine", "zscore"), ("weighted", "euclidean", "range"),
             ("average", "cosine", "none"), ("ward", "sqeuclidean", "range"),
             ("centroid", "euclidean", "none")])
SMALL = [("average", "sqeuclidean", "zscore"), ("ward", "sqeuclidean", "zscore"),
         ("complete", "euclidean", "zscore"), ("single", "manhattan", "range")]

# case_id -> (n, d, seed, components of the normal mixture, height combos, cluster combos)
PLANS = [
    ("n2_d1", 2, 1, 101, 1, ALL, ALL),
    ("n2_d5", 2, 5, 102, 1, ALL, ALL),
    ("n3_d1", 3, 1, 103, 1, ALL, ALL),
    ("n3_d2", 3, 2, 104, 1, ALL, ALL),
    ("n10_d1", 10, 1, 105, 1, ALL, ALL),
    ("n10_d2", 10, 2, 106, 1, ALL, SUBSET),
    ("n10_d5", 10, 5, 107, 1, ALL, ALL),
    ("n10_d20", 10, 20, 108, 1, ALL, SUBSET),
    ("n57_d2", 57, 2, 109, 3, SUBSET, SMALL),
    ("n57_d5", 57, 5, 110, 1, ALL, SUBSET),
    ("n57_d20", 57, 20, 111, 4, ALL, SMALL),
    ("n200_d1", 200, 1, 112, 3, SUBSET, SMALL[:2]),
    ("n200_d20", 200, 20, 113, 1, SUBSET[:10], SMALL[:1]),
    ("n600_d5", 600, 5, 115, 4, SUBSET[:10], SMALL[:1]),
    ("n2000_d3", 2000, 3, 116, 5, SMALL[:2], SMALL[:1]),
]


def relabel(labels):
    seen = {}
    out = []
    for x in labels:
        if x not in seen:
            seen[x] = len(seen) + 1
        out.append(seen[x])
    return out


def make_labels(rng, n):
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789_"
    labels = set()
    out = []
    while len(out) < n:
        s = "".join(alphabet[i] for i in rng.integers(0, len(alphabet), 6))
        if s not in labels:
            labels.add(s)
            out.append(s)
    return out


def make_data(n, d, seed, comps):
    rng = np.random.default_rng(seed)
    sigma = np.exp(rng.uniform(-1.5, 2.5, d))
    mu = sigma * rng.uniform(-1.0, 1.0, d)
    X = mu + sigma * rng.standard_normal((n, d))
    if comps > 1:
        centres = sigma * 4.0 * rng.standard_normal((comps, d))
        X += centres[rng.integers(0, comps, n)]
    return X, make_labels(rng, n)


def provinces():
    with open(PROVINCES_CSV, newline="") as f:
        rows = list(csv.DictReader(f))
    X = np.array([[float(r[c]) for c in PROVINCE_FEATURES] for r in rows])
    return X, [r["province"] for r in rows]


# ---------------------------------------------------------------------------------------
# double precision (numpy / scipy): the expected values
# ---------------------------------------------------------------------------------------

def standardize(X, how):
    if how == "zscore":
        return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    if how == "range":
        lo = X.min(axis=0)
        return (X - lo) / (X.max(axis=0) - lo)
    return X.copy()


def scipy_tree(Z, lk, mt):
    if lk in GEOMETRIC:
        L = linkage(Z, lk, metric="euclidean")
        if mt == "sqeuclidean":
            L[:, 2] = L[:, 2] ** 2
    else:
        L = linkage(pdist(Z, "cityblock" if mt == "manhattan" else mt), lk)
    return L


def tree_sets(L, n):
    """The set of clusters (frozensets of 0-based units) of a scipy-style merge matrix."""
    members = [frozenset([i]) for i in range(n)]
    out = set()
    for a, b in L[:, :2].astype(int):
        s = members[a] | members[b]
        members.append(s)
        out.add(s)
    return out


def after_merges(merges, n, m):
    """Partition (0-based cluster roots) after the first m merges (a, b) of scipy ids."""
    parent = list(range(2 * n - 1))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for s in range(m):
        a, b = merges[s]
        parent[find(a)] = n + s
        parent[find(b)] = n + s
    return relabel([find(i) for i in range(n)])


def maxclust(L, n, k):
    """scipy fcluster(L, k, criterion='maxclust') as documented: cut at the smallest threshold t
    (among the nodes' max-dists, or below every height) that leaves at most k clusters, a node
    staying merged when the largest height in its subtree is <= t.  scipy 1.10's own maxclust
    has a broken binary search (it returns 2 clusters for n = 2, k = 1, and never more than
    n - 2 clusters: scipy PR #21121, fixed in 1.14), so it is only used as a cross-check."""
    md = maxdists(L)
    if k >= n:
        return list(range(1, n + 1))
    t = sorted(md)[n - 1 - k]          # n - #{md <= t} <= k  <=>  #{md <= t} >= n - k
    part = relabel(fcluster(L, t, criterion="distance"))
    assert max(part) <= k
    return part


def union_cut(L, n, h):
    """Partition when every merge of height <= h joins all the leaves below its two children
    (whatever the heights inside them): a leaf's cluster is its highest ancestor of height <= h.
    It equals fcluster(distance) unless a merge <= h lies above one > h (an inversion)."""
    parent = [None] * (2 * n - 1)
    for s in range(n - 1):
        parent[int(L[s, 0])] = n + s
        parent[int(L[s, 1])] = n + s
    out = []
    for leaf in range(n):
        top, p = leaf, parent[leaf]
        while p is not None:
            if L[p - n, 2] <= h:
                top = p
            p = parent[p]
        out.append(top)
    return relabel(out)


# ---------------------------------------------------------------------------------------
# 80-bit long double: an independent primitive implementation
# ---------------------------------------------------------------------------------------



def primitive(D, lk):
    """Primitive Lance-Williams clustering on the dissimilarity matrix D (long double; for the
    geometric linkages D holds squared Euclidean distances).  Returns (merges as scipy ids,
    heights, sizes, smallest relative decision gap)."""
    n = D.shape[0]
    D = D.copy()
    np.fill_diagonal(D, np.inf)
    size = np.ones(n, dtype=LD)
    node = list(range(n))
    active = np.ones(n, dtype=bool)
    merges, heights, sizes = [], [], []
    min_gap = math.inf
    for step in range(n - 1):
        flat = int(np.argmin(D))
        i, j = divmod(flat, n)
        if i > j:
            i, j = j, i
        dij = D[i, j]
        # nearest competing decision
        if step < n - 2:
            if lk in REDUCIBLE:
                ri = np.delete(D[i], [i, j])
                rj = np.delete(D[j], [i, j])
                d2 = min(ri.min(), rj.min())
            else:
                D[i, j] = D[j, i] = np.inf
                d2 = D.min()
                D[i, j] = D[j, i] = dij
            gap = float((d2 - dij) / max(abs(dij), LD(1e-300)))
            min_gap = min(min_gap, gap)
        ni, nj = size[i], size[j]
        di, dj = D[i], D[j]
        if lk == "single":
            new = np.minimum(di, dj)
        elif lk == "complete":
            new = np.maximum(di, dj)
        elif lk == "average":
            new = (ni * di + nj * dj) / (ni + nj)
        elif lk == "weighted":
            new = (di + dj) / 2
        elif lk == "ward":
            new = ((size + ni) * di + (size + nj) * dj - size * dij) / (size + ni + nj)
        elif lk == "centroid":
            new = (ni * di + nj * dj) / (ni + nj) - ni * nj * dij / ((ni + nj) * (ni + nj))
        elif lk == "median":
            new = di / 2 + dj / 2 - dij / 4
        active[j] = False
        new[~active] = np.inf
        new[i] = np.inf
        D[i, :] = new
        D[:, i] = new
        D[j, :] = np.inf
        D[:, j] = np.inf
        merges.append((node[i], node[j]))
        heights.append(dij)
        sizes.append(int(ni + nj))
        size[i] = ni + nj
        node[i] = n + step
    return merges, heights, sizes, min_gap


# ---------------------------------------------------------------------------------------
# one case
# ---------------------------------------------------------------------------------------

def rel(a, b):
    a = float(a)
    b = float(b)
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def h_target(n):
    return min(n - 1, max(2, int(round(math.sqrt(n))) + 1))


def choose_h(L, hs, n):
    """A cut height halfway between two consecutive sorted heights, at least H_GAP apart,
    where scipy's fcluster(distance) equals both the union of all merges <= h and the merges
    in step order up to the first one above h (these can differ only with inversions); with
    the number of clusters nearest to h_target(n).  Returns (h, partition) or None."""
    if n == 2:
        h = hs[0] / 2
        return h, relabel(fcluster(L, h, criterion="distance"))
    c0 = h_target(n)
    order = sorted(range(2, n), key=lambda c: (abs(c - c0), c))
    for c in order:
        m = n - c                  # merges below the cut
        a, b = hs[m - 1], hs[m]
        if not (b - a) > H_GAP * max(abs(b), 1e-300):
            continue
        h = (a + b) / 2
        if not a < h < b:
            continue
        part = relabel(fcluster(L, h, criterion="distance"))
        if part != union_cut(L, n, h):
            continue
        # and = the merges in step order up to the first one above h
        m = next((s for s in range(n - 1) if L[s, 2] > h), n - 1)
        if part != after_merges([(int(x), int(y)) for x, y in L[:, :2]], n, m):
            continue
        return h, part
    return None


def run_case(case_id, X, labels, hplan, cplan, ks, out_rows, r_jobs):
    n, d = X.shape
    Zs = {st: standardize(X, st) for st in STANDARDIZE}
    Zld = {st: ld_standardize(X, st) for st in STANDARDIZE}
    hset = set(hplan)
    combos = [c for c in ALL if c in hset or c in cplan]
    dist_ok = {}
    written = 0
    for lk, mt, st in combos:
        key = (lk, mt, st)
        Z = Zs[st]
        if not np.all(np.isfinite(Z)):
            SKIPPED.append((case_id, key, "standardisation not finite"))
            continue
        # conditioning of the distances of (metric, standardisation)
        dmt = "sqeuclidean" if lk in GEOMETRIC else mt
        if (dmt, st) not in dist_ok:
            reason = None
            if dmt == "cosine":
                if d == 1:
                    reason = "cosine with d = 1"
                elif np.any(np.sqrt((Z * Z).sum(axis=1)) == 0):
                    reason = "cosine with a zero vector"
            if reason is None:
                dd = pdist(Z, "cityblock" if dmt == "manhattan" else dmt)
                Dld = distances(Zld[st], dmt)
                dl = Dld[np.triu_indices(n, 1)]
                worst = float(np.max(np.abs(dd - dl) / np.maximum(np.abs(dl), LD(1e-300))))
                count("distances: double vs long double")
                if dmt == "cosine" and dd.min() < COSINE_MIN:
                    reason = "smallest cosine distance < %g (%.3g)" % (COSINE_MIN, dd.min())
                elif worst > DIST_COND:
                    reason = "distances ill-conditioned (double vs long double %.3g)" % worst
                if worst > 1e-6 and reason is None:
                    fail("%s %s/%s: pdist vs long double distances differ by %.3g" % (case_id, dmt, st, worst))
            else:
                Dld = None
            dist_ok[(dmt, st)] = (reason, Dld)
        reason, Dld = dist_ok[(dmt, st)]
        if reason is not None:
            SKIPPED.append((case_id, key, reason))
            continue

        L = scipy_tree(Z, lk, mt)
        hs = sorted(float(v) for v in L[:, 2])
        if not all(math.isfinite(v) for v in hs):
            SKIPPED.append((case_id, key, "non-finite height"))
            continue

        # long double primitive algorithm
        merges, lh, lsizes, gap = primitive(Dld, lk)
        if lk in GEOMETRIC and mt == "euclidean":
            lh = [np.sqrt(v) for v in lh]
        tied = gap < TIE_GAP
        if tied and lk != "single":
            SKIPPED.append((case_id, key, "near tie at a merge (relative gap %.3g)" % gap))
            continue
        if not tied:
            lmat = np.array([[a, b, 0.0, 0.0] for a, b in merges])
            if tree_sets(lmat, n) != tree_sets(L, n):
                fail("%s %s: scipy and the long double primitive build different trees" % (case_id, key))
            count("tree (member sets): scipy vs long double primitive")
        for a, b in zip(hs, sorted(lh)):
            if rel(a, b) > HEIGHT_LD:
                fail("%s %s: height %r vs long double %r (rel %.3g)" % (case_id, key, a, float(b), rel(a, b)))
        count("sorted heights: scipy vs long double primitive", n - 1)
        NOTES.append(("max rel height diff scipy vs long double", max(rel(a, b) for a, b in zip(hs, sorted(lh)))))
        if lk in REDUCIBLE and any(hs[s] > hs[s + 1] for s in range(n - 2)):
            fail("%s %s: sorted!?" % (case_id, key))
        inversions = any(float(L[s, 2]) > float(L[s + 1, 2]) for s in range(n - 2))
        if inversions and lk in REDUCIBLE:
            fail("%s %s: inversion in a reducible linkage" % (case_id, key))
        if inversions:
            count("trees with inversions (centroid/median)")

        job = {"case": case_id, "key": key, "hs": hs, "k": {}, "h": None, "monotone": not inversions}

        if key in hset:
            for s, v in enumerate(hs, 1):
                out_rows.append((case_id, lk, mt, st, "height", str(s), "0", fmt(v)))
                written += 1

        if key in cplan:
            for k in ks:
                if k > n:
                    continue
                if 2 <= k <= n - 1:
                    a, b = hs[n - k - 1], hs[n - k]
                    if not (b - a) > TIE_GAP * max(abs(b), 1e-300):
                        SKIPPED.append((case_id, key + ("k=%d" % k,), "tie at the cut"))
                        continue
                part = maxclust(L, n, k)
                sp = relabel(fcluster(L, k, criterion="maxclust"))
                if max(sp) == k:
                    if sp != part:
                        fail("%s %s k=%d: scipy maxclust vs its documented definition" % (case_id, key, k))
                    count("partition k: scipy 1.10 fcluster maxclust (where it gives k clusters)")
                else:
                    count("partition k: scipy 1.10 fcluster maxclust wrong count (known bug, not used)")
                if max(part) != k and not inversions:
                    fail("%s %s k=%d: maxclust gave %d clusters" % (case_id, key, k, max(part)))
                if not tied:
                    prim = after_merges(merges, n, n - k)
                    if prim != part:
                        if not inversions:
                            fail("%s %s k=%d: maxclust vs primitive partition" % (case_id, key, k))
                        SKIPPED.append((case_id, key + ("k=%d" % k,),
                                        "inversion: maxclust (%d clusters) differs from the state after "
                                        "n-k merges" % max(part)))
                        continue
                    count("partition k: maxclust vs primitive after n-k merges")
                job["k"][k] = part
                for u, c in enumerate(part, 1):
                    out_rows.append((case_id, lk, mt, st, "cluster_k", str(k), str(u), str(c)))
                    written += 1
            ch = choose_h(L, hs, n)
            if ch is None:
                SKIPPED.append((case_id, key + ("h",), "no unambiguous cut height"))
            else:
                h, part = ch
                job["h"] = (h, part)
                for u, c in enumerate(part, 1):
                    out_rows.append((case_id, lk, mt, st, "cluster_h", fmt(h), str(u), str(c)))
                    written += 1
        r_jobs.append(job)
    return written


# ---------------------------------------------------------------------------------------
# R hclust cross-check
# ---------------------------------------------------------------------------------------

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
jobs <- read.csv(file.path(dir, "jobs.csv"), colClasses = "character")
out <- file(file.path(dir, "r_out.txt"), "w")
std <- function(X, how) {
  if (how == "zscore") return(scale(X))
  if (how == "range") return(apply(X, 2, function(x) (x - min(x)) / (max(x) - min(x))))
  X
}
dmat <- function(Z, metric) {
  if (metric == "sqeuclidean") return(dist(Z)^2)
  if (metric == "euclidean") return(dist(Z))
  if (metric == "manhattan") return(dist(Z, method = "manhattan"))
  if (metric == "chebyshev") return(dist(Z, method = "maximum"))
  if (metric == "cosine") {
    nz <- sqrt(rowSums(Z^2))
    return(as.dist(1 - tcrossprod(Z) / outer(nz, nz)))
  }
  stop("metric")
}
data <- list()
for (r in seq_len(nrow(jobs))) {
  j <- jobs[r, ]
  if (is.null(data[[j$case]]))
    data[[j$case]] <- as.matrix(read.csv(file.path(dir, paste0(j$case, ".csv")), header = FALSE))
  X <- data[[j$case]]
  Z <- std(X, j$standardize)
  geo <- j$linkage %in% c("ward", "centroid", "median")
  if (geo) {
    d2 <- dist(Z)^2
    if (j$linkage == "ward" && j$metric == "euclidean") {
      hc <- hclust(dist(Z), "ward.D2")
    } else {
      hc <- hclust(d2, switch(j$linkage, ward = "ward.D", centroid = "centroid", median = "median"))
      if (j$metric == "euclidean") hc$height <- sqrt(hc$height)
    }
  } else {
    hc <- hclust(dmat(Z, j$metric), switch(j$linkage, weighted = "mcquitty", j$linkage))
  }
  tag <- paste(j$case, j$linkage, j$metric, j$standardize, sep = ",")
  writeLines(paste0(tag, ",height,,", paste(sprintf("%.17g", sort(hc$height)), collapse = " ")), out)
  ks <- if (nzchar(j$ks)) as.integer(strsplit(j$ks, " ")[[1]]) else integer(0)
  for (k in ks) {
    p <- tryCatch(cutree(hc, k = k), error = function(e) NULL)
    if (!is.null(p)) writeLines(paste0(tag, ",cluster_k,", k, ",", paste(p, collapse = " ")), out)
  }
  if (nzchar(j$h)) {
    p <- tryCatch(cutree(hc, h = as.numeric(j$h)), error = function(e) NULL)
    if (!is.null(p)) writeLines(paste0(tag, ",cluster_h,", j$h, ",", paste(p, collapse = " ")), out)
  }
}
close(out)
"""


def r_crosscheck(cases, jobs):
    if shutil.which("Rscript") is None:
        fail("Rscript not found (r-base-core)")
    tmp = tempfile.mkdtemp(prefix="oracle_cluster_r_")
    try:
        for case_id, X in cases.items():
            with open(os.path.join(tmp, case_id + ".csv"), "w") as f:
                for row in X:
                    f.write(",".join(repr(float(v)) for v in row) + "\n")
        with open(os.path.join(tmp, "jobs.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["case", "linkage", "metric", "standardize", "ks", "h"])
            for j in jobs:
                w.writerow([j["case"]] + list(j["key"]) + [" ".join(str(k) for k in sorted(j["k"])),
                                                            "" if j["h"] is None else repr(j["h"][0])])
        with open(os.path.join(tmp, "run.R"), "w") as f:
            f.write(R_SCRIPT)
        p = subprocess.run(["Rscript", "--vanilla", os.path.join(tmp, "run.R"), tmp],
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail("Rscript failed:\n" + p.stderr)
        got = {}
        with open(os.path.join(tmp, "r_out.txt")) as f:
            for line in f:
                c, lk, mt, st, kind, param, vals = line.rstrip("\n").split(",", 6)
                got[(c, (lk, mt, st), kind, param)] = vals.split(" ")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    worst = 0.0
    for j in jobs:
        c, key = j["case"], j["key"]
        rh = got.get((c, key, "height", ""))
        if rh is None or len(rh) != len(j["hs"]):
            fail("R: no heights for %s %s" % (c, key))
        for a, b in zip(j["hs"], (float(v) for v in rh)):
            r = rel(a, b)
            worst = max(worst, r)
            if r > R_TOL:
                fail("R: %s %s height %r vs R %r (rel %.3g)" % (c, key, a, b, r))
        count("sorted heights: scipy vs R hclust", len(rh))
        count("trees: scipy vs R hclust (%s)" % key[0])
        for k, part in j["k"].items():
            rp = got.get((c, key, "cluster_k", str(k)))
            if rp is None:
                if j["monotone"]:
                    fail("R: cutree(k = %d) failed for %s %s" % (k, c, key))
                continue
            if relabel([int(v) for v in rp]) != part:
                fail("R: cutree(k = %d) differs for %s %s" % (k, c, key))
            count("partition k: scipy vs R cutree")
        if j["h"] is not None:
            h, part = j["h"]
            rp = got.get((c, key, "cluster_h", repr(h)))
            if rp is None:
                if j["monotone"]:
                    fail("R: cutree(h) failed for %s %s" % (c, key))
                continue
            if relabel([int(v) for v in rp]) != part:
                fail("R: cutree(h = %r) differs for %s %s" % (h, c, key))
            count("partition h: scipy vs R cutree")
    NOTES.append(("max rel height diff scipy vs R", worst))


# ---------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------

def generate(outdir, verbose):
    case_rows = []
    out_rows = []
    jobs = []
    data = {}
    summary = []

    def add_case(case_id, X, labels, hplan, cplan, ks):
        n, d = X.shape
        assert len(set(labels)) == n
        data[case_id] = X
        for u in range(n):
            case_rows.append((case_id, str(u + 1), labels[u], "{" + ",".join(fmt(v) for v in X[u]) + "}"))
        t = time.time()
        before = len(SKIPPED)
        w = run_case(case_id, X, labels, hplan, cplan, ks, out_rows, jobs)
        summary.append((case_id, n, d, len([c for c in ALL if c in set(hplan) or c in cplan]),
                        len(SKIPPED) - before, w, time.time() - t))

    for case_id, n, d, seed, comps, hplan, cplan in PLANS:
        X, labels = make_data(n, d, seed, comps)
        add_case(case_id, X, labels, hplan, cplan, sorted({1, 2, 3, min(5, n)}))
    X, labels = provinces()
    # the defaults (SPSS) and Ward on Euclidean distances, the two settings doc/cluster.md shows
    add_case("provinces", X, labels, [DEFAULT, ("ward", "euclidean", "zscore")],
             [DEFAULT, ("ward", "euclidean", "zscore")], [2, 3, 4, 5])

    r_crosscheck(data, jobs)

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, CASES_FILE), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "unit", "label", "features"])
        w.writerows(case_rows)
    with open(os.path.join(outdir, EXPECTED_FILE), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "linkage", "metric", "standardize", "kind", "param", "unit", "expected"])
        w.writerows(out_rows)

    if verbose:
        print("case         n   d  combos skipped    rows   secs")
        for s in summary:
            print("%-10s %4d %3d %7d %7d %7d %6.1f" % s)
        kinds = {}
        groups = set()
        for r in out_rows:
            kinds[r[4]] = kinds.get(r[4], 0) + 1
            groups.add(r[:5] + ((r[5],) if r[4] != "height" else ()))
        print("expected rows by kind: " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
        print("(case, linkage, metric, standardize, kind[, param]) groups: %d" % len(groups))
        for f in (CASES_FILE, EXPECTED_FILE):
            print("%s: %d bytes" % (f, os.path.getsize(os.path.join(outdir, f))))
        print("skipped:")
        reasons = {}
        for c, key, why in SKIPPED:
            reasons.setdefault(why.split(" (")[0], []).append("%s %s" % (c, "/".join(key)))
        for why, lst in sorted(reasons.items()):
            print("  %s: %d  e.g. %s" % (why, len(lst), "; ".join(lst[:4])))
        agg = {}
        for name, v in NOTES:
            if isinstance(v, float):
                agg[name] = max(agg.get(name, 0.0), v)
            else:
                agg.setdefault(name, []).append(v)
        for name, v in sorted(agg.items()):
            if isinstance(v, float):
                print("%s: %.3g" % (name, v))
            else:
                print("%s: %d, e.g. %s" % (name, len(v), "; ".join(v[:3])))
        print("cross-checks passed: " + ", ".join("%s %d" % kv for kv in sorted(CHECKS.items())))
        print("runtime %.1f s" % (time.time() - T0))


if __name__ == "__main__":
    oracle_lib.main("oracle_cluster", OUTDIR, (CASES_FILE, EXPECTED_FILE), generate, T0)
