"""The command line (``skillmatch.cli``): validate, schema and info.

The demo and resolve commands are tested with the matching stages."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_taxonomy import counted

from skillmatch.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, main
from skillmatch.models import SCHEMAS
from skillmatch.problems import InputError


def test_validate_shipped_taxonomy(repo_root, capsys):
    assert main(["validate", str(repo_root / "taxonomy")]) == EXIT_OK
    out = capsys.readouterr().out
    n = counted(repo_root)  # from the CSV files: the shipped data grows
    assert (f"taxonomy: valid ({n['capabilities']} capabilities, {n['knowledge_areas']} knowledge areas, "
            f"{n['groups']} groups") in out
    assert out.rstrip().endswith("; 0 warning(s)")


def test_validate_names_every_problem_with_file_and_line(taxonomy_copy, capsys):
    t = taxonomy_copy
    t.set("requirements.csv", 2, "concept", "urn:skillmatch:capability:bestaat-niet")  # dangling reference
    duplicate = t.append_copy_of("occupations.csv", 3)  # duplicate id
    a, b = t.cell("capabilities.csv", 2, "id"), t.cell("capabilities.csv", 3, "id")
    t.set("capabilities.csv", 2, "broader", b)  # cycle
    t.set("capabilities.csv", 3, "broader", a)
    assert main(["validate", str(t.path)]) == EXIT_PROBLEMS
    lines = capsys.readouterr().out.strip().splitlines()
    hintless = [re.sub(r" \(closest: '[^']*'\)$", "", line) for line in lines[:3]]
    assert sorted(hintless) == sorted([
        f"capabilities.csv line 2 record '{a}' field 'broader': hierarchy cycle: {a} -> {b} -> {a}",
        f"occupations.csv line {duplicate} record '{t.cell('occupations.csv', 3, 'id')}' field 'id': duplicate "
        f"occupation id (first defined at occupations.csv line 3)",
        "requirements.csv line 2 record 'https://linkeddata.competentnl.nl/uwv/id/occupation/FC998381F9' field "
        "'concept': concept 'urn:skillmatch:capability:bestaat-niet' is not in the taxonomy",
    ])
    assert lines[3:] == ["", f"{t.path}: 3 error(s), 0 warning(s)"]


def test_validate_strict_fails_on_warnings(taxonomy_copy, capsys):
    line = taxonomy_copy.append_copy_of("occupations.csv", 2, id="urn:skillmatch:occupation:zonder-eisen")
    assert main(["validate", str(taxonomy_copy.path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"warning: occupations.csv line {line} record 'urn:skillmatch:occupation:zonder-eisen': occupation has " \
           "no requirements" in out
    assert out.rstrip().endswith("; 1 warning(s)")
    assert main(["validate", "--strict", str(taxonomy_copy.path)]) == EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert f"occupations.csv line {line} record 'urn:skillmatch:occupation:zonder-eisen': occupation has no " \
           "requirements" in out
    assert out.rstrip().endswith(": 1 error(s), 0 warning(s)")


def test_validate_a_structural_problem(taxonomy_copy, capsys):
    (taxonomy_copy.path / "requirements.csv").unlink()
    assert main(["validate", str(taxonomy_copy.path)]) == EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert "requirements.csv: required table requirements.csv is missing" in out
    assert out.rstrip().endswith(": 1 error(s), 0 warning(s)")


def test_validate_something_that_is_not_a_taxonomy(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing")]) == EXIT_PROBLEMS
    assert "missing: no such file or folder" in capsys.readouterr().out


def test_validate_does_not_write_the_cache(taxonomy_copy, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["validate", str(taxonomy_copy.path)]) == EXIT_OK
    assert not (tmp_path / "cache").exists()


def test_schema_lists_the_record_types(capsys):
    assert main(["schema"]) == EXIT_OK
    assert capsys.readouterr().out.split() == sorted(SCHEMAS)


def test_schema_of_a_record_type(capsys):
    assert main(["schema", "jobseeker"]) == EXIT_OK
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Jobseeker"
    assert {"id", "skills", "hours_min", "hours_max", "support_needs"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_schema_of_an_unknown_record_type(capsys):
    assert main(["schema", "werkzoekende"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unknown record type 'werkzoekende'; expected one of: capability, concept, development-path" in err


def test_info_prints_counts_as_json(repo_root, capsys):
    assert main(["info", str(repo_root / "taxonomy")]) == EXIT_OK
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "skillmatch-nl"
    n = counted(repo_root)
    assert (info["capabilities"], info["occupations"], info["regions"], info["warnings"]) == (
        n["capabilities"], n["occupations"], n["regions"], 0)
    assert info["modules"] >= 150


def test_info_defaults_to_the_shipped_taxonomy(capsys):
    assert main(["info"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["name"] == "skillmatch-nl"


def test_info_on_a_broken_taxonomy_exits_1(taxonomy_copy, capsys):
    taxonomy_copy.set("requirements.csv", 2, "level", "6")
    assert main(["info", str(taxonomy_copy.path)]) == EXIT_PROBLEMS
    assert "skillmatch info: 1 problem(s) in taxonomy" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as exit_:
        main(["validate"])
    assert exit_.value.code == EXIT_USAGE
    assert "the following arguments are required: path" in capsys.readouterr().err


def test_installed_console_script(repo_root, tmp_path):
    script = Path(sys.executable).parent / "skillmatch"
    if not script.is_file():
        script = shutil.which("skillmatch")
    if script is None:
        pytest.skip("the skillmatch console script is not installed in this environment")
    env = {**os.environ, "SKILLMATCH_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([str(script), "validate", "taxonomy/"], cwd=repo_root, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"taxonomy/: valid ({counted(repo_root)['capabilities']} capabilities")


# --- generate, match, allocate, warm ------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    assert main(["generate", "--region", "twente", "--jobseekers", "300", "--vacancies", "150", "--seed", "4",
                 "--out", str(folder)]) == EXIT_OK
    return folder


def test_generate_match_allocate(generated, tmp_path, capsys):
    capsys.readouterr()
    out = tmp_path / "matches.csv"
    assert main(["match", "--jobseekers", str(generated / "jobseekers.jsonl"), "--vacancies",
                 str(generated / "vacancies.jsonl"), "--out", str(out), "-k", "5", "--chunk-size", "100",
                 "--progress", "log"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out.startswith(f"skillmatch match: 300 jobseekers x 150 vacancies -> {out} (")
    assert f"problems: 0 in {tmp_path / 'matches.errors.jsonl'}" in captured.out
    assert "skillmatch match: 300 jobseekers done in" in captured.err  # progress lines go to stderr
    assert (tmp_path / "matches.errors.jsonl").read_text() == ""
    assignments, summary = tmp_path / "assignments.csv", tmp_path / "summary.json"
    assert main(["allocate", "--results", str(out), "--vacancies", str(generated / "vacancies.jsonl"), "--out",
                 str(assignments), "--summary", str(summary)]) == EXIT_OK
    text = capsys.readouterr().out
    assert re.match(r"skillmatch allocate: 2\d\d jobseekers with a list \(top 5\), 150 vacancies with \d+ positions",
                    text)
    for label in ("people per vacancy (mean)", "vacancies with nobody", "Gini of exposure", "people assigned"):
        assert label in text
    header = text.splitlines()[1].split()
    assert header == ["top-5", "top-1", "optimal", "stable"]
    rows = assignments.read_text().splitlines()
    assert rows[0] == "method,jobseeker,vacancy,score,rank" and {r.split(",")[0] for r in rows[1:]} == {
        "optimal", "stable"}
    figures = json.loads(summary.read_text())
    assert set(figures["congestion"]) == {"top_k", "top_1", "optimal", "stable"} and figures["k"] == 5


def test_generate_formats_and_errors(tmp_path, capsys):
    assert main(["generate", "--jobseekers", "20", "--vacancies", "10", "--format", "csv", "--gzip", "--out",
                 str(tmp_path)]) == EXIT_OK
    assert "20 jobseekers -> " in capsys.readouterr().out and (tmp_path / "vacancies.csv.gz").is_file()
    assert main(["generate", "--region", "atlantis", "--out", str(tmp_path)]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert err.startswith("skillmatch generate: region 'atlantis' is not in the taxonomy") and err.count("\n") == 1
    assert main(["generate", "--format", "parquet", "--gzip", "--out", str(tmp_path)]) == EXIT_PROBLEMS
    assert "compress: Parquet is compressed already" in capsys.readouterr().err
    before = (tmp_path / "vacancies.csv.gz").read_bytes()
    again = ["generate", "--jobseekers", "30", "--vacancies", "10", "--format", "csv", "--gzip", "--out", str(tmp_path)]
    assert main(again) == EXIT_PROBLEMS  # the files are there: not replaced unless asked
    err = capsys.readouterr().err
    assert f"{tmp_path / 'jobseekers.csv.gz'} exists" in err and "--overwrite" in err
    assert (tmp_path / "vacancies.csv.gz").read_bytes() == before
    assert main([*again, "--overwrite"]) == EXIT_OK
    assert "30 jobseekers -> " in capsys.readouterr().out


def test_match_errors_are_one_line(generated, tmp_path, capsys):
    jobseekers = tmp_path / "jobseekers.jsonl"
    lines = (generated / "jobseekers.jsonl").read_text().splitlines()
    jobseekers.write_text("\n".join(lines[:3] + ['{"id": "x", "hours_max": 99}'] + lines[3:]) + "\n")
    base = ["match", "--jobseekers", str(jobseekers), "--vacancies", str(generated / "vacancies.jsonl"),
            "--progress", "none"]
    assert main(base + ["--out", str(tmp_path / "m.csv"), "--strict"]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "jobseekers.jsonl line 4 record 'x' field 'hours_max'" in err
    assert main(base + ["--out", str(tmp_path / "m.txt")]) == EXIT_PROBLEMS
    assert "m.txt: cannot tell the format from the file name" in capsys.readouterr().err
    assert main(base + ["--out", str(tmp_path / "m.csv"), "-k", "0"]) == EXIT_PROBLEMS
    assert capsys.readouterr().err == ("skillmatch match: 1 invalid parameter(s) of run_match: run_match field 'k': "
                                       "expected an integer >= 1, got 0\n")
    # without --strict the bad record goes to the errors file, and --errors - writes none
    assert main(base + ["--out", str(tmp_path / "m.csv")]) == EXIT_OK
    out = capsys.readouterr().out
    assert "1 rejected" in out and json.loads((tmp_path / "m.errors.jsonl").read_text())["line"] == 4
    assert main(base + ["--out", str(tmp_path / "n.csv"), "--errors", "-"]) == EXIT_OK
    assert "problems: 1 (pass errors_path / --errors to write them)" in capsys.readouterr().out
    assert not (tmp_path / "n.errors.jsonl").exists()


def test_match_resume_refused_in_one_line(generated, tmp_path, capsys):
    base = ["match", "--jobseekers", str(generated / "jobseekers.jsonl"), "--vacancies",
            str(generated / "vacancies.jsonl"), "--out", str(tmp_path / "m.csv"), "--progress", "none"]
    assert main(base) == EXIT_OK
    assert main(base + ["--resume"]) == EXIT_OK
    assert "already complete" in capsys.readouterr().out
    assert main(base + ["--resume", "-k", "3"]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot resume: option k: 10 -> 3" in err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        main(["--debug", "match", "--jobseekers", str(tmp_path / "j.jsonl"), "--vacancies", str(tmp_path / "v.jsonl"),
              "--out", str(tmp_path / "m.csv")])
    with pytest.raises(InputError, match="no such file"):
        main(["match", "--jobseekers", str(tmp_path / "j.jsonl"), "--vacancies", str(tmp_path / "v.jsonl"),
              "--out", str(tmp_path / "m.csv"), "--debug"])


@pytest.mark.parametrize("error, code, message", [
    (KeyboardInterrupt(), 130, "skillmatch match: interrupted; run it again with --resume to continue\n"),
    (PermissionError(13, "Permission denied", "/x/m.csv"), 1, "skillmatch match: [Errno 13] Permission denied: "
                                                               "'/x/m.csv'\n"),
    (RuntimeError("solver\nfailed"), 1, "skillmatch match: internal error: RuntimeError: solver failed (run with "
                                        "--debug for the traceback, and please report it)\n"),
])
def test_other_failures_are_one_line(monkeypatch, tmp_path, capsys, error, code, message):
    import skillmatch.batch.run

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(skillmatch.batch.run, "run_match", fail)
    assert main(["match", "--jobseekers", "j.jsonl", "--vacancies", "v.jsonl", "--out", "m.csv"]) == code
    assert capsys.readouterr().err == message


def test_allocate_needs_results_per_jobseeker(generated, tmp_path, capsys):
    out = tmp_path / "per-vacancy.csv"
    assert main(["match", "--jobseekers", str(generated / "jobseekers.jsonl"), "--vacancies",
                 str(generated / "vacancies.jsonl"), "--out", str(out), "--direction", "vacancies",
                 "--progress", "none"]) == EXIT_OK
    capsys.readouterr()
    assert main(["allocate", "--results", str(out), "--vacancies", str(generated / "vacancies.jsonl"), "--out",
                 str(tmp_path / "a.csv"), "--taxonomy", "none"]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no result row names a vacancy of" in err and "--direction jobseekers" in err
    assert main(["allocate", "--results", str(out), "--vacancies", str(generated / "vacancies.jsonl"), "--out",
                 str(tmp_path / "a.csv"), "--strict"]) == EXIT_PROBLEMS
    assert "is not among the candidates given" in capsys.readouterr().err
    assert main(["allocate", "--results", str(out), "--vacancies", str(generated / "vacancies.jsonl"), "--out",
                 str(tmp_path / "a.csv"), "--methods", "fair"]) == EXIT_PROBLEMS
    assert "--methods: expected 'optimal', 'stable' or 'optimal,stable', got 'fair'" in capsys.readouterr().err


def test_warm(capsys):
    assert main(["warm"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("skillmatch warm: kernels ready in ")


def test_one_line():
    from skillmatch.cli import one_line
    from skillmatch.problems import Problem

    assert one_line(InputError("plain")) == "plain"
    two = InputError([Problem("a", where="f", line=2), Problem("b\nc", where="f", line=3)])
    assert one_line(two) == "f line 2: a (and 1 more)"
    assert one_line(InputError([Problem("b\nc", where="f")], summary="f: broken")) == "f: broken: f: b c"


def test_allocate_without_valid_vacancies(generated, tmp_path, capsys):
    vacancies = tmp_path / "vacancies.jsonl"
    vacancies.write_text('{"id": "v1", "positions": 0}\n')
    assert main(["allocate", "--results", str(tmp_path / "m.csv"), "--vacancies", str(vacancies), "--out",
                 str(tmp_path / "a.csv"), "--taxonomy", "none"]) == EXIT_PROBLEMS
    assert "vacancies.jsonl: no valid vacancies to allocate" in capsys.readouterr().err


def test_match_passes_matcher_options(generated, tmp_path, capsys):
    base = ["match", "--jobseekers", str(generated / "jobseekers.jsonl"), "--vacancies",
            str(generated / "vacancies.jsonl"), "--progress", "none"]
    assert main(base + ["--out", str(tmp_path / "m.csv"), "--scoring", "banana"]) == EXIT_PROBLEMS
    assert "Matcher field 'scoring': expected one of" in capsys.readouterr().err
    assert main(base + ["--out", str(tmp_path / "m.csv"), "--scoring", "cosine", "--same-region", "--no-travel",
                        "--coverage-weight", "0.5"]) == EXIT_OK
    options = json.loads((tmp_path / "m.csv.manifest.json").read_text())["options"]["matcher"]
    assert (options["scoring"], options["same_region"], options["travel"]) == ("cosine", True, False)


# --- recommend, paths, report, audit ------------------------------------------------------------


def test_recommend_explains_matches_gap_plans_and_unlocks(generated, capsys):
    capsys.readouterr()
    people = [json.loads(line)["id"] for line in (generated / "jobseekers.jsonl").read_text().splitlines()[:2]]
    assert main(["recommend", "--jobseekers", str(generated / "jobseekers.jsonl"), "--vacancies",
                 str(generated / "vacancies.jsonl"), "--person", people[0], "--person", people[1], "-k", "2"]) == EXIT_OK
    text = capsys.readouterr().out
    assert text.count("Werkzoekende ") == 2 and f"Werkzoekende {people[0]}" in text
    assert "Beste matches:" in text and "dekt " in text and "Scholingsplannen:" in text and "Wat ontbreekt:" in text
    assert main(["recommend", "--jobseekers", str(generated / "jobseekers.jsonl"), "--person", people[0],
                 "--sector", "kinderopvang", "--json", "--lang", "en"]) == EXIT_OK
    advice = json.loads(capsys.readouterr().out)
    assert [a["person"] for a in advice] == [people[0]] and advice[0]["lang"] == "en"
    assert advice[0]["target"] in {o for o, s in zip(*_occupations_by_sector()) if s == "kinderopvang"}
    assert advice[0]["plans"] is not None and advice[0]["matches"] == []


def _occupations_by_sector():
    import skillmatch

    tx = skillmatch.load_taxonomy()
    return tx.occupations.ids, tx.occupation_sector


def test_paths_give_routes_into_a_sector_and_transitions(generated, capsys):
    capsys.readouterr()
    person = json.loads((generated / "jobseekers.jsonl").read_text().splitlines()[0])["id"]
    assert main(["paths", "--jobseekers", str(generated / "jobseekers.jsonl"), "--person", person,
                 "--sector", "zorg-welzijn", "-k", "2", "--transitions"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "Ontwikkelroutes:" in text and "Route 1:" in text and "Overstappen naar cruciale sectoren:" in text


def test_report_writes_the_page_and_charts(generated, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", "--jobseekers", str(generated / "jobseekers.jsonl"), "--vacancies",
                 str(generated / "vacancies.jsonl"), "--out", str(out), "--modules", "3"]) == EXIT_OK
    assert (out / "rapport.html").stat().st_size > 10_000 and len(list(out.glob("*.png"))) == 3
    assert "rapport.html" in capsys.readouterr().out


def test_audit_reports_groups_of_a_match_run(generated, tmp_path, capsys):
    results = tmp_path / "matches.csv"
    assert main(["match", "--jobseekers", str(generated / "jobseekers.jsonl"), "--vacancies",
                 str(generated / "vacancies.jsonl"), "--out", str(results), "--progress", "none"]) == EXIT_OK
    ids = [json.loads(line)["id"] for line in (generated / "jobseekers.jsonl").read_text().splitlines()]
    groups = tmp_path / "groups.csv"
    groups.write_text("id,group\n" + "".join(f"{i},{'a' if n % 3 else 'b'}\n" for n, i in enumerate(ids)))
    capsys.readouterr()
    assert main(["audit", "--results", str(results), "--groups", str(groups), "--jobseekers",
                 str(generated / "jobseekers.jsonl"), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    rows = {g["group"]: g for g in report["groups"]}
    assert set(rows) == {"a", "b"} and rows["a"]["members"] + rows["b"]["members"] == len(ids)
    groups.write_text("id,group\nnobody,a\n")
    assert main(["audit", "--results", str(results), "--groups", str(groups)]) == EXIT_PROBLEMS
    assert "nobody" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["recommend", "--jobseekers", "missing.jsonl"], "missing.jsonl: no such file"),
    (["recommend", "--jobseekers", "{j}", "--person", "NOPE"], "no jobseeker with id 'NOPE'"),
    (["recommend", "--jobseekers", "{j}", "--target", "urn:x"], "target: 'urn:x' is neither an occupation"),
    (["recommend", "--jobseekers", "{j}", "--sector", "maan"], "sector: 'maan' is not one of the taxonomy's sectors"),
    (["paths", "--jobseekers", "{j}", "--occupation", "urn:x", "--limit", "1"], "urn:x"),
])
def test_recommend_and_paths_errors_are_one_line(generated, capsys, argv, message):
    argv = [a.replace("{j}", str(generated / "jobseekers.jsonl")) for a in argv]
    capsys.readouterr()
    assert main(argv) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
