"""Fargate task placement: AZ spread, subnet IPs, scale-in choice (reference §8.1, §5.4).

§8.1: "Task placement strategies and constraints aren't supported for tasks using the Fargate
launch type. Fargate tasks are spread across Availability Zones." and "when the service scheduler
launches new tasks or stops running tasks, the service scheduler attempts to maintain a balance
across Availability Zones." Scale-in (EC2 wording, assumed on Fargate): "stop tasks in the AZ with
the most tasks of the service first".
§5.4: each task's ENI takes "a primary private IPv4 address" of its subnet.

Expected spreads are hand counts (n tasks over k AZs: n mod k AZs get ⌈n/k⌉, the others ⌊n/k⌋)
or a brute-force balance check.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.ecs.lifecycle import Task, TaskState
from fargasim.ecs.placement import (
    Subnet,
    SubnetPool,
    choose_subnet,
    choose_tasks_to_stop,
    tasks_per_az,
)


def pool_of(*subnets: tuple[str, str, int]) -> SubnetPool:
    return SubnetPool([Subnet(sid, az, free) for sid, az, free in subnets])


def task(i: int, az: str, subnet: str = "", state: TaskState = TaskState.RUNNING) -> Task:
    t = Task(f"t{i:03d}", "web", "FARGATE", az, subnet or f"s-{az}", 256, 512, float(i))
    t.state = state
    return t


def launch(pool: SubnetPool, subnet_ids: list[str], n: int) -> list[Task]:
    """Place n tasks one after another as the scheduler does (take the chosen subnet's IP)."""
    active: list[Task] = []
    for i in range(n):
        subnet = choose_subnet(pool, subnet_ids, tasks_per_az(active))
        if subnet is None:
            break
        pool.take_ip(subnet.subnet_id)
        active.append(task(i, subnet.availability_zone, subnet.subnet_id))
    return active


def test_six_over_three_azs() -> None:
    """§8.1 spread: 6 tasks over 3 AZs → 2/2/2."""
    pool = pool_of(("a", "az1", 100), ("b", "az2", 100), ("c", "az3", 100))
    tasks = launch(pool, ["a", "b", "c"], 6)
    assert Counter(t.availability_zone for t in tasks) == {"az1": 2, "az2": 2, "az3": 2}


def test_five_over_two_azs() -> None:
    """§8.1 spread: 5 tasks over 2 AZs → 3/2 (ties go to the AZ listed first)."""
    pool = pool_of(("a", "az1", 100), ("b", "az2", 100))
    tasks = launch(pool, ["a", "b"], 5)
    assert Counter(t.availability_zone for t in tasks) == {"az1": 3, "az2": 2}
    assert [t.availability_zone for t in tasks] == ["az1", "az2", "az1", "az2", "az1"]


def test_spread_is_by_az_not_by_subnet() -> None:
    """Two subnets in az1 and one in az2: 4 tasks → 2 per AZ (not 4/3 per subnet share)."""
    pool = pool_of(("a1", "az1", 100), ("a2", "az1", 100), ("b", "az2", 100))
    tasks = launch(pool, ["a1", "a2", "b"], 4)
    assert Counter(t.availability_zone for t in tasks) == {"az1": 2, "az2": 2}


def test_within_an_az_the_subnet_with_most_free_ips() -> None:
    pool = pool_of(("a1", "az1", 5), ("a2", "az1", 9))
    chosen = choose_subnet(pool, ["a1", "a2"], {})
    assert chosen is not None and chosen.subnet_id == "a2"


def test_an_az_without_free_ips_is_skipped() -> None:
    """§5.4: a full subnet cannot take a task, so the other AZ takes it even if fuller."""
    pool = pool_of(("a", "az1", 0), ("b", "az2", 10))
    chosen = choose_subnet(pool, ["a", "b"], tasks_per_az([task(1, "az2", "b")]))
    assert chosen is not None and chosen.subnet_id == "b"


def test_no_free_ip_anywhere_gives_none() -> None:
    pool = pool_of(("a", "az1", 0), ("b", "az2", 0))
    assert choose_subnet(pool, ["a", "b"], {}) is None


def test_free_ips_cap_the_number_of_tasks() -> None:
    """§5.4: subnets with 2 and 1 free IPs hold 3 tasks, however many are asked for."""
    pool = pool_of(("a", "az1", 2), ("b", "az2", 1))
    tasks = launch(pool, ["a", "b"], 10)
    assert len(tasks) == 3
    assert pool["a"].free_ips == 0 and pool["b"].free_ips == 0


def test_take_and_release_ip() -> None:
    pool = pool_of(("a", "az1", 1))
    pool.take_ip("a")
    assert pool["a"].free_ips == 0
    with pytest.raises(RuntimeError, match="no free IP"):
        pool.take_ip("a")
    pool.release_ip("a")
    assert pool["a"].free_ips == 1


def test_other_services_tasks_do_not_count_for_spread() -> None:
    """Only the service's own active tasks are counted (the scheduler passes its own)."""
    pool = pool_of(("a", "az1", 100), ("b", "az2", 100))
    mine = [task(1, "az1", "a")]
    chosen = choose_subnet(pool, ["a", "b"], tasks_per_az(mine))
    assert chosen is not None and chosen.availability_zone == "az2"


@settings(max_examples=150, deadline=None)
@given(
    azs=st.integers(min_value=1, max_value=6),
    subnets_per_az=st.integers(min_value=1, max_value=3),
    n=st.integers(min_value=0, max_value=40),
)
def test_spread_is_balanced_for_any_size(azs: int, subnets_per_az: int, n: int) -> None:
    """§8.1, brute force: with plenty of IPs, n tasks over k AZs give ⌈n/k⌉ in n mod k AZs and
    ⌊n/k⌋ in the others."""
    subnets = [(f"s{a}-{j}", f"az{a}", 1000) for a in range(azs) for j in range(subnets_per_az)]
    pool = pool_of(*subnets)
    tasks = launch(pool, [s[0] for s in subnets], n)
    counts = Counter(t.availability_zone for t in tasks)
    per_az = sorted((counts.get(f"az{a}", 0) for a in range(azs)), reverse=True)
    expected = [n // azs + 1] * (n % azs) + [n // azs] * (azs - n % azs)
    assert per_az == expected


# -- scale-in --------------------------------------------------------------------------------


def test_scale_in_takes_from_the_fullest_az() -> None:
    """§8.1: 3/2 over two AZs, stop 1 → from az1 (3 tasks)."""
    active = [task(0, "az1"), task(1, "az2"), task(2, "az1"), task(3, "az2"), task(4, "az1")]
    victims = choose_tasks_to_stop(active, 1, ["az1", "az2"])
    assert [v.availability_zone for v in victims] == ["az1"]


def test_scale_in_keeps_balance_one_at_a_time() -> None:
    """4/1/1 over three AZs, stop 3: az1 is the fullest each time (4/1/1 → 3/1/1 → 2/1/1), so
    all three come from az1 and leave 1/1/1."""
    active = [task(i, "az1") for i in range(4)] + [task(10, "az2"), task(11, "az3")]
    victims = choose_tasks_to_stop(active, 3, ["az1", "az2", "az3"])
    assert [v.availability_zone for v in victims] == ["az1"] * 3


def test_scale_in_tie_goes_to_the_az_listed_last() -> None:
    """placement.py rule: ties between equally full AZs → the AZ listed last."""
    active = [task(0, "az1"), task(1, "az2")]
    victims = choose_tasks_to_stop(active, 1, ["az1", "az2"])
    assert victims[0].availability_zone == "az2"


def test_scale_in_prefers_starting_then_newest_task_in_the_az() -> None:
    """placement.py rule (assumption): in the fullest AZ, a task not yet RUNNING first, then the
    newest."""
    old = task(0, "az1")
    new = task(5, "az1")
    starting = task(1, "az1", state=TaskState.PROVISIONING)
    victims = choose_tasks_to_stop([old, new, starting], 2, ["az1"])
    assert victims == [starting, new]


def test_scale_in_count_is_capped_at_the_active_tasks() -> None:
    active = [task(0, "az1"), task(1, "az2")]
    assert len(choose_tasks_to_stop(active, 5, ["az1", "az2"])) == 2
    assert choose_tasks_to_stop(active, 0, ["az1", "az2"]) == []


@settings(max_examples=150, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=8), min_size=1, max_size=5),
    stop=st.integers(min_value=0, max_value=40),
)
def test_scale_in_always_takes_from_a_fullest_az(counts: list[int], stop: int) -> None:
    """§8.1, brute force: replay the victims one by one; each comes from an AZ that had the most
    tasks at that moment, and exactly min(stop, total) tasks are chosen, each once."""
    azs = [f"az{i}" for i in range(len(counts))]
    active = [task(100 * a + j, az) for a, az in enumerate(azs) for j in range(counts[a])]
    victims = choose_tasks_to_stop(active, stop, azs)
    assert len(victims) == min(stop, len(active))
    assert len({v.task_id for v in victims}) == len(victims)
    live = Counter(t.availability_zone for t in active)
    for v in victims:
        assert live[v.availability_zone] == max(live.values())
        live[v.availability_zone] -= 1
