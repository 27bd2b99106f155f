"""Task start-up and stop latency (reference §4, §3.2; StartupSpec / ShutdownSpec defaults).

§4 (re:Post): "It is normal for new AWS Fargate tasks to take 30-45 seconds or longer to start …
launching the compute instance, allocating and attaching a network interface, downloading your
task image from the registry, unpacking the image layers, starting the program". §4 simulator
model: ``start = provisioning + image_pull (size / bandwidth, no cache) + extract (∝ 1/vCPU) +
app_init + …``, "calibrated to about 30–45 s total for small Linux images".
§3.2: stopTimeout default 30 s, at most 120 s on Fargate; SIGKILL after it.

Expected means are computed by hand from the StartupSpec formula and its default parameters
(every lognormal's mean is its ``mean``): provisioning + pending + pull overhead +
size/pullBandwidth + size/(extractMiBpsPerVcpu · min(vCPU, extractMaxVcpu)) + container start
(+ app start for "ready").
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from fargasim.ecs.startup import (
    DEFAULT_STOP_TIMEOUT,
    MAX_STOP_TIMEOUT,
    draw_shutdown,
    draw_startup,
    image_size_mib,
    stop_timeout,
)
from fargasim.scenario.schema import (
    Distribution,
    ShutdownSpec,
    StartupSpec,
    TaskDefinitionSpec,
)
from tests.builders import const, scenario, task_definition

DEFAULTS = StartupSpec()
DRAWS = 2000


def hand_mean_to_running(size_mib: float, vcpu: float, spec: StartupSpec = DEFAULTS) -> float:
    """Mean createdAt → runningAt by hand from the StartupSpec formula (§4): every lognormal
    step contributes its mean; pull and extract are deterministic in size and vCPU."""
    pull = spec.pull_overhead_seconds.mean + size_mib / spec.pull_bandwidth_mibps
    extract = size_mib / (spec.extract_mibps_per_vcpu * min(vcpu, spec.extract_max_vcpu))
    return (
        spec.provisioning_seconds.mean
        + spec.pending_seconds.mean
        + pull
        + extract
        + spec.container_start_seconds.mean
    )


def hand_mean_to_ready(size_mib: float, vcpu: float, spec: StartupSpec = DEFAULTS) -> float:
    return hand_mean_to_running(size_mib, vcpu, spec) + spec.app_start_seconds.mean


def hand_sd(with_app: bool, spec: StartupSpec = DEFAULTS) -> float:
    """SD of a sum of independent lognormal steps: √Σ (mean·cv)²."""
    steps = [
        spec.provisioning_seconds,
        spec.pending_seconds,
        spec.pull_overhead_seconds,
        spec.container_start_seconds,
    ] + ([spec.app_start_seconds] if with_app else [])
    return math.sqrt(sum((d.mean * d.cv) ** 2 for d in steps))


def sampled(size_mib: float, vcpu: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    plans = [draw_startup(DEFAULTS, "web", size_mib, vcpu, rng) for _ in range(DRAWS)]
    return (
        np.array([p.to_running for p in plans]),
        np.array([p.to_ready for p in plans]),
    )


def test_defaults_are_lognormal_steps() -> None:
    """The hand SDs below assume every random default step is a lognormal with cv > 0."""
    for d in (
        DEFAULTS.provisioning_seconds,
        DEFAULTS.pending_seconds,
        DEFAULTS.pull_overhead_seconds,
        DEFAULTS.container_start_seconds,
        DEFAULTS.app_start_seconds,
    ):
        assert d.distribution == "lognormal" and d.cv > 0


@pytest.mark.parametrize(
    ("size", "vcpu", "documented"),
    [(70.0, 0.5, 31.0), (70.0, 0.25, 36.0), (100.0, 0.25, 41.0)],
)
def test_documented_start_up_means(size: float, vcpu: float, documented: float) -> None:
    """StartupSpec docstring: "a 70 MiB image about 31 s on 0.5 vCPU and 36 s on 0.25 vCPU; the
    100 MiB default image about 41 s on 0.25 vCPU" (launch to serving traffic), "RUNNING comes
    appStartSeconds (5 s) earlier". Hand means agree within 0.5 s ("about")."""
    assert hand_mean_to_ready(size, vcpu) == pytest.approx(documented, abs=0.5)
    assert DEFAULTS.app_start_seconds.mean == 5.0


