"""Matching: ranked, filtered, explained matches in both directions.

>>> matcher = Matcher(taxonomy).fit(vacancies)          # candidates: vacancies
>>> result = matcher.match(jobseekers, k=10)           # queries: jobseekers
>>> result.indices, result.scores                      # (n, k) int32 / float32, -1 / -inf padded
>>> print(result.explain(0, 0))                        # why the best match is the best, in Dutch

The same object serves every direction: ``fit`` on jobseekers and ``match`` vacancies to
rank people for work; ``fit("occupations")`` to rank occupations for people, or
occupations for occupations (``cosine``: similarity; ``coverage``: how far someone doing
the query occupation already meets the candidate occupation). :meth:`Matcher.match_one`
ranks for one record without batch overhead, for back-office calls.

Records become arrays once, here; the ranking itself is :func:`skillmatch.kernels.topk`
(or its NumPy twin when ``SKILLMATCH_IMPLEMENTATION=python``).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from . import _reference, kernels
from .models import SUPPORT_KINDS, Jobseeker, Vacancy
from .problems import InputError, Problem
from .scoring import ESSENTIAL_MODES, SCORINGS
from .taxonomy import Taxonomy
from .vectorize import (
    DEFAULT_IMPORTANCE_WEIGHTS,
    WEIGHTINGS,
    Credit,
    Requirements,
    credit_matrix,
    held_skills,
    idf_weights,
    importance_table,
    as_csr,
    as_requirements,
    canonical_indices,
    occupation_requirements,
    row_sums,
    vacancy_requirements,
    weighted_unit_rows,
)

PEOPLE, WORK = "people", "work"
_SUPPORT_BITS = {name: 1 << i for i, name in enumerate(SUPPORT_KINDS)}
_ALL_SUPPORT = (1 << len(SUPPORT_KINDS)) - 1


def implementation() -> str:
    """'numba' (default) or 'python' (the NumPy reference), from ``SKILLMATCH_IMPLEMENTATION``."""
    value = os.environ.get("SKILLMATCH_IMPLEMENTATION", "numba").lower()
    if value not in ("numba", "python"):
        raise InputError(f"SKILLMATCH_IMPLEMENTATION: expected 'numba' or 'python', got {value!r}")
    return value


@dataclass
class _Side:
    """One side of a match as arrays: the records' skills and everything filters read."""

    ids: list[str]
    kind: str  # PEOPLE or WORK
    held: sp.csr_matrix | None  # PEOPLE: held proficiency levels
    eff: sp.csr_matrix | None  # PEOPLE: effective proficiency (with related credit)
    direct: np.ndarray | None  # PEOPLE: per entry of eff, 1 when held at that value
    reqs: Requirements | None  # WORK: importance and level
    region: np.ndarray  # int32, -1 unknown
    geo: np.ndarray  # float64 (n, 3): lat, lon (radians, NaN unknown), max km (0 = none)
    hours: np.ndarray  # float32 (n, 2)
    needs: np.ndarray  # uint32
    offers: np.ndarray  # uint32
    boost: np.ndarray  # float32
    labels: list[str] = field(default_factory=list)
    located: bool = True  # records with place, hours and support; False for occupations and bare matrices

    def __len__(self) -> int:
        return len(self.ids)


def _unlocated_side(ids: list[str], kind: str, held, eff, direct, reqs, boost: np.ndarray,
                    labels: list[str]) -> _Side:
    """A side without place, hours or support data (occupations, bare matrices): no filter restricts it."""
    n = len(ids)
    geo = np.zeros((n, 3))
    geo[:, :2] = np.nan
    return _Side(ids, kind, held, eff, direct, reqs, np.full(n, -1, np.int32), geo,
                 np.tile(np.array([0.0, 80.0], np.float32), (n, 1)), np.zeros(n, np.uint32),
                 np.full(n, _ALL_SUPPORT if kind == WORK else 0, np.uint32), boost, labels, located=False)


@dataclass(frozen=True)
class SkillLine:
    """One skill in an explanation."""

    skill: str
    label: str
    importance: str | None = None
    required_level: float | None = None
    held_level: float | None = None
    via: str | None = None
    via_label: str | None = None
    credited_level: float | None = None


_IMPORTANCE_NL = {"essential": "essentieel", "important": "belangrijk", "somewhat": "enigszins relevant"}


