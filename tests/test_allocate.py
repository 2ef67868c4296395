"""Allocation: optimality against brute force, stability by blocking pairs, congestion by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from skillmatch.batch.allocate import (
    allocate_caseload,
    congestion,
    exposure,
    gini,
    optimal_assignment,
    stable_assignment,
)
from skillmatch.problems import InputError


def random_lists(rng: np.random.Generator, n: int, m: int, k: int, *, ties: bool = False, pad: float = 0.2):
    """Top-k lists padded with -1 / -inf, each row best first, and capacities from 0 to 2."""
    indices = np.full((n, k), -1, np.int32)
    scores = np.full((n, k), -np.inf, np.float32)
    for i in range(n):
        length = int(rng.integers(0, k + 1)) if rng.random() < pad else k
        chosen = rng.choice(m, size=min(length, m), replace=False)
        values = rng.integers(1, 4, len(chosen)) / 4 if ties else rng.random(len(chosen))
        order = np.lexsort((chosen, -values))
        indices[i, :len(chosen)] = chosen[order]
        scores[i, :len(chosen)] = values[order]
    capacities = rng.integers(0, 3, m)
    return indices, scores, capacities


def brute_force_best(indices, scores, capacities) -> float:
    """The best total over every assignment (each person: one listed vacancy or none)."""
    options = [[None] + [(int(v), float(s)) for v, s in zip(row_i, row_s) if v >= 0 and s > 0]
               for row_i, row_s in zip(indices, scores)]
    best = 0.0
    for combo in itertools.product(*options):
        load = np.zeros(len(capacities), int)
        total = 0.0
        for pick in combo:
            if pick is not None:
                load[pick[0]] += 1
                total += pick[1]
        if (load <= capacities).all():
            best = max(best, total)
    return best


def check_feasible(assignment, indices, scores, capacities) -> None:
    n = len(indices)
    assert assignment.vacancy.shape == (n,) and assignment.vacancy.dtype == np.int32
    load = np.bincount(assignment.vacancy[assignment.vacancy >= 0], minlength=len(capacities))
    assert (load <= capacities).all(), "a capacity is exceeded"
    for i in range(n):
        v = assignment.vacancy[i]
        if v < 0:
            assert assignment.rank[i] == -1 and assignment.score[i] == -np.inf
            continue
        j = assignment.rank[i]
        assert indices[i, j] == v, "the assigned vacancy is not in the person's list at that rank"
        assert assignment.score[i] == scores[i, j]
    assert assignment.total_score == pytest.approx(float(assignment.score[assignment.vacancy >= 0].sum()))


def blocking_pairs(assignment, indices, scores, capacities) -> list[tuple[int, int]]:
    """(person, vacancy) pairs that would both rather have each other (ties by index, as documented)."""
    n = len(indices)
    held: dict[int, list[int]] = {}
    for i, v in enumerate(assignment.vacancy.tolist()):
        if v >= 0:
            held.setdefault(v, []).append(i)
    score = {(i, int(v)): float(s) for i in range(n) for v, s in zip(indices[i], scores[i]) if v >= 0 and s > 0}

    def person_prefers(i, v, current):
        if current < 0:
            return True
        return (score[(i, v)], -v) > (score[(i, current)], -current)

    def vacancy_prefers(v, i, other):
        return (score[(i, v)], -i) > (score[(other, v)], -other)

    found = []
    for (i, v) in score:
        current = int(assignment.vacancy[i])
        if v == current or capacities[v] == 0 or not person_prefers(i, v, current):
            continue
        holders = held.get(v, [])
        if len(holders) < capacities[v] or any(vacancy_prefers(v, i, other) for other in holders):
            found.append((i, v))
    return found


@pytest.mark.parametrize("seed", range(40))
def test_optimal_assignment_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m, k = int(rng.integers(1, 7)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    indices, scores, capacities = random_lists(rng, n, m, k, ties=seed % 3 == 0)
    result = optimal_assignment(indices, scores, capacities)
    check_feasible(result, indices, scores, capacities)
    assert result.method == "optimal"
    assert result.total_score == pytest.approx(brute_force_best(indices, scores, capacities), abs=1e-6)


@pytest.mark.parametrize("seed", range(40))
def test_stable_assignment_has_no_blocking_pair(seed):
    rng = np.random.default_rng(1000 + seed)
    n, m, k = int(rng.integers(1, 40)), int(rng.integers(1, 15)), int(rng.integers(1, 6))
    indices, scores, capacities = random_lists(rng, n, m, k, ties=seed % 2 == 0)
    result = stable_assignment(indices, scores, capacities)
    check_feasible(result, indices, scores, capacities)
    assert blocking_pairs(result, indices, scores, capacities) == []


def test_blocking_pair_check_can_fail():
    # the check must see a blocking pair when there is one: person 0 is left out of the
    # vacancy they both prefer
    indices = np.array([[0], [0]], np.int32)
    scores = np.array([[0.9], [0.5]], np.float32)
    capacities = np.array([1])
    good = stable_assignment(indices, scores, capacities)
    assert good.vacancy.tolist() == [0, -1]
    bad = type(good)("stable", np.array([-1, 0], np.int32), np.array([-np.inf, 0.5], np.float32),
                     np.array([-1, 0], np.int32), 0.5)
    assert blocking_pairs(bad, indices, scores, capacities) == [(0, 0)]


def test_optimal_differs_from_stable_where_it_should():
    # person 0 is first for both vacancies; the best total sends them to their second choice
    indices = np.array([[0, 1], [0, -1]], np.int32)
    scores = np.array([[0.9, 0.8], [0.7, -np.inf]], np.float32)
    capacities = np.array([1, 1])
    best = optimal_assignment(indices, scores, capacities)
    stable = stable_assignment(indices, scores, capacities)
    assert best.vacancy.tolist() == [1, 0] and best.total_score == pytest.approx(1.5)
    assert stable.vacancy.tolist() == [0, -1] and stable.total_score == pytest.approx(0.9)
    assert best.rank.tolist() == [1, 0]


def test_ties_go_to_the_lower_index():
    # two people with the same score for one position: the lower person index gets it; a
    # person with two equal vacancies proposes to the lower vacancy index first
    indices = np.array([[1, 0], [1, 0]], np.int32)
    scores = np.array([[0.5, 0.5], [0.5, 0.5]], np.float32)
    result = stable_assignment(indices, scores, np.array([1, 1]))
    assert result.vacancy.tolist() == [0, 1]
    result = stable_assignment(indices, scores, np.array([0, 1]))
    assert result.vacancy.tolist() == [1, -1]


def test_capacity_zero_and_min_score():
    indices = np.array([[0, 1], [1, 0]], np.int32)
    scores = np.array([[0.9, 0.0], [0.6, -0.5]], np.float32)
    for solve in (optimal_assignment, stable_assignment):
        result = solve(indices, scores, np.array([0, 5]))
        assert result.vacancy.tolist() == [-1, 1]  # vacancy 0 takes nobody; the 0.0 pair is not acceptable
        result = solve(indices, scores, np.array([1, 1]), min_score=0.7)
        assert result.vacancy.tolist() == [0, -1]


def test_deterministic_and_inputs_untouched():
    rng = np.random.default_rng(7)
    indices, scores, capacities = random_lists(rng, 200, 30, 5, ties=True)
    copies = indices.copy(), scores.copy(), capacities.copy()
    for solve in (optimal_assignment, stable_assignment):
        a, b = solve(indices, scores, capacities), solve(indices, scores, capacities)
        assert np.array_equal(a.vacancy, b.vacancy) and a.total_score == b.total_score
    assert all(np.array_equal(x, y) for x, y in zip((indices, scores, capacities), copies))


def test_larger_case_optimal_at_least_stable_and_capacities_hold():
    rng = np.random.default_rng(3)
    indices, scores, capacities = random_lists(rng, 3000, 400, 8)
    best = optimal_assignment(indices, scores, capacities)
    stable = stable_assignment(indices, scores, capacities)
    for result in (best, stable):
        check_feasible(result, indices, scores, capacities)
    assert best.total_score >= stable.total_score - 1e-6
    assert blocking_pairs(stable, indices, scores, capacities) == []


def test_independent_regions_are_solved_apart_and_together_alike():
    # two regions that share no vacancy: the optimum of the whole is the sum of the parts
    rng = np.random.default_rng(11)
    a = random_lists(rng, 60, 10, 4)
    b = random_lists(rng, 50, 12, 4)
    indices = np.vstack([a[0], np.where(b[0] >= 0, b[0] + 10, -1)])
    scores = np.vstack([a[1], b[1]])
    capacities = np.concatenate([a[2], b[2]])
    whole = optimal_assignment(indices, scores, capacities).total_score
    parts = optimal_assignment(*a).total_score + optimal_assignment(*b).total_score
    assert whole == pytest.approx(parts)


def test_empty_inputs():
    empty_i, empty_s = np.zeros((0, 3), np.int32), np.zeros((0, 3), np.float32)
    for solve in (optimal_assignment, stable_assignment):
        result = solve(empty_i, empty_s, np.array([1, 2]))
        assert result.vacancy.shape == (0,) and result.total_score == 0.0
        result = solve(np.full((2, 2), -1, np.int32), np.full((2, 2), -np.inf, np.float32), np.zeros(0, int))
        assert result.vacancy.tolist() == [-1, -1]


@pytest.mark.parametrize("indices, scores, capacities, message", [
    (np.zeros((2, 2), np.int32), np.zeros((2, 3)), [1], r"indices and scores: expected two arrays of shape"),
    (np.zeros((2, 2)), np.zeros((2, 2)), [1], r"indices: expected integers, got dtype float64"),
    (np.array([[0, 3]]), np.array([[0.5, 0.4]]), [1, 1], r"expected -1 \(padding\) or a vacancy from 0 to 1.*found 3"),
    (np.array([[0, -2]]), np.array([[0.5, 0.4]]), [1], r"found -2"),
    (np.array([[0, 0]]), np.array([[0.5, 0.4]]), [1], r"indices row 0: a vacancy is listed twice"),
    (np.array([[0]]), np.array([[np.nan]]), [1], r"scores row 0: expected numbers .* found NaN"),
    (np.array([[0]]), np.array([[0.5]]), [-1], r"capacities: expected non-negative .* found -1 at vacancy 0"),
    (np.array([[0]]), np.array([[0.5]]), [1.5], r"capacities: expected a 1-d array of integers"),
    (np.array([[0]]), np.array([["a"]]), [1], r"scores: expected floats"),
])
def test_bad_inputs(indices, scores, capacities, message):
    for solve in (optimal_assignment, stable_assignment):
        with pytest.raises(InputError, match=message):
            solve(indices, scores, np.asarray(capacities))


# --- congestion --------------------------------------------------------------------------------


def test_gini_by_hand():
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n - 1) / n for everything on one of n
    # [0, 1, 3]: sum |xi - xj| over ordered pairs = 2 * (1 + 3 + 2) = 12; 12 / (2 * 3 * 4) = 0.5
    assert gini([3, 0, 1]) == pytest.approx(0.5)
    assert gini([]) == 0.0 and gini([0, 0]) == 0.0


def test_congestion_of_top_k_and_assignments_by_hand():
    # 4 people, 4 vacancies with one position each; everyone lists vacancy 0 first
    indices = np.array([[0, 1], [0, 2], [0, 1], [0, -1]], np.int32)
    scores = np.array([[0.9, 0.5], [0.8, 0.7], [0.7, 0.6], [0.6, -np.inf]], np.float32)
    capacities = np.array([1, 1, 1, 1])
    assert exposure(indices, 4).tolist() == [4, 2, 1, 0]
    assert exposure(indices, 4, depth=1).tolist() == [4, 0, 0, 0]
    result = allocate_caseload(indices, scores, capacities)
    top_k = result.congestion["top_k"]
    assert top_k.people_per_vacancy.tolist() == [4, 2, 1, 0]
    assert top_k.mean == pytest.approx(7 / 4) and top_k.max == 4
    assert top_k.distribution.tolist() == [1, 1, 1, 0, 1]
    assert top_k.share_none == pytest.approx(0.25)
    assert top_k.share_over_capacity == pytest.approx(0.5)
    # sorted [0, 1, 2, 4]: sum |xi - xj| over ordered pairs = 2 * (1+2+4+1+3+2) = 26; 26 / (2*4*7)
    assert top_k.gini == pytest.approx(26 / 56)
    top_1 = result.congestion["top_1"]
    assert top_1.share_none == pytest.approx(0.75) and top_1.gini == pytest.approx(0.75)
    # stable: 0 -> 0, 1 -> 2, 2 -> 1, 3 -> nothing; the best total is the same here (0.9 + 0.7 + 0.6)
    assert result.stable.vacancy.tolist() == [0, 2, 1, -1]
    assert result.optimal.total_score == pytest.approx(2.2)
    stable = result.congestion["stable"]
    assert stable.people_per_vacancy.tolist() == [1, 1, 1, 0]
    assert stable.share_none == pytest.approx(0.25) and stable.share_over_capacity == 0.0
    assert stable.gini == pytest.approx(0.25)
    assert set(result.congestion) == {"top_k", "top_1", "optimal", "stable"}
    assert stable.to_dict()["distribution"] == [1, 3]


def test_congestion_errors():
    with pytest.raises(InputError, match=r"capacities: expected 3 values \(one per vacancy\), got 2"):
        congestion([1, 2, 3], [1, 1])
    with pytest.raises(InputError, match=r"indices: expected vacancies below 2, found 5"):
        exposure(np.array([[5]]), 2)
    with pytest.raises(InputError, match=r"methods: expected 'optimal' and/or 'stable', got \['greedy'\]"):
        allocate_caseload(np.array([[0]]), np.array([[0.5]]), np.array([1]), methods=("greedy",))
