"""Regional analysis for programme managers: supply and demand per sector, shortage skills,
and the portfolio of K modules to commission.

Everything is computed over one regional caseload (jobseekers) and its vacancies, with
the matcher's own score (``Matcher(tx)`` defaults unless a matcher is given).

The rules
---------
**Sector.** A vacancy's sector is its own ``sector`` or else its occupation's; a
jobseeker's sector of origin is that of their current or last occupation. Records
without one count under ``""`` (Overig / onbekend).

**Match.** A (person, vacancy) pair is a match when its score is at least the threshold
``θ`` (default: the one of the score, :data:`~.unlock.MATCH_THRESHOLDS` — 0.5 for the
default ``fit`` — chosen as documented in :mod:`.unlock`).
Pairs are looked for among each person's top ``reach`` vacancies (default 100; the
ranking applies the filters: travel, hours, support): a *match* is one of those at or
above ``θ``, a *near miss* one below it.

**Demand, supply, shortage** per sector ``s`` and skill ``t`` (units: weighted vacancy
positions and people):

- demand ``D[s,t] = Σ_{v in s} positions_v · w_{v,t}``, with ``w`` the importance weight
  (somewhat 0.5, important 0.75, essential 1.0 — the matcher's weights);
- the level asked ``L[s,t]``: the demand-weighted mean required level;
- supply ``S[s,t] = Σ_p min(1, e_{p,t} / L[s,t])``: the jobseekers who have the skill at
  that level, counting a lower level (or one credited through a related skill, ``e`` is
  the effective level) for the share it reaches;
- coverage ``C[s,t] = min(1, S[s,t] / Σ_s' D[s',t])``: supply against the demand for the
  skill in the whole region (the same people can fill positions in any sector);
- shortage ``D[s,t] · (1 − C[s,t])``: the part of the sector's demand the region's supply
  does not cover. The shortage skills of a sector are its skills by shortage, largest
  first. With them, ``blocking[s,t]``: in how many near misses (person, vacancy in
  ``s``) the skill is unmet, and the coverage points it costs there in total (``Σ w ·
  shortfall / total weight`` over those pairs, from the gap matrix).

**Portfolio.** For person ``p`` and module bundle ``m`` (a module with the prerequisites
it needs; :mod:`.unlock`), ``W[p,m]`` is the sum of the scores, after ``p`` completes
``m``, of the near misses it lifts to ``θ`` or more (exactly as for one person,
:func:`skillmatch.kernels.unlock_scan`). Each person is assumed to follow **one** bundle of
the portfolio — the one that serves them best — so a portfolio ``M`` of ``K`` modules is
worth

    f(M) = Σ_p max_{m ∈ M} min(cap, W[p, m])

with ``cap`` (default 3.0, about three good matches) so that a few people with very many
unlocked vacancies do not outweigh reaching more people: "the most matches for the most
people". ``f`` is a facility-location (weighted coverage) function: with non-negative
weights it is **monotone** (adding a module never lowers a person's best) and
**submodular** (a module adds ``Σ_p max(0, w_pm − best_p(M))``, which can only shrink as
``M`` grows and each ``best_p`` rises). So the greedy choice (repeatedly the module with
the largest gain; ties by catalogue order) reaches at least ``1 − 1/e ≈ 0.632`` of the
optimum (Nemhauser, Wolsey & Fisher 1978), and the run also certifies an upper bound on
the optimum: for every prefix ``S`` of the greedy order, ``OPT ≤ f(S) + Σ`` of the ``K``
largest gains with respect to ``S`` (submodularity); the smallest such bound is reported,
so the actual guarantee (``objective / upper_bound``) is usually far better than 0.632.
Had each person been assumed to follow *every* module of the portfolio, the objective
would not be submodular: two modules that together open a vacancy neither opens alone
are worth more together than the sum of their gains (complementarity), and greedy would
carry no guarantee. When ``C(n, K)`` (``n`` the modules that unlock anything) is at most
``exact_limit`` the optimum is found by enumeration instead (``method="auto"``); tests
check the greedy against it on small cases.

Per-person constraints (language level, budget, delivery) are left to the plans; the
portfolio considers the modules offered in the region (or everywhere), and a module
needing more Dutch than a person's known level does not count for that person.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .. import kernels
from ..models import CEFR_CODES, Jobseeker, Vacancy
from ..params import Custom, Integer, OneOf, Optional, check_params
from ..problems import InputError, Problem
from .catalogue import Catalogue
from .gaps import GapMatrix, gap_matrix
from .unlock import (
    THRESHOLD,
    UNKNOWN_LANGUAGE,
    Bundles,
    check_catalogue,
    module_bundles,
    overlay_applies,
    prerequisite_closure,
    threshold_for,
    trained_people,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..match import CandidateIndex

#: Default cap on one person's value in the portfolio objective (about three good matches).
DEFAULT_CAP = 3.0
#: Default number of top-ranked vacancies per person in which matches and near misses are looked for.
DEFAULT_REACH = 100
#: ``method="auto"`` enumerates every portfolio when there are at most this many.
EXACT_LIMIT = 20_000
OTHER_SECTOR = ""


# --- the portfolio choice, on arrays -------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PortfolioChoice:
    """Which columns of a value matrix make the best portfolio of ``k``.

    Attributes
    ----------
    selected : ndarray of int64, shape (<= k,)
        Chosen columns in the order chosen (greedy), or, for the exact optimum, in the
        order of their greedy gains within the set.
    gains : ndarray of float64
        The objective each adds to the ones before it.
    objective : float
        ``f(selected)``.
    upper_bound : float
        An upper bound on the best possible ``f`` of ``k`` columns (= ``objective`` when exact).
    method : str
        ``"greedy"`` or ``"exact"``.
    """

    selected: np.ndarray
    gains: np.ndarray
    objective: float
    upper_bound: float
    method: str

    @property
    def certified(self) -> float:
        """``objective / upper_bound``: the share of the optimum reached at least (1 when both are 0)."""
        return 1.0 if self.upper_bound <= 0 else self.objective / self.upper_bound


def portfolio_value(values: sp.csr_matrix, columns: Sequence[int], cap: float = math.inf) -> float:
    """``f(columns) = Σ_rows max_{c in columns} min(cap, values[row, c])`` (0 for no columns)."""
    columns = list(columns)
    if not columns:
        return 0.0
    sub = sp.csc_matrix(values)[:, columns].tocsr()
    sub.data = np.minimum(sub.data, cap)
    return float(np.asarray(sub.max(axis=1).todense()).ravel().sum())


def _positive(value: object) -> float:
    """A number > 0, infinity included (no cap)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not float(value) > 0:
        raise ValueError
    return float(value)


