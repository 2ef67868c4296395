"""Records to arrays: jobseekers, vacancies and occupations become typed batches.

This is the one place where records turn into arrays. Two kinds of skill matrix come out,
each a ``scipy.sparse.csr_matrix`` with int32 indices (sorted, unique within a row), one
column per taxonomy concept, never sharing memory with the caller's input:

- **held skills** of people: the proficiency level (1–5, float32) of each skill held;
- **requirements** of vacancies and occupations: a :class:`Requirements` with the
  importance code (3 essential, 2 important, 1 somewhat; int8) and required level (1–5,
  float32) of each skill.

A batch adds what the filters read (:class:`~.place.Place`: region, location and travel
limit, hours, support), the ids and display labels, and the fingerprint of the taxonomy
it was built against: :class:`PeopleBatch` for jobseekers, :class:`WorkBatch` for
vacancies and occupations. :func:`batch` builds either from whatever a caller passes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from ..models import IMPORTANCE_CODES, SUPPORT_KINDS, Jobseeker, Vacancy
from ..problems import InputError, Problem, closest
from ..taxonomy import Taxonomy
from .place import Place, unfiltered_place
from .sparse import CSR, INDEX_DTYPE, VALUE_DTYPE, as_csr, check_csr

SUPPORT_BITS = {name: 1 << i for i, name in enumerate(SUPPORT_KINDS)}
#: Unknown skills get a "closest:" hint only for the first few: each hint searches every
#: concept id (~8 ms against ESCO), and 10k unknown skills must not take minutes to report.
MAX_HINTS = 10


@dataclass(frozen=True)
class Requirements:
    """What a set of vacancies or occupations asks for, row by row.

    ``importance`` (int8 codes) and ``level`` (float32, 1–5) share one sparsity pattern.
    """

    importance: sp.csr_matrix
    level: sp.csr_matrix

    @property
    def shape(self) -> tuple[int, int]:
        return self.importance.shape


def as_requirements(reqs: Requirements, n_columns: int, name: str) -> Requirements:
    """A validated copy of a :class:`Requirements`: codes 1–3, levels 1–5, one shared pattern."""
    imp = as_csr(reqs.importance, n_columns, f"{name}.importance", dtype=np.int8)
    lvl = as_csr(reqs.level, n_columns, f"{name}.level")
    if imp.shape != lvl.shape or imp.nnz != lvl.nnz or not (
            np.array_equal(imp.indptr, lvl.indptr) and np.array_equal(imp.indices, lvl.indices)):
        raise InputError(f"{name}: importance and level must have the same shape and the same non-zero entries")
    if imp.nnz and (imp.data.min() < 1 or imp.data.max() > 3):
        raise InputError(f"{name}.importance: expected codes 1 (somewhat), 2 (important) or 3 (essential), "
                         f"found values from {imp.data.min()} to {imp.data.max()}")
    if lvl.nnz and (lvl.data.min() < 1 or lvl.data.max() > 5):
        raise InputError(f"{name}.level: expected required levels from 1 to 5, found values from "
                         f"{lvl.data.min():g} to {lvl.data.max():g}")
    return Requirements(imp, lvl)


class _Unknown:
    """Collects unknown-skill problems, with a closest-id hint for the first :data:`MAX_HINTS`."""

    def __init__(self, taxonomy: Taxonomy, where: str):
        self.taxonomy, self.where = taxonomy, where
        self.problems: list[Problem] = []

    def skill(self, uri: str, record: str, field: str) -> None:
        hint = ""
        if len(self.problems) < MAX_HINTS and len(uri) > 2:
            near = closest(uri, self.taxonomy.concepts.ids)
            if near:
                j = self.taxonomy.concepts.index[near[0]]
                hint = f" (closest: {near[0]!r}, {self.taxonomy.concept_label(j)!r})"
        self.problems.append(Problem(f"skill {uri!r} is not in the taxonomy{hint}", where=self.where, record=record,
                                     field=field, value=uri))

    def raise_if_any(self, what: str) -> None:
        if self.problems:
            raise InputError(self.problems, summary=f"{len(self.problems)} {what} in {self.where}")


def _rows(rows: list[dict[int, Any]], n_columns: int, value: Any, dtype: Any) -> CSR:
    indptr = np.zeros(len(rows) + 1, np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    cols: list[int] = []
    vals: list[Any] = []
    for r in rows:
        keys = sorted(r)
        cols.extend(keys)
        vals.extend(map(value, map(r.__getitem__, keys)))
    return CSR(indptr, np.array(cols, INDEX_DTYPE), np.array(vals, dtype), n_columns)


def held_skills(taxonomy: Taxonomy, jobseekers: Sequence[Jobseeker], *, where: str = "jobseekers") -> sp.csr_matrix:
    """Proficiency matrix of shape (n_jobseekers, n_concepts), float32 levels 1–5.

    A skill listed twice for one person keeps the higher proficiency. Unknown skills raise
    one :class:`InputError` listing every unknown skill with the record and position.
    """
    return _held_rows(taxonomy, jobseekers, where).to_scipy()


def _held_rows(taxonomy: Taxonomy, jobseekers: Sequence[Jobseeker], where: str) -> CSR:
    unknown = _Unknown(taxonomy, where)
    index = taxonomy.concepts.index
    rows: list[dict[int, Any]] = []
    for person in jobseekers:
        row: dict[int, float] = {}
        for k, claim in enumerate(person.skills):
            j = index.get(claim.skill)
            if j is None:
                unknown.skill(claim.skill, person.id, f"skills[{k}].skill")
            elif j not in row or row[j] < claim.proficiency:
                row[j] = float(claim.proficiency)
        rows.append(row)
    unknown.raise_if_any("unknown skill(s)")
    return _rows(rows, taxonomy.n_concepts, float, VALUE_DTYPE)


def vacancy_requirements(taxonomy: Taxonomy, vacancies: Sequence[Vacancy], *,
                         where: str = "vacancies") -> Requirements:
    """Requirements of each vacancy: its own, or else its occupation's.

    A skill listed twice in one vacancy keeps the higher importance and level.
    """
    importance, levels = _requirement_rows(taxonomy, vacancies, where)
    return Requirements(importance.to_scipy(), importance.with_data(levels).to_scipy())


def _requirement_rows(taxonomy: Taxonomy, vacancies: Sequence[Vacancy], where: str) -> tuple[CSR, np.ndarray]:
    """(importance codes as CSR of int8, required levels float32 per entry)."""
    unknown = _Unknown(taxonomy, where)
    index = taxonomy.concepts.index
    occ_req, occ_lvl = taxonomy.requirements, taxonomy.requirement_levels
    rows: list[dict[int, Any]] = []
    for vacancy in vacancies:
        row: dict[int, tuple[int, float]] = {}
        if vacancy.requirements:
            for k, req in enumerate(vacancy.requirements):
                j = index.get(req.skill)
                if j is None:
                    unknown.skill(req.skill, vacancy.id, f"requirements[{k}].skill")
                    continue
                imp, lvl = row.get(j, (0, 0.0))
                row[j] = (max(imp, IMPORTANCE_CODES[req.importance]), max(lvl, float(req.level)))
        else:
            o = taxonomy.occupations.index.get(vacancy.occupation or "")
            if o is None:
                p = Taxonomy._unknown(vacancy.occupation or "", taxonomy.occupations, where, "occupation")
                unknown.problems.append(Problem(p.message, where=where, record=vacancy.id, field="occupation",
                                                value=vacancy.occupation))
            else:
                lo, hi = occ_req.indptr[o], occ_req.indptr[o + 1]
                for j, imp, lvl in zip(occ_req.indices[lo:hi], occ_req.data[lo:hi], occ_lvl.data[lo:hi]):
                    row[int(j)] = (int(imp), float(lvl))
        rows.append(row)
    unknown.raise_if_any("problem(s)")
    importance = _rows(rows, taxonomy.n_concepts, lambda v: v[0], np.int8)
    levels = np.fromiter((r[j][1] for r in rows for j in sorted(r)), VALUE_DTYPE, count=importance.nnz)
    return importance, levels


def occupation_requirements(taxonomy: Taxonomy) -> Requirements:
    """The taxonomy's occupations as a :class:`Requirements` (copies; the taxonomy stays as it is)."""
    return as_requirements(Requirements(taxonomy.requirements, taxonomy.requirement_levels), taxonomy.n_concepts,
                           "taxonomy.requirements")


