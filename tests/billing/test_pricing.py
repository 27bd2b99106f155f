"""The price of one Fargate task: AWS's billing rule and rates (reference §1.1, §1.2, §1.4, §7.2).

Every expected value is written out by hand from AWS's per-second rates (§1.2), copied below from
the Fargate pricing page, never taken from the code under test.
"""

from __future__ import annotations

import datetime

import pytest
from pydantic import ValidationError

from fargasim.billing import Price, PriceTable, PricingSpec, price
from fargasim.billing.spec import RateOverrides
from fargasim.ecs.sizes import SizeRules
from fargasim.errors import FargasimError

# US East (N. Virginia), per second, as printed on https://aws.amazon.com/fargate/pricing/ (§1.2).
X86_VCPU = 0.000011244
X86_GB = 0.000001235
ARM_VCPU = 0.0000089944
ARM_GB = 0.0000009889
STORAGE_GB = 0.0000000308
WIN_VCPU = 0.0000254167
WIN_OS = 0.0000127778
WIN_GB = 0.0000027778

WINDOWS = "WINDOWS_SERVER_2019_FULL"


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------------------------------------
# §1.1 billing rule: per second, rounded up, 1-minute minimum (Linux)


def test_a_20_second_task_bills_60_seconds() -> None:
    """§1.1: "Pricing is calculated per second with a 1-minute minimum" — 20 s bills 60 s."""
    p = price("1024", "2048", 20)
    assert p.billed_seconds == 60
    assert p.vcpu_usd == approx(1 * 0.000011244 * 60)
    assert p.memory_usd == approx(2 * 0.000001235 * 60)
    assert p.total_usd == approx(1 * 0.000011244 * 60 + 2 * 0.000001235 * 60)


def test_a_zero_second_task_still_bills_the_minute() -> None:
    """§1.1: the 1-minute minimum applies to any billed task, even one that stops at once."""
    assert price("256", "512", 0).billed_seconds == 60
    assert price("256", "512", 0).total_usd == approx(0.25 * X86_VCPU * 60 + 0.5 * X86_GB * 60)


def test_60_4_seconds_bills_61_seconds() -> None:
    """§1.1: duration is "rounded up to the nearest second"."""
    p = price(1024, 2048, 60.4)
    assert p.billed_seconds == 61
    assert p.total_usd == approx(1 * 0.000011244 * 61 + 2 * 0.000001235 * 61)


@pytest.mark.parametrize(("seconds", "billed"), [(60.0, 60), (61.0, 61), (3599.5, 3600)])
def test_whole_and_fractional_seconds(seconds: float, billed: int) -> None:
    """§1.1: whole seconds bill themselves; fractions round up."""
    assert price(1024, 2048, seconds).billed_seconds == billed


def test_float_tolerance_of_the_rounding() -> None:
    """§1.1 rounding, in floating point (tolerance 1 µs, fargasim.billing.pricing docstring):
    2 µs beyond a minute is a 61st second; float noise around 60 s is not."""
    assert price(1024, 2048, 60.000002).billed_seconds == 61
    assert price(1024, 2048, 60 + 2e-6).billed_seconds == 61
    assert price(1024, 2048, 60.0000000001).billed_seconds == 60
    assert price(1024, 2048, 60 + 5e-7).billed_seconds == 60
    assert price(1024, 2048, 60.1 - 0.1).billed_seconds == 60
    assert price(1024, 2048, sum([0.1] * 600)).billed_seconds == 60  # 60.00000000000x
    assert price(1024, 2048, 60 + 1e-12).billed_seconds == 60
    assert price(1024, 2048, 60 + 4e-11).billed_seconds == 60
    assert price(1024, 2048, 59.999999999999).billed_seconds == 60
    assert price(1024, 2048, (1_000_000.3 + 120.0) - 1_000_000.3).billed_seconds == 120
    assert price(1024, 2048, (1_814_400.7 + 90.0) - 1_814_400.7).billed_seconds == 90  # 3 weeks


