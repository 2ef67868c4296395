"""Build a :class:`Taxonomy` from records, validating as one step.

Loaders (skillmatch's own CSV format, ESCO CSV, CompetentNL RDF) read their source and
hand records to a :class:`TaxonomyBuilder`, each with where it came from (file and line,
or file and record). :meth:`TaxonomyBuilder.build` then checks the whole set — duplicate
ids, references to unknown concepts, occupations, modules, regions or sectors, hierarchy
and prerequisite cycles, path step numbering — collects *every* problem, and either raises
one :class:`TaxonomyError` listing them all or returns the taxonomy. This is the single
validation point of the taxonomy layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from pydantic import BaseModel, ValidationError

from ..models import (
    IMPORTANCE_CODES,
    Concept,
    DevelopmentPath,
    Occupation,
    Region,
    Sector,
    TrainingModule,
)
from ..problems import Problem, Severity, TaxonomyError, closest
from .core import KIND_CODES, LabelTable, Taxonomy

_KIND_OF_MODEL: dict[type[BaseModel], str] = {
    Concept: "concept", Occupation: "occupation", TrainingModule: "module", DevelopmentPath: "path",
    Region: "region", Sector: "sector",
}

#: Unknown-reference problems get a "closest id" hint; past this many, hints are skipped
#: (each costs a fuzzy search over all ids).
_MAX_HINTS = 50


@dataclass(frozen=True)
class Where:
    """Where a record came from: a file (or source name) and a line, or a record id."""

    file: str
    line: int | None = None
    record: str | None = None


def pydantic_problems(exc: ValidationError, where: Where, record: str | None = None,
                      columns: Mapping[str, str] | None = None) -> list[Problem]:
    """Turn a pydantic ValidationError into problems naming file, line, field and value."""
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        field = ".".join(loc) if loc else None
        if columns and field is not None and field in columns:
            field = columns[field]
        elif columns and loc and loc[0] in columns:
            field = ".".join([columns[loc[0]], *loc[1:]])
        msg = err["msg"].removeprefix("Value error, ")
        missing = err["type"] == "missing"
        if missing:  # CSV loaders drop empty cells, so "missing" is what an empty cell looks like
            msg = "a value is required; the field is empty or missing"
        out.append(Problem(msg, where=where.file, line=where.line, record=record or where.record,
                           field=field, value=err.get("input") if loc and not missing else None))
    return out


class TaxonomyBuilder:
    """Collects taxonomy records with their origin, then validates and builds once."""

    def __init__(self, name: str, source: str):
        self.name = name
        self.source = source
        self.problems: list[Problem] = []
        self.concepts: list[tuple[Concept, Where]] = []
        self.related: list[tuple[str, str, float, Where]] = []
        self.occupations: list[tuple[Occupation, Where]] = []
        self.requirements: list[tuple[str, str, int, float, Where]] = []
        self.modules: list[tuple[TrainingModule, Where, list[Where] | None]] = []
        self.paths: list[tuple[DevelopmentPath, Where, list[Where] | None]] = []
        self.regions: list[tuple[Region, Where]] = []
        self.sectors: list[tuple[Sector, Where]] = []
        self.concept_meta_keys = ("riasec", "isced_f", "origin", "definition")
        #: kind -> ids of records that were rejected (their problems are already noted);
        #: references to them are not reported again as unknown
        self.rejected: dict[str, set[str]] = {}
        self._hints = 0  # "closest" hints given so far (counted, not searched for: ESCO-sized inputs)

    # --- adding records -----------------------------------------------------------------------

    def problem(self, message: str, where: Where, *, field: str | None = None, value: Any = None,
                record: str | None = None, severity: Severity = "error") -> None:
        self.problems.append(Problem(message, where=where.file, line=where.line, record=record or where.record,
                                     field=field, value=value, severity=severity))

    def record(self, model: type[BaseModel], data: dict, where: Where, *, record: str | None = None,
               columns: Mapping[str, str] | None = None) -> Any:
        """Validate ``data`` as ``model``; on failure note the problems and return None."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.problems.extend(pydantic_problems(exc, where, record or str(data.get("id") or "") or None, columns))
            kind = _KIND_OF_MODEL.get(model)
            if kind and isinstance(data.get("id"), str) and data["id"].strip():
                self.reject(kind, data["id"].strip())
            return None

    def reject(self, kind: str, record_id: str) -> None:
        """Note that record ``record_id`` of ``kind`` (``"concept"``, ``"occupation"``, ``"module"``,
        ``"path"``, ``"region"``, ``"sector"``) was left out because of a problem already noted,
        so that references to it do not each raise a second, misleading problem."""
        self.rejected.setdefault(kind, set()).add(record_id)

    def add_concept(self, concept: Concept, where: Where) -> None:
        self.concepts.append((concept, where))

    def add_related(self, source: str, target: str, strength: float, where: Where) -> None:
        if not (0.0 < strength <= 1.0):
            self.problem(f"strength must be in (0, 1], found {strength:g}", where, field="strength", value=strength)
            return
        if source == target:
            self.problem("a concept related to itself adds nothing; link ignored", where, field="target", value=target,
                         severity="warning")
            return
        self.related.append((source, target, strength, where))

    def add_occupation(self, occupation: Occupation, where: Where) -> None:
        self.occupations.append((occupation, where))
        for r in occupation.requirements:
            self.add_requirement(occupation.id, r.skill, r.importance, r.level, where)

    def add_requirement(self, occupation: str, concept: str, importance: str, level: float, where: Where) -> None:
        code = IMPORTANCE_CODES.get(importance)
        if code is None:
            self.problem(f"expected one of {sorted(IMPORTANCE_CODES)}", where, field="importance", value=importance)
            return
        if not (1 <= level <= 5):
            self.problem(f"expected a level from 1 to 5, found {level:g}", where, field="level", value=level)
            return
        self.requirements.append((occupation, concept, code, float(level), where))

    def add_module(self, module: TrainingModule, where: Where, skill_where: list[Where] | None = None) -> None:
        self.modules.append((module, where, skill_where))

    def add_path(self, path: DevelopmentPath, where: Where, step_where: list[Where] | None = None) -> None:
        self.paths.append((path, where, step_where))

    def add_region(self, region: Region, where: Where) -> None:
        self.regions.append((region, where))

    def add_sector(self, sector: Sector, where: Where) -> None:
        self.sectors.append((sector, where))

    # --- checks ---------------------------------------------------------------------------

    def _index(self, items: Iterable[tuple[Any, Where]], what: str) -> dict[str, int]:
        """id -> position; duplicates become problems that name both places."""
        index: dict[str, int] = {}
        first: dict[str, Where] = {}
        for pos, (rec, where) in enumerate(items):
            if rec.id in index:
                w = first[rec.id]
                at = f"{w.file} line {w.line}" if w.line is not None else w.file
                self.problem(f"duplicate {what} id (first defined at {at})", where, field="id", value=rec.id,
                             record=rec.id)
                continue
            index[rec.id] = pos
            first[rec.id] = where
        return index

    def _ref(self, value: str, index: Mapping[str, int], what: str, where: Where, field: str,
             record: str | None = None, severity: Severity = "error") -> int | None:
        pos = index.get(value)
        if pos is None and value in self.rejected.get(what.split()[-1], ()):
            return None  # the record itself was rejected and reported where it is defined
        if pos is None:
            hint = ""
            if self._hints < _MAX_HINTS and index:
                self._hints += 1
                near = closest(value, index.keys())
                hint = f" (closest: {near[0]!r})" if near else ""
            self.problem(f"{what} {value!r} is not in the taxonomy{hint}", where, field=field, value=value,
                         record=record, severity=severity)
        return pos

    def _cycles(self, edges: Mapping[int, Iterable[int]], n: int) -> list[list[int]]:
        """Cycles in a directed graph given as node -> successors; each reported once."""
        WHITE, GREY, BLACK = 0, 1, 2
        colour = [WHITE] * n
        cycles: list[list[int]] = []
        for start in range(n):
            if colour[start] != WHITE:
                continue
            stack: list[tuple[int, Iterator[int]]] = [(start, iter(edges.get(start, ())))]
            path = [start]
            colour[start] = GREY
            while stack:
                node, successors = stack[-1]
                nxt = next(successors, None)
                if nxt is None:
                    colour[node] = BLACK
                    stack.pop()
                    path.pop()
                elif colour[nxt] == GREY:
                    cycles.append([*path[path.index(nxt):], nxt])
                elif colour[nxt] == WHITE:
                    colour[nxt] = GREY
                    stack.append((nxt, iter(edges.get(nxt, ()))))
                    path.append(nxt)
        return cycles

    # --- build ------------------------------------------------------------------------------

    def build(self, *, strict: bool = False) -> Taxonomy:
        """Validate everything added and return the taxonomy.

        Raises :class:`TaxonomyError` listing every error found. Warnings are kept in
        ``taxonomy.problems``; with ``strict=True`` they are errors too.
        """
        concept_index = self._index(self.concepts, "concept")
        occupation_index = self._index(self.occupations, "occupation")
        module_index = self._index(((m, w) for m, w, _ in self.modules), "module")
        path_index = self._index(((p, w) for p, w, _ in self.paths), "path")
        region_index = self._index(self.regions, "region")
        sector_index = self._index(self.sectors, "sector")
        concepts = [c for c, _ in self.concepts]
        # keep only the first of duplicated ids so that positions match the index
        concepts = [c for pos, c in enumerate(concepts) if concept_index.get(c.id) == pos]
        concept_where = [w for pos, (c, w) in enumerate(self.concepts) if concept_index.get(c.id) == pos]
        concept_index = {c.id: i for i, c in enumerate(concepts)}
        occupations = [o for pos, (o, _) in enumerate(self.occupations) if occupation_index.get(o.id) == pos]
        occupation_where = [w for pos, (o, w) in enumerate(self.occupations) if occupation_index.get(o.id) == pos]
        occupation_index = {o.id: i for i, o in enumerate(occupations)}

        # hierarchy
        broader_edges: dict[int, list[int]] = {}
        for i, (c, where) in enumerate(zip(concepts, concept_where)):
            for b in c.broader:
                j = self._ref(b, concept_index, "broader concept", where, "broader", record=c.id)
                if j is not None:
                    broader_edges.setdefault(i, []).append(j)
        for cycle in self._cycles(broader_edges, len(concepts)):
            names = " -> ".join(concepts[i].id for i in cycle)
            first = concept_where[cycle[0]]
            self.problem(f"hierarchy cycle: {names}", first, field="broader", value=concepts[cycle[0]].id,
                         record=concepts[cycle[0]].id)

        related: dict[tuple[int, int], float] = {}
        for a, b, strength, where in self.related:
            source = self._ref(a, concept_index, "concept", where, "source")
            target = self._ref(b, concept_index, "concept", where, "target")
            if source is None or target is None:
                continue
            pair = (min(source, target), max(source, target))
            related[pair] = max(related.get(pair, 0.0), strength)

        sector_ids = {s.id for s, _ in self.sectors}
        for o, where in zip(occupations, occupation_where):
            if o.sector and sector_ids:
                self._ref(o.sector, sector_index, "sector", where, "sector", record=o.id)

        # requirements
        req_rows, req_cols, req_imp, req_lvl = [], [], [], []
        seen_req: dict[tuple[int, int], Where] = {}
        for occ, concept, code, level, where in self.requirements:
            row = self._ref(occ, occupation_index, "occupation", where, "occupation")
            col = self._ref(concept, concept_index, "concept", where, "concept", record=occ)
            if row is None or col is None:
                continue
            if (row, col) in seen_req:
                w = seen_req[(row, col)]
                at = f"{w.file} line {w.line}" if w.line is not None else w.file
                self.problem(f"requirement listed twice for this occupation (first at {at})", where,
                             field="concept", value=concept, record=occ)
                continue
            seen_req[(row, col)] = where
            req_rows.append(row)
            req_cols.append(col)
            req_imp.append(code)
            req_lvl.append(level)
        with_reqs = set(req_rows)
        for i, (o, where) in enumerate(zip(occupations, occupation_where)):
            if i not in with_reqs:
                self.problem("occupation has no requirements", where, record=o.id, severity="warning")

        # training modules
        modules = [m for pos, (m, _, _) in enumerate(self.modules) if module_index.get(m.id) == pos]
        module_where = [(w, sw) for pos, (m, w, sw) in enumerate(self.modules) if module_index.get(m.id) == pos]
        module_index = {m.id: i for i, m in enumerate(modules)}
        ms_rows, ms_cols, ms_lvl = [], [], []
        prereq_edges: dict[int, list[int]] = {}
        for i, (m, (where, skill_where)) in enumerate(zip(modules, module_where)):
            seen_skills: set[int] = set()
            for k, s in enumerate(m.skills):
                w = skill_where[k] if skill_where else where
                j = self._ref(s.skill, concept_index, "concept", w, "concept", record=m.id)
                if j is None:
                    continue
                if j in seen_skills:
                    self.problem("skill listed twice for this module", w, field="concept", value=s.skill, record=m.id)
                    continue
                seen_skills.add(j)
                ms_rows.append(i)
                ms_cols.append(j)
                ms_lvl.append(float(s.level))
            for prerequisite in m.prerequisites:
                j = self._ref(prerequisite, module_index, "module", where, "prerequisites", record=m.id)
                if j is not None:
                    prereq_edges.setdefault(i, []).append(j)
            for r in m.regions:
                self._ref(r, region_index, "region", where, "regions", record=m.id)
            if m.sector and sector_ids:
                self._ref(m.sector, sector_index, "sector", where, "sector", record=m.id)
        for cycle in self._cycles(prereq_edges, len(modules)):
            names = " -> ".join(modules[i].id for i in cycle)
            self.problem(f"prerequisite cycle: {names}", module_where[cycle[0]][0], field="prerequisites",
                         record=modules[cycle[0]].id)

        # development paths
        paths = [p for pos, (p, _, _) in enumerate(self.paths) if path_index.get(p.id) == pos]
        for pos, (p, where, step_where) in enumerate(self.paths):
            if path_index.get(p.id) != pos:
                continue
            if sector_ids:
                self._ref(p.sector, sector_index, "sector", where, "sector", record=p.id)
            numbers = [s.step for s in p.steps]
            if sorted(numbers) != list(range(1, len(numbers) + 1)):
                # point at the first step (in step order) whose number breaks the sequence
                order = sorted(range(len(numbers)), key=lambda k: numbers[k])
                k = next(k for expected, k in enumerate(order, 1) if numbers[k] != expected)
                w = step_where[k] if step_where else where
                self.problem(f"steps must be numbered 1..{len(numbers)} without gaps or repeats, found "
                             f"{sorted(numbers)}", w, field="step", record=p.id, value=numbers[k])
            for k, step in enumerate(p.steps):
                w = step_where[k] if step_where else where
                if step.from_occupation:
                    self._ref(step.from_occupation, occupation_index, "occupation", w, "from_occupation", record=p.id)
                self._ref(step.to_occupation, occupation_index, "occupation", w, "to_occupation", record=p.id)
                for mod in step.modules:
                    self._ref(mod, module_index, "module", w, "modules", record=p.id)

        if strict:
            self.problems = [Problem(**{**p.__dict__, "severity": "error"}) for p in self.problems]
        errors = [p for p in self.problems if p.severity == "error"]
        if errors:
            raise TaxonomyError(self.problems, summary=f"{len(errors)} problem(s) in taxonomy {self.source}")

        n_c, n_o = len(concepts), len(occupations)
        b_rows = [i for i, js in broader_edges.items() for _ in js]
        b_cols = [j for js in broader_edges.values() for j in js]
        (broader,) = csr_from_triples(b_rows, b_cols, [np.ones(len(b_rows), np.int8)], (n_c, n_c))
        pairs = np.array(sorted(related), dtype=np.int64).reshape(-1, 2)
        strengths = np.array([related[k] for k in sorted(related)], dtype=np.float32)
        (related_m,) = csr_from_triples(
            np.concatenate([pairs[:, 0], pairs[:, 1]]), np.concatenate([pairs[:, 1], pairs[:, 0]]),
            [np.concatenate([strengths, strengths])], (n_c, n_c))
        requirements, requirement_levels = csr_from_triples(
            req_rows, req_cols, [np.array(req_imp, np.int8), np.array(req_lvl, np.float32)], (n_o, n_c))
        (module_skills,) = csr_from_triples(ms_rows, ms_cols, [np.array(ms_lvl, np.float32)], (len(modules), n_c))

        concept_meta = {}
        for key in self.concept_meta_keys:
            values = [getattr(c, key) or "" for c in concepts]
            if any(values):
                concept_meta[key] = values
        return Taxonomy(
            name=self.name,
            source=self.source,
            concepts=LabelTable(
                ids=[c.id for c in concepts],
                pref_nl=[c.pref_label_nl for c in concepts],
                pref_en=[c.pref_label_en for c in concepts],
                alt_nl=[list(c.alt_labels_nl) for c in concepts],
                alt_en=[list(c.alt_labels_en) for c in concepts],
            ),
            concept_kind=np.array([KIND_CODES[c.kind] for c in concepts], dtype=np.int8),
            concept_level=np.array([-1 if c.level is None else c.level for c in concepts], dtype=np.int8),
            concept_meta=concept_meta,
            broader=broader,
            related=related_m,
            occupations=LabelTable(
                ids=[o.id for o in occupations],
                pref_nl=[o.pref_label_nl for o in occupations],
                pref_en=[o.pref_label_en for o in occupations],
                alt_nl=[list(o.alt_labels_nl) for o in occupations],
                alt_en=[list(o.alt_labels_en) for o in occupations],
            ),
            occupation_isco=[o.isco or "" for o in occupations],
            occupation_sector=[o.sector or "" for o in occupations],
            requirements=requirements,
            requirement_levels=requirement_levels,
            modules=modules,
            module_skills=module_skills,
            paths=paths,
            regions=[r for pos, (r, _) in enumerate(self.regions) if region_index.get(r.id) == pos],
            sectors={s.id: s for pos, (s, _) in enumerate(self.sectors) if sector_index.get(s.id) == pos},
            problems=list(self.problems),
        )


def csr_from_triples(rows: ArrayLike, cols: ArrayLike, datas: list[np.ndarray],
                     shape: tuple[int, int]) -> list[sp.csr_matrix]:
    """CSR matrices sharing one sparsity pattern (sorted indices), one per data array.

    Positions must be unique (the builder rejects duplicates before this point).
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    order = np.lexsort((cols, rows))
    # one index dtype for both arrays (scipy requires it): int32 unless the matrix is huge
    index_dtype = np.int32 if len(rows) < 2**31 else np.int64
    indptr = np.zeros(shape[0] + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    indices = cols[order].astype(index_dtype)
    return [sp.csr_matrix((np.asarray(d)[order], indices, indptr), shape=shape) for d in datas]
