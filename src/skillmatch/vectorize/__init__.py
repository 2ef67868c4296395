"""Vectorising: records become arrays, once.

Layout::

    sparse.py     the structure check and the one conversion of caller matrices to CSR
    place.py      Place: region, location and travel limit, hours, support, as arrays
    records.py    jobseekers / vacancies / occupations -> held skills, Requirements, and
                  typed batches (PeopleBatch, WorkBatch) carrying ids, labels, place and
                  the taxonomy fingerprint
    weighting.py  weighting schemes (binary, levels, importance), idf, unit rows,
                  SkillVectorizer
    credit.py     Credit rules and the related-skill credit matrix

Nothing downstream reads a pydantic record again.
"""

from __future__ import annotations

from .credit import Credit, credit_matrix
from .place import Place, unfiltered_place
from .records import (
    Batch,
    PeopleBatch,
    Requirements,
    WorkBatch,
    as_requirements,
    batch,
    from_matrix,
    held_skills,
    occupation_requirements,
    occupations,
    people,
    vacancy_requirements,
    work,
)
from .sparse import CSR, as_csr, canonical_indices, check_csr, row_sums
from .weighting import (
    DEFAULT_IMPORTANCE_WEIGHTS,
    IMPORTANCE_WEIGHTS,
    WEIGHTINGS,
    SkillVectorizer,
    idf_weights,
    importance_table,
    unit_values,
    weighted_unit_rows,
)

__all__ = [
    "CSR", "DEFAULT_IMPORTANCE_WEIGHTS", "IMPORTANCE_WEIGHTS", "WEIGHTINGS", "Batch", "Credit", "PeopleBatch", "Place",
    "Requirements", "SkillVectorizer", "WorkBatch", "as_csr", "as_requirements", "batch", "canonical_indices",
    "check_csr", "credit_matrix", "from_matrix", "held_skills", "idf_weights", "importance_table",
    "occupation_requirements", "occupations", "people", "row_sums", "unfiltered_place", "unit_values",
    "vacancy_requirements",
    "weighted_unit_rows", "work",
]
