"""Training plans: the cheapest feasible set of modules that closes a skill gap.

:func:`plan_training` chooses modules from a :class:`~.catalogue.Catalogue` for one
:class:`~.gaps.Gap` and returns ranked alternatives; :func:`plan_for` does the same from
records (taxonomy, jobseeker, occupation id or vacancy).

The rules
---------
**Closing the gap.** A gap requirement is *closed* when a chosen module teaches its skill
to at least the required level (levels of different modules do not add up). A plan is
*full* when it closes every gap requirement that some module of the catalogue teaches
to that level; the others are reported as ``untaught`` (when no module closes any
requirement there is no full plan, only partial ones). ``gap_covered`` is the share of
the gap's size (:meth:`Gap.size`) the plan closes, counting a module that teaches a skill
below the required level for the part it closes: ``Gap.closed_by(levels after training)``.

**Cost.** ``minimise="eur"`` minimises the price, ``"hours"`` the study hours, both after
exemptions; the other measure breaks ties.

**Constraints** (:class:`PlanConstraints`, from the jobseeker's planning fields plus what
the caller adds). Per module: it is offered in one of the allowed ``delivery`` forms; it
is given in the person's ``region`` or names no region (= everywhere); its NLQF level is
at most ``max_nlqf``; it lists one of the person's ``funding`` schemes. A module the person
cannot take makes every module that (transitively) needs it untakeable too. Per plan:
total price ≤ ``budget_eur`` (whoever pays: funding decides which modules qualify, the
budget caps the plan's price); total hours ≤ ``max_hours``; **start window**: the plan
starts within ``start_within_weeks`` of the person's start date, i.e. at least one chosen
module that can come first (no prerequisite left to do, no language step needed) has a
start moment in ``[start date, start date + 7·weeks days]`` (start moments: see
:mod:`.catalogue`).

**Prerequisites.** A chosen module's prerequisites are chosen too, unless the person
completed them (``completed``; a completed module only satisfies prerequisites — its
skills belong in the person's profile). They come first in the plan.

**Language.** A module that needs a higher Dutch (CEFR) level than the person's is taken
only after language-support modules (``language_reached`` set) that bring the person there
step by step: each language module can itself be followed from the level reached so far.
Those steps come first. A person whose language level is not known (None) is not
checked.

**Usefulness.** Every module in a plan teaches a gap skill above the person's current
level, or is a prerequisite of a chosen module, or is a language step a chosen module
needs. (Without this, a free or early-starting module that teaches nothing could be added
to meet the start window.)

**Exemptions (vrijstellingen).** Where the person already holds part of what a module
teaches, the module is shorter: with ``s`` the share of the module's taught skills the
person holds at the taught level or higher (own skills only, not related-skill credit),
its hours are ``hours · (1 - min(s, cap))``, ``cap = 0.5`` by default
(:class:`Exemptions`) — at least half of a module is always followed (the assessment,
the practice). The price stays the same unless ``Exemptions(reduce_cost=True)``, then it
falls by the same share.

**Alternatives.** Plan 1 is the optimum. Plan ``j + 1`` is the cheapest feasible plan that
does not contain any earlier plan (a "no-good" cut on the set and its supersets), so
with positive prices the alternatives are the distinct minimal plans in order of cost.
When no full plan exists under the constraints, the plans are *partial*: the largest
``gap_covered`` first (the cheapest such; alternatives by the same cuts), and the result
names the constraints that bind (``binding``: each one that, relaxed alone, allows a full
plan; when none does alone, a smallest set found that does together).

**Schedule.** Modules are followed one at a time at ``study_hours_per_week``: a module
takes ``ceil(7 · hours / study_hours_per_week)`` days. From the start date, repeatedly take
the module whose predecessors (prerequisites, language steps) are all done and whose
next start moment is earliest (ties: catalogue order); it starts at that moment and the
next one can start on the day it finishes. ``start`` is the first module's start,
``finish`` the last one's finish.

**Solvers.** ``method="milp"`` solves the problem exactly as a mixed-integer linear
program with :func:`scipy.optimize.milp` (HiGHS, relative gap 0): binary x per candidate
module, continuous y per Dutch level above the person's (``y_ℓ ≤ Σ x_k`` over language
modules that start below ℓ and reach ℓ or higher; ``x_m ≤ y_ℓ`` for a module that needs
ℓ), one covering row per gap requirement, one row per prerequisite, the budget, hours,
window and usefulness rows (partial plans add a continuous u per module and requirement
it partly closes, at most one credited per requirement). Its LP relaxation is solved
first: when that is integral it is the optimum and branch and bound is skipped.
``method="greedy"`` is weighted set cover by the greedy rule:
repeatedly add the bundle (a module plus its missing prerequisites plus the cheapest
language route it needs, found with :func:`scipy.sparse.csgraph.dijkstra` over CEFR
levels) with the most newly closed gap requirements per unit of cost; when nothing
chosen starts in the window, add the cheapest bundle that does; then drop modules that
are no longer needed, most expensive first. Without prerequisites, language steps and
start window its cost is at most ``H(d) = 1 + 1/2 + … + 1/d ≤ 1 + ln d`` times the
optimum, ``d`` the most gap requirements one module closes (Chvátal 1979); with them the
bound holds only against plans priced bundle by bundle, plus the window bundle. Budget
and hours are checked on its result (it may miss a full plan that fits them, and then
gives partial plans). Partial greedy plans (most gap per euro or hour within budget and
hours, or the best single bundle if that covers more) carry no guarantee. The greedy
gives one plan.
``method="auto"`` uses the MILP up to ``milp_max_modules`` candidate modules (those left
after the per-module filters that can matter for the gap), else the greedy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from ..models import CEFR_CODES, CEFR_LEVELS, Delivery, Jobseeker, LanguageLevel, SkillClaim, Vacancy
from ..params import Boolean, Custom, Instance, Integer, Number, OneOf, Optional, Spec, Strings, check_params
from ..problems import InputError, Problem
from .catalogue import Catalogue
from .gaps import DEFAULT_WEIGHTS, Gap, gap_for, held_row

if TYPE_CHECKING:  # pragma: no cover
    from ..taxonomy import Taxonomy

Minimise = Literal["eur", "hours"]
Method = Literal["auto", "milp", "greedy"]
#: ``score_after(concept_indices, levels) -> score``: the match score of a profile (int32 and float32 arrays).
ScoreAfter = Callable[[np.ndarray, np.ndarray], float]

#: The constraints :attr:`PlanResult.binding` can name, in the order they are tried.
RELAXABLE: tuple[str, ...] = ("budget_eur", "max_hours", "start_within_weeks", "region", "delivery", "funding",
                              "max_nlqf", "language_level")
NO_LANGUAGE_CHECK = len(CEFR_LEVELS)  # treat "not known" as C2: no module needs more
MILP_MAX_MODULES = 2000
_TIE = 1e-7  # weight of the tie-breaking measure, relative to the mean cost of a candidate


# --- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exemptions:
    """The vrijstelling rule: hours fall by the share of taught skills already held, up to ``cap``.

    Parameters
    ----------
    cap : float in [0, 1]
        Largest share of a module's hours an exemption can remove (default 0.5).
    reduce_cost : bool
        Whether the price falls by the same share (default False: providers price the
        module, not the hours followed).
    """

    cap: float = 0.5
    reduce_cost: bool = False

    def __post_init__(self) -> None:
        check_params("exemptions", {"cap": Number(0.0, 1.0), "reduce_cost": Boolean()},
                     {"cap": self.cap, "reduce_cost": self.reduce_cost})


def _cefr(value: Any) -> str:
    if value in CEFR_CODES:
        return value
    raise ValueError


#: Every field of :class:`PlanConstraints`, its type and range ("no limit" is None, or an empty list).
CONSTRAINTS: dict[str, Spec] = {
    "budget_eur": Optional(Number(0.0, None)),
    "max_hours": Optional(Number(0.0, None)),
    "delivery": Strings("a list of delivery forms"),
    "region": Optional(Instance((str,), "a region id")),
    "start_within_weeks": Optional(Number(0.0, None)),
    "max_nlqf": Optional(Number(0.0, None)),
    "funding": Strings("a list of funding scheme ids"),
    "language_level": Optional(Custom(_cefr, f"a CEFR level {list(CEFR_LEVELS)}")),
    "available_from": Optional(Instance((date,), "a date")),
    "study_hours_per_week": Number(0.0, None, low_open=True),
}


@dataclass(frozen=True)
class PlanConstraints:
    """What a plan must respect. Every field's default means "no limit".

    Attributes
    ----------
    budget_eur : float or None
        Most the plan may cost in euros.
    max_hours : float or None
        Most study hours (after exemptions).
    delivery : tuple of str
        Delivery forms the person can follow; a module qualifies when it offers one. Empty = any.
    region : str or None
        The person's arbeidsmarktregio; modules given elsewhere are left out.
    start_within_weeks : float or None
        The plan must start within this many weeks of ``available_from``.
    max_nlqf : int or None
        Highest NLQF level of a module.
    funding : tuple of str
        Funding schemes the person can use; a module qualifies when it lists one. Empty = any.
    language_level : str or None
        The person's Dutch CEFR level; None = not checked.
    available_from : date or None
        From when the person can start; None = the planning date.
    study_hours_per_week : float
        For the schedule only (default 8).
    """

    budget_eur: float | None = None
    max_hours: float | None = None
    delivery: tuple[Delivery, ...] = ()
    region: str | None = None
    start_within_weeks: float | None = None
    max_nlqf: int | None = None
    funding: tuple[str, ...] = ()
    language_level: LanguageLevel | None = None
    available_from: date | None = None
    study_hours_per_week: float = 8.0

    def __post_init__(self) -> None:
        checked = check_params("constraints", CONSTRAINTS, {name: getattr(self, name) for name in CONSTRAINTS})
        for name in ("delivery", "funding"):
            object.__setattr__(self, name, checked[name])

    @classmethod
    def for_person(cls, jobseeker: Jobseeker, **overrides) -> PlanConstraints:
        """The jobseeker's planning fields and region, with ``overrides`` (any field) on top."""
        values = {"budget_eur": jobseeker.budget_eur, "delivery": jobseeker.delivery, "region": jobseeker.region,
                  "funding": jobseeker.funding, "language_level": jobseeker.language_level,
                  "available_from": jobseeker.available_from, "study_hours_per_week": jobseeker.study_hours_per_week}
        unknown = sorted(set(overrides) - {f.name for f in fields(cls)})
        if unknown:
            raise InputError([Problem(f"unknown constraint {name!r}; expected one of "
                                      f"{[f.name for f in fields(cls)]}", where="constraints", field=name)
                              for name in unknown])
        return cls(**{**values, **overrides})

    def active(self) -> tuple[str, ...]:
        """The relaxable constraints in force (not at their "no limit" default)."""
        return tuple(name for name in RELAXABLE if getattr(self, name) not in (None, ()))

    def relaxed(self, *names: str) -> PlanConstraints:
        """A copy with the named constraints at "no limit"."""
        cleared: dict[str, Any] = {name: () if name in ("delivery", "funding") else None for name in names}
        return replace(self, **cleared)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TrainingPlan:
    """One plan: modules in the order they are followed, and what it brings.

    Attributes
    ----------
    rank : int
        1 = best.
    modules, titles : tuple of str
        Module ids and titles in schedule order (prerequisites and language steps first).
    module_indices : ndarray of int32
        Their catalogue positions, same order.
    starts, finishes : tuple of date
        Start of each module and the day it is done (the first free day: the next module
        can start on it), see the schedule rule.
    module_hours, module_cost_eur : ndarray of float64
        Hours (after exemptions) and price of each module.
    hours_exempted : float
        Hours saved by exemptions.
    cost_eur, hours : float
        Totals.
    gap_covered : float in [0, 1]
        Share of the gap's importance-weighted size the plan closes.
    closes : ndarray of int32
        Concept indices of the gap requirements brought to the required level.
    complete : bool
        The plan closes every gap requirement.
    start, finish : date or None
        First start and last finish (None for an empty plan).
    score : float or None
        ``score_after`` of the profile after training, when that callable was given.
    uplift : float or None
        ``score`` minus ``score_after`` of the profile now.
    """

    rank: int
    modules: tuple[str, ...]
    titles: tuple[str, ...]
    module_indices: np.ndarray
    starts: tuple[date, ...]
    finishes: tuple[date, ...]
    module_hours: np.ndarray
    module_cost_eur: np.ndarray
    hours_exempted: float
    cost_eur: float
    hours: float
    gap_covered: float
    closes: np.ndarray
    complete: bool
    start: date | None
    finish: date | None
    score: float | None = None
    uplift: float | None = None

    def __len__(self) -> int:
        return len(self.modules)

    def describe(self) -> list[str]:
        """Dutch lines: one per module with dates, hours and price, then the totals."""
        lines = [
            f"{k}. {title} ({start:%d-%m-%Y} tot {finish:%d-%m-%Y}; {hours:.0f} uur, {_euro(cost)})"
            for k, (title, start, finish, hours, cost) in enumerate(
                zip(self.titles, self.starts, self.finishes, self.module_hours, self.module_cost_eur), 1)
        ]
        total = f"Totaal: {self.hours:.0f} uur, {_euro(self.cost_eur)}; sluit {self.gap_covered:.0%} van het tekort"
        if self.hours_exempted:
            total += f"; {self.hours_exempted:.0f} uur vrijstelling"
        if self.uplift is not None:
            total += f"; matchscore +{self.uplift:.2f}"
        return lines + [total]


