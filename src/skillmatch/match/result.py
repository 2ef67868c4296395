"""Match results: plain data (ids, indices, scores) that explain themselves from a snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..problems import InputError
from .explain import Explanation, explain
from .index import CandidateIndex, Side


@dataclass(frozen=True, eq=False)
class MatchResult:
    """Top-k matches per query.

    Attributes
    ----------
    indices : ndarray of int32, shape (n_queries, k)
        Candidate positions (into ``candidate_ids``), best first; -1 where fewer than k
        candidates qualify.
    scores : ndarray of float32, shape (n_queries, k)
        Scores, descending; ties ordered by candidate position; -inf padding.
    query_ids, candidate_ids : tuple of str
    scoring : str
    index : CandidateIndex
        The (immutable) index the result was ranked against; explanations read it, so
        refitting the matcher that made the result changes nothing here.
    """

    indices: np.ndarray
    scores: np.ndarray
    query_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]
    scoring: str
    index: CandidateIndex = field(repr=False)
    queries: Side = field(repr=False)
    lang: str = "nl"

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
        if not isinstance(row, (int, np.integer)) or isinstance(row, bool) or not (0 <= row < len(self)):
            raise InputError(f"row: expected an integer from 0 to {len(self) - 1}, got {row!r}")
        if not isinstance(rank, (int, np.integer)) or isinstance(rank, bool) or not (0 <= rank < self.k):
            raise InputError(f"rank: expected an integer from 0 to {self.k - 1}, got {rank!r}")
        lang = self.lang if lang is None else lang
        if lang not in ("nl", "en"):
            raise InputError(f"lang: expected 'nl' or 'en', got {lang!r}")
        d = int(self.indices[row, rank])
        if d < 0:
            raise InputError(f"query {self.query_ids[row]!r} has only {int((self.indices[row] >= 0).sum())} "
                             f"match(es); there is no rank {rank}")
        return explain(self.index, self.queries, int(row), d, int(rank), float(self.scores[row, rank]), lang)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (query, rank) that has a match: query, rank (1 = best), candidate, score."""
        out = []
        for r, qid in enumerate(self.query_ids):
            for j in range(self.k):
                d = int(self.indices[r, j])
                if d < 0:
                    break
                out.append({"query": qid, "rank": j + 1, "candidate": self.candidate_ids[d],
                            "score": float(self.scores[r, j])})
        return out
