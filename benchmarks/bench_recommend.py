#!/usr/bin/env python
"""Recommendation speed (issue 8, item 7): batch gaps, unlocks, the regional portfolio, plans,
and the measurement behind the default match threshold.

Scenarios (seeded demo caseloads from ``skillmatch.caseload``, the shipped taxonomy):

- ``gaps``: the gap matrix of every jobseeker against their top-10 vacancies
  (20,000 × 10 pairs against 5,000 vacancies), one kernel call; target: seconds.
- ``unlock``: :func:`unlocks_for` for single jobseekers against 5,000 vacancies and the
  shipped catalogue (median and p95 over people).
- ``portfolio``: :func:`regional_analysis` for 20,000 jobseekers × 5,000 vacancies, K = 10
  modules; target: under 2 minutes on 2 cores. Timed as a whole (records to report
  figures; generating the caseload is not timed) and by stage.
- ``plans``: a plan for one person against the shipped catalogue (target < 50 ms) and
  against a synthetic 5,000-module catalogue (target < 1 s), median over people and
  targets (their best crucial-sector occupations they do not yet meet).
- ``threshold``: per score (fit, coverage, cosine), the 25th percentile of the skill score
  of own-occupation pairs (a jobseeker and every vacancy of their background occupation),
  per region and seed — the measurement behind the default match thresholds
  (``skillmatch.recommend.unlock.MATCH_THRESHOLDS``).

Every run checks results and exits 1 when one is wrong (speed never does): the gap kernel
equals its NumPy reference on a sample of pairs, the unlock kernel equals its reference on
a sample of people, the portfolio's objective is within its bound, and unlocked vacancies
score at or above the threshold. JIT compilation (or cache load) is timed apart, in a
warm-up on a small case.

Run from the repository root::

    python benchmarks/bench_recommend.py            # full sizes (a few minutes)
    python benchmarks/bench_recommend.py --quick    # small, for CI: checks results
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

import skillmatch
from skillmatch import Matcher, kernels
from skillmatch.caseload import generate_caseload
from skillmatch.models import ModuleSkill, TrainingModule
from skillmatch.recommend import (
    MATCH_THRESHOLD,
    Catalogue,
    PlanConstraints,
    gap_for,
    gaps_for_matches,
    held_row,
    plan_training,
    regional_analysis,
    unlocks_for,
)

REGION = "groot-amsterdam"


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def load() -> dict:
    try:
        return {"loadavg": list(os.getloadavg()), "cpus": len(os.sched_getaffinity(0))}
    except (AttributeError, OSError):  # pragma: no cover
        return {}


# --- scenarios --------------------------------------------------------------------------------


def bench_gaps(tx, jobseekers, vacancies, threads: int, checks: list) -> dict:
    matcher = Matcher(tx, n_threads=threads).fit(vacancies)
    result, t_match = timed(matcher.match, jobseekers, k=10)
    gm, t_gaps = timed(gaps_for_matches, result, n_threads=threads)
    # check: the kernel against the reference on a sample of pairs
    from skillmatch.kernels import Demands, Effective, Pairs, reference

    side, work = result.queries, result.index.candidates.batch
    people = Effective(side.eff.indptr, side.eff.indices, side.eff.data, side.direct)
    demands = Demands(work.importance.indptr, work.importance.indices, work.levels, work.importance.data)
    sample = np.random.default_rng(0).choice(len(gm), size=min(2000, len(gm)), replace=False)
    pairs = Pairs(gm.persons[sample], gm.targets[sample])
    table = np.array([0.0, *matcher.index_.settings.importance_weights])
    got = kernels.gap_rows(pairs, people, demands, table, tx.n_concepts)
    want = reference.gap_rows(pairs, people, demands, table)
    same = all(np.array_equal(getattr(got, f), getattr(want, f)) for f in want._fields)
    checks.append({"check": "gap kernel equals the NumPy reference (2,000 pairs)", "ok": bool(same)})
    return {"pairs": len(gm), "entries": gm.nnz, "seconds_match_top10": t_match, "seconds_gaps": t_gaps,
            "pairs_per_second": len(gm) / t_gaps}


def bench_unlock(tx, jobseekers, vacancies, catalogue, n_people: int, checks: list) -> dict:
    matcher = Matcher(tx, n_threads=1).fit(vacancies)
    unlocks_for(matcher, jobseekers[0], catalogue)  # warm
    times, unlocked, ok = [], [], True
    for person in jobseekers[1:n_people + 1]:
        result, t = timed(unlocks_for, matcher, person, catalogue, k=10)
        times.append(t)
        unlocked.append(result.best.unlocked if result.best else 0)
        for o in result.options:
            ok &= bool((o.scores_after >= np.float32(result.threshold)).all())
    checks.append({"check": "unlocked vacancies score at or above the threshold", "ok": ok})
    return {"vacancies": len(vacancies), "modules": len(catalogue), "people": len(times),
            "median_ms": 1000 * statistics.median(times), "p95_ms": 1000 * float(np.quantile(times, 0.95)),
            "best_option_unlocks_median": float(np.median(unlocked))}


def bench_portfolio(tx, jobseekers, vacancies, catalogue, threads: int, checks: list) -> dict:
    analysis, seconds = timed(regional_analysis, tx, jobseekers, vacancies, region=REGION, k_modules=10,
                              catalogue=catalogue, n_threads=threads)
    p = analysis.portfolio
    checks.append({"check": "portfolio objective within its proven bound, at least 1 - 1/e of it",
                   "ok": bool(p.objective <= p.upper_bound * (1 + 1e-9) and p.certified >= 1 - 1 / np.e)})
    # the unlock kernel against its reference for a few people
    from skillmatch.kernels import reference
    from skillmatch.recommend.unlock import module_bundles, prerequisite_closure
    from skillmatch.vectorize import people

    index = analysis.index
    few = jobseekers[:3]
    side = index.prepare(people(tx, few))
    ranked, scores = index.rank(side, 40)
    lists = [np.sort(ranked[i][(ranked[i] >= 0) & (scores[i] < np.float32(MATCH_THRESHOLD))]) for i in range(3)]
    indptr = np.zeros(4, np.int64)
    np.cumsum([len(x) for x in lists], out=indptr[1:])
    cols = np.concatenate(lists).astype(np.int32)
    bundles = module_bundles(catalogue, [(m,) for m in range(0, len(catalogue), 4)], index.credit,
                             closure=prerequisite_closure(catalogue))
    held = kernels.Held(side.batch.held.indptr, side.batch.held.indices)
    args = (index.kernel_settings(side, 1), side.rows, index.candidates.rows, side.place, index.candidates.place,
            held, bundles.overlay, np.full(3, 6, np.int8), indptr, cols, MATCH_THRESHOLD)
    got = kernels.unlock_scan(*args, tx.n_concepts)
    want = reference.unlock_scan(*args)
    checks.append({"check": "unlock kernel equals the NumPy reference (3 people)",
                   "ok": all(np.array_equal(a, b) for a, b in zip(got, want))})
    return {"jobseekers": len(jobseekers), "vacancies": len(vacancies), "modules": len(catalogue), "k": 10,
            "seconds": seconds, "method": p.method, "objective": p.objective, "upper_bound": p.upper_bound,
            "certified": p.certified, "people_reached": p.people_reached, "matches_unlocked": p.matches_unlocked,
            "matched_now": analysis.matched_now, "matched_after": analysis.matched_after,
            "near_misses": len(analysis.near_misses), "portfolio": list(p.titles)}


def stage_times(tx, jobseekers, vacancies, catalogue, threads: int) -> dict:
    """The portfolio's stages timed one by one (same work as regional_analysis)."""
    from skillmatch.recommend.regional import select_portfolio
    from skillmatch.recommend.unlock import UNKNOWN_LANGUAGE, module_bundles, prerequisite_closure
    from skillmatch.vectorize import people, work

    out = {}
    (pb, wb), out["vectorise"] = timed(lambda: (people(tx, jobseekers), work(tx, vacancies)))
    index, out["fit"] = timed(lambda: Matcher(tx, n_threads=threads).fit(wb).index_)
    side, out["prepare_people"] = timed(index.prepare, pb)
    (ranked, scores), out["rank_top100"] = timed(index.rank, side, 100, n_threads=threads)
    near = (ranked >= 0) & (scores < np.float32(MATCH_THRESHOLD))
    rows, slots = np.nonzero(near)
    cols = ranked[rows, slots]
    from skillmatch.recommend import gap_matrix

    _, out["gap_matrix_near_misses"] = timed(gap_matrix, side.eff, side.direct, wb.importance, wb.levels, rows, cols,
                                             n_threads=threads)
    bundles, out["bundles"] = timed(module_bundles, catalogue, [(m,) for m in range(len(catalogue))], index.credit,
                                    closure=prerequisite_closure(catalogue))
    order = np.lexsort((cols, rows))
    indptr = np.zeros(len(pb) + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=len(pb)), out=indptr[1:])
    lang = np.full(len(pb), UNKNOWN_LANGUAGE, np.int8)
    (r, b, _c, v), out["unlock_scan"] = timed(kernels.unlock_scan, index.kernel_settings(side, 1), side.rows,
                                             index.candidates.rows, side.place, index.candidates.place,
                                             kernels.Held(pb.held.indptr, pb.held.indices), bundles.overlay, lang, indptr, cols[order].astype(np.int32),
                                             MATCH_THRESHOLD, tx.n_concepts, n_threads=threads, check=False)
    import scipy.sparse as sp

    values = sp.csr_matrix((v, (r, b)), shape=(len(pb), len(bundles)))
    _, out["greedy_k10"] = timed(select_portfolio, values, 10, cap=3.0, method="greedy")
    out["near_miss_pairs"] = len(rows)
    out["unlock_entries"] = len(r)
    return out


