"""Batch runs: a file of queries ranked against a file of candidates, in chunks, resumable.

:func:`run_match` is what ``skillmatch match`` runs:

1. the **candidates** file (vacancies, or jobseekers when ranking people for vacancies) is
   read in chunks, vectorised chunk by chunk and becomes one immutable
   :class:`~skillmatch.match.CandidateIndex`;
2. the **queries** file is streamed in chunks of ``chunk_size`` valid records; each chunk
   is vectorised, ranked (here, in a background thread that overlaps with reading the next
   chunk, or as a task on a Dask cluster: :mod:`skillmatch.batch.dask`) and written as a
   part file, atomically, after which the manifest
   (:mod:`skillmatch.batch.manifest`) records it;
3. the parts are joined into the output (CSV, JSONL or Parquet by its extension) and the
   problems of every chunk into the errors file.

Memory holds the index, the ids seen so far (to report duplicates) and at most a few
chunks with their results: it is bounded by the chunk size and the index, never by the
number of queries. Results do not depend on the thread count, on Dask or on
interruptions: a run resumed after a kill (``resume=True``) continues after the last chunk
the manifest records and writes the same bytes as a run that was never interrupted.

Bad records never stop a run (unless ``strict=True``): each goes to the errors file with
file, line, field, value and reason, and is counted in the :class:`RunSummary`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..params import Boolean, Custom, Integer, Number, OneOf, Optional, check_params
from ..problems import InputError, Problem
from .manifest import Manifest, check_part, describe_input, manifest_path, remove_quietly, sha256_file
from .progress import Clock, Progress, ProgressCallback, progress_display
from .readers import ReadReport, RecordReader, file_format, import_pyarrow
from .writers import folder_problem

#: direction -> (what the queries are, what the candidates are)
DIRECTIONS = {"jobseekers": ("jobseekers", "vacancies"), "vacancies": ("vacancies", "jobseekers")}
KEEP_PROBLEMS = 100  # problems a summary keeps per file; the errors file has them all


def _explanations(value: Any) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        return "text"
    if value in ("text", "json"):
        return value
    raise ValueError


def _path(value: Any) -> Path:
    if isinstance(value, (str, os.PathLike)) and str(value):
        return Path(value)
    raise ValueError


def _dask(value: Any) -> Any:
    if isinstance(value, str) and (value == "local" or "://" in value):
        return value
    if hasattr(value, "scatter") and hasattr(value, "submit"):  # a distributed.Client
        return value
    raise ValueError


def _progress(value: Any) -> Any:
    if value is None or isinstance(value, bool) or callable(value):
        return value
    raise ValueError


#: The options of :func:`run_match` (the matcher's own are checked by :class:`~skillmatch.match.Matcher`).
PARAMETERS = {
    "direction": OneOf(tuple(DIRECTIONS)),
    "k": Integer(1, None),
    "explanations": Custom(_explanations, "False, True, 'text' or 'json'"),
    "chunk_size": Integer(1, None),
    "resume": Boolean(),
    "strict": Boolean(),
    "errors_path": Optional(Custom(_path, "a file path")),
    "dask": Optional(Custom(_dask, "'local', a scheduler address such as 'tcp://host:8786', or a distributed.Client")),
    "dask_workers": Optional(Integer(1, 4096)),
    "dask_threads": Integer(1, 4096),
    "n_threads": Optional(Integer(1, 4096)),
    "progress": Custom(_progress, "a callable taking a Progress, True (bar or log lines), False or None"),
    "decimals": Optional(Integer(0, 17)),
    "lang": OneOf(("nl", "en")),
    "min_label_score": Number(0.0, 100.0),
    "ambiguous": OneOf(("warn", "reject")),
}
#: Matcher parameters a run sets itself; every other entry of :data:`skillmatch.match.PARAMETERS`
#: (scoring, weighting, credit, filters, ...) may be passed to :func:`run_match`.
RUN_SETS = ("taxonomy", "n_threads", "lang")


def matcher_options() -> tuple[str, ...]:
    """The :class:`~skillmatch.match.Matcher` options :func:`run_match` passes on."""
    from ..match import PARAMETERS as MATCHER_PARAMETERS

    return tuple(name for name in MATCHER_PARAMETERS if name not in RUN_SETS)


@dataclass(frozen=True)
class RunSummary:
    """What a run did.

    Attributes
    ----------
    out, errors, manifest : Path
        The output, the errors file (None when not asked for) and the manifest.
    direction : str
        ``jobseekers`` (vacancies ranked per jobseeker) or ``vacancies`` (people per vacancy).
    queries, candidates : ReadReport
        Counts and the first problems of each input file (``rejected`` includes records
        left out when vectorising, e.g. with a region the taxonomy does not have).
    n_candidates, rows, chunks, resumed, problems : int
        Candidates indexed; result rows written; chunks in all, of which taken over from
        an interrupted run; lines in the errors file.
    k : int
    seconds : dict
        ``index``, ``match``, ``join`` and ``total`` wall-clock seconds.
    dask : dict or None
        The cluster: scheduler address, workers, threads, per-worker warm-up seconds.
    """

    out: Path
    errors: Path | None
    manifest: Path
    direction: str
    queries: ReadReport
    candidates: ReadReport
    n_candidates: int
    rows: int
    chunks: int
    resumed: int
    problems: int
    k: int
    seconds: dict[str, float]
    dask: dict[str, Any] | None = None
    complete_before: bool = False  # resume found the run already complete

    @property
    def n_queries(self) -> int:
        return self.queries.records

    def lines(self) -> list[str]:
        """A few lines for a terminal or a log."""
        query_unit, cand_unit = DIRECTIONS[self.direction]
        head = (f"{self.n_queries:,} {query_unit} x {self.n_candidates:,} {cand_unit} -> {self.out} "
                f"({self.rows:,} rows, top {self.k}) in {self.seconds['total']:.1f} s")
        if self.complete_before:
            head = f"already complete: {head.split(' in ')[0]} (manifest {self.manifest})"
        out = [head]
        for report in (self.queries, self.candidates):
            out.append(f"  {report.summary()}")
            out += [f"    {line}" for line in label_lines(report)]
        if self.resumed:
            out.append(f"  resumed: {self.resumed} of {self.chunks} chunk(s) taken over from the interrupted run")
        if self.errors is not None:
            out.append(f"  problems: {self.problems:,} in {self.errors}")
        elif self.problems:
            out.append(f"  problems: {self.problems:,} (pass errors_path / --errors to write them)")
        if self.dask:
            warm = self.dask.get("warm_seconds") or {}
            spread = f", kernels ready in {min(warm.values()):.1f}–{max(warm.values()):.1f} s" if warm else ""
            out.append(f"  dask: {self.dask['workers']} worker(s), {self.dask['threads']} thread(s) at "
                       f"{self.dask['scheduler']}{spread}")
        return out


def label_lines(report: ReadReport, shown: int = 5) -> list[str]:
    """What the label texts of a file resolved to: counts, and the unresolved ones that came most often."""
    outcomes = list(report.labels.values())
    if not outcomes:
        return []
    status = {name: [o for o in outcomes if o.status == name] for name in ("resolved", "ambiguous", "unresolved")}
    lines = [f"labels: {len(outcomes):,} distinct text(s): {len(status['resolved']):,} resolved, "
             f"{len(status['ambiguous']):,} ambiguous (taken as the best), {len(status['unresolved']):,} unresolved"]
    worst = sorted(status["unresolved"], key=lambda o: (-o.count, o.first_line))[:shown]
    lines += [f"  unresolved {o.kind} {o.text!r} x{o.count:,} (first on line {o.first_line}"
              + (f"; closest {o.label!r}, score {o.score:.0f})" if o.label else ")") for o in worst]
    return lines


# --- the work on one chunk (the same function locally and on a Dask worker) -----------------------


@dataclass(frozen=True)
class ChunkResult:
    """The ranking of one chunk: arrays of the ranking contract and, when asked, explanations per row."""

    indices: np.ndarray
    scores: np.ndarray
    explanations: list[list[Any]] | None = None


def rank_chunk(index: Any, batch: Any, k: int, explanations: str | None, lang: str, n_threads: int | None,
               lock: Any = None) -> ChunkResult:
    """Rank one vectorised chunk against ``index``; ``lock`` (if given) is held while the kernel runs.

    Explanations are made outside the lock: they are Python work, the kernel's threads
    are not.
    """
    from ..match import MatchResult

    if lock is None:
        side = index.prepare(batch, n_threads=n_threads)
        indices, scores = index.rank(side, k, n_threads=n_threads)
    else:
        with lock:
            side = index.prepare(batch, n_threads=n_threads)
            indices, scores = index.rank(side, k, n_threads=n_threads)
    texts = None
    if explanations is not None:
        result = MatchResult(indices, scores, side.batch.ids, index.ids, index.settings.scoring, index, side, lang)
        texts = []
        for r in range(len(indices)):
            row = []
            for c in range(indices.shape[1]):
                if indices[r, c] < 0:
                    break
                e = result.explain(r, c)
                row.append(str(e) if explanations == "text" else e.to_dict())
            texts.append(row)
    return ChunkResult(indices, scores, texts)


class LocalRanker:
    """Ranks chunks in one background thread: the next chunk is read while this one ranks."""

    window = 2

    def __init__(self, index: Any, k: int, explanations: str | None, lang: str, n_threads: int | None):
        self.args = (index, k, explanations, lang, n_threads)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="skillmatch-rank")
        self.info: dict[str, Any] | None = None

    def submit(self, number: int, batch: Any) -> Future:
        index, k, explanations, lang, n_threads = self.args
        return self.pool.submit(rank_chunk, index, batch, k, explanations, lang, n_threads)

    @staticmethod
    def result(handle: Future) -> ChunkResult:
        return handle.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


# --- vectorising chunks -------------------------------------------------------------------------


def vectorise_chunk(taxonomy: Any, kind: str, records: Sequence[Any], lines: Sequence[int], where: str,
                    sink: Callable[[Problem], None]) -> tuple[Any, int]:
    """A chunk's records as a batch, and how many were left out.

    The readers check what they can per record; what vectorising still refuses (a region
    the taxonomy does not have, say) is reported per record with its line, and the chunk
    is vectorised again without those records rather than failing as a whole.
    """
    from ..vectorize import PeopleBatch, people, work

    make = people if kind == "jobseekers" else work
    line_of = {r.id: line for r, line in zip(records, lines)}
    try:
        batch, left_out = make(taxonomy, records, where=where), 0
    except InputError as exc:
        bad = {p.record for p in exc.problems if p.record is not None}
        if not bad or any(p.record is None for p in exc.problems):
            raise
        for p in exc.problems:
            sink(Problem(p.message, where=where, line=line_of.get(p.record), record=p.record, field=p.field,
                         value=p.value))
        kept = [r for r in records if r.id not in bad]
        batch, left_out = make(taxonomy, kept, where=where), len(records) - len(kept)
    # a record with nothing to match on is valid but can never be in a result: say so, rather than lose it silently
    if isinstance(batch, PeopleBatch):
        rows, field, why = batch.held, "skills", "no skills: nothing to match on, so this jobseeker is in no result"
    else:
        rows, field, why = batch.importance, "requirements", ("no requirements (nor any from its occupation): nothing "
                                                              "to match on, so this vacancy is in no result")
    for i in np.flatnonzero(np.diff(rows.indptr) == 0):
        rid = batch.ids[i]
        sink(Problem(why, where=where, line=line_of.get(rid), record=rid, field=field, severity="warning"))
    return batch, left_out


def concat_batches(batches: Sequence[Any]) -> Any:
    """One batch of the rows of several (all people, or all work, of one taxonomy), in order."""
    from ..vectorize import CSR, PeopleBatch, Place, WorkBatch

    first = batches[0]
    if len(batches) == 1:
        return first

    def csr(parts: list[Any]) -> Any:
        offsets = np.cumsum([0] + [p.nnz for p in parts[:-1]])
        indptr = np.concatenate([parts[0].indptr[:1]] + [p.indptr[1:] + o for p, o in zip(parts, offsets)])
        return CSR(indptr.astype(np.int64), np.concatenate([p.indices for p in parts]),
                   np.concatenate([p.data for p in parts]), parts[0].n_columns)

    ids = tuple(i for b in batches for i in b.ids)
    labels = tuple(label for b in batches for label in b.labels)
    place = Place(*(np.concatenate([b.place[f] for b in batches]) for f in range(len(Place._fields))))
    if isinstance(first, PeopleBatch):
        return PeopleBatch(ids, labels, csr([b.held for b in batches]), place, first.fingerprint, first.located)
    return WorkBatch(ids, labels, csr([b.importance for b in batches]), np.concatenate([b.levels for b in batches]),
                     place, np.concatenate([b.crucial for b in batches]), first.fingerprint, first.located)


# --- problems, chunk by chunk -------------------------------------------------------------------


class _ProblemFile:
    """Problems encoded as errors-file lines into a temporary file in ``folder``, published by name."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.discard = False
        self.count = 0
        self._file: IO[bytes] | None = None
        self._tmp: str | None = None

    def __call__(self, problem: Problem) -> None:
        from .writers import encode_problems

        self.count += 1
        if self.discard:
            return
        if self._file is None:
            fd, self._tmp = tempfile.mkstemp(prefix=".errors.", suffix=".tmp", dir=self.folder)
            self._file = os.fdopen(fd, "wb")
        self._file.write(encode_problems([problem]))

    def publish(self, name: str) -> tuple[str | None, int, int, str]:
        """Move what was written to ``folder/name`` (nothing when empty); (name, count, bytes, sha256)."""
        count, self.count = self.count, 0
        if self._file is None:
            return None, count, 0, ""
        f, tmp = self._file, self._tmp
        self._file = self._tmp = None
        f.flush()
        os.fsync(f.fileno())
        f.close()
        target = self.folder / name
        os.replace(tmp, target)  # type: ignore[arg-type]
        return name, count, target.stat().st_size, sha256_file(target)

    def drop(self) -> int:
        count, self.count = self.count, 0
        if self._file is not None:
            self._file.close()
            remove_quietly(Path(self._tmp))  # type: ignore[arg-type]
            self._file = self._tmp = None
        return count


