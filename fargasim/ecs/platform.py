"""The Fargate platform of one account and Region: what every service's launches share (§5, §7).

* the account's launch limits and vCPU quotas (:class:`~fargasim.ecs.limits.AccountLimits`, §5);
* the VPC's subnets and their free IPs (:class:`~fargasim.ecs.placement.SubnetPool`, §5.4);
* the state of each Availability Zone: impaired during an ``azOutage`` event (no launches there);
* Fargate Spot capacity per AZ: unavailable during a ``spotCapacityUnavailable`` event, when
  "the service scheduler … attempts to launch additional tasks on Fargate Spot if there's
  capacity available" and "Fargate doesn't replace Spot capacity with on-demand capacity"
  (§7.3), so Spot tasks wait;
* scripted image-pull failure windows per service (``imagePullFailure`` events).

Whenever something frees capacity (a task stops, a window ends) the platform tells every
service scheduler to look again (:meth:`FargatePlatform.changed`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from fargasim.core import Context, Phase
from fargasim.ecs.limits import AccountLimits
from fargasim.ecs.placement import Subnet, SubnetPool
from fargasim.scenario.schema import AccountSpec

#: ECS's reason when Fargate Spot has no capacity (§7.3).
SPOT_CAPACITY_REASON = (
    "Capacity is unavailable at this time. Please try again later or in a different "
    "availability zone."
)


class _Windows:
    """Time windows during which something is off, keyed by a name (``None``: everything)."""

    def __init__(self) -> None:
        self._until: dict[str | None, float] = {}

    def add(self, key: str | None, until: float) -> None:
        self._until[key] = max(until, self._until.get(key, float("-inf")))

    def active(self, key: str | None, now: float) -> bool:
        return now < self._until.get(key, float("-inf")) or now < self._until.get(
            None, float("-inf")
        )


class FargatePlatform:
    """Account limits, subnets, AZ health and Spot capacity, shared by all services."""

    def __init__(self, ctx: Context, account: AccountSpec, pool: SubnetPool) -> None:
        self.ctx = ctx
        self.pool = pool
        self.limits = AccountLimits(
            on_demand_vcpu=account.fargate_on_demand_vcpu_quota,
            spot_vcpu=account.fargate_spot_vcpu_quota,
            on_demand_burst=account.fargate_task_launch_burst,
            on_demand_rate=account.fargate_task_launch_rate,
            spot_burst=account.fargate_spot_task_launch_burst,
            spot_rate=account.fargate_spot_task_launch_rate,
            service_launches_per_minute=account.service_task_launches_per_minute,
            tasks_per_service=account.tasks_per_service,
        )
        self._az_outages = _Windows()
        self._spot_outages = _Windows()
        self._pull_failures = _Windows()
        self._listeners: list[Callable[[], None]] = []

    # -- queries --------------------------------------------------------------------------

    def az_available(self, availability_zone: str) -> bool:
        return not self._az_outages.active(availability_zone, self.ctx.now)

    def spot_available(self, availability_zone: str) -> bool:
        return not self._spot_outages.active(availability_zone, self.ctx.now)

    def can_place(self, subnet: Subnet, provider: str) -> bool:
        """Can a task of ``provider`` go to ``subnet`` now: a free IP (§5.4), its AZ not
        impaired, and for Spot, Spot capacity there (§7.3)."""
        return (
            subnet.free_ips > 0
            and self.az_available(subnet.availability_zone)
            and (provider != "FARGATE_SPOT" or self.spot_available(subnet.availability_zone))
        )

    def unplaceable_reason(self, subnet_ids: list[str], owner: str) -> str:
        """Why no subnet of ``subnet_ids`` can take a task (when :meth:`can_place` says none
        can); ``owner`` names whose subnets they are, e.g. "the service (subnet-a)"."""
        with_ips = [self.pool[sid] for sid in subnet_ids if self.pool[sid].free_ips > 0]
        if not with_ips:
            return f"no subnet of {owner} has a free IP address."
        if not any(self.az_available(s.availability_zone) for s in with_ips):
            zones = sorted({s.availability_zone for s in with_ips})
            return (
                f"the Availability Zones with free IP addresses ({', '.join(zones)}) are impaired."
            )
        return SPOT_CAPACITY_REASON

    def pull_fails(self, service: str) -> bool:
        """Is an ``imagePullFailure`` window open for ``service`` now?"""
        return self._pull_failures.active(service, self.ctx.now)

    # -- scripted windows -----------------------------------------------------------------

    def az_outage(self, availability_zone: str, duration: float) -> None:
        self._az_outages.add(availability_zone, self.ctx.now + duration)
        self._after(duration)

    def spot_capacity_unavailable(self, availability_zone: str | None, duration: float) -> None:
        self._spot_outages.add(availability_zone, self.ctx.now + duration)
        self._after(duration)

    def image_pull_failure(self, service: str | None, duration: float) -> None:
        self._pull_failures.add(service, self.ctx.now + duration)

    # -- change notification --------------------------------------------------------------

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        """Capacity may have been freed: every scheduler looks again."""
        for listener in self._listeners:
            listener()

    def _after(self, delay: float) -> None:
        def notify() -> Generator[simpy.Event, Any, None]:
            yield self.ctx.timeout(delay, Phase.STATE)
            self.changed()

        self.ctx.process(notify())
