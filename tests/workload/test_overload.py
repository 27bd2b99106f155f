"""The overload backlogs of open queues (:mod:`fargasim.workload.overload`): the work tails, the
time steps cut at task joins, work conservation, the backlog staying in the tasks that took it,
processor sharing letting short requests through, draws held across windows with their weights,
and first-in-first-out waits per task. Agreement with the exact engine: the "flash crowd" case of
``test_engine_agreement.py``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fargasim.scenario.schema import Distribution, WorkloadSpec
from fargasim.workload import overload
from fargasim.workload.latency import LatencyModel, TickLatencies
from fargasim.workload.overload import TaskBacklogs, WorkTail, split_ticks


@pytest.mark.parametrize(
    "dist",
    [
        {"distribution": "exponential", "mean": 0.02},
        {"distribution": "lognormal", "mean": 0.02, "cv": 1.0},
        {"distribution": "lognormal", "mean": 0.02, "cv": 3.0},
        {"distribution": "constant", "mean": 0.02},
    ],
)
def test_work_tail_against_a_sample(dist: dict[str, Any]) -> None:
    """``E[min(X, y)]`` and ``P(X > y)`` against 10⁶ draws; 0 and the mean at the ends."""
    d = Distribution.model_validate(dist)
    tail = WorkTail(d)
    x = np.sort(
        np.random.default_rng(1).exponential(0.02, 10**6)
        if d.distribution == "exponential"
        else np.random.default_rng(1).lognormal(*_params(d), 10**6)
        if d.distribution == "lognormal"
        else np.full(10**6, 0.02)
    )
    y = np.array([0.0, 0.005, 0.02, 0.05, 0.2, np.inf])
    below, above = tail(y)
    want_below = np.array([np.minimum(x, v).mean() for v in y])
    want_above = np.array([(x > v).mean() for v in y])
    np.testing.assert_allclose(
        below, want_below, rtol=0.01 if dist.get("cv", 1) < 3 else 0.03, atol=1e-12
    )
    np.testing.assert_allclose(above, want_above, atol=0.002)
    assert below[0] < 1e-12 and below[-1] == pytest.approx(0.02) and above[-1] == 0.0


def _params(d: Distribution) -> tuple[float, float]:
    from fargasim.core.distributions import lognormal_params

    return lognormal_params(d.mean, d.cv)


def test_split_ticks_at_the_mean_keeping_step() -> None:
    """1 → 2 tasks with a mean of 1.46: the second task joins at 0.54 s; serving starting at
    0.5 s with two tasks (mean 1): one serving piece of 0.5 s, where every arrival is placed."""
    levels = np.array([1.0, 2.0, 2.0, 0.0, 2.0])
    pieces = split_ticks(levels, np.array([1.46, 2.0, 1.0, 1.0]), np.ones(4))
    assert pieces.tick.tolist() == [0, 0, 1, 2, 2, 3, 3]
    np.testing.assert_allclose(pieces.length, [0.54, 0.46, 1.0, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(pieces.tasks, [1.0, 2.0, 2.0, 2.0, 0.0, 0.0, 2.0])
    piece, at = pieces.place(np.array([0, 0, 2, 3]), np.array([0.27, 0.77, 0.5, 0.25]))
    assert piece.tolist() == [0, 1, 3, 6]
    np.testing.assert_allclose(at, [0.5, 0.5, 0.5, 0.25])


def shared(mean: float = 0.02, cv: float = 1.0, pooled: bool = False) -> TaskBacklogs:
    work = Distribution(distribution="lognormal", mean=mean, cv=cv)
    return TaskBacklogs(True, 1.0, work, pooled, np.random.default_rng(3))


def test_processor_sharing_backlog_conserves_work() -> None:
    """One 1-vCPU task at twice its capacity (100 requests/s of 20 ms) for 10 s holds 10 s of
    work; at a quarter of it the backlog drains at 0.75 vCPU-s/s and clears in the 14th second."""
    backlogs = shared()
    backlogs.advance(np.full(10, 100.0), np.ones(10), np.ones(10))
    assert backlogs.total() == pytest.approx(10.0, rel=1e-6)
    trace = backlogs.advance(np.full(20, 12.5), np.ones(20), np.ones(20))
    assert trace is not None
    assert np.isinf(trace.v_end[0]).tolist().index(True) == 13
    assert (
        backlogs.total() == 0.0
        and backlogs.advance(np.full(3, 12.5), np.ones(3), np.ones(3)) is None
    )


def test_backlog_stays_with_the_task_that_took_it() -> None:
    """One task takes 145 requests/s (2.9 vCPU-s/s) for 2 s, then nine more join at 29 each:
    the first drains its 3.8 vCPU-s at 1 − 0.58 = 0.42 a second (in the 10th second), the
    others get none of it (a pooled backlog, as for join-the-shortest-queue, is gone at once)."""
    for pooled, seconds in ((False, 10), (True, 1)):
        backlogs = shared(pooled=pooled)
        backlogs.advance(np.full(2, 145.0), np.ones(2), np.ones(2))
        assert backlogs.total() == pytest.approx(3.8, rel=1e-6)
        trace = backlogs.advance(np.full(20, 290.0), np.full(20, 10.0), np.ones(20))
        assert trace is not None
        cleared = np.isinf(trace.v_end).any(axis=0)
        assert int(np.argmax(cleared)) == seconds - 1
        if not pooled:
            np.testing.assert_allclose(trace.share[:, 0], 0.1)  # the draws that meet it


def test_short_requests_pass_the_backlog_long_ones_stay() -> None:
    """Processor sharing: in a task holding 600 requests (12 s of work: a FIFO wait for both), a
    2-ms request takes about 600 × 2 ms, a 200-ms one longer than the backlog's work."""
    backlogs = shared()
    ones = np.ones(60)
    rate = np.concatenate((np.full(4, 200.0), np.full(56, 20.0)))
    trace = backlogs.advance(rate, ones, ones)
    work = np.array([0.002, 0.2])
    tick = np.array([4, 4])
    pieces = split_ticks(None, ones, ones)
    latency, weights, done = backlogs.apply(
        trace, work.copy(), work, np.ones(2, dtype=np.int64), tick, pieces, np.arange(60.0)
    )
    assert weights.tolist() == [1, 1] and backlogs.pending == 0
    short, long = latency[np.argsort(done)]
    assert 1.2 < short < 1.5 and long > 15.0


