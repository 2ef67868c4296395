"""Batch runs from files (``skillmatch.batch.run``): chunks, manifest, resume, progress, errors.

The kill-and-resume test runs the real command line in a subprocess and kills it with
SIGKILL after its first part file is on disk.
"""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from skillmatch import Matcher
from skillmatch.batch import read_jobseekers, read_results, read_vacancies
from skillmatch.batch.manifest import Manifest, manifest_path
from skillmatch.batch.progress import LogLines, Progress, ProgressBar, progress_display
from skillmatch.batch.run import concat_batches, estimate_records, run_match, vectorise_chunk
from skillmatch.caseload import write_caseload
from skillmatch.problems import InputError
from skillmatch.vectorize import people


@pytest.fixture(scope="module")
def caseload(tmp_path_factory, shipped):
    folder = tmp_path_factory.mktemp("caseload")
    files = write_caseload(shipped, "twente", folder, n_jobseekers=450, n_vacancies=220, seed=7)
    return files


@pytest.fixture(scope="module")
def reference(caseload, tmp_path_factory, shipped):
    """An uninterrupted single-chunk run: the bytes every other run must reproduce."""
    out = tmp_path_factory.mktemp("reference") / "matches.csv"
    run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, n_threads=1)
    return out.read_bytes()


def _records(path, kind):
    return (read_jobseekers if kind == "jobseekers" else read_vacancies)(path).read_all()


# --- results ------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["jobseekers", "vacancies"])
def test_results_are_the_matchers(caseload, shipped, tmp_path, direction):
    jobseekers, vacancies = _records(caseload.jobseekers, "jobseekers"), _records(caseload.vacancies, "vacancies")
    queries, candidates = (jobseekers, vacancies) if direction == "jobseekers" else (vacancies, jobseekers)
    expected = Matcher(shipped).fit(candidates).match(queries, k=5)
    out = tmp_path / "m.jsonl"
    summary = run_match(caseload.jobseekers, caseload.vacancies, out, direction=direction, k=5, taxonomy=shipped,
                        chunk_size=64)
    rows = [r for chunk in read_results(out) for r in chunk.records]
    assert [(r.query, r.rank, r.candidate) for r in rows] == [
        (e["query"], e["rank"], e["candidate"]) for e in expected.to_records()]
    assert np.array_equal(np.array([r.score for r in rows], np.float32),
                          np.array([e["score"] for e in expected.to_records()], np.float32))
    assert summary.rows == len(rows) and summary.n_queries == len(queries) and summary.n_candidates == len(candidates)
    assert summary.chunks == -(-len(queries) // 64) and summary.resumed == 0 and summary.problems == 0
    assert not (tmp_path / "m.jsonl.parts").exists()
    assert Manifest.load(manifest_path(out)).status == "complete"


def test_same_bytes_for_any_chunking_and_thread_count(caseload, shipped, tmp_path, reference):
    out = tmp_path / "m.csv"
    run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=37, n_threads=2)
    assert out.read_bytes() == reference


@pytest.mark.parametrize("name", ["m.parquet", "m.csv.gz", "m.jsonl.gz"])
def test_other_output_formats(caseload, shipped, tmp_path, name):
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow", reason='Parquet needs pyarrow: pip install "skillmatch[parquet]"')
    out = tmp_path / name
    summary = run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, k=3, chunk_size=200)
    rows = [r for chunk in read_results(out) for r in chunk.records]
    assert len(rows) == summary.rows > 0 and {r.rank for r in rows} == {1, 2, 3}


@pytest.mark.parametrize("mode", ["text", "json"])
def test_explanations(caseload, shipped, tmp_path, mode):
    out = tmp_path / "m.jsonl"
    run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, k=2, chunk_size=300,
              explanations=mode, lang="en")
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    if mode == "text":
        assert isinstance(first["explanation"], str) and "score" in first["explanation"]
    else:
        assert first["explanation"]["candidate"] == first["candidate"] and first["explanation"]["lang"] == "en"


def test_index_from_chunks_equals_one_batch(caseload, shipped):
    jobseekers = _records(caseload.jobseekers, "jobseekers")
    whole = people(shipped, jobseekers)
    parts = concat_batches([people(shipped, jobseekers[i:i + 100]) for i in range(0, len(jobseekers), 100)])
    assert parts.ids == whole.ids and parts.labels == whole.labels
    for a, b in zip((*parts.held[:3], *parts.place), (*whole.held[:3], *whole.place)):
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


# --- bad records ----------------------------------------------------------------------------------


