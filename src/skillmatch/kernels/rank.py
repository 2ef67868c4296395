"""The numba top-k kernel: a branch-free scatter into a dense accumulator, block-max selection.

How :func:`rank_rows` ranks one query row against the candidates, tile by tile (a tile is
``postings.tile`` consecutive candidates, sized so that one thread's float64 accumulator
stays in cache; 20k candidates are one tile, 1M are ~30):

1. **scatter** — the query's terms, in ascending order, add each posting of the tile into
   the accumulator: ``acc[c] += value`` with no test at all (cosine: ``q x v``; coverage:
   ``w x min(1, held x 1/level)``). Every candidate's sum therefore runs in the order of its
   own row, exactly as the NumPy reference sums it, so scores are equal bit for bit. A
   term that at least 1/8 of the tile holds is added as a whole column instead
   (:class:`.arrays.Postings`): the same additions, plus exact zeros for the candidates
   without it, in a loop without indices (cosine's and coverage's compile to vector
   instructions; ``fit``'s two interleaved sums stay scalar).
2. **selection** — the candidates fall into blocks of (at most) 16, block b holding the
   candidates b, b + n, b + 2n, ... of a tile cut into n blocks, so that every block's
   bound (its largest score) comes from one element-by-element maximum of 16 runs of the
   accumulator, which compiles to vector instructions. One pass over the bounds keeps the
   blocks with the k best; those blocks are ranked
   first, which lifts the k-th best close to its final value at once, and then every other
   block whose bound can still pass. There each candidate that would enter the top k is
   tested against the exclusions and filters, its met essential requirements are read
   (the penalty only lowers a score), and it is inserted. Filters, exclusions and the
   penalty thus cost nothing in the scatter and are paid only by the few candidates that
   reach the top k.

**Dense or sparse.** A row that touches few of a tile's candidates (short profiles against
a large tile) would waste the dense scan; such a (row, tile) takes the sparse path: the
scatter also copies each posting's candidate into a list (a plain copy of the postings'
candidate indices, repeats included, with no test), and selection visits only those,
zeroing each sum as it reads it, so that a repeat reads 0 and is passed over. The choice is
made per (row, tile) from an exact count of the postings it will read: dense when
``postings x dense_factor >= tile size`` (or when the list would not fit in the tile's
width). The cost model and the measured cut-over are in ``benchmarks/README.md``.

The ranking contract: per query row, the ``k`` best candidates with a score > 0 that pass
the filters, by float32 score descending, then candidate index ascending; padded with -1 and
-inf. Tiles are visited in ascending order and the top-k list carries over from one to the
next, so the result does not depend on the tile size, the path taken or the thread count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .arrays import COSINE, EARTH_KM, ESSENTIAL_GATE, ESSENTIAL_NONE, FIT

BLOCK = 16
#: A dense selection first visits the blocks with the min(k, FIRST_BLOCKS) best bounds.
FIRST_BLOCKS = 32


@njit(nogil=True, cache=True, inline="always")
def _better(s1, i1, s2, i2):
    return s1 > s2 or (s1 == s2 and i1 < i2)


@njit(nogil=True, cache=True, inline="always")
def _insert(top_s, top_i, n_top, s, d):
    """Insert (s, d) into the sorted top arrays; the caller checked that it belongs there."""
    k = top_s.shape[0]
    if n_top < k:
        pos = n_top
        n_top += 1
    else:
        pos = k - 1
    while pos > 0 and _better(s, d, top_s[pos - 1], top_i[pos - 1]):
        top_s[pos] = top_s[pos - 1]
        top_i[pos] = top_i[pos - 1]
        pos -= 1
    top_s[pos] = s
    top_i[pos] = d
    return n_top


@njit(nogil=True, cache=True)
def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points given in radians."""
    a = math.sin((lat2 - lat1) * 0.5) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) * 0.5) ** 2
    return 2.0 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


