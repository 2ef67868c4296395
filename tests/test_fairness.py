"""Fairness by construction: protected attributes are never read by scoring.

Three caseloads differ only in the protected attributes their jobseekers carry (name,
gender, birth date and age, nationality, ethnicity, exact address — today they can only
ride along in ``Jobseeker.attributes``): one set of values, another, and none at all.
Everything the library computes from them must be identical, bit for bit: matching both
ways with every score (batch, one thread, one record; and occupations), explanations (text
and dict, Dutch and English), gaps, training plans (``plan_for`` and ``plan_training``),
unlocks, transitions and routes, the regional analysis and its report page and charts,
allocation, the fitted index of people (its arrays, pickled, and saved) and batch runs from
JSONL and CSV files in both directions (results with explanations, errors file). And no
output may carry a protected value anywhere (manifests included). Finally, what a broken
record leaves in errors (a known gap, xfail).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from pydantic import BaseModel

from skillmatch import Jobseeker, Matcher
from skillmatch.taxonomy import Taxonomy

REGION = "twente"

#: Two sets of protected values per person (cycled over the caseload), then none at all.
PROTECTED = {
    "a": [{"naam": "Fatima El Amrani", "geslacht": "vrouw", "geboortedatum": "1961-03-14", "leeftijd": "63",
           "nationaliteit": "Marokkaanse", "etniciteit": "Noord-Afrikaans", "adres": "Kerkstraat 12, 7511 AB Enschede"},
          {"naam": "Kwame Mensah", "geslacht": "x", "geboortedatum": "2001-07-30", "leeftijd": "23",
           "nationaliteit": "Ghanese", "etniciteit": "West-Afrikaans", "adres": "Lindelaan 4, 7551 GH Hengelo"}],
    "b": [{"naam": "Jan de Vries", "geslacht": "man", "geboortedatum": "1995-11-02", "leeftijd": "29",
           "nationaliteit": "Surinaamse", "etniciteit": "Hindoestaans", "adres": "Dorpsweg 3, 7622 CD Borne"},
          {"naam": "Agnieszka Kowalska", "geslacht": "vrouw", "geboortedatum": "1970-01-09", "leeftijd": "54",
           "nationaliteit": "Poolse", "etniciteit": "Oost-Europees", "adres": "Markt 1, 7607 EE Almelo"}],
    "none": [{}],
}
VARIANTS = tuple(PROTECTED)


def with_attributes(people: list[Jobseeker], variant: str) -> list[Jobseeker]:
    values = PROTECTED[variant]
    return [p.model_copy(update={"attributes": dict(values[i % len(values)])}) for i, p in enumerate(people)]


def protected_values() -> set[str]:
    return {v for variant in PROTECTED.values() for person in variant for v in person.values()}


# --- a bit-for-bit snapshot of any output ------------------------------------------------------------


def snapshot(obj: Any, taxonomy: Taxonomy, _stack: tuple[int, ...] = ()) -> Any:
    """Plain, comparable data: arrays as (dtype, shape, bytes), floats as hex (bitwise), records
    as dicts; a Jobseeker without its ``attributes`` (the one field allowed to differ)."""
    if obj is None or isinstance(obj, (bool, int, str, bytes)):
        return obj
    if isinstance(obj, float):
        return ("float", obj.hex())
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return ("objects", obj.shape, [snapshot(x, taxonomy, _stack) for x in obj.ravel()])
        return ("array", obj.dtype.str, obj.shape, np.ascontiguousarray(obj).tobytes())
    if isinstance(obj, np.generic):
        return snapshot(np.asarray(obj), taxonomy, _stack)
    if isinstance(obj, (dt.date, dt.datetime)):
        return ("date", obj.isoformat())
    if obj is taxonomy:
        return ("taxonomy", taxonomy.fingerprint)
    if id(obj) in _stack:
        return ("cycle", type(obj).__name__)
    stack = (*_stack, id(obj))
    if isinstance(obj, Jobseeker):
        return ("Jobseeker", snapshot(obj.model_dump(exclude={"attributes"}), taxonomy, stack))
    if isinstance(obj, BaseModel):
        return (type(obj).__name__, snapshot(obj.model_dump(), taxonomy, stack))
    if sp.issparse(obj):
        csr = sp.csr_matrix(obj)
        return ("sparse", csr.shape, *(snapshot(a, taxonomy, stack) for a in (csr.indptr, csr.indices, csr.data)))
    if isinstance(obj, dict):
        return ("dict", sorted((repr(k), snapshot(v, taxonomy, stack)) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [snapshot(x, taxonomy, stack) for x in obj])
    if isinstance(obj, (set, frozenset)):
        return ("set", sorted(repr(snapshot(x, taxonomy, stack)) for x in obj))
    if callable(obj) and hasattr(obj, "__qualname__"):
        return ("callable", obj.__qualname__)
    if dataclasses.is_dataclass(obj):
        fields = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        return (type(obj).__name__, snapshot(fields, taxonomy, stack))
    state = getattr(obj, "__dict__", None)
    if state is None and hasattr(obj, "__slots__"):
        state = {name: getattr(obj, name) for name in obj.__slots__ if hasattr(obj, name)}
    if state is None:
        return ("repr", type(obj).__name__, repr(obj))
    return (type(obj).__name__, snapshot(state, taxonomy, stack))


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {str(a)[:120]} vs {str(b)[:120]}"


def strings(data: Any) -> list[str]:
    """Every string in a snapshot (bytes decoded where they are text)."""
    out: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)

    walk(data)
    return out


def leaks(texts: list[str]) -> list[tuple[str, str]]:
    """(protected value, text) pairs where a protected value appears as a whole word.

    Purely numeric values (an age) and one-letter ones (gender "x") are left out: they cannot
    be told apart from scores, levels and "(x 0.87)" in text; the birth date carries the age
    and is checked.
    """
    values = sorted((v for v in protected_values() if not v.isdigit() and len(v) > 2), key=len, reverse=True)
    pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, values))})(?![\w-])", re.IGNORECASE)
    return [(m.group(0), t) for t in texts for m in [pattern.search(t)] if m]


# --- the caseloads and everything computed from them --------------------------------------------------


@pytest.fixture(scope="module")
def caseload(shipped):
    from skillmatch.caseload import generate_caseload

    people, vacancies = generate_caseload(shipped, REGION, n_jobseekers=30, n_vacancies=120, seed=7)
    return {variant: with_attributes(people, variant) for variant in VARIANTS}, vacancies


def test_the_protected_values_do_not_occur_in_the_inputs_they_are_checked_against(shipped, caseload):
    """A precondition: the leak check can only find what scoring would have copied from a person."""
    people, vacancies = caseload
    background = [shipped.concept_label(j, lang) for j in range(shipped.n_concepts) for lang in ("nl", "en")]
    background += [shipped.occupation_label(o, lang) for o in range(shipped.n_occupations) for lang in ("nl", "en")]
    background += [m.title for m in shipped.modules] + [f"{v.title} {v.employer}" for v in vacancies]
    background += [s for p in people["none"] for s in (p.id, *(c.skill for c in p.skills))]
    assert leaks(background) == []
    assert people["a"][0].attributes["naam"] == "Fatima El Amrani" and people["none"][0].attributes == {}
    assert [p.model_dump(exclude={"attributes"}) for p in people["a"]] == \
           [p.model_dump(exclude={"attributes"}) for p in people["b"]]


def outputs(tx: Taxonomy, people: list[Jobseeker], vacancies: list, tmp: Path) -> dict[str, Any]:
    """Every output of the public API for one caseload, by name."""
    from skillmatch.batch.allocate import allocate_caseload
    from skillmatch.recommend import (
        Catalogue,
        PlanConstraints,
        find_routes,
        gap_for,
        gaps_for_matches,
        held_row,
        plan_for,
        plan_training,
        regional_analysis,
        transitions,
        unlocks_for,
    )

    out: dict[str, Any] = {}
    catalogue = Catalogue.from_taxonomy(tx)
    for scoring in ("fit", "coverage", "cosine"):
        matcher = Matcher(tx, scoring).fit(vacancies)
        result = matcher.match(people, k=10)
        out[f"match {scoring}"] = result
        out[f"match 1 thread {scoring}"] = Matcher(tx, scoring, n_threads=1).fit(vacancies).match(people, k=10)
        out[f"match_one {scoring}"] = [matcher.match_one(p, k=10) for p in people[:8]]
        out[f"explain {scoring}"] = [(str(e), e.to_dict(), str(e_en), e_en.to_dict())
                                     for r in range(len(people)) for j in range(result.k) if result.indices[r, j] >= 0
                                     for e, e_en in [(result.explain(r, j), result.explain(r, j, lang="en"))]]
        out[f"gaps {scoring}"] = gaps_for_matches(result)
        out[f"allocate {scoring}"] = allocate_caseload(result.indices, result.scores, [v.positions for v in vacancies])
        people_index = Matcher(tx, scoring).fit(people)
        reverse = people_index.match(vacancies, k=10)
        out[f"match vacancies to people {scoring}"] = reverse
        out[f"explain vacancies to people {scoring}"] = [
            (str(reverse.explain(r, j)), reverse.explain(r, j).to_dict())
            for r in range(0, len(vacancies), 7) for j in range(reverse.k) if reverse.indices[r, j] >= 0]
        out[f"index of people {scoring}"] = people_index.index_
        out[f"pickled index of people {scoring}"] = pickle.dumps(people_index.index_, protocol=5)
        folder = people_index.index_.save(tmp / f"index-{scoring}")
        out[f"saved index of people {scoring}"] = {f.name: f.read_bytes() for f in sorted(folder.iterdir())}
    fit = out["match fit"]
    out["occupations"] = Matcher(tx).fit("occupations").match(people, k=5)
    plans = []
    for r, person in enumerate(people[:6]):
        target = vacancies[int(fit.indices[r, 0])] if fit.indices[r, 0] >= 0 else vacancies[0]
        result = plan_for(tx, person, target, catalogue=catalogue, today=dt.date(2025, 1, 6))
        plans.append((result, [plan.describe() for plan in result]))
    out["plans"] = plans
    direct = []
    for person in people[:6]:
        gap = gap_for(tx, person, vacancies[0])
        result = plan_training(catalogue, gap, PlanConstraints.for_person(person), held=held_row(tx, person),
                               today=dt.date(2025, 1, 6))
        direct.append((gap, result, [plan.describe() for plan in result]))
    out["plan_training"] = direct
    matcher = Matcher(tx).fit(vacancies)
    unlocks = [unlocks_for(matcher, p, catalogue, k=5) for p in people[:6]]
    out["unlocks"] = [(u, u.describe()) for u in unlocks]
    out["transitions"] = [transitions(tx, p, k=3, from_crucial=True, today=dt.date(2025, 1, 6)) for p in people[:3]]
    out["routes"] = [find_routes(tx, p, sector="zorg-welzijn", k=2, today=dt.date(2025, 1, 6)) for p in people[:3]]
    out["regional"] = regional_analysis(tx, people, vacancies, region=REGION, k_modules=4, reach=30)
    if importlib.util.find_spec("matplotlib") is not None:  # the report is an optional extra
        from skillmatch.report import build_report

        html, charts = build_report(out["regional"], today=dt.date(2025, 1, 6))
        out["regional report"] = (html, charts)
    return out


@pytest.fixture(scope="module")
def computed(shipped, caseload, tmp_path_factory):
    people, vacancies = caseload
    return {variant: outputs(shipped, people[variant], vacancies, tmp_path_factory.mktemp(variant))
            for variant in VARIANTS}


NAMES = ("match", "match 1 thread", "match_one", "explain", "gaps", "allocate", "match vacancies to people",
         "explain vacancies to people", "index of people", "pickled index of people", "saved index of people")
OUTPUTS = [f"{name} {scoring}" for name in NAMES for scoring in ("fit", "coverage", "cosine")] + [
    "occupations", "plans", "plan_training", "unlocks", "transitions", "routes", "regional"] + (
    ["regional report"] if importlib.util.find_spec("matplotlib") is not None else [])


@pytest.fixture(scope="module")
def snapshots(shipped, computed):
    return {variant: {name: snapshot(computed[variant][name], shipped) for name in OUTPUTS} for variant in VARIANTS}


@pytest.mark.parametrize("name", OUTPUTS)
def test_identical_whatever_the_protected_attributes(snapshots, name):
    base = snapshots["a"][name]
    for variant in VARIANTS[1:]:
        other = snapshots[variant][name]
        assert base == other, f"{name}, 'a' vs {variant!r}: {first_difference(base, other)}"


@pytest.mark.parametrize("name", OUTPUTS)
def test_no_protected_value_in_any_output(snapshots, name):
    for variant in VARIANTS:
        data = snapshots[variant][name]
        texts = strings(data)
        texts += [x.decode("utf-8", "replace") for x in _bytes(data)]
        assert leaks(texts) == [], name


def _bytes(data: Any) -> list[bytes]:
    """Raw bytes outputs (a pickle, saved files), not the bytes of numeric arrays."""
    if isinstance(data, bytes):
        return [data]
    if isinstance(data, tuple) and data and data[0] == "array":
        return []
    if isinstance(data, (list, tuple)):
        return [b for x in data for b in _bytes(x)]
    return []


def test_outputs_are_not_trivially_empty(computed):
    """Guards the comparisons above: they compare real results."""
    out = computed["a"]
    assert (out["match fit"].indices >= 0).sum() > 100
    assert len(out["explain fit"]) > 100 and any(e[1]["missing_essential"] for e in out["explain fit"])
    assert any(len(plans) for plans, _ in out["plans"])
    assert any(u.options for u, _ in out["unlocks"])
    assert out["allocate fit"].optimal.n_assigned > 0
    assert out["regional"].matched_now > 0 and len(out["regional"].portfolio) > 0


def test_the_snapshot_sees_a_one_bit_difference(shipped, computed):
    """The comparison can fail: flipping one score's last bit is found."""
    result = computed["a"]["match fit"]
    scores = result.scores.copy()
    scores.view(np.uint32)[0, 0] ^= 1
    changed = dataclasses.replace(result, scores=scores)
    assert snapshot(changed, shipped) != snapshot(result, shipped)
    person = with_attributes([Jobseeker(id="x")], "a")[0]
    assert leaks(strings(snapshot(person.model_dump(), shipped)))  # attributes kept would be found


