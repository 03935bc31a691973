"""AWS cron dialect: the examples from AWS's documentation, the dialect's edges, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from glue_workflow.cron import CronError, aws_day_of_week, parse_schedule


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def fires(expr: str, start: datetime, count: int) -> list[datetime]:
    cron = parse_schedule(expr)
    out: list[datetime] = []
    t = start
    for _ in range(count):
        nxt = cron.next_fire(t)
        assert nxt is not None
        out.append(nxt)
        t = nxt
    return out


# 2024-01-01 was a Monday.
@pytest.mark.parametrize(
    ("expr", "start", "expected"),
    [
        # "Run at 10:00 am (UTC) every day"
        ("cron(0 10 * * ? *)", utc(2024, 1, 1, 10, 0), [utc(2024, 1, 2, 10, 0)]),
        # "Run at 12:15 pm (UTC) every day"
        (
            "cron(15 12 * * ? *)",
            utc(2024, 1, 1),
            [utc(2024, 1, 1, 12, 15), utc(2024, 1, 2, 12, 15)],
        ),
        # "Run at 6:00 pm (UTC) every Monday through Friday"
        (
            "cron(0 18 ? * MON-FRI *)",
            utc(2024, 1, 5, 18, 0),
            [utc(2024, 1, 8, 18, 0), utc(2024, 1, 9, 18, 0)],
        ),
        # "Run at 8:00 am (UTC) every 1st day of the month"
        ("cron(0 8 1 * ? *)", utc(2024, 1, 1, 9), [utc(2024, 2, 1, 8), utc(2024, 3, 1, 8)]),
        # "Run every 15 minutes"
        (
            "cron(0/15 * * * ? *)",
            utc(2024, 1, 1, 0, 50),
            [utc(2024, 1, 1, 1, 0), utc(2024, 1, 1, 1, 15), utc(2024, 1, 1, 1, 30)],
        ),
        # "Run every 10 minutes Monday through Friday"
        ("cron(0/10 * ? * MON-FRI *)", utc(2024, 1, 5, 23, 55), [utc(2024, 1, 8, 0, 0)]),
        # "Run every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC)"
        (
            "cron(0/5 8-17 ? * MON-FRI *)",
            utc(2024, 1, 1, 17, 52),
            [utc(2024, 1, 1, 17, 55), utc(2024, 1, 2, 8, 0)],
        ),
        # "every 30 minutes Monday through Friday between 10:00 pm and 2:00 am": a wrapping range
        (
            "cron(0/30 22-2 ? * MON-FRI *)",
            utc(2024, 1, 1, 21, 0),
            [
                utc(2024, 1, 1, 22, 0),
                utc(2024, 1, 1, 22, 30),
                utc(2024, 1, 1, 23, 0),
                utc(2024, 1, 1, 23, 30),
                utc(2024, 1, 2, 0, 0),
            ],
        ),
        # Glue's own example: 12:15 UTC daily
        ("cron(15 12 * * ? *)", utc(2024, 1, 1, 12, 15), [utc(2024, 1, 2, 12, 15)]),
    ],
)
def test_aws_documentation_examples(expr: str, start: datetime, expected: list[datetime]) -> None:
    assert fires(expr, start, len(expected)) == expected


def test_day_of_week_numbering_is_aws_not_unix() -> None:
    # 1 = SUN ... 7 = SAT; 2024-01-07 is a Sunday
    assert aws_day_of_week(utc(2024, 1, 7).date()) == 1
    assert aws_day_of_week(utc(2024, 1, 6).date()) == 7
    assert fires("cron(0 0 ? * 1 *)", utc(2024, 1, 1), 1) == [utc(2024, 1, 7)]
    assert fires("cron(0 0 ? * SUN *)", utc(2024, 1, 1), 1) == [utc(2024, 1, 7)]
    assert fires("cron(0 0 ? * 7 *)", utc(2024, 1, 1), 1) == [utc(2024, 1, 6)]


def test_last_day_and_weekday_forms() -> None:
    assert fires("cron(0 0 L * ? *)", utc(2024, 2, 1), 2) == [utc(2024, 2, 29), utc(2024, 3, 31)]
    # 2024-06-15 is a Saturday: 15W -> Friday 14th
    assert fires("cron(0 0 15W 6 ? *)", utc(2024, 6, 1), 1) == [utc(2024, 6, 14)]
    # 2024-06-01 is a Saturday: 1W -> Monday 3rd (never leaves the month)
    assert fires("cron(0 0 1W 6 ? *)", utc(2024, 5, 31), 1) == [utc(2024, 6, 3)]
    # June 2024 ends on Sunday 30th: LW -> Friday 28th
    assert fires("cron(0 0 LW 6 ? *)", utc(2024, 6, 1), 1) == [utc(2024, 6, 28)]
    # last Friday (6L) of January 2024 is the 26th
    assert fires("cron(0 0 ? 1 6L 2024)", utc(2024, 1, 1), 1) == [utc(2024, 1, 26)]
    # second Tuesday (3#2) of January 2024 is the 9th
    assert fires("cron(30 9 ? JAN 3#2 *)", utc(2024, 1, 1), 1) == [utc(2024, 1, 9, 9, 30)]


def test_year_field_bounds_the_schedule() -> None:
    cron = parse_schedule("cron(0 0 1 1 ? 2025-2026)")
    assert cron.next_fire(utc(2024, 6, 1)) == utc(2025, 1, 1)
    assert cron.next_fire(utc(2026, 1, 1)) is None


def test_next_fire_is_strictly_after_and_accepts_naive_utc() -> None:
    cron = parse_schedule("cron(0 12 * * ? *)")
    assert cron.next_fire(datetime(2024, 1, 1, 12, 0)) == utc(2024, 1, 2, 12, 0)
    assert cron.next_fire(utc(2024, 1, 1, 11, 59, 59)) == utc(2024, 1, 1, 12, 0)


def test_lists_steps_names_and_lowercase() -> None:
    cron = parse_schedule("cron(5,35 */6 ? jan,jul mon *)")
    assert cron.minutes == {5, 35}
    assert cron.hours == {0, 6, 12, 18}
    assert cron.months == {1, 7}


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("cron(0 12 * * *)", "has 5 fields, needs 6"),
        ("0 12 * * ? *", "expected cron(Minutes Hours"),
        ("rate(5 minutes)", "cron expressions only, not rate()"),
        (
            "cron(0 12 * * MON *)",
            "exactly one of Day-of-month ('*') and Day-of-week ('MON') must be '?'",
        ),
        ("cron(0 12 ? * ? *)", "exactly one of Day-of-month"),
        (
            "cron(* * * * ? *)",
            "fires every 1 minute(s); Glue allows at most one run every 5 minutes",
        ),
        ("cron(0/2 * * * ? *)", "fires every 2 minute(s)"),
        ("cron(58,1 * * * ? *)", "fires every 3 minute(s)"),
        ("cron(60 12 * * ? *)", "Minutes field '60': out of range 0-59"),
        ("cron(0 24 * * ? *)", "Hours field '24': out of range 0-23"),
        ("cron(0 12 ? * 0 *)", "Day-of-week field '0': out of range 1-7"),
        ("cron(0 12 ? * FUNDAY *)", "Day-of-week field 'FUNDAY': not a number or name"),
        ("cron(0 12 * 13 ? *)", "Month field '13': out of range 1-12"),
        ("cron(0 12 * * ? 1969)", "Year field '1969': out of range 1970-2199"),
        ("cron(0 12 ? * 2#6 *)", "the week number after # must be 1-5"),
        ("cron(0 12 1,L * ? *)", "L and W stand alone"),
        ("cron(0/0 12 * * ? *)", "step '0' must be a positive integer"),
    ],
)
def test_invalid_expressions_name_the_field_and_fix(expr: str, message: str) -> None:
    with pytest.raises(CronError) as info:
        parse_schedule(expr)
    assert message in str(info.value)


def test_every_five_minutes_is_allowed() -> None:
    assert parse_schedule("cron(0/5 * * * ? *)").minutes == set(range(0, 60, 5))


def test_schedules_that_never_or_rarely_fire() -> None:
    assert parse_schedule("cron(0 0 30 2 ? *)").next_fire(utc(2024, 1, 1)) is None
    # the fifth Sunday of February: only in leap years starting on a Sunday
    assert parse_schedule("cron(0 0 ? 2 1#5 *)").next_fire(utc(2024, 1, 1)) == utc(2032, 2, 29)
    assert parse_schedule("cron(0 0 L-2 * ? *)").next_fire(utc(2024, 2, 1)) == utc(2024, 2, 27)


def test_every_field_problem_is_reported_at_once() -> None:
    """validate reports every problem in one run: one per field, not the first only."""
    with pytest.raises(CronError) as caught:
        parse_schedule("cron(0 25 ? * MON-FRY *)")
    assert str(caught.value) == (
        "schedule 'cron(0 25 ? * MON-FRY *)': Hours field '25': out of range 0-23; allowed: "
        "0-23, with , - * /; and Day-of-week field 'FRY': not a number or name; allowed: 1-7 "
        "or SUN-SAT (1 = SUN), with , - * ? L #"
    )
    with pytest.raises(CronError, match=r"must be '\?'; .*; and Hours field '25'"):
        parse_schedule("cron(0 25 * * * *)")
