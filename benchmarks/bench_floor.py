#!/usr/bin/env python
"""The floor under any exact top-k kernel: the scatter alone, timed beside ours and sparse_dot_topn.

Every kernel that scores every candidate exactly — ours, the issue's dense sketch,
sparse_dot_topn — reads each posting of a query's terms once and adds it into a per-candidate
sum; what differs is how it then finds the k best. This script times that scatter and
nothing else, on our own postings (no selection, no top list: each row's sums are simply
zeroed), in the same process and interleaved with our whole ranking and with
sparse_dot_topn. ``sparse_dot_topn ÷ floor`` is then the best ratio against
sparse_dot_topn that any such kernel could reach on the caseload, and ``floor ÷ ours`` the
share of our time that the scatter takes.

For the default score (``fit``: two sums per posting, plus the count of met essential
requirements) the same floor is set against our whole cosine ranking: the least
``fit ÷ cosine`` a kernel of this design could reach.

It also measures what pruning could save: the share of a row's postings that a MaxScore-style
kernel could leave unread if it knew the row's final k-th best score in advance (terms
taken longest posting list first while the sum of their largest possible contributions stays
under that score). That is an upper bound: a real pruning kernel does not know the k-th best
in advance and must still look up those terms for the candidates that come close.

The floor kernel reads the postings one by one; where the index keeps common terms as whole
columns (the ``zipf1`` caseload) ours adds those faster, so the script refuses such a
caseload rather than report a floor that is not one.

    python benchmarks/bench_floor.py            # 50k x 20k esco, 2 threads, 7 rounds (~2 min)
    python benchmarks/bench_floor.py --quick    # small, checks only, writes nothing unless --out
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numba
import numpy as np
import scipy.sparse as sp
from numba import njit, prange

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import synthetic
from bench_ratio import paired_args
from bench_topk import POPULARITY, have, prepare
from machine import describe

from skillmatch import Matcher

COSINE, FIT, FIT_MET = 0, 1, 2  # the floor's modes: one sum; fit's two sums; and its met-essential counts


@njit(nogil=True, parallel=True, cache=True)
def scatter_floor(mode, read, n_chunks, q_indptr, q_indices, q_values, p_indptr, p_local, p_values, p_inv,
                  p_essential_end, n_terms, tile, m, keep, largest):
    """Our scatter with nothing after it, rows split into ``n_chunks`` consecutive chunks run in
    parallel. ``keep`` (rows, stride x m): the sums of the first rows, for the check.

    ``read``: also read every sum once after the scatter, the least any selection must do:
    their maximum, into ``largest`` (int64 bits of a float64 per row). Sums are never
    negative, so their bits order as the floats do, and an integer maximum compiles to
    vector instructions where a float one does not.
    """
    n = q_indptr.shape[0] - 1
    stride = 1 if mode == COSINE else 2
    n_tiles = (m + tile - 1) // tile
    for ch in prange(n_chunks):
        acc = np.zeros(stride * tile)
        bits = acc.view(np.int64)
        met = np.zeros(tile, np.uint8)
        for r in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
            for b in range(n_tiles):
                off = b * n_terms
                length = min(tile, m - b * tile)
                for j in range(q_indptr[r], q_indptr[r + 1]):
                    t = q_indices[j]
                    qv = np.float64(q_values[j])
                    lo, hi = p_indptr[off + t], p_indptr[off + t + 1]
                    if mode == COSINE:
                        for p in range(lo, hi):
                            acc[p_local[p]] += qv * np.float64(p_values[p])
                    else:
                        for p in range(lo, hi):
                            c = p_local[p]
                            f = min(1.0, qv * np.float64(p_inv[p]))
                            acc[2 * c] += np.float64(p_values[p]) * f
                            acc[2 * c + 1] += f
                        if mode == FIT_MET:
                            for p in range(lo, p_essential_end[off + t]):
                                met[p_local[p]] += 1
                if read:
                    top = largest[r]
                    for i in range(stride * length):
                        x = bits[i]
                        top = top if top > x else x
                    largest[r] = top
                if r < keep.shape[0]:
                    keep[r, stride * b * tile:stride * (b * tile + length)] = acc[:stride * length]
                acc[:stride * length] = 0.0
                if mode == FIT_MET:
                    met[:length] = 0


def floor_call(matcher: Matcher, prepared, mode: int, threads: int, read: bool = False, keep_rows: int = 0):
    """The floor kernel as a call: returns the kept sums and each row's largest sum (with ``read``)."""
    q, post = prepared.rows, matcher.index_.postings
    stride = 1 if mode == COSINE else 2
    keep = np.zeros((keep_rows, stride * post.n_candidates))
    largest = np.zeros(len(q.indptr) - 1, np.int64)

    def run():
        largest[:] = 0
        scatter_floor(mode, read, threads, q.indptr, q.indices, q.values, post.indptr, post.local, post.values,
                      post.inv_levels, post.essential_end, post.n_terms, post.tile, post.n_candidates, keep, largest)
        return keep, largest.view(np.float64)
    return run


