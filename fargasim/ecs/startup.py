"""Task start-up and stop latency (reference §4, §3.2): an **assumption**, every value a
``model.startup`` / ``model.shutdown`` parameter.

AWS publishes no formula, only the parts (§4: "launching the compute instance, allocating and
attaching a network interface, downloading your task image from the registry, unpacking the image
layers, starting the program") and the total ("30-45 seconds or longer"). The image is pulled in
full for every task (no cache on Fargate, §4), so pull time grows with image size; extraction is
CPU-bound and "more vCPU speeds decompression" (§4). All images of a task's containers are pulled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fargasim.core import Context
from fargasim.core.distributions import quantile
from fargasim.core.keyed import KeyedStream
from fargasim.ecs.lifecycle import ShutdownPlan, StartupPlan
from fargasim.scenario.schema import Scenario, ShutdownSpec, StartupSpec, TaskDefinitionSpec

FloatArray = npt.NDArray[np.float64]

#: §3.2: "if the parameter isn't specified, the default value of 30 seconds is used".
DEFAULT_STOP_TIMEOUT = 30.0
#: §3.2: "The max stop timeout value is 120 seconds" on Fargate.
MAX_STOP_TIMEOUT = 120.0


def image_size_mib(scenario: Scenario, taskdef: TaskDefinitionSpec) -> float:
    """Total compressed size of the task's images (``images:``, else the default size)."""
    default = scenario.model.startup.default_image_size_mib
    return sum(
        scenario.images[c.image].size_mib if c.image in scenario.images else default
        for c in taskdef.containerDefinitions
    )


def stop_timeout(taskdef: TaskDefinitionSpec) -> float:
    """The task's effective stop timeout: the longest of its containers' (§3.2)."""
    values = [
        float(c.stopTimeout) if c.stopTimeout is not None else DEFAULT_STOP_TIMEOUT
        for c in taskdef.containerDefinitions
    ]
    return min(MAX_STOP_TIMEOUT, max(values))


#: Uniforms per task of its lifecycle draws, keyed by the owner's task ordinal
#: (:mod:`fargasim.core.keyed`): start-up (``STARTUP_SLOTS``), stop (``SHUTDOWN_SLOTS``) and the
#: run time of a standalone task (slot ``RUN_SLOT``).
STARTUP_SLOTS = slice(0, 5)
SHUTDOWN_SLOTS = slice(5, 8)
RUN_SLOT = 8
LIFECYCLE_SLOTS = 9


def lifecycle_stream(ctx: Context, owner: str) -> KeyedStream:
    """The keyed stream of ``owner``'s (a service's or RunTask group's) task lifecycle draws:
    row ``n`` holds the uniforms of the owner's ``n``-th launched task."""
    return ctx.keyed(f"lifecycle/{owner}", LIFECYCLE_SLOTS)


@dataclass(frozen=True)
class StartupArrays:
    """Start-up step durations of many tasks, one array per step (§4)."""

    provisioning: FloatArray
    pending: FloatArray
    pull: FloatArray
    extract: FloatArray
    container_start: FloatArray
    app_start: FloatArray

    def plan(self, i: int) -> StartupPlan:
        return StartupPlan(
            provisioning=float(self.provisioning[i]),
            pending=float(self.pending[i]),
            pull=float(self.pull[i]),
            extract=float(self.extract[i]),
            container_start=float(self.container_start[i]),
            app_start=float(self.app_start[i]),
        )


@dataclass(frozen=True)
class ShutdownArrays:
    """Stop step durations of many tasks (§3.1, §3.2); ``app_exit`` already cut by SIGKILL."""

    deactivating: FloatArray
    app_exit: FloatArray
    deprovisioning: FloatArray

    def plan(self, i: int) -> ShutdownPlan:
        return ShutdownPlan(
            deactivating=float(self.deactivating[i]),
            app_exit=float(self.app_exit[i]),
            deprovisioning=float(self.deprovisioning[i]),
        )


