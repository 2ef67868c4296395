"""The skill gap between one person and one target (a vacancy or an occupation).

A :class:`Gap` lists the target's requirements that the person does not meet, with the
level asked, the level the person has now and how much each one matters. Training plans
(:mod:`.plans`) close it; explanations name it. The record is plain arrays so that a batch
gap kernel can produce the same thing for many pairs at once: its fields are stable.

The gap follows the ``coverage`` score (``../shared/DESIGN.md``). A requirement ``i``
with weight ``w_i`` and required level ``r_i``, met by the person at effective level
``e_i`` (0 = not held; related-skill credit included when the caller passes it), has
shortfall ``1 - min(1, e_i / r_i)``; the requirement is in the gap when that is above 0.
The size of the gap is the importance-weighted shortfall ``Σ w_i (r_i - e_i) / r_i``, so
that ``coverage = 1 - size / Σ_all w_i`` over all of the target's requirements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..kernels.gap_arrays import GapRows
from ..models import IMPORTANCE_CODES, Jobseeker, Vacancy
from ..problems import InputError, Problem, closest

if TYPE_CHECKING:  # pragma: no cover
    from ..taxonomy import Taxonomy

#: Weights of the importance codes 1 somewhat relevant, 2 important, 3 essential.
DEFAULT_WEIGHTS: tuple[float, float, float] = (0.5, 0.75, 1.0)
ESSENTIAL = IMPORTANCE_CODES["essential"]


@dataclass(frozen=True, eq=False)
class Gap:
    """The unmet requirements of one target for one person.

    All arrays have one entry per requirement in the gap, ordered by concept index
    ascending. A gap of length 0 means the person meets every requirement.

    Attributes
    ----------
    concepts : ndarray of int32, shape (n,)
        Concept indices (columns of the taxonomy's skill matrices).
    required : ndarray of float32, shape (n,)
        Level the target asks for, 1–5.
    current : ndarray of float32, shape (n,)
        The person's effective level now, 0 ≤ current < required (0 = nothing).
    importance : ndarray of int8, shape (n,)
        Importance code: 3 essential, 2 important, 1 somewhat relevant.
    weight : ndarray of float32, shape (n,)
        The weight of that importance in force when the gap was made.
    essential : ndarray of bool, shape (n,)
        ``importance == 3``.
    total_weight : float
        Sum of the weights of *all* the target's requirements, met or not (the
        denominator of coverage); 0 for a target without requirements.
    target, person : str
        Ids of the target and the person, ``""`` when not known.
    """

    concepts: np.ndarray
    required: np.ndarray
    current: np.ndarray
    importance: np.ndarray
    weight: np.ndarray
    essential: np.ndarray
    total_weight: float
    target: str = ""
    person: str = ""

    def __len__(self) -> int:
        return len(self.concepts)

    def shortfall(self) -> np.ndarray:
        """Per requirement ``(required - current) / required`` in (0, 1], float64, shape (n,)."""
        return (self.required.astype(np.float64) - self.current) / self.required

    def size(self) -> float:
        """The importance-weighted shortfall ``Σ weight · shortfall`` (0 for an empty gap)."""
        return float(np.dot(self.weight.astype(np.float64), self.shortfall()))

    def coverage(self) -> float:
        """The target's importance-weighted coverage now, ``1 - size / total_weight`` (1 when nothing is asked)."""
        return 1.0 if self.total_weight <= 0 else 1.0 - self.size() / self.total_weight

    def closed_by(self, levels: np.ndarray) -> float:
        """Share of :meth:`size` that reaching ``levels`` would close.

        Parameters
        ----------
        levels : array of float, shape (n,)
            Level the person would have in each gap requirement (e.g. after training).

        Returns
        -------
        float in [0, 1]
            ``Σ w_i (min(r_i, max(e_i, levels_i)) - e_i) / r_i`` divided by :meth:`size`;
            1.0 for an empty gap.
        """
        levels = np.asarray(levels, dtype=np.float64)
        if levels.shape != self.concepts.shape:
            raise InputError(f"Gap.closed_by: levels must have shape {self.concepts.shape}, got {levels.shape}")
        size = self.size()
        if size <= 0:
            return 1.0
        gained = (np.minimum(self.required, np.maximum(self.current, levels)) - self.current) / self.required
        return float(min(1.0, np.dot(self.weight.astype(np.float64), gained) / size))

    def labels(self, taxonomy: Taxonomy, lang: str = "nl") -> list[str]:
        """Preferred labels of the gap's concepts (Dutch by default), in array order."""
        return [taxonomy.concept_label(int(j), lang) for j in self.concepts]

    def describe(self, taxonomy: Taxonomy, lang: str = "nl") -> list[str]:
        """One line per requirement: label, current and required level, essential mark."""
        mark = " (essentieel)" if lang == "nl" else " (essential)"
        return [
            f"{label}: {cur:g} -> {req:g}{mark if ess else ''}"
            for label, cur, req, ess in zip(self.labels(taxonomy, lang), self.current, self.required, self.essential)
        ]


