"""Gaps and training plans (``skillmatch.recommend.gaps`` and ``.plans``).

The planner is checked against an independent brute force: on small seeded random
catalogues every subset of modules is tried against the rules of the plans module's
docstring (written out again here), and the MILP's plans must cost what the best feasible
subsets cost. Every returned plan is also checked constraint by constraint from the
module records, not from the planner's arrays.
"""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta

import numpy as np
import pytest

from skillmatch.models import CEFR_CODES, Jobseeker, SkillClaim, TrainingModule, Vacancy
from skillmatch.problems import InputError
from skillmatch.recommend import (
    Catalogue,
    Exemptions,
    PlanConstraints,
    gap_for,
    gap_from_arrays,
    plan_for,
    plan_training,
)

CONCEPTS = [f"c{j}" for j in range(7)]
REGIONS = ("r1", "r2", "r3")
FUNDING = ("gemeente", "uwv-scholing", "werkgever")
DELIVERY = ("day", "evening", "online", "part-time")
DAY0 = date(2025, 1, 13)
ANCHOR = date(2024, 9, 2)
NONE_LEVEL = 6  # a person whose level is not known is treat as C2: nothing is checked


# --- random cases ---------------------------------------------------------------------------------


def module(i, skills, **kw) -> TrainingModule:
    values = dict(id=f"m{i}", title=f"Module {i}", type="course", nlqf=2, hours=40, cost_eur=500,
                  skills=[{"skill": f"c{j}", "level": lvl} for j, lvl in skills])
    values.update(kw)
    return TrainingModule(**values)


def random_modules(rng, n, *, prerequisites=True, language=True, tight=False):
    out = []
    for i in range(n):
        k = int(rng.integers(1, 4))
        skills = [(int(j), int(rng.integers(1, 6))) for j in rng.choice(len(CONCEPTS), size=k, replace=False)]
        kw = dict(
            cost_eur=float(rng.integers(1, 40) * 50),
            hours=float(rng.integers(1, 30) * 8),
            nlqf=int(rng.integers(1, 6)),
            delivery=tuple(rng.choice(DELIVERY, size=int(rng.integers(1, 3)), replace=False)),
            starts_per_year=int(rng.choice([1, 2, 3, 4, 6, 12, 52])),
            regions=() if rng.random() < 0.5 else tuple(rng.choice(REGIONS, size=int(rng.integers(1, 3)),
                                                                   replace=False)),
            funding=tuple(rng.choice(FUNDING, size=int(rng.integers(1, 3)), replace=False)),
        )
        if tight:  # everything open, so that only coverage and cost matter
            kw.update(delivery=("day",), regions=(), funding=("gemeente",), starts_per_year=52, nlqf=2)
        if language and rng.random() < 0.3:
            entry = int(rng.integers(0, 4))  # 0 = no level needed, else A1..B1
            kw["language_level"] = None if entry == 0 else list(CEFR_CODES)[entry - 1]
            kw["language_reached"] = list(CEFR_CODES)[min(entry + int(rng.integers(1, 3)), 6) - 1]
        elif language and rng.random() < 0.5:
            kw["language_level"] = str(rng.choice(["A2", "B1", "B2"]))
        if prerequisites and i > 0 and rng.random() < 0.3 and not kw.get("language_reached"):
            kw["prerequisites"] = tuple(f"m{int(p)}" for p in rng.choice(i, size=min(i, int(rng.integers(1, 3))),
                                                                         replace=False))
        out.append(module(i, skills, **kw))
    return out


def random_gap(rng):
    held_i = rng.choice(len(CONCEPTS), size=int(rng.integers(0, 4)), replace=False)
    held_l = rng.integers(1, 4, size=len(held_i)).astype(float)
    req_i = rng.choice(len(CONCEPTS), size=int(rng.integers(2, 6)), replace=False)
    req_c = rng.integers(1, 4, size=len(req_i))
    req_l = rng.integers(1, 5, size=len(req_i)).astype(float)
    return (held_i, held_l), gap_from_arrays(held_i, held_l, req_i, req_c, req_l)


def random_constraints(rng, total_cost, total_hours):
    pick = lambda p: rng.random() < p  # noqa: E731
    return PlanConstraints(
        budget_eur=float(rng.integers(1, 5) * total_cost / 6) if pick(0.4) else None,
        max_hours=float(rng.integers(1, 5) * total_hours / 6) if pick(0.3) else None,
        delivery=tuple(rng.choice(DELIVERY, size=2, replace=False)) if pick(0.3) else (),
        region=str(rng.choice(REGIONS)) if pick(0.5) else None,
        start_within_weeks=float(rng.choice([2, 6, 13])) if pick(0.3) else None,
        max_nlqf=int(rng.integers(2, 6)) if pick(0.3) else None,
        funding=(str(rng.choice(FUNDING)),) if pick(0.3) else (),
        language_level=str(rng.choice(["A1", "A2", "B1"])) if pick(0.6) else None,
        available_from=DAY0,
    )


def random_case(seed, n=9, *, prerequisites=True, language=True, constraints=True, tight=False):
    rng = np.random.default_rng(seed)
    modules = random_modules(rng, n, prerequisites=prerequisites, language=language, tight=tight)
    held, gap = random_gap(rng)
    cons = (random_constraints(rng, sum(m.cost_eur for m in modules), sum(m.hours for m in modules))
            if constraints else PlanConstraints(available_from=DAY0))
    completed = tuple(f"m{int(i)}" for i in rng.choice(n, size=int(rng.integers(0, 2)), replace=False)) \
        if prerequisites else ()
    return modules, gap, held, cons, completed


# --- the rules, written out again from the records -------------------------------------------------


