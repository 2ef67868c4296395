"""The numba kernels against their NumPy reference twins.

Inputs aim at the kernels' internal boundaries: empty query and candidate rows, one term,
values drawn from a tiny set (so scores tie), k larger than the number of candidates,
filters that remove everything, exclusions, boosts, every score and essential mode, and
chunkings that split the rows differently.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillmatch import _reference, kernels
from skillmatch.match import inverted_index, run_topk
from skillmatch.vectorize import row_sums


def random_csr(rng, n, n_terms, density, values=(0.5, 1.0, 2.0)):
    rows = []
    for _ in range(n):
        mask = rng.random(n_terms) < density
        rows.append(np.flatnonzero(mask))
    indptr = np.zeros(n + 1, np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, np.int32)
    data = rng.choice(np.asarray(values, np.float32), size=len(indices)).astype(np.float32)
    return indptr, indices, data


def problem(seed, n, m, n_terms, k, mode, req_on_query, essential, filters):
    """A random ranking problem as (args for the reference, args for the kernel)."""
    rng = np.random.default_rng(seed)
    levels = np.arange(1, 6, dtype=np.float32)
    q_indptr, q_indices, q_val = random_csr(rng, n, n_terms, rng.uniform(0.05, 0.6))
    c_indptr, c_indices, c_val = random_csr(rng, m, n_terms, rng.uniform(0.05, 0.6))
    if mode == kernels.COVERAGE and not req_on_query:
        q_val = rng.choice(levels, size=len(q_val)).astype(np.float32)
    if mode == kernels.COVERAGE and req_on_query:
        c_val = rng.choice(levels, size=len(c_val)).astype(np.float32)
    q_lvl = rng.choice(levels, size=len(q_indices)).astype(np.float32)
    c_lvl = rng.choice(levels, size=len(c_indices)).astype(np.float32)
    q_ess = (rng.random(len(q_indices)) < 0.4).astype(np.uint8) if req_on_query else np.zeros(len(q_indices), np.uint8)
    c_ess = np.zeros(len(c_indices), np.uint8) if req_on_query else (rng.random(len(c_indices)) < 0.4).astype(np.uint8)
    q_ness = row_sums(q_indptr, q_ess).astype(np.int32)
    c_ness = row_sums(c_indptr, c_ess).astype(np.int32)
    c_boost = rng.choice(np.array([1.0, 1.5], np.float32), size=m) if filters else np.ones(m, np.float32)
    q_region = np.full(n, -1, np.int32)
    c_region = rng.integers(-1, 3, size=m).astype(np.int32)
    q_geo = np.zeros((n, 3))
    c_geo = np.zeros((m, 3))
    q_geo[:, 0] = np.radians(rng.uniform(50.8, 53.4, n))
    q_geo[:, 1] = np.radians(rng.uniform(3.4, 7.2, n))
    c_geo[:, 0] = np.radians(rng.uniform(50.8, 53.4, m))
    c_geo[:, 1] = np.radians(rng.uniform(3.4, 7.2, m))
    q_hours = np.tile(np.array([0, 40], np.float32), (n, 1))
    c_hours = np.tile(np.array([0, 40], np.float32), (m, 1))
    needs_q, offers_q = np.zeros(n, np.uint32), np.zeros(n, np.uint32)
    needs_c, offers_c = np.zeros(m, np.uint32), np.zeros(m, np.uint32)
    ex_indptr, ex_indices = np.zeros(n + 1, np.int64), np.zeros(0, np.int32)
    use_hours = False
    if filters:
        q_region = rng.integers(-1, 3, size=n).astype(np.int32)
        c_geo[rng.random(m) < 0.2, :2] = np.nan
        q_geo[:, 2] = rng.choice([0.0, 60.0, 150.0], size=n)
        c_geo[:, 2] = rng.choice([0.0, 0.0, 100.0], size=m)
        use_hours = True
        lo = rng.choice([0, 16, 24, 32], size=n)
        q_hours = np.stack([lo, lo + rng.choice([4, 8, 16], size=n)], 1).astype(np.float32)
        lo = rng.choice([0, 16, 24, 32], size=m)
        c_hours = np.stack([lo, lo + rng.choice([4, 8, 16], size=m)], 1).astype(np.float32)
        needs_q = rng.choice(np.array([0, 0, 1, 2, 3], np.uint32), size=n)
        offers_c = rng.choice(np.array([0, 1, 3, 7], np.uint32), size=m)
        needs_c = rng.choice(np.array([0, 0, 4], np.uint32), size=m)
        offers_q = rng.choice(np.array([0, 4], np.uint32), size=n)
        if m:
            ex = [np.unique(rng.integers(0, m, size=rng.integers(0, 3))).astype(np.int32) for _ in range(n)]
            ex_indptr[1:] = np.cumsum([len(e) for e in ex])
            ex_indices = np.concatenate(ex).astype(np.int32) if ex else ex_indices
    scalars = (k, mode, req_on_query, essential, 0.4)
    query = (q_indptr, q_indices, q_val, q_lvl, q_ess, q_ness)
    cand = (c_indptr, c_indices, c_val, c_lvl, c_ess, c_ness, c_boost)
    c_filtered = bool((c_geo[:, 2] > 0).any() or needs_c.any())
    flt = (q_region, c_region, q_geo, c_geo, q_hours, c_hours, use_hours, needs_q, offers_q, needs_c, offers_c,
           c_filtered, ex_indptr, ex_indices)
    index = inverted_index(c_indptr, c_indices, c_val, c_lvl, c_ess, n_terms=n_terms)
    return scalars, query, cand, index, flt


def run_kernel(scalars, query, cand, index, flt, n_chunks):
    """The kernel over ``n_chunks`` consecutive row ranges (as threads would split them)."""
    k = scalars[0]
    n = len(query[0]) - 1
    idx = np.full((n, k), 99, np.int32)
    score = np.full((n, k), 99, np.float32)
    max_boost = float(cand[6].max()) if len(cand[6]) else 1.0
    for c in range(n_chunks):
        kernels.rank_rows(c * n // n_chunks, (c + 1) * n // n_chunks, *scalars, max_boost, *query, cand[0], cand[1],
                          cand[4], cand[5], cand[6], *index, *flt, idx, score)
    return idx, score


def assert_same(got, want):
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].dtype == np.int32 and got[1].dtype == np.float32


MODES = [(kernels.COSINE, False, kernels.ESSENTIAL_NONE)] + [
    (kernels.COVERAGE, roq, ess) for roq in (False, True)
    for ess in (kernels.ESSENTIAL_NONE, kernels.ESSENTIAL_PENALTY, kernels.ESSENTIAL_GATE)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 6), m=st.integers(0, 14), n_terms=st.integers(1, 9),
       k=st.integers(1, 16), mode=st.sampled_from(MODES), filters=st.booleans(), n_chunks=st.integers(1, 4))
def test_topk_equals_reference(seed, n, m, n_terms, k, mode, filters, n_chunks):
    scalars, query, cand, index, flt = problem(seed, n, m, n_terms, k, *mode, filters)
    want = _reference.topk(*scalars, *query, *cand, *flt)
    got = run_kernel(scalars, query, cand, index, flt, max(1, min(n_chunks, n)))
    assert_same(got, want)


@pytest.mark.parametrize("mode", MODES)
def test_topk_equals_reference_on_larger_rows(mode):
    """Long posting lists, many touched candidates, many exact ties."""
    for seed in range(3):
        scalars, query, cand, index, flt = problem(seed, 25, 300, 40, 5, *mode, filters=seed == 2)
        want = _reference.topk(*scalars, *query, *cand, *flt)
        assert_same(run_kernel(scalars, query, cand, index, flt, 3), want)


def zipf_problem(seed, n, m, n_terms, per_row, k):
    """Zipf-popular terms with idf-like weights: long and short posting lists in one row."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, n_terms + 1)
    p /= p.sum()

    def rows(count):
        mats = [np.sort(rng.choice(n_terms, size=per_row, replace=False, p=p)) for _ in range(count)]
        indptr = np.zeros(count + 1, np.int64)
        indptr[1:] = np.cumsum([per_row] * count)
        indices = np.concatenate(mats).astype(np.int32)
        return indptr, indices

    q_indptr, q_indices = rows(n)
    c_indptr, c_indices = rows(m)
    idf = np.log(1 + m / (1 + np.bincount(c_indices, minlength=n_terms)))

    def unit(indptr, indices):
        w = idf[indices]
        norms = np.sqrt(row_sums(indptr, w * w))
        return (w / np.repeat(norms, np.diff(indptr))).astype(np.float32)

    q_val, c_val = unit(q_indptr, q_indices), unit(c_indptr, c_indices)
    ones_q, ones_c = np.ones(len(q_indices), np.float32), np.ones(len(c_indices), np.float32)
    query = (q_indptr, q_indices, q_val, ones_q, np.zeros(len(q_indices), np.uint8), np.zeros(n, np.int32))
    cand = (c_indptr, c_indices, c_val, ones_c, np.zeros(len(c_indices), np.uint8), np.zeros(m, np.int32),
            np.ones(m, np.float32))
    flt = (np.full(n, -1, np.int32), np.full(m, -1, np.int32), np.zeros((n, 3)), np.zeros((m, 3)),
           np.zeros((n, 2), np.float32), np.zeros((m, 2), np.float32), False, np.zeros(n, np.uint32),
           np.zeros(n, np.uint32), np.zeros(m, np.uint32), np.zeros(m, np.uint32), False, np.zeros(n + 1, np.int64),
           np.zeros(0, np.int32))
    index = inverted_index(c_indptr, c_indices, c_val, ones_c, cand[4], n_terms=n_terms)
    return (k, kernels.COSINE, False, kernels.ESSENTIAL_NONE, 0.0), query, cand, index, flt


