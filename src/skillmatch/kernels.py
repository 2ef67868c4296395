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
the query's terms are taken in ascending order and their posting lists accumulated into
per-thread float64 accumulators (a candidate is tested against the filters when first
touched, so filtered candidates never take a place); then one pass over the touched
candidates applies the essential-skill penalty or gate and the boost, offers each score
to a fused top-k insertion and resets the accumulators. Because every candidate's sum runs
in the order of its own row, scores equal the reference bit for bit.

Early termination (MaxScore: skip the long posting lists once the terms left cannot lift
an unseen candidate into the top k) was built and measured, and removed: on caseloads
with ESCO's skill popularity even a perfect oracle could skip only 20-34% of the postings,
and the passes needed to find the k-th best score cost more than they saved, under pure
Zipf popularity too (benchmarks/README.md).
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
def _essential_met(d, req_on_query, qmark, c_indptr, c_indices, c_ess):
    """How many essential requirements of the pair (query, candidate d) the person meets."""
    met = 0
    for p in range(c_indptr[d], c_indptr[d + 1]):
        mark = qmark[c_indices[p]]
        if mark != 0:
            if req_on_query:
                met += mark == 2
            else:
                met += c_ess[p]
    return met


@njit(nogil=True, cache=True)
def rank_rows(start, end, k, mode, req_on_query, essential, essential_penalty, max_boost,
              q_indptr, q_indices, q_val, q_lvl, q_ess, q_ness,
              c_indptr, c_indices, c_ess, c_ness, c_boost,
              p_indptr, p_cand, p_val, p_lvl, p_ess,
              q_region, c_region, q_geo, c_geo, q_hours, c_hours, use_hours,
              q_needs, q_offers, c_needs, c_offers, c_filtered, ex_indptr, ex_indices,
              out_idx, out_score):
    """Top-k candidates for query rows ``start:end``, written into their output rows.

    Serial and ``nogil``: callers run disjoint row ranges on several threads at once
    (:func:`skillmatch.match.run_topk`); each call allocates its own accumulators, so
    results do not depend on how rows are split.

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
        max(c_boost); 1 means no candidate is boosted.
    q_indptr, q_indices, q_val, q_lvl, q_ess, q_ness
        Query CSR (int64 pointers, int32 sorted indices, float32 values, float32 levels,
        uint8 essential flags) and the number of essential requirements per row (int32).
    c_indptr, c_indices, c_ess, c_ness, c_boost
        The candidates' own rows (int64 pointers, int32 indices, uint8 essential flags),
        used to count met essential requirements for the few candidates that can still
        enter the top k; essential requirements per candidate (int32) and a score
        multiplier (float32, 1 = no boost).
    p_indptr, p_cand, p_val, p_lvl, p_ess
        The candidates' inverted index: per term (int64 pointers, T + 1) the candidates
        holding it (int32, ascending) with value, level and essential flag.
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
    """
    m = c_ness.shape[0]
    acc = np.zeros(m, np.float64)  # 0 untouched, > 0 partial score, -1 filtered out
    touched = np.empty(m, np.int32)
    qmark = np.zeros(p_indptr.shape[0] - 1, np.uint8)  # 1: a query term, 2: an essential query term
    top_s = np.empty(k, np.float32)
    top_i = np.empty(k, np.int32)
    track_hits = essential != ESSENTIAL_NONE
    boosted = max_boost != 1.0

    for r in range(start, end):
        if track_hits:
            for j in range(q_indptr[r], q_indptr[r + 1]):
                qmark[q_indices[j]] = 1 + q_ess[j]
        filtering = q_region[r] >= 0 or q_geo[r, 2] > 0.0 or use_hours or q_needs[r] != 0 or c_filtered
        n_touched = 0
        for p in range(ex_indptr[r], ex_indptr[r + 1]):  # excluded candidates count as filtered out
            d = ex_indices[p]
            if acc[d] == 0.0:
                acc[d] = -1.0
                touched[n_touched] = d
                n_touched += 1
        # term at a time, in ascending term order: every candidate's sum then runs in the
        # order of its own row, exactly as the reference sums it
        for j in range(q_indptr[r], q_indptr[r + 1]):
            t = q_indices[j]
            qv = np.float64(q_val[j])
            ql = np.float64(q_lvl[j])
            if mode == COSINE and not filtering:
                # the plain sparse dot product, kept apart from the general loop below because
                # it needs no levels, filter tests or essential counts (about 20% faster)
                for p in range(p_indptr[t], p_indptr[t + 1]):
                    d = p_cand[p]
                    a = acc[d]
                    if a == 0.0:
                        touched[n_touched] = d
                        n_touched += 1
                    elif a < 0.0:
                        continue
                    acc[d] = a + qv * np.float64(p_val[p])
                continue
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
        # fused selection: one pass over the touched candidates, resetting them as it goes
        n_top = 0
        for x in range(n_touched):
            d = touched[x]
            s = acc[d]
            acc[d] = 0.0
            if s <= 0.0:
                continue
            if track_hits:
                # The penalty only lowers a score: count the met essential requirements only
                # for a candidate whose unpenalised score could still enter the top k (cheaper
                # than counting hits for every posting).
                if n_top == k and np.float32(s * c_boost[d] if boosted else s) < top_s[k - 1]:
                    continue
                n_e = q_ness[r] if req_on_query else c_ness[d]
                missing = n_e - _essential_met(d, req_on_query, qmark, c_indptr, c_indices, c_ess)
                if missing > 0:
                    if essential == ESSENTIAL_GATE:
                        continue
                    s *= 1.0 - essential_penalty * missing / n_e
            if boosted:
                s *= c_boost[d]
            s32 = np.float32(s)
            if n_top < k or _better(s32, d, top_s[k - 1], top_i[k - 1]):
                n_top = _insert(top_s, top_i, n_top, s32, d)
        if track_hits:
            for j in range(q_indptr[r], q_indptr[r + 1]):
                qmark[q_indices[j]] = 0
        for j in range(n_top):
            out_idx[r, j] = top_i[j]
            out_score[r, j] = top_s[j]
        for j in range(n_top, k):
            out_idx[r, j] = -1
            out_score[r, j] = -np.inf


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
