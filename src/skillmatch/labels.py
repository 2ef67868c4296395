"""Label resolution: free text ("heftruck rijden", "verzorgende IG") to taxonomy concepts.

Every preferred and alternative label (Dutch and English) of the taxonomy's skills and
occupations is indexed. Resolving a text takes three steps:

1. **normalise** — lower case, accents stripped, punctuation to spaces;
2. **shortlist** — the labels nearest in character 4-grams (tf-idf cosine, ranked by the
   same top-k kernel the matcher uses; 4-grams in more than 2% of the labels are left out),
   so that a batch of 10k texts against the ~150k ESCO labels takes seconds;
3. **score** — each shortlisted label is scored with RapidFuzz's ``WRatio`` (0–100); a
   concept's score is that of its best label (an exact normalised match scores 100).

Candidates come back ranked by score, then preferred label before alternative, then
taxonomy order. A result is **ambiguous** when the runner-up concept scores within
``margin`` points of the best, or the best label names more than one concept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .params import Instance, Integer, Number, OneOf, Optional, Strings, check_params
from .problems import InputError
from .taxonomy import Taxonomy

Kind = Literal["skill", "occupation"]
_KINDS = ("skill", "occupation")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

#: The arguments of :class:`LabelIndex`, checked when it is built.
PARAMETERS = {
    "taxonomy": Instance((Taxonomy,), "a skillmatch Taxonomy"),
    "kinds": Strings("a list of kinds", non_empty=True, choices=_KINDS),
    "languages": Strings("a list of languages", non_empty=True, choices=("nl", "en")),
    "shortlist": Integer(1, None),
}
#: The options of :meth:`LabelIndex.resolve_many` (``kind`` must also be one of the index's kinds).
RESOLVE = {
    "limit": Integer(1, None),
    "kind": Optional(OneOf(_KINDS)),
    "margin": Number(0.0, 100.0),
}


def normalise(text: str) -> str:
    """Lower case, accents removed, everything but letters and digits to single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


@dataclass(frozen=True)
class Candidate:
    """One concept a text may mean."""

    id: str
    kind: Kind
    label: str  # the concept's preferred label (Dutch when it has one)
    matched_label: str  # the label that matched
    score: float  # 0–100
    preferred: bool  # whether the matched label is a preferred label


