"""The demo and the resolve command, end to end on small sizes."""

from __future__ import annotations

import csv
import io
import json

import skillmatch
from skillmatch.caseload import generate_caseload
from skillmatch.cli import main
from skillmatch.demo import run_demo


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
    assert summary["jobseekers"] == 150 and summary["jobseekers_with_a_match"] > 100
    for name in ("jobseekers.jsonl", "vacancies.jsonl", "matches_per_jobseeker.csv", "matches_per_vacancy.csv",
                 "explanations.txt", "summary.json"):
        assert (out / name).stat().st_size > 0
    rows = list(csv.DictReader(open(out / "matches_per_jobseeker.csv", encoding="utf-8")))
    assert rows and set(rows[0]) == {"jobseeker", "rank", "vacancy", "score"}
    assert json.loads((out / "summary.json").read_text())["vacancies"] == 80


def test_cli_demo_and_resolve(tmp_path, capsys):
    assert main(["demo", "--jobseekers", "60", "--vacancies", "40", "--region", "zuid-limburg",
                 "--out", str(tmp_path / "d")]) == 0
    assert "Zuid-Limburg" in capsys.readouterr().out
    assert main(["resolve", "heftruck rijden", "--limit", "2"]) == 0
    assert "Vervoeren" in capsys.readouterr().out
    assert main(["demo", "--region", "atlantis", "--out", str(tmp_path / "e")]) == 1
    assert "region 'atlantis' is not in the taxonomy" in capsys.readouterr().err
