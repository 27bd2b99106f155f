"""The Fargate task lifecycle (reference §3.1, §3.2, §1.1).

§3.1 simulator line: "PROVISIONING (ENI) → PENDING → ACTIVATING (image pull, container create,
LB registration) → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED".
§3.2: "The max stop timeout value is 120 seconds. However, if the parameter isn't specified, the
default value of 30 seconds is used"; STOPPING sends SIGTERM "and then sends a SIGKILL after
waiting the StopTimeout duration".
§1.1: billing runs "from the time you start to download your container image until the … Task
terminates"; "PROVISIONING is not billed".

Times are hand sums of constant step durations.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import pytest
import simpy

from fargasim.core import Context
from fargasim.ecs.lifecycle import (
    ShutdownPlan,
    StartupPlan,
    StopCode,
    StopRequest,
    Task,
    TaskState,
    run_task,
)
from fargasim.engine import simulate
from tests import builders as b

S = TaskState
FULL = [
    S.PROVISIONING,
    S.PENDING,
    S.ACTIVATING,
    S.RUNNING,
    S.DEACTIVATING,
    S.STOPPING,
    S.DEPROVISIONING,
    S.STOPPED,
]

STARTUP = StartupPlan(
    provisioning=4.0, pending=1.5, pull=6.0, extract=2.5, container_start=1.0, app_start=3.0
)
SHUTDOWN = ShutdownPlan(deactivating=2.0, app_exit=7.0, deprovisioning=5.0)
# Hand sums from createdAt 0.
PULL_AT = 4.0 + 1.5
RUNNING_AT = PULL_AT + 6.0 + 2.5 + 1.0  # 15.0
READY_AT = RUNNING_AT + 3.0  # 18.0


class Harness:
    """One task's process on a bare Context, with an observer recording every transition."""

    def __init__(self, startup: StartupPlan = STARTUP, shutdown: ShutdownPlan = SHUTDOWN) -> None:
        self.ctx = Context(seed=0, end_time=1000)
        self.task = Task("t-1", "web", "FARGATE", "us-east-1a", "subnet-a", 512, 1024, 0.0)
        self.transitions: list[tuple[float, TaskState, TaskState]] = []
        self.ready_calls: list[float] = []
        self.pull_fails_after: float | None = None
        self.drain: float | None = None  # None: the shutdown plan's draw
        self.task.process = self.ctx.process(run_task(self.ctx, self.task, startup, shutdown, self))

    # TaskHooks
    def observe(self, task: Task, previous: TaskState) -> None:
        self.transitions.append((self.ctx.now, previous, task.state))

    def ready(self, task: Task) -> None:
        self.ready_calls.append(self.ctx.now)

    def pull_failure(self, task: Task) -> float | None:
        return self.pull_fails_after

    def drain_seconds(self, task: Task, request: StopRequest, planned: float) -> float:
        return planned if self.drain is None else self.drain

    def stop_at(self, when: float, code: StopCode = StopCode.USER_INITIATED) -> None:
        def stopper() -> Generator[simpy.Event, Any, None]:
            yield self.ctx.timeout(when)
            assert self.task.process is not None
            self.task.process.interrupt(StopRequest(code, "test stop"))

        self.ctx.process(stopper())

    def states(self) -> list[TaskState]:
        return [self.transitions[0][1], *(new for _, _, new in self.transitions)]

    def run(self) -> None:
        self.ctx.env.run(until=1000)


def test_task_state_values_are_in_lifecycle_order() -> None:
    """§3.1: the eight states in their order; "pending" = before RUNNING, "stopping" = after."""
    assert sorted(TaskState) == FULL
    assert [s.is_starting for s in FULL] == [True] * 3 + [False] * 5
    assert [s.is_stopping for s in FULL] == [False] * 4 + [True] * 4


