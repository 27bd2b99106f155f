"""Scheduled action times (reference §6.4; PutScheduledAction; EventBridge cron reference).

Sources quoted:

- Application Auto Scaling User Guide, "Schedule recurring scaling actions using cron
  expressions" (https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html):
  the example table, "If you specify a start time, Application Auto Scaling performs the action
  at this time, and then performs the action based on the specified recurrence", "If you
  specify an end time, the action stops repeating after this time".
- Same guide, "Example scheduled actions" (examples-scheduled-actions): "at(2021-03-31T22:00:00)"
  (10:00 PM UTC), "at(2021-01-31T17:00:00)" with "America/New_York" (5:00 PM local), "rate(5
  hours)" with start 2021-01-30T12:00:00 and end 2021-01-31T22:00:00 ("every 5 hours starting on
  January 30, 2021 at 12:00 PM UTC and ending on January 31, 2021 at 10:00 PM UTC"),
  "cron(0 18 ? * MON-FRI *)" with "Etc/GMT+9" ("every Monday through Friday at 6:00 PM local").
- EventBridge cron reference (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html):
  fields, wildcards, "1/10 … the 11th, 21st, and 31st minute", "You can't use * in both the
  Day-of-month and Day-of-week fields. If you use it in one, you must use ? in the other."
- §6.4: "The finest resolution using a cron expression is 1 minute."
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.autoscaling.cron import CronExpression, aws_weekday
from fargasim.autoscaling.schedule import Schedule

UTC = dt.timezone.utc
NEW_YORK = ZoneInfo("America/New_York")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def runs(schedule: Schedule, start: dt.datetime, count: int) -> list[dt.datetime]:
    out: list[dt.datetime] = []
    t: dt.datetime | None = start
    while len(out) < count:
        assert t is not None
        t = schedule.next_after(t)
        if t is None:
            break
        out.append(t)
    return out


# ------------------------------------------------------------------------------------ at()


class TestAt:
    def test_utc_by_default(self) -> None:
        # "At the date and time specified for --schedule (10:00 PM UTC on March 31, 2021)"
        s = Schedule.parse("at(2021-03-31T22:00:00)")
        assert s.next_after(utc(2021, 1, 1)) == utc(2021, 3, 31, 22)
        assert s.next_after(utc(2021, 3, 31, 21, 59, 59)) == utc(2021, 3, 31, 22)
        assert s.next_after(utc(2021, 3, 31, 22)) is None  # strictly after

    def test_in_a_time_zone(self) -> None:
        # "(5:00 PM local time on January 31, 2021)" with --timezone "America/New_York": EST is
        # UTC-5, so 22:00 UTC.
        s = Schedule.parse("at(2021-01-31T17:00:00)", "America/New_York")
        assert s.next_after(utc(2021, 1, 1)) == utc(2021, 1, 31, 22)

    def test_summer_time(self) -> None:
        s = Schedule.parse("at(2021-07-01T17:00:00)", "America/New_York")
        assert s.next_after(utc(2021, 1, 1)) == utc(2021, 7, 1, 21)

    def test_bounds_apply(self) -> None:
        s = Schedule.parse("at(2021-03-31T22:00:00)", None, utc(2021, 4, 1), None)
        assert s.next_after(utc(2021, 1, 1)) is None
        s = Schedule.parse("at(2021-03-31T22:00:00)", None, None, utc(2021, 3, 1))
        assert s.next_after(utc(2021, 1, 1)) is None

    def test_naive_and_other_zone_inputs(self) -> None:
        s = Schedule.parse("at(2021-03-31T22:00:00)")
        assert s.next_after(dt.datetime(2021, 3, 31, 21)) == utc(2021, 3, 31, 22)
        tokyo = dt.datetime(2021, 4, 1, 6, 59, tzinfo=ZoneInfo("Asia/Tokyo"))  # 21:59 UTC
        assert s.next_after(tokyo) == utc(2021, 3, 31, 22)


# ---------------------------------------------------------------------------------- rate()


class TestRate:
    def test_user_guide_example(self) -> None:
        # "every 5 hours starting on January 30, 2021 at 12:00 PM UTC and ending on January 31,
        # 2021 at 10:00 PM UTC"; "If you specify a start time, Application Auto Scaling performs
        # the action at that time, and then performs the action based on the specified
        # recurrence."
        s = Schedule.parse("rate(5 hours)", None, utc(2021, 1, 30, 12), utc(2021, 1, 31, 22))
        assert list(s.between(utc(2021, 1, 1), utc(2021, 2, 28))) == [
            utc(2021, 1, 30, 12),
            utc(2021, 1, 30, 17),
            utc(2021, 1, 30, 22),
            utc(2021, 1, 31, 3),
            utc(2021, 1, 31, 8),
            utc(2021, 1, 31, 13),
            utc(2021, 1, 31, 18),
        ]  # 23:00 would be after EndTime

    def test_without_start_time_it_starts_at_creation(self) -> None:
        # Assumption (EventBridge: "A rate expression starts when you create the scheduled event
        # rule, and then it runs on a defined schedule"): first run one interval after creation.
        created = utc(2026, 1, 5)
        s = Schedule.parse("rate(15 minutes)", created_at=created)
        assert runs(s, created, 3) == [
            utc(2026, 1, 5, 0, 15),
            utc(2026, 1, 5, 0, 30),
            utc(2026, 1, 5, 0, 45),
        ]
        assert s.next_after(utc(2020, 1, 1)) == utc(2026, 1, 5, 0, 15)
        assert s.next_after(utc(2026, 1, 5, 0, 20)) == utc(2026, 1, 5, 0, 30)

    def test_without_an_anchor_next_after_explains(self) -> None:
        s = Schedule.parse("rate(1 hour)")  # valid: the loader checks syntax only
        with pytest.raises(ValueError, match="created_at"):
            s.next_after(utc(2026, 1, 1))

    def test_start_time_only_as_a_bound(self) -> None:
        s = Schedule.parse("rate(1 hour)", None, utc(2026, 1, 1), run_at_start_time=False)
        assert s.next_after(utc(2025, 1, 1)) == utc(2026, 1, 1, 1)

    def test_units_and_elapsed_time_across_dst(self) -> None:
        # A rate is elapsed time; the Timezone applies to at and cron expressions only.
        start = utc(2024, 3, 9, 12)
        s = Schedule.parse("rate(1 day)", "America/New_York", start)
        assert runs(s, start, 2) == [utc(2024, 3, 10, 12), utc(2024, 3, 11, 12)]
        for text, delta in [
            ("rate(1 minute)", dt.timedelta(minutes=1)),
            ("rate(2 minutes)", dt.timedelta(minutes=2)),
            ("rate(3 hours)", dt.timedelta(hours=3)),
            ("rate(7 days)", dt.timedelta(days=7)),
        ]:
            assert Schedule.parse(text).interval == delta
        # EventBridge wants "rate(1 hour)" / "rate(5 hours)"; the AAS API states no such rule.
        assert Schedule.parse("rate(1 minutes)").interval == dt.timedelta(minutes=1)
        assert Schedule.parse("rate(5 hour)").interval == dt.timedelta(hours=5)


# ---------------------------------------------------------------------------------- cron()


class TestCronUserGuideTable:
    """The user guide's cron table, checked from Friday 2024-01-05 00:00 UTC."""

    FRIDAY = utc(2024, 1, 5)

    @pytest.mark.parametrize(
        ("expression", "expected"),
        [
            # "Run at 10:00 am (UTC) every day"
            ("cron(0 10 * * ? *)", [utc(2024, 1, 5, 10), utc(2024, 1, 6, 10), utc(2024, 1, 7, 10)]),
            # "Run at 12:15 pm (UTC) every day"
            ("cron(15 12 * * ? *)", [utc(2024, 1, 5, 12, 15), utc(2024, 1, 6, 12, 15)]),
            # "Run at 6:00 pm (UTC) every Monday through Friday"
            (
                "cron(0 18 ? * MON-FRI *)",
                [utc(2024, 1, 5, 18), utc(2024, 1, 8, 18), utc(2024, 1, 9, 18)],
            ),
            # "Run at 8:00 am (UTC) the 1st day of every month"
            ("cron(0 8 1 * ? *)", [utc(2024, 2, 1, 8), utc(2024, 3, 1, 8), utc(2024, 4, 1, 8)]),
            # "Run every 15 minutes"
            (
                "cron(0/15 * * * ? *)",
                [utc(2024, 1, 5, 0, 15), utc(2024, 1, 5, 0, 30), utc(2024, 1, 5, 0, 45)],
            ),
        ],
    )
    def test_examples(self, expression: str, expected: list[dt.datetime]) -> None:
        assert runs(Schedule.parse(expression), self.FRIDAY, len(expected)) == expected

    def test_every_10_minutes_monday_to_friday(self) -> None:
        # "Run every 10 minutes Monday through Friday"
        s = Schedule.parse("cron(0/10 * ? * MON-FRI *)")
        assert s.next_after(utc(2024, 1, 5, 23, 50)) == utc(2024, 1, 8, 0, 0)
        assert s.next_after(utc(2024, 1, 8, 0, 0)) == utc(2024, 1, 8, 0, 10)

    def test_every_5_minutes_during_business_hours(self) -> None:
        # "Run every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC)"
        s = Schedule.parse("cron(0/5 8-17 ? * MON-FRI *)")
        assert s.next_after(utc(2024, 1, 5)) == utc(2024, 1, 5, 8)
        assert s.next_after(utc(2024, 1, 5, 17, 50)) == utc(2024, 1, 5, 17, 55)
        assert s.next_after(utc(2024, 1, 5, 17, 55)) == utc(2024, 1, 8, 8)
        assert len(list(s.between(utc(2024, 1, 7), utc(2024, 1, 8, 23, 59)))) == 10 * 12

    def test_time_zone_example(self) -> None:
        # cron(0 18 ? * MON-FRI *) with Timezone Etc/GMT+9 ("every Monday through Friday at
        # 6:00 PM local time"): Etc/GMT+9 is UTC-9, so 03:00 UTC the next day. Friday 00:00
        # UTC is Thursday 15:00 local: Thursday's and Friday's runs, then Monday's.
        s = Schedule.parse("cron(0 18 ? * MON-FRI *)", "Etc/GMT+9")
        assert runs(s, self.FRIDAY, 3) == [
            utc(2024, 1, 5, 3),
            utc(2024, 1, 6, 3),
            utc(2024, 1, 9, 3),
        ]


