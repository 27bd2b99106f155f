"""The vectorized meter: many tasks at once, and cost over time (reference §1.1, §1.2, §1.4, §7.2).

Expected values are written by hand from AWS's per-second rates (§1.2), or computed by
:func:`price` for one task (the meter must agree with it to the last bit), or by a brute-force
loop over tasks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.billing import (
    Charges,
    PriceTable,
    PricingSpec,
    Usage,
    charge,
    cumulative_cost,
    price,
)
from fargasim.ecs.sizes import FARGATE_SIZES, WINDOWS_CPU_UNITS
from fargasim.errors import FargasimError

X86_VCPU = 0.000011244
X86_GB = 0.000001235
STORAGE_GB = 0.0000000308
WIN_VCPU = 0.0000254167
WIN_OS = 0.0000127778
WIN_GB = 0.0000027778

TABLE = PriceTable.load("us-east-1")
NAN = float("nan")

Row = dict[str, Any]


def usage(rows: list[Row]) -> Usage:
    """A Usage from task rows; omitted fields take a 1 vCPU / 2 GB Linux x86 on-demand task."""
    full = [
        {
            "cpu": 1024,
            "memory": 2048,
            "storage": 20.0,
            "arch": "X86_64",
            "os": "LINUX",
            "provider": "FARGATE",
            **row,
        }
        for row in rows
    ]
    return Usage(
        cpu_units=np.array([r["cpu"] for r in full], dtype=np.int64),
        memory_mib=np.array([r["memory"] for r in full], dtype=np.int64),
        ephemeral_gib=np.array([r["storage"] for r in full], dtype=np.float64),
        architecture=np.array([r["arch"] for r in full], dtype=str),
        os_family=np.array([r["os"] for r in full], dtype=str),
        capacity_provider=np.array([r["provider"] for r in full], dtype=str),
        start=np.array([r["start"] for r in full], dtype=np.float64),
        stop=np.array([r["stop"] for r in full], dtype=np.float64),
    )


# ---------------------------------------------------------------------------------------------
# charge


def test_charge_by_hand() -> None:
    """§1.1, §1.2, §1.4: a Linux task of 20 s (bills 60 s), a Windows task of 100 s (bills
    300 s, licence per vCPU), a Spot task of 600.5 s with 30 GiB storage (bills 601 s at 0.30 ×
    every rate), and a task that never started pulling its image (bills nothing)."""
    u = usage(
        [
            {"start": 5.0, "stop": 25.0},
            {
                "os": "WINDOWS_SERVER_2019_CORE",
                "cpu": 2048,
                "memory": 4096,
                "start": 0.0,
                "stop": 100.0,
            },
            {"provider": "FARGATE_SPOT", "storage": 30.0, "start": 10.0, "stop": 610.5},
            {"start": NAN, "stop": 50.0},
        ]
    )
    c = charge(u, TABLE, PricingSpec())
    assert isinstance(c, Charges)
    assert c.billed_seconds.tolist() == [60, 300, 601, 0]
    assert c.billed_seconds.dtype == np.int64
    expected_total = [
        1 * 0.000011244 * 60 + 2 * 0.000001235 * 60,
        2 * 0.0000254167 * 300 + 2 * 0.0000127778 * 300 + 4 * 0.0000027778 * 300,
        0.30 * (1 * 0.000011244 * 601 + 2 * 0.000001235 * 601 + 10 * 0.0000000308 * 601),
        0.0,
    ]
    assert c.total_usd.tolist() == pytest.approx(expected_total, rel=1e-12)
    assert c.os_license_usd.tolist() == pytest.approx([0, 2 * WIN_OS * 300, 0, 0], rel=1e-12)
    assert c.storage_usd.tolist() == pytest.approx([0, 0, 0.30 * 10 * STORAGE_GB * 601, 0])
    np.testing.assert_array_equal(
        c.total_usd, c.vcpu_usd + c.memory_usd + c.storage_usd + c.os_license_usd
    )


def test_windows_900_setting_in_the_meter() -> None:
    """§1.1 disagreement: windowsMinimumSeconds=900 applies to Windows rows only."""
    u = usage(
        [
            {"os": "WINDOWS_SERVER_2022_FULL", "start": 0.0, "stop": 100.0},
            {"start": 0.0, "stop": 100.0},
        ]
    )
    c = charge(u, TABLE, PricingSpec(windows_minimum_seconds=900))
    assert c.billed_seconds.tolist() == [900, 100]


def test_aws_pricing_example_1_through_the_meter() -> None:
    """Fargate pricing page, Example 1 (§1.2): 5 tasks × 30 days × 600 s, 1 vCPU, 2 GB, 30 GB
    storage, Linux/X86: "$1.01 + $0.22 + $0.03 = $1.26" (±$0.01 per component)."""
    rows = [
        {"storage": 30.0, "start": day * 86400.0 + task, "stop": day * 86400.0 + task + 600}
        for day in range(30)
        for task in range(5)
    ]
    c = charge(usage(rows), TABLE, PricingSpec())
    assert c.vcpu_usd.sum() == pytest.approx(1.01, abs=0.01)
    assert c.memory_usd.sum() == pytest.approx(0.22, abs=0.01)
    assert c.storage_usd.sum() == pytest.approx(0.03, abs=0.01)
    assert c.total_usd.sum() == pytest.approx(1.26, abs=0.01)
    assert c.total_usd.sum() == pytest.approx(
        5 * 30 * (1 * X86_VCPU * 600 + 2 * X86_GB * 600 + 10 * STORAGE_GB * 600), rel=1e-12
    )


def test_empty_usage() -> None:
    """No tasks, no cost."""
    u = usage([])
    c = charge(u, TABLE, PricingSpec())
    assert len(c) == 0
    assert cumulative_cost(u, c, np.array([0.0, 10.0])).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"cpu": 1024, "memory": 1024}, "1024 MiB"),  # §2.1
        ({"cpu": 256, "memory": 512, "os": "WINDOWS_SERVER_2019_FULL"}, "1, 2 or 4 vCPU"),
        ({"storage": 10.0}, "21–200"),  # §2.2
        ({"storage": 30.5}, "whole number"),
        ({"os": "WINDOWS_SERVER_2019_FULL", "arch": "ARM64"}, "X86_64"),  # §1.2
        ({"os": "WINDOWS_SERVER_2019_FULL", "provider": "FARGATE_SPOT"}, "Spot"),  # §7.2
        ({"arch": "arm64"}, "did you mean 'ARM64'"),
        ({"os": "Linux"}, "did you mean 'LINUX'"),
        ({"provider": "EC2"}, "FARGATE, FARGATE_SPOT"),
        ({"start": 10.0, "stop": 5.0}, "start=10.0 and stop=5.0"),  # §1.1
        ({"start": 10.0, "stop": NAN}, "stop=nan"),
    ],
)
def test_charge_refuses_what_price_refuses(row: Row, words: str) -> None:
    """The meter refuses every row price() refuses, naming the row (§1.2, §2.1, §2.2, §7.2)."""
    good = {"start": 0.0, "stop": 60.0}
    with pytest.raises(FargasimError) as caught:
        charge(usage([good, {**good, **row}]), TABLE, PricingSpec())
    assert "task 1:" in str(caught.value)
    assert words in str(caught.value)


def test_arm_spot_refused_in_the_2023_setting() -> None:
    """§7.2: with armSpotSupported: false an ARM64 Spot row is refused."""
    u = usage([{"arch": "ARM64", "provider": "FARGATE_SPOT", "start": 0.0, "stop": 1.0}])
    charge(u, TABLE, PricingSpec())
    with pytest.raises(FargasimError, match=r"task 0: .*armSpotSupported"):
        charge(u, TABLE, PricingSpec(arm_spot_supported=False))


def test_usage_arrays_must_agree_in_length() -> None:
    u = usage([{"start": 0.0, "stop": 1.0}])
    broken = Usage(**{**u.__dict__, "stop": np.array([1.0, 2.0])})
    with pytest.raises(FargasimError, match="one length"):
        charge(broken, TABLE, PricingSpec())


# The meter must agree with price() task by task, exactly.

LINUX_SIZES = [(c, m) for c, mems in FARGATE_SIZES.items() for m in mems]
WINDOWS_SIZES = [(c, m) for c, m in LINUX_SIZES if c in WINDOWS_CPU_UNITS]
WINDOWS_FAMILIES = [
    "WINDOWS_SERVER_2019_FULL",
    "WINDOWS_SERVER_2019_CORE",
    "WINDOWS_SERVER_2022_FULL",
    "WINDOWS_SERVER_2022_CORE",
    "WINDOWS_SERVER_2025_FULL",
    "WINDOWS_SERVER_2025_CORE",
    "WINDOWS_SERVER_2004_CORE",
    "WINDOWS_SERVER_20H2_CORE",
]

durations = st.one_of(
    st.floats(min_value=0, max_value=200_000, allow_nan=False),
    st.builds(
        lambda whole, noise: max(whole + noise, 0.0),
        st.integers(min_value=0, max_value=2000).map(float),
        st.sampled_from([0.0, 1e-13, -1e-13, 4e-11, 6e-11, 1e-10, -1e-10, 0.4, 0.5, 0.999]),
    ),
)


@st.composite
def task_rows(draw: st.DrawFn, arm_spot: bool) -> Row:
    windows = draw(st.booleans())
    if windows:
        cpu, memory = draw(st.sampled_from(WINDOWS_SIZES))
        os_family, arch, provider = draw(st.sampled_from(WINDOWS_FAMILIES)), "X86_64", "FARGATE"
    else:
        cpu, memory = draw(st.sampled_from(LINUX_SIZES))
        os_family, arch = "LINUX", draw(st.sampled_from(["X86_64", "ARM64"]))
        spot_ok = arch == "X86_64" or arm_spot
        provider = draw(st.sampled_from(["FARGATE", "FARGATE_SPOT"] if spot_ok else ["FARGATE"]))
    storage = draw(st.one_of(st.just(20), st.integers(min_value=21, max_value=200)))
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        start, stop = NAN, draw(st.floats(min_value=0, max_value=1e6))
    else:
        start = draw(st.floats(min_value=0, max_value=1e6, allow_nan=False))
        stop = start + draw(durations)
    return {
        "cpu": cpu,
        "memory": memory,
        "storage": float(storage),
        "arch": arch,
        "os": os_family,
        "provider": provider,
        "start": start,
        "stop": stop,
    }


pricing_specs = st.builds(
    PricingSpec,
    spot_price_multiplier=st.floats(min_value=0.01, max_value=1.0),
    windows_minimum_seconds=st.sampled_from([300, 900, 0, 60]),
    arm_spot_supported=st.booleans(),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[PricingSpec, list[Row]]:
    spec = draw(pricing_specs)
    rows = draw(st.lists(task_rows(spec.arm_spot_supported), min_size=1, max_size=25))
    return spec, rows


@st.composite
def one_class_scenarios(draw: st.DrawFn) -> tuple[PricingSpec, list[Row]]:
    """Many tasks of one price class (kind, size and storage), as a batch is: the meter prices
    them with the class's rates once."""
    spec = draw(pricing_specs)
    template = draw(task_rows(spec.arm_spot_supported))
    times = draw(st.lists(task_rows(spec.arm_spot_supported), min_size=2, max_size=25))
    return spec, [{**template, "start": t["start"], "stop": t["stop"]} for t in times]


