"""Matching: ranked, filtered, explained matches in both directions.

Layout::

    scoring.py  the registry of scores and the settings an index keeps in force
    index.py    CandidateIndex: fitted candidates, frozen, picklable, saveable
    matcher.py  Matcher: the estimator (parameters, fit, match, match_one)
    result.py   MatchResult: ids, indices, scores, explained from the index snapshot
    explain.py  Explanation: the skills behind a score, in Dutch or English
"""

from __future__ import annotations

from .explain import Explanation, SkillLine
from .index import CandidateIndex, Side
from .matcher import PARAMETERS, Matcher
from .result import MatchResult
from .scoring import ESSENTIAL_MODES, SCORINGS, MatchSettings, Scoring

__all__ = ["ESSENTIAL_MODES", "PARAMETERS", "SCORINGS", "CandidateIndex", "Explanation", "MatchResult",
           "MatchSettings", "Matcher", "Scoring", "Side", "SkillLine"]