def _with_bad_lines(caseload, tmp_path):
    lines = caseload.jobseekers.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    bad = [
        "{not json",
        json.dumps({**first, "id": "X1", "hours_max": 90}),
        json.dumps({**first, "id": "X2", "skills": [{"skill": "urn:nope:1"}]}),
        json.dumps({**first, "id": "X3", "region": "atlantis"}),  # a warning to the reader, refused by vectorising
        lines[1],  # duplicate id
    ]
    path = tmp_path / "jobseekers.jsonl"
    path.write_text("\n".join(lines[:5] + bad + lines[5:]) + "\n", encoding="utf-8")
    return path, len(lines)


def test_bad_records_go_to_the_errors_file_and_are_counted(caseload, shipped, tmp_path):
    path, n = _with_bad_lines(caseload, tmp_path)
    errors = tmp_path / "errors.jsonl"
    summary = run_match(path, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, chunk_size=4,
                        errors_path=errors)
    problems = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    by_line = {p["line"]: p for p in problems if p["severity"] == "error"}
    assert sorted(by_line) == [6, 7, 8, 9, 10]
    assert "not valid JSON" in by_line[6]["reason"]
    assert by_line[7]["field"] == "hours_max" and by_line[7]["record"] == "X1"
    assert by_line[8]["field"] == "skills[0].skill" and "not in the taxonomy" in by_line[8]["reason"]
    assert by_line[9]["record"] == "X3" and "atlantis" in by_line[9]["reason"]
    assert "duplicate id" in by_line[10]["reason"]
    assert all(p["file"] == str(path) for p in problems)
    assert summary.queries.records == n and summary.queries.rejected == 5 and summary.problems == len(problems)
    assert "5 rejected" in "\n".join(summary.lines())


def test_strict_stops_at_the_first_bad_record(caseload, shipped, tmp_path):
    path, _ = _with_bad_lines(caseload, tmp_path)
    with pytest.raises(InputError, match=r"jobseekers.jsonl line 6: not valid JSON"):
        run_match(path, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, chunk_size=4, strict=True)


def test_no_valid_candidates(caseload, shipped, tmp_path):
    vacancies = tmp_path / "vacancies.jsonl"
    vacancies.write_text('{"id": "v1", "hours_max": 99}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"vacancies.jsonl: no valid vacancies to match against \(1 rejected"):
        run_match(caseload.jobseekers, vacancies, tmp_path / "m.csv", taxonomy=shipped)


def test_vectorising_leaves_out_only_the_records_it_refuses(shipped):
    jobseekers = _records_from([{"id": "a", "region": "twente"}, {"id": "b", "region": "atlantis"}])
    found = []
    batch, dropped = vectorise_chunk(shipped, "jobseekers", jobseekers, [3, 4], "j.jsonl", found.append)
    assert batch.ids == ("a",) and dropped == 1
    assert [(p.line, p.record, p.field) for p in found if p.severity == "error"] == [(4, "b", "region")]


def _records_from(dicts):
    from skillmatch import Jobseeker

    return [Jobseeker.model_validate(d) for d in dicts]


# --- options --------------------------------------------------------------------------------------


@pytest.mark.parametrize("options, message", [
    ({"k": 0}, r"run_match field 'k': expected an integer >= 1, got 0"),
    ({"direction": "people"}, r"field 'direction': expected one of 'jobseekers', 'vacancies'"),
    ({"explanations": "yes"}, r"field 'explanations': expected False, True, 'text' or 'json'"),
    ({"chunk_size": True}, r"field 'chunk_size': expected an integer >= 1, got True"),
    ({"dask": "banana"}, r"field 'dask': expected 'local', a scheduler address"),
    ({"progress": "yes"}, r"field 'progress': expected a callable"),
    ({"scoring": "jaccard"}, r"Matcher field 'scoring': expected one of .*got 'jaccard'"),
    ({"colour": "red"}, r"unknown option\(s\) \['colour'\]"),
    ({"taxonomy": 3}, r"taxonomy: expected a Taxonomy, a path or None"),
])
def test_bad_options(caseload, tmp_path, shipped, options, message):
    options = {"taxonomy": shipped, **options}
    with pytest.raises(InputError, match=message):
        run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "m.csv", **options)


def test_bad_paths(caseload, shipped, tmp_path):
    with pytest.raises(InputError, match=r"m.txt: cannot tell the format from the file name"):
        run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "m.txt", taxonomy=shipped)
    with pytest.raises(InputError, match=r"missing.jsonl: no such file"):
        run_match(tmp_path / "missing.jsonl", caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped)
    with pytest.raises(InputError, match=r"out: .* is the vacancies file"):
        run_match(caseload.jobseekers, caseload.vacancies, caseload.vacancies, taxonomy=shipped)
    with pytest.raises(InputError, match=r"errors_path: .* is an input or the output"):
        run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped,
                  errors_path=caseload.jobseekers)


