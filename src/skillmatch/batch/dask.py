"""Ranking the chunks of a batch run on a Dask cluster (``pip install "skillmatch[dask]"``).

``run_match(..., dask="local")`` starts a :class:`distributed.LocalCluster` (worker
processes on this machine, on loopback); ``dask="tcp://host:8786"`` connects to a running
scheduler; a :class:`distributed.Client` may be passed as it is (and is left open).

How the work is split
---------------------
- The **index** is built once, in the process that reads the files, and scattered to every
  worker once (``client.scatter(index, broadcast=True)``): a :class:`CandidateIndex`
  pickles with its taxonomy, so workers need no files and no taxonomy of their own —
  only the same skillmatch version (checked when connecting).
- The **queries** are read and vectorised in this process (errors, line numbers and
  duplicates are found in one place, in file order); each chunk becomes a task that
  ranks it against the scattered index and, when asked, explains the matches. A task
  ships arrays (a vectorised chunk is about 150 bytes a record), not records.
- **Results** come back in chunk order and are written here as the same part files and
  manifest as a single-process run, so the output is the same bytes and ``--resume``
  works across both. At most ``2 x`` the cluster's threads chunks are in flight.

Threads
-------
A task ranks with ``n_threads`` = its worker's ``nthreads`` and holds a per-worker lock
while the kernel runs, so a worker never runs more kernel threads than it was given,
whatever the number of tasks the scheduler puts on it: one thread per core, no
oversubscription. Start workers with ``--nthreads`` equal to the cores they may use (or
several single-thread worker processes: ``dask="local"`` starts one per CPU with one
thread each). Vectorising and explanations are Python work and run outside the lock.

The numba cache
---------------
The kernels are compiled with ``cache=True``; numba writes the machine code next to the
package (``skillmatch/kernels/__pycache__``) or, when that folder is not writable, into
its user-wide cache, or into ``$NUMBA_CACHE_DIR`` when that is set. Before the first task
this process warms the kernels (compiling them once, if the cache is cold) and then every
worker warms up against the scattered index: workers on this machine read the cache
files this process wrote instead of each paying the JIT (about 5 s cold, 0.5 s warm). On a
cluster, give each node a warm cache — run ``skillmatch warm`` in the worker image, or
point ``NUMBA_CACHE_DIR`` at a folder that persists between runs (a node-local disk or a
shared volume) — otherwise each worker compiles once per run. :attr:`DaskRanker.info`
(and the run's summary) reports each worker's warm-up time, which shows whether the
cache was used.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

from ..problems import InputError

#: Held while a task's kernel runs: one chunk at a time per worker process, on all its threads.
_KERNEL_LOCK = threading.Lock()
DASK_HINT = 'running on Dask needs dask.distributed: pip install "skillmatch[dask]"'
CONNECT_TIMEOUT = "30s"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as e:
        raise InputError(DASK_HINT) from e
    return distributed


def connect(dask: Any, *, n_workers: int | None = None, threads_per_worker: int = 1) -> tuple[Any, Any]:
    """A client for ``dask`` ("local", an address, or a Client) and a function that closes what was opened."""
    distributed = _distributed()
    if not isinstance(dask, str):
        return dask, lambda: None
    if dask == "local":
        from ..kernels import default_threads

        workers = n_workers or max(1, default_threads() // threads_per_worker)
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=True,
                                           host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
        client = distributed.Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    try:
        client = distributed.Client(dask, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as e:
        raise InputError(f"dask: cannot reach the scheduler at {dask} ({e})") from None
    return client, client.close


def probe_batch(index: Any) -> Any:
    """One made-up query of the kind ``index`` ranks, to compile (or load) the kernels with."""
    from ..models import GeoPoint, Jobseeker, Requirement, SkillClaim, Vacancy
    from ..vectorize import PeopleBatch, people, work

    tx = index.taxonomy
    skill = tx.concepts.ids[0]
    place: dict[str, Any] = {"location": GeoPoint(lat=52.0, lon=5.0)}
    if isinstance(index.candidates.batch, PeopleBatch):  # people are ranked for work
        return work(tx, [Vacancy(id="probe", requirements=(Requirement(skill=skill),), **place)], where="probe")
    return people(tx, [Jobseeker(id="probe", skills=(SkillClaim(skill=skill),), max_travel_km=10, **place)],
                  where="probe")


def warm_kernels(index: Any = None) -> float:
    """Compile (or load from the numba cache) the ranking kernels; returns the seconds it took.

    Without an index, a small one on the shipped taxonomy is used (``skillmatch warm``).
    """
    t0 = time.perf_counter()
    if index is None:
        from ..match import Matcher
        from ..taxonomy import load_taxonomy

        tx = load_taxonomy()
        index = Matcher(tx).fit("occupations").index_
    probe = probe_batch(index)
    index.rank(index.prepare(probe), 1, n_threads=1)
    return time.perf_counter() - t0


def numba_cache_dir() -> str:
    """Where numba keeps the compiled kernels for this process."""
    import os

    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    from ..kernels import rank

    try:
        return str(rank.rank_rows._cache._cache_path)  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - numba internals moved
        return os.path.join(os.path.dirname(rank.__file__), "__pycache__")


def _worker_threads() -> int:
    from distributed import get_worker

    return int(get_worker().state.nthreads)


def _warm_on_worker(index: Any) -> tuple[float, int, str]:
    """On a worker: (seconds to warm the kernels, its threads, its numba cache folder)."""
    return warm_kernels(index), _worker_threads(), numba_cache_dir()


def _rank_on_worker(index: Any, batch: Any, k: int, explanations: str | None, lang: str) -> Any:
    from .run import rank_chunk

    return rank_chunk(index, batch, k, explanations, lang, n_threads=_worker_threads(), lock=_KERNEL_LOCK)


def _version() -> str:
    from .. import __version__

    return __version__


class DaskRanker:
    """Ranks chunks as tasks on a Dask cluster; see the module docstring.

    ``info`` holds the scheduler address, the number of workers and threads, and each
    worker's warm-up seconds.
    """

    def __init__(self, dask: Any, index: Any, k: int, explanations: str | None, lang: str, *,
                 n_workers: int | None = None, threads_per_worker: int = 1):
        from .. import __version__

        self.client, self._close = connect(dask, n_workers=n_workers, threads_per_worker=threads_per_worker)
        self.args = (k, explanations, lang)
        self.token = uuid.uuid4().hex[:8]
        self._futures: list[Any] = []
        try:
            if not self.client.scheduler_info()["workers"]:
                self.client.wait_for_workers(1, timeout=120)
            versions = self.client.run(_version)
            other = {w: v for w, v in versions.items() if v != __version__}
            if other:
                worker, version = sorted(other.items())[0]
                raise InputError(f"dask: worker {worker} has skillmatch {version}, this process {__version__}; "
                                 "install the same version on every worker")
            local = warm_kernels(index)  # fills the numba cache the workers on this machine read
            self.index = self.client.scatter(index, broadcast=True, hash=False)
            workers = sorted(self.client.scheduler_info()["workers"])
            warm = self.client.gather([self.client.submit(_warm_on_worker, self.index, pure=False, workers=[w],
                                                          allow_other_workers=False) for w in workers])
            threads = sum(t for _, t, _ in warm)
            self.window = max(2, 2 * threads)
            self.info = {"scheduler": self.client.scheduler.address, "workers": len(workers), "threads": threads,
                         "warm_seconds": {w: round(s, 3) for w, (s, _, _) in zip(workers, warm)},
                         "local_warm_seconds": round(local, 3), "numba_cache": sorted({c for _, _, c in warm})}
        except BaseException:
            self._close()
            raise

    def submit(self, number: int, batch: Any) -> Any:
        k, explanations, lang = self.args
        future = self.client.submit(_rank_on_worker, self.index, batch, k, explanations, lang, pure=False,
                                    key=f"skillmatch-rank-{self.token}-{number:06d}", retries=2)
        self._futures.append(future)
        return future

    def result(self, future: Any) -> Any:
        result = future.result()
        self._futures.remove(future)
        future.release()
        return result

    def close(self) -> None:
        try:
            if self._futures:
                self.client.cancel(self._futures)
            self._futures = []
        finally:
            self._close()
