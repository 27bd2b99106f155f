"""The ``fargasim`` command line (DESIGN.md §4, §6): bad input exits 2 with one line per problem
and writes nothing; a run is reproducible byte for byte from scenario and seed."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fargasim.cli import main

REPO = Path(__file__).resolve().parents[1]
PROBLEM_LINE = re.compile(r"^[^:]+:\d+:\d+: \S.*: .+$")
OUTPUT_FILES = {
    "summary.json",
    "timeseries.csv",
    "tasks.csv",
    "scaling_activities.csv",
    "service_events.jsonl",
    "scenario.resolved.yaml",
    "report.html",
}

SHORT = """\
fargasim: 1
name: cli-short
duration: 10m
seed: 3
network:
  subnets:
    - {subnetId: subnet-a, availabilityZone: us-east-1a}
    - {subnetId: subnet-b, availabilityZone: us-east-1b}
taskDefinitions:
  - family: web
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    cpu: "256"
    memory: "512"
    containerDefinitions: [{name: app, image: nginx}]
services:
  - serviceName: web
    taskDefinition: web
    desiredCount: 2
    capacityProviderStrategy:
      - {capacityProvider: FARGATE, base: 1, weight: 1}
      - {capacityProvider: FARGATE_SPOT, weight: 1}
    networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-a, subnet-b]}}
workload:
  - service: web
    arrivals: {pattern: poisson, rps: 20}
    request: {cpuSeconds: {distribution: exponential, mean: 0.01}}
events:
  - {at: 5m, updateService: {service: web, desiredCount: 3}}
"""

# Three mistakes: a misspelt field, an int where ECS takes a string, an unknown section.
BAD = (
    SHORT.replace("desiredCount: 2", "desiredcount: 2")
    .replace('cpu: "256"', "cpu: 256")
    .replace("workload:", "workloads:")
)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``fargasim ARGS`` in this process: (exit status, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def python_m(*args: str, cwd: Path, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "fargasim", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def short(tmp_path: Path) -> Path:
    path = tmp_path / "short.yaml"
    path.write_text(SHORT, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


def assert_problem_lines(err: str, count: int) -> list[str]:
    lines = err.splitlines()
    assert len(lines) == count, err
    for line in lines:
        assert PROBLEM_LINE.match(line), line
    assert "Traceback" not in err
    return lines


# ---------------------------------------------------------------------------- validate


def test_validate_bad_scenario_exits_2_with_one_line_per_problem(
    capsys: pytest.CaptureFixture[str], bad: Path
) -> None:
    code, out, err = cli(capsys, "validate", str(bad))
    assert code == 2
    assert out == ""
    lines = assert_problem_lines(err, 3)
    assert lines[0].startswith(f"{bad}:13:10: taskDefinitions[0].cpu: ")
    assert lines[1].startswith(f"{bad}:19:5: services[0].desiredcount: ")
    assert lines[2].startswith(f"{bad}:24:1: workloads: ")
    assert "did you mean 'desiredCount'?" in lines[1]
    assert "did you mean 'workload'?" in lines[2]


def test_validate_good_scenario(capsys: pytest.CaptureFixture[str], short: Path) -> None:
    code, out, err = cli(capsys, "validate", str(short))
    assert (code, err) == (0, "")
    assert "ok" in out and "cli-short" in out


def test_validate_prints_notes_one_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    sample = REPO / "scenarios" / "sample-fargate-app.yaml"
    code, out, _ = cli(capsys, "validate", str(sample))
    assert code == 0
    notes = [line for line in out.splitlines() if "accepted, not simulated" in line]
    assert any(".containerDefinitions[0].environment: accepted" in line for line in notes)
    for line in notes:
        assert PROBLEM_LINE.match(line), line


def test_missing_scenario_file_exits_2_with_one_line(tmp_path: Path) -> None:
    done = python_m("validate", "nothere.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("nothere.yaml:") and "no such file" in line
    assert "Traceback" not in done.stderr


def test_python_m_help() -> None:
    done = python_m("--help", cwd=REPO)
    assert done.returncode == 0, done.stderr
    for command in ("run", "validate", "price", "report"):
        assert command in done.stdout


# --------------------------------------------------------------------------------- run


def test_run_bad_scenario_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    code, _, err = cli(capsys, "run", str(bad), "--out", str(tmp_path / "x"))
    assert code == 2
    assert_problem_lines(err, 3)
    assert not (tmp_path / "x").exists()
    code, _, _ = cli(capsys, "run", str(bad))  # default folder results/<name>
    assert code == 2
    assert sorted(os.listdir(tmp_path)) == before  # no folder, no half-written staging dir


def test_run_bad_scenario_leaves_existing_results_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad: Path
) -> None:
    out_dir = tmp_path / "x"
    out_dir.mkdir()
    (out_dir / "summary.json").write_text("{}", encoding="utf-8")
    code, _, _ = cli(capsys, "run", str(bad), "--out", str(out_dir))
    assert code == 2
    assert os.listdir(out_dir) == ["summary.json"]
    assert (out_dir / "summary.json").read_text(encoding="utf-8") == "{}"


def test_run_unknown_engine_exits_2_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, short: Path
) -> None:
    before = sorted(os.listdir(tmp_path))
    code, _, err = cli(capsys, "run", str(short), "--out", str(tmp_path / "x"), "--engine", "warp")
    assert code == 2
    assert "warp" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1
    assert sorted(os.listdir(tmp_path)) == before


def read_outputs(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_scenario_and_seed_give_byte_identical_outputs(tmp_path: Path, short: Path) -> None:
    """DESIGN.md §5: "A run depends only on the scenario and the seed: no global RNG, no wall
    clock, no dict-order accidents" — two processes with different hash seeds agree."""
    first = python_m("run", "short.yaml", "--out", "a", cwd=tmp_path, hash_seed="1")
    second = python_m("run", "short.yaml", "--out", "b", cwd=tmp_path, hash_seed="2")
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    a, b = read_outputs(tmp_path / "a"), read_outputs(tmp_path / "b")
    assert set(a) >= OUTPUT_FILES
    assert set(a) == set(b)
    different = [name for name in a if a[name] != b[name]]
    assert different == []
    assert len(a["timeseries.csv"].splitlines()) > 10


