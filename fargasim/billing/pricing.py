"""Price tables and the price of one Fargate task (reference §1.1, §1.2, §1.4, §2.1, §2.2, §7.2).

AWS behaviour modelled here:

* **Billing rule (§1.1).** A task is billed from the moment it starts to pull its image until it
  stops, "rounded up to the nearest second", with "a 1-minute minimum" (Linux) or "a 5-minute
  minimum" (Windows; 15 minutes is the "2021" setting, ``pricing.windowsMinimumSeconds``)::

      billed_seconds = max(minimum, ceil(seconds))

* **Dimensions (§1.1, §1.2).** "Pricing is based on requested vCPU, memory, Operating Systems,
  CPU Architecture, and storage resources": vCPU × vCPU rate, memory GiB × GB rate ("GB =
  1024^3 bytes"), ephemeral storage above the free 20 GiB × storage rate, and for Windows the OS
  licence × vCPU. Every component is rate × quantity × billed seconds.
* **Fargate Spot (§1.4).** AWS publishes no Spot rates; Spot = on-demand × ``spotPriceMultiplier``
  (default 0.30), applied to every rate of the task (assumption: the pricing page's Spot table
  lists vCPU-hour and GB-hour only; fargasim discounts storage too).
* **Refusals.** Sizes Fargate does not run (§2.1, §2.2); Windows on ARM64 (the pricing page has
  Windows/X86 rates only, §1.2); Windows on Spot (never, §7.2); ARM64 on Spot when
  ``pricing.armSpotSupported`` is false (the 2023 rule, §7.2).

Floating point: a duration is compared with whole seconds with a tolerance of
:data:`BILLING_TOLERANCE_SECONDS` (1 µs, the resolution fargasim writes times at), so that clock
arithmetic such as ``60.1 - 0.1`` (``59.99999999999999`` or ``60.00000000000001``) bills 60 s,
even on clocks of several weeks (2^21 s) where one unit in the last place is about 2e-10 s, while
a task that ran 2 µs over a minute bills 61 s.
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from fargasim.billing.spec import PricingSpec, RateOverrides, Rates
from fargasim.ecs.sizes import (
    DEFAULT_EPHEMERAL_GIB,
    SizeRules,
    check_ephemeral_storage,
    check_task_size,
)
from fargasim.errors import FargasimError
from fargasim.units import CPU_UNITS_PER_VCPU, MIB_PER_GIB, parse_cpu_units, parse_memory_mib

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: ECS ``runtimePlatform.cpuArchitecture`` values.
ARCHITECTURES: tuple[str, ...] = ("X86_64", "ARM64")
#: ECS ``runtimePlatform.operatingSystemFamily`` values other than LINUX: all are Windows (§1.2).
WINDOWS_FAMILIES: tuple[str, ...] = (
    "WINDOWS_SERVER_2019_FULL",
    "WINDOWS_SERVER_2019_CORE",
    "WINDOWS_SERVER_2022_FULL",
    "WINDOWS_SERVER_2022_CORE",
    "WINDOWS_SERVER_2025_FULL",
    "WINDOWS_SERVER_2025_CORE",
    "WINDOWS_SERVER_2004_CORE",
    "WINDOWS_SERVER_20H2_CORE",
)
#: Every ECS ``operatingSystemFamily`` value; LINUX first.
OS_FAMILIES: tuple[str, ...] = ("LINUX", *WINDOWS_FAMILIES)
#: The Fargate capacity providers (§7.1).
CAPACITY_PROVIDERS: tuple[str, ...] = ("FARGATE", "FARGATE_SPOT")

#: "Pricing is calculated per second with a 1-minute minimum" (§1.1).
LINUX_MINIMUM_SECONDS = 60
#: "20 GB of ephemeral storage is available for all Fargate Tasks … by default—you only pay for
#: any additional storage that you configure" (§1.1).
FREE_EPHEMERAL_GIB = DEFAULT_EPHEMERAL_GIB
#: A duration within this many seconds above a whole second bills that whole second (module doc).
BILLING_TOLERANCE_SECONDS = 1e-6

_PRICES_PACKAGE = "fargasim.billing"
_PRICES_DIR = "prices"


@dataclass(frozen=True)
class Price:
    """What one task costs, by component, in USD (§1.1, §1.2).

    ``total_usd`` is ``vcpu_usd + memory_usd + storage_usd + os_license_usd``.
    """

    billed_seconds: int
    vcpu_usd: float
    memory_usd: float
    storage_usd: float
    os_license_usd: float
    total_usd: float


@dataclass(frozen=True)
class UnitRates:
    """The per-second rates one kind of task pays (Spot multiplier already applied, §1.4), and
    its minimum billed duration (§1.1)."""

    vcpu: float
    gb: float
    storage: float
    os_license: float
    minimum_seconds: int


class _PriceFile(BaseModel):
    """The shape of ``prices/<region>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str
    currency: str
    source: str
    retrieved: date
    note: str = ""
    rates: Rates


