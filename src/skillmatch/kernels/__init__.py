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
    COMMON,
    COSINE,
    COVERAGE,
    ESSENTIAL_GATE,
    ESSENTIAL_NONE,
    ESSENTIAL_PENALTY,
    FIT,
    Place,
    Postings,
    Rows,
    Scratch,
    Settings,
    check_credit_inputs,
    check_exclusions,
    check_place,
    check_postings,
    check_rows,
    check_settings,
    tile_lengths,
    unfiltered_place,
)

__all__ = [
    "COMMON",
    "COSINE",
    "COVERAGE",
    "DEFAULT_TILE",
    "DENSE_FACTOR",
    "ESSENTIAL_GATE",
    "ESSENTIAL_NONE",
    "ESSENTIAL_PENALTY",
    "FIT",
    "Place",
    "Postings",
    "Rows",
    "Settings",
    "build_postings",
    "default_threads",
    "implementation",
    "related_credit",
    "topk",
    "unfiltered_place",
]

#: Candidates per tile: a float64 accumulator of 32k entries (256 KiB) stays in a core's
#: L2 cache with room for the postings streaming through (benchmarks/README.md).
DEFAULT_TILE = 32_768
#: A (row, tile) takes the dense path when its postings x DENSE_FACTOR >= the tile's
#: candidates: measured for cosine, coverage and fit, the sparse path wins below about one
#: posting per 10 candidates and loses above (benchmarks/bench_cutover.py,
#: benchmarks/README.md).
DENSE_FACTOR = 10.0


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
    """The candidates' rows regrouped by (tile, term): essential requirements first, then the
    others, candidates ascending within each part."""
    if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 1:
        raise InputError(f"tile: expected a positive integer, got {tile!r}")
    if check:
        check_rows(c, n_terms, "candidates")
    m = c.n_rows
    counts = np.diff(c.indptr)
    rows = np.repeat(np.arange(m, dtype=np.int64), counts)
    key = (rows // tile) * n_terms + c.indices
    essential = c.essential.astype(bool)
    # stable: candidates stay ascending within each part of a (tile, term)
    order = np.argsort(2 * key + ~essential, kind="stable")
    lengths = tile_lengths(tile, m)
    n_tiles = len(lengths)
    indptr = np.zeros(n_tiles * n_terms + 1, np.int64)
    np.cumsum(np.bincount(key, minlength=n_tiles * n_terms), out=indptr[1:])
    essential_end = indptr[:-1] + np.bincount(key[essential], minlength=n_tiles * n_terms)
    local = (rows[order] % tile).astype(np.int32)
    values, inv_levels = c.values[order], c.inv_levels[order]
    tile_scale = np.ones(n_tiles)
    if m:
        tile_scale = np.maximum.reduceat(np.asarray(c.scale, np.float64), np.arange(0, m, tile))
    common, col_values, col_inv, col_essential = _common_columns(indptr, essential_end, local, values, inv_levels,
                                                                 np.repeat(lengths, n_terms), max(1, min(tile, m)))
    return Postings(indptr, local, values, inv_levels, essential_end, tile_scale, common, col_values, col_inv,
                    col_essential, int(tile), int(n_terms), int(m))


def _common_columns(indptr: np.ndarray, essential_end: np.ndarray, local: np.ndarray, values: np.ndarray,
                    inv_levels: np.ndarray, length: np.ndarray,
                    width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``Postings``' common-term columns (``width`` entries each): each (tile, term) whose
    postings fill at least 1/COMMON of its tile's ``length`` candidates, heaviest first (then
    by tile and term), while the columns' entries do not outnumber all postings."""
    count = np.diff(indptr)
    heavy = np.flatnonzero(count * COMMON >= np.maximum(length, 1))
    heavy = heavy[np.argsort(-count[heavy], kind="stable")]
    heavy = heavy[np.cumsum(length[heavy]) <= len(local)]
    common = np.full(len(count), -1, np.int32)
    common[heavy] = np.arange(len(heavy), dtype=np.int32)
    shape = (len(heavy), width)
    col_values, col_inv, col_essential = np.zeros(shape, np.float32), np.zeros(shape, np.float32), np.zeros(shape, np.uint8)
    lens = count[heavy]  # the columns' postings, p, and the column of each
    starts = np.cumsum(lens) - lens
    p = np.arange(lens.sum(), dtype=np.int64) + np.repeat(indptr[heavy] - starts, lens)
    col, at = np.repeat(np.arange(len(heavy)), lens), local[p]
    col_values[col, at] = values[p]
    col_inv[col, at] = inv_levels[p]
    col_essential[col, at] = p < np.repeat(essential_end[heavy], lens)
    return common, col_values, col_inv, col_essential


_local = threading.local()


def _scratch(post: Postings) -> Scratch:
    """This thread's scratch for ``post``'s sizes, made once and reused (the kernel leaves it zeroed)."""
    width = max(16, -(-min(post.tile, max(post.n_candidates, 1)) // 16) * 16)
    cached = getattr(_local, "scratch", None)
    if cached is None or len(cached.met) != width:
        cached = Scratch(np.zeros(2 * width), np.zeros(width, np.uint8), np.empty(width, np.int32))
        _local.scratch = cached
    return cached


#: Rows per chunk handed to a thread: small enough that a thread held up by other work on the
#: machine leaves little behind for the others to wait on, large enough that the handing out
#: (about 30 us a chunk) stays under 1% of the work.
CHUNK_ROWS = 512


def _chunks(n: int, threads: int) -> list[tuple[int, int]]:
    """Consecutive row ranges for ``threads`` threads: at least 8 per thread, about CHUNK_ROWS rows each."""
    n_chunks = min(n, max(8 * threads, -(-n // CHUNK_ROWS)))
    return [(i * n // n_chunks, (i + 1) * n // n_chunks) for i in range(n_chunks)]


def _rank_rows(lo: int, hi: int, args: tuple) -> None:
    """Rows ``lo:hi`` on the calling thread, with this thread's scratch."""
    from .rank import rank_rows

    post = args[3]
    rank_rows(lo, hi, *args, _scratch(post))  # type: ignore[call-arg]  # numba's dispatcher takes any arguments


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
    if check:
        check_settings(st)
        check_postings(post)
        check_rows(q, post.n_terms, "queries")
        check_rows(c, post.n_terms, "candidates")
        if post.n_candidates != c.n_rows:
            raise InputError(f"postings: built for {post.n_candidates} candidates, got {c.n_rows} candidate rows")
        check_place(qp, q.n_rows, "query place")
        check_place(cp, c.n_rows, "candidate place")
        if exclude is not None:
            check_exclusions(exclude[0], exclude[1], q.n_rows, c.n_rows)
    n = q.n_rows
    if exclude is None:
        exclude = (np.zeros(n + 1, np.int64), np.zeros(0, np.int32))
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
    bounds = _chunks(n, threads)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(_rank_rows, lo, hi, args) for lo, hi in bounds]:
            future.result()
    return out_idx, out_score


def related_credit(held_indptr: np.ndarray, held_indices: np.ndarray, held_values: np.ndarray,
                   credit_indptr: np.ndarray, credit_indices: np.ndarray, credit_values: np.ndarray, *,
                   check: bool = True, n_threads: int | None = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Effective proficiency: ``eff[i, t] = max(held[i, t], max_s held[i, s] x credit[s, t])``.

    Takes the held levels and the (square) credit matrix as CSR arrays (int64 pointers,
    int32 sorted unique indices, float32 values; held levels finite and >= 0, credit in
    [0, 1]) and returns the CSR arrays of ``eff`` (indices sorted within each row) and a
    uint8 flag per entry: 1 when the person holds the skill at that value, 0 when the
    value comes through a related skill. ``check=False`` skips the checks for arrays the
    caller made and checked itself. ``n_threads`` (None: :func:`default_threads`) share
    the rows in consecutive chunks (:func:`_run_chunks`), joined in order.
    """
    if check:
        check_credit_inputs(held_indptr, held_indices, held_values, credit_indptr, credit_indices, credit_values)
    if implementation() == "python":
        from .reference import related_credit as credit_fn
    else:
        from .credit import related_credit as credit_fn

    def part(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a, b = held_indptr[lo], held_indptr[hi]
        return credit_fn(held_indptr[lo:hi + 1] - a, held_indices[a:b], held_values[a:b], credit_indptr,
                         credit_indices, credit_values)

    parts = _run_chunks(part, len(held_indptr) - 1, n_threads)
    if len(parts) == 1:
        return parts[0]
    indptr = np.zeros(len(held_indptr), np.int64)
    np.cumsum(np.concatenate([np.diff(p[0]) for p in parts]), out=indptr[1:])
    indices, values, direct = (np.concatenate([p[j] for p in parts]) for j in (1, 2, 3))
    return indptr, indices, values, direct


# --- gaps, pair scores and unlocks (kernels/gaps.py, twins in reference.py) ---------------------

from .gap_arrays import (  # noqa: E402  (kept with the dispatch that uses them)
    Demands,
    Effective,
    GapRows,
    Held,
    Overlay,
    Pairs,
    check_demands,
    check_effective,
    check_held,
    check_overlay,
    check_pairs,
    check_weight_table,
    empty_gap_rows,
    gap_rows_for,
    overlay_from_csr,
)

__all__ += ["Demands", "Effective", "GapRows", "Held", "Overlay", "Pairs", "empty_overlay", "gap_rows", "no_held",
            "overlay_from_csr", "score_pairs", "unlock_scan"]


def _run_chunks(fn, n: int, n_threads: int | None, *args) -> list:
    """``fn(lo, hi, *args)`` over ``n`` items cut in consecutive ranges, on up to ``n_threads`` threads; results in order."""
    threads = max(1, min(n_threads or default_threads(), n))
    if threads == 1:
        return [fn(0, n, *args)]
    bounds = _chunks(n, threads)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [f.result() for f in [pool.submit(fn, lo, hi, *args) for lo, hi in bounds]]


def empty_overlay(n_terms: int) -> Overlay:
    """An :class:`Overlay` of no bundles (no query row is raised)."""
    return Overlay(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32),
                   np.zeros(n_terms + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.int8),
                   np.zeros(0, np.uint8))


def no_held(n_rows: int) -> Held:
    """A :class:`Held` of n empty rows (for calls that raise no row under ``fit``)."""
    return Held(np.zeros(n_rows + 1, np.int64), np.zeros(0, np.int32))


def gap_rows(pairs: Pairs, people: Effective, work: Demands, weights: np.ndarray, n_terms: int, *,
             n_threads: int | None = None, check: bool = True) -> GapRows:
    """The gap of each (person, target) pair as CSR rows (formula: :mod:`.gaps`).

    Parameters
    ----------
    pairs : Pairs
        ``rows`` index people's rows, ``cols`` targets' rows (int32, n_pairs each).
    people : Effective
        Effective proficiency (with related-skill credit) of the people.
    work : Demands
        Requirements of the targets.
    weights : float64 (4,)
        Weight of each importance code (entry 0 unused).
    n_terms : int
        Number of concepts (columns).
    n_threads : int, optional
        Threads over pairs (default: :func:`default_threads`); the result is the same for
        every thread count.
    check : bool
        Check every array first; pass False only for arrays already checked.

    Returns
    -------
    GapRows
        One row per pair (empty for a pair whose target asks nothing or is met in full).
    """
    if check:
        check_effective(people, n_terms)
        check_demands(work, n_terms)
        check_pairs(pairs, len(people.indptr) - 1, len(work.indptr) - 1)
        check_weight_table(weights)
    if implementation() == "python":
        from . import reference

        return reference.gap_rows(pairs, people, work, weights)
    from .gaps import gap_rows as kernel

    n = len(pairs.rows)
    counts = np.zeros(n, np.int64)
    _run_chunks(kernel, n, n_threads, False, pairs, people, work, weights, counts, empty_gap_rows(n))
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    out = gap_rows_for(indptr)
    _run_chunks(kernel, n, n_threads, True, pairs, people, work, weights, counts, out)
    return out


def _check_scoring(st: Settings, q: Rows, c: Rows, qp: Place, cp: Place, n_terms: int) -> None:
    check_settings(st)
    check_rows(q, n_terms, "queries")
    check_rows(c, n_terms, "candidates")
    check_place(qp, q.n_rows, "query place")
    check_place(cp, c.n_rows, "candidate place")


def _check_raising(st: Settings, over: Overlay, n_terms: int, held: Held, n_rows: int) -> None:
    check_overlay(over, n_terms)
    check_held(held, n_rows, n_terms)
    if over.n_rows and (st.mode not in (COVERAGE, FIT) or st.req_on_query):
        raise InputError("overlay: raising query rows by levels needs coverage or fit scoring with people as queries "
                         "(settings.mode = COVERAGE or FIT, settings.req_on_query = False)")


def score_pairs(st: Settings, q: Rows, c: Rows, qp: Place, cp: Place, pairs: Pairs, n_terms: int, *,
                over: Overlay | None = None, raise_by: np.ndarray | None = None, held: Held | None = None,
                n_threads: int | None = None, check: bool = True) -> np.ndarray:
    """The score of each listed (query row, candidate) pair, as :func:`topk` scores it.

    Parameters
    ----------
    st, q, c, qp, cp
        As for :func:`topk` (``st.k`` is not read).
    pairs : Pairs
        ``rows`` index query rows, ``cols`` candidates (int32, n_pairs each).
    n_terms : int
    over : Overlay, optional
        Levels to raise query rows by (coverage or fit with people as queries only): the
        row of a person who completed the bundle (:mod:`.gaps`).
    raise_by : int32 (n_pairs), optional
        Overlay row for each pair, -1 for none (default: none raised).
    held : Held, optional
        The people's own skills (one row per query row); ``fit`` counts them with what a
        bundle teaches for the raised row's relevance. Default: none (then raising under
        ``fit`` is refused).

    Returns
    -------
    float32 (n_pairs)
        The score (bit for bit the one :func:`topk` returns when it ranks the pair); -inf
        where the place filters forbid the pair; 0 where the essential gate drops it.
    """
    n = len(pairs.rows)
    over = empty_overlay(n_terms) if over is None else over
    raise_by = np.full(n, -1, np.int32) if raise_by is None else raise_by
    if held is None:
        if check and st.mode == FIT and over.n_rows and (raise_by >= 0).any():
            raise InputError("held: raising rows under fit needs the people's own skills (skillmatch.kernels.Held)")
        held = no_held(q.n_rows)
    if check:
        _check_scoring(st, q, c, qp, cp, n_terms)
        check_pairs(pairs, q.n_rows, c.n_rows)
        _check_raising(st, over, n_terms, held, q.n_rows)
        raise_by = _as_int32(raise_by, "raise_by")
        if len(raise_by) != n or (n and (raise_by.min() < -1 or raise_by.max() >= over.n_rows)):
            raise InputError(f"raise_by: expected {n} overlay rows from -1 (none) to {over.n_rows - 1}")
    if implementation() == "python":
        from . import reference

        return reference.score_pairs(st, q, c, qp, cp, held, over, pairs.rows, raise_by, pairs.cols)
    from .gaps import score_pairs as kernel

    out = np.empty(n, np.float32)
    _run_chunks(kernel, n, n_threads, st, q, c, qp, cp, held, over, pairs.rows, raise_by, pairs.cols, out)
    return out


def _as_int32(array: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(array, np.ndarray) or array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise InputError(f"{name}: expected a 1-d integer array")
    return np.ascontiguousarray(array, np.int32)


def unlock_scan(st: Settings, q: Rows, c: Rows, qp: Place, cp: Place, held: Held, over: Overlay,
                q_language: np.ndarray, pair_indptr: np.ndarray, pair_cols: np.ndarray, theta: float, n_terms: int, *,
                n_threads: int | None = None,
                check: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which overlay rows (module bundles) lift which query rows' candidates to ``theta`` (:mod:`.gaps`).

    Parameters
    ----------
    st, q, c, qp, cp
        As for :func:`topk`; coverage or fit with people as queries.
    held : Held
        The people's own skills (``fit``'s relevance counts them; :func:`no_held` otherwise).
    over : Overlay
        The bundles' levels.
    q_language : int8 (n): the Dutch CEFR code of each query row's person (1 A1 … 6 C2;
        6 when unknown, so that nothing is left out); a bundle needing more is skipped.
    pair_indptr : int64 (n + 1), pair_cols : int32
        The candidates to look at for each query row (CSR; sorted, unique within a row).
    theta : float in (0, 1]
        A pair counts as a match when its float32 score is >= float32(theta).

    Returns
    -------
    rows int32, bundles int32, counts int32, values float64
        One entry per (row, bundle) that lifts at least one listed candidate from below
        ``theta`` to ``theta`` or more: the number lifted and the sum of their new float32
        scores. Sorted by row, then bundle.
    """
    if check:
        _check_scoring(st, q, c, qp, cp, n_terms)
        _check_raising(st, over, n_terms, held, q.n_rows)
        if st.mode not in (COVERAGE, FIT) or st.req_on_query:
            raise InputError("unlock_scan: expected coverage or fit scoring with people as queries")
        check_exclusions(pair_indptr, pair_cols, q.n_rows, c.n_rows, "pairs")
        lang = q_language
        if not isinstance(lang, np.ndarray) or lang.dtype != np.int8 or lang.shape != (q.n_rows,):
            raise InputError(f"q_language: expected an int8 array of {q.n_rows} CEFR codes")
        if not (isinstance(theta, (int, float, np.floating)) and 0.0 < float(theta) <= 1.0):
            raise InputError(f"theta: expected a number in (0, 1], got {theta!r}")
    if implementation() == "python":
        from . import reference

        return reference.unlock_scan(st, q, c, qp, cp, held, over, q_language, pair_indptr, pair_cols,
                                     float(theta))
    from .gaps import unlock_scan as kernel

    parts = _run_chunks(kernel, q.n_rows, n_threads, st, q, c, qp, cp, held, over, q_language, pair_indptr,
                        pair_cols, float(theta)) if q.n_rows else []
    if not parts:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
    rows, bundles, counts, values = (np.concatenate(a) for a in zip(*parts))
    order = np.lexsort((bundles, rows))
    return rows[order], bundles[order], counts[order], values[order]
