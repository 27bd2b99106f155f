"""Loader checks of the new workload sections (``fargasim/scenario/workload_checks.py``): the
``ramp``, ``spike`` and ``trace`` arrival patterns, trace CSV files read into ``points``, and the
``batch:`` entries (reference §2.4, §5.1, §7.1, §7.2).

As in ``tests/scenario/test_platform_checks.py``, every malformed case changes :func:`base` (a
valid scenario using every new feature), dumps it to YAML and names where its one problem must
point with an *anchor*: a snippet that occurs once in the dumped text, ``^`` marking the
expected position. Problems in a CSV file are located ``CSV:LINE:COL``, counted by hand.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from fargasim.errors import Problem
from fargasim.scenario.loader import load_scenario, load_scenario_text
from fargasim.scenario.schema import TraceArrivals
from fargasim.scenario.workload_checks import MAX_ROW_PROBLEMS
from tests.scenario.test_loader import dump, only_problem, problems_of

Doc = dict[str, Any]
Change = Callable[[Doc], None]

#: A CloudWatch export: `aws cloudwatch get-metric-statistics` returns datapoints in no
#: particular order; t = 0 is the earliest Timestamp (09:00).
CLOUDWATCH_CSV = """\
Timestamp,Value
2026-01-05T09:02:00Z,900
2026-01-05T09:00:00Z,600
2026-01-05T09:01:00Z,1200
2026-01-05T09:04:00Z,300
"""


# ---------------------------------------------------------------------------------- helpers


def base() -> Doc:
    """``web`` (two revisions of family web, x86 Linux) and ``api`` in subnets a and b: a ramp
    on web, a spike on api, a nightly batch of 25 worker tasks every hour on Spot and on-demand,
    and a one-off batch of 3."""
    taskdef = {
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "nginx", "essential": True}],
    }
    vpc = {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"]}}
    request = {"cpuSeconds": {"distribution": "exponential", "mean": 0.01}}
    return {
        "fargasim": 1,
        "name": "workload-test",
        "duration": "2h",
        "network": {
            "subnets": [
                {"subnetId": "subnet-a", "availabilityZone": "us-east-1a"},
                {"subnetId": "subnet-b", "availabilityZone": "us-east-1b"},
            ]
        },
        "taskDefinitions": [
            copy.deepcopy(taskdef),
            dict(copy.deepcopy(taskdef), cpu="512", memory="1024"),
            dict(copy.deepcopy(taskdef), family="worker"),
        ],
        "services": [
            {
                "serviceName": "web",
                "taskDefinition": "web:1",
                "desiredCount": 2,
                "networkConfiguration": vpc,
            },
            {
                "serviceName": "api",
                "taskDefinition": "web:2",
                "desiredCount": 2,
                "networkConfiguration": copy.deepcopy(vpc),
            },
        ],
        "workload": [
            {
                "service": "web",
                "arrivals": {
                    "pattern": "ramp",
                    "fromRps": 10,
                    "toRps": 40,
                    "start": "10m",
                    "end": "40m",
                },
                "request": request,
            },
            {
                "service": "api",
                "arrivals": {
                    "pattern": "spike",
                    "baseRps": 5,
                    "peakRps": 80,
                    "at": "30m",
                    "riseSeconds": 60,
                    "decaySeconds": "5m",
                    "poisson": False,
                },
                "request": copy.deepcopy(request),
            },
        ],
        "batch": [
            {
                "at": "5m",
                "every": "1h",
                "until": "2h",
                "taskDefinition": "worker",
                "count": 25,
                "runSeconds": {"distribution": "lognormal", "mean": 600, "cv": 0.3},
                "capacityProviderStrategy": [
                    {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                    {"capacityProvider": "FARGATE_SPOT", "weight": 3},
                ],
                "subnets": ["subnet-a", "subnet-b"],
                "group": "nightly",
            },
            {
                "at": "20m",
                "taskDefinition": "web:2",
                "count": 3,
                "runSeconds": {"distribution": "constant", "mean": 60},
                "subnets": ["subnet-b"],
            },
        ],
    }


def changed(change: Change) -> str:
    doc = base()
    change(doc)
    return dump(doc)


def arrivals(index: int, **fields: Any) -> Change:
    """Replace ``workload[index].arrivals`` by ``fields``."""

    def apply(d: Doc) -> None:
        d["workload"][index]["arrivals"] = fields

    return apply


def batch(index: int, **fields: Any) -> Change:
    """Update ``batch[index]`` with ``fields`` (a value of None removes the key)."""

    def apply(d: Doc) -> None:
        entry = d["batch"][index]
        for key, value in fields.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value

    return apply


def the_only_problem(tmp_path: Path, change: Change, path: str, anchor: str) -> Problem:
    """Loading the changed base gives exactly one problem, at ``path`` and ``anchor``."""
    return only_problem(tmp_path, changed(change), path, anchor)


def trace_file(name: str = "trace.csv", **fields: Any) -> Change:
    return arrivals(0, pattern="trace", file=name, **fields)


def csv_problems(tmp_path: Path, csv_text: str, **fields: Any) -> list[Problem]:
    (tmp_path / "trace.csv").write_text(csv_text, encoding="utf-8")
    return problems_of(tmp_path, changed(trace_file(**fields)))


def csv_problem(tmp_path: Path, csv_text: str) -> Problem:
    (p,) = csv_problems(tmp_path, csv_text)
    return p


def in_csv(tmp_path: Path) -> str:
    return str(tmp_path / "trace.csv")


# ------------------------------------------------------------------------------ valid example


def test_the_full_example_loads() -> None:
    sc = load_scenario_text(dump(base()), "ok.yaml")
    ramp, spike = sc.workload[0].arrivals, sc.workload[1].arrivals
    assert ramp.pattern == "ramp" and (ramp.start, ramp.end) == (600.0, 2400.0)
    assert spike.pattern == "spike" and spike.decay_seconds == 300.0 and not spike.poisson
    nightly, once = sc.batch
    assert nightly.group_name == "nightly" and nightly.count == 25
    assert list(nightly.submission_times(sc.duration)) == [300.0, 3900.0]
    assert once.group_name == "family:web" and list(once.submission_times(sc.duration)) == [1200.0]


def test_a_batch_without_until_repeats_until_the_end_of_the_run() -> None:
    """Submissions at 5m, 25m, …, 1h45m: the run ends at 2h (a submission at exactly 2h would
    never happen)."""
    doc = base()
    doc["batch"][0].update(every="20m")
    del doc["batch"][0]["until"]
    sc = load_scenario_text(dump(doc), "ok.yaml")
    assert list(sc.batch[0].submission_times(sc.duration)) == [300.0 + 1200 * k for k in range(6)]


# -------------------------------------------------------------------------- trace CSV inlining


def test_a_cloudwatch_csv_is_read_into_sorted_points(tmp_path: Path) -> None:
    """Rows sorted by time, t = 0 at the earliest Timestamp; the resolved scenario carries the
    points, not the file name."""
    (tmp_path / "trace.csv").write_text(CLOUDWATCH_CSV, encoding="utf-8")
    (tmp_path / "scenario.yaml").write_text(changed(trace_file(scale=2)), encoding="utf-8")
    sc = load_scenario(tmp_path / "scenario.yaml")
    spec = sc.workload[0].arrivals
    assert isinstance(spec, TraceArrivals)
    assert spec.file is None and spec.scale == 2.0
    assert [(p.at, p.value) for p in spec.points or []] == [
        (0.0, 600.0),
        (60.0, 1200.0),
        (120.0, 900.0),
        (240.0, 300.0),
    ]
    resolved = yaml.safe_load(
        yaml.safe_dump(sc.model_dump(mode="json", by_alias=True, exclude_none=True))
    )
    written = resolved["workload"][0]["arrivals"]
    assert "file" not in written
    assert written["points"][1] == {"at": 60.0, "value": 1200.0}
    assert written["valuesPer"] == "minute" and written["interpolation"] == "linear"
    # The resolved scenario loads again, to the same trace.
    again = load_scenario_text(yaml.safe_dump(resolved), "resolved.yaml")
    assert again.workload[0].arrivals == spec


def test_an_at_value_csv_keeps_its_durations(tmp_path: Path) -> None:
    """``at,value``: times are durations of the run (not shifted), any case, extra columns and
    blank lines ignored, quoted fields allowed."""
    text = 'AT,Unit,VALUE\n\n1m,Count,5\n"0",Count,"3.5"\n 2m30s , Count , 7\n'
    (tmp_path / "trace.csv").write_text(text, encoding="utf-8")
    (tmp_path / "scenario.yaml").write_text(changed(trace_file()), encoding="utf-8")
    spec = load_scenario(tmp_path / "scenario.yaml").workload[0].arrivals
    assert isinstance(spec, TraceArrivals)
    assert [(p.at, p.value) for p in spec.points or []] == [(0.0, 3.5), (60.0, 5.0), (150.0, 7.0)]


def test_timestamps_with_offsets_and_without_are_one_timeline(tmp_path: Path) -> None:
    """A time without offset is UTC: 10:01+01:00 is 09:01Z, 60 s after 09:00."""
    text = "Timestamp,Value\n2026-01-05T09:00:00,1\n2026-01-05T10:01:00+01:00,2\n"
    (tmp_path / "trace.csv").write_text(text, encoding="utf-8")
    (tmp_path / "scenario.yaml").write_text(changed(trace_file()), encoding="utf-8")
    spec = load_scenario(tmp_path / "scenario.yaml").workload[0].arrivals
    assert isinstance(spec, TraceArrivals)
    assert [p.at for p in spec.points or []] == [0.0, 60.0]


@pytest.mark.parametrize(
    ("csv_text", "line", "column", "message"),
    [
        (
            "Timestamp,Value\n2026-01-05T09:00:00Z,600\n2026-01-05 nine,1200\n",
            3,
            1,
            "'2026-01-05 nine' is not an ISO 8601 time (such as 2026-01-05T09:00:00Z)",
        ),
        (
            "Timestamp,Value\n2026-01-05T09:00:00Z,600\n2026-01-05T09:01:00Z,-4\n",
            3,
            22,
            "a value is a request count, a number ≥ 0; got '-4'",
        ),
        (
            "Timestamp,Value\n\n2026-01-05T09:00:00Z, many\n",
            3,
            23,
            "a value is a request count, a number ≥ 0; got 'many'",
        ),
        ("Timestamp,Value\n2026-01-05T09:00:00Z,nan\n", 2, 22, "got 'nan'"),
        ("Timestamp,Value\n2026-01-05T09:00:00Z\n", 2, 1, "this row has 1 fields, the header 2"),
        ("at,value\n0,1\n1x,2\n", 3, 1, "'1x' is not a duration"),
        (
            "Time,Sum\n2026-01-05T09:00:00Z,1\n",
            1,
            1,
            "a trace CSV starts with the header 'Timestamp,Value' (ISO 8601 times, as exported "
            "from CloudWatch) or 'at,value' (durations); found: Time, Sum",
        ),
        ("\n\nTimestamp,Value\n", 3, 1, "'trace.csv' has no rows"),
    ],
    ids=["timestamp", "negative", "text-value", "nan", "short-row", "duration", "header", "rows"],
)
def test_a_bad_csv_row_is_located_in_the_csv(
    tmp_path: Path, csv_text: str, line: int, column: int, message: str
) -> None:
    p = csv_problem(tmp_path, csv_text)
    assert (p.file, p.line, p.column, p.path) == (
        in_csv(tmp_path),
        line,
        column,
        "workload[0].arrivals.file",
    )
    assert message in p.message
    assert p.render().startswith(f"{in_csv(tmp_path)}:{line}:{column}: workload[0].arrivals.file: ")


def test_every_bad_row_is_reported_up_to_a_limit(tmp_path: Path) -> None:
    rows = "".join(f"2026-01-05T09:{m:02d}:00Z,x\n" for m in range(MAX_ROW_PROBLEMS + 5))
    found = csv_problems(tmp_path, "Timestamp,Value\n" + rows)
    assert [p.line for p in found] == [*range(2, MAX_ROW_PROBLEMS + 2), MAX_ROW_PROBLEMS + 1]
    assert found[-1].message == "and 5 more bad rows"


def test_a_duplicate_timestamp_points_at_its_csv_line(tmp_path: Path) -> None:
    """After sorting, 09:01 appears twice (lines 3 and 5): the problem is at the later one's
    Timestamp, through the inlined point's path."""
    text = (
        "Timestamp,Value\n"
        "2026-01-05T09:00:00Z,1\n"
        "2026-01-05T09:01:00Z,2\n"
        "2026-01-05T09:02:00Z,3\n"
        "  2026-01-05T09:01:00Z,4\n"
    )
    (p,) = csv_problems(tmp_path, text)
    assert (p.file, p.line, p.column, p.path) == (
        in_csv(tmp_path),
        5,
        3,
        "workload[0].arrivals.points[2].at",
    )
    assert p.message == (
        "this point (t = 1m) is 0 s after points[1]: each value counts the requests of the 60 s "
        "that start at its time (valuesPer: minute), so points are at least 60 s apart"
    )