def model(**workload: Any) -> LatencyModel:
    doc: dict[str, Any] = {
        "service": "web",
        "arrivals": {"pattern": "poisson", "rps": 100.0},
        "request": {"cpuSeconds": {"distribution": "lognormal", "mean": 0.02, "cv": 1.0}},
    }
    doc.update(workload)
    return LatencyModel(WorkloadSpec.model_validate(doc), 1.0, np.random.default_rng(5))


def windows(m: LatencyModel, rates: np.ndarray, tasks: np.ndarray, size: int) -> list[Any]:
    """Draw 1-s ticks (one draw per request) in windows of ``size`` ticks."""
    counts = np.random.default_rng(2).poisson(rates).astype(np.int64)
    out = []
    for i in range(0, rates.size, size):
        sl = slice(i, i + size)
        n = counts[sl].size
        out.append(m.draw(counts[sl], rates[sl], tasks[sl], np.ones(n)))
    return out


def test_held_draws_complete_in_later_windows_with_their_weights() -> None:
    """A start-up overload (one task at 300 requests/s for 3 s, then ten): the draws of the
    overloaded requests are held and come out in later windows, in the ticks their requests
    complete in; every served request's weight comes out once."""
    rates = np.full(120, 300.0)
    tasks = np.concatenate((np.ones(3), np.full(117, 10.0)))
    m = model()
    out: list[TickLatencies] = windows(m, rates, tasks, 10)
    served = sum(int(o.completed.sum()) for o in out)
    assert sum(int(o.weights.sum()) for o in out) == served
    assert m.overload is not None and m.overload.pending == 0
    late = [o.latencies[o.ticks >= 5].max() for o in out[1:3]]
    assert max(late) > 5.0  # the first task's long requests, completing seconds later
    # The same in one window: the same weights, and latencies of the same size.
    whole = windows(model(), rates, tasks, 120)[0]
    assert int(whole.weights.sum()) == served
    both = np.concatenate([o.latencies for o in out])
    assert np.mean(both) == pytest.approx(np.mean(whole.latencies), rel=0.1)


def test_held_draws_are_thinned_keeping_their_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    """An overload that never ends holds at most MAX_PENDING draws, whose weights still count
    every request not yet complete."""
    monkeypatch.setattr(overload, "MAX_PENDING", 500)
    m = model()
    out = windows(m, np.full(60, 80.0), np.ones(60), 20)
    assert m.overload is not None
    assert m.overload.pending <= 500
    served = sum(int(o.completed.sum()) for o in out)
    assert sum(int(o.weights.sum()) for o in out) + int(m.overload.p_weight.sum()) == served


def test_fifo_waits_for_its_own_tasks_backlog() -> None:
    """Single-worker tasks (FIFO, 50 requests/s each): one takes 100/s for 4 s (200 requests
    ahead at the end), then four more join at 20/s each: a request of the first task waits
    ~(200 − 30·t)/50 s, the others' requests nothing more than the steady state."""
    m = model(workersPerTask=1)
    rates = np.full(12, 100.0)
    tasks = np.concatenate((np.ones(4), np.full(8, 5.0)))
    out = windows(m, rates, tasks, 12)[0]
    assert m.overload is not None and not m.overload.shared
    after = out.latencies[out.ticks == 5]  # 200 − 30·1.5 = 155 requests ahead: 3.1 s
    waited = after > 1.0
    assert waited.mean() == pytest.approx(0.2, abs=0.1)
    assert np.median(after[waited]) == pytest.approx(3.1, rel=0.1)
