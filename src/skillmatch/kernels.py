"""Numba kernels: top-k scoring over an inverted index, and related-skill credit.

Pure functions on contiguous typed arrays — int64 row pointers, int32 indices, float32
stored values, float64 arithmetic — never scipy or model objects; the API edge
(:mod:`skillmatch.match`) converts once. Every kernel has a NumPy twin in
:mod:`skillmatch._reference` computing the same documented formula; the tests demand
equal results.

The ranking contract: per query row, the ``k`` best candidates with a score > 0 that pass
the filters, ordered by float32 score descending, then candidate index ascending; rows
are padded with index -1 and score -inf. Results do not depend on the thread count.

How :func:`rank_rows` ranks one query row (the same loop serves every score, both directions
and occupation-to-occupation similarity; ``mode`` and ``req_on_query`` select the formula):

1. The query's terms are taken in order of increasing posting-list length. Each term has
   an upper bound on what it can add to any candidate's score; ``suffix[i]`` bounds what
   terms ``i..`` can still add.
2. Term at a time, postings are accumulated into per-thread accumulators (float64).
   Before a long posting list, when it is worth it, the k-th best *lower bound* among the
   candidates touched so far is computed; if ``suffix[i]`` is below it, no untouched
   candidate can still enter the top k and the remaining (long, common) posting lists are
   skipped — the MaxScore idea from information retrieval. Filters are applied when a
   candidate is first touched, so filtered candidates never take a place in the top k.
3. Every touched candidate whose bound can still reach the k-th best score is re-scored
   exactly from its forward row (terms in ascending index order, float64) and offered to
   a fused top-k insertion. Scores therefore never depend on the order terms were
   processed in, and equal the reference bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: ``mode``: the score formula.
COSINE = 0  #: sum over shared skills of query value x candidate value (unit vectors: cosine)
COVERAGE = 1  #: sum over required skills of weight x min(1, held / required level)

#: ``essential``: what an unmet essential requirement does to a coverage score.
ESSENTIAL_NONE = 0
ESSENTIAL_PENALTY = 1  #: multiply the score by 1 - penalty x (share of essentials missing)
ESSENTIAL_GATE = 2  #: drop the candidate

_EARTH_KM = 6371.0088
_SLACK = 1e-6  # covers float64 -> float32 rounding when comparing bounds with ranked scores


@njit(nogil=True, cache=True, inline="always")
def _better(s1, i1, s2, i2):
    return s1 > s2 or (s1 == s2 and i1 < i2)


@njit(nogil=True, cache=True)
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
    return 2.0 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


@njit(nogil=True, cache=True, inline="always")
def _allowed(r, d, q_region, c_region, q_geo, c_geo, q_hours, c_hours, use_hours,
             q_needs, q_offers, c_needs, c_offers):
    """Whether candidate d may be ranked for query r (see :func:`rank_rows` for the rules)."""
    if q_region[r] >= 0 and c_region[d] != q_region[r]:
        return False
    max_km = q_geo[r, 2]
    if c_geo[d, 2] > 0.0 and (max_km <= 0.0 or c_geo[d, 2] < max_km):
        max_km = c_geo[d, 2]
    if max_km > 0.0:
        if math.isnan(c_geo[d, 0]) or math.isnan(q_geo[r, 0]):
            return False
        if haversine_km(q_geo[r, 0], q_geo[r, 1], c_geo[d, 0], c_geo[d, 1]) > max_km:
            return False
    if use_hours:
        if max(q_hours[r, 0], c_hours[d, 0]) > min(q_hours[r, 1], c_hours[d, 1]):
            return False
    if (q_needs[r] & ~c_offers[d]) != 0 or (c_needs[d] & ~q_offers[r]) != 0:
        return False
    return True


@njit(nogil=True, cache=True, inline="always")
def _contribution(mode, req_on_query, qv, ql, cv, cl):
    if mode == COSINE:
        return qv * cv
    if req_on_query:  # query = requirements (weight qv, level ql), candidate = held cv
        return qv * min(1.0, cv / ql)
    return cv * min(1.0, qv / cl)  # candidate = requirements, query = held qv


@njit(nogil=True, cache=True)
def _exact(d, mode, req_on_query, essential, essential_penalty, n_essential,
           qdense, qldense, qedense, c_indptr, c_indices, c_val, c_lvl, c_ess):
    """Exact score of candidate d from its forward row; -inf when gated out."""
    s = 0.0
    hits = 0
    for p in range(c_indptr[d], c_indptr[d + 1]):
        t = c_indices[p]
        qv = qdense[t]
        if qv > 0.0:
            s += _contribution(mode, req_on_query, qv, qldense[t], np.float64(c_val[p]), np.float64(c_lvl[p]))
            if essential != ESSENTIAL_NONE:
                if req_on_query:
                    hits += qedense[t]
                else:
                    hits += c_ess[p]
    if essential != ESSENTIAL_NONE:
        missing = n_essential - hits
        if missing > 0:
            if essential == ESSENTIAL_GATE:
                return -np.inf
            s *= 1.0 - essential_penalty * missing / n_essential
    return s


@njit(nogil=True, cache=True)
def _best_by_bound(touched, n_touched, acc, c_boost, boosted, add, lb_s, lb_i):
    """The k touched candidates with the largest bound ``acc * boost + add`` into (lb_s, lb_i)."""
    k = lb_s.shape[0]
    n_lb = 0
    for x in range(n_touched):
        d = touched[x]
        a = acc[d]
        if a > 0.0:
            if boosted:
                a *= c_boost[d]
            key = np.float32((a + add) * (1.0 + _SLACK))
            if n_lb < k or _better(key, d, lb_s[k - 1], lb_i[k - 1]):
                n_lb = _insert(lb_s, lb_i, n_lb, key, d)
    return n_lb


@njit(nogil=True, cache=True)
def rank_rows(start, end, k, mode, req_on_query, essential, essential_penalty, max_boost,
              q_indptr, q_indices, q_val, q_lvl, q_ess, q_ness,
              c_indptr, c_indices, c_val, c_lvl, c_ess, c_ness, c_boost,
              p_indptr, p_cand, p_val, p_lvl, p_ess, p_maxval, p_minlvl,
              q_region, c_region, q_geo, c_geo, q_hours, c_hours, use_hours,
              q_needs, q_offers, c_needs, c_offers, c_filtered, ex_indptr, ex_indices,
              out_idx, out_score, out_skipped):
    """Top-k candidates for query rows ``start:end``, written into their output rows.

    Serial and ``nogil``: callers run disjoint row ranges on several threads at once
    (:func:`skillmatch.match.run_topk`); each call allocates its own accumulators, so
    results do not depend on how rows are split.

    ``acc[d]`` is 0 for an untouched candidate, the partial score (> 0) of a touched one,
    and -1 for one that is filtered out or already scored exactly.

    Parameters (shapes: n queries, m candidates, T terms = taxonomy concepts)
    ----------
    start, end : int
        The query rows to rank.
    k : int
        Number of results per row (>= 1).
    mode : int
        :data:`COSINE` or :data:`COVERAGE`.
    req_on_query : bool
        COVERAGE only: the query rows hold the requirements (vacancy -> jobseekers).
    essential, essential_penalty : int, float
        :data:`ESSENTIAL_NONE` / :data:`ESSENTIAL_PENALTY` (score x (1 - penalty x missing /
        n_essential)) / :data:`ESSENTIAL_GATE`; an essential requirement is missing when
        the held value for it is 0.
    max_boost : float
        max(c_boost); keeps the pruning bounds valid when candidates are boosted.
    q_indptr, q_indices, q_val, q_lvl, q_ess, q_ness
        Query CSR (int64, int32, float32 values, float32 levels, uint8 essential flags),
        and the number of essential requirements per query row (int32, n).
    c_indptr, c_indices, c_val, c_lvl, c_ess, c_ness, c_boost
        Candidate CSR (forward rows, same dtypes), essentials per candidate, and a float32
        multiplier per candidate (1 = no boost).
    p_indptr, p_cand, p_val, p_lvl, p_ess, p_maxval, p_minlvl
        The candidates' inverted index: per term (int64 pointers, T + 1) the candidates
        (int32, ascending) with value, level and essential flag, plus per term the largest
        value and smallest level (float32, T).
    q_region, c_region : int32 (n), (m)
        A query with region >= 0 only accepts candidates of the same region.
    q_geo, c_geo : float64 (n, 3), (m, 3)
        Latitude and longitude in radians (NaN when unknown) and a maximum travel
        distance in km (<= 0: none). The smaller limit of the two sides applies; a side
        without coordinates is rejected when a limit applies.
    q_hours, c_hours : float32 (n, 2), (m, 2); use_hours : bool
        Hour ranges per week that must overlap.
    q_needs, q_offers, c_needs, c_offers : uint32 bit sets
        Support a side needs must be among what the other side offers.
    c_filtered : bool
        Whether any candidate has a travel limit or a support need (else rows without
        filters of their own skip the filter test).
    ex_indptr, ex_indices
        Per query row, candidate indices to exclude (CSR, int64 / int32).
    out_idx : int32 (n, k); out_score : float32 (n, k)
        Written in place.
    out_skipped : int32 (n)
        Written in place: how many of the row's terms had their posting lists skipped
        because they could no longer change the top k (a measure of pruning).
    """
    m = c_indptr.shape[0] - 1
    n_terms = p_indptr.shape[0] - 1
    acc = np.zeros(m, np.float64)
    hits = np.zeros(m, np.int32)
    touched = np.empty(m, np.int32)
    qdense = np.zeros(n_terms, np.float64)
    qldense = np.ones(n_terms, np.float64)
    qedense = np.zeros(n_terms, np.int32)
    max_len = 0
    for r in range(start, end):
        max_len = max(max_len, q_indptr[r + 1] - q_indptr[r])
    order = np.empty(max_len, np.int64)
    suffix = np.zeros(max_len + 1, np.float64)
    volume = np.zeros(max_len + 1, np.int64)
    top_s = np.empty(k, np.float32)
    top_i = np.empty(k, np.int32)
    lb_s = np.empty(k, np.float32)
    lb_i = np.empty(k, np.int32)
    track_hits = essential != ESSENTIAL_NONE
    boosted = max_boost != 1.0

    for r in range(start, end):
        lo, hi = q_indptr[r], q_indptr[r + 1]
        n_q = hi - lo
        for j in range(n_q):
            t = q_indices[lo + j]
            qdense[t] = q_val[lo + j]
            qldense[t] = q_lvl[lo + j]
            qedense[t] = q_ess[lo + j]
        # terms by posting length ascending (ties: term index ascending); insertion sort, rows are short
        for j in range(n_q):
            t = q_indices[lo + j]
            length = p_indptr[t + 1] - p_indptr[t]
            pos = j
            while pos > 0:
                u = q_indices[lo + order[pos - 1]]
                if p_indptr[u + 1] - p_indptr[u] > length:
                    order[pos] = order[pos - 1]
                    pos -= 1
                else:
                    break
            order[pos] = j
        # suffix[j]: what terms order[j:] can add to any candidate at most; volume[j]: their postings
        suffix[n_q] = 0.0
        volume[n_q] = 0
        for j in range(n_q - 1, -1, -1):
            t = q_indices[lo + order[j]]
            qv = np.float64(q_val[lo + order[j]])
            if mode == COSINE:
                bound = qv * p_maxval[t]
            elif req_on_query:
                bound = qv * min(1.0, p_maxval[t] / q_lvl[lo + order[j]])
            else:
                bound = p_maxval[t] * min(1.0, qv / p_minlvl[t])
            suffix[j] = suffix[j + 1] + bound * max_boost
            volume[j] = volume[j + 1] + (p_indptr[t + 1] - p_indptr[t])
        n_ess_q = q_ness[r]
        filtering = q_region[r] >= 0 or q_geo[r, 2] > 0.0 or use_hours or q_needs[r] != 0 or c_filtered

        n_touched = 0
        for p in range(ex_indptr[r], ex_indptr[r + 1]):  # excluded candidates count as filtered out
            d = ex_indices[p]
            if acc[d] == 0.0:
                acc[d] = -1.0
                touched[n_touched] = d
                n_touched += 1

        # term-at-a-time accumulation; stop when the terms left cannot lift an untouched
        # candidate to the k-th best score (MaxScore)
        stop = n_q
        known_lb = -np.inf  # a lower bound of the final k-th best score
        checked_at = np.inf
        for j in range(n_q):
            if suffix[j] * (1.0 + _SLACK) < known_lb:
                stop = j
                break
            # a check costs a pass over the touched candidates: worth it when the lists left
            # are long compared with that, and the bound has fallen since the last check
            if n_touched >= k and volume[j] > 4 * n_touched and suffix[j] < 0.75 * checked_at:
                checked_at = suffix[j]
                n_lb = _best_by_bound(touched, n_touched, acc, c_boost, boosted, 0.0, lb_s, lb_i)
                n_exact = 0
                kth = np.inf
                for x in range(n_lb):
                    d = lb_i[x]
                    n_e = n_ess_q if req_on_query else c_ness[d]
                    s = _exact(d, mode, req_on_query, essential, essential_penalty, n_e, qdense, qldense, qedense,
                               c_indptr, c_indices, c_val, c_lvl, c_ess)
                    if s > 0.0:
                        n_exact += 1
                        kth = min(kth, np.float64(np.float32(s * c_boost[d])))
                if n_exact == k:  # k real scores: the final k-th best is at least their minimum
                    known_lb = max(known_lb, kth * (1.0 - _SLACK))
                    if suffix[j] * (1.0 + _SLACK) < known_lb:
                        stop = j
                        break
            t = q_indices[lo + order[j]]
            qv = qdense[t]
            ql = qldense[t]
            qe = qedense[t]
            for p in range(p_indptr[t], p_indptr[t + 1]):
                d = p_cand[p]
                a = acc[d]
                if a == 0.0:
                    touched[n_touched] = d
                    n_touched += 1
                    if filtering and not _allowed(r, d, q_region, c_region, q_geo, c_geo, q_hours, c_hours,
                                                  use_hours, q_needs, q_offers, c_needs, c_offers):
                        acc[d] = -1.0
                        continue
                elif a < 0.0:
                    continue
                acc[d] = a + _contribution(mode, req_on_query, qv, ql, np.float64(p_val[p]), np.float64(p_lvl[p]))
                if track_hits:
                    hits[d] += qe if req_on_query else p_ess[p]

        # exact scores: first the k best by bound, then every other candidate whose bound
        # still reaches the k-th best exact score
        rest = suffix[stop]
        n_top = 0
        n_lb = _best_by_bound(touched, n_touched, acc, c_boost, boosted, rest, lb_s, lb_i)
        for x in range(n_lb):
            d = lb_i[x]
            n_e = n_ess_q if req_on_query else c_ness[d]
            s = _exact(d, mode, req_on_query, essential, essential_penalty, n_e, qdense, qldense, qedense,
                       c_indptr, c_indices, c_val, c_lvl, c_ess)
            acc[d] = -1.0
            if s > 0.0:
                s32 = np.float32(s * c_boost[d])
                if n_top < k or _better(s32, d, top_s[k - 1], top_i[k - 1]):
                    n_top = _insert(top_s, top_i, n_top, s32, d)
        for x in range(n_touched):
            d = touched[x]
            a = acc[d]
            acc[d] = 0.0
            hits[d] = 0
            if a > 0.0:
                if boosted:
                    a *= c_boost[d]
                if n_top < k or (a + rest) * (1.0 + _SLACK) >= top_s[k - 1]:
                    n_e = n_ess_q if req_on_query else c_ness[d]
                    s = _exact(d, mode, req_on_query, essential, essential_penalty, n_e, qdense, qldense, qedense,
                               c_indptr, c_indices, c_val, c_lvl, c_ess)
                    if s > 0.0:
                        s32 = np.float32(s * c_boost[d])
                        if n_top < k or _better(s32, d, top_s[k - 1], top_i[k - 1]):
                            n_top = _insert(top_s, top_i, n_top, s32, d)
        out_skipped[r] = n_q - stop
        for j in range(n_top):
            out_idx[r, j] = top_i[j]
            out_score[r, j] = top_s[j]
        for j in range(n_top, k):
            out_idx[r, j] = -1
            out_score[r, j] = -np.inf
        for j in range(n_q):
            t = q_indices[lo + j]
            qdense[t] = 0.0
            qldense[t] = 1.0
            qedense[t] = 0


@njit(nogil=True, cache=True)
def related_credit(h_indptr, h_indices, h_val, r_indptr, r_indices, r_val):
    """Effective proficiency with credit through related skills.

    For person i and skill t: ``eff[i, t] = max(held[i, t], max_s held[i, s] * credit[s, t])``
    with ``credit`` the related-skill matrix (values in (0, 1], zero diagonal). Returns the
    CSR arrays (int64 indptr, int32 indices, float32 values) of ``eff`` and a uint8 flag per
    entry: 1 when the person holds the skill at that value, 0 when the value comes through
    a related skill. Values are computed in float64 and stored as float32. Indices within
    a row are unique but NOT sorted (the caller sorts; numba's sort costs seconds of
    compile time). Serial: it costs a small fraction of the matching it prepares.
    """
    n = h_indptr.shape[0] - 1
    n_terms = r_indptr.shape[0] - 1
    best = np.zeros(n_terms, np.float64)
    direct = np.zeros(n_terms, np.uint8)
    out_indptr = np.zeros(n + 1, np.int64)
    # pass 1: row sizes (best[] doubles as the "seen" mark)
    for i in range(n):
        count = 0
        for p in range(h_indptr[i], h_indptr[i + 1]):
            s = h_indices[p]
            if best[s] == 0.0:
                best[s] = 1.0
                count += 1
            for q in range(r_indptr[s], r_indptr[s + 1]):
                t = r_indices[q]
                if best[t] == 0.0:
                    best[t] = 1.0
                    count += 1
        out_indptr[i + 1] = out_indptr[i] + count
        for p in range(h_indptr[i], h_indptr[i + 1]):
            s = h_indices[p]
            best[s] = 0.0
            for q in range(r_indptr[s], r_indptr[s + 1]):
                best[r_indices[q]] = 0.0
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
        for j in range(base, base + count):
            t = out_indices[j]
            out_val[j] = best[t]
            out_direct[j] = direct[t]
            best[t] = 0.0
            direct[t] = 0
    return out_indptr, out_indices, out_val, out_direct
