#!/usr/bin/python3
"""Independent test oracle for medres' k-means (medres.kmeans) and silhouette (medres.silhouette).

Run from the repository root with the Debian interpreter (python3-numpy, python3-sklearn) and R:

    /usr/bin/python3 test/oracle_kmeans.py            # (re)write the two CSV files
    /usr/bin/python3 test/oracle_kmeans.py --check    # regenerate into a scratch folder, exit 1
                                                      # if that differs from the committed files

It writes

    test/oracle/kmeans_cases.csv     case_id,unit,features,truth,sil_labels
    test/oracle/kmeans_expected.csv  case_id,kind,standardize,metric,k,run,init,expected

which test/oracle_kmeans.sql loads and compares with medres.

kmeans_cases.csv: one row per unit (units 1..n of each case).  features: float8[] (values
rounded to 7 significant digits before anything is computed from them, so the file holds the
exact inputs); truth: for the well-separated cases (case_id sep_*), the true blob, numbered in
order of first appearance, else empty; sil_labels: int[] with one cluster value per silhouette
labelling of the case (labelling r = element r; NULL elements: the unit has a NULL cluster),
'{}' when the case has no labelling.

kmeans_expected.csv, two kinds of rows:
  * kind kmeans: k, standardize, run r (several starting points for one (case, k, standardize)),
    init = the k x d float8[][] of starting centres (k distinct data points of the case in the
    standardised space, chosen by the oracle's RNG), expected = int[] of the labels of units
    1..n, relabelled 1..k in order of first appearance in unit order;
  * kind silhouette: run = labelling r, metric, standardize, expected = the mean silhouette
    width (float8, printed with repr()).

Definitions (those medres implements, /tmp/medres_cluster_api.md):
  * standardisation per feature over the rows that take part: zscore (x - mean)/sd with the
    sample sd (ddof = 1), range (x - min)/(max - min), none.  For a silhouette labelling with
    NULL cluster values the rows with a NULL cluster do not take part, so they are dropped
    before standardising;
  * kmeans from given centres = scikit-learn KMeans(n_clusters=k, init=centres, n_init=1,
    algorithm='lloyd', tol=0, max_iter=1000): Lloyd's algorithm on squared euclidean
    distances, ties to the lower centre index, stop when no label changes;
  * silhouette = sklearn.metrics.silhouette_score(Z, labels, metric) for metric euclidean,
    sqeuclidean, manhattan (cityblock), chebyshev, cosine (1 - u.v/(|u||v|)); a point alone in
    its cluster has s = 0.

How the expected values are obtained and cross-checked (the script fails loudly, exit status
1, on any disagreement):
  * kmeans: the labels written are those of a plain numpy Lloyd implementation (direct squared
    distances, argmin = lowest index on ties, centres = numpy means, stop when the labels do
    not change).  scikit-learn's KMeans (above) must give the same partition on every written
    run, and so must R's stats::kmeans(algorithm = "Lloyd", iter.max = 1000) on the data
    standardised by R itself (scale(), range) with the same starting centres;
  * silhouette: the value written is computed in 80-bit long double (distances, standardisation
    and means; numpy's longdouble) and rounded to double.  A plain double-precision numpy
    version and sklearn's silhouette_score must agree with it to SIL_CROSS relative
    (absolute SIL_CROSS_ABS near 0), and so must R (cluster::silhouette when the R package
    'cluster' is installed, else a base-R implementation on dist(); which one was used is
    printed in the summary);
  * well-separated cases: the true blob partition must be recovered by sklearn
    KMeans(init='k-means++', n_init=1, random_state=s) and by a plain (non-greedy) numpy
    k-means++ seeding followed by the numpy Lloyd, for SEP_SEEDS seeds each and every
    standardisation; the blobs are generated so that in every standardised space the smallest
    distance between blob means is at least SEP_RATIO times the largest distance of a point
    from its blob mean.
The expected values do not depend on BLAS or on the number of threads (they come from
element-wise numpy code); sklearn runs single-threaded.

Cases: plain normal data or a normal mixture (blobs) with per-feature scales exp(U(-1.5, 2.5))
and offsets, n from 2 to 2000, d from 1 to 20 (PLANS), the well-separated cases (SEP_PLANS) and
the 31 provinces of data/province_resources_2020.csv (features institutions, personnel_10k,
beds_10k, health_expense_per_capita_yuan; silhouette labellings: the region east/middle/west
as 1/2/3, besides the labellings below).  kmeans runs: for every case, standardize
in (zscore, range, none), every k of its plan (k <= n), INITS_PER_K starting points each.
Silhouette labellings (cases with 3 <= n <= SIL_MAX_N): a random one on the non-contiguous
values 3, 7, 12, 40 with one singleton cluster; one of the oracle's k-means partitions (the true
blobs for sep_*); for n >= 10 a random one on -5, 0, 12 with about 15 % NULL clusters and a
singleton.  Each labelling x 5 metrics x 3 standardisations.

What is excluded (and counted in the summary):
  kmeans runs
  * an empty cluster at some iteration (the contract's rule for that case differs from
    sklearn's relocation);
  * an ambiguous assignment: at some iteration of the numpy run, a point's two nearest centres
    have squared distances d1 <= d2 with d2 - d1 <= TIE_GAP * (d2 + |x~|^2 + |c1~|^2 + |c2~|^2)
    (~ = centred on the data mean: this also covers the rounding of sklearn's expanded
    |x|^2 - 2 x.c + |c|^2 formula, so an sklearn disagreement is a failure, not an exclusion);
  * more than MAX_ITER_WRITTEN centre updates (medres' default max_iter is 300, and the test
    uses the default);
  silhouette values
  * cosine with d = 1 (all cosine distances are 0 or 2) or with a zero vector;
  * ill-conditioned: the double and long double computations differ by more than COND relative
    (absolute COND_ABS near 0), or the estimated effect of an absolute rounding error of 1e-15
    in the cosine distances (sum of 2e-15 / max(a_i, b_i) over the points, / n) exceeds COND.
"""

