"""Why a candidate ranks where it does: the skills and the numbers behind a score.

:func:`explain` reads only the index snapshot a result was made with and the prepared
queries, never a live matcher. :class:`Explanation` is plain data with a text rendering in
Dutch or English, in the score's own terms: for ``fit`` "dekt 70% van wat de vacature
vraagt; 55% van het profiel is relevant", with the two numbers, the essential-requirement
factor and any boost multiplying to the score, and each requirement's share of the
coverage (the shares add up to the coverage).

**Bands** (``fit``), on two numbers: sterk = score >= 0.40 and coverage >= 20%, redelijk =
score >= 0.25 and coverage >= 15%, else zwak; a match whose score reaches a band but whose
coverage does not falls one band, and the text says so ("dekking onder 20%"). Set on the
tuning half of the quality benchmark (benchmarks/QUALITY.md): on the held-out ESCO half,
61% of the true matches land in sterk and 6.7% in zwak, while a random other occupation
lands in zwak 99.7% of the time. Profiles there are synthetic; a Werkcentrum should re-set
the bands on its own intake profiles.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..models import IMPORTANCE_NAMES
from ..vectorize import CSR, PeopleBatch, WorkBatch
from .index import PEOPLE, CandidateIndex, Side

_IMPORTANCE_NL = {"essential": "essentieel", "important": "belangrijk", "somewhat": "enigszins relevant"}

#: (lowest score, lowest coverage, band) for ``fit`` matches, strongest first: a match is in the
#: first band whose two bounds it reaches
BANDS = ((0.40, 0.20, "sterk"), (0.25, 0.15, "redelijk"), (0.0, 0.0, "zwak"))
BANDS_EN = {"sterk": "strong", "redelijk": "fair", "zwak": "weak"}

TEXTS = {
    "nl": {"for": "voor", "level": "niveau", "required": "gevraagd niveau", "has": "Heeft",
           "credited": "Via verwante vaardigheid", "counts_as": "telt als niveau", "missing_ess": "Mist (essentieel)",
           "missing": "Mist ook", "shared": "Gedeeld", "covers": "dekt {:.0%} van wat {} vraagt",
           "relevant": "{:.0%} van het profiel is relevant", "essential": "essentiële eisen ontbreken",
           "boost": "cruciale sector", "match": "match", "of_coverage": "van de dekking",
           "coverage_under": "dekking onder {:.0%}"},
    "en": {"for": "for", "level": "level", "required": "required level", "has": "Has",
           "credited": "Through a related skill", "counts_as": "counts as level", "missing_ess": "Missing (essential)",
           "missing": "Also missing", "shared": "Shared", "covers": "covers {:.0%} of what {} asks",
           "relevant": "{:.0%} of the profile is relevant", "essential": "essential requirements missing",
           "boost": "crucial sector", "match": "match", "of_coverage": "of the coverage",
           "coverage_under": "coverage under {:.0%}"},
}


#: What the work side is, as the coverage line names it
WORK_NOUNS = {"nl": {"vacancy": "de vacature", "occupation": "het beroep", "work": "het werk"},
              "en": {"vacancy": "the vacancy", "occupation": "the occupation", "work": "the work"}}


def band(score: float, coverage: float) -> str:
    """The Dutch band of a ``fit`` match from its score and coverage: sterk, redelijk or zwak."""
    return next(name for low, low_coverage, name in BANDS if score >= low and coverage >= low_coverage)


def strong_matches(scores: Any, coverage: Any) -> np.ndarray:
    """Whether matches are in the band sterk, elementwise over arrays of scores and coverages
    (padding, with score -inf or coverage NaN, is not)."""
    low, low_coverage, _ = BANDS[0]
    return (np.asarray(scores) >= low) & (np.asarray(coverage) >= low_coverage)


@dataclass(frozen=True)
class SkillLine:
    """One skill in an explanation. ``contribution``: its share of the coverage."""

    skill: str
    label: str
    importance: str | None = None
    required_level: float | None = None
    held_level: float | None = None
    via: str | None = None
    via_label: str | None = None
    credited_level: float | None = None
    contribution: float | None = None


@dataclass(frozen=True)
class Explanation:
    """Why a candidate ranks where it does for a query.

    ``matched``: required skills the person holds; ``credited``: required skills credited
    through a related skill the person holds (``via``); ``missing_essential`` and
    ``missing``: required skills the person has nothing for. For ``cosine`` between two
    people or two occupations, ``matched`` lists the shared skills. ``work``: what the work
    side is — "vacancy", "occupation" or "work" (bare requirement rows) — as the text names it.

    The numbers (``fit`` and ``coverage``; None for ``cosine``): ``coverage`` C, the sum of
    the lines' contributions; ``relevance`` R (``fit``); ``essential_factor``
    1 - penalty · missing / n; ``boost``. ``fit``: score = C^a · R^(1-a) · factor · boost
    with a = ``coverage_weight``; ``coverage``: score = C · factor · boost.
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
    coverage: float | None = None
    relevance: float | None = None
    coverage_weight: float | None = None
    essential_factor: float = 1.0
    boost: float = 1.0
    band: str | None = None
    work: str = "vacancy"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def is_strong(self) -> bool:
        """In the band sterk (``fit``); under the other scorings, which have no bands, a score
        at or above sterk's lowest score."""
        return self.band == "sterk" if self.band is not None else self.score >= BANDS[0][0]

    def recomputed(self) -> float | None:
        """The score from the explanation's own numbers (None for ``cosine``)."""
        if self.coverage is None:
            return None
        if self.relevance is None:
            return self.coverage * self.essential_factor * self.boost
        a = self.coverage_weight or 1.0
        return (self.coverage ** a * self.relevance ** (1.0 - a)) * self.essential_factor * self.boost

    def __str__(self) -> str:
        t = TEXTS[self.lang]

        def level(x: float | None) -> str:
            return "-" if x is None else f"{x:g}"

        def asked(s: SkillLine) -> str:
            importance = _IMPORTANCE_NL.get(s.importance or "", s.importance) if self.lang == "nl" else s.importance
            text = f"{t['required']} {level(s.required_level)}"
            share = f", {s.contribution:.0%} {t['of_coverage']}" if s.contribution else ""
            return (f"{importance}, {text}" if importance else text) + share

        head = f"{self.rank + 1}. {self.candidate_label} — score {self.score:.3f} ({self.scoring}"
        if self.band:
            head += f", {t['match']} {self.band if self.lang == 'nl' else BANDS_EN[self.band]}"
            names = [name for _, _, name in BANDS]
            at = names.index(self.band)
            if at > 0 and self.score >= BANDS[at - 1][0]:  # the score reaches the band above; the coverage does not
                head += f" ({t['coverage_under'].format(BANDS[at - 1][1])})"
        lines = [f"{head}) {t['for']} {self.query_label}"]
        if self.coverage is not None:
            parts = [t["covers"].format(self.coverage, WORK_NOUNS[self.lang][self.work])]
            if self.relevance is not None:
                parts.append(t["relevant"].format(self.relevance))
            if self.essential_factor < 1.0:
                parts.append(f"{t['essential']} (x {self.essential_factor:.2f})")
            if self.boost != 1.0:
                parts.append(f"{t['boost']} (x {self.boost:.2f})")
            lines.append("   " + "; ".join(parts))
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


