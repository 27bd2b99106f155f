"""The most tasks (or vCPU, or IPs) held at once (§5.2, §5.4): what the concurrent vCPU quota and
a subnet's addresses count, computed from launch and release times.

Releases come before launches at the same instant, as a task STOPPED frees its vCPU and IP
before the next launch is checked. The count rises only at launches, so the peak is the count
just after some launch.

For tasks of one size, :func:`peak_count` avoids sorting 10⁵–10⁶ release times (a third of the
summary's cost in a big batch): it counts launches and releases per time bin (a bin index is a
monotone function of time, so the counts at bin edges are exact), bounds each bin's peak from
above by its count at entry plus its launches, takes the count at a bin's exit (a value the
count really had) as a lower bound on the peak, and sorts only the events of the bins whose
upper bound reaches it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Events per time bin, on average, in :func:`peak_count`.
_EVENTS_PER_BIN = 8


def peak_held(starts: npt.ArrayLike, stops: npt.ArrayLike, units: npt.ArrayLike) -> int:
    """The most held at once by tasks that each hold ``units`` from ``starts`` until ``stops``
    (NaN: never released)."""
    start = np.asarray(starts, dtype=np.float64)
    if start.size == 0:
        return 0
    stop = np.asarray(stops, dtype=np.float64)
    unit = np.broadcast_to(np.asarray(units, dtype=np.int64), start.shape)
    if (unit == unit[0]).all():
        return peak_count(start, stop) * int(unit[0])
    times = np.concatenate((start, np.where(np.isnan(stop), np.inf, stop)))
    deltas = np.concatenate((unit, -unit))
    order = np.lexsort((deltas, times))
    return int(np.cumsum(deltas[order]).max())


def peak_count_sorted(start: FloatArray, stop: FloatArray) -> int:
    """The most tasks held at once, from the sorted launches and releases (the reference)."""
    if start.size == 0:
        return 0
    ordered = start if bool(np.all(start[1:] >= start[:-1])) else np.sort(start)
    released = np.searchsorted(np.sort(stop), ordered, side="right")  # NaN sorts last
    return int((np.arange(1, ordered.size + 1) - released).max())


def peak_count(start: FloatArray, stop: FloatArray) -> int:
    """The most tasks held at once (each from ``start`` until ``stop``, NaN: never), without
    sorting all the releases (see the module docstring); equal to :func:`peak_count_sorted`."""
    n = start.size
    if n < 4 * _EVENTS_PER_BIN:
        return peak_count_sorted(start, stop)
    first, last = float(start.min()), float(start.max())
    if not first < last:
        return peak_count_sorted(start, stop)
    bins = n // _EVENTS_PER_BIN
    width = (last - first) / bins
    # Only releases up to the last launch can matter; later ones (and NaN) are dropped.
    release = stop[stop <= last]

    def bin_of(times: FloatArray) -> npt.NDArray[np.intp]:
        index = np.floor((times - first) / width)
        return np.clip(index, 0, bins - 1).astype(np.intp)

    start_bin = bin_of(start)
    release_bin = bin_of(release)
    launches = np.bincount(start_bin, minlength=bins)
    releases = np.bincount(release_bin, minlength=bins)
    # Releases before the first launch (bin index clipped to 0) sit in bin 0: exact, since
    # they come before every launch in it.
    net = np.cumsum(launches - releases)
    entry = np.concatenate(([0], net[:-1]))  # the count when a bin starts
    floor = int(net.max())  # counts that really were reached (at bins' ends)
    candidates = np.flatnonzero(entry + launches > floor)
    if candidates.size == 0:
        return floor
    chosen = np.zeros(bins, dtype=bool)
    chosen[candidates] = True
    # The chosen bins' events in time order (bin order too: a bin index never falls as time
    # rises), and the count after each launch: the bin's entry count, plus its launches so
    # far, less its releases so far (at the same instant, releases first).
    launch_times = np.sort(start[chosen[start_bin]])
    release_times = np.sort(release[chosen[release_bin]])
    launch_bins = bin_of(launch_times)
    release_bins = bin_of(release_times)
    launched = np.arange(1, launch_times.size + 1) - np.searchsorted(launch_bins, launch_bins)
    released = np.searchsorted(release_times, launch_times, side="right") - np.searchsorted(
        release_bins, launch_bins
    )
    return max(floor, int((entry[launch_bins] + launched - released).max()))
