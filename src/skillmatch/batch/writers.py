"""Writers of match results, errors and input records, chunk by chunk, byte for byte deterministic.

Match results
-------------
One row per (query, rank) that has a candidate, in the columns of
:data:`~skillmatch.batch.readers.RESULT_COLUMNS`: ``query`` (id), ``rank`` (from 1),
``candidate`` (id), ``score`` and, when asked for, ``explanation``. The writers take the
arrays of the ranking contract — ``indices`` int (n, k) and ``scores`` float32 (n, k),
padded with -1 / -inf — with ``query_ids`` and ``candidate_ids``, and nothing of the
matcher's classes. The format follows the extension (``.csv``, ``.jsonl``, ``.parquet``,
``.csv.gz``, ``.jsonl.gz``).

Same input, same bytes: CSV uses ``,`` and ``\\n`` line ends, quoting only where needed;
JSONL has sorted keys and no spaces; a score is written as the shortest decimal that
reads back as the very same float32 (``0.9``, ``0.6369617``: what ``repr`` of a NumPy
float32 shows; ``decimals=6`` writes ``%.6f`` instead); Parquet stores the float32
itself. Gzip output has no time stamp or file name in it. Plain CSV and JSONL do not
depend on how the rows were cut into chunks; gzip output has a gzip member per chunk and
Parquet a row group per chunk, so there the same chunks give the same bytes — streamed or
as joined part files.

Chunks and parts
----------------
:class:`ResultWriter` appends chunk after chunk to a temporary file next to the target and
moves it into place on :meth:`~ResultWriter.close` (an interrupted run leaves no
half-written output). With ``atomic=True`` it writes every chunk as a part file instead
(:func:`write_part`: a unique temporary name in the same folder, fsync, rename), and
:meth:`~ResultWriter.close` joins them (:func:`concatenate_parts`). A resumable run keeps
the parts of the chunks it finished and concatenates at the end; the result is identical
to a run without interruption. A CSV part holds rows only: the header is written by the
concatenation. A Parquet part is a complete file, and the joined file has one row group
per part, as the streaming writer has per chunk.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import math
import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
from pydantic import BaseModel

from ..problems import InputError, Problem
from .readers import (
    RESULT_COLUMNS,
    RESULT_FIELDS,
    Column,
    FileFormat,
    file_format,
    format_skill_item,
    import_pyarrow,
    record_columns,
)

Explain = Callable[[int, int], "str | Mapping[str, Any] | None"]
GZIP_LEVEL = 6


# --- atomic files ------------------------------------------------------------------------------


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not every platform opens folders (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _publish(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)
    _fsync_folder(path.parent)


def folder_problem(path: str | Path) -> str | None:
    """Why no file can be written at ``path``: it is a folder, or a folder above it is a file
    (``/dev/null/x``); None when it can be tried."""
    path = Path(path)
    if path.is_dir():
        return f"{path} is a folder; expected a file name"
    for parent in path.parents:  # the nearest that exists decides
        if parent.exists():
            return None if parent.is_dir() else f"{parent} is not a folder"
    return None


def make_folder_for(path: Path) -> None:
    """Make the folder a file is written into; an error naming ``path`` when that cannot be (``/dev/null/x``)."""
    why = folder_problem(path)
    if why is not None:
        raise InputError([Problem(f"cannot write the file here: {why}", where=str(path))])
    path.parent.mkdir(parents=True, exist_ok=True)


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Write ``path`` through ``write(file)`` so that it appears complete or not at all.

    The bytes go to a unique temporary name in the same folder, are flushed and fsynced,
    and the file is renamed onto ``path`` (an atomic replace on POSIX and Windows).
    """
    path = Path(path)
    make_folder_for(path)
    tmp = _temporary_name(path)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        _publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# --- encoding results --------------------------------------------------------------------------