def _terms(index: CandidateIndex, people: Side, p_row: int, work: Side, w_row: int) -> dict[int, tuple[float, float]]:
    """Per requirement the person meets or is credited for: (contribution to C, f = min(1, e / l)).

    Computed from the kernel's own rows in the kernel's order and arithmetic, so that the
    numbers multiply to the score the kernel gave.
    """
    p, w = people.rows, work.rows
    lo, hi = p.indptr[p_row], p.indptr[p_row + 1]
    held = dict(zip(p.indices[lo:hi].tolist(), p.values[lo:hi].tolist()))
    out = {}
    for p_at in range(w.indptr[w_row], w.indptr[w_row + 1]):
        t = int(w.indices[p_at])
        if t in held:
            f = min(1.0, float(held[t]) * float(w.inv_levels[p_at]))
            out[t] = (float(w.values[p_at]) * f, f)
    return out


def explain(index: CandidateIndex, queries: Side, row: int, d: int, rank: int, score: float,
            lang: str = "nl") -> Explanation:
    """The explanation of candidate ``d`` at ``rank`` for query ``row``."""
    tx = index.taxonomy
    st = index.settings
    cand = index.candidates
    people, p_row, work, w_row = (queries, row, cand, d) if queries.kind == PEOPLE else (cand, d, queries, row)

    def label(j: int) -> str:
        return tx.concept_label(int(j), lang)

    matched: list[SkillLine] = []
    credited: list[SkillLine] = []
    missing_ess: list[SkillLine] = []
    missing: list[SkillLine] = []
    numbers: dict[str, Any] = {}
    if people.kind == work.kind:  # cosine between like sides: the shared skills
        other = {int(j) for j, _ in _row(_skills(work), w_row)}
        for j, v in _row(_skills(people), p_row):
            if int(j) in other:
                matched.append(SkillLine(tx.concepts.ids[j], label(j),
                                         held_level=float(v) if people.kind == PEOPLE else None))
        return Explanation(queries.batch.ids[row], queries.batch.labels[row], cand.batch.ids[d], cand.batch.labels[d],
                           rank, score, st.scoring, tuple(matched), (), (), (), lang)
    held = {int(j): float(v) for j, v in _row(_held(people), p_row)}
    assert people.eff is not None and people.direct is not None
    eff = {int(j): int(flag) for j, _, flag in _row(people.eff, p_row, people.direct)}
    terms = _terms(index, people, p_row, work, w_row) if st.scoring != "cosine" else {}
    importance_codes, levels = _requirements(work)
    n_essential = n_missing = 0
    for j, code, lvl in _row(importance_codes, w_row, levels):
        j = int(j)
        importance = IMPORTANCE_NAMES[int(code)]
        n_essential += importance == "essential"
        contribution = terms[j][0] if j in terms else None

        def line(**more: Any) -> SkillLine:
            return SkillLine(tx.concepts.ids[j], label(j), importance, float(lvl),  # noqa: B023
                             contribution=contribution, **more)  # noqa: B023

        if eff.get(j) == 1:
            matched.append(line(held_level=held.get(j)))
        elif j in eff and index.credit is not None:
            via, best = _best_source(index.credit, held, j)
            credited.append(line(held_level=held.get(j), via=tx.concepts.ids[via], via_label=label(via),
                                 credited_level=best))
        elif importance == "essential":
            missing_ess.append(line())
            n_missing += 1
        else:
            missing.append(line())
    if st.scoring != "cosine":
        coverage = 0.0
        for part, _ in terms.values():  # ascending term order, as the kernel sums
            coverage += part
        numbers["coverage"] = coverage
        if st.essential == "penalty" and n_essential and n_missing:
            numbers["essential_factor"] = 1.0 - st.essential_penalty * n_missing / n_essential
        boost = float(work.rows.scale[w_row])
        if st.scoring == "fit":
            matched_sum = 0.0
            for _, f in terms.values():
                matched_sum += f
            numbers["relevance"] = min(1.0, matched_sum * float(people.rows.scale[p_row]))
            numbers["coverage_weight"] = st.coverage_weight
            numbers["band"] = band(score, coverage)
        numbers["boost"] = boost
    work_id = work.batch.ids[w_row]
    noun = "vacancy" if work.batch.located else "occupation" if work_id in tx.occupations.index else "work"
    return Explanation(queries.batch.ids[row], queries.batch.labels[row], cand.batch.ids[d], cand.batch.labels[d],
                       rank, score, st.scoring, tuple(matched), tuple(credited), tuple(missing_ess), tuple(missing),
                       lang, **numbers, work=noun)
