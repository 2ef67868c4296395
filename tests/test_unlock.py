"""What unlocks most: the pair-score and unlock kernels against their twins and against the
top-k kernel, the exactness of raising a person's row by a module's levels, bundles with
prerequisites, and :func:`unlocks_for` on a demo caseload."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillmatch import Matcher, kernels
from skillmatch.kernels import Pairs, Place, Rows, Settings, reference
from skillmatch.problems import InputError
from skillmatch.recommend import MATCH_THRESHOLD, MATCH_THRESHOLDS, Catalogue, PlanConstraints, unlocks_for
from skillmatch.recommend.unlock import (
    _Person,
    module_bundles,
    prerequisite_closure,
    trained_people,
)


def rows(rng, n, n_terms, *, values, requirements):
    indptr = np.zeros(n + 1, np.int64)
    parts = []
    for r in range(n):
        cols = np.flatnonzero(rng.random(n_terms) < rng.uniform(0.0, 0.7)).astype(np.int32)
        parts.append(cols)
        indptr[r + 1] = indptr[r] + len(cols)
    indices = (np.concatenate(parts) if parts else np.zeros(0, np.int32)).astype(np.int32)
    data = rng.choice(np.asarray(values, np.float32), size=len(indices)).astype(np.float32)
    nnz = len(indices)
    if requirements:
        inv = (1.0 / rng.choice(np.arange(1, 6), size=nnz)).astype(np.float32)
        ess = (rng.random(nnz) < 0.4).astype(np.uint8)
    else:
        inv, ess = np.ones(nnz, np.float32), np.zeros(nnz, np.uint8)
    n_ess = np.array([ess[indptr[r]:indptr[r + 1]].sum() for r in range(n)], np.int32)
    scale = rng.choice(np.array([1.0, 1.25]), size=n) if requirements else np.ones(n)
    return Rows(indptr, indices, data, inv, ess, n_ess, scale)


def place(rng, n, filtered):
    p = kernels.unfiltered_place(n)
    if not filtered:
        return p
    region = rng.integers(-1, 2, size=n).astype(np.int32)
    return Place(region, p.geo, p.hours, p.needs, p.offers)


def overlay(rng, n_bundles, n_terms):
    ov = rows(rng, n_bundles, n_terms, values=(1.0, 2.0, 3.0, 4.0, 5.0), requirements=False)
    language = rng.integers(0, 7, size=n_bundles).astype(np.int8)
    taught = (rng.random(len(ov.indices)) < 0.7).astype(np.uint8)
    return kernels.overlay_from_csr(ov.indptr, ov.indices, ov.values, n_terms, language, taught)


def people_rows(rng, n, n_terms, values, mode):
    """Query rows of people (levels) and their own skills: a subset of each row (the rest
    credited); under fit the row's scale is 1 / the number of own skills."""
    q = rows(rng, n, n_terms, values=values, requirements=False)
    own = rng.random(len(q.indices)) < 0.7
    counts = np.array([own[q.indptr[r]:q.indptr[r + 1]].sum() for r in range(n)], np.int64)
    held = kernels.Held(np.r_[0, np.cumsum(counts)].astype(np.int64), q.indices[own].astype(np.int32))
    if mode == kernels.FIT:
        q = q._replace(scale=1.0 / np.maximum(counts, 1))
    return q, held


ESSENTIAL = [kernels.ESSENTIAL_NONE, kernels.ESSENTIAL_PENALTY, kernels.ESSENTIAL_GATE]
MODES = [kernels.COVERAGE, kernels.FIT]


def setting(mode, essential, filtered):
    return Settings(1, mode, False, essential, 0.3, False, filtered, True, 8.0, 0.3 if mode == kernels.FIT else 1.0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 12), n_terms=st.integers(1, 9),
       essential=st.sampled_from(ESSENTIAL), filtered=st.booleans(), raised=st.booleans(),
       mode=st.sampled_from(MODES), n_threads=st.integers(1, 3))