def test_start_up_states_and_times() -> None:
    """§3.1: PROVISIONING → PENDING → ACTIVATING → RUNNING; the pull (billing start, §1.1) starts
    at the end of PENDING; the app is ready appStart after RUNNING."""
    h = Harness()
    h.run()
    assert h.states() == FULL[:4]
    assert [t for t, _, _ in h.transitions] == [4.0, PULL_AT, RUNNING_AT]
    task = h.task
    assert (task.created_at, task.pull_started_at, task.running_at) == (0.0, PULL_AT, RUNNING_AT)
    assert task.ready_at == READY_AT and h.ready_calls == [READY_AT]
    assert task.ready and task.state == S.RUNNING
    assert math.isnan(task.stopping_at) and math.isnan(task.stopped_at)
    assert task.stop_code == ""


def test_stopped_while_running_passes_every_stop_state() -> None:
    """§3.1: RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED, with hand-summed
    times; billing ends when the containers exit (end of STOPPING)."""
    h = Harness()
    h.stop_at(100.0)
    h.run()
    assert h.states() == FULL
    times = [t for t, _, _ in h.transitions]
    assert times == [4.0, PULL_AT, RUNNING_AT, 100.0, 102.0, 109.0, 114.0]
    task = h.task
    assert task.stopping_at == 100.0
    assert task.execution_stopped_at == 100.0 + 2.0 + 7.0
    assert task.stopped_at == 100.0 + 2.0 + 7.0 + 5.0
    assert task.stop_code == "UserInitiated" and task.stopped_reason == "test stop"
    assert not task.ready


def test_plain_interrupt_is_a_user_stop() -> None:
    """An interrupt without a StopRequest is recorded as UserInitiated (§3.2 stop codes)."""
    h = Harness()

    def stopper() -> Generator[simpy.Event, Any, None]:
        yield h.ctx.timeout(50)
        assert h.task.process is not None
        h.task.process.interrupt()

    h.ctx.process(stopper())
    h.run()
    assert h.task.stop_code == StopCode.USER_INITIATED.value
    assert h.task.state == S.STOPPED


def test_stop_during_provisioning_is_never_billed_and_still_stops() -> None:
    """§1.1: PROVISIONING is not billed (no pull started). The task still reaches STOPPED with its
    stop code, skipping DEACTIVATING (nothing registered) and the app exit (nothing ran)."""
    h = Harness()
    h.stop_at(2.0, StopCode.SERVICE_SCHEDULER_INITIATED)
    h.run()
    assert h.states() == [S.PROVISIONING, S.STOPPING, S.DEPROVISIONING, S.STOPPED]
    task = h.task
    assert math.isnan(task.pull_started_at) and math.isnan(task.running_at)
    assert task.stopping_at == 2.0
    assert task.execution_stopped_at == 2.0
    assert task.stopped_at == 2.0 + 5.0
    assert task.stop_code == "ServiceSchedulerInitiated"
    assert h.ready_calls == []


def test_stop_during_activating_is_billed_from_pull_start() -> None:
    """A stop after the pull started (ACTIVATING) skips DEACTIVATING; the billed span is pull
    start → stop (§1.1)."""
    h = Harness()
    h.stop_at(10.0)
    h.run()
    assert h.states() == [
        S.PROVISIONING,
        S.PENDING,
        S.ACTIVATING,
        S.STOPPING,
        S.DEPROVISIONING,
        S.STOPPED,
    ]
    assert h.task.pull_started_at == PULL_AT
    assert h.task.execution_stopped_at == 10.0
    assert h.task.stopped_at == 15.0
    assert math.isnan(h.task.running_at)


def test_stop_while_running_before_ready_never_serves() -> None:
    """A task stopped between RUNNING and app-ready deregisters and stops; it never served."""
    h = Harness()
    h.stop_at(RUNNING_AT + 1.0)
    h.run()
    assert h.states() == FULL
    assert h.ready_calls == [] and math.isnan(h.task.ready_at)
    assert h.task.execution_stopped_at == RUNNING_AT + 1.0 + 2.0 + 7.0


# -- end to end through the engine ---------------------------------------------------------


