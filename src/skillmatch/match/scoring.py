"""The registry of scores, and the settings a fitted index keeps in force.

``fit``      (the default for people and work) two numbers a consultant reads, combined:
             **coverage** C, how much of what the work asks the person has — the
             importance-weighted mean over the requirements of min(1, held / required
             level) — and **relevance** R, how much of the person's profile the work uses —
             the share of the person's skills the work asks for, each counted as
             min(1, held / required level). ``score = C^a · R^(1 - a)`` with a =
             ``coverage_weight`` (0.3), times ``1 - essential_penalty · missing / n`` for
             essential requirements the person has nothing for. Chosen on the tuning half of
             the quality benchmark (benchmarks/README.md): better than plain cosine on most
             profile kinds, where coverage alone rewards work with a few generic demands.
``cosine``   cosine of weighted skill vectors (``weighting`` x idf, unit L2 norm). Symmetric;
             equals the top-k of a plain sparse A·Bᵀ on the same vectors.
``coverage`` coverage C alone, with unmet essential requirements penalised or used as a
             gate. Asymmetric.

A score is one :class:`Scoring` entry: the kernel formula it uses and how each side's
rows are made from a batch (:mod:`skillmatch.kernels.arrays` documents what the kernel
reads; :mod:`skillmatch.kernels.reference` has the formulas). The contract tests run over
every entry automatically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import kernels
from ..kernels import Rows
from ..vectorize import CSR, WEIGHTINGS, Credit, row_sums, unit_values

ESSENTIAL_MODES = {"none": kernels.ESSENTIAL_NONE, "penalty": kernels.ESSENTIAL_PENALTY,
                   "gate": kernels.ESSENTIAL_GATE}


@dataclass(frozen=True)
class MatchSettings:
    """The options in force for an index, validated (see :class:`~skillmatch.match.Matcher`)."""

    scoring: str
    weighting: str
    idf: bool
    credit: Credit | None
    importance_weights: tuple[float, float, float]
    essential: str
    essential_penalty: float
    same_region: bool
    travel: bool
    hours: bool
    support: bool
    crucial_boost: float
    coverage_weight: float = 0.3

    @property
    def importance_table(self) -> np.ndarray:
        """Weight by importance code: index 1 somewhat, 2 important, 3 essential (float64)."""
        return np.array((0.0, *self.importance_weights))

    @property
    def essential_mode(self) -> int:
        return ESSENTIAL_MODES[self.essential] if SCORINGS[self.scoring].essential else kernels.ESSENTIAL_NONE


def _rows(m: CSR, values: np.ndarray, *, inv_levels: np.ndarray | None = None, essential: np.ndarray | None = None,
          scale: np.ndarray | None = None) -> Rows:
    nnz, n = m.nnz, m.n_rows
    essential = np.zeros(nnz, np.uint8) if essential is None else essential
    n_essential = row_sums(m.indptr, essential).astype(np.int32) if nnz else np.zeros(n, np.int32)
    return Rows(m.indptr, m.indices, np.ascontiguousarray(values, np.float32),
                np.ones(nnz, np.float32) if inv_levels is None else inv_levels, essential, n_essential,
                np.ones(n) if scale is None else np.asarray(scale, np.float64))


def inverse_levels(levels: np.ndarray) -> np.ndarray:
    """float32 1 / level, rounded up where needed so that level x (1 / level) >= 1 exactly:
    holding the required level always meets the requirement in full."""
    inv = (1.0 / levels.astype(np.float64)).astype(np.float32)
    short = inv.astype(np.float64) * levels.astype(np.float64) < 1.0
    inv[short] = np.nextafter(inv[short], np.float32(np.inf))
    return inv


# --- row builders: (rows, settings, idf, scale) -> kernel Rows ------------------------------------


def cosine_people(eff: CSR, st: MatchSettings, idf: np.ndarray | None, scale: np.ndarray | None) -> Rows:
    weights = WEIGHTINGS[st.weighting](eff, "held", st.importance_table)
    return _rows(eff, unit_values(eff.indptr, eff.indices, weights, idf), scale=scale)


def cosine_work(importance: CSR, levels: np.ndarray, st: MatchSettings, idf: np.ndarray | None,
                scale: np.ndarray | None) -> Rows:
    weights = WEIGHTINGS[st.weighting](importance, "requirements", st.importance_table)
    return _rows(importance, unit_values(importance.indptr, importance.indices, weights, idf), scale=scale)


def held_levels(eff: CSR, st: MatchSettings, idf: np.ndarray | None, scale: np.ndarray | None) -> Rows:
    """Coverage and fit, people side: the effective proficiency level of each skill (for fit
    the caller passes scale = 1 / the person's number of skills)."""
    return _rows(eff, eff.data, scale=scale)


def requirement_weights(importance: CSR, levels: np.ndarray, st: MatchSettings, idf: np.ndarray | None,
                        scale: np.ndarray | None) -> Rows:
    """Coverage, work side: importance weights normalised to sum 1 per row, 1 / level, essential flags."""
    w = st.importance_table[importance.data.astype(np.int64)]
    w = (w / np.repeat(row_sums(importance.indptr, w), np.diff(importance.indptr))).astype(np.float32)
    essential = (importance.data == 3).astype(np.uint8)
    return _rows(importance, w, inv_levels=inverse_levels(levels), essential=essential, scale=scale)


@dataclass(frozen=True)
class Scoring:
    """One score: its kernel formula and how each side's rows are made."""

    name: str
    mode: int
    symmetric: bool
    description: str
    people: Callable[..., Rows]
    work: Callable[..., Rows]
    uses_idf: bool = False
    essential: bool = False  # unmet essential requirements penalise or gate
    relevance: bool = False  # the people side's scale is 1 / its number of skills


SCORINGS: dict[str, Scoring] = {
    "fit": Scoring("fit", kernels.FIT, False,
                   "coverage of the work's requirements combined with the relevance of the person's profile",
                   held_levels, requirement_weights, essential=True, relevance=True),
    "cosine": Scoring("cosine", kernels.COSINE, True, "cosine of weighted skill vectors", cosine_people,
                      cosine_work, uses_idf=True),
    "coverage": Scoring("coverage", kernels.COVERAGE, False,
                        "importance-weighted share of the requirements met, with related-skill credit",
                        held_levels, requirement_weights, essential=True),
}