def test_constant_steps_are_the_hand_values() -> None:
    """With constant distributions every step is exactly its formula (§4)."""
    spec = StartupSpec(
        provisioning_seconds=Distribution(distribution="constant", mean=7),
        pending_seconds=Distribution(distribution="constant", mean=1.5),
        pull_overhead_seconds=Distribution(distribution="constant", mean=2),
        container_start_seconds=Distribution(distribution="constant", mean=0.5),
        app_start_seconds=Distribution(distribution="constant", mean=4),
    )
    plan = draw_startup(spec, "web", 120.0, 0.5, np.random.default_rng(0))
    assert plan.provisioning == 7
    assert plan.pending == 1.5
    assert plan.pull == pytest.approx(2 + 120 / 40)
    assert plan.extract == pytest.approx(120 / (30 * 0.5))
    assert plan.container_start == 0.5
    assert plan.app_start == 4
    assert plan.to_running == pytest.approx(7 + 1.5 + 5 + 8 + 0.5)
    assert plan.to_ready == pytest.approx(plan.to_running + 4)


def test_default_mean_to_ready_matches_hand_and_is_in_aws_range() -> None:
    """§4: 70 MiB image on 0.25 vCPU. Sample mean of 2000 draws of createdAt → app-ready equals
    the hand mean within 4 SE (SE = hand SD/√2000 ≈ 0.08 s), and the hand mean lies in AWS's
    "30-45 seconds" (§4)."""
    _, ready = sampled(70.0, 0.25)
    expected = hand_mean_to_ready(70.0, 0.25)
    assert abs(ready.mean() - expected) < 4 * hand_sd(True) / math.sqrt(DRAWS)
    assert 30.0 <= expected <= 45.0


def test_default_mean_to_running_matches_hand_formula() -> None:
    """createdAt → runningAt for 70 MiB on 0.25 vCPU: sample mean = hand mean within 4 SE."""
    running, _ = sampled(70.0, 0.25)
    expected = hand_mean_to_running(70.0, 0.25)
    assert abs(running.mean() - expected) < 4 * hand_sd(False) / math.sqrt(DRAWS)
    # The spread too: sample SD within 10 % of the hand SD (SE of an SD ≈ σ/√(2N) ≈ 1.6 %).
    assert running.std(ddof=1) == pytest.approx(hand_sd(False), rel=0.10)


def test_default_mean_to_running_is_in_aws_range() -> None:
    """§4: "It is normal for new AWS Fargate tasks to take 30-45 seconds or longer to start";
    ECS shows a task as started when it reaches RUNNING (createdAt → startedAt), so with the
    defaults the mean createdAt → runningAt of a small image on 0.25 vCPU should be 30–45 s."""
    expected = hand_mean_to_running(70.0, 0.25)
    assert 30.0 <= expected <= 45.0, f"mean createdAt→runningAt is {expected:.2f} s"


def test_bigger_image_takes_longer_by_exactly_pull_and_extract() -> None:
    """§4: no image cache on Fargate, pull time grows with image size. Same random draws (same
    seed), so the difference is exactly Δsize/40 + Δsize/(30·vCPU)."""
    small = draw_startup(DEFAULTS, "web", 70.0, 0.25, np.random.default_rng(9))
    big = draw_startup(DEFAULTS, "web", 500.0, 0.25, np.random.default_rng(9))
    d = DEFAULTS
    assert big.to_running - small.to_running == pytest.approx(
        430 / d.pull_bandwidth_mibps + 430 / (d.extract_mibps_per_vcpu * 0.25)
    )
    s_run, s_ready = sampled(70.0, 0.25, seed=4)
    b_run, b_ready = sampled(500.0, 0.25, seed=4)
    assert (b_run > s_run).all() and (b_ready > s_ready).all()


