"""What Fargate refuses in a task definition (reference §2), as located problems.

Rules, each from the reference:

* §2.3 "If using the Fargate launch type, the ``awsvpc`` network mode is required."
* §2.1 Task-level ``cpu`` and ``memory`` must form a row of the Fargate size table; Windows needs
  at least 1 vCPU; Windows runs on X86_64 only.
* §2.2 ``ephemeralStorage.sizeInGiB``, when given, is 21–200.
* §2.3 Parameters not valid on Fargate: ``disableNetworking``, ``dnsSearchDomains``,
  ``dnsServers``, ``dockerSecurityOptions``, ``extraHosts``, ``gpu``, ``ipcMode``, ``links``,
  ``placementConstraints``, ``privileged``, ``maxSwap``, ``swappiness``.
* §2.4 At most 10 containers per task definition.
* §3.2 A container's ``stopTimeout`` is at most 120 s on Fargate.
* ``requiresCompatibilities``, when given, must include FARGATE (ECS refuses to launch the task
  on Fargate otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fargasim.ecs.sizes import SizeRules, check_ephemeral_storage, check_task_size, is_windows
from fargasim.units import parse_cpu_units, parse_memory_mib

Path = tuple[str | int, ...]
Found = list[tuple[Path, str]]

TASK_LEVEL_UNSUPPORTED = ("ipcMode", "placementConstraints")
CONTAINER_LEVEL_UNSUPPORTED = (
    "disableNetworking",
    "dnsSearchDomains",
    "dnsServers",
    "dockerSecurityOptions",
    "extraHosts",
    "links",
    "privileged",
)
LINUX_PARAMETERS_UNSUPPORTED = ("maxSwap", "swappiness")
MAX_CONTAINERS = 10
MAX_STOP_TIMEOUT = 120


def fargate_problems(td: Mapping[str, Any], rules: SizeRules | None = None) -> Found:
    """Every reason Fargate would refuse task definition ``td`` (its RegisterTaskDefinition
    input), as ``(relative path, message)`` pairs."""
    rules = rules or SizeRules()
    found: Found = []
    mode = td.get("networkMode")
    if mode != "awsvpc":
        where: Path = ("networkMode",) if mode is not None else ()
        found.append((where, f"Fargate requires networkMode 'awsvpc' (§2.3), got {mode!r}"))
    compat = td.get("requiresCompatibilities")
    if isinstance(compat, list) and compat and "FARGATE" not in compat:
        found.append(
            (("requiresCompatibilities",), "must include FARGATE for the task to run on Fargate")
        )
    platform = td.get("runtimePlatform") or {}
    os_family = str(platform.get("operatingSystemFamily", "LINUX"))
    arch = str(platform.get("cpuArchitecture", "X86_64"))
    if is_windows(os_family) and arch == "ARM64":
        found.append(
            (
                ("runtimePlatform", "cpuArchitecture"),
                "Windows containers on Fargate run on X86_64 only",
            )
        )
    found.extend(_size_problems(td, os_family, rules))
    storage = td.get("ephemeralStorage")
    if isinstance(storage, Mapping) and isinstance(storage.get("sizeInGiB"), int):
        reason = check_ephemeral_storage(storage["sizeInGiB"])
        if reason:
            found.append((("ephemeralStorage", "sizeInGiB"), reason + " (§2.2)"))
    for name in TASK_LEVEL_UNSUPPORTED:
        if td.get(name):
            found.append(((name,), f"{name} is not supported on Fargate (§2.3)"))
    containers = td.get("containerDefinitions")
    if isinstance(containers, list):
        if len(containers) > MAX_CONTAINERS:
            found.append(
                (
                    ("containerDefinitions",),
                    f"at most {MAX_CONTAINERS} containers per task definition (§2.4)",
                )
            )
        for i, container in enumerate(containers):
            if isinstance(container, Mapping):
                found.extend(_container_problems(container, ("containerDefinitions", i)))
    return found


def _size_problems(td: Mapping[str, Any], os_family: str, rules: SizeRules) -> Found:
    cpu, memory = td.get("cpu"), td.get("memory")
    if cpu is None or memory is None:
        missing = " and ".join(n for n, v in (("cpu", cpu), ("memory", memory)) if v is None)
        return [((), f"Fargate needs task-level {missing} (§2.1)")]
    try:
        cpu_units = parse_cpu_units(cpu)
    except ValueError as exc:
        return [(("cpu",), str(exc))]
    try:
        memory_mib = parse_memory_mib(memory)
    except ValueError as exc:
        return [(("memory",), str(exc))]
    reason = check_task_size(cpu_units, memory_mib, os_family, rules)
    if reason is None:
        return []
    where = "memory" if " MiB with " in reason else "cpu"
    return [((where,), reason + " (§2.1)")]


def _container_problems(container: Mapping[str, Any], at: Path) -> Found:
    found: Found = []
    for name in CONTAINER_LEVEL_UNSUPPORTED:
        if container.get(name):
            found.append(((*at, name), f"{name} is not supported on Fargate (§2.3)"))
    linux = container.get("linuxParameters")
    if isinstance(linux, Mapping):
        for name in LINUX_PARAMETERS_UNSUPPORTED:
            if linux.get(name) is not None:
                found.append(
                    ((*at, "linuxParameters", name), f"{name} is not supported on Fargate (§2.3)")
                )
    requirements = container.get("resourceRequirements")
    if isinstance(requirements, list):
        for j, item in enumerate(requirements):
            if isinstance(item, Mapping) and item.get("type") == "GPU":
                found.append(
                    (
                        (*at, "resourceRequirements", j, "type"),
                        "gpu is not supported on Fargate (§2.3)",
                    )
                )
    timeout = container.get("stopTimeout")
    if isinstance(timeout, int) and timeout > MAX_STOP_TIMEOUT:
        found.append(
            (
                (*at, "stopTimeout"),
                f"the max stop timeout on Fargate is 120 seconds (§3.2), got {timeout}",
            )
        )
    return found
