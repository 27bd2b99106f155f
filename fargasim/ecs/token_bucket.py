"""Token buckets (reference §5.1), and serving a queue of RunTask calls from them in bulk.

§5.1: "the tasks and pods token bucket size for a Fargate customer account is 100 tokens, and
the refill rate is 20 tokens per second"; "the rate quota for calls to the Amazon ECS RunTask
API is 20 calls per second (burst and sustained)". A bucket starts full, refills continuously
and is capped at its capacity.

**How a bucket is kept.** Not as a token count refilled at every look (a running sum whose
rounding depends on when it was looked at) but in closed form. With capacity ``C``, rate ``r``,
takes of ``n_j`` tokens at times ``s_j`` and ``P_j`` the tokens taken before the ``j``-th, the
bucket holds at time ``t`` (after all takes so far, ``P`` in all)::

    tokens(t) = min(C, C + r·(t − A) − P)        A = max_j (s_j − P_j / r)

— the classic (σ, ρ) form: the tightest of "full at ``s_j``, then ``P − P_j`` taken and
``r·(t − s_j)`` refilled" over every take ``j`` (a full bucket is the ``j`` of the latest take
after it filled). So ``n`` tokens are ready at ``A + (P + n − C) / r``: a closed form of two
numbers, the *mark* ``A`` and the count ``P``, which change only when tokens are taken, never
with the time of a look. That is what lets :func:`serve_calls` compute the times of 10⁵ queued
RunTask calls with array operations and still equal, bit for bit, a SimPy process that serves
them one at a time with :meth:`TokenBucket.ready_at` and :meth:`TokenBucket.take`.

A take at a time within :data:`SLACK_SECONDS` of the ready time succeeds, so that a process
woken by a timeout of ``ready − now`` (the clock then reads ``now + (ready − now)``, which can
be one rounding short of ``ready``) gets its tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: A take this close to its ready time succeeds (rounding of the clock, see the module doc).
SLACK_SECONDS: Final = 1e-9
#: Fixed-point rounds :func:`serve_calls` tries before serving the calls one at a time.
_MAX_ROUNDS: Final = 16


class BucketState(NamedTuple):
    """What a bucket remembers: its mark ``A``, the tokens ``P`` taken so far, and the last time
    it was looked at (time must not go backwards)."""

    mark: float
    taken: float
    last: float | None


def check_time(last: float | None, now: float) -> None:
    """Refuse a look at ``now`` before the ``last`` one (limits are only asked forward)."""
    if last is not None and now < last:
        raise ValueError(f"time went backwards: {now} < {last}")


class TokenBucket:
    """A token bucket: starts full with ``capacity`` tokens and refills at ``rate`` per second
    (kept in the closed form of the module docstring)."""

    def __init__(self, capacity: float, rate: float) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be > 0, got {capacity}")
        if rate < 0:
            raise ValueError(f"rate must be >= 0, got {rate}")
        self.capacity = float(capacity)
        self.rate = float(rate)
        self._mark = -math.inf
        self._taken = 0.0
        self._last: float | None = None

    @property
    def state(self) -> BucketState:
        return BucketState(self._mark, self._taken, self._last)

    @state.setter
    def state(self, value: BucketState) -> None:
        self._mark, self._taken, self._last = value

    def _look(self, now: float) -> None:
        check_time(self._last, now)
        self._last = now

    def _ready_time(self, n: float) -> float:
        """When ``n`` more tokens are there (``-inf``: always were; ``inf``: never will be)."""
        if n > self.capacity:  # more than a full bucket (the closed form holds for n ≤ C)
            return math.inf
        if self.rate == 0:
            return -math.inf if self._taken + n <= self.capacity else math.inf
        return self._mark + (self._taken + n - self.capacity) / self.rate

    def available(self, now: float) -> float:
        """Tokens in the bucket at ``now``."""
        self._look(now)
        if self.rate == 0:
            return max(0.0, self.capacity - self._taken)
        refilled = self.capacity + (now - self._mark) * self.rate - self._taken
        return max(0.0, min(self.capacity, refilled))

    def whole_tokens(self, now: float, at_most: int) -> int:
        """How many of ``at_most`` tokens a take at ``now`` would get (the largest ``m`` for
        which :meth:`take` of ``m`` succeeds)."""
        self._look(now)
        m = min(at_most, int(self.available(now)) + 1)
        while m > 0 and now + SLACK_SECONDS < self._ready_time(m):
            m -= 1
        return max(m, 0)

    def take(self, now: float, n: float = 1) -> bool:
        """Take ``n`` tokens if the bucket holds them at ``now``; ``False`` (nothing taken) if not."""
        if n <= 0:
            raise ValueError(f"n must be > 0, got {n}")
        self._look(now)
        if now + SLACK_SECONDS < self._ready_time(n):
            return False
        if self.rate:
            self._mark = max(self._mark, now - self._taken / self.rate)
        self._taken += n
        return True

    def ready_at(self, now: float, n: float = 1) -> float:
        """The earliest time ``n`` tokens are available: ``now`` if they already are; ``inf`` if
        the bucket can never refill to ``n`` (no refill)."""
        if n <= 0:
            raise ValueError(f"n must be > 0, got {n}")
        if n > self.capacity + SLACK_SECONDS:
            raise ValueError(f"{n} tokens never fit a bucket of {self.capacity}")
        self._look(now)
        ready = self._ready_time(n)
        return now if now + SLACK_SECONDS >= ready else ready


Call = Sequence[tuple[TokenBucket, float]]
"""One call's needs: ``n`` tokens of each of these launch buckets (each bucket once, ``n`` at
most its capacity)."""


def serve_calls(
    call_bucket: TokenBucket,
    patterns: Sequence[Call],
    sequence: npt.ArrayLike,
    start: float,
) -> FloatArray:
    """When each call is served, first come first served from ``start``: call ``k`` needs one
    token of ``call_bucket`` and the tokens of ``patterns[sequence[k]]``, and takes them as soon
    as all are there. The buckets are left as those takes leave them.

    The result is what a process gets that, call by call, sleeps until the latest
    :meth:`TokenBucket.ready_at` (its clock then reads ``now + (ready − now)``), looks again,
    and takes — bit for bit. It is computed with arrays (:func:`_serve_arrays`) and, in the rare
    case that cannot be verified, by doing just that (:func:`serve_one_at_a_time`).
    """
    order = np.asarray(sequence, dtype=np.intp)
    fast = _serve_arrays(call_bucket, patterns, order, start)
    if fast is not None:
        return fast
    return serve_one_at_a_time(call_bucket, [patterns[i] for i in order.tolist()], start)


def serve_one_at_a_time(
    call_bucket: TokenBucket, calls: Sequence[Call], start: float
) -> FloatArray:
    """The reference for :func:`serve_calls`: each call, in turn, with the buckets' methods."""
    now, times = start, np.empty(len(calls))
    for k, call in enumerate(calls):
        while True:
            ready = call_bucket.ready_at(now)
            for bucket, n in call:
                ready = max(ready, bucket.ready_at(now, n))
            if ready <= now:
                break
            now = now + (ready - now)
        taken = call_bucket.take(now)
        for bucket, n in call:
            taken = bucket.take(now, n) and taken
        assert taken, "a bucket refused tokens its ready time promised"
        times[k] = now
    return times