@dataclass(frozen=True)
class PriceTable:
    """A region's on-demand per-second rates (§1.2) and where they come from.

    Built-in tables are package data (``fargasim/billing/prices/<region>.yaml``); a region
    without one is priced from a complete ``pricing.rates`` (see :meth:`resolve`).
    """

    region: str
    rates: Rates
    source: str
    retrieved: date | None = None

    @staticmethod
    def regions() -> tuple[str, ...]:
        """The regions with a built-in price table."""
        return _builtin_regions()

    @classmethod
    def load(cls, region: str = "us-east-1") -> PriceTable:
        """The built-in table of ``region``; :class:`FargasimError` if there is none."""
        return _load_builtin(region)

    @classmethod
    def resolve(cls, region: str, overrides: RateOverrides | None = None) -> PriceTable:
        """The table a scenario uses: the built-in table of ``region`` with ``overrides``
        (``pricing.rates``) applied; for a region without a built-in table, ``overrides`` must
        give every rate."""
        if region in _builtin_regions():
            return _load_builtin(region).with_overrides(overrides)
        if overrides is not None and not overrides.missing():
            return cls(
                region=region,
                rates=Rates(**overrides.given()),
                source="pricing.rates in the scenario",
            )
        raise FargasimError(_unknown_region_message(region, overrides))

    def with_overrides(self, overrides: RateOverrides | None) -> PriceTable:
        """This table with the given rates replaced (idempotent)."""
        if overrides is None or not overrides.given():
            return self
        return replace(self, rates=self.rates.model_copy(update=overrides.given()))

    def unit_rates(
        self,
        architecture: str,
        os_family: str,
        capacity_provider: str,
        spec: PricingSpec | None = None,
    ) -> UnitRates:
        """The rates a task of this kind pays per second; :class:`FargasimError` for a kind
        Fargate does not run (§1.2, §7.2)."""
        spec = spec or PricingSpec()
        arch = _choice(architecture, ARCHITECTURES, "architecture (cpuArchitecture)")
        family = _choice(os_family, OS_FAMILIES, "os (operatingSystemFamily)")
        provider = _choice(capacity_provider, CAPACITY_PROVIDERS, "capacity provider")
        found = kind_rates(
            self.rates, arch == "ARM64", family != "LINUX", provider == "FARGATE_SPOT", spec
        )
        if isinstance(found, str):
            raise FargasimError(found)
        return found


