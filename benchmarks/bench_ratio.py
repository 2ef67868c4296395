#!/usr/bin/env python
"""How much each score costs against our own cosine: paired, interleaved calls in one process.

``bench_topk.py`` times every method as the best of a few calls made minutes apart, so on a
shared machine a ratio of two of its rows can move by 30% with the load of the moment. This
script answers the issues' "within N x our cosine" targets instead: it fits one Matcher per
scoring on the same synthetic caseload, then calls ``Matcher.match`` on each in turn, round
after round, and reports per scoring the median over rounds of (its time ÷ cosine's time
in the same round). Each ratio is thus taken between calls seconds apart. Whole calls are
timed (vectorising, related credit and ranking), as a user pays them.

Every scoring's result is checked against the NumPy reference on a few rows (exit 1 when
one differs). Speed is reported, never checked.

    python benchmarks/bench_ratio.py                  # 50k x 20k, esco, 2 threads, 7 rounds (~2 min)
    python benchmarks/bench_ratio.py --popularity zipf1
    python benchmarks/bench_ratio.py --quick          # small, checks only, writes nothing unless --out
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import synthetic
from bench_topk import COSINE_WEIGHTINGS, POPULARITY, with_implementation
from machine import describe

from skillmatch import Matcher
from skillmatch.vectorize import Credit

#: the cosine weightings (the denominators, bench_topk's) and the scorings timed against them
COSINES = {f"cosine {name}": {"scoring": "cosine", "credit": None, **kw} for name, kw in COSINE_WEIGHTINGS.items()}
SCORINGS = {"coverage": {"scoring": "coverage", "credit": None},
            "coverage + credit": {"scoring": "coverage", "credit": Credit()},
            "coverage + credit, essential none": {"scoring": "coverage", "credit": Credit(), "essential": "none"},
            "fit (default)": {"scoring": "fit"},
            "fit, essential none": {"scoring": "fit", "essential": "none"}}


def run(n: int, m: int, popularity: str, threads: int, rounds: int, check_rows: int, seed: int) -> dict:
    tx = synthetic.taxonomy(seed=seed)
    cl = synthetic.caseload(n, m, seed=seed, shape=POPULARITY[popularity])
    held, reqs = synthetic.matcher_inputs(cl, tx.n_concepts)
    methods = {**COSINES, **SCORINGS}
    matchers = {name: Matcher(tx, n_threads=threads, **kw).fit(reqs) for name, kw in methods.items()}
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(n, check_rows), replace=False))
    checks = {}
    for name, matcher in matchers.items():  # the warm-up call, checked against the reference
        res = matcher.match(held, 10)
        ref = with_implementation("python", lambda m=matcher: m.match(held[rows], 10))
        checks[name] = bool(np.array_equal(ref.indices, res.indices[rows]) and np.array_equal(ref.scores,
                                                                                              res.scores[rows]))
    times = {name: [] for name in methods}
    for _ in range(rounds):
        for name, matcher in matchers.items():
            t0 = time.perf_counter()
            matcher.match(held, 10)
            times[name].append(time.perf_counter() - t0)
    t = {name: np.array(v) for name, v in times.items()}
    return {"size": f"{n}x{m}", "popularity": popularity, "threads": threads, "rounds": rounds,
            "methods": {name: {"median_s": float(np.median(t[name])), "min_s": float(t[name].min()),
                               "times_s": [round(x, 4) for x in t[name]],
                               "ratio_to": {c: float(np.median(t[name] / t[c])) for c in COSINES},
                               "ratio_range": {c: [float((t[name] / t[c]).min()), float((t[name] / t[c]).max())]
                                               for c in COSINES},
                               "equals_reference": checks[name]} for name in methods}}


def paired_args(argv, description: str, check_rows: int) -> argparse.Namespace:
    """The options of the scripts that time their peers in interleaved rounds (this one,
    bench_floor.py); ``--quick`` is 2,000 x 1,000 in 2 rounds, checking at least 20 rows."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--size", default="50000x20000", help="PEOPLExVACANCIES")
    p.add_argument("--popularity", default="esco", choices=sorted(POPULARITY))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--check-rows", type=int, default=check_rows)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="2,000 x 1,000, 2 rounds, checks 20 rows; writes nothing")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.size, args.rounds, args.check_rows = "2000x1000", 2, max(args.check_rows, 20)
    args.n, args.m = (int(x) for x in args.size.split("x"))
    return args


def main(argv=None) -> int:
    args = paired_args(argv, __doc__.splitlines()[0], check_rows=3)
    report = run(args.n, args.m, args.popularity, args.threads, args.rounds, args.check_rows, args.seed)
    report["loadavg"] = os.getloadavg()
    report["machine"] = describe(("numpy", "numba", "scipy"))
    print(f"{args.size} {args.popularity}, top-10, {args.threads} threads, {args.rounds} rounds; whole Matcher.match "
          f"calls; ratio = median over rounds of (time / cosine's time in the same round)")
    names = list(COSINES)
    print(f"{'scoring':36s} {'median s':>9} " + " ".join(f"{'÷ ' + c.removeprefix('cosine '):>14}" for c in names))
    for name, e in report["methods"].items():
        print(f"{name:36s} {e['median_s']:9.3f} " + " ".join(f"{e['ratio_to'][c]:14.2f}" for c in names)
              + ("" if e["equals_reference"] else "   WRONG: differs from the NumPy reference"))
    out = args.out or (None if args.quick else HERE / "results" / f"bench_ratio_{args.popularity}.json")
    if out:
        Path(out).write_text(json.dumps(report, indent=1))
        print(f"wrote {out}")
    return 0 if all(e["equals_reference"] for e in report["methods"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
