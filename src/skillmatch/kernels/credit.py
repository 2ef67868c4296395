"""The numba related-credit kernel: effective proficiency through related skills.

Its NumPy twin is :func:`.reference.related_credit`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Rows of at most this many effective skills are sorted by insertion, longer ones by numba's sort.
SHORT_ROW = 64


@njit(nogil=True, cache=True)
def related_credit(h_indptr, h_indices, h_val, r_indptr, r_indices, r_val):
    """Effective proficiency with credit through related skills.

    For person i and skill t: ``eff[i, t] = max(held[i, t], max_s held[i, s] * credit[s, t])``
    with ``credit`` the related-skill matrix (values in (0, 1], zero diagonal). Returns the
    CSR arrays (int64 indptr, int32 indices, float32 values) of ``eff`` and a uint8 flag per
    entry: 1 when the person holds the skill at that value, 0 when the value comes through
    a related skill. Values are computed in float64 and stored as float32. Indices come
    out sorted within each row: each row's terms are collected, sorted in place (by
    insertion up to :data:`SHORT_ROW` terms: numba's sort took 57% of the kernel's time on
    rows of ~40), and only then read back from the dense ``best`` (sorting the pairs after
    the call, a lexsort of every entry in NumPy, took 7x the kernel's time). Serial: callers
    share the rows over threads.
    """
    n = h_indptr.shape[0] - 1
    n_terms = r_indptr.shape[0] - 1
    best = np.zeros(n_terms, np.float64)
    direct = np.zeros(n_terms, np.uint8)
    out_indptr = np.zeros(n + 1, np.int64)
    # pass 1: row sizes; seen[t] == i marks t as counted for row i, so nothing needs clearing
    seen = np.full(n_terms, -1, np.int64)
    for i in range(n):
        count = 0
        for p in range(h_indptr[i], h_indptr[i + 1]):
            s = h_indices[p]
            if seen[s] != i:
                seen[s] = i
                count += 1
            for q in range(r_indptr[s], r_indptr[s + 1]):
                t = r_indices[q]
                if seen[t] != i:
                    seen[t] = i
                    count += 1
        out_indptr[i + 1] = out_indptr[i] + count
    nnz = out_indptr[n]
    out_indices = np.empty(nnz, np.int32)
    out_val = np.empty(nnz, np.float32)
    out_direct = np.empty(nnz, np.uint8)
    # pass 2: values
    for i in range(n):
        base = out_indptr[i]
        count = 0
        for p in range(h_indptr[i], h_indptr[i + 1]):
            s = h_indices[p]
            v = np.float64(h_val[p])
            if best[s] == 0.0:
                out_indices[base + count] = s
                count += 1
            if v >= best[s]:
                best[s] = v
                direct[s] = 1
        for p in range(h_indptr[i], h_indptr[i + 1]):
            s = h_indices[p]
            v = np.float64(h_val[p])
            for q in range(r_indptr[s], r_indptr[s + 1]):
                t = r_indices[q]
                credit = v * np.float64(r_val[q])
                if best[t] == 0.0:
                    out_indices[base + count] = t
                    count += 1
                if credit > best[t]:
                    best[t] = credit
                    direct[t] = 0
        if count <= SHORT_ROW:
            for j in range(base + 1, base + count):
                t = out_indices[j]
                h = j
                while h > base and out_indices[h - 1] > t:
                    out_indices[h] = out_indices[h - 1]
                    h -= 1
                out_indices[h] = t
        else:
            out_indices[base:base + count].sort()
        for j in range(base, base + count):
            t = out_indices[j]
            out_val[j] = best[t]
            out_direct[j] = direct[t]
            best[t] = 0.0
            direct[t] = 0
    return out_indptr, out_indices, out_val, out_direct
