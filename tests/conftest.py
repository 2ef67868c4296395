"""Shared fixtures: a private cache folder, the shipped taxonomy, the real ESCO data, and
an editable copy of ``taxonomy/`` for tests that break it on purpose."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SKILLMATCH_DATA") or REPO_ROOT.parent / "shared" / "data")  # ESCO, CompetentNL


@pytest.fixture(scope="session", autouse=True)
def skillmatch_cache_dir(tmp_path_factory):
    """Every compiled taxonomy of the session goes to a fresh folder, never ~/.cache."""
    previous = os.environ.get("SKILLMATCH_CACHE_DIR")
    folder = tmp_path_factory.mktemp("skillmatch-cache")
    os.environ["SKILLMATCH_CACHE_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("SKILLMATCH_CACHE_DIR", None)
        else:
            os.environ["SKILLMATCH_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shipped():
    """The shipped taxonomy, loaded once per session."""
    import skillmatch

    return skillmatch.load_taxonomy()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` next to the repository; the test is skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real reference data (ESCO, CompetentNL) is absent: expected at "
                    f"{SHARED_DATA} (set SKILLMATCH_DATA to the folder that holds esco-v1.1.1/)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def esco(shared_data):
    """ESCO v1.1.1 with Dutch labels, loaded once per session (and compiled into the session cache)."""
    from skillmatch.taxonomy import load_taxonomy

    folder, dutch = shared_data / "esco-v1.1.1", shared_data / "esco-v1.1.1-nl"
    for needed in (folder / "classification-en-csv.zip", folder / "relations-csv.zip", dutch / "occupations_nl.csv"):
        if not needed.is_file():
            pytest.skip(f"ESCO data is incomplete: {needed} is absent")
    return load_taxonomy(folder, dutch=dutch)


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

    def write(self, table: str, rows: list[list[str]]) -> None:
        with open(self.path / table, "w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, lineterminator="\n").writerows(rows)

    def cell(self, table: str, line: int, column: str) -> str:
        rows = self.rows(table)
        return rows[line - 1][rows[0].index(column)]

    def set(self, table: str, line: int, column: str, value: str) -> None:
        """Set one cell: ``line`` as in error messages (header = 1)."""
        rows = self.rows(table)
        rows[line - 1][rows[0].index(column)] = value
        self.write(table, rows)

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


@pytest.fixture
def taxonomy_copy(tmp_path, repo_root) -> TaxonomyCopy:
    """A fresh, editable copy of the shipped ``taxonomy/`` folder."""
    target = tmp_path / "taxonomy"
    shutil.copytree(repo_root / "taxonomy", target)
    return TaxonomyCopy(target)
