"""Malformed matrices at every public entry point: an InputError naming the argument, never a crash.

scipy accepts a CSR whose column ids run past the last column, whose pointers decrease or
whose last pointer disagrees with the number of entries, when the arrays are set after
construction; before the checks at the API edge, such a matrix made the credit kernel read
out of bounds (a segmentation fault) or gave normal-looking scores. Each case here is a
valid matrix broken in one way, handed to every public function that takes a matrix.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import skillmatch
from skillmatch import Matcher, kernels
from skillmatch.kernels.cosine import CosineIndex
from skillmatch.problems import InputError
from skillmatch.vectorize import (
    CSR,
    Requirements,
    SkillVectorizer,
    as_csr,
    as_requirements,
    batch,
    people,
)


@pytest.fixture(scope="module")
def tx():
    return skillmatch.load_taxonomy()


BREAKAGES = ["column past the end", "negative column", "columns start at 1", "decreasing pointer",
             "last pointer short", "last pointer long", "first pointer not 0", "short data", "nan value",
             "inf value", "negative value", "wrong column count", "pointer array too short"]


def broken(rng: np.random.Generator, n_rows: int, n_cols: int, how: str, *, low: float = 1.0,
           high: float = 5.0) -> sp.csr_matrix:
    """A valid CSR of levels in [low, high], then broken in one way by setting its arrays."""
    dense = (rng.random((n_rows, n_cols)) < 0.3) * rng.integers(int(low), int(high) + 1, (n_rows, n_cols))
    dense[0, 0] = dense[-1, -1] = low  # the first and the last column are used
    m = sp.csr_matrix(dense.astype(np.float32))
    indptr, indices, data = m.indptr.copy(), m.indices.copy(), m.data.copy()
    shape = (n_rows, n_cols)
    if how == "column past the end":
        indices[-1] = n_cols + int(rng.integers(0, 5))
    elif how == "negative column":
        indices[0] = -1 - int(rng.integers(0, 5))
    elif how == "columns start at 1":
        indices = indices + 1
    elif how == "decreasing pointer" and n_rows >= 2:
        indptr[1] = indptr[2] + 1
    elif how == "decreasing pointer":
        indptr[1] = len(indices) + 1
    elif how == "last pointer short":
        indptr[-1] -= 1
    elif how == "last pointer long":
        indptr[-1] += 2
    elif how == "first pointer not 0":
        indptr[0] = 1
    elif how == "short data":
        data = data[:-1]
    elif how == "nan value":
        data[0] = np.nan
    elif how == "inf value":
        data[-1] = np.inf
    elif how == "negative value":
        data[0] = -2.0
    elif how == "wrong column count":
        shape = (n_rows, n_cols - 1)
        indices = np.minimum(indices, n_cols - 2)
    elif how == "pointer array too short":
        indptr = indptr[:-1]
    out = sp.csr_matrix((n_rows, n_cols), dtype=np.float32)
    out.indptr, out.indices, out.data = indptr, indices, data
    out._shape = shape  # as a hand-edited matrix would carry it
    return out


SHAPELESS = {"kernels.related_credit", "Matcher.match(hand-made batch)", "CosineIndex(candidates)"}


def entry_points(tx):
    """Every public function that takes a matrix, as (name, call) pairs."""
    n = tx.n_concepts
    fitted = Matcher(tx).fit("occupations")
    cosine = Matcher(tx, "cosine").fit("occupations")
    credit = tx.related.astype(np.float32).tocsr()
    reqs = tx.requirements, tx.requirement_levels

    def credit_kernel(m):
        return kernels.related_credit(m.indptr.astype(np.int64), m.indices.astype(np.int32),
                                      np.asarray(m.data, np.float32), credit.indptr.astype(np.int64),
                                      credit.indices.astype(np.int32), credit.data)

    def cosine_index(m):
        return CosineIndex(m)

    def cosine_query(m):
        return CosineIndex(tx.requirement_levels).query(m, 3)

    def hand_made_batch(m):
        good = people(tx, [skillmatch.Jobseeker(id="a")])
        held = CSR(np.asarray(m.indptr, np.int64), np.asarray(m.indices, np.int32), np.asarray(m.data, np.float32), n)
        ids = tuple(str(i) for i in range(len(m.indptr) - 1))
        return fitted.match(dataclasses.replace(good, ids=ids, labels=ids, held=held,
                                                place=kernels.unfiltered_place(len(ids))))

    return [
        ("Matcher.fit(held levels)", lambda m: Matcher(tx, "cosine").fit(m)),
        ("Matcher.match(held levels)", lambda m: fitted.match(m)),
        ("Matcher.match(held levels), cosine", lambda m: cosine.match(m)),
        ("Matcher.fit(Requirements.level)", lambda m: Matcher(tx).fit(Requirements(reqs[0], m))),
        ("Matcher.fit(Requirements.importance)", lambda m: Matcher(tx).fit(Requirements(m, reqs[1]))),
        ("as_csr", lambda m: as_csr(m, n, "m")),
        ("as_requirements", lambda m: as_requirements(Requirements(m, m), n, "m")),
        ("vectorize.batch(matrix)", lambda m: batch(tx, m)),
        ("SkillVectorizer.fit", lambda m: SkillVectorizer(tx).fit(m)),
        ("SkillVectorizer.transform", lambda m: SkillVectorizer(tx).fit(tx.requirement_levels).transform(m)),
        ("kernels.related_credit", credit_kernel),
        ("CosineIndex(candidates)", cosine_index),
        ("CosineIndex.query", cosine_query),
        ("Matcher.match(hand-made batch)", hand_made_batch),
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), n_rows=st.integers(1, 6), how=st.sampled_from(BREAKAGES))
def test_every_entry_point_refuses_a_broken_matrix(tx, seed, n_rows, how):
    rng = np.random.default_rng(seed)
    for name, call in entry_points(tx):
        if how == "wrong column count" and name in SHAPELESS:
            continue  # arrays without a shape: the column count is not theirs to get wrong
        m = broken(rng, n_rows, tx.n_concepts, how, high=3.0)  # values 1-3: valid levels and importance codes
        try:
            call(m)
        except InputError:
            continue
        pytest.fail(f"{name} accepted a matrix with {how}")


@pytest.mark.parametrize("how", BREAKAGES)
def test_the_error_names_the_argument(tx, how):
    m = broken(np.random.default_rng(0), 4, tx.n_concepts, how)
    with pytest.raises(InputError) as info:
        as_csr(m, tx.n_concepts, "held")
    assert str(info.value).startswith("held") or "held" in info.value.problems[0].message


def test_a_csr_whose_columns_start_at_1_no_longer_crashes_the_credit_kernel(tx):
    """The segmentation fault of issue 6: column ids shifted by one, through the default Matcher."""
    m = broken(np.random.default_rng(1), 3, tx.n_concepts, "columns start at 1")
    with pytest.raises(InputError, match=r"queries.*column ids from 0 to \d+, found \d+"):
        Matcher(tx).fit("occupations").match(m)


def test_unsorted_and_repeated_columns_are_legal_and_summed(tx):
    m = sp.csr_matrix((np.array([2.0, 1.0, 1.0], np.float32), np.array([5, 3, 5], np.int32),
                       np.array([0, 3], np.int32)), shape=(1, tx.n_concepts))
    out = as_csr(m, tx.n_concepts, "m")
    assert out.indices.tolist() == [3, 5] and out.data.tolist() == [1.0, 3.0]
    assert m.indices.tolist() == [5, 3, 5], "the caller's matrix is not changed"


def test_the_kernels_refuse_arrays_of_the_wrong_dtype_or_length():
    q = kernels.Rows(np.array([0, 1], np.int64), np.array([0], np.int32), np.array([1.0], np.float32),
                     np.ones(1, np.float32), np.zeros(1, np.uint8), np.zeros(1, np.int32), np.ones(1))
    c = q._replace(indices=np.array([0], np.int64))
    st_ = kernels.Settings(3, kernels.COSINE, False, kernels.ESSENTIAL_NONE, 0.0, False, False, False, 8.0)
    post = kernels.build_postings(q, 4)
    with pytest.raises(InputError, match=r"candidates\.indices: expected a C-contiguous 1-d array of int32, got"):
        kernels.topk(st_, q, c, post, kernels.unfiltered_place(1), kernels.unfiltered_place(1))
    with pytest.raises(InputError, match=r"queries\.n_essential: expected the number of essential flags per row"):
        kernels.topk(st_, q._replace(n_essential=np.ones(1, np.int32)), q, post, kernels.unfiltered_place(1),
                     kernels.unfiltered_place(1))
    with pytest.raises(InputError, match=r"settings\.k: expected a positive integer, got True"):
        kernels.topk(st_._replace(k=True), q, q, post, kernels.unfiltered_place(1), kernels.unfiltered_place(1))
    with pytest.raises(InputError, match=r"query place\.geo: expected a C-contiguous 2-d array of float64"):
        kernels.topk(st_, q, q, post, kernels.unfiltered_place(1)._replace(geo=np.zeros(3)),
                     kernels.unfiltered_place(1))
    with pytest.raises(InputError, match=r"exclude\.indices: expected column ids from 0 to 0, found 7"):
        kernels.topk(st_, q, q, post, kernels.unfiltered_place(1), kernels.unfiltered_place(1),
                     (np.array([0, 1], np.int64), np.array([7], np.int32)))


def _broken_postings(post, how):
    if how == "not postings":
        return tuple(post)
    if how == "candidate outside its tile":
        return post._replace(local=post.local + np.int32(post.tile))
    if how == "decreasing pointer":
        indptr = post.indptr.copy()
        indptr[1], indptr[2] = indptr[2], indptr[1] - 1
        return post._replace(indptr=indptr)
    if how == "essential end outside its postings":
        return post._replace(essential_end=post.essential_end + 100)
    if how == "column past the last":
        return post._replace(common=np.full_like(post.common, len(post.common_values)))
    if how == "column of the wrong width":
        return post._replace(common_values=post.common_values[:, :-1].copy())
    if how == "NaN in a column":
        values = post.common_values.copy()
        values[0, 0] = np.nan
        return post._replace(common_values=values)
    if how == "built for other candidates":
        return post._replace(n_candidates=post.n_candidates + 1)
    raise AssertionError(how)


@pytest.mark.parametrize("how, message", [
    ("not postings", r"postings: expected a skillmatch\.kernels\.Postings, got tuple"),
    ("candidate outside its tile", r"postings\.local: expected each candidate's position within its tile"),
    ("decreasing pointer", r"postings\.indptr: expected pointers rising from 0"),
    ("essential end outside its postings", r"postings\.essential_end: expected an end inside"),
    ("column past the last", r"postings\.common: expected -1 or a column from 0 to"),
    ("column of the wrong width", r"postings\.common_values: expected shape \(\d+, 8\), got \(\d+, 7\)"),
    ("NaN in a column", r"postings\.common_values: expected finite values"),
    ("built for other candidates", r"postings: built for 13 candidates, got 12 candidate rows"),
])
def test_the_kernels_refuse_broken_postings(how, message):
    """Postings the kernel would read out of bounds are refused before it runs; those from
    ``build_postings`` pass (and have common-term columns to break)."""
    rng = np.random.default_rng(0)
    m, n_terms = 12, 5
    dense = rng.random((m, n_terms)) < 0.5
    dense[:, 0] = True  # a term every candidate holds: a common-term column
    indptr = np.concatenate([[0], np.cumsum(dense.sum(1))]).astype(np.int64)
    indices = np.nonzero(dense)[1].astype(np.int32)
    nnz = len(indices)
    c = kernels.Rows(indptr, indices, np.full(nnz, 0.5, np.float32), np.ones(nnz, np.float32),
                     np.zeros(nnz, np.uint8), np.zeros(m, np.int32), np.ones(m))
    st_ = kernels.Settings(3, kernels.COSINE, False, kernels.ESSENTIAL_NONE, 0.0, False, False, False, 8.0)
    post = kernels.build_postings(c, n_terms, 8)
    assert (post.common >= 0).any()
    places = kernels.unfiltered_place(m), kernels.unfiltered_place(m)
    kernels.topk(st_, c, c, post, *places)  # the unbroken postings pass
    with pytest.raises(InputError, match=message):
        kernels.topk(st_, c, c, _broken_postings(post, how), *places)