def gap_from_arrays(
    held_indices: np.ndarray,
    held_levels: np.ndarray,
    required_indices: np.ndarray,
    required_importance: np.ndarray,
    required_levels: np.ndarray,
    *,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
    target: str = "",
    person: str = "",
) -> Gap:
    """The gap of one person's level row against one target's requirement row.

    Parameters
    ----------
    held_indices, held_levels : array of int and of float, shape (h,)
        The person's effective levels as a sparse row: concept indices (any order; a
        repeated index keeps its highest level) and levels (0–5; credit through related
        skills may give fractional levels).
    required_indices, required_importance, required_levels : arrays, shape (r,)
        The target's requirement row: concept indices (unique), importance codes 1–3 and
        required levels 1–5 — one row of ``Taxonomy.requirements`` /
        ``requirement_levels`` or of a vectorised vacancy.
    weights : three floats
        Weights of importance 1 somewhat, 2 important, 3 essential; each > 0.
    target, person : str
        Ids carried into the record.

    Returns
    -------
    Gap
        Requirements with ``current < required``, by concept index ascending. Empty
        inputs give an empty gap (``total_weight`` 0 when the target asks nothing).

    Raises
    ------
    InputError
        Arrays of unequal lengths, importance codes outside 1–3, levels outside their
        range, a repeated requirement, weights that are not three positive numbers.
    """
    held_i = np.asarray(held_indices).astype(np.int64, copy=False).ravel()
    held_l = np.asarray(held_levels, dtype=np.float64).ravel()
    req_i = np.asarray(required_indices).astype(np.int64, copy=False).ravel()
    req_c = np.asarray(required_importance).astype(np.int64, copy=False).ravel()
    req_l = np.asarray(required_levels, dtype=np.float64).ravel()
    weight_table = _check_rows(held_i, held_l, req_i, req_c, req_l, weights)

    current = _levels_at(held_i, held_l, req_i)
    w = weight_table[req_c]
    open_ = current < req_l
    order = np.argsort(req_i[open_], kind="stable")
    code = req_c[open_][order].astype(np.int8)
    return Gap(
        concepts=req_i[open_][order].astype(np.int32),
        required=req_l[open_][order].astype(np.float32),
        current=current[open_][order].astype(np.float32),
        importance=code,
        weight=w[open_][order].astype(np.float32),
        essential=code == ESSENTIAL,
        total_weight=float(w.sum()),
        target=target,
        person=person,
    )


def _check_rows(held_i, held_l, req_i, req_c, req_l, weights) -> np.ndarray:
    """Validate the two rows; the weight table indexed by importance code (index 0 unused)."""
    problems: list[str] = []
    if held_i.shape != held_l.shape:
        problems.append(f"held_indices and held_levels differ in length ({held_i.size} and {held_l.size})")
    if not (req_i.shape == req_c.shape == req_l.shape):
        problems.append(f"required_indices, required_importance and required_levels differ in length "
                        f"({req_i.size}, {req_c.size}, {req_l.size})")
    if not problems:
        if held_l.size and (not np.isfinite(held_l).all() or held_l.min() < 0 or held_l.max() > 5):
            problems.append("held_levels must be finite levels from 0 to 5")
        if req_c.size and (req_c.min() < 1 or req_c.max() > 3):
            problems.append(f"required_importance must hold codes 1, 2 or 3, found {sorted(set(req_c.tolist()) - {1, 2, 3})}")
        if req_l.size and (not np.isfinite(req_l).all() or req_l.min() <= 0 or req_l.max() > 5):
            problems.append("required_levels must be levels in (0, 5]")
        if np.unique(req_i).size != req_i.size:
            problems.append("required_indices holds a concept twice")
        if min(held_i.min(initial=0), req_i.min(initial=0)) < 0:
            problems.append("concept indices must be ≥ 0")
    table = np.asarray(weights, dtype=np.float64).ravel()
    if table.size != 3 or not np.isfinite(table).all() or (table <= 0).any():
        problems.append(f"weights must be three positive numbers (somewhat, important, essential), got {list(weights)}")
    if problems:
        raise InputError([Problem(p, where="gap_from_arrays") for p in problems])
    return np.concatenate([[0.0], table])


