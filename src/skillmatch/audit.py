"""Audit of match results: who gets recommended, by group. **Monitoring, never a scoring input.**

An audit reads what a run produced — the top-k lists of the ranking contract, ``indices``
int (n, k) padded with -1 and ``scores`` float (n, k), with the ``query_ids`` of the rows
and the ``candidate_ids`` the indices point into — and, optionally, group labels the
caller supplies (a mapping person id → group, or a CSV file ``id,group``). Nothing here
feeds back into matching: the scores, the filters and the explanations never read a group
label, and no function of :mod:`skillmatch.match` or :mod:`skillmatch.recommend` takes
one. Group labels are used only to count, in memory, and only the counts are reported.

The labels describe one **side** of the results: the queries (jobseeker → vacancies
results, each row is a person) or the candidates (vacancy → jobseekers results, each
listed candidate is a person). ``side="auto"`` picks the side whose ids the labels name.

What is reported, per group and for everyone on that side together (:class:`GroupFigures`):

**Exposure.** A *slot* is one place (row r, rank j) of a top-k list that holds a candidate.
A slot involves its query and its candidate. A person's exposure is the number of slots
that involve them; the position-weighted exposure weighs the slot at rank j (1 = best) by
``1 / log2(j + 1)`` (1, 0.63, 0.5, 0.43, …), as attention falls off down a list. Per group:
the total, its share of all labelled exposure, the mean per member, and the *disparity*
``weighted share of exposure / share of members`` (1 = exposure in proportion to the
group's size).

**Selection rates and the four-fifths rule.** A person is *selected* when at least one
slot involving them scores ``threshold`` or more (default
:data:`skillmatch.recommend.MATCH_THRESHOLD`, the match threshold of the default score),
compared in the scores' own precision: float32 for results of the ranking contract, as
:mod:`skillmatch.recommend.unlock` compares. The selection rate of a group is its selected members over its members; the *selection
ratio* is that rate over the highest rate of any group. The four-fifths rule (US EEOC,
Uniform Guidelines 1978) flags a ratio below 0.8 as a sign of adverse impact worth a
closer look — not as proof: with small groups the rates are noisy, so read the member
counts next to them.

**Score distributions.** The scores of the slots involving a group, and each recommended
member's best score: count, mean, minimum, 10/25/50/75/90th percentiles (linear
interpolation), maximum, and a histogram in bins of 0.1 (``< 0.1`` … ``>= 0.9``; a bin's
edges compared in the scores' precision, so a float32 0.7 lands in ``0.7–0.8``).

**Congestion** of the candidates (:func:`skillmatch.batch.allocate.congestion`): lists per
candidate (mean, maximum, distribution), the share of candidates recommended to nobody,
the share over capacity when ``capacities`` are given, and the Gini coefficient of
exposure, for the whole lists (``top_k``) and their first places (``top_1``).

Every figure is a deterministic function of the inputs (float64 sums in a fixed order):
the same results and labels give the same report, byte for byte. :meth:`Audit.to_dict` is
JSON-able; :meth:`Audit.summary` is plain text in Dutch or English. People without a label
are counted (``n_unlabelled``) and left out of the group figures, not guessed.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .params import Number, OneOf, Optional, check_params
from .problems import InputError, Problem, closest

#: What an audit is for, in the words every report carries.
PURPOSE = {
    "nl": "Monitoring van uitkomsten, nooit invoer voor de scores: groepslabels worden alleen geteld.",
    "en": "Monitoring of outcomes, never a scoring input: group labels are only counted.",
}
#: Ratio below which the four-fifths rule flags a group.
FOUR_FIFTHS = 0.8
#: Histogram bins of scores: [-inf, 0.1), [0.1, 0.2), ..., [0.9, inf).
SCORE_BINS = np.array([-np.inf, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, np.inf])
SIDES = ("queries", "candidates")


def _default_threshold() -> float:
    from .recommend.unlock import MATCH_THRESHOLD

    return float(MATCH_THRESHOLD)


#: The options of :func:`audit`, checked once.
PARAMETERS = {
    "side": OneOf(("auto", *SIDES)),
    "threshold": Optional(Number(0.0, None)),
    "four_fifths": Number(0.0, 1.0, low_open=True),
}


# --- group labels -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupLabels:
    """Group labels supplied by the caller: person id → group, and where each came from.

    ``where`` names the source (a file, or ``"groups"`` for a mapping); ``lines`` gives the
    line of each id in a file (None for a mapping), for error messages.
    """

    labels: dict[str, str]
    where: str = "groups"
    lines: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def line(self, person: str) -> int | None:
        return None if self.lines is None else self.lines.get(person)


def read_groups(path: str | Path, *, column: str = "group") -> GroupLabels:
    """Read group labels from a CSV file with a header: an ``id`` column and ``column``.

    Other columns are not read (keep them out of the file when you can: the audit needs
    nothing else). The delimiter is ``,``, or ``;`` / tab when the header has those and no
    comma. Text is UTF-8 (a byte-order mark is allowed).

    Raises
    ------
    InputError
        Naming the file and line: no such file, not UTF-8, no header or a header without
        ``id`` or ``column``, a row with too few fields, an empty id or group, an id that
        appears twice, a quoted value running over several lines, a file without labels.
    """
    path = Path(path)
    where = str(path)
    text_lines = _decoded_lines(path, where)
    if not text_lines or not text_lines[0].strip():
        raise InputError([Problem("the file is empty; expected a header 'id,group' and one row per person",
                                  where=where, line=1)])
    delimiter = _delimiter(text_lines[0])
    rows = csv.reader(text_lines, delimiter=delimiter, strict=False)
    header = [h.strip() for h in next(rows)]
    id_at, group_at = _header_positions(header, column, where)
    labels: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    line = 1
    for values in rows:
        start, line = line + 1, rows.line_num
        problems += _row_problems(values, start, line, id_at, group_at, header, column, where, lines)
        if not values or len(values) <= max(id_at, group_at) or any("\n" in v for v in values):
            continue
        person, group = values[id_at].strip(), values[group_at].strip()
        if person and group and person not in lines:
            labels[person], lines[person] = group, start
    if problems:
        raise InputError(problems, summary=f"{where}: {len(problems)} problem(s) in the group labels")
    if not labels:
        raise InputError([Problem("no group labels: the file has a header and no rows", where=where, line=1)])
    return GroupLabels(labels, where, lines)


def _decoded_lines(path: Path, where: str) -> list[str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem("no such file", where=where)]) from None
    except IsADirectoryError:
        raise InputError([Problem("is a folder; expected a CSV file", where=where)]) from None
    except OSError as exc:
        raise InputError([Problem(f"cannot read the file: {exc.strerror}", where=where)]) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:200]:
        raise InputError([Problem("the file is UTF-16 (or another two-byte encoding); expected UTF-8 — save it "
                                  "as UTF-8 (in Excel: 'CSV UTF-8')", where=where, line=1)])
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    out, problems = [], []
    for number, line in enumerate(raw.splitlines(keepends=True), 1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(Problem(f"not valid UTF-8 (byte 0x{line[exc.start]:02x}); the file looks like Latin-1 "
                                    "or Windows-1252 — save it as UTF-8", where=where, line=number))
    if problems:
        raise InputError(problems, summary=f"{where}: {len(problems)} line(s) are not UTF-8")
    return out


def _delimiter(header: str) -> str:
    if "," not in header:
        if ";" in header:
            return ";"
        if "\t" in header:
            return "\t"
    return ","


def _header_positions(header: list[str], column: str, where: str) -> tuple[int, int]:
    problems = []
    for name in ("id", column):
        if name not in header:
            near = closest(name, [h for h in header if h]) if any(header) else []
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(Problem(f"missing column {name!r}{hint}; found {header}", where=where, line=1,
                                    field=name))
    for name in ("id", column):
        if header.count(name) > 1:
            problems.append(Problem(f"column {name!r} appears twice", where=where, line=1, field=name))
    if problems:
        raise InputError(problems, summary=f"{where}: the header cannot be used")
    return header.index("id"), header.index(column)


def _row_problems(values: list[str], start: int, end: int, id_at: int, group_at: int, header: list[str],
                  column: str, where: str, seen: dict[str, int]) -> list[Problem]:
    if not values:
        return []  # a blank line
    if any("\n" in v for v in values):
        return [Problem(f"a quoted value runs from line {start} to line {end}: a stray '\"' in this row?",
                        where=where, line=start)]
    if len(values) <= max(id_at, group_at):
        return [Problem(f"expected {len(header)} fields as in the header, found {len(values)}", where=where,
                        line=start)]
    person, group = values[id_at].strip(), values[group_at].strip()
    out = []
    if not person:
        out.append(Problem("the id is empty", where=where, line=start, field="id"))
    if not group:
        out.append(Problem("the group is empty; every listed person needs a group (leave the person out "
                           "instead)", where=where, line=start, record=person or None, field=column))
    if person and person in seen:
        out.append(Problem(f"id {person!r} appears twice (first on line {seen[person]})", where=where, line=start,
                           record=person, field="id"))
    return out


def _as_labels(groups: Any) -> GroupLabels:
    if isinstance(groups, GroupLabels):
        return groups
    if isinstance(groups, (str, Path)):
        return read_groups(groups)
    if not isinstance(groups, Mapping):
        raise InputError([Problem(f"expected a mapping of person id to group, a GroupLabels or the path of a CSV "
                                  f"file, got {type(groups).__name__}", where="audit", field="groups")])
    labels: dict[str, str] = {}
    problems = []
    for person, group in groups.items():
        if not isinstance(person, str) or not person.strip():
            problems.append(Problem(f"expected a non-empty text id, got {person!r}", where="groups", field="id"))
        elif not isinstance(group, str) or not group.strip():
            problems.append(Problem(f"expected a non-empty text group, got {group!r}", where="groups",
                                    record=person, field="group"))
        else:
            labels[person.strip()] = group.strip()
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in the group labels")
    if not labels:
        raise InputError([Problem("no group labels: the mapping is empty (pass None to audit without groups)",
                                  where="groups")])
    return GroupLabels(labels)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Results:
    indices: np.ndarray  # int64 (n, k)
    scores: np.ndarray  # float64 (n, k), NaN at padding
    query_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]
    valid: np.ndarray  # bool (n, k)
    where: str
    precision: type = np.float32  # the scores' own float type, in which the threshold is compared

    @property
    def k(self) -> int:
        return self.indices.shape[1]


def _check_results(indices: Any, scores: Any, query_ids: Any, candidate_ids: Any, where: str) -> _Results:
    """The one conversion point: shapes, dtypes, ids and the padding rule, every problem named."""
    indices, scores = np.asarray(indices), np.asarray(scores)
    if indices.ndim != 2 or scores.shape != indices.shape:
        raise InputError([Problem(f"expected two arrays of the same shape (n, k), got {indices.shape} and "
                                  f"{scores.shape}", where=where, field="indices, scores")])
    if indices.size and not np.issubdtype(indices.dtype, np.integer):
        raise InputError([Problem(f"expected integers, got dtype {indices.dtype}", where=where, field="indices")])
    if scores.size and not np.issubdtype(scores.dtype, np.floating):
        raise InputError([Problem(f"expected floats, got dtype {scores.dtype}", where=where, field="scores")])
    queries, candidates = _ids(query_ids, "query_ids", where), _ids(candidate_ids, "candidate_ids", where)
    n, k = indices.shape
    if len(queries) != n:
        raise InputError([Problem(f"expected {n} ids (one per row of indices), got {len(queries)}", where=where,
                                  field="query_ids")])
    if n == 0 or k == 0 or not candidates:
        raise InputError([Problem(f"the results are empty ({n} queries, {len(candidates)} candidates, k = {k}); "
                                  "nothing to audit", where=where)])
    indices = indices.astype(np.int64)
    valid = indices >= 0
    _check_entries(indices, scores, valid, len(candidates), where)
    precision = scores.dtype.type if scores.size else np.float32
    return _Results(indices, np.where(valid, scores.astype(np.float64), np.nan), queries, candidates, valid, where,
                    precision)


def _ids(values: Any, field: str, where: str) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise InputError([Problem(f"expected a sequence of ids, got {type(values).__name__}", where=where,
                                  field=field)])
    ids = tuple(values)
    bad = [i for i, v in enumerate(ids) if not isinstance(v, str) or not v]
    if bad:
        raise InputError([Problem(f"expected non-empty text ids, found {ids[bad[0]]!r} at position {bad[0]}",
                                  where=where, field=field)])
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        twice = next(v for v in ids if v in seen or seen.add(v))  # type: ignore[func-returns-value]
        raise InputError([Problem(f"id {twice!r} appears twice; expected unique ids", where=where, field=field,
                                  record=twice)])
    return ids


def _check_entries(indices: np.ndarray, scores: np.ndarray, valid: np.ndarray, m: int, where: str) -> None:
    if (indices < -1).any() or (indices >= m).any():
        r, c = (int(x[0]) for x in np.nonzero((indices < -1) | (indices >= m)))
        raise InputError([Problem(f"expected -1 (padding) or a candidate from 0 to {m - 1}, found "
                                  f"{int(indices[r, c])} at row {r}, rank {c + 1}", where=where, field="indices")])
    if (valid[:, 1:] & ~valid[:, :-1]).any():
        r = int(np.flatnonzero((valid[:, 1:] & ~valid[:, :-1]).any(axis=1))[0])
        raise InputError([Problem(f"row {r}: padding (-1) must come after the candidates, found "
                                  f"{indices[r].tolist()}", where=where, field="indices")])
    with np.errstate(invalid="ignore"):
        bad = valid & ~np.isfinite(scores)
    if bad.any():
        r, c = (int(x[0]) for x in np.nonzero(bad))
        raise InputError([Problem(f"row {r}, rank {c + 1}: expected a finite score, found {scores[r, c]}",
                                  where=where, field="scores")])
    ordered = np.sort(np.where(valid, indices, -1), axis=1)
    twice = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    if twice.any():
        r = int(np.flatnonzero(twice.any(axis=1))[0])
        raise InputError([Problem(f"row {r}: a candidate is listed twice, found {indices[r].tolist()}",
                                  where=where, field="indices")])


# --- figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreSummary:
    """The distribution of a set of scores: ``n`` values (the rest None when ``n`` is 0).

    ``quantiles`` maps 10, 25, 50, 75, 90 to the percentile (linear interpolation);
    ``histogram`` counts the values in :data:`SCORE_BINS` (``< 0.1``, ``0.1–0.2``, …, ``>= 0.9``).
    """

    n: int
    mean: float | None
    min: float | None
    max: float | None
    quantiles: dict[int, float | None]
    histogram: tuple[int, ...]

    @classmethod
    def of(cls, values: np.ndarray, precision: type = np.float64) -> ScoreSummary:
        """The summary of ``values``; bins are compared in ``precision`` (the scores' own float type)."""
        values = np.sort(np.asarray(values, np.float64))
        edges: np.ndarray = SCORE_BINS[1:-1].astype(precision)
        at = np.searchsorted(edges, values.astype(precision), side="right")
        histogram = tuple(int(c) for c in np.bincount(at, minlength=len(SCORE_BINS) - 1))
        if not len(values):
            return cls(0, None, None, None, dict.fromkeys((10, 25, 50, 75, 90)), histogram)
        q = np.quantile(values, [0.1, 0.25, 0.5, 0.75, 0.9])
        return cls(len(values), float(math.fsum(values.tolist()) / len(values)), float(values[0]),
                   float(values[-1]), dict(zip((10, 25, 50, 75, 90), (float(x) for x in q))), histogram)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "mean": self.mean, "min": self.min, "max": self.max,
                "quantiles": {f"p{p}": v for p, v in self.quantiles.items()}, "histogram": list(self.histogram)}


