"""ALB target health of one target group (reference §9).

§9 rules quoted in each test. Unless a test says otherwise: health-check interval 10 s, healthy
threshold 3, unhealthy threshold 2, so a target registered at r is checked at r, r+10, r+20, …
Expected times are derived by hand in the comments.

Same-instant rule under test (module docstring): a condition change made at a check instant in
the STATE phase is seen by that check.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from itertools import pairwise
from typing import Any

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.core import Context, Phase
from fargasim.elb.settings import TargetGroupSettings
from fargasim.elb.targets import SLOW_START_STEPS, TargetGroup, TargetHealth

H = TargetHealth
END = 100_000.0


class Harness:
    """A target group on a bare Context; records every on_change and on_weight call."""

    def __init__(self, **overrides: Any) -> None:
        values: dict[str, Any] = {
            "name": "tg",
            "interval": 10,
            "healthy_threshold": 3,
            "unhealthy_threshold": 2,
        }
        values.update(overrides)
        self.ctx = Context(seed=0, end_time=END)
        self.tg = TargetGroup(self.ctx, TargetGroupSettings(**values), self._change, self._weight)
        self.log: list[tuple[float, str, TargetHealth, TargetHealth]] = []
        self.weight_calls: list[float] = []
        self.samples: list[tuple[float, float]] = []  # (time, routable) after each callback

    def _change(self, key: str, old: TargetHealth, new: TargetHealth) -> None:
        self.log.append((self.ctx.now, key, old, new))
        self.samples.append((self.ctx.now, self.tg.routable(self.ctx.now)))

    def _weight(self) -> None:
        self.weight_calls.append(self.ctx.now)
        self.samples.append((self.ctx.now, self.tg.routable(self.ctx.now)))

    def at(self, when: float, action: Callable[[], None], phase: Phase = Phase.STATE) -> None:
        """Run ``action`` at ``when`` in ``phase``."""

        def process() -> Generator[simpy.Event, Any, None]:
            yield self.ctx.timeout(when - self.ctx.now, phase)
            action()

        self.ctx.process(process())

    def register(self, when: float, key: str, ready_at: float | None = None) -> None:
        self.at(when, lambda: self.tg.register(key))
        if ready_at is not None:
            self.at(ready_at, lambda: self.tg.set_ready(key, True))

    def run(self, until: float) -> None:
        self.ctx.env.run(until=until)

    def changes(self, key: str) -> list[tuple[float, TargetHealth]]:
        """(time, new state) of the target's transitions after registration."""
        return [(t, new) for t, k, old, new in self.log if k == key and old is not H.UNUSED]


# ---------------------------------------------------------------------------------------------
# Health checks


def test_new_target_needs_one_passing_check() -> None:
    """§9: "After your target is registered, it must pass one health check to be considered
    healthy"; "only one successful health check is required regardless of the healthy threshold
    count"."""
    h = Harness(healthy_threshold=5)
    # a: ready at registration → the check at 0 passes → healthy at 0.
    h.register(0, "a", ready_at=0)
    # b: registered at 0, ready at 5 → check 0 fails (streak 1 < 2), check 10 passes → healthy
    # at 10, although the healthy threshold is 5.
    h.register(0, "b", ready_at=5)
    h.run(100)
    assert h.changes("a") == [(0.0, H.HEALTHY)]
    assert h.changes("b") == [(10.0, H.HEALTHY)]
    assert h.log[0] == (0.0, "a", H.UNUSED, H.INITIAL)  # registration is reported too


def test_initial_target_becomes_unhealthy_after_unhealthy_threshold() -> None:
    """§9 table: UnhealthyThresholdCount, default 2: a new target that never answers fails the
    checks at 0 and 10 → unhealthy at 10; with threshold 4 → checks 0, 10, 20, 30 → at 30."""
    h = Harness()
    h.register(0, "a")
    h.run(200)
    assert h.changes("a") == [(10.0, H.UNHEALTHY)]
    assert h.tg.reason("a") == "Health checks failed"

    h4 = Harness(unhealthy_threshold=4)
    h4.register(7, "a")  # checks at 7, 17, 27, 37 → unhealthy at 37
    h4.run(200)
    assert h4.changes("a") == [(37.0, H.UNHEALTHY)]


