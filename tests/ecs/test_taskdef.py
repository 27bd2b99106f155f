"""Fargate's task-definition rules (reference §2, §3.2): sizes, storage, unsupported parameters.

The valid CPU/memory pairs are derived here from the text of the §2.1 table ("2 GB … 8 GB
(1 GB steps)", "16 GB … 60 GB in 4 GB increments"), independently of
``fargasim.ecs.sizes.FARGATE_SIZES``, and every pair of a fine grid is checked against them.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from fargasim.ecs.sizes import SizeRules, check_ephemeral_storage, check_task_size
from fargasim.ecs.taskdef import fargate_problems

GIB = 1024  # "GB = 1024^3 bytes" (§1.1): memory is given in MiB, 1 GB = 1024 MiB

# §2.1, "Task CPU and memory", as the reference writes it: CPU | Memory | OS.
SIZE_TABLE_TEXT = """\
256 (.25 vCPU) | 512 MiB, 1 GB, 2 GB | Linux
512 (.5 vCPU) | 1 GB, 2 GB, 3 GB, 4 GB | Linux
1024 (1 vCPU) | 2 GB … 8 GB (1 GB steps) | Linux, Windows
2048 (2 vCPU) | 4 GB … 16 GB in 1 GB increments | Linux, Windows
4096 (4 vCPU) | 8 GB … 30 GB in 1 GB increments | Linux, Windows
8192 (8 vCPU) | 16 GB … 60 GB in 4 GB increments (Linux platform 1.4.0+) | Linux
16384 (16 vCPU) | 32 GB … 120 GB in 8 GB increments (Linux platform 1.4.0+) | Linux
"""


def _mib(amount: str, unit: str) -> int:
    return int(amount) * (GIB if unit == "GB" else 1)


def _memory_sizes(text: str) -> set[int]:
    """``"2 GB … 8 GB (1 GB steps)"`` → {2048, 3072, …, 8192}; ``"512 MiB, 1 GB"`` → {512, 1024}."""
    ranged = re.match(r"(\d+) GB … (\d+) GB (?:\(|in )(\d+) GB (?:steps|increments)", text)
    if ranged:
        low, high, step = (int(g) * GIB for g in ranged.groups())
        return set(range(low, high + 1, step))
    return {_mib(amount, unit) for amount, unit in re.findall(r"(\d+) (MiB|GB)", text)}


def _parse_table(text: str) -> tuple[dict[int, set[int]], set[int]]:
    sizes: dict[int, set[int]] = {}
    windows: set[int] = set()
    for row in text.splitlines():
        cpu_text, memory_text, os_text = (cell.strip() for cell in row.split("|"))
        cpu = int(cpu_text.split()[0])
        sizes[cpu] = _memory_sizes(memory_text)
        if "Windows" in os_text:
            windows.add(cpu)
    return sizes, windows


VALID, WINDOWS_CPU = _parse_table(SIZE_TABLE_TEXT)
# Every memory size from 0.5 GB to 130 GB in 512 MiB steps: each row's values, the values
# between its steps, and those just outside its range.
MEMORY_GRID = range(512, 130 * GIB + 1, 512)
WINDOWS = "WINDOWS_SERVER_2022_CORE"


def test_the_table_text_parses_to_the_expected_shape() -> None:
    """A guard on the test's own parser: row sizes as §2.1 states them."""
    assert VALID[256] == {512, 1024, 2048}
    assert VALID[1024] == {g * GIB for g in range(2, 9)}
    assert len(VALID[2048]) == 13  # 4 … 16 GB
    assert len(VALID[4096]) == 23  # 8 … 30 GB
    assert min(VALID[8192]) == 16 * GIB and max(VALID[8192]) == 60 * GIB
    assert 20 * GIB in VALID[8192] and 17 * GIB not in VALID[8192]
    assert len(VALID[16384]) == 12  # 32, 40, … 120 GB
    assert {1024, 2048, 4096} == WINDOWS_CPU


