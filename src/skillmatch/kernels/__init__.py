"""Kernels: numba top-k and related-skill credit, their NumPy twins, and the dispatch.

Layout::

    arrays.py     the named groups of typed arrays a kernel sees (Rows, Postings, Place,
                  Settings), the formula constants, and the one check at the API edge
    rank.py       numba: top-k over an inverted index in tiles (dense or sparse path)
    credit.py     numba: effective proficiency through related skills
    reference.py  NumPy twins of both, no numba
    cosine.py     CosineIndex: top-k cosine against fixed rows (used by label search)

This module dispatches: :func:`topk` and :func:`related_credit` run the numba kernels, or
the reference when ``SKILLMATCH_IMPLEMENTATION=python``. :func:`topk` checks every array
it is given unless the caller passes ``check=False`` for arrays it built and checked
itself (the candidate index does, once, when it is built). Importing this package
compiles nothing; numba loads on the first call.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..problems import InputError
from .arrays import (
    COSINE,
    COVERAGE,
    ESSENTIAL_GATE,
    ESSENTIAL_NONE,
    ESSENTIAL_PENALTY,
    Place,
    Postings,
    Rows,
    Scratch,
    Settings,
    check_credit_inputs,
    check_exclusions,
    check_place,
    check_rows,
    check_settings,
    unfiltered_place,
)

__all__ = [
    "COSINE", "COVERAGE", "ESSENTIAL_GATE", "ESSENTIAL_NONE", "ESSENTIAL_PENALTY", "Place", "Postings", "Rows",
    "Settings", "DEFAULT_TILE", "DENSE_FACTOR", "build_postings", "default_threads", "implementation",
    "related_credit", "topk", "unfiltered_place",
]

#: Candidates per tile: a float64 accumulator of 32k entries (256 KiB) stays in a core's
#: L2 cache with room for the postings streaming through (benchmarks/README.md).
DEFAULT_TILE = 32_768
#: A (row, tile) takes the dense path when its postings x DENSE_FACTOR >= the tile's
#: candidates (measured cut-over, benchmarks/README.md).
DENSE_FACTOR = 8.0


def implementation() -> str:
    """'numba' (default) or 'python' (the NumPy reference), from ``SKILLMATCH_IMPLEMENTATION``."""
    value = os.environ.get("SKILLMATCH_IMPLEMENTATION", "numba").lower()
    if value not in ("numba", "python"):
        raise InputError(f"SKILLMATCH_IMPLEMENTATION: expected 'numba' or 'python', got {value!r}")
    return value


def default_threads() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def build_postings(c: Rows, n_terms: int, tile: int = DEFAULT_TILE, *, check: bool = True) -> Postings:
    """The candidates' rows regrouped by (tile, term), candidates ascending within each."""
    if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 1:
        raise InputError(f"tile: expected a positive integer, got {tile!r}")
    if check:
        check_rows(c, n_terms, "candidates")
    m = c.n_rows
    counts = np.diff(c.indptr)
    rows = np.repeat(np.arange(m, dtype=np.int64), counts)
    key = (rows // tile) * n_terms + c.indices
    order = np.argsort(key, kind="stable")  # stable: candidates stay ascending within a (tile, term)
    n_tiles = max(1, -(-m // tile))
    indptr = np.zeros(n_tiles * n_terms + 1, np.int64)
    np.cumsum(np.bincount(key, minlength=n_tiles * n_terms), out=indptr[1:])
    local = (rows[order] % tile).astype(np.int32)
    tile_scale = np.ones(n_tiles)
    if m:
        starts = np.arange(0, m, tile)
        tile_scale = np.maximum.reduceat(np.asarray(c.scale, np.float64), starts)
    return Postings(indptr, local, c.values[order], c.inv_levels[order], tile_scale, int(tile), int(n_terms), int(m))


_local = threading.local()


def _scratch(post: Postings) -> Scratch:
    """This thread's scratch for ``post``'s sizes, made once and reused (the kernel leaves it zeroed)."""
    width = max(16, -(-min(post.tile, max(post.n_candidates, 1)) // 16) * 16)
    cached = getattr(_local, "scratch", None)
    if cached is None or len(cached.acc) != width or len(cached.qmark) != post.n_terms:
        cached = Scratch(np.zeros(width), np.empty(width, np.int32), np.zeros(post.n_terms, np.uint8))
        _local.scratch = cached
    return cached


def _rank_rows(lo: int, hi: int, args: tuple) -> None:
    """Rows ``lo:hi`` on the calling thread, with this thread's scratch."""
    from .rank import rank_rows

    post = args[3]
    rank_rows(lo, hi, *args, _scratch(post))


def topk(st: Settings, q: Rows, c: Rows, post: Postings, qp: Place, cp: Place,
         exclude: tuple[np.ndarray, np.ndarray] | None = None, *, n_threads: int | None = None,
         check: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The ``st.k`` best candidates for each query row, under the ranking contract.

    Parameters
    ----------
    st : Settings
    q, c : Rows
        Query rows (n) and candidate rows (m) over the same ``post.n_terms`` terms.
    post : Postings
        ``build_postings(c, n_terms)``.
    qp, cp : Place
        Places of the queries and the candidates.
    exclude : (indptr int64 (n + 1), indices int32), optional
        Per query row, candidates never to return.
    n_threads : int, optional
        Threads over query rows (default: :func:`default_threads`). Results are the same
        for every thread count.
    check : bool
        Check every array first (:mod:`.arrays`); pass False only for arrays already
        checked.

    Returns
    -------
    indices : int32 (n, k), scores : float32 (n, k)
        Best first; ties by candidate index; padded with -1 and -inf.
    """
    n, m = q.n_rows, c.n_rows
    if exclude is None:
        exclude = (np.zeros(n + 1, np.int64), np.zeros(0, np.int32))
    if check:
        check_settings(st)
        check_rows(q, post.n_terms, "queries")
        check_rows(c, post.n_terms, "candidates")
        if post.n_candidates != m:
            raise InputError(f"postings: built for {post.n_candidates} candidates, got {m} candidate rows")
        check_place(qp, n, "query place")
        check_place(cp, m, "candidate place")
        check_exclusions(exclude[0], exclude[1], n, m)
    if implementation() == "python":
        from . import reference

        return reference.topk(st, q, c, qp, cp, *exclude)
    k = int(st.k)
    out_idx = np.empty((n, k), np.int32)
    out_score = np.empty((n, k), np.float32)
    threads = max(1, min(n_threads or default_threads(), n))
    args = (st, q, c, post, qp, cp, exclude[0], exclude[1], out_idx, out_score)
    if threads == 1:
        _rank_rows(0, n, args)
        return out_idx, out_score
    # more chunks than threads evens out rows of unequal cost
    n_chunks = min(n, 8 * threads)
    bounds = [(i * n // n_chunks, (i + 1) * n // n_chunks) for i in range(n_chunks)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(_rank_rows, lo, hi, args) for lo, hi in bounds]:
            future.result()
    return out_idx, out_score


def related_credit(held_indptr: np.ndarray, held_indices: np.ndarray, held_values: np.ndarray,
                   credit_indptr: np.ndarray, credit_indices: np.ndarray, credit_values: np.ndarray, *,
                   check: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Effective proficiency: ``eff[i, t] = max(held[i, t], max_s held[i, s] x credit[s, t])``.

    Takes the held levels and the (square) credit matrix as CSR arrays (int64 pointers,
    int32 sorted unique indices, float32 values; held levels finite and >= 0, credit in
    [0, 1]) and returns the CSR arrays of ``eff`` (indices sorted within each row) and a
    uint8 flag per entry: 1 when the person holds the skill at that value, 0 when the
    value comes through a related skill. ``check=False`` skips the checks for arrays the
    caller made and checked itself.
    """
    if check:
        check_credit_inputs(held_indptr, held_indices, held_values, credit_indptr, credit_indices, credit_values)
    if implementation() == "python":
        from .reference import related_credit as credit_fn
    else:
        from .credit import related_credit as credit_fn
    indptr, indices, values, direct = credit_fn(held_indptr, held_indices, held_values, credit_indptr,
                                                credit_indices, credit_values)
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    order = np.lexsort((indices, rows))
    return indptr, indices[order], values[order], direct[order]
