"""What a kernel sees: named groups of typed arrays, the constants that select a formula,
and the one check every group passes before a kernel may read it.

This module imports no numba, so the NumPy reference (:mod:`.reference`) and the API edge
can use it without compiling anything. :class:`Place` comes from the vectorising stage,
which builds it from records.

Dtypes are fixed (one compiled specialisation per kernel): row pointers int64, term and
candidate indices int32, stored values float32, arithmetic float64, per-row scales
float64, flags uint8, support sets uint32.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..problems import InputError
from ..vectorize.place import Place, unfiltered_place  # noqa: F401  (re-exported: the filters read it)
from ..vectorize.sparse import check_csr

#: ``mode``: what one shared term adds to a pair's sums, and how they make a score.
COSINE = 0  #: query value x candidate value
COVERAGE = 1  #: requirement weight x min(1, held level x (1 / required level))
#: coverage C = Σ w·f (f = min(1, held / required)) and relevance R = min(1, Σ f / U), U the
#: person's number of skills: score = C^a · R^(1 - a) x the work side's scale
FIT = 2

#: ``essential``: what an essential requirement the person has nothing for does to a score.
ESSENTIAL_NONE = 0
ESSENTIAL_PENALTY = 1  #: score x (1 - penalty x missing / n_essential)
ESSENTIAL_GATE = 2  #: the candidate is dropped

EARTH_KM = 6371.0088
#: A term held by at least 1/COMMON of a tile's candidates is added as a whole column
#: (:class:`Postings`; the measured cut-over is in benchmarks/README.md).
COMMON = 8
#: Essential requirements per row: their met count per candidate is kept in one byte.
MAX_ESSENTIAL = 255


class Rows(NamedTuple):
    """A batch of sparse rows (CSR) and what scoring reads from them.

    indptr : int64 (n + 1)
    indices : int32 (nnz), sorted and unique within a row, each in [0, n_terms)
    values : float32 (nnz), finite, > 0
        cosine: the weighted, unit-normalised vector; coverage, requirements side: the
        requirement's weight; coverage, people side: the effective proficiency level.
    inv_levels : float32 (nnz), finite, > 0
        1 / required level on a requirements side (rounded up so that holding the
        required level always gives min(1, level x inv_level) = 1); 1 elsewhere.
    essential : uint8 (nnz)
        1 for an essential requirement.
    n_essential : int32 (n)
        Essential requirements per row.
    scale : float64 (n), finite, >= 0
        Multiplies each pair's sum at selection: ``score = (sum x candidate scale) x query
        scale`` (boosts and per-row normalisers; 1 when none). Under :data:`FIT` the people
        side's scale is instead 1 / (the person's number of skills), which turns the
        matched-skill sum into relevance, and only the work side's scale multiplies.
    """

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    inv_levels: np.ndarray
    essential: np.ndarray
    n_essential: np.ndarray
    scale: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1


class Postings(NamedTuple):
    """The candidates' rows regrouped by (tile, term): an inverted index in tiles.

    Candidates are cut into tiles of ``tile`` consecutive rows; the postings of term ``t``
    in tile ``b`` are ``indptr[b * n_terms + t] : indptr[b * n_terms + t + 1]``, holding
    the candidate's position within its tile, its value and inverse level: first the
    postings of essential requirements, up to ``essential_end[b * n_terms + t]``, then the
    others, candidates ascending within each part (a candidate appears once per term, so
    the split leaves every candidate's sum in the order of its own row). The split lets
    the scatter count met essential requirements without reading a flag per posting.
    A tile is what one thread's accumulator covers, so it is sized to stay in cache.
    ``tile_scale`` (float64, n_tiles): the largest candidate scale in each tile.

    **Common terms.** A term held by at least 1/:data:`COMMON` of a tile's candidates is
    also kept as full columns over the tile: ``common[b * n_terms + t]`` is its column
    (or -1), and ``common_values[col]``, ``common_inv_levels[col]`` and
    ``common_essential[col]`` hold every candidate's value, inverse level and essential
    flag, 0 where the candidate lacks the term (a 0 adds exactly 0 to any sum). The dense
    scatter adds such a term as a whole column, a loop without indices to load (for cosine
    and coverage the compiler vectorises it), instead of one posting at a time. Heaviest first, columns are kept while
    their entries do not outnumber the postings (9 bytes an entry against a posting's 12).
    """

    indptr: np.ndarray  # int64 (n_tiles * n_terms + 1)
    local: np.ndarray  # int32: candidate index - tile start
    values: np.ndarray  # float32
    inv_levels: np.ndarray  # float32
    essential_end: np.ndarray  # int64 (n_tiles * n_terms)
    tile_scale: np.ndarray  # float64
    common: np.ndarray  # int32 (n_tiles * n_terms): the term's column in the tile, or -1
    common_values: np.ndarray  # float32 (n_columns, min(tile, n_candidates))
    common_inv_levels: np.ndarray  # float32, the same shape
    common_essential: np.ndarray  # uint8, the same shape
    tile: int
    n_terms: int
    n_candidates: int


def tile_lengths(tile: int, m: int) -> np.ndarray:
    """The candidates in each tile of ``tile`` when there are ``m`` (at least one tile, if empty)."""
    return np.minimum(tile, m - np.arange(max(1, -(-m // tile))) * tile)


class Scratch(NamedTuple):
    """One thread's working memory for :func:`.rank.rank_rows`, reused from call to call.

    acc : float64 (twice the tile rounded up to whole blocks of 16: :data:`FIT` keeps
    two sums per candidate side by side), met : uint8 (the rounded tile); touched : int32
    (the rounded tile: the sparse path's list of the candidates a row's postings name, which
    is taken only while they fit). ``acc`` and ``met`` are all zero between calls (the kernel
    leaves them so), which is what makes reuse safe.
    """

    acc: np.ndarray
    met: np.ndarray
    touched: np.ndarray


class Settings(NamedTuple):
    """The scalars of one ranking call.

    k : results per query row (>= 1)
    mode : :data:`COSINE`, :data:`COVERAGE` or :data:`FIT`
    req_on_query : COVERAGE and FIT: the query rows hold the requirements
    essential, penalty : the essential mode and its penalty in [0, 1)
    hours : whether hour ranges must overlap
    filtered : whether any filter can apply (else selection skips the filter test); a
        region filter applies to query rows with a region >= 0, travel limits where > 0,
        support where a bit is needed
    scaled : whether any candidate scale differs from 1
    dense_factor : a (row, tile) takes the dense path when its postings x dense_factor
        >= the tile's candidates (see :mod:`.rank`)
    exponent : FIT only: the weight ``a`` of coverage in C^a · R^(1 - a), in (0, 1]
    """

    k: int
    mode: int
    req_on_query: bool
    essential: int
    penalty: float
    hours: bool
    filtered: bool
    scaled: bool
    dense_factor: float
    exponent: float = 1.0


# --- the one check at the API edge ---------------------------------------------------------


def _dtype(name: str, array: object, dtype: type, ndim: int = 1) -> np.ndarray:
    if not isinstance(array, np.ndarray):
        raise InputError(f"{name}: expected a numpy array of {np.dtype(dtype).name}, got {type(array).__name__}")
    if array.dtype != dtype or array.ndim != ndim or not array.flags.c_contiguous:
        raise InputError(f"{name}: expected a C-contiguous {ndim}-d array of {np.dtype(dtype).name}, got "
                         f"{'' if array.flags.c_contiguous else 'a non-contiguous '}{array.ndim}-d {array.dtype}")
    return array


def _finite(name: str, values: np.ndarray, *, positive: bool = False) -> None:
    if len(values) == 0:
        return
    if not np.isfinite(values).all():
        raise InputError(f"{name}: expected finite values, found NaN or infinity")
    low = float(values.min())
    if low < 0 or (positive and low <= 0):
        raise InputError(f"{name}: expected values {'> 0' if positive else '>= 0'}, found {low:g}")


def _pointers(value: object, kind: type, n_terms: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``value`` is a ``kind`` whose ``indptr`` (int64) and ``indices`` (int32) form valid CSR rows over
    ``n_terms`` columns; returns them."""
    if not isinstance(value, kind):
        raise InputError(f"{name}: expected a skillmatch.kernels.{kind.__name__}, got {type(value).__name__}")
    indptr = _dtype(f"{name}.indptr", value.indptr, np.int64)  # type: ignore[attr-defined]
    indices = _dtype(f"{name}.indices", value.indices, np.int32)  # type: ignore[attr-defined]
    if len(indptr) < 1:
        raise InputError(f"{name}.indptr: expected at least one pointer, got none")
    check_csr(name, indptr, indices, len(indptr) - 1, n_terms)
    return indptr, indices


def _entries(name: str, array: object, dtype: type, size: int, per: str = "index") -> np.ndarray:
    """``array`` has the dtype and ``size`` entries, one per ``per``."""
    array = _dtype(name, array, dtype)
    if len(array) != size:
        raise InputError(f"{name}: expected {size} entries (one per {per}), got {len(array)}")
    return array


def check_rows(rows: Rows, n_terms: int, name: str) -> Rows:
    """Every array of a :class:`Rows` has the documented dtype, shape and range."""
    indptr, indices = _pointers(rows, Rows, n_terms, name)
    n, nnz = len(indptr) - 1, len(indices)
    shapes: tuple[tuple[str, type, int, str], ...] = (
        ("values", np.float32, nnz, "index"), ("inv_levels", np.float32, nnz, "index"),
        ("essential", np.uint8, nnz, "index"), ("n_essential", np.int32, n, "row"), ("scale", np.float64, n, "row"))
    for field, dtype, size, per in shapes:
        _entries(f"{name}.{field}", getattr(rows, field), dtype, size, per)
    _finite(f"{name}.values", rows.values, positive=True)
    _finite(f"{name}.inv_levels", rows.inv_levels, positive=True)
    _finite(f"{name}.scale", rows.scale)
    if n and rows.n_essential.max() > MAX_ESSENTIAL:
        raise InputError(f"{name}: a row with {int(rows.n_essential.max())} essential requirements; at most "
                         f"{MAX_ESSENTIAL} are supported (ESCO's largest occupation has 133)")
    if nnz and rows.essential.max() > 1:
        raise InputError(f"{name}.essential: expected flags 0 or 1, found {int(rows.essential.max())}")
    counted = np.bincount(np.repeat(np.arange(n), np.diff(indptr)), weights=rows.essential, minlength=n)
    if not np.array_equal(counted, rows.n_essential):
        raise InputError(f"{name}.n_essential: expected the number of essential flags per row")

    return rows


def check_postings(post: Postings, name: str = "postings") -> Postings:
    """A :class:`Postings` the kernel can read without leaving its arrays: types, shapes,
    monotone pointers, candidates inside their tile, columns in range. It checks bounds,
    not that the postings are those of the candidate rows (``build_postings`` makes them so)."""
    if not isinstance(post, Postings):
        raise InputError(f"{name}: expected a skillmatch.kernels.Postings, got {type(post).__name__}")
    for field in ("tile", "n_terms", "n_candidates"):
        value = getattr(post, field)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if field != "tile" else 1):
            raise InputError(f"{name}.{field}: expected a {'positive' if field == 'tile' else 'non-negative'} "
                             f"integer, got {value!r}")
    m, tile = int(post.n_candidates), int(post.tile)
    length = tile_lengths(tile, m)
    n_tiles = len(length)
    n_keys = n_tiles * int(post.n_terms)
    indptr = _entries(f"{name}.indptr", post.indptr, np.int64, n_keys + 1, "(tile, term) and one")
    nnz = int(indptr[-1])
    if indptr[0] != 0 or (np.diff(indptr) < 0).any():
        raise InputError(f"{name}.indptr: expected pointers rising from 0")
    local = _entries(f"{name}.local", post.local, np.int32, nnz, "posting")
    for field in ("values", "inv_levels"):
        _finite(f"{name}.{field}", _entries(f"{name}.{field}", getattr(post, field), np.float32, nnz, "posting"),
                positive=True)
    if nnz and ((local < 0) | (local >= np.repeat(length, np.diff(indptr[::int(post.n_terms)])))).any():
        raise InputError(f"{name}.local: expected each candidate's position within its tile")
    ends = _entries(f"{name}.essential_end", post.essential_end, np.int64, n_keys, "(tile, term)")
    if ((ends < indptr[:-1]) | (ends > indptr[1:])).any():
        raise InputError(f"{name}.essential_end: expected an end inside each (tile, term)'s postings")
    _finite(f"{name}.tile_scale", _entries(f"{name}.tile_scale", post.tile_scale, np.float64, n_tiles, "tile"))
    common = _entries(f"{name}.common", post.common, np.int32, n_keys, "(tile, term)")
    fields = {"common_values": np.float32, "common_inv_levels": np.float32, "common_essential": np.uint8}
    columns = {field: _dtype(f"{name}.{field}", getattr(post, field), dtype, 2) for field, dtype in fields.items()}
    shape = (len(columns["common_values"]), max(1, min(tile, m)))
    for field, array in columns.items():
        if array.shape != shape:
            raise InputError(f"{name}.{field}: expected shape {shape}, got {array.shape}")
        _finite(f"{name}.{field}", array.ravel())
    if n_keys and (common.min() < -1 or common.max() >= shape[0]):
        raise InputError(f"{name}.common: expected -1 or a column from 0 to {shape[0] - 1}")
    return post


def check_place(place: Place, n: int, name: str) -> Place:
    if not isinstance(place, Place):
        raise InputError(f"{name}: expected a skillmatch.kernels.Place, got {type(place).__name__}")
    shapes = {"region": (np.int32, 1), "geo": (np.float64, 2), "hours": (np.float32, 2), "needs": (np.uint32, 1),
              "offers": (np.uint32, 1)}
    for field, (dtype, ndim) in shapes.items():
        array = _dtype(f"{name}.{field}", getattr(place, field), dtype, ndim)
        if len(array) != n:
            raise InputError(f"{name}.{field}: expected {n} rows, got {len(array)}")
    if place.geo.shape[1] != 3 or place.hours.shape[1] != 2:
        raise InputError(f"{name}: expected geo of shape (n, 3) and hours of shape (n, 2), got "
                         f"{place.geo.shape} and {place.hours.shape}")
    if np.isinf(place.geo).any() or np.isnan(place.geo[:, 2]).any():
        raise InputError(f"{name}.geo: expected finite coordinates (NaN = unknown) and finite travel limits")
    if not np.isfinite(place.hours).all():
        raise InputError(f"{name}.hours: expected finite hours")
    return place


def check_exclusions(indptr: np.ndarray, indices: np.ndarray, n: int, m: int, name: str = "exclude") -> None:
    _dtype(f"{name}.indptr", indptr, np.int64)
    _dtype(f"{name}.indices", indices, np.int32)
    check_csr(name, indptr, indices, n, m)


def check_settings(settings: Settings) -> Settings:
    if not isinstance(settings, Settings):
        raise InputError(f"settings: expected a skillmatch.kernels.Settings, got {type(settings).__name__}")
    k = settings.k
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"settings.k: expected a positive integer, got {k!r}")
    if settings.mode not in (COSINE, COVERAGE, FIT):
        raise InputError(f"settings.mode: expected {COSINE} (cosine), {COVERAGE} (coverage) or {FIT} (fit), got "
                         f"{settings.mode!r}")
    if not (0.0 < settings.exponent <= 1.0):
        raise InputError(f"settings.exponent: expected a number above 0 to 1, got {settings.exponent!r}")
    if settings.essential not in (ESSENTIAL_NONE, ESSENTIAL_PENALTY, ESSENTIAL_GATE):
        raise InputError(f"settings.essential: expected 0, 1 or 2, got {settings.essential!r}")
    if not (0.0 <= settings.penalty < 1.0):
        raise InputError(f"settings.penalty: expected 0 <= penalty < 1, got {settings.penalty!r}")
    if not (settings.dense_factor >= 0.0 and np.isfinite(settings.dense_factor)):
        raise InputError(f"settings.dense_factor: expected a finite number >= 0, got {settings.dense_factor!r}")
    return settings


