"""NumPy reference twins of the kernels: slow, obviously right, the same formulas.

Every function here computes what its twin in :mod:`skillmatch.kernels` computes, pair by
pair, with no index, no pruning and no parallelism. Sums run over the terms of the
candidate row in ascending index order in float64, exactly as the kernels' exact
re-scoring does, so results are equal bit for bit. Tests run both and compare;
``SKILLMATCH_IMPLEMENTATION=python`` makes the library use these instead of the kernels.

The scores (for query row q and candidate row c over term set T):

``cosine``   s = sum_{t in q and c} q_t * c_t
             (rows are unit-normalised weighted vectors, so s is their cosine)
``coverage`` s = sum_{t in R} w_t * min(1, e_t / l_t)
             where R are the requirements (weights w_t normalised to sum 1, required levels
             l_t), e_t the effective proficiency of the person (held level, or credit
             through a related skill); then, with `missing` the essential requirements
             with e_t = 0 out of n_essential,
             s *= 1 - penalty * missing / n_essential (penalty), or the candidate is
             dropped (gate).
A candidate is ranked only if it passes the filters and s > 0; each row keeps the k best by
float32(s * boost) descending, then candidate index ascending, padded with -1 / -inf.
"""

from __future__ import annotations

import math

import numpy as np

from .kernels import COSINE, ESSENTIAL_GATE, ESSENTIAL_NONE, _EARTH_KM


def _row(indptr, indices, *arrays, i):
    lo, hi = indptr[i], indptr[i + 1]
    return (indices[lo:hi], *(a[lo:hi] for a in arrays))


def allowed(r, d, q_region, c_region, q_geo, c_geo, q_hours, c_hours, use_hours, q_needs, q_offers, c_needs, c_offers):
    if q_region[r] >= 0 and c_region[d] != q_region[r]:
        return False
    limits = [x for x in (q_geo[r, 2], c_geo[d, 2]) if x > 0]
    if limits:
        if math.isnan(c_geo[d, 0]) or math.isnan(q_geo[r, 0]):
            return False
        lat1, lon1, lat2, lon2 = q_geo[r, 0], q_geo[r, 1], c_geo[d, 0], c_geo[d, 1]
        a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        if 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a))) > min(limits):
            return False
    if use_hours and max(q_hours[r, 0], c_hours[d, 0]) > min(q_hours[r, 1], c_hours[d, 1]):
        return False
    if int(q_needs[r]) & ~int(c_offers[d]) or int(c_needs[d]) & ~int(q_offers[r]):
        return False
    return True


def pair_score(mode, req_on_query, essential, essential_penalty, q, c, n_essential):
    """Score of one (query row, candidate row) pair; ``q`` and ``c`` are (terms, values, levels, essential)."""
    q_terms, q_val, q_lvl, q_ess = q
    c_terms, c_val, c_lvl, c_ess = c
    q_pos = {int(t): j for j, t in enumerate(q_terms)}
    s = 0.0
    hits = 0
    for p, t in enumerate(c_terms):  # candidate row order = ascending term index
        j = q_pos.get(int(t))
        if j is None or q_val[j] <= 0:
            continue
        qv, ql, cv, cl = float(q_val[j]), float(q_lvl[j]), float(c_val[p]), float(c_lvl[p])
        if mode == COSINE:
            s += qv * cv
        elif req_on_query:
            s += qv * min(1.0, cv / ql)
        else:
            s += cv * min(1.0, qv / cl)
        hits += int(q_ess[j]) if req_on_query else int(c_ess[p])
    if essential != ESSENTIAL_NONE:
        missing = n_essential - hits
        if missing > 0:
            if essential == ESSENTIAL_GATE:
                return -math.inf
            s *= 1.0 - essential_penalty * missing / n_essential
    return s


def topk(k, mode, req_on_query, essential, essential_penalty,
         q_indptr, q_indices, q_val, q_lvl, q_ess, q_ness,
         c_indptr, c_indices, c_val, c_lvl, c_ess, c_ness, c_boost,
         q_region, c_region, q_geo, c_geo, q_hours, c_hours, use_hours,
         q_needs, q_offers, c_needs, c_offers, c_filtered, ex_indptr, ex_indices):
    """Reference of :func:`skillmatch.kernels.topk`: every pair scored, then sorted."""
    n, m = len(q_indptr) - 1, len(c_indptr) - 1
    out_idx = np.full((n, k), -1, dtype=np.int32)
    out_score = np.full((n, k), -np.inf, dtype=np.float32)
    for r in range(n):
        q = _row(q_indptr, q_indices, q_val, q_lvl, q_ess, i=r)
        excluded = set(int(x) for x in ex_indices[ex_indptr[r]:ex_indptr[r + 1]])
        ranked = []
        for d in range(m):
            if d in excluded:
                continue
            if not allowed(r, d, q_region, c_region, q_geo, c_geo, q_hours, c_hours, use_hours,
                           q_needs, q_offers, c_needs, c_offers):
                continue
            c = _row(c_indptr, c_indices, c_val, c_lvl, c_ess, i=d)
            n_e = int(q_ness[r]) if req_on_query else int(c_ness[d])
            s = pair_score(mode, req_on_query, essential, essential_penalty, q, c, n_e)
            if s > 0:
                ranked.append((-np.float32(s * float(c_boost[d])), d))
        ranked.sort()
        for j, (neg, d) in enumerate(ranked[:k]):
            out_idx[r, j] = d
            out_score[r, j] = -neg
    return out_idx, out_score


def related_credit(h_indptr, h_indices, h_val, r_indptr, r_indices, r_val):
    """Reference of :func:`skillmatch.kernels.related_credit` via dense rows."""
    n, n_terms = len(h_indptr) - 1, len(r_indptr) - 1
    out_indptr = [0]
    out_indices, out_val, out_direct = [], [], []
    for i in range(n):
        held = np.zeros(n_terms)
        terms, vals = _row(h_indptr, h_indices, h_val, i=i)
        held[terms] = vals.astype(np.float64)
        best = held.copy()
        for s, v in zip(terms, vals):
            r_terms, r_vals = _row(r_indptr, r_indices, r_val, i=s)
            best[r_terms] = np.maximum(best[r_terms], float(v) * r_vals.astype(np.float64))
        nz = np.flatnonzero(best)
        out_indices.extend(nz)
        out_val.extend(best[nz])
        out_direct.extend((held[nz] >= best[nz]).astype(np.uint8))
        out_indptr.append(len(out_indices))
    return (np.array(out_indptr, np.int64), np.array(out_indices, np.int32), np.array(out_val, np.float32),
            np.array(out_direct, np.uint8))
