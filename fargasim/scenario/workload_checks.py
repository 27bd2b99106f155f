"""Cross-checks of the workload sections: the arrival patterns of ``workload:`` (``ramp``,
``spike``, ``trace``) and the batch jobs of ``batch:`` (reference §2.4, §5.1, §7.1, §7.2); and
the reading of trace CSV files into ``points``.

:func:`inline_trace_files` runs before the schema: it replaces each ``arrivals.file`` of a
``trace`` by the ``points`` the CSV holds, so ``scenario.resolved.yaml`` carries the data the run
used, and it reports a bad row as ``CSV:LINE:COL: workload[i].arrivals.file: message``. The
inlined points keep their CSV positions, so later problems about a point name its CSV line too.

:func:`check` reports every rule through ``add(path, message)``; the loader locates it.
"""

from __future__ import annotations

import datetime
import itertools
import math
import os
from collections.abc import Sequence
from pathlib import Path as FsPath

from fargasim.errors import Problem
from fargasim.scenario.platform_checks import Add, Path, hint, resolve_task_definition
from fargasim.scenario.schema import (
    BatchSpec,
    CapacityProviderStrategyItem,
    Distribution,
    RampArrivals,
    Scenario,
    TraceArrivals,
)
from fargasim.scenario.yamlio import MAX_FILE_BYTES, Document, Mark, format_path
from fargasim.units import format_duration, parse_duration
from fargasim.workload.arrivals import TRACE_PERIOD

#: §2.4: at most 16 subnets per awsvpcConfiguration.
MAX_SUBNETS = 16
#: Bad rows reported per CSV file before the rest are summed up in one line.
MAX_ROW_PROBLEMS = 10


# ---------------------------------------------------------------------------------------------
# Trace CSV files → points


def inline_trace_files(doc: Document, base_dir: FsPath) -> list[Problem]:
    """Replace each ``workload[i].arrivals.file`` of a ``trace`` by the ``points`` it holds."""
    problems: list[Problem] = []
    workloads = doc.data.get("workload") if isinstance(doc.data, dict) else None
    if not isinstance(workloads, list):
        return problems
    for i, workload in enumerate(workloads):
        arrivals = workload.get("arrivals") if isinstance(workload, dict) else None
        if not (
            isinstance(arrivals, dict)
            and arrivals.get("pattern") == "trace"
            and isinstance(arrivals.get("file"), str)
        ):
            continue
        at: Path = ("workload", i, "arrivals", "file")
        if "points" in arrivals:
            problems.append(doc.problem(at, "give 'points' or 'file', not both"))
            continue
        name = arrivals["file"]
        including = doc.mark_for(at).file
        display = name if os.path.isabs(name) else os.path.join(os.path.dirname(including), name)
        rows, found = read_trace_csv(base_dir / name, name, display, format_path(at))
        # Line 0: about the file as a whole (unreadable, empty), told at the scenario's 'file:'.
        problems.extend(p if p.line else doc.problem(at, p.message) for p in found)
        if found:
            continue
        del arrivals["file"]
        arrivals["points"] = [{"at": row_at, "value": value} for row_at, value, _, _ in rows]
        here: Path = ("workload", i, "arrivals", "points")
        doc.marks[here] = Mark(display, 1, 1)
        for k, (_, _, at_mark, value_mark) in enumerate(rows):
            point: Path = (*here, k)
            at_key: Path = (*point, "at")
            value_key: Path = (*point, "value")
            doc.marks[point] = Mark(display, at_mark.line, 1)
            doc.marks[at_key] = at_mark
            doc.marks[value_key] = value_mark
    return problems


TraceRow = tuple[float, float, Mark, Mark]