@dataclass(frozen=True)
class GroupFigures:
    """The audit figures of one group (or of everyone on the side, ``group="all"``).

    Attributes
    ----------
    group : str
    members : int
        People of the group on the audited side.
    share_of_members : float
        ``members`` over all labelled people.
    recommended : int
        Members in at least one slot.
    exposure, weighted_exposure : int, float
        Slots involving members; the same weighted by ``1 / log2(rank + 1)``.
    exposure_share, weighted_share : float
        Of all labelled people's (weighted) exposure; 0 when there is none.
    exposure_per_member, weighted_per_member : float
    disparity : float or None
        ``weighted_share / share_of_members`` (1 = in proportion); None when nobody
        labelled has any exposure.
    selected : int
        Members in at least one slot scoring ``threshold`` or more.
    selection_rate : float
        ``selected / members``.
    selection_ratio : float or None
        ``selection_rate`` over the highest rate of any group; None when no group has a
        selected member (and for ``"all"``).
    flagged : bool
        ``selection_ratio`` below the four-fifths limit.
    scores, best_scores : ScoreSummary
        The scores of the slots involving members; each recommended member's best score.
    """

    group: str
    members: int
    share_of_members: float
    recommended: int
    exposure: int
    weighted_exposure: float
    exposure_share: float
    weighted_share: float
    exposure_per_member: float
    weighted_per_member: float
    disparity: float | None
    selected: int
    selection_rate: float
    selection_ratio: float | None
    flagged: bool
    scores: ScoreSummary
    best_scores: ScoreSummary

    def to_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["scores"], out["best_scores"] = self.scores.to_dict(), self.best_scores.to_dict()
        return out