@pytest.mark.parametrize("cpu", sorted(VALID))
def test_linux_accepts_exactly_the_table_memory_sizes(cpu: int) -> None:
    """§2.1: for each CPU row every listed memory size is valid, and no other size is."""
    wrong = []
    for memory in MEMORY_GRID:
        reason = check_task_size(cpu, memory, "LINUX")
        if (reason is None) != (memory in VALID[cpu]):
            wrong.append((memory, reason))
    assert wrong == []


@pytest.mark.parametrize("cpu", sorted(VALID))
def test_windows_accepts_only_1_2_and_4_vcpu_rows(cpu: int) -> None:
    """§2.1: "The CPU units cannot be less than 1 vCPU when you use Windows containers on
    Fargate", and the 8 and 16 vCPU rows are Linux only."""
    wrong = []
    for memory in MEMORY_GRID:
        valid = cpu in WINDOWS_CPU and memory in VALID[cpu]
        reason = check_task_size(cpu, memory, WINDOWS)
        if (reason is None) != valid:
            wrong.append((memory, reason))
    assert wrong == []
    if cpu not in WINDOWS_CPU:
        reason = check_task_size(cpu, min(VALID[cpu]), WINDOWS)
        assert reason is not None and "Windows" in reason


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [
        (2048, 17 * GIB),  # one 1 GB step above 16 GB
        (2048, 3 * GIB),  # one step below 4 GB
        (8192, 18 * GIB),  # 8 vCPU goes in 4 GB steps: 16, 20, …
        (8192, 17 * GIB),
        (8192, 64 * GIB),  # one 4 GB step above 60 GB
        (16384, 36 * GIB),  # 16 vCPU goes in 8 GB steps: 32, 40, …
        (16384, 128 * GIB),
        (4096, 31 * GIB),
        (1024, 1 * GIB),
        (1024, 9 * GIB),
        (512, 512),
        (512, 5 * GIB),
        (256, 3 * GIB),
        (256, 4 * GIB),
        (1024, 2 * GIB + 512),  # not a whole GB
    ],
)
def test_near_misses_are_refused_with_the_valid_values(cpu: int, memory: int) -> None:
    """§2.1: one step off a row is not a Fargate size; the message names the row's values."""
    reason = check_task_size(cpu, memory, "LINUX")
    assert reason is not None
    assert f"{memory} MiB" in reason and str(cpu) in reason
    assert str(min(VALID[cpu])) in reason and str(max(VALID[cpu])) in reason


@pytest.mark.parametrize("cpu", [0, 128, 768, 1536, 3072, 6144, 32768, 65536])
def test_cpu_values_outside_the_table_are_refused(cpu: int) -> None:
    """§2.1: task CPU is one of 256, 512, 1024, 2048, 4096, 8192, 16384 units."""
    reason = check_task_size(cpu, 2 * GIB, "LINUX")
    assert reason is not None
    assert f"{cpu} CPU units" in reason


def test_32_vcpu_row_only_when_enabled() -> None:
    """§2.1 disagreement: the pricing page lists "32vCPU | 60GB, 120GB, and 244GB"; the API
    reference stops at 16 vCPU, so the row is off unless ``allow32Vcpu`` is set."""
    on = SizeRules(allow_32_vcpu=True)
    for gb in (60, 120, 244):
        assert check_task_size(32768, gb * GIB, "LINUX") is not None
        assert check_task_size(32768, gb * GIB, "LINUX", on) is None
    for gb in (64, 128, 240, 248):
        assert check_task_size(32768, gb * GIB, "LINUX", on) is not None
    assert check_task_size(32768, 120 * GIB, WINDOWS, on) is not None
    # The rows of the 2023 table are unchanged by the switch.
    assert check_task_size(16384, 120 * GIB, "LINUX", on) is None


@pytest.mark.parametrize(
    ("size", "ok"), [(20, False), (21, True), (100, True), (200, True), (201, False), (0, False)]
)
def test_ephemeral_storage_range(size: int, ok: bool) -> None:
    """§2.2: an explicit ephemeralStorageGiB must be 21–200 GiB (20 GiB is the default)."""
    assert (check_ephemeral_storage(size) is None) is ok