class TestCronSyntax:
    def test_increment_from_a_start(self) -> None:
        # EventBridge: "you could enter 1/10 to specify every tenth minute, starting from the
        # first minute of the hour (for example, the 11th, 21st, and 31st minute, and so on)"
        assert CronExpression.parse("1/10 * * * ? *").minutes == (1, 11, 21, 31, 41, 51)
        assert CronExpression.parse("*/20 * * * ? *").minutes == (0, 20, 40)
        assert CronExpression.parse("10-30/10 * * * ? *").minutes == (10, 20, 30)

    def test_lists_ranges_and_names(self) -> None:
        c = CronExpression.parse("0,30 9-11 ? jan,Mar-MAY SUN,tue-THU 2025-2027")
        assert c.minutes == (0, 30)
        assert c.hours == (9, 10, 11)
        assert c.months == (1, 3, 4, 5)
        assert c.days_of_week == frozenset({1, 3, 4, 5})
        assert c.years == (2025, 2026, 2027)
        assert c.days_of_month is None

    def test_day_of_week_numbers_start_on_sunday(self) -> None:
        # EventBridge: Day-of-week "1-7 or SUN-SAT"
        assert aws_weekday(dt.date(2024, 1, 7)) == 1  # a Sunday
        assert aws_weekday(dt.date(2024, 1, 8)) == 2  # a Monday
        assert aws_weekday(dt.date(2024, 1, 13)) == 7  # a Saturday
        s = Schedule.parse("cron(0 0 ? * 2 *)")
        assert s.next_after(utc(2024, 1, 5)) == utc(2024, 1, 8)

    def test_last_day_of_the_month(self) -> None:
        # "The L wildcard in the Day-of-month or Day-of-week fields specifies the last day of
        # the month or week."
        s = Schedule.parse("cron(0 0 L * ? *)")
        assert runs(s, utc(2023, 12, 31), 3) == [
            utc(2024, 1, 31),
            utc(2024, 2, 29),
            utc(2024, 3, 31),
        ]
        assert s.next_after(utc(2023, 2, 1)) == utc(2023, 2, 28)
        assert Schedule.parse("cron(0 0 15,L * ? *)").next_after(utc(2024, 2, 16)) == utc(
            2024, 2, 29
        )

    def test_last_weekday_of_the_month(self) -> None:
        # 6L: the last Friday (EventBridge: "15 10 ? * 6L 2002-2005").
        s = Schedule.parse("cron(15 10 ? * 6L 2002-2005)")
        assert s.next_after(utc(2002, 1, 1)) == utc(2002, 1, 25, 10, 15)
        assert s.next_after(utc(2005, 12, 1)) == utc(2005, 12, 30, 10, 15)
        assert s.next_after(utc(2005, 12, 30, 10, 15)) is None
        # L alone in Day-of-week: "the last day of the … week", Saturday.
        assert Schedule.parse("cron(0 0 ? * L *)").next_after(utc(2024, 1, 5)) == utc(2024, 1, 6)

    def test_year_field_ends_the_schedule(self) -> None:
        s = Schedule.parse("cron(0 0 1 1 ? 2030)")
        assert s.next_after(utc(2026, 6, 1)) == utc(2030, 1, 1)
        assert s.next_after(utc(2030, 1, 1)) is None

    def test_impossible_date_never_runs(self) -> None:
        assert Schedule.parse("cron(0 0 30 FEB ? *)").next_after(utc(2026, 1, 1)) is None

    @pytest.mark.parametrize(
        ("expression", "fragment"),
        [
            ("cron(0 9 * * MON *)", "use '?' in exactly one of Day-of-month and Day-of-week"),
            # The user guide's own "30 6 * * 2 *" ("every Tuesday") breaks the EventBridge rule.
            ("cron(30 6 * * 2 *)", "use '?' in exactly one"),
            ("cron(0 9 ? * ? *)", "use '?' in exactly one"),
            ("cron(0 9 * * ?)", "six fields"),
            ("cron(0 0 9 * * ? *)", "seven-field cron (with seconds) is not supported"),
            ("cron(60 * * * ? *)", "Minutes field: 60 is out of range 0-59"),
            ("cron(0 24 * * ? *)", "Hours field: 24 is out of range 0-23"),
            ("cron(0 0 0 * ? *)", "Day-of-month field: 0 is out of range 1-31"),
            ("cron(0 0 1 13 ? *)", "Month field: 13 is out of range 1-12"),
            ("cron(0 0 ? * 0 *)", "Day-of-week field: 0 is out of range 1-7"),
            ("cron(0 0 1 * ? 1969)", "Year field: 1969 is out of range 1970-2199"),
            ("cron(0 0 1 FOO ? *)", "Month field: 'FOO' is not a number or a name (JAN"),
            ("cron(0 0 ? * MON-SUNDAY *)", "Day-of-week field: 'SUNDAY' is not a number"),
            ("cron(0 0 3W * ? *)", "'W' (nearest weekday) is not supported"),
            ("cron(0 0 ? * 3#2 *)", "'#' (nth weekday of the month) is not supported"),
            ("cron(0 0 LW * ? *)", "'W' (nearest weekday) is not supported"),
            ("cron(0 0 L-2 * ? *)", "only a plain 'L'"),
            ("cron(0 L * * ? *)", "'L' is only valid in the day fields"),
            ("cron(*/0 * * * ? *)", "increment in '*/0' must be a positive number"),
            ("cron(30-10 * * * ? *)", "range '30-10' runs backwards"),
            ("cron(0,,5 * * * ? *)", "empty item"),
            ("cron(0 0 1,? * ? *)", "'?' must stand alone"),
            ("cron(0 0 ? * MON-FRIL *)", "use 'L' or '<day>L'"),
        ],
    )
    def test_invalid(self, expression: str, fragment: str) -> None:
        with pytest.raises(ValueError, match=r"^'cron") as info:
            Schedule.parse(expression)
        assert fragment in str(info.value)