def test_a_linux_x86_task_by_component() -> None:
    """§1.2: vCPU × vCPU rate + GB × GB rate, per billed second; no storage, no licence."""
    p = price("1 vCPU", "2 GB", 600)
    assert isinstance(p, Price)
    assert p.billed_seconds == 600
    assert p.vcpu_usd == approx(1 * 0.000011244 * 600)
    assert p.memory_usd == approx(2 * 0.000001235 * 600)
    assert p.storage_usd == 0.0
    assert p.os_license_usd == 0.0
    assert p.total_usd == approx(1 * 0.000011244 * 600 + 2 * 0.000001235 * 600)


def test_ecs_spellings_of_cpu_and_memory() -> None:
    """§2.1: ECS takes CPU as units or vCPU and memory as MiB or GB ("GB" = GiB, §1.1)."""
    reference = price("1024", "2048", 600)
    spellings: list[tuple[str | int, str | int]] = [
        (1024, 2048),
        ("1 vCPU", "2 GB"),
        ("1024", "2GB"),
        (1024, "2 gb"),
    ]
    for cpu, memory in spellings:
        assert price(cpu, memory, 600) == reference
    quarter = price("0.25 vCPU", "0.5 GB", 3600)
    assert quarter.total_usd == approx(0.25 * X86_VCPU * 3600 + 0.5 * X86_GB * 3600)


def test_memory_gb_is_gib() -> None:
    """§1.1: "* on this page GB = 1024^3 bytes" — 3072 MiB is 3 GB of memory."""
    p = price(1024, 3072, 100)
    assert p.memory_usd == approx(3 * 0.000001235 * 100)


# ---------------------------------------------------------------------------------------------
# §1.1 ephemeral storage: only what is configured above 20 GB


def test_30_gib_of_storage_bills_10_gib() -> None:
    """§1.1: "20 GB of ephemeral storage is available … by default—you only pay for any
    additional storage that you configure": 30 GiB bills 10 GiB."""
    p = price(1024, 2048, 600, ephemeral_gib=30)
    assert p.storage_usd == approx(10 * 0.0000000308 * 600)
    assert p.total_usd == approx(
        1 * 0.000011244 * 600 + 2 * 0.000001235 * 600 + 10 * 0.0000000308 * 600
    )


def test_20_gib_of_storage_bills_nothing() -> None:
    """§1.1: the default 20 GB is free."""
    assert price(1024, 2048, 600, ephemeral_gib=20).storage_usd == 0.0


@pytest.mark.parametrize(("configured", "billed_gib"), [(21, 1), (100, 80), (200, 180)])
def test_storage_above_20(configured: int, billed_gib: int) -> None:
    """§1.1, §2.2: 21–200 GiB may be configured; the part above 20 is billed."""
    p = price(512, 1024, 120, ephemeral_gib=configured)
    assert p.storage_usd == approx(billed_gib * 0.0000000308 * 120)


# ---------------------------------------------------------------------------------------------
# §1.1, §1.2 Windows: own rates, OS licence per vCPU, 5-minute minimum (15 in the 2021 setting)


def test_windows_minimum_is_300_seconds() -> None:
    """§1.1: "For Windows containers, billing is calculated per second with a 5-minute
    minimum": a 100 s Windows task bills 300 s."""
    p = price(1024, 2048, 100, os=WINDOWS)
    assert p.billed_seconds == 300
    assert p.vcpu_usd == approx(1 * 0.0000254167 * 300)
    assert p.os_license_usd == approx(1 * 0.0000127778 * 300)
    assert p.memory_usd == approx(2 * 0.0000027778 * 300)
    assert p.total_usd == approx(
        1 * 0.0000254167 * 300 + 1 * 0.0000127778 * 300 + 2 * 0.0000027778 * 300
    )


def test_windows_minimum_900_setting() -> None:
    """§1.1 disagreement: the 15-minute minimum of the 2021 launch, as a setting."""
    spec = PricingSpec(windows_minimum_seconds=900)
    assert price(1024, 2048, 100, os=WINDOWS, spec=spec).billed_seconds == 900
    assert price(1024, 2048, 899.5, os=WINDOWS, spec=spec).billed_seconds == 900
    assert price(1024, 2048, 1000.2, os=WINDOWS, spec=spec).billed_seconds == 1001
    assert price(1024, 2048, 30, spec=spec).billed_seconds == 60  # Linux keeps its minute


