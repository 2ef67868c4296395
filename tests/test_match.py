"""The Matcher: contract, both directions, filters, explanations and errors."""

from __future__ import annotations

import numpy as np
import pytest

import skillmatch
from skillmatch import Matcher
from skillmatch.caseload import generate_caseload
from skillmatch.match import SCORINGS, CandidateIndex
from skillmatch.models import GeoPoint, Jobseeker, Requirement, SkillClaim, Vacancy
from skillmatch.problems import InputError
from skillmatch.vectorize import Credit


@pytest.fixture(scope="module")
def tx():
    return skillmatch.load_taxonomy()


@pytest.fixture(scope="module")
def caseload(tx):
    return generate_caseload(tx, "rijnmond", n_jobseekers=120, n_vacancies=80, seed=7)


def reference(monkeypatch, fn):
    """Run ``fn`` with the NumPy reference instead of the kernels."""
    monkeypatch.setenv("SKILLMATCH_IMPLEMENTATION", "python")
    try:
        return fn()
    finally:
        monkeypatch.delenv("SKILLMATCH_IMPLEMENTATION")


def assert_contract(result, n, k, n_candidates):
    assert result.indices.shape == (n, k) and result.indices.dtype == np.int32
    assert result.scores.shape == (n, k) and result.scores.dtype == np.float32
    for r in range(n):
        found = result.indices[r] >= 0
        n_found = int(found.sum())
        assert found[:n_found].all() and not found[n_found:].any(), "padding only at the end"
        assert np.isneginf(result.scores[r, n_found:]).all()
        s, i = result.scores[r, :n_found], result.indices[r, :n_found]
        assert (s > 0).all() and (i < n_candidates).all() and len(set(i)) == n_found
        for a in range(n_found - 1):  # score descending, then index ascending
            assert s[a] > s[a + 1] or (s[a] == s[a + 1] and i[a] < i[a + 1])


CONFIGS = [
    dict(scoring="coverage"),
    dict(scoring="coverage", credit=None),
    dict(scoring="coverage", essential="gate"),
    dict(scoring="coverage", essential="none", crucial_boost=0.25),
    dict(scoring="cosine"),
    dict(scoring="cosine", weighting="binary", idf=False, credit=None),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_both_directions_follow_the_contract_and_equal_the_reference(tx, caseload, monkeypatch, config):
    jobseekers, vacancies = caseload
    forward = Matcher(tx, same_region=True, **config).fit(vacancies)
    got = forward.match(jobseekers, k=7)
    assert_contract(got, len(jobseekers), 7, len(vacancies))
    want = reference(monkeypatch, lambda: forward.match(jobseekers, k=7))
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.scores, want.scores)

    reverse = Matcher(tx, same_region=True, **config).fit(jobseekers)
    back = reverse.match(vacancies, k=5)
    assert_contract(back, len(vacancies), 5, len(jobseekers))
    want = reference(monkeypatch, lambda: reverse.match(vacancies, k=5))
    np.testing.assert_array_equal(back.indices, want.indices)
    np.testing.assert_array_equal(back.scores, want.scores)


@pytest.mark.parametrize("scoring", sorted(SCORINGS))
def test_a_pair_scores_the_same_in_both_directions(tx, caseload, scoring):
    """coverage(jobseeker, vacancy) does not depend on which side is the query."""
    jobseekers, vacancies = caseload
    forward = Matcher(tx, scoring, idf=False).fit(vacancies).match(jobseekers, k=len(vacancies))
    reverse = Matcher(tx, scoring, idf=False).fit(jobseekers).match(vacancies, k=len(jobseekers))
    pairs = {}
    for r in range(len(jobseekers)):
        for i, s in zip(forward.indices[r], forward.scores[r]):
            if i >= 0:
                pairs[(r, int(i))] = s
    assert pairs
    checked = 0
    for v in range(len(vacancies)):
        for j, s in zip(reverse.indices[v], reverse.scores[v]):
            if j >= 0:
                assert pairs[(int(j), v)] == pytest.approx(s, rel=1e-6)
                checked += 1
    assert checked == len(pairs)


