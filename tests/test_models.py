"""Record validation (``skillmatch.models``): one record at a time, every rule with its message."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from skillmatch.models import (
    IMPORTANCE_CODES,
    IMPORTANCE_NAMES,
    SCHEMAS,
    SUPPORT_KINDS,
    Concept,
    DevelopmentPath,
    GeoPoint,
    Jobseeker,
    Occupation,
    PathStep,
    Region,
    Requirement,
    Sector,
    SkillClaim,
    TrainingModule,
    Vacancy,
)

SKILL = "https://linkeddata.competentnl.nl/id/humancapability/DB59A57C01"
MODULE = dict(id="m", title="Praktijkverklaring", type="praktijkverklaring", nlqf=2, hours=80, cost_eur=650,
              skills=[{"skill": SKILL, "level": 2}])


def test_a_valid_jobseeker_with_defaults():
    js = Jobseeker(id="  js-1 ", skills=[{"skill": SKILL}], support_needs=["jobcoach"])
    assert js.id == "js-1"  # whitespace stripped
    assert js.skills == (SkillClaim(skill=SKILL, proficiency=3, evidence="self-reported"),)
    assert (js.hours_min, js.hours_max, js.max_travel_km, js.attributes) == (0, 40, None, {})
    with pytest.raises(ValidationError, match="Instance is frozen"):
        js.id = "other"


def test_jobseeker_hours_min_above_hours_max():
    with pytest.raises(ValidationError, match=r"hours_min \(32\.0\) is more than hours_max \(24\.0\)"):
        Jobseeker(id="js-1", hours_min=32, hours_max=24)


def test_jobseeker_hours_out_of_range():
    with pytest.raises(ValidationError, match=r"hours_max\n  Input should be less than or equal to 80"):
        Jobseeker(id="js-1", hours_max=100)


def test_proficiency_6():
    with pytest.raises(ValidationError, match=r"skills\.0\.proficiency\n  Input should be less than or equal to 5 "
                                              r"\[type=less_than_equal, input_value=6"):
        Jobseeker(id="js-1", skills=[{"skill": SKILL, "proficiency": 6}])


def test_unknown_evidence():
    with pytest.raises(ValidationError, match=r"skills\.0\.evidence\n  Input should be 'diploma', "
                                              r"'praktijkverklaring', 'experience' or 'self-reported'"):
        Jobseeker(id="js-1", skills=[{"skill": SKILL, "evidence": "linkedin"}])


def test_unknown_support_need():
    with pytest.raises(ValidationError, match=r"support_needs\.0\n  Input should be 'banenafspraak', 'beschut-werk', "
                                              r"'aanpassingen', 'jobcoach' or 'taalondersteuning' .*input_value='rolstoel'"):
        Jobseeker(id="js-1", support_needs=["rolstoel"])
    assert set(SUPPORT_KINDS) == {"banenafspraak", "beschut-werk", "aanpassingen", "jobcoach", "taalondersteuning"}


def test_extra_unknown_field_is_rejected():
    with pytest.raises(ValidationError, match=r"leeftijd\n  Extra inputs are not permitted"):
        Jobseeker(id="js-1", leeftijd=54)
    # what a caller wants to carry along goes in attributes, which scoring never reads
    assert Jobseeker(id="js-1", attributes={"leeftijd": "54"}).attributes == {"leeftijd": "54"}


@pytest.mark.parametrize("empty", ["", "   "])
def test_empty_id(empty):
    with pytest.raises(ValidationError, match=r"id\n  String should have at least 1 character"):
        Jobseeker(id=empty)
    with pytest.raises(ValidationError, match=r"id\n  String should have at least 1 character"):
        Vacancy(id=empty, occupation="o")


def test_empty_skill_in_a_claim():
    with pytest.raises(ValidationError, match=r"skills\.0\.skill\n  String should have at least 1 character"):
        Jobseeker(id="js-1", skills=[{"skill": " "}])


def test_max_travel_must_be_positive():
    with pytest.raises(ValidationError, match=r"max_travel_km\n  Input should be greater than 0"):
        Jobseeker(id="js-1", max_travel_km=0)


def test_vacancy_without_requirements_or_occupation():
    with pytest.raises(ValidationError, match="a vacancy needs requirements or an occupation to take them from"):
        Vacancy(id="v-1", title="Verzorgende IG")
    assert Vacancy(id="v-1", occupation="o").requirements == ()
    v = Vacancy(id="v-2", requirements=[{"skill": SKILL, "importance": "essential", "level": 4}])
    assert v.requirements == (Requirement(skill=SKILL, importance="essential", level=4),)


def test_vacancy_hours_and_contract():
    with pytest.raises(ValidationError, match=r"hours_min \(40\.0\) is more than hours_max \(36\.0\)"):
        Vacancy(id="v-1", occupation="o", hours_min=40, hours_max=36)
    with pytest.raises(ValidationError, match=r"contract\n  Input should be 'vast', 'tijdelijk'"):
        Vacancy(id="v-1", occupation="o", contract="freelance")
    with pytest.raises(ValidationError, match=r"positions\n  Input should be greater than or equal to 1"):
        Vacancy(id="v-1", occupation="o", positions=0)


def test_requirement_importance_and_level():
    with pytest.raises(ValidationError, match=r"importance\n  Input should be 'essential', 'important' or 'somewhat'"):
        Requirement(skill=SKILL, importance="vital")
    with pytest.raises(ValidationError, match=r"level\n  Input should be greater than or equal to 1"):
        Requirement(skill=SKILL, level=0)
    assert {IMPORTANCE_NAMES[c] for c in IMPORTANCE_CODES.values()} == set(IMPORTANCE_CODES)
    assert IMPORTANCE_CODES["essential"] > IMPORTANCE_CODES["important"] > IMPORTANCE_CODES["somewhat"]


def test_training_module_without_skills():
    with pytest.raises(ValidationError, match=r"skills\n  Tuple should have at least 1 item after validation, not 0"):
        TrainingModule(**{**MODULE, "skills": []})
    with pytest.raises(ValidationError, match=r"skills\n  Field required"):
        TrainingModule(**{k: v for k, v in MODULE.items() if k != "skills"})


def test_training_module_fields():
    m = TrainingModule(**MODULE)
    assert (m.starts_per_year, m.regions, m.language_level) == (1, (), None)
    for change, pattern in [
        ({"type": "webinar"}, r"type\n  Input should be 'praktijkverklaring', 'mbo-certificaat'"),
        ({"nlqf": 9}, r"nlqf\n  Input should be less than or equal to 8"),
        ({"hours": 0}, r"hours\n  Input should be greater than 0"),
        ({"cost_eur": -1}, r"cost_eur\n  Input should be greater than or equal to 0"),
        ({"delivery": ["avond"]}, r"delivery\.0\n  Input should be 'day', 'evening'"),
        ({"starts_per_year": 53}, r"starts_per_year\n  Input should be less than or equal to 52"),
        ({"language_level": "B3"}, r"language_level\n  Input should be 'A1', 'A2'"),
        ({"skills": [{"skill": SKILL, "level": 6}]}, r"skills\.0\.level\n  Input should be less than or equal to 5"),
        ({"title": " "}, r"title\n  String should have at least 1 character"),
    ]:
        with pytest.raises(ValidationError, match=pattern):
            TrainingModule(**{**MODULE, **change})


def test_concept_without_labels():
    with pytest.raises(ValidationError, match="a concept needs a Dutch or an English preferred label"):
        Concept(id="c")
    with pytest.raises(ValidationError, match="a concept needs a Dutch or an English preferred label"):
        Concept(id="c", pref_label_nl="  ", alt_labels_nl=("Verzorgen",))
    assert Concept(id="c", pref_label_en="Caring").kind == "capability"
    with pytest.raises(ValidationError, match=r"kind\n  Input should be 'capability', 'knowledge' or 'group'"):
        Concept(id="c", pref_label_nl="Verzorgen", kind="task")


def test_occupation_isco_is_a_code():
    assert Occupation(id="o", pref_label_nl="Zorghulp", isco="5329").isco == "5329"
    with pytest.raises(ValidationError, match=r"isco\n  String should match pattern"):
        Occupation(id="o", pref_label_nl="Zorghulp", isco="53290")


def test_paths_need_steps_numbered_from_1():
    step = PathStep(step=1, to_occupation="o")
    assert (step.from_occupation, step.modules, step.months) == (None, (), None)
    with pytest.raises(ValidationError, match=r"steps\n  Tuple should have at least 1 item"):
        DevelopmentPath(id="p", sector="zorg-welzijn", kind="up", name="Doorgroei", steps=[])
    with pytest.raises(ValidationError, match=r"kind\n  Input should be 'into', 'up' or 'across'"):
        DevelopmentPath(id="p", sector="zorg-welzijn", kind="down", name="Terug", steps=[step])
    with pytest.raises(ValidationError, match=r"step\n  Input should be greater than or equal to 1"):
        PathStep(step=0, to_occupation="o")


def test_region_and_geo_point():
    r = Region(id="rijnmond", name="Rijnmond", location={"lat": 51.92, "lon": 4.48})
    assert r.location == GeoPoint(lat=51.92, lon=4.48)
    with pytest.raises(ValidationError, match=r"location\.lat\n  Input should be less than or equal to 90"):
        Region(id="x", name="X", location={"lat": 91, "lon": 4})
    with pytest.raises(ValidationError, match=r"name\n  String should have at least 1 character"):
        Region(id="x", name="", location={"lat": 52, "lon": 4})


def test_sector_crucial_flag():
    assert Sector(id="zorg-welzijn", label_nl="Zorg en welzijn", crucial="1").crucial is True
    with pytest.raises(ValidationError, match=r"crucial\n  Input should be a valid boolean"):
        Sector(id="zorg-welzijn", label_nl="Zorg en welzijn", crucial="misschien")


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_is_json(name):
    schema = SCHEMAS[name].model_json_schema()
    assert "properties" in schema and "id" in schema["properties"]
    json.dumps(schema)
