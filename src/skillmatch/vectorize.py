"""Vectorising: jobseekers, vacancies and occupations become sparse skill matrices.

This is the one place where records turn into arrays. Every matrix that leaves this module
is a ``scipy.sparse.csr_matrix`` with int32 indices (sorted, unique within a row), float32
data, one column per taxonomy concept, and never shares memory with the caller's input.

Two kinds of matrix come out:

- **held skills** of people: the proficiency level (1–5) of each skill a person holds;
- **requirements** of vacancies and occupations: a :class:`Requirements` with the
  importance code (3 essential, 2 important, 1 somewhat) and required level of each skill.

Weighting schemes are small named functions in :data:`WEIGHTINGS` (``binary``,
``levels``, ``importance``) plus :func:`idf_weights`; scores choose among them.
:class:`SkillVectorizer` wraps the conversion as a scikit-learn transformer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from .models import IMPORTANCE_CODES, Jobseeker, Vacancy
from .problems import InputError, Problem
from .taxonomy import Taxonomy

INDEX_DTYPE = np.int32
VALUE_DTYPE = np.float32

#: Default weight of a requirement by importance: (somewhat, important, essential). On ESCO
#: (benchmarks/quality_esco.py) weighting "optional" (= somewhat) 0.5 rather than 0.3 raised
#: recall; ESCO has no "important", so 0.75 is the interpolation between the measured ends.
DEFAULT_IMPORTANCE_WEIGHTS = (0.5, 0.75, 1.0)


def importance_table(weights: Sequence[float] = DEFAULT_IMPORTANCE_WEIGHTS) -> np.ndarray:
    """Lookup table indexed by importance code (1 somewhat, 2 important, 3 essential), float64."""
    weights = tuple(float(w) for w in weights)
    if len(weights) != 3 or not all(0.0 < w <= 1.0 for w in weights):
        raise InputError(f"importance_weights: expected three weights in (0, 1] for (somewhat, important, "
                         f"essential), got {weights}")
    return np.array((0.0, *weights), dtype=np.float64)


IMPORTANCE_WEIGHTS = importance_table()


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


def as_csr(matrix, n_columns: int, name: str, dtype=VALUE_DTYPE) -> sp.csr_matrix:
    """A validated CSR copy: int32 sorted unique indices, ``dtype`` data, no NaN, no negatives.

    The single conversion point for matrices that callers pass in directly.
    """
    if not sp.issparse(matrix):
        matrix = np.asarray(matrix)
        if matrix.ndim != 2:
            raise InputError(f"{name}: expected a 2-d array or sparse matrix, got an array of shape {matrix.shape}")
    m = sp.csr_matrix(matrix, dtype=dtype, copy=True)
    if m.shape[1] != n_columns:
        raise InputError(f"{name}: expected {n_columns} columns (one per taxonomy concept), got {m.shape[1]}")
    m.sum_duplicates()  # also sorts indices
    m.eliminate_zeros()
    if m.nnz and not np.all(np.isfinite(m.data)):
        raise InputError(f"{name}: contains NaN or infinite values")
    if m.nnz and m.data.min() < 0:
        raise InputError(f"{name}: contains negative values; skill values must be >= 0")
    return canonical_indices(m)


def canonical_indices(m: sp.csr_matrix) -> sp.csr_matrix:
    """int32 ``indices`` and ``indptr`` (scipy wants both of one dtype); kernels get int64 pointers."""
    if m.nnz >= 2**31:
        raise InputError(f"a matrix with {m.nnz} entries is beyond the 2**31 entries skillmatch supports")
    m.indices = m.indices.astype(INDEX_DTYPE, copy=False)
    m.indptr = m.indptr.astype(INDEX_DTYPE, copy=False)
    return m


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


def _unknown_skill(taxonomy: Taxonomy, uri: str, where: str, record: str, field: str) -> Problem:
    hint = ""
    if len(uri) > 2:
        from .problems import closest

        near = closest(uri, taxonomy.concepts.ids)
        if near:
            j = taxonomy.concepts.index[near[0]]
            hint = f" (closest: {near[0]!r}, {taxonomy.concept_label(j)!r})"
    return Problem(f"skill {uri!r} is not in the taxonomy{hint}", where=where, record=record, field=field, value=uri)


def held_skills(taxonomy: Taxonomy, jobseekers: Sequence[Jobseeker], *, where: str = "jobseekers") -> sp.csr_matrix:
    """Proficiency matrix of shape (n_jobseekers, n_concepts), float32 levels 1–5.

    A skill listed twice for one person keeps the higher proficiency. Unknown skills raise
    one :class:`InputError` listing every unknown skill with the record and position.
    """
    problems: list[Problem] = []
    indptr = np.zeros(len(jobseekers) + 1, dtype=np.int64)
    cols: list[int] = []
    vals: list[float] = []
    for r, person in enumerate(jobseekers):
        row: dict[int, float] = {}
        for k, claim in enumerate(person.skills):
            j = taxonomy.concepts.index.get(claim.skill)
            if j is None:
                problems.append(_unknown_skill(taxonomy, claim.skill, where, person.id, f"skills[{k}].skill"))
                continue
            row[j] = max(row.get(j, 0.0), float(claim.proficiency))
        for j in sorted(row):
            cols.append(j)
            vals.append(row[j])
        indptr[r + 1] = len(cols)
    if problems:
        raise InputError(problems, summary=f"{len(problems)} unknown skill(s) in {where}")
    return canonical_indices(sp.csr_matrix((np.array(vals, VALUE_DTYPE), np.array(cols, INDEX_DTYPE), indptr),
                                           shape=(len(jobseekers), taxonomy.n_concepts)))


def vacancy_requirements(taxonomy: Taxonomy, vacancies: Sequence[Vacancy], *, where: str = "vacancies") -> Requirements:
    """Requirements of each vacancy: its own, or else its occupation's.

    A skill listed twice in one vacancy keeps the higher importance and level.
    """
    problems: list[Problem] = []
    indptr = np.zeros(len(vacancies) + 1, dtype=np.int64)
    cols: list[int] = []
    imps: list[int] = []
    lvls: list[float] = []
    occ_req, occ_lvl = taxonomy.requirements, taxonomy.requirement_levels
    for r, vacancy in enumerate(vacancies):
        row: dict[int, tuple[int, float]] = {}
        if vacancy.requirements:
            for k, req in enumerate(vacancy.requirements):
                j = taxonomy.concepts.index.get(req.skill)
                if j is None:
                    problems.append(_unknown_skill(taxonomy, req.skill, where, vacancy.id, f"requirements[{k}].skill"))
                    continue
                imp, lvl = row.get(j, (0, 0.0))
                row[j] = (max(imp, IMPORTANCE_CODES[req.importance]), max(lvl, float(req.level)))
        else:
            o = taxonomy.occupations.index.get(vacancy.occupation)
            if o is None:
                problems.append(Taxonomy._unknown(vacancy.occupation, taxonomy.occupations, where, "occupation"))
                problems[-1] = Problem(problems[-1].message, where=where, record=vacancy.id, field="occupation",
                                       value=vacancy.occupation)
                continue
            lo, hi = occ_req.indptr[o], occ_req.indptr[o + 1]
            for j, imp, lvl in zip(occ_req.indices[lo:hi], occ_req.data[lo:hi], occ_lvl.data[lo:hi]):
                row[int(j)] = (int(imp), float(lvl))
        for j in sorted(row):
            cols.append(j)
            imps.append(row[j][0])
            lvls.append(row[j][1])
        indptr[r + 1] = len(cols)
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in {where}")
    shape = (len(vacancies), taxonomy.n_concepts)
    indices = np.array(cols, INDEX_DTYPE)
    return Requirements(canonical_indices(sp.csr_matrix((np.array(imps, np.int8), indices, indptr), shape=shape)),
                        canonical_indices(sp.csr_matrix((np.array(lvls, VALUE_DTYPE), indices.copy(), indptr.copy()),
                                                        shape=shape)))


def occupation_requirements(taxonomy: Taxonomy) -> Requirements:
    """The taxonomy's occupations as a :class:`Requirements` (copies; the taxonomy stays as it is)."""
    return as_requirements(Requirements(taxonomy.requirements, taxonomy.requirement_levels), taxonomy.n_concepts,
                           "taxonomy.requirements")


