"""Mergeable latency histograms: request latency percentiles without storing every request.

Bin layout
----------
Every histogram has the same fixed edges, so merging two histograms adds their count arrays.
Between ``MIN_SECONDS = 1e-5`` and ``MAX_SECONDS = 1e5`` there are ``BINS_PER_DECADE = 100``
log-spaced bins per decade, 1000 in all; bin ``i`` (``1 ≤ i ≤ 1000``) is the half-open interval
``[EDGES[i-1], EDGES[i])`` with ``EDGES[k] = 10^(-5 + k/100)`` (decade edges are the exact
literals ``1e-5 … 1e5``, so for example 0.001 s lands in bin 201, whose lower edge is ``1e-3``).
``counts[0]`` is the underflow bin (values below ``1e-5`` s, including 0) and ``counts[1001]``
the overflow bin (values of ``1e5`` s and more). A value is binned with ``log10`` and ``floor``,
then checked against the stored edges, so the bin of a value is exactly the one the edges give.

Besides the counts, a histogram keeps the number of values, their exact sum (an integer multiple
of ``2^-1126``, every double's quantum, so the sum and the mean are exact up to one final rounding
whatever the order or grouping of the additions) and the exact minimum and maximum. Every field is
therefore independent of the order in which values were added: there is no randomness anywhere.

Error bound
-----------
A percentile is estimated like :func:`numpy.percentile` (its default ``linear`` method): the
``q``-th percentile of ``n`` values sits at rank ``h = (n-1)·q/100`` and is the linear
interpolation between the order statistics of ranks ``⌊h⌋`` and ``⌊h⌋+1``. Each order statistic
is estimated by the *geometric midpoint* ``m = √(lo·hi)`` of the bin that holds it (the bin
narrowed to ``[min, max]``, so a histogram of one repeated value is exact; the smallest and largest
order statistics are the exact ``min`` and ``max``). Adjacent edges have the ratio
``r = hi/lo = 10^(1/100) ≈ 1.02329``, so any value ``x`` of the bin satisfies
``r^(-1/2) < m/x ≤ r^(1/2)``, and the relative error ``|m − x|/x`` is at most half a bin width:
``10^(1/200) − 1 ≈ 1.158 %`` (at most ``1 − 10^(-1/200) ≈ 1.145 %`` below). A linear interpolation
of two estimates each within that factor of their order statistic is within it of the exact
interpolation, so every percentile is within 1.158 % of :func:`numpy.percentile` of the values
added, as long as the order statistics it uses lie within ``[1e-5, 1e5)`` s. A percentile that
lands in the underflow (overflow) bin returns the tracked minimum (maximum).

The midpoint is used rather than an interpolation inside the bin (which assumes the values of a
bin spread log-uniformly): interpolation is more accurate for smooth samples of many requests,
but its worst case is a whole bin width (2.33 %), reached for example by a weighted cohort of
identical latencies.

Weighted samples and rows
-------------------------
:meth:`LatencyHistogram.add_weighted` adds each value a whole number of times (a cohort of
identical requests, or one latency draw standing for several requests, as the vectorized data
plane's thinned draws do: :mod:`fargasim.workload.latency`). The histogram then holds exactly what
it was given — counts, number and sum are exact for the weighted values — and the bound above is
relative to the percentiles of the weighted values; how far those are from the latencies of every
request is the sampling error of whoever chose the weights. :func:`row_percentiles` applies the
same estimator to many histograms at once (the rows of a 2-D count array, one per sample interval
of a time series).

Differences
-----------
``later - earlier`` of two cumulative snapshots of the same histogram is the histogram of the
values added between them (counts, number and sum are exact). The minimum and maximum of those
values are unknown: the difference keeps bounds instead, the edges of its lowest and highest
non-empty bins narrowed to the later snapshot's ``[min, max]`` (:attr:`extremes_exact` is then
false), and the error bound above still holds for every percentile in the regular bins.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BINS_PER_DECADE = 100
MIN_SECONDS = 1e-5
MAX_SECONDS = 1e5
_MIN_DECADE = -5
_DECADES = 10
N_REGULAR = BINS_PER_DECADE * _DECADES  # 1000 log-spaced bins
UNDERFLOW = 0  # counts[0]: values below MIN_SECONDS
OVERFLOW = N_REGULAR + 1  # counts[1001]: values of MAX_SECONDS and above
N_BINS = N_REGULAR + 2


def _edges() -> FloatArray:
    k = np.arange(N_REGULAR + 1)
    edges = 10.0 ** (_MIN_DECADE + k / BINS_PER_DECADE)
    # pow is not correctly rounded everywhere: make the decade edges the exact literals.
    for d in range(_DECADES + 1):
        edges[d * BINS_PER_DECADE] = float(f"1e{_MIN_DECADE + d}")
    return edges


#: The 1001 bin edges, ``EDGES[k] = 10^(-5 + k/100)`` seconds.
EDGES: FloatArray = _edges()
EDGES.flags.writeable = False
#: Lower and upper edge of every bin, underflow and overflow included (0 and +inf outside).
BIN_LOWER: FloatArray = np.concatenate(([0.0], EDGES))
BIN_UPPER: FloatArray = np.concatenate((EDGES, [math.inf]))
BIN_LOWER.flags.writeable = False
BIN_UPPER.flags.writeable = False

#: The relative error bound of a percentile: half a bin width, ``10^(1/200) − 1 ≈ 1.158 %``.
RELATIVE_ERROR = 10.0 ** (1.0 / (2 * BINS_PER_DECADE)) - 1.0

# The exact sum is an integer number of 2^-1126 (a double is M·2^(e-53) with e ≥ -1073).
_SUM_SCALE = 1126
_SHIFTS = 2098  # e + 1073 for e in [-1073, 1024]
_LO_BITS = 26
_VECTOR_WEIGHT_LIMIT = 1 << 36  # 2^27 (high mantissa part) · Σ weights must stay below 2^63


def bin_index(values: npt.ArrayLike) -> IntArray:
    """The bin of each value (``0`` underflow, ``1 … 1000`` regular, ``1001`` overflow)."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore"):
        k = np.floor((np.log10(v) - _MIN_DECADE) * BINS_PER_DECADE)
    idx: IntArray = (np.clip(k, -1.0, float(N_REGULAR)) + 1.0).astype(np.int64)
    # log10 is off by a few ulps at most: one step against the stored edges makes it exact.
    idx -= v < BIN_LOWER[idx]
    idx += v >= BIN_UPPER[idx]
    return idx