def _check_results(indices: Any, scores: Any, query_ids: Sequence[str], candidate_ids: Sequence[str]):
    indices = np.asarray(indices)
    scores = np.asarray(scores)
    if indices.ndim != 2 or scores.shape != indices.shape:
        raise InputError(f"indices and scores: expected two arrays of the same shape (n, k), got {indices.shape} "
                         f"and {scores.shape}")
    if indices.size and not np.issubdtype(indices.dtype, np.integer):
        raise InputError(f"indices: expected integers, got dtype {indices.dtype}")
    if len(query_ids) != len(indices):
        raise InputError(f"query_ids: expected {len(indices)} ids (one per row of indices), got {len(query_ids)}")
    valid = indices >= 0
    if indices.size and indices.max(initial=-1) >= len(candidate_ids):
        raise InputError(f"indices: expected values below {len(candidate_ids)} (the number of candidate_ids), "
                         f"found {int(indices.max())}")
    if indices.size and (indices < -1).any():
        raise InputError(f"indices: expected -1 for padding, found {int(indices.min())}")
    if indices.shape[1] > 1 and (valid[:, 1:] & ~valid[:, :-1]).any():
        row = int(np.flatnonzero((valid[:, 1:] & ~valid[:, :-1]).any(axis=1))[0])
        raise InputError(f"indices row {row}: padding (-1) must come after the candidates, found "
                         f"{indices[row].tolist()}")
    bad = valid & ~np.isfinite(scores)
    if bad.any():
        row, col = (int(x[0]) for x in np.nonzero(bad))
        raise InputError(f"scores[{row}, {col}]: expected a finite score for candidate {int(indices[row, col])}, "
                         f"found {scores[row, col]}")
    return indices, scores.astype(np.float32, copy=False), valid


def _shortest_digits(x32: np.ndarray) -> np.ndarray:
    """Per value, the fewest significant digits (1–9) whose decimal reads back as the same float32."""
    x64 = x32.astype(np.float64)
    digits = np.full(len(x32), 9, np.int64)
    todo = np.isfinite(x64) & (x64 != 0)
    digits[~todo] = 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        exponent = np.floor(np.log10(np.abs(np.where(todo, x64, 1.0))))
        for p in range(1, 9):
            scale = 10.0 ** (p - 1 - exponent)
            hit = todo & ((np.round(x64 * scale) / scale).astype(np.float32) == x32)
            digits[hit] = p
            todo &= ~hit
    return digits


def score_values(scores: np.ndarray, decimals: int | None = None) -> list[float]:
    """Scores as the Python floats that are written (see the module docstring).

    By default each float32 becomes the shortest decimal that reads back as the same
    float32 (``0.9``, ``0.6369617``); with ``decimals`` it is rounded to that many places.
    """
    x32 = np.asarray(scores, np.float32).ravel()
    x64 = x32.astype(np.float64).tolist()
    if decimals is not None:
        return [float(f"{v:.{decimals}f}") for v in x64]
    values = [float(f"{v:.{p}g}") for v, p in zip(x64, _shortest_digits(x32).tolist())]
    wrong = np.flatnonzero(np.asarray(values, np.float32) != x32)
    for i in wrong.tolist():  # the vectorised rounding missed; 9 digits always read back
        values[i] = float(f"{x64[i]:.9g}")
    return values


def _score_text(value: float, decimals: int | None) -> str:
    return repr(value) if decimals is None else f"{value:.{decimals}f}"


def _explanation_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _result_rows(indices, scores, query_ids, candidate_ids, explain: Explain | None, decimals: int | None):
    indices, scores, valid = _check_results(indices, scores, query_ids, candidate_ids)
    rows, cols = np.nonzero(valid)
    values = score_values(scores[rows, cols], decimals)
    cands = indices[rows, cols].tolist()
    for r, c, j, value in zip(rows.tolist(), cols.tolist(), cands, values):
        explanation = explain(r, c) if explain is not None else None
        yield query_ids[r], c + 1, candidate_ids[j], value, explanation


def _csv_line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def encode_results(indices, scores, query_ids: Sequence[str], candidate_ids: Sequence[str], kind: str, *,
                   explain: Explain | None = None, explanations: bool = False,
                   decimals: int | None = None) -> bytes:
    """The rows of one chunk as CSV (without header) or JSONL bytes."""
    rows = _result_rows(indices, scores, query_ids, candidate_ids, explain, decimals)
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for query, rank, cand, value, expl in rows:
            row = [query, rank, cand, _score_text(value, decimals)]
            writer.writerow(row + [_explanation_text(expl) or ""] if explanations else row)
        return buffer.getvalue().encode("utf-8")
    lines = []
    for query, rank, cand, value, expl in rows:
        record: dict[str, Any] = dict(zip(RESULT_COLUMNS, (query, rank, cand, value)))
        if explanations:
            record[RESULT_COLUMNS[-1]] = expl if isinstance(expl, (str, type(None))) else dict(expl)
        lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str))
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _result_schema(explanations: bool):
    pa, _ = import_pyarrow()
    names = RESULT_COLUMNS if explanations else RESULT_COLUMNS[:-1]
    return pa.schema([pa.field(name, getattr(pa, RESULT_FIELDS[name])()) for name in names])