@dataclass(frozen=True)
class _PerPerson:
    """Per person on the audited side: exposure, weighted exposure, selected, best score; and the slot scores."""

    exposure: np.ndarray  # int64 (p,)
    weighted: np.ndarray  # float64 (p,)
    selected: np.ndarray  # bool (p,)
    best: np.ndarray  # float64 (p,), NaN when never listed
    slot_person: np.ndarray  # int64 (slots,): the person each slot involves
    slot_score: np.ndarray  # float64 (slots,)


def rank_weights(k: int) -> np.ndarray:
    """float64 (k,): the weight of ranks 1..k, ``1 / log2(rank + 1)``."""
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def _per_person(res: _Results, side: str, threshold: float) -> _PerPerson:
    rows, cols = np.nonzero(res.valid)  # row-major: a fixed order for every sum below
    score = res.scores[rows, cols]
    person = rows if side == "queries" else res.indices[rows, cols]
    size = len(res.query_ids) if side == "queries" else len(res.candidate_ids)
    weight = rank_weights(res.k)[cols]
    threshold = float(res.precision(threshold))  # float32 results: compared as float32, as unlock does
    best = np.full(size, -np.inf)
    np.maximum.at(best, person, score)
    return _PerPerson(np.bincount(person, minlength=size).astype(np.int64),
                      np.bincount(person, weights=weight, minlength=size),
                      np.bincount(person, weights=(score >= threshold).astype(np.float64), minlength=size) > 0,
                      np.where(np.isneginf(best), np.nan, best), person, score)