def test_unhealthy_then_recovery_needs_healthy_threshold() -> None:
    """§9: "the healthy threshold count only applies when a target recovers from unhealthy".
    Registered at 0, app ready at 12: checks 0 (fail), 10 (fail) → unhealthy at 10; then
    passes at 20, 30, 40 → healthy at 40 (healthy threshold 3)."""
    h = Harness()
    h.register(0, "a", ready_at=12)
    h.run(200)
    assert h.changes("a") == [(10.0, H.UNHEALTHY), (40.0, H.HEALTHY)]
    assert h.tg.reason("a") == ""


def test_healthy_target_becomes_unhealthy_after_unhealthy_threshold() -> None:
    """§9 (health-check settings): the target is taken out of service after
    UnhealthyThresholdCount consecutive failures. Healthy at 0; forced to fail at 25 → checks 30,
    40 fail → unhealthy at 40. Its app stops answering again after recovery: fail cleared at 45
    → passes 50, 60, 70 → healthy at 70; app not ready at 71 → fails 80, 90 → unhealthy at 90."""
    h = Harness()
    h.register(0, "a", ready_at=0)
    h.at(25, lambda: h.tg.set_failing("a", True))
    h.at(45, lambda: h.tg.set_failing("a", False))
    h.at(71, lambda: h.tg.set_ready("a", False))
    h.run(200)
    assert h.changes("a") == [
        (0.0, H.HEALTHY),
        (40.0, H.UNHEALTHY),
        (70.0, H.HEALTHY),
        (90.0, H.UNHEALTHY),
    ]


def test_condition_change_mid_streak_resets_the_streak() -> None:
    """§9: thresholds count *consecutive* checks. Unhealthy at 10 (never ready before 12);
    ready at 12 → passes at 20, 30; forced failing at 35 → check 40 fails (pass streak reset);
    cleared at 45 → passes 50, 60, 70 → healthy at 70, not at 40.
    Then unhealthy threshold 2 from healthy: failing at 75 → 80 fails; cleared at 85 → 90 passes
    (failure streak reset); failing at 95 → 100, 110 fail → unhealthy at 110."""
    h = Harness()
    h.register(0, "a", ready_at=12)
    for when, failing in [(35, True), (45, False), (75, True), (85, False), (95, True)]:
        h.at(when, partial(h.tg.set_failing, "a", failing))
    h.run(300)
    assert h.changes("a") == [(10.0, H.UNHEALTHY), (70.0, H.HEALTHY), (110.0, H.UNHEALTHY)]


def test_failing_while_not_ready_changes_nothing() -> None:
    """A check passes iff the target answers (ready and not forced to fail): toggling the fault
    of a target that is not ready does not touch its failure streak. Checks 0, 10 fail →
    unhealthy at 10 whatever the fault does at 3 and 7."""
    h = Harness()
    h.register(0, "a")
    h.at(3, lambda: h.tg.set_failing("a", True))
    h.at(7, lambda: h.tg.set_failing("a", False))
    h.run(100)
    assert h.changes("a") == [(10.0, H.UNHEALTHY)]


@pytest.mark.parametrize("setter_first", [True, False])
def test_change_exactly_at_a_check_instant_is_seen_by_that_check(setter_first: bool) -> None:
    """Module rule: a STATE-phase condition change at a check instant happens before the check,
    whatever the scheduling order. Registered at 0 (check 0 fails); ready at exactly 10 → the
    check at 10 passes → healthy at 10 (§9: one passing check), never unhealthy, although the
    check at 10 would have been the 2nd failure."""
    h = Harness()
    if setter_first:  # the setter's event is scheduled before the planned transition
        h.at(10, lambda: h.tg.set_ready("a", True))
        h.register(0, "a")
    else:
        h.register(0, "a")
        h.at(5, lambda: h.at(10, lambda: h.tg.set_ready("a", True)))
    h.run(100)
    assert h.changes("a") == [(10.0, H.HEALTHY)]


def test_registration_and_readiness_at_the_same_instant() -> None:
    """The first check is at registration and sees a set_ready made right after register()."""
    h = Harness()

    def register_ready() -> None:
        h.tg.register("a")
        h.tg.set_ready("a", True)

    h.at(4, register_ready)
    h.run(100)
    assert h.changes("a") == [(4.0, H.HEALTHY)]


