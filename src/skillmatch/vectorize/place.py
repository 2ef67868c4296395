"""Where a record is and what it needs or offers, as arrays the filters read.

Kept free of everything but numpy: the kernels and their NumPy reference read it too.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Place(NamedTuple):
    """Place, hours and support of n records.

    region : int32 (n), -1 unknown
    geo : float64 (n, 3): latitude, longitude in radians (NaN unknown), maximum travel
        distance in km (<= 0: none)
    hours : float32 (n, 2): hours per week, from and to
    needs, offers : uint32 (n): bit sets of :data:`skillmatch.models.SUPPORT_KINDS`

    The filter rules (:func:`skillmatch.kernels.topk`): a query with a region only meets
    candidates of that region; the smaller travel limit of the two sides applies, and a side
    without a location is then left out; hour ranges must overlap; what one side needs, the
    other must offer.
    """

    region: np.ndarray
    geo: np.ndarray
    hours: np.ndarray
    needs: np.ndarray
    offers: np.ndarray

    def take(self, rows: np.ndarray) -> Place:
        """The places of some rows."""
        return Place(*(np.ascontiguousarray(a[rows]) for a in self))

    def without(self, *, region: bool = False, travel: bool = False, support: bool = False) -> Place:
        """A copy with the region, travel limits or support needs cleared (filters switched off)."""
        geo = self.geo
        if travel:
            geo = geo.copy()
            geo[:, 2] = 0.0
        return Place(np.full_like(self.region, -1) if region else self.region, geo, self.hours,
                     np.zeros_like(self.needs) if support else self.needs, self.offers)


def unfiltered_place(n: int, *, offers_all: bool = False) -> Place:
    """n records that no filter restricts: no region, location or limit, 0–80 hours,
    no needs; ``offers_all`` offers every kind of support (occupations as candidates)."""
    geo = np.zeros((n, 3))
    geo[:, :2] = np.nan
    offers = np.full(n, 0xFFFFFFFF if offers_all else 0, np.uint32)
    return Place(np.full(n, -1, np.int32), geo, np.tile(np.array([0.0, 80.0], np.float32), (n, 1)),
                 np.zeros(n, np.uint32), offers)
