"""Why a candidate ranks where it does: the skills behind a score, in Dutch or English.

:func:`explain` reads only the index snapshot a result was made with and the prepared
queries, never a live matcher. :class:`Explanation` is plain data with a text rendering.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..models import IMPORTANCE_NAMES
from ..vectorize import CSR, PeopleBatch, WorkBatch
from .index import PEOPLE, CandidateIndex, Side

_IMPORTANCE_NL = {"essential": "essentieel", "important": "belangrijk", "somewhat": "enigszins relevant"}

TEXTS = {
    "nl": {"for": "voor", "level": "niveau", "required": "gevraagd niveau", "has": "Heeft",
           "credited": "Via verwante vaardigheid", "counts_as": "telt als niveau", "missing_ess": "Mist (essentieel)",
           "missing": "Mist ook", "shared": "Gedeeld"},
    "en": {"for": "for", "level": "level", "required": "required level", "has": "Has",
           "credited": "Through a related skill", "counts_as": "counts as level", "missing_ess": "Missing (essential)",
           "missing": "Also missing", "shared": "Shared"},
}


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
        return asdict(self)

    def __str__(self) -> str:
        t = TEXTS[self.lang]

        def level(x: float | None) -> str:
            return "-" if x is None else f"{x:g}"

        def asked(s: SkillLine) -> str:
            importance = _IMPORTANCE_NL.get(s.importance or "", s.importance) if self.lang == "nl" else s.importance
            text = f"{t['required']} {level(s.required_level)}"
            return f"{importance}, {text}" if importance else text

        lines = [f"{self.rank + 1}. {self.candidate_label} — score {self.score:.3f} ({self.scoring}) {t['for']} "
                 f"{self.query_label}"]
        if self.matched:
            def held(s: SkillLine) -> str:
                parts = ([f"{t['level']} {level(s.held_level)}"] if s.held_level is not None else []) + (
                    [asked(s)] if s.required_level is not None else [])
                return f"{s.label} ({', '.join(parts)})" if parts else s.label

            head = t["has"] if self.matched[0].required_level is not None else t["shared"]
            lines.append(f"   {head}: " + "; ".join(held(s) for s in self.matched))
        if self.credited:
            lines.append(f"   {t['credited']}: " + "; ".join(
                f"{s.label} ← {s.via_label} ({t['counts_as']} {s.credited_level:.1f}, {asked(s)})"
                for s in self.credited))
        if self.missing_essential:
            lines.append(f"   {t['missing_ess']}: " + "; ".join(f"{s.label} ({asked(s)})"
                                                                 for s in self.missing_essential))
        if self.missing:
            lines.append(f"   {t['missing']}: " + "; ".join(s.label for s in self.missing[:8])
                         + (" …" if len(self.missing) > 8 else ""))
        return "\n".join(lines)


def _row(m: CSR, i: int, *extra: np.ndarray) -> zip:
    lo, hi = m.indptr[i], m.indptr[i + 1]
    return zip(m.indices[lo:hi], m.data[lo:hi], *(e[lo:hi] for e in extra))


def _held(side: Side) -> CSR:
    """The levels a people side holds (an occupation scored as a person holds its requirements)."""
    b = side.batch
    return b.held if isinstance(b, PeopleBatch) else b.importance.with_data(b.levels)


def _requirements(side: Side) -> tuple[CSR, np.ndarray]:
    b = side.batch
    assert isinstance(b, WorkBatch)
    return b.importance, b.levels


def _skills(side: Side) -> CSR:
    """The skills a side is compared on: effective levels (people) or importance codes (work)."""
    if side.kind == PEOPLE:
        assert side.eff is not None
        return side.eff
    return _requirements(side)[0]


def _best_source(credit: CSR, held: dict[int, float], target: int) -> tuple[int, float]:
    """The held skill that gives the most credit for ``target`` (lowest index on ties)."""
    best, via = -1.0, -1
    for s in sorted(held):
        lo, hi = credit.indptr[s], credit.indptr[s + 1]
        at = lo + int(np.searchsorted(credit.indices[lo:hi], target))
        if at < hi and credit.indices[at] == target and held[s] * float(credit.data[at]) > best:
            best, via = held[s] * float(credit.data[at]), s
    return via, best


def explain(index: CandidateIndex, queries: Side, row: int, d: int, rank: int, score: float,
            lang: str = "nl") -> Explanation:
    """The explanation of candidate ``d`` at ``rank`` for query ``row``."""
    tx = index.taxonomy
    cand = index.candidates
    people, p_row, work, w_row = (queries, row, cand, d) if queries.kind == PEOPLE else (cand, d, queries, row)

    def label(j: int) -> str:
        return tx.concept_label(int(j), lang)

    matched: list[SkillLine] = []
    credited: list[SkillLine] = []
    missing_ess: list[SkillLine] = []
    missing: list[SkillLine] = []
    if people.kind == work.kind:  # cosine between like sides: the shared skills
        other = {int(j) for j, _ in _row(_skills(work), w_row)}
        for j, v in _row(_skills(people), p_row):
            if int(j) in other:
                matched.append(SkillLine(tx.concepts.ids[j], label(j),
                                         held_level=float(v) if people.kind == PEOPLE else None))
    else:
        held = {int(j): float(v) for j, v in _row(_held(people), p_row)}
        assert people.eff is not None and people.direct is not None
        eff = {int(j): int(flag) for j, _, flag in _row(people.eff, p_row, people.direct)}
        importance_codes, levels = _requirements(work)
        for j, code, lvl in _row(importance_codes, w_row, levels):
            j = int(j)
            importance = IMPORTANCE_NAMES[int(code)]

            def line(**more: Any) -> SkillLine:
                return SkillLine(tx.concepts.ids[j], label(j), importance, float(lvl), **more)  # noqa: B023

            if eff.get(j) == 1:
                matched.append(line(held_level=held.get(j)))
            elif j in eff and index.credit is not None:
                via, best = _best_source(index.credit, held, j)
                credited.append(line(held_level=held.get(j), via=tx.concepts.ids[via], via_label=label(via),
                                     credited_level=best))
            elif importance == "essential":
                missing_ess.append(line())
            else:
                missing.append(line())
    return Explanation(queries.batch.ids[row], queries.batch.labels[row], cand.batch.ids[d], cand.batch.labels[d],
                       rank, score, index.settings.scoring, tuple(matched), tuple(credited), tuple(missing_ess),
                       tuple(missing), lang)