def _figures(name: str, members: np.ndarray, per: _PerPerson, totals: tuple[int, int, float],
             precision: type) -> GroupFigures:
    """Figures of the people at positions ``members`` (sorted); ``totals``: labelled people, exposure, weighted."""
    n_labelled, total_exposure, total_weighted = totals
    n = len(members)
    in_group = np.zeros(len(per.exposure), bool)
    in_group[members] = True
    exposure = int(per.exposure[members].sum())
    weighted = math.fsum(per.weighted[members].tolist())
    share = n / n_labelled if n_labelled else 0.0
    weighted_share = weighted / total_weighted if total_weighted else 0.0
    best = per.best[members]
    return GroupFigures(
        group=name, members=n, share_of_members=share, recommended=int((per.exposure[members] > 0).sum()),
        exposure=exposure, weighted_exposure=weighted,
        exposure_share=exposure / total_exposure if total_exposure else 0.0, weighted_share=weighted_share,
        exposure_per_member=exposure / n if n else 0.0, weighted_per_member=weighted / n if n else 0.0,
        disparity=weighted_share / share if total_weighted and share else None,
        selected=int(per.selected[members].sum()), selection_rate=float(per.selected[members].sum()) / n if n else 0.0,
        selection_ratio=None, flagged=False,
        scores=ScoreSummary.of(per.slot_score[in_group[per.slot_person]], precision),
        best_scores=ScoreSummary.of(best[~np.isnan(best)], precision))