class TestInvalidSchedules:
    @pytest.mark.parametrize(
        ("expression", "fragment"),
        [
            ("every day", "unknown schedule expression 'every day': use at(yyyy-mm-ddThh:mm:ss)"),
            ("rate(0 minutes)", "the rate value must be a positive integer"),
            ("rate(-5 minutes)", "the rate value must be a positive integer"),
            ("rate(1.5 hours)", "the rate value must be a positive integer"),
            ("rate(5 seconds)", "the unit must be one of minute | minutes | hour"),
            ("rate(5)", "is malformed"),
            ("at(2021-02-30T00:00:00)", "day is out of range for month"),
            ("at(2021-03-31 22:00:00)", "is malformed"),
            ("at(2021-03-31T22:00)", "is malformed"),
            ("cron(0 9 * * ? *", "is malformed"),
        ],
    )
    def test_invalid(self, expression: str, fragment: str) -> None:
        with pytest.raises(ValueError) as info:
            Schedule.parse(expression)
        assert fragment in str(info.value)

    def test_unknown_time_zone(self) -> None:
        with pytest.raises(ValueError, match="unknown Timezone 'Mars/Olympus'"):
            Schedule.parse("cron(0 9 * * ? *)", "Mars/Olympus")
        with pytest.raises(ValueError, match="unknown Timezone"):
            Schedule.parse("cron(0 9 * * ? *)", "../etc/passwd")

    def test_start_after_end(self) -> None:
        with pytest.raises(ValueError, match="is after EndTime"):
            Schedule.parse("rate(1 hour)", None, utc(2026, 2, 1), utc(2026, 1, 1))


