"""Fargate task sizes: which CPU and memory combinations Fargate runs (reference §2.1, §2.2).

The table is the ECS Developer Guide's "Task CPU and memory" table (§2.1). Windows tasks need at
least 1 vCPU and are limited to the 1, 2 and 4 vCPU rows (§2.1). Ephemeral storage, when given,
must be 21–200 GiB (§2.2); 20 GiB is what every task gets by default.
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 1024

#: CPU units → allowed memory sizes in MiB (§2.1). 8 and 16 vCPU need Linux platform 1.4.0+.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1 * GIB, 2 * GIB),
    512: tuple(g * GIB for g in range(1, 5)),
    1024: tuple(g * GIB for g in range(2, 9)),
    2048: tuple(g * GIB for g in range(4, 17)),
    4096: tuple(g * GIB for g in range(8, 31)),
    8192: tuple(g * GIB for g in range(16, 61, 4)),
    16384: tuple(g * GIB for g in range(32, 121, 8)),
}

#: The optional "2026" row (§2.1, disagreement): 32 vCPU with 60, 120 or 244 GB.
FARGATE_SIZES_2026_EXTRA: dict[int, tuple[int, ...]] = {32768: (60 * GIB, 120 * GIB, 244 * GIB)}

#: CPU sizes that Windows containers on Fargate accept (§2.1: not below 1 vCPU; Linux-only rows excluded).
WINDOWS_CPU_UNITS = (1024, 2048, 4096)

DEFAULT_EPHEMERAL_GIB = 20
MIN_EPHEMERAL_GIB = 21
MAX_EPHEMERAL_GIB = 200


@dataclass(frozen=True)
class SizeRules:
    """Switches for the disputed parts of the size table (§2.1, §12)."""

    allow_32_vcpu: bool = False


def is_windows(os_family: str) -> bool:
    """ECS ``operatingSystemFamily`` values other than LINUX are Windows Server editions."""
    return os_family.upper() != "LINUX"


def size_table(rules: SizeRules = SizeRules()) -> dict[int, tuple[int, ...]]:
    table = dict(FARGATE_SIZES)
    if rules.allow_32_vcpu:
        table.update(FARGATE_SIZES_2026_EXTRA)
    return table


def check_task_size(
    cpu_units: int, memory_mib: int, os_family: str = "LINUX", rules: SizeRules = SizeRules()
) -> str | None:
    """Return why Fargate would refuse this CPU/memory pair, or ``None`` when it is valid (§2.1)."""
    table = size_table(rules)
    if cpu_units not in table:
        sizes = ", ".join(f"{c} ({c / 1024:g} vCPU)" for c in table)
        return f"Fargate does not offer {cpu_units} CPU units; valid task CPU values are {sizes}"
    if is_windows(os_family) and cpu_units not in WINDOWS_CPU_UNITS:
        return (
            f"Windows containers on Fargate need 1, 2 or 4 vCPU (1024, 2048 or 4096 CPU units), "
            f"got {cpu_units}"
        )
    allowed = table[cpu_units]
    if memory_mib not in allowed:
        return (
            f"Fargate does not offer {memory_mib} MiB with {cpu_units} CPU units; valid memory "
            f"values are {_describe_memory(allowed)}"
        )
    return None


def check_ephemeral_storage(size_gib: int) -> str | None:
    """Why an explicit ``ephemeralStorage.sizeInGiB`` is refused, or ``None`` (§2.2: 21–200)."""
    if not MIN_EPHEMERAL_GIB <= size_gib <= MAX_EPHEMERAL_GIB:
        return (
            f"ephemeral storage on Fargate is 21–200 GiB when given (20 GiB is the default), "
            f"got {size_gib}"
        )
    return None


def _describe_memory(allowed: tuple[int, ...]) -> str:
    if len(allowed) <= 3:
        return ", ".join(str(m) for m in allowed) + " MiB"
    step = allowed[1] - allowed[0]
    return f"{allowed[0]}–{allowed[-1]} MiB in steps of {step}"