def test_match_one_equals_the_batch_row(tx, caseload):
    jobseekers, vacancies = caseload
    matcher = Matcher(tx).fit(vacancies)
    batch = matcher.match(jobseekers, k=10)
    for r in (0, 5, 17):
        one = matcher.match_one(jobseekers[r], k=10)
        np.testing.assert_array_equal(one.indices[0], batch.indices[r])
        np.testing.assert_array_equal(one.scores[0], batch.scores[r])


def test_thread_count_does_not_change_results(tx, caseload):
    jobseekers, vacancies = caseload
    one = Matcher(tx, n_threads=1).fit(vacancies).match(jobseekers, k=10)
    two = Matcher(tx, n_threads=2).fit(vacancies).match(jobseekers, k=10)
    np.testing.assert_array_equal(one.indices, two.indices)
    np.testing.assert_array_equal(one.scores, two.scores)


def occupation(tx, label):
    i = tx.occupations.pref_nl.index(label)
    return tx.occupations.ids[i], tx.occupation(i)


def person(tx, occ, **kw):
    """A jobseeker holding every requirement of ``occ`` at its level."""
    skills = [SkillClaim(skill=r.skill, proficiency=r.level) for r in occ.requirements]
    return Jobseeker(id=kw.pop("id", "p"), skills=skills, **kw)


def test_someone_holding_every_requirement_scores_one(tx):
    occ_id, occ = occupation(tx, tx.occupations.pref_nl[0])
    result = Matcher(tx).fit([Vacancy(id="v", occupation=occ_id)]).match_one(person(tx, occ))
    assert result.scores[0, 0] == pytest.approx(1.0)
    e = result.explain(0, 0)
    assert len(e.matched) == len(occ.requirements) and not e.missing_essential and not e.credited


def test_missing_essential_requirements_are_penalised_or_gated(tx):
    occ_id, occ = occupation(tx, tx.occupations.pref_nl[1])
    essentials = [r for r in occ.requirements if r.importance == "essential"]
    skills = [SkillClaim(skill=r.skill, proficiency=5) for r in occ.requirements if r.importance != "essential"]
    someone = Jobseeker(id="p", skills=skills)
    vac = [Vacancy(id="v", occupation=occ_id)]
    none = Matcher(tx, essential="none", credit=None).fit(vac).match_one(someone).scores[0, 0]
    penalised = Matcher(tx, essential="penalty", essential_penalty=0.5, credit=None).fit(vac).match_one(someone)
    assert penalised.scores[0, 0] == pytest.approx(none * 0.5, rel=1e-6)  # all essentials missing: 1 - 0.5
    gated = Matcher(tx, essential="gate", credit=None).fit(vac).match_one(someone)
    assert gated.indices[0, 0] == -1
    e = penalised.explain(0, 0)
    assert {s.skill for s in e.missing_essential} == {r.skill for r in essentials}


def test_related_credit_counts_for_a_related_skill_but_less_than_holding_it(tx):
    i, j = tx.related.nonzero()
    a, b = int(i[0]), int(j[0])
    strength = float(tx.related[a, b])
    vac = [Vacancy(id="v", requirements=[Requirement(skill=tx.concepts.ids[b], importance="essential", level=4)])]
    holder = Jobseeker(id="p", skills=[SkillClaim(skill=tx.concepts.ids[a], proficiency=4)])
    with_credit = Matcher(tx, credit=Credit(related=1.0, narrower=0, broader=0, sibling=0)).fit(vac)
    result = with_credit.match_one(holder)
    assert result.scores[0, 0] == pytest.approx(min(1.0, strength), rel=1e-6)
    e = result.explain(0, 0)
    assert e.credited[0].via == tx.concepts.ids[a] and e.credited[0].credited_level == pytest.approx(4 * strength)
    assert Matcher(tx, credit=None).fit(vac).match_one(holder).indices[0, 0] == -1


