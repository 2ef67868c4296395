"""Streaming readers of jobseeker, vacancy and match-result files.

A reader is an iterable of :class:`Chunk` s: up to ``chunk_size`` valid records with the
line each came from. It never holds more than one chunk, so memory is bounded by the chunk
size whatever the file size. Every bad record is reported as a
:class:`~skillmatch.problems.Problem` naming the file, the line, the record id (when one
can be read), the field and the value that came; it goes to the ``errors`` sink (for
instance an :class:`~skillmatch.batch.writers.ErrorWriter`), is counted in the reader's
:class:`ReadReport`, and the run goes on — unless ``strict=True``, when the first chunk
with an error raises an :class:`~skillmatch.problems.InputError` naming its problems.
Problems with the whole file (no such file, unknown format or columns, UTF-16 text) raise
at once: no record of such a file could be read.

Formats
-------
The format follows the file name: ``.jsonl``, ``.csv``, ``.parquet``, and ``.jsonl.gz`` /
``.csv.gz`` for gzip-compressed text. Text is UTF-8 (a byte-order mark is allowed); a line
that is not UTF-8 is a bad record whose message says so (Latin-1 and Windows-1252 exports
are the usual cause), and a UTF-16 file is refused with a message saying how to save it.

**JSONL**: one JSON object per line, with the fields of
:class:`~skillmatch.models.Jobseeker` or :class:`~skillmatch.models.Vacancy`
(``skillmatch schema jobseeker`` prints them). Blank lines are skipped. NaN and Infinity
are refused, as are fields the model does not have.

**CSV**: a header row, then one record per row; comma-separated (a header that holds
semicolons or tabs and no commas switches the delimiter, and then a decimal comma in a
number is accepted too). An empty cell means the field's default. A row whose number of
fields differs from the header's is a bad record, and so is a quoted value that runs over
several lines (a stray ``"`` that swallowed the lines after it; the message gives both
lines). The columns follow from the model (:func:`record_columns` lists them); for the
records of this version:

- ``id``: the record id (required; unique within a file);
- ``skills`` (jobseekers): ``skill[:level][:evidence]`` items separated by ``;``;
- ``requirements`` (vacancies): ``skill[:importance][:level]`` items separated by ``;``;
- ``occupation``: occupation id, or its name when a taxonomy is given;
- ``region``: arbeidsmarktregio id (``rijnmond``);
- ``lat``, ``lon``: the location in WGS84 degrees, both or neither;
- ``hours_min``, ``hours_max``: hours per week;
- ``max_travel_km`` (jobseekers): the furthest a person travels;
- ``support_needs``, ``tags`` (jobseekers) and ``offers`` (vacancies): ``|``-separated;
- ``attributes`` (jobseekers): ``key=value|key=value``, or one ``attributes.KEY`` column per key;
- ``language_level``, ``study_hours_per_week``, ``budget_eur``, ``funding``, ``delivery``,
  ``available_from`` (jobseekers, for training plans): CEFR level, hours, euros,
  ``|``-separated lists, ``YYYY-MM-DD``;
- ``title``, ``employer``, ``contract``, ``sector``, ``positions`` (vacancies): text, the
  contract kind, the sector id, and the number of people the vacancy takes (default 1).

A skill item is a skill id (``https://…``, ``urn:…``) or, when the reader has a taxonomy,
the text of a skill's label (``verzorgen:4;heftruck rijden``), which is resolved through
:class:`~skillmatch.labels.LabelIndex`. Qualifiers follow the skill after ``:`` in any
order: a number is the level (1–5), ``essential``/``important``/``somewhat`` (or
``essentieel``/``belangrijk``/``enigszins``) the importance, and ``diploma``,
``praktijkverklaring``, ``experience`` or ``self-reported`` the evidence. Qualifiers are
taken from the right, one of each kind, so an id that ends in ``:2`` is written with its
level after it (``urn:x:2:3``). Columns of fields added to the models later follow the
same rules: numbers and text as they are, ``|`` between the values of a list, JSON for
anything nested. ``docs/batch-files.md`` has the full reference with examples.

**Parquet** (``pip install "skillmatch[parquet]"``): the same columns as CSV, typed or as
text; list and struct columns holding the JSON shape are accepted as well. The "line" of
a Parquet record is its row number, counted from 1.

With a taxonomy
---------------
Given ``taxonomy=``, a reader checks what vectorising would otherwise refuse for a whole
batch: unknown skill and occupation ids become bad records, with the closest id as a hint
(for the first ``hints`` distinct unknown ids, so that a file with ten thousand of them is
still read in seconds); label text is resolved, a label that scores below
``min_label_score`` is a bad record and an ambiguous one a warning (once per text; a bad
record with ``ambiguous="reject"``); the outcome of every label is in
:attr:`ReadReport.labels`. A region that is not one of the taxonomy's is a warning.

Match results
-------------
:func:`read_results` reads what :class:`~skillmatch.batch.writers.ResultWriter` writes:
the columns of :data:`RESULT_COLUMNS` (``query``, ``rank`` from 1, ``candidate``,
``score``, optionally ``explanation``); :func:`read_topk` turns a results file back into
the ``indices``/``scores`` arrays of the ranking contract.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
import typing
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ValidationError

from ..models import Evidence, GeoPoint, Jobseeker, Requirement, SkillClaim, Vacancy
from ..problems import InputError, Problem, closest

R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")  # a chunk also carries result records, which are not models
ErrorSink = Callable[[Problem], None]

PARQUET_HINT = 'reading and writing Parquet needs pyarrow: pip install "skillmatch[parquet]"'

# --- file formats ---------------------------------------------------------------------------

_SUFFIXES = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class FileFormat:
    """What a file name says about its content: ``kind`` and whether it is gzip-compressed."""

    kind: Literal["jsonl", "csv", "parquet"]
    gzip: bool = False


def file_format(path: str | Path) -> FileFormat:
    """The format of ``path`` by its extension (``.jsonl``, ``.csv``, ``.parquet``, ``.jsonl.gz``, ``.csv.gz``)."""
    name = Path(path).name.lower()
    compressed = name.endswith(".gz")
    base = name[:-3] if compressed else name
    for suffix, kind in _SUFFIXES.items():
        if base.endswith(suffix) and not (compressed and kind == "parquet"):
            return FileFormat(kind, compressed)  # type: ignore[arg-type]
    raise InputError(f"{path}: cannot tell the format from the file name; expected a name ending in .jsonl, "
                     ".csv or .parquet (or .jsonl.gz, .csv.gz)")


def import_pyarrow():
    """``(pyarrow, pyarrow.parquet)``, or an :class:`InputError` saying how to install them."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as e:
        raise InputError(PARQUET_HINT) from e
    return pyarrow, pyarrow.parquet


