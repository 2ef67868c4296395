"""Recommendations after matching: skill gaps and the training plans that close them.

- :mod:`.gaps` — :class:`Gap`, what a person lacks for one target, and its builders;
- :mod:`.catalogue` — :class:`Catalogue`, the training modules as checked arrays;
- :mod:`.plans` — :func:`plan_training` / :func:`plan_for`, ranked least-cost plans.

Names load on first use, so importing this package is cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Gap": ".gaps",
    "gap_from_arrays": ".gaps",
    "gap_for": ".gaps",
    "held_row": ".gaps",
    "Catalogue": ".catalogue",
    "Exemptions": ".plans",
    "PlanConstraints": ".plans",
    "PlanResult": ".plans",
    "TrainingPlan": ".plans",
    "plan_training": ".plans",
    "plan_for": ".plans",
}

__all__ = ["Catalogue", "Exemptions", "Gap", "PlanConstraints", "PlanResult", "TrainingPlan", "gap_for",
           "gap_from_arrays", "held_row", "plan_for", "plan_training"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'skillmatch.recommend' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from .catalogue import Catalogue
    from .gaps import Gap, gap_for, gap_from_arrays, held_row
    from .plans import Exemptions, PlanConstraints, PlanResult, TrainingPlan, plan_for, plan_training