#: The parameters of :func:`select_portfolio`, checked at once (:func:`~skillmatch.params.check_params`).
PORTFOLIO_PARAMETERS = {
    "k": Integer(1),
    "cap": Custom(_positive, "a number > 0 (inf: no cap)"),
    "method": OneOf(("auto", "greedy", "exact")),
    "exact_limit": Integer(1),
}
#: The parameters of :func:`regional_analysis`: the portfolio's, and these.
PARAMETERS = {
    "k_modules": Integer(1),
    "reach": Integer(1),
    "n_shortages": Integer(1),
    **{name: spec for name, spec in PORTFOLIO_PARAMETERS.items() if name != "k"},
    "threshold": THRESHOLD,
    "n_threads": Optional(Integer(1, 4096)),
}


def select_portfolio(values: sp.spmatrix, k: int, *, cap: float = math.inf, method: str = "auto",
                     exact_limit: int = EXACT_LIMIT) -> PortfolioChoice:
    """The ``k`` columns of ``values`` that maximise ``f(M) = Σ_rows max_{c∈M} min(cap, values[row, c])``.

    Parameters
    ----------
    values : sparse matrix (rows × columns) of non-negative float
        E.g. people × module bundles.
    k : int ≥ 1
    cap : float > 0
        Cap on one row's value.
    method : {"auto", "greedy", "exact"}
        Greedy (``1 − 1/e`` guarantee, a posteriori bound reported), enumeration of every
        set of ``min(k, n)`` columns among the ``n`` with any value (``"exact"``; refused above
        ``exact_limit`` sets), or exact when at most ``exact_limit`` sets, else greedy.

    Returns
    -------
    PortfolioChoice
        Fewer than ``k`` columns when fewer have any value.
    """
    where = "select_portfolio"
    p = check_params(where, PORTFOLIO_PARAMETERS, {"k": k, "cap": cap, "method": method, "exact_limit": exact_limit})
    k, cap, method, exact_limit = p["k"], p["cap"], p["method"], p["exact_limit"]
    if not sp.issparse(values):
        raise InputError([Problem("expected a scipy sparse matrix", where=where, field="values")])
    w = sp.csc_matrix(values, dtype=np.float64)
    w.sum_duplicates()
    if w.nnz and (not np.isfinite(w.data).all() or w.data.min() < 0):
        raise InputError([Problem("expected finite values ≥ 0", where=where, field="values")])
    w.data = np.minimum(w.data, cap)
    w.eliminate_zeros()
    useful = np.flatnonzero(np.diff(w.indptr) > 0)
    size = min(int(k), len(useful))
    n_sets = math.comb(len(useful), size)
    if method == "exact" and n_sets > exact_limit:
        raise InputError([Problem(f"{n_sets} portfolios to enumerate, more than exact_limit={exact_limit}; use "
                                  "method='greedy' or 'auto'", where=where, field="method", value=method)])
    greedy = _greedy(w, int(k))
    if method == "greedy" or (method == "auto" and n_sets > exact_limit):
        return greedy
    return _exact(w, useful, size, greedy)


