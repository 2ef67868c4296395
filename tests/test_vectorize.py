"""Vectorising: matrix invariants, weighting schemes, the transformer, related-skill credit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import skillmatch
from skillmatch.models import Jobseeker, Requirement, SkillClaim, Vacancy
from skillmatch.problems import InputError
from skillmatch.vectorize import (
    WEIGHTINGS,
    Credit,
    Requirements,
    SkillVectorizer,
    as_csr,
    as_requirements,
    credit_matrix,
    held_skills,
    idf_weights,
    vacancy_requirements,
    weighted_unit_rows,
)


@pytest.fixture(scope="module")
def tx():
    return skillmatch.load_taxonomy()


def skill(tx, n):
    return tx.concepts.ids[int(np.flatnonzero(tx.skill_mask)[n])]


def assert_canonical(m, dtype=np.float32):
    assert sp.isspmatrix_csr(m) and m.indices.dtype == np.int32 and m.data.dtype == dtype
    for r in range(m.shape[0]):
        row = m.indices[m.indptr[r]:m.indptr[r + 1]]
        assert (np.diff(row) > 0).all(), "indices sorted and unique within a row"


def test_held_skills_keeps_the_higher_proficiency_of_a_repeated_skill(tx):
    people = [Jobseeker(id="a", skills=[SkillClaim(skill=skill(tx, 3), proficiency=2),
                                        SkillClaim(skill=skill(tx, 1), proficiency=4),
                                        SkillClaim(skill=skill(tx, 3), proficiency=5)]),
              Jobseeker(id="b")]
    m = held_skills(tx, people)
    assert_canonical(m)
    assert m.shape == (2, tx.n_concepts) and m.getnnz(axis=1).tolist() == [2, 0]
    assert m[0, tx.concepts.index[skill(tx, 3)]] == 5 and m[0, tx.concepts.index[skill(tx, 1)]] == 4


def test_vacancy_requirements_come_from_the_vacancy_or_its_occupation(tx):
    own = Vacancy(id="own", requirements=[Requirement(skill=skill(tx, 2), importance="essential", level=4),
                                          Requirement(skill=skill(tx, 2), importance="somewhat", level=2)])
    occ = Vacancy(id="occ", occupation=tx.occupations.ids[0])
    reqs = vacancy_requirements(tx, [own, occ])
    assert_canonical(reqs.importance, np.int8)
    assert_canonical(reqs.level)
    j = tx.concepts.index[skill(tx, 2)]
    assert reqs.importance[0, j] == 3 and reqs.level[0, j] == 4  # the stronger of the two
    assert reqs.importance[1].nnz == tx.requirements[0].nnz


def test_unknown_skills_are_all_reported(tx):
    people = [Jobseeker(id="a", skills=[SkillClaim(skill="urn:x1")]), Jobseeker(id="b", skills=[SkillClaim(skill="urn:x2")])]
    with pytest.raises(InputError, match="2 unknown skill") as info:
        held_skills(tx, people)
    assert [p.record for p in info.value.problems] == ["a", "b"]


def test_as_csr_validates_and_never_mutates_the_input(tx):
    dense = np.zeros((2, tx.n_concepts), np.float64)
    dense[0, [5, 1]] = [3, 2]
    m = as_csr(sp.csr_matrix(dense), tx.n_concepts, "held")
    assert_canonical(m)
    raw = sp.csr_matrix((np.array([2.0, 3.0]), np.array([5, 1]), np.array([0, 2, 2])), shape=(2, tx.n_concepts))
    before = raw.indices.copy()
    as_csr(raw, tx.n_concepts, "held")
    assert (raw.indices == before).all(), "the caller's matrix stays as it was"
    with pytest.raises(InputError, match="held: expected 231 columns"):
        as_csr(np.zeros((2, 3)), tx.n_concepts, "held")
    with pytest.raises(InputError, match="NaN or infinite"):
        as_csr(np.full((1, tx.n_concepts), np.nan), tx.n_concepts, "held")
    with pytest.raises(InputError, match="negative"):
        as_csr(-np.ones((1, tx.n_concepts)), tx.n_concepts, "held")
    with pytest.raises(InputError, match="2-d"):
        as_csr(np.zeros(3), tx.n_concepts, "held")


def test_as_requirements_checks_codes_levels_and_shared_pattern(tx):
    imp = sp.csr_matrix(([3, 1], [0, 4], [0, 2]), shape=(1, tx.n_concepts))
    lvl = sp.csr_matrix(([4.0, 2.0], [0, 4], [0, 2]), shape=(1, tx.n_concepts))
    as_requirements(Requirements(imp, lvl), tx.n_concepts, "reqs")
    bad = imp.copy()
    bad.data[0] = 4
    with pytest.raises(InputError, match=r"codes 1 .*found values from 1 to 4"):
        as_requirements(Requirements(bad, lvl), tx.n_concepts, "reqs")
    with pytest.raises(InputError, match="levels from 1 to 5"):
        as_requirements(Requirements(imp, lvl * 3), tx.n_concepts, "reqs")
    with pytest.raises(InputError, match="same non-zero entries"):
        as_requirements(Requirements(imp, lvl[:, ::-1].tocsr()), tx.n_concepts, "reqs")


def test_weighted_unit_rows_have_unit_norm_and_keep_empty_rows_empty():
    m = sp.csr_matrix(np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 5.0]], np.float32))
    for name, fn in WEIGHTINGS.items():
        u = weighted_unit_rows(m, fn(m, "held"), idf_weights(m))
        norms = np.sqrt(np.asarray(u.multiply(u).sum(axis=1))).ravel()
        np.testing.assert_allclose(norms, [1.0, 0.0, 1.0], rtol=1e-6, err_msg=name)
        assert u.getnnz(axis=1).tolist() == [2, 0, 1]


def test_idf_is_sklearns_smooth_idf():
    from sklearn.feature_extraction.text import TfidfTransformer

    m = sp.random(20, 8, density=0.3, random_state=0, format="csr")
    m.data[:] = 1
    np.testing.assert_allclose(idf_weights(m), TfidfTransformer(smooth_idf=True).fit(m).idf_)


def test_skill_vectorizer_works_in_a_pipeline(tx):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    people = [Jobseeker(id=str(i), skills=[SkillClaim(skill=skill(tx, i), proficiency=3),
                                           SkillClaim(skill=skill(tx, i + 1), proficiency=5)]) for i in range(6)]
    vec = SkillVectorizer(tx)
    X = vec.fit_transform(people)
    assert X.shape == (6, tx.n_concepts) and len(vec.get_feature_names_out()) == tx.n_concepts
    np.testing.assert_allclose(sp.linalg.norm(X, axis=1), 1.0, rtol=1e-6)
    pipe = make_pipeline(SkillVectorizer(tx, weighting="binary", idf=False), FunctionTransformer(lambda x: x @ x.T))
    sims = pipe.fit_transform(people)
    assert sims.shape == (6, 6)
    with pytest.raises(InputError, match="call fit before transform"):
        SkillVectorizer(tx).transform(people)
    with pytest.raises(InputError, match="weighting: expected one of"):
        SkillVectorizer(tx, weighting="bm25").fit(people)


def test_credit_matrix_sources(tx):
    c = credit_matrix(tx, Credit(related=1.0, narrower=0.0, broader=0.0, sibling=0.0))
    assert_canonical(c)
    assert c.diagonal().sum() == 0 and c.data.max() <= 1.0
    np.testing.assert_allclose(c.toarray(), (tx.related.toarray() * tx.skill_mask[:, None] * tx.skill_mask[None, :]))
    siblings = credit_matrix(tx, Credit(related=0, narrower=0, broader=0, sibling=0.3, max_group=40))
    a, b = siblings.nonzero()
    assert len(a) and np.allclose(siblings.data, 0.3)
    for i, j in zip(a[:50], b[:50]):
        assert set(tx.broader_of(i)) & set(tx.broader_of(j)), "siblings share a broader concept"
    small = credit_matrix(tx, Credit(related=0, narrower=0, broader=0, sibling=0.3, max_group=2))
    assert small.nnz < siblings.nnz
    with pytest.raises(InputError, match=r"Credit\.sibling: expected a number from 0 to 1"):
        Credit(sibling=1.5)
    with pytest.raises(InputError, match=r"Credit\.max_group"):
        Credit(max_group=1)
