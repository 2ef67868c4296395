"""What the gap and unlock kernels see: named groups of typed arrays, and their checks.

Like :mod:`.arrays` this module imports no numba: the NumPy reference (:mod:`.reference`)
and the API edge build and check these groups without compiling anything. The kernels
are in :mod:`.gaps`.

Dtypes are fixed (one compiled specialisation per kernel): row pointers int64, concept
and row indices int32, stored levels and weights float32, sums float64, flags uint8,
importance codes int8.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..problems import InputError
from ..vectorize.sparse import check_csr
from .arrays import _dtype, _entries, _finite, _pointers

#: Importance codes (index into a weight table of 4 entries; entry 0 is unused).
SOMEWHAT, IMPORTANT, ESSENTIAL = 1, 2, 3


class Effective(NamedTuple):
    """People's effective proficiency as CSR rows (one row per person).

    indptr : int64 (n + 1)
    indices : int32 (nnz), concept ids, sorted and unique within a row
    levels : float32 (nnz), finite, > 0: the level held, or credited through a related skill
    direct : uint8 (nnz): 1 where the person holds the skill at that level, 0 where the
        level comes through a related skill
    """

    indptr: np.ndarray
    indices: np.ndarray
    levels: np.ndarray
    direct: np.ndarray


class Demands(NamedTuple):
    """What targets (vacancies or occupations) ask, as CSR rows (one row per target).

    indptr : int64 (m + 1)
    indices : int32 (nnz), concept ids, sorted and unique within a row
    levels : float32 (nnz), required level, finite, in (0, 5]
    importance : int8 (nnz), code 1 somewhat relevant, 2 important, 3 essential
    """

    indptr: np.ndarray
    indices: np.ndarray
    levels: np.ndarray
    importance: np.ndarray


class Pairs(NamedTuple):
    """Pairs of rows: ``rows[i]`` (a person, or a query row) with ``cols[i]`` (a target).

    rows, cols : int32 (n_pairs)
    """

    rows: np.ndarray
    cols: np.ndarray


class GapRows(NamedTuple):
    """The gap of each pair as CSR rows: one row per pair, one entry per unmet requirement.

    Entries, in concept order within a row (nnz):

    indptr : int64 (n_pairs + 1)
    concepts : int32: the requirement's concept
    shortfall : float32: ``(required - current) / required``, in (0, 1]
    required : float32: the level asked
    current : float32: the effective level now, 0 <= current < required (0 = nothing)
    importance : int8: code 1–3
    weight : float32: the weight of that importance
    credited : uint8: 1 where ``current > 0`` comes through a related skill only

    Per pair (n_pairs):

    size : float64: ``Σ float64(weight) · shortfall`` over the row, in concept order
    total_weight : float64: ``Σ weight`` over *all* the target's requirements (met or not)
    missing_essential : int32: essential requirements the person has nothing for
    """

    indptr: np.ndarray
    concepts: np.ndarray
    shortfall: np.ndarray
    required: np.ndarray
    current: np.ndarray
    importance: np.ndarray
    weight: np.ndarray
    credited: np.ndarray
    size: np.ndarray
    total_weight: np.ndarray
    missing_essential: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1


class Overlay(NamedTuple):
    """Levels that modules (or module sets) bring, by module and by concept.

    Row ``k`` is what completing bundle ``k`` gives a person: the effective level
    (with related-skill credit) in each concept it reaches. Applied to a person's row
    it raises each level to ``max(person, overlay)``.

    indptr : int64 (n_modules + 1); indices : int32 (nnz), sorted unique within a row;
    values : float32 (nnz), finite, > 0
    t_indptr : int64 (n_terms + 1); t_modules : int32; t_values : float32 — the same
        entries grouped by concept (modules ascending within a concept)
    language : int8 (n_modules): Dutch CEFR code a bundle needs (0 none, 1 A1 … 6 C2)
    taught : uint8 (nnz): 1 where the bundle teaches the concept itself (not only through
        credit): the trained person then holds it, which counts for ``fit``'s relevance
    """

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    t_indptr: np.ndarray
    t_modules: np.ndarray
    t_values: np.ndarray
    language: np.ndarray
    taught: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1


class Held(NamedTuple):
    """The skills each query row's person holds themselves (not through credit), as CSR.

    indptr : int64 (n + 1); indices : int32, sorted and unique within a row. ``fit`` counts
    them (relevance is the share of the person's own skills the work uses); a trained
    person holds these and what the bundle teaches.
    """

    indptr: np.ndarray
    indices: np.ndarray


def check_held(held: Held, n_rows: int, n_terms: int, name: str = "held") -> Held:
    if not isinstance(held, Held):
        raise InputError(f"{name}: expected a skillmatch.kernels.Held, got {type(held).__name__}")
    _dtype(f"{name}.indptr", held.indptr, np.int64)
    _dtype(f"{name}.indices", held.indices, np.int32)
    check_csr(name, held.indptr, held.indices, n_rows, n_terms)
    return held


def empty_gap_rows(n_pairs: int) -> GapRows:
    """A :class:`GapRows` with room for no entries (the counting pass writes none)."""
    return GapRows(np.zeros(n_pairs + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32),
                   np.zeros(0, np.float32), np.zeros(0, np.float32), np.zeros(0, np.int8), np.zeros(0, np.float32),
                   np.zeros(0, np.uint8), np.zeros(n_pairs), np.zeros(n_pairs), np.zeros(n_pairs, np.int32))


def gap_rows_for(indptr: np.ndarray) -> GapRows:
    """An uninitialised :class:`GapRows` for the row pointers ``indptr`` (the filling pass writes every entry)."""
    n, nnz = len(indptr) - 1, int(indptr[-1])
    return GapRows(indptr, np.empty(nnz, np.int32), np.empty(nnz, np.float32), np.empty(nnz, np.float32),
                   np.empty(nnz, np.float32), np.empty(nnz, np.int8), np.empty(nnz, np.float32),
                   np.empty(nnz, np.uint8), np.empty(n), np.empty(n), np.empty(n, np.int32))


# --- checks at the API edge -------------------------------------------------------------------


def check_effective(people: Effective, n_terms: int, name: str = "people") -> Effective:
    """Every array of an :class:`Effective` has the documented dtype, shape and range."""
    _, indices = _pointers(people, Effective, n_terms, name)
    _entries(f"{name}.levels", people.levels, np.float32, len(indices))
    _entries(f"{name}.direct", people.direct, np.uint8, len(indices))
    _finite(f"{name}.levels", people.levels, positive=True)
    if len(indices) and people.direct.max() > 1:
        raise InputError(f"{name}.direct: expected flags 0 or 1, found {int(people.direct.max())}")
    return people


def check_demands(work: Demands, n_terms: int, name: str = "targets") -> Demands:
    """Every array of a :class:`Demands` has the documented dtype, shape and range."""
    _, indices = _pointers(work, Demands, n_terms, name)
    _entries(f"{name}.levels", work.levels, np.float32, len(indices))
    _entries(f"{name}.importance", work.importance, np.int8, len(indices))
    _finite(f"{name}.levels", work.levels, positive=True)
    if len(indices):
        if work.levels.max() > 5:
            raise InputError(f"{name}.levels: expected required levels in (0, 5], found {float(work.levels.max()):g}")
        low, high = int(work.importance.min()), int(work.importance.max())
        if low < SOMEWHAT or high > ESSENTIAL:
            bad = low if low < SOMEWHAT else high
            raise InputError(f"{name}.importance: expected codes 1 (somewhat), 2 (important) or 3 (essential), "
                             f"found {bad}")
    return work


def check_pairs(pairs: Pairs, n_rows: int, n_cols: int, name: str = "pairs") -> Pairs:
    """Two int32 arrays of one length, ``rows`` in [0, n_rows), ``cols`` in [0, n_cols)."""
    if not isinstance(pairs, Pairs):
        raise InputError(f"{name}: expected a skillmatch.kernels.Pairs, got {type(pairs).__name__}")
    rows = _dtype(f"{name}.rows", pairs.rows, np.int32)
    cols = _dtype(f"{name}.cols", pairs.cols, np.int32)
    if len(rows) != len(cols):
        raise InputError(f"{name}: rows and cols differ in length ({len(rows)} and {len(cols)})")
    for field, ids, size in (("rows", rows, n_rows), ("cols", cols, n_cols)):
        if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= size):
            bad = int(ids.min()) if int(ids.min()) < 0 else int(ids.max())
            raise InputError(f"{name}.{field}: expected positions from 0 to {size - 1}, found {bad}")
    return pairs


def check_weight_table(table: np.ndarray, name: str = "weights") -> np.ndarray:
    """float64 (4,): entry 0 unused, entries 1–3 the weights of importance codes 1–3, each finite and > 0."""
    _dtype(name, table, np.float64)
    if table.shape != (4,) or not np.isfinite(table[1:]).all() or (table[1:] <= 0).any():
        raise InputError(f"{name}: expected a float64 table of 4 entries (0 unused, then the weights of codes "
                         f"1, 2, 3, each > 0), got {table.tolist()}")
    return table


def check_overlay(over: Overlay, n_terms: int, name: str = "overlay") -> Overlay:
    """Every array of an :class:`Overlay` has the documented dtype, shape and range, and both groupings agree."""
    indptr, indices = _pointers(over, Overlay, n_terms, name)
    n = len(indptr) - 1
    _entries(f"{name}.values", over.values, np.float32, len(indices))
    _finite(f"{name}.values", over.values, positive=True)
    t_indptr = _dtype(f"{name}.t_indptr", over.t_indptr, np.int64)
    t_modules = _dtype(f"{name}.t_modules", over.t_modules, np.int32)
    check_csr(f"{name} (by concept)", t_indptr, t_modules, n_terms, max(n, 1))
    _entries(f"{name}.t_values", over.t_values, np.float32, len(t_modules))
    _entries(f"{name}.language", over.language, np.int8, n, "module")
    _entries(f"{name}.taught", over.taught, np.uint8, len(indices))
    if len(indices) and over.taught.max() > 1:
        raise InputError(f"{name}.taught: expected flags 0 or 1, found {int(over.taught.max())}")
    if len(t_modules) != len(indices):
        raise InputError(f"{name}: the by-concept grouping has {len(t_modules)} entries, the by-module one "
                         f"{len(indices)}")
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    terms = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(t_indptr))
    a = np.lexsort((rows, indices))
    if not (np.array_equal(terms, indices[a]) and np.array_equal(t_modules, rows[a])
            and np.array_equal(over.t_values, over.values[a])):
        raise InputError(f"{name}: t_indptr, t_modules and t_values must hold the same entries as indptr, indices "
                         f"and values, grouped by concept")
    return over


def overlay_from_csr(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray, n_terms: int,
                     language: np.ndarray | None = None, taught: np.ndarray | None = None) -> Overlay:
    """An :class:`Overlay` from its by-module CSR arrays (the by-concept grouping is derived;
    ``language`` default 0, ``taught`` default all 1)."""
    n = len(indptr) - 1
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    order = np.lexsort((rows, indices))
    t_indptr = np.zeros(n_terms + 1, np.int64)
    np.cumsum(np.bincount(indices, minlength=n_terms), out=t_indptr[1:])
    lang = np.zeros(n, np.int8) if language is None else np.ascontiguousarray(language, np.int8)
    taught = np.ones(len(indices), np.uint8) if taught is None else np.ascontiguousarray(taught, np.uint8)
    return Overlay(indptr, indices, values, t_indptr, np.ascontiguousarray(rows[order]),
                   np.ascontiguousarray(values[order]), lang, taught)
