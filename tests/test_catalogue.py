"""The training catalogue (``skillmatch.recommend.catalogue``): arrays, checks, start moments."""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta

import numpy as np
import pytest
from pydantic import ValidationError

from skillmatch.models import TrainingModule
from skillmatch.problems import InputError
from skillmatch.recommend import Catalogue
from skillmatch.recommend.catalogue import DEFAULT_ANCHOR, DELIVERY_BITS, prerequisite_cycles

CONCEPTS = ["c0", "c1", "c2", "c3"]
REGIONS = ["r1", "r2", "r3"]


def module(name, **kw) -> TrainingModule:
    values = dict(id=name, title=f"Module {name}", type="course", nlqf=2, hours=40, cost_eur=500,
                  skills=[{"skill": "c0", "level": 3}])
    values.update(kw)
    return TrainingModule(**values)


def problems_of(excinfo):
    return [(p.record, p.field, p.value) for p in excinfo.value.problems]


# --- the shipped catalogue ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_catalogue(shipped):
    return Catalogue.from_taxonomy(shipped)


def test_shipped_modules_as_arrays(shipped, shipped_catalogue):
    cat = shipped_catalogue
    n = len(shipped.modules)
    assert len(cat) == n and cat.ids == tuple(m.id for m in shipped.modules)
    assert (cat.cost_eur.dtype, cat.hours.dtype, cat.nlqf.dtype, cat.delivery.dtype) == \
        (np.float64, np.float64, np.int8, np.uint8)
    assert cat.regions.shape == (n, 35) and cat.skills.shape == (n, shipped.n_concepts)
    assert (cat.skills != shipped.module_skills).nnz == 0
    i = cat.index["urn:skillmatch:module:praktijkverklaring-zorghulp"]
    assert (cat.cost_eur[i], cat.hours[i], cat.nlqf[i], cat.starts_per_year[i]) == (650, 80, 1, 6)
    assert cat.delivery[i] == DELIVERY_BITS["work-based"] | DELIVERY_BITS["part-time"]
    assert [cat.region_ids[k] for k in np.flatnonzero(cat.regions[i])] == ["rijnmond", "drechtsteden", "gorinchem"]
    assert not cat.everywhere[i] and cat.language_level[i] == 2 and cat.language_reached[i] == 0
    assert {cat.funding_ids[k] for k in np.flatnonzero(cat.funding[i])} == {"uwv-scholing", "gemeente",
                                                                             "regionaal-mobiliteitsteam"}
    p = cat.index["urn:skillmatch:module:course-poh-somatiek"]
    assert cat.ids[cat.prerequisites[p].indices[0]] == "urn:skillmatch:module:diploma-hbo-verpleegkunde"
    assert prerequisite_cycles(cat.prerequisites) == []


def test_shipped_language_support_reaches_b2_step_by_step(shipped_catalogue):
    cat = shipped_catalogue
    steps = np.flatnonzero(cat.language_reached > 0)
    assert (cat.language_reached[steps] > cat.language_level[steps]).all()
    level = 0  # nothing: follow any step that can be taken from the level reached so far
    while True:
        can = steps[cat.language_level[steps] <= max(level, 1)]  # a beginner (A1) can follow "no level" steps
        top = int(cat.language_reached[can].max(initial=0))
        if top <= level:
            break
        level = top
    assert level >= 4  # B2
    nl_zorg = cat.index["urn:skillmatch:module:course-nederlands-zorg"]
    assert (cat.language_level[nl_zorg], cat.language_reached[nl_zorg]) == (2, 3)  # A2 -> B1


# --- filters and exemption shares ----------------------------------------------------------------


@pytest.fixture
def small():
    modules = [
        module("a", delivery=("evening", "online"), regions=("r1",), nlqf=2, funding=("gemeente",),
               skills=[{"skill": "c0", "level": 3}, {"skill": "c1", "level": 2}]),
        module("b", delivery=("day",), nlqf=4, funding=("werkgever", "slim"), skills=[{"skill": "c2", "level": 4}]),
        module("c", delivery=("work-based",), regions=("r2", "r3"), nlqf=3, prerequisites=("a",),
               skills=[{"skill": "c1", "level": 3}, {"skill": "c2", "level": 2}, {"skill": "c3", "level": 1}]),
    ]
    return Catalogue.from_modules(modules, CONCEPTS, regions=REGIONS)


