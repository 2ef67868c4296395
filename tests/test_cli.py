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
