"""A service's tasks that count towards its desired count, with the tallies the scheduler reads
at every reconciliation kept as tasks come and go (issue #6: a service of thousands of tasks
must not be rescanned on each of its tasks' state changes).

ECS counts a service's tasks by state (§8.1): the scheduler compares the tasks launched and not
yet stopping with the desired count, balances them across Availability Zones, splits them over
capacity providers (§7.1) and, during a deployment, tells the new deployment's tasks from the
old (§8.2). Each of those is a tally here, updated in O(1) when a task is added or removed;
iteration follows launch order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from fargasim.ecs.lifecycle import Task


class ActiveTasks:
    """An insertion-ordered set of tasks with per-AZ, per-provider and per-deployment counts."""

    def __init__(self) -> None:
        self._tasks: dict[int, Task] = {}
        self.per_az: Counter[str] = Counter()
        self.per_provider: Counter[str] = Counter()
        self.per_deployment: Counter[str] = Counter()

    def add(self, task: Task) -> None:
        self._tasks[id(task)] = task
        self.per_az[task.availability_zone] += 1
        self.per_provider[task.capacity_provider] += 1
        self.per_deployment[task.started_by] += 1

    def remove(self, task: Task) -> None:
        del self._tasks[id(task)]
        self.per_az[task.availability_zone] -= 1
        self.per_provider[task.capacity_provider] -= 1
        self.per_deployment[task.started_by] -= 1

    def of_deployment(self, deployment_id: str) -> list[Task]:
        """The tasks ``deployment_id`` launched, in launch order."""
        return [t for t in self._tasks.values() if t.started_by == deployment_id]

    def not_of_deployment(self, deployment_id: str) -> list[Task]:
        return [t for t in self._tasks.values() if t.started_by != deployment_id]

    def others(self, deployment_id: str) -> int:
        """How many tasks another deployment launched."""
        return len(self._tasks) - self.per_deployment[deployment_id]

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[Task]:
        return iter(self._tasks.values())

    def __contains__(self, task: object) -> bool:
        return id(task) in self._tasks and self._tasks[id(task)] is task