def test_a_missing_file_is_reported_at_the_file_entry(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path, trace_file("nope.csv"), "workload[0].arrivals.file", "file: ^nope.csv"
    )
    assert p.message == "cannot read 'nope.csv': no such file"


def test_an_empty_file_is_reported_at_the_file_entry(tmp_path: Path) -> None:
    (tmp_path / "trace.csv").write_text("\n \n", encoding="utf-8")
    p = the_only_problem(tmp_path, trace_file(), "workload[0].arrivals.file", "file: ^trace.csv")
    assert p.message == "'trace.csv' is empty"


def test_file_and_points_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "trace.csv").write_text(CLOUDWATCH_CSV, encoding="utf-8")
    p = the_only_problem(
        tmp_path,
        trace_file(points=[{"at": 0, "value": 1}]),
        "workload[0].arrivals.file",
        "file: ^trace.csv",
    )
    assert p.message == "give 'points' or 'file', not both"


# ------------------------------------------------------------------------------- trace rules


def test_a_trace_needs_points_or_a_file(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="trace"),
        "workload[0].arrivals",
        "arrivals: ^{pattern: trace}",
    )
    assert p.message == "a trace needs 'points' (a list of {at, value}) or 'file' (a CSV)"


def test_a_trace_needs_at_least_one_point(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="trace", points=[]),
        "workload[0].arrivals.points",
        "points: ^[]",
    )
    assert p.message == "a trace needs at least one point"


