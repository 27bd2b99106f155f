"""When a scheduled action runs: ``at``, ``rate`` and ``cron`` expressions with Timezone,
StartTime and EndTime (reference §6.4; ``PutScheduledAction``).

AWS rules modelled (PutScheduledAction API reference; Application Auto Scaling User Guide,
"Scheduled scaling" and "Schedule recurring scaling actions using cron expressions",
https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html):

- Formats: "At expressions - at(yyyy-mm-ddThh:mm:ss)", "Rate expressions - rate(value unit)",
  "Cron expressions - cron(fields)"; "For rate expressions, value is a positive integer and
  unit is minute | minutes | hour | hours | day | days." Cron fields: :mod:`.cron`.
- "At and cron expressions use Universal Coordinated Time (UTC) by default." Timezone: "the
  canonical names of the IANA time zones" (read with :mod:`zoneinfo`); "When you specify a time
  zone that observes daylight saving time, it automatically adjusts for Daylight Saving Time".
  A rate is a fixed interval of elapsed time; the Timezone is "used when setting a scheduled
  action by using an at or cron expression" only.
- "The start time and end time must be set in UTC." "If you specify a start time, Application
  Auto Scaling performs the action at this time, and then performs the action based on the
  specified recurrence." "If you specify an end time, the action stops repeating after this
  time." (runs at exactly EndTime still happen).
- "The finest resolution using a cron expression is 1 minute."

**Assumptions** (AWS is silent; each is a parameter or stated here):

- A ``rate`` without StartTime starts when the action is created (EventBridge, to which the
  guide points for rate expressions: "A rate expression starts when you create the scheduled
  event rule, and then it runs on a defined schedule"): first run at ``created_at + interval``
  (``created_at`` is the simulation start for actions in the scenario).
- The run *at* StartTime applies to cron schedules too, as the cron page says; pass
  ``run_at_start_time=False`` to use StartTime only as a bound.
- ``at`` with StartTime / EndTime: the bounds apply (no run outside them).
- ``rate(1 minutes)`` and ``rate(5 hour)`` are accepted: the Application Auto Scaling API
  lists the units without EventBridge's rule that 1 takes the singular and other values the
  plural.
- Local wall times skipped by a DST jump run later by the size of the gap (02:30 on the US
  spring-forward day runs at 03:30 daylight time); wall times repeated when clocks go back run
  once, at the first occurrence: the rule of java.time's ``ZonedDateTime.of`` and of Python's
  ``fold=0``. AWS does not say what it does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fargasim.autoscaling.cron import CronExpression

UTC = dt.timezone.utc
#: Larger than any UTC-offset change at a DST transition, so that the wall-clock search around
#: a time cannot miss a run whose wall time moved across it.
_DST_SLACK = dt.timedelta(hours=3)
_UNITS = {
    "minute": dt.timedelta(minutes=1),
    "minutes": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "hours": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
    "days": dt.timedelta(days=1),
}
_AT = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)")
_RATE = re.compile(r"rate\(\s*(\S+)\s+(\S+)\s*\)")
_CRON = re.compile(r"cron\((.*)\)")
_FORMATS = "at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)"


def _utc(t: dt.datetime) -> dt.datetime:
    """An aware UTC datetime; a naive one is taken to be UTC."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown Timezone {name!r}: use an IANA name such as America/New_York or Etc/GMT+9"
        ) from None