import csv
import math
import os
import shutil
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import oracle_lib  # noqa: E402
from oracle_lib import CHECKS, fail, count, fmt, distances, ld_standardize  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import silhouette_score  # noqa: E402

warnings.filterwarnings("ignore")

T0 = time.time()
HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = os.path.join(HERE, "oracle")
CASES_FILE = "kmeans_cases.csv"
EXPECTED_FILE = "kmeans_expected.csv"
PROVINCES_CSV = os.path.join(HERE, "..", "data", "province_resources_2020.csv")
PROVINCE_FEATURES = ("institutions", "personnel_10k", "beds_10k", "health_expense_per_capita_yuan")

STANDARDIZE = ("zscore", "range", "none")
METRICS = ("euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine")

TIE_GAP = 1e-9
MAX_ITER_WRITTEN = 250
LLOYD_MAX = 1000
INITS_PER_K = 2
SIL_MAX_N = 1000
SIL_CROSS = 1e-11
SIL_CROSS_ABS = 1e-13
COND = 1e-12
COND_ABS = 1e-14
SEP_SEEDS = 30
SEP_RATIO = 200.0

# case_id, n, d, data seed, mixture components, ks
PLANS = [
    ("n2_d1", 2, 1, 301, 1, [1, 2]),
    ("n2_d3", 2, 3, 302, 1, [1, 2]),
    ("n3_d2", 3, 2, 303, 1, [1, 2, 3]),
    ("n5_d1", 5, 1, 304, 1, [2, 3, 5]),
    ("n10_d1", 10, 1, 305, 2, [1, 2, 3, 4]),
    ("n10_d4", 10, 4, 306, 1, [2, 3, 5, 10]),
    ("n30_d2", 30, 2, 307, 3, [2, 3, 4, 6]),
    ("n57_d5", 57, 5, 308, 1, [1, 3, 7]),
    ("n100_d1", 100, 1, 309, 4, [2, 4, 10]),
    ("n100_d12", 100, 12, 310, 3, [3, 5]),
    ("n200_d8", 200, 8, 311, 5, [2, 5, 8]),
    ("n200_d20", 200, 20, 312, 1, [4, 10]),
    ("n500_d2", 500, 2, 313, 6, [3, 6, 10]),
    ("n1000_d3", 1000, 3, 314, 1, [4, 9]),
    ("n2000_d2", 2000, 2, 315, 4, [4, 10]),
    ("n2000_d6", 2000, 6, 316, 8, [8]),
]
# well separated blobs: case_id, n, d, seed, number of blobs
SEP_PLANS = [
    ("sep_n12_d1", 12, 1, 401, 2),
    ("sep_n40_d20", 40, 20, 402, 5),
    ("sep_n60_d2", 60, 2, 403, 3),
    ("sep_n150_d5", 150, 5, 404, 4),
    ("sep_n400_d3", 400, 3, 405, 6),
]

