"""Loading a scenario (DESIGN.md §3): every malformed scenario is refused with located one-line
problems ``FILE:LINE:COL: path: message`` (DESIGN.md §6), and AWS's Fargate rules are enforced
(reference §2, §3.2, §7.1, §7.2, §8).

Two ways of writing the malformed files:

* :data:`HAND` is YAML written by hand, so the expected line and column of each problem are
  counted by hand (1-based) in the case table.
* :func:`base` is a valid scenario as a dict; a case changes it, dumps it to YAML and names the
  spot the problem must point at with an *anchor*: a snippet of the dumped text that occurs once,
  with ``^`` marking the expected position.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import fargasim
from fargasim.errors import Problem, ScenarioError
from fargasim.scenario.loader import load_scenario, load_scenario_text, load_scenario_with_notes
from fargasim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
WITH_PATH = re.compile(r"^[^:]+:\d+:\d+: \S.*: .+$")

Doc = dict[str, Any]
Change = Callable[[Doc], None]


# --------------------------------------------------------------------------------- helpers


def problems_of(tmp_path: Path, text: str, name: str = "scenario.yaml") -> list[Problem]:
    """Load ``text`` from a file; it must fail. Every problem must render as one line."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert problems
    rendered = [p.render() for p in problems]
    assert str(info.value).splitlines() == rendered  # one line per problem, nothing else
    for p, line in zip(problems, rendered, strict=True):
        assert "\n" not in line
        assert line.startswith(f"{p.file}:{p.line}:{p.column}: ")
        if p.path:
            assert line == f"{p.file}:{p.line}:{p.column}: {p.path}: {p.message}"
            assert WITH_PATH.match(line), line
        assert p.message.strip() and "Traceback" not in p.message
    return problems


def the_problem(problems: list[Problem], path: str) -> Problem:
    found = [p for p in problems if p.path == path]
    assert len(found) == 1, [p.render() for p in problems]
    return found[0]


def position(text: str, anchor: str) -> tuple[int, int]:
    """1-based line and column of the ``^`` in ``anchor``, which must occur once in ``text``."""
    needle = anchor.replace("^", "")
    assert text.count(needle) == 1, f"anchor {needle!r} occurs {text.count(needle)} times"
    index = text.index(needle) + anchor.index("^")
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def only_problem(tmp_path: Path, text: str, path: str, anchor: str) -> Problem:
    """Loading ``text`` gives exactly one problem, at ``path`` and at ``anchor``'s ``^``."""
    problems = problems_of(tmp_path, text)
    assert [p.path for p in problems] == [path], [p.render() for p in problems]
    (p,) = problems
    assert (p.file, p.line, p.column) == (str(tmp_path / "scenario.yaml"), *position(text, anchor))
    return p


def dump(doc: Doc) -> str:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=1000)


def base() -> Doc:
    """A valid scenario: one Linux 0.25 vCPU service in two subnets."""
    return {
        "fargasim": 1,
        "name": "loader-test",
        "duration": "10m",
        "seed": 11,
        "network": {
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a", "freeIps": 50},
                {"subnetId": "subnet-b", "availabilityZone": "us-east-1b", "freeIps": 50},
            ]
        },
        "taskDefinitions": [
            {
                "family": "web",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": "512",
                "containerDefinitions": [{"name": "app", "image": "nginx", "essential": True}],
            }
        ],
        "services": [
            {
                "serviceName": "web",
                "taskDefinition": "web",
                "desiredCount": 2,
                "networkConfiguration": {
                    "awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}
                },
            }
        ],
    }


def changed(change: Change) -> str:
    doc = base()
    change(doc)
    return dump(doc)


def td(**fields: Any) -> Change:
    return lambda d: d["taskDefinitions"][0].update(fields)


def container(**fields: Any) -> Change:
    return lambda d: d["taskDefinitions"][0]["containerDefinitions"][0].update(fields)


def svc(**fields: Any) -> Change:
    return lambda d: d["services"][0].update(fields)


def top(**fields: Any) -> Change:
    return lambda d: d.update(fields)


def both(*changes: Change) -> Change:
    def apply(d: Doc) -> None:
        for change in changes:
            change(d)

    return apply


WINDOWS = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"}
SCALABLE_TARGET = {
    "ServiceNamespace": "ecs",
    "ResourceId": "service/default/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "MinCapacity": 1,
    "MaxCapacity": 4,
}
POLICY = {
    "PolicyName": "cpu-60",
    "ServiceNamespace": "ecs",
    "ResourceId": "service/default/web",
    "ScalableDimension": "ecs:service:DesiredCount",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 60.0,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
        },
    },
}


def workload(service: str = "web", **arrivals: Any) -> list[Doc]:
    return [
        {
            "service": service,
            "arrivals": arrivals or {"pattern": "poisson", "rps": 5},
            "request": {"cpuSeconds": {"distribution": "exponential", "mean": 0.01}},
        }
    ]


def strategy(*items: Doc) -> Change:
    return svc(capacityProviderStrategy=list(items))


# ------------------------------------------------------------------ hand-written YAML cases

