"""Fargate launch rates and account quotas: what stops a task from launching now (§5).

AWS (§5.1): "the tasks and pods token bucket size for a Fargate customer account is 100 tokens,
and the refill rate is 20 tokens per second. Therefore, you can immediately launch up to 100
Amazon ECS tasks and Amazon EKS pods per customer account, with a sustained launch rate of 20
Amazon ECS tasks and Amazon EKS pods per second." A separate 100 / 20 bucket applies to "Fargate
Resource rate quota for Spot Amazon ECS tasks". "The rate quota for calls to the Amazon ECS
RunTask API is 20 calls per second (burst and sustained). Each call to this API can, however,
launch up to 10 tasks." Service quotas (§5.1, §5.3): "Rate of tasks launched by a service on AWS
Fargate — Each supported Region: 500 — The maximum number of tasks that can be provisioned per
service per minute on Fargate by the Amazon ECS service scheduler"; "Tasks per service" 5,000.
Concurrent capacity (§5.2): "Fargate On-Demand vCPU resource count | 6 | Yes | The number of
Fargate vCPUs that can run concurrently as Fargate On-Demand in this account in the current
Region."

Model:

* :class:`~fargasim.ecs.token_bucket.TokenBucket` — the account's launch bucket per provider
  (FARGATE, FARGATE_SPOT) and the RunTask API call rate. Starts full, refills continuously,
  capped at its capacity (its own module, with the bulk serving of queued RunTask calls).
* :class:`SlidingWindowLimit` — the per-service launch rate: at most ``limit`` launches in any
  half-open window of ``window`` seconds (500 per 60 s).
* :class:`VcpuQuota` — concurrent vCPU per provider, counted in integer CPU units (1 vCPU = 1024
  units) so that adding and removing task sizes never drifts.
* :class:`AccountLimits` — all of them together; :meth:`AccountLimits.check` says whether one
  more task of a service can launch now and, if not, returns a :class:`LaunchBlock` with an
  ECS-style reason and, when it is known, the time a retry can succeed.

Which numbers are sourced (§5, §12):

* AWS-documented defaults: launch bucket 100 tokens refilled at 20 /s, the same for Spot (§5.1);
  RunTask 20 calls/s burst and sustained, 10 tasks per call, not adjustable (§5.1, §5.3);
  per-service launch rate 500 per minute (§5.1; whether it is adjustable is disputed); tasks per
  service 5,000 (§5.3).
* **UNSOURCED** / disputed (§12): the sustained launch rate is 20 /s, but a third-party note says
  "5 per second in other regions"; the 500 /min per-service figure is AWS's, its adjustability is
  disputed; the concurrent vCPU quota depends on the account: 6 vCPU is the documented default
  for new accounts, about 4000 is what established accounts show (``L-3032A538`` On-Demand,
  ``L-36FBB829`` Spot). The default here is the established-account 4000; pass
  :data:`NEW_ACCOUNT_VCPU` for a new account.
* The order in which :meth:`AccountLimits.check` applies the limits is an **assumption**.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final, Literal

from fargasim.ecs.token_bucket import BucketState, TokenBucket, check_time

Provider = Literal["FARGATE", "FARGATE_SPOT"]
LaunchBlockKind = Literal["vcpuQuota", "launchRate", "serviceLaunchRate", "tasksPerService"]

CPU_UNITS_PER_VCPU: Final = 1024

# §5.1: "token bucket size … is 100 tokens, and the refill rate is 20 tokens per second", and a
# separate 100 / 20 bucket for Fargate Spot. The sustained 20 /s is UNSOURCED for some regions
# (5 /s per a third-party note, §12).
DEFAULT_LAUNCH_BURST: Final = 100.0
DEFAULT_LAUNCH_RATE: Final = 20.0
# §5.1: "20 calls per second (burst and sustained)"; "up to 10 tasks" per call, not adjustable.
DEFAULT_RUN_TASK_CALLS_PER_SECOND: Final = 20.0
TASKS_PER_RUN_TASK: Final = 10
# §5.1: "Rate of tasks launched by a service on AWS Fargate … 500 … per service per minute".
DEFAULT_SERVICE_LAUNCHES_PER_MINUTE: Final = 500
SERVICE_LAUNCH_WINDOW_SECONDS: Final = 60.0
# §5.3: "Tasks per service | 5,000".
DEFAULT_TASKS_PER_SERVICE: Final = 5000
# §5.2: 4000 vCPU for an established account (Service Quotas), 6 vCPU for a new one (General
# Reference). Which applies is an account profile (§12).
ESTABLISHED_ACCOUNT_VCPU: Final = 4000.0
NEW_ACCOUNT_VCPU: Final = 6.0


class SlidingWindowLimit:
    """At most ``limit`` events in any half-open window ``[t, t + window)`` (§5.1: 500 task
    launches per service per 60 s).

    An event at ``t`` stops counting at ``t + window`` exactly: 500 launches at ``t = 0`` let the
    501st go at ``t = 60``.
    """

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        if window <= 0:
            raise ValueError(f"window must be > 0, got {window}")
        self.limit = limit
        self.window = float(window)
        self._events: deque[tuple[float, int]] = deque()  # (time, count), time ascending
        self._count = 0
        self._last: float | None = None

    def _expire(self, now: float) -> None:
        check_time(self._last, now)
        self._last = now
        # ``t + window <= now`` (not ``t <= now - window``) so that ``ready_at`` (``t + window``)
        # is exactly the time the event expires, whatever the rounding.
        while self._events and self._events[0][0] + self.window <= now:
            self._count -= self._events.popleft()[1]

    def count(self, now: float) -> int:
        """Events in the window ending at ``now``, i.e. in ``(now - window, now]``."""
        self._expire(now)
        return self._count

    def allows(self, now: float, n: int = 1) -> bool:
        """Whether ``n`` more events at ``now`` stay within the limit."""
        self._expire(now)
        return self._count + n <= self.limit

    def record(self, now: float, n: int = 1) -> None:
        """Record ``n`` events at ``now``; refused (``ValueError``) if that breaks the limit."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if not self.allows(now, n):
            raise ValueError(f"{n} more events at t={now} exceed {self.limit} per {self.window} s")
        if self._events and self._events[-1][0] == now:
            self._events[-1] = (now, self._events[-1][1] + n)
        else:
            self._events.append((now, n))
        self._count += n

    def ready_at(self, now: float, n: int = 1) -> float:
        """The earliest time ``n`` more events are allowed (``now`` if they already are)."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if n > self.limit:
            raise ValueError(f"{n} events never fit a limit of {self.limit}")
        self._expire(now)
        excess = self._count + n - self.limit
        if excess <= 0:
            return now
        freed = 0
        for t, c in self._events:
            freed += c
            if freed >= excess:
                return t + self.window
        raise AssertionError("unreachable: the window holds at least `excess` events")


class VcpuQuota:
    """Concurrent vCPU of one provider (§5.2), counted in CPU units (1 vCPU = 1024 units)."""

    def __init__(self, limit: float) -> None:
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        self.limit_units = round(limit * CPU_UNITS_PER_VCPU)
        self._in_use = 0

    @property
    def limit_vcpu(self) -> float:
        return self.limit_units / CPU_UNITS_PER_VCPU

    @property
    def in_use_units(self) -> int:
        return self._in_use

    @property
    def in_use_vcpu(self) -> float:
        return self._in_use / CPU_UNITS_PER_VCPU

    def can_hold(self, cpu_units: int) -> bool:
        """Whether a task of ``cpu_units`` more fits under the quota."""
        return self._in_use + cpu_units <= self.limit_units

    def acquire(self, cpu_units: int) -> None:
        if cpu_units < 0:
            raise ValueError(f"cpu_units must be >= 0, got {cpu_units}")
        if not self.can_hold(cpu_units):
            raise RuntimeError(
                f"{cpu_units} CPU units exceed the vCPU quota "
                f"({self._in_use} of {self.limit_units} in use)"
            )
        self._in_use += cpu_units

    def release(self, cpu_units: int) -> None:
        if cpu_units < 0:
            raise ValueError(f"cpu_units must be >= 0, got {cpu_units}")
        if cpu_units > self._in_use:
            raise RuntimeError(f"releasing {cpu_units} CPU units, only {self._in_use} in use")
        self._in_use -= cpu_units


@dataclass(frozen=True)
class LaunchBlock:
    """Why a task cannot launch now.

    ``retry_at`` is when a retry can succeed if that is known (a token refill, the per-service
    window sliding on), ``None`` when it depends on other tasks stopping (vCPU quota, tasks per
    service).
    """

    reason: str
    kind: LaunchBlockKind
    retry_at: float | None


# §5.2: the real ECS service-event / RunTask failure text for the vCPU quota.
VCPU_QUOTA_REASON: Final = (
    "You've reached the limit on the number of vCPUs you can run concurrently"
)


class AccountLimits:
    """The account's Fargate launch limits and quotas in one Region (§5).

    All values are keyword arguments; the defaults are AWS's documented defaults, with the
    established-account vCPU quota (see the module docstring for what is UNSOURCED).
    """

    TASKS_PER_RUN_TASK: Final = TASKS_PER_RUN_TASK

    def __init__(
        self,
        *,
        on_demand_vcpu: float = ESTABLISHED_ACCOUNT_VCPU,
        spot_vcpu: float = ESTABLISHED_ACCOUNT_VCPU,
        on_demand_burst: float = DEFAULT_LAUNCH_BURST,
        on_demand_rate: float = DEFAULT_LAUNCH_RATE,
        spot_burst: float = DEFAULT_LAUNCH_BURST,
        spot_rate: float = DEFAULT_LAUNCH_RATE,
        service_launches_per_minute: int = DEFAULT_SERVICE_LAUNCHES_PER_MINUTE,
        tasks_per_service: int = DEFAULT_TASKS_PER_SERVICE,
        run_task_calls_per_second: float = DEFAULT_RUN_TASK_CALLS_PER_SECOND,
    ) -> None:
        if tasks_per_service < 1:
            raise ValueError(f"tasks_per_service must be >= 1, got {tasks_per_service}")
        self._quotas: dict[Provider, VcpuQuota] = {
            "FARGATE": VcpuQuota(on_demand_vcpu),
            "FARGATE_SPOT": VcpuQuota(spot_vcpu),
        }
        self._buckets: dict[Provider, TokenBucket] = {
            "FARGATE": TokenBucket(on_demand_burst, on_demand_rate),
            "FARGATE_SPOT": TokenBucket(spot_burst, spot_rate),
        }
        self.service_launches_per_minute = service_launches_per_minute
        self.tasks_per_service = tasks_per_service
        # §5.1: "20 calls per second (burst and sustained)": burst = rate.
        self._run_task = TokenBucket(run_task_calls_per_second, run_task_calls_per_second)
        self._windows: dict[str, SlidingWindowLimit] = {}

    def quota(self, provider: Provider) -> VcpuQuota:
        return self._quotas[provider]

    def bucket(self, provider: Provider) -> TokenBucket:
        return self._buckets[provider]

    def service_window(self, service: str) -> SlidingWindowLimit:
        window = self._windows.get(service)
        if window is None:
            window = SlidingWindowLimit(
                self.service_launches_per_minute, SERVICE_LAUNCH_WINDOW_SECONDS
            )
            self._windows[service] = window
        return window

    def check(
        self,
        service: str,
        provider: Provider,
        cpu_units: int,
        service_tasks: int,
        now: float,
    ) -> LaunchBlock | None:
        """Whether one more task of ``service`` can launch on ``provider`` at ``now``.

        ``service_tasks`` is the service's number of tasks not yet STOPPED. Checks, in order:
        tasks per service, the provider's vCPU quota, the per-service launch rate, the
        provider's launch bucket. Returns ``None`` if the task can launch.
        """
        if service_tasks >= self.tasks_per_service:
            return LaunchBlock(
                f"the service has reached its quota of {self.tasks_per_service} tasks",
                "tasksPerService",
                None,
            )
        if not self._quotas[provider].can_hold(cpu_units):
            return LaunchBlock(VCPU_QUOTA_REASON, "vcpuQuota", None)
        window = self.service_window(service)
        if not window.allows(now):
            return LaunchBlock(
                f"the service has launched {window.count(now)} tasks in the last "
                f"{window.window:g} seconds (quota: {window.limit} per minute)",
                "serviceLaunchRate",
                window.ready_at(now),
            )
        bucket = self._buckets[provider]
        ready = bucket.ready_at(now)
        if ready > now:
            # Simulator wording: AWS throttles with "Rate exceeded" and publishes no longer text.
            name = "Fargate Spot" if provider == "FARGATE_SPOT" else "Fargate"
            return LaunchBlock(
                f"Rate exceeded: the account's {name} task launch rate (burst "
                f"{bucket.capacity:g}, {bucket.rate:g} tasks per second) is used up",
                "launchRate",
                ready,
            )
        return None

    def launch(self, service: str, provider: Provider, cpu_units: int, now: float) -> None:
        """Commit one launch: take a token, record it in the service's window, hold its vCPU.

        Raises ``RuntimeError`` (and commits nothing) if the vCPU quota, the service rate or the
        bucket refuses it; call :meth:`check` first.
        """
        quota = self._quotas[provider]
        window = self.service_window(service)
        bucket = self._buckets[provider]
        if not quota.can_hold(cpu_units):
            raise RuntimeError(VCPU_QUOTA_REASON)
        if not window.allows(now):
            raise RuntimeError(f"service {service!r} exceeds its per-minute launch rate")
        if not bucket.take(now):
            raise RuntimeError(f"the {provider} launch bucket is empty")
        window.record(now)
        quota.acquire(cpu_units)

    def release(self, provider: Provider, cpu_units: int) -> None:
        """A task of ``provider`` is STOPPED: its vCPU is free again."""
        self._quotas[provider].release(cpu_units)

    def run_task_call_ready_at(self, now: float) -> float:
        """When the next RunTask API call is allowed (§5.1: 20 calls/s, burst and sustained)."""
        return self._run_task.ready_at(now)

    @property
    def run_task_bucket(self) -> TokenBucket:
        """The RunTask API's call bucket (§5.1)."""
        return self._run_task

    def restore(self, states: dict[str, BucketState]) -> None:
        """Set the buckets' states (a bulk submission's, planned on copies); key ``RUN_TASK``
        is the call bucket."""
        for key, state in states.items():
            bucket = self._run_task if key == "RUN_TASK" else self._buckets[key]  # type: ignore[index]
            bucket.state = state

    def take_run_task_call(self, now: float) -> bool:
        """Spend one RunTask call (each launches up to :data:`TASKS_PER_RUN_TASK` tasks)."""
        return self._run_task.take(now)