def test_change_in_a_later_phase_after_a_transition_applies_from_the_next_check() -> None:
    """Module rule: a change made at a check instant after the STATE phase counts after that
    check if the check caused a transition. Checks 0, 10 fail → unhealthy at 10; ready at 10 in
    the SCHEDULER phase → 10 stays a failure; passes 20, 30, 40 → healthy at 40. (In the STATE
    phase the same change gives healthy at 10: the previous test.)"""
    h = Harness()
    h.register(0, "a")
    h.at(10, lambda: h.tg.set_ready("a", True), Phase.SCHEDULER)
    h.run(100)
    assert h.changes("a") == [(10.0, H.UNHEALTHY), (40.0, H.HEALTHY)]


def test_healthy_target_costs_no_events() -> None:
    """No event per health check: once healthy and answering, nothing more is scheduled. Per
    target: 2 driver processes (start, timeout, end: 3 events each), the plan made at
    registration (unhealthy at 10, made stale by set_ready) and the healthy transition at 0 →
    8 events; then the queue is empty for ever (a process per check would never drain it)."""
    h = Harness()
    for i in range(50):
        h.register(0, f"t{i}", ready_at=0)
    env = h.ctx.env
    steps = 0
    while env.peek() < float("inf"):
        env.step()
        steps += 1
    assert steps == 8 * 50
    assert h.tg.healthy_count() == 50 and env.now == 10.0


# ---------------------------------------------------------------------------------------------
# Draining


def test_deregistration_delay_default_300_then_unused() -> None:
    """§9: deregistration delay "The default value is 300 seconds"; "The initial state of a
    deregistering target is draining"; ECS waits for "the UNUSED state". Healthy at 0,
    deregistered at 50 → draining 50 … 350 → unused at 350, then forgotten. Health checks stop:
    its app failing at 60 changes nothing."""
    h = Harness(deregistration_delay=300)
    h.register(0, "a", ready_at=0)
    h.at(50, lambda: h.tg.deregister("a"))
    h.at(60, lambda: h.tg.set_ready("a", False))
    h.run(349)
    assert h.tg.state("a") is H.DRAINING and h.tg.count(H.DRAINING) == 1
    assert h.tg.reason("a") == "Target deregistration is in progress"
    h.run(1000)
    assert h.changes("a") == [(0.0, H.HEALTHY), (50.0, H.DRAINING), (350.0, H.UNUSED)]
    assert h.tg.state("a") is H.UNUSED and h.tg.keys() == []
    assert h.tg.count(H.DRAINING) == 0 and h.tg.count(H.HEALTHY) == 0


def test_deregistration_delay_from_settings_is_the_default() -> None:
    """§9 deregistration_delay.timeout_seconds: the configured value (here 20) is the drain."""
    h = Harness(deregistration_delay=20)
    h.register(0, "a", ready_at=0)
    h.at(5, lambda: h.tg.deregister("a"))
    h.run(100)
    assert h.changes("a") == [(0.0, H.HEALTHY), (5.0, H.DRAINING), (25.0, H.UNUSED)]


def test_drain_override_and_shortening() -> None:
    """§9: "If a deregistering target has no in-flight requests and no active connections,
    Elastic Load Balancing immediately completes the deregistration process": the caller may
    pass a shorter drain. a: deregistered at 50 with 5 s → unused at 55. b: deregistered at 50
    (300 s), re-deregistered at 60 with 0 s → unused at 60; a longer re-deregistration (c, at 60
    with 1000 s) does not lengthen the drain → unused at 350."""
    h = Harness()
    for key in "abc":
        h.register(0, key, ready_at=0)
    h.at(50, lambda: h.tg.deregister("a", drain_seconds=5))
    h.at(50, lambda: h.tg.deregister("b"))
    h.at(60, lambda: h.tg.deregister("b", drain_seconds=0))
    h.at(50, lambda: h.tg.deregister("c"))
    h.at(60, lambda: h.tg.deregister("c", drain_seconds=1000))
    h.run(2000)
    assert h.changes("a")[1:] == [(50.0, H.DRAINING), (55.0, H.UNUSED)]
    assert h.changes("b")[1:] == [(50.0, H.DRAINING), (60.0, H.UNUSED)]
    assert h.changes("c")[1:] == [(50.0, H.DRAINING), (350.0, H.UNUSED)]