@njit(nogil=True, cache=True)
def _allowed(d, cp_region, cp_geo, cp_hours, cp_needs, cp_offers, q_region, q_lat, q_lon, q_km, q_from, q_to,
             q_needs, q_offers, use_hours):
    """Whether candidate d may be ranked for a query with the given place (rules: :class:`.arrays.Place`).

    Called only for the few candidates that would enter a top list, with the query's side
    as scalars: each array argument of a call that numba does not inline costs reference
    counting (benchmarks/README.md).
    """
    if q_region >= 0 and cp_region[d] != q_region:
        return False
    max_km = q_km
    if cp_geo[d, 2] > 0.0 and (max_km <= 0.0 or cp_geo[d, 2] < max_km):
        max_km = cp_geo[d, 2]
    if max_km > 0.0:
        if math.isnan(cp_geo[d, 0]) or math.isnan(q_lat):
            return False
        if haversine_km(q_lat, q_lon, cp_geo[d, 0], cp_geo[d, 1]) > max_km:
            return False
    if use_hours and max(q_from, cp_hours[d, 0]) > min(q_to, cp_hours[d, 1]):
        return False
    if (q_needs & ~cp_offers[d]) != 0 or (cp_needs[d] & ~q_offers) != 0:
        return False
    return True


@njit(nogil=True, cache=True)
def _excluded(d, ex_indices, lo, hi):
    """Whether d is among the sorted ``ex_indices[lo:hi]``."""
    end = hi
    while lo < hi:
        mid = (lo + hi) // 2
        if ex_indices[mid] < d:
            lo = mid + 1
        else:
            hi = mid
    return lo < end and ex_indices[lo] == d


@njit(nogil=True, cache=True, inline="always")
def _floor(kth):
    """The float64 score a candidate must exceed to enter a full top list whose k-th best is
    ``kth``: the float32 just under it, since a tie may still win on a lower index."""
    return np.float64(np.nextafter(kth, np.float32(-np.inf)))


@njit(nogil=True, cache=True, inline="always")
def _capped(x):
    """min(1, x), written so that it compiles to a branch-free minimum."""
    return x if x < 1.0 else 1.0


@njit(nogil=True, cache=True, fastmath={"nnan", "nsz"})
def _add_column(acc, met, count_met, cosine, fit, req_on_query, qv, q_inv, values, inv_levels, essential, length):
    """:func:`_scatter` for a common term: the same sums over all ``length`` candidates of
    the tile, a candidate without the term adding exactly 0 (its value and inverse level
    are 0). ``count_met``: add the term's essential flags (people as candidates: presence)
    to ``met``."""
    if cosine:
        for i in range(length):
            acc[i] += qv * np.float64(values[i])
    elif fit and req_on_query:
        for i in range(length):
            f = _capped(np.float64(values[i]) * q_inv)
            acc[2 * i] += qv * f
            acc[2 * i + 1] += f
    elif fit:
        for i in range(length):
            f = _capped(qv * np.float64(inv_levels[i]))
            acc[2 * i] += np.float64(values[i]) * f
            acc[2 * i + 1] += f
    elif req_on_query:
        for i in range(length):
            acc[i] += qv * _capped(np.float64(values[i]) * q_inv)
    else:
        for i in range(length):
            acc[i] += np.float64(values[i]) * _capped(qv * np.float64(inv_levels[i]))
    if count_met:
        if req_on_query:
            for i in range(length):
                met[i] += np.uint8(values[i] > 0.0)
        else:
            for i in range(length):
                met[i] += essential[i]