# ------------------------------------------------------------------------- fargate_problems


def task_definition(**changes: Any) -> dict[str, Any]:
    """A RegisterTaskDefinition input that Fargate accepts."""
    td: dict[str, Any] = {
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "containerDefinitions": [{"name": "app", "image": "nginx", "essential": True}],
    }
    td.update(changes)
    return td


def with_container(**fields: Any) -> dict[str, Any]:
    td = task_definition()
    td["containerDefinitions"][0].update(fields)
    return td


def paths(td: dict[str, Any]) -> dict[tuple[str | int, ...], str]:
    found = fargate_problems(td)
    result = dict(found)
    assert len(result) == len(found), found  # one problem per field
    return result


def test_a_valid_task_definition_has_no_problems() -> None:
    assert fargate_problems(task_definition()) == []


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [
        ("1 vCPU", "2 GB"),
        ("1 vcpu", "2GB"),
        ("0.25 vCPU", "0.5 GB"),
        ("4 vCPU", "30 GB"),
        ("16384", "122880"),
    ],
)
def test_vcpu_and_gb_spellings_are_accepted(cpu: str, memory: str) -> None:
    """§2.1: ECS accepts "1 vCPU" and "2 GB" and converts them to units and MiB."""
    assert fargate_problems(task_definition(cpu=cpu, memory=memory)) == []


@pytest.mark.parametrize(
    ("cpu", "memory"), [("1 vCPU", "1 GB"), ("2 vCPU", "17 GB"), ("8 vCPU", "18 GB")]
)
def test_vcpu_and_gb_spellings_follow_the_table(cpu: str, memory: str) -> None:
    assert list(paths(task_definition(cpu=cpu, memory=memory))) == [("memory",)]


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        ({"networkMode": "bridge"}, ("networkMode",), "awsvpc"),  # §2.3
        ({"networkMode": "host"}, ("networkMode",), "awsvpc"),
        ({"networkMode": None}, (), "awsvpc"),  # not given: ECS's default is bridge
        ({"cpu": "256", "memory": "4096"}, ("memory",), "4096 MiB with 256"),  # §2.1
        ({"cpu": "1024", "memory": "1024"}, ("memory",), "1024 MiB with 1024"),
        ({"cpu": "3072", "memory": "8192"}, ("cpu",), "3072 CPU units"),
        ({"cpu": "lots", "memory": "1024"}, ("cpu",), "not a CPU size"),
        ({"cpu": "512", "memory": "1 TB"}, ("memory",), "not a memory size"),
        ({"cpu": None}, (), "cpu"),  # Fargate needs task-level sizes
        ({"memory": None}, (), "memory"),
        ({"ephemeralStorage": {"sizeInGiB": 20}}, ("ephemeralStorage", "sizeInGiB"), "21–200"),
        ({"ephemeralStorage": {"sizeInGiB": 201}}, ("ephemeralStorage", "sizeInGiB"), "21–200"),
        ({"ipcMode": "host"}, ("ipcMode",), "not supported on Fargate"),  # §2.3
        (
            {"placementConstraints": [{"type": "memberOf", "expression": "attribute:a == b"}]},
            ("placementConstraints",),
            "not supported on Fargate",
        ),
        ({"requiresCompatibilities": ["EC2"]}, ("requiresCompatibilities",), "FARGATE"),
    ],
)
def test_task_level_rules(
    changes: dict[str, Any], path: tuple[str | int, ...], fragment: str
) -> None:
    """§2.1–§2.3: each refused task-level setting is one problem at its field."""
    found = paths(task_definition(**changes))
    assert list(found) == [path]
    assert fragment in found[path]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("privileged", True),
        ("links", ["db"]),
        ("dnsServers", ["10.0.0.2"]),
        ("extraHosts", [{"hostname": "db", "ipAddress": "10.0.0.9"}]),
        ("dockerSecurityOptions", ["no-new-privileges"]),
        ("disableNetworking", True),
        ("dnsSearchDomains", ["example.com"]),
    ],
)
def test_container_parameters_not_valid_on_fargate(field: str, value: Any) -> None:
    """§2.3 (fargate-tasks-services): these container parameters are not valid on Fargate."""
    found = paths(with_container(**{field: value}))
    assert list(found) == [("containerDefinitions", 0, field)]
    assert field in found[("containerDefinitions", 0, field)]
    assert "§2.3" in found[("containerDefinitions", 0, field)]


