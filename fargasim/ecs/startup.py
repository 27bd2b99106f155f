"""Task start-up and stop latency (reference §4, §3.2): an **assumption**, every value a
``model.startup`` / ``model.shutdown`` parameter.

AWS publishes no formula, only the parts (§4: "launching the compute instance, allocating and
attaching a network interface, downloading your task image from the registry, unpacking the image
layers, starting the program") and the total ("30-45 seconds or longer"). The image is pulled in
full for every task (no cache on Fargate, §4), so pull time grows with image size; extraction is
CPU-bound and "more vCPU speeds decompression" (§4). All images of a task's containers are pulled.
"""

from __future__ import annotations

import numpy as np

from fargasim.core.distributions import sample_one
from fargasim.ecs.lifecycle import ShutdownPlan, StartupPlan
from fargasim.scenario.schema import Scenario, ShutdownSpec, StartupSpec, TaskDefinitionSpec

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


def draw_startup(
    spec: StartupSpec, service: str, image_mib: float, vcpu: float, rng: np.random.Generator
) -> StartupPlan:
    """One task's start-up step durations (see :class:`~fargasim.scenario.schema.StartupSpec`)."""
    app = (
        spec.services[service].app_start_seconds
        if service in spec.services
        else spec.app_start_seconds
    )
    return StartupPlan(
        provisioning=sample_one(spec.provisioning_seconds, rng),
        pending=sample_one(spec.pending_seconds, rng),
        pull=sample_one(spec.pull_overhead_seconds, rng) + image_mib / spec.pull_bandwidth_mibps,
        extract=image_mib / (spec.extract_mibps_per_vcpu * min(vcpu, spec.extract_max_vcpu)),
        container_start=sample_one(spec.container_start_seconds, rng),
        app_start=sample_one(app, rng),
    )


def draw_shutdown(spec: ShutdownSpec, timeout: float, rng: np.random.Generator) -> ShutdownPlan:
    """One task's stop step durations; the app's exit is cut at ``timeout`` by SIGKILL (§3.2)."""
    return ShutdownPlan(
        deactivating=sample_one(spec.deactivating_seconds, rng),
        app_exit=min(timeout, sample_one(spec.app_exit_seconds, rng)),
        deprovisioning=sample_one(spec.deprovisioning_seconds, rng),
    )
