"""Input records: the domain model as pydantic v2 models.

These are the records that people and programs hand to skillmatch — one jobseeker, one
vacancy, one training module — and the records the taxonomy is made of. They validate
one record at a time; the vectorising stage (:mod:`skillmatch.vectorize`) turns lists of
them into arrays once, and nothing downstream reads them again.

Levels use one 1–5 scale everywhere (see ``taxonomy/README.md``): 1 basis,
2 gevorderd beginner, 3 bekwaam (default), 4 zeer bekwaam, 5 expert.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator


def _not_a_bool(value: object) -> object:
    """``True`` is not the level 1 nor one position, as pydantic's lax mode would take it."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got True or False")
    return value


# Numbers that refuse booleans (NaN and infinity are refused by every record's config). Each
# is a top-level Annotated, so a field's annotation stays plain float or int for those who read it.
Int = Annotated[int, BeforeValidator(_not_a_bool)]
Float = Annotated[float, BeforeValidator(_not_a_bool)]
OptionalInt = Annotated[int | None, BeforeValidator(_not_a_bool)]
OptionalFloat = Annotated[float | None, BeforeValidator(_not_a_bool)]
Level = Annotated[int, Field(ge=1, le=5, description="1 basis … 5 expert; 3 = bekwaam"), BeforeValidator(_not_a_bool)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

#: CompetentNL's three importance levels (essentieel, belangrijk, enigszins relevant).
Importance = Literal["essential", "important", "somewhat"]
IMPORTANCE_CODES: dict[str, int] = {"somewhat": 1, "important": 2, "essential": 3}
IMPORTANCE_NAMES: dict[int, str] = {v: k for k, v in IMPORTANCE_CODES.items()}

Evidence = Literal["diploma", "praktijkverklaring", "experience", "self-reported"]
ModuleType = Literal["praktijkverklaring", "mbo-certificaat", "keuzedeel", "diploma", "course"]
Delivery = Literal["day", "evening", "weekend", "online", "part-time", "work-based"]
PathKind = Literal["into", "up", "across"]
ConceptKind = Literal["capability", "knowledge", "group"]

#: Dutch language level on the CEFR scale (ERK), lowest first; ``CEFR_CODES`` numbers them 1..6
#: (the planning stage uses 0 for "no level needed").
LanguageLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
CEFR_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2")
CEFR_CODES: dict[str, int] = {name: code for code, name in enumerate(CEFR_LEVELS, 1)}

#: What an employer can offer and what a person may need (bit positions in the kernel).
#: banenafspraak: a job counted under the Banenafspraak (Wet banenafspraak);
#: beschut-werk: sheltered work; aanpassingen: workplace adaptations;
#: jobcoach: a job coach at the workplace; taalondersteuning: Dutch language support.
SUPPORT_KINDS: tuple[str, ...] = (
    "banenafspraak",
    "beschut-werk",
    "aanpassingen",
    "jobcoach",
    "taalondersteuning",
)
Support = Literal["banenafspraak", "beschut-werk", "aanpassingen", "jobcoach", "taalondersteuning"]


class _Record(BaseModel):
    # numbers are finite: NaN or infinity is no level, distance or budget
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


class GeoPoint(_Record):
    """A WGS84 point in degrees."""

    lat: Float = Field(ge=-90, le=90)
    lon: Float = Field(ge=-180, le=180)


# --- taxonomy records -------------------------------------------------------------------


class Concept(_Record):
    """A capability (vaardigheid), knowledge area (kennisgebied) or a grouping of them."""

    id: NonEmpty
    kind: ConceptKind = "capability"
    pref_label_nl: str = ""
    pref_label_en: str = ""
    alt_labels_nl: tuple[str, ...] = ()
    alt_labels_en: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    level: OptionalInt = Field(default=None, ge=0, le=9, description="depth in the hierarchy")
    riasec: str | None = None
    isced_f: str | None = None
    origin: str = ""
    definition: str = ""

    @model_validator(mode="after")
    def _has_a_label(self) -> Concept:
        if not (self.pref_label_nl or self.pref_label_en):
            raise ValueError("a concept needs a Dutch or an English preferred label")
        return self


class Capability(Concept):
    """A vaardigheid (CompetentNL human capability, ESCO skill/competence) or a group of them."""

    kind: Literal["capability", "group"] = "capability"


class KnowledgeArea(Concept):
    """A kennisgebied (CompetentNL knowledge area, ESCO knowledge)."""

    kind: Literal["knowledge"] = "knowledge"


class Requirement(_Record):
    """One skill a vacancy or occupation asks for."""

    skill: NonEmpty = Field(description="concept id (URI) in the taxonomy")
    importance: Importance = "important"
    level: Level = 3


class Occupation(_Record):
    """A beroep with its requirement profile."""

    id: NonEmpty
    pref_label_nl: str = ""
    pref_label_en: str = ""
    alt_labels_nl: tuple[str, ...] = ()
    alt_labels_en: tuple[str, ...] = ()
    isco: str | None = Field(default=None, pattern=r"^\d{1,4}$")
    sector: str | None = None
    broader: tuple[str, ...] = ()
    description: str = ""
    requirements: tuple[Requirement, ...] = ()


class Sector(_Record):
    id: NonEmpty
    label_nl: NonEmpty
    label_en: str = ""
    crucial: bool = False


class Region(_Record):
    """An arbeidsmarktregio with a representative point."""

    id: NonEmpty
    name: NonEmpty
    central_municipality: str = ""
    location: GeoPoint


class ModuleSkill(_Record):
    skill: NonEmpty
    level: Level


class TrainingModule(_Record):
    """A scholingstegel: a unit of training that teaches skills to a level."""

    id: NonEmpty
    title: NonEmpty
    type: ModuleType
    nlqf: Int = Field(ge=0, le=8, description="NLQF level, 0 = entry level")
    hours: Float = Field(gt=0, description="total study load in hours")
    cost_eur: Float = Field(ge=0)
    provider: str = ""
    delivery: tuple[Delivery, ...] = ()
    starts_per_year: Int = Field(default=1, ge=1, le=52)
    regions: tuple[str, ...] = Field(default=(), description="region ids; empty = all regions")
    language_level: LanguageLevel | None = Field(
        default=None, description="Dutch CEFR level a participant needs to follow the module; None = no requirement")
    language_reached: LanguageLevel | None = Field(
        default=None, description="for a Dutch language-support module (NT2): the CEFR level a participant reaches; "
                                  "None for every other module")
    skills: tuple[ModuleSkill, ...] = Field(min_length=1)
    prerequisites: tuple[str, ...] = ()
    funding: tuple[str, ...] = ()
    sector: str | None = None

    @model_validator(mode="after")
    def _language_step_goes_up(self) -> TrainingModule:
        if self.language_reached and self.language_level and (
                CEFR_CODES[self.language_reached] <= CEFR_CODES[self.language_level]):
            raise ValueError(f"language_reached ({self.language_reached}) must be above language_level "
                             f"({self.language_level}): a language module raises the level it starts from")
        return self


class PathStep(_Record):
    step: Int = Field(ge=1)
    from_occupation: str | None = None
    to_occupation: NonEmpty
    modules: tuple[str, ...] = ()
    months: OptionalFloat = Field(default=None, ge=0)


class DevelopmentPath(_Record):
    """An ontwikkelpad: functions of a sector and the training steps between them."""

    id: NonEmpty
    sector: NonEmpty
    kind: PathKind
    name: NonEmpty
    description: str = ""
    steps: tuple[PathStep, ...] = Field(min_length=1)


# --- people and work ---------------------------------------------------------------------


class SkillClaim(_Record):
    """A skill a person has, how well, and how we know."""

    skill: NonEmpty = Field(description="concept id (URI) in the taxonomy")
    proficiency: Level = 3
    evidence: Evidence = "self-reported"


class Vacancy(_Record):
    """An open position. Its requirements are its own, or else its occupation's."""

    id: NonEmpty
    title: str = ""
    occupation: str | None = Field(default=None, description="occupation id; supplies requirements when none are given")
    requirements: tuple[Requirement, ...] = ()
    employer: str = ""
    region: str | None = Field(default=None, description="arbeidsmarktregio id")
    location: GeoPoint | None = None
    hours_min: Float = Field(default=0, ge=0, le=80, description="hours per week")
    hours_max: Float = Field(default=40, ge=0, le=80)
    contract: Literal["vast", "tijdelijk", "uitzend", "oproep", "leerwerk", "zzp"] | None = None
    sector: str | None = None
    positions: Int = Field(default=1, ge=1)
    offers: tuple[Support, ...] = Field(default=(), description="support the employer offers")

    @model_validator(mode="after")
    def _check(self) -> Vacancy:
        if not self.requirements and not self.occupation:
            raise ValueError("a vacancy needs requirements or an occupation to take them from")
        if self.hours_min > self.hours_max:
            raise ValueError(f"hours_min ({self.hours_min}) is more than hours_max ({self.hours_max})")
        return self


class Jobseeker(_Record):
    """A jobseeker or worker, pseudonymous.

    ``attributes`` carries anything else an input holds (including protected attributes
    such as age or gender when a caller passes them along): it is kept with the record and
    never read by scoring or filtering.

    The planning fields (``language_level``, ``study_hours_per_week``, ``budget_eur``,
    ``funding``, ``delivery``, ``available_from``) are read only by training plans
    (:mod:`skillmatch.recommend.plans`); each is optional and its default means "no limit"
    (or, for study hours, 8 hours a week).
    """

    id: NonEmpty = Field(description="pseudonymous id")
    skills: tuple[SkillClaim, ...] = ()
    occupation: str | None = Field(default=None, description="current or last occupation id")
    region: str | None = None
    location: GeoPoint | None = None
    hours_min: Float = Field(default=0, ge=0, le=80, description="hours per week wanted, at least")
    hours_max: Float = Field(default=40, ge=0, le=80)
    max_travel_km: OptionalFloat = Field(default=None, gt=0)
    support_needs: tuple[Support, ...] = ()
    tags: tuple[str, ...] = Field(default=(), description="target-group tags: jongere, anderstalig, ...")
    attributes: dict[str, str] = Field(default_factory=dict, description="never read by scoring")
    # --- what training plans need (skillmatch.recommend); every field is optional
    language_level: LanguageLevel | None = Field(
        default=None, description="Dutch language level (CEFR); None = not known, and then the language level "
                                  "of modules is not checked")
    study_hours_per_week: Float = Field(
        default=8, gt=0, le=60, description="hours a week available for study; default 8 (one evening and a "
                                            "half-day of practice)")
    budget_eur: OptionalFloat = Field(default=None, ge=0, description="most a training plan may cost in euros "
                                                                     "(whoever pays); None = no limit")
    funding: tuple[str, ...] = Field(
        default=(), description="funding scheme ids the person can use (uwv-scholing, gemeente, sectorfonds, "
                                "llo-krediet, slim, werkgever, regionaal-mobiliteitsteam); a module qualifies "
                                "when it lists one of them; empty = not restricted")
    delivery: tuple[Delivery, ...] = Field(
        default=(), description="delivery forms the person can follow; a module qualifies when it offers one "
                                "of them; empty = any")
    available_from: date | None = Field(
        default=None, description="date from which the person can start training; None = the planning date")

    @model_validator(mode="after")
    def _check(self) -> Jobseeker:
        if self.hours_min > self.hours_max:
            raise ValueError(f"hours_min ({self.hours_min}) is more than hours_max ({self.hours_max})")
        return self


#: Record types whose JSON Schema ``skillmatch schema NAME`` prints.
SCHEMAS: dict[str, type[BaseModel]] = {
    "jobseeker": Jobseeker,
    "vacancy": Vacancy,
    "occupation": Occupation,
    "concept": Concept,
    "capability": Capability,
    "knowledge-area": KnowledgeArea,
    "training-module": TrainingModule,
    "development-path": DevelopmentPath,
    "region": Region,
    "sector": Sector,
}