def startup_arrays(
    spec: StartupSpec, service: str, image_mib: float, vcpu: float, u: FloatArray
) -> StartupArrays:
    """Start-up durations of ``len(u)`` tasks from their uniforms ``u`` (shape ``(n, 5)``: one
    per random step, applied by inverse CDF), see :class:`~fargasim.scenario.schema.StartupSpec`.
    """
    app = (
        spec.services[service].app_start_seconds
        if service in spec.services
        else spec.app_start_seconds
    )
    n = u.shape[0]
    extract = image_mib / (spec.extract_mibps_per_vcpu * min(vcpu, spec.extract_max_vcpu))
    return StartupArrays(
        provisioning=quantile(spec.provisioning_seconds, u[:, 0]),
        pending=quantile(spec.pending_seconds, u[:, 1]),
        pull=quantile(spec.pull_overhead_seconds, u[:, 2]) + image_mib / spec.pull_bandwidth_mibps,
        extract=np.full(n, extract),
        container_start=quantile(spec.container_start_seconds, u[:, 3]),
        app_start=quantile(app, u[:, 4]),
    )


def shutdown_arrays(spec: ShutdownSpec, timeout: float, u: FloatArray) -> ShutdownArrays:
    """Stop durations of ``len(u)`` tasks from their uniforms (shape ``(n, 3)``); the app's exit
    is cut at ``timeout`` by SIGKILL (§3.2)."""
    return ShutdownArrays(
        deactivating=quantile(spec.deactivating_seconds, u[:, 0]),
        app_exit=np.minimum(timeout, quantile(spec.app_exit_seconds, u[:, 1])),
        deprovisioning=quantile(spec.deprovisioning_seconds, u[:, 2]),
    )


def draw_startup(
    spec: StartupSpec, service: str, image_mib: float, vcpu: float, rng: np.random.Generator
) -> StartupPlan:
    """One task's start-up step durations, from a sequential stream."""
    return startup_arrays(spec, service, image_mib, vcpu, rng.random((1, 5))).plan(0)


def draw_shutdown(spec: ShutdownSpec, timeout: float, rng: np.random.Generator) -> ShutdownPlan:
    """One task's stop step durations, from a sequential stream."""
    return shutdown_arrays(spec, timeout, rng.random((1, 3))).plan(0)


class LifecycleDraws:
    """Start-up and stop plans of each owner's tasks, drawn :data:`BLOCK` tasks at a time.

    The draws are keyed by the task's ordinal (:func:`lifecycle_stream`), so a block gives each
    task exactly what drawing it alone would; blocks only spare the per-draw overhead when a
    scheduler launches tasks one at a time. One block is kept per owner and task shape."""

    BLOCK = 256

    def __init__(self, ctx: Context, startup: StartupSpec, shutdown: ShutdownSpec) -> None:
        self.ctx = ctx
        self.startup = startup
        self.shutdown = shutdown
        self._blocks: dict[
            tuple[str, float, float, float], tuple[int, StartupArrays, ShutdownArrays]
        ] = {}

    def arrays(
        self, owner: str, image_mib: float, vcpu: float, timeout: float, first: int, count: int
    ) -> tuple[StartupArrays, ShutdownArrays, FloatArray]:
        """The plans of tasks ``first … first + count − 1`` of ``owner``, and the uniform of each
        one's run time (standalone tasks)."""
        u = lifecycle_stream(self.ctx, owner).rows(first, count)
        return (
            startup_arrays(self.startup, owner, image_mib, vcpu, u[:, STARTUP_SLOTS]),
            shutdown_arrays(self.shutdown, timeout, u[:, SHUTDOWN_SLOTS]),
            u[:, RUN_SLOT],
        )

    def plans(
        self, owner: str, image_mib: float, vcpu: float, timeout: float, ordinal: int
    ) -> tuple[StartupPlan, ShutdownPlan]:
        """The plans of ``owner``'s task number ``ordinal``."""
        key = (owner, image_mib, vcpu, timeout)
        block = ordinal // self.BLOCK
        cached = self._blocks.get(key)
        if cached is None or cached[0] != block:
            startup, shutdown, _ = self.arrays(
                owner, image_mib, vcpu, timeout, block * self.BLOCK, self.BLOCK
            )
            cached = self._blocks[key] = (block, startup, shutdown)
        i = ordinal - block * self.BLOCK
        return cached[1].plan(i), cached[2].plan(i)
