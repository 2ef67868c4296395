"""The taxonomy stage (``skillmatch.taxonomy``): the shipped data, validation of the
skillmatch CSV format, the compiled cache and the :class:`Taxonomy` API.

Validation tests break a copy of ``taxonomy/`` in the smallest way that shows one error
and check that the message names the file, the line and the value.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from skillmatch.models import IMPORTANCE_CODES
from skillmatch.problems import DamagedTaxonomyError, Problem, TaxonomyError
from skillmatch.taxonomy import LabelTable, Taxonomy, TaxonomyBuilder, Where, detect_format, load_taxonomy, native
from skillmatch.taxonomy import load as load_module
from skillmatch.taxonomy.core import COMPILED_VERSION
from skillmatch.taxonomy.load import cache_dir

HC = "https://linkeddata.competentnl.nl/id/humancapability/"
VERZORGEN = HC + "DB59A57C01"
ZORG_EN_BEGELEIDING = "urn:skillmatch:capability:l2:zorg-en-begeleiding"
ZORG_EN_DIENSTVERLENING = "urn:skillmatch:capability:l1:zorg-en-dienstverlening"
ZORGHULP = "https://linkeddata.competentnl.nl/uwv/id/occupation/FC998381F9"

CRUCIAL_SECTORS = {"zorg-welzijn", "kinderopvang", "onderwijs", "veiligheid", "groen", "techniek", "bouw-energie",
                   "ict"}
MODULE_TYPES = {"praktijkverklaring", "mbo-certificaat", "keuzedeel", "diploma", "course"}
PATH_SECTORS = ("kinderopvang", "zorg-welzijn", "techniek", "groen", "onderwijs", "ict")
#: a box around the European Netherlands (WGS84 degrees)
NL_LAT, NL_LON = (50.7, 53.6), (3.3, 7.3)


def table(root: Path, name: str) -> list[dict[str, str]]:
    with open(root / "taxonomy" / name, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def multi(cell: str) -> list[str]:
    return [part for part in cell.split("|") if part]


def counted(root: Path) -> dict[str, int]:
    """What the shipped CSV files hold, counted on the files themselves: the data grows
    (more occupations, modules, paths), and the tests follow it instead of copying numbers."""
    levels = Counter(r["level"] for r in table(root, "capabilities.csv"))
    return {
        "capabilities": levels["3"] + levels[""],
        "groups": levels["1"] + levels["2"],
        "knowledge_areas": len(table(root, "knowledge_areas.csv")),
        "related_links": len(table(root, "related.csv")),
        "occupations": len(table(root, "occupations.csv")),
        "requirements": len(table(root, "requirements.csv")),
        "modules": len(table(root, "modules.csv")),
        "paths": len(table(root, "paths.csv")),
        "regions": len(table(root, "regions.csv")),
        "sectors": len(table(root, "sectors.csv")),
    }


def lines_in(root: Path, name: str) -> int:
    """The number of lines of a table file (header = line 1), so the next appended row is this + 1."""
    with open(root / name, encoding="utf-8", newline="") as stream:
        return sum(1 for _ in csv.reader(stream))


def errors_of(exc: TaxonomyError) -> list[Problem]:
    return [p for p in exc.problems if p.severity == "error"]


def assert_same_csr(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype
    for part in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))


def assert_same_taxonomy(a: Taxonomy, b: Taxonomy) -> None:
    assert (a.name, a.source) == (b.name, b.source)
    assert a.concepts.to_json() == b.concepts.to_json()
    assert a.occupations.to_json() == b.occupations.to_json()
    np.testing.assert_array_equal(a.concept_kind, b.concept_kind)
    np.testing.assert_array_equal(a.concept_level, b.concept_level)
    assert a.concept_kind.dtype == b.concept_kind.dtype == np.int8
    for name in ("broader", "related", "requirements", "requirement_levels", "module_skills"):
        assert_same_csr(getattr(a, name), getattr(b, name))
    assert a.concept_meta == b.concept_meta
    assert (a.occupation_isco, a.occupation_sector) == (b.occupation_isco, b.occupation_sector)
    assert (a.modules, a.paths, a.regions, a.sectors) == (b.modules, b.paths, b.regions, b.sectors)
    assert a.problems == b.problems


# --- the shipped taxonomy -------------------------------------------------------------------------


def test_shipped_taxonomy_loads_without_problems(shipped, repo_root):
    assert shipped.problems == []
    assert shipped.name == "skillmatch-nl"
    summary = shipped.summary()
    assert {k: summary[k] for k in counted(repo_root)} == counted(repo_root)
    # not even a warning: strict loading succeeds too
    strict = native.load_native(repo_root / "taxonomy", strict=True)
    assert strict.summary() == shipped.summary()


def test_shipped_has_the_112_competentnl_capabilities(shipped, repo_root):
    level3 = [i for i in range(shipped.n_concepts) if shipped.concept_level[i] == 3]
    # 112 is a fact about CompetentNL (its level-3 capabilities), not a count of our rows
    assert len(level3) == sum(r["level"] == "3" for r in table(repo_root, "capabilities.csv")) == 112
    assert all(shipped.concept_kind[i] == 0 for i in level3)  # capabilities, not groups
    assert all(shipped.concepts.ids[i].startswith(HC) for i in level3)
    assert {shipped.concept_meta["origin"][i] for i in level3} == {"competentnl"}
    others = [i for i in range(shipped.n_concepts) if shipped.concept_meta["origin"][i] == "competentnl"]
    assert sorted(others) == level3


def test_competentnl_uris_and_labels_match_the_reference(shipped, shared_data):
    source = shared_data / "competentnl" / "humancapabilities-level3.json"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    reference = {row["uri"]: row["label"] for row in json.loads(source.read_text(encoding="utf-8"))}
    level3 = {shipped.concepts.ids[i]: shipped.concepts.pref_nl[i]
              for i in range(shipped.n_concepts) if shipped.concept_level[i] == 3}
    assert len(reference) == 112
    assert set(level3) == set(reference)
    # the shipped labels strip trailing spaces; the data author repaired double-encoded text
    # (see taxonomy/README.md), which the repaired reference rows also show after .strip()
    assert {uri: level3[uri] for uri in reference} == {uri: label.strip() for uri, label in reference.items()}


def test_occupations_cover_the_crucial_and_pressure_sectors(shipped, repo_root):
    sectors = table(repo_root, "sectors.csv")
    crucial = {s["id"] for s in sectors if s["crucial"] == "1"}
    pressure = {s["id"] for s in sectors if s["crucial"] == "0"}
    assert crucial == CRUCIAL_SECTORS
    assert pressure >= {"detailhandel", "logistiek", "horeca", "schoonmaak"}
    assert shipped.n_occupations >= 120
    per_sector = Counter(shipped.occupation_sector)
    assert set(per_sector) == crucial | pressure
    assert all(per_sector[s] >= 3 for s in crucial | pressure), per_sector
    assert all(len(shipped.occupations_in_sector(s)) == per_sector[s] for s in per_sector)


def test_every_occupation_has_sector_isco_and_three_importance_levels(shipped):
    for i in range(shipped.n_occupations):
        occupation = shipped.occupation(i)
        assert occupation.sector in shipped.sectors, occupation.id
        assert re.fullmatch(r"\d{4}", occupation.isco or ""), occupation.id
        assert occupation.pref_label_nl and occupation.pref_label_en, occupation.id
        assert {r.importance for r in occupation.requirements} == set(IMPORTANCE_CODES), occupation.id


def test_modules(shipped, repo_root):
    assert len(shipped.modules) >= 150
    assert {m.type for m in shipped.modules} == MODULE_TYPES
    for m in shipped.modules:
        assert 0 <= m.nlqf <= 8 and m.hours > 0 and m.cost_eur >= 0, m.id
        assert m.delivery and 1 <= m.starts_per_year <= 52, m.id
        assert m.skills and m.provider and m.funding, m.id
    # regions: every row names regions or '*' (all), never leaves it empty
    assert all(row["regions"] for row in table(repo_root, "modules.csv"))
    assert any(not m.regions for m in shipped.modules) and any(m.regions for m in shipped.modules)


def test_development_paths_per_sector_and_kind(shipped):
    kinds = {(p.sector, p.kind) for p in shipped.paths}
    for sector in PATH_SECTORS:
        assert {k for s, k in kinds if s == sector} == {"into", "up", "across"}, sector
    for p in shipped.paths:
        assert [s.step for s in p.steps] == list(range(1, len(p.steps) + 1)), p.id
        assert p.steps[0].from_occupation is None or p.kind != "into", p.id


def test_35_regions_inside_the_netherlands(shipped, repo_root):
    # 35 is a fact: the number of arbeidsmarktregio's
    assert len(shipped.regions) == len(table(repo_root, "regions.csv")) == 35
    assert len({r.id for r in shipped.regions}) == len(shipped.regions)
    for r in shipped.regions:
        assert NL_LAT[0] < r.location.lat < NL_LAT[1] and NL_LON[0] < r.location.lon < NL_LON[1], r.id


def test_every_reference_in_the_csv_files_exists(repo_root):
    """Checked on the files themselves, not only through the builder."""
    concepts = {r["id"] for r in table(repo_root, "capabilities.csv")} | {
        r["id"] for r in table(repo_root, "knowledge_areas.csv")}
    occupations = {r["id"] for r in table(repo_root, "occupations.csv")}
    modules = {r["id"]: r for r in table(repo_root, "modules.csv")}
    regions = {r["id"] for r in table(repo_root, "regions.csv")}
    sectors = {r["id"] for r in table(repo_root, "sectors.csv")}
    paths = {r["id"] for r in table(repo_root, "paths.csv")}

    for r in table(repo_root, "capabilities.csv") + table(repo_root, "knowledge_areas.csv"):
        assert set(multi(r["broader"])) <= concepts, r["id"]
    for r in table(repo_root, "related.csv"):
        assert {r["source"], r["target"]} <= concepts, r
    for r in table(repo_root, "occupations.csv"):
        assert r["sector"] in sectors, r["id"]
    for r in table(repo_root, "requirements.csv"):
        assert r["occupation"] in occupations and r["concept"] in concepts, r
    for r in modules.values():
        assert r["sector"] in sectors or r["sector"] == "", r["id"]  # optional: NT2 modules serve every sector
        assert r["regions"] == "*" or set(multi(r["regions"])) <= regions, r["id"]
        assert set(multi(r["prerequisites"])) <= set(modules), r["id"]
    taught = set()
    for r in table(repo_root, "module_skills.csv"):
        assert r["module"] in modules and r["concept"] in concepts, r
        taught.add(r["module"])
    assert taught == set(modules)  # every module teaches something
    for r in table(repo_root, "paths.csv"):
        assert r["sector"] in sectors, r["id"]
    stepped = set()
    for r in table(repo_root, "path_steps.csv"):
        assert r["path"] in paths, r
        assert r["to_occupation"] in occupations, r
        assert r["from_occupation"] in occupations or r["from_occupation"] == "", r
        assert multi(r["modules"]) and set(multi(r["modules"])) <= set(modules), r
        stepped.add(r["path"])
    assert stepped == paths


def test_essential_requirements_are_taught_at_most_one_level_below(shipped):
    best = shipped.module_skills.tocsc().max(axis=0).toarray().ravel()  # highest level taught, per concept
    short = []
    for i in range(shipped.n_occupations):
        lo, hi = shipped.requirements.indptr[i], shipped.requirements.indptr[i + 1]
        for j, code, level in zip(shipped.requirements.indices[lo:hi], shipped.requirements.data[lo:hi],
                                  shipped.requirement_levels.data[lo:hi]):
            if code == IMPORTANCE_CODES["essential"] and best[j] < level - 1:
                short.append((shipped.occupation_label(i), shipped.concept_label(j), float(level), float(best[j])))
    assert short == []


# --- validation: one smallest mutation per error -----------------------------------------------------

CASES = {}


def case(func):
    CASES[func.__name__] = func
    return func


@case
def unknown_concept_in_requirements(t):
    t.set("requirements.csv", 2, "concept", "urn:skillmatch:capability:bestaat-niet")
    return (r"requirements\.csv line 2 record '" + re.escape(ZORGHULP) + r"' field 'concept': concept "
            r"'urn:skillmatch:capability:bestaat-niet' is not in the taxonomy \(closest: 'urn:skillmatch:")


@case
def duplicate_occupation_id(t):
    line = t.append_copy_of("occupations.csv", 2)
    return (rf"occupations\.csv line {line} record '{re.escape(ZORGHULP)}' field 'id': duplicate occupation id "
            r"\(first defined at occupations\.csv line 2\)")


@case
def duplicate_module_id(t):
    module = t.cell("modules.csv", 2, "id")
    line = t.append_copy_of("modules.csv", 2)
    return rf"modules\.csv line {line} record '{re.escape(module)}' field 'id': duplicate module id \(first defined at modules\.csv line 2\)"


@case
def duplicate_path_id(t):
    path = t.cell("paths.csv", 2, "id")
    line = t.append_copy_of("paths.csv", 2)
    return rf"paths\.csv line {line} record '{path}' field 'id': duplicate path id \(first defined at paths\.csv line 2\)"


@case
def hierarchy_cycle(t):
    a, b = t.cell("capabilities.csv", 2, "id"), t.cell("capabilities.csv", 3, "id")
    t.set("capabilities.csv", 2, "broader", b)
    t.set("capabilities.csv", 3, "broader", a)
    return rf"capabilities\.csv line 2 record '{a}' field 'broader': hierarchy cycle: {a} -> {b} -> {a}"


@case
def unknown_broader_concept(t):
    line = t.line_of("capabilities.csv", "id", ZORG_EN_BEGELEIDING)
    t.set("capabilities.csv", line, "broader", "urn:skillmatch:capability:l1:zorg")
    return (rf"capabilities\.csv line {line} record 'urn:skillmatch:capability:l2:zorg-en-begeleiding' field 'broader': "
            r"broader concept 'urn:skillmatch:capability:l1:zorg' is not in the taxonomy")


@case
def empty_preferred_label(t):
    t.set("capabilities.csv", 2, "pref_label_nl", "")
    # only this row is reported: its narrower concepts are not blamed for pointing at it
    return (rf"1 problem.*\n  capabilities\.csv line 2 record '{ZORG_EN_DIENSTVERLENING}' field 'pref_label_nl': "
            r"the preferred label is empty; every concept needs pref_label_nl")


@case
def empty_knowledge_area_label(t):
    t.set("knowledge_areas.csv", 2, "pref_label_nl", "")
    return (r"1 problem.*\n  knowledge_areas\.csv line 2 record 'urn:skillmatch:knowledge:taal-en-rekenen' "
            r"field 'pref_label_nl': the preferred label is empty")


@case
def empty_occupation_label(t):
    t.set("occupations.csv", 2, "pref_label_nl", " ")
    return (rf"1 problem.*\n  occupations\.csv line 2 record '{re.escape(ZORGHULP)}' field 'pref_label_nl': "
            r"the preferred label is empty")


@case
def empty_module_title(t):
    t.set("modules.csv", 2, "title_nl", "")
    return r"modules\.csv line 2 record '.*' field 'title_nl': a value is required; the field is empty or missing"


@case
def capability_level_out_of_range(t):
    line = t.line_of("capabilities.csv", "id", VERZORGEN)
    t.set("capabilities.csv", line, "level", "4")
    return rf"capabilities\.csv line {line} record '{VERZORGEN}' field 'level': expected level 1, 2 or 3 .*\(found '4'\)"


@case
def requirement_level_6(t):
    t.set("requirements.csv", 2, "level", "6")
    return r"requirements\.csv line 2 field 'level': expected a level from 1 to 5, found 6$"


@case
def requirement_level_not_a_number(t):
    t.set("requirements.csv", 2, "level", "hoog")
    return r"requirements\.csv line 2 field 'level': expected a level from 1 to 5 \(found 'hoog'\)"


@case
def requirement_unknown_importance(t):
    t.set("requirements.csv", 2, "importance", "vital")
    return (r"requirements\.csv line 2 field 'importance': expected one of \['essential', 'important', 'somewhat'\] "
            r"\(found 'vital'\)")


@case
def requirement_listed_twice(t):
    line = t.append_copy_of("requirements.csv", 2, importance="important")
    return (rf"requirements\.csv line {line} record '{re.escape(ZORGHULP)}' field 'concept': requirement listed "
            rf"twice for this occupation \(first at requirements\.csv line 2\) \(found '{VERZORGEN}'\)")


@case
def module_skill_level_0(t):
    t.set("module_skills.csv", 2, "level", "0")
    return (r"module_skills\.csv line 2 record 'urn:skillmatch:module:praktijkverklaring-zorghulp' field 'level': "
            r"Input should be greater than or equal to 1 \(found '0'\)")


@case
def module_skill_listed_twice(t):
    line = t.append_copy_of("module_skills.csv", 2, level="3")
    return (rf"module_skills\.csv line {line} record 'urn:skillmatch:module:praktijkverklaring-zorghulp' "
            rf"field 'concept': skill listed twice for this module \(found '{VERZORGEN}'\)")


@case
def module_skill_unknown_concept(t):
    t.set("module_skills.csv", 3, "concept", "urn:skillmatch:knowledge:hygiene")
    return (r"module_skills\.csv line 3 record 'urn:skillmatch:module:praktijkverklaring-zorghulp' field 'concept': "
            r"concept 'urn:skillmatch:knowledge:hygiene' is not in the taxonomy \(closest: "
            r"'urn:skillmatch:knowledge:hygiene-infectiepreventie'\)")


@case
def module_skills_for_a_module_not_in_modules_csv(t):
    line = t.append("module_skills.csv", module="urn:skillmatch:module:bestaat-niet", concept=VERZORGEN, level="2")
    return (rf"module_skills\.csv line {line} field 'module': module 'urn:skillmatch:module:bestaat-niet' "
            r"is not in modules\.csv")


@case
def module_without_skills(t):
    line = t.append_copy_of("modules.csv", 2, id="urn:skillmatch:module:leeg")
    return (rf"modules\.csv line {line} record 'urn:skillmatch:module:leeg' field 'id': a module must teach at "
            r"least one skill; module_skills\.csv has no rows for it")


@case
def module_unknown_region(t):
    t.set("modules.csv", 2, "regions", "rijnmond|atlantis")
    return (r"modules\.csv line 2 record 'urn:skillmatch:module:praktijkverklaring-zorghulp' field 'regions': "
            r"region 'atlantis' is not in the taxonomy")


@case
def module_unknown_prerequisite(t):
    t.set("modules.csv", 2, "prerequisites", "urn:skillmatch:module:bestaat-niet")
    return (r"modules\.csv line 2 record 'urn:skillmatch:module:praktijkverklaring-zorghulp' field 'prerequisites': "
            r"module 'urn:skillmatch:module:bestaat-niet' is not in the taxonomy")


@case
def module_unknown_type(t):
    t.set("modules.csv", 2, "type", "webinar")
    return r"modules\.csv line 2 record '.*' field 'type': Input should be 'praktijkverklaring', .* \(found 'webinar'\)"


@case
def prerequisite_cycle(t):
    a, b = t.cell("modules.csv", 2, "id"), t.cell("modules.csv", 3, "id")
    t.set("modules.csv", 2, "prerequisites", b)
    t.set("modules.csv", 3, "prerequisites", a)
    return rf"modules\.csv line 2 record '{a}' field 'prerequisites': prerequisite cycle: {a} -> {b} -> {a}"


@case
def related_strength_1_5(t):
    t.set("related.csv", 2, "strength", "1.5")
    return r"related\.csv line 2 field 'strength': strength must be in \(0, 1\], found 1\.5$"


@case
def related_strength_not_a_number(t):
    t.set("related.csv", 2, "strength", "sterk")
    return r"related\.csv line 2 field 'strength': expected a number in \(0, 1\] \(found 'sterk'\)"


@case
def related_unknown_target(t):
    t.set("related.csv", 2, "target", HC + "0000000000")
    return rf"related\.csv line 2 field 'target': concept '{HC}0000000000' is not in the taxonomy"


@case
def occupation_unknown_sector(t):
    t.set("occupations.csv", 2, "sector", "zorg")
    return (rf"occupations\.csv line 2 record '{re.escape(ZORGHULP)}' field 'sector': sector 'zorg' is not in the "
            r"taxonomy \(closest: ")


@case
def occupation_bad_isco(t):
    t.set("occupations.csv", 2, "isco", "53290")
    # one problem, not also one per requirement of the rejected occupation
    return rf"1 problem.*\n  occupations\.csv line 2 record '{re.escape(ZORGHULP)}' field 'isco': .*\(found '53290'\)"


@case
def path_step_unknown_occupation(t):
    t.set("path_steps.csv", 2, "to_occupation", "urn:skillmatch:occupation:groepshulp")
    return (r"path_steps\.csv line 2 record 'urn:skillmatch:path:instroom-pm-kinderopvang' field 'to_occupation': "
            r"occupation 'urn:skillmatch:occupation:groepshulp' is not in the taxonomy \(closest: "
            r"'urn:skillmatch:occupation:groepshulp-kinderopvang'\)")


@case
def path_step_unknown_module(t):
    t.set("path_steps.csv", 3, "modules", "urn:skillmatch:module:mbo-certificaat-pm")
    return (r"path_steps\.csv line 3 record 'urn:skillmatch:path:instroom-pm-kinderopvang' field 'modules': "
            r"module 'urn:skillmatch:module:mbo-certificaat-pm' is not in the taxonomy")


@case
def path_steps_numbered_1_3(t):
    t.set("path_steps.csv", 3, "step", "3")
    return (r"path_steps\.csv line 3 record 'urn:skillmatch:path:instroom-pm-kinderopvang' field 'step': "
            r"steps must be numbered 1\.\.2 without gaps or repeats, found \[1, 3\]")


@case
def path_step_for_a_path_not_in_paths_csv(t):
    line = t.append_copy_of("path_steps.csv", 2, path="urn:skillmatch:path:bestaat-niet")
    return rf"path_steps\.csv line {line} field 'path': path 'urn:skillmatch:path:bestaat-niet' is not in paths\.csv"


@case
def path_without_steps(t):
    line = t.append_copy_of("paths.csv", 2, id="urn:skillmatch:path:leeg")
    return (rf"paths\.csv line {line} record 'urn:skillmatch:path:leeg' field 'id': a path needs at least one step; "
            r"path_steps\.csv has no rows for it")


@case
def region_latitude_not_a_number(t):
    t.set("regions.csv", 2, "lat", "noord")
    return r"1 problem.*\n  regions\.csv line 2 record 'groningen' field 'lat': .*valid number.* \(found 'noord'\)"


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_validation_error_names_file_line_and_value(taxonomy_copy, name):
    pattern = CASES[name](taxonomy_copy)
    with pytest.raises(TaxonomyError, match=pattern) as err:
        native.load_native(taxonomy_copy.path)
    assert str(err.value).startswith(f"{len(errors_of(err.value))} problem(s) in taxonomy {taxonomy_copy.path}")
    assert err.value.problems[0].line is not None


def test_every_problem_is_reported_not_only_the_first(taxonomy_copy):
    taxonomy_copy.set("requirements.csv", 2, "concept", "urn:skillmatch:capability:bestaat-niet")
    duplicate = taxonomy_copy.append_copy_of("occupations.csv", 2)
    taxonomy_copy.set("related.csv", 3, "strength", "0")
    taxonomy_copy.set("path_steps.csv", 3, "step", "3")
    taxonomy_copy.set("module_skills.csv", 2, "level", "9")
    with pytest.raises(TaxonomyError, match=r"^5 problem\(s\) in taxonomy") as err:
        native.load_native(taxonomy_copy.path)
    assert sorted((p.where, p.line, p.field) for p in err.value.problems) == [
        ("module_skills.csv", 2, "level"),
        ("occupations.csv", duplicate, "id"),
        ("path_steps.csv", 3, "step"),
        ("related.csv", 3, "strength"),
        ("requirements.csv", 2, "concept"),
    ]


def test_warnings_are_kept_and_strict_makes_them_errors(taxonomy_copy):
    line = taxonomy_copy.append_copy_of("occupations.csv", 2, id="urn:skillmatch:occupation:zonder-eisen")
    related = taxonomy_copy.append("related.csv", source=VERZORGEN, target=VERZORGEN, strength="0.5")
    tx = native.load_native(taxonomy_copy.path)
    assert [str(p) for p in tx.problems] == [
        (f"warning: related.csv line {related} field 'target': a concept related to itself adds nothing; link ignored "
         f"(found '{VERZORGEN}')"),
        (f"warning: occupations.csv line {line} record 'urn:skillmatch:occupation:zonder-eisen': "
         "occupation has no requirements"),
    ]
    assert tx.summary()["warnings"] == 2
    with pytest.raises(TaxonomyError, match=rf"^2 problem.*\n  related\.csv line {related} .*\n  occupations\.csv line {line}"):
        native.load_native(taxonomy_copy.path, strict=True)


# --- validation: files and tables ----------------------------------------------------------------------


def test_blank_lines_are_skipped_and_still_counted(taxonomy_copy):
    rows = taxonomy_copy.rows("requirements.csv")
    taxonomy_copy.write("requirements.csv", [*rows[:2], [], *rows[2:]])
    assert native.load_native(taxonomy_copy.path).requirements.nnz == len(rows) - 1
    taxonomy_copy.set("requirements.csv", 4, "level", "0")
    with pytest.raises(TaxonomyError, match=r"requirements\.csv line 4 field 'level': expected a level from 1 to 5, "
                                            r"found 0"):
        native.load_native(taxonomy_copy.path)


def test_row_with_too_many_fields(taxonomy_copy):
    line = lines_in(taxonomy_copy.path, "regions.csv") + 1
    with open(taxonomy_copy.path / "regions.csv", "a", encoding="utf-8") as stream:
        stream.write("den-helder,Den Helder, Noord,Den Helder,52.95,4.76\n")
    with pytest.raises(TaxonomyError, match=rf"regions\.csv line {line}: 6 fields where the header has 5 "
                                            r"\(a value with a comma that is not quoted\?\)"):
        native.load_native(taxonomy_copy.path)


def test_missing_required_column(taxonomy_copy):
    taxonomy_copy.write("requirements.csv", [row[:3] for row in taxonomy_copy.rows("requirements.csv")])
    with pytest.raises(TaxonomyError, match=r"requirements\.csv line 1: missing column\(s\) \['level'\]; expected "
                                            r"\['occupation', 'concept', 'importance', 'level'\], found "
                                            r"\['occupation', 'concept', 'importance'\]"):
        native.load_native(taxonomy_copy.path)


def test_empty_table_file(taxonomy_copy):
    (taxonomy_copy.path / "sectors.csv").write_text("", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"sectors\.csv line 1: the file is empty; expected a header row"):
        native.load_native(taxonomy_copy.path)


def test_missing_required_tables_are_all_named(taxonomy_copy):
    (taxonomy_copy.path / "requirements.csv").unlink()
    (taxonomy_copy.path / "occupations.csv").unlink()
    with pytest.raises(TaxonomyError, match=r"occupations\.csv: required table occupations\.csv is missing\n.*"
                                            r"requirements\.csv: required table requirements\.csv is missing"):
        load_taxonomy(taxonomy_copy.path, cache=False)


def test_optional_tables_may_be_absent(taxonomy_copy):
    for name in ("modules.csv", "module_skills.csv", "paths.csv", "path_steps.csv", "regions.csv", "related.csv",
                 "sectors.csv", "knowledge_areas.csv"):
        (taxonomy_copy.path / name).unlink()
    # requirements on knowledge areas now point nowhere: drop them, keep the capabilities
    rows = taxonomy_copy.rows("requirements.csv")
    taxonomy_copy.write("requirements.csv", [r for r in rows if not r[1].startswith("urn:skillmatch:knowledge:")])
    tx = native.load_native(taxonomy_copy.path)
    assert (len(tx.modules), len(tx.paths), len(tx.regions), len(tx.sectors)) == (0, 0, 0, 0)
    assert tx.n_occupations == len(taxonomy_copy.rows("occupations.csv")) - 1 and tx.related.nnz == 0


@pytest.mark.parametrize("content, pattern", [
    ('{"format": "skillmatch-taxonomy", "format_version": 2}',
     r"manifest\.json: expected format 'skillmatch-taxonomy' version 1, found 'skillmatch-taxonomy' version 2"),
    ('{"format": "skillmatch-taxonomy", ', r"manifest\.json: cannot read the manifest: Expecting"),
    ('["skillmatch-taxonomy", 1]', r"manifest\.json: expected a JSON object .* found a JSON list"),
])
def test_bad_manifest(taxonomy_copy, content, pattern):
    (taxonomy_copy.path / "manifest.json").write_text(content, encoding="utf-8")
    assert detect_format(taxonomy_copy.path) == "native"  # so that loading can say what is wrong
    with pytest.raises(TaxonomyError, match=pattern):
        load_taxonomy(taxonomy_copy.path, cache=False)


def test_manifest_of_another_format_is_not_taken_for_ours(taxonomy_copy):
    (taxonomy_copy.path / "manifest.json").write_text('{"name": "a web app manifest"}', encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"not a taxonomy skillmatch can read: expected a folder with manifest\.json"):
        detect_format(taxonomy_copy.path)


def test_english_manifest_asks_for_english_labels(taxonomy_copy):
    manifest = json.loads((taxonomy_copy.path / "manifest.json").read_text(encoding="utf-8"))
    (taxonomy_copy.path / "manifest.json").write_text(json.dumps({**manifest, "language": "en"}), encoding="utf-8")
    taxonomy_copy.set("capabilities.csv", 2, "pref_label_nl", "")
    assert native.load_native(taxonomy_copy.path).concept(ZORG_EN_DIENSTVERLENING).pref_label_nl == ""
    taxonomy_copy.set("capabilities.csv", 2, "pref_label_en", "")
    with pytest.raises(TaxonomyError, match=r"capabilities\.csv line 2 .* field 'pref_label_en': the preferred label "
                                            r"is empty; every concept needs pref_label_en"):
        native.load_native(taxonomy_copy.path)


# --- the builder on its own ----------------------------------------------------------------------------


def test_builder_reports_unknown_references_without_a_line(shipped):
    from skillmatch.models import Concept, Occupation, Requirement

    b = TaxonomyBuilder("mini", "test")
    b.add_concept(Concept(id="a", pref_label_nl="A"), Where("api", record="a"))
    b.add_occupation(Occupation(id="o", pref_label_nl="O", requirements=(Requirement(skill="b"),)),
                     Where("api", record="o"))
    with pytest.raises(TaxonomyError, match=r"1 problem\(s\) in taxonomy test:\n  api record 'o' field 'concept': "
                                            r"concept 'b' is not in the taxonomy \(closest: 'a'\)"):
        b.build()


def test_builder_gives_no_hints_past_the_limit():
    from skillmatch.taxonomy.build import _MAX_HINTS

    b = TaxonomyBuilder("mini", "test")
    from skillmatch.models import Concept, Occupation

    b.add_concept(Concept(id="a", pref_label_nl="A"), Where("api"))
    b.add_occupation(Occupation(id="o", pref_label_nl="O"), Where("api"))
    for k in range(_MAX_HINTS + 5):
        b.add_requirement("o", f"x{k}", "essential", 3, Where("api", line=k + 2))
    with pytest.raises(TaxonomyError) as err:
        b.build()
    hinted = [p for p in err.value.problems if "closest" in p.message]
    assert len(hinted) == _MAX_HINTS and len(errors_of(err.value)) == _MAX_HINTS + 5
    assert str(err.value).endswith(f"... and {_MAX_HINTS + 5 - 20} more")  # InputError shows 20


# --- compiled form and cache ---------------------------------------------------------------------------


def test_save_and_load_compiled_round_trip(shipped, tmp_path):
    folder = shipped.save(tmp_path / "compiled")
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "meta.json"]
    again = Taxonomy.load_compiled(folder)
    assert_same_taxonomy(shipped, again)
    assert detect_format(folder) == "compiled"
    assert_same_taxonomy(shipped, load_taxonomy(folder))


def test_round_trip_keeps_warnings_and_their_values(taxonomy_copy, tmp_path):
    taxonomy_copy.append("related.csv", source=VERZORGEN, target=VERZORGEN, strength="0.5")
    tx = native.load_native(taxonomy_copy.path)
    again = Taxonomy.load_compiled(tx.save(tmp_path / "compiled"))
    assert again.problems == tx.problems
    assert again.problems[0].value == VERZORGEN


def test_values_json_cannot_hold_are_saved_as_their_repr(shipped, tmp_path):
    tx = Taxonomy.load_compiled(shipped.save(tmp_path / "a"))
    tx.problems = [Problem("odd value", value={1}, severity="warning"), Problem("list", value=("a", "b"))]
    again = Taxonomy.load_compiled(tx.save(tmp_path / "b"))
    assert [p.value for p in again.problems] == ["{1}", ["a", "b"]]


def test_load_compiled_rejects_other_formats(tmp_path, shipped):
    folder = shipped.save(tmp_path / "compiled")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    (folder / "meta.json").write_text(json.dumps({**meta, "format_version": 99}), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=rf"meta\.json: expected format 'skillmatch-compiled' version "
                                            rf"{COMPILED_VERSION}, found 'skillmatch-compiled' version 99") as err:
        Taxonomy.load_compiled(folder)
    assert not isinstance(err.value, DamagedTaxonomyError)  # another version, not damage: rebuilt without a warning
    (folder / "meta.json").write_text("{", encoding="utf-8")
    with pytest.raises(DamagedTaxonomyError, match=r"meta\.json: cannot read compiled taxonomy"):
        Taxonomy.load_compiled(folder)
    (folder / "meta.json").write_bytes(b"\xff\xfe")
    with pytest.raises(DamagedTaxonomyError, match=r"meta\.json: cannot read compiled taxonomy: 'utf-8' codec"):
        Taxonomy.load_compiled(folder)
    (folder / "meta.json").write_text("[]", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=rf"meta\.json: expected format 'skillmatch-compiled' version "
                                            rf"{COMPILED_VERSION}, found None"):
        Taxonomy.load_compiled(folder)
    (folder / "meta.json").unlink()
    with pytest.raises(TaxonomyError, match=r"meta\.json: no compiled taxonomy here: meta\.json is absent"):
        Taxonomy.load_compiled(folder)


def test_load_compiled_names_a_damaged_array_file(tmp_path, shipped):
    folder = shipped.save(tmp_path / "compiled")
    data = (folder / "arrays.npz").read_bytes()
    (folder / "arrays.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedTaxonomyError, match=r"compiled: the compiled taxonomy was altered or damaged: meta\.json "
                                                   r"and arrays\.npz do not match the content hash"):
        Taxonomy.load_compiled(folder)
    (folder / "arrays.npz").unlink()
    with pytest.raises(DamagedTaxonomyError, match=r"compiled: the compiled taxonomy is damaged: cannot read "
                                                   r"arrays\.npz \(No such file"):
        Taxonomy.load_compiled(folder)


def test_cache_is_written_then_read(taxonomy_copy, monkeypatch):
    before = set((cache_dir() / "taxonomy").glob("*")) if (cache_dir() / "taxonomy").exists() else set()
    first = load_taxonomy(taxonomy_copy.path, cache=True)
    (entry,) = set((cache_dir() / "taxonomy").glob("*")) - before
    assert (entry / "meta.json").is_file() and (entry / "arrays.npz").is_file()

    def no_parsing(*args, **kwargs):
        raise AssertionError("the second load should read the cache, not parse the CSV files")

    monkeypatch.setattr(load_module.native, "load_native", no_parsing)
    second = load_taxonomy(taxonomy_copy.path, cache=True)
    assert_same_taxonomy(first, second)


def test_cache_is_not_used_after_the_source_changes(taxonomy_copy):
    load_taxonomy(taxonomy_copy.path)
    taxonomy_copy.set("capabilities.csv", taxonomy_copy.line_of("capabilities.csv", "id", VERZORGEN), "pref_label_nl",
                      "Verzorgen (gewijzigd)")
    assert load_taxonomy(taxonomy_copy.path).concept(VERZORGEN).pref_label_nl == "Verzorgen (gewijzigd)"


@pytest.mark.parametrize("damage", ["truncate-arrays", "garbage-meta", "meta-missing-keys"])
def test_damaged_cache_is_rebuilt(taxonomy_copy, damage):
    first = load_taxonomy(taxonomy_copy.path)
    (entry,) = [p for p in (cache_dir() / "taxonomy").iterdir() if json.loads(
        (p / "meta.json").read_text(encoding="utf-8"))["source"] == str(taxonomy_copy.path)]
    if damage == "truncate-arrays":
        data = (entry / "arrays.npz").read_bytes()
        (entry / "arrays.npz").write_bytes(data[:100])
    elif damage == "garbage-meta":
        (entry / "meta.json").write_text("not json", encoding="utf-8")
    else:
        (entry / "meta.json").write_text(json.dumps({"format": "skillmatch-compiled",
                                                     "format_version": COMPILED_VERSION}), encoding="utf-8")
    rebuilt = load_taxonomy(taxonomy_copy.path)
    *problems, notice = rebuilt.problems
    assert (notice.severity, notice.where) == ("warning", str(entry))
    assert notice.message.startswith("the compiled cache of this source was altered or damaged and has been rebuilt "
                                     "from the source (")
    rebuilt.problems = problems
    assert_same_taxonomy(first, rebuilt)
    assert_same_taxonomy(first, Taxonomy.load_compiled(entry))  # and the cache is whole again
    assert load_taxonomy(taxonomy_copy.path).problems == first.problems  # so the next load says nothing


def test_a_cache_of_another_version_is_rebuilt_without_a_warning(taxonomy_copy):
    first = load_taxonomy(taxonomy_copy.path)
    (entry,) = [p for p in (cache_dir() / "taxonomy").iterdir() if json.loads(
        (p / "meta.json").read_text(encoding="utf-8"))["source"] == str(taxonomy_copy.path)]
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    (entry / "meta.json").write_text(json.dumps({**meta, "format_version": COMPILED_VERSION - 1}), encoding="utf-8")
    assert_same_taxonomy(first, load_taxonomy(taxonomy_copy.path))
    assert_same_taxonomy(first, Taxonomy.load_compiled(entry))


def test_an_unwritable_cache_does_not_stop_loading(taxonomy_copy, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(blocker))
    assert load_taxonomy(taxonomy_copy.path).n_occupations == len(taxonomy_copy.rows("occupations.csv")) - 1


def test_cache_false_writes_nothing(taxonomy_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(tmp_path / "private-cache"))
    load_taxonomy(taxonomy_copy.path, cache=False)
    assert not (tmp_path / "private-cache").exists()


def test_detect_format(tmp_path, repo_root):
    assert detect_format(repo_root / "taxonomy") == "native"
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    (unknown / "notes.txt").write_text("not a taxonomy", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"unknown: not a taxonomy skillmatch can read: expected a folder with "
                                            r"manifest\.json \(skillmatch format\), meta\.json \(compiled\), ESCO CSV"):
        detect_format(unknown)
    with pytest.raises(TaxonomyError, match=r"missing: no such file or folder"):
        load_taxonomy(tmp_path / "missing")


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"format": "other"}'])
def test_a_meta_json_of_another_kind_is_not_a_compiled_taxonomy(tmp_path, content):
    (tmp_path / "meta.json").write_bytes(content)
    with pytest.raises(TaxonomyError, match="not a taxonomy skillmatch can read"):
        detect_format(tmp_path)


def test_dutch_labels_are_for_esco_only(repo_root):
    with pytest.raises(TaxonomyError, match=r"field 'dutch': Dutch label merging is for ESCO sources only "
                                            r"\(found '.*nl'\)"):
        load_taxonomy(repo_root / "taxonomy", dutch="nl")


def test_shipped_taxonomy_path_is_the_default(shipped, repo_root):
    from skillmatch.taxonomy import shipped_taxonomy_path

    path = shipped_taxonomy_path()
    assert (path / "manifest.json").is_file()
    assert sorted(p.name for p in path.glob("*.csv")) == sorted(p.name for p in (repo_root / "taxonomy").glob("*.csv"))


# --- the Taxonomy API ----------------------------------------------------------------------------------


def test_concept_record(shipped):
    c = shipped.concept(VERZORGEN)
    assert (c.id, c.kind, c.level, c.pref_label_nl, c.origin) == (VERZORGEN, "capability", 3, "Verzorgen", "competentnl")
    assert c.broader == (ZORG_EN_BEGELEIDING,)
    assert "Hygiënisch behandelen" in c.alt_labels_nl
    assert shipped.concept(shipped.concepts.index[VERZORGEN]) == c
    group = shipped.concept(ZORG_EN_DIENSTVERLENING)
    assert (group.kind, group.level, group.broader, group.origin) == ("group", 1, (), "skillmatch")
    knowledge = shipped.concept("urn:skillmatch:knowledge:hygiene-infectiepreventie")
    assert knowledge.kind == "knowledge" and knowledge.isced_f


def test_occupation_record(shipped):
    o = shipped.occupation(ZORGHULP)
    assert (o.pref_label_nl, o.isco, o.sector) == ("Zorghulp", "5329", "zorg-welzijn")
    required = {r.skill: (r.importance, r.level) for r in o.requirements}
    assert required[VERZORGEN] == ("essential", 2)
    assert len(o.requirements) == shipped.requirements[shipped.occupations.index[ZORGHULP]].nnz
    assert shipped.occupation(shipped.occupations.index[ZORGHULP]) == o


def test_hierarchy_ancestors_and_narrower(shipped):
    i = shipped.concepts.index[VERZORGEN]
    assert [shipped.concepts.ids[j] for j in shipped.ancestors(i)] == [ZORG_EN_BEGELEIDING, ZORG_EN_DIENSTVERLENING]
    assert shipped.ancestors(shipped.concepts.index[ZORG_EN_DIENSTVERLENING]) == []
    group = shipped.concepts.index[ZORG_EN_BEGELEIDING]
    assert i in shipped.narrower_of(group)
    assert (shipped.narrower != shipped.broader.T).nnz == 0
    # every level-3 capability has a level-2 parent with a level-1 parent
    for k in np.flatnonzero(shipped.concept_level == 3):
        assert [int(shipped.concept_level[j]) for j in shipped.ancestors(int(k))] == [2, 1]


def test_unknown_id_names_the_closest(shipped):
    with pytest.raises(TaxonomyError, match=rf"concept '{HC}DB59A57C0' is not in the taxonomy "
                                            rf"\(closest id: '{VERZORGEN}'\)"):
        shipped.concept_id_to_index(HC + "DB59A57C0")
    with pytest.raises(TaxonomyError, match=r"vacancies\.jsonl: occupation 'urn:skillmatch:occupation:pedagogisch' "
                                            r"is not in the taxonomy \(closest id: 'urn:skillmatch:occupation:pedagogisch-coach'\)"):
        shipped.occupation_id_to_index("urn:skillmatch:occupation:pedagogisch", where="vacancies.jsonl")
    with pytest.raises(TaxonomyError, match="is not in the taxonomy"):
        shipped.concept("urn:nope")


def test_label_resolution_falls_back_from_dutch_to_english_to_id():
    table_ = LabelTable(ids=["a", "b", "c"], pref_nl=["Verzorgen", "", ""], pref_en=["Caring", "Nursing", ""],
                        alt_nl=[[], [], []], alt_en=[[], [], []])
    assert [table_.label(i) for i in range(3)] == ["Verzorgen", "Nursing", "c"]
    assert [table_.label(i, "en") for i in range(3)] == ["Caring", "Nursing", "c"]
    assert table_.index == {"a": 0, "b": 1, "c": 2} and len(table_) == 3


def test_labels_of_the_shipped_taxonomy(shipped):
    i = shipped.concepts.index[VERZORGEN]
    assert (shipped.concept_label(i), shipped.concept_label(i, "en")) == ("Verzorgen", shipped.concepts.pref_en[i])
    o = shipped.occupations.index[ZORGHULP]
    assert (shipped.occupation_label(o), shipped.occupation_label(o, "en")) == ("Zorghulp", "Care assistant (entry level)")


def test_summary_and_repr(shipped, repo_root):
    summary, expected = shipped.summary(), counted(repo_root)
    assert (summary["capabilities"], summary["regions"], summary["warnings"]) == (
        expected["capabilities"], expected["regions"], 0)
    assert summary["capabilities"] + summary["knowledge_areas"] + summary["groups"] == shipped.n_concepts
    assert summary["related_links"] * 2 == shipped.related.nnz
    assert (shipped.related != shipped.related.T).nnz == 0
    n_concepts = expected["capabilities"] + expected["groups"] + expected["knowledge_areas"]
    assert repr(shipped) == (f"<Taxonomy 'skillmatch-nl': {n_concepts} concepts, {expected['occupations']} occupations, "
                             f"{expected['requirements']} requirements, {expected['modules']} modules, "
                             f"{expected['paths']} paths, {expected['regions']} regions>")
    assert shipped.skill_mask.sum() == summary["capabilities"] + summary["knowledge_areas"]


# --- problems and their messages -----------------------------------------------------------------------


@pytest.mark.parametrize("problem, text", [
    (Problem("expected a level from 1 to 5", where="requirements.csv", line=2, field="level", value=6.0),
     "requirements.csv line 2 field 'level': expected a level from 1 to 5 (found 6)"),
    (Problem("expected a level from 1 to 5", where="requirements.csv", line=2, field="level", value="x"),
     "requirements.csv line 2 field 'level': expected a level from 1 to 5 (found 'x')"),
    (Problem("region 'atlantis' is unknown", where="modules.csv", record="m", field="regions", value="atlantis"),
     "modules.csv record 'm' field 'regions': region 'atlantis' is unknown"),
    (Problem("duplicate id", where="a.csv", line=3, record="r1", value="r1"), "a.csv line 3 record 'r1': duplicate id"),
    (Problem("steps must be numbered 1..2, found [1, 3]", where="p.csv", value=3), "p.csv: steps must be numbered 1..2, found [1, 3]"),
    (Problem("strength must be in (0, 1]", where="related.csv", value=0.0), "related.csv: strength must be in (0, 1] (found 0)"),
    (Problem("label is empty", record="c", field="pref_label_nl", value=""), "record 'c' field 'pref_label_nl': label is empty"),
    (Problem("2 URIs skipped: a, b", where="r.csv", value=["a", "b"], severity="warning"), "warning: r.csv: 2 URIs skipped: a, b"),
    (Problem("no place"), "no place"),
])
def test_problem_text_names_place_field_and_value(problem, text):
    assert str(problem) == text


def test_input_error_lists_errors_first_twenty_then_a_count():
    problems = [Problem(f"bad {k}", where="f.csv", line=k + 2) for k in range(23)]
    problems.append(Problem("only a warning", severity="warning"))
    err = TaxonomyError(problems, summary="23 problem(s) in taxonomy x")
    text = str(err)
    assert text.startswith("23 problem(s) in taxonomy x:\n  f.csv line 2: bad 0\n")
    assert text.endswith("f.csv line 21: bad 19\n  ... and 3 more")
    assert "only a warning" not in text and err.problems == problems
    assert str(TaxonomyError("no such file")) == "1 problem(s) in the input:\n  no such file"
    assert isinstance(err, ValueError)
