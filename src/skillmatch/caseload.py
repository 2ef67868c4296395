"""Seeded synthetic caseloads: jobseekers and vacancies drawn from a taxonomy.

For demos, tests, benchmarks and examples where no real (personal) data may be used. One
generator serves them all: :func:`generate_caseload` returns records (the demo, tests),
:func:`write_caseload` streams files (``skillmatch generate``, the benchmarks).

What is drawn
-------------
- **Vacancies** follow the region's demand: occupations in the maatschappelijk cruciale
  sectoren are drawn three times as often, as they make up most open positions, and each
  region has its own sector mix (a fixed multiplier per sector and region, derived from
  the region's id, so Twente and Groot Amsterdam differ while the seed still decides the
  caseload). Three in ten employers write their own profile: the occupation's
  requirements with some ``somewhat`` ones dropped and levels shifted by one.
- **Jobseekers** come from a background occupation (current or last work): a share
  (50–95 %) of its skills at levels around what it asks (normal noise, sd 0.9), plus up
  to three general skills; more come from sectors outside the crucial ones, looking for
  other work.
- **Place and conditions**: locations scatter around the region's representative point
  (people within 15 km, work within 20 km); hours, travel distance, support needs,
  target-group tags and what employers offer vary as in a Werkcentrum caseload.

``region="all"`` spreads the records evenly over every arbeidsmarktregio of the taxonomy
(a national caseload).

Determinism
-----------
Records are drawn in blocks of :data:`BLOCK` records, each from its own random stream
derived from ``(seed, kind, block number)``. The caseload therefore depends only on the
taxonomy, the region and the seed: not on how it is written or in what chunks, and the
first 1,000 of 50,000 jobseekers are the 1,000 jobseekers of a smaller caseload with
the same seed. Vacancies do not change with the number of jobseekers, nor the other way
round.
"""

from __future__ import annotations

import json
import math
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .problems import InputError, Problem

if TYPE_CHECKING:  # pragma: no cover
    from .models import Jobseeker, Vacancy
    from .taxonomy import Taxonomy

#: Records per random block (see the module docstring).
BLOCK = 4096
ALL_REGIONS = "all"
#: The region of the demo and of ``skillmatch generate`` when none is given.
DEFAULT_REGION = "groot-amsterdam"

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
_OTHER_EMPLOYERS = ("Bedrijf", "Organisatie")
_OFFERS = ("banenafspraak", "aanpassingen", "jobcoach", "taalondersteuning")
_OFFER_RATES = (0.08, 0.06, 0.04, 0.10)
_NEEDS = ("banenafspraak", "aanpassingen")
_NEED_RATES = (0.05, 0.03)
_TAGS = ("jongere", "50-plus", "anderstalig", "herintreder")
_TAG_RATES = (0.15, 0.2, 0.12, 0.08)
_EVIDENCE = ("experience", "diploma", "self-reported")
_EVIDENCE_P = (0.5, 0.25, 0.25)
_CONTRACTS = ("vast", "tijdelijk", "uitzend", "leerwerk")
_CONTRACT_P = (0.2, 0.4, 0.2, 0.2)
_KINDS = {"vacancies": 1, "jobseekers": 2}