def test_lifecycle_through_the_engine() -> None:
    """Scheduler-launched tasks go through exactly the eight states of §3.1 (observed with the
    model's observer) and their recorded times are the hand sums of tests/builders.py."""
    sc = b.scenario(events=b.desired_events((100, 0)))
    model, log = b.recorded_model(sc)
    b.run(model, 600)
    assert len(model.tasks) == 2
    stop = 100 + b.REACTION  # the scheduler reacts 1 s after the update (§8.1 reaction time)
    for task in model.tasks:
        assert b.states_of(log, task.task_id) == FULL
        times = [t for t, tid, _, _ in log if tid == task.task_id]
        assert times == [3.0, 4.0, 9.0, stop, stop + 1, stop + 5, stop + 10]
        assert task.created_at == 0.0
        assert task.pull_started_at == b.PULL
        assert task.running_at == b.RUNNING
        assert task.stopping_at == stop
        assert task.execution_stopped_at == stop + b.DEACTIVATING + b.APP_EXIT
        assert task.stopped_at == stop + b.DEACTIVATING + b.APP_EXIT + b.DEPROVISIONING
        assert task.stop_code == "ServiceSchedulerInitiated"


@pytest.mark.parametrize(
    ("container_timeout", "app_exit", "expected_exit"),
    [
        (None, 50, 30),  # §3.2 default stopTimeout 30 s: SIGKILL at 30
        (10, 50, 10),  # the container's stopTimeout honoured
        (100, 50, 50),  # the app exits on its own before the timeout
        (120, 500, 120),  # §3.2 maximum 120 s
    ],
)
def test_app_exit_is_cut_at_stop_timeout_end_to_end(
    container_timeout: int | None, app_exit: float, expected_exit: float
) -> None:
    """§3.2: SIGTERM, then SIGKILL after stopTimeout; stoppedAt − stoppingAt =
    deactivating + min(appExit, stopTimeout) + deprovisioning."""
    container: dict[str, Any] = {"name": "app", "image": "registry.example/app:1"}
    if container_timeout is not None:
        container["stopTimeout"] = container_timeout
    sc = b.scenario(
        duration=600,
        taskDefinitions=b.task_definition(containerDefinitions=[container]),
        services=b.service(desiredCount=1),
        events=b.desired_events((100, 0)),
        model={"shutdown": {"appExitSeconds": b.const(app_exit)}},
    )
    res = simulate(sc)
    stop = 100 + b.REACTION
    assert res.tasks["stoppingAt"][0] == stop
    assert res.tasks["stoppedAt"][0] == stop + b.DEACTIVATING + expected_exit + b.DEPROVISIONING
    # Billing ends when the containers exit: pull start → stop + deactivating + exit (§1.1).
    billed = math.ceil(stop + b.DEACTIVATING + expected_exit - b.PULL)
    assert res.tasks["billedSeconds"][0] == max(60, billed)


def test_stopped_in_provisioning_end_to_end_is_not_billed() -> None:
    """§1.1: a task stopped during PROVISIONING has no pullStartedAt, bills 0 s and $0, and still
    reaches STOPPED with a stop code (§3.2)."""
    # Desired 2 → 0 at t=1; the scheduler stops both at t=2, while they provision (0 .. 3).
    sc = b.scenario(events=b.desired_events((1, 0)))
    res = simulate(sc)
    tasks = res.tasks
    assert len(tasks) == 2
    for i in range(2):
        assert math.isnan(tasks["pullStartedAt"][i]) and math.isnan(tasks["runningAt"][i])
        assert tasks["stoppingAt"][i] == 2.0
        assert tasks["stoppedAt"][i] == 2.0 + b.DEPROVISIONING
        assert tasks["stopCode"][i] == "ServiceSchedulerInitiated"
        assert tasks["billedSeconds"][i] == 0
        assert tasks["costUsd"][i] == 0.0
    assert res.summary.cost_usd.total == 0.0
    messages = [e["message"] for e in res.service_events]
    assert any(m.startswith("(service web) has stopped 2 tasks: ") for m in messages)
