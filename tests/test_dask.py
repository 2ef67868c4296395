"""Batch runs on Dask (``skillmatch.batch.dask``): a real LocalCluster of two worker processes on
loopback gives the same bytes as the single-process run."""

from __future__ import annotations

import sys

import pytest

from skillmatch.batch.run import run_match
from skillmatch.caseload import write_caseload
from skillmatch.problems import InputError

distributed = pytest.importorskip("distributed", reason='needs dask.distributed: pip install "skillmatch[dask]"')


@pytest.fixture(scope="module")
def caseload(tmp_path_factory, shipped):
    return write_caseload(shipped, "rijnmond", tmp_path_factory.mktemp("caseload"), n_jobseekers=500,
                          n_vacancies=240, seed=3)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.mark.parametrize("direction, name, explanations", [("jobseekers", "m.csv", False),
                                                           ("vacancies", "m.jsonl", "json")])
def test_local_cluster_gives_the_same_bytes(caseload, shipped, tmp_path, client, direction, name, explanations):
    options = {"taxonomy": shipped, "direction": direction, "k": 5, "chunk_size": 60, "explanations": explanations}
    single = run_match(caseload.jobseekers, caseload.vacancies, tmp_path / f"single-{name}", **options)
    summary = run_match(caseload.jobseekers, caseload.vacancies, tmp_path / name, dask=client, **options)
    assert (tmp_path / name).read_bytes() == (tmp_path / f"single-{name}").read_bytes()
    assert summary.rows == single.rows > 0 and summary.chunks == single.chunks > 2
    info = summary.dask
    assert info["workers"] == 2 and info["threads"] == 2 and set(info["warm_seconds"]) == set(
        client.scheduler_info()["workers"])
    # workers on this machine share the numba cache this process warmed: nobody compiles again
    from skillmatch.batch.dask import numba_cache_dir

    assert info["numba_cache"] == [numba_cache_dir()]
    assert "dask: 2 worker(s), 2 thread(s) at tcp://127.0.0.1:" in "\n".join(summary.lines())
    assert client.run(lambda: 1)  # the caller's client stays open


def test_resume_on_dask_after_a_local_start(caseload, shipped, tmp_path, client):
    out = tmp_path / "m.csv"
    expected = tmp_path / "expected.csv"
    run_match(caseload.jobseekers, caseload.vacancies, expected, taxonomy=shipped, chunk_size=100)

    class Stop(Exception):
        pass

    def stop(p):
        if p.phase == "match" and p.chunks >= 2:
            raise Stop

    with pytest.raises(Stop):
        run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, progress=stop)
    summary = run_match(caseload.jobseekers, caseload.vacancies, out, taxonomy=shipped, chunk_size=100, resume=True,
                        dask=client)
    assert summary.resumed == 2 and out.read_bytes() == expected.read_bytes()


def test_unreachable_scheduler(caseload, shipped, tmp_path, monkeypatch):
    from skillmatch.batch import dask as dask_module

    monkeypatch.setattr(dask_module, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(InputError, match=r"dask: cannot reach the scheduler at tcp://127.0.0.1:9"):
        run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped,
                  dask="tcp://127.0.0.1:9")


def test_without_distributed(caseload, shipped, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match=r'running on Dask needs dask.distributed: pip install "skillmatch\[dask\]"'):
        run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, dask="local")


def test_worker_version_must_match(caseload, shipped, tmp_path, client, monkeypatch):
    import skillmatch

    monkeypatch.setattr(skillmatch, "__version__", "0.0.1")  # this process only: the workers have the real one
    with pytest.raises(InputError, match=r"dask: worker tcp://127.0.0.1:\d+ has skillmatch .*, this process 0.0.1"):
        run_match(caseload.jobseekers, caseload.vacancies, tmp_path / "m.csv", taxonomy=shipped, dask=client)
