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

    # draw per-record choices as arrays up front: a generator call per field per record is slow
    occ_v = rng.choice(occupations, size=n_vacancies, p=demand)
    own_profile = rng.random(n_vacancies) < 0.3  # the employer's own profile: the occupation's, adapted
    hours_min_v = rng.choice([16, 20, 24, 28, 32, 36], size=n_vacancies).astype(float)
    hours_extra_v = rng.choice([0, 4, 8, 12], size=n_vacancies)
    contracts = rng.choice(["vast", "tijdelijk", "tijdelijk", "uitzend", "leerwerk"], size=n_vacancies)
    positions = rng.choice([1, 1, 1, 2, 3], size=n_vacancies)
    offer_draws = rng.random((n_vacancies, 4)) < np.array([0.08, 0.06, 0.04, 0.10])
    offer_names = ("banenafspraak", "aanpassingen", "jobcoach", "taalondersteuning")
    vacancies = []
    for v in range(n_vacancies):
        o = int(occ_v[v])
        sector = tx.occupation_sector[o] or None
        kinds = _EMPLOYER_KINDS.get(sector or "", ("Bedrijf", "Organisatie"))
        requirements: tuple[Requirement, ...] = ()
        if own_profile[v]:
            lo, hi = req.indptr[o], req.indptr[o + 1]
            drop = rng.random(hi - lo) < 0.4
            shift = rng.choice([-1, 0, 0, 1], size=hi - lo)
            requirements = tuple(
                Requirement(skill=tx.concepts.ids[j], importance=_IMPORTANCE[int(imp)],
                            level=int(min(5, max(1, level + dj))))
                for j, imp, level, dj, gone in zip(req.indices[lo:hi], req.data[lo:hi], lvl.data[lo:hi], shift, drop)
                if not (imp == 1 and gone))
        vacancies.append(Vacancy(
            id=f"V{v + 1:05d}", title=tx.occupation_label(o), occupation=tx.occupations.ids[o],
            requirements=requirements, employer=f"{kinds[v % len(kinds)]} {region.split('-')[0].title()} {v % 97 + 1}",
            region=region, location=_jitter(rng, home, 20.0), hours_min=hours_min_v[v],
            hours_max=min(40.0, hours_min_v[v] + hours_extra_v[v]), contract=str(contracts[v]), sector=sector,
            positions=int(positions[v]), offers=tuple(n for n, on in zip(offer_names, offer_draws[v]) if on)))

    occ_p = rng.choice(occupations, size=n_jobseekers, p=supply)
    keep_share = rng.uniform(0.5, 0.95, size=n_jobseekers)
    hours_max_p = rng.choice([16, 24, 32, 36, 40], size=n_jobseekers).astype(float)
    hours_min_p = rng.choice([0, 8, 16, 24], size=n_jobseekers).astype(float)
    travel = rng.choice([10, 15, 25, 40], size=n_jobseekers).astype(float)
    need_draws = rng.random((n_jobseekers, 2)) < np.array([0.05, 0.03])
    tag_names = ("jongere", "50-plus", "anderstalig", "herintreder")
    tag_draws = rng.random((n_jobseekers, 4)) < np.array([0.15, 0.2, 0.12, 0.08])
    evidence = ("experience", "experience", "diploma", "self-reported")
    jobseekers = []
    for p in range(n_jobseekers):
        o = int(occ_p[p])
        lo, hi = req.indptr[o], req.indptr[o + 1]
        keep = rng.random(hi - lo) < keep_share[p]
        noise = rng.normal(0, 0.9, size=hi - lo)
        claims = [SkillClaim(skill=tx.concepts.ids[j], proficiency=int(min(5, max(1, round(level + e)))),
                             evidence=evidence[(p + int(j)) % len(evidence)])
                  for j, level, e, kept in zip(req.indices[lo:hi], lvl.data[lo:hi], noise, keep) if kept]
        held = {c.skill for c in claims}
        extra_levels = rng.integers(2, 5, size=3)
        for j, level in zip(rng.choice(general, size=min(3, len(general)), replace=False), extra_levels):
            if tx.concepts.ids[j] not in held:
                claims.append(SkillClaim(skill=tx.concepts.ids[j], proficiency=int(level), evidence="self-reported"))
        jobseekers.append(Jobseeker(
            id=f"J{p + 1:05d}", skills=tuple(claims), occupation=tx.occupations.ids[o], region=region,
            location=_jitter(rng, home, 15.0), hours_min=min(hours_max_p[p], hours_min_p[p]),
            hours_max=hours_max_p[p], max_travel_km=travel[p],
            support_needs=tuple(n for n, on in zip(("banenafspraak", "aanpassingen"), need_draws[p]) if on),
            tags=tuple(t for t, on in zip(tag_names, tag_draws[p]) if on)))
    return jobseekers, vacancies