def start_moments(m: TrainingModule, after: date, years=3):
    """Every start moment from the year before ``after`` on, by the documented rule."""
    base = (after - ANCHOR).days // 364 - 1
    return sorted(ANCHOR + timedelta(days=364 * y + 7 * math.floor(k * 52 / m.starts_per_year))
                  for y in range(base, base + years) for k in range(m.starts_per_year))


def next_start(m: TrainingModule, day: date) -> date:
    return next(d for d in start_moments(m, day) if d >= day)


def code(level):
    return 0 if level is None else CEFR_CODES[level]


class Rules:
    """Feasibility and value of a set of modules, straight from the records."""

    def __init__(self, modules, gap, held, cons, completed, exemptions=None, minimise="eur"):
        exemptions = Exemptions() if exemptions is None else exemptions
        self.modules, self.gap, self.cons, self.completed = modules, gap, cons, set(completed)
        self.person = NONE_LEVEL if cons.language_level is None else CEFR_CODES[cons.language_level]
        held_level = dict(zip(np.asarray(held[0]).tolist(), np.asarray(held[1]).tolist()))
        self.hours, self.cost = [], []
        for m in modules:
            share = np.mean([held_level.get(int(s.skill[1:]), 0) >= s.level for s in m.skills])
            kept = 1 - min(share, exemptions.cap)
            self.hours.append(m.hours * kept)
            self.cost.append(m.cost_eur * (kept if exemptions.reduce_cost else 1))
        self.primary = self.cost if minimise == "eur" else self.hours
        taught = np.array([[max([s.level for s in m.skills if s.skill == f"c{j}"], default=0) for j in gap.concepts]
                           for m in modules], dtype=float).reshape(len(modules), len(gap))
        self.taught = taught
        self.target = (taught >= gap.required).any(axis=0)
        self.gains = (taught > gap.current).any(axis=1)
        self.value = gap.weight * (gap.required - gap.current) / gap.required

    def allowed(self, i) -> bool:
        m, c = self.modules[i], self.cons
        return (m.id not in self.completed
                and (not c.delivery or bool(set(m.delivery) & set(c.delivery)))
                and (c.region is None or not m.regions or c.region in m.regions)
                and (c.max_nlqf is None or m.nlqf <= c.max_nlqf)
                and (not c.funding or bool(set(m.funding) & set(c.funding))))

    def todo(self, i):
        return [int(p[1:]) for p in self.modules[i].prerequisites if p not in self.completed]

    def reached(self, chosen) -> int:
        level, moved = self.person, True
        while moved:
            moved = False
            for k in chosen:
                m = self.modules[k]
                if m.language_reached and code(m.language_level) <= level < code(m.language_reached):
                    level, moved = code(m.language_reached), True
        return level

    def useful(self, p, chosen) -> bool:
        if self.gains[p]:
            return True
        if any(p in self.todo(m) for m in chosen):
            return True
        mp = self.modules[p]
        if mp.language_reached and code(mp.language_reached) > self.person:
            floor = max(code(mp.language_level), self.person)
            return any(code(self.modules[m].language_level) > floor for m in chosen)
        return False

    def feasible(self, chosen, *, full=True) -> bool:
        c = self.cons
        if not chosen or not all(self.allowed(i) for i in chosen):
            return False
        if any(p not in chosen for i in chosen for p in self.todo(i)):
            return False
        need = max(code(self.modules[i].language_level) for i in chosen)
        if need > self.person and self.reached(chosen) < need:
            return False
        if not all(self.useful(i, chosen) for i in chosen):
            return False
        if c.budget_eur is not None and sum(self.cost[i] for i in chosen) > c.budget_eur + 1e-9:
            return False
        if c.max_hours is not None and sum(self.hours[i] for i in chosen) > c.max_hours + 1e-9:
            return False
        if c.start_within_weeks is not None:
            latest = DAY0 + timedelta(days=round(7 * c.start_within_weeks))
            first = [i for i in chosen if not self.todo(i) and code(self.modules[i].language_level) <= self.person]
            if not any(next_start(self.modules[i], DAY0) <= latest for i in first):
                return False
        if full:
            closed = (self.taught[list(chosen)] >= self.gap.required).any(axis=0)
            return bool(closed[self.target].all())
        return True

    def covered(self, chosen) -> float:
        after = np.maximum(self.taught[list(chosen)].max(axis=0), self.gap.current)
        return float(self.value @ ((np.minimum(after, self.gap.required) - self.gap.current)
                                   / (self.gap.required - self.gap.current)))

    def subsets(self):
        n = len(self.modules)
        for r in range(1, n + 1):
            yield from (set(s) for s in itertools.combinations(range(n), r))

    def ranked_full(self):
        """Costs of the inclusion-minimal full plans, cheapest first (none when no requirement can be closed)."""
        if not self.target.any():
            return []
        feasible = [s for s in self.subsets() if self.feasible(s)]
        minimal = [s for s in feasible if not any(t < s for t in feasible)]
        return sorted(sum(self.primary[i] for i in s) for s in minimal)

    def best_partial(self):
        """(covered value, cost) of the best partial plan: most covered, then cheapest."""
        options = [(self.covered(s), -sum(self.primary[i] for i in s)) for s in self.subsets()
                   if self.feasible(s, full=False)]
        options = [o for o in options if o[0] > 1e-12]
        if not options:
            return None
        top = max(v for v, _ in options)
        return top, min(-c for v, c in options if v >= top - 1e-9)