def results_table(indices, scores, query_ids: Sequence[str], candidate_ids: Sequence[str], *,
                  explain: Explain | None = None, explanations: bool = False):
    """The rows of one chunk as a pyarrow Table (scores stay float32)."""
    pa, _ = import_pyarrow()
    indices, scores, valid = _check_results(indices, scores, query_ids, candidate_ids)
    rows, cols = np.nonzero(valid)
    cands = indices[rows, cols]
    columns = [pa.array([query_ids[r] for r in rows.tolist()], pa.string()),
               pa.array((cols + 1).astype(np.int32)), pa.array([candidate_ids[j] for j in cands.tolist()], pa.string()),
               pa.array(scores[rows, cols].astype(np.float32))]
    if explanations:
        texts = [_explanation_text(explain(r, c)) if explain else None for r, c in zip(rows.tolist(), cols.tolist())]
        columns.append(pa.array(texts, pa.string()))
    return pa.Table.from_arrays(columns, schema=_result_schema(explanations))


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def _result_header(explanations: bool) -> bytes:
    names = RESULT_COLUMNS if explanations else RESULT_COLUMNS[:-1]
    return _csv_line(names).encode("utf-8")


# --- part files ---------------------------------------------------------------------------------


def part_path(out: str | Path, number: int) -> Path:
    """Where part ``number`` of output ``out`` goes: ``<out>.parts/part-000042<suffixes of out>``."""
    out = Path(out)
    suffix = "".join(out.suffixes[-2:]) if out.name.lower().endswith(".gz") else out.suffix
    return out.with_name(out.name + ".parts") / f"part-{number:06d}{suffix}"


def write_part(path: str | Path, indices, scores, query_ids: Sequence[str], candidate_ids: Sequence[str], *,
               explain: Explain | None = None, explanations: bool = False, decimals: int | None = None) -> Path:
    """Write one chunk of results as a part file, atomically (temporary name, fsync, rename).

    The format follows ``path``'s extension. CSV parts hold rows without header; Parquet
    parts are complete files. Join parts with :func:`concatenate_parts`.
    """
    fmt = file_format(path)
    if fmt.kind == "parquet":
        table = results_table(indices, scores, query_ids, candidate_ids, explain=explain, explanations=explanations)
        _, pq = import_pyarrow()
        return atomic_write(path, lambda f: _write_parquet_tables(f, [table], table.schema, pq))
    data = encode_results(indices, scores, query_ids, candidate_ids, fmt.kind, explain=explain,
                          explanations=explanations, decimals=decimals)
    return atomic_write(path, lambda f: f.write(_gzip(data) if fmt.gzip and data else data))


def _write_parquet_tables(f: IO[bytes], tables: Iterable[Any], schema: Any, pq: Any) -> None:
    with pq.ParquetWriter(f, schema, compression="snappy") as writer:
        for table in tables:
            if table.num_rows:
                writer.write_table(table, row_group_size=max(1, table.num_rows))


def concatenate_parts(parts: Sequence[str | Path], out: str | Path, *, explanations: bool = False,
                      remove: bool = False) -> Path:
    """Join result part files into ``out`` atomically; ``remove`` deletes the parts afterwards.

    CSV output gets its header here; text parts are copied byte for byte; Parquet parts
    are read one at a time and written as one row group each (memory: one part).
    """
    out = Path(out)
    fmt = file_format(out)
    for part in parts:
        if file_format(part) != fmt:
            raise InputError(f"part {part}: expected the format of {out.name} ({fmt.kind}"
                             f"{', gzip' if fmt.gzip else ''})")
    if fmt.kind == "parquet":
        _, pq = import_pyarrow()
        schema = _result_schema(explanations)
        tables = (pq.read_table(part).cast(schema) for part in parts)
        atomic_write(out, lambda f: _write_parquet_tables(f, tables, schema, pq))
    else:
        def write(f: IO[bytes]) -> None:
            if fmt.kind == "csv":
                header = _result_header(explanations)
                f.write(_gzip(header) if fmt.gzip else header)
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(1 << 20):
                        f.write(block)

        atomic_write(out, write)
    if remove:
        for part in parts:
            Path(part).unlink(missing_ok=True)
        _remove_if_empty(Path(parts[0]).parent if parts else None)
    return out