def as_csr(rows, values: np.ndarray, n_terms: int, dtype=None) -> sp.csr_matrix:
    """Kernel rows (prepared queries or the index's candidates) as a SciPy matrix holding ``values``."""
    return sp.csr_matrix((values if dtype is None else values.astype(dtype), rows.indices, rows.indptr),
                         shape=(len(rows.indptr) - 1, n_terms))


def check_floor(matcher: Matcher, prepared, mode: int, threads: int, rows: int) -> bool:
    """The floor adds what it should: its sums of the first rows against SciPy's products."""
    q, c = prepared.rows, matcher.index_.candidates.rows
    n_terms = matcher.index_.postings.n_terms
    a = as_csr(q, q.values, n_terms, np.float64)[:rows]
    w = as_csr(c, c.values, n_terms, np.float64)
    got = floor_call(matcher, prepared, mode, threads, keep_rows=rows)()[0]
    if mode == COSINE:
        return bool(np.allclose(got, (a @ w.T).toarray(), rtol=1e-12, atol=0))
    inv = as_csr(c, c.inv_levels, n_terms, np.float64)
    ok = True
    for r in range(a.shape[0]):
        f = sp.csr_matrix(inv.multiply(a[r].toarray()))  # held level x 1 / required level, per requirement
        f.data = np.minimum(1.0, f.data)
        ok &= np.allclose(got[r, 0::2], np.asarray(f.multiply(w).sum(1)).ravel(), rtol=1e-12)
        ok &= np.allclose(got[r, 1::2], np.asarray(f.sum(1)).ravel(), rtol=1e-12)
    return bool(ok)


def maxscore_share(matcher: Matcher, prepared, kth: np.ndarray, sample: int, seed: int) -> dict:
    """The share of postings a MaxScore-style kernel could skip, knowing each row's final
    k-th best score (an upper bound on what pruning could save; see the module docstring)."""
    q, c = prepared.rows, matcher.index_.candidates.rows
    n_terms = matcher.index_.postings.n_terms
    w = as_csr(c, c.values, n_terms, np.float64).tocsc()
    lengths = np.diff(w.indptr)
    top = np.zeros(n_terms)
    held = lengths > 0
    top[held] = np.maximum.reduceat(w.data, w.indptr[:-1][held])
    rows = np.random.default_rng(seed).choice(len(kth), size=min(sample, len(kth)), replace=False)
    read = skipped = 0
    for r in rows:
        lo, hi = q.indptr[r], q.indptr[r + 1]
        terms = q.indices[lo:hi]
        bound = q.values[lo:hi] * top[terms] * q.scale[r]
        length = lengths[terms]
        room = kth[r] if np.isfinite(kth[r]) else 0.0
        for i in np.argsort(-length, kind="stable"):
            if bound[i] >= room:
                break
            room -= bound[i]
            skipped += length[i]
        read += length.sum()
    return {"rows": len(rows), "postings_per_row": float(read / len(rows)), "skippable_share": float(skipped / read)}


def sdt_call(prepared, matcher: Matcher, k: int, threads: int):
    from sparse_dot_topn import sp_matmul_topn
    q, c = prepared.rows, matcher.index_.candidates.rows
    n_terms = matcher.index_.postings.n_terms
    a = as_csr(q, q.values, n_terms)
    bt = as_csr(c, c.values, n_terms).T.tocsr()
    return lambda: sp_matmul_topn(a, bt, top_n=k, n_threads=threads, sort=True)