def check_credit_inputs(h_indptr: np.ndarray, h_indices: np.ndarray, h_values: np.ndarray, r_indptr: np.ndarray,
                        r_indices: np.ndarray, r_values: np.ndarray) -> None:
    """The arrays of :func:`skillmatch.kernels.related_credit`: two CSRs over the same terms."""
    for name, indptr, indices, values in (("held", h_indptr, h_indices, h_values),
                                          ("credit", r_indptr, r_indices, r_values)):
        _dtype(f"{name}.indptr", indptr, np.int64)
        _dtype(f"{name}.indices", indices, np.int32)
        _dtype(f"{name}.data", values, np.float32)
        if len(values) != len(indices):
            raise InputError(f"{name}.data: expected {len(indices)} values (one per index), got {len(values)}")
    n_terms = len(r_indptr) - 1
    if n_terms < 0:
        raise InputError("credit.indptr: expected at least one pointer, got none")
    check_csr("credit", r_indptr, r_indices, n_terms, n_terms)
    check_csr("held", h_indptr, h_indices, max(len(h_indptr) - 1, 0), n_terms)
    _finite("held.data", h_values)
    _finite("credit.data", r_values)
    if len(r_values) and r_values.max() > 1.0:
        raise InputError(f"credit.data: expected credit strengths from 0 to 1, found {float(r_values.max()):g}")
