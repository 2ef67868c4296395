#!/usr/bin/env python
"""Top-k speed and memory: skillmatch's kernel against its peers, in one process.

For each caseload size and skill-popularity shape (seeded, ``synthetic.py``) every method
ranks the same unit-normalised cosine vectors — people (queries) against vacancies
(candidates), top ``k`` per person:

- ``ours cosine``: ``Matcher(tx, "cosine", credit=None, ...).fit(Requirements).match(held, k)``,
  timed as a whole and, apart, the ranking alone (``matcher.index_.rank`` on queries
  prepared once with ``matcher.index_.prepare``, threaded as the Matcher threads it), so
  vectorising overhead is visible;
- ``ours coverage``: the default score, with related credit off, ``Credit()`` (the default:
  related, narrower and broader skills) and ``Credit(sibling=0.2)`` (sibling credit on);
- ``sparse_dot_topn``: ``sp_matmul_topn(A, Bᵀ, top_n=k, n_threads=THREADS, sort=True)``, and
  once more at its default thread count (one);
- ``scipy chunked``: ``A[chunk] @ Bᵀ`` to a dense block of at most 64 MB, argpartition and
  sort, chunks run on THREADS threads (SciPy's sparse product releases the GIL);
- ``sklearn``: ``NearestNeighbors(algorithm="brute", metric="cosine", n_jobs=THREADS)``,
  skipped above ``--sklearn-max-pairs``;
- ``dense sketch``: a measured yardstick (a 90-line numba dense-accumulator kernel with
  float32 accumulators and fastmath), run only when its file is given with ``--sketch``;
  it is not part of skillmatch.

Measured per method: wall time (best of ``--repeats`` after one warm-up call), the first
call apart (JIT compilation or cache load happens there), peak RSS increase during a call
(psutil, sampled every 5 ms, relative to the RSS just before the call), pairs/s = n·m/time,
the ratio against sparse_dot_topn at the same thread count, the work (postings read per
row, and thread-time per posting), and agreement of the top-k with sparse_dot_topn's: the share of rows whose
top-k index *set* is the same, and the largest score difference. A row whose k-th and
(k+1)-th reference scores are within ``TIE_TOL`` is a tie at the cut: only its scores are
compared ("ties aside").

Also: one jobseeker (``Matcher.match_one``) against 50k vacancies, median and p95 latency
after warm-up, with the kernel's share; and the kernels' cold compile time in a fresh
process with an empty numba cache.

Run from the repository root::

    python benchmarks/bench_topk.py                          # 10k x 5k and 50k x 20k
    python benchmarks/bench_topk.py --sizes 200000x50000 --repeats 1
    python benchmarks/bench_topk.py --quick                  # CI: small, checks results

``--quick`` (and every run) checks results: ours cosine top-k equals sparse_dot_topn's (ties
aside), the kernel called directly equals ``Matcher.match``, and ours equals the NumPy
reference (``SKILLMATCH_IMPLEMENTATION=python``) on a subset of rows, bit for bit. A wrong
result makes the script exit with status 1; speed never does.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Self

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import synthetic
from machine import describe

import skillmatch.kernels.credit
import skillmatch.kernels.rank
from skillmatch import Matcher, kernels
from skillmatch import match as match_module
from skillmatch.vectorize import WEIGHTINGS, Credit, batch, idf_weights, weighted_unit_rows

#: the code measured: fingerprints taken at import, before anyone edits the files during a run
SOURCE_SHA256 = {f"{pkg.__name__.split('.')[-1]}/{f.name}": hashlib.sha256(f.read_bytes()).hexdigest()[:16]
                 for pkg in (kernels, match_module) for f in sorted(Path(pkg.__file__).parent.glob("*.py"))}

POPULARITY = {"esco": synthetic.ESCO_LIKE, "zipf1": synthetic.ZIPF1}
#: cosine weightings: Matcher keyword arguments. "levels" is the Matcher's default cosine.
COSINE_WEIGHTINGS = {
    "binary": {"weighting": "binary", "idf": False},
    "idf": {"weighting": "binary", "idf": True},
    "levels": {"weighting": "levels", "idf": True},
}
#: coverage runs: related credit off, the default Credit(), and sibling credit on (0.2, the measured best)
CREDITS = {"none": None, "credit": Credit(), "credit-sibling": Credit(sibling=0.2),
           "credit-nosibling": Credit(sibling=0)}
TIE_TOL = 1e-5  # scores within this are a tie at the cut; float32 sums in a different order differ by ~1e-7
SCORE_TOL = 1e-5  # largest score difference accepted against sparse_dot_topn
BLOCK_BYTES = 64 << 20  # scipy chunked: dense block per chunk
QUICK_SIZES = "2000x1000"


# --- measuring --------------------------------------------------------------------------------


class PeakRss:
    """Peak resident set size during a ``with`` block, sampled by a thread every ``interval`` s."""

    def __init__(self, interval: float = 0.005):
        import psutil

        self._process = psutil.Process()
        self.interval = interval

    def _rss(self) -> int:
        return self._process.memory_info().rss

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> Self:
        self.before = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def increase_mb(self) -> float:
        return (self.peak - self.before) / 2**20


def measure(fn, repeats: int, budget: float, warmup: bool = True):
    """Call ``fn`` once (first call: JIT, caches) and then up to ``repeats`` times.

    Repeats stop early once the calls so far took more than ``budget`` seconds (at least one
    timed call is always made). ``warmup=False`` when the same work has just run warm (the
    kernel alone after ``Matcher.match``): the first call then counts as a timed one.
    Returns the last result and the timings.
    """
    calls = []
    out = None
    first_timed = 1 if warmup else 0
    for i in range(repeats + first_timed):
        if i > first_timed and sum(t for t, _ in calls) > budget:
            break
        out = None
        gc.collect()
        with PeakRss() as mem:
            t0 = time.perf_counter()
            out = fn()
            dt = time.perf_counter() - t0
        calls.append((dt, mem.increase_mb))
    timed = calls[first_timed:]
    return out, {
        "loadavg_1min": os.getloadavg()[0],  # other work on the machine slows every method
        "time_s": min(t for t, _ in timed),
        "times_s": [round(t, 6) for t, _ in timed],
        "first_call_s": calls[0][0],
        "peak_rss_mb": max(r for _, r in timed),
        "first_call_peak_rss_mb": calls[0][1],
    }


# --- results as (indices, scores) arrays ----------------------------------------------------------


def canonical(idx: np.ndarray, scores: np.ndarray):
    """Rows ordered by score descending, then index ascending; padding (-1, -inf) last."""
    order = np.lexsort((idx, -scores.astype(np.float64)))
    return np.take_along_axis(idx, order, 1), np.take_along_axis(scores, order, 1)


def from_topn_csr(c: sp.csr_matrix, k: int):
    """sparse_dot_topn's CSR result (at most k entries a row) as padded (n, k) arrays."""
    n = c.shape[0]
    idx = np.full((n, k), -1, np.int32)
    scores = np.full((n, k), -np.inf, np.float32)
    counts = np.diff(c.indptr)
    rows = np.repeat(np.arange(n), counts)
    pos = np.arange(c.nnz) - np.repeat(c.indptr[:-1], counts)
    idx[rows, pos] = c.indices
    scores[rows, pos] = c.data
    return canonical(idx, scores)