def test_initial_target_deregistered_also_drains() -> None:
    """ALB drains a target deregistered in the initial state too; its planned transition
    (unhealthy at 10) is cancelled. Deregistered at 5 with 30 s → draining 5 … 35."""
    h = Harness()
    h.register(0, "a")
    h.at(5, lambda: h.tg.deregister("a", drain_seconds=30))
    h.run(100)
    assert h.changes("a") == [(5.0, H.DRAINING), (35.0, H.UNUSED)]


def test_deregister_at_a_check_instant_skips_that_check() -> None:
    """A deregistration at a check instant (STATE phase) comes before the check: registered at 0
    never ready, deregistered at 10 → no unhealthy transition at 10."""
    h = Harness()
    h.register(0, "a")
    h.at(10, lambda: h.tg.deregister("a", drain_seconds=1))
    h.run(100)
    assert h.changes("a") == [(10.0, H.DRAINING), (11.0, H.UNUSED)]


def test_remove_drops_a_target_at_once() -> None:
    """remove() (task killed) forgets the target now and reports it unused; a second remove and a
    remove of a draining target's pending drain end are no-ops."""
    h = Harness()
    h.register(0, "a", ready_at=0)
    h.register(0, "b", ready_at=0)
    h.at(20, lambda: h.tg.remove("a"))
    h.at(21, lambda: h.tg.remove("a"))
    h.at(30, lambda: h.tg.deregister("b"))
    h.at(40, lambda: h.tg.remove("b"))
    h.run(1000)
    assert h.changes("a") == [(0.0, H.HEALTHY), (20.0, H.UNUSED)]
    assert h.changes("b") == [(0.0, H.HEALTHY), (30.0, H.DRAINING), (40.0, H.UNUSED)]
    assert h.tg.keys() == [] and all(h.tg.count(s) == 0 for s in H)


def test_draining_targets_get_no_traffic() -> None:
    """§9: "The initial state of a deregistering target is draining" — the load balancer stops
    routing new requests to it. Three healthy targets; one draining from 10 → weight 0, total
    healthy weight 2."""
    h = Harness()
    for key in "abc":
        h.register(0, key, ready_at=0)
    h.at(10, lambda: h.tg.deregister("c"))
    h.run(11)
    assert h.tg.weight("c", 11) == 0.0 and h.tg.weight("a", 11) == 1.0
    assert h.tg.total_weight(11) == 2.0 and h.tg.routable(11) == 2.0
    assert h.tg.healthy_count() == 2 and h.tg.count(H.DRAINING) == 1


def test_register_errors_and_unknown_keys() -> None:
    h = Harness()
    h.tg.register("a")
    with pytest.raises(ValueError):
        h.tg.register("a")
    with pytest.raises(KeyError):
        h.tg.set_ready("zz", True)
    with pytest.raises(KeyError):
        h.tg.deregister("zz")
    assert h.tg.state("zz") is H.UNUSED
    assert h.tg.reason("zz") == "Target is not registered to the target group"
    assert h.tg.reason("a") == "Initial health checks in progress"


# ---------------------------------------------------------------------------------------------
# Slow start


def test_slow_start_staircase_weights_and_exact_integral() -> None:
    """§9 slow start: "a linearly increasing share of the traffic" over
    slow_start.duration_seconds. S = 100. a healthy at 0 (alone: no slow start); b registered at
    50, ready → healthy at 50 → slow start on [50, 150). Staircase: weight (i + ½)/10 on
    [50 + 10i, 60 + 10i); on_weight at 60, 70, …, 150; weight 1 from 150. Integral of b's weight
    over [50, 150] = Σ 10·(i + ½)/10 = 50 = the ramp's integral S/2."""
    h = Harness(slow_start=100)
    h.register(0, "a", ready_at=0)
    h.register(50, "b", ready_at=50)
    h.run(55)
    assert h.changes("b") == [(50.0, H.HEALTHY)]
    assert not h.tg.in_slow_start("a") and h.tg.in_slow_start("b")
    for i in range(SLOW_START_STEPS):
        start = 50.0 + 10 * i
        assert h.tg.weight("b", start) == pytest.approx((i + 0.5) / 10)
        assert h.tg.weight("b", start + 9.999) == pytest.approx((i + 0.5) / 10)
    h.run(1000)
    assert h.weight_calls == [50.0 + 10 * i for i in range(1, SLOW_START_STEPS + 1)]
    assert h.tg.weight("b", 150) == 1.0 and h.tg.weight("a", 60) == 1.0
    assert not h.tg.in_slow_start("b")
    # The step function a caller refreshes from on_change / on_weight: (time, routable).
    steps = [(t, w) for t, w in h.samples if t >= 50]
    integral = sum((t1 - t0) * w0 for (t0, w0), (t1, _) in pairwise(steps) if t1 <= 150)
    # a contributes 1 × 100, b its staircase: 50.
    assert integral == pytest.approx(100 + 50, abs=1e-9)
    assert dict(steps)[50.0] == pytest.approx(1.05)  # the last sample at 50
    assert steps[-1] == (150.0, 2.0)