HAND = """\
fargasim: 1
name: hand
duration: 10m
seed: 7
network:
  subnets:
    - subnetId: subnet-a
      availabilityZone: us-east-1a
      freeIps: 50
taskDefinitions:
  - family: web
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    cpu: "256"
    memory: "512"
    containerDefinitions:
      - name: app
        image: nginx
        essential: true
services:
  - serviceName: web
    taskDefinition: web
    desiredCount: 2
    networkConfiguration:
      awsvpcConfiguration:
        subnets: [subnet-a]
workload:
  - service: web
    arrivals:
      pattern: diurnal
      meanRps: 10
      peakAt: 5m
      poisson: true
    request:
      cpuSeconds: {mean: 0.01}
model:
  allow32Vcpu: false
"""

# (id, text replaced once in HAND, replacement, path, message fragment, line, column)
HAND_CASES: list[tuple[str, str, str, str, str, int, int]] = [
    # Strict YAML (yamlio): syntax, tags, duplicates.
    ("syntax", "name: hand", "name: hand: again", "", "mapping values are not allowed", 2, 11),
    ("tab", '    cpu: "256"', '\tcpu: "256"', "", "spaces, not tabs", 14, 1),
    (
        "python-object-apply",
        "name: hand",
        "name: !!python/object/apply:os.system [echo hi]",
        "name",
        "!!python/object/apply:os.system is not allowed",
        2,
        7,
    ),
    (
        "python-object",
        "name: hand",
        "name: !!python/object:builtins.dict {}",
        "name",
        "is not allowed",
        2,
        7,
    ),
    (
        "duplicate-key",
        "    desiredCount: 2\n",
        "    desiredCount: 2\n    desiredCount: 3\n",
        "services[0].desiredCount",
        "duplicate key 'desiredCount' (first defined at line 23)",
        24,
        5,
    ),
    # YAML 1.1 traps kept as text by the loader must not slip into typed fields.
    (
        "off-aws-int",
        "desiredCount: 2",
        "desiredCount: off",
        "services[0].desiredCount",
        "expected an integer, got string 'off'",
        23,
        19,
    ),
    (
        "off-aws-bool",
        "essential: true",
        "essential: off",
        "taskDefinitions[0].containerDefinitions[0].essential",
        "got string 'off'",
        19,
        20,
    ),
    (
        "off-own-bool",
        "poisson: true",
        "poisson: off",
        "workload[0].arrivals.poisson",
        "boolean",
        33,
        16,
    ),
    (
        "yes-own-bool",
        "allow32Vcpu: false",
        "allow32Vcpu: yes",
        "model.allow32Vcpu",
        "boolean",
        37,
        16,
    ),
    (
        "octal-aws-int",
        "desiredCount: 2",
        "desiredCount: 012",
        "services[0].desiredCount",
        "write 12",
        23,
        19,
    ),
    ("octal-own-int", "seed: 7", "seed: 012", "seed", "integer", 4, 7),
    (
        "octal-subnet-ips",
        "freeIps: 50",
        "freeIps: 050",
        "network.subnets[0].freeIps",
        "integer",
        9,
        16,
    ),
    ("octal-duration", "duration: 10m", "duration: 012", "duration", "leading zero", 3, 11),
    (
        "sexagesimal-duration",
        "duration: 10m",
        "duration: 1:30",
        "duration",
        "not a duration",
        3,
        11,
    ),
    (
        "sexagesimal-peak",
        "peakAt: 5m",
        "peakAt: 1:30",
        "workload[0].arrivals.peakAt",
        "not a duration",
        32,
        15,
    ),
    (
        "sexagesimal-aws-int",
        "desiredCount: 2",
        "desiredCount: 1:30",
        "services[0].desiredCount",
        "expected an integer",
        23,
        19,
    ),
    # AWS shapes: spelling and types.
    (
        "cpu-as-int",
        'cpu: "256"',
        "cpu: 256",
        "taskDefinitions[0].cpu",
        'write "256" in quotes',
        14,
        10,
    ),
    (
        "launch-type-enum",
        "    desiredCount: 2\n",
        "    desiredCount: 2\n    launchType: FARGATEE\n",
        "services[0].launchType",
        "did you mean 'FARGATE'?",
        24,
        17,
    ),
    ("unknown-section", "services:", "servics:", "servics", "did you mean 'services'?", 20, 1),
    (
        "misspelt-aws-field",
        "desiredCount: 2",
        "desiredcount: 2",
        "services[0].desiredcount",
        "did you mean 'desiredCount'?",
        23,
        5,
    ),
    (
        "misspelt-aws-list",
        "containerDefinitions:",
        "contanerDefinitions:",
        "taskDefinitions[0].contanerDefinitions",
        "did you mean 'containerDefinitions'?",
        16,
        5,
    ),
    (
        "misspelt-own-field",
        "meanRps: 10",
        "meanRPS: 10",
        "workload[0].arrivals.meanRPS",
        "did you mean 'meanRps'?",
        31,
        7,
    ),
    (
        "misspelt-subnet-field",
        "freeIps: 50",
        "freeIP: 50",
        "network.subnets[0].freeIP",
        "did you mean 'freeIps'?",
        9,
        7,
    ),
    (
        "unknown-pattern",
        "pattern: diurnal",
        "pattern: bursty",
        "workload[0].arrivals.pattern",
        "constant, poisson, piecewise, diurnal",
        30,
        16,
    ),
    # Required fields and the format version.
    (
        "missing-family",
        "  - family: web\n    networkMode",
        "  - networkMode",
        "taskDefinitions[0]",
        "missing required field 'family'",
        11,
        5,
    ),
    (
        "missing-service-name",
        "  - serviceName: web\n    taskDefinition",
        "  - taskDefinition",
        "services[0]",
        "missing required field 'serviceName'",
        21,
        5,
    ),
    (
        "missing-duration",
        "duration: 10m\n",
        "",
        "duration",
        "missing required field 'duration'",
        1,
        1,
    ),
    ("missing-version", "fargasim: 1\n", "", "fargasim", "missing required field 'fargasim'", 1, 1),
    ("version-2", "fargasim: 1", "fargasim: 2", "fargasim", "1", 1, 11),
    # Durations.
    ("duration-words", "duration: 10m", "duration: 5 minutes", "duration", "not a duration", 3, 11),
    ("duration-order", "duration: 10m", "duration: 1m1h", "duration", "larger to smaller", 3, 11),
    ("duration-negative", "duration: 10m", "duration: -5", "duration", "≥ 0", 3, 11),
    ("duration-zero", "duration: 10m", "duration: 0", "duration", "greater than 0", 3, 11),
]


