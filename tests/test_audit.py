"""The audit: exposure by group, selection rates and the four-fifths rule, score distributions and
congestion, checked on small results computed by hand; files and group labels in and out; and
every bad input giving an InputError that names the file, line and field."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from skillmatch.audit import (
    FOUR_FIFTHS,
    PURPOSE,
    Audit,
    GroupLabels,
    audit,
    audit_file,
    audit_result,
    rank_weights,
    read_groups,
)
from skillmatch.batch.allocate import congestion, exposure
from skillmatch.batch.writers import write_results
from skillmatch.problems import InputError

NEG = -np.inf
W2 = 1 / math.log2(3)  # weight of rank 2
W3 = 0.5  # 1 / log2(4), rank 3

#: 4 jobseekers (rows) x 3 vacancies, top 3.
#: p1: v1 0.9, v2 0.4 | p2: v2 0.7, v3 0.6, v1 0.2 | p3: v3 0.55 | p4: nothing
INDICES = np.array([[0, 1, -1], [1, 2, 0], [2, -1, -1], [-1, -1, -1]], np.int32)
SCORES = np.array([[0.9, 0.4, NEG], [0.7, 0.6, 0.2], [0.55, NEG, NEG], [NEG, NEG, NEG]], np.float32)
QUERIES = ["p1", "p2", "p3", "p4"]
VACANCIES = ["v1", "v2", "v3"]
PEOPLE_GROUPS = {"p1": "A", "p2": "A", "p3": "B", "p4": "B"}


def run(groups=None, **options) -> Audit:
    return audit(INDICES, SCORES, QUERIES, VACANCIES, groups, **options)


# --- figures by hand ----------------------------------------------------------------------------------


def test_rank_weights_are_one_over_log2_of_rank_plus_one():
    assert rank_weights(4).tolist() == pytest.approx([1.0, W2, W3, 1 / math.log2(5)], rel=1e-15)
    assert rank_weights(0).shape == (0,)


def test_exposure_and_selection_of_queries_by_hand():
    a = run(PEOPLE_GROUPS, threshold=0.5)
    assert a.side == "queries" and (a.n_queries, a.n_candidates, a.k, a.n_slots) == (4, 3, 3, 6)
    assert (a.n_labelled, a.n_unlabelled) == (4, 0)
    g_a, g_b = a.groups
    assert (g_a.group, g_b.group) == ("A", "B")
    # exposure: slots in the members' own lists
    assert (g_a.exposure, g_b.exposure) == (5, 1)
    weighted_a = (1 + W2) + (1 + W2 + W3)
    assert g_a.weighted_exposure == pytest.approx(weighted_a, rel=1e-15)
    assert g_b.weighted_exposure == 1.0
    assert g_a.weighted_share == pytest.approx(weighted_a / (weighted_a + 1), rel=1e-15)
    assert g_a.exposure_share == 5 / 6 and g_b.exposure_share == 1 / 6
    assert g_a.share_of_members == g_b.share_of_members == 0.5
    assert g_b.disparity == pytest.approx((1 / (weighted_a + 1)) / 0.5, rel=1e-15)
    assert g_a.exposure_per_member == 2.5 and g_b.weighted_per_member == 0.5
    assert (g_a.recommended, g_b.recommended) == (2, 1)
    # selection at 0.5: p1 (0.9), p2 (0.7), p3 (0.55); p4 has nothing
    assert (g_a.selected, g_b.selected) == (2, 1)
    assert (g_a.selection_rate, g_b.selection_rate) == (1.0, 0.5)
    assert (g_a.selection_ratio, g_b.selection_ratio) == (1.0, 0.5)
    assert (g_a.flagged, g_b.flagged) == (False, True)
    assert a.flagged == ("B",)
    # everyone together
    assert a.overall.group == "all" and a.overall.members == 4 and a.overall.selection_rate == 0.75
    assert a.overall.selection_ratio is None and a.overall.disparity == 1.0


def test_score_distributions_by_hand():
    a = run(PEOPLE_GROUPS, threshold=0.5)
    g_a = a.group("A")
    assert g_a.scores.n == 5
    assert g_a.scores.mean == pytest.approx(sum(np.float32([0.9, 0.4, 0.7, 0.6, 0.2]).tolist()) / 5, rel=1e-15)
    assert g_a.scores.min == float(np.float32(0.2)) and g_a.scores.max == float(np.float32(0.9))
    assert g_a.scores.quantiles[50] == float(np.float32(0.6))
    # bins [<0.1, 0.1-0.2, ..., >=0.9], edges in float32 like the scores: float32(0.7) is in 0.7-0.8
    assert g_a.scores.histogram == (0, 0, 1, 0, 1, 0, 1, 1, 0, 1)
    assert g_a.best_scores.n == 2 and g_a.best_scores.quantiles[50] == pytest.approx((0.9 + 0.7) / 2, rel=1e-7)
    g_b = a.group("B")
    assert g_b.best_scores.n == 1 and g_b.best_scores.max == float(np.float32(0.55))
    empty = audit(INDICES, SCORES, QUERIES, VACANCIES, {"p4": "C", "p1": "A"}).group("C")
    assert empty.scores.n == 0 and empty.scores.mean is None and empty.scores.quantiles[50] is None
    assert empty.scores.histogram == (0,) * 10 and empty.members == 1 and empty.selected == 0


def test_exposure_of_candidates_by_hand():
    # v1 at ranks 1 (p1) and 3 (p2); v2 at 2 (p1) and 1 (p2); v3 at 2 (p2) and 1 (p3)
    a = run({"v1": "X", "v2": "Y", "v3": "Y"}, threshold=0.5)
    assert a.side == "candidates"
    x, y = a.groups
    assert (x.members, y.members) == (1, 2)
    assert (x.exposure, y.exposure) == (2, 4)
    assert x.weighted_exposure == pytest.approx(1 + W3, rel=1e-15)
    assert y.weighted_exposure == pytest.approx((W2 + 1) + (W2 + 1), rel=1e-15)
    total = 1 + W3 + 2 * (W2 + 1)
    assert x.disparity == pytest.approx(((1 + W3) / total) / (1 / 3), rel=1e-14)
    # selected at 0.5: v1 (0.9), v2 (0.7), v3 (0.6, 0.55)
    assert (x.selection_rate, y.selection_rate) == (1.0, 1.0) and a.flagged == ()
    # at 0.65 only v1 (0.9) and v2 (0.7) are selected: Y has 1 of 2
    b = run({"v1": "X", "v2": "Y", "v3": "Y"}, threshold=0.65)
    assert b.group("Y").selection_rate == 0.5 and b.group("Y").selection_ratio == 0.5 and b.flagged == ("Y",)


def test_the_four_fifths_boundary():
    # 5 in each group; A: all selected; B: 4 (ratio exactly 0.8, not flagged) or 3 (0.6, flagged)
    n = 10
    indices = np.zeros((n, 1), np.int32)
    ids = [f"p{i}" for i in range(n)]
    groups = {p: "A" if i < 5 else "B" for i, p in enumerate(ids)}
    for selected_b, flagged in ((4, ()), (3, ("B",))):
        scores = np.full((n, 1), 0.9, np.float32)
        scores[5 + selected_b:] = 0.1
        a = audit(indices, scores, ids, ["v"], groups, threshold=0.5)
        assert a.group("B").selection_ratio == pytest.approx(selected_b / 5)
        assert a.flagged == flagged
    a = audit(indices, scores, ids, ["v"], groups, threshold=0.5, four_fifths=0.5)
    assert a.flagged == () and a.four_fifths == 0.5
    assert FOUR_FIFTHS == 0.8


def test_nobody_selected_gives_no_ratio_and_no_flag():
    a = run(PEOPLE_GROUPS, threshold=0.95)
    assert all(g.selection_rate == 0 and g.selection_ratio is None and not g.flagged for g in a.groups)


def test_threshold_is_compared_in_the_scores_precision():
    scores = np.array([[0.7]], np.float32)  # float32(0.7) < 0.7 in float64
    assert audit(np.array([[0]]), scores, ["p"], ["v"], threshold=0.7).overall.selected == 1
    assert audit(np.array([[0]]), scores.astype(np.float64), ["p"], ["v"], threshold=0.7).overall.selected == 0


def test_default_threshold_is_the_match_threshold():
    from skillmatch.recommend import MATCH_THRESHOLD

    assert run().threshold == MATCH_THRESHOLD


def test_people_without_a_label_are_counted_and_left_out():
    a = run({"p1": "A", "p3": "B"}, threshold=0.5)
    assert (a.n_labelled, a.n_unlabelled) == (2, 2)
    assert a.group("A").share_of_members == 0.5 and a.group("A").exposure == 2
    assert a.group("A").exposure_share == 2 / 3  # of the labelled people's exposure (2 + 1)
    assert a.overall.members == 4 and a.overall.exposure == 6


def test_congestion_reuses_the_allocation_figures():
    capacities = np.array([1, 1, 2])
    a = run(capacities=capacities)
    for name, depth in (("top_k", None), ("top_1", 1)):
        expected = congestion(exposure(INDICES, 3, depth=depth), capacities, name=name)
        assert a.congestion[name].to_dict() == expected.to_dict()
    # by hand: top-1 counts v1 1 (p1), v2 1 (p2), v3 1 (p3); top-k 2, 2, 2
    assert a.congestion["top_k"].people_per_vacancy.tolist() == [2, 2, 2]
    assert a.congestion["top_k"].share_over_capacity == pytest.approx(2 / 3)
    skewed = audit(np.array([[0], [0], [0], [1]]), np.full((4, 1), 0.8, np.float32), QUERIES, VACANCIES)
    c = skewed.congestion["top_k"]
    assert c.people_per_vacancy.tolist() == [3, 1, 0] and c.share_none == pytest.approx(1 / 3)
    # Gini of (0, 1, 3): sum |xi - xj| over ordered pairs = 2 (1 + 3 + 2) = 12; / (2 n sum) = 12 / 24
    assert c.gini == pytest.approx(0.5)


def test_expected_groups_set_the_order():
    a = run(PEOPLE_GROUPS, expected_groups=["B", "A"])
    assert [g.group for g in a.groups] == ["B", "A"]


def test_report_is_json_and_deterministic():
    a, b = run(PEOPLE_GROUPS), run(dict(reversed(list(PEOPLE_GROUPS.items()))))
    text = json.dumps(a.to_dict(), sort_keys=True, allow_nan=False)
    assert text == json.dumps(b.to_dict(), sort_keys=True, allow_nan=False)
    data = json.loads(text)
    assert data["purpose"] == PURPOSE["en"] and data["flagged"] == ["B"]
    assert data["groups"][0]["scores"]["quantiles"]["p50"] == a.groups[0].scores.quantiles[50]
    assert data["congestion"]["top_k"]["gini"] == a.congestion["top_k"].gini


def test_summary_text_in_dutch_and_english():
    a = run(PEOPLE_GROUPS, threshold=0.5)
    nl, en = a.summary(), a.summary("en")
    assert "nooit invoer voor de scores" in nl and "never a scoring input" in en
    assert "Let op: B heeft selectieratio 0,50 (< 0,80); 2 leden" in nl
    assert "Note: B has selection ratio 0.50 (< 0.80); 2 members" in en
    assert "Congestie (top_k)" in nl and "Gini" in en
    assert "p1" not in nl and "p2" not in en  # counts only, never a person
    assert "No group labels" in run().summary("en")


def test_inputs_are_not_changed():
    indices, scores = INDICES.copy(), SCORES.copy()
    groups = dict(PEOPLE_GROUPS)
    audit(indices, scores, QUERIES, VACANCIES, groups)
    assert np.array_equal(indices, INDICES) and np.array_equal(scores, SCORES) and groups == PEOPLE_GROUPS


def test_audit_of_a_match_result(shipped):
    from skillmatch import Jobseeker, Matcher, SkillClaim

    skills = list(shipped.concepts.ids[:40])
    people = [Jobseeker(id=f"j{i}", skills=[SkillClaim(skill=s) for s in skills[i::5]]) for i in range(5)]
    result = Matcher(shipped).fit("occupations").match(people, k=5)
    a = audit_result(result, {f"j{i}": "even" if i % 2 == 0 else "odd" for i in range(5)})
    b = audit(result.indices, result.scores, result.query_ids, result.candidate_ids,
              {f"j{i}": "even" if i % 2 == 0 else "odd" for i in range(5)})
    assert a.to_dict() == b.to_dict() and a.n_candidates == shipped.n_occupations


# --- files --------------------------------------------------------------------------------------------


def write_csv(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_results_and_labels_from_files(tmp_path):
    results = write_results(tmp_path / "matches.csv", INDICES, SCORES, QUERIES, VACANCIES)
    labels = write_csv(tmp_path / "groups.csv", "id,group,other\np1,A,x\np2,A,\np3,B,\np4,B,\n")
    read = read_groups(labels)
    assert read.labels == PEOPLE_GROUPS and read.line("p3") == 4 and read.where == str(labels)
    from_arrays = run(PEOPLE_GROUPS).to_dict()
    # p4 has no row in the file: with the run's query ids it counts as not selected
    from_file = audit_file(results, labels, query_ids=QUERIES, candidate_ids=VACANCIES).to_dict()
    for key in ("groups", "overall", "congestion", "n_slots", "flagged"):
        assert from_file[key] == from_arrays[key], key
    assert from_file["source"] == str(results) and from_file["group_source"] == str(labels)
    # without them p4 is not in the results at all, and its label is an error that says what to do
    with pytest.raises(InputError, match=r"groups.csv line 5 record 'p4' field 'id': id 'p4' is not among the "
                                         r"queries") as exc:
        audit_file(results, labels)
    assert "pass query_ids" in str(exc.value)
    assert audit_file(results, {"p1": "A", "p3": "B"}).n_queries == 3


def test_group_file_with_semicolons_and_another_column(tmp_path):
    labels = write_csv(tmp_path / "groups.csv", "\ufeffid;leeftijdsgroep\np1;<27\np2;27-50\n\np3;50+\n")
    read = read_groups(labels, column="leeftijdsgroep")
    assert read.labels == {"p1": "<27", "p2": "27-50", "p3": "50+"} and read.line("p3") == 5


def test_a_results_file_with_a_bad_row_is_refused_with_its_line(tmp_path):
    results = write_csv(tmp_path / "matches.csv", "query,rank,candidate,score\np1,1,v1,0.9\np1,2,v2,abc\n")
    with pytest.raises(InputError, match=r"matches.csv line 3 record 'p1' field 'score'"):
        audit_file(results)


def test_a_results_file_with_a_query_outside_the_ids_given(tmp_path):
    results = write_results(tmp_path / "matches.csv", INDICES, SCORES, QUERIES, VACANCIES)
    with pytest.raises(InputError, match=r"matches.csv line 4 record 'p2' field 'query': query 'p2' is not among "
                                         r"the query_ids given"):
        audit_file(results, query_ids=["p1", "p3", "p4"])
    with pytest.raises(InputError, match=r"matches.csv line 2 record 'p1' field 'candidate': candidate 'v1' is not"):
        audit_file(results, candidate_ids=["v2", "v3"])


def test_an_empty_results_file(tmp_path):
    results = write_csv(tmp_path / "matches.csv", "query,rank,candidate,score\n")
    with pytest.raises(InputError, match=r"matches.csv: the results are empty \(0 queries"):
        audit_file(results)
    with pytest.raises(InputError, match=r"matches.csv: no such file"):
        audit_file(tmp_path / "absent" / "matches.csv")


@pytest.mark.parametrize(("text", "pattern"), [
    ("id,group\np1,A\nx9,B\n", r"groups.csv line 3 record 'x9' field 'id': id 'x9' is not among the queries"),
    ("id,group\np1,A\np2,\n", r"groups.csv line 3 record 'p2' field 'group': the group is empty"),
    ("id,group\np1,A\n,B\n", r"groups.csv line 3 field 'id': the id is empty"),
    ("id,group\np1,A\np1,B\n", r"groups.csv line 3 record 'p1' field 'id': id 'p1' appears twice \(first on line 2\)"),
    ("id,grp\np1,A\n", r"groups.csv line 1 field 'group': missing column 'group' \(did you mean 'grp'\?\)"),
    ("id,group,group\np1,A,B\n", r"groups.csv line 1 field 'group': column 'group' appears twice"),
    ("id,group\np1\n", r"groups.csv line 2: expected 2 fields as in the header, found 1"),
    ('id,group\np1,"A\np2,B\n', r"groups.csv line 2: a quoted value runs from line 2 to line 3"),
    ("id,group\n", r"groups.csv line 1: no group labels"),
    ("", r"groups.csv line 1: the file is empty"),
])
def test_bad_group_files(tmp_path, text, pattern):
    labels = write_csv(tmp_path / "groups.csv", text)
    with pytest.raises(InputError, match=pattern):
        run(labels)


def test_group_files_in_other_encodings(tmp_path):
    latin = write_csv(tmp_path / "groups.csv", "id,group\np1,Curaçao\n", "latin-1")
    with pytest.raises(InputError, match=r"groups.csv line 2: not valid UTF-8 \(byte 0xe7\)"):
        read_groups(latin)
    utf16 = write_csv(tmp_path / "groups16.csv", "id,group\np1,A\n", "utf-16")
    with pytest.raises(InputError, match=r"groups16.csv line 1: the file is UTF-16"):
        read_groups(utf16)
    with pytest.raises(InputError, match=r"no such file"):
        read_groups(tmp_path / "absent.csv")
    with pytest.raises(InputError, match=r"is a folder"):
        read_groups(tmp_path)


# --- bad input ----------------------------------------------------------------------------------------


def test_unknown_ids_in_a_mapping():
    with pytest.raises(InputError, match=r"groups record 'p9' field 'id': id 'p9' is not among the queries of the "
                                         r"results \(closest: 'p"):
        run({"p1": "A", "p9": "B"})
    with pytest.raises(InputError, match=r"id 'v1' is not among the queries \(it is on the other side: pass side=\)"):
        run({"p1": "A", "p2": "A", "v1": "B"})
    with pytest.raises(InputError, match=r"id 'p1' is not among the candidates"):
        run({"p1": "A"}, side="candidates")


def test_a_group_with_no_members_and_a_group_not_expected():
    with pytest.raises(InputError, match=r"groups field 'group': group 'C' has no members among the queries"):
        run(PEOPLE_GROUPS, expected_groups=["A", "B", "C"])
    with pytest.raises(InputError, match=r"groups record 'p3' field 'group': group 'B' is not among the expected "
                                         r"groups \['A'\]"):
        run(PEOPLE_GROUPS, expected_groups=["A"])
    with pytest.raises(InputError, match=r"audit field 'expected_groups': expected_groups needs group labels"):
        run(expected_groups=["A"])
    with pytest.raises(InputError, match=r"audit field 'expected_groups': expected a list of group names"):
        run(PEOPLE_GROUPS, expected_groups="A")


def test_bad_labels():
    with pytest.raises(InputError, match=r"groups record 'p1' field 'group': expected a non-empty text group"):
        run({"p1": ""})
    with pytest.raises(InputError, match=r"groups field 'id': expected a non-empty text id, got 3"):
        run({3: "A"})
    with pytest.raises(InputError, match=r"groups: no group labels: the mapping is empty"):
        run({})
    with pytest.raises(InputError, match=r"audit field 'groups': expected a mapping of person id to group"):
        run(["p1", "A"])
    assert run(GroupLabels({"p1": "A"})).n_labelled == 1


def test_ambiguous_side():
    with pytest.raises(InputError, match=r"the labels name 1 queries and as many candidates: pass side="):
        audit(np.array([[0]]), np.array([[0.5]], np.float32), ["x"], ["y"], {"x": "A", "y": "B"})


@pytest.mark.parametrize(("indices", "scores", "pattern"), [
    (np.zeros((0, 3), np.int32), np.zeros((0, 3), np.float32), r"results: the results are empty \(0 queries"),
    (np.zeros((4, 0), np.int32), np.zeros((4, 0), np.float32), r"the results are empty .*k = 0"),
    (INDICES, SCORES[:, :2], r"field 'indices, scores': expected two arrays of the same shape"),
    (INDICES[0], SCORES[0], r"expected two arrays of the same shape \(n, k\), got \(3,\)"),
    (INDICES.astype(np.float32), SCORES, r"field 'indices': expected integers, got dtype float32"),
    (INDICES, INDICES, r"field 'scores': expected floats, got dtype int32"),
    (np.where(INDICES == 2, 3, INDICES), SCORES, r"field 'indices': expected -1 \(padding\) or a candidate from 0 "
                                                 r"to 2, found 3 at row 1, rank 2"),
    (np.where(INDICES == 2, -2, INDICES), SCORES, r"found -2 at row 1, rank 2"),
    (INDICES[:, ::-1].copy(), SCORES, r"row 0: padding \(-1\) must come after the candidates"),
    (np.where(INDICES == 2, 1, INDICES), SCORES, r"row 1: a candidate is listed twice"),
    (INDICES, np.where(np.isin(SCORES, np.float32(0.6)), np.nan, SCORES).astype(np.float32),
     r"field 'scores': row 1, rank 2: expected a finite score, found nan"),
])
def test_bad_results(indices, scores, pattern):
    n = len(indices) if indices.ndim == 2 else 4
    with pytest.raises(InputError, match=pattern):
        audit(indices, scores, QUERIES[:n], VACANCIES)


def test_bad_ids():
    with pytest.raises(InputError, match=r"field 'query_ids': expected 4 ids \(one per row of indices\), got 3"):
        audit(INDICES, SCORES, QUERIES[:3], VACANCIES)
    with pytest.raises(InputError, match=r"record 'p1' field 'query_ids': id 'p1' appears twice"):
        audit(INDICES, SCORES, ["p1", "p2", "p3", "p1"], VACANCIES)
    with pytest.raises(InputError, match=r"field 'candidate_ids': expected a sequence of ids, got str"):
        audit(INDICES, SCORES, QUERIES, "v1")
    with pytest.raises(InputError, match=r"field 'candidate_ids': expected non-empty text ids, found '' at position 1"):
        audit(INDICES, SCORES, QUERIES, ["v1", "", "v3"])
    with pytest.raises(InputError, match=r"the results are empty \(4 queries, 0 candidates"):
        audit(np.full((4, 1), -1), np.full((4, 1), NEG), QUERIES, [])


@pytest.mark.parametrize(("options", "pattern"), [
    ({"side": "left"}, r"audit field 'side': expected one of 'auto', 'queries', 'candidates', got 'left'"),
    ({"threshold": -0.1}, r"audit field 'threshold': expected a number >= 0, or None, got -0.1"),
    ({"threshold": "0.5"}, r"field 'threshold': .* got '0.5'"),
    ({"threshold": math.nan}, r"field 'threshold': .* got nan"),
    ({"four_fifths": 0}, r"field 'four_fifths': expected a number above 0 to 1, got 0"),
    ({"four_fifths": True}, r"field 'four_fifths': .* got True"),
    ({"capacities": [1, 2]}, r"audit field 'capacities': expected 3 integers \(one per candidate\), got shape \(2,\)"),
    ({"capacities": [1.0, 2.0, 1.0]}, r"field 'capacities': expected 3 integers .* dtype float64"),
])
def test_bad_parameters(options, pattern):
    with pytest.raises(InputError, match=pattern):
        run(**options)


def test_numpy_scalars_are_accepted():
    assert run(threshold=np.float32(0.5), four_fifths=np.float64(0.8)).threshold == 0.5


def test_bad_summary_language_and_group_name():
    a = run(PEOPLE_GROUPS)
    with pytest.raises(InputError, match=r"audit.summary field 'lang': expected one of \['en', 'nl'\], got 'de'"):
        a.summary("de")
    with pytest.raises(InputError, match=r"audit field 'group': no group 'C'; the groups are \['A', 'B'\]"):
        a.group("C")


def test_audit_result_needs_a_match_result():
    with pytest.raises(InputError, match=r"audit field 'result': expected a MatchResult, got dict"):
        audit_result({})