def check_plan(plan, modules, gap, cons, completed, rules: Rules):
    """Every constraint, from the records, on a returned plan."""
    chosen = [int(m[1:]) for m in plan.modules]
    records = [modules[i] for i in chosen]
    assert len(set(chosen)) == len(chosen)
    assert plan.cost_eur == pytest.approx(sum(rules.cost[i] for i in chosen))
    assert plan.hours == pytest.approx(sum(rules.hours[i] for i in chosen))
    if cons.budget_eur is not None:
        assert plan.cost_eur <= cons.budget_eur + 1e-6
    if cons.max_hours is not None:
        assert plan.hours <= cons.max_hours + 1e-6
    for m in records:
        assert m.id not in completed
        if cons.delivery:
            assert set(m.delivery) & set(cons.delivery), m
        if cons.region is not None:
            assert not m.regions or cons.region in m.regions, m
        if cons.max_nlqf is not None:
            assert m.nlqf <= cons.max_nlqf, m
        if cons.funding:
            assert set(m.funding) & set(cons.funding), m
    # prerequisites present and earlier; language reached, step by step, before a module needs it
    level = rules.person
    for pos, m in enumerate(records):
        for p in m.prerequisites:
            assert p in completed or p in plan.modules[:pos], (m.id, p, plan.modules)
        assert code(m.language_level) <= level, (m.id, m.language_level, level, plan.modules)
        if m.language_reached:
            level = max(level, code(m.language_reached))
    # the schedule: one module at a time, each at one of its start moments
    assert plan.starts[0] >= DAY0
    for m, start, finish, hours in zip(records, plan.starts, plan.finishes, plan.module_hours):
        assert start in start_moments(m, start)
        assert (finish - start).days == math.ceil(7 * hours / cons.study_hours_per_week - 1e-9)
    for prev_finish, start in zip(plan.finishes, plan.starts[1:]):
        assert start >= prev_finish
    assert (plan.start, plan.finish) == (plan.starts[0], plan.finishes[-1])
    if cons.start_within_weeks is not None:
        assert plan.start <= DAY0 + timedelta(days=round(7 * cons.start_within_weeks))
    assert plan.gap_covered == pytest.approx(rules.covered(chosen) / gap.size())
    assert rules.feasible(set(chosen), full=False)


# --- optimality against brute force ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(60))
def test_milp_is_optimal_against_brute_force(seed):
    modules, gap, held, cons, completed = random_case(seed)
    rules = Rules(modules, gap, held, cons, completed)
    catalogue = Catalogue.from_modules(modules, CONCEPTS, regions=REGIONS)
    if len(gap) == 0:
        assert plan_training(catalogue, gap, cons, held=held, completed=completed).best.modules == ()
        return
    if not rules.gains.any():
        with pytest.raises(InputError, match="no module of the catalogue teaches any of the missing skills"):
            plan_training(catalogue, gap, cons, held=held, completed=completed, method="milp")
        return
    ranked = rules.ranked_full()
    partial = None if ranked else rules.best_partial()
    if not ranked and partial is None:
        with pytest.raises(InputError, match="no plan closes any part of the gap under these constraints"):
            plan_training(catalogue, gap, cons, held=held, completed=completed, method="milp")
        return
    result = plan_training(catalogue, gap, cons, held=held, completed=completed, method="milp", k=3)
    assert result.method == "milp"
    assert result.full == bool(ranked)
    if ranked:
        costs = [p.cost_eur for p in result]
        assert costs == pytest.approx(ranked[:3], rel=1e-6)
    else:
        best = result.best
        assert best.cost_eur == pytest.approx(partial[1], rel=1e-6)
        assert best.gap_covered == pytest.approx(partial[0] / gap.size(), rel=1e-6)
        assert not best.complete
        assert all(p.gap_covered <= best.gap_covered + 1e-9 for p in result)
    for plan in result:
        check_plan(plan, modules, gap, cons, completed, rules)


@pytest.mark.parametrize("seed", range(20))
def test_milp_minimising_hours_is_optimal_with_exemptions(seed):
    modules, gap, held, cons, completed = random_case(100 + seed, language=False)
    exemptions = Exemptions(cap=0.6, reduce_cost=True)
    rules = Rules(modules, gap, held, cons, completed, exemptions, minimise="hours")
    ranked = rules.ranked_full() if rules.gains.any() else []
    if not ranked:
        return
    catalogue = Catalogue.from_modules(modules, CONCEPTS, regions=REGIONS)
    result = plan_training(catalogue, gap, cons, held=held, completed=completed, minimise="hours", method="milp",
                           exemptions=exemptions, k=2)
    assert [p.hours for p in result] == pytest.approx(ranked[:2], rel=1e-6)
    for plan in result:
        check_plan(plan, modules, gap, cons, completed, rules)


def test_language_route_comes_first_and_is_the_cheapest_chain():
    # the person has A1; the target skill is taught only in a B1 module; two routes to B1
    modules = [
        module(0, [(0, 3)], language_level="B1", cost_eur=1000),
        module(1, [(5, 1)], language_reached="A2", cost_eur=300),  # A1 (no level needed) -> A2
        module(2, [(5, 2)], language_level="A2", language_reached="B1", cost_eur=400),  # A2 -> B1
        module(3, [(5, 2)], language_level="A1", language_reached="B1", cost_eur=900),  # A1 -> B1 in one go
    ]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    cons = PlanConstraints(language_level="A1", available_from=DAY0)
    result = plan_training(catalogue, gap, cons, k=2)
    assert result.plans[0].modules == ("m1", "m2", "m0")  # 300 + 400 + 1000, language steps first
    assert result.plans[1].modules == ("m3", "m0")  # 900 + 1000
    # with B1 the language steps are not needed, and without a known level nothing is checked
    for level in ("B1", None):
        best = plan_training(catalogue, gap, PlanConstraints(language_level=level, available_from=DAY0)).best
        assert best.modules == ("m0",)


def test_language_step_without_a_module_that_needs_it_is_not_added():
    # a free language module that starts now would satisfy the start window, but nothing needs it
    modules = [module(0, [(0, 3)], starts_per_year=1, cost_eur=800),
               module(1, [(5, 2)], language_level="A2", language_reached="B1", cost_eur=0, starts_per_year=52)]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    day = ANCHOR + timedelta(days=7)  # m0 started a week ago and starts again in a year
    with pytest.raises(InputError, match=r"start_within_weeks"):
        plan_training(catalogue, gap, PlanConstraints(language_level="A2", start_within_weeks=4, available_from=day),
                      partial=False)