def _with_ratios(groups: list[GroupFigures], limit: float) -> list[GroupFigures]:
    top = max((g.selection_rate for g in groups), default=0.0)
    if top <= 0:
        return groups
    out = []
    for g in groups:
        ratio = g.selection_rate / top
        out.append(replace(g, selection_ratio=ratio, flagged=ratio < limit))
    return out


# --- the audit -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audit:
    """What :func:`audit` found (see the module docstring for every figure).

    Attributes
    ----------
    side : {"queries", "candidates"}
        The side the group labels (and ``overall``) describe.
    threshold, four_fifths : float
    k, n_queries, n_candidates, n_slots : int
        List length, rows, candidates, and filled slots.
    n_labelled, n_unlabelled : int
        People on the side with and without a group label (0 and all without labels).
    overall : GroupFigures
        Everyone on the side (``group="all"``); its shares are of everyone.
    groups : tuple of GroupFigures
        Per group, in the order of ``expected_groups`` or sorted by name.
    congestion : dict of str to Congestion
        ``top_k`` and ``top_1`` (:func:`skillmatch.batch.allocate.congestion`).
    source, group_source : str
        Where the results and the labels came from (None without labels).
    """

    side: str
    threshold: float
    four_fifths: float
    k: int
    n_queries: int
    n_candidates: int
    n_slots: int
    n_labelled: int
    n_unlabelled: int
    overall: GroupFigures
    groups: tuple[GroupFigures, ...]
    congestion: dict[str, Any]
    source: str
    group_source: str | None = None

    @property
    def flagged(self) -> tuple[str, ...]:
        """Groups whose selection ratio is below the four-fifths limit."""
        return tuple(g.group for g in self.groups if g.flagged)

    def group(self, name: str) -> GroupFigures:
        for g in self.groups:
            if g.group == name:
                return g
        raise InputError([Problem(f"no group {name!r}; the groups are {[g.group for g in self.groups]}",
                                  where="audit", field="group")])

    def to_dict(self) -> dict[str, Any]:
        """Every figure as JSON-able data (floats, ints, strings, None, lists and dicts)."""
        return {
            "purpose": PURPOSE["en"], "side": self.side, "threshold": self.threshold,
            "four_fifths": self.four_fifths, "k": self.k, "n_queries": self.n_queries,
            "n_candidates": self.n_candidates, "n_slots": self.n_slots, "n_labelled": self.n_labelled,
            "n_unlabelled": self.n_unlabelled, "source": self.source, "group_source": self.group_source,
            "rank_weight": "1 / log2(rank + 1)", "score_bins": [None if not math.isfinite(b) else float(b)
                                                                for b in SCORE_BINS],
            "overall": self.overall.to_dict(), "groups": [g.to_dict() for g in self.groups],
            "flagged": list(self.flagged), "congestion": {name: c.to_dict() for name, c in self.congestion.items()},
        }

    def summary(self, lang: str = "nl") -> str:
        """The audit as plain text, in Dutch (``"nl"``) or English (``"en"``)."""
        if lang not in _TEXT:
            raise InputError([Problem(f"expected one of {sorted(_TEXT)}, got {lang!r}", where="audit.summary",
                                      field="lang")])
        return "\n".join(_summary_lines(self, _TEXT[lang], lang))