class TestStartAndEndTime:
    def test_cron_runs_at_start_time_then_on_its_recurrence(self) -> None:
        # "If you specify a start time, Application Auto Scaling performs the action at this
        # time, and then performs the action based on the specified recurrence."
        s = Schedule.parse("cron(0 9 * * ? *)", None, utc(2026, 1, 5, 6, 30))
        assert runs(s, utc(2026, 1, 1), 3) == [
            utc(2026, 1, 5, 6, 30),
            utc(2026, 1, 5, 9),
            utc(2026, 1, 6, 9),
        ]

    def test_start_time_only_as_a_bound(self) -> None:
        s = Schedule.parse(
            "cron(0 9 * * ? *)", None, utc(2026, 1, 5, 6, 30), run_at_start_time=False
        )
        assert s.next_after(utc(2026, 1, 1)) == utc(2026, 1, 5, 9)
        on_the_minute = Schedule.parse(
            "cron(0 9 * * ? *)", None, utc(2026, 1, 5, 9), run_at_start_time=False
        )
        assert on_the_minute.next_after(utc(2026, 1, 1)) == utc(2026, 1, 5, 9)

    def test_end_time_is_the_last_possible_run(self) -> None:
        # "If you specify an end time, the action stops repeating after this time."
        s = Schedule.parse("cron(0 9 * * ? *)", None, None, utc(2026, 1, 7, 9))
        assert list(s.between(utc(2026, 1, 5), utc(2026, 2, 1))) == [
            utc(2026, 1, 5, 9),
            utc(2026, 1, 6, 9),
            utc(2026, 1, 7, 9),
        ]

    def test_next_at_or_after(self) -> None:
        s = Schedule.parse("cron(0 9 * * ? *)")
        assert s.next_at_or_after(utc(2026, 1, 5, 9)) == utc(2026, 1, 5, 9)
        assert s.next_after(utc(2026, 1, 5, 9)) == utc(2026, 1, 6, 9)