# nnan/nsz let ``_capped`` compile to one minsd instead of a branch that mispredicts on about
# half of the postings; they permit no reassociation or contraction, so every sum is the
# reference's, bit for bit (no NaN reaches a kernel: the API edge rejects it).
@njit(nogil=True, cache=True, fastmath={"nnan", "nsz"})
def _scatter(acc, met, touched, sparse, track, st, q, r, post, off, length):
    """Add row r's postings in one tile of ``length`` candidates into ``acc`` (FIT: pairs
    ``acc[2c], acc[2c + 1]``); count met essential requirements into ``met`` when
    ``track``; on the sparse path also list every posting's candidate in ``touched``
    (repeats included) and return how many."""
    n_touched = 0
    cosine, fit, req_on_query = st.mode == COSINE, st.mode == FIT, st.req_on_query
    for j in range(q.indptr[r], q.indptr[r + 1]):
        t = q.indices[j]
        qv = np.float64(q.values[j])
        q_inv = np.float64(q.inv_levels[j])
        col = post.common[off + t]
        if col >= 0 and not sparse:  # a common term: its whole column, no index per entry
            count_met = track and not cosine and (not req_on_query or q.essential[j] != 0)
            _add_column(acc, met, count_met, cosine, fit, req_on_query, qv, q_inv, post.common_values[col],
                        post.common_inv_levels[col], post.common_essential[col], length)
            continue
        lo, hi = post.indptr[off + t], post.indptr[off + t + 1]
        if sparse:  # a copy, no test: a first-touch test per posting cost more than the repeats it saves
            for p in range(lo, hi):
                touched[n_touched + p - lo] = post.local[p]
            n_touched += hi - lo
        if cosine:
            for p in range(lo, hi):
                acc[post.local[p]] += qv * np.float64(post.values[p])
        elif fit and req_on_query:  # query = requirements (weight qv, 1/level q_inv), candidates hold levels
            for p in range(lo, hi):
                c = post.local[p]
                f = _capped(np.float64(post.values[p]) * q_inv)
                acc[2 * c] += qv * f
                acc[2 * c + 1] += f
            if track and q.essential[j]:
                for p in range(lo, hi):
                    met[post.local[p]] += 1
        elif fit:  # candidates = requirements, the query holds levels
            for p in range(lo, hi):
                c = post.local[p]
                f = _capped(qv * np.float64(post.inv_levels[p]))
                acc[2 * c] += np.float64(post.values[p]) * f
                acc[2 * c + 1] += f
            if track:  # the term's essential requirements come first
                for p in range(lo, post.essential_end[off + t]):
                    met[post.local[p]] += 1
        elif req_on_query:
            if track and q.essential[j]:
                for p in range(lo, hi):
                    c = post.local[p]
                    acc[c] += qv * _capped(np.float64(post.values[p]) * q_inv)
                    met[c] += 1
            else:
                for p in range(lo, hi):
                    acc[post.local[p]] += qv * _capped(np.float64(post.values[p]) * q_inv)
        elif track:  # candidates = requirements, the query holds levels; count met essentials too
            mid = post.essential_end[off + t]  # the term's essential requirements come first
            for p in range(lo, mid):
                c = post.local[p]
                acc[c] += np.float64(post.values[p]) * _capped(qv * np.float64(post.inv_levels[p]))
                met[c] += 1
            for p in range(mid, hi):
                acc[post.local[p]] += np.float64(post.values[p]) * _capped(qv * np.float64(post.inv_levels[p]))
        else:
            for p in range(lo, hi):
                acc[post.local[p]] += np.float64(post.values[p]) * _capped(qv * np.float64(post.inv_levels[p]))
    return n_touched


@njit(nogil=True, cache=True, inline="always")
def _tangents(f, a):
    """For :func:`_may_exceed`: (f, f^(1/(1-a)), f^(1/a)), computed once per floor."""
    if f <= 0.0 or a >= 1.0:
        return f, 1.0, 1.0
    return f, f ** (1.0 / (1.0 - a)), f ** (1.0 / a)


@njit(nogil=True, cache=True, inline="always")
def _may_exceed(c, r, a, f, r1, c3):
    """Whether C^a R^(1-a) can exceed f > 0, from three tangents of that curve, at (1, r1 =
    f^(1/(1-a))), (f, f) and (c3 = f^(1/a), 1): by weighted AM >= GM a point above the curve
    lies above each tangent. Costs no power of C or R."""
    b = 1.0 - a
    if b <= 0.0:  # coverage alone
        return c > f
    return (a * c + b * r > f) and (a * c + b * r / r1 > 1.0) and (a * c / c3 + b * r > 1.0)