def audit(indices: Any, scores: Any, query_ids: Sequence[str], candidate_ids: Sequence[str], groups: Any = None, *,
          side: str = "auto", threshold: float | None = None, four_fifths: float = FOUR_FIFTHS,
          capacities: Any = None, expected_groups: Sequence[str] | None = None, where: str = "results") -> Audit:
    """Audit top-k results by group: exposure, selection rates and the four-fifths rule, scores, congestion.

    Monitoring only: the figures describe results already made and are never fed back
    into matching.

    Parameters
    ----------
    indices : array of int, shape (n, k)
        Candidate positions per query row, best first, padded with -1 at the end.
    scores : array of float, shape (n, k)
        Their scores (padding ignored).
    query_ids : sequence of str, length n
    candidate_ids : sequence of str, length m
        The ids of the rows and of the candidates the indices point into (unique).
    groups : mapping of str to str, GroupLabels, str or Path, optional
        Person id → group, supplied by the caller, or the path of a CSV file ``id,group``
        (:func:`read_groups`). Every id must be a query or a candidate (per ``side``).
    side : {"auto", "queries", "candidates"}
        Which side the labels describe; ``auto``: the side holding more of the labelled
        ids (``queries`` without labels).
    threshold : float >= 0, optional
        Score at which a person counts as selected; default the match threshold of the
        default score (:data:`skillmatch.recommend.MATCH_THRESHOLD`).
    four_fifths : float in (0, 1]
        Selection ratios below it are flagged (0.8).
    capacities : array of int, shape (m,), optional
        Positions per candidate (vacancies), for the congestion's share over capacity.
    expected_groups : sequence of str, optional
        The groups to report, in this order. Each must have members, and no label may
        name another group (a typo in a label file is caught rather than reported as a
        group of its own). Default: the groups found, sorted by name.
    where : str
        The name of the results in messages (a file name).

    Returns
    -------
    Audit

    Notes
    -----
    Memory and time grow with the results (n × k slots), never with n × m. The inputs are
    not changed.

    Raises
    ------
    InputError
        Empty results; arrays of the wrong shape or dtype; indices out of range, padding
        before a candidate, a candidate listed twice in a row, a non-finite score; ids
        missing, repeated or of the wrong count; labels naming ids that are not on the
        side (file and line named), a group in ``expected_groups`` without members, a label
        outside them; bad parameters (:data:`PARAMETERS`).
    """
    p = check_params("audit", PARAMETERS, {"side": side, "threshold": threshold, "four_fifths": four_fifths})
    threshold = _default_threshold() if p["threshold"] is None else p["threshold"]
    res = _check_results(indices, scores, query_ids, candidate_ids, where)
    labels = None if groups is None else _as_labels(groups)
    if labels is None and expected_groups is not None:
        raise InputError([Problem("expected_groups needs group labels (groups=)", where="audit",
                                  field="expected_groups")])
    side = _side(p["side"], labels, res)
    ids = res.query_ids if side == "queries" else res.candidate_ids
    group_of = _group_positions(labels, ids, side, res, expected_groups) if labels is not None else {}
    per = _per_person(res, side, threshold)
    labelled = np.sort(np.concatenate([*group_of.values(), np.zeros(0, np.int64)]))
    everyone = np.arange(len(ids))
    overall = _figures("all", everyone, per, (len(ids), int(per.exposure.sum()),
                                              math.fsum(per.weighted.tolist())), res.precision)
    totals = (len(labelled), int(per.exposure[labelled].sum()), math.fsum(per.weighted[labelled].tolist()))
    figures = _with_ratios([_figures(name, members, per, totals, res.precision) for name, members in group_of.items()],
                           p["four_fifths"])
    return Audit(side, threshold, p["four_fifths"], res.k, len(res.query_ids), len(res.candidate_ids),
                 int(res.valid.sum()), len(labelled), len(ids) - len(labelled), overall, tuple(figures),
                 _congestion(res, capacities), where, None if labels is None else labels.where)


def _side(side: str, labels: GroupLabels | None, res: _Results) -> str:
    if side != "auto":
        return side
    if labels is None:
        return "queries"
    in_queries = len(labels.labels.keys() & set(res.query_ids))
    in_candidates = len(labels.labels.keys() & set(res.candidate_ids))
    if in_queries == in_candidates and in_queries:
        raise InputError([Problem(f"the labels name {in_queries} queries and as many candidates: pass "
                                  "side='queries' or side='candidates'", where=labels.where, field="side")])
    return "queries" if in_queries >= in_candidates else "candidates"


def _group_positions(labels: GroupLabels, ids: tuple[str, ...], side: str, res: _Results,
                     expected: Sequence[str] | None) -> dict[str, np.ndarray]:
    """Group → sorted positions of its members among ``ids``; unknown ids and groups raise."""
    position = {person: i for i, person in enumerate(ids)}
    unknown = [person for person in labels.labels if person not in position]
    if unknown:
        other = res.candidate_ids if side == "queries" else res.query_ids
        raise InputError([_unknown_id(labels, person, side, ids, other) for person in unknown],
                         summary=f"{len(unknown)} group label(s) name ids that are not among the {side} of "
                                 f"{res.where}{_missing_rows_hint(side)}")
    members: dict[str, list[int]] = {}
    for person, group in labels.labels.items():
        members.setdefault(group, []).append(position[person])
    order = sorted(members) if expected is None else _expected(expected, members, labels, side)
    return {g: np.array(sorted(members[g]), np.int64) for g in order}


def _unknown_id(labels: GroupLabels, person: str, side: str, ids: tuple[str, ...],
                other: tuple[str, ...]) -> Problem:
    if person in set(other):
        why = f"is not among the {side} (it is on the other side: pass side=)"
    else:
        near = closest(person, ids) if len(person) > 1 else []
        why = f"is not among the {side} of the results" + (f" (closest: {near[0]!r})" if near else "")
    return Problem(f"id {person!r} {why}", where=labels.where, line=labels.line(person), record=person, field="id")


def _missing_rows_hint(side: str) -> str:
    what = "query_ids" if side == "queries" else "candidate_ids"
    return (f"; a results file has no rows for people without a match: pass {what} (every id of the run) "
            "to count them as not selected")


