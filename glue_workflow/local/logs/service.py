"""CloudWatch Logs answered by the local target: the reads clients make to show job,
training, processing and endpoint logs (see ``streams`` for the mapping).

Supported: DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents (text
filter patterns). Everything else (writes, Logs Insights, subscriptions, JSON or
space-delimited filter patterns) fails with ``NotSupportedLocally``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import Any

from glue_workflow.config import LOCAL_ACCOUNT_ID
from glue_workflow.local.dispatch import LocalServiceError, not_supported
from glue_workflow.local.logs.streams import (
    MERGED_GROUPS,
    Stream,
    known_groups,
    streams_of,
)
from glue_workflow.local.store import LocalHome
from glue_workflow.local.sts import partition

# Errors as CloudWatch Logs answers them (HTTP 400). Messages: "The specified log group
# does not exist." / "The specified log stream does not exist." (ResourceNotFoundException,
# as AWS returns them: e.g. AWS CLI transcripts, moto's logs tests); "The specified
# nextToken is invalid." and "Cannot order by LastEventTime with a logStreamNamePrefix."
# (InvalidParameterException; moto models/logs, AWS CLI user reports).
_NO_GROUP = "The specified log group does not exist."
_NO_STREAM = "The specified log stream does not exist."
_BAD_TOKEN = "The specified nextToken is invalid."  # noqa: S105 - a message


def _not_found(message: str) -> LocalServiceError:
    return LocalServiceError("ResourceNotFoundException", message, 400)


def _invalid(message: str) -> LocalServiceError:
    return LocalServiceError("InvalidParameterException", message, 400)


class LogsService:
    """The local CloudWatch Logs (``LocalService`` for botocore's ``logs`` client)."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home
        self._ops: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "DescribeLogGroups": self.describe_log_groups,
            "DescribeLogStreams": self.describe_log_streams,
            "GetLogEvents": self.get_log_events,
            "FilterLogEvents": self.filter_log_events,
        }

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        op = self._ops.get(operation)
        if op is None:
            raise not_supported("logs", operation)
        return op(params)

    # -- groups and streams ----------------------------------------------------
    def _group_name(self, p: dict[str, Any]) -> str:
        name = p.get("logGroupName") or p.get("logGroupIdentifier")
        if not name:
            raise _invalid("Either logGroupName or logGroupIdentifier must be specified.")
        name = str(name)
        if name.startswith("arn:"):  # logGroupIdentifier may be the group's ARN
            name = name.split(":log-group:", 1)[-1].removesuffix(":*")
        if name in MERGED_GROUPS:
            raise LocalServiceError(
                "NotSupportedLocally",
                f"log group {name} is not kept by the glue-wf local target: a job's stdout "
                f"and stderr go to one file, read it from {MERGED_GROUPS[name]}",
                501,
            )
        return name

    def _streams(self, group: str) -> list[Stream]:
        streams = streams_of(self.home, group)
        if not streams:
            raise _not_found(_NO_GROUP)
        return streams

    def _group_arn(self, group: str) -> str:
        from glue_workflow.local.sagemaker.common import region

        return f"arn:{partition()}:logs:{region()}:{LOCAL_ACCOUNT_ID}:log-group:{group}"

    def describe_log_groups(self, p: dict[str, Any]) -> dict[str, Any]:
        prefix = str(p.get("logGroupNamePrefix") or "")
        pattern = str(p.get("logGroupNamePattern") or "")
        groups = [g for g in known_groups(self.home) if g.startswith(prefix) and pattern in g]
        chunk, token = _page(groups, p.get("nextToken"), int(p.get("limit") or 50))
        out = []
        for g in chunk:
            streams = streams_of(self.home, g)
            out.append(
                {
                    "logGroupName": g,
                    # a group outlives its streams' files only between listing and here
                    "creationTime": min((s.created_ms for s in streams), default=0),
                    "metricFilterCount": 0,
                    "arn": self._group_arn(g) + ":*",
                    "logGroupArn": self._group_arn(g),
                    "storedBytes": sum(s.stat()[1] for s in streams),
                    "logGroupClass": "STANDARD",
                }
            )
        return {"logGroups": out, **({"nextToken": token} if token else {})}

    def describe_log_streams(self, p: dict[str, Any]) -> dict[str, Any]:
        group = self._group_name(p)
        prefix = str(p.get("logStreamNamePrefix") or "")
        order = str(p.get("orderBy") or "LogStreamName")
        if prefix and order == "LastEventTime":
            raise _invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
        streams = [s for s in self._streams(group) if s.name.startswith(prefix)]
        if order == "LastEventTime":
            streams.sort(key=lambda s: s.stat()[0])
        if p.get("descending"):
            streams.reverse()
        chunk, token = _page(streams, p.get("nextToken"), int(p.get("limit") or 50))
        out = []
        for s in chunk:
            written, size = s.stat()
            out.append(
                {
                    "logStreamName": s.name,
                    "creationTime": s.created_ms,
                    "firstEventTimestamp": s.created_ms,
                    "lastEventTimestamp": s.created_ms,
                    "lastIngestionTime": written,
                    "arn": f"{self._group_arn(group)}:log-stream:{s.name}",
                    "storedBytes": size,
                }
            )
        return {"logStreams": out, **({"nextToken": token} if token else {})}

    # -- events ------------------------------------------------------------------
    def get_log_events(self, p: dict[str, Any]) -> dict[str, Any]:
        group = self._group_name(p)
        name = str(p["logStreamName"])
        stream = next((s for s in self._streams(group) if s.name == name), None)
        if stream is None:
            raise _not_found(_NO_STREAM)
        lines = stream.lines() if _in_window(stream.created_ms, p) else []
        limit = int(p.get("limit") or 10000)
        token = p.get("nextToken")
        if token:
            direction, index = _event_token(str(token), len(lines))
            start, end = (index, index + limit) if direction == "f" else (index - limit, index)
        elif p.get("startFromHead"):
            start, end = 0, limit
        else:  # the default reads the newest events
            start, end = len(lines) - limit, len(lines)
        start, end = max(0, start), min(len(lines), max(0, end))
        written = stream.stat()[0]
        events = [
            {"timestamp": stream.created_ms, "message": line, "ingestionTime": written}
            for line in lines[start:end]
        ]
        return {
            "events": events,
            "nextForwardToken": f"f/{max(end, start):056d}",
            "nextBackwardToken": f"b/{start:056d}",
        }

    def filter_log_events(self, p: dict[str, Any]) -> dict[str, Any]:
        group = self._group_name(p)
        names = list(p.get("logStreamNames") or [])
        prefix = str(p.get("logStreamNamePrefix") or "")
        if names and prefix:
            # documented: both together answer InvalidParameterException (FilterLogEvents
            # API reference); the exact message is not documented
            raise _invalid("logStreamNames and logStreamNamePrefix cannot both be specified.")
        streams = [
            s
            for s in self._streams(group)
            if (not names or s.name in names) and s.name.startswith(prefix)
        ]
        if names and len(streams) < len(set(names)):
            raise _not_found(_NO_STREAM)
        matches = _matcher(str(p.get("filterPattern") or ""))
        found: list[dict[str, Any]] = []
        for stream in streams:
            if not _in_window(stream.created_ms, p):
                continue
            written = stream.stat()[0]
            for number, line in enumerate(stream.lines()):
                if matches(line):
                    found.append(
                        {
                            "logStreamName": stream.name,
                            "timestamp": stream.created_ms,
                            "message": line,
                            "ingestionTime": written,
                            "eventId": f"{stream.created_ms:020d}{number:016d}",
                        }
                    )
        found.sort(key=lambda e: (e["timestamp"], e["logStreamName"], e["eventId"]))
        chunk, token = _page(found, p.get("nextToken"), int(p.get("limit") or 10000))
        return {
            "events": chunk,
            "searchedLogStreams": [
                {"logStreamName": s.name, "searchedCompletely": True} for s in streams
            ],
            **({"nextToken": token} if token else {}),
        }


