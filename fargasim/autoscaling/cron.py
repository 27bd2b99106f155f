"""The six-field cron syntax of scheduled actions, matched on wall-clock times (reference §6.4).

PutScheduledAction: "The cron format consists of six fields separated by white spaces:
[Minutes] [Hours] [Day_of_Month] [Month] [Day_of_Week] [Year]." The Application Auto Scaling
guide sends readers to the EventBridge (CloudWatch Events) cron reference
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html), whose
rules are implemented here:

=============  ===============  ==================
Field          Values           Wildcards
=============  ===============  ==================
Minutes        0-59             , - * /
Hours          0-23             , - * /
Day-of-month   1-31             , - * ? / L W
Month          1-12 or JAN-DEC  , - * /
Day-of-week    1-7 or SUN-SAT   , - * ? L #
Year           1970-2199        , - * /
=============  ===============  ==================

- "You can't use * in both the Day-of-month and Day-of-week fields. If you use it in one, you
  must use ? in the other." fargasim requires exactly one of the two to be ``?``.
- "The / (slash) wildcard specifies increments … 1/10 … every tenth minute, starting from the
  first minute of the hour (for example, the 11th, 21st, and 31st minute, and so on)."
- "The L wildcard in the Day-of-month or Day-of-week fields specifies the last day of the month
  or week": ``L`` in Day-of-month is the month's last day; ``L`` in Day-of-week is 7 (SAT) and
  ``5L`` the month's last Thursday.
- Not supported, refused with a ValueError: ``W`` (nearest weekday), ``#`` (nth weekday), and
  the seven-field form with seconds (the AAS guide allows it but "doesn't guarantee that the
  scheduled action will run on the precise second"; fargasim schedules at one-minute
  resolution, §6.4: "The finest resolution using a cron expression is 1 minute").
- Leniencies (AWS documents neither way): ``/`` is accepted in Day-of-week (as Quartz does);
  ``rate`` units are not checked for singular / plural (see :mod:`.schedule`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

MONTH_NAMES: Mapping[str, int] = {
    name: i
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
#: Day-of-week numbering of EventBridge: 1 = SUN … 7 = SAT.
DAY_NAMES: Mapping[str, int] = {
    name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)
}
FIRST_YEAR, LAST_YEAR = 1970, 2199
FIELD_ORDER = "[Minutes] [Hours] [Day-of-month] [Month] [Day-of-week] [Year]"


@dataclass(frozen=True)
class _Field:
    name: str
    lo: int
    hi: int
    names: Mapping[str, int]


_MINUTES = _Field("Minutes", 0, 59, {})
_HOURS = _Field("Hours", 0, 23, {})
_DOM = _Field("Day-of-month", 1, 31, {})
_MONTH = _Field("Month", 1, 12, MONTH_NAMES)
_DOW = _Field("Day-of-week", 1, 7, DAY_NAMES)
_YEAR = _Field("Year", FIRST_YEAR, LAST_YEAR, {})


def aws_weekday(day: dt.date) -> int:
    """EventBridge day-of-week number of a date: 1 = Sunday … 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _value(token: str, field: _Field) -> int:
    upper = token.upper()
    if upper in field.names:
        return field.names[upper]
    if not token.isdigit():
        hint = f" or a name ({', '.join(field.names)})" if field.names else ""
        raise ValueError(f"{field.name} field: {token!r} is not a number{hint}")
    value = int(token)
    if not field.lo <= value <= field.hi:
        raise ValueError(f"{field.name} field: {value} is out of range {field.lo}-{field.hi}")
    return value


def _item(item: str, field: _Field) -> set[int]:
    """One comma-separated item: ``*``, ``a``, ``a-b``, or any of these (but ``a``) with
    ``/step``; ``a/step`` runs from a to the field's maximum."""
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            raise ValueError(f"{field.name} field: increment in {item!r} must be a positive number")
        step = int(step_text)
    if base == "*":
        lo, hi = field.lo, field.hi
    elif "-" in base:
        first, _, last = base.partition("-")
        lo, hi = _value(first, field), _value(last, field)
        if lo > hi:
            raise ValueError(f"{field.name} field: range {item!r} runs backwards")
    else:
        lo = _value(base, field)
        hi = field.hi if slash else lo
    return set(range(lo, hi + 1, step))


def _values(text: str, field: _Field) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise ValueError(f"{field.name} field: empty item in {text!r}")
        values |= _item(item, field)
    return frozenset(values)


def _refuse_unsupported(text: str, field: _Field) -> None:
    if "?" in text:
        raise ValueError(
            f"{field.name} field: '?' must stand alone, and only in Day-of-month or Day-of-week"
        )
    if "#" in text:
        raise ValueError(f"{field.name} field: '#' (nth weekday of the month) is not supported")
    if "W" in text.upper() and field is not _DOW:
        raise ValueError(f"{field.name} field: 'W' (nearest weekday) is not supported")