# --- columns of flat files ------------------------------------------------------------------

ColumnKind = Literal["text", "number", "multi", "skills", "requirements", "lat", "lon", "mapping", "json"]


@dataclass(frozen=True)
class Column:
    """One column of a flat (CSV or Parquet) record file and the model field it fills."""

    name: str
    field: str
    kind: ColumnKind
    required: bool = False


def _strip_optional(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _column_kind(annotation: Any) -> ColumnKind | Literal["point"]:
    """How a field of this type is spelled in one cell (see the module docstring)."""
    annotation = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    if annotation is GeoPoint:
        return "point"
    if origin in (tuple, list):
        item = _strip_optional(typing.get_args(annotation)[0])
        if item is SkillClaim:
            return "skills"
        if item is Requirement:
            return "requirements"
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "json"
        return "multi"
    if origin is dict:
        return "mapping"
    if annotation is float:
        return "number"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "json"
    return "text"


def record_columns(model: type[BaseModel]) -> list[Column]:
    """The CSV/Parquet columns of ``model``, in field order (a location field gives ``lat`` and ``lon``).

    Derived from the model's fields, so fields added later get a column without a change
    here: see the module docstring for how each kind of field is spelled.
    """
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        kind = _column_kind(info.annotation)
        if kind == "point":
            prefix = "" if name == "location" else f"{name}_"
            columns += [Column(f"{prefix}lat", name, "lat"), Column(f"{prefix}lon", name, "lon")]
        else:
            columns.append(Column(name, name, kind, info.is_required()))
    return columns


def _reading_columns(model: type[BaseModel]) -> dict[str, Column]:
    """The columns a reader accepts: :func:`record_columns`, plus each location field by its
    own name holding the JSON shape (a Parquet struct column)."""
    columns = {c.name: c for c in record_columns(model)}
    for c in list(columns.values()):
        if c.kind == "lat":
            columns.setdefault(c.field, Column(c.field, c.field, "json"))
    return columns


# --- skill items: "skill[:qualifier]..." ----------------------------------------------------

_IMPORTANCE_ALIASES = {"essential": "essential", "important": "important", "somewhat": "somewhat",
                       "essentieel": "essential", "belangrijk": "important", "enigszins": "somewhat",
                       "enigszins relevant": "somewhat"}
_EVIDENCE = set(typing.get_args(Evidence))
_LOOKS_LIKE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")


def looks_like_id(value: str) -> bool:
    """Whether ``value`` is spelled like a URI or URN (``scheme:rest``, no spaces) rather than label text."""
    return bool(_LOOKS_LIKE_ID.match(value))


def parse_skill_item(text: str, kind: Literal["skills", "requirements"]) -> dict[str, Any]:
    """One ``skill[:qualifier]...`` item as the dict of a SkillClaim or Requirement.

    Qualifiers are peeled from the right while they are recognised and of a kind not yet
    seen: an integer is the level, an importance or evidence name its field.
    """
    parts = text.split(":")
    item: dict[str, Any] = {}
    level_key = "proficiency" if kind == "skills" else "level"
    while len(parts) > 1:
        token = parts[-1].strip()
        lowered = token.lower()
        if token.isdigit() and level_key not in item:
            item[level_key] = int(token)
        elif kind == "requirements" and lowered in _IMPORTANCE_ALIASES and "importance" not in item:
            item["importance"] = _IMPORTANCE_ALIASES[lowered]
        elif kind == "skills" and lowered in _EVIDENCE and "evidence" not in item:
            item["evidence"] = lowered
        else:
            break
        parts.pop()
    item["skill"] = ":".join(parts).strip()
    return item


def format_skill_item(item: SkillClaim | Requirement) -> str:
    """The cell spelling of one skill claim (``skill:level[:evidence]``) or requirement (``skill:importance:level``)."""
    if isinstance(item, SkillClaim):
        text = f"{item.skill}:{item.proficiency}"
        return text if item.evidence == "self-reported" else f"{text}:{item.evidence}"
    return f"{item.skill}:{item.importance}:{item.level}"


def split_items(value: str, sep: str) -> list[str]:
    return [part.strip() for part in value.split(sep) if part.strip()]


# --- reports and chunks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk(Generic[T]):
    """Up to ``chunk_size`` valid records in file order, with the line of each.

    ``number`` counts chunks from 0; ``lines[i]`` is the 1-based line (CSV: the line where
    the record starts, header = line 1; Parquet: the row number) of ``records[i]``.
    """

    number: int
    records: list[T]
    lines: list[int]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[tuple[int, T]]:
        return iter(zip(self.lines, self.records))


@dataclass
class LabelOutcome:
    """What one label text resolved to: ``status`` is ``resolved``, ``ambiguous`` or ``unresolved``."""

    text: str
    kind: Literal["skill", "occupation"]
    status: Literal["resolved", "ambiguous", "unresolved"]
    id: str | None
    label: str | None
    score: float
    first_line: int
    count: int = 0


@dataclass
class ReadReport:
    """Counts and problems of one pass over a file.

    ``records`` were yielded, ``rejected`` went to the errors sink; ``problems`` holds every
    problem (errors and warnings) unless the reader was asked to keep fewer
    (``keep_problems``), while ``n_errors``/``n_warnings`` always count them all.
    """

    path: str
    records: int = 0
    rejected: int = 0
    n_errors: int = 0
    n_warnings: int = 0
    problems: list[Problem] = field(default_factory=list)
    labels: dict[tuple[str, str], LabelOutcome] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def summary(self) -> str:
        """One line for a log: ``jobseekers.csv: 9,998 records read, 2 rejected (3 errors, 1 warning)``."""
        return (f"{self.path}: {self.records:,} records read, {self.rejected:,} rejected "
                f"({self.n_errors:,} error(s), {self.n_warnings:,} warning(s))")


class _Sink:
    """Where the problems of one pass go: the report, the caller's sink, and the strict check."""

    def __init__(self, report: ReadReport, errors: ErrorSink | None, keep: int | None):
        self.report = report
        self.errors = errors
        self.keep = keep
        self.pending: list[Problem] = []  # errors of the current chunk, for strict mode

    def __call__(self, problem: Problem) -> None:
        if problem.severity == "error":
            self.report.n_errors += 1
            self.pending.append(problem)
        else:
            self.report.n_warnings += 1
        if self.keep is None or len(self.report.problems) < self.keep:
            self.report.problems.append(problem)
        if self.errors is not None:
            self.errors(problem)


# --- bytes to lines -------------------------------------------------------------------------

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _open_binary(path: Path, compressed: bool):
    if not path.exists():
        raise InputError([Problem("no such file", where=str(path))])
    if path.is_dir():
        raise InputError([Problem("is a folder; expected a file", where=str(path))])
    return gzip.open(path, "rb") if compressed else open(path, "rb")


#: Fields whose values never appear in a problem, the errors file or a log: where a person
#: lives and whatever rides along in ``attributes`` (names, birth dates, ...). The problem
#: still names the file, line, record id and field.
PERSONAL_FIELDS = ("location", "lat", "lon", "attributes")


def _shown(field: str | None, value: Any) -> Any:
    """The value a problem may show for ``field``: None for personal fields."""
    if field is None:
        return value
    head = field.replace("[", ".").split(".")[0]
    return None if head in PERSONAL_FIELDS or field.startswith(PERSONAL_FIELDS) else value


def _check_not_utf16(first: bytes, where: str) -> None:
    if first.startswith(_UTF16_BOMS) or b"\x00" in first[:200]:
        raise InputError([Problem("the file is UTF-16 (or another two-byte encoding); expected UTF-8 — save it "
                                  "as UTF-8 (in Excel: 'CSV UTF-8')", where=where, line=1)])


def _undecodable(raw: bytes, error: UnicodeDecodeError, where: str, line: int) -> Problem:
    byte = raw[error.start]
    column = len(raw[:error.start].decode("utf-8", "replace")) + 1
    # the line itself is not repeated: it may hold personal data (errors carry places and ids only)
    return Problem(f"not valid UTF-8 (byte 0x{byte:02x} at column {column}); the file looks like Latin-1 or "
                   "Windows-1252 — save it as UTF-8", where=where, line=line)


class _Lines:
    """Decoded lines of a text file with their numbers; lines that are not UTF-8 are noted, not raised."""

    def __init__(self, raw: Iterable[bytes], where: str):
        self.raw = raw
        self.where = where
        self.bad: dict[int, Problem] = {}
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self._read(), 1):
            self.number = number
            if number == 1:
                _check_not_utf16(raw, self.where)
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as e:
                self.bad[number] = _undecodable(raw, e, self.where, number)
                yield raw.decode("utf-8", "replace")

    def _read(self) -> Iterator[bytes]:
        """The raw lines; a damaged or cut-short gzip file is an error naming the file and the last line read."""
        lines = iter(self.raw)
        while True:
            try:
                raw = next(lines)
            except StopIteration:
                return
            except (OSError, EOFError, zlib.error) as exc:
                after = f" after line {self.number}" if self.number else ""
                raise InputError([Problem(f"cannot be read{after}: {exc} (a damaged or cut-short gzip file?)",
                                          where=self.where)]) from None
            yield raw

    def problems_between(self, first: int, last: int) -> list[Problem]:
        return [self.bad.pop(n) for n in range(first, last + 1) if n in self.bad]