# --- the run ------------------------------------------------------------------------------------------


def _taxonomy(value: Any) -> Any:
    from ..taxonomy import Taxonomy, load_taxonomy

    if value is None:
        return load_taxonomy()
    if isinstance(value, Taxonomy):
        return value
    if isinstance(value, (str, os.PathLike)):
        return load_taxonomy(Path(value))
    raise InputError(f"taxonomy: expected a Taxonomy, a path or None (the shipped one), got {type(value).__name__}")


def _settings_json(settings: Any) -> dict[str, Any]:
    data = asdict(settings)
    data["importance_weights"] = list(data["importance_weights"])
    return data


def _clean_parts(folder: Path) -> None:
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_file() and (entry.name.startswith(("part-", "errors-", ".part-", ".errors."))
                                    or entry.name.endswith(".tmp")):
                remove_quietly(entry)


#: The garbage collector's first threshold during a run (Python's default is 700). Reading
#: makes millions of short-lived objects while a chunk's records stay alive, and the default
#: collections doubled the reading time (5.4 s -> 2.5-3 s for 50,000 jobseekers).
GC_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] | None = None


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Raise the collector's first threshold for the run; the last run to finish puts it back."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(GC_THRESHOLD, _gc_saved[0]), *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)


@dataclass
class _Counts:
    rows: int = 0
    chunks: int = 0
    resumed: int = 0
    rejected_extra: int = 0  # left out when vectorising
    problems: int = 0
    done: int = 0
    done_at_start: int = 0
    match_started: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)