def _expected(expected: Sequence[str], members: dict[str, list[int]], labels: GroupLabels, side: str) -> list[str]:
    if isinstance(expected, str) or not isinstance(expected, Sequence):
        raise InputError([Problem(f"expected a list of group names, got {type(expected).__name__}", where="audit",
                                  field="expected_groups")])
    order = list(dict.fromkeys(str(g) for g in expected))
    problems = [Problem(f"group {g!r} has no members among the {side}", where=labels.where, field="group", value=g)
                for g in order if g not in members]
    for group in sorted(set(members) - set(order)):
        first = min((p for p, g in labels.labels.items() if g == group), key=lambda p: (labels.line(p) or 0, p))
        problems.append(Problem(f"group {group!r} is not among the expected groups {order}", where=labels.where,
                                line=labels.line(first), record=first, field="group", value=group))
    if problems:
        raise InputError(problems, summary=f"{len(problems)} problem(s) with the groups")
    return order


def _congestion(res: _Results, capacities: Any) -> dict[str, Any]:
    from .batch.allocate import congestion, exposure

    m = len(res.candidate_ids)
    if capacities is not None:
        capacities = np.asarray(capacities)
        if capacities.shape != (m,) or (capacities.size and not np.issubdtype(capacities.dtype, np.integer)):
            raise InputError([Problem(f"expected {m} integers (one per candidate), got shape {capacities.shape} "
                                      f"and dtype {capacities.dtype}", where="audit", field="capacities")])
        if m and capacities.min() < 0:
            at = int(np.argmin(capacities))
            raise InputError([Problem(f"expected numbers of positions >= 0, found {int(capacities[at])} for candidate "
                                      f"{res.candidate_ids[at]!r}", where="audit", field="capacities")])
    return {"top_k": congestion(exposure(res.indices, m), capacities, name="top_k"),
            "top_1": congestion(exposure(res.indices, m, depth=1), capacities, name="top_1")}


# --- other sources of results ------------------------------------------------------------------------


def audit_result(result: Any, groups: Any = None, **options: Any) -> Audit:
    """:func:`audit` of a :class:`~skillmatch.match.MatchResult`; ``options`` as for :func:`audit`."""
    from .match import MatchResult

    if not isinstance(result, MatchResult):
        raise InputError([Problem(f"expected a MatchResult, got {type(result).__name__}", where="audit",
                                  field="result")])
    options.setdefault("where", "results")
    return audit(result.indices, result.scores, result.query_ids, result.candidate_ids, groups, **options)


def audit_file(path: str | Path, groups: Any = None, *, query_ids: Sequence[str] | None = None,
               candidate_ids: Sequence[str] | None = None, **options: Any) -> Audit:
    """:func:`audit` of a results file (CSV, JSONL or Parquet, as ``skillmatch match`` writes it).

    The file is read with :func:`skillmatch.batch.read_topk` in strict mode: a bad row
    raises an :class:`InputError` naming its line instead of being left out.

    Parameters
    ----------
    path : str or Path
    groups
        As for :func:`audit`.
    query_ids, candidate_ids : sequence of str, optional
        Every query and every candidate of the run. A results file has no rows for a
        query without a match nor for a candidate nobody was shown, so without these they
        are not counted at all; with them they count as not selected and not exposed.
        Every id in the file must be among them.
    options
        As for :func:`audit` (``side``, ``threshold``, ``four_fifths``, ``capacities``,
        ``expected_groups``).
    """
    from .batch.readers import read_topk

    where = str(path)
    if candidate_ids is not None:
        candidate_ids = _ids(candidate_ids, "candidate_ids", where)
    top = read_topk(path, candidate_ids=candidate_ids, strict=True)
    indices, scores, queries = top.indices, top.scores, tuple(top.query_ids)
    if query_ids is not None:
        indices, scores, queries = _all_queries(top, _ids(query_ids, "query_ids", where), path)
    return audit(indices, scores, queries, top.candidate_ids, groups, where=where, **options)


def _all_queries(top: Any, query_ids: tuple[str, ...], path: str | Path) -> tuple[np.ndarray, np.ndarray,
                                                                                   tuple[str, ...]]:
    """The file's rows placed at the positions of ``query_ids``; queries without rows padded."""
    position = {q: i for i, q in enumerate(query_ids)}
    stray = [q for q in top.query_ids if q not in position]
    if stray:
        raise InputError([_stray_query(path, q, query_ids) for q in stray[:20]],
                         summary=f"{path}: {len(stray)} query id(s) are not among the query_ids given")
    rows = np.array([position[q] for q in top.query_ids], np.int64)
    indices = np.full((len(query_ids), top.indices.shape[1]), -1, np.int32)
    scores = np.full(indices.shape, -np.inf, np.float32)
    indices[rows], scores[rows] = top.indices, top.scores
    return indices, scores, query_ids


