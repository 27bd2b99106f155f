"""Fargate task placement: Availability Zone spread and subnet IP addresses (§8.1, §5.4).

AWS (§8.1): "Task placement strategies and constraints aren't supported for tasks using the
Fargate launch type. Fargate tasks are spread across Availability Zones." and "when the service
scheduler launches new tasks or stops running tasks, the service scheduler attempts to maintain a
balance across Availability Zones." Each task's ENI takes one private IPv4 address of its subnet
(§5.4), so a subnet with no free address cannot take a task.

Rules:

* Launch: among the service's subnets that can take a task (a free IP; for the scheduler also an
  AZ that is not impaired and, for Spot, has Spot capacity), those in the AZs with the fewest of
  the service's active tasks; among them the subnet with the most free IPs (across tied AZs),
  then the one listed first.
* Scale-in (§8.1, EC2 wording assumed for Fargate): stop from the AZ with the most active tasks
  (ties: the AZ listed last); in it, a task not yet RUNNING first, then the newest (an
  **assumption**: AWS does not say which task in the AZ).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from fargasim.ecs.lifecycle import Task, TaskState


@dataclass
class Subnet:
    """A subnet's live free-IP count (§5.4)."""

    subnet_id: str
    availability_zone: str
    free_ips: int


class SubnetPool:
    """All subnets of the scenario's VPC, shared by every service."""

    def __init__(self, subnets: Sequence[Subnet]) -> None:
        self._subnets = {s.subnet_id: s for s in subnets}

    def __getitem__(self, subnet_id: str) -> Subnet:
        return self._subnets[subnet_id]

    def take_ip(self, subnet_id: str) -> None:
        subnet = self._subnets[subnet_id]
        if subnet.free_ips <= 0:
            raise RuntimeError(f"subnet {subnet_id} has no free IP")
        subnet.free_ips -= 1

    def release_ip(self, subnet_id: str) -> None:
        self._subnets[subnet_id].free_ips += 1


def zones_of(pool: SubnetPool, subnet_ids: Sequence[str]) -> list[str]:
    """The AZs of ``subnet_ids``, in the order the subnets list them."""
    zones: list[str] = []
    for sid in subnet_ids:
        zone = pool[sid].availability_zone
        if zone not in zones:
            zones.append(zone)
    return zones


def choose_subnet(
    pool: SubnetPool,
    subnet_ids: Sequence[str],
    per_az: Mapping[str, int],
    usable: Callable[[Subnet], bool] = lambda subnet: subnet.free_ips > 0,
) -> Subnet | None:
    """Where the next task of a service goes, given its active tasks per AZ, or ``None`` when no
    subnet is ``usable`` (by default: has a free IP; the scheduler also rules out impaired AZs
    and, for Spot, AZs without Spot capacity)."""
    best: Subnet | None = None
    best_key: tuple[int, int, int] | None = None
    for order, sid in enumerate(subnet_ids):
        subnet = pool[sid]
        if not usable(subnet):
            continue
        key = (per_az.get(subnet.availability_zone, 0), -subnet.free_ips, order)
        if best_key is None or key < best_key:
            best, best_key = subnet, key
    return best


def tasks_per_az(tasks: Iterable[Task]) -> Counter[str]:
    """How many of ``tasks`` each AZ holds."""
    return Counter(t.availability_zone for t in tasks)


def choose_tasks_to_stop(active: Iterable[Task], count: int, az_order: Sequence[str]) -> list[Task]:
    """``count`` tasks to stop on scale-in, one at a time from the fullest AZ (ties: the AZ
    listed last); in it, a task not yet RUNNING first, then the newest.

    Each AZ's tasks are sorted once by that preference, so choosing ``count`` of ``n`` tasks
    costs O(n log n + count · AZs) rather than a rescan per victim."""
    rank = {az: i for i, az in enumerate(az_order)}
    queues: dict[str, list[Task]] = {}
    for task in active:
        queues.setdefault(task.availability_zone, []).append(task)
    for queue in queues.values():
        queue.sort(key=lambda t: (t.state < TaskState.RUNNING, t.created_at, t.task_id))
    chosen: list[Task] = []
    for _ in range(count):
        filled = [az for az, queue in queues.items() if queue]
        if not filled:
            break
        fullest = max(filled, key=lambda az: (len(queues[az]), rank.get(az, -1)))
        chosen.append(queues[fullest].pop())
    return chosen
