"""Reading the files of a source: CSV tables with the line number of every record.

Both the skillmatch format and ESCO's CSV download are tables with a header row; ESCO's
label fields hold several values separated by newlines *inside* quotes, so a record can
span lines. :func:`read_table` yields each record with the line it starts on (header =
line 1), which is what error messages cite.

What a table must be, and what breaks it (each a :class:`TaxonomyError` naming the file
and the line, raised at the first such place: what follows it cannot be read reliably):

- **UTF-8** (a byte-order mark is tolerated). A UTF-16 or UTF-32 byte-order mark, NUL
  bytes, or a byte that is not UTF-8 (a Latin-1 or Windows-1252 export) is reported, the
  last with its line, column and byte offset.
- **RFC 4180 quoting, read strictly**: a closing ``"`` is followed by a comma or the end of
  the line, and a quoted value is closed before the file ends. A stray ``"`` at the start
  of a field opens a quoted value that swallows the commas (and lines) after it, until the
  next ``"``; that next ``"`` is almost always followed by other text, or never comes.
- **As many fields as the header** in every record: a stray quote that does find a
  partner leaves a record with fewer fields. ESCO's ``skillsHierarchy`` files leave the
  empty cells at the end of a row out; ``ragged=True`` allows that for them.

Line breaks inside quoted values stay allowed (ESCO's labels rely on them). On the full
ESCO v1.1.1 download these rules find nothing: every file reads strictly, and only the
two hierarchy files have short rows.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, cast

from ..problems import Problem, TaxonomyError

csv.field_size_limit(2**31 - 1)  # ESCO descriptions exceed the 128 KiB default

#: byte-order marks of encodings a table must not be in, longest first (UTF-32 LE starts like UTF-16 LE)
_FOREIGN_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)
_SAVE_AS_UTF8 = "expected UTF-8; save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')"
#: errors of a zip archive's content (a bad CRC, a broken deflate stream, a truncated member)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError)


def unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (a dangling symbolic link, a folder), or None when it can."""
    if path.is_file():
        return None
    if path.is_symlink():
        return f"is a symbolic link to {os.readlink(path)!r}, which does not exist or cannot be reached"
    return "is not a file" if path.exists() else "does not exist"


def _where(path: Path, member: str | None) -> str:
    """How problems name a file: a member of a zip by its own name, as the loaders do."""
    return Path(member).name if member else path.name


def _in(path: Path, member: str | None) -> str:
    return f" (in {path})" if member else ""


@contextmanager
def open_text(path: Path, member: str | None = None) -> Iterator[IO[str]]:
    """Open a CSV file, or a member of a zip archive, as UTF-8 text (BOM tolerated).

    Raises
    ------
    TaxonomyError
        For a file that cannot be opened, a zip archive that is not valid, and a file in
        another encoding than UTF-8 (with line, column and byte offset of the first byte
        that is not UTF-8), also when that is found while the caller reads.
    """
    with ExitStack() as stack:
        try:
            raw: IO[bytes]
            if member is None:
                raw = stack.enter_context(open(path, "rb"))
            else:
                archive = stack.enter_context(zipfile.ZipFile(path))
                raw = stack.enter_context(archive.open(member))
            # peek does not move: the text reader below starts at byte 0 (ZipExtFile has peek too)
            head = cast(io.BufferedReader, raw).peek(4096)[:4096]
        except _ZIP_ERRORS as exc:  # peek may read a small member to its end, and check it
            raise TaxonomyError([_bad_zip(path, exc, member)]) from None
        except OSError as exc:
            raise TaxonomyError([Problem(f"cannot read the file: {exc.strerror or exc}", where=str(path))]) from None
        try:
            _check_start(head, path, member)
            yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        except UnicodeDecodeError:
            damage = _member_damage(path, member)
            raise TaxonomyError([damage or _not_utf8(path, member)]) from None
        except _ZIP_ERRORS as exc:
            raise TaxonomyError([_bad_zip(path, exc, member)]) from None
        except TaxonomyError:
            # a damaged zip member reads as garbage, which is reported as NUL bytes, bad quoting
            # or a wrong number of fields: name the real cause instead
            damage = _member_damage(path, member)
            if damage is None:
                raise
            raise TaxonomyError([damage]) from None


def _check_start(head: bytes, path: Path, member: str | None) -> None:
    """Refuse a file that starts like UTF-16 or UTF-32: a byte-order mark, or NUL bytes."""
    where = _where(path, member)
    for bom, encoding in _FOREIGN_BOMS:
        if head.startswith(bom):
            raise TaxonomyError([Problem(f"the file is {encoding}: it starts with that encoding's byte-order mark "
                                         f"{bom.hex(' ').upper()}{_in(path, member)}; {_SAVE_AS_UTF8}",
                                         where=where, line=1)])
    nul = head.find(b"\x00")
    if nul >= 0:
        raise TaxonomyError([Problem(f"the file holds NUL bytes (the first at byte offset {nul}): not UTF-8 text, "
                                     f"perhaps UTF-16 without a byte-order mark{_in(path, member)}; {_SAVE_AS_UTF8}",
                                     where=where, line=head.count(b"\n", 0, nul) + 1)])


