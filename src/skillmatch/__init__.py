"""skillmatch — match people to work on skills.

Import is cheap: nothing is compiled and the heavy modules load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_taxonomy": "skillmatch.taxonomy",
    "Taxonomy": "skillmatch.taxonomy",
    "TaxonomyBuilder": "skillmatch.taxonomy",
    "shipped_taxonomy_path": "skillmatch.taxonomy",
    "Problem": "skillmatch.problems",
    "InputError": "skillmatch.problems",
    "TaxonomyError": "skillmatch.problems",
    "Jobseeker": "skillmatch.models",
    "Vacancy": "skillmatch.models",
    "Requirement": "skillmatch.models",
    "SkillClaim": "skillmatch.models",
    "Occupation": "skillmatch.models",
    "TrainingModule": "skillmatch.models",
    "DevelopmentPath": "skillmatch.models",
    "LabelIndex": "skillmatch.labels",
    "Matcher": "skillmatch.match",
    "CandidateIndex": "skillmatch.match",
    "MatchResult": "skillmatch.match",
    "Explanation": "skillmatch.match",
    "Credit": "skillmatch.vectorize",
}

__all__ = [  # noqa: RUF022  (the names of _EXPORTS, kept in the same order)
    "load_taxonomy", "Taxonomy", "TaxonomyBuilder", "shipped_taxonomy_path", "Problem", "InputError", "TaxonomyError",
    "Jobseeker", "Vacancy", "Requirement", "SkillClaim", "Occupation", "TrainingModule", "DevelopmentPath",
    "LabelIndex", "Matcher", "CandidateIndex", "MatchResult", "Explanation", "Credit", "__version__",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'skillmatch' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from .labels import LabelIndex
    from .match import CandidateIndex, Explanation, Matcher, MatchResult
    from .models import DevelopmentPath, Jobseeker, Occupation, Requirement, SkillClaim, TrainingModule, Vacancy
    from .problems import InputError, Problem, TaxonomyError
    from .taxonomy import Taxonomy, TaxonomyBuilder, load_taxonomy, shipped_taxonomy_path
    from .vectorize import Credit