def test_masks(small):
    assert small.delivery_mask(["online", "day"]).tolist() == [True, True, False]
    assert small.delivery_mask([]).tolist() == [True, True, True]
    assert small.region_mask("r2").tolist() == [False, True, True]  # b is given everywhere
    assert small.region_mask(None).all()
    assert small.nlqf_mask(3).tolist() == [True, False, True]
    assert small.funding_mask(["slim"]).tolist() == [False, True, False]
    assert small.funding_mask(iter(["gemeente"])).tolist() == [True, False, False]
    assert small.funding_mask(["onbekend"]).tolist() == [False, False, False]
    assert small.prerequisites.toarray().tolist() == [[0, 0, 0], [0, 0, 0], [1, 0, 0]]


def test_mask_errors(small):
    with pytest.raises(InputError, match=r"constraints field 'region': region 'r9' is not an arbeidsmarktregio of "
                                         r"the catalogue \(closest: 'r1'\)"):
        small.region_mask("r9")
    with pytest.raises(InputError, match=r"field 'delivery': unknown delivery form 'avond'; expected one of"):
        small.delivery_mask(["avond"])


def test_held_share(small):
    share = small.held_share(np.array([1, 0, 2]), np.array([2.0, 3.0, 1.0]))
    # a: c0 held at 3 (taught 3) and c1 at 2 (taught 2) -> all; b: c2 held at 1 < 4; c: c1 2<3, c2 1<2, c3 0<1
    assert share.tolist() == [1.0, 0.0, 0.0]
    share = small.held_share(np.array([1, 2, 3]), np.array([5.0, 2.0, 1.0]))
    assert share.tolist() == [0.5, 0.0, 1.0]
    assert small.held_share(np.zeros(0, int), np.zeros(0)).tolist() == [0.0, 0.0, 0.0]


def test_module_indices(small):
    assert small.module_indices(["c", "a"]).tolist() == [2, 0]
    with pytest.raises(InputError, match=r"completed: module 'd' is not in the catalogue"):
        small.module_indices(["a", "d"], where="completed")


# --- start moments --------------------------------------------------------------------------------


def moments(n: int, around: date) -> list[date]:
    """The documented rule, enumerated: anchor + 364 y + 7 floor(k 52 / n)."""
    base = (around - DEFAULT_ANCHOR).days // 364
    return sorted(DEFAULT_ANCHOR + timedelta(days=364 * y + 7 * math.floor(k * 52 / n))
                  for y in range(base - 1, base + 2) for k in range(n))


def test_next_start_follows_the_documented_rule():
    per_year = list(range(1, 53))
    cat = Catalogue.from_modules([module(f"m{n}", starts_per_year=n) for n in per_year], CONCEPTS)
    rng = np.random.default_rng(5)
    days = [DEFAULT_ANCHOR, DEFAULT_ANCHOR - timedelta(days=1), DEFAULT_ANCHOR + timedelta(days=363),
            DEFAULT_ANCHOR + timedelta(days=364)]
    days += [DEFAULT_ANCHOR + timedelta(days=int(d)) for d in rng.integers(-800, 1500, size=40)]
    for day in days:
        got = cat.next_start(day)
        assert got.dtype == np.dtype("datetime64[D]")
        expected = [next(m for m in moments(n, day) if m >= day) for n in per_year]
        assert [g.item() for g in got] == expected, day


def test_start_moments_examples():
    cat = Catalogue.from_modules([module("yearly", starts_per_year=1), module("quarterly", starts_per_year=4),
                                  module("weekly", starts_per_year=52)], CONCEPTS)
    day = date(2025, 1, 1)  # a Wednesday
    assert [d.item() for d in cat.next_start(day)] == [date(2025, 9, 1), date(2025, 3, 3), date(2025, 1, 6)]
    assert [d.item() for d in cat.next_start(date(2024, 9, 2))] == [date(2024, 9, 2)] * 3
    assert [d.item() for d in cat.next_start(day, np.array([1]))] == [date(2025, 3, 3)]
    other = Catalogue.from_modules([module("yearly", starts_per_year=1)], CONCEPTS, anchor=date(2025, 1, 6))
    assert other.next_start(day)[0].item() == date(2025, 1, 6)


# --- checks --------------------------------------------------------------------------------------


