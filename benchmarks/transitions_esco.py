"""The viability threshold of transitions, measured on real data, and the cost of routes.

(a) **Where similarities lie.** Every occupation is compared with every other by the
    ``cosine`` score (``Matcher(tx, "cosine").fit("occupations").match("occupations",
    k=n)``, itself excluded; pairs without a shared skill score 0), on ESCO v1.1.1 (3,007
    occupations, from ``../shared/data``) and on the shipped CompetentNL-style taxonomy.
    Pairs are split by ISCO-08: same 4-digit unit group, same 3-digit minor group but
    another unit group, different minor group. Reported: percentiles of each; for every
    occupation with a unit-group mate, its similarity to its *most similar mate* (the
    move ISCO itself regards as nearest), with seeded bootstrap 95% intervals of the
    10th and 25th percentiles (occupations resampled); and a sweep over thresholds: the
    share of unit-group pairs and of nearest-mate moves kept, the share of other pairs
    above it, the share of same-group pairs among all pairs above it, and how many
    occupations each occupation could move to (median, 90th percentile, share with none).

(b) **The rule.** The threshold is the 10th percentile of the nearest-mate similarity,
    rounded down to 0.01: 9 in 10 of the nearest same-unit-group moves stay viable.
    It is computed for both taxonomies (their cosines differ in scale: ESCO's profiles
    are long lists over ~13k skills, the shipped ones short lists over ~230 concepts) and
    compared with the constants in ``skillmatch.recommend.routes``; the script exits 1
    when a constant no longer follows from the data.

(c) **Checks on the shipped taxonomy.** The similarity of every curated development path
    step (up and across), and how many crucial-sector occupations each occupation outside
    the crucial sectors has above the threshold.

(d) **Cost of routes** (shipped taxonomy): building a :class:`RouteGraph`, then
    ``find_routes`` (k=3, into a crucial sector other than their own) and
    ``transitions`` (k=5, workers outside the crucial sectors) for seeded demo
    jobseekers of one region: wall and CPU time per person (median, 90th percentile,
    max; the machine is shared, CPU time is the steadier figure) and training plans made
    per person.

Usage::

    python benchmarks/transitions_esco.py            # writes benchmarks/results/transitions_esco.json
    python benchmarks/transitions_esco.py --quick    # shipped taxonomy only, 20 people, writes nothing
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("SKILLMATCH_DATA") or REPO.parent / "shared" / "data")
DEFAULT_OUT = REPO / "benchmarks" / "results" / "transitions_esco.json"
PERCENTILES = (5, 10, 25, 50, 75, 90, 95, 99)
RULE_PERCENTILE = 10
SWEEP = [round(x, 2) for x in np.arange(0.05, 0.61, 0.01)]


def similarity_matrix(tx) -> np.ndarray:
    """Dense (n, n) cosine between occupations, float32, diagonal 0."""
    from skillmatch import Matcher

    n = tx.n_occupations
    result = Matcher(tx, "cosine").fit("occupations").match("occupations", k=n - 1,
                                                            exclude={o: [o] for o in tx.occupations.ids})
    sim = np.zeros((n, n), dtype=np.float32)
    rows = np.repeat(np.arange(n), result.indices.shape[1])
    cols = result.indices.ravel()
    ok = cols >= 0
    sim[rows[ok], cols[ok]] = result.scores.ravel()[ok]
    return sim


def pct(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {}
    return {f"p{q}": round(float(v), 4) for q, v in zip(PERCENTILES, np.percentile(values, PERCENTILES))}


def measure(name: str, tx, rng: np.random.Generator, bootstrap: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    sim = similarity_matrix(tx)
    seconds = time.perf_counter() - t0
    n = tx.n_occupations
    isco4 = np.array([c[:4] if len(c) >= 4 else "" for c in tx.occupation_isco])
    isco3 = np.array([c[:3] if len(c) >= 3 else "" for c in tx.occupation_isco])
    known = isco4 != ""
    iu = np.triu_indices(n, 1)
    both = known[iu[0]] & known[iu[1]]
    s = sim[iu][both]
    same4 = (isco4[iu[0]] == isco4[iu[1]])[both]
    same3 = (isco3[iu[0]] == isco3[iu[1]])[both] & ~same4
    other = ~same4 & ~same3

    mate = (isco4[:, None] == isco4[None, :]) & known[:, None] & known[None, :]
    np.fill_diagonal(mate, False)
    has_mate = mate.any(axis=1)
    nearest = np.where(mate, sim, -1.0).max(axis=1)[has_mate]
    boots = {q: [] for q in (10, 25)}
    for _ in range(bootstrap):
        sample = rng.choice(nearest, size=nearest.size, replace=True)
        for q in boots:
            boots[q].append(np.percentile(sample, q))
    ci = {f"p{q}": [round(float(np.percentile(v, 2.5)), 4), round(float(np.percentile(v, 97.5)), 4)]
          for q, v in boots.items()}

    off = sim.copy()
    np.fill_diagonal(off, 0.0)
    sweep = []
    for th in SWEEP:
        above = s >= th
        per = (off >= th).sum(axis=1)
        sweep.append({
            "threshold": th,
            "unit_group_pairs_kept": round(float((s[same4] >= th).mean()), 4),
            "nearest_mate_kept": round(float((nearest >= th).mean()), 4),
            "other_pairs_above": round(float((s[~same4] >= th).mean()), 5),
            "same_unit_group_share_above": round(float(same4[above].mean()), 4) if above.any() else None,
            "targets_per_occupation_median": float(np.median(per)),
            "targets_per_occupation_p90": float(np.percentile(per, 90)),
            "occupations_without_target": round(float((per == 0).mean()), 4),
        })
    rule = math.floor(float(np.percentile(nearest, RULE_PERCENTILE)) * 100) / 100
    return {
        "taxonomy": name,
        "occupations": n,
        "concepts_required": int(np.unique(tx.requirements.indices).size),
        "requirements_per_occupation": round(float(np.diff(tx.requirements.indptr).mean()), 2),
        "seconds_all_pairs": round(seconds, 3),
        "pairs": {"same_unit_group": int(same4.sum()), "same_minor_group_other_unit": int(same3.sum()),
                  "other": int(other.sum()), "base_rate_same_unit_group": round(float(same4.mean()), 5)},
        "percentiles": {"same_unit_group": pct(s[same4]), "same_minor_group_other_unit": pct(s[same3]),
                        "different_minor_group": pct(s[other]), "all_other_than_same_unit": pct(s[~same4]),
                        "nearest_mate": pct(nearest), "nearest_other_group": pct(
                            np.where(~mate & known[None, :], off, -1.0).max(axis=1)[has_mate])},
        "occupations_with_mate": int(has_mate.sum()),
        "nearest_mate_bootstrap_95": ci,
        "rule": f"floor(p{RULE_PERCENTILE} of nearest-mate similarity, 0.01)",
        "threshold": rule,
        "sweep": sweep,
        "_sim": sim,
    }


def shipped_checks(tx, sim: np.ndarray, threshold: float) -> dict[str, Any]:
    ix = tx.occupations.index
    steps = []
    for p in tx.paths:
        for st in p.steps:
            if not st.from_occupation:
                continue
            a, b = ix[st.from_occupation], ix[st.to_occupation]
            steps.append({"path": p.id, "kind": p.kind, "step": st.step, "from": tx.occupation_label(a),
                          "to": tx.occupation_label(b), "cross_sector": tx.occupation_sector[a] != tx.occupation_sector[b],
                          "similarity": round(float(sim[a, b]), 4), "rank_among_targets": int((sim[a] > sim[a, b]).sum()) + 1})
    crucial = np.array([tx.sectors[s].crucial if s in tx.sectors else False for s in tx.occupation_sector])
    block = sim[~crucial][:, crucial]
    counts = (block >= threshold).sum(axis=1)
    cross = [s for s in steps if s["cross_sector"]]
    return {
        "path_steps": steps,
        "cross_sector_steps_at_or_above_threshold": sum(s["similarity"] >= threshold for s in cross),
        "cross_sector_steps": len(cross),
        "up_steps_at_or_above_threshold": sum(s["similarity"] >= threshold for s in steps if s["kind"] == "up"),
        "up_steps": sum(s["kind"] == "up" for s in steps),
        "non_crucial_occupations": int((~crucial).sum()),
        "crucial_targets_above_threshold": {"median": float(np.median(counts)), "p90": float(np.percentile(counts, 90)),
                                            "share_with_none": round(float((counts == 0).mean()), 4)},
    }


def route_costs(tx, people: int, seed: int) -> dict[str, Any]:
    from skillmatch.caseload import generate_caseload
    from skillmatch.problems import InputError
    from skillmatch.recommend.routes import RouteGraph, find_routes
    from skillmatch.recommend.transitions import transitions

    t0 = time.perf_counter()
    graph = RouteGraph.build(tx)
    build_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    RouteGraph.build(tx)
    build_again = time.perf_counter() - t0
    jobseekers, _ = generate_caseload(tx, "rijnmond", n_jobseekers=people, n_vacancies=1, seed=seed)
    rng = np.random.default_rng(seed)
    crucial = sorted(s for s, rec in tx.sectors.items() if rec.crucial)
    day = date(2025, 1, 6)
    find_routes(graph, jobseekers[0], sector=crucial[0], today=day)  # warm-up: solver and kernels loaded
    route_times, route_cpu, route_plans, route_errors, route_lengths = [], [], [], 0, []
    trans_times, trans_cpu, trans_plans = [], [], []
    for person in jobseekers:
        own = tx.occupation_sector[tx.occupations.index[person.occupation]] if person.occupation else ""
        target = str(rng.choice([s for s in crucial if s != own]))
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            result = find_routes(graph, person, sector=target, k=3, today=day)
            route_plans.append(result.planned)
            route_lengths.extend(len(r) for r in result)
        except InputError:
            route_errors += 1
        route_times.append(time.perf_counter() - t0)
        route_cpu.append(time.process_time() - c0)
        if person.occupation and own not in crucial:
            t0, c0 = time.perf_counter(), time.process_time()
            found = transitions(graph, person, k=5, today=day)
            trans_times.append(time.perf_counter() - t0)
            trans_cpu.append(time.process_time() - c0)
            trans_plans.append(found.planned)

    def summary(values: list[float], scale: float = 1000.0) -> dict[str, float]:
        if not values:
            return {}
        v = np.asarray(values) * scale
        return {"median": round(float(np.median(v)), 1), "p90": round(float(np.percentile(v, 90)), 1),
                "max": round(float(v.max()), 1), "n": len(values)}

    return {
        "graph_build_seconds_first": round(build_first, 3),
        "graph_build_seconds_again": round(build_again, 3),
        "routes_ms": summary(route_times),
        "routes_cpu_ms": summary(route_cpu),
        "routes_plans_per_person": summary(route_plans, 1.0),
        "routes_no_route": route_errors,
        "route_steps": summary(route_lengths, 1.0),
        "transitions_ms": summary(trans_times),
        "transitions_cpu_ms": summary(trans_cpu),
        "transitions_plans_per_person": summary(trans_plans, 1.0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--quick", action="store_true", help="shipped taxonomy only, 20 people; writes nothing")
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    import skillmatch
    from skillmatch.recommend import routes

    rng = np.random.default_rng(args.seed)
    out: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine(),
                           "seed": args.seed, "bootstrap": args.bootstrap, "taxonomies": {}}
    shipped = skillmatch.load_taxonomy()
    sets = [("shipped", shipped, routes.VIABLE_SIMILARITY_COMPETENTNL)]
    esco_dir, dutch = args.data / "esco-v1.1.1", args.data / "esco-v1.1.1-nl"
    if not args.quick:
        if not esco_dir.is_dir():
            print(f"ESCO data is absent ({esco_dir}); measuring the shipped taxonomy only", file=sys.stderr)
        else:
            sets.insert(0, ("esco", skillmatch.load_taxonomy(esco_dir, dutch=dutch), routes.VIABLE_SIMILARITY_ESCO))
    ok = True
    for name, tx, constant in sets:
        m = measure(name, tx, rng, args.bootstrap if not args.quick else 100)
        sim = m.pop("_sim")
        m["constant_in_code"] = constant
        m["default_threshold_picked"] = routes.default_threshold(tx)
        if name == "shipped":
            m["checks"] = shipped_checks(tx, sim, m["threshold"])
        out["taxonomies"][name] = m
        agrees = math.isclose(m["threshold"], constant) and math.isclose(m["default_threshold_picked"], constant)
        ok &= agrees
        p = m["percentiles"]
        print(f"{name}: {m['occupations']} occupations, {m['pairs']['same_unit_group']} same-unit-group pairs, "
              f"{m['occupations_with_mate']} occupations with a mate")
        for key in ("same_unit_group", "same_minor_group_other_unit", "different_minor_group", "nearest_mate",
                    "nearest_other_group"):
            print(f"  {key:30s} " + " ".join(f"{q}={v:.3f}" for q, v in p[key].items()))
        print(f"  nearest-mate bootstrap 95%: {m['nearest_mate_bootstrap_95']}")
        print(f"  rule -> threshold {m['threshold']:.2f} (constant {constant:.2f}, default_threshold picks "
              f"{m['default_threshold_picked']:.2f}){'' if agrees else '  MISMATCH'}")
        for row in m["sweep"]:
            if row["threshold"] in (0.1, 0.11, 0.15, 0.2, 0.25, 0.29, 0.3, 0.35, 0.4, 0.5):
                print(f"    t={row['threshold']:.2f} unit pairs kept {row['unit_group_pairs_kept']:.3f}, nearest mate "
                      f"kept {row['nearest_mate_kept']:.3f}, other pairs above {row['other_pairs_above']:.4f}, "
                      f"same-unit share above {row['same_unit_group_share_above']}, targets/occupation median "
                      f"{row['targets_per_occupation_median']:g} p90 {row['targets_per_occupation_p90']:g}, none "
                      f"{row['occupations_without_target']:.3f}")
        if "checks" in m:
            c = m["checks"]
            print(f"  curated cross-sector steps at/above threshold: {c['cross_sector_steps_at_or_above_threshold']} "
                  f"of {c['cross_sector_steps']}; up steps {c['up_steps_at_or_above_threshold']} of {c['up_steps']}; "
                  f"crucial targets per non-crucial occupation {c['crucial_targets_above_threshold']}")
    costs = route_costs(shipped, 20 if args.quick else args.people, args.seed)
    out["route_costs_shipped"] = costs
    print("routes on the shipped taxonomy:", json.dumps(costs))
    if not args.quick:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
