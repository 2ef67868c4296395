"""Related-skill credit: how much holding one skill counts for another.

:class:`Credit` holds the rules, :func:`credit_matrix` turns a taxonomy's hierarchy and
related-skill links into the sparse matrix the credit kernel
(:func:`skillmatch.kernels.related_credit`) applies to people's held skills.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..problems import InputError
from ..taxonomy import Taxonomy
from .sparse import VALUE_DTYPE, canonical_indices


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