def run_match(jobseekers: str | os.PathLike, vacancies: str | os.PathLike, out: str | os.PathLike, *,
              direction: str = "jobseekers", k: int = 10, taxonomy: Any = None, explanations: bool | str = False,
              chunk_size: int = 10_000, resume: bool = False, strict: bool = False,
              errors_path: str | os.PathLike | None = None, dask: Any = None, dask_workers: int | None = None,
              dask_threads: int = 1, n_threads: int | None = None, progress: ProgressCallback | bool | None = None,
              decimals: int | None = None, lang: str = "nl", min_label_score: float = 90.0, ambiguous: str = "warn",
              **matcher: Any) -> RunSummary:
    """Match a file of jobseekers against a file of vacancies, chunk by chunk, into ``out``.

    Parameters
    ----------
    jobseekers, vacancies : path
        JSONL, CSV or Parquet files (``docs/batch-files.md``).
    out : path
        The results; ``.csv``, ``.jsonl``, ``.parquet`` (or ``.csv.gz``, ``.jsonl.gz``). One
        row per (query, rank): ``query``, ``rank`` (1 = best), ``candidate``, ``score``,
        and ``explanation`` when asked for.
    direction : {"jobseekers", "vacancies"}
        What the queries are: ``"jobseekers"`` ranks vacancies for each jobseeker (the
        vacancies become the index); ``"vacancies"`` ranks people for each vacancy.
    k : int >= 1
        Results per query (capped at the number of candidates).
    taxonomy : Taxonomy, path or None
        None: the shipped taxonomy.
    explanations : False, True, "text" or "json"
        Add an ``explanation`` column: Dutch (or ``lang``) text, or the explanation as a
        JSON object. Costs about as much as ranking, or more.
    chunk_size : int
        Valid query records per chunk: memory and the grain of resuming and of Dask tasks.
    resume : bool
        Continue an interrupted run from its manifest (``<out>.manifest.json``). Refused,
        with what changed, when the inputs, options or taxonomy differ; when there is
        nothing to resume the run starts from the beginning.
    strict : bool
        Stop at the first chunk with a bad record (an :class:`InputError` naming it).
    errors_path : path, optional
        Write every problem (bad records and warnings) here as JSONL
        (:class:`~skillmatch.batch.writers.ErrorWriter`'s format).
    dask : "local", "tcp://host:port", a distributed.Client, or None
        Rank the chunks on a Dask cluster (:mod:`skillmatch.batch.dask`); the output is
        the same bytes. ``dask_workers`` and ``dask_threads`` size a ``"local"`` cluster.
    n_threads : int, optional
        Threads for ranking in this process (default: the CPUs it may use). On Dask every
        worker uses its own threads.
    progress : callable, True, False or None
        Called with a :class:`~skillmatch.batch.progress.Progress` after every chunk;
        True shows a bar on a terminal and plain lines otherwise.
    decimals : int, optional
        Write scores rounded to this many places (text formats) rather than exactly.
    lang : {"nl", "en"}
        Language of explanations.
    min_label_score, ambiguous
        How the readers resolve skill label text (:class:`~skillmatch.batch.readers.RecordReader`).
    **matcher
        :class:`~skillmatch.match.Matcher` options (:func:`matcher_options`): ``scoring``,
        ``weighting``, ``idf``, ``credit``, ``importance_weights``, ``essential``,
        ``essential_penalty``, ``same_region``, ``travel``, ``hours``, ``support``,
        ``crucial_boost``, ``coverage_weight``; the Matcher's defaults otherwise.

    Returns
    -------
    RunSummary

    Raises
    ------
    InputError
        Bad options; an input file that cannot be read at all (missing, unknown format or
        columns); no valid candidates; a strict run meeting a bad record; a resume
        refused.

    Notes
    -----
    While a run goes on, the garbage collector's first threshold is raised to
    :data:`GC_THRESHOLD` (for the whole process; put back when the last concurrent run
    ends): reading makes millions of short-lived objects, and the default collections
    doubled the reading time.
    """
    with _fewer_collections():
        return _run(jobseekers, vacancies, out, direction=direction, k=k, taxonomy=taxonomy,
                    explanations=explanations, chunk_size=chunk_size, resume=resume, strict=strict,
                    errors_path=errors_path, dask=dask, dask_workers=dask_workers, dask_threads=dask_threads,
                    n_threads=n_threads, progress=progress, decimals=decimals, lang=lang,
                    min_label_score=min_label_score, ambiguous=ambiguous, matcher=matcher)


