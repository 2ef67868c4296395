"""Cross-sector transitions (``skillmatch.recommend.transitions``) on the shipped taxonomy.

The ranking is checked against a brute force that prices every candidate by the rules of
the transitions module's docstring, written out again here.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from skillmatch import Matcher
from skillmatch.models import Jobseeker, SkillClaim
from skillmatch.problems import InputError
from skillmatch.recommend import (
    Catalogue,
    PlanConstraints,
    RouteGraph,
    default_threshold,
    gap_from_arrays,
    plan_training,
    transitions,
)

DAY0 = date(2025, 1, 13)
OCC = "https://linkeddata.competentnl.nl/uwv/id/occupation/"
ADMIN = OCC + "988C22D183"  # Administratief medewerker secretariaat
HORECA = OCC + "0C5F64081C"
VERPLEEGKUNDIGE = OCC + "476BFEDE4D"


@pytest.fixture(scope="module")
def graph(shipped):
    return RouteGraph.build(shipped)


@pytest.fixture(scope="module")
def similarity(shipped):
    n = shipped.n_occupations
    result = Matcher(shipped, "cosine").fit("occupations").match("occupations", k=n - 1,
                                                                 exclude={o: [o] for o in shipped.occupations.ids})
    sim = np.zeros((n, n))
    for a in range(n):
        ok = result.indices[a] >= 0
        sim[a, result.indices[a][ok]] = result.scores[a][ok]
    return sim


def non_crucial(tx):
    return [o for o, s in enumerate(tx.occupation_sector) if not tx.sectors[s].crucial]


def brute_force(tx, sim, worker, minimise, threshold):
    """(effort, -similarity, position) of every reachable candidate, by the documented rules."""
    catalogue = Catalogue.from_taxonomy(tx)
    a = tx.occupations.index[worker]
    own = tx.occupation_sector[a]
    crucial = {s for s, rec in tx.sectors.items() if rec.crucial and s != own}
    R, L = tx.requirements, tx.requirement_levels

    def row(o):
        lo, hi = R.indptr[o], R.indptr[o + 1]
        return R.indices[lo:hi], R.data[lo:hi], L.data[lo:hi]

    steps = {}
    for path in tx.paths:
        for st in path.steps:
            if st.from_occupation == worker:
                d = tx.occupations.index[st.to_occupation]
                mods = [tx.modules[tx.module_index[m]] for m in st.modules]
                value = sum(m.hours if minimise == "hours" else m.cost_eur for m in mods)
                steps[d] = min(steps.get(d, np.inf), value)
    out = []
    for d in range(tx.n_occupations):
        if d == a or tx.occupation_sector[d] not in crucial:
            continue
        if d in steps:
            out.append((steps[d], -sim[a, d], d))
            continue
        if not (sim[a, d] >= threshold and sim[a, d] > 0):
            continue
        ia, _, la = row(a)
        ib, cb, lb = row(d)
        gap = gap_from_arrays(ia, la, ib, cb, lb)
        taught = catalogue.skills[:, gap.concepts].toarray().max(axis=0) >= gap.required
        if (~taught & gap.essential).any():
            continue
        if not taught.any():
            out.append((0.0, -sim[a, d], d))
            continue
        res = plan_training(catalogue, gap, PlanConstraints(available_from=DAY0), held=(ia, la), minimise=minimise,
                            k=1)
        if res.full:
            p = res.plans[0]
            out.append((p.hours if minimise == "hours" else p.cost_eur, -sim[a, d], d))
    return sorted(out)


@pytest.mark.parametrize("minimise", ["hours", "eur"])
def test_transitions_equal_brute_force_for_every_worker_outside_the_crucial_sectors(shipped, graph, similarity,
                                                                                     minimise):
    th = default_threshold(shipped)
    for a in non_crucial(shipped)[::2]:
        worker = shipped.occupations.ids[a]
        expected = brute_force(shipped, similarity, worker, minimise, th)[:5]
        found = transitions(graph, worker, k=5, minimise=minimise, today=DAY0)
        assert [t.effort for t in found] == pytest.approx([e for e, _, _ in expected]), worker
        assert [t.similarity for t in found] == pytest.approx([-s for _, s, _ in expected], abs=1e-6)


def test_only_crucial_sectors_above_the_threshold_in_key_order(shipped, graph):
    th = default_threshold(shipped)
    seen = 0
    for a in non_crucial(shipped):
        worker = shipped.occupations.ids[a]
        for order in ("effort", "similarity"):
            result = transitions(graph, worker, k=10, order=order, today=DAY0)
            assert result.threshold == th and result.order == order
            own = shipped.occupation_sector[a]
            keys = []
            for t in result:
                seen += 1
                assert shipped.sectors[t.sector].crucial and t.sector != own
                assert t.via_path or t.similarity >= th
                assert t.step.from_occupation == worker and t.step.to_occupation == t.occupation
                keys.append((t.effort, -t.similarity, shipped.occupations.index[t.occupation]) if order == "effort"
                            else (-t.similarity, t.effort, shipped.occupations.index[t.occupation]))
            assert keys == sorted(keys)
            assert [t.rank for t in result] == list(range(1, len(result) + 1))
    assert seen > 50


def test_a_worker_in_administration(graph):
    result = transitions(graph, ADMIN, k=5, today=DAY0)
    targets = {t.label: t for t in result}
    # both curated paths from administration are proposed, taken as published
    assert targets["Servicedeskmedewerker ict"].via_path and targets["Doktersassistent"].via_path
    assert targets["Servicedeskmedewerker ict"].step.kind == "path"
    lines = result.describe()
    assert lines[0].startswith("1. ") and "overeenkomst" in lines[0]
    assert all(t.step.describe() in line for t, line in zip(result, lines))
    english = transitions(graph, ADMIN, k=5, today=DAY0, lang="en")
    assert "similarity" in english.describe()[0] and english[0].sector_label in english.describe()[0]


def test_a_path_below_the_threshold_is_still_proposed(graph):
    result = transitions(graph, HORECA, k=5, today=DAY0)
    kinderopvang = [t for t in result if t.label == "Pedagogisch medewerker kinderopvang"]
    assert kinderopvang and kinderopvang[0].via_path and kinderopvang[0].similarity < result.threshold


def test_a_jobseekers_own_skills_count(shipped, graph):
    from skillmatch import LabelIndex

    labels = LabelIndex(shipped)
    plain = transitions(graph, HORECA, k=10, today=DAY0)
    person = Jobseeker(id="j1", occupation=HORECA, available_from=DAY0,
                       skills=[SkillClaim(skill=labels.resolve(t).best.id, proficiency=4)
                               for t in ("verzorgen", "hygiënisch werken", "begeleiden")])
    richer = transitions(graph, person, k=10)
    assert richer.worker == "j1" and richer.candidates >= plain.candidates
    assert {t.sector for t in richer} <= {s for s, rec in shipped.sectors.items() if rec.crucial}


def test_sectors_restrict_the_targets(graph):
    result = transitions(graph, ADMIN, k=10, sectors=["ict"], today=DAY0)
    assert result.sectors == ("ict",) and len(result) >= 1 and all(t.sector == "ict" for t in result)
    single = transitions(graph, ADMIN, k=10, sectors="ict", today=DAY0)
    assert [t.occupation for t in single] == [t.occupation for t in result]


def test_nothing_above_the_threshold_gives_an_empty_result_with_a_note(graph):
    result = transitions(graph, OCC + "B8E9ED3C7F", k=5, threshold=0.99, sectors=["onderwijs"], today=DAY0)
    assert len(result) == 0 and result.candidates == 0
    assert "no occupation of onderwijs is at similarity ≥ 0.99" in result.notes[0]


def test_constraints_apply(graph, shipped):
    result = transitions(graph, ADMIN, k=5, today=DAY0, constraints={"region": "twente", "budget_eur": 3000.0},
                         minimise="eur")
    for t in result:
        assert t.step.cost_eur <= 3000
        for m in t.step.modules:
            mod = shipped.modules[shipped.module_index[m]]
            assert not mod.regions or "twente" in mod.regions
    assert any(reason for _, reason in result.left_out) or len(result)


# --- errors -----------------------------------------------------------------------------------------


def test_a_worker_in_a_crucial_sector(graph):
    with pytest.raises(InputError, match=r"transitions field 'worker': 'Verpleegkundige' is in the crucial sector "
                                         r"'zorg-welzijn': transitions are for work outside the crucial sectors"):
        transitions(graph, VERPLEEGKUNDIGE)
    with pytest.raises(InputError, match=r"jobseeker record 'j1' field 'occupation': 'Verpleegkundige' is in the "
                                         r"crucial sector"):
        transitions(graph, Jobseeker(id="j1", occupation=VERPLEEGKUNDIGE))
    allowed = transitions(graph, VERPLEEGKUNDIGE, from_crucial=True, today=DAY0)
    assert all(t.sector != "zorg-welzijn" for t in allowed)


def test_bad_input_is_named(graph):
    with pytest.raises(InputError, match=r"jobseeker record 'j1' field 'occupation': transitions start from work"):
        transitions(graph, Jobseeker(id="j1"))
    with pytest.raises(InputError, match=r"transitions field 'worker': occupation 'nope' is not in the taxonomy"):
        transitions(graph, "nope")
    with pytest.raises(InputError, match=r"transitions field 'sectors': sector 'zorg' is not a sector of the "
                                         r"taxonomy \(closest: '[a-z-]+'\)"):
        transitions(graph, ADMIN, sectors=["zorg"])
    with pytest.raises(InputError, match=r"transitions field 'order': expected one of 'effort', 'similarity', got "
                                         r"'cost'"):
        transitions(graph, ADMIN, order="cost")
    with pytest.raises(InputError, match=r"transitions field 'from_crucial': expected True or False, got 'yes'"):
        transitions(graph, ADMIN, from_crucial="yes")
