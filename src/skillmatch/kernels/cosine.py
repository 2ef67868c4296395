"""CosineIndex: top-k cosine similarity against fixed rows, through the top-k kernel.

Used by label search (4-gram vectors of labels); the Matcher adds taxonomy, weighting and
filters on top of the same kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..problems import InputError
from ..vectorize import CSR, as_csr, unfiltered_place, unit_values
from . import DEFAULT_TILE, DENSE_FACTOR, build_postings, topk
from .arrays import COSINE, ESSENTIAL_NONE, Rows, Settings


def _unit_rows(matrix: Any, n_columns: int, name: str) -> Rows:
    m = CSR.from_scipy(as_csr(matrix, n_columns, name))
    values = unit_values(m.indptr, m.indices, m.data)
    nnz, n = m.nnz, m.n_rows
    return Rows(m.indptr, m.indices, values, np.ones(nnz, np.float32), np.zeros(nnz, np.uint8),
                np.zeros(n, np.int32), np.ones(n))


class CosineIndex:
    """``candidates`` (any non-negative matrix) scaled to unit rows once; :meth:`query` scales
    its rows the same way and returns ``(indices, scores)`` of shape (n, k) under the ranking
    contract (k at most the number of candidates)."""

    def __init__(self, candidates: Any, *, tile: int = DEFAULT_TILE):
        if not hasattr(candidates, "shape") or len(candidates.shape) != 2:
            raise InputError("candidates: expected a 2-d array or sparse matrix")
        self.n_features = int(candidates.shape[1])
        self._rows = _unit_rows(candidates, self.n_features, "candidates")
        self._postings = build_postings(self._rows, self.n_features, tile, check=False)
        self._place = unfiltered_place(self._rows.n_rows)

    def __len__(self) -> int:
        return self._rows.n_rows

    def query(self, queries: Any, k: int, *, n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(queries, "shape") or len(queries.shape) != 2 or queries.shape[1] != self.n_features:
            shape = getattr(queries, "shape", None)
            raise InputError(f"queries: expected a 2-d matrix with {self.n_features} columns, got shape {shape}")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(f"k: expected a positive integer, got {k!r}")
        q = _unit_rows(queries, self.n_features, "queries")
        st = Settings(int(min(k, max(1, len(self)))), COSINE, False, ESSENTIAL_NONE, 0.0, False, False, False,
                      DENSE_FACTOR)
        return topk(st, q, self._rows, self._postings, unfiltered_place(q.n_rows), self._place,
                    n_threads=n_threads, check=False)