@njit(nogil=True, cache=True)
def _block_maxima(top, top_r, acc, length, n_blocks, fit, req_on_query, c_scale, base):
    """The largest sum of each block of a tile's ``length`` candidates into ``top`` (FIT: the
    largest first sum into ``top``, the largest second sum into ``top_r``, for people as
    candidates times their own scale). Block b holds the candidates b, b + n_blocks,
    b + 2 n_blocks, ... below ``length`` (at most 16), so its maximum is taken over 16 runs
    of the accumulator laid side by side, element by element: loops that compile to vector
    instructions, where a maximum within 16 consecutive sums compiled to a chain of scalar
    ones (benchmarks/README.md, "Blocks across the tile"). Each run is a slice: indexed
    from the whole array, the compiler turned the loop inside out into gathers."""
    if not fit:
        for b in range(n_blocks):  # n_blocks <= length: every block has candidate b
            top[b] = acc[b]
        for i in range(1, BLOCK):
            off = i * n_blocks
            run = acc[off:off + min(n_blocks, length - off)]
            for b in range(run.shape[0]):
                x = run[b]
                y = top[b]
                top[b] = x if x > y else y
        return
    for b in range(n_blocks):
        top[b] = acc[2 * b]
        top_r[b] = acc[2 * b + 1] * (c_scale[base + b] if req_on_query else 1.0)
    for i in range(1, BLOCK):
        off = i * n_blocks
        end = max(0, min(n_blocks, length - off))
        run = acc[2 * off:2 * (off + end)]
        scale = c_scale[base + off:base + off + end]
        for b in range(end):
            x = run[2 * b]
            y = top[b]
            top[b] = x if x > y else y
            x = run[2 * b + 1] * scale[b] if req_on_query else run[2 * b + 1]
            y = top_r[b]
            top_r[b] = x if x > y else y


