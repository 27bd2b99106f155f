"""What every benchmark module shares: options, timing, statistics, the machine, child runs.

Timings are wall-clock (``time.perf_counter``) medians with their min and max. Memory is the peak
resident set size (RSS, ``VmHWM``) of a fresh child process that ran one measurement
(:func:`run_child`, see ``benchmarks/child.py``): what the operating system had to give the run,
interpreter and imports included, not what ``tracemalloc`` sees.
"""

from __future__ import annotations

import functools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


@dataclass(frozen=True)
class Options:
    """The command line (``benchmarks/run.py --help``)."""

    runs: int = 5
    max_tasks: int = 10**6
    days: float = 7.0


@dataclass
class Section:
    """A suite's part of the results table (``| benchmark | result | target |``) and notes."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, benchmark: str, result: str, target: str = "") -> None:
        self.rows.append((benchmark, result, target))


def progress(message: str) -> None:
    """A line on stderr while the suite runs (the results go to stdout)."""
    print(message, file=sys.stderr, flush=True)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall seconds of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def describe(values: Sequence[float], unit: str = "s", digits: int = 3) -> str:
    """``median 1.234 s (min 1.200, max 1.300; 5 runs)``."""
    runs = f"; {plural(len(values), 'run')}" if len(values) != 5 else ""
    return (
        f"median {median(values):.{digits}f} {unit} "
        f"(min {min(values):.{digits}f}, max {max(values):.{digits}f}{runs})"
    )


def plural(n: float, word: str) -> str:
    """``1 run``, ``3 runs``, ``0.5 days``."""
    return f"{n:g} {word}{'' if n == 1 else 's'}"


def describe_mib(values_bytes: Sequence[float]) -> str:
    return describe([v / MIB for v in values_bytes], "MiB", 0)


def target(met: bool | None, text: str) -> str:
    """``✓ ≥ 50×`` / ``✗ ≥ 50×``; ``None``: not measured in this run."""
    if met is None:
        return f"not measured ({text})"
    return f"{'✓' if met else '✗'} {text}"


def relative(a: float, b: float) -> float:
    """``(a − b)/b``, NaN when ``b`` is 0."""
    return (a - b) / b if b else math.nan


def scaling_exponent(sizes: Sequence[float], walls: Sequence[float]) -> float:
    """The least-squares slope of log(wall) against log(size)."""
    slope, _ = np.polyfit(np.log(np.asarray(sizes)), np.log(np.asarray(walls)), 1)
    return float(slope)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import simpy

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, simpy {simpy.__version__}, {platform.system()} "
        f"{platform.release()}"
    )


@functools.cache
def run_child(kind: str, arg: str, runs: int) -> tuple[dict[str, Any], ...]:
    """``runs`` fresh processes of ``benchmarks/child.py KIND ARG``, each one measurement (a
    dict with ``wall`` seconds, ``maxrss`` bytes and what the run produced). Cached, so that B4
    reuses B2's week runs in the same invocation."""
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    out = []
    for i in range(runs):
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "child.py"), kind, arg],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"child {kind} {arg} failed:\n{done.stderr}")
        record = json.loads(done.stdout.strip().splitlines()[-1])
        progress(
            f"  {kind} {arg} run {i + 1}/{runs}: {record['wall']:.2f} s, "
            f"{record['maxrss'] / MIB:.0f} MiB"
        )
        out.append(record)
    return tuple(out)