def _greedy(w: sp.csc_matrix, k: int) -> PortfolioChoice:
    n_rows, n_cols = w.shape
    cols = np.repeat(np.arange(n_cols), np.diff(w.indptr))
    rows, data = w.indices, w.data
    best = np.zeros(n_rows)
    chosen = np.zeros(n_cols, bool)
    selected: list[int] = []
    gains: list[float] = []
    value, bound = 0.0, math.inf
    for _ in range(k + 1):
        gain = np.bincount(cols, weights=np.maximum(data - best[rows], 0.0), minlength=n_cols)
        gain[chosen] = 0.0
        top = np.sort(gain)[::-1][:k]
        bound = min(bound, value + float(top.sum()))
        if len(selected) == k:
            break
        j = int(np.argmax(gain))  # the first of equal gains: the lowest column
        if gain[j] <= 0:
            break
        lo, hi = w.indptr[j], w.indptr[j + 1]
        best[rows[lo:hi]] = np.maximum(best[rows[lo:hi]], data[lo:hi])
        chosen[j] = True
        selected.append(j)
        gains.append(float(gain[j]))
        value = float(best.sum())
    return PortfolioChoice(np.array(selected, np.int64), np.array(gains), value, max(bound, value), "greedy")


def _exact(w: sp.csc_matrix, useful: np.ndarray, size: int, greedy: PortfolioChoice) -> PortfolioChoice:
    if size == 0:
        return PortfolioChoice(np.zeros(0, np.int64), np.zeros(0), 0.0, 0.0, "exact")
    rows = np.flatnonzero(np.diff(w.tocsr().indptr) > 0)
    dense = w[:, useful].toarray()[rows]  # people with any value × useful columns
    best_value, best_set = -1.0, None
    for subset in combinations(range(len(useful)), size):  # lexicographic: the first of equal optima wins
        value = float(dense[:, subset].max(axis=1).sum())
        if value > best_value * (1 + 1e-12) + 1e-12:
            best_value, best_set = value, subset
    # order the optimal set by greedy gains within it, for display
    assert best_set is not None  # size >= 1 and useful columns exist: some subset was scored
    chosen = list(best_set)
    order, gains, current = [], [], np.zeros(len(rows))
    while chosen:
        g = [float(np.maximum(dense[:, c] - current, 0).sum()) for c in chosen]
        i = int(np.argmax(g))
        c = chosen.pop(i)
        order.append(int(useful[c]))
        gains.append(g[i])
        current = np.maximum(current, dense[:, c])
    value = float(current.sum())
    return PortfolioChoice(np.array(order, np.int64), np.array(gains), value, value, "exact")


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectorFigures:
    """Supply and demand in one sector.

    vacancies, positions : vacancies and the positions they offer
    jobseekers_from : jobseekers whose (last) occupation is in the sector
    jobseekers_matched : jobseekers with at least one match in the sector now
    vacancies_matched : vacancies with at least one matching jobseeker now
    jobseekers_matched_after, vacancies_matched_after : the same after every person follows
        their best module of the portfolio
    """

    sector: str
    label: str
    crucial: bool
    vacancies: int
    positions: int
    jobseekers_from: int
    jobseekers_matched: int
    vacancies_matched: int
    jobseekers_matched_after: int
    vacancies_matched_after: int


@dataclass(frozen=True)
class ShortageSkill:
    """One skill short in one sector (formulas: module docstring)."""

    sector: str
    concept: str
    label: str
    demand: float
    level: float
    supply: float
    coverage: float
    shortage: float
    near_misses: int
    blocking: float


@dataclass(frozen=True, eq=False)
class Portfolio:
    """The modules to commission, and what they unlock.

    Attributes
    ----------
    modules, titles : tuple of str
        In the order chosen (the first adds most).
    bundles : tuple of tuple of str
        Each module with the prerequisites it needs.
    cost_eur, hours : ndarray of float64
        Per participant, of each bundle.
    gains : ndarray of float64
        What each adds to the objective after the ones before it.
    objective, upper_bound : float
        ``f(portfolio)`` and a proven upper bound on the best ``f`` of ``k`` modules.
    method : str
        ``"greedy"`` or ``"exact"``.
    people, matches : ndarray of int64
        Per module: the people for whom it is their best module of the portfolio, and the
        vacancies it lifts over the threshold for them.
    people_reached, matches_unlocked : int
        Totals over the portfolio (each person counted once, with their best module).
    assignment : ndarray of int64, shape (n_jobseekers,)
        Each jobseeker's module (position in ``modules``), -1 for none.
    """

    modules: tuple[str, ...]
    titles: tuple[str, ...]
    bundles: tuple[tuple[str, ...], ...]
    cost_eur: np.ndarray
    hours: np.ndarray
    gains: np.ndarray
    objective: float
    upper_bound: float
    method: str
    people: np.ndarray
    matches: np.ndarray
    people_reached: int
    matches_unlocked: int
    assignment: np.ndarray

    def __len__(self) -> int:
        return len(self.modules)

    @property
    def certified(self) -> float:
        """The share of the optimum the portfolio is proven to reach (``objective / upper_bound``)."""
        return 1.0 if self.upper_bound <= 0 else self.objective / self.upper_bound


