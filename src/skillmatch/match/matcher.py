"""The Matcher: an estimator over a :class:`~skillmatch.match.index.CandidateIndex`.

>>> matcher = Matcher(taxonomy).fit(vacancies)          # candidates: vacancies
>>> result = matcher.match(jobseekers, k=10)           # queries: jobseekers
>>> result.indices, result.scores                      # (n, k) int32 / float32, -1 / -inf padded
>>> print(result.explain(0, 0))                        # why the best match is the best, in Dutch

The same object serves every direction: ``fit`` on jobseekers and ``match`` vacancies to
rank people for work; ``fit("occupations")`` to rank occupations for people, or
occupations for occupations (``cosine``: similarity; ``fit`` or ``coverage``: how far
someone doing the query occupation already meets the candidate occupation). :meth:`Matcher.match_one`
ranks for one record on the calling thread, for back-office calls.

scikit-learn's conventions: ``__init__`` stores the parameters, ``fit`` validates them all
at once against :data:`PARAMETERS` and returns self, the fitted state is ``index_``;
``get_params`` / ``set_params`` come from ``BaseEstimator``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sklearn.base import BaseEstimator

from ..models import Jobseeker, Vacancy
from ..params import Boolean, Custom, Instance, Integer, Number, OneOf, Optional, Spec, check_params
from ..problems import InputError
from ..taxonomy import Taxonomy
from ..vectorize import DEFAULT_IMPORTANCE_WEIGHTS, WEIGHTINGS, Credit, batch, importance_table
from .index import CandidateIndex
from .result import MatchResult
from .scoring import ESSENTIAL_MODES, SCORINGS, MatchSettings


def _importance_weights(value: Any) -> tuple[float, float, float]:
    weights = tuple(float(w) for w in value)
    importance_table(weights)  # raises on anything but three weights in (0, 1]
    return weights  # type: ignore[return-value]


def _credit(value: Any) -> Credit | str | None:
    if value is None or value == "auto" or isinstance(value, Credit):
        return value
    raise ValueError


#: Every parameter of :class:`Matcher`, its type and range, checked at ``fit``.
PARAMETERS: dict[str, Spec] = {
    "taxonomy": Instance((Taxonomy,), "a skillmatch Taxonomy"),
    "scoring": OneOf(tuple(SCORINGS)),
    "weighting": OneOf(tuple(WEIGHTINGS)),
    "idf": Boolean(),
    "credit": Custom(_credit, "a Credit, None or 'auto'"),
    "importance_weights": Custom(_importance_weights, "three weights in (0, 1] for (somewhat, important, essential)"),
    "essential": OneOf(tuple(ESSENTIAL_MODES)),
    "essential_penalty": Number(0.0, 1.0, high_open=True),
    "same_region": Boolean(),
    "travel": Boolean(),
    "hours": Boolean(),
    "support": Boolean(),
    "crucial_boost": Number(0.0, 100.0),
    "coverage_weight": Number(0.0, 1.0, low_open=True),
    "n_threads": Optional(Integer(1, 4096)),
    "lang": OneOf(("nl", "en")),
}

K = Integer(1, None)


class Matcher(BaseEstimator):
    """Rank candidates for queries on skills.

    Parameters
    ----------
    taxonomy : Taxonomy
    scoring : {"fit", "coverage", "cosine"}
        See :mod:`skillmatch.match.scoring`. ``fit`` (default): coverage of what the work
        asks combined with the relevance of the person's profile, ``C^a · R^(1 - a)``.
    weighting : {"levels", "binary", "importance"}
        ``cosine`` only: entry weights before idf and normalisation.
    idf : bool
        ``cosine`` only: weight skills by inverse document frequency over the candidates.
    credit : Credit, None or "auto"
        Related-skill credit for the people side; None switches it off. "auto" (default):
        ``Credit()`` for ``coverage``, none for ``fit`` and ``cosine`` (where it lowered
        quality on the held-out profiles; ``Credit(related=0.5, narrower=0.25, broader=0.25)``
        helps ``fit`` on profiles that name skills by their neighbours, e.g. parsed CVs).
    importance_weights : (somewhat, important, essential)
        Weight of a requirement by its importance, each in (0, 1].
    essential : {"penalty", "gate", "none"}
        ``fit`` and ``coverage``: what an essential requirement the person has nothing for does.
        ``gate`` drops every candidate with a missing essential requirement, which leaves
        little for partial profiles.
    essential_penalty : float in [0, 1)
        With ``essential="penalty"``: the score is multiplied by
        ``1 - essential_penalty * missing / n_essential`` — losing at most that share
        when every essential requirement is missing. Scale-free, so it means the same for
        CompetentNL (a few essentials per occupation) and ESCO (dozens). The default 0.2 was
        chosen with ``fit`` on the tuning half of the quality benchmark (benchmarks/README.md).
    same_region : bool
        Only match within the same arbeidsmarktregio (queries without a region are not
        restricted; candidates without one are left out).
    travel : bool
        Respect each person's ``max_travel_km`` (great-circle distance between locations,
        or the regions' representative points).
    hours : bool
        Hours per week wanted and offered must overlap.
    support : bool
        A person's support needs (banenafspraak, beschut werk, aanpassingen, ...) must be
        among what the employer offers.
    crucial_boost : float >= 0
        Off by default. Multiplies the score of work in a maatschappelijk cruciale sector
        by ``1 + crucial_boost``; the boosted score is what is ranked and returned.
    coverage_weight : float in (0, 1]
        ``fit`` only: the weight ``a`` of coverage against relevance (0.3, chosen on the
        tuning half; 1 is coverage alone).
    n_threads : int, optional
        Threads for batch matching (default: the CPUs this process may use).
    lang : {"nl", "en"}
        Language of labels in explanations.

    Attributes
    ----------
    index_ : CandidateIndex
        The fitted candidates (immutable; refitting builds a new one).
    """

    def __init__(self, taxonomy: Taxonomy, scoring: str = "fit", *, weighting: str = "levels", idf: bool = True,
                 credit: Credit | str | None = "auto",
                 importance_weights: Sequence[float] = DEFAULT_IMPORTANCE_WEIGHTS,
                 essential: str = "penalty", essential_penalty: float = 0.2,
                 same_region: bool = False, travel: bool = True, hours: bool = True, support: bool = True,
                 crucial_boost: float = 0.0, coverage_weight: float = 0.3, n_threads: int | None = None,
                 lang: str = "nl"):
        self.taxonomy = taxonomy
        self.scoring = scoring
        self.weighting = weighting
        self.idf = idf
        self.credit = credit
        self.importance_weights = importance_weights
        self.essential = essential
        self.essential_penalty = essential_penalty
        self.same_region = same_region
        self.travel = travel
        self.hours = hours
        self.support = support
        self.crucial_boost = crucial_boost
        self.coverage_weight = coverage_weight
        self.n_threads = n_threads
        self.lang = lang

    def settings(self) -> MatchSettings:
        """The parameters checked against :data:`PARAMETERS`, as the settings an index keeps."""
        p = check_params("Matcher", PARAMETERS, {name: getattr(self, name) for name in PARAMETERS})
        credit = p["credit"]
        if credit == "auto":
            credit = Credit() if p["scoring"] == "coverage" else None
        return MatchSettings(p["scoring"], p["weighting"], p["idf"], credit, p["importance_weights"], p["essential"],
                             p["essential_penalty"], p["same_region"], p["travel"], p["hours"], p["support"],
                             p["crucial_boost"], p["coverage_weight"])

    # --- fit and match --------------------------------------------------------------------------

    def fit(self, candidates: Any, y: Any = None) -> Matcher:
        """Index the candidates: vacancies, jobseekers, ``"occupations"`` (the taxonomy's), a
        batch from :mod:`skillmatch.vectorize`, a :class:`~skillmatch.vectorize.Requirements`
        or a matrix of held levels. Returns self."""
        settings = self.settings()
        self.index_ = CandidateIndex.build(self.taxonomy, batch(self.taxonomy, candidates, where="candidates",
                                                                lang=self.lang), settings)
        return self

    @classmethod
    def from_index(cls, index: CandidateIndex, *, n_threads: int | None = None, lang: str = "nl") -> Matcher:
        """A fitted Matcher over an existing (e.g. loaded or unpickled) index."""
        if not isinstance(index, CandidateIndex):
            raise InputError(f"index: expected a CandidateIndex, got {type(index).__name__}")
        st = index.settings
        matcher = cls(index.taxonomy, st.scoring, weighting=st.weighting, idf=st.idf, credit=st.credit,
                      importance_weights=st.importance_weights, essential=st.essential,
                      essential_penalty=st.essential_penalty, same_region=st.same_region, travel=st.travel,
                      hours=st.hours, support=st.support, crucial_boost=st.crucial_boost,
                      coverage_weight=st.coverage_weight, n_threads=n_threads, lang=lang)
        matcher.index_ = index
        return matcher

    def _fitted(self) -> CandidateIndex:
        index = getattr(self, "index_", None)
        if index is None:
            raise InputError("Matcher: call fit(candidates) before match")
        return index

    def match(self, queries: Any, k: int = 10, *, exclude: Any = None) -> MatchResult:
        """Top ``k`` candidates for each query.

        Parameters
        ----------
        queries : list of Jobseeker or of Vacancy, "occupations", a batch or a matrix
        k : int >= 1
            Results per query; more than there are candidates returns them all.
        exclude : mapping query id -> candidate ids, or one list of candidate ids per query
            Candidates never to return for that query (e.g. already applied to).

        Returns
        -------
        MatchResult
            ``indices`` int32 and ``scores`` float32 of shape (n_queries, min(k, n_candidates)).
        """
        index = self._fitted()
        k = check_params("match", {"k": K}, {"k": k})["k"]
        n_threads = check_params("Matcher", {"n_threads": PARAMETERS["n_threads"]}, {"n_threads": self.n_threads})
        side = index.prepare(batch(self.taxonomy, queries, where="queries", lang=self.lang),
                             n_threads=n_threads["n_threads"])
        idx, scores = index.rank(side, k, exclude, n_threads=n_threads["n_threads"])
        return MatchResult(idx, scores, side.batch.ids, index.ids, index.settings.scoring, index, side, self.lang)

    def match_one(self, query: Jobseeker | Vacancy, k: int = 10, *, exclude: Iterable[str] = ()) -> MatchResult:
        """Top ``k`` candidates for one record, on the calling thread (no thread pool)."""
        index = self._fitted()
        if not isinstance(query, (Jobseeker, Vacancy)):
            raise InputError(f"query: expected a Jobseeker or a Vacancy, got {type(query).__name__}")
        k = check_params("match_one", {"k": K}, {"k": k})["k"]
        if isinstance(exclude, str):
            exclude = [exclude]
        if not isinstance(exclude, (list, tuple, set, frozenset)) or not all(isinstance(c, str) for c in exclude):
            raise InputError(f"exclude: expected candidate ids (a list of strings), got {exclude!r}")
        excluded = list(exclude)
        side = index.prepare(batch(self.taxonomy, [query], where="query", lang=self.lang))
        idx, scores = index.rank(side, k, [excluded] if excluded else None, n_threads=1)
        return MatchResult(idx, scores, side.batch.ids, index.ids, index.settings.scoring, index, side, self.lang)