@njit(nogil=True, cache=True, inline="always")
def _select(sparse, fit, st, acc, met, touched, n_touched, length, base, bound_scale, top_s, top_i, n_top, c, cp,
            ex_indices, row, block_bound, block_r, first):
    """Selection over one tile's accumulator (the candidates ``base:base + length``): each
    candidate that enters the top list goes in, every sum used is zeroed; returns the new
    length of the top list. ``sparse`` is a constant where it is inlined: the dense and the
    sparse selection compile apart, each without the other's branches (one loop serving
    both ran 1.3-1.5x slower; benchmarks/README.md).

    Dense: block b holds the candidates b, b + n_blocks, b + 2 n_blocks, ... (at most 16).
    :func:`_block_maxima` takes each block's largest sums, then a pass over the blocks keeps
    every block's bound in ``block_bound`` and the ``len(first)`` blocks with the best
    bounds in ``first``, best first; those blocks are ranked first,
    which lifts the k-th best close to its final value at once, and then, in order, every
    other block whose bound still passes. In index order alone the k-th best rose slowly,
    and with the essential penalty (which a bound cannot see) about three times as many
    blocks got through (benchmarks/README.md, "Best blocks first").

    ``row``: the query row's scale, essential count, exclusion range, whether any check
    applies, and its place (region, lat, lon, km, hours from, to, needs, offers).
    """
    qs, q_n_essential, ex_lo, ex_hi, checks, q_region, q_lat, q_lon, q_km, q_from, q_to, q_needs, q_offers = row
    k = top_s.shape[0]
    essential, penalty, req_on_query, expo, scaled = st.essential, st.penalty, st.req_on_query, st.exponent, st.scaled
    track = essential != ESSENTIAL_NONE
    c_scale, c_n_essential = c.scale, c.n_essential
    cp_region, cp_geo, cp_hours, cp_needs, cp_offers = cp.region, cp.geo, cp.hours, cp.needs, cp.offers
    # Selection: one comparison with ``floor`` turns almost every candidate away. Neither
    # path visits candidates in index order (sparse: posting order; dense: the best blocks
    # first), so a tie with the k-th best can still win on its lower index: floor = the
    # float32 just under the k-th best. Dense works in blocks of (at most) 16 candidates;
    # a block whose bound cannot pass is only zeroed.
    floor = 0.0 if n_top < k else _floor(top_s[k - 1])
    f_fit, r1_fit, c3_fit = _tangents(floor / bound_scale if fit and n_top == k else 0.0, expo)
    n_blocks = (length + BLOCK - 1) // BLOCK
    n_first = 0
    if sparse:
        n_steps = n_touched
    else:
        _block_maxima(block_bound, block_r, acc, length, n_blocks, fit, req_on_query, c_scale, base)
        if fit:  # a·max C + (1 - a)·max R bounds C^a·R^(1-a) (weighted AM >= GM)
            r_scale = 1.0 if req_on_query else qs  # people as candidates: their own 1 / U, already in block_r
            for b in range(n_blocks):
                block_bound[b] = expo * block_bound[b] + (1.0 - expo) * _capped(block_r[b] * r_scale)
        # Bounds stay unscaled (one pass less; the scale is positive, so the order is the
        # same): ``last``, the bound the n_want-th best block must beat, starts at the
        # floor divided by the scale, and a block passes when bound x scale > floor.
        n_want = first.shape[0]
        last = floor / bound_scale if bound_scale > 0.0 else np.inf
        for b in range(n_blocks):
            bound = block_bound[b]
            if bound > last:  # b is among the n_want best blocks so far: insert it, best first
                pos = n_first if n_first < n_want else n_want - 1
                n_first = max(n_first, pos + 1)
                while pos > 0 and block_bound[first[pos - 1]] < bound:
                    first[pos] = first[pos - 1]
                    pos -= 1
                first[pos] = b
                if n_first == n_want:
                    last = block_bound[first[n_want - 1]]
        n_steps = n_first + n_blocks
    for step in range(n_steps):
        if sparse:
            lo = touched[step]
            hi = lo + 1
            stride = 1
        else:
            b = first[step] if step < n_first else step - n_first
            if not (block_bound[b] * bound_scale > floor):
                continue  # no candidate of the block can enter (or it was visited first)
            if step < n_first:
                block_bound[b] = -1.0
            lo = b
            hi = length
            stride = n_blocks
        for i in range(lo, hi, stride):
            if not sparse:  # most candidates of a block that passed fall short of its bound: test it first
                if fit:
                    pre = expo * acc[2 * i] + (1.0 - expo) * acc[2 * i + 1] * (c_scale[base + i] if req_on_query else qs)
                else:
                    pre = acc[i]
                if not (pre * bound_scale > floor):
                    continue
            d = base + i
            n_met = 0
            if track:
                n_met = met[i]
                if sparse:
                    met[i] = 0  # dense tiles clear ``met`` whole, below
            if fit:
                cov, matched = acc[2 * i], acc[2 * i + 1]
                if sparse:  # dense blocks are zeroed whole, below
                    acc[2 * i] = 0.0
                    acc[2 * i + 1] = 0.0
                relevance = _capped(matched * (c_scale[d] if req_on_query else qs))
                work_scale = qs if req_on_query else c_scale[d]
                # skip the powers unless (C, R) lies on the right of three lines that
                # touch the curve C^a R^(1-a) = floor / scale (weighted AM >= GM), and, with
                # essential requirements missing, of the one at floor / (scale x penalty)
                if n_top == k:
                    if not _may_exceed(cov, relevance, expo, f_fit, r1_fit, c3_fit):
                        continue
                    if track:
                        n_e = q_n_essential if req_on_query else c_n_essential[d]
                        if n_met < n_e:
                            kept = 0.0 if essential == ESSENTIAL_GATE else 1.0 - penalty * (n_e - n_met) / n_e
                            if not (kept > 0.0 and expo * cov + (1.0 - expo) * relevance > f_fit / kept):
                                continue
                s = (cov ** expo * relevance ** (1.0 - expo)) * work_scale
            else:
                a = acc[i]
                if sparse:
                    acc[i] = 0.0
                s = (a * c_scale[d]) * qs if scaled else a * qs
            if not (s > floor and (n_top < k or _better(np.float32(s), d, top_s[k - 1], top_i[k - 1]))):
                continue
            if checks:
                if ex_lo != ex_hi and _excluded(d, ex_indices, ex_lo, ex_hi):
                    continue
                if st.filtered and not _allowed(d, cp_region, cp_geo, cp_hours, cp_needs, cp_offers, q_region,
                                                q_lat, q_lon, q_km, q_from, q_to, q_needs, q_offers, st.hours):
                    continue
                if track:
                    n_e = q_n_essential if req_on_query else c_n_essential[d]
                    if n_e > 0:
                        missing = n_e - n_met
                        if missing > 0:
                            if essential == ESSENTIAL_GATE:
                                continue
                            s *= 1.0 - penalty * missing / n_e
                s32 = np.float32(s)
                if not (s32 > 0.0 and (n_top < k or _better(s32, d, top_s[k - 1], top_i[k - 1]))):
                    continue
            n_top = _insert(top_s, top_i, n_top, np.float32(s), d)
            if n_top == k:
                floor = _floor(top_s[k - 1])
                if fit:
                    f_fit, r1_fit, c3_fit = _tangents(floor / bound_scale, expo)
    if not sparse:  # zero every block, padding included
        for i in range((2 if fit else 1) * n_blocks * BLOCK):
            acc[i] = 0.0
    return n_top