def test_filters_remove_candidates_inside_the_kernel(tx):
    occ_id, occ = occupation(tx, tx.occupations.pref_nl[2])
    amsterdam = GeoPoint(lat=52.37, lon=4.90)
    vacancies = [
        Vacancy(id="near", occupation=occ_id, location=amsterdam, hours_min=24, hours_max=32),
        Vacancy(id="far", occupation=occ_id, location=GeoPoint(lat=50.85, lon=5.69)),  # Maastricht
        Vacancy(id="hours", occupation=occ_id, location=amsterdam, hours_min=36, hours_max=40),
        Vacancy(id="support", occupation=occ_id, location=amsterdam, offers=("banenafspraak",)),
        Vacancy(id="other-region", occupation=occ_id, region="rijnmond"),
    ]
    someone = person(tx, occ, location=amsterdam, max_travel_km=30, hours_min=20, hours_max=32)
    ids = Matcher(tx).fit(vacancies).match_one(someone, k=10).ids(0)
    assert set(ids) == {"near", "support"}
    needs = person(tx, occ, location=amsterdam, support_needs=("banenafspraak",))
    assert Matcher(tx).fit(vacancies).match_one(needs, k=10).ids(0) == ["support"]
    regional = person(tx, occ, region="rijnmond")
    assert Matcher(tx, same_region=True).fit(vacancies).match_one(regional, k=10).ids(0) == ["other-region"]
    assert Matcher(tx).fit(vacancies).match_one(someone, k=10, exclude=["near"]).ids(0) == ["support"]
    assert set(Matcher(tx, travel=False, hours=False).fit(vacancies).match_one(someone, k=10).ids(0)) == {
        "near", "far", "hours", "support", "other-region"}


def test_filters_that_remove_everything_leave_padding(tx):
    occ_id, occ = occupation(tx, tx.occupations.pref_nl[3])
    someone = person(tx, occ, support_needs=("beschut-werk",))
    vacancies = [Vacancy(id=f"v{i}", occupation=occ_id) for i in range(3)]
    result = Matcher(tx).fit(vacancies).match_one(someone, k=5)  # k is capped at the 3 candidates
    assert result.indices.tolist() == [[-1, -1, -1]] and np.isneginf(result.scores).all()
    with pytest.raises(InputError, match="has only 0 match"):
        result.explain(0, 0)


def test_crucial_boost_is_off_by_default_and_raises_crucial_work(tx):
    crucial = next(i for i, s in enumerate(tx.occupation_sector) if tx.sectors[s].crucial)
    other = next(i for i, s in enumerate(tx.occupation_sector) if not tx.sectors[s].crucial)
    occ = tx.occupation(crucial)
    vacancies = [Vacancy(id="crucial", occupation=tx.occupations.ids[crucial]),
                 Vacancy(id="other", occupation=tx.occupations.ids[other])]
    someone = person(tx, occ)
    plain = Matcher(tx).fit(vacancies).match_one(someone)
    boosted = Matcher(tx, crucial_boost=0.5).fit(vacancies).match_one(someone)
    assert boosted.scores[0, 0] == pytest.approx(plain.scores[0, 0] * 1.5, rel=1e-6)


def test_protected_attributes_are_never_read(tx, caseload):
    jobseekers, vacancies = caseload
    tagged = [p.model_copy(update={"attributes": {"geslacht": "v", "leeftijd": str(20 + i % 40),
                                                  "achternaam": f"Naam{i}"}}) for i, p in enumerate(jobseekers)]
    matcher = Matcher(tx).fit(vacancies)
    a, b = matcher.match(jobseekers, k=5), matcher.match(tagged, k=5)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.scores, b.scores)


