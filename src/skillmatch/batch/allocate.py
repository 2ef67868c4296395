"""Allocation across a caseload: who goes where when every vacancy has a number of positions.

Plain top-k lists recommend the same few vacancies to many people. From those lists —
per jobseeker the ``indices`` of vacancies and their ``scores``, int (n, k) and float
(n, k) padded with -1 / -inf as the ranking contract has them — and the ``capacities``
(positions per vacancy, int (m,)), this module computes:

**The best assignment** (:func:`optimal_assignment`): each person at most one vacancy of
their list, each vacancy at most its capacity, the total score as high as it can be. This
is a maximum-weight bipartite b-matching; as a linear programme

.. math::

    \\max \\sum_{(i,j)} s_{ij} x_{ij} \\quad \\text{s.t.} \\quad \\sum_j x_{ij} \\le 1,\\;
    \\sum_i x_{ij} \\le c_j,\\; x \\ge 0,

its constraint matrix is the incidence matrix of a bipartite graph, which is totally
unimodular, so every vertex of the feasible set is integral and a simplex method (HiGHS'
dual simplex through :func:`scipy.optimize.linprog`) returns a 0/1 solution. The solution
is checked for integrality and feasibility; should rounding ever fail the check, the batch
is solved again as a MILP (:func:`scipy.optimize.milp`). Before solving, the problem is
reduced without changing the optimum: a vacancy listed by no more people than it has
positions cannot be over-filled and loses its constraint; a person whose whole list is such
vacancies takes the best of them; what remains is split into connected components (in a
national run, mostly the regions), solved in batches. Among assignments of equal total,
the one returned is the solver's: deterministic for the same input and SciPy version, but
not ordered by index.

**A stable assignment** (:func:`stable_assignment`): deferred acceptance with people
proposing, each in the order of their scores (ties: lower vacancy index first); a vacancy
holds the best proposals up to its capacity, ranking people by the same score (ties: lower
person index first). The result is the person-optimal stable assignment: no person and
vacancy would both rather have each other than what they got (no blocking pair), and it
does not depend on the order in which proposals are handled.

**Congestion figures** (:func:`congestion`): for the top-k lists, their first choices, and
each assignment — people per vacancy (mean over all vacancies, maximum, distribution), the
share of vacancies nobody gets (recommended to, or assigned), the share with more people
than positions, and the Gini coefficient of exposure.

Only pairs with a score above ``min_score`` (default 0) are acceptable: a pair that adds
nothing to the total is never assigned. Results are plain dataclasses of NumPy arrays.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

import numpy as np

from ..params import Number, check_params
from ..problems import InputError

UNASSIGNED = -1
_BATCH_EDGES = 200_000  # components are solved together until a batch has this many pairs


@dataclass(frozen=True)
class Assignment:
    """Who goes where.

    Attributes
    ----------
    method : {"optimal", "stable"}
    vacancy : ndarray of int32, shape (n,)
        The vacancy (index into the capacities) of each person, -1 when none.
    score : ndarray of float32, shape (n,)
        The score of that pair, -inf when none.
    rank : ndarray of int32, shape (n,)
        The position of that vacancy in the person's list (0 = first), -1 when none.
    total_score : float
        Sum of the assigned scores (float64).
    """

    method: Literal["optimal", "stable"]
    vacancy: np.ndarray
    score: np.ndarray
    rank: np.ndarray
    total_score: float

    @property
    def n_assigned(self) -> int:
        return int((self.vacancy >= 0).sum())

    def people_per_vacancy(self, n_vacancies: int) -> np.ndarray:
        """int64 (n_vacancies,): how many people each vacancy got."""
        return np.bincount(self.vacancy[self.vacancy >= 0], minlength=n_vacancies).astype(np.int64)


@dataclass(frozen=True)
class Congestion:
    """How people spread over vacancies in one set of recommendations or assignments.

    Attributes
    ----------
    name : str
        ``top_k``, ``top_1``, ``optimal``, ``stable`` or the caller's name.
    people_per_vacancy : ndarray of int64, shape (m,)
    distribution : ndarray of int64
        ``distribution[c]`` vacancies have ``c`` people (``np.bincount``).
    mean, max : float, int
        Over all m vacancies, including those nobody gets.
    share_none : float
        Share of the vacancies that nobody gets.
    share_over_capacity : float or None
        Share of the vacancies with more people than positions (None without capacities).
    gini : float
        Gini coefficient of ``people_per_vacancy`` (0 = everyone equally exposed, towards
        1 = all on one vacancy; 0 when nobody is counted at all).
    """

    name: str
    people_per_vacancy: np.ndarray
    distribution: np.ndarray
    mean: float
    max: int
    share_none: float
    share_over_capacity: float | None
    gini: float

    def to_dict(self) -> dict[str, Any]:
        """The figures without the per-vacancy array, for JSON reports."""
        return {"name": self.name, "mean": self.mean, "max": self.max, "share_none": self.share_none,
                "share_over_capacity": self.share_over_capacity, "gini": self.gini,
                "distribution": self.distribution.tolist()}


@dataclass(frozen=True)
class Allocation:
    """The assignments and the congestion figures of one caseload (:func:`allocate_caseload`)."""

    optimal: Assignment | None
    stable: Assignment | None
    congestion: dict[str, Congestion] = field(default_factory=dict)


# --- the one conversion point -------------------------------------------------------------------


@dataclass(frozen=True)
class _Pairs:
    """Acceptable (person, vacancy, score) pairs, sorted by person, then score descending, then vacancy."""

    n: int
    m: int
    person: np.ndarray  # int64
    vacancy: np.ndarray  # int64
    score: np.ndarray  # float64
    rank: np.ndarray  # int32: the column in the person's list
    capacities: np.ndarray  # int64 (m,)


def _pairs(indices: Any, scores: Any, capacities: Any, min_score: float) -> _Pairs:
    min_score = check_params("allocate", {"min_score": Number()}, {"min_score": min_score})["min_score"]
    indices = np.asarray(indices)
    scores = np.asarray(scores)
    capacities = np.asarray(capacities)
    if indices.ndim != 2 or scores.shape != indices.shape:
        raise InputError(f"indices and scores: expected two arrays of shape (n, k), got {indices.shape} and "
                         f"{scores.shape}")
    if indices.size and not np.issubdtype(indices.dtype, np.integer):
        raise InputError(f"indices: expected integers, got dtype {indices.dtype}")
    if scores.size and not np.issubdtype(scores.dtype, np.floating):
        raise InputError(f"scores: expected floats, got dtype {scores.dtype}")
    if capacities.ndim != 1 or (capacities.size and not np.issubdtype(capacities.dtype, np.integer)):
        raise InputError(f"capacities: expected a 1-d array of integers, got shape {capacities.shape} and dtype "
                         f"{capacities.dtype}")
    if capacities.size and capacities.min() < 0:
        raise InputError(f"capacities: expected non-negative numbers of positions, found {int(capacities.min())} "
                         f"at vacancy {int(np.argmin(capacities))}")
    m = len(capacities)
    if indices.size and (indices.min() < -1 or indices.max() >= m):
        bad = indices[(indices < -1) | (indices >= m)][0]
        raise InputError(f"indices: expected -1 (padding) or a vacancy from 0 to {m - 1} (len(capacities) = {m}), "
                         f"found {int(bad)}")
    listed = indices >= 0
    if np.isnan(scores[listed]).any():
        row = int(np.flatnonzero((listed & np.isnan(scores)).any(axis=1))[0])
        raise InputError(f"scores row {row}: expected numbers for the listed vacancies, found NaN")
    _check_unique_rows(indices, listed)
    with np.errstate(invalid="ignore"):
        keep = listed & np.isfinite(scores) & (scores > min_score)
    person, rank = np.nonzero(keep)
    vacancy = indices[person, rank].astype(np.int64)
    score = scores[person, rank].astype(np.float64)
    order = np.lexsort((vacancy, -score, person))
    return _Pairs(len(indices), m, person[order].astype(np.int64), vacancy[order], score[order],
                  rank[order].astype(np.int32), capacities.astype(np.int64))


def _check_unique_rows(indices: np.ndarray, listed: np.ndarray) -> None:
    if indices.shape[1] < 2:
        return
    ordered = np.sort(np.where(listed, indices, -1), axis=1)
    repeated = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    if repeated.any():
        row = int(np.flatnonzero(repeated.any(axis=1))[0])
        raise InputError(f"indices row {row}: a vacancy is listed twice, found {indices[row].tolist()}")


def _assignment(method: Literal["optimal", "stable"], pairs: _Pairs, chosen: np.ndarray) -> Assignment:
    vacancy = np.full(pairs.n, UNASSIGNED, np.int32)
    score = np.full(pairs.n, -np.inf, np.float32)
    rank = np.full(pairs.n, -1, np.int32)
    people = pairs.person[chosen]
    vacancy[people] = pairs.vacancy[chosen]
    score[people] = pairs.score[chosen]
    rank[people] = pairs.rank[chosen]
    return Assignment(method, vacancy, score, rank, float(pairs.score[chosen].sum()))


# --- the best assignment --------------------------------------------------------------------------


def optimal_assignment(indices, scores, capacities, *, min_score: float = 0.0) -> Assignment:
    """The assignment with the highest total score under the capacities.

    Parameters
    ----------
    indices : array of int, shape (n, k)
        Per person the vacancies of their list, padded with -1.
    scores : array of float, shape (n, k)
        The score of each listed pair, padded with -inf.
    capacities : array of int, shape (m,)
        Positions per vacancy (0 = the vacancy takes nobody).
    min_score : float
        Pairs scoring ``min_score`` or less are not assigned.

    Returns
    -------
    Assignment
        ``method="optimal"``. Empty input gives an assignment of nobody.

    Notes
    -----
    See the module docstring for the linear programme, why its solution is integral, and
    the reductions made before solving. Memory and time grow with the number of listed
    pairs (n × k), never with n × m.
    """
    pairs = _pairs(indices, scores, capacities, min_score)
    chosen = np.zeros(len(pairs.person), bool)
    if not len(chosen):
        return _assignment("optimal", pairs, chosen)
    usable = pairs.capacities[pairs.vacancy] > 0
    demand = np.bincount(pairs.vacancy[usable], minlength=pairs.m)
    binding = demand > pairs.capacities  # only these vacancies can be over-filled
    edge_binding = usable & binding[pairs.vacancy]
    person_binding = np.zeros(pairs.n, bool)
    person_binding[pairs.person[edge_binding]] = True
    # a person who lists no binding vacancy takes the best usable one: nobody else competes
    free = usable & ~person_binding[pairs.person]
    chosen[_first_per_person(pairs.person, free)] = True
    lp = usable & person_binding[pairs.person]
    if lp.any():
        for batch in _batches(pairs, lp, binding):
            chosen[batch[_solve_lp(pairs, batch, binding)]] = True
    return _assignment("optimal", pairs, chosen)


def _first_per_person(person: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Positions of the first ``mask`` pair of each person (pairs are sorted best first per person)."""
    where = np.flatnonzero(mask)
    if not len(where):
        return where
    people = person[where]
    return where[np.r_[True, people[1:] != people[:-1]]]


