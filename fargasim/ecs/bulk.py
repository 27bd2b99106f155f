"""When a batch submission may be launched in bulk (issue #6), and so give exactly what launching
its tasks one at a time would.

A bulk submission (:meth:`~fargasim.ecs.standalone.RunTaskApi.plan_bulk`,
:mod:`fargasim.ecs.cohort`) computes every task's launch, placement and state changes at the
moment it is submitted. That is only the same as the per-task path if nothing that happens later
can change them, so the gate refuses (and the tasks go one at a time) when:

* a fault could hit the tasks: a Spot interruption rate in one of their AZs (Spot tasks), an
  essential-container crash rate or an image-pull failure probability (``model.spot``,
  ``model.faults``), or, from submission until its last task is STOPPED, an ``events:`` entry that
  could select them, impair their AZs, withdraw their Spot capacity or fail their pulls (or one
  of these is in force at submission);
* something else could take the same launch tokens, vCPU quota or subnet IPs meanwhile: a service
  using one of its capacity providers or subnets, another RunTask call or batch submission before
  its last task is STOPPED, or calls still waiting in the RunTask queue;
* one of its tasks could fail to start: its calls need more launch tokens than a bucket holds,
  or at some moment its tasks (with those already holding them) would exceed the provider's
  vCPU quota (§5.2) or a subnet's free IPs (§5.4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

from fargasim.ecs.cohort import Cohort
from fargasim.ecs.concurrency import peak_held
from fargasim.ecs.platform import FargatePlatform
from fargasim.ecs.standalone import TASKS_PER_CALL, RunTaskApi
from fargasim.scenario.schema import (
    AzOutageEvent,
    ContainerExitEvent,
    HealthCheckFailureEvent,
    ImagePullFailureEvent,
    RunTaskEvent,
    Scenario,
    SpotCapacityEvent,
    SpotInterruptionEvent,
    StopTaskEvent,
)

FloatArray = npt.NDArray[np.float64]


class BulkGate:
    """Decides, per submission, whether it may go in bulk (see the module docstring)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._service_providers: set[str] = set()
        self._service_subnets: set[str] = set()
        for spec in scenario.services:
            items = spec.capacityProviderStrategy
            self._service_providers |= {i.capacityProvider for i in items} or {"FARGATE"}
            config = spec.networkConfiguration
            if config is not None and config.awsvpcConfiguration is not None:
                self._service_subnets |= set(config.awsvpcConfiguration.subnets)
        # Every RunTask submission as (time, order among those at that time: events first,
        # then batch entries in file order), as the timeline plays them.
        self._submissions: list[tuple[float, int]] = [
            (event.at, -1)
            for event in scenario.events
            for _, action in event.actions
            if isinstance(action, RunTaskEvent)
        ]
        for index, entry in enumerate(scenario.batch):
            self._submissions += [(at, index) for at in entry.submission_times(scenario.duration)]

    def refusal(
        self,
        cohort: Cohort,
        index: int,
        now: float,
        subnets: Iterable[str],
        api: RunTaskApi,
        platform: FargatePlatform,
        live: list[Cohort],
    ) -> str | None:
        """Why ``cohort`` (``batch[index]`` submitted ``now``) cannot go in bulk, or ``None``."""
        providers = set(cohort.launch.providers)
        zones = set(cohort.launch.zones)
        subnet_ids = set(subnets)
        until = min(cohort.last_change, self.scenario.duration)
        why = (
            self._fault(providers, zones)
            or self._sharing(providers, subnet_ids, index, now, until, api)
            or self._events(cohort.launch.group, providers, zones, now, until, platform)
        )
        if why is not None:
            return why
        limits = platform.limits
        for provider in providers:
            if limits.bucket(provider).capacity < TASKS_PER_CALL:  # type: ignore[arg-type]
                return f"a call needs more {provider} launch tokens than the bucket holds"
            quota = limits.quota(provider)  # type: ignore[arg-type]
            room = quota.limit_units - quota.in_use_units
            at_most = sum(c.count * c.launch.cpu_units for c in (*live, cohort))
            if at_most > room:  # all of them at once would not fit: count the peak
                held = _peak([*live, cohort], _where("capacity_provider", provider), _cpu_units)
                if held > room:
                    return f"the {provider} vCPU quota could be reached"
        for sid in subnet_ids:
            free = platform.pool[sid].free_ips
            if sum(c.count for c in (*live, cohort)) > free:
                held = _peak([*live, cohort], _where("subnet_id", sid), _one)
                if held > free:
                    return f"subnet {sid} could run out of free IP addresses"
        return None

    def _fault(self, providers: set[str], zones: set[str]) -> str | None:
        model = self.scenario.model
        if "FARGATE_SPOT" in providers and any(model.spot.rate(z) > 0 for z in zones):
            return "Spot interruptions are drawn per task"
        if model.faults.container_exits_per_task_hour > 0:
            return "container crashes are drawn per task"
        if model.faults.image_pull_failure_probability > 0:
            return "image pull failures are drawn per task"
        return None

    def _sharing(
        self,
        providers: set[str],
        subnets: set[str],
        index: int,
        now: float,
        until: float,
        api: RunTaskApi,
    ) -> str | None:
        if providers & self._service_providers:
            return "a service launches on the same capacity provider"
        if subnets & self._service_subnets:
            return "a service uses the same subnets"
        if api.queued:
            return "RunTask calls are waiting"
        for at, order in self._submissions:
            if (at, order) > (now, index) and at < until:
                return "another RunTask submission comes before its tasks have stopped"
        return None

    def _events(
        self,
        group: str,
        providers: set[str],
        zones: set[str],
        now: float,
        until: float,
        platform: FargatePlatform,
    ) -> str | None:
        spot = "FARGATE_SPOT" in providers
        if not all(platform.az_available(z) for z in zones):
            return "an Availability Zone is impaired"
        if spot and not all(platform.spot_available(z) for z in zones):
            return "Spot capacity is unavailable"
        if platform.pull_fails(group):
            return "image pulls are failing"
        for event in self.scenario.events:
            if not now <= event.at < until:
                continue
            for _, action in event.actions:
                if _touches(action, group, zones, spot):
                    return f"an event at {event.at:g} s could affect its tasks"
        return None