@dataclass(frozen=True, eq=False)
class RegionalAnalysis:
    """What :func:`regional_analysis` found (see the module docstring for every rule).

    Attributes
    ----------
    region : str or None
    threshold, cap : float
    reach : int
    jobseeker_ids, vacancy_ids : tuple of str
    n_positions : int
    matched_now, matched_after : int
        Jobseekers with at least one match now, and after their best portfolio module.
    sectors : tuple of SectorFigures
        Sectors with vacancies or jobseekers, crucial sectors first, then by positions.
    shortages : tuple of ShortageSkill
        Per sector its ``n_shortages`` largest shortages (> 0), sectors as in ``sectors``.
    portfolio : Portfolio
    sector_ids : tuple of str
        Rows of the matrices below (every sector with demand or supply).
    demand, supply, shortage : ndarray of float64, shape (len(sector_ids), n_concepts)
    matches : ndarray of int32, shape (n_jobseekers, reach)
        Vacancy positions of each person's matches now (-1 padded).
    near_misses : GapMatrix
        The gaps of every near miss (person, vacancy below the threshold in the top ``reach``).
    unlocked : list of ndarray of int32
        Per jobseeker, the vacancies their portfolio module lifts over the threshold.
    index : CandidateIndex
        The fitted vacancies, for explanations and plans.
    jobseekers : list of Jobseeker
        The caseload analysed (after the region filter).
    vacancies : list of Vacancy
    """

    region: str | None
    threshold: float
    cap: float
    reach: int
    jobseeker_ids: tuple[str, ...]
    vacancy_ids: tuple[str, ...]
    n_positions: int
    matched_now: int
    matched_after: int
    sectors: tuple[SectorFigures, ...]
    shortages: tuple[ShortageSkill, ...]
    portfolio: Portfolio
    sector_ids: tuple[str, ...]
    demand: np.ndarray
    supply: np.ndarray
    shortage: np.ndarray
    matches: np.ndarray
    near_misses: GapMatrix
    unlocked: list
    index: CandidateIndex
    jobseekers: list
    vacancies: list
    catalogue: Catalogue


# --- the analysis ------------------------------------------------------------------------------


def _records(records: object, kind: type, where: str, region: str | None) -> list:
    try:
        items = list(records)  # type: ignore[call-overload]
    except TypeError:
        raise InputError([Problem(f"expected a list of {kind.__name__} records, got {type(records).__name__}",
                                  where=where)]) from None
    wrong = [i for i, r in enumerate(items) if not isinstance(r, kind)]
    if wrong:
        raise InputError([Problem(f"expected {kind.__name__} records, got {type(items[i]).__name__}", where=where,
                                  field=f"[{i}]") for i in wrong[:5]])
    if region is not None:
        items = [r for r in items if r.region == region]
    if not items:
        raise InputError([Problem(f"no {kind.__name__} records{f' in region {region!r}' if region else ''}",
                                  where=where)])
    return items


def _sector_of_occupation(taxonomy, occupation: str | None) -> str:
    o = taxonomy.occupations.index.get(occupation or "")
    return (taxonomy.occupation_sector[o] or OTHER_SECTOR) if o is not None else OTHER_SECTOR


