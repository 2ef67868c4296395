"""The numba gap, pair-score and unlock kernels.

Their NumPy twins are :func:`.reference.gap_rows`, :func:`.reference.score_pairs` and
:func:`.reference.unlock_scan`; the dispatch (checks, threads, the reference switch) is
:func:`skillmatch.kernels.gap_rows`, :func:`~skillmatch.kernels.score_pairs` and
:func:`~skillmatch.kernels.unlock_scan`. Every function here is serial and ``nogil`` over a
range of pairs or query rows that it owns: callers run disjoint ranges on several threads
and the result does not depend on how the ranges are cut.

**Gap rows** (:func:`gap_rows`). For the pair (person ``p``, target ``d``) and each
requirement ``t`` of ``d`` with required level ``r_t`` and importance code ``c_t``, the
person's effective level ``e_t`` (0 when the person has no entry for ``t``; related-skill
credit is already in ``e``) is read by a merge of the two sorted rows. The requirement is
in the gap when ``e_t < r_t``; its entry holds ``shortfall = (r_t - e_t) / r_t`` (float64
arithmetic, stored as float32), ``r_t``, ``e_t``, ``c_t``, ``w_t = table[c_t]`` and whether
``e_t > 0`` comes through a related skill only. Per pair: ``size = Σ float64(float32(w_t)) ·
shortfall_t`` over the gap in concept order, ``total_weight = Σ w_t`` over all of ``d``'s
requirements, and the essential requirements with ``e_t = 0``. The same loop runs twice:
once to count each pair's entries, once to fill them at their offsets.

**Pair scores** (:func:`score_pairs`). The score of a listed (query row, candidate) pair
by the top-k kernel's own formula (:mod:`.rank`, :mod:`.reference`): the candidate's terms
in ascending order, per shared term the same gain in float64 (and for ``fit`` the share
met, ``f = min(1, level / required level)``), then the scales (``fit``: ``C^a · R^(1-a)``
times the work side's scale, ``R = min(1, Σf / U)``) and the essential rule. Bit for bit
what :func:`skillmatch.kernels.topk` returns for a pair it ranks; a gated pair scores 0
and a pair the place filters forbid scores -inf. Optionally the query row is first
*raised* by an overlay row (``max`` per concept): for ``coverage`` and ``fit`` with people
as queries the query values are effective levels, and a person who completes a module
holds ``max(held, taught)``, whose effective levels are ``max(eff(held), eff(taught))``
because credit is a max of products — so the raised row is exactly the row the
vectoriser would build for the trained person. Under ``fit`` the raised row's scale is
``1 / |held ∪ taught|``, the trained person's number of own skills (``Held`` and the
overlay's ``taught`` flags).

**Unlock scan** (:func:`unlock_scan`). For each query row (a person; ``coverage`` or
``fit``) and its listed candidates whose score is below the threshold ``θ`` now, which
overlay rows (module bundles) lift the score to ``θ`` or more. Per candidate, only the
open terms (``f < 1``) can change; for each open term every bundle that reaches a higher
level there adds ``w · Δf`` to its bound on the new coverage sum and ``Δf`` to the
matched sum. A bundle whose bound — the score of those sums with the person's current
scale, before the essential penalty (training only adds skills, so ``fit``'s ``1 / U``
can only fall, and the penalty only lowers a score) — cannot reach ``θ`` is dropped, up to
rounding: a relative slack of 1e-6 keeps every bundle that could reach θ. The others are
scored exactly with the pair formula above. Output: per (row, bundle) with at least one
candidate lifted, the number lifted and the sum of their new float32 scores.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .arrays import COSINE, ESSENTIAL_GATE, ESSENTIAL_NONE, FIT
from .rank import _allowed

#: Relative slack of the unlock bound (see the module docstring).
SLACK = 1e-6


@njit(nogil=True, cache=True, inline="always")
def _term(mode, req_on_query, qv, q_inv, pv, p_inv):
    """(what one shared term adds to the pair's main sum, f = its share met) in float64, the
    top-k kernel's formula (:mod:`.reference`): cosine ``q·c``; coverage and fit
    ``w · f`` with ``f = min(1, level · 1/required level)``."""
    if mode == COSINE:
        return qv * pv, 0.0
    if req_on_query:  # query = requirements (weight qv, 1/level q_inv), candidate = held level pv
        f = min(1.0, pv * q_inv)
        return qv * f, f
    f = min(1.0, qv * p_inv)  # candidate = requirements, query = held level qv
    return pv * f, f


@njit(nogil=True, cache=True)
def gap_rows(start, end, fill, pairs, people, work, table, counts, out):
    """Gap entries of pairs ``start:end``.

    ``fill`` False: write each pair's number of entries into ``counts[i]``. ``fill`` True:
    write the entries at ``out.indptr[i]`` and the per-pair sums (``out.indptr`` is the
    running sum of the counts).
    """
    for i in range(start, end):
        p = pairs.rows[i]
        d = pairs.cols[i]
        a = people.indptr[p]
        a_end = people.indptr[p + 1]
        base = out.indptr[i] if fill else 0
        count = 0
        size = 0.0
        total = 0.0
        missing = 0
        for j in range(work.indptr[d], work.indptr[d + 1]):
            t = work.indices[j]
            while a < a_end and people.indices[a] < t:
                a += 1
            e = np.float32(0.0)
            credited = np.uint8(0)
            if a < a_end and people.indices[a] == t:
                e = people.levels[a]
                credited = np.uint8(1 - people.direct[a])
            code = work.importance[j]
            w = table[code]
            total += w
            if code == 3 and e == 0.0:
                missing += 1
            r = work.levels[j]
            if e < r:
                if fill:
                    k = base + count
                    shortfall = (np.float64(r) - np.float64(e)) / np.float64(r)
                    w32 = np.float32(w)
                    size += np.float64(w32) * shortfall
                    out.concepts[k] = t
                    out.shortfall[k] = np.float32(shortfall)
                    out.required[k] = r
                    out.current[k] = e
                    out.importance[k] = code
                    out.weight[k] = w32
                    out.credited[k] = credited if e > 0.0 else np.uint8(0)
                count += 1
        if fill:
            out.size[i] = size
            out.total_weight[i] = total
            out.missing_essential[i] = missing
        else:
            counts[i] = count


@njit(nogil=True, cache=True)
def _pair_sum(st, q, r, over, k, c, d):
    """(float64 main sum, float64 sum of the shares met, essential requirements met) of query
    row r — raised by overlay row k when k >= 0 — against candidate d, in the candidate's
    term order (the order the top-k kernel adds them in)."""
    a = q.indptr[r]
    a_end = q.indptr[r + 1]
    b = 0
    b_end = 0
    if k >= 0:
        b = over.indptr[k]
        b_end = over.indptr[k + 1]
    acc = 0.0
    matched = 0.0
    met = np.int64(0)
    for p in range(c.indptr[d], c.indptr[d + 1]):
        t = c.indices[p]
        while a < a_end and q.indices[a] < t:
            a += 1
        while b < b_end and over.indices[b] < t:
            b += 1
        has_q = a < a_end and q.indices[a] == t
        has_o = b < b_end and over.indices[b] == t
        if not (has_q or has_o):
            continue
        qv = np.float32(0.0)
        q_inv = np.float32(1.0)
        q_ess = np.int64(0)
        if has_q:
            qv = q.values[a]
            q_inv = q.inv_levels[a]
            q_ess = np.int64(q.essential[a])
        if has_o and over.values[b] > qv:
            qv = over.values[b]
        gain, f = _term(st.mode, st.req_on_query, np.float64(qv), np.float64(q_inv), np.float64(c.values[p]),
                        np.float64(c.inv_levels[p]))
        acc += gain
        matched += f
        if st.req_on_query:
            met += q_ess
        else:
            met += np.int64(c.essential[p])
    return acc, matched, met


@njit(nogil=True, cache=True)
def _query_scale(st, q, r, held, over, k):
    """The query row's scale: under ``fit`` with people as queries and a raised row, 1 / the
    number of skills the trained person holds (held ∪ taught by bundle k); else ``q.scale[r]``."""
    if k < 0 or st.mode != FIT or st.req_on_query:
        return q.scale[r]
    a = held.indptr[r]
    a_end = held.indptr[r + 1]
    count = a_end - a
    for b in range(over.indptr[k], over.indptr[k + 1]):
        if over.taught[b] == 0:
            continue
        t = over.indices[b]
        while a < a_end and held.indices[a] < t:
            a += 1
        if not (a < a_end and held.indices[a] == t):
            count += 1
    return 1.0 / max(count, 1)


@njit(nogil=True, cache=True)
def _finish(st, qs, c, d, q_n_essential, acc, matched, met):
    """The pair's score from its sums: the scales (fit: coverage^a · relevance^(1-a)), then
    the essential rule (gated: 0)."""
    if st.mode == FIT:
        people_scale = c.scale[d] if st.req_on_query else qs
        work_scale = qs if st.req_on_query else c.scale[d]
        s = 0.0
        if acc > 0.0:
            relevance = min(1.0, matched * people_scale)
            s = (acc ** st.exponent * relevance ** (1.0 - st.exponent)) * work_scale
    else:
        s = (acc * c.scale[d]) * qs
    if st.essential != ESSENTIAL_NONE:
        n_e = q_n_essential if st.req_on_query else c.n_essential[d]
        if n_e > 0:
            missing = n_e - met
            if missing > 0:
                if st.essential == ESSENTIAL_GATE:
                    return 0.0
                s *= 1.0 - st.penalty * missing / n_e
    return s


@njit(nogil=True, cache=True)
def _bound(st, qs, c, d, acc, matched):
    """An upper bound of the score of sums (acc, matched) or less, with ``qs`` at least the
    raised row's scale: the score before the essential penalty, which only lowers it."""
    if st.mode == FIT:
        relevance = min(1.0, matched * qs)
        return (acc ** st.exponent * relevance ** (1.0 - st.exponent)) * c.scale[d] if acc > 0.0 else 0.0
    return (acc * c.scale[d]) * qs


@njit(nogil=True, cache=True)
def _pair_allowed(st, qp, r, cp, d):
    if not st.filtered:
        return True
    return _allowed(d, cp.region, cp.geo, cp.hours, cp.needs, cp.offers, qp.region[r], qp.geo[r, 0], qp.geo[r, 1],
                    qp.geo[r, 2], qp.hours[r, 0], qp.hours[r, 1], qp.needs[r], qp.offers[r], st.hours)


@njit(nogil=True, cache=True)
def score_pairs(start, end, st, q, c, qp, cp, held, over, q_rows, o_rows, cols, out):
    """``out[i]`` (float32) = the score of query row ``q_rows[i]``, raised by overlay row
    ``o_rows[i]`` (-1: not raised), against candidate ``cols[i]``, for i in ``start:end``;
    -inf where the place filters forbid the pair, 0 where the essential gate drops it."""
    for i in range(start, end):
        r = q_rows[i]
        d = cols[i]
        if not _pair_allowed(st, qp, r, cp, d):
            out[i] = -np.inf
            continue
        k = o_rows[i]
        acc, matched, met = _pair_sum(st, q, r, over, k, c, d)
        qs = _query_scale(st, q, r, held, over, k)
        out[i] = np.float32(_finish(st, qs, c, d, q.n_essential[r], acc, matched, met))


@njit(nogil=True, cache=True)
def unlock_scan(start, end, st, q, c, qp, cp, held, over, q_language, pair_indptr, pair_cols, theta):
    """Bundles that lift listed candidates of query rows ``start:end`` to ``theta`` or more.

    Returns (rows int32, bundles int32, counts int32, values float64) of the (row, bundle)
    combinations that lift at least one candidate: how many, and the sum of their new
    float32 scores (as float64). Rows ascending; bundles in the order first found within a
    row (the dispatch sorts them). A bundle is considered for row r only when
    ``over.language[k] <= q_language[r]``.
    """
    n_terms = over.t_indptr.shape[0] - 1
    n_mod = over.indptr.shape[0] - 1
    level = np.zeros(max(n_terms, 1), np.float64)
    delta = np.zeros(max(n_mod, 1), np.float64)
    delta_f = np.zeros(max(n_mod, 1), np.float64)
    seen = np.zeros(max(n_mod, 1), np.uint8)
    touched = np.empty(max(n_mod, 1), np.int32)
    row_value = np.zeros(max(n_mod, 1), np.float64)
    row_count = np.zeros(max(n_mod, 1), np.int32)
    row_list = np.empty(max(n_mod, 1), np.int32)
    theta32 = np.float32(theta)
    limit = np.float64(theta32)
    cap = 16 + 4 * (end - start)
    out_r = np.empty(cap, np.int32)
    out_m = np.empty(cap, np.int32)
    out_c = np.empty(cap, np.int32)
    out_v = np.empty(cap, np.float64)
    n_out = 0
    for r in range(start, end):
        for j in range(q.indptr[r], q.indptr[r + 1]):
            level[q.indices[j]] = np.float64(q.values[j])
        language = q_language[r]
        n_row = 0
        for i in range(pair_indptr[r], pair_indptr[r + 1]):
            d = pair_cols[i]
            if not _pair_allowed(st, qp, r, cp, d):
                continue
            acc0, matched0, met0 = _pair_sum(st, q, r, over, -1, c, d)
            qs0 = q.scale[r]
            if np.float32(_finish(st, qs0, c, d, q.n_essential[r], acc0, matched0, met0)) >= theta32:
                continue  # a match already
            n_t = 0
            for p in range(c.indptr[d], c.indptr[d + 1]):
                t = c.indices[p]
                e = level[t]
                inv = np.float64(c.inv_levels[p])
                now = min(1.0, e * inv)
                if now >= 1.0:
                    continue
                w = np.float64(c.values[p])
                for x in range(over.t_indptr[t], over.t_indptr[t + 1]):
                    k = over.t_modules[x]
                    lv = np.float64(over.t_values[x])
                    if lv <= e or over.language[k] > language:
                        continue
                    if seen[k] == 0:
                        seen[k] = 1
                        touched[n_t] = k
                        n_t += 1
                    rise = min(1.0, lv * inv) - now
                    delta[k] += w * rise
                    delta_f[k] += rise
            for x in range(n_t):
                k = touched[x]
                # training only adds skills: the raised row's scale is at most qs0 (fit), or qs0
                bound = _bound(st, qs0, c, d, acc0 + delta[k], matched0 + delta_f[k])
                seen[k] = 0
                delta[k] = 0.0
                delta_f[k] = 0.0
                if bound * (1.0 + SLACK) < limit:
                    continue
                acc1, matched1, met1 = _pair_sum(st, q, r, over, k, c, d)
                qs1 = _query_scale(st, q, r, held, over, k)
                s1 = np.float32(_finish(st, qs1, c, d, q.n_essential[r], acc1, matched1, met1))
                if s1 >= theta32:
                    if row_count[k] == 0:
                        row_list[n_row] = k
                        n_row += 1
                    row_count[k] += 1
                    row_value[k] += np.float64(s1)
        for x in range(n_row):
            k = row_list[x]
            if n_out == cap:
                cap *= 2
                grown_r = np.empty(cap, np.int32)
                grown_m = np.empty(cap, np.int32)
                grown_c = np.empty(cap, np.int32)
                grown_v = np.empty(cap, np.float64)
                grown_r[:n_out] = out_r[:n_out]
                grown_m[:n_out] = out_m[:n_out]
                grown_c[:n_out] = out_c[:n_out]
                grown_v[:n_out] = out_v[:n_out]
                out_r, out_m, out_c, out_v = grown_r, grown_m, grown_c, grown_v
            out_r[n_out] = r
            out_m[n_out] = k
            out_c[n_out] = row_count[k]
            out_v[n_out] = row_value[k]
            n_out += 1
            row_count[k] = 0
            row_value[k] = 0.0
        for j in range(q.indptr[r], q.indptr[r + 1]):
            level[q.indices[j]] = 0.0
    return out_r[:n_out].copy(), out_m[:n_out].copy(), out_c[:n_out].copy(), out_v[:n_out].copy()