@dataclass(frozen=True)
class Explanation:
    """Why a candidate ranks where it does for a query.

    ``matched``: required skills the person holds; ``credited``: required skills credited
    through a related skill the person holds (``via``); ``missing_essential`` and
    ``missing``: required skills the person has nothing for. For ``cosine`` between two
    people or two occupations, ``matched`` lists the shared skills.
    """

    query: str
    query_label: str
    candidate: str
    candidate_label: str
    rank: int
    score: float
    scoring: str
    matched: tuple[SkillLine, ...]
    credited: tuple[SkillLine, ...]
    missing_essential: tuple[SkillLine, ...]
    missing: tuple[SkillLine, ...]
    lang: str = "nl"

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    def __str__(self) -> str:
        nl = self.lang == "nl"

        def level(x):
            return "-" if x is None else f"{x:g}"

        def req(s: SkillLine) -> str:
            imp = _IMPORTANCE_NL.get(s.importance, s.importance) if nl else s.importance
            asked = ("gevraagd niveau " if nl else "required level ") + level(s.required_level)
            return f"{imp}, {asked}" if imp else asked

        lines = [f"{self.rank + 1}. {self.candidate_label} — score {self.score:.3f} ({self.scoring})"
                 f" voor {self.query_label}" if nl else
                 f"{self.rank + 1}. {self.candidate_label} — score {self.score:.3f} ({self.scoring}) for {self.query_label}"]
        if self.matched:
            lines.append("   Heeft: " if nl else "   Has: ")
            lines[-1] += "; ".join(f"{s.label} ({('niveau ' if nl else 'level ') + level(s.held_level)}"
                                   f"{', ' + req(s) if s.required_level is not None else ''})" for s in self.matched)
        if self.credited:
            lines.append("   Via verwante vaardigheid: " if nl else "   Through a related skill: ")
            lines[-1] += "; ".join(f"{s.label} ← {s.via_label} ({'telt als niveau ' if nl else 'counts as level '}"
                                   f"{s.credited_level:.1f}, {req(s)})" for s in self.credited)
        if self.missing_essential:
            lines.append("   Mist (essentieel): " if nl else "   Missing (essential): ")
            lines[-1] += "; ".join(f"{s.label} ({req(s)})" for s in self.missing_essential)
        if self.missing:
            lines.append("   Mist ook: " if nl else "   Also missing: ")
            lines[-1] += "; ".join(s.label for s in self.missing[:8]) + (" …" if len(self.missing) > 8 else "")
        return "\n".join(lines)