def from_neighbors(dist: np.ndarray, ind: np.ndarray):
    """scikit-learn's cosine distances as similarities; zero similarity is no match."""
    scores = (1.0 - dist.astype(np.float64)).astype(np.float32)
    idx = ind.astype(np.int32)
    none = scores <= 1e-6
    idx[none] = -1
    scores[none] = -np.inf
    return canonical(idx, scores)


def agreement(idx, scores, ref_idx, ref_scores, k: int) -> dict:
    """Compare a top-k with a reference top-(k+1) (the extra column finds ties at the cut)."""
    n = len(idx)
    same_set = np.all(np.sort(idx, 1) == np.sort(ref_idx[:, :k], 1), axis=1)
    a = np.sort(scores.astype(np.float64), 1)[:, ::-1]
    b = np.sort(ref_scores[:, :k].astype(np.float64), 1)[:, ::-1]
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    diff = np.where(finite_a & finite_b, np.abs(a - np.where(finite_b, b, 0.0)), 0.0)
    diff[np.any(finite_a != finite_b, axis=1)] = np.inf  # a different number of results
    row_diff = diff.max(axis=1)
    cut = ref_scores[:, k - 1].astype(np.float64), ref_scores[:, k].astype(np.float64)
    tie = np.isfinite(cut[0]) & np.isfinite(cut[1]) & (cut[0] - cut[1] <= TIE_TOL)
    agree = same_set | (tie & (row_diff <= SCORE_TOL))
    finite = row_diff[np.isfinite(row_diff)]
    return {
        "rows": int(n),
        "same_set_share": float(same_set.mean()),
        "tie_rows": int(tie.sum()),
        "agree_ties_aside_share": float(agree.mean()),
        "disagreeing_rows": int((~agree).sum()),
        "score_max_abs_diff": float(finite.max()) if len(finite) else 0.0,
        "rows_with_other_count": int(np.isinf(row_diff).sum()),
    }


# --- the methods -----------------------------------------------------------------------------------


def sdt_call(a, bt, k, n_threads):
    from sparse_dot_topn import sp_matmul_topn

    if n_threads is None:
        return lambda: sp_matmul_topn(a, bt, top_n=k, sort=True)
    return lambda: sp_matmul_topn(a, bt, top_n=k, n_threads=n_threads, sort=True)


def scipy_chunked(a: sp.csr_matrix, bt: sp.csr_matrix, k: int, n_threads: int):
    """Top-k of A·Bᵀ block by block: sparse product, dense block (<= BLOCK_BYTES), argpartition.

    Each thread reuses one dense block (no fresh pages per chunk), negated in place so that
    argpartition selects the k best from the front: selecting from the back of mostly-zero
    rows is several times slower in NumPy (many equal keys).
    """
    n, m = a.shape[0], bt.shape[1]
    rows = max(1, BLOCK_BYTES // (4 * max(m, 1)))
    kk = min(k, m)

    def run():
        idx = np.full((n, k), -1, np.int32)
        scores = np.full((n, k), -np.inf, np.float32)
        local = threading.local()

        def block(lo):
            hi = min(n, lo + rows)
            if not hasattr(local, "dense"):
                local.dense = np.empty((rows, m), np.float32)
            dense = local.dense[:hi - lo]
            dense.fill(0.0)
            (a[lo:hi] @ bt).toarray(out=dense)
            np.negative(dense, out=dense)
            part = np.argpartition(dense, kk - 1, axis=1)[:, :kk] if kk < m else np.tile(np.arange(m), (hi - lo, 1))
            s = -np.take_along_axis(dense, part, 1)
            none = s <= 0
            part = part.astype(np.int32)
            part[none] = -1
            s[none] = -np.inf
            idx[lo:hi, :kk], scores[lo:hi, :kk] = canonical(part, s)

        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(block, range(0, n, rows)))
        return idx, scores

    return run


def sklearn_call(a, b, k, n_threads):
    from sklearn.neighbors import NearestNeighbors

    return lambda: NearestNeighbors(n_neighbors=min(k, b.shape[0]), algorithm="brute", metric="cosine",
                                    n_jobs=n_threads).fit(b).kneighbors(a)


def prepare(matcher: Matcher, queries):
    """Queries as the fitted index ranks them (``index_.prepare``): vectorised, weighted, credited."""
    return matcher.index_.prepare(batch(matcher.taxonomy, queries, where="queries"))