def test_inline_points_closer_than_a_period(tmp_path: Path) -> None:
    points = [{"at": 0, "value": 1}, {"at": "90s", "value": 2}, {"at": "2m", "value": 3}]
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="trace", points=points),
        "workload[0].arrivals.points[2].at",
        "at: ^2m",
    )
    assert "is 30 s after points[1]" in p.message


def test_points_never_a_period_apart_are_a_longer_export(tmp_path: Path) -> None:
    """Sums per 5 minutes read as per-minute values would put each 5-minute count into one
    minute."""
    points = [{"at": f"{5 * k}m", "value": 3000} for k in range(4)]
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="trace", points=points, valuesPer="minute"),
        "workload[0].arrivals.valuesPer",
        "valuesPer: ^minute",
    )
    assert p.message.startswith("the points are never closer than 300 s, but each value counts")


def test_a_negative_trace_value_is_a_schema_error(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="trace", points=[{"at": 0, "value": -1}]),
        "workload[0].arrivals.points[0].value",
        "value: ^-1",
    )
    assert "greater than or equal to 0" in p.message


def test_an_unknown_interpolation(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="trace", points=[{"at": 0, "value": 1}], interpolation="cubic"),
        "workload[0].arrivals.interpolation",
        "interpolation: ^cubic",
    )
    assert "'linear' or 'step'" in p.message