# --- typed batches ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleBatch:
    """Jobseekers (or bare rows of held levels) as arrays.

    ``held`` (n rows, one column per concept): float32 levels 1–5; ``place`` the filters'
    view; ``located`` is False for bare matrices, which carry no place, hours or support.
    """

    kind: ClassVar[str] = "people"
    ids: tuple[str, ...]
    labels: tuple[str, ...]
    held: CSR
    place: Place
    fingerprint: str
    located: bool = True

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class WorkBatch:
    """Vacancies or occupations (or bare requirement rows) as arrays.

    ``importance`` (n rows, one column per concept): int8 codes 1–3; ``levels`` float32
    (one per entry of ``importance``): required levels 1–5. ``crucial`` (n) bool: the
    work is in a maatschappelijk cruciale sector (a score may be boosted for it).
    ``located`` is False for occupations and bare matrices.
    """

    kind: ClassVar[str] = "work"
    ids: tuple[str, ...]
    labels: tuple[str, ...]
    importance: CSR
    levels: np.ndarray
    place: Place
    crucial: np.ndarray
    fingerprint: str
    located: bool = True

    def __len__(self) -> int:
        return len(self.ids)


Batch = PeopleBatch | WorkBatch


def _unique_ids(ids: list[str], where: str) -> None:
    if len(set(ids)) == len(ids):
        return
    repeated = sorted(i for i, count in Counter(ids).items() if count > 1)
    if repeated:
        raise InputError(f"{where}: ids must be unique; repeated: {repeated[:5]}"
                         f"{f' and {len(repeated) - 5} more' if len(repeated) > 5 else ''}")


