"""Reading CSV tables with the line number of every record.

Both the skillmatch format and ESCO's CSV download are tables with a header row; ESCO's
label fields hold several values separated by newlines *inside* quotes, so a record can
span lines. :func:`read_table` yields each record with the line it starts on (header =
line 1), which is what error messages cite.
"""

from __future__ import annotations

import csv
import io
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from ..problems import Problem, TaxonomyError

csv.field_size_limit(2**31 - 1)  # ESCO descriptions exceed the 128 KiB default


@contextmanager
def open_text(path: Path, member: str | None = None) -> Iterator[IO[str]]:
    """Open a CSV file, or a member of a zip archive, as UTF-8 text (BOM tolerated)."""
    if member is None:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            yield stream
        return
    with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
        yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def read_table(stream: IO[str], name: str, required: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each record of a CSV stream.

    ``line`` is where the record starts. Missing required columns raise a
    :class:`TaxonomyError` naming the file, the columns expected and those found.
    """
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise TaxonomyError([Problem("the file is empty; expected a header row", where=name, line=1)]) from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise TaxonomyError([Problem(f"missing column(s) {missing}; expected {list(required)}, found {header}",
                                     where=name, line=1)])
    start = reader.line_num + 1
    for values in reader:
        line, start = start, reader.line_num + 1
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise TaxonomyError([Problem(f"{len(values)} fields where the header has {len(header)} "
                                         "(a value with a comma that is not quoted?)", where=name, line=line)])
        row = dict(zip(header, (v.strip() for v in values)))
        for col in header[len(values):]:
            row[col] = ""
        yield line, row


def split_multi(value: str, sep: str = "|") -> tuple[str, ...]:
    """Split a multi-valued cell, dropping empty parts and repeats, keeping order."""
    out: dict[str, None] = {}
    for part in value.split(sep):
        part = part.strip()
        if part:
            out[part] = None
    return tuple(out)