def _in_window(timestamp: int, p: dict[str, Any]) -> bool:
    start, end = p.get("startTime"), p.get("endTime")
    return (start is None or timestamp >= int(start)) and (end is None or timestamp <= int(end))


def _event_token(token: str, size: int) -> tuple[str, int]:
    match = re.fullmatch(r"([fb])/(\d+)", token)
    if match is None or int(match[2]) > size:
        raise _invalid(_BAD_TOKEN)
    return match[1], int(match[2])


def _page(items: list[Any], token: Any, limit: int) -> tuple[list[Any], str | None]:
    start = 0
    if token:
        if not str(token).isdigit() or int(token) > len(items):
            raise _invalid(_BAD_TOKEN)
        start = int(token)
    end = start + max(1, limit)
    return items[start:end], (str(end) if end < len(items) else None)


def _matcher(pattern: str) -> Callable[[str], bool]:
    """CloudWatch's text filter patterns: terms (all must match), "quoted phrases",
    ?term (any of these), -term (none of these); case-sensitive, as on AWS
    (CloudWatch Logs User Guide, "Filter pattern syntax for unstructured log events")."""
    pattern = pattern.strip()
    if not pattern:
        return lambda _line: True
    if pattern[0] in "{[" or pattern.startswith("%"):
        raise LocalServiceError(
            "NotSupportedLocally",
            f"filter pattern {pattern!r}: JSON, space-delimited and regular-expression "
            "patterns are not supported by the glue-wf local target; use text terms, "
            '"quoted phrases", ?any-of and -exclude terms',
            501,
        )
    try:
        terms = shlex.split(pattern)
    except ValueError as exc:
        raise _invalid(f"Invalid character(s) in term '{pattern}': {exc}") from None
    required = [t for t in terms if t[0] not in "?-"]
    optional = [t[1:] for t in terms if t.startswith("?") and len(t) > 1]
    excluded = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]

    def matches(line: str) -> bool:
        return (
            all(t in line for t in required)
            and (not optional or any(t in line for t in optional))
            and not any(t in line for t in excluded)
        )

    return matches