def test_windows_licence_is_per_vcpu() -> None:
    """§1.2: the Windows OS licence is charged per vCPU-second on top of the vCPU rate."""
    p = price("4 vCPU", "8 GB", 3600, os="WINDOWS_SERVER_2022_CORE")
    assert p.os_license_usd == approx(4 * 0.0000127778 * 3600)
    assert p.vcpu_usd == approx(4 * 0.0000254167 * 3600)
    assert p.memory_usd == approx(8 * 0.0000027778 * 3600)


@pytest.mark.parametrize(
    "family",
    [
        "WINDOWS_SERVER_2019_FULL",
        "WINDOWS_SERVER_2019_CORE",
        "WINDOWS_SERVER_2022_FULL",
        "WINDOWS_SERVER_2022_CORE",
        "WINDOWS_SERVER_2025_FULL",
        "WINDOWS_SERVER_2025_CORE",
        "WINDOWS_SERVER_2004_CORE",
        "WINDOWS_SERVER_20H2_CORE",
    ],
)
def test_every_windows_family_has_windows_rates(family: str) -> None:
    """§1.2: one Windows/X86 price, whatever the Windows Server edition."""
    p = price(2048, 4096, 400, os=family)
    assert p.billed_seconds == 400
    assert p.total_usd == approx(2 * WIN_VCPU * 400 + 2 * WIN_OS * 400 + 4 * WIN_GB * 400)


# ---------------------------------------------------------------------------------------------
# §1.2 ARM, §1.4 Spot


def test_arm_rates() -> None:
    """§1.2: Linux/ARM (Graviton) has its own vCPU and GB rates."""
    p = price(2048, 4096, 3600, architecture="ARM64")
    assert p.vcpu_usd == approx(2 * 0.0000089944 * 3600)
    assert p.memory_usd == approx(4 * 0.0000009889 * 3600)
    assert p.total_usd == approx(2 * 0.0000089944 * 3600 + 4 * 0.0000009889 * 3600)


def test_spot_is_30_percent_of_on_demand() -> None:
    """§1.4: Spot price = on-demand × spotPriceMultiplier, default 0.30 ("up to a 70%
    discount"), on every rate of the task (storage included, an assumption)."""
    p = price(1024, 2048, 600, ephemeral_gib=50, capacity_provider="FARGATE_SPOT")
    assert p.billed_seconds == 600
    assert p.vcpu_usd == approx(0.30 * 1 * 0.000011244 * 600)
    assert p.memory_usd == approx(0.30 * 2 * 0.000001235 * 600)
    assert p.storage_usd == approx(0.30 * 30 * 0.0000000308 * 600)
    on_demand = price(1024, 2048, 600, ephemeral_gib=50)
    assert p.total_usd == approx(0.30 * on_demand.total_usd)


def test_spot_minimum_and_rounding_are_those_of_linux() -> None:
    """§1.1 applies to Spot tasks too: 20 s bills 60 s."""
    p = price(1024, 2048, 20, capacity_provider="FARGATE_SPOT")
    assert p.billed_seconds == 60
    assert p.total_usd == approx(0.30 * (1 * X86_VCPU * 60 + 2 * X86_GB * 60))