def regional_analysis(taxonomy, jobseekers: Sequence[Jobseeker], vacancies: Sequence[Vacancy], *,
                      region: str | None = None, k_modules: int = 10, matcher=None,
                      catalogue: Catalogue | None = None, threshold: float | None = None,
                      reach: int = DEFAULT_REACH, cap: float = DEFAULT_CAP, method: str = "auto",
                      exact_limit: int = EXACT_LIMIT, n_shortages: int = 10,
                      n_threads: int | None = None) -> RegionalAnalysis:
    """Supply and demand per sector, shortage skills and the module portfolio for a region.

    Parameters
    ----------
    taxonomy : Taxonomy
    jobseekers, vacancies : lists of Jobseeker and Vacancy
        The caseload and its vacancies (with ``region``: only the records of that region).
    region : str, optional
        An arbeidsmarktregio id: records elsewhere are left out, and only modules offered
        there (or everywhere) are considered.
    k_modules : int ≥ 1
        Portfolio size K.
    matcher : Matcher, optional
        Its parameters are used (it is refitted on ``vacancies``); default ``Matcher(taxonomy)``.
    catalogue : Catalogue, optional
        Default: the taxonomy's modules.
    threshold : float in (0, 1], optional
        Default: the one of the matcher's score (:data:`~.unlock.MATCH_THRESHOLDS`).
    reach : int ≥ 1
        Top vacancies per person in which matches and near misses are looked for.
    cap : float > 0
        Cap on one person's value in the portfolio objective.
    method : {"auto", "greedy", "exact"}
        See :func:`select_portfolio`.
    n_shortages : int ≥ 1
        Shortage skills kept per sector.
    n_threads : int, optional

    Raises
    ------
    InputError
        Records of the wrong type, none (left) in the region, an unknown region, a
        catalogue of another taxonomy, parameters out of range, records the taxonomy does
        not know (unknown skills, occupations, regions — each named with record and field).
    """
    from ..match import Matcher
    from ..vectorize import people, work

    where = "regional_analysis"
    p = check_params(where, PARAMETERS, {"k_modules": k_modules, "reach": reach, "n_shortages": n_shortages,
                                         "cap": cap, "method": method, "exact_limit": exact_limit,
                                         "threshold": threshold, "n_threads": n_threads})
    k_modules, reach, n_shortages, cap = p["k_modules"], p["reach"], p["n_shortages"], p["cap"]
    if region is not None and region not in taxonomy.region_index:
        raise InputError([Problem(f"region {region!r} is not an arbeidsmarktregio of the taxonomy", where=where,
                                  field="region", value=region)])
    js = _records(jobseekers, Jobseeker, "jobseekers", region)
    vs = _records(vacancies, Vacancy, "vacancies", region)
    catalogue = Catalogue.from_taxonomy(taxonomy) if catalogue is None else check_catalogue(catalogue, taxonomy,
                                                                                            where)
    if matcher is None:
        matcher = Matcher(taxonomy)
    elif not isinstance(matcher, Matcher):
        raise InputError([Problem(f"expected a Matcher, got {type(matcher).__name__}", where=where, field="matcher")])
    if matcher.taxonomy is not taxonomy and matcher.taxonomy.fingerprint != taxonomy.fingerprint:
        raise InputError([Problem("the matcher was made for another taxonomy", where=where, field="matcher")])
    threshold = threshold_for(matcher.settings().scoring) if threshold is None else p["threshold"]

    pb = people(taxonomy, js, where="jobseekers")
    wb = work(taxonomy, vs, where="vacancies")
    params = matcher.get_params(deep=False)  # the same parameters, no copy of the taxonomy
    params["n_threads"] = n_threads if n_threads is not None else params["n_threads"]
    fitted = type(matcher)(**params).fit(wb)
    index = fitted.index_
    side = index.prepare(pb)
    reach = int(min(reach, len(vs)))
    ranked, scores = index.rank(side, reach, n_threads=n_threads)
    theta32 = np.float32(threshold)
    is_match = (ranked >= 0) & (scores >= theta32)
    is_near = (ranked >= 0) & (scores < theta32)
    matches = np.where(is_match, ranked, -1).astype(np.int32)

    weights = index.settings.importance_weights
    near_rows, near_slots = np.nonzero(is_near)
    near_cols = ranked[near_rows, near_slots]
    near = gap_matrix(side.eff, side.direct, wb.importance, wb.levels, near_rows, near_cols, weights=weights,
                      person_ids=pb.ids, target_ids=wb.ids, n_threads=n_threads)

    # --- what each module bundle unlocks for each person -------------------------------------
    closure = prerequisite_closure(catalogue)
    offered = np.flatnonzero(catalogue.region_mask(region))
    bundles = module_bundles(catalogue, [(int(m),) for m in offered], index.credit, closure=closure)
    language = np.array([CEFR_CODES[p.language_level] if p.language_level else UNKNOWN_LANGUAGE for p in js], np.int8)
    order = np.lexsort((near_cols, near_rows))
    pair_indptr = np.zeros(len(js) + 1, np.int64)
    np.cumsum(np.bincount(near_rows, minlength=len(js)), out=pair_indptr[1:])
    pair_cols = near_cols[order].astype(np.int32)
    if overlay_applies(index):
        st = index.kernel_settings(side, 1)
        rows, cols, counts, values = kernels.unlock_scan(st, side.rows, index.candidates.rows, side.place,
                                                         index.candidates.place,
                                                         kernels.Held(pb.held.indptr, pb.held.indices),
                                                         bundles.overlay, language,
                                                         pair_indptr, pair_cols, threshold, taxonomy.n_concepts,
                                                         n_threads=n_threads, check=False)
    else:
        rows, cols, counts, values = _unlock_by_rows(index, pb, side, bundles, language, pair_indptr, pair_cols,
                                                     threshold, n_threads)
    shape = (len(js), len(bundles))
    value_matrix = sp.csr_matrix((values, (rows, cols)), shape=shape)
    count_matrix = sp.csr_matrix((counts.astype(np.int64), (rows, cols)), shape=shape)

    choice = select_portfolio(value_matrix, int(k_modules), cap=float(cap), method=method, exact_limit=exact_limit)
    portfolio, unlocked = _portfolio(choice, catalogue, bundles, value_matrix, count_matrix, cap, index, side,
                                     pair_indptr, pair_cols, threshold, n_threads)

    # --- sectors, demand, supply ------------------------------------------------------------------
    vac_sector = [v.sector or _sector_of_occupation(taxonomy, v.occupation) for v in vs]
    person_sector = [_sector_of_occupation(taxonomy, p.occupation) for p in js]
    positions = np.array([v.positions for v in vs], np.int64)
    sector_ids = _sector_order(taxonomy, vac_sector, person_sector, positions)
    demand, level, supply, coverage, shortage = _shortage(taxonomy, sector_ids, vac_sector, positions, wb, side.eff,
                                                          weights)
    near_count, blocking = _blocking(near, sector_ids, vac_sector)
    figures = _sector_figures(taxonomy, sector_ids, vac_sector, person_sector, positions, matches, unlocked)
    shortages = []
    for s, sid in enumerate(sector_ids):
        order_t = np.lexsort((np.arange(taxonomy.n_concepts), -shortage[s]))
        for t in order_t[:n_shortages]:
            if shortage[s, t] <= 0:
                break
            shortages.append(ShortageSkill(sid, taxonomy.concepts.ids[t], taxonomy.concept_label(int(t)),
                                           float(demand[s, t]), float(level[s, t]), float(supply[s, t]),
                                           float(coverage[s, t]), float(shortage[s, t]), int(near_count[s, t]),
                                           float(blocking[s, t])))
    matched_now = int(is_match.any(axis=1).sum())
    matched_after = int(sum(1 for p in range(len(js)) if is_match[p].any() or len(unlocked[p])))
    return RegionalAnalysis(region, threshold, float(cap), reach, pb.ids, wb.ids, int(positions.sum()), matched_now,
                            matched_after, tuple(figures), tuple(shortages), portfolio, tuple(sector_ids), demand,
                            supply, shortage, matches, near, unlocked, index, js, vs, catalogue)