def test_topk_on_zipf_popular_terms_equals_reference():
    scalars, query, cand, index, flt = zipf_problem(0, 40, 3000, 400, 12, 10)
    want = _reference.topk(*scalars, *query, *cand, *flt)
    assert_same(run_kernel(scalars, query, cand, index, flt, 4), want)


def test_one_and_two_threads_give_identical_results():
    scalars, query, cand, index, flt = zipf_problem(1, 400, 5000, 800, 15, 10)
    one = run_topk(scalars[0], scalars[1:], query, cand, index, flt, n_threads=1)
    two = run_topk(scalars[0], scalars[1:], query, cand, index, flt, n_threads=2)
    assert_same(one, two)
    assert (one[0] >= 0).all()


def test_ties_are_ordered_by_candidate_index():
    # every candidate holds the single query term with the same value: all scores tie
    n_terms, m = 3, 7
    c_indptr = np.arange(m + 1, dtype=np.int64)
    c_indices = np.zeros(m, np.int32)
    c_val = np.ones(m, np.float32)
    ones = np.ones(m, np.float32)
    cand = (c_indptr, c_indices, c_val, ones, np.zeros(m, np.uint8), np.zeros(m, np.int32), np.ones(m, np.float32))
    query = (np.array([0, 1], np.int64), np.array([0], np.int32), np.ones(1, np.float32), np.ones(1, np.float32),
             np.zeros(1, np.uint8), np.zeros(1, np.int32))
    flt = (np.full(1, -1, np.int32), np.full(m, -1, np.int32), np.zeros((1, 3)), np.zeros((m, 3)),
           np.zeros((1, 2), np.float32), np.zeros((m, 2), np.float32), False, np.zeros(1, np.uint32),
           np.zeros(1, np.uint32), np.zeros(m, np.uint32), np.zeros(m, np.uint32), False, np.zeros(2, np.int64),
           np.zeros(0, np.int32))
    index = inverted_index(*cand[:5], n_terms=n_terms)
    idx, score = run_kernel((4, kernels.COSINE, False, kernels.ESSENTIAL_NONE, 0.0), query, cand, index, flt, 1)
    assert idx.tolist() == [[0, 1, 2, 3]]
    assert score.tolist() == [[1.0, 1.0, 1.0, 1.0]]