def _batches(pairs: _Pairs, lp: np.ndarray, binding: np.ndarray) -> list[np.ndarray]:
    """Pair positions of the LP, grouped by connected component (people linked through binding vacancies)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    link = lp & binding[pairs.vacancy]
    n, m = pairs.n, pairs.m
    graph = sp.coo_matrix((np.ones(int(link.sum()), np.int8), (pairs.person[link], n + pairs.vacancy[link])),
                          shape=(n + m, n + m))
    _, label = connected_components(graph, directed=False)
    positions = np.flatnonzero(lp)
    component = label[pairs.person[positions]]
    order = np.argsort(component, kind="stable")
    positions, component = positions[order], component[order]
    starts = np.flatnonzero(np.r_[True, component[1:] != component[:-1]])
    bounds = np.r_[starts, len(positions)]
    batches, current, size = [], [], 0
    for a, b in pairwise(bounds.tolist()):
        current.append(positions[a:b])
        size += b - a
        if size >= _BATCH_EDGES:
            batches.append(np.concatenate(current))
            current, size = [], 0
    if current:
        batches.append(np.concatenate(current))
    return [np.sort(batch) for batch in batches]


def _solve_lp(pairs: _Pairs, batch: np.ndarray, binding: np.ndarray) -> np.ndarray:
    """Boolean mask over ``batch``: the pairs of an optimal integral solution."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    people, person_row = np.unique(pairs.person[batch], return_inverse=True)
    vacancy = pairs.vacancy[batch]
    on_binding = binding[vacancy]
    vacancies, vacancy_row = np.unique(vacancy[on_binding], return_inverse=True)
    n_pairs = len(batch)
    columns = np.arange(n_pairs)
    rows = np.concatenate([person_row, len(people) + vacancy_row])
    cols = np.concatenate([columns, columns[on_binding]])
    a_ub = sp.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(people) + len(vacancies), n_pairs))
    b_ub = np.concatenate([np.ones(len(people)), pairs.capacities[vacancies].astype(np.float64)])
    cost = -pairs.score[batch]
    # dual simplex without presolve: a vertex (hence integral) solution, and measured fastest on these LPs
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs-ds", options={"presolve": False})
    if result.status == 0:
        x = np.asarray(result.x)
        chosen = x > 0.5
        if np.abs(x - chosen).max(initial=0.0) <= 1e-6 and _feasible(a_ub, b_ub, chosen):
            return chosen
    return _solve_milp(cost, a_ub, b_ub)


