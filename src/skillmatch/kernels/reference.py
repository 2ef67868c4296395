"""NumPy reference twins of the kernels: slow, obviously right, the same formulas.

Every function here computes what its twin in :mod:`.rank` or :mod:`.credit` computes,
pair by pair, with no index, no tiles, no pruning and no threads, and imports no numba.
Sums run over the terms of the candidate row in ascending index order in float64, exactly
as the kernels' scatter adds them, so results are equal bit for bit. Tests run both and
compare; ``SKILLMATCH_IMPLEMENTATION=python`` makes the library use these.

The score of query row r and candidate row d over their shared terms T:

``cosine``    sum = Σ_{t in T} q_t · c_t
``coverage``  sum = Σ_{t in T} w_t · f_t,  f_t = min(1, e_t · inv_t)
              (w, inv = 1/required level: the requirements side; e: the person's
              effective proficiency, held or credited through a related skill)
then ``s = (sum · c.scale[d]) · q.scale[r]``;
``fit``       C = Σ_{t in T} w_t · f_t,  J = Σ_{t in T} f_t,  R = min(1, J · (1/U)),
              s = (C^a · R^(1-a)) · (the work side's scale), where 1/U is the people
              side's scale (U: the person's number of skills);
then, with ``missing`` the essential
requirements of the pair the person has nothing for, out of ``n_essential``:
``s *= 1 - penalty · missing / n_essential`` (penalty) or the candidate is dropped
(gate). A candidate is ranked if it is not excluded, passes the filters and
``float32(s) > 0``; each row keeps the k best by float32(s) descending, then index
ascending, padded with -1 / -inf.
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import COSINE, EARTH_KM, ESSENTIAL_GATE, ESSENTIAL_NONE, FIT, Place, Rows, Settings


def allowed(r: int, d: int, qp: Place, cp: Place, use_hours: bool) -> bool:
    if qp.region[r] >= 0 and cp.region[d] != qp.region[r]:
        return False
    limits = [float(x) for x in (qp.geo[r, 2], cp.geo[d, 2]) if x > 0]
    if limits:
        if math.isnan(cp.geo[d, 0]) or math.isnan(qp.geo[r, 0]):
            return False
        lat1, lon1, lat2, lon2 = qp.geo[r, 0], qp.geo[r, 1], cp.geo[d, 0], cp.geo[d, 1]
        a = math.sin((lat2 - lat1) * 0.5) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) * 0.5) ** 2
        if 2.0 * EARTH_KM * math.asin(min(1.0, math.sqrt(a))) > min(limits):
            return False
    if use_hours and max(qp.hours[r, 0], cp.hours[d, 0]) > min(qp.hours[r, 1], cp.hours[d, 1]):
        return False
    if int(qp.needs[r]) & ~int(cp.offers[d]) or int(cp.needs[d]) & ~int(qp.offers[r]):
        return False
    return True


def _row(rows: Rows, i: int) -> tuple[np.ndarray, ...]:
    lo, hi = rows.indptr[i], rows.indptr[i + 1]
    return rows.indices[lo:hi], rows.values[lo:hi], rows.inv_levels[lo:hi], rows.essential[lo:hi]


def pair_sum(mode: int, req_on_query: bool, q_row: tuple, c_row: tuple) -> tuple[float, float, int]:
    """(float64 sum over the shared terms, the matched-skill sum J, essential requirements met)."""
    q_terms, q_val, q_inv, q_ess = q_row
    c_terms, c_val, c_inv, c_ess = c_row
    where = {int(t): j for j, t in enumerate(q_terms)}
    s, matched, met = 0.0, 0.0, 0
    for p, t in enumerate(c_terms):  # candidate row order = ascending term index
        j = where.get(int(t))
        if j is None:
            continue
        qv, qi, cv, ci = float(q_val[j]), float(q_inv[j]), float(c_val[p]), float(c_inv[p])
        if mode == COSINE:
            s += qv * cv
        elif req_on_query:
            f = min(1.0, cv * qi)
            s += qv * f
            matched += f
        else:
            f = min(1.0, qv * ci)
            s += cv * f
            matched += f
        met += int(q_ess[j]) if req_on_query else int(c_ess[p])
    return s, matched, met


def pair_score(st: Settings, q: Rows, c: Rows, r: int, d: int) -> float:
    """The score of (query r, candidate d) before filters; -inf when gated out."""
    total, matched, met = pair_sum(st.mode, st.req_on_query, _row(q, r), _row(c, d))
    if st.mode == FIT:
        people_scale, work_scale = (float(c.scale[d]), float(q.scale[r])) if st.req_on_query else \
            (float(q.scale[r]), float(c.scale[d]))
        relevance = min(1.0, matched * people_scale)
        a = st.exponent
        s = (total ** a * relevance ** (1.0 - a)) * work_scale if total > 0 else 0.0
    else:
        s = (total * float(c.scale[d])) * float(q.scale[r])
    if st.essential != ESSENTIAL_NONE:
        n_e = int(q.n_essential[r]) if st.req_on_query else int(c.n_essential[d])
        missing = n_e - met
        if n_e > 0 and missing > 0:
            if st.essential == ESSENTIAL_GATE:
                return -math.inf
            s *= 1.0 - st.penalty * missing / n_e
    return s


def topk(st: Settings, q: Rows, c: Rows, qp: Place, cp: Place, ex_indptr: np.ndarray,
         ex_indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference of :func:`skillmatch.kernels.topk`: every pair scored, then sorted."""
    n, m, k = q.n_rows, c.n_rows, st.k
    out_idx = np.full((n, k), -1, dtype=np.int32)
    out_score = np.full((n, k), -np.inf, dtype=np.float32)
    for r in range(n):
        excluded = {int(x) for x in ex_indices[ex_indptr[r]:ex_indptr[r + 1]]}
        ranked = []
        for d in range(m):
            if d in excluded or not allowed(r, d, qp, cp, st.hours):
                continue
            s = np.float32(pair_score(st, q, c, r, d))
            if s > 0:
                ranked.append((-s, d))
        ranked.sort()
        for j, (neg, d) in enumerate(ranked[:k]):
            out_idx[r, j] = d
            out_score[r, j] = -neg
    return out_idx, out_score