def test_spot_multiplier_setting_and_arm_spot() -> None:
    """§1.4 (multiplier is a setting) and §7.2 (ARM64 on Spot: supported by default)."""
    spec = PricingSpec(spot_price_multiplier=0.5)
    p = price(1024, 2048, 600, "ARM64", capacity_provider="FARGATE_SPOT", spec=spec)
    assert p.total_usd == approx(0.5 * (1 * ARM_VCPU * 600 + 2 * ARM_GB * 600))


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"cpu": 1024, "memory": 1024}, "1024 MiB"),  # §2.1: 1 vCPU needs 2–8 GB
        ({"cpu": 300, "memory": 1024}, "300 CPU units"),
        ({"cpu": 256, "memory": 512, "os": WINDOWS}, "1, 2 or 4 vCPU"),  # §2.1
        ({"cpu": 8192, "memory": 16384, "os": WINDOWS}, "1, 2 or 4 vCPU"),
        ({"cpu": 32768, "memory": 61440}, "32768"),  # §2.1: the 2026 row is off by default
        ({"ephemeral_gib": 10}, "21–200"),  # §2.2
        ({"ephemeral_gib": 201}, "21–200"),
        ({"ephemeral_gib": 25.5}, "whole number"),
        ({"os": WINDOWS, "architecture": "ARM64"}, "X86_64"),  # §1.2: Windows/X86 only
        ({"os": WINDOWS, "capacity_provider": "FARGATE_SPOT"}, "Spot"),  # §7.2: never
        ({"seconds": -1}, "negative"),
        ({"seconds": float("nan")}, "finite"),
        ({"seconds": float("inf")}, "finite"),
        ({"architecture": "x86_64"}, "did you mean 'X86_64'"),
        ({"architecture": "AMD64"}, "X86_64, ARM64"),
        ({"os": "linux"}, "did you mean 'LINUX'"),
        ({"os": "WINDOWS_SERVER_2019"}, "did you mean 'WINDOWS_SERVER_2019_"),
        ({"capacity_provider": "SPOT"}, "FARGATE, FARGATE_SPOT"),
        ({"capacity_provider": "FARGATE_SPOTT"}, "did you mean 'FARGATE_SPOT'"),
        ({"cpu": "one"}, "cpu"),
        ({"memory": "2 TB"}, "memory"),
    ],
)
def test_refusals(kwargs: dict[str, object], words: str) -> None:
    """§2.1, §2.2 sizes; §1.2 Windows is X86 only; §7.2 Windows never on Spot; §1.1 time runs
    forward; ECS enumerations are exact (with a did-you-mean)."""
    arguments: dict[str, object] = {"cpu": 1024, "memory": 2048, "seconds": 60}
    arguments.update(kwargs)
    with pytest.raises(FargasimError, match=None) as caught:
        price(**arguments)  # type: ignore[arg-type]
    assert words in str(caught.value)


def test_arm_on_spot_refused_in_the_2023_setting() -> None:
    """§7.2: "Linux tasks with the ARM64 architecture don't support the Fargate Spot capacity
    provider" (2023), as the setting armSpotSupported: false."""
    spec = PricingSpec(arm_spot_supported=False)
    with pytest.raises(FargasimError, match="armSpotSupported"):
        price(1024, 2048, 60, "ARM64", capacity_provider="FARGATE_SPOT", spec=spec)
    price(1024, 2048, 60, "X86_64", capacity_provider="FARGATE_SPOT", spec=spec)
    price(1024, 2048, 60, "ARM64", capacity_provider="FARGATE", spec=spec)


def test_the_32_vcpu_row_when_enabled() -> None:
    """§2.1 disagreement: 32 vCPU with 60, 120 or 244 GB, priced at the same per-vCPU rate."""
    p = price(32768, 60 * 1024, 60, size_rules=SizeRules(allow_32_vcpu=True))
    assert p.total_usd == approx(32 * X86_VCPU * 60 + 60 * X86_GB * 60)


# ---------------------------------------------------------------------------------------------
# Price tables (§1.2) and the pricing: section


def test_us_east_1_table_is_the_pricing_page() -> None:
    """§1.2: the built-in table holds AWS's per-second rates, with its source and date."""
    table = PriceTable.load("us-east-1")
    assert table.source == "https://aws.amazon.com/fargate/pricing/"
    assert isinstance(table.retrieved, datetime.date)
    r = table.rates
    assert r.linux_x86_vcpu_per_second == 0.000011244
    assert r.linux_x86_gb_per_second == 0.000001235
    assert r.linux_arm_vcpu_per_second == 0.0000089944
    assert r.linux_arm_gb_per_second == 0.0000009889
    assert r.ephemeral_storage_gb_per_second == 0.0000000308
    assert r.windows_x86_vcpu_per_second == 0.0000254167
    assert r.windows_os_license_vcpu_per_second == 0.0000127778
    assert r.windows_x86_gb_per_second == 0.0000027778
    assert "us-east-1" in PriceTable.regions()


def test_unknown_region_names_the_tables_and_pricing_rates() -> None:
    """A region without a built-in table needs pricing.rates (all of them)."""
    with pytest.raises(FargasimError) as caught:
        price(1024, 2048, 60, region="eu-west-1")
    message = str(caught.value)
    assert "eu-west-1" in message and "us-east-1" in message and "pricing.rates" in message
    with pytest.raises(FargasimError, match="did you mean 'us-east-1'"):
        PriceTable.load("us-east1")
    partial = PricingSpec.model_validate({"rates": {"linuxX86VcpuPerSecond": 0.00001}})
    with pytest.raises(FargasimError, match="linuxX86GbPerSecond"):
        price(1024, 2048, 60, region="eu-west-1", spec=partial)


