"""Seeded synthetic caseloads for the benchmarks.

Skill popularity follows a Zipf–Mandelbrot law, p(r) ∝ (r + q)^-s over the ranks r of
~13k skills, with s and q fitted to how often ESCO v1.1.1 skills occur in occupation
profiles (``fit_popularity``; the most common ESCO skill is in 12% of occupations, rank 100
in 4%, rank 1000 in 0.9%). A pure Zipf law (q = 0, s = 1) would put the most common skill
in almost every profile, which real data does not do; it is kept as a stress case
(``--popularity zipf1``).

Every row holds 10–40 distinct skills (uniform). Values are proficiency levels 1–5 for
people and importance codes (1 somewhat, 2 important, 3 essential; about 40% essential)
with required levels 2–4 for vacancies. Ranks are mapped to skill indices by a seeded
permutation, so popular skills are spread over the index range as in a real taxonomy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

N_SKILLS = 13_000
#: fitted to ESCO v1.1.1 occupation-skill document frequencies (see fit_popularity)
ESCO_LIKE = (0.86, 78.0)
ZIPF1 = (1.0, 0.0)


def popularity(n_skills: int = N_SKILLS, s: float = ESCO_LIKE[0], q: float = ESCO_LIKE[1]) -> np.ndarray:
    p = (np.arange(1, n_skills + 1) + q) ** -s
    return p / p.sum()


def fit_popularity(document_frequency: np.ndarray, top: int = 2000) -> tuple[float, float]:
    """(s, q) of a Zipf–Mandelbrot law fitted to the ``top`` ranks of a document-frequency curve.

    Least squares in log-log. The head is what matters: it carries most of the postings
    a query touches. On ESCO v1.1.1 (``top=2000``) this gives s = 0.86, q = 78.
    """
    df = np.sort(document_frequency[document_frequency > 0])[::-1].astype(np.float64)[:top]
    ranks = np.arange(1, len(df) + 1)
    best = (np.inf, 1.0, 0.0)
    for q in np.arange(0.0, 600.0, 2.0):
        x = np.log(ranks + q)
        slope, intercept = np.polyfit(x, np.log(df), 1)
        err = np.mean((np.log(df) - (slope * x + intercept)) ** 2)
        if err < best[0]:
            best = (err, -slope, q)
    return best[1], best[2]


def sample_rows(rng: np.random.Generator, n: int, p: np.ndarray, min_len: int = 10, max_len: int = 40) -> sp.csr_matrix:
    """n rows of distinct skills drawn by popularity ``p``; binary float32 CSR, sorted indices."""
    n_skills = len(p)
    sizes = rng.integers(min_len, max_len + 1, size=n)
    cdf = np.cumsum(p)
    cdf[-1] = 1.0
    draws = 2 * max_len + 16
    rows = np.empty(n, dtype=object)
    for start in range(0, n, 20_000):  # bounded memory
        stop = min(n, start + 20_000)
        picks = np.searchsorted(cdf, rng.random((stop - start, draws)), side="right")
        picks.sort(axis=1)
        fresh = np.ones_like(picks, dtype=bool)
        fresh[:, 1:] = picks[:, 1:] != picks[:, :-1]
        for i in range(stop - start):
            uniq = picks[i][fresh[i]]
            want = sizes[start + i]
            if len(uniq) > want:
                uniq = np.sort(rng.choice(uniq, size=want, replace=False))
            elif len(uniq) < want:  # rare: top up uniformly
                extra = rng.choice(np.setdiff1d(np.arange(n_skills), uniq), size=want - len(uniq), replace=False)
                uniq = np.sort(np.concatenate([uniq, extra]))
            rows[start + i] = uniq
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.concatenate(list(rows)).astype(np.int32) if n else np.zeros(0, np.int32)
    return sp.csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(n, n_skills))


@dataclass
class Caseload:
    """People (held levels) and vacancies (importance codes and required levels) over n_skills."""

    held: sp.csr_matrix
    importance: sp.csr_matrix
    level: sp.csr_matrix
    permutation: np.ndarray


def caseload(n_people: int, n_vacancies: int, *, seed: int = 0, n_skills: int = N_SKILLS,
             shape: tuple[float, float] = ESCO_LIKE) -> Caseload:
    rng = np.random.default_rng(seed)
    p = popularity(n_skills, *shape)
    perm = rng.permutation(n_skills).astype(np.int32)
    held = sample_rows(rng, n_people, p)
    vac = sample_rows(rng, n_vacancies, p)
    for m in (held, vac):
        m.indices = perm[m.indices]
        m.sort_indices()
    held.data = rng.integers(1, 6, size=held.nnz).astype(np.float32)
    importance = vac.copy()
    importance.data = rng.choice(np.array([1, 2, 3], np.int8), size=vac.nnz, p=[0.25, 0.35, 0.4])
    level = vac.copy()
    level.data = rng.integers(2, 5, size=vac.nnz).astype(np.float32)
    return Caseload(held, importance, level, perm)


def taxonomy(n_skills: int = N_SKILLS, *, seed: int = 0):
    """A taxonomy of ``n_skills`` skills for the synthetic caseloads.

    Skills sit in groups of 5–40 (as most ESCO skill groups; siblings earn related credit),
    and about one skill in three has a related-skill link (ESCO has 0.85 per skill), so
    related credit costs what it would cost on real data. No occupations are needed: the
    benchmarks pass matrices.
    """
    from skillmatch.models import Concept
    from skillmatch.taxonomy import TaxonomyBuilder, Where

    rng = np.random.default_rng(seed + 1)
    b = TaxonomyBuilder("synthetic", "benchmarks/synthetic.py")
    where = Where("synthetic")
    sizes = []
    while sum(sizes) < n_skills:
        sizes.append(int(rng.integers(5, 41)))
    sizes[-1] -= sum(sizes) - n_skills
    skill = 0
    for g, size in enumerate(sizes):
        gid = f"group/{g}"
        for _ in range(size):
            b.add_concept(Concept.model_construct(id=f"skill/{skill}", kind="capability", pref_label_en=f"skill {skill}",
                                                  pref_label_nl="", alt_labels_nl=(), alt_labels_en=(), broader=(gid,),
                                                  level=None, riasec=None, isced_f=None, origin="", definition=""),
                          where)
            skill += 1
    for g in range(len(sizes)):
        b.add_concept(Concept.model_construct(id=f"group/{g}", kind="group", pref_label_en=f"group {g}", pref_label_nl="",
                                              alt_labels_nl=(), alt_labels_en=(), broader=(), level=1, riasec=None,
                                              isced_f=None, origin="", definition=""), where)
    for s in rng.choice(n_skills, size=n_skills // 3, replace=False):
        t = int(rng.integers(n_skills))
        if t != s:
            b.add_related(f"skill/{s}", f"skill/{t}", float(rng.choice([0.35, 0.5])), where)
    return b.build()


def matcher_inputs(cl: Caseload, n_columns: int):
    """The caseload as :class:`skillmatch.match.Matcher` inputs, widened to ``n_columns`` columns.

    Returns ``(held, requirements)``: copies of the held-levels CSR and a
    :class:`skillmatch.vectorize.Requirements` for the vacancies, with ``n_columns`` columns
    (the taxonomy's concepts; the synthetic taxonomy's skills are its first ``N_SKILLS``).
    """
    from skillmatch.vectorize import Requirements

    held, importance, level = cl.held.copy(), cl.importance.copy(), cl.level.copy()
    for m in (held, importance, level):
        m.resize((m.shape[0], n_columns))
    return held, Requirements(importance, level)


def jobseekers(held: sp.csr_matrix, concept_ids, rows=None, *, prefix: str = "js"):
    """Rows of a held-levels matrix as :class:`skillmatch.models.Jobseeker` records.

    ``concept_ids[j]`` names column j; ids are ``f"{prefix}{row}"``. No location, hours
    or support needs, so no filter restricts them.
    """
    from skillmatch.models import Jobseeker, SkillClaim

    rows = range(held.shape[0]) if rows is None else rows
    out = []
    for r in rows:
        lo, hi = held.indptr[r], held.indptr[r + 1]
        skills = tuple(SkillClaim(skill=concept_ids[j], proficiency=int(v))
                       for j, v in zip(held.indices[lo:hi], held.data[lo:hi]))
        out.append(Jobseeker(id=f"{prefix}{r}", skills=skills))
    return out