def _place(taxonomy: Taxonomy, records: Sequence[Jobseeker | Vacancy], where: str) -> Place:
    n = len(records)
    region = np.full(n, -1, np.int32)
    geo = np.zeros((n, 3), np.float64)
    hours = np.zeros((n, 2), np.float32)
    needs = np.zeros(n, np.uint32)
    offers = np.zeros(n, np.uint32)
    problems: list[Problem] = []
    for i, rec in enumerate(records):
        point = rec.location
        if rec.region is not None:
            j = taxonomy.region_index.get(rec.region)
            if j is None:
                problems.append(Problem(f"region {rec.region!r} is not one of the taxonomy's {len(taxonomy.regions)} "
                                        "regions", where=where, record=rec.id, field="region", value=rec.region))
            else:
                region[i] = j
                point = point or taxonomy.regions[j].location
        geo[i, :2] = (math.radians(point.lat), math.radians(point.lon)) if point else (np.nan, np.nan)
        hours[i] = (rec.hours_min, rec.hours_max)
        if isinstance(rec, Jobseeker):
            if rec.max_travel_km and point is None and not (rec.region and region[i] < 0):
                # a limit with nothing to measure from would silently leave the person without matches
                problems.append(Problem("max_travel_km is set, but there is no location or region to measure the "
                                        "distance from; give a location or a region, or leave max_travel_km empty",
                                        where=where, record=rec.id, field="max_travel_km"))
            geo[i, 2] = rec.max_travel_km or 0.0
            needs[i] = sum(SUPPORT_BITS[str(s)] for s in set(rec.support_needs))
        else:
            offers[i] = sum(SUPPORT_BITS[str(s)] for s in set(rec.offers))
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in {where}")
    return Place(region, geo, hours, needs, offers)


def people(taxonomy: Taxonomy, jobseekers: Sequence[Jobseeker], *, where: str = "jobseekers") -> PeopleBatch:
    """Jobseekers as a :class:`PeopleBatch`. Raises :class:`InputError` listing every problem."""
    ids = [p.id for p in jobseekers]
    _unique_ids(ids, where)
    place = _place(taxonomy, jobseekers, where)
    held = _held_rows(taxonomy, jobseekers, where)
    return PeopleBatch(tuple(ids), tuple(ids), held, place, taxonomy.fingerprint)