def test_targets_ramping_together_serve_like_full_targets_once_alone() -> None:
    """§9 slow start splits traffic "a linearly increasing share" by weight, so with the ALB
    sending all traffic to the healthy targets, what limits a fluid pool is the busiest target
    per unit of capacity: routable = Σw / max w. a healthy at 0 (no slow start); b and c healthy
    at 50 together, both ramp on [50, 150). While a is healthy: routable = 1 + 2 × 0.05 = 1.1 on
    [50, 60). a deregistered at 55 (drain 0): b and c alone, equal weights → routable = 2, as two
    full targets: each gets half the traffic, whatever their weight."""
    h = Harness(slow_start=100)
    h.register(0, "a", ready_at=0)
    h.register(50, "b", ready_at=50)
    h.register(50, "c", ready_at=50)
    h.run(52)
    assert h.tg.in_slow_start("b") and h.tg.in_slow_start("c")
    assert h.tg.routable(52) == pytest.approx(1.1)
    h.at(55, lambda: h.tg.deregister("a", drain_seconds=0))
    h.run(56)
    assert h.tg.routable(56) == pytest.approx(2.0)
    assert h.tg.routable(95) == pytest.approx(2.0)


def test_no_slow_start_without_another_healthy_target() -> None:
    """ALB User Guide (slow start considerations): "Newly registered targets enter slow start
    mode only when there is at least one healthy target that is not in slow start mode", and
    targets registered together into an empty group "do not enter slow start mode".
    a, b healthy together at 0 → neither slow-starts. c healthy at 100 → slow start (a, b
    settled) till 200. a, b deregistered at 110; d healthy at 120: the only healthy target, c,
    is in slow start → d gets none."""
    h = Harness(slow_start=100)
    h.register(0, "a", ready_at=0)
    h.register(0, "b", ready_at=0)
    h.register(100, "c", ready_at=100)
    h.at(110, lambda: h.tg.deregister("a"))
    h.at(110, lambda: h.tg.deregister("b"))
    h.register(120, "d", ready_at=120)
    h.run(100.5)
    assert not h.tg.in_slow_start("a") and not h.tg.in_slow_start("b")
    assert h.tg.in_slow_start("c") and h.tg.total_weight(100.5) == pytest.approx(2.05)
    h.run(121)
    assert h.tg.in_slow_start("c") and not h.tg.in_slow_start("d")
    assert h.tg.weight("d", 121) == 1.0
    assert h.tg.weight("c", 121) == pytest.approx(0.25)  # step 2 of [100, 200)


def test_slow_start_exits_when_unhealthy_and_restarts() -> None:
    """ALB User Guide: "If a target in slow start mode becomes unhealthy, the target exits slow
    start mode. When the target becomes healthy, it enters slow start mode again." S = 100.
    a settled at 0. b healthy at 10 → ramp from 10. b forced to fail at 25 → fails 30, 40 →
    unhealthy at 40 (weight 0, ramp cancelled: no on_weight after 40 until the new ramp). Cleared
    at 45 → passes 50, 60, 70 → healthy at 70 → new ramp [70, 170)."""
    h = Harness(slow_start=100)
    h.register(0, "a", ready_at=0)
    h.register(10, "b", ready_at=10)
    h.at(25, lambda: h.tg.set_failing("b", True))
    h.at(45, lambda: h.tg.set_failing("b", False))
    h.run(1000)
    assert h.changes("b") == [(10.0, H.HEALTHY), (40.0, H.UNHEALTHY), (70.0, H.HEALTHY)]
    assert h.weight_calls == [20.0, 30.0, 40.0] + [70.0 + 10 * i for i in range(1, 11)]