def test_occupation_to_occupation_similarity(tx):
    m = Matcher(tx, "cosine").fit("occupations")
    result = m.match("occupations", k=3, exclude={o: [o] for o in tx.occupations.ids})
    assert_contract(result, tx.n_occupations, 3, tx.n_occupations)
    assert all(tx.occupations.ids[int(i)] != q for q, i in zip(result.query_ids, result.indices[:, 0]))
    transition = Matcher(tx, "coverage").fit("occupations").match("occupations", k=tx.n_occupations)
    # someone doing an occupation meets all of its own requirements
    for r, q in enumerate(transition.query_ids):
        own = tx.occupations.index[q]
        assert transition.scores[r, 0] == pytest.approx(1.0)
        assert transition.scores[r][transition.indices[r] == own][0] == pytest.approx(1.0)


def test_explanations_are_dutch_by_default_and_english_on_request(tx, caseload):
    jobseekers, vacancies = caseload
    result = Matcher(tx).fit(vacancies).match(jobseekers, k=3)
    row = int(np.flatnonzero(result.indices[:, 0] >= 0)[0])
    nl, en = str(result.explain(row, 0)), str(result.explain(row, 0, lang="en"))
    assert " voor " in nl and " for " not in nl and " voor " not in en and " for " in en
    nl_heads = {"Heeft:", "Via verwante vaardigheid:", "Mist (essentieel):", "Mist ook:"}
    en_heads = {"Has:", "Through a related skill:", "Missing (essential):", "Also missing:"}
    assert nl.splitlines()[1].strip().startswith("dekt ") and en.splitlines()[1].strip().startswith("covers ")
    nl_lines = {line.strip().split(": ")[0] + ":" for line in nl.splitlines()[2:]}
    en_lines = {line.strip().split(": ")[0] + ":" for line in en.splitlines()[2:]}
    assert nl_lines and nl_lines <= nl_heads and en_lines and en_lines <= en_heads
    english_label = result.index.taxonomy.concept_label(
        result.index.taxonomy.concepts.index[result.explain(row, 0, lang="en").matched[0].skill], "en") \
        if result.explain(row, 0).matched else None
    if english_label:
        assert english_label in en
    record = result.to_records()[0]
    assert set(record) == {"query", "rank", "candidate", "score"}


def test_arrays_can_be_matched_directly(tx, caseload):
    jobseekers, vacancies = caseload
    from skillmatch.vectorize import held_skills, vacancy_requirements

    records = Matcher(tx, travel=False, hours=False, support=False).fit(vacancies).match(jobseekers, k=5)
    arrays = Matcher(tx).fit(vacancy_requirements(tx, vacancies)).match(held_skills(tx, jobseekers), k=5)
    np.testing.assert_array_equal(records.indices, arrays.indices)
    np.testing.assert_array_equal(records.scores, arrays.scores)


