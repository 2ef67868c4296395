"""Test helpers shared by conftest and the bad-input catalogue: an editable copy of the
taxonomy folder for tests that break it on purpose (the ``taxonomy_copy`` fixture), and a
taxonomy cache folder of one's own."""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Self


@contextlib.contextmanager
def own_cache(folder: Path) -> Iterator[Path]:
    """``SKILLMATCH_CACHE_DIR`` set to ``folder`` for the block, then restored as it was."""
    previous = os.environ.get("SKILLMATCH_CACHE_DIR")
    os.environ["SKILLMATCH_CACHE_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("SKILLMATCH_CACHE_DIR", None)
        else:
            os.environ["SKILLMATCH_CACHE_DIR"] = previous


class TaxonomyCopy:
    """A copy of ``taxonomy/`` in a temporary folder, with small CSV edits by line number.

    Line numbers count the header as line 1, as the loader's messages do. Edits go
    through the csv module, so quoting stays valid and every other line keeps its number.
    """

    def __init__(self, path: Path):
        self.path = path

    def rows(self, table: str) -> list[list[str]]:
        with open(self.path / table, encoding="utf-8", newline="") as stream:
            return list(csv.reader(stream))

    def write(self, table: str, rows: list[list[str]]) -> Self:
        with open(self.path / table, "w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, lineterminator="\n").writerows(rows)
        return self

    def cell(self, table: str, line: int, column: str) -> str:
        rows = self.rows(table)
        return rows[line - 1][rows[0].index(column)]

    def set(self, table: str, line: int, column: str, value: str) -> Self:
        """Set one cell: ``line`` as in error messages (header = 1)."""
        rows = self.rows(table)
        rows[line - 1][rows[0].index(column)] = value
        return self.write(table, rows)

    def append(self, table: str, **values: str) -> int:
        """Append a row (missing columns empty); returns its line number."""
        rows = self.rows(table)
        rows.append([values.get(column, "") for column in rows[0]])
        self.write(table, rows)
        return len(rows)

    def append_copy_of(self, table: str, line: int, **changes: str) -> int:
        """Append a copy of ``line`` with some cells changed; returns the new line number."""
        rows = self.rows(table)
        row = dict(zip(rows[0], rows[line - 1]))
        return self.append(table, **{**row, **changes})

    def line_of(self, table: str, column: str, value: str) -> int:
        """The line of the first row whose ``column`` is ``value``."""
        rows = self.rows(table)
        i = rows[0].index(column)
        return next(n for n, row in enumerate(rows[1:], 2) if row[i] == value)