@settings(max_examples=150, deadline=None)
@given(st.one_of(scenarios(), one_class_scenarios()))
def test_charge_agrees_exactly_with_price(case: tuple[PricingSpec, list[Row]]) -> None:
    """§1.1, §1.2, §1.4: charge() is price() applied to every row, bit for bit (rows of many
    price classes, and many rows of one)."""
    spec, rows = case
    u = usage(rows)
    c = charge(u, TABLE, spec)
    for i, row in enumerate(rows):
        if math.isnan(row["start"]):
            assert c.billed_seconds[i] == 0 and c.total_usd[i] == 0.0
            continue
        p = price(
            row["cpu"],
            row["memory"],
            row["stop"] - row["start"],
            architecture=row["arch"],
            os=row["os"],
            ephemeral_gib=row["storage"],
            capacity_provider=row["provider"],
            spec=spec,
        )
        assert c.billed_seconds[i] == p.billed_seconds
        assert c.vcpu_usd[i] == p.vcpu_usd
        assert c.memory_usd[i] == p.memory_usd
        assert c.storage_usd[i] == p.storage_usd
        assert c.os_license_usd[i] == p.os_license_usd
        assert c.total_usd[i] == p.total_usd


# ---------------------------------------------------------------------------------------------
# cumulative_cost