def _validate(values: npt.ArrayLike) -> FloatArray:
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size and not (np.all(np.isfinite(v)) and float(v.min()) >= 0.0):
        raise ValueError("latencies must be finite and non-negative")
    return v


def _exact_sum_units(v: FloatArray, w: IntArray | None) -> int:
    """``Σ w·v`` exactly, in units of ``2^-1126`` (``w`` defaults to ones)."""
    if v.size == 0:
        return 0
    m, e = np.frexp(v)
    mant = np.ldexp(m, 53).astype(np.int64)  # v = mant · 2^(e-53), mant an integer below 2^53
    shift = (e + (_SUM_SCALE - 53)).astype(np.intp)
    if w is not None and int(w.sum()) >= _VECTOR_WEIGHT_LIMIT:
        return sum((int(a) * int(b)) << int(s) for a, b, s in zip(mant, w, shift, strict=True))
    hi, lo = mant >> _LO_BITS, mant & ((1 << _LO_BITS) - 1)
    if w is not None:
        hi, lo = hi * w, lo * w
    acc_hi = np.zeros(_SHIFTS, dtype=np.int64)
    acc_lo = np.zeros(_SHIFTS, dtype=np.int64)
    np.add.at(acc_hi, shift, hi)
    np.add.at(acc_lo, shift, lo)
    return sum(
        ((int(acc_hi[s]) << _LO_BITS) + int(acc_lo[s])) << int(s)
        for s in np.flatnonzero(acc_hi | acc_lo)
    )


def _integer_weights(weights: npt.ArrayLike) -> IntArray:
    w = np.asarray(weights)
    if w.dtype.kind == "b" or w.dtype.kind not in "iuf":
        raise TypeError(f"weights must be integers, not {w.dtype}")
    if w.dtype.kind == "f":
        if not np.all(np.isfinite(w)) or np.any(w != np.floor(w)):
            raise ValueError("weights must be whole numbers")
        if w.size and float(w.max()) >= 2.0**63:
            raise ValueError("weight too large")
    elif w.dtype.kind == "u" and w.size and int(w.max()) >= 2**63:
        raise ValueError("weight too large")
    if w.size and float(w.min()) < 0:
        raise ValueError("weights must be non-negative")
    return w.astype(np.int64)


