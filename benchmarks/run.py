"""fargasim benchmarks (``make bench``, issue #6): medians of repeated runs, ratios side by side.

Suites (one module each, its docstring says what it measures and why):

B0   quickstart: one simulated day of a small service            ``b0_basics.py``
B0m  the vectorized meter vs a ``fargasim.price`` loop            ``b0_basics.py``
B1   bulk batch lifecycle + billing, 10^3..10^6 tasks, vs a per-task SimPy baseline
                                                                  ``b1_bulk.py``, ``baseline_simpy.py``
B2   a week of a web service swinging 500..5,000 tasks: wall, peak RSS   ``b2_week.py``
     and what SimPy costs per task state change                   ``lifecycle_machinery.py``
B3   the request model, vectorized vs exact engine (was B5)       ``b3_requests.py``
B4   peak RSS per task and per simulated hour                     ``b4_memory.py``

Usage::

    python benchmarks/run.py                      # everything, 5 runs each, appended to RESULTS.md
    python benchmarks/run.py B1 B3 --runs 3       # a subset
    python benchmarks/run.py B1 --max-tasks 10000 --no-append   # print the markdown only
    python benchmarks/run.py B2 --days 1          # a shorter horizon (targets judged at 7 days)
    python benchmarks/run.py --profile B2 B3      # cProfile summaries in benchmarks/profiles/

The results table says for each target of the issue whether this run met it (✓/✗). Not a test:
nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import pstats
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import b0_basics, b1_bulk, b2_week, b3_requests, b4_memory
from benchmarks.common import ROOT, Options, Section, machine, plural, progress

SUITES: dict[str, Callable[[Options], Section]] = {
    "B0": b0_basics.run_quickstart,
    "B0m": b0_basics.run_meter,
    "B1": b1_bulk.run,
    "B2": b2_week.run,
    "B3": b3_requests.run,
    "B4": b4_memory.run,
}
PROFILES = {
    "B1": b1_bulk.profile_target,
    "B2": b2_week.profile_target,
    "B3": b3_requests.profile_target,
}
ALIASES = {"B5": "B3"}  # B3 was called B5 before issue #6
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PROFILE_DIR = ROOT / "benchmarks" / "profiles"
PROFILE_LINES = 40


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("suites", nargs="*", metavar="SUITE", help=f"{', '.join(SUITES)} (all)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (5)")
    parser.add_argument(
        "--max-tasks",
        type=int,
        default=10**6,
        help="largest B1 batch (10^6); B4 uses 10^4 and 10^5 tasks, or a decade below it",
    )
    parser.add_argument("--days", type=float, default=7.0, help="B2/B4 horizon in days (7)")
    parser.add_argument("--no-append", action="store_true", help="print the markdown only")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="file to append to (benchmarks/RESULTS.md)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="write cProfile summaries of B2 and B3 (or SUITEs)"
    )
    args = parser.parse_args(argv)
    args.suites = [ALIASES.get(s, s) for s in args.suites]
    table = PROFILES if args.profile else SUITES
    unknown = [s for s in args.suites if s not in table]
    if unknown:
        parser.error(f"unknown suite(s) {', '.join(unknown)}: choose from {', '.join(table)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def command(argv: list[str]) -> str:
    return " ".join(["python benchmarks/run.py", *argv])


def now_utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def results_block(sections: dict[str, Section], opts: Options, argv: list[str]) -> str:
    rows = [row for section in sections.values() for row in section.rows]
    notes = [note for section in sections.values() for note in section.notes]
    lines = [
        f"## {now_utc()}",
        "",
        f"Machine: {machine()}",
        "",
        f"Command: `{command(argv)}`; {plural(opts.runs, 'run')} per measurement unless a "
        "row says otherwise; times are wall-clock median (min, max).",
        "",
        "| benchmark | result | target |",
        "|---|---|---|",
        *(f"| {name} | {result} | {goal} |" for name, result, goal in rows),
        "",
    ]
    if notes:
        lines += [*(f"* {note}" for note in notes), ""]
    return "\n".join(lines)


def profile(names: list[str], opts: Options, argv: list[str]) -> None:
    """cProfile summaries (top by cumulative and by own time) in benchmarks/profiles/NAME.txt."""
    PROFILE_DIR.mkdir(exist_ok=True)
    prefixes = [(f"{ROOT}/", ""), (f"{sysconfig.get_paths()['purelib']}/", "site-packages/")]
    for name in names:
        parts = [
            f"# cProfile of {name}",
            f"# Date: {now_utc()}",
            f"# Machine: {machine()}",
            f"# Command: {command(argv)}",
            "# cProfile adds a per-call cost, so Python-heavy code looks slower than it is; the",
            "# shares, not the seconds, are what to read.",
        ]
        for label, fn in PROFILES[name](opts):
            progress(f"profiling {name}: {label}")
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.runcall(fn)
            wall = time.perf_counter() - start
            for order, title in (("cumulative", "cumulative time"), ("tottime", "own time")):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(PROFILE_LINES)
                text = out.getvalue()
                for prefix, short in prefixes:
                    text = text.replace(prefix, short)
                parts += [
                    "",
                    f"## {label}: top {PROFILE_LINES} by {title} ({wall:.1f} s under the profiler)",
                    text.strip("\n"),
                ]
        path = PROFILE_DIR / f"{name}.txt"
        path.write_text("\n".join(parts) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    opts = Options(runs=args.runs, max_tasks=args.max_tasks, days=args.days)
    if args.profile:
        profile(args.suites or ["B2", "B3"], opts, argv)
        return
    names = args.suites or list(SUITES)
    sections = {}
    for name in names:
        progress(f"{name} ...")
        sections[name] = SUITES[name](opts)
    block = results_block(sections, opts, argv)
    print(block)
    if args.no_append:
        return
    results: Path = args.results
    if not results.exists():
        results.write_text(
            "# Benchmark results\n\nAppended by `make bench`; medians of repeated runs.\n\n"
        )
    with results.open("a", encoding="utf-8") as fh:
        fh.write(block + "\n")
    print(f"appended to {results}", file=sys.stderr)


if __name__ == "__main__":
    main()