def synthetic_catalogue(tx, n: int, seed: int = 0) -> Catalogue:
    rng = np.random.default_rng(seed)
    skills = np.flatnonzero(tx.skill_mask)
    delivery = ("day", "evening", "weekend", "online", "part-time", "work-based")
    modules = []
    for i in range(n):
        taught = rng.choice(skills, size=int(rng.integers(2, 9)), replace=False)
        prerequisites = ()
        if i > 10 and rng.random() < 0.1:
            prerequisites = (f"urn:synthetic:module:{int(rng.integers(0, i))}",)
        modules.append(TrainingModule(
            id=f"urn:synthetic:module:{i}", title=f"Synthetische module {i}", type="course",
            nlqf=int(rng.integers(1, 7)), hours=float(rng.choice([40, 80, 120, 240, 480, 800])),
            cost_eur=float(rng.choice([0, 350, 900, 1800, 3500, 6000])),
            delivery=tuple(rng.choice(delivery, size=2, replace=False).tolist()),
            starts_per_year=int(rng.choice([1, 2, 4, 12, 52])),
            skills=tuple(ModuleSkill(skill=tx.concepts.ids[j], level=int(rng.integers(2, 6))) for j in taught),
            prerequisites=prerequisites, funding=("uwv-scholing",) if rng.random() < 0.5 else ("gemeente",)))
    return Catalogue.from_modules(modules, tx.concepts.ids, regions=[r.id for r in tx.regions],
                                  concept_labels=tx.concepts.pref_nl)