@dataclass(frozen=True)
class Resolution:
    """The ranked candidates for one text."""

    text: str
    candidates: tuple[Candidate, ...]
    ambiguous: bool

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class LabelIndex:
    """Resolve free text to skills and occupations of a taxonomy.

    Parameters
    ----------
    taxonomy : Taxonomy
    kinds : tuple of {"skill", "occupation"}
        What to index (skills are capabilities and knowledge areas, not pure groups).
    languages : tuple of {"nl", "en"}
    shortlist : int
        Labels taken from the 4-gram stage per text before fuzzy scoring.
    """

    def __init__(self, taxonomy: Taxonomy, kinds: Iterable[str] = _KINDS, languages: Iterable[str] = ("nl", "en"),
                 shortlist: int = 40):
        p = check_params("LabelIndex", PARAMETERS, {"taxonomy": taxonomy, "kinds": kinds, "languages": languages,
                                                    "shortlist": shortlist})
        kinds, languages, shortlist = p["kinds"], p["languages"], p["shortlist"]
        self.taxonomy = taxonomy
        self.kinds = kinds
        self.shortlist = shortlist
        labels: dict[str, list[tuple[int, int, bool, str]]] = {}  # normalised -> (kind, index, preferred, text)

        def add(kind: int, i: int, text: str, preferred: bool) -> None:
            key = normalise(text)
            if key:
                labels.setdefault(key, []).append((kind, i, preferred, text))

        for kind_code, kind in enumerate(_KINDS):
            if kind not in kinds:
                continue
            table = taxonomy.concepts if kind == "skill" else taxonomy.occupations
            usable = taxonomy.skill_mask if kind == "skill" else np.ones(len(table), bool)
            for i in np.flatnonzero(usable):
                for lang in languages:
                    pref = table.pref_nl[i] if lang == "nl" else table.pref_en[i]
                    if pref:
                        add(kind_code, int(i), pref, True)
                    for alt in table.alt_nl[i] if lang == "nl" else table.alt_en[i]:
                        add(kind_code, int(i), alt, False)
        if not labels:
            raise InputError("LabelIndex: the taxonomy has no labels to index for these kinds and languages")
        self._keys = list(labels)
        self._targets = [labels[k] for k in self._keys]
        self._exact = {k: j for j, k in enumerate(self._keys)}
        from sklearn.feature_extraction.text import TfidfVectorizer

        from .kernels.cosine import CosineIndex

        # 4-grams, and none that occur in more than 2% of the labels (at least 200): they
        # say little and their long posting lists would dominate the shortlist's cost
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), dtype=np.float32,
                                           max_df=max(200, int(0.02 * len(self._keys))))
        self._index = CosineIndex(self._vectorizer.fit_transform(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def _label(self, kind: int, i: int) -> str:
        if kind == 0:
            return self.taxonomy.concept_label(i)
        return self.taxonomy.occupation_label(i)

    def resolve(self, text: str, limit: int = 5, *, kind: str | None = None, margin: float = 5.0) -> Resolution:
        """Ranked candidates for one text (see the module docstring)."""
        return self.resolve_many([text], limit=limit, kind=kind, margin=margin)[0]

    def resolve_many(self, texts: Iterable[str], limit: int = 1, *, kind: str | None = None,
                     margin: float = 5.0) -> list[Resolution]:
        """Resolve a batch of texts; the 4-gram shortlist runs on all of them at once."""
        from rapidfuzz import fuzz

        if isinstance(texts, str):
            raise InputError("texts: expected a list of strings, got one string; use resolve() for a single text")
        texts = list(texts)
        if any(not isinstance(t, str) for t in texts):
            raise InputError("texts: expected strings, found " + next(type(t).__name__ for t in texts
                                                                       if not isinstance(t, str)))
        p = check_params("resolve", {**RESOLVE, "kind": Optional(OneOf(tuple(self.kinds)))},
                         {"limit": limit, "kind": kind, "margin": margin})
        limit, margin = p["limit"], p["margin"]
        if not texts:
            return []
        keys = [normalise(t) for t in texts]
        shortlist, _ = self._index.query(self._vectorizer.transform(keys), self.shortlist)
        kind_code = None if kind is None else _KINDS.index(kind)
        out = []
        for r, (text, key) in enumerate(zip(texts, keys)):
            best: dict[tuple[int, int], tuple[float, bool, str]] = {}
            rows = [j for j in shortlist[r] if j >= 0]
            exact = self._exact.get(key)
            if exact is not None and exact not in rows:
                rows.insert(0, exact)
            for j in rows:
                score = 100.0 if j == exact else float(fuzz.WRatio(key, self._keys[j]))
                for k, i, preferred, label_text in self._targets[j]:
                    if kind_code is not None and k != kind_code:
                        continue
                    current = best.get((k, i))
                    if current is None or (score, preferred) > (current[0], current[1]):
                        best[(k, i)] = (score, preferred, label_text)
            ranked = sorted(best.items(), key=lambda item: (-item[1][0], not item[1][1], item[0][0], item[0][1]))
            candidates = tuple(
                Candidate(id=(self.taxonomy.concepts.ids if k == 0 else self.taxonomy.occupations.ids)[i],
                          kind="skill" if k == 0 else "occupation", label=self._label(k, i), matched_label=label_text, score=score,
                          preferred=preferred)
                for (k, i), (score, preferred, label_text) in ranked[:max(limit, 2)])
            ambiguous = len(candidates) > 1 and candidates[0].score - candidates[1].score <= margin
            out.append(Resolution(text, candidates[:limit], ambiguous))
        return out
