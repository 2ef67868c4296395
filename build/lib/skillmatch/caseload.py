"""A seeded synthetic regional caseload: jobseekers and vacancies drawn from a taxonomy.

For demos, tests and examples where no real (personal) data may be used. Vacancies follow
the region's demand: occupations in the maatschappelijk cruciale sectoren are drawn more
often, as they make up most of the open positions. Jobseekers come from a background
occupation (current or last work), with a share of that occupation's skills at levels
around what it asks, plus a few general skills; some come from sectors under pressure and
are looking elsewhere. Locations scatter around the region's representative point; hours,
travel distance, support needs and target-group tags vary as in a Werkcentrum caseload.
"""

from __future__ import annotations

import math

import numpy as np

from .models import GeoPoint, Jobseeker, Requirement, SkillClaim, Vacancy
from .problems import InputError
from .taxonomy import Taxonomy

_IMPORTANCE = {3: "essential", 2: "important", 1: "somewhat"}
_EMPLOYER_KINDS = {
    "zorg-welzijn": ("Zorggroep", "Thuiszorg", "Woonzorgcentrum"),
    "kinderopvang": ("Kinderopvang", "Kindcentrum"),
    "onderwijs": ("Basisschool", "Scholengroep", "ROC"),
    "veiligheid": ("Beveiligingsbedrijf", "Gemeente", "Veiligheidsregio"),
    "groen": ("Hoveniersbedrijf", "Groenbeheer"),
    "techniek": ("Installatiebedrijf", "Technische Dienst", "Machinebouw"),
    "bouw-energie": ("Bouwbedrijf", "Netbeheerder", "Energiebedrijf"),
    "ict": ("IT-bedrijf", "Softwarehuis", "Gemeente"),
}


def _jitter(rng: np.random.Generator, point: GeoPoint, km: float) -> GeoPoint:
    """A point within about ``km`` of ``point``."""
    dist = km * math.sqrt(rng.random())
    angle = rng.random() * 2 * math.pi
    lat = point.lat + dist * math.cos(angle) / 111.0
    lon = point.lon + dist * math.sin(angle) / (111.0 * math.cos(math.radians(point.lat)))
    return GeoPoint(lat=round(lat, 5), lon=round(lon, 5))