@pytest.mark.parametrize("field", ["maxSwap", "swappiness"])
def test_linux_parameters_swap_not_valid_on_fargate(field: str) -> None:
    """§2.3: maxSwap and swappiness (of linuxParameters) are not valid on Fargate."""
    found = paths(with_container(linuxParameters={"initProcessEnabled": True, field: 0}))
    assert list(found) == [("containerDefinitions", 0, "linuxParameters", field)]


def test_gpu_resource_requirement_not_valid_on_fargate() -> None:
    """§2.3: gpu is not valid on Fargate (a GPU resourceRequirement)."""
    td = with_container(resourceRequirements=[{"type": "GPU", "value": "1"}])
    assert list(paths(td)) == [("containerDefinitions", 0, "resourceRequirements", 0, "type")]


def test_only_the_offending_container_is_named() -> None:
    td = task_definition()
    td["containerDefinitions"].append({"name": "side", "image": "busybox", "privileged": True})
    assert list(paths(td)) == [("containerDefinitions", 1, "privileged")]


@pytest.mark.parametrize(("count", "ok"), [(10, True), (11, False)])
def test_at_most_ten_containers(count: int, ok: bool) -> None:
    """§2.4: up to 10 containers per task definition."""
    td = task_definition(
        containerDefinitions=[{"name": f"c{i}", "image": "nginx"} for i in range(count)]
    )
    assert list(paths(td)) == ([] if ok else [("containerDefinitions",)])


@pytest.mark.parametrize(("timeout", "ok"), [(30, True), (120, True), (121, False), (300, False)])
def test_container_stop_timeout_at_most_120_seconds(timeout: int, ok: bool) -> None:
    """§3.2: "For tasks that use the Fargate launch type … The max stop timeout value is 120
    seconds." """
    found = paths(with_container(stopTimeout=timeout))
    assert list(found) == ([] if ok else [("containerDefinitions", 0, "stopTimeout")])


def test_windows_rules() -> None:
    """§2.1: Windows needs at least 1 vCPU; Windows on Fargate runs on X86_64 only."""
    windows = {"operatingSystemFamily": WINDOWS, "cpuArchitecture": "X86_64"}
    assert (
        fargate_problems(task_definition(cpu="1024", memory="2048", runtimePlatform=windows)) == []
    )
    small = paths(task_definition(cpu="256", memory="512", runtimePlatform=windows))
    assert list(small) == [("cpu",)] and "Windows" in small[("cpu",)]
    arm = dict(windows, cpuArchitecture="ARM64")
    found = paths(task_definition(cpu="1024", memory="2048", runtimePlatform=arm))
    assert list(found) == [("runtimePlatform", "cpuArchitecture")]
    # ARM64 is fine on Linux (Graviton, §1.2).
    linux_arm = {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}
    assert fargate_problems(task_definition(runtimePlatform=linux_arm)) == []


def test_every_problem_is_reported_at_once() -> None:
    td = task_definition(networkMode="bridge", cpu="256", memory="4096", ipcMode="host")
    td["containerDefinitions"][0].update(privileged=True, stopTimeout=200)
    assert set(paths(td)) == {
        ("networkMode",),
        ("memory",),
        ("ipcMode",),
        ("containerDefinitions", 0, "privileged"),
        ("containerDefinitions", 0, "stopTimeout"),
    }


def test_fargate_problems_does_not_modify_its_input() -> None:
    td = with_container(privileged=True, linuxParameters={"maxSwap": 0})
    before = copy.deepcopy(td)
    fargate_problems(td)
    assert td == before