def _levels_at(held_i: np.ndarray, held_l: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The held level at each concept of ``at`` (0 when not held; the highest of repeats)."""
    if held_i.size == 0 or at.size == 0:
        return np.zeros(at.size)
    order = np.lexsort((held_l, held_i))  # by index, then level: the last of a run is its highest
    idx, lvl = held_i[order], held_l[order]
    last = np.r_[idx[1:] != idx[:-1], True]
    idx, lvl = idx[last], lvl[last]
    pos = np.minimum(np.searchsorted(idx, at), idx.size - 1)
    return np.where(idx[pos] == at, lvl[pos], 0.0)


# --- records -> arrays ----------------------------------------------------------------------


def held_row(taxonomy: Taxonomy, jobseeker: Jobseeker) -> tuple[np.ndarray, np.ndarray]:
    """The person's own skills as ``(indices int32, levels float32)``, highest level per concept.

    Raises
    ------
    InputError
        A skill that is not in the taxonomy, naming the record, the field and the closest id.
    """
    indices, levels, problems = [], [], []
    for k, claim in enumerate(jobseeker.skills):
        j = taxonomy.concepts.index.get(claim.skill)
        if j is None:
            problems.append(_unknown(taxonomy.concepts.ids, claim.skill, "concept", "jobseeker", jobseeker.id,
                                     f"skills[{k}].skill"))
            continue
        indices.append(j)
        levels.append(claim.proficiency)
    if problems:
        raise InputError(problems)
    held_i, held_l = np.asarray(indices, dtype=np.int64), np.asarray(levels, dtype=np.float64)
    keep = np.unique(held_i)
    return keep.astype(np.int32), _levels_at(held_i, held_l, keep).astype(np.float32)


def requirement_row(taxonomy: Taxonomy, target: str | Vacancy) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """A target's requirements as ``(indices, importance codes, levels, id)``.

    ``target`` is an occupation id, or a vacancy (its own requirements, else those of its
    occupation).

    Raises
    ------
    InputError
        An occupation id or a required skill that is not in the taxonomy.
    """
    if isinstance(target, Vacancy) and target.requirements:
        problems, rows = [], []
        for k, req in enumerate(target.requirements):
            j = taxonomy.concepts.index.get(req.skill)
            if j is None:
                problems.append(_unknown(taxonomy.concepts.ids, req.skill, "concept", "vacancy", target.id,
                                         f"requirements[{k}].skill"))
            else:
                rows.append((j, IMPORTANCE_CODES[req.importance], req.level))
        if problems:
            raise InputError(problems)
        arr = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
        return arr[:, 0].astype(np.int32), arr[:, 1].astype(np.int8), arr[:, 2].astype(np.float32), target.id
    if isinstance(target, Vacancy):
        occupation, record, field, kind = target.occupation, target.id, "occupation", "vacancy"
    else:
        occupation, record, field, kind = target, None, "target", "target"
    o = taxonomy.occupations.index.get(occupation) if occupation is not None else None
    if o is None or occupation is None:
        raise InputError([_unknown(taxonomy.occupations.ids, occupation, "occupation", kind, record, field)])
    req, lvl = taxonomy.requirements, taxonomy.requirement_levels
    lo, hi = req.indptr[o], req.indptr[o + 1]
    return (req.indices[lo:hi].astype(np.int32), req.data[lo:hi].astype(np.int8),
            lvl.data[lo:hi].astype(np.float32), record or occupation)


def gap_for(
    taxonomy: Taxonomy,
    jobseeker: Jobseeker,
    target: str | Vacancy,
    *,
    effective: tuple[np.ndarray, np.ndarray] | None = None,
    weights: Sequence[float] = DEFAULT_WEIGHTS,
) -> Gap:
    """The gap of ``jobseeker`` against an occupation id or a vacancy.

    Parameters
    ----------
    effective : (indices, levels), optional
        The person's effective levels including credit through related skills (as the
        vectorising stage computes them). Default: the person's own skills only.
    weights : three floats
        Importance weights (somewhat, important, essential).
    """
    held_i, held_l = effective if effective is not None else held_row(taxonomy, jobseeker)
    columns = np.asarray(held_i)
    if columns.size and (columns.min() < 0 or columns.max() >= taxonomy.n_concepts):  # levels are checked below
        bad = int(columns[(columns < 0) | (columns >= taxonomy.n_concepts)][0])
        raise InputError([Problem(f"expected concept indices from 0 to {taxonomy.n_concepts - 1}, found {bad} (levels "
                                  "of another taxonomy?)", where="gap_for", record=jobseeker.id, field="effective")])
    req_i, req_c, req_l, target_id = requirement_row(taxonomy, target)
    return gap_from_arrays(held_i, held_l, req_i, req_c, req_l, weights=weights, target=target_id,
                           person=jobseeker.id)


def _unknown(ids: Iterable[str], value: str | None, what: str, where: str, record: str | None, field: str) -> Problem:
    hint = closest(value or "", ids) if value else []
    suggestion = f" (closest id: {hint[0]!r})" if hint else ""
    return Problem(f"{what} {value!r} is not in the taxonomy{suggestion}", where=where, record=record, field=field,
                   value=value)


# --- many pairs at once ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GapMatrix:
    """The gaps of many (person, target) pairs: a sparse matrix with one row per pair.

    Computed by the gap kernel (:func:`skillmatch.kernels.gap_rows`; formula in
    :mod:`skillmatch.kernels.gaps`) from the people's *effective* levels, so a requirement
    that a related skill half covers is half a gap. Row ``i`` is exactly the :class:`Gap`
    that :func:`gap_from_arrays` makes for the same effective row and requirement row
    (:meth:`gap` rebuilds it).

    Attributes
    ----------
    rows : skillmatch.kernels.GapRows
        The kernel's output: ``indptr`` int64 (n_pairs + 1); per entry (nnz, concept order
        within a row) ``concepts`` int32, ``shortfall`` float32 = ``(required - current) /
        required`` in (0, 1], ``required`` and ``current`` float32 levels, ``importance``
        int8 codes, ``weight`` float32, ``credited`` uint8 (1: the current level comes
        through a related skill only); per pair ``size`` float64 (``Σ weight ·
        shortfall``), ``total_weight`` float64 (all of the target's requirements) and
        ``missing_essential`` int32 (essential requirements the person has nothing for).
    persons, targets : ndarray of int32, shape (n_pairs,)
        Positions of each pair's person and target in ``person_ids`` / ``target_ids``.
    person_ids, target_ids : tuple of str
    n_concepts : int
        Columns (the taxonomy's concepts).
    weights : (float, float, float)
        Importance weights in force (somewhat, important, essential).
    """

    rows: GapRows
    persons: np.ndarray
    targets: np.ndarray
    person_ids: tuple[str, ...]
    target_ids: tuple[str, ...]
    n_concepts: int
    weights: tuple[float, float, float] = DEFAULT_WEIGHTS

    def __len__(self) -> int:
        return len(self.persons)

    @property
    def indptr(self) -> np.ndarray:
        return self.rows.indptr

    @property
    def nnz(self) -> int:
        return int(self.rows.indptr[-1])

    def size(self) -> np.ndarray:
        """float64 (n_pairs): the importance-weighted shortfall of each pair (:meth:`Gap.size`)."""
        return self.rows.size

    def coverage(self) -> np.ndarray:
        """float64 (n_pairs): ``1 - size / total_weight`` (1 where the target asks nothing)."""
        total = self.rows.total_weight
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, 1.0 - self.rows.size / np.where(total > 0, total, 1.0), 1.0)

    def gap(self, i: int) -> Gap:
        """Row ``i`` as a :class:`Gap` (the same arrays, copied)."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < len(self):
            raise InputError([Problem(f"expected a pair number from 0 to {len(self) - 1}", where="GapMatrix.gap",
                                      field="i", value=i)])
        g, lo, hi = self.rows, self.rows.indptr[i], self.rows.indptr[i + 1]
        code = g.importance[lo:hi].copy()
        return Gap(concepts=g.concepts[lo:hi].copy(), required=g.required[lo:hi].copy(),
                   current=g.current[lo:hi].copy(), importance=code, weight=g.weight[lo:hi].copy(),
                   essential=code == ESSENTIAL, total_weight=float(g.total_weight[i]),
                   target=self.target_ids[self.targets[i]] if self.target_ids else "",
                   person=self.person_ids[self.persons[i]] if self.person_ids else "")

    def to_scipy(self, *, weighted: bool = False):
        """A ``scipy.sparse.csr_matrix`` of shape (n_pairs, n_concepts): the shortfall of each
        gap entry (float32), or ``weight · shortfall`` (float64) with ``weighted=True``."""
        import scipy.sparse as sp

        g = self.rows
        if weighted:  # the shortfall again in float64, as ``size`` sums it
            required = g.required.astype(np.float64)
            data = g.weight.astype(np.float64) * ((required - g.current) / required)
        else:
            data = g.shortfall.copy()
        return sp.csr_matrix((data, g.concepts.copy(), g.indptr.copy()), shape=(len(self), self.n_concepts))


def _positions(values: object, size: int, where: str, field: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise InputError([Problem("expected a 1-d array of integer positions", where=where, field=field)])
    array = array.astype(np.int64)
    if array.size and (array.min() < 0 or array.max() >= size):
        bad = int(array.min()) if array.min() < 0 else int(array.max())
        raise InputError([Problem(f"expected positions from 0 to {size - 1}", where=where, field=field, value=bad)])
    return array.astype(np.int32)


def gap_matrix(effective, direct: np.ndarray | None, importance, levels: np.ndarray, persons, targets, *,
               weights: Sequence[float] = DEFAULT_WEIGHTS, person_ids: Sequence[str] = (),
               target_ids: Sequence[str] = (), n_threads: int | None = None) -> GapMatrix:
    """The gaps of the pairs ``(persons[i], targets[i])`` from arrays.

    Parameters
    ----------
    effective : skillmatch.vectorize.CSR, shape (n_people, n_concepts)
        Effective levels (float32 > 0, with related-skill credit: ``Side.eff`` of a
        prepared people side, or held levels when credit is off); int32 indices sorted
        and unique within each row.
    direct : ndarray of uint8, shape (effective.nnz,), optional
        1 where the level is held directly (``Side.direct``); default all 1.
    importance : skillmatch.vectorize.CSR of int8 codes 1–3, shape (n_targets, n_concepts)
        The targets' requirements (``WorkBatch.importance``).
    levels : ndarray of float32, shape (importance.nnz,)
        Required level of each requirement, in (0, 5] (``WorkBatch.levels``).
    persons, targets : arrays of int, shape (n_pairs,)
        Row positions into ``effective`` and ``importance``.
    weights : three floats > 0
        Weights of importance 1 somewhat, 2 important, 3 essential.
    person_ids, target_ids : sequences of str, optional
        Ids for the rebuilt :class:`Gap` records.
    n_threads : int, optional

    Returns
    -------
    GapMatrix

    Raises
    ------
    InputError
        Arrays of the wrong type, shape or range (naming the field), positions out of
        range, weights that are not three positive numbers, a person or target id list of
        the wrong length.
    """
    from .. import kernels
    from ..vectorize import CSR

    where = "gap_matrix"
    for field, m in (("effective", effective), ("importance", importance)):
        if not isinstance(m, CSR):
            raise InputError([Problem(f"expected a skillmatch.vectorize.CSR, got {type(m).__name__}", where=where,
                                      field=field)])
    if effective.n_columns != importance.n_columns:
        raise InputError([Problem(f"effective has {effective.n_columns} columns, importance "
                                  f"{importance.n_columns}: both must have one per concept", where=where,
                                  field="importance")])
    table = np.concatenate([[0.0], np.asarray(weights, dtype=np.float64).ravel()])
    if table.size != 4 or not np.isfinite(table).all() or (table[1:] <= 0).any():
        raise InputError([Problem(f"expected three positive numbers (somewhat, important, essential), got "
                                  f"{list(weights)}", where=where, field="weights")])
    direct = np.ones(effective.nnz, np.uint8) if direct is None else direct
    people = kernels.Effective(effective.indptr, effective.indices, effective.data, direct)
    work = kernels.Demands(importance.indptr, importance.indices, levels, importance.data)
    try:
        kernels.check_effective(people, effective.n_columns, "effective")
        kernels.check_demands(work, importance.n_columns, "importance")
    except InputError as exc:
        raise InputError([Problem(str(p), where=where) for p in exc.problems]) from None
    rows = _positions(persons, effective.n_rows, where, "persons")
    cols = _positions(targets, importance.n_rows, where, "targets")
    if rows.shape != cols.shape:
        raise InputError([Problem(f"persons and targets differ in length ({rows.size} and {cols.size})", where=where,
                                  field="targets")])
    for field, ids, n in (("person_ids", person_ids, effective.n_rows), ("target_ids", target_ids, importance.n_rows)):
        if len(ids) not in (0, n):
            raise InputError([Problem(f"expected {n} ids (one per row) or none, got {len(ids)}", where=where,
                                      field=field)])
    out = kernels.gap_rows(kernels.Pairs(rows, cols), people, work, table, effective.n_columns, n_threads=n_threads,
                           check=False)
    return GapMatrix(out, rows, cols, tuple(person_ids), tuple(target_ids), effective.n_columns,
                     (float(table[1]), float(table[2]), float(table[3])))


def gaps_for_matches(result, *, max_score: float | None = None, weights: Sequence[float] | None = None,
                     n_threads: int | None = None) -> GapMatrix:
    """The gaps of every match in a :class:`~skillmatch.match.MatchResult`, as a :class:`GapMatrix`.

    Pairs are taken row by row, best match first (padding left out); with ``max_score``
    only the matches scoring below it (e.g. the near misses under a match threshold). Works
    in both directions: people matched to work (the person is the query) and work matched
    to people (the person is the candidate). The people's effective levels and the
    importance weights are the index's (``weights`` overrides the latter).

    Raises
    ------
    InputError
        A result that does not pair people with work (occupation to occupation), or a
        ``max_score`` that is not a number.
    """
    from ..match import MatchResult
    from ..match.index import PEOPLE
    from ..vectorize import WorkBatch

    if not isinstance(result, MatchResult):
        raise InputError([Problem(f"expected a MatchResult, got {type(result).__name__}", where="gaps_for_matches",
                                  field="result")])
    queries, candidates = result.queries, result.index.candidates
    if queries.kind == PEOPLE and candidates.kind != PEOPLE:
        people_side, work_side, people_are_queries = queries, candidates, True
    elif candidates.kind == PEOPLE and queries.kind != PEOPLE:
        people_side, work_side, people_are_queries = candidates, queries, False
    else:
        raise InputError([Problem("expected a result that pairs people with work (vacancies or occupations); "
                                  "gaps of work against work need the work as a person (use gap_matrix)",
                                  where="gaps_for_matches", field="result")])
    keep = result.indices >= 0
    if max_score is not None:
        if isinstance(max_score, bool) or not isinstance(max_score, (int, float, np.floating)):
            raise InputError([Problem("expected a number or None", where="gaps_for_matches", field="max_score",
                                      value=max_score)])
        keep &= result.scores < max_score
    query_rows = np.nonzero(keep)[0].astype(np.int32)
    cand = result.indices[keep].astype(np.int32)
    persons, targets = (query_rows, cand) if people_are_queries else (cand, query_rows)
    work = work_side.batch
    assert isinstance(work, WorkBatch)  # the side that is not people is work
    weights = result.index.settings.importance_weights if weights is None else weights
    return gap_matrix(people_side.eff, people_side.direct, work.importance, work.levels, persons, targets,
                      weights=weights, person_ids=people_side.batch.ids, target_ids=work.ids, n_threads=n_threads)