class _BadRow(Exception):
    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def read_trace_csv(
    path: FsPath, name: str, display: str, where: str
) -> tuple[list[TraceRow], list[Problem]]:
    """The rows of a trace CSV sorted by time, as ``(at, value, at_mark, value_mark)``, and the
    problems found, each at ``display:line:column`` (line 0: the file as a whole, which cannot
    be read or is empty). There are rows only if there are no problems.

    Columns: ``Timestamp,Value`` (ISO 8601; t = 0 is the earliest timestamp; a time without an
    offset is UTC) or ``at,value`` (durations as in the scenario), names in any case, other
    columns ignored; blank lines are skipped; rows may come in any order."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror
        return [], [Problem(display, 0, 0, where, f"cannot read {name!r}: {reason}")]
    if len(raw) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        return [], [Problem(display, 0, 0, where, f"{name!r} is larger than {limit} MiB")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = raw.count(b"\n", 0, exc.start) + 1
        return [], [Problem(display, bad_line, 1, where, f"{name!r} is not UTF-8")]
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        return [], [Problem(display, 0, 0, where, f"{name!r} is empty")]
    header_line, header = lines[0]
    names = [field.lower() for field, _ in _fields(header)]
    time_column = "timestamp" if "timestamp" in names else "at"
    if time_column not in names or "value" not in names:
        found = ", ".join(field for field, _ in _fields(header)) or "nothing"
        message = (
            "a trace CSV starts with the header 'Timestamp,Value' (ISO 8601 times, as exported "
            f"from CloudWatch) or 'at,value' (durations); found: {found}"
        )
        return [], [Problem(display, header_line, 1, where, message)]
    t_index, v_index = names.index(time_column), names.index("value")
    parsed: list[TraceRow] = []
    problems: list[Problem] = []
    bad = 0
    for number, line in lines[1:]:
        fields = _fields(line)
        try:
            when, value = _row(fields, t_index, v_index, time_column, len(names))
        except _BadRow as exc:
            bad += 1
            if bad <= MAX_ROW_PROBLEMS:
                problems.append(Problem(display, number, exc.column, where, exc.message))
            continue
        parsed.append(
            (
                when,
                value,
                Mark(display, number, fields[t_index][1]),
                Mark(display, number, fields[v_index][1]),
            )
        )
    if bad > MAX_ROW_PROBLEMS:
        last = problems[-1]
        problems.append(
            Problem(
                display,
                last.line,
                last.column,
                where,
                f"and {bad - MAX_ROW_PROBLEMS} more bad rows",
            )
        )
    if problems:
        return [], problems
    if not parsed:
        return [], [Problem(display, header_line, 1, where, f"{name!r} has no rows")]
    parsed.sort(key=lambda row: row[0])
    if time_column == "timestamp":  # microseconds since the epoch → seconds since the first
        origin = parsed[0][0]
        parsed = [((when - origin) / 1e6, value, a, v) for when, value, a, v in parsed]
    return parsed, []


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_MICROSECOND = datetime.timedelta(microseconds=1)


def _row(
    fields: list[tuple[str, int]], t_index: int, v_index: int, time_column: str, width: int
) -> tuple[float, float]:
    """``(time, value)`` of one CSV row (raises :class:`_BadRow`): the time in seconds
    (``at``) or in whole microseconds since 1970 (``Timestamp``, so differences are exact)."""
    if len(fields) <= max(t_index, v_index):
        raise _BadRow(1, f"this row has {len(fields)} fields, the header {width}")
    text, column = fields[t_index]
    if time_column == "timestamp":
        try:
            stamp = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise _BadRow(
                column, f"{text!r} is not an ISO 8601 time (such as 2026-01-05T09:00:00Z)"
            ) from None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=datetime.timezone.utc)
        when = float((stamp - _EPOCH) // _MICROSECOND)
    else:
        try:
            when = parse_duration(text)
        except ValueError as exc:
            raise _BadRow(column, str(exc)) from None
    text, column = fields[v_index]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise _BadRow(column, f"a value is a request count, a number ≥ 0; got {text!r}")
    return when, value


def _fields(line: str) -> list[tuple[str, int]]:
    """The fields of one CSV line (RFC 4180 quoting within the line) with the 1-based column
    where each starts (after leading blanks)."""
    out: list[tuple[str, int]] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in " \t":
            i += 1
        start = i
        if i < n and line[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n:
                if line[i] == '"':
                    if i + 1 < n and line[i + 1] == '"':
                        chars.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                chars.append(line[i])
                i += 1
            comma = line.find(",", i)
            end = n if comma < 0 else comma
            text = "".join(chars) + line[i:end].strip()
        else:
            comma = line.find(",", i)
            end = n if comma < 0 else comma
            text = line[i:end].strip()
        out.append((text, start + 1))
        if comma < 0:
            return out
        i = comma + 1


# ---------------------------------------------------------------------------------------------
# Rules


def check(sc: Scenario, add: Add) -> None:
    """Every workload and batch rule the loader enforces."""
    for i, workload in enumerate(sc.workload):
        arrivals = workload.arrivals
        at: Path = ("workload", i, "arrivals")
        if isinstance(arrivals, RampArrivals) and arrivals.end < arrivals.start:
            add(
                (*at, "end"),
                f"end ({format_duration(arrivals.end)}) is before start "
                f"({format_duration(arrivals.start)}): the ramp runs from start to end",
            )
        elif isinstance(arrivals, TraceArrivals):
            _check_trace(arrivals, at, add)
    for i, entry in enumerate(sc.batch):
        _check_batch(sc, entry, ("batch", i), add)
    _check_batch_groups(sc, add)


def _check_trace(trace: TraceArrivals, at: Path, add: Add) -> None:
    if trace.points is None:
        add(at, "a trace needs 'points' (a list of {at, value}) or 'file' (a CSV)")
        return
    if not trace.points:
        add((*at, "points"), "a trace needs at least one point")
        return
    period = TRACE_PERIOD[trace.values_per]
    order = sorted(range(len(trace.points)), key=lambda k: (trace.points or [])[k].at)
    times = [trace.points[k].at for k in order]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    for k, gap in enumerate(gaps):
        if gap < period - 1e-9:
            earlier, later, when = order[k], order[k + 1], format_duration(times[k + 1])
            add(
                (*at, "points", later, "at"),
                f"this point (t = {when}) is {gap:g} s after points[{earlier}]: each value "
                f"counts the requests of the {period:g} s that start at its time (valuesPer: "
                f"{trace.values_per}), so points are at least {period:g} s apart",
            )
            return
    if len(times) >= 3 and min(gaps) > period + 1e-9:
        add(
            (*at, "valuesPer"),
            f"the points are never closer than {min(gaps):g} s, but each value counts the "
            f"requests of {period:g} s (valuesPer: {trace.values_per}): each value would arrive "
            "within its first "
            f"{period:g} s and none in the rest. Export the trace with a {period:g} s period, "
            "or write the empty periods as value 0",
        )


def _check_batch(sc: Scenario, entry: BatchSpec, at: Path, add: Add) -> None:
    """A batch entry's schedule, task definition, subnets and capacity providers."""
    if entry.every is not None and entry.every <= 0:
        add((*at, "every"), "every must be above 0: the time between two submissions")
    if entry.until is not None:
        if entry.every is None:
            add((*at, "until"), "until goes with every: a batch entry without it submits once")
        elif entry.until <= entry.at:
            add(
                (*at, "until"),
                f"until ({format_duration(entry.until)}) must be after at "
                f"({format_duration(entry.at)}): the first submission is at 'at'",
            )
    td, why = resolve_task_definition(sc, entry.task_definition)
    if td is None:
        add((*at, "taskDefinition"), why)
    known = [s.subnet_id for s in sc.network.subnets]
    if len(entry.subnets) > MAX_SUBNETS:
        add((*at, "subnets"), f"at most {MAX_SUBNETS} subnets per awsvpcConfiguration (§2.4)")
    for j, subnet in enumerate(entry.subnets):
        if subnet not in known:
            add(
                (*at, "subnets", j), f"no subnet {subnet!r} in network.subnets{hint(subnet, known)}"
            )
        elif subnet in entry.subnets[:j]:
            add((*at, "subnets", j), f"subnet {subnet!r} is listed twice")
    _check_strategy(entry.capacity_provider_strategy, (*at, "capacityProviderStrategy"), add)
    spot = any(
        item.capacityProvider == "FARGATE_SPOT" and (item.weight > 0 or item.base > 0)
        for item in entry.capacity_provider_strategy
    )
    if td is not None and spot:
        where = (*at, "capacityProviderStrategy")
        if td.runtimePlatform.operatingSystemFamily != "LINUX":
            add(where, "Windows containers on Fargate don't support FARGATE_SPOT (§7.2)")
        elif td.runtimePlatform.cpuArchitecture == "ARM64" and not sc.pricing.arm_spot_supported:
            add(
                where,
                "ARM64 tasks can't use FARGATE_SPOT with pricing.armSpotSupported: false (§7.2)",
            )
    services = [s.serviceName for s in sc.services]
    if entry.group is not None and entry.group in services:
        add(
            (*at, "group"),
            f"group {entry.group!r} is the name of a service: give the batch tasks a group of "
            "their own (tasks.csv and the cost breakdown list them by it)",
        )


