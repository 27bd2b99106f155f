"""Fargate launch rates and quotas (reference §5).

§5.1: "the tasks and pods token bucket size for a Fargate customer account is 100 tokens, and the
refill rate is 20 tokens per second"; a separate 100 / 20 bucket for Spot; RunTask "20 calls per
second (burst and sustained)", "up to 10 tasks" per call; "Rate of tasks launched by a service
on AWS Fargate … 500 … per service per minute". §5.2: concurrent vCPU quota. §5.3: 5,000 tasks
per service.

Expected values are hand calculations, shown in comments.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.ecs.limits import (
    TASKS_PER_RUN_TASK,
    VCPU_QUOTA_REASON,
    AccountLimits,
    LaunchBlock,
    Provider,
    SlidingWindowLimit,
    VcpuQuota,
)
from fargasim.ecs.token_bucket import TokenBucket

OD: Provider = "FARGATE"
SPOT: Provider = "FARGATE_SPOT"


# --- TokenBucket ---------------------------------------------------------------------------


def _launch_all(bucket: TokenBucket, count: int, t0: float = 0.0) -> list[float]:
    """Launch ``count`` tasks one after another, each as soon as the bucket allows."""
    times: list[float] = []
    t = t0
    for _ in range(count):
        t = bucket.ready_at(t)
        assert bucket.take(t)
        times.append(t)
    return times


def test_bucket_burst_then_sustained_rate() -> None:
    """§5.1: "you can immediately launch up to 100 … with a sustained launch rate of 20 … per
    second". 150 launches requested at t=0: 100 at once; the 101st waits one token = 1/20 s
    = 0.05 s; the 150th is the 50th refilled token: 50/20 = 2.5 s."""
    times = _launch_all(TokenBucket(100, 20), 150)
    assert times[:100] == [0.0] * 100
    assert times[100] == pytest.approx(0.05)
    assert times[149] == pytest.approx(2.5)
    # Evenly spaced after the burst: the k-th extra launch at k/20 s.
    for k in range(1, 51):
        assert times[99 + k] == pytest.approx(k / 20)


def test_bucket_starts_full_and_is_capped() -> None:
    """§5.1: the bucket holds 100 tokens; refill never goes above that."""
    bucket = TokenBucket(100, 20)
    assert bucket.available(0.0) == 100
    assert bucket.available(1000.0) == 100  # idle for 1000 s: still 100, not 20 100
    assert bucket.take(1000.0, 30)
    assert bucket.available(1000.0) == pytest.approx(70)
    # 1 s later: 70 + 20 = 90; 2 s later: 70 + 40 = 110 → capped at 100.
    assert bucket.available(1001.0) == pytest.approx(90)
    assert bucket.available(1002.0) == 100


def test_bucket_take_is_all_or_nothing() -> None:
    """take(n) takes only if n tokens are there: 3 tokens left, asking for 5 takes none."""
    bucket = TokenBucket(5, 1)
    assert bucket.take(0.0, 2)
    assert not bucket.take(0.0, 5)
    assert bucket.available(0.0) == pytest.approx(3)
    # 2 missing tokens at 1 /s → ready 2 s later.
    assert bucket.ready_at(0.0, 5) == pytest.approx(2.0)
    assert bucket.ready_at(0.0, 3) == 0.0  # already there: == now


def test_bucket_refuses_time_going_backwards() -> None:
    bucket = TokenBucket(10, 1)
    bucket.take(5.0)
    with pytest.raises(ValueError, match="backwards"):
        bucket.available(4.0)


def test_bucket_never_fits_more_than_capacity() -> None:
    with pytest.raises(ValueError):
        TokenBucket(10, 1).ready_at(0.0, 11)


def test_bucket_without_refill_is_never_ready() -> None:
    bucket = TokenBucket(1, 0)
    assert bucket.take(0.0)
    assert bucket.ready_at(0.0) == float("inf")


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.integers(1, 20),
    rate=st.sampled_from([0.5, 1.0, 3.0, 20.0]),
    gaps=st.lists(st.floats(0.0, 2.0, allow_nan=False), min_size=1, max_size=80),
    greedy=st.booleans(),
)
def test_bucket_never_exceeds_capacity_plus_rate_times_t(
    capacity: int, rate: float, gaps: list[float], greedy: bool
) -> None:
    """§5.1 as a property: in any interval of length T at most ``capacity + rate × T`` launches
    (burst plus refill). Requests arrive after random gaps; each either launches if a token is
    there or (greedy) waits until one is."""
    bucket = TokenBucket(capacity, rate)
    launches: list[float] = []
    t = 0.0
    for gap in gaps:
        t += gap
        if greedy:
            t = bucket.ready_at(t)
        if bucket.take(t):
            launches.append(t)
    for i in range(len(launches)):
        for j in range(i, len(launches)):
            span = launches[j] - launches[i]
            assert j - i + 1 <= capacity + rate * span + 1e-6


# --- SlidingWindowLimit -------------------------------------------------------------------


def test_window_501st_launch_at_exactly_60s() -> None:
    """§5.1: "500 … per service per minute". 500 launches at t=0: the 501st is allowed at t=60
    exactly (the window is half-open: an event at 0 stops counting at 0 + 60)."""
    window = SlidingWindowLimit(500, 60.0)
    window.record(0.0, 500)
    assert not window.allows(0.0)
    assert window.ready_at(0.0) == 60.0
    assert not window.allows(59.999)
    assert window.allows(60.0)
    window.record(60.0)


def test_window_spread_launches() -> None:
    """Limit 3 per 10 s, launches at 0, 4, 7: the 4th waits until the first leaves (0 + 10 =
    10); 2 more wait until the second leaves (4 + 10 = 14)."""
    window = SlidingWindowLimit(3, 10.0)
    for t in (0.0, 4.0, 7.0):
        window.record(t)
    assert window.count(8.0) == 3
    assert window.ready_at(8.0) == 10.0
    assert window.ready_at(8.0, 2) == 14.0
    assert window.count(10.0) == 2  # the launch at 0 no longer counts at 10


def test_window_ready_at_is_exact_under_rounding() -> None:
    """A retry at ready_at always succeeds, even where ``t + 60`` rounds (0.3 + 60 - 60 != 0.3)."""
    window = SlidingWindowLimit(1, 60.0)
    window.record(0.3)
    ready = window.ready_at(0.3)
    assert window.allows(ready)


def test_window_refuses_over_limit_and_backwards_time() -> None:
    window = SlidingWindowLimit(2, 60.0)
    window.record(1.0, 2)
    with pytest.raises(ValueError):
        window.record(1.0)
    with pytest.raises(ValueError, match="backwards"):
        window.allows(0.5)
    with pytest.raises(ValueError):
        window.ready_at(2.0, 3)  # 3 never fit a limit of 2


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 6),
    window=st.sampled_from([1.0, 10.0, 60.0]),
    gaps=st.lists(st.floats(0.0, 30.0, allow_nan=False), min_size=1, max_size=60),
)
def test_window_property(limit: int, window: float, gaps: list[float]) -> None:
    """At most ``limit`` events in any half-open window of ``window`` seconds, and a launch at
    ready_at always succeeds."""
    win = SlidingWindowLimit(limit, window)
    events: list[float] = []
    t = 0.0
    for gap in gaps:
        t = win.ready_at(t + gap)
        win.record(t)
        events.append(t)
    for i, start in enumerate(events):
        inside = [e for e in events[i:] if e < start + window]
        assert len(inside) <= limit


# --- VcpuQuota ----------------------------------------------------------------------------


def test_vcpu_quota_in_cpu_units() -> None:
    """§5.2: the new-account quota of 6 vCPU = 6 × 1024 = 6144 units holds exactly 24 tasks of
    0.25 vCPU (256 units) and refuses the 25th; no floating-point drift."""
    quota = VcpuQuota(6)
    assert quota.limit_units == 6144
    for _ in range(24):
        quota.acquire(256)
    assert quota.in_use_vcpu == 6.0
    assert not quota.can_hold(256)
    with pytest.raises(RuntimeError):
        quota.acquire(256)
    quota.release(256)
    assert quota.can_hold(256)
    assert not quota.can_hold(512)


def test_vcpu_quota_release_is_checked() -> None:
    quota = VcpuQuota(1)
    quota.acquire(512)
    with pytest.raises(RuntimeError):
        quota.release(1024)


# --- AccountLimits ------------------------------------------------------------------------


def test_defaults_are_aws_documented_values() -> None:
    """§5.1/§5.3: bucket 100 / 20 per provider, 500 per service per minute, 5000 tasks per
    service, RunTask 20 calls/s and 10 tasks per call; vCPU 4000 (established account, §5.2)."""
    limits = AccountLimits()
    for provider in (OD, SPOT):
        assert limits.bucket(provider).capacity == 100
        assert limits.bucket(provider).rate == 20
        assert limits.quota(provider).limit_vcpu == 4000
    assert limits.service_launches_per_minute == 500
    assert limits.tasks_per_service == 5000
    assert TASKS_PER_RUN_TASK == AccountLimits.TASKS_PER_RUN_TASK == 10


def test_tasks_per_service_is_checked_first() -> None:
    """§5.3: "Tasks per service | 5,000". With 5000 tasks not yet STOPPED the 5001st is refused,
    even when the vCPU quota is also full (tasks per service comes first)."""
    limits = AccountLimits(on_demand_vcpu=0)
    block = limits.check("web", OD, 256, 5000, 0.0)
    assert block == LaunchBlock(
        "the service has reached its quota of 5000 tasks", "tasksPerService", None
    )
    assert limits.check("web", OD, 256, 4999, 0.0) is not None  # now the vCPU quota
    assert limits.check("web", OD, 256, 4999, 0.0) == LaunchBlock(
        VCPU_QUOTA_REASON, "vcpuQuota", None
    )


def test_vcpu_quota_block_and_release() -> None:
    """§5.2: new-account quota 6 vCPU: 3 tasks of 2 vCPU (2048 units) fit, the 4th gets the ECS
    text "You've reached the limit on the number of vCPUs you can run concurrently" with no
    retry time (it waits for a task to stop); after a release it fits."""
    limits = AccountLimits(on_demand_vcpu=6)
    for i in range(3):
        assert limits.check("web", OD, 2048, i, 0.0) is None
        limits.launch("web", OD, 2048, 0.0)
    block = limits.check("web", OD, 2048, 3, 0.0)
    assert block is not None
    assert block.kind == "vcpuQuota"
    assert (
        block.reason == "You've reached the limit on the number of vCPUs you can run concurrently"
    )
    assert block.retry_at is None
    # Spot has its own quota (§5.2, L-36FBB829).
    assert limits.check("web", SPOT, 2048, 3, 0.0) is None
    limits.release(OD, 2048)
    assert limits.check("web", OD, 2048, 2, 1.0) is None


def test_launch_bucket_block_has_retry_time() -> None:
    """§5.1: after 100 launches at t=0 the next waits 1/20 s; the reason names burst and rate."""
    limits = AccountLimits()
    for i in range(100):
        limits.launch(f"svc{i % 5}", OD, 256, 0.0)  # 5 services × 20: no per-service limit hit
    block = limits.check("svc0", OD, 256, 20, 0.0)
    assert block is not None
    assert block.kind == "launchRate"
    assert block.reason == (
        "Rate exceeded: the account's Fargate task launch rate (burst 100, 20 tasks per second) "
        "is used up"
    )
    assert block.retry_at == pytest.approx(0.05)
    # The Spot bucket is separate (§5.1: "A separate 100 / 20 bucket").
    assert limits.check("svc0", SPOT, 256, 20, 0.0) is None


def test_spot_bucket_reason() -> None:
    limits = AccountLimits(spot_burst=1, spot_rate=5)
    limits.launch("web", SPOT, 256, 0.0)
    block = limits.check("web", SPOT, 256, 1, 0.0)
    assert block is not None
    assert "Fargate Spot task launch rate (burst 1, 5 tasks per second)" in block.reason
    assert block.retry_at == pytest.approx(0.2)  # 1 token at 5 /s


def test_service_launch_rate() -> None:
    """§5.1: "500 … per service per minute". A service that launched 500 tasks at t=0 (account
    bucket made large here so that only the service rate binds) must wait until they are 60 s
    old: the 501st is refused at t=1 with retry at 0 + 60 = 60; another service is not
    affected."""
    limits = AccountLimits(on_demand_burst=1000, on_demand_rate=1000)
    for i in range(500):
        assert limits.check("web", OD, 256, i, 0.0) is None
        limits.launch("web", OD, 256, 0.0)
    block = limits.check("web", OD, 256, 500, 1.0)
    assert block is not None
    assert block.kind == "serviceLaunchRate"
    assert block.reason == (
        "the service has launched 500 tasks in the last 60 seconds (quota: 500 per minute)"
    )
    assert block.retry_at == 60.0
    assert limits.check("api", OD, 256, 0, 1.0) is None
    assert limits.check("web", OD, 256, 500, 60.0) is None


def test_check_order_rate_before_bucket() -> None:
    """Order: tasks per service → vCPU → service rate → bucket. Both rate limits exhausted → the
    service rate is reported."""
    limits = AccountLimits(on_demand_burst=2, on_demand_rate=1, service_launches_per_minute=2)
    limits.launch("web", OD, 256, 0.0)
    limits.launch("web", OD, 256, 0.0)
    block = limits.check("web", OD, 256, 2, 0.0)
    assert block is not None and block.kind == "serviceLaunchRate"


def test_launch_commits_nothing_when_refused() -> None:
    """launch() refuses (RuntimeError) a launch the bucket can't pay for, without holding vCPU
    or recording it for the service."""
    limits = AccountLimits(on_demand_burst=1, on_demand_rate=1)
    limits.launch("web", OD, 1024, 0.0)
    with pytest.raises(RuntimeError):
        limits.launch("web", OD, 1024, 0.5)
    assert limits.quota(OD).in_use_units == 1024
    assert limits.service_window("web").count(0.5) == 1


def test_run_task_call_rate() -> None:
    """§5.1: "20 calls per second (burst and sustained)": 20 calls at t=0, the 21st at 1/20 s."""
    limits = AccountLimits()
    for _ in range(20):
        assert limits.run_task_call_ready_at(0.0) == 0.0
        assert limits.take_run_task_call(0.0)
    assert not limits.take_run_task_call(0.0)
    assert limits.run_task_call_ready_at(0.0) == pytest.approx(0.05)
