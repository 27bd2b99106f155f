"""Capacity provider strategy: which of FARGATE / FARGATE_SPOT runs each new task (§7.1).

AWS (§7.1): "the optional base value designates how many tasks, at a minimum, run on a specified
capacity provider. Only one capacity provider in a capacity provider strategy can have a base
defined." and "The weight value determines the relative percentage of the total number of
launched tasks that use the specified capacity provider … for every one task that's run using
capacityProviderA, there are four tasks that use capacityProviderB." Weight-0 providers are not
used (beyond their base).

Algorithm (the split rule is AWS's; the order of tasks within it is an **assumption**): while the
base provider has fewer than ``base`` of the service's tasks, it gets the next task. Otherwise the
next task goes to the weighted provider whose count above its base, plus one, divided by its
weight is smallest (ties: first in the strategy). Over many tasks this reproduces the weight
ratio exactly at every multiple of the weight sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StrategyItem:
    capacity_provider: str
    weight: int
    base: int


def choose_provider(strategy: Sequence[StrategyItem], counts: Mapping[str, int]) -> str:
    """The provider for the next task, given the service's current task count per provider."""
    for item in strategy:
        if item.base > 0 and counts.get(item.capacity_provider, 0) < item.base:
            return item.capacity_provider
    best: StrategyItem | None = None
    best_key = 0.0
    for item in strategy:
        if item.weight <= 0:
            continue
        above_base = max(0, counts.get(item.capacity_provider, 0) - item.base)
        key = (above_base + 1) / item.weight
        if best is None or key < best_key:
            best, best_key = item, key
    if best is None:
        raise ValueError("a capacity provider strategy needs a provider with weight > 0")
    return best.capacity_provider


def split(strategy: Sequence[StrategyItem], total: int) -> dict[str, int]:
    """How ``total`` tasks launched one after another from zero are spread over providers."""
    counts: dict[str, int] = {item.capacity_provider: 0 for item in strategy}
    for _ in range(total):
        counts[choose_provider(strategy, counts)] += 1
    return counts
