"""Service events in ECS's wording, e.g. "(service web) has started 2 tasks: (task 1a2b…)." (§8)."""

from __future__ import annotations

from dataclasses import dataclass

#: ECS lists at most this many tasks in one "has started"/"has stopped" event (an assumption).
TASKS_PER_MESSAGE = 10


@dataclass(frozen=True)
class ServiceEvent:
    time: float
    service: str
    message: str


class EventLog:
    """Every service event of a run, in the order they happened."""

    def __init__(self) -> None:
        self.events: list[ServiceEvent] = []

    def add(self, time: float, service: str, message: str) -> None:
        self.events.append(ServiceEvent(time, service, message))

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


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + TASKS_PER_MESSAGE] for i in range(0, len(items), TASKS_PER_MESSAGE)]