# --- the greedy fallback -----------------------------------------------------------------------------


def harmonic(d: int) -> float:
    return sum(1 / i for i in range(1, d + 1))


@pytest.mark.parametrize("seed", range(40))
def test_greedy_is_within_its_bound_without_prerequisites_language_or_window(seed):
    modules, gap, held, _, _ = random_case(200 + seed, prerequisites=False, language=False, tight=True)
    cons = PlanConstraints(available_from=DAY0)
    rules = Rules(modules, gap, held, cons, ())
    if not rules.target.any():  # no requirement can be closed: no cover to bound
        return
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    exact = plan_training(catalogue, gap, cons, held=held, method="milp").best
    greedy = plan_training(catalogue, gap, cons, held=held, method="greedy")
    assert greedy.method == "greedy" and len(greedy) == 1 and greedy.full
    d = int((rules.taught >= gap.required).sum(axis=1).max())
    assert greedy.best.cost_eur <= harmonic(d) * exact.cost_eur + 1e-6
    assert greedy.best.cost_eur >= exact.cost_eur - 1e-6
    check_plan(greedy.best, modules, gap, cons, (), rules)


@pytest.mark.parametrize("seed", range(40))
def test_greedy_plans_are_feasible(seed):
    modules, gap, held, cons, completed = random_case(300 + seed)
    rules = Rules(modules, gap, held, cons, completed)
    if not rules.gains.any():
        return
    catalogue = Catalogue.from_modules(modules, CONCEPTS, regions=REGIONS)
    try:
        result = plan_training(catalogue, gap, cons, held=held, completed=completed, method="greedy")
    except InputError as exc:  # the greedy found nothing; then there must be no full plan either
        assert "under these constraints" in str(exc)
        assert not rules.ranked_full()
        return
    for plan in result:
        check_plan(plan, modules, gap, cons, completed, rules)
    if result.full:
        assert rules.feasible({int(m[1:]) for m in result.best.modules})


def test_greedy_example_where_it_is_not_optimal():
    # the classic: one big module looks best per euro, two small ones are cheaper together
    modules = [module(0, [(0, 3), (1, 3), (2, 3)], cost_eur=300),
               module(1, [(0, 3), (1, 3)], cost_eur=220),
               module(2, [(2, 3), (3, 3)], cost_eur=220),
               module(3, [(3, 3)], cost_eur=200)]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0, 1, 2, 3], [3, 3, 3, 3], [3, 3, 3, 3])
    exact = plan_training(catalogue, gap, method="milp", today=DAY0).best
    greedy = plan_training(catalogue, gap, method="greedy", today=DAY0).best
    assert sorted(exact.modules) == ["m1", "m2"] and exact.cost_eur == 440
    assert sorted(greedy.modules) == ["m0", "m3"] and greedy.cost_eur == 500
    assert greedy.cost_eur <= harmonic(3) * exact.cost_eur


def test_auto_chooses_by_the_number_of_candidates():
    modules = [module(i, [(i % 3, 3)], cost_eur=100 + i) for i in range(6)]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0, 1, 2], [3, 3, 3], [3, 3, 3])
    assert plan_training(catalogue, gap, today=DAY0).method == "milp"
    assert plan_training(catalogue, gap, today=DAY0, milp_max_modules=5).method == "greedy"


# --- exemptions, schedule, uplift ---------------------------------------------------------------------


def test_exemptions_shorten_modules_by_the_share_held_up_to_the_cap():
    modules = [module(0, [(0, 3), (1, 2), (2, 2), (3, 4)], hours=200, cost_eur=1000)]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    cases = [  # held (concept, level) -> hours
        ([], 200),
        ([(1, 2)], 150),  # 1 of 4 held at the taught level: a quarter off
        ([(1, 1)], 200),  # held below the taught level: no exemption
        ([(1, 2), (2, 5)], 100),  # half
        ([(1, 2), (2, 5), (3, 4)], 100),  # three quarters held, capped at a half
    ]
    for held, hours in cases:
        held_arrays = (np.array([c for c, _ in held], dtype=int), np.array([lvl for _, lvl in held], dtype=float))
        plan = plan_training(catalogue, gap, held=held_arrays, today=DAY0).best
        assert plan.hours == hours and plan.cost_eur == 1000
        assert plan.hours_exempted == 200 - hours
    held = (np.array([1, 2]), np.array([2.0, 2.0]))
    plan = plan_training(catalogue, gap, held=held, today=DAY0, exemptions=Exemptions(cap=0.25, reduce_cost=True)).best
    assert (plan.hours, plan.cost_eur) == (150, 750)


def test_exemption_changes_which_plan_is_cheapest_in_hours():
    modules = [module(0, [(0, 3), (1, 3)], hours=100), module(1, [(0, 3), (2, 3)], hours=80)]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    assert plan_training(catalogue, gap, minimise="hours", today=DAY0).best.modules == ("m1",)
    held = (np.array([1]), np.array([3.0]))  # m0 is then 50 hours
    assert plan_training(catalogue, gap, held=held, minimise="hours", today=DAY0).best.modules == ("m0",)