def _is_crucial(taxonomy: Taxonomy, sector: str | None) -> bool:
    return bool(sector) and sector in taxonomy.sectors and taxonomy.sectors[sector].crucial


def work(taxonomy: Taxonomy, vacancies: Sequence[Vacancy], *, where: str = "vacancies") -> WorkBatch:
    """Vacancies as a :class:`WorkBatch`. Raises :class:`InputError` listing every problem."""
    ids = [v.id for v in vacancies]
    _unique_ids(ids, where)
    place = _place(taxonomy, vacancies, where)
    importance, levels = _requirement_rows(taxonomy, vacancies, where)
    occ_index, occ_sector = taxonomy.occupations.index, taxonomy.occupation_sector
    crucial = np.array([_is_crucial(taxonomy, v.sector or (occ_sector[occ_index[v.occupation]]
                                                           if v.occupation in occ_index else None))
                        for v in vacancies], bool)
    labels = tuple(f"{v.title or v.id}{' bij ' + v.employer if v.employer else ''} ({v.id})" for v in vacancies)
    return WorkBatch(tuple(ids), labels, importance, levels, place, crucial, taxonomy.fingerprint)


def occupations(taxonomy: Taxonomy, lang: str = "nl") -> WorkBatch:
    """The taxonomy's occupations as a :class:`WorkBatch` (no place: no filter restricts them)."""
    n = taxonomy.n_occupations
    crucial = np.array([_is_crucial(taxonomy, s) for s in taxonomy.occupation_sector], bool)
    labels = tuple(taxonomy.occupation_label(i, lang) for i in range(n))
    reqs = occupation_requirements(taxonomy)
    return WorkBatch(tuple(taxonomy.occupations.ids), labels, CSR.from_scipy(reqs.importance), reqs.level.data,
                     unfiltered_place(n, offers_all=True), crucial, taxonomy.fingerprint, located=False)


def from_matrix(taxonomy: Taxonomy, matrix: Any, *, where: str) -> Batch:
    """Pre-vectorised rows: a :class:`Requirements` (work) or held levels 1–5 (people).

    Rows are named by position ("0", "1", ...) and carry no place, hours or support, so no
    filter restricts them.
    """
    if isinstance(matrix, Requirements):
        reqs = as_requirements(matrix, taxonomy.n_concepts, where)
        n = reqs.shape[0]
        ids = tuple(str(i) for i in range(n))
        return WorkBatch(ids, ids, CSR.from_scipy(reqs.importance), reqs.level.data,
                         unfiltered_place(n, offers_all=True), np.zeros(n, bool), taxonomy.fingerprint, located=False)
    held = as_csr(matrix, taxonomy.n_concepts, where)
    if held.nnz and (held.data.min() < 1 or held.data.max() > 5):
        raise InputError(f"{where}: held proficiency levels must be from 1 to 5, found values from "
                         f"{held.data.min():g} to {held.data.max():g}")
    ids = tuple(str(i) for i in range(held.shape[0]))
    return PeopleBatch(ids, ids, CSR.from_scipy(held), unfiltered_place(held.shape[0]), taxonomy.fingerprint,
                       located=False)


def _array(name: str, value: Any, dtype: Any, shape: tuple[int, ...]) -> None:
    if not isinstance(value, np.ndarray) or value.dtype != dtype or value.shape != shape:
        got = f"{value.dtype} {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        raise InputError(f"{name}: expected an array of {np.dtype(dtype).name} with shape {shape}, got {got}")