class CaseloadGenerator:
    """Draws the records of one caseload; see the module docstring for what and how.

    Parameters
    ----------
    taxonomy : Taxonomy
        Occupations with requirements, concepts, sectors and regions come from it.
    region : str
        An arbeidsmarktregio id of the taxonomy, or ``"all"`` for every region.
    seed : int
        Any non-negative integer; the same seed gives the same records.

    Records come as JSON-ready dicts in the form ``write_records`` writes them (fields at
    their default left out), in blocks: :meth:`vacancies` and :meth:`jobseekers`.
    """

    def __init__(self, taxonomy: Taxonomy, region: str, *, seed: int = 0):
        tx = taxonomy
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InputError(f"seed: expected a non-negative integer, got {seed!r}")
        if region == ALL_REGIONS:
            regions = sorted(tx.region_index, key=tx.region_index.get)  # type: ignore[arg-type]
        elif region in tx.region_index:
            regions = [region]
        else:
            known = ", ".join(sorted(tx.region_index)[:8])
            raise InputError(f"region {region!r} is not in the taxonomy (known: {known}, ...; or 'all')")
        if not regions:
            raise InputError("the taxonomy has no regions to draw a caseload in")
        sizes = np.diff(tx.requirements.indptr)
        self.occupations = np.flatnonzero(sizes > 0)
        if len(self.occupations) == 0:
            raise InputError("the taxonomy has no occupations with requirements to draw a caseload from")
        self.taxonomy = tx
        self.region = region
        self.seed = int(seed)
        self.regions = regions
        self.centres = np.array([[tx.regions[tx.region_index[r]].location.lat,
                                  tx.regions[tx.region_index[r]].location.lon] for r in regions], np.float64)
        sector = [tx.occupation_sector[o] or "" for o in self.occupations]
        crucial = np.array([bool(s) and s in tx.sectors and tx.sectors[s].crucial for s in sector])
        self.sector_of = sector
        # the region's economy: a fixed multiplier per sector, the same for every seed
        sector_ids = sorted(set(sector))
        column = np.array([sector_ids.index(s) for s in sector])
        self.demand = np.empty((len(regions), len(self.occupations)))
        self.supply = np.empty_like(self.demand)
        for r, name in enumerate(regions):
            mix = np.random.default_rng(zlib.crc32(name.encode("utf-8"))).lognormal(0.0, 0.4, len(sector_ids))
            demand = np.where(crucial, 3.0, 1.0) * mix[column]
            supply = np.where(crucial, 1.0, 1.6) * mix[column]  # more jobseekers from sectors under pressure
            self.demand[r] = demand / demand.sum()
            self.supply[r] = supply / supply.sum()
        self.general = np.array([j for j in range(tx.n_concepts) if tx.concept_kind[j] == 0], np.int64)
        self.concept_ids = list(tx.concepts.ids)
        self.occupation_ids = [tx.occupations.ids[o] for o in self.occupations]
        self.titles = [tx.occupation_label(int(o)) for o in self.occupations]
        req = tx.requirements
        self.req_indptr = req.indptr[self.occupations].astype(np.int64), req.indptr[self.occupations + 1].astype(np.int64)
        self.req_indices = np.asarray(req.indices, np.int64)
        self.req_importance = np.asarray(req.data, np.int64)
        self.req_levels = np.asarray(tx.requirement_levels.data, np.float64)
        self.region_names = {r: tx.regions[tx.region_index[r]].name for r in regions}

    # --- random streams ------------------------------------------------------------------------

    def _rng(self, kind: str, block: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_KINDS[kind], block)))

    def _blocks(self, n: int) -> Iterator[tuple[int, int, int]]:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InputError(f"number of records: expected a non-negative integer, got {n!r}")
        for block in range(-(-int(n) // BLOCK)):
            start = block * BLOCK
            yield block, start, min(BLOCK, int(n) - start)

    def _place(self, rng: np.random.Generator, size: int, km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(region index, lat, lon) per record: a point within about ``km`` of its region's centre."""
        region = rng.integers(0, len(self.regions), size=size) if len(self.regions) > 1 else np.zeros(size, np.int64)
        dist = km * np.sqrt(rng.random(size))
        angle = rng.random(size) * 2 * math.pi
        lat0, lon0 = self.centres[region, 0], self.centres[region, 1]
        lat = np.round(lat0 + dist * np.cos(angle) / 111.0, 5)
        lon = np.round(lon0 + dist * np.sin(angle) / (111.0 * np.cos(np.radians(lat0))), 5)
        return region, lat, lon

    def _occupations(self, rng: np.random.Generator, region: np.ndarray, table: np.ndarray) -> np.ndarray:
        """Positions into :attr:`occupations`, drawn with each record's regional weights."""
        out = np.empty(len(region), np.int64)
        for r in range(len(self.regions)):
            rows = np.flatnonzero(region == r)
            if len(rows):
                out[rows] = rng.choice(len(self.occupations), size=len(rows), p=table[r])
        return out

    def _profiles(self, occ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner row, requirement entry) of every requirement of each record's occupation, in order."""
        lo, hi = self.req_indptr[0][occ], self.req_indptr[1][occ]
        counts = hi - lo
        owner = np.repeat(np.arange(len(occ)), counts)
        starts = np.repeat(lo - np.cumsum(np.r_[0, counts[:-1]]), counts)
        return owner, starts + np.arange(int(counts.sum()))

    # --- vacancies ---------------------------------------------------------------------------

    def vacancies(self, n: int) -> Iterator[list[dict[str, Any]]]:
        """Blocks of ``n`` vacancy records in all (ids ``V0000001``, ...)."""
        for block, start, size in self._blocks(n):
            rng = self._rng("vacancies", block)
            # every draw is for a whole block, so a caseload's records do not depend on its size
            region, lat, lon = self._place(rng, BLOCK, 20.0)
            occ = self._occupations(rng, region, self.demand)
            own = rng.random(BLOCK) < 0.3  # the employer's own profile: the occupation's, adapted
            hours_min = rng.choice([16, 20, 24, 28, 32, 36], size=BLOCK).astype(float)
            hours_max = np.minimum(40.0, hours_min + rng.choice([0, 4, 8, 12], size=BLOCK))
            contract = rng.choice(len(_CONTRACTS), size=BLOCK, p=_CONTRACT_P)
            positions = rng.choice([1, 1, 1, 2, 3], size=BLOCK)
            offers = rng.random((BLOCK, len(_OFFERS))) < np.array(_OFFER_RATES)
            employer_no = rng.integers(1, 98, size=BLOCK)
            owner, entry = self._profiles(occ)
            drop = (rng.random(len(entry)) < 0.4) & (self.req_importance[entry] == 1)
            shift = rng.choice([-1, 0, 0, 1], size=len(entry))
            level = np.clip(self.req_levels[entry] + shift, 1, 5).astype(np.int64)
            keep = own[owner] & ~drop
            bounds = np.searchsorted(owner, np.arange(BLOCK + 1))
            skill, importance, level = self.req_indices[entry].tolist(), self.req_importance[entry].tolist(), \
                level.tolist()
            keep_l = keep.tolist()
            records = []
            for i, (r, o, la, lo_, h0, h1, c, pos, off, e_no) in zip(range(size), zip(
                    region.tolist(), occ.tolist(), lat.tolist(), lon.tolist(), hours_min.tolist(),
                    hours_max.tolist(), contract.tolist(), positions.tolist(), offers.tolist(),
                    employer_no.tolist())):
                name = self.regions[r]
                sector = self.sector_of[o]
                kinds = _EMPLOYER_KINDS.get(sector, _OTHER_EMPLOYERS)
                record: dict[str, Any] = {
                    "id": f"V{start + i + 1:07d}", "title": self.titles[o], "occupation": self.occupation_ids[o],
                    "employer": f"{kinds[(start + i) % len(kinds)]} {self.region_names[name]} {e_no}",
                    "region": name, "location": {"lat": la, "lon": lo_}, "hours_min": h0, "contract": _CONTRACTS[c]}
                if h1 != 40.0:
                    record["hours_max"] = h1
                if own[i]:
                    record["requirements"] = [_requirement(self.concept_ids[skill[e]], importance[e], level[e])
                                              for e in range(bounds[i], bounds[i + 1]) if keep_l[e]]
                if sector:
                    record["sector"] = sector
                if pos != 1:
                    record["positions"] = pos
                names = [o_ for o_, on in zip(_OFFERS, off) if on]
                if names:
                    record["offers"] = names
                records.append(record)
            yield records

    # --- jobseekers ----------------------------------------------------------------------------

    def jobseekers(self, n: int) -> Iterator[list[dict[str, Any]]]:
        """Blocks of ``n`` jobseeker records in all (ids ``J0000001``, ...)."""
        n_general = min(3, len(self.general))
        for block, start, size in self._blocks(n):
            rng = self._rng("jobseekers", block)
            region, lat, lon = self._place(rng, BLOCK, 15.0)
            occ = self._occupations(rng, region, self.supply)
            keep_share = rng.uniform(0.5, 0.95, size=BLOCK)
            hours_max = rng.choice([16, 24, 32, 36, 40], size=BLOCK).astype(float)
            hours_min = np.minimum(hours_max, rng.choice([0, 8, 16, 24], size=BLOCK).astype(float))
            travel = rng.choice([10, 15, 25, 40], size=BLOCK).astype(float)
            needs = rng.random((BLOCK, len(_NEEDS))) < np.array(_NEED_RATES)
            tags = rng.random((BLOCK, len(_TAGS))) < np.array(_TAG_RATES)
            owner, entry = self._profiles(occ)
            kept = rng.random(len(entry)) < keep_share[owner]
            level = np.clip(np.round(self.req_levels[entry] + rng.normal(0, 0.9, size=len(entry))), 1, 5)
            evidence = rng.choice(len(_EVIDENCE), size=len(entry), p=_EVIDENCE_P)
            general = np.zeros((BLOCK, 0), np.int64)
            if n_general:  # three distinct general skills per person
                general = self.general[np.argpartition(rng.random((BLOCK, len(self.general))), n_general - 1,
                                                       axis=1)[:, :n_general]]
            general_level = rng.integers(2, 5, size=(BLOCK, n_general))
            bounds = np.searchsorted(owner, np.arange(BLOCK + 1))
            skill, level_l, evidence_l, kept_l = (self.req_indices[entry].tolist(), level.astype(np.int64).tolist(),
                                                  evidence.tolist(), kept.tolist())
            records = []
            for i, (r, o, la, lo_, h0, h1, km, need, tag, g, gl) in zip(range(size), zip(
                    region.tolist(), occ.tolist(), lat.tolist(), lon.tolist(), hours_min.tolist(),
                    hours_max.tolist(), travel.tolist(), needs.tolist(), tags.tolist(), general.tolist(),
                    general_level.tolist())):
                held: set[int] = set()
                skills = []
                for e in range(bounds[i], bounds[i + 1]):
                    if kept_l[e]:
                        held.add(skill[e])
                        skills.append(_claim(self.concept_ids[skill[e]], level_l[e], _EVIDENCE[evidence_l[e]]))
                for j, lv in zip(g, gl):
                    if j not in held:
                        skills.append(_claim(self.concept_ids[j], lv, "self-reported"))
                record: dict[str, Any] = {
                    "id": f"J{start + i + 1:07d}", "occupation": self.occupation_ids[o], "region": self.regions[r],
                    "location": {"lat": la, "lon": lo_}, "max_travel_km": km}
                if h1 != 40.0:
                    record["hours_max"] = h1
                if skills:
                    record["skills"] = skills
                if h0:
                    record["hours_min"] = h0
                names = [n_ for n_, on in zip(_NEEDS, need) if on]
                if names:
                    record["support_needs"] = names
                labels = [t for t, on in zip(_TAGS, tag) if on]
                if labels:
                    record["tags"] = labels
                    if "anderstalig" in labels:
                        record["language_level"] = "A2" if (start + i) % 2 else "B1"
                records.append(record)
            yield records


def _requirement(skill: str, importance: int, level: int) -> dict[str, Any]:
    item: dict[str, Any] = {"skill": skill}
    if importance != 2:
        item["importance"] = _IMPORTANCE[importance]
    if level != 3:
        item["level"] = level
    return item


def _claim(skill: str, level: int, evidence: str) -> dict[str, Any]:
    item: dict[str, Any] = {"skill": skill}
    if level != 3:
        item["proficiency"] = level
    if evidence != "self-reported":
        item["evidence"] = evidence
    return item


def generate_caseload(taxonomy: Taxonomy, region: str, *, n_jobseekers: int = 3000, n_vacancies: int = 1500,
                      seed: int = 0) -> tuple[list[Jobseeker], list[Vacancy]]:
    """Jobseekers and vacancies for one arbeidsmarktregio (or ``"all"``), reproducible from ``seed``.

    The same records :func:`write_caseload` writes, as validated models. Raises
    :class:`InputError` when the region is unknown, a number is negative, or the taxonomy
    has no occupations with requirements.
    """
    from .models import Jobseeker, Vacancy

    for name, n in (("n_jobseekers", n_jobseekers), ("n_vacancies", n_vacancies)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise InputError(f"{name}: expected a positive integer, got {n!r}")
    gen = CaseloadGenerator(taxonomy, region, seed=seed)
    jobseekers = [Jobseeker.model_validate(r) for block in gen.jobseekers(n_jobseekers) for r in block]
    vacancies = [Vacancy.model_validate(r) for block in gen.vacancies(n_vacancies) for r in block]
    return jobseekers, vacancies


@dataclass(frozen=True)
class CaseloadFiles:
    """What :func:`write_caseload` wrote: the two files, their record counts and the time taken."""

    jobseekers: Path
    vacancies: Path
    n_jobseekers: int
    n_vacancies: int
    seconds: float


FORMATS = ("jsonl", "csv", "parquet")


def write_caseload(taxonomy: Taxonomy, region: str, out: str | Path, *, n_jobseekers: int, n_vacancies: int,
                   seed: int = 0, format: str = "jsonl", compress: bool = False,
                   overwrite: bool = False) -> CaseloadFiles:
    """Write ``jobseekers.<ext>`` and ``vacancies.<ext>`` to the folder ``out``, streaming.

    Parameters
    ----------
    taxonomy, region, seed
        As for :class:`CaseloadGenerator`.
    out : str or Path
        The folder (created when missing).
    n_jobseekers, n_vacancies : int >= 0
    format : {"jsonl", "csv", "parquet"}
        File format; the files read back with :func:`skillmatch.batch.read_jobseekers` /
        ``read_vacancies`` as the same records :func:`generate_caseload` returns.
    compress : bool
        gzip the text formats (``.jsonl.gz``, ``.csv.gz``).
    overwrite : bool
        Replace files of those names that are already there. Without it an existing file is
        refused, naming it (a folder may hold a real caseload under the same names).

    JSONL is written from the drawn records directly (the bytes ``write_records`` would
    write for them); CSV and Parquet go through the record models. Memory holds one
    block of records; each file appears complete or not at all.
    """
    from .batch.writers import RecordWriter, atomic_write
    from .models import Jobseeker, Vacancy

    if format not in FORMATS:
        raise InputError(f"format: expected one of {', '.join(FORMATS)}, got {format!r}")
    if compress and format == "parquet":
        raise InputError("compress: Parquet is compressed already; gzip applies to jsonl and csv")
    gen = CaseloadGenerator(taxonomy, region, seed=seed)
    counts = {}
    for name, n in (("n_jobseekers", n_jobseekers), ("n_vacancies", n_vacancies)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise InputError(f"{name}: expected a non-negative integer, got {n!r}")
        counts[name] = int(n)
    t0 = time.perf_counter()
    folder = Path(out)
    suffix = f".{format}" + (".gz" if compress else "")
    paths = {"jobseekers": folder / f"jobseekers{suffix}", "vacancies": folder / f"vacancies{suffix}"}
    existing = [p for p in paths.values() if p.exists()] if not overwrite else []
    if existing:
        raise InputError([Problem(f"{p} exists: a generated caseload does not replace it unless asked "
                                  "(overwrite=True, skillmatch generate --overwrite)", where=str(p), field="out")
                          for p in existing])
    for kind, model, blocks in (("jobseekers", Jobseeker, gen.jobseekers(counts["n_jobseekers"])),
                                ("vacancies", Vacancy, gen.vacancies(counts["n_vacancies"]))):
        if format == "jsonl":
            def write(f, blocks=blocks) -> None:
                import gzip as gz

                sink = gz.GzipFile(fileobj=f, mode="wb", compresslevel=6, mtime=0, filename="") if compress else f
                for block in blocks:
                    sink.write("".join(json.dumps(r, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                                       + "\n" for r in block).encode("utf-8"))
                if compress:
                    sink.close()

            atomic_write(paths[kind], write)
        else:
            with RecordWriter(paths[kind], model) as writer:
                for block in blocks:
                    writer.write([model.model_validate(r) for r in block])
    return CaseloadFiles(paths["jobseekers"], paths["vacancies"], counts["n_jobseekers"], counts["n_vacancies"],
                         time.perf_counter() - t0)