def test_schedule_follows_start_moments_and_study_hours():
    modules = [module(0, [(0, 3)], hours=80, starts_per_year=4),
               module(1, [(1, 3)], hours=40, starts_per_year=52, prerequisites=("m0",))]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [1], [3], [3])
    cons = PlanConstraints(available_from=date(2025, 1, 1), study_hours_per_week=10)
    plan = plan_training(catalogue, gap, cons).best
    assert plan.modules == ("m0", "m1")
    # 4 starts a year from 2 Sep 2024: weeks 0, 13, 26, 39 -> 2 Dec 2024, 3 Mar 2025
    assert plan.starts[0] == date(2025, 3, 3)
    assert plan.finishes[0] == date(2025, 3, 3) + timedelta(days=56)  # 80 h at 10 h a week
    assert plan.starts[1] == date(2025, 4, 28) and plan.starts[1].weekday() == 0
    assert plan.finish == date(2025, 4, 28) + timedelta(days=28)
    assert plan.complete and plan.gap_covered == 1.0


def test_plan_described_in_dutch():
    modules = [module(0, [(0, 3), (1, 3)], hours=80, cost_eur=1250.4, starts_per_year=4, title="Cursus A")]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0, 2], [3, 3], [3, 3])
    held = (np.array([1]), np.array([3.0]))
    plan = plan_training(catalogue, gap, PlanConstraints(available_from=date(2025, 1, 1)), held=held).best
    assert plan.describe() == ["1. Cursus A (03-03-2025 tot 07-04-2025; 40 uur, € 1.250)",
                               "Totaal: 40 uur, € 1.250; sluit 50% van het tekort; 40 uur vrijstelling"]


def test_constraints_from_a_jobseeker():
    plain = PlanConstraints.for_person(Jobseeker(id="j"))
    assert plain == PlanConstraints() and plain.active() == () and plain.study_hours_per_week == 8
    person = Jobseeker(id="j", region="rijnmond", language_level="A2", budget_eur=2000, funding=["gemeente"],
                       delivery=["evening"], available_from="2025-02-03", study_hours_per_week=6)
    limits = PlanConstraints.for_person(person, max_hours=300, budget_eur=2500)
    assert (limits.budget_eur, limits.max_hours, limits.region, limits.language_level, limits.funding,
            limits.delivery, limits.available_from, limits.study_hours_per_week) == \
        (2500, 300, "rijnmond", "A2", ("gemeente",), ("evening",), date(2025, 2, 3), 6)
    assert limits.active() == ("budget_eur", "max_hours", "region", "delivery", "funding", "language_level")
    assert limits.relaxed("budget_eur", "delivery").active() == ("max_hours", "region", "funding", "language_level")


def test_start_window_is_met_by_the_first_module():
    modules = [module(0, [(0, 3)], cost_eur=100, starts_per_year=1),
               module(1, [(0, 3)], cost_eur=900, starts_per_year=12)]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    day = date(2025, 1, 6)
    assert plan_training(catalogue, gap, PlanConstraints(available_from=day)).best.modules == ("m0",)
    plan = plan_training(catalogue, gap, PlanConstraints(available_from=day, start_within_weeks=6)).best
    assert plan.modules == ("m1",) and plan.start <= day + timedelta(weeks=6)


def test_score_after_fills_uplift():
    modules = [module(0, [(0, 3), (4, 2)])]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([1], [2], [0, 1], [3, 3], [3, 2])
    seen = []

    def score(indices, levels):
        seen.append((indices.dtype, levels.dtype, indices.tolist(), levels.tolist()))
        return float(levels.sum())

    plan = plan_training(catalogue, gap, held=(np.array([1]), np.array([2.0])), score_after=score, today=DAY0).best
    assert seen[0] == (np.int32, np.float32, [1], [2.0])  # the profile now
    assert seen[1] == (np.int32, np.float32, [0, 1, 4], [3.0, 2.0, 2.0])  # after the plan
    assert (plan.score, plan.uplift) == (7.0, 5.0)
    assert plan_training(catalogue, gap, today=DAY0).best.uplift is None


# --- partial plans and what binds -------------------------------------------------------------------


def test_partial_plans_name_the_binding_constraint():
    modules = [module(0, [(0, 3), (1, 3)], cost_eur=1500), module(1, [(0, 3)], cost_eur=400),
               module(2, [(1, 2)], cost_eur=300)]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0, 1], [3, 3], [3, 3])
    result = plan_training(catalogue, gap, PlanConstraints(budget_eur=1000, available_from=DAY0))
    assert not result.full and result.binding == ("budget_eur",)
    assert "without budget_eur (now 1000) a full plan exists: € 1.500, 40 hours" in result.notes[0]
    best = result.best
    assert best.modules == ("m1", "m2") and not best.complete  # c1 taught to 2 of 3: partly closed
    assert best.gap_covered == pytest.approx((1 + 2 / 3) / 2)
    with pytest.raises(InputError, match=r"no plan closes the gap under these constraints: without budget_eur "
                                         r"\(now 1000\) a full plan exists"):
        plan_training(catalogue, gap, PlanConstraints(budget_eur=1000), partial=False, today=DAY0)