def _where(column: str, value: str) -> Callable[[Cohort], npt.NDArray[np.bool_]]:
    def select(cohort: Cohort) -> npt.NDArray[np.bool_]:
        mask: npt.NDArray[np.bool_] = getattr(cohort.launch, column) == value
        return mask

    return select


def _cpu_units(cohort: Cohort) -> int:
    return cohort.launch.cpu_units


def _one(cohort: Cohort) -> int:
    return 1


def _touches(action: object, group: str, zones: set[str], spot: bool) -> bool:
    if isinstance(action, AzOutageEvent):
        return action.availability_zone in zones
    if isinstance(action, SpotCapacityEvent):
        return spot and (action.availability_zone is None or action.availability_zone in zones)
    if isinstance(action, ImagePullFailureEvent):
        return action.service is None or action.service == group
    if isinstance(
        action, (SpotInterruptionEvent, ContainerExitEvent, StopTaskEvent, HealthCheckFailureEvent)
    ):
        return action.service is None or action.service == group
    return False


def _peak(
    cohorts: list[Cohort],
    select: Callable[[Cohort], npt.NDArray[np.bool_]],
    amount: Callable[[Cohort], int],
) -> int:
    """The most held at once by the selected tasks of ``cohorts`` (:func:`peak_held`)."""
    masks = [select(c) for c in cohorts]
    return peak_held(
        np.concatenate([c.launch.created_at[m] for c, m in zip(cohorts, masks, strict=True)]),
        np.concatenate([c.times.stopped_at[m] for c, m in zip(cohorts, masks, strict=True)]),
        np.concatenate(
            [np.full(int(m.sum()), amount(c)) for c, m in zip(cohorts, masks, strict=True)]
        ),
    )