EXCLUDED = []           # (what, case, detail, reason)
NOTES = {}


def note_max(name, v):
    NOTES[name] = max(NOTES.get(name, 0.0), float(v))


def relabel(labels):
    seen = {}
    out = []
    for x in labels:
        if x not in seen:
            seen[x] = len(seen) + 1
        out.append(seen[x])
    return out


def int_array(vals):
    return "{" + ",".join("NULL" if v is None else str(int(v)) for v in vals) + "}"


def round7(X):
    return np.array([[float("%.7g" % v) for v in row] for row in X])


# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------

def make_data(n, d, seed, comps):
    rng = np.random.default_rng(seed)
    sigma = np.exp(rng.uniform(-1.5, 2.5, d))
    mu = sigma * rng.uniform(-3.0, 3.0, d)
    X = mu + sigma * rng.standard_normal((n, d))
    if comps > 1:
        centres = sigma * 4.0 * rng.standard_normal((comps, d))
        X += centres[rng.integers(0, comps, n)]
    return round7(X), rng


def make_separated(n, d, seed, m):
    rng = np.random.default_rng(seed)
    for _attempt in range(1000):
        sigma = np.exp(rng.uniform(-1.5, 2.5, d))
        mu = sigma * rng.uniform(-3.0, 3.0, d)
        centres = mu + sigma * 3000.0 * rng.uniform(-1.0, 1.0, (m, d))
        sizes = np.full(m, 2) + np.bincount(rng.integers(0, m, n - 2 * m), minlength=m)
        truth = rng.permutation(np.repeat(np.arange(m), sizes))
        X = round7(centres[truth] + sigma * rng.standard_normal((n, d)))
        ok = True
        for st in STANDARDIZE:
            Z = standardize(X, st)
            means = np.array([Z[truth == j].mean(axis=0) for j in range(m)])
            radius = max(np.sqrt(((Z[truth == j] - means[j]) ** 2).sum(axis=1)).max() for j in range(m))
            sep = min(np.sqrt(((means[i] - means[j]) ** 2).sum()) for i in range(m) for j in range(i))
            if not sep >= SEP_RATIO * radius:
                ok = False
                break
            note_max("separated cases: largest radius / smallest blob distance", radius / sep)
        if ok:
            return X, np.array(relabel(truth)), rng
    fail("could not generate separated blobs for seed %d" % seed)


def provinces():
    with open(PROVINCES_CSV, newline="") as f:
        rows = list(csv.DictReader(f))
    X = np.array([[float(r[c]) for c in PROVINCE_FEATURES] for r in rows])
    region = {"east": 1, "middle": 2, "west": 3}
    return X, [region[r["region"]] for r in rows]


def standardize(X, how):
    if how == "zscore":
        return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    if how == "range":
        lo = X.min(axis=0)
        return (X - lo) / (X.max(axis=0) - lo)
    return X.copy()


# ---------------------------------------------------------------------------------------
# k-means
# ---------------------------------------------------------------------------------------

