"""The training catalogue as arrays, checked once.

:class:`Catalogue` turns a list of :class:`~skillmatch.models.TrainingModule` records (the
taxonomy's scholingstegels, or any other list) into arrays that plans filter and optimise
over without touching a record again: price, study load, NLQF level, start moments,
delivery forms, regions, language levels, the prerequisite graph, funding schemes and
the levels taught. Building one checks the catalogue and raises one
:class:`~skillmatch.problems.InputError` listing every problem, each naming the module
and the field: unknown prerequisite, region or skill ids, a prerequisite cycle (the
cycle spelled out), a repeated id, and a language module whose prerequisites ask a
higher Dutch level than the module itself starts from (no route could ever take it).

Start moments
-------------
A module with ``n`` starts a year starts on Mondays spread evenly over a 52-week year
from an anchor date (default Monday 2 September 2024, the start of the 2024/25 school
year): on ``anchor + 7 * floor(k * 52 / n)`` days for ``k = 0 .. n-1``, repeated every
364 days. So ``n = 1`` starts each year in the anchor's week, ``n = 2`` every 26 weeks,
``n = 52`` every Monday. (A 364-day year drifts a day or two a year against the
calendar; the shipped start moments are indicative, and the rule is simple to check.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, get_args

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from ..models import CEFR_CODES, Delivery, TrainingModule
from ..problems import InputError, Problem, closest

if TYPE_CHECKING:  # pragma: no cover
    from ..taxonomy import Taxonomy

#: Delivery forms and their bit in :attr:`Catalogue.delivery`.
DELIVERY_FORMS: tuple[str, ...] = get_args(Delivery)
DELIVERY_BITS: dict[str, int] = {name: 1 << bit for bit, name in enumerate(DELIVERY_FORMS)}
#: Monday 2 September 2024: week 36, the start of the 2024/25 school year.
DEFAULT_ANCHOR = date(2024, 9, 2)
WEEKS_PER_YEAR = 52
DAYS_PER_YEAR = 7 * WEEKS_PER_YEAR


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Training modules as arrays, one entry per module in catalogue order.

    Attributes
    ----------
    ids, titles : tuple of str, shape (n,)
    index : dict str -> int
        Module id -> position.
    cost_eur, hours : ndarray of float64, shape (n,)
        Price in euros and study load in hours.
    nlqf : ndarray of int8, shape (n,)
        NLQF level 0–8.
    starts_per_year : ndarray of int16, shape (n,)
        1–52 start moments a year (see the module docstring for when they fall).
    delivery : ndarray of uint8, shape (n,)
        Bit set of delivery forms, bit ``DELIVERY_BITS[form]``.
    region_ids : tuple of str
        The region vocabulary (columns of ``regions``): the one given when the catalogue
        was built, else the regions the modules name.
    regions_checked : bool
        Whether ``region_ids`` is a given vocabulary (then other region ids are errors).
    regions : ndarray of bool, shape (n, len(region_ids))
        Where a module is given; ``everywhere`` rows are all False here.
    everywhere : ndarray of bool, shape (n,)
        The module names no region: available in every region.
    language_level : ndarray of int8, shape (n,)
        Dutch CEFR level needed, 1 = A1 … 6 = C2, 0 = none needed.
    language_reached : ndarray of int8, shape (n,)
        For a language-support module the CEFR level reached (above ``language_level``),
        0 for other modules.
    prerequisites : csr_matrix of int8, shape (n, n)
        ``prerequisites[m, p] == 1`` when module p must be done before module m. Acyclic.
    funding_ids : tuple of str
        Funding schemes named by the modules (columns of ``funding``), sorted.
    funding : ndarray of bool, shape (n, len(funding_ids))
    skills : csr_matrix of float32, shape (n, n_concepts)
        Level a participant reaches in each concept a module teaches.
    concept_ids : sequence of str, length n_concepts
        Concept id of each column of ``skills``.
    concept_labels : sequence of str or None
        Dutch preferred label of each concept, for messages (ids are used when None).
    anchor : date
        First start moment of every module (see the module docstring).
    """

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    index: dict[str, int]
    cost_eur: np.ndarray
    hours: np.ndarray
    nlqf: np.ndarray
    starts_per_year: np.ndarray
    delivery: np.ndarray
    region_ids: tuple[str, ...]
    regions_checked: bool
    regions: np.ndarray
    everywhere: np.ndarray
    language_level: np.ndarray
    language_reached: np.ndarray
    prerequisites: sp.csr_matrix
    funding_ids: tuple[str, ...]
    funding: np.ndarray
    skills: sp.csr_matrix
    concept_ids: Sequence[str]
    concept_labels: Sequence[str] | None = None
    anchor: date = DEFAULT_ANCHOR

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy, *, anchor: date = DEFAULT_ANCHOR) -> Catalogue:
        """The taxonomy's modules, with its regions and concepts as the vocabularies."""
        from ..taxonomy import Taxonomy as _Taxonomy

        if not isinstance(taxonomy, _Taxonomy):
            raise InputError([Problem(f"expected a skillmatch Taxonomy, got {type(taxonomy).__name__}",
                                      where="Catalogue.from_taxonomy", field="taxonomy")])
        return cls.from_modules(taxonomy.modules, taxonomy.concepts.ids, regions=[r.id for r in taxonomy.regions],
                                concept_labels=taxonomy.concepts.pref_nl, anchor=anchor)

    @classmethod
    def from_modules(
        cls,
        modules: Iterable[TrainingModule],
        concepts: Sequence[str],
        *,
        regions: Iterable[str] | None = None,
        concept_labels: Sequence[str] | None = None,
        anchor: date = DEFAULT_ANCHOR,
    ) -> Catalogue:
        """Check ``modules`` and build the arrays.

        Parameters
        ----------
        modules : iterable of TrainingModule
        concepts : sequence of str
            Concept ids in column order (``Taxonomy.concepts.ids``); a module's skills
            must be among them.
        regions : iterable of str, optional
            The region ids modules may name; None = do not check region ids.
        concept_labels : sequence of str, optional
            A label per concept, used in messages.
        anchor : date
            First start moment (see the module docstring).

        Raises
        ------
        InputError
            Every problem found, each naming the module (``record``) and the field:
            repeated ids, unknown prerequisite, region or skill ids, prerequisite cycles,
            language modules whose prerequisites need a higher Dutch level than they start from.
        """
        modules = list(modules)
        concept_index = {c: j for j, c in enumerate(concepts)}
        region_ids = tuple(regions) if regions is not None else tuple(sorted({r for m in modules for r in m.regions}))
        problems = _check_ids(modules, region_ids if regions is not None else None, concept_index)
        index = {m.id: i for i, m in enumerate(modules)}
        prerequisites = _prerequisite_matrix(modules, index)
        if not problems:
            problems = _check_graph(modules, prerequisites)
        if problems:
            raise InputError(problems, summary=f"{len(problems)} problem(s) in the training catalogue")
        return cls._build(modules, index, prerequisites, concepts, concept_index, region_ids, regions is not None,
                          concept_labels, anchor)

    @classmethod
    def _build(cls, modules, index, prerequisites, concepts, concept_index, region_ids, regions_checked,
               concept_labels, anchor):
        n = len(modules)
        funding_ids = tuple(sorted({f for m in modules for f in m.funding}))
        funding_pos = {f: k for k, f in enumerate(funding_ids)}
        region_pos = {r: k for k, r in enumerate(region_ids)}
        regions = np.zeros((n, len(region_ids)), dtype=bool)
        funding = np.zeros((n, len(funding_ids)), dtype=bool)
        for i, m in enumerate(modules):
            regions[i, [region_pos[r] for r in m.regions]] = True
            funding[i, [funding_pos[f] for f in m.funding]] = True
        rows = np.repeat(np.arange(n), [len(m.skills) for m in modules])
        cols = np.array([concept_index[s.skill] for m in modules for s in m.skills], dtype=np.int64)
        levels = np.array([s.level for m in modules for s in m.skills], dtype=np.float32)
        skills = sp.csr_matrix((levels, (rows, cols)), shape=(n, len(concepts)), dtype=np.float32)
        skills.sum_duplicates()  # a repeated skill keeps the sum; the taxonomy builder rejects repeats first
        return cls(
            ids=tuple(m.id for m in modules),
            titles=tuple(m.title for m in modules),
            index=index,
            cost_eur=np.array([m.cost_eur for m in modules], dtype=np.float64),
            hours=np.array([m.hours for m in modules], dtype=np.float64),
            nlqf=np.array([m.nlqf for m in modules], dtype=np.int8),
            starts_per_year=np.array([m.starts_per_year for m in modules], dtype=np.int16),
            delivery=np.array([sum(DELIVERY_BITS[d] for d in set(m.delivery)) for m in modules], dtype=np.uint8),
            region_ids=region_ids,
            regions_checked=regions_checked,
            regions=regions,
            everywhere=np.array([not m.regions for m in modules], dtype=bool),
            language_level=np.array([CEFR_CODES.get(m.language_level or "", 0) for m in modules], dtype=np.int8),
            language_reached=np.array([CEFR_CODES.get(m.language_reached or "", 0) for m in modules], dtype=np.int8),
            prerequisites=prerequisites,
            funding_ids=funding_ids,
            funding=funding,
            skills=skills,
            concept_ids=concepts,
            concept_labels=concept_labels,
            anchor=anchor,
        )

    # --- sizes and lookup ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"<Catalogue: {len(self)} modules, {self.skills.nnz} taught skills, {self.prerequisites.nnz} prerequisites>"

    def module_indices(self, ids: Iterable[str], *, where: str = "modules", field: str | None = None) -> np.ndarray:
        """Positions of module ``ids`` (int64); an :class:`InputError` naming every unknown id."""
        if isinstance(ids, str):  # its characters are not module ids
            raise InputError([Problem(f"expected a list of module ids, got one string {ids!r}", where=where,
                                      field=field)])
        ids = list(ids)
        problems = [
            Problem(f"module {m!r} is not in the catalogue{_hint(m, self.ids)}", where=where, field=field, value=m)
            for m in ids if m not in self.index
        ]
        if problems:
            raise InputError(problems)
        return np.array([self.index[m] for m in ids], dtype=np.int64)

    def concept_label(self, j: int) -> str:
        """Label of concept ``j`` for messages (its id when no labels were given)."""
        if self.concept_labels is not None and self.concept_labels[j]:
            return self.concept_labels[j]
        return self.concept_ids[j]

    # --- per-module filters (bool arrays of shape (n,)) -----------------------------------------

    def delivery_mask(self, allowed: Iterable[str]) -> np.ndarray:
        """Modules offered in at least one of the ``allowed`` delivery forms (all when empty)."""
        allowed = tuple(allowed)
        unknown = [d for d in allowed if d not in DELIVERY_BITS]
        if unknown:
            raise InputError([Problem(f"unknown delivery form {d!r}; expected one of {list(DELIVERY_FORMS)}",
                                      where="constraints", field="delivery", value=d) for d in unknown])
        if not allowed:
            return np.ones(len(self), dtype=bool)
        bits = sum(DELIVERY_BITS[d] for d in set(allowed))
        return (self.delivery & bits) != 0

    def region_mask(self, region: str | None) -> np.ndarray:
        """Modules given in ``region`` or everywhere (all when ``region`` is None)."""
        if region is None:
            return np.ones(len(self), dtype=bool)
        if region not in self.region_ids:
            if self.regions_checked:
                raise InputError([Problem(f"region {region!r} is not an arbeidsmarktregio of the catalogue"
                                          f"{_hint(region, self.region_ids)}", where="constraints", field="region",
                                          value=region)])
            return self.everywhere.copy()
        return self.everywhere | self.regions[:, self.region_ids.index(region)]

    def nlqf_mask(self, max_nlqf: int | None) -> np.ndarray:
        """Modules at NLQF level ``max_nlqf`` or lower (all when None)."""
        if max_nlqf is None:
            return np.ones(len(self), dtype=bool)
        return self.nlqf <= max_nlqf

    def funding_mask(self, schemes: Iterable[str]) -> np.ndarray:
        """Modules that list at least one of ``schemes`` (all when empty)."""
        schemes = set(schemes)
        if not schemes:
            return np.ones(len(self), dtype=bool)
        cols = [k for k, f in enumerate(self.funding_ids) if f in schemes]
        return np.asarray(self.funding[:, cols].any(axis=1))

    # --- start moments ------------------------------------------------------------------------

    def next_start(self, day: date, modules: np.ndarray | None = None) -> np.ndarray:
        """The first start moment on or after ``day`` of each module.

        Parameters
        ----------
        day : date
        modules : array of int, optional
            Positions to compute for; default all modules.

        Returns
        -------
        ndarray of datetime64[D], shape (len(modules),)
            See the module docstring for the rule.
        """
        n = self.starts_per_year.astype(np.int64) if modules is None else self.starts_per_year[modules].astype(np.int64)
        t = (day - self.anchor).days
        year, into = divmod(t, DAYS_PER_YEAR)  # Python floor division: days before the anchor work too
        week = -(-into // 7)  # first whole week at or after ``into``
        k = (week * n + WEEKS_PER_YEAR - 1) // WEEKS_PER_YEAR  # first k with floor(k * 52 / n) >= week
        offset = np.where(k < n, 7 * ((k * WEEKS_PER_YEAR) // n), DAYS_PER_YEAR)
        first = np.datetime64(self.anchor + timedelta(days=year * DAYS_PER_YEAR), "D")
        return first + offset.astype("timedelta64[D]")

    # --- exemptions ---------------------------------------------------------------------------

    def held_share(self, held_indices: np.ndarray, held_levels: np.ndarray) -> np.ndarray:
        """Per module, the share of its taught skills the person already holds at the taught level.

        Parameters
        ----------
        held_indices, held_levels : arrays, shape (h,)
            The person's own levels as a sparse row.

        Returns
        -------
        ndarray of float64, shape (n,), values in [0, 1]
        """
        dense = np.zeros(self.skills.shape[1], dtype=np.float64)
        if len(held_indices):
            np.maximum.at(dense, np.asarray(held_indices, dtype=np.int64), np.asarray(held_levels, dtype=np.float64))
        s = self.skills
        held = dense[s.indices] >= s.data
        counts = np.diff(s.indptr)
        rows = np.repeat(np.arange(len(self)), counts)
        return np.bincount(rows, weights=held, minlength=len(self)) / np.maximum(counts, 1)


# --- checks -----------------------------------------------------------------------------------


def _hint(value: str, choices: Sequence[str]) -> str:
    found = closest(value, choices) if choices else []
    return f" (closest: {found[0]!r})" if found else ""


def _check_ids(modules: list[TrainingModule], region_ids: tuple[str, ...] | None,
               concept_index: Mapping[str, int]) -> list[Problem]:
    """Repeated module ids and references to unknown modules, regions and concepts."""
    problems: list[Problem] = []
    ids = [m.id for m in modules]
    known, seen = set(ids), set()
    regions = set(region_ids or ())
    for m in modules:
        if m.id in seen:
            problems.append(Problem("module id used twice", where="modules", record=m.id, field="id", value=m.id))
        seen.add(m.id)
        for p in m.prerequisites:
            if p not in known:
                problems.append(Problem(f"prerequisite {p!r} is not a module of the catalogue{_hint(p, ids)}",
                                        where="modules", record=m.id, field="prerequisites", value=p))
        if region_ids is not None:
            for r in m.regions:
                if r not in regions:
                    problems.append(Problem(f"region {r!r} is not an arbeidsmarktregio{_hint(r, region_ids)}",
                                            where="modules", record=m.id, field="regions", value=r))
        for s in m.skills:
            if s.skill not in concept_index:
                problems.append(Problem(f"skill {s.skill!r} is not a concept of the taxonomy", where="modules",
                                        record=m.id, field="skills", value=s.skill))
    return problems


def _prerequisite_matrix(modules: list[TrainingModule], index: Mapping[str, int]) -> sp.csr_matrix:
    """``P[m, p] = 1`` when p is a prerequisite of m (unknown ids left out)."""
    pairs = sorted({(i, index[p]) for i, m in enumerate(modules) for p in m.prerequisites if p in index})
    rows = np.array([a for a, _ in pairs], dtype=np.int32)
    cols = np.array([b for _, b in pairs], dtype=np.int32)
    n = len(modules)
    return sp.csr_matrix((np.ones(len(pairs), dtype=np.int8), (rows, cols)), shape=(n, n))


def _check_graph(modules: list[TrainingModule], prerequisites: sp.csr_matrix) -> list[Problem]:
    """Prerequisite cycles, and language modules that need a higher level than they start from."""
    cycles = prerequisite_cycles(prerequisites)
    problems = [
        Problem("prerequisite cycle: " + " -> ".join(repr(modules[i].id) for i in cycle) + " (each needs the next)",
                where="modules", record=modules[cycle[0]].id, field="prerequisites", value=modules[cycle[1]].id)
        for cycle in cycles
    ]
    if problems:
        return problems
    return _check_language_prerequisites(modules, prerequisites)


def prerequisite_cycles(prerequisites: sp.csr_matrix) -> list[list[int]]:
    """One cycle per strongly connected component of the prerequisite graph that has one.

    Returns
    -------
    list of list of int
        Each cycle as module positions ``[a, b, ..., a]`` (a needs b needs ... needs a),
        starting at the lowest position of its component; components by that position.
    """
    graph = sp.csr_matrix(prerequisites, dtype=np.int8)
    n = graph.shape[0]
    if n == 0 or graph.nnz == 0:
        return []
    _, labels = csgraph.connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(labels)
    self_loops = graph.diagonal() != 0
    cycles: list[list[int]] = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        start = int(members[0])
        if sizes[label] == 1:
            if self_loops[start]:
                cycles.append([start, start])
            continue
        # an edge start -> nxt inside the component, then the shortest way back from nxt to start
        row = graph.indices[graph.indptr[start]:graph.indptr[start + 1]]
        nxt = int(row[labels[row] == label].min())
        sub = graph[members][:, members]
        local = {int(m): k for k, m in enumerate(members)}
        _, pred = csgraph.shortest_path(sub, directed=True, unweighted=True, indices=local[nxt],
                                        return_predecessors=True)
        back, node = [], local[start]
        while node != local[nxt]:
            back.append(int(members[node]))
            node = pred[node]
        cycles.append([start, nxt, *reversed(back)])
    return cycles


def _check_language_prerequisites(modules: list[TrainingModule], prerequisites: sp.csr_matrix) -> list[Problem]:
    """A language module's (transitive) prerequisites may not need more Dutch than it starts from.

    Otherwise no route can take it: its prerequisite waits for a level that only the
    language module itself would bring.
    """
    problems: list[Problem] = []
    starts = np.array([CEFR_CODES.get(m.language_level or "", 0) for m in modules])
    language = [i for i, m in enumerate(modules) if m.language_reached]
    if not language or prerequisites.nnz == 0:
        return problems
    reach = csgraph.shortest_path(prerequisites, directed=True, unweighted=True, indices=language)
    for row, i in enumerate(language):
        for p in np.flatnonzero(np.isfinite(reach[row]) & (starts > starts[i])):
            if p == i:
                continue
            problems.append(Problem(
                f"language module starts at {modules[i].language_level or 'no level'} but its prerequisite "
                f"{modules[p].id!r} needs {modules[p].language_level}", where="modules", record=modules[i].id,
                field="prerequisites", value=modules[p].id))
    return problems
