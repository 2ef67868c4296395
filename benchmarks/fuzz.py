#!/usr/bin/env python
"""Fuzzing the public API: random taxonomies, caseloads and parameters for a while.

Every case is drawn from one seed: a small taxonomy (skills in groups, some nested, related
links, regions with a representative point, occupations with requirements), jobseekers and
vacancies (empty profiles, regions, locations, travel limits, hours, support needs and
offers, vacancies that take their requirements from an occupation) and the Matcher's
options. Some cases are spoiled on purpose: an invalid option or ``k``, an unknown skill,
a duplicate id, no queries, a dict or None where records belong, an out-of-range
explanation. Then, both ways round (people as queries and as candidates):

- **no exception but InputError**: anything else is a violation; a spoiled case must be
  refused with an InputError (accepting it is a violation: silent acceptance);
- the ranking contract (descending, ties by index, -1 / -inf padding at the end, no
  candidate twice) and the bounds: ``fit`` / ``coverage`` in (0, 1], ``cosine`` <= 1 + 1e-6;
- determinism: 1 and 2 threads give the same bytes, and ``match_one`` gives the row of
  the batch ``match``;
- monotonicity: ``coverage`` never falls when a skill is added or a level raised, ``fit``
  never falls when a level is raised, nor when a skill the work asks is added at its
  required level (no related credit);
- explanations multiply back to their score, render as text in both languages and as
  JSON;
- the audit of the results (random groups on a random side) adds up and is valid JSON;
- allocation respects every vacancy's positions and assigns only listed pairs;
- a saved and reloaded index ranks the same (now and then).

Usage, from the repository root::

    python benchmarks/fuzz.py                   # 120 s
    python benchmarks/fuzz.py --quick           # 15 s
    python benchmarks/fuzz.py --seconds 600 --seed 7
    python benchmarks/fuzz.py --case 1234567    # replay one case, saying what it does
    python benchmarks/fuzz.py --known           # also draw inputs of known, still open bugs

Prints the counts (cases, checks, refusals by reason) and exits 1 at the first
violation, with the seed of the case and the command that replays it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from skillmatch import InputError, Jobseeker, Matcher, Requirement, SkillClaim, Vacancy
from skillmatch.models import SUPPORT_KINDS, Concept, GeoPoint, Occupation, Region
from skillmatch.taxonomy import Taxonomy, TaxonomyBuilder
from skillmatch.taxonomy.build import Where
from skillmatch.vectorize import WEIGHTINGS, Credit

IMPORTANCES = ("somewhat", "important", "essential")
SCORINGS = ("fit", "coverage", "cosine")
#: Invalid values per Matcher option: each must be refused with an InputError at fit.
BAD_OPTIONS: dict[str, tuple[Any, ...]] = {
    "scoring": ("best", None, 1), "weighting": ("tfidf",), "idf": ("false", 1, None),
    "credit": ("yes", 0.5), "importance_weights": ((0, 1, 1), (1, 1), "abc", (1.5, 1, 1)),
    "essential": ("drop", True), "essential_penalty": (1.0, -0.1, math.nan, "0.2"),
    "same_region": ("no",), "travel": ("no", 0), "hours": (None,), "support": ("true",),
    "crucial_boost": (-1.0, math.inf), "coverage_weight": (0.0, 1.5), "n_threads": (0, -2, 1.5, True),
    "lang": ("de",),
}
BAD_K: tuple[Any, ...] = (0, -1, True, 2.5, "3", None, np.float64(2.0))
#: Inputs that hit bugs already reported (xfail tests in tests/test_properties.py); drawn with --known.
KNOWN = ("exclude of the wrong type",)


class Violation(Exception):
    """A property broke: the message says which and how."""


@dataclass
class Tally:
    cases: int = 0
    checks: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # what was refused -> times
    examples: dict[str, str] = field(default_factory=dict)  # what was refused -> the first message


# --- random worlds --------------------------------------------------------------------------------


@lru_cache(maxsize=128)
def taxonomy(key: int, n_skills: int, n_regions: int, n_occupations: int) -> Taxonomy:
    rng = np.random.default_rng(key)
    b = TaxonomyBuilder(f"fuzz-{key}", "benchmarks/fuzz.py")
    where = Where("fuzz")
    n_groups = max(1, n_skills // 4)
    for g in range(n_groups):
        b.add_concept(Concept(id=f"urn:g:{g}", kind="group", pref_label_nl=f"groep {g}"), where)
    for s in range(n_skills):
        parent = f"urn:s:{int(rng.integers(s))}" if s and rng.random() < 0.25 else f"urn:g:{int(rng.integers(n_groups))}"
        b.add_concept(Concept(id=f"urn:s:{s}", kind="knowledge" if rng.random() < 0.3 else "capability",
                              pref_label_nl=f"vaardigheid {s}", broader=(parent,)), where)
    for _ in range(int(rng.integers(0, n_skills + 1))):
        source, target = (int(x) for x in rng.integers(n_skills, size=2))
        if source != target:
            b.add_related(f"urn:s:{source}", f"urn:s:{target}", float(rng.choice([0.2, 0.5, 0.8, 1.0])), where)
    for r in range(n_regions):
        b.add_region(Region(id=f"regio-{r}", name=f"Regio {r}", location=point(rng)), where)
    for o in range(n_occupations):
        asked = rng.choice(n_skills, size=int(rng.integers(1, min(n_skills, 6) + 1)), replace=False)
        b.add_occupation(Occupation(id=f"urn:o:{o}", pref_label_nl=f"beroep {o}", requirements=tuple(
            Requirement(skill=f"urn:s:{int(s)}", importance=str(rng.choice(IMPORTANCES)),
                        level=int(rng.integers(1, 6))) for s in asked)), where)
    return b.build()


def point(rng: np.random.Generator) -> GeoPoint:
    return GeoPoint(lat=float(rng.uniform(50.8, 53.5)), lon=float(rng.uniform(3.4, 7.2)))


def maybe(rng: np.random.Generator, p: float, value: Any) -> Any:
    return value if rng.random() < p else None


def people(rng: np.random.Generator, n: int, tx: Taxonomy, n_skills: int, regions: list[str]) -> list[Jobseeker]:
    out = []
    for i in range(n):
        held = rng.choice(n_skills, size=int(rng.integers(0, min(n_skills, 8) + 1)), replace=False)
        low = float(rng.choice([0, 8, 16, 24, 32]))
        out.append(Jobseeker(
            id=f"p{i}", skills=tuple(SkillClaim(skill=f"urn:s:{int(s)}", proficiency=int(rng.integers(1, 6)))
                                     for s in held),
            region=maybe(rng, 0.5, str(rng.choice(regions))) if regions else None,
            location=maybe(rng, 0.4, point(rng)), max_travel_km=maybe(rng, 0.3, float(rng.uniform(5, 150))),
            hours_min=low, hours_max=float(min(80, low + rng.choice([0, 8, 16, 40]))),
            support_needs=tuple(s for s in SUPPORT_KINDS if rng.random() < 0.1)))
    return out


def vacancies(rng: np.random.Generator, n: int, tx: Taxonomy, n_skills: int, regions: list[str]) -> list[Vacancy]:
    out = []
    for i in range(n):
        low = float(rng.choice([0, 8, 16, 24, 32]))
        place = {"region": maybe(rng, 0.6, str(rng.choice(regions))) if regions else None,
                 "location": maybe(rng, 0.5, point(rng)), "hours_min": low,
                 "hours_max": float(min(80, low + rng.choice([0, 8, 16, 40]))), "positions": int(rng.integers(1, 4)),
                 "offers": tuple(s for s in SUPPORT_KINDS if rng.random() < 0.5)}
        if tx.n_occupations and rng.random() < 0.2:
            out.append(Vacancy(id=f"v{i}", occupation=str(rng.choice(tx.occupations.ids)), **place))
            continue
        asked = rng.choice(n_skills, size=int(rng.integers(1, min(n_skills, 7) + 1)), replace=False)
        out.append(Vacancy(id=f"v{i}", requirements=tuple(
            Requirement(skill=f"urn:s:{int(s)}", importance=str(rng.choice(IMPORTANCES)), level=int(rng.integers(1, 6)))
            for s in asked), **place))
    return out


def options(rng: np.random.Generator) -> dict[str, Any]:
    scoring = str(rng.choice(SCORINGS))
    credit = [None, "auto", Credit(), Credit(related=float(rng.uniform(0, 1)), narrower=float(rng.uniform(0, 1)),
                                            broader=float(rng.uniform(0, 1)), sibling=float(rng.choice([0, 0.2])))]
    out: dict[str, Any] = {
        "scoring": scoring, "credit": credit[int(rng.integers(len(credit)))],
        "essential": str(rng.choice(["penalty", "gate", "none"])),
        "essential_penalty": float(rng.choice([0.0, 0.2, 0.5, 0.99])),
        "importance_weights": tuple(float(w) for w in rng.choice([0.25, 0.5, 1.0], size=3)),
        "same_region": bool(rng.random() < 0.3), "travel": bool(rng.random() < 0.7),
        "hours": bool(rng.random() < 0.5), "support": bool(rng.random() < 0.5),
        "coverage_weight": float(rng.choice([0.1, 0.3, 0.7, 1.0])),
    }
    if scoring == "cosine":
        out.update(weighting=str(rng.choice(sorted(WEIGHTINGS))), idf=bool(rng.random() < 0.5))
    return out


@dataclass
class Case:
    seed: int
    tx: Taxonomy
    n_skills: int
    people: list[Jobseeker]
    vacancies: list[Vacancy]
    options: dict[str, Any]
    k: Any
    spoil: str | None = None  # what was spoiled on purpose; None for a valid case
    bad_exclude: Any = None  # with --known: an exclude of the wrong type

    def describe(self) -> str:
        return (f"case {self.seed}: {len(self.people)} people x {len(self.vacancies)} vacancies, "
                f"{self.n_skills} skills, options {self.options}, k={self.k!r}, spoiled: {self.spoil}")


def draw_case(seed: int, known: bool) -> Case:
    rng = np.random.default_rng(seed)
    n_skills = int(rng.integers(2, 30))
    n_regions = int(rng.integers(0, 4))
    tx = taxonomy(int(rng.integers(200)), n_skills, n_regions, int(rng.integers(0, 5)))
    regions = [r.id for r in tx.regions]
    case = Case(seed, tx, n_skills, people(rng, int(rng.integers(1, 8)), tx, n_skills, regions),
                vacancies(rng, int(rng.integers(1, 10)), tx, n_skills, regions), options(rng),
                int(rng.choice([1, 2, 3, 5, 10, 2**31, 10**12])))
    roll = rng.random()
    if roll < 0.12:
        name = str(rng.choice(sorted(BAD_OPTIONS)))
        value = BAD_OPTIONS[name][int(rng.integers(len(BAD_OPTIONS[name])))]
        case.options[name] = value
        case.spoil = f"option {name}={value!r}"
    elif roll < 0.18:
        case.k = BAD_K[int(rng.integers(len(BAD_K)))]
        case.spoil = f"k={case.k!r}"
    elif roll < 0.28:
        case.spoil = spoil_records(rng, case, known)
    return case


def spoil_records(rng: np.random.Generator, case: Case, known: bool) -> str:
    kinds = ["unknown skill", "duplicate vacancy id", "duplicate person id", "no queries", "a dict record",
             "None as queries", "unknown region", "unknown occupation"] + (list(KNOWN) if known else [])
    kind = kinds[int(rng.integers(len(kinds)))]
    p = case.people[0]
    if kind == "unknown skill":
        case.people[0] = p.model_copy(update={"skills": (*p.skills, SkillClaim(skill="urn:s:nope"))})
    elif kind == "duplicate vacancy id":
        case.vacancies.append(case.vacancies[0])
    elif kind == "duplicate person id":
        case.people.append(p)
    elif kind == "no queries":
        case.people.clear()
    elif kind == "a dict record":
        case.people.append(p.model_dump())  # type: ignore[arg-type]
    elif kind == "None as queries":
        case.people = None  # type: ignore[assignment]
    elif kind == "unknown region":
        case.people[0] = p.model_copy(update={"region": "atlantis"})
    elif kind == "unknown occupation":
        case.vacancies[0] = Vacancy(id=case.vacancies[0].id, occupation="urn:o:nope")
    elif kind == "exclude of the wrong type":
        case.bad_exclude = [5, {p.id: None}, {p.id: 5}, [None] * len(case.people)][int(rng.integers(4))]
    return kind


# --- the properties -------------------------------------------------------------------------------


def check(tally: Tally, name: str, ok: bool, message: Callable[[], str] | str) -> None:
    """Count a passed check, or raise a Violation; ``message`` is made only then (a callable: lazily)."""
    if not ok:
        raise Violation(f"{name}: {message() if callable(message) else message}")
    tally.checks[name] += 1


def dense(result: Any, n_candidates: int) -> np.ndarray:
    out = np.zeros((len(result.query_ids), n_candidates), np.float32)
    rows, cols = np.nonzero(result.indices >= 0)
    out[rows, result.indices[rows, cols]] = result.scores[rows, cols]
    return out


def contract(tally: Tally, result: Any, n_candidates: int, scoring: str) -> None:
    idx, s = result.indices, result.scores
    valid = idx >= 0
    check(tally, "contract", idx.dtype == np.int32 and s.dtype == np.float32 and idx.shape == s.shape,
          lambda: f"dtypes {idx.dtype}/{s.dtype}, shapes {idx.shape}/{s.shape}")
    check(tally, "contract", bool((valid[:, 1:] <= valid[:, :-1]).all()), "padding before a candidate")
    check(tally, "contract", bool((s[~valid] == -np.inf).all() and (s[valid] > 0).all()), "padding or zero scores")
    for r in range(len(idx)):
        row, sc = idx[r][valid[r]], s[r][valid[r]]
        check(tally, "contract", len(set(row.tolist())) == len(row) and bool((row < n_candidates).all()),
              lambda r=r, row=row: f"row {r}: {row}")
        order = all(sc[j] > sc[j + 1] or (sc[j] == sc[j + 1] and row[j] < row[j + 1]) for j in range(len(row) - 1))
        check(tally, "contract", order, lambda r=r, row=row, sc=sc: f"row {r} out of order: {row} {sc}")
    top = 1 + 1e-6 if scoring == "cosine" else 1.0
    check(tally, "bounds", bool((s[valid] <= top).all()), lambda: f"{scoring} score above {top}: {s.max()}")


@dataclass
class Ranked:
    """One direction of a case: the result, the fitted matcher, what was ranked and what left out."""

    result: Any
    matcher: Matcher
    candidates: list
    queries: list
    exclude: Any


def exclusions(case: Case, candidates: list, queries: list) -> Any:
    """None, or (in one case of five) a few random candidates left out per query, as a mapping."""
    if case.bad_exclude is not None:
        return case.bad_exclude
    rng = np.random.default_rng(case.seed + 2)
    if rng.random() > 0.2 or not isinstance(queries, list) or not isinstance(candidates, list):
        return None
    ids = [c.id for c in candidates]
    return {q.id: [str(c) for c in rng.choice(ids, size=int(rng.integers(0, len(ids) + 1)), replace=False)]
            for q in queries if isinstance(q, (Jobseeker, Vacancy)) and rng.random() < 0.7}


def rank_both_ways(tally: Tally, case: Case) -> list[Ranked]:
    """People -> vacancies and vacancies -> people."""
    out = []
    for candidates, queries in ((case.vacancies, case.people), (case.people, case.vacancies)):
        matcher = Matcher(case.tx, **case.options).fit(candidates)
        exclude = exclusions(case, candidates, queries)
        result = matcher.match(queries, k=case.k, exclude=exclude)
        contract(tally, result, len(candidates), case.options["scoring"])
        for r, q in enumerate(result.query_ids):
            left_out = set((exclude or {}).get(q, ()))
            check(tally, "exclude", not left_out & set(result.ids(r)), lambda q=q: f"{q}: an excluded candidate")
        out.append(Ranked(result, matcher, candidates, queries, exclude))
    return out


def determinism(tally: Tally, case: Case, ranked: Ranked) -> None:
    result, matcher, queries, exclude = ranked.result, ranked.matcher, ranked.queries, ranked.exclude
    again = [Matcher(case.tx, **case.options, n_threads=t).fit(ranked.candidates).match(queries, k=case.k,
                                                                                        exclude=exclude)
             for t in (1, 2)]
    for other in again:
        same = other.indices.tobytes() == result.indices.tobytes() and other.scores.tobytes() == result.scores.tobytes()
        check(tally, "determinism", same, "1 / 2 threads / default give different results")
    for r, query in enumerate(queries):
        one = matcher.match_one(query, k=case.k, exclude=(exclude or {}).get(query.id, ()))
        same = one.indices[0].tobytes() == result.indices[r].tobytes() and \
            one.scores[0].tobytes() == result.scores[r].tobytes()
        check(tally, "determinism", same, f"match_one differs from row {r} of match")


def monotone(tally: Tally, case: Case, rng: np.random.Generator) -> None:
    scoring = case.options["scoring"]
    if scoring == "cosine":
        return
    i = int(rng.integers(len(case.people)))
    person = case.people[i]
    held = {c.skill for c in person.skills}
    vacancies = case.vacancies
    matcher = Matcher(case.tx, **case.options).fit(vacancies)

    def row(p: Jobseeker) -> np.ndarray:
        return dense(matcher.match([p], k=len(vacancies)), len(vacancies))[0]

    before = row(person)
    ulp = np.nextafter(before, np.float32(-np.inf))  # fit takes C^a R^(1-a): one float32 step of slack
    raisable = [j for j, c in enumerate(person.skills) if c.proficiency < 5]
    if raisable:
        j = raisable[int(rng.integers(len(raisable)))]
        skills = list(person.skills)
        skills[j] = skills[j].model_copy(update={"proficiency": int(rng.integers(skills[j].proficiency + 1, 6))})
        after = row(person.model_copy(update={"skills": tuple(skills)}))
        floor = before if scoring == "coverage" else ulp
        check(tally, f"{scoring}: raising a level", bool((after >= floor).all()), lambda: f"{before} -> {after}")
    new = [s for s in range(case.n_skills) if f"urn:s:{s}" not in held]
    if scoring == "coverage" and new:
        skill = f"urn:s:{new[int(rng.integers(len(new)))]}"
        after = row(person.model_copy(update={"skills": (*person.skills, SkillClaim(
            skill=skill, proficiency=int(rng.integers(1, 6))))}))
        check(tally, "coverage: adding a skill", bool((after >= before).all()),
              lambda: f"+{skill}: {before} -> {after}")
    if scoring == "fit" and case.options["credit"] is None:
        v = int(rng.integers(len(vacancies)))  # (a vacancy of an occupation has no own requirements: skipped)
        asked = [(r.skill, r.level) for r in vacancies[v].requirements if r.skill not in held]
        if asked:
            skill, level = asked[int(rng.integers(len(asked)))]
            after = row(person.model_copy(update={"skills": (*person.skills, SkillClaim(
                skill=skill, proficiency=int(min(5, level + rng.integers(0, 3)))))}))
            check(tally, "fit: adding an asked skill at its level", bool(after[v] >= ulp[v]),
                  lambda: f"+{skill}: {before[v]} -> {after[v]}")


def explanations(tally: Tally, result: Any, rng: np.random.Generator) -> None:
    rows, cols = np.nonzero(result.indices >= 0)
    for at in rng.choice(len(rows), size=min(len(rows), 4), replace=False) if len(rows) else ():
        r, j = int(rows[at]), int(cols[at])
        e = result.explain(r, j, lang=str(rng.choice(["nl", "en"])))
        check(tally, "explanation", bool(str(e)) and json.dumps(e.to_dict(), allow_nan=False) != "", "no text")
        if e.coverage is not None:
            score = float(result.scores[r, j])
            check(tally, "explanation", abs(e.recomputed() - score) <= 1e-6 * score,
                  lambda r=r, j=j, e=e, score=score: f"row {r} rank {j}: recomputed {e.recomputed()} != score {score}")
    for r, j in ((len(result.query_ids), 0), (0, result.k), (-1, 0), (0, True)):
        refused(tally, "explain out of range", lambda r=r, j=j: result.explain(r, j))


def audit_checks(tally: Tally, result: Any, rng: np.random.Generator) -> None:
    from skillmatch.audit import audit_result

    side = str(rng.choice(["queries", "candidates"]))
    ids = result.query_ids if side == "queries" else result.candidate_ids
    labelled = [i for i in ids if rng.random() < 0.8] or [ids[0]]
    groups = {i: str(rng.choice(["A", "B", "C"])) for i in labelled}
    report = audit_result(result, groups, side=side, threshold=float(rng.choice([0.1, 0.3, 0.5])))
    check(tally, "audit", sum(g.members for g in report.groups) == report.n_labelled == len(labelled),
          "members do not add up")
    check(tally, "audit", report.n_labelled + report.n_unlabelled == len(ids), "labelled + unlabelled")
    check(tally, "audit", report.overall.exposure == report.n_slots, "overall exposure != slots")
    check(tally, "audit", all(g.selection_ratio is None or 0 <= g.selection_ratio <= 1 for g in report.groups),
          "ratio outside [0, 1]")
    json.dumps(report.to_dict(), allow_nan=False)
    check(tally, "audit", bool(report.summary("nl")) and bool(report.summary("en")), "no summary")


def allocation(tally: Tally, case: Case, result: Any) -> None:
    from skillmatch.batch.allocate import allocate_caseload

    capacities = np.array([v.positions for v in case.vacancies])
    done = allocate_caseload(result.indices, result.scores, capacities)
    for a in (done.optimal, done.stable):
        counts = a.people_per_vacancy(len(capacities))
        check(tally, "allocation", bool((counts <= capacities).all()), f"{a.method}: over capacity")
        for person in np.flatnonzero(a.vacancy >= 0):
            check(tally, "allocation", int(a.vacancy[person]) in result.indices[person].tolist(),
                  f"{a.method}: person {person} got a vacancy not on their list")
    check(tally, "allocation", done.optimal.total_score >= done.stable.total_score - 1e-6,
          "optimal total below the stable one")


def saved_index(tally: Tally, case: Case, ranked: Ranked) -> None:
    from skillmatch.match import CandidateIndex

    with tempfile.TemporaryDirectory() as folder:
        ranked.matcher.index_.save(folder)
        loaded = Matcher.from_index(CandidateIndex.load(folder, case.tx))
    again, result = loaded.match(ranked.queries, k=case.k, exclude=ranked.exclude), ranked.result
    check(tally, "saved index", again.indices.tobytes() == result.indices.tobytes()
          and again.scores.tobytes() == result.scores.tobytes(), "a reloaded index ranks differently")


def refused(tally: Tally, what: str, call: Any) -> None:
    """``call`` must raise an InputError."""
    try:
        call()
    except InputError as exc:
        note_refusal(tally, what, exc)
        return
    raise Violation(f"accepted silently: {what}")


def note_refusal(tally: Tally, what: str, exc: InputError) -> None:
    tally.refused[what] += 1
    tally.examples.setdefault(what, str(exc.problems[0]) if exc.problems else str(exc))


def run_case(case: Case, tally: Tally) -> None:
    rng = np.random.default_rng(case.seed + 1)
    if case.spoil is not None:
        refused(tally, case.spoil.split("=")[0], lambda: rank_both_ways(tally, case))
        return
    try:
        ranked = rank_both_ways(tally, case)
    except InputError as exc:  # a valid-looking case the library refuses: counted, and shown in the summary
        note_refusal(tally, "a valid case", exc)
        return
    for one in ranked:
        determinism(tally, case, one)
        explanations(tally, one.result, rng)
        audit_checks(tally, one.result, rng)
    monotone(tally, case, rng)
    if ranked[0].exclude is None:
        allocation(tally, case, ranked[0].result)
    if rng.random() < 0.05:
        saved_index(tally, case, ranked[int(rng.integers(2))])


# --- the loop --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="how long to run (default 120)")
    parser.add_argument("--quick", action="store_true", help="15 seconds")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sequence of cases")
    parser.add_argument("--case", type=int, help="replay the case with this seed, saying what it does")
    parser.add_argument("--known", action="store_true", help=f"also draw inputs of known open bugs: {KNOWN}")
    args = parser.parse_args(argv)
    seconds = 15.0 if args.quick else args.seconds
    tally = Tally()
    seeds = [args.case] if args.case is not None else None
    master = np.random.default_rng(args.seed)
    start = time.perf_counter()
    print(f"fuzzing for {'one case' if seeds else f'{seconds:g} s'} (seed {args.seed})", flush=True)
    while (seeds is None and time.perf_counter() - start < seconds) or seeds:
        seed = seeds.pop() if seeds else int(master.integers(2**31))
        case = draw_case(seed, args.known)
        if args.case is not None:
            print(case.describe())
        try:
            run_case(case, tally)
        except Violation as exc:
            return report_violation(case, str(exc), tally, start, args.known)
        except Exception:  # anything but InputError escaping the API
            return report_violation(case, "exception other than InputError:\n" + traceback.format_exc(), tally, start,
                                    args.known)
        tally.cases += 1
    print_summary(tally, time.perf_counter() - start)
    return 0


def report_violation(case: Case, message: str, tally: Tally, start: float, known: bool) -> int:
    print_summary(tally, time.perf_counter() - start)
    print(f"\nVIOLATION in case {case.seed}: {message}\n{case.describe()}", file=sys.stderr)
    print(f"replay: python benchmarks/{Path(__file__).name} --case {case.seed}{' --known' if known else ''}",
          file=sys.stderr)
    return 1


def print_summary(tally: Tally, seconds: float) -> None:
    print(f"{tally.cases:,} cases in {seconds:.0f} s; {sum(tally.checks.values()):,} checks passed")
    for name, n in sorted(tally.checks.items()):
        print(f"  {name:<45} {n:>8,}")
    print(f"refused with an InputError: {sum(tally.refused.values()):,}")
    for name, n in sorted(tally.refused.items()):
        print(f"  {name:<45} {n:>8,}   e.g. {tally.examples[name][:90]}")


if __name__ == "__main__":
    sys.exit(main())