def run(n: int, m: int, popularity: str, threads: int, rounds: int, check_rows: int, seed: int, k: int = 10) -> dict:
    numba.set_num_threads(threads)
    tx = synthetic.taxonomy(seed=seed)
    cl = synthetic.caseload(n, m, seed=seed, shape=POPULARITY[popularity])
    held, reqs = synthetic.matcher_inputs(cl, tx.n_concepts)
    cosine = Matcher(tx, "cosine", credit=None, weighting="binary", idf=False, n_threads=threads).fit(reqs)
    fit = Matcher(tx, n_threads=threads).fit(reqs)  # the default score
    for matcher in (cosine, fit):
        if (matcher.index_.postings.common >= 0).any():
            raise SystemExit(f"{popularity}: the index keeps common terms as columns, which the floor kernel does "
                             "not read; its time would not be a floor (see the module docstring)")
    pc, pf = prepare(cosine, held), prepare(fit, held)
    calls = {"ours cosine": lambda: cosine.index_.rank(pc, k, n_threads=threads),
             "floor cosine": floor_call(cosine, pc, COSINE, threads),
             "floor cosine + one read of the sums": floor_call(cosine, pc, COSINE, threads, read=True),
             "ours fit": lambda: fit.index_.rank(pf, k, n_threads=threads),
             "floor fit, two sums": floor_call(fit, pf, FIT, threads),
             "floor fit, two sums + met essentials": floor_call(fit, pf, FIT_MET, threads)}
    if have("sparse_dot_topn"):
        calls["sparse_dot_topn"] = sdt_call(pc, cosine, k, threads)
    ours = calls["ours cosine"]()[1]
    largest = calls["floor cosine + one read of the sums"]()[1]
    unit = bool(np.all(pc.rows.scale == 1.0) and np.all(cosine.index_.candidates.rows.scale == 1.0))
    checks = {"floor cosine sums == SciPy's": check_floor(cosine, pc, COSINE, threads, check_rows),
              "floor fit sums == NumPy's": check_floor(fit, pf, FIT, threads, check_rows),
              "the read's largest sums == our top-1 scores": unit and bool(np.array_equal(
                  np.where(largest > 0, largest.astype(np.float32), -np.inf), ours[:, 0]))}
    kth = ours[:, k - 1].astype(np.float64)
    for call in calls.values():  # warm-up (and compile)
        call()
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            t0 = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - t0)
    t = {name: np.array(v) for name, v in times.items()}

    def ratio(top: str, bottom: str) -> float | None:
        return float(np.median(t[top] / t[bottom])) if top in t and bottom in t else None

    return {"size": f"{n}x{m}", "popularity": popularity, "threads": threads, "rounds": rounds, "k": k,
            "median_s": {name: float(np.median(v)) for name, v in t.items()},
            "times_s": {name: [round(x, 4) for x in v] for name, v in times.items()},
            "ratios": {"sparse_dot_topn / ours cosine": ratio("sparse_dot_topn", "ours cosine"),
                       "sparse_dot_topn / floor cosine": ratio("sparse_dot_topn", "floor cosine"),
                       "sparse_dot_topn / (floor cosine + one read)":
                           ratio("sparse_dot_topn", "floor cosine + one read of the sums"),
                       "floor cosine / ours cosine": ratio("floor cosine", "ours cosine"),
                       "ours fit / ours cosine": ratio("ours fit", "ours cosine"),
                       "floor fit, two sums / ours cosine": ratio("floor fit, two sums", "ours cosine"),
                       "floor fit, two sums + met essentials / ours cosine":
                           ratio("floor fit, two sums + met essentials", "ours cosine"),
                       "floor fit, two sums + met essentials / floor cosine":
                           ratio("floor fit, two sums + met essentials", "floor cosine")},
            "maxscore": maxscore_share(cosine, pc, kth, 5000, seed),
            "checks": checks}


def main(argv=None) -> int:
    args = paired_args(argv, __doc__.splitlines()[0], check_rows=20)
    report = run(args.n, args.m, args.popularity, args.threads, args.rounds, args.check_rows, args.seed)
    report["loadavg"] = os.getloadavg()
    report["machine"] = describe(("numpy", "numba", "scipy", "sparse_dot_topn"))
    print(f"{args.size} {args.popularity}, top-{report['k']}, {args.threads} threads, {args.rounds} rounds, "
          "interleaved; kernels alone on prepared queries; medians")
    for name, s in report["median_s"].items():
        print(f"  {name:40s} {s:7.3f} s")
    for name, r in report["ratios"].items():
        if r is not None:
            print(f"  {name:52s} {r:5.2f}x")
    ms = report["maxscore"]
    print(f"  MaxScore with the final k-th best known: {ms['skippable_share']:.1%} of "
          f"{ms['postings_per_row']:.0f} postings a row skippable ({ms['rows']} rows)")
    for name, ok in report["checks"].items():
        print(f"  check: {name}: {'ok' if ok else 'WRONG'}")
    out = args.out or (None if args.quick else HERE / "results" / f"bench_floor_{args.popularity}.json")
    if out:
        Path(out).write_text(json.dumps(report, indent=1))
        print(f"wrote {out}")
    return 0 if all(report["checks"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