def _run(jobseekers: Any, vacancies: Any, out: Any, *, direction: Any, k: Any, taxonomy: Any, explanations: Any,
         chunk_size: Any, resume: Any, strict: Any, errors_path: Any, dask: Any, dask_workers: Any,
         dask_threads: Any, n_threads: Any, progress: Any, decimals: Any, lang: Any, min_label_score: Any,
         ambiguous: Any, matcher: dict[str, Any]) -> RunSummary:
    from .. import __version__
    from ..match import CandidateIndex, Matcher

    p = check_params("run_match", PARAMETERS, {
        "direction": direction, "k": k, "explanations": explanations, "chunk_size": chunk_size, "resume": resume,
        "strict": strict, "errors_path": errors_path, "dask": dask, "dask_workers": dask_workers,
        "dask_threads": dask_threads, "n_threads": n_threads, "progress": progress, "decimals": decimals,
        "lang": lang, "min_label_score": min_label_score, "ambiguous": ambiguous})
    allowed = matcher_options()
    unknown = sorted(set(matcher) - set(allowed))
    if unknown:
        raise InputError(f"run_match: unknown option(s) {unknown}; matcher options are {list(allowed)}")
    clock = Clock()
    tx = _taxonomy(taxonomy)
    settings = Matcher(tx, lang=p["lang"], **matcher).settings()
    out = Path(out)
    fmt = file_format(out)
    if fmt.kind == "parquet":
        import_pyarrow()
    query_kind, cand_kind = DIRECTIONS[p["direction"]]
    paths = {"jobseekers": Path(jobseekers), "vacancies": Path(vacancies)}
    query_path, cand_path = paths[query_kind], paths[cand_kind]
    for name, path in (("jobseekers", paths["jobseekers"]), ("vacancies", paths["vacancies"])):
        if path.resolve() == out.resolve():
            raise InputError(f"out: {out} is the {name} file; choose another output")
    if p["errors_path"] is not None and p["errors_path"].resolve() in (out.resolve(), query_path.resolve(),
                                                                       cand_path.resolve()):
        raise InputError(f"errors_path: {p['errors_path']} is an input or the output; choose another file")
    for name, target in (("out", out), ("errors_path", p["errors_path"])):  # before the work, not after it
        why = None if target is None else folder_problem(target)
        if why is not None:
            raise InputError([Problem(f"cannot write the file here: {why}", where=str(target), field=name)])
    file_format(query_path)
    file_format(cand_path)
    inputs = {"queries": describe_input(query_path, query_kind), "candidates": describe_input(cand_path, cand_kind)}
    options = {"direction": p["direction"], "k": p["k"], "chunk_size": p["chunk_size"],
               "explanations": p["explanations"], "lang": p["lang"], "decimals": p["decimals"],
               "output": fmt.kind + (".gz" if fmt.gzip else ""), "min_label_score": p["min_label_score"],
               "ambiguous": p["ambiguous"], "matcher": _settings_json(settings)}
    manifest = Manifest(manifest_path(out), inputs, {"name": tx.name, "fingerprint": tx.fingerprint}, options,
                        __version__)
    show: ProgressCallback | None = p["progress"] if callable(p["progress"]) else (
        progress_display(prefix="skillmatch match") if p["progress"] else None)

    previous = _previous_run(manifest, p["resume"], out)
    if previous is not None and previous.status == "complete":
        return _complete_summary(previous, out, p, query_kind, clock)
    folder = manifest.parts
    folder.mkdir(parents=True, exist_ok=True)
    if previous is None:
        _clean_parts(folder)
        remove_quietly(manifest.path)
    else:
        manifest.started = previous.started
        manifest.chunks = _verified_prefix(previous, folder)
        for entry in folder.iterdir():  # temporary files of the interrupted run
            if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                remove_quietly(entry)
    reader_options = {"chunk_size": p["chunk_size"], "taxonomy": tx, "strict": p["strict"],
                      "keep_problems": KEEP_PROBLEMS, "min_label_score": p["min_label_score"],
                      "ambiguous": p["ambiguous"]}
    counts = _Counts()

    # 1. the candidates become the index
    cand_problems = _ProblemFile(folder)
    cand_reader = RecordReader(cand_path, _model(cand_kind), errors=cand_problems, **reader_options)
    batches, left_out = [], 0
    for chunk in cand_reader:
        b, dropped = vectorise_chunk(tx, cand_kind, chunk.records, chunk.lines, str(cand_path),
                                     _counted(cand_problems, cand_reader))
        left_out += dropped
        if len(b):
            batches.append(b)
    cand_report = _adjusted(cand_reader.report, left_out)
    if not batches:
        cand_problems.drop()
        raise InputError([Problem(f"no valid {cand_kind} to match against ({cand_report.rejected:,} rejected"
                                  f"{'; see the errors file' if p['errors_path'] else ''})", where=str(cand_path))])
    index = CandidateIndex.build(tx, concat_batches(batches), settings)
    del batches
    part, n_problems, size, digest = cand_problems.publish("errors-candidates.jsonl")
    manifest.candidates = {"records": cand_report.records, "rejected": cand_report.rejected, "problems": n_problems,
                           "errors_part": part, "errors_bytes": size, "errors_sha256": digest}
    counts.seconds["index"] = clock()
    total = estimate_records(query_path)

    def report(phase: str) -> None:
        if show is not None:
            show(_event(phase, query_kind, counts, total, manifest, clock))

    report("index")

    # 2. the queries, chunk by chunk
    chunk_problems = _ProblemFile(folder)
    n_done = len(manifest.chunks)
    chunk_problems.discard = n_done > 0
    reader = RecordReader(query_path, _model(query_kind), errors=chunk_problems, **reader_options)
    cluster_started = clock()
    ranker = _ranker(p, index, tx)
    if p["dask"] is not None:
        counts.seconds["cluster"] = clock() - cluster_started
    counts.match_started = clock()
    rejected_before = 0
    pending: deque[tuple[dict[str, Any], Any, tuple[str, ...]]] = deque()
    try:
        for chunk in reader:
            number = chunk.number
            rejected_now = reader.report.rejected - rejected_before
            rejected_before = reader.report.rejected
            if number < n_done:  # finished by the interrupted run: check it is the same chunk, then skip it
                _check_resumed(manifest.chunks[number], chunk, query_path)
                chunk_problems.drop()
                counts.resumed += 1
                counts.chunks += 1
                counts.rows += manifest.chunks[number]["rows"]
                counts.rejected_extra += manifest.chunks[number]["rejected"] - rejected_now
                counts.done += manifest.chunks[number]["records"] + manifest.chunks[number]["rejected"]
                counts.done_at_start = counts.done
                chunk_problems.discard = number + 1 < n_done
                report("match")
                continue
            b, dropped = vectorise_chunk(tx, query_kind, chunk.records, chunk.lines, str(query_path),
                                         _counted(chunk_problems, reader))
            counts.rejected_extra += dropped
            part, n_problems, size, digest = chunk_problems.publish(f"errors-{number:06d}.jsonl")
            meta: dict[str, Any] = {
                "number": number, "first_line": chunk.lines[0], "last_line": chunk.lines[-1], "records": len(b),
                "rejected": rejected_now + dropped, "problems": n_problems, "errors_part": part,
                "errors_bytes": size, "errors_sha256": digest}
            handle = ranker.submit(number, b) if len(b) else None
            pending.append((meta, handle, b.ids))
            while len(pending) >= ranker.window:
                _finish(pending.popleft(), ranker, index, out, folder, manifest, counts, p, report)
        while pending:
            _finish(pending.popleft(), ranker, index, out, folder, manifest, counts, p, report)
    finally:
        ranker.close()
    tail = chunk_problems.publish("errors-tail.jsonl")
    counts.done = reader.report.records + reader.report.rejected  # with the rejected records after the last chunk
    query_report = _adjusted(reader.report, counts.rejected_extra)
    counts.seconds["match"] = clock() - counts.match_started

    # 3. join the parts, then the problems
    join_started = clock()
    total = counts.done
    report("join")
    from .writers import concatenate_parts

    parts = [folder / c["part"] for c in manifest.chunks]
    concatenate_parts(parts, out, explanations=p["explanations"] is not None)
    error_parts = [folder / n for n in [manifest.candidates.get("errors_part")]
                   + [c.get("errors_part") for c in manifest.chunks] + [tail[0]] if n]
    counts.problems = manifest.candidates["problems"] + sum(c["problems"] for c in manifest.chunks) + tail[1]
    if p["errors_path"] is not None:
        _join_files(error_parts, p["errors_path"])
    manifest.status = "complete"
    manifest.output = {"path": str(out), "bytes": out.stat().st_size, "sha256": sha256_file(out),
                       "problems": counts.problems,
                       "queries": {"records": query_report.records, "rejected": query_report.rejected}}
    manifest.save()
    for part in parts + error_parts:
        remove_quietly(part)
    with contextlib.suppress(OSError):  # something else was put there: leave it
        folder.rmdir()
    counts.seconds["join"] = clock() - join_started
    counts.seconds["total"] = clock()
    report("done")
    return RunSummary(out, p["errors_path"], manifest.path, p["direction"], query_report, cand_report, len(index),
                      counts.rows, counts.chunks, counts.resumed, counts.problems, min(p["k"], len(index)),
                      {key: round(v, 3) for key, v in counts.seconds.items()}, getattr(ranker, "info", None))


