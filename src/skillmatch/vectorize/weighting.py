"""Weighting schemes: how much each held or required skill counts in a vector.

Small named functions in a registry (:data:`WEIGHTINGS`: ``binary``, ``levels``,
``importance``) plus :func:`idf_weights` and :func:`weighted_unit_rows`; scores choose
among them. :class:`SkillVectorizer` wraps records -> weighted unit vectors as a
scikit-learn transformer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from ..models import Jobseeker, Vacancy
from ..problems import InputError
from ..taxonomy import Taxonomy
from .records import Requirements, held_skills, vacancy_requirements
from .sparse import VALUE_DTYPE, as_csr, row_sums

#: Default weight of a requirement by importance: (somewhat, important, essential). On ESCO
#: (the quality benchmark of the first matching core, since replaced by benchmarks/quality.py)
#: weighting "optional" (= somewhat) 0.5 rather than 0.3 raised recall; ESCO has no
#: "important", so 0.75 is the interpolation between the measured ends.
DEFAULT_IMPORTANCE_WEIGHTS = (0.5, 0.75, 1.0)


def importance_table(weights: Sequence[float] = DEFAULT_IMPORTANCE_WEIGHTS) -> np.ndarray:
    """Lookup table indexed by importance code (1 somewhat, 2 important, 3 essential), float64."""
    weights = tuple(float(w) for w in weights)
    if len(weights) != 3 or not all(0.0 < w <= 1.0 for w in weights):
        raise InputError(f"importance_weights: expected three weights in (0, 1] for (somewhat, important, "
                         f"essential), got {weights}")
    return np.array((0.0, *weights), dtype=np.float64)


IMPORTANCE_WEIGHTS = importance_table()


def binary(values: sp.csr_matrix, kind: str, table: np.ndarray = IMPORTANCE_WEIGHTS) -> np.ndarray:
    """Every held or required skill weighs 1."""
    return np.ones(values.nnz, dtype=np.float64)


def levels(values: sp.csr_matrix, kind: str, table: np.ndarray = IMPORTANCE_WEIGHTS) -> np.ndarray:
    """Held skills weigh proficiency / 5; requirements weigh by importance (``table[code]``)."""
    if kind == "requirements":
        return table[values.data.astype(np.int64)]
    return values.data.astype(np.float64) / 5.0


def importance(values: sp.csr_matrix, kind: str, table: np.ndarray = IMPORTANCE_WEIGHTS) -> np.ndarray:
    """Requirements weigh by importance (``table[code]``); held skills weigh 1."""
    if kind == "requirements":
        return table[values.data.astype(np.int64)]
    return np.ones(values.nnz, dtype=np.float64)


WEIGHTINGS: dict[str, Callable[..., np.ndarray]] = {
    "binary": binary,
    "levels": levels,
    "importance": importance,
}


def idf_weights(*matrices: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency per column, over the rows of all ``matrices``.

    ``idf[j] = ln((1 + n) / (1 + df[j])) + 1`` (scikit-learn's smooth idf), float64.
    """
    n = sum(m.shape[0] for m in matrices)
    df = sum(np.bincount(m.indices, minlength=m.shape[1]) for m in matrices)
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def unit_values(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray,
                idf: np.ndarray | None = None) -> np.ndarray:
    """Per-entry values of CSR rows scaled to unit L2 norm after multiplying by ``weights``
    (per entry) and ``idf`` (per column); float32. Empty rows stay empty."""
    w = np.asarray(weights, dtype=np.float64).copy()
    if idf is not None:
        w *= idf[indices]
    norms = np.sqrt(row_sums(indptr, w * w))
    w /= np.repeat(norms, np.diff(indptr))
    return w.astype(VALUE_DTYPE)


def weighted_unit_rows(values: sp.csr_matrix, weights: np.ndarray, idf: np.ndarray | None = None) -> sp.csr_matrix:
    """Rows scaled to unit L2 norm after multiplying by ``weights`` (per entry) and ``idf`` (per column).

    Empty rows stay empty. Returns float32 CSR with the same pattern.
    """
    data = unit_values(values.indptr, values.indices, weights, idf)
    return sp.csr_matrix((data, values.indices.copy(), values.indptr.copy()), shape=values.shape)


class SkillVectorizer:
    """scikit-learn style transformer: records -> unit-normalised weighted skill vectors.

    Parameters
    ----------
    taxonomy : Taxonomy
    weighting : {"binary", "levels", "importance"}
    idf : bool
        Multiply by inverse document frequency learnt in :meth:`fit`.

    ``fit(X)`` learns the idf over ``X`` (jobseekers or vacancies, or a Requirements /
    CSR matrix); ``transform(X)`` returns float32 CSR rows of unit L2 norm, one column per
    concept; ``get_feature_names_out()`` the concept ids.
    """

    def __init__(self, taxonomy: Taxonomy, weighting: str = "levels", idf: bool = True,
                 importance_weights: Sequence[float] = DEFAULT_IMPORTANCE_WEIGHTS):
        self.taxonomy = taxonomy
        self.weighting = weighting
        self.idf = idf
        self.importance_weights = importance_weights

    def get_params(self, deep: bool = True) -> dict:
        return {"taxonomy": self.taxonomy, "weighting": self.weighting, "idf": self.idf,
                "importance_weights": self.importance_weights}

    def set_params(self, **params) -> SkillVectorizer:
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def _values(self, X) -> tuple[sp.csr_matrix, str]:
        if isinstance(X, Requirements):
            return X.importance, "requirements"
        if sp.issparse(X) or isinstance(X, np.ndarray):
            return as_csr(X, self.taxonomy.n_concepts, "X"), "held"
        X = list(X)
        if X and all(isinstance(x, Vacancy) for x in X):
            return vacancy_requirements(self.taxonomy, X).importance, "requirements"
        if all(isinstance(x, Jobseeker) for x in X):
            return held_skills(self.taxonomy, X), "held"
        raise InputError("X: expected a list of Jobseeker or of Vacancy records, a Requirements or a sparse matrix")

    def fit(self, X, y=None) -> SkillVectorizer:
        if self.weighting not in WEIGHTINGS:
            raise InputError(f"weighting: expected one of {sorted(WEIGHTINGS)}, got {self.weighting!r}")
        values, _ = self._values(X)
        self.idf_ = idf_weights(values) if self.idf else None
        self.n_features_in_ = self.taxonomy.n_concepts
        return self

    def transform(self, X) -> sp.csr_matrix:
        if not hasattr(self, "n_features_in_"):
            raise InputError("SkillVectorizer: call fit before transform")
        values, kind = self._values(X)
        table = importance_table(self.importance_weights)
        return weighted_unit_rows(values, WEIGHTINGS[self.weighting](values, kind, table), self.idf_)

    def fit_transform(self, X, y=None) -> sp.csr_matrix:
        return self.fit(X).transform(X)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(self.taxonomy.concepts.ids, dtype=object)
