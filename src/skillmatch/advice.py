"""Advice for one person: where they fit, what is missing, how to learn it, which way to go.

The front door behind ``skillmatch recommend``, ``skillmatch paths`` and the demo's
examples; it only combines the stages (matching, training plans, what unlocks most,
development routes and transitions) and words the result for a consultant, in Dutch or
English, or as JSON-able data for machines.

The target of a plan is, in this order: the occupation or vacancy asked for; else the
best-matching occupation of the sector asked for; else the person's best-matching vacancy
(when vacancies are given) that is not already a strong match; else the best-matching
occupation in a maatschappelijk cruciale sector.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from .match import Explanation, Matcher
from .models import Jobseeker, Vacancy
from .params import Boolean, Instance, Integer, OneOf, check_params
from .problems import InputError
from .taxonomy import Taxonomy

TEXTS = {
    "nl": {"person": "Werkzoekende", "occupation": "laatste beroep", "unknown": "onbekend", "matches": "Beste matches",
           "none": "geen passende vacatures binnen de filters", "target": "Doel", "gap": "Wat ontbreekt",
           "no_gap": "niets: het profiel dekt alle eisen", "plans": "Scholingsplannen", "plan": "Plan", "no_plan": "geen plan gevonden",
           "unlocks": "Wat opent de meeste vacatures", "routes": "Ontwikkelroutes",
           "transitions": "Overstappen naar cruciale sectoren", "no_route": "geen route gevonden"},
    "en": {"person": "Jobseeker", "occupation": "last occupation", "unknown": "unknown", "matches": "Best matches",
           "none": "no fitting vacancies within the filters", "target": "Target", "gap": "What is missing",
           "no_gap": "nothing: the profile covers every requirement", "plans": "Training plans",
           "plan": "Plan", "no_plan": "no plan found", "unlocks": "What opens the most vacancies", "routes": "Development routes",
           "transitions": "Moves into crucial sectors", "no_route": "no route found"},
}


#: The options of :func:`advise`, checked at once.
PARAMETERS = {
    "person": Instance((Jobseeker,), "a Jobseeker"),
    "k": Integer(1, None),
    "minimise": OneOf(("hours", "eur")),
    "plans": Boolean(),
    "unlocks": Boolean(),
    "routes": Boolean(),
    "transitions": Boolean(),
    "lang": OneOf(("nl", "en")),
}


@dataclass(frozen=True)
class Advice:
    """What ``advise`` found for one person; ``lines()`` words it, ``to_dict()`` gives data."""

    person: str
    occupation: str | None
    matches: tuple[Explanation, ...]
    target: str | None
    target_label: str | None
    gap: tuple[str, ...]
    plans: Any | None  # recommend.PlanResult
    unlocks: Any | None  # recommend.UnlockResult
    routes: Any | None  # recommend.RouteResult
    transitions: Any | None  # recommend.TransitionResult
    lang: str = "nl"

    def lines(self) -> list[str]:
        t = TEXTS[self.lang]
        out = [f"{t['person']} {self.person} ({t['occupation']}: {self.occupation or t['unknown']})"]
        if self.matches or self.plans is not None:
            out.append(f"  {t['matches']}:")
            out += [f"    {line}" for e in self.matches for line in str(e).splitlines()] or [f"    {t['none']}"]
        if self.target:
            out.append(f"  {t['target']}: {self.target_label}")
        if self.plans is not None:
            out.append(f"  {t['gap']}: " + ("; ".join(self.gap) if self.gap else t["no_gap"]))
        if self.plans is not None:
            out.append(f"  {t['plans']}:")
            if not self.plans.plans:
                out.append(f"    {t['no_plan']}")
            for i, plan in enumerate(self.plans.plans, 1):
                *modules, total = plan.describe()
                out += [f"    {t['plan']} {i}: {total.split(': ', 1)[-1]}"] + [f"      {x}" for x in modules]
            out += [f"    {note}" for note in self.plans.notes]
        if self.unlocks is not None and (self.unlocks.options or self.unlocks.sets):
            out.append(f"  {t['unlocks']}:")
            out += [f"    {line}" for line in self.unlocks.describe()]
        for name, found in (("routes", self.routes), ("transitions", self.transitions)):
            if found is not None:
                out.append(f"  {t[name]}:")
                out += [f"    {line}" for line in found.describe()] or [f"    {t['no_route']}"]
        return out

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    return value


def crucial_occupations(taxonomy: Taxonomy, sector: str | None = None) -> list[str]:
    """Occupation ids of one sector, or of every maatschappelijk cruciale sector."""
    if sector is not None and sector not in taxonomy.sectors:
        raise InputError(f"sector: {sector!r} is not one of the taxonomy's sectors ({', '.join(sorted(taxonomy.sectors))})")
    return [o for o, s in zip(taxonomy.occupations.ids, taxonomy.occupation_sector)
            if (s == sector if sector is not None else s in taxonomy.sectors and taxonomy.sectors[s].crucial)]


def best_occupation(taxonomy: Taxonomy, person: Jobseeker, among: Sequence[str], lang: str = "nl") -> str | None:
    """The occupation among ``among`` the person fits best (the default score)."""
    if not among:
        return None
    wanted = set(among)
    result = Matcher(taxonomy, lang=lang).fit("occupations").match_one(person, k=taxonomy.n_occupations)
    for d in result.indices[0]:
        if d >= 0 and taxonomy.occupations.ids[d] in wanted:
            return taxonomy.occupations.ids[d]
    return None


def advise(taxonomy: Taxonomy, person: Jobseeker, *, vacancies: Sequence[Vacancy] | None = None,
           matcher: Matcher | None = None, target: str | None = None, sector: str | None = None, k: int = 3,
           minimise: str = "hours", plans: bool = True, unlocks: bool = True, routes: bool = False,
           transitions: bool = False, graph: Any = None, catalogue: Any = None, lang: str = "nl") -> Advice:
    """Matches, the gap, training plans (and, on request, routes and transitions) for one person.

    ``matcher`` (fitted on ``vacancies``) is built when not given. Raises
    :class:`InputError` for unknown targets or sectors.
    """
    from .recommend import plan_for

    check_params("advise", PARAMETERS, {"person": person, "k": k, "minimise": minimise, "plans": plans,
                                        "unlocks": unlocks, "routes": routes, "transitions": transitions,
                                        "lang": lang})
    matches: tuple[Explanation, ...] = ()
    vacancy_by_id = {v.id: v for v in vacancies or ()}
    if vacancies:
        matcher = matcher or Matcher(taxonomy, lang=lang).fit(list(vacancies))
        result = matcher.match_one(person, k=k)
        matches = tuple(result.explain(0, r, lang=lang) for r in range(result.k) if result.indices[0, r] >= 0)
    goal: str | Vacancy | None = None
    if target is not None:
        if target in vacancy_by_id:
            goal = vacancy_by_id[target]
        elif target in taxonomy.occupations.index:
            goal = target
        else:
            raise InputError(f"target: {target!r} is neither an occupation of the taxonomy nor one of the vacancies")
    elif not plans:
        goal = None  # routes into a sector choose their own end
    elif sector is not None:
        goal = best_occupation(taxonomy, person, crucial_occupations(taxonomy, sector), lang)
    elif matches:
        weak = [e for e in matches if not e.is_strong]  # a strong match needs no plan to be worth applying for
        goal = vacancy_by_id[weak[0].candidate] if weak else None
    if goal is None and plans and target is None and sector is None and not (matches and matches[0].is_strong):
        goal = best_occupation(taxonomy, person, crucial_occupations(taxonomy), lang)
    label = None
    if isinstance(goal, Vacancy):
        label = next((e.candidate_label for e in matches if e.candidate == goal.id), goal.title or goal.id)
    elif goal is not None:
        label = taxonomy.occupation_label(taxonomy.occupations.index[goal], lang)
    plan_result = plan_for(taxonomy, person, goal, catalogue=catalogue, minimise=minimise, k=k) \
        if (plans and goal is not None) else None
    gap = tuple(plan_result.gap.describe(taxonomy, lang)) if plan_result is not None else ()
    unlock_result = None
    if unlocks and vacancies and matcher is not None:
        from .recommend import unlocks_for

        unlock_result = unlocks_for(matcher, person, catalogue, k=k)
    route_result = transition_result = None
    if routes or transitions:
        from .recommend import RouteGraph, find_routes
        from .recommend import transitions as find_transitions

        graph = graph or RouteGraph.build(taxonomy, catalogue=catalogue)
        if routes:
            destination = goal if isinstance(goal, str) else None
            route_result = find_routes(graph, person, occupation=destination if sector is None else None,
                                       sector=sector if destination is None or sector is not None else None,
                                       k=k, minimise="hours" if minimise == "hours" else "eur", lang=lang) \
                if (destination or sector) else None
        if transitions and person.occupation:
            transition_result = find_transitions(graph, person, k=k, lang=lang, from_crucial=True)
    occupation = (taxonomy.occupation_label(taxonomy.occupations.index[person.occupation], lang)
                  if person.occupation in taxonomy.occupations.index else None)
    return Advice(person.id, occupation, matches, goal.id if isinstance(goal, Vacancy) else goal, label, gap,
                  plan_result, unlock_result, route_result, transition_result, lang)
