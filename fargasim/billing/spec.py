"""The scenario's ``pricing:`` section: what fargasim bills and at which rates (reference §1).

AWS publishes the on-demand per-second rates and the billing rule (§1.1, §1.2) but not the Fargate
Spot price (§1.4, **UNSOURCED**), and two rules changed over time: the Windows minimum charge
(§1.1, disagreement: 5 minutes now, 15 minutes in the 2021 launch material) and whether ARM64
tasks may run on Fargate Spot (§7.2, disagreement by date). Each of those is a field here with
its default. ``rates`` overrides any per-second rate of the region's price table, for a region
fargasim has no table for or for negotiated prices.

Field names are written in camelCase in the scenario file (``spotPriceMultiplier``), like every
fargasim-owned section; unknown keys are refused.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

#: A per-second price in USD: finite and not negative.
Rate = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Own(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        strict=True,  # like the scenario's own sections: "off" or "0.3" in quotes is refused
        use_attribute_docstrings=True,
    )


class Rates(_Own):
    """A complete per-second price table in USD (§1.2; "GB = 1024^3 bytes", i.e. GiB, §1.1).

    The field names are those of ``fargasim/billing/prices/<region>.yaml`` and of
    ``pricing.rates``. Spot rates are not listed: they are on-demand × ``spotPriceMultiplier``
    (§1.4).
    """

    linux_x86_vcpu_per_second: Rate
    """Linux/X86 vCPU, per vCPU-second (§1.2)."""
    linux_x86_gb_per_second: Rate
    """Linux/X86 memory, per GiB-second (§1.2)."""
    linux_arm_vcpu_per_second: Rate
    """Linux/ARM (Graviton) vCPU, per vCPU-second (§1.2)."""
    linux_arm_gb_per_second: Rate
    """Linux/ARM (Graviton) memory, per GiB-second (§1.2)."""
    ephemeral_storage_gb_per_second: Rate
    """Ephemeral storage above the free 20 GiB, per GiB-second (§1.1, §1.2)."""
    windows_x86_vcpu_per_second: Rate
    """Windows/X86 vCPU, per vCPU-second, without the OS licence (§1.2)."""
    windows_os_license_vcpu_per_second: Rate
    """Windows OS licence, per vCPU-second, added to the Windows vCPU rate (§1.2)."""
    windows_x86_gb_per_second: Rate
    """Windows/X86 memory, per GiB-second (§1.2)."""


class RateOverrides(_Own):
    """Per-second rates that replace the region's table entry by entry (§1.2).

    Give all eight for a region fargasim has no table for; give some to model a negotiated or
    changed price. Names and units are those of :class:`Rates`.
    """

    linux_x86_vcpu_per_second: Rate | None = None
    """Linux/X86 vCPU, per vCPU-second (§1.2)."""
    linux_x86_gb_per_second: Rate | None = None
    """Linux/X86 memory, per GiB-second (§1.2)."""
    linux_arm_vcpu_per_second: Rate | None = None
    """Linux/ARM (Graviton) vCPU, per vCPU-second (§1.2)."""
    linux_arm_gb_per_second: Rate | None = None
    """Linux/ARM (Graviton) memory, per GiB-second (§1.2)."""
    ephemeral_storage_gb_per_second: Rate | None = None
    """Ephemeral storage above the free 20 GiB, per GiB-second (§1.1, §1.2)."""
    windows_x86_vcpu_per_second: Rate | None = None
    """Windows/X86 vCPU, per vCPU-second, without the OS licence (§1.2)."""
    windows_os_license_vcpu_per_second: Rate | None = None
    """Windows OS licence, per vCPU-second (§1.2)."""
    windows_x86_gb_per_second: Rate | None = None
    """Windows/X86 memory, per GiB-second (§1.2)."""

    def given(self) -> dict[str, float]:
        """The overridden rates by Python field name."""
        return {name: value for name, value in self if value is not None}

    def missing(self) -> list[str]:
        """The camelCase names of the rates not given (what a custom region still needs)."""
        return [to_camel(name) for name, value in self if value is None]


class PricingSpec(_Own):
    """The scenario's ``pricing:`` section (DESIGN.md §3; reference §1, §7.2)."""

    spot_price_multiplier: float = Field(default=0.30, gt=0, le=1, allow_inf_nan=False)
    """Fargate Spot price as a fraction of the on-demand price, applied to every rate of a
    FARGATE_SPOT task. AWS publishes no Spot rates, only "up to a 70% discount" (§1.4,
    **UNSOURCED**); third-party listings are about 0.31 (§1.4, §12). Default 0.30."""

    windows_minimum_seconds: int = Field(default=300, ge=0)
    """Minimum billed duration of a Windows task, in seconds. The current pricing page says
    "billing is calculated per second with a 5-minute minimum" (§1.1); the 15-minute minimum of
    the 2021 launch is **UNSOURCED** (§1.1 disagreement, §12): set 900 for that setting."""

    rates: RateOverrides | None = None
    """Per-second rates replacing the region's price table entry by entry (§1.2): all eight for
    a region fargasim has no table for, any of them for negotiated or changed prices."""

    arm_spot_supported: bool = True
    """Whether ARM64 tasks may run on FARGATE_SPOT. The 2023 ECS Developer Guide says no; the
    current pricing page lists "Spot Linux/ARM" (§7.2 disagreement). Default: supported. Windows
    tasks never run on Spot (§7.2)."""