def _unlock_by_rows(index, pb, side, bundles: Bundles, language, pair_indptr, pair_cols, threshold, n_threads,
                    chunk: int = 64):
    """The ``"rows"`` method over many people: each person after each bundle vectorised again
    through the index, every near miss rescored (:mod:`.unlock`). Exact for any score, slow."""
    cand = index.candidates
    n_terms = index.taxonomy.n_concepts
    theta32 = np.float32(threshold)
    st0 = index.kernel_settings(side, 1)
    n_people = len(pb)
    owner = np.repeat(np.arange(n_people, dtype=np.int32), np.diff(pair_indptr))
    before = kernels.score_pairs(st0, side.rows, cand.rows, side.place, cand.place,
                                 kernels.Pairs(owner, pair_cols), n_terms, n_threads=n_threads, check=False)
    out: tuple[list[np.ndarray], ...] = ([], [], [], [])
    for lo in range(0, n_people, chunk):
        hi = min(n_people, lo + chunk)
        persons = [p for p in range(lo, hi) if pair_indptr[p + 1] > pair_indptr[p]]
        if not persons:
            continue
        per = [(p, b) for p in persons for b in range(len(bundles)) if bundles.language[b] <= language[p]]
        if not per:
            continue
        who = np.array([p for p, _ in per], np.int64)
        which = np.array([b for _, b in per], np.int64)
        trained = index.prepare(trained_people(pb, who, bundles.taught[which]))
        st = index.kernel_settings(trained, 1)
        sizes = (pair_indptr[who + 1] - pair_indptr[who]).astype(np.int64)
        v_rows = np.repeat(np.arange(len(per), dtype=np.int32), sizes)
        slots = np.concatenate([np.arange(pair_indptr[p], pair_indptr[p + 1]) for p in who])
        after = kernels.score_pairs(st, trained.rows, cand.rows, trained.place, cand.place,
                                    kernels.Pairs(v_rows, pair_cols[slots]), n_terms, n_threads=n_threads, check=False)
        lifted = (before[slots] < theta32) & (after >= theta32)
        counts = np.bincount(v_rows[lifted], minlength=len(per))
        values = np.bincount(v_rows[lifted], weights=after[lifted].astype(np.float64), minlength=len(per))
        keep = counts > 0
        for target, array in zip(out, (who[keep], which[keep], counts[keep], values[keep])):
            target.append(array)
    if not out[0]:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
    rows, cols, counts, values = (np.concatenate(a) for a in out)
    return rows.astype(np.int32), cols.astype(np.int32), counts.astype(np.int32), values