@njit(nogil=True, cache=True)
def rank_rows(start, end, st, q, c, post, qp, cp, ex_indptr, ex_indices, out_idx, out_score, scratch):
    """Top-k candidates for query rows ``start:end``, written into their output rows.

    Serial and ``nogil``: callers run disjoint row ranges on several threads at once; each
    call owns its accumulator, so results do not depend on how rows are split.

    Parameters
    ----------
    start, end : int
    st : Settings
    q, c : Rows
        The query rows and the candidates' own rows (the latter read only for essential
        counts and scales).
    post : Postings
        The candidates' inverted index in tiles.
    qp, cp : Place
        Query and candidate places, for the filters.
    ex_indptr, ex_indices : int64 (n + 1), int32
        Per query row, candidate indices never to return (sorted, unique).
    out_idx : int32 (n, k); out_score : float32 (n, k)
        Written in place.
    scratch : Scratch
        This thread's accumulators (all zero on entry; left all zero).
    """
    fit = st.mode == FIT
    k = st.k
    m = post.n_candidates
    tile = post.tile
    n_tiles = (m + tile - 1) // tile
    acc = scratch.acc  # whole blocks; the padding after the last candidate stays 0
    met = scratch.met  # essential requirements met, per candidate of the tile (when tracked)
    touched = scratch.touched
    top_s = np.empty(k, np.float32)
    top_i = np.empty(k, np.int32)
    block_bound = np.empty((tile + BLOCK - 1) // BLOCK)
    block_r = np.empty_like(block_bound)  # FIT: each block's largest second sum
    first = np.empty(min(k, FIRST_BLOCKS), np.int32)  # the blocks a dense selection visits first
    req_on_query = st.req_on_query
    track = st.essential != ESSENTIAL_NONE
    dense_factor = st.dense_factor
    n_terms = post.n_terms
    p_indptr = post.indptr
    tile_scale = post.tile_scale  # the largest candidate scale per tile, for the block bound

    for r in range(start, end):
        q_lo, q_hi = q.indptr[r], q.indptr[r + 1]
        ex_lo, ex_hi = ex_indptr[r], ex_indptr[r + 1]
        # the checks a candidate must pass before it enters the top list (rarely any)
        checks = st.filtered or track or ex_lo != ex_hi
        q_region, q_lat, q_lon, q_km = qp.region[r], qp.geo[r, 0], qp.geo[r, 1], qp.geo[r, 2]
        q_from, q_to, q_needs, q_offers = qp.hours[r, 0], qp.hours[r, 1], qp.needs[r], qp.offers[r]
        q_n_essential = q.n_essential[r]
        qs = q.scale[r]
        n_top = 0
        for b in range(n_tiles):
            base = b * tile
            length = min(tile, m - base)
            off = b * n_terms
            work = 0
            for j in range(q_lo, q_hi):
                t = q.indices[j]
                work += p_indptr[off + t + 1] - p_indptr[off + t]
            if work == 0:
                continue
            sparse = work * dense_factor < length and work <= length  # ``touched`` holds a tile
            n_touched = _scatter(acc, met, touched, sparse, track, st, q, r, post, off, length)
            bound_scale = (qs if req_on_query else tile_scale[b]) if fit else qs * tile_scale[b]
            row = (qs, q_n_essential, ex_lo, ex_hi, checks, q_region, q_lat, q_lon, q_km, q_from, q_to, q_needs,
                   q_offers)
            if sparse:
                n_top = _select(True, fit, st, acc, met, touched, n_touched, length, base, bound_scale, top_s,
                                top_i, n_top, c, cp, ex_indices, row, block_bound, block_r, first)
            else:
                n_top = _select(False, fit, st, acc, met, touched, n_touched, length, base, bound_scale, top_s,
                                top_i, n_top, c, cp, ex_indices, row, block_bound, block_r, first)
            if track and not sparse:
                met[:length] = 0
        for j in range(n_top):
            out_idx[r, j] = top_i[j]
            out_score[r, j] = top_s[j]
        for j in range(n_top, k):
            out_idx[r, j] = -1
            out_score[r, j] = -np.inf
