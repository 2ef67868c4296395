"""The shipped training catalogue against the crucial-sector occupations it is meant to serve.

For every occupation of the eight crucial sectors (``sectors.csv``, ``crucial = 1``) and every
one of the 35 arbeidsmarktregio's, a jobseeker with an empty or a small profile who lives in
that region gets from :func:`skillmatch.recommend.plan_for` (plans restricted to modules given
in the region or everywhere) a **full** plan — ``result.full``, no requirement left untaught,
the best plan complete — both minimising hours and minimising euros, and that plan is made
of the occupation's own sector.

The sector rule, measured on the best plan's hours after exemptions: **at least 70 % of the
hours come from in-sector modules**. A module is in-sector for an occupation when

- its ``sector`` is the occupation's sector, or an adjacent one: ``techniek`` and
  ``bouw-energie`` (installatie- and energietechniek share certificates: F-gassen, NEN 3140,
  warmtepompen), ``kinderopvang`` and ``onderwijs`` (the pedagogical keuzedelen and
  VVE-certificates serve both the pedagogisch medewerker and the onderwijsassistent); or
- it serves every sector by nature: a Dutch language-support module (``language_reached``
  set), a module without a sector, or one of the generic workplace courses in ``GENERIC``
  (VCA, BHV, EHBO, werken op hoogte, Office, AVG, klantcontact, de-escalatie, the meldcode
  that the law asks of zorg, kinderopvang and onderwijs alike, leidinggeven, onderhandelen,
  PRINCE2, Lean).

The 70 % leaves room for a short generic or neighbouring course next to the sector's own
modules, and none for what the catalogue used to give: a Helpende zorg en welzijn trained by
a PIW basisopleiding, a barista course and a verkeersregelaar course. On the shipped data
every plan checked here scores at least 76 %, and over 99 % of all plan hours are in-sector.

Regions. A plan depends on the region only through the set of modules offered there, so
the 35 regions fall into classes with the same offer (ten on the shipped catalogue, one per
ROC area). One region per class is planned and the result holds for every region of the
class; ``test_region_classes_cover_the_35_regions`` checks the partition. Every crucial
occupation × every region class × both objectives × three profiles is about 6,700 plans,
some 30 seconds on one core.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np
import pytest

from skillmatch.models import Jobseeker, SkillClaim
from skillmatch.recommend import Catalogue, plan_for

MIN_SHARE = 0.70
ADJACENT = {"techniek": {"bouw-energie"}, "bouw-energie": {"techniek"},
            "kinderopvang": {"onderwijs"}, "onderwijs": {"kinderopvang"}}
GENERIC = {f"urn:skillmatch:module:{m}" for m in (
    "course-vca-basis", "course-vca-vol", "course-bhv-basis", "course-ehbo", "course-werken-op-hoogte",
    "course-excel-office", "course-avg", "keuzedeel-digitale-vaardigheden", "course-werkfit", "course-klantcontact",
    "course-agressie-deescalatie", "course-meldcode", "course-leidinggeven", "course-onderhandelen", "course-prince2",
    "course-lean-yellow-belt")}
#: Small profiles, by preferred label: someone from the service trades, and someone from practical work.
PROFILES = {
    "empty": {},
    "dienstverlening": {"Samenwerken": 3, "Mondeling uitdrukken": 3, "Dienstbaarheid tonen": 3, "Computergebruik": 2},
    "praktisch": {"Procedures volgen": 3, "Zorgvuldig werken": 3, "Handvaardigheid": 2, "VCA veiligheid": 2,
                  "Samenwerken": 2},
}
DAY0 = date(2025, 1, 13)


@pytest.fixture(scope="module")
def catalogue(shipped):
    return Catalogue.from_taxonomy(shipped)


@pytest.fixture(scope="module")
def region_classes(catalogue):
    """Regions with the same modules on offer, as lists of region ids (first one plans for the class)."""
    offered = catalogue.everywhere[:, None] | catalogue.regions
    classes: dict[bytes, list[str]] = defaultdict(list)
    for k, region in enumerate(catalogue.region_ids):
        classes[offered[:, k].tobytes()].append(region)
    return list(classes.values())


@pytest.fixture(scope="module")
def crucial_occupations(shipped):
    crucial = {s for s, rec in shipped.sectors.items() if rec.crucial}
    found = [(oid, shipped.occupations.pref_nl[i], shipped.occupation_sector[i])
             for i, oid in enumerate(shipped.occupations.ids) if shipped.occupation_sector[i] in crucial]
    assert len(crucial) == 8 and len(found) >= 100
    return found


def in_sector(module, sector: str) -> bool:
    return (module.sector in ({sector} | ADJACENT.get(sector, set())) or not module.sector
            or bool(module.language_reached) or module.id in GENERIC)


def person(shipped, profile: str, region: str) -> Jobseeker:
    by_label = {shipped.concept_label(j): shipped.concepts.ids[j] for j in range(shipped.n_concepts)}
    skills = [SkillClaim(skill=by_label[label], proficiency=level) for label, level in PROFILES[profile].items()]
    return Jobseeker(id=f"{profile}-{region}", region=region, skills=skills, available_from=DAY0)


def test_region_classes_cover_the_35_regions(shipped, catalogue, region_classes):
    regions = [r for cls in region_classes for r in cls]
    assert sorted(regions) == sorted(r.id for r in shipped.regions) and len(regions) == 35
    offered = catalogue.everywhere[:, None] | catalogue.regions
    for cls in region_classes:  # the same offer, so the same plans, in every region of a class
        columns = [catalogue.region_ids.index(r) for r in cls]
        assert all(np.array_equal(offered[:, columns[0]], offered[:, c]) for c in columns), cls


@pytest.mark.parametrize("minimise", ["hours", "eur"])
@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_crucial_occupation_gets_a_full_in_sector_plan_in_every_region(
        shipped, catalogue, region_classes, crucial_occupations, profile, minimise):
    modules = {m.id: m for m in shipped.modules}
    problems, shares = [], []
    for cls in region_classes:
        region = cls[0]
        seeker = person(shipped, profile, region)
        for oid, label, sector in crucial_occupations:
            result = plan_for(shipped, seeker, oid, catalogue=catalogue, minimise=minimise, k=1, score_after=None)
            where = f"{label} ({sector}) in {region} (+{len(cls) - 1} regions with the same offer), {minimise}"
            best = result.best
            if not (result.full and len(result.untaught) == 0 and best.complete):
                untaught = [shipped.concept_label(int(j)) for j in result.untaught]
                problems.append(f"{where}: no full plan; untaught {untaught}, binding {result.binding}, "
                                f"best covers {best.gap_covered:.0%} with {list(best.modules)}")
                continue
            hours = np.asarray(best.module_hours, dtype=float)
            own = sum(h for m, h in zip(best.modules, hours) if in_sector(modules[m], sector))
            share = own / hours.sum() if hours.sum() > 0 else 1.0
            shares.append(share)
            if share < MIN_SHARE:
                others = [f"{m.split(':')[-1]} ({modules[m].sector or '-'}, {h:.0f} h)"
                          for m, h in zip(best.modules, hours) if not in_sector(modules[m], sector)]
                problems.append(f"{where}: only {share:.0%} of {hours.sum():.0f} h in-sector; other sectors: "
                                f"{', '.join(others)}")
    assert not problems, f"{len(problems)} plan(s) fail:\n" + "\n".join(problems[:40])
    assert len(shares) == len(region_classes) * len(crucial_occupations)


def test_variants_of_a_qualification_teach_the_same(shipped):
    """Modules with the same title are one qualification given by different providers or in
    different regions: the same type, NLQF level, study load and taught skills everywhere."""
    by_title = defaultdict(list)
    for m in shipped.modules:
        by_title[m.title].append(m)
    differ = []
    for title, same in by_title.items():
        first = same[0]
        for m in same[1:]:
            if ((m.type, m.nlqf, m.hours, sorted((s.skill, s.level) for s in m.skills))
                    != (first.type, first.nlqf, first.hours, sorted((s.skill, s.level) for s in first.skills))):
                differ.append(f"{m.id} differs from {first.id} ({title})")
    assert sum(len(v) > 1 for v in by_title.values()) >= 30  # regional variants are how the offer is spread
    assert not differ, "\n".join(differ)


def test_employer_paid_training_has_its_price(shipped):
    """Training paid by the employer carries what the employer pays. At €0 a least-euros plan
    takes such a module for any generic skill it also teaches, whatever the person's sector."""
    free = [m.id for m in shipped.modules if m.cost_eur <= 0]
    assert not free, free