def _euro(amount: float) -> str:
    """Dutch notation: € 5.400."""
    return "€ " + f"{amount:,.0f}".replace(",", ".")


@dataclass(frozen=True, eq=False)
class PlanResult:
    """Ranked training plans for one gap.

    Attributes
    ----------
    plans : tuple of TrainingPlan
        Best first; at most ``k`` (the greedy gives one).
    gap : Gap
    full : bool
        The plans close every gap requirement the catalogue teaches to the required level.
    untaught : ndarray of int32
        Gap concepts no module of the catalogue teaches to the required level.
    binding : tuple of str
        When ``full`` is False because of the constraints: the constraints that, relaxed
        alone, allow a full plan (or, when no single one does, a smallest set found that
        does together). Empty otherwise.
    notes : tuple of str
        What the planner found, in words (binding constraints, untaught skills).
    method : str
        ``"milp"``, ``"greedy"`` or ``"none"`` (empty gap).
    minimise : str
    """

    plans: tuple[TrainingPlan, ...]
    gap: Gap
    full: bool
    untaught: np.ndarray
    binding: tuple[str, ...]
    notes: tuple[str, ...]
    method: str
    minimise: str

    def __len__(self) -> int:
        return len(self.plans)

    def __iter__(self) -> Iterator[TrainingPlan]:
        return iter(self.plans)

    def __getitem__(self, i: int) -> TrainingPlan:
        return self.plans[i]

    @property
    def best(self) -> TrainingPlan | None:
        return self.plans[0] if self.plans else None


# --- the problem as arrays --------------------------------------------------------------------


