"""Development paths (Sectorale Ontwikkelpaden): the k cheapest routes to an occupation or a sector.

:func:`find_routes` searches the graph of functions (occupations) and training steps for
the ``k`` cheapest routes from where a person stands — a :class:`~skillmatch.models.Jobseeker`
(their skills and current occupation) or an occupation id — to a target occupation or to
any occupation of a target sector. :class:`RouteGraph` holds what does not depend on the
person (the catalogue, the development paths' steps, each occupation's most similar
occupations); build it once and pass it for every person.

The graph
---------
Nodes are the taxonomy's occupations, plus a *start* node for the person and, for a
sector target, a *sink* that every occupation of the sector joins at no cost. The start
node stands for the person's profile: their own skills at their levels and, when they
have a current occupation (or the start is an occupation id), that occupation's
requirements at the required levels (the highest of the two per skill). The start
occupation itself gets no incoming edges (a route never returns to it). Edges:

1. **Path steps.** A step ``from -> to`` of a development path (``taxonomy.paths``) is an
   edge from ``from`` to ``to``; a step from the person's own occupation, and a step
   "from outside" (no ``from_occupation``, an *instroom* step), leaves the start node.
   Its cost is the sum over the step's modules of their price (``minimise="eur"``) or
   study hours (``"hours"``) as the path publishes them (no exemptions, prerequisites
   are the path's concern); its duration the step's ``months`` (else hours at the
   person's study hours a week). Where several steps join the same two functions the
   cheapest usable one is the edge.
2. **Similarity edges**, between functions that no path step joins: from each occupation
   to its ``max_neighbours`` most similar occupations (and from the start node to the
   occupations most similar to the person's profile) whose similarity is at least the
   viability threshold (below). Similarity is ``cosine`` of the
   :class:`~skillmatch.match.Matcher` (weighted skill vectors, symmetric); a pair with
   no skill in common is never an edge. The edge's cost is the cheapest training plan
   (:func:`~.plans.plan_training`, the person's constraints, exemptions for the skills
   the source profile holds) that closes the gap from the source profile (an occupation's
   requirements at their levels, or the start profile) to the target occupation's
   requirements; its duration the plan's schedule, start to finish.
3. **Re-planned path steps.** A path step the person cannot take as published (a module
   outside their region, delivery forms, funding or NLQF limit, a module that needs
   more Dutch than they have, or — on the first step — no module starting within the
   start window, or a step above the budget or hours) is replaced by a planned edge
   between the same two functions, as in 2 but without the threshold: the path vouches
   for the move, the plan finds training the person can follow.

A gap requirement no module of the catalogue teaches to the required level is left to
be learned at work and named in the step; when such a requirement is *essential* the
edge is not made (no training closes it). A similarity or re-planned edge whose gap no
plan closes under the constraints (no *full* plan, see :mod:`.plans`) is not made either;
its binding constraints are kept for the error message.

Costs and constraints
---------------------
A route's cost is the sum of its steps' costs in the measure chosen (``minimise``).
Per module the plans' filters apply (delivery, region, NLQF, funding, language with
language-support steps); ``budget_eur`` and ``max_hours`` cap every step and the route's
total; ``start_within_weeks`` applies to the route's first step (a planned first step
must start within the window, a path step must have a module that does). A person's
Dutch level is checked against every step as they are now (the language modules of an
earlier step are not credited to a later one).

The search
----------
Routes are simple paths (no function twice), found cheapest first by Yen's algorithm
(:func:`k_cheapest_paths`) on :func:`scipy.sparse.csgraph.dijkstra`. Planning every
similarity edge for every person would take seconds (a plan takes a few milliseconds, a
person's graph has over a thousand edges on the shipped taxonomy), so edges are planned
*lazily*, on lower bounds of their plan's cost in hours and in euros:

- first, for all edges at once, the largest over the gap requirements of the cheapest
  allowed module that closes that requirement (a plan holds such a module for each);
- then, for an edge on a route the search returns, the greedy dual bound of the covering
  problem (:func:`_dual_bound`), at least as high;
- then the plan itself.

Prerequisites, language steps and the start window only add cost, and hours are bounded
at the largest exemption, so the bounds hold. The search runs on the current weights;
when a route it returns holds an edge not yet planned, that edge's next bound or plan is
made and the search starts again; it ends when the ``k`` cheapest routes consist of
planned edges only. Every other route weighs at most its exact cost, so these are the
``k`` cheapest by exact cost (``tests/test_routes.py`` checks this against planning every
edge). An edge whose bound already exceeds ``budget_eur`` or ``max_hours`` goes without a
plan; a route whose total (exact or bound) exceeds them is passed over without planning
its edges, and the search ends at the first such route when the limit is on the measure
minimised (later routes cost more); otherwise at most ``SEARCH_LIMIT`` routes are looked
at. Every edge also weighs ``STEP_EPSILON`` more, so equally cheap routes come with fewer
steps first (then in the order Yen's candidates come, by node tuple).

``max_steps`` limits the number of steps (a function in between means working there
first, and the cheapest route may chain several small moves). The search then runs on a
layered copy of the graph — function ``v`` after ``l`` steps is its own node, step edges go
from one layer to the next — so that the k cheapest routes of at most ``max_steps`` steps
come cheapest first too (a path of the copy that visits a function twice is passed over).

On the shipped taxonomy (``benchmarks/transitions_esco.py``, 100 demo jobseekers, k=3
into a crucial sector): a :class:`RouteGraph` builds in 0.01–0.02 s once the kernels are
loaded (about 1 s in a fresh process); one person's routes take a median of 0.13 s of CPU
time (90th percentile 0.21 s, at most 0.43 s) and 15 plans; ``transitions`` about 12 ms.

The viability threshold
-----------------------
``benchmarks/transitions_esco.py`` measures where ``cosine`` similarities between
occupations of the same ISCO-08 unit group (4 digits) lie against those of different
groups, on ESCO v1.1.1 and on the shipped taxonomy (figures in
``benchmarks/results/transitions_esco.json``). The rule: the threshold is the 10th percentile, rounded down to 0.01, of each
occupation's similarity to its *most similar occupation in its own unit group* — the
move ISCO itself regards as nearest — so that 9 in 10 of those moves stay above it.
ESCO: 0.117 → :data:`VIABLE_SIMILARITY_ESCO` = 0.11; the shipped CompetentNL-style
taxonomy (fewer, broader concepts, so higher cosines): 0.293 →
:data:`VIABLE_SIMILARITY_COMPETENTNL` = 0.29. :func:`default_threshold` picks by the
vocabulary the occupations require: ESCO-scale (at least :data:`ESCO_SCALE_CONCEPTS`
concepts) or CompetentNL-scale. Pass ``threshold=`` to use another.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from ..models import CEFR_CODES, Jobseeker, SkillClaim
from ..params import (
    Boolean,
    Custom,
    Instance,
    Integer,
    Number,
    OneOf,
    Optional,
    check_params,
)
from ..problems import InputError, Problem, closest
from .catalogue import Catalogue
from .gaps import ESSENTIAL, gap_from_arrays, held_row
from .plans import Exemptions, PlanConstraints, PlanResult, TrainingPlan, plan_training

if TYPE_CHECKING:  # pragma: no cover
    from ..match import CandidateIndex
    from ..taxonomy import Taxonomy

Minimise = Literal["eur", "hours"]

#: Viability threshold on ESCO-scale taxonomies (``benchmarks/transitions_esco.py``).
VIABLE_SIMILARITY_ESCO = 0.11
#: Viability threshold on CompetentNL-scale taxonomies such as the shipped one (same script).
VIABLE_SIMILARITY_COMPETENTNL = 0.29
#: A taxonomy whose occupations require at least this many distinct concepts is ESCO-scale
#: (ESCO v1.1.1: 13,125; CompetentNL: at most 112 capabilities + ~361 knowledge areas).
ESCO_SCALE_CONCEPTS = 5000
#: Added to every edge's weight: equally cheap routes come with fewer steps first.
STEP_EPSILON = 1e-6
#: Most routes the search looks at while passing over routes above the budget or hours.
SEARCH_LIMIT = 200
#: Days per month, for durations.
DAYS_PER_MONTH = 365.25 / 12
#: Most occupations a start profile or an occupation is joined to by similarity edges.
MAX_NEIGHBOURS = 20

#: The vrijstelling rule of planned steps unless the caller passes another.
DEFAULT_EXEMPTIONS = Exemptions()

PATH, SIMILAR, REPLANNED, ARRIVE = 0, 1, 2, 3
KINDS = {PATH: "path", SIMILAR: "similarity", REPLANNED: "replanned"}


def default_threshold(taxonomy: Taxonomy) -> float:
    """The viability threshold for ``taxonomy``: ESCO-scale or CompetentNL-scale (module docstring)."""
    required = np.unique(taxonomy.requirements.indices).size
    return VIABLE_SIMILARITY_ESCO if required >= ESCO_SCALE_CONCEPTS else VIABLE_SIMILARITY_COMPETENTNL


# --- the graph search ------------------------------------------------------------------------


def k_cheapest_paths(weights: sp.spmatrix, source: int, target: int) -> Iterator[tuple[float, tuple[int, ...]]]:
    """The simple paths from ``source`` to ``target``, cheapest first (Yen's algorithm).

    Parameters
    ----------
    weights : sparse matrix, shape (n, n)
        ``weights[u, v]`` the cost of the directed edge u -> v; every stored entry is an
        edge (an explicit 0 is a free edge), absent entries are no edge. Costs must be
        finite and ≥ 0.
    source, target : int
        Node numbers, different.

    Yields
    ------
    (cost, nodes)
        ``cost`` the sum of the edge costs (float), ``nodes`` the path from ``source`` to
        ``target`` as a tuple of ints. Paths of equal cost come in the order of their
        node tuples among those found (a path's spur is
        :func:`scipy.sparse.csgraph.dijkstra`'s). Nothing when ``target`` cannot be reached.

    Raises
    ------
    InputError
        A matrix that is not square, a negative or non-finite cost, nodes out of range.
    """
    g = sp.csr_matrix(weights, dtype=np.float64, copy=True)
    n = g.shape[0]
    problems = []
    if g.shape[0] != g.shape[1]:
        problems.append(f"weights must be square, got shape {g.shape}")
    elif not (0 <= source < n and 0 <= target < n) or source == target:
        problems.append(f"source and target must be two different nodes from 0 to {n - 1}, got {source} and {target}")
    if g.nnz and (not np.isfinite(g.data).all() or g.data.min() < 0):
        problems.append("weights must be finite and ≥ 0")
    if problems:
        raise InputError([Problem(p, where="k_cheapest_paths", field="weights") for p in problems])
    g.sum_duplicates()  # also sorts the indices of each row
    indptr, indices, w = g.indptr, g.indices, g.data
    row_of = np.repeat(np.arange(n), np.diff(indptr))

    def entry(u: int, v: int) -> int:
        lo, hi = indptr[u], indptr[u + 1]
        return int(lo + np.searchsorted(indices[lo:hi], v))

    def cost_of(nodes: tuple[int, ...]) -> float:
        return float(sum(w[entry(nodes[i], nodes[i + 1])] for i in range(len(nodes) - 1)))

    def shortest(spur: int, blocked_nodes: tuple[int, ...], removed: Iterable[tuple[int, int]]
                 ) -> tuple[int, ...] | None:
        data = w.copy()  # an edge out of the search weighs inf: Dijkstra never takes it
        if blocked_nodes:
            blocked = np.zeros(n, dtype=bool)
            blocked[list(blocked_nodes)] = True
            data[blocked[row_of] | blocked[indices]] = np.inf
        for u, v in removed:
            data[entry(u, v)] = np.inf
        graph = sp.csr_matrix((data, indices, indptr), shape=(n, n))
        dist, pred = csgraph.dijkstra(graph, directed=True, indices=spur, return_predecessors=True)
        if not np.isfinite(dist[target]):
            return None
        nodes = [target]
        while nodes[-1] != spur:
            nodes.append(int(pred[nodes[-1]]))
        return tuple(reversed(nodes))

    first = shortest(source, (), ())
    if first is None:
        return
    accepted = [first]
    seen = {first}
    candidates: list[tuple[float, tuple[int, ...]]] = []
    yield cost_of(first), first
    while True:
        last = accepted[-1]
        for i in range(len(last) - 1):
            root = last[: i + 1]
            removed = {(p[i], p[i + 1]) for p in accepted if len(p) > i + 1 and p[: i + 1] == root}
            spur_path = shortest(last[i], root[:-1], removed)
            if spur_path is None:
                continue
            path = root[:-1] + spur_path
            if path not in seen:
                seen.add(path)
                heapq.heappush(candidates, (cost_of(path), path))
        if not candidates:
            return
        cost, path = heapq.heappop(candidates)
        accepted.append(path)
        yield cost, path


# --- the person-independent part -------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RouteGraph:
    """What routes need that does not depend on the person. Build with :meth:`build`.

    Attributes
    ----------
    taxonomy : Taxonomy
    catalogue : Catalogue
        The taxonomy's training modules.
    similarity : CandidateIndex
        ``cosine`` over the occupations (:class:`~skillmatch.match.Matcher`).
    neighbours : ndarray of int32, shape (n_occupations, m)
        Each occupation's ``m`` most similar other occupations, best first, -1 padded
        (no shared skill).
    neighbour_similarity : ndarray of float32, shape (n_occupations, m)
        Their similarities, -inf padded.
    steps : tuple of (path position, step record)
        Every development path step, in path and step order.
    step_modules : tuple of ndarray of int64
        Catalogue positions of each step's modules.
    """

    taxonomy: Taxonomy
    catalogue: Catalogue
    similarity: CandidateIndex
    neighbours: np.ndarray
    neighbour_similarity: np.ndarray
    steps: tuple
    step_modules: tuple
    _profile_keys: np.ndarray = field(repr=False)
    _profile_levels: np.ndarray = field(repr=False)
    _skills_csc: sp.csc_matrix = field(repr=False)

    @classmethod
    def build(cls, taxonomy: Taxonomy, *, max_neighbours: int = MAX_NEIGHBOURS,
              catalogue: Catalogue | None = None) -> RouteGraph:
        """Index the occupations' similarities, the path steps and the catalogue of ``taxonomy``.

        Parameters
        ----------
        taxonomy : Taxonomy
        max_neighbours : int ≥ 1
            Most similar occupations kept per occupation (similarity edges are drawn
            among them; the threshold is applied per query).
        catalogue : Catalogue, optional
            Default ``Catalogue.from_taxonomy(taxonomy)``.
        """
        from ..match import Matcher
        from ..taxonomy import Taxonomy as _Taxonomy

        check_params("RouteGraph", {"taxonomy": Instance((_Taxonomy,), "a skillmatch Taxonomy"),
                                    "max_neighbours": Integer(1, None),
                                    "catalogue": Optional(Instance((Catalogue,), "a Catalogue"))},
                     {"taxonomy": taxonomy, "max_neighbours": max_neighbours, "catalogue": catalogue})
        catalogue = catalogue if catalogue is not None else Catalogue.from_taxonomy(taxonomy)
        n = taxonomy.n_occupations
        matcher = Matcher(taxonomy, "cosine").fit("occupations")
        if n > 1:
            result = matcher.match("occupations", k=min(max_neighbours, n - 1),
                                   exclude={o: [o] for o in taxonomy.occupations.ids})
            neighbours, similarity = result.indices, result.scores
        else:
            neighbours, similarity = np.full((n, 1), -1, np.int32), np.full((n, 1), -np.inf, np.float32)
        steps, step_modules = [], []
        for p, path in enumerate(taxonomy.paths):
            for step in sorted(path.steps, key=lambda s: s.step):
                steps.append((p, step))
                step_modules.append(catalogue.module_indices(step.modules, where="paths", field="modules"))
        levels = sp.csr_matrix(taxonomy.requirement_levels, copy=True)  # sorted below: never the taxonomy's own
        levels.sort_indices()
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(levels.indptr))
        keys = rows * taxonomy.n_concepts + levels.indices
        values = levels.data.astype(np.float64)
        for a in (neighbours, similarity, keys, values):
            a.flags.writeable = False
        return cls(taxonomy, catalogue, matcher.index_, neighbours, similarity, tuple(steps), tuple(step_modules),
                   keys, values, catalogue.skills.tocsc())

    def __repr__(self) -> str:
        return (f"<RouteGraph: {self.taxonomy.n_occupations} occupations, {len(self.steps)} path steps, "
                f"{len(self.catalogue)} modules, {self.neighbours.shape[1]} neighbours each>")

    def occupation_similarity(self, occupation: int) -> np.ndarray:
        """``cosine`` of occupation ``occupation`` with every occupation, float64 shape (n,), itself 0."""
        from ..match import Matcher
        from ..vectorize import Requirements

        tx = self.taxonomy
        row = slice(occupation, occupation + 1)
        result = Matcher.from_index(self.similarity).match(
            Requirements(tx.requirements[row], tx.requirement_levels[row]), k=tx.n_occupations)
        return _dense(result.indices[0], result.scores[0], tx.n_occupations, skip=occupation)

    def profile_similarity(self, indices: np.ndarray, levels: np.ndarray) -> np.ndarray:
        """``cosine`` of a held profile (concept indices, levels) with every occupation, float64 shape (n,)."""
        from ..match import Matcher

        tx = self.taxonomy
        if len(indices) == 0:
            return np.zeros(tx.n_occupations)
        claims = tuple(SkillClaim(skill=tx.concepts.ids[int(j)], proficiency=int(min(5, max(1, math.ceil(float(lv))))))
                       for j, lv in zip(indices, levels))
        result = Matcher.from_index(self.similarity).match_one(Jobseeker(id="profile", skills=claims),
                                                               k=tx.n_occupations)
        return _dense(result.indices[0], result.scores[0], tx.n_occupations)


def _dense(indices: np.ndarray, scores: np.ndarray, n: int, skip: int = -1) -> np.ndarray:
    out = np.zeros(n)
    ok = indices >= 0
    out[indices[ok]] = scores[ok]
    if skip >= 0:
        out[skip] = 0.0
    return out


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RouteStep:
    """One step of a route: from one function (or the start profile) to the next, and its training.

    Attributes
    ----------
    from_occupation : str or None
        Occupation id; None for the start profile of a jobseeker without an occupation.
    to_occupation : str
    from_label, to_label : str
        Labels in the language of the result.
    kind : {"path", "similarity", "replanned"}
        A published path step; a move between similar functions with planned training;
        a path step the person cannot take as published, with planned training instead.
    modules, titles : tuple of str
        The training, in the order it is followed.
    hours, cost_eur, months : float
        Study hours (exemptions included for planned steps), price, duration.
    start, finish : date or None
        When the step's training starts and ends in the route's schedule (indicative);
        None when there is no training.
    path, path_name : str or None
        The development path (id, name) of a path or re-planned step.
    step_number : int or None
        The step's number within that path.
    similarity : float or None
        ``cosine`` of the two profiles (or of the start profile and the target).
    gap_covered : float or None
        Planned steps: the share of the gap the training closes.
    learn_at_work : tuple of str
        Labels of gap requirements no module teaches to the required level (not essential).
    why_replanned : str or None
        Why the published path step could not be taken.
    plan : TrainingPlan or None
        The plan of a planned step.
    """

    from_occupation: str | None
    to_occupation: str
    from_label: str
    to_label: str
    kind: str
    modules: tuple[str, ...]
    titles: tuple[str, ...]
    hours: float
    cost_eur: float
    months: float
    start: date | None
    finish: date | None
    path: str | None = None
    path_name: str | None = None
    step_number: int | None = None
    similarity: float | None = None
    gap_covered: float | None = None
    learn_at_work: tuple[str, ...] = ()
    why_replanned: str | None = None
    plan: TrainingPlan | None = field(default=None, repr=False)
    lang: str = "nl"

    def describe(self) -> str:
        """One line: from -> to, why, which modules, hours, price, duration and start."""
        nl = self.lang == "nl"
        head = f"{self.from_label} → {self.to_label}: "
        if self.kind == "path":
            why = (f"stap {self.step_number} van ontwikkelpad '{self.path_name}'" if nl
                   else f"step {self.step_number} of development path '{self.path_name}'")
        elif self.kind == "replanned":
            why = (f"ontwikkelpad '{self.path_name}' (stap {self.step_number}) met eigen scholing, want "
                   f"{self.why_replanned}" if nl else
                   f"development path '{self.path_name}' (step {self.step_number}) with planned training, because "
                   f"{self.why_replanned}")
        else:
            why = (f"vaardigheden komen voor {_num(self.similarity or 0.0, nl)} overeen (cosinus)" if nl
                   else f"skill similarity {self.similarity or 0.0:.2f} (cosine)")
            if self.gap_covered is not None and self.modules:
                why += (f"; de modules sluiten {self.gap_covered:.0%} van het tekort" if nl
                        else f"; the modules close {self.gap_covered:.0%} of the gap")
        if self.modules:
            training = ", ".join(self.titles)
            figures = (f"{self.hours:.0f} uur, {_euro(self.cost_eur)}, ca. {_num(self.months, nl, 1)} maanden"
                       if nl else f"{self.hours:.0f} hours, {_euro(self.cost_eur)}, about {self.months:.1f} months")
            if self.start is not None:
                figures += f", start {self.start:%d-%m-%Y}"
            text = f"{head}{why}; {training} ({figures})"
        else:
            text = head + why + ("; geen scholing nodig" if nl else "; no training needed")
        if self.learn_at_work:
            text += ("; op de werkplek te leren (geen module): " if nl else "; to learn at work (no module): ") + \
                ", ".join(self.learn_at_work)
        return text


@dataclass(frozen=True, eq=False)
class Route:
    """One route, its steps in order and its totals.

    Attributes
    ----------
    rank : int
        1 = cheapest.
    steps : tuple of RouteStep
    cost : float
        Total in the measure minimised (euros or hours).
    hours, cost_eur, months : float
        Totals over the steps.
    start, finish : date or None
        First training start and last training finish of the schedule (None without training).
    """

    rank: int
    steps: tuple[RouteStep, ...]
    cost: float
    hours: float
    cost_eur: float
    months: float
    start: date | None
    finish: date | None
    lang: str = "nl"

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def occupations(self) -> tuple[str, ...]:
        """The functions the route passes, the last one the destination."""
        return tuple(s.to_occupation for s in self.steps)

    def describe(self) -> list[str]:
        """A heading with the totals, then one numbered line per step."""
        nl = self.lang == "nl"
        n = len(self.steps)
        head = (f"Route {self.rank}: {n} stap{'pen' if n != 1 else ''}, {self.hours:.0f} uur, "
                f"{_euro(self.cost_eur)}, ca. {_num(self.months, nl, 1)} maanden" if nl else
                f"Route {self.rank}: {n} step{'s' if n != 1 else ''}, {self.hours:.0f} hours, {_euro(self.cost_eur)}, "
                f"about {self.months:.1f} months")
        if self.start is not None and self.finish is not None:
            head += f" ({self.start:%d-%m-%Y} – {self.finish:%d-%m-%Y})"
        return [head] + [f"  {k}. {s.describe()}" for k, s in enumerate(self.steps, 1)]


@dataclass(frozen=True, eq=False)
class RouteResult:
    """The k cheapest routes for one start and one target.

    Attributes
    ----------
    routes : tuple of Route
        Cheapest first; fewer than ``k`` when fewer exist.
    start, start_label : str
        The jobseeker's or the occupation's id and a label.
    target, target_label : str
        The target occupation's or sector's id and label.
    target_kind : {"occupation", "sector"}
    minimise : {"eur", "hours"}
    threshold : float
        The viability threshold in force.
    planned : int
        Edges planned with :func:`~.plans.plan_training` during the search.
    notes : tuple of str
        Routes passed over (above the budget or hours) and such.
    """

    routes: tuple[Route, ...]
    start: str
    start_label: str
    target: str
    target_label: str
    target_kind: str
    minimise: str
    threshold: float
    planned: int
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.routes)

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def __getitem__(self, i: int) -> Route:
        return self.routes[i]

    @property
    def best(self) -> Route | None:
        return self.routes[0] if self.routes else None

    def describe(self) -> list[str]:
        lines: list[str] = []
        for route in self.routes:
            lines.extend(route.describe())
        return lines


def _euro(amount: float) -> str:
    return "€ " + f"{amount:,.0f}".replace(",", ".")


def _num(x: float, nl: bool, digits: int = 2) -> str:
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if nl else text


# --- one search: the start, the edges, their costs -------------------------------------------------


@dataclass
class _Start:
    node_id: str  # the jobseeker's id or the occupation id
    label: str
    occupation: int  # -1: none
    held: tuple[np.ndarray, np.ndarray]  # the start profile (indices int32, levels float32)
    similarity: np.ndarray  # float64 (n,): cosine with every occupation
    language: int | None  # CEFR code, None when not checked


@dataclass
class _Edge:
    src: int
    dst: int
    kind: int
    sim: float = float("nan")
    step: int = -1  # index into graph.steps (path and re-planned edges)
    exact: bool = False
    refined: bool = False  # the cost is the stronger (dual) lower bound
    valid: bool = True
    cost: float = 0.0  # exact cost or lower bound, in the measure minimised
    hours: float = 0.0  # exact, or a lower bound while not exact
    eur: float = 0.0  # exact, or a lower bound while not exact
    months: float = 0.0
    reason: str = ""  # why the edge is not valid (see _Search.explain)
    cause: str = ""  # "untaught" or "constraints"
    binding: tuple[str, ...] = ()
    detail: tuple | None = None  # (concepts, levels) behind an invalid edge, until explained
    why_replanned: str | None = None
    plan: PlanResult | None = None
    untaught: tuple[int, ...] = ()  # gap concepts learned at work


def _same_skills(skills: sp.csr_matrix, a: int, b: int) -> bool:
    """Whether modules ``a`` and ``b`` teach the same concepts at the same levels."""
    ra, rb = skills[a], skills[b]
    return bool(np.array_equal(ra.indices, rb.indices) and np.array_equal(ra.data, rb.data))


class _Search:
    """The edges of one person's graph and their costs, planned lazily."""

    def __init__(self, graph: RouteGraph, start: _Start, constraints: PlanConstraints, minimise: Minimise,
                 threshold: float, day0: date, exemptions: Exemptions, lang: str):
        self.graph, self.tx, self.catalogue = graph, graph.taxonomy, graph.catalogue
        self.start, self.constraints, self.minimise = start, constraints, minimise
        self.threshold, self.day0, self.exemptions, self.lang = threshold, day0, exemptions, lang
        self.n = self.tx.n_occupations
        self.start_node, self.sink = self.n, self.n + 1
        self.edges: list[_Edge] = []
        self.pair: dict[tuple[int, int], int] = {}
        self.planned = 0
        self.over: list[tuple[str, float, bool]] = []
        self.max_steps: int | None = None
        self._ends = np.zeros((0, 2), dtype=np.int64)
        cat = self.catalogue
        self.filters = {
            "delivery": cat.delivery_mask(constraints.delivery),
            "region": cat.region_mask(constraints.region),
            "max_nlqf": cat.nlqf_mask(constraints.max_nlqf),
            "funding": cat.funding_mask(constraints.funding),
        }
        self.allowed = np.logical_and.reduce(list(self.filters.values()))
        kept = 1.0 - exemptions.cap  # the largest exemption: bounds hold for every person
        self.module_cost = {"hours": cat.hours * kept,
                            "eur": cat.cost_eur * (kept if exemptions.reduce_cost else 1.0)}
        self.cheapest = {m: self._cheapest(self.allowed, c) for m, c in self.module_cost.items()}
        self.cheapest_any = self._cheapest(np.ones(len(cat), dtype=bool), self.module_cost["hours"])
        self._relaxed: dict[str, np.ndarray] = {}
        self._step_modules: dict[int, np.ndarray] = {}
        self._by_title: dict[str, list[int]] | None = None

    # --- tables ---------------------------------------------------------------------------------

    def _cheapest(self, mask: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """``table[L, c]``: least ``cost`` of a module in ``mask`` teaching concept c to level ≥ L (inf: none)."""
        s = self.catalogue.skills
        table = np.full((6, s.shape[1]), np.inf)
        rows = np.repeat(np.arange(s.shape[0]), np.diff(s.indptr))
        keep = mask[rows]
        for level in range(1, 6):
            sel = keep & (s.data >= level)
            np.minimum.at(table[level], s.indices[sel], cost[rows[sel]])
        return table

    def relaxed(self, name: str) -> np.ndarray:
        if name not in self._relaxed:
            mask = np.logical_and.reduce([m for k, m in self.filters.items() if k != name])
            self._relaxed[name] = self._cheapest(mask, self.module_cost["hours"])
        return self._relaxed[name]

    def profile(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        if node == self.start_node:
            return self.start.held
        levels = self.tx.requirement_levels
        lo, hi = levels.indptr[node], levels.indptr[node + 1]
        return levels.indices[lo:hi].astype(np.int32), levels.data[lo:hi].astype(np.float32)

    def requirement_row(self, node: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        req, lvl = self.tx.requirements, self.tx.requirement_levels
        lo, hi = req.indptr[node], req.indptr[node + 1]
        return req.indices[lo:hi], req.data[lo:hi], lvl.data[lo:hi]

    # --- building the edges ----------------------------------------------------------------------

    def add(self, edge: _Edge) -> None:
        if edge.dst == self.start.occupation or edge.src == edge.dst:
            return
        key = (edge.src, edge.dst)
        if key in self.pair:
            return
        self.pair[key] = len(self.edges)
        self.edges.append(edge)

    def source_of_step(self, step) -> int:
        if not step.from_occupation:
            return self.start_node
        a = self.tx.occupations.index[step.from_occupation]
        return self.start_node if a == self.start.occupation else a

    def add_path_steps(self, sources: set[int] | None = None, targets: set[int] | None = None, *,
                       from_outside: bool = True) -> None:
        """One edge per pair of functions a path step joins: the cheapest usable step, else a re-planned one.

        ``sources``/``targets`` restrict the nodes; ``from_outside=False`` leaves out instroom steps.
        """
        by_pair: dict[tuple[int, int], list[int]] = {}
        for s, (_, step) in enumerate(self.graph.steps):
            if not from_outside and not step.from_occupation:
                continue
            src, dst = self.source_of_step(step), self.tx.occupations.index[step.to_occupation]
            if (sources is None or src in sources) and (targets is None or dst in targets):
                by_pair.setdefault((src, dst), []).append(s)
        for (src, dst), steps in by_pair.items():
            sim = float(self.start.similarity[dst]) if src == self.start_node else float("nan")
            usable: list[int] = []
            why: list[str] = []
            for s in steps:
                problem = self.step_problem(s, first=src == self.start_node)
                if problem:
                    why.append(problem)
                else:
                    usable.append(s)
            if usable:
                best = min(usable, key=lambda s: (*self.step_costs(s)[:2], s))
                primary, _, hours, eur, months = self.step_costs(best)
                self.add(_Edge(src, dst, PATH, sim=sim, step=best, exact=True, cost=primary, hours=hours, eur=eur,
                               months=months))
            else:
                self.add(_Edge(src, dst, REPLANNED, sim=sim, step=steps[0], why_replanned=why[0]))

    def step_modules(self, s: int) -> np.ndarray:
        """The modules of path step ``s`` as this person can take them: a module the filters
        leave out (another region, delivery form, level or funding) is replaced by a variant of it
        that they keep — a module with the same title and the same skills, given by another
        provider (the catalogue lists a qualification once per ROC area) — the cheapest first.
        Without such a variant the module stays, and the step is re-planned (:meth:`step_problem`)."""
        if s not in self._step_modules:
            cat = self.catalogue
            mods = self.graph.step_modules[s].copy()
            for i, m in enumerate(mods.tolist()):
                if self.allowed[m]:
                    continue
                if self._by_title is None:
                    self._by_title = {}
                    for v, title in enumerate(cat.titles):
                        self._by_title.setdefault(title, []).append(v)
                same = [v for v in self._by_title[cat.titles[m]] if self.allowed[v] and _same_skills(cat.skills, v, m)]
                if same:
                    mods[i] = min(same, key=lambda v: (self.module_cost[self.minimise][v], v))
            self._step_modules[s] = mods
        return self._step_modules[s]

    def step_costs(self, s: int) -> tuple[float, float, float, float, float]:
        mods = self.step_modules(s)
        hours, eur = float(self.catalogue.hours[mods].sum()), float(self.catalogue.cost_eur[mods].sum())
        step = self.graph.steps[s][1]
        months = float(step.months) if step.months is not None else \
            hours / self.constraints.study_hours_per_week / (52 / 12)
        primary, secondary = (hours, eur) if self.minimise == "hours" else (eur, hours)
        return primary, secondary, hours, eur, months

    def step_problem(self, s: int, *, first: bool) -> str | None:
        """Why the person cannot take path step ``s`` as published (None: they can)."""
        cat, c, nl = self.catalogue, self.constraints, self.lang == "nl"
        mods = self.step_modules(s)
        names = {"delivery": ("wordt niet gegeven in de vorm", "is not given in the delivery form"),
                 "region": ("wordt niet gegeven in regio", "is not given in region"),
                 "max_nlqf": ("ligt boven NLQF-niveau", "is above NLQF level"),
                 "funding": ("valt niet onder de financiering", "is not covered by the funding")}
        shown = {"delivery": "|".join(c.delivery), "region": c.region, "max_nlqf": c.max_nlqf,
                 "funding": "|".join(c.funding)}
        for name, mask in self.filters.items():
            bad = mods[~mask[mods]]
            if bad.size:
                return f"'{cat.titles[bad[0]]}' {names[name][0 if nl else 1]} {shown[name]}"
        if self.start.language is not None:
            bad = mods[cat.language_level[mods] > self.start.language]
            if bad.size:
                need = list(CEFR_CODES)[cat.language_level[bad[0]] - 1]
                return (f"'{cat.titles[bad[0]]}' vraagt Nederlands op {need}" if nl
                        else f"'{cat.titles[bad[0]]}' needs Dutch at {need}")
        _, _, hours, eur, _ = self.step_costs(s)
        if c.budget_eur is not None and eur > c.budget_eur:
            return (f"de stap kost {_euro(eur)}, meer dan het budget" if nl
                    else f"the step costs {_euro(eur)}, more than the budget")
        if c.max_hours is not None and hours > c.max_hours:
            return (f"de stap vraagt {hours:g} uur, meer dan het maximum" if nl
                    else f"the step takes {hours:g} hours, more than the maximum")
        if first and c.start_within_weeks is not None and mods.size:
            latest = np.datetime64(self.day0, "D") + np.timedelta64(round(7 * c.start_within_weeks), "D")
            if not (cat.next_start(self.day0, mods) <= latest).any():
                return (f"geen module start binnen {c.start_within_weeks:g} weken" if nl
                        else f"no module starts within {c.start_within_weeks:g} weeks")
        return None

    def add_similarity(self, src: int, targets: np.ndarray, sims: np.ndarray) -> None:
        keep = (sims >= self.threshold) & (sims > 0) & (targets != self.start.occupation) & (targets != src)
        for dst, sim in zip(targets[keep].tolist(), sims[keep].tolist()):
            if (src, dst) not in self.pair:
                self.add(_Edge(src, dst, SIMILAR, sim=sim))

    def add_neighbour_edges(self, max_neighbours: int) -> None:
        """Similarity edges from the start profile and from every occupation (path steps first)."""
        sims = self.start.similarity
        order = np.lexsort((np.arange(self.n), -sims))[:max_neighbours]
        self.add_similarity(self.start_node, order, sims[order])
        nb, ns = self.graph.neighbours, self.graph.neighbour_similarity.astype(np.float64)
        src = np.repeat(np.arange(self.n), nb.shape[1])
        keep = (nb.ravel() >= 0) & (src != self.start.occupation)
        for a in np.unique(src[keep]):  # rows in order: the edge list is deterministic
            row = nb[a] >= 0
            self.add_similarity(int(a), nb[a][row].astype(np.int64), ns[a][row])

    def add_arrivals(self, members: Iterable[int]) -> None:
        for o in members:
            self.add(_Edge(int(o), self.sink, ARRIVE, exact=True))

    # --- costs ----------------------------------------------------------------------------------

    def lower_bounds(self) -> None:
        """Screen and bound every unplanned edge at once (module docstring)."""
        todo = [k for k, e in enumerate(self.edges) if not e.exact and e.valid]
        if not todo:
            return
        src = np.array([self.edges[k].src for k in todo], dtype=np.int64)
        dst = np.array([self.edges[k].dst for k in todo], dtype=np.int64)
        req, lvl = self.tx.requirements, self.tx.requirement_levels
        counts = np.diff(req.indptr)[dst]
        owner = np.repeat(np.arange(len(todo)), counts)
        offsets = np.repeat(req.indptr[dst] - np.r_[0, np.cumsum(counts)[:-1]], counts)
        pos = offsets + np.arange(counts.sum())
        concept, importance, required = req.indices[pos], req.data[pos], lvl.data[pos].astype(np.float64)
        held = self.held_levels(src[owner], concept)
        open_ = held < required
        owner, concept, importance, required = owner[open_], concept[open_], importance[open_], required[open_]
        level = np.clip(np.ceil(required - 1e-9), 1, 5).astype(np.int64)
        untaught = ~np.isfinite(self.cheapest_any[level, concept])
        blocked = ~untaught & ~np.isfinite(self.cheapest["hours"][level, concept])
        ok = ~untaught & ~blocked
        bounds = {}
        for measure, table in self.cheapest.items():
            bounds[measure] = np.zeros(len(todo))
            np.maximum.at(bounds[measure], owner[ok], table[level[ok], concept[ok]])
        bad = untaught & (importance == ESSENTIAL)
        bad_groups = _groups(owner[bad], concept[bad], level[bad])
        blocked_groups = _groups(owner[blocked], concept[blocked], level[blocked])
        for t, k in enumerate(todo):
            e = self.edges[k]
            if t in bad_groups:
                e.valid, e.cause, e.detail = False, "untaught", bad_groups[t]
            elif t in blocked_groups:
                e.valid, e.cause, e.detail = False, "constraints", blocked_groups[t]
            else:
                self.bound(e, float(bounds["hours"][t]), float(bounds["eur"][t]))

    def explain(self, e: _Edge) -> _Edge:
        """Fill in why an edge screened out by :meth:`lower_bounds` is not valid (reason and binding)."""
        if e.detail is not None:
            concepts, levels = e.detail
            target = self.tx.occupation_label(e.dst, self.lang)
            if e.cause == "untaught":
                e.reason = (f"no module teaches the essential skill(s) {self.skill_list(concepts)} of {target!r} to "
                            f"the required level")
            else:
                e.binding = tuple(name for name in self.filters
                                  if np.isfinite(self.relaxed(name)[levels, concepts]).all())
                e.reason = f"no module the person can take teaches {self.skill_list(concepts)} of {target!r}"
            e.detail = None
        return e

    def skill_list(self, concepts: np.ndarray, most: int = 5) -> str:
        shown = ", ".join(repr(self.tx.concept_label(int(j), self.lang)) for j in concepts[:most])
        return shown + (f" and {len(concepts) - most} more" if len(concepts) > most else "")

    def bound(self, e: _Edge, hours: float, eur: float) -> None:
        """Raise an unplanned edge's bounds; an edge whose bound exceeds the budget or hours cannot be taken."""
        e.hours, e.eur = max(e.hours, hours), max(e.eur, eur)
        e.cost = e.hours if self.minimise == "hours" else e.eur
        c = self.constraints
        for name, value, limit in (("budget_eur", e.eur, c.budget_eur), ("max_hours", e.hours, c.max_hours)):
            if limit is not None and value > limit + 1e-9:
                shown = _euro(value) if name == "budget_eur" else f"{value:g} hours"
                e.valid, e.cause, e.binding = False, "constraints", (name,)
                e.reason = (f"the training into {self.tx.occupation_label(e.dst, self.lang)!r} needs at least "
                            f"{shown}, above {name} {limit:g}")
                return

    def held_levels(self, nodes: np.ndarray, concepts: np.ndarray) -> np.ndarray:
        """Level each source node's profile holds in each concept (0 when not held)."""
        out = np.zeros(len(nodes))
        at_start = nodes == self.start_node
        if at_start.any():
            idx, lvl = self.start.held
            pos = np.searchsorted(idx, concepts[at_start])
            pos = np.minimum(pos, max(len(idx) - 1, 0))
            hit = (idx[pos] == concepts[at_start]) if len(idx) else np.zeros(at_start.sum(), dtype=bool)
            out[at_start] = np.where(hit, lvl[pos] if len(idx) else 0.0, 0.0)
        rest = ~at_start
        if rest.any():
            keys = self.graph._profile_keys
            q = nodes[rest] * self.tx.n_concepts + concepts[rest]
            pos = np.minimum(np.searchsorted(keys, q), max(len(keys) - 1, 0))
            hit = keys[pos] == q if len(keys) else np.zeros(rest.sum(), dtype=bool)
            out[rest] = np.where(hit, self.graph._profile_levels[pos] if len(keys) else 0.0, 0.0)
        return out

    def refine(self, k: int) -> None:
        """Raise edge ``k``'s bounds to the dual bound of its covering problem (:func:`_dual_bound`)."""
        e = self.edges[k]
        e.refined = True
        held_i, held_l = self.profile(e.src)
        req_i, _, req_l = self.requirement_row(e.dst)
        pos = np.minimum(np.searchsorted(held_i, req_i), max(len(held_i) - 1, 0))
        held = np.where((held_i[pos] == req_i) if len(held_i) else False, held_l[pos] if len(held_i) else 0, 0)
        open_ = held < req_l
        if not open_.any():
            return
        concepts, required = req_i[open_], req_l[open_].astype(np.float64)
        taught = self.graph._skills_csc[:, concepts].toarray()
        closes = (taught >= required) & self.allowed[:, None]
        rows = np.flatnonzero(closes.any(axis=1))
        if rows.size == 0:
            return
        closes = closes[rows]
        self.bound(e, *(_dual_bound(closes, self.module_cost[m][rows]) for m in ("hours", "eur")))

    def constraints_for(self, src: int, available_from: date | None = None) -> PlanConstraints:
        c = self.constraints if src == self.start_node else replace(self.constraints, start_within_weeks=None)
        return replace(c, available_from=available_from or self.day0)

    def plan_edge(self, k: int, available_from: date | None = None) -> PlanResult | None:
        """Plan edge ``k`` exactly; set its cost, or mark it invalid with the reason. Returns the plan result."""
        e = self.edges[k]
        held = self.profile(e.src)
        req_i, req_c, req_l = self.requirement_row(e.dst)
        gap = gap_from_arrays(held[0], held[1], req_i, req_c, req_l, target=self.tx.occupations.ids[e.dst],
                              person=self.start.node_id)
        closeable = self.catalogue.skills[:, gap.concepts].max(axis=0).toarray().ravel() >= gap.required \
            if len(gap) else np.zeros(0, dtype=bool)
        e.exact = True
        e.untaught = tuple(int(j) for j in gap.concepts[~closeable])
        if not closeable.any():  # nothing to train: what is missing is learned at work
            e.cost = e.hours = e.eur = e.months = 0.0
            return None
        self.planned += 1
        try:
            result = plan_training(self.catalogue, gap, self.constraints_for(e.src, available_from), held=held,
                                   minimise=self.minimise, k=1, partial=True, exemptions=self.exemptions,
                                   today=self.day0)
        except InputError as exc:
            e.valid, e.cause, e.reason = False, "constraints", "; ".join(p.message for p in exc.problems)
            return None
        if not result.full:
            e.valid, e.cause, e.binding = False, "constraints", result.binding
            e.reason = "; ".join(result.notes) or "no plan closes the gap under the constraints"
            return result
        plan = result.plans[0]
        e.plan, e.hours, e.eur = result, plan.hours, plan.cost_eur
        e.cost = plan.hours if self.minimise == "hours" else plan.cost_eur
        e.months = _months(plan)
        return result

    # --- the search ------------------------------------------------------------------------------

    def weights(self, target: int, max_steps: int | None) -> tuple[sp.csr_matrix, int, int]:
        """The search graph: (weights, source, target).

        Without ``max_steps`` it is the graph itself. With it, a layered copy: node
        ``layer * N + v`` is function ``v`` after ``layer`` steps, every step edge goes from a
        layer to the next (``max_steps`` layers), and every copy of the target (or every
        arrival edge) leads to one extra node, the search's target. A simple path of the
        copy maps to a route of at most ``max_steps`` steps (one that visits a function
        twice, in two layers, is passed over by the caller).
        """
        if len(self._ends) != len(self.edges):  # the edges are all added before the search starts
            self._ends = np.array([(e.src, e.dst) for e in self.edges], dtype=np.int64).reshape(-1, 2)
        valid = np.fromiter((e.valid for e in self.edges), dtype=bool, count=len(self.edges))
        w = np.fromiter((e.cost for e in self.edges), dtype=np.float64, count=len(self.edges))[valid] + STEP_EPSILON
        src, dst = self._ends[valid, 0], self._ends[valid, 1]
        n = self.n + 2
        if max_steps is None:
            return sp.csr_matrix((w, (src, dst)), shape=(n, n)), self.start_node, target
        arrive = np.fromiter((e.kind == ARRIVE for e in self.edges), dtype=bool, count=len(self.edges))[valid]
        arrive_or_beyond = arrive | (src == target)  # a route ends at the target: no step leaves it
        end = (max_steps + 1) * n
        layers = np.arange(max_steps)
        step_src = (layers[:, None] * n + src[~arrive_or_beyond]).ravel()
        step_dst = ((layers[:, None] + 1) * n + dst[~arrive_or_beyond]).ravel()
        step_w = np.tile(w[~arrive_or_beyond], max_steps)
        every = np.arange(max_steps + 1)[:, None] * n
        if target == self.sink:  # arrival edges from every layer
            end_src, end_w = (every + src[arrive]).ravel(), np.tile(w[arrive], max_steps + 1)
        else:
            end_src, end_w = (every + target).ravel(), np.full(max_steps + 1, STEP_EPSILON)
        rows = np.concatenate([step_src, end_src])
        cols = np.concatenate([step_dst, np.full(end_src.size, end)])
        data = np.concatenate([step_w, end_w])
        return sp.csr_matrix((data, (rows, cols)), shape=(end + 1, end + 1)), self.start_node, end

    def decode(self, nodes: tuple[int, ...], target: int, max_steps: int | None) -> list[int] | None:
        """The edges of a path of :meth:`weights`' graph; None when it visits a function twice."""
        if max_steps is None:
            return [self.pair[(nodes[i], nodes[i + 1])] for i in range(len(nodes) - 1)]
        n = self.n + 2
        functions = [v % n for v in nodes[:-1]] + ([self.sink] if target == self.sink else [])
        if len(set(functions)) != len(functions):
            return None
        return [self.pair[(functions[i], functions[i + 1])] for i in range(len(functions) - 1)]

    def cheapest_routes(self, target: int, k: int, max_steps: int | None = None
                        ) -> tuple[list[list[int]], list[str]]:
        """The k cheapest valid routes (edge lists) to ``target``, and notes on routes passed over.

        A route with more than ``max_steps`` steps, or whose hours or price — exact, or a
        lower bound while some of its edges are unplanned — exceeds ``max_hours`` or
        ``budget_eur``, is passed over without planning. When that limit is on the measure
        minimised, every later route exceeds it too.
        """
        c = self.constraints
        while True:
            accepted: list[list[int]] = []
            over: list[tuple[str, float, bool]] = []
            restart = False
            for looked, (_, nodes) in enumerate(k_cheapest_paths(*self.weights(target, max_steps)), 1):
                route = self.decode(nodes, target, max_steps)
                if route is None:  # a function twice, in two layers: not a simple route
                    if looked >= SEARCH_LIMIT:
                        break
                    continue
                exact = all(self.edges[r].exact for r in route)
                totals = {"budget_eur": sum(self.edges[r].eur for r in route),
                          "max_hours": sum(self.edges[r].hours for r in route)}
                limited = [name for name in ("budget_eur", "max_hours")
                           if getattr(c, name) is not None and totals[name] > getattr(c, name) + 1e-9]
                if limited:
                    over.append((limited[0], totals[limited[0]], exact))
                    measure = "budget_eur" if self.minimise == "eur" else "max_hours"
                    if measure in limited:
                        break  # routes come cheapest first in this measure: every later one is above it too
                    if looked >= SEARCH_LIMIT:
                        break
                    continue
                if not exact:
                    todo = [r for r in route if not self.edges[r].exact]
                    rough = [r for r in todo if not self.edges[r].refined]
                    for r in rough or todo:  # a stronger bound first (cheap), then the plan
                        self.refine(r) if rough else self.plan_edge(r)
                    restart = True
                    break
                accepted.append(route)
                if len(accepted) == k or looked >= SEARCH_LIMIT:
                    break
            if not restart:
                self.over = over
                return accepted, self._over_notes(over, max_steps)

    def _over_notes(self, over: list[tuple[str, float, bool]], max_steps: int | None) -> list[str]:
        notes = []
        for name in ("budget_eur", "max_hours"):
            values = [v for n_, v, _ in over if n_ == name]
            if values:
                limit = getattr(self.constraints, name)
                shown = _euro if name == "budget_eur" else (lambda x: f"{x:g} hours")
                notes.append(f"{len(values)} route(s) passed over: above {name} {shown(limit)} (the cheapest of "
                             f"them needs at least {shown(min(values))})")
        return notes

    # --- turning edges into steps ------------------------------------------------------------------

    def label(self, node: int) -> str:
        if node == self.start_node:
            return self.start.label
        return self.tx.occupation_label(node, self.lang)

    def step(self, k: int, day: date) -> RouteStep:
        """Edge ``k`` as a step whose training starts on or after ``day``."""
        e = self.edges[k]
        tx, cat = self.tx, self.catalogue
        from_id = None if e.src == self.start_node and self.start.occupation < 0 else \
            tx.occupations.ids[self.start.occupation if e.src == self.start_node else e.src]
        base: dict[str, Any] = {
            "from_occupation": from_id, "to_occupation": tx.occupations.ids[e.dst], "from_label": self.label(e.src),
            "to_label": self.label(e.dst), "kind": KINDS[e.kind], "lang": self.lang,
            "similarity": None if math.isnan(e.sim) else e.sim,
            "learn_at_work": tuple(tx.concept_label(j, self.lang) for j in e.untaught)}
        if e.kind in (PATH, REPLANNED):
            p, step = self.graph.steps[e.step]
            base.update(path=tx.paths[p].id, path_name=tx.paths[p].name, step_number=step.step,
                        why_replanned=e.why_replanned)
        if e.kind == PATH:
            mods = self.step_modules(e.step)
            start = finish = None
            if mods.size:
                start = cat.next_start(day, mods).min().item()
                finish = start + timedelta(days=round(e.months * DAYS_PER_MONTH))
            return RouteStep(modules=tuple(cat.ids[m] for m in mods), titles=tuple(cat.titles[m] for m in mods),
                             hours=e.hours, cost_eur=e.eur, months=e.months, start=start, finish=finish, **base)
        result = e.plan
        if result is not None and day != self.day0:  # the schedule from ``day``: the same modules, later dates
            result = plan_training(self.catalogue, result.gap, self.constraints_for(e.src, day),
                                   held=self.profile(e.src), minimise=self.minimise, k=1, partial=True,
                                   exemptions=self.exemptions, today=day)
        plan = result.plans[0] if result is not None else None
        if plan is None or len(plan) == 0:
            return RouteStep(modules=(), titles=(), hours=0.0, cost_eur=0.0, months=0.0, start=None, finish=None,
                             gap_covered=None if plan is None else plan.gap_covered, plan=plan, **base)
        return RouteStep(modules=plan.modules, titles=plan.titles, hours=plan.hours, cost_eur=plan.cost_eur,
                         months=_months(plan), start=plan.start, finish=plan.finish, gap_covered=plan.gap_covered,
                         plan=plan, **base)

    def route(self, rank: int, edges: list[int]) -> Route:
        steps, day = [], self.day0
        for k in edges:
            if self.edges[k].kind == ARRIVE:
                continue
            s = self.step(k, day)
            steps.append(s)
            if s.finish is not None:
                day = s.finish
        cost = sum(self.edges[k].cost for k in edges)
        starts = [s.start for s in steps if s.start is not None]
        finishes = [s.finish for s in steps if s.finish is not None]
        return Route(rank=rank, steps=tuple(steps), cost=float(cost), hours=float(sum(s.hours for s in steps)),
                     cost_eur=float(sum(s.cost_eur for s in steps)), months=float(sum(s.months for s in steps)),
                     start=min(starts) if starts else None, finish=max(finishes) if finishes else None,
                     lang=self.lang)


def _dual_bound(closes: np.ndarray, cost: np.ndarray) -> float:
    """A lower bound of the least-cost cover of the columns of ``closes`` (bool, modules x requirements).

    Greedy dual: requirements in order of their cheapest module, dearest first; each gets
    ``y`` = the least remaining cost among the modules that close it, and those modules'
    remaining costs fall by ``y``. The ``y`` satisfy the dual of the covering LP, so their
    sum is at most the cost of any cover. Columns no module closes are skipped.
    """
    residual = cost.astype(np.float64).copy()
    cheapest = np.where(closes, residual[:, None], np.inf).min(axis=0)
    total = 0.0
    for r in np.argsort(-np.where(np.isfinite(cheapest), cheapest, -1.0), kind="stable"):
        if not np.isfinite(cheapest[r]):
            continue
        y = residual[closes[:, r]].min()
        total += y
        residual[closes[:, r]] -= y
    return float(total)


def _groups(owner: np.ndarray, *columns: np.ndarray) -> dict[int, tuple[np.ndarray, ...]]:
    """Entries grouped by owner: ``{owner: (column values of its entries, ...)}``."""
    if owner.size == 0:
        return {}
    order = np.argsort(owner, kind="stable")
    owner = owner[order]
    cuts = np.flatnonzero(np.diff(owner)) + 1
    parts = [np.split(c[order], cuts) for c in columns]
    return {int(o): tuple(p[g] for p in parts) for g, o in enumerate(owner[np.r_[0, cuts]])}


def _months(plan: TrainingPlan) -> float:
    if plan.start is None or plan.finish is None:
        return 0.0
    return (plan.finish - plan.start).days / DAYS_PER_MONTH


# --- the entry point --------------------------------------------------------------------------------


def _constraints_value(value: Any) -> Any:
    if value is None or isinstance(value, (PlanConstraints, Mapping)):
        return value
    raise ValueError


PARAMETERS = {
    "k": Integer(1, None),
    "minimise": OneOf(("hours", "eur")),
    "threshold": Optional(Number(0.0, 1.0)),
    "max_neighbours": Integer(1, None),
    "max_steps": Optional(Integer(1, None)),
    "constraints": Custom(_constraints_value, "a PlanConstraints, a dict of its fields, or None"),
    "exemptions": Instance((Exemptions,), "an Exemptions"),
    "today": Optional(Instance((date,), "a date")),
    "lang": OneOf(("nl", "en")),
    "from_crucial": Boolean(),
}


def _unknown_occupation(tx: Taxonomy, value: Any, where: str, field_name: str, record: str | None = None) -> Problem:
    found = closest(str(value), tx.occupations.ids) if tx.n_occupations else []
    hint = f" (closest: {found[0]!r}, {tx.occupation_label(tx.occupations.index[found[0]])!r})" if found else ""
    return Problem(f"occupation {value!r} is not in the taxonomy{hint}", where=where, record=record,
                   field=field_name, value=value)


def _resolve_start(graph: RouteGraph, start: str | Jobseeker, constraints: Any, lang: str, *,
                   where: str = "find_routes", field_name: str = "start") -> tuple[_Start, PlanConstraints]:
    """The start profile and the constraints in force, from a jobseeker or an occupation id."""
    tx = graph.taxonomy
    overrides = dict(constraints) if isinstance(constraints, Mapping) else None
    if isinstance(start, Jobseeker):
        own = held_row(tx, start)
        occupation = -1
        if start.occupation is not None:
            occupation = tx.occupations.index.get(start.occupation, -1)
            if occupation < 0:
                raise InputError([_unknown_occupation(tx, start.occupation, "jobseeker", "occupation", start.id)])
        if isinstance(constraints, PlanConstraints):
            limits = constraints
        else:
            limits = PlanConstraints.for_person(start, **(overrides or {}))
        held = own
        sims = graph.profile_similarity(*own)
        if occupation >= 0:
            held = _merge(own, *_occupation_profile(tx, occupation))
            sims = np.maximum(sims, graph.occupation_similarity(occupation))
            sims[occupation] = 0.0
        label = tx.occupation_label(occupation, lang) if occupation >= 0 else (
            "huidig profiel" if lang == "nl" else "current profile")
        language = CEFR_CODES[limits.language_level] if limits.language_level else None
        return _Start(start.id, label, occupation, held, sims, language), limits
    if not isinstance(start, str):
        raise InputError([Problem(f"expected a Jobseeker or an occupation id, got {type(start).__name__}",
                                  where=where, field=field_name)])
    occupation = tx.occupations.index.get(start, -1)
    if occupation < 0:
        raise InputError([_unknown_occupation(tx, start, where, field_name)])
    limits = constraints if isinstance(constraints, PlanConstraints) else PlanConstraints(**(overrides or {}))
    language = CEFR_CODES[limits.language_level] if limits.language_level else None
    return (_Start(start, tx.occupation_label(occupation, lang), occupation, _occupation_profile(tx, occupation),
                   graph.occupation_similarity(occupation), language), limits)


def _occupation_profile(tx: Taxonomy, o: int) -> tuple[np.ndarray, np.ndarray]:
    lvl = tx.requirement_levels
    lo, hi = lvl.indptr[o], lvl.indptr[o + 1]
    order = np.argsort(lvl.indices[lo:hi], kind="stable")
    return lvl.indices[lo:hi][order].astype(np.int32), lvl.data[lo:hi][order].astype(np.float32)


def _merge(a: tuple[np.ndarray, np.ndarray], bi: np.ndarray, bl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two sparse level rows as one, sorted by concept, the highest level per concept."""
    idx = np.concatenate([a[0], bi]).astype(np.int64)
    lvl = np.concatenate([a[1], bl]).astype(np.float64)
    order = np.lexsort((lvl, idx))
    idx, lvl = idx[order], lvl[order]
    last = np.r_[idx[1:] != idx[:-1], True] if idx.size else np.zeros(0, dtype=bool)
    return idx[last].astype(np.int32), lvl[last].astype(np.float32)


def _as_graph(graph_or_taxonomy: Any, max_neighbours: int) -> RouteGraph:
    from ..taxonomy import Taxonomy as _Taxonomy

    if isinstance(graph_or_taxonomy, RouteGraph):
        return graph_or_taxonomy
    if isinstance(graph_or_taxonomy, _Taxonomy):
        return RouteGraph.build(graph_or_taxonomy, max_neighbours=max_neighbours)
    raise InputError([Problem(f"expected a RouteGraph or a Taxonomy, got {type(graph_or_taxonomy).__name__}",
                              where="find_routes", field="graph")])


def _sector(tx: Taxonomy, sector: str, where: str, field_name: str = "sector") -> np.ndarray:
    if sector not in tx.sectors:
        found = closest(sector, list(tx.sectors)) if tx.sectors else []
        hint = f" (closest: {found[0]!r})" if found else ""
        raise InputError([Problem(f"sector {sector!r} is not a sector of the taxonomy{hint}", where=where,
                                  field=field_name, value=sector)])
    members = tx.occupations_in_sector(sector)
    if members.size == 0:
        raise InputError([Problem(f"sector {sector!r} has no occupations", where=where, field=field_name,
                                  value=sector)])
    return members


def find_routes(
    graph: RouteGraph | Taxonomy,
    start: str | Jobseeker,
    *,
    occupation: str | None = None,
    sector: str | None = None,
    k: int = 3,
    minimise: Minimise = "hours",
    threshold: float | None = None,
    constraints: PlanConstraints | Mapping[str, Any] | None = None,
    exemptions: Exemptions = DEFAULT_EXEMPTIONS,
    today: date | None = None,
    lang: str = "nl",
    max_neighbours: int = MAX_NEIGHBOURS,
    max_steps: int | None = None,
) -> RouteResult:
    """The ``k`` cheapest routes from ``start`` to an occupation or into a sector.

    Parameters
    ----------
    graph : RouteGraph or Taxonomy
        A graph built once with :meth:`RouteGraph.build` (fast), or a taxonomy to build it from.
    start : Jobseeker or str
        A jobseeker (their skills, and their ``occupation`` when given; their planning
        fields and region are the constraints) or an occupation id (someone doing it).
    occupation, sector : str
        The target: an occupation id, or a sector id (routes end at any of its
        occupations other than the start's). Exactly one of the two.
    k : int ≥ 1
        Most routes to return.
    minimise : {"hours", "eur"}
        The cost of a route: study hours or price, summed over its steps.
    threshold : float in [0, 1], optional
        Least similarity for a similarity edge; default :func:`default_threshold`.
    constraints : PlanConstraints or dict, optional
        A dict overrides fields of the jobseeker's own (:meth:`PlanConstraints.for_person`);
        for an occupation start, the fields of a :class:`PlanConstraints`. A
        ``PlanConstraints`` is used as it is.
    exemptions : Exemptions
        The vrijstelling rule of planned steps.
    today : date, optional
        Planning date when the constraints give no ``available_from``; default today.
    lang : {"nl", "en"}
        Language of labels and descriptions.
    max_neighbours : int
        Similar occupations the start profile is joined to, and, when ``graph`` is a
        taxonomy, kept per occupation.
    max_steps : int ≥ 1, optional
        Pass over routes with more steps (functions in between mean working there first;
        the cheapest route may chain several small moves). Default: no limit.

    Returns
    -------
    RouteResult
        Cheapest first; every step explained (module docstring for the rules).

    Raises
    ------
    InputError
        Unknown occupation, sector or skill ids (naming record and field); a bad
        parameter; a start that is already the target; no route to the target, saying
        why: no path step leads there and no occupation is similar enough, the
        training that no module teaches, or the constraints that bind (naming them).
    """
    from ..taxonomy import Taxonomy as _Taxonomy

    p = check_params("find_routes", {name: PARAMETERS[name] for name in
                                     ("k", "minimise", "threshold", "max_neighbours", "max_steps", "constraints",
                                      "exemptions", "today", "lang")},
                     {"k": k, "minimise": minimise, "threshold": threshold, "max_neighbours": max_neighbours,
                      "max_steps": max_steps, "constraints": constraints, "exemptions": exemptions, "today": today,
                      "lang": lang})
    if (occupation is None) == (sector is None):
        raise InputError([Problem("give exactly one target: occupation=... or sector=...", where="find_routes",
                                  field="occupation" if occupation is None else "sector")])
    graph = _as_graph(graph, p["max_neighbours"])
    tx = graph.taxonomy
    assert isinstance(tx, _Taxonomy)
    begin, limits = _resolve_start(graph, start, p["constraints"], p["lang"])
    th = p["threshold"] if p["threshold"] is not None else default_threshold(tx)
    day0 = limits.available_from or p["today"] or date.today()
    search = _Search(graph, begin, limits, p["minimise"], th, day0, p["exemptions"], p["lang"])
    search.max_steps = p["max_steps"]
    if occupation is not None:
        if not isinstance(occupation, str) or occupation not in tx.occupations.index:
            raise InputError([_unknown_occupation(tx, occupation, "find_routes", "occupation")])
        target = tx.occupations.index[occupation]
        if target == begin.occupation:
            raise InputError([Problem(f"the start already is {tx.occupation_label(target, p['lang'])!r}: "
                                      f"there is no route to take", where="find_routes", field="occupation",
                                      value=occupation)])
        members = np.array([target])
        node, target_id, target_label, kind = target, occupation, tx.occupation_label(target, p["lang"]), "occupation"
    else:
        assert sector is not None  # exactly one of occupation and sector is given (checked above)
        members = _sector(tx, sector, "find_routes")
        members = members[members != begin.occupation]
        if members.size == 0:
            raise InputError([Problem(f"the start's own occupation is the only one in sector {sector!r}",
                                      where="find_routes", field="sector", value=sector)])
        node, target_id, kind = search.sink, sector, "sector"
        target_label = tx.sectors[sector].label_nl if p["lang"] == "nl" else (tx.sectors[sector].label_en
                                                                               or tx.sectors[sector].label_nl)
    search.add_path_steps()
    search.add_neighbour_edges(p["max_neighbours"])
    if kind == "sector":
        search.add_arrivals(members)
    search.lower_bounds()
    found, notes = search.cheapest_routes(node, p["k"], p["max_steps"])
    if not found:
        raise InputError([_no_route(search, node, members, target_id, target_label, kind)])
    routes = tuple(search.route(rank, edges) for rank, edges in enumerate(found, 1))
    return RouteResult(routes, begin.node_id, begin.label, target_id, target_label, kind, p["minimise"], th,
                       search.planned, tuple(notes))


def _no_route(search: _Search, node: int, members: np.ndarray, target_id: str, target_label: str,
              kind: str) -> Problem:
    """Why no route reaches the target: structure, untaught training, or binding constraints."""
    where = "find_routes"
    field_name = kind
    over = search.over
    if over:
        name = over[0][0]
        limit = getattr(search.constraints, name)
        cheapest, bound_only = min((v, not exact) for n_, v, exact in over if n_ == name)
        shown = _euro(cheapest) if name == "budget_eur" else f"{cheapest:g} hours"
        shown_limit = _euro(limit) if name == "budget_eur" else f"{limit:g} hours"
        return Problem(f"no route to {target_label!r} fits: the cheapest route needs {'at least ' if bound_only else ''}"
                       f"{shown}, above {name} {shown_limit}", where="constraints", record=target_id, field=name)
    n = search.n + 2
    all_edges = search.edges
    into_target = [e for e in all_edges if e.dst in set(members.tolist()) and e.kind != ARRIVE]
    th = search.threshold
    if not into_target:
        sims = []
        for m in members:
            best = search.start.similarity[m]
            nb, ns = search.graph.neighbours[m], search.graph.neighbour_similarity[m]
            ok = nb >= 0
            sims.append(max(float(best), float(ns[ok].max()) if ok.any() else 0.0))
        best = max(sims) if sims else 0.0
        return Problem(f"no route reaches {target_label!r}: no development path step leads there and no occupation "
                       f"(nor the start profile) is at similarity ≥ {th:g} to it (the highest is {best:.2f})",
                       where=where, record=target_id, field=field_name)
    valid = [e for e in all_edges if e.valid]
    g = sp.csr_matrix((np.ones(len(valid)), ([e.src for e in valid], [e.dst for e in valid])), shape=(n, n))
    hops = csgraph.dijkstra(g, directed=True, indices=search.start_node, unweighted=True)
    reach = np.isfinite(hops)
    if search.max_steps is not None and reach[node]:
        fewest = int(hops[node]) - (kind == "sector")
        return Problem(f"no route to {target_label!r} takes at most {search.max_steps} step(s)"
                       + (f" (the fewest steps found: {fewest})" if fewest > search.max_steps else ""),
                       where=where, record=target_id, field="max_steps")
    every = sp.csr_matrix((np.ones(len(all_edges)), ([e.src for e in all_edges], [e.dst for e in all_edges])),
                          shape=(n, n))
    leads = np.isfinite(csgraph.dijkstra(every.T.tocsr(), directed=True, indices=node, unweighted=True))
    direct = set(members.tolist())
    # the edges that would lead on toward the target, those into the target first
    cut = sorted((search.explain(e) for e in all_edges if not e.valid and reach[e.src] and leads[e.dst]),
                 key=lambda e: (e.dst not in direct, e.cause != "constraints"))
    if not cut:
        return Problem(f"no route reaches {target_label!r}: the functions that lead there are not reachable from "
                       f"the start", where=where, record=target_id, field=field_name)
    untaught = [e for e in cut if e.cause == "untaught"]
    blocked = [e for e in cut if e.cause == "constraints"]
    reasons = []
    binding = sorted({b for e in blocked for b in e.binding})
    if blocked:
        by = f"the constraint(s) {', '.join(binding)}" if binding else "the constraints together"
        reasons.append(f"{by} leave(s) no training: {blocked[0].reason}")
    if untaught:
        reasons.append(f"training that no module teaches: {untaught[0].reason}")
    if cut[0].cause == "untaught":
        reasons.reverse()
    if cut[0].dst not in direct:
        reasons[0] = "the steps that lead toward it are blocked by " + reasons[0]
    if blocked and binding:
        return Problem(f"no route reaches {target_label!r}: " + "; ".join(reasons), where="constraints",
                       record=target_id, field=", ".join(binding))
    return Problem(f"no route reaches {target_label!r}: " + "; ".join(reasons), where=where, record=target_id,
                   field=field_name)