# ------------------------------------------------------------------------------- ramp, spike


def test_a_ramp_ending_before_it_starts(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="ramp", fromRps=1, toRps=2, start="30m", end="20m"),
        "workload[0].arrivals.end",
        "end: ^20m",
    )
    assert p.message == "end (20m) is before start (30m): the ramp runs from start to end"


def test_a_ramp_misspelt_field_is_guessed(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="ramp", fromRps=1, toRPS=2, start=0, end=60),
        "workload[0].arrivals.toRPS",
        "^toRPS",
    )
    assert "did you mean 'toRps'?" in p.message


def test_a_spike_needs_a_positive_decay(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        arrivals(1, pattern="spike", baseRps=1, peakRps=5, at=0, decaySeconds=0),
        "workload[1].arrivals.decaySeconds",
        "decaySeconds: ^0",
    )
    assert "must be greater than 0" in p.message


def test_an_unknown_pattern_lists_the_new_ones(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        arrivals(0, pattern="spiky", baseRps=1),
        "workload[0].arrivals.pattern",
        "pattern: ^spiky",
    )
    assert "ramp, spike, trace; did you mean 'spike'?" in p.message


# -------------------------------------------------------------------------------------- batch


def test_a_batch_names_an_unknown_task_definition(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path, batch(0, taskDefinition="wroker"), "batch[0].taskDefinition", "^wroker"
    )
    assert "no family 'wroker' in taskDefinitions; did you mean 'worker'?" in p.message


