"""Regional analysis: the portfolio choice (greedy against the exact optimum, its bound),
the supply/demand/shortage figures recomputed by hand, and the unlock values against the
re-vectorising method."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillmatch.problems import InputError
from skillmatch.recommend import Catalogue, regional_analysis, select_portfolio
from skillmatch.recommend.regional import portfolio_value

GUARANTEE = 1 - 1 / math.e


def brute_force(w: np.ndarray, k: int, cap: float) -> float:
    capped = np.minimum(w, cap)
    size = min(k, w.shape[1])
    return max((capped[:, list(s)].max(axis=1).sum() for s in combinations(range(w.shape[1]), size)), default=0.0)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), people=st.integers(1, 12), modules=st.integers(1, 8), k=st.integers(1, 4),
       cap=st.sampled_from([math.inf, 1.0, 2.5]), density=st.floats(0.05, 0.9))
def test_greedy_within_its_guarantee_and_exact_is_the_optimum(seed, people, modules, k, cap, density):
    rng = np.random.default_rng(seed)
    w = np.where(rng.random((people, modules)) < density, rng.choice([0.5, 0.7, 1.0, 1.4, 2.8], (people, modules)),
                 0.0)
    values = sp.csr_matrix(w)
    best = brute_force(w, k, cap)
    greedy = select_portfolio(values, k, cap=cap, method="greedy")
    exact = select_portfolio(values, k, cap=cap, method="exact")
    assert exact.method == "exact" and greedy.method == "greedy"
    assert exact.objective == pytest.approx(best, rel=1e-12, abs=1e-12)
    assert greedy.objective >= GUARANTEE * best - 1e-9
    assert greedy.upper_bound >= best - 1e-9  # the a posteriori bound really bounds the optimum
    for choice in (greedy, exact):
        assert len(set(choice.selected.tolist())) == len(choice.selected) <= k
        assert choice.objective == pytest.approx(portfolio_value(values, choice.selected, cap), rel=1e-12)
        assert choice.objective == pytest.approx(choice.gains.sum(), rel=1e-12, abs=1e-12)
        assert (np.diff(choice.gains) <= 1e-12).all()  # diminishing gains (submodular, in greedy order)
    auto = select_portfolio(values, k, cap=cap)
    assert auto.method == "exact"  # small: exact


def test_greedy_can_miss_the_optimum_and_says_how_far_it_may_be():
    # the classic: module 0 reaches all four people a little (2.4), modules 1 and 2 two people each fully
    # (2.0 each): greedy takes 0 first and ends at 3.2; the optimum, 1 and 2, is 4.0
    w = np.array([[0.6, 1.0, 0.0], [0.6, 1.0, 0.0], [0.6, 0.0, 1.0], [0.6, 0.0, 1.0]])
    values = sp.csr_matrix(w)
    greedy = select_portfolio(values, 2, method="greedy")
    exact = select_portfolio(values, 2, method="exact")
    assert greedy.selected[0] == 0 and greedy.objective < exact.objective == pytest.approx(4.0)
    assert greedy.objective >= GUARANTEE * exact.objective
    assert greedy.upper_bound >= exact.objective
    assert 0 < greedy.certified < 1 and exact.certified == 1


def test_portfolio_errors():
    values = sp.csr_matrix(np.ones((3, 30)))
    with pytest.raises(InputError, match=r"select_portfolio field 'method': 142506 portfolios to enumerate"):
        select_portfolio(values, 5, method="exact")
    assert select_portfolio(values, 5).method == "greedy"  # auto: too many to enumerate
    with pytest.raises(InputError, match=r"select_portfolio field 'values': expected finite values ≥ 0"):
        select_portfolio(sp.csr_matrix(-np.ones((2, 2))), 1)
    with pytest.raises(InputError, match=r"select_portfolio field 'k': expected an integer >= 1, got 0"):
        select_portfolio(values, 0)
    with pytest.raises(InputError, match=r"select_portfolio field 'values': expected a scipy sparse matrix"):
        select_portfolio(np.ones((2, 2)), 1)
    empty = select_portfolio(sp.csr_matrix((4, 3)), 2)
    assert len(empty.selected) == 0 and empty.objective == 0


# --- on a demo caseload -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def caseload(shipped):
    from skillmatch.caseload import generate_caseload

    return generate_caseload(shipped, "twente", n_jobseekers=400, n_vacancies=250, seed=5)


@pytest.fixture(scope="module")
def analysis(shipped, caseload):
    jobseekers, vacancies = caseload
    return regional_analysis(shipped, jobseekers, vacancies, region="twente", k_modules=6, reach=60)


def test_sector_figures_add_up(analysis, caseload, shipped):
    jobseekers, vacancies = caseload
    figures = analysis.sectors
    assert sum(f.vacancies for f in figures) == len(vacancies)
    assert sum(f.positions for f in figures) == sum(v.positions for v in vacancies) == analysis.n_positions
    assert sum(f.jobseekers_from for f in figures) == len(jobseekers)
    crucial = [f.crucial for f in figures]
    assert crucial == sorted(crucial, reverse=True)  # crucial sectors first
    for f in figures:
        assert f.jobseekers_matched <= f.jobseekers_matched_after
        assert f.vacancies_matched <= f.vacancies_matched_after <= f.vacancies
    by_id = {v.id: v for v in vacancies}
    zorg = next(f for f in figures if f.sector == "zorg-welzijn")
    sector_of = {v.id: v.sector or shipped.occupation_sector[shipped.occupations.index[v.occupation]]
                 for v in vacancies}
    assert zorg.vacancies == sum(1 for v in vacancies if sector_of[v.id] == "zorg-welzijn")
    # matches recounted from the per-person lists
    zorg_people = sum(1 for row in analysis.matches
                      if any(sector_of[analysis.vacancy_ids[d]] == "zorg-welzijn" for d in row if d >= 0))
    assert zorg.jobseekers_matched == zorg_people
    assert analysis.matched_now <= analysis.matched_after <= len(jobseekers)
    assert by_id


def test_shortage_matches_its_formula(analysis, caseload, shipped):
    """Demand, supply, coverage and shortage recomputed record by record for the top shortages."""
    from skillmatch.vectorize import people

    jobseekers, vacancies = caseload
    eff = analysis.index.prepare(people(shipped, jobseekers)).eff
    weight = dict(zip(("somewhat", "important", "essential"), (0.5, 0.75, 1.0)))
    level_of = {1: "somewhat", 2: "important", 3: "essential"}
    tx = shipped
    for s in analysis.shortages[:6]:
        t = tx.concepts.index[s.concept]
        demand = asked = total = 0.0
        for v in vacancies:
            sector = v.sector or tx.occupation_sector[tx.occupations.index[v.occupation]]
            if v.requirements:
                reqs = [(r.skill, weight[r.importance], r.level) for r in v.requirements]
            else:
                o = tx.occupations.index[v.occupation]
                lo, hi = tx.requirements.indptr[o], tx.requirements.indptr[o + 1]
                reqs = [(tx.concepts.ids[j], weight[level_of[int(c)]], float(lv)) for j, c, lv in
                        zip(tx.requirements.indices[lo:hi], tx.requirements.data[lo:hi],
                            tx.requirement_levels.data[lo:hi])]
            for skill, w, lv in reqs:
                if skill == s.concept:
                    total += v.positions * w
                    if sector == s.sector:
                        demand += v.positions * w
                        asked += v.positions * w * lv
        level = asked / demand
        supply = sum(min(1.0, float(e) / level) for i in range(eff.n_rows) for j, e in zip(*eff.row(i)) if j == t)
        coverage = min(1.0, supply / total)
        assert s.demand == pytest.approx(demand) and s.level == pytest.approx(level)
        assert s.supply == pytest.approx(supply) and s.coverage == pytest.approx(coverage)
        assert s.shortage == pytest.approx(demand * (1 - coverage))
    for sector in {s.sector for s in analysis.shortages}:
        values = [s.shortage for s in analysis.shortages if s.sector == sector]
        assert values == sorted(values, reverse=True)


def test_portfolio_is_consistent(analysis):
    p = analysis.portfolio
    assert 1 <= len(p) <= 6 and p.method in ("greedy", "exact")
    assert p.people_reached == int((p.assignment >= 0).sum()) == int(p.people.sum())
    assert p.matches_unlocked == int(p.matches.sum())
    assert sum(len(u) for u in analysis.unlocked) == p.matches_unlocked
    assert p.upper_bound >= p.objective > 0
    assert p.certified >= GUARANTEE
    assert (np.diff(p.gains) <= 1e-9).all()
    for person, module in enumerate(p.assignment):
        assert (module >= 0) == (len(analysis.unlocked[person]) > 0)


def test_exact_portfolio_on_a_small_case(shipped, caseload):
    jobseekers, vacancies = caseload
    greedy = regional_analysis(shipped, jobseekers[:120], vacancies[:80], k_modules=2, reach=40, method="greedy")
    exact = regional_analysis(shipped, jobseekers[:120], vacancies[:80], k_modules=2, reach=40, method="exact",
                              exact_limit=100_000)
    assert exact.portfolio.method == "exact"
    assert exact.portfolio.objective >= greedy.portfolio.objective - 1e-9
    assert greedy.portfolio.objective >= GUARANTEE * exact.portfolio.objective
    assert greedy.portfolio.upper_bound >= exact.portfolio.objective - 1e-9


def test_unlock_values_equal_the_rows_method(shipped, caseload):
    """The overlay kernel and re-vectorising every trained person give the same counts."""
    from skillmatch import Matcher, kernels
    from skillmatch.recommend.regional import _unlock_by_rows
    from skillmatch.recommend.unlock import module_bundles
    from skillmatch.vectorize import people, work

    jobseekers, vacancies = caseload
    js, vs = jobseekers[:40], vacancies[:120]
    catalogue = Catalogue.from_taxonomy(shipped)
    index = Matcher(shipped).fit(vs).index_
    pb = people(shipped, js)
    side = index.prepare(pb)
    ranked, scores = index.rank(side, 50)
    near = (ranked >= 0) & (scores < np.float32(0.6))
    lists = [np.sort(ranked[p][near[p]]).astype(np.int32) for p in range(len(js))]
    indptr = np.zeros(len(js) + 1, np.int64)
    np.cumsum([len(x) for x in lists], out=indptr[1:])
    cols = np.concatenate(lists)
    bundles = module_bundles(catalogue, [(m,) for m in range(0, len(catalogue), 3)], index.credit)
    language = np.full(len(js), 6, np.int8)
    fast = kernels.unlock_scan(index.kernel_settings(side, 1), side.rows, index.candidates.rows, side.place,
                               index.candidates.place, kernels.Held(pb.held.indptr, pb.held.indices),
                               bundles.overlay, language, indptr, cols, 0.6, shipped.n_concepts)
    slow = _unlock_by_rows(index, pb, side, bundles, language, indptr, cols, 0.6, None, chunk=7)
    order = np.lexsort((slow[1], slow[0]))
    for a, b in zip(fast[:3], (x[order] for x in slow[:3])):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(fast[3], slow[3][order], rtol=1e-12)
    assert len(fast[0]) > 0
    assert work(shipped, vs).ids == index.ids


def test_cosine_analysis_runs_through_the_rows_method(shipped, caseload):
    from skillmatch import Matcher

    jobseekers, vacancies = caseload
    a = regional_analysis(shipped, jobseekers[:30], vacancies[:60], matcher=Matcher(shipped, "cosine"),
                          k_modules=2, reach=20, threshold=0.3)
    assert a.portfolio.objective >= 0 and len(a.sectors) > 0


def test_regional_errors(shipped, caseload):
    jobseekers, vacancies = caseload
    with pytest.raises(InputError, match=r"regional_analysis field 'region': region 'atlantis' is not"):
        regional_analysis(shipped, jobseekers, vacancies, region="atlantis")
    with pytest.raises(InputError, match=r"jobseekers: no Jobseeker records in region 'rijnmond'"):
        regional_analysis(shipped, jobseekers, vacancies, region="rijnmond")
    with pytest.raises(InputError, match=r"regional_analysis field 'k_modules': expected an integer >= 1"):
        regional_analysis(shipped, jobseekers, vacancies, k_modules=0)
    with pytest.raises(InputError, match=r"regional_analysis field 'method': expected one of 'auto', 'greedy', 'exact'"):
        regional_analysis(shipped, jobseekers, vacancies, method="best")
    with pytest.raises(InputError, match=r"vacancies field '\[0\]': expected Vacancy records, got Jobseeker"):
        regional_analysis(shipped, jobseekers, jobseekers)
    with pytest.raises(InputError, match=r"regional_analysis field 'threshold': expected a number above 0 to 1, or None, got 0"):
        regional_analysis(shipped, jobseekers, vacancies, threshold=0)