def related_credit(h_indptr, h_indices, h_val, r_indptr, r_indices, r_val):
    """Reference of :func:`.credit.related_credit` via dense rows (indices come out sorted)."""
    n, n_terms = len(h_indptr) - 1, len(r_indptr) - 1
    out_indptr = [0]
    out_indices: list[int] = []
    out_val: list[float] = []
    out_direct: list[int] = []
    for i in range(n):
        lo, hi = h_indptr[i], h_indptr[i + 1]
        held = np.zeros(n_terms)
        held[h_indices[lo:hi]] = h_val[lo:hi].astype(np.float64)
        best = held.copy()
        for s, v in zip(h_indices[lo:hi], h_val[lo:hi]):
            a, b = r_indptr[s], r_indptr[s + 1]
            targets = r_indices[a:b]
            best[targets] = np.maximum(best[targets], float(v) * r_val[a:b].astype(np.float64))
        nz = np.flatnonzero(best)
        out_indices.extend(nz)
        out_val.extend(best[nz])
        out_direct.extend((held[nz] >= best[nz]).astype(np.uint8))
        out_indptr.append(len(out_indices))
    return (np.array(out_indptr, np.int64), np.array(out_indices, np.int32), np.array(out_val, np.float32),
            np.array(out_direct, np.uint8))


# --- gaps, pair scores and unlocks: the twins of :mod:`.gaps` ----------------------------------

from .gap_arrays import GapRows  # noqa: E402  (kept with the twins that use it)


def gap_rows(pairs, people, work, table) -> GapRows:
    """Reference of :func:`.gaps.gap_rows` (both passes): each pair from a dict of the person's levels.

    For requirement t of the target: ``e`` = the person's effective level (0 if absent);
    in the gap when ``e < r``, with shortfall ``(r - e) / r``; ``size`` sums
    ``float64(float32(w)) · shortfall`` in concept order; ``total_weight`` sums ``w`` over
    every requirement; ``missing_essential`` counts code-3 requirements with ``e = 0``.
    """
    n = len(pairs.rows)
    indptr = [0]
    cols: dict[str, list] = {name: [] for name in ("concepts", "shortfall", "required", "current", "importance",
                                                   "weight", "credited")}
    size, total, missing = np.zeros(n), np.zeros(n), np.zeros(n, np.int32)
    for i in range(n):
        p, d = int(pairs.rows[i]), int(pairs.cols[i])
        lo, hi = people.indptr[p], people.indptr[p + 1]
        held = {int(t): (np.float32(v), int(x)) for t, v, x in
                zip(people.indices[lo:hi], people.levels[lo:hi], people.direct[lo:hi])}
        lo, hi = work.indptr[d], work.indptr[d + 1]
        for t, r, code in zip(work.indices[lo:hi], work.levels[lo:hi], work.importance[lo:hi]):
            e, direct = held.get(int(t), (np.float32(0.0), 1))
            w = float(table[int(code)])
            total[i] += w
            missing[i] += int(code == 3 and e == 0)
            if e < r:
                shortfall = (float(r) - float(e)) / float(r)
                size[i] += float(np.float32(w)) * shortfall
                for name, value in (("concepts", t), ("shortfall", shortfall), ("required", r), ("current", e),
                                    ("importance", code), ("weight", w), ("credited", int(e > 0 and not direct))):
                    cols[name].append(value)
        indptr.append(len(cols["concepts"]))
    dtypes = {"concepts": np.int32, "shortfall": np.float32, "required": np.float32, "current": np.float32,
              "importance": np.int8, "weight": np.float32, "credited": np.uint8}
    arrays = {name: np.array(cols[name], dtypes[name]) for name in dtypes}
    return GapRows(np.array(indptr, np.int64), **arrays, size=size, total_weight=total, missing_essential=missing)