@dataclass
class MatchResult:
    """Top-k matches per query.

    Attributes
    ----------
    indices : ndarray of int32, shape (n_queries, k)
        Candidate positions (into ``candidate_ids``), best first; -1 where fewer than k
        candidates qualify.
    scores : ndarray of float32, shape (n_queries, k)
        Scores, descending; ties ordered by candidate position; -inf padding.
    query_ids, candidate_ids : list of str
    """

    indices: np.ndarray
    scores: np.ndarray
    query_ids: list[str]
    candidate_ids: list[str]
    scoring: str
    _matcher: Matcher = field(repr=False)
    _queries: _Side = field(repr=False)

    def __len__(self) -> int:
        return len(self.query_ids)

    @property
    def k(self) -> int:
        return self.indices.shape[1]

    def ids(self, row: int) -> list[str]:
        """Candidate ids of one query row, best first (padding left out)."""
        return [self.candidate_ids[i] for i in self.indices[row] if i >= 0]

    def explain(self, row: int, rank: int = 0, lang: str | None = None) -> Explanation:
        """Explain the match at ``rank`` (0 = best) for query ``row``."""
        if not (0 <= row < len(self.query_ids)):
            raise InputError(f"row: expected 0 <= row < {len(self.query_ids)}, got {row}")
        if not (0 <= rank < self.k):
            raise InputError(f"rank: expected 0 <= rank < {self.k}, got {rank}")
        d = int(self.indices[row, rank])
        if d < 0:
            raise InputError(f"query {self.query_ids[row]!r} has only {int((self.indices[row] >= 0).sum())} "
                             f"match(es); there is no rank {rank}")
        return self._matcher._explain(self._queries, row, d, rank, float(self.scores[row, rank]),
                                      lang or self._matcher.lang)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (query, rank) that has a match: query, rank, candidate, score."""
        out = []
        for r, qid in enumerate(self.query_ids):
            for j in range(self.k):
                d = int(self.indices[r, j])
                if d < 0:
                    break
                out.append({"query": qid, "rank": j + 1, "candidate": self.candidate_ids[d],
                            "score": float(self.scores[r, j])})
        return out


def inverted_index(indptr, indices, values, levels, essential, *, n_terms: int) -> tuple[np.ndarray, ...]:
    """The candidates' rows regrouped by term, for :func:`skillmatch.kernels.rank_rows`.

    Returns ``(p_indptr, p_cand, p_val, p_lvl, p_ess)``: per term (int64 pointers,
    ``n_terms + 1``) the candidate rows holding it (int32, ascending) with their value,
    level and essential flag.
    """
    counts = np.diff(indptr)
    order = np.argsort(indices, kind="stable")  # stable: candidates stay ascending within a term
    p_indptr = np.zeros(n_terms + 1, np.int64)
    np.cumsum(np.bincount(indices, minlength=n_terms), out=p_indptr[1:])
    rows = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    return (p_indptr, rows[order], np.ascontiguousarray(values[order], np.float32),
            np.ascontiguousarray(levels[order], np.float32), np.ascontiguousarray(essential[order], np.uint8))


def run_topk(k: int, scalars: tuple, query: tuple, cand: tuple, index: tuple, filters: tuple, *,
             n_threads: int | None = None, parallel: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Rank prepared arrays with :func:`skillmatch.kernels.rank_rows` (or the NumPy reference).

    ``scalars`` = (mode, req_on_query, essential, essential_penalty); ``query``, ``index``
    and ``filters`` are the kernel's argument groups; ``cand`` holds the candidates'
    rows (indptr, indices, values, levels, essential flags), essential counts and boosts. Rows are split into chunks
    run on ``n_threads`` threads (default: the machine's cores); the kernel releases the
    GIL, and each chunk owns its accumulators and output rows, so results do not depend on
    the split. ``parallel=False`` ranks on the calling thread (the one-record path).
    """
    mode, req_on_query, essential, penalty = scalars
    if implementation() == "python":
        return _reference.topk(k, mode, req_on_query, essential, penalty, *query, *cand, *filters)
    n = len(query[0]) - 1
    idx = np.empty((n, k), np.int32)
    scores = np.empty((n, k), np.float32)
    c_indptr, c_indices, _, _, c_ess, c_ness, c_boost = cand
    max_boost = float(c_boost.max()) if len(c_boost) else 1.0
    args = (k, mode, req_on_query, essential, penalty, max_boost, *query, c_indptr, c_indices, c_ess, c_ness, c_boost,
            *index, *filters, idx, scores)
    threads = n_threads or os.cpu_count() or 1
    if not parallel or threads == 1 or n < 2:
        kernels.rank_rows(0, n, *args)
        return idx, scores
    # more chunks than threads evens out rows of unequal cost
    n_chunks = min(n, 4 * threads)
    bounds = [(c * n // n_chunks, (c + 1) * n // n_chunks) for c in range(n_chunks)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(kernels.rank_rows, lo, hi, *args) for lo, hi in bounds]:
            future.result()
    return idx, scores


def no_filters(n: int, m: int) -> tuple:
    """Kernel filter arguments that let every candidate through."""
    geo_q, geo_c = np.zeros((n, 3)), np.zeros((m, 3))
    return (np.full(n, -1, np.int32), np.full(m, -1, np.int32), geo_q, geo_c, np.zeros((n, 2), np.float32),
            np.zeros((m, 2), np.float32), False, np.zeros(n, np.uint32), np.zeros(n, np.uint32),
            np.zeros(m, np.uint32), np.zeros(m, np.uint32), False, np.zeros(n + 1, np.int64), np.zeros(0, np.int32))


class CosineIndex:
    """Top-k cosine similarity against fixed rows, through the matching kernel.

    ``candidates`` (any non-negative sparse matrix) is scaled to unit rows once; ``query``
    scales its rows the same way and returns ``(indices, scores)`` of shape (n, k) under
    the ranking contract. Used for label resolution; the Matcher adds taxonomy, weighting
    and filters on top of the same kernel.
    """

    def __init__(self, candidates: sp.spmatrix):
        m = _unit_rows(candidates, "candidates")
        ones = np.ones(m.nnz, np.float32)
        self.n_features = m.shape[1]
        self._c = (m.indptr.astype(np.int64), m.indices, m.data, ones, np.zeros(m.nnz, np.uint8),
                   np.zeros(m.shape[0], np.int32), np.ones(m.shape[0], np.float32))
        self._p = inverted_index(*self._c[:5], n_terms=m.shape[1])

    def query(self, queries: sp.spmatrix, k: int, *, n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        q = _unit_rows(queries, "queries")
        if q.shape[1] != self.n_features:
            raise InputError(f"queries: expected {self.n_features} columns, got {q.shape[1]}")
        n, m = q.shape[0], len(self._c[0]) - 1
        query = (q.indptr.astype(np.int64), q.indices, q.data, np.ones(q.nnz, np.float32),
                 np.zeros(q.nnz, np.uint8), np.zeros(n, np.int32))
        return run_topk(k, (kernels.COSINE, False, kernels.ESSENTIAL_NONE, 0.0), query, self._c, self._p,
                        no_filters(n, m), n_threads=n_threads)


def _unit_rows(matrix: sp.spmatrix, name: str) -> sp.csr_matrix:
    m = as_csr(matrix, matrix.shape[1], name)
    return weighted_unit_rows(m, m.data)


class Matcher:
    """Rank candidates for queries on skills.

    Parameters
    ----------
    taxonomy : Taxonomy
    scoring : {"coverage", "cosine"}
        See :mod:`skillmatch.scoring`.
    weighting : {"levels", "binary", "importance"}
        ``cosine`` only: entry weights before idf and normalisation.
    idf : bool
        ``cosine`` only: weight skills by inverse document frequency over the candidates.
    credit : Credit, None or "auto"
        Related-skill credit for the people side; None switches it off. "auto" (default):
        ``Credit()`` for ``coverage``, none for ``cosine`` (where it lowered quality on ESCO).
    importance_weights : (somewhat, important, essential)
        Weight of a requirement by its importance, each in (0, 1].
    essential : {"penalty", "gate", "none"}
        ``coverage`` only: what an essential requirement the person has nothing for does.
        ``gate`` drops every candidate with a missing essential requirement, which leaves
        little for partial profiles.
    essential_penalty : float in [0, 1)
        With ``essential="penalty"``: the score is multiplied by
        ``1 - essential_penalty * missing / n_essential`` — losing at most that share
        when every essential requirement is missing. Scale-free, so it means the same for
        CompetentNL (a few essentials per occupation) and ESCO (dozens). The default 0.1
        ranked best on ESCO of 0.1 / 0.3 / 0.5 (benchmarks/README.md).
    same_region : bool
        Only match within the same arbeidsmarktregio (queries without a region are not
        restricted; candidates without one are left out).
    travel : bool
        Respect each person's ``max_travel_km`` (great-circle distance between locations,
        or the regions' representative points).
    hours : bool
        Hours per week wanted and offered must overlap.
    support : bool
        A person's support needs (banenafspraak, beschut werk, aanpassingen, ...) must be
        among what the employer offers.
    crucial_boost : float >= 0
        Off by default. Multiplies the score of work in a maatschappelijk cruciale sector
        by ``1 + crucial_boost``; the boosted score is what is ranked and returned.
    n_threads : int, optional
        Threads for batch matching (default: the number of CPUs).
    lang : {"nl", "en"}
        Language of labels in explanations.
    """

    _constraints: dict[str, Any] = {
        "scoring": tuple(SCORINGS),
        "weighting": tuple(WEIGHTINGS),
        "essential": tuple(ESSENTIAL_MODES),
        "lang": ("nl", "en"),
    }

    def __init__(self, taxonomy: Taxonomy, scoring: str = "coverage", *, weighting: str = "levels", idf: bool = True,
                 credit: Credit | None | str = "auto",
                 importance_weights: Sequence[float] = DEFAULT_IMPORTANCE_WEIGHTS,
                 essential: str = "penalty", essential_penalty: float = 0.1,
                 same_region: bool = False, travel: bool = True, hours: bool = True, support: bool = True,
                 crucial_boost: float = 0.0, n_threads: int | None = None, lang: str = "nl"):
        self.taxonomy = taxonomy
        self.scoring = scoring
        self.weighting = weighting
        self.idf = idf
        self.credit = credit
        self.importance_weights = importance_weights
        self.essential = essential
        self.essential_penalty = essential_penalty
        self.same_region = same_region
        self.travel = travel
        self.hours = hours
        self.support = support
        self.crucial_boost = crucial_boost
        self.n_threads = n_threads
        self.lang = lang

    # --- parameters -----------------------------------------------------------------------

    def _validate_params(self) -> None:
        for name, allowed in self._constraints.items():
            value = getattr(self, name)
            if value not in allowed:
                raise InputError(f"Matcher {name}: expected one of {list(allowed)}, got {value!r}")
        if not isinstance(self.taxonomy, Taxonomy):
            raise InputError(f"Matcher taxonomy: expected a Taxonomy, got {type(self.taxonomy).__name__}")
        if not (self.credit is None or self.credit == "auto" or isinstance(self.credit, Credit)):
            raise InputError(f"Matcher credit: expected a Credit, None or 'auto', got {self.credit!r}")
        self._importance = importance_table(self.importance_weights)
        if not (0.0 <= self.essential_penalty < 1.0):
            raise InputError(f"Matcher essential_penalty: expected 0 <= value < 1, got {self.essential_penalty!r}")
        if not (self.crucial_boost >= 0.0 and math.isfinite(self.crucial_boost)):
            raise InputError(f"Matcher crucial_boost: expected a finite number >= 0, got {self.crucial_boost!r}")
        if self.n_threads is not None and (not isinstance(self.n_threads, int) or self.n_threads < 1):
            raise InputError(f"Matcher n_threads: expected a positive integer or None, got {self.n_threads!r}")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("taxonomy", "scoring", "weighting", "idf", "credit",
                                              "importance_weights", "essential",
                                              "essential_penalty", "same_region", "travel", "hours", "support",
                                              "crucial_boost", "n_threads", "lang")}

    # --- records -> arrays --------------------------------------------------------------------

    def _side(self, records: Any, where: str) -> _Side:
        tx = self.taxonomy
        if isinstance(records, str) and records == "occupations" or isinstance(records, Taxonomy):
            return self._occupation_side()
        if isinstance(records, Requirements) or sp.issparse(records) or isinstance(records, np.ndarray):
            return self._array_side(records, where)
        if isinstance(records, (Jobseeker, Vacancy)):
            raise InputError(f"{where}: expected a list of records; use match_one for a single record")
        records = list(records)
        if not records:
            raise InputError(f"{where}: expected at least one record, got none")
        if all(isinstance(r, Jobseeker) for r in records):
            kind = PEOPLE
        elif all(isinstance(r, Vacancy) for r in records):
            kind = WORK
        else:
            kinds = sorted({type(r).__name__ for r in records})
            raise InputError(f"{where}: expected only Jobseeker or only Vacancy records, got {kinds}")
        where = f"{'jobseekers' if kind == PEOPLE else 'vacancies'} ({where})"
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})[:5]
            raise InputError(f"{where}: ids must be unique; repeated: {dupes}")
        problems: list[Problem] = []
        n = len(records)
        region = np.full(n, -1, np.int32)
        geo = np.zeros((n, 3), np.float64)
        hours = np.zeros((n, 2), np.float32)
        needs = np.zeros(n, np.uint32)
        offers = np.zeros(n, np.uint32)
        boost = np.ones(n, np.float32)
        for i, rec in enumerate(records):
            point = rec.location
            if rec.region is not None:
                j = tx.region_index.get(rec.region)
                if j is None:
                    problems.append(Problem(f"region {rec.region!r} is not one of the taxonomy's "
                                            f"{len(tx.regions)} regions", where=where, record=rec.id,
                                            field="region", value=rec.region))
                else:
                    region[i] = j
                    point = point or tx.regions[j].location
            geo[i, :2] = (math.radians(point.lat), math.radians(point.lon)) if point else (np.nan, np.nan)
            hours[i] = (rec.hours_min, rec.hours_max)
            if kind == PEOPLE:
                geo[i, 2] = rec.max_travel_km or 0.0
                needs[i] = sum(_SUPPORT_BITS[s] for s in set(rec.support_needs))
            else:
                offers[i] = sum(_SUPPORT_BITS[s] for s in set(rec.offers))
                sector = rec.sector or (tx.occupation_sector[tx.occupations.index[rec.occupation]]
                                        if rec.occupation in tx.occupations.index else None)
                if sector and sector in tx.sectors and tx.sectors[sector].crucial:
                    boost[i] = 1.0 + self.crucial_boost
        if problems:
            raise InputError(problems, summary=f"{len(problems)} problem(s) in {where}")
        labels = [f"{r.title or r.id}{' bij ' + r.employer if r.employer else ''} ({r.id})" if kind == WORK else r.id
                  for r in records]
        if kind == PEOPLE:
            held = held_skills(tx, records, where=where)
            eff, direct = self._effective(held)
            return _Side(ids, kind, held, eff, direct, None, region, geo, hours, needs, offers, boost, labels)
        reqs = vacancy_requirements(tx, records, where=where)
        return _Side(ids, kind, None, None, None, reqs, region, geo, hours, needs, offers, boost, labels)

    def _array_side(self, matrix: Any, where: str) -> _Side:
        """Pre-vectorised input: a Requirements (work) or a held-levels matrix (people).

        Rows are named by position ("0", "1", ...); no location, hours or support data, so
        filters do not restrict them.
        """
        tx = self.taxonomy
        if isinstance(matrix, Requirements):
            reqs = as_requirements(matrix, tx.n_concepts, where)
            n, kind, held, eff, direct = reqs.shape[0], WORK, None, None, None
        else:
            held = as_csr(matrix, tx.n_concepts, where)
            if held.nnz and (held.data.min() < 1 or held.data.max() > 5):
                raise InputError(f"{where}: held proficiency levels must be from 1 to 5, found values from "
                                 f"{held.data.min():g} to {held.data.max():g}")
            reqs, n, kind = None, held.shape[0], PEOPLE
            eff, direct = self._effective(held)
        return _unlocated_side([str(i) for i in range(n)], kind, held, eff, direct, reqs, np.ones(n, np.float32), [])

    def _occupation_side(self) -> _Side:
        tx = self.taxonomy
        n = tx.n_occupations
        boost = np.ones(n, np.float32)
        for i, sector in enumerate(tx.occupation_sector):
            if sector in tx.sectors and tx.sectors[sector].crucial:
                boost[i] = 1.0 + self.crucial_boost
        return _unlocated_side(list(tx.occupations.ids), WORK, None, None, None, occupation_requirements(tx), boost,
                               [tx.occupation_label(i, self.lang) for i in range(n)])

    @property
    def credit_(self) -> Credit | None:
        """The related-skill credit in force (``credit="auto"`` resolved by scoring)."""
        if self.credit == "auto":
            return Credit() if self.scoring == "coverage" else None
        return self.credit

    def _effective(self, held: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
        """Effective proficiency with related-skill credit (the held matrix when credit is off)."""
        if self.credit_ is None:
            return held, np.ones(held.nnz, np.uint8)
        credit = self._credit_matrix()
        fn = _reference.related_credit if implementation() == "python" else kernels.related_credit
        indptr, indices, values, direct = fn(held.indptr.astype(np.int64), held.indices, held.data,
                                             credit.indptr.astype(np.int64), credit.indices, credit.data)
        # sort each row's entries; the flags follow the same permutation (indices are unique per row)
        eff = canonical_indices(sp.csr_matrix((values, indices, indptr), shape=held.shape))
        flags = canonical_indices(sp.csr_matrix((direct, indices.copy(), indptr.copy()), shape=held.shape))
        eff.sort_indices()
        flags.sort_indices()
        return eff, flags.data

    def _credit_matrix(self) -> sp.csr_matrix:
        key = (id(self.taxonomy), self.credit_)
        if getattr(self, "_credit_cache", (None, None))[0] != key:
            self._credit_cache = (key, credit_matrix(self.taxonomy, self.credit_))
        return self._credit_cache[1]

    def _as_people(self, side: _Side) -> _Side:
        """Occupations as the people side: someone doing it holds its requirements at their levels."""
        if side.kind == PEOPLE:
            return side
        held = side.reqs.level
        eff, direct = self._effective(held)
        n = len(side)
        return _Side(side.ids, PEOPLE, held, eff, direct, None, side.region, side.geo, side.hours,
                     np.zeros(n, np.uint32), np.full(n, _ALL_SUPPORT, np.uint32), side.boost, side.labels,
                     located=side.located)

    def _values(self, side: _Side) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
        """(matrix of values, levels, essential flags per entry, essentials per row) for the kernel."""
        if SCORINGS[self.scoring].name == "cosine":
            if side.kind == PEOPLE:
                values, kind = side.eff, "held"
            else:
                values, kind = side.reqs.importance, "requirements"
            m = weighted_unit_rows(values, WEIGHTINGS[self.weighting](values, kind, self._importance), self.idf_)
            return m, np.ones(m.nnz, np.float32), np.zeros(m.nnz, np.uint8), np.zeros(m.shape[0], np.int32)
        if side.kind == PEOPLE:
            m = side.eff
            return m, np.ones(m.nnz, np.float32), np.zeros(m.nnz, np.uint8), np.zeros(m.shape[0], np.int32)
        imp = side.reqs.importance
        w = self._importance[imp.data.astype(np.int64)]
        w = w / np.repeat(row_sums(imp.indptr, w), np.diff(imp.indptr))
        m = sp.csr_matrix((w.astype(np.float32), imp.indices, imp.indptr), shape=imp.shape)
        ess = (imp.data == 3).astype(np.uint8)
        ness = row_sums(imp.indptr, ess).astype(np.int32)
        return m, side.reqs.level.data.astype(np.float32), ess, ness

    # --- fit and match ------------------------------------------------------------------------

    def fit(self, candidates: Sequence[Vacancy] | Sequence[Jobseeker] | str | Taxonomy) -> Matcher:
        """Index the candidates: vacancies, jobseekers, or ``"occupations"`` (the taxonomy's).

        Returns self.
        """
        self._validate_params()
        side = self._side(candidates, "candidates")
        if SCORINGS[self.scoring].name == "cosine":
            values = side.eff if side.kind == PEOPLE else side.reqs.importance
            self.idf_ = idf_weights(values) if self.idf else None
        else:
            self.idf_ = None
        self.candidates_ = side
        self._filter_cache: dict[bool, tuple] = {}
        m, lvl, ess, ness = self._values(side)
        self._c = (m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float32),
                   np.ascontiguousarray(lvl, np.float32), np.ascontiguousarray(ess, np.uint8), ness.astype(np.int32),
                   side.boost)
        self._p = inverted_index(*self._c[:5], n_terms=m.shape[1])
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "candidates_"):
            raise InputError("Matcher: call fit(candidates) before match")

    def _query_side(self, queries: Any, where: str) -> _Side:
        side = self._side(queries, where)
        cand = self.candidates_
        if side.kind == PEOPLE and cand.kind == PEOPLE and self.scoring == "coverage":
            raise InputError("coverage compares people with work: fit on vacancies or occupations to match "
                             "jobseekers, or use scoring='cosine' for similar people")
        if side.kind == WORK and cand.kind == WORK and self.scoring == "coverage":
            side = self._as_people(side)
        return side

    def _exclusions(self, exclude: Any, side: _Side) -> tuple[np.ndarray, np.ndarray]:
        n = len(side)
        indptr = np.zeros(n + 1, np.int64)
        if not exclude:
            return indptr, np.zeros(0, np.int32)
        index = {cid: i for i, cid in enumerate(self.candidates_.ids)}
        if isinstance(exclude, Mapping):
            unknown_q = sorted(set(exclude) - set(side.ids))
            if unknown_q:
                raise InputError(f"exclude: query id(s) not among the queries: {unknown_q[:5]}")
            rows = [exclude.get(qid, ()) for qid in side.ids]
        else:
            rows = list(exclude)
            if len(rows) != n:
                raise InputError(f"exclude: expected a mapping query id -> candidate ids, or one list per query "
                                 f"({n}), got {len(rows)} lists")
        cols: list[int] = []
        for r, row in enumerate(rows):
            if isinstance(row, str):
                row = [row]
            for cid in row:
                d = index.get(cid)
                if d is None:
                    raise InputError(f"exclude: candidate id {cid!r} (for query {side.ids[r]!r}) is not among "
                                     "the fitted candidates")
                cols.append(d)
            indptr[r + 1] = len(cols)
        return indptr, np.array(cols, np.int32)

    def _kernel_args(self, side: _Side, exclude: Any) -> tuple:
        q, q_lvl, q_ess, q_ness = self._values(side)
        cand = self.candidates_
        # place, hours and support filters apply between people and vacancies, not occupations
        located = side.located and cand.located and side.kind != cand.kind
        q_region = side.region if (self.same_region and located) else np.full(len(side), -1, np.int32)
        q_geo, needs_q = self._applied_limits(side, located)
        c_region, c_geo, c_hours, needs_c, offers_c, c_filtered = self._candidate_filters(located)
        ex_indptr, ex_indices = self._exclusions(exclude, side)
        essential = ESSENTIAL_MODES[self.essential] if self.scoring == "coverage" else kernels.ESSENTIAL_NONE
        req_on_query = self.scoring == "coverage" and side.kind == WORK
        scalars = (SCORINGS[self.scoring].mode, req_on_query, essential, float(self.essential_penalty))
        query = (q.indptr.astype(np.int64), q.indices.astype(np.int32), q.data.astype(np.float32),
                 np.ascontiguousarray(q_lvl, np.float32), np.ascontiguousarray(q_ess, np.uint8), q_ness)
        filters = (q_region, c_region, q_geo, c_geo, side.hours, c_hours, bool(self.hours and located),
                   needs_q, side.offers, needs_c, offers_c, c_filtered, ex_indptr, ex_indices)
        return scalars, query, filters

    def _applied_limits(self, side: _Side, located: bool) -> tuple[np.ndarray, np.ndarray]:
        """A side's locations and support needs, with travel limits and needs cleared where they do not apply."""
        geo, needs = side.geo, side.needs
        if not (self.travel and located):
            geo = geo.copy()
            geo[:, 2] = 0.0
        if not (self.support and located):
            needs = np.zeros_like(needs)
        return geo, needs

    def _candidate_filters(self, located: bool) -> tuple:
        """The candidates' filter arrays, prepared once per fit (a one-record call must not pay O(m))."""
        if located not in self._filter_cache:
            cand = self.candidates_
            c_geo, needs_c = self._applied_limits(cand, located)
            c_filtered = bool((c_geo[:, 2] > 0).any() or needs_c.any())
            self._filter_cache[located] = (cand.region, c_geo, cand.hours, needs_c, cand.offers, c_filtered)
        return self._filter_cache[located]

    def match(self, queries: Any, k: int = 10, *, exclude: Any = None) -> MatchResult:
        """Top ``k`` candidates for each query.

        Parameters
        ----------
        queries : list of Jobseeker or of Vacancy, or "occupations"
        k : int >= 1
        exclude : mapping query id -> candidate ids, or one list of candidate ids per query
            Candidates never to return for that query (e.g. already applied to).

        Returns
        -------
        MatchResult
            ``indices`` int32 and ``scores`` float32 of shape (n_queries, k).
        """
        self._check_fitted()
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(f"k: expected a positive integer, got {k!r}")
        side = self._query_side(queries, "queries")
        return self._rank(side, int(k), exclude, batch=True)

    def match_one(self, query: Jobseeker | Vacancy, k: int = 10, *, exclude: Iterable[str] = ()) -> MatchResult:
        """Top ``k`` candidates for one record, without batch overhead (no threads started)."""
        self._check_fitted()
        if not isinstance(query, (Jobseeker, Vacancy)):
            raise InputError(f"query: expected a Jobseeker or a Vacancy, got {type(query).__name__}")
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(f"k: expected a positive integer, got {k!r}")
        side = self._query_side([query], "query")
        exclude = list(exclude)
        return self._rank(side, int(k), [exclude] if exclude else None, batch=False)

    def _rank(self, side: _Side, k: int, exclude: Any, batch: bool) -> MatchResult:
        scalars, query, filters = self._kernel_args(side, exclude)
        idx, scores = run_topk(k, scalars, query, self._c, self._p, filters, n_threads=self.n_threads,
                               parallel=batch)
        return MatchResult(idx, scores, list(side.ids), self.candidates_.ids, self.scoring, self, side)

    # --- explanations ---------------------------------------------------------------------

    def _explain(self, queries: _Side, row: int, d: int, rank: int, score: float, lang: str) -> Explanation:
        tx = self.taxonomy
        cand = self.candidates_
        people, p_row, work, w_row = (queries, row, cand, d) if queries.kind == PEOPLE else (cand, d, queries, row)

        def label(j: int) -> str:
            return tx.concept_label(int(j), lang)

        def entries(m: sp.csr_matrix, i: int, *extra: np.ndarray):
            lo, hi = m.indptr[i], m.indptr[i + 1]
            return zip(m.indices[lo:hi], m.data[lo:hi], *(e[lo:hi] for e in extra))

        q_label = queries.labels[row] if queries.labels else queries.ids[row]
        c_label = cand.labels[d] if cand.labels else cand.ids[d]
        matched, credited, missing_ess, missing = [], [], [], []
        if work.kind == PEOPLE or people.kind == WORK:  # cosine between like sides: shared skills
            a = people.eff if people.kind == PEOPLE else people.reqs.importance
            b = work.eff if work.kind == PEOPLE else work.reqs.importance
            other = {int(j) for j, _ in entries(b, w_row)}
            for j, v in entries(a, p_row):
                if int(j) in other:
                    matched.append(SkillLine(tx.concepts.ids[j], label(j), held_level=float(v)))
        else:
            held = {int(j): float(v) for j, v in entries(people.held, p_row)}
            eff = {int(j): (float(v), int(flag)) for j, v, flag in entries(people.eff, p_row, people.direct)}
            credit = self._credit_matrix() if self.credit_ is not None else None
            for j, imp, lvl in entries(work.reqs.importance, w_row, work.reqs.level.data):
                j = int(j)
                importance = {3: "essential", 2: "important", 1: "somewhat"}[int(imp)]
                base = dict(skill=tx.concepts.ids[j], label=label(j), importance=importance, required_level=float(lvl))
                if j in eff and eff[j][1]:
                    matched.append(SkillLine(**base, held_level=held.get(j)))
                elif j in eff:
                    via, best = self._best_source(credit, held, j)
                    credited.append(SkillLine(**base, held_level=held.get(j), via=tx.concepts.ids[via],
                                              via_label=label(via), credited_level=best))
                elif importance == "essential":
                    missing_ess.append(SkillLine(**base))
                else:
                    missing.append(SkillLine(**base))
        return Explanation(queries.ids[row], q_label, cand.ids[d], c_label, rank, score, self.scoring,
                           tuple(matched), tuple(credited), tuple(missing_ess), tuple(missing), lang)

    @staticmethod
    def _best_source(credit: sp.csr_matrix, held: dict[int, float], target: int) -> tuple[int, float]:
        """The held skill that gives the most credit for ``target`` (lowest index on ties)."""
        col = credit[:, target].tocoo()
        best, via = -1.0, -1
        for s, strength in sorted(zip(col.row, col.data)):
            if int(s) in held and held[int(s)] * float(strength) > best:
                best, via = held[int(s)] * float(strength), int(s)
        return via, best