def _portfolio(choice: PortfolioChoice, catalogue: Catalogue, bundles: Bundles, values: sp.csr_matrix,
               counts: sp.csr_matrix, cap: float, index, side, pair_indptr, pair_cols, threshold,
               n_threads) -> tuple[Portfolio, list]:
    n_people = values.shape[0]
    sel = choice.selected
    capped = values[:, sel].toarray() if len(sel) else np.zeros((n_people, 0))
    capped = np.minimum(capped, cap)
    assignment = np.full(n_people, -1, np.int64)
    if len(sel):
        best = np.argmax(capped, axis=1)  # the first of equal values: the earlier module
        has = capped[np.arange(n_people), best] > 0
        assignment[has] = best[has]
    chosen_counts = counts[:, sel].toarray() if len(sel) else np.zeros((n_people, 0), np.int64)
    people_per = np.bincount(assignment[assignment >= 0], minlength=len(sel)).astype(np.int64)
    matches_per = np.zeros(len(sel), np.int64)
    assigned = np.flatnonzero(assignment >= 0)
    np.add.at(matches_per, assignment[assigned], chosen_counts[assigned, assignment[assigned]])
    unlocked = _unlocked(index, side, bundles, sel, assignment, pair_indptr, pair_cols, threshold, n_threads)
    roots = [bundles.roots[j][0] for j in sel]
    portfolio = Portfolio(
        modules=tuple(catalogue.ids[m] for m in roots),
        titles=tuple(catalogue.titles[m] for m in roots),
        bundles=tuple(tuple(catalogue.ids[m] for m in bundles.members[j]) for j in sel),
        cost_eur=bundles.cost_eur[sel].copy(),
        hours=bundles.hours[sel].copy(),
        gains=choice.gains,
        objective=choice.objective,
        upper_bound=choice.upper_bound,
        method=choice.method,
        people=people_per,
        matches=matches_per,
        people_reached=len(assigned),
        matches_unlocked=int(matches_per.sum()),
        assignment=assignment,
    )
    return portfolio, unlocked


def _unlocked(index, side, bundles: Bundles, sel, assignment, pair_indptr, pair_cols, threshold,
              n_threads) -> list:
    """Per person, the near misses their portfolio module lifts over the threshold (vacancy positions)."""
    n_people = len(assignment)
    out = [np.zeros(0, np.int32) for _ in range(n_people)]
    people_with = np.flatnonzero(assignment >= 0)
    if len(people_with) == 0:
        return out
    cand, n_terms = index.candidates, index.taxonomy.n_concepts
    sizes = (pair_indptr[people_with + 1] - pair_indptr[people_with]).astype(np.int64)
    owner = np.repeat(people_with.astype(np.int32), sizes)
    slots = np.concatenate([np.arange(pair_indptr[p], pair_indptr[p + 1]) for p in people_with])
    cols = pair_cols[slots]
    st = index.kernel_settings(side, 1)
    before = kernels.score_pairs(st, side.rows, cand.rows, side.place, cand.place, kernels.Pairs(owner, cols),
                                 n_terms, n_threads=n_threads, check=False)
    bundle_of = np.asarray(sel)[assignment[owner]].astype(np.int32)
    if overlay_applies(index):
        held = kernels.Held(side.batch.held.indptr, side.batch.held.indices)
        after = kernels.score_pairs(st, side.rows, cand.rows, side.place, cand.place, kernels.Pairs(owner, cols),
                                    n_terms, over=bundles.overlay, raise_by=bundle_of, held=held,
                                    n_threads=n_threads, check=False)
    else:
        trained = index.prepare(trained_people(side.batch, people_with, bundles.taught[np.asarray(sel)[
            assignment[people_with]]]))
        local = np.repeat(np.arange(len(people_with), dtype=np.int32), sizes)
        st_t = index.kernel_settings(trained, 1)
        after = kernels.score_pairs(st_t, trained.rows, cand.rows, trained.place, cand.place,
                                    kernels.Pairs(local, cols), n_terms, n_threads=n_threads, check=False)
    theta32 = np.float32(threshold)
    lifted = np.flatnonzero((before < theta32) & (after >= theta32))
    who = owner[lifted]  # ascending: pairs are listed person by person
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]]) if len(who) else np.zeros(0, np.int64)
    for part in np.split(lifted, starts[1:]) if len(who) else []:
        out[int(owner[part[0]])] = cols[part].astype(np.int32)
    return out


