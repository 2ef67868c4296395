"""The numba kernels against their NumPy reference twins.

Inputs aim at the kernels' internal boundaries: empty query and candidate rows, one term,
values drawn from a tiny set (so scores tie), k larger than the number of candidates,
filters that remove everything, exclusions, candidate and query scales, every score and
essential mode, tiles smaller than the candidates, both the dense and the sparse path,
and chunkings that split the rows differently.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillmatch import kernels
from skillmatch.kernels import Place, Rows, Settings, build_postings, reference
from skillmatch.kernels.arrays import Scratch
from skillmatch.kernels.rank import haversine_km, rank_rows
from skillmatch.problems import InputError


def random_rows(rng, n, n_terms, density, values=(0.5, 1.0, 2.0)):
    indptr = np.zeros(n + 1, np.int64)
    parts = []
    for r in range(n):
        cols = np.flatnonzero(rng.random(n_terms) < density).astype(np.int32)
        parts.append(cols)
        indptr[r + 1] = indptr[r] + len(cols)
    indices = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    data = rng.choice(np.asarray(values, np.float32), size=len(indices)).astype(np.float32)
    return indptr, indices.astype(np.int32), data


def make_rows(rng, n, n_terms, *, levels, essential, scaled, values=(0.5, 1.0, 2.0)):
    indptr, indices, data = random_rows(rng, n, n_terms, rng.uniform(0.05, 0.6), values)
    inv = (1.0 / rng.choice(np.arange(1, 6, dtype=np.float32), size=len(indices))).astype(np.float32) if levels \
        else np.ones(len(indices), np.float32)
    ess = (rng.random(len(indices)) < 0.4).astype(np.uint8) if essential else np.zeros(len(indices), np.uint8)
    n_ess = np.array([ess[indptr[r]:indptr[r + 1]].sum() for r in range(n)], np.int32)
    scale = rng.choice(np.array([1.0, 0.5, 1.5]), size=n) if scaled else np.ones(n)
    return Rows(indptr, indices, data, inv, ess, n_ess, scale)


def random_place(rng, n, *, filters, query):
    place = kernels.unfiltered_place(n, offers_all=False)
    if not filters:
        return place
    geo = np.zeros((n, 3))
    geo[:, 0] = np.radians(rng.uniform(50.8, 53.4, n))
    geo[:, 1] = np.radians(rng.uniform(3.4, 7.2, n))
    geo[rng.random(n) < 0.2, :2] = np.nan
    geo[:, 2] = rng.choice([0.0, 60.0, 150.0] if query else [0.0, 0.0, 100.0], size=n)
    lo = rng.choice([0, 16, 24, 32], size=n)
    hours = np.stack([lo, lo + rng.choice([4, 8, 16], size=n)], 1).astype(np.float32)
    region = rng.integers(-1, 3, size=n).astype(np.int32)
    needs = rng.choice(np.array([0, 0, 1, 2, 3] if query else [0, 0, 4], np.uint32), size=n)
    offers = rng.choice(np.array([0, 4] if query else [0, 1, 3, 7], np.uint32), size=n)
    return Place(region, geo, hours, needs, offers)


MODES = [(kernels.COSINE, False, kernels.ESSENTIAL_NONE)] + [
    (mode, roq, ess) for mode in (kernels.COVERAGE, kernels.FIT) for roq in (False, True)
    for ess in (kernels.ESSENTIAL_NONE, kernels.ESSENTIAL_PENALTY, kernels.ESSENTIAL_GATE)]


def problem(seed, n, m, n_terms, k, mode, req_on_query, essential, *, filters, dense_factor=8.0, tile=None,
            scaled=False):
    rng = np.random.default_rng(seed)
    coverage = mode in (kernels.COVERAGE, kernels.FIT)
    q = make_rows(rng, n, n_terms, levels=coverage and req_on_query, essential=req_on_query, scaled=scaled,
                  values=(1.0, 2.0, 3.0, 4.0, 5.0) if coverage and not req_on_query else (0.5, 1.0, 2.0))
    c = make_rows(rng, m, n_terms, levels=coverage and not req_on_query, essential=not req_on_query, scaled=scaled,
                  values=(1.0, 2.0, 3.0, 4.0, 5.0) if coverage and req_on_query else (0.5, 1.0, 2.0))
    qp = random_place(rng, n, filters=filters, query=True)
    cp = random_place(rng, m, filters=filters, query=False)
    ex_indptr = np.zeros(n + 1, np.int64)
    ex_indices = np.zeros(0, np.int32)
    if filters and m:
        ex = [np.unique(rng.integers(0, m, size=rng.integers(0, 3))).astype(np.int32) for _ in range(n)]
        ex_indptr[1:] = np.cumsum([len(e) for e in ex])
        ex_indices = np.concatenate(ex).astype(np.int32) if ex else ex_indices
    if mode == kernels.FIT:  # the people side's scale is 1 / (its number of skills)
        people = c if req_on_query else q
        counts = np.maximum(np.diff(people.indptr), 1)
        people = people._replace(scale=rng.choice([1.0, 0.5], size=len(counts)) / counts)
        c, q = (people, q) if req_on_query else (c, people)
        scaled = True
    st_ = Settings(k, mode, req_on_query, essential, 0.4, filters, filters, bool(scaled), dense_factor,
                   0.3 if mode == kernels.FIT else 1.0)
    post = build_postings(c, n_terms, tile or max(1, m))
    return st_, q, c, post, qp, cp, (ex_indptr, ex_indices)


def test_postings_put_each_terms_essential_requirements_first():
    rng = np.random.default_rng(3)
    c = make_rows(rng, 50, 7, levels=True, essential=True, scaled=False)
    tile, n_terms = 16, 7
    post = build_postings(c, n_terms, tile)
    rows = np.repeat(np.arange(50), np.diff(c.indptr))
    for b in range(-(-50 // tile)):
        for t in range(n_terms):
            key = b * n_terms + t
            lo, mid, hi = post.indptr[key], post.essential_end[key], post.indptr[key + 1]
            entry = (rows // tile == b) & (c.indices == t)
            want_ess = np.sort(rows[entry & (c.essential == 1)]) - b * tile
            want_rest = np.sort(rows[entry & (c.essential == 0)]) - b * tile
            assert post.local[lo:mid].tolist() == want_ess.tolist()
            assert post.local[mid:hi].tolist() == want_rest.tolist()
    assert int((post.essential_end - post.indptr[:-1]).sum()) == int(c.essential.sum()) > 0


def test_common_terms_are_kept_as_full_columns_within_the_budget():
    """A (tile, term) held by at least 1/COMMON of the tile's candidates gets a column that
    repeats its postings (0 elsewhere), heaviest first, while the columns' entries do not
    outnumber the postings; here the budget leaves some eligible terms out."""
    rng = np.random.default_rng(4)
    m, n_terms, tile = 50, 7, 16  # tiles of 16, 16, 16 and 2 candidates
    indptr, indices, data = random_rows(rng, m, n_terms, 0.6)
    essential = (rng.random(len(indices)) < 0.4).astype(np.uint8)
    n_essential = np.array([essential[indptr[r]:indptr[r + 1]].sum() for r in range(m)], np.int32)
    c = Rows(indptr, indices, data, rng.choice(np.array([1.0, 0.5, 0.25], np.float32), size=len(indices)),
             essential, n_essential, np.ones(m))
    post = build_postings(c, n_terms, tile)
    count = np.diff(post.indptr)
    length = np.minimum(tile, m - (np.arange(len(count)) // n_terms) * tile)
    chosen = post.common >= 0
    eligible = count * kernels.COMMON >= length
    assert chosen.any() and (eligible & ~chosen).any(), "the budget must leave some eligible terms out"
    heaviest_first = sorted(np.flatnonzero(eligible), key=lambda key: (-count[key], key))
    n_chosen = int(chosen.sum())
    assert sorted(np.flatnonzero(chosen)) == sorted(heaviest_first[:n_chosen])  # a prefix, in that order
    assert post.common[heaviest_first[:n_chosen]].tolist() == list(range(n_chosen))
    used = length[chosen].sum()
    assert used <= len(post.local) < used + length[heaviest_first[n_chosen]]
    assert post.common_values.shape == (chosen.sum(), tile)
    for key in np.flatnonzero(chosen):
        col, lo, mid, hi = post.common[key], post.indptr[key], post.essential_end[key], post.indptr[key + 1]
        want = np.zeros((3, tile))
        want[0, post.local[lo:hi]] = post.values[lo:hi]
        want[1, post.local[lo:hi]] = post.inv_levels[lo:hi]
        want[2, post.local[lo:mid]] = 1
        got = [post.common_values[col], post.common_inv_levels[col], post.common_essential[col]]
        np.testing.assert_array_equal(np.stack(got), want)
        assert not np.stack(got)[:, length[key]:].any()


@pytest.mark.parametrize("mode", MODES)
def test_common_term_columns_add_what_their_postings_add(mode):
    """The dense path with columns, without them, and the reference agree bit for bit, over
    tiles of which the last is short; the columns are really used."""
    for seed in range(3):
        st_, q, c, post, qp, cp, ex = problem(seed, 25, 300, 12, 5, *mode, filters=seed == 2, dense_factor=1e9,
                                              tile=64, scaled=seed == 1)
        assert (post.common >= 0).sum() >= 5
        without = post._replace(common=np.full_like(post.common, -1))
        want = reference.topk(st_, q, c, qp, cp, *ex)
        assert_same(run_chunks(st_, q, c, post, qp, cp, ex, 2), want)
        assert_same(run_chunks(st_, q, c, without, qp, cp, ex, 2), want)


def run_chunks(st_, q, c, post, qp, cp, exclude, n_chunks):
    """The kernel over ``n_chunks`` consecutive row ranges (as threads would split them)."""
    n = q.n_rows
    idx = np.full((n, st_.k), 99, np.int32)
    score = np.full((n, st_.k), 99, np.float32)
    width = -(-max(1, min(post.tile, c.n_rows)) // 16) * 16
    scratch = Scratch(np.zeros(2 * width), np.zeros(width, np.uint8), np.empty(width, np.int32))
    for i in range(n_chunks):
        rank_rows(i * n // n_chunks, (i + 1) * n // n_chunks, st_, q, c, post, qp, cp, *exclude, idx, score, scratch)
    assert not scratch.acc.any() and not scratch.met.any(), "the kernel leaves its scratch zeroed"
    return idx, score


def assert_same(got, want):
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].dtype == np.int32 and got[1].dtype == np.float32


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 6), m=st.integers(0, 40), n_terms=st.integers(1, 9),
       k=st.integers(1, 16), mode=st.sampled_from(MODES), filters=st.booleans(), n_chunks=st.integers(1, 4),
       dense_factor=st.sampled_from([0.0, 1.0, 1e9]), tile=st.sampled_from([None, 1, 3, 16, 17]),
       scaled=st.booleans())
def test_topk_equals_reference(seed, n, m, n_terms, k, mode, filters, n_chunks, dense_factor, tile, scaled):
    st_, q, c, post, qp, cp, ex = problem(seed, n, m, n_terms, k, *mode, filters=filters, dense_factor=dense_factor,
                                          tile=tile, scaled=scaled)
    want = reference.topk(st_, q, c, qp, cp, *ex)
    got = run_chunks(st_, q, c, post, qp, cp, ex, max(1, min(n_chunks, n)))
    assert_same(got, want)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", ["dense", "sparse"])
def test_topk_equals_reference_on_larger_rows(mode, path):
    """Long posting lists, many touched candidates, many exact ties, several tiles."""
    factor = 1e9 if path == "dense" else 0.0
    for seed in range(3):
        problem_ = problem(seed, 25, 300, 40, 5, *mode, filters=seed == 2, dense_factor=factor, tile=64,
                           scaled=seed == 1)
        st_, q, c, _, qp, cp, ex = problem_
        assert_same(run_chunks(*problem_, 3), reference.topk(st_, q, c, qp, cp, *ex))


def test_tiles_paths_and_threads_do_not_change_results():
    results = []
    for tile, factor, threads in [(300, 8.0, 1), (7, 8.0, 2), (64, 0.0, 3), (1000, 1e9, 2)]:
        st_, q, c, post, qp, cp, ex = problem(11, 40, 300, 30, 7, kernels.COVERAGE, False, kernels.ESSENTIAL_PENALTY,
                                              filters=True, dense_factor=factor, tile=tile)
        results.append(kernels.topk(st_, q, c, post, qp, cp, ex, n_threads=threads))
    for other in results[1:]:
        assert_same(other, results[0])


def test_ties_are_ordered_by_candidate_index():
    """Candidates with equal scores come back by ascending index, on both paths."""
    n_terms, m = 4, 50
    for factor in (0.0, 1e9):
        st_, _, _, _, qp, _, _ = problem(0, 1, 1, n_terms, 5, kernels.COSINE, False, kernels.ESSENTIAL_NONE,
                                         filters=False, dense_factor=factor)
        q = Rows(np.array([0, 1], np.int64), np.array([2], np.int32), np.array([1.0], np.float32),
                 np.ones(1, np.float32), np.zeros(1, np.uint8), np.zeros(1, np.int32), np.ones(1))
        c = Rows(np.arange(m + 1, dtype=np.int64), np.full(m, 2, np.int32), np.full(m, 0.5, np.float32),
                 np.ones(m, np.float32), np.zeros(m, np.uint8), np.zeros(m, np.int32), np.ones(m))
        post = build_postings(c, n_terms, 16)
        idx, score = kernels.topk(st_, q, c, post, qp, kernels.unfiltered_place(m))
        assert idx[0].tolist() == [0, 1, 2, 3, 4] and set(score[0].tolist()) == {0.5}


def test_a_tie_in_a_block_visited_after_the_best_one_still_wins_on_index():
    """The dense path ranks the block with the best bound (the last one here) first and fills
    the top list there; the equal scores of lower candidates, visited after it, must still
    take the places that the tie rule gives them."""
    n_terms, m, k = 2, 64, 6
    values = np.full(m, 0.5, np.float32)
    values[48:52] = 1.0
    q = Rows(np.array([0, 1], np.int64), np.array([1], np.int32), np.array([1.0], np.float32),
             np.ones(1, np.float32), np.zeros(1, np.uint8), np.zeros(1, np.int32), np.ones(1))
    c = Rows(np.arange(m + 1, dtype=np.int64), np.full(m, 1, np.int32), values, np.ones(m, np.float32),
             np.zeros(m, np.uint8), np.zeros(m, np.int32), np.ones(m))
    for factor in (0.0, 1e9):  # sparse, dense
        st_ = Settings(k, kernels.COSINE, False, kernels.ESSENTIAL_NONE, 0.0, False, False, False, factor)
        idx, score = kernels.topk(st_, q, c, build_postings(c, n_terms), kernels.unfiltered_place(1),
                                  kernels.unfiltered_place(m))
        assert idx[0].tolist() == [48, 49, 50, 51, 0, 1]
        assert score[0].tolist() == [1.0] * 4 + [0.5] * 2


def test_padding_when_fewer_candidates_qualify_than_k():
    """Three candidates, one of them sharing nothing with the query: two results, then padding."""
    n_terms = 3
    q = Rows(np.array([0, 1], np.int64), np.array([0], np.int32), np.array([1.0], np.float32),
             np.ones(1, np.float32), np.zeros(1, np.uint8), np.zeros(1, np.int32), np.ones(1))
    c = Rows(np.array([0, 1, 2, 3], np.int64), np.array([0, 1, 0], np.int32), np.array([0.6, 1.0, 0.8], np.float32),
             np.ones(3, np.float32), np.zeros(3, np.uint8), np.zeros(3, np.int32), np.ones(3))
    st_ = Settings(5, kernels.COSINE, False, kernels.ESSENTIAL_NONE, 0.0, False, False, False, 8.0)
    idx, score = kernels.topk(st_, q, c, build_postings(c, n_terms), kernels.unfiltered_place(1),
                              kernels.unfiltered_place(3))
    assert idx.tolist() == [[2, 0, -1, -1, -1]]
    assert score[0, :2].tolist() == [np.float32(0.8), np.float32(0.6)] and np.isneginf(score[0, 2:]).all()


def test_one_and_two_threads_give_identical_results():
    st_, q, c, post, qp, cp, ex = problem(3, 200, 150, 30, 10, kernels.COVERAGE, False, kernels.ESSENTIAL_PENALTY,
                                          filters=True)
    one = kernels.topk(st_, q, c, post, qp, cp, ex, n_threads=1)
    two = kernels.topk(st_, q, c, post, qp, cp, ex, n_threads=2)
    assert_same(two, one)


def test_the_python_implementation_is_the_reference(monkeypatch):
    problem_ = problem(5, 20, 60, 12, 4, kernels.COVERAGE, True, kernels.ESSENTIAL_GATE, filters=True)
    numba_result = kernels.topk(*problem_)
    monkeypatch.setenv("SKILLMATCH_IMPLEMENTATION", "python")
    assert_same(kernels.topk(*problem_), numba_result)
    monkeypatch.setenv("SKILLMATCH_IMPLEMENTATION", "fortran")
    with pytest.raises(InputError, match="SKILLMATCH_IMPLEMENTATION: expected 'numba' or 'python', got 'fortran'"):
        kernels.topk(*problem_)


def credit_args(rng, h_indptr, h_indices, n_terms, density):
    """The six arrays of ``related_credit``: held levels 1-5 on the given rows, and a random
    credit matrix over ``n_terms`` terms of the given density (strengths 0.25, 0.5, 1)."""
    h_val = rng.choice(np.arange(1, 6, dtype=np.float32), size=len(h_indices))
    r_indptr, r_indices, _ = random_rows(rng, n_terms, n_terms, density)
    r_val = rng.choice(np.array([0.25, 0.5, 1.0], np.float32), size=len(r_indices))
    return h_indptr, h_indices, h_val, r_indptr, r_indices, r_val


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 6), n_terms=st.integers(1, 12))
def test_related_credit_equals_reference(seed, n, n_terms):
    rng = np.random.default_rng(seed)
    h_indptr, h_indices, _ = random_rows(rng, n, n_terms, rng.uniform(0, 0.5))
    args = credit_args(rng, h_indptr, h_indices, n_terms, rng.uniform(0, 0.4))
    got, want = kernels.related_credit(*args), reference.related_credit(*args)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == w.dtype


def test_related_credit_sorts_short_and_long_rows_alike():
    """Rows up to SHORT_ROW effective skills are sorted by insertion, longer ones by numba's sort."""
    from skillmatch.kernels.credit import SHORT_ROW

    rng = np.random.default_rng(7)
    n_terms = 4 * SHORT_ROW
    h_indptr, h_indices, _ = random_rows(rng, 60, n_terms, 0.02)
    # rows 40-59 replaced by rows of 2 x SHORT_ROW held skills
    long_rows = [np.sort(rng.choice(n_terms, 2 * SHORT_ROW, replace=False)).astype(np.int32) for _ in range(20)]
    h_indices = np.concatenate([h_indices[:h_indptr[40]], *long_rows])
    h_indptr[41:] = h_indptr[40] + 2 * SHORT_ROW * np.arange(1, 21)
    args = credit_args(rng, h_indptr, h_indices, n_terms, 0.01)
    got, want = kernels.related_credit(*args), reference.related_credit(*args)
    sizes = np.diff(got[0])
    assert (sizes <= SHORT_ROW).sum() >= 20 and (sizes > SHORT_ROW).sum() >= 20
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("n", [30 * kernels.CHUNK_ROWS + 5, 7])
def test_related_credit_on_threads_equals_one_thread_and_the_reference(n):
    # many uneven chunks over three threads; and 7 rows, one a chunk
    rng = np.random.default_rng(n)
    h_indptr, h_indices, _ = random_rows(rng, n, 40, 0.2)
    args = credit_args(rng, h_indptr, h_indices, 40, 0.1)
    one = kernels.related_credit(*args, n_threads=1)
    want = reference.related_credit(*args)
    for got in (kernels.related_credit(*args, n_threads=3), kernels.related_credit(*args, n_threads=None)):
        for g, o, w in zip(got, one, want):
            np.testing.assert_array_equal(g, o)
            np.testing.assert_array_equal(g, w)
            assert g.dtype == o.dtype == w.dtype


def test_related_credit_never_exceeds_holding_the_skill():
    # skill 0 held at 4 credits skill 1 at 0.5; skill 1 is also held at 3, which wins
    out = kernels.related_credit(np.array([0, 2], np.int64), np.array([0, 1], np.int32),
                                 np.array([4.0, 3.0], np.float32), np.array([0, 1, 1], np.int64),
                                 np.array([1], np.int32), np.array([0.5], np.float32))
    assert out[1].tolist() == [0, 1] and out[2].tolist() == [4.0, 3.0] and out[3].tolist() == [1, 1]
    out = kernels.related_credit(np.array([0, 1], np.int64), np.array([0], np.int32), np.array([4.0], np.float32),
                                 np.array([0, 1, 1], np.int64), np.array([1], np.int32), np.array([0.5], np.float32))
    assert out[1].tolist() == [0, 1] and out[2].tolist() == [4.0, 2.0] and out[3].tolist() == [1, 0]


def test_haversine_amsterdam_rotterdam():
    ams, rtm = np.radians([52.3676, 4.9041]), np.radians([51.9244, 4.4777])
    assert 56 < haversine_km(*ams, *rtm) < 58