def check_batch(b: Batch, n_concepts: int, where: str = "batch") -> Batch:
    """A batch made by hand (not by this module) is checked before anything reads its arrays."""
    n = len(b.ids)
    if len(b.labels) != n or len(set(b.ids)) != n:
        raise InputError(f"{where}: expected {n} unique ids and as many labels, got {len(set(b.ids))} unique ids "
                         f"and {len(b.labels)} labels")
    skills = b.held if isinstance(b, PeopleBatch) else b.importance
    if not isinstance(skills, CSR) or skills.n_columns != n_concepts:
        raise InputError(f"{where}: expected skills as a CSR with {n_concepts} columns")
    _array(f"{where}.indptr", skills.indptr, np.int64, (n + 1,))
    _array(f"{where}.indices", skills.indices, np.int32, (len(skills.indices),))
    check_csr(where, skills.indptr, skills.indices, n, n_concepts)
    nnz = skills.nnz
    if isinstance(b, PeopleBatch):
        _array(f"{where}.held.data", skills.data, VALUE_DTYPE, (nnz,))
        if nnz and not (np.isfinite(skills.data).all() and skills.data.min() >= 1 and skills.data.max() <= 5):
            raise InputError(f"{where}.held: expected levels from 1 to 5")
    else:
        _array(f"{where}.importance.data", skills.data, np.int8, (nnz,))
        _array(f"{where}.levels", b.levels, VALUE_DTYPE, (nnz,))
        _array(f"{where}.crucial", b.crucial, np.bool_, (n,))
        if nnz and (skills.data.min() < 1 or skills.data.max() > 3):
            raise InputError(f"{where}.importance: expected codes 1, 2 or 3")
        if nnz and not (np.isfinite(b.levels).all() and b.levels.min() >= 1 and b.levels.max() <= 5):
            raise InputError(f"{where}.levels: expected required levels from 1 to 5")
    p = b.place
    for name, dtype, shape in (("region", np.int32, (n,)), ("geo", np.float64, (n, 3)), ("hours", np.float32, (n, 2)),
                               ("needs", np.uint32, (n,)), ("offers", np.uint32, (n,))):
        _array(f"{where}.place.{name}", getattr(p, name), dtype, shape)
    if np.isinf(p.geo).any() or np.isnan(p.geo[:, 2]).any() or not np.isfinite(p.hours).all():
        raise InputError(f"{where}.place: expected finite coordinates (NaN = unknown), travel limits and hours")
    return b


def batch(taxonomy: Taxonomy, records: Any, *, where: str = "records", lang: str = "nl") -> Batch:
    """Whatever a caller passes as a batch: a batch (checked against ``taxonomy``), a list
    of Jobseeker or of Vacancy records, ``"occupations"``, a :class:`Requirements` or a
    matrix of held levels."""
    if isinstance(records, (PeopleBatch, WorkBatch)):
        if records.fingerprint != taxonomy.fingerprint:
            raise InputError(f"{where}: built against another taxonomy (fingerprint {records.fingerprint}) than "
                             f"this one ({taxonomy.fingerprint}); vectorise the records again with this taxonomy")
        return check_batch(records, taxonomy.n_concepts, where)
    if isinstance(records, str):
        if records != "occupations":
            raise InputError(f"{where}: expected records, a matrix or 'occupations', got the string {records!r}")
        return occupations(taxonomy, lang)
    if isinstance(records, Taxonomy):
        return occupations(records, lang)
    if isinstance(records, Requirements) or sp.issparse(records) or isinstance(records, np.ndarray):
        return from_matrix(taxonomy, records, where=where)
    if isinstance(records, (Jobseeker, Vacancy)):
        raise InputError(f"{where}: expected a list of records; use match_one for a single record")
    try:
        records = list(records)
    except TypeError:
        raise InputError(f"{where}: expected a list of Jobseeker or Vacancy records, a matrix or 'occupations', "
                         f"got {type(records).__name__}") from None
    if not records:
        raise InputError(f"{where}: expected at least one record, got none")
    if all(isinstance(r, Jobseeker) for r in records):
        return people(taxonomy, records, where=f"jobseekers ({where})")
    if all(isinstance(r, Vacancy) for r in records):
        return work(taxonomy, records, where=f"vacancies ({where})")
    kinds = sorted({type(r).__name__ for r in records})
    raise InputError(f"{where}: expected only Jobseeker or only Vacancy records, got {kinds}")