# --- raw records ----------------------------------------------------------------------------


@dataclass
class _Raw:
    """A record as read, before validation: its data, or the problems that kept it from being read."""

    line: int
    data: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)
    cells: dict[str, Any] | None = None  # the flat cells it was built from (CSV, Parquet)
    items: dict[str, list[str]] = field(default_factory=dict)  # skill-item texts per column


def _non_finite_paths(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(value, float):
        if not math.isfinite(value):
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _non_finite_paths(item, f"{path}[{i}]")


def _record_id(data: Any) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("id"), (str, int)) and str(data["id"]).strip():
        return str(data["id"]).strip()
    return None


def _jsonl_records(lines: _Lines, where: str) -> Iterator[_Raw]:
    non_finite: list[str] = []  # the non-finite numbers of the line being parsed

    def flag_constant(name: str) -> float:  # NaN, Infinity, -Infinity: read, then refused with their path
        non_finite.append(name)
        return float(name.replace("Infinity", "inf"))

    def flag_float(text: str) -> float:
        value = float(text)
        if value in (math.inf, -math.inf):  # 1e999 overflows to infinity
            non_finite.append(text)
        return value

    for text in lines:
        number = lines.number
        if not text.strip():
            lines.problems_between(number, number)
            continue
        bad = lines.problems_between(number, number)
        if bad:
            yield _Raw(number, None, bad)
            continue
        non_finite.clear()
        try:
            data = json.loads(text.rstrip("\r\n"), parse_constant=flag_constant, parse_float=flag_float)
        except json.JSONDecodeError as e:
            yield _Raw(number, None, [Problem(f"not valid JSON: {e.msg} at column {e.colno}", where=where,
                                              line=number)])
            continue
        except (ValueError, RecursionError) as e:  # an integer of more than 4,300 digits; nesting too deep to parse
            why = "nested too deeply" if isinstance(e, RecursionError) else "a number too long to read"
            yield _Raw(number, None, [Problem(f"not valid JSON: {why}", where=where, line=number)])
            continue
        if not isinstance(data, dict):
            yield _Raw(number, None, [Problem(f"expected a JSON object, found {_json_type(data)}", where=where,
                                              line=number)])
            continue
        problems = [Problem("expected a finite number, found a non-finite value", where=where, line=number,
                            record=_record_id(data), field=path, value=str(value))
                    for path, value in _non_finite_paths(data)] if non_finite else []
        yield _Raw(number, None if problems else data, problems)


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a near name, or nothing when no choice is near."""
    from rapidfuzz import fuzz, process

    best = process.extractOne(name, list(choices), scorer=fuzz.ratio, score_cutoff=75)
    return f" (did you mean {best[0]!r}?)" if best else ""


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true/false"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return "," if counts[","] else max(counts, key=lambda d: (counts[d], d == ";"))


def _check_header(header: list[str], columns: dict[str, Column], where: str) -> list[str]:
    header = [h.strip() for h in header]
    problems = []
    if not any(header):
        problems.append(Problem("the header row is empty; expected column names", where=where, line=1))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(f"column {name!r} appears twice", where=where, line=1, field=name))
        seen.add(name)
        if name not in columns and not name.startswith("attributes."):
            keep = f" (or name it 'attributes.{name}' to keep it with the record)" if "attributes" in columns else ""
            problems.append(Problem(f"unknown column {name!r}{_did_you_mean(name, columns)}; expected columns "
                                    f"among {list(columns)}{keep}", where=where, line=1, field=name))
    required = [c.name for c in columns.values() if c.required and c.name not in seen]
    if required:
        problems.append(Problem(f"missing required column(s) {required}; found {header}", where=where, line=1))
    if problems:
        raise InputError(problems, summary=f"{where}: the header cannot be used")
    return header


def _csv_records(lines: _Lines, where: str, columns: dict[str, Column], delimiter: str | None,
                 meta: dict[str, Any], multiline: frozenset[str] = frozenset()) -> Iterator[_Raw]:
    """Raw records of a CSV file; a value over several lines is a stray quote unless its column is in ``multiline``."""
    text_lines = iter(lines)
    try:
        first = next(text_lines)
    except StopIteration:
        return
    sep = delimiter or _sniff_delimiter(first)
    meta["delimiter"] = sep
    reader = csv.reader(_chain_first(first, text_lines), delimiter=sep)
    try:
        raw_header = next(reader)
    except csv.Error as e:
        raise InputError([Problem(f"the header row cannot be read as CSV: {e}", where=where, line=1)]) from None
    header = _check_header(raw_header, columns, where)
    bad_header = lines.problems_between(1, reader.line_num)
    if bad_header:
        raise InputError(bad_header, summary=f"{where}: the header cannot be used")
    end = reader.line_num
    while True:
        start = end + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            end = reader.line_num
            yield _Raw(start, None, [Problem(f"cannot be read as CSV: {e}", where=where, line=start)])
            continue
        end = reader.line_num
        bad = lines.problems_between(start, end)
        if not values or all(not v.strip() for v in values):
            continue
        record = values[0].strip() if values and header[0] == "id" and values[0].strip() else None
        if bad:
            yield _Raw(start, None, [_with(p, record=record) for p in bad])
            continue
        problems = _row_shape_problems(values, header, start, end, where, record, multiline)
        if problems:
            yield _Raw(start, None, problems)
            continue
        yield _Raw(start, None, cells=dict(zip(header, values)))


def _chain_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _with(problem: Problem, **changes: Any) -> Problem:
    from dataclasses import replace

    return replace(problem, **changes)


def _row_shape_problems(values: list[str], header: list[str], start: int, end: int, where: str,
                        record: str | None, multiline: frozenset[str]) -> list[Problem]:
    for name, value in zip(header, values):
        if ("\n" in value or "\r" in value) and name not in multiline:
            return [Problem(f"a quoted value runs from line {start} to line {end}: a stray quote (\") probably "
                            "swallowed the lines after it", where=where, line=start, record=record, field=name)]
    if len(values) != len(header):
        return [Problem(f"{len(values)} fields where the header has {len(header)} (a value with an unquoted "
                        "delimiter, or a missing one?)", where=where, line=start, record=record)]
    return []


def _parquet_records(path: Path, where: str, columns: dict[str, Column], chunk_size: int) -> Iterator[_Raw]:
    _, pq = import_pyarrow()
    try:
        source = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises its own error types for damaged files
        raise InputError([Problem(f"cannot be read as Parquet: {e}", where=where)]) from None
    _check_header(list(source.schema_arrow.names), columns, where)
    row = 0
    for batch in source.iter_batches(batch_size=max(1, chunk_size)):
        for cells in batch.to_pylist():
            row += 1
            yield _Raw(row, None, cells=cells)


# --- flat cells to a record dict -------------------------------------------------------------


class _Cells:
    """Turns the cells of one flat row into the dict of a model, noting problems per column."""

    def __init__(self, columns: dict[str, Column], where: str, decimal_comma: bool):
        self.columns = columns
        self.where = where
        self.decimal_comma = decimal_comma

    def __call__(self, raw: _Raw) -> None:
        cells = raw.cells or {}
        record = _record_id(cells)
        data: dict[str, Any] = {}
        point: dict[str, dict[str, Any]] = {}
        failed: set[str] = set()
        for name, value in cells.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if name.startswith("attributes.") and name not in self.columns:
                data.setdefault("attributes", {})[name[len("attributes."):]] = str(value).strip()
                continue
            column = self.columns[name]
            try:
                converted = self._convert(column, value, raw)
            except ValueError as e:
                shown = _shown(name, value if isinstance(value, (str, int, float)) else str(value))
                message = str(e) if shown is not None else str(e).split(", found ")[0]
                raw.problems.append(Problem(message, where=self.where, line=raw.line, record=record, field=name,
                                            value=shown))
                failed.add(column.field)
                continue
            if column.kind in ("lat", "lon"):
                point.setdefault(column.field, {})[column.kind] = converted
            elif column.kind == "mapping":
                data.setdefault(column.field, {}).update(converted)
            else:
                data[column.field] = converted
        for name, values in point.items():
            if name in failed:
                continue
            if len(values) == 1:
                missing = "lon" if "lat" in values else "lat"
                raw.problems.append(Problem(f"a location needs both lat and lon; {missing} is empty", where=self.where,
                                            line=raw.line, record=record, field=missing))
            else:
                data[name] = values
        raw.data = None if raw.problems else data

    def _convert(self, column: Column, value: Any, raw: _Raw) -> Any:
        kind = column.kind
        if kind in ("number", "lat", "lon"):
            number = self._number(value)
            if not math.isfinite(number):
                raise ValueError(f"expected a finite number, found {value!r}")
            return number
        if not isinstance(value, str):
            if isinstance(value, (list, tuple)) and kind in ("skills", "requirements", "multi", "json"):
                return list(value)
            if isinstance(value, dict) and kind in ("mapping", "json"):
                return value
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"expected a finite number, found {value!r}")
            if isinstance(value, (date, datetime, bool, int, float)):
                return value
            raise ValueError(f"expected text, found {type(value).__name__}")
        value = value.strip()
        if kind == "multi":
            return split_items(value, "|")
        if kind in ("skills", "requirements"):
            items = split_items(value, ";")
            raw.items[column.name] = items
            return [parse_skill_item(item, kind) for item in items]
        if kind == "mapping":
            return self._mapping(value)
        if kind == "json" and value[:1] in "[{":
            try:
                return json.loads(value)
            except json.JSONDecodeError as e:
                raise ValueError(f"not valid JSON: {e.msg} at column {e.colno}") from None
        return value

    def _number(self, value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(f"expected a number, found {value!r}")
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip()
        if self.decimal_comma:
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, found {value!r}") from None

    @staticmethod
    def _mapping(value: str) -> dict[str, str]:
        out = {}
        for part in split_items(value, "|"):
            key, sep, item = part.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"expected key=value pairs separated by '|', found {part!r}")
            out[key.strip()] = item.strip()
        return out


# --- validation ------------------------------------------------------------------------------


def _error_path(loc: Sequence[Any]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _validation_problems(error: ValidationError, raw: _Raw, model: type[BaseModel], columns: dict[str, Column],
                         where: str, record: str | None) -> list[Problem]:
    problems = []
    by_field: dict[str, Column] = {}
    for c in columns.values():  # a location field is named by its lat/lon columns first
        by_field.setdefault(c.field, c)
    for err in error.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        path = _error_path(loc)
        message = _message(err, model, loc)
        value = err.get("input")
        name: str | None = path or None
        if raw.cells is not None and loc:  # a flat file: name the column and the cell's text
            column = by_field.get(str(loc[0]))
            if column is not None and column.kind in ("lat", "lon") and str(loc[0]) not in raw.cells:
                name = column.name[:-3] + (str(loc[1]) if len(loc) > 1 else "lat")
            elif column is not None:
                name = column.name if column.name in raw.cells or column.kind not in ("lat", "lon") else str(loc[0])
            items = raw.items.get(name or "")
            if items and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(items):
                value = items[loc[1]]
                message = f"item {loc[1] + 1}" + (f", {'.'.join(map(str, loc[2:]))}" if len(loc) > 2 else "") \
                          + f": {message}"
            elif raw.cells.get(name or "") not in (None, ""):
                value = raw.cells[name or ""]
            if name is not None and path != name and not items:
                message = f"{path}: {message}"
        if not isinstance(value, (str, int, float, bool)) or value is None:
            value = None if value is None or isinstance(value, dict) else str(value)
        problems.append(Problem(message, where=where, line=raw.line, record=record, field=name,
                                value=_shown(name or path, value)))
    return problems


def _message(err: Mapping[str, Any], model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind = err.get("type")
    if kind == "extra_forbidden":
        known = list(model.model_fields) if len(loc) == 1 else []
        return f"unknown field {loc[-1]!r}{_did_you_mean(str(loc[-1]), known)}"
    if kind == "missing":
        return "required field is missing"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


# --- the readers -----------------------------------------------------------------------------


class RecordReader(Generic[R]):
    """Stream the records of ``model`` from a JSONL, CSV or Parquet file in chunks.

    Iterating yields :class:`Chunk` s of up to ``chunk_size`` valid records; each pass
    starts from the top and fills :attr:`report` anew. Memory: one chunk, plus the ids
    seen so far (to report duplicates). Chunk boundaries depend only on the file and the
    options, so a resumed run can skip the chunks it has done.

    Parameters
    ----------
    path : str or Path
        The file; its extension gives the format (see the module docstring).
    model : type
        The pydantic record type (:class:`~skillmatch.models.Jobseeker`,
        :class:`~skillmatch.models.Vacancy`).
    chunk_size : int
        Valid records per chunk (the last chunk may be smaller).
    taxonomy : Taxonomy, optional
        Check skill and occupation ids against it and resolve label text.
    labels : LabelIndex, optional
        The label index to resolve text with (built from ``taxonomy`` on first need).
    strict : bool
        Raise an :class:`InputError` at the end of the first chunk that had an error.
    errors : callable, optional
        Called with every :class:`Problem` (errors and warnings) as it is found.
    keep_problems : int, optional
        Keep at most this many problems in :attr:`report` (all by default).
    hints : int
        Distinct unknown ids that get a 'closest' hint; the rest are reported without.
    min_label_score : float
        Lowest label score (0–100, :class:`~skillmatch.labels.LabelIndex`) that counts as
        resolved; 90 keeps out partial matches, which score in the 80s.
    ambiguous : {"warn", "reject"}
        An ambiguous label is taken as its best candidate with a warning (once per text),
        or makes its records bad records.
    delimiter : str, optional
        CSV delimiter; by default sniffed from the header (``,``, ``;`` or tab).
    """

    def __init__(self, path: str | Path, model: type[R], *, chunk_size: int = 10_000, taxonomy=None, labels=None,
                 strict: bool = False, errors: ErrorSink | None = None, keep_problems: int | None = None,
                 hints: int = 20, min_label_score: float = 90.0, ambiguous: Literal["warn", "reject"] = "warn",
                 delimiter: str | None = None):
        if not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise InputError(f"chunk_size: expected a positive integer, got {chunk_size!r}")
        if ambiguous not in ("warn", "reject"):
            raise InputError(f"ambiguous: expected 'warn' or 'reject', got {ambiguous!r}")
        if delimiter is not None and len(delimiter) != 1:
            raise InputError(f"delimiter: expected one character, got {delimiter!r}")
        self.path = Path(path)
        self.format = file_format(self.path)
        self.model = model
        self.chunk_size = int(chunk_size)
        self.taxonomy = taxonomy
        self._labels = labels
        self.strict = strict
        self.errors = errors
        self.keep_problems = keep_problems
        self.hints = hints
        self.min_label_score = float(min_label_score)
        self.ambiguous = ambiguous
        self.delimiter = delimiter
        self.columns = _reading_columns(model)
        self.report = ReadReport(str(self.path))
        if not self.path.exists():
            raise InputError([Problem("no such file", where=str(self.path))])

    @property
    def where(self) -> str:
        return str(self.path)

    def __iter__(self) -> Iterator[Chunk[R]]:
        self.report = ReadReport(self.where)
        sink = _Sink(self.report, self.errors, self.keep_problems)
        checker = _TaxonomyCheck(self, sink) if self.taxonomy is not None else None
        seen: dict[str, int] = {}
        pending: list[tuple[int, R]] = []
        number = 0
        for raw in self._raw_records():
            record = self._validate(raw, sink)
            if record is not None:
                pending.append((raw.line, record))
            if len(pending) >= self.chunk_size:
                yield self._finish(number, pending, checker, seen, sink)
                number, pending = number + 1, []
        if pending or sink.pending:
            chunk = self._finish(number, pending, checker, seen, sink)
            if len(chunk):
                yield chunk
        if self.report.records == 0 and self.report.rejected == 0:
            sink(Problem("the file holds no records", where=self.where, severity="warning"))

    def read_all(self) -> list[R]:
        """Every valid record in one list (for files that fit in memory)."""
        return [record for chunk in self for record in chunk.records]

    def _raw_records(self) -> Iterator[_Raw]:
        """The file's records before validation: JSON objects, or flat cells turned into the model's dict."""
        if self.format.kind == "parquet":
            cells = _Cells(self.columns, self.where, decimal_comma=False)
            for raw in _parquet_records(self.path, self.where, self.columns, self.chunk_size):
                cells(raw)
                yield raw
            return
        with _open_binary(self.path, self.format.gzip) as stream:
            lines = _Lines(stream, self.where)
            if self.format.kind == "jsonl":
                yield from _jsonl_records(lines, self.where)
                return
            meta: dict[str, Any] = {}  # the delimiter, known once the header is read
            for raw in _csv_records(lines, self.where, self.columns, self.delimiter, meta):
                if raw.cells is not None:
                    _Cells(self.columns, self.where, decimal_comma=meta["delimiter"] != ",")(raw)
                yield raw

    def _validate(self, raw: _Raw, sink: _Sink) -> R | None:
        record_id = _record_id(raw.data) or _record_id(raw.cells)
        if raw.data is not None and not raw.problems:
            try:
                return self.model.model_validate(raw.data)
            except ValidationError as e:
                raw.problems = _validation_problems(e, raw, self.model, self.columns, self.where, record_id)
        self.report.rejected += 1
        for problem in raw.problems or [Problem("cannot be read", where=self.where, line=raw.line)]:
            sink(problem)
        return None

    def _finish(self, number: int, pending: list[tuple[int, R]], checker: _TaxonomyCheck | None,
                seen: dict[str, int], sink: _Sink) -> Chunk[R]:
        if checker is not None:
            pending = checker(pending)
        lines, records = [], []
        for line, record in pending:
            rid = str(getattr(record, "id", ""))
            first = seen.get(rid)
            if first is not None:
                self.report.rejected += 1
                sink(Problem(f"duplicate id {rid!r}: first seen on line {first}", where=self.where, line=line,
                             record=rid, field="id", value=rid))
                continue
            seen[rid] = line
            lines.append(line)
            records.append(record)
        self.report.records += len(records)
        if self.strict and sink.pending:
            problems, sink.pending = sink.pending, []
            raise InputError(problems, summary=f"{self.where}: {len(problems)} problem(s) in the input "
                                               "(strict mode stops at the first chunk with an error)")
        sink.pending = []
        return Chunk(number, records, lines)

    def label_index(self):
        """The :class:`~skillmatch.labels.LabelIndex` used for label text (built on first use)."""
        if self._labels is None:
            from ..labels import LabelIndex

            self._labels = LabelIndex(self.taxonomy)
        return self._labels


class _TaxonomyCheck:
    """Per chunk: unknown ids become errors, label text is resolved (one batch call per chunk)."""

    def __init__(self, reader: RecordReader, sink: _Sink):
        self.reader = reader
        self.taxonomy = reader.taxonomy
        self.sink = sink
        self.hints: dict[tuple[str, str], str] = {}
        self.resolved: dict[tuple[str, str], LabelOutcome] = reader.report.labels
        self.skill_fields = [c.field for c in reader.columns.values() if c.kind in ("skills", "requirements")]
        self.has_occupation = "occupation" in reader.model.model_fields
        self.has_region = "region" in reader.model.model_fields

    def _known(self, kind: str, value: str) -> bool:
        table = self.taxonomy.concepts if kind == "skill" else self.taxonomy.occupations
        return value in table.index

    def __call__(self, pending: list[tuple[int, R]]) -> list[tuple[int, R]]:
        self._resolve_new(pending)
        out = []
        for line, record in pending:
            fixed = self._check(line, record)
            if fixed is None:
                self.reader.report.rejected += 1
            else:
                out.append((line, fixed))
        return out

    def _values(self, record: BaseModel) -> Iterator[tuple[Literal["skill", "occupation"], str]]:
        for name in self.skill_fields:
            for item in getattr(record, name):
                yield "skill", item.skill
        if self.has_occupation and getattr(record, "occupation", None):
            yield "occupation", record.occupation  # type: ignore[attr-defined]

    def _resolve_new(self, pending: list[tuple[int, R]]) -> None:
        new: dict[Literal["skill", "occupation"], dict[str, int]] = {"skill": {}, "occupation": {}}
        for line, record in pending:
            for kind, value in self._values(record):
                if not self._known(kind, value) and not looks_like_id(value) and (kind, value) not in self.resolved:
                    new[kind].setdefault(value, line)
        for kind, texts in new.items():
            if not texts:
                continue
            resolutions = self.reader.label_index().resolve_many(list(texts), limit=2, kind=kind)
            for (text, line), res in zip(texts.items(), resolutions):
                best = res.best
                if best is None or best.score < self.reader.min_label_score:
                    outcome = LabelOutcome(text, kind, "unresolved", None, best.label if best else None,
                                           best.score if best else 0.0, line)
                else:
                    status = "ambiguous" if res.ambiguous else "resolved"
                    outcome = LabelOutcome(text, kind, status, best.id, best.label,  # type: ignore[arg-type]
                                           best.score, line)
                    if res.ambiguous and self.reader.ambiguous == "warn":
                        others = ", ".join(repr(c.label) for c in res.candidates[1:])
                        self.sink(Problem(f"{kind} label {text!r} is ambiguous: taken as {best.label!r} "
                                          f"(score {best.score:.0f}), also close: {others}", where=self.reader.where,
                                          line=line, field=kind, value=text, severity="warning"))
                self.resolved[(kind, text)] = outcome

    def _check(self, line: int, record: R) -> R | None:
        where, rid = self.reader.where, str(getattr(record, "id", ""))
        problems: list[Problem] = []
        updates: dict[str, Any] = {}

        def target(kind: str, value: str, field_name: str) -> str | None:
            if self._known(kind, value):
                return value
            if looks_like_id(value):
                problems.append(Problem(f"{kind} {value!r} is not in the taxonomy{self._hint(kind, value)}",
                                        where=where, line=line, record=rid, field=field_name, value=value))
                return None
            outcome = self.resolved[(kind, value)]
            outcome.count += 1
            if outcome.status == "unresolved":
                near = f" (closest: {outcome.label!r}, score {outcome.score:.0f})" if outcome.label else ""
                problems.append(Problem(f"{kind} label {value!r} does not match a {kind} of the taxonomy{near}",
                                        where=where, line=line, record=rid, field=field_name, value=value))
                return None
            if outcome.status == "ambiguous" and self.reader.ambiguous == "reject":
                problems.append(Problem(f"{kind} label {value!r} is ambiguous (best: {outcome.label!r}, score "
                                        f"{outcome.score:.0f}); write the id or a more precise label", where=where,
                                        line=line, record=rid, field=field_name, value=value))
                return None
            return outcome.id

        for name in self.skill_fields:
            items = getattr(record, name)
            new_items = []
            for k, item in enumerate(items):
                resolved = target("skill", item.skill, f"{name}[{k}].skill")
                keep = resolved in (None, item.skill)
                new_items.append(item if keep else item.model_copy(update={"skill": resolved}))
            if any(a is not b for a, b in zip(new_items, items)):
                updates[name] = tuple(new_items)
        occupation = getattr(record, "occupation", None) if self.has_occupation else None
        if occupation:
            resolved = target("occupation", occupation, "occupation")
            if resolved not in (None, occupation):
                updates["occupation"] = resolved
        self._check_region(line, record, rid)
        if problems:
            for p in problems:
                self.sink(p)
            return None
        return record.model_copy(update=updates) if updates else record

    def _check_region(self, line: int, record: BaseModel, rid: str) -> None:
        region = getattr(record, "region", None) if self.has_region else None
        regions = self.taxonomy.region_index
        if region and regions and region not in regions:
            hint = closest(region, regions)
            self.sink(Problem(f"region {region!r} is not an arbeidsmarktregio of the taxonomy"
                              + (f" (closest: {hint[0]!r})" if hint else ""), where=self.reader.where, line=line,
                              record=rid, field="region", value=region, severity="warning"))

    def _hint(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self.hints:
            if len(self.hints) >= self.reader.hints:
                return ""
            table = self.taxonomy.concepts if kind == "skill" else self.taxonomy.occupations
            near = closest(value, table.ids) if len(value) > 2 else []
            self.hints[key] = (f" (closest: {near[0]!r}, {table.label(table.index[near[0]])!r})" if near else "")
        return self.hints[key]


def read_records(path: str | Path, model: type[R], **options: Any) -> RecordReader[R]:
    """A :class:`RecordReader` of ``model`` records; ``options`` as for :class:`RecordReader`."""
    return RecordReader(path, model, **options)


def read_jobseekers(path: str | Path, **options: Any) -> RecordReader[Jobseeker]:
    """Stream :class:`~skillmatch.models.Jobseeker` records from a JSONL, CSV or Parquet file.

    ``options`` as for :class:`RecordReader` (``chunk_size``, ``taxonomy``, ``strict``,
    ``errors``, ...). Example::

        reader = read_jobseekers("jobseekers.csv", taxonomy=tx, errors=ErrorWriter("errors.jsonl"))
        for chunk in reader:
            result = matcher.match(chunk.records, k=10)
        print(reader.report.summary())
    """
    return RecordReader(path, Jobseeker, **options)


def read_vacancies(path: str | Path, **options: Any) -> RecordReader[Vacancy]:
    """Stream :class:`~skillmatch.models.Vacancy` records; see :func:`read_jobseekers`."""
    return RecordReader(path, Vacancy, **options)


# --- match results -----------------------------------------------------------------------------

#: The one definition of a match-results row: column name -> Arrow type name (Parquet),
#: in file order; ``explanation`` only when asked for. :class:`ResultRecord` has these fields.
RESULT_FIELDS: dict[str, str] = {"query": "string", "rank": "int32", "candidate": "string", "score": "float32",
                                 "explanation": "string"}
RESULT_COLUMNS: tuple[str, ...] = tuple(RESULT_FIELDS)


@dataclass(frozen=True)
class ResultRecord:
    """One row of a match-results file: the ``rank``-th (from 1) candidate of a query.

    ``explanation`` is text, a JSON object (dict), or ``None`` when not written.
    """

    query: str
    rank: int
    candidate: str
    score: float
    explanation: str | dict | None = None


@dataclass(frozen=True)
class TopK:
    """Ranked candidates per query as arrays (the ranking contract).

    ``indices`` int32 (n, k) into ``candidate_ids`` and ``scores`` float32 (n, k), best
    first, padded with -1 / -inf; row ``i`` belongs to ``query_ids[i]``.
    """

    query_ids: list[str]
    candidate_ids: list[str]
    indices: np.ndarray
    scores: np.ndarray


class ResultReader:
    """Stream :class:`ResultRecord` s from a results file in chunks, reporting bad rows.

    Rows are checked for a positive integer ``rank``, a finite ``score``, non-empty ids and
    a (query, rank) pair not seen before; ``strict`` and ``errors`` work as for
    :class:`RecordReader`.
    """

    def __init__(self, path: str | Path, *, chunk_size: int = 100_000, strict: bool = False,
                 errors: ErrorSink | None = None, keep_problems: int | None = None):
        if not isinstance(chunk_size, (int, np.integer)) or isinstance(chunk_size, bool) or chunk_size < 1:
            raise InputError(f"chunk_size: expected a positive integer, got {chunk_size!r}")
        self.path = Path(path)
        self.format = file_format(self.path)
        self.chunk_size = int(chunk_size)
        self.strict = strict
        self.errors = errors
        self.keep_problems = keep_problems
        self.report = ReadReport(str(self.path))

    def __iter__(self) -> Iterator[Chunk[ResultRecord]]:
        where = str(self.path)
        self.report = ReadReport(where)
        sink = _Sink(self.report, self.errors, self.keep_problems)
        seen: set[tuple[str, int]] = set()
        lines: list[int] = []
        records: list[ResultRecord] = []
        number = 0
        for line, cells, problems in self._rows(where):
            record = None if problems else self._record(line, cells, where, problems)
            if record is not None and (record.query, record.rank) in seen:
                problems.append(Problem(f"rank {record.rank} of query {record.query!r} appears twice", where=where,
                                        line=line, record=record.query, field="rank", value=record.rank))
                record = None
            if record is None:
                self.report.rejected += 1
                for p in problems:
                    sink(p)
            else:
                seen.add((record.query, record.rank))
                lines.append(line)
                records.append(record)
            if len(records) >= self.chunk_size:
                yield self._chunk(number, records, lines, sink)
                number, records, lines = number + 1, [], []
        if records or sink.pending:
            chunk = self._chunk(number, records, lines, sink)
            if len(chunk):
                yield chunk

    def _chunk(self, number: int, records: list[ResultRecord], lines: list[int], sink: _Sink) -> Chunk[ResultRecord]:
        self.report.records += len(records)
        if self.strict and sink.pending:
            problems, sink.pending = sink.pending, []
            raise InputError(problems, summary=f"{self.path}: {len(problems)} problem(s) in the results (strict)")
        sink.pending = []
        return Chunk(number, records, lines)

    def _rows(self, where: str) -> Iterator[tuple[int, dict[str, Any], list[Problem]]]:
        columns = {name: Column(name, name, "text", name != "explanation") for name in RESULT_COLUMNS}
        if self.format.kind == "parquet":
            for raw in _parquet_records(self.path, where, columns, self.chunk_size):
                yield raw.line, raw.cells or {}, []
            return
        with _open_binary(self.path, self.format.gzip) as stream:
            lines = _Lines(stream, where)
            if self.format.kind == "jsonl":
                for raw in _jsonl_records(lines, where):
                    yield raw.line, raw.data or {}, raw.problems
                return
            for raw in _csv_records(lines, where, columns, ",", {}, frozenset({"explanation"})):
                yield raw.line, raw.cells or {}, raw.problems

    @staticmethod
    def _record(line: int, cells: dict[str, Any], where: str, problems: list[Problem]) -> ResultRecord | None:
        if not cells.keys() <= _RESULT_SET:
            unknown = [k for k in cells if k not in _RESULT_SET]
            problems.append(Problem(f"unknown field(s) {unknown}; expected {list(RESULT_COLUMNS)}", where=where,
                                    line=line, field=unknown[0]))
        query, candidate = _text(cells.get("query")), _text(cells.get("candidate"))
        rank, score = _as_int(cells.get("rank")), _as_float(cells.get("score"))
        if query and candidate and rank is not None and rank >= 1 and score is not None and math.isfinite(score) \
                and not problems:
            explanation = cells.get("explanation")
            return ResultRecord(query, rank, candidate, score, explanation if explanation != "" else None)
        rid = query or None
        for name, value in (("query", query), ("candidate", candidate)):
            if not value:
                problems.append(Problem(f"{name} is empty", where=where, line=line, record=rid, field=name))
        if rank is None or rank < 1:
            problems.append(Problem("expected a rank counted from 1", where=where, line=line, record=rid,
                                    field="rank", value=_plain(cells.get("rank"))))
        if score is None or not math.isfinite(score):
            problems.append(Problem("expected a finite number", where=where, line=line, record=rid, field="score",
                                    value=_plain(cells.get("score"))))
        return None


_RESULT_SET = frozenset(RESULT_COLUMNS)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float)) or value is None else str(value)


def _as_int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, str):
        value = value.strip()
        return int(value) if value.isdigit() else None
    return int(value) if isinstance(value, np.integer) else None


def _as_float(value: Any) -> float | None:
    if type(value) is float:
        return value
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_results(path: str | Path, **options: Any) -> ResultReader:
    """Stream the rows of a match-results file (CSV, JSONL or Parquet); see :class:`ResultReader`."""
    return ResultReader(path, **options)


def read_topk(path: str | Path, *, candidate_ids: Sequence[str] | None = None, k: int | None = None,
              **options: Any) -> TopK:
    """A results file as :class:`TopK` arrays, for allocation and analysis.

    Parameters
    ----------
    path : str or Path
    candidate_ids : sequence of str, optional
        The candidates the indices should point into (for allocation: the vacancies in the
        order of their capacities). A candidate that is not among them is a bad row. By
        default the candidates in order of first appearance.
    k : int, optional
        Columns of the arrays; by default the largest rank in the file. Rows ranked beyond
        ``k`` are left out.
    options
        As for :class:`ResultReader` (``strict``, ``errors``, ...).

    Returns
    -------
    TopK
        Queries in order of first appearance; each row sorted by rank, padded with -1 / -inf.
        Memory grows with the result (n × k), as the ranking contract does.
    """
    if k is not None and (not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0):
        raise InputError(f"k: expected a non-negative integer or None, got {k!r}")
    reader = ResultReader(path, **options)
    fixed = candidate_ids is not None
    hinted: dict[str, str] = {}
    cand_index: dict[str, int] = {c: i for i, c in enumerate(candidate_ids or ())}
    query_index: dict[str, int] = {}
    rows: list[int] = []
    ranks: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    sink = _Sink(reader.report, options.get("errors"), options.get("keep_problems"))
    for chunk in reader:
        for line, rec in chunk:
            j = cand_index.get(rec.candidate)
            if j is None:
                if fixed:  # the row was read well but cannot be used: it moves from read to rejected
                    reader.report.records -= 1
                    reader.report.rejected += 1
                    if rec.candidate not in hinted and len(hinted) < 20 and cand_index:
                        hinted[rec.candidate] = f" (closest: {closest(rec.candidate, cand_index)[0]!r})"
                    problem = Problem(f"candidate {rec.candidate!r} is not among the candidates given"
                                      f"{hinted.get(rec.candidate, '')}", where=str(path), line=line,
                                      record=rec.query, field="candidate", value=rec.candidate)
                    if reader.strict:
                        raise InputError([problem])
                    sink(problem)
                    continue
                j = cand_index[rec.candidate] = len(cand_index)
            rows.append(query_index.setdefault(rec.query, len(query_index)))
            ranks.append(rec.rank)
            cols.append(j)
            values.append(rec.score)
    n = len(query_index)
    width = int(k) if k is not None else (max(ranks) if ranks else 0)
    indices = np.full((n, width), -1, np.int32)
    scores = np.full((n, width), -np.inf, np.float32)
    if ranks:
        r, rank, c, s = (np.asarray(a) for a in (rows, ranks, cols, values))
        order = np.lexsort((rank, r))
        r, rank, c, s = r[order], rank[order], c[order], s[order]
        start = np.searchsorted(r, np.arange(n))
        position = np.arange(len(r)) - start[r]  # ranks need not be contiguous: pack them in rank order
        keep = position < width
        indices[r[keep], position[keep]] = c[keep]
        scores[r[keep], position[keep]] = s[keep]
    return TopK(list(query_index), list(cand_index), indices, scores)