def test_errors_name_what_is_wrong(tx, caseload):
    jobseekers, vacancies = caseload
    with pytest.raises(InputError, match=r"jobseekers \(queries\) record 'x'.*skills\[0\]\.skill.*not in the taxonomy"):
        Matcher(tx).fit(vacancies).match([Jobseeker(id="x", skills=[SkillClaim(skill="urn:nope")])])
    with pytest.raises(InputError, match="region 'atlantis' is not one of the taxonomy's 35 regions"):
        Matcher(tx).fit([Vacancy(id="v", occupation=tx.occupations.ids[0], region="atlantis")])
    with pytest.raises(InputError, match="occupation 'urn:nope' is not in the taxonomy"):
        Matcher(tx).fit([Vacancy(id="v", occupation="urn:nope")])
    with pytest.raises(InputError, match="call fit"):
        Matcher(tx).match(jobseekers)
    with pytest.raises(InputError, match="field 'k': expected an integer >= 1, got 0"):
        Matcher(tx).fit(vacancies).match(jobseekers, k=0)
    with pytest.raises(InputError, match="field 'k': expected an integer >= 1, got True"):
        Matcher(tx).fit(vacancies).match_one(jobseekers[0], k=True)
    with pytest.raises(InputError, match="field 'scoring': expected one of 'fit', 'cosine', 'coverage', got 'jaccard'"):
        Matcher(tx, scoring="jaccard").fit(vacancies)
    with pytest.raises(InputError, match="field 'travel': expected True or False, got 'no'"):
        Matcher(tx, travel="no").fit(vacancies)
    with pytest.raises(InputError, match="field 'idf': expected True or False, got 'false'"):
        Matcher(tx, idf="false").fit(vacancies)
    with pytest.raises(InputError, match="essential_penalty"):
        Matcher(tx, essential_penalty=1.5).fit(vacancies)
    with pytest.raises(InputError, match="scoring 'fit' compares people with work"):
        Matcher(tx).fit(jobseekers).match(jobseekers)
    with pytest.raises(InputError, match="ids must be unique"):
        Matcher(tx).fit([vacancies[0], vacancies[0]])
    with pytest.raises(InputError, match="only Jobseeker or only Vacancy"):
        Matcher(tx).fit([vacancies[0], jobseekers[0]])
    with pytest.raises(InputError, match="at least one record"):
        Matcher(tx).fit([])
    with pytest.raises(InputError, match="candidate id 'nope'"):
        Matcher(tx).fit(vacancies).match(jobseekers[:1], exclude={jobseekers[0].id: ["nope"]})
    with pytest.raises(InputError, match="use match_one"):
        Matcher(tx).fit(vacancies).match(jobseekers[0])
    with pytest.raises(InputError, match="SKILLMATCH_IMPLEMENTATION"):
        import os

        os.environ["SKILLMATCH_IMPLEMENTATION"] = "fortran"
        try:
            Matcher(tx).fit(vacancies).match(jobseekers[:1])
        finally:
            del os.environ["SKILLMATCH_IMPLEMENTATION"]


def test_every_bad_parameter_is_named_at_once(tx, caseload):
    _, vacancies = caseload
    with pytest.raises(InputError) as info:
        Matcher(tx, weighting="tf", essential_penalty=float("nan"), crucial_boost=-1, n_threads=0, lang="de",
                importance_weights=(0.5, 2.0, 1.0)).fit(vacancies)
    fields = {p.field for p in info.value.problems}
    assert fields == {"weighting", "essential_penalty", "crucial_boost", "n_threads", "lang", "importance_weights"}


def test_params_follow_scikit_learn(tx, caseload):
    _, vacancies = caseload
    m = Matcher(tx, "cosine", idf=False)
    assert m.get_params()["scoring"] == "cosine" and m.get_params()["idf"] is False
    m.set_params(scoring="coverage", essential="gate")
    assert m.scoring == "coverage" and m.fit(vacancies) is m and m.index_.settings.essential == "gate"
    assert np.bool_(True) is not True and Matcher(tx, travel=np.bool_(False)).fit(vacancies).index_.settings.travel is False


def test_a_result_explains_from_its_own_index_after_a_refit(tx, caseload):
    """Refitting on other candidates must not change what an earlier result explains."""
    jobseekers, vacancies = caseload
    matcher = Matcher(tx).fit(vacancies)
    result = matcher.match(jobseekers[:5], k=3)
    row = int(np.flatnonzero(result.indices[:, 0] >= 0)[0])
    before = result.explain(row, 0)
    matcher.fit(list(reversed(vacancies[:10])))  # other candidates at the same positions
    after = result.explain(row, 0)
    assert after == before and after.candidate == result.candidate_ids[result.indices[row, 0]]
    assert result.index is not matcher.index_


def test_the_index_pickles_and_saves_with_identical_results(tx, caseload, tmp_path):
    import pickle

    jobseekers, vacancies = caseload
    matcher = Matcher(tx, crucial_boost=0.2).fit(vacancies)
    want = matcher.match(jobseekers, k=6)
    shipped = pickle.loads(pickle.dumps(matcher.index_))
    assert isinstance(shipped, CandidateIndex) and shipped.fingerprint == tx.fingerprint
    got = Matcher.from_index(shipped).match(jobseekers, k=6)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.scores, want.scores)
    assert str(got.explain(0, 0)) == str(want.explain(0, 0))
    loaded = CandidateIndex.load(matcher.index_.save(tmp_path / "index"), tx)
    again = Matcher.from_index(loaded).match(jobseekers, k=6)
    np.testing.assert_array_equal(again.indices, want.indices)
    np.testing.assert_array_equal(again.scores, want.scores)
    with pytest.raises(ValueError, match="read-only"):
        matcher.index_.candidates.rows.values[0] = 0


