"""``rate(...)`` schedules, which Glue refuses, translated to the cron Glue takes.

EventBridge accepts ``rate(value unit)``; Glue SCHEDULED triggers take only
``cron(Minutes Hours Day-of-month Month Day-of-week Year)`` ("Time-based schedules
for jobs and crawlers", AWS Glue developer guide), at most one run every 5 minutes.
A rate counts from when it was created; a cron counts from the clock, so where the
period does not divide the hour, day or month the cron is only the nearest match
and the message says so.
"""

from __future__ import annotations

import re

from glue_workflow.model._base import fail

GLUE_MIN_MINUTES = 5  # Glue: no more often than every 5 minutes
_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)", re.IGNORECASE)


def equivalent_cron(expr: str) -> tuple[str, str]:
    """``(cron, note)`` for a ``rate(...)`` expression; ``note`` says how close it is.

    Raises ``ValueError`` when ``expr`` is not a well-formed rate expression.
    """
    match = _RATE.fullmatch(expr.strip())
    if match is None or int(match.group(1)) < 1:
        raise ValueError(expr)
    value, unit = int(match.group(1)), match.group(2).lower().rstrip("s")
    minutes = value * {"minute": 1, "hour": 60, "day": 1440}[unit]
    if minutes < GLUE_MIN_MINUTES:
        return "cron(0/5 * * * ? *)", "every 5 minutes, Glue's shortest interval"
    if minutes < 60:
        note = "exact" if 60 % minutes == 0 else "restarts at every full hour"
        return f"cron(0/{minutes} * * * ? *)", f"every {minutes} minutes, {note}"
    if minutes < 1440:
        if minutes % 60:
            hours = max(1, round(minutes / 60))
            return (
                f"cron(0 0/{hours} * * ? *)",
                f"nearest: every {hours} hour{'s' if hours > 1 else ''}; a cron cannot step "
                f"by {minutes} minutes",
            )
        hours = minutes // 60
        note = "exact" if 24 % hours == 0 else "restarts at midnight UTC"
        return f"cron(0 0/{hours} * * ? *)", f"every {hours} hours from 00:00 UTC, {note}"
    days = minutes // 1440
    if minutes % 1440:
        return "cron(0 0 * * ? *)", "nearest: daily at 00:00 UTC; choose the hour you want"
    if days == 1:
        return "cron(0 0 * * ? *)", "daily at 00:00 UTC; choose the hour you want"
    if days == 7:
        return "cron(0 0 ? * MON *)", "weekly, Mondays at 00:00 UTC"
    return (
        f"cron(0 0 1/{days} * ? *)",
        f"every {days} days at 00:00 UTC, restarting on the 1st of each month",
    )


def refuse_rate(where: str, expr: str) -> None:
    """Fail with the cron to write instead of ``rate(...)``."""
    try:
        cron, note = equivalent_cron(expr)
    except ValueError:
        fail(
            where,
            "cron-rate",
            f"schedule {expr!r}: Glue triggers take cron(...) expressions only, not rate(), "
            "and this is not a valid rate either: write e.g. Scheduled(cron='cron(0 6 * * ? *)') "
            "(06:00 UTC every day)",
        )
    fail(
        where,
        "cron-rate",
        f"schedule {expr!r}: Glue triggers take cron(...) expressions only, not rate(); "
        f"the equivalent is {cron!r} ({note}): write Scheduled(cron={cron!r})",
    )