def test_custom_region_from_pricing_rates() -> None:
    """pricing.rates with every rate prices a region fargasim has no table for."""
    rates = {
        "linuxX86VcpuPerSecond": 0.00001,
        "linuxX86GbPerSecond": 0.000001,
        "linuxArmVcpuPerSecond": 0.000008,
        "linuxArmGbPerSecond": 0.0000008,
        "ephemeralStorageGbPerSecond": 0.00000003,
        "windowsX86VcpuPerSecond": 0.00002,
        "windowsOsLicenseVcpuPerSecond": 0.00001,
        "windowsX86GbPerSecond": 0.000002,
    }
    spec = PricingSpec.model_validate({"rates": rates})
    p = price(2048, 4096, 100, region="ap-south-99", ephemeral_gib=25, spec=spec)
    assert p.total_usd == approx(2 * 0.00001 * 100 + 4 * 0.000001 * 100 + 5 * 0.00000003 * 100)
    table = PriceTable.resolve("ap-south-99", spec.rates)
    assert table.region == "ap-south-99" and table.retrieved is None


def test_partial_override_of_a_built_in_table() -> None:
    """pricing.rates replaces only the rates it gives (negotiated prices)."""
    spec = PricingSpec(rates=RateOverrides(linux_x86_vcpu_per_second=0.00001))
    p = price(1024, 2048, 600, spec=spec)
    assert p.vcpu_usd == approx(1 * 0.00001 * 600)
    assert p.memory_usd == approx(2 * X86_GB * 600)
    # A table passed in still gets the spec's overrides.
    q = price(1024, 2048, 600, spec=spec, table=PriceTable.load())
    assert q == p


def test_pricing_spec_yaml_shape() -> None:
    """The pricing: section: camelCase keys, defaults (§1.1, §1.4, §7.2), unknown keys refused."""
    spec = PricingSpec()
    assert spec.spot_price_multiplier == 0.30
    assert spec.windows_minimum_seconds == 300
    assert spec.rates is None
    assert spec.arm_spot_supported is True
    loaded = PricingSpec.model_validate(
        {
            "spotPriceMultiplier": 0.31,
            "windowsMinimumSeconds": 900,
            "armSpotSupported": False,
            "rates": {"linuxArmGbPerSecond": 0.000001},
        }
    )
    assert loaded.spot_price_multiplier == 0.31
    assert loaded.rates is not None and loaded.rates.linux_arm_gb_per_second == 0.000001
    assert loaded.model_dump(by_alias=True, exclude_none=True)["rates"] == {
        "linuxArmGbPerSecond": 0.000001
    }
    for bad in (
        {"spotPriceMultipler": 0.3},
        {"spotPriceMultiplier": 0},
        {"spotPriceMultiplier": 1.01},
        {"windowsMinimumSeconds": -1},
        {"rates": {"linuxX86VcpuPerSecond": -1}},
        {"rates": {"linuxX86CpuPerSecond": 1}},
    ):
        with pytest.raises(ValidationError):
            PricingSpec.model_validate(bad)
    assert PricingSpec(spot_price_multiplier=1).spot_price_multiplier == 1
    with pytest.raises(ValidationError):
        spec.spot_price_multiplier = 0.5  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# AWS's own examples (https://aws.amazon.com/fargate/pricing/, "Pricing Examples"), ±$0.01