def test_slow_start_off_by_default() -> None:
    """§9: slow_start.duration_seconds "default is 0 seconds (disabled)"."""
    h = Harness()
    h.register(0, "a", ready_at=0)
    h.register(50, "b", ready_at=50)
    h.run(51)
    assert h.tg.weight("b", 51) == 1.0 and h.weight_calls == []


# ---------------------------------------------------------------------------------------------
# Fail open


def test_fail_open_routes_to_answering_targets_when_none_is_healthy() -> None:
    """§9: "If a target group contains only unhealthy registered targets, the load balancer
    routes requests to all those targets, regardless of their health status" (fails open).
    a, b never ready → unhealthy at 10: routable 0 (nobody answers). a ready at 15: still
    unhealthy (passes 20, 30, 40 → healthy at 40) but answers → routable 1 from 15 (fail open).
    From 40 a is healthy: routable = healthy weight 1; b ready at 41 gets no traffic until
    healthy at 70 (passes 50, 60, 70) → routable 2. A draining answering target never counts."""
    h = Harness()
    h.register(0, "a")
    h.register(0, "b")
    h.register(0, "c", ready_at=0)
    h.at(1, lambda: h.tg.deregister("c"))
    h.at(15, lambda: h.tg.set_ready("a", True))
    h.at(41, lambda: h.tg.set_ready("b", True))
    h.run(12)
    assert h.tg.count(H.UNHEALTHY) == 2 and h.tg.routable(12) == 0.0
    h.run(16)
    assert h.tg.healthy_count() == 0 and h.tg.routable(16) == 1.0
    h.run(45)
    assert h.tg.state("a") is H.HEALTHY and h.tg.routable(45) == 1.0
    h.run(71)
    assert h.changes("b") == [(10.0, H.UNHEALTHY), (70.0, H.HEALTHY)]
    assert h.tg.routable(71) == 2.0


def test_initial_targets_get_no_traffic_even_when_none_is_healthy() -> None:
    """§9: ALB "routes requests only to the healthy targets"; it fails open only when the group
    "contains only unhealthy registered targets". A target in the initial state whose app became
    ready between checks (registered 0, ready 3, next check at 10) gets no traffic before its
    first passing check at 10."""
    h = Harness()
    h.register(0, "a", ready_at=3)
    h.run(5)
    assert h.tg.state("a") is H.INITIAL and h.tg.routable(5) == 0.0
    h.run(11)
    assert h.tg.state("a") is H.HEALTHY and h.tg.routable(11) == 1.0


def test_fail_open_counts_the_unhealthy_targets_that_answer() -> None:
    """§9 fail open: with no healthy target, traffic goes to every unhealthy target; the capacity
    that serves it is the unhealthy targets whose app answers. Interval 10, unhealthy threshold 2
    (defaults of the harness): "a" and "b" fail checks at 0 and 10 → unhealthy at 10; "b"'s app
    answers from 12 but it needs the healthy threshold of passes to recover, so between 12 and its
    recovery both are unhealthy and only "b" answers: routable 1."""
    h = Harness()
    h.register(0, "a")
    h.register(0, "b", ready_at=12)
    h.run(11)
    assert h.tg.state("a") is H.UNHEALTHY and h.tg.state("b") is H.UNHEALTHY
    assert h.tg.routable(11) == 0.0
    h.run(13)
    assert h.tg.state("b") is H.UNHEALTHY and h.tg.routable(13) == 1.0


# ---------------------------------------------------------------------------------------------
# Property: the event-driven model equals a check-by-check simulation


