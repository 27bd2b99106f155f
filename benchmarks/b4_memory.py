"""B4, memory: peak RSS per task and per simulated hour, each point a fresh process.

Why: a simulator that keeps every task and every tick in memory runs out of it long before it
runs out of time. Two slopes answer "how big a run fits?":

* **per task**: B1's batch at two sizes (10^4 and 10^5 tasks; a decade below ``--max-tasks``
  if that is smaller): (RSS_big − RSS_small) / (N_big − N_small). The batch holds at most about
  7,000 tasks at once (20 launches per second × their ~6-minute life), so this is what a run
  keeps per task it has finished, not per concurrent task.
* **per simulated hour**: B2's web service at two horizons (1 day and 7 days, or ``--days``):
  (RSS_long − RSS_short) / (hours_long − hours_short). Week runs already made by B2 in the same
  invocation are reused.

The RSS of a minimal run (one task for a minute: interpreter, numpy, SimPy,
pydantic, fargasim) is the floor under every number.
"""

from __future__ import annotations

from benchmarks.common import MIB, Options, Section, describe_mib, median, plural, run_child


def _rss(kind: str, arg: str, runs: int) -> list[float]:
    return [float(r["maxrss"]) for r in run_child(kind, arg, runs)]


def run(opts: Options) -> Section:
    section = Section()
    empty = _rss("empty", "", opts.runs)
    section.add("B4 floor: a run of one task for 1 min: peak RSS", describe_mib(empty))

    big = 10**5 if opts.max_tasks >= 10**5 else opts.max_tasks
    small = max(big // 10, 1)
    rss_small = _rss("batch", str(small), opts.runs)
    rss_big = _rss("batch", str(big), opts.runs)
    per_task = (median(rss_big) - median(rss_small)) / (big - small)
    section.add(f"B4 B1 batch of {small:,} tasks: peak RSS", describe_mib(rss_small))
    section.add(f"B4 B1 batch of {big:,} tasks: peak RSS", describe_mib(rss_big))
    section.add("B4 peak RSS per task", f"{per_task / 1024:,.2f} KiB per task (medians)")

    long = opts.days
    short = 1.0 if long > 1 else long / 4
    rss_short = _rss("week", repr(short), opts.runs)
    rss_long = _rss("week", repr(long), opts.runs)
    per_hour = (median(rss_long) - median(rss_short)) / ((long - short) * 24)
    section.add(f"B4 B2 web service, {plural(short, 'day')}: peak RSS", describe_mib(rss_short))
    section.add(f"B4 B2 web service, {plural(long, 'day')}: peak RSS", describe_mib(rss_long))
    section.add(
        "B4 peak RSS per simulated hour (B2 service)",
        f"{per_hour / MIB:,.2f} MiB per hour (medians)",
    )
    return section