def test_a_query_from_another_taxonomy_version_is_refused(tx, caseload, tmp_path, taxonomy_copy):
    from skillmatch.vectorize import people

    jobseekers, vacancies = caseload
    taxonomy_copy.append_copy_of("occupations.csv", 2, id="urn:skillmatch:occupation:extra")
    other = skillmatch.load_taxonomy(taxonomy_copy.path)
    assert other.fingerprint != tx.fingerprint
    matcher = Matcher(tx).fit(vacancies)
    with pytest.raises(InputError, match="built against another taxonomy"):
        matcher.match(people(other, jobseekers[:3]))
    with pytest.raises(InputError, match="fingerprint"):
        CandidateIndex.load(matcher.index_.save(tmp_path / "index"), other)


@pytest.mark.parametrize("scoring", ["fit", "coverage"])
def test_the_numbers_of_an_explanation_multiply_to_the_score(tx, caseload, scoring):
    """Coverage is the sum of the lines' contributions; with relevance, the essential factor and
    the boost it gives back the score the kernel ranked by (float32, exactly)."""
    jobseekers, vacancies = caseload
    result = Matcher(tx, scoring, crucial_boost=0.25).fit(vacancies).match(jobseekers, k=3)
    checked = 0
    for row in range(len(jobseekers)):
        for rank in range(3):
            if result.indices[row, rank] < 0:
                continue
            e = result.explain(row, rank)
            lines = [s.contribution for s in e.matched + e.credited]
            assert all(c is not None and c > 0 for c in lines)
            assert sum(lines) == pytest.approx(e.coverage, rel=1e-12)
            assert np.float32(e.recomputed()) == result.scores[row, rank]
            assert (e.relevance is not None) == (scoring == "fit")
            checked += 1
    assert checked > 100