def _counted(sink: Callable[[Problem], None], reader: RecordReader) -> Callable[[Problem], None]:
    """``sink``, counting the warnings of vectorising in the reader's report (its errors are counted by
    :func:`_adjusted`, with the records they leave out)."""
    def note(problem: Problem) -> None:
        if problem.severity == "warning":
            reader.report.n_warnings += 1
        sink(problem)
    return note


def _model(kind: str) -> Any:
    from ..models import Jobseeker, Vacancy

    return Jobseeker if kind == "jobseekers" else Vacancy


def _adjusted(report: ReadReport, left_out: int) -> ReadReport:
    """A reader's report with the records vectorising left out moved from read to rejected."""
    if left_out:  # one problem per record left out: what vectorising refuses is one field (the region)
        report.records -= left_out
        report.rejected += left_out
        report.n_errors += left_out
    return report


def _ranker(p: dict[str, Any], index: Any, tx: Any) -> Any:
    if p["dask"] is None:
        return LocalRanker(index, p["k"], p["explanations"], p["lang"], p["n_threads"])
    from .dask import DaskRanker

    return DaskRanker(p["dask"], index, p["k"], p["explanations"], p["lang"], n_workers=p["dask_workers"],
                      threads_per_worker=p["dask_threads"])


def _finish(item: tuple[dict[str, Any], Any, tuple[str, ...]], ranker: Any, index: Any, out: Path, folder: Path,
            manifest: Manifest, counts: _Counts, p: dict[str, Any], report: Callable[[str], Any]) -> None:
    """Write a ranked chunk's part, then record it in the manifest: the part is on disk before the manifest says so."""
    from .writers import part_path, write_part

    meta, handle, ids = item
    k = min(p["k"], len(index))
    if handle is None:
        result = ChunkResult(np.zeros((0, k), np.int32), np.zeros((0, k), np.float32), [] if p["explanations"] else None)
    else:
        result = ranker.result(handle)
    texts = result.explanations
    explain = (lambda r, c: texts[r][c]) if texts is not None else None
    path = part_path(out, meta["number"])
    write_part(folder / path.name, result.indices, result.scores, ids, index.ids, explain=explain,
               explanations=texts is not None, decimals=p["decimals"])
    rows = int((result.indices >= 0).sum())
    meta.update(rows=rows, part=path.name, bytes=(folder / path.name).stat().st_size,
                sha256=sha256_file(folder / path.name))
    manifest.chunks.append(meta)
    manifest.save()
    counts.rows += rows
    counts.chunks += 1
    counts.done += meta["records"] + meta["rejected"]
    report("match")