# --- weighting schemes ------------------------------------------------------------------------


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


def row_sums(indptr: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` per CSR row (float64); empty rows sum to 0."""
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    return np.bincount(rows, weights=np.asarray(values, dtype=np.float64), minlength=len(indptr) - 1)


def weighted_unit_rows(values: sp.csr_matrix, weights: np.ndarray, idf: np.ndarray | None = None) -> sp.csr_matrix:
    """Rows scaled to unit L2 norm after multiplying by ``weights`` (per entry) and ``idf`` (per column).

    Empty rows stay empty. Returns float32 CSR with the same pattern.
    """
    w = np.asarray(weights, dtype=np.float64).copy()
    if idf is not None:
        w *= idf[values.indices]
    counts = np.diff(values.indptr)
    norms = np.sqrt(row_sums(values.indptr, w * w))
    w /= np.repeat(norms, counts)
    return sp.csr_matrix((w.astype(VALUE_DTYPE), values.indices.copy(), values.indptr.copy()), shape=values.shape)


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



# --- related-skill credit ---------------------------------------------------------------------


@dataclass(frozen=True)
class Credit:
    """How much holding one skill counts for another (all in [0, 1]; 0 switches a source off).

    ``related``  multiplies the taxonomy's related-skill strengths (ESCO skill–skill
                 relations, CompetentNL ``skos:related``, ``related.csv``);
    ``narrower`` credit for a skill from holding one of its narrower (more specific) skills;
    ``broader``  credit for a skill from holding its broader (more general) skill;
    ``sibling``  credit between skills that share a broader concept, only within groups of
                 at most ``max_group`` members (in large groups siblinghood says little and
                 would make every profile huge). Off by default.
    The strongest source wins; credit never exceeds holding the skill itself.

    Defaults from the quality measurement on ESCO (benchmarks/README.md): credit lifts the
    recovery of occupations from noisy profiles (+2.5 to +5.5 points recall@1 at 60%
    hierarchy noise or 30% related-skill noise) and costs about a point on clean ones.
    Sibling credit added a little more under heavy noise but grew ESCO profiles 13-fold
    (matching 6x the cost of cosine instead of 3x); ``sibling=0.2`` is the measured best
    when it is wanted.
    """

    related: float = 1.0
    narrower: float = 0.5
    broader: float = 0.5
    sibling: float = 0.0
    max_group: int = 40

    def __post_init__(self) -> None:
        for name in ("related", "narrower", "broader", "sibling"):
            value = getattr(self, name)
            if not (0.0 <= value <= 1.0):
                raise InputError(f"Credit.{name}: expected a number from 0 to 1, got {value!r}")
        if self.max_group < 2:
            raise InputError(f"Credit.max_group: expected an integer >= 2, got {self.max_group!r}")


def credit_matrix(taxonomy: Taxonomy, credit: Credit) -> sp.csr_matrix:
    """``C[s, t]``: the share of proficiency in ``s`` that counts for ``t`` (float32, zero diagonal).

    Only concepts that can be held (not pure groups) take part, except as the shared
    broader concept of siblings.
    """
    n = taxonomy.n_concepts
    skill = taxonomy.skill_mask.astype(np.float64)
    keep = sp.diags(skill)
    parts = []
    broader = (keep @ taxonomy.broader.astype(np.float64) @ keep).tocsr()  # skill -> broader skill
    if credit.related > 0:
        parts.append(keep @ taxonomy.related.astype(np.float64) @ keep * credit.related)
    if credit.narrower > 0:
        parts.append(broader * credit.narrower)  # holding the narrower s counts for its broader t
    if credit.broader > 0:
        parts.append(broader.T * credit.broader)
    if credit.sibling > 0:
        b = taxonomy.broader.astype(np.float64).tocsc()
        sizes = np.diff(taxonomy.narrower.indptr)
        small = sp.diags((sizes <= credit.max_group).astype(np.float64))
        members = keep @ b @ small  # skill x parent, parents with few members only
        siblings = (members @ members.T).tocsr()
        siblings.data[:] = credit.sibling
        parts.append(siblings)
    out = sp.csr_matrix((n, n), dtype=np.float64)
    for p in parts:
        out = out.maximum(p.tocsr())
    out.setdiag(0)
    out.eliminate_zeros()
    out = sp.csr_matrix(out, dtype=VALUE_DTYPE)
    out.sort_indices()
    return canonical_indices(out)