def test_fit_explains_in_two_numbers_and_a_band(tx):
    occ_id, occ = occupation(tx, tx.occupations.pref_nl[4])
    reqs = list(occ.requirements)
    # the person holds half the requirements at their level, plus as many skills the work does not ask
    held = [SkillClaim(skill=r.skill, proficiency=r.level) for r in reqs[: len(reqs) // 2]]
    asked = {r.skill for r in reqs}
    extra = [c for c in tx.concepts.ids if c not in asked and tx.concept_kind[tx.concepts.index[c]] != 2][:len(held)]
    someone = Jobseeker(id="p", skills=held + [SkillClaim(skill=c, proficiency=3) for c in extra])
    result = Matcher(tx, essential="none").fit([Vacancy(id="v", occupation=occ_id)]).match_one(someone)
    e = result.explain(0, 0)
    assert e.relevance == pytest.approx(0.5)
    weights = {"essential": 1.0, "important": 0.75, "somewhat": 0.5}
    w = [weights[r.importance] for r in reqs]
    assert e.coverage == pytest.approx(sum(w[: len(reqs) // 2]) / sum(w))
    assert result.scores[0, 0] == pytest.approx(e.coverage ** 0.3 * 0.5 ** 0.7, rel=1e-6)
    text = str(e)
    assert f"dekt {e.coverage:.0%} van wat de vacature vraagt; 50% van het profiel is relevant" in text
    assert e.band in {"sterk", "redelijk", "zwak"} and f"match {e.band}" in text
    assert "of the profile is relevant" in str(result.explain(0, 0, lang="en"))


@pytest.mark.parametrize("n_asked, band, note", [(4, "sterk", ""), (6, "redelijk", " (dekking onder 20%)"),
                                                  (10, "zwak", " (dekking onder 15%)")])
def test_a_small_profile_the_work_uses_fully_is_banded_on_its_coverage_too(tx, n_asked, band, note):
    """One skill held, of n_asked equal requirements: relevance 1, coverage 1/n_asked, so the score
    (1/n)^0.3 is above sterk's 0.40 every time; the coverage decides the band, and the text says so."""
    skills = [c for c in tx.concepts.ids if tx.concept_kind[tx.concepts.index[c]] != 2][:n_asked]
    vacancy = Vacancy(id="v", requirements=[Requirement(skill=c, importance="essential", level=3) for c in skills])
    someone = Jobseeker(id="p", skills=[SkillClaim(skill=skills[0], proficiency=3)])
    result = Matcher(tx, essential="none").fit([vacancy]).match_one(someone)
    e = result.explain(0, 0)
    assert e.relevance == 1.0 and e.coverage == pytest.approx(1 / n_asked)
    assert result.scores[0, 0] == pytest.approx((1 / n_asked) ** 0.3, rel=1e-6) and result.scores[0, 0] >= 0.40
    assert e.band == band and e.is_strong == (band == "sterk")
    assert f"match {band}{note}) voor" in str(e)
    english = {"sterk": "strong", "redelijk": "fair", "zwak": "weak"}[band]
    assert f"match {english}{note.replace('dekking onder', 'coverage under')})" in str(result.explain(0, 0, lang="en"))


def test_the_bands_are_the_ones_the_quality_benchmark_set():
    """The library's bands equal those benchmarks/quality.py set on its tuning half (results/quality.json)."""
    import json
    from pathlib import Path

    from skillmatch.match.explain import BANDS

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "quality.json"
    bands = json.loads(path.read_text())["bands"]["pooled"]["bands"]
    set_there = ((bands["sterk"], bands["coverage_sterk"], "sterk"),
                 (bands["redelijk"], bands["coverage_redelijk"], "redelijk"), (0.0, 0.0, "zwak"))
    assert set_there == BANDS


def test_a_travel_limit_with_nothing_to_measure_from_is_refused(tx):
    """Once silently no matches at all: a travel limit, but no location and no region."""
    occ_id, occ = occupation(tx, tx.occupations.pref_nl[5])
    lost = person(tx, occ, id="lost", max_travel_km=20)
    with pytest.raises(InputError, match=r"record 'lost' field 'max_travel_km': max_travel_km is set, but there is no "
                                         r"location or region"):
        Matcher(tx).fit([Vacancy(id="v", occupation=occ_id)]).match_one(lost)
    found = person(tx, occ, id="found", max_travel_km=20, region="rijnmond")
    assert Matcher(tx).fit([Vacancy(id="v", occupation=occ_id, region="rijnmond")]).match_one(found).ids(0) == ["v"]


def test_the_coverage_line_names_what_the_work_is(tx):
    """A vacancy is 'de vacature', an occupation 'het beroep', bare requirement rows 'het werk'."""
    occ = tx.occupations.ids[0]
    lo, hi = tx.requirements.indptr[0], tx.requirements.indptr[1]
    person = Jobseeker(id="p", skills=[SkillClaim(skill=tx.concepts.ids[j], proficiency=3)
                                       for j in tx.requirements.indices[lo:hi][:2]])
    on_vacancy = Matcher(tx).fit([Vacancy(id="v", occupation=occ)]).match_one(person).explain(0, 0)
    on_occupations = Matcher(tx).fit("occupations").match_one(person)
    row = list(on_occupations.indices[0]).index(0)
    on_occupation = on_occupations.explain(0, row)
    assert (on_vacancy.work, on_occupation.work) == ("vacancy", "occupation")
    assert "van wat de vacature vraagt" in str(on_vacancy)
    assert "van wat het beroep vraagt" in str(on_occupation)
    assert "of what the occupation asks" in str(on_occupations.explain(0, row, lang="en"))