def test_binding_constraints_together():
    # only m0 closes the gap; it is both too dear and in another region
    modules = [module(0, [(0, 3)], cost_eur=1500, regions=("r2",)), module(1, [(0, 2)], cost_eur=100)]
    catalogue = Catalogue.from_modules(modules, CONCEPTS, regions=REGIONS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    result = plan_training(catalogue, gap, PlanConstraints(budget_eur=1000, region="r1"), today=DAY0)
    assert set(result.binding) == {"budget_eur", "region"}
    assert "no single constraint binds; relaxing budget_eur, region together" in result.notes[0]


def test_untaught_skills_are_named():
    modules = [module(0, [(0, 3), (1, 2)])]
    catalogue = Catalogue.from_modules(modules, CONCEPTS, concept_labels=[f"vaardigheid {j}" for j in range(7)])
    gap = gap_from_arrays([], [], [0, 1], [3, 3], [3, 4])
    result = plan_training(catalogue, gap, today=DAY0)
    assert result.full and result.untaught.tolist() == [1]
    assert result.best.gap_covered == pytest.approx((1 + 2 / 4) / 2)
    assert "'vaardigheid 1' (level 4)" in result.notes[0]
    with pytest.raises(InputError, match=r"record 'occ' field 'requirements': no module teaches these skills to "
                                         r"the required level: 'vaardigheid 1' \(level 4\)"):
        plan_training(catalogue, gap_from_arrays([], [], [0, 1], [3, 3], [3, 4], target="occ"), partial=False,
                      today=DAY0)


def test_a_target_no_module_can_reach():
    catalogue = Catalogue.from_modules([module(0, [(0, 3)])], CONCEPTS)
    gap = gap_from_arrays([], [], [2, 3], [3, 1], [3, 2])
    with pytest.raises(InputError, match=r"no module of the catalogue teaches any of the missing skills: "
                                         r"'c2' \(level 3\), 'c3' \(level 2\)"):
        plan_training(catalogue, gap, today=DAY0)


def test_nothing_possible_under_the_constraints():
    catalogue = Catalogue.from_modules([module(0, [(0, 3)], regions=("r2",))], CONCEPTS, regions=REGIONS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    with pytest.raises(InputError, match=r"no plan closes any part of the gap under these constraints: without "
                                         r"region \(now 'r1'\) a full plan exists"):
        plan_training(catalogue, gap, PlanConstraints(region="r1"), today=DAY0)


def test_no_constraint_is_to_blame():
    # only the module the person completed teaches the skill (their profile does not show it yet)
    catalogue = Catalogue.from_modules([module(0, [(0, 3)]), module(1, [(1, 3)])], CONCEPTS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    with pytest.raises(InputError, match=r"no plan closes any part of the gap under these constraints: even without "
                                         r"any constraint no full plan exists"):
        plan_training(catalogue, gap, PlanConstraints(budget_eur=5000), completed=["m0"], today=DAY0)


def test_empty_gap_gives_one_empty_plan():
    catalogue = Catalogue.from_modules([module(0, [(0, 3)])], CONCEPTS)
    gap = gap_from_arrays([0], [4], [0], [3], [3])
    result = plan_training(catalogue, gap, today=DAY0)
    assert len(gap) == 0 and result.full and result.method == "none"
    assert result.best.modules == () and result.best.gap_covered == 1.0 and result.best.start is None


def test_completed_modules_satisfy_prerequisites():
    modules = [module(0, [(1, 3)], cost_eur=900), module(1, [(0, 3)], cost_eur=200, prerequisites=("m0",))]
    catalogue = Catalogue.from_modules(modules, CONCEPTS)
    gap = gap_from_arrays([], [], [0], [3], [3])
    assert plan_training(catalogue, gap, today=DAY0).best.modules == ("m0", "m1")
    assert plan_training(catalogue, gap, completed=["m0"], today=DAY0).best.modules == ("m1",)
    # a prerequisite the person cannot take makes its dependants untakeable too
    modules[0] = module(0, [(1, 3)], regions=("r2",))
    catalogue = Catalogue.from_modules(modules, CONCEPTS, regions=REGIONS)
    with pytest.raises(InputError, match="region"):
        plan_training(catalogue, gap, PlanConstraints(region="r1"), today=DAY0)


# --- bad input ----------------------------------------------------------------------------------------


@pytest.fixture
def small():
    catalogue = Catalogue.from_modules([module(0, [(0, 3)])], CONCEPTS, regions=REGIONS)
    return catalogue, gap_from_arrays([], [], [0], [3], [3])


def test_unknown_completed_module(small):
    catalogue, gap = small
    with pytest.raises(InputError, match=r"completed: module 'm9' is not in the catalogue \(closest: 'm0'\)"):
        plan_training(catalogue, gap, completed=["m9"])


def test_unknown_region_and_delivery(small):
    catalogue, gap = small
    with pytest.raises(InputError, match=r"field 'region': region 'r7' is not an arbeidsmarktregio of the catalogue"):
        plan_training(catalogue, gap, PlanConstraints(region="r7"))
    with pytest.raises(InputError, match=r"field 'delivery': unknown delivery form 'avond'"):
        plan_training(catalogue, gap, PlanConstraints(delivery=("avond",)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(minimise="time"), r"field 'minimise': expected one of 'eur', 'hours', got 'time'"),
    (dict(method="lp"), r"field 'method': expected one of 'auto', 'milp', 'greedy', got 'lp'"),
    (dict(k=0), r"field 'k': expected an integer >= 1, got 0"),
])
def test_bad_parameters(small, kwargs, message):
    catalogue, gap = small
    with pytest.raises(InputError, match=message):
        plan_training(catalogue, gap, **kwargs)


def test_arrays_from_another_taxonomy(small):
    catalogue, _ = small
    with pytest.raises(InputError, match=r"field 'gap': concept index 9 is not a column of the catalogue's 7 concepts"):
        plan_training(catalogue, gap_from_arrays([], [], [9], [3], [3]))
    gap = gap_from_arrays([], [], [0], [3], [3])
    with pytest.raises(InputError, match=r"field 'held': held must hold concept indices from 0 to 6"):
        plan_training(catalogue, gap, held=(np.array([7]), np.array([3.0])))
    with pytest.raises(InputError, match=r"field 'held': held indices and levels differ in length \(1 and 2\)"):
        plan_training(catalogue, gap, held=(np.array([1]), np.array([3.0, 2.0])))


def test_milp_max_modules_must_be_a_count(small):
    catalogue, gap = small
    with pytest.raises(InputError, match=r"field 'milp_max_modules': expected an integer >= 0, got -1"):
        plan_training(catalogue, gap, milp_max_modules=-1)


def test_a_catalogue_that_skipped_its_checks_cannot_be_scheduled():
    import dataclasses

    import scipy.sparse as sp

    catalogue = Catalogue.from_modules([module(0, [(0, 3)]), module(1, [(1, 3)])], CONCEPTS)
    cyclic = dataclasses.replace(catalogue, prerequisites=sp.csr_matrix(np.array([[0, 1], [1, 0]], dtype=np.int8)))
    gap = gap_from_arrays([], [], [0, 1], [3, 3], [3, 3])
    with pytest.raises(InputError, match=r"the chosen modules cannot be ordered \(a prerequisite or language cycle\): "
                                         r"'m0', 'm1'"):
        plan_training(cyclic, gap, today=DAY0)


def test_bad_constraints_and_exemptions():
    with pytest.raises(InputError, match=r"field 'budget_eur': expected a number >= 0, or None, got -5"):
        PlanConstraints(budget_eur=-5)
    with pytest.raises(InputError, match=r"field 'study_hours_per_week': expected a number > 0, got 0"):
        PlanConstraints(study_hours_per_week=0)
    with pytest.raises(InputError, match=r"field 'language_level': expected a CEFR level"):
        PlanConstraints(language_level="B3")
    with pytest.raises(InputError, match=r"field 'cap': expected a number from 0 to 1, got 1.5"):
        Exemptions(cap=1.5)
    with pytest.raises(InputError, match=r"field 'budget': unknown constraint 'budget'"):
        PlanConstraints.for_person(Jobseeker(id="j"), budget=10)


# --- gaps -----------------------------------------------------------------------------------------------


def test_gap_from_arrays():
    gap = gap_from_arrays([4, 1, 1, 6], [2, 1, 3, 1.5], [6, 1, 2, 4], [1, 3, 2, 2], [3, 3, 2, 2], target="v1",
                          person="p1")
    assert gap.concepts.tolist() == [2, 6] and gap.concepts.dtype == np.int32  # c1 held at 3 (max of repeats)
    assert gap.required.tolist() == [2, 3] and gap.current.tolist() == [0, 1.5]
    assert gap.importance.tolist() == [2, 1] and gap.weight.tolist() == [0.75, 0.5]
    assert gap.essential.tolist() == [False, False]
    assert gap.total_weight == pytest.approx(0.5 + 1 + 0.75 + 0.75)
    assert gap.size() == pytest.approx(0.75 * 1 + 0.5 * 0.5)
    assert gap.coverage() == pytest.approx(1 - 1.0 / 3.0)
    assert gap.closed_by(np.array([2, 0])) == pytest.approx(0.75)
    assert gap.closed_by(np.array([1, 3])) == pytest.approx((0.75 * 0.5 + 0.25) / 1.0)
    assert (gap.target, gap.person) == ("v1", "p1")


def test_related_credit_makes_a_smaller_gap():
    own = gap_from_arrays([], [], [3], [3], [4])
    credited = gap_from_arrays([3], [2], [3], [3], [4])  # e.g. a related skill at 4, strength 0.5
    assert own.size() == 1.0 and credited.size() == 0.5
    assert credited.essential.tolist() == [True]


def test_closed_by_needs_one_level_per_requirement():
    gap = gap_from_arrays([], [], [0, 1], [3, 3], [3, 3])
    with pytest.raises(InputError, match=r"Gap.closed_by: levels must have shape \(2,\), got \(3,\)"):
        gap.closed_by(np.array([1.0, 2.0, 3.0]))


def test_gap_weights():
    gap = gap_from_arrays([], [], [0, 1], [1, 3], [2, 2], weights=(0.2, 0.6, 1.0))
    assert gap.weight.tolist() == pytest.approx([0.2, 1.0])


@pytest.mark.parametrize("args, message", [
    (([1], [], [0], [3], [3]), "held_indices and held_levels differ in length"),
    (([], [], [0], [4], [3]), r"required_importance must hold codes 1, 2 or 3, found \[4\]"),
    (([], [], [0], [3], [0]), r"required_levels must be levels in \(0, 5\]"),
    (([], [], [0, 0], [3, 3], [3, 3]), "required_indices holds a concept twice"),
    (([0], [7], [0], [3], [3]), "held_levels must be finite levels from 0 to 5"),
    (([-1], [2], [0], [3], [3]), "concept indices must be ≥ 0"),
    (([], [], [0, 1], [3], [3, 3]), r"required_indices, required_importance and required_levels differ in length "
                                    r"\(2, 1, 2\)"),
])
def test_gap_from_arrays_rejects(args, message):
    with pytest.raises(InputError, match=message):
        gap_from_arrays(*args)
    with pytest.raises(InputError, match="weights must be three positive numbers"):
        gap_from_arrays([], [], [0], [3], [3], weights=(1, 0))


# --- the shipped taxonomy ------------------------------------------------------------------------------

HC = "https://linkeddata.competentnl.nl/id/humancapability/"
VERZORGEN, AANDACHT = HC + "DB59A57C01", HC + "B620732163"
HYGIENE = "urn:skillmatch:knowledge:hygiene-infectiepreventie"
VERZORGENDE_IG = "https://linkeddata.competentnl.nl/uwv/id/occupation/DCBA0274C1"
JOBSEEKER_FUNDING = ("uwv-scholing", "gemeente", "sectorfonds", "llo-krediet", "slim", "regionaal-mobiliteitsteam")


@pytest.fixture(scope="module")
def catalogue(shipped):
    return Catalogue.from_taxonomy(shipped)


def care_worker(**kw) -> Jobseeker:
    values = dict(id="p1", region="rijnmond", language_level="A2", study_hours_per_week=12,
                  funding=JOBSEEKER_FUNDING, available_from=date(2025, 3, 3),
                  skills=[SkillClaim(skill=VERZORGEN, proficiency=2), SkillClaim(skill=AANDACHT, proficiency=2),
                          SkillClaim(skill=HYGIENE, proficiency=2)])
    values.update(kw)
    return Jobseeker(**values)


def language_support_first(shipped, plan) -> list[TrainingModule]:
    """The plan's records, after checking that an A2 -> B1 step comes before the first B1 module."""
    records = [shipped.modules[shipped.module_index[m]] for m in plan.modules]
    first_b1 = next(k for k, m in enumerate(records) if m.language_level in ("B1", "B2"))
    steps = [k for k, m in enumerate(records) if m.language_reached in ("B1", "B2")]
    assert steps and steps[0] < first_b1, plan.modules  # language support before the first B1 module
    assert records[steps[0]].language_level in (None, "A1", "A2")
    return records


def test_care_worker_with_a2_dutch_gets_a_route_through_language_support(shipped, catalogue):
    person = care_worker()
    result = plan_for(shipped, person, VERZORGENDE_IG, catalogue=catalogue)
    assert result.full and result.method == "milp" and len(result) == 3
    for plan in result:
        records = language_support_first(shipped, plan)
        assert all(not m.regions or "rijnmond" in m.regions for m in records)
        assert all(set(m.funding) & set(JOBSEEKER_FUNDING) for m in records)
        assert plan.complete and plan.gap_covered == 1.0
        assert plan.start >= date(2025, 3, 3) and plan.finish > plan.start
    costs = [p.cost_eur for p in result]
    assert costs == sorted(costs)
    assert any("verzorgende-ig" in m for m in result.best.modules)
    # the same person at B1 needs no language step, and the best plan is cheaper
    b1 = plan_for(shipped, care_worker(language_level="B1"), VERZORGENDE_IG, catalogue=catalogue).best
    assert not any(shipped.modules[shipped.module_index[m]].language_reached for m in b1.modules)
    assert b1.cost_eur < result.best.cost_eur


def test_shipped_catalogue_and_gap_labels(shipped, catalogue):
    assert len(catalogue) == len(shipped.modules)
    gap = gap_for(shipped, care_worker(), VERZORGENDE_IG)
    labels = gap.labels(shipped)
    assert "Verplegen" in labels and "Verzorgen" in labels
    assert gap.current[labels.index("Verzorgen")] == 2
    vacancy = Vacancy(id="v1", occupation=VERZORGENDE_IG)
    assert gap_for(shipped, care_worker(), vacancy).size() == pytest.approx(gap.size())
    own = gap_for(shipped, care_worker(), Vacancy(id="v3", requirements=[{"skill": VERZORGEN, "importance": "essential",
                                                                          "level": 4}]))
    assert (own.labels(shipped), own.current.tolist(), own.required.tolist(), own.essential.tolist()) == \
        (["Verzorgen"], [2.0], [4.0], [True])
    assert own.describe(shipped) == ["Verzorgen: 2 -> 4 (essentieel)"]


def test_greedy_on_the_shipped_catalogue(shipped, catalogue):
    exact = plan_for(shipped, care_worker(), VERZORGENDE_IG, catalogue=catalogue, k=1)
    greedy = plan_for(shipped, care_worker(), VERZORGENDE_IG, catalogue=catalogue, method="greedy")
    assert greedy.method == "greedy" and greedy.full and greedy.best.complete
    assert exact.best.cost_eur <= greedy.best.cost_eur
    language_support_first(shipped, greedy.best)


def test_unknown_ids_in_records(shipped, catalogue):
    with pytest.raises(InputError, match=r"target field 'target': occupation 'urn:x' is not in the taxonomy"):
        gap_for(shipped, care_worker(), "urn:x")
    with pytest.raises(InputError, match=r"vacancy record 'v9' field 'occupation': occupation 'urn:y'"):
        gap_for(shipped, care_worker(), Vacancy(id="v9", occupation="urn:y"))
    vacancy = Vacancy(id="v2", requirements=[{"skill": VERZORGEN}, {"skill": HC + "DB59A57C02"}])
    with pytest.raises(InputError, match=r"vacancy record 'v2' field 'requirements\[1\].skill': concept "
                                         r"'https://linkeddata.competentnl.nl/id/humancapability/DB59A57C02' is not in "
                                         r"the taxonomy \(closest id: "):
        gap_for(shipped, care_worker(), vacancy)
    bad = care_worker(skills=[SkillClaim(skill="urn:nope")])
    with pytest.raises(InputError, match=r"jobseeker record 'p1' field 'skills\[0\].skill': concept 'urn:nope'"):
        plan_for(shipped, bad, VERZORGENDE_IG, catalogue=catalogue)
    with pytest.raises(InputError, match=r"completed: module 'urn:skillmatch:module:nope' is not in the catalogue"):
        plan_for(shipped, care_worker(), VERZORGENDE_IG, catalogue=catalogue,
                 completed=["urn:skillmatch:module:nope"])


def test_plan_for_reports_the_match_score_after_training(shipped, catalogue):
    """plan_for scores each plan's profile against the target with the default Matcher: the
    uplift is the score after minus the score now, and a full plan cannot leave the score lower."""
    from skillmatch.match import Matcher

    person = care_worker(language_level="B1")
    result = plan_for(shipped, person, VERZORGENDE_IG, catalogue=catalogue)
    now = Matcher(shipped).fit([Vacancy(id="v", occupation=VERZORGENDE_IG)]).match_one(
        Jobseeker(id="p", skills=person.skills), k=1).scores[0, 0]
    for plan in result:
        assert plan.score is not None and plan.uplift is not None
        assert plan.uplift == pytest.approx(plan.score - now, abs=1e-6)
        assert plan.complete and plan.uplift > 0
        assert f"matchscore +{plan.uplift:.2f}" in plan.describe()[-1]
    quiet = plan_for(shipped, person, VERZORGENDE_IG, catalogue=catalogue, score_after=None)
    assert all(p.score is None and p.uplift is None for p in quiet)