def _feasible(a_ub, b_ub: np.ndarray, chosen: np.ndarray) -> bool:
    return bool((a_ub @ chosen.astype(np.float64) <= b_ub + 1e-9).all())


def _solve_milp(cost: np.ndarray, a_ub, b_ub: np.ndarray) -> np.ndarray:
    from scipy.optimize import Bounds, LinearConstraint, milp

    result = milp(cost, constraints=LinearConstraint(a_ub, -np.inf, b_ub), integrality=np.ones(len(cost)),
                  bounds=Bounds(0, 1))
    if result.status != 0 or result.x is None:  # pragma: no cover - a b-matching always has a solution
        raise RuntimeError(f"allocation: the solver failed ({result.message})")
    return np.asarray(result.x) > 0.5


# --- the stable assignment ------------------------------------------------------------------------


def stable_assignment(indices, scores, capacities, *, min_score: float = 0.0) -> Assignment:
    """The person-optimal stable assignment by deferred acceptance.

    Parameters and returns as for :func:`optimal_assignment` (``method="stable"``).
    People propose down their list in score order (ties: lower vacancy index first); a
    vacancy keeps the best proposals up to its capacity by the same score (ties: lower
    person index first) and rejects the rest. Each person proposes at most k times, so
    the work is O(n k log c) for capacities c.
    """
    pairs = _pairs(indices, scores, capacities, min_score)
    starts = np.searchsorted(pairs.person, np.arange(pairs.n + 1))
    start, stop = starts[:-1].tolist(), starts[1:].tolist()
    vacancy_of, score_of = pairs.vacancy.tolist(), pairs.score.tolist()
    capacity = pairs.capacities.tolist()
    held: list[list[tuple[float, int, int]]] = [[] for _ in range(pairs.m)]  # min-heaps: worst held on top
    next_pair = list(start)
    waiting = deque(i for i in range(pairs.n) if start[i] < stop[i])
    while waiting:
        person = waiting.popleft()
        while next_pair[person] < stop[person]:
            e = next_pair[person]
            next_pair[person] += 1
            v = vacancy_of[e]
            if capacity[v] == 0:
                continue
            heap = held[v]
            offer = (score_of[e], -person, e)  # higher score, then lower person index, is better
            if len(heap) < capacity[v]:
                heapq.heappush(heap, offer)
                break
            if offer > heap[0]:
                rejected = heapq.heapreplace(heap, offer)
                waiting.append(-rejected[1])
                break
    chosen = np.zeros(len(pairs.person), bool)
    for heap in held:
        for _, _, e in heap:
            chosen[e] = True
    return _assignment("stable", pairs, chosen)


