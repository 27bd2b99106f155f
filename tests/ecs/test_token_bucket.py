"""The closed-form token bucket (§5.1) and serving queued RunTask calls from it in bulk."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.ecs.token_bucket import TokenBucket, _serve_arrays, serve_calls

Call = tuple[tuple[TokenBucket, float], ...]


def _one_at_a_time(call_bucket: TokenBucket, calls: list[Call], start: float) -> list[float]:
    """The reference: the buckets' own methods, a clock that moves by ``now + (ready − now)``
    (what a SimPy process's timeout of ``ready − now`` does)."""
    now, times = start, []
    for call in calls:
        while True:
            ready = max([call_bucket.ready_at(now)] + [b.ready_at(now, n) for b, n in call])
            if ready <= now:
                break
            now = now + (ready - now)
        assert call_bucket.take(now)
        for bucket, n in call:
            assert bucket.take(now, n)
        times.append(now)
    return times


def _twins(
    specs: list[tuple[float, float]], used: list[tuple[float, float]]
) -> tuple[list[TokenBucket], list[TokenBucket]]:
    """Two identical sets of buckets (capacity, rate), each first used as ``used`` says (a take
    of ``n`` tokens at time ``t`` for the bucket of the same index)."""
    pairs = []
    for (capacity, rate), (t, n) in zip(specs, used, strict=True):
        twin = (TokenBucket(capacity, rate), TokenBucket(capacity, rate))
        for bucket in twin:
            if n > 0:
                assert bucket.take(t, n)
        pairs.append(twin)
    return [a for a, _ in pairs], [b for _, b in pairs]


def test_serve_calls_equals_the_bucket_methods_bit_for_bit() -> None:
    """Calls of 10, 7 and 3 tasks over two launch buckets (a third of a second between refills
    does not divide evenly), from a part-used state: same times, same bucket states, and the
    array path (not its fallback) gave them."""
    one, two = _twins([(20, 20), (100, 20), (50, 3)], [(0, 0), (0.0, 37.5), (0, 0)])
    sequence = np.tile([0, 1, 2], 40)

    def patterns(b: list[TokenBucket]) -> list[Call]:
        return [((b[1], 10),), ((b[1], 7), (b[2], 3)), ((b[2], 3),)]

    fast = _serve_arrays(one[0], patterns(one), sequence, 0.25)
    assert fast is not None
    slow = _one_at_a_time(two[0], [patterns(two)[i] for i in sequence], 0.25)
    assert fast.tolist() == slow
    assert [b.state for b in one] == [b.state for b in two]
    # The Spot bucket binds: 40·6 = 240 tokens, 50 at the start and 3 per second after
    # (on demand needs 680 = 62.5 + 20/s · 30.6 s).
    assert fast[-1] == pytest.approx(0.25 + (240 - 50) / 3, abs=1e-9)


def test_a_batch_of_full_calls_is_the_burst_then_the_sustained_rate() -> None:
    """§5.1 by hand: 100 calls of 10 tasks at t = 5 from fresh buckets (launches 100 + 20/s,
    calls 20/s burst and sustained). The first 10 calls take the 100-token burst at once; call
    k > 10 waits for 10·(k − 10) refilled tokens: 5 + (k − 10)/2 s."""
    calls, launches = TokenBucket(20, 20), TokenBucket(100, 20)
    times = serve_calls(calls, [((launches, 10.0),)], np.zeros(100, dtype=np.intp), 5.0)
    expected = [5.0] * 10 + [5.0 + (k - 10) / 2 for k in range(11, 101)]
    assert times.tolist() == pytest.approx(expected, abs=1e-9)


def test_when_calls_bind_it_is_the_call_rate() -> None:
    """Calls of one task: the launch bucket (100 + 20/s) and the call bucket (20 + 20/s) allow
    the same 20/s, but the call bucket's burst is 20: call k > 20 at (k − 20)/20 s."""
    calls, launches = TokenBucket(20, 20), TokenBucket(100, 20)
    times = serve_calls(calls, [((launches, 1.0),)], np.zeros(60, dtype=np.intp), 0.0)
    assert times.tolist() == pytest.approx([0.0] * 20 + [k / 20 for k in range(1, 41)], abs=1e-9)


def test_a_bucket_without_refill_falls_back_to_one_call_at_a_time() -> None:
    """A bucket that never refills has no closed form for its waits: the array path declines,
    and the result is still the one-at-a-time one (here, 3 calls fit and the 4th never would,
    so only 3 are asked)."""
    one, two = _twins([(20, 20), (30, 0)], [(0, 0), (0, 0)])
    sequence = np.zeros(3, dtype=np.intp)
    assert _serve_arrays(one[0], [((one[1], 10.0),)], sequence, 0.0) is None
    fast = serve_calls(one[0], [((one[1], 10.0),)], sequence, 0.0)
    assert fast.tolist() == _one_at_a_time(two[0], [((two[1], 10.0),)] * 3, 0.0)
    assert one[1].ready_at(0.0, 1) == math.inf


@settings(max_examples=150, deadline=None)
@given(
    call_rate=st.sampled_from([1.0, 3.0, 20.0]),
    launch=st.lists(
        st.tuples(st.integers(10, 120), st.sampled_from([0.5, 3.0, 7.0, 20.0])),
        min_size=1,
        max_size=3,
    ),
    used=st.lists(st.tuples(st.floats(0, 50), st.integers(0, 10)), min_size=3, max_size=3),
    shapes=st.lists(st.lists(st.integers(1, 10), min_size=1, max_size=3), min_size=1, max_size=4),
    picks=st.lists(st.integers(0, 3), min_size=1, max_size=120),
    delay=st.floats(0, 100),
)
def test_serve_calls_is_the_one_at_a_time_result(
    call_rate: float,
    launch: list[tuple[int, float]],
    used: list[tuple[float, int]],
    shapes: list[list[int]],
    picks: list[int],
    delay: float,
) -> None:
    """Any buckets, any earlier use, any mix of call shapes, any start: the same times and the
    same bucket states as serving the calls one at a time, to the bit."""
    specs = [(call_rate, call_rate), *((float(c), r) for c, r in launch)]
    history = [(0.0, 0)] + [(t, min(n, c)) for (t, n), (c, _) in zip(used, launch, strict=False)]
    history += [(0.0, 0)] * (len(specs) - len(history))
    one, two = _twins(specs, history)
    start = max(t for t, _ in history) + delay

    def patterns(b: list[TokenBucket]) -> list[Call]:
        return [
            tuple((b[1 + i], float(n)) for i, n in enumerate(shape[: len(b) - 1]))
            for shape in shapes
        ]

    sequence = np.array([p % len(shapes) for p in picks], dtype=np.intp)
    fast = serve_calls(one[0], patterns(one), sequence, start)
    slow = _one_at_a_time(two[0], [patterns(two)[i] for i in sequence], start)
    assert fast.tolist() == slow
    assert [b.state for b in one] == [b.state for b in two]


@settings(max_examples=100, deadline=None)
@given(
    capacity=st.integers(1, 50),
    rate=st.sampled_from([0.5, 1.0, 3.0, 20.0]),
    takes=st.lists(st.tuples(st.floats(0.0, 3.0), st.integers(1, 50)), min_size=1, max_size=60),
)
def test_closed_form_is_a_refilled_running_count(
    capacity: int, rate: float, takes: list[tuple[float, int]]
) -> None:
    """A second engine: the textbook bucket, a token count refilled by ``rate × elapsed`` and
    capped at every look. After any takes (each as soon as it can be made), both hold the same
    tokens and agree on when the next take can be made, up to rounding."""
    bucket = TokenBucket(capacity, rate)
    tokens, last, t = float(capacity), 0.0, 0.0
    for gap, want in takes:
        n = min(want, capacity)
        t = bucket.ready_at(t + gap, n)
        assert bucket.take(t, n)
        tokens = min(float(capacity), tokens + (t - last) * rate)
        last = t
        assert tokens >= n - 1e-6
        tokens -= n
        assert bucket.available(t) == pytest.approx(tokens, abs=1e-6)
    for later in (0.5, 5.0, 500.0):
        refilled = min(float(capacity), tokens + later * rate)
        assert bucket.available(t + later) == pytest.approx(refilled, abs=1e-6)


def test_never_more_than_a_full_bucket() -> None:
    """A bucket of 2 (§5.1's burst, made small): a fresh one grants at most 2 of 8 tokens, and
    a take of 3 fails even though it has never been used; after 2 are taken at t = 0, one
    token is back at 1/rate = 10 s."""
    bucket = TokenBucket(2, 0.1)
    assert bucket.whole_tokens(0.0, 8) == 2
    assert not bucket.take(0.0, 3)
    assert bucket.take(0.0, 2)
    assert bucket.whole_tokens(0.0, 8) == 0
    assert bucket.whole_tokens(9.9, 8) == 0
    assert bucket.whole_tokens(10.0, 8) == 1
    assert bucket.whole_tokens(1000.0, 8) == 2


def test_unsettled_fixed_point_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the fixed point has not settled within its rounds, the calls are served one at a
    time, with the same result (here: one round, which cannot settle a throttled batch)."""
    import fargasim.ecs.token_bucket as tb

    monkeypatch.setattr(tb, "_MAX_ROUNDS", 1)
    one, two = _twins([(20, 20), (100, 20)], [(0, 0), (0, 0)])
    sequence = np.zeros(30, dtype=np.intp)
    assert tb._serve_arrays(one[0], [((one[1], 10.0),)], sequence, 0.0) is None
    fast = serve_calls(one[0], [((one[1], 10.0),)], sequence, 0.0)
    assert fast.tolist() == _one_at_a_time(two[0], [((two[1], 10.0),)] * 30, 0.0)
    assert [b.state for b in one] == [b.state for b in two]