def oracle(
    registered_at: float,
    interval: float,
    healthy_threshold: int,
    unhealthy_threshold: int,
    toggles: list[tuple[float, str, bool]],
    deregister_at: float | None,
    drain: float,
    end: float,
) -> list[tuple[float, TargetHealth]]:
    """Brute force: evaluate every check time in a loop. A check at t sees every toggle at a
    time ≤ t; a deregistration at a time ≤ t stops the checks."""
    state = H.INITIAL
    ready = failing = False
    passes = failures = 0
    log: list[tuple[float, TargetHealth]] = []
    i = 0
    k = 0
    while True:
        t = registered_at + k * interval
        if t >= end or (deregister_at is not None and deregister_at <= t):
            break
        while i < len(toggles) and toggles[i][0] <= t:
            _, what, value = toggles[i]
            if what == "ready":
                ready = value
            else:
                failing = value
            i += 1
        if ready and not failing:
            passes, failures = passes + 1, 0
        else:
            passes, failures = 0, failures + 1
        new = state
        if state is H.INITIAL and passes >= 1:
            new = H.HEALTHY
        elif state in (H.INITIAL, H.HEALTHY) and failures >= unhealthy_threshold:
            new = H.UNHEALTHY
        elif state is H.UNHEALTHY and passes >= healthy_threshold:
            new = H.HEALTHY
        if new is not state:
            log.append((t, new))
            state = new
        k += 1
    if deregister_at is not None and deregister_at < end:
        log.append((deregister_at, H.DRAINING))
        if deregister_at + drain < end:
            log.append((deregister_at + drain, H.UNUSED))
    return log


half_seconds = st.integers(min_value=0, max_value=800).map(lambda n: n / 2)


@settings(max_examples=200, deadline=None)
@given(
    registered_at=st.integers(min_value=0, max_value=20),
    interval=st.sampled_from([5, 10, 30]),
    healthy_threshold=st.integers(min_value=2, max_value=10),
    unhealthy_threshold=st.integers(min_value=2, max_value=10),
    toggles=st.lists(
        st.tuples(half_seconds, st.sampled_from(["ready", "failing"]), st.booleans()),
        max_size=25,
    ),
    deregister_offset=st.none() | half_seconds,
    drain=st.sampled_from([0, 5, 300]),
)
def test_event_driven_state_equals_brute_force(
    registered_at: int,
    interval: int,
    healthy_threshold: int,
    unhealthy_threshold: int,
    toggles: list[tuple[float, str, bool]],
    deregister_offset: float | None,
    drain: int,
) -> None:
    """For random ready/failing toggles (often exactly at check instants), the transitions and
    their times equal a check-by-check simulation of the §9 rules."""
    end = registered_at + 420.25
    timeline = sorted(
        ((registered_at + offset, what, value) for offset, what, value in toggles),
        key=lambda item: item[0],
    )
    deregister_at = None if deregister_offset is None else registered_at + deregister_offset
    h = Harness(
        interval=interval,
        healthy_threshold=healthy_threshold,
        unhealthy_threshold=unhealthy_threshold,
        deregistration_delay=drain,
    )

    def driver() -> Generator[simpy.Event, Any, None]:
        yield h.ctx.timeout(registered_at)
        h.tg.register("t")
        actions: list[tuple[float, Callable[[], None]]] = []
        for when, what, value in timeline:
            setter = h.tg.set_ready if what == "ready" else h.tg.set_failing
            actions.append((when, partial(setter, "t", value)))
        if deregister_at is not None:
            actions.append((deregister_at, lambda: h.tg.deregister("t")))
        actions.sort(key=lambda item: item[0])  # stable: toggles before a same-time deregister
        for when, action in actions:
            yield h.ctx.timeout(when - h.ctx.now)
            if h.tg.state("t") is not H.UNUSED:  # forgotten after its drain
                action()

    h.ctx.process(driver())
    h.run(end)
    expected = oracle(
        registered_at,
        interval,
        healthy_threshold,
        unhealthy_threshold,
        timeline,
        deregister_at,
        drain,
        end,
    )
    assert h.changes("t") == expected


def test_weight_breakpoints_are_the_remaining_staircase_steps() -> None:
    """The instants at which on_weight will fire: b's ramp [50, 150) at t = 75 → 80 … 150."""
    h = Harness(slow_start=100)
    h.register(0, "a", ready_at=0)
    h.register(50, "b", ready_at=50)
    h.run(75)
    assert h.tg.weight_breakpoints(75) == [80.0 + 10 * i for i in range(8)]
    h.run(1000)
    assert h.tg.weight_breakpoints(1000) == []