def _stray_query(path: str | Path, query: str, query_ids: tuple[str, ...]) -> Problem:
    from .batch.readers import read_results

    line = next((ln for chunk in read_results(path) for ln, rec in chunk if rec.query == query), None)
    near = closest(query, query_ids) if query_ids else []
    hint = f" (closest: {near[0]!r})" if near else ""
    return Problem(f"query {query!r} is not among the query_ids given{hint}", where=str(path), line=line,
                   record=query, field="query")


# --- text ------------------------------------------------------------------------------------------------

_TEXT = {
    "nl": {"title": "Audit van matchresultaten", "side": {"queries": "vragers (rijen)", "candidates": "kandidaten"},
           "results": "Resultaten: {n} rijen x {m} kandidaten, top {k}, {slots} aanbevelingen ({source})",
           "labels": "Groepen ({groups}) op de {side}: {labelled} met een groep, {unlabelled} zonder",
           "no_labels": "Geen groepslabels: alleen totalen (op de {side})",
           "rule": "Geselecteerd: minstens een aanbeveling met score >= {threshold}; vier-vijfde-regel: ratio < "
                   "{limit} gemarkeerd",
           "head": ("groep", "leden", "aandeel", "blootst.", "gewogen aandeel", "dispariteit", "selectie",
                    "ratio", "mediaan beste score"),
           "all": "iedereen", "flag": "Let op: {group} heeft selectieratio {ratio} (< {limit}); {n} leden",
           "no_flag": "Geen groep onder de vier-vijfde-grens.",
           "congestion": "Congestie ({name}): gemiddeld {mean} per kandidaat, max {max}, {none} door niemand "
                         "aanbevolen, Gini {gini}",
           "over": ", {over} boven capaciteit"},
    "en": {"title": "Audit of match results", "side": {"queries": "queries (rows)", "candidates": "candidates"},
           "results": "Results: {n} rows x {m} candidates, top {k}, {slots} recommendations ({source})",
           "labels": "Groups ({groups}) on the {side}: {labelled} with a group, {unlabelled} without",
           "no_labels": "No group labels: totals only (on the {side})",
           "rule": "Selected: at least one recommendation scoring >= {threshold}; four-fifths rule: ratio < {limit} "
                   "flagged",
           "head": ("group", "members", "share", "exposure", "weighted share", "disparity", "selection", "ratio",
                    "median best score"),
           "all": "everyone", "flag": "Note: {group} has selection ratio {ratio} (< {limit}); {n} members",
           "no_flag": "No group below the four-fifths limit.",
           "congestion": "Congestion ({name}): mean {mean} per candidate, max {max}, {none} recommended to nobody, "
                         "Gini {gini}",
           "over": ", {over} over capacity"},
}


def _number(x: float | None, lang: str, digits: int = 2) -> str:
    if x is None:
        return "-"
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "nl" else text


def _percent(x: float | None, lang: str) -> str:
    return "-" if x is None else _number(100 * x, lang, 1) + "%"


def _count(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "." if lang == "nl" else ",")


def _row(g: GroupFigures, name: str, lang: str) -> tuple[str, ...]:
    return (name, _count(g.members, lang), _percent(g.share_of_members, lang), _count(g.exposure, lang),
            _percent(g.weighted_share, lang), _number(g.disparity, lang), _percent(g.selection_rate, lang),
            _number(g.selection_ratio, lang) + (" *" if g.flagged else ""),
            _number(g.best_scores.quantiles[50], lang, 3))


def _summary_lines(a: Audit, t: dict[str, Any], lang: str) -> list[str]:
    side = t["side"][a.side]
    lines = [f"{t['title']} — {PURPOSE[lang]}",
             t["results"].format(n=_count(a.n_queries, lang), m=_count(a.n_candidates, lang), k=a.k,
                                 slots=_count(a.n_slots, lang), source=a.source)]
    if a.groups:
        lines.append(t["labels"].format(groups=len(a.groups), side=side, labelled=_count(a.n_labelled, lang),
                                        unlabelled=_count(a.n_unlabelled, lang)))
    else:
        lines.append(t["no_labels"].format(side=side))
    lines.append(t["rule"].format(threshold=_number(a.threshold, lang), limit=_number(a.four_fifths, lang)))
    table = [t["head"], *(_row(g, g.group, lang) for g in a.groups), _row(a.overall, t["all"], lang)]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines.append("")
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
              for r in table]
    lines.append("")
    if a.groups:
        flagged = [g for g in a.groups if g.flagged]
        lines += [t["flag"].format(group=g.group, ratio=_number(g.selection_ratio, lang),
                                   limit=_number(a.four_fifths, lang), n=_count(g.members, lang)) for g in flagged]
        if not flagged:
            lines.append(t["no_flag"])
    for name, c in a.congestion.items():
        text = t["congestion"].format(name=name, mean=_number(c.mean, lang), max=c.max,
                                      none=_percent(c.share_none, lang), gini=_number(c.gini, lang))
        if c.share_over_capacity is not None:
            text += t["over"].format(over=_percent(c.share_over_capacity, lang))
        lines.append(text)
    return lines