def test_score_pairs_equals_reference(seed, n, m, n_terms, essential, filtered, raised, mode, n_threads):
    rng = np.random.default_rng(seed)
    q, held = people_rows(rng, n, n_terms, (0.5, 1.0, 2.0, 3.0, 5.0), mode)
    c = rows(rng, m, n_terms, values=(0.1, 0.25, 0.5), requirements=True)
    qp, cp = place(rng, n, filtered), place(rng, m, filtered)
    over = overlay(rng, 4, n_terms) if raised else kernels.empty_overlay(n_terms)
    k = 40
    pairs = Pairs(rng.integers(0, n, k).astype(np.int32), rng.integers(0, m, k).astype(np.int32))
    raise_by = rng.integers(-1, over.n_rows, k).astype(np.int32) if raised else None
    st_ = setting(mode, essential, filtered)
    got = kernels.score_pairs(st_, q, c, qp, cp, pairs, n_terms, over=over, raise_by=raise_by, held=held,
                              n_threads=n_threads)
    want = reference.score_pairs(st_, q, c, qp, cp, held, over, pairs.rows,
                                 np.full(k, -1, np.int32) if raise_by is None else raise_by, pairs.cols)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 12), n_terms=st.integers(1, 9),
       n_bundles=st.integers(0, 6), essential=st.sampled_from(ESSENTIAL), filtered=st.booleans(),
       theta=st.sampled_from([0.05, 0.3, 0.5, 0.6, 1.0]), mode=st.sampled_from(MODES), n_threads=st.integers(1, 3))
def test_unlock_scan_equals_reference(seed, n, m, n_terms, n_bundles, essential, filtered, theta, mode, n_threads):
    rng = np.random.default_rng(seed)
    q, held = people_rows(rng, n, n_terms, (0.5, 1.0, 2.0, 3.0), mode)
    c = rows(rng, m, n_terms, values=(0.1, 0.25, 0.5), requirements=True)
    qp, cp = place(rng, n, filtered), place(rng, m, filtered)
    over = overlay(rng, n_bundles, n_terms)
    lists = [np.unique(rng.integers(0, m, rng.integers(0, m + 1))).astype(np.int32) for _ in range(n)]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum([len(x) for x in lists], out=indptr[1:])
    cols = np.concatenate(lists).astype(np.int32)
    language = rng.integers(1, 7, size=n).astype(np.int8)
    st_ = setting(mode, essential, filtered)
    got = kernels.unlock_scan(st_, q, c, qp, cp, held, over, language, indptr, cols, theta, n_terms,
                              n_threads=n_threads)
    want = reference.unlock_scan(st_, q, c, qp, cp, held, over, language, indptr, cols, theta)
    for a, b in zip(got, want):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_score_pairs_rejects_raising_under_cosine():
    rng = np.random.default_rng(0)
    q = rows(rng, 2, 4, values=(1.0,), requirements=False)
    c = rows(rng, 2, 4, values=(0.5,), requirements=True)
    st_ = setting(kernels.COSINE, kernels.ESSENTIAL_NONE, False)
    p = kernels.unfiltered_place(2)
    with pytest.raises(InputError, match=r"overlay: raising query rows by levels needs coverage or fit scoring"):
        kernels.score_pairs(st_, q, c, p, p, Pairs(np.zeros(1, np.int32), np.zeros(1, np.int32)), 4,
                            over=overlay(rng, 2, 4), raise_by=np.zeros(1, np.int32))
    with pytest.raises(InputError, match=r"raise_by: expected 1 overlay rows from -1 \(none\) to 1"):
        kernels.score_pairs(st_._replace(mode=kernels.COVERAGE), q, c, p, p,
                            Pairs(np.zeros(1, np.int32), np.zeros(1, np.int32)), 4, over=overlay(rng, 2, 4),
                            raise_by=np.array([5], np.int32))
    with pytest.raises(InputError, match=r"theta: expected a number in \(0, 1\]"):
        kernels.unlock_scan(st_._replace(mode=kernels.COVERAGE), q, c, p, p, kernels.no_held(2), overlay(rng, 2, 4),
                            np.ones(2, np.int8), np.zeros(3, np.int64), np.zeros(0, np.int32), 0.0, 4)
    with pytest.raises(InputError, match=r"held: raising rows under fit needs the people's own skills"):
        kernels.score_pairs(st_._replace(mode=kernels.FIT, exponent=0.3), q, c, p, p,
                            Pairs(np.zeros(1, np.int32), np.zeros(1, np.int32)), 4, over=overlay(rng, 2, 4),
                            raise_by=np.zeros(1, np.int32))