@pytest.mark.parametrize("size", [10.0, 70.0, 1000.0])
def test_more_vcpu_extracts_faster_up_to_the_cap(size: float) -> None:
    """§4: "more vCPU speeds decompression": extraction time is non-increasing in vCPU, strictly
    decreasing up to extractMaxVcpu (4) and flat beyond it."""
    vcpus = [0.25, 0.5, 1, 2, 4, 8, 16]
    extract = [
        draw_startup(DEFAULTS, "web", size, v, np.random.default_rng(1)).extract for v in vcpus
    ]
    assert DEFAULTS.extract_max_vcpu == 4.0  # the cap this test's vCPU list straddles
    for v, e in zip(vcpus, extract, strict=True):
        assert e == pytest.approx(size / (DEFAULTS.extract_mibps_per_vcpu * min(v, 4)))
    assert all(a > b for a, b in itertools.pairwise(extract[:5]))
    assert extract[4] == extract[5] == extract[6]
    running = [
        draw_startup(DEFAULTS, "web", size, v, np.random.default_rng(1)).to_running for v in vcpus
    ]
    assert all(a >= b for a, b in itertools.pairwise(running))


def test_service_override_of_app_start() -> None:
    spec = StartupSpec.model_validate(
        {"services": {"api": {"appStartSeconds": {"distribution": "constant", "mean": 60}}}}
    )
    api = draw_startup(spec, "api", 70, 1, np.random.default_rng(0))
    assert api.app_start == 60
    web = draw_startup(spec, "web", 70, 1, np.random.default_rng(0))
    assert web.app_start != 60


def test_image_size_sums_every_container_and_defaults_unknown_images() -> None:
    """All images of a task are pulled (§4); an image not in ``images:`` gets
    defaultImageSizeMiB (100)."""
    containers = [
        {"name": "app", "image": "registry.example/app:1", "essential": True},  # 40 MiB
        {"name": "sidecar", "image": "unknown/sidecar:2", "essential": False},  # default 100
    ]
    sc = scenario(taskDefinitions=task_definition(containerDefinitions=containers))
    assert image_size_mib(sc, sc.task_definition("web")) == 140.0


def _taskdef(*timeouts: int | None) -> TaskDefinitionSpec:
    return TaskDefinitionSpec.model_validate(
        {
            "family": "f",
            "containerDefinitions": [
                {"name": f"c{i}", "image": "x", **({} if t is None else {"stopTimeout": t})}
                for i, t in enumerate(timeouts)
            ],
        }
    )


@pytest.mark.parametrize(
    ("timeouts", "expected"),
    [
        ((None,), 30.0),  # §3.2 default 30 s
        ((10,), 10.0),  # container stopTimeout honoured
        ((10, None), 30.0),  # the longest container's
        ((5, 90), 90.0),
        ((300,), 120.0),  # §3.2 "The max stop timeout value is 120 seconds"
    ],
)
def test_stop_timeout(timeouts: tuple[int | None, ...], expected: float) -> None:
    """§3.2: default 30 s when not specified, at most 120 s on Fargate."""
    assert DEFAULT_STOP_TIMEOUT == 30.0 and MAX_STOP_TIMEOUT == 120.0
    assert stop_timeout(_taskdef(*timeouts)) == expected


@pytest.mark.parametrize(("exit_seconds", "timeout", "expected"), [(50, 30, 30), (10, 30, 10)])
def test_app_exit_is_cut_at_stop_timeout(
    exit_seconds: float, timeout: float, expected: float
) -> None:
    """§3.2: SIGTERM, then SIGKILL after stopTimeout: the app's exit never takes longer."""
    spec = ShutdownSpec.model_validate(
        {
            "deactivatingSeconds": const(2),
            "appExitSeconds": const(exit_seconds),
            "deprovisioningSeconds": const(6),
        }
    )
    plan = draw_shutdown(spec, timeout, np.random.default_rng(0))
    assert (plan.deactivating, plan.app_exit, plan.deprovisioning) == (2, expected, 6)


def test_random_app_exit_never_exceeds_stop_timeout() -> None:
    spec = ShutdownSpec.model_validate(
        {"appExitSeconds": {"distribution": "exponential", "mean": 20}}
    )
    rng = np.random.default_rng(3)
    exits = np.array([draw_shutdown(spec, 30.0, rng).app_exit for _ in range(2000)])
    assert exits.max() == 30.0  # P(Exp(20) > 30) = e^-1.5 ≈ 22 %: some are cut, none exceed
    assert (exits > 0).all()
