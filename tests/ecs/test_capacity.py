"""Capacity provider strategy: FARGATE / FARGATE_SPOT per task (reference §7.1).

§7.1: "the optional base value designates how many tasks, at a minimum, run on a specified
capacity provider." "if you specify a weight of 1 for capacityProviderA and a weight of 4 for
capacityProviderB. Then, for every one task that's run using capacityProviderA, there are four
tasks that use capacityProviderB." "weight-0 providers are not used".

Expected splits are hand calculations: base first, then the rest in proportion to the weights.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.ecs.capacity import StrategyItem, choose_provider, split
from fargasim.engine import simulate
from tests import builders as b

OD, SPOT = "FARGATE", "FARGATE_SPOT"


def test_base_then_equal_weights() -> None:
    """§7.1: base 2 on FARGATE, weights 1/1, 6 tasks → 2 (base) + 4 split 1:1 → 4 FARGATE,
    2 SPOT."""
    strategy = [StrategyItem(OD, 1, 2), StrategyItem(SPOT, 1, 0)]
    assert split(strategy, 6) == {OD: 4, SPOT: 2}


def test_the_first_tasks_go_to_the_base_provider() -> None:
    """§7.1: the base is met before weights apply: 2 tasks → both FARGATE."""
    strategy = [StrategyItem(SPOT, 1, 0), StrategyItem(OD, 1, 2)]
    assert split(strategy, 2) == {SPOT: 0, OD: 2}


def test_aws_one_to_four_example() -> None:
    """§7.1, AWS's example: weights 1 (A) and 4 (B), "for every one task … using A, there are four
    tasks that use B": 10 tasks → 2 : 8."""
    strategy = [StrategyItem(OD, 1, 0), StrategyItem(SPOT, 4, 0)]
    assert split(strategy, 10) == {OD: 2, SPOT: 8}


def test_weight_zero_provider_is_not_used() -> None:
    """§7.1: weight-0 providers are not used (beyond a base)."""
    assert split([StrategyItem(OD, 1, 0), StrategyItem(SPOT, 0, 0)], 7) == {OD: 7, SPOT: 0}
    # A base on a weight-0 provider is still honoured; every task above it goes elsewhere.
    assert split([StrategyItem(OD, 0, 2), StrategyItem(SPOT, 1, 0)], 5) == {OD: 2, SPOT: 3}


def test_all_weights_zero_is_refused() -> None:
    """§7.1: "all weights 0 → RunTask/CreateService fail"."""
    with pytest.raises(ValueError, match="weight > 0"):
        choose_provider([StrategyItem(OD, 0, 0), StrategyItem(SPOT, 0, 0)], {})


def test_choice_depends_on_current_counts() -> None:
    """After scale-in the next task restores the ratio: 1:1 with 3 OD, 1 SPOT → SPOT."""
    strategy = [StrategyItem(OD, 1, 0), StrategyItem(SPOT, 1, 0)]
    assert choose_provider(strategy, {OD: 3, SPOT: 1}) == SPOT
    assert choose_provider(strategy, {OD: 1, SPOT: 3}) == OD


@settings(max_examples=200, deadline=None)
@given(
    w_od=st.integers(min_value=0, max_value=6),
    w_spot=st.integers(min_value=0, max_value=6),
    base=st.integers(min_value=0, max_value=5),
    rounds=st.integers(min_value=0, max_value=6),
)
def test_weight_ratio_is_exact_at_every_multiple_of_the_weight_sum(
    w_od: int, w_spot: int, base: int, rounds: int
) -> None:
    """§7.1: with base b on FARGATE and n = b + r·(w_od + w_spot) tasks, FARGATE runs
    b + r·w_od and SPOT r·w_spot (hand formula of the weight rule)."""
    if w_od + w_spot == 0:
        return
    strategy = [StrategyItem(OD, w_od, base), StrategyItem(SPOT, w_spot, 0)]
    n = base + rounds * (w_od + w_spot)
    assert split(strategy, n) == {OD: base + rounds * w_od, SPOT: rounds * w_spot}


@settings(max_examples=100, deadline=None)
@given(
    w_od=st.integers(min_value=1, max_value=5),
    w_spot=st.integers(min_value=1, max_value=5),
    n=st.integers(min_value=0, max_value=60),
)
def test_counts_never_stray_more_than_one_task_from_the_ratio(
    w_od: int, w_spot: int, n: int
) -> None:
    """Between multiples, each provider's count is within one task of n·w/Σw."""
    counts = split([StrategyItem(OD, w_od, 0), StrategyItem(SPOT, w_spot, 0)], n)
    assert counts[OD] + counts[SPOT] == n
    assert abs(counts[OD] - n * w_od / (w_od + w_spot)) <= 1.0


# -- end to end ---------------------------------------------------------------------------


def _providers(**service_changes: object) -> Counter[str]:
    sc = b.scenario(duration=60, services=b.service(**service_changes))
    return Counter(simulate(sc).tasks["capacityProvider"])


def test_service_with_base_and_weights_end_to_end() -> None:
    """§7.1 through the scheduler: base 2 FARGATE + weight 1/1, desired 6 → 4 FARGATE, 2 SPOT."""
    strategy = [
        {"capacityProvider": OD, "base": 2, "weight": 1},
        {"capacityProvider": SPOT, "weight": 1},
    ]
    counts = _providers(desiredCount=6, launchType=None, capacityProviderStrategy=strategy)
    assert counts == {OD: 4, SPOT: 2}


def test_service_one_to_four_end_to_end() -> None:
    strategy = [
        {"capacityProvider": OD, "weight": 1},
        {"capacityProvider": SPOT, "weight": 4},
    ]
    counts = _providers(desiredCount=10, launchType=None, capacityProviderStrategy=strategy)
    assert counts == {OD: 2, SPOT: 8}


def test_launch_type_fargate_runs_everything_on_demand() -> None:
    """launchType FARGATE (no strategy): every task on FARGATE."""
    assert _providers(desiredCount=5) == {OD: 5}