def test_padding_when_fewer_candidates_than_k():
    scalars, query, cand, index, flt = problem(3, 2, 3, 4, 10, kernels.COSINE, False, kernels.ESSENTIAL_NONE, False)
    idx, score = run_kernel(scalars, query, cand, index, flt, 1)
    assert idx.shape == (2, 10)
    for r in range(2):
        n_found = int((idx[r] >= 0).sum())
        assert n_found <= 3
        assert (idx[r, n_found:] == -1).all() and np.isneginf(score[r, n_found:]).all()
        assert np.all(np.diff(score[r, :n_found]) <= 0)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 6), n_terms=st.integers(1, 12))
def test_related_credit_equals_reference(seed, n, n_terms):
    rng = np.random.default_rng(seed)
    h = random_csr(rng, n, n_terms, rng.uniform(0, 0.5), values=(1.0, 2.0, 3.0, 5.0))
    r = sp.random(n_terms, n_terms, density=rng.uniform(0, 0.5), random_state=rng, format="csr", dtype=np.float32)
    r.setdiag(0)
    r.eliminate_zeros()
    r.data = rng.choice(np.array([0.3, 0.5, 1.0], np.float32), size=r.nnz)
    r.sort_indices()
    r_arrays = (r.indptr.astype(np.int64), r.indices.astype(np.int32), r.data)
    got = sorted_rows(*kernels.related_credit(*h, *r_arrays))
    want = _reference.related_credit(*h, *r_arrays)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == w.dtype


def sorted_rows(indptr, indices, values, direct):
    """The kernel leaves each row's entries unsorted; put them in index order."""
    order = np.concatenate([lo + np.argsort(indices[lo:hi]) for lo, hi in zip(indptr[:-1], indptr[1:])] or
                           [np.zeros(0, np.int64)]).astype(np.int64)
    return indptr, indices[order], values[order], direct[order]


def test_related_credit_never_exceeds_holding_the_skill():
    h = (np.array([0, 2], np.int64), np.array([0, 1], np.int32), np.array([4.0, 1.0], np.float32))
    # skill 0 relates to 1 and 2 at full strength; skill 1 is held at 1 only
    r = (np.array([0, 2, 2, 2], np.int64), np.array([1, 2], np.int32), np.array([1.0, 0.5], np.float32))
    indptr, indices, values, direct = sorted_rows(*kernels.related_credit(*h, *r))
    assert indices.tolist() == [0, 1, 2]
    assert values.tolist() == [4.0, 4.0, 2.0]  # credit for 1 is 4 x 1.0: as if held at 4, not more
    assert direct.tolist() == [1, 0, 0]


def test_haversine_amsterdam_rotterdam():
    km = kernels.haversine_km(math.radians(52.3728), math.radians(4.8936), math.radians(51.9225), math.radians(4.4792))
    assert 55 < km < 60
