"""The fitted candidate index: what matching needs, frozen, picklable, saveable.

A :class:`CandidateIndex` holds the candidates (their batch: ids, labels, skills, place),
the kernel's arrays (rows and the inverted index in tiles), the settings in force (score,
weighting, idf, credit, filters) and the taxonomy it was built against. It never changes
after it is built: refitting a :class:`~skillmatch.match.Matcher` builds a new one, so a
result explained later explains from the index it came from. It pickles (to ship to a
Dask worker) and saves to a folder of ``.npz`` + JSON (no pickle) that
:meth:`CandidateIndex.load` reads back against a taxonomy of the same fingerprint.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import kernels
from ..kernels import Postings, Rows
from ..problems import InputError, Problem
from ..taxonomy import Taxonomy
from ..vectorize import CSR, Batch, Credit, PeopleBatch, Place, WorkBatch, credit_matrix, idf_weights
from .scoring import SCORINGS, MatchSettings

PEOPLE, WORK = "people", "work"
INDEX_FORMAT = "skillmatch-index"
INDEX_VERSION = 1


@dataclass(frozen=True, eq=False)
class Side:
    """One side of a match, ready for the kernel.

    ``kind`` is how it is scored (an occupation's requirements can be scored as a person
    who holds them, for occupation-to-occupation coverage). ``eff`` and ``direct`` (people):
    the effective proficiency, with related-skill credit, and a flag per entry that is 1
    where the person holds the skill at that value.
    """

    batch: Batch
    kind: str
    rows: Rows
    place: Place
    eff: CSR | None = None
    direct: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.batch)


def _frozen(*arrays: Any) -> None:
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
        elif isinstance(a, tuple):  # named tuples of arrays
            _frozen(*a)


@dataclass(frozen=True, eq=False)
class CandidateIndex:
    """Fitted candidates. Build with :meth:`build` (or ``Matcher.fit``)."""

    taxonomy: Taxonomy
    settings: MatchSettings
    candidates: Side
    postings: Postings
    idf: np.ndarray | None
    credit: CSR | None
    #: whether any candidate has a travel limit or a support need, and whether any candidate
    #: scale differs from 1: known once, so a one-record call pays nothing per candidate
    candidate_limits: bool = False
    scaled: bool = False

    # --- building ------------------------------------------------------------------------------

    @classmethod
    def build(cls, taxonomy: Taxonomy, batch: Batch, settings: MatchSettings,
              tile: int = kernels.DEFAULT_TILE) -> CandidateIndex:
        """Index a batch of candidates under ``settings``."""
        credit = None
        if settings.credit is not None:
            credit = CSR.from_scipy(credit_matrix(taxonomy, settings.credit))
        eff = _effective(batch.held, credit) if isinstance(batch, PeopleBatch) else None
        idf = None
        if SCORINGS[settings.scoring].uses_idf and settings.idf:
            idf = idf_weights(batch.importance if isinstance(batch, WorkBatch) else eff[0])  # type: ignore[index]
        scale = None
        if isinstance(batch, WorkBatch) and settings.crucial_boost > 0:
            scale = np.where(batch.crucial, 1.0 + settings.crucial_boost, 1.0)
        side = _side(batch, batch.kind, settings, credit, idf, scale, eff)
        postings = kernels.build_postings(side.rows, taxonomy.n_concepts, tile, check=False)
        _frozen(side.rows, side.place, side.eff, side.direct, postings, idf, credit)
        limits = bool((side.place.geo[:, 2] > 0).any() or side.place.needs.any())
        return cls(taxonomy, settings, side, postings, idf, credit, limits, bool((side.rows.scale != 1.0).any()))

    # --- what it holds ---------------------------------------------------------------------------

    @property
    def ids(self) -> tuple[str, ...]:
        return self.candidates.batch.ids

    @property
    def labels(self) -> tuple[str, ...]:
        return self.candidates.batch.labels

    @property
    def kind(self) -> str:
        return self.candidates.kind

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the taxonomy the index was built against."""
        return self.candidates.batch.fingerprint

    def __len__(self) -> int:
        return len(self.candidates)

    def __repr__(self) -> str:
        return (f"<CandidateIndex: {len(self)} {self.kind} candidates, scoring={self.settings.scoring!r}, "
                f"taxonomy {self.taxonomy.name!r} ({self.fingerprint})>")

    # --- queries ---------------------------------------------------------------------------------

    def prepare(self, queries: Batch, *, n_threads: int | None = 1) -> Side:
        """Queries as a kernel-ready :class:`Side` in this index's weighting.

        Refuses a batch built against another taxonomy, and pairs the score cannot rank:
        ``coverage`` compares people with work, so people are ranked for work or work for
        people; work against work is scored as someone doing the query work (holding its
        requirements at their levels) against the candidate work. ``n_threads`` (None: all
        CPUs) share the related-skill credit of a large batch.
        """
        if queries.fingerprint != self.fingerprint:
            raise InputError(f"queries: built against another taxonomy (fingerprint {queries.fingerprint}) than the "
                             f"index ({self.fingerprint}); vectorise them with the index's taxonomy")
        kind = queries.kind
        if not SCORINGS[self.settings.scoring].symmetric and kind == self.kind:
            if kind == PEOPLE:
                raise InputError(f"scoring {self.settings.scoring!r} compares people with work: fit the matcher on "
                                 "vacancies or occupations to rank them for jobseekers, or use scoring='cosine' for "
                                 "similar people")
            kind = PEOPLE  # work as the person who does it
        return _side(queries, kind, self.settings, self.credit, self.idf, None, n_threads=n_threads)

    def exclusions(self, exclude: Any, queries: Side) -> tuple[np.ndarray, np.ndarray]:
        """Candidates never to return, per query row, as sorted CSR arrays.

        ``exclude``: a mapping query id -> candidate ids, or one list of candidate ids per query.
        """
        n = len(queries)
        indptr = np.zeros(n + 1, np.int64)
        if exclude is None:
            return indptr, np.zeros(0, np.int32)
        expected = "expected a mapping query id -> candidate ids, or one list of candidate ids per query"
        if isinstance(exclude, str) or not isinstance(exclude, (Mapping, list, tuple)):
            raise InputError(f"exclude: {expected}, got {type(exclude).__name__}")
        index = {cid: i for i, cid in enumerate(self.ids)}
        query_ids = queries.batch.ids
        if isinstance(exclude, Mapping):
            unknown = sorted(set(map(str, exclude)) - set(query_ids))
            if unknown:
                raise InputError(f"exclude: query id(s) not among the queries: {unknown[:5]}")
            rows = [exclude.get(qid, ()) for qid in query_ids]
        else:
            rows = list(exclude)
            if len(rows) != n:
                raise InputError(f"exclude: {expected} ({n}), got {len(rows)} lists")
        problems: list[Problem] = []
        cols: list[np.ndarray] = []
        for r, row in enumerate(rows):
            if isinstance(row, str):
                row = [row]
            if not isinstance(row, (list, tuple, set, frozenset)) or not all(isinstance(c, str) for c in row):
                raise InputError(f"exclude: for query {query_ids[r]!r} expected candidate ids (strings), got {row!r}")
            found = []
            for cid in row:
                d = index.get(cid)
                if d is None:
                    problems.append(Problem(f"candidate id {cid!r} is not among the fitted candidates", where="exclude",
                                            record=query_ids[r], value=cid))
                else:
                    found.append(d)
            cols.append(np.unique(np.array(found, np.int32)))
            indptr[r + 1] = indptr[r] + len(cols[-1])
        if problems:
            raise InputError(problems, summary=f"{len(problems)} unknown candidate id(s) in exclude")
        return indptr, np.concatenate(cols).astype(np.int32)

    def kernel_settings(self, queries: Side, k: int) -> kernels.Settings:
        """The kernel's scalars for ranking ``queries`` against this index."""
        st = self.settings
        located = self._located(queries)
        filtered = located and (st.hours or self.candidate_limits or bool(
            (queries.place.region >= 0).any() or (queries.place.geo[:, 2] > 0).any() or queries.place.needs.any()))
        scoring = SCORINGS[st.scoring]
        req_on_query = st.scoring != "cosine" and queries.kind == WORK
        return kernels.Settings(int(k), scoring.mode, req_on_query, st.essential_mode, float(st.essential_penalty),
                                bool(st.hours and located), filtered, self.scaled, kernels.DENSE_FACTOR,
                                float(st.coverage_weight) if scoring.relevance else 1.0)

    def _located(self, queries: Side) -> bool:
        """Place, hours and support filter between people and vacancies only (not occupations or matrices)."""
        return queries.batch.located and self.candidates.batch.located and queries.batch.kind != self.candidates.batch.kind

    def rank(self, queries: Side, k: int, exclude: Any = None, *,
             n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``min(k, len(self))`` candidates per query row: (indices int32, scores float32), shape (n, k)."""
        k = min(int(k), len(self))
        st = self.kernel_settings(queries, k)
        ex = self.exclusions(exclude, queries)
        return kernels.topk(st, queries.rows, self.candidates.rows, self.postings, queries.place,
                            self.candidates.place, ex, n_threads=n_threads, check=False)

    # --- saving and loading ---------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write the index to ``folder`` (``index.npz`` + ``index.json``, no pickle), atomically.

        The taxonomy is not written, only its fingerprint: :meth:`load` needs the same taxonomy.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        batch = self.candidates.batch
        arrays: dict[str, np.ndarray] = {}
        skills = batch.held if isinstance(batch, PeopleBatch) else batch.importance
        arrays.update(indptr=skills.indptr, indices=skills.indices, data=skills.data)
        if isinstance(batch, WorkBatch):
            arrays.update(levels=batch.levels, crucial=batch.crucial)
        for name, array in zip(Place._fields, batch.place):
            arrays[f"place.{name}"] = array
        meta = {
            "format": INDEX_FORMAT, "format_version": INDEX_VERSION, "kind": batch.kind,
            "fingerprint": self.fingerprint, "taxonomy": self.taxonomy.name, "located": batch.located,
            "tile": self.postings.tile, "ids": list(batch.ids), "labels": list(batch.labels),
            "settings": {**asdict(self.settings), "credit": None if self.settings.credit is None
                         else asdict(self.settings.credit)},
        }
        writes: tuple[tuple[str, Any], ...] = (("index.npz", lambda s: np.savez(s, **arrays)),  # type: ignore[arg-type]
                                               ("index.json", lambda s: s.write(json.dumps(meta).encode("utf-8"))))
        for name, write in writes:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
            try:
                with os.fdopen(fd, "wb") as stream:
                    write(stream)
                os.replace(tmp, folder / name)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return folder

    @classmethod
    def load(cls, folder: str | Path, taxonomy: Taxonomy) -> CandidateIndex:
        """Read an index written by :meth:`save`, for ``taxonomy`` (same fingerprint)."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / "index.json").read_text(encoding="utf-8"))
            with np.load(folder / "index.npz", allow_pickle=False) as npz:
                arrays = dict(npz)
        except (OSError, ValueError) as exc:
            raise InputError([Problem(f"cannot read a saved index: {exc}", where=str(folder))]) from None
        if not isinstance(meta, dict) or meta.get("format") != INDEX_FORMAT or meta.get("format_version") != INDEX_VERSION:
            raise InputError([Problem(f"expected a {INDEX_FORMAT!r} version {INDEX_VERSION} folder",
                                      where=str(folder / "index.json"))])
        if meta["fingerprint"] != taxonomy.fingerprint:
            raise InputError([Problem(f"the index was built against taxonomy {meta['taxonomy']!r} with fingerprint "
                                      f"{meta['fingerprint']}; this taxonomy has {taxonomy.fingerprint}",
                                      where=str(folder))])
        try:
            settings = dict(meta["settings"])
            settings["credit"] = None if settings["credit"] is None else Credit(**settings["credit"])
            settings["importance_weights"] = tuple(settings["importance_weights"])
            st = MatchSettings(**settings)
            skills = CSR(arrays["indptr"], arrays["indices"], arrays["data"], taxonomy.n_concepts)
            place = Place(*(arrays[f"place.{name}"] for name in Place._fields))
            ids, labels = tuple(meta["ids"]), tuple(meta["labels"])
            batch: Batch
            if meta["kind"] == PEOPLE:
                batch = PeopleBatch(ids, labels, skills, place, meta["fingerprint"], meta["located"])
            else:
                batch = WorkBatch(ids, labels, skills, arrays["levels"], place, arrays["crucial"], meta["fingerprint"],
                                  meta["located"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError([Problem(f"a saved index is damaged ({type(exc).__name__}: {exc})",
                                      where=str(folder))]) from None
        return cls.build(taxonomy, batch, st, meta["tile"])


def _effective(held: CSR, credit: CSR | None, n_threads: int | None = 1) -> tuple[CSR, np.ndarray]:
    """Effective proficiency with related-skill credit (the held levels when credit is off)."""
    if credit is None:
        return held, np.ones(held.nnz, np.uint8)
    indptr, indices, values, direct = kernels.related_credit(held.indptr, held.indices, held.data, credit.indptr,
                                                             credit.indices, credit.data, check=False,
                                                             n_threads=n_threads)
    return CSR(indptr, indices, values, held.n_columns), direct


def _side(batch: Batch, kind: str, st: MatchSettings, credit: CSR | None, idf: np.ndarray | None,
          scale: np.ndarray | None, effective: tuple[CSR, np.ndarray] | None = None, *,
          n_threads: int | None = 1) -> Side:
    """Kernel rows for a batch scored as ``kind``, with the filters the settings switch off cleared."""
    scoring = SCORINGS[st.scoring]
    place = batch.place.without(region=not st.same_region, travel=not st.travel, support=not st.support)
    if kind == PEOPLE:
        held = batch.held if isinstance(batch, PeopleBatch) else batch.importance.with_data(batch.levels)
        if effective is None:
            effective = _effective(held, credit, n_threads)
        eff, direct = effective
        if scoring.relevance:  # relevance counts the skills the person holds (not those credited)
            scale = 1.0 / np.maximum(np.diff(held.indptr), 1)
        return Side(batch, PEOPLE, scoring.people(eff, st, idf, scale), place, eff, direct)
    assert isinstance(batch, WorkBatch)
    return Side(batch, WORK, scoring.work(batch.importance, batch.levels, st, idf, scale), place)

