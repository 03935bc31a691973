"""The verdict notifications the local target recorded: one service for CLI and console.

Every message the verdict notifier published locally is on record twice at most: in the
local EventBridge's event log (source ``glue-wf``) and in the local SNS message log.
Both are read here and shown as one list, newest first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from glue_workflow.local.store import LocalHome
from glue_workflow.verdict_notifier import EVENT_DETAIL_TYPE, EVENT_SOURCE

# Where the messages are on AWS, where nothing is recorded for glue-wf to list.
ON_AWS = (
    "on AWS the verdicts go to EventBridge (source glue-wf) and the stack's SNS topic: "
    "subscribe to the topic (aws sns subscribe) or add an EventBridge rule"
)


@dataclass(frozen=True, kw_only=True)
class Notification:
    time: float
    channel: str  # "eventbridge" or "sns:<topic arn>"
    message: dict[str, Any]
    deliveries: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` style (docs/json.md), the same for ``glue-wf notifications
        --json`` and the console's API: ISO 8601 time, PascalCase keys; ``Message`` stays
        the verdict as published."""
        from glue_workflow.jsonstyle import iso_time, pascal_keys

        return {
            "Time": iso_time(self.time),
            "Channel": self.channel,
            "Message": self.message,
            "Deliveries": pascal_keys(list(self.deliveries)),
        }


def recorded(home: LocalHome, limit: int = 50, workflow: str | None = None) -> list[Notification]:
    """The newest ``limit`` verdict notifications (of ``workflow`` when given)."""
    from glue_workflow.local.events.store import EventsState
    from glue_workflow.local.sns import recorded_messages

    found: list[Notification] = []
    for entry in EventsState(home).recent(limit * 4):
        event = entry["event"]
        if event.get("source") != EVENT_SOURCE or event.get("detail-type") != EVENT_DETAIL_TYPE:
            continue
        found.append(
            Notification(
                time=float(entry["time"]),
                channel="eventbridge",
                message=dict(event.get("detail") or {}),
                deliveries=tuple(entry["deliveries"]),
            )
        )
    for message in recorded_messages(home, limit * 4):
        try:
            body = json.loads(message["Message"])
        except ValueError:
            continue
        if not isinstance(body, dict) or "verdict" not in body or "runId" not in body:
            continue  # another publisher's message on the topic
        found.append(
            Notification(
                time=float(message["Time"]),
                channel=f"sns:{message['TopicArn']}",
                message=body,
                deliveries=tuple(message["Deliveries"]),
            )
        )
    if workflow:
        found = [n for n in found if n.message.get("workflow") == workflow]
    return sorted(found, key=lambda n: n.time, reverse=True)[:limit]
