"""The meter: what many tasks cost, vectorized over tasks with numpy (reference §1.1, §1.2, §1.4).

The simulator records one usage row per task: its size, platform, capacity provider, when it
started to pull its image (billing start, §1.1: "from the time you start to download your
container image until the Amazon ECS Task … terminates") and when it stopped (or the end of the
simulation). :func:`charge` applies exactly the rule of :func:`fargasim.billing.pricing.price`
to every row — same refusals, bit-identical amounts — without a Python loop over tasks: rows are
only told apart by their kind (architecture × Windows or not × capacity provider, at most 8
kinds), whose rates are looked up once.

:func:`cumulative_cost` spreads each task's charge over time for cost curves: the task accrues at
its per-second rate (``total_usd / billed_seconds``) from billing start to stop, and the part of
the bill that the rounding and the minimum add (§1.1) is added at the stop. It sorts the start
and stop events once and answers any number of sample times by binary search:
O((tasks + times) log(tasks)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fargasim.billing.pricing import (
    ARCHITECTURES,
    CAPACITY_PROVIDERS,
    FREE_EPHEMERAL_GIB,
    OS_FAMILIES,
    PriceTable,
    amounts,
    billed_seconds,
    kind_rates,
    unknown_choice_message,
)
from fargasim.billing.spec import PricingSpec
from fargasim.ecs.sizes import (
    MAX_EPHEMERAL_GIB,
    MIN_EPHEMERAL_GIB,
    WINDOWS_CPU_UNITS,
    SizeRules,
    check_ephemeral_storage,
    check_task_size,
    size_table,
)
from fargasim.errors import FargasimError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_KINDS = 8  # architecture (2) × Windows or not (2) × capacity provider (2)


@dataclass(frozen=True)
class Usage:
    """One row per task; all arrays the same length.

    ``start`` is when the task started to pull its image (billing start, §1.1), NaN for a task
    that never got that far (never billed). ``stop`` is when its containers stopped, or the end
    of the simulation for a task still running.
    """

    cpu_units: IntArray
    memory_mib: IntArray
    ephemeral_gib: FloatArray
    """``ephemeralStorage.sizeInGiB``; 20 when not configured (§2.2)."""
    architecture: npt.NDArray[np.str_]
    """``X86_64`` or ``ARM64``."""
    os_family: npt.NDArray[np.str_]
    """ECS ``operatingSystemFamily``."""
    capacity_provider: npt.NDArray[np.str_]
    """``FARGATE`` or ``FARGATE_SPOT``."""
    start: FloatArray
    stop: FloatArray

    def __len__(self) -> int:
        return len(self.cpu_units)


@dataclass(frozen=True)
class Charges:
    """Per-task charges in USD, in the order of the :class:`Usage` rows (§1.1, §1.2).

    ``billed_seconds`` is 0 for a task that was never billed.
    """

    billed_seconds: IntArray
    vcpu_usd: FloatArray
    memory_usd: FloatArray
    storage_usd: FloatArray
    os_license_usd: FloatArray
    total_usd: FloatArray

    def __len__(self) -> int:
        return len(self.billed_seconds)


def charge(
    usage: Usage,
    table: PriceTable,
    spec: PricingSpec,
    *,
    size_rules: SizeRules | None = None,
) -> Charges:
    """Price every task of ``usage`` as :func:`~fargasim.billing.pricing.price` would, task by
    task and to the last bit, and refuse (:class:`FargasimError`, naming the first offending
    row) what ``price`` refuses. ``spec.rates`` overrides ``table`` (§1.2)."""
    n = _length(usage)
    rules = size_rules or SizeRules()
    cpu = np.asarray(usage.cpu_units, dtype=np.int64).reshape(n)
    memory = np.asarray(usage.memory_mib, dtype=np.int64).reshape(n)
    storage = np.asarray(usage.ephemeral_gib, dtype=np.float64).reshape(n)
    start = np.asarray(usage.start, dtype=np.float64).reshape(n)
    stop = np.asarray(usage.stop, dtype=np.float64).reshape(n)

    arch = _codes(usage.architecture, ARCHITECTURES, "architecture (cpuArchitecture)")
    family = _codes(usage.os_family, OS_FAMILIES, "os (operatingSystemFamily)")
    provider = _codes(usage.capacity_provider, CAPACITY_PROVIDERS, "capacity provider")
    windows = family > 0
    kind = arch * 4 + windows.astype(np.int64) * 2 + provider

    table = table.with_overrides(spec.rates)
    vcpu_lut = np.zeros(_KINDS)
    gb_lut = np.zeros(_KINDS)
    storage_lut = np.zeros(_KINDS)
    os_lut = np.zeros(_KINDS)
    minimum_lut = np.zeros(_KINDS, dtype=np.int64)
    for k in np.flatnonzero(np.bincount(kind, minlength=_KINDS)):
        unit = kind_rates(table.rates, bool(k // 4), bool(k // 2 % 2), bool(k % 2), spec)
        if isinstance(unit, str):
            raise FargasimError(f"task {_first(kind == k)}: {unit}")
        vcpu_lut[k], gb_lut[k], storage_lut[k] = unit.vcpu, unit.gb, unit.storage
        os_lut[k], minimum_lut[k] = unit.os_license, unit.minimum_seconds

    _check_sizes(cpu, memory, windows, family, rules)
    _check_storage(storage)
    billed_rows = ~np.isnan(start)
    duration = stop - start
    _check_times(billed_rows, duration, start, stop)

    safe_duration = np.where(billed_rows, duration, 0.0)
    billed = np.where(billed_rows, billed_seconds(safe_duration, minimum_lut[kind]), 0)
    # One price class (a batch of one task definition): its rates once, broadcast over the
    # billed seconds (the same products, in the same order: the same bits).
    one_class = n > 0 and all(bool((c == c[0]).all()) for c in (kind, cpu, memory, storage))
    rows = slice(0, 1) if one_class else slice(None)
    rates = int(kind[0]) if one_class else kind
    vcpu_usd, memory_usd, storage_usd, os_usd, total = amounts(
        cpu[rows],
        memory[rows],
        storage[rows],
        billed,
        vcpu_lut[rates],
        gb_lut[rates],
        storage_lut[rates],
        os_lut[rates],
    )
    return Charges(
        billed_seconds=billed,
        vcpu_usd=vcpu_usd,
        memory_usd=memory_usd,
        storage_usd=storage_usd,
        os_license_usd=os_usd,
        total_usd=total,
    )


def cumulative_cost(usage: Usage, charges: Charges, times: npt.ArrayLike) -> FloatArray:
    """The cost accrued by each of ``times`` (any order, any shape), in USD.

    Each billed task accrues at ``rate = total_usd / billed_seconds`` per second from ``start``
    until ``stop``; what the rounding and the minimum add, ``(billed_seconds - (stop - start)) ×
    rate`` (§1.1), is added at ``stop``. So the curve is 0 before the first start, never
    decreases, and equals ``charges.total_usd.sum()`` (exactly) at every time ≥ the last stop.

    (When a duration exceeds its billed seconds by less than the billing tolerance, the task
    accrues only for ``billed_seconds`` and its top-up is 0, which keeps the curve monotone.)

    Computed per time, not per event: at time ``T`` the accrual is ``Σ rate·(min(T, a) − s)`` over
    started tasks (``a`` = when accrual ends), i.e. ``T·W(T) − X(T)`` with ``W`` the rates and
    ``X`` the rate-weighted times of the starts and ends at or before ``T``, plus the top-ups of
    the stops at or before ``T``. Each start, end and stop is located among the sorted times by
    binary search and the sums are cumulative counts: O(tasks · log times + times log times),
    with no sort of the tasks. The result is made monotone (a running maximum, which only hides
    rounding), at most the grand total, and exactly the grand total from the last stop on.
    Values agree with the definition to ~1e-15 of the grand total.
    """
    t = np.asarray(times, dtype=np.float64)
    if np.isnan(t).any():
        raise FargasimError("cumulative_cost: times must not be NaN")
    n = _length(usage)
    if len(charges) != n:
        raise FargasimError(f"cumulative_cost: {n} usage rows but {len(charges)} charges")

    billed = np.asarray(charges.billed_seconds, dtype=np.int64)
    total = np.asarray(charges.total_usd, dtype=np.float64)
    rows = billed > 0
    grand_total = float(total.sum())
    if not rows.any():
        return np.zeros(t.shape)

    s = np.asarray(usage.start, dtype=np.float64)
    e = np.asarray(usage.stop, dtype=np.float64)
    if not rows.all():  # (a batch is billed in full: no copies)
        s, e, billed, total = s[rows], e[rows], billed[rows], total[rows]
    secs = billed.astype(np.float64)
    cost = total
    rate = cost / secs
    accrue_until = np.minimum(e, s + secs)
    top_up = np.maximum(cost - rate * (accrue_until - s), 0.0)

    flat = t.ravel()
    order = np.argsort(flat, kind="stable")
    ts = flat[order]
    m = ts.size

    def by_time(first_time: IntArray, weights: FloatArray) -> FloatArray:
        """Σ weights of the events at or before each of ``ts``, the events given by the index
        of the first ``ts`` at or after each."""
        per_time = np.bincount(first_time, weights=weights, minlength=m + 1)[:m]
        summed: FloatArray = np.cumsum(per_time)
        return summed

    started = np.searchsorted(ts, s, side="left")
    accrued = np.searchsorted(ts, accrue_until, side="left")
    rates = by_time(started, rate) - by_time(accrued, rate)
    weighted = by_time(started, rate * s) - by_time(accrued, rate * accrue_until)
    stopped = np.searchsorted(ts, e, side="left")
    values = np.maximum(ts * rates - weighted + by_time(stopped, top_up), 0.0)
    values = np.minimum(np.maximum.accumulate(values), grand_total)
    values[ts >= e.max()] = grand_total
    result = np.empty(m)
    result[order] = values
    shaped: FloatArray = result.reshape(t.shape)
    return shaped


# ---------------------------------------------------------------------------------------------


def _length(usage: Usage) -> int:
    lengths = {
        name: np.shape(getattr(usage, name))
        for name in (
            "cpu_units",
            "memory_mib",
            "ephemeral_gib",
            "architecture",
            "os_family",
            "capacity_provider",
            "start",
            "stop",
        )
    }
    shapes = set(lengths.values())
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        described = ", ".join(f"{name} {shape}" for name, shape in lengths.items())
        raise FargasimError(f"Usage arrays must be 1-D and of one length, got {described}")
    return int(next(iter(shapes))[0])


def _first(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.argmax(mask))


def _codes(values: npt.ArrayLike, choices: tuple[str, ...], what: str) -> IntArray:
    """The index in ``choices`` of each value; :class:`FargasimError` for the first unknown."""
    array = np.asarray(values)
    codes = np.full(array.shape, -1, dtype=np.int64)
    left = array.size
    for index, choice in enumerate(choices):
        if not left:  # every value is known: the other choices need no pass over them
            break
        hits = array == choice
        codes[hits] = index
        left -= int(np.count_nonzero(hits))
    unknown = codes < 0
    if unknown.any():
        row = _first(unknown)
        raise FargasimError(f"task {row}: {unknown_choice_message(array[row], choices, what)}")
    return codes


def _check_sizes(
    cpu: IntArray,
    memory: IntArray,
    windows: npt.NDArray[np.bool_],
    family: IntArray,
    rules: SizeRules,
) -> None:
    """§2.1: the CPU/memory pair is in Fargate's table; Windows needs 1, 2 or 4 vCPU."""
    if cpu.size > 1 and all(bool((c == c[0]).all()) for c in (cpu, memory, family)):
        _check_sizes(cpu[:1], memory[:1], windows[:1], family[:1], rules)  # one size: once
        return
    pairs = [(c << 32) | m for c, sizes in size_table(rules).items() for m in sizes]
    valid = np.array(sorted(pairs), dtype=np.int64)
    in_range = (cpu >= 0) & (cpu < 2**31) & (memory >= 0) & (memory < 2**32)
    keys = (np.where(in_range, cpu, 0) << 32) | np.where(in_range, memory, 0)
    ok = in_range & np.isin(keys, valid)
    ok &= ~windows | np.isin(cpu, np.array(WINDOWS_CPU_UNITS, dtype=np.int64))
    if not ok.all():
        row = _first(~ok)
        problem = check_task_size(int(cpu[row]), int(memory[row]), OS_FAMILIES[family[row]], rules)
        raise FargasimError(f"task {row}: {problem}")