def _raised_row(q: Rows, r: int, over, k: int) -> tuple[np.ndarray, ...]:
    """Query row r with each value raised to the overlay row k's (absent: 0; new terms: inv 1, not essential)."""
    row = {int(t): [float(v), float(inv), int(e)] for t, v, inv, e in zip(*_row(q, r))}
    if k >= 0:
        lo, hi = over.indptr[k], over.indptr[k + 1]
        for t, v in zip(over.indices[lo:hi], over.values[lo:hi]):
            entry = row.setdefault(int(t), [0.0, 1.0, 0])
            entry[0] = max(entry[0], float(v))
    terms = sorted(row)
    return (np.array(terms, np.int32), np.array([row[t][0] for t in terms], np.float32),
            np.array([row[t][1] for t in terms], np.float32), np.array([row[t][2] for t in terms], np.uint8))


def raised_score(st: Settings, q: Rows, c: Rows, held, over, r: int, k: int, d: int) -> float:
    """The pair's float64 score (:func:`pair_score`) with query row r raised by overlay row k
    (-1: none); 0 when gated. Under ``fit`` (people as queries) the raised row's scale is
    1 / the number of skills the trained person holds: their own and those bundle k teaches."""
    terms, values, inv, ess = _raised_row(q, r, over, k)
    scale = float(q.scale[r])
    if k >= 0 and st.mode == FIT and not st.req_on_query:
        own = set(held.indices[held.indptr[r]:held.indptr[r + 1]].tolist())
        lo, hi = over.indptr[k], over.indptr[k + 1]
        own |= {int(t) for t, x in zip(over.indices[lo:hi], over.taught[lo:hi]) if x}
        scale = 1.0 / max(len(own), 1)
    one = Rows(np.array([0, len(terms)], np.int64), terms, values, inv, ess, np.array([int(ess.sum())], np.int32),
               np.array([scale]))
    s = pair_score(st, one, c, 0, d)
    return 0.0 if s == -math.inf else s


def score_pairs(st: Settings, q: Rows, c: Rows, qp: Place, cp: Place, held, over, q_rows, o_rows,
                cols) -> np.ndarray:
    """Reference of :func:`.gaps.score_pairs`: float32 scores, -inf where the filters forbid a pair."""
    out = np.empty(len(cols), np.float32)
    for i, (r, k, d) in enumerate(zip(q_rows, o_rows, cols)):
        if st.filtered and not allowed(int(r), int(d), qp, cp, st.hours):
            out[i] = -np.inf
        else:
            out[i] = np.float32(raised_score(st, q, c, held, over, int(r), int(k), int(d)))
    return out


def unlock_scan(st: Settings, q: Rows, c: Rows, qp: Place, cp: Place, held, over, q_language, pair_indptr,
                pair_cols, theta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reference of :func:`.gaps.unlock_scan`: every listed pair below θ against every bundle, exactly.

    Returns (rows, bundles, counts, values) sorted by row, then bundle.
    """
    theta32 = np.float32(theta)
    found: dict[tuple[int, int], list] = {}
    for r in range(q.n_rows):
        for d in pair_cols[pair_indptr[r]:pair_indptr[r + 1]]:
            d = int(d)
            if st.filtered and not allowed(r, d, qp, cp, st.hours):
                continue
            if np.float32(raised_score(st, q, c, held, over, r, -1, d)) >= theta32:
                continue
            for k in range(len(over.indptr) - 1):
                if over.language[k] > q_language[r]:
                    continue
                s1 = np.float32(raised_score(st, q, c, held, over, r, k, d))
                if s1 >= theta32:
                    entry = found.setdefault((r, k), [0, 0.0])
                    entry[0] += 1
                    entry[1] += float(s1)
    keys = sorted(found)
    return (np.array([r for r, _ in keys], np.int32), np.array([k for _, k in keys], np.int32),
            np.array([found[key][0] for key in keys], np.int32), np.array([found[key][1] for key in keys]))
