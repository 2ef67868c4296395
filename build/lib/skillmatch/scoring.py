"""The registry of scores. The formulas are in :mod:`skillmatch._reference`.

``cosine``   cosine of weighted skill vectors (``weighting`` x idf, unit L2 norm). Symmetric;
             equals the top-k of a plain sparse A·Bᵀ on the same vectors.
``coverage`` how much of what the work asks the person has: the importance-weighted mean
             over the requirements of min(1, effective proficiency / required level), with
             unmet essential requirements penalised or used as a gate. Asymmetric.

A new score is one entry here, its formula in the kernel's ``_contribution`` and in the
reference's ``pair_score``; the contract tests run over every entry automatically.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import kernels


@dataclass(frozen=True)
class Scoring:
    name: str
    mode: int
    symmetric: bool
    description: str


SCORINGS: dict[str, Scoring] = {
    "cosine": Scoring("cosine", kernels.COSINE, True, "cosine of weighted skill vectors"),
    "coverage": Scoring("coverage", kernels.COVERAGE, False,
                        "importance-weighted share of the requirements met, with related-skill credit"),
}

ESSENTIAL_MODES = {"none": kernels.ESSENTIAL_NONE, "penalty": kernels.ESSENTIAL_PENALTY,
                   "gate": kernels.ESSENTIAL_GATE}
