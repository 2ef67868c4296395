"""Matching quality on real data: ESCO v1.1.1 occupations and skills.

Two measurements, for ``cosine`` and ``coverage``, with and without related-skill credit,
plus sweeps of the credit strengths, the essential-skill mode and penalty, and the
importance weights:

(a) **Occupation -> occupation.** Every occupation is matched against all the others
    (``Matcher(...).fit("occupations").match("occupations", k=6)``, itself excluded). For
    ``coverage`` the query occupation is a person holding its requirements at their levels.
    P@1 is the share of occupations whose nearest occupation is in the same 4-digit ISCO
    unit group; P@5 the mean share of the 5 nearest in that group (a missing neighbour
    counts as a miss). Occupations alone in their unit group cannot score and are skipped.
    ``chance`` is P@1 of a uniformly random other occupation.

(b) **Recovery from partial, noisy profiles.** For every occupation (or a seeded sample,
    ``--sample``) one jobseeker profile keeps a random ``--keep`` share of the occupation's requirements
    (at least one) at proficiency ``--proficiency``; then a share of the kept skills (the
    noise level) is replaced by a hierarchy neighbour the occupation does not require: a
    relation type is drawn uniformly among those the skill has (sibling = another skill
    under one of its broader concepts; its broader skill; one of its narrower skills), then
    a neighbour uniformly within it. Which skills are kept, and the order in which they are
    replaced, is the same at every noise level, so a higher level replaces a superset.
    Three control settings replace ``--control`` of the kept skills (i) by a random skill
    that some occupation requires (noise no credit can explain), (ii) by an ESCO related
    skill (``skillSkillRelations``: the home ground of ``Credit.related``), (iii) by a
    hierarchy neighbour, but with essential requirements ``--essential-odds`` times as likely
    to be kept as optional ones (the main settings keep both alike, which favours weighting
    optional requirements like essential ones). The profiles are matched against all
    occupations (k=10); reported: recall@1/5/10 and MRR@10 of the true occupation, unit@1
    (the top match is in the true occupation's ISCO unit group), and for configurations
    with credit how many profiles rank the true occupation better / worse than the same
    configuration without credit, with a two-sided sign test.

Every configuration sees the same occupations and profiles. Cost: ``match`` only (the
related credit of the queries is computed inside it; ``fit`` and the one-off build of a
Matcher's credit matrix come before), after a warm-up that loads the compiled kernels, in
``--repeat`` round-robin rounds over the configurations, best round kept. Both wall time
and process CPU time (all threads) are recorded; ratios use CPU time, which other
processes on a shared machine disturb far less than wall time.

Usage::

    python benchmarks/quality_esco.py                 # full run, writes benchmarks/results/quality_esco.json
    python benchmarks/quality_esco.py --quick         # 200 profiles, 3 configurations, writes nothing
    python benchmarks/quality_esco.py --markdown      # print the tables as Markdown
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "quality_esco.json"
ESCO_DIR, DUTCH_DIR = "esco-v1.1.1", "esco-v1.1.1-nl"

# --- configurations ---------------------------------------------------------------------------


#: The library defaults at the time of writing (skillmatch 0.1.0), pinned so that the names below keep
#: their meaning when the defaults change: importance weights (index = code: 1 somewhat, 2 important,
#: 3 essential), related credit, and the essential-skill penalty.
BASE_WEIGHTS = (0.0, 0.3, 0.6, 1.0)
BASE_CREDIT = {"related": 1.0, "narrower": 0.5, "broader": 0.5, "sibling": 0.3, "max_group": 40}
BASE_ESSENTIAL = {"essential": "penalty", "essential_penalty": 0.3}
#: What QUALITY.md recommends.
RECOMMENDED_WEIGHTS = (0.0, 0.5, 0.75, 1.0)
RECOMMENDED_CREDIT = {**BASE_CREDIT, "sibling": 0.0}


@dataclass(frozen=True)
class Config:
    """One Matcher set-up. ``baseline`` names the same set-up without credit (for the paired count)."""

    name: str
    group: str
    scoring: str
    params: dict[str, Any] = field(default_factory=dict)
    importance_weights: tuple[float, float, float, float] = BASE_WEIGHTS
    baseline: str | None = None
    timed: bool = True  # False where the cost equals a timed configuration's (only weights or scalars differ)

    def matcher_kwargs(self) -> dict[str, Any]:
        # Matcher takes (somewhat, important, essential); the table here is indexed by code 0..3
        return {"scoring": self.scoring, **self.params, "importance_weights": self.importance_weights[1:]}

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scoring": self.scoring}
        for key, value in self.params.items():
            out[key] = asdict(value) if is_dataclass(value) else value
        out["importance_weights"] = list(self.importance_weights)
        return out


def configurations(quick: bool) -> list[Config]:
    from skillmatch.vectorize import Credit

    def credit(**changes) -> Credit:
        return Credit(**{**BASE_CREDIT, **changes})

    cos = {"weighting": "levels", "idf": True}
    binary = {"weighting": "binary", "idf": False}
    cov = dict(BASE_ESSENTIAL)
    out = [
        Config("cosine", "main", "cosine", {**cos, "credit": None}),
        Config("cosine+credit", "main", "cosine", {**cos, "credit": credit()}, baseline="cosine"),
        Config("coverage", "main", "coverage", {**cov, "credit": None}),
        Config("coverage+credit", "main", "coverage", {**cov, "credit": credit()}, baseline="coverage"),
    ]
    if quick:
        return [c for c in out if c.name != "cosine+credit"]
    out[2:2] = [
        Config("cosine-binary", "main", "cosine", {**binary, "credit": None}),
        Config("cosine-binary+credit", "main", "cosine", {**binary, "credit": credit()}, baseline="cosine-binary"),
        Config("cosine(no idf)", "weighting", "cosine", {**cos, "idf": False, "credit": None}),
        Config("cosine-binary(idf)", "weighting", "cosine", {**binary, "idf": True, "credit": None}),
    ]
    credit_variants = {
        "sibling=0": credit(sibling=0.0),
        "sibling=0.2": credit(sibling=0.2),
        "sibling=0.5": credit(sibling=0.5),
        "max_group=10": credit(max_group=10),
        "max_group=20": credit(max_group=20),
        "max_group=80": credit(max_group=80),
        "narrower/broader=0.3": credit(narrower=0.3, broader=0.3),
        "narrower/broader=0.7": credit(narrower=0.7, broader=0.7),
        "related=0": credit(related=0.0),
        "related only": credit(narrower=0.0, broader=0.0, sibling=0.0),
        "narrower/broader only": credit(related=0.0, sibling=0.0),
    }
    for label, c in credit_variants.items():
        out.append(Config(f"coverage+credit({label})", "credit", "coverage", {**cov, "credit": c}, baseline="coverage"))
    for label in ("sibling=0", "related only"):
        out.append(Config(f"cosine+credit({label})", "credit", "cosine", {**cos, "credit": credit_variants[label]},
                          baseline="cosine"))
    for label, params in {"essential=none": {"essential": "none"},
                          "penalty=0.1": {"essential_penalty": 0.1},
                          "penalty=0.5": {"essential_penalty": 0.5},
                          "gate": {"essential": "gate"}}.items():
        out.append(Config(f"coverage+credit({label})", "essential", "coverage", {**cov, "credit": credit(), **params},
                          timed=label == "gate"))
    out.append(Config("coverage(essential=none)", "essential", "coverage", {"credit": None, "essential": "none"},
                      timed=False))
    for somewhat in (0.1, 0.5, 1.0):  # ESCO has only essential (3) and optional -> somewhat (1)
        weights = (0.0, somewhat, 0.6, 1.0)
        out.append(Config(f"cosine(somewhat={somewhat})", "importance", "cosine", {**cos, "credit": None}, weights,
                          timed=False))
        out.append(Config(f"coverage+credit(somewhat={somewhat})", "importance", "coverage",
                          {**cov, "credit": credit()}, weights, timed=False))
    # the recommended defaults, measured together (and without credit, and with sibling credit)
    rec = {"essential": "penalty", "essential_penalty": 0.1}
    out += [
        Config("coverage(recommended, no credit)", "recommended", "coverage", {**rec, "credit": None},
               RECOMMENDED_WEIGHTS, timed=False),
        Config("coverage(recommended)", "recommended", "coverage", {**rec, "credit": Credit(**RECOMMENDED_CREDIT)},
               RECOMMENDED_WEIGHTS, baseline="coverage(recommended, no credit)", timed=False),
        Config("coverage(recommended, sibling=0.2)", "recommended", "coverage",
               {**rec, "credit": Credit(**{**RECOMMENDED_CREDIT, "sibling": 0.2})}, RECOMMENDED_WEIGHTS,
               baseline="coverage(recommended, no credit)", timed=False),
        Config("cosine(recommended)", "recommended", "cosine", {**cos, "credit": None}, RECOMMENDED_WEIGHTS,
               timed=False),
    ]
    return out


# --- data -------------------------------------------------------------------------------------


def load(data: Path):
    """ESCO v1.1.1 (with Dutch labels when present); SystemExit with a clear message when absent."""
    import skillmatch

    esco = data / ESCO_DIR
    if not esco.is_dir():
        raise SystemExit(f"quality_esco: ESCO data not found: expected the folder {esco} (ESCO v1.1.1 CSV "
                         f"download, see ../shared/data/README.md); pass --data DIR with the folder that holds "
                         f"{ESCO_DIR}/")
    dutch = data / DUTCH_DIR
    return skillmatch.load_taxonomy(esco, dutch=dutch if dutch.is_dir() else None)


@dataclass
class Neighbours:
    """Neighbours among skills (concepts that can be held), as CSR patterns, by relation type."""

    sibling: sp.csr_matrix
    broader: sp.csr_matrix
    narrower: sp.csr_matrix
    related: sp.csr_matrix

    @classmethod
    def of(cls, tx) -> Neighbours:
        keep = sp.diags(tx.skill_mask.astype(np.float64))
        b = tx.broader.astype(np.float64).tocsr()
        sibling = (keep @ b @ b.T @ keep).tocsr()
        sibling.setdiag(0)
        sibling.eliminate_zeros()
        broader = (keep @ b @ keep).tocsr()
        narrower = broader.T.tocsr()
        related = (keep @ tx.related.astype(np.float64) @ keep).tocsr()
        related.setdiag(0)
        related.eliminate_zeros()
        for m in (sibling, broader, narrower, related):
            m.sort_indices()
        return cls(sibling, broader, narrower, related)

    def of_skill(self, s: int, model: str) -> list[np.ndarray]:
        kinds = (self.sibling, self.broader, self.narrower) if model == "hierarchy" else (self.related,)
        return [m.indices[m.indptr[s]:m.indptr[s + 1]] for m in kinds]


@dataclass(frozen=True)
class Setting:
    """How a profile is drawn: the noise model and share, and how much likelier essentials are kept."""

    name: str
    share: float
    model: str  # "hierarchy", "random" or "related"
    essential_odds: float = 1.0


def settings_for(args: argparse.Namespace) -> list[Setting]:
    out = [Setting(f"hierarchy {x:.0%}", x, "hierarchy") for x in args.noise]
    if args.control > 0:
        out.append(Setting(f"random {args.control:.0%}", args.control, "random"))
        out.append(Setting(f"related {args.control:.0%}", args.control, "related"))
        out.append(Setting(f"hierarchy {args.control:.0%}, essentials x{args.essential_odds:g}", args.control,
                           "hierarchy", args.essential_odds))
    return out


@dataclass
class Profiles:
    """Held-level matrices for the sampled occupations, one per setting."""

    occupations: np.ndarray  # int64 (n,), the true occupation of each row
    held: dict[str, sp.csr_matrix]
    replaced: dict[str, float]  # achieved share of kept skills replaced
    mean_size: dict[str, float]


def make_profiles(tx, rng: np.random.Generator, sample: int, keep: float, proficiency: float,
                  settings: list[Setting]) -> Profiles:
    """Partial, noisy profiles of ``sample`` occupations (see the module docstring).

    Settings with the same ``essential_odds`` share the kept skills and their replacement
    order, so they differ only in the noise.
    """
    req = tx.requirements
    n = tx.n_occupations if sample <= 0 else min(sample, tx.n_occupations)
    occ = np.sort(rng.choice(tx.n_occupations, size=n, replace=False))
    nb = Neighbours.of(tx)
    required_somewhere = np.unique(req.indices)
    odds = sorted({st.essential_odds for st in settings})
    keep_rng = {o: np.random.default_rng(rng.integers(2**63)) for o in odds}
    noise_rng = {st.name: np.random.default_rng(rng.integers(2**63)) for st in settings}
    rows: dict[str, list[np.ndarray]] = {st.name: [] for st in settings}
    wanted = {st.name: 0 for st in settings}
    done = {st.name: 0 for st in settings}
    taken = np.zeros(tx.n_concepts, bool)
    for o in occ:
        lo, hi = req.indptr[o], req.indptr[o + 1]
        own, importance = req.indices[lo:hi], req.data[lo:hi]
        n_keep = max(1, int(round(keep * len(own))))
        kept_by_odds = {}
        for x in odds:  # a random order: the first n_keep are kept, replacement goes in that order
            p = np.where(importance == 3, x, 1.0)
            kept_by_odds[x] = keep_rng[x].choice(own, size=n_keep, replace=False, p=p / p.sum())
        for st in settings:
            kept = kept_by_odds[st.essential_odds]
            r = noise_rng[st.name]
            n_replace = int(round(st.share * n_keep))
            wanted[st.name] += n_replace
            taken[own] = True  # never replace by a skill the occupation requires or the profile holds
            profile = [int(s) for s in kept]
            replaced = 0
            for i, s in enumerate(kept):
                if replaced == n_replace:
                    break
                if st.model == "random":
                    t = int(r.choice(required_somewhere))
                    while taken[t]:
                        t = int(r.choice(required_somewhere))
                else:
                    options = [c[~taken[c]] for c in nb.of_skill(int(s), st.model)]
                    options = [c for c in options if len(c)]
                    if not options:
                        continue  # no free neighbour: the skill stays as held
                    kind = options[int(r.integers(len(options)))]  # relation type first, then the neighbour
                    t = int(kind[int(r.integers(len(kind)))])
                profile[i] = t
                taken[t] = True
                replaced += 1
            taken[own] = False
            taken[profile] = False
            done[st.name] += replaced
            rows[st.name].append(np.array(sorted(profile), np.int32))
    held = {}
    for name, lists in rows.items():
        indptr = np.zeros(len(lists) + 1, np.int64)
        np.cumsum([len(x) for x in lists], out=indptr[1:])
        indices = np.concatenate(lists)
        held[name] = sp.csr_matrix((np.full(len(indices), proficiency, np.float32), indices, indptr),
                                   shape=(len(lists), tx.n_concepts))
    replaced = {name: (done[name] / wanted[name] if wanted[name] else 0.0) for name in rows}
    sizes = {name: float(np.diff(m.indptr).mean()) for name, m in held.items()}
    return Profiles(occ, held, replaced, sizes)


# --- measurements -----------------------------------------------------------------------------


def unit_groups(tx) -> tuple[np.ndarray, np.ndarray]:
    """(ISCO unit group code per occupation as int, -1 unknown; members of each occupation's group)."""
    codes = np.array([int(c) if c.isdigit() else -1 for c in tx.occupation_isco], np.int64)
    _, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    size = counts[inverse]
    size[codes < 0] = 0
    return codes, size


def occupation_neighbours(tx, matcher, codes: np.ndarray, size: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    """P@1 and P@5 of same-unit-group neighbours (see the module docstring); also P@5 per scored occupation."""
    result = matcher.match("occupations", k=6, exclude={i: [i] for i in tx.occupations.ids})
    top = result.indices[:, :5]
    same = (top >= 0) & (codes[np.maximum(top, 0)] == codes[:, None])
    scored = size >= 2
    return {"p_at_1": float(same[scored, 0].mean()), "p_at_5": float(same[scored].mean()),
            "no_neighbour": int((result.indices[scored, 0] < 0).sum())}, same[scored].mean(axis=1)


def recovery(matcher, held: sp.csr_matrix, truth: np.ndarray, codes: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    """Recall@1/5/10, MRR@10 and unit@1 of the true occupation; also the reciprocal ranks per row."""
    result = matcher.match(held, k=10)
    hit = result.indices == truth[:, None]
    found = hit.any(axis=1)
    rank = np.where(found, hit.argmax(axis=1), 10)  # 0-based; 10 = not in the top 10
    rr = np.where(found, 1.0 / (rank + 1), 0.0)
    top = result.indices[:, 0]
    unit = (top >= 0) & (codes[np.maximum(top, 0)] == codes[truth]) & (codes[truth] >= 0)
    return ({"recall_at_1": float((rank < 1).mean()), "recall_at_5": float((rank < 5).mean()),
             "recall_at_10": float(found.mean()), "mrr": float(rr.mean()), "unit_at_1": float(unit.mean())}, rr)


def paired(rr: np.ndarray, base: np.ndarray) -> dict[str, float]:
    """Profiles ranking the truth better / worse than the baseline, and a two-sided sign test."""
    from scipy.stats import binomtest

    better, worse = int((rr > base).sum()), int((rr < base).sum())
    p = binomtest(better, better + worse).pvalue if better + worse else 1.0
    return {"better_than_baseline": better, "worse_than_baseline": worse, "sign_test_p": float(p)}


def best_cpu_time(fn, repeat: int) -> float:
    """Least process CPU time (all threads) of ``repeat`` calls."""
    best = np.inf
    for _ in range(max(1, repeat)):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def credit_cost(tx, credit, held: sp.csr_matrix, repeat: int) -> dict[str, float]:
    """What a Credit costs: links in its matrix, build time, and how much it grows profiles.

    ``growth_*``: entries of the effective (credited) profiles per held skill, for the
    benchmark's profiles and for the occupations held as profiles ((a) with coverage);
    ``expand_us_*``: CPU microseconds per profile to compute the credited profiles.
    """
    from skillmatch import kernels
    from skillmatch.vectorize import credit_matrix

    t0 = time.perf_counter()
    c = credit_matrix(tx, credit)
    out: dict[str, float] = {"links": int(c.nnz), "build_seconds": time.perf_counter() - t0}
    for name, m in (("profiles", held), ("occupations", tx.requirement_levels.tocsr())):
        args = (m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float32),
                c.indptr.astype(np.int64), c.indices, c.data)
        out[f"growth_{name}"] = float(kernels.related_credit(*args)[0][-1] / max(1, m.nnz))
        cpu = best_cpu_time(lambda: kernels.related_credit(*args), repeat)
        out[f"expand_us_{name}"] = 1e6 * cpu / max(1, m.shape[0])
    return out


def prepare(tx, matcher) -> float:
    """Fit on the occupations (timed) and build the related-credit matrix outside the timed runs."""
    t0 = time.perf_counter()
    matcher.fit("occupations")
    seconds = time.perf_counter() - t0
    one = sp.csr_matrix((np.array([3.0], np.float32), tx.requirements.indices[:1], np.array([0, 1])),
                        shape=(1, tx.n_concepts))
    matcher.match(one, k=1)
    return seconds


def warm_up(tx) -> float:
    """Load (or compile) the kernels for both scores so no configuration pays for it."""
    from skillmatch.match import Matcher
    from skillmatch.vectorize import Credit

    t0 = time.perf_counter()
    held = sp.csr_matrix((np.full(3, 3.0, np.float32), tx.requirements.indices[:3], np.array([0, 3])),
                         shape=(1, tx.n_concepts))
    for scoring in ("cosine", "coverage"):
        for credit in (None, Credit()):
            Matcher(tx, scoring, credit=credit).fit("occupations").match(held, k=3)
    return time.perf_counter() - t0


def run(args: argparse.Namespace) -> dict[str, Any]:
    import numba

    import skillmatch
    from skillmatch.match import Matcher

    t_start = time.perf_counter()
    tx = load(Path(args.data))
    load_seconds = time.perf_counter() - t_start
    codes, size = unit_groups(tx)
    scored = size >= 2
    # chance: a uniformly random other occupation shares the unit group
    chance = float(((size[scored] - 1) / (tx.n_occupations - 1)).mean())
    rng = np.random.default_rng(args.seed)
    settings = settings_for(args)
    t0 = time.perf_counter()
    profiles = make_profiles(tx, rng, args.sample, args.keep, args.proficiency, settings)
    profile_seconds = time.perf_counter() - t0
    jit_seconds = warm_up(tx)
    if args.threads:
        numba.set_num_threads(args.threads)

    configs = configurations(args.quick)
    if args.only:
        configs = [c for c in configs if c.name in args.only]
    timing_setting = next((n for n in profiles.held if n == "hierarchy 30%"), next(iter(profiles.held)))
    results: dict[str, Any] = {}
    rrs: dict[tuple[str, str], np.ndarray] = {}
    costs: dict[Any, dict[str, float]] = {}
    matchers = {}
    for cfg in configs:  # quality: every configuration once
        kwargs = cfg.matcher_kwargs()
        credit = kwargs.get("credit")
        if credit is not None and credit not in costs:
            costs[credit] = credit_cost(tx, credit, profiles.held[timing_setting], args.repeat)
        matcher = matchers[cfg.name] = Matcher(tx, **kwargs)
        entry: dict[str, Any] = {"group": cfg.group, "params": cfg.describe(), "baseline": cfg.baseline,
                                 "credit": costs.get(credit), "seconds_fit": prepare(tx, matcher)}
        entry["occupations"], p5 = occupation_neighbours(tx, matcher, codes, size)
        rrs[cfg.name, "occupations"] = p5
        if cfg.baseline and (cfg.baseline, "occupations") in rrs:  # per occupation: share of top 5 in its group
            entry["occupations"].update(paired(p5, rrs[cfg.baseline, "occupations"]))
        # cosine between two occupations compares requirement vectors: credit (people only) cannot act
        entry["occupations"]["credit_applies"] = credit is not None and cfg.scoring == "coverage"
        entry["recovery"] = {}
        for name, held in profiles.held.items():
            metrics, rr = recovery(matcher, held, profiles.occupations, codes)
            rrs[cfg.name, name] = rr
            if cfg.baseline and (cfg.baseline, name) in rrs:
                metrics.update(paired(rr, rrs[cfg.baseline, name]))
            entry["recovery"][name] = metrics
        results[cfg.name] = entry
        if args.verbose:
            print(f"  {cfg.name}: {time.perf_counter() - t_start:.0f} s so far", file=sys.stderr)

    # speed: round-robin over the configurations, so background load hits them alike; best of --repeat.
    # Wall time and process CPU time (all threads): CPU time is what the ratios use, as it is far
    # less disturbed by other processes on a shared machine.
    timed_configs = [c for c in configs if c.timed]
    times = {c.name: {} for c in timed_configs}
    held = profiles.held[timing_setting]
    exclude = {i: [i] for i in tx.occupations.ids}
    for _ in range(args.repeat):
        for cfg in timed_configs:
            matcher = matchers[cfg.name]
            runs = {"recovery": lambda: matcher.match(held, k=10)}
            if cfg.group in ("main", "weighting"):  # (a) costs as (b) does; timed for the main ones only
                runs["occupations"] = lambda: matcher.match("occupations", k=6, exclude=exclude)
            for what, fn in runs.items():
                w0, c0 = time.perf_counter(), time.process_time()
                fn()
                w1, c1 = time.perf_counter(), time.process_time()
                t = times[cfg.name]
                t[f"{what}_wall"] = min(t.get(f"{what}_wall", np.inf), w1 - w0)
                t[f"{what}_cpu"] = min(t.get(f"{what}_cpu", np.inf), c1 - c0)
        if args.verbose:
            print(f"  timing round: {time.perf_counter() - t_start:.0f} s so far", file=sys.stderr)
    for name, t in times.items():
        t["us_per_profile_wall"] = 1e6 * t["recovery_wall"] / held.shape[0]
        t["us_per_profile_cpu"] = 1e6 * t["recovery_cpu"] / held.shape[0]
        results[name]["seconds"] = t

    return {
        "benchmark": "quality_esco",
        "skillmatch": skillmatch.__version__,
        "data": f"{ESCO_DIR} ({tx.n_occupations} occupations, {int(tx.skill_mask.sum())} skills, "
                f"{tx.requirements.nnz} requirements)",
        "environment": {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
                        "cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(),
                        "machine": platform.machine()},
        "settings": {"seed": args.seed, "sample": int(len(profiles.occupations)), "keep": args.keep,
                     "proficiency": args.proficiency, "noise": args.noise, "control": args.control,
                     "essential_odds": args.essential_odds, "repeat": args.repeat, "quick": args.quick,
                     "timing_setting": timing_setting,
                     "profile_settings": [asdict(st) for st in settings]},
        "occupations": {"n": tx.n_occupations, "scored": int(scored.sum()),
                        "skipped_alone_in_unit_group": int((size == 1).sum()),
                        "skipped_no_isco": int((size == 0).sum()), "unit_groups": int(len(np.unique(codes))),
                        "chance_p_at_1": chance},
        "profiles": {"mean_held_skills": profiles.mean_size, "replaced_share": profiles.replaced},
        "seconds": {"load_taxonomy": load_seconds, "make_profiles": profile_seconds, "warm_up_jit": jit_seconds,
                    "total": time.perf_counter() - t_start},
        "results": results,
    }


# --- reporting --------------------------------------------------------------------------------


def tables(report: dict[str, Any], markdown: bool = False) -> str:
    """The results as text tables (or Markdown): (a) per configuration, (b) per noise setting."""
    res = report["results"]
    names = list(res)

    def table(header: list[str], rows: list[list[str]]) -> list[str]:
        if markdown:
            out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:"
                                                                     for i in range(len(header))) + "|"]
            return out + ["| " + " | ".join(r) + " |" for r in rows]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        return [fmt(header), "-" * len(fmt(header))] + [fmt(r) for r in rows]

    occ = report["occupations"]
    lines = [f"(a) occupation -> occupation, same ISCO unit group: {occ['scored']} occupations scored, "
             f"{occ['skipped_alone_in_unit_group']} skipped (alone in their unit group); "
             f"chance P@1 = {occ['chance_p_at_1']:.4f}", ""]
    rows = []
    for n in names:
        a = res[n]["occupations"]
        note = "" if a["credit_applies"] or res[n]["params"].get("credit") is None else " (credit n/a)"
        vs = (f"+{a['better_than_baseline']}/-{a['worse_than_baseline']} p={a['sign_test_p']:.2g}"
              if "better_than_baseline" in a else "")
        rows.append([n + note, f"{a['p_at_1']:.3f}", f"{a['p_at_5']:.3f}", vs])
    lines += table(["configuration", "P@1", "P@5", "P@5 vs no credit"], rows)
    settings = report["settings"]
    for setting in next(iter(res.values()))["recovery"]:
        share = report["profiles"]["replaced_share"][setting]
        lines += ["", f"(b) recovery, {setting} (achieved {share:.1%} replaced); {settings['sample']} profiles "
                      f"keeping {settings['keep']:.0%} of the requirements at level {settings['proficiency']:g}; "
                      "vs no credit: profiles ranking the truth better/worse, sign-test p", ""]
        rows = []
        for n in names:
            m = res[n]["recovery"][setting]
            vs = (f"+{m['better_than_baseline']}/-{m['worse_than_baseline']} p={m['sign_test_p']:.2g}"
                  if "better_than_baseline" in m else "")
            rows.append([n, f"{m['recall_at_1']:.3f}", f"{m['recall_at_5']:.3f}", f"{m['recall_at_10']:.3f}",
                         f"{m['mrr']:.3f}", f"{m['unit_at_1']:.3f}", vs])
        lines += table(["configuration", "R@1", "R@5", "R@10", "MRR", "unit@1", "vs no credit"], rows)
    timed = [n for n in names if "seconds" in res[n]]
    if timed:
        lines += ["", f"cost of match, best of {settings['repeat']} round-robin runs: (b) the "
                      f"{settings['timing_setting']} profiles against all occupations, µs per profile of wall and of "
                      "CPU time (all threads), CPU time relative to cosine; (a) all occupations against all, CPU "
                      "seconds and relative to cosine; credit: links in the credit matrix, credited entries per held "
                      "skill (growth), CPU µs per profile to expand", ""]
        base = res.get("cosine", {}).get("seconds", {})
        rows = []
        for n in timed:
            t, c = res[n]["seconds"], res[n]["credit"] or {}
            a = t.get("occupations_cpu")
            rows.append([n, f"{t['us_per_profile_wall']:.0f}", f"{t['us_per_profile_cpu']:.0f}",
                         f"{t['recovery_cpu'] / base['recovery_cpu']:.2f}" if base else "",
                         f"{a:.2f}" if a else "", f"{a / base['occupations_cpu']:.2f}" if a and base else "",
                         str(c.get("links", "")), f"{c['growth_profiles']:.1f}" if c else "",
                         f"{c['expand_us_profiles']:.0f}" if c else ""])
        lines += table(["configuration", "(b) µs wall", "(b) µs CPU", "(b) / cosine", "(a) CPU s", "(a) / cosine",
                        "credit links", "growth", "expand µs"], rows)
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_DATA),
                   help=f"folder holding {ESCO_DIR}/ (and optionally {DUTCH_DIR}/); default: %(default)s")
    p.add_argument("--sample", type=int, default=0,
                   help="occupations sampled for (b), one profile each; 0 (default) = every occupation")
    p.add_argument("--keep", type=float, default=0.5, help="share of an occupation's requirements a profile keeps")
    p.add_argument("--proficiency", type=float, default=3.0, help="held level of every profile skill (1-5)")
    p.add_argument("--noise", type=lambda s: [float(x) for x in s.split(",")], default=[0.0, 0.3, 0.6],
                   help="comma-separated shares of kept skills replaced by a hierarchy neighbour")
    p.add_argument("--control", type=float, default=0.3,
                   help="share replaced in the control settings: by a random skill, by an ESCO related skill, "
                        "and by a hierarchy neighbour with essentials likelier kept (0 = no control settings)")
    p.add_argument("--essential-odds", type=float, default=3.0,
                   help="in the last control setting, how much likelier an essential requirement is kept")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (best is reported)")
    p.add_argument("--threads", type=int, default=None, help="numba threads (default: numba's)")
    p.add_argument("--only", nargs="*", help="run only the configurations with these names")
    p.add_argument("--quick", action="store_true",
                   help="200 profiles, noise 0 and 30%%, 3 configurations; writes JSON only with --out")
    p.add_argument("--out", default=None, help=f"JSON output (default {DEFAULT_OUT.relative_to(REPO)}; "
                                               "'-' writes nothing)")
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    p.add_argument("--verbose", action="store_true", help="report progress on stderr")
    args = p.parse_args(argv)
    if args.quick:
        if args.sample == p.get_default("sample"):  # 200 profiles
            args.sample = 200
        if args.noise == p.get_default("noise"):
            args.noise = [0.0, 0.3]
        if args.control == p.get_default("control"):
            args.control = 0.0
        if args.repeat == p.get_default("repeat"):
            args.repeat = 1
    if not (0 < args.keep <= 1) or not all(0 <= x <= 1 for x in args.noise) or not (0 <= args.control <= 1):
        p.error("--keep must be in (0, 1], --noise and --control in [0, 1]")
    if not (1 <= args.proficiency <= 5):
        p.error("--proficiency must be from 1 to 5")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print the tables; write the JSON; return the report."""
    import numba

    args = parse_args(argv)
    threads = numba.get_num_threads()
    try:
        report = run(args)
    finally:
        numba.set_num_threads(threads)
    print(tables(report, markdown=args.markdown))
    print(f"\ntotal {report['seconds']['total']:.1f} s (taxonomy {report['seconds']['load_taxonomy']:.1f} s, "
          f"kernel warm-up {report['seconds']['warm_up_jit']:.1f} s) on {report['environment']['numba_threads']} "
          "thread(s)")
    out = args.out if args.out is not None else (None if args.quick else str(DEFAULT_OUT))
    if out and out != "-":
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    return report


if __name__ == "__main__":
    main()