class TestDaylightSavingTime:
    """ "When you specify a time zone that observes daylight saving time, it automatically
    adjusts for Daylight Saving Time (DST)." US 2024: clocks go forward at 02:00 on 10 March
    (EST UTC-5 → EDT UTC-4) and back at 02:00 on 3 November."""

    def test_a_daily_run_keeps_its_local_time(self) -> None:
        s = Schedule.parse("cron(0 9 * * ? *)", "America/New_York")
        assert runs(s, utc(2024, 3, 9), 3) == [
            utc(2024, 3, 9, 14),  # 09:00 EST
            utc(2024, 3, 10, 13),  # 09:00 EDT
            utc(2024, 3, 11, 13),
        ]
        assert runs(s, utc(2024, 11, 2), 2) == [utc(2024, 11, 2, 13), utc(2024, 11, 3, 14)]

    def test_a_skipped_wall_time_runs_after_the_jump(self) -> None:
        # 02:30 does not exist on 10 March: it runs at 03:30 EDT (07:30 UTC) that day.
        s = Schedule.parse("cron(30 2 * * ? *)", "America/New_York")
        assert runs(s, utc(2024, 3, 9), 3) == [
            utc(2024, 3, 9, 7, 30),
            utc(2024, 3, 10, 7, 30),
            utc(2024, 3, 11, 6, 30),
        ]

    def test_runs_around_the_jump_are_in_order_and_unique(self) -> None:
        s = Schedule.parse("cron(0/30 1-3 * * ? *)", "America/New_York")
        got = list(s.between(utc(2024, 3, 10, 5), utc(2024, 3, 10, 9)))
        # 01:00, 01:30 EST; 02:00 and 02:30 shift onto 03:00 and 03:30 EDT
        assert got == [
            utc(2024, 3, 10, 6),
            utc(2024, 3, 10, 6, 30),
            utc(2024, 3, 10, 7),
            utc(2024, 3, 10, 7, 30),
        ]

    def test_a_repeated_wall_time_runs_once(self) -> None:
        s = Schedule.parse("cron(0/30 1 * * ? *)", "America/New_York")
        got = list(s.between(utc(2024, 11, 3), utc(2024, 11, 4, 12)))
        assert got == [
            utc(2024, 11, 3, 5),  # 01:00 EDT
            utc(2024, 11, 3, 5, 30),  # 01:30 EDT; not again at 01:00 / 01:30 EST
            utc(2024, 11, 4, 6),
            utc(2024, 11, 4, 6, 30),
        ]
        assert s.next_after(utc(2024, 11, 3, 6, 15)) == utc(2024, 11, 4, 6)

    def test_at_in_the_gap(self) -> None:
        s = Schedule.parse("at(2024-03-10T02:30:00)", "America/New_York")
        assert s.next_after(utc(2024, 1, 1)) == utc(2024, 3, 10, 7, 30)