@dataclass(eq=False)
class _Setting:
    """What does not depend on the constraints: the gap against every module of the catalogue."""

    catalogue: Catalogue
    gap: Gap
    taught: np.ndarray  # float64 (n, g): level each module teaches in each gap concept
    contrib: np.ndarray  # float64 (n, g): share of each requirement's shortfall the module closes
    closes: np.ndarray  # bool (n, g): the module teaches it to the required level
    value: np.ndarray  # float64 (g,): weight · shortfall of each requirement (sums to gap.size())
    target: np.ndarray  # bool (g,): requirements some module closes (a full plan closes them all)
    hours: np.ndarray  # float64 (n,): after exemptions
    cost_eur: np.ndarray  # float64 (n,): after exemptions
    completed: np.ndarray  # bool (n,)
    prerequisites: sp.csr_matrix  # prerequisites still to do: columns of completed modules removed
    minimise: str

    @property
    def primary(self) -> np.ndarray:
        return self.cost_eur if self.minimise == "eur" else self.hours

    @property
    def secondary(self) -> np.ndarray:
        return self.hours if self.minimise == "eur" else self.cost_eur


@dataclass(eq=False)
class _Instance:
    """The candidate modules under one set of constraints, in local numbering."""

    setting: _Setting
    constraints: PlanConstraints
    day0: date
    cand: np.ndarray  # int64 (c,): catalogue positions
    person_level: int  # 0..6, NO_LANGUAGE_CHECK when not checked
    need: np.ndarray  # int8 (c,): Dutch level needed above the person's, else 0
    entry: np.ndarray  # int8 (c,): language level needed (0 = none)
    reach: np.ndarray  # int8 (c,): language level reached when above the person's, else 0
    gain: np.ndarray  # bool (c,): teaches a gap requirement above the current level
    pre: sp.csr_matrix  # (c, c) local prerequisites still to do
    window: np.ndarray | None  # bool (c,): can come first and starts in the window; None = no window
    _needed_by: sp.csr_matrix | None = None

    @property
    def size(self) -> int:
        return len(self.cand)

    @property
    def closes(self) -> np.ndarray:
        return self.setting.closes[self.cand]

    @property
    def contrib(self) -> np.ndarray:
        return self.setting.contrib[self.cand]

    @property
    def primary(self) -> np.ndarray:
        return self.setting.primary[self.cand]

    @property
    def objective(self) -> np.ndarray:
        """Primary cost with a tiny tie-break on the other measure."""
        primary, secondary = self.primary, self.setting.secondary[self.cand]
        if primary.size == 0:
            return primary
        scale = _TIE * max(primary.mean(), 1e-9) / max(secondary.mean(), 1e-9)
        return primary + scale * secondary

    @property
    def eur(self) -> np.ndarray:
        return self.setting.cost_eur[self.cand]

    @property
    def hours(self) -> np.ndarray:
        return self.setting.hours[self.cand]

    @property
    def needed_by(self) -> sp.csr_matrix:
        """``needed_by[p, m] == 1`` when local module m needs p (the transpose of ``pre``)."""
        if self._needed_by is None:
            self._needed_by = self.pre.T.tocsr()
        return self._needed_by

    def justifiers(self, p: int) -> np.ndarray:
        """Local modules whose choice makes non-teaching module ``p`` useful."""
        needed_by = self.needed_by
        needs_p = needed_by.indices[needed_by.indptr[p]:needed_by.indptr[p + 1]]
        if self.reach[p] > 0:
            wants_language = np.flatnonzero(self.need > max(self.entry[p], self.person_level))
            return np.union1d(needs_p, wants_language)
        return needs_p

    def coverable(self) -> bool:
        """Every target requirement is closed by some candidate."""
        target = self.setting.target
        return bool(self.closes[:, target].any(axis=0).all()) if self.size else not target.any()


def _reachable(graph: sp.csr_matrix, start: np.ndarray) -> np.ndarray:
    """Nodes reachable from any node of the bool mask ``start`` (``start`` included), by BFS from a virtual source."""
    if not start.any() or graph.nnz == 0:
        return start.copy()
    n = graph.shape[0]
    seeds = np.flatnonzero(start)
    # the graph with one more node, n, that points at every seed (its last row)
    indptr = np.r_[graph.indptr, graph.indptr[-1] + len(seeds)]
    indices = np.r_[graph.indices, seeds]
    g = sp.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(n + 1, n + 1))
    order = csgraph.breadth_first_order(g, n, directed=True, return_predecessors=False)
    out = np.zeros(n + 1, dtype=bool)
    out[order] = True
    return out[:n]


def _setting(catalogue: Catalogue, gap: Gap, held: tuple[np.ndarray, np.ndarray] | None,
             completed: np.ndarray, exemptions: Exemptions, minimise: str) -> _Setting:
    taught = catalogue.skills[:, gap.concepts].toarray().astype(np.float64)
    required, current = gap.required.astype(np.float64), gap.current.astype(np.float64)
    contrib = np.clip((np.minimum(taught, required) - current) / (required - current), 0.0, 1.0)
    closes = taught >= required
    share = catalogue.held_share(*held) if held is not None else np.zeros(len(catalogue))
    kept = 1.0 - np.minimum(share, exemptions.cap)
    done = np.zeros(len(catalogue), dtype=bool)
    done[completed] = True
    pre = sp.csr_matrix(catalogue.prerequisites.multiply((~done).astype(np.int8)[None, :]), dtype=np.int8)
    pre.eliminate_zeros()
    return _Setting(
        catalogue=catalogue, gap=gap, taught=taught, contrib=contrib, closes=closes,
        value=gap.weight.astype(np.float64) * gap.shortfall(), target=closes.any(axis=0),
        hours=catalogue.hours * kept, cost_eur=catalogue.cost_eur * (kept if exemptions.reduce_cost else 1.0),
        completed=done, prerequisites=pre, minimise=minimise)


def _instance(setting: _Setting, constraints: PlanConstraints, day0: date) -> _Instance:
    cat = setting.catalogue
    allowed = (cat.delivery_mask(constraints.delivery) & cat.region_mask(constraints.region)
               & cat.nlqf_mask(constraints.max_nlqf) & cat.funding_mask(constraints.funding) & ~setting.completed)
    pre = setting.prerequisites
    blocked = ~allowed & ~setting.completed
    ok = allowed & ~_reachable(pre.T.tocsr(), blocked)  # nothing it (transitively) needs is blocked

    level = NO_LANGUAGE_CHECK if constraints.language_level is None else CEFR_CODES[constraints.language_level]
    gain = np.asarray(setting.contrib.any(axis=1)) if setting.contrib.size else np.zeros(len(cat), dtype=bool)
    language_step = cat.language_reached > level
    seeds = ok & (gain | language_step)
    cand = np.flatnonzero(_reachable(pre, seeds))

    entry = cat.language_level[cand].astype(np.int8)
    need = np.where(entry > level, entry, 0).astype(np.int8)
    reach = np.where(cat.language_reached[cand] > level, cat.language_reached[cand], 0).astype(np.int8)
    local_pre = pre[cand][:, cand].tocsr()
    window = None
    if constraints.start_within_weeks is not None:
        first = (np.diff(local_pre.indptr) == 0) & (need == 0)
        latest = np.datetime64(day0, "D") + np.timedelta64(round(7 * constraints.start_within_weeks), "D")
        window = first & (cat.next_start(day0, cand) <= latest)
    return _Instance(setting=setting, constraints=constraints, day0=day0, cand=cand, person_level=level, need=need,
                     entry=entry, reach=reach, gain=gain[cand], pre=local_pre, window=window)


# --- feasibility (used by the greedy and its pruning) -------------------------------------------