# --- resume ---------------------------------------------------------------------------------------


class Stop(Exception):
    pass


def _stop_after(chunks):
    def progress(p: Progress) -> None:
        if p.phase == "match" and p.chunks - p.resumed >= chunks:
            raise Stop
    return progress


def test_resume_gives_the_same_bytes(caseload, shipped, tmp_path, reference):
    out = tmp_path / "m.csv"
    with pytest.raises(Stop):
        run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100,
                  progress=_stop_after(2))
    assert not out.exists()
    manifest = Manifest.load(manifest_path(out))
    assert manifest.status == "running" and [c["number"] for c in manifest.chunks] == [0, 1]
    assert manifest.chunks[0]["first_line"] == 1 and manifest.chunks[0]["records"] == 100
    summary = run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, resume=True)
    assert out.read_bytes() == reference
    assert summary.resumed == 2 and summary.chunks == 5 and summary.n_queries == 450
    assert "resumed: 2 of 5 chunk(s)" in "\n".join(summary.lines())


def test_resume_redoes_a_damaged_part(caseload, shipped, tmp_path, reference):
    out = tmp_path / "m.csv"
    with pytest.raises(Stop):
        run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100,
                  progress=_stop_after(3))
    part = tmp_path / "m.csv.parts" / "part-000001.csv"
    part.write_bytes(part.read_bytes()[:-10])
    summary = run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, resume=True)
    assert summary.resumed == 1 and out.read_bytes() == reference


@pytest.mark.parametrize("change, message", [
    ({"k": 5}, r"cannot resume: option k: 10 -> 5 — run again without --resume"),
    ({"chunk_size": 50}, r"option chunk_size: 100 -> 50"),
    ({"scoring": "cosine"}, r"option matcher.scoring: 'fit' -> 'cosine'"),
    ({"input": True}, r"jobseekers.jsonl \(jobseekers\) changed since the interrupted run: size"),
])
def test_resume_refuses_changed_inputs_or_options(caseload, shipped, tmp_path, change, message):
    jobseekers = tmp_path / "jobseekers.jsonl"
    shutil.copy(caseload.jobseekers, jobseekers)
    out = tmp_path / "m.csv"
    with pytest.raises(Stop):
        run_match(jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, progress=_stop_after(1))
    if change.pop("input", False):
        with open(jobseekers, "a", encoding="utf-8") as f:
            f.write('{"id": "extra"}\n')
    options = {"taxonomy": shipped, "chunk_size": 100, "resume": True, **change}
    with pytest.raises(InputError, match=message):
        run_match(jobseekers, caseload.vacancies, out, **options)


def test_resume_of_a_complete_run_does_nothing(caseload, shipped, tmp_path, reference):
    out = tmp_path / "m.csv"
    run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100)
    stamp = out.stat().st_mtime_ns
    summary = run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, resume=True)
    assert summary.complete_before and summary.rows > 0 and out.stat().st_mtime_ns == stamp
    assert "already complete" in summary.lines()[0]
    out.write_bytes(b"changed")  # a changed output is made again
    summary = run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, resume=True)
    assert not summary.complete_before and out.read_bytes() == reference


def test_resume_without_a_manifest_starts_from_the_beginning(caseload, shipped, tmp_path, reference):
    out = tmp_path / "m.csv"
    summary = run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, resume=True)
    assert summary.resumed == 0 and out.read_bytes() == reference


def test_a_damaged_manifest_is_named(caseload, shipped, tmp_path):
    out = tmp_path / "m.csv"
    manifest_path(out).write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match=r"m.csv.manifest.json: cannot read the manifest of the interrupted run"):
        run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, resume=True)
    manifest_path(out).write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(InputError, match=r"not a 'skillmatch-run' manifest of version 1"):
        run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, resume=True)
    manifest_path(out).write_text('{"format": "skillmatch-run", "format_version": 1}', encoding="utf-8")
    with pytest.raises(InputError, match=r"the manifest is damaged \(missing 'inputs'\)"):
        run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, resume=True)