def test_a_batch_names_a_revision_the_file_does_not_hold(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path, batch(1, taskDefinition="web:3"), "batch[1].taskDefinition", "^web:3"
    )
    assert "family web has 2 revisions in taskDefinitions" in p.message


def test_a_batch_names_an_unknown_subnet(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path, batch(1, subnets=["subnet-b", "subnet-c"]), "batch[1].subnets[1]", "^subnet-c"
    )
    assert p.message == "no subnet 'subnet-c' in network.subnets; did you mean 'subnet-b'?"


def test_a_batch_lists_a_subnet_twice(tmp_path: Path) -> None:
    p = the_only_problem(
        tmp_path,
        batch(1, subnets=["subnet-b", "subnet-a", "subnet-b"]),
        "batch[1].subnets[2]",
        "[subnet-b, subnet-a, ^subnet-b]",
    )
    assert p.message == "subnet 'subnet-b' is listed twice"


def test_a_batch_needs_a_subnet(tmp_path: Path) -> None:
    p = the_only_problem(tmp_path, batch(1, subnets=[]), "batch[1].subnets", "subnets: ^[]")
    assert "at least 1 item" in p.message


def test_a_batch_with_an_unknown_capacity_provider(tmp_path: Path) -> None:
    strategy = [{"capacityProvider": "FARGATE_SPOTS", "weight": 1}]
    p = the_only_problem(
        tmp_path,
        batch(1, capacityProviderStrategy=strategy),
        "batch[1].capacityProviderStrategy[0].capacityProvider",
        "^FARGATE_SPOTS",
    )
    assert p.message == (
        "Fargate tasks use FARGATE or FARGATE_SPOT, got 'FARGATE_SPOTS'; did you mean 'FARGATE_SPOT'?"
    )


def test_a_batch_strategy_without_weight(tmp_path: Path) -> None:
    strategy = [{"capacityProvider": "FARGATE_SPOT", "base": 2}]
    p = the_only_problem(
        tmp_path,
        batch(1, capacityProviderStrategy=strategy),
        "batch[1].capacityProviderStrategy",
        "capacityProviderStrategy:\n  ^- {capacityProvider: FARGATE_SPOT, base: 2}",
    )
    assert "at least one capacity provider needs a weight above 0" in p.message


def test_a_batch_strategy_with_two_bases(tmp_path: Path) -> None:
    strategy = [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "base": 2, "weight": 1},
    ]
    p = the_only_problem(
        tmp_path,
        batch(1, capacityProviderStrategy=strategy),
        "batch[1].capacityProviderStrategy[1].base",
        "base: ^2",
    )
    assert p.message == "only one capacity provider in a strategy can have a base (§7.1)"