def _check_storage(storage: FloatArray) -> None:
    """§2.2: 20 GiB (not configured) or a whole number of GiB in 21–200."""
    configured = (storage >= MIN_EPHEMERAL_GIB) & (storage <= MAX_EPHEMERAL_GIB)
    ok = (storage == FREE_EPHEMERAL_GIB) | (configured & (storage == np.floor(storage)))
    if not ok.all():
        row = _first(~ok)
        value = float(storage[row])
        if value == value and value == int(value):  # a whole number, out of range
            problem = check_ephemeral_storage(int(value))
        else:
            problem = f"ephemeral storage sizeInGiB is a whole number of GiB (§2.2), got {value!r}"
        raise FargasimError(f"task {row}: {problem}")


def _check_times(
    billed_rows: npt.NDArray[np.bool_], duration: FloatArray, start: FloatArray, stop: FloatArray
) -> None:
    """Billed tasks have finite start and stop, and stop ≥ start (§1.1)."""
    with np.errstate(invalid="ignore"):
        bad = billed_rows & ~(np.isfinite(duration) & (duration >= 0))
    if bad.any():
        row = _first(bad)
        raise FargasimError(
            f"task {row}: billing runs from image-pull start to stop (reference §1.1), but "
            f"start={float(start[row])!r} and stop={float(stop[row])!r}"
        )