def price(
    cpu: str | int,
    memory: str | int,
    seconds: float,
    architecture: str = "X86_64",
    os: str = "LINUX",
    ephemeral_gib: float = 20,
    capacity_provider: str = "FARGATE",
    region: str = "us-east-1",
    *,
    spec: PricingSpec | None = None,
    table: PriceTable | None = None,
    size_rules: SizeRules | None = None,
) -> Price:
    """The price of ONE task that ran ``seconds`` from image-pull start to stop (§1.1).

    ``cpu`` and ``memory`` take the ECS spellings (``"1024"``, ``1024``, ``"1 vCPU"``;
    ``"2048"``, ``"2 GB"``, §2.1); ``os`` an ECS ``operatingSystemFamily``; ``ephemeral_gib`` the
    task's ``ephemeralStorage.sizeInGiB`` (20 = not configured, else 21–200, §2.2).

    Keyword-only extras: ``spec`` (the scenario's ``pricing:`` section; defaults otherwise),
    ``table`` (a price table to use instead of ``region``'s; ``spec.rates`` still applies) and
    ``size_rules`` (e.g. the optional 32 vCPU row, §2.1).

    >>> price("1 vCPU", "2 GB", 600).total_usd == 1 * 0.000011244 * 600 + 2 * 0.000001235 * 600
    True
    """
    spec = spec or PricingSpec()
    cpu_units = _parsed(parse_cpu_units, cpu, "cpu")
    memory_mib = _parsed(parse_memory_mib, memory, "memory")
    arch = _choice(architecture, ARCHITECTURES, "architecture (cpuArchitecture)")
    family = _choice(os, OS_FAMILIES, "os (operatingSystemFamily)")
    provider = _choice(capacity_provider, CAPACITY_PROVIDERS, "capacity provider")
    problem = check_task_size(cpu_units, memory_mib, family, size_rules or SizeRules())
    if problem:
        raise FargasimError(problem)
    storage_gib = _ephemeral_gib(ephemeral_gib)
    duration = _seconds(seconds)
    if table is None:
        table = PriceTable.resolve(region, spec.rates)
    else:
        table = table.with_overrides(spec.rates)
    unit = kind_rates(
        table.rates, arch == "ARM64", family != "LINUX", provider == "FARGATE_SPOT", spec
    )
    if isinstance(unit, str):
        raise FargasimError(unit)
    billed = billed_seconds(np.array([duration]), unit.minimum_seconds)
    vcpu_usd, memory_usd, storage_usd, os_usd, total = amounts(
        np.array([cpu_units], dtype=np.int64),
        np.array([memory_mib], dtype=np.int64),
        np.array([storage_gib]),
        billed,
        unit.vcpu,
        unit.gb,
        unit.storage,
        unit.os_license,
    )
    return Price(
        billed_seconds=int(billed[0]),
        vcpu_usd=float(vcpu_usd[0]),
        memory_usd=float(memory_usd[0]),
        storage_usd=float(storage_usd[0]),
        os_license_usd=float(os_usd[0]),
        total_usd=float(total[0]),
    )


# ---------------------------------------------------------------------------------------------
# The arithmetic, shared by price() and the meter so that both give bit-identical results.


def billed_seconds(seconds: FloatArray, minimum: IntArray | int) -> IntArray:
    """``max(minimum, ceil(seconds))`` with the tolerance of :data:`BILLING_TOLERANCE_SECONDS`
    (§1.1). ``seconds`` must be finite and ≥ 0."""
    rounded = np.ceil(seconds - BILLING_TOLERANCE_SECONDS)
    result: IntArray = np.maximum(rounded, minimum).astype(np.int64)
    return result


