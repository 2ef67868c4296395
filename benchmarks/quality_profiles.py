"""Seeded jobseeker profiles built from occupations, for ``benchmarks/quality.py``.

Every profile starts from a *source* occupation (two for a broad profile) and is a row of
held proficiency levels (1-5) over the taxonomy's concepts. The kinds model what real
profiles look like to a Werkcentrum: people name part of what their work asks, often as a
neighbouring or related skill, bring skills from other work, have done two jobs at once, and
hold skills below or above the level a job asks.

======================  =====================================================================
kind                    how a profile of source occupation ``o`` is drawn
======================  =====================================================================
``essentials``          a random share (see below) of ``o``'s essential requirements (at
                        least one), nothing else
``partial``             a random share of ``o``'s requirements (at least one), drawn with
                        probability proportional to the importance code (essential 3,
                        important 2, somewhat / ESCO optional 1): people name the core of
                        their work first
``hierarchy``           ``partial``, then half of the kept skills replaced by a hierarchy
                        neighbour that ``o`` does not require: a relation type is drawn
                        uniformly among those the skill has (sibling = another skill under
                        one of its broader concepts; its broader skill; a narrower skill),
                        then a neighbour uniformly within it
``related``             ``partial``, then half of the kept skills replaced by a related skill
                        (ESCO ``skillSkillRelations``; ``related.csv``) that ``o`` does not
                        require
``career``              ``partial`` plus extra skills, half as many as kept, from a second
                        occupation in another ISCO major group (first digit), drawn like
                        ``partial`` among the second occupation's requirements that ``o``
                        does not have: a career changer
``random-work``         ``partial`` plus extra skills, half as many as kept, each a uniformly
                        chosen requirement of a uniformly chosen occupation (so common,
                        generic skills come up most): skills from odd jobs
``broad``               ``partial`` of ``o`` merged with ``partial`` of a second, random
                        occupation of the same half; recovered when *either* source is found
                        (its rank is the better of the two)
``realistic``           ``partial``; a quarter of the kept skills replaced by a hierarchy
                        neighbour and another 15% by a related skill (where one exists);
                        plus random-work extras, 30% as many as kept; every held level moved
                        by -1, 0, 0 or +1 (uniformly; clipped to 1-5)
``below``               ``partial`` held one level below the required level (at least 1);
                        only on taxonomies with required levels (CompetentNL-style)
``above``               ``partial`` held one level above the required level (at most 5);
                        only on taxonomies with required levels
======================  =====================================================================

The share kept is 30% on fine-grained taxonomies (ESCO: ~12 named skills of an occupation's 41)
and 50% on broad ones (CompetentNL-style: ~5 of ~10 capabilities); ``keep=`` overrides it.
Unless said otherwise a skill is held at the level its source occupation requires (ESCO
gives no levels: 3 everywhere). Replacements and extras never use a skill the source
occupation requires or the profile already holds; when a skill has no free neighbour it is
kept as it is, and the share achieved is reported.

The occupations are split in two halves by a seeded hash of their identifiers
(:func:`split_halves`); profiles of one half use second occupations from the same half only,
so nothing about the held-out half leaks into tuning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

KIND_NAMES = ("essentials", "partial", "hierarchy", "related", "career", "random-work", "broad", "realistic",
              "below", "above")
LEVEL_KINDS = ("below", "above")  # need required levels that vary (not ESCO)

#: share of the (essential) requirements a profile names, by taxonomy granularity: ESCO's 13,900
#: skills are fine-grained (an occupation asks 41 on average, so 30% is ~12 named skills, what a CV
#: or intake yields); the CompetentNL-style capabilities are broad (~10 per occupation, so half is ~5)
KEEP_FINE, KEEP_BROAD = 0.3, 0.5
SWAP = 0.5  # share of the kept skills replaced in ``hierarchy`` / ``related``
EXTRA = 0.5  # extra skills (career, random-work) per kept skill
REALISTIC_HIERARCHY, REALISTIC_RELATED, REALISTIC_EXTRA = 0.25, 0.15, 0.3


def split_halves(ids, seed: int) -> np.ndarray:
    """Boolean mask, True for the *held-out* (report) half: bit 0 of blake2b(seed:id).

    Deterministic and independent of the order of ``ids`` or of the other occupations.
    """
    out = np.empty(len(ids), bool)
    for i, ident in enumerate(ids):
        out[i] = hashlib.blake2b(f"{seed}:{ident}".encode(), digest_size=8).digest()[0] & 1
    return out


@dataclass
class Neighbours:
    """Neighbours among skills (concepts that can be held) as CSR patterns, by relation type."""

    sibling: sp.csr_matrix
    broader: sp.csr_matrix
    narrower: sp.csr_matrix
    related: sp.csr_matrix

    @classmethod
    def of(cls, tx) -> Neighbours:
        keep = sp.diags(tx.skill_mask.astype(np.float64))
        b = tx.broader.astype(np.float64).tocsr()
        sibling = (keep @ b @ b.T @ keep).tocsr()
        sibling.setdiag(0)
        broader = (keep @ b @ keep).tocsr()
        related = (keep @ tx.related.astype(np.float64) @ keep).tocsr()
        related.setdiag(0)
        out = []
        for m in (sibling, broader, broader.T.tocsr(), related):
            m.eliminate_zeros()
            m.sort_indices()
            out.append(m)
        return cls(*out)

    def options(self, s: int, model: str) -> list[np.ndarray]:
        kinds = (self.sibling, self.broader, self.narrower) if model == "hierarchy" else (self.related,)
        return [m.indices[m.indptr[s]:m.indptr[s + 1]] for m in kinds]


@dataclass
class ProfileSet:
    """Profiles of one kind: held levels, their source occupation(s), and what was achieved."""

    kind: str
    held: sp.csr_matrix  # (n, n_concepts) float32 levels 1-5, sorted unique indices
    truth: np.ndarray  # (n, 2) int64 source occupations; second column -1 unless broad
    stats: dict = field(default_factory=dict)

    @property
    def source(self) -> np.ndarray:
        """First source occupation per row (the cluster for bootstrap resampling)."""
        return self.truth[:, 0]


class ProfileMaker:
    """Draws profiles of every kind for the occupations of a taxonomy."""

    def __init__(self, tx, keep: float | None = None):
        self.tx = tx
        req, lvl = tx.requirements.tocsr(), tx.requirement_levels.tocsr()
        self.own = [req.indices[req.indptr[o]:req.indptr[o + 1]].astype(np.int64) for o in range(tx.n_occupations)]
        self.importance = [req.data[req.indptr[o]:req.indptr[o + 1]].astype(np.int64)
                           for o in range(tx.n_occupations)]
        self.level = [lvl.data[lvl.indptr[o]:lvl.indptr[o + 1]].astype(np.float64) for o in range(tx.n_occupations)]
        self.major = np.array([c[:1] if c else "" for c in tx.occupation_isco])
        self.neighbours = Neighbours.of(tx)
        self.has_levels = bool(np.unique(lvl.data).size > 1)
        self.keep = keep if keep is not None else (KEEP_FINE if tx.n_concepts > 2000 else KEEP_BROAD)
        self.taken = np.zeros(tx.n_concepts, bool)

    # --- building blocks ---------------------------------------------------------------------

    def _keep(self, o: int, rng, essentials_only: bool = False) -> tuple[list[int], list[float]]:
        own, imp, lvl = self.own[o], self.importance[o], self.level[o]
        if essentials_only:
            pick = imp == 3
            own, imp, lvl = own[pick], imp[pick], lvl[pick]
            p = None
        else:
            p = imp / imp.sum()
        if len(own) == 0:
            return [], []
        n_keep = max(1, round(self.keep * len(own)))
        at = rng.choice(len(own), size=n_keep, replace=False, p=p)
        return [int(x) for x in own[at]], [float(x) for x in lvl[at]]

    def _replace(self, o: int, skills: list[int], n_replace: int, model: str, rng, positions) -> tuple[int, set[int]]:
        """Replace up to ``n_replace`` of ``skills`` (in place, visiting ``positions`` in order) by free
        neighbours of relation ``model``; returns (replaced, positions replaced)."""
        taken = self.taken
        taken[self.own[o]] = True
        taken[skills] = True
        moved: set[int] = set()
        try:
            for i in positions:
                if len(moved) == n_replace:
                    break
                options = [c[~taken[c]] for c in self.neighbours.options(skills[i], model)]
                options = [c for c in options if len(c)]
                if not options:
                    continue  # no free neighbour: the skill stays as held
                kind = options[int(rng.integers(len(options)))]  # relation type first, then the neighbour
                t = int(kind[int(rng.integers(len(kind)))])
                skills[i] = t
                taken[t] = True
                moved.add(i)
        finally:
            taken[:] = False
        return len(moved), moved

    def _extras_from(self, o: int, o2: int, n: int, skills: list[int], rng) -> tuple[list[int], list[float]]:
        own2, imp2, lvl2 = self.own[o2], self.importance[o2], self.level[o2]
        free = ~np.isin(own2, self.own[o]) & ~np.isin(own2, skills)
        own2, imp2, lvl2 = own2[free], imp2[free], lvl2[free]
        if len(own2) == 0:
            return [], []
        at = rng.choice(len(own2), size=min(n, len(own2)), replace=False, p=imp2 / imp2.sum())
        return [int(x) for x in own2[at]], [float(x) for x in lvl2[at]]

    def _random_work(self, o: int, n: int, skills: list[int], rng) -> tuple[list[int], list[float]]:
        taken = {int(x) for x in self.own[o]} | set(skills)
        out, levels = [], []
        tries = 0
        while len(out) < n and tries < 50 * n:
            tries += 1
            w = int(rng.integers(self.tx.n_occupations))
            if len(self.own[w]) == 0:
                continue
            j = int(rng.integers(len(self.own[w])))
            t = int(self.own[w][j])
            if t in taken:
                continue
            taken.add(t)
            out.append(t)
            levels.append(float(self.level[w][j]))
        return out, levels

    # --- kinds -----------------------------------------------------------------------------------

    def profile(self, kind: str, o: int, rng, partner: int | None) -> tuple[list[int], list[float], dict]:
        """One profile of source ``o`` (``partner``: the second occupation of career / broad)."""
        info = {"wanted": 0, "done": 0}
        if kind == "essentials":
            skills, levels = self._keep(o, rng, essentials_only=True)
            return skills, levels, info
        skills, levels = self._keep(o, rng)
        n_keep = len(skills)
        if kind in ("hierarchy", "related"):
            wanted = round(SWAP * n_keep)
            done, _ = self._replace(o, skills, wanted, kind, rng, range(n_keep))
            info.update(wanted=wanted, done=done)
        elif kind == "career":
            extra, extra_levels = self._extras_from(o, partner, max(1, round(EXTRA * n_keep)), skills, rng)
            skills += extra
            levels += extra_levels
        elif kind == "random-work":
            extra, extra_levels = self._random_work(o, max(1, round(EXTRA * n_keep)), skills, rng)
            skills += extra
            levels += extra_levels
        elif kind == "broad":
            s2, l2 = self._keep(partner, rng)
            skills += s2
            levels += l2
        elif kind == "realistic":
            w1, w2 = round(REALISTIC_HIERARCHY * n_keep), round(REALISTIC_RELATED * n_keep)
            d1, moved = self._replace(o, skills, w1, "hierarchy", rng, range(n_keep))
            # related swaps go to other kept skills, visited from the back of the (random) order
            d2, _ = self._replace(o, skills, w2, "related", rng, [i for i in range(n_keep - 1, -1, -1) if i not in moved])
            info.update(wanted=w1 + w2, done=d1 + d2)
            extra, extra_levels = self._random_work(o, max(1, round(REALISTIC_EXTRA * n_keep)), skills, rng)
            skills += extra
            levels += extra_levels
            levels = [float(np.clip(x + rng.choice((-1, 0, 0, 1)), 1, 5)) for x in levels]
        elif kind == "below":
            levels = [max(1.0, x - 1) for x in levels]
        elif kind == "above":
            levels = [min(5.0, x + 1) for x in levels]
        elif kind != "partial":
            raise ValueError(f"unknown profile kind {kind!r}; expected one of {KIND_NAMES}")
        return skills, levels, info

    def make(self, kind: str, sources: np.ndarray, rng: np.random.Generator, reps: int = 1) -> ProfileSet:
        """``reps`` profiles of ``kind`` per occupation in ``sources`` (one half), in a fixed order.

        Second occupations (career, broad) come from ``sources`` too.
        """
        sources = np.asarray(sources, np.int64)
        rows, vals, truth = [], [], []
        wanted = done = skipped = 0
        for _ in range(reps):
            for o in sources:
                partner = None
                if kind == "career":
                    pool = sources[(self.major[sources] != self.major[o])]
                    partner = int(pool[rng.integers(len(pool))]) if len(pool) else None
                    if partner is None:
                        skipped += 1
                        continue
                elif kind == "broad":
                    partner = int(o)
                    while partner == o:
                        partner = int(sources[rng.integers(len(sources))])
                skills, levels, info = self.profile(kind, int(o), rng, partner)
                if not skills:
                    skipped += 1
                    continue
                wanted += info["wanted"]
                done += info["done"]
                best: dict[int, float] = {}
                for s, lv in zip(skills, levels):
                    best[s] = max(best.get(s, 0.0), lv)
                cols = np.array(sorted(best), np.int32)
                rows.append(cols)
                vals.append(np.array([best[c] for c in cols], np.float32))
                truth.append((int(o), partner if kind == "broad" else -1))
        indptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum([len(r) for r in rows], out=indptr[1:])
        held = sp.csr_matrix((np.concatenate(vals) if vals else np.zeros(0, np.float32),
                              np.concatenate(rows) if rows else np.zeros(0, np.int32), indptr),
                             shape=(len(rows), self.tx.n_concepts))
        stats = {"profiles": len(rows), "skipped": skipped, "mean_skills": float(np.diff(indptr).mean()) if rows else 0.0,
                 "replaced_share": (done / wanted) if wanted else None}
        return ProfileSet(kind, held, np.array(truth, np.int64).reshape(-1, 2), stats)
