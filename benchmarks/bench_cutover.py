#!/usr/bin/env python
"""Where the kernel's sparse path beats its dense one: the measurement behind ``DENSE_FACTOR``.

For one (query row, tile) the top-k kernel either scans the whole tile's accumulator in
blocks of 16 (dense) or visits only the candidates the row's postings name (sparse, which
lists them as it scatters, repeats included). The dense scan costs about the tile's length;
the sparse path about the postings read. The kernel goes dense when ``postings x
DENSE_FACTOR >= tile length`` (``skillmatch.kernels.DENSE_FACTOR``). ``--scoring`` measures
cosine (the default), coverage or ``fit``.

This script ranks queries of every work size against one tile of candidates twice — every
row forced dense, then every row forced sparse — and reports, per bin of ``postings / tile
length``, the time per row of each path. Query rows hold 1–40 skills drawn either from the
ESCO-like popularity (many postings) or uniformly (rare skills, few postings), and some
hold 40–80, so the bins span both sides of the cut-over. Results are the same on both paths (checked).

    python benchmarks/bench_cutover.py            # ~1 min; writes results/bench_cutover.json
    python benchmarks/bench_cutover.py --scoring fit   # results/bench_cutover_fit.json
    python benchmarks/bench_cutover.py --quick    # a few seconds; checks only
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import synthetic

from skillmatch import Matcher, kernels
from skillmatch.vectorize import batch

#: edges of the bins of postings / tile length
EDGES = (0.0, 1 / 256, 1 / 128, 1 / 64, 1 / 32, 1 / 16, 3 / 32, 1 / 8, 3 / 16, 1 / 4, 1 / 2, np.inf)


def queries(n: int, n_columns: int, seed: int) -> sp.csr_matrix:
    """A third of the rows uniform over the skills with 1–40 skills (rare skills, few
    postings), a third ESCO-like with 1–40, a third ESCO-like with 40–80 (many postings);
    levels 1–5."""
    rng = np.random.default_rng(seed)
    parts = []
    uniform = np.full(synthetic.N_SKILLS, 1.0 / synthetic.N_SKILLS)
    for p, lo, hi in ((uniform, 1, 40), (synthetic.popularity(), 1, 40), (synthetic.popularity(), 40, 80)):
        rows = synthetic.sample_rows(rng, n // 3, p, min_len=lo, max_len=hi)
        rows.data = rng.integers(1, 6, size=rows.nnz).astype(np.float32)
        parts.append(rows)
    held = sp.vstack(parts, format="csr")
    held.resize((held.shape[0], n_columns))
    return held


#: the scorings measured (each has its own factor: ``kernels.DENSE_FACTOR``)
SCORINGS = {"cosine": {"scoring": "cosine", "credit": None, "weighting": "binary", "idf": False},
            "coverage": {"scoring": "coverage", "credit": None},
            "fit": {"scoring": "fit"}}


def run(m: int, n: int, k: int, repeats: int, seed: int, scoring: str = "cosine") -> dict:
    tx = synthetic.taxonomy()
    _, reqs = synthetic.matcher_inputs(synthetic.caseload(10, m, seed=seed), tx.n_concepts)
    matcher = Matcher(tx, n_threads=1, **SCORINGS[scoring]).fit(reqs)
    index = matcher.index_
    post = index.postings
    if post.n_candidates > post.tile:
        raise SystemExit(f"{m} candidates make more than one tile ({post.tile}); use fewer")
    held = queries(n, tx.n_concepts, seed + 1)
    prepared = index.prepare(batch(tx, held, where="queries"))
    lengths = np.diff(post.indptr)
    work = np.add.reduceat(lengths[prepared.rows.indices], prepared.rows.indptr[:-1]) if held.nnz else np.zeros(0)
    ratio = work / post.n_candidates
    st = index.kernel_settings(prepared, k)
    factor = st.dense_factor  # what the kernel uses for this scoring

    def rank(sub, dense_factor: float):
        settings = st._replace(dense_factor=dense_factor)
        call = lambda: kernels.topk(settings, sub.rows, index.candidates.rows, post, sub.place,  # noqa: E731
                                    index.candidates.place, n_threads=1, check=False)
        out = call()
        best = np.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - t0)
        return out, best / sub.rows.n_rows

    bins = []
    same = True
    for lo, hi in itertools.pairwise(EDGES):
        rows = np.flatnonzero((ratio >= lo) & (ratio < hi))
        if len(rows) < 20:
            continue
        sub = index.prepare(batch(tx, held[rows], where="queries"))  # the bin's rows, prepared once
        dense, t_dense = rank(sub, 1e12)
        sparse, t_sparse = rank(sub, 0.0)
        same &= bool(np.array_equal(dense[0], sparse[0]) and np.array_equal(dense[1], sparse[1]))
        bins.append({"postings_per_length": [lo, None if np.isinf(hi) else hi], "rows": len(rows),
                     "median_postings": float(np.median(work[rows])), "dense_us": t_dense * 1e6,
                     "sparse_us": t_sparse * 1e6, "sparse_over_dense": t_sparse / t_dense,
                     "kernel_takes": "dense" if np.median(work[rows]) * factor >= post.n_candidates else "sparse"})
    return {"scoring": scoring, "candidates": int(post.n_candidates), "tile": int(post.tile),
            "queries": int(held.shape[0]), "k": k, "dense_factor": factor, "bins": bins, "same_results": same}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--candidates", type=int, default=32_768)
    p.add_argument("--queries", type=int, default=20_000)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scoring", default="cosine", choices=sorted(SCORINGS))
    p.add_argument("--quick", action="store_true", help="small, checks only, writes nothing unless --out")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.candidates, args.queries, args.repeats = 4_000, 2_000, 1
    report = run(args.candidates, args.queries, args.k, args.repeats, args.seed, args.scoring)
    report["loadavg"] = os.getloadavg()
    print(f"{report['scoring']}: {report['queries']} queries against one tile of {report['candidates']} candidates, "
          f"k={report['k']}, one thread; dense factor {report['dense_factor']:g} (dense when postings x factor >= "
          "length)")
    print(f"{'postings / length':>20} {'rows':>6} {'postings':>9} {'dense us':>9} {'sparse us':>10} "
          f"{'sparse/dense':>12}  kernel takes")
    for b in report["bins"]:
        lo, hi = b["postings_per_length"]
        span = f"{lo:.4f}-{hi:.4f}" if hi is not None else f">= {lo:.4f}"
        print(f"{span:>20} {b['rows']:>6} {b['median_postings']:>9.0f} {b['dense_us']:>9.2f} {b['sparse_us']:>10.2f} "
              f"{b['sparse_over_dense']:>12.2f}  {b['kernel_takes']}")
    print("same results on both paths:", report["same_results"])
    name = "bench_cutover.json" if args.scoring == "cosine" else f"bench_cutover_{args.scoring}.json"
    out = args.out or (None if args.quick else HERE / "results" / name)
    if out:
        Path(out).write_text(json.dumps(report, indent=1))
        print(f"wrote {out}")
    return 0 if report["same_results"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