def _sector_order(taxonomy, vac_sector, person_sector, positions) -> list[str]:
    present = set(vac_sector) | set(person_sector)
    pos = dict.fromkeys(present, 0)
    for s, n in zip(vac_sector, positions):
        pos[s] += int(n)

    def key(s: str):
        crucial = s in taxonomy.sectors and taxonomy.sectors[s].crucial
        return (not crucial, s == OTHER_SECTOR, -pos[s], s)

    return sorted(present, key=key)


def _shortage(taxonomy, sector_ids, vac_sector, positions, wb, eff, weights):
    n_s, n_t = len(sector_ids), taxonomy.n_concepts
    s_of = {s: i for i, s in enumerate(sector_ids)}
    table = np.array([0.0, *weights])
    imp = wb.importance
    rows = np.repeat(np.arange(len(vac_sector)), np.diff(imp.indptr))
    sec = np.array([s_of[vac_sector[v]] for v in range(len(vac_sector))], np.int64)[rows]
    w = positions[rows] * table[imp.data.astype(np.int64)]
    key = sec * n_t + imp.indices
    demand = np.bincount(key, weights=w, minlength=n_s * n_t).reshape(n_s, n_t)
    asked = np.bincount(key, weights=w * wb.levels, minlength=n_s * n_t).reshape(n_s, n_t)
    level = np.divide(asked, demand, out=np.zeros_like(asked), where=demand > 0)
    supply = np.zeros((n_s, n_t))
    for s in range(n_s):
        at = level[s, eff.indices]
        ok = at > 0
        share = np.minimum(1.0, eff.data[ok].astype(np.float64) / at[ok])
        supply[s] = np.bincount(eff.indices[ok], weights=share, minlength=n_t)
    total = demand.sum(axis=0)
    coverage = np.minimum(1.0, np.divide(supply, total[None, :], out=np.ones_like(supply), where=total[None, :] > 0))
    shortage = demand * (1.0 - coverage)
    return demand, level, supply, coverage, shortage


def _blocking(near: GapMatrix, sector_ids, vac_sector) -> tuple[np.ndarray, np.ndarray]:
    n_s, n_t = len(sector_ids), near.n_concepts
    s_of = {s: i for i, s in enumerate(sector_ids)}
    g = near.rows
    pair = np.repeat(np.arange(len(near)), np.diff(g.indptr))
    sector_of_vacancy = np.array([s_of[s] for s in vac_sector], np.int64)
    sec = sector_of_vacancy[near.targets.astype(np.int64)][pair]
    key = sec * n_t + g.concepts
    count = np.bincount(key, minlength=n_s * n_t).reshape(n_s, n_t)
    total = g.total_weight[pair]
    points = np.divide(g.weight.astype(np.float64) * g.shortfall, total, out=np.zeros(len(pair)), where=total > 0)
    blocking = np.bincount(key, weights=points, minlength=n_s * n_t).reshape(n_s, n_t)
    return count, blocking


def _sector_figures(taxonomy, sector_ids, vac_sector, person_sector, positions, matches, unlocked):
    s_of = {s: i for i, s in enumerate(sector_ids)}
    n_s = len(sector_ids)
    vs = np.array([s_of[s] for s in vac_sector], np.int64)
    vacancies = np.bincount(vs, minlength=n_s)
    pos = np.bincount(vs, weights=positions, minlength=n_s).astype(np.int64)
    origin = np.bincount(np.array([s_of[s] for s in person_sector], np.int64), minlength=n_s)
    people_now, people_after = np.zeros(n_s, np.int64), np.zeros(n_s, np.int64)
    vac_now, vac_after = np.zeros(len(vac_sector), bool), np.zeros(len(vac_sector), bool)
    for p in range(matches.shape[0]):
        now = matches[p][matches[p] >= 0]
        after = np.union1d(now, unlocked[p])
        vac_now[now] = True
        vac_after[after] = True
        people_now[np.unique(vs[now])] += 1
        people_after[np.unique(vs[after.astype(np.int64)])] += 1
    v_now = np.bincount(vs[vac_now], minlength=n_s)
    v_after = np.bincount(vs[vac_after], minlength=n_s)
    out = []
    for i, s in enumerate(sector_ids):
        sector = taxonomy.sectors.get(s)
        out.append(SectorFigures(s, sector.label_nl if sector else "Overig / onbekend", bool(sector and sector.crucial),
                                 int(vacancies[i]), int(pos[i]), int(origin[i]), int(people_now[i]), int(v_now[i]),
                                 int(people_after[i]), int(v_after[i])))
    return out