def _check_strategy(strategy: Sequence[CapacityProviderStrategyItem], at: Path, add: Add) -> None:
    """§7.1: FARGATE / FARGATE_SPOT only, each once, one base at most, some weight above 0."""
    seen: set[str] = set()
    for j, item in enumerate(strategy):
        if item.capacityProvider not in ("FARGATE", "FARGATE_SPOT"):
            add(
                (*at, j, "capacityProvider"),
                f"Fargate tasks use FARGATE or FARGATE_SPOT, got {item.capacityProvider!r}"
                + hint(item.capacityProvider, ["FARGATE", "FARGATE_SPOT"]),
            )
        elif item.capacityProvider in seen:
            add((*at, j, "capacityProvider"), f"{item.capacityProvider} is listed twice")
        seen.add(item.capacityProvider)
        if item.weight < 0 or item.base < 0:
            add((*at, j), "weight and base are 0 or more")
    bases = [j for j, item in enumerate(strategy) if item.base > 0]
    if len(bases) > 1:
        add(
            (*at, bases[1], "base"),
            "only one capacity provider in a strategy can have a base (§7.1)",
        )
    if strategy and all(item.weight == 0 for item in strategy):
        add(
            at,
            "at least one capacity provider needs a weight above 0 (§7.1: the API default "
            "weight is 0)",
        )


def _check_batch_groups(sc: Scenario, add: Add) -> None:
    """fargasim draws the run times of a RunTask group's tasks from one distribution: batch
    entries (and runTask events) that share a group must share ``runSeconds``."""
    first: dict[str, tuple[str, Distribution]] = {}
    for i, event in enumerate(sc.events):
        if event.run_task is not None and event.run_seconds is not None:
            first.setdefault(event.run_task.group_name, (f"events[{i}]", event.run_seconds))
    for i, entry in enumerate(sc.batch):
        group = entry.group_name
        if group not in first:
            first[group] = (f"batch[{i}]", entry.run_seconds)
            continue
        where, run_seconds = first[group]
        if run_seconds != entry.run_seconds:
            add(
                (*("batch", i), "runSeconds"),
                f"{where} runs tasks in the same group {group!r} with other runSeconds: "
                "fargasim draws a group's run times from one distribution; give this entry "
                "its own group",
            )