def _bad_zip(path: Path, exc: BaseException, member: str | None = None) -> Problem:
    part = f" reading {member!r}" if member else ""
    return Problem(f"not a valid zip archive ({type(exc).__name__}{part}: {exc})", where=str(path))


def _member_damage(path: Path, member: str | None) -> Problem | None:
    """The problem with a zip member whose content does not match its checksum, else None."""
    if member is None:
        return None
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
            while raw.read(1 << 20):
                pass
    except (*_ZIP_ERRORS, OSError) as exc:
        return _bad_zip(path, exc, member)
    return None


def _not_utf8(path: Path, member: str | None) -> Problem:
    """Where the first byte that is not UTF-8 is: line, column and byte offset.

    UTF-8 never uses the newline byte inside a character, so decoding line by line finds
    the same first bad byte as decoding the whole file, without holding it in memory.
    """
    where = _where(path, member)
    with ExitStack() as stack:
        if member is None:
            raw: IO[bytes] = stack.enter_context(open(path, "rb"))
        else:
            raw = stack.enter_context(stack.enter_context(zipfile.ZipFile(path)).open(member))
        offset = 0
        for number, line in enumerate(raw, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = line[exc.start:exc.end]
                before = line[max(0, exc.start - 30):exc.start].decode("utf-8", "replace").lstrip()
                return Problem(f"byte {bad.hex(' ')} at column {exc.start + 1} (byte offset {offset + exc.start}, "
                               f"after {before!r}) is not UTF-8{_in(path, member)}: a Latin-1 or Windows-1252 "
                               f"file? {_SAVE_AS_UTF8}", where=where, line=number)
            offset += len(line)
    return Problem(f"the file is not UTF-8{_in(path, member)}; {_SAVE_AS_UTF8}", where=where)


def _malformed(exc: csv.Error, name: str, start: int, now: int) -> Problem:
    """A problem for the csv module's complaint about the record that starts at line ``start``."""
    text = str(exc)
    runs = f" (it runs from line {start} to line {now})" if now > start else ""
    if "expected after" in text:
        message = (f"a quoted value ends and other text follows where a comma or the end of the line was expected"
                   f"{runs}: a stray '\"' at the start of a field, or a '\"' inside a quoted value that is not "
                   "doubled? (RFC 4180 quoting)")
    elif "unexpected end of data" in text:
        message = (f"a quoted value opened in this record is never closed: the file ends inside it at line {now}; "
                   "a stray '\"' at the start of a field?")
    else:
        message = f"cannot read the record as CSV: {text}"
    return Problem(message, where=name, line=start)


def _short(values: list[str], header: list[str], name: str, line: int, last: int) -> Problem:
    """A record with fewer fields than the header, with a guess at the stray quote that joined them."""
    runs = f"; the record runs from line {line} to line {last}" if last > line else ""
    joined = next((k for k, v in enumerate(values) if "," in v or "\n" in v), None)
    if joined is None:
        why = "cells missing at the end of the line?"
    else:
        why = (f"the value of column {header[joined]!r} holds commas or line breaks "
               f"({values[joined][:60]!r}...): a stray '\"' at its start that joins the fields after it?")
    return Problem(f"{len(values)} fields where the header has {len(header)}{runs} ({why})", where=name, line=line)


def read_table(stream: IO[str], name: str, required: tuple[str, ...] = (), *,
               ragged: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each record of a CSV stream.

    ``line`` is where the record starts. ``ragged=True`` allows records with fewer fields
    than the header (the missing cells read as empty).

    Raises
    ------
    TaxonomyError
        Naming the file and line: missing required columns (expected and found), a record
        with more fields than the header (or fewer, unless ``ragged``), and quoting that
        RFC 4180 does not allow (see the module docstring).
    """
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise TaxonomyError([Problem("the file is empty; expected a header row", where=name, line=1)]) from None
    except csv.Error as exc:
        raise TaxonomyError([_malformed(exc, name, 1, reader.line_num)]) from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise TaxonomyError([Problem(f"missing column(s) {missing}; expected {list(required)}, found {header}",
                                     where=name, line=1)])
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TaxonomyError([_malformed(exc, name, start, reader.line_num)]) from None
        line, start = start, reader.line_num + 1
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) > len(header):
            raise TaxonomyError([Problem(f"{len(values)} fields where the header has {len(header)} "
                                         "(a value with a comma that is not quoted?)", where=name, line=line)])
        if len(values) < len(header) and not ragged:
            raise TaxonomyError([_short(values, header, name, line, reader.line_num)])
        if "\x00" in "".join(values):  # the csv module takes NUL bytes as text (from Python 3.11)
            column = next(h for h, v in zip(header, values) if "\x00" in v)
            raise TaxonomyError([Problem(f"the value of column {column!r} holds a NUL byte: not text (binary data, or "
                                         f"UTF-16 text?); {_SAVE_AS_UTF8}", where=name, line=line)])
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