def _language_level_reached(inst: _Instance, chosen: np.ndarray) -> int:
    """Highest Dutch level the chosen language modules bring the person to, step by step."""
    level = inst.person_level
    steps = np.flatnonzero(chosen & (inst.reach > 0))
    moved = True
    while moved:
        moved = False
        for k in steps:
            if inst.entry[k] <= level < inst.reach[k]:
                level, moved = int(inst.reach[k]), True
    return level


def _useless(inst: _Instance, chosen: np.ndarray) -> np.ndarray:
    """Chosen modules that teach nothing of the gap and that no chosen module needs."""
    out = np.zeros_like(chosen)
    for p in np.flatnonzero(chosen & ~inst.gain):
        out[p] = not chosen[inst.justifiers(int(p))].any()
    return out


def _feasible(inst: _Instance, chosen: np.ndarray, *, full: bool, limits: bool = True) -> bool:
    """Whether ``chosen`` is a plan by the rules of the module docstring (``limits``: check budget and hours)."""
    if full and not inst.closes[chosen][:, inst.setting.target].any(axis=0).all() and inst.setting.target.any():
        return False
    if chosen.any() and (inst.pre[chosen] @ (~chosen).astype(np.int8)).any():
        return False
    needs = inst.need[chosen]
    if needs.size and needs.max() > 0 and _language_level_reached(inst, chosen) < needs.max():
        return False
    if inst.window is not None and not (chosen & inst.window).any():
        return False
    if limits and not _within_limits(inst, chosen):
        return False
    return not _useless(inst, chosen).any()


def _within_limits(inst: _Instance, chosen: np.ndarray) -> bool:
    c = inst.constraints
    if c.budget_eur is not None and inst.eur[chosen].sum() > c.budget_eur + 1e-9:
        return False
    return c.max_hours is None or inst.hours[chosen].sum() <= c.max_hours + 1e-9


# --- the exact solver ---------------------------------------------------------------------------