def test_unknown_prerequisite():
    modules = [module("basis"), module("vervolg", prerequisites=("basis", "basiss")), module("x", prerequisites=("y",))]
    with pytest.raises(InputError, match=r"2 problem\(s\) in the training catalogue:\n  modules record 'vervolg' "
                                         r"field 'prerequisites': prerequisite 'basiss' is not a module of the "
                                         r"catalogue \(closest: 'basis'\)") as excinfo:
        Catalogue.from_modules(modules, CONCEPTS)
    assert problems_of(excinfo) == [("vervolg", "prerequisites", "basiss"), ("x", "prerequisites", "y")]


def test_prerequisite_cycle_is_named():
    modules = [module("a", prerequisites=("b",)), module("b", prerequisites=("c",)), module("c", prerequisites=("a",)),
               module("d", prerequisites=("a",))]
    with pytest.raises(InputError, match=r"modules record 'a' field 'prerequisites': prerequisite cycle: 'a' -> 'b' "
                                         r"-> 'c' -> 'a' \(each needs the next\)") as excinfo:
        Catalogue.from_modules(modules, CONCEPTS)
    assert len(excinfo.value.problems) == 1


def test_self_prerequisite_and_two_cycles():
    modules = [module("a", prerequisites=("a",)), module("b", prerequisites=("c",)), module("c", prerequisites=("b",))]
    with pytest.raises(InputError) as excinfo:
        Catalogue.from_modules(modules, CONCEPTS)
    messages = [p.message for p in excinfo.value.problems]
    assert messages == ["prerequisite cycle: 'a' -> 'a' (each needs the next)",
                        "prerequisite cycle: 'b' -> 'c' -> 'b' (each needs the next)"]


@pytest.mark.parametrize("seed", range(10))
def test_prerequisite_cycles_are_real_cycles(seed):
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n = 30
    dense = np.triu(rng.random((n, n)) < 0.1, k=1)  # acyclic: edges only to higher positions
    assert prerequisite_cycles(sp.csr_matrix(dense.astype(np.int8))) == []
    backs = rng.choice(n, size=(3, 2), replace=False)
    for a, b in backs:
        dense[max(a, b), min(a, b)] = True  # back edges make cycles when a path runs forward
    dense[5, 2] = dense[2, 3] = dense[3, 5] = True  # at least one
    graph = sp.csr_matrix(dense.astype(np.int8))
    cycles = prerequisite_cycles(graph)
    assert cycles
    for cycle in cycles:
        assert cycle[0] == cycle[-1] and len(set(cycle[:-1])) == len(cycle) - 1
        assert all(dense[u, v] for u, v in itertools.pairwise(cycle))


def test_unknown_region_and_skill_and_repeated_id():
    modules = [module("a", regions=("r1", "utrecht")), module("a"),
               module("b", skills=[{"skill": "c9", "level": 2}])]
    with pytest.raises(InputError, match=r"modules record 'a' field 'regions': region 'utrecht' is not an "
                                         r"arbeidsmarktregio") as excinfo:
        Catalogue.from_modules(modules, CONCEPTS, regions=REGIONS)
    assert problems_of(excinfo) == [("a", "regions", "utrecht"), ("a", "id", "a"), ("b", "skills", "c9")]
    assert "skill 'c9' is not a concept of the taxonomy" in str(excinfo.value)
    assert "module id used twice" in str(excinfo.value)
    # without a region vocabulary region ids are not checked: the modules' own ids are the columns
    unchecked = Catalogue.from_modules([module("a", regions=("utrecht",)), module("b")], CONCEPTS)
    assert unchecked.region_ids == ("utrecht",) and not unchecked.regions_checked
    assert unchecked.region_mask("utrecht").tolist() == [True, True]
    assert unchecked.region_mask("twente").tolist() == [False, True]


def test_language_module_whose_prerequisite_needs_more_dutch():
    modules = [module("vak-b1", language_level="B1"),
               module("nt2", language_level="A2", language_reached="B1", prerequisites=("intake",)),
               module("intake", prerequisites=("vak-b1",))]
    with pytest.raises(InputError, match=r"modules record 'nt2' field 'prerequisites': language module starts at A2 "
                                         r"but its prerequisite 'vak-b1' needs B1"):
        Catalogue.from_modules(modules, CONCEPTS)
    modules[0] = module("vak-b1", language_level="A2")
    assert len(Catalogue.from_modules(modules, CONCEPTS)) == 3


def test_language_reached_must_be_above_the_entry_level():
    with pytest.raises(ValidationError, match=r"language_reached \(A2\) must be above language_level \(B1\)"):
        module("nt2", language_level="B1", language_reached="A2")
    assert module("nt2", language_reached="A2").language_level is None