def lloyd(Z, C0, max_iter=LLOYD_MAX):
    """Plain Lloyd.  Returns (labels 0-based, centre updates, smallest relative gap, empty)."""
    n, d = Z.shape
    k = C0.shape[0]
    mu = Z.mean(axis=0)
    zn = ((Z - mu) ** 2).sum(axis=1)
    rows = np.arange(n)
    C = C0.copy()
    labels = None
    min_gap = math.inf
    for it in range(max_iter + 1):
        D = ((Z[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
        new = np.argmin(D, axis=1)
        if k > 1:
            order = np.argsort(D, axis=1, kind="stable")
            j1, j2 = order[:, 0], order[:, 1]
            d1, d2 = D[rows, j1], D[rows, j2]
            cn = ((C - mu) ** 2).sum(axis=1)
            gap = (d2 - d1) / (d2 + zn + cn[j1] + cn[j2])
            min_gap = min(min_gap, float(gap.min()))
        if labels is not None and np.array_equal(new, labels):
            return labels, it, min_gap, False
        labels = new
        cnt = np.bincount(labels, minlength=k)
        if (cnt == 0).any():
            return labels, it, min_gap, True
        C = np.array([Z[labels == j].mean(axis=0) for j in range(k)])
    return None, max_iter, min_gap, False


def sklearn_lloyd(Z, C0):
    km = KMeans(n_clusters=C0.shape[0], init=C0, n_init=1, algorithm="lloyd", tol=0,
                max_iter=LLOYD_MAX)
    return relabel(km.fit(Z).labels_.tolist())


def kmeanspp_plain(Z, k, rng):
    n = Z.shape[0]
    idx = [int(rng.integers(0, n))]
    d2 = ((Z - Z[idx[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        p = d2 / d2.sum()
        j = int(rng.choice(n, p=p))
        idx.append(j)
        d2 = np.minimum(d2, ((Z - Z[j]) ** 2).sum(axis=1))
    return Z[idx].copy()


def check_separated(case_id, X, truth):
    m = int(truth.max())
    want = truth.tolist()
    for st in STANDARDIZE:
        Z = standardize(X, st)
        for s in range(SEP_SEEDS):
            km = KMeans(n_clusters=m, init="k-means++", n_init=1, algorithm="lloyd", random_state=s)
            if relabel(km.fit(Z).labels_.tolist()) != want:
                fail("%s %s: sklearn k-means++ (random_state %d) does not recover the blobs" % (case_id, st, s))
            count("separated: sklearn k-means++ recovers the blobs")
            rng = np.random.default_rng(1000 + s)
            lab, _it, _gap, empty = lloyd(Z, kmeanspp_plain(Z, m, rng))
            if empty or lab is None or relabel(lab.tolist()) != want:
                fail("%s %s: plain k-means++ (seed %d) + numpy Lloyd does not recover the blobs" % (case_id, st, s))
            count("separated: plain k-means++ + numpy Lloyd recovers the blobs")


def kmeans_runs(case_id, X, ks, rng, out_rows, r_jobs, partitions):
    n, d = X.shape
    written = 0
    for st in STANDARDIZE:
        Z = standardize(X, st)
        for k in ks:
            if k > n:
                continue
            for run in range(1, INITS_PER_K + 1):
                idx = rng.choice(n, k, replace=False)
                C0 = Z[idx].copy()
                tag = (case_id, st, k, run)
                if len({tuple(r) for r in C0}) < k:
                    EXCLUDED.append(("kmeans",) + tag + ("duplicate starting centres",))
                    continue
                lab, iters, gap, empty = lloyd(Z, C0)
                if empty:
                    EXCLUDED.append(("kmeans",) + tag + ("empty cluster during the iterations",))
                    continue
                if lab is None:
                    EXCLUDED.append(("kmeans",) + tag + ("no convergence in %d iterations" % LLOYD_MAX,))
                    continue
                if gap <= TIE_GAP:
                    EXCLUDED.append(("kmeans",) + tag + ("ambiguous nearest centre (relative gap %.2g)" % gap,))
                    continue
                if iters > MAX_ITER_WRITTEN:
                    EXCLUDED.append(("kmeans",) + tag + ("%d centre updates > %d" % (iters, MAX_ITER_WRITTEN),))
                    continue
                mine = relabel(lab.tolist())
                sk = sklearn_lloyd(Z, C0)
                if sk != mine:
                    fail("%s %s k=%d run %d: sklearn KMeans and the numpy Lloyd disagree" % tag)
                count("kmeans runs: sklearn KMeans = numpy Lloyd")
                note_max("kmeans: centre updates", iters)
                init = "{" + ",".join("{" + ",".join(fmt(v) for v in row) + "}" for row in C0) + "}"
                out_rows.append((case_id, "kmeans", st, "", str(k), str(run), init, int_array(mine)))
                r_jobs.append({"case": case_id, "st": st, "k": k, "run": run, "init": C0, "labels": mine})
                partitions.append((st, k, mine))
                written += 1
    return written


# ---------------------------------------------------------------------------------------
# silhouette
# ---------------------------------------------------------------------------------------

def sil_from_distances(D, lab):
    """Mean silhouette width, and the per-point (a, b).  lab: 0-based cluster indices."""
    n = len(lab)
    m = int(lab.max()) + 1
    cnt = np.bincount(lab, minlength=m)
    sums = np.stack([D[:, lab == j].sum(axis=1) for j in range(m)], axis=1)
    rows = np.arange(n)
    own = cnt[lab]
    a = np.where(own > 1, sums[rows, lab] / np.maximum(own - 1, 1), 0)
    means = sums / cnt
    means[rows, lab] = np.inf
    b = means.min(axis=1)
    mx = np.maximum(a, b)
    s = np.where((own > 1) & (mx > 0), (b - a) / np.where(mx > 0, mx, 1), 0)
    return s.sum() / n, a, b


def silhouettes(case_id, X, labellings, out_rows, r_jobs):
    n, d = X.shape
    written = 0
    for r, raw in enumerate(labellings, 1):
        keep = np.array([v is not None for v in raw])
        Xk = X[keep]
        vals = [v for v in raw if v is not None]
        uniq = sorted(set(vals))
        lab = np.array([uniq.index(v) for v in vals])
        m = len(uniq)
        assert 2 <= m <= len(vals) - 1, (case_id, r)
        for st in STANDARDIZE:
            Zd = standardize(Xk, st)
            Zl = ld_standardize(Xk, st)
            for mt in METRICS:
                tag = (case_id, "labelling %d" % r, st, mt)
                if mt == "cosine":
                    if d == 1:
                        EXCLUDED.append(("silhouette",) + tag + ("cosine with d = 1",))
                        continue
                    if (np.sqrt((Zd * Zd).sum(axis=1)) == 0).any():
                        EXCLUDED.append(("silhouette",) + tag + ("cosine with a zero vector",))
                        continue
                s_ld, a, b = sil_from_distances(distances(Zl, mt), lab)
                s_d, _, _ = sil_from_distances(distances(Zd, mt), lab)
                exp = float(s_ld)
                tol = max(COND * abs(exp), COND_ABS)
                diff = abs(float(s_d) - exp)
                if diff > tol:
                    EXCLUDED.append(("silhouette",) + tag + (
                        "ill-conditioned (double vs long double %.2g)" % diff,))
                    if diff > 1e-8 * max(abs(exp), 1e-4):
                        fail("%s: double and long double silhouettes differ grossly (%r vs %r)" % (tag, s_d, exp))
                    continue
                note_max("silhouette: |double - long double| / tolerance COND", diff / tol)
                if mt == "cosine":
                    mx = np.maximum(a, b).astype(float)
                    sens = float((2e-15 / mx[mx > 0]).sum() / len(vals)) if (mx > 0).all() else math.inf
                    if sens > tol:
                        EXCLUDED.append(("silhouette",) + tag + (
                            "cosine ill-conditioned (rounding sensitivity %.2g)" % sens,))
                        continue
                sk = silhouette_score(Zd, lab, metric="cityblock" if mt == "manhattan" else mt)
                e = abs(sk - exp)
                note_max("silhouette: |sklearn - long double| (relative, abs near 0)",
                         e / max(abs(exp), SIL_CROSS_ABS / SIL_CROSS))
                if e > max(SIL_CROSS * abs(exp), SIL_CROSS_ABS):
                    fail("%s: sklearn silhouette_score %r vs long double %r" % (tag, sk, exp))
                count("silhouette values: sklearn = long double = double numpy")
                out_rows.append((case_id, "silhouette", st, mt, "", str(r), "", fmt(exp)))
                r_jobs.append({"case": case_id, "r": r, "st": st, "mt": mt, "value": exp})
                written += 1
    return written


def make_labellings(rng, n, partitions, truth):
    """The silhouette labellings of a case with 3 <= n <= SIL_MAX_N (lists with None = NULL)."""
    out = []
    # random on 3, 7, 12, 40 with one singleton cluster
    m = min(4, n - 1)
    vals = [3, 7, 12, 40][:m]
    while True:
        lab = [vals[int(i)] for i in rng.integers(0, m - 1, n)] if m > 2 else [vals[0]] * n
        single = int(rng.integers(0, n))
        lab[single] = vals[m - 1]
        if len(set(lab)) >= 2 and len(set(lab)) <= n - 1:
            break
    out.append(lab)
    # a k-means partition (or the true blobs)
    if truth is not None:
        out.append([int(v) for v in truth])
    else:
        good = [p for (st, k, p) in partitions if st == "zscore" and 2 <= k <= n - 1]
        if good:
            out.append(good[len(good) // 2])
    # -5, 0, 12 with NULLs and a singleton
    if n >= 10:
        while True:
            lab = [[-5, 0][int(i)] for i in rng.integers(0, 2, n)]
            lab[int(rng.integers(0, n))] = 12
            for i in rng.choice(n, max(1, int(round(0.15 * n))), replace=False):
                if lab[i] != 12:
                    lab[i] = None
            present = [v for v in lab if v is not None]
            if 2 <= len(set(present)) <= len(present) - 1 and present.count(12) == 1:
                break
        out.append(lab)
    return out


# ---------------------------------------------------------------------------------------
# R cross-check
# ---------------------------------------------------------------------------------------

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
have_cluster <- requireNamespace("cluster", quietly = TRUE)
out <- file(file.path(dir, "r_out.txt"), "w")
writeLines(paste0("implementation,", if (have_cluster) "cluster::silhouette" else "base R"), out)
std <- function(X, how) {
  if (how == "zscore") return(scale(X))
  if (how == "range") return(apply(X, 2, function(x) (x - min(x)) / (max(x) - min(x))))
  X
}
dmat <- function(Z, metric) {
  if (metric == "sqeuclidean") return(as.matrix(dist(Z))^2)
  if (metric == "euclidean") return(as.matrix(dist(Z)))
  if (metric == "manhattan") return(as.matrix(dist(Z, method = "manhattan")))
  if (metric == "chebyshev") return(as.matrix(dist(Z, method = "maximum")))
  if (metric == "cosine") {
    nz <- sqrt(rowSums(Z^2))
    D <- 1 - tcrossprod(Z) / outer(nz, nz)
    diag(D) <- 0
    return(D)
  }
  stop("metric")
}
sil <- function(D, cl) {
  if (have_cluster) {
    s <- cluster::silhouette(cl, dmatrix = D)
    return(mean(s[, "sil_width"]))
  }
  n <- length(cl)
  u <- sort(unique(cl))
  sums <- sapply(u, function(j) rowSums(D[, cl == j, drop = FALSE]))
  if (is.null(dim(sums))) sums <- matrix(sums, nrow = n)
  cnt <- as.numeric(table(factor(cl, levels = u)))
  own <- match(cl, u)
  a <- ifelse(cnt[own] > 1, sums[cbind(1:n, own)] / pmax(cnt[own] - 1, 1), 0)
  means <- sweep(sums, 2, cnt, "/")
  means[cbind(1:n, own)] <- Inf
  b <- apply(means, 1, min)
  mx <- pmax(a, b)
  s <- ifelse(cnt[own] > 1 & mx > 0, (b - a) / ifelse(mx > 0, mx, 1), 0)
  mean(s)
}
data <- list()
getdata <- function(case) {
  if (is.null(data[[case]]))
    data[[case]] <<- as.matrix(read.csv(file.path(dir, paste0(case, ".csv")), header = FALSE))
  data[[case]]
}
km <- read.csv(file.path(dir, "km_jobs.csv"), colClasses = "character")
for (r in seq_len(nrow(km))) {
  j <- km[r, ]
  X <- getdata(j$case)
  Z <- std(X, j$standardize)
  k <- as.integer(j$k)
  if (k == 1L) {
    # kmeans() would read a 1 x 1 centre matrix as a number of clusters; one cluster is trivial
    cl <- rep(1L, nrow(Z))
  } else {
    C <- matrix(as.numeric(strsplit(j$init, " ")[[1]]), nrow = k, byrow = TRUE)
    cl <- suppressWarnings(kmeans(Z, centers = C, iter.max = 1000, algorithm = "Lloyd"))$cluster
  }
  writeLines(paste0("kmeans,", j$id, ",", paste(cl, collapse = " ")), out)
}
sj <- read.csv(file.path(dir, "sil_jobs.csv"), colClasses = "character")
for (r in seq_len(nrow(sj))) {
  j <- sj[r, ]
  X <- getdata(j$case)
  cl <- suppressWarnings(as.integer(strsplit(j$labels, " ")[[1]]))
  keep <- !is.na(cl)
  Z <- std(X[keep, , drop = FALSE], j$standardize)
  v <- sil(dmat(Z, j$metric), cl[keep])
  writeLines(paste0("silhouette,", j$id, ",", sprintf("%.17g", v)), out)
}
close(out)
"""


def r_crosscheck(data, km_jobs, sil_jobs, labellings):
    if shutil.which("Rscript") is None:
        fail("Rscript not found (r-base-core)")
    tmp = tempfile.mkdtemp(prefix="oracle_kmeans_r_")
    try:
        for case_id, X in data.items():
            with open(os.path.join(tmp, case_id + ".csv"), "w") as f:
                for row in X:
                    f.write(",".join(repr(float(v)) for v in row) + "\n")
        with open(os.path.join(tmp, "km_jobs.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "case", "standardize", "k", "init"])
            for i, j in enumerate(km_jobs):
                w.writerow([i, j["case"], j["st"], j["k"], " ".join(repr(float(v)) for v in j["init"].ravel())])
        with open(os.path.join(tmp, "sil_jobs.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "case", "standardize", "metric", "labels"])
            for i, j in enumerate(sil_jobs):
                lab = labellings[j["case"]][j["r"] - 1]
                w.writerow([i, j["case"], j["st"], j["mt"], " ".join("NA" if v is None else str(v) for v in lab)])
        with open(os.path.join(tmp, "run.R"), "w") as f:
            f.write(R_SCRIPT)
        p = subprocess.run(["Rscript", "--vanilla", os.path.join(tmp, "run.R"), tmp],
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail("Rscript failed:\n" + p.stderr)
        with open(os.path.join(tmp, "r_out.txt")) as f:
            lines = [line.rstrip("\n").split(",", 2) for line in f]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    impl = None
    got_km, got_sil = {}, {}
    for parts in lines:
        if parts[0] == "implementation":
            impl = parts[1]
        elif parts[0] == "kmeans":
            got_km[int(parts[1])] = [int(v) for v in parts[2].split(" ")]
        else:
            got_sil[int(parts[1])] = float(parts[2])
    for i, j in enumerate(km_jobs):
        if i not in got_km or relabel(got_km[i]) != j["labels"]:
            fail("R kmeans (Lloyd) differs for %s %s k=%d run %d" % (j["case"], j["st"], j["k"], j["run"]))
    count("kmeans runs: R kmeans(algorithm = 'Lloyd') = numpy Lloyd", len(km_jobs))
    for i, j in enumerate(sil_jobs):
        v, exp = got_sil.get(i), j["value"]
        if v is None or not abs(v - exp) <= max(SIL_CROSS * abs(exp), SIL_CROSS_ABS):
            fail("R silhouette (%s) differs for %s labelling %d %s/%s: %r vs %r"
                 % (impl, j["case"], j["r"], j["mt"], j["st"], v, exp))
        note_max("silhouette: |R - long double| (relative, abs near 0)",
                 abs(v - exp) / max(abs(exp), SIL_CROSS_ABS / SIL_CROSS))
    count("silhouette values: R (%s) = long double" % impl, len(sil_jobs))
    NOTES["R silhouette implementation: " + str(impl)] = None


# ---------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------

def generate(outdir, verbose):
    global EXCLUDED, NOTES
    EXCLUDED, NOTES = [], {}
    CHECKS.clear()
    case_rows = []
    out_rows = []
    km_jobs, sil_jobs = [], []
    data, labellings = {}, {}
    summary = []

    def add_case(case_id, X, ks, rng, truth=None, extra_labellings=()):
        n, d = X.shape
        t = time.time()
        assert len({tuple(r) for r in X}) == n
        for st in ("zscore", "range"):
            assert np.all(np.isfinite(standardize(X, st)))
        data[case_id] = X
        before = len(EXCLUDED)
        partitions = []
        kw = kmeans_runs(case_id, X, ks, rng, out_rows, km_jobs, partitions)
        labs = list(extra_labellings)
        if 3 <= n <= SIL_MAX_N:
            labs = make_labellings(rng, n, partitions, truth) + labs
        labellings[case_id] = labs
        sw = silhouettes(case_id, X, labs, out_rows, sil_jobs) if labs else 0
        for u in range(n):
            case_rows.append((case_id, str(u + 1), "{" + ",".join(fmt(v) for v in X[u]) + "}",
                              "" if truth is None else str(int(truth[u])),
                              int_array([lab[u] for lab in labs])))
        ex = EXCLUDED[before:]
        summary.append((case_id, n, d, kw, sum(1 for e in ex if e[0] == "kmeans"), len(labs), sw,
                        sum(1 for e in ex if e[0] == "silhouette"), time.time() - t))

    for case_id, n, d, seed, comps, ks in PLANS:
        X, rng = make_data(n, d, seed, comps)
        add_case(case_id, X, ks, rng)
    for case_id, n, d, seed, m in SEP_PLANS:
        X, truth, rng = make_separated(n, d, seed, m)
        check_separated(case_id, X, truth)
        add_case(case_id, X, sorted({1, 2, m}), rng, truth=truth)
    X, region = provinces()
    add_case("provinces", X, [2, 3, 4, 5, 6], np.random.default_rng(500), extra_labellings=[region])

    r_crosscheck(data, km_jobs, sil_jobs, labellings)

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, CASES_FILE), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "unit", "features", "truth", "sil_labels"])
        w.writerows(case_rows)
    with open(os.path.join(outdir, EXPECTED_FILE), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "kind", "standardize", "metric", "k", "run", "init", "expected"])
        w.writerows(out_rows)

    if verbose:
        print("case           n   d  kmeans-runs excluded  labellings silhouettes excluded   secs")
        for s in summary:
            print("%-12s %4d %3d %12d %8d %11d %11d %8d %6.1f" % s)
        tot = [sum(s[i] for s in summary) for i in (3, 4, 5, 6, 7)]
        print("total: %d kmeans runs (%d per-unit labels), %d excluded; %d labellings, "
              "%d silhouette values, %d excluded"
              % (tot[0], sum(len(j["labels"]) for j in km_jobs), tot[1], tot[2], tot[3], tot[4]))
        for f in (CASES_FILE, EXPECTED_FILE):
            print("%s: %d bytes" % (f, os.path.getsize(os.path.join(outdir, f))))
        print("excluded:")
        reasons = {}
        for e in EXCLUDED:
            why = e[-1].split(" (")[0]
            reasons.setdefault((e[0], why), []).append(" ".join(str(x) for x in e[1:-1]))
        for (what, why), lst in sorted(reasons.items()):
            print("  %s, %s: %d  e.g. %s" % (what, why, len(lst), "; ".join(lst[:3])))
        for name, v in sorted(NOTES.items()):
            print(name if v is None else "%s: %.3g" % (name, v))
        print("cross-checks passed: " + ", ".join("%s %d" % kv for kv in sorted(CHECKS.items())))
        print("runtime %.1f s" % (time.time() - T0))


if __name__ == "__main__":
    oracle_lib.main("oracle_kmeans", OUTDIR, (CASES_FILE, EXPECTED_FILE), generate, T0)