@pytest.mark.parametrize(
    ("old", "new", "path", "fragment", "line", "column"),
    [case[1:] for case in HAND_CASES],
    ids=[case[0] for case in HAND_CASES],
)
def test_malformed_hand_written_scenario(
    tmp_path: Path, old: str, new: str, path: str, fragment: str, line: int, column: int
) -> None:
    assert HAND.count(old) == 1
    problems = problems_of(tmp_path, HAND.replace(old, new))
    p = the_problem(problems, path)
    assert fragment in p.message, p.render()
    assert (p.file, p.line, p.column) == (str(tmp_path / "scenario.yaml"), line, column)
    assert len(problems) == 1, [q.render() for q in problems]  # one mistake, one line


def test_hand_written_base_is_valid() -> None:
    sc = load_scenario_text(HAND, "hand.yaml")
    assert sc.duration == 600 and sc.seed == 7
    assert sc.network.subnets[0].free_ips == 50


def test_a_value_is_not_repeated_in_its_message(tmp_path: Path) -> None:
    """'got -5 (got -5)' reads as two mistakes: the value is quoted once."""
    for value in ("-5", "5 minutes"):
        (p,) = problems_of(tmp_path, HAND.replace("duration: 10m", f"duration: {value}"))
        assert p.message.count(value) == 1, p.render()


# ------------------------------------------------------------------ Fargate rules (§2, §3.2)