@dataclass(frozen=True)
class Schedule:
    """A parsed ``Schedule`` with its Timezone and StartTime / EndTime (aware UTC datetimes).

    Build with :meth:`parse`; ask :meth:`next_after` for the next run.
    """

    expression: str
    kind: Literal["at", "rate", "cron"]
    timezone: str = "UTC"
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    at_time: dt.datetime | None = None
    interval: dt.timedelta | None = None
    cron: CronExpression | None = None
    #: rate: the time runs count from, and whether a run happens at it (StartTime) or one
    #: interval later (creation time).
    anchor: dt.datetime | None = None
    anchor_runs: bool = False
    run_at_start_time: bool = True

    @classmethod
    def parse(
        cls,
        expression: str,
        timezone: str | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        *,
        created_at: dt.datetime | None = None,
        run_at_start_time: bool = True,
    ) -> Schedule:
        """Parse a PutScheduledAction ``Schedule``; ValueError with a readable message if invalid.

        Naive ``start_time`` / ``end_time`` / ``created_at`` are UTC. ``created_at`` anchors a
        ``rate`` without StartTime (the loader may omit it: :meth:`next_after` then refuses).
        """
        text = expression.strip()
        zone_name = timezone or "UTC"
        zone = _zone(zone_name)
        start = None if start_time is None else _utc(start_time)
        end = None if end_time is None else _utc(end_time)
        if start is not None and end is not None and start > end:
            raise ValueError(f"StartTime {start.isoformat()} is after EndTime {end.isoformat()}")
        kind: Literal["at", "rate", "cron"]
        at_time = interval = cron = anchor = None
        if match := _AT.fullmatch(text):
            kind = "at"
            year, month, day, hour, minute, second = (int(g) for g in match.groups())
            try:
                wall = dt.datetime(year, month, day, hour, minute, second)
            except ValueError as exc:
                raise ValueError(f"{text!r}: {exc}") from None
            at_time = wall.replace(tzinfo=zone).astimezone(UTC)
        elif match := _RATE.fullmatch(text):
            kind = "rate"
            value, unit = match.groups()
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{text!r}: the rate value must be a positive integer")
            if unit not in _UNITS:
                raise ValueError(f"{text!r}: the unit must be one of {' | '.join(_UNITS)}")
            interval = int(value) * _UNITS[unit]
            if start is not None:
                anchor = start
            elif created_at is not None:
                anchor = _utc(created_at)
        elif match := _CRON.fullmatch(text):
            kind = "cron"
            try:
                cron = CronExpression.parse(match.group(1))
            except ValueError as exc:
                raise ValueError(f"{text!r}: {exc}") from None
        elif text.startswith(("at(", "rate(", "cron(")):
            raise ValueError(f"{text!r} is malformed: use {_FORMATS}")
        else:
            raise ValueError(f"unknown schedule expression {text!r}: use {_FORMATS}")
        return cls(
            expression=text,
            kind=kind,
            timezone=zone_name,
            start_time=start,
            end_time=end,
            at_time=at_time,
            interval=interval,
            cron=cron,
            anchor=anchor,
            anchor_runs=kind == "rate" and start is not None and run_at_start_time,
            run_at_start_time=run_at_start_time,
        )

    def next_after(self, t: dt.datetime) -> dt.datetime | None:
        """The first run strictly after ``t`` (aware UTC), or None when there is none.

        ``t`` may be aware in any zone, or naive UTC.
        """
        after = _utc(t)
        if self.kind == "at":
            assert self.at_time is not None
            found = self.at_time if self.at_time > after else None
            if found is not None and self.start_time is not None and found < self.start_time:
                found = None
        elif self.kind == "rate":
            found = self._rate_next(after)
        else:
            found = self._cron_next(after)
        if found is not None and self.end_time is not None and found > self.end_time:
            return None
        return found

    def next_at_or_after(self, t: dt.datetime) -> dt.datetime | None:
        """The first run at ``t`` or later (runs fall on whole microseconds)."""
        return self.next_after(_utc(t) - dt.timedelta(microseconds=1))

    def between(self, start: dt.datetime, end: dt.datetime) -> Iterator[dt.datetime]:
        """Every run in ``(start, end]``, in order."""
        limit = _utc(end)
        t = self.next_after(start)
        while t is not None and t <= limit:
            yield t
            t = self.next_after(t)

    def _rate_next(self, after: dt.datetime) -> dt.datetime | None:
        assert self.interval is not None
        if self.anchor is None:
            raise ValueError(
                f"{self.expression!r} has no StartTime: parse it with created_at (the time the "
                "action is created) to know when it starts"
            )
        first = 0 if self.anchor_runs else 1
        k = max(first, (after - self.anchor) // self.interval + 1)
        return self.anchor + k * self.interval

    def _cron_next(self, after: dt.datetime) -> dt.datetime | None:
        assert self.cron is not None
        candidates: list[dt.datetime] = []
        if self.start_time is not None:
            if self.run_at_start_time and self.start_time > after:
                candidates.append(self.start_time)
            after = max(after, self.start_time - dt.timedelta(microseconds=1))
        zone = ZoneInfo(self.timezone)
        local_after = after.astimezone(zone).replace(tzinfo=None)
        stop = None
        if self.end_time is not None:
            stop = self.end_time.astimezone(zone).replace(tzinfo=None) + _DST_SLACK
        best: dt.datetime | None = None
        best_wall: dt.datetime | None = None
        for wall in self.cron.iter_from(local_after - _DST_SLACK, stop):
            if best_wall is not None and wall > best_wall + _DST_SLACK:
                break
            instant = wall.replace(tzinfo=zone).astimezone(UTC)
            if instant > after and (best is None or instant < best):
                best, best_wall = instant, wall
        if best is not None:
            candidates.append(best)
        return min(candidates, default=None)
