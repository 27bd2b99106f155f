"""Task start-up and stop latency (reference §4, §3.2): an **assumption**, every value a
``model.startup`` / ``model.shutdown`` parameter.

AWS publishes no formula, only the parts (§4: "launching the compute instance, allocating and
attaching a network interface, downloading your task image from the registry, unpacking the image
layers, starting the program") and the total ("30-45 seconds or longer"). The image is pulled in
full for every task (no cache on Fargate, §4), so pull time grows with image size; extraction is
CPU-bound and "more vCPU speeds decompression" (§4). All images of a task's containers are pulled.
"""

from __future__ import annotations

from functools import cached_property

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


class StartupArrays:
    """Start-up step durations of many tasks, one array per step (§4), from their uniforms
    ``u`` (shape ``(n, 5)``: one per random step, applied by inverse CDF).

    A step's durations are computed when first read: a bulk of standalone tasks never reads
    ``app_start`` (nothing waits for their application), and an inverse normal CDF is most of
    the cost of a draw."""

    def __init__(
        self, spec: StartupSpec, service: str, image_mib: float, vcpu: float, u: FloatArray
    ) -> None:
        self._spec = spec
        self._app = (
            spec.services[service].app_start_seconds
            if service in spec.services
            else spec.app_start_seconds
        )
        self._image_mib = image_mib
        self._vcpu = vcpu
        self._u = u

    @cached_property
    def provisioning(self) -> FloatArray:
        return quantile(self._spec.provisioning_seconds, self._u[:, 0])

    @cached_property
    def pending(self) -> FloatArray:
        return quantile(self._spec.pending_seconds, self._u[:, 1])

    @cached_property
    def pull(self) -> FloatArray:
        overhead = quantile(self._spec.pull_overhead_seconds, self._u[:, 2])
        return overhead + self._image_mib / self._spec.pull_bandwidth_mibps

    @cached_property
    def extract(self) -> FloatArray:
        spec = self._spec
        rate = spec.extract_mibps_per_vcpu * min(self._vcpu, spec.extract_max_vcpu)
        return np.full(self._u.shape[0], self._image_mib / rate)

    @cached_property
    def container_start(self) -> FloatArray:
        return quantile(self._spec.container_start_seconds, self._u[:, 3])

    @cached_property
    def app_start(self) -> FloatArray:
        return quantile(self._app, self._u[:, 4])

    def plan(self, i: int) -> StartupPlan:
        return StartupPlan(
            provisioning=float(self.provisioning[i]),
            pending=float(self.pending[i]),
            pull=float(self.pull[i]),
            extract=float(self.extract[i]),
            container_start=float(self.container_start[i]),
            app_start=float(self.app_start[i]),
        )


class ShutdownArrays:
    """Stop step durations of many tasks (§3.1, §3.2) from their uniforms (shape ``(n, 3)``),
    computed when first read (a standalone task whose container exits has no SIGTERM wait);
    ``app_exit`` is cut at ``timeout`` by SIGKILL (§3.2)."""

    def __init__(self, spec: ShutdownSpec, timeout: float, u: FloatArray) -> None:
        self._spec = spec
        self._timeout = timeout
        self._u = u

    @cached_property
    def deactivating(self) -> FloatArray:
        return quantile(self._spec.deactivating_seconds, self._u[:, 0])

    @cached_property
    def app_exit(self) -> FloatArray:
        return np.minimum(self._timeout, quantile(self._spec.app_exit_seconds, self._u[:, 1]))

    @cached_property
    def deprovisioning(self) -> FloatArray:
        return quantile(self._spec.deprovisioning_seconds, self._u[:, 2])

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
    return StartupArrays(spec, service, image_mib, vcpu, u)


def shutdown_arrays(spec: ShutdownSpec, timeout: float, u: FloatArray) -> ShutdownArrays:
    """Stop durations of ``len(u)`` tasks from their uniforms (shape ``(n, 3)``); the app's exit
    is cut at ``timeout`` by SIGKILL (§3.2)."""
    return ShutdownArrays(spec, timeout, u)


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
            tuple[str, float, float, float],
            tuple[int, StartupArrays, ShutdownArrays, FloatArray],
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
    ) -> tuple[StartupPlan, ShutdownPlan, float]:
        """The plans of ``owner``'s task number ``ordinal``, and the uniform of its run time."""
        key = (owner, image_mib, vcpu, timeout)
        block = ordinal // self.BLOCK
        cached = self._blocks.get(key)
        if cached is None or cached[0] != block:
            arrays = self.arrays(owner, image_mib, vcpu, timeout, block * self.BLOCK, self.BLOCK)
            cached = self._blocks[key] = (block, *arrays)
        i = ordinal - block * self.BLOCK
        return cached[1].plan(i), cached[2].plan(i), float(cached[3][i])
