"""Batch file I/O: readers of jobseekers, vacancies and results; writers of results, errors and records."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from skillmatch.batch.readers import (
    RESULT_COLUMNS,
    file_format,
    parse_skill_item,
    read_jobseekers,
    read_results,
    read_topk,
    read_vacancies,
    record_columns,
)
from skillmatch.batch.writers import (
    ErrorWriter,
    RecordWriter,
    ResultWriter,
    concatenate_parts,
    part_path,
    score_values,
    write_part,
    write_records,
    write_results,
)
from skillmatch.models import GeoPoint, Jobseeker, Requirement, SkillClaim, Vacancy
from skillmatch.problems import InputError, Problem

REPO = Path(__file__).resolve().parents[1]
A = "urn:test:skill:a"
B = "https://example.org/skill/b"

# --- helpers --------------------------------------------------------------------------------------


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def read(reader) -> tuple[list, list[Problem]]:
    """Every record (with its line) and every problem of one pass."""
    records = [(line, record) for chunk in reader for line, record in chunk]
    return records, reader.report.problems


def only_problem(problems: list[Problem], severity: str = "error") -> Problem:
    chosen = [p for p in problems if p.severity == severity]
    assert len(chosen) == 1, [str(p) for p in problems]
    return chosen[0]


def jobseekers() -> list[Jobseeker]:
    return [
        Jobseeker(id="j1", skills=(SkillClaim(skill=A, proficiency=4), SkillClaim(skill=B, proficiency=2,
                                                                                   evidence="diploma")),
                  region="rijnmond", location=GeoPoint(lat=51.9225, lon=4.47917), hours_min=16, hours_max=32.5,
                  max_travel_km=25, support_needs=("jobcoach", "aanpassingen"), tags=("jongere",),
                  attributes={"age": "23", "note": "a, b; c"}, language_level="B1", study_hours_per_week=6,
                  budget_eur=1500, funding=("gemeente",), delivery=("evening", "online"),
                  available_from=date(2025, 9, 1)),
        Jobseeker(id="j2", skills=(SkillClaim(skill=A),)),
        Jobseeker(id="j3 met spatie", occupation="urn:test:occupation:x", tags=("anderstalig", "55+")),
    ]


def vacancies() -> list[Vacancy]:
    return [
        Vacancy(id="v1", title='Verzorgende "IG", nacht', requirements=(Requirement(skill=A, importance="essential",
                                                                                    level=4),
                                                                        Requirement(skill=B, importance="somewhat")),
                employer="Zorg & Co", region="rijnmond", location=GeoPoint(lat=51.9, lon=4.5), hours_min=24,
                hours_max=36, contract="vast", sector="zorg-welzijn", positions=3, offers=("jobcoach",)),
        Vacancy(id="v2", occupation="urn:test:occupation:x"),
    ]


FORMATS = ["jsonl", "csv", "parquet", "jsonl.gz", "csv.gz"]

# --- formats and columns ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, kind, compressed", [
    ("a.jsonl", "jsonl", False), ("a.CSV", "csv", False), ("x/a.parquet", "parquet", False),
    ("a.jsonl.gz", "jsonl", True), ("a.csv.gz", "csv", True)])
def test_file_format_by_extension(name, kind, compressed):
    fmt = file_format(name)
    assert (fmt.kind, fmt.gzip) == (kind, compressed)


@pytest.mark.parametrize("name", ["a.json", "a.parquet.gz", "a.txt", "jsonl"])
def test_file_format_unknown(name):
    with pytest.raises(InputError, match=r"cannot tell the format from the file name; expected a name ending in "
                                         r"\.jsonl, \.csv or \.parquet"):
        file_format(name)


def test_result_record_shape_is_defined_once():
    from dataclasses import fields

    from skillmatch.batch.readers import RESULT_FIELDS, ResultRecord

    assert [f.name for f in fields(ResultRecord)] == list(RESULT_COLUMNS) == list(RESULT_FIELDS)


def test_columns_follow_the_model():
    names = [c.name for c in record_columns(Jobseeker)]
    assert names[:6] == ["id", "skills", "occupation", "region", "lat", "lon"]
    assert "location" not in names and "attributes" in names
    assert {c.name: c.kind for c in record_columns(Vacancy)}["requirements"] == "requirements"
    # every model field has a column: fields added to the models later get one too
    for model in (Jobseeker, Vacancy):
        fields = {c.field for c in record_columns(model)}
        assert fields == set(model.model_fields)


def test_the_column_reference_documents_every_column():
    doc = (REPO / "docs" / "batch-files.md").read_text(encoding="utf-8")
    from skillmatch.batch import readers

    for model in (Jobseeker, Vacancy):
        for column in record_columns(model):
            assert f"`{column.name}`" in doc, f"docs/batch-files.md does not describe column {column.name!r}"
            assert f"``{column.name}``" in readers.__doc__, f"the readers docstring does not name {column.name!r}"
    for name in RESULT_COLUMNS:
        assert f"`{name}`" in doc
    assert "record_columns" in readers.__doc__


@pytest.mark.parametrize("text, kind, expected", [
    ("urn:x:4", "skills", {"skill": "urn:x", "proficiency": 4}),
    ("https://a.nl/b:3:diploma", "skills", {"skill": "https://a.nl/b", "proficiency": 3, "evidence": "diploma"}),
    ("verzorgen:diploma:4", "skills", {"skill": "verzorgen", "proficiency": 4, "evidence": "diploma"}),
    ("heftruck rijden", "skills", {"skill": "heftruck rijden"}),
    ("urn:x:2:3", "skills", {"skill": "urn:x:2", "proficiency": 3}),
    ("urn:x:essential:4", "requirements", {"skill": "urn:x", "importance": "essential", "level": 4}),
    ("urn:x:4:Belangrijk", "requirements", {"skill": "urn:x", "importance": "important", "level": 4}),
    ("lassen:enigszins", "requirements", {"skill": "lassen", "importance": "somewhat"}),
    ("urn:x:diploma", "requirements", {"skill": "urn:x:diploma"}),
])
def test_parse_skill_item(text, kind, expected):
    assert parse_skill_item(text, kind) == expected


# --- round trips: writer -> reader ------------------------------------------------------------------


@pytest.mark.parametrize("ext", FORMATS)
def test_records_round_trip(tmp_path, ext):
    for model, records, read_fn in ((Jobseeker, jobseekers(), read_jobseekers),
                                    (Vacancy, vacancies(), read_vacancies)):
        path = write_records(tmp_path / f"{model.__name__}.{ext}", records)
        got, problems = read(read_fn(path))
        assert problems == []
        assert [r for _, r in got] == records
        assert [line for line, _ in got] == ([2, 3, 4][:len(records)] if ext.startswith("csv")
                                              else [1, 2, 3][:len(records)])


@pytest.mark.parametrize("ext", FORMATS)
def test_record_files_are_deterministic(tmp_path, ext):
    a = write_records(tmp_path / f"a.{ext}", jobseekers())
    b = write_records(tmp_path / f"b.{ext}", jobseekers())
    assert a.read_bytes() == b.read_bytes()


def test_record_writer_appends_chunks(tmp_path):
    with RecordWriter(tmp_path / "j.csv", Jobseeker) as writer:
        writer.write(jobseekers()[:1])
        writer.write(jobseekers()[1:])
    assert writer.count == 3
    assert (tmp_path / "j.csv").read_bytes() == write_records(tmp_path / "k.csv", jobseekers()).read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["j.csv", "k.csv"]  # no temporary files left behind


def test_record_writer_refuses_other_records(tmp_path):
    with pytest.raises(InputError, match=r"records: expected Jobseeker records, got Vacancy"), \
            RecordWriter(tmp_path / "j.jsonl", Jobseeker) as writer:
        writer.write(vacancies())
    assert not (tmp_path / "j.jsonl").exists()
    with pytest.raises(InputError, match=r"pass model= when there are no records"):
        write_records(tmp_path / "x.csv", [])


def test_chunks_hold_chunk_size_records_with_their_lines(tmp_path):
    people = [Jobseeker(id=f"p{i}", skills=(SkillClaim(skill=A),)) for i in range(7)]
    path = write_records(tmp_path / "p.jsonl", people)
    chunks = list(read_jobseekers(path, chunk_size=3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert [c.number for c in chunks] == [0, 1, 2]
    assert chunks[2].lines == [7] and chunks[2].records[0].id == "p6"


@pytest.mark.parametrize("chunk_size", [0, -1, 1.5, True])
def test_bad_chunk_size(tmp_path, chunk_size):
    path = write_records(tmp_path / "p.jsonl", jobseekers())
    with pytest.raises(InputError, match=r"chunk_size: expected a positive integer"):
        read_jobseekers(path, chunk_size=chunk_size)


def test_no_such_file(tmp_path):
    with pytest.raises(InputError, match=r"missing\.csv: no such file"):
        read_jobseekers(tmp_path / "missing.csv")


# --- JSONL problems ---------------------------------------------------------------------------------

BAD_JSONL_LINES = [
    ('{"id": "x1", "skills": [{"skill": "urn:a"}', None, None, r"not valid JSON: Expecting .* at column \d+"),
    ('[1, 2]', None, None, r"expected a JSON object, found an array"),
    ('"j9"', None, None, r"expected a JSON object, found a string"),
    ('{"id": "x1", "hours_max": "veel"}', "x1", "hours_max", r"valid number"),
    ('{"id": "x1", "skills": "urn:a"}', "x1", "skills", r"tuple|sequence"),
    ('{"id": "x1", "skills": [{"skill": "urn:a", "proficiency": 7}]}', "x1", "skills[0].proficiency",
     r"less than or equal to 5"),
    ('{"id": "x1", "leeftijd": 40}', "x1", "leeftijd", r"unknown field 'leeftijd'"),
    ('{"id": "x1", "regoin": "rijnmond"}', "x1", "regoin", r"unknown field 'regoin' \(did you mean 'region'\?\)"),
    ('{"id": "x1", "max_travel_km": NaN}', "x1", "max_travel_km", r"expected a finite number"),
    ('{"id": "x1", "location": {"lat": Infinity, "lon": 4}}', "x1", "location.lat", r"expected a finite number"),
    ('{"id": "x1", "budget_eur": 1e999}', "x1", "budget_eur", r"expected a finite number"),
    ('{"id": "x1", "hours_min": 30, "hours_max": 20}', "x1", None, r"hours_min \(30.0\) is more than hours_max"),
    ('{"skills": []}', None, "id", r"required field is missing"),
    ('{"id": "  "}', None, "id", r"at least 1 character"),
]


@pytest.mark.parametrize("line, record, field, message", BAD_JSONL_LINES)
def test_bad_jsonl_line_is_reported_and_skipped(tmp_path, line, record, field, message):
    path = write_text(tmp_path / "people.jsonl", f'{{"id": "ok1"}}\n{line}\n{{"id": "ok2"}}\n')
    reader = read_jobseekers(path)
    got, problems = read(reader)
    assert [r.id for _, r in got] == ["ok1", "ok2"] and [line for line, _ in got] == [1, 3]
    problem = only_problem(problems)
    assert problem.where == str(path) and problem.line == 2
    assert problem.record == record and problem.field == field
    assert problem.value is not None or field in ("id", None)
    assert re.search(message, problem.message), problem.message
    assert reader.report.records == 2 and reader.report.rejected == 1 and reader.report.n_errors == 1


def test_jsonl_duplicate_id_names_the_first_line(tmp_path):
    path = write_text(tmp_path / "p.jsonl", '{"id": "a"}\n\n{"id": "b"}\n{"id": "a", "region": "x"}\n')
    got, problems = read(read_jobseekers(path))
    assert [r.id for _, r in got] == ["a", "b"]
    problem = only_problem(problems)
    assert (problem.line, problem.record, problem.field, problem.value) == (4, "a", "id", "a")
    assert "duplicate id 'a': first seen on line 1" in str(problem)


def test_duplicates_are_found_across_chunks(tmp_path):
    path = write_text(tmp_path / "p.jsonl", "".join(f'{{"id": "p{i % 5}"}}\n' for i in range(7)))
    got, problems = read(read_jobseekers(path, chunk_size=2))
    assert len(got) == 5 and [p.line for p in problems] == [6, 7]


def test_latin1_line_names_file_and_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes('{"id": "a"}\n{"id": "b", "region": "Súdwest-Fryslân"}\n{"id": "c"}\n'.encode("latin-1"))
    got, problems = read(read_jobseekers(path))
    assert [r.id for _, r in got] == ["a", "c"]
    problem = only_problem(problems)
    assert problem.line == 2 and problem.value is None  # the line is not repeated: it may hold personal data
    assert "not valid UTF-8 (byte 0xfa at column 25)" in problem.message and "Latin-1" in problem.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
@pytest.mark.parametrize("ext", ["jsonl", "csv"])
def test_utf16_file_is_refused_with_a_clear_message(tmp_path, encoding, ext):
    text = '{"id": "a"}\n' if ext == "jsonl" else "id,region\na,rijnmond\n"
    path = write_text(tmp_path / f"p.{ext}", text, encoding)
    with pytest.raises(InputError, match=r"p\.\w+ line 1: the file is UTF-16 .* save it as UTF-8"):
        list(read_jobseekers(path))


@pytest.mark.parametrize("content", ["", "\n\n", "id,skills\n"])
def test_empty_file_is_a_warning(tmp_path, content):
    path = write_text(tmp_path / ("p.csv" if content.startswith("id") else "p.jsonl"), content)
    reader = read_jobseekers(path)
    got, problems = read(reader)
    assert got == []
    problem = only_problem(problems, "warning")
    assert problem.message == "the file holds no records" and problem.where == str(path)
    assert reader.report.n_warnings == 1 and reader.report.n_errors == 0


@pytest.mark.parametrize("name, text", [
    ("p.csv", f"id,skills,region\r\na,{A}:4,rijnmond\r\nb,,\r\n"),
    ("p.jsonl", f'{{"id": "a", "skills": [{{"skill": "{A}", "proficiency": 4}}], "region": "rijnmond"}}\r\n'
                f'{{"id": "b"}}\r\n'),
])
def test_windows_line_ends(tmp_path, name, text):
    got, problems = read(read_jobseekers(write_text(tmp_path / name, text)))
    assert problems == [] and [r.id for _, r in got] == ["a", "b"] and got[0][1].region == "rijnmond"
    assert got[0][1].skills == (SkillClaim(skill=A, proficiency=4),)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes("\ufeffid,region\na,rijnmond\n".encode("utf-8"))
    got, problems = read(read_jobseekers(path))
    assert problems == [] and got[0][1].region == "rijnmond"


# --- CSV problems ------------------------------------------------------------------------------------


def csv_problem(tmp_path, body: str, header: str = "id,skills,region,lat,lon,hours_max", reader=read_jobseekers):
    path = write_text(tmp_path / "p.csv", f"{header}\nok1,{A}:3,,,,\n{body}\nok2,,,,,\n")
    got, problems = read(reader(path))
    return path, got, problems


@pytest.mark.parametrize("body, field, value, message", [
    (f"x1,{A}:3,rijnmond,,,40,extra", None, None, r"7 fields where the header has 6"),
    (f"x1,{A}:3", None, None, r"2 fields where the header has 6"),
    ("x1,,,52.1,,", "lon", None, r"a location needs both lat and lon; lon is empty"),
    ("x1,,,52.1,abc,", "lon", None, r"^expected a number$"),  # a place is personal: its value is not repeated
    ("x1,,,,,nan", "hours_max", "nan", r"expected a finite number, found 'nan'"),
    ("x1,,,,,-inf", "hours_max", "-inf", r"expected a finite number"),
    ("x1,,,,,90", "hours_max", "90", r"less than or equal to 80"),
    ("x1,,,95,4,", "lat", None, r"less than or equal to 90"),
    (f"x1,{A}:3;{B}:8,,,,", "skills", f"{B}:8", r"item 2, proficiency: .*less than or equal to 5"),
    (f"x1,{A}:gevorderd,,,,", None, None, None),  # 'gevorderd' is not a qualifier: the skill id keeps it
])
def test_bad_csv_row_is_reported_and_skipped(tmp_path, body, field, value, message):
    path, got, problems = csv_problem(tmp_path, body)
    if message is None:
        assert problems == [] and got[1][1].skills[0].skill == f"{A}:gevorderd"
        return
    assert [r.id for _, r in got] == ["ok1", "ok2"]
    problem = only_problem(problems)
    assert (problem.where, problem.line, problem.record, problem.field) == (str(path), 3, "x1", field)
    assert problem.value == value
    assert re.search(message, problem.message), problem.message


def test_stray_quote_that_swallows_lines_is_reported_with_both_lines(tmp_path):
    body = f'x1,"{A}:3,rijnmond,,,\nx2,{A},,,,\nx3,"{A}",,,,'
    _, got, problems = csv_problem(tmp_path, body)
    problem = only_problem(problems)
    assert problem.line == 3 and problem.record == "x1" and problem.field == "skills"
    assert "runs from line 3 to line 5: a stray quote" in problem.message
    assert [r.id for _, r in got] == ["ok1", "ok2"]


def test_unterminated_quote_at_the_end(tmp_path):
    path = write_text(tmp_path / "p.csv", f'id,skills\nok,{A}\nx1,"{A}:3\nx2,{A}\n')
    got, problems = read(read_jobseekers(path))
    assert [r.id for _, r in got] == ["ok"]
    assert only_problem(problems).line == 3 and "runs from line 3 to line 4" in problems[0].message


def test_csv_latin1_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes("id,region\na,rijnmond\nb,Fryslân\nc,\n".encode("cp1252"))
    got, problems = read(read_jobseekers(path))
    assert [r.id for _, r in got] == ["a", "c"]
    problem = only_problem(problems)
    assert (problem.line, problem.record) == (3, "b") and "not valid UTF-8" in problem.message


@pytest.mark.parametrize("header, message", [
    ("id,skills,leeftijd", r"line 1 field 'leeftijd': unknown column 'leeftijd'; expected columns among .* \(or "
                           r"name it 'attributes.leeftijd' to keep it with the record\)"),
    ("id,skils", r"unknown column 'skils' \(did you mean 'skills'\?\)"),
    ("skills,region", r"missing required column\(s\) \['id'\]"),
    ("id,region,region", r"column 'region' appears twice"),
    (",,", r"the header row is empty"),
])
def test_bad_csv_header_stops_the_file(tmp_path, header, message):
    path = write_text(tmp_path / "p.csv", f"{header}\na,b,c\n")
    with pytest.raises(InputError, match=message) as info:
        list(read_jobseekers(path))
    assert all(p.line == 1 and p.where == str(path) for p in info.value.problems)


def test_semicolon_csv_with_decimal_comma(tmp_path):
    path = write_text(tmp_path / "p.csv", f'id;skills;lat;lon;max_travel_km\na;"{A}:4;{B}:2";51,92;4,48;12,5\n')
    got, problems = read(read_jobseekers(path))
    assert problems == []
    person = got[0][1]
    assert person.location == GeoPoint(lat=51.92, lon=4.48) and person.max_travel_km == 12.5
    assert [s.skill for s in person.skills] == [A, B]


def test_csv_attributes_as_columns_and_pairs(tmp_path):
    path = write_text(tmp_path / "p.csv", "id,attributes,attributes.age\na,gender=x|note=y,41\nb,bad,\n")
    got, problems = read(read_jobseekers(path))
    assert got[0][1].attributes == {"gender": "x", "note": "y", "age": "41"}
    problem = only_problem(problems)
    assert problem.field == "attributes" and "expected key=value pairs" in problem.message


def test_csv_vacancy_requirements_and_defaults(tmp_path):
    path = write_text(tmp_path / "v.csv", f"id,requirements,positions,offers\nv1,{A}:essential:4;{B},2,jobcoach|"
                                          f"banenafspraak\nv2,,,\nv3,{A},0,\n")
    got, problems = read(read_vacancies(path))
    v1 = got[0][1]
    assert v1.requirements == (Requirement(skill=A, importance="essential", level=4), Requirement(skill=B))
    assert v1.positions == 2 and v1.offers == ("jobcoach", "banenafspraak")
    assert [(p.line, p.record, p.field) for p in problems] == [(3, "v2", None), (4, "v3", "positions")]
    assert "needs requirements or an occupation" in problems[0].message


# --- strict mode and the errors sink -------------------------------------------------------------------


def test_strict_stops_at_the_first_chunk_with_an_error(tmp_path):
    lines = [f'{{"id": "p{i}"}}' for i in range(10)]
    lines[6] = '{"id": "p6", "hours_max": 99}'
    lines[8] = "not json"
    path = write_text(tmp_path / "p.jsonl", "\n".join(lines) + "\n")
    reader = read_jobseekers(path, chunk_size=3, strict=True)
    seen = []
    with pytest.raises(InputError, match=r"p\.jsonl: 2 problem\(s\) in the input \(strict mode.*\n.*line 7 "
                                         r"record 'p6' field 'hours_max'.*\n.*line 9: not valid JSON") as info:
        for chunk in reader:
            seen.append(len(chunk))
    # the third chunk (p6 ... p9) had both errors: it is not yielded
    assert seen == [3, 3] and [p.line for p in info.value.problems] == [7, 9]
    # without strict the run goes on and counts both
    reader = read_jobseekers(path, chunk_size=3)
    assert sum(len(c) for c in reader) == 8 and reader.report.rejected == 2


def test_strict_raises_for_an_error_after_the_last_full_chunk(tmp_path):
    path = write_text(tmp_path / "p.jsonl", '{"id": "a"}\n{"id": "b"}\n[]\n')
    with pytest.raises(InputError, match=r"line 3: expected a JSON object"):
        list(read_jobseekers(path, chunk_size=2, strict=True))


def test_strict_ignores_warnings(tmp_path):
    path = write_text(tmp_path / "p.jsonl", "")
    assert list(read_jobseekers(path, strict=True)) == []


def test_errors_go_to_an_errors_file(tmp_path):
    path = write_text(tmp_path / "p.csv", "id,hours_max,lat,lon\na,nan,,\nb,10,,\nb,12,,\n")
    with ErrorWriter(tmp_path / "errors.jsonl") as errors:
        reader = read_jobseekers(path, errors=errors, keep_problems=1)
        assert len(reader.read_all()) == 1
    assert errors.count == 2 and reader.report.n_errors == 2 and len(reader.report.problems) == 1
    rows = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0] == {"file": str(path), "line": 2, "record": "a", "field": "hours_max", "value": "nan",
                       "reason": "expected a finite number, found 'nan'", "severity": "error"}
    assert rows[1]["line"] == 4 and rows[1]["reason"] == "duplicate id 'b': first seen on line 3"
    assert reader.report.summary() == f"{path}: 1 records read, 2 rejected (2 error(s), 0 warning(s))"


def test_error_writer_keeps_json_valid(tmp_path):
    with ErrorWriter(tmp_path / "e.jsonl") as errors:
        errors(Problem("bad", where="f", value=float("nan")))
        errors(Problem("bad", where="f", value=b"\xff"))
    rows = [json.loads(x) for x in (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["value"] == "nan" and rows[1]["value"] == "b'\\xff'"


# --- Parquet ---------------------------------------------------------------------------------------------


def test_parquet_typed_and_nested_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "id": ["a", "b", "c", "d"],
        "skills": [[{"skill": A, "proficiency": 4}], [], None, [{"skill": A, "proficiency": 9}]],
        "location": [{"lat": 52.0, "lon": 4.0}, None, None, None],
        "hours_max": [32.0, None, float("nan"), 40.0],
        "tags": [["jongere"], [], None, None],
    })
    pq.write_table(table, tmp_path / "p.parquet")
    got, problems = read(read_jobseekers(tmp_path / "p.parquet"))
    assert [r.id for _, r in got] == ["a", "b"]
    assert got[0][1].skills == (SkillClaim(skill=A, proficiency=4),) and got[0][1].location == GeoPoint(lat=52, lon=4)
    assert [(p.line, p.record, p.field) for p in problems] == [(3, "c", "hours_max"), (4, "d", "skills")]


def test_parquet_unknown_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["a"], "naam": ["x"]}), tmp_path / "p.parquet")
    with pytest.raises(InputError, match=r"unknown column 'naam'"):
        list(read_jobseekers(tmp_path / "p.parquet"))


def test_damaged_parquet(tmp_path):
    path = write_text(tmp_path / "p.parquet", "not parquet at all")
    with pytest.raises(InputError, match=r"p\.parquet: cannot be read as Parquet"):
        list(read_jobseekers(path))


def test_parquet_without_pyarrow_says_how_to_install(tmp_path, monkeypatch):
    write_records(tmp_path / "p.jsonl", jobseekers())
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    hint = r'needs pyarrow: pip install "skillmatch\[parquet\]"'
    with pytest.raises(InputError, match=hint):
        write_records(tmp_path / "p.parquet", jobseekers())
    with pytest.raises(InputError, match=hint):
        ResultWriter(tmp_path / "r.parquet")
    (tmp_path / "q.parquet").write_bytes(b"")
    with pytest.raises(InputError, match=hint):
        list(read_jobseekers(tmp_path / "q.parquet"))


# --- with a taxonomy: ids checked, labels resolved ---------------------------------------------------------


@pytest.fixture(scope="module")
def label_index(shipped):
    from skillmatch.labels import LabelIndex

    return LabelIndex(shipped)


def test_unknown_skill_uri_gets_the_closest_id(tmp_path, shipped):
    known = shipped.concepts.ids[5]
    path = write_text(tmp_path / "p.csv", f"id,skills\na,{known}:3\nb,{known}X:3\n")
    got, problems = read(read_jobseekers(path, taxonomy=shipped))
    assert [r.id for _, r in got] == ["a"]
    problem = only_problem(problems)
    assert (problem.line, problem.record, problem.field, problem.value) == (3, "b", "skills[0].skill", known + "X")
    assert f"skill {known + 'X'!r} is not in the taxonomy (closest: {known!r}" in problem.message


def test_hints_are_capped(tmp_path, shipped):
    known = shipped.concepts.ids[5]
    rows = "".join(f"p{i},{known}-{i}\n" for i in range(5))
    path = write_text(tmp_path / "p.csv", "id,skills\n" + rows)
    _, problems = read(read_jobseekers(path, taxonomy=shipped, hints=2))
    assert len(problems) == 5
    assert ["closest" in p.message for p in problems] == [True, True, False, False, False]


def test_labels_are_resolved_and_reported(tmp_path, shipped, label_index):
    rows = ("id,skills,occupation,region\n"
            "a,verzorgen:4;heftruck rijden,verzorgende IG,rijnmond\n"
            "b,qqqzzzxxx:3,,\n"
            "c,heftruck rijden:2,,Rotterdam\n")
    path = write_text(tmp_path / "p.csv", rows)
    reader = read_jobseekers(path, taxonomy=shipped, labels=label_index)
    got, problems = read(reader)
    expected = {text: label_index.resolve(text, kind="skill").best.id for text in ("verzorgen", "heftruck rijden")}
    person = got[0][1]
    assert [s.skill for s in person.skills] == [expected["verzorgen"], expected["heftruck rijden"]]
    assert [s.proficiency for s in person.skills] == [4, 3]
    assert person.occupation == label_index.resolve("verzorgende IG", kind="occupation").best.id
    assert [r.id for _, r in got] == ["a", "c"]
    unresolved = only_problem(problems)
    assert (unresolved.line, unresolved.record, unresolved.field, unresolved.value) == (3, "b", "skills[0].skill",
                                                                                       "qqqzzzxxx")
    assert "skill label 'qqqzzzxxx' does not match a skill of the taxonomy" in unresolved.message
    region = [p for p in problems if p.field == "region"]
    assert len(region) == 1 and region[0].severity == "warning" and region[0].line == 4
    labels = reader.report.labels
    assert labels[("skill", "heftruck rijden")].count == 2 and labels[("skill", "heftruck rijden")].first_line == 2
    assert labels[("skill", "qqqzzzxxx")].status == "unresolved"


def test_json_skills_by_label_and_ambiguity(tmp_path, shipped, label_index):
    texts = ["verzorgen", "communiceren", "plannen", "samenwerken", "rekenen", "onderhoud"]
    lines = [json.dumps({"id": f"p{i}", "skills": [{"skill": t}]}) for i, t in enumerate(texts)]
    path = write_text(tmp_path / "p.jsonl", "\n".join(lines) + "\n")
    reader = read_jobseekers(path, taxonomy=shipped, labels=label_index, min_label_score=0)
    got, problems = read(reader)
    assert len(got) == len(texts) and all(looks_resolved(r, shipped) for _, r in got)
    ambiguous = [o.text for o in reader.report.labels.values() if o.status == "ambiguous"]
    assert ambiguous, "the example should hold an ambiguous label (see LabelIndex.resolve)"
    for text in ambiguous:
        warning = [p for p in problems if p.value == text]
        assert len(warning) == 1 and warning[0].severity == "warning" and "is ambiguous" in warning[0].message
    assert all(p.severity == "warning" for p in problems)
    # rejecting ambiguous labels makes those records bad records instead
    strict_labels = read_jobseekers(path, taxonomy=shipped, labels=label_index, min_label_score=0,
                                    ambiguous="reject")
    got, problems = read(strict_labels)
    assert len(got) == len(texts) - len(ambiguous)
    assert sorted(p.value for p in problems) == sorted(ambiguous)
    assert all(p.severity == "error" and "write the id or a more precise label" in p.message for p in problems)
    with pytest.raises(InputError, match=r"ambiguous: expected 'warn' or 'reject', got 'maybe'"):
        read_jobseekers(path, ambiguous="maybe")


def looks_resolved(person: Jobseeker, taxonomy) -> bool:
    return all(s.skill in taxonomy.concepts.index for s in person.skills)


def test_without_a_taxonomy_values_are_ids(tmp_path):
    path = write_text(tmp_path / "p.csv", "id,skills\na,verzorgen:4\n")
    got, problems = read(read_jobseekers(path))
    assert problems == [] and got[0][1].skills[0].skill == "verzorgen"


def test_vacancy_unknown_occupation(tmp_path, shipped):
    path = write_text(tmp_path / "v.jsonl", json.dumps({"id": "v1", "occupation": "urn:nope:occupation"}) + "\n")
    _, problems = read(read_vacancies(path, taxonomy=shipped))
    problem = only_problem(problems)
    assert problem.field == "occupation" and "occupation 'urn:nope:occupation' is not in the taxonomy" in str(problem)


# --- result writers -------------------------------------------------------------------------------------------

INDICES = np.array([[2, 0, -1], [1, -1, -1], [-1, -1, -1], [0, 1, 2]], np.int32)
SCORES = np.array([[0.9, 0.5, -np.inf], [1 / 3, -np.inf, -np.inf], [-np.inf] * 3, [0.25, 0.25, 1e-7]], np.float32)
QUERIES = ["q1", "q,2", "q3", "q4"]
CANDIDATES = ["c0", "c1", 'c"2']


def explain(row: int, rank: int) -> dict:
    return {"row": row, "rank": rank, "tekst": "één"}


@pytest.mark.parametrize("ext", FORMATS)
def test_results_round_trip(tmp_path, ext):
    path = write_results(tmp_path / f"r.{ext}", INDICES, SCORES, QUERIES, CANDIDATES)
    records = [r for chunk in read_results(path) for r in chunk.records]
    assert [(r.query, r.rank, r.candidate) for r in records][:3] == [("q1", 1, 'c"2'), ("q1", 2, "c0"),
                                                                       ("q,2", 1, "c1")]
    assert len(records) == 6 and all(r.explanation is None for r in records)
    topk = read_topk(path, candidate_ids=CANDIDATES, k=3)
    assert topk.query_ids == ["q1", "q,2", "q4"]  # a query without candidates has no rows
    keep = [0, 1, 3]
    assert np.array_equal(topk.indices, INDICES[keep]) and topk.indices.dtype == np.int32
    assert np.array_equal(topk.scores, SCORES[keep]) and topk.scores.dtype == np.float32  # exact float32


def write_in_chunks(path: Path, bounds, atomic: bool) -> Path:
    with ResultWriter(path, explanations=True, atomic=atomic) as writer:
        for a, b in bounds:
            writer.write(INDICES[a:b], SCORES[a:b], QUERIES[a:b], CANDIDATES,
                         explain=lambda r, k, a=a: explain(r + a, k))
    assert writer.rows == int((INDICES[bounds[0][0]:bounds[-1][1]] >= 0).sum()) and writer.chunks == len(bounds)
    return path


@pytest.mark.parametrize("ext", FORMATS)
def test_result_output_is_deterministic_streamed_and_in_parts(tmp_path, ext):
    one = write_results(tmp_path / f"one.{ext}", INDICES, SCORES, QUERIES, CANDIDATES, explain=explain)
    again = write_results(tmp_path / f"again.{ext}", INDICES, SCORES, QUERIES, CANDIDATES, explain=explain)
    assert one.read_bytes() == again.read_bytes()
    bounds = ((0, 1), (1, 3), (3, 3), (3, 4))  # an empty chunk too
    streamed = write_in_chunks(tmp_path / f"streamed.{ext}", bounds, atomic=False)
    parts = write_in_chunks(tmp_path / f"parts.{ext}", bounds, atomic=True)
    assert streamed.read_bytes() == parts.read_bytes()  # the same chunks give the same bytes, parts or not
    if ext in ("csv", "jsonl"):  # plain text does not even depend on the chunking
        assert streamed.read_bytes() == one.read_bytes()
    else:  # a gzip member / Parquet row group per chunk: one chunk gives the one-go file
        assert write_in_chunks(tmp_path / f"single.{ext}", ((0, 4),), atomic=True).read_bytes() == one.read_bytes()
    assert not any(p.name.endswith((".tmp", ".parts")) for p in tmp_path.iterdir())


def test_csv_and_jsonl_text(tmp_path):
    csv_path = write_results(tmp_path / "r.csv", INDICES, SCORES, QUERIES, CANDIDATES, explain=explain)
    lines = csv_path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "query,rank,candidate,score,explanation"
    assert lines[1] == 'q1,1,"c""2",0.9,"{""rank"":0,""row"":0,""tekst"":""één""}"'
    assert lines[3].startswith('"q,2",1,c1,0.33333334,')
    assert lines[5].startswith("q4,2,c1,0.25,") and lines[6].startswith('q4,3,"c""2",1e-07,')
    jsonl = write_results(tmp_path / "r.jsonl", INDICES, SCORES, QUERIES, CANDIDATES, explain=explain)
    first = jsonl.read_text(encoding="utf-8").split("\n")[0]
    assert first == ('{"candidate":"c\\"2","explanation":{"rank":0,"row":0,"tekst":"één"},"query":"q1",'
                     '"rank":1,"score":0.9}')
    fixed = write_results(tmp_path / "f.csv", INDICES, SCORES, QUERIES, CANDIDATES, decimals=3)
    assert fixed.read_text(encoding="utf-8").split("\n")[1] == 'q1,1,"c""2",0.900'


def test_text_explanations_and_read_back(tmp_path):
    for ext in ("csv", "jsonl", "parquet"):
        path = write_results(tmp_path / f"r.{ext}", INDICES[:1], SCORES[:1], QUERIES[:1], CANDIDATES,
                             explain=lambda r, k: f"regel 1\nregel {k}")
        records = [r for chunk in read_results(path) for r in chunk.records]
        assert [r.explanation for r in records] == ["regel 1\nregel 0", "regel 1\nregel 1"]


def test_score_values_are_shortest_and_exact():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.random(5000).astype(np.float32),
                             np.array([0.9, 1, 0, 1e-30, 3e38, 123.456, -2.5e-7], np.float32)])
    written = score_values(values)
    assert np.array_equal(np.asarray(written, np.float32), values)
    assert [repr(v) for v in written[-7:]] == ["0.9", "1.0", "0.0", "1e-30", "3e+38", "123.456", "-2.5e-07"]
    assert all(repr(v) == str(x) or float(str(x)) == v for v, x in zip(written[:200], values[:200]))


@pytest.mark.parametrize("indices, scores, queries, message", [
    (INDICES[:, :2], SCORES, QUERIES, r"expected two arrays of the same shape \(n, k\), got \(4, 2\) and \(4, 3\)"),
    (INDICES, SCORES, QUERIES[:3], r"query_ids: expected 4 ids \(one per row of indices\), got 3"),
    (INDICES + 1, SCORES, QUERIES, r"indices: expected values below 3 \(the number of candidate_ids\), found 3"),
    (np.array([[-1, 0]]), np.array([[-np.inf, 0.5]]), ["q"], r"indices row 0: padding \(-1\) must come after"),
    (np.array([[0]]), np.array([[np.nan]]), ["q"], r"scores\[0, 0\]: expected a finite score for candidate 0"),
    (np.array([[0.0]]), np.array([[0.5]]), ["q"], r"indices: expected integers"),
    (np.array([[-3]]), np.array([[0.5]]), ["q"], r"indices: expected -1 for padding, found -3"),
])
def test_result_writer_checks_its_arrays(tmp_path, indices, scores, queries, message):
    for ext in ("csv", "parquet"):
        with pytest.raises(InputError, match=message):
            write_results(tmp_path / f"r.{ext}", indices, scores, queries, CANDIDATES)
        assert not (tmp_path / f"r.{ext}").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing half-written left behind


def test_writer_arguments(tmp_path):
    with pytest.raises(InputError, match=r"decimals: expected an integer from 0 to 17 or None, got 2.5"):
        ResultWriter(tmp_path / "r.csv", decimals=2.5)
    writer = ResultWriter(tmp_path / "r.csv")
    writer.close()
    assert (tmp_path / "r.csv").read_text() == "query,rank,candidate,score\n"
    with pytest.raises(InputError, match=r"the writer is closed"):
        writer.write(INDICES, SCORES, QUERIES, CANDIDATES)


def test_empty_parquet_result_is_valid(tmp_path):
    import pyarrow.parquet as pq

    with ResultWriter(tmp_path / "r.parquet", explanations=True):
        pass
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.num_rows == 0 and table.column_names == list(RESULT_COLUMNS)


def test_parts_written_atomically_and_kept_after_a_crash(tmp_path):
    out = tmp_path / "out" / "matches.csv.gz"
    assert part_path(out, 3) == tmp_path / "out" / "matches.csv.gz.parts" / "part-000003.csv.gz"
    with pytest.raises(RuntimeError, match="killed"), ResultWriter(out, atomic=True) as writer:
        writer.write(INDICES[:2], SCORES[:2], QUERIES[:2], CANDIDATES)
        raise RuntimeError("killed")
    assert not out.exists()
    parts = sorted((tmp_path / "out" / "matches.csv.gz.parts").iterdir())
    assert [p.name for p in parts] == ["part-000000.csv.gz"]  # the finished chunk stays for a resume
    # resume: write the remaining chunk and join; the result equals an uninterrupted run
    parts.append(write_part(part_path(out, 1), INDICES[2:], SCORES[2:], QUERIES[2:], CANDIDATES))
    concatenate_parts(parts, out, remove=True)
    with ResultWriter(tmp_path / "ref.csv.gz") as reference:  # uninterrupted, in the same chunks
        reference.write(INDICES[:2], SCORES[:2], QUERIES[:2], CANDIDATES)
        reference.write(INDICES[2:], SCORES[2:], QUERIES[2:], CANDIDATES)
    assert out.read_bytes() == (tmp_path / "ref.csv.gz").read_bytes()
    assert not (tmp_path / "out" / "matches.csv.gz.parts").exists()


def test_a_failed_stream_publishes_nothing(tmp_path):
    with pytest.raises(RuntimeError), ResultWriter(tmp_path / "r.jsonl") as writer:
        writer.write(INDICES, SCORES, QUERIES, CANDIDATES)
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_concatenate_refuses_mixed_formats(tmp_path):
    part = write_part(tmp_path / "p.jsonl", INDICES, SCORES, QUERIES, CANDIDATES)
    with pytest.raises(InputError, match=r"part .*p\.jsonl: expected the format of out\.csv \(csv\)"):
        concatenate_parts([part], tmp_path / "out.csv")


# --- result reader problems ---------------------------------------------------------------------------------


@pytest.mark.parametrize("row, field, message", [
    ("q1,0,c1,0.5", "rank", r"expected a rank counted from 1"),
    ("q1,x,c1,0.5", "rank", r"expected a rank counted from 1"),
    ("q1,2,c1,nan", "score", r"expected a finite number"),
    ("q1,2,c1,", "score", r"expected a finite number"),
    ("q1,2,,0.5", "candidate", r"candidate is empty"),
    ("q1,1,c2,0.4", "rank", r"rank 1 of query 'q1' appears twice"),
])
def test_bad_result_rows(tmp_path, row, field, message):
    path = write_text(tmp_path / "r.csv", f"query,rank,candidate,score\nq1,1,c1,0.9\n{row}\nq2,1,c1,0.1\n")
    reader = read_results(path)
    records = [r for chunk in reader for r in chunk.records]
    assert [r.query for r in records] == ["q1", "q2"]
    problem = only_problem(reader.report.problems)
    assert (problem.line, problem.field) == (3, field)
    assert re.search(message, problem.message)
    with pytest.raises(InputError, match=message):
        list(read_results(path, strict=True))


def test_result_file_missing_a_column(tmp_path):
    path = write_text(tmp_path / "r.csv", "query,rank,candidate\nq1,1,c1\n")
    with pytest.raises(InputError, match=r"missing required column\(s\) \['score'\]"):
        list(read_results(path))


def test_read_topk_with_unknown_candidate(tmp_path):
    path = write_text(tmp_path / "r.jsonl", '{"query":"q","rank":1,"candidate":"c9","score":0.5}\n'
                                            '{"query":"q","rank":2,"candidate":"c1","score":0.4}\n')
    errors: list[Problem] = []
    topk = read_topk(path, candidate_ids=["c0", "c1"], errors=errors.append)
    assert topk.indices.tolist() == [[1, -1]] and topk.scores[0, 0] == np.float32(0.4)
    assert len(errors) == 1 and errors[0].line == 1 and "candidate 'c9' is not among the candidates given" \
        in errors[0].message
    assert "(closest: 'c0')" in errors[0].message  # a tie between c0 and c1: the first
    free = read_topk(path)
    assert free.candidate_ids == ["c9", "c1"] and free.indices.tolist() == [[0, 1]]
    assert read_topk(path, k=1).indices.tolist() == [[0]]
    with pytest.raises(InputError, match=r"k: expected a non-negative integer or None, got -1"):
        read_topk(path, k=-1)
    with pytest.raises(InputError, match=r"line 1 record 'q' field 'candidate': candidate 'c9' is not among"):
        read_topk(path, candidate_ids=["c1"], strict=True)


# --- the package ------------------------------------------------------------------------------------------------


def test_batch_import_is_cheap_and_exports_lazily():
    import subprocess

    code = ("import sys, skillmatch.batch as b; before = set(sys.modules); "
            "from skillmatch.batch import read_jobseekers, ResultWriter, optimal_assignment; "
            "import skillmatch.batch.readers, skillmatch.batch.writers, skillmatch.batch.allocate; "
            "heavy = [m for m in ('pyarrow', 'scipy.optimize', 'sklearn', 'numba', 'skillmatch.match') "
            "if m in sys.modules]; print(heavy, 'skillmatch.batch.readers' in before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] False"


def test_batch_exports_resolve():
    from skillmatch import batch

    for name in batch.__all__:
        assert getattr(batch, name) is not None
    with pytest.raises(AttributeError, match=r"module 'skillmatch.batch' has no attribute 'nope'"):
        batch.nope  # noqa: B018
