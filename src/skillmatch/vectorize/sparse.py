"""Sparse matrices at the API edge: the structure check and the one conversion to canonical CSR.

Every matrix a caller hands in goes through :func:`as_csr` (or :func:`as_requirements`)
before anything else reads it. The structure is checked on the raw arrays *before* scipy
touches them: scipy accepts a CSR whose column ids run past the last column or whose
pointers decrease, and what reads such a matrix later reads out of bounds.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from ..problems import InputError

INDEX_DTYPE = np.int32
VALUE_DTYPE = np.float32


class CSR(NamedTuple):
    """Sparse rows as plain arrays, the form every stage after vectorising reads.

    indptr int64 (n + 1); indices int32 (nnz), sorted and unique within a row; data (nnz).
    Cheaper to make than a scipy matrix (no format checks), which matters for one record.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_columns: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        return len(self.indices)

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_rows, self.n_columns

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices, data) of row i."""
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.data[lo:hi]

    def with_data(self, data: np.ndarray) -> CSR:
        """The same pattern with other values."""
        return CSR(self.indptr, self.indices, data, self.n_columns)

    def to_scipy(self) -> sp.csr_matrix:
        """A scipy CSR copy."""
        return canonical_indices(sp.csr_matrix((self.data.copy(), self.indices.copy(), self.indptr.copy()),
                                               shape=(self.n_rows, self.n_columns)))

    @staticmethod
    def from_scipy(m: sp.csr_matrix) -> CSR:
        """From a canonical scipy CSR (sorted unique int indices), sharing its data array."""
        return CSR(m.indptr.astype(np.int64), m.indices.astype(INDEX_DTYPE, copy=False), m.data, m.shape[1])


def check_csr(name: str, indptr: np.ndarray, indices: np.ndarray, n_rows: int, n_columns: int,
              *, sorted_unique: bool = True) -> None:
    """Pointers start at 0, never decrease and end at ``len(indices)``; indices in [0, n_columns).

    With ``sorted_unique`` also: indices strictly increase within each row. Raises
    :class:`InputError` naming ``name``, what was expected and what came.
    """
    if indptr.ndim != 1 or indices.ndim != 1:
        raise InputError(f"{name}: expected 1-d indptr and indices, got {indptr.ndim}-d and {indices.ndim}-d")
    if not (np.issubdtype(indptr.dtype, np.integer) and np.issubdtype(indices.dtype, np.integer)):
        raise InputError(f"{name}: expected integer indptr and indices, got {indptr.dtype} and {indices.dtype}")
    if len(indptr) != n_rows + 1:
        raise InputError(f"{name}.indptr: expected {n_rows + 1} row pointers, got {len(indptr)}")
    if indptr[0] != 0:
        raise InputError(f"{name}.indptr: expected the first pointer to be 0, got {int(indptr[0])}")
    steps = np.diff(indptr.astype(np.int64))
    if len(steps) and steps.min() < 0:
        row = int(np.argmax(steps < 0))
        raise InputError(f"{name}.indptr: pointers must not decrease; row {row} goes from {int(indptr[row])} "
                         f"to {int(indptr[row + 1])}")
    if int(indptr[-1]) != len(indices):
        raise InputError(f"{name}.indptr: the last pointer must equal the number of entries ({len(indices)}), "
                         f"got {int(indptr[-1])}")
    if len(indices) == 0:
        return
    lo, hi = int(indices.min()), int(indices.max())
    if lo < 0 or hi >= n_columns:
        bad = lo if lo < 0 else hi
        raise InputError(f"{name}.indices: expected column ids from 0 to {n_columns - 1}, found {bad}")
    if sorted_unique:
        rising = np.diff(indices.astype(np.int64)) > 0
        starts = np.zeros(len(indices), bool)
        starts[indptr[:-1][steps > 0]] = True  # a row's first entry need not exceed the last of the row before
        bad_at = np.flatnonzero(~rising & ~starts[1:])
        if len(bad_at):
            p = int(bad_at[0]) + 1
            row = int(np.searchsorted(indptr, p, side="right") - 1)
            raise InputError(f"{name}.indices: expected sorted, unique column ids within each row; row {row} "
                             f"has {int(indices[p - 1])} before {int(indices[p])}")


def _checked_structure(matrix: Any, name: str) -> sp.spmatrix:
    """A scipy sparse matrix whose index arrays are known to be in bounds (duplicates allowed)."""
    if isinstance(matrix, (sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array)):
        major, minor = (matrix.shape[0], matrix.shape[1]) if matrix.format == "csr" else matrix.shape[::-1]
        check_csr(name, np.asarray(matrix.indptr), np.asarray(matrix.indices), major, minor, sorted_unique=False)
        if len(matrix.data) < len(matrix.indices):
            raise InputError(f"{name}: {len(matrix.indices)} indices but only {len(matrix.data)} values")
        return matrix
    if isinstance(matrix, (sp.coo_matrix, sp.coo_array)):
        rows, cols = np.asarray(matrix.row), np.asarray(matrix.col)
        for what, ids, size in (("row", rows, matrix.shape[0]), ("col", cols, matrix.shape[1])):
            if len(ids) and (ids.min() < 0 or ids.max() >= size):
                raise InputError(f"{name}.{what}: expected ids from 0 to {size - 1}, found "
                                 f"{int(ids.min() if ids.min() < 0 else ids.max())}")
        return matrix
    # dok, lil, dia, bsr: scipy keeps these consistent itself; go through COO and check that
    return _checked_structure(sp.coo_matrix(matrix), name)


def as_csr(matrix: Any, n_columns: int, name: str, dtype: Any = VALUE_DTYPE) -> sp.csr_matrix:
    """A validated CSR copy: int32 sorted unique indices, ``dtype`` data, no NaN, no negatives.

    Duplicate entries are summed (scipy's convention); explicit zeros are dropped. The
    caller's matrix is never changed.
    """
    if sp.issparse(matrix):
        matrix = _checked_structure(matrix, name)
    else:
        matrix = np.asarray(matrix)
        if matrix.ndim != 2:
            raise InputError(f"{name}: expected a 2-d array or sparse matrix, got an array of shape {matrix.shape}")
        if not (np.issubdtype(matrix.dtype, np.number) or matrix.dtype == bool):
            raise InputError(f"{name}: expected numbers, got an array of {matrix.dtype}")
    if matrix.shape[1] != n_columns:
        raise InputError(f"{name}: expected {n_columns} columns (one per taxonomy concept), got {matrix.shape[1]}")
    data = np.asarray(matrix.data) if sp.issparse(matrix) else matrix
    if data.size and np.issubdtype(data.dtype, np.number) and not np.isfinite(data).all():
        raise InputError(f"{name}: contains NaN or infinite values")
    m = sp.csr_matrix(matrix, dtype=dtype, copy=True)
    m.sum_duplicates()  # also sorts indices
    m.eliminate_zeros()
    if m.nnz and not np.all(np.isfinite(m.data)):
        raise InputError(f"{name}: values overflow {np.dtype(dtype).name}")
    if m.nnz and m.data.min() < 0:
        raise InputError(f"{name}: contains negative values; skill values must be >= 0")
    return canonical_indices(m)


def canonical_indices(m: sp.csr_matrix) -> sp.csr_matrix:
    """int32 ``indices`` and ``indptr`` (scipy wants both of one dtype); kernels get int64 pointers."""
    if m.nnz >= 2**31:
        raise InputError(f"a matrix with {m.nnz} entries is beyond the 2**31 entries skillmatch supports")
    m.indices = m.indices.astype(INDEX_DTYPE, copy=False)
    m.indptr = m.indptr.astype(INDEX_DTYPE, copy=False)
    return m


def row_sums(indptr: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` per CSR row (float64); empty rows sum to 0."""
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    return np.bincount(rows, weights=np.asarray(values, dtype=np.float64), minlength=len(indptr) - 1)
