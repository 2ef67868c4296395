"""The batch stage: files in and out, allocation across a caseload.

- :mod:`~skillmatch.batch.readers` — streaming readers of jobseekers, vacancies and match
  results (JSONL, CSV, Parquet), which report every bad line with file, line, field and value;
- :mod:`~skillmatch.batch.writers` — match results, errors and input records written chunk
  by chunk, byte for byte deterministic, with atomic part files for resumable runs;
- :mod:`~skillmatch.batch.allocate` — the best assignment under the vacancies' capacities,
  a stable one by deferred acceptance, and congestion figures of top-k lists against them;
- :mod:`~skillmatch.batch.run` — :func:`run_match`, a whole caseload from files: chunked,
  with a manifest (:mod:`~skillmatch.batch.manifest`) so an interrupted run resumes,
  progress (:mod:`~skillmatch.batch.progress`) and, optionally, Dask
  (:mod:`~skillmatch.batch.dask`).

Import is cheap: the submodules load on first use of a name.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "read_jobseekers": "readers",
    "read_vacancies": "readers",
    "read_records": "readers",
    "read_results": "readers",
    "read_topk": "readers",
    "record_columns": "readers",
    "file_format": "readers",
    "Chunk": "readers",
    "ReadReport": "readers",
    "RecordReader": "readers",
    "ResultReader": "readers",
    "ResultRecord": "readers",
    "TopK": "readers",
    "RESULT_COLUMNS": "readers",
    "ResultWriter": "writers",
    "RecordWriter": "writers",
    "ErrorWriter": "writers",
    "write_results": "writers",
    "write_records": "writers",
    "write_part": "writers",
    "concatenate_parts": "writers",
    "part_path": "writers",
    "write_assignments": "writers",
    "encode_problems": "writers",
    "run_match": "run",
    "RunSummary": "run",
    "Progress": "progress",
    "Manifest": "manifest",
    "Assignment": "allocate",
    "Congestion": "allocate",
    "Allocation": "allocate",
    "optimal_assignment": "allocate",
    "stable_assignment": "allocate",
    "congestion": "allocate",
    "allocate_caseload": "allocate",
}

__all__ = [  # noqa: RUF022  (sorted by name, as the _EXPORTS keys)
    "Allocation", "Assignment", "Chunk", "Congestion", "ErrorWriter", "Manifest", "Progress", "RESULT_COLUMNS",
    "ReadReport", "RecordReader", "RecordWriter", "ResultReader", "ResultRecord", "ResultWriter", "RunSummary",
    "TopK", "allocate_caseload", "concatenate_parts", "congestion", "encode_problems", "file_format",
    "optimal_assignment", "part_path", "read_jobseekers", "read_records", "read_results", "read_topk",
    "read_vacancies", "record_columns", "run_match", "stable_assignment", "write_assignments", "write_part",
    "write_records", "write_results",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'skillmatch.batch' has no attribute {name!r}")
    value = getattr(import_module(f"skillmatch.batch.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from .allocate import (
        Allocation,
        Assignment,
        Congestion,
        allocate_caseload,
        congestion,
        optimal_assignment,
        stable_assignment,
    )
    from .manifest import Manifest
    from .progress import Progress
    from .readers import (
        RESULT_COLUMNS,
        Chunk,
        ReadReport,
        RecordReader,
        ResultReader,
        ResultRecord,
        TopK,
        file_format,
        read_jobseekers,
        read_records,
        read_results,
        read_topk,
        read_vacancies,
        record_columns,
    )
    from .run import RunSummary, run_match
    from .writers import (
        ErrorWriter,
        RecordWriter,
        ResultWriter,
        concatenate_parts,
        encode_problems,
        part_path,
        write_assignments,
        write_part,
        write_records,
        write_results,
    )
