"""Problems found in input, and the errors that carry them.

Every problem names where it is (file and line, or record), the field, the value that
came and what was expected, so that a person can fix the input without reading code.
Loaders collect all problems of a source before they raise, so one run shows them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    ``where`` is a file name (or a record kind such as ``"vacancies"``), ``line`` the
    1-based line in that file (header = line 1) or ``None``, ``record`` the id of the
    record when known.
    """

    message: str
    where: str = ""
    line: int | None = None
    record: str | None = None
    field: str | None = None
    value: object = None
    severity: Severity = "error"

    def __str__(self) -> str:
        place = self.where
        if self.line is not None:
            place = f"{place} line {self.line}" if place else f"line {self.line}"
        if self.record is not None:
            place = f"{place} record {self.record!r}" if place else f"record {self.record!r}"
        if self.field is not None:
            place = f"{place} field {self.field!r}" if place else f"field {self.field!r}"
        head = f"{place}: " if place else ""
        tag = "warning: " if self.severity == "warning" else ""
        return f"{tag}{head}{self.message}{self._found(place)}"

    def _found(self, place: str) -> str:
        """``" (found 6)"`` when the value that came is not already named in the place or message."""
        value = self.value
        if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return ""  # lists and records are spelled out by the message where they matter
        text = f"{place} {self.message}"
        if isinstance(value, str):  # messages quote the strings they name with repr
            return "" if value == "" or repr(value) in text else f" (found {value!r})"
        # a number counts as named only after "found" (a "1 to 5" or "(0, 1]" in the text is what was expected)
        shown = format(value, "g") if isinstance(value, float) else str(value)
        named = re.search(rf"\bfound\b[^:]*?(?<![\w.]){re.escape(shown)}(?![\w.])", self.message)
        return "" if named else f" (found {shown})"


class SkillmatchError(Exception):
    """Base class of skillmatch's own errors."""


class InputError(SkillmatchError, ValueError):
    """Input that cannot be used; carries every :class:`Problem` found, not only the first."""

    def __init__(self, problems: Iterable[Problem] | str, *, summary: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: list[Problem] = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        shown = errors or self.problems
        lines = [str(p) for p in shown[:20]]
        if len(shown) > 20:
            lines.append(f"... and {len(shown) - 20} more")
        head = summary or f"{len(errors)} problem(s) in the input"
        super().__init__(head + ":\n  " + "\n  ".join(lines) if lines else head)


class TaxonomyError(InputError):
    """The taxonomy could not be loaded or is not consistent."""


class DamagedTaxonomyError(TaxonomyError):
    """A compiled taxonomy (a cache entry, or a folder written by ``Taxonomy.save``) that was
    altered or damaged: its files do not match the content hash stored with them, or cannot
    be read. :func:`~skillmatch.taxonomy.load_taxonomy` rebuilds such a cache entry from the
    source; loading the folder directly raises this error."""


def closest(value: str, choices: Iterable[str], limit: int = 1) -> list[str]:
    """The choices nearest to ``value`` by edit similarity, for 'did you mean' hints."""
    from rapidfuzz import process

    return [c for c, _, _ in process.extract(value, list(choices), limit=limit)]