# --- on the shipped taxonomy --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(shipped):
    from skillmatch.caseload import generate_caseload

    jobseekers, vacancies = generate_caseload(shipped, "midden-utrecht", n_jobseekers=60, n_vacancies=400, seed=11)
    return shipped, jobseekers, vacancies, Matcher(shipped).fit(vacancies), Catalogue.from_taxonomy(shipped)


def test_score_pairs_is_bit_for_bit_the_ranking_score(demo):
    tx, jobseekers, _vacancies, matcher, _ = demo
    result = matcher.match(jobseekers, k=25)
    index, side = result.index, result.queries
    valid = result.indices >= 0
    r, _ = np.nonzero(valid)
    pairs = Pairs(r.astype(np.int32), result.indices[valid].astype(np.int32))
    scores = kernels.score_pairs(index.kernel_settings(side, 1), side.rows, index.candidates.rows, side.place,
                                 index.candidates.place, pairs, tx.n_concepts)
    np.testing.assert_array_equal(scores, result.scores[valid])


def test_raising_by_the_bundle_equals_vectorising_the_trained_person(demo):
    """The overlay identity: eff(max(held, taught)) == max(eff(held), eff(taught)), bit for bit."""
    from skillmatch.vectorize import people

    tx, jobseekers, _vacancies, matcher, catalogue = demo
    index = matcher.index_
    bundles = module_bundles(catalogue, [(m,) for m in range(len(catalogue))], index.credit)
    for person in jobseekers[:6]:
        one = _Person(index, people(tx, [person]), MATCH_THRESHOLD, None)
        assert one.overlay
        raised = one.after(bundles)
        one.overlay = False  # the "rows" method: the trained person vectorised again
        np.testing.assert_array_equal(raised, one.after(bundles))
    trained = index.prepare(trained_people(people(tx, jobseekers[:1]), np.zeros(3, np.int64), bundles.taught[:3]))
    held = people(tx, jobseekers[:1]).held
    assert trained.batch.held.data.min() >= held.data.min()


def test_bundles_carry_their_prerequisites(demo):
    _tx, _, _, matcher, catalogue = demo
    needing = [i for i in range(len(catalogue)) if catalogue.prerequisites[i].nnz]
    assert needing, "the shipped catalogue has modules with prerequisites"
    m = needing[0]
    closure = prerequisite_closure(catalogue)
    b = module_bundles(catalogue, [(m,)], matcher.index_.credit, closure=closure)
    direct = set(catalogue.prerequisites[m].indices.tolist())
    assert direct <= set(b.members[0].tolist()) and m in b.members[0]
    assert b.cost_eur[0] == pytest.approx(catalogue.cost_eur[b.members[0]].sum())
    taught = catalogue.skills[b.members[0]].max(axis=0).toarray().ravel()
    np.testing.assert_array_equal(b.taught.toarray()[0], taught.astype(np.float32))
    done = np.zeros(len(catalogue), bool)
    done[list(direct)] = True
    alone = module_bundles(catalogue, [(m,)], None, closure=prerequisite_closure(catalogue, done))
    assert not (set(alone.members[0].tolist()) & direct)


def test_unlocks_for_ranks_what_it_unlocks(demo):
    _tx, jobseekers, _vacancies, matcher, catalogue = demo
    found = 0
    for person in jobseekers[:8]:
        result = unlocks_for(matcher, person, catalogue, k=5)
        assert result.threshold == MATCH_THRESHOLDS[matcher.scoring] == MATCH_THRESHOLD
        assert result.method == "overlay"
        keys = [(-o.value, -o.unlocked, o.cost_eur) for o in result.options]
        assert keys == sorted(keys)
        for option in (*result.options, *result.sets):
            found += 1
            assert option.unlocked == len(option.vacancies) > 0
            assert (option.scores_before < np.float32(MATCH_THRESHOLD)).all()
            assert (option.scores_after >= np.float32(MATCH_THRESHOLD)).all()
            assert option.value == pytest.approx(float(option.scores_after.astype(np.float64).sum()), rel=1e-9)
            assert set(option.modules) <= set(option.bundle)
            # the unlocked vacancies score so when matched again as the trained person
        for option in result.sets:
            assert len(option.modules) == 2 and option.only_together > 0
        assert result.describe()[0].startswith(person.id)
    assert found