# --- batch runs from files ---------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "direction"), [("jsonl", "jobseekers"), ("csv", "vacancies")])
def test_batch_runs_from_files_give_the_same_bytes(shipped, caseload, tmp_path, monkeypatch, fmt, direction):
    from skillmatch.batch import read_jobseekers, run_match
    from skillmatch.batch.writers import write_records

    people, vacancies = caseload
    produced: dict[str, dict[str, bytes]] = {}
    for variant in VARIANTS:
        folder = tmp_path / variant
        folder.mkdir()
        write_records(folder / f"jobseekers.{fmt}", people[variant])
        write_records(folder / f"vacancies.{fmt}", vacancies)
        monkeypatch.chdir(folder)  # relative paths: the files' names are the same in every variant
        read = read_jobseekers(f"jobseekers.{fmt}", taxonomy=shipped).read_all()
        assert read == people[variant]  # the attributes did go in, and came back
        run_match(f"jobseekers.{fmt}", f"vacancies.{fmt}", "matches.csv", direction=direction, k=5,
                  taxonomy=shipped, explanations="json", errors_path="errors.jsonl", n_threads=1)
        produced[variant] = {name: (folder / name).read_bytes() for name in ("matches.csv", "errors.jsonl")}
        manifest = (folder / "matches.csv.manifest.json").read_text(encoding="utf-8")
        assert leaks([manifest, *(b.decode("utf-8") for b in produced[variant].values())]) == []
    assert len(produced["a"]["matches.csv"].splitlines()) > 50
    for variant in VARIANTS[1:]:
        assert produced[variant] == produced["a"], variant


