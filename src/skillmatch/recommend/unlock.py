"""What unlocks most: the modules (and small module sets) that lift the most vacancies over
the match threshold for one person.

The rules
---------
**Match.** A (person, vacancy) pair is a *match* when its score — the fitted matcher's own
score, filters and essential rule included (:func:`skillmatch.kernels.score_pairs`, bit
for bit what ranking returns) — is at least the threshold ``θ`` (float32 comparison;
default: below).
Vacancies the place filters forbid (region, travel, hours, support) never count.

**Completing a module.** A *bundle* is a module with every prerequisite it still needs
(transitively; completed modules and what only they need are left out); its price and
hours are the sums over its members and it needs the highest Dutch level any member
needs. Completing it raises the person's level in every skill a member teaches to
``max(held, taught)``; related-skill credit is recomputed from the raised levels.

**Unlocked.** A vacancy is unlocked by a bundle when its score is below ``θ`` now and at
least ``θ`` after. A bundle's *value* is the sum of the unlocked vacancies' new scores
(so a vacancy that becomes a strong match counts more than one just over the line); its
rank: value descending, then the number unlocked descending, then price, then catalogue
order. **Sets**: sets of 2 to ``set_size`` modules among the ``pool`` best single
bundles (filled up, when fewer unlock anything, with those that raise the scores below
``θ`` most) are evaluated as the union of their members. A set is reported only when it
opens at least one vacancy that none of its modules opens alone (complementary modules);
two modules that each open their own vacancies are simply the two singles, and are not
repeated as a set. Sets are ranked by the same order, apart from the singles.

Which modules are considered: those offered in the person's region (or everywhere), in
one of the allowed delivery forms, at most ``max_nlqf``, listing one of the person's
funding schemes (each only when set, from :meth:`PlanConstraints.for_person` unless
``constraints`` is given), within ``budget_eur`` and ``max_hours`` as a bundle, not
completed, and — when the person's Dutch level is known — not needing more Dutch than
that (language routes are the business of :func:`~.plans.plan_training`).

How the scores after training are computed (exact, without refitting or re-ranking)
----------------------------------------------------------------------------------
A module raises the score only of vacancies that ask for a skill whose level it raises.
Under ``coverage`` and ``fit`` (the default) the people's kernel values *are* their
effective levels, and the effective levels after completing bundle ``b`` are exactly
``max(eff(held), eff(taught_b))`` (credit is a maximum of products with non-negative
strengths, and float rounding is monotone, so this holds bit for bit); under ``fit`` the
person's number of own skills, which scales relevance, becomes ``|held ∪ taught_b|``.
So the bundles' own effective rows are computed once (one credit-kernel call over the
bundles), and each (person, vacancy) pair below ``θ`` is rescored only for the bundles
that raise one of its *open* requirements, after a bound (the score from the raised sums
before the essential penalty, with the person's current skill count) has shown that the
bundle can reach ``θ``: :func:`skillmatch.kernels.unlock_scan`. (Under ``fit`` training
can also *lower* the relevance part of vacancies it does not touch; those are not
unlocked, and the count of matches now is not revised.) That is the ``"overlay"``
method. For any other score (cosine and its weighting and
normalisation, or a scoring that is not a function of effective levels alone) the
trained person is vectorised again through the index (``index.prepare``) — one row per
bundle — and every allowed vacancy is rescored with
:func:`skillmatch.kernels.score_pairs`: the ``"rows"`` method, exact by construction and
slower. Neither refits the index or runs the top-k ranking per module. Tests check that
both methods give the same scores.

Threshold
---------
The default threshold depends on the score (:data:`MATCH_THRESHOLDS`; ``threshold=None``
takes the one of the matcher's score): ``fit`` (the default score) 0.5, ``coverage``
0.6, ``cosine`` 0.5. Each is the 25th percentile of the score over every (jobseeker,
vacancy) pair where the vacancy is in the person's own background occupation, rounded to
the nearest 0.05: a vacancy counts as a match when the person scores at least what three
in four people from that very occupation score on its vacancies — high enough that an
adviser would propose it, low enough that ordinary profiles reach it. Measured on the
demo caseloads (``benchmarks/bench_recommend.py``, section ``threshold``; the skill score
without the place filters; Groot Amsterdam, Rijnmond, Twente, 3,000 jobseekers × 1,500
vacancies each): ``fit`` 0.510 / 0.516 / 0.520, ``coverage`` 0.573 / 0.585 / 0.600,
``cosine`` 0.476 / 0.482 / 0.470. Re-run the measurement when a score changes, and pass
``threshold`` explicitly where another cut is policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import scipy.sparse as sp

from .. import kernels
from ..models import CEFR_CODES, Jobseeker
from ..params import Instance, Integer, Number, Optional, check_params
from ..problems import InputError, Problem
from .catalogue import Catalogue
from .plans import PlanConstraints

#: Default match threshold per score (see the module docstring for how they were chosen).
MATCH_THRESHOLDS: dict[str, float] = {"fit": 0.5, "coverage": 0.6, "cosine": 0.5}
#: The default threshold of the default score (``fit``).
MATCH_THRESHOLD = MATCH_THRESHOLDS["fit"]
#: CEFR code used for a person whose Dutch level is not known: no module is left out.
UNKNOWN_LANGUAGE = len(CEFR_CODES)


# --- bundles ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Bundles:
    """Modules (or module sets) with the prerequisites they need, and the levels they bring.

    Attributes
    ----------
    roots : tuple of tuple of int
        Catalogue positions of the module(s) each bundle is made for.
    members : tuple of ndarray of int64
        Catalogue positions of every module to follow (roots and prerequisites), ascending.
    cost_eur, hours : ndarray of float64, shape (n,)
        Sums over the members.
    language : ndarray of int8, shape (n,)
        Highest Dutch CEFR code a member needs (0 none).
    taught : scipy.sparse.csr_matrix of float32, shape (n, n_concepts)
        Highest level a member teaches in each concept.
    overlay : skillmatch.kernels.Overlay
        Effective levels the bundle brings (``taught`` with related-skill credit).
    """

    roots: tuple[tuple[int, ...], ...]
    members: tuple[np.ndarray, ...]
    cost_eur: np.ndarray
    hours: np.ndarray
    language: np.ndarray
    taught: sp.csr_matrix
    overlay: kernels.Overlay

    def __len__(self) -> int:
        return len(self.roots)


def prerequisite_closure(catalogue: Catalogue, completed: np.ndarray | None = None) -> sp.csr_matrix:
    """bool (n, n): ``[m, p]`` when module p must be done before m, directly or through other
    prerequisites; completed modules (bool mask) are done, so neither they nor what only they
    need are required."""
    n = len(catalogue)
    pre = sp.csr_matrix(catalogue.prerequisites, dtype=bool)
    if completed is not None and completed.any():
        pre = (pre @ sp.diags((~completed).astype(np.float64))).astype(bool).tocsr()
    closure = pre.copy()
    for _ in range(n):  # the catalogue is acyclic: at most n rounds, usually a few
        grown = (closure + closure @ pre).astype(bool).tocsr()
        if grown.nnz == closure.nnz:
            break
        closure = grown
    closure.eliminate_zeros()
    return closure


def module_bundles(catalogue: Catalogue, roots: Sequence[Sequence[int]], credit=None, *,
                   closure: sp.csr_matrix | None = None) -> Bundles:
    """Bundles for module sets ``roots`` (catalogue positions).

    Parameters
    ----------
    catalogue : Catalogue
    roots : sequence of sequences of int
        One tuple of module positions per bundle.
    credit : skillmatch.vectorize.CSR, optional
        The related-skill credit matrix in force (``CandidateIndex.credit``); None = no credit.
    closure : bool csr (n, n), optional
        :func:`prerequisite_closure` (computed without completed modules when not given).
    """
    closure = prerequisite_closure(catalogue) if closure is None else closure
    sets: tuple[tuple[int, ...], ...] = tuple(tuple(int(m) for m in r) for r in roots)
    members = []
    for r in sets:
        need = [closure.indices[closure.indptr[m]:closure.indptr[m + 1]] for m in r]
        members.append(np.unique(np.concatenate([np.asarray(r, np.int64), *[x.astype(np.int64) for x in need]])))
    n = len(sets)
    skills = catalogue.skills
    owner = np.repeat(np.arange(n), [len(m) for m in members])
    flat = np.concatenate(members) if members else np.zeros(0, np.int64)
    counts = np.diff(skills.indptr)[flat]
    rows = np.repeat(owner, counts)
    starts = skills.indptr[flat]
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    take = np.repeat(starts, counts) + offsets
    cols = skills.indices[take].astype(np.int64)
    vals = skills.data[take].astype(np.float32)
    order = np.lexsort((vals, cols, rows))  # the last of each (row, col) run is its highest level
    rows, cols, vals = rows[order], cols[order], vals[order]
    last = np.r_[(rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1]), True] if len(rows) else np.zeros(0, bool)
    taught = sp.csr_matrix((vals[last], (rows[last], cols[last])), shape=(n, skills.shape[1]), dtype=np.float32)
    taught.sort_indices()
    t_indptr = taught.indptr.astype(np.int64)
    t_indices = taught.indices.astype(np.int32)
    t_values = np.ascontiguousarray(taught.data, np.float32)
    flags = np.ones(len(t_indices), np.uint8)
    if credit is not None and taught.nnz:
        t_indptr, t_indices, t_values, _ = kernels.related_credit(t_indptr, t_indices, t_values, credit.indptr,
                                                                  credit.indices, credit.data)
        n_terms = skills.shape[1]
        owner_eff = np.repeat(np.arange(n, dtype=np.int64), np.diff(t_indptr)) * n_terms + t_indices
        owner_taught = np.repeat(np.arange(n, dtype=np.int64), np.diff(taught.indptr)) * n_terms + taught.indices
        flags = np.isin(owner_eff, owner_taught).astype(np.uint8)  # taught itself, not only credited
    language = np.array([int(catalogue.language_level[m].max(initial=0)) for m in members], np.int8)
    cost = np.array([catalogue.cost_eur[m].sum() for m in members], np.float64)
    hours = np.array([catalogue.hours[m].sum() for m in members], np.float64)
    overlay = kernels.overlay_from_csr(t_indptr, t_indices, t_values, skills.shape[1], language, flags)
    return Bundles(sets, tuple(members), cost, hours, language, taught, overlay)


def candidate_modules(catalogue: Catalogue, constraints: PlanConstraints, completed: np.ndarray,
                      closure: sp.csr_matrix) -> np.ndarray:
    """Positions of the modules a person can take as a bundle under the per-module constraints
    (region, delivery, NLQF, funding), not completed, every prerequisite takeable too."""
    ok = (catalogue.region_mask(constraints.region) & catalogue.delivery_mask(constraints.delivery)
          & catalogue.nlqf_mask(constraints.max_nlqf) & catalogue.funding_mask(constraints.funding))
    takeable = ok | completed
    blocked = np.asarray(closure.astype(np.int32) @ (~takeable).astype(np.int32)).ravel() > 0
    return np.flatnonzero(ok & ~completed & ~blocked)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class UnlockOption:
    """One module or module set and the vacancies it unlocks.

    Attributes
    ----------
    rank : int
        1 = best.
    modules, titles : tuple of str
        The module(s) proposed.
    bundle : tuple of str
        Every module to follow: the proposed ones and the prerequisites they need.
    cost_eur, hours : float
        Of the whole bundle.
    unlocked : int
        Vacancies whose score rises from below the threshold to at least it.
    value : float
        Sum of their scores after training.
    vacancies : tuple of str
        The unlocked vacancies' ids, highest new score first (ties by position).
    scores_before, scores_after : ndarray of float32
        Their scores now and after, same order.
    only_together : int
        For a module set: the unlocked vacancies that none of its modules unlocks alone.
    """

    rank: int
    modules: tuple[str, ...]
    titles: tuple[str, ...]
    bundle: tuple[str, ...]
    cost_eur: float
    hours: float
    unlocked: int
    value: float
    vacancies: tuple[str, ...]
    scores_before: np.ndarray
    scores_after: np.ndarray
    only_together: int = 0

    def describe(self) -> str:
        """One Dutch line."""
        names = " + ".join(self.titles)
        extra = len(self.bundle) - len(self.modules)
        pre = f" (met {extra} vooropleiding{'en' if extra > 1 else ''})" if extra > 0 else ""
        euro = f"{self.cost_eur:,.0f}".replace(",", ".")
        return (f"{self.rank}. {names}{pre}: {self.unlocked} vacature{'s' if self.unlocked != 1 else ''} boven de "
                f"drempel (waarde {self.value:.2f}); {self.hours:g} uur, € {euro}")


@dataclass(frozen=True, eq=False)
class UnlockResult:
    """What unlocks most for one person.

    Attributes
    ----------
    person : str
    threshold : float
    matches_now : int
        Vacancies at or above the threshold before any training.
    options : tuple of UnlockOption
        Single modules (each with its prerequisites), best first (see the module
        docstring for the order); at most ``k``.
    sets : tuple of UnlockOption
        Module sets that open at least one vacancy none of their modules opens alone,
        best first by the same order; at most ``k``.
    method : str
        ``"overlay"`` or ``"rows"`` (module docstring).
    considered : int
        Bundles evaluated (singles and sets).
    """

    person: str
    threshold: float
    matches_now: int
    options: tuple[UnlockOption, ...]
    sets: tuple[UnlockOption, ...]
    method: str
    considered: int

    def __len__(self) -> int:
        return len(self.options)

    def __iter__(self) -> Iterator[UnlockOption]:
        return iter(self.options)

    def __getitem__(self, i: int) -> UnlockOption:
        return self.options[i]

    @property
    def best(self) -> UnlockOption | None:
        return self.options[0] if self.options else None

    def describe(self) -> list[str]:
        head = (f"{self.person}: nu {self.matches_now} vacature{'s' if self.matches_now != 1 else ''} met een "
                f"matchscore van minstens {self.threshold:g}")
        if not self.options:
            return [head, "Geen module brengt een vacature boven de drempel."]
        lines = [head, *(o.describe() for o in self.options)]
        if self.sets:
            lines.append("Combinaties die samen vacatures openen die geen van beide alleen opent:")
            lines.extend(f"{o.describe()}; {o.only_together} alleen samen" for o in self.sets)
        return lines


# --- scoring people after training -------------------------------------------------------------


def overlay_applies(index) -> bool:
    """Whether the ``"overlay"`` method is exact for this index: ``coverage`` or ``fit``
    scoring, whose people rows are the effective levels (``scoring.held_levels``)."""
    from ..match.scoring import SCORINGS, held_levels

    scoring = SCORINGS[index.settings.scoring]
    return scoring.mode in (kernels.COVERAGE, kernels.FIT) and scoring.people is held_levels


def trained_people(batch, rows: np.ndarray, taught: sp.csr_matrix):
    """The people ``rows`` of ``batch`` (a PeopleBatch), each after training, as a new PeopleBatch.

    Row ``i`` is person ``rows[i]`` holding ``max(held, taught[i])`` (``taught``: float32
    csr of shape (len(rows), n_concepts), e.g. ``Bundles.taught`` rows); ids
    ``"<person>+<i>"``; the person's place. (Used by the ``"rows"`` method.)
    """
    from ..vectorize import CSR, PeopleBatch

    held = batch.held.to_scipy()[np.asarray(rows)]
    after = held.maximum(taught).tocsr()
    after.sort_indices()
    ids = tuple(f"{batch.ids[r]}+{i}" for i, r in enumerate(rows))
    csr = CSR(after.indptr.astype(np.int64), after.indices.astype(np.int32), after.data.astype(np.float32),
              batch.held.n_columns)
    return PeopleBatch(ids, ids, csr, batch.place.take(np.asarray(rows)), batch.fingerprint, batch.located)


class _Person:
    """One person against the fitted vacancies: scores now, and after bundles."""

    def __init__(self, index, batch, threshold: float, n_threads: int | None):
        self.index, self.batch = index, batch
        self.side = index.prepare(batch)
        self.cand = index.candidates
        self.st = index.kernel_settings(self.side, 1)
        self.threshold = float(threshold)
        self.theta32 = np.float32(threshold)
        self.n_terms = index.taxonomy.n_concepts
        self.n_threads = n_threads
        m = len(self.cand)
        self.scores = kernels.score_pairs(self.st, self.side.rows, self.cand.rows, self.side.place, self.cand.place,
                                          kernels.Pairs(np.zeros(m, np.int32), np.arange(m, dtype=np.int32)),
                                          self.n_terms, check=False)
        self.allowed = np.flatnonzero(np.isfinite(self.scores)).astype(np.int32)
        self.overlay = overlay_applies(index)
        self.held = kernels.Held(batch.held.indptr, batch.held.indices)

    def lifts(self, bundles: Bundles, language: int) -> tuple[np.ndarray, np.ndarray]:
        """(counts int32, values float64) per bundle."""
        n = len(bundles)
        counts, values = np.zeros(n, np.int32), np.zeros(n)
        if n == 0 or len(self.allowed) == 0:
            return counts, values
        if self.overlay:
            _, b, c, v = kernels.unlock_scan(self.st, self.side.rows, self.cand.rows, self.side.place,
                                             self.cand.place, self.held, bundles.overlay,
                                             np.array([language], np.int8),
                                             np.array([0, len(self.allowed)], np.int64), self.allowed,
                                             self.threshold, self.n_terms, n_threads=1, check=False)
            counts[b], values[b] = c, v
            return counts, values
        after = self.after(bundles)
        now = self.scores[self.allowed]
        lifted = (now < self.theta32) & (after >= self.theta32)
        lifted &= (bundles.language <= language)[:, None]
        counts[:] = lifted.sum(axis=1)
        for i in np.flatnonzero(counts):  # sequential float64 sums in candidate order, as the kernel adds them
            acc = 0.0
            for s in after[i][lifted[i]]:
                acc += float(s)
            values[i] = acc
        return counts, values

    def after(self, bundles: Bundles, which: np.ndarray | None = None) -> np.ndarray:
        """float32 (n_bundles, n_allowed): scores against the allowed vacancies after each bundle."""
        which = np.arange(len(bundles)) if which is None else np.asarray(which)
        n, a = len(which), len(self.allowed)
        if self.overlay:
            pairs = kernels.Pairs(np.zeros(n * a, np.int32), np.tile(self.allowed, n))
            raise_by = np.repeat(which.astype(np.int32), a)
            s = kernels.score_pairs(self.st, self.side.rows, self.cand.rows, self.side.place, self.cand.place, pairs,
                                    self.n_terms, over=bundles.overlay, raise_by=raise_by, held=self.held,
                                    n_threads=self.n_threads, check=False)
            return s.reshape(n, a)
        trained = self.index.prepare(trained_people(self.batch, np.zeros(n, np.int64), bundles.taught[which]))
        pairs = kernels.Pairs(np.repeat(np.arange(n, dtype=np.int32), a), np.tile(self.allowed, n))
        st = self.index.kernel_settings(trained, 1)
        s = kernels.score_pairs(st, trained.rows, self.cand.rows, trained.place, self.cand.place, pairs, self.n_terms,
                                n_threads=self.n_threads, check=False)
        return s.reshape(n, a)


def _subset(bundles: Bundles, which: np.ndarray) -> Bundles:
    which = np.asarray(which, np.int64)
    taught = bundles.taught[which]
    over = bundles.overlay
    shape = (len(bundles), len(over.t_indptr) - 1)
    sub = sp.csr_matrix((over.values, over.indices, over.indptr), shape=shape)[which]
    flags = sp.csr_matrix((over.taught.astype(np.float32) + 1, over.indices, over.indptr), shape=shape)[which]
    sub.sort_indices()
    flags.sort_indices()
    overlay = kernels.overlay_from_csr(sub.indptr.astype(np.int64), sub.indices.astype(np.int32),
                                       np.ascontiguousarray(sub.data, np.float32), sub.shape[1],
                                       bundles.language[which], (flags.data - 1).astype(np.uint8))
    return Bundles(tuple(bundles.roots[i] for i in which), tuple(bundles.members[i] for i in which),
                   bundles.cost_eur[which], bundles.hours[which], bundles.language[which], taught, overlay)


# --- the entry point ----------------------------------------------------------------------------


def _fitted_index(matcher):
    from ..match import CandidateIndex, Matcher
    from ..match.index import WORK

    if isinstance(matcher, Matcher):
        index = getattr(matcher, "index_", None)
        if index is None:
            raise InputError([Problem("the matcher is not fitted: call fit(vacancies) first", where="unlock",
                                      field="matcher")])
    elif isinstance(matcher, CandidateIndex):
        index = matcher
    else:
        raise InputError([Problem(f"expected a fitted Matcher or a CandidateIndex, got {type(matcher).__name__}",
                                  where="unlock", field="matcher")])
    if index.kind != WORK:
        raise InputError([Problem("expected a matcher fitted on vacancies or occupations (people are scored against "
                                  "work)", where="unlock", field="matcher")])
    return index


def check_catalogue(catalogue: Catalogue, taxonomy, where: str) -> Catalogue:
    """The catalogue's concept columns must be the taxonomy's."""
    if not isinstance(catalogue, Catalogue):
        raise InputError([Problem(f"expected a Catalogue, got {type(catalogue).__name__}", where=where,
                                  field="catalogue")])
    if list(catalogue.concept_ids) != list(taxonomy.concepts.ids):
        raise InputError([Problem("the catalogue's concepts are not the taxonomy's (built from another taxonomy?)",
                                  where=where, field="catalogue")])
    return catalogue


def threshold_for(scoring: str) -> float:
    """The default match threshold of a score (:data:`MATCH_THRESHOLDS`; :data:`MATCH_THRESHOLD`
    for a score not measured)."""
    return MATCH_THRESHOLDS.get(scoring, MATCH_THRESHOLD)


#: The match threshold θ, when given: a score level in (0, 1] (None: the default of the score).
THRESHOLD = Optional(Number(0.0, 1.0, low_open=True))

#: The parameters of :func:`unlocks_for`, checked at once (:func:`~skillmatch.params.check_params`).
PARAMETERS = {
    "jobseeker": Instance((Jobseeker,), "a Jobseeker"),
    "threshold": THRESHOLD,
    "constraints": Optional(Instance((PlanConstraints,), "PlanConstraints")),
    "k": Integer(1),
    "set_size": Integer(1),
    "pool": Integer(2),
    "n_threads": Optional(Integer(1, 4096)),
}


def unlocks_for(matcher, jobseeker: Jobseeker, catalogue: Catalogue | None = None, *,
                threshold: float | None = None, constraints: PlanConstraints | None = None,
                completed: Iterable[str] = (), k: int = 10, set_size: int = 2, pool: int = 8,
                n_threads: int | None = None) -> UnlockResult:
    """Rank modules and small module sets by the vacancies they lift over the match threshold.

    Parameters
    ----------
    matcher : Matcher or CandidateIndex
        Fitted on the vacancies (or occupations) to unlock; its score, filters and
        essential rule are the ones in force.
    jobseeker : Jobseeker
    catalogue : Catalogue, optional
        Default: the taxonomy's modules (pass one built once when calling for many people).
    threshold : float in (0, 1], optional
        The match threshold θ; default: the one of the matcher's score (:data:`MATCH_THRESHOLDS`).
    constraints : PlanConstraints, optional
        Default: :meth:`PlanConstraints.for_person` of the jobseeker.
    completed : iterable of str
        Module ids the person completed (not proposed; they satisfy prerequisites).
    k : int ≥ 1
        Most options to return.
    set_size : int ≥ 1
        Largest module set evaluated (1 = single modules only).
    pool : int ≥ 2
        Sets are formed among this many best single bundles.
    n_threads : int, optional

    Returns
    -------
    UnlockResult
        See the module docstring for every rule.

    Raises
    ------
    InputError
        An unfitted matcher or one fitted on people, a catalogue of another taxonomy,
        unknown completed module ids, a threshold outside (0, 1], bad counts, a jobseeker
        the taxonomy does not know (unknown skill or region).
    """
    from ..vectorize import people

    where = "unlock"
    index = _fitted_index(matcher)
    tx = index.taxonomy
    p = check_params(where, PARAMETERS, {"jobseeker": jobseeker, "threshold": threshold, "constraints": constraints,
                                         "k": k, "set_size": set_size, "pool": pool, "n_threads": n_threads})
    k, set_size, pool, n_threads = p["k"], p["set_size"], p["pool"], p["n_threads"]
    threshold = threshold_for(index.settings.scoring) if p["threshold"] is None else p["threshold"]
    catalogue = Catalogue.from_taxonomy(tx) if catalogue is None else check_catalogue(catalogue, tx, where)
    constraints = PlanConstraints.for_person(jobseeker) if constraints is None else constraints
    done = np.zeros(len(catalogue), bool)
    done[catalogue.module_indices(completed, where=where, field="completed")] = True
    closure = prerequisite_closure(catalogue, done)
    language = CEFR_CODES[constraints.language_level] if constraints.language_level else UNKNOWN_LANGUAGE

    person = _Person(index, people(tx, [jobseeker], where="jobseeker"), threshold, n_threads)
    singles = module_bundles(catalogue, [(int(m),) for m in candidate_modules(catalogue, constraints, done, closure)],
                             index.credit, closure=closure)
    singles = _subset(singles, np.flatnonzero(_within_limits(singles, constraints, language)))
    counts, values = person.lifts(singles, language)
    order = _order(values, counts, singles)
    found = [(singles, int(i), int(counts[i]), float(values[i]), 0) for i in order[counts[order] > 0][:k]]
    considered = len(singles)
    together: list[tuple] = []
    if set_size >= 2 and len(singles) >= 2:
        together, n_sets = _sets(person, catalogue, singles, order, counts, constraints, language, closure,
                                 set_size, pool)
        considered += n_sets
    described = tuple(_option(rank, person, catalogue, *entry) for rank, entry in enumerate(found, 1))
    sets = tuple(_option(rank, person, catalogue, *entry) for rank, entry in enumerate(together[:k], 1))
    matches_now = int((person.scores >= np.float32(threshold)).sum())
    return UnlockResult(jobseeker.id, threshold, matches_now, described, sets, "overlay" if person.overlay else "rows",
                        considered)


def _sets(person: _Person, catalogue: Catalogue, singles: Bundles, order: np.ndarray, counts: np.ndarray,
          constraints: PlanConstraints, language: int, closure: sp.csr_matrix, set_size: int,
          pool: int) -> tuple[list[tuple], int]:
    """Module sets among the pool that open a vacancy none of their members opens alone; ranked."""
    best = order[counts[order] > 0][:pool]
    if len(best) < pool:  # fill the pool with the bundles that reach furthest into the near misses
        rest = _reaching(person, singles)
        best = np.r_[best, rest[~np.isin(rest, best)][:pool - len(best)]].astype(np.int64)
    sets = [c for size in range(2, set_size + 1) for c in combinations(range(len(best)), size)]
    if not sets:
        return [], 0
    roots = [tuple(sorted({m for i in c for m in singles.roots[best[i]]})) for c in sets]
    combined = module_bundles(catalogue, roots, person.index.credit, closure=closure)
    ok = _within_limits(combined, constraints, language)
    now = person.scores[person.allowed]
    below = now < person.theta32
    alone = below & (person.after(singles, best) >= person.theta32)
    after = person.after(combined)
    lifted = below & (after >= person.theta32)
    out = []
    for j, c in enumerate(sets):
        only = lifted[j] & ~alone[list(c)].any(axis=0)
        if ok[j] and only.any():
            value = 0.0
            for s in after[j][lifted[j]]:  # sequential float64 sum in candidate order
                value += float(s)
            out.append((combined, j, int(lifted[j].sum()), value, int(only.sum())))
    out.sort(key=lambda o: (-o[3], -o[2], o[0].cost_eur[o[1]], o[0].roots[o[1]]))
    return out, len(sets)


def _within_limits(bundles: Bundles, constraints: PlanConstraints, language: int) -> np.ndarray:
    ok = bundles.language <= language
    if constraints.budget_eur is not None:
        ok &= bundles.cost_eur <= constraints.budget_eur
    if constraints.max_hours is not None:
        ok &= bundles.hours <= constraints.max_hours
    return ok


def _order(values: np.ndarray, counts: np.ndarray, bundles: Bundles) -> np.ndarray:
    """Bundles by value desc, count desc, price asc, catalogue order."""
    first = np.array([r[0] if r else -1 for r in bundles.roots], np.int64)
    return np.lexsort((first, bundles.cost_eur, -counts, -values))


def _reaching(person: _Person, bundles: Bundles) -> np.ndarray:
    """Bundles by how much they raise the scores of the vacancies below the threshold (sum of
    the rises), most first: the pool's fill for complementary modules."""
    below = person.scores[person.allowed] < person.theta32
    if not below.any() or len(bundles) == 0:
        return np.zeros(0, np.int64)
    after = person.after(bundles)
    now = person.scores[person.allowed]
    rise = np.where(below[None, :], np.maximum(after - now[None, :], 0.0), 0.0).sum(axis=1)
    order = np.lexsort((np.arange(len(bundles)), -rise))
    return order[rise[order] > 0]


def _option(rank: int, person: _Person, catalogue: Catalogue, bundles: Bundles, i: int, count: int,
            value: float, only_together: int) -> UnlockOption:
    after = person.after(bundles, np.array([i]))[0]
    now = person.scores[person.allowed]
    lifted = np.flatnonzero((now < person.theta32) & (after >= person.theta32))
    order = lifted[np.lexsort((person.allowed[lifted], -after[lifted]))]
    ids = person.index.ids
    roots = bundles.roots[i]
    return UnlockOption(
        rank=rank,
        modules=tuple(catalogue.ids[m] for m in roots),
        titles=tuple(catalogue.titles[m] for m in roots),
        bundle=tuple(catalogue.ids[m] for m in bundles.members[i]),
        cost_eur=float(bundles.cost_eur[i]),
        hours=float(bundles.hours[i]),
        unlocked=count,
        value=value,
        vacancies=tuple(ids[person.allowed[j]] for j in order),
        scores_before=now[order].copy(),
        scores_after=after[order].copy(),
        only_together=only_together,
    )