# ------------------------------------------------------------------- brute-force agreement


@dataclass(frozen=True)
class CronSpec:
    """A cron expression and the sets it means, built independently of the parser."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: frozenset[int] | None
    dom_last: bool
    months: frozenset[int]
    dow: frozenset[int] | None
    dow_last: frozenset[int]
    years: frozenset[int]

    def day_ok(self, day: dt.date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        if self.dom is not None:
            return day.day in self.dom or (self.dom_last and day.day == last)
        assert self.dow is not None
        weekday = day.isoweekday() % 7 + 1  # ISO Mon=1 … Sun=7 → AWS SUN=1 … SAT=7
        return weekday in self.dow or (weekday in self.dow_last and day.day > last - 7)

    def minute_ok(self, wall: dt.datetime) -> bool:
        return self.day_ok(wall.date()) and wall.hour in self.hours and wall.minute in self.minutes


MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


@st.composite
def field(
    draw: st.DrawFn, lo: int, hi: int, names: list[str] | None = None
) -> tuple[str, frozenset[int]]:
    def token(v: int) -> str:
        return names[v - lo] if names and draw(st.booleans()) else str(v)

    kind = draw(st.sampled_from(["star", "one", "range", "list", "star_step", "start_step"]))
    if kind == "star":
        return "*", frozenset(range(lo, hi + 1))
    if kind == "one":
        v = draw(st.integers(lo, hi))
        return token(v), frozenset({v})
    if kind == "range":
        a = draw(st.integers(lo, hi))
        b = draw(st.integers(a, hi))
        return f"{token(a)}-{token(b)}", frozenset(range(a, b + 1))
    if kind == "list":
        values = draw(st.lists(st.integers(lo, hi), min_size=1, max_size=4, unique=True))
        return ",".join(token(v) for v in values), frozenset(values)
    step = draw(st.integers(1, max(1, (hi - lo) // 2)))
    if kind == "star_step":
        return f"*/{step}", frozenset(range(lo, hi + 1, step))
    a = draw(st.integers(lo, hi))
    return f"{token(a)}/{step}", frozenset(range(a, hi + 1, step))


@st.composite
def cron_specs(draw: st.DrawFn) -> CronSpec:
    minute, minutes = draw(field(0, 59))
    hour, hours = draw(field(0, 23))
    month, months = draw(field(1, 12, MONTHS))
    year, years = draw(
        st.sampled_from(
            [("*", frozenset(range(1970, 2200))), ("2025-2027", frozenset({2025, 2026, 2027}))]
        )
    )
    dom_text, dom, dom_last = "?", None, False
    dow_text, dow, dow_last = "?", None, frozenset[int]()
    if draw(st.booleans()):
        dom_text, dom = draw(field(1, 31))
        if draw(st.integers(0, 4)) == 0:
            dom_text, dom_last = (f"{dom_text},L" if draw(st.booleans()) else "L"), True
            dom = dom if dom_text != "L" else frozenset()
    else:
        dow_text, dow = draw(field(1, 7, DAYS))
        if draw(st.integers(0, 4)) == 0:
            n = draw(st.integers(1, 7))
            dow_text, dow_last = f"{dow_text},{n}L", frozenset({n})
    text = f"{minute} {hour} {dom_text} {month} {dow_text} {year}"
    return CronSpec(text, minutes, hours, dom, dom_last, months, dow, dow_last, years)


def brute_force_next(
    ok: Callable[[dt.datetime], bool],
    day_ok: Callable[[dt.date], bool],
    after: dt.datetime,
    days: int,
) -> dt.datetime | None:
    """Minute-by-minute scan (whole days the day fields reject are skipped), naive wall times."""
    minute = after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    end = minute + dt.timedelta(days=days)
    while minute < end:
        if not day_ok(minute.date()):
            minute = dt.datetime.combine(minute.date() + dt.timedelta(days=1), dt.time())
            continue
        if ok(minute):
            return minute
        minute += dt.timedelta(minutes=1)
    return None


HORIZON_DAYS = 800


@settings(max_examples=100, deadline=None)
@given(
    cron_specs(),
    st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31)),
)
def test_cron_agrees_with_brute_force_in_utc(spec: CronSpec, t: dt.datetime) -> None:
    schedule = Schedule.parse(f"cron({spec.text})")
    got = schedule.next_after(t.replace(tzinfo=UTC))
    expected = brute_force_next(spec.minute_ok, spec.day_ok, t, HORIZON_DAYS)
    if expected is None:
        assert got is None or got.replace(tzinfo=None) >= t + dt.timedelta(days=HORIZON_DAYS)
    else:
        assert got == expected.replace(tzinfo=UTC)


@settings(max_examples=40, deadline=None)
@given(
    cron_specs(),
    st.sampled_from([dt.datetime(2024, 3, 10, 7), dt.datetime(2024, 11, 3, 6)]),
    st.integers(-36 * 60, 36 * 60),
)
def test_cron_across_dst_agrees_with_brute_force(
    spec: CronSpec, transition: dt.datetime, offset: int
) -> None:
    """Every matching New York wall minute mapped to UTC with fold=0 (gap → later by the gap,
    repeated hour → first occurrence); the next run is the earliest such instant after t."""
    t = (transition + dt.timedelta(minutes=offset)).replace(tzinfo=UTC)
    schedule = Schedule.parse(f"cron({spec.text})", "America/New_York")
    got = schedule.next_after(t)
    local = t.astimezone(NEW_YORK).replace(tzinfo=None)
    wall = local.replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    window_end = local + dt.timedelta(days=3)
    instants = []
    while wall <= window_end:
        if spec.day_ok(wall.date()):
            if spec.minute_ok(wall):
                instant = wall.replace(tzinfo=NEW_YORK).astimezone(UTC)
                if instant > t:
                    instants.append(instant)
            wall += dt.timedelta(minutes=1)
        else:
            wall = dt.datetime.combine(wall.date() + dt.timedelta(days=1), dt.time())
    horizon = (window_end - dt.timedelta(hours=3)).replace(tzinfo=NEW_YORK).astimezone(UTC)
    if instants and min(instants) <= horizon:
        assert got == min(instants)
    else:
        assert got is None or got > horizon - dt.timedelta(hours=3)
