"""AWS cron expressions as Glue SCHEDULED triggers use them (UTC).

``cron(Minutes Hours Day-of-month Month Day-of-week Year)``: six fields; exactly one
of Day-of-month / Day-of-week is ``?``; Day-of-week counts 1-7 = SUN-SAT (not the
Unix 0-6); ``L``, ``W``, ``LW`` in Day-of-month, ``L``, ``nL`` and ``n#k`` in
Day-of-week; names JAN-DEC and SUN-SAT; ranges may wrap (``22-2``, ``FRI-MON``);
Glue refuses schedules that fire more often than every 5 minutes.

The arithmetic is done here rather than by a Unix cron library: the AWS dialect
(day-of-week numbering, the year field, ``W``/``#``) differs from Unix cron exactly
where such libraries are loose.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from glue_workflow.errors import GlueWfError

T = TypeVar("T")

MIN_INTERVAL_MINUTES = 5
_EXAMPLE = "cron(15 12 * * ? *) (12:15 UTC every day)"
_FIELD_NAMES = ("Minutes", "Hours", "Day-of-month", "Month", "Day-of-week", "Year")
_MONTHS = {
    name: i
    for i, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
_BOUNDS = {
    "Minutes": (0, 59),
    "Hours": (0, 23),
    "Day-of-month": (1, 31),
    "Month": (1, 12),
    "Day-of-week": (1, 7),
    "Year": (1970, 2199),
}
_HINTS = {
    "Minutes": "0-59, with , - * /",
    "Hours": "0-23, with , - * /",
    "Day-of-month": "1-31, with , - * ? / L W",
    "Month": "1-12 or JAN-DEC, with , - * /",
    "Day-of-week": "1-7 or SUN-SAT (1 = SUN), with , - * ? L #",
    "Year": "1970-2199, with , - * /",
}


class CronError(GlueWfError):
    """A schedule expression is not a valid AWS cron expression for a Glue trigger."""


@dataclass(frozen=True, kw_only=True)
class DayOfMonth:
    """Day-of-month rule: plain days, or ``L`` / ``L-n`` / ``LW`` / ``nW``."""

    days: frozenset[int] = frozenset()
    last_offset: int | None = None  # L (0) or L-n
    last_weekday: bool = False  # LW
    nearest_weekday: int | None = None  # nW

    def matches(self, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        if self.last_offset is not None:
            return day.day == max(1, last - self.last_offset)
        if self.last_weekday:
            return day.day == _nearest_weekday(day.year, day.month, last)
        if self.nearest_weekday is not None:
            return day.day == _nearest_weekday(day.year, day.month, min(self.nearest_weekday, last))
        return day.day in self.days


@dataclass(frozen=True, kw_only=True)
class DayOfWeek:
    """Day-of-week rule (1 = SUN … 7 = SAT): plain days, ``nL`` (last n) or ``n#k``."""

    days: frozenset[int] = frozenset()
    last_of: int | None = None  # nL: the last <weekday n> of the month
    nth: tuple[int, int] | None = None  # n#k: the k-th <weekday n> of the month

    def matches(self, day: date) -> bool:
        dow = aws_day_of_week(day)
        if self.last_of is not None:
            last = calendar.monthrange(day.year, day.month)[1]
            return dow == self.last_of and day.day + 7 > last
        if self.nth is not None:
            weekday, k = self.nth
            return dow == weekday and (day.day - 1) // 7 + 1 == k
        return dow in self.days