def test_an_unlocked_vacancy_is_a_match_for_the_trained_person(demo):
    """End to end: add the module's skills to the record and match again with the Matcher."""
    from skillmatch.models import SkillClaim

    tx, jobseekers, vacancies, matcher, catalogue = demo
    person = next(p for p in jobseekers if unlocks_for(matcher, p, catalogue, k=1, set_size=1).options)
    option = unlocks_for(matcher, person, catalogue, k=1, set_size=1).best
    levels = {c.skill: c.proficiency for c in person.skills}
    for module_id in option.bundle:
        for s in tx.modules[catalogue.index[module_id]].skills:
            levels[s.skill] = max(levels.get(s.skill, 0), s.level)
    trained = person.model_copy(update={"skills": tuple(SkillClaim(skill=k, proficiency=v) for k, v in levels.items())})
    result = matcher.match_one(trained, k=len(vacancies))
    score = dict(zip(result.ids(0), result.scores[0]))
    for vid, after in zip(option.vacancies, option.scores_after):
        assert score[vid] == after


def test_the_default_threshold_follows_the_score(demo):
    tx, jobseekers, vacancies, _, catalogue = demo
    coverage = Matcher(tx, "coverage").fit(vacancies)
    result = unlocks_for(coverage, jobseekers[2], catalogue, k=2, set_size=1)
    assert result.threshold == MATCH_THRESHOLDS["coverage"] == 0.6 and result.method == "overlay"
    for option in result.options:
        assert (option.scores_after >= np.float32(0.6)).all()


def test_unlocks_for_under_cosine_uses_the_rows_method(demo):
    tx, jobseekers, vacancies, _, catalogue = demo
    cosine = Matcher(tx, "cosine").fit(vacancies)
    result = unlocks_for(cosine, jobseekers[0], catalogue, k=3, set_size=1, threshold=0.3)
    assert result.method == "rows"
    for option in result.options:
        assert (option.scores_after >= np.float32(0.3)).all()


def test_constraints_leave_modules_out(demo):
    _tx, jobseekers, _vacancies, matcher, catalogue = demo
    person = jobseekers[1]
    free = unlocks_for(matcher, person, catalogue, constraints=PlanConstraints(), set_size=1, k=50)
    cheap = unlocks_for(matcher, person, catalogue, constraints=PlanConstraints(budget_eur=500), set_size=1, k=50)
    assert all(o.cost_eur <= 500 for o in cheap.options)
    assert cheap.considered < free.considered
    if free.options:
        first = free.options[0].modules[0]
        done = unlocks_for(matcher, person, catalogue, completed=[first], constraints=PlanConstraints(), set_size=1,
                           k=50)
        assert all(first not in o.bundle for o in done.options)


def test_unlocks_for_errors(demo, shipped):
    tx, jobseekers, _vacancies, matcher, catalogue = demo
    with pytest.raises(InputError, match=r"unlock field 'threshold': expected a number above 0 to 1, or None, got 1.5"):
        unlocks_for(matcher, jobseekers[0], catalogue, threshold=1.5)
    with pytest.raises(InputError, match=r"unlock field 'matcher': the matcher is not fitted"):
        unlocks_for(Matcher(tx), jobseekers[0], catalogue)
    with pytest.raises(InputError, match=r"unlock field 'matcher': expected a matcher fitted on vacancies"):
        unlocks_for(Matcher(tx, "cosine").fit(jobseekers), jobseekers[0], catalogue)
    with pytest.raises(InputError, match=r"unlock field 'completed': module 'urn:nope' is not in the catalogue"):
        unlocks_for(matcher, jobseekers[0], catalogue, completed=["urn:nope"])
    with pytest.raises(InputError, match=r"unlock field 'k': expected an integer >= 1, got 0"):
        unlocks_for(matcher, jobseekers[0], catalogue, k=0)
    with pytest.raises(InputError, match=r"unlock field 'jobseeker': expected a Jobseeker"):
        unlocks_for(matcher, "J1", catalogue)
    with pytest.raises(InputError, match=r"unlock field 'catalogue': expected a Catalogue"):
        unlocks_for(matcher, jobseekers[0], catalogue="modules")
