"""The demo and the resolve command, end to end on small sizes."""

from __future__ import annotations

import csv
import io
import json

import pytest

import skillmatch
from skillmatch import Matcher
from skillmatch.batch import read_jobseekers, read_vacancies, write_records
from skillmatch.caseload import BLOCK, CaseloadGenerator, generate_caseload, write_caseload
from skillmatch.cli import main
from skillmatch.demo import _strong, run_demo
from skillmatch.models import Requirement, SkillClaim
from skillmatch.problems import InputError


def test_caseload_is_reproducible_and_regional():
    tx = skillmatch.load_taxonomy()
    a = generate_caseload(tx, "twente", n_jobseekers=30, n_vacancies=20, seed=3)
    b = generate_caseload(tx, "twente", n_jobseekers=30, n_vacancies=20, seed=3)
    assert a == b
    jobseekers, vacancies = a
    assert all(p.region == "twente" and p.skills for p in jobseekers)
    crucial = sum(tx.sectors[v.sector].crucial for v in vacancies if v.sector)
    assert crucial > len(vacancies) / 2


def test_demo_prints_explained_matches_and_writes_results(tmp_path):
    out = tmp_path / "demo"
    stream = io.StringIO()
    summary = run_demo(n_jobseekers=150, n_vacancies=80, out=out, stream=stream)
    text = stream.getvalue()
    assert "Drie uitgelegde matches" in text and text.count("score") >= 3 and "Heeft:" in text
    assert "Scholingsplannen:" in text and "Ontwikkelroutes:" in text and "stap 1 van ontwikkelpad" in text
    assert summary["jobseekers"] == 150 and summary["jobseekers_with_a_match"] > 100
    for name in ("jobseekers.jsonl", "vacancies.jsonl", "matches_per_jobseeker.csv", "matches_per_vacancy.csv",
                 "explanations.txt", "advice.txt", "summary.json"):
        assert (out / name).stat().st_size > 0
    with open(out / "matches_per_jobseeker.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == ["query", "rank", "candidate", "score"]
    assert rows[0]["query"].startswith("J") and rows[0]["candidate"].startswith("V")
    assert read_jobseekers(out / "jobseekers.jsonl").read_all() == generate_caseload(
        skillmatch.load_taxonomy(), "groot-amsterdam", n_jobseekers=150, n_vacancies=80)[0]
    assert json.loads((out / "summary.json").read_text())["vacancies"] == 80


def test_the_demo_counts_strong_matches_as_the_explanations_band_them(shipped):
    """The demo's counts of strong matches take the coverage of every match from the gap kernel; they
    must agree with the band of each match's explanation, in both directions."""
    jobseekers, vacancies = generate_caseload(shipped, "twente", n_jobseekers=60, n_vacancies=40, seed=5)
    # work asking six skills and someone holding one of them: a score of sterk, a coverage of 1/6
    six = [c for c in shipped.concepts.ids if shipped.concept_kind[shipped.concepts.index[c]] != 2][:6]
    vacancies.append(vacancies[0].model_copy(update={"id": "six", "requirements": [
        Requirement(skill=c, importance="important", level=3) for c in six]}))
    jobseekers.append(jobseekers[0].model_copy(update={
        "id": "one", "skills": [SkillClaim(skill=six[0], proficiency=3)], "region": vacancies[0].region,
        "max_travel_km": None, "hours_min": None, "hours_max": None, "support_needs": []}))
    for result in (Matcher(shipped).fit(vacancies).match(jobseekers, k=3),
                   Matcher(shipped).fit(jobseekers).match(vacancies, k=3)):
        strong = _strong(result)
        banded = [[result.explain(r, j).is_strong if result.indices[r, j] >= 0 else False for j in range(3)]
                  for r in range(len(result.indices))]
        assert strong.tolist() == banded
        assert strong.any() and ((result.scores >= 0.40) & ~strong).any()  # the coverage decided somewhere


def test_cli_demo_and_resolve(tmp_path, capsys):
    assert main(["demo", "--jobseekers", "60", "--vacancies", "40", "--region", "zuid-limburg",
                 "--out", str(tmp_path / "d")]) == 0
    assert "Zuid-Limburg" in capsys.readouterr().out
    assert main(["resolve", "heftruck rijden", "--limit", "2"]) == 0
    assert "Vervoeren" in capsys.readouterr().out
    assert main(["demo", "--region", "atlantis", "--out", str(tmp_path / "e")]) == 1
    assert "region 'atlantis' is not in the taxonomy" in capsys.readouterr().err


# --- the one caseload generator ------------------------------------------------------------------

def test_caseload_does_not_depend_on_its_size(shipped):
    small = generate_caseload(shipped, "rijnmond", n_jobseekers=50, n_vacancies=30, seed=5)
    large = generate_caseload(shipped, "rijnmond", n_jobseekers=BLOCK + 10, n_vacancies=40, seed=5)
    assert large[0][:50] == small[0] and large[1][:30] == small[1]
    assert large[0][BLOCK].id == f"J{BLOCK + 1:07d}"
    other = generate_caseload(shipped, "rijnmond", n_jobseekers=50, n_vacancies=30, seed=6)
    assert other[0] != small[0] and other[1] != small[1]


def test_regions_have_their_own_sector_mix(shipped):
    sectors = {}
    for region in ("groot-amsterdam", "twente"):
        _, vacancies = generate_caseload(shipped, region, n_jobseekers=1, n_vacancies=3000, seed=1)
        sectors[region] = {s: sum(v.sector == s for v in vacancies) / 3000 for s in shipped.sectors}
    assert max(abs(sectors["twente"][s] - sectors["groot-amsterdam"][s]) for s in shipped.sectors) > 0.02


def test_national_caseload_spreads_over_the_regions(shipped):
    jobseekers, vacancies = generate_caseload(shipped, "all", n_jobseekers=700, n_vacancies=700, seed=2)
    assert len({p.region for p in jobseekers}) > 30 and len({v.region for v in vacancies}) > 30
    for v in vacancies:  # within about 20 km of the region's point
        centre = shipped.regions[shipped.region_index[v.region]].location
        assert abs(v.location.lat - centre.lat) < 0.2


def test_written_files_are_the_generated_records(shipped, tmp_path):
    jobseekers, vacancies = generate_caseload(shipped, "zeeland", n_jobseekers=120, n_vacancies=60, seed=9)
    files = write_caseload(shipped, "zeeland", tmp_path / "jsonl", n_jobseekers=120, n_vacancies=60, seed=9)
    write_records(tmp_path / "j.jsonl", jobseekers)
    write_records(tmp_path / "v.jsonl", vacancies)
    assert files.jobseekers.read_bytes() == (tmp_path / "j.jsonl").read_bytes()
    assert files.vacancies.read_bytes() == (tmp_path / "v.jsonl").read_bytes()
    formats = [("csv", False), ("csv", True), ("jsonl", True)]
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # Parquet is an extra
        pass
    else:
        formats.append(("parquet", False))
    for fmt, compress in formats:
        files = write_caseload(shipped, "zeeland", tmp_path / f"{fmt}{compress}", n_jobseekers=120, n_vacancies=60,
                               seed=9, format=fmt, compress=compress)
        assert read_jobseekers(files.jobseekers, taxonomy=shipped).read_all() == jobseekers
        assert read_vacancies(files.vacancies, taxonomy=shipped).read_all() == vacancies


@pytest.mark.parametrize("call, message", [
    (lambda tx, p: CaseloadGenerator(tx, "atlantis"), r"region 'atlantis' is not in the taxonomy .*or 'all'"),
    (lambda tx, p: CaseloadGenerator(tx, "twente", seed=-1), r"seed: expected a non-negative integer, got -1"),
    (lambda tx, p: generate_caseload(tx, "twente", n_jobseekers=0), r"n_jobseekers: expected a positive integer"),
    (lambda tx, p: write_caseload(tx, "twente", p, n_jobseekers=-1, n_vacancies=1),
     r"n_jobseekers: expected a non-negative integer, got -1"),
    (lambda tx, p: write_caseload(tx, "twente", p, n_jobseekers=1, n_vacancies=1, format="xml"),
     r"format: expected one of jsonl, csv, parquet, got 'xml'"),
    (lambda tx, p: write_caseload(tx, "twente", p, n_jobseekers=1, n_vacancies=1, format="parquet", compress=True),
     r"compress: Parquet is compressed already"),
])
def test_caseload_errors(shipped, tmp_path, call, message):
    with pytest.raises(InputError, match=message):
        call(shipped, tmp_path)