# --- congestion ------------------------------------------------------------------------------------


def gini(counts: Any) -> float:
    """Gini coefficient of non-negative counts: ``sum_i sum_j |x_i - x_j| / (2 n sum x)``; 0 for no counts."""
    x = np.sort(np.asarray(counts, np.float64).ravel())
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float((2.0 * (i * x).sum()) / (n * total) - (n + 1.0) / n)


def exposure(indices: Any, n_vacancies: int, *, depth: int | None = None) -> np.ndarray:
    """int64 (n_vacancies,): how many lists hold each vacancy within their first ``depth`` places (all by default)."""
    indices = np.asarray(indices)
    if indices.ndim != 2:
        raise InputError(f"indices: expected an array of shape (n, k), got shape {indices.shape}")
    shown = indices[:, :depth] if depth is not None else indices
    shown = shown[shown >= 0]
    if shown.size and shown.max() >= n_vacancies:
        raise InputError(f"indices: expected vacancies below {n_vacancies}, found {int(shown.max())}")
    return np.bincount(shown, minlength=n_vacancies).astype(np.int64)


def congestion(people_per_vacancy: Any, capacities: Any = None, *, name: str = "") -> Congestion:
    """Congestion figures of one spread of people over vacancies (see :class:`Congestion`).

    ``people_per_vacancy`` comes from :func:`exposure` (recommendations) or
    :meth:`Assignment.people_per_vacancy` (assignments).
    """
    counts = np.asarray(people_per_vacancy, np.int64).ravel()
    m = len(counts)
    over = None
    if capacities is not None:
        capacities = np.asarray(capacities).ravel()
        if capacities.shape != counts.shape:
            raise InputError(f"capacities: expected {m} values (one per vacancy), got {capacities.shape[0]}")
        over = float((counts > capacities).mean()) if m else 0.0
    return Congestion(name=name, people_per_vacancy=counts, distribution=np.bincount(counts).astype(np.int64),
                      mean=float(counts.mean()) if m else 0.0, max=int(counts.max(initial=0)),
                      share_none=float((counts == 0).mean()) if m else 0.0, share_over_capacity=over,
                      gini=gini(counts))