def bench_plans(tx, jobseekers, catalogue, synthetic, n_cases: int, checks: list) -> dict:
    crucial = [o for o in range(tx.n_occupations)
               if tx.sectors.get(tx.occupation_sector[o]) and tx.sectors[tx.occupation_sector[o]].crucial]
    cases = []
    rng = np.random.default_rng(1)
    for person in jobseekers:
        target = tx.occupations.ids[int(rng.choice(crucial))]
        gap = gap_for(tx, person, target)
        if 4 <= len(gap) <= 14:
            cases.append((person, target, gap))
        if len(cases) == n_cases:
            break
    out = {}
    for name, cat in (("shipped", catalogue), ("synthetic_5000", synthetic)):
        plan_training(cat, cases[0][2], PlanConstraints(), held=held_row(tx, cases[0][0]), today=date(2025, 1, 6))
        times, methods, fulls = [], [], 0
        for person, _target, gap in cases:
            constraints = PlanConstraints(start_within_weeks=26, study_hours_per_week=person.study_hours_per_week)
            try:
                result, t = timed(plan_training, cat, gap, constraints, held=held_row(tx, person),
                                  today=date(2025, 1, 6), k=1)
            except skillmatch.InputError:
                continue
            times.append(t)
            methods.append(result.method)
            fulls += int(result.full)
        out[name] = {"modules": len(cat), "cases": len(times), "median_ms": 1000 * statistics.median(times),
                     "p95_ms": 1000 * float(np.quantile(times, 0.95)), "max_ms": 1000 * max(times),
                     "methods": sorted(set(methods)), "full_plans": fulls}
    checks.append({"check": "plans were made for most cases",
                   "ok": all(v["cases"] >= len(cases) // 2 for v in out.values())})
    return out


def bench_threshold(tx, regions_seeds, n_jobseekers: int, n_vacancies: int,
                    scorings=("fit", "coverage", "cosine")) -> dict:
    """Per score: the 25th percentile of the skill score (place filters off) over every
    (jobseeker, vacancy of the jobseeker's own background occupation) pair."""
    from skillmatch.kernels import Pairs
    from skillmatch.recommend.unlock import MATCH_THRESHOLDS
    from skillmatch.vectorize import people

    out: dict = {}
    for scoring in scorings:
        per = []
        for region, seed in regions_seeds:
            jobseekers, vacancies = generate_caseload(tx, region, n_jobseekers=n_jobseekers,
                                                      n_vacancies=n_vacancies, seed=seed)
            index = Matcher(tx, scoring).fit(vacancies).index_
            side = index.prepare(people(tx, jobseekers))
            by_occ: dict[str, list[int]] = {}
            for d, v in enumerate(vacancies):
                by_occ.setdefault(v.occupation, []).append(d)
            rows = [p for p, person in enumerate(jobseekers) for _ in by_occ.get(person.occupation, [])]
            cols = [d for person in jobseekers for d in by_occ.get(person.occupation, [])]
            st = index.kernel_settings(side, 1)._replace(filtered=False)  # the skill score, not place
            scores = kernels.score_pairs(st, side.rows, index.candidates.rows, side.place, index.candidates.place,
                                         Pairs(np.array(rows, np.int32), np.array(cols, np.int32)), tx.n_concepts)
            q = np.quantile(scores, [0.1, 0.25, 0.5, 0.75])
            per.append({"region": region, "seed": seed, "pairs": len(rows), "p10": float(q[0]), "p25": float(q[1]),
                        "median": float(q[2]), "p75": float(q[3])})
        out[scoring] = {"per_caseload": per, "p25_mean": float(np.mean([c["p25"] for c in per])),
                        "default": MATCH_THRESHOLDS.get(scoring)}
    return out


# --- main -------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes (CI): checks results, fast")
    p.add_argument("--jobseekers", type=int, default=None, help="default 20000 (quick: 1500)")
    p.add_argument("--vacancies", type=int, default=None, help="default 5000 (quick: 500)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--skip", default="", help="comma-separated scenarios to skip")
    p.add_argument("--out", default=None, help="JSON file (default benchmarks/results/bench_recommend[_quick].json)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    n_js = args.jobseekers or (1500 if args.quick else 20_000)
    n_vac = args.vacancies or (500 if args.quick else 5_000)
    skip = set(filter(None, args.skip.split(",")))
    tx = skillmatch.load_taxonomy()
    checks: list[dict] = []
    report: dict = {"quick": args.quick, "threads": args.threads, "python": platform.python_version(),
                    "machine": platform.machine(), "load_before": load(), "sizes": [n_js, n_vac]}

    # warm-up: compile (or load from the numba cache) every kernel on a small case
    small_js, small_vac = generate_caseload(tx, REGION, n_jobseekers=60, n_vacancies=60, seed=99)
    _, report["seconds_warmup_jit"] = timed(regional_analysis, tx, small_js, small_vac, region=REGION, k_modules=2,
                                            reach=20)
    catalogue = Catalogue.from_taxonomy(tx)
    (jobseekers, vacancies), t_gen = timed(generate_caseload, tx, REGION, n_jobseekers=n_js, n_vacancies=n_vac,
                                           seed=0)
    report["seconds_generate_caseload"] = t_gen
    print(f"caseload: {n_js} jobseekers x {n_vac} vacancies generated in {t_gen:.1f} s "
          f"(load {report['load_before'].get('loadavg')})", flush=True)

    if "gaps" not in skip:
        report["gaps"] = bench_gaps(tx, jobseekers, vacancies, args.threads, checks)
        g = report["gaps"]
        print(f"gaps: {g['pairs']:,} pairs ({g['entries']:,} gap entries) in {g['seconds_gaps']:.3f} s "
              f"(top-10 matching before it: {g['seconds_match_top10']:.2f} s)", flush=True)
    if "unlock" not in skip:
        report["unlock"] = bench_unlock(tx, jobseekers, vacancies, catalogue, 10 if args.quick else 40, checks)
        u = report["unlock"]
        print(f"unlock, one person against {u['vacancies']:,} vacancies, {u['modules']} modules: median "
              f"{u['median_ms']:.0f} ms, p95 {u['p95_ms']:.0f} ms", flush=True)
    if "portfolio" not in skip:
        report["portfolio"] = bench_portfolio(tx, jobseekers, vacancies, catalogue, args.threads, checks)
        p = report["portfolio"]
        print(f"portfolio: {n_js:,} x {n_vac:,}, K=10: {p['seconds']:.1f} s ({p['method']}, objective "
              f"{p['objective']:.1f}, certified >= {p['certified']:.1%} of the optimum; {p['people_reached']:,} "
              f"people reached, {p['matches_unlocked']:,} matches unlocked)", flush=True)
        report["portfolio_stages"] = stage_times(tx, jobseekers, vacancies, catalogue, args.threads)
        print("  stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in report["portfolio_stages"].items()
                                       if isinstance(v, float)), flush=True)
    if "plans" not in skip:
        synthetic, t_cat = timed(synthetic_catalogue, tx, 5000)
        report["seconds_build_synthetic_catalogue"] = t_cat
        report["plans"] = bench_plans(tx, jobseekers, catalogue, synthetic, 10 if args.quick else 30, checks)
        for name, v in report["plans"].items():
            print(f"plan, {name} ({v['modules']} modules): median {v['median_ms']:.0f} ms, p95 {v['p95_ms']:.0f} ms "
                  f"({', '.join(v['methods'])}; {v['full_plans']}/{v['cases']} full)", flush=True)
    if "threshold" not in skip:
        regions = [(REGION, 0)] if args.quick else [(REGION, 0), ("rijnmond", 1), ("twente", 2)]
        report["threshold"] = bench_threshold(tx, regions, 2000 if args.quick else 3000,
                                              800 if args.quick else 1500)
        for scoring, th in report["threshold"].items():
            print(f"threshold, {scoring}: own-occupation p25 " + ", ".join(
                f"{c['region']}/{c['seed']} {c['p25']:.3f}" for c in th["per_caseload"])
                + f" (mean {th['p25_mean']:.3f}; default {th['default']})", flush=True)

    report["load_after"] = load()
    report["checks"] = checks
    failed = [c["check"] for c in checks if not c["ok"]]
    out = Path(args.out) if args.out else HERE / "results" / f"bench_recommend{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"checks: {len(checks) - len(failed)} passed, {len(failed)} failed" + (f": {failed}" if failed else ""))
    print(f"written: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