def _event(phase: str, unit: str, counts: _Counts, total: int | None, manifest: Manifest, clock: Clock) -> Progress:
    rejected = sum(c["rejected"] for c in manifest.chunks)
    return Progress(phase, unit, counts.done, total if phase in ("index", "match") else counts.done, counts.chunks,
                    counts.resumed, counts.rows, rejected, clock(), counts.match_started, counts.done_at_start)


def _previous_run(manifest: Manifest, resume: bool, out: Path) -> Manifest | None:
    """The interrupted (or finished) run to continue, or None to start afresh."""
    if not resume or not manifest.path.exists():
        return None
    previous = Manifest.load(manifest.path)
    differences = previous.differences(manifest)
    if differences:
        raise InputError([Problem("cannot resume: " + "; ".join(differences) + " — run again without --resume to "
                                  "start over", where=str(manifest.path))])
    if previous.status == "complete":
        output = previous.output or {}
        try:
            intact = out.stat().st_size == output.get("bytes") and sha256_file(out) == output.get("sha256")
        except OSError:
            intact = False
        if not intact:  # the output went missing or was changed after the run: the parts are gone, start over
            return None
    return previous


def _verified_prefix(previous: Manifest, folder: Path) -> list[dict[str, Any]]:
    """The finished chunks of an interrupted run whose parts are intact, up to the first that is not."""
    good = []
    for number, chunk in enumerate(previous.chunks):
        if chunk.get("number") != number or not check_part(folder, chunk):
            break
        good.append(chunk)
    return good