def _serve_arrays(
    call_bucket: TokenBucket, patterns: Sequence[Call], order: npt.NDArray[np.intp], start: float
) -> FloatArray | None:
    """:func:`serve_calls` as array operations, or ``None`` if the result cannot be verified.

    Call ``k``'s tokens are ready at ``R_k``, the latest over its buckets of ``A + (P + n − C)
    / r``, where each bucket's ``P`` is a cumulative sum of the calls before and its mark ``A``
    a running maximum of ``s_j − P_j / r`` over the earlier calls' service times ``s_j``. The
    service times are ``s_k = s_{k−1}`` if the tokens are there (within the slack), else
    ``s_{k−1} + (R_k − s_{k−1})``. ``R_k`` depends only on earlier calls, so the times are the
    unique fixed point of "times → ready times → running maximum", found by iterating from
    ``start`` (a few rounds: each round settles at least one more call, and in practice one
    round settles them all). The fixed point is accepted only if the rounding rule above holds
    at every call; otherwise ``None``.
    """
    count = order.size
    if count == 0:
        return np.empty(0)
    buckets: list[TokenBucket] = [call_bucket]
    for pattern in patterns:
        for bucket, _ in pattern:
            if all(bucket is not known for known in buckets):
                buckets.append(bucket)
    if any(b.rate == 0 for b in buckets):
        return None
    needs = np.zeros((len(patterns), len(buckets)))
    needs[:, 0] = 1.0
    for p, pattern in enumerate(patterns):
        for bucket, tokens in pattern:
            needs[p, next(i for i, b in enumerate(buckets) if b is bucket)] += float(tokens)
    per_call = needs[order]  # (calls, buckets)
    states = [b.state for b in buckets]
    columns = []
    for i, bucket in enumerate(buckets):
        n = per_call[:, i]
        used = n > 0
        # Tokens taken before each call, and after the last: a running sum, as ``P += n``.
        before = np.cumsum(np.concatenate(([states[i].taken], n)))
        columns.append((bucket, n, used, before))

    times = np.full(count, float(start))
    for _ in range(_MAX_ROUNDS):
        ready = np.full(count, -math.inf)
        marks = []
        for (bucket, n, used, before), state in zip(columns, states, strict=True):
            candidate = np.where(used, times - before[:-1] / bucket.rate, -math.inf)
            mark = np.empty(count + 1)
            mark[0] = state.mark
            mark[1:] = candidate
            np.maximum.accumulate(mark, out=mark)
            marks.append(mark)
            due = mark[:-1] + (before[:-1] + n - bucket.capacity) / bucket.rate
            np.maximum(ready, np.where(used, due, -math.inf), out=ready)
        settled = np.maximum.accumulate(np.maximum(ready, start))
        if np.array_equal(settled, times):
            break
        times = settled
    else:
        return None
    previous = np.concatenate(([float(start)], times[:-1]))
    waits = previous + SLACK_SECONDS < ready
    expected = np.where(waits, previous + (ready - previous), previous)
    if not np.array_equal(expected, times) or np.any(times + SLACK_SECONDS < ready):
        return None
    for (bucket, _, used, before), state, mark in zip(columns, states, marks, strict=True):
        last_use = np.flatnonzero(used)
        last = float(times[last_use[-1]]) if last_use.size else state.last
        bucket.state = BucketState(float(mark[-1]), float(before[-1]), last)
    return times