def test_two_task_timeline_by_hand() -> None:
    """§1.1: task A (1 vCPU, 2 GB) runs 0–30 s and bills the 60 s minimum; task B (0.5 vCPU,
    1 GB) runs 10–130.5 s and bills 121 s. Each accrues at its per-second rate while it runs;
    A's 30 unbilled-but-charged seconds and B's half second are added at their stops."""
    rate_a = 1 * 0.000011244 + 2 * 0.000001235  # USD per second
    rate_b = 0.5 * 0.000011244 + 1 * 0.000001235
    u = usage(
        [
            {"start": 0.0, "stop": 30.0},
            {"cpu": 512, "memory": 1024, "start": 10.0, "stop": 130.5},
        ]
    )
    c = charge(u, TABLE, PricingSpec())
    times = np.array([-1.0, 0.0, 10.0, 20.0, 29.999, 30.0, 100.0, 130.0, 130.5, 1000.0])
    expected = [
        0.0,
        0.0,
        10 * rate_a,
        20 * rate_a + 10 * rate_b,
        29.999 * rate_a + 19.999 * rate_b,
        60 * rate_a + 20 * rate_b,  # A stops: its minimum is topped up
        60 * rate_a + 90 * rate_b,
        60 * rate_a + 120 * rate_b,
        60 * rate_a + 121 * rate_b,  # B stops: 120.5 s billed as 121 s
        60 * rate_a + 121 * rate_b,
    ]
    got = cumulative_cost(u, c, times)
    assert got.tolist() == pytest.approx(expected, rel=1e-12, abs=1e-18)
    assert got[-1] == c.total_usd.sum()
    # Any order and shape of times.
    assert cumulative_cost(u, c, times[::-1].reshape(2, 5)).ravel().tolist() == got[::-1].tolist()


