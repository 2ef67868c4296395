"""Our cosine top-k against sparse_dot_topn's on the same vectors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from skillmatch.kernels.cosine import CosineIndex

sdt = pytest.importorskip("sparse_dot_topn", reason="sparse-dot-topn is a dev extra")


def random_unit_rows(rng, n, n_terms, density):
    m = sp.random(n, n_terms, density=density, random_state=rng, format="csr", dtype=np.float32)
    m.data = rng.uniform(0.1, 1.0, size=m.nnz).astype(np.float32)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1))).ravel()
    norms[norms == 0] = 1
    return sp.csr_matrix(sp.diags(1 / norms) @ m, dtype=np.float32)


@pytest.mark.parametrize("seed", range(4))
def test_cosine_topk_equals_sparse_dot_topn(seed):
    rng = np.random.default_rng(seed)
    a = random_unit_rows(rng, 300, 500, 0.03)
    b = random_unit_rows(rng, 800, 500, 0.03)
    k = 10
    idx, scores = CosineIndex(b).query(a, k)
    theirs = sdt.sp_matmul_topn(a, b.T.tocsr(), top_n=k, n_threads=2, sort=True).tocsr()
    compared = 0
    for r in range(a.shape[0]):
        lo, hi = theirs.indptr[r], theirs.indptr[r + 1]
        t_idx, t_val = theirs.indices[lo:hi], theirs.data[lo:hi]
        mine = idx[r][idx[r] >= 0]
        assert len(mine) == len(t_idx)
        np.testing.assert_allclose(np.sort(scores[r][: len(mine)]), np.sort(t_val), rtol=1e-5)
        # ties aside: where the k-th score is unique, the sets of candidates are the same
        exact = np.asarray((a[r] @ b.T).todense()).ravel()
        if len(mine) == k and np.sum(np.isclose(exact, exact[mine[-1]], rtol=1e-5)) == 1:
            assert set(mine) == set(t_idx)
            compared += 1
    assert compared > 200