def amounts(
    cpu_units: IntArray,
    memory_mib: IntArray,
    ephemeral_gib: FloatArray,
    billed: IntArray,
    vcpu_rate: FloatArray | float,
    gb_rate: FloatArray | float,
    storage_rate: FloatArray | float,
    os_license_rate: FloatArray | float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """vCPU, memory, storage, OS licence and total USD: each quantity × rate × billed seconds
    (§1.1, §1.2); storage counts only the GiB above the free 20 (§1.1)."""
    vcpu = cpu_units / CPU_UNITS_PER_VCPU
    gib = memory_mib / MIB_PER_GIB
    extra_gib = np.maximum(ephemeral_gib - FREE_EPHEMERAL_GIB, 0.0)
    secs = billed.astype(np.float64)
    vcpu_usd: FloatArray = vcpu * vcpu_rate * secs
    memory_usd: FloatArray = gib * gb_rate * secs
    storage_usd: FloatArray = extra_gib * storage_rate * secs
    os_usd: FloatArray = vcpu * os_license_rate * secs
    total: FloatArray = vcpu_usd + memory_usd + storage_usd + os_usd
    return vcpu_usd, memory_usd, storage_usd, os_usd, total


def kind_rates(
    rates: Rates, arm: bool, windows: bool, spot: bool, spec: PricingSpec
) -> UnitRates | str:
    """The rates of one kind of task, or why Fargate does not run that kind."""
    if windows and arm:
        return (
            "Windows containers on Fargate run only on X86_64: AWS prices Windows/X86 and "
            "nothing else (reference §1.2); set cpuArchitecture to X86_64"
        )
    if windows and spot:
        return (
            "Windows containers on Fargate don't support the Fargate Spot capacity provider "
            "(reference §7.2); use FARGATE"
        )
    if arm and spot and not spec.arm_spot_supported:
        return (
            "ARM64 tasks don't support the Fargate Spot capacity provider when "
            "pricing.armSpotSupported is false (the 2023 rule, reference §7.2); use FARGATE, "
            "X86_64, or set armSpotSupported: true"
        )
    multiplier = spec.spot_price_multiplier if spot else 1.0
    if windows:
        return UnitRates(
            vcpu=rates.windows_x86_vcpu_per_second * multiplier,
            gb=rates.windows_x86_gb_per_second * multiplier,
            storage=rates.ephemeral_storage_gb_per_second * multiplier,
            os_license=rates.windows_os_license_vcpu_per_second * multiplier,
            minimum_seconds=spec.windows_minimum_seconds,
        )
    if arm:
        vcpu, gb = rates.linux_arm_vcpu_per_second, rates.linux_arm_gb_per_second
    else:
        vcpu, gb = rates.linux_x86_vcpu_per_second, rates.linux_x86_gb_per_second
    return UnitRates(
        vcpu=vcpu * multiplier,
        gb=gb * multiplier,
        storage=rates.ephemeral_storage_gb_per_second * multiplier,
        os_license=0.0,
        minimum_seconds=LINUX_MINIMUM_SECONDS,
    )


# ---------------------------------------------------------------------------------------------
# Checks of one task's inputs


def did_you_mean(value: str, choices: tuple[str, ...]) -> str:
    """`` (did you mean 'X86_64'?)`` or an empty string."""
    close = difflib.get_close_matches(value.upper(), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_choice_message(value: object, choices: tuple[str, ...], what: str) -> str:
    hint = did_you_mean(value, choices) if isinstance(value, str) else ""
    return f"unknown {what} {value!r}{hint}; expected one of {', '.join(choices)}"


def _choice(value: object, choices: tuple[str, ...], what: str) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise FargasimError(unknown_choice_message(value, choices, what))


def _parsed(parse: Any, value: object, what: str) -> int:
    try:
        result: int = parse(value)
    except ValueError as exc:
        raise FargasimError(f"{what}: {exc}") from None
    return result


def _ephemeral_gib(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FargasimError(f"ephemeral_gib must be a whole number of GiB, got {value!r}")
    if value == FREE_EPHEMERAL_GIB:
        return float(FREE_EPHEMERAL_GIB)
    if not math.isfinite(value) or value != int(value):
        raise FargasimError(
            f"ephemeral storage sizeInGiB is a whole number of GiB (reference §2.2), got {value!r}"
        )
    problem = check_ephemeral_storage(int(value))
    if problem:
        raise FargasimError(problem)
    return float(value)


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FargasimError(f"seconds must be a number, got {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds):
        raise FargasimError(f"seconds must be finite, got {value!r}")
    if seconds < 0:
        raise FargasimError(
            f"a task cannot run for a negative time: seconds={value!r} (billing runs from "
            f"image-pull start to stop, reference §1.1)"
        )
    return seconds


# ---------------------------------------------------------------------------------------------
# Built-in tables


@functools.cache
def _builtin_regions() -> tuple[str, ...]:
    folder = resources.files(_PRICES_PACKAGE).joinpath(_PRICES_DIR)
    names = [entry.name for entry in folder.iterdir() if entry.name.endswith(".yaml")]
    return tuple(sorted(name.removesuffix(".yaml") for name in names))


@functools.cache
def _load_builtin(region: str) -> PriceTable:
    if region not in _builtin_regions():
        raise FargasimError(_unknown_region_message(region, None))
    resource = resources.files(_PRICES_PACKAGE).joinpath(_PRICES_DIR).joinpath(f"{region}.yaml")
    try:
        data = yaml.safe_load(resource.read_text(encoding="utf-8"))
        parsed = _PriceFile.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise FargasimError(f"the built-in price table {region}.yaml is broken: {exc}") from None
    if parsed.region != region:
        raise FargasimError(f"the built-in price table {region}.yaml says region {parsed.region!r}")
    return PriceTable(
        region=region, rates=parsed.rates, source=parsed.source, retrieved=parsed.retrieved
    )


def _unknown_region_message(region: str, overrides: RateOverrides | None) -> str:
    known = _builtin_regions()
    close = difflib.get_close_matches(region, known, n=1, cutoff=0.8)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    missing = overrides.missing() if overrides is not None else RateOverrides().missing()
    return (
        f"fargasim has no price table for region {region!r}{hint}; built-in tables: "
        f"{', '.join(known)}. To price another region, give its per-second rates in the "
        f"scenario's pricing.rates (still missing: {', '.join(missing)})"
    )