def test_kill_and_resume_a_real_run(caseload, shipped, tmp_path):
    """SIGKILL the command line once a chunk is finished, resume, compare bytes with an uninterrupted run."""
    out, expected = tmp_path / "m.csv", tmp_path / "expected.csv"
    # small chunks: 45 parts, each written and recorded with fsyncs, so the run is still going when killed
    run_match(caseload.jobseekers, caseload.vacancies, expected, taxonomy=shipped, chunk_size=10)
    command = [sys.executable, "-m", "skillmatch", "match", "--jobseekers", str(caseload.jobseekers),
               "--vacancies", str(caseload.vacancies), "--out", str(out), "--chunk-size", "10", "--threads", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:  # the manifest is written once the first part is on disk
        while not manifest_path(out).exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no chunk was finished within 60 s"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    manifest = Manifest.load(manifest_path(out))
    assert manifest.status == "running" and 1 <= len(manifest.chunks) < 45 and not out.exists()
    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed: {len(manifest.chunks)} of 45 chunk(s)" in resumed.stdout
    assert out.read_bytes() == expected.read_bytes()


# --- progress -------------------------------------------------------------------------------------


def test_progress_events(caseload, shipped, tmp_path):
    events: list[Progress] = []
    run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, chunk_size=100,
              progress=events.append)
    assert [e.phase for e in events] == ["index"] + ["match"] * 5 + ["join", "done"]
    assert [e.done for e in events if e.phase == "match"] == [100, 200, 300, 400, 450]
    assert events[0].total == 450 and events[-1].total == events[-1].done == 450 and events[-1].unit == "jobseekers"
    assert events[-2].rows == events[-1].rows > 0 and events[3].rate and events[3].eta is not None


def _event(**changes):
    values = dict(phase="match", unit="jobseekers", done=500, total=1000, chunks=5, resumed=0, rows=5000, rejected=2,
                  elapsed=12.0, started_at=1.0)
    return Progress(**{**values, **changes})


def test_log_lines_are_quiet():
    stream = io.StringIO()
    log = LogLines(stream)
    for done in range(100, 1001, 100):
        log(_event(done=done, chunks=done // 100, elapsed=1.0 + done / 100))
    log(_event(phase="join", done=1000, chunks=10))
    log(_event(phase="done", done=1000, elapsed=75.0))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "skillmatch match: 100 of ~1,000 jobseekers (10%) in 2 s, 100/s, about 9 s left"
    assert len(lines) == 12 and lines[-2] == "skillmatch match: joining 10 part(s) into the output"
    assert lines[-1] == "skillmatch match: 1,000 jobseekers done in 1 min 15 s"
    stream = io.StringIO()
    log = LogLines(stream, every=0.5)
    for done in range(100, 1001, 100):
        log(_event(done=done, chunks=done // 100, elapsed=1.0 + done / 100))
    assert len(stream.getvalue().splitlines()) == 2  # the first and 60 %; the end has its own line


def test_progress_bar_and_choice(monkeypatch):
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar(_event(phase="index", done=0))
    bar(_event(done=400))
    bar(_event(done=1000, chunks=10))
    bar(_event(phase="done", done=1000))
    text = stream.getvalue()
    assert "1000/1000" in text and "jobseekers" in text and "rows=5,000" in text
    assert isinstance(progress_display(io.StringIO()), LogLines)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(progress_display(Terminal()), ProgressBar)


def test_estimate_records(tmp_path, caseload):
    assert estimate_records(caseload.jobseekers) == 450
    csv_file = tmp_path / "j.csv"
    csv_file.write_text("id\na\nb", encoding="utf-8")
    assert estimate_records(csv_file) == 2
    assert estimate_records(tmp_path / "missing.csv") is None


def test_collector_threshold_is_raised_during_a_run_and_put_back(caseload, shipped, tmp_path):
    import gc

    from skillmatch.batch.run import GC_THRESHOLD

    before = gc.get_threshold()
    during = []
    run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, chunk_size=200,
              progress=lambda p: during.append(gc.get_threshold()))
    assert gc.get_threshold() == before
    assert set(during) == {(max(GC_THRESHOLD, before[0]), *before[1:])}
    with pytest.raises(Stop):
        run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "n.csv", taxonomy=shipped,
                  progress=_stop_after(1))
    assert gc.get_threshold() == before


def test_an_empty_query_file_gives_a_header_only(caseload, shipped, tmp_path):
    empty = tmp_path / "jobseekers.csv"
    empty.write_text("id,skills\n", encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    summary = run_match(empty, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, errors_path=errors)
    assert (tmp_path / "m.csv").read_text() == "query,rank,candidate,score\n"
    assert summary.rows == 0 and summary.chunks == 0 and summary.n_queries == 0
    assert json.loads(errors.read_text())["reason"] == "the file holds no records"


def test_a_chunk_whose_records_are_all_left_out(caseload, shipped, tmp_path):
    path = tmp_path / "jobseekers.jsonl"
    path.write_text('{"id": "a", "region": "atlantis"}\n{"id": "b", "region": "atlantis"}\n'
                    + caseload.jobseekers.read_text(encoding="utf-8"), encoding="utf-8")
    summary = run_match(path, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, chunk_size=2)
    assert summary.queries.rejected == 2 and summary.n_queries == 450 and summary.problems == 4  # 2 warnings, 2 errors
    rows = [r for chunk in read_results(tmp_path / "m.csv") for r in chunk.records]
    assert rows and rows[0].query == "J0000001"


def test_resume_checks_each_chunk_it_skips(caseload, shipped, tmp_path):
    out = tmp_path / "m.csv"
    with pytest.raises(Stop):
        run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100,
                  progress=_stop_after(2))
    data = json.loads(manifest_path(out).read_text())
    data["chunks"][1]["first_line"] = 999
    manifest_path(out).write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"cannot resume: chunk 1 now spans lines 101–200, the interrupted run "
                                         r"recorded 999–200"):
        run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, resume=True)


