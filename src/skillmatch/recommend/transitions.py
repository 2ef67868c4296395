"""Cross-sector, work-to-work transitions into the maatschappelijk cruciale sectoren.

:func:`transitions` answers, for a worker in an occupation under pressure (outside the
crucial sectors): which occupations of the crucial sectors can they move to in one step,
and with how much training? It uses the edges of :mod:`.routes` from the worker's
profile (their occupation's requirements at the required levels, with their own skills
when a :class:`~skillmatch.models.Jobseeker` is given):

- **Candidates**: every occupation of the target sectors (default: every sector marked
  ``crucial``; never the worker's own sector) whose ``cosine`` similarity with the
  worker's profile is at least the viability threshold
  (:func:`~.routes.default_threshold`, measured by ``benchmarks/transitions_esco.py``),
  and every occupation a development path step leads to from the worker's occupation,
  whatever its similarity (the path vouches for the move; ``via_path`` says so).
- **Effort**: the cost of the step as in :func:`~.routes.find_routes` — a path step as
  published when the worker can take it, else the cheapest training plan that closes the
  gap under the worker's constraints — in study hours or euros (``minimise``).
  A candidate whose gap holds an essential skill no module teaches, or that no plan
  closes under the constraints, is left out and listed in ``left_out`` with the reason.
- **Order** (``order``): ``"effort"`` (default) sorts by effort ascending, then similarity
  descending, then occupation position; ``"similarity"`` by similarity descending, then
  effort, then position. The first ``k`` are exact: candidates are planned lazily in the
  order of a lower bound of their effort (:mod:`.routes`: the cheapest-module bound, then
  the dual bound), and a candidate is accepted only when its exact key is the smallest left.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..models import Jobseeker
from ..params import OneOf, check_params
from ..problems import InputError, Problem, closest
from .plans import Exemptions, PlanConstraints
from .routes import (
    DEFAULT_EXEMPTIONS,
    MAX_NEIGHBOURS,
    PARAMETERS,
    PATH,
    REPLANNED,
    RouteGraph,
    RouteStep,
    _as_graph,
    _Edge,
    _resolve_start,
    _Search,
    default_threshold,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..taxonomy import Taxonomy

Order = Literal["effort", "similarity"]
_ORDER = OneOf(("effort", "similarity"))


@dataclass(frozen=True, eq=False)
class Transition:
    """One proposed move into a crucial-sector occupation.

    Attributes
    ----------
    rank : int
        1 = first by the ranking key.
    occupation, label : str
        The target occupation's id and label.
    sector, sector_label : str
    similarity : float
        ``cosine`` of the worker's profile and the target occupation.
    effort : float
        The step's cost in the measure minimised (hours or euros).
    via_path : bool
        A development path step leads there from the worker's occupation (taken as
        published, or re-planned when the worker cannot take it as published).
    step : RouteStep
        The move explained: training, hours, price, duration, start, and why.
    """

    rank: int
    occupation: str
    label: str
    sector: str
    sector_label: str
    similarity: float
    effort: float
    via_path: bool
    step: RouteStep

    def describe(self) -> str:
        nl = self.step.lang == "nl"
        sim = f"{self.similarity:.2f}".replace(".", ",") if nl else f"{self.similarity:.2f}"
        head = (f"{self.rank}. {self.label} ({self.sector_label}; overeenkomst {sim})" if nl
                else f"{self.rank}. {self.label} ({self.sector_label}; similarity {sim})")
        return f"{head}: {self.step.describe()}"


@dataclass(frozen=True, eq=False)
class TransitionResult:
    """Ranked transitions for one worker.

    Attributes
    ----------
    transitions : tuple of Transition
        By the ranking key; at most ``k``.
    worker, worker_label : str
        The jobseeker's id (or the occupation id) and the occupation's label.
    occupation : str
        The worker's occupation id.
    sectors : tuple of str
        The target sectors.
    threshold : float
    minimise : {"hours", "eur"}
    order : {"effort", "similarity"}
    candidates : int
        Occupations considered (above the threshold or on a path).
    left_out : tuple of (str, str)
        Candidates no training reaches under the constraints: (occupation id, reason).
    planned : int
        Training plans made.
    notes : tuple of str
    """

    transitions: tuple[Transition, ...]
    worker: str
    worker_label: str
    occupation: str
    sectors: tuple[str, ...]
    threshold: float
    minimise: str
    order: str
    candidates: int
    left_out: tuple[tuple[str, str], ...]
    planned: int
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.transitions)

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions)

    def __getitem__(self, i: int) -> Transition:
        return self.transitions[i]

    def describe(self) -> list[str]:
        return [t.describe() for t in self.transitions] + list(self.notes)


def _sectors(tx: Taxonomy, sectors: Iterable[str] | None) -> tuple[str, ...]:
    if sectors is None:
        return tuple(s for s, rec in tx.sectors.items() if rec.crucial)
    if isinstance(sectors, str):
        sectors = [sectors]
    chosen = tuple(sectors)
    problems = []
    for s in chosen:
        if s not in tx.sectors:
            found = closest(s, list(tx.sectors)) if tx.sectors else []
            hint = f" (closest: {found[0]!r})" if found else ""
            problems.append(Problem(f"sector {s!r} is not a sector of the taxonomy{hint}", where="transitions",
                                    field="sectors", value=s))
    if problems:
        raise InputError(problems)
    return chosen


def transitions(
    graph: RouteGraph | Taxonomy,
    worker: str | Jobseeker,
    *,
    k: int = 10,
    sectors: Iterable[str] | None = None,
    threshold: float | None = None,
    minimise: Literal["hours", "eur"] = "hours",
    order: Order = "effort",
    constraints: PlanConstraints | Mapping[str, Any] | None = None,
    exemptions: Exemptions = DEFAULT_EXEMPTIONS,
    today: date | None = None,
    lang: str = "nl",
    from_crucial: bool = False,
) -> TransitionResult:
    """Rank one-step moves from the worker's occupation into the crucial sectors.

    Parameters
    ----------
    graph : RouteGraph or Taxonomy
        Built once with :meth:`~.routes.RouteGraph.build`, or a taxonomy to build it from.
    worker : Jobseeker or str
        A jobseeker with an ``occupation`` (their own skills count too; their planning
        fields and region are the constraints), or an occupation id.
    k : int ≥ 1
        Most transitions to return.
    sectors : iterable of str, optional
        Target sectors; default every crucial sector. The worker's own sector is never a target.
    threshold : float in [0, 1], optional
        Least similarity to be proposed (path steps aside); default
        :func:`~.routes.default_threshold`.
    minimise : {"hours", "eur"}
        What effort is: study hours or price of the training.
    order : {"effort", "similarity"}
        The ranking key (module docstring).
    constraints, exemptions, today, lang
        As in :func:`~.routes.find_routes`.
    from_crucial : bool
        Allow a worker whose occupation is in a crucial sector (default False: the
        transitions are meant to move people from work under pressure).

    Returns
    -------
    TransitionResult
        Possibly empty, with a note saying why (nothing above the threshold, say).

    Raises
    ------
    InputError
        Unknown occupation, sector or skill ids; a jobseeker without an occupation; a
        worker in a crucial sector (unless ``from_crucial``); bad parameters.
    """
    p = check_params("transitions", {**{name: PARAMETERS[name] for name in
                                        ("k", "minimise", "threshold", "constraints", "exemptions", "today",
                                         "lang", "from_crucial")},
                                     "order": _ORDER},
                     {"k": k, "minimise": minimise, "threshold": threshold, "constraints": constraints,
                      "exemptions": exemptions, "today": today, "lang": lang, "from_crucial": from_crucial,
                      "order": order})
    graph = _as_graph(graph, MAX_NEIGHBOURS)
    tx = graph.taxonomy
    if isinstance(worker, Jobseeker) and worker.occupation is None:
        raise InputError([Problem("transitions start from work: the jobseeker has no occupation (use find_routes with "
                                  "sector=... to route from a profile)", where="jobseeker", record=worker.id,
                                  field="occupation")])
    begin, limits = _resolve_start(graph, worker, p["constraints"], p["lang"], where="transitions",
                                   field_name="worker")
    own_sector = tx.occupation_sector[begin.occupation]
    if own_sector in tx.sectors and tx.sectors[own_sector].crucial and not p["from_crucial"]:
        record, where = (worker.id, "jobseeker") if isinstance(worker, Jobseeker) else (None, "transitions")
        raise InputError([Problem(f"{begin.label!r} is in the crucial sector {own_sector!r}: transitions are for "
                                  f"work outside the crucial sectors (from_crucial=True allows it)", where=where,
                                  record=record, field="occupation" if record else "worker",
                                  value=tx.occupations.ids[begin.occupation])])
    targets = tuple(s for s in _sectors(tx, sectors) if s != own_sector)
    th = p["threshold"] if p["threshold"] is not None else default_threshold(tx)
    day0 = limits.available_from or p["today"] or date.today()
    search = _Search(graph, begin, limits, p["minimise"], th, day0, p["exemptions"], p["lang"])

    wanted = set(targets)
    members = np.array([o for o, s in enumerate(tx.occupation_sector) if s in wanted and o != begin.occupation],
                       dtype=np.int64)
    search.add_path_steps({search.start_node}, set(members.tolist()), from_outside=False)
    sims = begin.similarity
    search.add_similarity(search.start_node, members, sims[members])
    search.lower_bounds()

    by_effort = p["order"] == "effort"

    def key(e: _Edge) -> tuple:
        return (e.cost, -e.sim, e.dst) if by_effort else (-e.sim, e.cost, e.dst)

    heap = [(key(e), i) for i, e in enumerate(search.edges) if e.valid]
    heapq.heapify(heap)
    chosen: list[int] = []
    while heap and len(chosen) < p["k"]:
        _, i = heapq.heappop(heap)
        e = search.edges[i]
        if e.exact:
            chosen.append(i)
            continue
        if e.refined:
            search.plan_edge(i)  # the exact cost is ≥ the bound: back into the queue, or out
        else:
            search.refine(i)  # a stronger bound first: cheaper than a plan
        if e.valid:
            heapq.heappush(heap, (key(e), i))
    left_out = tuple((tx.occupations.ids[e.dst], search.explain(e).reason) for e in search.edges if not e.valid)

    found = []
    for rank, i in enumerate(chosen, 1):
        e = search.edges[i]
        sector = tx.occupation_sector[e.dst]
        rec = tx.sectors.get(sector)
        sector_label = "" if rec is None else (rec.label_nl if p["lang"] == "nl" else rec.label_en or rec.label_nl)
        found.append(Transition(rank, tx.occupations.ids[e.dst], tx.occupation_label(e.dst, p["lang"]), sector,
                                sector_label, float(sims[e.dst]), float(e.cost), e.kind in (PATH, REPLANNED),
                                search.step(i, day0)))
    notes = []
    if not search.edges:
        best = int(members[np.argmax(sims[members])]) if members.size else -1
        notes.append(f"no occupation of {', '.join(targets) or 'the target sectors'} is at similarity ≥ {th:g} and no "
                     f"development path leads there from {begin.label!r}" +
                     (f" (the most similar: {tx.occupation_label(best, p['lang'])!r} at {sims[best]:.2f})"
                      if best >= 0 and not math.isclose(sims[best], 0.0) else ""))
    elif not found:
        notes.append(f"no training reaches any of the {len(search.edges)} candidates: see left_out")
    return TransitionResult(tuple(found), begin.node_id, begin.label, tx.occupations.ids[begin.occupation], targets,
                            th, p["minimise"], p["order"], len(search.edges), left_out, search.planned, tuple(notes))