@dataclass(frozen=True)
class CronExpression:
    """A parsed ``cron(...)`` body. ``days_of_month`` or ``days_of_week`` is None for ``?``."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days_of_month: frozenset[int] | None
    last_day_of_month: bool
    months: tuple[int, ...]
    days_of_week: frozenset[int] | None
    last_weekdays: frozenset[int]
    years: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        """Parse the six fields inside ``cron(...)``; ValueError says what is wrong."""
        fields = text.split()
        if len(fields) == 7:
            raise ValueError(
                "seven-field cron (with seconds) is not supported: use the six fields "
                f"{FIELD_ORDER}; the finest resolution is 1 minute (§6.4)"
            )
        if len(fields) != 6:
            raise ValueError(f"cron needs six fields {FIELD_ORDER}, got {len(fields)}")
        minute, hour, dom, month, dow, year = fields
        for value, field in ((minute, _MINUTES), (hour, _HOURS), (month, _MONTH), (year, _YEAR)):
            _refuse_unsupported(value, field)
            if any(re.fullmatch(r"\d*L", item) for item in value.upper().split(",")):
                raise ValueError(f"{field.name} field: 'L' is only valid in the day fields")
        if (dom == "?") == (dow == "?"):
            raise ValueError(
                "use '?' in exactly one of Day-of-month and Day-of-week (e.g. cron(0 9 ? * MON-FRI *)"
                " or cron(0 9 1 * ? *)); day-of-week numbers are 1 = SUN … 7 = SAT"
            )
        days_of_month: frozenset[int] | None = None
        last_day = False
        if dom != "?":
            _refuse_unsupported(dom, _DOM)
            items = dom.upper().split(",")
            last_day = "L" in items
            rest = [item for item in items if item != "L"]
            if any("L" in item for item in rest):
                raise ValueError("Day-of-month field: only a plain 'L' (last day) is supported")
            days_of_month = _values(",".join(rest), _DOM) if rest else frozenset()
        days_of_week: frozenset[int] | None = None
        last_weekdays: set[int] = set()
        if dow != "?":
            _refuse_unsupported(dow, _DOW)
            plain: list[str] = []
            for item in dow.upper().split(","):
                if item == "L":
                    plain.append("7")  # "the last day of the … week": Saturday
                elif item.endswith("L") and "-" not in item and "/" not in item:
                    last_weekdays.add(_value(item[:-1], _DOW))
                elif "L" in item:  # no day name contains an L
                    raise ValueError(f"Day-of-week field: {item!r}: use 'L' or '<day>L'")
                else:
                    plain.append(item)
            days_of_week = _values(",".join(plain), _DOW) if plain else frozenset()
        return cls(
            text=" ".join(fields),
            minutes=tuple(sorted(_values(minute, _MINUTES))),
            hours=tuple(sorted(_values(hour, _HOURS))),
            days_of_month=days_of_month,
            last_day_of_month=last_day,
            months=tuple(sorted(_values(month, _MONTH))),
            days_of_week=days_of_week,
            last_weekdays=frozenset(last_weekdays),
            years=tuple(sorted(_values(year, _YEAR))),
        )

    def matches_day(self, day: dt.date) -> bool:
        """Whether the date satisfies Day-of-month or Day-of-week (the other being ``?``)."""
        last = calendar.monthrange(day.year, day.month)[1]
        if self.days_of_month is not None:
            return day.day in self.days_of_month or (self.last_day_of_month and day.day == last)
        assert self.days_of_week is not None
        weekday = aws_weekday(day)
        return weekday in self.days_of_week or (
            weekday in self.last_weekdays and day.day + 7 > last
        )

    def matches(self, wall: dt.datetime) -> bool:
        """Whether a wall-clock minute matches every field (seconds are ignored)."""
        return (
            wall.year in self.years
            and wall.month in self.months
            and wall.hour in self.hours
            and wall.minute in self.minutes
            and self.matches_day(wall.date())
        )

    def iter_from(
        self, start: dt.datetime, stop: dt.datetime | None = None
    ) -> Iterator[dt.datetime]:
        """Matching wall-clock minutes ≥ ``start`` in increasing order (naive datetimes), up to
        ``stop`` (inclusive) or the end of year 2199."""
        start = start.replace(tzinfo=None)
        if start.second or start.microsecond:
            start = start.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        first_day = start.date()
        for year in self.years:
            if year < first_day.year:
                continue
            for month in self.months:
                if (year, month) < (first_day.year, first_day.month):
                    continue
                for day_number in range(1, calendar.monthrange(year, month)[1] + 1):
                    day = dt.date(year, month, day_number)
                    if day < first_day or not self.matches_day(day):
                        continue
                    for hour in self.hours:
                        for minute in self.minutes:
                            wall = dt.datetime(year, month, day_number, hour, minute)
                            if wall < start:
                                continue
                            if stop is not None and wall > stop:
                                return
                            yield wall