def test_a_windows_batch_cannot_use_spot(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["taskDefinitions"][2]["runtimePlatform"] = {
            "operatingSystemFamily": "WINDOWS_SERVER_2022_CORE",
            "cpuArchitecture": "X86_64",
        }
        d["taskDefinitions"][2]["cpu"] = "1024"
        d["taskDefinitions"][2]["memory"] = "2048"

    p = the_only_problem(
        tmp_path,
        change,
        "batch[0].capacityProviderStrategy",
        "  capacityProviderStrategy:\n  ^- {capacityProvider: FARGATE, base: 1",
    )
    assert p.message == "Windows containers on Fargate don't support FARGATE_SPOT (§7.2)"


def test_every_must_be_above_zero(tmp_path: Path) -> None:
    p = the_only_problem(tmp_path, batch(0, every=0), "batch[0].every", "every: ^0")
    assert p.message == "every must be above 0: the time between two submissions"


def test_until_must_be_after_at(tmp_path: Path) -> None:
    p = the_only_problem(tmp_path, batch(0, at="1h", until="1h"), "batch[0].until", "until: ^1h")
    assert p.message == "until (1h) must be after at (1h): the first submission is at 'at'"


def test_until_goes_with_every(tmp_path: Path) -> None:
    p = the_only_problem(tmp_path, batch(1, until="1h"), "batch[1].until", "until: ^1h")
    assert p.message == "until goes with every: a batch entry without it submits once"


def test_a_batch_count_is_at_least_one(tmp_path: Path) -> None:
    p = the_only_problem(tmp_path, batch(1, count=0), "batch[1].count", "count: ^0")
    assert "greater than or equal to 1" in p.message


def test_a_batch_needs_run_seconds(tmp_path: Path) -> None:
    p = the_only_problem(tmp_path, batch(1, runSeconds=None), "batch[1]", "- ^at: 20m")
    assert p.message == "missing required field 'runSeconds'"


def test_a_misspelt_batch_field_is_guessed(tmp_path: Path) -> None:
    def change(d: Doc) -> None:
        d["batch"][1]["runseconds"] = d["batch"][1].pop("runSeconds")

    p = the_only_problem(tmp_path, change, "batch[1].runseconds", "^runseconds")
    assert "did you mean 'runSeconds'?" in p.message


def test_a_batch_group_must_not_be_a_service_name(tmp_path: Path) -> None:
    p = the_only_problem(tmp_path, batch(0, group="api"), "batch[0].group", "group: ^api")
    assert p.message.startswith("group 'api' is the name of a service")


def test_batch_entries_of_one_group_share_run_seconds(tmp_path: Path) -> None:
    """batch[1] runs web:2 in the default group family:web; a runTask event of web with other
    runSeconds, earlier in the file, would have its tasks' run times drawn from batch[1]'s."""

    def change(d: Doc) -> None:
        d["events"] = [
            {
                "at": "1m",
                "runTask": {
                    "taskDefinition": "web",
                    "count": 1,
                    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"]}},
                },
                "runSeconds": {"distribution": "constant", "mean": 30},
            }
        ]

    p = the_only_problem(
        tmp_path, change, "batch[1].runSeconds", "runSeconds: ^{distribution: constant, mean: 60}"
    )
    assert p.message.startswith(
        "events[0] runs tasks in the same group 'family:web' with other runSeconds"
    )


def test_a_batch_entry_after_the_end_is_a_note(tmp_path: Path) -> None:
    """Like an event after the end of the run, a batch entry that never happens is noted."""
    from fargasim.scenario.loader import load_scenario_with_notes

    doc = base()
    doc["batch"][1]["at"] = "3d"
    path = tmp_path / "scenario.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    _, notes = load_scenario_with_notes(path)
    assert [(n.path, n.message.split(" (")[0]) for n in notes] == [
        ("batch[1].at", "after the end of the run")
    ]


def test_a_spot_batch_is_enough_for_a_spot_interruption_without_a_service() -> None:
    """§7.3: only Spot tasks are interrupted; a batch on FARGATE_SPOT runs Spot tasks."""
    doc = base()
    for svc in doc["services"]:
        svc.pop("capacityProviderStrategy", None)
        svc["launchType"] = "FARGATE"
    doc["batch"] = [b for b in doc["batch"] if b.get("capacityProviderStrategy")]
    doc.setdefault("events", []).append({"at": "10m", "spotInterruption": {"fraction": 0.5}})
    load_scenario_text(dump(doc), "ok.yaml")