class LatencyHistogram:
    """Request latencies (seconds) in fixed log-spaced bins (see the module docstring).

    ``counts`` has :data:`N_BINS` entries (underflow, 1000 regular bins, overflow); ``total`` is
    the number of values, :attr:`sum` their exact sum, ``min`` and ``max`` the exact extremes
    (``+inf`` and ``-inf`` when empty; bounds for a difference, see :attr:`extremes_exact`).
    """

    __slots__ = ("_sum_units", "counts", "extremes_exact", "max", "min", "total")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self) -> None:
        self.counts: IntArray = np.zeros(N_BINS, dtype=np.int64)
        self.total: int = 0
        self.min: float = math.inf
        self.max: float = -math.inf
        #: False when ``min``/``max`` are only bounds (a difference of snapshots).
        self.extremes_exact: bool = True
        self._sum_units: int = 0

    # -- adding ---------------------------------------------------------------------------------

    def add(self, values: npt.ArrayLike) -> None:
        """Add latencies (a scalar or an array of seconds, finite and non-negative)."""
        v = _validate(values)
        if v.size == 0:
            return
        self.counts += np.bincount(bin_index(v), minlength=N_BINS).astype(np.int64)
        self.total += int(v.size)
        self._sum_units += _exact_sum_units(v, None)
        self.min = min(self.min, float(v.min()))
        self.max = max(self.max, float(v.max()))

    def add_weighted(self, values: npt.ArrayLike, weights: npt.ArrayLike) -> None:
        """Add each value ``weights`` times (whole numbers: a cohort of identical requests).

        ``weights`` broadcasts against ``values``; values of weight 0 are ignored.
        """
        v_in, w_in = np.broadcast_arrays(np.asarray(values), np.asarray(weights))
        v = _validate(v_in)
        w = _integer_weights(w_in).ravel()
        keep = w > 0
        v, w = v[keep], w[keep]
        if v.size == 0:
            return
        np.add.at(self.counts, bin_index(v), w)
        self.total += int(w.sum())
        self._sum_units += _exact_sum_units(v, w)
        self.min = min(self.min, float(v.min()))
        self.max = max(self.max, float(v.max()))

    def add_binned(self, counts: IntArray, values: FloatArray, weights: IntArray) -> None:
        """Add ``values`` with positive whole ``weights`` whose weighted bin counts the caller has
        already made (``counts``: :data:`N_BINS` entries, the weights summed per
        :func:`bin_index`): :meth:`add_weighted` without the checks and the binning, for the
        data plane, which bins its draws once for the rows of its time series as well."""
        if values.size == 0:
            return
        self.counts += counts
        self.total += int(counts.sum())
        self._sum_units += _exact_sum_units(values, weights)
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))

    def merge(self, other: LatencyHistogram) -> None:
        """Add every value of ``other`` to this histogram (in place)."""
        self.counts += other.counts
        self.total += other.total
        self._sum_units += other._sum_units
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.extremes_exact = self.extremes_exact and other.extremes_exact

    def copy(self) -> LatencyHistogram:
        """An independent copy."""
        out = LatencyHistogram()
        out.counts = self.counts.copy()
        out.total = self.total
        out.min, out.max = self.min, self.max
        out.extremes_exact = self.extremes_exact
        out._sum_units = self._sum_units
        return out

    def __sub__(self, earlier: LatencyHistogram) -> LatencyHistogram:
        """The values added since the cumulative snapshot ``earlier`` of this histogram.

        ``min`` and ``max`` of the result are bounds: the edges of its lowest and highest
        non-empty bins, narrowed to this histogram's ``[min, max]``.
        """
        if not isinstance(earlier, LatencyHistogram):
            return NotImplemented
        counts = self.counts - earlier.counts
        units = self._sum_units - earlier._sum_units
        if np.any(counts < 0) or units < 0:
            raise ValueError("the subtrahend is not an earlier snapshot of this histogram")
        if earlier.total == 0:
            return self.copy()
        out = LatencyHistogram()
        out.counts = counts
        out.total = self.total - earlier.total
        out._sum_units = units
        nonzero = np.flatnonzero(counts)
        if nonzero.size:
            out.min = max(self.min, float(BIN_LOWER[nonzero[0]]))
            out.max = min(self.max, float(BIN_UPPER[nonzero[-1]]))
            out.extremes_exact = False
        return out

    # -- reading --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.total

    @property
    def sum(self) -> float:
        """The sum of the values (exact, rounded once to a float)."""
        return self._sum_units / (1 << _SUM_SCALE)

    @property
    def mean(self) -> float:
        """The mean of the values (exact, rounded once); NaN when empty."""
        if self.total == 0:
            return math.nan
        return self._sum_units / (self.total << _SUM_SCALE)

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (``0 ≤ q ≤ 100``) within 1.158 %; NaN when empty."""
        return self.percentiles([q])[0]

    def percentiles(self, qs: Iterable[float]) -> list[float]:
        """Several percentiles at once (see :meth:`percentile`)."""
        q = _checked_percentiles(qs)
        if self.total == 0:
            return [math.nan] * int(q.size)
        out = row_percentiles(
            self.counts[None, :],
            np.array([self.min]),
            np.array([self.max]),
            q,
            extremes_exact=self.extremes_exact,
        )
        return [float(x) for x in out[0]]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LatencyHistogram):
            return NotImplemented
        return (
            self.total == other.total
            and self._sum_units == other._sum_units
            and self.min == other.min
            and self.max == other.max
            and self.extremes_exact == other.extremes_exact
            and bool(np.array_equal(self.counts, other.counts))
        )

    def __repr__(self) -> str:
        if self.total == 0:
            return "LatencyHistogram(total=0)"
        p50, p99 = self.percentiles([50, 99])
        return (
            f"LatencyHistogram(total={self.total}, mean={self.mean:.6g}, min={self.min:.6g},"
            f" p50={p50:.6g}, p99={p99:.6g}, max={self.max:.6g})"
        )


def _checked_percentiles(qs: Iterable[float]) -> FloatArray:
    q = np.asarray(list(qs), dtype=np.float64)
    if q.size and not (np.all(np.isfinite(q)) and q.min() >= 0.0 and q.max() <= 100.0):
        raise ValueError("percentiles must lie in [0, 100]")
    return q


def row_percentiles(
    counts: IntArray,
    mins: FloatArray,
    maxs: FloatArray,
    qs: Iterable[float],
    extremes_exact: bool = True,
) -> FloatArray:
    """The percentiles ``qs`` of every row of ``counts`` (rows × :data:`N_BINS`), each row a
    histogram whose values lie in ``[mins[i], maxs[i]]``, by :meth:`LatencyHistogram.percentile`'s
    estimator (the module docstring). ``extremes_exact``: the bounds are the rows' own minimum
    and maximum; otherwise they are narrowed to the edges of each row's lowest and highest
    non-empty bins, as for a difference of snapshots. Rows × percentiles; NaN for an empty row."""
    q = _checked_percentiles(qs)
    totals = counts.sum(axis=1)
    # One search in the running count of all rows: row j's rank r is the global r + start_j.
    cum = np.cumsum(counts.ravel())
    start = (np.cumsum(totals) - totals)[:, None]
    offset = (np.arange(counts.shape[0]) * N_BINS)[:, None]
    total = np.maximum(totals, 1)[:, None]

    def bins(rank: IntArray) -> IntArray:
        found: IntArray = np.searchsorted(cum, rank + start, side="right") - offset
        return np.minimum(found, N_BINS - 1)

    lo, hi = mins[:, None], maxs[:, None]
    if not extremes_exact:
        lo = np.maximum(lo, BIN_LOWER[bins(np.zeros_like(total))])
        hi = np.minimum(hi, BIN_UPPER[bins(total - 1)])
    h = (total - 1) * q[None, :] / 100.0
    below = np.floor(h)
    rank = below.astype(np.int64)

    def order_statistic(r: IntArray) -> FloatArray:
        b = bins(r)
        est: FloatArray = np.sqrt(np.maximum(BIN_LOWER[b], lo) * np.minimum(BIN_UPPER[b], hi))
        est = np.where(b == UNDERFLOW, lo, est)
        est = np.where(b == OVERFLOW, hi, est)
        if extremes_exact:
            est = np.where(r == 0, lo, est)
            est = np.where(r == total - 1, hi, est)
        return est

    with np.errstate(invalid="ignore"):  # empty rows (unbounded) are set to NaN below
        lower = order_statistic(rank)
        upper = order_statistic(np.minimum(rank + 1, total - 1))
        out: FloatArray = lower + (h - below) * (upper - lower)
    out[totals == 0] = np.nan
    return out