def test_another_seed_gives_other_traffic(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, short: Path
) -> None:
    outputs = {}
    for seed in ("3", "4"):
        code, _, err = cli(capsys, "run", str(short), "--out", str(tmp_path / seed), "--seed", seed)
        assert code == 0, err
        outputs[seed] = (tmp_path / seed / "timeseries.csv").read_bytes()
    assert outputs["3"] != outputs["4"]


def test_rerun_replaces_the_results_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, short: Path
) -> None:
    out_dir = tmp_path / "x"
    out_dir.mkdir()
    (out_dir / "stale.txt").write_text("old", encoding="utf-8")
    code, out, _ = cli(capsys, "run", str(short), "--out", str(out_dir))
    assert code == 0
    assert not (out_dir / "stale.txt").exists()
    assert set(os.listdir(out_dir)) >= OUTPUT_FILES
    assert "total cost" in out


# ------------------------------------------------------------------------------- price


def test_price_matches_the_hand_calculation(capsys: pytest.CaptureFixture[str]) -> None:
    """§1.2 us-east-1: $0.000011244 per vCPU-second and $0.000001235 per GB-second;
    1 vCPU and 2 GB for 600 s (above the 60 s minimum, §1.1)."""
    code, out, err = cli(capsys, "price", "--cpu", "1024", "--memory", "2048", "--seconds", "600")
    assert (code, err) == (0, "")
    expected = 1 * 0.000011244 * 600 + 2 * 0.000001235 * 600  # = 0.0082284
    total = re.search(r"total\s*│\s*([0-9.]+)\s*│", out)
    assert total is not None, out
    assert total.group(1) == f"{expected:.6f}"
    assert "billed seconds: 600" in out