def test_aws_pricing_example_1_linux_x86() -> None:
    """Fargate pricing page, Example 1 (§1.2):

    "Let's say your service uses 5 ECS Tasks that run for 10 minutes (600 seconds) every day
    for a month (30 days) during which each ECS Task uses 1 vCPU, 2GB memory, and 30 GB
    ephemeral storage. Using the Linux/X86 pricing for US East (N. Virginia) …
    Total vCPU charges = 5 x 1 x 0.000011244 x 600 x 30 = $1.01
    Total memory charges = 5 x 2 x 0.000001235 x 600 x 30 = $0.22
    Additional ephemeral storage in GB: 30 - 20 = 10
    Total ephemeral storage charges = 5 x 10 x 0.0000000308 x 600 x 30 = $0.03
    Monthly Fargate compute charges = $1.01 + $0.22 + $0.03 = $1.26"
    """
    runs = 5 * 30
    p = price("1 vCPU", "2 GB", 600, ephemeral_gib=30)
    assert runs * p.vcpu_usd == pytest.approx(1.01, abs=0.01)
    assert runs * p.memory_usd == pytest.approx(0.22, abs=0.01)
    assert runs * p.storage_usd == pytest.approx(0.03, abs=0.01)
    assert runs * p.total_usd == pytest.approx(1.26, abs=0.01)
    assert runs * p.vcpu_usd == approx(5 * 1 * 0.000011244 * 600 * 30)
    assert runs * p.storage_usd == approx(5 * 10 * 0.0000000308 * 600 * 30)


def test_aws_pricing_example_2_linux_arm() -> None:
    """Fargate pricing page, Example 2 (§1.2):

    "Let's say your service runs on Arm-based AWS Graviton2-powered Fargate … The service uses
    5 ECS Tasks for 10 minutes (600 seconds) every day for a month (30 days) during which each
    ECS Task uses 1 vCPU, 2GB memory, and 30 GB ephemeral storage. …
    Total vCPU charges = 5 x 1 x 0.0000089944 x 600 x 30 = $0.81
    Total memory charges = 5 x 2 x 0.0000009889 x 600 x 30 = $0.18
    Total ephemeral storage charges = 5 x 10 x 0.0000000308 x 600 x 30 = $0.03
    Monthly Fargate compute charges = $0.81 + $0.18 + $0.03 = $1.02"
    """
    runs = 5 * 30
    p = price("1 vCPU", "2 GB", 600, architecture="ARM64", ephemeral_gib=30)
    assert runs * p.vcpu_usd == pytest.approx(0.81, abs=0.01)
    assert runs * p.memory_usd == pytest.approx(0.18, abs=0.01)
    assert runs * p.storage_usd == pytest.approx(0.03, abs=0.01)
    assert runs * p.total_usd == pytest.approx(1.02, abs=0.01)


def test_aws_pricing_example_3_quarter_vcpu() -> None:
    """Fargate pricing page, Example 3 (§1.2; the page's example is EKS Pods, which pay the same
    Linux/X86 rates as ECS tasks):

    "let's say your service uses 10 EKS Pods running for 1 hour (3600 seconds) every day for a
    month (30 days) where each EKS Pod uses 0.25 vCPU and 1 GB memory …
    Total vCPU charges = 10 x 0.25 x 0.000011244 x 3600 x 30 = $3.04
    Total memory charges = 10 x 1 x 0.000001235 x 3600 x 30 = $1.33
    Monthly Fargate compute charges = $3.04 + $1.33 = $4.37"
    """
    runs = 10 * 30
    p = price("256", "1024", 3600)
    assert runs * p.vcpu_usd == pytest.approx(3.04, abs=0.01)
    assert runs * p.memory_usd == pytest.approx(1.33, abs=0.01)
    assert runs * p.total_usd == pytest.approx(4.37, abs=0.01)


def test_aws_pricing_example_4_windows() -> None:
    """Fargate pricing page, Example 4 (§1.2):

    "your service uses 10 ECS Tasks running Windows for 1 hour (3600 seconds) every day for one
    month (30 days), where each ECS Task uses 1 vCPU and 2GB memory.
    Total vCPU charges = 10 x 1 x 0.0000254167 x 3600 x 30 = $27.45
    Total Windows OS charges = 10 x 1 x 0.0000127778 x 3600 x 30 = $13.80
    Total memory charges = 10 x 2 x 0.0000027778 x 3600 x 30 = $6.00
    Monthly Fargate compute charges = $27.45 + $13.80 + $6.00 = $47.25"
    """
    runs = 10 * 30
    p = price("1 vCPU", "2 GB", 3600, os="WINDOWS_SERVER_2022_FULL")
    assert runs * p.vcpu_usd == pytest.approx(27.45, abs=0.01)
    assert runs * p.os_license_usd == pytest.approx(13.80, abs=0.01)
    assert runs * p.memory_usd == pytest.approx(6.00, abs=0.01)
    assert runs * p.total_usd == pytest.approx(47.25, abs=0.01)