def generate_caseload(taxonomy: Taxonomy, region: str, *, n_jobseekers: int = 3000, n_vacancies: int = 1500,
                      seed: int = 0) -> tuple[list[Jobseeker], list[Vacancy]]:
    """Jobseekers and vacancies for one arbeidsmarktregio, reproducible from ``seed``.

    Raises :class:`InputError` when the region is unknown or the taxonomy has no
    occupations with requirements.
    """
    tx = taxonomy
    if region not in tx.region_index:
        known = ", ".join(sorted(tx.region_index)[:8])
        raise InputError(f"region {region!r} is not in the taxonomy (known: {known}, ...)")
    if n_jobseekers < 1 or n_vacancies < 1:
        raise InputError("n_jobseekers and n_vacancies: expected positive numbers")
    sizes = np.diff(tx.requirements.indptr)
    occupations = np.flatnonzero(sizes > 0)
    if len(occupations) == 0:
        raise InputError("the taxonomy has no occupations with requirements to draw a caseload from")
    rng = np.random.default_rng(seed)
    home = tx.regions[tx.region_index[region]].location
    crucial = np.array([tx.sectors.get(tx.occupation_sector[o]) is not None
                        and tx.sectors[tx.occupation_sector[o]].crucial for o in occupations])
    demand = np.where(crucial, 3.0, 1.0)
    demand /= demand.sum()
    supply = np.where(crucial, 1.0, 1.6)  # more jobseekers come from sectors under pressure
    supply /= supply.sum()
    general = [j for j in range(tx.n_concepts) if tx.concept_kind[j] == 0]
    req, lvl = tx.requirements, tx.requirement_levels

    vacancies = []
    for v in range(n_vacancies):
        o = int(rng.choice(occupations, p=demand))
        sector = tx.occupation_sector[o] or None
        kinds = _EMPLOYER_KINDS.get(sector or "", ("Bedrijf", "Organisatie"))
        requirements: tuple[Requirement, ...] = ()
        if rng.random() < 0.3:  # the employer's own profile: the occupation's, slightly adapted
            lo, hi = req.indptr[o], req.indptr[o + 1]
            own = []
            for j, imp, level in zip(req.indices[lo:hi], req.data[lo:hi], lvl.data[lo:hi]):
                if imp == 1 and rng.random() < 0.4:
                    continue
                level = int(min(5, max(1, level + rng.choice([-1, 0, 0, 1]))))
                own.append(Requirement(skill=tx.concepts.ids[j], importance=_IMPORTANCE[int(imp)], level=level))
            requirements = tuple(own)
        hours_min = float(rng.choice([16, 20, 24, 28, 32, 36]))
        offers = []
        if rng.random() < 0.08:
            offers.append("banenafspraak")
        if rng.random() < 0.06:
            offers.append("aanpassingen")
        if rng.random() < 0.04:
            offers.append("jobcoach")
        if rng.random() < 0.10:
            offers.append("taalondersteuning")
        vacancies.append(Vacancy(
            id=f"V{v + 1:05d}", title=tx.occupation_label(o), occupation=tx.occupations.ids[o],
            requirements=requirements, employer=f"{rng.choice(kinds)} {region.split('-')[0].title()} {v % 97 + 1}",
            region=region, location=_jitter(rng, home, 20.0), hours_min=hours_min,
            hours_max=min(40.0, hours_min + float(rng.choice([0, 4, 8, 12]))),
            contract=str(rng.choice(["vast", "tijdelijk", "tijdelijk", "uitzend", "leerwerk"])), sector=sector,
            positions=int(rng.choice([1, 1, 1, 2, 3])), offers=tuple(offers)))

    jobseekers = []
    for p in range(n_jobseekers):
        o = int(rng.choice(occupations, p=supply))
        lo, hi = req.indptr[o], req.indptr[o + 1]
        keep = rng.random(hi - lo) < rng.uniform(0.5, 0.95)
        claims = []
        for j, level, kept in zip(req.indices[lo:hi], lvl.data[lo:hi], keep):
            if kept:
                prof = int(min(5, max(1, round(level + rng.normal(0, 0.9)))))
                claims.append(SkillClaim(skill=tx.concepts.ids[j], proficiency=prof,
                                         evidence=str(rng.choice(["experience", "experience", "diploma", "self-reported"]))))
        held = {c.skill for c in claims}
        for j in rng.choice(general, size=min(3, len(general)), replace=False):
            if tx.concepts.ids[j] not in held:
                claims.append(SkillClaim(skill=tx.concepts.ids[j], proficiency=int(rng.integers(2, 5)),
                                         evidence="self-reported"))
        hours_max = float(rng.choice([16, 24, 32, 36, 40]))
        needs = []
        if rng.random() < 0.05:
            needs.append("banenafspraak")
        if rng.random() < 0.03:
            needs.append("aanpassingen")
        tags = [t for t, share in (("jongere", 0.15), ("50-plus", 0.2), ("anderstalig", 0.12), ("herintreder", 0.08))
                if rng.random() < share]
        jobseekers.append(Jobseeker(
            id=f"J{p + 1:05d}", skills=tuple(claims), occupation=tx.occupations.ids[o], region=region,
            location=_jitter(rng, home, 15.0), hours_min=min(hours_max, float(rng.choice([0, 8, 16, 24]))),
            hours_max=hours_max, max_travel_km=float(rng.choice([10, 15, 25, 40])), support_needs=tuple(needs),
            tags=tuple(tags)))
    return jobseekers, vacancies
