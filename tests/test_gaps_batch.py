"""The batch gap kernel against its NumPy twin, and its rows against the one-pair Gap.

Inputs aim at the kernel's boundaries: empty people rows and empty targets, pairs where
every requirement is met, where none is, where the person's level comes only through a
related skill, levels exactly at the requirement, repeated pairs, no pairs, and every
chunking of the pairs over threads.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillmatch import kernels
from skillmatch.kernels import Demands, Effective, Pairs, reference
from skillmatch.problems import InputError
from skillmatch.recommend import GapMatrix, gap_from_arrays, gap_matrix, gaps_for_matches
from skillmatch.vectorize import CSR

TABLE = np.array([0.0, 0.5, 0.75, 1.0])


def csr_rows(rng, n, n_terms, density):
    indptr = np.zeros(n + 1, np.int64)
    parts = []
    for r in range(n):
        cols = np.flatnonzero(rng.random(n_terms) < density).astype(np.int32)
        parts.append(cols)
        indptr[r + 1] = indptr[r] + len(cols)
    return indptr, (np.concatenate(parts) if parts else np.zeros(0, np.int32)).astype(np.int32)


def make_case(seed, n_people, n_targets, n_terms, n_pairs, kind):
    """People and targets for one boundary ``kind``: random, all_met, none_met, credit_only, at_level, empty."""
    rng = np.random.default_rng(seed)
    w_indptr, w_indices = csr_rows(rng, n_targets, n_terms, rng.uniform(0.0, 0.7))
    levels = rng.choice(np.array([1, 2, 3, 4, 5], np.float32), size=len(w_indices))
    importance = rng.integers(1, 4, size=len(w_indices)).astype(np.int8)
    if kind == "empty":
        w_indptr, w_indices = np.zeros(n_targets + 1, np.int64), np.zeros(0, np.int32)
        levels, importance = np.zeros(0, np.float32), np.zeros(0, np.int8)
    if kind in ("all_met", "at_level"):  # everyone holds every concept at level 5 (or exactly 3 asked 3)
        p_indptr = np.arange(n_people + 1, dtype=np.int64) * n_terms
        p_indices = np.tile(np.arange(n_terms, dtype=np.int32), n_people)
        value = 5.0 if kind == "all_met" else 3.0
        p_levels = np.full(len(p_indices), value, np.float32)
        if kind == "at_level":
            levels = np.full(len(w_indices), 3.0, np.float32)
    elif kind == "none_met":  # people hold nothing any target asks: every requirement is in the gap
        p_indptr = np.zeros(n_people + 1, np.int64)
        p_indices = np.zeros(0, np.int32)
        p_levels = np.zeros(0, np.float32)
    else:
        p_indptr, p_indices = csr_rows(rng, n_people, n_terms, rng.uniform(0.0, 0.8))
        p_levels = rng.choice(np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0], np.float32), size=len(p_indices))
    direct = (rng.random(len(p_indices)) < 0.5).astype(np.uint8)
    if kind == "credit_only":
        direct[:] = 0
    people = Effective(p_indptr, p_indices, p_levels, direct)
    work = Demands(w_indptr, w_indices, levels.astype(np.float32), importance)
    pairs = Pairs(rng.integers(0, n_people, size=n_pairs).astype(np.int32),
                  rng.integers(0, n_targets, size=n_pairs).astype(np.int32))
    return pairs, people, work


def assert_same_rows(got, want):
    for field in want._fields:
        a, b = getattr(got, field), getattr(want, field)
        assert a.dtype == b.dtype, field
        np.testing.assert_array_equal(a, b, err_msg=field)


KINDS = ["random", "all_met", "none_met", "credit_only", "at_level", "empty"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_people=st.integers(1, 6), n_targets=st.integers(1, 6),
       n_terms=st.integers(1, 12), n_pairs=st.integers(0, 30), kind=st.sampled_from(KINDS),
       n_threads=st.integers(1, 3))
def test_gap_kernel_equals_reference(seed, n_people, n_targets, n_terms, n_pairs, kind, n_threads):
    pairs, people, work = make_case(seed, n_people, n_targets, n_terms, n_pairs, kind)
    got = kernels.gap_rows(pairs, people, work, TABLE, n_terms, n_threads=n_threads)
    want = reference.gap_rows(pairs, people, work, TABLE)
    assert_same_rows(got, want)
    if kind == "all_met":
        assert got.indptr[-1] == 0 and not got.missing_essential.any()
    if kind == "none_met":
        sizes = np.diff(work.indptr)[pairs.cols]
        np.testing.assert_array_equal(np.diff(got.indptr), sizes)  # every requirement is open
        np.testing.assert_array_equal(got.shortfall, np.ones_like(got.shortfall))
    if kind == "credit_only" and got.indptr[-1]:
        np.testing.assert_array_equal(got.credited, (got.current > 0).astype(np.uint8))
    if kind == "at_level":
        assert got.indptr[-1] == 0  # holding exactly the level asked meets the requirement


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(KINDS))
def test_each_row_is_the_one_pair_gap(seed, kind):
    pairs, people, work = make_case(seed, 5, 4, 10, 12, kind)
    eff = CSR(people.indptr, people.indices, people.levels, 10)
    imp = CSR(work.indptr, work.indices, work.importance, 10)
    gm = gap_matrix(eff, people.direct, imp, work.levels, pairs.rows, pairs.cols,
                    person_ids=[f"p{i}" for i in range(5)], target_ids=[f"t{i}" for i in range(4)])
    assert isinstance(gm, GapMatrix) and len(gm) == len(pairs.rows)
    for i, (p, d) in enumerate(zip(pairs.rows, pairs.cols)):
        one = gap_from_arrays(*eff.row(p), imp.indices[imp.indptr[d]:imp.indptr[d + 1]],
                              imp.data[imp.indptr[d]:imp.indptr[d + 1]], work.levels[work.indptr[d]:work.indptr[d + 1]],
                              target=f"t{d}", person=f"p{p}")
        row = gm.gap(i)
        for field in ("concepts", "required", "current", "importance", "weight", "essential"):
            a, b = getattr(row, field), getattr(one, field)
            assert a.dtype == b.dtype, field
            np.testing.assert_array_equal(a, b, err_msg=field)
        assert row.total_weight == one.total_weight and (row.target, row.person) == (one.target, one.person)
        assert gm.size()[i] == pytest.approx(one.size(), rel=1e-12, abs=1e-15)
        assert gm.coverage()[i] == pytest.approx(one.coverage(), rel=1e-12)
        np.testing.assert_array_equal(gm.rows.shortfall[gm.indptr[i]:gm.indptr[i + 1]],
                                      one.shortfall().astype(np.float32))
    weighted = gm.to_scipy(weighted=True)
    assert weighted.shape == (len(gm), 10)
    np.testing.assert_allclose(np.asarray(weighted.sum(axis=1)).ravel(), gm.size(), rtol=1e-12)


def test_a_related_skill_that_half_covers_a_requirement_is_half_a_gap():
    # concept 0 asked at level 4; the person holds concept 1 at 4, related to 0 with credit 0.5 -> effective 2
    held = CSR(np.array([0, 1], np.int64), np.array([1], np.int32), np.array([4.0], np.float32), 2)
    credit = CSR(np.array([0, 0, 1], np.int64), np.array([0], np.int32), np.array([0.5], np.float32), 2)
    indptr, indices, values, direct = kernels.related_credit(held.indptr, held.indices, held.data, credit.indptr,
                                                             credit.indices, credit.data)
    eff = CSR(indptr, indices, values, 2)
    imp = CSR(np.array([0, 1], np.int64), np.array([0], np.int32), np.array([3], np.int8), 2)
    gm = gap_matrix(eff, direct, imp, np.array([4.0], np.float32), [0], [0])
    assert gm.rows.current.tolist() == [2.0] and gm.rows.shortfall.tolist() == [0.5]
    assert gm.rows.credited.tolist() == [1] and gm.rows.missing_essential.tolist() == [0]
    assert gm.size()[0] == 0.5 and gm.coverage()[0] == 0.5
    without = gap_matrix(held, None, imp, np.array([4.0], np.float32), [0], [0])
    assert without.rows.shortfall.tolist() == [1.0] and without.rows.missing_essential.tolist() == [1]


def test_the_reference_switch(monkeypatch):
    pairs, people, work = make_case(3, 5, 5, 9, 40, "random")
    fast = kernels.gap_rows(pairs, people, work, TABLE, 9)
    monkeypatch.setenv("SKILLMATCH_IMPLEMENTATION", "python")
    assert_same_rows(kernels.gap_rows(pairs, people, work, TABLE, 9), fast)


@pytest.fixture(scope="module")
def demo_matches(shipped):
    from skillmatch import Matcher
    from skillmatch.caseload import generate_caseload

    jobseekers, vacancies = generate_caseload(shipped, "rijnmond", n_jobseekers=300, n_vacancies=200, seed=4)
    matcher = Matcher(shipped).fit(vacancies)
    return shipped, jobseekers, vacancies, matcher, matcher.match(jobseekers, k=10)


def test_gaps_for_matches_equal_gap_for_with_effective_levels(demo_matches):
    from skillmatch.recommend import gap_for

    tx, jobseekers, vacancies, matcher, result = demo_matches
    gm = gaps_for_matches(result)
    assert len(gm) == int((result.indices >= 0).sum())
    eff = result.queries.eff
    for i in range(0, len(gm), 37):
        p, d = int(gm.persons[i]), int(gm.targets[i])
        want = gap_for(tx, jobseekers[p], vacancies[d], effective=eff.row(p), weights=matcher.importance_weights)
        got = gm.gap(i)
        for field in ("concepts", "required", "current", "importance", "weight", "essential"):
            np.testing.assert_array_equal(getattr(got, field), getattr(want, field), err_msg=field)
        assert (got.person, got.target) == (jobseekers[p].id, vacancies[d].id)
    near = gaps_for_matches(result, max_score=0.6)
    assert len(near) == int(((result.indices >= 0) & (result.scores < 0.6)).sum())


def test_gaps_for_matches_both_directions(demo_matches, shipped):
    from skillmatch import Matcher

    _tx, jobseekers, vacancies, _matcher, _result = demo_matches
    people_index = Matcher(shipped).fit(jobseekers)
    reverse = people_index.match(vacancies[:20], k=5)
    gm = gaps_for_matches(reverse)
    forward = gap_matrix(reverse.index.candidates.eff, reverse.index.candidates.direct,
                         reverse.queries.batch.importance, reverse.queries.batch.levels, gm.persons, gm.targets)
    assert_same_rows(gm.rows, forward.rows)
    assert gm.person_ids[gm.persons[0]] in {j.id for j in jobseekers}


def test_gap_rows_for_many_pairs_in_one_call():
    """20k people x 10 targets each in one kernel call, equal to the reference on a sample of
    pairs (how long it takes is measured by benchmarks/bench_recommend.py, not here)."""
    rng = np.random.default_rng(0)
    n_people, n_terms = 20_000, 231
    p_indptr, p_indices = csr_rows(rng, 200, n_terms, 0.1)
    reps = n_people // 200
    lengths = np.diff(p_indptr)
    indptr = np.zeros(n_people + 1, np.int64)
    np.cumsum(np.tile(lengths, reps), out=indptr[1:])
    people = Effective(indptr, np.tile(p_indices, reps), np.full(len(p_indices) * reps, 2.0, np.float32),
                       np.ones(len(p_indices) * reps, np.uint8))
    w_indptr, w_indices = csr_rows(rng, 5000, n_terms, 0.05)
    work = Demands(w_indptr, w_indices, np.full(len(w_indices), 3.0, np.float32),
                   rng.integers(1, 4, len(w_indices)).astype(np.int8))
    pairs = Pairs(np.repeat(np.arange(n_people, dtype=np.int32), 10),
                  rng.integers(0, 5000, n_people * 10).astype(np.int32))
    out = kernels.gap_rows(pairs, people, work, TABLE, n_terms)
    assert out.n_rows == 200_000
    sample = np.sort(rng.choice(200_000, 500, replace=False))
    sub = Pairs(pairs.rows[sample], pairs.cols[sample])
    assert_same_rows(kernels.gap_rows(sub, people, work, TABLE, n_terms),
                     reference.gap_rows(sub, people, work, TABLE))
    got = np.diff(out.indptr)[sample]
    np.testing.assert_array_equal(got, np.diff(reference.gap_rows(sub, people, work, TABLE).indptr))


# --- errors at the API edge --------------------------------------------------------------------


def test_kernel_inputs_are_checked():
    people = Effective(np.array([0, 2], np.int64), np.array([0, 3], np.int32), np.array([2.0, 1.0], np.float32),
                       np.array([1, 0], np.uint8))
    work = Demands(np.array([0, 2], np.int64), np.array([1, 3], np.int32), np.array([3.0, 2.0], np.float32),
                   np.array([3, 1], np.int8))
    pairs = Pairs(np.zeros(2, np.int32), np.zeros(2, np.int32))
    kernels.gap_rows(pairs, people, work, TABLE, 5)  # the good case passes
    with pytest.raises(InputError, match=r"people.levels: expected a C-contiguous 1-d array of float32"):
        kernels.gap_rows(pairs, people._replace(levels=people.levels.astype(np.float64)), work, TABLE, 5)
    with pytest.raises(InputError, match=r"pairs.cols: expected positions from 0 to 0, found 7"):
        kernels.gap_rows(Pairs(np.zeros(1, np.int32), np.array([7], np.int32)), people, work, TABLE, 5)
    with pytest.raises(InputError, match=r"weights: expected a float64 table of 4 entries"):
        kernels.gap_rows(pairs, people, work, np.array([0.0, 1.0, 1.0]), 5)
    with pytest.raises(InputError, match=r"targets.importance: expected codes 1 \(somewhat\).*found 4"):
        kernels.gap_rows(pairs, people, work._replace(importance=np.array([3, 4], np.int8)), TABLE, 5)
    with pytest.raises(InputError, match=r"targets.levels: expected required levels in \(0, 5\], found 6"):
        kernels.gap_rows(pairs, people, work._replace(levels=np.array([6.0, 1.0], np.float32)), TABLE, 5)
    with pytest.raises(InputError, match=r"people.direct: expected flags 0 or 1, found 2"):
        kernels.gap_rows(pairs, people._replace(direct=np.array([2, 0], np.uint8)), work, TABLE, 5)
    with pytest.raises(InputError, match=r"people.indices: expected sorted, unique column ids"):
        kernels.gap_rows(pairs, people._replace(indices=np.array([3, 0], np.int32)), work, TABLE, 5)
    with pytest.raises(InputError, match=r"targets.indices: expected column ids from 0 to 4, found 9"):
        kernels.gap_rows(pairs, people, work._replace(indices=np.array([1, 9], np.int32)), TABLE, 5)
    with pytest.raises(InputError, match=r"expected a skillmatch.kernels.Pairs"):
        kernels.gap_rows((pairs.rows, pairs.cols), people, work, TABLE, 5)


def test_gap_matrix_names_the_field():
    eff = CSR(np.array([0, 1], np.int64), np.array([0], np.int32), np.array([2.0], np.float32), 3)
    imp = CSR(np.array([0, 1], np.int64), np.array([1], np.int32), np.array([3], np.int8), 3)
    levels = np.array([3.0], np.float32)
    with pytest.raises(InputError, match=r"gap_matrix field 'targets': expected positions from 0 to 0"):
        gap_matrix(eff, None, imp, levels, [0], [1])
    with pytest.raises(InputError, match=r"gap_matrix field 'weights': expected three positive numbers"):
        gap_matrix(eff, None, imp, levels, [0], [0], weights=(1.0, 0.0, 1.0))
    with pytest.raises(InputError, match=r"gap_matrix field 'effective': expected a skillmatch.vectorize.CSR"):
        gap_matrix(eff.to_scipy(), None, imp, levels, [0], [0])
    with pytest.raises(InputError, match=r"gap_matrix field 'targets': persons and targets differ in length"):
        gap_matrix(eff, None, imp, levels, [0, 0], [0])
    with pytest.raises(InputError, match=r"gap_matrix field 'person_ids': expected 1 ids"):
        gap_matrix(eff, None, imp, levels, [0], [0], person_ids=["a", "b"])
    with pytest.raises(InputError, match=r"gap_matrix: importance.levels"):
        gap_matrix(eff, None, imp, levels.astype(np.float64), [0], [0])
    gm = gap_matrix(eff, None, imp, levels, [0], [0])
    with pytest.raises(InputError, match=r"GapMatrix.gap field 'i': expected a pair number from 0 to 0"):
        gm.gap(1)


def test_gaps_for_matches_refuses_work_against_work(shipped):
    from skillmatch import Matcher

    occupations = Matcher(shipped, "cosine").fit("occupations")
    result = occupations.match("occupations", k=2)
    with pytest.raises(InputError, match=r"expected a result that pairs people with work"):
        gaps_for_matches(result)
    with pytest.raises(InputError, match=r"gaps_for_matches field 'result': expected a MatchResult"):
        gaps_for_matches("no result")