def allocate_caseload(indices, scores, capacities, *, methods: tuple[str, ...] = ("optimal", "stable"),
                      min_score: float = 0.0) -> Allocation:
    """Both assignments and the congestion of ``top_k``, ``top_1`` and each assignment.

    Parameters as for :func:`optimal_assignment`; ``methods`` picks the assignments.
    """
    if isinstance(methods, str) or not methods:  # "optimal" is one method, not seven letters
        raise InputError(f"methods: expected 'optimal' and/or 'stable' in a list or tuple, got {methods!r}")
    unknown = [m for m in methods if m not in ("optimal", "stable")]
    if unknown:
        raise InputError(f"methods: expected 'optimal' and/or 'stable', got {unknown}")
    solvers = {"optimal": optimal_assignment, "stable": stable_assignment}
    done = {m: solvers[m](indices, scores, capacities, min_score=min_score) for m in methods}
    capacities = np.asarray(capacities)
    m = len(capacities)
    figures = {"top_k": congestion(exposure(indices, m), capacities, name="top_k"),
               "top_1": congestion(exposure(indices, m, depth=1), capacities, name="top_1")}
    for method, assignment in done.items():
        figures[method] = congestion(assignment.people_per_vacancy(m), capacities, name=method)
    return Allocation(done.get("optimal"), done.get("stable"), figures)
