"""Parameters, declared once: the type and range of every option, one message template.

Each public object that takes options (the Matcher, planners, batch runs, the command
line) declares a table ``{name: spec}``; :func:`check_params` validates all values at
once and raises one :class:`~skillmatch.problems.InputError` naming every bad parameter,
what was expected and what came. Booleans must be booleans (``travel="no"`` is an error,
not a truthy string), integers must not be booleans (``k=True`` is an error), numbers
must be finite, and numpy scalars count as the Python kind they hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from .problems import InputError, Problem


class Spec:
    """What one parameter accepts. ``check`` returns the normalised value or raises ValueError(expected)."""

    expected: str = ""

    def check(self, value: Any) -> Any:  # pragma: no cover - every spec overrides it
        raise NotImplementedError


@dataclass(frozen=True)
class Boolean(Spec):
    @property
    def expected(self) -> str:  # type: ignore[override]
        return "True or False"

    def check(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise ValueError


@dataclass(frozen=True)
class Integer(Spec):
    low: int | None = None
    high: int | None = None

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "an integer" + _range(self.low, self.high)

    def check(self, value: Any) -> int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
            raise ValueError
        value = int(value)
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ValueError
        return value


@dataclass(frozen=True)
class Number(Spec):
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "a number" + _range(self.low, self.high, self.low_open, self.high_open)

    def check(self, value: Any) -> float:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
            raise ValueError
        value = float(value)
        if not math.isfinite(value):
            raise ValueError
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise ValueError
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            raise ValueError
        return value


@dataclass(frozen=True)
class OneOf(Spec):
    choices: tuple[Any, ...]

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def check(self, value: Any) -> Any:
        if isinstance(value, str) and value in self.choices:
            return value
        raise ValueError


@dataclass(frozen=True)
class Instance(Spec):
    types: tuple[type, ...]
    description: str

    @property
    def expected(self) -> str:  # type: ignore[override]
        return self.description

    def check(self, value: Any) -> Any:
        if isinstance(value, self.types):
            return value
        raise ValueError


@dataclass(frozen=True)
class Strings(Spec):
    """A list, tuple or set of strings, returned as a tuple; never one string (whose characters would be taken
    as the items: ``completed="urn:x"`` is not five module ids)."""

    description: str = "a list of strings"
    non_empty: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def expected(self) -> str:  # type: ignore[override]
        among = f" among {', '.join(repr(c) for c in self.choices)}" if self.choices is not None else ""
        return f"{self.description}{among} (not one string){', at least one' if self.non_empty else ''}"

    def check(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(v, str) for v in value):
            raise ValueError
        if (self.non_empty and not value) or (self.choices is not None and not set(value) <= set(self.choices)):
            raise ValueError
        return tuple(value)


@dataclass(frozen=True)
class Optional(Spec):
    spec: Spec

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"{self.spec.expected}, or None"

    def check(self, value: Any) -> Any:
        return None if value is None else self.spec.check(value)


@dataclass(frozen=True)
class Custom(Spec):
    """A rule a table cannot say by type and range alone; ``fn`` returns the value or raises ValueError."""

    fn: Callable[[Any], Any]
    description: str

    @property
    def expected(self) -> str:  # type: ignore[override]
        return self.description

    def check(self, value: Any) -> Any:
        try:
            return self.fn(value)
        except (TypeError, ValueError, InputError):
            raise ValueError from None


def _range(low: float | None, high: float | None, low_open: bool = False, high_open: bool = False) -> str:
    if low is not None and high is not None:
        left, right = ("above" if low_open else "from"), ("below" if high_open else "to")
        return f" {left} {low:g} {right} {high:g}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high:g}"
    return ""


def check_params(owner: str, table: Mapping[str, Spec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value checked against its spec; the normalised values, or one InputError naming each bad one."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, spec in table.items():
        value = values[name]
        try:
            out[name] = spec.check(value)
        except ValueError:
            inner = spec.spec if isinstance(spec, Optional) else spec
            if isinstance(inner, Instance):  # the type is what is wrong; the value may be a person's record
                shown = type(value).__name__
            elif not isinstance(value, (list, dict, tuple)) or len(repr(value)) < 80:
                shown = repr(value)
            else:
                shown = f"a {type(value).__name__} of {len(value)}"
            problems.append(Problem(f"expected {spec.expected}, got {shown}", where=owner, field=name))
    if problems:
        raise InputError(problems, summary=f"{len(problems)} invalid parameter(s) of {owner}")
    return out