# (id, change to base(), path, message fragment, anchor in the dumped YAML)
RULE_CASES: list[tuple[str, Change, str, str, str]] = [
    # §2.3 "If using the Fargate launch type, the awsvpc network mode is required."
    (
        "bridge",
        td(networkMode="bridge"),
        "taskDefinitions[0].networkMode",
        "awsvpc",
        "networkMode: ^bridge",
    ),
    # §2.1 task CPU and memory table.
    (
        "256-4096",
        td(memory="4096"),
        "taskDefinitions[0].memory",
        "4096 MiB with 256",
        "memory: ^'4096'",
    ),
    (
        "1024-1024",
        td(cpu="1024", memory="1024"),
        "taskDefinitions[0].memory",
        "1024 MiB with 1024",
        "memory: ^'1024'",
    ),
    # §2.1 "The CPU units cannot be less than 1 vCPU when you use Windows containers on Fargate."
    (
        "windows-quarter-vcpu",
        td(runtimePlatform=WINDOWS),
        "taskDefinitions[0].cpu",
        "Windows",
        "cpu: ^'256'",
    ),
    (
        "windows-arm64",
        td(cpu="1024", memory="2048", runtimePlatform=dict(WINDOWS, cpuArchitecture="ARM64")),
        "taskDefinitions[0].runtimePlatform.cpuArchitecture",
        "X86_64",
        "cpuArchitecture: ^ARM64",
    ),
    # §2.2 ephemeral storage 21–200 GiB when given.
    (
        "storage-20",
        td(ephemeralStorage={"sizeInGiB": 20}),
        "taskDefinitions[0].ephemeralStorage.sizeInGiB",
        "21–200",
        "sizeInGiB: ^20",
    ),
    (
        "storage-201",
        td(ephemeralStorage={"sizeInGiB": 201}),
        "taskDefinitions[0].ephemeralStorage.sizeInGiB",
        "21–200",
        "sizeInGiB: ^201",
    ),
    # §2.3 parameters not valid on Fargate.
    *[
        (
            field,
            container(**{field: value}),
            f"taskDefinitions[0].containerDefinitions[0].{field}",
            "not supported on Fargate",
            anchor,
        )
        for field, value, anchor in [
            ("privileged", True, "privileged: ^true"),
            ("links", ["db"], "links: ^[db]"),
            ("dnsServers", ["10.0.0.2"], "dnsServers: ^[10.0.0.2]"),
            ("extraHosts", [{"hostname": "db", "ipAddress": "10.0.0.9"}], "^- {hostname: db"),
            ("dockerSecurityOptions", ["no-new-privileges"], "dockerSecurityOptions: ^["),
            ("disableNetworking", True, "disableNetworking: ^true"),
            ("dnsSearchDomains", ["example.com"], "dnsSearchDomains: ^["),
        ]
    ],
    (
        "maxSwap",
        container(linuxParameters={"maxSwap": 0}),
        "taskDefinitions[0].containerDefinitions[0].linuxParameters.maxSwap",
        "not supported on Fargate",
        "maxSwap: ^0",
    ),
    (
        "swappiness",
        container(linuxParameters={"swappiness": 60}),
        "taskDefinitions[0].containerDefinitions[0].linuxParameters.swappiness",
        "not supported on Fargate",
        "swappiness: ^60",
    ),
    (
        "ipcMode",
        td(ipcMode="host"),
        "taskDefinitions[0].ipcMode",
        "not supported on Fargate",
        "ipcMode: ^host",
    ),
    (
        "placementConstraints",
        td(placementConstraints=[{"type": "memberOf", "expression": "attribute:x == y"}]),
        "taskDefinitions[0].placementConstraints",
        "not supported on Fargate",
        "^- {type: memberOf",
    ),
    (
        "gpu",
        container(resourceRequirements=[{"type": "GPU", "value": "1"}]),
        "taskDefinitions[0].containerDefinitions[0].resourceRequirements[0].type",
        "not supported on Fargate",
        "type: ^GPU",
    ),
    # §2.4 up to 10 containers per task definition.
    (
        "11-containers",
        td(containerDefinitions=[{"name": f"c{i}", "image": "nginx"} for i in range(11)]),
        "taskDefinitions[0].containerDefinitions",
        "at most 10",
        "^- {name: c0,",
    ),
    # §3.2 "The max stop timeout value is 120 seconds."
    (
        "stop-timeout-121",
        container(stopTimeout=121),
        "taskDefinitions[0].containerDefinitions[0].stopTimeout",
        "120",
        "stopTimeout: ^121",
    ),
    (
        "requires-ec2",
        td(requiresCompatibilities=["EC2"]),
        "taskDefinitions[0].requiresCompatibilities",
        "FARGATE",
        "requiresCompatibilities: ^[EC2]",
    ),
    # §8.1 / §2.3 "Fargate tasks do not support the DAEMON scheduling strategy."
    (
        "daemon",
        svc(schedulingStrategy="DAEMON"),
        "services[0].schedulingStrategy",
        "DAEMON",
        "schedulingStrategy: ^DAEMON",
    ),
    # §7.1 capacity provider strategies.
    (
        "two-bases",
        strategy(
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "base": 1, "weight": 1},
        ),
        "services[0].capacityProviderStrategy[1].base",
        "only one capacity provider",
        "FARGATE_SPOT, base: ^1",
    ),
    (
        "all-weights-zero",
        strategy({"capacityProvider": "FARGATE", "base": 1}, {"capacityProvider": "FARGATE_SPOT"}),
        "services[0].capacityProviderStrategy",
        "weight",
        "^- {capacityProvider: FARGATE, base: 1}",
    ),
    (
        "ec2-provider",
        strategy({"capacityProvider": "my-asg-provider", "weight": 1}),
        "services[0].capacityProviderStrategy[0].capacityProvider",
        "FARGATE or FARGATE_SPOT",
        "capacityProvider: ^my-asg-provider",
    ),
    (
        "launch-type-and-strategy",
        both(svc(launchType="FARGATE"), strategy({"capacityProvider": "FARGATE", "weight": 1})),
        "services[0].launchType",
        "not both",
        "launchType: ^FARGATE",
    ),
    (
        "launch-type-ec2",
        svc(launchType="EC2"),
        "services[0].launchType",
        "FARGATE",
        "launchType: ^EC2",
    ),
    # §7.2 "Windows containers on Fargate don't support the Fargate Spot capacity provider."
    (
        "spot-windows",
        both(
            td(cpu="1024", memory="2048", runtimePlatform=WINDOWS),
            strategy({"capacityProvider": "FARGATE_SPOT", "weight": 1}),
        ),
        "services[0].capacityProviderStrategy",
        "FARGATE_SPOT",
        "^- {capacityProvider: FARGATE_SPOT",
    ),
    # §7.2 ARM64 Spot: unsupported in the 2023 docs, a pricing switch here.
    (
        "spot-arm-2023",
        both(
            td(runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}),
            strategy({"capacityProvider": "FARGATE_SPOT", "weight": 1}),
            top(pricing={"armSpotSupported": False}),
        ),
        "services[0].capacityProviderStrategy",
        "ARM64",
        "^- {capacityProvider: FARGATE_SPOT",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "fragment", "anchor"),
    [case[1:] for case in RULE_CASES],
    ids=[case[0] for case in RULE_CASES],
)
def test_fargate_rule_is_enforced(
    tmp_path: Path, change: Change, path: str, fragment: str, anchor: str
) -> None:
    text = changed(change)
    problems = problems_of(tmp_path, text)
    p = the_problem(problems, path)
    assert fragment in p.message, p.render()
    assert (p.line, p.column) == position(text, anchor), p.render()
    assert len(problems) == 1, [q.render() for q in problems]