def brute_force(u: Usage, c: Charges, t: float) -> float:
    """The definition, one task at a time."""
    total = 0.0
    for i in range(len(u)):
        if c.billed_seconds[i] == 0:
            continue
        rate = c.total_usd[i] / c.billed_seconds[i]
        if t >= u.stop[i]:
            total += c.total_usd[i]
        elif t >= u.start[i]:
            total += rate * (t - u.start[i])
    return total


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.lists(st.floats(min_value=-10, max_value=1.3e6), max_size=30))
def test_cumulative_cost_properties(
    case: tuple[PricingSpec, list[Row]], samples: list[float]
) -> None:
    """The curve never decreases, ends at the total, and matches the definition at any time."""
    spec, rows = case
    u = usage(rows)
    c = charge(u, TABLE, spec)
    starts = [r["start"] for r in rows if not math.isnan(r["start"])]
    stops = [r["stop"] for r in rows if not math.isnan(r["start"])]
    times = np.sort(np.array([*samples, *starts, *stops, *(s + 1e-7 for s in stops)]))
    values = cumulative_cost(u, c, times)
    assert (np.diff(values) >= 0).all()
    assert values.min(initial=0.0) >= 0.0
    after = max(stops, default=0.0) + 1.0
    assert cumulative_cost(u, c, np.array([after]))[0] == c.total_usd.sum()
    for t, value in zip(times, values, strict=True):
        assert value == pytest.approx(brute_force(u, c, float(t)), rel=1e-9, abs=1e-12)


def test_cumulative_cost_scales_to_many_tasks_and_times() -> None:
    """10^5 tasks × 10^5 times: a tasks × times matrix would hold 10^10 numbers; the sorted
    event sweep answers at once."""
    rng = np.random.default_rng(1)
    n = 100_000
    start = rng.uniform(0, 86_400, n)
    u = Usage(
        cpu_units=np.full(n, 512, dtype=np.int64),
        memory_mib=np.full(n, 1024, dtype=np.int64),
        ephemeral_gib=np.full(n, 20.0),
        architecture=np.full(n, "ARM64"),
        os_family=np.full(n, "LINUX"),
        capacity_provider=np.where(rng.random(n) < 0.5, "FARGATE", "FARGATE_SPOT"),
        start=start,
        stop=start + rng.exponential(300, n),
    )
    c = charge(u, TABLE, PricingSpec())
    times = np.linspace(0, 200_000, 100_000)
    values = cumulative_cost(u, c, times)
    assert (np.diff(values) >= 0).all()
    assert values[-1] == c.total_usd.sum()