def _check_resumed(recorded: dict[str, Any], chunk: Any, path: Path) -> None:
    if (recorded["first_line"], recorded["last_line"]) != (chunk.lines[0], chunk.lines[-1]):
        raise InputError([Problem(f"cannot resume: chunk {chunk.number} now spans lines {chunk.lines[0]}–"
                                  f"{chunk.lines[-1]}, the interrupted run recorded {recorded['first_line']}–"
                                  f"{recorded['last_line']}; run again without --resume", where=str(path))])


def _complete_summary(previous: Manifest, out: Path, p: dict[str, Any], query_kind: str, clock: Clock) -> RunSummary:
    queries = ReadReport(previous.inputs["queries"]["path"])
    done = (previous.output or {}).get("queries", {})
    queries.records, queries.rejected = done.get("records", 0), done.get("rejected", 0)
    candidates = ReadReport(previous.inputs["candidates"]["path"], records=previous.candidates.get("records", 0),
                            rejected=previous.candidates.get("rejected", 0))
    counts = previous.counts()
    n_candidates = candidates.records
    return RunSummary(out, p["errors_path"] if p["errors_path"] and Path(p["errors_path"]).exists() else None,
                      previous.path, p["direction"], queries, candidates, n_candidates, counts["rows"],
                      counts["chunks"], counts["chunks"], (previous.output or {}).get("problems", 0),
                      min(p["k"], max(1, n_candidates)), {"total": round(clock(), 3)}, None, complete_before=True)


def _join_files(parts: Sequence[Path], target: Path) -> None:
    from .writers import atomic_write

    def write(f: IO[bytes]) -> None:
        for part in parts:
            with open(part, "rb") as src:
                while block := src.read(1 << 20):
                    f.write(block)

    atomic_write(target, write)


def estimate_records(path: str | os.PathLike) -> int | None:
    """The number of records in a query file, for progress: Parquet rows, or non-empty lines (less a CSV header)."""
    path = Path(path)
    fmt = file_format(path)
    try:
        if fmt.kind == "parquet":
            _, pq = import_pyarrow()
            return int(pq.ParquetFile(path).metadata.num_rows)
        import gzip

        lines, last = 0, b"\n"
        with (gzip.open(path, "rb") if fmt.gzip else open(path, "rb")) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                lines += block.count(b"\n")
                last = block[-1:]
        lines += last != b"\n"
        return max(0, lines - (1 if fmt.kind == "csv" else 0))
    except Exception:  # an estimate only: the reader reports what is wrong with the file
        return None