ACCEPTED: list[tuple[str, Change]] = [
    ("base", lambda d: None),
    ("storage-21", td(ephemeralStorage={"sizeInGiB": 21})),  # §2.2
    ("storage-200", td(ephemeralStorage={"sizeInGiB": 200})),
    ("stop-timeout-120", container(stopTimeout=120)),  # §3.2
    (
        "10-containers",
        td(containerDefinitions=[{"name": f"c{i}", "image": "x"} for i in range(10)]),
    ),
    ("vcpu-gb-spelling", td(cpu="1 vCPU", memory="2 GB")),  # §2.1
    ("vcpu-gb-lowercase", td(cpu="2 vcpu", memory="16GB")),
    ("empty-placement-constraints", td(placementConstraints=[])),  # describe-* output has []
    ("windows-on-demand", td(cpu="1024", memory="2048", runtimePlatform=WINDOWS)),
    ("arm64-linux", td(runtimePlatform={"cpuArchitecture": "ARM64"})),
    (
        "spot-arm-2026",
        both(
            td(runtimePlatform={"cpuArchitecture": "ARM64"}),
            strategy({"capacityProvider": "FARGATE_SPOT", "weight": 1}),
        ),
    ),  # §7.2 default
    ("fargate-launch-type", svc(launchType="FARGATE")),
    (
        "one-base",  # §7.1: base on one provider, weights 1:4
        strategy(
            {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 4},
        ),
    ),
    ("requires-ec2-and-fargate", td(requiresCompatibilities=["EC2", "FARGATE"])),
    ("taskdef-arn", svc(taskDefinition="arn:aws:ecs:us-east-1:123456789012:task-definition/web:3")),
    ("taskdef-revision", svc(taskDefinition="web:3")),
    ("sample-interval-multiple", top(model={"tick": 2}, output={"sampleInterval": "10s"})),
]