def kernel_batch(matcher: Matcher, prepared, k: int):
    """The ranking alone on prepared queries (``index_.rank``), threaded as ``Matcher.match``."""
    return lambda: matcher.index_.rank(prepared, k, n_threads=matcher.n_threads)


def kernel_serial(matcher: Matcher, prepared, k: int):
    """The ranking on the calling thread, as ``Matcher.match_one`` runs it: ``(indices, scores)``."""
    return matcher.index_.rank(prepared, k, n_threads=1)


def postings(rows, post) -> dict:
    """The kernel's work per query row: its terms, and the postings those terms hold (all tiles).

    Both paths read every posting of the query's terms; sparse_dot_topn reads the same.
    """
    n = rows.n_rows
    lengths = np.zeros(post.n_terms, np.int64)
    for b in range(len(post.indptr) // post.n_terms):
        lo = b * post.n_terms
        lengths += np.diff(post.indptr[lo:lo + post.n_terms + 1])
    return {"terms_per_row": float(len(rows.indices) / max(1, n)),
            "postings_per_row": float(lengths[rows.indices].sum() / max(1, n))}


def sketch_call(path: str, a, b, k: int, threads: int):
    """The dense-accumulator sketch given with ``--sketch`` (a yardstick, not skillmatch code)."""
    import importlib.util

    import numba

    spec = importlib.util.spec_from_file_location("dense_topk_sketch", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # numba's cache finds a function's module by name
    spec.loader.exec_module(module)

    def run():
        old = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            idx, scores = module.topk(a, b, k)
        finally:
            numba.set_num_threads(old)
        scores = scores.copy()
        scores[idx < 0] = -np.inf
        return canonical(idx, scores)

    return run


def with_implementation(value: str, fn):
    """Run ``fn`` with ``SKILLMATCH_IMPLEMENTATION=value``; the environment is restored."""
    old = os.environ.get("SKILLMATCH_IMPLEMENTATION")
    os.environ["SKILLMATCH_IMPLEMENTATION"] = value
    try:
        return fn()
    finally:
        if old is None:
            del os.environ["SKILLMATCH_IMPLEMENTATION"]
        else:
            os.environ["SKILLMATCH_IMPLEMENTATION"] = old


# --- one caseload -----------------------------------------------------------------------------------


class Checks:
    """Correctness checks: recorded, printed, and turned into the exit status."""

    def __init__(self):
        self.items: list[dict] = []

    def __call__(self, name: str, ok: bool, detail: str = "") -> bool:
        self.items.append({"check": name, "ok": bool(ok), "detail": detail})
        print(f"  check {'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
        return bool(ok)

    @property
    def failed(self) -> list[dict]:
        return [c for c in self.items if not c["ok"]]


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run_ours(matcher: Matcher, held, reqs, k: int, args, checks: Checks, tag: str, check_rows) -> tuple:
    """Fit, time ``match`` and the kernel alone; check against the serial path and the NumPy reference.

    Returns ``(entry, result, prepared)``.
    """
    t0 = time.perf_counter()
    matcher.fit(reqs)
    fit_s = time.perf_counter() - t0
    res, stats = measure(lambda: matcher.match(held, k), args.repeats, args.budget)
    t0 = time.perf_counter()
    prepared = prepare(matcher, held)
    prep_s = time.perf_counter() - t0
    (kidx, kscores), kstats = measure(kernel_batch(matcher, prepared, k), args.repeats, args.budget, warmup=False)
    checks(f"{tag}: kernel called directly == Matcher.match",
           np.array_equal(kidx, res.indices) and np.array_equal(kscores, res.scores))
    rows = min(held.shape[0], args.serial_rows)  # the serial path (match_one's) on the first rows
    sample = prepare(matcher, held[:rows])
    sidx, sscores = kernel_serial(matcher, sample, k)
    checks(f"{tag}: serial kernel == Matcher.match on {rows} rows",
           np.array_equal(sidx, res.indices[:rows]) and np.array_equal(sscores, res.scores[:rows]))
    ref = with_implementation("python", lambda: matcher.match(held[check_rows], k))
    checks(f"{tag}: == NumPy reference (SKILLMATCH_IMPLEMENTATION=python) on {len(check_rows)} rows",
           np.array_equal(ref.indices, res.indices[check_rows]) and np.array_equal(ref.scores, res.scores[check_rows]))
    entry = {"threads": matcher.n_threads, "fit_s": fit_s, "vectorise_s": prep_s, "kernel_s": kstats["time_s"],
             "kernel_times_s": kstats["times_s"], "kernel_peak_rss_mb": kstats["peak_rss_mb"],
             "query_terms_per_row": float(np.diff(prepared.rows.indptr).mean()),
             "work": postings(prepared.rows, matcher.index_.postings)}
    entry.update(stats)
    return entry, res, prepared


def run_case(tx, n: int, m: int, popularity: str, args, checks: Checks) -> dict:
    k, threads = args.k, args.threads
    tag = f"{n}x{m} {popularity}"
    print(f"\n== {tag}: {n} people x {m} vacancies, top-{k}, {threads} threads", flush=True)
    t0 = time.perf_counter()
    cl = synthetic.caseload(n, m, seed=args.seed, shape=POPULARITY[popularity])
    held, reqs = synthetic.matcher_inputs(cl, tx.n_concepts)
    case = {"size": f"{n}x{m}", "n": n, "m": m, "popularity": popularity, "k": k, "threads": threads,
            "people_skills_per_row": held.nnz / n, "vacancy_skills_per_row": reqs.importance.nnz / m,
            "generate_s": time.perf_counter() - t0, "methods": [], "notes": []}
    pairs = float(n) * m
    rng = np.random.default_rng(args.seed)
    check_rows = np.sort(rng.choice(n, size=min(n, args.check_rows), replace=False))

    def add(entry: dict, stats: dict | None = None) -> dict:
        if stats:
            entry.update(stats)
            entry["pairs_per_s"] = pairs / entry["time_s"]
        case["methods"].append(entry)
        return entry

    for weighting in args.weighting:
        kw = COSINE_WEIGHTINGS[weighting]
        print(f"-- cosine, weighting {weighting} ({kw})", flush=True)
        # the vectors every method ranks: exactly what Matcher(scoring="cosine") builds
        idf = idf_weights(reqs.importance) if kw["idf"] else None
        a = weighted_unit_rows(held, WEIGHTINGS[kw["weighting"]](held, "held"), idf)
        b = weighted_unit_rows(reqs.importance, WEIGHTINGS[kw["weighting"]](reqs.importance, "requirements"), idf)
        t0 = time.perf_counter()
        bt = b.T.tocsr()
        transpose_s = time.perf_counter() - t0

        # ours: fit, whole match, kernel alone
        matcher = Matcher(tx, "cosine", credit=None, n_threads=threads, **kw)
        entry, res, prepared = run_ours(matcher, held, reqs, k, args, checks, f"{tag} cosine/{weighting}", check_rows)
        ours_idx, ours_s = res.indices, res.scores
        c = matcher.index_.candidates.rows
        c_rows = sp.csr_matrix((c.values, c.indices, c.indptr), shape=b.shape)
        q_rows = sp.csr_matrix((prepared.rows.values, prepared.rows.indices, prepared.rows.indptr), shape=a.shape)
        checks(f"{tag} cosine/{weighting}: the peers rank the Matcher's vectors",
               (abs(c_rows - b).max() == 0) and (abs(q_rows - a).max() == 0))
        ours = add(dict({"method": "ours cosine", "scoring": "cosine", "weighting": weighting}, **entry))
        ours["pairs_per_s"] = pairs / ours["time_s"]
        del prepared, c, c_rows, q_rows

        # the reference for agreement: sparse_dot_topn top-(k+1), or SciPy's when it is missing
        if have("sparse_dot_topn"):
            ref_idx, ref_s = from_topn_csr(sdt_call(a, bt, k + 1, threads)(), k + 1)
            ref_name = "sparse_dot_topn"
        else:
            ref_idx, ref_s = scipy_chunked(a, bt, k + 1, threads)()
            ref_name = "scipy chunked"
            case["notes"].append("sparse_dot_topn is not installed: agreement is against scipy chunked")
        ours["agreement"] = agreement(ours_idx, ours_s, ref_idx, ref_s, k)
        ours["agreement"]["reference"] = ref_name

        peers = []
        if have("sparse_dot_topn"):
            peers.append(("sparse_dot_topn", threads, sdt_call(a, bt, k, threads), lambda c: from_topn_csr(c, k)))
            if args.slow_peers:
                peers.append(("sparse_dot_topn (default threads)", 1, sdt_call(a, bt, k, None),
                              lambda c: from_topn_csr(c, k)))
        if args.sketch:
            peers.append(("dense sketch (yardstick)", threads, sketch_call(args.sketch, a, b, k, threads), lambda r: r))
        if args.slow_peers:
            peers.append(("scipy chunked", threads, scipy_chunked(a, bt, k, threads), lambda r: r))
        else:
            case["notes"].append("--no-slow-peers: sparse_dot_topn on one thread and scipy chunked not run")
        if have("sklearn") and pairs <= args.sklearn_max_pairs:
            peers.append(("sklearn brute cosine", threads, sklearn_call(a, b, k, threads),
                          lambda r: from_neighbors(*r)))
        elif have("sklearn"):
            note = (f"sklearn NearestNeighbors skipped at {n}x{m}: {pairs:.0e} pairs > --sklearn-max-pairs "
                    f"{args.sklearn_max_pairs:.0e} (it computes every distance)")
            case["notes"].append(note)
            print("  " + note)
        for name, n_thr, fn, convert in peers:
            out, st = measure(fn, args.repeats, args.budget)
            pidx, ps = convert(out)
            del out
            entry = add({"method": name, "scoring": "cosine", "weighting": weighting, "threads": n_thr,
                         "agreement": agreement(pidx, ps, ref_idx, ref_s, k)}, st)
            if name.startswith("sparse_dot_topn"):
                entry["transpose_s"] = transpose_s
            entry["agreement"]["reference"] = ref_name
            if name == "scipy chunked":
                entry["block_mb"] = BLOCK_BYTES / 2**20
            agree = entry["agreement"]
            checks(f"{tag} {weighting}: {name} top-{k} == {ref_name} (ties aside)",
                   agree["disagreeing_rows"] == 0 and agree["score_max_abs_diff"] <= SCORE_TOL,
                   f"{agree['disagreeing_rows']} rows differ, max |dscore| {agree['score_max_abs_diff']:.1e}")
        agree = ours["agreement"]
        checks(f"{tag} {weighting}: ours cosine top-{k} == {ref_name} (ties aside)",
               agree["disagreeing_rows"] == 0 and agree["score_max_abs_diff"] <= SCORE_TOL,
               f"{agree['same_set_share']:.4f} same set, {agree['tie_rows']} tie rows, "
               f"{agree['disagreeing_rows']} rows differ, max |dscore| {agree['score_max_abs_diff']:.1e}")
        del a, b, bt, ref_idx, ref_s, matcher, res
        gc.collect()

    for credit_name in args.credit:
        credit = CREDITS[credit_name]
        print(f"-- coverage, credit {credit_name} ({credit})", flush=True)
        matcher = Matcher(tx, "coverage", credit=credit, n_threads=threads)
        entry, res, prepared = run_ours(matcher, held, reqs, k, args, checks, f"{tag} coverage/{credit_name}",
                                        check_rows)
        e = add(dict({"method": "ours coverage", "scoring": "coverage", "credit": credit_name}, **entry))
        e["pairs_per_s"] = pairs / e["time_s"]
        del matcher, res, prepared
        gc.collect()

    for essential in ("penalty", "none"):
        print(f"-- fit (the default score), essential {essential}", flush=True)
        matcher = Matcher(tx, essential=essential, n_threads=threads)
        entry, res, prepared = run_ours(matcher, held, reqs, k, args, checks, f"{tag} fit/{essential}", check_rows)
        e = add(dict({"method": "ours fit", "scoring": "fit", "essential": essential}, **entry))
        e["pairs_per_s"] = pairs / e["time_s"]
        del matcher, res, prepared
        gc.collect()

    # ratios
    sdt = {e["weighting"]: e["time_s"] for e in case["methods"] if e["method"] == "sparse_dot_topn"}
    cos = {e["weighting"]: e["time_s"] for e in case["methods"] if e["method"] == "ours cosine"}
    for e in case["methods"]:
        w = e.get("weighting")
        if e["scoring"] == "cosine" and w in sdt:
            e["sdt_time_over_this"] = sdt[w] / e["time_s"]
            if "kernel_s" in e:
                e["sdt_time_over_kernel"] = sdt[w] / e["kernel_s"]
        if e["method"] in ("ours coverage", "ours fit"):
            e["time_over_ours_cosine"] = {w: e["time_s"] / t for w, t in cos.items()}
    # cost per posting (thread-seconds per posting list entry read); both read every posting
    # of the query row's terms
    per_row = {e["weighting"]: e["work"]["postings_per_row"] for e in case["methods"] if e["method"] == "ours cosine"}
    for e in case["methods"]:
        if "work" in e:
            e["kernel_ns_per_posting"] = e["kernel_s"] * e["threads"] / max(1.0, e["work"]["postings_per_row"] * n) * 1e9
        elif e["method"].startswith("sparse_dot_topn") and e.get("weighting") in per_row:
            e["ns_per_posting"] = e["time_s"] * e["threads"] / max(1.0, per_row[e["weighting"]] * n) * 1e9
    print_case(case)
    return case


# --- one jobseeker ------------------------------------------------------------------------------------


def latency(tx, popularity: str, args, checks: Checks) -> list[dict]:
    """``Matcher.match_one(Jobseeker)`` against ``args.latency_m`` vacancies: per-call latency."""
    m, calls, k = args.latency_m, args.latency_calls, args.k
    print(f"\n== one jobseeker against {m} vacancies ({popularity}), {calls} calls after warm-up", flush=True)
    cl = synthetic.caseload(calls, m, seed=args.seed + 1, shape=POPULARITY[popularity])
    held, reqs = synthetic.matcher_inputs(cl, tx.n_concepts)
    people = synthetic.jobseekers(held, tx.concepts.ids)
    configs = [("cosine", "idf", None), ("fit", None, "none"), ("coverage", None, "none"), ("coverage", None, "credit")]
    out = []
    for scoring, weighting, credit_name in configs:
        kw = COSINE_WEIGHTINGS[weighting] if weighting else {}
        matcher = Matcher(tx, scoring, credit=CREDITS[credit_name] if credit_name else None, n_threads=args.threads,
                          **kw).fit(reqs)
        t0 = time.perf_counter()
        first = matcher.match_one(people[0], k)
        first_s = time.perf_counter() - t0
        for p in people[:20]:
            matcher.match_one(p, k)
        times = np.empty(len(people))
        results = []
        for i, p in enumerate(people):
            t0 = time.perf_counter()
            r = matcher.match_one(p, k)
            times[i] = time.perf_counter() - t0
            results.append(r)
        # the kernel alone for the same single rows, on the calling thread as match_one runs it
        # (arguments built outside the timing)
        ktimes = np.empty(len(people))
        kernel_same = True
        for i, p in enumerate(people):
            prepared = prepare(matcher, [p])
            t0 = time.perf_counter()
            kidx, kscores = kernel_serial(matcher, prepared, k)
            ktimes[i] = time.perf_counter() - t0
            kernel_same &= np.array_equal(kidx, results[i].indices) and np.array_equal(kscores, results[i].scores)
        # the floor: a jobseeker without skills touches no posting, so what remains is per-call
        # work that grows with the number of vacancies (scratch arrays, copies, scans)
        from skillmatch.models import Jobseeker

        empty = Jobseeker(id="no-skills")
        floor, kfloor = np.empty(50), np.empty(50)
        for i in range(50):
            t0 = time.perf_counter()
            matcher.match_one(empty, k)
            floor[i] = time.perf_counter() - t0
            prepared = prepare(matcher, [empty])
            t0 = time.perf_counter()
            kernel_serial(matcher, prepared, k)
            kfloor[i] = time.perf_counter() - t0
        batch = matcher.match(held, k)
        checks(f"one jobseeker {popularity} {scoring}/{weighting or credit_name}: match_one == kernel == match rows",
               np.array_equal(np.vstack([r.indices for r in results]), batch.indices)
               and np.array_equal(np.vstack([r.scores for r in results]), batch.scores) and kernel_same)
        entry = {"popularity": popularity, "m": m, "k": k, "scoring": scoring, "weighting": weighting,
                 "credit": credit_name, "calls": len(people), "first_call_s": first_s,
                 "median_ms": float(np.median(times) * 1e3), "p95_ms": float(np.percentile(times, 95) * 1e3),
                 "min_ms": float(times.min() * 1e3),
                 "kernel_median_ms": float(np.median(ktimes) * 1e3),
                 "kernel_p95_ms": float(np.percentile(ktimes, 95) * 1e3),
                 "no_skills_median_ms": float(np.median(floor) * 1e3),
                 "no_skills_kernel_median_ms": float(np.median(kfloor) * 1e3),
                 "loadavg_1min": os.getloadavg()[0]}
        del first
        print(f"  {scoring:8s} {weighting or credit_name:8s} median {entry['median_ms']:.3f} ms  p95 "
              f"{entry['p95_ms']:.3f} ms   kernel alone: median {entry['kernel_median_ms']:.3f} ms  p95 "
              f"{entry['kernel_p95_ms']:.3f} ms; no skills: {entry['no_skills_median_ms']:.3f} ms "
              f"(kernel {entry['no_skills_kernel_median_ms']:.3f} ms)", flush=True)
        out.append(entry)
    return out


# --- many candidates: memory -------------------------------------------------------------------

_BIG = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np, psutil, synthetic
from skillmatch import Matcher
n, m, threads = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
proc = psutil.Process()
tx = synthetic.taxonomy()
cl = synthetic.caseload(n, m, seed=5)
held, reqs = synthetic.matcher_inputs(cl, tx.n_concepts)
del cl
before_fit = proc.memory_info().rss
t0 = time.perf_counter()
matcher = Matcher(tx, n_threads=threads).fit(reqs)
fit_s = time.perf_counter() - t0
index = matcher.index_
index_mb = sum(a.nbytes for group in (index.candidates.rows, index.postings) for a in group
               if isinstance(a, np.ndarray)) / 2**20
del reqs
after_fit = proc.memory_info().rss
matcher.match(held[:50], 10)  # warm-up: JIT cache load, scratch
before = proc.memory_info().rss
t0 = time.perf_counter()
res = matcher.match(held, 10)
match_s = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"n": n, "m": m, "threads": threads, "tiles": int(-(-m // index.postings.tile)),
                  "tile": index.postings.tile, "fit_s": fit_s, "match_s": match_s, "index_arrays_mb": index_mb,
                  "rss_before_fit_mb": before_fit / 2**20, "rss_after_fit_mb": after_fit / 2**20,
                  "rss_before_match_mb": before / 2**20, "peak_rss_mb": peak,
                  "result_mb": (res.indices.nbytes + res.scores.nbytes) / 2**20,
                  "found_share": float((res.indices[:, 0] >= 0).mean())}))
"""


def many_candidates(n: int, m: int, threads: int) -> dict:
    """A query batch against ``m`` candidates (1M: ~31 tiles) in a fresh process: peak memory.

    Peak RSS should be the index plus the batch and its results plus threads x one tile of
    scratch: never n x m.
    """
    print(f"\n== {n} queries against {m} candidates (default score, {threads} threads), fresh process",
          flush=True)
    proc = subprocess.run([sys.executable, "-c", _BIG, str(HERE), str(n), str(m), str(threads)],
                          capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  fit {out['fit_s']:.1f} s, match {out['match_s']:.1f} s; index arrays {out['index_arrays_mb']:.0f} MB; "
          f"RSS before fit {out['rss_before_fit_mb']:.0f} MB, after fit {out['rss_after_fit_mb']:.0f} MB, "
          f"peak {out['peak_rss_mb']:.0f} MB; results {out['result_mb']:.1f} MB; {out['tiles']} tiles of "
          f"{out['tile']}", flush=True)
    return out


# --- JIT --------------------------------------------------------------------------------------------------

_COLD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import synthetic
from skillmatch import Matcher
tx = synthetic.taxonomy()
held, reqs = synthetic.matcher_inputs(synthetic.caseload(50, 40), tx.n_concepts)
out = {}
for name, scoring, kw in (("rank_rows", "cosine", {"credit": None}), ("related_credit", "coverage", {})):
    m = Matcher(tx, scoring, n_threads=int(sys.argv[2]), **kw).fit(reqs)
    t0 = time.perf_counter(); m.match(held, 10); first = time.perf_counter() - t0
    t0 = time.perf_counter(); m.match(held, 10); warm = time.perf_counter() - t0
    out[name] = first - warm
print(json.dumps(out))
"""


def cold_jit(threads: int) -> dict:
    """Compile time of the kernels in a fresh process with an empty numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _COLD, str(HERE), str(threads)], env=env, capture_output=True,
                              text=True, timeout=900, check=False)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"rank_rows_compile_s": result["rank_rows"], "related_credit_compile_s": result["related_credit"],
            "process_wall_s": wall}


def warm_jit(tx, threads: int) -> dict:
    """First calls in this process (numba cache load, or compilation when the cache is stale)."""
    held, reqs = synthetic.matcher_inputs(synthetic.caseload(50, 40, seed=99), tx.n_concepts)
    out = {}
    for name, scoring, kw in (("rank_rows", "cosine", {"credit": None}), ("related_credit", "coverage", {})):
        m = Matcher(tx, scoring, n_threads=threads, **kw).fit(reqs)
        t0 = time.perf_counter()
        m.match(held, 10)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        m.match(held, 10)
        out[f"{name}_first_call_s"] = first - (time.perf_counter() - t0)
    for name, fn in (("rank_rows", skillmatch.kernels.rank.rank_rows),
                     ("related_credit", skillmatch.kernels.credit.related_credit)):
        st = fn.stats
        out[f"{name}_cache"] = {"hits": sum(st.cache_hits.values()), "misses": sum(st.cache_misses.values())}
    return out


# --- reporting ----------------------------------------------------------------------------------------------


def machine() -> dict:
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = None
    return {
        **describe(("numpy", "scipy", "numba", "scikit-learn", "sparse-dot-topn", "psutil", "skillmatch")),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "numba_threading_layer": layer, "numba_num_threads": numba.config.NUMBA_NUM_THREADS,
        "source_sha256": SOURCE_SHA256,
    }


def label(e: dict) -> str:
    if e["method"] == "ours coverage":
        return f"ours coverage, credit {e['credit']}"
    if e["method"] == "ours fit":
        return f"ours fit, essential {e['essential']}"
    return f"{e['method']} [{e['weighting']}]"


def print_case(case: dict) -> None:
    print(f"\n{case['size']} {case['popularity']}: top-{case['k']}, {case['threads']} threads; "
          f"{case['people_skills_per_row']:.1f} / {case['vacancy_skills_per_row']:.1f} skills per person / vacancy")
    head = (f"{'method':44s} {'thr':>3s} {'time s':>8s} {'kernel s':>8s} {'first s':>8s} {'RSS MB':>7s} "
            f"{'Mpairs/s':>9s} {'sdt/this':>8s} {'same set':>8s} {'ties-aside':>10s} {'max|ds|':>8s}")
    print(head)
    print("-" * len(head))
    for e in case["methods"]:
        ag = e.get("agreement", {})
        print(f"{label(e):44s} {e['threads']:>3d} {e['time_s']:8.3f} "
              f"{e['kernel_s'] if 'kernel_s' in e else float('nan'):8.3f} {e['first_call_s']:8.3f} "
              f"{e['peak_rss_mb']:7.1f} {e['pairs_per_s'] / 1e6:9.1f} "
              f"{e.get('sdt_time_over_this', float('nan')):8.2f} "
              f"{ag.get('same_set_share', float('nan')):8.4f} {ag.get('agree_ties_aside_share', float('nan')):10.4f} "
              f"{ag.get('score_max_abs_diff', float('nan')):8.1e}")
    for e in case["methods"]:
        if "work" in e:
            w = e["work"]
            print(f"  work {label(e):44s} terms/row {w['terms_per_row']:6.1f}, postings/row {w['postings_per_row']:8.0f}, "
                  f"{e['kernel_ns_per_posting']:5.1f} ns per posting (thread-time); vectorise {e['vectorise_s']:.3f} s, "
                  f"fit {e['fit_s']:.3f} s")
    for e in case["methods"]:
        if "ns_per_posting" in e:
            print(f"  {label(e):48s} {e['ns_per_posting']:.0f} ns per posting (thread-time / postings of the row's terms)")
    for note in case["notes"]:
        print("  note: " + note)


def targets(report: dict, target_size: str) -> list[dict]:
    """The issue's targets, evaluated where the measurements allow."""
    out = []
    for case in report["cases"]:
        if case["size"] != target_size:
            continue
        ms = case["methods"]
        for e in ms:
            if e["method"] == "ours cosine" and "sdt_time_over_this" in e:
                out.append({"target": "cosine >= 4x faster than sparse_dot_topn(n_threads=2)", "size": case["size"],
                            "popularity": case["popularity"], "weighting": e["weighting"],
                            "value": e["sdt_time_over_this"], "kernel_only": e.get("sdt_time_over_kernel"),
                            "met": e["sdt_time_over_this"] >= 4.0})
            if e["method"] == "ours coverage" and e["credit"] == "credit":
                for w, ratio in e["time_over_ours_cosine"].items():
                    out.append({"target": "coverage with credit <= 1.5x ours cosine", "size": case["size"],
                                "popularity": case["popularity"], "credit": e["credit"], "cosine_weighting": w,
                                "value": ratio, "met": ratio <= 1.5})
            if e["method"] == "ours fit" and e["essential"] == "penalty":
                for w, ratio in e["time_over_ours_cosine"].items():
                    out.append({"target": "fit (the default) <= 1.2x ours cosine", "size": case["size"],
                                "popularity": case["popularity"], "cosine_weighting": w, "value": ratio,
                                "met": ratio <= 1.2})
    for e in report.get("latency", []):
        if e["m"] < 50_000:
            continue  # the quick run's small index says nothing about this target
        out.append({"target": "one jobseeker against 50k vacancies < 0.3 ms median", "popularity": e["popularity"],
                    "m": e["m"], "scoring": e["scoring"], "credit": e["credit"], "value": e["median_ms"],
                    "met": e["median_ms"] < 0.3})
    return out


def markdown(report: dict) -> str:
    lines = [("| size | popularity | method | threads | time s | kernel s | first call s | peak RSS MB | Mpairs/s "
              "| sdt time / this | same top-10 set | ties aside | max abs Δscore |"),
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for case in report["cases"]:
        for e in case["methods"]:
            ag = e.get("agreement")
            lines.append(
                f"| {case['size']} | {case['popularity']} | {label(e)} | {e['threads']} | {e['time_s']:.3f} | "
                + (f"{e['kernel_s']:.3f}" if "kernel_s" in e else "") + f" | {e['first_call_s']:.3f} | "
                f"{e['peak_rss_mb']:.0f} | {e['pairs_per_s'] / 1e6:.0f} | "
                + (f"{e['sdt_time_over_this']:.2f}" if "sdt_time_over_this" in e else "") + " | "
                + (f"{ag['same_set_share']:.4f} | {ag['agree_ties_aside_share']:.4f} | {ag['score_max_abs_diff']:.0e}"
                   if ag else " | | ") + " |")
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------------------


def parse_size(text: str) -> tuple[int, int]:
    try:
        n, m = text.lower().split("x")
        return int(n), int(m)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size: expected PEOPLExVACANCIES such as 50000x20000, got {text!r}") from None


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default=None,
                   help="comma-separated PEOPLExVACANCIES (default 10000x5000,50000x20000; 200000x50000 optional; "
                        f"--quick: {QUICK_SIZES})")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--popularity", default="esco,zipf1", help="esco, zipf1 or both (comma-separated)")
    p.add_argument("--weighting", default="binary,idf",
                   help="cosine weightings: binary (no idf), idf (binary x idf), levels (levels x idf, the Matcher "
                        "default); comma-separated")
    p.add_argument("--credit", default="none,credit,credit-sibling",
                   help="coverage runs: none, credit (Credit(), the default), credit-sibling (Credit(sibling=0.2)), "
                        "credit-nosibling (Credit(sibling=0))")
    p.add_argument("--repeats", type=int, default=3, help="timed calls after the warm-up; the best counts")
    p.add_argument("--budget", type=float, default=60.0,
                   help="stop repeating a method once its calls took this many seconds (>= 1 timed call)")
    p.add_argument("--sklearn-max-pairs", type=float, default=1.0e9,
                   help="skip scikit-learn above this many pairs (it computes every distance)")
    p.add_argument("--check-rows", type=int, default=None,
                   help="rows compared with the NumPy reference (default 3; --quick 10)")
    p.add_argument("--serial-rows", type=int, default=2000,
                   help="rows run through the serial (match_one) path and checked against the batch result")
    p.add_argument("--latency-m", type=int, default=None, help="vacancies for one-jobseeker latency (default 50000)")
    p.add_argument("--latency-calls", type=int, default=None, help="match_one calls (default 200)")
    p.add_argument("--no-latency", action="store_true")
    p.add_argument("--slow-peers", action=argparse.BooleanOptionalAction, default=True,
                   help="also run sparse_dot_topn on one thread and SciPy chunked (default: on)")
    p.add_argument("--cold-jit", action=argparse.BooleanOptionalAction, default=None,
                   help="measure compile time in a fresh process with an empty numba cache (default: on, off in --quick)")
    p.add_argument("--many", type=parse_size, default=None,
                   help="also rank QUERIESxCANDIDATES (e.g. 20000x1000000) in a fresh process and report peak memory")
    p.add_argument("--sketch", default=None,
                   help="path of the dense-accumulator sketch (dense_topk_sketch.py) to run beside ours as a yardstick")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="CI: small sizes, all methods, checks; exit 1 on a wrong result")
    p.add_argument("--out", default=None,
                   help="JSON report (default results/bench_topk.json; --quick writes none unless given)")
    p.add_argument("--markdown", default=None, help="also write the table as Markdown to this file")
    args = p.parse_args(argv)
    quick = args.quick
    args.sizes = [parse_size(s) for s in (args.sizes or (QUICK_SIZES if quick else "10000x5000,50000x20000")).split(",")]
    args.popularity = [s.strip() for s in args.popularity.split(",")]
    args.weighting = [s.strip() for s in args.weighting.split(",")]
    args.credit = [s.strip() for s in args.credit.split(",") if s.strip()]
    for name, values, allowed in (("--popularity", args.popularity, POPULARITY),
                                  ("--weighting", args.weighting, COSINE_WEIGHTINGS),
                                  ("--credit", args.credit, CREDITS)):
        bad = [v for v in values if v not in allowed]
        if bad:
            p.error(f"{name}: expected some of {list(allowed)}, got {bad}")
    if args.k < 1 or args.threads < 1 or args.repeats < 1:
        p.error("--k, --threads and --repeats must be positive")
    if args.check_rows is None:
        args.check_rows = 10 if quick else 3
    if args.latency_m is None:
        args.latency_m = 2000 if quick else 50_000
    if args.latency_calls is None:
        args.latency_calls = 40 if quick else 200
    if args.cold_jit is None:
        args.cold_jit = not quick
    if quick:
        args.repeats = min(args.repeats, 1)
    return args


def main(argv=None) -> int:
    """Run the benchmark; returns 0, or 1 when a result was wrong (never because of speed)."""
    args = parse_args(argv)
    checks = Checks()
    started = time.time()
    t0 = time.perf_counter()
    tx = synthetic.taxonomy()
    print(f"synthetic taxonomy: {tx.n_concepts} concepts ({time.perf_counter() - t0:.1f} s)", flush=True)
    report = {"benchmark": "bench_topk", "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "args": dict(vars(args), sizes=[f"{n}x{m}" for n, m in args.sizes]),
              "tie_tol": TIE_TOL, "score_tol": SCORE_TOL}
    report["loadavg_start"] = os.getloadavg()
    if report["loadavg_start"][0] > 0.5:
        print(f"warning: load average {report['loadavg_start'][0]:.1f} before the start; other work on this "
              "machine slows every method (loadavg_1min is recorded per method)", flush=True)
    report["jit"] = warm_jit(tx, args.threads)
    print(f"first calls in this process (numba cache load or compile): {report['jit']}", flush=True)
    if args.cold_jit:
        report["jit"]["cold"] = cold_jit(args.threads)
        print(f"cold compile (empty numba cache, fresh process): {report['jit']['cold']}", flush=True)
    report["cases"] = [run_case(tx, n, m, pop, args, checks) for n, m in args.sizes for pop in args.popularity]
    if args.many:
        report["many_candidates"] = many_candidates(*args.many, args.threads)
    if not args.no_latency:
        report["latency"] = [e for pop in args.popularity for e in latency(tx, pop, args, checks)]
    report["machine"] = machine()
    target_size = "50000x20000" if not args.quick else f"{args.sizes[0][0]}x{args.sizes[0][1]}"
    report["targets"] = targets(report, target_size)
    report["checks"] = checks.items
    report["wall_s"] = time.time() - started
    report["loadavg_end"] = os.getloadavg()

    print("\n" + markdown(report))
    if report["targets"]:
        print("\nTargets" + (" (quick sizes: indicative only)" if args.quick else "") + ":")
        for t in report["targets"]:
            where = ", ".join(f"{k}={t[k]}" for k in ("popularity", "weighting", "credit", "cosine_weighting",
                                                          "scoring") if t.get(k))
            print(f"  {'met    ' if t['met'] else 'not met'} {t['target']} ({where}): {t['value']:.3g}")
    out = args.out or (None if args.quick else str(HERE / "results" / "bench_topk.json"))
    if out:  # a quick run does not overwrite the recorded full run
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(report, indent=1, default=float))
        print(f"\nwrote {out} ({report['wall_s']:.0f} s)")
    if args.markdown:
        Path(args.markdown).write_text(markdown(report) + "\n")
    if checks.failed:
        print(f"{len(checks.failed)} check(s) FAILED: " + "; ".join(c["check"] for c in checks.failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