@pytest.mark.benchmark
def test_quick_batch_benchmark_results_are_right(tmp_path):
    """``benchmarks/bench_batch.py --quick``: every scenario runs, Dask writes the same bytes (speed is not tested)."""
    pytest.importorskip("psutil", reason="the benchmark measures peak RSS with psutil")
    bench = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_batch.py"
    out = tmp_path / "bench_batch_quick.json"
    proc = subprocess.run([sys.executable, str(bench), "--quick", "--data", str(tmp_path / "data"), "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    assert report["scenarios"]["memory"]["under_limit"]
    assert report["scenarios"]["end_to_end"]["match"]["rows"] > 0
    if "skipped" not in report["scenarios"]["dask"]:
        assert report["scenarios"]["dask"]["same_bytes"]


def test_manifest_differences_in_words(tmp_path):
    inputs = {"queries": {"role": "jobseekers", "path": "j.jsonl", "size": 10, "mtime": 1.0, "sha256": "a" * 64}}
    old = Manifest(tmp_path / "m.csv.manifest.json", inputs, {"name": "t", "fingerprint": "f1"}, {"k": 10}, "0.1.0")
    moved = {"queries": {**inputs["queries"], "path": "elsewhere/j.jsonl", "mtime": 2.0}}
    assert old.differences(Manifest(old.path, moved, old.taxonomy, old.options, "0.1.0")) == []
    new = Manifest(old.path, {}, {"name": "t", "fingerprint": "f2"}, {"k": 10}, "0.2.0")
    assert old.differences(new) == ["skillmatch version 0.1.0 -> 0.2.0", "input queries: missing on one side",
                                    "taxonomy 't' (f1) -> 't' (f2)"]
    assert old.parts == tmp_path / "m.csv.parts" and old.run == Manifest(old.path, moved, old.taxonomy,
                                                                         old.options, "9").run


def test_an_input_that_is_a_folder(caseload, shipped, tmp_path):
    folder = tmp_path / "vacancies.jsonl"
    folder.mkdir()
    with pytest.raises(InputError, match=r"vacancies.jsonl: is a folder; expected a file"):
        run_match(caseload.jobseekers, folder, tmp_path / "m.csv", taxonomy=shipped)


def test_vectorising_problems_without_a_record_are_raised(shipped, monkeypatch):
    import skillmatch.vectorize

    def refuse(*args, **kwargs):
        raise InputError("the batch as a whole is wrong")

    monkeypatch.setattr(skillmatch.vectorize, "people", refuse)
    with pytest.raises(InputError, match="the batch as a whole is wrong"):
        vectorise_chunk(shipped, "jobseekers", _records_from([{"id": "a"}]), [1], "j.jsonl", lambda p: None)


def test_skill_labels_are_resolved_and_the_unresolved_reported(caseload, shipped, tmp_path):
    jobseekers = tmp_path / "jobseekers.csv"
    jobseekers.write_text("id,skills,region\nj1,verzorgen:4;samenwerken:3,twente\n"
                          "j2,heftruck rijden:3;vaardigheid nummer 95,twente\nj3,vaardigheid nummer 95,twente\n",
                          encoding="utf-8")
    summary = run_match(jobseekers, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, k=3)
    assert summary.n_queries == 1 and summary.queries.rejected == 2
    text = "\n".join(summary.lines())
    assert "labels: 4 distinct text(s): 3 resolved, 0 ambiguous (taken as the best), 1 unresolved" in text
    assert "unresolved skill 'vaardigheid nummer 95' x2 (first on line 3; closest 'Vakbekwaamheid " in text