@dataclass(frozen=True, kw_only=True)
class AwsCron:
    """A parsed AWS cron expression; ``next_fire`` gives the next UTC fire time."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day_of_month: DayOfMonth | None  # None when the field is "?"
    day_of_week: DayOfWeek | None  # None when the field is "?"

    def matches_day(self, day: date) -> bool:
        if self.day_of_month is not None:
            return self.day_of_month.matches(day)
        assert self.day_of_week is not None
        return self.day_of_week.matches(day)

    def next_fire(self, after: datetime) -> datetime | None:
        """The first fire time strictly after ``after`` (naive = UTC), or None if none is left."""
        if after.tzinfo is not None:
            after = after.astimezone(UTC).replace(tzinfo=None)
        t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        last_year = max(self.years)
        minutes = sorted(self.minutes)
        while t.year <= last_year:
            if t.year not in self.years:
                later = [y for y in self.years if y > t.year]
                if not later:
                    return None
                t = datetime(min(later), 1, 1)
                continue
            if t.month not in self.months:
                t = _first_of_next_month(t)
                continue
            if not self.matches_day(t.date()):
                t = datetime(t.year, t.month, t.day) + timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            later_minutes = [m for m in minutes if m >= t.minute]
            if not later_minutes:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            return t.replace(minute=later_minutes[0], tzinfo=UTC)
        return None

    def __str__(self) -> str:
        return self.expression


def aws_day_of_week(day: date) -> int:
    """AWS numbering: 1 = Sunday … 7 = Saturday (Python's weekday() is Monday = 0)."""
    return (day.weekday() + 1) % 7 + 1


def parse_schedule(expr: str) -> AwsCron:
    """Parse ``cron(...)`` as Glue accepts it, or raise ``CronError`` naming the field."""
    text = expr.strip()
    if text.startswith("rate("):
        raise CronError(
            f"schedule {expr!r}: Glue triggers take cron expressions only, not rate(); "
            f"write e.g. {_EXAMPLE}"
        )
    match = re.fullmatch(r"cron\((.*)\)", text, flags=re.DOTALL)
    if match is None:
        raise CronError(
            f"schedule {expr!r}: expected cron(Minutes Hours Day-of-month Month "
            f"Day-of-week Year), e.g. {_EXAMPLE}"
        )
    fields = match.group(1).split()
    if len(fields) != 6:
        raise CronError(
            f"schedule {expr!r}: has {len(fields)} fields, needs 6 (Minutes Hours "
            f"Day-of-month Month Day-of-week Year; use * for every year), e.g. {_EXAMPLE}"
        )
    fields = [f.upper() for f in fields]
    dom_text, dow_text = fields[2], fields[4]
    problems: list[str] = []  # every field's, in one error: a fix per run, not per field
    if (dom_text == "?") == (dow_text == "?"):
        problems.append(
            f"schedule {expr!r}: exactly one of Day-of-month ({dom_text!r}) and "
            f"Day-of-week ({dow_text!r}) must be '?'; e.g. 'cron(0 8 * * ? *)' for every "
            "day or 'cron(0 8 ? * MON-FRI *)' for weekdays"
        )

    def parsed(parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except CronError as exc:
            problems.append(str(exc))
            return None

    minutes = parsed(lambda: _parse_plain(expr, "Minutes", fields[0]))
    hours = parsed(lambda: _parse_plain(expr, "Hours", fields[1]))
    dom = None if dom_text == "?" else parsed(lambda: _parse_dom(expr, dom_text))
    months = parsed(lambda: _parse_plain(expr, "Month", fields[3], _MONTHS))
    dow = None if dow_text == "?" else parsed(lambda: _parse_dow(expr, dow_text))
    years = parsed(lambda: _parse_plain(expr, "Year", fields[5]))
    if problems:
        head = f"schedule {expr!r}: "
        rest = [p.removeprefix(head) for p in problems[1:]]
        raise CronError("; and ".join([problems[0], *rest]))
    assert minutes is not None
    assert hours is not None
    assert months is not None
    assert years is not None
    cron = AwsCron(
        expression=text,
        minutes=minutes,
        hours=hours,
        day_of_month=dom,
        months=months,
        day_of_week=dow,
        years=years,
    )
    gap = _min_gap_minutes(cron)
    if gap < MIN_INTERVAL_MINUTES:
        raise CronError(
            f"schedule {expr!r}: fires every {gap} minute(s); Glue allows at most one run "
            f"every {MIN_INTERVAL_MINUTES} minutes (e.g. Minutes '0/5')"
        )
    return cron


def never_fires(cron: AwsCron, after: datetime) -> str | None:
    """Why ``cron`` has no fire time after ``after`` (naive = UTC), or None when it fires."""
    if cron.next_fire(after) is not None:
        return None
    dom = cron.day_of_month
    if dom is not None and dom.days and dom.last_offset is None and not dom.last_weekday:
        # The longest each month ever gets (February: 29, in leap years).
        first = min(dom.days)
        short = [m for m in sorted(cron.months) if calendar.monthrange(2000, m)[1] < first]
        if len(short) == len(cron.months):
            names = [calendar.month_name[m] for m in short]
            subject = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            verb = "has" if len(names) == 1 else "have"
            return f"{subject} {verb} no day {first}"
    reference = after.astimezone(UTC) if after.tzinfo is not None else after
    if max(cron.years) < reference.year:
        return f"its last year, {max(cron.years)}, is in the past"
    return f"it has no fire time after {reference:%Y-%m-%d %H:%M} UTC"


def _fail(expr: str, field: str, value: str, why: str) -> CronError:
    return CronError(f"schedule {expr!r}: {field} field {value!r}: {why}; allowed: {_HINTS[field]}")


def _number(expr: str, field: str, token: str, names: dict[str, int] | None = None) -> int:
    low, high = _BOUNDS[field]
    if names and token in names:
        return names[token]
    if not token.isdigit():
        raise _fail(expr, field, token, "not a number or name")
    value = int(token)
    if not low <= value <= high:
        raise _fail(expr, field, token, f"out of range {low}-{high}")
    return value


def _parse_plain(
    expr: str, field: str, text: str, names: dict[str, int] | None = None
) -> frozenset[int]:
    """``*``, ``a``, ``a-b`` (may wrap), ``*/n``, ``a/n``, ``a-b/n`` and lists of them."""
    low, high = _BOUNDS[field]
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise _fail(expr, field, text, "empty list element")
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _fail(expr, field, part, f"step {step_text!r} must be a positive integer")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, second = base.partition("-")
            start = _number(expr, field, first, names)
            end = _number(expr, field, second, names)
        else:
            start = _number(expr, field, base, names)
            end = high if slash else start
        values.update(_walk(start, end, step, low, high))
    return frozenset(values)


def _walk(start: int, end: int, step: int, low: int, high: int) -> list[int]:
    """Values from start to end by step, wrapping past ``high`` back to ``low`` when end < start."""
    span = high - low + 1
    length = (end - start) % span if end != start else 0
    return [low + (start - low + offset) % span for offset in range(0, length + 1, step)]


def _parse_dom(expr: str, text: str) -> DayOfMonth:
    field = "Day-of-month"
    if text == "L":
        return DayOfMonth(last_offset=0)
    if text == "LW":
        return DayOfMonth(last_weekday=True)
    offset = re.fullmatch(r"L-(\d+)", text)
    if offset:
        if int(offset.group(1)) > 30:
            raise _fail(expr, field, text, "offset from the last day must be 0-30")
        return DayOfMonth(last_offset=int(offset.group(1)))
    weekday = re.fullmatch(r"(\d+)W", text)
    if weekday:
        return DayOfMonth(nearest_weekday=_number(expr, field, weekday.group(1)))
    if "L" in text or "W" in text or "#" in text:
        raise _fail(expr, field, text, "L and W stand alone (L, L-3, LW, 15W), not in lists")
    return DayOfMonth(days=_parse_plain(expr, field, text))


def _parse_dow(expr: str, text: str) -> DayOfWeek:
    field = "Day-of-week"
    if text == "L":
        return DayOfWeek(days=frozenset({7}))  # L alone = the last day of the week, SAT
    last = re.fullmatch(r"(\w+)L", text)
    if last:
        return DayOfWeek(last_of=_number(expr, field, last.group(1), _DAYS))
    nth = re.fullmatch(r"(\w+)#(\d+)", text)
    if nth:
        k = int(nth.group(2))
        if not 1 <= k <= 5:
            raise _fail(expr, field, text, "the week number after # must be 1-5")
        return DayOfWeek(nth=(_number(expr, field, nth.group(1), _DAYS), k))
    if "#" in text or text.endswith("L") or "W" in text.replace("WED", ""):
        raise _fail(expr, field, text, "L and # stand alone (6L, 3#2), not in lists")
    return DayOfWeek(days=_parse_plain(expr, field, text, _DAYS))


def _min_gap_minutes(cron: AwsCron) -> int:
    """Smallest distance between two consecutive fire times (conservative across days)."""
    minutes = sorted(cron.minutes)
    gaps = [b - a for a, b in itertools.pairwise(minutes)]
    if any((h + 1) % 24 in cron.hours for h in cron.hours):
        gaps.append(60 - minutes[-1] + minutes[0])
    return min(gaps) if gaps else 60


def _nearest_weekday(year: int, month: int, day: int) -> int:
    """The weekday (Mon-Fri) nearest ``day`` within the same month (Quartz ``W``)."""
    weekday = date(year, month, day).weekday()
    last = calendar.monthrange(year, month)[1]
    if weekday == 5:  # Saturday -> Friday, or Monday when the 1st is a Saturday
        return day - 1 if day > 1 else day + 2
    if weekday == 6:  # Sunday -> Monday, or Friday when the month ends on Sunday
        return day + 1 if day < last else day - 2
    return day


def _first_of_next_month(t: datetime) -> datetime:
    if t.month == 12:
        return datetime(t.year + 1, 1, 1)
    return datetime(t.year, t.month + 1, 1)


__all__ = ["AwsCron", "CronError", "aws_day_of_week", "parse_schedule"]