def test_price_applies_the_one_minute_minimum(capsys: pytest.CaptureFixture[str]) -> None:
    """§1.1: "Pricing is calculated per second with a 1-minute minimum"."""
    code, out, _ = cli(capsys, "price", "--cpu", "1 vCPU", "--memory", "2 GB", "--seconds", "20")
    assert code == 0
    assert "billed seconds: 60" in out
    total = re.search(r"total\s*│\s*([0-9.]+)\s*│", out)
    assert total is not None
    assert total.group(1) == f"{(0.000011244 + 2 * 0.000001235) * 60:.6f}"


@pytest.mark.parametrize(
    ("cpu", "memory"), [("1024", "1024"), ("256", "4096"), ("3072", "8192"), ("lots", "2048")]
)
def test_price_invalid_size_exits_2(
    capsys: pytest.CaptureFixture[str], cpu: str, memory: str
) -> None:
    """§2.1: only the table's CPU/memory pairs exist on Fargate."""
    code, out, err = cli(capsys, "price", "--cpu", cpu, "--memory", memory, "--seconds", "60")
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err


# ------------------------------------------------------------------------------ report


def test_report_on_a_folder_without_results_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli(capsys, "report", str(empty))
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert os.listdir(empty) == []
    code, _, _ = cli(capsys, "report", str(tmp_path / "missing"))
    assert code == 2
    assert not (tmp_path / "missing").exists()


def test_run_exact_with_requests_csv_writes_one_row_per_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, short: Path
) -> None:
    """Issue: "Per-request records can be written (--requests-csv)" with the exact engine: one
    row per request, as many as summary.json counts, each completed row's latency = end − arrival."""
    out = tmp_path / "x"
    code, _, err = cli(
        capsys, "run", str(short), "--out", str(out), "--engine", "exact", "--requests-csv"
    )
    assert code == 0, err
    rows = list(csv.DictReader((out / "requests.csv").open(encoding="utf-8")))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    requests = summary["services"]["web"]["requests"]
    assert len(rows) == requests["total"] > 0
    assert list(rows[0]) == ["service", "taskId", "arrival", "start", "end", "latency", "outcome"]
    done = [r for r in rows if r["outcome"] == "completed"]
    assert len(done) == requests["completed"]
    for r in done[:50]:
        assert float(r["latency"]) == pytest.approx(float(r["end"]) - float(r["arrival"]), abs=2e-6)


def test_requests_csv_needs_the_exact_engine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, short: Path
) -> None:
    code, _, err = cli(capsys, "run", str(short), "--out", str(tmp_path / "x"), "--requests-csv")
    assert code == 2 and "exact engine" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


BATCH_ONLY = """\
fargasim: 1
name: cli-batch
duration: 30m
network:
  subnets:
    - {subnetId: subnet-a, availabilityZone: us-east-1a}
    - {subnetId: subnet-b, availabilityZone: us-east-1b}
taskDefinitions:
  - family: job
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    cpu: "256"
    memory: "512"
    containerDefinitions: [{name: job, image: job:1}]
batch:
  - {at: 0, taskDefinition: job, count: 300, runSeconds: {mean: 120, cv: 0.5},
     subnets: [subnet-a, subnet-b], group: nightly}
"""


def test_a_batch_only_account_runs_and_lists_its_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No service at all: the summary lists the RunTask group with its tasks and cost, the
    tasks table holds all 300 (500 free IPs across two subnets), and the report is written."""
    path = tmp_path / "batch.yaml"
    path.write_text(BATCH_ONLY, encoding="utf-8")
    code, out, err = cli(capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 0, err
    row = next(line for line in out.splitlines() if "nightly" in line)
    assert "300" in row
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["runTask"]["nightly"]["tasksLaunched"] == 300
    cost = summary["costUsd"]["byService"]["nightly"]
    assert cost == pytest.approx(summary["costUsd"]["total"]) and f"{cost:.4f}" in row
    with (tmp_path / "out" / "tasks.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 300
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'Tasks launched</div><div class="value">300<' in report
    assert re.search(r"<td>nightly</td><td class=\"num\">300</td>", report)
