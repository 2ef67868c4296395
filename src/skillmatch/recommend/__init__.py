"""Recommendations after matching: skill gaps and the training plans that close them.

- :mod:`.gaps` — :class:`Gap`, what a person lacks for one target, and its builders;
- :mod:`.catalogue` — :class:`Catalogue`, the training modules as checked arrays;
- :mod:`.plans` — :func:`plan_training` / :func:`plan_for`, ranked least-cost plans;
- :mod:`.routes` — :func:`find_routes` / :class:`RouteGraph`, the k cheapest development routes;
- :mod:`.transitions` — :func:`transitions`, work-to-work moves into the crucial sectors;
- :mod:`.gaps` also — :class:`GapMatrix` / :func:`gaps_for_matches`, the gaps of many pairs (a kernel);
- :mod:`.unlock` — :func:`unlocks_for`, the modules that lift most vacancies over the match threshold;
- :mod:`.regional` — :func:`regional_analysis`, supply, demand, shortage skills and the module
  portfolio of a region.

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
    "Route": ".routes",
    "RouteGraph": ".routes",
    "RouteResult": ".routes",
    "RouteStep": ".routes",
    "default_threshold": ".routes",
    "find_routes": ".routes",
    "Transition": ".transitions",
    "TransitionResult": ".transitions",
    "transitions": ".transitions",
    "GapMatrix": ".gaps",
    "gap_matrix": ".gaps",
    "gaps_for_matches": ".gaps",
    "MATCH_THRESHOLD": ".unlock",
    "MATCH_THRESHOLDS": ".unlock",
    "UnlockOption": ".unlock",
    "UnlockResult": ".unlock",
    "unlocks_for": ".unlock",
    "Portfolio": ".regional",
    "PortfolioChoice": ".regional",
    "RegionalAnalysis": ".regional",
    "regional_analysis": ".regional",
    "select_portfolio": ".regional",
}

__all__ = [
    "MATCH_THRESHOLD",
    "MATCH_THRESHOLDS",
    "Catalogue",
    "Exemptions",
    "Gap",
    "GapMatrix",
    "PlanConstraints",
    "PlanResult",
    "Portfolio",
    "PortfolioChoice",
    "RegionalAnalysis",
    "Route",
    "RouteGraph",
    "RouteResult",
    "RouteStep",
    "TrainingPlan",
    "Transition",
    "TransitionResult",
    "UnlockOption",
    "UnlockResult",
    "default_threshold",
    "find_routes",
    "gap_for",
    "gap_from_arrays",
    "gap_matrix",
    "gaps_for_matches",
    "held_row",
    "plan_for",
    "plan_training",
    "regional_analysis",
    "select_portfolio",
    "transitions",
    "unlocks_for",
]


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
    from .gaps import Gap, GapMatrix, gap_for, gap_from_arrays, gap_matrix, gaps_for_matches, held_row
    from .plans import Exemptions, PlanConstraints, PlanResult, TrainingPlan, plan_for, plan_training
    from .regional import Portfolio, PortfolioChoice, RegionalAnalysis, regional_analysis, select_portfolio
    from .routes import Route, RouteGraph, RouteResult, RouteStep, default_threshold, find_routes
    from .transitions import Transition, TransitionResult, transitions
    from .unlock import MATCH_THRESHOLD, MATCH_THRESHOLDS, UnlockOption, UnlockResult, unlocks_for