@pytest.mark.parametrize("change", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_valid_variants_load(change: Change) -> None:
    load_scenario_text(changed(change), "ok.yaml")


# ------------------------------------------------------------------------ cross-references

CROSS_CASES: list[tuple[str, Change, str, str, str | None]] = [
    (
        "missing-task-definition",
        svc(taskDefinition="wbe"),
        "services[0].taskDefinition",
        "did you mean 'web'?",
        "taskDefinition: ^wbe",
    ),
    (
        "subnet-not-in-network",
        lambda d: d["services"][0]["networkConfiguration"]["awsvpcConfiguration"].update(
            subnets=["subnet-a", "subnet-z"]
        ),
        "services[0].networkConfiguration.awsvpcConfiguration.subnets[1]",
        "not in network.subnets",
        "subnets: [subnet-a, ^subnet-z]",
    ),
    (
        "target-group-missing",
        both(
            container(portMappings=[{"containerPort": 80}]),
            svc(
                loadBalancers=[
                    {"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 80}
                ]
            ),
        ),
        "services[0].loadBalancers[0].targetGroupArn",
        "no target group 'web-tg'",
        "targetGroupArn: ^web-tg",
    ),
    (
        "workload-missing-service",
        top(workload=workload("wbe")),
        "workload[0].service",
        "did you mean 'web'?",
        "service: ^wbe",
    ),
    (
        "scalable-target-no-service",
        top(scalableTargets=[dict(SCALABLE_TARGET, ResourceId="service/default/api")]),
        "scalableTargets[0].ResourceId",
        "names no service",
        "ResourceId: ^service/default/api",
    ),
    (
        "policy-not-registered",
        top(
            scalableTargets=[SCALABLE_TARGET],
            scalingPolicies=[dict(POLICY, ResourceId="service/prod/web")],
        ),
        "scalingPolicies[0].ResourceId",
        "not a registered scalable target",
        "ResourceId: ^service/prod/web",
    ),
    (
        "duplicate-service",
        lambda d: d["services"].append(copy.deepcopy(d["services"][0])),
        "services[1].serviceName",
        "defined twice",
        None,
    ),
    (
        "duplicate-subnet",
        lambda d: d["network"]["subnets"].append(
            {"subnetId": "subnet-a", "availabilityZone": "us-east-1c", "freeIps": 9}
        ),
        "network.subnets[2].subnetId",
        "listed twice",
        "{subnetId: ^subnet-a, availabilityZone: us-east-1c",
    ),
    (
        "sample-interval-not-multiple-of-tick",
        top(model={"tick": 2}, output={"sampleInterval": "7s"}),
        "output.sampleInterval",
        "model.tick",
        "sampleInterval: ^7s",
    ),
    (
        "unknown-region",
        top(region="xx-north-9"),
        "region",
        "pricing.rates",
        "region: ^xx-north-9",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "fragment", "anchor"),
    [case[1:] for case in CROSS_CASES],
    ids=[case[0] for case in CROSS_CASES],
)
def test_cross_reference_is_checked(
    tmp_path: Path, change: Change, path: str, fragment: str, anchor: str | None
) -> None:
    text = changed(change)
    problems = problems_of(tmp_path, text)
    p = the_problem(problems, path)
    assert fragment in p.message, p.render()
    if anchor is None:  # the second of two identical services: its serviceName value
        lines = [i + 1 for i, line in enumerate(text.splitlines()) if "serviceName: web" in line]
        assert len(lines) == 2 and p.line == lines[1]
    else:
        assert (p.line, p.column) == position(text, anchor), p.render()
    assert len(problems) == 1, [q.render() for q in problems]


def test_a_target_group_named_by_arn_resolves() -> None:
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09"
    change = both(
        top(targetGroups=[{"Name": "web-tg", "TargetType": "ip", "Protocol": "HTTP", "Port": 80}]),
        container(portMappings=[{"containerPort": 80}]),
        svc(loadBalancers=[{"targetGroupArn": arn, "containerName": "app", "containerPort": 80}]),
    )
    load_scenario_text(changed(change), "ok.yaml")


def test_an_unknown_region_with_every_rate_loads() -> None:
    rates = {
        "linuxX86VcpuPerSecond": 0.00001,
        "linuxX86GbPerSecond": 0.000001,
        "linuxArmVcpuPerSecond": 0.000008,
        "linuxArmGbPerSecond": 0.0000009,
        "ephemeralStorageGbPerSecond": 0.00000003,
        "windowsX86VcpuPerSecond": 0.00002,
        "windowsOsLicenseVcpuPerSecond": 0.00001,
        "windowsX86GbPerSecond": 0.000002,
    }
    sc = load_scenario_text(changed(top(region="xx-north-9", pricing={"rates": rates})), "ok.yaml")
    assert sc.region == "xx-north-9"


# ------------------------------------------------------------------------ several problems


def test_every_shape_problem_is_reported_in_file_order(tmp_path: Path) -> None:
    text = (
        HAND.replace("services:", "servics:")
        .replace('cpu: "256"', "cpu: 256")
        .replace("meanRps: 10", "meanRPS: 10")
        .replace("seed: 7", "seed: seven")
    )
    problems = problems_of(tmp_path, text)
    assert [(p.path, p.line) for p in problems] == [
        ("seed", 4),
        ("taskDefinitions[0].cpu", 14),
        ("servics", 20),
        ("workload[0].arrivals.meanRPS", 31),
    ]


def test_every_rule_problem_is_reported_in_file_order(tmp_path: Path) -> None:
    change = both(
        td(networkMode="bridge"),
        container(stopTimeout=121, privileged=True),
        lambda d: d["services"][0]["networkConfiguration"]["awsvpcConfiguration"].update(
            subnets=["subnet-z"]
        ),
        top(workload=workload("api")),
    )
    text = changed(change)
    problems = problems_of(tmp_path, text)
    assert [p.path for p in problems] == [
        "taskDefinitions[0].networkMode",
        "taskDefinitions[0].containerDefinitions[0].stopTimeout",  # same line, further left
        "taskDefinitions[0].containerDefinitions[0].privileged",
        "services[0].networkConfiguration.awsvpcConfiguration.subnets[0]",
        "workload[0].service",
    ]
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_two_problems_in_two_task_definitions(tmp_path: Path) -> None:
    def second(d: Doc) -> None:
        other = copy.deepcopy(d["taskDefinitions"][0])
        other.update(family="worker", cpu="2048", memory="17408")
        d["taskDefinitions"].append(other)
        d["taskDefinitions"][0]["memory"] = "4096"

    problems = problems_of(tmp_path, changed(second))
    assert [p.path for p in problems] == ["taskDefinitions[0].memory", "taskDefinitions[1].memory"]
    assert "17408 MiB with 2048" in problems[1].message  # §2.1: 2 vCPU is 4–16 GB


# ------------------------------------------------------------------------------ fromFile

TASKDEF_JSON = """\
{
  "family": "web",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {"name": "app", "image": "nginx", "essential": true}
  ]
}
"""

FROM_FILE_SCENARIO = """\
fargasim: 1
name: from-file
duration: 10m
network:
  subnets: [{subnetId: subnet-a, availabilityZone: us-east-1a}]
taskDefinitions:
  - fromFile: taskdef.json
services:
  - serviceName: web
    taskDefinition: web
    desiredCount: 1
    networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-a]}}
"""


def from_file_problems(tmp_path: Path, taskdef: str) -> list[Problem]:
    (tmp_path / "taskdef.json").write_text(taskdef, encoding="utf-8")
    return problems_of(tmp_path, FROM_FILE_SCENARIO)


def test_from_file_loads(tmp_path: Path) -> None:
    (tmp_path / "taskdef.json").write_text(TASKDEF_JSON, encoding="utf-8")
    (tmp_path / "scenario.yaml").write_text(FROM_FILE_SCENARIO, encoding="utf-8")
    sc = load_scenario(tmp_path / "scenario.yaml")
    assert sc.task_definitions[0].family == "web"
    assert sc.task_definitions[0].containerDefinitions[0].image == "nginx"


def test_from_file_missing_file_points_at_the_value(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, FROM_FILE_SCENARIO.replace("taskdef.json", "nothere.json"))
    p = the_problem(problems, "taskDefinitions[0].fromFile")
    assert "nothere.json" in p.message and "no such file" in p.message
    assert (p.file, p.line, p.column) == (str(tmp_path / "scenario.yaml"), 7, 15)


def test_from_file_shape_error_names_the_json_file_and_line(tmp_path: Path) -> None:
    problems = from_file_problems(tmp_path, TASKDEF_JSON.replace('"cpu": "256"', '"cpu": 256'))
    p = the_problem(problems, "taskDefinitions[0].cpu")
    assert (Path(p.file), p.line, p.column) == (tmp_path / "taskdef.json", 5, 10)
    assert "string" in p.message


def test_from_file_fargate_rule_error_names_the_json_file(tmp_path: Path) -> None:
    text = TASKDEF_JSON.replace('"essential": true', '"essential": true, "stopTimeout": 121')
    problems = from_file_problems(tmp_path, text)
    p = the_problem(problems, "taskDefinitions[0].containerDefinitions[0].stopTimeout")
    assert Path(p.file) == tmp_path / "taskdef.json"
    assert (p.line, p.column) == position(text, '"stopTimeout": ^121')


def test_from_file_json_syntax_error_names_the_json_file(tmp_path: Path) -> None:
    problems = from_file_problems(tmp_path, TASKDEF_JSON.replace('"cpu": "256",', '"cpu": "256",,'))
    assert len(problems) == 1
    p = problems[0]
    assert (Path(p.file), p.line) == (tmp_path / "taskdef.json", 5)
    assert p.path == "taskDefinitions[0]"


def test_from_file_json_indented_with_tabs_loads(tmp_path: Path) -> None:
    (tmp_path / "taskdef.json").write_text(TASKDEF_JSON.replace("  ", "\t"), encoding="utf-8")
    (tmp_path / "scenario.yaml").write_text(FROM_FILE_SCENARIO, encoding="utf-8")
    assert load_scenario(tmp_path / "scenario.yaml").task_definitions[0].cpu == "256"


READ_ONLY = {
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
    "revision": 7,
    "status": "ACTIVE",
    "compatibilities": ["EC2", "FARGATE"],
    "requiresAttributes": [{"name": "ecs.capability.task-eni"}],
    "registeredAt": "2026-11-01T09:30:00.000Z",
    "registeredBy": "arn:aws:iam::123456789012:user/admin",
}


def test_from_file_drops_read_only_describe_fields(tmp_path: Path) -> None:
    """``describe-task-definition`` output pastes as is: its read-only fields are dropped."""
    described = dict(json.loads(TASKDEF_JSON), **READ_ONLY)
    (tmp_path / "taskdef.json").write_text(json.dumps(described, indent=2), encoding="utf-8")
    (tmp_path / "scenario.yaml").write_text(FROM_FILE_SCENARIO, encoding="utf-8")
    sc, notes = load_scenario_with_notes(tmp_path / "scenario.yaml")
    extra = sc.task_definitions[0].model_extra or {}
    assert not set(READ_ONLY) & set(extra)
    assert not any(field in n.path for n in notes for field in READ_ONLY)


@pytest.mark.parametrize("field", sorted(READ_ONLY))
def test_read_only_fields_written_inline_are_refused(tmp_path: Path, field: str) -> None:
    """Inline, a section is RegisterTaskDefinition input, which has no read-only fields."""
    text = changed(td(**{field: READ_ONLY[field]}))
    p = the_problem(problems_of(tmp_path, text), f"taskDefinitions[0].{field}")
    assert "unknown field" in p.message
    assert (p.line, p.column) == position(text, f"^{field}:")


# ------------------------------------------------------------------------ shipped scenarios


def test_quickstart_loads() -> None:
    sc = load_scenario(SCENARIOS / "quickstart.yaml")
    assert sc.duration == 86400  # "1d"
    assert [s.serviceName for s in sc.services] == ["web"]
    web = sc.services[0]
    assert web.desiredCount == 2
    assert [(i.capacityProvider, i.base, i.weight) for i in web.capacityProviderStrategy] == [
        ("FARGATE", 2, 1),
        ("FARGATE_SPOT", 0, 1),  # §7.1: default base 0
    ]
    assert sc.images["public.ecr.aws/nginx/nginx:latest"].size_mib == 70


def test_sample_fargate_app_loads_from_describe_output() -> None:
    sc = load_scenario(SCENARIOS / "sample-fargate-app.yaml")
    (taskdef,) = sc.task_definitions
    assert (taskdef.family, taskdef.cpu, taskdef.memory) == ("sample-fargate-app", "256", "512")
    assert taskdef.networkMode == "awsvpc"
    assert not set(READ_ONLY) & set(taskdef.model_extra or {})
    assert sc.services[0].launchType == "FARGATE"


def test_sample_notes_name_fields_accepted_but_not_simulated() -> None:
    _, notes = load_scenario_with_notes(SCENARIOS / "sample-fargate-app.yaml")
    json_file = SCENARIOS / "sample-fargate-app.json"
    json_text = json_file.read_text(encoding="utf-8")
    by_path = {n.path: n for n in notes}
    for field in ("environment", "mountPoints", "volumesFrom"):
        note = by_path[f"taskDefinitions[0].containerDefinitions[0].{field}"]
        assert note.message.startswith("accepted, not simulated")
        assert Path(note.file).resolve() == json_file
        assert (note.line, note.column) == position(json_text, f'^"{field}"')
        assert note.render() == (
            f"{note.file}:{note.line}:{note.column}: {note.path}: {note.message}"
        )
    volumes = by_path["taskDefinitions[0].volumes"]
    assert (volumes.line, volumes.column) == position(json_text, '^"volumes"')
    public_ip = by_path["services[0].networkConfiguration.awsvpcConfiguration.assignPublicIp"]
    assert Path(public_ip.file).resolve() == SCENARIOS / "sample-fargate-app.yaml"
    # Simulated fields and dropped read-only fields get no note.
    simulated = [f"taskDefinitions[0].{f}" for f in ("family", "cpu", "memory", "networkMode")]
    container = "taskDefinitions[0].containerDefinitions[0]"
    simulated += [f"{container}.{f}" for f in ("name", "image", "essential", "portMappings")]
    assert not set(simulated) & set(by_path)
    assert not [p for p in by_path if p.rsplit(".", 1)[-1] in READ_ONLY]
    # The container-level cpu (0 in describe output) is accepted but not simulated.
    assert f"{container}.cpu" in by_path


def test_quickstart_has_no_notes_about_simulated_fields() -> None:
    _, notes = load_scenario_with_notes(SCENARIOS / "quickstart.yaml")
    assert not [n for n in notes if n.path.startswith(("taskDefinitions", "services"))]


# ------------------------------------------------------------------- defaults, round trip


def test_defaults_are_filled() -> None:
    """Defaults AWS documents: deploymentConfiguration 200 % / 100 % (§8.2), REPLICA (§8.1),
    strategy base and weight 0 in the API (§7.1), target-group health checks (§9)."""
    change = both(
        strategy({"capacityProvider": "FARGATE", "weight": 1}),
        top(targetGroups=[{"Name": "web-tg", "Protocol": "HTTP", "Port": 80}]),
    )
    sc = load_scenario_text(changed(change), "defaults.yaml")
    web = sc.services[0]
    assert web.deploymentConfiguration.maximumPercent == 200
    assert web.deploymentConfiguration.minimumHealthyPercent == 100
    assert web.schedulingStrategy == "REPLICA"
    assert web.healthCheckGracePeriodSeconds == 0  # §8.2 "default value of 0"
    assert web.cluster == "default"
    assert web.capacityProviderStrategy[0].base == 0
    tg = sc.target_groups[0]
    assert (tg.HealthCheckIntervalSeconds, tg.HealthCheckTimeoutSeconds) == (30, 5)
    assert (tg.HealthyThresholdCount, tg.UnhealthyThresholdCount) == (5, 2)
    assert sc.account.fargate_on_demand_vcpu_quota == 4000  # §5.2 established account
    assert sc.account.fargate_task_launch_burst == 100  # §5.1 token bucket
    assert sc.account.fargate_task_launch_rate == 20
    assert sc.task_definitions[0].runtimePlatform.cpuArchitecture == "X86_64"
    assert sc.task_definitions[0].containerDefinitions[0].essential is True


RICH = """\
fargasim: 1
name: round-trip
duration: 10m
seed: 5
network:
  subnets:
    - {subnetId: subnet-a, availabilityZone: us-east-1a, freeIps: 20}
    - {subnetId: subnet-b, availabilityZone: us-east-1b}
images:
  "registry.example/app:1": {sizeMiB: 40}
taskDefinitions:
  - family: web
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    cpu: "1 vCPU"
    memory: "2 GB"
    runtimePlatform: {cpuArchitecture: ARM64, operatingSystemFamily: LINUX}
    ephemeralStorage: {sizeInGiB: 30}
    containerDefinitions:
      - name: app
        image: "registry.example/app:1"
        stopTimeout: 60
        portMappings: [{containerPort: 80, protocol: tcp}]
        environment: [{name: MODE, value: prod}]
services:
  - serviceName: web
    taskDefinition: web
    desiredCount: 2
    capacityProviderStrategy:
      - {capacityProvider: FARGATE, base: 1, weight: 1}
      - {capacityProvider: FARGATE_SPOT, weight: 3}
    networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-a, subnet-b]}}
    loadBalancers: [{targetGroupArn: web-tg, containerName: app, containerPort: 80}]
targetGroups:
  - {Name: web-tg, TargetType: ip, Protocol: HTTP, Port: 80, HealthCheckIntervalSeconds: 10,
     Attributes: [{Key: deregistration_delay.timeout_seconds, Value: "30"}]}
scalableTargets:
  - {ServiceNamespace: ecs, ResourceId: service/default/web,
     ScalableDimension: "ecs:service:DesiredCount", MinCapacity: 1, MaxCapacity: 5}
workload:
  - service: web
    arrivals: {pattern: diurnal, meanRps: 30, peakToTrough: 3, peakAt: 5m, period: 10m}
    request: {cpuSeconds: {distribution: lognormal, mean: 0.01, cv: 0.5}, memoryMiB: 1}
    workersPerTask: 8
customMetrics:
  - {MetricName: Queue, Namespace: App, series: [{at: 0, value: 1}, {at: 5m, value: 3}]}
events:
  - {at: 2m, updateService: {service: web, desiredCount: 3}}
  - {at: 4m, azOutage: {availabilityZone: us-east-1b, duration: 1m}}
model: {tick: 2, startup: {appStartSeconds: {distribution: constant, mean: 3}}}
pricing: {spotPriceMultiplier: 0.35}
output: {sampleInterval: 20s}
"""


def round_trip(sc: Scenario, out: Path) -> Scenario:
    fargasim.simulate(sc).write(out, report=False)
    return load_scenario(out / "scenario.resolved.yaml")


def test_resolved_scenario_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "rich.yaml"
    path.write_text(RICH, encoding="utf-8")
    sc = load_scenario(path)
    again = round_trip(sc, tmp_path / "out")
    assert again == sc
    # Every default is written out, e.g. the §8.2 deployment defaults.
    resolved = yaml.safe_load((tmp_path / "out" / "scenario.resolved.yaml").read_text())
    assert resolved["services"][0]["deploymentConfiguration"] == {
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }


def test_resolved_sample_needs_no_from_file(tmp_path: Path) -> None:
    sample = load_scenario(SCENARIOS / "sample-fargate-app.yaml")
    short = sample.model_copy(update={"duration": 300.0})
    again = round_trip(short, tmp_path / "out")
    assert again == short
    text = (tmp_path / "out" / "scenario.resolved.yaml").read_text(encoding="utf-8")
    assert "fromFile" not in text and "taskDefinitionArn" not in text


def test_desired_count_is_required_for_a_replica_service() -> None:
    """ECS CreateService: desiredCount "is required if schedulingStrategy is REPLICA or isn't
    specified" (and Fargate services are REPLICA, §2.3)."""
    text = changed(lambda d: d["services"][0].pop("desiredCount"))
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "no-desired.yaml")
    assert any(
        p.path == "services[0]" and "desiredCount" in p.message for p in info.value.problems
    ), str(info.value)
