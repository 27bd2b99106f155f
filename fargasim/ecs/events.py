"""Service events in ECS's wording, e.g. "(service web) has started 2 tasks: (task 1a2b…)." (§8).

ECS "only show[s] the 100 most recent events and duplicate event messages are omitted until
either the cause is resolved or six hours passes" (ECS Developer Guide, service-event-messages):
:meth:`EventLog.once` keeps that rule for messages about a cause (a task that cannot be placed),
while the log itself keeps every event of the run.

Texts that ECS prints verbatim: "has started", "has stopped", "has reached a steady state",
"was unable to place a task. Reason: You've reached the limit on the number of vCPUs you can run
concurrently", "Capacity is unavailable at this time. Please try again later or in a different
availability zone.", "is unable to consistently start tasks successfully", "has begun draining
connections on", "registered … targets in (target-group …)", "deregistered … targets",
"(port …) is unhealthy in (target-group …) due to (reason Health checks failed)" and the
deployment messages "deployment completed" / "deployment failed: tasks failed to start" (from the
service-event-messages page and user reports). Messages for causes ECS does not document (a
subnet out of IPs, §5.4; an impaired AZ; a Spot interruption, which ECS does not report as a
service event at all, §7.3) are fargasim's, in the same style.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ECS lists at most this many tasks in one "has started"/"has stopped" event (an assumption).
TASKS_PER_MESSAGE = 10
#: "duplicate event messages are omitted until either the cause is resolved or six hours passes"
REPEAT_AFTER_SECONDS = 6 * 3600.0


@dataclass(frozen=True)
class ServiceEvent:
    time: float
    service: str
    message: str


class EventLog:
    """Every service event of a run, in the order they happened."""

    def __init__(self) -> None:
        self.events: list[ServiceEvent] = []
        self._said: dict[tuple[str, str], float] = {}

    def add(self, time: float, service: str, message: str) -> None:
        self.events.append(ServiceEvent(time, service, message))

    def once(self, time: float, service: str, cause: str, message: str) -> None:
        """Say ``message`` unless the same ``cause`` was said within six hours and not resolved."""
        key = (service, cause)
        said = self._said.get(key)
        if said is not None and time - said < REPEAT_AFTER_SECONDS:
            return
        self._said[key] = time
        self.add(time, service, message)

    def resolved(self, service: str, cause: str) -> None:
        """The cause is gone: the next time it happens it is said again."""
        self._said.pop((service, cause), None)

    def started(self, time: float, service: str, task_ids: list[str]) -> None:
        for chunk in _chunks(task_ids):
            tasks = " ".join(f"(task {t})" for t in chunk)
            self.add(time, service, f"(service {service}) has started {len(chunk)} tasks: {tasks}.")

    def stopped(self, time: float, service: str, task_ids: list[str], running: bool) -> None:
        kind = "running tasks" if running else "tasks"
        for chunk in _chunks(task_ids):
            tasks = " ".join(f"(task {t})" for t in chunk)
            self.add(
                time, service, f"(service {service}) has stopped {len(chunk)} {kind}: {tasks}."
            )

    def steady(self, time: float, service: str) -> None:
        self.add(time, service, f"(service {service}) has reached a steady state.")

    def unable_to_place(self, time: float, service: str, cause: str, reason: str) -> None:
        self.once(
            time,
            service,
            cause,
            f"(service {service}) was unable to place a task. Reason: {reason}",
        )


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + TASKS_PER_MESSAGE] for i in range(0, len(items), TASKS_PER_MESSAGE)]
