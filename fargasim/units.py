"""Units: durations, CPU units and memory sizes.

Durations are written as seconds (``90``, ``1.5``) or as a string of one or more
``<number><unit>`` parts with units ``d``, ``h``, ``m``, ``s`` in that order (``"90s"``,
``"5m"``, ``"1h30m"``, ``"2d"``). ECS writes CPU as CPU units (1024 = 1 vCPU, reference §2.1)
and memory in MiB, both as strings in task definitions.
"""

from __future__ import annotations

import re

CPU_UNITS_PER_VCPU = 1024
MIB_PER_GIB = 1024

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(d|h|m|s)")
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_UNIT_ORDER = "dhms"


def parse_duration(value: object) -> float:
    """Return ``value`` in seconds; raise ``ValueError`` with a readable reason otherwise.

    >>> parse_duration("1h30m")
    5400.0
    """
    if isinstance(value, bool):
        raise ValueError(
            "a duration is a number of seconds or a string such as '90s', '5m', '1h30m'"
        )
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"0\d+(?:\.\d+)?", text):
            # The YAML 1.1 octal trap (DESIGN §3, yamlio): is "012" 12 s or octal 10 s?
            plain = text.lstrip("0")
            plain = "0" + plain if plain[:1] in ("", ".") else plain
            raise ValueError(f"{text!r} has a leading zero: write {plain} (seconds)")
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        else:
            seconds = _parse_duration_string(text)
    else:
        raise ValueError(
            "a duration is a number of seconds or a string such as '90s', '5m', '1h30m'"
        )
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        raise ValueError(f"a duration must be a finite number of seconds ≥ 0, got {value!r}")
    return seconds


def _parse_duration_string(text: str) -> float:
    pos = 0
    total = 0.0
    last_unit = -1
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        unit_rank = _UNIT_ORDER.index(match.group(2))
        if unit_rank <= last_unit:
            raise ValueError(
                f"units in {text!r} must go from larger to smaller, each once (d, h, m, s)"
            )
        last_unit = unit_rank
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(
            f"{text!r} is not a duration: write seconds (90) or parts like '90s', '5m', '1h30m', '2d'"
        )
    return total


def format_duration(seconds: float) -> str:
    """The shortest ``1h30m``-style spelling of a whole number of seconds (else plain seconds)."""
    if seconds != int(seconds) or seconds == 0:
        return f"{seconds:g}s"
    rest = int(seconds)
    parts = []
    for unit in _UNIT_ORDER:
        size = int(_UNIT_SECONDS[unit])
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts)


def cpu_units_to_vcpu(cpu_units: int) -> float:
    """ECS CPU units to vCPU: 1024 units = 1 vCPU (reference §2.1)."""
    return cpu_units / CPU_UNITS_PER_VCPU


def mib_to_gib(mib: float) -> float:
    """MiB to GiB (AWS prices per GB where "GB = 1024^3 bytes", reference §1.1)."""
    return mib / MIB_PER_GIB


_VCPU_TEXT = re.compile(r"^\s*(\d*\.?\d+)\s*vcpu\s*$", re.IGNORECASE)  # ".25 vCPU" as in §2.1
_GB_TEXT = re.compile(r"^\s*(\d*\.?\d+)\s*gb\s*$", re.IGNORECASE)


def parse_cpu_units(value: object) -> int:
    """ECS task CPU to CPU units: ``"1024"``, ``1024`` or ``"1 vCPU"`` (ECS converts the vCPU
    spelling to units when it registers a task definition, reference §2.1)."""
    return _parse_size(value, _VCPU_TEXT, CPU_UNITS_PER_VCPU, "CPU", '("1024") or vCPU ("1 vCPU")')


def parse_memory_mib(value: object) -> int:
    """ECS task memory to MiB: ``"2048"``, ``2048`` or ``"2 GB"`` (GB is GiB, reference §1.1)."""
    return _parse_size(value, _GB_TEXT, MIB_PER_GIB, "memory", '("2048") or GB ("2 GB")')


def _parse_size(
    value: object, unit_text: re.Pattern[str], per_unit: int, what: str, hint: str
) -> int:
    """A whole number of base units, written as an integer, digits, or ``<number> <unit>``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        match = unit_text.match(text)
        if match:
            amount = float(match.group(1)) * per_unit
            if amount == int(amount):
                return int(amount)
    base = "CPU units" if what == "CPU" else "MiB"
    raise ValueError(f"{value!r} is not a {what} size: write {base} {hint}")