class _Rows:
    """Constraint rows ``lb ≤ A x ≤ ub`` collected one at a time."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lb: list[float] = []
        self.ub: list[float] = []

    def add(self, cols, vals, lb: float, ub: float) -> None:
        cols = np.asarray(cols, dtype=np.int64)
        self.rows.append(np.full(len(cols), len(self.lb), dtype=np.int64))
        self.cols.append(cols)
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=np.float64), cols.shape))
        self.lb.append(lb)
        self.ub.append(ub)

    def add_pairs(self, first: np.ndarray, second: np.ndarray, lb: float, ub: float) -> None:
        """One row ``lb ≤ x_first - x_second ≤ ub`` per pair."""
        k, base = len(first), len(self.lb)
        self.rows.append(np.repeat(np.arange(base, base + k, dtype=np.int64), 2))
        self.cols.append(np.column_stack([first, second]).astype(np.int64).ravel())
        self.vals.append(np.tile([1.0, -1.0], k))
        self.lb.extend([lb] * k)
        self.ub.extend([ub] * k)

    def constraint(self, n_vars: int):
        from scipy.optimize import LinearConstraint

        a = sp.csr_matrix((np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
                          shape=(len(self.lb), n_vars))
        return LinearConstraint(a, np.array(self.lb), np.array(self.ub))


def _base_rows(inst: _Instance, cuts: Sequence[np.ndarray]) -> tuple[_Rows, int, np.ndarray]:
    """Rows shared by the full and the partial model. Returns the rows, the number of
    variables so far (x then y) and the y column of each Dutch level (-1 where none)."""
    c, rows = inst.size, _Rows()
    inf = np.inf
    # prerequisites: x_m - x_p <= 0
    pre_rows, pre_cols = inst.pre.nonzero()
    rows.add_pairs(pre_rows, pre_cols, -inf, 0.0)
    # language: x_m <= y_need(m); y_l <= sum of x_k over steps that start below l and reach l
    y_col = np.full(NO_LANGUAGE_CHECK + 1, -1, dtype=np.int64)
    levels = np.unique(inst.need[inst.need > 0])
    if levels.size:
        top = int(levels.max())
        for n_y, level in enumerate(range(inst.person_level + 1, top + 1)):
            y_col[level] = c + n_y
        for level in range(inst.person_level + 1, top + 1):
            steps = np.flatnonzero((inst.reach >= level) & (inst.entry < level))
            rows.add(np.r_[y_col[level], steps], np.r_[1.0, -np.ones(len(steps))], -inf, 0.0)
        needing = np.flatnonzero(inst.need > 0)
        rows.add_pairs(needing, y_col[inst.need[needing]], -inf, 0.0)
    n_vars = c + int((y_col >= 0).sum())
    # usefulness: x_p <= sum of its justifiers
    for p in np.flatnonzero(~inst.gain):
        just = inst.justifiers(int(p))
        rows.add(np.r_[p, just], np.r_[1.0, -np.ones(len(just))], -inf, 0.0)
    cons = inst.constraints
    if cons.budget_eur is not None:
        rows.add(np.arange(c), inst.eur, -inf, cons.budget_eur)
    if cons.max_hours is not None:
        rows.add(np.arange(c), inst.hours, -inf, cons.max_hours)
    if inst.window is not None:
        rows.add(np.flatnonzero(inst.window), 1.0, 1.0, inf)
    for cut in cuts:  # no earlier plan, nor a superset of one
        rows.add(np.flatnonzero(cut), 1.0, -inf, cut.sum() - 1.0)
    return rows, n_vars, y_col


def _solve(cost: np.ndarray, integrality: np.ndarray, rows: _Rows, time_limit: float):
    """Minimise ``cost`` over [0, 1] variables under ``rows``; None when infeasible.

    The LP relaxation is solved first: when its optimum is already integral in the integer
    variables it is the MILP's optimum too (which is common for these covering problems),
    and the branch and bound, whose set-up costs several milliseconds, is skipped.
    """
    from scipy.optimize import Bounds, milp

    n = len(cost)
    if not rows.lb:
        rows.add([0], [0.0], -np.inf, np.inf)
    bounds, constraints = Bounds(np.zeros(n), np.ones(n)), rows.constraint(n)
    relaxed = milp(cost, bounds=bounds, constraints=constraints, options={"time_limit": time_limit})
    if relaxed.x is None:
        return None  # the relaxation is infeasible, so is the MILP
    x = relaxed.x[integrality > 0]
    if np.all(np.minimum(np.abs(x), np.abs(1 - x)) <= 1e-7):
        return relaxed.x
    res = milp(cost, integrality=integrality, bounds=bounds, constraints=constraints,
               options={"mip_rel_gap": 0.0, "time_limit": time_limit})
    return None if res.x is None else res.x


def _milp_full(inst: _Instance, cuts: Sequence[np.ndarray], time_limit: float) -> np.ndarray | None:
    """The cheapest full plan that contains no cut set, as a bool mask over candidates; None if none."""
    if inst.size == 0 or not inst.coverable():
        return None
    rows, n_vars, _ = _base_rows(inst, cuts)
    closes = inst.closes
    for i in np.flatnonzero(inst.setting.target):
        rows.add(np.flatnonzero(closes[:, i]), 1.0, 1.0, np.inf)
    cost = np.zeros(n_vars)
    cost[:inst.size] = inst.objective
    integrality = np.zeros(n_vars)
    integrality[:inst.size] = 1
    x = _solve(cost, integrality, rows, time_limit)
    return None if x is None else x[:inst.size] > 0.5


def _milp_partial(inst: _Instance, cuts: Sequence[np.ndarray], time_limit: float) -> np.ndarray | None:
    """The plan that closes most of the gap (then the cheapest such); None if it closes nothing."""
    if inst.size == 0:
        return None
    rows, n_vars, _ = _base_rows(inst, cuts)
    contrib = inst.contrib
    m_idx, i_idx = np.nonzero(contrib > 0)
    u = n_vars + np.arange(len(m_idx))  # u_(m,i): module m is the one credited for requirement i
    for col, m in zip(u, m_idx):
        rows.add([col, m], [1.0, -1.0], -np.inf, 0.0)
    for i in np.unique(i_idx):
        rows.add(u[i_idx == i], 1.0, -np.inf, 1.0)
    n_all = n_vars + len(u)
    covered = np.zeros(n_all)
    covered[u] = inst.setting.value[i_idx] * contrib[m_idx, i_idx]
    integrality = np.zeros(n_all)
    integrality[:inst.size] = 1
    x = _solve(-covered, integrality, rows, time_limit)
    if x is None:
        return None
    best = float(covered @ x)
    if best <= 1e-9 * max(inst.setting.value.sum(), 1e-12):
        return None
    rows.add(u, covered[u], best - 1e-7 * max(best, 1.0), np.inf)
    cost = np.zeros(n_all)
    cost[:inst.size] = inst.objective
    x = _solve(cost, integrality, rows, time_limit)
    return None if x is None else x[:inst.size] > 0.5


# --- the greedy -------------------------------------------------------------------------------


@dataclass(eq=False)
class _Bundles:
    """Candidate bundles of one greedy step as arrays: head, extra members, price and reach."""

    greedy: _Greedy
    heads: np.ndarray  # int64 (b,): the module that teaches part of the gap
    extra: dict[int, np.ndarray]  # head -> the other members (prerequisites, language route)
    price: np.ndarray  # float64 (b,)
    eur: np.ndarray
    hours: np.ndarray
    closes: np.ndarray  # bool (b, g): requirements the bundle closes
    contrib: np.ndarray  # float64 (b, g): best share of each shortfall the bundle closes
    window: np.ndarray  # bool (b,): the bundle holds a module that starts in the window

    @classmethod
    def build(cls, greedy: _Greedy, parts: list[tuple[np.ndarray, np.ndarray]], extra: dict[int, np.ndarray]):
        inst = greedy.inst
        g = inst.closes.shape[1]
        heads = np.concatenate([h for h, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
        columns = {"price": greedy.cost, "eur": inst.eur, "hours": inst.hours}
        sums = {name: np.concatenate([col[h] + col[r].sum() for h, r in parts]) if parts else np.zeros(0)
                for name, col in columns.items()}
        window = inst.window if inst.window is not None else np.zeros(inst.size, dtype=bool)
        closes = np.concatenate([inst.closes[h] | inst.closes[r].any(axis=0) for h, r in parts]) if parts \
            else np.zeros((0, g), dtype=bool)
        contrib = np.concatenate([np.maximum(inst.contrib[h], inst.contrib[r].max(axis=0, initial=0.0))
                                  for h, r in parts]) if parts else np.zeros((0, g))
        in_window = np.concatenate([window[h] | window[r].any() for h, r in parts]) if parts \
            else np.zeros(0, dtype=bool)
        return cls(greedy, heads, extra, sums["price"], sums["eur"], sums["hours"], closes, contrib, in_window)

    def members(self, k: int) -> np.ndarray:
        head = int(self.heads[k])
        return np.union1d([head], self.extra.get(head, np.zeros(0, dtype=np.int64))).astype(np.int64)

    def closed(self, chosen: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Per bundle, how many target requirements it newly closes."""
        have = self.greedy.inst.closes[chosen].any(axis=0)
        return (self.closes & ~have & target).sum(axis=1).astype(np.float64)

    def covered(self, chosen: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Per bundle, how much of the gap's size it newly covers."""
        have = self.greedy.inst.contrib[chosen].max(axis=0, initial=0.0)
        return (np.maximum(self.contrib, have) - have) @ value

    def fits(self, chosen: np.ndarray) -> np.ndarray:
        """Bundles that keep the plan within budget and hours."""
        inst = self.greedy.inst
        budget, max_hours = inst.constraints.budget_eur, inst.constraints.max_hours
        ok = np.ones(len(self.heads), dtype=bool)
        if budget is not None:
            ok &= inst.eur[chosen].sum() + self.eur <= budget + 1e-9
        if max_hours is not None:
            ok &= inst.hours[chosen].sum() + self.hours <= max_hours + 1e-9
        return ok

    def in_window(self, inst: _Instance) -> np.ndarray:
        return self.window if inst.window is not None else np.ones(len(self.heads), dtype=bool)

    def best(self, gain: np.ndarray) -> int | None:
        """The bundle with the most gain per unit of price (ties: cheaper, then lower head); None if no gain."""
        if not (gain > 0).any():
            return None
        ratio = np.where(gain > 0, gain / self.price, -np.inf)
        order = np.lexsort((self.heads, self.price, -ratio))
        return int(order[0])


class _Greedy:
    """Greedy bundle cover over one instance (see the module docstring for the rule)."""

    def __init__(self, inst: _Instance):
        self.inst = inst
        self.cost = np.maximum(inst.objective, 1e-9)
        # prerequisite closure of each module that has prerequisites (local numbering)
        self.closure: dict[int, np.ndarray] = {}
        for m in np.flatnonzero(np.diff(inst.pre.indptr) > 0):
            self.closure[int(m)] = np.sort(csgraph.breadth_first_order(inst.pre, m, directed=True,
                                                                        return_predecessors=False))

    def _with_prerequisites(self, m: int, chosen: np.ndarray) -> np.ndarray:
        members = self.closure.get(m)
        if members is None:
            return np.array([] if chosen[m] else [m], dtype=np.int64)
        return members[~chosen[members]]

    def _routes(self, chosen: np.ndarray, level: int, free: np.ndarray | None = None) -> dict[int, np.ndarray]:
        """For each Dutch level above ``level``: the cheapest set of language modules (with their
        prerequisites) that reaches it, by shortest path over the levels. Steps in ``free``
        count as costing (almost) nothing, so that routes go through them where they can."""
        inst = self.inst
        top = NO_LANGUAGE_CHECK
        steps = np.flatnonzero((inst.reach > level) & ~chosen)
        if steps.size == 0:
            return {}
        bundles = {int(k): self._with_prerequisites(int(k), chosen) for k in steps}
        price = {k: (1e-6 if free is not None and free[k] else self.cost[b].sum()) + 1e-9 for k, b in bundles.items()}
        weight = np.full((top + 1, top + 1), np.inf)
        via = np.full((top + 1, top + 1), -1, dtype=np.int64)
        for a in range(level, top):
            for k in steps:
                b = int(inst.reach[k])
                if inst.entry[k] <= a < b and price[int(k)] < weight[a, b]:
                    weight[a, b], via[a, b] = price[int(k)], k
        finite = np.isfinite(weight)
        graph = sp.csr_matrix((weight[finite], np.nonzero(finite)), shape=weight.shape)
        dist, pred = csgraph.dijkstra(graph, directed=True, indices=level, return_predecessors=True)
        routes: dict[int, np.ndarray] = {}
        for target in range(level + 1, top + 1):
            ends = np.arange(target, top + 1)
            end = int(ends[np.argmin(dist[ends])])
            if not np.isfinite(dist[end]):
                continue
            members, node = [], end
            while node != level:
                members.append(bundles[int(via[pred[node], node])])
                node = pred[node]
            routes[target] = np.unique(np.concatenate(members))
        return routes

    def members(self, m: int, chosen: np.ndarray, level: int, routes: dict[int, np.ndarray]) -> np.ndarray | None:
        """The bundle of head ``m``: it, its missing prerequisites and the language route they need."""
        members = self._with_prerequisites(m, chosen)
        need = int(self.inst.need[members].max(initial=0))
        if need > level:
            route = routes.get(need)
            if route is None:
                return None
            members = np.union1d(members, route)
        return members

    def bundles(self, chosen: np.ndarray, *, through_window: bool = False) -> _Bundles:
        """Every bundle that can be added to ``chosen``, one per head (a module teaching part of the gap).

        Heads without prerequisites to do share the route to their language level, so their
        bundles are handled a route at a time as arrays; the few others one by one.
        ``through_window``: language routes go through steps that start in the window where
        they can.
        """
        inst = self.inst
        level = _language_level_reached(inst, chosen)
        routes = self._routes(chosen, level, inst.window if through_window else None)
        heads = np.flatnonzero(~chosen & inst.gain)
        simple = np.array([int(m) not in self.closure for m in heads], dtype=bool)
        route_of = np.where(inst.need[heads] > level, inst.need[heads], 0)
        parts, extra = [], {}
        for need in np.unique(route_of[simple]):
            group = heads[simple & (route_of == need)]
            route = np.zeros(0, dtype=np.int64) if need == 0 else routes.get(int(need))
            if route is None:
                continue
            parts.append((group, route))
            extra.update({int(m): route for m in group} if route.size else {})
        for m in heads[~simple]:
            members = self.members(int(m), chosen, level, routes)
            if members is not None:
                parts.append((np.array([m]), members[members != m]))
                extra[int(m)] = members[members != m]
        return _Bundles.build(self, parts, extra)

    def run(self, *, full: bool) -> np.ndarray | None:
        """A full plan (None when the greedy finds none within budget and hours), or the best partial one."""
        inst = self.inst
        chosen = np.zeros(inst.size, dtype=bool)
        target = inst.setting.target
        value = inst.setting.value
        best_single: tuple[float, np.ndarray] | None = None
        while not (full and (inst.closes[chosen].any(axis=0) | ~target).all()):
            options = self.bundles(chosen)
            gain = options.closed(chosen, target) if full else options.covered(chosen, value)
            fits = np.ones(len(gain), dtype=bool) if full else options.fits(chosen)
            if not full and not chosen.any() and (fits & options.in_window(inst)).any():
                k = int(np.argmax(np.where(fits & options.in_window(inst), gain, -1.0)))
                best_single = (float(gain[k]), options.members(k))
            pick = options.best(np.where(fits, gain, 0.0))
            if pick is None:
                break
            chosen[options.members(pick)] = True
        in_window = self._start_in_window(chosen, full=full)
        if in_window is None or not in_window.any():
            return None
        chosen = in_window
        if full:
            if not _feasible(inst, chosen, full=True, limits=False):
                return None
            chosen = self.prune(chosen, full=True)
            return chosen if _within_limits(inst, chosen) else None
        if best_single is not None and best_single[0] > float(value @ inst.contrib[chosen].max(axis=0)) + 1e-12:
            chosen = np.zeros(inst.size, dtype=bool)
            chosen[best_single[1]] = True
        return self.prune(chosen, full=False)

    def _start_in_window(self, chosen: np.ndarray, *, full: bool) -> np.ndarray | None:
        """Add the cheapest bundle that starts in the window when nothing chosen does yet."""
        inst = self.inst
        if inst.window is None or (chosen & inst.window).any():
            return chosen
        options = self.bundles(chosen, through_window=True)
        ok = options.in_window(inst) & (np.ones(len(options.heads), dtype=bool) if full else options.fits(chosen))
        if not ok.any():
            return None
        k = int(np.argmin(np.where(ok, options.price, np.inf)))
        chosen = chosen.copy()
        chosen[options.members(k)] = True
        return chosen

    def prune(self, chosen: np.ndarray, *, full: bool) -> np.ndarray:
        """Drop modules (most expensive first) whose removal keeps the plan feasible and the gap covered."""
        inst = self.inst
        value, contrib = inst.setting.value, inst.contrib
        covered = float(value @ contrib[chosen].max(axis=0)) if chosen.any() else 0.0
        for m in sorted(np.flatnonzero(chosen), key=lambda k: (-self.cost[k], k)):
            if not chosen[m]:
                continue
            trial = chosen.copy()
            trial[m] = False
            while True:  # modules only there for m go with it
                useless = _useless(inst, trial)
                if not useless.any():
                    break
                trial &= ~useless
            if not trial.any() or not _feasible(inst, trial, full=full, limits=False):
                continue
            if not full and float(value @ contrib[trial].max(axis=0)) < covered - 1e-9:
                continue
            chosen = trial
        return chosen


# --- ordering, schedule and the plan record -------------------------------------------------------


def _predecessors(inst: _Instance, chosen: np.ndarray) -> dict[int, set[int]]:
    """For each chosen local module: the chosen modules that must come before it."""
    members = np.flatnonzero(chosen)
    steps = [k for k in members if inst.reach[k] > 0]
    before: dict[int, set[int]] = {}
    for m in members:
        prior = {int(p) for p in inst.pre.indices[inst.pre.indptr[m]:inst.pre.indptr[m + 1]] if chosen[p]}
        if inst.need[m] > 0:
            prior |= {int(k) for k in steps if inst.entry[k] < inst.need[m] and k != m}
        before[int(m)] = prior
    return before


def _schedule(inst: _Instance, chosen: np.ndarray) -> list[tuple[int, date, date]]:
    """List schedule: ``(local module, start, finish)`` in order (see the module docstring)."""
    before = _predecessors(inst, chosen)
    catalogue = inst.setting.catalogue
    per_week = inst.constraints.study_hours_per_week
    done: set[int] = set()
    now = inst.day0
    out = []
    while len(done) < len(before):
        ready = sorted(m for m, prior in before.items() if m not in done and prior <= done)
        if not ready:  # only for a catalogue that did not pass Catalogue's checks
            raise InputError("the chosen modules cannot be ordered (a prerequisite or language cycle): "
                             + ", ".join(repr(catalogue.ids[inst.cand[m]]) for m in sorted(set(before) - done)))
        starts = catalogue.next_start(now, inst.cand[ready])
        k = int(np.argmin(starts))  # first minimum: catalogue order breaks ties among equal dates
        m, start = ready[k], starts[k].item()
        finish = start + timedelta(days=math.ceil(7 * inst.hours[m] / per_week - 1e-9))
        out.append((m, start, finish))
        done.add(m)
        now = finish
    return out


def _profile_after(held: tuple[np.ndarray, np.ndarray] | None, catalogue: Catalogue,
                   modules: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The person's levels after the modules: the highest of held and taught per concept."""
    taught = catalogue.skills[modules]
    idx = np.concatenate([held[0] if held is not None else [], taught.indices]).astype(np.int64)
    lvl = np.concatenate([held[1] if held is not None else [], taught.data]).astype(np.float64)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    order = np.lexsort((lvl, idx))
    idx, lvl = idx[order], lvl[order]
    last = np.r_[idx[1:] != idx[:-1], True]
    return idx[last].astype(np.int32), lvl[last].astype(np.float32)


def _plan(inst: _Instance, chosen: np.ndarray, rank: int, held, score_after: ScoreAfter | None,
          score_before: float | None) -> TrainingPlan:
    setting, catalogue = inst.setting, inst.setting.catalogue
    schedule = _schedule(inst, chosen)
    local = np.array([m for m, _, _ in schedule], dtype=np.int64)
    positions = inst.cand[local]
    gap = setting.gap
    after = setting.taught[positions].max(axis=0) if positions.size else np.zeros(len(gap))
    hours = setting.hours[positions]
    score = uplift = None
    if score_after is not None:
        score = float(score_after(*_profile_after(held, catalogue, positions)))
        assert score_before is not None  # computed whenever score_after is given
        uplift = score - score_before
    return TrainingPlan(
        rank=rank,
        modules=tuple(catalogue.ids[p] for p in positions),
        titles=tuple(catalogue.titles[p] for p in positions),
        module_indices=positions.astype(np.int32),
        starts=tuple(s for _, s, _ in schedule),
        finishes=tuple(f for _, _, f in schedule),
        module_hours=hours,
        module_cost_eur=setting.cost_eur[positions],
        hours_exempted=float(catalogue.hours[positions].sum() - hours.sum()),
        cost_eur=float(setting.cost_eur[positions].sum()),
        hours=float(hours.sum()),
        gap_covered=gap.closed_by(np.maximum(after, gap.current)),
        closes=gap.concepts[after >= gap.required],
        complete=bool((after >= gap.required).all()),
        start=schedule[0][1] if schedule else None,
        finish=schedule[-1][2] if schedule else None,
        score=score,
        uplift=uplift,
    )


# --- diagnosis --------------------------------------------------------------------------------


def _full_plan(setting: _Setting, constraints: PlanConstraints, day0: date, method: str,
               time_limit: float) -> tuple[_Instance, np.ndarray | None]:
    """The instance under ``constraints`` and its cheapest full plan (None when there is none)."""
    inst = _instance(setting, constraints, day0)
    if method == "greedy":
        return inst, _Greedy(inst).run(full=True)
    return inst, _milp_full(inst, [], time_limit)


def _binding(setting: _Setting, constraints: PlanConstraints, day0: date, method: str,
             time_limit: float) -> tuple[tuple[str, ...], list[str]]:
    """Constraints that, relaxed alone, allow a full plan; else a small set that does together."""
    active = constraints.active()
    alone, notes = [], []
    for name in active:
        inst, found = _full_plan(setting, constraints.relaxed(name), day0, method, time_limit)
        if found is not None:
            alone.append(name)
            notes.append(f"without {name} (now {_shown(getattr(constraints, name))}) a full plan exists: "
                         f"{_euro(inst.eur[found].sum())}, {inst.hours[found].sum():g} hours")
    if alone or not active:
        return tuple(alone), notes
    if _full_plan(setting, constraints.relaxed(*active), day0, method, time_limit)[1] is None:
        return (), [("even without any constraint no full plan exists (prerequisites, language steps or completed "
                     "modules stand in the way)")]
    together = list(active)
    for name in active:  # keep a constraint in force when the rest relaxed still allows a plan
        rest = [n for n in together if n != name]
        if _full_plan(setting, constraints.relaxed(*rest), day0, method, time_limit)[1] is not None:
            together = rest
    return tuple(together), [f"no single constraint binds; relaxing {', '.join(together)} together allows a full plan"]


def _shown(value) -> str:
    if isinstance(value, tuple):
        return "|".join(value)
    return repr(value) if isinstance(value, str) else f"{value:g}"


# --- the entry points ---------------------------------------------------------------------------


def plan_training(
    catalogue: Catalogue,
    gap: Gap,
    constraints: PlanConstraints | None = None,
    *,
    held: tuple[np.ndarray, np.ndarray] | None = None,
    completed: Iterable[str] = (),
    minimise: Minimise = "eur",
    k: int = 3,
    method: Method = "auto",
    partial: bool = True,
    exemptions: Exemptions = Exemptions(),
    score_after: ScoreAfter | None = None,
    today: date | None = None,
    milp_max_modules: int = MILP_MAX_MODULES,
    time_limit: float = 10.0,
) -> PlanResult:
    """Ranked training plans that close ``gap`` at the least cost under ``constraints``.

    Parameters
    ----------
    catalogue : Catalogue
    gap : Gap
        What to close (:func:`~.gaps.gap_for`, :func:`~.gaps.gap_from_arrays`).
    constraints : PlanConstraints, optional
        Default: no limits (:meth:`PlanConstraints.for_person` takes them from a jobseeker).
    held : (indices, levels), optional
        The person's own levels (int and float arrays, shape (h,)), for exemptions and
        for ``score_after``; default none held.
    completed : iterable of str
        Module ids the person has completed: they satisfy prerequisites and are not planned.
    minimise : {"eur", "hours"}
        What the plan's cost is.
    k : int ≥ 1
        Most plans to return.
    method : {"auto", "milp", "greedy"}
        Exact MILP, the greedy, or the MILP up to ``milp_max_modules`` candidates.
    partial : bool
        When no full plan exists: return the best partial plans (True), or raise.
    exemptions : Exemptions
        The vrijstelling rule.
    score_after : callable, optional
        ``score_after(concept_indices, levels) -> float``: the match score of a profile
        (int32 and float32 arrays); called on the profile after each plan, and once on
        the profile now, to fill ``score`` and ``uplift``.
    today : date, optional
        Planning date when ``constraints.available_from`` is None; default ``date.today()``.
    milp_max_modules : int
        ``method="auto"`` uses the greedy above this many candidate modules.
    time_limit : float
        Seconds per MILP solve (HiGHS); the best plan found by then is used.

    Returns
    -------
    PlanResult
        Plans best first; see the module docstring for every rule. An empty gap gives one
        empty plan.

    Raises
    ------
    InputError
        Unknown completed module ids or region; bad parameters; no module of the
        catalogue teaches any missing skill (naming them); with ``partial=False``, skills
        no module teaches to the required level, or constraints under which no full plan
        exists (naming the constraints that bind); constraints under which no plan closes
        anything at all (naming them).
    """
    p = check_params("plan_training", PARAMETERS, {
        "catalogue": catalogue, "gap": gap, "constraints": constraints, "minimise": minimise, "k": k, "method": method,
        "partial": partial, "exemptions": exemptions, "score_after": score_after, "today": today,
        "milp_max_modules": milp_max_modules, "time_limit": time_limit})
    k, milp_max_modules, time_limit = p["k"], p["milp_max_modules"], p["time_limit"]
    constraints = constraints if constraints is not None else PlanConstraints()
    done = catalogue.module_indices(completed, where="completed")
    held = _check_arrays(catalogue, gap, held)
    day0 = constraints.available_from or today or date.today()
    setting = _setting(catalogue, gap, held, done, exemptions, minimise)
    score_before = float(score_after(*_profile_after(held, catalogue, np.zeros(0, np.int64)))) if score_after else None

    if len(gap) == 0:
        empty = _instance(setting, constraints, day0)
        plan = _plan(empty, np.zeros(empty.size, dtype=bool), 1, held, score_after, score_before)
        return PlanResult((plan,), gap, True, np.zeros(0, np.int32), (), (), "none", minimise)

    notes = _check_teachable(setting, partial)
    inst = _instance(setting, constraints, day0)
    use = method if method != "auto" else ("milp" if inst.size <= milp_max_modules else "greedy")
    # no requirement can be closed at all: there is no full plan to look for, only partial ones
    chosen_sets = _full_plans(inst, use, k, time_limit) if setting.target.any() else []
    binding: tuple[str, ...] = ()
    full = bool(chosen_sets)
    if not full:
        binding, why = _binding(setting, constraints, day0, use, time_limit) if setting.target.any() else ((), [])
        notes.extend(why)
        reason = "; ".join(why) or "no plan fits the constraints"
        if not partial:
            raise InputError([Problem(f"no plan closes the gap under these constraints: {reason}",
                                      where="constraints", record=gap.target or None,
                                      field=", ".join(binding) or None)])
        chosen_sets = _partial_plans(inst, use, k, time_limit)
        if not chosen_sets:
            raise InputError([Problem(f"no plan closes any part of the gap under these constraints: {reason}",
                                      where="constraints", record=gap.target or None,
                                      field=", ".join(binding) or None)])
    plans = tuple(_plan(inst, chosen, rank, held, score_after, score_before)
                  for rank, chosen in enumerate(chosen_sets, 1))
    return PlanResult(plans, gap, full, gap.concepts[~setting.target], binding, tuple(notes), use, minimise)


def _check_teachable(setting: _Setting, partial: bool) -> list[str]:
    """Raise when no module teaches any missing skill, or (``partial=False``) some of them; else notes."""
    catalogue, gap = setting.catalogue, setting.gap
    if not setting.contrib.any():
        raise InputError([Problem(f"no module of the catalogue teaches any of the missing skills: "
                                  f"{_skill_list(catalogue, gap, np.ones(len(gap), dtype=bool))}",
                                  where="target", record=gap.target or None, field="requirements")])
    if setting.target.all():
        return []
    text = f"no module teaches these skills to the required level: {_skill_list(catalogue, gap, ~setting.target)}"
    if not partial:
        raise InputError([Problem(text, where="target", record=gap.target or None, field="requirements")])
    return [text]


def _full_plans(inst: _Instance, method: str, k: int, time_limit: float) -> list[np.ndarray]:
    if method == "greedy":
        found = _Greedy(inst).run(full=True)
        return [] if found is None else [found]
    plans: list[np.ndarray] = []
    while len(plans) < k:
        found = _milp_full(inst, plans, time_limit)
        if found is None:
            break
        plans.append(found)
    return plans


def _partial_plans(inst: _Instance, method: str, k: int, time_limit: float) -> list[np.ndarray]:
    if method == "greedy":
        found = _Greedy(inst).run(full=False)
        return [] if found is None else [found]
    plans: list[np.ndarray] = []
    while len(plans) < k:
        found = _milp_partial(inst, plans, time_limit)
        if found is None:
            break
        plans.append(found)
    return plans


def _callable(value: Any) -> Any:
    if callable(value):
        return value
    raise ValueError


#: The options of :func:`plan_training`, checked at once.
PARAMETERS: dict[str, Spec] = {
    "catalogue": Instance((Catalogue,), "a Catalogue"),
    "gap": Instance((Gap,), "a Gap"),
    "constraints": Optional(Instance((PlanConstraints,), "a PlanConstraints")),
    "minimise": OneOf(("eur", "hours")),
    "k": Integer(1, None),
    "method": OneOf(("auto", "milp", "greedy")),
    "partial": Boolean(),
    "exemptions": Instance((Exemptions,), "an Exemptions"),
    "score_after": Optional(Custom(_callable, "a function of (concept indices, levels)")),
    "today": Optional(Instance((date,), "a date")),
    "milp_max_modules": Integer(0, None),
    "time_limit": Number(0.0, None, low_open=True),
}


def _check_arrays(catalogue: Catalogue, gap: Gap, held) -> tuple[np.ndarray, np.ndarray] | None:
    """The gap's and the held row's concepts must be columns of the catalogue; ``held`` as (int32, float32)."""
    n = catalogue.skills.shape[1]
    problems = []
    if len(gap) and int(gap.concepts.max()) >= n:
        problems.append(Problem(f"concept index {int(gap.concepts.max())} is not a column of the catalogue's "
                                f"{n} concepts (a gap from another taxonomy?)", where="plan_training", field="gap"))
    if held is not None:
        indices, levels = np.asarray(held[0]).ravel(), np.asarray(held[1], dtype=np.float64).ravel()
        if indices.shape != levels.shape:
            problems.append(Problem(f"held indices and levels differ in length ({indices.size} and {levels.size})",
                                    where="plan_training", field="held"))
        elif indices.size and (indices.min() < 0 or indices.max() >= n or not np.isfinite(levels).all()):
            problems.append(Problem(f"held must hold concept indices from 0 to {n - 1} and finite levels",
                                    where="plan_training", field="held"))
        held = (indices.astype(np.int32), levels.astype(np.float32))
    if problems:
        raise InputError(problems)
    return held


def _skill_list(catalogue: Catalogue, gap: Gap, mask: np.ndarray) -> str:
    return ", ".join(f"{catalogue.concept_label(int(j))!r} (level {req:g})"
                     for j, req in zip(gap.concepts[mask], gap.required[mask]))


def _taxonomy(value: Any) -> Any:
    from ..taxonomy import Taxonomy

    if isinstance(value, Taxonomy):
        return value
    raise ValueError


def _target(value: Any) -> Any:
    if isinstance(value, Vacancy) or (isinstance(value, str) and value):
        return value
    raise ValueError


#: The arguments of :func:`plan_for` it checks itself (the rest go to :func:`plan_training`).
PLAN_FOR: dict[str, Spec] = {
    "taxonomy": Custom(_taxonomy, "a skillmatch Taxonomy"),
    "jobseeker": Instance((Jobseeker,), "a Jobseeker"),
    "target": Custom(_target, "an occupation id or a Vacancy"),
    "catalogue": Optional(Instance((Catalogue,), "a Catalogue")),
    "constraints": Optional(Instance((dict,), "a dict of PlanConstraints fields")),
}


def plan_for(
    taxonomy: Taxonomy,
    jobseeker: Jobseeker,
    target: str | Vacancy,
    *,
    catalogue: Catalogue | None = None,
    effective: tuple[np.ndarray, np.ndarray] | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    constraints: dict | None = None,
    **options,
) -> PlanResult:
    """Training plans for a jobseeker into an occupation (id) or a vacancy.

    The gap comes from :func:`~.gaps.gap_for` (``effective`` levels if given, else the
    person's own skills), the constraints from the jobseeker's planning fields and region
    with ``constraints`` (a dict of :class:`PlanConstraints` fields) on top, exemptions
    from the person's own skills. ``catalogue`` defaults to the taxonomy's modules (pass
    one built once with :meth:`Catalogue.from_taxonomy` when planning for many people).
    ``options`` go to :func:`plan_training`.
    """
    check_params("plan_for", PLAN_FOR, {"taxonomy": taxonomy, "jobseeker": jobseeker, "target": target,
                                        "catalogue": catalogue, "constraints": constraints})
    catalogue = catalogue if catalogue is not None else Catalogue.from_taxonomy(taxonomy)
    gap = gap_for(taxonomy, jobseeker, target, effective=effective, weights=weights)
    limits = PlanConstraints.for_person(jobseeker, **(constraints or {}))
    options.setdefault("score_after", match_score(taxonomy, target))
    return plan_training(catalogue, gap, limits, held=held_row(taxonomy, jobseeker), **options)


def match_score(taxonomy: Taxonomy, target: str | Vacancy) -> ScoreAfter:
    """``score_after`` for :func:`plan_training`: the default ``Matcher`` score of a profile
    against ``target`` (an occupation id or a vacancy), on skills alone — no place, hours
    or support filters, since training changes none of them."""
    from ..match import Matcher

    vacancy = target if isinstance(target, Vacancy) else Vacancy(id="target", occupation=target)
    vacancy = vacancy.model_copy(update={"region": None, "location": None, "hours_min": 0, "hours_max": 80,
                                         "offers": ()})
    matcher = Matcher(taxonomy).fit([vacancy])
    ids = taxonomy.concepts.ids

    def score(indices: np.ndarray, levels: np.ndarray) -> float:
        skills = [SkillClaim(skill=ids[int(i)], proficiency=min(5, max(1, round(float(level)))))
                  for i, level in zip(indices, levels) if level > 0]
        result = matcher.match_one(Jobseeker(id="profile", skills=tuple(skills)), k=1)
        return max(0.0, float(result.scores[0, 0]))

    return score