# --- what scoring reads --------------------------------------------------------------------------------


#: The Jobseeker fields scoring, filtering and planning read; ``attributes`` and ``tags`` are not among them.
READ_BY_THE_LIBRARY = {"id", "skills", "occupation", "region", "location", "hours_min", "hours_max", "max_travel_km",
                       "support_needs", "language_level", "study_hours_per_week", "budget_eur", "funding",
                       "delivery", "available_from"}


def test_the_fields_of_a_jobseeker_are_accounted_for():
    """A new Jobseeker field must be classified here (read, or never read) and in docs/data-handling.md."""
    assert set(Jobseeker.model_fields) == READ_BY_THE_LIBRARY | {"attributes", "tags"}


@pytest.mark.parametrize("field_values", [
    {"tags": ("jongere", "anderstalig")},
    {"attributes": {"leeftijd": "17"}},
])
def test_tags_and_attributes_change_nothing(shipped, caseload, field_values):
    people, vacancies = caseload
    changed = [p.model_copy(update=field_values) for p in people["none"]]
    matcher = Matcher(shipped).fit(vacancies)
    a, b = matcher.match(people["none"], k=10), matcher.match(changed, k=10)
    assert np.array_equal(a.indices, b.indices) and a.scores.tobytes() == b.scores.tobytes()