def _remove_if_empty(folder: Path | None) -> None:
    if folder is not None and folder.name.endswith(".parts"):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()


# --- the result writer ----------------------------------------------------------------------------


class ResultWriter:
    """Append match results chunk by chunk to a CSV, JSONL or Parquet file.

    Parameters
    ----------
    path : str or Path
        The output; its extension gives the format.
    explanations : bool
        Write the ``explanation`` column (the ``explain`` callable of :meth:`write` gives it).
    decimals : int, optional
        Write scores as ``%.{decimals}f`` rather than exactly (text formats only).
    atomic : bool
        Write each chunk as an atomic part file (:func:`part_path`) and join them on close.

    Use as a context manager: on an exception nothing is published and the temporary
    file (or the parts) are left for inspection or resumption — parts stay, a partial
    stream is removed.
    """

    def __init__(self, path: str | Path, *, explanations: bool = False, decimals: int | None = None,
                 atomic: bool = False):
        if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool)
                                     or not 0 <= decimals <= 17):
            raise InputError(f"decimals: expected an integer from 0 to 17 or None, got {decimals!r}")
        self.path = Path(path)
        self.format: FileFormat = file_format(self.path)
        if self.format.kind == "parquet":
            import_pyarrow()
        self.explanations = explanations
        self.decimals = decimals
        self.atomic = atomic
        self.parts: list[Path] = []
        self.rows = 0
        self.chunks = 0
        self._tmp: Path | None = None
        self._file: IO[bytes] | None = None
        self._parquet: Any = None
        self._closed = False

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def write(self, indices, scores, query_ids: Sequence[str], candidate_ids: Sequence[str], *,
              explain: Explain | None = None) -> int:
        """Append one chunk; ``explain(row, rank)`` (row of this chunk, rank from 0) gives explanations.

        Returns the number of rows written (pairs with a candidate).
        """
        if self._closed:
            raise InputError(f"{self.path}: the writer is closed")
        options: dict[str, Any] = {"explain": explain, "explanations": self.explanations}
        if self.atomic:
            part = write_part(part_path(self.path, self.chunks), indices, scores, query_ids, candidate_ids,
                              decimals=self.decimals, **options)
            self.parts.append(part)
        elif self.format.kind == "parquet":
            table = results_table(indices, scores, query_ids, candidate_ids, **options)
            writer = self._parquet_writer()
            if table.num_rows:
                writer.write_table(table, row_group_size=table.num_rows)
        else:
            data = encode_results(indices, scores, query_ids, candidate_ids, self.format.kind,
                                  decimals=self.decimals, **options)
            f = self._stream()
            if data:
                f.write(_gzip(data) if self.format.gzip else data)
        written = int((np.asarray(indices) >= 0).sum())
        self.rows += written
        self.chunks += 1
        return written

    def _stream(self) -> IO[bytes]:
        if self._file is None:
            make_folder_for(self.path)
            self._tmp = _temporary_name(self.path)
            self._file = open(self._tmp, "wb")  # noqa: SIM115  (the writer owns it until close or abort)
            if self.format.kind == "csv":
                header = _result_header(self.explanations)
                self._file.write(_gzip(header) if self.format.gzip else header)
        return self._file

    def _parquet_writer(self):
        if self._parquet is None:
            _, pq = import_pyarrow()
            self._stream()
            self._parquet = pq.ParquetWriter(self._file, _result_schema(self.explanations), compression="snappy")
        return self._parquet

    def close(self) -> Path:
        """Publish the output (an empty result still gives a valid file with its header or schema)."""
        if self._closed:
            return self.path
        if self.atomic:
            concatenate_parts(self.parts, self.path, explanations=self.explanations, remove=True)
        else:
            if self.format.kind == "parquet":
                self._parquet_writer().close()
            f = self._stream()
            f.flush()
            os.fsync(f.fileno())
            f.close()
            assert self._tmp is not None
            _publish(self._tmp, self.path)
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Stop without publishing: a partial stream is removed; finished parts stay for a resume."""
        if self._closed:
            return
        self._closed = True
        if self._parquet is not None:
            with contextlib.suppress(Exception):  # the stream is being thrown away
                self._parquet.close()
        if self._file is not None:
            self._file.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)


def write_results(path: str | Path, indices, scores, query_ids: Sequence[str], candidate_ids: Sequence[str], *,
                  explain: Explain | None = None, explanations: bool | None = None,
                  decimals: int | None = None) -> Path:
    """Write one set of results to ``path`` in one go (see :class:`ResultWriter`)."""
    with ResultWriter(path, explanations=explain is not None if explanations is None else explanations,
                      decimals=decimals) as writer:
        writer.write(indices, scores, query_ids, candidate_ids, explain=explain)
    return writer.path


# --- errors ------------------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def problem_record(problem: Problem) -> dict[str, Any]:
    """The JSON object of one problem in an errors file."""
    return {"file": problem.where, "line": problem.line, "record": problem.record, "field": problem.field,
            "value": _json_safe(problem.value), "reason": problem.message, "severity": problem.severity}


def encode_problems(problems: Iterable[Problem]) -> bytes:
    """Problems as errors-file lines (JSON objects of :func:`problem_record`, keys sorted), UTF-8."""
    return "".join(json.dumps(problem_record(p), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
                   for p in problems).encode("utf-8")


class ErrorWriter:
    """A JSONL errors file: one object per problem with ``file``, ``line``, ``record``,
    ``field``, ``value``, ``reason`` and ``severity``, keys sorted.

    Call it with a :class:`~skillmatch.problems.Problem` (it is a reader's ``errors``
    sink); ``count`` counts what it wrote. Lines are flushed on :meth:`close` (and every
    ``flush_every`` problems), so the file is readable while a long run goes on.
    """

    def __init__(self, path: str | Path, *, append: bool = False, flush_every: int = 1000):
        self.path = Path(path)
        make_folder_for(self.path)
        self._file = open(self.path, "a" if append else "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        self.count = 0
        self.flush_every = max(1, flush_every)

    def __call__(self, problem: Problem) -> None:
        self.write(problem)

    def write(self, problem: Problem) -> None:
        self._file.write(encode_problems([problem]).decode("utf-8"))
        self.count += 1
        if self.count % self.flush_every == 0:
            self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> ErrorWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- input records ------------------------------------------------------------------------------------


def _cell(column: Column, record: BaseModel) -> Any:
    value = getattr(record, column.field)
    if column.kind in ("lat", "lon"):
        return None if value is None else getattr(value, column.kind)
    if value is None:
        return None
    if column.kind in ("skills", "requirements"):
        return ";".join(format_skill_item(item) for item in value) or None
    if column.kind == "multi":
        return "|".join(str(v) for v in value) or None
    if column.kind == "mapping":
        return "|".join(f"{k}={v}" for k, v in value.items()) or None
    if column.kind == "json":
        if isinstance(value, (tuple, list)) and not value:
            return None
        data = [v.model_dump(mode="json") for v in value] if isinstance(value, (tuple, list)) else \
            value.model_dump(mode="json")
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, BaseModel):
        return json.dumps(value.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return value


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class RecordWriter:
    """Write jobseeker or vacancy records chunk by chunk as JSONL, CSV or Parquet.

    JSONL holds the JSON of each record without default values, keys sorted; CSV and
    Parquet the columns of :func:`~skillmatch.batch.readers.record_columns`, so that the
    readers read back equal records. The file appears complete on :meth:`close`.
    """

    def __init__(self, path: str | Path, model: type[BaseModel]):
        self.path = Path(path)
        self.format = file_format(self.path)
        self.model = model
        self.columns = record_columns(model)
        self.count = 0
        make_folder_for(self.path)
        self._tmp = _temporary_name(self.path)
        self._file: IO[bytes] = open(self._tmp, "wb")  # noqa: SIM115  (owned until close or abort)
        self._parquet: Any = None
        if self.format.kind == "csv":
            self._put(_csv_line([c.name for c in self.columns]).encode("utf-8"))
        elif self.format.kind == "parquet":
            _, pq = import_pyarrow()
            self._parquet = pq.ParquetWriter(self._file, self._schema(), compression="snappy")

    def _schema(self):
        pa, _ = import_pyarrow()
        types = {"number": pa.float64(), "lat": pa.float64(), "lon": pa.float64()}
        return pa.schema([pa.field(c.name, types.get(c.kind, pa.string())) for c in self.columns])

    def _put(self, data: bytes) -> None:
        if data:
            self._file.write(_gzip(data) if self.format.gzip else data)

    def write(self, records: Iterable[BaseModel]) -> int:
        """Append a chunk of records; returns how many were written."""
        records = list(records)
        for r in records:
            if not isinstance(r, self.model):
                raise InputError(f"records: expected {self.model.__name__} records, got {type(r).__name__}")
        if self.format.kind == "jsonl":
            self._put("".join(json.dumps(r.model_dump(mode="json", exclude_defaults=True), sort_keys=True,
                                         ensure_ascii=False, separators=(",", ":")) + "\n"
                              for r in records).encode("utf-8"))
        elif self.format.kind == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for r in records:
                writer.writerow([_cell_text(_cell(c, r)) for c in self.columns])
            self._put(buffer.getvalue().encode("utf-8"))
        elif records:
            pa, _ = import_pyarrow()
            schema = self._schema()
            arrays = []
            for c, f in zip(self.columns, schema):
                cells = [_cell(c, r) for r in records]
                if f.type == pa.string():
                    cells = [None if v is None else _cell_text(v) for v in cells]
                arrays.append(pa.array(cells, f.type))
            self._parquet.write_table(pa.Table.from_arrays(arrays, schema=schema))
        self.count += len(records)
        return len(records)

    def close(self) -> Path:
        if self._file.closed:
            return self.path
        if self._parquet is not None:
            self._parquet.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        _publish(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def write_records(path: str | Path, records: Iterable[BaseModel], model: type[BaseModel] | None = None) -> Path:
    """Write jobseekers or vacancies to ``path`` (format by extension).

    ``model`` defaults to the type of the first record.
    """
    records = list(records)
    if model is None:
        if not records:
            raise InputError("write_records: pass model= when there are no records to take the type from")
        model = type(records[0])
    with RecordWriter(path, model) as writer:
        writer.write(records)
    return writer.path


# --- assignments ------------------------------------------------------------------------------------

ASSIGNMENT_COLUMNS = ("method", "jobseeker", "vacancy", "score", "rank")


def write_assignments(path: str | Path, assignments: Iterable[Any], jobseeker_ids: Sequence[str],
                      vacancy_ids: Sequence[str]) -> int:
    """Write assignments (:class:`~skillmatch.batch.allocate.Assignment`) as CSV, JSONL or Parquet.

    One row per assigned person and method, in the columns of :data:`ASSIGNMENT_COLUMNS`:
    ``method`` (``optimal`` / ``stable``), ``jobseeker``, ``vacancy``, ``score`` (written
    as result scores are) and ``rank`` (the vacancy's place in the person's list, 1 =
    first). Rows follow the methods in the order given, then the people in input order.
    Returns the number of rows; the file appears complete or not at all.
    """
    columns: dict[str, list[Any]] = {name: [] for name in ASSIGNMENT_COLUMNS}
    for a in assignments:
        people = np.flatnonzero(a.vacancy >= 0)
        if len(people) and (len(jobseeker_ids) <= people.max() or len(vacancy_ids) <= a.vacancy.max()):
            raise InputError(f"assignments: expected {len(jobseeker_ids)} jobseeker ids and {len(vacancy_ids)} "
                             "vacancy ids covering the assignment")
        columns["method"] += [a.method] * len(people)
        columns["jobseeker"] += [jobseeker_ids[i] for i in people.tolist()]
        columns["vacancy"] += [vacancy_ids[j] for j in a.vacancy[people].tolist()]
        columns["score"] += score_values(a.score[people])
        columns["rank"] += (a.rank[people] + 1).tolist()
    fmt = file_format(path)
    n = len(columns["method"])
    if fmt.kind == "parquet":
        pa, pq = import_pyarrow()
        table = pa.table({"method": pa.array(columns["method"], pa.string()),
                          "jobseeker": pa.array(columns["jobseeker"], pa.string()),
                          "vacancy": pa.array(columns["vacancy"], pa.string()),
                          "score": pa.array(np.asarray(columns["score"], np.float32)),
                          "rank": pa.array(np.asarray(columns["rank"], np.int32))})
        atomic_write(path, lambda f: _write_parquet_tables(f, [table], table.schema, pq))
        return n
    rows = zip(*(columns[name] for name in ASSIGNMENT_COLUMNS))
    if fmt.kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(ASSIGNMENT_COLUMNS)
        for method, person, vacancy, score, rank in rows:
            writer.writerow([method, person, vacancy, repr(score), rank])
        data = buffer.getvalue().encode("utf-8")
    else:
        data = "".join(json.dumps(dict(zip(ASSIGNMENT_COLUMNS, row)), sort_keys=True, ensure_ascii=False,
                                  separators=(",", ":")) + "\n" for row in rows).encode("utf-8")
    atomic_write(path, lambda f: f.write(_gzip(data) if fmt.gzip else data))
    return n