def _changes_scores(tx: Taxonomy, people: list[Jobseeker], vacancies: list, update: Callable) -> bool:
    matcher = Matcher(tx).fit(vacancies)
    a, b = matcher.match(people, k=10), matcher.match([update(p) for p in people], k=10)
    return not (np.array_equal(a.indices, b.indices) and a.scores.tobytes() == b.scores.tobytes())


def test_a_field_that_is_read_does_change_results(shipped, caseload):
    """The invariance test is not vacuous: the same comparison sees a change in a field scoring reads."""
    people, vacancies = caseload
    assert _changes_scores(shipped, people["none"], vacancies,
                           lambda p: p.model_copy(update={"skills": p.skills[:1]}))


# --- privacy: what a broken record leaves behind ---------------------------------------------------------


def broken_files(folder: Path, skill: str) -> dict[str, Path]:
    """A jobseekers file per format whose second record is broken and carries a name and an address."""
    good, bad = PROTECTED["a"][0], PROTECTED["b"][0]
    jsonl = folder / "jobseekers.jsonl"
    jsonl.write_text(f'{{"id":"J1","skills":[{{"skill":"{skill}"}}],"attributes":{{"naam":"{good["naam"]}"}}}}\n'
                     f'{{"id":"J2","attributes":{{"naam":"{bad["naam"]}","adres":"{bad["adres"]}"}},'
                     f'"skills":[{{"skill":"{skill}"}}]\n', encoding="utf-8")
    csv = folder / "jobseekers.csv"
    csv.write_text(f'id,skills,attributes.naam\nJ1,{skill},{good["naam"]}\nJ2,{skill},{bad["naam"]},'
                   f'"{bad["adres"]}"\n', encoding="utf-8")
    return {"jsonl": jsonl, "csv": csv}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_errors_about_a_broken_record_carry_no_personal_data(shipped, tmp_path, fmt):
    from skillmatch.batch import read_jobseekers
    from skillmatch.batch.writers import ErrorWriter
    from skillmatch.problems import InputError

    path = broken_files(tmp_path, shipped.concepts.ids[3])[fmt]
    with ErrorWriter(tmp_path / "errors.jsonl") as errors:
        read = read_jobseekers(path, taxonomy=shipped, errors=errors).read_all()
    assert [p.id for p in read] == ["J1"]  # the broken record was reported, not read
    written = (tmp_path / "errors.jsonl").read_text(encoding="utf-8")
    assert "line" in written and "J1" not in written
    with pytest.raises(InputError) as raised:
        read_jobseekers(path, taxonomy=shipped, strict=True).read_all()
    assert leaks([written, str(raised.value)]) == []
